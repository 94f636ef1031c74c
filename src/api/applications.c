/* applications.c (api) - the routes of applications (申请) and joint
 * approval (联办): submitted online, through an enterprise code or by
 * staff; materials uploaded by the applicant; each department's decision;
 * the status by the applicant's number (/m/a/NUMBER) and the staff view.
 * Each handler parses, authorizes, calls the engine (src/applications/)
 * and writes its answer. */
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "applications/applications.h"
#include "codes/codes.h"

_Static_assert(API_MATERIAL_MAX == APPLICATION_MATERIAL_MAX,
               "the code scan page announces the applications' material cap");

/* The engine, on this server's store, registry and workflow. */
static struct applications engine(struct http_req *r) {
  struct app *app = http_app(r);
  return (struct applications){
      .st = app->st,
      .reg = app->reg,
      .wf = app->wf,
      .data_dir = app->data_dir,
      .sync_files = app->sync_full,
  };
}

/* Sends {"application": v} (v is taken) with status: v as jansson writes
 * it (src/applications/status.c builds it as a tree). No v (memory was
 * short) answers an error, never an empty object. */
static int reply_application(struct http_req *r, int status, json_t *v) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_key(&j, "application");
  if (v)
    zz_json_jansson(&j, v);
  else
    zz_buf_fail(&b, ZZ_ENOMEM);
  zz_json_obj_end(&j);
  json_decref(v);
  return api_reply_json(r, status, &j);
}

static int positive_id(struct http_req *r, int64_t *id) {
  const char *ids = http_param(r, "id");
  if (!ids || zz_parse_i64(ids, id) || *id <= 0)
    return http_fail(r, ZZ_EINVAL, "id", "id must be a positive integer");
  return 0;
}

/* ---- submit ---- */

/* The enterprise an enterprise code in the body binds the application to
 * (entity, "" for none): the order is placed at the entity and the
 * applicant must give its registered contact number. Replies and returns
 * non-zero when the code is refused. */
static int enterprise_of(struct http_req *r, json_t *code, char *entity, size_t cap) {
  if (!code || json_is_null(code)) return 0;
  if (!json_is_string(code))
    return http_fail(r, ZZ_EINVAL, "code", "code must be the token of an enterprise code");
  const char *tok = json_string_value(code);
  if (code_token_valid(tok) && api_rate_limit(r, "application_code", tok, 60, 30)) return 1;
  return api_codes_enterprise(r, tok, entity, cap) ? 1 : 0;
}

static const char *str_member(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Writes the answer to a submitted application. */
static int reply_receipt(struct http_req *r, const struct application_receipt *rc) {
  struct zz_buf b;
  struct zz_json j;
  char url[96];
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "application");
  zz_json_kstr(&j, "number", rc->number);
  zz_json_kint(&j, "order", rc->order);
  snprintf(url, sizeof url, "/api/public/applications/%s", rc->number);
  zz_json_kstr(&j, "status_url", url);
  snprintf(url, sizeof url, "/m/a/%s", rc->number);
  zz_json_kstr(&j, "page_url", url);
  zz_json_key(&j, "materials");
  if (rc->materials) {
    zz_json_jansson(&j, rc->materials);
  } else {
    zz_json_arr(&j);
    zz_json_arr_end(&j);
  }
  zz_json_obj_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, 201, &j);
}

static int submit(struct http_req *r, const char *channel) {
  struct applications ap = engine(r);
  const struct http_auth_ctx *a = http_auth(r);
  json_t *body = NULL;
  struct application_draft d = {0};
  struct zz_err e = {0};
  int rc = 0;
  if (api_json_body(r, &body)) return 0;
  char entity[128] = "";
  if (enterprise_of(r, json_object_get(body, "code"), entity, sizeof entity)) goto done;
  if (entity[0]) channel = "enterprise_code";
  int staff = a->kind == HTTP_AUTH_USER;
  json_t *who = json_object_get(body, "applicant");
  struct application_input in = {
      .matter = str_member(body, "matter"),
      .channel = channel,
      .entity = entity[0] ? entity : NULL,
      .name = json_is_object(who) ? str_member(who, "name") : NULL,
      .phone = str_member(who, "phone"),
      .company = str_member(who, "company"),
      .form = json_object_get(body, "form"),
      /* the applicant is the public; staff who file for them act as
       * themselves (the order is under the applicant's name either way) */
      .who = {.name = staff ? a->user : NULL,
              .role = staff ? a->role : 0,
              .department = staff ? a->department : "",
              .kind = staff ? ACTOR_USER : ACTOR_PUBLIC},
  };
  if (application_check(&ap, &in, &d, &e)) {
    rc = http_reply_err(r, &e);
    goto done;
  }
  /* staff file where they may see the order */
  if (staff && authz_region(http_app(r), a, d.region)) {
    rc = authz_deny(r, "code", entity[0] ? "this enterprise" : "an application for the district",
                    entity[0] ? "此企业" : "面向全区的申请");
    goto done;
  }
  struct application_receipt out;
  if (application_submit(&ap, &d, &out, &e)) {
    rc = http_reply_err(r, &e);
    goto done;
  }
  rc = reply_receipt(r, &out);
done:
  application_draft_free(&d);
  json_decref(body);
  return rc;
}

static int post_public_application(struct http_req *r) {
  if (api_rate_limit(r, "applications", NULL, 60, 20)) return 0;
  return submit(r, "online");
}

static int post_staff_application(struct http_req *r) {
  return submit(r, "staff");
}

/* ---- materials ---- */

/* PUT /api/public/applications/:number/materials/:material (raw body) */
static int put_material(struct http_req *r) {
  if (api_rate_limit(r, "application_upload", NULL, 120, 40)) return 0;
  struct applications ap = engine(r);
  const char *mid = http_param(r, "material");
  size_t len = 0;
  const void *body = http_body(r, &len);
  struct application_upload up;
  struct zz_err e = {0};
  if (application_material_put(&ap, http_param(r, "number"), mid, body, len, &up, &e))
    return http_reply_err(r, &e);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "material");
  zz_json_kstr(&j, "id", mid);
  zz_json_kstr(&j, "type", up.type);
  zz_json_kint(&j, "size", (int64_t)up.size);
  zz_json_obj_end(&j);
  zz_json_kbool(&j, "complete", up.complete);
  zz_json_kbool(&j, "dispatched", up.dispatched);
  zz_json_obj_end(&j);
  return api_reply_json(r, 201, &j);
}

/* ---- the public status ---- */

/* GET /api/public/applications/:number */
static int get_application(struct http_req *r) {
  if (api_rate_limit(r, "application_status", NULL, 120, 30)) return 0;
  struct applications ap = engine(r);
  json_t *v;
  struct zz_err e = {0};
  if (application_status(&ap, http_param(r, "number"), &v, &e)) return http_reply_err(r, &e);
  http_add_header(r, "Cache-Control", "no-store");
  return reply_application(r, 200, v);
}

/* ---- a department's decision on its sub-order ---- */

/* Staff of the dispatch desk and of the deciding departments, within their
 * scope (authz_application), decide and see an application. */
static int may_handle(void *ud, const struct store_order *o) {
  struct http_req *r = ud;
  return authz_application(http_app(r), http_auth(r), o);
}

/* POST /api/v1/orders/:id/decision {"decision":"approve"|"reject","note":"..."} */
static int post_decision(struct http_req *r) {
  struct applications ap = engine(r);
  const struct http_auth_ctx *a = http_auth(r);
  json_t *body = NULL;
  struct application_decision in = {
      .who = {a->user, a->role, a->department, ACTOR_USER}, .may_decide = may_handle, .ud = r};
  if (positive_id(r, &in.order)) return 0;
  if (api_json_body(r, &body)) return 0;
  in.decision = str_member(body, "decision");
  in.note = str_member(body, "note");
  struct application_decided out;
  struct zz_err e = {0};
  int rc;
  if (application_decide(&ap, &in, &out, &e)) {
    rc = http_reply_err(r, &e);
    goto done;
  }
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "decision");
  zz_json_kint(&j, "order", out.order);
  zz_json_kint(&j, "application", out.application);
  zz_json_kstr(&j, "department", out.department);
  zz_json_kstr(&j, "decision", in.decision);
  zz_json_obj_end(&j);
  zz_json_obj_end(&j);
  rc = api_reply_json(r, 201, &j);
done:
  json_decref(body);
  return rc;
}

/* ---- the staff view: applicant, form and materials ---- */

/* GET /api/v1/applications/:id (the joint order's id): staff of the
 * dispatch desk and of the deciding departments see the applicant's
 * contact, the form, the materials received and the decisions so far;
 * viewers and park managers, who may read orders, never (as with a
 * reporter's phone). */
static int get_staff_application(struct http_req *r) {
  struct applications ap = engine(r);
  int64_t id;
  if (positive_id(r, &id)) return 0;
  json_t *v;
  struct zz_err e = {0};
  if (application_staff_view(&ap, id, may_handle, r, &v, &e)) return http_reply_err(r, &e);
  return reply_application(r, 200, v);
}

/* GET /api/v1/applications/:id/materials/:material: the file itself. */
static int get_staff_material(struct http_req *r) {
  struct applications ap = engine(r);
  int64_t id;
  if (positive_id(r, &id)) return 0;
  struct application_file f;
  struct zz_err e = {0};
  if (application_material_file(&ap, id, http_param(r, "material"), may_handle, r, &f, &e))
    return http_reply_err(r, &e);
  http_add_header(r, "X-Content-Type-Options", "nosniff");
  return http_reply_file(r, f.path, f.mime, 0);
}

const struct http_route api_applications_routes[] = {
    {"POST", "/api/public/applications", post_public_application, NULL, HTTP_AUTH_NONE, 0,
     64u << 10},
    {"GET", "/api/public/applications/:number", get_application, NULL, HTTP_AUTH_NONE, 0, 0},
    {"PUT", "/api/public/applications/:number/materials/:material", put_material, NULL,
     HTTP_AUTH_NONE, 0, APPLICATION_MATERIAL_MAX},
    {"POST", "/api/v1/applications", post_staff_application, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_DISPATCHER, 64u << 10},
    {"GET", "/api/v1/applications/:id", get_staff_application, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/applications/:id/materials/:material", get_staff_material, NULL,
     HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/orders/:id/decision", post_decision, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_OFFICER, 16u << 10},
};
const size_t api_applications_nroutes = ZZ_ARRAY_LEN(api_applications_routes);
