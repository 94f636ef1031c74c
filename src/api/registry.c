/* registry.c (api) - health and the registry resources: regions (tree,
 * GeoJSON, one), entity types, metrics, departments, sources (with tokens
 * shown once) and entities (create, update, get, filtered list with cursor). */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "store/store_records.h"
#include "store/store_registry.h"

#define API_VERSION "0.1.0"

/* ---- health ---- */

static int get_health(struct http_req *r) {
  struct app *app = http_app(r);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "status", "ok");
  zz_json_kstr(&j, "version", API_VERSION);
  zz_json_kint(&j, "records", store_records_count(app->st));
  zz_json_kint(&j, "queue", (int64_t)store_write_queue_depth(app->st));
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

/* ---- regions ---- */

/* Opens a region's object and writes its head members; the caller adds
 * the rest and closes it. */
static void region_head(struct zz_json *j, const struct reg_region *rg, struct registry *reg) {
  zz_json_obj(j);
  zz_json_kstr(j, "id", rg->path);
  zz_json_kstr(j, "name_zh", rg->name_zh);
  zz_json_kstr(j, "name_en", rg->name_en);
  zz_json_kstr(j, "level", rg->level);
  const struct reg_region *p = registry_region_at(reg, rg->parent);
  zz_json_kstr(j, "parent", p ? p->path : NULL);
  zz_json_kbool(j, "approximate", rg->approximate);
  if (isnan(rg->lon) || isnan(rg->lat)) {
    zz_json_knull(j, "center");
  } else {
    zz_json_karr(j, "center");
    zz_json_num(j, rg->lon);
    zz_json_num(j, rg->lat);
    zz_json_arr_end(j);
  }
}

static void region_tree(struct zz_json *j, struct registry *reg, const struct reg_region *rg) {
  region_head(j, rg, reg);
  zz_json_karr(j, "children");
  for (int i = 0; i < rg->nchildren; i++)
    region_tree(j, reg, registry_region_at(reg, rg->children[i]));
  zz_json_arr_end(j);
  zz_json_obj_end(j);
}

static int get_regions(struct http_req *r) {
  struct app *app = http_app(r);
  struct api_region root;
  if (api_region(r, "root", 0, &root)) return 0;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "regions");
  registry_rdlock(app->reg);
  region_tree(&j, app->reg, registry_region_by_id(app->reg, root.id));
  registry_unlock(app->reg);
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  api_cacheable(r);
  return api_reply_json(r, 200, &j);
}

struct geo_ctx {
  struct zz_json *j;
  struct registry *reg;
  int64_t lo, hi;
  int depth_max, root_depth;
  int n;
  const char *only; /* one path, or NULL */
};

static int depth_of(struct registry *reg, const struct reg_region *rg) {
  int d = 0;
  while (rg && rg->parent >= 0) rg = registry_region_at(reg, rg->parent), d++;
  return d;
}

static int geo_row(void *ud, const struct store_region *sr) {
  struct geo_ctx *c = ud;
  const struct reg_region *rg = registry_region_by_id(c->reg, sr->id);
  if (!rg) return 0;
  if (c->only) {
    if (strcmp(rg->path, c->only) != 0) return 0;
  } else {
    if (rg->lo < c->lo || rg->lo > c->hi) return 0;
    if (c->depth_max >= 0 && depth_of(c->reg, rg) - c->root_depth > c->depth_max) return 0;
  }
  c->n++;
  struct zz_json *j = c->j;
  size_t glen = sr->geometry ? strlen(sr->geometry) : 0;
  if (c->only) {
    region_head(j, rg, c->reg);
    zz_json_karr(j, "children");
    for (int i = 0; i < rg->nchildren; i++)
      zz_json_str(j, registry_region_at(c->reg, rg->children[i])->path);
    zz_json_arr_end(j);
    zz_json_key(j, "geometry");
    zz_json_text(j, sr->geometry, glen);
    zz_json_obj_end(j);
    return 1;
  }
  zz_json_obj(j);
  zz_json_kstr(j, "type", "Feature");
  zz_json_kstr(j, "id", rg->path);
  zz_json_key(j, "properties");
  region_head(j, rg, c->reg);
  /* the names map files use (DataV, ECharts' registerMap): properties.name
   * matches a series' data names, properties.adcode the division code */
  zz_json_kstr(j, "name", rg->name_zh);
  if (sr->adcode) zz_json_kint(j, "adcode", strtoll(sr->adcode, NULL, 10));
  zz_json_obj_end(j);
  zz_json_key(j, "geometry");
  zz_json_text(j, sr->geometry, glen);
  zz_json_obj_end(j);
  return 0;
}

static int get_regions_geojson(struct http_req *r) {
  struct app *app = http_app(r);
  struct api_region root;
  int64_t depth;
  if (api_region(r, "root", 0, &root) || api_int(r, "depth", -1, -1, 16, &depth)) return 0;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "type", "FeatureCollection");
  zz_json_karr(&j, "features");
  registry_rdlock(app->reg);
  struct geo_ctx c = {&j, app->reg, root.lo, root.hi, (int)depth, 0, 0, NULL};
  c.root_depth = depth_of(app->reg, registry_region_by_id(app->reg, root.id));
  int rc = store_regions_each(app->st, 1, geo_row, &c);
  registry_unlock(app->reg);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "", "cannot read regions");
  }
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  zz_json_finish(&j);
  api_cacheable(r);
  return http_reply(r, 200, "application/geo+json; charset=utf-8", &b);
}

static int get_region(struct http_req *r) {
  struct app *app = http_app(r);
  const char *path = http_param(r, "*");
  registry_rdlock(app->reg);
  const struct reg_region *rg = registry_region(app->reg, path);
  int64_t id = rg ? rg->id : 0;
  registry_unlock(app->reg);
  if (!rg) return http_fail(r, ZZ_ENOTFOUND, "region", "region \"%s\" does not exist", path);
  if (authz_region(app, http_auth(r), id)) return authz_deny(r, "region", "this region", "此区域");
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_key(&j, "region");
  registry_rdlock(app->reg);
  struct geo_ctx c = {&j, app->reg, 0, 0, -1, 0, 0, path};
  int rc = store_regions_each(app->st, 1, geo_row, &c);
  registry_unlock(app->reg);
  if (rc || !c.n) {
    zz_buf_free(&b);
    return http_fail(r, rc ? rc : ZZ_ENOTFOUND, "region", "cannot read region \"%s\"", path);
  }
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

/* ---- types, metrics, departments ---- */

struct list_ctx {
  struct zz_json *j;
};

static int named_row(void *ud, const struct store_named *n) {
  struct list_ctx *c = ud;
  struct zz_json *j = c->j;
  zz_json_obj(j);
  zz_json_kstr(j, "id", n->key);
  zz_json_kstr(j, "name_zh", n->name_zh);
  zz_json_kstr(j, "name_en", n->name_en);
  /* extra is a JSON object whose members are spliced in ({"attrs":[...]}) */
  if (n->extra_json && n->extra_json[0] == '{')
    zz_json_members(j, n->extra_json, strlen(n->extra_json));
  zz_json_obj_end(j);
  return 0;
}

static int list_named(struct http_req *r, const char *table, const char *key) {
  struct app *app = http_app(r);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, key);
  struct list_ctx c = {&j};
  int rc = store_named_each(app->st, table, named_row, &c);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "", "cannot read %s", key);
  }
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  api_cacheable(r);
  return api_reply_json(r, 200, &j);
}

static int get_types(struct http_req *r) {
  return list_named(r, "entity_type", "entity_types");
}
static int get_departments(struct http_req *r) {
  return list_named(r, "department", "departments");
}

static int get_metrics(struct http_req *r) {
  struct app *app = http_app(r);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "metrics");
  registry_rdlock(app->reg);
  for (int i = 0; i < registry_metric_count(app->reg); i++) {
    const struct reg_metric *m = registry_metric_at(app->reg, i);
    zz_json_obj(&j);
    zz_json_kstr(&j, "id", m->key);
    zz_json_kstr(&j, "name_zh", m->name_zh);
    zz_json_kstr(&j, "name_en", m->name_en);
    zz_json_kstr(&j, "unit", m->unit);
    zz_json_kstr(&j, "agg", m->agg);
    zz_json_kstr(&j, "entity_type", m->entity_type);
    zz_json_kstr(&j, "kind", m->kind);
    if (m->nstates) {
      /* a status metric: its values' names (1 正常, 0 故障) */
      zz_json_karr(&j, "states");
      for (int k = 0; k < m->nstates; k++) {
        zz_json_obj(&j);
        zz_json_knum(&j, "value", m->states[k].value);
        zz_json_kstr(&j, "name_zh", m->states[k].name_zh);
        zz_json_kstr(&j, "name_en", m->states[k].name_en);
        zz_json_obj_end(&j);
      }
      zz_json_arr_end(&j);
    }
    zz_json_obj_end(&j);
  }
  registry_unlock(app->reg);
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  api_cacheable(r);
  return api_reply_json(r, 200, &j);
}

/* ---- sources ---- */

static void source_json(struct zz_json *j, const struct store_source *s) {
  zz_json_obj(j);
  zz_json_kstr(j, "id", s->key);
  zz_json_kstr(j, "name_zh", s->name_zh);
  zz_json_kstr(j, "name_en", s->name_en);
  zz_json_kstr(j, "department", s->department);
  zz_json_kstr(j, "kind", s->kind);
  zz_json_key(j, "metrics");
  if (s->metrics_json && s->metrics_json[0] == '[')
    zz_json_text(j, s->metrics_json, strlen(s->metrics_json));
  else
    zz_json_text(j, "[]", 2);
  zz_json_kint(j, "records", s->records);
  if (s->last_seen > 0)
    zz_json_ktime(j, "last_seen", s->last_seen);
  else
    zz_json_knull(j, "last_seen");
  /* records refused (MQTT ingest counts them: a device has no answer to read) */
  zz_json_kint(j, "rejected", s->rejected);
  if (s->last_error) {
    zz_json_kstr(j, "last_error", s->last_error);
    zz_json_ktime(j, "last_error_at", s->last_error_at);
  } else {
    zz_json_knull(j, "last_error");
    zz_json_knull(j, "last_error_at");
  }
  zz_json_obj_end(j);
}

static int source_row(void *ud, const struct store_source *s) {
  struct list_ctx *c = ud;
  source_json(c->j, s);
  return 0;
}

static int get_sources(struct http_req *r) {
  struct app *app = http_app(r);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "sources");
  struct list_ctx c = {&j};
  int rc = store_sources_each(app->st, source_row, &c);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "", "cannot read sources");
  }
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

struct find_source {
  const char *key;
  int64_t id;
  struct zz_json *json;
};

static int find_source_row(void *ud, const struct store_source *s) {
  struct find_source *f = ud;
  if (strcmp(s->key, f->key) != 0) return 0;
  f->id = s->id;
  if (f->json) source_json(f->json, s);
  return 1;
}

static const char *opt_str(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Checks an id: 1..128 chars of letters, digits, '_', '-', '.'. */
static int valid_key(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > 128) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '.'))
      return 0;
  }
  return 1;
}

static int issue_token(struct http_req *r, int64_t id, char token[48]) {
  struct app *app = http_app(r);
  char hash[65];
  struct zz_err e = {0};
  api_token_new(token);
  api_token_hash(token, hash);
  int rc = store_source_set_token(app->st, id, hash, &e);
  if (rc) http_reply_err(r, &e);
  return rc;
}

static int post_source(struct http_req *r) {
  struct app *app = http_app(r);
  json_t *j = NULL;
  if (authz_source(http_auth(r), AUTHZ_WRITE))
    return authz_deny(r, "source", "a data source (district-wide)", "数据源（全区范围）");
  if (api_json_body(r, &j)) return 0;
  struct zz_err e = {0};
  struct zz_buf metrics;
  zz_buf_init(&metrics, 0);
  const char *key = opt_str(j, "id");
  json_t *jm = json_object_get(j, "metrics");
  if (!valid_key(key)) {
    http_fail(r, ZZ_EINVAL, "id", "id must be 1-128 letters, digits, '_', '-' or '.'");
    goto done;
  }
  if (jm && !json_is_array(jm)) {
    http_fail(r, ZZ_EINVAL, "metrics", "metrics must be an array of metric ids");
    goto done;
  }
  struct zz_json mj;
  zz_json_init(&mj, &metrics);
  zz_json_arr(&mj);
  registry_rdlock(app->reg);
  size_t i;
  json_t *m;
  int bad = 0;
  json_array_foreach(jm, i, m) {
    const char *mk = json_string_value(m);
    if (!mk || !registry_metric(app->reg, mk, strlen(mk))) {
      bad = 1;
      break;
    }
    zz_json_str(&mj, mk);
  }
  registry_unlock(app->reg);
  zz_json_arr_end(&mj);
  if (bad) {
    http_fail(r, ZZ_EINVAL, "metrics", "metrics[%zu] is not a known metric id", i);
    goto done;
  }
  if (zz_json_finish(&mj)) {
    http_fail(r, ZZ_ENOMEM, "", "out of memory");
    goto done;
  }
  struct find_source f = {key, 0, NULL};
  store_sources_each(app->st, find_source_row, &f);
  if (f.id) {
    http_fail(r, ZZ_EEXISTS, "id",
              "source \"%s\" already exists (POST /api/v1/sources/%s/token issues a new token)",
              key, key);
    goto done;
  }
  struct store_source s = {.key = key,
                           .name_zh = opt_str(j, "name_zh"),
                           .name_en = opt_str(j, "name_en"),
                           .department = opt_str(j, "department"),
                           .kind = opt_str(j, "kind"),
                           .metrics_json = metrics.data};
  int64_t id = 0;
  if (store_source_upsert(app->st, &s, &id, &e)) {
    http_reply_err(r, &e);
    goto done;
  }
  char token[48];
  if (issue_token(r, id, token)) goto done;
  /* the audit names the source and its metrics, never the token */
  char *detail = json_dumps(j, JSON_COMPACT);
  api_audit(r, "source.create", key, detail);
  zz_free(detail);
  registry_reload(app->reg, NULL);
  struct zz_buf b;
  struct zz_json jw;
  zz_buf_init(&b, 0);
  zz_json_init(&jw, &b);
  zz_json_obj(&jw);
  zz_json_key(&jw, "source");
  struct find_source f2 = {key, 0, &jw};
  store_sources_each(app->st, find_source_row, &f2);
  zz_json_kstr(&jw, "token", token);
  zz_json_obj_end(&jw);
  api_reply_json(r, 201, &jw);
done:
  zz_buf_free(&metrics);
  json_decref(j);
  return 0;
}

static int post_source_token(struct http_req *r) {
  struct app *app = http_app(r);
  const char *key = http_param(r, "id");
  if (authz_source(http_auth(r), AUTHZ_WRITE))
    return authz_deny(r, "id", "a data source's token (district-wide)", "数据源的令牌（全区范围）");
  struct find_source f = {key, 0, NULL};
  store_sources_each(app->st, find_source_row, &f);
  if (!f.id) return http_fail(r, ZZ_ENOTFOUND, "id", "source \"%s\" does not exist", key);
  char token[48];
  if (issue_token(r, f.id, token)) return 0;
  api_audit(r, "source.token", key, NULL);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "source", key);
  zz_json_kstr(&j, "token", token);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

/* ---- entities ---- */

struct ent_ctx {
  struct zz_json *j;
  struct http_req *r;
  int n, limit, examined;
  int more;             /* a matching entity exists beyond this page */
  int64_t last_id;      /* last entity examined: the next page starts after it */
  json_t *attr_filters; /* attr.KEY=VALUE parameters */
};

int api_entity_view(struct app *app, const struct http_auth_ctx *a, const struct store_entity *en,
                    struct store_entity *view, char **masked) {
  *view = *en;
  *masked = NULL;
  if (!registry_type_personal(app->reg, en->type) || !authz_entity_personal(app, a, en->type))
    return 0;
  int rc = registry_attrs_masked(app->reg, en->type, en->attrs_json, masked);
  if (rc)
    view->attrs_json = "{}"; /* fail closed */
  else if (*masked)
    view->attrs_json = *masked;
  return rc;
}

void api_entity_json(struct zz_json *j, struct http_req *r, const struct store_entity *whole) {
  struct app *app = http_app(r);
  struct registry *reg = app->reg;
  struct store_entity view;
  char *masked;
  api_entity_view(app, http_auth(r), whole, &view, &masked);
  const struct store_entity *en = &view;
  zz_json_obj(j);
  zz_json_kstr(j, "id", en->key);
  zz_json_kstr(j, "type", en->type);
  zz_json_kstr(j, "name_zh", en->name_zh);
  zz_json_kstr(j, "name_en", en->name_en);
  const struct reg_region *rg = registry_region_by_id(reg, en->region);
  zz_json_kstr(j, "region", rg ? rg->path : NULL);
  zz_json_knum(j, "lon", en->lon);
  zz_json_knum(j, "lat", en->lat);
  zz_json_key(j, "attrs");
  if (en->attrs_json && en->attrs_json[0] == '{')
    zz_json_text(j, en->attrs_json, strlen(en->attrs_json));
  else
    zz_json_text(j, "{}", 2);
  zz_json_kstr(j, "status", en->status);
  if (en->updated > 0)
    zz_json_ktime(j, "updated", en->updated);
  else
    zz_json_knull(j, "updated");
  zz_json_obj_end(j);
  zz_free(masked);
}

static int attrs_match(json_t *filters, const char *attrs_json) {
  if (!filters || json_object_size(filters) == 0) return 1;
  json_t *a = json_loads(attrs_json ? attrs_json : "{}", 0, NULL);
  int ok = 1;
  const char *k;
  json_t *want;
  json_object_foreach(filters, k, want) {
    json_t *v = json_object_get(a, k);
    char num[64];
    const char *text = NULL;
    if (json_is_string(v))
      text = json_string_value(v);
    else if (json_is_integer(v))
      snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)), text = num;
    else if (json_is_real(v))
      snprintf(num, sizeof num, "%g", json_real_value(v)), text = num;
    else if (json_is_true(v))
      text = "true";
    else if (json_is_false(v))
      text = "false";
    if (!text || strcmp(text, json_string_value(want)) != 0) {
      ok = 0;
      break;
    }
  }
  json_decref(a);
  return ok;
}

static int ent_row(void *ud, const struct store_entity *en) {
  struct ent_ctx *c = ud;
  c->examined++;
  /* filters see what the caller sees: a masked value never matches the
   * whole one, so attr.contact_phone=... cannot probe a phone */
  struct store_entity view;
  char *masked;
  api_entity_view(http_app(c->r), http_auth(c->r), en, &view, &masked);
  int match = attrs_match(c->attr_filters, view.attrs_json);
  zz_free(masked);
  if (match && c->n == c->limit) { /* one past the page: there is a next page */
    c->more = 1;
    return 1;
  }
  c->last_id = en->id;
  if (!match) return 0;
  c->n++;
  api_entity_json(c->j, c->r, en);
  return 0;
}

static void collect_attr(void *ud, const char *k, const char *v) {
  if (strncmp(k, "attr.", 5) == 0 && k[5]) json_object_set_new(ud, k + 5, json_string(v));
}

/* Cursors are opaque to clients: "c" + the last entity id in hex. */
static int parse_cursor(const char *s, int64_t *out) {
  if (!s || !*s) {
    *out = 0;
    return 0;
  }
  if (s[0] != 'c' || !s[1]) return ZZ_EINVAL;
  char *end;
  long long v = strtoll(s + 1, &end, 16);
  if (*end || v < 0) return ZZ_EINVAL;
  *out = v;
  return 0;
}

static int get_entities(struct http_req *r) {
  struct app *app = http_app(r);
  struct api_region rg;
  int64_t limit, after;
  if (api_region(r, "region", 0, &rg) || api_int(r, "limit", 100, 1, 1000, &limit)) return 0;
  if (parse_cursor(http_query(r, "cursor"), &after))
    return http_fail(r, ZZ_EINVAL, "cursor", "cursor is not one this server gave");
  json_t *filters = json_object();
  http_query_each(r, collect_attr, filters);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "entities");
  struct ent_ctx c = {&j, r, 0, (int)limit, 0, 0, after, filters};
  /* Attribute filters are applied here, so read in chunks until the page is
   * full or the table ends. */
  int rc = 0, chunk = json_object_size(filters) ? 500 : (int)limit + 1;
  for (;;) {
    const char *name = http_query(r, "name");
    struct store_entity_filter f = {.type = http_query(r, "type"),
                                    .name = name && *name ? name : NULL,
                                    .rpos_lo = rg.lo,
                                    .rpos_hi = rg.hi,
                                    .after_id = c.last_id,
                                    .limit = chunk};
    c.examined = 0;
    registry_rdlock(app->reg);
    rc = store_entities_each(app->st, &f, ent_row, &c);
    registry_unlock(app->reg);
    if (rc || c.more || c.examined < chunk) break;
  }
  json_decref(filters);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "", "cannot list entities");
  }
  zz_json_arr_end(&j);
  if (c.more) {
    char cur[32];
    snprintf(cur, sizeof cur, "c%llx", (unsigned long long)c.last_id);
    zz_json_kstr(&j, "next_cursor", cur);
  } else {
    zz_json_knull(&j, "next_cursor");
  }
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

struct one_ent {
  struct zz_json *j;
  struct http_req *r;
  int64_t region;
};

static int one_ent_row(void *ud, const struct store_entity *en) {
  struct one_ent *o = ud;
  o->region = en->region;
  if (o->j) {
    zz_json_obj(o->j);
    zz_json_key(o->j, "entity");
    api_entity_json(o->j, o->r, en);
    zz_json_obj_end(o->j);
  }
  return 0;
}

static int reply_entity(struct http_req *r, const char *key, int status) {
  struct app *app = http_app(r);
  struct one_ent probe = {NULL, r, 0};
  if (store_entity_get(app->st, key, one_ent_row, &probe) != 0)
    return http_fail(r, ZZ_ENOTFOUND, "id", "entity \"%s\" does not exist", key);
  if (authz_entity(app, http_auth(r), probe.region, AUTHZ_READ))
    return authz_deny(r, "id", "this entity", "此对象");
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  struct one_ent o = {&j, r, 0};
  registry_rdlock(app->reg);
  store_entity_get(app->st, key, one_ent_row, &o);
  registry_unlock(app->reg);
  return api_reply_json(r, status, &j);
}

static int get_entity(struct http_req *r) {
  return reply_entity(r, http_param(r, "id"), 200);
}

/* Checks attrs against the attributes the entity type declares (its
 * extra_json {"attrs":[{"id","type":"string"|"number"|"date"}]}), as the
 * pack loader does. Replies 400 naming attrs.KEY and returns non-zero. */
struct type_find {
  const char *key;
  json_t *attrs; /* the declared list, owned by the caller after the call */
};

static int type_find_row(void *ud, const struct store_named *n) {
  struct type_find *f = ud;
  if (strcmp(n->key, f->key) != 0) return 0;
  json_t *extra = n->extra_json ? json_loads(n->extra_json, 0, NULL) : NULL;
  f->attrs = json_incref(json_object_get(extra, "attrs"));
  json_decref(extra);
  return 1;
}

static int is_date(const char *s) {
  int64_t ms;
  return strlen(s) == 10 && zz_time_parse_rfc3339(s, 10, &ms) == 0;
}

static int check_attrs(struct http_req *r, const char *type, json_t *attrs) {
  struct app *app = http_app(r);
  if (!attrs || json_object_size(attrs) == 0) return 0;
  struct type_find f = {type, NULL};
  store_named_each(app->st, "entity_type", type_find_row, &f);
  if (!json_is_array(f.attrs)) { /* a type without declarations takes any attrs */
    json_decref(f.attrs);
    return 0;
  }
  const char *k;
  json_t *v;
  int rc = 0;
  json_object_foreach(attrs, k, v) {
    const char *want = NULL;
    size_t i;
    json_t *d;
    json_array_foreach(f.attrs, i, d) {
      const char *id = json_string_value(json_object_get(d, "id"));
      if (id && strcmp(id, k) == 0) want = json_string_value(json_object_get(d, "type"));
    }
    char field[80];
    snprintf(field, sizeof field, "attrs.%s", k);
    if (!want) {
      rc = http_fail(r, ZZ_EINVAL, field, "entity type \"%s\" declares no attribute \"%s\"", type,
                     k);
      break;
    }
    int ok = json_is_null(v) ||
             (strcmp(want, "number") == 0 ? json_is_number(v)
              : strcmp(want, "date") == 0 ? json_is_string(v) && is_date(json_string_value(v))
                                          : json_is_string(v));
    if (!ok) {
      /* one sentence per type, so that each has its Chinese */
      if (strcmp(want, "number") == 0)
        rc = http_fail(r, ZZ_EINVAL, field, "attribute \"%s\" must be a number", k);
      else if (strcmp(want, "date") == 0)
        rc = http_fail(r, ZZ_EINVAL, field, "attribute \"%s\" must be a date (YYYY-MM-DD)", k);
      else
        rc = http_fail(r, ZZ_EINVAL, field, "attribute \"%s\" must be a %s", k, want);
      break;
    }
  }
  json_decref(f.attrs);
  return rc;
}

/* Create (POST, id in the body) or replace (PUT, id in the path). */
static int put_entity_common(struct http_req *r, const char *path_id) {
  struct app *app = http_app(r);
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  const char *key = path_id ? path_id : opt_str(j, "id");
  const char *region = opt_str(j, "region"), *type = opt_str(j, "type");
  json_t *attrs = json_object_get(j, "attrs"), *lon = json_object_get(j, "lon"),
         *lat = json_object_get(j, "lat");
  char *attrs_text = NULL;
  struct zz_err e = {0};
  /* the entity where it is and where it goes must both be the caller's
   * (authz_entity), decided before anything else is told */
  registry_rdlock(app->reg);
  const struct reg_region *rg = region ? registry_region(app->reg, region) : NULL;
  int64_t rid = rg ? rg->id : 0;
  const struct reg_entity_ref *old = key ? registry_entity(app->reg, key, strlen(key)) : NULL;
  int known = old != NULL;
  int64_t old_region = old ? old->region : 0;
  registry_unlock(app->reg);
  const struct http_auth_ctx *a = http_auth(r);
  if (known && authz_entity(app, a, old_region, AUTHZ_WRITE)) {
    authz_deny(r, "id", "this entity", "此对象");
    goto done;
  }
  if (rid && authz_entity(app, a, rid, AUTHZ_WRITE)) {
    authz_deny(r, "region", "this region", "此区域");
    goto done;
  }
  if (!valid_key(key)) {
    http_fail(r, ZZ_EINVAL, "id", "id must be 1-128 letters, digits, '_', '-' or '.'");
    goto done;
  }
  if (!type) {
    http_fail(r, ZZ_EINVAL, "type", "type is required (GET /api/v1/entity-types lists them)");
    goto done;
  }
  if (!opt_str(j, "name_zh") || !*opt_str(j, "name_zh")) {
    http_fail(r, ZZ_EINVAL, "name_zh", "name_zh is required: every entity has a Chinese name");
    goto done;
  }
  if (!region) {
    http_fail(r, ZZ_EINVAL, "region", "region is required (a region path such as gongshu/dongxin)");
    goto done;
  }
  if (attrs && !json_is_object(attrs)) {
    http_fail(r, ZZ_EINVAL, "attrs", "attrs must be an object");
    goto done;
  }
  if (check_attrs(r, type, attrs)) goto done;
  if ((lon && !json_is_number(lon)) || (lat && !json_is_number(lat)) ||
      (lon && fabs(json_number_value(lon)) > 180) || (lat && fabs(json_number_value(lat)) > 90)) {
    http_fail(r, ZZ_EINVAL, lon && !json_is_number(lon) ? "lon" : "lat",
              "lon and lat must be numbers within ±180 and ±90");
    goto done;
  }
  if (!rid) {
    http_fail(r, ZZ_EINVAL, "region", "region \"%s\" does not exist", region);
    goto done;
  }
  if (!path_id && known) {
    http_fail(r, ZZ_EEXISTS, "id",
              "entity \"%s\" already exists (PUT /api/v1/entities/%s replaces it)", key, key);
    goto done;
  }
  attrs_text = json_dumps(attrs ? attrs : json_object(), JSON_COMPACT);
  struct store_entity en = {.key = key,
                            .type = type,
                            .name_zh = opt_str(j, "name_zh"),
                            .name_en = opt_str(j, "name_en"),
                            .status = opt_str(j, "status"),
                            .lon = lon ? json_number_value(lon) : NAN,
                            .lat = lat ? json_number_value(lat) : NAN,
                            .attrs_json = attrs_text,
                            .updated = zz_time_now()};
  if (registry_entity_put(app->reg, &en, region, NULL, &e)) {
    http_reply_err(r, &e);
    goto done;
  }
  reply_entity(r, key, known ? 200 : 201);
done:
  zz_free(attrs_text);
  json_decref(j);
  return 0;
}

static int post_entity(struct http_req *r) {
  return put_entity_common(r, NULL);
}
static int put_entity(struct http_req *r) {
  return put_entity_common(r, http_param(r, "id"));
}

const struct http_route api_registry_routes[] = {
    {"GET", "/healthz", get_health, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/api/v1/regions", get_regions, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/regions.geojson", get_regions_geojson, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/regions/*", get_region, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/entity-types", get_types, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/metrics", get_metrics, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/departments", get_departments, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/sources", get_sources, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/sources", post_source, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"POST", "/api/v1/sources/:id/token", post_source_token, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"GET", "/api/v1/entities", get_entities, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/entities", post_entity, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"GET", "/api/v1/entities/:id", get_entity, NULL, HTTP_AUTH_USER, 0, 0},
    {"PUT", "/api/v1/entities/:id", put_entity, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
};
const size_t api_registry_nroutes = ZZ_ARRAY_LEN(api_registry_routes);
