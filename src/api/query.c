/* query.c - the query endpoints: GET /api/v1/series, /breakdown, /top,
 * /latest and /api/v1/entities/:id/portrait. Each handler resolves its
 * parameters with the api_* helpers (which reply 4xx themselves), asks the
 * engine in src/rollup/query.h, and writes the JSON answer of docs/api.md. */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "core/msg.h"
#include "rollup/query.h"
#include "store/store_records.h"
#include "store/store_registry.h"

/* ---- output (core/json.h: the buffer keeps the first failure) ---- */

/* The answer under construction. */
struct out {
  struct zz_buf b;
  struct zz_json j;
};

static void o_init(struct out *o) {
  zz_buf_init(&o->b, 0);
  zz_json_init(&o->j, &o->b);
}

/* Replies to an engine failure: its zz_err when it filled one, else a
 * generic store error. */
static int reply_engine(struct http_req *r, int rc, const struct zz_err *e) {
  if (e && e->code) return http_reply_err(r, e);
  return http_fail(r, rc, "store", "the query failed: %s%.0s", zz_strerror(rc), zz_strerror_zh(rc));
}

/* The "region" member (and "cut" when the scope rule cut it). */
static void o_region(struct zz_json *j, const struct api_region *rg) {
  zz_json_kstr(j, "region", rg->path);
  if (rg->cut) zz_json_kbool(j, "cut", 1);
}

static void o_points(struct zz_json *j, const char *key, const struct rollup_points *p) {
  zz_json_karr(j, key);
  for (size_t i = 0; i < p->n; i++) {
    zz_json_obj(j);
    zz_json_ktime(j, "t", p->t[i]);
    zz_json_knum(j, "v", p->v[i]);
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
}

/* ---- shared parameters ---- */

/* agg parameter, defaulting to the metric's aggregation. */
static int param_agg(struct http_req *r, const struct api_metric *m, enum rollup_agg *out) {
  const char *v = http_query(r, "agg");
  if (v && *v) {
    if (rollup_agg_parse(v, out) == 0) return 0;
    return http_fail(r, ZZ_EINVAL, "agg",
                     "agg \"%s\" is not one of sum, avg, min, max, count, last", v);
  }
  if (rollup_agg_parse(m->agg, out) != 0) *out = ROLLUP_SUM; /* the pack validated it */
  return 0;
}

/* Default grain: about 24 to 400 points, never a grain whose rows are gone
 * for the start of the range. */
static enum zz_grain auto_grain(int64_t from, int64_t to, int64_t now) {
  int64_t span = to - from, lim[5];
  rollup_retained(now, lim);
  if (span <= 6 * ZZ_HOUR_MS && from >= lim[ZZ_GRAIN_MINUTE]) return ZZ_GRAIN_MINUTE;
  if (span <= 14 * ZZ_DAY_MS && from >= lim[ZZ_GRAIN_HOUR]) return ZZ_GRAIN_HOUR;
  if (span <= 400 * ZZ_DAY_MS) return ZZ_GRAIN_DAY;
  return ZZ_GRAIN_MONTH;
}

/* Optional entity_type parameter: a name like the registry's, else 400. */
static int param_type(struct http_req *r, const char *dflt, const char **out) {
  const char *v = http_query(r, "entity_type");
  *out = dflt && *dflt ? dflt : NULL;
  if (!v || !*v) return 0;
  size_t n = strlen(v);
  if (n > 63 || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
    return http_fail(r, ZZ_EINVAL, "entity_type", "entity_type \"%.64s\" is not a valid type id",
                     v);
  *out = v;
  return 0;
}

/* Metric id -> key for the answers that list several metrics. */
struct metric_names {
  size_t n;
  struct metric_name {
    int64_t id;
    char key[64];
    char agg[16];
  } * m;
};

static int metric_names_load(struct app *app, struct metric_names *out) {
  registry_rdlock(app->reg);
  int n = registry_metric_count(app->reg);
  out->n = 0;
  out->m = zz_malloc((n > 0 ? (size_t)n : 1) * sizeof *out->m);
  if (out->m) {
    for (int i = 0; i < n; i++) {
      const struct reg_metric *m = registry_metric_at(app->reg, i);
      if (!m) continue;
      struct metric_name *x = &out->m[out->n++];
      x->id = m->id;
      zz_strlcpy(x->key, m->key, sizeof x->key);
      zz_strlcpy(x->agg, m->agg ? m->agg : "sum", sizeof x->agg);
    }
  }
  registry_unlock(app->reg);
  return out->m ? 0 : ZZ_ENOMEM;
}

static const struct metric_name *metric_name(const struct metric_names *mn, int64_t id) {
  for (size_t i = 0; i < mn->n; i++)
    if (mn->m[i].id == id) return &mn->m[i];
  return NULL;
}

/* ---- GET /api/v1/series ---- */

static int get_series(struct http_req *r) {
  struct app *app = http_app(r);
  struct api_metric m;
  struct api_region rg;
  int64_t from, to;
  enum rollup_agg agg;
  enum zz_grain grain;
  enum rollup_compare cmp = ROLLUP_CMP_NONE;
  if (api_metric(r, "metric", &m) || api_region(r, "region", 0, &rg) ||
      api_range(r, ZZ_DAY_MS, &from, &to) || param_agg(r, &m, &agg))
    return 0;
  int64_t now = zz_time_now();
  const char *gs = http_query(r, "grain");
  if (gs && *gs) {
    if (zz_grain_parse(gs, &grain))
      return http_fail(r, ZZ_EINVAL, "grain", "grain \"%s\" is not one of minute, hour, day, month",
                       gs);
  } else {
    grain = auto_grain(from, to, now);
  }
  const char *cs = http_query(r, "compare");
  if (cs && *cs && rollup_compare_parse(cs, &cmp))
    return http_fail(r, ZZ_EINVAL, "compare", "compare \"%s\" is not yoy or mom", cs);

  struct rollup_points pts = {0}, prev = {0};
  struct store_agg tot, ptot;
  int64_t tf, tt, pf = 0, pt = 0, pcf = 0, pct = 0;
  struct zz_err e = {0};
  int rc =
      rollup_series(app->st, m.id, rg.id, grain, from, to, agg, now, ROLLUP_POINTS_MAX, &pts, &e);
  struct rollup_node node = {rg.id, rg.lo, rg.hi};
  if (!rc) rc = rollup_total(app->st, m.id, &node, from, to, now, &tot, &tf, &tt, &e);
  if (!rc && cmp) {
    rollup_compare_shift(cmp, from, to, &pf, &pt);
    /* A shifted month may be a few days longer (Apr 30 - May 2 -> Mar 30 - Apr 2):
     * allow the previous grid some room rather than fail a valid request. */
    rc = rollup_series(app->st, m.id, rg.id, grain, pf, pt, agg, now, 2 * ROLLUP_POINTS_MAX, &prev,
                       &e);
    if (!rc) rc = rollup_total(app->st, m.id, &node, pf, pt, now, &ptot, &pcf, &pct, &e);
  }
  if (rc) {
    rollup_points_free(&pts);
    rollup_points_free(&prev);
    return reply_engine(r, rc, &e);
  }

  struct out o;
  o_init(&o);
  struct zz_json *j = &o.j;
  zz_json_obj(j);
  zz_json_kstr(j, "metric", m.key);
  o_region(j, &rg);
  zz_json_kstr(j, "grain", zz_grain_name(grain));
  zz_json_kstr(j, "agg", rollup_agg_name(agg));
  zz_json_ktime(j, "from", pts.from);
  zz_json_ktime(j, "to", pts.to);
  o_points(j, "points", &pts);
  double total = rollup_agg_value(&tot, agg);
  zz_json_knum(j, "total", total);
  zz_json_ktime(j, "total_from", tf);
  zz_json_ktime(j, "total_to", tt);
  if (cmp) {
    double ptotal = rollup_agg_value(&ptot, agg);
    zz_json_kstr(j, "compare", cmp == ROLLUP_CMP_YOY ? "yoy" : "mom");
    o_points(j, "previous", &prev);
    zz_json_knum(j, "previous_total", ptotal);
    zz_json_ktime(j, "previous_from", pcf);
    zz_json_ktime(j, "previous_to", pct);
    zz_json_knum(j, "change", rollup_change(total, ptotal));
  }
  zz_json_obj_end(j);
  rollup_points_free(&pts);
  rollup_points_free(&prev);
  return api_reply_json(r, 200, &o.j);
}

/* ---- GET /api/v1/breakdown ---- */

struct child {
  struct rollup_node node;
  char path[256], name_zh[128], name_en[128];
  double v;
};

static int child_cmp(const void *a, const void *b) {
  const struct child *x = a, *y = b;
  int xn = isnan(x->v), yn = isnan(y->v);
  if (xn != yn) return xn ? 1 : -1;
  if (!xn && x->v != y->v) return x->v > y->v ? -1 : 1;
  return strcmp(x->path, y->path);
}

static int breakdown_children(struct http_req *r, const struct api_metric *m,
                              const struct api_region *rg, int64_t from, int64_t to,
                              enum rollup_agg agg) {
  struct app *app = http_app(r);
  struct child *ch = NULL;
  struct rollup_node *nodes = NULL;
  struct store_agg *aggs = NULL;
  size_t n = 0;
  registry_rdlock(app->reg);
  const struct reg_region *node = registry_region_by_id(app->reg, rg->id);
  if (node && node->nchildren > 0) {
    ch = zz_calloc((size_t)node->nchildren, sizeof *ch);
    if (ch) {
      for (int i = 0; i < node->nchildren; i++) {
        const struct reg_region *c = registry_region_at(app->reg, node->children[i]);
        if (!c) continue;
        ch[n].node = (struct rollup_node){c->id, c->lo, c->hi};
        zz_strlcpy(ch[n].path, c->path, sizeof ch[n].path);
        zz_strlcpy(ch[n].name_zh, c->name_zh ? c->name_zh : "", sizeof ch[n].name_zh);
        zz_strlcpy(ch[n].name_en, c->name_en ? c->name_en : "", sizeof ch[n].name_en);
        n++;
      }
    }
  }
  int nomem = node && node->nchildren > 0 && !ch;
  registry_unlock(app->reg);
  if (nomem) return http_fail(r, ZZ_ENOMEM, "", "out of memory");

  nodes = zz_malloc((n ? n : 1) * sizeof *nodes);
  aggs = zz_malloc((n ? n : 1) * sizeof *aggs);
  int64_t cf = from, ct = to;
  struct zz_err e = {0};
  int rc = nodes && aggs ? 0 : zz_fail(&e, ZZ_ENOMEM, "", "out of memory");
  for (size_t i = 0; !rc && i < n; i++) nodes[i] = ch[i].node;
  if (!rc)
    rc = rollup_totals(app->st, m->id, nodes, n, from, to, zz_time_now(), 0, aggs, &cf, &ct, &e);
  if (rc) {
    zz_free(ch);
    zz_free(nodes);
    zz_free(aggs);
    return reply_engine(r, rc, &e);
  }
  for (size_t i = 0; i < n; i++) ch[i].v = rollup_agg_value(&aggs[i], agg);
  if (n) qsort(ch, n, sizeof *ch, child_cmp);

  struct out o;
  o_init(&o);
  struct zz_json *j = &o.j;
  zz_json_obj(j);
  zz_json_kstr(j, "metric", m->key);
  o_region(j, rg);
  zz_json_kstr(j, "by", "children");
  zz_json_kstr(j, "agg", rollup_agg_name(agg));
  zz_json_ktime(j, "from", cf);
  zz_json_ktime(j, "to", ct);
  zz_json_karr(j, "items");
  for (size_t i = 0; i < n; i++) {
    zz_json_obj(j);
    zz_json_kstr(j, "key", ch[i].path);
    zz_json_kstr(j, "name_zh", ch[i].name_zh);
    zz_json_kstr(j, "name_en", ch[i].name_en);
    zz_json_knum(j, "v", ch[i].v);
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  zz_free(ch);
  zz_free(nodes);
  zz_free(aggs);
  return api_reply_json(r, 200, &o.j);
}

static int breakdown_attr(struct http_req *r, const struct api_metric *m,
                          const struct api_region *rg, const char *attr, int64_t from, int64_t to,
                          enum rollup_agg agg) {
  struct app *app = http_app(r);
  const char *type = m->entity_type[0] ? m->entity_type : NULL;
  if (api_check_attr(r, type, attr, "by")) return 0;
  struct rollup_group *g = NULL;
  size_t ng = 0;
  struct rollup_ents ents;
  int rc = rollup_breakdown_attr(app->st, m->id, rg->lo, rg->hi, type, attr, from, to, agg, &g, &ng,
                                 &ents);
  if (rc) return reply_engine(r, rc, NULL);
  int64_t d0, d1;
  rollup_whole_days(from, to, &d0, &d1);

  struct out o;
  o_init(&o);
  struct zz_json *j = &o.j;
  zz_json_obj(j);
  zz_json_kstr(j, "metric", m->key);
  o_region(j, rg);
  zz_json_kstr(j, "by", attr);
  zz_json_kstr(j, "agg", rollup_agg_name(agg));
  zz_json_ktime(j, "from", d0);
  zz_json_ktime(j, "to", d1);
  zz_json_karr(j, "items");
  for (size_t i = 0; i < ng; i++) {
    const char *key = rollup_ents_str(&ents, g[i].key);
    zz_json_obj(j);
    zz_json_kstr(j, "key", key);
    zz_json_kstr(j, "name_zh", *key ? key : "未知");
    zz_json_kstr(j, "name_en", *key ? key : "unknown");
    zz_json_knum(j, "v", g[i].v);
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  zz_free(g);
  rollup_ents_free(&ents);
  return api_reply_json(r, 200, &o.j);
}

static int get_breakdown(struct http_req *r) {
  struct api_metric m;
  struct api_region rg;
  int64_t from, to;
  enum rollup_agg agg;
  if (api_metric(r, "metric", &m) || api_region(r, "region", 0, &rg) ||
      api_range(r, ZZ_DAY_MS, &from, &to) || param_agg(r, &m, &agg))
    return 0;
  if (!rollup_range_ok(from, to))
    return http_fail(
        r, ZZ_EINVAL, "from",
        "from must be before to, both between the years 1 and 9999, at most 1000 years apart");
  const char *by = http_query(r, "by");
  if (!by || !*by || strcmp(by, "children") == 0)
    return breakdown_children(r, &m, &rg, from, to, agg);
  return breakdown_attr(r, &m, &rg, by, from, to, agg);
}

/* ---- GET /api/v1/top ---- */

static int get_top(struct http_req *r) {
  struct app *app = http_app(r);
  struct api_metric m;
  struct api_region rg;
  int64_t from, to, n;
  enum rollup_agg agg;
  const char *type;
  if (api_metric(r, "metric", &m) || api_region(r, "region", 0, &rg) ||
      api_range(r, ZZ_DAY_MS, &from, &to) || param_agg(r, &m, &agg) ||
      api_int(r, "n", 10, 1, 1000, &n) || param_type(r, m.entity_type, &type))
    return 0;
  if (!rollup_range_ok(from, to))
    return http_fail(
        r, ZZ_EINVAL, "from",
        "from must be before to, both between the years 1 and 9999, at most 1000 years apart");
  struct rollup_item *items = NULL;
  size_t k = 0;
  struct rollup_ents ents;
  int rc =
      rollup_top(app->st, m.id, rg.lo, rg.hi, type, from, to, agg, (size_t)n, &items, &k, &ents);
  if (rc) return reply_engine(r, rc, NULL);
  int64_t d0, d1;
  rollup_whole_days(from, to, &d0, &d1);

  struct out o;
  o_init(&o);
  struct zz_json *j = &o.j;
  zz_json_obj(j);
  zz_json_kstr(j, "metric", m.key);
  o_region(j, &rg);
  zz_json_kstr(j, "agg", rollup_agg_name(agg));
  zz_json_ktime(j, "from", d0);
  zz_json_ktime(j, "to", d1);
  zz_json_karr(j, "items");
  for (size_t i = 0; i < k; i++) {
    const struct rollup_ent *x = rollup_ents_find(&ents, items[i].entity);
    zz_json_obj(j);
    zz_json_kstr(j, "entity", x ? rollup_ents_str(&ents, x->key) : "");
    zz_json_kstr(j, "name_zh", x ? rollup_ents_str(&ents, x->name_zh) : "");
    zz_json_kstr(j, "name_en", x ? rollup_ents_str(&ents, x->name_en) : "");
    zz_json_knum(j, "v", items[i].v);
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  zz_free(items);
  rollup_ents_free(&ents);
  return api_reply_json(r, 200, &o.j);
}

/* ---- GET /api/v1/latest ---- */

static int get_latest(struct http_req *r) {
  struct app *app = http_app(r);
  struct api_metric m = {0};
  struct api_region rg;
  int64_t limit;
  const char *type;
  const char *mp = http_query(r, "metric");
  if ((mp && *mp && api_metric(r, "metric", &m)) || api_region(r, "region", 0, &rg) ||
      api_int(r, "limit", 1000, 1, 10000, &limit) || param_type(r, NULL, &type))
    return 0;
  struct metric_names mn = {0};
  struct rollup_latest *rows = NULL;
  size_t n = 0;
  int more = 0;
  struct rollup_ents ents;
  int rc = metric_names_load(app, &mn);
  if (rc) return http_fail(r, rc, "", "out of memory");
  rc = rollup_latest(app->st, m.id, 0, rg.lo, rg.hi, type, (size_t)limit, &rows, &n, &more, &ents);
  if (rc) {
    zz_free(mn.m);
    return reply_engine(r, rc, NULL);
  }

  struct out o;
  o_init(&o);
  struct zz_json *j = &o.j;
  zz_json_obj(j);
  o_region(j, &rg);
  zz_json_karr(j, "items");
  for (size_t i = 0; i < n; i++) {
    const struct rollup_ent *x = rollup_ents_find(&ents, rows[i].entity);
    const struct metric_name *mk = metric_name(&mn, rows[i].metric);
    zz_json_obj(j);
    zz_json_kstr(j, "entity", x ? rollup_ents_str(&ents, x->key) : "");
    zz_json_kstr(j, "name_zh", x ? rollup_ents_str(&ents, x->name_zh) : "");
    zz_json_kstr(j, "name_en", x ? rollup_ents_str(&ents, x->name_en) : "");
    zz_json_kstr(j, "metric", mk ? mk->key : NULL);
    zz_json_ktime(j, "t", rows[i].ts);
    zz_json_knum(j, "v", rows[i].v);
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
  if (more) zz_json_kbool(j, "truncated", 1);
  zz_json_obj_end(j);
  zz_free(rows);
  zz_free(mn.m);
  rollup_ents_free(&ents);
  return api_reply_json(r, 200, &o.j);
}

/* ---- GET /api/v1/entities/:id/portrait ---- */

/* History in a portrait, the current bucket included: 30 local days, or
 * with grain=month 12 local months (monthly figures such as tax). */
#define PORTRAIT_DAYS 30
#define PORTRAIT_MONTHS 12
#define PORTRAIT_DAYS_MAX 400

struct portrait_ctx {
  struct http_req *r;
  struct app *app;
  struct out *o;
  int64_t id, region;
};

/* Writes the entity as GET /api/v1/entities/ID does. */
static int portrait_entity(void *ud, const struct store_entity *en) {
  struct portrait_ctx *c = ud;
  c->id = en->id;
  c->region = en->region;
  registry_rdlock(c->app->reg);
  api_entity_json(&c->o->j, c->r, en);
  registry_unlock(c->app->reg);
  return 1;
}

static int get_portrait(struct http_req *r) {
  struct app *app = http_app(r);
  const char *key = http_param(r, "id");
  if (!key || !*key) return http_fail(r, ZZ_EINVAL, "id", "an entity id is required");
  const char *gs = http_query(r, "grain");
  int monthly = gs && strcmp(gs, "month") == 0;
  if (gs && !monthly && strcmp(gs, "day") != 0)
    return http_fail(r, ZZ_EINVAL, "grain", "grain must be day or month");
  /* days: a longer daily history (a site's whole excavation), up to the
   * day grain's reach */
  const char *ds = http_query(r, "days");
  int64_t ndays = PORTRAIT_DAYS;
  if (ds && (monthly || zz_parse_i64(ds, &ndays) || ndays < 1 || ndays > PORTRAIT_DAYS_MAX))
    return http_fail(r, ZZ_EINVAL, "days",
                     "days must be a whole number from 1 to %d, with the day grain",
                     PORTRAIT_DAYS_MAX);
  struct out o;
  o_init(&o);
  struct zz_json *j = &o.j;
  zz_json_obj(j);
  zz_json_key(j, "entity");
  struct portrait_ctx c = {r, app, &o, 0, 0};
  int rc = store_entity_get(app->st, key, portrait_entity, &c);
  if (rc == ZZ_ENOTFOUND || (!rc && !c.id)) {
    zz_buf_free(&o.b);
    return http_fail(r, ZZ_ENOTFOUND, "id", "entity \"%s\" does not exist", key);
  }
  if (rc) {
    zz_buf_free(&o.b);
    return http_fail(r, rc, "store", "cannot read entity \"%s\": %s%.0s", key, zz_strerror(rc),
                     zz_strerror_zh(rc));
  }
  if (authz_entity(app, http_auth(r), c.region, AUTHZ_READ)) {
    zz_buf_free(&o.b);
    return authz_deny(r, "id", "this entity", "此对象");
  }
  struct metric_names mn = {0};
  struct rollup_latest *rows = NULL;
  size_t n = 0;
  int more = 0;
  if ((rc = metric_names_load(app, &mn)) ||
      (rc = rollup_latest(app->st, 0, c.id, 0, 0, NULL, 10000, &rows, &n, &more, NULL))) {
    zz_free(mn.m);
    zz_buf_free(&o.b);
    return reply_engine(r, rc, NULL);
  }
  zz_json_karr(j, "latest");
  for (size_t i = 0; i < n; i++) {
    const struct metric_name *mk = metric_name(&mn, rows[i].metric);
    zz_json_obj(j);
    zz_json_kstr(j, "metric", mk ? mk->key : NULL);
    zz_json_ktime(j, "t", rows[i].ts);
    zz_json_knum(j, "v", rows[i].v);
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
  zz_json_karr(j, "series");
  int64_t now = zz_time_now();
  enum zz_grain grain = monthly ? ZZ_GRAIN_MONTH : ZZ_GRAIN_DAY;
  int npoints = monthly ? PORTRAIT_MONTHS : (int)ndays;
  int64_t to = zz_bucket_next(zz_bucket_start(now, grain), grain); /* end of this day or month */
  int64_t from = monthly ? zz_time_add_months(to, -PORTRAIT_MONTHS) : to - ndays * ZZ_DAY_MS;
  struct zz_err e = {0};
  for (size_t i = 0; !rc && i < n; i++) {
    const struct metric_name *mk = metric_name(&mn, rows[i].metric);
    enum rollup_agg agg = ROLLUP_SUM;
    if (mk) rollup_agg_parse(mk->agg, &agg);
    struct rollup_points p;
    rc = rollup_entity_series(app->st, c.id, rows[i].metric, grain, from, to, agg, npoints, &p, &e);
    if (rc) break;
    zz_json_obj(j);
    zz_json_kstr(j, "metric", mk ? mk->key : NULL);
    zz_json_kstr(j, "grain", monthly ? "month" : "day");
    zz_json_kstr(j, "agg", rollup_agg_name(agg));
    o_points(j, "points", &p);
    zz_json_obj_end(j);
    rollup_points_free(&p);
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  zz_free(rows);
  zz_free(mn.m);
  if (rc) {
    zz_buf_free(&o.b);
    return reply_engine(r, rc, &e);
  }
  return api_reply_json(r, 200, &o.j);
}

const struct http_route api_query_routes[] = {
    {"GET", "/api/v1/series", get_series, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/breakdown", get_breakdown, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/top", get_top, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/latest", get_latest, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/entities/:id/portrait", get_portrait, NULL, HTTP_AUTH_USER, 0, 0},
};
const size_t api_query_nroutes = ZZ_ARRAY_LEN(api_query_routes);
