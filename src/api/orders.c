/* orders.c (api) - work orders: create, list (filters, cursor), one order
 * with its sub-orders, timeline and evidence, actions of the life cycle,
 * merge, rating, evidence photos and statistics. The rules of the life
 * cycle live in src/workflow/; this file parses, checks scope and replies.
 * The timeline is append-only: no route changes or deletes an event. */
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"
#include "api/authz.h"
#include "api/export.h"
#include "store/store_orders.h"
#include "workflow/workflow.h"

static struct wf_actor actor_of(struct http_req *r) {
  const struct http_auth_ctx *a = http_auth(r);
  struct wf_actor w = {a->user, a->role, a->department, ACTOR_USER};
  return w;
}

static int path_id(struct http_req *r, const char *name, int64_t *id) {
  const char *s = http_param(r, name);
  if (!s || zz_parse_i64(s, id) || *id <= 0)
    return http_fail(r, ZZ_EINVAL, name, "%s must be a positive integer", name);
  return 0;
}

static const char *opt_str(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An order copied for checks: whether it exists and authz_order's answer. */
struct probe {
  struct app *app;
  const struct http_auth_ctx *a;
  int found, allowed;
};

static int probe_row(void *ud, const struct store_order *o) {
  struct probe *p = ud;
  p->found = 1;
  p->allowed = authz_order(p->app, p->a, o, AUTHZ_READ) == 0;
  return 0;
}

/* Checks order id exists and the caller may see it (authz_order); replies
 * 404 or 403 otherwise, before anything that depends on the order's state. */
static int check_order(struct http_req *r, int64_t id) {
  struct app *app = http_app(r);
  struct probe p = {app, http_auth(r), 0, 0};
  store_order_get(app->st, id, probe_row, &p);
  if (!p.found) return http_fail(r, ZZ_ENOTFOUND, "id", "order %lld does not exist", (long long)id);
  if (!p.allowed) {
    char what[48], what_zh[48];
    snprintf(what, sizeof what, "order %lld", (long long)id);
    snprintf(what_zh, sizeof what_zh, "工单 %lld", (long long)id);
    return authz_deny(r, "id", what, what_zh);
  }
  return 0;
}

/* ---- one order ---- */

struct detail {
  struct app *app;
  struct zz_json *j;
  int n;
  int64_t merged_into;
  const struct http_auth_ctx *only; /* non-NULL: skip orders outside this caller's scope */
};

static int order_row(void *ud, const struct store_order *o) {
  struct detail *d = ud;
  /* orders merged across regions: each shows only where the caller may see */
  if (d->only && authz_region(d->app, d->only, o->region)) return 0;
  d->n++;
  workflow_order_json(d->app->wf, o, d->j);
  d->merged_into = o->merged_into;
  return 0;
}

static int event_row(void *ud, const struct store_order_event *ev) {
  struct detail *d = ud;
  struct zz_json *j = d->j;
  char masked[96];
  zz_json_obj(j);
  zz_json_kint(j, "id", ev->id);
  zz_json_ktime(j, "ts", ev->ts);
  zz_json_kstr(j, "actor",
               ev->actor ? workflow_mask_reporter(ev->actor, masked, sizeof masked) : NULL);
  zz_json_kstr(j, "action", ev->action);
  zz_json_kstr(j, "from", ev->from_state);
  zz_json_kstr(j, "to", ev->to_state);
  zz_json_kstr(j, "note", ev->note);
  zz_json_key(j, "data");
  if (ev->data_json && ev->data_json[0] == '{')
    zz_json_text(j, ev->data_json, strlen(ev->data_json));
  else
    zz_json_null(j);
  zz_json_obj_end(j);
  return 0;
}

static int evidence_row(void *ud, const struct store_evidence *ev) {
  struct detail *d = ud;
  struct zz_json *j = d->j;
  char masked[96], url[96];
  zz_json_obj(j);
  zz_json_kint(j, "id", ev->id);
  zz_json_ktime(j, "ts", ev->ts);
  zz_json_kstr(j, "actor",
               ev->actor ? workflow_mask_reporter(ev->actor, masked, sizeof masked) : NULL);
  zz_json_kstr(j, "mime", ev->mime);
  zz_json_kint(j, "size", ev->size);
  zz_json_kstr(j, "note", ev->note);
  snprintf(url, sizeof url, "/api/v1/orders/%lld/evidence/%lld", (long long)ev->order_id,
           (long long)ev->id);
  zz_json_kstr(j, "url", url);
  zz_json_obj_end(j);
  return 0;
}

static int reply_order(struct http_req *r, int64_t id, int status) {
  struct app *app = http_app(r);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  struct detail c = {app, &j, 0, 0, NULL};
  zz_json_obj(&j);
  zz_json_key(&j, "order");
  if (store_order_get(app->st, id, order_row, &c)) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ENOTFOUND, "id", "order %lld does not exist", (long long)id);
  }
  int64_t merged_into = c.merged_into;
  /* callers of reply_order passed check_order or acted on the order */
  api_codes_order_phone(r, id, 1, &j);
  zz_json_karr(&j, "sub_orders");
  c.n = 0;
  struct store_order_filter f = {.parent = id};
  store_orders_each(app->st, &f, order_row, &c);
  zz_json_arr_end(&j);
  zz_json_karr(&j, "merged");
  c.n = 0;
  c.only = http_auth(r);
  struct store_order_filter fm = {.merged_into = id};
  store_orders_each(app->st, &fm, order_row, &c);
  /* a merged order's reporters follow the order that carries it on */
  zz_json_arr_end(&j);
  zz_json_key(&j, "outcome");
  if (merged_into) {
    c.n = 0;
    if (store_order_get(app->st, merged_into, order_row, &c) || !c.n) zz_json_null(&j);
  } else {
    zz_json_null(&j);
  }
  c.only = NULL;
  zz_json_karr(&j, "timeline");
  store_order_events_each(app->st, id, event_row, &c);
  zz_json_arr_end(&j);
  zz_json_karr(&j, "evidence");
  store_evidence_each(app->st, id, 0, evidence_row, &c);
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, status, &j);
}

static int get_order(struct http_req *r) {
  int64_t id;
  if (path_id(r, "id", &id) || check_order(r, id)) return 0;
  return reply_order(r, id, 200);
}

/* ---- create ---- */

static int num_or_nan(json_t *j, const char *k, double *out) {
  json_t *v = json_object_get(j, k);
  if (!v || json_is_null(v)) {
    *out = NAN;
    return 0;
  }
  if (!json_is_number(v)) return ZZ_EINVAL;
  *out = json_number_value(v);
  return 0;
}

static int post_order(struct http_req *r) {
  struct app *app = http_app(r);
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  struct wf_actor who = actor_of(r);
  struct wf_create c = {.matter = opt_str(j, "matter"),
                        .title = opt_str(j, "title"),
                        .description = opt_str(j, "description"),
                        .region = opt_str(j, "region"),
                        .entity = opt_str(j, "entity"),
                        .reporter = opt_str(j, "reporter"),
                        .channel = opt_str(j, "channel"),
                        .priority = opt_str(j, "priority")};
  int rc = 0;
  if (num_or_nan(j, "lon", &c.lon) || num_or_nan(j, "lat", &c.lat)) {
    http_fail(r, ZZ_EINVAL, "lon", "lon and lat must be numbers");
    goto done;
  }
  const char *const strs[] = {"title", "description", "reporter", "channel"};
  const size_t caps[] = {255, 2047, 63, 15};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(strs); i++) {
    const char *v = opt_str(j, strs[i]);
    if (v && strlen(v) > caps[i]) {
      http_fail(r, ZZ_EINVAL, strs[i], "%s is longer than %zu bytes", strs[i], caps[i]);
      goto done;
    }
  }
  /* the region and the entity (whose position and region the order copies)
   * must both be the caller's */
  int64_t rid = 0, eid_region = 0;
  registry_rdlock(app->reg);
  if (c.region) {
    const struct reg_region *x = registry_region(app->reg, c.region);
    rid = x ? x->id : 0;
  }
  if (c.entity) {
    const struct reg_entity_ref *en = registry_entity(app->reg, c.entity, strlen(c.entity));
    eid_region = en ? en->region : 0;
  }
  registry_unlock(app->reg);
  const struct http_auth_ctx *a = http_auth(r);
  if (rid && authz_region(app, a, rid)) {
    authz_deny(r, "region", "this region", "此区域");
    goto done;
  }
  if (eid_region && authz_entity(app, a, eid_region, AUTHZ_READ)) {
    authz_deny(r, "entity", "this entity", "此对象");
    goto done;
  }
  struct zz_err e = {0};
  int64_t id = 0;
  if ((rc = workflow_create(app->wf, &who, &c, &id, &e))) {
    http_reply_err(r, &e);
    goto done;
  }
  if (check_order(r, id) == 0) reply_order(r, id, 201);
done:
  json_decref(j);
  return 0;
}

/* ---- list ---- */

struct olist {
  struct app *app;
  struct zz_json *j;
  int n, limit, more;
  int64_t last_id;
};

static int list_row(void *ud, const struct store_order *o) {
  struct olist *l = ud;
  if (l->n == l->limit) {
    l->more = 1;
    return 1;
  }
  l->n++;
  workflow_order_json(l->app->wf, o, l->j);
  l->last_id = o->id;
  return 0;
}

static int get_orders(struct http_req *r) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  struct api_region rg;
  struct api_export x;
  int64_t limit, overdue, from = 0, to = 0;
  if (api_region(r, "region", 0, &rg) || api_int(r, "limit", 50, 1, 500, &limit) ||
      api_int(r, "overdue", 0, 0, 1, &overdue))
    return 0;
  /* from/to: created in [from, to) (both optional) */
  const char *fs = http_query(r, "from"), *ts = http_query(r, "to");
  if (((fs && *fs) || (ts && *ts)) && api_range(r, 100 * 365 * ZZ_DAY_MS, &from, &to)) return 0;
  int want = api_export_want(r, &x);
  if (want < 0) return 0;
  const char *cur = http_query(r, "cursor");
  int64_t before = 0;
  if (cur && *cur) {
    char *end;
    long long v = cur[0] == 'o' ? strtoll(cur + 1, &end, 16) : -1;
    if (v <= 0 || *end)
      return http_fail(r, ZZ_EINVAL, "cursor", "cursor is not one this server gave");
    before = v;
  }
  const char *state = http_query(r, "state");
  if (state && *state &&
      !(strcmp(state, "open") == 0 || strcmp(state, "reported") == 0 ||
        strcmp(state, "dispatched") == 0 || strcmp(state, "accepted") == 0 ||
        strcmp(state, "in_progress") == 0 || strcmp(state, "resolved") == 0 ||
        strcmp(state, "verified") == 0 || strcmp(state, "closed") == 0 ||
        strcmp(state, "returned") == 0 || strcmp(state, "reopened") == 0 ||
        strcmp(state, "merged") == 0))
    return http_fail(r, ZZ_EINVAL, "state",
                     "state must be open or one of reported, dispatched, accepted, in_progress, "
                     "resolved, verified, closed, returned, reopened, merged");
  /* the desk's queue: priority, then the longest waiting first */
  const char *sort = http_query(r, "sort");
  int by_priority = sort && strcmp(sort, "priority") == 0;
  if (sort && *sort && !by_priority && strcmp(sort, "newest") != 0)
    return http_fail(r, ZZ_EINVAL, "sort", "sort must be newest (the default) or priority");
  if (by_priority && before)
    return http_fail(r, ZZ_EINVAL, "cursor",
                     "the priority queue has no further pages: narrow it with a filter");
  const char *text = http_query(r, "q");
  if (text && strlen(text) > 200) return http_fail(r, ZZ_EINVAL, "q", "q is longer than 200 bytes");
  const char *dept = http_query(r, "department");
  int officer = (a->role & ROLE_OFFICER) != 0;
  if (officer) {
    /* an officer sees the department's own orders, sub-orders included */
    if (dept && *dept && strcmp(dept, a->department) != 0)
      return http_fail(r, ZZ_EFORBIDDEN, "department",
                       "you see the orders of department \"%s\" only", a->department);
    dept = a->department[0] ? a->department : "\x01none";
  }
  struct store_order_filter f = {.state = state && *state && strcmp(state, "open") ? state : NULL,
                                 .matter = http_query(r, "matter"),
                                 .department = dept && *dept ? dept : NULL,
                                 .rpos_lo = rg.lo,
                                 .rpos_hi = rg.hi,
                                 .overdue = (int)overdue,
                                 .open_only = state && strcmp(state, "open") == 0,
                                 .top_only = !officer,
                                 .created_from = from,
                                 .created_to = to,
                                 .before_id = before,
                                 .text = text && *text ? text : NULL,
                                 .by_priority = by_priority,
                                 .limit = (int)limit + 1};
  if (want) return api_export_orders(r, &x, &f);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "orders");
  struct olist l = {app, &j, 0, (int)limit, 0, 0};
  int rc = store_orders_each(app->st, &f, list_row, &l);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "", "cannot list orders");
  }
  zz_json_arr_end(&j);
  if (l.more && by_priority) {
    zz_json_knull(&j, "next_cursor");
    zz_json_kbool(&j, "more", 1);
  } else if (l.more) {
    char next[32];
    snprintf(next, sizeof next, "o%llx", (unsigned long long)l.last_id);
    zz_json_kstr(&j, "next_cursor", next);
  } else {
    zz_json_knull(&j, "next_cursor");
  }
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

/* ---- actions ---- */

static int post_action(struct http_req *r) {
  struct app *app = http_app(r);
  int64_t id;
  if (path_id(r, "id", &id) || check_order(r, id)) return 0;
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  const char *depts[16];
  size_t nd = 0;
  json_t *ds = json_object_get(j, "departments"), *d1 = json_object_get(j, "department");
  if (d1 && !json_is_string(d1)) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "department", "department must be a department id");
  }
  if (ds) {
    if (!json_is_array(ds) || json_array_size(ds) == 0 || json_array_size(ds) > 12) {
      json_decref(j);
      return http_fail(r, ZZ_EINVAL, "departments", "departments must be 1 to 12 department ids");
    }
    for (size_t i = 0; i < json_array_size(ds); i++) {
      depts[nd] = json_string_value(json_array_get(ds, i));
      if (!depts[nd]) {
        json_decref(j);
        return http_fail(r, ZZ_EINVAL, "departments", "departments[%zu] must be a string", i);
      }
      nd++;
    }
  } else if (d1) {
    depts[nd++] = json_string_value(d1);
  }
  const char *note = opt_str(j, "note");
  if (note && strlen(note) > 2000) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "note", "note is longer than 2000 bytes");
  }
  struct wf_actor who = actor_of(r);
  struct zz_err e = {0};
  int rc = workflow_act(app->wf, &who, id, opt_str(j, "action"), depts, nd, note, &e);
  json_decref(j);
  if (rc) return http_reply_err(r, &e);
  return reply_order(r, id, 200);
}

/* POST /api/v1/orders/:id/priority {"priority": "critical"|"high"|"normal", "note"?} */
static int post_priority(struct http_req *r) {
  struct app *app = http_app(r);
  int64_t id;
  if (path_id(r, "id", &id) || check_order(r, id)) return 0;
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  struct wf_actor who = actor_of(r);
  struct zz_err e = {0};
  int rc = workflow_set_priority(app->wf, &who, id, opt_str(j, "priority"), opt_str(j, "note"), &e);
  json_decref(j);
  if (rc) return http_reply_err(r, &e);
  return reply_order(r, id, 200);
}

static int post_merge(struct http_req *r) {
  struct app *app = http_app(r);
  int64_t id;
  if (path_id(r, "id", &id) || check_order(r, id)) return 0;
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  json_t *into = json_object_get(j, "into");
  if (!json_is_integer(into) || json_integer_value(into) <= 0) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "into", "into must be the id of the order to merge into");
  }
  int64_t target = json_integer_value(into);
  if (check_order(r, target)) {
    json_decref(j);
    return 0;
  }
  struct wf_actor who = actor_of(r);
  struct zz_err e = {0};
  int rc = workflow_merge(app->wf, &who, id, target, opt_str(j, "note"), &e);
  json_decref(j);
  if (rc) return http_reply_err(r, &e);
  return reply_order(r, id, 200);
}

static int post_rate(struct http_req *r) {
  struct app *app = http_app(r);
  int64_t id;
  if (path_id(r, "id", &id) || check_order(r, id)) return 0;
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  json_t *sc = json_object_get(j, "score");
  if (!json_is_integer(sc)) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "score", "score must be an integer from 1 (unhappy) to 5");
  }
  struct wf_actor who = actor_of(r);
  struct zz_err e = {0};
  int rc = workflow_rate(app->wf, &who, id, (int)json_integer_value(sc), opt_str(j, "note"), &e);
  json_decref(j);
  if (rc) return http_reply_err(r, &e);
  return reply_order(r, id, 200);
}

/* POST /api/v1/orders/:id/evidence: the raw photo as the body (image/jpeg
 * or image/png; the type is checked by content), ?note=... */
static int post_evidence(struct http_req *r) {
  struct app *app = http_app(r);
  int64_t id;
  if (path_id(r, "id", &id) || check_order(r, id)) return 0;
  size_t len;
  const char *body = http_body(r, &len);
  if (!len) return http_fail(r, ZZ_EINVAL, "body", "send the photo as the request body");
  struct wf_actor who = actor_of(r);
  struct zz_err e = {0};
  int64_t eid = 0;
  const char *note = http_query(r, "note");
  if (note && strlen(note) > 500)
    return http_fail(r, ZZ_EINVAL, "note", "note is longer than 500 bytes");
  if (workflow_add_evidence(app->wf, &who, id, body, len, note, &eid, &e))
    return http_reply_err(r, &e);
  struct zz_buf b;
  struct zz_json j;
  char url[96];
  snprintf(url, sizeof url, "/api/v1/orders/%lld/evidence/%lld", (long long)id, (long long)eid);
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "evidence");
  zz_json_kint(&j, "id", eid);
  zz_json_kint(&j, "order", id);
  zz_json_kint(&j, "size", (int64_t)len);
  zz_json_kstr(&j, "url", url);
  zz_json_obj_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, 201, &j);
}

struct ev_file {
  char path[512], mime[32];
  int found;
};

static int ev_file_row(void *ud, const struct store_evidence *ev) {
  struct ev_file *f = ud;
  zz_strlcpy(f->path, ev->path, sizeof f->path);
  zz_strlcpy(f->mime, ev->mime, sizeof f->mime);
  f->found = 1;
  return 1;
}

static int get_evidence(struct http_req *r) {
  struct app *app = http_app(r);
  int64_t id, eid;
  if (path_id(r, "id", &id) || path_id(r, "eid", &eid) || check_order(r, id)) return 0;
  struct ev_file f = {"", "", 0};
  store_evidence_each(app->st, id, eid, ev_file_row, &f);
  char path[4600];
  if (!f.found || workflow_evidence_path(app->wf, f.path, path, sizeof path))
    return http_fail(r, ZZ_ENOTFOUND, "eid", "order %lld has no evidence %lld", (long long)id,
                     (long long)eid);
  return http_reply_file(r, path, f.mime, 3600);
}

/* ---- statistics ---- */

struct stat_ctx {
  struct zz_json *j;
  int n;
  struct store_order_stat total;
};

static void stat_fields(struct zz_json *j, const struct store_order_stat *s) {
  zz_json_kint(j, "count", s->n);
  zz_json_knum(j, "on_time_rate", s->with_sla ? (double)s->on_time / (double)s->with_sla : NAN);
  zz_json_knum(j, "avg_accept_minutes",
               s->accepted ? (double)s->accept_ms_sum / (double)s->accepted / 60000.0 : NAN);
  zz_json_knum(j, "avg_close_minutes",
               s->closed ? (double)s->close_ms_sum / (double)s->closed / 60000.0 : NAN);
}

static int stat_row(void *ud, const struct store_order_stat *s) {
  struct stat_ctx *c = ud;
  c->n++;
  if (c->j) {
    zz_json_obj(c->j);
    zz_json_kstr(c->j, "key", s->key);
    stat_fields(c->j, s);
    zz_json_obj_end(c->j);
  }
  c->total.n += s->n;
  c->total.with_sla += s->with_sla;
  c->total.on_time += s->on_time;
  c->total.accepted += s->accepted;
  c->total.accept_ms_sum += s->accept_ms_sum;
  c->total.closed += s->closed;
  c->total.close_ms_sum += s->close_ms_sum;
  return 0;
}

static int get_stats(struct http_req *r) {
  struct app *app = http_app(r);
  struct api_region rg;
  int64_t from, to;
  if (api_region(r, "region", 0, &rg) || api_range(r, 30 * ZZ_DAY_MS, &from, &to)) return 0;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_ktime(&j, "from", from);
  zz_json_ktime(&j, "to", to);
  zz_json_kstr(&j, "region", rg.path);
  const char *const groups[] = {"state", "department", "matter"};
  struct stat_ctx total = {&j, 0, {0}};
  int rc = 0;
  for (size_t i = 0; i < 3 && !rc; i++) {
    struct stat_ctx c = {&j, 0, {0}};
    char key[32];
    snprintf(key, sizeof key, "by_%s", groups[i]);
    zz_json_karr(&j, key);
    rc = store_order_stats(app->st, groups[i], from, to, rg.lo, rg.hi, stat_row, &c);
    zz_json_arr_end(&j);
    if (i == 0) total = c;
  }
  /* the same span a year earlier (同比): only its totals are kept */
  struct stat_ctx last = {NULL, 0, {0}};
  if (!rc)
    rc = store_order_stats(app->st, "state", zz_time_add_months(from, -12),
                           zz_time_add_months(to, -12), rg.lo, rg.hi, stat_row, &last);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "", "cannot compute order statistics");
  }
  zz_json_kobj(&j, "total");
  stat_fields(&j, &total.total);
  zz_json_obj_end(&j);
  zz_json_kobj(&j, "yoy");
  zz_json_kint(&j, "count", total.total.n);
  zz_json_kint(&j, "last_year", last.total.n);
  zz_json_knum(&j, "change_pct",
               last.total.n
                   ? ((double)total.total.n - (double)last.total.n) * 100.0 / (double)last.total.n
                   : NAN);
  zz_json_obj_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

#define STAFF (ROLE_ADMIN | ROLE_DISPATCHER | ROLE_OFFICER)

const struct http_route api_orders_routes[] = {
    {"GET", "/api/v1/orders", get_orders, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/orders", post_order, NULL, HTTP_AUTH_USER, STAFF, 0},
    {"GET", "/api/v1/orders/stats", get_stats, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/orders/:id", get_order, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/orders/:id/actions", post_action, NULL, HTTP_AUTH_USER, STAFF, 0},
    {"POST", "/api/v1/orders/:id/merge", post_merge, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_DISPATCHER, 0},
    {"POST", "/api/v1/orders/:id/priority", post_priority, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_DISPATCHER, 0},
    {"POST", "/api/v1/orders/:id/rate", post_rate, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/orders/:id/evidence", post_evidence, NULL, HTTP_AUTH_USER, STAFF,
     WORKFLOW_EVIDENCE_MAX},
    {"GET", "/api/v1/orders/:id/evidence/:eid", get_evidence, NULL, HTTP_AUTH_USER, 0, 0},
};
const size_t api_orders_nroutes = ZZ_ARRAY_LEN(api_orders_routes);
