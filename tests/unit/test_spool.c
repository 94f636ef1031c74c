/* test_spool.c - issue 10 in the store and the spool: an atomic body's
 * records spooled to a file are written in one transaction, all or nothing;
 * a series belongs to the source that created it, so the writer refuses
 * (and lists by line) another source's records for it, in memory batches
 * and file jobs alike, and remembers the owner across a restart. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ingest/spool.h"
#include "store/store.h"
#include "store/store_records.h"
#include "store/store_registry.h"
#include "support.h"

static char dir[64];

/* one region, two entities a and b, one metric */
static void world(struct store *st, int64_t *ea, int64_t *eb, int64_t *metric) {
  int64_t d = ts_region(st, "d", NULL, "district");
  ts_entity_type(st, "counter");
  *metric = ts_metric(st, "visitors", "sum", "counter");
  *ea = ts_entity(st, "a", "counter", d);
  *eb = ts_entity(st, "b", "counter", d);
}

static int count_cb(void *ud, int64_t ts, double v) {
  (void)ts, (void)v;
  (*(int *)ud)++;
  return 0;
}

static int count(struct store *st, int64_t entity, int64_t metric) {
  int n = 0;
  assert_int_equal(store_records_each(st, entity, metric, 0, INT64_MAX, 1 << 20, count_cb, &n), 0);
  return n;
}

/* Spools n records of entity e by source src, with lines from line0. */
static int spool(struct store_record *r, size_t n) {
  char sdir[128];
  snprintf(sdir, sizeof sdir, "%s/spool", dir);
  struct zz_err e = {0};
  int fd = spool_open(sdir, &e);
  assert_true(fd >= 0);
  assert_int_equal(store_records_sort(r, n), 0);
  assert_int_equal(spool_write(fd, r, n * sizeof *r), 0);
  return fd;
}

static void test_owner_and_file_jobs(void **state) {
  (void)state;
  struct zz_err e = {0};
  assert_int_equal(spool_prepare(dir, &e), 0);
  struct store *st = ts_store_open(dir, NULL);
  int64_t ea, eb, metric;
  world(st, &ea, &eb, &metric);
  int64_t t = zz_time_now() - ZZ_HOUR_MS;
  int32_t m = (int32_t)metric;

  /* source 1 creates series a */
  struct store_record first[] = {{ea, m, 1, t, 1, 1}, {ea, m, 1, t + 1000, 2, 2}};
  struct store_write_result res = {0};
  assert_int_equal(store_records_write(st, first, 2, &res, &e), 0);
  assert_int_equal(res.accepted, 2);

  /* source 2: b is its own, a is refused (a replacement and a new record), by line */
  struct store_record second[] = {
      {eb, m, 2, t, 5, 1}, {ea, m, 2, t, 9, 2}, {ea, m, 2, t + 5000, 9, 3}};
  assert_int_equal(store_records_write(st, second, 3, &res, &e), 0);
  assert_int_equal(res.accepted, 1);
  assert_int_equal(res.replaced, 0);
  assert_int_equal(res.refused, 2);
  assert_int_equal(res.nrefused_lines, 2);
  assert_true((res.refused_line[0] == 2 && res.refused_line[1] == 3) ||
              (res.refused_line[0] == 3 && res.refused_line[1] == 2));
  assert_int_equal(count(st, ea, metric), 2);
  assert_int_equal(count(st, eb, metric), 1);

  /* a file job of source 2 with one record of a's series: nothing stored */
  enum { N = 200000 };
  struct store_record *big = calloc(N, sizeof *big);
  assert_non_null(big);
  for (int i = 0; i < N; i++) big[i] = (struct store_record){eb, m, 2, t + 10 + i, i, i + 1};
  big[N - 7] = (struct store_record){ea, m, 2, t + 1000, 42, N - 6};
  int fd = spool(big, N);
  memset(&res, 0, sizeof res);
  assert_int_equal(store_records_write_file(st, fd, N, &res, &e), ZZ_ECONFLICT);
  assert_int_equal(res.refused, 1);
  assert_int_equal(res.nrefused_lines, 1);
  assert_int_equal(res.refused_line[0], N - 6);
  assert_int_equal(count(st, eb, metric), 1); /* all or nothing */
  close(fd);

  /* the same without the stranger: every record in one job */
  for (int i = 0; i < N; i++) big[i] = (struct store_record){eb, m, 2, t + 10 + i, i, i + 1};
  fd = spool(big, N);
  assert_int_equal(store_records_write_file(st, fd, N, &res, &e), 0);
  assert_int_equal(res.accepted, N);
  assert_int_equal(res.refused, 0);
  assert_int_equal(count(st, eb, metric), N + 1);
  close(fd);
  free(big);

  /* the owner is stored: after a restart source 2 is still refused on a */
  store_close(st);
  st = ts_store_open(dir, NULL);
  struct store_record third[] = {{ea, m, 2, t + 9000, 1, 7}, {ea, m, 1, t + 9000, 3, 8}};
  assert_int_equal(store_records_write(st, third, 2, &res, &e), 0);
  assert_int_equal(res.refused, 1);
  assert_int_equal(res.refused_line[0], 7);
  assert_int_equal(res.accepted, 1);
  store_close(st);
}

static void test_spool_dir(void **state) {
  (void)state;
  struct zz_err e = {0};
  assert_int_equal(spool_prepare(dir, &e), 0);
  char sdir[128], left[192];
  snprintf(sdir, sizeof sdir, "%s/spool", dir);
  /* a name a crash left behind is removed at start */
  snprintf(left, sizeof left, "%s/body-abc123", sdir);
  FILE *f = fopen(left, "w");
  assert_non_null(f);
  fclose(f);
  assert_int_equal(spool_prepare(dir, &e), 0);
  assert_int_not_equal(access(left, F_OK), 0);
  /* files have no name while open, and read back what was written */
  int fd = spool_open(sdir, &e);
  assert_true(fd >= 0);
  assert_int_equal(spool_write(fd, "hello world", 11), 0);
  char buf[16] = {0};
  assert_int_equal(spool_read(fd, buf, 5, 6), 5);
  assert_string_equal(buf, "world");
  close(fd);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s)\"", sdir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  if (ts_dir_make(dir, sizeof dir, "spool")) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spool_dir),
      cmocka_unit_test(test_owner_and_file_jobs),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (ts_dir_remove(dir)) rc = rc ? rc : 1;
  return rc;
}
