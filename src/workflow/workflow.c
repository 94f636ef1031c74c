/* workflow.c - work orders on top of the store (workflow.h): opening and
 * closing the engine, orders copied out of the store, and the change
 * machinery every write goes through. A change reads the order(s) under the
 * engine's mutex, records each timeline event with wf_step, and wf_commit
 * writes the orders and their events in one store transaction; then the
 * changes go to the bus. The other wf_*.c files are listed in workflow_int.h. */
#include "workflow/workflow_int.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "core/log.h"
#include "store/store.h"
#include "store/store_orders.h"

/* Points the row's strings at the arrays; "" reads as NULL (none). */
void wf_order_fix(struct wf_order *w) {
#define WO_PTR(f) w->o.f = w->f[0] ? w->f : NULL
  w->o.matter = w->matter;
  w->o.title = w->title;
  w->o.state = w->state;
  w->o.channel = w->channel;
  w->o.reporters_json = w->reporters[0] ? w->reporters : "[]";
  WO_PTR(description);
  WO_PTR(department);
  WO_PTR(entity);
  WO_PTR(reporter);
  WO_PTR(escalated_to);
  WO_PTR(rating_note);
  WO_PTR(duplicate_reason);
#undef WO_PTR
}

void wf_order_copy(struct wf_order *w, const struct store_order *o) {
  memset(w, 0, sizeof *w);
  w->o = *o;
#define WO_CP(f) zz_strlcpy(w->f, o->f ? o->f : "", sizeof w->f)
  WO_CP(matter);
  WO_CP(title);
  WO_CP(description);
  WO_CP(state);
  WO_CP(department);
  WO_CP(channel);
  WO_CP(entity);
  WO_CP(reporter);
  WO_CP(escalated_to);
  WO_CP(rating_note);
  WO_CP(duplicate_reason);
#undef WO_CP
  zz_strlcpy(w->reporters, o->reporters_json ? o->reporters_json : "[]", sizeof w->reporters);
  wf_order_fix(w);
}

static int load_cb(void *ud, const struct store_order *o) {
  wf_order_copy(ud, o);
  return 0;
}

int wf_order_load(struct workflow *wf, int64_t id, struct wf_order *w, struct zz_err *e) {
  int rc = store_order_get(wf->o.st, id, load_cb, w);
  if (rc == ZZ_ENOTFOUND)
    return zz_fail(e, ZZ_ENOTFOUND, "id", "order %lld does not exist", (long long)id);
  if (rc) return zz_fail(e, rc, "order", "cannot read order %lld", (long long)id);
  return 0;
}

int wf_order_collect(void *ud, const struct store_order *o) {
  struct wf_kids *k = ud;
  if (zz_grow(&k->v, &k->cap, k->n, sizeof *k->v, 4)) {
    k->rc = ZZ_ENOMEM;
    return 1;
  }
  wf_order_copy(&k->v[k->n++], o);
  return 0;
}

int wf_kids_load(struct workflow *wf, int64_t parent, struct wf_kids *k) {
  memset(k, 0, sizeof *k);
  struct store_order_filter f = {.parent = parent};
  int rc = store_orders_each(wf->o.st, &f, wf_order_collect, k);
  if (!rc) rc = k->rc;
  /* realloc moved them: re-point every row at its own arrays */
  for (size_t i = 0; i < k->n; i++) wf_order_fix(&k->v[i]);
  return rc;
}

int wf_group_open(struct workflow *wf, struct wf_group *g, struct zz_err *e) {
  zz_buf_init(&g->events, 0);
  int rc = store_txn(wf->o.st, STORE_TXN_BEGIN, e);
  if (rc) return rc;
  g->outer = !wf->deferred;
  if (g->outer) wf->deferred = &g->events;
  g->mark = wf->deferred->len;
  return 0;
}

int wf_group_close(struct workflow *wf, struct wf_group *g, int rc, struct zz_err *e) {
  struct store *st = wf->o.st;
  if (rc)
    store_txn(st, STORE_TXN_ROLLBACK, NULL);
  else
    rc = store_txn(st, STORE_TXN_COMMIT, e);
  if (g->outer) {
    wf->deferred = NULL;
    if (!rc && zz_buf_error(&g->events))
      zz_warn("workflow: the events of a commit are lost: %s",
              zz_strerror(zz_buf_error(&g->events)));
    if (!rc) wf_publish_deferred(wf, &g->events);
  } else if (rc) {
    zz_buf_truncate(wf->deferred, g->mark); /* this savepoint's events go with it */
  }
  zz_buf_free(&g->events);
  return rc;
}

/* ---- writing ---- */

void wf_touch(struct wf_change *c, struct wf_order *w, const char *action) {
  for (size_t i = 0; i < c->n; i++)
    if (c->orders[i].w == w) return;
  if (c->rc) return;
  if (c->n == WF_CHANGE_MAX_EVENTS) {
    c->rc = ZZ_ETOOBIG;
    return;
  }
  if ((c->rc = zz_grow(&c->orders, &c->ncap, c->n, sizeof *c->orders, 8))) return;
  c->orders[c->n++] = (struct wf_written){w, action, 0};
}

void wf_insert(struct wf_change *c, struct wf_order *w, const char *action) {
  wf_touch(c, w, action);
  if (!c->rc && c->n && c->orders[c->n - 1].w == w) c->orders[c->n - 1].fresh = 1;
}

void wf_step(struct wf_change *c, struct wf_order *w, const char *actor, const char *action,
             const char *to, const char *note, int64_t now) {
  if (!c->nev && !c->n) c->first_id = w->o.id;
  if (c->rc) return;
  if (c->nev == WF_CHANGE_MAX_EVENTS) {
    c->rc = ZZ_ETOOBIG;
    return;
  }
  if ((c->rc = zz_grow(&c->ev, &c->evcap, c->nev, sizeof *c->ev, 8))) return;
  struct wf_event *ev = &c->ev[c->nev++];
  memset(ev, 0, sizeof *ev);
  ev->w = w;
  ev->ts = now;
  ev->actor = actor;
  ev->action = action;
  zz_strlcpy(ev->from, w->state, sizeof ev->from);
  if (to) zz_strlcpy(ev->to, to, sizeof ev->to);
  if (note) zz_strlcpy(ev->note, note, sizeof ev->note);
  if (to) zz_strlcpy(w->state, to, sizeof w->state);
  w->o.updated = now;
  wf_touch(c, w, action);
}

void wf_set_data(struct wf_change *c, const char *json) {
  if (!c->nev || c->rc) return;
  zz_strlcpy(c->ev[c->nev - 1].data, json, sizeof c->ev[0].data);
}

void wf_change_reset(struct wf_change *c) {
  c->n = c->nev = 0;
  c->rc = 0;
  c->first_id = 0;
}

void wf_change_free(struct wf_change *c) {
  if (!c) return;
  zz_free(c->orders);
  zz_free(c->ev);
  zz_free(c);
}

/* The store's view of event ev (pointing into it). */
static struct store_order_event event_row(const struct wf_event *ev) {
  return (struct store_order_event){.order_id = ev->w->o.id,
                                    .ts = ev->ts,
                                    .actor = ev->actor,
                                    .action = ev->action,
                                    .from_state = ev->from[0] ? ev->from : NULL,
                                    .to_state = ev->to[0]     ? ev->to
                                                : ev->from[0] ? ev->from
                                                              : NULL,
                                    .note = ev->note[0] ? ev->note : NULL,
                                    .data_json = ev->data[0] ? ev->data : NULL};
}

/* Inserts the fresh order w with its events (those of evs[0..nev) that
 * are w's), after the updates. */
static int insert_fresh(struct workflow *wf, const struct wf_change *c, struct wf_order *w,
                        struct store_order_event *evs, struct zz_err *e) {
  size_t k = 0;
  for (size_t i = 0; i < c->nev; i++)
    if (c->ev[i].w == w) evs[k++] = event_row(&c->ev[i]);
  int64_t id = 0;
  int rc = store_order_insert(wf->o.st, &w->o, evs, k, &id, e);
  if (!rc) {
    w->o.id = id;
    w->o.version = 0; /* made 1 with the others' bump below */
  }
  return rc;
}

static int is_fresh(const struct wf_change *c, const struct wf_order *w) {
  for (size_t i = 0; i < c->n; i++)
    if (c->orders[i].w == w) return c->orders[i].fresh;
  return 0;
}

/* One log line per timeline event of a written change: who did what to
 * which order, and the state it moved from and to (notes stay out: they
 * may name people). */
static void log_change(const struct wf_change *c) {
  if (!log_enabled(ZZ_LOG_INFO)) return;
  for (size_t i = 0; i < c->nev; i++) {
    const struct wf_event *ev = &c->ev[i];
    struct log_field f[] = {LOG_I("order", ev->w->o.id), LOG_S("actor", ev->actor),
                            LOG_S("action", ev->action), LOG_S("from", ev->from),
                            LOG_S("to", ev->to[0] ? ev->to : ev->from)};
    log_line(ZZ_LOG_INFO, "order", f, ZZ_ARRAY_LEN(f));
  }
}

int wf_commit(struct workflow *wf, struct wf_change *c, struct zz_err *e) {
  if (c->rc == ZZ_ETOOBIG)
    return zz_fail(e, ZZ_ETOOBIG, "order",
                   "the change of order %lld would write more than %d orders or timeline "
                   "events at once: nothing of it was written",
                   (long long)c->first_id, WF_CHANGE_MAX_EVENTS);
  if (c->rc) return zz_fail(e, c->rc, "order", "out of memory");
  const struct store_order **os = zz_calloc(c->n ? c->n : 1, sizeof *os);
  struct store_order_event *evs = zz_calloc(c->nev ? c->nev : 1, sizeof *evs);
  size_t nos = 0, nevs = 0, nfresh = 0;
  struct wf_group g;
  int rc = 0, grouped = 0;
  if (!os || !evs) {
    rc = zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
    goto done;
  }
  for (size_t i = 0; i < c->n; i++) {
    wf_order_fix(c->orders[i].w);
    if (c->orders[i].fresh)
      nfresh++;
    else
      os[nos++] = &c->orders[i].w->o;
  }
  for (size_t i = 0; i < c->nev; i++)
    if (!is_fresh(c, c->ev[i].w)) evs[nevs++] = event_row(&c->ev[i]);
  /* New orders beside the updates (a joint dispatch's sub-orders) make
   * several store calls: one group makes them one transaction, so a crash
   * or a failed write leaves the whole change or nothing of it. */
  if (nfresh) {
    if ((rc = wf_group_open(wf, &g, e))) goto done;
    grouped = 1;
  }
  rc = store_orders_update(wf->o.st, os, nos, evs, nevs, e);
  for (size_t i = 0; !rc && i < c->n; i++)
    if (c->orders[i].fresh) rc = insert_fresh(wf, c, c->orders[i].w, evs, e);
  for (size_t i = 0; !rc && i < c->n; i++) {
    c->orders[i].w->o.version++;
    wf_publish(wf, &c->orders[i].w->o, c->orders[i].action);
  }
  if (grouped) rc = wf_group_close(wf, &g, rc, e);
  if (!rc) log_change(c);
done:
  zz_free(os);
  zz_free(evs);
  return rc;
}

int workflow_open(const struct workflow_opts *o, struct workflow **out, struct zz_err *e) {
  if (sodium_init() < 0) return zz_fail(e, ZZ_EINTERNAL, "workflow", "libsodium failed to start");
  struct workflow *wf = zz_calloc(1, sizeof *wf);
  if (!wf) return zz_fail(e, ZZ_ENOMEM, "workflow", "out of memory");
  wf->o = *o;
  wf->data_dir = zz_strdup(o->data_dir ? o->data_dir : ".");
  pthread_mutex_init(&wf->lock, NULL);
  pthread_mutex_init(&wf->mlock, NULL);
  pthread_mutex_init(&wf->tlock, NULL);
  pthread_cond_init(&wf->tcond, NULL);
  pthread_mutex_init(&wf->iq_lock, NULL);
  pthread_cond_init(&wf->iq_cond, NULL);
  pthread_cond_init(&wf->iq_done, NULL);
  int rc =
      wf->data_dir ? workflow_reload(wf, e) : zz_fail(e, ZZ_ENOMEM, "workflow", "out of memory");
  if (!rc) {
    if (pthread_create(&wf->iq_thread, NULL, wf_intake_main, wf) != 0)
      rc = zz_fail(e, ZZ_EINTERNAL, "workflow", "cannot start the intake thread");
    else
      wf->iq_started = 1;
  }
  if (!rc && !o->no_thread) {
    if (pthread_create(&wf->thread, NULL, wf_timer_main, wf) != 0)
      rc = zz_fail(e, ZZ_EINTERNAL, "workflow", "cannot start the timer thread");
    else
      wf->thread_started = 1;
  }
  if (rc) {
    workflow_close(wf);
    return rc;
  }
  *out = wf;
  return 0;
}

void workflow_close(struct workflow *wf) {
  if (!wf) return;
  if (wf->iq_started) { /* the reports queued are written first */
    pthread_mutex_lock(&wf->iq_lock);
    wf->iq_stopping = 1;
    pthread_cond_signal(&wf->iq_cond);
    pthread_mutex_unlock(&wf->iq_lock);
    pthread_join(wf->iq_thread, NULL);
  }
  if (wf->thread_started) {
    pthread_mutex_lock(&wf->tlock);
    wf->stopping = 1;
    pthread_cond_signal(&wf->tcond);
    pthread_mutex_unlock(&wf->tlock);
    pthread_join(wf->thread, NULL);
  }
  pthread_mutex_destroy(&wf->lock);
  pthread_mutex_destroy(&wf->mlock);
  pthread_mutex_destroy(&wf->tlock);
  pthread_cond_destroy(&wf->tcond);
  pthread_mutex_destroy(&wf->iq_lock);
  pthread_cond_destroy(&wf->iq_cond);
  pthread_cond_destroy(&wf->iq_done);
  wf_matters_free(wf->matters, wf->nmatters);
  zz_free(wf->data_dir);
  zz_free(wf);
}
