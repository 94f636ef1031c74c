/* test_json.c - unit tests for src/core/json.c, the one JSON writer: string
 * escaping (as zz_buf_json_str: control characters, quotes, backslash,
 * bytes of invalid UTF-8 passed through), nesting and commas, numbers that
 * read back bit-identical, jansson values, the failures (a buffer cap or a
 * failed allocation gives an error and no text, never truncated JSON), each
 * misuse failing the buffer, and the syntax check zz_json_valid. */
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

#include <jansson.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/zz.h"

/* Finishes j and checks the text is want and valid JSON for jansson too. */
static void expect(struct zz_json *j, const char *want) {
  assert_int_equal(zz_json_finish(j), 0);
  assert_non_null(j->b->data);
  assert_string_equal(j->b->data, want);
  assert_true(zz_json_valid(j->b->data, j->b->len));
  json_error_t je;
  json_t *v = json_loadb(j->b->data, j->b->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
  if (!v) fail_msg("jansson refuses %s: %s", j->b->data, je.text);
  json_decref(v);
  zz_buf_free(j->b);
}

static void test_nesting_and_commas(void **state) {
  (void)state;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "a", "x");
  zz_json_kint(&j, "b", -42);
  zz_json_karr(&j, "c");
  zz_json_int(&j, 1);
  zz_json_obj(&j);
  zz_json_obj_end(&j);
  zz_json_arr(&j);
  zz_json_arr_end(&j);
  zz_json_null(&j);
  zz_json_bool(&j, 1);
  zz_json_bool(&j, 0);
  zz_json_arr_end(&j);
  zz_json_kobj(&j, "d");
  zz_json_knull(&j, "e");
  zz_json_kbool(&j, "f", 1);
  zz_json_obj_end(&j);
  zz_json_kstr(&j, "g", NULL);
  zz_json_obj_end(&j);
  expect(&j, "{\"a\":\"x\",\"b\":-42,\"c\":[1,{},[],null,true,false],\"d\":{\"e\":null,\"f\":true},"
             "\"g\":null}");

  /* scalars and empty containers at the top */
  zz_json_init(&j, &b);
  zz_json_str(&j, "s");
  expect(&j, "\"s\"");
  zz_json_init(&j, &b);
  zz_json_arr(&j);
  zz_json_arr_end(&j);
  expect(&j, "[]");
  zz_json_init(&j, &b);
  zz_json_int(&j, INT64_MIN);
  expect(&j, "-9223372036854775808");
  zz_json_init(&j, &b);
  zz_json_int(&j, INT64_MAX);
  expect(&j, "9223372036854775807");

  /* deep nesting up to the limit */
  zz_json_init(&j, &b);
  for (int i = 0; i < ZZ_JSON_DEPTH; i++) zz_json_arr(&j);
  for (int i = 0; i < ZZ_JSON_DEPTH; i++) zz_json_arr_end(&j);
  assert_int_equal(zz_json_finish(&j), 0);
  assert_int_equal(b.len, 2 * ZZ_JSON_DEPTH);
  zz_buf_free(&b);
}

/* Members added to an object someone else opened get their commas. */
static void test_members(void **state) {
  (void)state;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"a\":1");
  zz_json_init_members(&j, &b, 1);
  zz_json_kint(&j, "b", 2);
  zz_json_kstr(&j, "c", "3");
  assert_int_equal(zz_json_error(&j), 0);
  zz_buf_addc(&b, '}');
  assert_string_equal(b.data, "{\"a\":1,\"b\":2,\"c\":\"3\"}");
  zz_buf_reset(&b);
  zz_buf_addc(&b, '{');
  zz_json_init_members(&j, &b, 0);
  zz_json_kint(&j, "b", 2);
  zz_buf_addc(&b, '}');
  assert_string_equal(b.data, "{\"b\":2}");
  zz_buf_free(&b);
}

static void str_is(const char *s, size_t n, const char *want) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_arr(&j);
  zz_json_strn(&j, s, n);
  zz_json_arr_end(&j);
  assert_int_equal(zz_json_finish(&j), 0);
  assert_int_equal(b.len, strlen(want));
  assert_memory_equal(b.data, want, b.len);
  zz_buf_free(&b);
}

static void test_escaping(void **state) {
  (void)state;
  str_is("", 0, "[\"\"]");
  str_is("a\"b\\c/", 6, "[\"a\\\"b\\\\c/\"]");
  str_is("\n\r\t\b\f", 5, "[\"\\n\\r\\t\\u0008\\u000c\"]");
  str_is("\x01\x1f\x7f", 3, "[\"\\u0001\\u001f\x7f\"]");
  str_is("a\0b", 3, "[\"a\\u0000b\"]");
  /* UTF-8 as it is; invalid UTF-8 passes through (callers check input) */
  str_is("\xe6\x8b\xb1", 3, "[\"\xe6\x8b\xb1\"]");
  str_is("\xff\xc3", 2, "[\"\xff\xc3\"]");
  /* keys are escaped as strings are */
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kint(&j, "k\"\n", 1);
  zz_json_obj_end(&j);
  expect(&j, "{\"k\\\"\\n\":1}");

  /* every byte 0..255 reads back through jansson as the same bytes where
   * it is valid UTF-8 (0..127) */
  char all[128];
  for (int i = 0; i < 128; i++) all[i] = (char)i;
  zz_json_init(&j, &b);
  zz_json_strn(&j, all, sizeof all);
  assert_int_equal(zz_json_finish(&j), 0);
  json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  assert_non_null(v);
  assert_int_equal(json_string_length(v), sizeof all);
  assert_memory_equal(json_string_value(v), all, sizeof all);
  json_decref(v);
  zz_buf_free(&b);
}

static uint64_t bits(double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  return u;
}

static void num_is(double v, const char *want) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_num(&j, v);
  assert_int_equal(zz_json_finish(&j), 0);
  if (want) assert_string_equal(b.data, want);
  if (isfinite(v)) {
    char *end;
    double back = strtod(b.data, &end);
    assert_true(*end == 0);
    if (bits(back) != bits(v)) fail_msg("%a written as %s reads back as %a", v, b.data, back);
  }
  assert_true(zz_json_valid(b.data, b.len));
  zz_buf_free(&b);
}

static void test_numbers(void **state) {
  (void)state;
  num_is(0.1, "0.1");
  num_is(1.0 / 3, "0.3333333333333333");
  num_is(-0.0, "-0");
  num_is(0.0, "0");
  num_is(42, "42");
  num_is(-1234567, "-1234567");
  num_is(8999999999999999.0, NULL);
  num_is(1e300, "1e+300");
  num_is(5e-324, NULL);
  num_is(DBL_MAX, NULL);
  num_is(NAN, "null");
  num_is(INFINITY, "null");
  num_is(-INFINITY, "null");
  /* random bit patterns: every finite one reads back the same */
  srand(7);
  for (int i = 0; i < 20000; i++) {
    uint64_t u = 0;
    for (int k = 0; k < 4; k++) u = u << 16 | (uint64_t)(rand() & 0xffff);
    double v;
    memcpy(&v, &u, sizeof v);
    num_is(v, NULL);
  }
  /* the integer fast path writes what %lld writes */
  for (int64_t x = -100000; x <= 100000; x += 997) {
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)x);
    num_is((double)x, want);
  }
}

static void test_time_and_jansson(void **state) {
  (void)state;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_ktime(&j, "t", 0);
  json_t *v = json_pack("{s:[i,s,b,n]}", "x", 1, "a\"\n/", 1);
  zz_json_key(&j, "v");
  zz_json_jansson(&j, v);
  zz_json_key(&j, "n");
  zz_json_jansson(&j, NULL);
  zz_json_obj_end(&j);
  char *dump = json_dumps(v, JSON_COMPACT);
  char want[256];
  snprintf(want, sizeof want, "{\"t\":\"1970-01-01T08:00:00+08:00\",\"v\":%s,\"n\":null}", dump);
  zz_free(dump);
  json_decref(v);
  expect(&j, want);
}

/* Members of a stored object spliced into the one being written. */
static void test_members_text(void **state) {
  (void)state;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_members(&j, " { } ", 5);
  zz_json_members(&j, "{\"a\":1, \"b\":[2]} ", 17);
  zz_json_kint(&j, "c", 3);
  zz_json_members(&j, "{\"d\":{}}", 8);
  zz_json_obj_end(&j);
  expect(&j, "{\"a\":1, \"b\":[2],\"c\":3,\"d\":{}}");
  const char *bad[] = {"[1]", "\"{}\"", "{\"a\":", "{} x", ""};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++) {
    zz_json_init(&j, &b);
    zz_json_obj(&j);
    assert_int_equal(zz_json_members(&j, bad[i], strlen(bad[i])), ZZ_EINTERNAL);
    assert_null(b.data);
    zz_buf_free(&b);
  }
  /* only inside an object, with no key waiting */
  zz_json_init(&j, &b);
  zz_json_arr(&j);
  assert_int_equal(zz_json_members(&j, "{}", 2), ZZ_EINTERNAL);
  zz_buf_free(&b);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_key(&j, "k");
  assert_int_equal(zz_json_members(&j, "{}", 2), ZZ_EINTERNAL);
  zz_buf_free(&b);
}

/* A helper that writes with plain zz_buf calls: checked to be one value. */
static void write_good(void *ud, struct zz_buf *b) {
  (void)ud;
  zz_buf_adds(b, "{\"x\":[1,2]}");
}
static void write_bad(void *ud, struct zz_buf *b) {
  zz_buf_adds(b, ud);
}

static void test_value_from(void **state) {
  (void)state;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_arr(&j);
  zz_json_int(&j, 0);
  zz_json_value_from(&j, write_good, NULL);
  zz_json_int(&j, 3);
  zz_json_arr_end(&j);
  expect(&j, "[0,{\"x\":[1,2]},3]");
  /* stored JSON text: appended when it is one value, else a failure */
  zz_json_init(&j, &b);
  zz_json_arr(&j);
  zz_json_text(&j, "{\"a\": [1]}", 10);
  zz_json_text(&j, NULL, 0);
  zz_json_arr_end(&j);
  expect(&j, "[{\"a\": [1]},null]");
  zz_json_init(&j, &b);
  zz_json_arr(&j);
  assert_int_equal(zz_json_text(&j, "{\"a\":", 5), ZZ_EINTERNAL);
  assert_int_equal(zz_json_finish(&j), ZZ_EINTERNAL);
  assert_null(b.data);
  zz_buf_free(&b);
  const char *bad[] = {"", "{\"x\":1", "1,2", "{\"x\":1}}", "[1,]", "nul", "\"a\n\""};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++) {
    zz_json_init(&j, &b);
    zz_json_arr(&j);
    assert_int_equal(zz_json_value_from(&j, write_bad, (void *)bad[i]), ZZ_EINTERNAL);
    assert_null(b.data);
    assert_int_equal(zz_json_arr_end(&j), ZZ_EINTERNAL);
    assert_int_equal(zz_json_finish(&j), ZZ_EINTERNAL);
    zz_buf_free(&b);
  }
}

/* The cap reached mid-answer: an error and no text, never a prefix. */
/* Fixed decimals (Open311's coordinates): what "%.*f" writes, non-finite
 * values as null, a precision out of range as a misuse. */
static void test_fixed(void **state) {
  (void)state;
  const struct {
    double v;
    int places;
    const char *want;
  } c[] = {{30.3401, 6, "30.340100"},
           {120.1302, 6, "120.130200"},
           {-0.0, 2, "-0.00"},
           {1e20, 1, "100000000000000000000.0"},
           {2.5, 0, "2"},
           {NAN, 6, "null"},
           {INFINITY, 6, "null"},
           {-INFINITY, 3, "null"}};
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    struct zz_buf b;
    struct zz_json j;
    zz_buf_init(&b, 0);
    zz_json_init(&j, &b);
    zz_json_arr(&j);
    assert_int_equal(zz_json_fixed(&j, c[i].v, c[i].places), 0);
    zz_json_arr_end(&j);
    char want[64];
    snprintf(want, sizeof want, "[%s]", c[i].want);
    expect(&j, want);
  }
  for (int places = -1; places <= 18; places += 19) {
    struct zz_buf b;
    struct zz_json j;
    zz_buf_init(&b, 0);
    zz_json_init(&j, &b);
    assert_int_equal(zz_json_fixed(&j, 1.5, places), ZZ_EINTERNAL);
    assert_int_equal(zz_json_finish(&j), ZZ_EINTERNAL);
    assert_null(b.data);
    zz_buf_free(&b);
  }
}

static void test_cap_fails_whole(void **state) {
  (void)state;
  for (size_t cap = 1; cap < 64; cap++) {
    struct zz_buf b;
    struct zz_json j;
    zz_buf_init(&b, cap);
    zz_json_init(&j, &b);
    zz_json_obj(&j);
    zz_json_karr(&j, "items");
    for (int i = 0; i < 10; i++) zz_json_num(&j, i + 0.5);
    zz_json_arr_end(&j);
    zz_json_kstr(&j, "tail", "end");
    zz_json_obj_end(&j);
    int rc = zz_json_finish(&j);
    assert_int_equal(rc, ZZ_ETOOBIG);
    assert_int_equal(zz_json_error(&j), ZZ_ETOOBIG);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_null(zz_buf_steal(&b, NULL));
    zz_buf_free(&b);
  }
}

static void test_alloc_failure(void **state) {
  (void)state;
  for (long nth = 1; nth <= 4; nth++) {
    struct zz_buf b;
    struct zz_json j;
    zz_buf_init(&b, 0);
    zz_json_init(&j, &b);
    zz_alloc_fail_after(nth);
    zz_json_arr(&j);
    for (int i = 0; i < 3000; i++) {
      zz_json_obj(&j);
      zz_json_kint(&j, "key", i);
      zz_json_obj_end(&j);
    }
    zz_json_arr_end(&j);
    zz_alloc_fail_after(0);
    assert_int_equal(zz_json_finish(&j), ZZ_ENOMEM);
    assert_null(b.data);
    zz_buf_free(&b);
  }
}

/* Each misuse fails the buffer with ZZ_EINTERNAL: nothing goes out. */
enum misuse_kind {
  KEY_AT_TOP,
  KEY_IN_ARRAY,
  TWO_KEYS,
  VALUE_WITHOUT_KEY,
  END_WRONG_KIND,
  END_AFTER_KEY,
  END_AT_TOP,
  TWO_TOP_VALUES,
  UNCLOSED,
  NOTHING,
  TOO_DEEP,
  NULL_KEY,
};

static void misuse(enum misuse_kind k) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  switch (k) {
  case KEY_AT_TOP:
    zz_json_key(&j, "a");
    break;
  case KEY_IN_ARRAY:
    zz_json_arr(&j);
    zz_json_key(&j, "a");
    break;
  case TWO_KEYS:
    zz_json_obj(&j);
    zz_json_key(&j, "a");
    zz_json_key(&j, "b");
    break;
  case VALUE_WITHOUT_KEY:
    zz_json_obj(&j);
    zz_json_int(&j, 1);
    break;
  case END_WRONG_KIND:
    zz_json_obj(&j);
    zz_json_arr_end(&j);
    break;
  case END_AFTER_KEY:
    zz_json_obj(&j);
    zz_json_key(&j, "a");
    zz_json_obj_end(&j);
    break;
  case END_AT_TOP:
    zz_json_obj_end(&j);
    break;
  case TWO_TOP_VALUES:
    zz_json_int(&j, 1);
    zz_json_int(&j, 2);
    break;
  case UNCLOSED:
    zz_json_obj(&j);
    zz_json_kint(&j, "a", 1);
    break;
  case NOTHING:
    break;
  case TOO_DEEP:
    for (int i = 0; i <= ZZ_JSON_DEPTH; i++) zz_json_arr(&j);
    break;
  case NULL_KEY:
    zz_json_obj(&j);
    zz_json_key(&j, NULL);
    break;
  }
  /* whatever comes after, the writer stays failed */
  if (k != NOTHING) assert_int_equal(zz_json_null(&j), ZZ_EINTERNAL);
  assert_int_equal(zz_json_finish(&j), ZZ_EINTERNAL);
  assert_int_equal(zz_buf_error(&b), ZZ_EINTERNAL);
  assert_null(b.data);
  assert_null(zz_buf_steal(&b, NULL));
  zz_buf_free(&b);
}

static void test_misuse(void **state) {
  (void)state;
  for (int k = KEY_AT_TOP; k <= NULL_KEY; k++) misuse((enum misuse_kind)k);
}

static void test_valid(void **state) {
  (void)state;
  const char *good[] = {"0",    "-0.5e+3", "\"a\\u00e9\\n\"", " [ 1 , {\"a\" : null} ] ",
                        "true", "{}",      "[[],[{}]]",       "\"\xff\""};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(good); i++)
    if (!zz_json_valid(good[i], strlen(good[i]))) fail_msg("refused %s", good[i]);
  const char *bad[] = {"",        "01",   "1.",         ".5",       "+1",        "[1 2]", "{1:2}",
                       "{\"a\"}", "[",    "]",          "\"\\x\"",  "\"\\u12\"", "tru",   "nulll",
                       "{} {}",   "[1,]", "{\"a\":1,}", "\"\x01\"", "-",         "1e"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++)
    if (zz_json_valid(bad[i], strlen(bad[i]))) fail_msg("accepted %s", bad[i]);
  /* nesting beyond the depth is refused, not a stack overflow */
  char deep[2 * ZZ_JSON_DEPTH + 4];
  size_t n = 0;
  for (int i = 0; i <= ZZ_JSON_DEPTH; i++) deep[n++] = '[';
  for (int i = 0; i <= ZZ_JSON_DEPTH; i++) deep[n++] = ']';
  assert_false(zz_json_valid(deep, n));
  assert_true(zz_json_valid(deep + 1, n - 2));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nesting_and_commas),
      cmocka_unit_test(test_members),
      cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_fixed),
      cmocka_unit_test(test_time_and_jansson),
      cmocka_unit_test(test_members_text),
      cmocka_unit_test(test_value_from),
      cmocka_unit_test(test_cap_fails_whole),
      cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_misuse),
      cmocka_unit_test(test_valid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
