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
    {"/metrics is answered to loopback and --metrics-from addresses only",
     "/metrics 只对本机和 --metrics-from 指定的地址开放"},
    {NULL, NULL},
};
