/* plan.c - the query engine's pure parts: aggregation maths (parse, fold,
 * value, change) and time ranges (retention per grain, comparison shifts,
 * the plan of which grains a range reads, point grids). No I/O. */
#include "rollup/query.h"

#include <math.h>
#include <string.h>

#include "rollup/fanout.h" /* ROLLUP_KEEP_*: which grains hold rows */

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
