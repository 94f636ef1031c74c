/* statuses.c - statuses.h: checks and evaluates the states derived from an
 * entity's latest record (duty status from check-ins). */
#include "rollup/statuses.h"

#include <math.h>
#include <string.h>

static const char *const def_fields[] = {"id",     "name_zh", "name_en", "metric",
                                         "states", "note",    NULL};
static const char *const state_fields[] = {"id",     "name_zh",        "name_en", "color",
                                           "values", "within_minutes", "note",    NULL};

/* A colour "#rrggbb" (optional). */
static int check_color(struct check *c, const json_t *o, const char **out) {
  *out = NULL;
  int rc = check_str(c, o, "color", CHECK_OPTIONAL, 0, out);
  if (rc || !*out) return rc;
  const char *s = *out;
  int ok = strlen(s) == 7 && s[0] == '#';
  for (int i = 1; ok && i < 7; i++)
    ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
         (s[i] >= 'A' && s[i] <= 'F');
  return ok ? 0 : check_fail(c, "color", "must be a colour \"#rrggbb\", not \"%s\"", s);
}

/* Checks one state; last says whether it is the default (the last one). */
static int check_state(struct check *c, const json_t *st, int last, struct status_state *out) {
  int rc;
  const char *id, *color;
  if ((rc = check_known(c, st, state_fields)) ||
      (rc = check_key(c, st, "id", CHECK_REQUIRED, &id)) ||
      (rc = check_names(c, st, "name_zh", "name_en", STATUS_NAME_MAX)) ||
      (rc = check_color(c, st, &color)))
    return rc;
  const json_t *values = json_object_get(st, "values");
  const json_t *within = json_object_get(st, "within_minutes");
  if (last) {
    if (values || within)
      return check_fail(c, values ? "values" : "within_minutes",
                        "the last state takes every entity the others do not: it has no "
                        "condition");
  } else {
    if (!values || !within)
      return check_fail(c, values ? "within_minutes" : "values",
                        "is required (every state but the last has a condition)");
    const json_t *arr;
    if ((rc = check_array(c, st, "values", CHECK_REQUIRED, 1, STATUS_VALUES_MAX, CHECK_ANY, &arr)))
      return rc;
    for (size_t i = 0; i < json_array_size(arr); i++) {
      const json_t *v = json_array_get(arr, i);
      if (!json_is_number(v) || !isfinite(json_number_value(v))) {
        size_t m = check_push(c, ".values[%zu]", i);
        rc = check_fail(c, NULL, "must be a number (a value of the metric)");
        check_pop(c, m);
        return rc;
      }
      if (out) out->values[i] = json_number_value(v);
    }
    int64_t minutes = 0;
    if ((rc = check_int(c, st, "within_minutes", CHECK_REQUIRED, 1, 7 * 24 * 60, &minutes)))
      return rc;
    if (out) {
      out->nvalues = (int)json_array_size(arr);
      out->within_ms = minutes * 60000;
    }
  }
  if (out) {
    zz_strlcpy(out->id, id, sizeof out->id);
    zz_strlcpy(out->name_zh, json_string_value(json_object_get(st, "name_zh")),
               sizeof out->name_zh);
    zz_strlcpy(out->name_en, json_string_value(json_object_get(st, "name_en")),
               sizeof out->name_en);
    zz_strlcpy(out->color, color ? color : "", sizeof out->color);
  }
  return 0;
}

/* Checks one declaration (and fills out when not NULL). */
static int check_def(struct check *c, const json_t *d, const struct status_lookup *lk,
                     struct status_def *out) {
  int rc;
  const char *id, *metric;
  const json_t *states;
  if ((rc = check_known(c, d, def_fields)) || (rc = check_key(c, d, "id", CHECK_REQUIRED, &id)) ||
      (rc = check_names(c, d, "name_zh", "name_en", STATUS_NAME_MAX)) ||
      (rc = check_key(c, d, "metric", CHECK_REQUIRED, &metric)))
    return rc;
  if (lk && lk->metric && !lk->metric(lk->ud, metric))
    return check_fail(c, "metric", "metric \"%s\" does not exist", metric);
  if ((rc = check_array(c, d, "states", CHECK_REQUIRED, 2, STATUS_STATES_MAX, CHECK_OBJECT,
                        &states)))
    return rc;
  size_t n = json_array_size(states);
  for (size_t i = 0; i < n; i++) {
    const json_t *st = json_array_get(states, i);
    size_t m = check_push(c, ".states[%zu]", i);
    rc = check_state(c, st, i + 1 == n, out ? &out->states[i] : NULL);
    if (!rc) {
      const char *sid = json_string_value(json_object_get(st, "id"));
      for (size_t k = 0; k < i && !rc; k++)
        if (strcmp(sid, json_string_value(json_object_get(json_array_get(states, k), "id"))) == 0)
          rc = check_fail(c, "id", "\"%s\" appears twice", sid);
    }
    check_pop(c, m);
    if (rc) return rc;
  }
  if (out) {
    zz_strlcpy(out->id, id, sizeof out->id);
    zz_strlcpy(out->name_zh, json_string_value(json_object_get(d, "name_zh")), sizeof out->name_zh);
    zz_strlcpy(out->name_en, json_string_value(json_object_get(d, "name_en")), sizeof out->name_en);
    zz_strlcpy(out->metric, metric, sizeof out->metric);
    out->nstates = (int)n;
  }
  return 0;
}

int statuses_check(const json_t *doc, const struct status_lookup *lk, struct check *c) {
  static const char *const top[] = {"statuses", "note", NULL};
  if (!json_is_object(doc)) return check_fail(c, NULL, "must be an object {\"statuses\": [...]}");
  const json_t *defs;
  int rc;
  if ((rc = check_known(c, doc, top)) ||
      (rc = check_array(c, doc, "statuses", CHECK_REQUIRED, 1, 64, CHECK_OBJECT, &defs)))
    return rc;
  for (size_t i = 0; i < json_array_size(defs); i++) {
    const json_t *d = json_array_get(defs, i);
    size_t m = check_push(c, "statuses[%zu]", i);
    rc = check_def(c, d, lk, NULL);
    if (!rc) {
      const char *id = json_string_value(json_object_get(d, "id"));
      for (size_t k = 0; k < i && !rc; k++)
        if (strcmp(id, json_string_value(json_object_get(json_array_get(defs, k), "id"))) == 0)
          rc = check_fail(c, "id", "\"%s\" appears twice", id);
    }
    check_pop(c, m);
    if (rc) return rc;
  }
  return 0;
}

int status_find(const json_t *doc, const char *id, struct status_def *out) {
  const json_t *defs = json_object_get(doc, "statuses");
  for (size_t i = 0; i < json_array_size(defs); i++) {
    const json_t *d = json_array_get(defs, i);
    const char *key = json_string_value(json_object_get(d, "id"));
    if (!key || strcmp(key, id) != 0) continue;
    struct check c;
    check_init(&c, NULL, NULL, 0);
    memset(out, 0, sizeof *out);
    return check_def(&c, d, NULL, out) ? ZZ_EINVAL : 0;
  }
  return ZZ_ENOTFOUND;
}

int status_eval(const struct status_def *d, int has, double value, int64_t age_ms) {
  if (age_ms < 0) age_ms = 0;
  for (int i = 0; has && i + 1 < d->nstates; i++) {
    const struct status_state *s = &d->states[i];
    if (age_ms > s->within_ms) continue;
    for (int k = 0; k < s->nvalues; k++)
      if (s->values[k] == value) return i;
  }
  return d->nstates - 1;
}
