/* fuzz_rule.c - libFuzzer target for the rule parser (rules/rule_def.h):
 * any JSON parses or fails with ZZ_EINVAL and a field; a parsed rule written
 * back with rule_to_json parses again to the same rule; then the rule is fed
 * records and ticks derived from the input, and its state stays coherent
 * (a verdict agrees with st->open, the window ring stays within its cap). */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/zz.h"
#include "core/ztime.h"
#include "rules/rule_def.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_num(double a, double b) {
  return a == b || fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}
static int same_ms(int64_t a, int64_t b) {
  return llabs(a - b) <= 1 + (int64_t)(1e-9 * (double)llabs(a));
}

static void same_rule(const struct rule_def *a, const struct rule_def *b) {
  ZZ_ASSERT(strcmp(a->key, b->key) == 0 && strcmp(a->name_zh, b->name_zh) == 0 &&
            strcmp(a->name_en, b->name_en) == 0);
  ZZ_ASSERT(a->kind == b->kind && a->op == b->op && a->count_records == b->count_records);
  ZZ_ASSERT(strcmp(a->metric, b->metric) == 0 && strcmp(a->event, b->event) == 0 &&
            strcmp(a->entity_type, b->entity_type) == 0 && strcmp(a->region, b->region) == 0 &&
            strcmp(a->severity, b->severity) == 0 && strcmp(a->auto_matter, b->auto_matter) == 0);
  ZZ_ASSERT(same_num(a->value, b->value) && same_num(a->hysteresis, b->hysteresis));
  ZZ_ASSERT(same_ms(a->for_ms, b->for_ms) && same_ms(a->window_ms, b->window_ms) &&
            same_ms(a->cooldown_ms, b->cooldown_ms));
  ZZ_ASSERT(a->hour_from == b->hour_from && a->hour_to == b->hour_to && a->enabled == b->enabled);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t je;
  json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
  if (!j) return 0;
  struct rule_def d, back;
  struct zz_err e = {0};
  int rc = rule_parse(j, &d, &e);
  if (rc) {
    ZZ_ASSERT(rc == ZZ_EINVAL && e.msg[0]);
    json_decref(j);
    return 0;
  }
  ZZ_ASSERT(d.kind >= RULE_THRESHOLD && d.kind <= RULE_ABSENCE);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  ZZ_ASSERT(rule_to_json(&d, &b) == 0);
  json_t *j2 = json_loadb(b.data, b.len, 0, &je);
  ZZ_ASSERT(j2 != NULL); /* rule_to_json writes JSON */
  struct zz_err e2 = {0};
  ZZ_ASSERT(rule_parse(j2, &back, &e2) == 0); /* ... that the parser takes back */
  same_rule(&d, &back);
  json_decref(j2);
  zz_buf_free(&b);

  /* records and ticks from the input's bytes: a step in minutes and a value
   * around the rule's limit for each byte */
  struct rule_state st = {0};
  int64_t t = 1779321600000LL; /* 2026-05-21 08:00 +08:00 */
  for (size_t i = 0; i < size && i < 2048; i++) {
    double v;
    int64_t ts = t + (int64_t)(data[i] & 0x0f) * ZZ_MINUTE_MS;
    enum rule_verdict vd;
    if ((data[i] & 0x30) == 0x30) {
      vd = rule_tick(&d, &st, ts, &v);
    } else {
      double x = d.value + ((int)(data[i] >> 4) - 2) * (1 + fabs(d.value) / 4);
      vd = rule_feed(&d, &st, (data[i] & 0x40) ? ts - 30 * ZZ_MINUTE_MS : ts, x, &v);
    }
    ZZ_ASSERT(vd == RULE_KEEP || vd == RULE_OPEN || vd == RULE_CLEAR);
    if (vd == RULE_OPEN) ZZ_ASSERT(st.open == 1);
    if (vd == RULE_CLEAR) ZZ_ASSERT(st.open == 0);
    ZZ_ASSERT(st.n <= RULE_RING_MAX && st.n <= st.cap);
    t = ts;
  }
  rule_state_free(&st);
  json_decref(j);
  return 0;
}
