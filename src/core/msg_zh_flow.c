/* msg_zh_flow.c - the Chinese of the error sentences of src/workflow, src/applications, src/codes,
 * src/intake, src/ingest, src/rollup and src/rules (core/msg.h). Each entry: the English printf
 * format exactly as the code writes it, and its Chinese with the same conversions in the same
 * order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_flow[] = {
    {NULL, NULL},
};
