/* test_open311.c - unit tests for the pure helpers of src/api/open311*.c:
 * the form-encoded body decoder (escapes, "+", empty values, caps, bad
 * escapes, NUL and invalid UTF-8 refused), XML escaping, the .xml/.json
 * suffix and the work-order state to Open311 status mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/open311_int.h"
#include "core/xml.h"
#include "core/zz.h"

static void test_form_decodes(void **state) {
  (void)state;
  struct o311_form f;
  struct zz_err e = {0};
  const char *body =
      "api_key=zz_abc&service_code=park_suggestion&attribute%5Bdetails%5D=more+benches%21"
      "&description=%E5%99%AA%E9%9F%B3&empty=&flag&&lat=30.1";
  assert_int_equal(o311_form_parse(body, strlen(body), &f, &e), 0);
  assert_string_equal(o311_form_get(&f, "api_key"), "zz_abc");
  assert_string_equal(o311_form_get(&f, "attribute[details]"), "more benches!");
  assert_string_equal(o311_form_get(&f, "description"), "噪音");
  assert_string_equal(o311_form_get(&f, "empty"), "");
  assert_string_equal(o311_form_get(&f, "flag"), "");
  assert_string_equal(o311_form_get(&f, "lat"), "30.1");
  assert_null(o311_form_get(&f, "missing"));
  o311_form_free(&f);
}

static void test_form_refuses(void **state) {
  (void)state;
  const char *bad[] = {"a=%zz", "a=%4", "a=%00b", "a=%C3%28", "a=%ED%A0%80", "a=%C0%AF"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct o311_form f;
    struct zz_err e = {0};
    assert_int_equal(o311_form_parse(bad[i], strlen(bad[i]), &f, &e), ZZ_EINVAL);
    assert_int_equal(f.n, 0);
    assert_true(e.msg[0] != '\0');
  }
  /* too many pairs */
  char many[O311_FORM_PAIRS * 4 + 8] = "";
  for (int i = 0; i <= O311_FORM_PAIRS; i++) strcat(many, "a=1&");
  struct o311_form f;
  struct zz_err e = {0};
  assert_int_equal(o311_form_parse(many, strlen(many), &f, &e), ZZ_EINVAL);
  /* a field too long */
  static char longf[O311_FORM_FIELD + 16];
  memset(longf, 'x', sizeof longf - 1);
  longf[0] = 'a';
  longf[1] = '=';
  longf[sizeof longf - 1] = '\0';
  assert_int_equal(o311_form_parse(longf, strlen(longf), &f, &e), ZZ_EINVAL);
}

static void test_xml_escape(void **state) {
  (void)state;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  const char *s = "<a href=\"x\">Tom & Jerry's\x01</a>";
  zz_xml_escape(&b, s, strlen(s));
  zz_buf_addc(&b, '\0');
  assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s &lt;/a&gt;");
  zz_buf_free(&b);
}

static void test_format_and_status(void **state) {
  (void)state;
  char name[32];
  assert_int_equal(o311_format("services.xml", name, sizeof name), 1);
  assert_string_equal(name, "services");
  assert_int_equal(o311_format("requests.json", name, sizeof name), 0);
  assert_string_equal(name, "requests");
  assert_int_equal(o311_format("services.html", name, sizeof name), -1);
  assert_int_equal(o311_format("services", name, sizeof name), -1);
  assert_int_equal(o311_format("a-very-long-name-that-does-not-fit.json", name, 8), -1);
  const char *open[] = {"reported",    "dispatched", "accepted",
                        "in_progress", "returned",   "reopened"};
  for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
    assert_string_equal(o311_status(open[i]), "open");
  const char *closed[] = {"resolved", "verified", "closed", "merged"};
  for (size_t i = 0; i < sizeof closed / sizeof closed[0]; i++)
    assert_string_equal(o311_status(closed[i]), "closed");
}

/* Public descriptions: phones and ID numbers keep their last four digits. */
static void mask_is(const char *in, const char *want) {
  char buf[256];
  zz_strlcpy(buf, in, sizeof buf);
  o311_mask_numbers(buf);
  assert_string_equal(buf, want);
}
static void test_mask_numbers(void **state) {
  (void)state;
  mask_is("call me 13800001111 please", "call me *******1111 please");
  mask_is("138 0000 1111", "*** **** 1111");
  mask_is("138-0000-1111.", "***-****-1111.");
  mask_is("身份证330102199001011234", "身份证**************1234");
  mask_is("ID 33010219900101123X", "ID **************123X");
  mask_is("１３８００００１１１１", "＊＊＊＊＊＊＊１１１１");
  mask_is("住3单元502，2026年5月", "住3单元502，2026年5月"); /* short numbers stay */
  mask_is("123456 and 1234567", "123456 and ***4567");
  mask_is("1 2 3 4 5 6 7", "* * * 4 5 6 7");
  mask_is("ends with 12345678", "ends with ****5678");
  mask_is("", "");
  mask_is("9-", "9-");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_form_decodes), cmocka_unit_test(test_form_refuses),
      cmocka_unit_test(test_xml_escape),   cmocka_unit_test(test_format_and_status),
      cmocka_unit_test(test_mask_numbers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
