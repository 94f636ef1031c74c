/* query.h - the query engine behind GET /api/v1/series, /breakdown, /top,
 * /latest and the entity portrait: aggregation maths, the range planner that
 * splits [from, to) into whole rollup buckets of the finest retained grain,
 * gap-filled point grids, entity aggregates and top-N, with every read going
 * through the store's functions. No HTTP here; src/api/query.c turns results into
 * JSON. All functions are thread-safe (state lives in the caller's structs). */
#ifndef ZZ_ROLLUP_QUERY_H
#define ZZ_ROLLUP_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ztime.h"
#include "core/zz.h"
#include "store/store_records.h"
#include "store/store_registry.h"

/* ---- aggregation maths (pure) ---- */

enum rollup_agg { ROLLUP_SUM = 1, ROLLUP_COUNT, ROLLUP_AVG, ROLLUP_MIN, ROLLUP_MAX, ROLLUP_LAST };

/* Aggregation by name ("sum", "count", "avg", "min", "max", "last"); returns 0
 * or ZZ_EINVAL. */
int rollup_agg_parse(const char *s, enum rollup_agg *out);
const char *rollup_agg_name(enum rollup_agg a);

/* An empty aggregate (n = 0, min/max/last NaN, last_ts INT64_MIN). */
void rollup_agg_empty(struct store_agg *a);
/* Folds a into into: counts and sums add, min/max combine (NaN is "none"),
 * last is the value with the greatest last_ts (the later fold wins ties). */
void rollup_agg_fold(struct store_agg *into, const struct store_agg *a);
/* The value of a under agg: sum -> sum, count -> n, avg -> sum/n, min, max,
 * last. NaN (JSON null) when there is nothing to report: avg/min/max/last of
 * an empty aggregate. sum and count of an empty aggregate are 0. */
double rollup_agg_value(const struct store_agg *a, enum rollup_agg agg);
/* What an empty bucket shows: 0 for sum and count, NaN (null) otherwise. */
double rollup_agg_empty_value(enum rollup_agg agg);
/* (total - previous) / previous; NaN when previous is 0 or either is NaN. */
double rollup_change(double total, double previous);

/* ---- time ranges (pure) ---- */

/* First bucket start of grain g at or after t (t itself when aligned). */
int64_t rollup_ceil(int64_t t, enum zz_grain g);
/* Earliest bucket start of each grain whose region rollup row is complete at
 * time now (minute rows are kept 48 h, hour rows 400 days; day and month
 * rows forever, INT64_MIN). Index by enum zz_grain; out[0] is unused. */
void rollup_retained(int64_t now, int64_t out[5]);

enum rollup_compare { ROLLUP_CMP_NONE = 0, ROLLUP_CMP_YOY, ROLLUP_CMP_MOM };
/* "yoy" or "mom"; returns 0 or ZZ_EINVAL. */
int rollup_compare_parse(const char *s, enum rollup_compare *out);
/* The comparison range: [from, to) moved back one local calendar year (yoy)
 * or month (mom) with zz_time_add_months (day clamped to the month's end). */
void rollup_compare_shift(enum rollup_compare c, int64_t from, int64_t to, int64_t *pfrom,
                          int64_t *pto);

/* A run of whole buckets of one grain: bucket starts in [from, to). A raw
 * span (always minutes) is read from the records themselves, because its
 * minute rows are gone. */
struct rollup_span {
  enum zz_grain grain;
  int raw;
  int64_t from, to;
};

/* Longest plan: raw minute, minute, hour, day runs on each side of a month
 * run. */
#define ROLLUP_PLAN_MAX 10
/* Ranges longer than this, or outside the years 1..9999, are refused (a
 * guard against absurd inputs: calendar maths there would saturate). */
#define ROLLUP_RANGE_MAX_MS (1000LL * 366 * ZZ_DAY_MS)
#define ROLLUP_TIME_MIN (-62135596800000LL) /* 0001-01-01T00:00:00Z */
#define ROLLUP_TIME_MAX 253402300800000LL   /* 10000-01-01T00:00:00Z */
/* 1 when from < to and the range is within the guards above. */
int rollup_range_ok(int64_t from, int64_t to);

struct rollup_plan {
  int n;
  struct rollup_span span[ROLLUP_PLAN_MAX];
  int64_t from, to; /* the range the spans cover: [from, to) rounded outward as needed */
};

/* Plans an exact total over [from, to) at time now. The range is first
 * rounded outward to the minute (rollups hold whole minutes). Each edge then
 * uses the finest grain whose rows are retained over the whole edge run
 * (minute, else hour, else day), rounding that edge outward to that grain;
 * in between the range is covered greedily by the coarsest whole buckets
 * (months, then days, then hours), and consecutive buckets of one grain (and
 * rawness) form one span. With raw set, minutes whose rows are gone but
 * whose hour row is kept become raw spans instead of rounding the edge out
 * to the hour: each edge then costs at most 59 minutes of records per series.
 * Returns 0, or ZZ_EINVAL when the range fails rollup_range_ok. */
int rollup_plan_range(int64_t from, int64_t to, int64_t now, int raw, struct rollup_plan *out);

/* Number of grain-g buckets covering [from, to) (from rounded down, to
 * rounded up), counting no further than max + 1. */
size_t rollup_grid_count(int64_t from, int64_t to, enum zz_grain g, size_t max);

/* ---- region queries (store reads) ---- */

/* A region node: its id (the rollup node) and its DFS interval. */
struct rollup_node {
  int64_t id, lo, hi;
};

/* At most this many series in a region are read raw for an edge; past it the
 * edge is rounded out to the hour instead. */
#define ROLLUP_RAW_SERIES_MAX 1000

/* Exact aggregate of metric over a region in [from, to) per
 * rollup_plan_range with raw edges: one store rollup_buckets call per span,
 * and for raw spans one latest_each call to list the region's series of the
 * metric, then one records_each call per series and raw span. When a region
 * holds more than ROLLUP_RAW_SERIES_MAX series, the plan is made without raw
 * spans. The range actually covered goes to *cov_from and *cov_to (may be
 * NULL). Returns 0, ZZ_EINVAL (bad range, e filled), ZZ_ENOMEM or the
 * store's error code (e filled). */
int rollup_total(struct store *st, int64_t metric, const struct rollup_node *node, int64_t from,
                 int64_t to, int64_t now, struct store_agg *out, int64_t *cov_from, int64_t *cov_to,
                 struct zz_err *e);
/* The same for n regions sharing one plan (breakdown by children): out[i]
 * for nodes[i]. raw 0 plans without raw spans: listing the series costs a
 * store scan per node, too much for many nodes. */
int rollup_totals(struct store *st, int64_t metric, const struct rollup_node *nodes, size_t n,
                  int64_t from, int64_t to, int64_t now, int raw, struct store_agg *out,
                  int64_t *cov_from, int64_t *cov_to, struct zz_err *e);

/* A gap-filled grid of points; free with rollup_points_free. */
struct rollup_points {
  enum zz_grain grain;
  int64_t from, to; /* grid bounds: bucket starts in [from, to) */
  size_t n;
  int64_t *t; /* bucket starts */
  double *v;  /* values; NaN is JSON null */
};
void rollup_points_free(struct rollup_points *p);

/* Hard cap on points in one answer. */
#define ROLLUP_POINTS_MAX 5000

/* Points of metric over region at grain g covering [from, to), read with one
 * rollup_buckets call. An empty bucket is rollup_agg_empty_value(agg); a
 * bucket older than the grain's retention (rollup_retained) is NaN whatever
 * agg is, since its row is gone or partial. Returns 0, ZZ_EINVAL when the
 * grid would exceed max_points (e says so), ZZ_ENOMEM or a store error. */
int rollup_series(struct store *st, int64_t metric, int64_t region, enum zz_grain g, int64_t from,
                  int64_t to, enum rollup_agg agg, int64_t now, size_t max_points,
                  struct rollup_points *out, struct zz_err *e);
/* Points of one entity's series (srollup rows, grain day or month only) over
 * [from, to) with one entity_buckets call; empty buckets as above. */
int rollup_entity_series(struct store *st, int64_t entity, int64_t metric, enum zz_grain g,
                         int64_t from, int64_t to, enum rollup_agg agg, size_t max_points,
                         struct rollup_points *out, struct zz_err *e);

/* ---- entity queries (store reads) ---- */

/* One entity's aggregate and its value under the query's agg. */
struct rollup_item {
  int64_t entity;
  double v;
  struct store_agg a;
};

/* The whole local days [*from, *to) that entity aggregates cover for
 * [from, to): from rounded down, to rounded up to local midnight. */
void rollup_whole_days(int64_t from, int64_t to, int64_t *day_from, int64_t *day_to);

/* Aggregates of every entity of type (NULL: any) in the DFS interval
 * [lo, hi] (0, 0: any) with data for metric in the whole days covering
 * [from, to): one store entity_aggs call. *out (free with zz_free) holds *n
 * items in the store's order. Returns 0, ZZ_ENOMEM or a store error. */
int rollup_entity_values(struct store *st, int64_t metric, int64_t lo, int64_t hi, const char *type,
                         int64_t from, int64_t to, enum rollup_agg agg, struct rollup_item **out,
                         size_t *n);

/* Orders items by v descending (NaN last), ties by entity id ascending, so
 * that the first min(k, n) items are the k best in order; the rest are left
 * in no particular order. Uses a bounded heap: O(n log k). Returns min(k, n). */
size_t rollup_top_k(struct rollup_item *items, size_t n, size_t k);
/* The item order of rollup_top_k: negative when x ranks before y. */
int rollup_item_cmp(const struct rollup_item *x, const struct rollup_item *y);

/* Keys, names and (optionally) one attribute of a set of entities, read
 * from the store. Strings live in text at the stored offsets; offset 0 is
 * the empty string. */
struct rollup_ent {
  int64_t id;
  int found;
  size_t key, name_zh, name_en;
  size_t attr; /* the attribute's value as text; 0 ("") when absent or null */
};
struct rollup_ents {
  size_t n;
  struct rollup_ent *e; /* sorted by id, unique */
  struct zz_buf text;
};

/* Empties the cache of entity scans (tests; the cache also drops a scan by
 * itself when the store's catalog_version moves). */
void rollup_ents_cache_clear(void);

/* Reads the entities ids[0..n) (any order, duplicates allowed). type, lo and
 * hi narrow a scan the way struct store_entity_filter does and must admit
 * every id (ids come from a query with the same filter). attr, when not
 * NULL, names a top-level key of attrs_json whose value is kept as text
 * (strings as they are, numbers and booleans as JSON, objects and arrays
 * compact JSON). Small sets are read one id at a time; larger ones come
 * from a cached scan of every entity of (type, lo, hi), so out may then
 * hold more entities than asked for (and an id the scan did not find is
 * absent rather than marked not found). Returns 0, ZZ_ENOMEM or a store
 * error; free with rollup_ents_free. */
int rollup_ents_fetch(struct store *st, const int64_t *ids, size_t n, const char *type, int64_t lo,
                      int64_t hi, const char *attr, struct rollup_ents *out);
void rollup_ents_free(struct rollup_ents *es);
/* The entry for id, or NULL. */
const struct rollup_ent *rollup_ents_find(const struct rollup_ents *es, int64_t id);
static inline const char *rollup_ents_str(const struct rollup_ents *es, size_t off) {
  return off && off < es->text.len ? es->text.data + off : "";
}

/* Top k entities by v (descending), ties by entity key (ascending). Fills
 * items (first *k_out of them, in order; free with zz_free) and ents (keys
 * and names of those entities). Returns 0, ZZ_ENOMEM or a store error. */
int rollup_top(struct store *st, int64_t metric, int64_t lo, int64_t hi, const char *type,
               int64_t from, int64_t to, enum rollup_agg agg, size_t k, struct rollup_item **items,
               size_t *k_out, struct rollup_ents *ents);

/* One group of an attribute breakdown. */
struct rollup_group {
  size_t key; /* offset in the ents text of the attribute value ("" = none) */
  struct store_agg a;
  double v;
};
/* Groups the entities of type in [lo, hi] with data for metric (whole days
 * covering [from, to)) by the value of attribute attr and aggregates each
 * group. *groups (free with zz_free) comes sorted by v descending, ties by
 * key; key offsets point into ents->text (free with rollup_ents_free).
 * Returns 0, ZZ_ENOMEM or a store error. */
int rollup_breakdown_attr(struct store *st, int64_t metric, int64_t lo, int64_t hi,
                          const char *type, const char *attr, int64_t from, int64_t to,
                          enum rollup_agg agg, struct rollup_group **groups, size_t *ngroups,
                          struct rollup_ents *ents);

/* One current value. */
struct rollup_latest {
  int64_t entity, metric, ts;
  double v;
};
/* Current values of metric (0: every metric) for entities of type (NULL:
 * any) in [lo, hi] (0, 0: any), or of one entity when entity is non-zero:
 * at most limit rows in (entity, metric) order, *more set when some were
 * left out. *rows (free with zz_free); ents gets the entities' keys and
 * names. Returns 0, ZZ_ENOMEM or a store error. */
int rollup_latest(struct store *st, int64_t metric, int64_t entity, int64_t lo, int64_t hi,
                  const char *type, size_t limit, struct rollup_latest **rows, size_t *n, int *more,
                  struct rollup_ents *ents);

#endif
