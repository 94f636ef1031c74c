/* store_orders.h - work orders with their append-only timeline, evidence,
 * order statistics and what a public Open311 request brought beyond its
 * order. Rows passed to callbacks hold strings owned by the store for the
 * call only. */
#ifndef ZZ_STORE_ORDERS_H
#define ZZ_STORE_ORDERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"

struct store;

/* A work order row. Times are UTC ms, 0 for "not yet". */
struct store_order {
  int64_t id, parent; /* parent: the joint order of a sub-order, 0 for none */
  const char *matter, *title, *description, *state, *department, *channel;
  int64_t region, rpos;
  const char *entity; /* entity key or NULL */
  double lon, lat;    /* NAN when unknown */
  int64_t alert;
  const char *reporter, *reporters_json; /* reporters: every reporter after merges */
  int64_t created, updated, dispatched_at, accept_due, resolve_due, accepted_at, resolved_at,
      closed_at;
  int overdue, supervised, escalated;
  int64_t escalate_at;
  const char *escalated_to;
  int64_t duplicate_of, merged_into;
  int rating; /* 0: not rated */
  const char *rating_note;
  int64_t version;              /* bumped by every update (optimistic check) */
  int priority;                 /* STORE_PRIORITY_*: 1 critical, 2 high, 3 normal (0 reads as 3) */
  int64_t pending_due;          /* the "dispatch within" deadline, 0 for none */
  const char *duplicate_reason; /* "same_entity", "nearby" or NULL */
};

enum { STORE_PRIORITY_CRITICAL = 1, STORE_PRIORITY_HIGH = 2, STORE_PRIORITY_NORMAL = 3 };

struct store_order_filter {
  const char *state, *matter, *department; /* NULL: any */
  int64_t rpos_lo, rpos_hi;                /* 0, 0: any */
  int overdue;                             /* 1: only overdue */
  int open_only;                           /* 1: not closed or merged */
  int top_only;                            /* 1: no sub-orders */
  int64_t parent;                          /* > 0: the sub-orders of this order */
  int64_t merged_into;                     /* > 0: the orders merged into this one */
  int64_t created_from, created_to;        /* 0: unbounded */
  int64_t before_id;                       /* cursor: ids below this (newest first) */
  int public_consent;                      /* 1: only orders whose public intake was made while
                                              the matter was public (Open311 GET) */
  const char *text; /* search: title, description, reporters (receipt), entity name; NULL: any */
  int by_priority;  /* 1: priority, then oldest first (the desk's queue), no cursor */
  int limit;
};

struct store_order_event {
  int64_t id, order_id, ts;
  const char *actor, *action, *from_state, *to_state, *note, *data_json;
};

struct store_evidence {
  int64_t id, order_id, ts;
  const char *actor, *mime, *path, *note;
  int64_t size;
};

/* One group of the order statistics (see order_stats). */
struct store_order_stat {
  const char *key; /* state, department or matter */
  int64_t n;
  int64_t with_sla, on_time;       /* closed or resolved orders that had a deadline */
  int64_t accepted, accept_ms_sum; /* time from dispatch to accept */
  int64_t closed, close_ms_sum;    /* time from creation to close */
};

/* The dispatch board of a region (统一派单 on the cockpit): top-level
 * orders, see order_board. */
struct store_order_board {
  int64_t today;             /* created since the day's start */
  int64_t open;              /* not yet resolved (nor merged) */
  int64_t overdue;           /* open and past a deadline */
  int64_t with_sla, on_time; /* created since `since`, resolved, with a deadline */
  int64_t rated, satisfied;  /* created since `since`, rated; rated 4 or 5 */
  double rating_sum;         /* of the rated */
};
/* One department's row of the board. */
struct store_order_board_dept {
  const char *department;
  int64_t today, open, overdue;
};

/* One group of store_order_tally: counts over top-level orders (merged
 * duplicates left out). closed: done (resolved, verified or closed, 办结);
 * open: any other state;
 * with_sla/on_time: resolved or closed orders that had a resolve deadline,
 * and those done by it; rated/rating_sum: orders with a rating (1-5). */
struct store_order_tally {
  const char *key; /* department or matter (NULL for group "rpos") */
  int64_t rpos;    /* groups "rpos" and "cell": the region position of the orders */
  int64_t n, closed, open, overdue, with_sla, on_time, rated, rating_sum;
  /* group "cell" only (key is the matter): the orders' own department
   * (NULL: none), and joint 1 for joint orders (no department of their
   * own, sub-orders that have one) */
  const char *department;
  int joint;
};

/* What store_order_tally counts: orders created in [from, to) inside the
 * region interval (0, 0: anywhere), and when department is not NULL only
 * the orders of that department (a joint order when one of its sub-orders
 * has it). */
struct store_order_tally_filter {
  int64_t from, to;
  int64_t rpos_lo, rpos_hi;
  const char *department;
};

struct store_order_intake {
  int64_t order_id;
  int64_t source; /* the source whose api_key sent it, 0 for none */
  const char *token;
  const char *address;         /* may be NULL */
  const char *attributes_json; /* {"CODE": "value" | ["v", ...]} */
  const char *contact_json;    /* {"email","first_name","last_name","phone"}: never public */
  const char *media_url;       /* may be NULL */
  int64_t created;
  int public_consent; /* 1: the matter was public when it came in (Open311 GET may list it) */
};

/* Inserts the order and its first timeline events in one transaction. */
int store_order_insert(struct store *st, const struct store_order *o,
                       const struct store_order_event *evs, size_t nev, int64_t *out_id,
                       struct zz_err *e);
/* Writes every column of o (by o->id) if its version is still o->version,
 * bumping it, and appends the events, all in one transaction. Several
 * orders may be written together (a joint order and its sub-orders).
 * ZZ_ECONFLICT when another change came first. */
int store_orders_update(struct store *st, const struct store_order *const *os, size_t n,
                        const struct store_order_event *evs, size_t nev, struct zz_err *e);
int store_order_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_order *),
                    void *ud);
/* Newest first. */
int store_orders_each(struct store *st, const struct store_order_filter *f,
                      int (*fn)(void *, const struct store_order *), void *ud);
/* The open top-level orders of matter created at or after since that lie
 * inside the box (lon_min, lon_max, lat_min, lat_max), newest first, as
 * (id, lon, lat): the candidates of the duplicate check. entity non-NULL:
 * only orders naming no entity or that one (a different entity named is
 * a different thing, however near). fn returning non-zero stops. */
int store_orders_near(struct store *st, const char *matter, int64_t since, const double box[4],
                      const char *entity, int (*fn)(void *, int64_t id, double lon, double lat),
                      void *ud);
/* The oldest of those placed exactly at (lon, lat) (entity as above), into
 * *out_id (0 for none): the common case of reports from one venue's code,
 * answered without reading the box. 0 or ZZ_ESTORE. */
int store_order_at(struct store *st, const char *matter, int64_t since, double lon, double lat,
                   const char *entity, int64_t *out_id);
/* The oldest open top-level order of matter about entity created at or
 * after since, into *out_id (0 for none). 0 or ZZ_ESTORE. */
int store_order_same_entity(struct store *st, const char *matter, int64_t since, const char *entity,
                            int64_t *out_id);
/* Open orders whose SLA timer is due at now: not yet supervised with a
 * deadline passed (the pending_due of an order waiting for dispatch
 * included), or supervised and not escalated with escalate_at passed. */
int store_orders_due(struct store *st, int64_t now, int (*fn)(void *, const struct store_order *),
                     void *ud);
int store_order_events_each(struct store *st, int64_t order_id,
                            int (*fn)(void *, const struct store_order_event *), void *ud);
int store_evidence_insert(struct store *st, const struct store_evidence *ev, int64_t *out_id,
                          struct zz_err *e);
int store_evidence_each(struct store *st, int64_t order_id, int64_t id,
                        int (*fn)(void *, const struct store_evidence *), void *ud);
/* Order statistics over top-level orders created in [from, to) within the
 * region interval, grouped by "state", "department" or "matter". */
int store_order_stats(struct store *st, const char *group, int64_t from, int64_t to,
                      int64_t rpos_lo, int64_t rpos_hi,
                      int (*fn)(void *, const struct store_order_stat *), void *ud);
/* The dispatch board of the region interval: totals into *out, then one
 * row per department (a joint order counts for each of its departments),
 * busiest first. day_start bounds "today", since the rates. */
int store_order_board(struct store *st, int64_t rpos_lo, int64_t rpos_hi, int64_t day_start,
                      int64_t since, struct store_order_board *out,
                      int (*fn)(void *, const struct store_order_board_dept *), void *ud);
/* Order statistics for the statistics page and its exports, grouped by
 * "department" (a joint order counts once for each department of its
 * sub-orders; an order not yet dispatched under ""), "matter" or "rpos" (the caller maps
 * positions to regions). In one pass: group "cell", one row per (matter,
 * rpos, department, joint) from which the three add up (the department
 * rows from the cells that are not joint, plus group "joint": the joint
 * orders once for each department of their sub-orders, as "department"
 * counts them). fn gets one row per group (strings owned by the store for
 * the call); non-zero stops. Returns 0, ZZ_EINVAL for another group,
 * ZZ_ENOMEM or ZZ_ESTORE. */
int store_order_tally(struct store *st, const char *group, const struct store_order_tally_filter *f,
                      int (*fn)(void *, const struct store_order_tally *), void *ud);
/* Inserts the intake row of an order. ZZ_EEXISTS when the order or the
 * token already has one; a store error otherwise. */
int store_order_intake_insert(struct store *st, const struct store_order_intake *in,
                              struct zz_err *e);
/* Calls fn with the intake row of order_id (when order_id > 0) or of
 * token (otherwise). Returns 0 (fn called), ZZ_ENOTFOUND or a store error. */
int store_order_intake_get(struct store *st, int64_t order_id, const char *token,
                           int (*fn)(void *, const struct store_order_intake *), void *ud);
/* The changes of state (from_state set and other than to_state) of every
 * order with ts in [from, to), oldest first (by ts, then id), at most
 * limit: the Open311 update feed, which keeps those of public orders.
 * fn returning non-zero stops. 0 or ZZ_ESTORE. */
int store_order_state_events_between(struct store *st, int64_t from, int64_t to, int limit,
                                     int (*fn)(void *, const struct store_order_event *), void *ud);

#endif
