/* test_msg.c - unit tests for the two languages of an error (core/msg.h,
 * zz_fail in core/zz.c, check_failv in core/check.c): a format of the
 * catalog gives its Chinese formatted with the same arguments, a format
 * without one gives the English twice, a sentence cut to its buffer stays
 * whole UTF-8, a wrapped error keeps both languages, and the checking kit's
 * locations read alike in both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/check.h"
#include "core/msg.h"
#include "core/zz.h"

/* 1 when s is valid UTF-8 (no cut sequence at its end). */
static int utf8_whole(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    size_t n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
    if (!n) return 0;
    for (size_t i = 1; i < n; i++)
      if ((p[i] & 0xC0) != 0x80) return 0;
    p += n;
  }
  return 1;
}

static void test_catalog(void **state) {
  (void)state;
  struct zz_err e;
  assert_int_equal(zz_fail(&e, ZZ_ENOTFOUND, "id", "order %lld does not exist", 42LL),
                   ZZ_ENOTFOUND);
  assert_int_equal(e.code, ZZ_ENOTFOUND);
  assert_string_equal(e.field, "id");
  assert_string_equal(e.msg, "order 42 does not exist");
  assert_string_equal(e.msg_zh, "工单 42 不存在");
  /* a format the catalog does not know: English in both */
  zz_fail(&e, ZZ_EINVAL, NULL, "no such sentence %d", 7);
  assert_string_equal(e.msg, "no such sentence 7");
  assert_string_equal(e.msg_zh, "no such sentence 7");
  assert_string_equal(e.field, "");
  assert_null(zz_msg_zh("no such sentence %d"));
  assert_null(zz_msg_zh(NULL));
  assert_string_equal(zz_msg_zh("must be an object"), "必须是对象");
  /* every code's own sentence has its Chinese */
  const int codes[] = {ZZ_EINVAL,     ZZ_ENOMEM,  ZZ_ENOTFOUND,  ZZ_EEXISTS,
                       ZZ_ECONFLICT,  ZZ_EAUTH,   ZZ_EFORBIDDEN, ZZ_ETOOBIG,
                       ZZ_EMEDIATYPE, ZZ_EBUSY,   ZZ_EIO,        ZZ_ESTORE,
                       ZZ_EINTERNAL,  ZZ_EMETHOD, ZZ_ERATE,      ZZ_EFULL};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
    if (strcmp(zz_strerror_zh(codes[i]), zz_strerror(codes[i])) == 0)
      fail_msg("no Chinese for the sentence of code %d (%s)", codes[i], zz_strerror(codes[i]));
  assert_string_equal(zz_strerror_zh(ZZ_EFULL), "磁盘已满，请稍后再试");
  /* NULL e: only the code */
  assert_int_equal(zz_fail(NULL, ZZ_EIO, "x", "order %lld does not exist", 1LL), ZZ_EIO);
}

static void test_cut_whole(void **state) {
  (void)state;
  /* 200 Chinese characters (600 bytes) do not fit msg_zh (320): the cut
   * falls between characters, never inside one. */
  char long_zh[700] = "";
  for (int i = 0; i < 200; i++) strcat(long_zh, "预");
  struct zz_err e;
  for (int pre = 0; pre < 3; pre++) {
    char en[8] = "";
    memset(en, 'a', (size_t)pre);
    en[pre] = 0;
    char both[800];
    snprintf(both, sizeof both, "%s%s", en, long_zh);
    zz_fail_pair(&e, ZZ_EINVAL, "f", both, both);
    assert_true(utf8_whole(e.msg));
    assert_true(utf8_whole(e.msg_zh));
    assert_true(strlen(e.msg_zh) >= sizeof e.msg_zh - 4);
    assert_true(strlen(e.msg) >= sizeof e.msg - 4);
    zz_fail(&e, ZZ_EINVAL, "f", "%s", both);
    assert_true(utf8_whole(e.msg));
    assert_true(utf8_whole(e.msg_zh));
  }
  /* a NULL Chinese is the English */
  zz_fail_pair(&e, ZZ_EINVAL, NULL, "plain", NULL);
  assert_string_equal(e.msg_zh, "plain");
}

static void test_wrap(void **state) {
  (void)state;
  struct zz_err inner, outer;
  zz_fail(&inner, ZZ_ENOTFOUND, "order", "order %lld does not exist", 9LL);
  assert_int_equal(zz_err_wrap(&outer, &inner, "line 3: ", "第 3 行："), ZZ_ENOTFOUND);
  assert_string_equal(outer.msg, "line 3: order 9 does not exist");
  assert_string_equal(outer.msg_zh, "第 3 行：工单 9 不存在");
  assert_string_equal(outer.field, "order");
  /* in place */
  zz_err_wrap(&inner, &inner, "a: ", "甲：");
  assert_string_equal(inner.msg, "a: order 9 does not exist");
  assert_string_equal(inner.msg_zh, "甲：工单 9 不存在");
}

static void test_check_forms(void **state) {
  (void)state;
  json_error_t je;
  json_t *o = json_loads("{\"a\":1}", 0, &je);
  struct zz_err e;
  struct check c;
  /* an API object: "PATH TEXT" */
  check_init(&c, &e, NULL, 0);
  check_push_key(&c, "fields");
  check_object(&c, o, "a", CHECK_REQUIRED, NULL);
  assert_string_equal(e.msg, "fields.a must be an object");
  assert_string_equal(e.msg_zh, "fields.a 必须是对象");
  /* a pack file: "FILE PATH: TEXT", the field "FILE PATH" */
  check_init(&c, &e, "rules.json", CHECK_FIELD_FILE);
  check_at(&c, "rules[%d]", 2);
  check_object(&c, o, "a", CHECK_REQUIRED, NULL);
  assert_string_equal(e.msg, "rules.json rules[2].a: must be an object");
  assert_string_equal(e.msg_zh, "rules.json rules[2].a：必须是对象");
  assert_string_equal(e.field, "rules.json rules[2].a");
  /* a line: the member goes into the text */
  check_init(&c, &e, NULL, CHECK_LINE);
  check_at(&c, "line %d", 12);
  check_object(&c, o, "a", CHECK_REQUIRED, NULL);
  assert_string_equal(e.msg, "line 12 a: must be an object");
  assert_string_equal(e.msg_zh, "line 12 a：必须是对象");
  /* another error carried with its two sentences */
  struct zz_err inner;
  zz_fail(&inner, ZZ_ENOTFOUND, NULL, "order %lld does not exist", 5LL);
  check_init(&c, &e, NULL, 0);
  assert_int_equal(check_fail_err(&c, "order", &inner), ZZ_ENOTFOUND);
  assert_string_equal(e.msg, "order order 5 does not exist");
  assert_string_equal(e.msg_zh, "order 工单 5 不存在");
  json_decref(o);
}

/* zz_utf8_trim, which every cut sentence goes through (errors, ingest
 * rejects, rule messages): a cut character goes, whole ones stay. */
static void test_utf8_trim(void **state) {
  (void)state;
  const struct {
    const char *in, *want;
  } cases[] = {
      {"ab\xE8\xB7", "ab"}, /* 路 cut after two of its three bytes */
      {"ab\xE8", "ab"},     /* cut after its lead byte */
      {"\xE8\xB7\xAF\xE7\x81\xAF", "\xE8\xB7\xAF\xE7\x81\xAF"}, /* 路灯 whole */
      {"a\xC3\xA9", "a\xC3\xA9"},                               /* a two-byte character whole */
      {"x\xF0\x9F\x98", "x"},                                   /* a four-byte one cut */
      {"plain", "plain"},
      {"", ""},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(cases); i++) {
    char buf[32];
    zz_strlcpy(buf, cases[i].in, sizeof buf);
    zz_utf8_trim(buf);
    assert_string_equal(buf, cases[i].want);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_catalog),   cmocka_unit_test(test_cut_whole),
      cmocka_unit_test(test_wrap),      cmocka_unit_test(test_check_forms),
      cmocka_unit_test(test_utf8_trim),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
