/* msg_zh_cases2.c - the Chinese of the error sentences of case files: activity attendance, policy
 * applications (issue 13 §1) (core/msg.h). Each entry: the English printf format exactly as the
 * code writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_cases2[] = {
    /* activities and the check-in by code (src/cases/activities.c, src/api/cases.c) */
    {"title is required", "须填写标题"},
    {"ts (when the activity takes place) is required", "须填写活动时间 ts"},
    {"no activity %lld", "没有编号为 %lld 的活动"},
    {"cannot read the activities", "无法读取活动"},
    {"activity %lld has no code in use", "活动 %lld 没有在用的签到码"},
    {"check-in to this activity is open from %s to %s", "本活动的签到时间为 %s 至 %s"},
    {"this number is not on the programme's files: please ask the caseworker at the activity",
     "该手机号未在本项目登记：请咨询活动现场的个案工作者"},
    {"this code is no longer in use: please scan the new code on site",
     "此码已停用：请到现场扫描新码"},
    {"kind must be customer, enterprise or activity",
     "类型须为 customer（顾客码）、enterprise（企业码）或 activity（活动签到码）"},
    /* the cockpit's counts panels (src/pack/pack_dashboards.c) */
    {"a line panel draws counts by month: use \"%s\"", "折线图面板按月绘制计数：请使用“%s”"},
    /* a file brought over closed (src/cases/cases.c) */
    {"status must be open or closed", "status（状态）须为 open（在办）或 closed（已结案）"},
    /* policy applications (src/cases/apply.c) */
    {"the applications flow is not running", "申请办理流程未运行"},
    {"matter is not one of the programme's policy applications",
     "该事项不是本项目可代办的政策申请"},
    {NULL, NULL},
};
