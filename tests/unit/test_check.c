/* test_check.c - unit tests for src/core/check.c, the JSON checking kit:
 * required members missing, wrong types, enums, ids (too long, bad
 * characters, the one length limit), numbers and integers in ranges, arrays
 * and their items, unknown members, nested paths, and the three message
 * forms (API objects, pack files, demo.json) in e->field and e->msg. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "core/check.h"
#include "core/zz.h"

static json_t *parse(const char *text) {
  json_error_t je;
  json_t *j = json_loads(text, 0, &je);
  if (!j) fail_msg("bad test JSON %s: %s", text, je.text);
  return j;
}

/* The failure must be ZZ_EINVAL with exactly this field and message. */
static void expect(int rc, const struct zz_err *e, const char *field, const char *msg) {
  if (rc != ZZ_EINVAL || e->code != ZZ_EINVAL || strcmp(e->field, field) != 0 ||
      strcmp(e->msg, msg) != 0)
    fail_msg("rc %d code %d field \"%s\" msg \"%s\"; want field \"%s\" msg \"%s\"", rc, e->code,
             e->field, e->msg, field, msg);
}

static void test_required_and_types(void **state) {
  (void)state;
  json_t *o = parse("{\"name\":\"a\",\"empty\":\"\",\"n\":5,\"nul\":null,\"flag\":true,"
                    "\"obj\":{},\"long\":\"abcdef\"}");
  struct zz_err e = {0};
  struct check k;
  check_init(&k, &e, NULL, 0);
  const char *s = "default";
  /* an absent optional member leaves *out as it was */
  assert_int_equal(check_str(&k, o, "nope", CHECK_OPTIONAL, 0, &s), 0);
  assert_string_equal(s, "default");
  assert_int_equal(e.code, 0);
  expect(check_str(&k, o, "nope", CHECK_REQUIRED, 0, &s), &e, "nope", "nope is required");
  expect(check_str(&k, o, "n", CHECK_REQUIRED, 0, &s), &e, "n", "n must be a string");
  expect(check_str(&k, o, "empty", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &s), &e, "empty",
         "empty must be a non-empty string");
  assert_int_equal(check_str(&k, o, "empty", CHECK_REQUIRED, 0, &s), 0);
  assert_string_equal(s, "");
  expect(check_str(&k, o, "long", CHECK_OPTIONAL, 5, &s), &e, "long",
         "long is longer than 5 bytes");
  assert_int_equal(check_str(&k, o, "long", CHECK_OPTIONAL, 6, &s), 0);
  assert_string_equal(s, "abcdef");
  /* null: a wrong type, unless it counts as absent */
  expect(check_str(&k, o, "nul", CHECK_OPTIONAL, 0, &s), &e, "nul", "nul must be a string");
  s = NULL;
  assert_int_equal(check_str(&k, o, "nul", CHECK_NULL_ABSENT, 0, &s), 0);
  assert_null(s);
  expect(check_str(&k, o, "nul", CHECK_NULL_ABSENT | CHECK_REQUIRED, 0, &s), &e, "nul",
         "nul is required");
  int b = -1;
  assert_int_equal(check_bool(&k, o, "flag", CHECK_REQUIRED, &b), 0);
  assert_int_equal(b, 1);
  expect(check_bool(&k, o, "n", CHECK_REQUIRED, &b), &e, "n", "n must be true or false");
  const json_t *x = NULL;
  assert_int_equal(check_object(&k, o, "obj", CHECK_REQUIRED, &x), 0);
  assert_ptr_equal(x, json_object_get(o, "obj"));
  expect(check_object(&k, o, "name", CHECK_REQUIRED, &x), &e, "name", "name must be an object");
  /* a NULL zz_err: the code alone */
  struct check quiet;
  check_init(&quiet, NULL, NULL, 0);
  assert_int_equal(check_str(&quiet, o, "nope", CHECK_REQUIRED, 0, &s), ZZ_EINVAL);
  json_decref(o);
}

static void test_enums(void **state) {
  (void)state;
  static const char *const sev[] = {"info", "warning", "major", "critical"};
  json_t *o = parse("{\"a\":\"major\",\"b\":\"apocalyptic\",\"c\":3}");
  struct zz_err e = {0};
  struct check k;
  check_init(&k, &e, NULL, 0);
  const char *s = NULL;
  assert_int_equal(check_enum(&k, o, "a", CHECK_REQUIRED, sev, 4, &s), 0);
  assert_string_equal(s, "major");
  expect(check_enum(&k, o, "b", CHECK_REQUIRED, sev, 4, &s), &e, "b",
         "b must be one of info, warning, major, critical");
  expect(check_enum(&k, o, "c", CHECK_REQUIRED, sev, 4, &s), &e, "c",
         "c must be one of info, warning, major, critical");
  expect(check_enum(&k, o, "d", CHECK_REQUIRED, sev, 4, &s), &e, "d", "d is required");
  s = NULL;
  assert_int_equal(check_enum(&k, o, "d", CHECK_OPTIONAL, sev, 4, &s), 0);
  assert_null(s);
  assert_int_equal(check_one_of("critical", sev, 4), 3);
  assert_int_equal(check_one_of("Critical", sev, 4), -1);
  assert_int_equal(check_one_of(NULL, sev, 4), -1);
  char buf[16];
  assert_string_equal(check_list(sev, 2, buf, sizeof buf), "info, warning");
  assert_string_equal(check_list(sev, 4, buf, sizeof buf), "info, warning, "); /* cut */
  json_decref(o);
}

static void test_keys(void **state) {
  (void)state;
  char longest[CHECK_KEY_MAX + 2];
  memset(longest, 'a', sizeof longest);
  longest[CHECK_KEY_MAX] = 0;
  assert_true(check_is_key(longest));
  longest[CHECK_KEY_MAX] = 'a';
  longest[CHECK_KEY_MAX + 1] = 0;
  assert_false(check_is_key(longest)); /* one over the limit */
  assert_true(check_is_key("pm10_avg"));
  assert_false(check_is_key(""));
  assert_false(check_is_key(NULL));
  assert_false(check_is_key("Pm10"));
  assert_false(check_is_key("pm-10"));
  assert_false(check_is_key("pm 10"));
  assert_false(check_is_key("区"));

  json_t *o = json_pack("{ss ss si ss}", "ok", "noise", "bad", "No-ise", "num", 7, "long", longest);
  struct zz_err e = {0};
  struct check k;
  check_init(&k, &e, NULL, 0);
  const char *s = NULL;
  assert_int_equal(check_key(&k, o, "ok", CHECK_REQUIRED, &s), 0);
  assert_string_equal(s, "noise");
  expect(check_key(&k, o, "bad", CHECK_REQUIRED, &s), &e, "bad",
         "bad \"No-ise\" must be 1-64 of a-z, 0-9, _");
  expect(check_key(&k, o, "num", CHECK_REQUIRED, &s), &e, "num", "num must be a non-empty string");
  assert_int_equal(check_key(&k, o, "long", CHECK_REQUIRED, &s), ZZ_EINVAL);
  assert_string_equal(e.field, "long");
  assert_non_null(strstr(e.msg, "must be 1-64 of a-z, 0-9, _"));
  expect(check_key(&k, o, "none", CHECK_REQUIRED, &s), &e, "none", "none is required");
  json_decref(o);
}

static void test_numbers(void **state) {
  (void)state;
  json_t *o = parse("{\"half\":0.5,\"big\":1e20,\"five\":5,\"text\":\"5\",\"zero\":0}");
  struct zz_err e = {0};
  struct check k;
  check_init(&k, &e, NULL, 0);
  double d = -1;
  assert_int_equal(check_num(&k, o, "half", CHECK_REQUIRED, 0, 1, &d), 0);
  assert_true(d == 0.5);
  assert_int_equal(check_num(&k, o, "five", CHECK_REQUIRED, 0, 5, &d), 0); /* bounds inclusive */
  assert_true(d == 5);
  expect(check_num(&k, o, "big", CHECK_REQUIRED, -1e15, 1e15, &d), &e, "big",
         "big must be a number from -1e15 to 1e15, not 1e20");
  expect(check_num(&k, o, "text", CHECK_REQUIRED, 0, 1, &d), &e, "text",
         "text must be a number from 0 to 1");
  expect(check_num(&k, o, "half", CHECK_REQUIRED, 0.75, HUGE_VAL, &d), &e, "half",
         "half must be a number >= 0.75, not 0.5");
  expect(check_num(&k, o, "gone", CHECK_REQUIRED, 0, 1, &d), &e, "gone", "gone is required");
  d = 7;
  assert_int_equal(check_num(&k, o, "gone", CHECK_OPTIONAL, 0, 1, &d), 0);
  assert_true(d == 7);

  int64_t i = -1;
  assert_int_equal(check_int(&k, o, "five", CHECK_REQUIRED, 1, 31, &i), 0);
  assert_int_equal(i, 5);
  expect(check_int(&k, o, "zero", CHECK_REQUIRED, 1, INT64_MAX, &i), &e, "zero",
         "zero must be an integer >= 1, not 0");
  expect(check_int(&k, o, "five", CHECK_REQUIRED, INT64_MIN, 4, &i), &e, "five",
         "five must be an integer <= 4, not 5");
  expect(check_int(&k, o, "half", CHECK_REQUIRED, 0, 10, &i), &e, "half",
         "half must be an integer from 0 to 10, not 0.5");
  expect(check_int(&k, o, "text", CHECK_REQUIRED, 0, 10, &i), &e, "text",
         "text must be an integer from 0 to 10");
  json_decref(o);
}

static void test_arrays(void **state) {
  (void)state;
  json_t *o = parse("{\"ids\":[\"a\",\"b_2\"],\"mixed\":[\"a\",3],\"objs\":[{},[]],"
                    "\"badkey\":[\"ok\",\"Not OK\"],\"empty\":[],\"notarr\":{}}");
  struct zz_err e = {0};
  struct check k;
  check_init(&k, &e, NULL, 0);
  const json_t *a = NULL;
  assert_int_equal(check_array(&k, o, "ids", CHECK_REQUIRED, 1, 12, CHECK_KEY, &a), 0);
  assert_int_equal(json_array_size(a), 2);
  expect(check_array(&k, o, "mixed", CHECK_REQUIRED, 0, 0, CHECK_STRING, &a), &e, "mixed[1]",
         "mixed[1] must be a string");
  expect(check_array(&k, o, "objs", CHECK_REQUIRED, 0, 0, CHECK_OBJECT, &a), &e, "objs[1]",
         "objs[1] must be an object");
  expect(check_array(&k, o, "badkey", CHECK_REQUIRED, 0, 0, CHECK_KEY, &a), &e, "badkey[1]",
         "badkey[1] \"Not OK\" must be 1-64 of a-z, 0-9, _");
  expect(check_array(&k, o, "empty", CHECK_REQUIRED, 1, 12, CHECK_ANY, &a), &e, "empty",
         "empty must list 1 to 12 items");
  expect(check_array(&k, o, "ids", CHECK_REQUIRED, 0, 1, CHECK_ANY, &a), &e, "ids",
         "ids must list at most 1 item");
  expect(check_array(&k, o, "ids", CHECK_REQUIRED, 3, 3, CHECK_ANY, &a), &e, "ids",
         "ids must list 3 items");
  expect(check_array(&k, o, "empty", CHECK_REQUIRED, 1, 0, CHECK_ANY, &a), &e, "empty",
         "empty must list at least 1 item");
  expect(check_array(&k, o, "notarr", CHECK_REQUIRED, 0, 0, CHECK_ANY, &a), &e, "notarr",
         "notarr must be an array");
  a = NULL;
  assert_int_equal(check_array(&k, o, "gone", CHECK_OPTIONAL, 1, 2, CHECK_ANY, &a), 0);
  assert_null(a);
  /* the document itself (key NULL), as a pack file's top level */
  json_t *doc = parse("[{},{},7]");
  struct check f;
  check_init(&f, &e, "metrics.json", CHECK_FIELD_FILE);
  expect(check_array(&f, doc, NULL, CHECK_REQUIRED, 0, 0, CHECK_OBJECT, &a), &e, "metrics.json [2]",
         "metrics.json [2]: must be an object");
  expect(check_array(&f, o, NULL, CHECK_REQUIRED, 0, 0, CHECK_OBJECT, &a), &e, "metrics.json",
         "metrics.json: must be an array");
  json_decref(doc);
  json_decref(o);
}

/* Paths: pushed, popped and replaced; an index follows without a dot. */
static void test_nested_paths(void **state) {
  (void)state;
  json_t *doc = parse("{\"layouts\":{\"park\":{\"modules\":[{\"panels\":[{\"query\":"
                      "{\"metric\":7}}]}]}}}");
  json_t *query = json_object_get(
      json_array_get(
          json_object_get(
              json_array_get(
                  json_object_get(json_object_get(json_object_get(doc, "layouts"), "park"),
                                  "modules"),
                  0),
              "panels"),
          0),
      "query");
  struct zz_err e = {0};
  struct check k;
  check_init(&k, &e, "dashboards.json", 0);
  size_t m1 = check_push(&k, "layouts.%s", "park");
  size_t m2 = check_push(&k, ".modules[%d]", 0);
  check_push(&k, ".panels[%d]", 0);
  check_push_key(&k, "query");
  const char *s;
  expect(check_str(&k, query, "metric", CHECK_REQUIRED, 0, &s), &e,
         "layouts.park.modules[0].panels[0].query.metric",
         "dashboards.json layouts.park.modules[0].panels[0].query.metric: must be a string");
  check_pop(&k, m2);
  expect(check_fail(&k, "modules", "must list 1 to 12 modules"), &e, "layouts.park.modules",
         "dashboards.json layouts.park.modules: must list 1 to 12 modules");
  check_pop(&k, m1);
  expect(check_fail(&k, NULL, "must be an object"), &e, "dashboards.json",
         "dashboards.json: must be an object");
  check_push_key(&k, "[3]"); /* an index at the top, then a member */
  check_push_key(&k, "agg");
  assert_string_equal(k.path, "[3].agg");
  check_at(&k, "features[%d]", 2);
  assert_string_equal(k.path, "features[2]");
  expect(check_fail(&k, "properties", "must be an object"), &e, "features[2].properties",
         "dashboards.json features[2].properties: must be an object");
  /* a path that would overflow is cut, never written past */
  for (int i = 0; i < 100; i++) check_push(&k, ".deeper%d", i);
  assert_true(strlen(k.path) < sizeof k.path);
  assert_int_equal(check_fail(&k, "x", "text"), ZZ_EINVAL);
  assert_true(strlen(e.field) < sizeof e.field);
  json_decref(doc);
}

/* The three forms: pack files (field with the file, "required"), lines of
 * an NDJSON file (the member in the text) and demo.json ("file: path:"). */
static void test_forms(void **state) {
  (void)state;
  json_t *o = parse("{\"agg\":\"median\",\"lon\":500}");
  static const char *const aggs[] = {"sum", "avg"};
  struct zz_err e = {0};
  const char *s;
  double d;

  struct check p;
  check_init(&p, &e, "metrics.json", CHECK_FIELD_FILE);
  p.missing = "required";
  check_at(&p, "[%d]", 2);
  expect(check_enum(&p, o, "agg", CHECK_REQUIRED, aggs, 2, &s), &e, "metrics.json [2].agg",
         "metrics.json [2].agg: must be one of sum, avg");
  expect(check_str(&p, o, "unit", CHECK_REQUIRED, 0, &s), &e, "metrics.json [2].unit",
         "metrics.json [2].unit: required");

  struct check l;
  check_init(&l, &e, "entities.ndjson", CHECK_FIELD_FILE | CHECK_LINE);
  check_at(&l, "line %d", 12);
  expect(check_num(&l, o, "lon", CHECK_REQUIRED, -180, 180, &d), &e, "entities.ndjson line 12",
         "entities.ndjson line 12: lon: must be a number from -180 to 180, not 500");
  assert_int_equal(check_fail_code(&l, ZZ_ETOOBIG, NULL, "longer than %d bytes", 65536),
                   ZZ_ETOOBIG);
  assert_string_equal(e.field, "entities.ndjson line 12");
  assert_int_equal(e.code, ZZ_ETOOBIG);
  assert_string_equal(e.msg, "entities.ndjson line 12: longer than 65536 bytes");

  struct check m;
  check_init(&m, &e, "demo.json", CHECK_FILE_COLON);
  m.missing = "missing";
  check_at(&m, "calibration.targets[%d]", 3);
  expect(check_num(&m, o, "percent", CHECK_REQUIRED, -99.9, 1e5, &d), &e,
         "calibration.targets[3].percent", "demo.json: calibration.targets[3].percent: missing");
  static const char *const known[] = {"agg", NULL};
  check_at(&m, "series[%d]", 1);
  expect(check_known(&m, o, known), &e, "series[1]", "demo.json: series[1]: unknown field \"lon\"");
  check_pop(&m, 0);
  expect(check_fail(&m, NULL, "holds no entity"), &e, "demo.json", "demo.json: holds no entity");

  /* an API object: "PATH TEXT", the top without a path */
  struct check a;
  check_init(&a, &e, NULL, 0);
  expect(check_fail(&a, NULL, "a rule must be a JSON object"), &e, "",
         "a rule must be a JSON object");
  check_push_key(&a, "condition");
  expect(check_num(&a, o, "value", CHECK_REQUIRED, -1e15, 1e15, &d), &e, "condition.value",
         "condition.value is required");
  json_decref(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_required_and_types),
      cmocka_unit_test(test_enums),
      cmocka_unit_test(test_keys),
      cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_arrays),
      cmocka_unit_test(test_nested_paths),
      cmocka_unit_test(test_forms),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
