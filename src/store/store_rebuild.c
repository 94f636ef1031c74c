/* store_rebuild.c - rollups recomputed from records (see store_rebuild.h).
 * Runs as one job of the writer thread: it deletes the rollup and series
 * rollup rows of the range, then reads each series' records through its
 * primary key and folds them into the writer's accumulators, flushing them
 * whenever they grow large; the writer's own expansion to every grain and
 * ancestor region does the rest, so rebuilt rows are the rows live writes
 * make. */
#include "store/store_rebuild.h"

#include <string.h>

#include "core/ztime.h"
#include "store/store_int.h"

/* Accumulated cells past this are written out before the next series. */
#define REBUILD_FLUSH_CELLS (1u << 18)

struct rebuild {
  const char *metric;
  int64_t from, to; /* widened */
  store_rebuild_progress_fn progress;
  void *ud;
  struct store_rebuild_stats stats;
};

struct rb_series {
  int64_t id, region;
  int32_t metric;
};

/* One series' records folded into the pending rollups. */
struct rb_fold {
  struct sq_store *s;
  const struct rb_series *se;
  struct rebuild *rb;
  int rc;
};

static int fold(void *ud, int64_t ts, double v) {
  struct rb_fold *f = ud;
  if ((f->rc = sq_rollup_add(f->s, f->se->id, f->se->metric, f->se->region, ts, v))) return 1;
  f->rb->stats.records++;
  return 0;
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **q, struct zz_err *e) {
  if (sqlite3_prepare_v2(db, sql, -1, q, NULL) == SQLITE_OK) return 0;
  return sq_fail(db, sqlite3_errcode(db), e, "rebuild");
}

static int run(struct sq_store *s, void *ud, struct zz_err *e) {
  struct rebuild *rb = ud;
  sqlite3 *db = s->wdb;
  sqlite3_stmt *q = NULL;
  struct rb_series *list = NULL;
  size_t n = 0, cap = 0;
  int64_t metric = 0;
  int rc = 0;
  if (rb->metric) {
    if ((rc = prep(db, "SELECT id FROM metric WHERE key = ?1", &q, e))) goto done;
    sqlite3_bind_text(q, 1, rb->metric, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) metric = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (!metric) {
      rc = zz_fail(e, ZZ_ENOTFOUND, "metric", "metric \"%s\" does not exist", rb->metric);
      goto done;
    }
  }
  static const char *const del[] = {
      "DELETE FROM rollup WHERE (?1 = 0 OR metric = ?1) AND bucket >= ?2 AND bucket < ?3",
      "DELETE FROM srollup WHERE (?1 = 0 OR metric = ?1) AND bucket >= ?2 AND bucket < ?3"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(del); i++) {
    if ((rc = prep(db, del[i], &q, e))) goto done;
    sqlite3_bind_int64(q, 1, metric);
    sqlite3_bind_int64(q, 2, rb->from);
    sqlite3_bind_int64(q, 3, rb->to);
    int step = sqlite3_step(q);
    sqlite3_finalize(q);
    q = NULL;
    if (step != SQLITE_DONE) {
      rc = sq_fail(db, step, e, "rebuild");
      goto done;
    }
  }
  if ((rc = prep(db,
                 "SELECT s.id, s.metric, e.region FROM series s JOIN entity e ON e.id = s.entity"
                 " WHERE ?1 = 0 OR s.metric = ?1 ORDER BY s.id",
                 &q, e)))
    goto done;
  sqlite3_bind_int64(q, 1, metric);
  int step;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 1024;
      struct rb_series *p = zz_realloc(list, cap * sizeof *p);
      if (!p) {
        rc = zz_fail(e, ZZ_ENOMEM, "rebuild", "out of memory");
        goto done;
      }
      list = p;
    }
    list[n++] = (struct rb_series){sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 2),
                                   (int32_t)sqlite3_column_int64(q, 1)};
  }
  sqlite3_finalize(q);
  q = NULL;
  if (step != SQLITE_DONE) {
    rc = sq_fail(db, step, e, "rebuild");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    struct rb_fold f = {s, &list[i], rb, 0};
    if (reclog_read(s->rl, (uint32_t)list[i].id, rb->from, rb->to, 0, fold, &f)) {
      rc = zz_fail(e, ZZ_ESTORE, "rebuild", "cannot read the records of series %lld",
                   (long long)list[i].id);
      goto done;
    }
    if (f.rc) {
      rc = zz_fail(e, ZZ_ENOMEM, "rebuild", "out of memory");
      goto done;
    }
    rb->stats.series++;
    if (sq_rollup_pending(s) > REBUILD_FLUSH_CELLS && (rc = sq_rollup_flush(s, e))) goto done;
    if (rb->progress) rb->progress(rb->ud, (int64_t)i + 1, (int64_t)n);
  }
  /* what is left is flushed with the transaction's commit */
done:
  sqlite3_finalize(q);
  zz_free(list);
  return rc;
}

int store_rollup_rebuild(struct store *st, const char *metric, int64_t from, int64_t to,
                         store_rebuild_progress_fn progress, void *ud,
                         struct store_rebuild_stats *out, struct zz_err *e) {
  if (from >= to) return zz_fail(e, ZZ_EINVAL, "from", "--from must be before --to");
  struct rebuild rb = {.metric = metric, .progress = progress, .ud = ud};
  /* whole local years: a year's (and so a month's and a day's) row is
   * rebuilt from all of its records, never half of them */
  rb.from = from == INT64_MIN ? INT64_MIN : zz_bucket_start(from, ZZ_GRAIN_YEAR);
  rb.to = to == INT64_MAX ? INT64_MAX
                          : zz_bucket_next(zz_bucket_start(to - 1, ZZ_GRAIN_YEAR), ZZ_GRAIN_YEAR);
  rb.stats.from = rb.from;
  rb.stats.to = rb.to;
  int rc = sq_writer_call(SQ_S(st), run, &rb, e);
  if (!rc && out) *out = rb.stats;
  return rc;
}
