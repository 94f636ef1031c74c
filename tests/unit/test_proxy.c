/* test_proxy.c - src/http/proxy.c: CIDR ranges, the client address taken
 * from X-Forwarded-For behind trusted proxies, and the authority pieces the
 * CSRF rule compares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "core/zz.h"
#include "http/proxy.h"

static void test_cidr(void **state) {
  (void)state;
  struct http_cidr c;
  assert_int_equal(http_cidr_parse("10.0.0.0/8", &c), 0);
  assert_int_equal(c.family, AF_INET);
  assert_int_equal(c.bits, 8);
  assert_int_equal(http_cidr_parse("192.168.1.10", &c), 0);
  assert_int_equal(c.bits, 32);
  assert_int_equal(http_cidr_parse("fd00::/8", &c), 0);
  assert_int_equal(c.family, AF_INET6);
  assert_int_equal(http_cidr_parse("::1", &c), 0);
  assert_int_equal(c.bits, 128);
  const char *bad[] = {"",        "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "nginx", "10.0.0.0/8x",
                       "::1/129", "1.2.3.4/-1",  NULL};
  for (int i = 0; bad[i]; i++)
    if (http_cidr_parse(bad[i], &c) != ZZ_EINVAL) fail_msg("\"%s\" was accepted", bad[i]);
  assert_int_equal(http_cidr_parse(NULL, &c), ZZ_EINVAL);

  struct http_cidr list[2];
  assert_int_equal(http_cidr_parse("10.1.0.0/16", &list[0]), 0);
  assert_int_equal(http_cidr_parse("172.16.0.0/12", &list[1]), 0);
  int fam;
  unsigned char a[16];
  const struct {
    const char *addr;
    int in;
  } cases[] = {{"10.1.200.3", 1}, {"10.2.0.1", 0},  {"172.31.255.255", 1},
               {"172.32.0.0", 0}, {"127.0.0.1", 0}, {"::ffff:10.1.0.1", 0}};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(cases); i++) {
    assert_int_equal(http_addr_parse(cases[i].addr, strlen(cases[i].addr), &fam, a), 0);
    if (http_cidr_contains(list, 2, fam, a) != cases[i].in)
      fail_msg("%s: expected %d", cases[i].addr, cases[i].in);
  }
  assert_int_equal(http_cidr_contains(list, 0, AF_INET, a), 0);
}

static void test_forwarded_client(void **state) {
  (void)state;
  struct http_cidr t[2];
  assert_int_equal(http_cidr_parse("127.0.0.1", &t[0]), 0);
  assert_int_equal(http_cidr_parse("10.0.0.0/8", &t[1]), 0);
  char out[64];
  /* the rightmost untrusted address: what the client put first is ignored */
  assert_int_equal(http_forwarded_client("6.6.6.6, 203.0.113.9, 10.0.0.2", t, 2, out, sizeof out),
                   1);
  assert_string_equal(out, "203.0.113.9");
  assert_int_equal(http_forwarded_client("203.0.113.9", t, 2, out, sizeof out), 1);
  assert_string_equal(out, "203.0.113.9");
  /* all trusted: the leftmost */
  assert_int_equal(http_forwarded_client("10.9.9.9,127.0.0.1", t, 2, out, sizeof out), 1);
  assert_string_equal(out, "10.9.9.9");
  /* IPv6, normalised */
  assert_int_equal(http_forwarded_client("2001:DB8::0001 ", t, 2, out, sizeof out), 1);
  assert_string_equal(out, "2001:db8::1");
  /* empty items are skipped; nothing usable leaves out alone */
  assert_int_equal(http_forwarded_client(" , 198.51.100.7 ,, ", t, 2, out, sizeof out), 1);
  assert_string_equal(out, "198.51.100.7");
  zz_strlcpy(out, "keep", sizeof out);
  assert_int_equal(http_forwarded_client("", t, 2, out, sizeof out), 0);
  assert_string_equal(out, "keep");
  assert_int_equal(http_forwarded_client(NULL, t, 2, out, sizeof out), 0);
  /* a malformed entry before any untrusted one stops the walk */
  assert_int_equal(http_forwarded_client("1.2.3.4, evil", t, 2, out, sizeof out), 0);
  assert_int_equal(http_forwarded_client("evil, 10.0.0.3", t, 2, out, sizeof out), 1);
  assert_string_equal(out, "10.0.0.3"); /* the last trusted hop, written before */
  assert_int_equal(http_forwarded_client("1.2.3.4:5678", t, 2, out, sizeof out), 0);
}

static void test_tokens_and_authority(void **state) {
  (void)state;
  char out[64];
  assert_int_equal(http_last_token("https", out, sizeof out), 5);
  assert_string_equal(out, "https");
  assert_int_equal(http_last_token("https, http ", out, sizeof out), 4);
  assert_string_equal(out, "http");
  assert_int_equal(http_last_token(NULL, out, sizeof out), 0);
  assert_int_equal(http_last_token("a,", out, sizeof out), 0);

  int d = 0;
  assert_int_equal(http_url_authority("https://Zz.Example.org:8443/x?y", out, sizeof out, &d), 0);
  assert_string_equal(out, "Zz.Example.org:8443");
  assert_int_equal(d, 443);
  assert_int_equal(http_url_authority("http://127.0.0.1:8080", out, sizeof out, &d), 0);
  assert_string_equal(out, "127.0.0.1:8080");
  assert_int_equal(d, 80);
  assert_int_equal(http_url_authority("null", out, sizeof out, &d), -1);
  assert_int_equal(http_url_authority("ftp://x", out, sizeof out, &d), -1);
  assert_int_equal(http_url_authority("https://user@evil.org", out, sizeof out, &d), -1);
  assert_int_equal(http_url_authority("https:///path", out, sizeof out, &d), -1);

  assert_true(http_authority_same("example.org", "EXAMPLE.org:443", 443));
  assert_true(http_authority_same("127.0.0.1:8080", "127.0.0.1:8080", 80));
  assert_false(http_authority_same("127.0.0.1:8080", "127.0.0.1:8081", 80));
  assert_false(http_authority_same("example.org", "example.org:80", 443));
  assert_false(http_authority_same("evil.example.org", "example.org", 443));
  assert_false(http_authority_same("example.org.evil", "example.org", 443));
  assert_true(http_authority_same("[::1]:8080", "[::1]:8080", 80));
  assert_false(http_authority_same("[::1]:8080", "[::1]:8081", 80));
  assert_false(http_authority_same(NULL, "x", 80));
}

static void test_limit_key(void **state) {
  (void)state;
  char out[64];
  static const struct {
    const char *in, *key;
  } cases[] = {
      {"203.0.113.9", "203.0.113.9"},
      /* every address of one /64 is one client for the limits */
      {"2001:db8:1:2::1", "2001:db8:1:2::/64"},
      {"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
      {"2001:db8:1:3::1", "2001:db8:1:3::/64"},
      {"::1", "::/64"},
      {"::ffff:198.51.100.7", "198.51.100.7"},
      {"not an address", "not an address"},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(cases); i++) {
    http_addr_limit_key(cases[i].in, out, sizeof out);
    if (strcmp(out, cases[i].key) != 0)
      fail_msg("%s: %s, expected %s", cases[i].in, out, cases[i].key);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cidr),
      cmocka_unit_test(test_forwarded_client),
      cmocka_unit_test(test_tokens_and_authority),
      cmocka_unit_test(test_limit_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
