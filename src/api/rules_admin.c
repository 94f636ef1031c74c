/* rules_admin.c (api) - the admin side of early warning and dispatch: rules
 * (list, create, replace, enable, disable), matters (list, replace), the
 * audit of admin changes, and the test clock. Every admin change is written
 * to the audit table; the engines reload what changed at once. */
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "model/matter_json.h"
#include "rules/rules.h"
#include "store/store_alerts.h"
#include "store/store_audit.h"
#include "store/store_catalog.h"
#include "store/store_registry.h"
#include "workflow/matter_def.h"
#include "workflow/workflow.h"

void api_audit(struct http_req *r, const char *action, const char *target,
               const char *detail_json) {
  struct app *app = http_app(r);
  struct store_audit a = {.ts = zz_time_now(),
                          .actor = http_auth(r)->user,
                          .action = action,
                          .target = target,
                          .detail_json = detail_json};
  struct zz_err e = {0};
  if (store_audit_insert(app->st, &a, &e))
    zz_error("audit: cannot record %s %s by %s: %s", action, target, a.actor, e.msg);
}

/* ---- rules ---- */

struct rlist {
  struct zz_json *j;
  int n;
  const char *only; /* one key, or NULL */
  int found;
};

static int rule_row(void *ud, const struct store_rule *sr) {
  struct rlist *l = ud;
  if (l->only && strcmp(sr->key, l->only) != 0) return 0;
  l->found = 1;
  l->n++;
  struct zz_json *j = l->j;
  zz_json_obj(j);
  /* the stored definition, with its administrative state spliced in */
  size_t len = strlen(sr->def_json);
  if (len < 2 || sr->def_json[0] != '{') return zz_json_obj_end(j), 0;
  zz_json_members(j, sr->def_json, len);
  zz_json_kbool(j, "active", sr->enabled);
  zz_json_kstr(j, "origin", sr->origin);
  zz_json_ktime(j, "updated", sr->updated);
  zz_json_obj_end(j);
  return 0;
}

static int get_rules(struct http_req *r) {
  struct app *app = http_app(r);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "rules");
  struct rlist l = {&j, 0, NULL, 0};
  if (store_rules_each(app->st, rule_row, &l)) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ESTORE, "", "cannot read rules");
  }
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

static int reply_rule(struct http_req *r, const char *key, int status) {
  struct app *app = http_app(r);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_key(&j, "rule");
  struct rlist l = {&j, 0, key, 0};
  store_rules_each(app->st, rule_row, &l);
  zz_json_obj_end(&j);
  if (!l.found) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ENOTFOUND, "id", "rule \"%s\" does not exist", key);
  }
  return api_reply_json(r, status, &j);
}

static int rule_exists_row(void *ud, const struct store_rule *sr) {
  struct rlist *l = ud;
  if (strcmp(sr->key, l->only) == 0) l->found = sr->enabled ? 1 : 2;
  return 0;
}

/* 0: no such rule; 1: enabled; 2: disabled. */
static int rule_status(struct app *app, const char *key) {
  struct rlist l = {NULL, 0, key, 0};
  store_rules_each(app->st, rule_exists_row, &l);
  return l.found;
}

/* The region path a stored rule watches ("" everywhere) into out: 1 when
 * the rule exists, else 0. */
struct rule_region_ctx {
  const char *key;
  char *out;
  size_t cap;
  int found;
};

static int rule_region_row(void *ud, const struct store_rule *sr) {
  struct rule_region_ctx *c = ud;
  if (strcmp(sr->key, c->key) != 0) return 0;
  c->found = 1;
  json_t *j = json_loads(sr->def_json, 0, NULL);
  const char *rg = json_string_value(json_object_get(j, "region"));
  zz_strlcpy(c->out, rg ? rg : "", c->cap);
  json_decref(j);
  return 1;
}

static int rule_region(struct app *app, const char *key, char *out, size_t cap) {
  struct rule_region_ctx c = {key, out, cap, 0};
  out[0] = '\0';
  store_rules_each(app->st, rule_region_row, &c);
  return c.found;
}

/* Checks what rule_parse cannot: the metric, type, region and matter exist. */
static int check_refs(struct http_req *r, const struct rule_def *d) {
  struct app *app = http_app(r);
  registry_rdlock(app->reg);
  const struct reg_metric *m =
      d->event[0] ? NULL : registry_metric(app->reg, d->metric, strlen(d->metric));
  char mtype[72] = "";
  if (m) zz_strlcpy(mtype, m->entity_type ? m->entity_type : "", sizeof mtype);
  int region_ok = !d->region[0] || registry_region(app->reg, d->region);
  registry_unlock(app->reg);
  if (!m && !d->event[0])
    return http_fail(r, ZZ_EINVAL, "metric",
                     "metric \"%s\" does not exist (GET /api/v1/metrics lists them)", d->metric);
  if (d->entity_type[0] && mtype[0] && strcmp(mtype, d->entity_type) != 0)
    return http_fail(r, ZZ_EINVAL, "entity_type", "metric \"%s\" belongs to %s entities, not %s",
                     d->metric, mtype, d->entity_type);
  if (!region_ok)
    return http_fail(r, ZZ_EINVAL, "region", "region \"%s\" does not exist", d->region);
  if (d->auto_matter[0] && !workflow_matter_exists(app->wf, d->auto_matter))
    return http_fail(r, ZZ_EINVAL, "auto_order.matter", "matter \"%s\" does not exist",
                     d->auto_matter);
  return 0;
}

static int save_rule(struct http_req *r, const char *path_key) {
  struct app *app = http_app(r);
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  if (path_key) {
    json_t *id = json_object_get(j, "id");
    if (id && (!json_is_string(id) || strcmp(json_string_value(id), path_key) != 0)) {
      json_decref(j);
      return http_fail(r, ZZ_EINVAL, "id", "the body's id must match the path (%s)", path_key);
    }
    json_object_set_new(j, "id", json_string(path_key));
  }
  struct rule_def d;
  struct zz_err e = {0};
  char *text = NULL;
  /* the rule where it watches now and where it will watch must both be
   * the caller's (authz_rule), decided before anything else is told */
  const struct http_auth_ctx *a = http_auth(r);
  const char *key = json_string_value(json_object_get(j, "id"));
  const char *want = json_string_value(json_object_get(j, "region"));
  char old_region[256];
  if (key && rule_region(app, key, old_region, sizeof old_region) &&
      authz_rule(app, a, old_region, AUTHZ_WRITE)) {
    authz_deny(r, "id", "this rule", "此规则");
    goto done;
  }
  if (authz_rule(app, a, want ? want : "", AUTHZ_WRITE)) {
    authz_deny(r, "region", want && *want ? "this region" : "a rule for the whole district",
               want && *want ? "此区域" : "全区范围的规则");
    goto done;
  }
  if (rule_parse(j, &d, &e)) {
    http_reply_err(r, &e);
    goto done;
  }
  if (authz_rule(app, a, d.region, AUTHZ_WRITE)) { /* as parsed, should it differ */
    authz_deny(r, "region", d.region[0] ? "this region" : "a rule for the whole district",
               d.region[0] ? "此区域" : "全区范围的规则");
    goto done;
  }
  if (check_refs(r, &d)) goto done;
  int status = rule_status(app, d.key);
  if (!path_key && status) {
    http_fail(r, ZZ_EEXISTS, "id", "rule \"%s\" already exists (PUT /api/v1/rules/%s replaces it)",
              d.key, d.key);
    goto done;
  }
  if (path_key && !status) {
    http_fail(r, ZZ_ENOTFOUND, "id", "rule \"%s\" does not exist (POST /api/v1/rules creates it)",
              d.key);
    goto done;
  }
  /* stored in its normal form, so reloads compare definitions exactly */
  struct zz_buf nb;
  zz_buf_init(&nb, 0);
  if (rule_to_json(&d, &nb) || !nb.data) {
    zz_buf_free(&nb);
    http_fail(r, ZZ_ENOMEM, "", "out of memory");
    goto done;
  }
  text = zz_buf_steal(&nb, NULL);
  struct store_rule sr = {.key = d.key,
                          .def_json = text,
                          .enabled = d.enabled,
                          .origin = "api",
                          .updated = zz_time_now()};
  if (store_rule_upsert(app->st, &sr, NULL, &e)) {
    http_reply_err(r, &e);
    goto done;
  }
  api_audit(r, path_key ? "rule.update" : "rule.create", d.key, text);
  if (rules_reload(app->rules, &e)) zz_warn("rules: reload after a change failed: %s", e.msg);
  reply_rule(r, d.key, path_key ? 200 : 201);
done:
  zz_free(text);
  json_decref(j);
  return 0;
}

static int post_rule(struct http_req *r) {
  return save_rule(r, NULL);
}
static int put_rule(struct http_req *r) {
  return save_rule(r, http_param(r, "id"));
}

/* POST /api/v1/rules/preview?hours=24 {a rule definition}: what the rule
 * would have raised over the last hours (rules_preview), read-only. The
 * definition is checked as POST /api/v1/rules checks it (400 naming the
 * field); an admin previews only where it may write the rule. */
static int preview_rule(struct http_req *r) {
  struct app *app = http_app(r);
  int64_t hours;
  if (api_int(r, "hours", 24, 1, 168, &hours)) return 0;
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  if (!json_is_object(j)) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "", "the body must be a rule definition (a JSON object)");
  }
  if (!json_object_get(j, "id")) json_object_set_new(j, "id", json_string("preview"));
  struct rule_def d;
  struct zz_err e = {0};
  struct rules_preview p = {0};
  const struct http_auth_ctx *a = http_auth(r);
  const char *want = json_string_value(json_object_get(j, "region"));
  if (authz_rule(app, a, want ? want : "", AUTHZ_WRITE)) {
    authz_deny(r, "region", want && *want ? "this region" : "a rule for the whole district",
               want && *want ? "此区域" : "全区范围的规则");
    goto done;
  }
  if (rule_parse(j, &d, &e)) {
    http_reply_err(r, &e);
    goto done;
  }
  if (authz_rule(app, a, d.region, AUTHZ_WRITE)) {
    authz_deny(r, "region", d.region[0] ? "this region" : "a rule for the whole district",
               d.region[0] ? "此区域" : "全区范围的规则");
    goto done;
  }
  if (check_refs(r, &d)) goto done;
  int64_t to = zz_time_now();
  if (rules_preview(app->st, app->reg, &d, to - hours * ZZ_HOUR_MS, to, &p, &e)) {
    http_reply_err(r, &e);
    goto done;
  }
  struct zz_buf b;
  struct zz_json w;
  zz_buf_init(&b, 0);
  zz_json_init(&w, &b);
  zz_json_obj(&w);
  zz_json_kobj(&w, "preview");
  zz_json_kstr(&w, "rule", d.key);
  zz_json_ktime(&w, "from", p.from);
  zz_json_ktime(&w, "to", p.to);
  zz_json_kint(&w, "entities", p.entities);
  zz_json_kint(&w, "entities_with_data", p.with_data);
  zz_json_kint(&w, "records", p.records);
  zz_json_kint(&w, "alerts", p.alerts);
  zz_json_kbool(&w, "truncated", p.truncated);
  zz_json_karr(&w, "hits");
  for (size_t i = 0; i < p.nhits; i++) {
    const struct rules_preview_hit *h = &p.hits[i];
    zz_json_obj(&w);
    zz_json_kstr(&w, "entity", h->entity_key);
    zz_json_kstr(&w, "name_zh", h->name_zh);
    zz_json_kstr(&w, "name_en", h->name_en);
    zz_json_ktime(&w, "opened", h->opened);
    if (h->cleared)
      zz_json_ktime(&w, "cleared", h->cleared);
    else
      zz_json_knull(&w, "cleared");
    zz_json_knum(&w, "value", h->value);
    zz_json_kstr(&w, "severity", h->severity);
    zz_json_obj_end(&w);
  }
  zz_json_arr_end(&w);
  zz_json_obj_end(&w);
  zz_json_obj_end(&w);
  api_reply_json(r, 200, &w);
done:
  rules_preview_free(&p);
  json_decref(j);
  return 0;
}

struct rule_copy {
  const char *key;
  char *def;
  char origin[16];
};

static int rule_copy_row(void *ud, const struct store_rule *sr) {
  struct rule_copy *c = ud;
  if (strcmp(sr->key, c->key) != 0) return 0;
  c->def = zz_strdup(sr->def_json);
  zz_strlcpy(c->origin, sr->origin ? sr->origin : "pack", sizeof c->origin);
  return 1;
}

static int set_enabled(struct http_req *r, int enabled) {
  struct app *app = http_app(r);
  const char *key = http_param(r, "id");
  char region[256];
  if (rule_region(app, key, region, sizeof region) &&
      authz_rule(app, http_auth(r), region, AUTHZ_WRITE))
    return authz_deny(r, "id", "this rule", "此规则");
  struct rule_copy c = {key, NULL, ""};
  store_rules_each(app->st, rule_copy_row, &c);
  if (!c.def) return http_fail(r, ZZ_ENOTFOUND, "id", "rule \"%s\" does not exist", key);
  /* the definition's own "enabled" follows, so the rule reads the same everywhere */
  json_t *j = json_loads(c.def, 0, NULL);
  if (j) json_object_set_new(j, "enabled", json_boolean(enabled));
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  struct store_rule sr = {.key = key,
                          .def_json = text ? text : c.def,
                          .enabled = enabled,
                          .origin = c.origin,
                          .updated = zz_time_now()};
  struct zz_err e = {0};
  int rc = store_rule_upsert(app->st, &sr, NULL, &e);
  zz_free(text);
  zz_free(c.def);
  if (rc) return http_reply_err(r, &e);
  api_audit(r, enabled ? "rule.enable" : "rule.disable", key, NULL);
  if (rules_reload(app->rules, &e)) zz_warn("rules: reload after a change failed: %s", e.msg);
  return reply_rule(r, key, 200);
}

static int post_enable(struct http_req *r) {
  return set_enabled(r, 1);
}
static int post_disable(struct http_req *r) {
  return set_enabled(r, 0);
}

/* ---- matters ---- */

static int reply_matters(struct http_req *r, int status) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  workflow_matters_json(http_app(r)->wf, &j); /* its cache holds departments and limits */
  return api_reply_json(r, status, &j);
}

static int get_matters(struct http_req *r) {
  return reply_matters(r, 200);
}

/* GET /api/v1/matters/:id: the whole stored definition, as PUT takes it
 * (the list gives only the routing), so that an edit keeps every member. */
struct matter_find {
  const char *key;
  struct zz_json *j;
  int found;
};

static int matter_find_row(void *ud, const struct store_matter *m) {
  struct matter_find *f = ud;
  if (strcmp(m->key, f->key) != 0) return 0;
  f->found = 1;
  /* the stored texts read as before: departments that are not an array as
   * none, an extra that is not an object adds nothing */
  json_t *extra = m->extra_json ? json_loads(m->extra_json, 0, NULL) : NULL;
  if (!json_is_object(extra)) {
    json_decref(extra);
    extra = NULL;
  }
  int deps = m->departments_json && m->departments_json[0] == '[';
  struct matter_view v = {.key = m->key,
                          .name_zh = m->name_zh,
                          .name_en = m->name_en,
                          .kind = m->kind,
                          .depts_json = deps ? m->departments_json : NULL,
                          .sla_accept_minutes = m->sla_accept_minutes,
                          .sla_resolve_minutes = m->sla_resolve_minutes,
                          .extra = extra};
  matter_json(f->j, &v, MATTER_JSON_ROUTING | MATTER_JSON_EXTRA, NULL, 0);
  json_decref(extra);
  return 1;
}

static int get_matter(struct http_req *r) {
  const char *key = http_param(r, "id");
  if (authz_matter(http_auth(r), AUTHZ_READ)) return authz_deny(r, "id", "this matter", "此事项");
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_key(&j, "matter");
  struct matter_find f = {key, &j, 0};
  int rc = store_matters_each(http_app(r)->st, matter_find_row, &f);
  zz_json_obj_end(&j);
  if (rc || !f.found) {
    zz_buf_free(&b);
    return rc ? http_fail(r, ZZ_ESTORE, "", "cannot read the matters")
              : http_fail(r, ZZ_ENOTFOUND, "id", "matter \"%s\" does not exist", key);
  }
  return api_reply_json(r, 200, &j);
}

static int dept_row(void *ud, const struct store_named *n) {
  const char **want = ud;
  if (*want && strcmp(n->key, *want) == 0) *want = NULL;
  return 0;
}

static int put_matter(struct http_req *r) {
  struct app *app = http_app(r);
  const char *key = http_param(r, "id");
  if (authz_matter(http_auth(r), AUTHZ_WRITE))
    return authz_deny(r, "id", "a matter (district-wide)", "事项（全区范围）");
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  json_t *id = json_object_get(j, "id");
  char *deps = NULL, *extra = NULL;
  struct zz_err e = {0};
  if (id && (!json_is_string(id) || strcmp(json_string_value(id), key) != 0)) {
    http_fail(r, ZZ_EINVAL, "id", "the body's id must match the path (%s)", key);
    goto done;
  }
  json_object_set_new(j, "id", json_string(key));
  if (matter_check(j, &e)) {
    http_reply_err(r, &e);
    goto done;
  }
  json_t *ds = json_object_get(j, "departments");
  for (size_t i = 0; i < json_array_size(ds); i++) {
    const char *want = json_string_value(json_array_get(ds, i));
    const char *d0 = want;
    store_named_each(app->st, "department", dept_row, &want);
    if (want) {
      http_fail(r, ZZ_EINVAL, "departments", "department \"%s\" does not exist", d0);
      goto done;
    }
  }
  /* where it is offered and where it routes: regions that exist */
  json_t *rs = json_object_get(j, "regions");
  for (size_t i = 0; i < json_array_size(rs); i++) {
    const char *path = json_string_value(json_array_get(rs, i));
    registry_rdlock(app->reg);
    int known = registry_region(app->reg, path) != NULL;
    registry_unlock(app->reg);
    if (!known) {
      http_fail(r, ZZ_EINVAL, "regions", "region \"%s\" does not exist", path);
      goto done;
    }
  }
  int existed = workflow_matter_exists(app->wf, key);
  struct store_matter m;
  if (matter_to_store(j, &m, &deps, &extra)) {
    http_fail(r, ZZ_ENOMEM, "", "out of memory");
    goto done;
  }
  if (store_matter_upsert(app->st, &m, NULL, &e)) {
    http_reply_err(r, &e);
    goto done;
  }
  char *detail = json_dumps(j, JSON_COMPACT);
  api_audit(r, existed ? "matter.update" : "matter.create", key, detail);
  zz_free(detail);
  workflow_reload(app->wf, &e);
  reply_matters(r, existed ? 200 : 201);
done:
  zz_free(deps);
  zz_free(extra);
  json_decref(j);
  return 0;
}

/* ---- audit ---- */

struct audit_ctx {
  struct zz_json *j;
  int n, limit, more;
  int64_t last;
};

static int audit_row(void *ud, const struct store_audit *a) {
  struct audit_ctx *c = ud;
  if (c->n == c->limit) {
    c->more = 1;
    return 1;
  }
  c->n++;
  struct zz_json *j = c->j;
  zz_json_obj(j);
  zz_json_kint(j, "id", a->id);
  zz_json_ktime(j, "ts", a->ts);
  zz_json_kstr(j, "actor", a->actor);
  zz_json_kstr(j, "action", a->action);
  zz_json_kstr(j, "target", a->target);
  zz_json_key(j, "detail");
  if (a->detail_json && a->detail_json[0] == '{')
    zz_json_text(j, a->detail_json, strlen(a->detail_json));
  else
    zz_json_null(j);
  zz_json_obj_end(j);
  c->last = a->id;
  return 0;
}

/* A text filter parameter: at most max bytes, else 400 naming it. */
static int audit_text_param(struct http_req *r, const char *name, size_t max, const char **out) {
  const char *v = http_query(r, name);
  *out = v && *v ? v : NULL;
  if (*out && strlen(*out) > max)
    return http_fail(r, ZZ_EINVAL, name, "%s is longer than %zu bytes", name, max);
  return 0;
}

/* GET /api/v1/audit?limit&cursor&action&actor&from&to&q */
static int get_audit(struct http_req *r) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  struct store_audit_filter f = {0};
  int64_t limit;
  if (api_int(r, "limit", 100, 1, 1000, &limit)) return 0;
  const char *cur = http_query(r, "cursor");
  if (cur && *cur) {
    char *end;
    long long v = cur[0] == 'u' ? strtoll(cur + 1, &end, 16) : -1;
    if (v <= 0 || *end)
      return http_fail(r, ZZ_EINVAL, "cursor", "cursor is not one this server gave");
    f.before_id = v;
  }
  if (audit_text_param(r, "action", 64, &f.action) ||
      audit_text_param(r, "actor", ACCOUNTS_NAME_MAX, &f.actor) ||
      audit_text_param(r, "q", 200, &f.text))
    return 0;
  const char *from = http_query(r, "from"), *to = http_query(r, "to");
  if (from && *from && zz_time_parse(from, strlen(from), &f.from))
    return http_fail(r, ZZ_EINVAL, "from", "from must be RFC 3339 or epoch milliseconds");
  if (to && *to && zz_time_parse(to, strlen(to), &f.to))
    return http_fail(r, ZZ_EINVAL, "to", "to must be RFC 3339 or epoch milliseconds");
  if (f.from && f.to && f.from >= f.to)
    return http_fail(r, ZZ_EINVAL, "from", "from must be before to");
  /* a scoped admin reads the rows it made (authz_audit_row): the store
   * filters by that actor, and asking for another actor finds nothing */
  if (!authz_unscoped(a)) {
    if (f.actor && authz_audit_row(a, f.actor)) f.limit = -1;
    f.actor = a->user;
  }
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "audit");
  struct audit_ctx c = {&j, 0, (int)limit, 0, 0};
  int rc = 0;
  if (f.limit != -1) {
    f.limit = (int)limit + 1;
    rc = store_audit_each(app->st, &f, audit_row, &c);
  }
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ESTORE, "", "cannot read the audit");
  }
  zz_json_arr_end(&j);
  if (c.more) {
    char next[32];
    snprintf(next, sizeof next, "u%llx", (unsigned long long)c.last);
    zz_json_kstr(&j, "next_cursor", next);
  } else {
    zz_json_knull(&j, "next_cursor");
  }
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

/* ---- test clock (ZZ_TEST_CLOCK=1 only) ---- */

/* POST /api/v1/_test/clock {"now": RFC3339 | ms} or {"advance_minutes": N}
 * or {}: pins the clock, then evaluates every queued record and runs every
 * due timer (rules and SLA) before answering, so a test sees the outcome. */
static int post_test_clock(struct http_req *r) {
  struct app *app = http_app(r);
  if (!app->test_clock)
    return http_fail(r, ZZ_ENOTFOUND, "path", "the test clock is off (ZZ_TEST_CLOCK=1 enables it)");
  json_t *j = NULL;
  size_t len;
  http_body(r, &len);
  if (len && api_json_body(r, &j)) return 0;
  json_t *now = json_object_get(j, "now"), *adv = json_object_get(j, "advance_minutes");
  int64_t t = zz_time_now();
  if (json_is_integer(now)) {
    t = json_integer_value(now);
  } else if (json_is_string(now)) {
    if (zz_time_parse(json_string_value(now), json_string_length(now), &t)) {
      json_decref(j);
      return http_fail(r, ZZ_EINVAL, "now", "now must be RFC 3339 or epoch milliseconds");
    }
  } else if (now) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "now", "now must be RFC 3339 or epoch milliseconds");
  }
  if (adv) {
    if (!json_is_number(adv)) {
      json_decref(j);
      return http_fail(r, ZZ_EINVAL, "advance_minutes", "advance_minutes must be a number");
    }
    t += (int64_t)(json_number_value(adv) * 60000.0);
  }
  json_decref(j);
  if (now || adv) zz_time_set_now(t);
  rules_sync(app->rules, t);
  int changed = workflow_tick(app->wf, t);
  struct zz_buf b;
  struct zz_json jw;
  zz_buf_init(&b, 0);
  zz_json_init(&jw, &b);
  zz_json_obj(&jw);
  zz_json_ktime(&jw, "now", t);
  zz_json_kint(&jw, "orders_changed", changed);
  zz_json_obj_end(&jw);
  return api_reply_json(r, 200, &jw);
}

const struct http_route api_rules_routes[] = {
    {"GET", "/api/v1/rules", get_rules, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/rules", post_rule, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"POST", "/api/v1/rules/preview", preview_rule, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"PUT", "/api/v1/rules/:id", put_rule, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"POST", "/api/v1/rules/:id/enable", post_enable, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"POST", "/api/v1/rules/:id/disable", post_disable, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"GET", "/api/v1/matters", get_matters, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/matters/:id", get_matter, NULL, HTTP_AUTH_USER, 0, 0},
    {"PUT", "/api/v1/matters/:id", put_matter, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"GET", "/api/v1/audit", get_audit, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"POST", "/api/v1/_test/clock", post_test_clock, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
};
const size_t api_rules_nroutes = ZZ_ARRAY_LEN(api_rules_routes);
