/* workflow_int.h - what the workflow's files share (workflow.h is the API):
 * the engine's struct, the cached matters, an order copied out of the store,
 * and the change machinery every write goes through (load under wf->lock,
 * wf_step per timeline event, wf_commit in one store transaction, then the
 * bus). workflow.c holds that machinery and open/close; wf_matters.c the
 * matters and routing; wf_output.c the order's JSON and publishing;
 * wf_access.c who may read and act; wf_create.c new orders; wf_actions.c
 * actions, merge and rating; wf_evidence.c photos; wf_intake.c the public
 * intake's group commit; wf_txn.c several changes and the caller's rows in
 * one transaction; wf_sla.c the SLA timers. */
#ifndef ZZ_WORKFLOW_INT_H
#define ZZ_WORKFLOW_INT_H

#include <jansson.h>
#include <pthread.h>

#include "store/store_orders.h"
#include "workflow/order_sm.h"
#include "workflow/workflow.h"

#define WF_MAX_DEPTS 12
#define WF_MAX_ROUTES 8
#define WF_TICK_HOOKS 8 /* engines whose timers ride on the workflow's */

struct wf_route {
  char region[256];
  char depts[WF_MAX_DEPTS][65];
  int ndepts;
};

struct wf_matter {
  char key[65], name_zh[128], name_en[128], kind[16];
  char depts[WF_MAX_DEPTS][65];
  int ndepts;
  int64_t accept_ms, resolve_ms, escalate_ms;
  int priority;        /* the pack's "priority" (STORE_PRIORITY_*), STORE_PRIORITY_NORMAL if none */
  int64_t dispatch_ms; /* the pack's "sla_dispatch_minutes", 0: by priority */
  struct wf_route routes[WF_MAX_ROUTES];
  int nroutes;
  json_t *extra; /* the catalog row's extra, parsed once (wf->matters owns it) */
};

struct workflow {
  struct workflow_opts o;
  char *data_dir;
  pthread_mutex_t lock;  /* orders every change */
  pthread_mutex_t mlock; /* the matters below */
  struct wf_matter *matters;
  int nmatters;
  pthread_t thread;
  int thread_started;
  pthread_mutex_t tlock;
  pthread_cond_t tcond;
  int stopping;
  /* workflow_on_tick: other engines' timers, run after the SLA timers on
   * the same thread (set under tlock, read under tlock) */
  int (*tick_hook[WF_TICK_HOOKS])(void *ud, int64_t now);
  void *tick_ud[WF_TICK_HOOKS];
  int ntick_hooks;
  /* the public intake's group commit (workflow_intake_submit): reports
   * queue here and the intake thread writes all queued at once */
  pthread_mutex_t iq_lock;
  pthread_cond_t iq_cond; /* reports queued, or stop */
  pthread_cond_t iq_done; /* a batch is done (workflow_intake waits on it) */
  struct wf_intake *iq_head, *iq_tail;
  int iq_stopping;
  pthread_t iq_thread;
  int iq_started;
  /* while a group is written (under lock): order events wait here for the
   * commit instead of going to the bus at once */
  struct zz_buf *deferred;
};

/* An order copied out of the store, its strings in its own arrays. */
struct wf_order {
  struct store_order o;
  char matter[65], title[256], description[2048], state[16], department[65], channel[16],
      entity[129], reporter[65], reporters[2048], escalated_to[256], rating_note[512],
      duplicate_reason[16];
  int application; /* create: the matter is an application (no duplicate check) */
};

/* The sub-orders of a joint order, in id order. */
struct wf_kids {
  struct wf_order *v;
  size_t n, cap;
  int rc;
};

/* A transaction around several writes of the workflow (under wf->lock):
 * their events reach the bus only once it has committed. group_close
 * commits when rc is 0, else rolls back; it returns rc or the commit's
 * error. A group opened inside another (a report in workflow_intake's
 * batch) is a savepoint: its events wait for the outer commit, and go
 * with its own rollback. */
struct wf_group {
  struct zz_buf events; /* the outer group's deferred events */
  size_t mark;          /* where this group's events start */
  int outer;
};

/* A change writes at most this many timeline events, and at most this
 * many orders: an order is rarely more than a joint order's dozen, but the
 * orders merged into one are told its outcome in the same change and a
 * crowd's reports can be many. Past it the change fails whole
 * (ZZ_ETOOBIG); nothing is dropped. */
#define WF_CHANGE_MAX_EVENTS 20000

/* One timeline event of a change, its strings copied (callers build notes
 * in inner scopes, and the order's state moves after it). */
struct wf_event {
  struct wf_order *w;
  int64_t ts;
  const char *actor, *action; /* the caller's, alive until the commit */
  char from[16], to[16];      /* to "": the state does not change */
  char data[224];             /* event data JSON, "" for none */
  char note[640];             /* "" for none */
};

/* An order a change writes, and the action its bus event is published as;
 * fresh: a new order (a joint order's sub-order), inserted by the commit. */
struct wf_written {
  struct wf_order *w;
  const char *action;
  int fresh;
};

/* What one change writes: orders and events grow as needed; an allocation
 * that fails or an order or event past WF_CHANGE_MAX_EVENTS sets rc, and
 * the commit then fails whole with it. Zeroed to start; wf_change_free
 * frees it. */
struct wf_change {
  struct wf_written *orders;
  size_t n, ncap;
  struct wf_event *ev;
  size_t nev, evcap;
  int rc;
  int64_t first_id; /* the first order stepped, named in the error */
};

/* ---- workflow.c: orders, groups, changes ---- */

/* Points the row's strings at its own arrays; "" reads as NULL (none). */
void wf_order_fix(struct wf_order *w);
/* Copies a store row (strings for the call only) into w. */
void wf_order_copy(struct wf_order *w, const struct store_order *o);
/* Reads order id into w: 0, ZZ_ENOTFOUND or a store error (e filled). */
int wf_order_load(struct workflow *wf, int64_t id, struct wf_order *w, struct zz_err *e);
/* A store_orders_each callback appending to a struct wf_kids (ud); the
 * caller frees k->v and re-points the rows with wf_order_fix. */
int wf_order_collect(void *ud, const struct store_order *o);
/* The sub-orders of parent into *k (k->v the caller's to free, even on error). */
int wf_kids_load(struct workflow *wf, int64_t parent, struct wf_kids *k);
/* Opens a group (a transaction, or a savepoint inside one): 0 or the store's error. */
int wf_group_open(struct workflow *wf, struct wf_group *g, struct zz_err *e);
/* Commits (rc 0) or rolls back the group; returns rc or the commit's error. */
int wf_group_close(struct workflow *wf, struct wf_group *g, int rc, struct zz_err *e);
/* Marks w written in change c (published as action) without an event. */
void wf_touch(struct wf_change *c, struct wf_order *w, const char *action);
/* Adds the new order w (its id 0, its state "") to change c: the commit
 * inserts it, with the events stepped on it, in the change's transaction. */
void wf_insert(struct wf_change *c, struct wf_order *w, const char *action);
/* Records action on w as a timeline event (moving it to `to` unless NULL)
 * and marks w written. note is copied. */
void wf_step(struct wf_change *c, struct wf_order *w, const char *actor, const char *action,
             const char *to, const char *note, int64_t now);
/* Sets the data JSON of the last event recorded (copied). */
void wf_set_data(struct wf_change *c, const char *json);
/* Writes every order of c with its events in one store transaction (the
 * updates, then the new orders), then publishes them. 0, ZZ_ECONFLICT, ZZ_ENOMEM, ZZ_ETOOBIG (more
 * than WF_CHANGE_MAX_EVENTS orders or events) or a store error. */
int wf_commit(struct workflow *wf, struct wf_change *c, struct zz_err *e);
/* Empties c for another change, keeping its memory. */
void wf_change_reset(struct wf_change *c);
/* Frees what c holds and c itself (zz_calloc'd); NULL is fine. */
void wf_change_free(struct wf_change *c);

/* ---- wf_matters.c: matters and routing ---- */

void wf_matters_free(struct wf_matter *v, int n);
/* Copies matter key into *out (its extra is not to be used: the cache
 * owns it). Returns 0 or ZZ_ENOTFOUND. */
int wf_matter_get(struct workflow *wf, const char *key, struct wf_matter *out);
/* The departments a matter goes to in a region, into out (WF_MAX_DEPTS);
 * returns how many. */
int wf_suggest(struct workflow *wf, const struct wf_matter *m, int64_t region, char (*out)[65]);
/* The "dispatch within" deadline of an order of matter m (NULL: unknown)
 * at priority, waiting since `from`. */
int64_t wf_pending_due(const struct wf_matter *m, int priority, int64_t from);
/* The street above a region (its path), for escalation to the street leader. */
void wf_street_of(struct workflow *wf, int64_t region, char *out, size_t cap);

/* ---- wf_output.c: publishing ---- */

/* Publishes order o's change on the bus, or defers it to the open group's commit. */
void wf_publish(struct workflow *wf, const struct store_order *o, const char *action);
/* Sends the deferred events of a group to the bus (after their commit). */
void wf_publish_deferred(struct workflow *wf, const struct zz_buf *d);

/* ---- wf_access.c: who may act ---- */

/* The ROLE_* bit of a user; the public, sources and the system hold none. */
int wf_role_of(const struct wf_actor *who);
int wf_is_dispatcher(const struct wf_actor *who);
int wf_same_dept(const struct wf_actor *who, const char *dept);
/* 0 when who may take action a on w, else ZZ_EFORBIDDEN with e filled. */
int wf_may(const struct wf_actor *who, enum order_action a, const struct wf_order *w,
           struct zz_err *e);

/* ---- wf_create.c ---- */

/* The new order of c in *w, checked; no lock, no write. */
int wf_create_prepare(struct workflow *wf, const struct wf_actor *who, const struct wf_create *c,
                      struct wf_order *w, struct zz_err *e);
/* Writes the order *w under wf->lock: the duplicate check, the row and its
 * first event, then the event to the bus. */
int wf_create_locked(struct workflow *wf, const struct wf_actor *who, struct wf_order *w,
                     int64_t *out_id, struct zz_err *e);

/* ---- wf_actions.c ---- */

/* workflow_act with wf->lock held: one change, committed (a savepoint when
 * a transaction is open, its events then deferred to that commit). */
int wf_act_locked(struct workflow *wf, const struct wf_actor *who, int64_t id, const char *action,
                  const char *const *departments, size_t ndepts, const char *note,
                  struct zz_err *e);

/* ---- wf_txn.c ---- */

/* The handle workflow_txn gives its callback: valid during the call only. */
struct wf_txn {
  struct workflow *wf;
};

/* ---- wf_evidence.c ---- */

/* Records the stored file f as evidence of order id, under wf->lock, inside
 * a group (two writes: the evidence row and the order's event). own is 1
 * for the intake's photo: the report made order id in this same
 * transaction, so its reporter (the public, no role) attaches it; otherwise
 * the actor must be a dispatcher or an officer of the order's department. */
int wf_evidence_attach_locked(struct workflow *wf, const struct wf_actor *who, int64_t id,
                              const struct wf_evidence_file *f, const char *note, int own,
                              int64_t *out_id, struct zz_err *e);
/* Removes a stored file that is not recorded. */
void wf_evidence_discard(struct workflow *wf, const struct wf_evidence_file *f);

/* ---- threads (started by workflow_open) ---- */

void *wf_intake_main(void *arg); /* wf_intake.c */
void *wf_timer_main(void *arg);  /* wf_sla.c */

#endif
