/* inspections.c (api) - the routes of inspections (issue 13 §2, §3): the
 * pack's checklists, submitting a visit (idempotent by its uid) and its
 * photos, the lists of visits and rectification items, plans of visits,
 * the leader's progress view of a campaign and an entity's credit record.
 * Each handler parses, authorizes (authz_inspection), calls the engine
 * (src/inspections/) and writes the answer. */
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "inspections/inspections.h"

static struct inspections engine(struct http_req *r) {
  struct app *app = http_app(r);
  return (struct inspections){.st = app->st,
                              .reg = app->reg,
                              .wf = app->wf,
                              .data_dir = app->data_dir,
                              .sync_files = app->sync_full};
}

static struct ins_actor actor(struct http_req *r) {
  const struct http_auth_ctx *a = http_auth(r);
  return (struct ins_actor){.name = a->user, .department = a->department, .role = a->role};
}

static int deny(struct http_req *r, const char *field) {
  return authz_deny(r, field, "this inspection", "该检查");
}

static int path_id(struct http_req *r, const char *name, int64_t *id) {
  const char *s = http_param(r, name);
  if (!s || zz_parse_i64(s, id) || *id <= 0)
    return http_fail(r, ZZ_EINVAL, name, "%s must be a positive integer", name);
  return 0;
}

/* Starts an answer: b and j ready for the handler's object. */
#define ANSWER(b, j)                                                                               \
  struct zz_buf b;                                                                                 \
  struct zz_json j;                                                                                \
  zz_buf_init(&b, 0);                                                                              \
  zz_json_init(&j, &b)

/* An inspection the caller may read (op READ) or add to (WRITE): 0, or
 * replied (404 unknown, 403 not the caller's). */
static int authorize(struct http_req *r, int64_t id, enum authz_op op) {
  struct inspections in = engine(r);
  char dept[65];
  int64_t region = 0;
  int rc = inspection_owner(&in, id, dept, sizeof dept, &region);
  if (rc == ZZ_ENOTFOUND)
    return http_fail(r, ZZ_ENOTFOUND, "id", "no inspection %lld", (long long)id);
  if (rc) return http_fail(r, rc, NULL, "cannot read the inspection");
  if (authz_inspection(http_app(r), http_auth(r), dept, region, op)) return deny(r, "id");
  return 0;
}

/* The caller's scope (or a region it names within it) as an rpos range. */
static int scope_filter(struct http_req *r, struct store_ins_filter *f) {
  struct api_region rg;
  if (api_region(r, "region", 0, &rg)) return 1;
  f->rpos_lo = rg.lo;
  f->rpos_hi = rg.hi;
  return 0;
}

/* ?entity=KEY as the entity's id; an unknown one matches nothing (-1). */
static void entity_filter(struct http_req *r, struct store_ins_filter *f) {
  const char *key = http_query(r, "entity");
  if (!key || !*key) return;
  struct inspections in = engine(r);
  int64_t region = 0;
  if (inspections_entity(&in, key, &f->entity, &region)) f->entity = -1;
}

/* ?from=&to= (RFC 3339 or a date): 0, or replied 400. */
static int time_filter(struct http_req *r, struct store_ins_filter *f) {
  const char *names[] = {"from", "to"};
  int64_t *out[] = {&f->from, &f->to};
  for (int i = 0; i < 2; i++) {
    const char *s = http_query(r, names[i]);
    if (s && *s && zz_time_parse(s, strlen(s), out[i]))
      return http_fail(r, ZZ_EINVAL, names[i], "%s must be a date (YYYY-MM-DD) or an RFC 3339 time",
                       names[i]);
  }
  return 0;
}

/* GET /api/v1/checklists */
static int get_checklists(struct http_req *r) {
  struct inspections in = engine(r);
  ANSWER(b, j);
  struct zz_err e = {0};
  if (inspections_checklists_json(in.st, &j, &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  return api_reply_json(r, 200, &j);
}

/* POST /api/v1/inspections: 201 stored now, 200 the same uid stored before. */
static int post_inspection(struct http_req *r) {
  struct inspections in = engine(r);
  json_t *body = NULL;
  if (api_json_body(r, &body)) return 0;
  struct ins_target tg;
  struct zz_err e = {0};
  int rc = inspection_target(&in, body, &tg, &e);
  if (rc) {
    json_decref(body);
    return http_reply_err(r, &e);
  }
  if (authz_inspection(http_app(r), http_auth(r), tg.department, tg.region, AUTHZ_WRITE)) {
    json_decref(body);
    const struct http_auth_ctx *a = http_auth(r);
    if ((a->role & ROLE_OFFICER) && strcmp(a->department, tg.department) != 0)
      return http_fail(r, ZZ_EFORBIDDEN, "checklist",
                       "only officers of department \"%s\" submit this checklist", tg.department);
    return authz_deny(r, "entity", "this entity", "该对象");
  }
  struct ins_actor who = actor(r);
  int created = 0;
  ANSWER(b, j);
  rc = inspection_submit(&in, &who, body, &created, &j, &e);
  json_decref(body);
  if (rc) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  return api_reply_json(r, created ? 201 : 200, &j);
}

/* GET /api/v1/inspections */
static int get_inspections(struct http_req *r) {
  struct inspections in = engine(r);
  struct store_ins_filter f = {0};
  int64_t limit, cursor;
  if (scope_filter(r, &f) || time_filter(r, &f) ||
      api_int(r, "limit", 50, 1, INS_LIST_MAX, &limit) ||
      api_int(r, "cursor", 0, 0, INT64_MAX, &cursor))
    return 0;
  f.campaign = http_query(r, "campaign");
  f.checklist = http_query(r, "checklist");
  entity_filter(r, &f);
  f.limit = (int)limit;
  f.before_id = cursor;
  ANSWER(b, j);
  struct zz_err e = {0};
  if (inspections_list(&in, &f, &j, &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  return api_reply_json(r, 200, &j);
}

/* GET /api/v1/inspections/:id */
static int get_inspection(struct http_req *r) {
  struct inspections in = engine(r);
  int64_t id;
  if (path_id(r, "id", &id) || authorize(r, id, AUTHZ_READ)) return 0;
  ANSWER(b, j);
  struct zz_err e = {0};
  if (inspection_read(&in, id, &j, &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  return api_reply_json(r, 200, &j);
}

/* POST /api/v1/inspections/:id/photos?item=ID: the raw image as the body. */
static int post_photo(struct http_req *r) {
  struct inspections in = engine(r);
  int64_t id, pid = 0;
  if (path_id(r, "id", &id) || authorize(r, id, AUTHZ_WRITE)) return 0;
  size_t len;
  const char *body = http_body(r, &len);
  if (!len) return http_fail(r, ZZ_EINVAL, "body", "send the photo as the request body");
  const char *item = http_query(r, "item");
  if (item && strlen(item) > 64) return http_fail(r, ZZ_EINVAL, "item", "item is too long");
  struct zz_err e = {0};
  if (inspection_photo_add(&in, id, item, body, len, &pid, &e)) return http_reply_err(r, &e);
  char url[96];
  snprintf(url, sizeof url, "/api/v1/inspections/%lld/photos/%lld", (long long)id,
           (long long)pid);
  ANSWER(b, j);
  zz_json_obj(&j);
  zz_json_kobj(&j, "photo");
  zz_json_kint(&j, "id", pid);
  zz_json_kint(&j, "inspection", id);
  zz_json_kstr(&j, "item", item && *item ? item : NULL);
  zz_json_kint(&j, "size", (int64_t)len);
  zz_json_kstr(&j, "url", url);
  zz_json_obj_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, 201, &j);
}

/* GET /api/v1/inspections/:id/photos/:pid */
static int get_photo(struct http_req *r) {
  struct inspections in = engine(r);
  int64_t id, pid;
  if (path_id(r, "id", &id) || path_id(r, "pid", &pid) || authorize(r, id, AUTHZ_READ)) return 0;
  char path[4600], mime[32];
  if (inspection_photo_file(&in, id, pid, path, sizeof path, mime, sizeof mime))
    return http_fail(r, ZZ_ENOTFOUND, "pid", "inspection %lld has no photo %lld", (long long)id,
                     (long long)pid);
  return http_reply_file(r, path, mime, 3600);
}

/* GET /api/v1/rectifications */
static int get_rectifications(struct http_req *r) {
  struct inspections in = engine(r);
  struct store_ins_filter f = {0};
  int64_t limit;
  if (scope_filter(r, &f) || api_int(r, "limit", 200, 1, 2000, &limit)) return 0;
  f.limit = (int)limit;
  f.campaign = http_query(r, "campaign");
  f.owner = http_query(r, "owner");
  f.status = http_query(r, "status");
  static const char *const statuses[] = {"open",        "overdue", "closed_on_time",
                                         "closed_late", "closed",  "open_all"};
  if (f.status && *f.status) {
    size_t k = 0;
    while (k < ZZ_ARRAY_LEN(statuses) && strcmp(statuses[k], f.status) != 0) k++;
    if (k == ZZ_ARRAY_LEN(statuses))
      return http_fail(r, ZZ_EINVAL, "status",
                       "status must be open, overdue, closed_on_time, closed_late, closed or "
                       "open_all");
  } else {
    f.status = NULL;
  }
  entity_filter(r, &f);
  ANSWER(b, j);
  struct zz_err e = {0};
  if (rectifications_list(&in, &f, &j, &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  return api_reply_json(r, 200, &j);
}

/* GET /api/v1/inspection-plans */
static int get_plans(struct http_req *r) {
  struct inspections in = engine(r);
  struct store_ins_filter f = {0};
  if (scope_filter(r, &f) || time_filter(r, &f)) return 0;
  f.campaign = http_query(r, "campaign");
  entity_filter(r, &f);
  f.limit = 5000;
  ANSWER(b, j);
  struct zz_err e = {0};
  if (plans_list(&in, &f, &j, &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  return api_reply_json(r, 200, &j);
}

/* POST /api/v1/inspection-plans: by the campaign's department. */
static int post_plan(struct http_req *r) {
  struct inspections in = engine(r);
  json_t *body = NULL, *camp = NULL;
  if (api_json_body(r, &body)) return 0;
  struct zz_err e = {0};
  const char *cid = json_string_value(json_object_get(body, "campaign"));
  int rc = inspections_campaign(in.st, cid, &camp, &e);
  if (rc) {
    json_decref(body);
    if (rc == ZZ_ENOTFOUND) e.code = ZZ_EINVAL;
    return http_reply_err(r, &e);
  }
  char dept[65];
  const char *d = json_string_value(json_object_get(camp, "department"));
  zz_strlcpy(dept, d ? d : "", sizeof dept);
  json_decref(camp);
  int64_t region = 0, eid = 0;
  const char *key = json_string_value(json_object_get(body, "entity"));
  if (key) inspections_entity(&in, key, &eid, &region); /* unknown: plan_create says so */
  if (authz_inspection(http_app(r), http_auth(r), dept, region, AUTHZ_WRITE)) {
    json_decref(body);
    return authz_deny(r, "campaign", "this campaign's plans", "该专项的计划");
  }
  struct ins_actor who = actor(r);
  int64_t id = 0;
  rc = plan_create(&in, &who, body, &id, &e);
  json_decref(body);
  if (rc) return http_reply_err(r, &e);
  ANSWER(b, j);
  zz_json_obj(&j);
  zz_json_kint(&j, "id", id);
  zz_json_obj_end(&j);
  return api_reply_json(r, 201, &j);
}

/* GET /api/v1/campaigns/:id/progress: the leader's view, within scope. */
static int get_progress(struct http_req *r) {
  struct inspections in = engine(r);
  struct store_ins_filter f = {0};
  if (scope_filter(r, &f)) return 0;
  ANSWER(b, j);
  struct zz_err e = {0};
  if (inspections_progress(&in, http_param(r, "id"), f.rpos_lo, f.rpos_hi, zz_time_now(), &j,
                           &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  return api_reply_json(r, 200, &j);
}

/* GET /api/v1/entities/:key/credit?campaign= */
static int get_credit(struct http_req *r) {
  struct inspections in = engine(r);
  const char *key = http_param(r, "key");
  const char *camp = http_query(r, "campaign");
  int64_t region = 0, eid = 0;
  int rc = key ? inspections_entity(&in, key, &eid, &region) : ZZ_ENOTFOUND;
  if (rc == ZZ_ENOTFOUND)
    return http_fail(r, ZZ_ENOTFOUND, "key", "entity \"%s\" does not exist", key ? key : "");
  if (rc) return http_fail(r, rc, NULL, "cannot read the entity");
  if (authz_inspection(http_app(r), http_auth(r), NULL, region, AUTHZ_READ))
    return authz_deny(r, "key", "this entity", "该对象");
  char dept[65] = "";
  inspections_credit_department(&in, key, camp, dept, sizeof dept);
  int personal = authz_inspection_personal(http_auth(r), dept) == 0;
  ANSWER(b, j);
  struct zz_err e = {0};
  if (credit_read(&in, key, camp && *camp ? camp : NULL, personal, &j, &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  if (personal) http_add_header(r, "Cache-Control", "no-store");
  return api_reply_json(r, 200, &j);
}

#define STAFF_W (ROLE_ADMIN | ROLE_OFFICER)

/* Literal paths before the :id ones: the first matching route wins. */
const struct http_route api_inspections_routes[] = {
    {"GET", "/api/v1/checklists", get_checklists, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/inspections", get_inspections, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/inspections", post_inspection, NULL, HTTP_AUTH_USER, STAFF_W, 256u << 10},
    {"GET", "/api/v1/inspections/:id", get_inspection, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/inspections/:id/photos", post_photo, NULL, HTTP_AUTH_USER, STAFF_W,
     INS_PHOTO_MAX},
    {"GET", "/api/v1/inspections/:id/photos/:pid", get_photo, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/rectifications", get_rectifications, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/inspection-plans", get_plans, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/inspection-plans", post_plan, NULL, HTTP_AUTH_USER, STAFF_W, 16u << 10},
    {"GET", "/api/v1/campaigns/:id/progress", get_progress, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/entities/:key/credit", get_credit, NULL, HTTP_AUTH_USER, 0, 0},
};
const size_t api_inspections_nroutes = ZZ_ARRAY_LEN(api_inspections_routes);
