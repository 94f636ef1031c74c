/* msg_zh_packdata.c - the Chinese of the error sentences of the pack checks of campaigns.json and
 * the demo of campaigns (issue 13) (core/msg.h). Each entry: the English printf format exactly as
 * the code writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_packdata[] = {
    {NULL, NULL},
};
