/* past_alarms.c - the demo's alarms of the past (past_alarms.h). The pack
 * says what happened (rule, entity, day and time, severity, value, the
 * departments and what each did, how many hours each step took); this file
 * only replays it through the rules and workflow engines, dated. */
#include "demo/past_alarms.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/check.h"
#include "core/ztime.h"
#include "rules/rules.h"
#include "store/store.h"
#include "store/store_alerts.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)
#define PAST_MAX 32
#define PAST_DEPTS 4

struct past {
  const char *rule, *entity, *severity, *verify_note;
  double value;
  int64_t opened; /* UTC ms */
  const char *depts[PAST_DEPTS], *notes[PAST_DEPTS], *officers[PAST_DEPTS];
  size_t nd;
  double resolved_h, verified_h, closed_h, cleared_h;
};

static const char *const TOP_KEYS[] = {"note", "dispatcher", "officers", "alarms", NULL};
static const char *const ALARM_KEYS[] = {"note",      "rule",        "entity",     "day",
                                         "time",      "severity",    "value",      "departments",
                                         "notes",     "resolved_h",  "verified_h", "closed_h",
                                         "cleared_h", "verify_note", NULL};

/* "HH:MM" into minutes of the day. */
static int hhmm(const char *s, int *min) {
  int h, m;
  char tail;
  if (sscanf(s, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59) return -1;
  *min = h * 60 + m;
  return 0;
}

static int parse_alarm(const struct check *k, const json_t *o, const json_t *officers, int64_t now,
                       struct past *p) {
  const char *time = "10:00";
  int64_t day = 0;
  const json_t *depts = NULL, *notes = NULL;
  int rc, min = 0;
  p->resolved_h = 20, p->verified_h = 26, p->closed_h = 48, p->cleared_h = 36;
  if ((rc = check_known(k, o, ALARM_KEYS)) ||
      (rc = check_key(k, o, "rule", CHECK_REQUIRED, &p->rule)) ||
      (rc = check_str(k, o, "entity", CHECK_REQUIRED | CHECK_NONEMPTY, 128, &p->entity)) ||
      (rc = check_int(k, o, "day", CHECK_REQUIRED, -3650, -1, &day)) ||
      (rc = check_str(k, o, "time", CHECK_OPTIONAL, 5, &time)) ||
      (rc = check_key(k, o, "severity", CHECK_OPTIONAL, &p->severity)) ||
      (rc = check_num(k, o, "value", CHECK_REQUIRED, -HUGE_VAL, HUGE_VAL, &p->value)) ||
      (rc = check_array(k, o, "departments", CHECK_REQUIRED, 1, PAST_DEPTS, CHECK_KEY, &depts)) ||
      (rc = check_object(k, o, "notes", CHECK_REQUIRED, &notes)) ||
      (rc = check_num(k, o, "resolved_h", CHECK_OPTIONAL, 1, 240, &p->resolved_h)) ||
      (rc = check_num(k, o, "verified_h", CHECK_OPTIONAL, 1, 240, &p->verified_h)) ||
      (rc = check_num(k, o, "closed_h", CHECK_OPTIONAL, 1, 480, &p->closed_h)) ||
      (rc = check_num(k, o, "cleared_h", CHECK_OPTIONAL, 0, 480, &p->cleared_h)) ||
      (rc = check_str(k, o, "verify_note", CHECK_OPTIONAL, 300, &p->verify_note)))
    return rc;
  if (hhmm(time, &min)) return check_fail(k, "time", "must be \"HH:MM\", not \"%s\"", time);
  /* each department accepts within the first hour, then resolves */
  if (p->verified_h <= p->resolved_h + 0.5)
    return check_fail(k, "verified_h", "must come after resolved_h (%g) by half an hour",
                      p->resolved_h);
  if (p->closed_h < p->verified_h)
    return check_fail(k, "closed_h", "must not come before verified_h (%g)", p->verified_h);
  p->nd = json_array_size(depts);
  for (size_t i = 0; i < p->nd; i++) {
    p->depts[i] = json_string_value(json_array_get(depts, i));
    p->notes[i] = json_string_value(json_object_get(notes, p->depts[i]));
    p->officers[i] = json_string_value(json_object_get(officers, p->depts[i]));
    if (!p->notes[i] || !*p->notes[i])
      return check_fail(k, "notes", "says nothing of what %s did", p->depts[i]);
    if (!p->officers[i] || !*p->officers[i])
      return check_fail(k, "departments", "past_alarms.officers names nobody of %s", p->depts[i]);
  }
  p->opened = zz_bucket_start(now + day * DAY_MS, ZZ_GRAIN_DAY) + min * 60000LL;
  int64_t last = p->opened + (int64_t)(fmax(p->closed_h, p->cleared_h) * HOUR_MS);
  if (last > now)
    return check_fail(k, "day", "%lld is too recent: its closing would come after now",
                      (long long)day);
  return 0;
}

static int entity_id_cb(void *ud, const struct store_entity *en) {
  *(int64_t *)ud = en->id;
  return 1;
}

static int any_alert_cb(void *ud, const struct store_alert *a) {
  (void)a;
  *(int *)ud = 1;
  return 1;
}

/* 1 when p's rule ever raised an alert on its entity. */
static int happened(struct store *st, const struct past *p) {
  int64_t id = 0;
  int seen = 0;
  store_entity_get(st, p->entity, entity_id_cb, &id);
  if (!id) return 0;
  struct store_alert_filter f = {.rule = p->rule, .entity = id, .limit = 1};
  store_alerts_each(st, &f, any_alert_cb, &seen);
  return seen;
}

struct alert_text {
  char message[256];
  char severity[16];
};

static int alert_text_cb(void *ud, const struct store_alert *a) {
  struct alert_text *t = ud;
  zz_strlcpy(t->message, a->message ? a->message : "", sizeof t->message);
  zz_strlcpy(t->severity, a->severity ? a->severity : "", sizeof t->severity);
  return 1;
}

/* The sub-orders of a joint order, by department as the alarm lists them. */
struct subs {
  const struct past *p;
  int64_t id[PAST_DEPTS];
};

static int sub_cb(void *ud, const struct store_order *o) {
  struct subs *s = ud;
  for (size_t i = 0; i < s->p->nd; i++)
    if (o->department && strcmp(o->department, s->p->depts[i]) == 0) s->id[i] = o->id;
  return 0;
}

/* One alarm, from its opening to its closing. */
static int replay(struct rules *ru, struct workflow *wf, struct store *st, const char *dispatcher,
                  const struct past *p, struct zz_err *e) {
  const int64_t t = p->opened, min = 60000;
  struct wf_actor sys = {.name = "system", .department = "", .kind = ACTOR_SYSTEM};
  struct wf_actor desk = {.name = dispatcher, .role = ROLE_DISPATCHER, .department = ""};
  struct rules_past ra = {.rule = p->rule,
                          .entity = p->entity,
                          .severity = p->severity,
                          .acked_by = dispatcher,
                          .value = p->value,
                          .opened = t,
                          .acked_at = t + 8 * min,
                          .cleared = t + (int64_t)(p->cleared_h * HOUR_MS)};
  if (ra.cleared < ra.acked_at) ra.acked_at = ra.cleared;
  int64_t alert = 0, order = 0;
  int rc = rules_past_alert(ru, &ra, &alert, e);
  if (rc) return rc;
  struct alert_text at = {0};
  char matter[65];
  store_alert_get(st, alert, alert_text_cb, &at);
  rules_rule_matter(ru, p->rule, matter, sizeof matter);
  if (!matter[0])
    return zz_fail(e, ZZ_EINVAL, "rule", "rule %s makes no work order (auto_order)", p->rule);
  /* the order the rule made, as app_auto_order makes it, a minute later */
  struct wf_create c = {.matter = matter,
                        .description = at.message,
                        .entity = p->entity,
                        .channel = "alert",
                        .lon = NAN,
                        .lat = NAN,
                        .alert = alert,
                        .severity = at.severity,
                        .at = t + min};
  if ((rc = workflow_create(wf, &sys, &c, &order, e)) ||
      (rc = rules_link_order(ru, alert, order, e)) ||
      (rc = workflow_act_at(wf, &desk, order, "dispatch", p->depts, p->nd, NULL, t + 10 * min, e)))
    return rc;
  /* a joint order is handled through its sub-orders, one per department */
  struct subs s = {p, {0}};
  if (p->nd > 1) {
    struct store_order_filter f = {.parent = order};
    if ((rc = store_orders_each(st, &f, sub_cb, &s)))
      return zz_fail(e, rc, "order", "cannot read the sub-orders of order %lld", (long long)order);
  }
  const int64_t *subs = s.id;
  for (size_t i = 0; i < p->nd; i++) {
    struct wf_actor off = {.name = p->officers[i], .role = ROLE_OFFICER, .department = p->depts[i]};
    int64_t id = p->nd > 1 ? subs[i] : order;
    if ((rc = workflow_act_at(wf, &off, id, "accept", NULL, 0, NULL,
                              t + (20 + 10 * (int64_t)i) * min, e)))
      return rc;
  }
  for (size_t i = 0; i < p->nd; i++) {
    struct wf_actor off = {.name = p->officers[i], .role = ROLE_OFFICER, .department = p->depts[i]};
    int64_t id = p->nd > 1 ? subs[i] : order;
    int64_t when = t + (int64_t)(p->resolved_h * HOUR_MS) + 15 * (int64_t)i * min;
    if ((rc = workflow_act_at(wf, &off, id, "resolve", NULL, 0, p->notes[i], when, e))) return rc;
  }
  if ((rc = workflow_act_at(wf, &desk, order, "verify", NULL, 0, p->verify_note,
                            t + (int64_t)(p->verified_h * HOUR_MS), e)))
    return rc;
  return workflow_act_at(wf, &desk, order, "close", NULL, 0, NULL,
                         t + (int64_t)(p->closed_h * HOUR_MS), e);
}

int demo_past_alarms(const char *pack_dir, struct store *st, struct registry *reg,
                     const char *data_dir, int64_t now, int *made, struct zz_err *e) {
  *made = 0;
  char path[4096];
  snprintf(path, sizeof path, "%s/demo.json", pack_dir);
  struct check k;
  check_init(&k, e, "demo.json", CHECK_FILE_COLON);
  k.missing = "missing";
  json_error_t je;
  json_t *doc = json_load_file(path, 0, &je);
  if (!doc) {
    struct zz_err bad;
    zz_fail_pair(&bad, ZZ_EINVAL, NULL, je.text, je.text);
    zz_err_wrap(&bad, &bad, "", "JSON 有误：");
    return check_fail_err(&k, NULL, &bad);
  }
  const json_t *top = json_object_get(doc, "past_alarms"), *alarms = NULL, *officers = NULL;
  const char *dispatcher = NULL;
  struct past *v = NULL;
  struct workflow *wf = NULL;
  struct rules *ru = NULL;
  int rc = 0;
  if (!top) goto done;
  check_at(&k, "past_alarms");
  if (!json_is_object(top)) {
    rc = check_fail(&k, NULL, "must be an object");
    goto done;
  }
  if ((rc = check_known(&k, top, TOP_KEYS)) ||
      (rc = check_str(&k, top, "dispatcher", CHECK_REQUIRED | CHECK_NONEMPTY, 63, &dispatcher)) ||
      (rc = check_object(&k, top, "officers", CHECK_REQUIRED, &officers)) ||
      (rc = check_array(&k, top, "alarms", CHECK_REQUIRED, 1, PAST_MAX, CHECK_OBJECT, &alarms)))
    goto done;
  size_t n = json_array_size(alarms);
  if (!(v = zz_calloc(n, sizeof *v))) {
    rc = zz_fail(e, ZZ_ENOMEM, "past_alarms", "out of memory");
    goto done;
  }
  /* all of it checked before anything is written */
  for (size_t i = 0; i < n; i++) {
    check_at(&k, "past_alarms.alarms[%zu]", i);
    if ((rc = parse_alarm(&k, json_array_get(alarms, i), officers, now, &v[i]))) goto done;
  }
  if (happened(st, &v[0])) goto done;
  struct workflow_opts wo = {.st = st, .reg = reg, .data_dir = data_dir, .no_thread = 1};
  struct rules_opts ro = {.st = st, .reg = reg, .no_thread = 1};
  if ((rc = workflow_open(&wo, &wf, e)) || (rc = rules_open(&ro, &ru, e))) goto done;
  /* the rules and entities named, before anything is written */
  for (size_t i = 0; i < n; i++) {
    char matter[65];
    int64_t id = 0;
    check_at(&k, "past_alarms.alarms[%zu]", i);
    rules_rule_matter(ru, v[i].rule, matter, sizeof matter);
    if (!matter[0]) {
      rc = check_fail(&k, "rule", "rule \"%s\" does not exist, is disabled or makes no work order",
                      v[i].rule);
      goto done;
    }
    store_entity_get(st, v[i].entity, entity_id_cb, &id);
    if (!id) {
      rc = check_fail(&k, "entity", "entity \"%s\" does not exist", v[i].entity);
      goto done;
    }
  }
  for (size_t i = 0; i < n; i++) {
    if ((rc = replay(ru, wf, st, dispatcher, &v[i], e))) {
      struct zz_err inner = *e; /* the engine's words, at the alarm's place */
      check_at(&k, "past_alarms.alarms[%zu]", i);
      check_fail_err(&k, inner.field[0] ? inner.field : NULL, &inner);
      goto done;
    }
    (*made)++;
  }
done:
  rules_close(ru);
  workflow_close(wf);
  zz_free(v);
  json_decref(doc);
  return rc;
}
