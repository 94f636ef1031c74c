/* store_backend.h - the table of functions a storage backend fills (today
 * the SQLite one, store_sqlite.c) and the struct every store starts with.
 * Callers never see it: they call the store_* functions of the domain
 * headers (store_calls.c passes each call to the table), so a second backend
 * fits behind the same calls. Tests may fill a partial table (test_rollup.c). */
#ifndef ZZ_STORE_BACKEND_H
#define ZZ_STORE_BACKEND_H

#include "store/store.h"
#include "store/store_accounts.h"
#include "store/store_alerts.h"
#include "store/store_applications.h"
#include "store/store_audit.h"
#include "store/store_catalog.h"
#include "store/store_codes.h"
#include "store/store_orders.h"
#include "store/store_records.h"
#include "store/store_registry.h"

struct store_dispatch_ops {
  int (*matter_upsert)(struct store *st, const struct store_matter *m, int64_t *out_id,
                       struct zz_err *e);
  int (*matters_each)(struct store *st, int (*fn)(void *, const struct store_matter *), void *ud);
  int (*rule_upsert)(struct store *st, const struct store_rule *r, int64_t *out_id,
                     struct zz_err *e);
  int (*rules_each)(struct store *st, int (*fn)(void *, const struct store_rule *), void *ud);

  /* Opens an alert; ZZ_EEXISTS when (rule, entity) already has an open one. */
  int (*alert_insert)(struct store *st, const struct store_alert *a, int64_t *out_id,
                      struct zz_err *e);
  /* Writes state, cleared, value, message, order_id, acked_by, acked_at of a->id. */
  int (*alert_update)(struct store *st, const struct store_alert *a, struct zz_err *e);
  int (*alerts_each)(struct store *st, const struct store_alert_filter *f,
                     int (*fn)(void *, const struct store_alert *), void *ud);
  int (*alert_get)(struct store *st, int64_t id, int (*fn)(void *, const struct store_alert *),
                   void *ud);

  /* Inserts the order and its first timeline events in one transaction. */
  int (*order_insert)(struct store *st, const struct store_order *o,
                      const struct store_order_event *evs, size_t nev, int64_t *out_id,
                      struct zz_err *e);
  /* Writes every column of o (by o->id) if its version is still o->version,
   * bumping it, and appends the events, all in one transaction. Several
   * orders may be written together (a joint order and its sub-orders).
   * ZZ_ECONFLICT when another change came first. */
  int (*orders_update)(struct store *st, const struct store_order *const *os, size_t n,
                       const struct store_order_event *evs, size_t nev, struct zz_err *e);
  int (*order_get)(struct store *st, int64_t id, int (*fn)(void *, const struct store_order *),
                   void *ud);
  /* Newest first. */
  int (*orders_each)(struct store *st, const struct store_order_filter *f,
                     int (*fn)(void *, const struct store_order *), void *ud);
  /* Open orders whose SLA timer is due at now: not yet supervised with a
   * deadline passed, or supervised and not escalated with escalate_at passed. */
  /* The open top-level orders of matter created at or after since that lie
   * inside the box (lon_min, lon_max, lat_min, lat_max), newest first, as
   * (id, lon, lat): the candidates of the duplicate check, read from an
   * index alone. fn returning non-zero stops. */
  int (*orders_near)(struct store *st, const char *matter, int64_t since, const double box[4],
                     int (*fn)(void *, int64_t id, double lon, double lat), void *ud);
  /* The oldest of those placed exactly at (lon, lat), into *out_id (0 for
   * none): the common case of reports from one venue's code, answered
   * without reading the box. 0 or ZZ_ESTORE. */
  int (*order_at)(struct store *st, const char *matter, int64_t since, double lon, double lat,
                  int64_t *out_id);
  int (*orders_due)(struct store *st, int64_t now, int (*fn)(void *, const struct store_order *),
                    void *ud);
  int (*order_events_each)(struct store *st, int64_t order_id,
                           int (*fn)(void *, const struct store_order_event *), void *ud);
  int (*evidence_insert)(struct store *st, const struct store_evidence *ev, int64_t *out_id,
                         struct zz_err *e);
  int (*evidence_each)(struct store *st, int64_t order_id, int64_t id,
                       int (*fn)(void *, const struct store_evidence *), void *ud);
  /* Order statistics over top-level orders created in [from, to) within the
   * region interval, grouped by "state", "department" or "matter". */
  int (*order_stats)(struct store *st, const char *group, int64_t from, int64_t to, int64_t rpos_lo,
                     int64_t rpos_hi, int (*fn)(void *, const struct store_order_stat *), void *ud);

  int (*audit_insert)(struct store *st, const struct store_audit *a, struct zz_err *e);
  /* Newest first, ids below before_id (0: from the top). */
  int (*audit_each)(struct store *st, int64_t before_id, int limit,
                    int (*fn)(void *, const struct store_audit *), void *ud);
};

struct store_codes_ops {
  /* Inserts an active code unless (entity, kind) already has one: then
   * *out_id is the existing code's id and *created 0. */
  int (*code_insert)(struct store *st, const struct store_code *c, int64_t *out_id, int *created,
                     struct zz_err *e);
  /* Finds one code by token (id 0) or id; ZZ_ENOTFOUND when none. */
  int (*code_get)(struct store *st, const char *token, int64_t id,
                  int (*fn)(void *, const struct store_code *), void *ud);
  /* Oldest first. */
  int (*codes_each)(struct store *st, const struct store_code_filter *f,
                    int (*fn)(void *, const struct store_code *), void *ud);
  /* Revokes active code id at now; with a replacement (c non-NULL) inserts
   * it in the same transaction and links it. ZZ_ECONFLICT when id is not
   * active; *out_id the new code's id. */
  int (*code_revoke)(struct store *st, int64_t id, int64_t now, const struct store_code *c,
                     int64_t *out_id, struct zz_err *e);
  /* Adds one scan to (code, day) where day is the local day's first ms. */
  int (*code_scan)(struct store *st, int64_t code, int64_t day, struct zz_err *e);
  /* Scan counts of code newest day first (at most limit days). */
  int (*code_scans_each)(struct store *st, int64_t code, int limit,
                         int (*fn)(void *, int64_t day, int64_t n), void *ud);
  int (*intake_insert)(struct store *st, const struct store_receipt *in, struct zz_err *e);
  /* By receipt (order_id 0) or by order id; ZZ_ENOTFOUND when none. */
  int (*intake_get)(struct store *st, const char *receipt, int64_t order_id,
                    int (*fn)(void *, const struct store_receipt *), void *ud);
};

struct store_catalog_ops {
  /* Inserts the intake row of an order. ZZ_EEXISTS when the order or the
   * token already has one; a store error otherwise. */
  int (*intake_insert)(struct store *st, const struct store_order_intake *in, struct zz_err *e);
  /* Calls fn with the intake row of order_id (when order_id > 0) or of
   * token (otherwise). Returns 0 (fn called), ZZ_ENOTFOUND or a store error. */
  int (*intake_get)(struct store *st, int64_t order_id, const char *token,
                    int (*fn)(void *, const struct store_order_intake *), void *ud);

  /* ZZ_EEXISTS when the order or the number already has one. */
  int (*application_insert)(struct store *st, const struct store_application *a, struct zz_err *e);
  /* By order_id (> 0) or number. 0 (fn called), ZZ_ENOTFOUND or a store error. */
  int (*application_get)(struct store *st, int64_t order_id, const char *number,
                         int (*fn)(void *, const struct store_application *), void *ud);
  /* Records (or replaces) the current file of one material. */
  int (*material_put)(struct store *st, const struct store_material *m, struct zz_err *e);
  int (*materials_each)(struct store *st, int64_t order_id,
                        int (*fn)(void *, const struct store_material *), void *ud);
  /* ZZ_EEXISTS when the sub-order was already decided. */
  int (*decision_insert)(struct store *st, const struct store_decision *d, struct zz_err *e);
  int (*decisions_each)(struct store *st, int64_t order_id,
                        int (*fn)(void *, const struct store_decision *), void *ud);
};

struct store_ops {
  const char *name;

  /* registry: upserts by key; reads call back once per row */
  int (*region_upsert)(struct store *st, const struct store_region *r, int64_t *out_id,
                       struct zz_err *e);
  int (*region_set_pos)(struct store *st, int64_t id, int64_t lo, int64_t hi, struct zz_err *e);
  int (*regions_each)(struct store *st, int with_geometry,
                      int (*fn)(void *, const struct store_region *), void *ud);
  int (*metric_upsert)(struct store *st, const struct store_metric *m, int64_t *out_id,
                       struct zz_err *e);
  int (*metrics_each)(struct store *st, int (*fn)(void *, const struct store_metric *), void *ud);
  /* table: "entity_type" or "department" */
  int (*named_upsert)(struct store *st, const char *table, const struct store_named *n,
                      int64_t *out_id, struct zz_err *e);
  int (*named_each)(struct store *st, const char *table,
                    int (*fn)(void *, const struct store_named *), void *ud);
  int (*source_upsert)(struct store *st, const struct store_source *s, int64_t *out_id,
                       struct zz_err *e);
  int (*source_set_token)(struct store *st, int64_t id, const char *token_hash, struct zz_err *e);
  int (*source_by_token)(struct store *st, const char *token_hash, int64_t *out_id);
  int (*sources_each)(struct store *st, int (*fn)(void *, const struct store_source *), void *ud);
  int (*entity_upsert)(struct store *st, const struct store_entity *en, int64_t rpos,
                       int64_t *out_id, struct zz_err *e);
  int (*entity_get)(struct store *st, const char *key,
                    int (*fn)(void *, const struct store_entity *), void *ud);
  int (*entities_each)(struct store *st, const struct store_entity_filter *f,
                       int (*fn)(void *, const struct store_entity *), void *ud);
  /* every entity, id/key/type/region only (attrs_json NULL): for the cache */
  int (*entities_scan)(struct store *st, int (*fn)(void *, const struct store_entity *), void *ud);
  int (*entities_set_rpos)(struct store *st, int64_t region, int64_t rpos);

  /* Asynchronous writes: 0 means queued, and done(ud, rc, result, err) is
   * then called exactly once, on the writer's thread, after the commit (or
   * the failure); recs must stay untouched until then. A non-zero return
   * (ZZ_EBUSY when the queue is full) means done is never called. */
  int (*records_write_async)(struct store *st, const struct store_record *recs, size_t n,
                             store_done_fn done, void *ud, struct zz_err *e);
  int (*events_write_async)(struct store *st, const struct store_event *evs, size_t n,
                            store_done_fn done, void *ud, struct zz_err *e);
  /* The records of an atomic body, spooled to the file fd as n struct
   * store_record (in runs sorted by store_records_sort): all written in one
   * transaction, so all or nothing, without holding them in memory. As
   * records_write_async; fd must stay open until done has run. The _file
   * variant without _async blocks until committed. A record refused for its
   * series' owner fails the whole job with ZZ_ECONFLICT (nothing stored),
   * and the result given to done still lists the refusals. */
  int (*records_write_file_async)(struct store *st, int fd, size_t n, store_done_fn done, void *ud,
                                  struct zz_err *e);
  int (*records_write_file)(struct store *st, int fd, size_t n, struct store_write_result *out,
                            struct zz_err *e);
  /* records and events: block until committed */
  int (*records_write)(struct store *st, const struct store_record *recs, size_t n,
                       struct store_write_result *out, struct zz_err *e);
  int (*events_write)(struct store *st, const struct store_event *evs, size_t n, struct zz_err *e);
  /* queue depth in records, for back-pressure */
  size_t (*write_queue_depth)(struct store *st);

  /* rollups: region node series and entity-level aggregates */
  int (*rollup_buckets)(struct store *st, int64_t metric, int64_t region, enum zz_grain g,
                        int64_t from, int64_t to, store_bucket_fn fn, void *ud);
  /* entity (series) aggregates over whole local days [from_day, to_day):
   * day, month and year rows combined; calls fn once per entity with data.
   * additive: the caller needs only n and sum, so a year-to-date range may
   * be read as the year row minus the rest of the year, and min, max and
   * last come back NaN. */
  int (*entity_aggs)(struct store *st, int64_t metric, int64_t rpos_lo, int64_t rpos_hi,
                     const char *type, int64_t from, int64_t to, int additive,
                     store_series_agg_fn fn, void *ud);
  int (*entity_buckets)(struct store *st, int64_t entity, int64_t metric, enum zz_grain g,
                        int64_t from, int64_t to, store_bucket_fn fn, void *ud);
  /* current value of every series of metric (or of every metric when 0) for
   * entities in the subtree/type; fn(ud, entity, metric, ts, value) */
  int (*latest_each)(struct store *st, int64_t metric, int64_t entity, int64_t rpos_lo,
                     int64_t rpos_hi, const char *type,
                     int (*fn)(void *, int64_t entity, int64_t metric, int64_t ts, double value),
                     void *ud);
  /* raw records of one series, ascending */
  int (*records_each)(struct store *st, int64_t entity, int64_t metric, int64_t from, int64_t to,
                      int limit, int (*fn)(void *, int64_t ts, double value), void *ud);
  int64_t (*records_count)(struct store *st);
  /* A number that changes whenever entities, regions or the set of series
   * change (not on new records): caches of entity data key on it. */
  int64_t (*catalog_version)(struct store *st);

  /* accounts */
  int (*user_upsert)(struct store *st, const struct store_user *u, int64_t *out_id,
                     struct zz_err *e);
  int (*user_get)(struct store *st, const char *name, int64_t id,
                  int (*fn)(void *, const struct store_user *), void *ud);
  int (*session_create)(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                        struct zz_err *e);
  int (*session_user)(struct store *st, const char *token_hash, int64_t now, int64_t *out_user);
  int (*session_delete)(struct store *st, const char *token_hash);
  /* Device cookies (login lockout exemption). device_check returns 0 when
   * token_hash is an unexpired device of the enabled user called name, else
   * ZZ_ENOTFOUND (or ZZ_ESTORE). device_create keeps only the user's
   * STORE_DEVICES_PER_USER newest devices. device_fail counts one wrong password sent
   * with it and deletes it at max_fails. A new password, disabling or
   * deleting the user deletes its devices (a trigger). */
  int (*device_create)(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                       struct zz_err *e);
  int (*device_check)(struct store *st, const char *token_hash, const char *name, int64_t now);
  int (*device_fail)(struct store *st, const char *token_hash, int max_fails);
  int (*device_delete)(struct store *st, const char *token_hash);
  /* Changes the user called name (what: STORE_USER_*; pwhash for
   * STORE_USER_PASSWORD). A new password, disabling and deleting end the
   * user's sessions in the same transaction (a trigger), as does
   * user_upsert when it replaces the hash. Returns 0, ZZ_ENOTFOUND or a
   * store error with e filled. */
  int (*user_change)(struct store *st, const char *name, int what, const char *pwhash,
                     struct zz_err *e);

  /* pack documents (the cockpit's dashboards.json): whole JSON texts by key */
  int (*doc_put)(struct store *st, const char *key, const char *json, struct zz_err *e);
  /* calls fn(ud, json) once when key exists; returns 0, ZZ_ENOTFOUND or ZZ_ESTORE */
  int (*doc_get)(struct store *st, const char *key, int (*fn)(void *ud, const char *json),
                 void *ud);

  /* Groups the calling thread's writes into one transaction (pack loads,
   * the public intake's group commit): what is STORE_TXN_BEGIN,
   * STORE_TXN_COMMIT or STORE_TXN_ROLLBACK. Inside an open transaction they
   * nest as savepoints, and the writes of the per-call stores (orders,
   * codes, catalog) join the open transaction the same way. */
  int (*txn)(struct store *st, int what, struct zz_err *e);

  /* maintenance */
  /* Drops rollup rows past their retention as seen at now (minute rows
   * older than 48 h, hour rows older than 400 days) and expired sessions.
   * The writer also runs it by itself every 10 minutes. */
  int (*prune)(struct store *st, int64_t now);
  int (*backup)(struct store *st, const char *path, void (*progress)(void *, int done, int total),
                void *ud, struct zz_err *e);
  void (*close)(struct store *st);

  /* matters, rules, alerts, orders, evidence, audit (store_orders.c) */
  const struct store_dispatch_ops *dispatch;
  /* codes, scans, receipts (store_codes.c) */
  const struct store_codes_ops *codes;
  /* Open311 request extras, applications, materials, decisions (store_catalog.c) */
  const struct store_catalog_ops *catalog;
};

struct store {
  const struct store_ops *ops;
};

/* The SQLite backend's tables (store_orders.c, store_codes.c, store_catalog.c). */
extern const struct store_dispatch_ops store_sqlite_dispatch_ops;
extern const struct store_codes_ops store_sqlite_codes_ops;
extern const struct store_catalog_ops store_sqlite_catalog_ops;

#endif
