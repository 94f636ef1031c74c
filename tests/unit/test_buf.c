/* test_buf.c - unit tests for the JSON number writer of src/core/buf.c: every
 * finite double it writes must read back with the same bits (what a client
 * sent is what a client reads), in the shortest such text, and non-finite
 * values must come out as null. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"

static uint64_t bits(double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  return u;
}

/* Writes v, checks that the text is JSON-shaped and reads back bit-identical. */
static void round_trip(double v, const char *want) {
  struct zz_buf b;
  zz_buf_init(&b, 0);
  assert_int_equal(zz_buf_json_num(&b, v), 0);
  assert_non_null(b.data);
  char *end;
  double back = strtod(b.data, &end);
  assert_true(*end == 0);
  if (bits(back) != bits(v)) fail_msg("%a written as %s reads back as %a", v, b.data, back);
  for (const char *p = b.data; *p; p++) assert_non_null(strchr("0123456789-+.e", *p));
  if (want) assert_string_equal(b.data, want);
  zz_buf_free(&b);
}

static void test_awkward_values(void **state) {
  (void)state;
  round_trip(0.1, "0.1");
  round_trip(1234567.891234, "1234567.891234");
  round_trip(1e-300, "1e-300");
  round_trip(5e-324, NULL); /* the smallest subnormal */
  round_trip(DBL_MIN, NULL);
  round_trip(DBL_MAX, NULL);
  round_trip(-DBL_MAX, NULL);
  round_trip(-0.0, "-0");
  round_trip(0.0, "0");
  round_trip(9007199254740993.0, NULL); /* 2^53+1 rounds to 2^53 as a double */
  round_trip(9007199254740992.0, NULL);
  round_trip(9e15 + 2, NULL);
  round_trip(0.1 + 0.2, "0.30000000000000004");
  round_trip(1.0 / 3, NULL);
  round_trip(-2.5, "-2.5");
  round_trip(42, "42");
  round_trip(1e15, "1000000000000000");
  round_trip(123456789012345678.0, NULL);
  round_trip(nextafter(1.0, 2.0), NULL);
  round_trip(nextafter(0.1, 0.0), NULL);
}

/* Many doubles from random bits: all of them round-trip. */
static void test_random_bits(void **state) {
  (void)state;
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double v;
    memcpy(&v, &x, sizeof v);
    if (!isfinite(v)) continue;
    round_trip(v, NULL);
  }
}

static void test_not_finite(void **state) {
  (void)state;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_json_num(&b, NAN);
  zz_buf_addc(&b, ',');
  zz_buf_json_num(&b, INFINITY);
  zz_buf_addc(&b, ',');
  zz_buf_json_num(&b, -INFINITY);
  assert_string_equal(b.data, "null,null,null");
  zz_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_awkward_values),
      cmocka_unit_test(test_random_bits),
      cmocka_unit_test(test_not_finite),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
