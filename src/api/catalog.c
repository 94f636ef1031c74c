/* catalog.c (api) - the public services catalog: every
 * matter with its group, channels, departments, time limit, form and
 * materials checklist (GET /api/public/catalog, optionally filtered by a
 * Chinese or English keyword q), and the medical-insurance outlets with the
 * district outline for the map (GET /api/public/outlets). No session: both
 * are rate-limited per client address, and the answers carry only what the
 * pack publishes (no contacts, no orders). */
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "model/matter_json.h"
#include "model/registry.h"
#include "store/store_catalog.h"
#include "store/store_registry.h"

#define CATALOG_Q_MAX 64

struct cat_ctx {
  struct zz_json *j;
  const char *q;        /* keyword or NULL */
  struct registry *reg; /* region names for the routing */
  int n;
};

/* The matter's routes as the catalog shows them: where (the region's path
 * and names) other departments handle it than its own. The workflow sends
 * an order in that region (or below; the longest path wins) to them. */
static void routing_of(struct registry *reg, json_t *extra) {
  json_t *routes = json_object_get(extra, "routes"), *out = json_array();
  size_t i;
  json_t *rt;
  json_array_foreach(routes, i, rt) {
    const char *path = json_string_value(json_object_get(rt, "region"));
    if (!path) continue;
    registry_rdlock(reg);
    const struct reg_region *rg = registry_region(reg, path);
    json_t *o = json_pack("{s:s, s:s?, s:s?, s:O}", "region", path, "region_name_zh",
                          rg ? rg->name_zh : NULL, "region_name_en", rg ? rg->name_en : NULL,
                          "departments", json_object_get(rt, "departments"));
    registry_unlock(reg);
    if (o) json_array_append_new(out, o);
  }
  json_object_set_new(extra, "routing", out);
}

/* 1 when the keyword occurs in the matter's names, description, keywords
 * (pinyin initials, words of its group), materials or department names
 * (byte substring: fine for UTF-8 Chinese; ASCII case ignored). */
static int matter_matches(const char *q, const struct store_matter *m, json_t *extra,
                          const char *dept_names) {
  if (!q || !*q) return 1;
  if (strstr(m->name_zh, q) || strcasestr(m->name_en, q) || strstr(m->key, q)) return 1;
  const char *const keys[] = {"description_zh", "description_en"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(keys); i++) {
    const char *s = json_string_value(json_object_get(extra, keys[i]));
    if (s && strcasestr(s, q)) return 1;
  }
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(extra, "keywords"), i, x) {
    const char *s = json_string_value(x);
    if (s && strcasestr(s, q)) return 1;
  }
  json_array_foreach(json_object_get(extra, "materials"), i, x) {
    const char *s = json_string_value(json_object_get(x, "name_zh"));
    if (s && strstr(s, q)) return 1;
  }
  return dept_names && strstr(dept_names, q);
}

struct dept_names {
  struct zz_json *j;  /* the answer's "departments": {"id":{"name_zh","name_en"},...} */
  struct zz_buf text; /* every Chinese name, for keyword search */
};

static int dept_row(void *ud, const struct store_named *d) {
  struct dept_names *dn = ud;
  zz_json_kobj(dn->j, d->key);
  zz_json_kstr(dn->j, "name_zh", d->name_zh);
  zz_json_kstr(dn->j, "name_en", d->name_en);
  zz_json_obj_end(dn->j);
  zz_buf_printf(&dn->text, "%s:%s|", d->key, d->name_zh ? d->name_zh : "");
  return 0;
}

struct cat_rows {
  struct cat_ctx *c;
  struct dept_names *dn;
};

/* The Chinese names of a matter's departments, from the "id:name|" text. */
static void dept_text_of(const struct dept_names *dn, const char *deps_json, char *out,
                         size_t cap) {
  out[0] = '\0';
  json_t *d = json_loads(deps_json ? deps_json : "[]", 0, NULL);
  size_t i;
  json_t *x;
  json_array_foreach(d, i, x) {
    const char *id = json_string_value(x);
    char pat[80];
    snprintf(pat, sizeof pat, "%s:", id ? id : "");
    const char *p = dn->text.data ? strstr(dn->text.data, pat) : NULL;
    if (!p) continue;
    p += strlen(pat);
    const char *end = strchr(p, '|');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    size_t have = strlen(out);
    if (have + n + 2 < cap) {
      memcpy(out + have, p, n);
      out[have + n] = ' ';
      out[have + n + 1] = '\0';
    }
  }
  json_decref(d);
}

static int matter_row(void *ud, const struct store_matter *m) {
  struct cat_rows *cr = ud;
  struct cat_ctx *c = cr->c;
  json_t *extra = json_loads(m->extra_json ? m->extra_json : "{}", 0, NULL);
  if (!extra) extra = json_object();
  char dtext[512];
  dept_text_of(cr->dn, m->departments_json, dtext, sizeof dtext);
  if (!matter_matches(c->q, m, extra, dtext)) {
    json_decref(extra);
    return 0;
  }
  c->n++;
  /* only the catalog members of extra are public: the routes as "routing",
   * with the regions' names */
  routing_of(c->reg, extra);
  static const char *const pub[] = {"group",          "keywords",       "channels",
                                    "description_zh", "description_en", "form",
                                    "materials",      "steps",          "routing"};
  struct matter_view v = {.key = m->key,
                          .name_zh = m->name_zh,
                          .name_en = m->name_en,
                          .kind = m->kind,
                          .depts_json = m->departments_json,
                          .sla_accept_minutes = m->sla_accept_minutes,
                          .sla_resolve_minutes = m->sla_resolve_minutes,
                          .extra = extra};
  matter_json(c->j, &v, MATTER_JSON_ROUTING, pub, ZZ_ARRAY_LEN(pub));
  json_decref(extra);
  return 0;
}

/* GET /api/public/catalog?q=KEYWORD */
static int get_catalog(struct http_req *r) {
  if (api_rate_limit(r, "catalog", NULL, 300, 60)) return 0;
  struct app *app = http_app(r);
  const char *q = http_query(r, "q");
  if (q && strlen(q) > CATALOG_Q_MAX)
    return http_fail(r, ZZ_EINVAL, "q", "q must be at most %d bytes", CATALOG_Q_MAX);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "q", q && *q ? q : NULL);
  zz_json_kobj(&j, "departments");
  struct dept_names dn = {.j = &j};
  zz_buf_init(&dn.text, 0);
  store_named_each(app->st, "department", dept_row, &dn);
  zz_json_obj_end(&j);
  zz_json_karr(&j, "matters");
  struct cat_ctx c = {&j, q && *q ? q : NULL, app->reg, 0};
  struct cat_rows cr = {&c, &dn};
  int rc = store_matters_each(app->st, matter_row, &cr);
  zz_json_arr_end(&j);
  zz_json_kint(&j, "count", c.n);
  zz_json_obj_end(&j);
  if (!rc) rc = zz_buf_error(&dn.text); /* the search would miss names */
  zz_buf_free(&dn.text);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "catalog", "the catalog cannot be read now");
  }
  zz_json_finish(&j);
  http_add_header(r, "Cache-Control", "public, max-age=60");
  return http_reply_json(r, 200, &b);
}

/* ---- outlets and the district outline ---- */

struct outlet_ctx {
  struct zz_json *j;
  int n;
};

static int outlet_row(void *ud, const struct store_entity *en) {
  struct outlet_ctx *o = ud;
  o->n++;
  struct zz_json *j = o->j;
  zz_json_obj(j);
  zz_json_kstr(j, "id", en->key);
  zz_json_kstr(j, "name_zh", en->name_zh);
  zz_json_kstr(j, "name_en", en->name_en);
  zz_json_knum(j, "lon", en->lon);
  zz_json_knum(j, "lat", en->lat);
  /* attrs as the pack wrote them, with the matter list as an array */
  json_t *a = json_loads(en->attrs_json ? en->attrs_json : "{}", 0, NULL);
  const char *const keys[] = {"bank", "address", "hours", "phone"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(keys); i++)
    zz_json_kstr(j, keys[i], json_string_value(json_object_get(a, keys[i])));
  zz_json_karr(j, "matters");
  const char *ms = json_string_value(json_object_get(a, "matters"));
  for (const char *p = ms; p && *p;) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n) zz_json_strn(j, p, n);
    p = end ? end + 1 : p + n;
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  json_decref(a);
  return 0;
}

struct outline_ctx {
  struct zz_json *j;
  int done;
};

static int outline_row(void *ud, const struct store_region *rg) {
  struct outline_ctx *o = ud;
  if (o->done || rg->parent_path) return 0; /* the root region: the district */
  o->done = 1;
  struct zz_json *j = o->j;
  zz_json_obj(j);
  zz_json_kstr(j, "type", "Feature");
  zz_json_kobj(j, "properties");
  zz_json_kstr(j, "id", rg->path);
  zz_json_kstr(j, "name", rg->name_zh);
  zz_json_kstr(j, "name_en", rg->name_en);
  zz_json_obj_end(j);
  zz_json_key(j, "geometry");
  zz_json_text(j, rg->geometry, rg->geometry ? strlen(rg->geometry) : 0);
  zz_json_obj_end(j);
  return 0;
}

/* GET /api/public/outlets */
static int get_outlets(struct http_req *r) {
  if (api_rate_limit(r, "catalog", NULL, 300, 60)) return 0;
  struct app *app = http_app(r);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "outline");
  zz_json_kstr(&j, "type", "FeatureCollection");
  zz_json_karr(&j, "features");
  struct outline_ctx oc = {&j, 0};
  int rc = store_regions_each(app->st, 1, outline_row, &oc);
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  zz_json_karr(&j, "outlets");
  struct outlet_ctx o = {&j, 0};
  struct store_entity_filter f = {.type = "outlet", .limit = 1000};
  if (!rc) rc = store_entities_each(app->st, &f, outlet_row, &o);
  zz_json_arr_end(&j);
  zz_json_kint(&j, "count", o.n);
  zz_json_obj_end(&j);
  zz_json_finish(&j);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "outlets", "the outlets cannot be read now");
  }
  http_add_header(r, "Cache-Control", "public, max-age=60");
  return http_reply_json(r, 200, &b);
}

const struct http_route api_catalog_routes[] = {
    {"GET", "/api/public/catalog", get_catalog, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/api/public/outlets", get_outlets, NULL, HTTP_AUTH_NONE, 0, 0},
};
const size_t api_catalog_nroutes = ZZ_ARRAY_LEN(api_catalog_routes);
