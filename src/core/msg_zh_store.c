/* msg_zh_store.c - the Chinese of the error sentences of src/store, src/demo and src/main.c
 * (core/msg.h). Each entry: the English printf format exactly as the code
 * writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_store[] = {
    {NULL, NULL},
};
