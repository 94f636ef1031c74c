/* store_int.h - internals shared by the SQLite backend's files: the store
 * struct, per-thread read connections with cached statements, and the writer
 * thread's state. Nothing outside src/store/ includes this. */
#ifndef ZZ_STORE_INT_H
#define ZZ_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "core/buf.h"
#include "core/hash.h"
#include "rollup/fanout.h" /* the rollup fan-out and its accumulator */
#include "store/reclog.h"
#include "store/store_backend.h"

/* The series of a metric in a subtree (and of a type), as entity_aggs needs
 * them sorted by series id; valid while the store's series_version stands. */
struct sq_series_list {
  int64_t version, metric, lo, hi;
  char type[64]; /* "" for any */
  int64_t *series, *entity;
  size_t n;
};

#define SQ_SERIES_LISTS 8
/* Page caches (PRAGMA cache_size, negative: KiB): the writer's 256 MiB keeps
 * the hot pages of the rollup tables; each reader's 64 MiB. */
#define SQ_WRITER_CACHE "-262144"
#define SQ_READER_CACHE "-65536"

/* The statement cache of a read connection: every statement the store's
 * files run on it is kept prepared, found by its SQL text (hashed into one
 * of SQ_CACHE_SETS sets of SQ_CACHE_WAYS ways), since preparing took a
 * quarter of the CPU of a public report. A statement is lent by sq_prepare
 * and given back by sq_release; one asked for while lent (a query run inside
 * another's rows) is prepared afresh and finalized when given back. 256
 * ways hold the ~110 fixed statements and the lists' filter variants. */
#define SQ_CACHE_SETS 32
#define SQ_CACHE_WAYS 8
#define SQ_LENT_MAX 16 /* statements lent at once, nested; more get private copies */
struct sq_cached {
  uint64_t hash; /* of sql, compared first */
  char *sql;
  sqlite3_stmt *q;
  int busy; /* lent and not yet given back */
};

struct sq_conn {
  sqlite3 *db;
  struct sq_cached cache[SQ_CACHE_SETS][SQ_CACHE_WAYS];
  unsigned next_way;                   /* the next way to reuse when a set is full */
  struct sq_cached *lent[SQ_LENT_MAX]; /* what sq_release looks through */
  int nlent;
  int nested; /* savepoints sq_begin opened inside an open transaction */
  int outer;  /* sq_begin opened a transaction that sq_finish has not ended */
  int lost;   /* 0, or why SQLite rolled that transaction back on its own */
  struct sq_series_list lists[SQ_SERIES_LISTS]; /* a small cache, replaced round robin */
  unsigned next_list;
  struct sq_conn *next; /* in the store's list of open read connections */
};

/* Writer's view of a series: the in-memory cache that decides insert vs
 * replace without a look-up when a record is newer than the series' last. */
struct sq_series {
  int64_t id, entity;
  int32_t metric;
  int64_t region;  /* the entity's region id */
  int32_t source;  /* the source that owns it (first wrote it); 0: anyone */
  int64_t last_ts; /* committed */
  double last_value;
  int64_t pend_ts; /* within the open transaction (valid if pend_gen == gen) */
  double pend_value;
  uint64_t pend_gen;
  int persisted; /* the series row exists in the database */
  int touched;   /* last_ts changed in this transaction */
  int dirty;     /* its row's last value waits with the deferred rollups */
};

struct sq_store;

struct sq_job {
  int kind; /* SQ_JOB_RECORDS, SQ_JOB_EVENTS, SQ_JOB_PRUNE, SQ_JOB_CALL, SQ_JOB_RECORDS_FILE */
  const struct store_record *recs;
  int fd; /* SQ_JOB_RECORDS_FILE: n records spooled in this file */
  const struct store_event *evs;
  size_t n;
  struct store_write_result result;
  int rc;
  struct zz_err err;
  int done;
  int64_t now; /* SQ_JOB_PRUNE: the time retention is measured from (0: now) */
  /* SQ_JOB_CALL: fn runs on the writer in its transaction (store_rebuild.c) */
  int (*fn)(struct sq_store *s, void *ud, struct zz_err *e);
  void *fn_ud;
  store_done_fn done_cb; /* asynchronous jobs: called after the commit, then the job is freed */
  void *done_ud;
  struct sq_job *next;
};

struct sq_region {
  int64_t id, parent, lo, hi;
};

struct sq_store {
  struct store base;
  char *dir;
  char *path;
  int lock_fd; /* flock on DIR/zhizhi.lock while a writer runs */

  /* a read connection's commit left the WAL long: the writer checkpoints
   * when it is idle (store_writer.c) */
  atomic_int ckpt_wanted;
  struct store_open_opts opts;

  pthread_key_t conn_key;
  pthread_mutex_t conns_lock;
  struct sq_conn *conns;

  /* writer */
  pthread_t writer;
  int writer_started;
  pthread_mutex_t qlock;
  pthread_cond_t qcond; /* jobs queued or stop */
  pthread_cond_t dcond; /* a job finished */
  struct sq_job *qhead, *qtail;
  size_t qrecords;
  int stopping;
  sqlite3 *wdb;
  /* The writer's statements: a fixed set on its own connection, kept by
   * index (enum w_stmt in store_writer.c) rather than in a statement cache,
   * since they run once per record and a look-up by text would be paid on
   * the ingest path. */
  sqlite3_stmt *wstmt[32];
  uint64_t gen;

  /* writer-owned caches */
  struct zz_map series; /* (entity, metric) -> struct sq_series *, see store_writer.c */
  int64_t next_series_id;
  struct sq_region *regions; /* sorted by id */
  size_t nregions;
  atomic_int regions_version;
  int regions_loaded_version;
  struct sq_series **touched;
  size_t ntouched, touched_cap;
  struct rollup_acc leaf;      /* rollup_region_leaf keys (rollup/fanout.h) */
  struct rollup_acc sleaf;     /* rollup_series_leaf keys */
  struct rollup_acc wide;      /* expanded: (metric, node, grain, bucket) */
  struct rollup_acc swide;     /* expanded: (metric, grain, bucket, series) */
  struct rollup_cell **sorted; /* upsert_cells' cells in key order */
  size_t sorted_cap;
  int64_t *source_counts; /* records per source id in this transaction */
  size_t nsource_counts;
  /* Deferred rollups (store_writer.c): what committed transactions owe the
   * rollups, series rows, source and record counters while a flood keeps
   * the writer busy. Their records are in the log; the counter rows
   * rollup_gen/rollup_end say how far the rollups hold it, and a start
   * replays the rest (replay_log). */
  struct rollup_acc dleaf, dsleaf;
  struct sq_series **dirty;
  size_t ndirty, dirty_cap;
  int64_t *dsource_counts;
  size_t ndsource_counts;
  int64_t daccepted;
  double dabs;    /* the sum of the deferred leaf cells' |sum|: bounds every row's delta */
  int64_t dsince; /* monotonic ms of the oldest deferred commit; 0: nothing deferred */
  atomic_int writer_waiting; /* the writer waits for the write lock (writer_busy) */
  int64_t busy_since;        /* monotonic ms its wait began */
  int defer; /* 0: every transaction writes its own rollups (ZZ_ROLLUP_DEFER_MS=0) */
  int hold;  /* ZZ_TEST_ROLLUP_HOLD=1: only a start or another job writes them */
  int64_t defer_ms;
  int64_t last_prune;
  atomic_llong total_records;
  /* bumped when a series is created or an entity changes type or region:
   * read connections' cached series lists are stale then */
  atomic_llong series_version;
  int new_series; /* the open transaction created series (writer only) */

  /* the raw records (store/reclog.h), DIR/records/ */
  struct reclog *rl;

  /* records dropped by raw retention since open (store_retention.c) */
  atomic_llong records_pruned;
};

/* The SQLite store behind a struct store. */
#define SQ_S(x) ((struct sq_store *)(x))

/* Returns this thread's read connection (opening it on first use), or NULL. */
struct sq_conn *sq_conn_get(struct sq_store *s);
/* Opens a connection with zhizhi's pragmas. */
int sq_open_db(const char *path, int writer, int sync_full, sqlite3 **out, struct zz_err *e);
/* Turns a SQLite error into ZZ_ESTORE with e filled: ZZ_EEXISTS for
 * constraints, ZZ_EBUSY for locks, ZZ_EFULL for a full disk. */
int sq_fail(sqlite3 *db, int rc, struct zz_err *e, const char *what);
/* A statement for sql on c, ready to bind, from c's cache (see struct
 * sq_conn). Give it back with sq_release(c, q) on every path. NULL with e
 * filled and the error logged; c NULL (no connection) fails likewise. */
sqlite3_stmt *sq_prepare(struct sq_conn *c, const char *sql, struct zz_err *e);
/* Gives back a statement from sq_prepare: reset and unbound into the cache,
 * or finalized when it was a private copy. */
void sq_release(struct sq_conn *c, sqlite3_stmt *q);
/* Finalizes the statements cached on c (before c->db closes). */
void sq_cache_clear(struct sq_conn *c);
/* Bind text or NULL; an integer with 0 as NULL; a real with NaN as NULL. */
void sq_bind_text(sqlite3_stmt *q, int i, const char *s);
void sq_bind_i64z(sqlite3_stmt *q, int i, int64_t v);
void sq_bind_real(sqlite3_stmt *q, int i, double v);
/* Column text (NULL for NULL); column real (NaN for NULL). */
const char *sq_col_text(sqlite3_stmt *q, int i);
double sq_col_real(sqlite3_stmt *q, int i);
/* Steps q to its end (the first row's first column into *out_id when
 * given) and releases it: 0 or the store error. */
int sq_run(struct sq_conn *c, sqlite3_stmt *q, int64_t *out_id, struct zz_err *e, const char *what);
/* BEGIN IMMEDIATE on c; and COMMIT when rc is 0, else ROLLBACK (returns rc
 * or the commit's error). Inside a transaction already open on c (a group
 * commit, see workflow_intake) they open and release a savepoint instead,
 * so that one part can fail alone. An I/O error or a full disk inside a
 * savepoint can make SQLite roll the whole transaction back: then every
 * later sq_begin and the outer sq_finish of that transaction fail too (with
 * the first failure's code), so nothing runs outside it and nothing of it is
 * answered as committed. */
int sq_begin(struct sq_conn *c, struct zz_err *e);
int sq_finish(struct sq_conn *c, int rc, struct zz_err *e);

/* Hands a read connection's WAL growth to the writer thread, which
 * checkpoints between its own commits (no-op without a writer, which leaves
 * SQLite's automatic checkpoints to stores opened for admin commands). */
void sq_checkpoint_hook(struct sq_store *s, sqlite3 *db);

/* The SQLite backend's sub-tables, each filled by the file of its domain
 * (store_registry.c, store_records.c, ...); store_sqlite.c joins them. */
extern const struct store_registry_ops store_sqlite_registry_ops;
extern const struct store_records_ops store_sqlite_records_ops;
extern const struct store_accounts_ops store_sqlite_accounts_ops;
extern const struct store_orders_ops store_sqlite_orders_ops;
extern const struct store_alerts_ops store_sqlite_alerts_ops;
extern const struct store_catalog_ops store_sqlite_catalog_ops;
extern const struct store_codes_ops store_sqlite_codes_ops;
extern const struct store_applications_ops store_sqlite_applications_ops;
extern const struct store_cases_ops store_sqlite_cases_ops;
extern const struct store_audit_ops store_sqlite_audit_ops;
extern const struct store_mqtt_ops store_sqlite_mqtt_ops;
extern const struct store_notify_ops store_sqlite_notify_ops;
extern const struct store_usage_ops store_sqlite_usage_ops;
extern const struct store_campaigns_ops store_sqlite_campaigns_ops;
extern const struct store_inspections_ops store_sqlite_inspections_ops;

int sq_writer_start(struct sq_store *s, struct zz_err *e);
void sq_writer_stop(struct sq_store *s);
int sq_records_write(struct store *st, const struct store_record *recs, size_t n,
                     struct store_write_result *out, struct zz_err *e);
int sq_events_write(struct store *st, const struct store_event *evs, size_t n, struct zz_err *e);
int sq_records_write_file_async(struct store *st, int fd, size_t n, store_done_fn done, void *ud,
                                struct zz_err *e);
int sq_records_write_file(struct store *st, int fd, size_t n, struct store_write_result *out,
                          struct zz_err *e);
int sq_records_write_async(struct store *st, const struct store_record *recs, size_t n,
                           store_done_fn done, void *ud, struct zz_err *e);
int sq_events_write_async(struct store *st, const struct store_event *evs, size_t n,
                          store_done_fn done, void *ud, struct zz_err *e);
size_t sq_write_queue_depth(struct store *st);
int sq_writer_waiting(struct store *st);
/* Runs fn(s, ud, e) on the writer thread inside one writer transaction,
 * committed with the rollups fn added when it returns 0, rolled back
 * otherwise. Returns fn's result or the commit's error. */
int sq_writer_call(struct sq_store *s, int (*fn)(struct sq_store *, void *, struct zz_err *),
                   void *ud, struct zz_err *e);
/* On the writer, inside sq_writer_call: folds one record value of series
 * (metric, in region) into the pending rollups, as a new record would be.
 * Returns 0 or ZZ_ENOMEM. */
int sq_rollup_add(struct sq_store *s, int64_t series, int32_t metric, int64_t region, int64_t ts,
                  double v);
/* Pending rollup cells (leaf and series ones, for sq_rollup_flush to bound
 * memory). */
size_t sq_rollup_pending(struct sq_store *s);
/* Upserts the pending rollups into the open transaction and forgets them. */
int sq_rollup_flush(struct sq_store *s, struct zz_err *e);
int sq_migrate(sqlite3 *db, struct zz_err *e);
/* Raw retention (store_retention.c): store_records_prune's backend. */
int sq_records_prune(struct store *st, int64_t now, int64_t *dropped, struct zz_err *e);
/* Opens s->rl at the position the database has committed (db; a store
 * without a writer: as far as the rollups hold it), moving the
 * records of a store made before the engine out of its SQLite table first
 * (writer only). 0 or the error with e. */
int sq_reclog_open(struct sq_store *s, sqlite3 *db, struct zz_err *e);
/* Where db says the records log stands (1, 0 when it says nothing): a
 * SQLite result code. */
int sq_reclog_pos_get(sqlite3 *db, struct reclog_pos *out);
/* The same, and how far the rollups hold the log (applied, may be NULL;
 * where the log stands when the database notes nothing). */
int sq_reclog_pos_get2(sqlite3 *db, struct reclog_pos *committed, struct reclog_pos *applied);
/* The records engine, opened on first use by a store without a writer;
 * NULL (logged) when it cannot be opened. */
struct reclog *sq_records_get(struct sq_store *s);

int sq_prune(struct store *st, int64_t now);

#endif
