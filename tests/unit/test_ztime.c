/* test_ztime.c - unit tests for src/core/ztime.c: RFC3339 and epoch-ms
 * parsing, formatting in +08:00, local-time buckets, month arithmetic, and
 * the pinned clock. Expected values were computed independently (Python). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/ztime.h"
#include "core/zz.h"

/* 2026-05-21T08:00:00+08:00 = 2026-05-21T00:00:00Z */
#define T_20260521 1779321600000LL

static int64_t parse_ok(const char *s) {
  int64_t ms = 0;
  int rc = zz_time_parse(s, strlen(s), &ms);
  if (rc != 0) fail_msg("zz_time_parse(\"%s\") = %d, want 0", s, rc);
  return ms;
}

static void assert_format(int64_t ms, const char *want) {
  char out[32];
  assert_string_equal(zz_time_format(ms, out), want);
}

static void test_parse_format_round_trip(void **state) {
  (void)state;
  static const char *const texts[] = {
      "2026-05-21T08:00:00+08:00", "2026-05-21T08:00:00.123+08:00",
      "2000-01-01T08:00:00+08:00", "2024-02-29T23:59:59.999+08:00",
      "1970-01-01T08:00:00+08:00", "1969-12-31T23:59:59.500+08:00",
      "9999-12-31T23:59:59+08:00",
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(texts); i++) assert_format(parse_ok(texts[i]), texts[i]);
  assert_int_equal(parse_ok("2026-05-21T08:00:00+08:00"), T_20260521);
  assert_format(T_20260521, "2026-05-21T08:00:00+08:00");
  assert_format(T_20260521 + 123, "2026-05-21T08:00:00.123+08:00");
  assert_format(T_20260521 + 5, "2026-05-21T08:00:00.005+08:00");
  assert_format(0, "1970-01-01T08:00:00+08:00");
  assert_format(-500, "1970-01-01T07:59:59.500+08:00");
  /* Every ms of a whole day survives format -> parse. */
  for (int64_t ms = T_20260521 - 1000; ms < T_20260521 + ZZ_DAY_MS; ms += 3599999) {
    char out[32];
    assert_int_equal(parse_ok(zz_time_format(ms, out)), ms);
  }
}

static void test_parse_offsets(void **state) {
  (void)state;
  assert_int_equal(parse_ok("2026-05-21T00:00:00Z"), T_20260521);
  assert_int_equal(parse_ok("2026-05-21T00:00:00z"), T_20260521);
  assert_int_equal(parse_ok("2026-05-21t00:00:00Z"), T_20260521);
  assert_int_equal(parse_ok("2026-05-21 00:00:00Z"), T_20260521);
  assert_int_equal(parse_ok("2026-05-21T00:00:00+00:00"), T_20260521);
  assert_int_equal(parse_ok("2026-05-21T00:00:00-00:00"), T_20260521);
  assert_int_equal(parse_ok("2026-05-20T19:00:00-05:00"), T_20260521);
  assert_int_equal(parse_ok("2026-05-21T05:30:00+05:30"), T_20260521);
  assert_int_equal(parse_ok("2026-05-21T23:00:00+23:00"), T_20260521);
  /* No zone designator means local time (+08:00). */
  assert_int_equal(parse_ok("2026-05-21T08:00:00"), T_20260521);
  /* A bare date is local midnight. */
  assert_int_equal(parse_ok("2026-05-21"), T_20260521 - 8 * ZZ_HOUR_MS);
  /* Fractions are truncated to ms, not rounded. */
  assert_int_equal(parse_ok("2026-05-21T00:00:00.5Z"), T_20260521 + 500);
  assert_int_equal(parse_ok("2026-05-21T00:00:00.12Z"), T_20260521 + 120);
  assert_int_equal(parse_ok("2026-05-21T00:00:00.123999Z"), T_20260521 + 123);
  assert_int_equal(parse_ok("2026-05-21T00:00:00.999999999999Z"), T_20260521 + 999);
  assert_int_equal(parse_ok("1969-12-31T23:59:59.5Z"), -500);
  assert_int_equal(parse_ok("1999-12-31T23:59:59Z"), 946684799000LL);
  /* zz_time_parse_rfc3339 takes a length: bytes after n are not read. */
  int64_t ms;
  assert_int_equal(zz_time_parse_rfc3339("2026-05-21T00:00:00Zjunk", 20, &ms), 0);
  assert_int_equal(ms, T_20260521);
}

static void test_parse_epoch_ms(void **state) {
  (void)state;
  int64_t ms;
  assert_int_equal(parse_ok("1779321600000"), T_20260521);
  assert_int_equal(parse_ok("0"), 0);
  assert_int_equal(parse_ok("-1"), -1);
  assert_int_equal(parse_ok("000123"), 123);
  assert_int_equal(parse_ok("9223372036854775807"), INT64_MAX);
  assert_int_equal(parse_ok("-9223372036854775808"), INT64_MIN);
  assert_int_equal(zz_time_parse("9223372036854775808", 19, &ms), ZZ_EINVAL);
  assert_int_equal(zz_time_parse("-9223372036854775809", 20, &ms), ZZ_EINVAL);
  assert_int_equal(zz_time_parse("99999999999999999999999", 23, &ms), ZZ_EINVAL);
  /* Epoch ms are only for zz_time_parse, not the RFC3339 parser. */
  assert_int_equal(zz_time_parse_rfc3339("1779321600000", 13, &ms), ZZ_EINVAL);
}

static void test_leap_years(void **state) {
  (void)state;
  int64_t ms;
  assert_int_equal(parse_ok("2024-02-29T00:00:00+08:00"), 1709136000000LL);
  assert_int_equal(parse_ok("2000-02-29"), zz_time_from_civil(2000, 2, 29, 0, 0, 0));
  assert_int_equal(zz_time_parse("2023-02-29T00:00:00Z", 20, &ms), ZZ_EINVAL);
  assert_int_equal(zz_time_parse("2100-02-29T00:00:00Z", 20, &ms), ZZ_EINVAL); /* not leap */
  assert_int_equal(zz_time_parse("1900-02-29", 10, &ms), ZZ_EINVAL);
  assert_int_equal(parse_ok("2100-03-01") - parse_ok("2100-02-28"), 1 * ZZ_DAY_MS);
  assert_int_equal(parse_ok("2024-03-01") - parse_ok("2024-02-28"), 2 * ZZ_DAY_MS);
  struct zz_civil c;
  zz_time_civil(parse_ok("2024-12-31T12:00:00+08:00"), &c);
  assert_int_equal(c.year, 2024);
  assert_int_equal(c.month, 12);
  assert_int_equal(c.day, 31);
}

static void test_bad_inputs_rejected(void **state) {
  (void)state;
  static const struct {
    const char *name, *text;
  } bad[] = {
      {"empty", ""},
      {"minus alone", "-"},
      {"digits then junk", "12a"},
      {"month 0", "2026-00-10T00:00:00Z"},
      {"month 13", "2026-13-10T00:00:00Z"},
      {"day 0", "2026-05-00T00:00:00Z"},
      {"April 31", "2026-04-31T00:00:00Z"},
      {"day 32", "2026-01-32"},
      {"hour 24", "2026-05-21T24:00:00Z"},
      {"minute 60", "2026-05-21T00:60:00Z"},
      {"second 60", "2026-05-21T00:00:60Z"},
      {"offset hour 24", "2026-05-21T00:00:00+24:00"},
      {"offset minute 60", "2026-05-21T00:00:00+08:60"},
      {"offset without colon", "2026-05-21T00:00:00+0800"},
      {"offset cut short", "2026-05-21T00:00:00+08:0"},
      {"trailing junk", "2026-05-21T00:00:00Zx"},
      {"trailing space", "2026-05-21T00:00:00Z "},
      {"leading space", " 2026-05-21T00:00:00Z"},
      {"date with junk", "2026-05-21x"},
      {"date and T only", "2026-05-21T"},
      {"no seconds", "2026-05-21T00:00Z"},
      {"dot without digits", "2026-05-21T00:00:00.Z"},
      {"comma fraction", "2026-05-21T00:00:00,5Z"},
      {"two-digit year", "26-05-21T00:00:00Z"},
      {"slashes", "2026/05/21T00:00:00Z"},
      {"one-digit month", "2026-5-21T00:00:00Z"},
      {"signed year", "+2026-05-21T00:00:00Z"},
      {"bad separator", "2026-05-21X00:00:00Z"},
      {"non-digit hour", "2026-05-21T0a:00:00Z"},
      {"float epoch", "1.7e12"},
      {"plus epoch", "+1779321600000"},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++) {
    int64_t ms = 42;
    if (zz_time_parse(bad[i].text, strlen(bad[i].text), &ms) != ZZ_EINVAL)
      fail_msg("%s: \"%s\" was accepted", bad[i].name, bad[i].text);
    assert_int_equal(ms, 42); /* untouched on error */
  }
  int64_t ms;
  assert_int_equal(zz_time_parse(NULL, 0, &ms), ZZ_EINVAL);
  assert_int_equal(zz_time_parse_rfc3339("2026-05-21", 9, &ms), ZZ_EINVAL);
}

static void test_bucket_day_starts_at_local_midnight(void **state) {
  (void)state;
  int64_t midnight = parse_ok("2026-01-01T00:00:00+08:00");
  assert_int_equal(midnight, parse_ok("2025-12-31T16:00:00Z"));
  assert_int_equal(midnight, 1767196800000LL);
  assert_int_equal(zz_bucket_start(midnight, ZZ_GRAIN_DAY), midnight);
  assert_int_equal(zz_bucket_start(parse_ok("2026-01-01T07:59:59.999+08:00"), ZZ_GRAIN_DAY),
                   midnight);
  assert_int_equal(zz_bucket_start(parse_ok("2026-01-01T23:59:59.999+08:00"), ZZ_GRAIN_DAY),
                   midnight);
  assert_int_equal(zz_bucket_start(midnight - 1, ZZ_GRAIN_DAY), midnight - ZZ_DAY_MS);
  /* 2026-01-01T16:30Z is already Jan 2 locally. */
  assert_int_equal(zz_bucket_start(parse_ok("2026-01-01T16:30:00Z"), ZZ_GRAIN_DAY),
                   midnight + ZZ_DAY_MS);
  assert_int_equal(zz_bucket_next(midnight, ZZ_GRAIN_DAY), midnight + ZZ_DAY_MS);
  /* Before 1970 the floor still goes down, not toward zero. */
  assert_int_equal(zz_bucket_start(-1, ZZ_GRAIN_DAY), -8 * ZZ_HOUR_MS);
  assert_int_equal(zz_bucket_start(-8 * ZZ_HOUR_MS - 1, ZZ_GRAIN_DAY), -32 * ZZ_HOUR_MS);
}

static void test_bucket_minute_hour(void **state) {
  (void)state;
  int64_t t = parse_ok("2026-05-21T10:37:42.250+08:00");
  assert_int_equal(zz_bucket_start(t, ZZ_GRAIN_MINUTE), parse_ok("2026-05-21T10:37:00+08:00"));
  assert_int_equal(zz_bucket_start(t, ZZ_GRAIN_HOUR), parse_ok("2026-05-21T10:00:00+08:00"));
  assert_int_equal(zz_bucket_next(parse_ok("2026-05-21T10:37:00+08:00"), ZZ_GRAIN_MINUTE),
                   parse_ok("2026-05-21T10:38:00+08:00"));
  assert_int_equal(zz_bucket_next(parse_ok("2026-05-21T23:00:00+08:00"), ZZ_GRAIN_HOUR),
                   parse_ok("2026-05-22T00:00:00+08:00"));
  assert_int_equal(zz_bucket_start(-1, ZZ_GRAIN_MINUTE), -ZZ_MINUTE_MS);
  assert_int_equal(zz_bucket_start(-1, ZZ_GRAIN_HOUR), -ZZ_HOUR_MS);
}

static void test_bucket_month(void **state) {
  (void)state;
  int64_t jan = parse_ok("2026-01-01T00:00:00+08:00");
  assert_int_equal(zz_bucket_start(parse_ok("2026-01-31T23:30:00+08:00"), ZZ_GRAIN_MONTH), jan);
  assert_int_equal(zz_bucket_start(jan, ZZ_GRAIN_MONTH), jan);
  assert_int_equal(zz_bucket_start(jan - 1, ZZ_GRAIN_MONTH), parse_ok("2025-12-01"));
  /* 2026-03-01T03:00+08:00 is still February in UTC; the bucket is March. */
  assert_int_equal(zz_bucket_start(parse_ok("2026-02-28T19:00:00Z"), ZZ_GRAIN_MONTH),
                   parse_ok("2026-03-01T00:00:00+08:00"));
  assert_int_equal(zz_bucket_next(jan, ZZ_GRAIN_MONTH), parse_ok("2026-02-01"));
  assert_int_equal(zz_bucket_next(parse_ok("2026-02-01"), ZZ_GRAIN_MONTH), parse_ok("2026-03-01"));
  assert_int_equal(zz_bucket_next(parse_ok("2025-12-01"), ZZ_GRAIN_MONTH), jan);
  assert_int_equal(zz_bucket_next(parse_ok("2024-02-01"), ZZ_GRAIN_MONTH) - parse_ok("2024-02-01"),
                   29 * ZZ_DAY_MS);
  /* Walking a year of months lands on the next January. */
  int64_t b = jan;
  for (int i = 0; i < 12; i++) b = zz_bucket_next(b, ZZ_GRAIN_MONTH);
  assert_int_equal(b, parse_ok("2027-01-01"));
}

static void test_add_months_clamps(void **state) {
  (void)state;
  assert_int_equal(zz_time_add_months(parse_ok("2026-03-31T10:20:30.400+08:00"), -1),
                   parse_ok("2026-02-28T10:20:30.400+08:00"));
  assert_int_equal(zz_time_add_months(parse_ok("2024-03-31T10:00:00+08:00"), -1),
                   parse_ok("2024-02-29T10:00:00+08:00"));
  assert_int_equal(zz_time_add_months(parse_ok("2026-01-31"), 1), parse_ok("2026-02-28"));
  assert_int_equal(zz_time_add_months(parse_ok("2026-01-31"), 3), parse_ok("2026-04-30"));
  assert_int_equal(zz_time_add_months(parse_ok("2024-02-29"), 12), parse_ok("2025-02-28"));
  assert_int_equal(zz_time_add_months(parse_ok("2024-02-29"), 48), parse_ok("2028-02-29"));
  assert_int_equal(zz_time_add_months(parse_ok("2026-05-21"), -13), parse_ok("2025-04-21"));
  assert_int_equal(zz_time_add_months(parse_ok("2026-05-21"), 0), parse_ok("2026-05-21"));
  assert_int_equal(zz_time_add_months(parse_ok("2026-12-15"), 1), parse_ok("2027-01-15"));
  /* Local, not UTC: 2026-03-31T02:00+08:00 is March 30 in UTC. */
  assert_int_equal(zz_time_add_months(parse_ok("2026-03-31T02:00:00+08:00"), -1),
                   parse_ok("2026-02-28T02:00:00+08:00"));
}

static void test_civil(void **state) {
  (void)state;
  struct zz_civil c;
  zz_time_civil(parse_ok("2026-05-21T23:59:58.765+08:00"), &c);
  assert_int_equal(c.year, 2026);
  assert_int_equal(c.month, 5);
  assert_int_equal(c.day, 21);
  assert_int_equal(c.hour, 23);
  assert_int_equal(c.minute, 59);
  assert_int_equal(c.second, 58);
  assert_int_equal(c.msec, 765);
  assert_int_equal(c.wday, 4); /* Thursday */
  zz_time_civil(parse_ok("2026-05-24T00:00:00+08:00"), &c);
  assert_int_equal(c.wday, 0); /* Sunday */
  zz_time_civil(-1, &c);
  assert_int_equal(c.year, 1970);
  assert_int_equal(c.hour, 7);
  assert_int_equal(c.msec, 999);
  assert_int_equal(c.wday, 4);
  assert_int_equal(zz_time_from_civil(2026, 5, 21, 8, 0, 0), T_20260521);
  /* Fields beyond range are normalised. */
  assert_int_equal(zz_time_from_civil(2025, 13, 1, 0, 0, 0), parse_ok("2026-01-01"));
  assert_int_equal(zz_time_from_civil(2026, 0, 1, 0, 0, 0), parse_ok("2025-12-01"));
  assert_int_equal(zz_time_from_civil(2026, 3, 0, 0, 0, 0), parse_ok("2026-02-28"));
  assert_int_equal(zz_time_from_civil(2026, 5, 20, 24, 0, 0), parse_ok("2026-05-21"));
  assert_int_equal(zz_time_from_civil(2026, 5, 21, 7, 60, 0), T_20260521);
  assert_int_equal(zz_time_from_civil(2026, 5, 21, 8, 0, -1), T_20260521 - 1000);
}

static void test_extremes_do_not_overflow(void **state) {
  (void)state;
  /* Nonsense, but defined: these run under UBSan. */
  static const int64_t v[] = {INT64_MIN, INT64_MIN + 1, -1, 0, INT64_MAX - 1, INT64_MAX};
  char out[32];
  for (size_t i = 0; i < ZZ_ARRAY_LEN(v); i++) {
    struct zz_civil c;
    zz_time_civil(v[i], &c);
    zz_time_format(v[i], out);
    assert_true(strlen(out) < 32);
    for (int g = ZZ_GRAIN_MINUTE; g <= ZZ_GRAIN_MONTH; g++)
      zz_bucket_next(zz_bucket_start(v[i], (enum zz_grain)g), (enum zz_grain)g);
    zz_time_add_months(v[i], 1);
    zz_time_add_months(v[i], -1);
  }
  zz_time_from_civil(2147483647, 2147483647, 2147483647, 2147483647, 2147483647, 2147483647);
  zz_time_from_civil(-2147483647 - 1, -2147483647 - 1, -2147483647 - 1, 0, 0, 0);
  zz_time_add_months(0, 2147483647);
  zz_time_add_months(0, -2147483647 - 1);
}

static void test_now_pinning(void **state) {
  (void)state;
  int64_t real = zz_time_now();
  assert_true(real > parse_ok("2024-01-01"));
  zz_time_set_now(T_20260521);
  assert_int_equal(zz_time_now(), T_20260521);
  assert_int_equal(zz_time_now(), T_20260521);
  zz_time_set_now(0);
  assert_true(zz_time_now() >= real);
}

static void test_grains(void **state) {
  (void)state;
  static const struct {
    const char *name;
    enum zz_grain g;
  } grains[] = {{"minute", ZZ_GRAIN_MINUTE},
                {"hour", ZZ_GRAIN_HOUR},
                {"day", ZZ_GRAIN_DAY},
                {"month", ZZ_GRAIN_MONTH}};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(grains); i++) {
    enum zz_grain g = 0;
    assert_int_equal(zz_grain_parse(grains[i].name, &g), 0);
    assert_int_equal(g, grains[i].g);
    assert_string_equal(zz_grain_name(g), grains[i].name);
  }
  enum zz_grain g = ZZ_GRAIN_DAY;
  assert_int_equal(zz_grain_parse("week", &g), ZZ_EINVAL);
  assert_int_equal(zz_grain_parse("Day", &g), ZZ_EINVAL);
  assert_int_equal(zz_grain_parse("", &g), ZZ_EINVAL);
  assert_int_equal(zz_grain_parse(NULL, &g), ZZ_EINVAL);
  assert_int_equal(g, ZZ_GRAIN_DAY);
  assert_string_equal(zz_grain_name((enum zz_grain)0), "unknown");
  assert_string_equal(zz_grain_name((enum zz_grain)9), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_format_round_trip),
      cmocka_unit_test(test_parse_offsets),
      cmocka_unit_test(test_parse_epoch_ms),
      cmocka_unit_test(test_leap_years),
      cmocka_unit_test(test_bad_inputs_rejected),
      cmocka_unit_test(test_bucket_day_starts_at_local_midnight),
      cmocka_unit_test(test_bucket_minute_hour),
      cmocka_unit_test(test_bucket_month),
      cmocka_unit_test(test_add_months_clamps),
      cmocka_unit_test(test_civil),
      cmocka_unit_test(test_extremes_do_not_overflow),
      cmocka_unit_test(test_now_pinning),
      cmocka_unit_test(test_grains),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
