/* test_rules.c - rule definitions and their evaluation (src/rules/rule_def.c):
 * parsing with errors that name the field, the four kinds (threshold with
 * duration and hysteresis, rate of change, count in window, absence),
 * cooldown, active hours that wrap midnight, and the engine end to end on a
 * real store (one alert per rule and entity, reloaded after a restart). */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/bus.h"
#include "core/ztime.h"
#include "model/registry.h"
#include "pack/pack.h"
#include "rules/rule_def.h"
#include "rules/rules.h"
#include "store/store.h"
#include "store/store_alerts.h"
#include "store/store_catalog.h"
#include "store/store_records.h"
#include "store/store_registry.h"
#include "support.h"

#define MIN 60000LL

static void parse_ok(const char *text, struct rule_def *d) {
  json_error_t je;
  json_t *j = json_loads(text, 0, &je);
  assert_non_null(j);
  struct zz_err e = {0};
  int rc = rule_parse(j, d, &e);
  if (rc) fprintf(stderr, "parse: %s: %s\n", e.field, e.msg);
  assert_int_equal(rc, 0);
  json_decref(j);
}

static void parse_fails(const char *text, const char *field) {
  json_t *j = json_loads(text, 0, NULL);
  assert_non_null(j);
  struct rule_def d;
  struct zz_err e = {0};
  assert_int_equal(rule_parse(j, &d, &e), ZZ_EINVAL);
  if (strcmp(e.field, field) != 0)
    fprintf(stderr, "field %s, want %s (%s)\n", e.field, field, e.msg);
  assert_string_equal(e.field, field);
  assert_true(strlen(e.msg) > 10);
  json_decref(j);
}

#define HEAD                                                                                       \
  "\"id\":\"r1\",\"name_zh\":\"规则\",\"name_en\":\"Rule\",\"metric\":\"pm10\",\"severity\":"    \
  "\"major\","

static void test_parse(void **state) {
  (void)state;
  struct rule_def d;
  parse_ok("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"above\",\"value\":150,"
           "\"for_minutes\":15},\"hysteresis\":20,\"cooldown_minutes\":60,\"hours\":[22,6],"
           "\"auto_order\":{\"matter\":\"dust\"}}",
           &d);
  assert_int_equal(d.kind, RULE_THRESHOLD);
  assert_int_equal(d.op, 1);
  assert_true(d.value == 150);
  assert_int_equal(d.for_ms, 15 * MIN);
  assert_true(d.hysteresis == 20);
  assert_int_equal(d.cooldown_ms, 60 * MIN);
  assert_int_equal(d.hour_from, 22);
  assert_int_equal(d.hour_to, 6);
  assert_string_equal(d.auto_matter, "dust");
  assert_int_equal(d.enabled, 1);
  /* round trip through rule_to_json */
  struct zz_buf b;
  zz_buf_init(&b, 0);
  assert_int_equal(rule_to_json(&d, &b), 0);
  struct rule_def d2;
  parse_ok(b.data, &d2);
  assert_memory_equal(&d, &d2, sizeof d);
  zz_buf_free(&b);

  /* a count of events instead of a metric */
  parse_ok("{\"id\":\"jam\",\"name_zh\":\"堵\",\"name_en\":\"Jam\",\"kind\":\"count\","
           "\"event\":\"gate_jam\",\"severity\":\"info\",\"condition\":{\"count\":3,"
           "\"window_minutes\":10}}",
           &d);
  assert_string_equal(d.event, "gate_jam");
  assert_string_equal(d.metric, "");
  assert_int_equal(d.count_records, 1);
  /* the event kind's names: kept, written back, only for event rules */
  parse_ok("{\"id\":\"jam\",\"name_zh\":\"堵\",\"name_en\":\"Jam\",\"kind\":\"count\","
           "\"event\":\"gate_jam\",\"event_name_zh\":\"出入口拥堵\",\"event_name_en\":\"gate "
           "congestion\",\"severity\":\"info\",\"condition\":{\"count\":3,\"window_minutes\":10}}",
           &d);
  assert_string_equal(d.event_name_zh, "出入口拥堵");
  assert_string_equal(d.event_name_en, "gate congestion");
  {
    struct zz_buf rb;
    zz_buf_init(&rb, 0);
    assert_int_equal(rule_to_json(&d, &rb), 0);
    assert_non_null(
        strstr(rb.data, "\"event_name_zh\":\"出入口拥堵\",\"event_name_en\":\"gate congestion\""));
    zz_buf_free(&rb);
  }
  parse_fails("{" HEAD "\"kind\":\"threshold\",\"event_name_zh\":\"堵\",\"condition\":{\"op\":"
              "\"above\",\"value\":1}}",
              "event_name_zh");
  parse_fails("{" HEAD "\"event\":\"gate_jam\",\"kind\":\"count\",\"condition\":{\"count\":3,"
              "\"window_minutes\":10}}",
              "event");
  parse_fails("{\"id\":\"jam\",\"name_zh\":\"堵\",\"name_en\":\"Jam\",\"kind\":\"absence\","
              "\"event\":\"gate_jam\",\"severity\":\"info\",\"condition\":{\"for_minutes\":3}}",
              "event");
  parse_fails("{\"id\":\"jam\",\"name_zh\":\"堵\",\"name_en\":\"Jam\",\"kind\":\"count\","
              "\"severity\":\"info\",\"condition\":{\"count\":3,\"window_minutes\":10}}",
              "metric");
  parse_fails("{" HEAD "\"kind\":\"often\",\"condition\":{}}", "kind");
  parse_fails("{" HEAD "\"kind\":\"threshold\"}", "condition");
  parse_fails("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"over\",\"value\":1}}",
              "condition.op");
  parse_fails("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"above\"}}",
              "condition.value");
  parse_fails("{" HEAD "\"kind\":\"rate\",\"condition\":{\"percent\":50}}",
              "condition.window_minutes");
  parse_fails("{" HEAD "\"kind\":\"rate\",\"condition\":{\"percent\":0,\"window_minutes\":5}}",
              "condition.percent");
  parse_fails("{" HEAD "\"kind\":\"count\",\"condition\":{\"count\":0,\"window_minutes\":5}}",
              "condition.count");
  parse_fails("{" HEAD "\"kind\":\"count\",\"condition\":{\"count\":3,\"window_minutes\":5,"
              "\"by\":\"avg\"}}",
              "condition.by");
  parse_fails("{" HEAD "\"kind\":\"absence\",\"condition\":{\"for_minutes\":-1}}",
              "condition.for_minutes");
  /* positive, but 0 ms once rounded: an absence rule that fires at every tick */
  parse_fails("{" HEAD "\"kind\":\"absence\",\"condition\":{\"for_minutes\":1e-9}}",
              "condition.for_minutes");
  parse_fails("{" HEAD "\"kind\":\"absence\",\"condition\":{\"for_minutes\":5},\"hours\":[1]}",
              "hours");
  parse_fails("{" HEAD "\"kind\":\"absence\",\"condition\":{\"for_minutes\":5},\"hours\":[3,30]}",
              "hours[1]");
  parse_fails("{\"id\":\"Bad Id\",\"name_zh\":\"x\",\"name_en\":\"x\",\"kind\":\"absence\","
              "\"metric\":\"m\",\"severity\":\"info\",\"condition\":{\"for_minutes\":5}}",
              "id");
  parse_fails("{\"id\":\"r\",\"name_zh\":\"x\",\"name_en\":\"x\",\"kind\":\"absence\","
              "\"metric\":\"m\",\"severity\":\"dire\",\"condition\":{\"for_minutes\":5}}",
              "severity");
  parse_fails("{" HEAD "\"kind\":\"absence\",\"condition\":{\"for_minutes\":5},\"auto_order\":{}}",
              "auto_order.matter");
}

static struct rule_def def(const char *text) {
  struct rule_def d;
  parse_ok(text, &d);
  return d;
}

/* A fixed local noon, so active hours are predictable. */
static int64_t noon(void) {
  return zz_time_from_civil(2026, 5, 21, 12, 0, 0);
}

/* The alert's sentences: the kind's own in both languages, a rule's
 * templates, numbers without noise, refused placeholders, and a cut that
 * never splits a Chinese character. */
static void test_messages(void **state) {
  (void)state;
  struct rule_def d;
  struct zz_err e = {0};
  json_t *j = json_loads("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"above\","
                         "\"value\":150,\"for_minutes\":10}}",
                         0, NULL);
  assert_int_equal(rule_parse(j, &d, &e), 0);
  json_decref(j);
  struct rule_words zh = {"北部软件园工地2号", "北部软件园", "PM10", "µg/m³", NULL, 0, 0};
  struct rule_words en = {"Beibu site 2", "Northern Software Park", "PM10", "µg/m³", NULL, 0, 0};
  char out[256];
  rule_message(&d, &zh, 0, 212.5, out, sizeof out);
  assert_string_equal(out, "规则：北部软件园工地2号PM10为212.5µg/m³，超过150µg/m³");
  rule_message(&d, &en, 1, 212.5, out, sizeof out);
  assert_string_equal(out, "Rule: PM10 at Beibu site 2 is 212.5µg/m³, above 150µg/m³");
  /* a status metric: its values by name, no unit, no limit said */
  j = json_loads("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"below\","
                 "\"value\":1,\"for_minutes\":5}}",
                 0, NULL);
  assert_int_equal(rule_parse(j, &d, &e), 0);
  json_decref(j);
  const struct reg_state lamp[] = {{1, "正常", "Normal"}, {0, "故障", "Fault"}};
  struct rule_words light = {
      "东新路12号路灯", "新天地街区", "路灯状态", "1=正常/0=故障", lamp, 2, 0};
  rule_message(&d, &light, 0, 0, out, sizeof out);
  assert_string_equal(out, "规则：东新路12号路灯路灯状态为故障");
  struct rule_words light_en = {
      "Dongxin Rd 12 lamp", "Xintiandi block", "street light status", "", lamp, 2, 0};
  rule_message(&d, &light_en, 1, 0, out, sizeof out);
  assert_string_equal(out, "Rule: street light status at Dongxin Rd 12 lamp is Fault");
  /* a template of the rule's own: {limit} by name too; a value with no
   * name stays a number */
  strcpy(d.message_zh, "{entity}{value}（应为{limit}）{unit}");
  rule_message(&d, &light, 0, 0, out, sizeof out);
  assert_string_equal(out, "东新路12号路灯故障（应为正常）");
  rule_message(&d, &light, 0, 0.5, out, sizeof out);
  assert_string_equal(out, "东新路12号路灯0.5（应为正常）");
  j = json_loads("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"above\","
                 "\"value\":150,\"for_minutes\":10}}",
                 0, NULL);
  assert_int_equal(rule_parse(j, &d, &e), 0);
  json_decref(j);
  /* the rule's own templates */
  j = json_loads(
      "{" HEAD "\"kind\":\"count\",\"condition\":{\"count\":1,"
      "\"window_minutes\":10},\"message_zh\":\"{entity}（{region}）电梯困人报警{value}次\","
      "\"message_en\":\"{entity} ({region}): {value} entrapment alarm(s) in {window} min\"}",
      0, NULL);
  assert_int_equal(rule_parse(j, &d, &e), 0);
  json_decref(j);
  struct rule_words lift = {"新天地1号楼3号电梯", "新天地街区", "电梯报警", "", NULL, 0, 0};
  rule_message(&d, &lift, 0, 1, out, sizeof out);
  assert_string_equal(out, "新天地1号楼3号电梯（新天地街区）电梯困人报警1次");
  struct rule_words lift_en = {
      "Building 1 lift 3", "Xintiandi block", "lift alarms", "", NULL, 0, 0};
  rule_message(&d, &lift_en, 1, 1, out, sizeof out);
  assert_string_equal(out, "Building 1 lift 3 (Xintiandi block): 1 entrapment alarm(s) in 10 min");
  /* a cut keeps whole characters: 8 bytes hold 新天 (6) and two bytes of 地 */
  rule_message(&d, &lift, 0, 1, out, 9);
  assert_string_equal(out, "新天");
  rule_message(&d, &lift, 0, 1, out, 11);
  assert_string_equal(out, "新天地1");
  /* the templates survive the round trip */
  struct zz_buf b;
  zz_buf_init(&b, 0);
  assert_int_equal(rule_to_json(&d, &b), 0);
  assert_non_null(strstr(b.data, "\"message_zh\":\"{entity}（{region}）电梯困人报警{value}次\""));
  zz_buf_free(&b);
  /* placeholders we do not fill are refused, naming the member */
  parse_fails("{" HEAD "\"kind\":\"count\",\"condition\":{\"count\":1,\"window_minutes\":10},"
              "\"message_zh\":\"{entity} {oops}\"}",
              "message_zh");
  parse_fails("{" HEAD "\"kind\":\"count\",\"condition\":{\"count\":1,\"window_minutes\":10},"
              "\"message_en\":\"{entity\"}",
              "message_en");
}

static void test_threshold(void **state) {
  (void)state;
  struct rule_def d = def("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"above\","
                          "\"value\":100,\"for_minutes\":10},\"hysteresis\":10,"
                          "\"cooldown_minutes\":30}");
  struct rule_state s = {0};
  int64_t t = noon();
  double v;
  assert_int_equal(rule_feed(&d, &s, t, 120, &v), RULE_KEEP); /* beyond, but not for 10 min */
  assert_int_equal(rule_feed(&d, &s, t + 5 * MIN, 130, &v), RULE_KEEP);
  assert_int_equal(rule_tick(&d, &s, t + 9 * MIN, &v), RULE_KEEP);
  assert_int_equal(rule_tick(&d, &s, t + 10 * MIN, &v), RULE_OPEN); /* the timer opens it */
  assert_true(v == 130);
  assert_int_equal(rule_feed(&d, &s, t + 11 * MIN, 140, &v), RULE_KEEP); /* one alert */
  assert_int_equal(rule_feed(&d, &s, t + 12 * MIN, 95, &v), RULE_KEEP);  /* within hysteresis */
  assert_int_equal(rule_feed(&d, &s, t + 13 * MIN, 90, &v), RULE_CLEAR); /* 100 - 10 */
  /* a dip resets the duration */
  assert_int_equal(rule_feed(&d, &s, t + 50 * MIN, 120, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 55 * MIN, 80, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 56 * MIN, 120, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 65 * MIN, 120, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 66 * MIN, 120, &v), RULE_OPEN);
  assert_int_equal(rule_feed(&d, &s, t + 67 * MIN, 50, &v), RULE_CLEAR);
  /* cooldown: 30 min from the clear */
  assert_int_equal(rule_feed(&d, &s, t + 70 * MIN, 200, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 90 * MIN, 200, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 97 * MIN, 200, &v), RULE_OPEN);
  /* an older record never opens or clears on its own */
  assert_int_equal(rule_feed(&d, &s, t + 1 * MIN, 0, &v), RULE_KEEP);
  assert_int_equal(s.open, 1);
  rule_state_free(&s);

  struct rule_def below = def("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"below\","
                              "\"value\":0.5}}");
  struct rule_state b = {0};
  assert_int_equal(rule_feed(&below, &b, t, 1, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&below, &b, t + MIN, 0, &v), RULE_OPEN);
  assert_int_equal(rule_feed(&below, &b, t + 2 * MIN, 1, &v), RULE_CLEAR);
  rule_state_free(&b);
}

static void test_hours(void **state) {
  (void)state;
  struct rule_def d = def("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"above\","
                          "\"value\":55},\"hours\":[22,6]}");
  int64_t night = zz_time_from_civil(2026, 5, 21, 23, 0, 0);
  assert_true(rule_active_at(&d, night));
  assert_true(rule_active_at(&d, zz_time_from_civil(2026, 5, 22, 5, 59, 0)));
  assert_false(rule_active_at(&d, zz_time_from_civil(2026, 5, 22, 6, 0, 0)));
  assert_false(rule_active_at(&d, noon()));
  struct rule_state s = {0};
  double v;
  assert_int_equal(rule_feed(&d, &s, noon(), 70, &v), RULE_KEEP); /* daytime: not watched */
  assert_int_equal(rule_feed(&d, &s, night, 60, &v), RULE_OPEN);
  assert_int_equal(rule_tick(&d, &s, zz_time_from_civil(2026, 5, 22, 6, 1, 0), &v), RULE_CLEAR);
  rule_state_free(&s);
}

static void test_rate(void **state) {
  (void)state;
  struct rule_def d = def("{" HEAD "\"kind\":\"rate\",\"condition\":{\"op\":\"up\",\"percent\":50,"
                          "\"window_minutes\":30},\"hysteresis\":10}");
  struct rule_state s = {0};
  int64_t t = noon();
  double v;
  assert_int_equal(rule_feed(&d, &s, t, 100, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 10 * MIN, 140, &v), RULE_KEEP); /* +40% */
  assert_int_equal(rule_feed(&d, &s, t + 20 * MIN, 160, &v), RULE_OPEN); /* +60% */
  assert_true(fabs(v - 60) < 1e-9);
  assert_int_equal(rule_feed(&d, &s, t + 25 * MIN, 145, &v), RULE_KEEP);  /* +45%: hysteresis */
  assert_int_equal(rule_feed(&d, &s, t + 29 * MIN, 139, &v), RULE_CLEAR); /* +39% */
  /* a fall is not a surge for "up" */
  assert_int_equal(rule_feed(&d, &s, t + 120 * MIN, 100, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 125 * MIN, 10, &v), RULE_KEEP);
  rule_state_free(&s);
  struct rule_def any = def("{" HEAD "\"kind\":\"rate\",\"condition\":{\"percent\":50,"
                            "\"window_minutes\":30}}");
  struct rule_state a = {0};
  assert_int_equal(rule_feed(&any, &a, t, 100, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&any, &a, t + MIN, 40, &v), RULE_OPEN); /* -60% */
  assert_true(fabs(v + 60) < 1e-9);
  /* the window moves past the base: alone in the window, nothing changed */
  assert_int_equal(rule_feed(&any, &a, t + 60 * MIN, 41, &v), RULE_CLEAR);
  rule_state_free(&a);
}

/* Three levels on one alert (预警 / 报警 / 控制值): it opens at the level
 * its value reached, rises as the value passes the next ones, never falls
 * while open, and starts again from the bottom after it clears. */
static void test_levels(void **state) {
  (void)state;
  struct rule_def d = def("{" HEAD "\"kind\":\"threshold\",\"severity\":\"warning\","
                          "\"condition\":{\"op\":\"above\",\"value\":21},\"hysteresis\":1,"
                          "\"levels\":[{\"at\":25.5,\"severity\":\"major\"},"
                          "{\"at\":30,\"severity\":\"critical\"}]}");
  assert_int_equal(d.nlevels, 2);
  struct rule_state s = {0};
  int64_t t = noon();
  double v;
  assert_int_equal(rule_feed(&d, &s, t, 20, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + MIN, 22, &v), RULE_OPEN);
  assert_int_equal(s.level, 0);
  assert_string_equal(rule_level_severity(&d, s.level), "warning");
  assert_int_equal(rule_feed(&d, &s, t + 2 * MIN, 24, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 3 * MIN, 26, &v), RULE_RAISE);
  assert_string_equal(rule_level_severity(&d, s.level), "major");
  assert_int_equal(rule_feed(&d, &s, t + 4 * MIN, 31, &v), RULE_RAISE);
  assert_true(v == 31);
  assert_string_equal(rule_level_severity(&d, s.level), "critical");
  /* back under a level: still critical, one alert */
  assert_int_equal(rule_feed(&d, &s, t + 5 * MIN, 27, &v), RULE_KEEP);
  assert_int_equal(s.level, 2);
  assert_int_equal(rule_feed(&d, &s, t + 6 * MIN, 19, &v), RULE_CLEAR);
  assert_int_equal(s.level, 0);
  /* a first value past the top level opens there at once */
  assert_int_equal(rule_feed(&d, &s, t + 7 * MIN, 35, &v), RULE_OPEN);
  assert_string_equal(rule_level_severity(&d, s.level), "critical");
  rule_state_free(&s);
  /* {limit} says the level reached */
  struct rule_words w = {"测斜CX1", "武林", "墙体水平位移", "mm", NULL, 0, 2};
  char out[256];
  rule_message(&d, &w, 0, 31, out, sizeof out);
  assert_string_equal(out, "规则：测斜CX1墙体水平位移为31mm，超过30mm");
  /* below: levels go down */
  struct rule_def low = def("{" HEAD "\"kind\":\"threshold\",\"severity\":\"warning\","
                            "\"condition\":{\"op\":\"below\",\"value\":-5},"
                            "\"levels\":[{\"at\":-8,\"severity\":\"critical\"}]}");
  struct rule_state b = {0};
  assert_int_equal(rule_feed(&low, &b, t, -6, &v), RULE_OPEN);
  assert_int_equal(rule_feed(&low, &b, t + MIN, -9, &v), RULE_RAISE);
  assert_string_equal(rule_level_severity(&low, b.level), "critical");
  rule_state_free(&b);
  /* the levels survive the round trip */
  struct zz_buf buf;
  zz_buf_init(&buf, 0);
  assert_int_equal(rule_to_json(&d, &buf), 0);
  struct rule_def again = def(buf.data);
  assert_int_equal(again.nlevels, 2);
  assert_true(again.levels[1].at == 30);
  assert_string_equal(again.levels[1].severity, "critical");
  zz_buf_free(&buf);
  /* refused: not beyond the limit before, not more severe, wrong kind */
  parse_fails("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"above\",\"value\":21},"
              "\"levels\":[{\"at\":20,\"severity\":\"critical\"}]}",
              "levels[0].at");
  parse_fails("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"above\",\"value\":21},"
              "\"levels\":[{\"at\":25,\"severity\":\"warning\"}]}",
              "levels[0].severity");
  parse_fails("{" HEAD "\"kind\":\"count\",\"condition\":{\"count\":3,\"window_minutes\":10},"
              "\"levels\":[{\"at\":5,\"severity\":\"critical\"}]}",
              "levels");
  parse_fails("{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"above\",\"value\":1},"
              "\"levels\":[]}",
              "levels");
}

/* A speed in the metric's units a day (settlement mm/d), with levels. */
static void test_rate_per_day(void **state) {
  (void)state;
  struct rule_def d = def("{" HEAD "\"kind\":\"rate\",\"severity\":\"warning\",\"condition\":"
                          "{\"op\":\"any\",\"per_day\":1.4,\"window_minutes\":1500},"
                          "\"levels\":[{\"at\":1.7,\"severity\":\"major\"},"
                          "{\"at\":2,\"severity\":\"critical\"}]}");
  assert_int_equal(d.per_day, 1);
  struct rule_state s = {0};
  int64_t t = noon(), day = 1440 * MIN;
  double v;
  assert_int_equal(rule_feed(&d, &s, t, -10, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + day, -11, &v), RULE_KEEP); /* 1 mm/d */
  assert_true(fabs(v + 1) < 1e-9);
  assert_int_equal(rule_feed(&d, &s, t + 2 * day, -12.5, &v), RULE_OPEN); /* 1.5 mm/d down */
  assert_true(fabs(v + 1.5) < 1e-9);
  assert_string_equal(rule_level_severity(&d, s.level), "warning");
  assert_int_equal(rule_feed(&d, &s, t + 3 * day, -14.8, &v), RULE_RAISE); /* 2.3 mm/d */
  assert_string_equal(rule_level_severity(&d, s.level), "critical");
  assert_int_equal(rule_feed(&d, &s, t + 4 * day, -15.0, &v), RULE_CLEAR); /* 0.2 mm/d */
  /* half a day's change counts double: the speed, not the change */
  assert_int_equal(rule_feed(&d, &s, t + 4 * day + 720 * MIN, -15.8, &v), RULE_OPEN);
  assert_true(fabs(v + 1.6) < 1e-9);
  rule_state_free(&s);
  char out[256];
  struct rule_words w = {"地表沉降DB3", "武林", "地表沉降", "mm", NULL, 0, 0};
  rule_message(&d, &w, 0, -1.5, out, sizeof out);
  assert_string_equal(out, "规则：地表沉降DB3地表沉降变化速率-1.5mm/天（限值1.4mm/天）");
  struct zz_buf buf;
  zz_buf_init(&buf, 0);
  assert_int_equal(rule_to_json(&d, &buf), 0);
  assert_non_null(strstr(buf.data, "\"per_day\":1.4"));
  zz_buf_free(&buf);
  parse_fails("{" HEAD "\"kind\":\"rate\",\"condition\":{\"per_day\":1,\"percent\":5,"
              "\"window_minutes\":10}}",
              "condition.per_day");
  parse_fails("{" HEAD "\"kind\":\"rate\",\"condition\":{\"per_day\":0,\"window_minutes\":10}}",
              "condition.per_day");
}

static void test_count(void **state) {
  (void)state;
  struct rule_def d = def("{" HEAD "\"kind\":\"count\",\"condition\":{\"count\":3,"
                          "\"window_minutes\":10}}");
  struct rule_state s = {0};
  int64_t t = noon();
  double v;
  assert_int_equal(rule_feed(&d, &s, t, 1, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 4 * MIN, 1, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 9 * MIN, 1, &v), RULE_OPEN);
  assert_true(v == 3);
  assert_int_equal(rule_feed(&d, &s, t + 9 * MIN + 1, 1, &v), RULE_KEEP); /* one alert */
  assert_int_equal(rule_tick(&d, &s, t + 12 * MIN, &v), RULE_KEEP);       /* 4 MIN, 9, 9: 3 left */
  assert_int_equal(rule_tick(&d, &s, t + 15 * MIN, &v), RULE_CLEAR); /* only the two at 9 min */
  assert_true(v == 2);
  rule_state_free(&s);
  /* by records: values do not matter */
  struct rule_def r =
      def("{" HEAD "\"kind\":\"count\",\"condition\":{\"count\":2,\"by\":\"records\","
          "\"window_minutes\":10}}");
  struct rule_state q = {0};
  assert_int_equal(rule_feed(&r, &q, t, 50, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&r, &q, t + MIN, 0, &v), RULE_OPEN);
  rule_state_free(&q);
  /* by sum: one record of 5 alarms is 5 */
  struct rule_state z = {0};
  assert_int_equal(rule_feed(&d, &z, t, 5, &v), RULE_OPEN);
  rule_state_free(&z);
}

static void test_absence(void **state) {
  (void)state;
  struct rule_def d = def("{" HEAD "\"kind\":\"absence\",\"condition\":{\"for_minutes\":30},"
                          "\"cooldown_minutes\":0}");
  struct rule_state s = {0};
  int64_t t = noon();
  double v;
  assert_int_equal(rule_tick(&d, &s, t + 100 * MIN, &v), RULE_KEEP); /* never seen: not tracked */
  assert_int_equal(rule_feed(&d, &s, t, 1, &v), RULE_KEEP);
  assert_int_equal(rule_tick(&d, &s, t + 29 * MIN, &v), RULE_KEEP);
  assert_int_equal(rule_tick(&d, &s, t + 30 * MIN, &v), RULE_OPEN);
  assert_true(v == 30);
  assert_int_equal(rule_tick(&d, &s, t + 40 * MIN, &v), RULE_KEEP);
  assert_int_equal(rule_feed(&d, &s, t + 41 * MIN, 1, &v), RULE_CLEAR);
  rule_state_free(&s);
}

/* ---- the engine on a real store ---- */

static char dir[64];

struct count_ctx {
  int open, cleared;
  int64_t order;
};

static int count_alert(void *ud, const struct store_alert *a) {
  struct count_ctx *c = ud;
  if (strcmp(a->state, "open") == 0) c->open++;
  if (strcmp(a->state, "cleared") == 0) c->cleared++;
  if (a->order_id) c->order = a->order_id;
  return 0;
}

static struct count_ctx alerts(struct store *st) {
  struct count_ctx c = {0};
  struct store_alert_filter f = {0};
  assert_int_equal(store_alerts_each(st, &f, count_alert, &c), 0);
  return c;
}

static int fake_order(void *ud, const struct rules_fired *f, int64_t *out) {
  int *n = ud;
  (*n)++;
  assert_string_equal(f->rule->auto_matter, "dust");
  assert_string_equal(f->entity_key, "s1");
  *out = 4242;
  return 0;
}

struct bus_log {
  int n;
  char text[8][1024];
};

static int log_event(void *ud, const struct bus_event *ev) {
  struct bus_log *l = ud;
  if (strcmp(ev->topic, "alert") == 0 && l->n < 8)
    snprintf(l->text[l->n++], sizeof l->text[0], "%.*s", (int)ev->len, ev->data);
  return 0;
}

static void test_engine(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct zz_err e = {0};
  int64_t d = ts_region(st, "d", NULL, "district");
  ts_entity_type(st, "site");
  int64_t metric = ts_metric(st, "pm10", "avg", "site"), ent = ts_entity(st, "s1", "site", d);
  const char *text =
      "{" HEAD "\"kind\":\"threshold\",\"condition\":{\"op\":\"above\",\"value\":100},"
      "\"auto_order\":{\"matter\":\"dust\"}}";
  struct store_rule sr = {
      .key = "r1", .def_json = text, .enabled = 1, .origin = "pack", .updated = 1};
  assert_int_equal(store_rule_upsert(st, &sr, NULL, &e), 0);
  struct registry *reg = NULL;
  assert_int_equal(registry_open(st, &reg, &e), 0);

  int orders = 0;
  struct bus *bus = NULL;
  assert_int_equal(bus_create(0, &bus), 0);
  struct rules_opts ro = {
      .st = st, .reg = reg, .bus = bus, .auto_order = fake_order, .ud = &orders, .no_thread = 1};
  struct rules *ru = NULL;
  assert_int_equal(rules_open(&ro, &ru, &e), 0);
  int64_t now = zz_time_now();
  zz_time_set_now(now);
  struct store_record recs[] = {{ent, (int32_t)metric, 0, now - 2000, 120, 0},
                                {ent, (int32_t)metric, 0, now - 1000, 130, 0},
                                {ent, (int32_t)metric + 1, 0, now, 999, 0}}; /* unwatched metric */
  rules_on_commit(ru, recs, 3);
  rules_sync(ru, now);
  struct count_ctx c = alerts(st);
  assert_int_equal(c.open, 1); /* two records beyond: one alert */
  assert_int_equal(orders, 1);
  assert_int_equal(c.order, 4242);
  /* restart: the open alert is known again, so it is not doubled and it clears */
  rules_close(ru);
  assert_int_equal(rules_open(&ro, &ru, &e), 0);
  struct store_record more[] = {{ent, (int32_t)metric, 0, now, 150, 0}};
  rules_on_commit(ru, more, 1);
  rules_sync(ru, now);
  c = alerts(st);
  assert_int_equal(c.open, 1);
  assert_int_equal(orders, 1);
  struct store_record low[] = {{ent, (int32_t)metric, 0, now + 1000, 20, 0}};
  rules_on_commit(ru, low, 1);
  rules_sync(ru, now + 1000);
  c = alerts(st);
  assert_int_equal(c.open, 0);
  assert_int_equal(c.cleared, 1);
  /* open and clear went out on the bus as "alert" events */
  struct bus_log bl = {0};
  int gap = 0;
  bus_read(bus, 0, 0, log_event, &bl, &gap);
  assert_int_equal(bl.n, 2);
  assert_non_null(strstr(bl.text[0], "\"action\":\"open\""));
  assert_non_null(strstr(bl.text[0], "\"order\":4242"));
  assert_non_null(strstr(bl.text[1], "\"action\":\"clear\""));
  /* records older than a day are history being loaded: no alerts */
  struct store_record old[] = {{ent, (int32_t)metric, 0, now - 3 * 86400000LL, 500, 0}};
  rules_on_commit(ru, old, 1);
  rules_sync(ru, now + 2000);
  assert_int_equal(alerts(st).open, 0);
  zz_time_set_now(0);
  rules_close(ru);
  registry_free(reg);
  bus_free(bus);
  store_close(st);
}

struct sev_ctx {
  int open;
  char severity[16];
  char message[256];
};

static int sev_alert(void *ud, const struct store_alert *a) {
  struct sev_ctx *c = ud;
  c->open += strcmp(a->state, "open") == 0;
  zz_strlcpy(c->severity, a->severity, sizeof c->severity);
  zz_strlcpy(c->message, a->message ? a->message : "", sizeof c->message);
  return 0;
}

/* The engine raises the one open alert's severity in the store and says so
 * on the bus; after a restart the level reached is remembered. */
static void test_engine_levels(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct zz_err e = {0};
  int64_t d = ts_region(st, "d", NULL, "district");
  ts_entity_type(st, "site");
  int64_t metric = ts_metric(st, "pm10", "avg", "site"), ent = ts_entity(st, "s1", "site", d);
  const char *text = "{" HEAD "\"kind\":\"threshold\",\"severity\":\"warning\",\"condition\":"
                     "{\"op\":\"above\",\"value\":100},\"levels\":[{\"at\":120,\"severity\":"
                     "\"major\"},{\"at\":150,\"severity\":\"critical\"}]}";
  struct store_rule sr = {
      .key = "r1", .def_json = text, .enabled = 1, .origin = "pack", .updated = 1};
  assert_int_equal(store_rule_upsert(st, &sr, NULL, &e), 0);
  struct registry *reg = NULL;
  assert_int_equal(registry_open(st, &reg, &e), 0);
  struct bus *bus = NULL;
  assert_int_equal(bus_create(0, &bus), 0);
  struct rules_opts ro = {.st = st, .reg = reg, .bus = bus, .no_thread = 1};
  struct rules *ru = NULL;
  assert_int_equal(rules_open(&ro, &ru, &e), 0);
  int64_t now = zz_time_now();
  zz_time_set_now(now);
  struct store_record r1[] = {{ent, (int32_t)metric, 0, now - 3000, 110, 0},
                              {ent, (int32_t)metric, 0, now - 2000, 130, 0}};
  rules_on_commit(ru, r1, 2);
  rules_sync(ru, now);
  struct sev_ctx c = {0};
  struct store_alert_filter f = {.state = "open"}; /* test_engine's cleared alert stays */
  assert_int_equal(store_alerts_each(st, &f, sev_alert, &c), 0);
  assert_int_equal(c.open, 1);
  assert_string_equal(c.severity, "major");
  assert_non_null(strstr(c.message, "为130，超过120"));
  /* restart at major: 140 raises nothing, 160 raises to critical */
  rules_close(ru);
  assert_int_equal(rules_open(&ro, &ru, &e), 0);
  struct store_record r2[] = {{ent, (int32_t)metric, 0, now - 1000, 140, 0},
                              {ent, (int32_t)metric, 0, now, 160, 0}};
  rules_on_commit(ru, r2, 2);
  rules_sync(ru, now);
  memset(&c, 0, sizeof c);
  assert_int_equal(store_alerts_each(st, &f, sev_alert, &c), 0);
  assert_int_equal(c.open, 1);
  assert_string_equal(c.severity, "critical");
  struct bus_log bl = {0};
  int gap = 0;
  bus_read(bus, 0, 0, log_event, &bl, &gap);
  assert_int_equal(bl.n, 3); /* open, raise (major), raise (critical) */
  assert_non_null(strstr(bl.text[0], "\"action\":\"open\""));
  assert_non_null(strstr(bl.text[0], "\"severity\":\"warning\""));
  assert_non_null(strstr(bl.text[2], "\"action\":\"raise\""));
  assert_non_null(strstr(bl.text[2], "\"severity\":\"critical\""));
  zz_time_set_now(0);
  rules_close(ru);
  registry_free(reg);
  bus_free(bus);
  store_close(st);
}

/* An alert of the past (rules_past_alert): written cleared, with the
 * engine's sentence at the level named, its times and who acknowledged it;
 * the live engine knows nothing of it (a record over the limit opens a new
 * alert as usual). Bad inputs are refused naming their field and write
 * nothing. */
struct past_ctx {
  int n, open;
  struct store_alert a;
  char state[16], severity[16], message[256], acked_by[64];
};

static int past_row(void *ud, const struct store_alert *a) {
  struct past_ctx *c = ud;
  c->n++;
  c->open += strcmp(a->state, "open") == 0;
  if (strcmp(a->rule, "rp") != 0 || strcmp(a->state, "cleared") != 0) return 0;
  c->a = *a;
  zz_strlcpy(c->state, a->state, sizeof c->state);
  zz_strlcpy(c->severity, a->severity, sizeof c->severity);
  zz_strlcpy(c->message, a->message ? a->message : "", sizeof c->message);
  zz_strlcpy(c->acked_by, a->acked_by ? a->acked_by : "", sizeof c->acked_by);
  return 0;
}

static void test_past_alert(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct zz_err e = {0};
  int64_t d = ts_region(st, "d", NULL, "district");
  ts_entity_type(st, "site");
  int64_t metric = ts_metric(st, "pm10", "avg", "site"), ent = ts_entity(st, "s1", "site", d);
  const char *text = "{\"id\":\"rp\",\"name_zh\":\"过去\",\"name_en\":\"Past\",\"metric\":"
                     "\"pm10\",\"kind\":\"threshold\",\"severity\":\"warning\",\"condition\":"
                     "{\"op\":\"above\",\"value\":100},\"levels\":[{\"at\":120,\"severity\":"
                     "\"major\"}]}";
  struct store_rule sr = {
      .key = "rp", .def_json = text, .enabled = 1, .origin = "pack", .updated = 1};
  assert_int_equal(store_rule_upsert(st, &sr, NULL, &e), 0);
  struct registry *reg = NULL;
  assert_int_equal(registry_open(st, &reg, &e), 0);
  struct rules_opts ro = {.st = st, .reg = reg, .no_thread = 1};
  struct rules *ru = NULL;
  assert_int_equal(rules_open(&ro, &ru, &e), 0);
  int64_t now = zz_time_now(), t = now - 100 * 86400000LL;
  zz_time_set_now(now);
  struct past_ctx before = {0};
  struct store_alert_filter all = {0};
  assert_int_equal(store_alerts_each(st, &all, past_row, &before), 0);
  struct rules_past p = {.rule = "rp",
                         .entity = "s1",
                         .severity = "major",
                         .acked_by = "desk",
                         .value = 125,
                         .opened = t,
                         .acked_at = t + 60000,
                         .cleared = t + 86400000};
  /* refusals, each naming its field */
  struct {
    struct rules_past p;
    const char *field;
  } bad[] = {{p, "rule"},   {p, "entity"},   {p, "severity"},
             {p, "opened"}, {p, "acked_at"}, {p, "cleared"}};
  bad[0].p.rule = "nope";
  bad[1].p.entity = "s404";
  bad[2].p.severity = "critical";
  bad[3].p.opened = now + 1000;
  bad[4].p.acked_at = t - 1;
  bad[5].p.cleared = now + 1000;
  int64_t id = 0;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++) {
    assert_int_equal(rules_past_alert(ru, &bad[i].p, &id, &e), ZZ_EINVAL);
    assert_string_equal(e.field, bad[i].field);
  }
  struct past_ctx c = {0};
  assert_int_equal(store_alerts_each(st, &all, past_row, &c), 0);
  assert_int_equal(c.n, before.n);
  assert_int_equal(rules_past_alert(ru, &p, &id, &e), 0);
  memset(&c, 0, sizeof c);
  assert_int_equal(store_alerts_each(st, &all, past_row, &c), 0);
  assert_int_equal(c.n, before.n + 1);
  assert_int_equal(c.a.id, id);
  assert_string_equal(c.severity, "major");
  assert_int_equal(c.a.opened, t);
  assert_int_equal(c.a.cleared, t + 86400000);
  assert_int_equal(c.a.acked_at, t + 60000);
  assert_string_equal(c.acked_by, "desk");
  assert_true(c.a.value == 125);
  assert_non_null(strstr(c.message, "为125，超过120")); /* the level's limit, as the engine says */
  /* the live engine: a record over the limit now opens its own alert */
  struct store_record r[] = {{ent, (int32_t)metric, 0, now, 110, 0}};
  rules_on_commit(ru, r, 1);
  rules_sync(ru, now);
  struct past_ctx after = {0};
  struct store_alert_filter f = {.rule = "rp", .state = "open"};
  assert_int_equal(store_alerts_each(st, &f, past_row, &after), 0);
  assert_int_equal(after.open, 1);
  zz_time_set_now(0);
  rules_close(ru);
  registry_free(reg);
  store_close(st);
}

/* ---- rules.json and matters.json in a pack ---- */

static int count_rule(void *ud, const struct store_rule *r) {
  (void)r;
  ++*(int *)ud;
  return 0;
}
static int count_matter(void *ud, const struct store_matter *m) {
  (void)m;
  ++*(int *)ud;
  return 0;
}

#define MATTER_OK                                                                                  \
  "[{\"id\":\"noise\",\"name_zh\":\"噪音\",\"name_en\":\"Noise\",\"kind\":\"complaint\","        \
  "\"departments\":[\"police\"],\"sla_accept_minutes\":10,\"sla_resolve_minutes\":60,"             \
  "\"routes\":[{\"region\":\"town/"                                                                \
  "north\",\"departments\":[\"urban\"]}],\"form\":[{\"id\":\"x\",\"type\":\"text\",\"label_zh\":"  \
  "\"x\",\"label_en\":\"x\"}]}]"
#define RULE_OK                                                                                    \
  "[{\"id\":\"hot\",\"name_zh\":\"高温\",\"name_en\":\"Hot\",\"kind\":\"threshold\","            \
  "\"metric\":\"temp\",\"region\":\"town/north\",\"severity\":\"warning\","                        \
  "\"condition\":{\"op\":\"above\",\"value\":35},\"auto_order\":{\"matter\":\"noise\"}}]"

static void test_pack_files(void **state) {
  (void)state;
  char pdir[128], sdir[128];
  snprintf(pdir, sizeof pdir, "%s/pack", dir);
  snprintf(sdir, sizeof sdir, "%s/packstore", dir);
  ts_dir_copy("tests/unit/fixtures/pack_small", pdir);
  struct store *st = ts_store_open(sdir, NULL);
  struct zz_err e = {0};
  /* without the files: loads as before */
  assert_int_equal(pack_load(st, pdir, NULL, NULL, NULL, &e), 0);
  const struct {
    const char *matters, *rules, *msg;
  } bad[] = {
      {"[{\"id\":\"noise\"}]", "[]", "matters.json [0].name_zh: "},
      {"[{\"id\":\"noise\",\"name_zh\":\"a\",\"name_en\":\"b\",\"kind\":\"complaint\","
       "\"departments\":[\"nobody\"],\"sla_accept_minutes\":1,\"sla_resolve_minutes\":2}]",
       "[]", "matters.json [0].departments[0]: department \"nobody\" does not exist"},
      {"[{\"id\":\"noise\",\"name_zh\":\"a\",\"name_en\":\"b\",\"kind\":\"complaint\","
       "\"departments\":[\"police\"],\"sla_accept_minutes\":9,\"sla_resolve_minutes\":2}]",
       "[]", "matters.json [0].sla_resolve_minutes: "},
      {MATTER_OK, "[{\"id\":\"x\"}]", "rules.json [0].name_zh: "},
      {MATTER_OK,
       "[{\"id\":\"x\",\"name_zh\":\"a\",\"name_en\":\"b\",\"kind\":\"threshold\","
       "\"metric\":\"nope\",\"severity\":\"info\",\"condition\":{\"op\":\"above\",\"value\":1}}]",
       "rules.json [0].metric: metric \"nope\" does not exist"},
      {MATTER_OK,
       "[{\"id\":\"x\",\"name_zh\":\"a\",\"name_en\":\"b\",\"kind\":\"threshold\","
       "\"metric\":\"temp\",\"severity\":\"info\",\"condition\":{\"op\":\"above\"}}]",
       "rules.json [0].condition.value: "},
      {MATTER_OK,
       "[{\"id\":\"x\",\"name_zh\":\"a\",\"name_en\":\"b\",\"kind\":\"absence\","
       "\"metric\":\"temp\",\"severity\":\"info\",\"entity_type\":\"shop\","
       "\"condition\":{\"for_minutes\":5}}]",
       "rules.json [0].entity_type: metric \"temp\" belongs to sensor entities, not shop"},
      {MATTER_OK,
       "[{\"id\":\"x\",\"name_zh\":\"a\",\"name_en\":\"b\",\"kind\":\"absence\","
       "\"metric\":\"temp\",\"severity\":\"info\",\"region\":\"town/east\","
       "\"condition\":{\"for_minutes\":5}}]",
       "rules.json [0].region: region \"town/east\" does not exist"},
      {MATTER_OK,
       "[{\"id\":\"x\",\"name_zh\":\"a\",\"name_en\":\"b\",\"kind\":\"absence\","
       "\"metric\":\"temp\",\"severity\":\"info\",\"auto_order\":{\"matter\":\"fire\"},"
       "\"condition\":{\"for_minutes\":5}}]",
       "rules.json [0].auto_order.matter: matter \"fire\" does not exist"},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++) {
    ts_file_write(pdir, "matters.json", bad[i].matters);
    ts_file_write(pdir, "rules.json", bad[i].rules);
    memset(&e, 0, sizeof e);
    assert_int_equal(pack_load(st, pdir, NULL, NULL, NULL, &e), ZZ_EINVAL);
    if (strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
      fprintf(stderr, "case %zu: %s\n", i, e.msg);
    assert_memory_equal(e.msg, bad[i].msg, strlen(bad[i].msg));
  }
  int nr = 0, nm = 0;
  store_rules_each(st, count_rule, &nr);
  store_matters_each(st, count_matter, &nm);
  assert_int_equal(nr + nm, 0); /* nothing of a refused pack is written */
  ts_file_write(pdir, "matters.json", MATTER_OK);
  ts_file_write(pdir, "rules.json", RULE_OK);
  assert_int_equal(pack_load(st, pdir, NULL, NULL, NULL, &e), 0);
  assert_int_equal(pack_load(st, pdir, NULL, NULL, NULL, &e), 0); /* idempotent */
  store_rules_each(st, count_rule, &nr);
  store_matters_each(st, count_matter, &nm);
  assert_int_equal(nr, 1);
  assert_int_equal(nm, 1);
  store_close(st);
}

int main(void) {
  if (ts_dir_make(dir, sizeof dir, "rules")) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse),        cmocka_unit_test(test_messages),
      cmocka_unit_test(test_threshold),    cmocka_unit_test(test_hours),
      cmocka_unit_test(test_rate),         cmocka_unit_test(test_count),
      cmocka_unit_test(test_absence),      cmocka_unit_test(test_engine),
      cmocka_unit_test(test_pack_files),   cmocka_unit_test(test_levels),
      cmocka_unit_test(test_rate_per_day), cmocka_unit_test(test_engine_levels),
      cmocka_unit_test(test_past_alert),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (ts_dir_remove(dir)) rc = rc ? rc : 1;
  return rc;
}
