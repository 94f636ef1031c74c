/* common.c - parameter parsing and the scope rule shared by the API files.
 * Each helper replies to the request itself when the input is bad, so a
 * handler can simply return when a helper returns non-zero. */
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "api/export.h"
#include "intake/intake.h"
#include "store/store_registry.h"

static const struct reg_region *root_region(struct registry *reg) {
  for (int i = 0; i < registry_region_count(reg); i++) {
    const struct reg_region *r = registry_region_at(reg, i);
    if (r->parent < 0) return r;
  }
  return NULL;
}

static void copy_region(struct api_region *out, const struct reg_region *r, int cut) {
  out->id = r->id;
  out->lo = r->lo;
  out->hi = r->hi;
  out->cut = cut;
  zz_strlcpy(out->path, r->path, sizeof out->path);
}

int api_region(struct http_req *r, const char *param, int required, struct api_region *out) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  const char *want = http_query(r, param ? param : "region");
  if ((!want || !*want) && required)
    return http_fail(r, ZZ_EINVAL, param, "parameter \"%s\" is required", param);
  registry_rdlock(app->reg);
  int rc = 0;
  const struct reg_region *scope = a->scope[0] ? registry_region(app->reg, a->scope) : NULL;
  if (a->scope[0] && !scope) {
    rc = http_fail(r, ZZ_EFORBIDDEN, "scope", "your scope \"%s\" no longer exists", a->scope);
    goto done;
  }
  const struct reg_region *reg = NULL;
  if (want && *want) {
    reg = registry_region(app->reg, want);
    if (!reg) {
      rc = http_fail(r, ZZ_ENOTFOUND, param, "region \"%s\" does not exist", want);
      goto done;
    }
  } else {
    reg = scope ? scope : root_region(app->reg);
    if (!reg) {
      rc = http_fail(r, ZZ_ENOTFOUND, param, "no regions are loaded: load a pack first");
      goto done;
    }
  }
  if (scope && !registry_region_within(reg, scope)) {
    if (registry_region_within(scope, reg)) {
      copy_region(out, scope, 1);
      goto done;
    }
    rc = http_fail(r, ZZ_EFORBIDDEN, param, "region \"%s\" is outside your scope \"%s\"", reg->path,
                   scope->path);
    goto done;
  }
  copy_region(out, reg, 0);
done:
  registry_unlock(app->reg);
  return rc;
}

int api_check_scope(struct http_req *r, int64_t region_id) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  if (!a->scope[0]) return 0;
  registry_rdlock(app->reg);
  const struct reg_region *scope = registry_region(app->reg, a->scope);
  const struct reg_region *reg = registry_region_by_id(app->reg, region_id);
  int ok = scope && reg && registry_region_within(reg, scope);
  registry_unlock(app->reg);
  if (ok) return 0;
  return http_fail(r, ZZ_EFORBIDDEN, "region", "this is outside your scope \"%s\"", a->scope);
}

static int parse_time_param(struct http_req *r, const char *name, int64_t *out, int *given) {
  const char *v = http_query(r, name);
  *given = v && *v;
  if (!*given) return 0;
  if (zz_time_parse(v, strlen(v), out) != 0)
    return http_fail(r, ZZ_EINVAL, name,
                     "%s \"%s\" is not RFC 3339 (2026-05-21T08:00:00+08:00) or epoch milliseconds",
                     name, v);
  return 0;
}

int api_range(struct http_req *r, int64_t dflt_span, int64_t *from, int64_t *to) {
  int has_from, has_to;
  int64_t f = 0, t = 0;
  struct zz_err e = {0};
  if (parse_time_param(r, "from", &f, &has_from) || parse_time_param(r, "to", &t, &has_to))
    return ZZ_EINVAL;
  if (zz_time_range(has_from ? &f : NULL, has_to ? &t : NULL, zz_time_now(), dflt_span, from, to,
                    &e))
    return api_fail_err(r, &e);
  return 0;
}

int api_int(struct http_req *r, const char *name, int64_t dflt, int64_t min, int64_t max,
            int64_t *out) {
  const char *v = http_query(r, name);
  if (!v || !*v) {
    *out = dflt;
    return 0;
  }
  if (zz_parse_i64(v, out) != 0 || *out < min || *out > max)
    return http_fail(r, ZZ_EINVAL, name, "%s must be an integer from %lld to %lld", name,
                     (long long)min, (long long)max);
  return 0;
}

int api_metric(struct http_req *r, const char *name, struct api_metric *out) {
  struct app *app = http_app(r);
  const char *v = http_query(r, name);
  if (!v || !*v) return http_fail(r, ZZ_EINVAL, name, "parameter \"%s\" is required", name);
  registry_rdlock(app->reg);
  const struct reg_metric *m = registry_metric(app->reg, v, strlen(v));
  if (m) {
    out->id = m->id;
    zz_strlcpy(out->key, m->key, sizeof out->key);
    zz_strlcpy(out->agg, m->agg, sizeof out->agg);
    zz_strlcpy(out->entity_type, m->entity_type, sizeof out->entity_type);
  }
  registry_unlock(app->reg);
  if (!m)
    return http_fail(r, ZZ_ENOTFOUND, name,
                     "metric \"%s\" does not exist (GET /api/v1/metrics lists them)", v);
  return 0;
}

/* The download names of the query answers, by the route's last word. */
static void export_names(struct http_req *r, char *zh, char *en, size_t cap) {
  static const char *const words[][3] = {
      {"series", "序列", "series"}, {"breakdown", "分布", "breakdown"}, {"top", "排行", "top"}};
  const char *path = http_path(r), *last = strrchr(path, '/');
  last = last ? last + 1 : path;
  const char *w_zh = last, *w_en = last, *metric = http_query(r, "metric");
  for (size_t i = 0; i < ZZ_ARRAY_LEN(words); i++)
    if (strcmp(words[i][0], last) == 0) w_zh = words[i][1], w_en = words[i][2];
  snprintf(zh, cap, "%s%s%s", w_zh, metric && *metric ? "-" : "", metric ? metric : "");
  snprintf(en, cap, "%s%s%s", w_en, metric && *metric ? "-" : "", metric ? metric : "");
}

void api_cacheable(struct http_req *r) {
  http_add_header(r, "Cache-Control", "private, no-cache");
  http_etag(r);
}

int api_reply_json(struct http_req *r, int status, struct zz_json *j) {
  zz_json_finish(j); /* a failure stays in the buffer: http_reply answers it */
  /* ?format=csv|xlsx on any table a GET answers (the queries; the lists
   * with more rows than one page export from the store themselves) */
  if (status == 200 && !zz_buf_error(j->b) && strcmp(http_method(r), "GET") == 0 &&
      http_query(r, "format")) {
    struct api_export x;
    int want = api_export_want(r, &x);
    if (want) {
      int rc = 0;
      if (want > 0) {
        char zh[96], en[96];
        export_names(r, zh, en, sizeof zh);
        rc = api_export_json(r, &x, zh, en, j->b->data, j->b->len);
      }
      zz_buf_free(j->b);
      return rc;
    }
  }
  return http_reply_json(r, status, j->b);
}

int api_json_body(struct http_req *r, json_t **out) {
  size_t len;
  const char *body = http_body(r, &len);
  return api_json_parse(r, body, len, out);
}

int api_matter_has_channel(const json_t *matter, const char *channel) {
  return intake_matter_has_channel(matter, channel);
}

int api_json_parse(struct http_req *r, const char *body, size_t len, json_t **out) {
  json_error_t err;
  json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
  if (!j)
    return http_fail(r, ZZ_EINVAL, "body", "the body is not valid JSON (line %d, column %d): %s",
                     err.line, err.column, err.text);
  if (!json_is_object(j)) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "body", "the body must be a JSON object");
  }
  *out = j;
  return 0;
}

/* Checks that attr is declared by the entity type (when the type declares
 * its attributes). Replies 400 and returns non-zero when it is not. */
struct type_attrs_ctx {
  const char *type, *attr;
  int declared; /* -1 unknown, 0 no, 1 yes */
  char list[512];
};

static int type_attrs_row(void *ud, const struct store_named *n) {
  struct type_attrs_ctx *c = ud;
  if (!n->key || strcmp(n->key, c->type) != 0) return 0;
  json_t *x = n->extra_json ? json_loads(n->extra_json, 0, NULL) : NULL;
  json_t *attrs = json_is_object(x) ? json_object_get(x, "attrs") : NULL;
  if (json_is_array(attrs) && json_array_size(attrs) > 0) {
    c->declared = 0;
    size_t i, len = 0;
    json_t *a;
    json_array_foreach(attrs, i, a) {
      const char *id = json_string_value(json_object_get(a, "id"));
      if (!id) continue;
      if (strcmp(id, c->attr) == 0) c->declared = 1;
      int k = snprintf(c->list + len, sizeof c->list - len, "%s%s", len ? ", " : "", id);
      if (k > 0 && (size_t)k < sizeof c->list - len) len += (size_t)k;
    }
  }
  json_decref(x);
  return 1;
}

int api_check_attr(struct http_req *r, const char *type, const char *attr, const char *field) {
  size_t n = strlen(attr);
  if (n == 0 || n > 63 ||
      strspn(attr, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
    return http_fail(r, ZZ_EINVAL, field, "%s must be an attribute id (letters, digits, _ and -)",
                     field);
  struct app *app = http_app(r);
  if (type) {
    struct type_attrs_ctx c = {type, attr, -1, ""};
    if (store_named_each(app->st, "entity_type", type_attrs_row, &c) == 0 && c.declared == 0)
      return http_fail(r, ZZ_EINVAL, field,
                       "entity type \"%s\" has no attribute \"%s\" (it has: %s)", type, attr,
                       c.list);
  }
  /* grouping by a personal attribute would list its values */
  registry_rdlock(app->reg);
  int deny = authz_entity_attr(app, http_auth(r), type, attr);
  registry_unlock(app->reg);
  if (deny) return authz_deny(r, field, "a personal attribute", "个人信息属性");
  return 0;
}

int api_rate_limit(struct http_req *r, const char *scope, const char *key, int per_minute,
                   int burst) {
  struct app *app = http_app(r);
  if (!app->limits) return 0;
  int wait = ratelimit_take(app->limits, scope, key ? key : http_peer_key(r), per_minute, burst,
                            zz_time_now());
  if (!wait) return 0;
  char s[16];
  snprintf(s, sizeof s, "%d", wait);
  http_add_header(r, "Retry-After", s);
  http_fail(r, ZZ_ERATE, key ? scope : "client",
            "too many requests: please wait %d second%s and try again", wait, wait == 1 ? "" : "s");
  return ZZ_ERATE;
}
