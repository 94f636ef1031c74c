/* wf_actions.c - actions on orders (dispatch, accept, ... order_sm.h) with
 * their joint-order cascades, merging a duplicate, and the reporter's rating. */
#include "workflow/workflow_int.h"

#include <jansson.h>
#include <pthread.h>
#include <string.h>

#include "core/json.h"
#include "core/ztime.h"
#include "store/store_registry.h"

static void set_dues(struct wf_order *w, const struct wf_matter *m, int64_t now) {
  w->o.dispatched_at = now;
  w->o.accept_due = m->accept_ms ? now + m->accept_ms : 0;
  w->o.resolve_due = m->resolve_ms ? now + m->resolve_ms : 0;
  w->o.accepted_at = w->o.resolved_at = w->o.closed_at = 0;
  w->o.overdue = w->o.supervised = w->o.escalated = 0;
  w->o.escalate_at = 0;
  w->escalated_to[0] = 0;
}

/* ---- actions ---- */

static int dept_exists_cb(void *ud, const struct store_named *n) {
  const char **want = ud;
  if (strcmp(n->key, *want) == 0) {
    *want = NULL;
    return 1;
  }
  return 0;
}

static int dept_exists(struct workflow *wf, const char *d) {
  const char *want = d;
  store_named_each(wf->o.st, "department", dept_exists_cb, &want);
  return want == NULL;
}

/* The merged orders learn their outcome when the order they joined moves. */
static int tell_merged(struct workflow *wf, struct wf_change *c, const struct wf_order *w,
                       const char *actor, const char *note, int64_t now, struct wf_kids *merged) {
  struct store_order_filter f = {.merged_into = w->o.id};
  memset(merged, 0, sizeof *merged);
  int rc = store_orders_each(wf->o.st, &f, wf_order_collect, merged);
  if (!rc) rc = merged->rc;
  for (size_t i = 0; i < merged->n; i++) wf_order_fix(&merged->v[i]);
  for (size_t i = 0; !rc && i < merged->n; i++) {
    char n[300];
    snprintf(n, sizeof n, "order %lld, which this one was merged into, is %s%s%s",
             (long long)w->o.id, w->state, note && *note ? ": " : "", note ? note : "");
    wf_step(c, &merged->v[i], actor, "outcome", NULL, n, now);
  }
  return rc;
}

/* One action being taken on an order, under wf->lock. */
struct act {
  struct workflow *wf;
  const struct wf_actor *who;
  enum order_action a;
  const char *note;
  int64_t now;
  struct wf_order w, parent; /* the order; its joint order when it is a sub-order */
  struct wf_kids k;          /* its sub-orders when it is a joint order */
  struct wf_kids merged;     /* the orders merged into it */
  struct wf_order *subs;     /* a joint dispatch's new sub-orders */
  enum order_shape shape;
  const char *next; /* its state after the action */
  struct wf_matter m;
  struct wf_change *c;
  char d[WF_MAX_DEPTS][65]; /* dispatch: the departments */
  int nd;
};

static void act_free(struct act *x) {
  if (!x) return;
  zz_free(x->k.v);
  zz_free(x->merged.v);
  zz_free(x->subs);
  wf_change_free(x->c);
  zz_free(x);
}

/* The inputs that need no order: 0 and *a, or ZZ_EINVAL. */
static int act_args(const char *action, enum order_action *a, const char *note, size_t ndepts,
                    struct zz_err *e) {
  if (!action || order_action_parse(action, a))
    return zz_fail(e, ZZ_EINVAL, "action",
                   "action must be one of dispatch, accept, start, resolve, verify, close, return,"
                   " reopen, supervise, escalate");
  if (order_action_needs_note(*a) && (!note || !*note)) {
    /* formatted with the English words (en.msg) and with their Chinese (zh.msg_zh) */
    struct zz_err en, zh;
    zz_fail(&en, ZZ_EINVAL, "note", "%s needs a note saying %s", action,
            *a == ORDER_RETURN    ? "why the order goes back"
            : *a == ORDER_RESOLVE ? "what was done"
                                  : "why it is reopened");
    zz_fail(&zh, ZZ_EINVAL, "note", "%s needs a note saying %s", order_action_zh(*a),
            *a == ORDER_RETURN    ? "为什么退回这张工单"
            : *a == ORDER_RESOLVE ? "做了哪些处置"
                                  : "为什么重新打开");
    return zz_fail_pair(e, ZZ_EINVAL, "note", en.msg, zh.msg_zh);
  }
  if (ndepts > WF_MAX_DEPTS)
    return zz_fail(e, ZZ_EINVAL, "departments", "at most %d departments", WF_MAX_DEPTS);
  if (ndepts && *a != ORDER_DISPATCH)
    return zz_fail(e, ZZ_EINVAL, "department", "a department is only given with dispatch");
  return 0;
}

/* Reads order id with its sub-orders, joint order and matter, and checks
 * that the actor may take the action and the state machine allows it. */
static int act_load(struct act *x, int64_t id, struct zz_err *e) {
  struct workflow *wf = x->wf;
  int rc = wf_order_load(wf, id, &x->w, e);
  if (rc) return rc;
  if ((rc = wf_kids_load(wf, id, &x->k)))
    return zz_fail(e, rc, "order", "cannot read the sub-orders");
  x->shape = x->w.o.parent ? ORDER_SUB : x->k.n ? ORDER_JOINT : ORDER_SINGLE;
  if ((rc = wf_may(x->who, x->a, &x->w, e)) ||
      (rc = order_next_state(id, x->w.state, x->shape, x->a, &x->next, e)))
    return rc;
  if (wf_matter_get(wf, x->w.matter, &x->m)) {
    memset(&x->m, 0, sizeof x->m);
    zz_strlcpy(x->m.key, x->w.matter, sizeof x->m.key);
    x->m.escalate_ms = WORKFLOW_ESCALATE_AFTER_MS;
  }
  if (x->w.o.parent) rc = wf_order_load(wf, x->w.o.parent, &x->parent, e);
  return rc;
}

/* The departments of a dispatch into x->d: those given (checked), or the
 * matter's routing for a single order. A sub-order goes to one. */
static int dispatch_targets(struct act *x, const char *const *departments, size_t ndepts,
                            struct zz_err *e) {
  for (size_t i = 0; i < ndepts; i++) {
    if (!departments[i] || !dept_exists(x->wf, departments[i]))
      return zz_fail(e, ZZ_EINVAL, "department", "department \"%s\" does not exist",
                     departments[i] ? departments[i] : "");
    zz_strlcpy(x->d[x->nd++], departments[i], 65);
  }
  if (x->shape == ORDER_SUB) {
    if (x->nd > 1) return zz_fail(e, ZZ_EINVAL, "department", "a sub-order goes to one department");
    if (x->nd) zz_strlcpy(x->w.department, x->d[0], sizeof x->w.department);
  } else if (!x->nd && x->shape == ORDER_SINGLE) {
    x->nd = wf_suggest(x->wf, &x->m, x->w.o.region, x->d);
    if (!x->nd)
      return zz_fail(e, ZZ_EINVAL, "department",
                     "department is required: matter \"%s\" suggests none", x->w.matter);
  }
  return 0;
}

/* The dispatch event's data: {"departments":[...]}, the departments it goes to. */
static void dispatch_data(const struct act *x, char *out, size_t cap) {
  struct zz_buf db;
  zz_buf_init(&db, cap - 1);
  zz_buf_adds(&db, "{\"departments\":[");
  if (x->shape == ORDER_SUB) {
    zz_buf_json_str(&db, x->w.department);
  } else if (x->shape == ORDER_JOINT && !x->nd) {
    for (size_t i = 0; i < x->k.n; i++) {
      if (i) zz_buf_addc(&db, ',');
      zz_buf_json_str(&db, x->k.v[i].department);
    }
  } else {
    for (int i = 0; i < x->nd; i++) {
      if (i) zz_buf_addc(&db, ',');
      zz_buf_json_str(&db, x->d[i]);
    }
  }
  zz_buf_adds(&db, "]}");
  zz_strlcpy(out, db.data ? db.data : "{}", cap);
  zz_buf_free(&db);
}

/* A top-level order back on the dispatch desk (returned, reopened): the
 * "dispatch within" clock starts again, and a supervision of the
 * department's lateness ends with the department's part (the timeline
 * keeps it; overdue stays set as the order's history), so that the desk's
 * own deadline is supervised in its turn. */
static void back_on_desk(struct act *x, struct wf_order *o, int64_t now) {
  if (o->o.parent) return;
  o->o.pending_due = wf_pending_due(&x->m, o->o.priority, now);
  o->o.supervised = o->o.escalated = 0;
  o->o.escalate_at = 0;
  o->escalated_to[0] = 0;
}

/* The columns an action sets beside the state; follower: o moves because
 * its joint order or a sub-order did. */
static void stamp(struct act *x, struct wf_order *o, enum order_action as, int follower) {
  int64_t now = x->now;
  switch (as) {
  case ORDER_DISPATCH:
    set_dues(o, &x->m, now);
    break;
  case ORDER_ACCEPT:
    o->o.accepted_at = now;
    break;
  case ORDER_RESOLVE:
    o->o.resolved_at = now;
    if (follower && !o->o.accepted_at) o->o.accepted_at = now;
    break;
  case ORDER_CLOSE:
    o->o.closed_at = now;
    break;
  case ORDER_REOPEN:
    o->o.closed_at = 0;
    back_on_desk(x, o, now);
    break;
  case ORDER_RETURN:
    back_on_desk(x, o, now);
    break;
  case ORDER_SUPERVISE:
    o->o.supervised = 1;
    o->o.escalate_at = now + x->m.escalate_ms;
    break;
  case ORDER_ESCALATE:
    o->o.supervised = 1;
    o->o.escalated = 1;
    wf_street_of(x->wf, o->o.region, o->escalated_to, sizeof o->escalated_to);
    break;
  default:
    break;
  }
}

/* Moves o (the joint order, or one of the sub-orders) as order_sm's
 * cascade rules say, after action x->a on an order of shape `on`. note:
 * what the event says when the rule leaves it to the workflow. */
static void follow(struct act *x, struct wf_order *o, enum order_shape on, int all_done,
                   int dropped, const char *note) {
  struct order_follow f;
  if (!order_follow(x->a, on, o->state, all_done, dropped, &f)) return;
  stamp(x, o, f.as, 1);
  wf_step(x->c, o, f.by_system ? "system" : x->who->name, order_action_name(f.as), f.to,
          f.note ? f.note : note, x->now);
}

/* A new sub-order of the joint order x->w for department dept, in the change. */
static void add_sub(struct act *x, struct wf_order *s, const char *dept) {
  *s = x->w;
  s->o.id = 0;
  s->o.parent = x->w.o.id;
  s->o.duplicate_of = 0;
  s->duplicate_reason[0] = 0;
  s->o.pending_due = 0;
  zz_strlcpy(s->department, dept, sizeof s->department);
  s->state[0] = 0; /* a new row: its first event has no from-state */
  s->o.created = x->now;
  wf_insert(x->c, s, "dispatch");
  /* No note: the sub-order's parent and department say it, and pages say
   * it in their language (a note is a person's words). */
  wf_step(x->c, s, x->who->name, "dispatch", order_action_target(ORDER_DISPATCH), NULL, x->now);
}

static int has_dept(char (*d)[65], int n, const char *dept) {
  for (int j = 0; j < n; j++)
    if (strcmp(d[j], dept) == 0) return 1;
  return 0;
}

/* Dispatch: a single order or a sub-order to its department; several
 * departments (or a joint order again) as a joint order, one sub-order
 * per department, handled in parallel. The joint order, its sub-orders
 * kept, closed and new are one change: one transaction. */
static int act_dispatch(struct act *x, const char *const *departments, size_t ndepts,
                        struct zz_err *e) {
  int rc = dispatch_targets(x, departments, ndepts, e);
  if (rc) return rc;
  char data[224];
  dispatch_data(x, data, sizeof data);
  struct wf_order *w = &x->w;
  stamp(x, w, ORDER_DISPATCH, 0);
  int joint = x->shape == ORDER_JOINT || (x->shape == ORDER_SINGLE && x->nd > 1);
  if (x->shape == ORDER_SINGLE && !joint) zz_strlcpy(w->department, x->d[0], sizeof w->department);
  if (joint) w->department[0] = 0; /* a joint order is handled through its sub-orders */
  wf_step(x->c, w, x->who->name, "dispatch", x->next, x->note, x->now);
  wf_set_data(x->c, data);
  if (!joint) return 0;
  /* the sub-orders it has: kept (all of them when no departments are
   * given) start over, those of departments left out close */
  for (size_t i = 0; i < x->k.n; i++)
    follow(x, &x->k.v[i], ORDER_JOINT, 0, x->nd && !has_dept(x->d, x->nd, x->k.v[i].department),
           x->note);
  if (!(x->subs = zz_calloc((size_t)(x->nd ? x->nd : 1), sizeof *x->subs)))
    return zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
  for (int j = 0; j < x->nd; j++) {
    int have = 0;
    for (size_t i = 0; i < x->k.n; i++) have |= strcmp(x->k.v[i].department, x->d[j]) == 0;
    if (!have) add_sub(x, &x->subs[j], x->d[j]);
  }
  return 0;
}

/* A sub-order moved: its joint order follows as order_sm's rules say (the
 * first accepted starts it; the last resolved resolves it). */
static int follow_parent(struct act *x, struct zz_err *e) {
  const char *to = order_action_target(x->a);
  struct wf_kids sib;
  int rc = wf_kids_load(x->wf, x->w.o.parent, &sib);
  if (rc) {
    zz_free(sib.v);
    return zz_fail(e, rc, "order", "cannot read the sub-orders");
  }
  size_t open = 0, total = 0;
  for (size_t i = 0; i < sib.n; i++) {
    if (sib.v[i].o.id == x->w.o.id || !order_state_open(sib.v[i].state)) continue;
    total++;
    if (!to || strcmp(sib.v[i].state, to) != 0) open++;
  }
  zz_free(sib.v);
  char n[96];
  snprintf(n, sizeof n, "all %zu sub-orders are %s", total + 1, to ? to : x->w.state);
  follow(x, &x->parent, ORDER_SUB, open == 0, 0, n);
  return 0;
}

/* Takes the action on x->w (loaded and checked) into the change. */
static int act_apply(struct act *x, const char *const *departments, size_t ndepts,
                     struct zz_err *e) {
  if (x->a == ORDER_DISPATCH) return act_dispatch(x, departments, ndepts, e);
  stamp(x, &x->w, x->a, 0);
  wf_step(x->c, &x->w, x->who->name, order_action_name(x->a), order_action_target(x->a), x->note,
          x->now);
  int rc = 0;
  if (x->shape == ORDER_SUB && (rc = follow_parent(x, e))) return rc;
  for (size_t i = 0; x->shape == ORDER_JOINT && i < x->k.n; i++)
    follow(x, &x->k.v[i], ORDER_JOINT, 0, 0, x->note);
  /* the merged orders hear of the outcome when the order is verified or closed */
  if (x->a == ORDER_VERIFY || x->a == ORDER_CLOSE)
    rc = tell_merged(x->wf, x->c, &x->w, x->who->name, x->note, x->now, &x->merged);
  return rc;
}

/* wf_act_locked at a given time (0: now). */
static int act_at_locked(struct workflow *wf, const struct wf_actor *who, int64_t id,
                         const char *action, const char *const *departments, size_t ndepts,
                         const char *note, int64_t at, struct zz_err *e) {
  enum order_action a;
  int rc = act_args(action, &a, note, ndepts, e);
  if (rc) return rc;
  struct act *x = zz_calloc(1, sizeof *x);
  if (!x || !(x->c = zz_calloc(1, sizeof *x->c))) {
    act_free(x);
    return zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
  }
  x->wf = wf;
  x->who = who;
  x->a = a;
  x->note = note;
  x->now = zz_time_now();
  rc = act_load(x, id, e);
  if (!rc && at) {
    /* a past action: between the order's last change and now */
    if (at > x->now || at < x->w.o.updated)
      rc = zz_fail(e, ZZ_EINVAL, "at",
                   "a past action on order %lld is dated between its last change and now",
                   (long long)id);
    x->now = at;
  }
  if (!rc && !(rc = act_apply(x, departments, ndepts, e))) rc = wf_commit(wf, x->c, e);
  act_free(x);
  return rc;
}

int wf_act_locked(struct workflow *wf, const struct wf_actor *who, int64_t id, const char *action,
                  const char *const *departments, size_t ndepts, const char *note,
                  struct zz_err *e) {
  return act_at_locked(wf, who, id, action, departments, ndepts, note, 0, e);
}

int workflow_act_at(struct workflow *wf, const struct wf_actor *who, int64_t id, const char *action,
                    const char *const *departments, size_t ndepts, const char *note, int64_t at,
                    struct zz_err *e) {
  if (at <= 0) return zz_fail(e, ZZ_EINVAL, "at", "a past action needs its time");
  pthread_mutex_lock(&wf->lock);
  int rc = act_at_locked(wf, who, id, action, departments, ndepts, note, at, e);
  pthread_mutex_unlock(&wf->lock);
  return rc;
}

int workflow_act(struct workflow *wf, const struct wf_actor *who, int64_t id, const char *action,
                 const char *const *departments, size_t ndepts, const char *note,
                 struct zz_err *e) {
  pthread_mutex_lock(&wf->lock);
  int rc = wf_act_locked(wf, who, id, action, departments, ndepts, note, e);
  pthread_mutex_unlock(&wf->lock);
  return rc;
}

int workflow_merge(struct workflow *wf, const struct wf_actor *who, int64_t id, int64_t into,
                   const char *note, struct zz_err *e) {
  if (!wf_is_dispatcher(who))
    return zz_fail(e, ZZ_EFORBIDDEN, "action", "only a dispatcher can merge orders");
  if (id == into) return zz_fail(e, ZZ_EINVAL, "into", "an order cannot be merged into itself");
  int64_t now = zz_time_now();
  struct wf_order *w = zz_calloc(2, sizeof *w);
  struct wf_change *c = zz_calloc(1, sizeof *c);
  int rc = 0;
  if (!w || !c) {
    rc = zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
    goto out;
  }
  pthread_mutex_lock(&wf->lock);
  if ((rc = wf_order_load(wf, id, &w[0], e))) goto done;
  if ((rc = wf_order_load(wf, into, &w[1], e))) {
    if (rc == ZZ_ENOTFOUND)
      rc = zz_fail(e, ZZ_EINVAL, "into", "order %lld does not exist", (long long)into);
    goto done;
  }
  for (int i = 0; i < 2; i++) {
    if (w[i].o.parent) {
      rc = zz_fail(e, ZZ_ECONFLICT, "into", "order %lld is a sub-order: merge its joint order",
                   (long long)w[i].o.id);
      goto done;
    }
    if (!order_state_open(w[i].state)) {
      struct zz_err en, zh; /* with the state in English, and in Chinese */
      zz_fail(&en, ZZ_ECONFLICT, i ? "into" : "id", "order %lld cannot be merged: it is %s",
              (long long)w[i].o.id, w[i].state);
      zz_fail(&zh, ZZ_ECONFLICT, i ? "into" : "id", "order %lld cannot be merged: it is %s",
              (long long)w[i].o.id, order_state_zh(w[i].state));
      rc = zz_fail_pair(e, ZZ_ECONFLICT, i ? "into" : "id", en.msg, zh.msg_zh);
      goto done;
    }
  }
  /* The target takes the duplicate's reporters, so both hear the outcome. */
  json_t *ra = json_loads(w[1].reporters, 0, NULL), *rb = json_loads(w[0].reporters, 0, NULL);
  if (!json_is_array(ra)) {
    json_decref(ra);
    ra = json_array();
  }
  size_t i;
  json_t *v;
  json_array_foreach(rb, i, v) {
    int have = 0;
    size_t j;
    json_t *x;
    json_array_foreach(ra, j, x) have |= json_equal(x, v);
    if (!have) json_array_append(ra, v);
  }
  char *text = json_dumps(ra, JSON_COMPACT);
  json_decref(ra);
  json_decref(rb);
  if (!text || strlen(text) >= sizeof w[1].reporters) {
    zz_free(text);
    rc = zz_fail(e, ZZ_EINVAL, "into", "order %lld has too many reporters to take more",
                 (long long)into);
    goto done;
  }
  zz_strlcpy(w[1].reporters, text, sizeof w[1].reporters);
  zz_free(text);
  w[0].o.merged_into = into;
  char n1[192], n2[192], data[64];
  snprintf(n1, sizeof n1, "merged into order %lld%s%s", (long long)into, note && *note ? ": " : "",
           note ? note : "");
  snprintf(n2, sizeof n2, "order %lld merged into this one%s%s", (long long)id,
           note && *note ? ": " : "", note ? note : "");
  wf_step(c, &w[0], who->name, "merge", "merged", n1, now);
  snprintf(data, sizeof data, "{\"into\":%lld}", (long long)into);
  wf_set_data(c, data);
  wf_step(c, &w[1], who->name, "merge", NULL, n2, now);
  snprintf(data, sizeof data, "{\"from\":%lld}", (long long)id);
  wf_set_data(c, data);
  rc = wf_commit(wf, c, e);
done:
  pthread_mutex_unlock(&wf->lock);
out:
  zz_free(w);
  wf_change_free(c);
  return rc;
}

static int reporter_of(const struct wf_order *w, const char *name) {
  if (!name) return 0;
  json_t *ra = json_loads(w->reporters, 0, NULL);
  size_t i;
  json_t *v;
  int ok = 0;
  json_array_foreach(ra, i, v) ok |= json_is_string(v) && strcmp(json_string_value(v), name) == 0;
  json_decref(ra);
  return ok;
}

int workflow_rate(struct workflow *wf, const struct wf_actor *who, int64_t id, int score,
                  const char *note, struct zz_err *e) {
  if (score < 1 || score > 5)
    return zz_fail(e, ZZ_EINVAL, "score", "score must be an integer from 1 (unhappy) to 5");
  int64_t now = zz_time_now();
  struct wf_order *w = zz_calloc(1, sizeof *w);
  struct wf_change *c = zz_calloc(1, sizeof *c);
  int rc = 0;
  if (!w || !c) {
    rc = zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
    goto out;
  }
  pthread_mutex_lock(&wf->lock);
  if ((rc = wf_order_load(wf, id, w, e))) goto done;
  if (!wf_is_dispatcher(who) && !reporter_of(w, who->name)) {
    rc = zz_fail(e, ZZ_EFORBIDDEN, "score",
                 "only a reporter of order %lld (or the dispatch desk, on a return visit) can "
                 "rate it",
                 (long long)id);
    goto done;
  }
  if (w->o.parent) {
    rc = zz_fail(e, ZZ_ECONFLICT, "score", "order %lld is a sub-order: rate its joint order",
                 (long long)id);
    goto done;
  }
  /* an unhappy rating reopens the order: it is rated where reopen starts */
  if (!order_action_starts_from(ORDER_REOPEN, w->state)) {
    struct zz_err en, zh; /* with the state in English, and in Chinese */
    zz_fail(&en, ZZ_ECONFLICT, "score",
            "order %lld cannot be rated: it is %s, and only a resolved, verified or closed "
            "order can be rated",
            (long long)id, w->state);
    zz_fail(&zh, ZZ_ECONFLICT, "score",
            "order %lld cannot be rated: it is %s, and only a resolved, verified or closed "
            "order can be rated",
            (long long)id, order_state_zh(w->state));
    rc = zz_fail_pair(e, ZZ_ECONFLICT, "score", en.msg, zh.msg_zh);
    goto done;
  }
  if (w->o.rating && !wf_is_dispatcher(who)) {
    /* a reporter rates once: after an unhappy rating the order is
     * reopened and handled again, and a second rating would reopen it at
     * will; the dispatch desk records later return visits */
    rc = zz_fail(e, ZZ_ECONFLICT, "score", "order %lld has already been rated", (long long)id);
    goto done;
  }
  w->o.rating = score;
  zz_strlcpy(w->rating_note, note ? note : "", sizeof w->rating_note);
  char data[32];
  snprintf(data, sizeof data, "{\"score\":%d}", score);
  wf_step(c, w, who->name, "rate", NULL, note, now);
  wf_set_data(c, data);
  if (score <= 2) {
    /* An unhappy reporter sends it back to the dispatch desk. */
    w->o.closed_at = 0;
    struct wf_matter m;
    w->o.pending_due =
        wf_pending_due(wf_matter_get(wf, w->matter, &m) == 0 ? &m : NULL, w->o.priority, now);
    w->o.supervised = w->o.escalated = 0; /* back on the desk, as back_on_desk */
    w->o.escalate_at = 0;
    w->escalated_to[0] = 0;
    wf_step(c, w, "system", "reopen", order_action_target(ORDER_REOPEN),
            "the reporter is not satisfied (回访不满意)", now);
  }
  rc = wf_commit(wf, c, e);
done:
  pthread_mutex_unlock(&wf->lock);
out:
  zz_free(w);
  wf_change_free(c);
  return rc;
}

int workflow_set_priority(struct workflow *wf, const struct wf_actor *who, int64_t id,
                          const char *priority, const char *note, struct zz_err *e) {
  int p = workflow_priority_parse(priority);
  if (!p) return zz_fail(e, ZZ_EINVAL, "priority", "priority must be critical, high or normal");
  if (!wf_is_dispatcher(who))
    return zz_fail(e, ZZ_EFORBIDDEN, "priority", "only a dispatcher can change the priority");
  if (note && strlen(note) > 2000)
    return zz_fail(e, ZZ_EINVAL, "note", "note is longer than 2000 bytes");
  struct wf_order *w = zz_calloc(1, sizeof *w);
  struct wf_change *c = zz_calloc(1, sizeof *c);
  int rc = 0;
  if (!w || !c) {
    rc = zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
    goto out;
  }
  int64_t now = zz_time_now();
  pthread_mutex_lock(&wf->lock);
  if ((rc = wf_order_load(wf, id, w, e))) goto done;
  if (w->o.parent) {
    rc = zz_fail(e, ZZ_ECONFLICT, "priority",
                 "order %lld is a sub-order: it has its joint order's priority", (long long)id);
    goto done;
  }
  if (!order_state_open(w->state)) {
    struct zz_err en, zh; /* with the state in English, and in Chinese */
    zz_fail(&en, ZZ_ECONFLICT, "priority", "order %lld is %s: its priority no longer matters",
            (long long)id, w->state);
    zz_fail(&zh, ZZ_ECONFLICT, "priority", "order %lld is %s: its priority no longer matters",
            (long long)id, order_state_zh(w->state));
    rc = zz_fail_pair(e, ZZ_ECONFLICT, "priority", en.msg, zh.msg_zh);
    goto done;
  }
  int from = w->o.priority ? w->o.priority : STORE_PRIORITY_NORMAL;
  if (from == p) {
    rc = zz_fail(e, ZZ_ECONFLICT, "priority", "order %lld is already %s", (long long)id, priority);
    goto done;
  }
  w->o.priority = p;
  struct wf_matter m;
  if (w->o.pending_due)
    w->o.pending_due =
        wf_pending_due(wf_matter_get(wf, w->matter, &m) == 0 ? &m : NULL, p, w->o.created);
  w->o.updated = now;
  /* the event's data through the JSON writer, so that whatever it names is
   * escaped (the names are the server's own today) */
  struct zz_buf db;
  struct zz_json dj;
  zz_buf_init(&db, 0);
  zz_json_init(&dj, &db);
  zz_json_obj(&dj);
  zz_json_kstr(&dj, "from", workflow_priority_name(from));
  zz_json_kstr(&dj, "to", workflow_priority_name(p));
  zz_json_obj_end(&dj);
  if (zz_json_finish(&dj)) {
    zz_buf_free(&db);
    rc = zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
    goto done;
  }
  ZZ_ASSERT(db.len < sizeof c->ev[0].data); /* two priority names always fit */
  wf_step(c, w, who->name, "prioritize", NULL, note, now);
  wf_set_data(c, db.data);
  zz_buf_free(&db);
  rc = wf_commit(wf, c, e);
done:
  pthread_mutex_unlock(&wf->lock);
out:
  zz_free(w);
  wf_change_free(c);
  return rc;
}
