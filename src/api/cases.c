/* cases.c (api) - the routes of case files (个案, the 心花绽放 employment
 * help first): the caseworker's list, a file with its timeline, new
 * files and timeline entries, policy applications started for a file, the
 * CSV export, the counts that anyone signed in may see, the programme's
 * activities with their codes and attendance, and the public check-in of
 * a scanned activity code. Each handler parses, authorizes (authz_case),
 * calls the engine (src/cases/) and writes the answer. */
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "api/codes_int.h"
#include "applications/applications.h"
#include "cases/cases.h"
#include "codes/codes.h"
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

/* An answer being written: the document and the engine's error. Every
 * handler that answers JSON begins one, lets the engine write into it and
 * ends it with the engine's return code. */
struct answer {
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e;
};

static struct zz_json *answer_begin(struct answer *a) {
  memset(a, 0, sizeof *a);
  zz_buf_init(&a->b, 0);
  zz_json_init(&a->j, &a->b);
  return &a->j;
}

/* rc 0: the document with status; else the error the engine left in a->e. */
static int answer_end(struct http_req *r, struct answer *a, int rc, int status) {
  if (rc) {
    zz_buf_free(&a->b);
    return http_reply_err(r, &a->e);
  }
  return api_reply_json(r, status, &a->j);
}

/* 201 {"id": id} (and "case": of when non-zero). */
static int reply_created(struct http_req *r, int64_t id, int64_t of) {
  struct answer a;
  struct zz_json *j = answer_begin(&a);
  zz_json_obj(j);
  zz_json_kint(j, "id", id);
  if (of) zz_json_kint(j, "case", of);
  zz_json_obj_end(j);
  return answer_end(r, &a, 0, 201);
}

static int positive_id(struct http_req *r, int64_t *id) {
  const char *ids = http_param(r, "id");
  if (!ids || zz_parse_i64(ids, id) || *id <= 0)
    return http_fail(r, ZZ_EINVAL, "id", "id must be a positive integer");
  return 0;
}

/* The programme named (NULL: the first), refused unless the caller may
 * keep its files (its department's caseworkers, admins): 0, or non-zero
 * once the answer is sent. */
static int authorize_program(struct http_req *r, const char *program) {
  json_t *prog = NULL;
  struct zz_err e = {0};
  if (cases_program(http_app(r)->st, program, &prog, &e)) return http_reply_err(r, &e), 1;
  int refused = authz_case(http_app(r), http_auth(r),
                           json_string_value(json_object_get(prog, "department")), 0);
  json_decref(prog);
  return refused ? (deny(r), 1) : 0;
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
  const struct http_auth_ctx *a = http_auth(r);
  memset(f, 0, sizeof *f);
  f->program = http_query(r, "program");
  /* an officer lists the files of a programme its department owns */
  if (authorize_program(r, f->program)) return 1;
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
  struct answer a;
  struct zz_json *j = answer_begin(&a);
  return answer_end(r, &a, cases_list(&cs, &who, &f, zz_time_now(), j, &a.e), 200);
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

/* POST /api/v1/cases: the file will belong to the programme's
 * department: only its caseworkers (and admins) open one, in their scope. */
static int post_case(struct http_req *r) {
  struct cases cs = engine(r);
  json_t *body = NULL;
  if (api_json_body(r, &body)) return 0;
  struct case_actor who = actor(r);
  struct zz_err e = {0};
  int64_t id = 0;
  json_t *street = json_object_get(body, "street");
  if (authorize_program(r, json_string_value(json_object_get(body, "program")))) goto done;
  if (json_is_string(street) &&
      authz_region_path(http_app(r), http_auth(r), json_string_value(street))) {
    deny(r);
    goto done;
  }
  if (case_create(&cs, &who, body, &id, &e))
    http_reply_err(r, &e);
  else
    reply_created(r, id, 0);
done:
  json_decref(body);
  return 0;
}

/* GET /api/v1/cases/:id: the file, audited. */
/* An audited read of the record :id (a file, an activity's attendance):
 * authorized by authorize, written by read, never cached. */
static int audited_read(struct http_req *r, int (*authorize)(struct http_req *, int64_t),
                        int (*read)(struct cases *, const struct case_actor *, int64_t,
                                    struct zz_json *, struct zz_err *)) {
  struct cases cs = engine(r);
  int64_t id;
  if (positive_id(r, &id) || authorize(r, id)) return 0;
  struct case_actor who = actor(r);
  struct answer a;
  struct zz_json *j = answer_begin(&a);
  int rc = read(&cs, &who, id, j, &a.e);
  if (!rc) http_add_header(r, "Cache-Control", "no-store");
  return answer_end(r, &a, rc, 200);
}

static int get_case(struct http_req *r) {
  return audited_read(r, authorize_file, case_read);
}

/* The file :id, authorized, and the request's JSON body: 0, or non-zero
 * once the refusal is answered. */
static int file_and_body(struct http_req *r, int64_t *id, json_t **body) {
  *body = NULL;
  return positive_id(r, id) || authorize_file(r, *id) || api_json_body(r, body);
}

/* POST /api/v1/cases/:id/entries */
static int post_entry(struct http_req *r) {
  struct cases cs = engine(r);
  int64_t id, entry = 0;
  json_t *body;
  if (file_and_body(r, &id, &body)) return 0;
  struct case_actor who = actor(r);
  struct zz_err e = {0};
  int rc = case_entry_add(&cs, &who, id, body, &entry, &e);
  json_decref(body);
  if (rc) return http_reply_err(r, &e);
  return reply_created(r, entry, id);
}

/* POST /api/v1/cases/:id/applications {"matter","form"?,"note"?}: a
 * policy application for the file's person through the applications
 * flow; the answer gives its number and the page where the applicant
 * uploads the materials. */
static int post_application(struct http_req *r) {
  struct cases cs = engine(r);
  int64_t id, order = 0;
  json_t *body;
  if (file_and_body(r, &id, &body)) return 0;
  struct case_actor who = actor(r);
  char number[APPLICATION_NUMBER_LEN + 1] = "", url[64];
  struct answer a;
  struct zz_json *j = answer_begin(&a);
  int rc = case_application_start(&cs, &who, id, body, number, sizeof number, &order, &a.e);
  json_decref(body);
  if (!rc) {
    zz_json_obj(j);
    zz_json_kobj(j, "application");
    zz_json_kstr(j, "number", number);
    zz_json_kint(j, "order", order);
    zz_json_kint(j, "case", id);
    snprintf(url, sizeof url, "/m/a/%s", number);
    zz_json_kstr(j, "page_url", url);
    zz_json_obj_end(j);
    zz_json_obj_end(j);
  }
  return answer_end(r, &a, rc, 201);
}

/* GET /api/v1/cases/stats: counts only, for every signed-in user. */
static int get_stats(struct http_req *r) {
  struct cases cs = engine(r);
  struct answer a;
  struct zz_json *j = answer_begin(&a);
  return answer_end(r, &a, cases_stats(&cs, http_query(r, "program"), j, &a.e), 200);
}

/* GET /api/v1/case-programs: the programmes and their kinds. A store
 * failure is an error, never an empty list. */
static int get_programs(struct http_req *r) {
  struct cases cs = engine(r);
  struct answer a;
  struct zz_json *j = answer_begin(&a);
  return answer_end(r, &a, cases_programs_json(cs.st, j, &a.e), 200);
}

/* ---- activities ---- */

/* Authorizes activity id as its programme's files are: 0, or answered. */
static int authorize_activity(struct http_req *r, int64_t id) {
  struct cases cs = engine(r);
  char dept[65];
  int64_t region = 0;
  int rc = case_activity_owner(&cs, id, dept, sizeof dept, &region);
  if (rc == ZZ_ENOTFOUND)
    return http_fail(r, ZZ_ENOTFOUND, "id", "no activity %lld", (long long)id);
  if (rc) return http_fail(r, rc, NULL, "cannot read the activities");
  if (authz_case(http_app(r), http_auth(r), dept, region))
    return authz_deny(r, "id", "this activity", "该活动");
  return 0;
}

/* GET /api/v1/case-activities?program=: the programme's activities (an
 * officer's department's), with their attendance counts. */
static int get_activities(struct http_req *r) {
  struct cases cs = engine(r);
  const char *program = http_query(r, "program");
  if (authorize_program(r, program)) return 0;
  const struct http_auth_ctx *au = http_auth(r);
  const char *dept = au->role & ROLE_ADMIN ? NULL : au->department;
  struct answer a;
  struct zz_json *j = answer_begin(&a);
  return answer_end(r, &a, cases_activities_json(&cs, program, dept, j, &a.e), 200);
}

/* POST /api/v1/case-activities: a new activity with its code. A scoped
 * caller places it in its scope; at the district (no street) only an
 * unscoped one. */
static int post_activity(struct http_req *r) {
  struct cases cs = engine(r);
  json_t *body = NULL;
  if (api_json_body(r, &body)) return 0;
  const struct http_auth_ctx *au = http_auth(r);
  json_t *street = json_object_get(body, "street");
  int64_t id = 0;
  struct zz_err e = {0};
  struct case_actor who = actor(r);
  if (authorize_program(r, json_string_value(json_object_get(body, "program")))) goto done;
  if (json_is_string(street) ? authz_region_path(http_app(r), au, json_string_value(street)) != 0
                             : !authz_unscoped(au)) {
    authz_deny(r, "street", "this street", "此街道");
    goto done;
  }
  if (case_activity_create(&cs, &who, body, &id, &e))
    http_reply_err(r, &e);
  else
    reply_created(r, id, 0);
done:
  json_decref(body);
  return 0;
}

/* GET /api/v1/case-activities/:id: the activity and who checked in
 * (names and masked phones), audited. */
static int get_activity(struct http_req *r) {
  return audited_read(r, authorize_activity, case_activity_read);
}

/* GET /api/v1/case-activities/:id/qr.svg: the check-in page's address as
 * a QR code, to print or to show on a screen at the activity. */
static int get_activity_qr(struct http_req *r) {
  struct cases cs = engine(r);
  int64_t id;
  if (positive_id(r, &id) || authorize_activity(r, id)) return 0;
  char tok[CODE_TOKEN_LEN + 1], base[256], url[400];
  if (case_activity_token(&cs, id, tok, sizeof tok))
    return http_fail(r, ZZ_ENOTFOUND, "id", "activity %lld has no code in use", (long long)id);
  if (http_base_url(r, base, sizeof base))
    return http_fail(r, ZZ_EINVAL, "Host", "the Host header is not a host name");
  snprintf(url, sizeof url, "%s/m/k/%s", base, tok);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  int rc = code_qr_svg(url, &b);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "qr", "cannot render the QR code");
  }
  http_add_header(r, "Cache-Control", "no-store");
  return http_reply(r, 200, "image/svg+xml", &b);
}

/* ---- public: a scanned activity code ---- */

/* Per client address as the other public forms; per code far above what
 * a room of mothers produces. */
#define CHECKIN_PER_MIN 20
#define CHECKIN_BURST 10

static int checkin_limits(struct http_req *r, const char *scope) {
  const char *tok = http_param(r, "token");
  if (codes_limit(r, scope, NULL, CHECKIN_PER_MIN, CHECKIN_BURST)) return 1;
  return code_token_valid(tok) &&
         codes_limit(r, "checkin_code", tok, CODE_REPORT_PER_MIN, CODE_REPORT_BURST);
}

/* GET /api/public/checkin/:token: what the activity is (what its poster
 * says), never who came. */
static int get_checkin(struct http_req *r) {
  if (checkin_limits(r, "checkin_info")) return 0;
  struct cases cs = engine(r);
  struct answer a;
  struct zz_json *j = answer_begin(&a);
  return answer_end(r, &a, case_checkin_info(&cs, http_param(r, "token"), j, &a.e), 200);
}

/* POST /api/public/checkin/:token {"phone"}: {"checked_in":true,
 * "already":bool} and nothing of the person. */
static int post_checkin(struct http_req *r) {
  if (checkin_limits(r, "checkin")) return 0;
  struct cases cs = engine(r);
  json_t *body = NULL;
  if (api_json_body(r, &body)) return 0;
  int already = 0;
  struct answer a;
  struct zz_json *j = answer_begin(&a);
  int rc = case_checkin(&cs, http_param(r, "token"),
                        json_string_value(json_object_get(body, "phone")), &already, &a.e);
  json_decref(body);
  if (!rc) {
    zz_json_obj(j);
    zz_json_kbool(j, "checked_in", 1);
    zz_json_kbool(j, "already", already);
    zz_json_obj_end(j);
  }
  return answer_end(r, &a, rc, already ? 200 : 201);
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
    {"POST", "/api/v1/cases/:id/applications", post_application, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_OFFICER, 16u << 10},
    {"GET", "/api/v1/case-activities", get_activities, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_OFFICER, 0},
    {"POST", "/api/v1/case-activities", post_activity, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_OFFICER, 8u << 10},
    {"GET", "/api/v1/case-activities/:id", get_activity, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_OFFICER, 0},
    {"GET", "/api/v1/case-activities/:id/qr.svg", get_activity_qr, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_OFFICER, 0},
    {"GET", "/api/public/checkin/:token", get_checkin, NULL, HTTP_AUTH_NONE, 0, 0},
    {"POST", "/api/public/checkin/:token", post_checkin, NULL, HTTP_AUTH_NONE, 0, 1024},
};
const size_t api_cases_nroutes = ZZ_ARRAY_LEN(api_cases_routes);
