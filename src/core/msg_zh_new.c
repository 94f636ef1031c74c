/* msg_zh_new.c - the Chinese of the error sentences of sentences added after the catalog was first
 * filled, until they are sorted into their part (core/msg.h). Each entry: the English printf format
 * exactly as the code writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_new[] = {
    {"%g is named twice (also states[%zu])", "%g 重复命名（另见 states[%zu]）"},
    {"names an event kind, but the rule watches a metric", "只有统计事件的规则才能填写事件名称"},
    /* open311: multipart POSTs */
    {"the multipart body cannot be read", "无法读取 multipart 请求体"},
    {"only the media part may be a file, not %.64s", "只有 media 字段可以是文件，%.64s 不可以"},
    {"the form has more than one media file", "表单中的 media 文件多于一个"},
    {"the media file is larger than %u MiB", "media 文件超过 %u MiB"},
    {"must be an administrative division code: a number or a string of 6, 9 or 12 digits",
     "必须是行政区划代码：数字，或 6、9、12 位数字组成的字符串"},
    /* mqtt ingest */
    {"--mqtt needs mqtt://HOST[:PORT], not \"%s\"", "--mqtt 须为 mqtt://主机[:端口]，而不是“%s”"},
    {"cannot read USER:PASSWORD from %s (zhizhi mqtt init writes it)",
     "无法从 %s 读取“用户名:密码”（由 zhizhi mqtt init 写入）"},
    {"the MQTT client could not start: %s", "MQTT 客户端无法启动：%s"},
    {"cannot reload the broker from %s: %s", "无法按 %s 通知 MQTT 服务器重新加载：%s"},
    {"an MQTT user name has 1 to 100 characters, none of / + # : or space, not \"%s\"",
     "MQTT 用户名须为 1 到 100 个字符，不含 / + # : 或空格，而不是“%s”"},
    {"no entity \"%s\"", "没有对象“%s”"},
    {"no source \"%s\"", "没有数据源“%s”"},
    /* case files (src/cases/, src/api/cases.c, src/pack/pack_cases.c) */
    {"no case %lld", "没有编号为 %lld 的个案"},
    {"cannot read the case", "无法读取该个案"},
    {"no such case programme: %s", "没有这个个案项目：%s"},
    {"%s must be a date (YYYY-MM-DD) or an RFC 3339 time",
     "%s 须为日期（YYYY-MM-DD）或 RFC 3339 时间"},
    {"skills must be an array of strings", "skills（技能）须为字符串数组"},
    {"name is required", "须填写姓名"},
    {"phone must be an 11-digit mobile number", "电话须为 11 位手机号码"},
    {"intention is not one of the programme's intentions", "意向不在该项目的意向列表中"},
    {"street must be a region path (gongshu/...)", "街道须为区域路径（gongshu/...）"},
    {"class must be contact, service, activity or outcome", "类别须为联系、服务、活动或结果之一"},
    {"kind is not one of the programme's %s kinds", "类型不在该项目的 %s 类型列表中"},
    {"ts must not be in the future", "时间不能晚于现在"},
    {"jobs (0 to 10000) is only for an outcome that creates jobs",
     "带动就业人数（0 至 10000）只适用于可带动就业的结果"},
    {"cannot read the cases", "无法读取个案"},
    {"the export is too large", "导出内容过大"},
    {"cannot count the cases", "无法统计个案"},
    {"\"%s\" appears twice", "“%s”重复出现"},
    {"quiet_days needs a followup_matter for the tasks",
     "设置 quiet_days 须同时指定回访事项 followup_matter"},
    {"/metrics is answered to loopback and --metrics-from addresses only",
     "/metrics 只对本机和 --metrics-from 指定的地址开放"},
    {NULL, NULL},
};
