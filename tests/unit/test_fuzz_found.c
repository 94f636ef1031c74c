/* test_fuzz_found.c - regressions for what the fuzz targets of tests/fuzz/
 * found (issue 10, item 16): each test is the smallest input that crashed
 * or broke an invariant, run through the code the fix changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/zz.h"
#include "core/ztime.h"
#include "http/route_match.h"
#include "rules/rule_def.h"

#include <jansson.h>

/* fuzz_rule: a rule's value of 1.7976931348623157e308 was converted to long
 * long before its range was checked (undefined behaviour, an abort under
 * UBSan) when the rule was written back as JSON. */
static void test_json_num_beyond_long_long(void **state) {
  const double vs[] = {1.7976931348623157e308, -1.7976931348623157e308, 9.3e18, -9.3e18, 1e300};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(vs); i++) {
    struct zz_buf b;
    zz_buf_init(&b, 0);
    assert_int_equal(zz_buf_json_num(&b, vs[i]), 0);
    assert_non_null(b.data);
    assert_true(strchr(b.data, 'e') != NULL); /* not printed as an integer */
    zz_buf_free(&b);
  }
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_json_num(&b, 8999999999999999.0);
  assert_string_equal(b.data, "8999999999999999");
  zz_buf_free(&b);
}

/* fuzz_route: a pattern whose "*" came after HTTP_MAX_PARAMS captures wrote
 * past the captures' arrays. (The route table has no such pattern; the
 * matcher no longer trusts that.) */
static void test_route_star_after_full_captures(void **state) {
  char names[HTTP_MAX_PARAMS][HTTP_PARAM_NAME];
  char *vals[HTTP_MAX_PARAMS];
  const char *cases[][2] = {{"/:a/:b/:c/:d/:e/:f/:g/:h/*", "/1/2/3/4/5/6/7/8/9"},
                            {"/:a/:b/:c/:d/:e/:f/:g/:h/*", "/1/2/3/4/5/6/7/8/"}};
  for (size_t c = 0; c < ZZ_ARRAY_LEN(cases); c++) {
    int n = 0;
    assert_int_equal(http_route_match(cases[c][0], cases[c][1], names, vals, &n), 0);
    assert_int_equal(n, HTTP_MAX_PARAMS);
    for (int i = 0; i < n; i++) zz_free(vals[i]);
  }
  /* and what the table does use still matches */
  int n = 0;
  assert_int_equal(
      http_route_match("/api/v1/regions/*", "/api/v1/regions/gongshu/dongxin", names, vals, &n), 1);
  assert_int_equal(n, 1);
  assert_string_equal(names[0], "*");
  assert_string_equal(vals[0], "gongshu/dongxin");
  zz_free(vals[0]);
  n = 0;
  assert_int_equal(
      http_route_match("/api/v1/orders/:id/rate", "/api/v1/orders/12/rate", names, vals, &n), 1);
  assert_int_equal(n, 1);
  assert_string_equal(names[0], "id");
  assert_string_equal(vals[0], "12");
  zz_free(vals[0]);
  n = 0;
  assert_int_equal(
      http_route_match("/api/v1/orders/:id/rate", "/api/v1/orders//rate", names, vals, &n), 0);
  for (int i = 0; i < n; i++) zz_free(vals[i]);
}

/* fuzz_rule: a rule whose limit was 1.7976931348623157e308 was accepted,
 * but rule_to_json wrote it so that it no longer parsed (a stored rule the
 * engine could not read back). Rule numbers are now capped at 1e15, and a
 * rule at the cap round-trips. */
static void test_rule_numbers_capped(void **state) {
  const char *tmpl = "{\"id\":\"r\",\"name_zh\":\"r\",\"name_en\":\"r\",\"kind\":\"threshold\","
                     "\"metric\":\"pm10\",\"severity\":\"major\",\"condition\":{\"op\":\"above\","
                     "\"value\":%s,\"for_minutes\":15},\"hysteresis\":%s}";
  const char *bad[][2] = {{"1.7976931348623157e308", "0"}, {"-1e16", "0"}, {"1", "2e15"}};
  char text[512];
  struct rule_def d, back;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++) {
    snprintf(text, sizeof text, tmpl, bad[i][0], bad[i][1]);
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    struct zz_err e = {0};
    assert_int_equal(rule_parse(j, &d, &e), ZZ_EINVAL);
    assert_string_equal(e.field, i == 2 ? "hysteresis" : "condition.value");
    json_decref(j);
  }
  snprintf(text, sizeof text, tmpl, "-1e15", "1e15");
  json_t *j = json_loads(text, 0, NULL);
  struct zz_err e = {0};
  assert_int_equal(rule_parse(j, &d, &e), 0);
  json_decref(j);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  assert_int_equal(rule_to_json(&d, &b), 0);
  j = json_loads(b.data, 0, NULL);
  assert_non_null(j);
  assert_int_equal(rule_parse(j, &back, &e), 0);
  assert_true(back.value == -1e15 && back.hysteresis == 1e15);
  json_decref(j);
  zz_buf_free(&b);
}

/* time ranges (seen while writing fuzz_time, confirmed on the ASan server):
 * "?to=-9223372036854775808" (epoch milliseconds) made api_range compute
 * to - span, a signed overflow (an abort under UBSan: any signed-in user
 * could stop the server). Ends outside the years 0000-9999 are now refused
 * before any arithmetic. */
static void test_range_ends_outside_the_years(void **state) {
  int64_t now = 1779321600000LL, f, t;
  const int64_t bad[] = {INT64_MIN, INT64_MIN + 1, ZZ_TIME_MIN_MS - 1, ZZ_TIME_MAX_MS + 1,
                         INT64_MAX};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++) {
    struct zz_err e = {0};
    assert_int_equal(zz_time_range(NULL, &bad[i], now, ZZ_DAY_MS, &f, &t, &e), ZZ_EINVAL);
    assert_string_equal(e.field, "to");
    assert_int_equal(zz_time_range(&bad[i], NULL, now, ZZ_DAY_MS, &f, &t, &e), ZZ_EINVAL);
    assert_string_equal(e.field, "from");
  }
  struct zz_err e = {0};
  int64_t lo = ZZ_TIME_MIN_MS + 1000;
  assert_int_equal(zz_time_range(NULL, &lo, now, 365 * ZZ_DAY_MS, &f, &t, &e), 0);
  assert_true(f == ZZ_TIME_MIN_MS && t == lo); /* the default span stops at year 0000 */
  assert_int_equal(zz_time_range(NULL, NULL, now, ZZ_DAY_MS, &f, &t, &e), 0);
  assert_true(f == now - ZZ_DAY_MS && t == now);
  assert_int_equal(zz_time_range(&now, &now, now, ZZ_DAY_MS, &f, &t, &e), ZZ_EINVAL);
  assert_string_equal(e.msg, "from must be before to");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_num_beyond_long_long),
      cmocka_unit_test(test_route_star_after_full_captures),
      cmocka_unit_test(test_rule_numbers_capped),
      cmocka_unit_test(test_range_ends_outside_the_years),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
