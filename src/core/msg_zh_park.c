/* msg_zh_park.c - the Chinese of the error sentences of the park and block screens: duty, hazards,
 * records per source, scenario map (issue 13 §5) (core/msg.h). Each entry: the English printf
 * format exactly as the code writes it, and its Chinese with the same conversions in the same
 * order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_park[] = {
    /* api/statuses.c: derived states (duty status) */
    {"cannot read the statuses", "无法读取状态定义"},
    {"status \"%s\" is not declared (a pack's statuses.json declares them)",
     "状态“%s”未定义（由场景包的 statuses.json 定义）"},
    {"status \"%s\" reads metric \"%s\", which does not exist", "状态“%s”读取的指标“%s”不存在"},
    {"more than 20000 entities: ask for a smaller region", "对象超过 20000 个：请选择更小的区域"},
    {"cannot read the entities and their check-ins", "无法读取对象及其打卡记录"},
    /* api/usage.c: records returned vs used */
    {"cannot read the dashboards", "无法读取驾驶舱配置"},
    {"cannot count the records of the sources", "无法统计各数据源的记录数"},
    /* pack/pack.c, pack/pack_dashboards.c: status, apps and usage panels, map layers */
    {"is required for api \"status\"", "api 为“status”时必填"},
    {"status \"%s\" is not declared in statuses.json", "状态“%s”未在 statuses.json 中定义"},
    {"a status panel shows derived states: use api \"status\"",
     "状态面板显示派生状态：请使用 api“status”"},
    {"api \"status\" is read by a status panel or a kpi item",
     "api“status”只能由状态面板或指标卡读取"},
    {"api \"usage\" is read by a table or a kpi item", "api“usage”只能由表格或指标卡读取"},
    {"values \"records\", \"used\" and \"used_share\" go with api \"usage\"",
     "值“records”“used”“used_share”须与 api“usage”一起使用"},
    {"a value \"state:ID\" goes with api \"status\"", "值“state:ID”须与 api“status”一起使用"},
    {"an apps panel lists 1 to 12 applications", "应用场景面板须列出 1 到 12 个应用"},
    {"\"%s\" is used twice in this panel", "“%s”在本面板中重复使用"},
    {"must list 0 to 3 kpi items", "须列出 0 到 3 个指标项"},
    {"must list 1 to 8 layers", "须列出 1 到 8 个图层"},
    {"must list 1 to 8 {entity_type, where?}", "须列出 1 到 8 个 {entity_type, where?}"},
    {"must map attributes to lists of values", "须把属性映射到取值列表"},
    {"%s must list the values it keeps", "%s 须列出保留的取值"},
    {"%s[%zu] must be a string", "%s[%zu] 必须是字符串"},
    {"only a map panel draws layers of entities", "只有地图面板可以绘制对象图层"},
    /* rollup/statuses.c: statuses.json */
    {"must be a colour \"#rrggbb\", not \"%s\"", "必须是颜色“#rrggbb”，不能是“%s”"},
    {"the last state takes every entity the others do not: it has no condition",
     "最后一个状态收纳其余所有对象：它不能带条件"},
    {"is required (every state but the last has a condition)",
     "为必填项（除最后一个状态外，每个状态都须带条件）"},
    {"must be a number (a value of the metric)", "必须是数字（该指标的一个取值）"},
    {"must be an object {\"statuses\": [...]}", "必须是对象 {\"statuses\": [...]}"},
    /* api/query.c: a portrait's longer daily history */
    {"days must be a whole number from 1 to %d, with the day grain",
     "days 须为 1 到 %d 的整数，且只用于按日粒度"},
    /* demo/past_alarms.c: demo.json past_alarms */
    {"rule %s makes no work order (auto_order)", "规则 %s 不生成工单（auto_order）"},
    {"cannot read the sub-orders of order %lld", "无法读取工单 %lld 的子工单"},
    {"must be \"HH:MM\", not \"%s\"", "必须是“HH:MM”，不能是“%s”"},
    {"must come after resolved_h (%g) by half an hour", "须比 resolved_h（%g）至少晚半小时"},
    {"must not come before verified_h (%g)", "不能早于 verified_h（%g）"},
    {"says nothing of what %s did", "没有写明 %s 做了哪些处置"},
    {"past_alarms.officers names nobody of %s", "past_alarms.officers 中没有 %s 的经办人"},
    {"%lld is too recent: its closing would come after now", "%lld 太近：办结时间会晚于现在"},
    {"rule \"%s\" does not exist, is disabled or makes no work order",
     "规则“%s”不存在、已停用或不生成工单"},
    /* rules/rules.c: rules_past_alert */
    {"rule \"%s\" does not exist or is disabled", "规则“%s”不存在或已停用"},
    {"entity \"%s\" does not exist or rule %s does not watch it",
     "对象“%s”不存在，或不在规则 %s 的监测范围内"},
    {"rule %s has no level of severity \"%s\"", "规则 %s 没有级别为“%s”的分级"},
    {"a past alert opens in the past", "历史预警的发生时间必须在过去"},
    {"a past alert is acknowledged between its opening and its clearing",
     "历史预警的确认时间须在发生与解除之间"},
    {"a past alert clears after it opens and before now",
     "历史预警的解除时间须在发生之后、现在之前"},
    /* workflow/wf_actions.c, wf_create.c: dated actions */
    {"a past action on order %lld is dated between its last change and now",
     "工单 %lld 的补录操作时间须在其最近一次变更与现在之间"},
    {"a past action needs its time", "补录的操作须给出时间"},
    {"an order of the past cannot be dated in the future", "补录的工单不能晚于现在"},
    {NULL, NULL},
};
