/* cases.c (api) - the routes of case files (个案, the 心花绽放 employment
 * help first): the caseworker's list, a file with its timeline, new
 * files and timeline entries, the CSV export, and the counts that anyone
 * signed in may see. Each handler parses, authorizes (authz_case), calls
 * the engine (src/cases/) and writes the answer. */
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "cases/cases.h"
#include "export/export.h"

static struct cases engine(struct http_req *r) {
  struct app *app = http_app(r);
  return (struct cases){.st = app->st, .reg = app->reg, .wf = app->wf};
}

static struct case_actor actor(struct http_req *r) {
  const struct http_auth_ctx *a = http_auth(r);
  return (struct case_actor){.name = a->user, .department = a->department, .role = a->role};
}

static int deny(struct http_req *r) {
  return authz_deny(r, "case", "this case file", "该个案");
}

static int positive_id(struct http_req *r, int64_t *id) {
  const char *ids = http_param(r, "id");
  if (!ids || zz_parse_i64(ids, id) || *id <= 0)
    return http_fail(r, ZZ_EINVAL, "id", "id must be a positive integer");
  return 0;
}

/* Authorizes the file id (404 before 403 would tell a stranger which ids
 * exist, so an unknown id and a refused one both answer after the owner
 * is known: unknown 404, not yours 403, as orders do). */
static int authorize_file(struct http_req *r, int64_t id) {
  struct cases cs = engine(r);
  char dept[65];
  int64_t region = 0;
  int rc = case_owner(&cs, id, dept, sizeof dept, &region);
  if (rc == ZZ_ENOTFOUND) return http_fail(r, ZZ_ENOTFOUND, "id", "no case %lld", (long long)id);
  if (rc) return http_fail(r, rc, NULL, "cannot read the case");
  if (authz_case(http_app(r), http_auth(r), dept, region)) return deny(r);
  return 0;
}

/* The list's filter from the query, limited to what the caller may see:
 * an officer its department's files, a scoped admin its street's. */
static int list_filter(struct http_req *r, struct store_case_filter *f, int paged) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  memset(f, 0, sizeof *f);
  f->program = http_query(r, "program");
  /* an officer lists the files of a programme its department owns */
  json_t *prog = NULL;
  struct zz_err e = {0};
  if (cases_program(app->st, f->program, &prog, &e)) {
    http_reply_err(r, &e);
    return 1;
  }
  int refused = authz_case(app, a, json_string_value(json_object_get(prog, "department")), 0);
  json_decref(prog);
  if (refused) {
    deny(r);
    return 1;
  }
  f->intention = http_query(r, "intention");
  f->status = http_query(r, "status");
  f->q = http_query(r, "q");
  if (!(a->role & ROLE_ADMIN)) f->department = a->department;
  struct api_region rg;
  /* a street named, or a scoped caller's own street (cases sit at streets) */
  if (http_query(r, "street") || !authz_unscoped(a)) {
    if (api_region(r, "street", 0, &rg)) return 1;
    f->region = rg.id;
  }
  const char *due = http_query(r, "due");
  if (due && strcmp(due, "1") == 0) f->due_before = zz_time_now() + 1;
  if (paged) {
    int64_t limit, offset;
    if (api_int(r, "limit", 50, 1, CASES_LIST_MAX, &limit) ||
        api_int(r, "offset", 0, 0, 1000000, &offset))
      return 1;
    f->limit = (int)limit;
    f->offset = (int)offset;
  }
  return 0;
}

/* GET /api/v1/cases */
static int get_cases(struct http_req *r) {
  struct cases cs = engine(r);
  struct store_case_filter f;
  if (list_filter(r, &f, 1)) return 0;
  struct case_actor who = actor(r);
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e = {0};
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  if (cases_list(&cs, &who, &f, zz_time_now(), &j, &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  return api_reply_json(r, 200, &j);
}

/* GET /api/v1/cases/export: the list as CSV, every matching file. */
static int get_export(struct http_req *r) {
  struct cases cs = engine(r);
  struct store_case_filter f;
  if (list_filter(r, &f, 0)) return 0;
  struct case_actor who = actor(r);
  struct zz_buf b;
  struct zz_err e = {0};
  zz_buf_init(&b, 64u << 20);
  if (cases_export_csv(&cs, &who, &f, &b, &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  char cd[256], day[32];
  zz_time_format(zz_time_now(), day);
  day[10] = '\0';
  char base[64], ascii[64];
  snprintf(base, sizeof base, "个案-%s", day);
  snprintf(ascii, sizeof ascii, "cases-%s", day);
  http_add_header(r, "Content-Disposition", export_disposition(base, ascii, "csv", cd, sizeof cd));
  http_add_header(r, "Cache-Control", "no-store");
  return http_reply(r, 200, "text/csv; charset=utf-8", &b);
}

/* POST /api/v1/cases */
static int post_case(struct http_req *r) {
  struct cases cs = engine(r);
  json_t *body = NULL;
  if (api_json_body(r, &body)) return 0;
  struct case_actor who = actor(r);
  const struct http_auth_ctx *a = http_auth(r);
  /* the file will belong to the programme's department: only its
   * caseworkers (and admins) open one */
  json_t *prog = NULL;
  struct zz_err e = {0};
  int64_t id = 0;
  int rc = cases_program(cs.st, json_string_value(json_object_get(body, "program")), &prog, &e);
  if (rc) goto fail;
  if (authz_case(http_app(r), a, json_string_value(json_object_get(prog, "department")), 0)) {
    json_decref(prog);
    json_decref(body);
    return deny(r);
  }
  json_t *street = json_object_get(body, "street");
  if (json_is_string(street) && authz_region_path(http_app(r), a, json_string_value(street))) {
    json_decref(prog);
    json_decref(body);
    return deny(r);
  }
  if ((rc = case_create(&cs, &who, body, &id, &e))) goto fail;
  json_decref(prog);
  json_decref(body);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kint(&j, "id", id);
  zz_json_obj_end(&j);
  return api_reply_json(r, 201, &j);
fail:
  json_decref(prog);
  json_decref(body);
  return http_reply_err(r, &e);
}

/* GET /api/v1/cases/:id: the file, audited. */
static int get_case(struct http_req *r) {
  struct cases cs = engine(r);
  int64_t id;
  if (positive_id(r, &id) || authorize_file(r, id)) return 0;
  struct case_actor who = actor(r);
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e = {0};
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  if (case_read(&cs, &who, id, &j, &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  http_add_header(r, "Cache-Control", "no-store");
  return api_reply_json(r, 200, &j);
}

/* POST /api/v1/cases/:id/entries */
static int post_entry(struct http_req *r) {
  struct cases cs = engine(r);
  int64_t id, entry = 0;
  if (positive_id(r, &id) || authorize_file(r, id)) return 0;
  json_t *body = NULL;
  if (api_json_body(r, &body)) return 0;
  struct case_actor who = actor(r);
  struct zz_err e = {0};
  int rc = case_entry_add(&cs, &who, id, body, &entry, &e);
  json_decref(body);
  if (rc) return http_reply_err(r, &e);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kint(&j, "id", entry);
  zz_json_kint(&j, "case", id);
  zz_json_obj_end(&j);
  return api_reply_json(r, 201, &j);
}

/* GET /api/v1/cases/stats: counts only, for every signed-in user. */
static int get_stats(struct http_req *r) {
  struct cases cs = engine(r);
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e = {0};
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  if (cases_stats(&cs, http_query(r, "program"), &j, &e)) {
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  return api_reply_json(r, 200, &j);
}

/* GET /api/v1/case-programs: the programmes and their kinds. */
static int get_programs(struct http_req *r) {
  struct cases cs = engine(r);
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e = {0};
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  if (cases_programs_json(cs.st, &j, &e)) { /* a store failure is no empty list */
    zz_buf_free(&b);
    return http_reply_err(r, &e);
  }
  return api_reply_json(r, 200, &j);
}

/* Literal paths before /cases/:id: the first matching route wins. */
const struct http_route api_cases_routes[] = {
    {"GET", "/api/v1/case-programs", get_programs, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/cases/stats", get_stats, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/cases/export", get_export, NULL, HTTP_AUTH_USER, ROLE_ADMIN | ROLE_OFFICER, 0},
    {"GET", "/api/v1/cases", get_cases, NULL, HTTP_AUTH_USER, ROLE_ADMIN | ROLE_OFFICER, 0},
    {"POST", "/api/v1/cases", post_case, NULL, HTTP_AUTH_USER, ROLE_ADMIN | ROLE_OFFICER,
     16u << 10},
    {"GET", "/api/v1/cases/:id", get_case, NULL, HTTP_AUTH_USER, ROLE_ADMIN | ROLE_OFFICER, 0},
    {"POST", "/api/v1/cases/:id/entries", post_entry, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_OFFICER, 16u << 10},
};
const size_t api_cases_nroutes = ZZ_ARRAY_LEN(api_cases_routes);
