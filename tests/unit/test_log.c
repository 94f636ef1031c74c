/* test_log.c - the logger's line formats (src/core/log.c) and the metric
 * histograms (src/core/metrics.c): what a log shipper and Prometheus read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/metrics.h"
#include "support.h"

/* 2021-05-21T08:00:00.123+08:00 */
#define T_MS (1621555200000LL + 123)

static void test_json_line(void **state) {
  (void)state;
  char out[512];
  struct log_field f[] = {LOG_S("user", "张三 \"q\"\\\n"), LOG_I("status", 404), LOG_D("ms", 1.5),
                          LOG_S("none", NULL)};
  size_t n = log_format_line(out, sizeof out, LOG_JSON, T_MS, ZZ_LOG_WARN, "request", f, 4);
  assert_int_equal(n, strlen(out));
  assert_string_equal(out, "{\"time\":\"2021-05-21T08:00:00.123+08:00\",\"level\":\"warn\","
                           "\"msg\":\"request\",\"user\":\"张三 \\\"q\\\"\\\\\\n\","
                           "\"status\":404,\"ms\":1.500,\"none\":\"\"}\n");
}

static void test_logfmt_line(void **state) {
  (void)state;
  char out[512];
  struct log_field f[] = {LOG_S("route", "/api/v1/orders/:id"), LOG_S("msg2", "a b=c"),
                          LOG_S("empty", ""), LOG_I("bytes", 0)};
  log_format_line(out, sizeof out, LOG_LOGFMT, T_MS, ZZ_LOG_INFO, "hello world", f, 4);
  assert_string_equal(out, "time=2021-05-21T08:00:00.123+08:00 level=info msg=\"hello world\" "
                           "route=/api/v1/orders/:id msg2=\"a b=c\" empty=\"\" bytes=0\n");
}

/* A line over the cap is cut, and a JSON one still closes: every cut
 * length, including ones that fall inside an escape or a UTF-8 letter. */
static void test_cut_json_still_closes(void **state) {
  (void)state;
  char big[600];
  for (size_t i = 0; i + 3 < sizeof big; i += 3) memcpy(big + i, i % 2 ? "\\\"x" : "中", 3);
  big[sizeof big - 1] = '\0';
  big[597] = big[598] = 'x';
  for (size_t cap = 120; cap < 400; cap++) {
    char out[400];
    struct log_field f[] = {LOG_S("v", big)};
    size_t n = log_format_line(out, cap, LOG_JSON, T_MS, ZZ_LOG_INFO, "m", f, 1);
    assert_true(n < cap);
    assert_string_equal(out + n - 14, "\",\"cut\":true}\n");
    /* the cut kept no half escape: the backslashes before the quote pair up */
    size_t bs = 0;
    while (out[n - 15 - bs] == '\\') bs++;
    assert_int_equal(bs % 2, 0);
    /* nor half a letter */
    assert_false(((unsigned char)out[n - 15] & 0xc0) == 0xc0);
  }
}

static void test_parse(void **state) {
  (void)state;
  enum log_format f;
  enum zz_log_level l;
  assert_int_equal(log_format_parse("json", &f), 0);
  assert_int_equal(f, LOG_JSON);
  assert_int_equal(log_format_parse("xml", &f), ZZ_EINVAL);
  assert_int_equal(log_level_parse("warn", &l), 0);
  assert_int_equal(l, ZZ_LOG_WARN);
  assert_int_equal(log_level_parse("loud", &l), ZZ_EINVAL);
}

static void test_histogram(void **state) {
  (void)state;
  static struct zz_hist h;
  zz_hist_observe(&h, 500);      /* 0.5 ms: first bucket */
  zz_hist_observe(&h, 30000);    /* 30 ms: le 0.05 */
  zz_hist_observe(&h, 60000000); /* 60 s: +Inf only */
  assert_int_equal(zz_hist_count(&h), 3);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_hist_write(&b, &h, "x_seconds", "route=\"/a\"");
  zz_buf_addc(&b, '\0');
  assert_non_null(strstr(b.data, "x_seconds_bucket{route=\"/a\",le=\"0.001\"} 1\n"));
  assert_non_null(strstr(b.data, "x_seconds_bucket{route=\"/a\",le=\"0.025\"} 1\n"));
  assert_non_null(strstr(b.data, "x_seconds_bucket{route=\"/a\",le=\"0.05\"} 2\n"));
  assert_non_null(strstr(b.data, "x_seconds_bucket{route=\"/a\",le=\"10\"} 2\n"));
  assert_non_null(strstr(b.data, "x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"));
  assert_non_null(strstr(b.data, "x_seconds_sum{route=\"/a\"} 60.030500\n"));
  assert_non_null(strstr(b.data, "x_seconds_count{route=\"/a\"} 3\n"));
  zz_buf_free(&b);
  zz_buf_init(&b, 0);
  zz_metrics_label(&b, "a\"b\\c\nd");
  zz_buf_addc(&b, '\0');
  assert_string_equal(b.data, "a\\\"b\\\\c\\nd");
  zz_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_line),
      cmocka_unit_test(test_logfmt_line),
      cmocka_unit_test(test_cut_json_still_closes),
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_histogram),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
