/* store_check.c - the store's self-check (store_check.h). Walks every series
 * (SQL on the series, entity and metric tables), reads its raw records only
 * through store_records_each, folds them into day, month and year buckets as
 * the writer's rollups should hold them, and compares those with the series'
 * srollup rows, the series row's last value, the 'records' counter and the
 * month rows of each root region. All inside one read transaction of this
 * thread's connection, so a server writing meanwhile is seen at one instant
 * (as long as the records are read through the same snapshot: true of the
 * SQLite records; another records backend must give store_records_each the
 * same guarantee, or the check be run on a stopped server's directory). */
#include "store/store_check.h"

#include <math.h>
#include <string.h>

#include "core/hash.h"
#include "core/ztime.h"
#include "rollup/fanout.h"
#include "store/store_int.h"
#include "store/store_records.h"

/* Records asked of store_records_each at a time; the next page starts after
 * the last record of the one before (ts is unique within a series). */
#define CK_PAGE 65536

/* What a set of records comes to: as a rollup row keeps it, plus the sum of
 * the values' magnitudes, the scale the sum's tolerance is measured on. */
struct ck_agg {
  int64_t n;
  double sum, abssum, min, max, last;
  int64_t last_ts;
};

struct ck_bucket {
  int64_t start;
  struct ck_agg a;
};

struct ck_buckets {
  struct ck_bucket *v;
  size_t n, cap;
};

/* The series rollup grains, in the order of store_check_kind. */
static const enum zz_grain ck_grains[ROLLUP_SERIES_GRAINS] = {ZZ_GRAIN_DAY, ZZ_GRAIN_MONTH,
                                                              ZZ_GRAIN_YEAR};

/* A root region's month: (metric, root, bucket) -> what its records add up to. */
struct ck_root_cell {
  int64_t metric, root, bucket; /* the key: no padding */
  struct ck_agg a;
  int seen; /* a rollup row was compared with it */
};

struct ck_region {
  int64_t id; /* the key */
  int64_t parent;
  char *path;
};

struct ck_metric {
  int64_t id; /* the key */
  char *key;
  int64_t horizon; /* buckets starting before it may be pruned; INT64_MIN: none */
};

struct ck {
  struct sq_store *s;
  struct sq_conn *c;
  const struct store_check_opts *o;
  struct store_check_report *r;
  int limit;
  /* the series being checked */
  const char *entity_key, *metric_key;
  int64_t horizon; /* the series' metric's (struct ck_metric) */
  int64_t now;     /* the retention's clock (opts->now) */
  struct ck_buckets g[ROLLUP_SERIES_GRAINS];
  struct ck_agg all; /* every record of the series */
  int64_t page_n, page_last;
  int oom; /* a buffer could not grow */
  size_t items_cap;
  struct zz_map regions; /* id -> struct ck_region */
  struct zz_map metrics; /* id -> struct ck_metric */
  struct zz_map roots;   /* struct ck_root_cell */
};

static void agg_empty(struct ck_agg *a) {
  *a = (struct ck_agg){.min = NAN, .max = NAN, .last = NAN, .last_ts = INT64_MIN};
}

static void agg_add(struct ck_agg *a, int64_t ts, double v) {
  a->n++;
  a->sum += v;
  a->abssum += fabs(v);
  if (!(v >= a->min)) a->min = v; /* also when min is NaN (nothing yet) */
  if (!(v <= a->max)) a->max = v;
  if (ts >= a->last_ts) a->last_ts = ts, a->last = v;
}

static void agg_merge(struct ck_agg *into, const struct ck_agg *a) {
  into->n += a->n;
  into->sum += a->sum;
  into->abssum += a->abssum;
  if (!(a->min >= into->min)) into->min = a->min;
  if (!(a->max <= into->max)) into->max = a->max;
  if (a->last_ts >= into->last_ts) into->last_ts = a->last_ts, into->last = a->last;
}

/* Two doubles that are the same value, NaN (none) counting as equal to NaN. */
static int same(double a, double b) {
  return a == b || (isnan(a) && isnan(b));
}

static void mismatch(struct ck *k, enum store_check_kind kind, const char *entity,
                     const char *metric, int64_t bucket, const char *field, double expected,
                     double found) {
  struct store_check_report *r = k->r;
  r->mismatches++;
  if (r->nitems >= (size_t)k->limit) return;
  if (r->nitems == k->items_cap) { /* grown as they come: a high limit costs nothing */
    size_t cap = k->items_cap ? k->items_cap * 2 : 16;
    if (cap > (size_t)k->limit) cap = (size_t)k->limit;
    struct store_check_mismatch *p = zz_realloc(r->items, cap * sizeof *p);
    if (!p) {
      k->oom = 1; /* store_check fails rather than list fewer than asked */
      return;
    }
    r->items = p, k->items_cap = cap;
  }
  struct store_check_mismatch *m = &r->items[r->nitems++];
  *m = (struct store_check_mismatch){
      .kind = kind, .bucket = bucket, .field = field, .expected = expected, .found = found};
  zz_strlcpy(m->entity, entity ? entity : "", sizeof m->entity);
  zz_strlcpy(m->metric, metric ? metric : "", sizeof m->metric);
}

/* Compares what the records give (exp, NULL: none) with a rollup row (got,
 * NULL: none) and reports the first field that differs: a count that
 * differs says it all, so the sums and extremes of that bucket are not
 * reported too. with_last: the row's last value is the newest record's (a
 * region's rows may tie on last_ts between series, so they skip it). */
static void compare(struct ck *k, enum store_check_kind kind, const char *entity,
                    const char *metric, int64_t bucket, const struct ck_agg *exp,
                    const struct ck_agg *got, int with_last) {
  struct ck_agg none;
  agg_empty(&none);
  if (!exp) exp = &none;
  if (!got) got = &none;
  k->r->buckets_checked++;
  if (exp->n != got->n) {
    mismatch(k, kind, entity, metric, bucket, "n", (double)exp->n, (double)got->n);
    return;
  }
  if (exp->n == 0) return;
  double scale = fmax(exp->abssum, fabs(got->sum));
  if (!(fabs(exp->sum - got->sum) <= STORE_CHECK_REL_TOL * scale))
    mismatch(k, kind, entity, metric, bucket, "sum", exp->sum, got->sum);
  if (!same(exp->min, got->min))
    mismatch(k, kind, entity, metric, bucket, "min", exp->min, got->min);
  if (!same(exp->max, got->max))
    mismatch(k, kind, entity, metric, bucket, "max", exp->max, got->max);
  if (!with_last) return;
  if (exp->last_ts != got->last_ts)
    mismatch(k, kind, entity, metric, bucket, "last_ts", (double)exp->last_ts,
             (double)got->last_ts);
  else if (!same(exp->last, got->last))
    mismatch(k, kind, entity, metric, bucket, "last", exp->last, got->last);
}

/* ---- one series ---- */

static int on_record(void *ud, int64_t ts, double v) {
  struct ck *k = ud;
  k->page_n++;
  k->page_last = ts;
  agg_add(&k->all, ts, v);
  for (size_t g = 0; g < ROLLUP_SERIES_GRAINS; g++) {
    struct ck_buckets *b = &k->g[g];
    int64_t start = zz_bucket_start(ts, ck_grains[g]);
    /* ascending records: a bucket is the last one or a new one */
    if (!b->n || b->v[b->n - 1].start != start) {
      if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct ck_bucket *p = zz_realloc(b->v, cap * sizeof *p);
        if (!p) {
          k->oom = 1;
          return 1;
        }
        b->v = p, b->cap = cap;
      }
      b->v[b->n].start = start;
      agg_empty(&b->v[b->n].a);
      b->n++;
    }
    agg_add(&b->v[b->n - 1].a, ts, v);
  }
  return 0;
}

/* Reads every record of the series, a page at a time. */
static int read_records(struct ck *k, int64_t entity, int64_t metric, struct zz_err *e) {
  int64_t from = INT64_MIN;
  for (;;) {
    k->page_n = 0;
    int rc =
        store_records_each(&k->s->base, entity, metric, from, INT64_MAX, CK_PAGE, on_record, k);
    if (k->oom) return zz_fail(e, ZZ_ENOMEM, "check", "out of memory");
    if (rc)
      return zz_fail(e, rc, "store", "cannot read the records of entity \"%s\", metric \"%s\"",
                     k->entity_key, k->metric_key);
    if (k->page_n < CK_PAGE || k->page_last == INT64_MAX) return 0;
    from = k->page_last + 1;
  }
}

static void row_agg(sqlite3_stmt *q, int first, struct ck_agg *a) {
  a->n = sqlite3_column_int64(q, first);
  a->sum = sqlite3_column_double(q, first + 1);
  a->abssum = 0;
  a->min = sq_col_real(q, first + 2);
  a->max = sq_col_real(q, first + 3);
  a->last = sq_col_real(q, first + 4);
  a->last_ts = sqlite3_column_type(q, first + 5) == SQLITE_NULL
                   ? INT64_MIN
                   : sqlite3_column_int64(q, first + 5);
}

/* Compares the series' srollup rows, grain by grain in bucket order, with
 * the buckets its records made (both sorted: a merge). */
static int compare_rollups(struct ck *k, int64_t series, struct zz_err *e) {
  sqlite3_stmt *q = sq_prepare(k->c,
                               "SELECT grain, bucket, n, sum, min, max, last, last_ts FROM srollup"
                               " WHERE series = ?1 ORDER BY grain, bucket",
                               e);
  if (!q) return e->code;
  sqlite3_bind_int64(q, 1, series);
  size_t at[ROLLUP_SERIES_GRAINS] = {0};
  int step;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    int grain = sqlite3_column_int(q, 0);
    size_t g = 0;
    while (g < ROLLUP_SERIES_GRAINS && (int)ck_grains[g] != grain) g++;
    if (g == ROLLUP_SERIES_GRAINS) continue; /* no series rows of other grains are written */
    enum store_check_kind kind = (enum store_check_kind)(STORE_CHECK_DAY + (int)g);
    struct ck_buckets *b = &k->g[g];
    int64_t bucket = sqlite3_column_int64(q, 1);
    struct ck_agg got;
    row_agg(q, 2, &got);
    if (bucket < k->horizon) { /* its records may be pruned: the row is all there is */
      for (; at[g] < b->n && b->v[at[g]].start <= bucket; at[g]++) {
      }
      k->r->buckets_skipped_retention++;
      continue;
    }
    /* buckets of records before this row have no row */
    for (; at[g] < b->n && b->v[at[g]].start < bucket; at[g]++)
      compare(k, kind, k->entity_key, k->metric_key, b->v[at[g]].start, &b->v[at[g]].a, NULL, 1);
    if (at[g] < b->n && b->v[at[g]].start == bucket) {
      compare(k, kind, k->entity_key, k->metric_key, bucket, &b->v[at[g]].a, &got, 1);
      at[g]++;
    } else {
      compare(k, kind, k->entity_key, k->metric_key, bucket, NULL, &got, 1);
    }
  }
  sq_release(k->c, q);
  if (step != SQLITE_DONE) return sq_fail(k->c->db, step, e, "check");
  for (size_t g = 0; g < ROLLUP_SERIES_GRAINS; g++)
    for (; at[g] < k->g[g].n; at[g]++)
      if (k->g[g].v[at[g]].start < k->horizon)
        k->r->buckets_skipped_retention++;
      else
        compare(k, (enum store_check_kind)(STORE_CHECK_DAY + (int)g), k->entity_key, k->metric_key,
                k->g[g].v[at[g]].start, &k->g[g].v[at[g]].a, NULL, 1);
  return 0;
}

/* The root region whose rollups the records of an entity in region reach,
 * as the writer walks up (at most ROLLUP_DEPTH_MAX levels, own region
 * first); 0 when the tree is deeper (its top is left out) or region is
 * unknown. */
static int64_t root_of(struct ck *k, int64_t region) {
  int64_t node = region;
  for (int depth = 0; node && depth < ROLLUP_DEPTH_MAX; depth++) {
    const struct ck_region *rg = zz_map_get(&k->regions, &node);
    if (!rg) return 0;
    if (!rg->parent) return node;
    node = rg->parent;
  }
  return 0;
}

static int add_to_root(struct ck *k, int64_t metric, int64_t region, struct zz_err *e) {
  int64_t root = root_of(k, region);
  if (!root) return 0;
  const struct ck_buckets *months = &k->g[1];
  for (size_t i = 0; i < months->n; i++) {
    if (months->v[i].start < k->horizon) continue; /* compare_roots skips the row */
    int64_t key[3] = {metric, root, months->v[i].start};
    int added = 0;
    struct ck_root_cell *cell = zz_map_put(&k->roots, key, &added);
    if (!cell) return zz_fail(e, ZZ_ENOMEM, "check", "out of memory");
    if (added) agg_empty(&cell->a);
    agg_merge(&cell->a, &months->v[i].a);
  }
  return 0;
}

static int check_series(struct ck *k, sqlite3_stmt *q, struct zz_err *e) {
  int64_t series = sqlite3_column_int64(q, 0), entity = sqlite3_column_int64(q, 1);
  int64_t metric = sqlite3_column_int64(q, 2), region = sqlite3_column_int64(q, 5);
  k->entity_key = sq_col_text(q, 3);
  k->metric_key = sq_col_text(q, 4);
  char ebuf[32], mbuf[32];
  if (!k->entity_key) snprintf(ebuf, sizeof ebuf, "#%lld", (long long)entity), k->entity_key = ebuf;
  if (!k->metric_key) snprintf(mbuf, sizeof mbuf, "#%lld", (long long)metric), k->metric_key = mbuf;
  const struct ck_metric *cm = zz_map_get(&k->metrics, &metric);
  k->horizon = cm ? cm->horizon : INT64_MIN;
  for (size_t g = 0; g < ROLLUP_SERIES_GRAINS; g++) k->g[g].n = 0;
  agg_empty(&k->all);
  int rc = read_records(k, entity, metric, e);
  if (rc) return rc;
  k->r->records += k->all.n;
  if ((rc = compare_rollups(k, series, e))) return rc;
  /* the series row holds the newest record */
  double last_ts = sqlite3_column_type(q, 6) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 6);
  double last_value = sq_col_real(q, 7);
  double exp_ts = k->all.n ? (double)k->all.last_ts : NAN;
  if (k->horizon != INT64_MIN && !(last_ts >= (double)k->horizon)) {
    k->r->buckets_skipped_retention++; /* the newest record may be pruned */
  } else {
    k->r->buckets_checked++;
    if (!same(exp_ts, last_ts))
      mismatch(k, STORE_CHECK_LAST, k->entity_key, k->metric_key, 0, "last_ts", exp_ts, last_ts);
    else if (!same(k->all.n ? k->all.last : NAN, last_value))
      mismatch(k, STORE_CHECK_LAST, k->entity_key, k->metric_key, 0, "last", k->all.last,
               last_value);
  }
  if (!k->o->entity && (rc = add_to_root(k, metric, region, e))) return rc;
  k->r->series++;
  return 0;
}

/* ---- the store-wide parts ---- */

static void free_region(void *p) {
  zz_free(((struct ck_region *)p)->path);
}

static void free_metric(void *p) {
  zz_free(((struct ck_metric *)p)->key);
}

static int load_names(struct ck *k, struct zz_err *e) {
  sqlite3_stmt *q = sq_prepare(k->c, "SELECT id, coalesce(parent, 0), path FROM region", e);
  if (!q) return e->code;
  int step, rc = 0;
  while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(q, 0);
    struct ck_region *rg = zz_map_put(&k->regions, &id, NULL);
    char *path = zz_strdup(sq_col_text(q, 2) ? sq_col_text(q, 2) : "");
    if (!rg || !path) {
      zz_free(path);
      rc = zz_fail(e, ZZ_ENOMEM, "check", "out of memory");
      break;
    }
    zz_free(rg->path);
    rg->parent = sqlite3_column_int64(q, 1);
    rg->path = path;
  }
  sq_release(k->c, q);
  if (rc) return rc;
  if (step != SQLITE_DONE) return sq_fail(k->c->db, step, e, "check");
  if (!(q = sq_prepare(k->c, "SELECT id, key, raw_days FROM metric", e))) return e->code;
  while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(q, 0);
    struct ck_metric *m = zz_map_put(&k->metrics, &id, NULL);
    char *key = zz_strdup(sq_col_text(q, 1) ? sq_col_text(q, 1) : "");
    if (!m || !key) {
      zz_free(key);
      rc = zz_fail(e, ZZ_ENOMEM, "check", "out of memory");
      break;
    }
    zz_free(m->key);
    m->key = key;
    int64_t days = sqlite3_column_int64(q, 2);
    m->horizon = days > 0 ? k->now - days * ZZ_DAY_MS : INT64_MIN;
  }
  sq_release(k->c, q);
  if (rc) return rc;
  return step == SQLITE_DONE ? 0 : sq_fail(k->c->db, step, e, "check");
}

static const char *metric_name(struct ck *k, int64_t id, char buf[32]) {
  const struct ck_metric *m = zz_map_get(&k->metrics, &id);
  if (m) return m->key;
  snprintf(buf, 32, "#%lld", (long long)id);
  return buf;
}

static const char *region_name(struct ck *k, int64_t id, char buf[32]) {
  const struct ck_region *rg = zz_map_get(&k->regions, &id);
  if (rg) return rg->path;
  snprintf(buf, 32, "#%lld", (long long)id);
  return buf;
}

/* Every month row of every root region against the months of the records
 * of the entities below it; then the months with records but no row. */
static int compare_roots(struct ck *k, struct zz_err *e) {
  sqlite3_stmt *q =
      sq_prepare(k->c,
                 "SELECT r.metric, r.node, r.bucket, r.n, r.sum, r.min, r.max, r.last,"
                 " r.last_ts FROM region g JOIN rollup r ON r.node = g.id AND r.grain"
                 " = ?1 WHERE g.parent IS NULL OR g.parent = 0 ORDER BY r.metric,"
                 " r.node, r.bucket",
                 e);
  if (!q) return e->code;
  sqlite3_bind_int(q, 1, ZZ_GRAIN_MONTH);
  int step;
  char mb[32], rb[32];
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    int64_t key[3] = {sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
                      sqlite3_column_int64(q, 2)};
    struct ck_agg got;
    row_agg(q, 3, &got);
    const struct ck_metric *cm = zz_map_get(&k->metrics, &key[0]);
    if (cm && key[2] < cm->horizon) {
      k->r->buckets_skipped_retention++;
      continue;
    }
    struct ck_root_cell *cell = zz_map_get(&k->roots, key);
    if (cell) cell->seen = 1;
    compare(k, STORE_CHECK_REGION, region_name(k, key[1], rb), metric_name(k, key[0], mb), key[2],
            cell ? &cell->a : NULL, &got, 0);
  }
  sq_release(k->c, q);
  if (step != SQLITE_DONE) return sq_fail(k->c->db, step, e, "check");
  for (size_t i = 0; i < zz_map_cap(&k->roots); i++) {
    const struct ck_root_cell *cell = zz_map_at(&k->roots, i);
    if (cell && !cell->seen)
      compare(k, STORE_CHECK_REGION, region_name(k, cell->root, rb),
              metric_name(k, cell->metric, mb), cell->bucket, &cell->a, NULL, 0);
  }
  return 0;
}

static int compare_counter(struct ck *k, struct zz_err *e) {
  sqlite3_stmt *q = sq_prepare(k->c, "SELECT n FROM counter WHERE key = 'records'", e);
  if (!q) return e->code;
  int step = sqlite3_step(q);
  double found = step == SQLITE_ROW ? sqlite3_column_double(q, 0) : NAN;
  sq_release(k->c, q);
  if (step != SQLITE_ROW && step != SQLITE_DONE) return sq_fail(k->c->db, step, e, "check");
  /* pruned records leave the counter above what is read */
  if (k->r->buckets_skipped_retention && (double)k->r->records <= found) {
    k->r->buckets_skipped_retention++;
    return 0;
  }
  k->r->buckets_checked++;
  if (!same((double)k->r->records, found))
    mismatch(k, STORE_CHECK_COUNTER, "", "", 0, "n", (double)k->r->records, found);
  return 0;
}

static int count_series(struct ck *k, int64_t *n, struct zz_err *e) {
  sqlite3_stmt *q = sq_prepare(k->c,
                               "SELECT count(*) FROM series s LEFT JOIN entity e ON e.id = s.entity"
                               " WHERE ?1 IS NULL OR e.key = ?1",
                               e);
  if (!q) return e->code;
  sq_bind_text(q, 1, k->o->entity);
  int step = sqlite3_step(q);
  *n = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sq_release(k->c, q);
  return step == SQLITE_ROW ? 0 : sq_fail(k->c->db, step, e, "check");
}

static int entity_exists(struct ck *k, struct zz_err *e) {
  sqlite3_stmt *q = sq_prepare(k->c, "SELECT 1 FROM entity WHERE key = ?1", e);
  if (!q) return e->code;
  sq_bind_text(q, 1, k->o->entity);
  int step = sqlite3_step(q);
  sq_release(k->c, q);
  if (step == SQLITE_ROW) return 0;
  if (step != SQLITE_DONE) return sq_fail(k->c->db, step, e, "check");
  return zz_fail(e, ZZ_ENOTFOUND, "entity", "entity \"%s\" does not exist", k->o->entity);
}

static int exec(struct sq_conn *c, const char *sql, struct zz_err *e) {
  sqlite3_stmt *q = sq_prepare(c, sql, e);
  if (!q) return e->code;
  int step = sqlite3_step(q);
  sq_release(c, q);
  return step == SQLITE_DONE || step == SQLITE_ROW ? 0 : sq_fail(c->db, step, e, "check");
}

static int run(struct ck *k, struct zz_err *e) {
  int rc;
  if (k->o->entity && (rc = entity_exists(k, e))) return rc;
  if ((rc = load_names(k, e))) return rc;
  int64_t total = 0, done = 0;
  if ((rc = count_series(k, &total, e))) return rc;
  sqlite3_stmt *q = sq_prepare(
      k->c,
      "SELECT s.id, s.entity, s.metric, e.key, m.key, coalesce(e.region, 0), s.last_ts,"
      " s.last_value FROM series s LEFT JOIN entity e ON e.id = s.entity LEFT JOIN metric m"
      " ON m.id = s.metric WHERE ?1 IS NULL OR e.key = ?1 ORDER BY s.id",
      e);
  if (!q) return e->code;
  sq_bind_text(q, 1, k->o->entity);
  int step;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    if ((rc = check_series(k, q, e))) break;
    if (k->oom) break; /* store_check fails it */
    if (k->o->progress) k->o->progress(k->o->ud, ++done, total);
  }
  sq_release(k->c, q);
  if (rc) return rc;
  if (step != SQLITE_DONE) return sq_fail(k->c->db, step, e, "check");
  if (k->o->entity) return 0; /* one entity's records are not the store's totals */
  if ((rc = compare_counter(k, e))) return rc;
  return compare_roots(k, e);
}

int store_check(struct store *st, const struct store_check_opts *o, struct store_check_report *out,
                struct zz_err *e) {
  memset(out, 0, sizeof *out);
  struct ck k = {.s = SQ_S(st),
                 .o = o,
                 .r = out,
                 .limit = o->limit > 0 ? o->limit : 100,
                 .now = o->now ? o->now : zz_time_now()};
  zz_map_init(&k.regions, sizeof(struct ck_region), sizeof(int64_t), free_region);
  zz_map_init(&k.metrics, sizeof(struct ck_metric), sizeof(int64_t), free_metric);
  zz_map_init(&k.roots, sizeof(struct ck_root_cell), 3 * sizeof(int64_t), NULL);
  int rc = 0, began = 0;
  if (!(k.c = sq_conn_get(k.s))) {
    rc = zz_fail(e, ZZ_ESTORE, "store", "no database connection");
    goto done;
  }
  /* One read transaction: every statement below and every read of
   * store_records_each (this thread's connection) sees the same commit,
   * while a server's writer goes on. Deferred, so it takes no write lock. */
  if (sqlite3_get_autocommit(k.c->db)) {
    if ((rc = exec(k.c, "BEGIN", e))) goto done;
    began = 1;
  }
  rc = run(&k, e);
  if (!rc && k.oom) rc = zz_fail(e, ZZ_ENOMEM, "check", "out of memory");
done:
  if (began) {
    struct zz_err ignored;
    exec(k.c, "COMMIT", &ignored); /* read only: nothing to keep or lose */
  }
  for (size_t g = 0; g < ROLLUP_SERIES_GRAINS; g++) zz_free(k.g[g].v);
  zz_map_free(&k.regions);
  zz_map_free(&k.metrics);
  zz_map_free(&k.roots);
  return rc;
}

void store_check_report_free(struct store_check_report *r) {
  zz_free(r->items);
  r->items = NULL;
  r->nitems = 0;
}

const char *store_check_kind_name(enum store_check_kind k) {
  switch (k) {
  case STORE_CHECK_DAY:
    return "day";
  case STORE_CHECK_MONTH:
    return "month";
  case STORE_CHECK_YEAR:
    return "year";
  case STORE_CHECK_LAST:
    return "last";
  case STORE_CHECK_COUNTER:
    return "counter";
  case STORE_CHECK_REGION:
    return "region";
  }
  return "?";
}
