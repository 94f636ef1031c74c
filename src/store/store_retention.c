/* store_retention.c - raw retention per metric (metrics.json "raw_days"):
 * the records of a series older than its metric's raw_days are dropped from
 * the records engine's sealed segments (reclog_prune), while the writer goes
 * on appending; the rollups, committed when the records came in, stay. Run
 * on the caller's thread (the server's timer, api/retention.c), never the
 * writer's: the segment rewrite must not hold the writer's transaction. */
#include <stdlib.h>
#include <time.h>

#include "core/log.h"
#include "core/ztime.h"
#include "store/store_int.h"

/* One series and the oldest ts it keeps; sorted by series. */
struct ret_cut {
  uint32_t series;
  int64_t cutoff;
};

struct ret_cuts {
  struct ret_cut *v;
  size_t n, cap;
};

static int cut_cmp(const void *a, const void *b) {
  uint32_t x = ((const struct ret_cut *)a)->series, y = ((const struct ret_cut *)b)->series;
  return x < y ? -1 : x > y;
}

static int64_t mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t cutoff_of(void *ud, uint32_t series) {
  const struct ret_cuts *c = ud;
  struct ret_cut key = {.series = series};
  const struct ret_cut *p = bsearch(&key, c->v, c->n, sizeof *c->v, cut_cmp);
  return p ? p->cutoff : INT64_MIN;
}

/* The series of metrics with raw_days, each with now - raw_days days, from
 * this thread's read connection. */
static int load_cuts(struct sq_store *s, int64_t now, struct ret_cuts *out, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(s);
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT s.id, m.raw_days FROM series s JOIN metric m ON m.id ="
                               " s.metric WHERE m.raw_days > 0 ORDER BY s.id",
                               e);
  if (!q) return ZZ_ESTORE;
  int step, rc = 0;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    if (out->n == out->cap) {
      size_t cap = out->cap ? out->cap * 2 : 256;
      struct ret_cut *p = zz_realloc(out->v, cap * sizeof *p);
      if (!p) {
        rc = zz_fail(e, ZZ_ENOMEM, "retention", "out of memory");
        break;
      }
      out->v = p, out->cap = cap;
    }
    int64_t days = sqlite3_column_int64(q, 1);
    out->v[out->n++] =
        (struct ret_cut){(uint32_t)sqlite3_column_int64(q, 0), now - days * ZZ_DAY_MS};
  }
  sq_release(c, q);
  if (rc) return rc;
  if (step != SQLITE_DONE) return sq_fail(c->db, step, e, "retention");
  /* ORDER BY s.id already; sorted again in case ids pass 2^32 */
  if (out->n) qsort(out->v, out->n, sizeof *out->v, cut_cmp);
  return 0;
}

int sq_records_prune(struct store *st, int64_t now, int64_t *dropped, struct zz_err *e) {
  struct sq_store *s = SQ_S(st);
  *dropped = 0;
  struct reclog *rl = sq_records_get(s);
  if (!rl) return zz_fail(e, ZZ_ESTORE, "store", "the records engine is not open");
  struct ret_cuts cuts = {0};
  int rc = load_cuts(s, now, &cuts, e);
  if (!rc && cuts.n) {
    int64_t t0 = mono_ms();
    rc = reclog_prune(rl, cutoff_of, &cuts, dropped, e);
    if (*dropped > 0) atomic_fetch_add(&s->records_pruned, *dropped);
    if (rc)
      zz_error("store: raw retention failed after dropping %lld records: %s", (long long)*dropped,
               e->msg);
    else
      zz_info("store: raw retention dropped %lld records (%zu series kept for a limited time) in"
              " %lld ms",
              (long long)*dropped, cuts.n, (long long)(mono_ms() - t0));
  }
  zz_free(cuts.v);
  return rc;
}
