/* test_encode.c - unit tests for src/http/encode.c: the Accept-Encoding
 * parser (q-values, "*", x-gzip, identity), which types are compressible,
 * gzip round trips through zlib's inflate, ETags and If-None-Match (lists,
 * W/, the "-gz" representation, "*"), and the static gzip cache (one
 * compression per version of a file; a changed file compressed anew). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "core/zz.h"
#include "http/encode.h"

static void test_accept_encoding(void **state) {
  (void)state;
  assert_int_equal(http_accepts_gzip(NULL), 0);
  assert_int_equal(http_accepts_gzip(""), 0);
  assert_int_equal(http_accepts_gzip("gzip"), 1);
  assert_int_equal(http_accepts_gzip("gzip, deflate, br"), 1);
  assert_int_equal(http_accepts_gzip("br;q=1.0, GZip;q=0.2"), 1);
  assert_int_equal(http_accepts_gzip("x-gzip"), 1);
  assert_int_equal(http_accepts_gzip("*"), 1);
  assert_int_equal(http_accepts_gzip("identity"), 0);
  assert_int_equal(http_accepts_gzip("deflate, br"), 0);
  assert_int_equal(http_accepts_gzip("gzip;q=0"), 0);
  assert_int_equal(http_accepts_gzip("gzip; q=0.000"), 0);
  assert_int_equal(http_accepts_gzip("gzip;q=0.001"), 1);
  assert_int_equal(http_accepts_gzip("*;q=0"), 0);
  assert_int_equal(http_accepts_gzip("*, gzip;q=0"), 0); /* named beats "*" */
  assert_int_equal(http_accepts_gzip("gzipx, xgzip"), 0);
  assert_int_equal(http_accepts_gzip(" ,, gzip ,"), 1);
}

static void test_compressible(void **state) {
  (void)state;
  assert_int_equal(http_type_compressible("application/json; charset=utf-8"), 1);
  assert_int_equal(http_type_compressible("application/geo+json"), 1);
  assert_int_equal(http_type_compressible("text/javascript; charset=utf-8"), 1);
  assert_int_equal(http_type_compressible("text/html"), 1);
  assert_int_equal(http_type_compressible("text/css"), 1);
  assert_int_equal(http_type_compressible("image/svg+xml"), 1);
  assert_int_equal(http_type_compressible("text/event-stream; charset=utf-8"), 0);
  assert_int_equal(http_type_compressible("image/png"), 0);
  assert_int_equal(http_type_compressible("image/jpeg"), 0);
  assert_int_equal(http_type_compressible("font/woff2"), 0);
  assert_int_equal(http_type_compressible("application/jsonx"), 0);
  assert_int_equal(http_type_compressible(NULL), 0);
}

/* gunzips what http_gzip made, with zlib's inflate (windowBits 16+15). */
static size_t gunzip(const char *in, size_t n, char *out, size_t cap) {
  z_stream z;
  memset(&z, 0, sizeof z);
  assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)out;
  z.avail_out = (uInt)cap;
  assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
  size_t len = z.total_out;
  inflateEnd(&z);
  return len;
}

static void test_gzip_round_trip(void **state) {
  (void)state;
  size_t n = 100000;
  char *in = malloc(n), *back = malloc(n + 16);
  for (size_t i = 0; i < n; i++)
    in[i] = (char)("{\"id\":\"gongshu\",\"v\":"[i % 20] + (i % 7 == 0));
  char *gz = NULL;
  size_t gzlen = 0;
  assert_int_equal(http_gzip(in, n, 6, &gz, &gzlen), 0);
  assert_true(gzlen < n / 4);
  assert_int_equal((unsigned char)gz[0], 0x1f); /* the gzip magic */
  assert_int_equal((unsigned char)gz[1], 0x8b);
  assert_int_equal(gunzip(gz, gzlen, back, n + 16), n);
  assert_memory_equal(back, in, n);
  zz_free(gz);
  assert_int_equal(http_gzip("", 0, 9, &gz, &gzlen), 0);
  assert_int_equal(gunzip(gz, gzlen, back, 16), 0);
  zz_free(gz);
  free(in);
  free(back);
}

static void test_etags(void **state) {
  (void)state;
  char a[HTTP_ETAG_MAX], b[HTTP_ETAG_MAX], g[HTTP_ETAG_MAX];
  http_etag_content("hello", 5, a);
  http_etag_content("hellp", 5, b);
  assert_string_not_equal(a, b);
  assert_int_equal(strlen(a), 35); /* quotes, z, 32 hex */
  http_etag_gz(a, g);
  assert_int_equal(strlen(g), 38);
  assert_memory_equal(g + 34, "-gz\"", 4);
  assert_int_equal(http_etag_matches(a, a), 1);
  assert_int_equal(http_etag_matches(g, a), 1); /* either representation validates */
  assert_int_equal(http_etag_matches(a, g), 1);
  assert_int_equal(http_etag_matches(b, a), 0);
  char list[200];
  snprintf(list, sizeof list, "\"x\", W/%s , \"y\"", a);
  assert_int_equal(http_etag_matches(list, a), 1);
  assert_int_equal(http_etag_matches("*", a), 1);
  assert_int_equal(http_etag_matches("\"x\", \"y\"", a), 0);
  assert_int_equal(http_etag_matches(NULL, a), 0);
  assert_int_equal(http_etag_matches("\"unterminated", a), 0);
  assert_int_equal(http_etag_matches("junk, more junk", a), 0);
  http_etag_file(1367, 123456789, a);
  assert_string_equal(a, "\"f557-75bcd15\"");
  http_etag_file(1368, 123456789, b);
  assert_int_equal(http_etag_matches(a, b), 0);
}

static void test_gz_cache(void **state) {
  (void)state;
  char path[] = "/tmp/zz-test-encode-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  char text[8192];
  for (size_t i = 0; i < sizeof text; i++) text[i] = (char)('a' + i % 13);
  assert_int_equal(write(fd, text, sizeof text), (ssize_t)sizeof text);
  struct http_gz_cache *c;
  assert_int_equal(http_gz_cache_new(&c), 0);
  const struct http_gz_entry *e1 = http_gz_cache_get(c, path, fd, sizeof text, 1);
  assert_non_null(e1);
  const struct http_gz_entry *e2 = http_gz_cache_get(c, path, fd, sizeof text, 1);
  assert_ptr_equal(e1, e2); /* the same version: the same bytes, not compressed again */
  char back[8192 + 16];
  assert_int_equal(gunzip(e1->gz, e1->gzlen, back, sizeof back), sizeof text);
  assert_memory_equal(back, text, sizeof text);
  /* the file changes (a new mtime): compressed anew; the old entry stays
   * valid for the response still holding it */
  text[0] = 'Z';
  assert_int_equal(pwrite(fd, text, 1, 0), 1);
  const struct http_gz_entry *e3 = http_gz_cache_get(c, path, fd, sizeof text, 2);
  assert_non_null(e3);
  assert_ptr_not_equal(e3, e1);
  assert_int_equal(gunzip(e3->gz, e3->gzlen, back, sizeof back), sizeof text);
  assert_int_equal(back[0], 'Z');
  assert_int_equal(gunzip(e1->gz, e1->gzlen, back, sizeof back), sizeof text);
  assert_int_equal(back[0], 'a');
  http_gz_entry_unref(e1);
  http_gz_entry_unref(e2);
  /* too small to pay: no entry */
  assert_null(http_gz_cache_get(c, path, fd, 100, 3));
  http_gz_cache_free(c); /* e3 still held: freed by its last unref */
  http_gz_entry_unref(e3);
  close(fd);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accept_encoding), cmocka_unit_test(test_compressible),
      cmocka_unit_test(test_gzip_round_trip), cmocka_unit_test(test_etags),
      cmocka_unit_test(test_gz_cache),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
