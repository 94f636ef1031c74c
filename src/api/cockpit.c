/* cockpit.c - what the cockpit pages need beyond the metric queries:
 * GET /api/v1/dashboards (the pack's perspectives, layouts and panels, cut
 * to the caller's scope) and GET /api/v1/summary (entity counts, sums and
 * recent arrivals from entity attributes: enterprises by "6+2" industry,
 * employees, newly registered). Summaries are cached per answer text while
 * the registry stays unchanged, since entities change far less often than
 * pages ask. GET /api/v1/cockpit/orders is the dispatch board (统一派单) of a
 * street or block: orders today, in hand, overdue, on-time and satisfaction
 * rates over 30 days, by department. */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "api/api.h"
#include "core/msg.h"
#include "store/store_orders.h"
#include "store/store_registry.h"

/* ---- GET /api/v1/dashboards ---- */

static int keep_text(void *ud, const char *json) {
  *(char **)ud = zz_strdup(json);
  return 0;
}

/* Names and level of a perspective's region, from the registry. */
static void describe(struct registry *reg, json_t *p, const struct reg_region *rr) {
  if (!json_object_get(p, "name_zh")) json_object_set_new(p, "name_zh", json_string(rr->name_zh));
  if (!json_object_get(p, "name_en")) json_object_set_new(p, "name_en", json_string(rr->name_en));
  json_object_set_new(p, "level", json_string(rr->level));
  json_object_set_new(p, "region_name_zh", json_string(rr->name_zh));
  json_object_set_new(p, "region_name_en", json_string(rr->name_en));
  (void)reg;
}

static int h_dashboards(struct http_req *r) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  char *text = NULL;
  int rc = store_doc_get(app->st, "dashboards", keep_text, &text);
  if (rc == ZZ_ENOTFOUND)
    return http_fail(r, ZZ_ENOTFOUND, "dashboards",
                     "no dashboards are loaded: load a pack with a dashboards.json");
  if (rc || !text) return http_fail(r, rc ? rc : ZZ_ENOMEM, "dashboards", "cannot read dashboards");
  json_t *doc = json_loads(text, 0, NULL);
  zz_free(text);
  if (!doc) return http_fail(r, ZZ_EINTERNAL, "dashboards", "stored dashboards are not JSON");
  json_t *persp = json_object_get(doc, "perspectives");
  json_t *kept = json_array();
  registry_rdlock(app->reg);
  const struct reg_region *scope = a->scope[0] ? registry_region(app->reg, a->scope) : NULL;
  int scope_listed = 0;
  for (size_t i = 0; i < json_array_size(persp); i++) {
    json_t *p = json_array_get(persp, i);
    const struct reg_region *rr =
        registry_region(app->reg, json_string_value(json_object_get(p, "region")));
    if (!rr || (scope && !registry_region_within(rr, scope))) continue;
    if (scope && rr == scope) scope_listed = 1;
    describe(app->reg, p, rr);
    json_array_append(kept, p);
  }
  /* A scoped user always has their own region to start from. */
  if (scope && !scope_listed) {
    const char *layout =
        json_string_value(json_object_get(json_object_get(doc, "levels"), scope->level));
    if (layout) {
      json_t *p = json_pack("{s:s, s:s}", "region", scope->path, "layout", layout);
      describe(app->reg, p, scope);
      json_array_insert_new(kept, 0, p);
    }
  }
  registry_unlock(app->reg);
  json_object_set_new(doc, "perspectives", kept);
  json_object_set_new(doc, "scope", json_string(a->scope));
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_jansson(&j, doc);
  json_decref(doc);
  api_cacheable(r);
  return api_reply_json(r, 200, &j);
}

/* ---- GET /api/v1/summary ---- */

#define SUMMARY_CACHE 16
#define SUMMARY_PAGE 1000
#define SUMMARY_GROUPS 256

struct summary_cache {
  pthread_mutex_t lock;
  struct {
    int64_t version;
    char *query; /* the normalised parameters */
    char *answer;
    size_t len;
  } slot[SUMMARY_CACHE];
  unsigned next;
};
static struct summary_cache g_summary = {.lock = PTHREAD_MUTEX_INITIALIZER};

struct group {
  char *key;
  int64_t n, recent;
  double sum;
};

struct recent {
  int64_t id;
  char *key, *name_zh, *name_en, *value;
};

struct summary {
  const char *by, *sum, *recent;
  char from[11], to[11]; /* recent dates [from, to), "YYYY-MM-DD" */
  size_t limit;
  int64_t total, last_id;
  int rows;
  double sum_total;
  int have_sum;
  struct group groups[SUMMARY_GROUPS];
  int ngroups;
  int64_t nrecent;
  struct recent *rec; /* the newest `limit` arrivals, newest first */
  size_t nrec;
  int rc;
};

/* The attribute's value as text ("" when absent); numbers as written. */
static void attr_text(json_t *attrs, const char *key, char *out, size_t cap) {
  json_t *v = json_object_get(attrs, key);
  out[0] = 0;
  if (json_is_string(v))
    zz_strlcpy(out, json_string_value(v), cap);
  else if (json_is_integer(v))
    snprintf(out, cap, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v))
    snprintf(out, cap, "%.15g", json_real_value(v));
  else if (json_is_boolean(v))
    zz_strlcpy(out, json_is_true(v) ? "true" : "false", cap);
}

static void recent_free(struct recent *x) {
  zz_free(x->key);
  zz_free(x->name_zh);
  zz_free(x->name_en);
  zz_free(x->value);
}

/* Keeps the newest `limit` arrivals, by value descending then key. */
static void recent_add(struct summary *s, const struct store_entity *en, const char *value) {
  size_t i = s->nrec;
  while (i > 0) {
    const struct recent *p = &s->rec[i - 1];
    int c = strcmp(value, p->value);
    if (c < 0 || (c == 0 && strcmp(en->key, p->key) > 0)) break;
    i--;
  }
  if (i >= s->limit) return;
  if (s->nrec == s->limit) {
    recent_free(&s->rec[s->nrec - 1]);
    s->nrec--;
  }
  memmove(&s->rec[i + 1], &s->rec[i], (s->nrec - i) * sizeof *s->rec);
  s->rec[i] = (struct recent){en->id, zz_strdup(en->key), zz_strdup(en->name_zh ? en->name_zh : ""),
                              zz_strdup(en->name_en ? en->name_en : ""), zz_strdup(value)};
  if (!s->rec[i].key || !s->rec[i].name_zh || !s->rec[i].name_en || !s->rec[i].value)
    s->rc = ZZ_ENOMEM;
  s->nrec++;
}

static int summary_row(void *ud, const struct store_entity *en) {
  struct summary *s = ud;
  s->rows++;
  s->last_id = en->id;
  s->total++;
  if (!s->by && !s->sum && !s->recent) return 0;
  json_t *attrs = json_loads(en->attrs_json ? en->attrs_json : "{}", 0, NULL);
  char text[128];
  double v = NAN;
  int is_recent = 0;
  if (s->sum) {
    json_t *x = json_object_get(attrs, s->sum);
    if (json_is_number(x)) {
      v = json_number_value(x);
      s->sum_total += v;
      s->have_sum = 1;
    }
  }
  if (s->recent) {
    attr_text(attrs, s->recent, text, sizeof text);
    if (text[0] && strncmp(text, s->from, 10) >= 0 && strncmp(text, s->to, 10) < 0) {
      is_recent = 1;
      s->nrecent++;
      if (s->limit) recent_add(s, en, text);
    }
  }
  if (s->by) {
    attr_text(attrs, s->by, text, sizeof text);
    int g = 0;
    while (g < s->ngroups && strcmp(s->groups[g].key, text) != 0) g++;
    if (g == s->ngroups) {
      if (s->ngroups == SUMMARY_GROUPS) {
        json_decref(attrs);
        s->rc = ZZ_ETOOBIG;
        return 1;
      }
      s->groups[g] = (struct group){.key = zz_strdup(text)};
      if (!s->groups[g].key) s->rc = ZZ_ENOMEM;
      s->ngroups++;
    }
    s->groups[g].n++;
    s->groups[g].recent += is_recent;
    if (!isnan(v)) s->groups[g].sum += v;
  }
  json_decref(attrs);
  return s->rc != 0;
}

static int group_cmp(const void *a, const void *b) {
  const struct group *x = a, *y = b;
  if (x->n != y->n) return x->n > y->n ? -1 : 1;
  return strcmp(x->key, y->key);
}

/* Local date "YYYY-MM-DD" of ms. */
static void local_date(int64_t ms, char out[11]) {
  char t[32];
  zz_time_format(ms, t);
  memcpy(out, t, 10);
  out[10] = 0;
}

/* The cached answer of query at catalog version, replied: 1, or -1 when
 * it could not be copied; 0 when there is none. */
static int summary_cached(struct http_req *r, const char *query, int64_t version) {
  pthread_mutex_lock(&g_summary.lock);
  for (int i = 0; i < SUMMARY_CACHE; i++) {
    if (g_summary.slot[i].query && g_summary.slot[i].version == version &&
        strcmp(g_summary.slot[i].query, query) == 0) {
      struct zz_buf b;
      zz_buf_init(&b, 0);
      int rc = zz_buf_add(&b, g_summary.slot[i].answer, g_summary.slot[i].len);
      pthread_mutex_unlock(&g_summary.lock);
      if (rc) return -1;
      http_reply_json(r, 200, &b);
      return 1;
    }
  }
  pthread_mutex_unlock(&g_summary.lock);
  return 0;
}

/* Remembers the answer b of query (a failed copy only costs the next caller
 * a scan). */
static void summary_remember(const char *query, int64_t version, const struct zz_buf *b) {
  pthread_mutex_lock(&g_summary.lock);
  unsigned k = g_summary.next++ % SUMMARY_CACHE;
  zz_free(g_summary.slot[k].query);
  zz_free(g_summary.slot[k].answer);
  g_summary.slot[k].query = zz_strdup(query);
  g_summary.slot[k].answer = zz_malloc(b->len + 1);
  if (g_summary.slot[k].query && g_summary.slot[k].answer) {
    memcpy(g_summary.slot[k].answer, b->data, b->len);
    g_summary.slot[k].len = b->len;
    g_summary.slot[k].version = version;
  } else {
    zz_free(g_summary.slot[k].query);
    zz_free(g_summary.slot[k].answer);
    g_summary.slot[k].query = g_summary.slot[k].answer = NULL;
  }
  pthread_mutex_unlock(&g_summary.lock);
}

/* The summary's answer: totals, the groups and the recent entities. */
static void summary_write(struct zz_json *j, const struct summary *s, const char *type,
                          const char *region) {
  zz_json_obj(j);
  zz_json_kstr(j, "entity_type", type);
  zz_json_kstr(j, "region", region);
  zz_json_kint(j, "total", s->total);
  if (s->sum) zz_json_knum(j, "sum", s->have_sum ? s->sum_total : NAN);
  if (s->by) {
    zz_json_kstr(j, "by", s->by);
    zz_json_karr(j, "items");
    for (int i = 0; i < s->ngroups; i++) {
      zz_json_obj(j);
      zz_json_kstr(j, "key", s->groups[i].key);
      zz_json_kint(j, "n", s->groups[i].n);
      if (s->sum) zz_json_knum(j, "sum", s->groups[i].sum);
      if (s->recent) zz_json_kint(j, "recent", s->groups[i].recent);
      zz_json_obj_end(j);
    }
    zz_json_arr_end(j);
  }
  if (s->recent) {
    zz_json_kobj(j, "recent");
    zz_json_kstr(j, "attr", s->recent);
    zz_json_kstr(j, "from", s->from);
    zz_json_kstr(j, "to", s->to);
    zz_json_kint(j, "n", s->nrecent);
    zz_json_karr(j, "items");
    for (size_t i = 0; i < s->nrec; i++) {
      zz_json_obj(j);
      zz_json_kstr(j, "entity", s->rec[i].key);
      zz_json_kstr(j, "name_zh", s->rec[i].name_zh);
      zz_json_kstr(j, "name_en", s->rec[i].name_en);
      zz_json_kstr(j, "value", s->rec[i].value);
      zz_json_obj_end(j);
    }
    zz_json_arr_end(j);
    zz_json_obj_end(j);
  }
  zz_json_obj_end(j);
}

static int h_summary(struct http_req *r) {
  struct app *app = http_app(r);
  const char *type = http_query(r, "entity_type");
  struct summary s = {0};
  int64_t limit = 0, from = 0, to = 0;
  struct api_region reg;
  if (!type || !*type)
    return http_fail(r, ZZ_EINVAL, "entity_type", "parameter \"entity_type\" is required");
  if (api_region(r, "region", 0, &reg)) return 0;
  if (api_int(r, "limit", 0, 0, 1000, &limit)) return 0;
  s.by = http_query(r, "by");
  s.sum = http_query(r, "sum");
  s.recent = http_query(r, "recent");
  s.limit = (size_t)limit;
  if (s.recent) {
    if (api_range(r, 365 * ZZ_DAY_MS, &from, &to)) return 0;
    /* whole local days: from's day up to and including the day of to's last
     * instant, so the exclusive bound is the day after that one */
    local_date(from, s.from);
    local_date(zz_bucket_next(zz_bucket_start(to - 1, ZZ_GRAIN_DAY), ZZ_GRAIN_DAY), s.to);
  }
  /* Attributes must be declared by the type (as for breakdowns). */
  registry_rdlock(app->reg);
  int known = registry_type_index(app->reg, type) >= 0;
  registry_unlock(app->reg);
  if (!known)
    return http_fail(r, ZZ_ENOTFOUND, "entity_type", "entity type \"%s\" does not exist", type);
  const char *attrs[] = {s.by, s.sum, s.recent};
  const char *names[] = {"by", "sum", "recent"};
  for (int i = 0; i < 3; i++)
    if (attrs[i] && api_check_attr(r, type, attrs[i], names[i])) return 0;

  char query[1024];
  snprintf(query, sizeof query, "%s|%lld|%lld|%s|%s|%s|%s|%s|%zu", type, (long long)reg.lo,
           (long long)reg.hi, s.by ? s.by : "", s.sum ? s.sum : "", s.recent ? s.recent : "",
           s.from, s.to, s.limit);
  int64_t version = store_catalog_version(app->st);
  int hit = summary_cached(r, query, version);
  if (hit) return hit < 0 ? http_fail(r, ZZ_ENOMEM, "", "out of memory") : 0;

  if (s.limit && !(s.rec = zz_calloc(s.limit + 1, sizeof *s.rec)))
    return http_fail(r, ZZ_ENOMEM, "", "out of memory");
  struct store_entity_filter f = {
      .type = type, .rpos_lo = reg.lo, .rpos_hi = reg.hi, .limit = SUMMARY_PAGE};
  int rc = 0;
  do {
    f.after_id = s.last_id;
    s.rows = 0;
    rc = store_entities_each(app->st, &f, summary_row, &s);
  } while (!rc && !s.rc && s.rows == SUMMARY_PAGE);
  if (!rc) rc = s.rc;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  if (rc) {
    http_fail(r, rc, rc == ZZ_ETOOBIG ? "by" : "",
              rc == ZZ_ETOOBIG ? "more than 256 distinct values: group by a coarser attribute"
                               : "cannot read entities");
    goto done;
  }
  qsort(s.groups, (size_t)s.ngroups, sizeof *s.groups, group_cmp);
  struct zz_json j;
  zz_json_init(&j, &b);
  summary_write(&j, &s, type, reg.path);
  if ((rc = zz_json_finish(&j))) {
    http_fail(r, rc, "", "cannot build the answer: %s%.0s", zz_strerror(rc), zz_strerror_zh(rc));
    goto done;
  }
  summary_remember(query, version, &b);
  http_reply_json(r, 200, &b);
done:
  zz_buf_free(&b);
  for (int i = 0; i < s.ngroups; i++) zz_free(s.groups[i].key);
  for (size_t i = 0; i < s.nrec; i++) recent_free(&s.rec[i]);
  zz_free(s.rec);
  return 0;
}

/* ---- GET /api/v1/cockpit/orders ---- */

static int board_dept(void *ud, const struct store_order_board_dept *d) {
  struct zz_json *j = ud;
  zz_json_obj(j);
  zz_json_kstr(j, "department", d->department);
  zz_json_kint(j, "today", d->today);
  zz_json_kint(j, "open", d->open);
  zz_json_kint(j, "overdue", d->overdue);
  zz_json_obj_end(j);
  return 0;
}

static int h_orders_board(struct http_req *r) {
  struct app *app = http_app(r);
  struct api_region rg;
  if (api_region(r, "region", 0, &rg)) return 0;
  int64_t now = zz_time_now();
  int64_t day = zz_bucket_start(now, ZZ_GRAIN_DAY), since = now - 30 * ZZ_DAY_MS;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "region", rg.path);
  zz_json_ktime(&j, "day", day);
  zz_json_ktime(&j, "since", since);
  zz_json_karr(&j, "by_department");
  struct store_order_board o;
  int rc = store_order_board(app->st, rg.lo, rg.hi, day, since, &o, board_dept, &j);
  zz_json_arr_end(&j);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "", "cannot compute the dispatch board");
  }
  zz_json_kint(&j, "today", o.today);
  zz_json_kint(&j, "open", o.open);
  zz_json_kint(&j, "overdue", o.overdue);
  zz_json_knum(&j, "on_time_rate", o.with_sla ? (double)o.on_time / (double)o.with_sla : NAN);
  zz_json_kint(&j, "rated", o.rated);
  zz_json_knum(&j, "satisfaction", o.rated ? (double)o.satisfied / (double)o.rated : NAN);
  zz_json_knum(&j, "avg_rating", o.rated ? o.rating_sum / (double)o.rated : NAN);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

const struct http_route api_cockpit_routes[] = {
    {"GET", "/api/v1/dashboards", h_dashboards, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/summary", h_summary, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/cockpit/orders", h_orders_board, NULL, HTTP_AUTH_USER, 0, 0},
};
const size_t api_cockpit_nroutes = ZZ_ARRAY_LEN(api_cockpit_routes);
