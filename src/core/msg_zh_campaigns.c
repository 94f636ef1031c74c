/* msg_zh_campaigns.c - the Chinese of the error sentences of campaigns and pledges (issue 13 §2)
 * (core/msg.h). Each entry: the English printf format exactly as the code
 * writes it, and its Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_campaigns[] = {
    {"entity must be a string", "entity 必须是字符串"},
    {"pledges are signed through an enterprise code; this is a customer code",
     "承诺书须通过企业码签署；此码是顾客码"},
    {"no such campaign: %s", "没有这个专项行动：%s"},
    {"campaign %s has a bad start or end date", "专项行动 %s 的开始或结束日期有误"},
    {"%s (an entity id) is required", "%s（对象编号）为必填项"},
    {"no entity %.128s", "没有对象 %.128s"},
    {"cannot read the entity", "无法读取该对象"},
    {"cannot count the campaign's records", "无法统计该专项行动的记录"},
    {"cannot read the pledges", "无法读取承诺书签署记录"},
    {"cannot read the campaign's inspections", "无法读取该专项行动的检查记录"},
    {"cannot read the campaign's participants", "无法读取该专项行动的参与单位"},
    {"cannot read the campaign's activities", "无法读取该专项行动的活动"},
    {"pledge %.64s is not one of the campaign's pledges", "%.64s 不是该专项行动的承诺书"},
    {"%s (the signer's name) is required", "%s（签署人姓名）为必填项"},
    {"%s must not be in the future", "%s 不能晚于当前时间"},
    {"%s is before the campaign's start (%s)", "%s 早于专项行动的开始时间（%s）"},
    {"%s is after the campaign's end (%s)", "%s 晚于专项行动的结束日期（%s）"},
    {"%.128s (a %.64s) is not asked to sign this pledge", "%.128s（%.64s）不需要签署此承诺书"},
    {"%.128s signed this pledge already, at %s", "%.128s 已于 %s 签署过此承诺书"},
    {"pledge is required", "pledge（承诺书）为必填项"},
    {"ts must be a date (YYYY-MM-DD) or an RFC 3339 time",
     "ts 必须是日期（YYYY-MM-DD）或 RFC 3339 时间"},
    {"the campaign starts on %s: sign then", "专项行动将于 %s 开始，请届时签署"},
    {"the campaign ended on %s", "专项行动已于 %s 结束"},
    {"kind is not one of the campaign's activities", "kind 不是该专项行动的活动类型"},
    {"title is required", "title（标题）为必填项"},
    {"participants must be a whole number from 0 to 1000000",
     "participants（参与人数）必须是 0 到 1000000 之间的整数"},
    {"cannot read the activities", "无法读取活动记录"},
    {"this pledge is signed already", "此承诺书已签署"},
    {NULL, NULL},
};
