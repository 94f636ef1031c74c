/* test_store_check.c - `zhizhi check` (src/store/store_check.c): a store
 * written through store_records_write (with replaced records) checks clean,
 * whole and per entity; then a series' day and month rows, the records
 * counter, a series' last value and a root region's month row are damaged
 * by SQL, and the check names each one (kind, entity, metric, bucket, field,
 * expected and found), counts past its limit, and refuses an unknown entity.
 * (tests/unit/test_check.c is the JSON checking kit of src/core/check.c.) */
#include <math.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ztime.h"
#include "model/registry.h"
#include "store/store.h"
#include "store/store_check.h"
#include "store/store_records.h"
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
  w->m2 = ts_metric(st, "power", "avg", "counter");
  w->ea = ts_entity(st, "a", "counter", s1);
  w->eb = ts_entity(st, "b", "counter", s2);
  struct registry *reg = NULL; /* numbers the regions the writer walks up */
  assert_int_equal(registry_open(st, &reg, &e), 0);
  registry_free(reg);
}

/* 3 x 600 records of both metrics: hours ago, weeks ago, two years ago, in
 * batches, ten of each batch then replaced with other values. Tenths, so
 * the sums are not exact and the tolerance is exercised. */
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
                                     .value = (j * 37 % 101) * 0.1 - 5};
      }
      struct store_write_result res;
      assert_int_equal(store_records_write(st, r, 200, &res, &e), 0);
      for (int i = 0; i < 10; i++) r[i] = r[i * 7], r[i].value += 3.3;
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

static int64_t one_int(const char *sql) {
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return v;
}

static double one_real(const char *sql) {
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  double v = sqlite3_column_double(q, 0);
  sqlite3_finalize(q);
  return v;
}

static struct store_check_report run_check(struct store *st, const char *entity, int limit) {
  struct store_check_opts o = {.entity = entity, .limit = limit};
  struct store_check_report r;
  struct zz_err e = {0};
  int rc = store_check(st, &o, &r, &e);
  if (rc) fail_msg("check: %s", e.msg);
  return r;
}

static void print_items(const struct store_check_report *r) {
  for (size_t i = 0; i < r->nitems; i++) {
    const struct store_check_mismatch *m = &r->items[i];
    fprintf(stderr, "  %s %s %s %lld %s %.17g %.17g\n", store_check_kind_name(m->kind), m->entity,
            m->metric, (long long)m->bucket, m->field, m->expected, m->found);
  }
}

static void test_check_clean(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct world w;
  make_world(st, &w);
  fill(st, &w);
  struct store_check_report r = run_check(st, NULL, 0);
  if (r.mismatches) print_items(&r);
  assert_int_equal(r.mismatches, 0);
  assert_int_equal(r.nitems, 0);
  assert_int_equal(r.records, 3 * 600);
  assert_int_equal(r.series, 4);
  /* day, month and year rows of 4 series over 3 spans, the last values,
   * the counter and the root's months: far more than a handful */
  assert_true(r.buckets_checked > 4 * 3 * 3);
  store_check_report_free(&r);

  /* one entity: its 2 series and its records only (b has j % 3 == 0) */
  r = run_check(st, "b", 0);
  assert_int_equal(r.mismatches, 0);
  assert_int_equal(r.series, 2);
  assert_int_equal(r.records, 3 * 200);
  store_check_report_free(&r);

  struct store_check_opts o = {.entity = "nobody"};
  struct zz_err e = {0};
  assert_int_equal(store_check(st, &o, &r, &e), ZZ_ENOTFOUND);
  assert_string_equal(e.field, "entity");
  assert_non_null(strstr(e.msg, "nobody"));
  store_check_report_free(&r);
  store_close(st);

  /* a store opened without a writer (as the command opens it) checks the same */
  struct store_open_opts so = {.no_writer = 1};
  st = ts_store_open(dir, &so);
  r = run_check(st, NULL, 0);
  assert_int_equal(r.mismatches, 0);
  assert_int_equal(r.records, 3 * 600);
  store_check_report_free(&r);
  store_close(st);
}

static const struct store_check_mismatch *find(const struct store_check_report *r,
                                               enum store_check_kind kind, const char *field) {
  for (size_t i = 0; i < r->nitems; i++)
    if (r->items[i].kind == kind && strcmp(r->items[i].field, field) == 0) return &r->items[i];
  print_items(r);
  fail_msg("no %s mismatch of %s", store_check_kind_name(kind), field);
  return NULL;
}

static void test_check_names_each_mismatch(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct world w;
  make_world(st, &w);
  fill(st, &w);
  store_close(st);

  db_open();
  char sql[512];
  /* a's visitors: its first day row gets a wrong sum, its first month row
   * goes missing */
  snprintf(sql, sizeof sql, "SELECT id FROM series WHERE entity = %lld AND metric = %lld",
           (long long)w.ea, (long long)w.m1);
  int64_t sa = one_int(sql);
  snprintf(sql, sizeof sql, "SELECT min(bucket) FROM srollup WHERE series = %lld AND grain = 3",
           (long long)sa);
  int64_t day = one_int(sql);
  snprintf(sql, sizeof sql,
           "SELECT sum FROM srollup WHERE series = %lld AND grain = 3 AND bucket = %lld",
           (long long)sa, (long long)day);
  double day_sum = one_real(sql);
  snprintf(sql, sizeof sql,
           "UPDATE srollup SET sum = sum + 1 WHERE series = %lld AND grain = 3 AND bucket = %lld",
           (long long)sa, (long long)day);
  exec(sql);
  snprintf(sql, sizeof sql, "SELECT max(bucket) FROM srollup WHERE series = %lld AND grain = 4",
           (long long)sa);
  int64_t month = one_int(sql);
  snprintf(sql, sizeof sql,
           "SELECT n FROM srollup WHERE series = %lld AND grain = 4 AND bucket = %lld",
           (long long)sa, (long long)month);
  int64_t month_n = one_int(sql);
  snprintf(sql, sizeof sql,
           "DELETE FROM srollup WHERE series = %lld AND grain = 4 AND bucket = %lld", (long long)sa,
           (long long)month);
  exec(sql);
  /* the counter, five too many */
  exec("UPDATE counter SET n = n + 5 WHERE key = 'records'");
  /* b's power: a last value the newest record does not have */
  snprintf(sql, sizeof sql, "SELECT last_value FROM series WHERE entity = %lld AND metric = %lld",
           (long long)w.eb, (long long)w.m2);
  double last = one_real(sql);
  snprintf(sql, sizeof sql,
           "UPDATE series SET last_value = last_value + 0.5 WHERE entity = %lld AND metric = %lld",
           (long long)w.eb, (long long)w.m2);
  exec(sql);
  /* the root region's visitors of its first month: one record too many */
  snprintf(sql, sizeof sql,
           "SELECT min(bucket) FROM rollup WHERE metric = %lld AND grain = 4 AND node ="
           " (SELECT id FROM region WHERE path = 'd')",
           (long long)w.m1);
  int64_t root_month = one_int(sql);
  snprintf(sql, sizeof sql,
           "SELECT n FROM rollup WHERE metric = %lld AND grain = 4 AND bucket = %lld AND node ="
           " (SELECT id FROM region WHERE path = 'd')",
           (long long)w.m1, (long long)root_month);
  int64_t root_n = one_int(sql);
  snprintf(sql, sizeof sql,
           "UPDATE rollup SET n = n + 1 WHERE metric = %lld AND grain = 4 AND bucket = %lld AND"
           " node = (SELECT id FROM region WHERE path = 'd')",
           (long long)w.m1, (long long)root_month);
  exec(sql);
  sqlite3_close(db);

  st = ts_store_open(dir, NULL);
  struct store_check_report r = run_check(st, NULL, 0);
  if (r.mismatches != 5) print_items(&r);
  assert_int_equal(r.mismatches, 5);
  assert_int_equal(r.nitems, 5);
  assert_int_equal(r.records, 3 * 600);

  const struct store_check_mismatch *m = find(&r, STORE_CHECK_DAY, "sum");
  assert_string_equal(m->entity, "a");
  assert_string_equal(m->metric, "visitors");
  assert_int_equal(m->bucket, day);
  assert_true(fabs(m->expected - day_sum) < 1e-9);
  assert_true(fabs(m->found - (day_sum + 1)) < 1e-9);

  m = find(&r, STORE_CHECK_MONTH, "n");
  assert_string_equal(m->entity, "a");
  assert_string_equal(m->metric, "visitors");
  assert_int_equal(m->bucket, month);
  assert_true(m->expected == (double)month_n);
  assert_true(m->found == 0);

  m = find(&r, STORE_CHECK_COUNTER, "n");
  assert_true(m->expected == 1800);
  assert_true(m->found == 1805);

  m = find(&r, STORE_CHECK_LAST, "last");
  assert_string_equal(m->entity, "b");
  assert_string_equal(m->metric, "power");
  assert_true(m->expected == last);
  assert_true(m->found == last + 0.5);

  m = find(&r, STORE_CHECK_REGION, "n");
  assert_string_equal(m->entity, "d");
  assert_string_equal(m->metric, "visitors");
  assert_int_equal(m->bucket, root_month);
  assert_true(m->expected == (double)root_n);
  assert_true(m->found == (double)(root_n + 1));
  store_check_report_free(&r);

  /* a limit lists the first ones and still counts them all */
  r = run_check(st, NULL, 2);
  assert_int_equal(r.nitems, 2);
  assert_int_equal(r.mismatches, 5);
  store_check_report_free(&r);

  /* an allocation that fails anywhere fails the check (ZZ_ENOMEM, or the
   * store's error when it hit a statement), never a shorter report */
  int failed = 0;
  for (long n = 1; n <= 400; n++) {
    struct store_check_opts o = {0};
    struct store_check_report f;
    struct zz_err e = {0};
    zz_alloc_fail_after(n);
    int rc = store_check(st, &o, &f, &e);
    zz_alloc_fail_after(0);
    if (rc) {
      failed++;
      if (rc != ZZ_ENOMEM && rc != ZZ_ESTORE) fail_msg("allocation %ld: %s", n, zz_strerror(rc));
    } else {
      assert_int_equal(f.mismatches, 5);
      assert_int_equal(f.nitems, 5);
      assert_int_equal(f.records, 3 * 600);
    }
    store_check_report_free(&f);
  }
  assert_true(failed > 0);

  /* one entity: its own mismatches only, no store-wide ones */
  r = run_check(st, "b", 0);
  assert_int_equal(r.mismatches, 1);
  assert_int_equal(r.items[0].kind, STORE_CHECK_LAST);
  store_check_report_free(&r);
  store_close(st);
}

/* A fresh data directory per test, removed after it (kept with ZZ_KEEP set,
 * to look at the database). */
static int setup(void **state) {
  (void)state;
  return ts_dir_make(dir, sizeof dir, "store-check");
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
      cmocka_unit_test_setup_teardown(test_check_clean, setup, teardown),
      cmocka_unit_test_setup_teardown(test_check_names_each_mismatch, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
