/* msg_zh_packdata.c - the Chinese of the error sentences of the pack checks of campaigns.json and
 * the demo of campaigns (issue 13) (core/msg.h). Each entry: the English printf format exactly as
 * the code writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_packdata[] = {
    /* src/pack/pack_campaigns.c */
    {"a pledge signed by members needs the campaign's \"members\"",
     "由成员签署的承诺书需要活动声明“members”（成员）"},
    {"checklist \"%s\" is not declared under \"checklists\"", "检查表“%s”未在“checklists”中声明"},
    {"checklist \"%s\" checks type \"%s\", neither a participant nor a member type",
     "检查表“%s”检查的对象类型“%s”既不是本活动的参与对象类型，也不是成员类型"},
    {"checklist \"%s\" item \"%s\": system \"%s\" is not among this campaign's systems",
     "检查表“%s”的检查项“%s”：制度“%s”不在本活动的制度（systems）之中"},
    {"%s is before the start %s", "%s 早于开始日期 %s"},
    {NULL, NULL},
};
