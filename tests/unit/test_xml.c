/* test_xml.c - unit tests for src/core/xml.c, the one XML writer: text
 * escaping (markup characters, control characters XML 1.0 forbids, bytes
 * that are not UTF-8 or encode a character XML does not allow), nesting,
 * the failures (a buffer cap or a failed allocation gives an error and no
 * text, never a truncated document) and each misuse failing the buffer for
 * good. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/xml.h"
#include "core/zz.h"

#define DECL "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"

/* Finishes x and checks the document is DECL + want. */
static void expect(struct zz_xml *x, const char *want) {
  assert_int_equal(zz_xml_finish(x), 0);
  assert_non_null(x->b->data);
  assert_memory_equal(x->b->data, DECL, strlen(DECL));
  assert_string_equal(x->b->data + strlen(DECL), want);
  zz_buf_free(x->b);
}

/* The text s escaped, as <t>...</t>. */
static void text_is(const char *s, size_t n, const char *want) {
  struct zz_buf b;
  struct zz_xml x;
  zz_buf_init(&b, 0);
  zz_xml_init(&x, &b);
  zz_xml_open(&x, "t");
  assert_int_equal(zz_xml_textn(&x, s, n), 0);
  zz_xml_close(&x, "t");
  char w[256];
  snprintf(w, sizeof w, "<t>%s</t>", want);
  expect(&x, w);
}

static void test_escaping(void **state) {
  (void)state;
  const char *markup = "<a href=\"x\">Tom & Jerry's</a>";
  text_is(markup, strlen(markup), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;");
  /* tab, newline and return stay; other control characters, NUL included,
   * are not allowed in XML 1.0 even as references: a space each */
  text_is("a\tb\nc\rd\x01"
          "e\x1f"
          "f\0g",
          13, "a\tb\nc\rd e f g");
  /* UTF-8 passes as it is, up to 4 bytes and U+10FFFF */
  const char *good = "中文 é \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbd \x7f";
  text_is(good, strlen(good), good);
  /* a stray continuation byte, a truncated sequence, overlong forms, a
   * surrogate, U+FFFE / U+FFFF and bytes past U+10FFFF: U+FFFD per bad byte */
  text_is("a\x80z", 3, "a\xef\xbf\xbdz");
  text_is("\xe4\xb8", 2, "\xef\xbf\xbd\xef\xbf\xbd");
  text_is("\xe4\xb8z", 3, "\xef\xbf\xbd\xef\xbf\xbdz");
  text_is("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd");
  text_is("\xe0\x80\xaf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  text_is("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  text_is("\xef\xbf\xbe", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  text_is("\xef\xbf\xbf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  text_is("\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  text_is("\xff<", 2, "\xef\xbf\xbd&lt;");
  text_is("", 0, "");
  /* zz_xml_escape alone: the same, for callers that write markup themselves */
  struct zz_buf b;
  zz_buf_init(&b, 0);
  assert_int_equal(zz_xml_escape(&b, "<&\x01\x80>", 5), 0);
  assert_string_equal(b.data, "&lt;&amp; \xef\xbf\xbd&gt;");
  zz_buf_free(&b);
}

/* Any byte string escapes to text with no markup character and valid UTF-8. */
static void test_escaping_any_bytes(void **state) {
  (void)state;
  uint32_t seed = 11;
  for (int round = 0; round < 5000; round++) {
    unsigned char in[16];
    for (size_t i = 0; i < sizeof in; i++) {
      seed = seed * 1103515245u + 12345u;
      in[i] = (unsigned char)(seed >> 16);
    }
    struct zz_buf b;
    zz_buf_init(&b, 0);
    zz_xml_escape(&b, (const char *)in, sizeof in);
    assert_int_equal(zz_buf_error(&b), 0);
    const unsigned char *p = (const unsigned char *)b.data;
    for (size_t i = 0; i < b.len;) {
      assert_true(p[i] != '<' && p[i] != '>' && p[i] != '"' && p[i] != '\'');
      assert_true(p[i] >= 0x20 || p[i] == '\t' || p[i] == '\n' || p[i] == '\r');
      if (p[i] == '&') {
        assert_true(strncmp((const char *)p + i, "&amp;", 5) == 0 ||
                    strncmp((const char *)p + i, "&lt;", 4) == 0 ||
                    strncmp((const char *)p + i, "&gt;", 4) == 0 ||
                    strncmp((const char *)p + i, "&quot;", 6) == 0 ||
                    strncmp((const char *)p + i, "&apos;", 6) == 0);
      }
      size_t n = p[i] < 0x80 ? 1 : p[i] < 0xe0 ? 2 : p[i] < 0xf0 ? 3 : 4;
      assert_true(p[i] < 0x80 || (p[i] >= 0xc2 && p[i] <= 0xf4));
      assert_true(i + n <= b.len);
      for (size_t k = 1; k < n; k++) assert_int_equal(p[i + k] & 0xc0, 0x80);
      i += n;
    }
    zz_buf_free(&b);
  }
}

static void test_nesting(void **state) {
  (void)state;
  struct zz_buf b;
  struct zz_xml x;
  zz_buf_init(&b, 0);
  zz_xml_init(&x, &b);
  zz_xml_open(&x, "service_requests");
  zz_xml_open(&x, "request");
  zz_xml_elem(&x, "service_request_id", "12");
  zz_xml_elem(&x, "description", "a < b");
  zz_xml_elem(&x, "address", NULL);
  zz_xml_empty(&x, "lat");
  zz_xml_close(&x, "request");
  zz_xml_open(&x, "request");
  zz_xml_text(&x, "mixed ");
  zz_xml_elem(&x, "x.y-z_1", "");
  zz_xml_close(&x, "request");
  zz_xml_close(&x, "service_requests");
  expect(&x, "<service_requests><request><service_request_id>12</service_request_id>"
             "<description>a &lt; b</description><address></address><lat/></request>"
             "<request>mixed <x.y-z_1></x.y-z_1></request></service_requests>");
  /* an empty root element is a whole document */
  zz_buf_init(&b, 0);
  zz_xml_init(&x, &b);
  zz_xml_empty(&x, "none");
  expect(&x, "<none/>");
  /* as deep as ZZ_XML_DEPTH */
  zz_buf_init(&b, 0);
  zz_xml_init(&x, &b);
  for (int i = 0; i < ZZ_XML_DEPTH; i++) assert_int_equal(zz_xml_open(&x, "d"), 0);
  for (int i = 0; i < ZZ_XML_DEPTH; i++) assert_int_equal(zz_xml_close(&x, "d"), 0);
  assert_int_equal(zz_xml_finish(&x), 0);
  zz_buf_free(&b);
}

static void test_cap_fails_whole(void **state) {
  (void)state;
  for (size_t cap = 1; cap < 120; cap++) {
    struct zz_buf b;
    struct zz_xml x;
    zz_buf_init(&b, cap);
    zz_xml_init(&x, &b);
    zz_xml_open(&x, "list");
    for (int i = 0; i < 5; i++) zz_xml_elem(&x, "item", "a & b");
    zz_xml_close(&x, "list");
    assert_int_equal(zz_xml_finish(&x), ZZ_ETOOBIG);
    assert_int_equal(zz_xml_error(&x), ZZ_ETOOBIG);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    /* later calls keep the first error and write nothing */
    assert_int_equal(zz_xml_elem(&x, "item", "x"), ZZ_ETOOBIG);
    assert_null(b.data);
    zz_buf_free(&b);
  }
}

static void test_alloc_failure(void **state) {
  (void)state;
  for (long nth = 1; nth <= 4; nth++) {
    struct zz_buf b;
    struct zz_xml x;
    zz_buf_init(&b, 0);
    zz_alloc_fail_after(nth);
    zz_xml_init(&x, &b);
    zz_xml_open(&x, "list");
    for (int i = 0; i < 3000; i++) zz_xml_elem(&x, "item", "<&>");
    zz_xml_close(&x, "list");
    zz_alloc_fail_after(0);
    assert_int_equal(zz_xml_finish(&x), ZZ_ENOMEM);
    assert_null(b.data);
    zz_buf_free(&b);
  }
}

/* Each misuse fails the buffer with ZZ_EINTERNAL: nothing goes out. */
enum misuse_kind {
  TEXT_AT_TOP,
  CLOSE_WRONG_NAME,
  CLOSE_AT_TOP,
  SECOND_ROOT,
  EMPTY_AFTER_ROOT,
  UNCLOSED,
  NOTHING,
  TOO_DEEP,
  NULL_NAME,
  BAD_NAME_START,
  BAD_NAME_CHAR,
  NAME_WITH_MARKUP,
  NAME_TOO_LONG,
  EMPTY_NAME,
  CLOSE_NULL,
};

static void misuse(enum misuse_kind k) {
  struct zz_buf b;
  struct zz_xml x;
  char longname[ZZ_XML_NAME_MAX + 2];
  memset(longname, 'n', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  zz_buf_init(&b, 0);
  zz_xml_init(&x, &b);
  switch (k) {
  case TEXT_AT_TOP:
    zz_xml_text(&x, "loose");
    break;
  case CLOSE_WRONG_NAME:
    zz_xml_open(&x, "a");
    zz_xml_open(&x, "b");
    zz_xml_close(&x, "a");
    break;
  case CLOSE_AT_TOP:
    zz_xml_close(&x, "a");
    break;
  case SECOND_ROOT:
    zz_xml_elem(&x, "a", "1");
    zz_xml_open(&x, "b");
    break;
  case EMPTY_AFTER_ROOT:
    zz_xml_elem(&x, "a", "1");
    zz_xml_empty(&x, "b");
    break;
  case UNCLOSED:
    zz_xml_open(&x, "a");
    zz_xml_elem(&x, "b", "1");
    break;
  case NOTHING:
    break;
  case TOO_DEEP:
    for (int i = 0; i <= ZZ_XML_DEPTH; i++) zz_xml_open(&x, "d");
    break;
  case NULL_NAME:
    zz_xml_open(&x, NULL);
    break;
  case BAD_NAME_START:
    zz_xml_open(&x, "1a");
    break;
  case BAD_NAME_CHAR:
    zz_xml_open(&x, "a");
    zz_xml_elem(&x, "b:c", "1");
    break;
  case NAME_WITH_MARKUP:
    zz_xml_open(&x, "a");
    zz_xml_empty(&x, "b><script");
    break;
  case NAME_TOO_LONG:
    zz_xml_open(&x, longname);
    break;
  case EMPTY_NAME:
    zz_xml_open(&x, "");
    break;
  case CLOSE_NULL:
    zz_xml_open(&x, "a");
    zz_xml_close(&x, NULL);
    break;
  }
  /* whatever comes after, the writer stays failed (an unfinished document
   * is only found out at the end) */
  if (k != NOTHING && k != UNCLOSED) assert_int_equal(zz_xml_open(&x, "z"), ZZ_EINTERNAL);
  assert_int_equal(zz_xml_finish(&x), ZZ_EINTERNAL);
  assert_int_equal(zz_xml_error(&x), ZZ_EINTERNAL);
  assert_null(b.data);
  assert_null(zz_buf_steal(&b, NULL));
  zz_buf_free(&b);
}

static void test_misuse(void **state) {
  (void)state;
  for (int k = TEXT_AT_TOP; k <= CLOSE_NULL; k++) misuse((enum misuse_kind)k);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_escaping),      cmocka_unit_test(test_escaping_any_bytes),
      cmocka_unit_test(test_nesting),       cmocka_unit_test(test_cap_fails_whole),
      cmocka_unit_test(test_alloc_failure), cmocka_unit_test(test_misuse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
