/* test_wf_stats.c - unit tests for the arithmetic of the order statistics
 * (src/workflow/wf_stats.c): rates and means with nothing to measure are
 * NaN (shown empty, never 0 % or a division by zero), the on-time rate
 * counts only orders that had a deadline, year on year in percent, and the
 * counters add up. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "workflow/wf_stats.h"

static void test_rate(void **state) {
  (void)state;
  assert_true(isnan(wf_stats_rate(0, 0)));
  assert_true(isnan(wf_stats_rate(3, 0)));
  assert_true(wf_stats_rate(0, 4) == 0.0);
  assert_true(wf_stats_rate(3, 4) == 0.75);
  assert_true(wf_stats_rate(4, 4) == 1.0);
}

static void test_on_time_and_satisfaction(void **state) {
  (void)state;
  struct wf_stats_counts c = {
      .n = 10, .closed = 6, .open = 4, .with_sla = 5, .on_time = 4, .rated = 3, .rating_sum = 13};
  assert_true(wf_stats_on_time_rate(&c) == 0.8); /* 4 of the 5 with a deadline */
  assert_true(fabs(wf_stats_satisfaction(&c) - 13.0 / 3.0) < 1e-12);
  struct wf_stats_counts none = {.n = 2, .open = 2};
  assert_true(isnan(wf_stats_on_time_rate(&none)));
  assert_true(isnan(wf_stats_satisfaction(&none)));
}

static void test_change(void **state) {
  (void)state;
  assert_true(wf_stats_change_pct(4, 1) == 300.0);
  assert_true(wf_stats_change_pct(1, 4) == -75.0);
  assert_true(wf_stats_change_pct(5, 5) == 0.0);
  assert_true(wf_stats_change_pct(0, 5) == -100.0);
  assert_true(isnan(wf_stats_change_pct(5, 0))); /* nothing a year earlier */
  assert_true(isnan(wf_stats_change_pct(0, 0)));
}

static void test_add(void **state) {
  (void)state;
  struct wf_stats_counts acc = {0};
  struct store_order_tally a = {.n = 3,
                                .closed = 1,
                                .open = 2,
                                .overdue = 1,
                                .with_sla = 1,
                                .on_time = 1,
                                .rated = 1,
                                .rating_sum = 5};
  struct store_order_tally b = {.n = 2,
                                .closed = 2,
                                .open = 0,
                                .overdue = 0,
                                .with_sla = 2,
                                .on_time = 1,
                                .rated = 2,
                                .rating_sum = 6};
  wf_stats_add(&acc, &a);
  wf_stats_add(&acc, &b);
  assert_int_equal(acc.n, 5);
  assert_int_equal(acc.closed, 3);
  assert_int_equal(acc.open, 2);
  assert_int_equal(acc.closed + acc.open, acc.n);
  assert_int_equal(acc.overdue, 1);
  assert_int_equal(acc.with_sla, 3);
  assert_int_equal(acc.on_time, 2);
  assert_int_equal(acc.rated, 3);
  assert_int_equal(acc.rating_sum, 11);
  assert_true(fabs(wf_stats_satisfaction(&acc) - 11.0 / 3.0) < 1e-12);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rate),
      cmocka_unit_test(test_on_time_and_satisfaction),
      cmocka_unit_test(test_change),
      cmocka_unit_test(test_add),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
