/* test_order_tally.c - the order statistics' one pass (store_order_tally
 * group "cell", plus "joint") adds up to exactly what the grouped queries
 * ("matter", "rpos", "department") count, over a varied store: joint
 * orders whose sub-orders name a department once or twice, orders never
 * dispatched, merged ones, sub-orders, NULL deadlines and ratings, several
 * regions, spans cut through the data, with and without a department. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/zz.h"
#include "store/store.h"
#include "store/store_orders.h"
#include "support.h"

static char dir[512];

/* Counters by key, the order of arrival kept. */
struct sums {
  struct {
    char key[64];
    struct store_order_tally t;
  } v[256];
  int n;
};

static struct store_order_tally *sum_at(struct sums *s, const char *key) {
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->v[i].key, key) == 0) return &s->v[i].t;
  assert_true(s->n < 256);
  snprintf(s->v[s->n].key, sizeof s->v[s->n].key, "%s", key);
  memset(&s->v[s->n].t, 0, sizeof s->v[s->n].t);
  return &s->v[s->n++].t;
}

static void sum_add(struct sums *s, const char *key, const struct store_order_tally *t) {
  struct store_order_tally *x = sum_at(s, key);
  x->n += t->n;
  x->closed += t->closed;
  x->open += t->open;
  x->overdue += t->overdue;
  x->with_sla += t->with_sla;
  x->on_time += t->on_time;
  x->rated += t->rated;
  x->rating_sum += t->rating_sum;
}

static void sums_equal(const struct sums *a, const struct sums *b) {
  assert_int_equal(a->n, b->n);
  for (int i = 0; i < a->n; i++) {
    const struct store_order_tally *y = NULL;
    for (int j = 0; j < b->n; j++)
      if (strcmp(a->v[i].key, b->v[j].key) == 0) y = &b->v[j].t;
    assert_non_null(y);
    const struct store_order_tally *x = &a->v[i].t;
    assert_int_equal(x->n, y->n);
    assert_int_equal(x->closed, y->closed);
    assert_int_equal(x->open, y->open);
    assert_int_equal(x->overdue, y->overdue);
    assert_int_equal(x->with_sla, y->with_sla);
    assert_int_equal(x->on_time, y->on_time);
    assert_int_equal(x->rated, y->rated);
    assert_int_equal(x->rating_sum, y->rating_sum);
  }
}

static int by_key(void *ud, const struct store_order_tally *t) {
  sum_add(ud, t->key ? t->key : "", t);
  return 0;
}

static int by_rpos(void *ud, const struct store_order_tally *t) {
  char k[32];
  snprintf(k, sizeof k, "%lld", (long long)t->rpos);
  sum_add(ud, k, t);
  return 0;
}

/* the one pass: [0] matter, [1] rpos, [2] department */
static int by_cell(void *ud, const struct store_order_tally *t) {
  struct sums *s = ud;
  char k[32];
  snprintf(k, sizeof k, "%lld", (long long)t->rpos);
  sum_add(&s[0], t->key, t);
  sum_add(&s[1], k, t);
  if (!t->joint) sum_add(&s[2], t->department ? t->department : "", t);
  return 0;
}

static uint32_t rnd_state = 7;
static uint32_t rnd(uint32_t n) {
  rnd_state = rnd_state * 1103515245u + 12345u;
  return (rnd_state >> 8) % n;
}

static void test_one_pass_matches_the_groups(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct zz_err e = {0};
  static const char *const matters[] = {"noise", "lamp", "elevator", "hygiene", "joint_permit"};
  static const char *const depts[] = {"police", "fire", "urban", "market"};
  static const char *const states[] = {"reported", "dispatched", "in_progress", "resolved",
                                       "verified", "closed",     "merged",      "returned"};
  assert_int_equal(store_txn(st, STORE_TXN_BEGIN, &e), 0);
  int64_t joint = 0;
  for (int i = 0; i < 3000; i++) {
    int64_t created = 1000000 + (int64_t)rnd(1000000);
    struct store_order o = {.matter = matters[rnd(5)],
                            .title = "t",
                            .state = states[rnd(8)],
                            .department = rnd(4) ? depts[rnd(4)] : NULL,
                            .region = 1,
                            .rpos = 10 * (int64_t)(1 + rnd(6)),
                            .lon = 0,
                            .lat = 0,
                            .created = created,
                            .updated = created,
                            .overdue = rnd(5) == 0,
                            .rating = rnd(3) ? 0 : 1 + (int)rnd(5)};
    if (rnd(3)) o.resolve_due = created + 3600000;
    if (rnd(2)) o.resolved_at = created + (int64_t)rnd(7200000);
    if (rnd(3) == 0) o.closed_at = created + (int64_t)rnd(7200000);
    int64_t id = 0;
    assert_int_equal(store_order_insert(st, &o, NULL, 0, &id, &e), 0);
    /* a joint order: no department of its own, sub-orders (in the span or
     * not: they carry their parent's counts only through it) */
    if (!o.department && rnd(2)) {
      int subs = 1 + (int)rnd(3);
      for (int k = 0; k < subs; k++) {
        struct store_order s = o;
        s.parent = id;
        s.department = depts[rnd(3)]; /* some named twice */
        s.state = states[rnd(6)];
        assert_int_equal(store_order_insert(st, &s, NULL, 0, NULL, &e), 0);
      }
      joint++;
    }
  }
  assert_int_equal(store_txn(st, STORE_TXN_COMMIT, &e), 0);
  assert_true(joint > 100);

  struct store_order_tally_filter fs[] = {
      {.from = 0, .to = INT64_MAX},
      {.from = 1200000, .to = 1700000},
      {.from = 1200000, .to = 1700000, .rpos_lo = 20, .rpos_hi = 40},
      {.from = 0, .to = INT64_MAX, .department = "fire"},
      {.from = 1300000, .to = 1900000, .rpos_lo = 10, .rpos_hi = 30, .department = "police"},
      {.from = 0, .to = INT64_MAX, .department = "nobody"},
      {.from = 5000000, .to = 6000000},
  };
  for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
    static struct sums old[3], one[3];
    memset(old, 0, sizeof old);
    memset(one, 0, sizeof one);
    assert_int_equal(store_order_tally(st, "matter", &fs[i], by_key, &old[0]), 0);
    assert_int_equal(store_order_tally(st, "rpos", &fs[i], by_rpos, &old[1]), 0);
    assert_int_equal(store_order_tally(st, "department", &fs[i], by_key, &old[2]), 0);
    assert_int_equal(store_order_tally(st, "cell", &fs[i], by_cell, one), 0);
    assert_int_equal(store_order_tally(st, "joint", &fs[i], by_key, &one[2]), 0);
    for (int g = 0; g < 3; g++) sums_equal(&old[g], &one[g]);
    if (i < 5) assert_true(old[0].n > 0 && old[2].n > 0);
  }
  assert_int_equal(store_order_tally(st, "nothing", &fs[0], by_key, NULL), ZZ_EINVAL);
  store_close(st);
}

int main(void) {
  if (ts_dir_make(dir, sizeof dir, "order_tally")) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_pass_matches_the_groups),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (ts_dir_remove(dir)) rc = rc ? rc : 1;
  return rc;
}
