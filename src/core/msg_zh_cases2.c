/* msg_zh_cases2.c - the Chinese of the error sentences of case files: activity attendance, policy
 * applications (issue 13 §1) (core/msg.h). Each entry: the English printf format exactly as the
 * code writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_cases2[] = {
    {NULL, NULL},
};
