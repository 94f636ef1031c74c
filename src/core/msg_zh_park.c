/* msg_zh_park.c - the Chinese of the error sentences of the park and block screens: duty, hazards,
 * records per source, scenario map (issue 13 §5) (core/msg.h). Each entry: the English printf
 * format exactly as the code writes it, and its Chinese with the same conversions in the same
 * order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_park[] = {
    {NULL, NULL},
};
