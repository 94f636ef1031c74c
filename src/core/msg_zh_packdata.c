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
    /* src/demo/campaigns_demo.c, src/pack/pack_dashboards.c (a campaign's cockpit panels) */
    {"cannot read the campaign's units", "无法读取专项行动的参与对象"},
    {"is required for a campaign panel", "专项行动面板必须提供此项"},
    {"a campaign's kpi panel needs 1 to 6 items", "专项行动的指标面板需要 1 至 6 个指标项"},
    {"\"%s\" is not a campaign count (participants, members, inspections, violations, on_time, "
     "signed:PLEDGE, expected:PLEDGE, rectify:STATE)",
     "“%s”不是专项行动的计数（participants、members、inspections、violations、on_time、"
     "signed:承诺书、expected:承诺书、rectify:状态）"},
    {NULL, NULL},
};
