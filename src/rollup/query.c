/* query.c - the query engine's answers: region totals and point grids,
 * entity aggregates, top-N, attribute breakdowns and latest values. Reads
 * go through the store's functions: region answers come from the rollup
 * table (plus, at the edges of a total whose minute rows are gone, under an
 * hour of records per series), entity answers from srollup and the series'
 * last values. The maths and the range planner are in plan.c, the ranking
 * heap in rank.c, entity names and their scan cache in ents.c. */
#include "rollup/query.h"

#include <math.h>
#include <string.h>

#include "core/hash.h"
#include "core/msg.h"
#include "rollup/fanout.h" /* ROLLUP_KEEP_*: which grains hold rows */
#include "store/store_records.h"
#include "store/store_registry.h"

/* What a refused range is told (rollup_range_ok). */
#define RANGE_MSG                                                                                  \
  "from must be before to, both between the years 1 and 9999, at most 1000 years apart"

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
  if (zz_grow(&c->ents, &c->cap, c->n, sizeof *c->ents, 256)) {
    c->rc = ZZ_ENOMEM;
    return 1;
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
        struct zz_err en, zh; /* with the code's sentence in English, and in Chinese */
        zz_fail(&en, rc, "store", "cannot list series: %s", zz_strerror(rc));
        zz_fail(&zh, rc, "store", "cannot list series: %s", zz_strerror_zh(rc));
        rc = zz_fail_pair(e, rc, "store", en.msg, zh.msg_zh);
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
          struct zz_err en, zh; /* with the code's sentence in English, and in Chinese */
          zz_fail(&en, rc, "store", "cannot read rollups: %s", zz_strerror(rc));
          zz_fail(&zh, rc, "store", "cannot read rollups: %s", zz_strerror_zh(rc));
          rc = zz_fail_pair(e, rc, "store", en.msg, zh.msg_zh);
          goto done;
        }
        continue;
      }
      for (size_t k = off[i]; k < off[i + 1]; k++) {
        rc = store_records_each(st, ns.ents[k], metric, sp->from, sp->to, INT32_MAX, fold_record,
                                &out[i]);
        if (rc) {
          struct zz_err en, zh; /* with the code's sentence in English, and in Chinese */
          zz_fail(&en, rc, "store", "cannot read records: %s", zz_strerror(rc));
          zz_fail(&zh, rc, "store", "cannot read records: %s", zz_strerror_zh(rc));
          rc = zz_fail_pair(e, rc, "store", en.msg, zh.msg_zh);
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
    struct zz_err en, zh; /* with the code's sentence in English, and in Chinese */
    zz_fail(&en, rc, "store", "cannot read rollups: %s", zz_strerror(rc));
    zz_fail(&zh, rc, "store", "cannot read rollups: %s", zz_strerror_zh(rc));
    return zz_fail_pair(e, rc, "store", en.msg, zh.msg_zh);
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
    struct zz_err en, zh; /* with the code's sentence in English, and in Chinese */
    zz_fail(&en, rc, "store", "cannot read rollups: %s", zz_strerror(rc));
    zz_fail(&zh, rc, "store", "cannot read rollups: %s", zz_strerror_zh(rc));
    return zz_fail_pair(e, rc, "store", en.msg, zh.msg_zh);
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
  if (zz_grow(&c->v, &c->cap, c->n, sizeof *c->v, 1024)) {
    c->rc = ZZ_ENOMEM;
    return 1;
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
  if (zz_grow(&c->rows, &c->cap, c->n, sizeof *c->rows, 256)) {
    c->rc = ZZ_ENOMEM;
    return 1;
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
