/* usage.c - GET /api/v1/sources/usage: records returned vs used. For a
 * region (default: the caller's scope or everything), the records each
 * source has stored for its entities, per metric, and how many of them are
 * "used": records of metrics that some cockpit panel (dashboards.json) or
 * enabled rule reads, found by reading those declarations, never from a
 * list. The seed's "27M records returned so far, 20M+ used" for the park. */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "core/msg.h"
#include "rollup/readers.h"
#include "store/store_alerts.h"
#include "store/store_usage.h"

#define USAGE_READERS_SHOWN 16

/* A source of the store, with its counts. */
struct usage_src {
  int64_t id;
  char *key, *name_zh, *name_en;
  int64_t received; /* the ingest counter (new or replacing records) */
  int64_t records, used;
  json_t *metrics; /* [{metric, records, used}] */
};

struct usage {
  struct registry *reg;
  json_t *readers; /* metric key -> [reader, ...] */
  json_t *types;   /* entity type -> [reader, ...] (every metric of the type) */
  struct usage_src *src;
  size_t nsrc, cap;
  int64_t records, used;
  int rc;
};

static void add_reader(json_t *map, const char *key, const char *reader) {
  json_t *list = json_object_get(map, key);
  if (!list) {
    list = json_array();
    json_object_set_new(map, key, list);
  }
  for (size_t i = 0; i < json_array_size(list); i++)
    if (strcmp(json_string_value(json_array_get(list, i)), reader) == 0) return;
  json_array_append_new(list, json_string(reader));
}

static void on_reader(void *ud, const char *metric, const char *type, const char *reader) {
  struct usage *u = ud;
  if (metric)
    add_reader(u->readers, metric, reader);
  else
    add_reader(u->types, type, reader);
}

static int on_rule(void *ud, const struct store_rule *r) {
  struct usage *u = ud;
  if (!r->enabled) return 0;
  json_t *def = json_loads(r->def_json ? r->def_json : "{}", 0, NULL);
  const char *metric = json_string_value(json_object_get(def, "metric"));
  if (metric) {
    char reader[128];
    snprintf(reader, sizeof reader, "rule:%s", r->key);
    add_reader(u->readers, metric, reader);
  }
  json_decref(def);
  return 0;
}

static int keep_text(void *ud, const char *json) {
  *(char **)ud = zz_strdup(json);
  return 0;
}

/* The stored document key parsed, or NULL when there is none. */
static json_t *load_doc(struct app *app, const char *key, int *rc) {
  char *text = NULL;
  *rc = store_doc_get(app->st, key, keep_text, &text);
  if (*rc == ZZ_ENOTFOUND) *rc = 0;
  json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
  zz_free(text);
  return doc;
}

static int on_source(void *ud, const struct store_source *s) {
  struct usage *u = ud;
  if (u->nsrc == u->cap) {
    size_t cap = u->cap ? u->cap * 2 : 32;
    struct usage_src *p = zz_realloc(u->src, cap * sizeof *p);
    if (!p) return u->rc = ZZ_ENOMEM;
    u->src = p;
    u->cap = cap;
  }
  struct usage_src *x = &u->src[u->nsrc++];
  *x = (struct usage_src){.id = s->id,
                          .key = zz_strdup(s->key),
                          .name_zh = zz_strdup(s->name_zh ? s->name_zh : s->key),
                          .name_en = zz_strdup(s->name_en ? s->name_en : s->key),
                          .received = s->records,
                          .metrics = json_array()};
  if (!x->key || !x->name_zh || !x->name_en) return u->rc = ZZ_ENOMEM;
  return 0;
}

/* Is metric m read by a panel or a rule? (registry locked) */
static int is_used(struct usage *u, const struct reg_metric *m) {
  return json_object_get(u->readers, m->key) || json_object_get(u->types, m->entity_type);
}

static int on_count(void *ud, int64_t source, int64_t metric, int64_t n) {
  struct usage *u = ud;
  const struct reg_metric *m = registry_metric_by_id(u->reg, metric);
  struct usage_src *x = NULL;
  for (size_t i = 0; i < u->nsrc && !x; i++)
    if (u->src[i].id == source) x = &u->src[i];
  if (!x) {
    /* series written without a source (an admin's import) */
    struct store_source none = {
        .id = source, .key = "", .name_zh = "（无来源）", .name_en = "(no source)"};
    if (on_source(u, &none)) return 1;
    x = &u->src[u->nsrc - 1];
  }
  int used = m && is_used(u, m);
  x->records += n;
  u->records += n;
  if (used) {
    x->used += n;
    u->used += n;
  }
  json_array_append_new(x->metrics, json_pack("{s:s, s:I, s:b}", "metric", m ? m->key : "",
                                              "records", (json_int_t)n, "used", used));
  return 0;
}

static void write_share(struct zz_json *j, int64_t used, int64_t records) {
  zz_json_knum(j, "used_share", records ? (double)used / (double)records : NAN);
}

static void write_answer(struct zz_json *j, struct usage *u, const struct api_region *rg) {
  zz_json_obj(j);
  zz_json_kstr(j, "region", rg->path);
  zz_json_kint(j, "records", u->records);
  zz_json_kint(j, "used", u->used);
  write_share(j, u->used, u->records);
  zz_json_karr(j, "sources");
  for (size_t i = 0; i < u->nsrc; i++) {
    struct usage_src *x = &u->src[i];
    zz_json_obj(j);
    if (x->key[0])
      zz_json_kstr(j, "id", x->key);
    else
      zz_json_knull(j, "id");
    zz_json_kstr(j, "name_zh", x->name_zh);
    zz_json_kstr(j, "name_en", x->name_en);
    zz_json_kint(j, "received", x->received);
    zz_json_kint(j, "records", x->records);
    zz_json_kint(j, "used", x->used);
    write_share(j, x->used, x->records);
    zz_json_key(j, "metrics");
    zz_json_jansson(j, x->metrics);
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
  /* every metric some panel or rule reads, with who reads it */
  zz_json_karr(j, "read");
  int n = registry_metric_count(u->reg);
  for (int i = 0; i < n; i++) {
    const struct reg_metric *m = registry_metric_at(u->reg, i);
    if (!is_used(u, m)) continue;
    json_t *all = json_array();
    json_array_extend(all, json_object_get(u->readers, m->key));
    json_array_extend(all, json_object_get(u->types, m->entity_type));
    zz_json_obj(j);
    zz_json_kstr(j, "metric", m->key);
    zz_json_kstr(j, "name_zh", m->name_zh);
    zz_json_kstr(j, "name_en", m->name_en);
    zz_json_kint(j, "readers_total", (int64_t)json_array_size(all));
    zz_json_karr(j, "readers");
    for (size_t k = 0; k < json_array_size(all) && k < USAGE_READERS_SHOWN; k++)
      zz_json_str(j, json_string_value(json_array_get(all, k)));
    zz_json_arr_end(j);
    zz_json_obj_end(j);
    json_decref(all);
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
}

static int h_usage(struct http_req *r) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  struct api_region rg;
  if (authz_source(a, AUTHZ_READ)) return authz_deny(r, "", "the sources", "数据来源");
  if (api_region(r, "region", 0, &rg)) return 0;
  struct usage u = {.reg = app->reg, .readers = json_object(), .types = json_object()};
  int rc = 0, rc2 = 0;
  json_t *dash = load_doc(app, "dashboards", &rc);
  json_t *stat = load_doc(app, "statuses", &rc2);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  if (rc || rc2) {
    http_fail(r, rc ? rc : rc2, "", "cannot read the dashboards");
    goto done;
  }
  readers_each(dash, stat, on_reader, &u);
  if ((rc = store_rules_each(app->st, on_rule, &u))) {
    http_fail(r, rc, "", "cannot read the rules");
    goto done;
  }
  if ((rc = store_sources_each(app->st, on_source, &u)) || (rc = u.rc)) {
    http_fail(r, rc, "", "cannot read sources");
    goto done;
  }
  registry_rdlock(app->reg);
  rc = store_usage_each(app->st, rg.lo, rg.hi, on_count, &u);
  if (!rc) rc = u.rc;
  if (!rc) {
    zz_json_init(&j, &b);
    write_answer(&j, &u, &rg);
  }
  registry_unlock(app->reg);
  if (rc) {
    http_fail(r, rc, "", "cannot count the records of the sources");
    goto done;
  }
  api_reply_json(r, 200, &j);
done:
  zz_buf_free(&b);
  json_decref(dash);
  json_decref(stat);
  json_decref(u.readers);
  json_decref(u.types);
  for (size_t i = 0; i < u.nsrc; i++) {
    zz_free(u.src[i].key);
    zz_free(u.src[i].name_zh);
    zz_free(u.src[i].name_en);
    json_decref(u.src[i].metrics);
  }
  zz_free(u.src);
  return 0;
}

const struct http_route api_usage_routes[] = {
    {"GET", "/api/v1/sources/usage", h_usage, NULL, HTTP_AUTH_USER, 0, 0},
};
const size_t api_usage_nroutes = ZZ_ARRAY_LEN(api_usage_routes);
