/* store_writer.c - the single writer thread. Callers queue jobs (record and
 * event batches) and wait; the writer takes every queued job into one
 * transaction (group commit), stages records in the records engine
 * (reclog.h), folds them into rollup deltas, upserts one row per touched
 * bucket (or keeps them for a later transaction while a flood queues more
 * work: "deferred rollups" below), writes the records to the engine's log
 * and where it ends into the transaction, commits, then wakes the callers.
 * A caller's 2xx therefore means its records are on disk and its rollups
 * are, or will be rebuilt from the log if the process dies first; a
 * transaction that fails anywhere (a job, the rollups, the COMMIT) fails
 * every job in it: nothing is answered that is not stored. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/metrics.h"
#include "store/store_int.h"

enum { SQ_JOB_RECORDS = 1, SQ_JOB_EVENTS, SQ_JOB_PRUNE, SQ_JOB_CALL, SQ_JOB_RECORDS_FILE };

/* Records read at a time from a spooled file (2 MiB). */
#define SQ_FILE_CHUNK 65536
/* The writer's page cache for a spooled file job (16 MiB), see run_records_file. */
#define SQ_FILE_CACHE "-16384"

enum w_stmt {
  W_SERIES_INS,
  W_ROLLUP_UP,
  W_SROLLUP_UP,
  W_ROLLUP_UP_QUIET,
  W_SROLLUP_UP_QUIET,
  W_SERIES_LAST,
  W_SOURCE_CNT,
  W_COUNTER,
  W_EVENT_INS,
  W_RC_SERIES,
  W_RC_FROM_ROLLUP,
  W_RC_SET,
  W_SRC_FROM_FINER,
  W_SRC_SET,
  W_PRUNE,
  W_SESSION_PRUNE,
  W_DEVICE_PRUNE,
  W_ENTITY_REGION,
  W_RECLOG_POS,
  W_ROLLUP_POS,
  W_COUNT
};

/* A rollup row's upsert. The RETURNING form (the new sum, checked to be
 * finite) costs SQLite an ephemeral table per run, about a seventh of the
 * writer's time on a mixed load; it is only needed when the delta can carry
 * a finite sum past the range of a double: below 1e290 it cannot (the
 * largest double's spacing is about 2e292, so adding less rounds back). */
#define ROLLUP_UPSERT                                                                              \
  "INSERT INTO rollup(metric, node, grain, bucket, n, sum, min, max, last, last_ts)"               \
  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO UPDATE SET"                     \
  " n = n + excluded.n, sum = sum + excluded.sum, min = min(min, excluded.min),"                   \
  " max = max(max, excluded.max), last = CASE WHEN excluded.last_ts >= last_ts"                    \
  " THEN excluded.last ELSE last END, last_ts = max(last_ts, excluded.last_ts)"
#define SROLLUP_UPSERT                                                                             \
  "INSERT INTO srollup(metric, grain, bucket, series, n, sum, min, max, last, last_ts)"            \
  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO UPDATE SET"                     \
  " n = n + excluded.n, sum = sum + excluded.sum, min = min(min, excluded.min),"                   \
  " max = max(max, excluded.max), last = CASE WHEN excluded.last_ts >= last_ts"                    \
  " THEN excluded.last ELSE last END, last_ts = max(last_ts, excluded.last_ts)"
#define ROLLUP_SUM_SAFE 1e290

static const char *const w_sql[W_COUNT] = {
    [W_SERIES_INS] =
        "INSERT OR IGNORE INTO series(id, entity, metric, source) VALUES(?1, ?2, ?3, ?4)",
    [W_ROLLUP_UP] = ROLLUP_UPSERT " RETURNING sum",
    [W_SROLLUP_UP] = SROLLUP_UPSERT " RETURNING sum",
    [W_ROLLUP_UP_QUIET] = ROLLUP_UPSERT,
    [W_SROLLUP_UP_QUIET] = SROLLUP_UPSERT,
    [W_SERIES_LAST] = "UPDATE series SET last_ts = ?2, last_value = ?3 WHERE id = ?1",
    [W_SOURCE_CNT] = "UPDATE source SET records = records + ?2, last_seen = ?3 WHERE id = ?1",
    [W_COUNTER] = "UPDATE counter SET n = n + ?1 WHERE key = 'records'",
    [W_EVENT_INS] = "INSERT INTO event(ts, entity, source, kind, data) VALUES(?1, ?2, ?3, ?4, ?5)",
    [W_RC_SERIES] = "SELECT s.id FROM series s JOIN entity e ON e.id = s.entity"
                    " WHERE s.metric = ?1 AND e.rpos BETWEEN ?2 AND ?3",
    [W_RC_FROM_ROLLUP] = "SELECT min(min), max(max) FROM rollup WHERE metric = ?1 AND node = ?2"
                         " AND grain = ?3 AND bucket >= ?4 AND bucket < ?5",
    [W_RC_SET] = "UPDATE rollup SET min = ?5, max = ?6 WHERE metric = ?1 AND node = ?2"
                 " AND grain = ?3 AND bucket = ?4",
    [W_SRC_FROM_FINER] = "SELECT min(min), max(max) FROM srollup WHERE series = ?1 AND grain = ?4"
                         " AND bucket >= ?2 AND bucket < ?3",
    [W_SRC_SET] = "UPDATE srollup SET min = ?5, max = ?6 WHERE metric = ?1 AND grain = ?2"
                  " AND bucket = ?3 AND series = ?4",
    [W_PRUNE] = "DELETE FROM rollup WHERE metric = ?1 AND node = ?2 AND grain = ?3 AND bucket < ?4",
    [W_SESSION_PRUNE] = "DELETE FROM session WHERE expires < ?1",
    [W_DEVICE_PRUNE] = "DELETE FROM device WHERE expires < ?1",
    [W_ENTITY_REGION] = "SELECT region FROM entity WHERE id = ?1",
    [W_RECLOG_POS] = "UPDATE counter SET n = CASE key WHEN 'reclog_gen' THEN ?1 ELSE ?2 END"
                     " WHERE key IN ('reclog_gen', 'reclog_end')",
    [W_ROLLUP_POS] = "UPDATE counter SET n = CASE key WHEN 'rollup_gen' THEN ?1 ELSE ?2 END"
                     " WHERE key IN ('rollup_gen', 'rollup_end')",
};

/* The writer's wait for SQLite's write lock, held for a moment at a time
 * by another connection of this process (a rule's alert and its order, a
 * citizen's report). SQLite's own wait sleeps longer and longer (up to
 * 100 ms a try), and a stream of small transactions - an alert storm -
 * could keep the writer out for seconds while records queue behind it. So
 * it tries again every 100 us, and says it waits (store_writer_waiting)
 * so that such a stream lets it in. Gives up after 10 s, as the other
 * connections' busy timeout does. */
static int64_t mono_ms(void);
static int writer_busy(void *ud, int count) {
  struct sq_store *s = ud;
  if (count == 0) s->busy_since = mono_ms();
  if (mono_ms() - s->busy_since > 10000) {
    atomic_store(&s->writer_waiting, 0);
    return 0;
  }
  atomic_store(&s->writer_waiting, 1);
  usleep(100);
  return 1;
}

/* BEGIN IMMEDIATE on the writer's connection: a SQLite result code. */
static int begin(struct sq_store *s) {
  int rc = sqlite3_exec(s->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  atomic_store(&s->writer_waiting, 0);
  return rc;
}

int sq_writer_waiting(struct store *st) {
  return atomic_load(&SQ_S(st)->writer_waiting);
}

/* The writer's statements live on the store (s->wstmt), prepared on first use. */

/* The writer's statements belong to its connection; a process opens one store
 * at a time in practice, but tests open several in turn, so they are
 * prepared per writer start and finalized at stop. */
static sqlite3_stmt *ws(struct sq_store *s, enum w_stmt id) {
  sqlite3_stmt *st = s->wstmt[id];
  if (!st) {
    if (sqlite3_prepare_v3(s->wdb, w_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
        SQLITE_OK) {
      zz_error("store: writer prepare: %s", sqlite3_errmsg(s->wdb));
      return NULL;
    }
    s->wstmt[id] = st;
  }
  sqlite3_reset(st);
  return st;
}

/* SQLite rolls the whole transaction back by itself after an I/O error or
 * a full disk in a statement; a statement run after that would commit on
 * its own. Every write of the writer checks first that its transaction is
 * still open: ZZ_ESTORE when it is gone. */
static int txn_gone(struct sq_store *s, struct zz_err *e) {
  if (!sqlite3_get_autocommit(s->wdb)) return 0;
  return zz_fail(e, ZZ_ESTORE, "store",
                 "the store failed and rolled the transaction back; nothing of this request was "
                 "stored");
}

static int w_exec(struct sq_store *s, sqlite3_stmt *st) {
  if (!st) return ZZ_ESTORE;
  if (txn_gone(s, NULL)) return ZZ_ESTORE;
  int rc = sqlite3_step(st);
  while (rc == SQLITE_ROW) rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(s->wdb, rc, NULL, "write");
}

/* ---- region map ---- */

static int cmp_region(const void *a, const void *b) {
  int64_t x = ((const struct sq_region *)a)->id, y = ((const struct sq_region *)b)->id;
  return x < y ? -1 : x > y;
}

static int regions_load(struct sq_store *s) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->wdb, "SELECT id, coalesce(parent, 0), lo, hi FROM region", -1, &st,
                         NULL) != SQLITE_OK)
    return ZZ_ESTORE;
  size_t n = 0, cap = 64;
  struct sq_region *r = zz_malloc(cap * sizeof *r);
  if (!r) {
    sqlite3_finalize(st);
    return ZZ_ENOMEM;
  }
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == cap) {
      struct sq_region *p = zz_realloc(r, cap * 2 * sizeof *r);
      if (!p) {
        zz_free(r);
        sqlite3_finalize(st);
        return ZZ_ENOMEM;
      }
      r = p;
      cap *= 2;
    }
    r[n++] = (struct sq_region){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                                sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
  }
  sqlite3_finalize(st);
  if (step != SQLITE_DONE) { /* a read error: keep the old map, fail the caller */
    zz_free(r);
    return sq_fail(s->wdb, step, NULL, "regions");
  }
  qsort(r, n, sizeof *r, cmp_region);
  zz_free(s->regions);
  s->regions = r;
  s->nregions = n;
  return 0;
}

static const struct sq_region *region_find(struct sq_store *s, int64_t id) {
  struct sq_region key = {.id = id};
  return bsearch(&key, s->regions, s->nregions, sizeof key, cmp_region);
}

/* ---- series cache: the core map on (entity, metric) ---- */

/* An entry of s->series; the series is held by pointer, which stays put
 * while the map grows (s->touched keeps such pointers). */
struct series_ent {
  int64_t entity, metric; /* the key */
  struct sq_series *se;   /* owned */
};

static void series_ent_free(void *p) {
  zz_free(((struct series_ent *)p)->se);
}

static struct sq_series *series_find(struct sq_store *s, int64_t entity, int32_t metric) {
  const struct series_ent *x = zz_map_get(&s->series, (int64_t[2]){entity, metric});
  return x ? x->se : NULL;
}

static struct sq_series *series_add(struct sq_store *s, int64_t id, int64_t entity, int32_t metric,
                                    int64_t region) {
  struct sq_series *se = zz_calloc(1, sizeof *se);
  if (!se) return NULL;
  struct series_ent *x = zz_map_put(&s->series, (int64_t[2]){entity, metric}, NULL);
  if (!x) {
    zz_free(se);
    return NULL;
  }
  zz_free(x->se); /* none: series_get adds only what series_find missed */
  x->se = se;
  se->id = id;
  se->entity = entity;
  se->metric = metric;
  se->region = region;
  se->last_ts = INT64_MIN;
  if (id >= s->next_series_id) s->next_series_id = id + 1;
  return se;
}

static int series_load(struct sq_store *s) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(
          s->wdb,
          "SELECT s.id, s.entity, s.metric, coalesce(s.last_ts, -9223372036854775807),"
          " coalesce(s.last_value, 0), e.region, coalesce(s.source, 0) FROM series s"
          " JOIN entity e ON e.id = s.entity",
          -1, &st, NULL) != SQLITE_OK)
    return ZZ_ESTORE;
  int r = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    struct sq_series *se =
        series_add(s, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                   (int32_t)sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 5));
    if (!se) {
      r = ZZ_ENOMEM;
      break;
    }
    se->last_ts = sqlite3_column_int64(st, 3);
    se->last_value = sqlite3_column_double(st, 4);
    se->source = (int32_t)sqlite3_column_int64(st, 6);
    se->persisted = 1;
  }
  sqlite3_finalize(st);
  if (!s->next_series_id) s->next_series_id = 1;
  return r;
}

/* Returns the series for (entity, metric), creating its row in the open
 * transaction when new, owned by source (0: by nobody); NULL with e filled
 * on failure. */
static struct sq_series *series_get(struct sq_store *s, int64_t entity, int32_t metric,
                                    int32_t source, struct zz_err *e) {
  struct sq_series *se = series_find(s, entity, metric);
  if (!se) {
    sqlite3_stmt *st = ws(s, W_ENTITY_REGION);
    if (!st) return zz_fail(e, ZZ_ESTORE, "entity", "cannot prepare"), NULL;
    sqlite3_bind_int64(st, 1, entity);
    int64_t region = -1;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) region = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) return sq_fail(s->wdb, step, e, "entity"), NULL;
    if (region < 0)
      return zz_fail(e, ZZ_ENOTFOUND, "entity", "entity %lld does not exist", (long long)entity),
             NULL;
    se = series_add(s, s->next_series_id, entity, metric, region);
    if (!se) return zz_fail(e, ZZ_ENOMEM, "series", "out of memory"), NULL;
  }
  if (!se->persisted && se->pend_gen != s->gen) {
    /* created in this transaction (again, after a rollback): by this source */
    se->source = source > 0 ? source : 0;
    sqlite3_stmt *st = ws(s, W_SERIES_INS);
    sqlite3_bind_int64(st, 1, se->id);
    sqlite3_bind_int64(st, 2, se->entity);
    sqlite3_bind_int64(st, 3, se->metric);
    if (se->source > 0)
      sqlite3_bind_int(st, 4, se->source);
    else
      sqlite3_bind_null(st, 4);
    if (w_exec(s, st)) return zz_fail(e, ZZ_ESTORE, "series", "cannot create series"), NULL;
    s->new_series = 1;
    se->pend_gen = s->gen;
    se->pend_ts = INT64_MIN;
    se->touched = 0;
  }
  return se;
}

static int touch(struct sq_store *s, struct sq_series *se) {
  if (se->touched) return 0;
  if (s->ntouched == s->touched_cap) {
    size_t cap = s->touched_cap ? s->touched_cap * 2 : 1024;
    struct sq_series **p = zz_realloc(s->touched, cap * sizeof *p);
    if (!p) return ZZ_ENOMEM;
    s->touched = p;
    s->touched_cap = cap;
  }
  s->touched[s->ntouched++] = se;
  se->touched = 1;
  return 0;
}

static int count_source(struct sq_store *s, int32_t source) {
  if (source <= 0) return 0;
  if ((size_t)source >= s->nsource_counts) {
    size_t n = (size_t)source + 16;
    int64_t *p = zz_realloc(s->source_counts, n * sizeof *p);
    if (!p) return ZZ_ENOMEM;
    memset(p + s->nsource_counts, 0, (n - s->nsource_counts) * sizeof *p);
    s->source_counts = p;
    s->nsource_counts = n;
  }
  s->source_counts[source]++;
  return 0;
}

/* ---- one records job ---- */

/* Folds one record of series se into the open transaction: staged in the
 * engine, the series' pending last value, the rollup leaf cells. A record
 * newer than the series' last cannot exist yet: a new one. An older one is
 * looked up (the engine's columns, then its sealed blocks) and, when it
 * exists, replaces it (*replaced 1). The live path and the replay of the
 * log at start (replay_log) both come through here, so they agree. */
static int fold(struct sq_store *s, struct sq_series *se, int64_t ts, double value, int *replaced) {
  if (se->pend_gen != s->gen) {
    se->pend_gen = s->gen;
    se->pend_ts = se->last_ts;
    se->pend_value = se->last_value;
  }
  double old = 0;
  *replaced = ts <= se->pend_ts ? reclog_find(s->rl, (uint32_t)se->id, ts, &old) : 0;
  if (reclog_stage(s->rl, (uint32_t)se->id, ts, value)) return ZZ_ENOMEM;
  if (ts >= se->pend_ts) {
    se->pend_ts = ts;
    se->pend_value = value;
  }
  int rc = touch(s, se);
  if (rc) return rc;
  struct rollup_key lk = rollup_region_leaf(se->metric, se->region, ts);
  struct rollup_key sk = rollup_series_leaf(se->metric, se->id, ts);
  if (*replaced) {
    rc = rollup_acc_replace(&s->leaf, &lk, ts, old, value);
    if (!rc) rc = rollup_acc_replace(&s->sleaf, &sk, ts, old, value);
  } else {
    rc = rollup_acc_add(&s->leaf, &lk, ts, value);
    if (!rc) rc = rollup_acc_add(&s->sleaf, &sk, ts, value);
  }
  return rc;
}

static int run_records(struct sq_store *s, struct sq_job *j) {
  struct zz_err *e = &j->err;
  j->result = (struct store_write_result){0};
  for (size_t i = 0; i < j->n; i++) {
    const struct store_record *r = &j->recs[i];
    if (txn_gone(s, e)) return e->code;
    struct sq_series *se = series_get(s, r->entity, r->metric, r->source, e);
    if (!se) return e->code;
    /* A series belongs to the source that first wrote it: another source
     * neither adds to it nor replaces its records. */
    if (se->source > 0 && r->source > 0 && se->source != r->source) {
      if (j->result.nrefused_lines < STORE_REFUSED_MAX)
        j->result.refused_line[j->result.nrefused_lines++] = r->line;
      j->result.refused++;
      continue;
    }
    int replaced = 0;
    int rc = fold(s, se, r->ts, r->value, &replaced);
    if (!rc) rc = count_source(s, r->source);
    if (rc) return zz_fail(e, rc, "record", "out of memory");
    if (replaced)
      j->result.replaced++;
    else
      j->result.accepted++;
  }
  return 0;
}

/* Reads records [from, from + n) of a spooled file into buf. */
static int read_spooled(int fd, struct store_record *buf, size_t from, size_t n) {
  char *p = (char *)buf;
  size_t want = n * sizeof *buf;
  off_t off = (off_t)(from * sizeof *buf);
  while (want > 0) {
    ssize_t k = pread(fd, p, want, off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return ZZ_EIO;
    p += k;
    off += k;
    want -= (size_t)k;
  }
  return 0;
}

/* An atomic body's records, chunk by chunk, inside the open transaction. */
static int run_records_file(struct sq_store *s, struct sq_job *j) {
  struct store_record *buf = zz_malloc(SQ_FILE_CHUNK * sizeof *buf);
  if (!buf) return zz_fail(&j->err, ZZ_ENOMEM, "records", "out of memory");
  struct sq_job part = {.kind = SQ_JOB_RECORDS, .recs = buf};
  struct store_write_result *res = &j->result;
  int rc = 0;
  *res = (struct store_write_result){0};
  /* An atomic body is one transaction of millions of records: every page it
   * dirties would stay in the writer's 256 MiB cache until the commit. With
   * a small cache SQLite spills dirty pages to the WAL as it goes, so the
   * server's memory stays flat however large the body (bench/spool.sh). */
  sqlite3_exec(s->wdb, "PRAGMA cache_size=" SQ_FILE_CACHE, NULL, NULL, NULL);
  for (size_t at = 0; at < j->n && !rc; at += part.n) {
    part.n = ZZ_MIN((size_t)SQ_FILE_CHUNK, j->n - at);
    if ((rc = read_spooled(j->fd, buf, at, part.n))) {
      zz_fail(&j->err, rc, "records", "cannot read the spooled records");
    } else if ((rc = run_records(s, &part))) {
      j->err = part.err;
    } else {
      res->accepted += part.result.accepted;
      res->replaced += part.result.replaced;
      res->refused += part.result.refused;
      for (int k = 0; k < part.result.nrefused_lines && res->nrefused_lines < STORE_REFUSED_MAX;
           k++)
        res->refused_line[res->nrefused_lines++] = part.result.refused_line[k];
    }
  }
  zz_free(buf);
  sqlite3_exec(s->wdb, "PRAGMA cache_size=" SQ_WRITER_CACHE, NULL, NULL, NULL);
  /* all or nothing: one refused record undoes the job */
  if (!rc && res->refused)
    rc = zz_fail(&j->err, ZZ_ECONFLICT, "records",
                 "%lld records belong to series of another source", (long long)res->refused);
  return rc;
}

/* Tells the commit subscriber about the records of a committed job that
 * were stored: the refused ones (another source's series) are left out. */
static void notify_records(struct sq_store *s, const struct store_record *recs, size_t n,
                           int64_t refused) {
  if (!refused) {
    s->opts.on_commit(s->opts.on_commit_ud, recs, n);
    return;
  }
  struct store_record *kept = zz_malloc((n ? n : 1) * sizeof *kept);
  if (!kept) {
    zz_warn("store: out of memory: %zu committed records not passed to the rules", n);
    return;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const struct sq_series *se = series_find(s, recs[i].entity, recs[i].metric);
    if (se && (se->source <= 0 || recs[i].source <= 0 || se->source == recs[i].source))
      kept[k++] = recs[i];
  }
  if (k) s->opts.on_commit(s->opts.on_commit_ud, kept, k);
  zz_free(kept);
}

/* Tells the commit subscriber about a committed file job, chunk by chunk:
 * only its last SQ_FILE_NOTIFY records. A bulk body hands over millions at
 * once, more than the rules engine queues (it drops what is past its queue,
 * which would keep the oldest); the newest are what rules judge the present
 * by, and the queue stays small. */
#define SQ_FILE_NOTIFY (4 * SQ_FILE_CHUNK)
static void notify_file(struct sq_store *s, struct sq_job *j) {
  struct store_record *buf = zz_malloc(SQ_FILE_CHUNK * sizeof *buf);
  if (!buf) {
    zz_warn("store: out of memory: %zu committed records not passed to the rules", j->n);
    return;
  }
  size_t from = j->n > SQ_FILE_NOTIFY ? j->n - SQ_FILE_NOTIFY : 0;
  for (size_t at = from, n; at < j->n; at += n) {
    n = ZZ_MIN((size_t)SQ_FILE_CHUNK, j->n - at);
    if (read_spooled(j->fd, buf, at, n)) {
      zz_warn("store: cannot reread spooled records for the rules");
      break;
    }
    s->opts.on_commit(s->opts.on_commit_ud, buf, n);
  }
  zz_free(buf);
}

static int run_events(struct sq_store *s, struct sq_job *j) {
  for (size_t i = 0; i < j->n; i++) {
    const struct store_event *ev = &j->evs[i];
    if (txn_gone(s, &j->err)) return j->err.code;
    sqlite3_stmt *st = ws(s, W_EVENT_INS);
    sqlite3_bind_int64(st, 1, ev->ts);
    sqlite3_bind_int64(st, 2, ev->entity);
    if (ev->source > 0)
      sqlite3_bind_int(st, 3, ev->source);
    else
      sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, ev->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, ev->data_json ? ev->data_json : "{}", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return sq_fail(s->wdb, rc, &j->err, "event");
    if (count_source(s, ev->source)) return zz_fail(&j->err, ZZ_ENOMEM, "event", "out of memory");
  }
  j->result.accepted = (int64_t)j->n;
  return 0;
}

/* ---- flushing rollups at the end of a transaction ---- */

/* Adds each leaf cell of the transaction to the rollup rows it goes into
 * (rollup/fanout.h decides which: the region and its ancestors, grains,
 * retention), so that every row gets one upsert per transaction. */
static int expand(struct sq_store *s, int64_t now) {
  rollup_acc_clear(&s->wide);
  rollup_acc_clear(&s->swide);
  struct rollup_key keys[ROLLUP_REGION_KEYS_MAX];
  for (size_t i = 0; i < rollup_acc_cap(&s->leaf); i++) {
    struct rollup_cell *c = rollup_acc_at(&s->leaf, i);
    if (!c) continue;
    int64_t path[ROLLUP_DEPTH_MAX];
    size_t depth = 0;
    for (int64_t node = c->key.b; node && depth < ROLLUP_DEPTH_MAX; depth++) {
      path[depth] = node;
      const struct sq_region *rg = region_find(s, node);
      node = rg ? rg->parent : 0;
    }
    size_t n = rollup_region_keys(c->key.a, path, depth, c->key.c, now, keys);
    for (size_t k = 0; k < n; k++)
      if (rollup_acc_merge(&s->wide, &keys[k], c)) return ZZ_ENOMEM;
  }
  for (size_t i = 0; i < rollup_acc_cap(&s->sleaf); i++) {
    struct rollup_cell *c = rollup_acc_at(&s->sleaf, i);
    if (!c) continue;
    size_t n = rollup_series_keys(c->key.a, c->key.b, c->key.c, keys);
    for (size_t k = 0; k < n; k++)
      if (rollup_acc_merge(&s->swide, &keys[k], c)) return ZZ_ENOMEM;
  }
  return 0;
}

/* Refuses a rollup sum that is not a finite double, naming the metric. */
static int sum_overflow(struct sq_store *s, struct zz_err *e, int64_t metric) {
  char key[64] = "";
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(s->wdb, "SELECT key FROM metric WHERE id = ?1", -1, &q, NULL) ==
      SQLITE_OK) {
    sqlite3_bind_int64(q, 1, metric);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
      zz_strlcpy(key, (const char *)sqlite3_column_text(q, 0), sizeof key);
  }
  sqlite3_finalize(q);
  if (!key[0]) snprintf(key, sizeof key, "%lld", (long long)metric);
  return zz_fail(e, ZZ_EINVAL, "value",
                 "the values of metric \"%s\" would carry a rollup sum past the range of a "
                 "double (about 1.8e308): nothing of this write was stored",
                 key);
}

/* Orders rollup cells by key (a, b, c, d). */
static int cmp_cell(const void *a, const void *b) {
  const struct rollup_key *x = &(*(struct rollup_cell *const *)a)->key;
  const struct rollup_key *y = &(*(struct rollup_cell *const *)b)->key;
  if (x->a != y->a) return x->a < y->a ? -1 : 1;
  if (x->b != y->b) return x->b < y->b ? -1 : 1;
  if (x->c != y->c) return x->c < y->c ? -1 : 1;
  return x->d < y->d ? -1 : x->d > y->d;
}

/* Upserts every cell of acc. A rollup row never holds a non-finite number:
 * a delta that overflowed in memory, or a stored sum that the delta would
 * carry past DBL_MAX (RETURNING shows the new sum), fails the transaction
 * with ZZ_EINVAL, and the writer's retry-alone pass then refuses only the
 * batch that did it. Refusing keeps the rollups equal to the records they
 * summarise; a saturated sum would be a wrong number that looks right.
 * The cells are written in key order, the order of the rollup and srollup
 * primary keys (rollup_region_keys / rollup_series_keys build them so):
 * one B-tree walk from left to right instead of a jump per row, which is
 * what a bulk load's many fresh rows cost most. */
static int upsert_cells(struct sq_store *s, struct rollup_acc *acc, enum w_stmt which,
                        struct zz_err *e) {
  size_t n = 0, len = rollup_acc_len(acc);
  if (len > s->sorted_cap) {
    struct rollup_cell **p = zz_realloc(s->sorted, len * sizeof *p);
    if (!p) return zz_fail(e, ZZ_ENOMEM, "rollup", "out of memory");
    s->sorted = p;
    s->sorted_cap = len;
  }
  for (size_t i = 0; i < rollup_acc_cap(acc) && n < len; i++) {
    struct rollup_cell *c = rollup_acc_at(acc, i);
    if (c) s->sorted[n++] = c;
  }
  if (n > 1) qsort(s->sorted, n, sizeof *s->sorted, cmp_cell);
  for (size_t i = 0; i < n; i++) {
    struct rollup_cell *c = s->sorted[i];
    if (!isfinite(c->sum) || !isfinite(c->min) || !isfinite(c->max) || !isfinite(c->last))
      return sum_overflow(s, e, c->key.a);
    if (txn_gone(s, e)) return ZZ_ESTORE;
    int check = !(fabs(c->sum) < ROLLUP_SUM_SAFE);
    sqlite3_stmt *st =
        ws(s, check ? which : (which == W_ROLLUP_UP ? W_ROLLUP_UP_QUIET : W_SROLLUP_UP_QUIET));
    if (!st) return zz_fail(e, ZZ_ESTORE, "rollup", "cannot prepare the rollup write");
    sqlite3_bind_int64(st, 1, c->key.a);
    sqlite3_bind_int64(st, 2, c->key.b);
    sqlite3_bind_int64(st, 3, c->key.c);
    sqlite3_bind_int64(st, 4, c->key.d);
    sqlite3_bind_int64(st, 5, c->n);
    sqlite3_bind_double(st, 6, c->sum);
    sqlite3_bind_double(st, 7, c->min);
    sqlite3_bind_double(st, 8, c->max);
    sqlite3_bind_double(st, 9, c->last);
    sqlite3_bind_int64(st, 10, c->last_ts);
    int rc = sqlite3_step(st);
    double sum = rc == SQLITE_ROW ? sqlite3_column_double(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != (check ? SQLITE_ROW : SQLITE_DONE)) return sq_fail(s->wdb, rc, e, "rollup");
    if (!isfinite(sum)) return sum_overflow(s, e, c->key.a);
  }
  return 0;
}

/* Reads (min, max) from a prepared statement with its bindings set. */
static int read_minmax(struct sq_store *s, sqlite3_stmt *st, double *mn, double *mx) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *mn = sqlite3_column_double(st, 0);
    *mx = sqlite3_column_double(st, 1);
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW ? 0 : sq_fail(s->wdb, rc, NULL, "rollup");
}

/* Min and max of metric's records over [from, to) in region rg's subtree,
 * from the records engine, series by series (the transaction's own staged
 * records included). Nothing there gives 0, 0 as SQLite's min() of nothing
 * read as a double did. */
static int region_minmax(struct sq_store *s, int64_t metric, const struct sq_region *rg,
                         int64_t from, int64_t to, double *mn, double *mx) {
  sqlite3_stmt *st = ws(s, W_RC_SERIES);
  if (!st) return ZZ_ESTORE;
  sqlite3_bind_int64(st, 1, metric);
  sqlite3_bind_int64(st, 2, rg->lo);
  sqlite3_bind_int64(st, 3, rg->hi);
  int64_t seen = 0;
  int rc;
  *mn = *mx = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t n = 0;
    double a = 0, z = 0;
    if (reclog_minmax(s->rl, (uint32_t)sqlite3_column_int64(st, 0), from, to, &n, &a, &z)) {
      sqlite3_reset(st);
      return ZZ_ESTORE;
    }
    if (!n) continue;
    if (!seen || a < *mn) *mn = a;
    if (!seen || z > *mx) *mx = z;
    seen += n;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(s->wdb, rc, NULL, "rollup");
}

/* A replaced value may have been a bucket's min or max: recompute those
 * buckets, finer grains first so coarser ones can read them. */
static int recompute(struct sq_store *s, int64_t now) {
  for (int g = ZZ_GRAIN_MINUTE; g <= ZZ_GRAIN_MONTH; g++) {
    for (size_t i = 0; i < rollup_acc_cap(&s->wide); i++) {
      struct rollup_cell *c = rollup_acc_at(&s->wide, i);
      if (!c || !c->recompute || c->key.c != g) continue;
      int64_t b = c->key.d, end = zz_bucket_next(b, (enum zz_grain)g);
      const struct sq_region *rg = region_find(s, c->key.b);
      if (!rg) continue;
      sqlite3_stmt *st;
      int from_rollup =
          g == ZZ_GRAIN_MONTH || (g == ZZ_GRAIN_DAY && b >= now - ROLLUP_KEEP_HOUR_MS);
      double mn = 0, mx = 0;
      int rc;
      if (from_rollup) {
        st = ws(s, W_RC_FROM_ROLLUP);
        sqlite3_bind_int64(st, 1, c->key.a);
        sqlite3_bind_int64(st, 2, c->key.b);
        sqlite3_bind_int(st, 3, g - 1);
        sqlite3_bind_int64(st, 4, b);
        sqlite3_bind_int64(st, 5, end);
        rc = read_minmax(s, st, &mn, &mx);
      } else {
        rc = region_minmax(s, c->key.a, rg, b, end, &mn, &mx);
      }
      if (rc) return rc;
      st = ws(s, W_RC_SET);
      sqlite3_bind_int64(st, 1, c->key.a);
      sqlite3_bind_int64(st, 2, c->key.b);
      sqlite3_bind_int(st, 3, g);
      sqlite3_bind_int64(st, 4, b);
      sqlite3_bind_double(st, 5, mn);
      sqlite3_bind_double(st, 6, mx);
      if ((rc = w_exec(s, st))) return rc;
    }
  }
  for (int g = ZZ_GRAIN_DAY; g <= ZZ_GRAIN_YEAR; g++) {
    for (size_t i = 0; i < rollup_acc_cap(&s->swide); i++) {
      struct rollup_cell *c = rollup_acc_at(&s->swide, i);
      if (!c || !c->recompute || c->key.b != g) continue;
      int64_t b = c->key.c, end = zz_bucket_next(b, (enum zz_grain)g);
      /* days from records, months from days, years from months */
      double mn = 0, mx = 0;
      int rc;
      if (g == ZZ_GRAIN_DAY) {
        int64_t n = 0;
        if (reclog_minmax(s->rl, (uint32_t)c->key.d, b, end, &n, &mn, &mx)) return ZZ_ESTORE;
      } else {
        sqlite3_stmt *st = ws(s, W_SRC_FROM_FINER);
        sqlite3_bind_int64(st, 1, c->key.d);
        sqlite3_bind_int64(st, 2, b);
        sqlite3_bind_int64(st, 3, end);
        sqlite3_bind_int(st, 4, g - 1);
        if ((rc = read_minmax(s, st, &mn, &mx))) return rc;
      }
      sqlite3_stmt *st = ws(s, W_SRC_SET);
      sqlite3_bind_int64(st, 1, c->key.a);
      sqlite3_bind_int(st, 2, g);
      sqlite3_bind_int64(st, 3, b);
      sqlite3_bind_int64(st, 4, c->key.d);
      sqlite3_bind_double(st, 5, mn);
      sqlite3_bind_double(st, 6, mx);
      if ((rc = w_exec(s, st))) return rc;
    }
  }
  return 0;
}

/* Writes the transaction's rollups, series and counters. Returns 0 or the
 * error, with e filled when it is the caller's to see. */
static int flush(struct sq_store *s, int64_t accepted, struct zz_err *e) {
  int64_t now = zz_time_now();
  int rc = expand(s, now);
  if (!rc) rc = upsert_cells(s, &s->wide, W_ROLLUP_UP, e);
  if (!rc) rc = upsert_cells(s, &s->swide, W_SROLLUP_UP, e);
  if (!rc) rc = recompute(s, now);
  for (size_t i = 0; !rc && i < s->ntouched; i++) {
    struct sq_series *se = s->touched[i];
    sqlite3_stmt *st = ws(s, W_SERIES_LAST);
    sqlite3_bind_int64(st, 1, se->id);
    sqlite3_bind_int64(st, 2, se->pend_ts);
    sqlite3_bind_double(st, 3, se->pend_value);
    rc = w_exec(s, st);
  }
  for (size_t i = 0; !rc && i < s->nsource_counts; i++) {
    if (!s->source_counts[i]) continue;
    sqlite3_stmt *st = ws(s, W_SOURCE_CNT);
    sqlite3_bind_int64(st, 1, (int64_t)i);
    sqlite3_bind_int64(st, 2, s->source_counts[i]);
    sqlite3_bind_int64(st, 3, now);
    rc = w_exec(s, st);
  }
  if (!rc && accepted) {
    sqlite3_stmt *st = ws(s, W_COUNTER);
    sqlite3_bind_int64(st, 1, accepted);
    rc = w_exec(s, st);
  }
  return rc;
}

/* ---- rollups written by a job of its own (store_rebuild.c) ---- */

int sq_rollup_add(struct sq_store *s, int64_t series, int32_t metric, int64_t region, int64_t ts,
                  double v) {
  /* history folds under coarser leaves, fanned out at the next flush (what
   * the moments between may cost: rollup_leaf_bucket) */
  struct rollup_key lk = rollup_region_leaf(metric, region, ts);
  lk.c = rollup_leaf_bucket(ts, zz_time_now());
  struct rollup_key sk = rollup_series_leaf(metric, series, ts);
  int rc = rollup_acc_add(&s->leaf, &lk, ts, v);
  return rc ? rc : rollup_acc_add(&s->sleaf, &sk, ts, v);
}

size_t sq_rollup_pending(struct sq_store *s) {
  return rollup_acc_len(&s->leaf) + rollup_acc_len(&s->sleaf);
}

int sq_rollup_flush(struct sq_store *s, struct zz_err *e) {
  int rc = expand(s, zz_time_now());
  if (rc) return zz_fail(e, rc, "rollup", "out of memory");
  if ((rc = upsert_cells(s, &s->wide, W_ROLLUP_UP, e)) ||
      (rc = upsert_cells(s, &s->swide, W_SROLLUP_UP, e)))
    return rc;
  rollup_acc_clear(&s->leaf);
  rollup_acc_clear(&s->sleaf);
  rollup_acc_clear(&s->wide);
  rollup_acc_clear(&s->swide);
  return 0;
}

/* Forgets everything the transaction did to the in-memory state. */
static void txn_reset(struct sq_store *s) {
  for (size_t i = 0; i < s->ntouched; i++) s->touched[i]->touched = 0;
  s->ntouched = 0;
  rollup_acc_clear(&s->leaf);
  rollup_acc_clear(&s->sleaf);
  if (s->source_counts) memset(s->source_counts, 0, s->nsource_counts * sizeof *s->source_counts);
  s->gen++; /* pending series values of this generation are now ignored */
  s->new_series = 0;
}

static void txn_applied(struct sq_store *s) {
  for (size_t i = 0; i < s->ntouched; i++) {
    struct sq_series *se = s->touched[i];
    se->last_ts = se->pend_ts;
    se->last_value = se->pend_value;
  }
  /* every series used in this generation now has its row */
  for (size_t i = 0; i < s->ntouched; i++) s->touched[i]->persisted = 1;
  if (s->new_series) atomic_fetch_add(&s->series_version, 1);
  s->new_series = 0;
}

/* ---- deferred rollups ----
 *
 * Under a flood the rollup rows (one upsert per touched bucket and series
 * per transaction) are most of the writer's time, and transactions after
 * each other touch the same rows. So while more work waits in the queue, a
 * committed transaction's rollups, series last values and counters are
 * kept in memory (dleaf, dsleaf, dirty, ...) and written together by a
 * later transaction: as soon as the queue is empty, after SQ_DEFER_MS at
 * most, before a call job (a rebuild may read or rewrite them), before the
 * log starts a new generation, and at stop. The records
 * themselves are in the log, committed before the answer, so nothing
 * acknowledged hangs on memory: the counter rows rollup_gen/rollup_end,
 * written with the rollups, say how far they hold the log, and the next
 * start folds the frames past that in again (replay_log), each as it first
 * came in. A quiet writer (the queue empty at its commit) writes each
 * transaction's rollups in that transaction, as before. */
#define SQ_DEFER_MS 200
/* bounds that keep writing the deferred rows always possible: every row's
 * delta below ROLLUP_SUM_SAFE (so no sum can overflow), and memory */
#define SQ_DEFER_ABS_MAX 1e289
#define SQ_DEFER_CELLS_MAX 1000000

static int64_t mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int deferred(const struct sq_store *s) {
  return s->dsince != 0;
}

static int queue_idle(struct sq_store *s) {
  pthread_mutex_lock(&s->qlock);
  int idle = !s->qhead;
  pthread_mutex_unlock(&s->qlock);
  return idle;
}

/* The sum of the open transaction's leaf cells' |sum| (INFINITY when one
 * is not finite): no row's delta can be larger. */
static double leaf_abs(struct sq_store *s) {
  double t = 0;
  for (size_t i = 0; i < rollup_acc_cap(&s->leaf); i++) {
    struct rollup_cell *c = rollup_acc_at(&s->leaf, i);
    if (!c) continue;
    if (!isfinite(c->sum) || !isfinite(c->min) || !isfinite(c->max) || !isfinite(c->last))
      return INFINITY;
    t += fabs(c->sum);
  }
  return t;
}

/* Room in the deferred state for the open transaction's, so that keeping
 * it after the commit cannot run out of memory. 0 or ZZ_ENOMEM. */
static int defer_reserve(struct sq_store *s) {
  if (zz_map_reserve(&s->dleaf.cells, rollup_acc_len(&s->dleaf) + rollup_acc_len(&s->leaf)) ||
      zz_map_reserve(&s->dsleaf.cells, rollup_acc_len(&s->dsleaf) + rollup_acc_len(&s->sleaf)))
    return ZZ_ENOMEM;
  if (s->ndirty + s->ntouched > s->dirty_cap &&
      zz_grow(&s->dirty, &s->dirty_cap, s->ndirty + s->ntouched - 1, sizeof *s->dirty, 1024))
    return ZZ_ENOMEM;
  if (s->ndsource_counts < s->nsource_counts) {
    int64_t *p = zz_realloc(s->dsource_counts, s->nsource_counts * sizeof *p);
    if (!p) return ZZ_ENOMEM;
    memset(p + s->ndsource_counts, 0, (s->nsource_counts - s->ndsource_counts) * sizeof *p);
    s->dsource_counts = p;
    s->ndsource_counts = s->nsource_counts;
  }
  return 0;
}

/* After a commit that did not write its rollups: they join the deferred
 * ones (room was made by defer_reserve). */
static void defer_keep(struct sq_store *s, int64_t accepted, double abs_sum) {
  int lost = 0;
  for (size_t i = 0; i < rollup_acc_cap(&s->leaf); i++) {
    struct rollup_cell *c = rollup_acc_at(&s->leaf, i);
    if (c) lost |= rollup_acc_merge(&s->dleaf, &c->key, c);
  }
  for (size_t i = 0; i < rollup_acc_cap(&s->sleaf); i++) {
    struct rollup_cell *c = rollup_acc_at(&s->sleaf, i);
    if (c) lost |= rollup_acc_merge(&s->dsleaf, &c->key, c);
  }
  if (lost) zz_error("store: out of memory keeping deferred rollups; restart to rebuild them");
  for (size_t i = 0; i < s->ntouched; i++) {
    struct sq_series *se = s->touched[i];
    if (se->dirty || s->ndirty == s->dirty_cap) continue;
    se->dirty = 1;
    s->dirty[s->ndirty++] = se;
  }
  for (size_t i = 0; i < s->nsource_counts && i < s->ndsource_counts; i++)
    s->dsource_counts[i] += s->source_counts[i];
  s->daccepted += accepted;
  s->dabs += abs_sum;
  if (!s->dsince) s->dsince = mono_ms();
}

/* Folds the deferred state into the open transaction's, whose flush then
 * writes both. A copy: the deferred state stays until the commit holds it.
 * Returns the records it counts, or -1 (out of memory). */
static int64_t defer_take(struct sq_store *s) {
  for (size_t i = 0; i < rollup_acc_cap(&s->dleaf); i++) {
    struct rollup_cell *c = rollup_acc_at(&s->dleaf, i);
    if (c && rollup_acc_merge(&s->leaf, &c->key, c)) return -1;
  }
  for (size_t i = 0; i < rollup_acc_cap(&s->dsleaf); i++) {
    struct rollup_cell *c = rollup_acc_at(&s->dsleaf, i);
    if (c && rollup_acc_merge(&s->sleaf, &c->key, c)) return -1;
  }
  for (size_t i = 0; i < s->ndirty; i++) {
    struct sq_series *se = s->dirty[i];
    if (se->pend_gen != s->gen) { /* not written to in this transaction */
      se->pend_gen = s->gen;
      se->pend_ts = se->last_ts;
      se->pend_value = se->last_value;
    }
    if (touch(s, se)) return -1;
  }
  for (size_t i = 1; i < s->ndsource_counts; i++) {
    if (!s->dsource_counts[i]) continue;
    if (count_source(s, (int32_t)i)) return -1; /* makes room; counts one */
    s->source_counts[i] += s->dsource_counts[i] - 1;
  }
  return s->daccepted;
}

/* After the commit that wrote them: nothing is deferred. */
static void defer_clear(struct sq_store *s) {
  rollup_acc_clear(&s->dleaf);
  rollup_acc_clear(&s->dsleaf);
  for (size_t i = 0; i < s->ndirty; i++) s->dirty[i]->dirty = 0;
  s->ndirty = 0;
  if (s->dsource_counts)
    memset(s->dsource_counts, 0, s->ndsource_counts * sizeof *s->dsource_counts);
  s->daccepted = 0;
  s->dabs = 0;
  s->dsince = 0;
}

static int put_pos_as(struct sq_store *s, enum w_stmt which, const struct reclog_pos *pos);

/* Ends a transaction of the writer's own that brings the rollups up to the
 * log's committed end (rc: how it went so far): writes them (counted
 * records for the counter), notes the position, commits; on a failure rolls
 * back and forgets the transaction's state. 0 or the error with e. */
static int commit_rollups(struct sq_store *s, int64_t counted, int rc, struct zz_err *e) {
  if (!rc && (rc = flush(s, counted, e)) && !e->msg[0])
    zz_fail(e, rc, "rollup", "the rollups could not be written: %s", sqlite3_errmsg(s->wdb));
  struct reclog_pos pos = reclog_position(s->rl);
  if (!rc && (rc = put_pos_as(s, W_ROLLUP_POS, &pos)))
    zz_fail(e, rc, "store", "cannot note how far the rollups hold the records log");
  if (!rc && (rc = sqlite3_exec(s->wdb, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
    rc = sq_fail(s->wdb, rc, e, "commit");
  if (rc) {
    sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
    txn_reset(s);
    return rc;
  }
  txn_applied(s);
  txn_reset(s);
  return 0;
}

/* Writes the deferred rollups in a transaction of their own. 0 or the
 * error with e (they stay deferred). */
static int apply_txn(struct sq_store *s, struct zz_err *e) {
  if (!deferred(s)) return 0;
  int rc = begin(s);
  if (rc != SQLITE_OK) return sq_fail(s->wdb, rc, e, "begin");
  int64_t counted = defer_take(s);
  rc = counted < 0 ? zz_fail(e, ZZ_ENOMEM, "rollup", "out of memory") : 0;
  if ((rc = commit_rollups(s, counted, rc, e))) return rc;
  defer_clear(s);
  return 0;
}

static int prune(struct sq_store *s, int64_t now) {
  sqlite3_stmt *m = NULL;
  if (sqlite3_prepare_v2(s->wdb, "SELECT id FROM metric", -1, &m, NULL) != SQLITE_OK)
    return ZZ_ESTORE;
  int rc = 0;
  while (!rc && sqlite3_step(m) == SQLITE_ROW) {
    int64_t metric = sqlite3_column_int64(m, 0);
    for (size_t i = 0; !rc && i < s->nregions; i++) {
      for (int g = ZZ_GRAIN_MINUTE; !rc && g <= ZZ_GRAIN_HOUR; g++) {
        sqlite3_stmt *st = ws(s, W_PRUNE);
        sqlite3_bind_int64(st, 1, metric);
        sqlite3_bind_int64(st, 2, s->regions[i].id);
        sqlite3_bind_int(st, 3, g);
        sqlite3_bind_int64(
            st, 4, now - (g == ZZ_GRAIN_MINUTE ? ROLLUP_KEEP_MINUTE_MS : ROLLUP_KEEP_HOUR_MS));
        rc = w_exec(s, st);
      }
    }
  }
  sqlite3_finalize(m);
  if (!rc) {
    sqlite3_stmt *st = ws(s, W_SESSION_PRUNE);
    sqlite3_bind_int64(st, 1, now);
    rc = w_exec(s, st);
  }
  if (!rc) {
    sqlite3_stmt *st = ws(s, W_DEVICE_PRUNE);
    sqlite3_bind_int64(st, 1, now);
    rc = w_exec(s, st);
  }
  return rc;
}

static int run_job(struct sq_store *s, struct sq_job *j) {
  switch (j->kind) {
  case SQ_JOB_RECORDS:
    return run_records(s, j);
  case SQ_JOB_RECORDS_FILE:
    return run_records_file(s, j);
  case SQ_JOB_EVENTS:
    return run_events(s, j);
  case SQ_JOB_PRUNE:
    return prune(s, j->now ? j->now : zz_time_now());
  case SQ_JOB_CALL:
    return j->fn(s, j->fn_ud, &j->err);
  }
  return ZZ_EINTERNAL;
}

/* Notes in the open transaction where the records log ends (W_RECLOG_POS)
 * or how far the rollups hold it (W_ROLLUP_POS). */
static int put_pos_as(struct sq_store *s, enum w_stmt which, const struct reclog_pos *pos) {
  sqlite3_stmt *st = ws(s, which);
  if (!st) return ZZ_ESTORE;
  sqlite3_bind_int64(st, 1, pos->gen);
  sqlite3_bind_int64(st, 2, pos->end);
  return w_exec(s, st);
}

static int put_pos(struct sq_store *s, const struct reclog_pos *pos) {
  return put_pos_as(s, W_RECLOG_POS, pos);
}

/* reclog_rotate's commit: the new generation's start, in a transaction of
 * its own between the writer's others. Nothing is deferred then (the
 * writer applies first), so the rollups hold the new start too. */
static int rotate_commit(void *ud, const struct reclog_pos *pos) {
  struct sq_store *s = ud;
  if (begin(s) != SQLITE_OK) return ZZ_ESTORE;
  int rc = put_pos(s, pos);
  if (!rc) rc = put_pos_as(s, W_ROLLUP_POS, pos);
  if (!rc && sqlite3_exec(s->wdb, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = ZZ_ESTORE;
  if (rc) sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

/* Runs jobs [head, stop) in one transaction. Returns 0 when committed,
 * else the failure, which every job of the transaction then carries (its
 * own when it failed itself): none of them is stored. */
static int run_txn_timed(struct sq_store *s, struct sq_job *head, struct sq_job *stop) {
  /* a call (a rebuild, a pack's entities moved) may read or rewrite the
   * rollups: they are brought up to date first, or it does not run. Events
   * and the pruning of old minute and hour rows do not touch what is
   * deferred (a deferred cell past the minute rows' age is not written). */
  int others = 0;
  for (struct sq_job *j = head; j != stop; j = j->next) others |= j->kind == SQ_JOB_CALL;
  if (others && deferred(s)) {
    struct zz_err ae = {0};
    int arc = apply_txn(s, &ae);
    if (arc) {
      for (struct sq_job *j = head; j != stop; j = j->next) {
        j->result = (struct store_write_result){0};
        j->rc = arc;
        j->err = ae;
      }
      return arc;
    }
  }
  int rc = begin(s);
  if (rc != SQLITE_OK) {
    int code = 0;
    for (struct sq_job *j = head; j != stop; j = j->next)
      code = j->rc = sq_fail(s->wdb, rc, &j->err, "begin");
    return code ? code : ZZ_ESTORE;
  }
  /* Reload the region tree inside the transaction: a pack load bumps the
   * version before its own commit, and only after our BEGIN is its commit
   * sure to be visible. */
  int64_t accepted = 0;
  int failed = 0;
  struct zz_err terr = {0}; /* what the jobs that did not fail themselves are told */
  if (atomic_load(&s->regions_version) != s->regions_loaded_version) {
    int version = atomic_load(&s->regions_version);
    if ((failed = regions_load(s)))
      zz_fail(&terr, failed, "store", "cannot read the region tree");
    else
      s->regions_loaded_version = version;
  }
  for (struct sq_job *j = head; j != stop; j = j->next) {
    j->rc = 0;
    memset(&j->err, 0, sizeof j->err);
  }
  for (struct sq_job *j = head; j != stop && !failed; j = j->next) {
    j->rc = run_job(s, j);
    if (j->rc) {
      failed = j->rc;
      /* a store-wide failure (full disk, I/O) is everyone's; a job's own
       * error is not, and the others are retried alone */
      if (j->rc == ZZ_EFULL || j->rc == ZZ_ESTORE || j->rc == ZZ_EBUSY)
        terr = j->err;
      else
        zz_fail(&terr, ZZ_ESTORE, "store", "another batch of the same commit failed");
    }
    if (j->kind == SQ_JOB_RECORDS || j->kind == SQ_JOB_RECORDS_FILE) accepted += j->result.accepted;
  }
  /* This transaction writes the rollups (its own and any deferred) unless
   * more work is queued and the deferred ones are young, small and far
   * from any overflow (see "deferred rollups"). */
  double tabs = 0;
  int apply = 1;
  if (!failed && s->defer && !others) {
    tabs = leaf_abs(s);
    apply = (!s->hold &&
             (queue_idle(s) || (deferred(s) && mono_ms() - s->dsince >= s->defer_ms) ||
              rollup_acc_len(&s->dleaf) + rollup_acc_len(&s->dsleaf) > SQ_DEFER_CELLS_MAX)) ||
            !(s->dabs + tabs < SQ_DEFER_ABS_MAX) || defer_reserve(s) != 0;
  }
  int64_t counted = accepted;
  if (!failed && apply && deferred(s)) {
    int64_t d = defer_take(s);
    if (d < 0)
      failed = zz_fail(&terr, ZZ_ENOMEM, "rollup", "out of memory");
    else
      counted += d;
  }
  if (!failed && apply && (failed = flush(s, counted, &terr)) && !terr.msg[0])
    zz_fail(&terr, failed, "rollup", "the rollups could not be written: %s",
            sqlite3_errmsg(s->wdb));
  if (!failed) failed = txn_gone(s, &terr);
  /* The records go to the engine's log before the COMMIT, which holds
   * where the log ends: a crash between the two leaves frames past the
   * committed end, which the next open cuts off (never acknowledged). */
  if (!failed) {
    struct reclog_pos pos = reclog_position(s->rl);
    if (reclog_staged(s->rl) && !(failed = reclog_flush(s->rl, &pos, &terr)) &&
        (failed = put_pos(s, &pos)))
      zz_fail(&terr, failed, "store", "cannot note where the records log ends: %s",
              sqlite3_errmsg(s->wdb));
    if (!failed && apply && (failed = put_pos_as(s, W_ROLLUP_POS, &pos)))
      zz_fail(&terr, failed, "store", "cannot note how far the rollups hold the records log");
  }
  if (!failed && (rc = sqlite3_exec(s->wdb, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
    failed = sq_fail(s->wdb, rc, &terr, "commit");
  if (failed) {
    sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
    reclog_abort(s->rl);
    txn_reset(s);
    if (!terr.code) terr.code = failed;
    for (struct sq_job *j = head; j != stop; j = j->next) {
      /* nothing was stored; a job that failed by itself keeps its refused
       * lines, which say why (an atomic body with another source's record) */
      j->result.accepted = j->result.replaced = 0;
      if (!j->rc) j->result = (struct store_write_result){0};
      if (!j->rc) {
        j->rc = terr.code;
        j->err = terr;
      }
    }
    return terr.code;
  }
  int seal_due = reclog_commit(s->rl);
  txn_applied(s);
  if (apply)
    defer_clear(s);
  else
    defer_keep(s, accepted, tabs);
  atomic_fetch_add(&s->total_records, accepted);
  for (struct sq_job *j = head; j != stop; j = j->next)
    if (j->kind == SQ_JOB_RECORDS && s->opts.on_commit)
      notify_records(s, j->recs, j->n, j->result.refused);
    else if (j->kind == SQ_JOB_RECORDS_FILE && s->opts.on_commit)
      notify_file(s, j);
    else if (j->kind == SQ_JOB_EVENTS && s->opts.on_commit_events)
      s->opts.on_commit_events(s->opts.on_commit_ud, j->evs, j->n);
  txn_reset(s);
  if (seal_due) {
    /* a new generation starts with nothing deferred (rotate_commit) */
    struct zz_err re = {0};
    if (deferred(s) && apply_txn(s, &re))
      zz_warn("store: the deferred rollups could not be written (%s); the records log starts "
              "its next generation after the next commit",
              re.msg);
    else if (reclog_rotate(s->rl, rotate_commit, s, &re))
      zz_warn("store: the records log could not start a new generation (%s); it grows on "
              "and is retried after the next commit",
              re.msg);
  }
  return 0;
}

/* run_txn_timed, its duration noted for /metrics (core/metrics.h). */
static int run_txn(struct sq_store *s, struct sq_job *head, struct sq_job *stop) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = run_txn_timed(s, head, stop);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  zz_metrics_commit((int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000,
                    rc == 0);
  return rc;
}

/* WAL checkpoints. The writer's own connection keeps SQLite's automatic
 * checkpoint, run after its commits. A read connection's commit (orders,
 * codes, a public report's group commit) would run it inside its COMMIT,
 * and a crowd of citizens would wait a quarter of a second on a large
 * database; so it only tells the writer, which checkpoints when idle. (A
 * checkpoint thread beside the writer made ingest faster, but under a flood
 * of records the WAL then grew without end: a passive checkpoint finishes
 * only while no one appends.) */
#define SQ_CHECKPOINT_PAGES 1000

static int on_wal(void *ud, sqlite3 *db, const char *name, int pages) {
  (void)db, (void)name;
  struct sq_store *s = ud;
  if (pages >= SQ_CHECKPOINT_PAGES && !atomic_exchange(&s->ckpt_wanted, 1)) {
    pthread_mutex_lock(&s->qlock);
    pthread_cond_signal(&s->qcond);
    pthread_mutex_unlock(&s->qlock);
  }
  return SQLITE_OK;
}

void sq_checkpoint_hook(struct sq_store *s, sqlite3 *db) {
  if (s->writer_started) sqlite3_wal_hook(db, on_wal, s); /* replaces the automatic one */
}

static void *writer_main(void *arg) {
  struct sq_store *s = arg;
  pthread_setname_np(pthread_self(), "zz-writer");
  int64_t warned = 0;
  int apply_failed = 0; /* the last write of deferred rollups failed: wait before the next */
  for (;;) {
    pthread_mutex_lock(&s->qlock);
    while (!s->qhead && !s->stopping && !atomic_load(&s->ckpt_wanted) &&
           !(deferred(s) && !apply_failed && !s->hold)) {
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      /* deferred rollups left by a write that failed are tried again soon */
      if (deferred(s)) {
        until.tv_nsec += s->defer_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
      } else {
        until.tv_sec += 5;
      }
      pthread_cond_timedwait(&s->qcond, &s->qlock, &until);
      if (!s->qhead && !s->stopping && deferred(s) && !s->hold) break;
      if (!s->qhead && !s->stopping && zz_time_now() - s->last_prune > 10 * ZZ_MINUTE_MS) break;
    }
    struct sq_job *head = s->qhead;
    s->qhead = s->qtail = NULL;
    int stopping = s->stopping;
    pthread_mutex_unlock(&s->qlock);
    if (!head && deferred(s) && !s->hold) {
      /* the queue ran dry (or the writer stops): the rollups catch up; if
       * that fails the records are still in the log, and a start replays
       * them */
      struct zz_err ae = {0};
      apply_failed = apply_txn(s, &ae) != 0;
      if (apply_failed && mono_ms() - warned > 60000) {
        warned = mono_ms();
        zz_warn("store: the deferred rollups could not be written (%s); retrying", ae.msg);
      }
      if (!stopping) continue;
    }
    if (!head) {
      if (stopping) break;
      if (atomic_exchange(&s->ckpt_wanted, 0)) {
        int log = 0, done = 0;
        int rc = sqlite3_wal_checkpoint_v2(s->wdb, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
          zz_warn("store: checkpoint failed: %s", sqlite3_errmsg(s->wdb));
        continue;
      }
      struct sq_job pj = {.kind = SQ_JOB_PRUNE};
      s->last_prune = zz_time_now();
      if (run_txn(s, &pj, NULL)) zz_warn("store: pruning old rollups failed: %s", pj.err.msg);
      continue;
    }
    int trc = run_txn(s, head, NULL);
    apply_failed = 0;
    if (trc && trc != ZZ_EFULL && head->next) {
      /* One bad job must not sink the others: retry each on its own (but
       * not on a full disk, where every one of them would fail again). */
      for (struct sq_job *j = head; j; j = j->next) {
        struct sq_job *next = j->next;
        j->next = NULL;
        run_txn(s, j, NULL);
        j->next = next;
      }
    }
    /* A synchronous job lives on its waiter's stack and may vanish as soon
     * as it is marked done, so asynchronous ones are unlinked first. */
    struct sq_job *async = NULL, *next;
    pthread_mutex_lock(&s->qlock);
    for (struct sq_job *j = head; j; j = next) {
      next = j->next;
      if (j->kind == SQ_JOB_RECORDS) s->qrecords -= j->n;
      if (j->rc && !j->err.msg[0])
        zz_fail(&j->err, j->rc, "store", "the store could not commit the batch");
      if (j->done_cb) {
        j->next = async;
        async = j;
      } else {
        j->done = 1;
      }
    }
    pthread_cond_broadcast(&s->dcond);
    pthread_mutex_unlock(&s->qlock);
    for (struct sq_job *j = async; j; j = next) {
      next = j->next;
      j->done_cb(j->done_ud, j->rc, &j->result, &j->err);
      zz_free(j);
    }
    /* (the loop's top writes deferred rollups once the queue is empty) */
  }
  return NULL;
}

static int submit(struct sq_store *s, struct sq_job *j, struct zz_err *e) {
  size_t cap = s->opts.queue_records ? s->opts.queue_records : 4u << 20;
  pthread_mutex_lock(&s->qlock);
  if (s->stopping) {
    pthread_mutex_unlock(&s->qlock);
    return zz_fail(e, ZZ_EBUSY, "store", "the store is shutting down");
  }
  if (j->kind == SQ_JOB_RECORDS && s->qrecords > 0 && s->qrecords + j->n > cap) {
    pthread_mutex_unlock(&s->qlock);
    return zz_fail(e, ZZ_EBUSY, "store", "the write queue is full (%zu records waiting)",
                   s->qrecords);
  }
  if (j->kind == SQ_JOB_RECORDS) s->qrecords += j->n;
  if (s->qtail)
    s->qtail->next = j;
  else
    s->qhead = j;
  s->qtail = j;
  pthread_cond_signal(&s->qcond);
  if (j->done_cb) { /* asynchronous: the writer calls back and frees j */
    pthread_mutex_unlock(&s->qlock);
    return 0;
  }
  while (!j->done) pthread_cond_wait(&s->dcond, &s->qlock);
  pthread_mutex_unlock(&s->qlock);
  if (j->rc && e) *e = j->err;
  return j->rc;
}

/* Queues a heap copy of the job description for the writer. */
static int submit_async(struct sq_store *s, int kind, const struct store_record *recs,
                        const struct store_event *evs, size_t n, store_done_fn done, void *ud,
                        struct zz_err *e) {
  if (!s->writer_started)
    return zz_fail(e, ZZ_EINVAL, "store", "this store was opened without a writer");
  struct sq_job *j = zz_calloc(1, sizeof *j);
  if (!j) return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  *j = (struct sq_job){
      .kind = kind, .recs = recs, .evs = evs, .n = n, .done_cb = done, .done_ud = ud};
  int rc = submit(s, j, e);
  if (rc) zz_free(j); /* refused: the callback will never run */
  return rc;
}

int sq_records_write_async(struct store *st, const struct store_record *recs, size_t n,
                           store_done_fn done, void *ud, struct zz_err *e) {
  return submit_async((struct sq_store *)st, SQ_JOB_RECORDS, recs, NULL, n, done, ud, e);
}

int sq_records_write_file_async(struct store *st, int fd, size_t n, store_done_fn done, void *ud,
                                struct zz_err *e) {
  struct sq_store *s = (struct sq_store *)st;
  if (!s->writer_started)
    return zz_fail(e, ZZ_EINVAL, "store", "this store was opened without a writer");
  struct sq_job *j = zz_calloc(1, sizeof *j);
  if (!j) return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  *j = (struct sq_job){
      .kind = SQ_JOB_RECORDS_FILE, .fd = fd, .n = n, .done_cb = done, .done_ud = ud};
  int rc = submit(s, j, e);
  if (rc) zz_free(j);
  return rc;
}

int sq_records_write_file(struct store *st, int fd, size_t n, struct store_write_result *out,
                          struct zz_err *e) {
  struct sq_job j = {.kind = SQ_JOB_RECORDS_FILE, .fd = fd, .n = n};
  if (!((struct sq_store *)st)->writer_started)
    return zz_fail(e, ZZ_EINVAL, "store", "this store was opened without a writer");
  int rc = submit((struct sq_store *)st, &j, e);
  if (out) *out = j.result; /* refusals too, with ZZ_ECONFLICT */
  return rc;
}

int sq_events_write_async(struct store *st, const struct store_event *evs, size_t n,
                          store_done_fn done, void *ud, struct zz_err *e) {
  return submit_async((struct sq_store *)st, SQ_JOB_EVENTS, NULL, evs, n, done, ud, e);
}

int sq_records_write(struct store *st, const struct store_record *recs, size_t n,
                     struct store_write_result *out, struct zz_err *e) {
  struct sq_job j = {.kind = SQ_JOB_RECORDS, .recs = recs, .n = n};
  if (!((struct sq_store *)st)->writer_started)
    return zz_fail(e, ZZ_EINVAL, "store", "this store was opened without a writer");
  if (n == 0) {
    if (out) *out = (struct store_write_result){0};
    return 0;
  }
  int rc = submit((struct sq_store *)st, &j, e);
  if (!rc && out) *out = j.result;
  return rc;
}

int sq_events_write(struct store *st, const struct store_event *evs, size_t n, struct zz_err *e) {
  if (n == 0) return 0;
  struct sq_job j = {.kind = SQ_JOB_EVENTS, .evs = evs, .n = n};
  if (!((struct sq_store *)st)->writer_started)
    return zz_fail(e, ZZ_EINVAL, "store", "this store was opened without a writer");
  return submit((struct sq_store *)st, &j, e);
}

int sq_writer_call(struct sq_store *s, int (*fn)(struct sq_store *, void *, struct zz_err *),
                   void *ud, struct zz_err *e) {
  struct sq_job j = {.kind = SQ_JOB_CALL, .fn = fn, .fn_ud = ud};
  if (!s->writer_started)
    return zz_fail(e, ZZ_EINVAL, "store", "this store was opened without a writer");
  return submit(s, &j, e);
}

int sq_prune(struct store *st, int64_t now) {
  struct sq_job j = {.kind = SQ_JOB_PRUNE, .now = now};
  if (!((struct sq_store *)st)->writer_started) return ZZ_EINVAL;
  return submit((struct sq_store *)st, &j, NULL);
}

size_t sq_write_queue_depth(struct store *st) {
  struct sq_store *s = (struct sq_store *)st;
  if (!s->writer_started) return 0;
  pthread_mutex_lock(&s->qlock);
  size_t n = s->qrecords;
  pthread_mutex_unlock(&s->qlock);
  return n;
}

/* The writer's connection and caches. */
static void writer_free(struct sq_store *s) {
  for (int i = 0; i < W_COUNT; i++) {
    sqlite3_finalize(s->wstmt[i]);
    s->wstmt[i] = NULL;
  }
  if (s->wdb) sqlite3_exec(s->wdb, "PRAGMA optimize", NULL, NULL, NULL);
  sqlite3_close(s->wdb);
  s->wdb = NULL;
  zz_map_free(&s->series);
  zz_free(s->regions);
  zz_free(s->touched);
  zz_free(s->source_counts);
  zz_free(s->dirty);
  zz_free(s->dsource_counts);
  zz_free(s->sorted);
  s->sorted = NULL, s->sorted_cap = 0;
  s->regions = NULL, s->touched = NULL, s->source_counts = NULL;
  s->dirty = NULL, s->dsource_counts = NULL;
  s->nregions = s->ntouched = s->touched_cap = s->nsource_counts = 0;
  s->ndirty = s->dirty_cap = s->ndsource_counts = 0;
  rollup_acc_free(&s->leaf);
  rollup_acc_free(&s->sleaf);
  rollup_acc_free(&s->wide);
  rollup_acc_free(&s->swide);
  rollup_acc_free(&s->dleaf);
  rollup_acc_free(&s->dsleaf);
  s->daccepted = 0, s->dabs = 0, s->dsince = 0;
}

/* At start, before any new transaction: the frames the log committed past
 * where the rollups stood (deferred when the server stopped or died) are
 * folded in again, each as it first came in, in one transaction that also
 * notes the rollups hold the whole log. 0 or the error with e. */
static int replay_log(struct sq_store *s, struct zz_err *e) {
  const struct reclog_rec *recs;
  size_t n;
  int r, began = 0, rc = 0;
  int64_t accepted = 0, total = 0;
  struct zz_map byid; /* series id -> struct sq_series *, built on the first frame */
  zz_map_init(&byid, sizeof(struct series_ent), sizeof(int64_t), NULL);
  while ((r = reclog_replay_next(s->rl, &recs, &n, e)) == 1) {
    if (!began) {
      if ((rc = begin(s)) != SQLITE_OK) {
        rc = sq_fail(s->wdb, rc, e, "begin");
        break;
      }
      began = 1;
      for (size_t i = 0; !rc && i < zz_map_cap(&s->series); i++) {
        const struct series_ent *x = zz_map_at(&s->series, i);
        if (!x) continue;
        struct series_ent *y = zz_map_put(&byid, &x->se->id, NULL);
        if (!y)
          rc = zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
        else
          y->se = x->se;
      }
      if (rc) break;
    }
    for (size_t i = 0; i < n && !rc; i++) {
      int64_t id = recs[i].series;
      const struct series_ent *y = zz_map_get(&byid, &id);
      int replaced = 0;
      if (!y) {
        rc = zz_fail(e, ZZ_EIO, "store",
                     "the records log names series %lld, which the database does not hold",
                     (long long)id);
      } else if ((rc = fold(s, y->se, recs[i].ts, recs[i].value, &replaced)) ||
                 (rc = count_source(s, y->se->source))) {
        rc = zz_fail(e, rc, "store", "out of memory");
      } else if (!replaced) {
        accepted++;
      }
    }
    if (rc) break;
    reclog_commit(s->rl); /* visible: the next frame's look-ups find it */
    total += (int64_t)n;
  }
  zz_map_free(&byid);
  if (r < 0) rc = r;
  if (!began) return rc;
  if ((rc = commit_rollups(s, accepted, rc, e))) return rc;
  atomic_fetch_add(&s->total_records, accepted);
  zz_info("store: the rollups caught up with %lld records of the records log", (long long)total);
  return 0;
}

int sq_writer_start(struct sq_store *s, struct zz_err *e) {
  int rc = sq_open_db(s->path, 1, s->opts.synchronous_full, &s->wdb, e);
  if (rc) return rc;
  memset(s->wstmt, 0, sizeof s->wstmt);
  sqlite3_busy_handler(s->wdb, writer_busy, s);
  s->gen = 1;
  zz_map_init(&s->series, sizeof(struct series_ent), 2 * sizeof(int64_t), series_ent_free);
  if ((rc = regions_load(s)) || (rc = zz_map_reserve(&s->series, 2048)) || (rc = series_load(s)) ||
      (rc = rollup_acc_init(&s->leaf, 4096)) || (rc = rollup_acc_init(&s->sleaf, 4096)) ||
      (rc = rollup_acc_init(&s->wide, 16384)) || (rc = rollup_acc_init(&s->swide, 8192)) ||
      (rc = rollup_acc_init(&s->dleaf, 4096)) || (rc = rollup_acc_init(&s->dsleaf, 4096))) {
    writer_free(s);
    return zz_fail(e, rc, "store", "cannot load the store's caches");
  }
  /* ZZ_ROLLUP_DEFER_MS: how long a flood may keep rollups back (0: never) */
  const char *dm = getenv("ZZ_ROLLUP_DEFER_MS");
  int64_t defer_ms = SQ_DEFER_MS;
  if (dm && *dm && (zz_parse_i64(dm, &defer_ms) || defer_ms < 0 || defer_ms > 60000)) {
    zz_warn("ZZ_ROLLUP_DEFER_MS=%s is not 0-60000 milliseconds; using %d", dm, SQ_DEFER_MS);
    defer_ms = SQ_DEFER_MS;
  }
  s->defer = defer_ms > 0;
  s->defer_ms = defer_ms;
  /* ZZ_TEST_ROLLUP_HOLD=1 (tests only): records transactions never write
   * their rollups, nor does the queue running dry or a stop - where a
   * crash would leave them, for the start's replay to be tested */
  const char *hold = getenv("ZZ_TEST_ROLLUP_HOLD");
  s->hold = hold && strcmp(hold, "1") == 0;
  if (s->hold) {
    zz_warn("ZZ_TEST_ROLLUP_HOLD=1: rollups are held back until the next start (tests only)");
    s->defer = 1;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->wdb, "SELECT n FROM counter WHERE key = 'records'", -1, &st, NULL) ==
          SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    atomic_store(&s->total_records, sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  if ((rc = replay_log(s, e))) {
    writer_free(s);
    return rc;
  }
  s->regions_loaded_version = atomic_load(&s->regions_version);
  s->last_prune = 0;
  pthread_mutex_init(&s->qlock, NULL);
  pthread_cond_init(&s->qcond, NULL);
  pthread_cond_init(&s->dcond, NULL);
  if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
    sqlite3_close(s->wdb);
    return zz_fail(e, ZZ_EINTERNAL, "store", "cannot start the writer thread");
  }
  s->writer_started = 1;
  return 0;
}

void sq_writer_stop(struct sq_store *s) {
  if (!s->writer_started) return;
  pthread_mutex_lock(&s->qlock);
  s->stopping = 1;
  pthread_cond_signal(&s->qcond);
  pthread_mutex_unlock(&s->qlock);
  pthread_join(s->writer, NULL);
  writer_free(s);
  pthread_mutex_destroy(&s->qlock);
  pthread_cond_destroy(&s->qcond);
  pthread_cond_destroy(&s->dcond);
  s->writer_started = 0;
}
