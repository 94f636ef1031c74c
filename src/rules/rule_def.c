/* rule_def.c - parsing a rule's JSON and evaluating one (rule, entity) pair.
 * Pure: the engine in rules.c owns threads, the store and the bus. */
#include "rules/rule_def.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "core/buf.h"
#include "core/check.h"
#include "core/ztime.h"
#include "model/registry.h"

static const char *const kind_names[] = {"", "threshold", "rate", "count", "absence"};
static const char *const severities[] = {"info", "warning", "major", "critical"};

int rule_severity_rank(const char *severity) {
  for (int i = 0; severity && i < (int)ZZ_ARRAY_LEN(severities); i++)
    if (strcmp(severity, severities[i]) == 0) return i;
  return -1;
}

const char *rule_level_severity(const struct rule_def *d, int level) {
  return level > 0 && level <= d->nlevels ? d->levels[level - 1].severity : d->severity;
}

const char *rule_kind_name(enum rule_kind k) {
  return k >= RULE_THRESHOLD && k <= RULE_ABSENCE ? kind_names[k] : "unknown";
}

/* An optional string member copied into out (cap bytes); "" when absent or
 * null. Required members are non-empty. */
static int str_field(const struct check *k, const json_t *j, const char *key, int required,
                     char *out, size_t cap) {
  const char *s = "";
  int rc = check_str(
      k, j, key, CHECK_NULL_ABSENT | (required ? CHECK_REQUIRED | CHECK_NONEMPTY : 0), cap - 1, &s);
  if (!rc) zz_strlcpy(out, s, cap);
  return rc;
}

/* A number in minutes (fractions allowed) as ms; *out untouched when absent. */
static int minutes_field(const struct check *k, const json_t *j, const char *key, int required,
                         int positive, int64_t *out) {
  const json_t *v = json_object_get(j, key);
  if (!v) return required ? check_fail(k, key, "is required (minutes)") : 0;
  double m = json_is_number(v) ? json_number_value(v) : NAN;
  /* A positive duration must stay positive in ms: 1e-9 minutes passed a
   * check on the minutes alone and became a 0 ms absence rule (found by
   * fuzz_rule). */
  int64_t ms = 0;
  if (isfinite(m) && m >= 0 && m <= 366.0 * 24 * 60) ms = (int64_t)llround(m * 60000.0);
  if (!isfinite(m) || m < 0 || m > 366.0 * 24 * 60 || (positive && ms < 1)) {
    struct zz_err en, zh; /* with the English word, and with its Chinese */
    zz_fail(&en, ZZ_EINVAL, NULL, "must be a number of minutes %s 0 and at most a year",
            positive ? "above" : "from");
    zz_fail(&zh, ZZ_EINVAL, NULL, "must be a number of minutes %s 0 and at most a year",
            positive ? "大于" : "不小于");
    zz_strlcpy(en.msg_zh, zh.msg_zh, sizeof en.msg_zh);
    return check_fail_err(k, key, &en);
  }
  *out = ms;
  return 0;
}

/* A number within +-RULE_NUM_MAX: a limit near DBL_MAX could not be written
 * back and read again (found by tests/fuzz/fuzz_rule.c). */
static int num_field(const struct check *k, const json_t *j, const char *key, int required,
                     double *out) {
  return check_num(k, j, key, required ? CHECK_REQUIRED : CHECK_OPTIONAL, -RULE_NUM_MAX,
                   RULE_NUM_MAX, out);
}

/* What watches: a metric, or (count rules) an event kind. */
static int parse_watch(const struct check *k, struct rule_def *d) {
  if (d->event[0]) {
    if (d->metric[0])
      return check_fail(k, "event", "a rule watches a metric or an event kind, not both");
    if (d->kind != RULE_COUNT) return check_fail(k, "event", "only count rules watch events");
    if (!check_is_key(d->event))
      return check_fail(k, "event", "\"%s\" must be 1-%d of a-z, 0-9, _", d->event, CHECK_KEY_MAX);
  } else if (!d->metric[0]) {
    return check_fail(k, "metric", "is required (or event, for a count rule)");
  } else if (!check_is_key(d->metric)) {
    return check_fail(k, "metric", "\"%s\" is not a metric id", d->metric);
  }
  return 0;
}

/* The condition object, per kind; k is at "condition". */
static int parse_condition(const struct check *k, const json_t *c, struct rule_def *d) {
  static const char *const thr_ops[] = {"above", "below"};
  static const char *const rate_ops[] = {"up", "down", "any"};
  static const char *const count_by[] = {"sum", "records"};
  const char *op = NULL;
  int rc = 0;
  switch (d->kind) {
  case RULE_THRESHOLD:
    if ((rc = check_enum(k, c, "op", CHECK_REQUIRED, thr_ops, 2, &op)) ||
        (rc = num_field(k, c, "value", 1, &d->value)) ||
        (rc = minutes_field(k, c, "for_minutes", 0, 0, &d->for_ms)))
      return rc;
    d->op = strcmp(op, "above") == 0 ? 1 : -1;
    break;
  case RULE_RATE: {
    /* a relative change (percent) or a speed in the metric's units a day
     * (per_day: settlement in mm/d), never both */
    d->per_day = json_object_get(c, "per_day") != NULL;
    const char *what = d->per_day ? "per_day" : "percent";
    if (d->per_day && json_object_get(c, "percent"))
      return check_fail(k, "per_day", "give percent or per_day, not both");
    if ((rc = check_enum(k, c, "op", CHECK_OPTIONAL, rate_ops, 3, &op)) ||
        (rc = num_field(k, c, what, 1, &d->value)) ||
        (rc = minutes_field(k, c, "window_minutes", 1, 1, &d->window_ms)))
      return rc;
    d->op = !op || strcmp(op, "any") == 0 ? 0 : strcmp(op, "up") == 0 ? 1 : -1;
    if (d->value <= 0) return check_fail(k, what, "must be above 0");
    break;
  }
  case RULE_COUNT: {
    const char *by = NULL;
    if ((rc = num_field(k, c, "count", 1, &d->value)) ||
        (rc = minutes_field(k, c, "window_minutes", 1, 1, &d->window_ms)) ||
        (rc = check_enum(k, c, "by", CHECK_OPTIONAL, count_by, 2, &by)))
      return rc;
    if (d->value < 1) return check_fail(k, "count", "must be at least 1");
    d->count_records = (by && strcmp(by, "records") == 0) || d->event[0];
    break;
  }
  case RULE_ABSENCE:
    rc = minutes_field(k, c, "for_minutes", 1, 1, &d->for_ms);
    break;
  }
  return rc;
}

/* hours [from, to], auto_order and enabled. */
static const char *const placeholders[] = {"rule",  "entity", "region", "metric", "unit",
                                           "value", "limit",  "window", "op"};

/* The placeholder at s (just after a '{'): its index, or -1; *len its
 * length up to the '}'. */
static int placeholder_at(const char *s, size_t *len) {
  const char *end = strchr(s, '}');
  if (!end) return -1;
  *len = (size_t)(end - s);
  for (size_t i = 0; i < ZZ_ARRAY_LEN(placeholders); i++)
    if (strlen(placeholders[i]) == *len && strncmp(s, placeholders[i], *len) == 0) return (int)i;
  return -1;
}

/* An optional message template: every {name} must be one we fill. */
static int message_field(const struct check *k, const json_t *j, const char *key, char *out,
                         size_t cap) {
  int rc = str_field(k, j, key, 0, out, cap);
  for (const char *p = out; !rc && (p = strchr(p, '{')) != NULL; p++) {
    size_t n = 0;
    if (placeholder_at(p + 1, &n) < 0) {
      char list[128];
      rc = check_fail(k, key, "{%.*s} is not a placeholder: use %s", (int)(strchr(p, '}') ? n : 0),
                      p + 1,
                      check_list(placeholders, ZZ_ARRAY_LEN(placeholders), list, sizeof list));
    }
  }
  return rc;
}

static int parse_extras(const struct check *k, const json_t *j, struct rule_def *d) {
  const json_t *h = json_object_get(j, "hours");
  int rc;
  if (h) {
    if (!json_is_array(h) || json_array_size(h) != 2)
      return check_fail(k, "hours", "must be [from, to], local hours 0-24");
    for (int i = 0; i < 2; i++) {
      const json_t *v = json_array_get(h, (size_t)i);
      char f[24]; /* "hours[" + any int + "]": room for gcc -O1's range check */
      snprintf(f, sizeof f, "hours[%d]", i);
      if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 24)
        return check_fail(k, f, "must be an integer hour from 0 to 24");
    }
    d->hour_from = (int)json_integer_value(json_array_get(h, 0));
    d->hour_to = (int)json_integer_value(json_array_get(h, 1));
    if (d->hour_from == d->hour_to) return check_fail(k, "hours", "[from, to] must not be empty");
  }
  const json_t *ao = NULL;
  if ((rc = check_object(k, j, "auto_order", CHECK_NULL_ABSENT, &ao))) return rc;
  if (ao) {
    const char *m = json_string_value(json_object_get(ao, "matter"));
    if (!check_is_key(m)) return check_fail(k, "auto_order.matter", "must be a matter id");
    zz_strlcpy(d->auto_matter, m, sizeof d->auto_matter);
  }
  if ((rc = message_field(k, j, "message_zh", d->message_zh, sizeof d->message_zh)) ||
      (rc = message_field(k, j, "message_en", d->message_en, sizeof d->message_en)) ||
      (rc = str_field(k, j, "event_name_zh", 0, d->event_name_zh, sizeof d->event_name_zh)) ||
      (rc = str_field(k, j, "event_name_en", 0, d->event_name_en, sizeof d->event_name_en)))
    return rc;
  if (!d->event[0] && (d->event_name_zh[0] || d->event_name_en[0]))
    return check_fail(k, d->event_name_zh[0] ? "event_name_zh" : "event_name_en",
                      "names an event kind, but the rule watches a metric");
  return check_bool(k, j, "enabled", CHECK_OPTIONAL, &d->enabled);
}

/* "levels": [{at, severity}], threshold and rate rules only: each level
 * beyond the one before in the rule's direction (a rate's measure grows
 * away from 0), each severity above the one before. */
static int parse_levels(const struct check *k, const json_t *j, struct rule_def *d) {
  const json_t *a = json_object_get(j, "levels");
  if (!a || json_is_null(a)) return 0;
  if (d->kind != RULE_THRESHOLD && d->kind != RULE_RATE)
    return check_fail(k, "levels", "only threshold and rate rules have levels");
  if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > RULE_LEVELS_MAX)
    return check_fail(k, "levels", "must list 1 to %d levels {at, severity}", RULE_LEVELS_MAX);
  double prev = d->value;
  int prev_rank = rule_severity_rank(d->severity);
  int dir = d->kind == RULE_THRESHOLD ? d->op : 1;
  for (size_t i = 0; i < json_array_size(a); i++) {
    const json_t *l = json_array_get(a, i);
    struct check lk = *k;
    check_push_key(&lk, "levels");
    check_push(&lk, "[%zu]", i);
    const char *sev = NULL;
    struct rule_level *lv = &d->levels[i];
    int rc;
    if (!json_is_object(l)) return check_fail(&lk, NULL, "a level must be {at, severity}");
    if ((rc = num_field(&lk, l, "at", 1, &lv->at)) ||
        (rc = check_enum(&lk, l, "severity", CHECK_REQUIRED, severities, ZZ_ARRAY_LEN(severities),
                         &sev)))
      return rc;
    zz_strlcpy(lv->severity, sev, sizeof lv->severity);
    if (dir * (lv->at - prev) <= 0)
      return check_fail(&lk, "at", "must lie beyond the limit before it (%g)", prev);
    if (rule_severity_rank(sev) <= prev_rank)
      return check_fail(&lk, "severity", "must be more severe than the level before it");
    prev = lv->at;
    prev_rank = rule_severity_rank(sev);
    d->nlevels++;
  }
  return 0;
}

int rule_parse(const json_t *j, struct rule_def *d, struct zz_err *e) {
  struct check k;
  check_init(&k, e, NULL, 0);
  memset(d, 0, sizeof *d);
  d->hour_from = d->hour_to = -1;
  d->enabled = 1;
  if (!json_is_object(j)) return check_fail(&k, NULL, "a rule must be a JSON object");
  const char *id = NULL, *kind = NULL, *sev = NULL;
  int rc;
  if ((rc = check_key(&k, j, "id", CHECK_REQUIRED | CHECK_NULL_ABSENT, &id))) return rc;
  zz_strlcpy(d->key, id, sizeof d->key);
  if ((rc = str_field(&k, j, "name_zh", 1, d->name_zh, sizeof d->name_zh)) ||
      (rc = str_field(&k, j, "name_en", 1, d->name_en, sizeof d->name_en)) ||
      (rc = check_enum(&k, j, "kind", CHECK_REQUIRED | CHECK_NULL_ABSENT, kind_names + 1,
                       RULE_ABSENCE, &kind)) ||
      (rc = str_field(&k, j, "metric", 0, d->metric, sizeof d->metric)) ||
      (rc = str_field(&k, j, "event", 0, d->event, sizeof d->event)) ||
      (rc = str_field(&k, j, "entity_type", 0, d->entity_type, sizeof d->entity_type)) ||
      (rc = str_field(&k, j, "region", 0, d->region, sizeof d->region)) ||
      (rc = check_enum(&k, j, "severity", CHECK_REQUIRED | CHECK_NULL_ABSENT, severities,
                       ZZ_ARRAY_LEN(severities), &sev)))
    return rc;
  d->kind = (enum rule_kind)(check_one_of(kind, kind_names, ZZ_ARRAY_LEN(kind_names)));
  zz_strlcpy(d->severity, sev, sizeof d->severity);
  if ((rc = parse_watch(&k, d))) return rc;
  const json_t *c = NULL;
  if ((rc = check_object(&k, j, "condition", CHECK_REQUIRED, &c))) return rc;
  struct check ck = k;
  check_push_key(&ck, "condition");
  if ((rc = parse_condition(&ck, c, d)) ||
      (rc = num_field(&k, j, "hysteresis", 0, &d->hysteresis)) ||
      (rc = minutes_field(&k, j, "cooldown_minutes", 0, 0, &d->cooldown_ms)))
    return rc;
  if (d->hysteresis < 0) return check_fail(&k, "hysteresis", "must be >= 0");
  if ((rc = parse_levels(&k, j, d))) return rc;
  return parse_extras(&k, j, d);
}

static double minutes(int64_t ms) {
  return (double)ms / 60000.0;
}

int rule_to_json(const struct rule_def *d, struct zz_buf *b) {
  int rc = 0;
  rc |= zz_buf_adds(b, "{\"id\":");
  rc |= zz_buf_json_str(b, d->key);
  rc |= zz_buf_adds(b, ",\"name_zh\":");
  rc |= zz_buf_json_str(b, d->name_zh);
  rc |= zz_buf_adds(b, ",\"name_en\":");
  rc |= zz_buf_json_str(b, d->name_en);
  rc |= zz_buf_printf(b, ",\"kind\":\"%s\",\"%s\":", rule_kind_name(d->kind),
                      d->event[0] ? "event" : "metric");
  rc |= zz_buf_json_str(b, d->event[0] ? d->event : d->metric);
  if (d->entity_type[0]) {
    rc |= zz_buf_adds(b, ",\"entity_type\":");
    rc |= zz_buf_json_str(b, d->entity_type);
  }
  if (d->region[0]) {
    rc |= zz_buf_adds(b, ",\"region\":");
    rc |= zz_buf_json_str(b, d->region);
  }
  rc |= zz_buf_adds(b, ",\"severity\":");
  rc |= zz_buf_json_str(b, d->severity);
  rc |= zz_buf_adds(b, ",\"condition\":{");
  switch (d->kind) {
  case RULE_THRESHOLD:
    rc |= zz_buf_printf(b, "\"op\":\"%s\",\"value\":", d->op > 0 ? "above" : "below");
    rc |= zz_buf_json_num(b, d->value);
    rc |= zz_buf_adds(b, ",\"for_minutes\":");
    rc |= zz_buf_json_num(b, minutes(d->for_ms));
    break;
  case RULE_RATE:
    rc |= zz_buf_printf(b, "\"op\":\"%s\",\"%s\":",
                        d->op > 0   ? "up"
                        : d->op < 0 ? "down"
                                    : "any",
                        d->per_day ? "per_day" : "percent");
    rc |= zz_buf_json_num(b, d->value);
    rc |= zz_buf_adds(b, ",\"window_minutes\":");
    rc |= zz_buf_json_num(b, minutes(d->window_ms));
    break;
  case RULE_COUNT:
    rc |= zz_buf_adds(b, "\"count\":");
    rc |= zz_buf_json_num(b, d->value);
    rc |= zz_buf_printf(b,
                        ",\"by\":\"%s\",\"window_minutes\":", d->count_records ? "records" : "sum");
    rc |= zz_buf_json_num(b, minutes(d->window_ms));
    break;
  case RULE_ABSENCE:
    rc |= zz_buf_adds(b, "\"for_minutes\":");
    rc |= zz_buf_json_num(b, minutes(d->for_ms));
    break;
  }
  rc |= zz_buf_adds(b, "},\"hysteresis\":");
  rc |= zz_buf_json_num(b, d->hysteresis);
  rc |= zz_buf_adds(b, ",\"cooldown_minutes\":");
  rc |= zz_buf_json_num(b, minutes(d->cooldown_ms));
  if (d->hour_from >= 0) rc |= zz_buf_printf(b, ",\"hours\":[%d,%d]", d->hour_from, d->hour_to);
  for (int i = 0; i < d->nlevels; i++) {
    rc |= zz_buf_adds(b, i ? ",{\"at\":" : ",\"levels\":[{\"at\":");
    rc |= zz_buf_json_num(b, d->levels[i].at);
    rc |= zz_buf_printf(b, ",\"severity\":\"%s\"}%s", d->levels[i].severity,
                        i + 1 == d->nlevels ? "]" : "");
  }
  if (d->auto_matter[0]) {
    rc |= zz_buf_adds(b, ",\"auto_order\":{\"matter\":");
    rc |= zz_buf_json_str(b, d->auto_matter);
    rc |= zz_buf_addc(b, '}');
  }
  if (d->event_name_zh[0]) {
    rc |= zz_buf_adds(b, ",\"event_name_zh\":");
    rc |= zz_buf_json_str(b, d->event_name_zh);
  }
  if (d->event_name_en[0]) {
    rc |= zz_buf_adds(b, ",\"event_name_en\":");
    rc |= zz_buf_json_str(b, d->event_name_en);
  }
  if (d->message_zh[0]) {
    rc |= zz_buf_adds(b, ",\"message_zh\":");
    rc |= zz_buf_json_str(b, d->message_zh);
  }
  if (d->message_en[0]) {
    rc |= zz_buf_adds(b, ",\"message_en\":");
    rc |= zz_buf_json_str(b, d->message_en);
  }
  rc |= zz_buf_printf(b, ",\"enabled\":%s}", d->enabled ? "true" : "false");
  return rc ? ZZ_ENOMEM : 0;
}

/* ---- the alert's sentence ---- */

/* Each kind's sentence when the rule gives none: [kind][en]. */
static const char *const default_messages[][2] = {
    [RULE_THRESHOLD] = {"{rule}：{entity}{metric}为{value}{unit}，{op}{limit}{unit}",
                        "{rule}: {metric} at {entity} is {value}{unit}, {op} {limit}{unit}"},
    [RULE_RATE] =
        {"{rule}：{entity}{metric}{window}分钟内变化{value}%（限值{limit}%）",
         "{rule}: {metric} at {entity} changed {value}% in {window} min (limit {limit}%)"},
    [RULE_COUNT] = {"{rule}：{entity}{window}分钟内{metric}{value}次（限值{limit}次）",
                    "{rule}: {value} {metric} at {entity} in {window} min (limit {limit})"},
    [RULE_ABSENCE] = {"{rule}：{entity}已{value}分钟没有{metric}数据",
                      "{rule}: no {metric} from {entity} for {value} min"},
};

/* v with at most 3 decimals and no trailing zeros ("12.5", "3"). */
static void number(char *out, size_t cap, double v) {
  snprintf(out, cap, "%.3f", v);
  char *dot = strchr(out, '.');
  if (!dot) return;
  char *end = out + strlen(out) - 1;
  while (end > dot && *end == '0') *end-- = '\0';
  if (end == dot) *end = '\0';
}

void rule_message(const struct rule_def *d, const struct rule_words *w, int en, double v, char *out,
                  size_t cap) {
  en = en ? 1 : 0;
  const char *tpl = en ? d->message_en : d->message_zh;
  if (!tpl[0] && d->kind == RULE_THRESHOLD && w->nstates)
    tpl = en ? "{rule}: {metric} at {entity} is {value}" : "{rule}：{entity}{metric}为{value}";
  if (!tpl[0] && d->kind == RULE_RATE && d->per_day)
    tpl = en ? "{rule}: {metric} at {entity} changes {value}{unit}/d (limit {limit}{unit}/d)"
             : "{rule}：{entity}{metric}变化速率{value}{unit}/天（限值{limit}{unit}/天）";
  if (!tpl[0] && d->kind >= RULE_THRESHOLD && d->kind <= RULE_ABSENCE)
    tpl = default_messages[d->kind][en];
  char val[64], lim[64], win[32];
  number(val, sizeof val, v);
  number(lim, sizeof lim,
         w->level > 0 && w->level <= d->nlevels ? d->levels[w->level - 1].at : d->value);
  /* a status metric's values are said by name (故障, not 0) */
  for (int i = 0; i < w->nstates; i++) {
    const struct reg_state *st = &w->states[i];
    if (st->value == v) zz_strlcpy(val, en ? st->name_en : st->name_zh, sizeof val);
    if (st->value == d->value && d->kind == RULE_THRESHOLD)
      zz_strlcpy(lim, en ? st->name_en : st->name_zh, sizeof lim);
  }
  number(win, sizeof win, minutes(d->window_ms));
  const char *op = d->op > 0 ? (en ? "above" : "超过") : (en ? "below" : "低于");
  const char *fill[] = {en ? d->name_en : d->name_zh,
                        w->entity ? w->entity : "",
                        w->region ? w->region : "",
                        w->metric ? w->metric : (d->event[0] ? d->event : d->metric),
                        w->unit && !w->nstates ? w->unit : "",
                        val,
                        lim,
                        win,
                        op};
  size_t n = 0;
  for (const char *p = tpl; *p && n + 1 < cap; p++) {
    size_t len;
    int i = *p == '{' ? placeholder_at(p + 1, &len) : -1;
    if (i < 0) {
      out[n++] = *p;
      continue;
    }
    for (const char *f = fill[i]; *f && n + 1 < cap; f++) out[n++] = *f;
    p += len + 1;
  }
  out[n] = '\0';
  if (n + 1 >= cap) zz_utf8_trim(out); /* a cut sentence never ends inside a character */
}

/* ---- evaluation ---- */

int rule_active_at(const struct rule_def *d, int64_t ms) {
  if (d->hour_from < 0) return 1;
  struct zz_civil c;
  zz_time_civil(ms, &c);
  if (d->hour_from < d->hour_to) return c.hour >= d->hour_from && c.hour < d->hour_to;
  return c.hour >= d->hour_from || c.hour < d->hour_to; /* wraps midnight: [22, 6) */
}

void rule_state_free(struct rule_state *st) {
  zz_free(st->ring);
  st->ring = NULL;
  st->n = st->cap = st->head = 0;
  st->sum = 0;
}

/* The i-th sample from the oldest. */
static struct rule_sample *at(struct rule_state *st, size_t i) {
  return &st->ring[(st->head + i) % st->cap];
}

static double weight(const struct rule_sample *s, int records) {
  return records ? 1.0 : s->v;
}

static void ring_clear(struct rule_state *st) {
  st->n = st->head = 0;
  st->sum = 0;
}

/* Drops the samples at or before `before`; O(dropped). */
static void ring_trim(struct rule_state *st, int64_t before, int records) {
  while (st->n && at(st, 0)->ts <= before) {
    st->sum -= weight(at(st, 0), records);
    st->head = (st->head + 1) % st->cap;
    st->n--;
  }
  if (!st->n) st->sum = 0; /* no drift left behind by float subtraction */
}

static int ring_grow(struct rule_state *st) {
  size_t cap = st->cap ? st->cap * 2 : 8;
  struct rule_sample *p = zz_malloc(cap * sizeof *p);
  if (!p) return ZZ_ENOMEM;
  for (size_t i = 0; i < st->n; i++) p[i] = *at(st, i);
  zz_free(st->ring);
  st->ring = p;
  st->cap = cap;
  st->head = 0;
  return 0;
}

/* Adds a sample in time order: O(1) for the usual in-order record, a shift
 * for a late one. When full (RULE_RING_MAX) the oldest falls out. */
static void ring_add(struct rule_state *st, int64_t ts, double v, int records) {
  if (st->n == st->cap) {
    if (st->cap >= RULE_RING_MAX) {
      st->sum -= weight(at(st, 0), records);
      st->head = (st->head + 1) % st->cap;
      st->n--;
    } else if (ring_grow(st)) {
      return; /* the window undercounts; nothing worse */
    }
  }
  size_t i = st->n;
  while (i > 0 && at(st, i - 1)->ts > ts) {
    *at(st, i) = *at(st, i - 1);
    i--;
  }
  *at(st, i) = (struct rule_sample){ts, v};
  st->n++;
  st->sum += weight(at(st, i), records);
}

static int cooling(const struct rule_def *d, const struct rule_state *st, int64_t now) {
  return st->cleared_at && now - st->cleared_at < d->cooldown_ms;
}

static enum rule_verdict open_if(const struct rule_def *d, struct rule_state *st, int64_t now) {
  if (st->open || cooling(d, st, now)) return RULE_KEEP;
  st->open = 1;
  return RULE_OPEN;
}

/* The highest level the measure m has passed (0: none beyond the rule's
 * own limit); m is a threshold's value or a rate's magnitude. */
static int level_of(const struct rule_def *d, double m) {
  int dir = d->kind == RULE_THRESHOLD ? d->op : 1, lvl = 0;
  for (int i = 0; i < d->nlevels; i++)
    if (dir * (m - d->levels[i].at) > 0) lvl = i + 1;
  return lvl;
}

/* Opens at the level m reached, or raises an open alert that m took past
 * a higher level; a level never falls while the alert is open. */
static enum rule_verdict open_or_raise(const struct rule_def *d, struct rule_state *st, int64_t now,
                                       double m) {
  int lvl = level_of(d, m);
  if (st->open) {
    if (lvl <= st->level) return RULE_KEEP;
    st->level = lvl;
    return RULE_RAISE;
  }
  if (cooling(d, st, now)) return RULE_KEEP;
  st->open = 1;
  st->level = lvl;
  return RULE_OPEN;
}

static enum rule_verdict clear(struct rule_state *st, int64_t now) {
  if (!st->open) return RULE_KEEP;
  st->open = 0;
  st->level = 0;
  st->cleared_at = now;
  return RULE_CLEAR;
}

static int beyond(const struct rule_def *d, double v, double margin) {
  return d->op > 0 ? v > d->value - margin : v < d->value + margin;
}

enum rule_verdict rule_feed(const struct rule_def *d, struct rule_state *st, int64_t ts,
                            double value, double *out) {
  int newest = ts >= st->last_ts;
  *out = value;
  if (newest) {
    st->last_ts = ts;
    st->last_value = value;
  }
  if (!rule_active_at(d, ts)) {
    st->since = 0;
    if (d->kind == RULE_RATE || d->kind == RULE_COUNT) ring_clear(st);
    return newest ? clear(st, ts) : RULE_KEEP;
  }
  switch (d->kind) {
  case RULE_THRESHOLD:
    if (!newest) return RULE_KEEP;
    if (beyond(d, value, 0)) {
      if (!st->since) st->since = ts;
      if (ts - st->since >= d->for_ms) return open_or_raise(d, st, ts, value);
      return RULE_KEEP;
    }
    st->since = 0;
    /* Hysteresis: an open alert clears only once the value is back by the
     * margin, so a value hovering at the limit does not flap. */
    if (st->open && !beyond(d, value, d->hysteresis)) return clear(st, ts);
    return RULE_KEEP;
  case RULE_RATE: {
    ring_trim(st, st->last_ts - d->window_ms, 0);
    ring_add(st, ts, value, 0);
    if (!newest) return RULE_KEEP;
    /* alone in the window: nothing changed within it (the change is 0) */
    const struct rule_sample *old = st->n < 2 ? NULL : at(st, 0);
    double base = old ? old->v : value, change = 0;
    if (d->per_day) {
      /* the speed between the oldest and the newest sample in the window */
      if (old && ts > old->ts) change = (value - base) / ((double)(ts - old->ts) / 86400000.0);
    } else {
      if (base == 0) return RULE_KEEP; /* a change from zero has no percentage */
      change = (value - base) / fabs(base) * 100.0;
    }
    *out = change;
    double mag = d->op > 0 ? change : d->op < 0 ? -change : fabs(change);
    if (mag > d->value) return open_or_raise(d, st, ts, mag);
    if (st->open && mag <= d->value - d->hysteresis) return clear(st, ts);
    return RULE_KEEP;
  }
  case RULE_COUNT: {
    ring_trim(st, st->last_ts - d->window_ms, d->count_records);
    if (ts > st->last_ts - d->window_ms) ring_add(st, ts, value, d->count_records);
    double n = st->sum;
    *out = n;
    if (n >= d->value) return open_if(d, st, st->last_ts);
    if (newest && st->open && n < d->value - d->hysteresis) return clear(st, ts);
    return RULE_KEEP;
  }
  case RULE_ABSENCE:
    /* any sign of life ends the silence */
    return newest ? clear(st, ts) : RULE_KEEP;
  }
  return RULE_KEEP;
}

enum rule_verdict rule_tick(const struct rule_def *d, struct rule_state *st, int64_t now,
                            double *out) {
  *out = st->last_value;
  if (!rule_active_at(d, now)) {
    st->since = 0;
    return clear(st, now);
  }
  switch (d->kind) {
  case RULE_THRESHOLD:
    if (st->since && !st->open && beyond(d, st->last_value, 0) && now - st->since >= d->for_ms)
      return open_or_raise(d, st, now, st->last_value);
    return RULE_KEEP;
  case RULE_RATE:
    return RULE_KEEP; /* a change needs a new record to be measured */
  case RULE_COUNT: {
    ring_trim(st, now - d->window_ms, d->count_records);
    double n = st->sum;
    *out = n;
    if (st->open && n < d->value - d->hysteresis) return clear(st, now);
    return RULE_KEEP;
  }
  case RULE_ABSENCE:
    if (st->last_ts && now - st->last_ts >= d->for_ms) {
      *out = (double)(now - st->last_ts) / 60000.0; /* minutes of silence */
      return open_if(d, st, now);
    }
    return RULE_KEEP;
  }
  return RULE_KEEP;
}
