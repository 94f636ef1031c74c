/* test_config.c - unit tests for src/core/config.c: the key = value lines
 * of /etc/zhizhi/zhizhi.conf (comments, blanks, quotes, repeated keys, CRLF),
 * every refusal naming its line, the caps, allocation failure, and the
 * closest-key suggestion for a typo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/zz.h"

static int parse(const char *text, struct zz_conf *c, struct zz_err *e) {
  memset(e, 0, sizeof *e);
  return zz_conf_parse(text, strlen(text), c, e);
}

static void test_lines(void **state) {
  (void)state;
  struct zz_conf c;
  struct zz_err e;
  const char *text = "# zhizhi\n"
                     "\n"
                     "listen = 127.0.0.1:8080\n"
                     "   data=/var/lib/zhizhi   # where the store lives\n"
                     "\tsync\t=\tfull\r\n"
                     "public-url = \"https://zz.example.org/#x\"  # quoted keeps #\n"
                     "trusted-proxy = 10.0.0.1/32\n"
                     "trusted-proxy = 127.0.0.1\n"
                     "web = /srv/a#b\n"
                     "empty =\n"
                     "none = # a comment only\n"
                     "last = no newline";
  assert_int_equal(parse(text, &c, &e), 0);
  assert_int_equal(c.n, 10);
  assert_string_equal(c.v[0].key, "listen");
  assert_string_equal(c.v[0].value, "127.0.0.1:8080");
  assert_int_equal(c.v[0].line, 3);
  assert_string_equal(c.v[1].key, "data");
  assert_string_equal(c.v[1].value, "/var/lib/zhizhi");
  assert_int_equal(c.v[1].line, 4);
  assert_string_equal(c.v[2].value, "full");
  assert_string_equal(c.v[3].value, "https://zz.example.org/#x");
  assert_string_equal(c.v[4].key, "trusted-proxy"); /* repeats kept, in order */
  assert_string_equal(c.v[5].value, "127.0.0.1");
  assert_string_equal(c.v[6].value, "/srv/a#b"); /* # inside a word is no comment */
  assert_string_equal(c.v[7].value, "");
  assert_string_equal(c.v[8].value, "");
  assert_string_equal(c.v[9].value, "no newline");
  assert_int_equal(c.v[9].line, 12);
  zz_conf_free(&c);
  assert_int_equal(parse("", &c, &e), 0);
  assert_int_equal(c.n, 0);
  zz_conf_free(&c);
}

static void test_refusals_name_the_line(void **state) {
  (void)state;
  static const struct {
    const char *text, *msg;
  } bad[] = {
      {"listen = 1\nlisten 127.0.0.1:80\n", "line 2: expected key = value"},
      {"= x\n", "line 1: expected key = value"},
      {"Listen = x\n", "line 1: expected key = value"},
      {"a\n\nlis_ten = x\n", "line 1: expected key = value"},
      {"\n\nweb = \"/srv\n", "line 3: the quoted value has no end"},
      {"web = \"/srv\" x\n", "line 1: text after the quoted value"},
      {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1\n",
       "line 1: the key is longer than 63"},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++) {
    struct zz_conf c;
    struct zz_err e;
    assert_int_equal(parse(bad[i].text, &c, &e), ZZ_EINVAL);
    assert_non_null(strstr(e.msg, bad[i].msg));
    assert_string_not_equal(e.msg_zh, e.msg); /* the catalog has its Chinese */
    assert_null(c.v);
    assert_int_equal(c.n, 0);
  }
}

static void test_caps(void **state) {
  (void)state;
  struct zz_conf c;
  struct zz_err e = {0};
  assert_int_equal(zz_conf_parse("a = 1\0b = 2", 11, &c, &e), ZZ_EINVAL);
  assert_non_null(strstr(e.msg, "NUL"));
  static char big[ZZ_CONF_MAX_BYTES + 2];
  memset(big, '#', sizeof big);
  assert_int_equal(zz_conf_parse(big, ZZ_CONF_MAX_BYTES + 1, &c, &e), ZZ_ETOOBIG);
  assert_int_equal(zz_conf_parse(big, ZZ_CONF_MAX_BYTES, &c, &e), ZZ_EINVAL); /* one long line */
  assert_non_null(strstr(e.msg, "line 1: longer than"));
  char many[ZZ_CONF_MAX_ENTRIES * 8 + 16] = "";
  size_t n = 0;
  for (int i = 0; i <= ZZ_CONF_MAX_ENTRIES; i++)
    n += (size_t)snprintf(many + n, 8, "k = %d\n", i % 10);
  assert_int_equal(zz_conf_parse(many, n, &c, &e), ZZ_EINVAL);
  assert_non_null(strstr(e.msg, "line 257: more than 256 settings"));
  assert_int_equal(zz_conf_parse(many, n - 6, &c, &e), 0); /* exactly 256 */
  assert_int_equal(c.n, ZZ_CONF_MAX_ENTRIES);
  zz_conf_free(&c);
}

static void test_alloc_failure(void **state) {
  (void)state;
  for (long k = 1; k <= 2; k++) {
    struct zz_conf c;
    struct zz_err e = {0};
    zz_alloc_fail_after(k);
    int rc = zz_conf_parse("a = 1\n", 6, &c, &e);
    zz_alloc_fail_after(0);
    assert_int_equal(rc, ZZ_ENOMEM);
    assert_null(c.v);
    assert_null(c.mem);
  }
}

static void test_closest(void **state) {
  (void)state;
  const char *names[] = {
      "data", "listen",        "threads",    "body-cap",         "web",
      "sync", "trusted-proxy", "public-url", "max-conns-per-ip", "header-timeout"};
  size_t n = ZZ_ARRAY_LEN(names);
  assert_string_equal(zz_conf_closest("lisen", names, n), "listen");
  assert_string_equal(zz_conf_closest("thread", names, n), "threads");
  assert_string_equal(zz_conf_closest("trusted-proxies", names, n), "trusted-proxy");
  assert_string_equal(zz_conf_closest("bodycap", names, n), "body-cap");
  assert_string_equal(zz_conf_closest("dta", names, n), "data");
  assert_null(zz_conf_closest("frobnicate", names, n));
  assert_null(zz_conf_closest("x", names, 0));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lines),   cmocka_unit_test(test_refusals_name_the_line),
      cmocka_unit_test(test_caps),    cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_closest),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
