/* test_store.c - the SQLite store: records and rollups committed together,
 * replacement counted once with min/max recomputed, series last values, a
 * restart serving the same answers, the data-directory lock and the
 * registry's DFS intervals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "model/registry.h"
#include "store/store.h"
#include "store/store_accounts.h"
#include "store/store_int.h"
#include "store/store_orders.h"
#include "store/store_records.h"
#include "store/store_registry.h"
#include "support.h"

static char dir[64];

/* district d -> street s1, s2; entities a (s1), b (s2), one metric. */
static void world(struct store *st, int64_t *ea, int64_t *eb, int64_t *metric) {
  ts_region(st, "d", NULL, "district");
  int64_t s1 = ts_region(st, "d/s1", "d", "street"), s2 = ts_region(st, "d/s2", "d", "street");
  ts_entity_type(st, "counter");
  *metric = ts_metric(st, "visitors", "sum", "counter");
  *ea = ts_entity(st, "a", "counter", s1);
  *eb = ts_entity(st, "b", "counter", s2);
}

struct sum_ctx {
  int64_t n;
  double sum, min, max;
  int buckets;
};

static int sum_cb(void *ud, int64_t bucket, const struct store_agg *a) {
  (void)bucket;
  struct sum_ctx *c = ud;
  c->n += a->n;
  c->sum += a->sum;
  c->min = a->min;
  c->max = a->max;
  c->buckets++;
  return 0;
}

static struct sum_ctx buckets(struct store *st, int64_t metric, int64_t node, enum zz_grain g,
                              int64_t from, int64_t to) {
  struct sum_ctx c = {0};
  assert_int_equal(store_rollup_buckets(st, metric, node, g, from, to, sum_cb, &c), 0);
  return c;
}

static void test_rollups_and_restart(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  int64_t ea, eb, metric;
  world(st, &ea, &eb, &metric);
  struct registry *reg = NULL;
  struct zz_err e = {0};
  assert_int_equal(registry_open(st, &reg, &e), 0);
  int64_t now = zz_time_now();
  int64_t t0 = zz_bucket_start(now, ZZ_GRAIN_HOUR) - ZZ_HOUR_MS; /* a whole hour in the past */
  struct store_record recs[] = {
      {ea, (int32_t)metric, 0, t0 + 1000, 5, 0},
      {ea, (int32_t)metric, 0, t0 + 61000, 7, 0},
      {eb, (int32_t)metric, 0, t0 + 1000, 11, 0},
      {eb, (int32_t)metric, 0, t0 + 2000, 1, 0},
  };
  struct store_write_result res;
  assert_int_equal(store_records_write(st, recs, 4, &res, &e), 0);
  assert_int_equal(res.accepted, 4);
  assert_int_equal(res.replaced, 0);
  /* district (region id 1) sees all four, street s1 (id 2) two */
  struct sum_ctx d = buckets(st, metric, 1, ZZ_GRAIN_HOUR, t0, t0 + ZZ_HOUR_MS);
  assert_int_equal(d.n, 4);
  assert_true(d.sum == 24);
  assert_true(d.min == 1 && d.max == 11);
  struct sum_ctx s1 = buckets(st, metric, 2, ZZ_GRAIN_MINUTE, t0, t0 + ZZ_HOUR_MS);
  assert_int_equal(s1.n, 2);
  assert_int_equal(s1.buckets, 2);
  assert_true(s1.sum == 12);
  /* resending one record with a new value replaces it: counted once, new min */
  struct store_record again = {eb, (int32_t)metric, 0, t0 + 2000, 4, 0};
  assert_int_equal(store_records_write(st, &again, 1, &res, &e), 0);
  assert_int_equal(res.accepted, 0);
  assert_int_equal(res.replaced, 1);
  d = buckets(st, metric, 1, ZZ_GRAIN_HOUR, t0, t0 + ZZ_HOUR_MS);
  assert_int_equal(d.n, 4);
  assert_true(d.sum == 27);
  assert_true(d.min == 4); /* the old minimum 1 is gone: recomputed from records */
  struct sum_ctx dm = buckets(st, metric, 1, ZZ_GRAIN_MONTH, 0, INT64_MAX);
  assert_true(dm.min == 4 && dm.sum == 27);
  assert_int_equal(store_records_count(st), 4);
  registry_free(reg);
  store_close(st);

  /* restart: the same answers at once, and the series cache knows the last
   * value so an older record is detected as a replacement */
  st = ts_store_open(dir, NULL);
  d = buckets(st, metric, 1, ZZ_GRAIN_HOUR, t0, t0 + ZZ_HOUR_MS);
  assert_int_equal(d.n, 4);
  assert_true(d.sum == 27);
  assert_int_equal(store_records_count(st), 4);
  struct store_record old = {ea, (int32_t)metric, 0, t0 + 1000, 6, 0};
  assert_int_equal(store_records_write(st, &old, 1, &res, &e), 0);
  assert_int_equal(res.replaced, 1);
  d = buckets(st, metric, 1, ZZ_GRAIN_HOUR, t0, t0 + ZZ_HOUR_MS);
  assert_true(d.sum == 28);
  store_close(st);
}

static void test_lock(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct store_open_opts o = {.dir = dir};
  struct store *other = NULL;
  struct zz_err e = {0};
  assert_int_equal(store_sqlite_open(&o, &other, &e), ZZ_EBUSY);
  assert_non_null(strstr(e.msg, "in use"));
  o.no_writer = 1; /* admin commands may run beside the server */
  assert_int_equal(store_sqlite_open(&o, &other, &e), 0);
  struct store_record r = {1, 1, 0, zz_time_now(), 1, 0};
  assert_int_equal(store_records_write(other, &r, 1, NULL, &e), ZZ_EINVAL);
  store_close(other);
  store_close(st);
}

static int count_entity(void *ud, const struct store_entity *en) {
  (void)en;
  (*(int *)ud)++;
  return 0;
}

static void test_registry_dfs(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct registry *reg = NULL;
  struct zz_err e = {0};
  assert_int_equal(registry_open(st, &reg, &e), 0);
  registry_rdlock(reg);
  const struct reg_region *d = registry_region(reg, "d"), *s1 = registry_region(reg, "d/s1"),
                          *s2 = registry_region(reg, "d/s2");
  assert_non_null(d);
  assert_int_equal(d->lo, 1);
  assert_int_equal(d->hi, 3);
  assert_int_equal(s1->lo, 2);
  assert_int_equal(s2->lo, 3);
  assert_true(registry_region_within(s1, d));
  assert_false(registry_region_within(d, s1));
  assert_false(registry_region_within(s2, s1));
  const struct reg_entity_ref *a = registry_entity(reg, "a", 1);
  assert_non_null(a);
  assert_null(registry_entity(reg, "ab", 2));
  registry_unlock(reg);
  /* entity lists filter by the subtree interval the registry wrote back */
  struct store_entity_filter f = {.rpos_lo = 3, .rpos_hi = 3, .limit = 10};
  int n = 0;
  assert_int_equal(store_entities_each(st, &f, count_entity, &n), 0);
  assert_int_equal(n, 1);
  f.rpos_lo = 1;
  n = 0;
  assert_int_equal(store_entities_each(st, &f, count_entity, &n), 0);
  assert_int_equal(n, 2);
  registry_free(reg);
  store_close(st);
}

/* Retention: two days on, the minute rows of the records above are gone,
 * hour, day and month rows stay; 401 days on, the hour rows go too. */
static void test_prune(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  int64_t metric = 1, t0 = zz_bucket_start(zz_time_now(), ZZ_GRAIN_HOUR) - ZZ_HOUR_MS;
  struct sum_ctx m = buckets(st, metric, 1, ZZ_GRAIN_MINUTE, t0, t0 + ZZ_HOUR_MS);
  assert_true(m.buckets > 0);
  assert_int_equal(store_prune(st, t0 + 2 * ZZ_DAY_MS + ZZ_HOUR_MS), 0);
  assert_int_equal(buckets(st, metric, 1, ZZ_GRAIN_MINUTE, t0, t0 + ZZ_HOUR_MS).buckets, 0);
  assert_int_equal(buckets(st, metric, 1, ZZ_GRAIN_HOUR, t0, t0 + ZZ_HOUR_MS).n, 4);
  assert_int_equal(store_prune(st, t0 + 401 * ZZ_DAY_MS), 0);
  assert_int_equal(buckets(st, metric, 1, ZZ_GRAIN_HOUR, t0, t0 + ZZ_HOUR_MS).buckets, 0);
  struct sum_ctx d = buckets(st, metric, 1, ZZ_GRAIN_DAY, 0, INT64_MAX);
  assert_int_equal(d.n, 4);
  assert_true(d.sum == 28);
  store_close(st);
}

/* The read connection's statement cache: a query run inside the rows of the
 * same query (nested deeper than the statements that may be lent at once)
 * answers in full, hundreds of list filters (more texts than the cache
 * holds) answer right, and every call gives its statement back, failures
 * included, so none stays lent (a lent statement mid-step would also hold a
 * read snapshot open). */
struct nest_ctx {
  struct store *st;
  int depth, rows;
};

static int nest_cb(void *ud, const struct store_region *r) {
  struct nest_ctx *n = ud;
  n->rows++;
  if (strcmp(r->path, "d") == 0 && n->depth < SQ_LENT_MAX + 4) {
    n->depth++;
    assert_int_equal(store_regions_each(n->st, 0, nest_cb, n), 0);
    n->depth--;
  }
  return 0;
}

static int count_order(void *ud, const struct store_order *o) {
  (void)o;
  ++*(int *)ud;
  return 0;
}

static int stop_region(void *ud, const struct store_region *r) {
  (void)ud;
  (void)r;
  return 1;
}

static void test_statement_cache(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  int64_t ea, eb, metric;
  world(st, &ea, &eb, &metric);
  struct zz_err e = {0};

  /* the row of region d opens the next level: 3 regions at each of
   * SQ_LENT_MAX + 5 levels */
  struct nest_ctx n = {.st = st};
  assert_int_equal(store_regions_each(st, 0, nest_cb, &n), 0);
  assert_int_equal(n.rows, 3 * (SQ_LENT_MAX + 5));

  int64_t id = 0;
  struct store_order o = {.matter = "m",
                          .title = "t",
                          .state = "new",
                          .region = 2,
                          .rpos = 1,
                          .lon = NAN,
                          .lat = NAN,
                          .created = 1000,
                          .updated = 1000};
  assert_int_equal(store_order_insert(st, &o, NULL, 0, &id, &e), 0);
  for (int bits = 0; bits < 512; bits++) {
    struct store_order_filter f = {.state = bits & 1 ? "new" : NULL,
                                   .matter = bits & 2 ? "m" : NULL,
                                   .rpos_lo = bits & 4 ? 1 : 0,
                                   .rpos_hi = bits & 4 ? 1 : 0,
                                   .open_only = bits & 8 ? 1 : 0,
                                   .top_only = bits & 16 ? 1 : 0,
                                   .created_from = bits & 32 ? 1 : 0,
                                   .created_to = bits & 64 ? 2000 : 0,
                                   .before_id = bits & 128 ? id + 1 : 0,
                                   .overdue = bits & 256 ? 1 : 0};
    int got = 0;
    assert_int_equal(store_orders_each(st, &f, count_order, &got), 0);
    assert_int_equal(got, bits & 256 ? 0 : 1);
  }

  /* failures and early stops give their statement back too */
  assert_int_equal(store_user_change(st, "nobody", STORE_USER_DISABLE, NULL, &e), ZZ_ENOTFOUND);
  int none = 0;
  assert_int_equal(store_order_get(st, id + 100, count_order, &none), ZZ_ENOTFOUND);
  assert_int_equal(store_regions_each(st, 1, stop_region, NULL), 0);
  assert_int_equal(store_txn(st, STORE_TXN_BEGIN, &e), 0);
  assert_int_equal(store_order_insert(st, &o, NULL, 0, &id, &e), 0);
  assert_int_equal(store_txn(st, STORE_TXN_ROLLBACK, &e), 0);
  assert_int_equal(sq_conn_get(SQ_S(st))->nlent, 0);
  store_close(st);
}

static int add_rec(void *ud, int64_t ts, double v) {
  struct sum_ctx *c = ud;
  c->n++;
  c->sum += v;
  c->max = ts; /* the last ts read */
  return 0;
}

static int64_t exec_int(const char *sql) {
  char path[128];
  snprintf(path, sizeof path, "%s/zhizhi.db", dir);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  int rc = sqlite3_step(q);
  int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  assert_true(rc == SQLITE_ROW || rc == SQLITE_DONE);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return v;
}

/* A store made before the records engine kept its records in the table
 * `record`: opening it moves them into the engine once (generation 0),
 * readable as before, the table emptied; rows put back (an import cut
 * short before the table was emptied) are moved again, not doubled. */
static void test_old_records_moved(void **state) {
  (void)state;
  ts_dir_reset(dir);
  struct store *st = ts_store_open(dir, NULL);
  int64_t ea, eb, metric;
  world(st, &ea, &eb, &metric);
  int64_t t0 = zz_bucket_start(zz_time_now(), ZZ_GRAIN_HOUR) - ZZ_HOUR_MS;
  struct store_record r = {ea, (int32_t)metric, 0, t0 + 500000, 9, 0};
  struct store_write_result res;
  struct zz_err e = {0};
  assert_int_equal(store_records_write(st, &r, 1, &res, &e), 0);
  store_close(st);
  /* the old table's rows, as an earlier version wrote them */
  char sql[256];
  for (int pass = 0; pass < 2; pass++) {
    snprintf(sql, sizeof sql,
             "INSERT INTO record(series, ts, value) SELECT id, %lld, 2 FROM series WHERE entity = "
             "%lld UNION ALL SELECT id, %lld, 3 FROM series WHERE entity = %lld RETURNING 0",
             (long long)(t0 + 1000), (long long)ea, (long long)(t0 + 2000), (long long)ea);
    exec_int(sql);
    assert_int_equal(exec_int("SELECT count(*) FROM record"), 2);
    st = ts_store_open(dir, NULL);
    assert_int_equal(exec_int("SELECT count(*) FROM record"), 0);
    struct sum_ctx c = {0};
    assert_int_equal(store_records_each(st, ea, metric, t0, t0 + ZZ_HOUR_MS, 0, add_rec, &c), 0);
    assert_int_equal(c.n, 3); /* the two old ones and the engine's own */
    assert_true(c.sum == 14);
    assert_true(c.max == t0 + 500000);
    store_close(st);
  }
}

int main(void) {
  if (ts_dir_make(dir, sizeof dir, "store")) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rollups_and_restart), cmocka_unit_test(test_lock),
      cmocka_unit_test(test_registry_dfs),        cmocka_unit_test(test_prune),
      cmocka_unit_test(test_statement_cache),     cmocka_unit_test(test_old_records_moved),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (ts_dir_remove(dir)) rc = rc ? rc : 1;
  return rc;
}
