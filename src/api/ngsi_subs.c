/* ngsi_subs.c (api) - NGSI-v2 subscriptions under /v2/subscriptions:
 * create (201 + Location), list, get, delete, in Orion's representation
 * with the delivery counters (timesSent, lastSuccess, lastFailure,
 * failsCounter, status). A subscription watches the tenant's region; the
 * notifier (src/notify/) delivers. Admins only, within their scope. */
#include <jansson.h>
#include <regex.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "api/ngsi_int.h"
#include "model/ngsi.h"
#include "notify/notify.h"
#include "store/store_notify.h"

#define SUBS_BODY_MAX (32u << 10)

int api_ngsi_sees_personal(void *ud, const char *owner, const char *type) {
  struct app *app = ud;
  struct accounts_user u;
  if (!owner || !*owner || accounts_user_get(app->st, owner, 0, &u) || u.disabled) return 0;
  struct http_auth_ctx a = {.kind = HTTP_AUTH_USER, .user_id = u.id, .role = u.role_bit};
  zz_strlcpy(a.user, u.name, sizeof a.user);
  zz_strlcpy(a.department, u.department, sizeof a.department);
  zz_strlcpy(a.scope, u.scope, sizeof a.scope);
  registry_rdlock(app->reg);
  int whole = authz_entity_personal(app, &a, type) == 0;
  registry_unlock(app->reg);
  return whole;
}

static int bad(struct http_req *r, const char *d) {
  return ngsi_fail(r, 400, "BadRequest", d);
}

static int is_string_array(const json_t *a) {
  if (!json_is_array(a)) return 0;
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) if (!json_is_string(v) || !json_string_length(v)) return 0;
  return 1;
}

/* Checks the subject: entities [{id | idPattern, type?}], condition.attrs.
 * Returns 0 or replies 400. */
static int check_subject(struct http_req *r, json_t *subject) {
  if (!json_is_object(subject)) return bad(r, "no subject for subscription specified");
  json_t *ents = json_object_get(subject, "entities");
  if (!json_is_array(ents) || !json_array_size(ents))
    return bad(r, "no subject entities specified");
  size_t i;
  json_t *e;
  json_array_foreach(ents, i, e) {
    json_t *id = json_object_get(e, "id"), *pat = json_object_get(e, "idPattern"),
           *type = json_object_get(e, "type");
    if (!json_is_object(e) || (!id && !pat) || (id && pat))
      return bad(r, "subject entities need one of id or idPattern");
    if ((id && !json_is_string(id)) || (pat && !json_is_string(pat)) ||
        (type && !json_is_string(type)))
      return bad(r, "subject entity id, idPattern and type must be strings");
    if (pat) {
      regex_t re;
      if (regcomp(&re, json_string_value(pat), REG_EXTENDED | REG_NOSUB) != 0)
        return bad(r, "Invalid regex for entity idPattern");
      regfree(&re);
    }
  }
  json_t *cond = json_object_get(subject, "condition");
  if (cond && !json_is_object(cond)) return bad(r, "condition must be an object");
  json_t *attrs = json_object_get(cond, "attrs");
  if (attrs && !is_string_array(attrs))
    return bad(r, "condition attrs must be an array of strings");
  if (json_object_get(cond, "expression"))
    return bad(r, "condition expression is not supported by zhizhi (use condition attrs)");
  return 0;
}

/* Checks notification: http.url, attrs, attrsFormat. 0 or replies 400. */
static int check_notification(struct http_req *r, json_t *nt) {
  if (!json_is_object(nt)) return bad(r, "no notification for subscription specified");
  const char *url = json_string_value(json_object_get(json_object_get(nt, "http"), "url"));
  if (!url) return bad(r, "http notification is missing (notification.http.url)");
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
    return bad(r, "Invalid URL: the notification URL must be http:// or https://");
  if (strlen(url) > 2048) return bad(r, "notification URL too long");
  json_t *attrs = json_object_get(nt, "attrs");
  if (attrs && !is_string_array(attrs))
    return bad(r, "notification attrs must be an array of strings");
  const char *fmt = json_string_value(json_object_get(nt, "attrsFormat"));
  if (json_object_get(nt, "attrsFormat") &&
      (!fmt || (strcmp(fmt, "normalized") != 0 && strcmp(fmt, "keyValues") != 0)))
    return bad(r, "invalid attrsFormat: zhizhi notifies normalized or keyValues");
  return 0;
}

/* The stored definition, built from the checked body: only what zhizhi
 * acts on, so a GET shows what is in effect. */
static json_t *definition(json_t *body, int64_t expires) {
  json_t *subject = json_object_get(body, "subject"), *nt = json_object_get(body, "notification");
  json_t *cond = json_object_get(subject, "condition");
  json_t *attrs = json_object_get(cond, "attrs");
  json_t *nattrs = json_object_get(nt, "attrs");
  const char *fmt = json_string_value(json_object_get(nt, "attrsFormat"));
  json_t *doc = json_object();
  const char *desc = json_string_value(json_object_get(body, "description"));
  if (desc) json_object_set_new(doc, "description", json_string(desc));
  json_object_set_new(doc, "subject",
                      json_pack("{s:O, s:{s:o}}", "entities", json_object_get(subject, "entities"),
                                "condition", "attrs", attrs ? json_incref(attrs) : json_array()));
  json_object_set_new(doc, "notification",
                      json_pack("{s:o, s:s, s:{s:O}}", "attrs",
                                nattrs ? json_incref(nattrs) : json_array(), "attrsFormat",
                                fmt ? fmt : "normalized", "http", "url",
                                json_object_get(json_object_get(nt, "http"), "url")));
  if (expires) {
    char t[32];
    json_object_set_new(doc, "expires", json_string(ngsi_time(expires, t)));
  }
  json_t *thr = json_object_get(body, "throttling");
  if (json_integer_value(thr) > 0) json_object_set(doc, "throttling", thr);
  return doc;
}

static int post_subscription(struct http_req *r) {
  struct app *app = http_app(r);
  struct ngsi_tenant t;
  if (ngsi_tenant(r, &t)) return 0;
  if (authz_ngsi_subscription(app, http_auth(r), t.path))
    return ngsi_fail(r, 403, "Forbidden", "subscriptions on this region are not yours to make");
  size_t len;
  const char *text = http_body(r, &len);
  json_t *body = json_loadb(text ? text : "", len, 0, NULL);
  json_t *doc = NULL;
  int ret = 0;
  if (!json_is_object(body)) {
    ret = ngsi_fail(r, 400, "ParseError", "Errors found in incoming JSON buffer");
    goto done;
  }
  if (check_subject(r, json_object_get(body, "subject")) ||
      check_notification(r, json_object_get(body, "notification")))
    goto done;
  json_t *thr = json_object_get(body, "throttling");
  if (thr && (!json_is_integer(thr) || json_integer_value(thr) < 0)) {
    ret = bad(r, "throttling must be a non-negative integer (seconds)");
    goto done;
  }
  json_t *desc = json_object_get(body, "description");
  if (desc && !json_is_string(desc)) {
    ret = bad(r, "description must be a string");
    goto done;
  }
  int64_t expires = 0;
  json_t *exp = json_object_get(body, "expires");
  if (exp && (!json_is_string(exp) ||
              zz_time_parse_rfc3339(json_string_value(exp), json_string_length(exp), &expires))) {
    ret = bad(r, "expires must be an ISO 8601 date and time");
    goto done;
  }
  unsigned char raw[12];
  char id[32];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(id, sizeof id, raw, sizeof raw);
  doc = definition(body, expires);
  char *doc_text = json_dumps(doc, JSON_COMPACT);
  struct store_ngsi_sub s = {.id = id,
                             .region = t.path,
                             .owner = http_auth(r)->user,
                             .doc_json = doc_text,
                             .created = zz_time_now()};
  struct zz_err e = {0};
  int rc = doc_text ? store_ngsi_sub_insert(app->st, &s, &e) : ZZ_ENOMEM;
  free(doc_text); /* banned-ok: jansson's json_dumps allocates with malloc */
  if (rc) {
    ret = ngsi_fail(r, zz_http_status(rc), "InternalServerError", "the store failed, retry later");
    goto done;
  }
  notify_reload(app->notify);
  char loc[64];
  snprintf(loc, sizeof loc, "/v2/subscriptions/%s", id);
  http_add_header(r, "Location", loc);
  ret = http_reply(r, 201, NULL, NULL);
done:
  json_decref(body);
  json_decref(doc);
  return ret;
}

/* ---- the representation ---- */

static void set_time(json_t *o, const char *k, int64_t ms) {
  char t[32];
  if (ms) json_object_set_new(o, k, json_string(ngsi_time(ms, t)));
}

static json_t *represent(const struct store_ngsi_sub *s) {
  json_t *doc = json_loads(s->doc_json, 0, NULL);
  if (!doc) return NULL;
  json_t *out = json_pack("{s:s}", "id", s->id);
  json_object_update(out, doc);
  json_decref(doc);
  json_t *nt = json_object_get(out, "notification");
  if (json_is_object(nt)) {
    if (s->times_sent) json_object_set_new(nt, "timesSent", json_integer(s->times_sent));
    set_time(nt, "lastNotification", s->last_notification);
    set_time(nt, "lastSuccess", s->last_success);
    if (s->last_success)
      json_object_set_new(nt, "lastSuccessCode", json_integer(s->last_success_code));
    set_time(nt, "lastFailure", s->last_failure);
    if (s->last_failure_reason && s->last_failure)
      json_object_set_new(nt, "lastFailureReason", json_string(s->last_failure_reason));
    json_object_set_new(nt, "failsCounter", json_integer(s->fails));
  }
  int64_t expires = 0;
  const char *exp = json_string_value(json_object_get(out, "expires"));
  if (exp) zz_time_parse_rfc3339(exp, strlen(exp), &expires);
  const char *status = expires && zz_time_now() > expires ? "expired"
                       : s->fails                         ? "failed"
                                                          : "active";
  json_object_set_new(out, "status", json_string(status));
  return out;
}

struct list {
  struct app *app;
  const struct http_auth_ctx *a;
  json_t *out;
  int64_t offset, limit, matched;
  int forbidden;
};

static int list_row(void *ud, const struct store_ngsi_sub *s) {
  struct list *c = ud;
  if (authz_ngsi_subscription(c->app, c->a, s->region)) {
    c->forbidden = 1;
    return 0;
  }
  int64_t k = c->matched++;
  if (k < c->offset || k >= c->offset + c->limit) return 0;
  json_t *v = represent(s);
  if (v) json_array_append_new(c->out, v);
  return 0;
}

static int get_subscriptions(struct http_req *r) {
  struct app *app = http_app(r);
  int64_t limit, offset;
  if (api_int(r, "limit", 20, 1, 1000, &limit) || api_int(r, "offset", 0, 0, INT32_MAX, &offset))
    return 0;
  struct list c = {app, http_auth(r), json_array(), offset, limit, 0, 0};
  int rc = store_ngsi_subs_each(app->st, NULL, list_row, &c);
  if (rc) {
    json_decref(c.out);
    return ngsi_fail(r, zz_http_status(rc), "InternalServerError", "the store failed, retry later");
  }
  const char *opt = http_query(r, "options");
  if (opt && strstr(opt, "count")) {
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)c.matched);
    http_add_header(r, "Fiware-Total-Count", n);
  }
  return ngsi_reply(r, 200, c.out);
}

struct one {
  struct app *app;
  const struct http_auth_ctx *a;
  json_t *v;
  int found, forbidden;
};

static int one_row(void *ud, const struct store_ngsi_sub *s) {
  struct one *o = ud;
  o->found = 1;
  if (authz_ngsi_subscription(o->app, o->a, s->region))
    o->forbidden = 1;
  else
    o->v = represent(s);
  return 1;
}

/* Reads subscription :id as the caller may: replies 404/403 itself and
 * returns NULL when it cannot. */
static json_t *subscription_for(struct http_req *r) {
  struct app *app = http_app(r);
  struct one o = {app, http_auth(r), NULL, 0, 0};
  int rc = store_ngsi_subs_each(app->st, http_param(r, "id"), one_row, &o);
  if (rc) {
    json_decref(o.v);
    ngsi_fail(r, zz_http_status(rc), "InternalServerError", "the store failed, retry later");
    return NULL;
  }
  if (!o.found || (!o.forbidden && !o.v)) {
    json_decref(o.v);
    ngsi_fail(r, 404, "NotFound", "The requested subscription has not been found. Check id");
    return NULL;
  }
  if (o.forbidden) {
    ngsi_fail(r, 403, "Forbidden", "this subscription is not yours to see or change");
    return NULL;
  }
  return o.v;
}

static int get_subscription(struct http_req *r) {
  json_t *v = subscription_for(r);
  return v ? ngsi_reply(r, 200, v) : 0;
}

static int delete_subscription(struct http_req *r) {
  struct app *app = http_app(r);
  json_t *v = subscription_for(r);
  if (!v) return 0;
  json_decref(v);
  int rc = store_ngsi_sub_delete(app->st, http_param(r, "id"), NULL);
  if (rc == ZZ_ENOTFOUND)
    return ngsi_fail(r, 404, "NotFound", "The requested subscription has not been found. Check id");
  if (rc)
    return ngsi_fail(r, zz_http_status(rc), "InternalServerError", "the store failed, retry later");
  notify_reload(app->notify);
  return http_reply(r, 204, NULL, NULL);
}

const struct http_route api_ngsi_subs_routes[] = {
    {"POST", "/v2/subscriptions", post_subscription, NULL, HTTP_AUTH_USER, ROLE_ADMIN,
     SUBS_BODY_MAX},
    {"GET", "/v2/subscriptions", get_subscriptions, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"GET", "/v2/subscriptions/:id", get_subscription, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"DELETE", "/v2/subscriptions/:id", delete_subscription, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
};
const size_t api_ngsi_subs_nroutes = sizeof api_ngsi_subs_routes / sizeof api_ngsi_subs_routes[0];
