/* test_rollup.c - unit tests for src/rollup/: the accumulator (acc.c) and the
 * query engine (query.c): aggregation maths, the range planner, compare
 * shifts, point grids with gap filling, exact totals, top-N with ties, the
 * attribute breakdown and latest values. Store reads go to a fake store whose
 * rollup rows are built from random records the way the writer builds them,
 * so every total can be checked against a brute-force sum of the records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "core/ztime.h"
#include "core/zz.h"
#include "rollup/acc.h"
#include "rollup/fanout.h"
#include "rollup/query.h"
#include "store/store_backend.h"
#include "store/store_records.h"
#include "store/store_registry.h"

static int64_t T(int y, int mo, int d, int h, int mi, int s) {
  return zz_time_from_civil(y, mo, d, h, mi, s);
}

/* Deterministic PRNG (splitmix64). */
static uint64_t rng_state = 0x5EED;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static int64_t rnd_range(int64_t lo, int64_t hi) { /* [lo, hi) */
  return lo + (int64_t)(rnd() % (uint64_t)(hi - lo));
}

/* ---- rollup_acc ---- */

static void test_acc_add_replace_merge(void **state) {
  (void)state;
  struct rollup_acc acc;
  assert_int_equal(rollup_acc_init(&acc, 4), 0);
  struct rollup_key k = {1, 2, 3, 4};
  assert_int_equal(rollup_acc_add(&acc, &k, 100, 5), 0);
  assert_int_equal(rollup_acc_add(&acc, &k, 50, -2), 0);
  assert_int_equal(rollup_acc_add(&acc, &k, 200, 7), 0);
  struct rollup_cell *c = NULL;
  for (size_t i = 0; i < rollup_acc_cap(&acc); i++)
    if (rollup_acc_at(&acc, i)) c = rollup_acc_at(&acc, i);
  assert_non_null(c);
  assert_int_equal(rollup_acc_len(&acc), 1);
  assert_int_equal(c->n, 3);
  assert_true(c->sum == 10);
  assert_true(c->min == -2 && c->max == 7);
  assert_true(c->last == 7 && c->last_ts == 200);
  assert_int_equal(c->recompute, 0);
  /* A replacement changes the sum by the delta and adds no count. */
  assert_int_equal(rollup_acc_replace(&acc, &k, 50, -2, 1), 0);
  assert_int_equal(c->n, 3);
  assert_true(c->sum == 13);
  assert_int_equal(c->recompute, 1);
  /* Replacing with the same value needs no recompute of a fresh cell. */
  struct rollup_key k2 = {9, 9, 9, 9};
  assert_int_equal(rollup_acc_replace(&acc, &k2, 10, 4, 4), 0);
  struct rollup_acc other;
  assert_int_equal(rollup_acc_init(&other, 0), 0);
  assert_int_equal(rollup_acc_merge(&other, &k, c), 0);
  assert_int_equal(rollup_acc_merge(&other, &k, c), 0);
  for (size_t i = 0; i < rollup_acc_cap(&other); i++) {
    struct rollup_cell *m = rollup_acc_at(&other, i);
    if (!m) continue;
    assert_int_equal(m->n, 6);
    assert_true(m->sum == 26);
    assert_true(m->min == -2 && m->max == 7 && m->last == 7 && m->last_ts == 200);
    assert_int_equal(m->recompute, 1);
  }
  rollup_acc_clear(&acc);
  assert_int_equal(rollup_acc_len(&acc), 0);
  for (size_t i = 0; i < rollup_acc_cap(&acc); i++) assert_null(rollup_acc_at(&acc, i));
  rollup_acc_free(&acc);
  rollup_acc_free(&other);
}

static void test_acc_grows_and_keeps_every_key(void **state) {
  (void)state;
  struct rollup_acc acc;
  assert_int_equal(rollup_acc_init(&acc, 0), 0);
  for (int64_t i = 0; i < 5000; i++) {
    struct rollup_key k = {i % 7, i, i * 3, -i};
    assert_int_equal(rollup_acc_add(&acc, &k, i, (double)i), 0);
    assert_int_equal(rollup_acc_add(&acc, &k, i + 1, 1), 0);
  }
  assert_int_equal(rollup_acc_len(&acc), 5000);
  assert_true(rollup_acc_len(&acc) * 2 <= rollup_acc_cap(&acc));
  int64_t seen = 0;
  double sum = 0;
  for (size_t i = 0; i < rollup_acc_cap(&acc); i++) {
    struct rollup_cell *c = rollup_acc_at(&acc, i);
    if (!c) continue;
    seen++;
    assert_int_equal(c->n, 2);
    assert_int_equal(c->key.a, c->key.b % 7);
    assert_true(c->last == 1 && c->last_ts == c->key.b + 1);
    sum += c->sum;
  }
  assert_int_equal(seen, 5000);
  assert_true(sum == 5000.0 * 4999 / 2 + 5000);
  rollup_acc_free(&acc);
}

static void test_acc_out_of_memory(void **state) {
  (void)state;
  struct rollup_acc acc;
  zz_alloc_fail_after(1);
  assert_int_equal(rollup_acc_init(&acc, 0), ZZ_ENOMEM);
  zz_alloc_fail_after(0);
  assert_int_equal(rollup_acc_init(&acc, 0), 0);
  struct rollup_key k = {0};
  int rc = 0;
  zz_alloc_fail_after(1); /* the first growth fails */
  for (int64_t i = 0; i < 1000 && !rc; i++) {
    k.d = i;
    rc = rollup_acc_add(&acc, &k, i, 1);
  }
  zz_alloc_fail_after(0);
  assert_int_equal(rc, ZZ_ENOMEM);
  /* What was added before the failure is intact. */
  int64_t n = 0;
  for (size_t i = 0; i < rollup_acc_cap(&acc); i++) n += rollup_acc_at(&acc, i) != NULL;
  assert_int_equal(n, (int64_t)rollup_acc_len(&acc));
  rollup_acc_free(&acc);
}

/* ---- aggregation maths ---- */

/* ---- the fan-out (rollup/fanout.h) ---- */

static int key_eq(const struct rollup_key *k, int64_t a, int64_t b, int64_t c, int64_t d) {
  return k->a == a && k->b == b && k->c == c && k->d == d;
}

/* A recent value goes into minute, hour, day and month rows of its region
 * and of every ancestor, buckets aligned to local (UTC+8) time. */
static void test_fanout_recent(void **state) {
  (void)state;
  int64_t now = T(2026, 5, 21, 12, 34, 56), ts = T(2026, 5, 21, 0, 24, 31);
  const int64_t path[] = {7, 3, 1};
  struct rollup_key k[ROLLUP_REGION_KEYS_MAX];
  assert_int_equal(rollup_region_keys(42, path, 3, ts, now, k), 12);
  const int64_t want[4][2] = {{ZZ_GRAIN_MINUTE, T(2026, 5, 21, 0, 24, 0)},
                              {ZZ_GRAIN_HOUR, T(2026, 5, 21, 0, 0, 0)},
                              {ZZ_GRAIN_DAY, T(2026, 5, 21, 0, 0, 0)},
                              {ZZ_GRAIN_MONTH, T(2026, 5, 1, 0, 0, 0)}};
  for (int g = 0; g < 4; g++)
    for (int i = 0; i < 3; i++)
      assert_true(key_eq(&k[g * 3 + i], 42, path[i], want[g][0], want[g][1]));
  /* 00:24 local is 16:24 UTC the day before: the day is the local one */
  assert_int_equal(T(2026, 5, 21, 0, 0, 0) % ZZ_DAY_MS, 16 * ZZ_HOUR_MS);
  /* the series rows: day, month and year */
  assert_int_equal(rollup_series_keys(42, 99, ts, k), ROLLUP_SERIES_GRAINS);
  assert_true(key_eq(&k[0], 42, ZZ_GRAIN_DAY, T(2026, 5, 21, 0, 0, 0), 99));
  assert_true(key_eq(&k[1], 42, ZZ_GRAIN_MONTH, T(2026, 5, 1, 0, 0, 0), 99));
  assert_true(key_eq(&k[2], 42, ZZ_GRAIN_YEAR, T(2026, 1, 1, 0, 0, 0), 99));
  struct rollup_key sl = rollup_series_leaf(42, 99, ts);
  assert_true(key_eq(&sl, 42, 99, T(2026, 5, 21, 0, 0, 0), 0));
  /* New Year's night in Hangzhou is still the old year in UTC */
  assert_int_equal(rollup_series_keys(1, 2, T(2026, 1, 1, 3, 0, 0), k), 3);
  assert_true(key_eq(&k[2], 1, ZZ_GRAIN_YEAR, T(2026, 1, 1, 0, 0, 0), 2));
}

/* Minute rows only within 48 h, hour rows within 400 days; exactly at the
 * limit is still kept. */
static void test_fanout_retention_edges(void **state) {
  (void)state;
  int64_t now = T(2026, 5, 21, 12, 0, 0);
  const int64_t path[] = {5, 1};
  struct rollup_key k[ROLLUP_REGION_KEYS_MAX];
  int64_t m_edge = now - ROLLUP_KEEP_MINUTE_MS, h_edge = now - ROLLUP_KEEP_HOUR_MS;
  assert_int_equal(rollup_region_keys(1, path, 2, m_edge, now, k), 8);
  assert_int_equal(k[0].c, ZZ_GRAIN_MINUTE);
  assert_int_equal(rollup_region_keys(1, path, 2, m_edge + 59999, now, k), 8);
  assert_int_equal(rollup_region_keys(1, path, 2, m_edge - 1, now, k), 6);
  assert_int_equal(k[0].c, ZZ_GRAIN_HOUR);
  assert_int_equal(k[0].d, zz_bucket_start(m_edge - 1, ZZ_GRAIN_HOUR));
  assert_int_equal(rollup_region_keys(1, path, 2, h_edge, now, k), 6);
  assert_int_equal(k[0].c, ZZ_GRAIN_HOUR);
  assert_int_equal(rollup_region_keys(1, path, 2, h_edge - 1, now, k), 4);
  assert_int_equal(k[0].c, ZZ_GRAIN_DAY);
  assert_int_equal(k[2].c, ZZ_GRAIN_MONTH);
  /* the leaf buckets: minute while kept, then hour, then day; an hour
   * that straddles the hour limit keeps its minutes apart */
  int64_t ts = T(2026, 5, 19, 9, 17, 5);
  assert_int_equal(rollup_leaf_bucket(ts, now), T(2026, 5, 19, 9, 0, 0));
  ts = T(2026, 5, 20, 12, 17, 5);
  assert_int_equal(rollup_leaf_bucket(ts, now), T(2026, 5, 20, 12, 17, 0));
  ts = T(2025, 1, 3, 9, 17, 5);
  assert_int_equal(rollup_leaf_bucket(ts, now), T(2025, 1, 3, 0, 0, 0));
  int64_t off = T(2026, 5, 21, 12, 30, 0); /* the limit falls at :30 */
  ts = off - ROLLUP_KEEP_HOUR_MS + 10 * ZZ_MINUTE_MS + 5000;
  assert_int_equal(rollup_leaf_bucket(ts, off), zz_bucket_start(ts, ZZ_GRAIN_MINUTE));
  struct rollup_key lk = rollup_region_leaf(3, 5, ts);
  assert_true(key_eq(&lk, 3, 5, zz_bucket_start(ts, ZZ_GRAIN_MINUTE), 0));
}

/* The path: its first ROLLUP_DEPTH_MAX nodes, up to a 0. */
static void test_fanout_path(void **state) {
  (void)state;
  int64_t now = T(2026, 5, 21, 12, 0, 0);
  struct rollup_key k[ROLLUP_REGION_KEYS_MAX];
  int64_t path[ROLLUP_DEPTH_MAX + 4];
  for (int i = 0; i < ROLLUP_DEPTH_MAX + 4; i++) path[i] = 100 + i;
  assert_int_equal(rollup_region_keys(1, path, 0, now, now, k), 0);
  assert_int_equal(rollup_region_keys(1, path, ROLLUP_DEPTH_MAX + 4, now, now, k),
                   ROLLUP_REGION_KEYS_MAX);
  for (int i = 0; i < ROLLUP_REGION_KEYS_MAX; i++)
    assert_int_equal(k[i].b, 100 + i % ROLLUP_DEPTH_MAX);
  path[2] = 0;
  assert_int_equal(rollup_region_keys(1, path, 10, now, now, k), 8);
}

/* The writer folds records per leaf key when they arrive and fans each
 * cell out when the transaction ends (a later now). The rows must be those
 * of the plain rule applied to the record itself at the end: each grain's
 * bucket of ts, minute rows while ts's minute is within 48 h, hour rows
 * within 400 days, every node of the path. The rebuild's coarser leaves
 * give the same rows at the same now; later, at most an hour row that no
 * query reads (older than the first whole hour within 400 days) is missed. */
static size_t fanout_plain(int64_t metric, const int64_t *path, size_t depth, int64_t ts,
                           int64_t now, struct rollup_key *out) {
  size_t n = 0;
  int64_t minute = zz_bucket_start(ts, ZZ_GRAIN_MINUTE);
  for (int g = ZZ_GRAIN_MINUTE; g <= ZZ_GRAIN_MONTH; g++) {
    if (g == ZZ_GRAIN_MINUTE && minute < now - ROLLUP_KEEP_MINUTE_MS) continue;
    if (g == ZZ_GRAIN_HOUR && minute < now - ROLLUP_KEEP_HOUR_MS) continue;
    for (size_t i = 0; i < depth; i++)
      out[n++] = (struct rollup_key){metric, path[i], g, zz_bucket_start(ts, (enum zz_grain)g)};
  }
  return n;
}

static void test_fanout_leaf_is_invisible(void **state) {
  (void)state;
  rng_state = 11;
  const int64_t path[] = {9, 4, 2, 1};
  struct rollup_key want[ROLLUP_REGION_KEYS_MAX], got[ROLLUP_REGION_KEYS_MAX],
      leaf[ROLLUP_REGION_KEYS_MAX];
  for (int iter = 0; iter < 200000; iter++) {
    int64_t now = T(2026, 5, 21, 0, 0, 0) + rnd_range(0, 400 * ZZ_DAY_MS);
    /* most near the retention limits, where it matters */
    int64_t back = iter % 3 == 0   ? rnd_range(0, 900 * ZZ_DAY_MS)
                   : iter % 3 == 1 ? ROLLUP_KEEP_MINUTE_MS + rnd_range(-3 * ZZ_HOUR_MS, ZZ_HOUR_MS)
                                   : ROLLUP_KEEP_HOUR_MS + rnd_range(-3 * ZZ_HOUR_MS, ZZ_HOUR_MS);
    int64_t ts = now - back, later = now + (iter & 1 ? rnd_range(0, 2 * ZZ_HOUR_MS) : 0);
    size_t nw = fanout_plain(5, path, 4, ts, later, want);
    /* the record itself, and its minute leaf folded at now */
    struct rollup_key lk = rollup_region_leaf(5, 9, ts);
    assert_int_equal(rollup_region_keys(5, path, 4, ts, later, got), nw);
    assert_memory_equal(got, want, nw * sizeof *want);
    assert_int_equal(rollup_region_keys(5, path, 4, lk.c, later, got), nw);
    assert_memory_equal(got, want, nw * sizeof *want);
    /* the rebuild's leaf at the same now */
    int64_t lb = rollup_leaf_bucket(ts, now);
    assert_int_equal(rollup_leaf_bucket(lb, now), lb);
    assert_true(lb <= ts && lb >= zz_bucket_start(ts, ZZ_GRAIN_DAY));
    size_t nn = fanout_plain(5, path, 4, ts, now, want);
    assert_int_equal(rollup_region_keys(5, path, 4, lb, now, leaf), nn);
    assert_memory_equal(leaf, want, nn * sizeof *want);
    /* and later: the plain rows but for unread hour rows */
    nw = fanout_plain(5, path, 4, ts, later, want);
    size_t nl = rollup_region_keys(5, path, 4, lb, later, leaf), j = 0;
    int64_t first_hour =
        zz_bucket_next(zz_bucket_start(later - ROLLUP_KEEP_HOUR_MS, ZZ_GRAIN_HOUR), ZZ_GRAIN_HOUR);
    for (size_t i = 0; i < nw; i++) {
      if (j < nl && memcmp(&leaf[j], &want[i], sizeof *want) == 0) {
        j++;
        continue;
      }
      assert_int_equal(want[i].c, ZZ_GRAIN_HOUR);
      assert_true(want[i].d < first_hour);
    }
    assert_int_equal(j, nl);
  }
}

static void test_agg_names(void **state) {
  (void)state;
  static const char *const names[] = {"sum", "count", "avg", "min", "max", "last"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(names); i++) {
    enum rollup_agg a;
    assert_int_equal(rollup_agg_parse(names[i], &a), 0);
    assert_string_equal(rollup_agg_name(a), names[i]);
  }
  enum rollup_agg a;
  assert_int_equal(rollup_agg_parse("mean", &a), ZZ_EINVAL);
  assert_int_equal(rollup_agg_parse("", &a), ZZ_EINVAL);
  assert_int_equal(rollup_agg_parse(NULL, &a), ZZ_EINVAL);
  enum rollup_compare c;
  assert_int_equal(rollup_compare_parse("yoy", &c), 0);
  assert_int_equal(c, ROLLUP_CMP_YOY);
  assert_int_equal(rollup_compare_parse("mom", &c), 0);
  assert_int_equal(c, ROLLUP_CMP_MOM);
  assert_int_equal(rollup_compare_parse("wow", &c), ZZ_EINVAL);
}

static void test_agg_fold_and_value(void **state) {
  (void)state;
  struct store_agg t;
  rollup_agg_empty(&t);
  assert_true(rollup_agg_value(&t, ROLLUP_SUM) == 0);
  assert_true(rollup_agg_value(&t, ROLLUP_COUNT) == 0);
  assert_true(isnan(rollup_agg_value(&t, ROLLUP_AVG)));
  assert_true(isnan(rollup_agg_value(&t, ROLLUP_MIN)));
  assert_true(isnan(rollup_agg_value(&t, ROLLUP_MAX)));
  assert_true(isnan(rollup_agg_value(&t, ROLLUP_LAST)));
  struct store_agg a = {3, 12, 1, 6, 5, 300};
  struct store_agg b = {1, -4, -4, -4, -4, 100};  /* older last */
  struct store_agg c = {2, 10, NAN, NAN, NAN, 0}; /* a row with NULL min/max/last */
  rollup_agg_fold(&t, &a);
  rollup_agg_fold(&t, &b);
  rollup_agg_fold(&t, &c);
  assert_int_equal(t.n, 6);
  assert_true(rollup_agg_value(&t, ROLLUP_SUM) == 18);
  assert_true(rollup_agg_value(&t, ROLLUP_COUNT) == 6);
  assert_true(rollup_agg_value(&t, ROLLUP_AVG) == 3); /* total sum / total n, not a mean of means */
  assert_true(rollup_agg_value(&t, ROLLUP_MIN) == -4);
  assert_true(rollup_agg_value(&t, ROLLUP_MAX) == 6);
  assert_true(rollup_agg_value(&t, ROLLUP_LAST) == 5);
  assert_int_equal(t.last_ts, 300);
  /* A later piece with the same last_ts wins (pieces are folded in time order). */
  struct store_agg d = {1, 9, 9, 9, 9, 300};
  rollup_agg_fold(&t, &d);
  assert_true(rollup_agg_value(&t, ROLLUP_LAST) == 9);
  assert_true(rollup_agg_empty_value(ROLLUP_SUM) == 0);
  assert_true(rollup_agg_empty_value(ROLLUP_COUNT) == 0);
  assert_true(isnan(rollup_agg_empty_value(ROLLUP_AVG)));
  assert_true(isnan(rollup_agg_empty_value(ROLLUP_LAST)));
}

static void test_change(void **state) {
  (void)state;
  assert_true(fabs(rollup_change(7394, 10000) - -0.2606) < 1e-12);
  assert_true(fabs(rollup_change(388, 100) - 2.88) < 1e-12);
  assert_true(isnan(rollup_change(5, 0)));
  assert_true(isnan(rollup_change(0, 0)));
  assert_true(isnan(rollup_change(NAN, 3)));
  assert_true(isnan(rollup_change(3, NAN)));
  assert_true(rollup_change(0, 4) == -1);
}

/* ---- planner ---- */

static void expect_span(const struct rollup_plan *p, int i, enum zz_grain g, int64_t from,
                        int64_t to) {
  assert_true(i < p->n);
  if (p->span[i].grain != g || p->span[i].from != from || p->span[i].to != to) {
    char a[32], b[32], c[32], d[32];
    fail_msg("span %d: got %s [%s, %s), want %s [%s, %s)", i, zz_grain_name(p->span[i].grain),
             zz_time_format(p->span[i].from, a), zz_time_format(p->span[i].to, b), zz_grain_name(g),
             zz_time_format(from, c), zz_time_format(to, d));
  }
}

static void test_plan_recent_is_minute_exact(void **state) {
  (void)state;
  int64_t now = T(2026, 5, 21, 12, 0, 0);
  struct rollup_plan p;
  assert_int_equal(
      rollup_plan_range(T(2026, 5, 20, 9, 37, 30), T(2026, 5, 21, 11, 22, 10), now, 0, &p), 0);
  assert_int_equal(p.n, 3);
  expect_span(&p, 0, ZZ_GRAIN_MINUTE, T(2026, 5, 20, 9, 37, 0), T(2026, 5, 20, 10, 0, 0));
  /* 14 hours to midnight, then 11 hours of a day that does not fit: one run */
  expect_span(&p, 1, ZZ_GRAIN_HOUR, T(2026, 5, 20, 10, 0, 0), T(2026, 5, 21, 11, 0, 0));
  expect_span(&p, 2, ZZ_GRAIN_MINUTE, T(2026, 5, 21, 11, 0, 0), T(2026, 5, 21, 11, 23, 0));
  assert_int_equal(p.from, T(2026, 5, 20, 9, 37, 0));
  assert_int_equal(p.to, T(2026, 5, 21, 11, 23, 0));
  /* Within one hour: minutes only. */
  assert_int_equal(
      rollup_plan_range(T(2026, 5, 21, 10, 5, 0), T(2026, 5, 21, 10, 6, 0), now, 0, &p), 0);
  assert_int_equal(p.n, 1);
  expect_span(&p, 0, ZZ_GRAIN_MINUTE, T(2026, 5, 21, 10, 5, 0), T(2026, 5, 21, 10, 6, 0));
}

static void test_plan_year_to_date(void **state) {
  (void)state;
  int64_t now = T(2026, 5, 21, 12, 34, 56);
  struct rollup_plan p;
  assert_int_equal(rollup_plan_range(T(2026, 1, 1, 0, 0, 0), now, now, 0, &p), 0);
  assert_int_equal(p.n, 4);
  expect_span(&p, 0, ZZ_GRAIN_MONTH, T(2026, 1, 1, 0, 0, 0), T(2026, 5, 1, 0, 0, 0));
  expect_span(&p, 1, ZZ_GRAIN_DAY, T(2026, 5, 1, 0, 0, 0), T(2026, 5, 21, 0, 0, 0));
  expect_span(&p, 2, ZZ_GRAIN_HOUR, T(2026, 5, 21, 0, 0, 0), T(2026, 5, 21, 12, 0, 0));
  expect_span(&p, 3, ZZ_GRAIN_MINUTE, T(2026, 5, 21, 12, 0, 0), T(2026, 5, 21, 12, 35, 0));
  /* The same window last year: minutes are gone, hours are kept 400 days, so
   * the end is rounded out to the hour. */
  int64_t pf, pt;
  rollup_compare_shift(ROLLUP_CMP_YOY, T(2026, 1, 1, 0, 0, 0), now, &pf, &pt);
  assert_int_equal(pf, T(2025, 1, 1, 0, 0, 0));
  assert_int_equal(pt, T(2025, 5, 21, 12, 34, 56));
  assert_int_equal(rollup_plan_range(pf, pt, now, 0, &p), 0);
  assert_int_equal(p.n, 3);
  expect_span(&p, 0, ZZ_GRAIN_MONTH, T(2025, 1, 1, 0, 0, 0), T(2025, 5, 1, 0, 0, 0));
  expect_span(&p, 1, ZZ_GRAIN_DAY, T(2025, 5, 1, 0, 0, 0), T(2025, 5, 21, 0, 0, 0));
  expect_span(&p, 2, ZZ_GRAIN_HOUR, T(2025, 5, 21, 0, 0, 0), T(2025, 5, 21, 13, 0, 0));
  assert_int_equal(p.to, T(2025, 5, 21, 13, 0, 0));
}

static void test_plan_old_ranges_use_days(void **state) {
  (void)state;
  int64_t now = T(2026, 5, 21, 12, 0, 0);
  struct rollup_plan p;
  /* Over 400 days ago: only day and month rows are left. */
  assert_int_equal(
      rollup_plan_range(T(2024, 3, 10, 5, 30, 0), T(2024, 3, 12, 7, 15, 0), now, 0, &p), 0);
  assert_int_equal(p.n, 1);
  expect_span(&p, 0, ZZ_GRAIN_DAY, T(2024, 3, 10, 0, 0, 0), T(2024, 3, 13, 0, 0, 0));
  /* A long old range: days, months, days. */
  assert_int_equal(rollup_plan_range(T(2023, 11, 20, 5, 0, 0), T(2024, 2, 3, 1, 0, 0), now, 0, &p),
                   0);
  assert_int_equal(p.n, 3);
  expect_span(&p, 0, ZZ_GRAIN_DAY, T(2023, 11, 20, 0, 0, 0), T(2023, 12, 1, 0, 0, 0));
  expect_span(&p, 1, ZZ_GRAIN_MONTH, T(2023, 12, 1, 0, 0, 0), T(2024, 2, 1, 0, 0, 0));
  expect_span(&p, 2, ZZ_GRAIN_DAY, T(2024, 2, 1, 0, 0, 0), T(2024, 2, 4, 0, 0, 0));
  /* Starting old, ending recent: day edge at the start, minute edge at the end. */
  assert_int_equal(
      rollup_plan_range(T(2024, 12, 30, 13, 0, 0), T(2026, 5, 21, 11, 59, 1), now, 0, &p), 0);
  assert_int_equal(p.n, 4);
  expect_span(&p, 0, ZZ_GRAIN_DAY, T(2024, 12, 30, 0, 0, 0), T(2025, 1, 1, 0, 0, 0));
  expect_span(&p, 1, ZZ_GRAIN_MONTH, T(2025, 1, 1, 0, 0, 0), T(2026, 5, 1, 0, 0, 0));
  expect_span(&p, 2, ZZ_GRAIN_DAY, T(2026, 5, 1, 0, 0, 0), T(2026, 5, 21, 0, 0, 0));
  /* 11:59:01 rounds to the minute 12:00, which the 11:00 hour row reaches */
  expect_span(&p, 3, ZZ_GRAIN_HOUR, T(2026, 5, 21, 0, 0, 0), T(2026, 5, 21, 12, 0, 0));
  assert_int_equal(
      rollup_plan_range(T(2024, 12, 30, 13, 0, 0), T(2026, 5, 21, 11, 58, 1), now, 0, &p), 0);
  assert_int_equal(p.n, 5);
  expect_span(&p, 4, ZZ_GRAIN_MINUTE, T(2026, 5, 21, 11, 0, 0), T(2026, 5, 21, 11, 59, 0));
}

static void test_plan_edges_at_the_minute_retention(void **state) {
  (void)state;
  int64_t now = T(2026, 5, 21, 12, 30, 0); /* minutes kept from 2026-05-19 12:30 */
  struct rollup_plan p;
  /* Both edges in the hour that holds the limit: that hour, whole. */
  assert_int_equal(
      rollup_plan_range(T(2026, 5, 19, 12, 10, 0), T(2026, 5, 19, 12, 50, 0), now, 0, &p), 0);
  assert_int_equal(p.n, 1);
  expect_span(&p, 0, ZZ_GRAIN_HOUR, T(2026, 5, 19, 12, 0, 0), T(2026, 5, 19, 13, 0, 0));
  /* Start before the limit, end two hours later: the start rounds to the hour,
   * the end stays minute-exact. */
  assert_int_equal(
      rollup_plan_range(T(2026, 5, 19, 11, 10, 0), T(2026, 5, 19, 14, 50, 0), now, 0, &p), 0);
  assert_int_equal(p.n, 2);
  expect_span(&p, 0, ZZ_GRAIN_HOUR, T(2026, 5, 19, 11, 0, 0), T(2026, 5, 19, 14, 0, 0));
  expect_span(&p, 1, ZZ_GRAIN_MINUTE, T(2026, 5, 19, 14, 0, 0), T(2026, 5, 19, 14, 50, 0));
  /* Start after the limit in the same hour: exact. */
  assert_int_equal(
      rollup_plan_range(T(2026, 5, 19, 12, 30, 0), T(2026, 5, 19, 12, 50, 0), now, 0, &p), 0);
  assert_int_equal(p.n, 1);
  expect_span(&p, 0, ZZ_GRAIN_MINUTE, T(2026, 5, 19, 12, 30, 0), T(2026, 5, 19, 12, 50, 0));
  /* End in the limit's hour, start long before: the end rounds to the hour. */
  assert_int_equal(
      rollup_plan_range(T(2026, 5, 18, 0, 0, 0), T(2026, 5, 19, 12, 40, 0), now, 0, &p), 0);
  assert_int_equal(p.n, 2);
  expect_span(&p, 0, ZZ_GRAIN_DAY, T(2026, 5, 18, 0, 0, 0), T(2026, 5, 19, 0, 0, 0));
  expect_span(&p, 1, ZZ_GRAIN_HOUR, T(2026, 5, 19, 0, 0, 0), T(2026, 5, 19, 13, 0, 0));
}

static void test_plan_raw_edges(void **state) {
  (void)state;
  int64_t now = T(2026, 5, 21, 12, 34, 56);
  struct rollup_plan p;
  /* Last year's year to date: the end's lost minutes are read raw. */
  assert_int_equal(
      rollup_plan_range(T(2025, 1, 1, 0, 0, 0), T(2025, 5, 21, 12, 34, 56), now, 1, &p), 0);
  assert_int_equal(p.n, 4);
  expect_span(&p, 0, ZZ_GRAIN_MONTH, T(2025, 1, 1, 0, 0, 0), T(2025, 5, 1, 0, 0, 0));
  expect_span(&p, 1, ZZ_GRAIN_DAY, T(2025, 5, 1, 0, 0, 0), T(2025, 5, 21, 0, 0, 0));
  expect_span(&p, 2, ZZ_GRAIN_HOUR, T(2025, 5, 21, 0, 0, 0), T(2025, 5, 21, 12, 0, 0));
  expect_span(&p, 3, ZZ_GRAIN_MINUTE, T(2025, 5, 21, 12, 0, 0), T(2025, 5, 21, 12, 35, 0));
  assert_true(p.span[3].raw && !p.span[2].raw && !p.span[0].raw);
  assert_int_equal(p.to, T(2025, 5, 21, 12, 35, 0));
  /* An edge hour that straddles the minute limit: raw, then kept minutes. */
  now = T(2026, 5, 21, 12, 30, 0);
  assert_int_equal(
      rollup_plan_range(T(2026, 5, 19, 12, 10, 0), T(2026, 5, 19, 14, 50, 0), now, 1, &p), 0);
  assert_int_equal(p.n, 4);
  expect_span(&p, 0, ZZ_GRAIN_MINUTE, T(2026, 5, 19, 12, 10, 0), T(2026, 5, 19, 12, 30, 0));
  expect_span(&p, 1, ZZ_GRAIN_MINUTE, T(2026, 5, 19, 12, 30, 0), T(2026, 5, 19, 13, 0, 0));
  expect_span(&p, 2, ZZ_GRAIN_HOUR, T(2026, 5, 19, 13, 0, 0), T(2026, 5, 19, 14, 0, 0));
  expect_span(&p, 3, ZZ_GRAIN_MINUTE, T(2026, 5, 19, 14, 0, 0), T(2026, 5, 19, 14, 50, 0));
  assert_true(p.span[0].raw && !p.span[1].raw && !p.span[3].raw);
  /* Not where the hour row is gone or partial: those edges round to the day. */
  assert_int_equal(
      rollup_plan_range(T(2025, 4, 16, 12, 20, 0), T(2025, 4, 16, 16, 0, 0), now, 1, &p), 0);
  assert_int_equal(p.n, 1);
  expect_span(&p, 0, ZZ_GRAIN_DAY, T(2025, 4, 16, 0, 0, 0), T(2025, 4, 17, 0, 0, 0));
  /* Nothing raw when the minutes are kept. */
  assert_int_equal(rollup_plan_range(T(2026, 5, 21, 1, 7, 0), now, now, 1, &p), 0);
  for (int i = 0; i < p.n; i++) assert_false(p.span[i].raw);
}

static void test_plan_refuses_bad_ranges(void **state) {
  (void)state;
  int64_t now = T(2026, 5, 21, 12, 0, 0);
  struct rollup_plan p;
  assert_int_equal(rollup_plan_range(now, now, now, 0, &p), ZZ_EINVAL);
  assert_int_equal(rollup_plan_range(now, now - 1, now, 0, &p), ZZ_EINVAL);
  assert_int_equal(rollup_plan_range(INT64_MIN, INT64_MAX, now, 0, &p), ZZ_EINVAL);
  assert_int_equal(rollup_plan_range(T(1000, 1, 1, 0, 0, 0), T(2026, 1, 1, 0, 0, 0), now, 0, &p),
                   ZZ_EINVAL);
  assert_int_equal(rollup_plan_range(T(9999, 1, 1, 0, 0, 0), INT64_MAX, now, 0, &p), ZZ_EINVAL);
  /* 1 ms is a valid range: its minute. */
  assert_int_equal(rollup_plan_range(now + 5, now + 6, now, 0, &p), 0);
  assert_int_equal(p.n, 1);
  expect_span(&p, 0, ZZ_GRAIN_MINUTE, now, now + ZZ_MINUTE_MS);
}

/* Properties of every plan: spans are whole aligned buckets, contiguous,
 * retained, cover [from, to), and no edge is coarser than it must be. */
static void test_plan_properties_random(void **state) {
  (void)state;
  rng_state = 42;
  int64_t base = T(2026, 5, 21, 0, 0, 0);
  for (int iter = 0; iter < 20000; iter++) {
    int64_t now = base + rnd_range(0, 400 * ZZ_DAY_MS);
    int64_t lim[5];
    rollup_retained(now, lim);
    int64_t spans[] = {ZZ_MINUTE_MS * 90, ZZ_DAY_MS * 3, ZZ_DAY_MS * 100, ZZ_DAY_MS * 900};
    int64_t from = now - rnd_range(1, 1000 * ZZ_DAY_MS);
    int64_t to = from + rnd_range(1, spans[iter % 4]);
    struct rollup_plan p;
    int raw = iter % 2;
    assert_int_equal(rollup_plan_range(from, to, now, raw, &p), 0);
    assert_true(p.n >= 1 && p.n <= ROLLUP_PLAN_MAX);
    assert_true(p.from <= from && p.to >= to);
    assert_int_equal(p.span[0].from, p.from);
    assert_int_equal(p.span[p.n - 1].to, p.to);
    for (int i = 0; i < p.n; i++) {
      const struct rollup_span *s = &p.span[i];
      assert_true(s->from < s->to);
      if (i) assert_int_equal(s->from, p.span[i - 1].to);
      if (i) assert_true(s->grain != p.span[i - 1].grain || s->raw != p.span[i - 1].raw);
      if (s->raw) {
        /* raw: lost minutes inside kept hours, at most 59 of them */
        assert_true(raw && s->grain == ZZ_GRAIN_MINUTE && s->to <= lim[ZZ_GRAIN_MINUTE]);
        assert_true(zz_bucket_start(s->from, ZZ_GRAIN_HOUR) >= lim[ZZ_GRAIN_HOUR]);
        assert_true(s->to - s->from < 2 * ZZ_HOUR_MS); /* both edges at most */
      } else {
        assert_true(s->from >= lim[s->grain]);
      }
      assert_int_equal(zz_bucket_start(s->from, s->grain), s->from);
      assert_int_equal(zz_bucket_start(s->to, s->grain), s->to);
    }
    /* Exact to the minute wherever minutes are kept over the whole range. */
    if (zz_bucket_start(from, ZZ_GRAIN_MINUTE) >= lim[ZZ_GRAIN_MINUTE]) {
      assert_int_equal(p.from, zz_bucket_start(from, ZZ_GRAIN_MINUTE));
      assert_int_equal(p.to, rollup_ceil(to, ZZ_GRAIN_MINUTE));
    }
    /* Edges never coarser than needed: at worst the day, at best the minute. */
    assert_true(p.from >= zz_bucket_start(from, ZZ_GRAIN_DAY));
    assert_true(p.to <= rollup_ceil(to, ZZ_GRAIN_DAY));
    if (zz_bucket_start(from, ZZ_GRAIN_HOUR) >= lim[ZZ_GRAIN_HOUR]) {
      assert_true(p.from >= zz_bucket_start(from, ZZ_GRAIN_HOUR));
      /* with raw edges, exact to the minute as far back as hours are kept */
      if (raw) assert_int_equal(p.from, zz_bucket_start(from, ZZ_GRAIN_MINUTE));
      if (raw) assert_int_equal(p.to, rollup_ceil(to, ZZ_GRAIN_MINUTE));
    }
  }
}

static void test_compare_shift(void **state) {
  (void)state;
  int64_t pf, pt;
  /* yoy clamps Feb 29 to Feb 28 */
  rollup_compare_shift(ROLLUP_CMP_YOY, T(2024, 2, 29, 10, 0, 0), T(2024, 3, 1, 0, 0, 0), &pf, &pt);
  assert_int_equal(pf, T(2023, 2, 28, 10, 0, 0));
  assert_int_equal(pt, T(2023, 3, 1, 0, 0, 0));
  /* mom clamps Mar 31 to Feb 28 and keeps the time of day */
  rollup_compare_shift(ROLLUP_CMP_MOM, T(2026, 3, 31, 23, 59, 0), T(2026, 4, 30, 8, 0, 0), &pf,
                       &pt);
  assert_int_equal(pf, T(2026, 2, 28, 23, 59, 0));
  assert_int_equal(pt, T(2026, 3, 30, 8, 0, 0));
  /* mom across a year */
  rollup_compare_shift(ROLLUP_CMP_MOM, T(2026, 1, 1, 0, 0, 0), T(2026, 1, 15, 0, 0, 0), &pf, &pt);
  assert_int_equal(pf, T(2025, 12, 1, 0, 0, 0));
  assert_int_equal(pt, T(2025, 12, 15, 0, 0, 0));
  rollup_compare_shift(ROLLUP_CMP_NONE, 5, 7, &pf, &pt);
  assert_int_equal(pf, 5);
  assert_int_equal(pt, 7);
}

static void test_grid_count(void **state) {
  (void)state;
  assert_int_equal(
      rollup_grid_count(T(2026, 1, 1, 0, 0, 0), T(2026, 1, 31, 12, 0, 0), ZZ_GRAIN_DAY, 5000), 31);
  assert_int_equal(
      rollup_grid_count(T(2026, 1, 15, 0, 0, 0), T(2026, 3, 1, 0, 0, 0), ZZ_GRAIN_MONTH, 5000), 2);
  assert_int_equal(
      rollup_grid_count(T(2025, 12, 15, 0, 0, 0), T(2026, 3, 1, 0, 0, 1), ZZ_GRAIN_MONTH, 5000), 4);
  assert_int_equal(
      rollup_grid_count(T(2026, 1, 1, 0, 0, 30), T(2026, 1, 1, 0, 2, 0), ZZ_GRAIN_MINUTE, 5000), 2);
  assert_int_equal(
      rollup_grid_count(T(2026, 1, 1, 0, 0, 0), T(2026, 1, 2, 0, 0, 0), ZZ_GRAIN_HOUR, 5000), 24);
  assert_int_equal(
      rollup_grid_count(T(2026, 1, 1, 0, 0, 0), T(2026, 1, 5, 0, 0, 0), ZZ_GRAIN_MINUTE, 5000),
      5001);
  assert_int_equal(rollup_grid_count(5, 5, ZZ_GRAIN_DAY, 5000), 0);
  assert_int_equal(rollup_grid_count(INT64_MIN, INT64_MAX, ZZ_GRAIN_DAY, 5000), 5001);
}

/* ---- a fake store ---- */

#define F_ENTS 5000

struct fake_ent {
  int64_t id;
  char key[32], name_zh[32], name_en[32], type[16], attrs[96];
  int64_t rpos;
};

struct fake {
  struct store base;
  struct rollup_acc rows;     /* key: (metric, node, grain, bucket) */
  struct rollup_acc ent_rows; /* key: (metric, entity, grain, bucket) */
  struct fake_ent ents[F_ENTS];
  size_t nents;
  struct store_agg eagg[F_ENTS]; /* entity_aggs answer for entity i+1 */
  int has_eagg[F_ENTS];
  int64_t eagg_from, eagg_to; /* last entity_aggs call */
  int bucket_calls, ents_calls;
  int fail; /* every read fails with ZZ_ESTORE */
  /* raw records of metric 1: entities 1..nseries are node 1's series */
  struct frec {
    int64_t entity, ts;
    double v;
  } * recs;
  size_t nrecs, caprecs;
  int64_t nseries;
  int records_calls;
  int64_t version; /* catalog_version of the versioned ops */
};

struct brow {
  int64_t bucket;
  struct store_agg a;
};

static int cmp_brow(const void *x, const void *y) {
  int64_t a = ((const struct brow *)x)->bucket, b = ((const struct brow *)y)->bucket;
  return a < b ? -1 : a > b;
}

static int emit_rows(struct rollup_acc *acc, int64_t a, int64_t b, int64_t g, int64_t from,
                     int64_t to, store_bucket_fn fn, void *ud) {
  struct brow *rows = malloc((rollup_acc_len(acc) + 1) * sizeof *rows);
  size_t n = 0;
  for (size_t i = 0; i < rollup_acc_cap(acc); i++) {
    struct rollup_cell *c = rollup_acc_at(acc, i);
    if (!c || c->key.a != a || c->key.b != b || c->key.c != g || c->key.d < from || c->key.d >= to)
      continue;
    rows[n++] = (struct brow){c->key.d, {c->n, c->sum, c->min, c->max, c->last, c->last_ts}};
  }
  qsort(rows, n, sizeof *rows, cmp_brow);
  for (size_t i = 0; i < n; i++)
    if (fn(ud, rows[i].bucket, &rows[i].a)) break;
  free(rows);
  return 0;
}

static int f_rollup_buckets(struct store *st, int64_t metric, int64_t region, enum zz_grain g,
                            int64_t from, int64_t to, store_bucket_fn fn, void *ud) {
  struct fake *f = (struct fake *)st;
  f->bucket_calls++;
  if (f->fail) return ZZ_ESTORE;
  return emit_rows(&f->rows, metric, region, g, from, to, fn, ud);
}

static int f_entity_buckets(struct store *st, int64_t entity, int64_t metric, enum zz_grain g,
                            int64_t from, int64_t to, store_bucket_fn fn, void *ud) {
  struct fake *f = (struct fake *)st;
  if (f->fail) return ZZ_ESTORE;
  return emit_rows(&f->ent_rows, metric, entity, g, from, to, fn, ud);
}

static int f_entity_aggs(struct store *st, int64_t metric, int64_t lo, int64_t hi, const char *type,
                         int64_t from, int64_t to, int additive, store_series_agg_fn fn, void *ud) {
  (void)additive;
  struct fake *f = (struct fake *)st;
  (void)metric;
  if (f->fail) return ZZ_ESTORE;
  f->eagg_from = from;
  f->eagg_to = to;
  for (size_t i = 0; i < f->nents; i++) {
    const struct fake_ent *e = &f->ents[i];
    if (!f->has_eagg[i] || (type && strcmp(type, e->type)) ||
        (lo && (e->rpos < lo || e->rpos > hi)))
      continue;
    if (fn(ud, e->id, &f->eagg[i])) break;
  }
  return 0;
}

static int f_entities_each(struct store *st, const struct store_entity_filter *flt,
                           int (*fn)(void *, const struct store_entity *), void *ud) {
  struct fake *f = (struct fake *)st;
  f->ents_calls++;
  if (f->fail) return ZZ_ESTORE;
  int left = flt->limit > 0 ? flt->limit : 100;
  for (size_t i = 0; i < f->nents && left > 0; i++) {
    const struct fake_ent *e = &f->ents[i];
    if (e->id <= flt->after_id || (flt->type && strcmp(flt->type, e->type)) ||
        (flt->rpos_lo && (e->rpos < flt->rpos_lo || e->rpos > flt->rpos_hi)))
      continue;
    struct store_entity en = {.id = e->id,
                              .key = e->key,
                              .type = e->type,
                              .name_zh = e->name_zh,
                              .name_en = e->name_en,
                              .attrs_json = e->attrs};
    left--;
    if (fn(ud, &en)) break;
  }
  return 0;
}

static int f_latest_each(struct store *st, int64_t metric, int64_t entity, int64_t lo, int64_t hi,
                         const char *type, int (*fn)(void *, int64_t, int64_t, int64_t, double),
                         void *ud) {
  struct fake *f = (struct fake *)st;
  if (f->fail) return ZZ_ESTORE;
  if (f->nseries) { /* the series of node 1 (its interval is [1, 1]) */
    assert_true(metric == 1 && lo == 1 && hi == 1 && !entity && !type);
    for (int64_t id = 1; id <= f->nseries; id++)
      if (fn(ud, id, 1, 0, 0)) break;
    return 0;
  }
  for (size_t i = 0; i < f->nents; i++) {
    const struct fake_ent *e = &f->ents[i];
    if ((entity && e->id != entity) || (type && strcmp(type, e->type)) ||
        (lo && (e->rpos < lo || e->rpos > hi)))
      continue;
    for (int64_t m = 1; m <= 2; m++) {
      if (metric && m != metric) continue;
      if (fn(ud, e->id, m, 1000 * e->id + m, (double)(e->id * 10 + m))) return 0;
    }
  }
  return 0;
}

static int f_records_each(struct store *st, int64_t entity, int64_t metric, int64_t from,
                          int64_t to, int limit, int (*fn)(void *, int64_t, double), void *ud) {
  struct fake *f = (struct fake *)st;
  f->records_calls++;
  assert_true(metric == 1 && limit > 1000000);
  if (f->fail) return ZZ_ESTORE;
  for (size_t i = 0; i < f->nrecs; i++)
    if (f->recs[i].entity == entity && f->recs[i].ts >= from && f->recs[i].ts < to)
      if (fn(ud, f->recs[i].ts, f->recs[i].v)) break;
  return 0;
}

/* The fake fills the records reads and the entity list, all the query
 * engine asks of a store. */
static const struct store_records_ops fake_records = {
    .rollup_buckets = f_rollup_buckets,
    .entity_aggs = f_entity_aggs,
    .entity_buckets = f_entity_buckets,
    .latest_each = f_latest_each,
    .records_each = f_records_each,
};

static const struct store_registry_ops fake_registry = {
    .entities_each = f_entities_each,
};

static const struct store_ops fake_ops = {
    .name = "fake",
    .records = &fake_records,
    .registry = &fake_registry,
};

static int64_t f_catalog_version(struct store *st) {
  return ((struct fake *)st)->version;
}

/* The same fake with a catalog version, so entity scans may be cached. */
static const struct store_registry_ops fake_registry_versioned = {
    .entities_each = f_entities_each,
    .catalog_version = f_catalog_version,
};

static const struct store_ops fake_ops_versioned = {
    .name = "fake-versioned",
    .records = &fake_records,
    .registry = &fake_registry_versioned,
};

static struct fake *fake_new(void) {
  struct fake *f = calloc(1, sizeof *f);
  f->base.ops = &fake_ops;
  assert_int_equal(rollup_acc_init(&f->rows, 1024), 0);
  assert_int_equal(rollup_acc_init(&f->ent_rows, 64), 0);
  return f;
}

static void fake_free(struct fake *f) {
  rollup_acc_free(&f->rows);
  rollup_acc_free(&f->ent_rows);
  free(f->recs);
  free(f);
}

/* Adds a record of metric 1 by entity at region node 1 as the writer would
 * at time write_now: minute rows only while retained, hour rows likewise (so
 * the hour holding the 400-day limit is partial, as in the real store). */
static void fake_record_at(struct fake *f, int64_t node, int64_t write_now, int64_t entity,
                           int64_t ts, double v);
static void fake_record(struct fake *f, int64_t write_now, int64_t entity, int64_t ts, double v) {
  fake_record_at(f, 1, write_now, entity, ts, v);
}
static void fake_record_at(struct fake *f, int64_t node, int64_t write_now, int64_t entity,
                           int64_t ts, double v) {
  if (f->nrecs == f->caprecs) {
    f->caprecs = f->caprecs ? f->caprecs * 2 : 1024;
    f->recs = realloc(f->recs, f->caprecs * sizeof *f->recs);
  }
  f->recs[f->nrecs++] = (struct frec){entity, ts, v};
  if (entity > f->nseries) f->nseries = entity;
  int64_t minute = zz_bucket_start(ts, ZZ_GRAIN_MINUTE);
  for (int g = ZZ_GRAIN_MINUTE; g <= ZZ_GRAIN_MONTH; g++) {
    if (g == ZZ_GRAIN_MINUTE && minute < write_now - ROLLUP_KEEP_MINUTE_MS) continue;
    if (g == ZZ_GRAIN_HOUR && minute < write_now - ROLLUP_KEEP_HOUR_MS) continue;
    struct rollup_key k = {1, node, g, zz_bucket_start(minute, (enum zz_grain)g)};
    assert_int_equal(rollup_acc_add(&f->rows, &k, ts, v), 0);
  }
}

/* ---- totals and series against the fake ---- */

#define NREC 20000
struct rec {
  int64_t ts;
  double v;
};

static void test_totals_match_brute_force(void **state) {
  (void)state;
  rng_state = 7;
  struct fake *f = fake_new();
  int64_t now = T(2026, 5, 21, 12, 34, 56);
  static struct rec recs[NREC];
  for (int i = 0; i < NREC; i++) {
    /* half in the last 3 days (minute rows), the rest over 2 years */
    int64_t back = i % 2 ? rnd_range(0, 3 * ZZ_DAY_MS) : rnd_range(0, 730 * ZZ_DAY_MS);
    recs[i] = (struct rec){now - back, (double)rnd_range(-50, 1000)};
    fake_record(f, now, 1 + i % 7, recs[i].ts, recs[i].v);
  }
  struct rollup_node node = {1, 1, 1};
  for (int iter = 0; iter < 600; iter++) {
    int64_t from = now - rnd_range(1, 760 * ZZ_DAY_MS);
    int64_t to = from + rnd_range(1, iter % 3 ? 5 * ZZ_DAY_MS : 500 * ZZ_DAY_MS);
    struct store_agg got;
    int64_t cf, ct;
    struct zz_err e = {0};
    struct rollup_plan p;
    /* every other round, too many series for raw edges */
    int capped = iter % 2;
    f->nseries = capped ? ROLLUP_RAW_SERIES_MAX + 1 : 7;
    assert_int_equal(rollup_plan_range(from, to, now, !capped, &p), 0);
    f->bucket_calls = f->records_calls = 0;
    assert_int_equal(rollup_total(&f->base, 1, &node, from, to, now, &got, &cf, &ct, &e), 0);
    int nraw = 0;
    for (int i = 0; i < p.n; i++) nraw += p.span[i].raw;
    assert_int_equal(f->bucket_calls, p.n - nraw); /* one read per span */
    assert_int_equal(f->records_calls, nraw * 7);  /* and per series and raw span */
    assert_int_equal(cf, p.from);
    assert_int_equal(ct, p.to);
    /* Raw edges make a total exact to the minute within the hours' 400 days. */
    int64_t lim[5];
    rollup_retained(now, lim);
    if (!capped && zz_bucket_start(from, ZZ_GRAIN_HOUR) >= lim[ZZ_GRAIN_HOUR]) {
      assert_int_equal(cf, zz_bucket_start(from, ZZ_GRAIN_MINUTE));
      assert_int_equal(ct, rollup_ceil(to, ZZ_GRAIN_MINUTE));
    }
    struct store_agg want;
    rollup_agg_empty(&want);
    for (int i = 0; i < NREC; i++) {
      if (recs[i].ts < cf || recs[i].ts >= ct) continue;
      struct store_agg one = {1, recs[i].v, recs[i].v, recs[i].v, recs[i].v, recs[i].ts};
      rollup_agg_fold(&want, &one);
    }
    if (got.n != want.n || got.sum != want.sum) {
      char a[32], b[32];
      fail_msg("[%s, %s): n %lld sum %g, want n %lld sum %g", zz_time_format(cf, a),
               zz_time_format(ct, b), (long long)got.n, got.sum, (long long)want.n, want.sum);
    }
    assert_true(rollup_agg_value(&got, ROLLUP_MIN) == rollup_agg_value(&want, ROLLUP_MIN) ||
                (want.n == 0 && isnan(rollup_agg_value(&got, ROLLUP_MIN))));
    assert_true(rollup_agg_value(&got, ROLLUP_MAX) == rollup_agg_value(&want, ROLLUP_MAX) ||
                want.n == 0);
    if (want.n) assert_int_equal(got.last_ts, want.last_ts);
  }
  /* Store errors come back with a message. */
  f->fail = 1;
  struct store_agg got;
  struct zz_err e = {0};
  assert_int_equal(
      rollup_total(&f->base, 1, &node, now - ZZ_DAY_MS, now, now, &got, NULL, NULL, &e), ZZ_ESTORE);
  assert_int_equal(e.code, ZZ_ESTORE);
  e = (struct zz_err){0};
  assert_int_equal(
      rollup_total(&f->base, 1, &node, now, now - ZZ_DAY_MS, now, &got, NULL, NULL, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "from");
  fake_free(f);
}

/* The hour that holds now - 400 days is partial in the store (the writer
 * skipped its early minutes): a total must not read it. */
static void test_total_avoids_partial_hour(void **state) {
  (void)state;
  struct fake *f = fake_new();
  int64_t now = T(2026, 5, 21, 12, 30, 0); /* hours kept from 2025-04-16 12:30 */
  fake_record(f, now, 1, T(2025, 4, 16, 12, 10, 0), 1);
  fake_record(f, now, 1, T(2025, 4, 16, 12, 40, 0), 2);
  fake_record(f, now, 1, T(2025, 4, 16, 15, 0, 0), 4);
  fake_record(f, now, 1, T(2025, 4, 17, 9, 0, 0), 8);
  fake_record(f, now, 1, T(2025, 4, 16, 13, 10, 0), 16);
  fake_record(f, now, 1, T(2025, 4, 16, 13, 25, 0), 32);
  struct rollup_node node = {1, 1, 1};
  struct store_agg a;
  int64_t cf, ct;
  struct zz_err e = {0};
  assert_int_equal(rollup_total(&f->base, 1, &node, T(2025, 4, 16, 12, 20, 0),
                                T(2025, 4, 16, 16, 0, 0), now, &a, &cf, &ct, &e),
                   0);
  assert_int_equal(cf, T(2025, 4, 16, 0, 0, 0));
  assert_int_equal(ct, T(2025, 4, 17, 0, 0, 0));
  assert_int_equal(a.n, 5);
  assert_true(a.sum == 55);
  /* From the next hour on, hours are whole: the start is exact to the minute,
   * its first 40 minutes read raw. */
  assert_int_equal(rollup_total(&f->base, 1, &node, T(2025, 4, 16, 13, 20, 0),
                                T(2025, 4, 17, 10, 0, 0), now, &a, &cf, &ct, &e),
                   0);
  assert_int_equal(cf, T(2025, 4, 16, 13, 20, 0));
  assert_int_equal(ct, T(2025, 4, 17, 10, 0, 0));
  assert_true(a.sum == 44);
  fake_free(f);
}

/* Breakdown by children: one plan, one total per node, no raw edges. */
static void test_totals_per_child(void **state) {
  (void)state;
  struct fake *f = fake_new();
  int64_t now = T(2026, 5, 21, 12, 30, 0);
  fake_record_at(f, 2, now, 1, T(2026, 5, 10, 9, 10, 0), 1); /* before the range */
  fake_record_at(f, 2, now, 1, T(2026, 5, 10, 9, 40, 0), 2);
  fake_record_at(f, 2, now, 1, T(2026, 5, 21, 12, 10, 0), 4);
  fake_record_at(f, 3, now, 2, T(2026, 5, 12, 0, 0, 0), 8);
  fake_record_at(f, 3, now, 2, T(2026, 5, 21, 12, 29, 0), 16);
  fake_record_at(f, 3, now, 2, T(2026, 5, 21, 12, 31, 0), 32); /* after */
  struct rollup_node nodes[] = {{2, 0, 0}, {3, 0, 0}, {4, 0, 0}};
  struct store_agg out[3];
  int64_t cf, ct;
  struct zz_err e = {0};
  f->records_calls = 0;
  assert_int_equal(rollup_totals(&f->base, 1, nodes, 3, T(2026, 5, 10, 9, 30, 0), now, now, 0, out,
                                 &cf, &ct, &e),
                   0);
  assert_int_equal(f->records_calls, 0);
  /* 9:30 ten days ago has no minute rows: the start rounds to 9:00 */
  assert_int_equal(cf, T(2026, 5, 10, 9, 0, 0));
  assert_int_equal(ct, now);
  assert_true(out[0].sum == 7 && out[0].n == 3);
  assert_true(out[1].sum == 24 && out[1].n == 2);
  assert_true(out[2].n == 0 && isnan(rollup_agg_value(&out[2], ROLLUP_AVG)));
  fake_free(f);
}

static void test_series_fills_gaps(void **state) {
  (void)state;
  struct fake *f = fake_new();
  int64_t now = T(2026, 5, 21, 12, 0, 0);
  fake_record(f, now, 1, T(2026, 5, 21, 9, 15, 0), 4);
  fake_record(f, now, 1, T(2026, 5, 21, 9, 45, 0), 2);
  fake_record(f, now, 1, T(2026, 5, 21, 11, 5, 0), 9);
  struct rollup_points p;
  struct zz_err e = {0};
  /* from 08:30 rounds down to 08:00, to 11:10 rounds up to 12:00 */
  assert_int_equal(rollup_series(&f->base, 1, 1, ZZ_GRAIN_HOUR, T(2026, 5, 21, 8, 30, 0),
                                 T(2026, 5, 21, 11, 10, 0), ROLLUP_SUM, now, 5000, &p, &e),
                   0);
  assert_int_equal(p.n, 4);
  assert_int_equal(p.from, T(2026, 5, 21, 8, 0, 0));
  assert_int_equal(p.to, T(2026, 5, 21, 12, 0, 0));
  static const double sums[] = {0, 6, 0, 9};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(p.t[i], T(2026, 5, 21, 8 + (int)i, 0, 0));
    assert_true(p.v[i] == sums[i]);
  }
  rollup_points_free(&p);
  /* avg: empty buckets are null, full ones sum/n */
  assert_int_equal(rollup_series(&f->base, 1, 1, ZZ_GRAIN_HOUR, T(2026, 5, 21, 8, 0, 0),
                                 T(2026, 5, 21, 12, 0, 0), ROLLUP_AVG, now, 5000, &p, &e),
                   0);
  assert_true(isnan(p.v[0]) && p.v[1] == 3 && isnan(p.v[2]) && p.v[3] == 9);
  rollup_points_free(&p);
  assert_int_equal(rollup_series(&f->base, 1, 1, ZZ_GRAIN_HOUR, T(2026, 5, 21, 8, 0, 0),
                                 T(2026, 5, 21, 12, 0, 0), ROLLUP_COUNT, now, 5000, &p, &e),
                   0);
  assert_true(p.v[0] == 0 && p.v[1] == 2 && p.v[2] == 0 && p.v[3] == 1);
  rollup_points_free(&p);
  assert_int_equal(rollup_series(&f->base, 1, 1, ZZ_GRAIN_HOUR, T(2026, 5, 21, 8, 0, 0),
                                 T(2026, 5, 21, 12, 0, 0), ROLLUP_LAST, now, 5000, &p, &e),
                   0);
  assert_true(isnan(p.v[0]) && p.v[1] == 2 && isnan(p.v[2]) && p.v[3] == 9);
  rollup_points_free(&p);
  /* Minute points older than 48 h are null even for sums: their rows are gone. */
  assert_int_equal(
      rollup_series(&f->base, 1, 1, ZZ_GRAIN_MINUTE, now - 48 * ZZ_HOUR_MS - 2 * ZZ_MINUTE_MS,
                    now - 48 * ZZ_HOUR_MS + 2 * ZZ_MINUTE_MS, ROLLUP_SUM, now, 5000, &p, &e),
      0);
  assert_int_equal(p.n, 4);
  assert_true(isnan(p.v[0]) && isnan(p.v[1]) && p.v[2] == 0 && p.v[3] == 0);
  rollup_points_free(&p);
  /* Day points by month boundaries; month grain over a year. */
  assert_int_equal(rollup_series(&f->base, 1, 1, ZZ_GRAIN_MONTH, T(2025, 6, 10, 0, 0, 0), now,
                                 ROLLUP_SUM, now, 5000, &p, &e),
                   0);
  assert_int_equal(p.n, 12);
  assert_int_equal(p.t[0], T(2025, 6, 1, 0, 0, 0));
  assert_int_equal(p.t[11], T(2026, 5, 1, 0, 0, 0));
  assert_true(p.v[10] == 0 && p.v[11] == 15);
  rollup_points_free(&p);
  /* The point cap. */
  e = (struct zz_err){0};
  assert_int_equal(rollup_series(&f->base, 1, 1, ZZ_GRAIN_MINUTE, now - 4 * ZZ_DAY_MS, now,
                                 ROLLUP_SUM, now, 5000, &p, &e),
                   ZZ_EINVAL);
  assert_string_equal(e.field, "grain");
  assert_non_null(strstr(e.msg, "5000"));
  assert_null(p.t);
  /* Store failure frees the grid. */
  f->fail = 1;
  assert_int_equal(rollup_series(&f->base, 1, 1, ZZ_GRAIN_HOUR, now - ZZ_DAY_MS, now, ROLLUP_SUM,
                                 now, 5000, &p, &e),
                   ZZ_ESTORE);
  assert_null(p.t);
  fake_free(f);
}

static void test_entity_series(void **state) {
  (void)state;
  struct fake *f = fake_new();
  int64_t d = T(2026, 5, 20, 0, 0, 0);
  struct rollup_key k = {3, 77, ZZ_GRAIN_DAY, d};
  assert_int_equal(rollup_acc_add(&f->ent_rows, &k, d + 5, 12), 0);
  assert_int_equal(rollup_acc_add(&f->ent_rows, &k, d + 9, 4), 0);
  struct rollup_points p;
  struct zz_err e = {0};
  assert_int_equal(rollup_entity_series(&f->base, 77, 3, ZZ_GRAIN_DAY, d - 2 * ZZ_DAY_MS,
                                        d + 2 * ZZ_DAY_MS, ROLLUP_MAX, 30, &p, &e),
                   0);
  assert_int_equal(p.n, 4);
  assert_true(isnan(p.v[0]) && isnan(p.v[1]) && p.v[2] == 12 && isnan(p.v[3]));
  rollup_points_free(&p);
  assert_int_equal(rollup_entity_series(&f->base, 77, 3, ZZ_GRAIN_HOUR, d, d + ZZ_DAY_MS,
                                        ROLLUP_MAX, 30, &p, &e),
                   ZZ_EINVAL);
  fake_free(f);
}

/* ---- top, breakdown, latest ---- */

static int cmp_item_ref(const void *a, const void *b) {
  return rollup_item_cmp(a, b);
}

static void test_top_k_matches_sort(void **state) {
  (void)state;
  rng_state = 99;
  static struct rollup_item items[3000], ref[3000];
  for (int iter = 0; iter < 200; iter++) {
    size_t n = (size_t)rnd_range(0, 3000), k = (size_t)rnd_range(0, 40);
    if (iter % 10 == 0) k = n + 5;
    for (size_t i = 0; i < n; i++) {
      double v = (double)rnd_range(0, 50); /* many ties */
      if (rnd() % 17 == 0) v = NAN;
      items[i] = (struct rollup_item){(int64_t)(rnd() % 100000), v, {0}};
      ref[i] = items[i];
    }
    qsort(ref, n, sizeof *ref, cmp_item_ref);
    size_t got = rollup_top_k(items, n, k);
    assert_int_equal(got, k < n ? k : n);
    for (size_t i = 0; i < got; i++) {
      assert_int_equal(items[i].entity, ref[i].entity);
      assert_true((items[i].v == ref[i].v) || (isnan(items[i].v) && isnan(ref[i].v)));
    }
  }
}

/* Entities 1..n of type "ent" (or "other" every 5th), keys in reverse id
 * order, attrs {"industry": ...} on most. */
static void fake_entities(struct fake *f, size_t n) {
  static const char *const inds[] = {"digital_economy", "modern_finance", "life_health"};
  f->nents = n;
  for (size_t i = 0; i < n; i++) {
    struct fake_ent *e = &f->ents[i];
    e->id = (int64_t)i + 1;
    snprintf(e->key, sizeof e->key, "e-%05zu", n - i);
    snprintf(e->name_zh, sizeof e->name_zh, "实体%zu", i + 1);
    snprintf(e->name_en, sizeof e->name_en, "Entity %zu", i + 1);
    snprintf(e->type, sizeof e->type, "%s", i % 5 == 4 ? "other" : "ent");
    if (i % 7 == 6)
      snprintf(e->attrs, sizeof e->attrs, "{\"floors\":3}");
    else if (i % 11 == 10)
      snprintf(e->attrs, sizeof e->attrs, "{\"industry\":12,\"x\":{\"industry\":\"nested\"}}");
    else
      snprintf(e->attrs, sizeof e->attrs, "{\"x\":{\"industry\":\"nested\"},\"industry\":\"%s\"}",
               inds[i % 3]);
    e->rpos = 10 + (int64_t)(i % 4);
  }
}

static void test_top_ties_by_key(void **state) {
  (void)state;
  struct fake *f = fake_new();
  fake_entities(f, 20);
  /* values: entity i has v = i % 3 (sum); ties everywhere */
  for (size_t i = 0; i < 20; i++) {
    double v = (double)((i + 1) % 3);
    f->eagg[i] = (struct store_agg){1, v, v, v, v, 0};
    f->has_eagg[i] = 1;
  }
  struct rollup_item *items;
  size_t k;
  struct rollup_ents ents;
  int64_t now = T(2026, 5, 21, 12, 0, 0);
  assert_int_equal(
      rollup_top(&f->base, 1, 0, 0, "ent", now - ZZ_DAY_MS, now, ROLLUP_SUM, 4, &items, &k, &ents),
      0);
  /* whole local days */
  assert_int_equal(f->eagg_from, T(2026, 5, 20, 0, 0, 0));
  assert_int_equal(f->eagg_to, T(2026, 5, 22, 0, 0, 0));
  assert_int_equal(k, 4);
  /* "ent" entities with v = 2: ids 2, 8, 11, 14, 17 (id 5, 20 are "other");
   * keys run backwards (id 17 -> e-00004), so the smallest keys are 17, 14, 11, 8. */
  static const int64_t want[] = {17, 14, 11, 8};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(items[i].entity, want[i]);
    assert_true(items[i].v == 2);
    const struct rollup_ent *x = rollup_ents_find(&ents, items[i].entity);
    assert_non_null(x);
    char key[32];
    snprintf(key, sizeof key, "e-%05d", 20 - (int)want[i] + 1);
    assert_string_equal(rollup_ents_str(&ents, x->key), key);
  }
  zz_free(items);
  rollup_ents_free(&ents);
  /* n larger than the entities: all of them, ordered */
  assert_int_equal(rollup_top(&f->base, 1, 0, 0, "ent", now - ZZ_DAY_MS, now, ROLLUP_SUM, 1000,
                              &items, &k, &ents),
                   0);
  assert_int_equal(k, 16);
  for (size_t i = 1; i < k; i++) {
    const char *a = rollup_ents_str(&ents, rollup_ents_find(&ents, items[i - 1].entity)->key);
    const char *b = rollup_ents_str(&ents, rollup_ents_find(&ents, items[i].entity)->key);
    assert_true(items[i - 1].v > items[i].v || (items[i - 1].v == items[i].v && strcmp(a, b) < 0));
  }
  zz_free(items);
  rollup_ents_free(&ents);
  /* Store failure. */
  f->fail = 1;
  assert_int_equal(
      rollup_top(&f->base, 1, 0, 0, "ent", now - ZZ_DAY_MS, now, ROLLUP_SUM, 4, &items, &k, &ents),
      ZZ_ESTORE);
  fake_free(f);
}

static void test_ents_fetch_seek_and_scan(void **state) {
  (void)state;
  struct fake *f = fake_new();
  fake_entities(f, F_ENTS);
  /* Few ids: one seek each, duplicates folded. */
  int64_t few[] = {9, 3, 3, 4999, 12345};
  struct rollup_ents es;
  f->ents_calls = 0;
  assert_int_equal(rollup_ents_fetch(&f->base, few, 5, NULL, 0, 0, "industry", &es), 0);
  assert_int_equal(es.n, 4);
  assert_int_equal(f->ents_calls, 4);
  const struct rollup_ent *x = rollup_ents_find(&es, 3);
  assert_non_null(x);
  assert_true(x->found);
  assert_string_equal(rollup_ents_str(&es, x->key), "e-04998");
  assert_string_equal(rollup_ents_str(&es, x->name_en), "Entity 3");
  assert_string_equal(rollup_ents_str(&es, x->attr), "life_health");
  x = rollup_ents_find(&es, 12345);
  assert_non_null(x);
  assert_false(x->found);
  assert_string_equal(rollup_ents_str(&es, x->key), "");
  assert_null(rollup_ents_find(&es, 10));
  rollup_ents_free(&es);
  /* Many ids: paged scans of the filtered entities. */
  static int64_t many[F_ENTS];
  size_t n = 0;
  for (int64_t id = 1; id <= F_ENTS; id++)
    if ((id - 1) % 5 != 4) many[n++] = id;
  f->ents_calls = 0;
  assert_int_equal(rollup_ents_fetch(&f->base, many, n, "ent", 0, 0, "industry", &es), 0);
  assert_int_equal(es.n, n);
  assert_true(f->ents_calls >= 1 && f->ents_calls <= 2);
  for (size_t i = 0; i < n; i++) {
    x = rollup_ents_find(&es, many[i]);
    assert_non_null(x);
    assert_true(x->found);
    const char *attr = rollup_ents_str(&es, x->attr);
    size_t j = (size_t)many[i] - 1;
    if (j % 7 == 6)
      assert_string_equal(attr, "");
    else if (j % 11 == 10)
      assert_string_equal(attr, "12");
    else
      assert_true(strcmp(attr, "nested") != 0 && attr[0]);
  }
  rollup_ents_free(&es);
  fake_free(f);
}

static void check_many(const struct rollup_ents *es, const int64_t *ids, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const struct rollup_ent *x = rollup_ents_find(es, ids[i]);
    assert_non_null(x);
    assert_true(x->found);
    char key[32];
    snprintf(key, sizeof key, "e-%05d", F_ENTS - (int)ids[i] + 1);
    assert_string_equal(rollup_ents_str(es, x->key), key);
    size_t j = (size_t)ids[i] - 1;
    const char *attr = rollup_ents_str(es, x->attr);
    if (j % 7 == 6)
      assert_string_equal(attr, "");
    else if (j % 11 == 10)
      assert_string_equal(attr, "12");
  }
}

static void test_ents_fetch_cached_scan(void **state) {
  (void)state;
  rollup_ents_cache_clear();
  struct fake *f = fake_new();
  f->base.ops = &fake_ops_versioned;
  fake_entities(f, F_ENTS);
  static int64_t many[F_ENTS];
  size_t n = 0;
  for (int64_t id = 1; id <= F_ENTS; id++)
    if ((id - 1) % 5 != 4 && id % 3) many[n++] = id;
  assert_true(n > 256);
  struct rollup_ents es;
  f->ents_calls = 0;
  assert_int_equal(rollup_ents_fetch(&f->base, many, n, "ent", 0, 0, "industry", &es), 0);
  int first = f->ents_calls;
  assert_true(first >= 1);
  check_many(&es, many, n);
  rollup_ents_free(&es);
  /* The same scan again: from the cache, no store read. */
  assert_int_equal(rollup_ents_fetch(&f->base, many, n, "ent", 0, 0, "industry", &es), 0);
  assert_int_equal(f->ents_calls, first);
  check_many(&es, many, n);
  rollup_ents_free(&es);
  /* Another attribute is another scan. */
  assert_int_equal(rollup_ents_fetch(&f->base, many, n, "ent", 0, 0, "floors", &es), 0);
  assert_true(f->ents_calls > first);
  const struct rollup_ent *x = rollup_ents_find(&es, 7);
  assert_non_null(x);
  assert_string_equal(rollup_ents_str(&es, x->attr), "3");
  rollup_ents_free(&es);
  /* An entity changes: the version moves and the scan is read again. */
  snprintf(f->ents[0].attrs, sizeof f->ents[0].attrs, "{\"industry\":\"new_energy\"}");
  f->version++;
  int before = f->ents_calls;
  assert_int_equal(rollup_ents_fetch(&f->base, many, n, "ent", 0, 0, "industry", &es), 0);
  assert_true(f->ents_calls > before);
  x = rollup_ents_find(&es, 1);
  assert_non_null(x);
  assert_string_equal(rollup_ents_str(&es, x->attr), "new_energy");
  rollup_ents_free(&es);
  /* A failing store caches nothing. */
  f->version++;
  f->fail = 1;
  assert_int_equal(rollup_ents_fetch(&f->base, many, n, "ent", 0, 0, "industry", &es), ZZ_ESTORE);
  f->fail = 0;
  assert_int_equal(rollup_ents_fetch(&f->base, many, n, "ent", 0, 0, "industry", &es), 0);
  rollup_ents_free(&es);
  rollup_ents_cache_clear();
  fake_free(f);
}

static void test_attribute_values_as_text(void **state) {
  (void)state;
  struct fake *f = fake_new();
  fake_entities(f, 9);
  static const char *const attrs[] = {
      "{\"industry\":\"a\\\"b\\u00e9\"}", /* escapes are decoded */
      "{\"industry\":{\"a\":[1,2]}}",     /* objects as compact JSON */
      "{\"industry\":[1, true]}",
      "{\"industry\":true,\"industry\":\"dup\"}", /* the first member wins */
      "{\"industry\":null}",
      "{\"industry\":-1.5e3}",                                 /* numbers as written */
      "{\"a\":[{\"industry\":1}],\"b\":\"\\\"industry\\\"\"}", /* only top-level members */
      "not json \"industry\"",
      "",
  };
  static const char *const want[] = {
      "a\"b\xc3\xa9", "{\"a\":[1,2]}", "[1,true]", "true", "", "-1.5e3", "", "", ""};
  for (size_t i = 0; i < 9; i++)
    snprintf(f->ents[i].attrs, sizeof f->ents[i].attrs, "%s", attrs[i]);
  int64_t ids[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  struct rollup_ents es;
  assert_int_equal(rollup_ents_fetch(&f->base, ids, 9, NULL, 0, 0, "industry", &es), 0);
  for (size_t i = 0; i < 9; i++) {
    const struct rollup_ent *x = rollup_ents_find(&es, ids[i]);
    assert_non_null(x);
    assert_string_equal(rollup_ents_str(&es, x->attr), want[i]);
  }
  rollup_ents_free(&es);
  fake_free(f);
}

static void test_breakdown_by_attribute(void **state) {
  (void)state;
  struct fake *f = fake_new();
  fake_entities(f, 100);
  double want_sum[5] = {0}; /* digital_economy, modern_finance, life_health, "12", "" */
  for (size_t i = 0; i < 100; i++) {
    if (i % 5 == 4 || i % 2) continue; /* other type, or no data */
    double v = (double)(i + 1);
    f->eagg[i] = (struct store_agg){2, v, v / 2, v, v, (int64_t)i};
    f->has_eagg[i] = 1;
    int g = i % 7 == 6 ? 4 : i % 11 == 10 ? 3 : (int)(i % 3);
    want_sum[g] += v;
  }
  struct rollup_group *g;
  size_t ng;
  struct rollup_ents ents;
  int64_t now = T(2026, 5, 21, 12, 0, 0);
  assert_int_equal(rollup_breakdown_attr(&f->base, 1, 0, 0, "ent", "industry", now - ZZ_DAY_MS, now,
                                         ROLLUP_SUM, &g, &ng, &ents),
                   0);
  assert_int_equal(ng, 5);
  static const char *const keys[] = {"digital_economy", "modern_finance", "life_health", "12", ""};
  for (size_t i = 0; i < ng; i++) {
    const char *key = rollup_ents_str(&ents, g[i].key);
    int which = -1;
    for (int j = 0; j < 5; j++)
      if (strcmp(key, keys[j]) == 0) which = j;
    assert_true(which >= 0);
    assert_true(g[i].v == want_sum[which]);
    if (i) assert_true(g[i - 1].v >= g[i].v);
  }
  zz_free(g);
  rollup_ents_free(&ents);
  /* count aggregates n over the group */
  assert_int_equal(rollup_breakdown_attr(&f->base, 1, 0, 0, "ent", "nothing", now - ZZ_DAY_MS, now,
                                         ROLLUP_COUNT, &g, &ng, &ents),
                   0);
  assert_int_equal(ng, 1);
  assert_string_equal(rollup_ents_str(&ents, g[0].key), "");
  assert_true(g[0].v == 2 * 40);
  zz_free(g);
  rollup_ents_free(&ents);
  fake_free(f);
}

static void test_latest_with_names_and_limit(void **state) {
  (void)state;
  struct fake *f = fake_new();
  fake_entities(f, 30);
  struct rollup_latest *rows;
  size_t n;
  int more;
  struct rollup_ents ents;
  assert_int_equal(rollup_latest(&f->base, 0, 0, 0, 0, "ent", 1000, &rows, &n, &more, &ents), 0);
  assert_int_equal(n, 24 * 2);
  assert_int_equal(more, 0);
  assert_int_equal(rows[0].entity, 1);
  assert_int_equal(rows[1].metric, 2);
  assert_true(rows[1].v == 12);
  assert_string_equal(rollup_ents_str(&ents, rollup_ents_find(&ents, rows[0].entity)->key),
                      "e-00030");
  zz_free(rows);
  rollup_ents_free(&ents);
  assert_int_equal(rollup_latest(&f->base, 2, 0, 11, 11, NULL, 5, &rows, &n, &more, &ents), 0);
  assert_int_equal(n, 5);
  assert_int_equal(more, 1);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(rows[i].metric, 2);
    assert_int_equal((rows[i].entity - 1) % 4, 1);
  }
  zz_free(rows);
  rollup_ents_free(&ents);
  /* one entity, no names wanted */
  assert_int_equal(rollup_latest(&f->base, 0, 7, 0, 0, NULL, 10, &rows, &n, &more, NULL), 0);
  assert_int_equal(n, 2);
  assert_int_equal(rows[0].ts, 7001);
  zz_free(rows);
  fake_free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_acc_add_replace_merge),
      cmocka_unit_test(test_acc_grows_and_keeps_every_key),
      cmocka_unit_test(test_acc_out_of_memory),
      cmocka_unit_test(test_fanout_recent),
      cmocka_unit_test(test_fanout_retention_edges),
      cmocka_unit_test(test_fanout_path),
      cmocka_unit_test(test_fanout_leaf_is_invisible),
      cmocka_unit_test(test_agg_names),
      cmocka_unit_test(test_agg_fold_and_value),
      cmocka_unit_test(test_change),
      cmocka_unit_test(test_plan_recent_is_minute_exact),
      cmocka_unit_test(test_plan_year_to_date),
      cmocka_unit_test(test_plan_old_ranges_use_days),
      cmocka_unit_test(test_plan_edges_at_the_minute_retention),
      cmocka_unit_test(test_plan_raw_edges),
      cmocka_unit_test(test_plan_refuses_bad_ranges),
      cmocka_unit_test(test_plan_properties_random),
      cmocka_unit_test(test_compare_shift),
      cmocka_unit_test(test_grid_count),
      cmocka_unit_test(test_totals_match_brute_force),
      cmocka_unit_test(test_total_avoids_partial_hour),
      cmocka_unit_test(test_totals_per_child),
      cmocka_unit_test(test_series_fills_gaps),
      cmocka_unit_test(test_entity_series),
      cmocka_unit_test(test_top_k_matches_sort),
      cmocka_unit_test(test_top_ties_by_key),
      cmocka_unit_test(test_ents_fetch_seek_and_scan),
      cmocka_unit_test(test_ents_fetch_cached_scan),
      cmocka_unit_test(test_attribute_values_as_text),
      cmocka_unit_test(test_breakdown_by_attribute),
      cmocka_unit_test(test_latest_with_names_and_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
