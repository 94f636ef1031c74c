/* order_sm.c - the work-order state machine (order_sm.h): one table of
 * actions, the states each may start from, where it leads and who takes it. */
#include "workflow/order_sm.h"

#include <string.h>

#define MAX_FROM 4

struct step {
  const char *name, *verb; /* "accept", "accepted" (for sentences) */
  const char *from[MAX_FROM];
  const char *to; /* NULL: the state does not change */
  int side;
  int needs_note;
};

static const struct step steps[ORDER_ACTION_COUNT] = {
    [ORDER_DISPATCH] = {"dispatch",
                        "dispatched",
                        {"reported", "returned", "reopened"},
                        "dispatched",
                        ORDER_SIDE_DISPATCH,
                        0},
    [ORDER_ACCEPT] = {"accept", "accepted", {"dispatched"}, "accepted", ORDER_SIDE_DEPT, 0},
    [ORDER_START] = {"start", "started", {"accepted"}, "in_progress", ORDER_SIDE_DEPT, 0},
    [ORDER_RESOLVE] =
        {"resolve", "resolved", {"accepted", "in_progress"}, "resolved", ORDER_SIDE_DEPT, 1},
    [ORDER_VERIFY] = {"verify", "verified", {"resolved"}, "verified", ORDER_SIDE_DISPATCH, 0},
    [ORDER_CLOSE] = {"close", "closed", {"verified"}, "closed", ORDER_SIDE_DISPATCH, 0},
    [ORDER_RETURN] =
        {"return", "returned", {"dispatched", "accepted"}, "returned", ORDER_SIDE_DEPT, 1},
    [ORDER_REOPEN] = {"reopen",
                      "reopened",
                      {"resolved", "verified", "closed"},
                      "reopened",
                      ORDER_SIDE_DISPATCH,
                      1},
    [ORDER_SUPERVISE] = {"supervise", "supervised", {NULL}, NULL, ORDER_SIDE_DISPATCH, 0},
    [ORDER_ESCALATE] = {"escalate", "escalated", {NULL}, NULL, ORDER_SIDE_DISPATCH, 0},
};

/* The cascades between a joint order and its sub-orders: the first rule
 * matching (on, shape, dropped) decides; the follower moves when it is in a
 * state `when` starts from (ORDER_ACTION_COUNT: any state; open_only: any
 * open state) and, for needs_all, when its siblings are all done. */
#define ANY ORDER_ACTION_COUNT

static const struct follow_rule {
  enum order_action on;
  enum order_shape shape;
  int dropped;
  enum order_action when;
  int open_only, needs_all;
  enum order_action as, to; /* recorded as `as`, moved to where `to` leads */
  int by_system;
  const char *note;
} follow_rules[] = {
    /* the first department to accept its sub-order starts the joint order */
    {ORDER_ACCEPT, ORDER_SUB, 0, ORDER_ACCEPT, 0, 0, ORDER_ACCEPT, ORDER_START, 0,
     "a department accepted its sub-order"},
    /* the last sub-order resolved resolves the joint order */
    {ORDER_RESOLVE, ORDER_SUB, 0, ANY, 0, 1, ORDER_RESOLVE, ORDER_RESOLVE, 1, NULL},
    /* a joint order dispatched again: each of its departments starts over */
    {ORDER_DISPATCH, ORDER_JOINT, 0, ANY, 0, 0, ORDER_DISPATCH, ORDER_DISPATCH, 0, NULL},
    /* a department left out of a joint dispatch: its open sub-order closes */
    {ORDER_DISPATCH, ORDER_JOINT, 1, ANY, 1, 0, ORDER_CLOSE, ORDER_CLOSE, 0,
     "no longer part of the joint order"},
    /* a joint order closed closes its open sub-orders */
    {ORDER_CLOSE, ORDER_JOINT, 0, ANY, 1, 0, ORDER_CLOSE, ORDER_CLOSE, 0,
     "closed with its joint order"},
};

static const char *const states[] = {"reported", "dispatched", "accepted", "in_progress",
                                     "resolved", "verified",   "closed",   "returned",
                                     "reopened", "merged"};

/* The Chinese of the actions and states, for the Chinese of the sentences
 * that name them (core/msg.h): a state as said of an order, "该工单已签收". */
static const char *const actions_zh[ORDER_ACTION_COUNT] = {
    [ORDER_DISPATCH] = "派单",    [ORDER_ACCEPT] = "签收",     [ORDER_START] = "开始处置",
    [ORDER_RESOLVE] = "处置完成", [ORDER_VERIFY] = "核查",     [ORDER_CLOSE] = "办结",
    [ORDER_RETURN] = "退单",      [ORDER_REOPEN] = "重新打开", [ORDER_SUPERVISE] = "督办",
    [ORDER_ESCALATE] = "升级"};
static const char *const states_zh[ZZ_ARRAY_LEN(states)] = {
    "已上报", "已派单", "已签收", "处置中",     "已处置完成",
    "已核查", "已办结", "已退单", "已重新打开", "已合并"};

int order_action_parse(const char *name, enum order_action *out) {
  for (int i = 0; name && i < ORDER_ACTION_COUNT; i++) {
    if (strcmp(name, steps[i].name) == 0) {
      *out = (enum order_action)i;
      return 0;
    }
  }
  return ZZ_EINVAL;
}

const char *order_action_name(enum order_action a) {
  return a < ORDER_ACTION_COUNT ? steps[a].name : "unknown";
}

const char *order_action_zh(enum order_action a) {
  return a < ORDER_ACTION_COUNT ? actions_zh[a] : "未知操作";
}

const char *order_state_zh(const char *state) {
  for (size_t i = 0; state && i < ZZ_ARRAY_LEN(states); i++)
    if (strcmp(state, states[i]) == 0) return states_zh[i];
  return state ? state : "";
}

int order_action_side(enum order_action a) {
  return steps[a].side;
}

int order_action_needs_note(enum order_action a) {
  return steps[a].needs_note;
}

const char *order_action_target(enum order_action a) {
  return a < ORDER_ACTION_COUNT ? steps[a].to : NULL;
}

int order_action_starts_from(enum order_action a, const char *state) {
  ZZ_ASSERT(a < ORDER_ACTION_COUNT);
  if (!steps[a].from[0]) return order_state_open(state);
  for (int i = 0; i < MAX_FROM && steps[a].from[i]; i++)
    if (strcmp(state, steps[a].from[i]) == 0) return 1;
  return 0;
}

int order_follow(enum order_action a, enum order_shape on, const char *state, int all_done,
                 int dropped, struct order_follow *f) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(follow_rules); i++) {
    const struct follow_rule *r = &follow_rules[i];
    if (r->on != a || r->shape != on || r->dropped != !!dropped) continue;
    if (r->when != ANY && !order_action_starts_from(r->when, state)) return 0;
    if (r->open_only && !order_state_open(state)) return 0;
    if (r->needs_all && !all_done) return 0;
    *f = (struct order_follow){r->as, steps[r->to].to, r->note, r->by_system};
    return 1;
  }
  return 0;
}

int order_state_open(const char *state) {
  return strcmp(state, "closed") != 0 && strcmp(state, "merged") != 0;
}

int order_state_valid(const char *state) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(states); i++)
    if (strcmp(state, states[i]) == 0) return 1;
  return 0;
}

/* The states s starts from, "a, b or c" (zh: "甲、乙或丙", in Chinese). */
static void from_text(const struct step *s, int zh, char *out, size_t cap) {
  size_t len = 0, n = 0;
  while (n < MAX_FROM && s->from[n]) n++;
  out[0] = 0;
  for (size_t i = 0; i < n && len < cap; i++)
    len += (size_t)snprintf(out + len, cap - len, "%s%s",
                            i == 0       ? ""
                            : i + 1 == n ? (zh ? "或" : " or ")
                                         : (zh ? "、" : ", "),
                            zh ? order_state_zh(s->from[i]) : s->from[i]);
}

int order_next_state(long long id, const char *state, enum order_shape shape, enum order_action a,
                     const char **next, struct zz_err *e) {
  ZZ_ASSERT(a < ORDER_ACTION_COUNT);
  const struct step *s = &steps[a];
  /* The sentences name actions and states: each is formatted twice, with the
   * English words (en.msg) and with their Chinese (zh.msg_zh). */
  struct zz_err en, zh;
  const char *verb_zh = actions_zh[a], *state_zh = order_state_zh(state);
  if (!order_state_open(state) && !(a == ORDER_REOPEN && strcmp(state, "closed") == 0)) {
    int merged = strcmp(state, "merged") == 0;
    zz_fail(&en, ZZ_ECONFLICT, "action", "order %lld cannot be %s: it is %s%s", id, s->verb, state,
            merged ? " into another order, which carries it on"
                   : ", and a closed order can only be reopened");
    zz_fail(&zh, ZZ_ECONFLICT, "action", "order %lld cannot be %s: it is %s%s", id, verb_zh,
            state_zh, merged ? "（并入了另一工单，由后者继续办理）" : "，已办结的工单只能重新打开");
    return zz_fail_pair(e, ZZ_ECONFLICT, "action", en.msg, zh.msg_zh);
  }
  if (!s->from[0]) { /* supervise, escalate: any open order */
    *next = state;
    return 0;
  }
  if (shape == ORDER_JOINT &&
      (a == ORDER_ACCEPT || a == ORDER_START || a == ORDER_RESOLVE || a == ORDER_RETURN)) {
    zz_fail(&en, ZZ_ECONFLICT, "action",
            "order %lld cannot be %s: it is a joint order, handled through its sub-orders", id,
            s->verb);
    zz_fail(&zh, ZZ_ECONFLICT, "action",
            "order %lld cannot be %s: it is a joint order, handled through its sub-orders", id,
            verb_zh);
    return zz_fail_pair(e, ZZ_ECONFLICT, "action", en.msg, zh.msg_zh);
  }
  if (shape == ORDER_SUB && (a == ORDER_VERIFY || a == ORDER_CLOSE || a == ORDER_REOPEN)) {
    zz_fail(&en, ZZ_ECONFLICT, "action",
            "order %lld cannot be %s: it is a sub-order, %s with its joint order", id, s->verb,
            s->verb);
    zz_fail(&zh, ZZ_ECONFLICT, "action",
            "order %lld cannot be %s: it is a sub-order, %s with its joint order", id, verb_zh,
            verb_zh);
    return zz_fail_pair(e, ZZ_ECONFLICT, "action", en.msg, zh.msg_zh);
  }
  for (int i = 0; i < MAX_FROM && s->from[i]; i++) {
    if (strcmp(state, s->from[i]) == 0) {
      *next = s->to;
      return 0;
    }
  }
  char from[96], from_zh[160];
  from_text(s, 0, from, sizeof from);
  from_text(s, 1, from_zh, sizeof from_zh);
  zz_fail(&en, ZZ_ECONFLICT, "action",
          "order %lld cannot be %s: it is %s, and only a %s order can be %s", id, s->verb, state,
          from, s->verb);
  zz_fail(&zh, ZZ_ECONFLICT, "action",
          "order %lld cannot be %s: it is %s, and only a %s order can be %s", id, verb_zh, state_zh,
          from_zh, verb_zh);
  return zz_fail_pair(e, ZZ_ECONFLICT, "action", en.msg, zh.msg_zh);
}
