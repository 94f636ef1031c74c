/* msg_zh_inspections.c - the Chinese of the error sentences of inspections, rectification, credit
 * and visit plans (issue 13 §2, §3) (core/msg.h). Each entry: the English printf format exactly as
 * the code writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_inspections[] = {
    {NULL, NULL},
};
