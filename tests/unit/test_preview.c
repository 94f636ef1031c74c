/* test_preview.c - rules_preview (src/rules/preview.c): a rule definition
 * run over stored records of a past window, each kind opening and clearing
 * where the engine would, the warm-up before the window, the rule's region,
 * counts of events, and the refusals; nothing written. */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/registry.h"
#include "rules/rule_def.h"
#include "rules/rules.h"
#include "store/store.h"
#include "store/store_alerts.h"
#include "store/store_records.h"
#include "store/store_registry.h"

#define MIN 60000LL
#define T0 (1780000000000LL / MIN * MIN) /* a whole minute, May 2026 */

static char dir[64];
static struct store *st;
static struct registry *reg;
static int64_t pm10, status, s1, s2;

static int64_t entity(const char *key, int64_t region) {
  struct zz_err e = {0};
  int64_t id = 0;
  struct store_entity en = {.key = key,
                            .type = "site",
                            .name_zh = key,
                            .name_en = key,
                            .region = region,
                            .lon = NAN,
                            .lat = NAN};
  assert_int_equal(store_entity_upsert(st, &en, 0, &id, &e), 0);
  return id;
}

static void put(int64_t ent, int64_t metric, int64_t ts, double v) {
  struct store_record r = {ent, (int32_t)metric, 0, ts, v, 0};
  struct store_write_result res;
  struct zz_err e = {0};
  assert_int_equal(store_records_write(st, &r, 1, &res, &e), 0);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/zz-test-preview-XXXXXX");
  if (!mkdtemp(dir)) return 1;
  struct store_open_opts so = {.dir = dir};
  struct zz_err e = {0};
  if (store_sqlite_open(&so, &st, &e)) return 1;
  int64_t d, a, b;
  struct store_region rd = {.path = "d", .level = "district", .name_zh = "区"};
  struct store_region ra = {.path = "d/a", .parent_path = "d", .level = "street", .name_zh = "甲"};
  struct store_region rb = {.path = "d/b", .parent_path = "d", .level = "street", .name_zh = "乙"};
  if (store_region_upsert(st, &rd, &d, &e) || store_region_upsert(st, &ra, &a, &e) ||
      store_region_upsert(st, &rb, &b, &e))
    return 1;
  struct store_named ty = {.key = "site"};
  if (store_named_upsert(st, "entity_type", &ty, NULL, &e)) return 1;
  struct store_metric m1 = {.key = "pm10", .agg = "avg", .entity_type = "site"};
  struct store_metric m2 = {.key = "status", .agg = "last", .entity_type = "site"};
  if (store_metric_upsert(st, &m1, &pm10, &e) || store_metric_upsert(st, &m2, &status, &e))
    return 1;
  s1 = entity("s1", a);
  s2 = entity("s2", b);
  /* s1: PM10 200 for 40 minutes from T0, then 40; s2 the same an hour later */
  for (int m = 0; m <= 120; m += 5) {
    put(s1, pm10, T0 + m * MIN, m <= 40 ? 200 : 40);
    put(s2, pm10, T0 + 60 * MIN + m * MIN, m <= 40 ? 200 : 40);
  }
  /* s1's status every 5 minutes for an hour, then silence */
  for (int m = 0; m <= 60; m += 5) put(s1, status, T0 + m * MIN, 1);
  return registry_open(st, &reg, &e) ? 1 : 0;
}

static int teardown(void **state) {
  (void)state;
  registry_free(reg);
  store_close(st);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
  return 0;
}

/* Parses text as a rule and previews it over [from, to). */
static int run(const char *text, int64_t from, int64_t to, struct rules_preview *p,
               struct zz_err *e) {
  json_error_t je;
  json_t *j = json_loads(text, 0, &je);
  assert_non_null(j);
  struct rule_def d;
  int rc = rule_parse(j, &d, e);
  json_decref(j);
  if (rc) return rc;
  return rules_preview(st, reg, &d, from, to, p, e);
}

static const struct rules_preview_hit *hit_of(const struct rules_preview *p, const char *key) {
  for (size_t i = 0; i < p->nhits; i++)
    if (strcmp(p->hits[i].entity_key, key) == 0) return &p->hits[i];
  return NULL;
}

#define HEAD "\"id\":\"r\",\"name_zh\":\"r\",\"name_en\":\"r\",\"severity\":\"major\","

static void test_threshold(void **state) {
  (void)state;
  struct rules_preview p;
  struct zz_err e = {0};
  const char *def = "{" HEAD "\"kind\":\"threshold\",\"metric\":\"pm10\","
                    "\"condition\":{\"op\":\"above\",\"value\":150,\"for_minutes\":15}}";
  assert_int_equal(run(def, T0 - 60 * MIN, T0 + 24 * 60 * MIN, &p, &e), 0);
  assert_int_equal(p.entities, 2);
  assert_int_equal(p.with_data, 2);
  assert_int_equal(p.alerts, 2);
  assert_int_equal(p.records, 2 * 25);
  const struct rules_preview_hit *h = hit_of(&p, "s1");
  assert_non_null(h);
  assert_int_equal(h->opened, T0 + 15 * MIN); /* beyond the limit for 15 minutes */
  assert_int_equal(h->cleared, T0 + 45 * MIN);
  assert_true(h->value == 200);
  h = hit_of(&p, "s2");
  assert_non_null(h);
  assert_int_equal(h->opened, T0 + 75 * MIN);
  rules_preview_free(&p);
  /* a window starting inside s1's run: the warm-up reads back, so the alert
   * opens at T0+15 as the engine's would, 5 minutes into the window */
  assert_int_equal(run(def, T0 + 10 * MIN, T0 + 50 * MIN, &p, &e), 0);
  h = hit_of(&p, "s1");
  assert_non_null(h);
  assert_int_equal(h->opened, T0 + 15 * MIN);
  rules_preview_free(&p);
  /* opened before the window: not the window's alert */
  assert_int_equal(run(def, T0 + 20 * MIN, T0 + 50 * MIN, &p, &e), 0);
  assert_null(hit_of(&p, "s1"));
  rules_preview_free(&p);
  /* the rule's region: s2 is outside d/a */
  const char *in_a = "{" HEAD "\"kind\":\"threshold\",\"metric\":\"pm10\",\"region\":\"d/a\","
                     "\"condition\":{\"op\":\"above\",\"value\":150,\"for_minutes\":15}}";
  assert_int_equal(run(in_a, T0 - 60 * MIN, T0 + 24 * 60 * MIN, &p, &e), 0);
  assert_int_equal(p.entities, 1);
  assert_int_equal(p.alerts, 1);
  assert_non_null(hit_of(&p, "s1"));
  rules_preview_free(&p);
  /* a higher limit: nothing */
  const char *high = "{" HEAD "\"kind\":\"threshold\",\"metric\":\"pm10\","
                     "\"condition\":{\"op\":\"above\",\"value\":250}}";
  assert_int_equal(run(high, T0 - 60 * MIN, T0 + 24 * 60 * MIN, &p, &e), 0);
  assert_int_equal(p.alerts, 0);
  assert_int_equal(p.nhits, 0);
  rules_preview_free(&p);
}

static void test_kinds(void **state) {
  (void)state;
  struct rules_preview p;
  struct zz_err e = {0};
  int64_t from = T0 - 60 * MIN, to = T0 + 6 * 60 * MIN;
  /* absence: s1's status is silent from T0+60; after 30 minutes, an alert
   * that stays open (the clock ticks each minute) */
  const char *absent = "{" HEAD "\"kind\":\"absence\",\"metric\":\"status\","
                       "\"condition\":{\"for_minutes\":30}}";
  assert_int_equal(run(absent, from, to, &p, &e), 0);
  assert_int_equal(p.alerts, 1);
  const struct rules_preview_hit *h = hit_of(&p, "s1");
  assert_non_null(h);
  assert_int_equal(h->opened, T0 + 90 * MIN);
  assert_int_equal(h->cleared, 0);
  rules_preview_free(&p);
  /* rate: 200 -> 40 is -80 % within 10 minutes */
  const char *rate = "{" HEAD "\"kind\":\"rate\",\"metric\":\"pm10\","
                     "\"condition\":{\"op\":\"down\",\"percent\":50,\"window_minutes\":10}}";
  assert_int_equal(run(rate, from, to, &p, &e), 0);
  assert_int_equal(p.alerts, 2);
  h = hit_of(&p, "s1");
  assert_non_null(h);
  assert_int_equal(h->opened, T0 + 45 * MIN);
  assert_true(fabs(h->value + 80) < 1e-9);
  rules_preview_free(&p);
  /* count: 3 records above nothing in particular within 10 minutes (by records) */
  const char *count = "{" HEAD "\"kind\":\"count\",\"metric\":\"pm10\",\"region\":\"d/a\","
                      "\"condition\":{\"count\":3,\"window_minutes\":11,\"by\":\"records\"}}";
  assert_int_equal(run(count, from, to, &p, &e), 0);
  h = hit_of(&p, "s1");
  assert_non_null(h);
  assert_int_equal(h->opened, T0 + 10 * MIN); /* T0, +5, +10 */
  assert_true(h->value == 3);
  rules_preview_free(&p);
}

/* A count of events: the events of its kind, each a 1, as the engine
 * feeds them; other kinds and too few events raise nothing. */
static void test_events(void **state) {
  (void)state;
  struct zz_err e = {0};
  struct store_event evs[] = {
      {s1, 0, T0, "gate_jam", "{}"},           {s1, 0, T0 + 2 * MIN, "door_open", "{}"},
      {s1, 0, T0 + 3 * MIN, "gate_jam", "{}"}, {s1, 0, T0 + 6 * MIN, "gate_jam", "{}"},
      {s1, 0, T0 + 7 * MIN, "gate_jam", "{}"}, {s2, 0, T0 + 60 * MIN, "gate_jam", "{}"},
      {s2, 0, T0 + 61 * MIN, "gate_jam", "{}"}};
  assert_int_equal(store_events_write(st, evs, sizeof evs / sizeof evs[0], &e), 0);
  struct rules_preview p;
  const char *ev = "{" HEAD "\"kind\":\"count\",\"event\":\"gate_jam\","
                   "\"condition\":{\"count\":3,\"window_minutes\":10}}";
  assert_int_equal(run(ev, T0 - 60 * MIN, T0 + 6 * 60 * MIN, &p, &e), 0);
  assert_int_equal(p.alerts, 1);
  assert_int_equal(p.nhits, 1);
  const struct rules_preview_hit *h = hit_of(&p, "s1");
  assert_non_null(h);
  assert_int_equal(h->opened, T0 + 6 * MIN); /* T0, +3, +6: the door does not count */
  assert_true(h->value == 3);
  assert_true(h->cleared > h->opened);
  assert_int_equal(p.records, 6); /* the gate jams read, s1's and s2's */
  rules_preview_free(&p);
  /* four in ten minutes: s2's two are still not enough */
  const char *four = "{" HEAD "\"kind\":\"count\",\"event\":\"gate_jam\","
                     "\"condition\":{\"count\":4,\"window_minutes\":10}}";
  assert_int_equal(run(four, T0 - 60 * MIN, T0 + 6 * 60 * MIN, &p, &e), 0);
  assert_int_equal(p.alerts, 1);
  assert_int_equal(hit_of(&p, "s1")->opened, T0 + 7 * MIN);
  rules_preview_free(&p);
}

static int count_alert(void *ud, const struct store_alert *a) {
  (void)a;
  ++*(int *)ud;
  return 0;
}

static void test_refusals(void **state) {
  (void)state;
  struct rules_preview p;
  struct zz_err e = {0};
  const char *nom = "{" HEAD "\"kind\":\"threshold\",\"metric\":\"nope\","
                    "\"condition\":{\"op\":\"above\",\"value\":1}}";
  assert_int_equal(run(nom, T0, T0 + MIN, &p, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "metric");
  const char *nor = "{" HEAD "\"kind\":\"threshold\",\"metric\":\"pm10\",\"region\":\"d/zz\","
                    "\"condition\":{\"op\":\"above\",\"value\":1}}";
  assert_int_equal(run(nor, T0, T0 + MIN, &p, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "region");
  const char *ok = "{" HEAD "\"kind\":\"threshold\",\"metric\":\"pm10\","
                   "\"condition\":{\"op\":\"above\",\"value\":1}}";
  assert_int_equal(run(ok, T0, T0, &p, &e), ZZ_EINVAL); /* an empty window */
  /* nothing was written: no alert exists */
  int n = 0;
  struct store_alert_filter f = {0};
  assert_int_equal(store_alerts_each(st, &f, count_alert, &n), 0);
  assert_int_equal(n, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_threshold),
      cmocka_unit_test(test_kinds),
      cmocka_unit_test(test_events),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
