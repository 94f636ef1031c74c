/* ngsi.c (api) - the FIWARE NGSI-v2 face under /v2 (Orion's API on
 * zhizhi's entities): entities and their attributes read with Orion's
 * filters (type, id, idPattern, q, attrs, options, limit/offset, georel),
 * entity types, and numeric attributes written as records through ingest.
 * Entity rendering, q and geo are in src/model/ngsi.c; Fiware-Service and
 * Fiware-ServicePath name a region (the tenant); errors take Orion's shape
 * {"error","description"}. Reads need a user session, writes a source token. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "api/ngsi_int.h"
#include "ingest/ingest.h"
#include "model/ngsi.h"
#include "model/ngsi_load.h"
#include "store/store_registry.h"

#define NGSI_LIMIT_DEFAULT 20 /* Orion's default page and its cap */
#define NGSI_LIMIT_MAX 1000
#define NGSI_BODY_MAX (64u << 10)

/* ---- errors in Orion's shape ---- */

int ngsi_fail(struct http_req *r, int status, const char *error, const char *description) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "error", error);
  zz_json_kstr(&j, "description", description);
  zz_json_obj_end(&j);
  zz_json_finish(&j);
  http_reply(r, status, "application/json", &b); /* exactly: NGSI clients compare it */
  return status;
}

static int fail_entity(struct http_req *r) {
  return ngsi_fail(r, 404, "NotFound",
                   "The requested entity has not been found. Check type and id");
}

/* ---- the tenant: Fiware-Service and Fiware-ServicePath ---- */

int ngsi_tenant(struct http_req *r, struct ngsi_tenant *t) {
  memset(t, 0, sizeof *t);
  const char *svc = http_header(r, "Fiware-Service");
  const char *sp = http_header(r, "Fiware-ServicePath");
  const struct http_auth_ctx *a = http_auth(r);
  char path[256] = "";
  if (svc && *svc) {
    size_t n = strlen(svc);
    for (size_t i = 0; i < n; i++)
      if (!(isalnum((unsigned char)svc[i]) || svc[i] == '_') || n > 50)
        return ngsi_fail(r, 400, "BadRequest",
                         "bad character in tenant name - only underscore and alphanumeric "
                         "characters are allowed");
    for (size_t i = 0; i < n && i < sizeof path - 1; i++)
      path[i] = (char)tolower((unsigned char)svc[i]);
    path[n < sizeof path ? n : sizeof path - 1] = '\0';
  }
  int subtree = 1;
  if (sp && *sp) {
    if (sp[0] != '/')
      return ngsi_fail(r, 400, "BadRequest",
                       "Only /absolute/ Service Paths allowed [a service path must begin with /]");
    if (strchr(sp, ','))
      return ngsi_fail(r, 400, "BadRequest",
                       "zhizhi takes one service path per request (a region), not a list");
    size_t n = strlen(sp);
    if (n >= 2 && strcmp(sp + n - 2, "/#") == 0)
      n -= 2;
    else if (n > 1)
      subtree = 0; /* Orion: a path without "#" is that path only */
    if (n > 1) {
      size_t used = strlen(path);
      if (used + n >= sizeof path) return ngsi_fail(r, 400, "BadRequest", "service path too long");
      memcpy(path + used, used ? sp : sp + 1, used ? n : n - 1);
      path[used + (used ? n : n - 1)] = '\0';
    }
  }
  if (!path[0] && a->kind == HTTP_AUTH_USER) zz_strlcpy(path, a->scope, sizeof path);
  if (path[0]) {
    registry_rdlock(http_app(r)->reg);
    const struct reg_region *rg = registry_region(http_app(r)->reg, path);
    if (rg) {
      t->region = rg->id;
      t->lo = rg->lo;
      t->hi = subtree ? rg->hi : rg->lo;
    }
    registry_unlock(http_app(r)->reg);
    if (!rg)
      return ngsi_fail(r, 400, "BadRequest",
                       "Fiware-Service (a top region, such as gongshu) and Fiware-ServicePath "
                       "(/street/block below it) name no region of this server");
  }
  zz_strlcpy(t->path, path, sizeof t->path);
  if (authz_ngsi_tenant(http_app(r), a, path))
    return ngsi_fail(r, 403, "Forbidden", "this service and service path are outside your scope");
  return 0;
}

/* 1 when region id lies in the tenant (its DFS interval). */
static int in_tenant(struct app *app, const struct ngsi_tenant *t, int64_t region) {
  if (!t->path[0]) return 1;
  registry_rdlock(app->reg);
  const struct reg_region *rg = registry_region_by_id(app->reg, region);
  int ok = rg && rg->lo >= t->lo && rg->lo <= t->hi;
  registry_unlock(app->reg);
  return ok;
}

/* ---- one entity, rendered ---- */

/* The NGSI entity of en as the caller may see it: its personal attributes
 * masked (api_entity_view) before anything reads them, so that q, attrs,
 * keyValues and values all meet the masked values. NULL with *rc set. */
static json_t *load_seen(struct http_req *r, const struct store_entity *en, int *rc) {
  struct app *app = http_app(r);
  struct store_entity view;
  char *masked;
  registry_rdlock(app->reg);
  api_entity_view(app, http_auth(r), en, &view, &masked);
  registry_unlock(app->reg);
  json_t *e = ngsi_entity_load(app->st, app->reg, &view, rc);
  zz_free(masked);
  return e;
}

struct one {
  struct http_req *r;
  struct app *app;
  json_t *e;
  int64_t region;
  char type[64];
  int rc;
};

static int one_row(void *ud, const struct store_entity *en) {
  struct one *o = ud;
  o->region = en->region;
  zz_strlcpy(o->type, en->type ? en->type : "", sizeof o->type);
  o->e = load_seen(o->r, en, &o->rc);
  return 1;
}

/* Finds entity :id in the tenant with the type parameter; replies itself
 * (404, 403, 503) and returns NULL when it cannot. */
static json_t *entity_for(struct http_req *r, const struct ngsi_tenant *t) {
  struct app *app = http_app(r);
  struct one o = {.r = r, .app = app};
  int rc = store_entity_get(app->st, http_param(r, "id"), one_row, &o);
  if (rc == 0 && o.rc) rc = o.rc;
  if (rc && rc != ZZ_ENOTFOUND) {
    json_decref(o.e);
    ngsi_fail(r, zz_http_status(rc), "InternalServerError", "the store failed, retry later");
    return NULL;
  }
  /* the entity's own rule first, as every other route reads an entity */
  if (o.e && authz_entity(app, http_auth(r), o.region, AUTHZ_READ)) {
    json_decref(o.e);
    ngsi_fail(r, 403, "Forbidden", "this entity is outside your scope");
    return NULL;
  }
  const char *type = http_query(r, "type");
  if (!o.e || (type && *type && strcmp(type, o.type) != 0) || !in_tenant(app, t, o.region)) {
    json_decref(o.e);
    fail_entity(r);
    return NULL;
  }
  return o.e;
}

int ngsi_reply(struct http_req *r, int status, json_t *v) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_jansson(&j, v);
  json_decref(v);
  zz_json_finish(&j);
  return http_reply(r, status, "application/json", &b);
}

/* options: count, keyValues, values; anything else is Orion's 400. */
struct opts {
  int count, key_values, values;
};

static int parse_options(struct http_req *r, struct opts *o) {
  memset(o, 0, sizeof *o);
  const char *s = http_query(r, "options");
  if (!s) return 0;
  for (const char *p = s; *p;) {
    const char *c = strchr(p, ',');
    size_t n = c ? (size_t)(c - p) : strlen(p);
    if (n == 5 && strncmp(p, "count", 5) == 0)
      o->count = 1;
    else if (n == 9 && strncmp(p, "keyValues", 9) == 0)
      o->key_values = 1;
    else if (n == 6 && strncmp(p, "values", 6) == 0)
      o->values = 1;
    else if (n)
      return ngsi_fail(r, 400, "BadRequest", "Invalid value for URI param /options/");
    if (!c) break;
    p = c + 1;
  }
  return 0;
}

/* The entity as options ask: normalized, keyValues, or values (the
 * attributes' values in the order attrs names them, else as rendered). */
static json_t *shape(json_t *e, const struct opts *o, const char *attrs) {
  if (o->values) {
    json_t *arr = json_array();
    const char *k;
    json_t *v;
    if (attrs && *attrs) {
      char name[128];
      for (const char *p = attrs; *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n < sizeof name) {
          memcpy(name, p, n);
          name[n] = '\0';
          json_t *at = json_object_get(e, name);
          if (json_is_object(at)) json_array_append(arr, json_object_get(at, "value"));
        }
        if (!c) break;
        p = c + 1;
      }
    } else {
      json_object_foreach(e, k, v) if (json_is_object(v))
          json_array_append(arr, json_object_get(v, "value"));
    }
    json_decref(e);
    return arr;
  }
  if (o->key_values) {
    json_t *kv = ngsi_key_values(e);
    json_decref(e);
    return kv;
  }
  return e;
}

/* ---- GET /v2/entities ---- */

struct list {
  struct http_req *r;
  struct app *app;
  const char *types; /* comma list or NULL */
  regex_t *id_re;
  const char *ids; /* comma list or NULL */
  struct ngsi_q *q;
  struct ngsi_geo *geo;
  const char *attrs;
  struct opts o;
  int64_t offset, limit, matched, last_id;
  int examined, rc;
  json_t *out;
};

static int comma_listed(const char *list, const char *s) {
  size_t n = strlen(s);
  for (const char *p = list; *p;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (len == n && strncmp(p, s, n) == 0) return 1;
    if (!c) break;
    p = c + 1;
  }
  return 0;
}

static int list_row(void *ud, const struct store_entity *en) {
  struct list *c = ud;
  c->examined++;
  c->last_id = en->id;
  if (c->types && !comma_listed(c->types, en->type ? en->type : "")) return 0;
  if (c->ids && !comma_listed(c->ids, en->key)) return 0;
  if (c->id_re && regexec(c->id_re, en->key, 0, NULL, 0) != 0) return 0;
  if (c->geo && !ngsi_geo_match(c->geo, en->lon, en->lat)) return 0;
  json_t *e = NULL;
  if (c->q) { /* q reads the values: render first */
    e = load_seen(c->r, en, &c->rc);
    if (!e) return 1;
    if (!ngsi_q_match(c->q, e)) {
      json_decref(e);
      return 0;
    }
  }
  int64_t k = c->matched++;
  if (k < c->offset || k >= c->offset + c->limit) {
    json_decref(e);
    return 0;
  }
  if (!e && !(e = load_seen(c->r, en, &c->rc))) return 1;
  ngsi_select_attrs(e, c->attrs);
  json_array_append_new(c->out, shape(e, &c->o, c->attrs));
  return 0;
}

/* Orion's pagination parameters: digits only, limit 1..1000. */
static int paging(struct http_req *r, int64_t *offset, int64_t *limit) {
  const char *s[2] = {http_query(r, "offset"), http_query(r, "limit")};
  int64_t *out[2] = {offset, limit};
  *offset = 0;
  *limit = NGSI_LIMIT_DEFAULT;
  for (int i = 0; i < 2; i++) {
    if (!s[i]) continue;
    int digits = *s[i] != '\0' && strlen(s[i]) < 10;
    for (const char *p = s[i]; *p; p++) digits &= isdigit((unsigned char)*p) != 0;
    char d[160];
    if (!digits || (i == 1 && strtoll(s[i], NULL, 10) == 0)) {
      snprintf(d, sizeof d, "Bad pagination %s: /%.64s/ [%s]", i ? "limit" : "offset", s[i],
               i ? "must be a positive integer number" : "must be a decimal number");
      return ngsi_fail(r, 400, "BadRequest", d);
    }
    *out[i] = strtoll(s[i], NULL, 10);
    if (i == 1 && *limit > NGSI_LIMIT_MAX) {
      snprintf(d, sizeof d, "Bad pagination limit: /%.64s/ [max: %d]", s[i], NGSI_LIMIT_MAX);
      return ngsi_fail(r, 400, "BadRequest", d);
    }
  }
  return 0;
}

/* Parses q and the geo-query into c; replies 400 and returns non-zero. */
static int list_filters(struct http_req *r, struct list *c, regex_t *re) {
  char err[160];
  const char *q = http_query(r, "q");
  if (q && ngsi_q_parse(q, &c->q, err, sizeof err)) return ngsi_fail(r, 400, "BadRequest", err);
  const char *georel = http_query(r, "georel"), *geometry = http_query(r, "geometry"),
             *coords = http_query(r, "coords");
  if (georel || geometry || coords) {
    c->geo = zz_malloc(sizeof *c->geo);
    if (!c->geo) return ngsi_fail(r, 500, "InternalServerError", "out of memory");
    if (ngsi_geo_parse(georel, geometry, coords, c->geo, err, sizeof err))
      return ngsi_fail(r, 400, "BadRequest", err);
  }
  const char *pat = http_query(r, "idPattern");
  if (pat && http_query(r, "id"))
    return ngsi_fail(r, 400, "BadRequest", "Incompatible parameters: id, IdPattern");
  if (pat) {
    if (regcomp(re, pat, REG_EXTENDED | REG_NOSUB) != 0)
      return ngsi_fail(r, 400, "BadRequest", "Invalid regex for entity idPattern");
    c->id_re = re;
  }
  return 0;
}

static int get_entities(struct http_req *r) {
  struct app *app = http_app(r);
  struct ngsi_tenant t;
  struct list c = {.r = r, .app = app};
  regex_t re;
  int ret = 0;
  if (ngsi_tenant(r, &t) || paging(r, &c.offset, &c.limit) || parse_options(r, &c.o) ||
      list_filters(r, &c, &re))
    goto done;
  const char *type = http_query(r, "type");
  c.types = type && *type ? type : NULL;
  const char *id = http_query(r, "id");
  c.ids = id && *id ? id : NULL;
  c.attrs = http_query(r, "attrs");
  c.out = json_array();
  for (;;) { /* in chunks, so the read transaction stays short */
    struct store_entity_filter f = {.type = c.types && !strchr(c.types, ',') ? c.types : NULL,
                                    .rpos_lo = t.path[0] ? t.lo : 0,
                                    .rpos_hi = t.path[0] ? t.hi : 0,
                                    .after_id = c.last_id,
                                    .limit = 500};
    c.examined = 0;
    int rc = store_entities_each(app->st, &f, list_row, &c);
    if (!rc) rc = c.rc;
    if (rc) {
      ret =
          ngsi_fail(r, zz_http_status(rc), "InternalServerError", "the store failed, retry later");
      goto done;
    }
    if (c.examined < 500) break;
  }
  if (c.o.count) {
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)c.matched);
    http_add_header(r, "Fiware-Total-Count", n);
  }
  ret = ngsi_reply(r, 200, c.out);
  c.out = NULL;
done:
  json_decref(c.out);
  ngsi_q_free(c.q);
  zz_free(c.geo);
  if (c.id_re) regfree(c.id_re);
  return ret;
}

/* ---- one entity, its attributes, one attribute, its value ---- */

static int get_entity(struct http_req *r) {
  struct ngsi_tenant t;
  struct opts o;
  if (ngsi_tenant(r, &t) || parse_options(r, &o)) return 0;
  json_t *e = entity_for(r, &t);
  if (!e) return 0;
  ngsi_select_attrs(e, http_query(r, "attrs"));
  return ngsi_reply(r, 200, shape(e, &o, http_query(r, "attrs")));
}

static int get_entity_attrs(struct http_req *r) {
  struct ngsi_tenant t;
  struct opts o;
  if (ngsi_tenant(r, &t) || parse_options(r, &o)) return 0;
  json_t *e = entity_for(r, &t);
  if (!e) return 0;
  ngsi_select_attrs(e, http_query(r, "attrs"));
  json_object_del(e, "id");
  json_object_del(e, "type");
  return ngsi_reply(r, 200, shape(e, &o, http_query(r, "attrs")));
}

static int get_attr(struct http_req *r, int value_only) {
  struct ngsi_tenant t;
  if (ngsi_tenant(r, &t)) return 0;
  json_t *e = entity_for(r, &t);
  if (!e) return 0;
  json_t *a = json_object_get(e, http_param(r, "name"));
  if (!json_is_object(a)) {
    json_decref(e);
    return ngsi_fail(r, 404, "NotFound", "The entity does not have such an attribute");
  }
  json_t *out = json_incref(value_only ? json_object_get(a, "value") : a);
  json_decref(e);
  if (value_only && json_is_string(out)) { /* Orion sends a Text value as text/plain */
    struct zz_buf b;
    zz_buf_init(&b, 0);
    zz_buf_json_str(&b, json_string_value(out));
    json_decref(out);
    return http_reply(r, 200, "text/plain; charset=utf-8", &b);
  }
  return ngsi_reply(r, 200, out);
}

static int get_entity_attr(struct http_req *r) {
  return get_attr(r, 0);
}

static int get_entity_attr_value(struct http_req *r) {
  return get_attr(r, 1);
}

/* ---- types ---- */

struct types {
  struct app *app;
  const struct ngsi_tenant *t;
  const char *only; /* one type, or NULL for all */
  int values;
  json_t *out;
  int rc;
};

/* {"attrs": {name: {"types": [..]}}, "count": n} of type, or NULL when the
 * tenant holds none of it. */
static json_t *type_doc(struct app *app, const struct ngsi_tenant *t, const char *type, int *rc) {
  struct store_entity_filter f = {
      .type = type, .rpos_lo = t->path[0] ? t->lo : 0, .rpos_hi = t->path[0] ? t->hi : 0};
  int64_t n = 0;
  *rc = store_entities_count(app->st, &f, &n);
  if (*rc || n == 0) return NULL;
  json_t *attrs = json_object();
  static const char *const texts[] = {"name", "name_en", "status", "region"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    json_object_set_new(attrs, texts[i], json_pack("{s:[s]}", "types", "Text"));
  json_object_set_new(attrs, "location", json_pack("{s:[s]}", "types", "geo:json"));
  registry_rdlock(app->reg);
  for (int i = 0; i < registry_metric_count(app->reg); i++) {
    const struct reg_metric *m = registry_metric_at(app->reg, i);
    if (m->entity_type && strcmp(m->entity_type, type) == 0)
      json_object_set_new(attrs, m->key, json_pack("{s:[s]}", "types", "Number"));
  }
  registry_unlock(app->reg);
  return json_pack("{s:o, s:I}", "attrs", attrs, "count", (json_int_t)n);
}

static int type_row(void *ud, const struct store_named *nm) {
  struct types *c = ud;
  json_t *d = type_doc(c->app, c->t, nm->key, &c->rc);
  if (c->rc) return 1;
  if (!d) return 0;
  if (c->values) {
    json_array_append_new(c->out, json_string(nm->key));
    json_decref(d);
  } else {
    json_object_set_new(d, "type", json_string(nm->key));
    json_array_append_new(c->out, d);
  }
  return 0;
}

static int get_types(struct http_req *r) {
  struct app *app = http_app(r);
  struct ngsi_tenant t;
  struct opts o;
  int64_t offset, limit;
  if (ngsi_tenant(r, &t) || parse_options(r, &o) || paging(r, &offset, &limit)) return 0;
  struct types c = {app, &t, NULL, o.values, json_array(), 0};
  int rc = store_named_each(app->st, "entity_type", type_row, &c);
  if (!rc) rc = c.rc;
  if (rc) {
    json_decref(c.out);
    return ngsi_fail(r, zz_http_status(rc), "InternalServerError", "the store failed, retry later");
  }
  size_t total = json_array_size(c.out);
  if (o.count) {
    char n[24];
    snprintf(n, sizeof n, "%zu", total);
    http_add_header(r, "Fiware-Total-Count", n);
  }
  json_t *page = json_array();
  for (size_t i = (size_t)offset; i < total && i < (size_t)(offset + limit); i++)
    json_array_append(page, json_array_get(c.out, i));
  json_decref(c.out);
  return ngsi_reply(r, 200, page);
}

static int get_type(struct http_req *r) {
  struct ngsi_tenant t;
  if (ngsi_tenant(r, &t)) return 0;
  int rc = 0;
  json_t *d = type_doc(http_app(r), &t, http_param(r, "type"), &rc);
  if (rc)
    return ngsi_fail(r, zz_http_status(rc), "InternalServerError", "the store failed, retry later");
  if (!d) return ngsi_fail(r, 404, "NotFound", "Entity type not found");
  return ngsi_reply(r, 200, d);
}

/* ---- writes: numeric attributes become records ---- */

/* Appends one NDJSON record line for attribute name = v (normalized or
 * keyValues) of entity id; returns 0, or 1 when the attribute is not a
 * metric of the entity's type with a number. */
static int write_line(struct app *app, struct zz_buf *b, const char *id, const char *type,
                      const char *name, json_t *v, int key_values, int64_t now) {
  json_t *val = key_values ? v : json_object_get(v, "value");
  if (!json_is_number(val)) return 1;
  registry_rdlock(app->reg);
  const struct reg_metric *m = registry_metric(app->reg, name, strlen(name));
  int ok = m && (!m->entity_type || !m->entity_type[0] || strcmp(m->entity_type, type) == 0);
  registry_unlock(app->reg);
  if (!ok) return 1;
  int64_t ts = now;
  const char *ti =
      key_values ? NULL
                 : json_string_value(json_object_get(
                       json_object_get(json_object_get(v, "metadata"), "TimeInstant"), "value"));
  if (ti && zz_time_parse_rfc3339(ti, strlen(ti), &ts)) ts = now;
  zz_buf_adds(b, "{\"entity\":");
  zz_buf_json_str(b, id);
  zz_buf_adds(b, ",\"metric\":");
  zz_buf_json_str(b, name);
  zz_buf_printf(b, ",\"ts\":%lld,\"value\":", (long long)ts);
  zz_buf_json_num(b, json_number_value(val));
  zz_buf_adds(b, "}\n");
  return 0;
}

/* Feeds the lines to an atomic ingest as the calling source; blocks until
 * committed (a small body: the commit of one group). Replies. */
static int ingest_lines(struct http_req *r, const struct zz_buf *b) {
  struct app *app = http_app(r);
  struct ingest_opts io = {.st = app->st,
                           .reg = app->reg,
                           .source_id = http_auth(r)->source_id,
                           .format = INGEST_NDJSON,
                           .kind = INGEST_RECORDS,
                           .atomic = 1};
  struct ingest *in = ingest_new(&io);
  if (!in) return ngsi_fail(r, 500, "InternalServerError", "out of memory");
  struct zz_err e = {0};
  int rc = ingest_feed(in, b->data, b->len, &e);
  if (!rc) rc = ingest_finish(in, &e);
  const struct ingest_report *rep = ingest_result(in);
  int ret;
  if (rc)
    ret = ngsi_fail(r, zz_http_status(rc),
                    rc == ZZ_EBUSY ? "ServiceUnavailable" : "InternalServerError",
                    e.msg[0] ? e.msg : zz_strerror(rc));
  else if (rep->rejected_total > 0)
    ret = ngsi_fail(r, 400, "BadRequest", rep->nrejected ? rep->rejected[0].msg : "refused");
  else
    ret = http_reply(r, 204, NULL, NULL);
  ingest_free(in);
  return ret;
}

static int post_attrs(struct http_req *r) {
  struct app *app = http_app(r);
  struct ngsi_tenant t;
  struct opts o;
  if (ngsi_tenant(r, &t) || parse_options(r, &o)) return 0;
  size_t len;
  const char *body = http_body(r, &len);
  json_error_t jerr;
  json_t *doc = json_loadb(body ? body : "", len, 0, &jerr);
  if (!json_is_object(doc)) {
    json_decref(doc);
    return ngsi_fail(r, 400, "ParseError", "Errors found in incoming JSON buffer");
  }
  int ret = 0;
  json_t *e = entity_for(r, &t);
  if (!e) goto done;
  const char *id = json_string_value(json_object_get(e, "id"));
  const char *type = json_string_value(json_object_get(e, "type"));
  struct zz_buf b, bad;
  zz_buf_init(&b, NGSI_BODY_MAX * 2);
  zz_buf_init(&bad, 4096);
  int64_t now = zz_time_now();
  const char *k;
  json_t *v;
  int nbad = 0;
  json_object_foreach(doc, k, v) {
    if (write_line(app, &b, id, type, k, v, o.key_values, now))
      zz_buf_printf(&bad, "%s%s", nbad++ ? ", " : "", k);
  }
  if (nbad) {
    char d[4300];
    snprintf(d, sizeof d,
             "do not exist: %s - [ %s ] (zhizhi writes numbers to the metrics of the entity's "
             "type only; other attributes are read-only here)",
             id, bad.data ? bad.data : "");
    ret = ngsi_fail(r, 422, "Unprocessable", d);
  } else if (!b.len) {
    ret = ngsi_fail(r, 400, "BadRequest", "empty payload");
  } else {
    ret = ingest_lines(r, &b);
  }
  zz_buf_free(&b);
  zz_buf_free(&bad);
done:
  json_decref(e);
  json_decref(doc);
  return ret;
}

const struct http_route api_ngsi_routes[] = {
    {"GET", "/v2/entities", get_entities, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/v2/entities/:id", get_entity, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/v2/entities/:id/attrs", get_entity_attrs, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/v2/entities/:id/attrs/:name", get_entity_attr, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/v2/entities/:id/attrs/:name/value", get_entity_attr_value, NULL, HTTP_AUTH_USER, 0,
     0},
    {"GET", "/v2/types", get_types, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/v2/types/:type", get_type, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/v2/entities/:id/attrs", post_attrs, NULL, HTTP_AUTH_SOURCE, 0, NGSI_BODY_MAX},
    {"PATCH", "/v2/entities/:id/attrs", post_attrs, NULL, HTTP_AUTH_SOURCE, 0, NGSI_BODY_MAX},
};
const size_t api_ngsi_nroutes = sizeof api_ngsi_routes / sizeof api_ngsi_routes[0];
