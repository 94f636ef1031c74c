/* store_inspections.h - inspections (督查/检查, issue 13 §2 and §3): one
 * visit with its checklist's answers (uid: the client's key, so a visit
 * queued offline and sent twice is stored once), its photos, the
 * rectification items (查纠整改) a failed item or a finding opens, the
 * credit events of the entities inspected, and the plans of visits. The
 * checklists and campaigns are pack data (campaigns.json); the store knows
 * none of them. Entities are referred to by their row id and read back
 * with their key, type and names. */
#ifndef ZZ_STORE_INSPECTIONS_H
#define ZZ_STORE_INSPECTIONS_H

#include <stdint.h>

#include "core/zz.h"

struct store;

/* The entity a row is about, as read back (strings valid during the call). */
struct store_ins_entity {
  int64_t id;
  const char *key, *type, *name_zh, *name_en;
  int64_t region;
  const char *attrs_json;
};

struct store_inspection {
  int64_t id;
  const char *uid, *checklist, *campaign; /* campaign NULL: none */
  int64_t plan;                           /* 0: none */
  int64_t entity, region;                 /* entity row id; the entity's region id */
  const char *department, *inspector;
  int64_t ts;
  double lon, lat;      /* NAN: unknown */
  const char *result;   /* "pass" or "fail" */
  int64_t failed;       /* failed items and findings */
  const char *answers;  /* JSON array [{"item","ok","note"?}], checklist order */
  const char *note;     /* may be NULL */
  int64_t created;
  struct store_ins_entity ent; /* read back only */
};

struct store_ins_photo {
  int64_t id, inspection;
  const char *item; /* NULL: the visit as a whole */
  const char *path, *mime;
  int64_t size;
  const char *sha256;
};

/* A rectification item: status open, overdue, closed_on_time or closed_late. */
struct store_rectify {
  int64_t id, inspection;
  const char *item;  /* a checklist item id, or "finding-N" for the Nth finding */
  int64_t entity;
  const char *campaign, *owner;
  int64_t deadline, order_id;
  const char *status;
  int64_t closed, closed_by; /* the inspection that closed it; 0: open */
  const char *note;          /* a finding's text; NULL for a checklist item */
  /* read back only: the inspection's checklist and time, and the entity */
  const char *checklist;
  int64_t inspected;
  struct store_ins_entity ent;
};

struct store_credit_event {
  int64_t id, entity, ts, points;
  const char *kind; /* violation, rectified, overdue */
  const char *reason, *campaign;
  int64_t inspection, rectify; /* 0: none */
  const char *actor;
};

struct store_ins_plan {
  int64_t id;
  const char *campaign, *checklist;
  int64_t entity, day; /* day: the local midnight (UTC ms) */
  const char *leader, *department;
  int64_t inspection; /* 0: not yet visited */
  const char *note;
  int64_t created;
  struct store_ins_entity ent; /* read back only */
};

/* What lists read; NULL or 0 members do not filter. rpos_lo..rpos_hi: the
 * entity's region within a subtree (0, 0: anywhere). */
struct store_ins_filter {
  const char *campaign, *checklist, *owner, *status;
  int64_t entity, inspection;
  int64_t from, to; /* inspections: ts in [from, to); plans: day in [from, to) */
  int64_t rpos_lo, rpos_hi;
  int64_t before_id; /* cursor: rows with a smaller id (newest first lists) */
  int limit;         /* 0: all */
};

/* Inserts the inspection (id, ent ignored). 0 and *out_id; ZZ_EEXISTS when
 * its uid is taken; a store error. */
int store_inspection_insert(struct store *st, const struct store_inspection *in, int64_t *out_id,
                            struct zz_err *e);
/* The inspection id (or, id 0, the one of uid): fn once. 0, ZZ_ENOTFOUND, ZZ_ESTORE. */
int store_inspection_get(struct store *st, int64_t id, const char *uid,
                         int (*fn)(void *, const struct store_inspection *), void *ud);
/* Newest first (ts, then id). Filters: campaign, checklist, entity, from, to,
 * rpos, before_id, limit. fn non-zero stops. 0 or ZZ_ESTORE. */
int store_inspections_each(struct store *st, const struct store_ins_filter *f,
                           int (*fn)(void *, const struct store_inspection *), void *ud);

int store_ins_photo_insert(struct store *st, const struct store_ins_photo *p, int64_t *out_id,
                           struct zz_err *e);
/* The photos of inspection (id 0: all of them; else just that one, if it
 * is the inspection's), oldest first. 0 or ZZ_ESTORE. */
int store_ins_photos_each(struct store *st, int64_t inspection, int64_t id,
                          int (*fn)(void *, const struct store_ins_photo *), void *ud);

int store_rectify_insert(struct store *st, const struct store_rectify *r, int64_t *out_id,
                         struct zz_err *e);
/* Sets the rectification item's work order. */
int store_rectify_set_order(struct store *st, int64_t id, int64_t order_id, struct zz_err *e);
/* Closes an open or overdue item: status (closed_on_time, closed_late),
 * when, by which inspection. ZZ_ECONFLICT when it is no longer open. */
int store_rectify_close(struct store *st, int64_t id, const char *status, int64_t closed,
                        int64_t closed_by, struct zz_err *e);
/* Marks an open item overdue and writes ev (may be NULL) with it, in one
 * transaction. ZZ_ECONFLICT when it is no longer open. */
int store_rectify_overdue(struct store *st, int64_t id, const struct store_credit_event *ev,
                          struct zz_err *e);
/* Items by filter (campaign, entity, owner, status: a status or "open_all"
 * for open and overdue, inspection, checklist, rpos), open first by
 * deadline, then the closed newest first. 0 or ZZ_ESTORE. */
int store_rectifies_each(struct store *st, const struct store_ins_filter *f,
                         int (*fn)(void *, const struct store_rectify *), void *ud);
/* Open items whose deadline is before now, oldest deadline first, at most limit. */
int store_rectifies_due(struct store *st, int64_t now, int limit,
                        int (*fn)(void *, const struct store_rectify *), void *ud);

int store_credit_insert(struct store *st, const struct store_credit_event *ev, int64_t *out_id,
                        struct zz_err *e);
/* The entity's events, oldest first. 0 or ZZ_ESTORE. */
int store_credits_each(struct store *st, int64_t entity,
                       int (*fn)(void *, const struct store_credit_event *), void *ud);
/* Sum of points per entity for the entities of type whose attribute
 * attr_path ("$.market") is value (a market's stall-holders), each
 * fn(ud, entity, points, events), by the entity's key. 0 or ZZ_ESTORE. */
int store_credit_members(struct store *st, const char *type, const char *attr_path,
                         const char *value,
                         int (*fn)(void *, const struct store_ins_entity *, int64_t points,
                                   int64_t events),
                         void *ud);

int store_ins_plan_insert(struct store *st, const struct store_ins_plan *p, int64_t *out_id,
                          struct zz_err *e);
/* The plan id: fn once. 0, ZZ_ENOTFOUND, ZZ_ESTORE. */
int store_ins_plan_get(struct store *st, int64_t id,
                       int (*fn)(void *, const struct store_ins_plan *), void *ud);
/* Plans by filter (campaign, entity, from/to on day, rpos), by day. */
int store_ins_plans_each(struct store *st, const struct store_ins_filter *f,
                         int (*fn)(void *, const struct store_ins_plan *), void *ud);
/* Marks plan fulfilled by inspection: ZZ_ECONFLICT when another one did. */
int store_ins_plan_fulfil(struct store *st, int64_t plan, int64_t inspection, struct zz_err *e);

/* One unit of the leader's progress view (counts from the store). */
struct store_ins_progress {
  struct store_ins_entity ent;
  int64_t planned, visited, last_visit, next_plan, findings;
  int64_t open, overdue, closed;
};
/* Per entity of the types in types_json (a JSON array of type names) that
 * the campaign planned or inspected or that is of those types, within
 * rpos; now separates the next plan from past ones. By the entity's key. */
int store_ins_progress(struct store *st, const char *campaign, const char *types_json,
                       int64_t rpos_lo, int64_t rpos_hi, int64_t now,
                       int (*fn)(void *, const struct store_ins_progress *), void *ud);

#endif
