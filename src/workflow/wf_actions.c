/* wf_actions.c - actions on orders (dispatch, accept, ... order_sm.h) with
 * their joint-order cascades, merging a duplicate, and the reporter's rating. */
#include "workflow/workflow_int.h"

#include <jansson.h>
#include <pthread.h>
#include <string.h>

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

int workflow_act(struct workflow *wf, const struct wf_actor *who, int64_t id, const char *action,
                 const char *const *departments, size_t ndepts, const char *note,
                 struct zz_err *e) {
  enum order_action a;
  if (!action || order_action_parse(action, &a))
    return zz_fail(e, ZZ_EINVAL, "action",
                   "action must be one of dispatch, accept, start, resolve, verify, close, return,"
                   " reopen, supervise, escalate");
  if (order_action_needs_note(a) && (!note || !*note))
    return zz_fail(e, ZZ_EINVAL, "note", "%s needs a note saying %s", action,
                   a == ORDER_RETURN    ? "why the order goes back"
                   : a == ORDER_RESOLVE ? "what was done"
                                        : "why it is reopened");
  if (ndepts > WF_MAX_DEPTS)
    return zz_fail(e, ZZ_EINVAL, "departments", "at most %d departments", WF_MAX_DEPTS);
  if (ndepts && a != ORDER_DISPATCH)
    return zz_fail(e, ZZ_EINVAL, "department", "a department is only given with dispatch");
  int64_t now = zz_time_now();
  struct wf_order *w = zz_calloc(3, sizeof *w); /* the order, its parent, a scratch */
  struct wf_kids k = {0}, merged = {0};
  struct wf_order *subs = NULL; /* a joint dispatch's new sub-orders */
  struct wf_change *c = zz_calloc(1, sizeof *c);
  if (!w || !c) {
    zz_free(w);
    wf_change_free(c);
    return zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
  }
  struct wf_order *parent = &w[1];
  int rc = 0;
  pthread_mutex_lock(&wf->lock);
  if ((rc = wf_order_load(wf, id, w, e))) goto done;
  if ((rc = wf_kids_load(wf, id, &k))) {
    rc = zz_fail(e, rc, "order", "cannot read the sub-orders");
    goto done;
  }
  enum order_shape shape = w->o.parent ? ORDER_SUB : k.n ? ORDER_JOINT : ORDER_SINGLE;
  const char *next = NULL;
  if ((rc = wf_may(who, a, w, e)) || (rc = order_next_state(id, w->state, shape, a, &next, e)))
    goto done;
  struct wf_matter m;
  if (wf_matter_get(wf, w->matter, &m)) {
    memset(&m, 0, sizeof m);
    zz_strlcpy(m.key, w->matter, sizeof m.key);
    m.escalate_ms = WORKFLOW_ESCALATE_AFTER_MS;
  }
  if (w->o.parent && (rc = wf_order_load(wf, w->o.parent, parent, e))) goto done;
  const char *actor = who->name;
  switch (a) {
  case ORDER_DISPATCH: {
    char d[WF_MAX_DEPTS][65];
    int nd = 0;
    for (size_t i = 0; i < ndepts; i++) {
      if (!departments[i] || !dept_exists(wf, departments[i])) {
        rc = zz_fail(e, ZZ_EINVAL, "department", "department \"%s\" does not exist",
                     departments[i] ? departments[i] : "");
        goto done;
      }
      zz_strlcpy(d[nd++], departments[i], 65);
    }
    if (shape == ORDER_SUB) {
      if (nd > 1) {
        rc = zz_fail(e, ZZ_EINVAL, "department", "a sub-order goes to one department");
        goto done;
      }
      if (nd) zz_strlcpy(w->department, d[0], sizeof w->department);
    } else if (!nd && shape == ORDER_SINGLE) {
      nd = wf_suggest(wf, &m, w->o.region, d);
      if (!nd) {
        rc = zz_fail(e, ZZ_EINVAL, "department",
                     "department is required: matter \"%s\" suggests none", w->matter);
        goto done;
      }
    }
    char data[224];
    struct zz_buf db;
    zz_buf_init(&db, sizeof data - 1);
    zz_buf_adds(&db, "{\"departments\":[");
    if (shape == ORDER_JOINT && !nd) {
      for (size_t i = 0; i < k.n; i++) {
        if (i) zz_buf_addc(&db, ',');
        zz_buf_json_str(&db, k.v[i].department);
      }
    }
    for (int i = 0; i < nd; i++) {
      if (i) zz_buf_addc(&db, ',');
      zz_buf_json_str(&db, shape == ORDER_SUB && !ndepts ? w->department : d[i]);
    }
    if (shape == ORDER_SUB && !nd) zz_buf_json_str(&db, w->department);
    zz_buf_adds(&db, "]}");
    zz_strlcpy(data, db.data ? db.data : "{}", sizeof data);
    zz_buf_free(&db);
    set_dues(w, &m, now);
    if (shape == ORDER_SINGLE && nd == 1) {
      zz_strlcpy(w->department, d[0], sizeof w->department);
      wf_step(c, w, actor, "dispatch", next, note, now);
      wf_set_data(c, data);
    } else if (shape == ORDER_SUB) {
      wf_step(c, w, actor, "dispatch", next, note, now);
      wf_set_data(c, data);
    } else if (shape == ORDER_JOINT && !nd) {
      /* again, to the same departments: every sub-order starts over */
      wf_step(c, w, actor, "dispatch", next, note, now);
      wf_set_data(c, data);
      for (size_t i = 0; i < k.n; i++) {
        set_dues(&k.v[i], &m, now);
        wf_step(c, &k.v[i], actor, "dispatch", "dispatched", note, now);
      }
    } else {
      /* joint handling: one sub-order per department, handled in parallel */
      w->department[0] = 0;
      wf_step(c, w, actor, "dispatch", next, note, now);
      wf_set_data(c, data);
      for (size_t i = 0; i < k.n; i++) { /* departments dropped from a joint order */
        int kept = 0;
        for (int j = 0; j < nd; j++) kept |= strcmp(k.v[i].department, d[j]) == 0;
        if (!kept && order_state_open(k.v[i].state)) {
          k.v[i].o.closed_at = now;
          wf_step(c, &k.v[i], actor, "close", "closed", "no longer part of the joint order", now);
        } else if (kept) {
          set_dues(&k.v[i], &m, now);
          wf_step(c, &k.v[i], actor, "dispatch", "dispatched", note, now);
        }
      }
      /* the new sub-orders go into the same change: the joint order, its
       * kept sub-orders and the new ones commit together or not at all */
      if (!(subs = zz_calloc((size_t)nd, sizeof *subs))) {
        rc = zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
        goto done;
      }
      for (int j = 0; j < nd; j++) {
        int have = 0;
        for (size_t i = 0; i < k.n; i++) have |= strcmp(k.v[i].department, d[j]) == 0;
        if (have) continue;
        struct wf_order *s = &subs[j];
        *s = *w;
        s->o.id = 0;
        s->o.parent = id;
        s->o.duplicate_of = 0;
        zz_strlcpy(s->department, d[j], sizeof s->department);
        s->state[0] = 0; /* a new row: its first event has no from-state */
        s->o.created = now;
        char sn[128];
        snprintf(sn, sizeof sn, "sub-order of joint order %lld for %s", (long long)id, d[j]);
        wf_insert(c, s, "dispatch");
        wf_step(c, s, actor, "dispatch", "dispatched", sn, now);
      }
      break;
    }
    break;
  }
  case ORDER_ACCEPT:
    w->o.accepted_at = now;
    wf_step(c, w, actor, "accept", next, note, now);
    if (shape == ORDER_SUB && strcmp(parent->state, "dispatched") == 0) {
      parent->o.accepted_at = now;
      wf_step(c, parent, actor, "accept", "in_progress", "a department accepted its sub-order",
              now);
    }
    break;
  case ORDER_START:
    wf_step(c, w, actor, "start", next, note, now);
    break;
  case ORDER_RESOLVE:
    w->o.resolved_at = now;
    wf_step(c, w, actor, "resolve", next, note, now);
    if (shape == ORDER_SUB) {
      struct wf_kids sib;
      if ((rc = wf_kids_load(wf, w->o.parent, &sib))) {
        zz_free(sib.v);
        rc = zz_fail(e, rc, "order", "cannot read the sub-orders");
        goto done;
      }
      size_t open = 0, total = 0;
      for (size_t i = 0; i < sib.n; i++) {
        if (sib.v[i].o.id == id || !order_state_open(sib.v[i].state)) continue;
        total++;
        if (strcmp(sib.v[i].state, "resolved") != 0) open++;
      }
      zz_free(sib.v);
      if (!open) {
        char n[96];
        snprintf(n, sizeof n, "all %zu sub-orders are resolved", total + 1);
        parent->o.resolved_at = now;
        if (!parent->o.accepted_at) parent->o.accepted_at = now;
        wf_step(c, parent, "system", "resolve", "resolved", n, now);
      }
    }
    break;
  case ORDER_VERIFY:
    wf_step(c, w, actor, "verify", next, note, now);
    if ((rc = tell_merged(wf, c, w, actor, note, now, &merged))) goto done;
    break;
  case ORDER_CLOSE:
    w->o.closed_at = now;
    wf_step(c, w, actor, "close", next, note, now);
    for (size_t i = 0; i < k.n; i++) {
      if (!order_state_open(k.v[i].state)) continue;
      k.v[i].o.closed_at = now;
      wf_step(c, &k.v[i], actor, "close", "closed", "closed with its joint order", now);
    }
    if ((rc = tell_merged(wf, c, w, actor, note, now, &merged))) goto done;
    break;
  case ORDER_RETURN:
    wf_step(c, w, actor, "return", next, note, now);
    break;
  case ORDER_REOPEN:
    w->o.closed_at = 0;
    wf_step(c, w, actor, "reopen", next, note, now);
    break;
  case ORDER_SUPERVISE:
    w->o.supervised = 1;
    w->o.escalate_at = now + m.escalate_ms;
    wf_step(c, w, actor, "supervise", NULL, note, now);
    break;
  case ORDER_ESCALATE:
    w->o.supervised = 1;
    w->o.escalated = 1;
    wf_street_of(wf, w->o.region, w->escalated_to, sizeof w->escalated_to);
    wf_step(c, w, actor, "escalate", NULL, note, now);
    break;
  case ORDER_ACTION_COUNT:
    break;
  }
  rc = wf_commit(wf, c, e);
done:
  pthread_mutex_unlock(&wf->lock);
  zz_free(k.v);
  zz_free(merged.v);
  zz_free(subs);
  zz_free(w);
  wf_change_free(c);
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
      rc = zz_fail(e, ZZ_ECONFLICT, i ? "into" : "id", "order %lld cannot be merged: it is %s",
                   (long long)w[i].o.id, w[i].state);
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
  if (strcmp(w->state, "resolved") != 0 && strcmp(w->state, "verified") != 0 &&
      strcmp(w->state, "closed") != 0) {
    rc = zz_fail(e, ZZ_ECONFLICT, "score",
                 "order %lld cannot be rated: it is %s, and only a resolved, verified or closed "
                 "order can be rated",
                 (long long)id, w->state);
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
    wf_step(c, w, "system", "reopen", "reopened", "the reporter is not satisfied (回访不满意)",
            now);
  }
  rc = wf_commit(wf, c, e);
done:
  pthread_mutex_unlock(&wf->lock);
out:
  zz_free(w);
  wf_change_free(c);
  return rc;
}
