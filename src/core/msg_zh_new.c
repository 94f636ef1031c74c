/* msg_zh_new.c - the Chinese of the error sentences of sentences added after the catalog was first
 * filled, until they are sorted into their part (core/msg.h). Each entry: the English printf format
 * exactly as the code writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_new[] = {
    {"%g is named twice (also states[%zu])", "%g 重复命名（另见 states[%zu]）"},
    {"names an event kind, but the rule watches a metric", "只有统计事件的规则才能填写事件名称"},
    /* rules: levels and rates a day (issue 13, deep-pit monitoring) */
    {"give percent or per_day, not both", "percent 与 per_day 只能填写其一"},
    {"only threshold and rate rules have levels", "只有阈值和变化率规则可以分级"},
    {"must list 1 to %d levels {at, severity}", "须列出 1 至 %d 个级别 {at, severity}"},
    {"a level must be {at, severity}", "级别须为 {at, severity}"},
    {"must lie beyond the limit before it (%g)", "须越过前一级限值（%g）"},
    {"must be more severe than the level before it", "严重程度须高于前一级"},
    /* demo: a level series' trend (issue 13) */
    {"only level series take a trend", "只有 level 序列可以设置 trend"},
    {"must list 1 to %d points [days from now, factor]", "须列出 1 至 %d 个点 [距今天数, 系数]"},
    {"must be [days from now, factor]", "须为 [距今天数, 系数]"},
    {"days must be from -3660 to 0, each after the one before",
     "天数须在 -3660 至 0 之间，且逐个递增"},
    {"the factor must lie within +-1e6", "系数须在 ±1e6 以内"},
    /* open311: multipart POSTs */
    {"the multipart body cannot be read", "无法读取 multipart 请求体"},
    {"only the media part may be a file, not %.64s", "只有 media 字段可以是文件，%.64s 不可以"},
    {"the form has more than one media file", "表单中的 media 文件多于一个"},
    {"the media file is larger than %u MiB", "media 文件超过 %u MiB"},
    {"must be an administrative division code: a number or a string of 6, 9 or 12 digits",
     "必须是行政区划代码：数字，或 6、9、12 位数字组成的字符串"},
    {NULL, NULL},
};
