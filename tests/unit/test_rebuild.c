/* test_rebuild.c - `zhizhi rollup rebuild`: rollups recomputed from the
 * records equal the rollups the writer kept, row for row, after rows were
 * damaged, deleted or invented; a metric and a range rebuild only theirs;
 * bad arguments are refused with a clear error and change nothing. */
#include <math.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/ztime.h"
#include "model/registry.h"
#include "store/store.h"
#include "store/store_rebuild.h"
#include "store/store_records.h"
#include "store/store_registry.h"
#include "support.h"

static char dir[64];

struct world {
  int64_t ea, eb, m1, m2;
};

static void make_world(struct store *st, struct world *w) {
  struct zz_err e = {0};
  ts_region(st, "d", NULL, "district");
  int64_t s1 = ts_region(st, "d/s1", "d", "street"), s2 = ts_region(st, "d/s2", "d", "street");
  ts_entity_type(st, "counter");
  w->m1 = ts_metric(st, "visitors", "sum", "counter");
  w->m2 = ts_metric(st, "power", "sum", "counter");
  w->ea = ts_entity(st, "a", "counter", s1);
  w->eb = ts_entity(st, "b", "counter", s2);
  /* the registry numbers the regions (DFS intervals) the writer uses */
  struct registry *reg = NULL;
  assert_int_equal(registry_open(st, &reg, &e), 0);
  registry_free(reg);
}

/* Records of both metrics in the last hours (minute rows), weeks ago (hour
 * rows), two years ago (day rows only), in several batches, with some
 * replaced (min/max recomputed by the writer). Values are multiples of a
 * quarter: their sums are exact in any order. */
static void fill(struct store *st, const struct world *w) {
  int64_t now = zz_bucket_start(zz_time_now(), ZZ_GRAIN_MINUTE);
  const int64_t starts[] = {now - 5 * ZZ_HOUR_MS, now - 20 * 24 * ZZ_HOUR_MS,
                            now - 730 * 24 * ZZ_HOUR_MS};
  struct zz_err e = {0};
  for (size_t k = 0; k < ZZ_ARRAY_LEN(starts); k++) {
    for (int batch = 0; batch < 3; batch++) {
      struct store_record r[200];
      for (int i = 0; i < 200; i++) {
        int j = batch * 200 + i;
        r[i] = (struct store_record){.entity = j % 3 ? w->ea : w->eb,
                                     .metric = (int32_t)(j % 2 ? w->m1 : w->m2),
                                     .ts = starts[k] + (int64_t)j * 7 * 60000 + j,
                                     .value = (j * 37 % 101) * 0.25 - 5};
      }
      struct store_write_result res;
      assert_int_equal(store_records_write(st, r, 200, &res, &e), 0);
      /* replace a few with other values */
      for (int i = 0; i < 10; i++) r[i * 7].value += 3.5;
      for (int i = 0; i < 10; i++) r[i] = r[i * 7];
      assert_int_equal(store_records_write(st, r, 10, &res, &e), 0);
      assert_int_equal(res.replaced, 10);
    }
  }
}

static sqlite3 *db;

static void db_open(void) {
  char path[128];
  snprintf(path, sizeof path, "%s/zhizhi.db", dir);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
}

static void exec(const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s: %s", sql, err);
}

/* Every rollup and series rollup row, in key order, as text. */
static char *snapshot(void) {
  static const char *const sql[] = {
      "SELECT metric, node, grain, bucket, n, sum, min, max, last, last_ts FROM rollup"
      " ORDER BY metric, node, grain, bucket",
      "SELECT metric, grain, bucket, series, n, sum, min, max, last, last_ts FROM srollup"
      " ORDER BY metric, grain, bucket, series"};
  struct zz_buf b;
  zz_buf_init(&b, 0);
  for (size_t i = 0; i < 2; i++) {
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql[i], -1, &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
      for (int c = 0; c < 10; c++) {
        char cell[64];
        if (sqlite3_column_type(q, c) == SQLITE_INTEGER)
          snprintf(cell, sizeof cell, "%lld ", (long long)sqlite3_column_int64(q, c));
        else
          snprintf(cell, sizeof cell, "%.17g ", sqlite3_column_double(q, c));
        zz_buf_adds(&b, cell);
      }
      zz_buf_adds(&b, "\n");
    }
    sqlite3_finalize(q);
    zz_buf_adds(&b, "--\n");
  }
  size_t len;
  return zz_buf_steal(&b, &len);
}

static void assert_same(const char *want, const char *have) {
  if (strcmp(want, have) == 0) return;
  size_t i = 0;
  while (want[i] && want[i] == have[i]) i++;
  size_t from = i > 80 ? i - 80 : 0;
  fail_msg("rollups differ at byte %zu:\nwant ...%.160s\nhave ...%.160s", i, want + from,
           have + from);
}

static void test_rebuild_repairs(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct world w;
  make_world(st, &w);
  fill(st, &w);
  store_close(st);
  db_open();
  char *orig = snapshot();
  assert_true(strlen(orig) > 1000);
  /* damage: a changed sum, a lost row, an invented row, a non-finite sum */
  exec("UPDATE rollup SET sum = sum + 100, n = n + 1 WHERE (metric, node, grain, bucket) IN"
       " (SELECT metric, node, grain, bucket FROM rollup WHERE grain = 3 LIMIT 3)");
  exec("DELETE FROM rollup WHERE (metric, node, grain, bucket) IN"
       " (SELECT metric, node, grain, bucket FROM rollup WHERE grain = 4 LIMIT 2)");
  exec("DELETE FROM srollup WHERE (metric, grain, bucket, series) IN"
       " (SELECT metric, grain, bucket, series FROM srollup WHERE grain = 3 LIMIT 5)");
  exec("INSERT INTO rollup(metric, node, grain, bucket, n, sum, min, max, last, last_ts)"
       " VALUES(1, 1, 3, 86400000, 5, 9e999, 1, 2, 3, 86400000)");
  char *damaged = snapshot();
  assert_string_not_equal(orig, damaged);
  sqlite3_close(db);

  st = ts_store_open(dir, NULL);
  struct store_rebuild_stats stats;
  struct zz_err e = {0};
  int rc = store_rollup_rebuild(st, NULL, INT64_MIN, INT64_MAX, NULL, NULL, &stats, &e);
  if (rc) fail_msg("rebuild: %s", e.msg);
  assert_int_equal(stats.series, 4);
  assert_int_equal(stats.records, 3 * 600);
  store_close(st);
  db_open();
  char *fixed = snapshot();
  assert_same(orig, fixed);
  sqlite3_close(db);
  free(orig), free(damaged), free(fixed);
}

static void test_rebuild_metric_and_range(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct world w;
  make_world(st, &w);
  fill(st, &w);
  store_close(st);
  db_open();
  char *orig = snapshot();
  int64_t old = zz_time_now() - 730 * 24 * ZZ_HOUR_MS;
  int64_t year = zz_bucket_start(old, ZZ_GRAIN_YEAR), next = zz_bucket_next(year, ZZ_GRAIN_YEAR);
  char sql[300];
  /* damage visitors two years ago and this year, power this year */
  snprintf(sql, sizeof sql, "UPDATE rollup SET sum = sum + 1 WHERE metric = %lld OR bucket >= %lld",
           (long long)w.m1, (long long)next);
  exec(sql);
  sqlite3_close(db);

  st = ts_store_open(dir, NULL);
  struct zz_err e = {0};
  struct store_rebuild_stats stats;
  /* visitors of the old year only: the rest stays damaged */
  int rc = store_rollup_rebuild(st, "visitors", old, old + 1, NULL, NULL, &stats, &e);
  if (rc) fail_msg("rebuild: %s", e.msg);
  assert_int_equal(stats.from, year);
  assert_int_equal(stats.to, next);
  assert_int_equal(stats.series, 2);
  assert_int_equal(stats.records, 300);
  store_close(st);
  db_open();
  char *mid = snapshot();
  assert_string_not_equal(orig, mid);
  sqlite3_close(db);
  /* then everything */
  st = ts_store_open(dir, NULL);
  assert_int_equal(store_rollup_rebuild(st, NULL, INT64_MIN, INT64_MAX, NULL, NULL, &stats, &e), 0);
  /* errors: an unknown metric, an empty range; nothing changes */
  assert_int_equal(store_rollup_rebuild(st, "nope", INT64_MIN, INT64_MAX, NULL, NULL, &stats, &e),
                   ZZ_ENOTFOUND);
  assert_string_equal(e.field, "metric");
  assert_int_equal(store_rollup_rebuild(st, NULL, 10, 10, NULL, NULL, &stats, &e), ZZ_EINVAL);
  store_close(st);
  db_open();
  char *fixed = snapshot();
  assert_same(orig, fixed);
  sqlite3_close(db);
  free(orig), free(mid), free(fixed);
}

/* A fresh data directory per test, removed after it (kept with ZZ_KEEP set,
 * to look at the database). */
static int setup(void **state) {
  (void)state;
  return ts_dir_make(dir, sizeof dir, "rebuild");
}

static int teardown(void **state) {
  (void)state;
  if (getenv("ZZ_KEEP")) {
    fprintf(stderr, "kept %s\n", dir);
    return 0;
  }
  return ts_dir_remove(dir);
}

int main(void) {
  zz_log_set_level(ZZ_LOG_WARN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_rebuild_repairs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rebuild_metric_and_range, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
