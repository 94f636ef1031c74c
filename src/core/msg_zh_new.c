/* msg_zh_new.c - the Chinese of the error sentences of sentences added after the catalog was first
 * filled, until they are sorted into their part (core/msg.h). Each entry: the English printf format
 * exactly as the code writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_new[] = {
    {"%g is named twice (also states[%zu])", "%g 重复命名（另见 states[%zu]）"},
    {"names an event kind, but the rule watches a metric", "只有统计事件的规则才能填写事件名称"},
    /* the configuration file (core/config.c) */
    {"line %d: expected key = value (keys are a-z, 0-9, -)",
     "第 %d 行：应为 键 = 值（键由 a-z、0-9、- 组成）"},
    {"line %d: the key is longer than %d characters", "第 %d 行：键超过 %d 个字符"},
    {"line %d: the quoted value has no end", "第 %d 行：引号中的值没有结束引号"},
    {"line %d: text after the quoted value", "第 %d 行：引号中的值之后还有文字"},
    {"the file is larger than %d bytes", "文件超过 %d 字节"},
    {"the file holds a NUL byte: not a text file", "文件含有 NUL 字节，不是文本文件"},
    {"line %d: longer than %d bytes", "第 %d 行：超过 %d 字节"},
    {"line %d: more than %d settings", "第 %d 行：设置项超过 %d 个"},
    /* open311: multipart POSTs */
    {"the multipart body cannot be read", "无法读取 multipart 请求体"},
    {"only the media part may be a file, not %.64s", "只有 media 字段可以是文件，%.64s 不可以"},
    {"the form has more than one media file", "表单中的 media 文件多于一个"},
    {"the media file is larger than %u MiB", "media 文件超过 %u MiB"},
    {"must be an administrative division code: a number or a string of 6, 9 or 12 digits",
     "必须是行政区划代码：数字，或 6、9、12 位数字组成的字符串"},
    {NULL, NULL},
};
