/* store_records.c - the SQLite side of store_records.h: the reads panels
 * are made of (rollup buckets, entity aggregates, latest values, raw
 * series), on the calling thread's read connection. The writes are the
 * writer thread's (store_writer.c); this file's table passes them there. */
#include <math.h>
#include <string.h>

#include "store/store_int.h"

/* ---- rollup reads ---- */

static void agg_row(sqlite3_stmt *q, int first, struct store_agg *a) {
  a->n = sqlite3_column_int64(q, first);
  a->sum = sqlite3_column_double(q, first + 1);
  a->min = sq_col_real(q, first + 2);
  a->max = sq_col_real(q, first + 3);
  a->last = sq_col_real(q, first + 4);
  a->last_ts = sqlite3_column_int64(q, first + 5);
}

/* Steps a statement whose rows are (bucket, n, sum, min, max, last, last_ts)
 * and calls fn for each until it returns non-zero. */
static int each_bucket(struct sq_conn *c, sqlite3_stmt *q, store_bucket_fn fn, void *ud) {
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_agg a;
    agg_row(q, 1, &a);
    if (fn(ud, sqlite3_column_int64(q, 0), &a)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int rollup_buckets(struct store *st, int64_t metric, int64_t region, enum zz_grain g,
                          int64_t from, int64_t to, store_bucket_fn fn, void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT bucket, n, sum, min, max, last, last_ts FROM rollup WHERE metric = ?1 AND node = ?2"
      " AND grain = ?3 AND bucket >= ?4 AND bucket < ?5 ORDER BY bucket",
      NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, metric);
  sqlite3_bind_int64(q, 2, region);
  sqlite3_bind_int(q, 3, (int)g);
  sqlite3_bind_int64(q, 4, from);
  sqlite3_bind_int64(q, 5, to);
  return each_bucket(c, q, fn, ud);
}

/* Entity aggregates: the series of the metric in the subtree are gathered
 * first (a small map), then the srollup rows of the range are scanned once in
 * key order and folded into their entity. */
struct ent_slot {
  int64_t series, entity;
  struct store_agg a;
  int seen;
};

static int cmp_slot(const void *x, const void *y) {
  int64_t a = ((const struct ent_slot *)x)->series, b = ((const struct ent_slot *)y)->series;
  return a < b ? -1 : a > b;
}

static void fold(struct store_agg *into, const struct store_agg *a, int *seen) {
  if (!*seen) {
    *into = *a;
    *seen = 1;
    return;
  }
  into->n += a->n;
  into->sum += a->sum;
  if (a->min < into->min || isnan(into->min)) into->min = a->min;
  if (a->max > into->max || isnan(into->max)) into->max = a->max;
  if (a->last_ts >= into->last_ts) {
    into->last_ts = a->last_ts;
    into->last = a->last;
  }
}

/* Subtracts the additive part of a from into (the year-to-date trick). */
static void unfold(struct store_agg *into, const struct store_agg *a, int *seen) {
  (void)seen;
  into->n -= a->n;
  into->sum -= a->sum;
}

static int scan_srollup_sub(struct sq_conn *c, int64_t metric, enum zz_grain g, int64_t from,
                            int64_t to, struct ent_slot *slots, size_t nslots, int subtract) {
  if (from >= to) return 0;
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT series, n, sum, min, max, last, last_ts FROM srollup WHERE metric = ?1 AND grain = ?2"
      " AND bucket >= ?3 AND bucket < ?4",
      NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, metric);
  sqlite3_bind_int(q, 2, (int)g);
  sqlite3_bind_int64(q, 3, from);
  sqlite3_bind_int64(q, 4, to);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct ent_slot key = {.series = sqlite3_column_int64(q, 0)};
    struct ent_slot *slot = bsearch(&key, slots, nslots, sizeof *slots, cmp_slot);
    if (!slot) continue;
    struct store_agg a;
    agg_row(q, 1, &a);
    if (subtract)
      unfold(&slot->a, &a, &slot->seen);
    else
      fold(&slot->a, &a, &slot->seen);
  }
  sq_release(c, q);
  return rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int scan_srollup(struct sq_conn *c, int64_t metric, enum zz_grain g, int64_t from,
                        int64_t to, struct ent_slot *slots, size_t nslots) {
  return scan_srollup_sub(c, metric, g, from, to, slots, nslots, 0);
}

/* Returns the (cached) series of metric in [lo, hi] of type, sorted by id;
 * NULL with *rc set on failure. The list belongs to the connection. */
static const struct sq_series_list *series_list(struct sq_store *s, struct sq_conn *c,
                                                int64_t metric, int64_t lo, int64_t hi,
                                                const char *type, int *rc) {
  int64_t version = atomic_load(&s->series_version);
  const char *t = type ? type : "";
  for (int i = 0; i < SQ_SERIES_LISTS; i++) {
    struct sq_series_list *l = &c->lists[i];
    if (l->series && l->version == version && l->metric == metric && l->lo == lo && l->hi == hi &&
        strcmp(l->type, t) == 0)
      return l;
  }
  struct sq_series_list *l = &c->lists[c->next_list++ % SQ_SERIES_LISTS];
  zz_free(l->series);
  zz_free(l->entity);
  memset(l, 0, sizeof *l);
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT s.id, s.entity FROM series s JOIN entity e ON e.id = s.entity WHERE s.metric = ?1"
      " AND e.rpos BETWEEN ?2 AND ?3 AND (?4 IS NULL OR e.type = ?4) ORDER BY s.id",
      NULL);
  if (!q) {
    *rc = ZZ_ESTORE;
    return NULL;
  }
  sqlite3_bind_int64(q, 1, metric);
  sqlite3_bind_int64(q, 2, lo ? lo : INT64_MIN); /* 0, 0: every region */
  sqlite3_bind_int64(q, 3, lo ? hi : INT64_MAX);
  sq_bind_text(q, 4, type);
  size_t cap = 0;
  int step;
  *rc = 0;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    if (l->n == cap) {
      cap = cap ? cap * 2 : 256;
      int64_t *ps = zz_realloc(l->series, cap * sizeof *ps);
      if (ps) l->series = ps;
      int64_t *pe = ps ? zz_realloc(l->entity, cap * sizeof *pe) : NULL;
      if (pe) l->entity = pe;
      if (!ps || !pe) {
        *rc = ZZ_ENOMEM;
        break;
      }
    }
    l->series[l->n] = sqlite3_column_int64(q, 0);
    l->entity[l->n++] = sqlite3_column_int64(q, 1);
  }
  sq_release(c, q);
  if (!*rc && step != SQLITE_DONE) *rc = ZZ_ESTORE;
  if (*rc) {
    zz_free(l->series), zz_free(l->entity);
    memset(l, 0, sizeof *l);
    return NULL;
  }
  if (!l->series)
    l->series = zz_malloc(sizeof *l->series), l->entity = zz_malloc(sizeof *l->entity);
  l->version = version;
  l->metric = metric;
  l->lo = lo;
  l->hi = hi;
  zz_strlcpy(l->type, t, sizeof l->type);
  return l;
}

static int entity_aggs(struct store *st, int64_t metric, int64_t rpos_lo, int64_t rpos_hi,
                       const char *type, int64_t from, int64_t to, int additive,
                       store_series_agg_fn fn, void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  if (!c) return ZZ_ESTORE;
  int r = 0;
  const struct sq_series_list *l = series_list(SQ_S(st), c, metric, rpos_lo, rpos_hi, type, &r);
  if (!l) return r;
  size_t n = l->n;
  struct ent_slot *slots = zz_calloc(n ? n : 1, sizeof *slots);
  if (!slots) return ZZ_ENOMEM;
  for (size_t i = 0; i < n; i++)
    slots[i] = (struct ent_slot){.series = l->series[i], .entity = l->entity[i]};
  int64_t from_day = zz_bucket_start(from, ZZ_GRAIN_DAY);
  int64_t to_day = zz_bucket_start(to, ZZ_GRAIN_DAY);
  if (to_day < to) to_day = zz_bucket_next(to_day, ZZ_GRAIN_DAY);
  int64_t year = zz_bucket_start(from_day, ZZ_GRAIN_YEAR),
          year_end = zz_bucket_next(year, ZZ_GRAIN_YEAR);
  if (additive && from_day == year && to_day <= year_end && to_day > zz_time_now()) {
    /* Year to date: the year row holds everything; what lies after to_day
     * (records up to a day ahead, rarely any) is subtracted. One row per
     * series instead of a month or day row each. */
    if ((r = scan_srollup(c, metric, ZZ_GRAIN_YEAR, year, year_end, slots, n)) ||
        (r = scan_srollup_sub(c, metric, ZZ_GRAIN_DAY, to_day, year_end, slots, n, 1)))
      goto done;
    for (size_t i = 0; i < n; i++) slots[i].a.min = slots[i].a.max = slots[i].a.last = NAN;
  } else {
    /* whole months where the range covers them, whole days at the edges */
    int64_t m0 = zz_bucket_start(from_day, ZZ_GRAIN_MONTH);
    if (m0 < from_day) m0 = zz_bucket_next(m0, ZZ_GRAIN_MONTH);
    int64_t m1 = zz_bucket_start(to_day, ZZ_GRAIN_MONTH);
    if (m0 < m1) {
      if ((r = scan_srollup(c, metric, ZZ_GRAIN_DAY, from_day, m0, slots, n)) ||
          (r = scan_srollup(c, metric, ZZ_GRAIN_MONTH, m0, m1, slots, n)) ||
          (r = scan_srollup(c, metric, ZZ_GRAIN_DAY, m1, to_day, slots, n)))
        goto done;
    } else if ((r = scan_srollup(c, metric, ZZ_GRAIN_DAY, from_day, to_day, slots, n))) {
      goto done;
    }
  }
  for (size_t i = 0; i < n; i++)
    if (slots[i].seen && slots[i].a.n > 0 && fn(ud, slots[i].entity, &slots[i].a)) break;
done:
  zz_free(slots);
  return r;
}

static int entity_buckets(struct store *st, int64_t entity, int64_t metric, enum zz_grain g,
                          int64_t from, int64_t to, store_bucket_fn fn, void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT r.bucket, r.n, r.sum, r.min, r.max, r.last, r.last_ts FROM series s"
      " JOIN srollup r ON r.series = s.id AND r.grain = ?3 AND r.bucket >= ?4 AND r.bucket < ?5"
      " WHERE s.entity = ?1 AND s.metric = ?2 ORDER BY r.bucket",
      NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, entity);
  sqlite3_bind_int64(q, 2, metric);
  sqlite3_bind_int(q, 3, (int)g);
  sqlite3_bind_int64(q, 4, from);
  sqlite3_bind_int64(q, 5, to);
  return each_bucket(c, q, fn, ud);
}

/* Four constant statements rather than optional filters written as
 * "(?x IS NULL OR col = ?x)", which keep SQLite from using an index: the
 * entity_rpos (rpos, type) index finds the subtree's entities of a type, and
 * series' (entity, metric) key finds their series. */
static const char *const latest_sql[4] = {
    "SELECT s.entity, s.metric, s.last_ts, s.last_value FROM entity e JOIN series s ON s.entity = "
    "e.id"
    " WHERE e.rpos BETWEEN ?2 AND ?3 AND s.last_ts IS NOT NULL ORDER BY s.entity, s.metric",
    "SELECT s.entity, s.metric, s.last_ts, s.last_value FROM entity e JOIN series s ON s.entity = "
    "e.id"
    " AND s.metric = ?1 WHERE e.rpos BETWEEN ?2 AND ?3 AND s.last_ts IS NOT NULL ORDER BY s.entity",
    "SELECT s.entity, s.metric, s.last_ts, s.last_value FROM entity e JOIN series s ON s.entity = "
    "e.id"
    " WHERE e.rpos BETWEEN ?2 AND ?3 AND e.type = ?4 AND s.last_ts IS NOT NULL ORDER BY s.entity, "
    "s.metric",
    "SELECT s.entity, s.metric, s.last_ts, s.last_value FROM entity e JOIN series s ON s.entity = "
    "e.id"
    " AND s.metric = ?1 WHERE e.rpos BETWEEN ?2 AND ?3 AND e.type = ?4 AND s.last_ts IS NOT NULL"
    " ORDER BY s.entity",
};

static int latest_each(struct store *st, int64_t metric, int64_t entity, int64_t rpos_lo,
                       int64_t rpos_hi, const char *type,
                       int (*fn)(void *, int64_t, int64_t, int64_t, double), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q;
  if (entity) {
    q = sq_prepare(c,
                   "SELECT entity, metric, last_ts, last_value FROM series WHERE entity = ?1"
                   " AND last_ts IS NOT NULL ORDER BY metric",
                   NULL);
    if (!q) return ZZ_ESTORE;
    sqlite3_bind_int64(q, 1, entity);
  } else {
    int variant = (metric ? 1 : 0) | (type ? 2 : 0);
    q = sq_prepare(c, latest_sql[variant], NULL);
    if (!q) return ZZ_ESTORE;
    if (metric) sqlite3_bind_int64(q, 1, metric);
    sqlite3_bind_int64(q, 2, rpos_lo ? rpos_lo : INT64_MIN); /* 0, 0: every region */
    sqlite3_bind_int64(q, 3, rpos_lo ? rpos_hi : INT64_MAX);
    if (type) sq_bind_text(q, 4, type);
  }
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (fn(ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2),
           sqlite3_column_double(q, 3)))
      break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

struct rec_cb {
  int (*fn)(void *, int64_t, double);
  void *ud;
};

static int rec_cb(void *ud, int64_t ts, double v) {
  struct rec_cb *c = ud;
  return c->fn(c->ud, ts, v);
}

/* The series id of (entity, metric) from the database, then its records
 * from the records engine (store/reclog.h). */
static int records_each(struct store *st, int64_t entity, int64_t metric, int64_t from, int64_t to,
                        int limit, int (*fn)(void *, int64_t, double), void *ud) {
  struct sq_store *s = SQ_S(st);
  struct sq_conn *c = sq_conn_get(s);
  sqlite3_stmt *q = sq_prepare(c, "SELECT id FROM series WHERE entity = ?1 AND metric = ?2", NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, entity);
  sqlite3_bind_int64(q, 2, metric);
  int rc = sqlite3_step(q);
  int64_t series = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sq_release(c, q);
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
  struct reclog *rl = sq_records_get(s);
  if (!rl) return ZZ_ESTORE;
  struct rec_cb cb = {fn, ud};
  return reclog_read(rl, (uint32_t)series, from, to, limit > 0 ? limit : 100000, rec_cb, &cb);
}

static int event_times_each(struct store *st, int64_t entity, const char *kind, int64_t from,
                            int64_t to, int limit, int (*fn)(void *, int64_t), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  /* event_entity (entity, ts) narrows to the entity's window; the kind is
   * checked on its rows */
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT ts FROM event WHERE entity = ?1 AND ts >= ?3 AND ts < ?4"
                               " AND kind = ?2 ORDER BY ts, id LIMIT ?5",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, entity);
  sq_bind_text(q, 2, kind);
  sqlite3_bind_int64(q, 3, from);
  sqlite3_bind_int64(q, 4, to);
  sqlite3_bind_int(q, 5, limit > 0 ? limit : 100000);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW)
    if (fn(ud, sqlite3_column_int64(q, 0))) break;
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int records_stats(struct store *st, struct store_records_stats *out) {
  struct reclog *rl = sq_records_get(SQ_S(st));
  if (!rl) return ZZ_ESTORE;
  struct reclog_stats r;
  reclog_stats(rl, &r);
  *out = (struct store_records_stats){r.segments,  r.segment_bytes, r.segment_records,
                                      r.log_bytes, r.open_records,  r.sealing_records,
                                      r.seals,     r.seal_failures, 0};
  out->pruned = atomic_load(&SQ_S(st)->records_pruned);
  return 0;
}

static int64_t records_count(struct store *st) {
  return atomic_load(&SQ_S(st)->total_records);
}

const struct store_records_ops store_sqlite_records_ops = {
    .records_write_async = sq_records_write_async,
    .events_write_async = sq_events_write_async,
    .records_write_file_async = sq_records_write_file_async,
    .records_write_file = sq_records_write_file,
    .records_write = sq_records_write,
    .events_write = sq_events_write,
    .write_queue_depth = sq_write_queue_depth,
    .writer_waiting = sq_writer_waiting,
    .rollup_buckets = rollup_buckets,
    .entity_aggs = entity_aggs,
    .entity_buckets = entity_buckets,
    .latest_each = latest_each,
    .records_each = records_each,
    .event_times_each = event_times_each,
    .records_count = records_count,
    .records_stats = records_stats,
    .records_prune = sq_records_prune,
};
