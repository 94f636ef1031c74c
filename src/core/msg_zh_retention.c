/* msg_zh_retention.c - the Chinese of raw retention's error sentences
 * (src/store/store_retention.c), core/msg.h. Each entry: the English printf
 * format exactly as the code writes it, and its Chinese with the same
 * conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_retention[] = {
    {"the records engine is not open", "原始记录引擎未打开"},
    {NULL, NULL},
};
