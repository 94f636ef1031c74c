/* test_matter_def.c - unit tests for src/workflow/matter_def.c: where a
 * matter is offered ("regions": a region and everything below it, never a
 * sibling whose path merely starts the same) and how matter_check refuses a
 * bad "regions", "priority" or "sla_dispatch_minutes" member, naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/zz.h"
#include "workflow/matter_def.h"

static json_t *parse(const char *text) {
  json_error_t je;
  json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
  if (!j) fail_msg("bad test JSON %s: %s", text, je.text);
  return j;
}

/* A valid matter with "regions" set to the JSON text regions (NULL: none). */
static json_t *matter(const char *regions) {
  json_t *m = parse("{\"id\":\"park_repair\",\"name_zh\":\"园区报修\",\"name_en\":\"Park repair\","
                    "\"kind\":\"service\",\"departments\":[\"urban_mgmt\"],"
                    "\"sla_accept_minutes\":30,\"sla_resolve_minutes\":600}");
  if (regions) json_object_set_new(m, "regions", parse(regions));
  return m;
}

static void test_offered_in(void **state) {
  (void)state;
  json_t *any = matter(NULL);
  json_t *park = matter("[\"gongshu/kejipark\"]");
  json_t *two = matter("[\"gongshu/dongxin/xintiandi\",\"gongshu/kejipark/beibu\"]");
  /* no regions: everywhere, even with no region known */
  assert_int_equal(matter_offered_in(any, "gongshu/dongxin/xintiandi"), 1);
  assert_int_equal(matter_offered_in(any, ""), 1);
  /* the region itself and below */
  assert_int_equal(matter_offered_in(park, "gongshu/kejipark"), 1);
  assert_int_equal(matter_offered_in(park, "gongshu/kejipark/wanggu"), 1);
  /* not above it, not beside it, not a sibling that starts the same */
  assert_int_equal(matter_offered_in(park, "gongshu"), 0);
  assert_int_equal(matter_offered_in(park, "gongshu/dongxin/xintiandi"), 0);
  assert_int_equal(matter_offered_in(park, "gongshu/kejipark2"), 0);
  assert_int_equal(matter_offered_in(park, ""), 0);
  assert_int_equal(matter_offered_in(park, NULL), 0);
  /* any of several */
  assert_int_equal(matter_offered_in(two, "gongshu/dongxin/xintiandi"), 1);
  assert_int_equal(matter_offered_in(two, "gongshu/kejipark/beibu"), 1);
  assert_int_equal(matter_offered_in(two, "gongshu/kejipark/wanggu"), 0);
  json_decref(any);
  json_decref(park);
  json_decref(two);
}

/* matter_check refuses this "regions" with exactly this field. */
static void refused(const char *regions, const char *field) {
  json_t *m = matter(regions);
  struct zz_err e = {0};
  int rc = matter_check(m, &e);
  if (rc != ZZ_EINVAL || strcmp(e.field, field) != 0)
    fail_msg("regions %s: rc %d field \"%s\" (%s); want field \"%s\"", regions, rc, e.field, e.msg,
             field);
  json_decref(m);
}

static void test_check_regions(void **state) {
  (void)state;
  struct zz_err e = {0};
  json_t *ok = matter("[\"gongshu/kejipark\",\"gongshu/dongxin/xintiandi\"]");
  assert_int_equal(matter_check(ok, &e), 0);
  json_decref(ok);
  refused("[]", "regions");
  refused("\"gongshu/kejipark\"", "regions");
  refused("[7]", "regions[0]");
  refused("[\"gongshu\",\"\"]", "regions[1]");
  refused("[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\","
          "\"o\",\"p\",\"q\"]",
          "regions");
}

/* "priority" and "sla_dispatch_minutes" (the dispatch desk's triage):
 * optional, checked and named when wrong. */
static void test_check_priority(void **state) {
  (void)state;
  const struct {
    const char *member, *value;
    int ok;
  } cases[] = {
      {"priority", "\"critical\"", 1},
      {"priority", "\"high\"", 1},
      {"priority", "\"normal\"", 1},
      {"priority", "\"urgent\"", 0},
      {"priority", "3", 0},
      {"sla_dispatch_minutes", "3", 1},
      {"sla_dispatch_minutes", "0", 0},
      {"sla_dispatch_minutes", "20000", 0},
      {"sla_dispatch_minutes", "\"5\"", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *m = matter(NULL);
    json_object_set_new(m, cases[i].member, parse(cases[i].value));
    struct zz_err e = {0};
    int rc = matter_check(m, &e);
    if (cases[i].ok ? rc != 0 : (rc != ZZ_EINVAL || strcmp(e.field, cases[i].member) != 0))
      fail_msg("%s = %s: rc %d field \"%s\" (%s)", cases[i].member, cases[i].value, rc, e.field,
               e.msg);
    json_decref(m);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_offered_in),
      cmocka_unit_test(test_check_regions),
      cmocka_unit_test(test_check_priority),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
