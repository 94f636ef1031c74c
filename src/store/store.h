/* store.h - the storage interface. Every read and write of persistent state
 * goes through struct store_ops, so no SQL lives outside src/store/ and a
 * second backend (PostgreSQL) can sit behind the same table. Writes go to one
 * writer thread and are grouped into transactions; a write call returns only
 * after its data is committed (durable across kill -9). Reads use one
 * connection per calling thread. */
#ifndef ZZ_STORE_H
#define ZZ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ztime.h"
#include "core/zz.h"

struct store;
struct store_dispatch_ops;
struct store_codes_ops;
struct store_catalog_ops;

/* ---- registry rows (strings owned by the store's callback frame) ---- */
struct store_region {
  int64_t id;
  const char *path, *parent_path, *level, *name_zh, *name_en;
  const char *geometry; /* GeoJSON geometry text or NULL */
  double lon, lat;
  int approximate;
  int64_t lo, hi; /* DFS interval as last saved (read only; region_set_pos writes it) */
};
struct store_metric {
  int64_t id;
  const char *key, *name_zh, *name_en, *unit, *agg, *entity_type, *kind;
  int has_min, has_max; /* a valid range was declared (else the default bound applies) */
  double min, max;
};
struct store_named { /* entity types, departments: key + names + JSON extra */
  int64_t id;
  const char *key, *name_zh, *name_en, *extra_json;
};
struct store_source {
  int64_t id;
  const char *key, *name_zh, *name_en, *department, *kind, *metrics_json;
  /* JSON arrays of entity types and region paths it may write; NULL: any */
  const char *entity_types_json, *regions_json;
  int64_t records, last_seen;
};
struct store_entity {
  int64_t id;
  const char *key, *type, *name_zh, *name_en, *status;
  int64_t region;  /* region id */
  double lon, lat; /* NAN when unknown */
  const char *attrs_json;
  int64_t updated;
};
struct store_user {
  int64_t id;
  const char *name, *role, *department, *scope, *pwhash;
  int64_t created;
  int disabled; /* 1: may not log in, has no sessions */
};

/* user_change's what. */
#define STORE_DEVICES_PER_USER 20
enum { STORE_USER_PASSWORD = 1, STORE_USER_DISABLE, STORE_USER_ENABLE, STORE_USER_DELETE };

/* One record resolved to numeric ids, as queued to the writer. */
struct store_record {
  int64_t entity; /* entity id */
  int32_t metric; /* metric id */
  int32_t source; /* source id, 0 when unknown */
  int64_t ts;
  double value;
  int64_t line; /* the body's line, for a refusal; 0 when none */
};
struct store_event {
  int64_t entity;
  int32_t source;
  int64_t ts;
  const char *kind;
  const char *data_json;
};

/* Lines of refused records a result lists (the ingest report lists 100). */
#define STORE_REFUSED_MAX 100

/* What the writer reports about a committed batch. */
struct store_write_result {
  int64_t accepted; /* new records */
  int64_t replaced; /* records that replaced an existing (entity, metric, ts) */
  /* records refused because their series belongs to another source (the
   * first source that wrote it); the first STORE_REFUSED_MAX lines listed */
  int64_t refused;
  int nrefused_lines;
  int64_t refused_line[STORE_REFUSED_MAX];
};

/* ---- rollup reads ---- */
struct store_agg {
  int64_t n;
  double sum, min, max, last;
  int64_t last_ts;
};
/* Row callbacks return 0 to continue, non-zero to stop. */
typedef int (*store_bucket_fn)(void *ud, int64_t bucket, const struct store_agg *a);
typedef int (*store_series_agg_fn)(void *ud, int64_t entity, const struct store_agg *a);

/* Listing filters for entities. */
struct store_entity_filter {
  const char *type;         /* NULL for any */
  int64_t rpos_lo, rpos_hi; /* region subtree as a DFS interval; 0,0 for any */
  const char *attr_path;    /* "$.industry" or NULL */
  const char *attr_value;   /* compared as text */
  int64_t after_id;         /* cursor: ids greater than this */
  int limit;
};

/* Completion of an asynchronous write (see records_write_async). */
typedef void (*store_done_fn)(void *ud, int rc, const struct store_write_result *res,
                              const struct zz_err *e);

/* Committed-batch subscriber: engines (rules, streams) learn of new data. */
typedef void (*store_commit_fn)(void *ud, const struct store_record *recs, size_t n);

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

  /* early warning and dispatch (issue 4): store_dispatch.h */
  const struct store_dispatch_ops *dispatch;
  /* customer and enterprise codes, public intake (issue 5): store_codes.h */
  const struct store_codes_ops *codes;
  /* public intake: Open311 reports' extras (issue 5 part B): store_catalog.h */
  const struct store_catalog_ops *catalog;
};

enum { STORE_TXN_BEGIN = 1, STORE_TXN_COMMIT, STORE_TXN_ROLLBACK };

struct store {
  const struct store_ops *ops;
};

struct store_open_opts {
  const char *dir;           /* data directory; created if missing */
  size_t queue_records;      /* back-pressure threshold (default 4M records) */
  store_commit_fn on_commit; /* may be NULL */
  void *on_commit_ud;
  /* Admin commands (user add, token create) run beside a serving process:
   * no writer thread, no data-directory lock; records_write fails. */
  int no_writer;
  int synchronous_full; /* fsync the WAL on every commit (default: NORMAL + checkpoint fsync) */
  /* Committed events (issue 4: count rules over events), like on_commit; may be NULL. */
  void (*on_commit_events)(void *ud, const struct store_event *evs, size_t n);
};

/* Opens (creating and migrating) the SQLite store in opts->dir. Returns 0 and
 * *out, or a ZZ_E* code with e filled. Close with st->ops->close(st). */
int store_sqlite_open(const struct store_open_opts *opts, struct store **out, struct zz_err *e);

/* Sorts a batch by (entity, metric, ts), stably (of two records with the same
 * key the later stays later, so it still wins). Sorted batches insert far
 * faster; callers sort on their own threads. Returns 0 or ZZ_ENOMEM. */
int store_records_sort(struct store_record *recs, size_t n);

/* Copies the database of data directory dir to the file out with SQLite's
 * online backup, while a server may be writing; progress(ud, done, total) in
 * pages. Returns 0 or a ZZ_E* code with e filled. */
int store_sqlite_backup(const char *dir, const char *out, void (*progress)(void *, int, int),
                        void *ud, struct zz_err *e);

#endif
