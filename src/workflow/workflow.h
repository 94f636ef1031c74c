/* workflow.h - work orders (工单): creation with routing and duplicate
 * detection, the life cycle of order_sm.h applied to stored orders with an
 * append-only timeline, joint handling through sub-orders, merging, rating
 * (回访), evidence files, and SLA timers (supervise, then escalate to the
 * street leader) that live in the store so they survive a restart. Every
 * change is published on the bus as an "order" event. Thread-safe: one
 * mutex orders every change. */
#ifndef ZZ_WORKFLOW_H
#define ZZ_WORKFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/bus.h"
#include "core/zz.h"
#include "model/registry.h"
#include "model/roles.h"
#include "store/store_orders.h"

struct workflow;
struct zz_json;

/* Evidence photos: at most this many bytes each. */
#define WORKFLOW_EVIDENCE_MAX (5u << 20)
/* Duplicates: the same matter within this distance and time of an open order. */
#define WORKFLOW_DUP_METRES 50.0
#define WORKFLOW_DUP_MS (24LL * 3600 * 1000)
/* Escalation follows supervision after this long unless the matter says. */
#define WORKFLOW_ESCALATE_AFTER_MS (60LL * 60 * 1000)
/* "Dispatch within" (the pending SLA) by priority unless the matter says
 * (sla_dispatch_minutes): critical 5, high 15, normal 60 minutes. */
#define WORKFLOW_PENDING_CRITICAL_MS (5LL * 60 * 1000)
#define WORKFLOW_PENDING_HIGH_MS (15LL * 60 * 1000)
#define WORKFLOW_PENDING_NORMAL_MS (60LL * 60 * 1000)

struct workflow_opts {
  struct store *st;
  struct registry *reg;
  struct bus *bus;      /* may be NULL */
  const char *data_dir; /* evidence goes to DATA/evidence/ORDER/ */
  int sync_files;       /* fsync evidence files (the store fsyncs its commits too) */
  int no_thread;        /* tests: no timer thread; call workflow_tick */
};

/* Who acts: name goes into the order's timeline. For a user (kind
 * ACTOR_USER, zero) role is one ROLE_* bit (model/roles.h) and department
 * "" for none; the public and the system hold no role (0): the system may
 * take any action, the public creates its reports through the intake and
 * rates its own orders. */
struct wf_actor {
  const char *name;
  int role;
  const char *department;
  enum actor_kind kind;
};

struct wf_create {
  const char *matter;      /* required */
  const char *title;       /* NULL: the matter's name */
  const char *description; /* may be NULL */
  const char *region;      /* region path; NULL: the entity's region (then entity is required) */
  const char *entity;      /* entity key or NULL */
  const char *reporter;    /* NULL: the actor */
  const char *channel;     /* "staff", "alert", "api", "hotline" ...; NULL: "staff" */
  double lon, lat;         /* NAN: the entity's position when there is one */
  int64_t alert;           /* the alert it comes from, 0 for none */
  const char *severity;    /* the alert's severity (info, warning, major, critical) or NULL */
  const char *priority;    /* critical, high, normal; NULL: from severity and matter */
  int distinct; /* 1: one of several orders made on purpose (an inspection's rectification
                 * items), never flagged as a likely duplicate */
  int64_t at;   /* 0: now; a past time (UTC ms): an order of a history told after the fact
                 * (workflow_act_at takes it on), never later than now */
};

/* The priority named (critical, high, normal) as STORE_PRIORITY_*, 0 for
 * an unknown name; and back (NULL for none of them). */
int workflow_priority_parse(const char *name);
const char *workflow_priority_name(int priority);
/* The priority an alert's severity gives: critical is critical, major and
 * warning high, anything else normal. */
int workflow_priority_of_severity(const char *severity);
/* A dispatcher changes the priority of open top-level order id; recorded
 * as a "prioritize" timeline event with the note and {"from","to"}. The
 * "dispatch within" deadline follows the new priority unless the matter
 * sets its own. 0, ZZ_ENOTFOUND, ZZ_EFORBIDDEN, ZZ_EINVAL, ZZ_ECONFLICT. */
int workflow_set_priority(struct workflow *wf, const struct wf_actor *who, int64_t id,
                          const char *priority, const char *note, struct zz_err *e);

/* Opens the engine (loads matters; starts the timer thread unless
 * no_thread). Returns 0 and *out, or a ZZ_E* code with e filled. */
int workflow_open(const struct workflow_opts *o, struct workflow **out, struct zz_err *e);
void workflow_close(struct workflow *wf);
/* Re-reads the matters (after a pack load or an admin change). */
int workflow_reload(struct workflow *wf, struct zz_err *e);

/* Creates an order in state reported. Returns 0 and *out_id, or ZZ_EINVAL
 * (e->field names the input), ZZ_ENOTFOUND, or a store error. */
int workflow_create(struct workflow *wf, const struct wf_actor *who, const struct wf_create *c,
                    int64_t *out_id, struct zz_err *e);
/* Takes an action (order_sm.h names) on order id. departments (n of them)
 * only for dispatch: none means the suggested routing; several make the
 * order a joint one with a sub-order per department. Returns 0, ZZ_ENOTFOUND,
 * ZZ_EFORBIDDEN (not this actor's to take), ZZ_EINVAL (a bad input, e.g. a
 * missing note) or ZZ_ECONFLICT (an illegal step, e->msg says why). */
int workflow_act(struct workflow *wf, const struct wf_actor *who, int64_t id, const char *action,
                 const char *const *departments, size_t n, const char *note, struct zz_err *e);
/* workflow_act dated at (UTC ms) instead of now: a history told after the
 * fact (the demo's past alarms, handled and closed). at is never later than
 * now nor earlier than the order's last change, so the timeline stays in
 * order; the deadlines the action sets count from at. The same errors, and
 * ZZ_EINVAL (field "at") for a time out of those bounds. */
int workflow_act_at(struct workflow *wf, const struct wf_actor *who, int64_t id, const char *action,
                    const char *const *departments, size_t n, const char *note, int64_t at,
                    struct zz_err *e);
/* Merges order id (a duplicate) into order into: id becomes merged, into
 * takes its reporters; both timelines record it. Same errors. */
int workflow_merge(struct workflow *wf, const struct wf_actor *who, int64_t id, int64_t into,
                   const char *note, struct zz_err *e);
/* The reporter's rating (1..5) of a resolved, verified or closed order; 1
 * or 2 reopens it. Same errors. */
int workflow_rate(struct workflow *wf, const struct wf_actor *who, int64_t id, int score,
                  const char *note, struct zz_err *e);
/* Stores a photo (JPEG or PNG by its first bytes, at most
 * WORKFLOW_EVIDENCE_MAX) for order id. Returns 0 and *out_id, ZZ_EMEDIATYPE,
 * ZZ_ETOOBIG, or the errors above. */
int workflow_add_evidence(struct workflow *wf, const struct wf_actor *who, int64_t id,
                          const void *data, size_t n, const char *note, int64_t *out_id,
                          struct zz_err *e);

/* The same in two steps, so that a caller can write (and fsync) the file
 * without holding its own locks, then attach it with them: store checks
 * and writes the photo under DATA/evidence/ID/ (id 0: an order still to be
 * made, DATA/evidence/new/; no lock, no database); attach checks the order
 * and records it (the file is removed when attach fails). Errors as above. */
struct wf_evidence_file {
  char rel[128];
  const char *mime;
  size_t size;
};
int workflow_evidence_store(struct workflow *wf, int64_t id, const void *data, size_t n,
                            struct wf_evidence_file *out, struct zz_err *e);
int workflow_evidence_attach(struct workflow *wf, const struct wf_actor *who, int64_t id,
                             const struct wf_evidence_file *f, const char *note, int64_t *out_id,
                             struct zz_err *e);
/* A report from the public made into an order together with what comes
 * with it (the reporter's photo, the caller's own rows such as a receipt)
 * in one transaction, shared with the other reports arriving at the same
 * moment: a group commit on the workflow's intake thread, so that hundreds
 * of phones at once cost a few commits rather than hundreds, and no HTTP
 * thread waits for them. The caller fills the inputs and keeps the struct
 * alive until on_done. */
struct wf_intake {
  struct wf_actor who;
  struct wf_create create;
  const struct wf_evidence_file *photo; /* stored with id 0, or NULL; removed on failure */
  const char *photo_note; /* NULL: none (pages name the reporter's photo themselves) */
  /* further writes once the order exists, on the store given, in the same
   * transaction (on the intake thread); 0 or an error (the whole report is
   * then undone) */
  int (*then)(void *ud, struct store *st, int64_t order, struct zz_err *e);
  void *ud;
  /* called on the intake thread once the report is committed or has
   * failed (rc, err); the struct is the caller's again from then on */
  void (*on_done)(void *done_ud, struct wf_intake *in);
  void *done_ud;
  /* out */
  int rc;
  int64_t order;
  struct zz_err err;
  /* the queue's */
  int done;
  void *row; /* the order prepared before the batch */
  struct wf_intake *next;
};
/* Checks the report and queues it: 0 (on_done will be called), or the
 * error in rc/err (on_done is not called; the photo is removed). */
int workflow_intake_submit(struct workflow *wf, struct wf_intake *in);
/* The same, waiting: returns once the order and everything with it are
 * committed, 0 and in->order, or the error (in->err filled) with nothing
 * of the report left behind. Sets on_done itself. */
int workflow_intake(struct workflow *wf, struct wf_intake *in);

/* Several changes and the caller's own rows as one transaction (a
 * department's decision: accept, resolve and the decision's row; the last
 * material of an application: its row and the dispatch). fn runs on the
 * calling thread with the engine's lock held, inside one store
 * transaction (a savepoint when the thread has one open); there it takes
 * actions with workflow_txn_act and writes and reads its own rows through
 * the store's functions on st (reads see what the transaction wrote so
 * far). When fn returns 0 everything is committed together; when fn or
 * the commit fails nothing of it stays, and workflow_txn returns that
 * error (e filled). The orders' events reach the bus only after the
 * commit. fn must not call any other workflow_* function: the lock is held. */
struct wf_txn;
typedef int (*wf_txn_fn)(void *ud, struct wf_txn *t, struct store *st, struct zz_err *e);
int workflow_txn(struct workflow *wf, wf_txn_fn fn, void *ud, struct zz_err *e);
/* workflow_act inside workflow_txn's fn, with t its handle: the same
 * inputs and errors. A refused or failed action leaves nothing of itself;
 * fn returns its error to undo the whole transaction. */
int workflow_txn_act(struct wf_txn *t, const struct wf_actor *who, int64_t id, const char *action,
                     const char *const *departments, size_t n, const char *note, struct zz_err *e);
/* workflow_create inside workflow_txn's fn: the order is written in the
 * transaction (gone with it when fn fails), its event published after
 * the commit. The same inputs and errors. */
int workflow_txn_create(struct wf_txn *t, const struct wf_actor *who, const struct wf_create *c,
                        int64_t *out_id, struct zz_err *e);

/* Runs the SLA timers due at now. Returns how many orders changed. */
int workflow_tick(struct workflow *wf, int64_t now);
/* Adds fn to the hooks run after each workflow_tick, in the order added,
 * on the timer's thread and outside the workflow's lock (so they may
 * create and act on orders), once a second and whenever the test clock
 * ticks; their results add to the tick's count. Up to 8 hooks (one past
 * that is logged and left out); fn NULL clears them all. Other engines'
 * timers (case follow-ups, overdue rectification items) join the
 * workflow's thread this way instead of starting their own. */
void workflow_on_tick(struct workflow *wf, int (*fn)(void *ud, int64_t now), void *ud);

/* 1 when who may see order o (officers: their department's orders and the
 * joint orders they take part in). */
int workflow_can_read(struct workflow *wf, const struct wf_actor *who, const struct store_order *o);
/* A reporter's name as staff see it: a report's receipt number, the
 * citizen's only credential (it rates the order), is masked to its last
 * four characters ("citizen:••••ABCD"); other names are returned as they
 * are. out must hold 96 bytes. */
const char *workflow_mask_reporter(const char *reporter, char *out, size_t cap);
/* Writes order o as the API shows it (an object without timeline,
 * receipts masked) as the next value of j. */
void workflow_order_json(struct workflow *wf, const struct store_order *o, struct zz_json *j);
/* Writes {"matters":[...]} (each as matter_json writes it, with routing). */
void workflow_matters_json(struct workflow *wf, struct zz_json *j);
/* Suggested departments for a matter in a region, as a JSON array (the
 * next value of j). */
void workflow_suggest_json(struct workflow *wf, const char *matter, int64_t region,
                           struct zz_json *j);
/* The matters as loaded (key, names, kind and the catalog row's extra:
 * form, materials, channels...), parsed once at load and on
 * workflow_reload, for pages that read them on every request. fn runs
 * under the matters' lock: it must be quick and must not call back into
 * the workflow; extra is valid during the call (json_incref a part to keep
 * it). fn returning non-zero stops. */
struct wf_matter_view {
  const char *key, *name_zh, *name_en, *kind; /* names and kind NULL when missing */
  struct json_t *extra;
};
int workflow_matters_each(struct workflow *wf, int (*fn)(void *ud, const struct wf_matter_view *m),
                          void *ud);
/* Copies region id's path into out ("" when unknown); 1 when it exists. */
int workflow_region_path(struct workflow *wf, int64_t region, char *out, size_t cap);
/* 1 when the matter exists. */
int workflow_matter_exists(struct workflow *wf, const char *matter);
/* Absolute path of evidence file rel (as stored) into out. */
int workflow_evidence_path(struct workflow *wf, const char *rel, char *out, size_t cap);

#endif
