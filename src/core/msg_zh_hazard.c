/* msg_zh_hazard.c - the Chinese of the error sentences of the park's
 * hazard rectification (issue 13 §5: campaigns.json's "demo" member, the
 * demo's inspection photos) (core/msg.h). Each entry: the English printf
 * format exactly as the code writes it, and its Chinese with the same
 * conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_hazard[] = {
    {"entity type \"%s\" is not among the campaign's participants",
     "对象类型“%s”不在该专项行动的参与单位类型中"},
    {"must name an attribute that entity type \"%s\" declares", "必须是对象类型“%s”声明的属性"},
    {NULL, NULL},
};
