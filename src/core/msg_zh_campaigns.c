/* msg_zh_campaigns.c - the Chinese of the error sentences of campaigns and pledges (issue 13 §2)
 * (core/msg.h). Each entry: the English printf format exactly as the code
 * writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_campaigns[] = {
    {NULL, NULL},
};
