/* test_mqtt_msg.c - unit tests for src/ingest/mqtt_msg.c: topic conventions
 * (zz/SOURCE/ENTITY/METRIC, v1/devices/ENTITY/telemetry, refusals), payloads
 * to NDJSON lines (bare numbers, {"value","ts"}, ThingsBoard's three forms),
 * numbers passed through as written, bad payloads turned into a line the
 * decoder refuses, and the size and depth caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/zz.h"
#include "ingest/mqtt_msg.h"

static void test_topics(void **state) {
  (void)state;
  struct mqtt_topic t;
  assert_int_equal(mqtt_topic_parse("zz/env/dev-1/temp", &t), 0);
  assert_int_equal(t.conv, MQTT_CONV_ZZ);
  assert_string_equal(t.source, "env");
  assert_string_equal(t.entity, "dev-1");
  assert_string_equal(t.metric, "temp");
  assert_int_equal(mqtt_topic_parse("v1/devices/dev-1/telemetry", &t), 0);
  assert_int_equal(t.conv, MQTT_CONV_THINGSBOARD);
  assert_string_equal(t.entity, "dev-1");
  const char *bad[] = {
      "zz/env/dev-1",          "zz/env/dev-1/temp/x", "zz//dev-1/temp",
      "zz/env/dev-1/",         "zz/env/+/temp",       "v1/devices/dev-1/attributes",
      "v1/devices//telemetry", "other/topic",         "zz/env/dev-1/temp/"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++) assert_int_equal(mqtt_topic_parse(bad[i], &t), -1);
}

static void expect(const char *topic, const char *payload, int lines, const char *want) {
  struct mqtt_topic t;
  assert_int_equal(mqtt_topic_parse(topic, &t), 0);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  assert_int_equal(mqtt_payload_ndjson(&t, payload, strlen(payload), 1700000000000, &b), lines);
  assert_string_equal(b.data ? b.data : "", want);
  zz_buf_free(&b);
}

static void test_zz_payloads(void **state) {
  (void)state;
  expect("zz/s/e/m", "21.50", 1,
         "{\"entity\":\"e\",\"metric\":\"m\",\"ts\":1700000000000,\"value\":21.50}\n");
  expect(
      "zz/s/e/m", "{\"value\":1e3,\"ts\":\"2026-11-29T10:00:00+08:00\"}", 1,
      "{\"entity\":\"e\",\"metric\":\"m\",\"ts\":\"2026-11-29T10:00:00+08:00\",\"value\":1e3}\n");
  /* wrong types pass through for the decoder to name */
  expect("zz/s/e/m", "{\"value\":\"many\"}", 1,
         "{\"entity\":\"e\",\"metric\":\"m\",\"ts\":1700000000000,\"value\":\"many\"}\n");
  expect("zz/s/e/m", "{\"ts\":5}", 1, "{\"entity\":\"e\",\"metric\":\"m\",\"ts\":5}\n");
  /* not JSON: one line holding the bytes (newlines made spaces) */
  expect("zz/s/e/m", "{\"value\":\n", 1,
         "{\"entity\":\"e\",\"metric\":\"m\",\"ts\":1700000000000,\"value\":{\"value\": }\n");
  expect("zz/s/e/m", "", 1,
         "{\"entity\":\"e\",\"metric\":\"m\",\"ts\":1700000000000,\"value\":\"\"}\n");
}

static void test_thingsboard_payloads(void **state) {
  (void)state;
  expect("v1/devices/d/telemetry", "{\"temp\":1,\"hum\":2.5}", 2,
         "{\"entity\":\"d\",\"metric\":\"temp\",\"ts\":1700000000000,\"value\":1}\n"
         "{\"entity\":\"d\",\"metric\":\"hum\",\"ts\":1700000000000,\"value\":2.5}\n");
  expect("v1/devices/d/telemetry", "{\"ts\":1451649600512,\"values\":{\"temp\":3}}", 1,
         "{\"entity\":\"d\",\"metric\":\"temp\",\"ts\":1451649600512,\"value\":3}\n");
  expect("v1/devices/d/telemetry", "[{\"ts\":1,\"values\":{\"a\":1}},{\"b\":true}]", 2,
         "{\"entity\":\"d\",\"metric\":\"a\",\"ts\":1,\"value\":1}\n"
         "{\"entity\":\"d\",\"metric\":\"b\",\"ts\":1700000000000,\"value\":true}\n");
  expect("v1/devices/d/telemetry", "{}", 0, "");
  /* a metric name is escaped */
  expect("v1/devices/d/telemetry", "{\"a\\\"b\":1}", 1,
         "{\"entity\":\"d\",\"metric\":\"a\\\"b\",\"ts\":1700000000000,\"value\":1}\n");
}

static void test_caps(void **state) {
  (void)state;
  struct mqtt_topic t;
  assert_int_equal(mqtt_topic_parse("zz/s/e/m", &t), 0);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  char deep[200];
  memset(deep, '[', sizeof deep);
  assert_int_equal(mqtt_payload_ndjson(&t, deep, sizeof deep, 0, &b), ZZ_ETOOBIG);
  static char big[MQTT_MAX_PAYLOAD + 1];
  memset(big, '1', sizeof big);
  assert_int_equal(mqtt_payload_ndjson(&t, big, sizeof big, 0, &b), ZZ_ETOOBIG);
  assert_int_equal(b.len, 0);
  /* brackets inside a string do not count as depth */
  const char *s = "{\"value\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}";
  assert_int_equal(mqtt_payload_ndjson(&t, s, strlen(s), 0, &b), 1);
  zz_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_topics),
      cmocka_unit_test(test_zz_payloads),
      cmocka_unit_test(test_thingsboard_payloads),
      cmocka_unit_test(test_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
