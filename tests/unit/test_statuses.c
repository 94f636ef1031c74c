/* test_statuses.c - unit tests for src/rollup/statuses.c (derived states
 * from an entity's latest record: the duty status) and src/rollup/readers.c
 * (which metrics the cockpit's panels read): evaluation by value and age,
 * the default state, the checks' messages naming the place, and the walk of
 * panels, heat metrics, latest tables, status panels and site views. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/check.h"
#include "rollup/readers.h"
#include "rollup/statuses.h"

#define MIN 60000LL

static const char *DUTY =
    "{\"statuses\": [{\"id\": \"duty\", \"name_zh\": \"在岗状态\", \"name_en\": \"Duty\","
    " \"metric\": \"duty_checkin\", \"states\": ["
    "  {\"id\": \"patrolling\", \"name_zh\": \"巡查中\", \"name_en\": \"Patrolling\", \"values\": "
    "[2],"
    "   \"within_minutes\": 45},"
    "  {\"id\": \"on_duty\", \"name_zh\": \"在岗\", \"name_en\": \"On duty\", \"values\": [1, 2],"
    "   \"within_minutes\": 120},"
    "  {\"id\": \"off\", \"name_zh\": \"离岗\", \"name_en\": \"Off\"}]}]}";

static json_t *parse(const char *text) {
  json_t *j = json_loads(text, 0, NULL);
  if (!j) fail_msg("bad test JSON %s", text);
  return j;
}

static void test_eval(void **state) {
  (void)state;
  json_t *doc = parse(DUTY);
  struct status_def d;
  assert_int_equal(status_find(doc, "duty", &d), 0);
  assert_int_equal(d.nstates, 3);
  assert_string_equal(d.metric, "duty_checkin");
  assert_int_equal(status_eval(&d, 1, 2, 10 * MIN), 0);  /* a patrol check-in just now */
  assert_int_equal(status_eval(&d, 1, 2, 45 * MIN), 0);  /* at the limit */
  assert_int_equal(status_eval(&d, 1, 2, 46 * MIN), 1);  /* older: still on duty */
  assert_int_equal(status_eval(&d, 1, 1, 119 * MIN), 1); /* signed on */
  assert_int_equal(status_eval(&d, 1, 1, 121 * MIN), 2); /* silent too long */
  assert_int_equal(status_eval(&d, 1, 0, 1 * MIN), 2);   /* signed off */
  assert_int_equal(status_eval(&d, 0, 0, 0), 2);         /* never reported */
  assert_int_equal(status_eval(&d, 1, 2, -5 * MIN), 0);  /* a clock ahead counts as now */
  assert_int_equal(status_find(doc, "sleep", &d), ZZ_ENOTFOUND);
  json_decref(doc);
}

static int metric_known(void *ud, const char *key) {
  (void)ud;
  return strcmp(key, "duty_checkin") == 0;
}

/* The check of text fails with this message (the pack's form). */
static void expect_fail(const char *text, const char *msg) {
  json_t *doc = parse(text);
  struct zz_err e = {0};
  struct check c;
  check_init(&c, &e, "statuses.json", CHECK_FIELD_FILE);
  struct status_lookup lk = {NULL, metric_known};
  int rc = statuses_check(doc, &lk, &c);
  json_decref(doc);
  if (rc != ZZ_EINVAL || strcmp(e.msg, msg) != 0)
    fail_msg("rc %d msg \"%s\"; want \"%s\"", rc, e.msg, msg);
}

static void test_check(void **state) {
  (void)state;
  json_t *doc = parse(DUTY);
  struct zz_err e = {0};
  struct check c;
  check_init(&c, &e, "statuses.json", CHECK_FIELD_FILE);
  struct status_lookup lk = {NULL, metric_known};
  assert_int_equal(statuses_check(doc, &lk, &c), 0);
  json_decref(doc);
  expect_fail(
      "{\"statuses\": [{\"id\": \"duty\", \"name_zh\": \"a\", \"name_en\": \"a\", \"metric\": "
      "\"nope\","
      " \"states\": [{\"id\": \"a\", \"name_zh\": \"a\", \"name_en\": \"a\", \"values\": [1], "
      "\"within_minutes\": 5}, {\"id\": \"b\", \"name_zh\": \"b\", \"name_en\": \"b\"}]}]}",
      "statuses.json statuses[0].metric: metric \"nope\" does not exist");
  expect_fail(
      "{\"statuses\": [{\"id\": \"duty\", \"name_zh\": \"a\", \"name_en\": \"a\", \"metric\": "
      "\"duty_checkin\", \"states\": [{\"id\": \"a\", \"name_zh\": \"a\", \"name_en\": \"a\", "
      "\"values\": [1], \"within_minutes\": 5}, {\"id\": \"b\", \"name_zh\": \"b\", \"name_en\": "
      "\"b\", \"values\": [0], \"within_minutes\": 5}]}]}",
      "statuses.json statuses[0].states[1].values: the last state takes every entity the others "
      "do not: it has no condition");
  expect_fail(
      "{\"statuses\": [{\"id\": \"duty\", \"name_zh\": \"a\", \"name_en\": \"a\", \"metric\": "
      "\"duty_checkin\", \"states\": [{\"id\": \"a\", \"name_zh\": \"a\", \"name_en\": \"a\", "
      "\"values\": [1]}, {\"id\": \"b\", \"name_zh\": \"b\", \"name_en\": \"b\"}]}]}",
      "statuses.json statuses[0].states[0].within_minutes: is required (every state but the "
      "last has a condition)");
  expect_fail(
      "{\"statuses\": [{\"id\": \"duty\", \"name_zh\": \"a\", \"name_en\": \"a\", \"metric\": "
      "\"duty_checkin\", \"states\": [{\"id\": \"a\", \"name_zh\": \"a\", \"name_en\": \"a\", "
      "\"values\": [1], \"within_minutes\": 5, \"color\": \"red\"}, {\"id\": \"b\", "
      "\"name_zh\": \"b\", \"name_en\": \"b\"}]}]}",
      "statuses.json statuses[0].states[0].color: must be a colour \"#rrggbb\", not \"red\"");
}

struct seen {
  char text[2048];
};

static void on_read(void *ud, const char *metric, const char *type, const char *reader) {
  struct seen *s = ud;
  size_t n = strlen(s->text);
  snprintf(s->text + n, sizeof s->text - n, "%s%s@%s;",
           metric ? metric : "type:", metric ? "" : type, reader);
}

static void test_readers(void **state) {
  (void)state;
  json_t *dash = parse(
      "{\"layouts\": {\"park\": {\"modules\": [{\"id\": \"m\", \"panels\": ["
      " {\"id\": \"k\", \"kind\": \"kpi\", \"items\": [{\"query\": {\"api\": \"series\", "
      "\"metric\": "
      "\"tax\"}}, {\"query\": {\"api\": \"summary\", \"entity_type\": \"enterprise\"}}]},"
      " {\"id\": \"map\", \"kind\": \"map\", \"metrics\": [\"visitors\"], \"query\": {\"api\": "
      "\"breakdown\", \"metric\": \"pm10\"}},"
      " {\"id\": \"t\", \"kind\": \"table\", \"query\": {\"api\": \"latest\", \"entity_type\": "
      "\"site\"}},"
      " {\"id\": \"s\", \"kind\": \"status\", \"query\": {\"api\": \"status\", \"status\": "
      "\"duty\"}}"
      "]}]}}, \"sites\": [{\"id\": \"pit\", \"metrics\": [\"pit_wall_deflection\"]}]}");
  json_t *st = parse(DUTY);
  struct seen s = {{0}};
  readers_each(dash, st, on_read, &s);
  assert_string_equal(s.text, "tax@park/m/k;visitors@park/m/map;pm10@park/m/map;type:site@park/m/t;"
                              "duty_checkin@park/m/s;pit_wall_deflection@site:pit;");
  json_decref(dash);
  json_decref(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_eval),
      cmocka_unit_test(test_check),
      cmocka_unit_test(test_readers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
