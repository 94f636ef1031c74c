/* msg_zh_check.c - the Chinese of the error sentences of `zhizhi check`
 * (src/store/store_check.c and its command in src/main.c), core/msg.h. Each
 * entry: the English printf format exactly as the code writes it, and its
 * Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_check[] = {
    {"cannot read the records of entity \"%s\", metric \"%s\"",
     "无法读取对象“%s”指标“%s”的数据记录"},
    {NULL, NULL},
};
