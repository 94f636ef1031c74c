/* test_ratelimit.c - unit tests for src/core/ratelimit.c: a burst is
 * allowed, then the wait is what the refill rate says, keys and scopes are
 * separate, idle buckets refill to the burst only, and a table far smaller
 * than the clients keeps working (evicting the stalest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/ratelimit.h"
#include "core/zz.h"

static void test_burst_then_wait(void **state) {
  (void)state;
  struct ratelimit *rl;
  assert_int_equal(ratelimit_create(0, &rl), 0);
  int64_t t = 1000000;
  for (int i = 0; i < 5; i++) assert_int_equal(ratelimit_take(rl, "scan", "1.2.3.4", 60, 5, t), 0);
  /* empty: 60 a minute is one a second */
  assert_int_equal(ratelimit_take(rl, "scan", "1.2.3.4", 60, 5, t), 1);
  assert_int_equal(ratelimit_take(rl, "scan", "1.2.3.4", 60, 5, t + 999), 1);
  assert_int_equal(ratelimit_take(rl, "scan", "1.2.3.4", 60, 5, t + 1000), 0);
  /* 6 a minute: ten seconds a token */
  for (int i = 0; i < 2; i++) assert_int_equal(ratelimit_take(rl, "submit", "k", 6, 2, t), 0);
  assert_int_equal(ratelimit_take(rl, "submit", "k", 6, 2, t), 10);
  assert_int_equal(ratelimit_take(rl, "submit", "k", 6, 2, t + 5000), 5);
  ratelimit_free(rl);
}

static void test_keys_and_scopes_are_separate(void **state) {
  (void)state;
  struct ratelimit *rl;
  assert_int_equal(ratelimit_create(0, &rl), 0);
  assert_int_equal(ratelimit_take(rl, "scan", "a", 1, 1, 0), 0);
  assert_true(ratelimit_take(rl, "scan", "a", 1, 1, 0) > 0);
  assert_int_equal(ratelimit_take(rl, "scan", "b", 1, 1, 0), 0);
  assert_int_equal(ratelimit_take(rl, "submit", "a", 1, 1, 0), 0);
  /* "sc"+"ana" is not "scan"+"a" */
  assert_int_equal(ratelimit_take(rl, "sc", "ana", 1, 1, 0), 0);
  ratelimit_free(rl);
}

static void test_idle_refills_to_the_burst_only(void **state) {
  (void)state;
  struct ratelimit *rl;
  assert_int_equal(ratelimit_create(0, &rl), 0);
  assert_int_equal(ratelimit_take(rl, "s", "k", 60, 3, 0), 0);
  int64_t later = 3600 * 1000;
  for (int i = 0; i < 3; i++) assert_int_equal(ratelimit_take(rl, "s", "k", 60, 3, later), 0);
  assert_int_equal(ratelimit_take(rl, "s", "k", 60, 3, later), 1);
  ratelimit_free(rl);
}

static void test_small_table_many_clients(void **state) {
  (void)state;
  struct ratelimit *rl;
  assert_int_equal(ratelimit_create(16, &rl), 0); /* rounded up to 1,024 */
  char key[32];
  for (int i = 0; i < 100000; i++) {
    snprintf(key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
    assert_int_equal(ratelimit_take(rl, "scan", key, 60, 2, i), 0);
  }
  /* a client that keeps asking is still limited */
  assert_int_equal(ratelimit_take(rl, "scan", "hammer", 60, 2, 200000), 0);
  assert_int_equal(ratelimit_take(rl, "scan", "hammer", 60, 2, 200000), 0);
  assert_true(ratelimit_take(rl, "scan", "hammer", 60, 2, 200000) > 0);
  ratelimit_free(rl);
}

static void test_out_of_memory(void **state) {
  (void)state;
  struct ratelimit *rl = NULL;
  zz_alloc_fail_after(1);
  assert_int_equal(ratelimit_create(0, &rl), ZZ_ENOMEM);
  zz_alloc_fail_after(2);
  assert_int_equal(ratelimit_create(0, &rl), ZZ_ENOMEM);
  zz_alloc_fail_after(0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_burst_then_wait),
      cmocka_unit_test(test_keys_and_scopes_are_separate),
      cmocka_unit_test(test_idle_refills_to_the_burst_only),
      cmocka_unit_test(test_small_table_many_clients),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
