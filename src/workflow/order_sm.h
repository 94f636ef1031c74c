/* order_sm.h - the work-order state machine of DESIGN.md section 4, pure:
 * which action may move which state where, who may take it, and the
 * sentence that explains a refusal. wf_actions.c applies it to stored orders;
 * the unit tests walk it directly.
 *
 *   reported -> dispatched -> accepted -> in_progress -> resolved -> verified -> closed
 *   dispatched/accepted --return--> returned --dispatch--> dispatched
 *   resolved/verified/closed --reopen--> reopened --dispatch--> dispatched
 *   supervise and escalate flag any open order without moving it. */
#ifndef ZZ_ORDER_SM_H
#define ZZ_ORDER_SM_H

#include "core/zz.h"

enum order_action {
  ORDER_DISPATCH,
  ORDER_ACCEPT,
  ORDER_START,
  ORDER_RESOLVE,
  ORDER_VERIFY,
  ORDER_CLOSE,
  ORDER_RETURN,
  ORDER_REOPEN,
  ORDER_SUPERVISE,
  ORDER_ESCALATE,
  ORDER_ACTION_COUNT
};

/* The kind of order an action is taken on: joint orders are handled through
 * their sub-orders, and sub-orders are verified and closed with their
 * joint order. */
enum order_shape { ORDER_SINGLE, ORDER_JOINT, ORDER_SUB };

/* Parses an action name ("dispatch", ...). Returns 0 or ZZ_EINVAL. */
int order_action_parse(const char *name, enum order_action *out);
const char *order_action_name(enum order_action a);
/* The Chinese of an action's name ("签收" for accept), for the Chinese of the
 * sentences that name it. A static string. */
const char *order_action_zh(enum order_action a);
/* The Chinese of a state as said of an order ("已签收" for accepted, "处置中"
 * for in_progress); state itself when it is not a known state. */
const char *order_state_zh(const char *state);

/* Who takes an action: ORDER_SIDE_DISPATCH (dispatcher, admin) or
 * ORDER_SIDE_DEPT (the officer of the order's department, admin). */
enum { ORDER_SIDE_DISPATCH = 1, ORDER_SIDE_DEPT = 2 };
int order_action_side(enum order_action a);
/* 1 when the action needs a note (return: the reason; resolve: what was
 * done; reopen: why). */
int order_action_needs_note(enum order_action a);

/* The state action a leads to; NULL for supervise and escalate (the state
 * stays). */
const char *order_action_target(enum order_action a);
/* 1 when action a may start from state (the table's from-states; any open
 * state for supervise and escalate), whatever the order's shape. */
int order_action_starts_from(enum order_action a, const char *state);

/* How a joint order and its sub-orders move together (DESIGN.md section 4:
 * one order with one sub-order per department, handled in parallel, done
 * when all are done). When action a is taken on an order of shape `on`
 * (ORDER_SUB: its joint order may follow; ORDER_JOINT: each of its
 * sub-orders may), order_follow says whether a follower now in `state`
 * follows: 1 with *f filled, 0 when it stays. all_done: every other open
 * sub-order of the joint order is already where a leads; dropped: a joint
 * dispatch leaves the sub-order's department out. */
struct order_follow {
  enum order_action as; /* the action its timeline records */
  const char *to;       /* its new state */
  const char *note;     /* NULL: the workflow says it (the actor's note, or a count) */
  int by_system;        /* taken by the system rather than the actor */
};
int order_follow(enum order_action a, enum order_shape on, const char *state, int all_done,
                 int dropped, struct order_follow *f);

/* 1 for every state but closed and merged. */
int order_state_open(const char *state);
/* 1 for states that count as known states (reported ... merged). */
int order_state_valid(const char *state);

/* The state after action a on an order in `state` of the given shape, in
 * *next (a static string; the same state for supervise and escalate).
 * Returns 0, or ZZ_ECONFLICT with e->msg a sentence saying why not, naming
 * the order by id, e.g. "order 12 cannot be accepted: it is reported, and
 * only a dispatched order can be accepted". */
int order_next_state(long long id, const char *state, enum order_shape shape, enum order_action a,
                     const char **next, struct zz_err *e);

#endif
