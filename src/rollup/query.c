/* query.c - the query engine: aggregation maths, the range planner, point
 * grids, entity aggregates, top-N and attribute breakdowns. Reads go through
 * struct store_ops: region answers come from the rollup table (plus, at the
 * edges of a total whose minute rows are gone, under an hour of records per
 * series), entity answers from srollup and the series' last values. */
#include "rollup/query.h"

#include <jansson.h>
#include <yajl/yajl_parse.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "core/hash.h"
#include "rollup/fanout.h" /* ROLLUP_KEEP_*: which grains hold rows */
#include "store/store_records.h"
#include "store/store_registry.h"

/* ---- aggregation maths ---- */

static const char *const agg_names[] = {NULL, "sum", "count", "avg", "min", "max", "last"};

int rollup_agg_parse(const char *s, enum rollup_agg *out) {
  if (!s) return ZZ_EINVAL;
  for (int a = ROLLUP_SUM; a <= ROLLUP_LAST; a++) {
    if (strcmp(s, agg_names[a]) == 0) {
      *out = (enum rollup_agg)a;
      return 0;
    }
  }
  return ZZ_EINVAL;
}

const char *rollup_agg_name(enum rollup_agg a) {
  return a >= ROLLUP_SUM && a <= ROLLUP_LAST ? agg_names[a] : "unknown";
}

void rollup_agg_empty(struct store_agg *a) {
  a->n = 0;
  a->sum = 0;
  a->min = a->max = a->last = NAN;
  a->last_ts = INT64_MIN;
}

void rollup_agg_fold(struct store_agg *into, const struct store_agg *a) {
  into->n += a->n;
  into->sum += a->sum;
  /* NaN means "no value": a comparison with NaN is false, so test it first. */
  if (!isnan(a->min) && (isnan(into->min) || a->min < into->min)) into->min = a->min;
  if (!isnan(a->max) && (isnan(into->max) || a->max > into->max)) into->max = a->max;
  if (!isnan(a->last) && (isnan(into->last) || a->last_ts >= into->last_ts)) {
    into->last = a->last;
    into->last_ts = a->last_ts;
  }
}

double rollup_agg_value(const struct store_agg *a, enum rollup_agg agg) {
  switch (agg) {
  case ROLLUP_SUM:
    return a->sum;
  case ROLLUP_COUNT:
    return (double)a->n;
  case ROLLUP_AVG:
    return a->n > 0 ? a->sum / (double)a->n : NAN;
  case ROLLUP_MIN:
    return a->n > 0 ? a->min : NAN;
  case ROLLUP_MAX:
    return a->n > 0 ? a->max : NAN;
  case ROLLUP_LAST:
    return a->n > 0 ? a->last : NAN;
  }
  return NAN;
}

double rollup_agg_empty_value(enum rollup_agg agg) {
  return agg == ROLLUP_SUM || agg == ROLLUP_COUNT ? 0 : NAN;
}

double rollup_change(double total, double previous) {
  if (isnan(total) || isnan(previous) || previous == 0) return NAN;
  return (total - previous) / previous;
}

/* ---- time ranges ---- */

#define RANGE_MSG                                                                                  \
  "from must be before to, both between the years 1 and 9999, at most 1000 years apart"

int64_t rollup_ceil(int64_t t, enum zz_grain g) {
  int64_t s = zz_bucket_start(t, g);
  return s == t ? t : zz_bucket_next(s, g);
}

void rollup_retained(int64_t now, int64_t out[5]) {
  out[0] = INT64_MIN;
  /* Rows at or after these bucket starts are whole: the writer never skips a
   * record for them and pruning never removed them (both use a clock that is
   * not ahead of ours). The hour holding now - 400 days may be partial. */
  out[ZZ_GRAIN_MINUTE] = rollup_ceil(now - ROLLUP_KEEP_MINUTE_MS, ZZ_GRAIN_MINUTE);
  out[ZZ_GRAIN_HOUR] = rollup_ceil(now - ROLLUP_KEEP_HOUR_MS, ZZ_GRAIN_HOUR);
  out[ZZ_GRAIN_DAY] = out[ZZ_GRAIN_MONTH] = INT64_MIN;
}

int rollup_compare_parse(const char *s, enum rollup_compare *out) {
  if (s && strcmp(s, "yoy") == 0)
    *out = ROLLUP_CMP_YOY;
  else if (s && strcmp(s, "mom") == 0)
    *out = ROLLUP_CMP_MOM;
  else
    return ZZ_EINVAL;
  return 0;
}

void rollup_compare_shift(enum rollup_compare c, int64_t from, int64_t to, int64_t *pfrom,
                          int64_t *pto) {
  int months = c == ROLLUP_CMP_YOY ? -12 : c == ROLLUP_CMP_MOM ? -1 : 0;
  *pfrom = months ? zz_time_add_months(from, months) : from;
  *pto = months ? zz_time_add_months(to, months) : to;
}

/* Covers [from, to) (both minute-aligned) greedily with the coarsest whole
 * bucket that starts at the cursor and ends by to. Returns 0, or ZZ_EINVAL
 * when a bucket would be older than its grain's retention (and, for a
 * minute, cannot be raw) or the plan would not fit. Coarser grains are
 * retained at least as long as finer ones, so the coarsest choice is never
 * worse. */
static int plan_walk(int64_t from, int64_t to, const int64_t lim[5], int raw,
                     struct rollup_plan *p) {
  p->n = 0;
  p->from = from;
  p->to = to;
  for (int64_t t = from; t < to;) {
    int g = ZZ_GRAIN_MONTH;
    int64_t next = 0;
    for (; g > ZZ_GRAIN_MINUTE; g--) {
      if (zz_bucket_start(t, (enum zz_grain)g) != t) continue;
      next = zz_bucket_next(t, (enum zz_grain)g);
      if (next <= to) break;
    }
    if (g == ZZ_GRAIN_MINUTE) next = t + ZZ_MINUTE_MS;
    int is_raw = 0;
    if (t < lim[g]) {
      /* A lost minute is read raw only where its hour row is kept: an edge
       * never reads more than 59 minutes of records. */
      if (g != ZZ_GRAIN_MINUTE || !raw || zz_bucket_start(t, ZZ_GRAIN_HOUR) < lim[ZZ_GRAIN_HOUR])
        return ZZ_EINVAL;
      is_raw = 1;
    }
    struct rollup_span *last = p->n ? &p->span[p->n - 1] : NULL;
    if (last && last->grain == (enum zz_grain)g && last->raw == is_raw && last->to == t) {
      last->to = next;
    } else {
      if (p->n == ROLLUP_PLAN_MAX) return ZZ_EINVAL;
      p->span[p->n++] = (struct rollup_span){(enum zz_grain)g, is_raw, t, next};
    }
    t = next;
  }
  return 0;
}

int rollup_range_ok(int64_t from, int64_t to) {
  return from >= ROLLUP_TIME_MIN && to <= ROLLUP_TIME_MAX && from < to &&
         to - from <= ROLLUP_RANGE_MAX_MS;
}

int rollup_plan_range(int64_t from, int64_t to, int64_t now, int raw, struct rollup_plan *out) {
  if (!rollup_range_ok(from, to)) return ZZ_EINVAL;
  int64_t lim[5];
  rollup_retained(now, lim);
  /* Prefer the finest edges. The from edge's validity does not depend on the
   * to edge (everything after a retained start is retained), so trying the
   * pairs in this order finds the finest plan for both edges. Day edges
   * always succeed: day and month rows are kept forever. */
  for (int gf = ZZ_GRAIN_MINUTE; gf <= ZZ_GRAIN_DAY; gf++) {
    int64_t f = zz_bucket_start(from, (enum zz_grain)gf);
    for (int gt = ZZ_GRAIN_MINUTE; gt <= ZZ_GRAIN_DAY; gt++) {
      int64_t t = rollup_ceil(to, (enum zz_grain)gt);
      if (plan_walk(f, t, lim, raw, out) == 0) return 0;
    }
  }
  ZZ_ASSERT(!"a day-aligned plan cannot fail");
  return ZZ_EINTERNAL;
}

size_t rollup_grid_count(int64_t from, int64_t to, enum zz_grain g, size_t max) {
  if (from >= to) return 0;
  if (!rollup_range_ok(from, to)) return max + 1;
  int64_t a = zz_bucket_start(from, g), b = rollup_ceil(to, g);
  int64_t n;
  if (g == ZZ_GRAIN_MONTH) {
    struct zz_civil x, y;
    zz_time_civil(a, &x);
    zz_time_civil(b, &y);
    n = ((int64_t)y.year * 12 + y.month) - ((int64_t)x.year * 12 + x.month);
  } else {
    int64_t step = g == ZZ_GRAIN_MINUTE ? ZZ_MINUTE_MS
                   : g == ZZ_GRAIN_HOUR ? ZZ_HOUR_MS
                                        : ZZ_DAY_MS;
    n = (b - a) / step; /* both are bucket starts, so the difference is whole */
  }
  if (n < 0 || (uint64_t)n > (uint64_t)max) return max + 1;
  return (size_t)n;
}

/* ---- region queries ---- */

static int fold_bucket(void *ud, int64_t bucket, const struct store_agg *a) {
  (void)bucket;
  rollup_agg_fold(ud, a);
  return 0;
}

/* Entities with a series of the metric, per node: ents[off[i]..off[i+1]). */
struct node_series {
  int64_t *ents;
  size_t n, cap;
  int rc;
};

static int series_row(void *ud, int64_t entity, int64_t metric, int64_t ts, double value) {
  struct node_series *c = ud;
  (void)metric, (void)ts, (void)value;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    int64_t *p = zz_realloc(c->ents, cap * sizeof *p);
    if (!p) {
      c->rc = ZZ_ENOMEM;
      return 1;
    }
    c->ents = p;
    c->cap = cap;
  }
  c->ents[c->n++] = entity;
  return 0;
}

static int fold_record(void *ud, int64_t ts, double v) {
  struct store_agg one = {1, v, v, v, v, ts};
  rollup_agg_fold(ud, &one);
  return 0;
}

int rollup_totals(struct store *st, int64_t metric, const struct rollup_node *nodes, size_t n,
                  int64_t from, int64_t to, int64_t now, int allow_raw, struct store_agg *out,
                  int64_t *cov_from, int64_t *cov_to, struct zz_err *e) {
  struct rollup_plan p;
  struct node_series ns = {0};
  size_t *off = NULL;
  int rc = 0, raw = 0;
  if (rollup_plan_range(from, to, now, allow_raw, &p))
    return zz_fail(e, ZZ_EINVAL, "from", RANGE_MSG);
  for (int s = 0; s < p.n; s++) raw |= p.span[s].raw;
  if (raw) {
    /* Raw spans need each node's series; too many, and the edges round out. */
    off = zz_malloc((n + 1) * sizeof *off);
    if (!off) {
      rc = zz_fail(e, ZZ_ENOMEM, "", "out of memory");
      goto done;
    }
    for (size_t i = 0; i < n && raw; i++) {
      off[i] = ns.n;
      rc = store_latest_each(st, metric, 0, nodes[i].lo, nodes[i].hi, NULL, series_row, &ns);
      if (!rc) rc = ns.rc;
      if (rc) {
        rc = zz_fail(e, rc, "store", "cannot list series: %s", zz_strerror(rc));
        goto done;
      }
      if (ns.n - off[i] > ROLLUP_RAW_SERIES_MAX) raw = 0;
    }
    off[n] = ns.n;
    if (!raw) rollup_plan_range(from, to, now, 0, &p);
  }
  if (cov_from) *cov_from = p.from;
  if (cov_to) *cov_to = p.to;
  for (size_t i = 0; i < n; i++) {
    rollup_agg_empty(&out[i]);
    for (int s = 0; s < p.n; s++) {
      const struct rollup_span *sp = &p.span[s];
      if (!sp->raw) {
        rc = store_rollup_buckets(st, metric, nodes[i].id, sp->grain, sp->from, sp->to, fold_bucket,
                                  &out[i]);
        if (rc) {
          rc = zz_fail(e, rc, "store", "cannot read rollups: %s", zz_strerror(rc));
          goto done;
        }
        continue;
      }
      for (size_t k = off[i]; k < off[i + 1]; k++) {
        rc = store_records_each(st, ns.ents[k], metric, sp->from, sp->to, INT32_MAX, fold_record,
                                &out[i]);
        if (rc) {
          rc = zz_fail(e, rc, "store", "cannot read records: %s", zz_strerror(rc));
          goto done;
        }
      }
    }
  }
done:
  zz_free(ns.ents);
  zz_free(off);
  return rc;
}

int rollup_total(struct store *st, int64_t metric, const struct rollup_node *node, int64_t from,
                 int64_t to, int64_t now, struct store_agg *out, int64_t *cov_from, int64_t *cov_to,
                 struct zz_err *e) {
  return rollup_totals(st, metric, node, 1, from, to, now, 1, out, cov_from, cov_to, e);
}

void rollup_points_free(struct rollup_points *p) {
  zz_free(p->t);
  zz_free(p->v);
  p->t = NULL;
  p->v = NULL;
  p->n = 0;
}

/* Filling a grid from bucket rows that arrive in ascending order. */
struct grid_fill {
  struct rollup_points *p;
  size_t i; /* cursor: rows never go backwards */
  enum rollup_agg agg;
  int64_t retained; /* buckets before this stay null */
};

static int grid_row(void *ud, int64_t bucket, const struct store_agg *a) {
  struct grid_fill *f = ud;
  struct rollup_points *p = f->p;
  while (f->i < p->n && p->t[f->i] < bucket) f->i++;
  if (f->i == p->n) return 1;
  if (p->t[f->i] == bucket && bucket >= f->retained) p->v[f->i] = rollup_agg_value(a, f->agg);
  return 0;
}

/* Allocates the grid of g over [from, to) and fills every point with the
 * empty value (NaN before retained). */
static int grid_init(struct rollup_points *out, enum zz_grain g, int64_t from, int64_t to,
                     enum rollup_agg agg, int64_t retained, size_t max_points, struct zz_err *e) {
  memset(out, 0, sizeof *out);
  if (!rollup_range_ok(from, to)) return zz_fail(e, ZZ_EINVAL, "from", RANGE_MSG);
  size_t n = rollup_grid_count(from, to, g, max_points);
  if (n > max_points)
    return zz_fail(
        e, ZZ_EINVAL, "grain",
        "the range holds more than %zu %s buckets: choose a coarser grain or a shorter range",
        max_points, zz_grain_name(g));
  out->grain = g;
  out->from = zz_bucket_start(from, g);
  out->to = rollup_ceil(to, g);
  out->t = zz_malloc((n ? n : 1) * sizeof *out->t);
  out->v = zz_malloc((n ? n : 1) * sizeof *out->v);
  if (!out->t || !out->v) {
    rollup_points_free(out);
    return zz_fail(e, ZZ_ENOMEM, "points", "out of memory");
  }
  double empty = rollup_agg_empty_value(agg);
  int64_t t = out->from;
  for (size_t i = 0; i < n; i++, t = zz_bucket_next(t, g)) {
    out->t[i] = t;
    out->v[i] = t >= retained ? empty : NAN;
  }
  ZZ_ASSERT(t == out->to);
  out->n = n;
  return 0;
}

int rollup_series(struct store *st, int64_t metric, int64_t region, enum zz_grain g, int64_t from,
                  int64_t to, enum rollup_agg agg, int64_t now, size_t max_points,
                  struct rollup_points *out, struct zz_err *e) {
  int64_t lim[5];
  rollup_retained(now, lim);
  int rc = grid_init(out, g, from, to, agg, lim[g], max_points, e);
  if (rc) return rc;
  struct grid_fill f = {out, 0, agg, lim[g]};
  rc = store_rollup_buckets(st, metric, region, g, out->from, out->to, grid_row, &f);
  if (rc) {
    rollup_points_free(out);
    return zz_fail(e, rc, "store", "cannot read rollups: %s", zz_strerror(rc));
  }
  return 0;
}

int rollup_entity_series(struct store *st, int64_t entity, int64_t metric, enum zz_grain g,
                         int64_t from, int64_t to, enum rollup_agg agg, size_t max_points,
                         struct rollup_points *out, struct zz_err *e) {
  if (g != ZZ_GRAIN_DAY && g != ZZ_GRAIN_MONTH)
    return zz_fail(e, ZZ_EINVAL, "grain", "entity series exist by day and by month only");
  int rc = grid_init(out, g, from, to, agg, INT64_MIN, max_points, e);
  if (rc) return rc;
  struct grid_fill f = {out, 0, agg, INT64_MIN};
  rc = store_entity_buckets(st, entity, metric, g, out->from, out->to, grid_row, &f);
  if (rc) {
    rollup_points_free(out);
    return zz_fail(e, rc, "store", "cannot read rollups: %s", zz_strerror(rc));
  }
  return 0;
}

/* ---- entity aggregates and top-N ---- */

void rollup_whole_days(int64_t from, int64_t to, int64_t *day_from, int64_t *day_to) {
  *day_from = zz_bucket_start(from, ZZ_GRAIN_DAY);
  *day_to = rollup_ceil(to, ZZ_GRAIN_DAY);
}

struct values_ctx {
  struct rollup_item *v;
  size_t n, cap;
  enum rollup_agg agg;
  int rc;
};

static int value_row(void *ud, int64_t entity, const struct store_agg *a) {
  struct values_ctx *c = ud;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 1024;
    struct rollup_item *p = zz_realloc(c->v, cap * sizeof *p);
    if (!p) {
      c->rc = ZZ_ENOMEM;
      return 1;
    }
    c->v = p;
    c->cap = cap;
  }
  c->v[c->n++] = (struct rollup_item){entity, rollup_agg_value(a, c->agg), *a};
  return 0;
}

/* agg=last over days that reach each series' newest record: the series'
 * current value (kept with the series) is its last in [d0, d1) when it lies
 * there, which spares folding a month or day row per entity (the "top 20
 * employers this year" read every enterprise's rows). When some series
 * has a value at or after d1 the range does not reach the newest records
 * and the caller folds rollup rows instead. */
struct last_ctx {
  struct values_ctx *c;
  int64_t d0, d1;
  int beyond; /* a series' current value is at or after d1 */
};

static int last_row(void *ud, int64_t entity, int64_t metric, int64_t ts, double value) {
  (void)metric;
  struct last_ctx *l = ud;
  if (ts >= l->d1) {
    l->beyond = 1;
    return 1;
  }
  if (ts < l->d0) return 0; /* nothing in the range */
  struct store_agg a = {
      .n = 1, .sum = value, .min = value, .max = value, .last = value, .last_ts = ts};
  return value_row(l->c, entity, &a);
}

int rollup_entity_values(struct store *st, int64_t metric, int64_t lo, int64_t hi, const char *type,
                         int64_t from, int64_t to, enum rollup_agg agg, struct rollup_item **out,
                         size_t *n) {
  int64_t d0, d1;
  rollup_whole_days(from, to, &d0, &d1);
  struct values_ctx c = {NULL, 0, 0, agg, 0};
  int rc;
  if (agg == ROLLUP_LAST) {
    struct last_ctx l = {&c, d0, d1, 0};
    rc = store_latest_each(st, metric, 0, lo, hi, type, last_row, &l);
    if (!rc) rc = c.rc;
    if (!rc && !l.beyond) {
      *out = c.v;
      *n = c.n;
      return 0;
    }
    zz_free(c.v);
    c = (struct values_ctx){NULL, 0, 0, agg, 0};
    if (rc) {
      *out = NULL;
      *n = 0;
      return rc;
    }
  }
  int additive = agg == ROLLUP_SUM || agg == ROLLUP_COUNT || agg == ROLLUP_AVG;
  rc = store_entity_aggs(st, metric, lo, hi, type, d0, d1, additive, value_row, &c);
  if (!rc) rc = c.rc;
  if (rc) {
    zz_free(c.v);
    *out = NULL;
    *n = 0;
    return rc;
  }
  *out = c.v;
  *n = c.n;
  return 0;
}

int rollup_item_cmp(const struct rollup_item *x, const struct rollup_item *y) {
  int xn = isnan(x->v), yn = isnan(y->v);
  if (xn != yn) return xn ? 1 : -1;
  if (!xn && x->v != y->v) return x->v > y->v ? -1 : 1;
  return x->entity < y->entity ? -1 : x->entity > y->entity;
}

static int item_qsort_cmp(const void *a, const void *b) {
  return rollup_item_cmp(a, b);
}

static void item_swap(struct rollup_item *a, struct rollup_item *b) {
  struct rollup_item t = *a;
  *a = *b;
  *b = t;
}

/* Heap of the k best so far with the worst at the root. */
static void heap_down(struct rollup_item *h, size_t k, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < k && rollup_item_cmp(&h[l], &h[w]) > 0) w = l;
    if (r < k && rollup_item_cmp(&h[r], &h[w]) > 0) w = r;
    if (w == i) return;
    item_swap(&h[i], &h[w]);
    i = w;
  }
}

size_t rollup_top_k(struct rollup_item *items, size_t n, size_t k) {
  if (k > n) k = n;
  if (k == 0) return 0;
  for (size_t i = k / 2; i-- > 0;) heap_down(items, k, i);
  for (size_t i = k; i < n; i++) {
    if (rollup_item_cmp(&items[i], &items[0]) < 0) {
      item_swap(&items[i], &items[0]);
      heap_down(items, k, 0);
    }
  }
  if (k) qsort(items, k, sizeof *items, item_qsort_cmp);
  return k;
}

/* ---- entity names ---- */

/* Per-id reads below this many entities, one paged scan above. A read by id
 * is a primary-key seek; a scan also walks entities nobody asked for. */
#define ENTS_SEEK_MAX 256
#define ENTS_PAGE 4096

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_ent(const void *a, const void *b) {
  return cmp_i64(&((const struct rollup_ent *)a)->id, &((const struct rollup_ent *)b)->id);
}

const struct rollup_ent *rollup_ents_find(const struct rollup_ents *es, int64_t id) {
  struct rollup_ent key = {.id = id};
  return es->n ? bsearch(&key, es->e, es->n, sizeof key, cmp_ent) : NULL;
}

void rollup_ents_free(struct rollup_ents *es) {
  zz_free(es->e);
  es->e = NULL;
  es->n = 0;
  zz_buf_free(&es->text);
}

struct ents_ctx {
  struct rollup_ents *es;
  const char *attr;
  char needle[80]; /* "\"attr\"": attrs without it need no parse */
  size_t i;        /* scan cursor into es->e */
  int64_t last_id; /* last row seen (next page starts after it) */
  int rows;
  int rc;
};

/* Appends s with its NUL to the text; returns its offset (0 for ""). */
static size_t text_add(struct ents_ctx *c, const char *s, size_t len) {
  if (!s || !len) return 0;
  size_t off = c->es->text.len;
  if (zz_buf_add(&c->es->text, s, len) || zz_buf_addc(&c->es->text, '\0')) {
    c->rc = ZZ_ENOMEM;
    return 0;
  }
  return off;
}

/* Finding one top-level member of attrs_json: yajl's callbacks track the
 * depth and stop the parse at the member's value, so a breakdown reads only
 * the front of each object (jansson would build the whole tree: measured
 * ~5 us an entity against ~0.5 us). */
struct attr_scan {
  struct ents_ctx *c;
  int depth;   /* 1 inside the top-level object */
  int want;    /* the next value at depth 1 is the attribute's */
  int complex; /* its value is an object or array */
  size_t off;
};

static int as_scalar(struct attr_scan *a, const char *s, size_t len) {
  if (a->depth != 1 || !a->want) return 1;
  a->off = text_add(a->c, s, len);
  return 0; /* found: stop the parse */
}

static int as_null(void *ud) {
  struct attr_scan *a = ud;
  return a->depth == 1 && a->want ? 0 : 1;
}
static int as_bool(void *ud, int v) {
  return as_scalar(ud, v ? "true" : "false", v ? 4 : 5);
}
static int as_number(void *ud, const char *s, size_t len) {
  return as_scalar(ud, s, len);
}
static int as_string(void *ud, const unsigned char *s, size_t len) {
  return as_scalar(ud, (const char *)s, len);
}
static int as_open(void *ud) {
  struct attr_scan *a = ud;
  if (a->depth == 1 && a->want) {
    a->complex = 1;
    return 0;
  }
  a->depth++;
  return 1;
}
static int as_close(void *ud) {
  struct attr_scan *a = ud;
  return --a->depth > 0; /* the top-level object ended: stop */
}
static int as_key(void *ud, const unsigned char *k, size_t len) {
  struct attr_scan *a = ud;
  if (a->depth == 1) a->want = len == strlen(a->c->attr) && memcmp(k, a->c->attr, len) == 0;
  return 1;
}

static const yajl_callbacks attr_callbacks = {
    as_null, as_bool, NULL,     NULL,    as_number, as_string,
    as_open, as_key,  as_close, as_open, as_close,
};

/* The attribute's value as text: strings as they are, numbers and booleans
 * as written, objects and arrays as compact JSON (through jansson: rare). */
static size_t attr_text(struct ents_ctx *c, const char *attrs_json) {
  if (!attrs_json || !strstr(attrs_json, c->needle)) return 0;
  struct attr_scan a = {.c = c};
  yajl_handle h = yajl_alloc(&attr_callbacks, NULL, &a);
  if (!h) {
    c->rc = ZZ_ENOMEM;
    return 0;
  }
  yajl_parse(h, (const unsigned char *)attrs_json, strlen(attrs_json));
  yajl_free(h);
  if (!a.complex) return a.off;
  json_t *root = json_loads(attrs_json, 0, NULL);
  json_t *v = json_is_object(root) ? json_object_get(root, c->attr) : NULL;
  char *dump = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  size_t off = dump ? text_add(c, dump, strlen(dump)) : 0;
  zz_free(dump);
  json_decref(root);
  return off;
}

static void ent_fill(struct ents_ctx *c, struct rollup_ent *x, const struct store_entity *en) {
  x->found = 1;
  x->key = text_add(c, en->key, en->key ? strlen(en->key) : 0);
  x->name_zh = text_add(c, en->name_zh, en->name_zh ? strlen(en->name_zh) : 0);
  x->name_en = text_add(c, en->name_en, en->name_en ? strlen(en->name_en) : 0);
  x->attr = c->attr ? attr_text(c, en->attrs_json) : 0;
}

static int ent_seek_row(void *ud, const struct store_entity *en) {
  struct ents_ctx *c = ud;
  struct rollup_ent *x = &c->es->e[c->i];
  if (en->id == x->id) ent_fill(c, x, en);
  return 1;
}

static int ent_scan_row(void *ud, const struct store_entity *en) {
  struct ents_ctx *c = ud;
  struct rollup_ents *es = c->es;
  c->rows++;
  c->last_id = en->id;
  while (c->i < es->n && es->e[c->i].id < en->id) c->i++;
  if (c->i == es->n) return 1;
  if (es->e[c->i].id == en->id) ent_fill(c, &es->e[c->i], en);
  return c->rc != 0;
}

/* ---- the scan cache ----
 * A breakdown by attribute or a long top-N reads every entity of a type in
 * a region and parses an attribute out of each: at 3,000 enterprises that
 * was most of the query's time, yet entities seldom change. So a scan's
 * result (every entity of the type and region, with the attribute) is kept
 * while the store's catalog version stands (it moves whenever an entity,
 * region or series is added or changed), and callers get a copy. */
#define ENTS_CACHE 8

struct ents_slot {
  const struct store *st;
  int64_t version, lo, hi;
  char type[64], attr[64];
  int used;
  uint64_t stamp;
  struct rollup_ents es;
};

static struct {
  pthread_mutex_t lock;
  struct ents_slot slot[ENTS_CACHE];
  uint64_t clock;
} g_ents = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int ents_copy(struct rollup_ents *dst, const struct rollup_ents *src) {
  memset(dst, 0, sizeof *dst);
  zz_buf_init(&dst->text, 0);
  if (zz_buf_add(&dst->text, src->text.data, src->text.len)) return ZZ_ENOMEM;
  dst->e = zz_malloc((src->n ? src->n : 1) * sizeof *dst->e);
  if (!dst->e) {
    zz_buf_free(&dst->text);
    return ZZ_ENOMEM;
  }
  memcpy(dst->e, src->e, src->n * sizeof *dst->e);
  dst->n = src->n;
  return 0;
}

static int ent_all_row(void *ud, const struct store_entity *en) {
  struct ents_ctx *c = ud;
  struct rollup_ents *es = c->es;
  c->rows++;
  c->last_id = en->id;
  if (es->n == c->i) { /* c->i holds the capacity here */
    size_t cap = c->i ? c->i * 2 : 1024;
    struct rollup_ent *p = zz_realloc(es->e, cap * sizeof *p);
    if (!p) {
      c->rc = ZZ_ENOMEM;
      return 1;
    }
    es->e = p;
    c->i = cap;
  }
  struct rollup_ent *x = &es->e[es->n++];
  memset(x, 0, sizeof *x);
  x->id = en->id;
  ent_fill(c, x, en);
  return c->rc != 0;
}

/* Every entity of (type, lo, hi) with attr into out (sorted by id). */
static int ents_scan_all(struct store *st, const char *type, int64_t lo, int64_t hi,
                         const char *attr, struct rollup_ents *out) {
  memset(out, 0, sizeof *out);
  zz_buf_init(&out->text, 0);
  if (zz_buf_addc(&out->text, '\0')) return ZZ_ENOMEM;
  struct ents_ctx c = {.es = out, .attr = attr};
  if (attr) snprintf(c.needle, sizeof c.needle, "\"%s\"", attr);
  struct store_entity_filter f = {.type = type, .rpos_lo = lo, .rpos_hi = hi, .limit = ENTS_PAGE};
  int rc;
  do {
    f.after_id = c.last_id;
    c.rows = 0;
    rc = store_entities_each(st, &f, ent_all_row, &c);
  } while (!rc && !c.rc && c.rows == ENTS_PAGE);
  if (!rc) rc = c.rc;
  if (rc) rollup_ents_free(out);
  return rc;
}

/* A copy of the cached scan of (type, lo, hi, attr) into out, reading it
 * first when missing. Returns 0, 1 when the cache cannot hold this key (the
 * caller reads without it), or an error. */
static int ents_cached(struct store *st, const char *type, int64_t lo, int64_t hi, const char *attr,
                       struct rollup_ents *out) {
  const char *t = type ? type : "", *a = attr ? attr : "";
  if (strlen(t) >= 64 || strlen(a) >= 64) return 1;
  int64_t version = store_catalog_version(st);
  if (version < 0) return 1;
  pthread_mutex_lock(&g_ents.lock);
  for (int i = 0; i < ENTS_CACHE; i++) {
    struct ents_slot *x = &g_ents.slot[i];
    if (x->used && x->st == st && x->version == version && x->lo == lo && x->hi == hi &&
        strcmp(x->type, t) == 0 && strcmp(x->attr, a) == 0) {
      x->stamp = ++g_ents.clock;
      int rc = ents_copy(out, &x->es);
      pthread_mutex_unlock(&g_ents.lock);
      return rc;
    }
  }
  pthread_mutex_unlock(&g_ents.lock);
  struct rollup_ents fresh;
  int rc = ents_scan_all(st, type, lo, hi, attr, &fresh);
  if (rc) return rc;
  if ((rc = ents_copy(out, &fresh))) {
    rollup_ents_free(&fresh);
    return rc;
  }
  /* Keep it in the least recently used slot (a racing reader may have
   * stored the same scan meanwhile: both copies are right). */
  pthread_mutex_lock(&g_ents.lock);
  struct ents_slot *lru = &g_ents.slot[0];
  for (int i = 1; i < ENTS_CACHE; i++)
    if (!g_ents.slot[i].used || (lru->used && g_ents.slot[i].stamp < lru->stamp))
      lru = &g_ents.slot[i];
  if (lru->used) rollup_ents_free(&lru->es);
  *lru = (struct ents_slot){.st = st,
                            .version = version,
                            .lo = lo,
                            .hi = hi,
                            .used = 1,
                            .stamp = ++g_ents.clock,
                            .es = fresh};
  zz_strlcpy(lru->type, t, sizeof lru->type);
  zz_strlcpy(lru->attr, a, sizeof lru->attr);
  pthread_mutex_unlock(&g_ents.lock);
  return 0;
}

void rollup_ents_cache_clear(void) {
  pthread_mutex_lock(&g_ents.lock);
  for (int i = 0; i < ENTS_CACHE; i++) {
    if (g_ents.slot[i].used) rollup_ents_free(&g_ents.slot[i].es);
    g_ents.slot[i].used = 0;
  }
  pthread_mutex_unlock(&g_ents.lock);
}

int rollup_ents_fetch(struct store *st, const int64_t *ids, size_t n, const char *type, int64_t lo,
                      int64_t hi, const char *attr, struct rollup_ents *out) {
  /* Many ids: the cached scan of the whole (type, region) serves them. */
  if (n > ENTS_SEEK_MAX) {
    int rc = ents_cached(st, type, lo, hi, attr, out);
    if (rc <= 0) return rc;
  }
  memset(out, 0, sizeof *out);
  zz_buf_init(&out->text, 0);
  if (zz_buf_addc(&out->text, '\0')) return ZZ_ENOMEM; /* offset 0 is "" */
  if (n == 0) return 0;
  out->e = zz_calloc(n, sizeof *out->e);
  if (!out->e) return ZZ_ENOMEM;
  for (size_t i = 0; i < n; i++) out->e[i].id = ids[i];
  if (n) qsort(out->e, n, sizeof *out->e, cmp_ent);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || out->e[u - 1].id != out->e[i].id) out->e[u++] = out->e[i];
  out->n = u;

  struct ents_ctx c = {.es = out, .attr = attr};
  if (attr) snprintf(c.needle, sizeof c.needle, "\"%s\"", attr);
  int rc = 0;
  if (u <= ENTS_SEEK_MAX) {
    for (c.i = 0; c.i < u && !rc && !c.rc; c.i++) {
      struct store_entity_filter f = {.after_id = out->e[c.i].id - 1, .limit = 1};
      rc = store_entities_each(st, &f, ent_seek_row, &c);
    }
  } else {
    struct store_entity_filter f = {.type = type, .rpos_lo = lo, .rpos_hi = hi, .limit = ENTS_PAGE};
    c.last_id = out->e[0].id - 1;
    do {
      f.after_id = c.last_id;
      c.rows = 0;
      rc = store_entities_each(st, &f, ent_scan_row, &c);
    } while (!rc && !c.rc && c.rows == ENTS_PAGE && c.i < u);
  }
  return rc ? rc : c.rc;
}

/* ---- top ---- */

struct ranked {
  struct rollup_item it;
  const char *key;
};

/* v descending (NaN last), then key ascending, then id. */
static int ranked_cmp(const void *a, const void *b) {
  const struct ranked *x = a, *y = b;
  int xn = isnan(x->it.v), yn = isnan(y->it.v);
  if (xn != yn) return xn ? 1 : -1;
  if (!xn && x->it.v != y->it.v) return x->it.v > y->it.v ? -1 : 1;
  int c = strcmp(x->key, y->key);
  if (c) return c;
  return x->it.entity < y->it.entity ? -1 : x->it.entity > y->it.entity;
}

static int same_v(double a, double b) {
  return (isnan(a) && isnan(b)) || a == b;
}

int rollup_top(struct store *st, int64_t metric, int64_t lo, int64_t hi, const char *type,
               int64_t from, int64_t to, enum rollup_agg agg, size_t k, struct rollup_item **items,
               size_t *k_out, struct rollup_ents *ents) {
  struct rollup_item *v = NULL;
  struct ranked *rk = NULL;
  int64_t *ids = NULL;
  size_t n = 0;
  memset(ents, 0, sizeof *ents);
  *items = NULL;
  *k_out = 0;
  int rc = rollup_entity_values(st, metric, lo, hi, type, from, to, agg, &v, &n);
  if (rc) goto done;
  k = rollup_top_k(v, n, k);
  /* The heap broke ties by id. When entities tied with the k-th spill past
   * it, the whole tie group competes again by key. */
  size_t spill = 0;
  if (k > 0 && k < n) {
    double vk = v[k - 1].v;
    for (size_t i = k; i < n; i++) spill += same_v(v[i].v, vk);
  }
  size_t nrk = k + spill;
  rk = zz_malloc((nrk ? nrk : 1) * sizeof *rk);
  ids = zz_malloc((nrk ? nrk : 1) * sizeof *ids);
  if (!rk || !ids) {
    rc = ZZ_ENOMEM;
    goto done;
  }
  size_t m = 0;
  for (size_t i = 0; i < k; i++) rk[m++].it = v[i];
  if (spill) {
    double vk = v[k - 1].v;
    for (size_t i = k; i < n; i++)
      if (same_v(v[i].v, vk)) rk[m++].it = v[i];
  }
  for (size_t i = 0; i < m; i++) ids[i] = rk[i].it.entity;
  if ((rc = rollup_ents_fetch(st, ids, m, type, lo, hi, NULL, ents))) goto done;
  for (size_t i = 0; i < m; i++) {
    const struct rollup_ent *x = rollup_ents_find(ents, rk[i].it.entity);
    rk[i].key = x ? rollup_ents_str(ents, x->key) : "";
  }
  if (m) qsort(rk, m, sizeof *rk, ranked_cmp);
  for (size_t i = 0; i < k; i++) v[i] = rk[i].it;
  *items = v;
  *k_out = k;
  v = NULL;
done:
  if (rc) rollup_ents_free(ents);
  zz_free(v);
  zz_free(rk);
  zz_free(ids);
  return rc;
}

/* ---- attribute breakdown ---- */

/* An entry of the breakdown's group map: attribute text -> group. */
struct group_slot {
  const char *key; /* borrowed from the entities' strings */
  size_t index;    /* in the group array */
};

struct group_ranked {
  struct rollup_group g;
  const char *key;
};

static int group_cmp(const void *a, const void *b) {
  const struct group_ranked *x = a, *y = b;
  int xn = isnan(x->g.v), yn = isnan(y->g.v);
  if (xn != yn) return xn ? 1 : -1;
  if (!xn && x->g.v != y->g.v) return x->g.v > y->g.v ? -1 : 1;
  return strcmp(x->key, y->key);
}

int rollup_breakdown_attr(struct store *st, int64_t metric, int64_t lo, int64_t hi,
                          const char *type, const char *attr, int64_t from, int64_t to,
                          enum rollup_agg agg, struct rollup_group **groups, size_t *ngroups,
                          struct rollup_ents *ents) {
  struct rollup_item *v = NULL;
  int64_t *ids = NULL;
  struct zz_map table; /* of struct group_slot */
  struct group_ranked *gr = NULL;
  struct rollup_group *out = NULL;
  size_t n = 0, ng = 0;
  memset(ents, 0, sizeof *ents);
  *groups = NULL;
  *ngroups = 0;
  zz_map_init(&table, sizeof(struct group_slot), ZZ_MAP_STR, NULL);
  int rc = rollup_entity_values(st, metric, lo, hi, type, from, to, agg, &v, &n);
  if (rc) goto done;
  ids = zz_malloc((n ? n : 1) * sizeof *ids);
  if (!ids) {
    rc = ZZ_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < n; i++) ids[i] = v[i].entity;
  if ((rc = rollup_ents_fetch(st, ids, n, type, lo, hi, attr, ents))) goto done;
  gr = zz_malloc((n ? n : 1) * sizeof *gr);
  if (zz_map_reserve(&table, n) || !gr) {
    rc = ZZ_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    const struct rollup_ent *x = rollup_ents_find(ents, v[i].entity);
    size_t off = x ? x->attr : 0;
    const char *key = rollup_ents_str(ents, off);
    int added;
    struct group_slot *s = zz_map_put(&table, key, &added);
    ZZ_ASSERT(s); /* room for n was reserved */
    if (added) {
      s->index = ng++;
      gr[s->index].key = key;
      gr[s->index].g.key = off;
      rollup_agg_empty(&gr[s->index].g.a);
    }
    rollup_agg_fold(&gr[s->index].g.a, &v[i].a);
  }
  for (size_t i = 0; i < ng; i++) gr[i].g.v = rollup_agg_value(&gr[i].g.a, agg);
  if (ng) qsort(gr, ng, sizeof *gr, group_cmp);
  out = zz_malloc((ng ? ng : 1) * sizeof *out);
  if (!out) {
    rc = ZZ_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < ng; i++) out[i] = gr[i].g;
  *groups = out;
  *ngroups = ng;
  out = NULL;
done:
  if (rc) rollup_ents_free(ents);
  zz_free(v);
  zz_free(ids);
  zz_map_free(&table);
  zz_free(gr);
  zz_free(out);
  return rc;
}

/* ---- latest ---- */

struct latest_ctx {
  struct rollup_latest *rows;
  size_t n, cap, limit;
  int more, rc;
};

static int latest_row(void *ud, int64_t entity, int64_t metric, int64_t ts, double value) {
  struct latest_ctx *c = ud;
  if (c->n == c->limit) {
    c->more = 1;
    return 1;
  }
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    struct rollup_latest *p = zz_realloc(c->rows, cap * sizeof *p);
    if (!p) {
      c->rc = ZZ_ENOMEM;
      return 1;
    }
    c->rows = p;
    c->cap = cap;
  }
  c->rows[c->n++] = (struct rollup_latest){entity, metric, ts, value};
  return 0;
}

int rollup_latest(struct store *st, int64_t metric, int64_t entity, int64_t lo, int64_t hi,
                  const char *type, size_t limit, struct rollup_latest **rows, size_t *n, int *more,
                  struct rollup_ents *ents) {
  struct latest_ctx c = {.limit = limit};
  int64_t *ids = NULL;
  *rows = NULL;
  *n = 0;
  *more = 0;
  if (ents) memset(ents, 0, sizeof *ents);
  int rc = store_latest_each(st, metric, entity, lo, hi, type, latest_row, &c);
  if (!rc) rc = c.rc;
  if (rc || !ents) goto done;
  ids = zz_malloc((c.n ? c.n : 1) * sizeof *ids);
  if (!ids) {
    rc = ZZ_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < c.n; i++) ids[i] = c.rows[i].entity;
  rc = rollup_ents_fetch(st, ids, c.n, type, lo, hi, NULL, ents);
done:
  zz_free(ids);
  if (rc) {
    zz_free(c.rows);
    if (ents) rollup_ents_free(ents);
    return rc;
  }
  *rows = c.rows;
  *n = c.n;
  *more = c.more;
  return 0;
}
