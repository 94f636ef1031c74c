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
    {"cannot start the notifier thread", "无法启动通知推送线程"},
    {"events must be a list of 1 to %d event names (alert, order, alert.open, order.dispatch, *)",
     "events 须为 1 至 %d 个事件名（alert、order、alert.open、order.dispatch、*）"},
    {"events[%zu] is not an event name of alerts or orders", "events[%zu] 不是告警或工单的事件名"},
    {"url must start with http:// or https://", "url 须以 http:// 或 https:// 开头"},
    {"cannot store the webhook", "无法保存推送地址"},
    {"cannot list the webhooks", "无法列出推送地址"},
    {"no webhook %s", "没有推送地址 %s"},
    {"cannot delete the webhook", "无法删除推送地址"},
    {NULL, NULL},
};
