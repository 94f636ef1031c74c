/* test_codes.c - the pure parts of codes (src/codes/) and the matter
 * members of issue 5 (src/workflow/matter_def.c): tokens and receipts,
 * form checks of a submission, the checks of group/channels/form/materials
 * with messages that name the member, and QR rendering. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "codes/codes.h"
#include "workflow/matter_def.h"

static void test_tokens(void **state) {
  (void)state;
  char a[CODE_TOKEN_LEN + 1], b[CODE_TOKEN_LEN + 1], r[CODE_RECEIPT_LEN + 1];
  code_token_new(a);
  code_token_new(b);
  assert_int_equal(strlen(a), CODE_TOKEN_LEN);
  assert_true(code_token_valid(a));
  assert_string_not_equal(a, b);
  assert_false(code_token_valid("short"));
  assert_false(code_token_valid("AAAAAAAAAAAAAAAAAAAA<>"));
  code_receipt_new(r);
  assert_true(code_receipt_valid(r));
  for (int i = 0; i < CODE_RECEIPT_LEN; i++) assert_true(r[i] != 'O' && r[i] != 'I' && r[i] != '0');
  assert_false(code_receipt_valid("abcdefghij"));
  char d[24];
  assert_true(code_phone_digits("186-4383-6820", d));
  assert_string_equal(d, "18643836820");
  assert_false(code_phone_digits("call me", d));
  assert_false(code_phone_digits("123", d));
}

static const char *form_json =
    "[{\"id\":\"when\",\"type\":\"choice\",\"label_zh\":\"时间\",\"label_en\":\"When\","
    "\"required\":true,\"options\":[{\"id\":\"now\",\"label_zh\":\"现在\",\"label_en\":\"Now\"}]},"
    "{\"id\":\"details\",\"type\":\"textarea\",\"label_zh\":\"描述\",\"label_en\":\"Details\","
    "\"required\":true,\"max\":5},"
    "{\"id\":\"day\",\"type\":\"date\",\"label_zh\":\"日期\",\"label_en\":\"Day\"},"
    "{\"id\":\"phone\",\"type\":\"phone\",\"label_zh\":\"电话\",\"label_en\":\"Phone\"},"
    "{\"id\":\"photo\",\"type\":\"photo\",\"label_zh\":\"照片\",\"label_en\":\"Photo\"},"
    "{\"id\":\"location\",\"type\":\"location\",\"label_zh\":\"位置\",\"label_en\":\"Where\","
    "\"required\":true}]";

static const char *check(const json_t *form, const char *values) {
  static struct zz_err e;
  memset(&e, 0, sizeof e);
  json_t *v = json_loads(values, 0, NULL);
  assert_non_null(v);
  int rc = code_form_check(form, v, &e);
  json_decref(v);
  return rc ? e.field : NULL;
}

static void test_form_check(void **state) {
  (void)state;
  json_t *form = json_loads(form_json, 0, NULL);
  assert_non_null(form);
  assert_null(check(form, "{\"when\":\"now\",\"details\":\"吵吵吵吵吵\"}")); /* 5 characters */
  assert_string_equal(check(form, "{\"details\":\"x\"}"), "fields.when");
  assert_string_equal(check(form, "{\"when\":\"later\",\"details\":\"x\"}"), "fields.when");
  assert_string_equal(check(form, "{\"when\":\"now\"}"), "fields.details");
  assert_string_equal(check(form, "{\"when\":\"now\",\"details\":\"吵吵吵吵吵吵\"}"),
                      "fields.details");
  assert_string_equal(check(form, "{\"when\":\"now\",\"details\":\"x\",\"day\":\"2026-02-30x\"}"),
                      "fields.day");
  assert_null(check(form, "{\"when\":\"now\",\"details\":\"x\",\"day\":\"2026-02-03\"}"));
  assert_string_equal(check(form, "{\"when\":\"now\",\"details\":\"x\",\"phone\":\"abc\"}"),
                      "fields.phone");
  assert_string_equal(check(form, "{\"when\":\"now\",\"details\":\"x\",\"photo\":\"abc\"}"),
                      "fields.photo");
  assert_string_equal(check(form, "{\"when\":\"now\",\"details\":\"x\",\"nope\":\"abc\"}"),
                      "fields.nope");
  assert_string_equal(check(form, "{\"when\":1,\"details\":\"x\"}"), "fields.when");
  json_decref(form);
}

static const char *mcheck(const char *extra) {
  static struct zz_err e;
  memset(&e, 0, sizeof e);
  char buf[2048];
  snprintf(buf, sizeof buf,
           "{\"id\":\"m\",\"name_zh\":\"事\",\"name_en\":\"M\",\"kind\":\"complaint\","
           "\"departments\":[\"police\"],\"sla_accept_minutes\":1,\"sla_resolve_minutes\":2%s}",
           extra);
  json_t *m = json_loads(buf, 0, NULL);
  assert_non_null(m);
  int rc = matter_check(m, &e);
  json_decref(m);
  return rc ? e.field : NULL;
}

static void test_matter_members(void **state) {
  (void)state;
  assert_null(mcheck(""));
  assert_null(mcheck(",\"group\":\"xintiandi\",\"channels\":[\"customer_code\",\"open311\"]"));
  assert_string_equal(mcheck(",\"group\":\"mall\""), "group");
  assert_string_equal(mcheck(",\"channels\":[\"staff\",\"fax\"]"), "channels[1]");
  assert_string_equal(mcheck(",\"description_zh\":5"), "description_zh");
  assert_string_equal(mcheck(",\"form\":{}"), "form");
  assert_string_equal(mcheck(",\"form\":[{\"id\":\"a\",\"type\":\"video\",\"label_zh\":\"a\","
                             "\"label_en\":\"a\"}]"),
                      "form[0].type");
  assert_string_equal(mcheck(",\"form\":[{\"id\":\"a\",\"type\":\"text\",\"label_zh\":\"a\"}]"),
                      "form[0].label_en");
  assert_string_equal(mcheck(",\"form\":[{\"id\":\"a\",\"type\":\"choice\",\"label_zh\":\"a\","
                             "\"label_en\":\"a\"}]"),
                      "form[0].options");
  assert_string_equal(mcheck(",\"form\":[{\"id\":\"a\",\"type\":\"text\",\"label_zh\":\"a\","
                             "\"label_en\":\"a\",\"max\":0}]"),
                      "form[0].max");
  assert_string_equal(mcheck(",\"form\":[{\"id\":\"a\",\"type\":\"text\",\"label_zh\":\"a\","
                             "\"label_en\":\"a\"},{\"id\":\"a\",\"type\":\"text\",\"label_zh\":"
                             "\"a\",\"label_en\":\"a\"}]"),
                      "form[1]");
  assert_string_equal(mcheck(",\"materials\":[{\"id\":\"p\",\"name_zh\":\"方案\",\"name_en\":"
                             "\"Plan\",\"types\":[\"docx\"]}]"),
                      "materials[0].types[0]");
  assert_null(mcheck(",\"materials\":[{\"id\":\"p\",\"name_zh\":\"方案\",\"name_en\":\"Plan\","
                     "\"required\":true,\"types\":[\"pdf\"]}]"));
}

static void test_qr(void **state) {
  (void)state;
  struct zz_buf svg, png;
  zz_buf_init(&svg, 0);
  zz_buf_init(&png, 0);
  assert_int_equal(code_qr_svg("http://example.org/m/c/AAAAAAAAAAAAAAAAAAAAAA", &svg), 0);
  assert_non_null(strstr(svg.data, "<svg"));
  assert_int_equal(code_qr_png("http://example.org/m/c/AAAAAAAAAAAAAAAAAAAAAA", &png), 0);
  assert_true(png.len > 100);
  assert_memory_equal(png.data, "\x89PNG", 4);
  zz_buf_free(&svg);
  zz_buf_free(&png);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tokens),
      cmocka_unit_test(test_form_check),
      cmocka_unit_test(test_matter_members),
      cmocka_unit_test(test_qr),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
