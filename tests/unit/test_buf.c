/* test_buf.c - unit tests for src/core/buf.c: the JSON number writer (every
 * finite double reads back with the same bits, in the shortest such text,
 * non-finite values as null), the JSON string escaper, the hard cap, and the
 * sticky failure: the first failed append frees the contents and every later
 * append fails the same way, so the HTTP layer answers an error instead of
 * sending a truncated body (checked through a real server on loopback). */
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

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/zz.h"
#include "http/http.h"

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

/* ---- JSON strings ---- */

static void json_str_is(const char *s, size_t n, const char *want) {
  struct zz_buf b;
  zz_buf_init(&b, 0);
  assert_int_equal(zz_buf_json_strn(&b, s, n), 0);
  assert_int_equal(b.len, strlen(want));
  assert_memory_equal(b.data, want, b.len);
  assert_int_equal(b.data[b.len], 0);
  zz_buf_free(&b);
}

static void test_json_escaping(void **state) {
  (void)state;
  json_str_is("", 0, "\"\"");
  json_str_is("plain", 5, "\"plain\"");
  json_str_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
  json_str_is("\n\r\t", 3, "\"\\n\\r\\t\"");
  json_str_is("\b\f", 2, "\"\\u0008\\u000c\"");
  json_str_is("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\""); /* DEL is legal JSON */
  json_str_is("a\0b", 3, "\"a\\u0000b\"");                  /* an embedded NUL */
  json_str_is("/", 1, "\"/\"");
  /* UTF-8 passes through as it is, U+2028/U+2029 included (valid JSON) */
  json_str_is("\xe6\x8b\xb1\xe5\xa2\x85", 6, "\"\xe6\x8b\xb1\xe5\xa2\x85\"");
  json_str_is("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\xe2\x80\xa8\xe2\x80\xa9\"");
  /* invalid UTF-8 is not repaired: the byte goes out as it came (callers
   * check encodings where input enters) */
  json_str_is("\xff\xc3", 2, "\"\xff\xc3\"");
  struct zz_buf b;
  zz_buf_init(&b, 0);
  assert_int_equal(zz_buf_json_str(&b, NULL), 0);
  assert_string_equal(b.data, "null");
  zz_buf_free(&b);
}

/* Every byte from 0 to 127 escaped in one string reads back through jansson
 * as the same string. */
static void test_json_round_trip(void **state) {
  (void)state;
  char all[128];
  for (int i = 0; i < 128; i++) all[i] = (char)i;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  assert_int_equal(zz_buf_json_strn(&b, all, sizeof all), 0);
  json_error_t je;
  json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
  if (!j) fail_msg("not JSON: %s", je.text);
  assert_int_equal(json_string_length(j), sizeof all);
  assert_memory_equal(json_string_value(j), all, sizeof all);
  json_decref(j);
  zz_buf_free(&b);
}

static void test_printf_and_add(void **state) {
  (void)state;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  char *empty = zz_buf_steal(&b, NULL); /* "" for an empty buffer */
  assert_string_equal(empty, "");
  zz_free(empty);
  char big[1000];
  memset(big, 'x', sizeof big);
  assert_int_equal(zz_buf_printf(&b, "%d-%s-%.*s", 42, "ab", (int)sizeof big, big), 0);
  assert_int_equal(b.len, 6 + sizeof big); /* past the 256-byte fast path */
  assert_memory_equal(b.data, "42-ab-", 6);
  assert_int_equal(b.data[b.len], 0);
  zz_buf_truncate(&b, 2);
  assert_string_equal(b.data, "42");
  zz_buf_truncate(&b, 10); /* longer than len: nothing */
  assert_string_equal(b.data, "42");
  struct zz_buf c;
  zz_buf_init(&c, 0);
  zz_buf_adds(&c, "[");
  assert_int_equal(zz_buf_addbuf(&c, &b), 0);
  zz_buf_addc(&c, ']');
  assert_string_equal(c.data, "[42]");
  size_t len = 0;
  char *p = zz_buf_steal(&c, &len);
  assert_string_equal(p, "[42]");
  assert_int_equal(len, 4);
  assert_null(c.data);
  zz_free(p);
  zz_buf_free(&b);
}

/* ---- the cap and the sticky failure ---- */

static void test_cap(void **state) {
  (void)state;
  struct zz_buf b;
  zz_buf_init(&b, 8);
  assert_int_equal(zz_buf_adds(&b, "12345678"), 0); /* exactly the cap */
  assert_int_equal(b.len, 8);
  assert_int_equal(zz_buf_error(&b), 0);
  assert_int_equal(zz_buf_addc(&b, '9'), ZZ_ETOOBIG);
  /* failed: the contents are gone and it stays failed */
  assert_int_equal(zz_buf_error(&b), ZZ_ETOOBIG);
  assert_null(b.data);
  assert_int_equal(b.len, 0);
  assert_int_equal(zz_buf_adds(&b, ""), ZZ_ETOOBIG);
  assert_int_equal(zz_buf_addc(&b, 'x'), ZZ_ETOOBIG); /* would fit now: still fails */
  assert_int_equal(zz_buf_printf(&b, "%d", 1), ZZ_ETOOBIG);
  assert_int_equal(zz_buf_json_str(&b, "a"), ZZ_ETOOBIG);
  assert_int_equal(zz_buf_json_num(&b, 1.5), ZZ_ETOOBIG);
  zz_buf_truncate(&b, 0);
  assert_null(b.data);
  size_t len = 99;
  assert_null(zz_buf_steal(&b, &len));
  assert_int_equal(len, 0);
  assert_int_equal(zz_buf_error(&b), ZZ_ETOOBIG);
  /* a failed source fails whoever copies it */
  struct zz_buf c;
  zz_buf_init(&c, 0);
  zz_buf_adds(&c, "{");
  assert_int_equal(zz_buf_addbuf(&c, &b), ZZ_ETOOBIG);
  assert_int_equal(zz_buf_error(&c), ZZ_ETOOBIG);
  assert_null(c.data);
  zz_buf_free(&c);
  /* reset and free make it work again */
  zz_buf_reset(&b);
  assert_int_equal(zz_buf_error(&b), 0);
  assert_int_equal(zz_buf_adds(&b, "ok"), 0);
  assert_string_equal(b.data, "ok");
  zz_buf_free(&b);
  assert_int_equal(zz_buf_addc(&b, 'y'), 0);
  zz_buf_free(&b);
  /* a string's escapes count against the cap too */
  zz_buf_init(&b, 10);
  assert_int_equal(zz_buf_json_str(&b, "\n\n\n\n"), 0); /* 10 bytes */
  assert_int_equal(zz_buf_error(&b), 0);
  zz_buf_reset(&b);
  assert_int_equal(zz_buf_json_str(&b, "\n\n\n\n\n"), ZZ_ETOOBIG);
  zz_buf_free(&b);
}

/* The cap's edges: the default of 1 GiB, sizes that would wrap around,
 * room made by truncating, an escape that crosses the cap midway. */
static void test_cap_edges(void **state) {
  (void)state;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  assert_int_equal(b.limit, (size_t)1 << 30);
  /* refused before anything is read or allocated */
  assert_int_equal(zz_buf_add(&b, "", ((size_t)1 << 30) + 1), ZZ_ETOOBIG);
  assert_null(b.data);
  zz_buf_reset(&b);
  assert_int_equal(zz_buf_adds(&b, "ab"), 0);
  assert_int_equal(zz_buf_add(&b, "", SIZE_MAX), ZZ_ETOOBIG); /* len + n would wrap */
  assert_int_equal(zz_buf_add(&b, "", SIZE_MAX - 1), ZZ_ETOOBIG);
  assert_null(b.data);
  zz_buf_free(&b);
  /* an empty append makes an empty string, not NULL */
  assert_int_equal(zz_buf_add(&b, NULL, 0), 0);
  assert_non_null(b.data);
  assert_string_equal(b.data, "");
  zz_buf_free(&b);
  /* truncating makes room under the cap again */
  zz_buf_init(&b, 6);
  assert_int_equal(zz_buf_adds(&b, "[1,2,"), 0);
  zz_buf_truncate(&b, 4);
  assert_int_equal(zz_buf_adds(&b, "]!"), 0);
  assert_string_equal(b.data, "[1,2]!");
  assert_int_equal(zz_buf_addc(&b, ' '), ZZ_ETOOBIG);
  zz_buf_free(&b);
  /* an escape that does not fit leaves no half string behind: all is gone */
  zz_buf_init(&b, 12);
  assert_int_equal(zz_buf_adds(&b, "{\"k\":"), 0);
  assert_int_equal(zz_buf_json_str(&b, "ab\x01"), ZZ_ETOOBIG); /* needs 10 more */
  assert_null(b.data);
  assert_int_equal(b.len, 0);
  assert_int_equal(zz_buf_adds(&b, "}"), ZZ_ETOOBIG);
  zz_buf_free(&b);
  /* a number too, and a copy of a working buffer into a full one */
  zz_buf_init(&b, 3);
  assert_int_equal(zz_buf_json_num(&b, 1234), ZZ_ETOOBIG);
  zz_buf_free(&b);
  struct zz_buf src;
  zz_buf_init(&src, 0);
  zz_buf_adds(&src, "1234");
  zz_buf_init(&b, 3);
  assert_int_equal(zz_buf_addbuf(&b, &src), ZZ_ETOOBIG);
  assert_int_equal(zz_buf_error(&src), 0); /* the source is untouched */
  assert_string_equal(src.data, "1234");
  zz_buf_free(&b);
  zz_buf_free(&src);
}

/* Each of the first allocations of a long JSON writing fails in turn: the
 * buffer then holds nothing, reports ZZ_ENOMEM, and stays failed however
 * much is appended after. */
static void test_alloc_failure(void **state) {
  (void)state;
  for (long nth = 1; nth <= 4; nth++) {
    struct zz_buf b;
    zz_buf_init(&b, 0);
    zz_alloc_fail_after(nth);
    int first = 0;
    for (int i = 0; i < 2000; i++) {
      int rc = zz_buf_adds(&b, i ? ",\"key\":" : "{\"key\":");
      if (rc && !first) first = rc;
      rc = zz_buf_json_num(&b, i);
      if (rc && !first) first = rc;
    }
    zz_alloc_fail_after(0);
    assert_int_equal(first, ZZ_ENOMEM);
    assert_int_equal(zz_buf_error(&b), ZZ_ENOMEM);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(zz_buf_addc(&b, '}'), ZZ_ENOMEM);
    zz_buf_free(&b);
  }
}

/* ---- the reply helper: a failed body is never sent ---- */

static int handler_nomem(struct http_req *r) {
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"rows\":[");
  zz_alloc_fail_after(1); /* the buffer's next growth */
  for (int i = 0; i < 5000; i++) zz_buf_printf(&b, "%s{\"n\":%d}", i ? "," : "", i);
  zz_alloc_fail_after(0);
  zz_buf_adds(&b, "]}");
  http_add_header(r, "Cache-Control", "public, max-age=600");
  return http_reply_json(r, 200, &b);
}

static int handler_toobig(struct http_req *r) {
  struct zz_buf b;
  zz_buf_init(&b, 1000);
  zz_buf_adds(&b, "{\"rows\":[");
  for (int i = 0; i < 5000; i++) zz_buf_printf(&b, "%s{\"n\":%d}", i ? "," : "", i);
  zz_buf_adds(&b, "]}");
  return http_reply_json(r, 200, &b);
}

static int handler_ok(struct http_req *r) {
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"ok\":true}");
  return http_reply_json(r, 200, &b);
}

static int no_auth(struct app *app, struct http_req *r, enum http_auth kind,
                   struct http_auth_ctx *ctx) {
  (void)app, (void)r, (void)ctx;
  return kind == HTTP_AUTH_NONE ? 0 : ZZ_EAUTH;
}

/* GET path over a plain socket; returns the whole answer (zz_free it). */
static char *http_get(int port, const char *path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  char req[256];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
  assert_int_equal(write(fd, req, (size_t)n), n);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  char chunk[4096];
  ssize_t k;
  while ((k = read(fd, chunk, sizeof chunk)) > 0) zz_buf_add(&b, chunk, (size_t)k);
  close(fd);
  assert_int_equal(zz_buf_error(&b), 0);
  return zz_buf_steal(&b, NULL);
}

/* The answer's body is a JSON error with this code, and the status is want. */
static void expect_error(const char *resp, int want, const char *code) {
  int status = 0;
  assert_int_equal(sscanf(resp, "HTTP/1.%*d %d", &status), 1);
  assert_int_equal(status, want);
  assert_null(strstr(resp, "max-age=600")); /* the handler's caching is dropped */
  assert_non_null(strstr(resp, "no-store"));
  const char *body = strstr(resp, "\r\n\r\n");
  assert_non_null(body);
  json_error_t je;
  json_t *j = json_loads(body + 4, 0, &je);
  if (!j) fail_msg("the body is not JSON: %s", body + 4);
  assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                      code);
  json_decref(j);
}

static void test_reply_never_truncated(void **state) {
  (void)state;
  static const struct http_route routes[] = {
      {"GET", "/nomem", handler_nomem, NULL, HTTP_AUTH_NONE, 0, 0},
      {"GET", "/toobig", handler_toobig, NULL, HTTP_AUTH_NONE, 0, 0},
      {"GET", "/ok", handler_ok, NULL, HTTP_AUTH_NONE, 0, 0},
  };
  struct http_server_opts o = {.host = "127.0.0.1",
                               .threads = 1,
                               .routes = routes,
                               .nroutes = ZZ_ARRAY_LEN(routes),
                               .authenticate = no_auth};
  struct http_server *srv = NULL;
  struct zz_err e = {0};
  if (http_server_start(&o, &srv, &e)) fail_msg("server: %s", e.msg);
  int port = http_server_port(srv);
  char *resp = http_get(port, "/ok");
  assert_non_null(strstr(resp, "200"));
  assert_non_null(strstr(resp, "{\"ok\":true}"));
  zz_free(resp);
  resp = http_get(port, "/nomem");
  expect_error(resp, 500, "out_of_memory");
  zz_free(resp);
  resp = http_get(port, "/toobig");
  expect_error(resp, 413, "too_large");
  zz_free(resp);
  http_server_stop(srv);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_awkward_values),
      cmocka_unit_test(test_random_bits),
      cmocka_unit_test(test_not_finite),
      cmocka_unit_test(test_json_escaping),
      cmocka_unit_test(test_json_round_trip),
      cmocka_unit_test(test_printf_and_add),
      cmocka_unit_test(test_cap),
      cmocka_unit_test(test_cap_edges),
      cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_reply_never_truncated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
