/* statuses.c - GET /api/v1/statuses and /api/v1/statuses/:id: the states
 * derived from each entity's latest record as the pack's statuses.json
 * declares them (rollup/statuses.h), e.g. the duty status of enforcement
 * teams and grid members from their check-ins: counts per state (and per
 * group of an attribute) and the list, for a region in the caller's scope.
 * Entities that never reported take the last (default) state. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/msg.h"
#include "rollup/statuses.h"

#define STATUS_ENTITIES_MAX 20000
#define STATUS_GROUPS_MAX 64
#define STATUS_PAGE 1000

struct st_ent {
  int64_t id;
  char *key, *name_zh, *name_en, *group;
  double lon, lat;
  int has;
  int64_t ts;
  double value;
  int state;
};

struct st_ctx {
  const char *by;
  struct st_ent *ents;
  size_t n, cap;
  int64_t last_id;
  int rows, rc;
};

static int keep_text(void *ud, const char *json) {
  *(char **)ud = zz_strdup(json);
  return 0;
}

/* The statuses document, or NULL (rc 0 when there is none). */
static json_t *load_statuses(struct app *app, int *rc) {
  char *text = NULL;
  *rc = store_doc_get(app->st, "statuses", keep_text, &text);
  if (*rc == ZZ_ENOTFOUND) *rc = 0;
  json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
  zz_free(text);
  return doc;
}

static int h_list(struct http_req *r) {
  struct app *app = http_app(r);
  int rc;
  json_t *doc = load_statuses(app, &rc);
  if (rc) return http_fail(r, rc, "", "cannot read the statuses");
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_key(&j, "statuses");
  json_t *defs = json_object_get(doc, "statuses");
  if (defs)
    zz_json_jansson(&j, defs);
  else
    zz_json_text(&j, "[]", 2);
  zz_json_obj_end(&j);
  json_decref(doc);
  return api_reply_json(r, 200, &j);
}

static int on_entity(void *ud, const struct store_entity *en) {
  struct st_ctx *c = ud;
  c->rows++;
  c->last_id = en->id;
  if (c->n == STATUS_ENTITIES_MAX) return c->rc = ZZ_ETOOBIG;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    struct st_ent *p = zz_realloc(c->ents, cap * sizeof *p);
    if (!p) return c->rc = ZZ_ENOMEM;
    c->ents = p;
    c->cap = cap;
  }
  char group[128] = "";
  if (c->by) {
    json_t *attrs = json_loads(en->attrs_json ? en->attrs_json : "{}", 0, NULL);
    json_t *v = json_object_get(attrs, c->by);
    if (json_is_string(v))
      zz_strlcpy(group, json_string_value(v), sizeof group);
    else if (json_is_number(v))
      snprintf(group, sizeof group, "%.15g", json_number_value(v));
    json_decref(attrs);
  }
  struct st_ent *x = &c->ents[c->n++];
  *x = (struct st_ent){.id = en->id,
                       .key = zz_strdup(en->key),
                       .name_zh = zz_strdup(en->name_zh ? en->name_zh : ""),
                       .name_en = zz_strdup(en->name_en ? en->name_en : ""),
                       .group = zz_strdup(group),
                       .lon = en->lon,
                       .lat = en->lat};
  if (!x->key || !x->name_zh || !x->name_en || !x->group) return c->rc = ZZ_ENOMEM;
  return 0;
}

static int ent_cmp(const void *a, const void *b) {
  const struct st_ent *x = a, *y = b;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int on_latest(void *ud, int64_t entity, int64_t metric, int64_t ts, double value) {
  struct st_ctx *c = ud;
  (void)metric;
  struct st_ent key = {.id = entity};
  struct st_ent *x = bsearch(&key, c->ents, c->n, sizeof *c->ents, ent_cmp);
  if (x && (!x->has || ts > x->ts)) {
    x->has = 1;
    x->ts = ts;
    x->value = value;
  }
  return 0;
}

/* Items: by state, then by entity id. */
static int item_cmp(const void *a, const void *b) {
  const struct st_ent *x = a, *y = b;
  if (x->state != y->state) return x->state - y->state;
  return ent_cmp(a, b);
}

struct st_group {
  const char *key;
  int64_t n, by_state[STATUS_STATES_MAX];
};

static void write_answer(struct zz_json *j, const struct status_def *d, const struct reg_metric *m,
                         const struct api_region *rg, int64_t now, struct st_ctx *c, size_t limit) {
  int64_t counts[STATUS_STATES_MAX] = {0};
  struct st_group groups[STATUS_GROUPS_MAX];
  int ngroups = 0, more_groups = 0;
  for (size_t i = 0; i < c->n; i++) {
    struct st_ent *x = &c->ents[i];
    x->state = status_eval(d, x->has, x->value, now - x->ts);
    counts[x->state]++;
    if (!c->by) continue;
    int g = 0;
    while (g < ngroups && strcmp(groups[g].key, x->group) != 0) g++;
    if (g == ngroups) {
      if (ngroups == STATUS_GROUPS_MAX) {
        more_groups = 1;
        continue;
      }
      groups[ngroups++] = (struct st_group){.key = x->group};
    }
    groups[g].n++;
    groups[g].by_state[x->state]++;
  }
  zz_json_obj(j);
  zz_json_kstr(j, "status", d->id);
  zz_json_kstr(j, "name_zh", d->name_zh);
  zz_json_kstr(j, "name_en", d->name_en);
  zz_json_kstr(j, "metric", d->metric);
  zz_json_kstr(j, "entity_type", m->entity_type);
  zz_json_kstr(j, "region", rg->path);
  zz_json_ktime(j, "as_of", now);
  zz_json_kint(j, "total", (int64_t)c->n);
  zz_json_karr(j, "states");
  for (int s = 0; s < d->nstates; s++) {
    const struct status_state *st = &d->states[s];
    zz_json_obj(j);
    zz_json_kstr(j, "id", st->id);
    zz_json_kstr(j, "name_zh", st->name_zh);
    zz_json_kstr(j, "name_en", st->name_en);
    if (st->color[0]) zz_json_kstr(j, "color", st->color);
    zz_json_kint(j, "n", counts[s]);
    if (st->nvalues) zz_json_kint(j, "within_minutes", st->within_ms / 60000);
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
  if (c->by) {
    zz_json_kstr(j, "by", c->by);
    zz_json_karr(j, "groups");
    for (int g = 0; g < ngroups; g++) {
      zz_json_obj(j);
      zz_json_kstr(j, "key", groups[g].key);
      zz_json_kint(j, "n", groups[g].n);
      zz_json_kobj(j, "states");
      for (int s = 0; s < d->nstates; s++) zz_json_kint(j, d->states[s].id, groups[g].by_state[s]);
      zz_json_obj_end(j);
      zz_json_obj_end(j);
    }
    zz_json_arr_end(j);
    if (more_groups) zz_json_kbool(j, "groups_cut", 1);
  }
  if (c->n) qsort(c->ents, c->n, sizeof *c->ents, item_cmp);
  zz_json_karr(j, "items");
  for (size_t i = 0; i < c->n && i < limit; i++) {
    const struct st_ent *x = &c->ents[i];
    zz_json_obj(j);
    zz_json_kstr(j, "entity", x->key);
    zz_json_kstr(j, "name_zh", x->name_zh);
    zz_json_kstr(j, "name_en", x->name_en);
    zz_json_kstr(j, "state", d->states[x->state].id);
    if (c->by) zz_json_kstr(j, "group", x->group);
    if (x->has) {
      zz_json_ktime(j, "last", x->ts);
      zz_json_knum(j, "value", x->value);
      const struct reg_state *vs = reg_metric_state(m, x->value);
      if (vs) {
        zz_json_kstr(j, "value_name_zh", vs->name_zh);
        zz_json_kstr(j, "value_name_en", vs->name_en);
      }
    } else {
      zz_json_knull(j, "last");
      zz_json_knull(j, "value");
    }
    zz_json_knum(j, "lon", x->lon);
    zz_json_knum(j, "lat", x->lat);
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
}

static int h_status(struct http_req *r) {
  struct app *app = http_app(r);
  const char *id = http_param(r, "id");
  struct api_region rg;
  int64_t limit = 0;
  struct status_def d;
  if (api_region(r, "region", 0, &rg)) return 0;
  if (api_int(r, "limit", 500, 0, 1000, &limit)) return 0;
  int rc;
  json_t *doc = load_statuses(app, &rc);
  if (rc) return http_fail(r, rc, "", "cannot read the statuses");
  rc = doc ? status_find(doc, id, &d) : ZZ_ENOTFOUND;
  json_decref(doc);
  if (rc)
    return http_fail(r, ZZ_ENOTFOUND, "id",
                     "status \"%s\" is not declared (a pack's statuses.json declares them)", id);
  struct st_ctx c = {.by = http_query(r, "by")};
  registry_rdlock(app->reg);
  const struct reg_metric *m0 = registry_metric(app->reg, d.metric, strlen(d.metric));
  int64_t metric_id = m0 ? m0->id : 0;
  char type[64] = "";
  if (m0) zz_strlcpy(type, m0->entity_type, sizeof type);
  registry_unlock(app->reg);
  if (!metric_id)
    return http_fail(r, ZZ_ENOTFOUND, "id",
                     "status \"%s\" reads metric \"%s\", which does not exist", id, d.metric);
  if (c.by && api_check_attr(r, type, c.by, "by")) return 0;
  struct store_entity_filter f = {
      .type = type, .rpos_lo = rg.lo, .rpos_hi = rg.hi, .limit = STATUS_PAGE};
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  do {
    f.after_id = c.last_id;
    c.rows = 0;
    rc = store_entities_each(app->st, &f, on_entity, &c);
  } while (!rc && !c.rc && c.rows == STATUS_PAGE);
  if (!rc) rc = c.rc;
  if (!rc) {
    if (c.n) qsort(c.ents, c.n, sizeof *c.ents, ent_cmp);
    rc = store_latest_each(app->st, metric_id, 0, rg.lo, rg.hi, type, on_latest, &c);
  }
  if (rc) {
    http_fail(r, rc, "",
              rc == ZZ_ETOOBIG ? "more than 20000 entities: ask for a smaller region"
                               : "cannot read the entities and their check-ins");
    goto done;
  }
  registry_rdlock(app->reg);
  const struct reg_metric *m = registry_metric(app->reg, d.metric, strlen(d.metric));
  zz_json_init(&j, &b);
  if (m) write_answer(&j, &d, m, &rg, zz_time_now(), &c, (size_t)limit);
  registry_unlock(app->reg);
  if (!m) {
    http_fail(r, ZZ_ENOTFOUND, "id", "status \"%s\" reads metric \"%s\", which does not exist", id,
              d.metric);
    goto done;
  }
  api_reply_json(r, 200, &j);
done:
  zz_buf_free(&b);
  for (size_t i = 0; i < c.n; i++) {
    zz_free(c.ents[i].key);
    zz_free(c.ents[i].name_zh);
    zz_free(c.ents[i].name_en);
    zz_free(c.ents[i].group);
  }
  zz_free(c.ents);
  return 0;
}

const struct http_route api_statuses_routes[] = {
    {"GET", "/api/v1/statuses", h_list, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/statuses/:id", h_status, NULL, HTTP_AUTH_USER, 0, 0},
};
const size_t api_statuses_nroutes = ZZ_ARRAY_LEN(api_statuses_routes);
