/* test_retention.c - raw retention per metric (src/store/store_retention.c,
 * store_records_prune): on a store that seals every 50 records, the records
 * of a metric with raw_days older than that go, those of a metric without
 * it and the recent ones stay, the rollups keep the old totals and `zhizhi
 * check` skips what retention removed; and a prune running on one thread
 * while another writes loses none of the acknowledged records. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ztime.h"
#include "model/registry.h"
#include "store/store.h"
#include "store/store_check.h"
#include "store/store_records.h"
#include "store/store_registry.h"
#include "support.h"

static char dir[64];

/* cmocka 1.1 has no assert_double_equal */
#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

#define KEEP_DAYS 10
#define N 200

struct world {
  struct store *st;
  int64_t ent, kept, forever; /* kept: raw_days KEEP_DAYS; forever: none */
  int64_t region;
  int64_t now;
};

static void open_world(struct world *w) {
  struct store_open_opts o = {.seal_records = 50};
  w->st = ts_store_open(dir, &o);
  struct zz_err e = {0};
  w->region = ts_region(w->st, "d", NULL, "district");
  ts_entity_type(w->st, "counter");
  struct store_metric m = {
      .key = "visitors", .agg = "sum", .entity_type = "counter", .raw_days = KEEP_DAYS};
  if (store_metric_upsert(w->st, &m, &w->kept, &e)) fail_msg("metric: %s", e.msg);
  w->forever = ts_metric(w->st, "power", "avg", "counter");
  w->ent = ts_entity(w->st, "a", "counter", w->region);
  struct registry *reg = NULL;
  assert_int_equal(registry_open(w->st, &reg, &e), 0);
  registry_free(reg);
  w->now = zz_bucket_start(zz_time_now(), ZZ_GRAIN_MINUTE);
}

/* Waits until no generation is being sealed (the sealer is a thread). */
static void wait_sealed(struct store *st) {
  for (int i = 0; i < 4000; i++) {
    struct store_records_stats s;
    assert_int_equal(store_records_stats(st, &s), 0);
    if (!s.sealing_records) return;
    usleep(5000);
  }
  fail_msg("the sealer did not finish");
}

/* n records of metric from start, a minute apart, value base + i; with
 * sealed, each batch is sealed into a segment before the next is written. */
static void write_run(struct store *st, int64_t ent, int64_t metric, int64_t start, int n,
                      double base, int sealed) {
  struct store_record r[50];
  struct zz_err e = {0};
  for (int at = 0; at < n; at += 50) {
    int k = n - at < 50 ? n - at : 50;
    for (int i = 0; i < k; i++)
      r[i] = (struct store_record){.entity = ent,
                                   .metric = (int32_t)metric,
                                   .ts = start + (int64_t)(at + i) * ZZ_MINUTE_MS,
                                   .value = base + at + i};
    struct store_write_result res;
    if (store_records_write(st, r, (size_t)k, &res, &e)) fail_msg("write: %s", e.msg);
    assert_int_equal(res.accepted, k);
    /* sealed: each batch of 50 fills a generation, sealed before the next */
    if (sealed) wait_sealed(st);
  }
}

struct reads {
  int64_t n, before; /* records; those before `cut` */
  int64_t cut;
  double sum, sum_after; /* all; those at or after `cut` */
};

static int on_rec(void *ud, int64_t ts, double v) {
  struct reads *r = ud;
  r->n++;
  r->sum += v;
  if (ts < r->cut)
    r->before++;
  else
    r->sum_after += v;
  return 0;
}

static struct reads raw(struct store *st, int64_t ent, int64_t metric, int64_t cut) {
  struct reads r = {.cut = cut};
  assert_int_equal(store_records_each(st, ent, metric, INT64_MIN, INT64_MAX, 0, on_rec, &r), 0);
  return r;
}

struct totals {
  int64_t n;
  double sum;
};

static int on_bucket(void *ud, int64_t bucket, const struct store_agg *a) {
  (void)bucket;
  struct totals *t = ud;
  t->n += a->n;
  t->sum += a->sum;
  return 0;
}

/* The entity's day rows of metric, and the root region's month rows. */
static void totals(struct world *w, int64_t metric, struct totals *days, struct totals *months) {
  *days = (struct totals){0};
  *months = (struct totals){0};
  int64_t from = w->now - 400 * ZZ_DAY_MS, to = w->now + ZZ_DAY_MS;
  assert_int_equal(
      store_entity_buckets(w->st, w->ent, metric, ZZ_GRAIN_DAY, from, to, on_bucket, days), 0);
  assert_int_equal(
      store_rollup_buckets(w->st, metric, w->region, ZZ_GRAIN_MONTH, from, to, on_bucket, months),
      0);
}

/* raw_days of visitors into [0], of power into [1] */
static int on_metric(void *ud, const struct store_metric *m) {
  int64_t *days = ud;
  if (strcmp(m->key, "visitors") == 0) days[0] = m->raw_days;
  if (strcmp(m->key, "power") == 0) days[1] = m->raw_days;
  return 0;
}

static void test_prune_keeps_recent_and_rollups(void **state) {
  (void)state;
  struct world w;
  open_world(&w);
  int64_t old = w.now - 30 * ZZ_DAY_MS, fresh = w.now - 5 * ZZ_HOUR_MS;
  write_run(w.st, w.ent, w.kept, old, N, 0, 1);
  write_run(w.st, w.ent, w.forever, old, N, 1000, 1);
  write_run(w.st, w.ent, w.kept, fresh, N, 5000, 1);
  write_run(w.st, w.ent, w.forever, fresh, N, 9000, 1);
  wait_sealed(w.st);
  struct totals kd0, km0, fd0, fm0;
  totals(&w, w.kept, &kd0, &km0);
  totals(&w, w.forever, &fd0, &fm0);
  assert_int_equal(kd0.n, 2 * N);
  assert_int_equal(km0.n, 2 * N);

  int64_t dropped = -1;
  struct zz_err e = {0};
  if (store_records_prune(w.st, w.now, &dropped, &e)) fail_msg("prune: %s", e.msg);
  /* the old run of the limited metric was sealed: all of it goes,
   * nothing else */
  assert_int_equal(dropped, N);
  int64_t cut = w.now - KEEP_DAYS * ZZ_DAY_MS;
  struct reads k = raw(w.st, w.ent, w.kept, cut), f = raw(w.st, w.ent, w.forever, cut);
  assert_int_equal(k.n, N);
  assert_int_equal(k.before, 0);
  assert_near(k.sum, N * 5000.0 + N * (N - 1) / 2.0, 1e-6);
  assert_int_equal(f.n, 2 * N);
  assert_int_equal(f.before, N);

  /* the rollups are untouched: day rows and the region's months */
  struct totals kd, km, fd, fm;
  totals(&w, w.kept, &kd, &km);
  totals(&w, w.forever, &fd, &fm);
  assert_int_equal(kd.n, kd0.n);
  assert_near(kd.sum, kd0.sum, 1e-6);
  assert_int_equal(km.n, km0.n);
  assert_near(km.sum, km0.sum, 1e-6);
  assert_int_equal(fd.n, fd0.n);
  assert_int_equal(fm.n, fm0.n);

  struct store_records_stats s;
  assert_int_equal(store_records_stats(w.st, &s), 0);
  assert_int_equal(s.pruned, N);

  /* a second prune finds nothing more */
  if (store_records_prune(w.st, w.now, &dropped, &e)) fail_msg("prune: %s", e.msg);
  assert_int_equal(dropped, 0);

  /* check: what retention removed is skipped, the rest agrees */
  struct store_check_opts o = {.now = w.now};
  struct store_check_report r;
  if (store_check(w.st, &o, &r, &e)) fail_msg("check: %s", e.msg);
  assert_int_equal(r.mismatches, 0);
  assert_true(r.buckets_skipped_retention > 0);
  assert_int_equal(r.records, 3 * N);
  store_check_report_free(&r);
  /* the same data checked as if retention had not begun (a clock before
   * it): the pruned days are then missing records, and the check says so */
  o.now = zz_bucket_start(old, ZZ_GRAIN_YEAR) - ZZ_DAY_MS;
  if (store_check(w.st, &o, &r, &e)) fail_msg("check: %s", e.msg);
  assert_true(r.mismatches > 0);
  assert_int_equal(r.buckets_skipped_retention, 0);
  store_check_report_free(&r);

  /* the raw_days survive a reopen, and so does the prune */
  store_close(w.st);
  struct store_open_opts oo = {.seal_records = 50};
  w.st = ts_store_open(dir, &oo);
  k = raw(w.st, w.ent, w.kept, cut);
  assert_int_equal(k.n, N);
  int64_t days[2] = {-1, -1};
  assert_int_equal(store_metrics_each(w.st, on_metric, days), 0);
  assert_int_equal(days[0], KEEP_DAYS);
  assert_int_equal(days[1], 0);
  store_close(w.st);
}

/* ---- a prune while another thread writes ---- */

#define ROUNDS 30

struct writer {
  struct world *w;
  int done;
  pthread_mutex_t mu;
};

/* Each round: 50 recent records of the limited metric (kept), 50 old ones
 * of it (due to go) and 50 old ones of the unlimited metric (kept). */
static void *write_main(void *ud) {
  struct writer *wr = ud;
  struct world *w = wr->w;
  int64_t old = w->now - 40 * ZZ_DAY_MS, fresh = w->now - 2 * ZZ_DAY_MS;
  for (int i = 0; i < ROUNDS; i++) {
    write_run(w->st, w->ent, w->kept, fresh + (int64_t)i * 50 * ZZ_MINUTE_MS, 50, i * 50, 0);
    write_run(w->st, w->ent, w->kept, old + (int64_t)i * 50 * ZZ_MINUTE_MS, 50, 0, 0);
    write_run(w->st, w->ent, w->forever, old + (int64_t)i * 50 * ZZ_MINUTE_MS, 50, i * 50, 0);
  }
  pthread_mutex_lock(&wr->mu);
  wr->done = 1;
  pthread_mutex_unlock(&wr->mu);
  return NULL;
}

static void test_prune_during_ingest(void **state) {
  (void)state;
  struct world w;
  open_world(&w);
  struct writer wr = {.w = &w};
  pthread_mutex_init(&wr.mu, NULL);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, write_main, &wr), 0);
  int64_t dropped_total = 0, prunes = 0;
  struct zz_err e = {0};
  for (;;) {
    pthread_mutex_lock(&wr.mu);
    int done = wr.done;
    pthread_mutex_unlock(&wr.mu);
    int64_t dropped = 0;
    if (store_records_prune(w.st, w.now, &dropped, &e)) fail_msg("prune: %s", e.msg);
    dropped_total += dropped;
    prunes++;
    if (done) break;
  }
  pthread_join(t, NULL);
  pthread_mutex_destroy(&wr.mu);
  /* a batch of another entity seals all the thread wrote, then a last prune */
  wait_sealed(w.st);
  int64_t other = ts_entity(w.st, "b", "counter", w.region);
  write_run(w.st, other, w.kept, w.now - ZZ_HOUR_MS, 50, 0, 1);
  int64_t dropped = 0;
  if (store_records_prune(w.st, w.now, &dropped, &e)) fail_msg("prune: %s", e.msg);
  dropped_total += dropped;
  assert_true(prunes > 1);

  int64_t cut = w.now - KEEP_DAYS * ZZ_DAY_MS;
  struct reads k = raw(w.st, w.ent, w.kept, cut), f = raw(w.st, w.ent, w.forever, cut);
  /* every acknowledged record that retention keeps is there, with its value */
  assert_int_equal(k.n - k.before, ROUNDS * 50);
  assert_near(k.sum_after, ROUNDS * 50 * (ROUNDS * 50 - 1) / 2.0, 1e-6);
  assert_int_equal(f.n, ROUNDS * 50);
  assert_near(f.sum, ROUNDS * 50 * (ROUNDS * 50 - 1) / 2.0, 1e-6);
  /* and the old ones went */
  assert_int_equal(k.before, 0);
  assert_int_equal(dropped_total, ROUNDS * 50);
  struct totals kd, km;
  totals(&w, w.kept, &kd, &km);
  assert_int_equal(kd.n, 2 * ROUNDS * 50);
  store_close(w.st);
}

static int setup(void **state) {
  (void)state;
  return ts_dir_make(dir, sizeof dir, "retention");
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
      cmocka_unit_test_setup_teardown(test_prune_keeps_recent_and_rollups, setup, teardown),
      cmocka_unit_test_setup_teardown(test_prune_during_ingest, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
