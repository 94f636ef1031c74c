/* alerts.c (api) - GET /api/v1/alerts (filters, cursor), one alert, ack, and
 * turning an alert into a work order by hand. Alerts are opened and cleared
 * by the rules engine (src/rules/); this file only reads and annotates. */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "api/export.h"
#include "core/check.h"
#include "rules/rules.h"
#include "store/store_alerts.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

struct alist {
  struct app *app;
  struct zz_json *j;
  int n, limit, more;
  int64_t last_id;
};

/* The entity's names and position, for pages that show the alert in a
 * feed or on a map without asking again per alert. */
static int place_row(void *ud, const struct store_entity *en) {
  struct zz_json *j = ud;
  zz_json_kstr(j, "entity_name_zh", en->name_zh);
  zz_json_kstr(j, "entity_name_en", en->name_en);
  zz_json_knum(j, "lon", en->lon);
  zz_json_knum(j, "lat", en->lat);
  return 1;
}

/* The alert as the rules engine writes it, with its entity's place. */
static void alert_with_place(struct app *app, const struct store_alert *a, struct zz_json *j) {
  zz_json_obj(j);
  rules_alert_json(app->rules, a, j);
  if (a->entity_key) store_entity_get(app->st, a->entity_key, place_row, j);
  zz_json_obj_end(j);
}

static int alert_row(void *ud, const struct store_alert *a) {
  struct alist *l = ud;
  if (l->n == l->limit) {
    l->more = 1;
    return 1;
  }
  l->n++;
  alert_with_place(l->app, a, l->j);
  l->last_id = a->id;
  return 0;
}

/* Cursors: "a" + the last id in hex (lists run newest first). */
static int parse_cursor(const char *s, char tag, int64_t *out) {
  *out = 0;
  if (!s || !*s) return 0;
  if (s[0] != tag || !s[1]) return ZZ_EINVAL;
  char *end;
  long long v = strtoll(s + 1, &end, 16);
  if (*end || v <= 0) return ZZ_EINVAL;
  *out = v;
  return 0;
}

static int get_alerts(struct http_req *r) {
  struct app *app = http_app(r);
  struct api_region rg;
  int64_t limit, before;
  if (api_region(r, "region", 0, &rg) || api_int(r, "limit", 100, 1, 1000, &limit)) return 0;
  if (parse_cursor(http_query(r, "cursor"), 'a', &before))
    return http_fail(r, ZZ_EINVAL, "cursor", "cursor is not one this server gave");
  const char *state = http_query(r, "state"), *sev = http_query(r, "severity");
  static const char *const states[] = {"open", "cleared"};
  static const char *const sevs[] = {"info", "warning", "major", "critical"};
  if (state && check_one_of(state, states, 2) < 0)
    return http_fail(r, ZZ_EINVAL, "state", "state must be open or cleared");
  if (sev && check_one_of(sev, sevs, 4) < 0)
    return http_fail(r, ZZ_EINVAL, "severity", "severity must be info, warning, major or critical");
  /* entity: one entity's alerts (its portrait) */
  int64_t entity = 0;
  const char *ek = http_query(r, "entity");
  if (ek && *ek) {
    registry_rdlock(app->reg);
    const struct reg_entity_ref *er = registry_entity(app->reg, ek, strlen(ek));
    entity = er ? er->id : 0;
    registry_unlock(app->reg);
    if (!entity) return http_fail(r, ZZ_ENOTFOUND, "entity", "entity \"%s\" does not exist", ek);
  }
  struct store_alert_filter f = {.state = state,
                                 .severity = sev,
                                 .rule = http_query(r, "rule"),
                                 .rpos_lo = rg.lo,
                                 .rpos_hi = rg.hi,
                                 .entity = entity,
                                 .before_id = before,
                                 .limit = (int)limit + 1};
  struct api_export x;
  int want = api_export_want(r, &x);
  if (want) return want < 0 ? 0 : api_export_alerts(r, &x, &f);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "alerts");
  struct alist l = {app, &j, 0, (int)limit, 0, 0};
  int rc = store_alerts_each(app->st, &f, alert_row, &l);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "", "cannot list alerts");
  }
  zz_json_arr_end(&j);
  if (l.more) {
    char next[32];
    snprintf(next, sizeof next, "a%llx", (unsigned long long)l.last_id);
    zz_json_kstr(&j, "next_cursor", next);
  } else {
    zz_json_knull(&j, "next_cursor");
  }
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

struct aone {
  struct app *app;
  struct zz_json *j;
  int64_t region, id;
  char rule[72], entity[136], severity[16];
};

static int one_row(void *ud, const struct store_alert *a) {
  struct aone *o = ud;
  o->region = a->region;
  o->id = a->id;
  zz_strlcpy(o->rule, a->rule ? a->rule : "", sizeof o->rule);
  zz_strlcpy(o->entity, a->entity_key ? a->entity_key : "", sizeof o->entity);
  zz_strlcpy(o->severity, a->severity ? a->severity : "", sizeof o->severity);
  if (o->j) alert_with_place(o->app, a, o->j);
  return 0;
}

static int path_id(struct http_req *r, int64_t *id) {
  const char *s = http_param(r, "id");
  if (!s || zz_parse_i64(s, id) || *id <= 0)
    return http_fail(r, ZZ_EINVAL, "id", "id must be a positive integer");
  return 0;
}

/* Reads alert id and checks the caller's scope; replies itself on failure. */
static int load_alert(struct http_req *r, int64_t id, struct aone *o) {
  struct app *app = http_app(r);
  if (store_alert_get(app->st, id, one_row, o) != 0)
    return http_fail(r, ZZ_ENOTFOUND, "id", "alert %lld does not exist", (long long)id);
  if (authz_alert(app, http_auth(r), o->region, AUTHZ_READ))
    return authz_deny(r, "id", "this alert", "此预警");
  return 0;
}

static int reply_alert(struct http_req *r, int64_t id, int status) {
  struct app *app = http_app(r);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_key(&j, "alert");
  struct aone o = {app, &j, 0, 0, "", "", ""};
  store_alert_get(app->st, id, one_row, &o);
  zz_json_obj_end(&j);
  return api_reply_json(r, status, &j);
}

static int get_alert(struct http_req *r) {
  int64_t id;
  struct aone o = {http_app(r), NULL, 0, 0, "", "", ""};
  if (path_id(r, &id) || load_alert(r, id, &o)) return 0;
  return reply_alert(r, id, 200);
}

static int post_ack(struct http_req *r) {
  struct app *app = http_app(r);
  int64_t id;
  struct aone o = {app, NULL, 0, 0, "", "", ""};
  if (path_id(r, &id) || load_alert(r, id, &o)) return 0;
  struct zz_err e = {0};
  if (rules_ack(app->rules, id, http_auth(r)->user, &e)) return http_reply_err(r, &e);
  return reply_alert(r, id, 200);
}

/* POST /api/v1/alerts/:id/order {"matter"?, "title"?, "description"?} */
static int post_alert_order(struct http_req *r) {
  struct app *app = http_app(r);
  int64_t id;
  struct aone o = {app, NULL, 0, 0, "", "", ""};
  if (path_id(r, &id) || load_alert(r, id, &o)) return 0;
  json_t *j = NULL;
  size_t len;
  http_body(r, &len);
  if (len && api_json_body(r, &j)) return 0;
  const char *matter = json_string_value(json_object_get(j, "matter"));
  char rule_matter[72] = "";
  if (!matter) rules_rule_matter(app->rules, o.rule, rule_matter, sizeof rule_matter);
  if (!matter && !rule_matter[0]) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "matter",
                     "matter is required: rule \"%s\" names no matter for its orders", o.rule);
  }
  const struct http_auth_ctx *a = http_auth(r);
  struct wf_actor who = {a->user, a->role, a->department, ACTOR_USER};
  struct wf_create c = {.matter = matter ? matter : rule_matter,
                        .title = json_string_value(json_object_get(j, "title")),
                        .description = json_string_value(json_object_get(j, "description")),
                        .entity = o.entity,
                        .channel = "alert",
                        .lon = NAN,
                        .lat = NAN,
                        .alert = id,
                        .severity = o.severity[0] ? o.severity : NULL,
                        .priority = json_string_value(json_object_get(j, "priority"))};
  struct zz_err e = {0};
  int64_t order = 0;
  int rc = workflow_create(app->wf, &who, &c, &order, &e);
  if (!rc) rc = rules_link_order(app->rules, id, order, &e);
  json_decref(j);
  if (rc) return http_reply_err(r, &e);
  struct zz_buf b;
  struct zz_json jw;
  zz_buf_init(&b, 0);
  zz_json_init(&jw, &b);
  zz_json_obj(&jw);
  zz_json_kint(&jw, "order", order);
  zz_json_key(&jw, "alert");
  struct aone o2 = {app, &jw, 0, 0, "", "", ""};
  store_alert_get(app->st, id, one_row, &o2);
  zz_json_obj_end(&jw);
  return api_reply_json(r, 201, &jw);
}

const struct http_route api_alerts_routes[] = {
    {"GET", "/api/v1/alerts", get_alerts, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/alerts/:id", get_alert, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/alerts/:id/ack", post_ack, NULL, HTTP_AUTH_USER, ROLE_ADMIN | ROLE_DISPATCHER,
     0},
    {"POST", "/api/v1/alerts/:id/order", post_alert_order, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_DISPATCHER, 0},
};
const size_t api_alerts_nroutes = ZZ_ARRAY_LEN(api_alerts_routes);
