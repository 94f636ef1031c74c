/* campaigns.c (api) - the routes of campaigns (专项行动, the 限塑 campaign
 * in the farmers' markets first): the list and the dashboard, the pledges
 * signed (listed with signers masked for all but the campaign's
 * department; recorded on paper by that department), the promotion
 * activities, and under an enterprise code the pledges its entity is asked
 * to sign and the signature itself (contact phone checked, rate limited
 * like the other public routes). Each handler parses, authorizes
 * (authz_campaign), calls the engine (src/campaigns/) and writes the
 * answer. */
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "api/codes_int.h"
#include "campaigns/campaigns.h"
#include "codes/codes.h"

static struct campaigns engine(struct http_req *r) {
  struct app *app = http_app(r);
  return (struct campaigns){.st = app->st, .reg = app->reg};
}

static int deny(struct http_req *r, const char *field) {
  return authz_deny(r, field, "this campaign's records", "此专项行动的记录");
}

/* The campaign of the path's id as a new reference; answers 404 itself. */
static json_t *path_campaign(struct http_req *r) {
  json_t *c = NULL;
  struct zz_err e = {0};
  if (campaign_def(http_app(r)->st, http_param(r, "id"), &c, &e)) {
    http_reply_err(r, &e);
    return NULL;
  }
  return c;
}

/* What the caller may see of campaign c (NULL: any campaign): the region
 * asked for (?region=PATH) cut to its scope, and the signers whole only
 * for the campaign's department and admins. Answers itself and returns
 * non-zero when the region is refused. */
static int view_of(struct http_req *r, const json_t *c, struct cp_view *v) {
  const struct http_auth_ctx *a = http_auth(r);
  memset(v, 0, sizeof *v);
  if (http_query(r, "region") || !authz_unscoped(a)) {
    struct api_region rg;
    if (api_region(r, "region", 0, &rg)) return 1;
    v->rpos_lo = rg.lo;
    v->rpos_hi = rg.hi;
  }
  v->personal = c && authz_campaign(http_app(r), a, campaign_department(c), 0, AUTHZ_WRITE) == 0;
  return 0;
}

static int reply_engine(struct http_req *r, int rc, struct zz_buf *b, struct zz_json *j,
                        const struct zz_err *e, int status) {
  if (rc) {
    zz_buf_free(b);
    return http_reply_err(r, e);
  }
  return api_reply_json(r, status, j);
}

/* GET /api/v1/campaigns */
static int get_campaigns(struct http_req *r) {
  struct campaigns cs = engine(r);
  struct cp_view v;
  if (view_of(r, NULL, &v)) return 0;
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e = {0};
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  int rc = campaigns_list_json(&cs, &v, &j, &e);
  return reply_engine(r, rc, &b, &j, &e, 200);
}

/* GET /api/v1/campaigns/:id: the dashboard (counts, no personal data). */
static int get_campaign(struct http_req *r) {
  struct campaigns cs = engine(r);
  json_t *c = path_campaign(r);
  if (!c) return 0;
  struct cp_view v;
  int refused = view_of(r, c, &v);
  json_decref(c);
  if (refused) return 0;
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e = {0};
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  int rc = campaign_dashboard_json(&cs, http_param(r, "id"), &v, &j, &e);
  return reply_engine(r, rc, &b, &j, &e, 200);
}

/* GET /api/v1/campaigns/:id/pledges */
static int get_pledges(struct http_req *r) {
  struct campaigns cs = engine(r);
  json_t *c = path_campaign(r);
  if (!c) return 0;
  struct cp_view v;
  int refused = view_of(r, c, &v);
  json_decref(c);
  int64_t limit;
  if (refused || api_int(r, "limit", 50, 1, CAMPAIGNS_LIST_MAX, &limit)) return 0;
  struct cp_pledge_query q = {.pledge = http_query(r, "pledge"),
                              .entity = http_query(r, "entity"),
                              .parent = http_query(r, "parent"),
                              .cursor = http_query(r, "cursor"),
                              .limit = (int)limit};
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e = {0};
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  int rc = campaign_pledges_json(&cs, http_param(r, "id"), &v, &q, &j, &e);
  /* names and phones, whole or masked: never kept by a cache */
  if (!rc) http_add_header(r, "Cache-Control", "no-store");
  return reply_engine(r, rc, &b, &j, &e, 200);
}

/* 409 already_signed, with when: the page shows the first signature. */
static int reply_signed(struct http_req *r, const struct zz_err *e, int64_t signed_at) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "error");
  zz_json_kstr(&j, "code", "already_signed");
  zz_json_kstr(&j, "message", e->msg);
  zz_json_kstr(&j, "message_zh", e->msg_zh[0] ? e->msg_zh : e->msg);
  zz_json_kstr(&j, "field", e->field);
  zz_json_ktime(&j, "signed_at", signed_at);
  zz_json_obj_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, 409, &j);
}

static int reply_sign(struct http_req *r, int rc, struct zz_buf *b, struct zz_json *j,
                      const struct zz_err *e, int64_t signed_at) {
  if (rc == ZZ_EEXISTS) {
    zz_buf_free(b);
    return reply_signed(r, e, signed_at);
  }
  return reply_engine(r, rc, b, j, e, 201);
}

/* The entity a body names ("entity"), authorized for writing in campaign
 * c: 0, or non-zero once it has answered (404 unknown, 403 refused). */
static int authorize_entity(struct http_req *r, const json_t *c, const json_t *body) {
  struct campaigns cs = engine(r);
  const json_t *ek = json_object_get(body, "entity");
  if (!ek || json_is_null(ek)) return 0;
  if (!json_is_string(ek)) return http_fail(r, ZZ_EINVAL, "entity", "entity must be a string");
  struct cp_entity en;
  struct zz_err e = {0};
  if (campaign_entity(&cs, json_string_value(ek), "entity", &en, &e))
    return http_reply_err(r, &e), 1;
  if (authz_campaign(http_app(r), http_auth(r), campaign_department(c), en.region, AUTHZ_WRITE))
    return deny(r, "entity"), 1;
  return 0;
}

/* POST /api/v1/campaigns/:id/pledges: a paper signature, by the department. */
static int post_pledge(struct http_req *r) {
  struct campaigns cs = engine(r);
  json_t *c = path_campaign(r), *body = NULL;
  if (!c) return 0;
  int rc = 0;
  if (authz_campaign(http_app(r), http_auth(r), campaign_department(c), 0, AUTHZ_WRITE)) {
    deny(r, "id");
    goto done;
  }
  if (api_json_body(r, &body) || authorize_entity(r, c, body)) goto done;
  const struct http_auth_ctx *a = http_auth(r);
  struct cp_actor who = {a->user};
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e = {0};
  int64_t signed_at = 0;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  rc = campaign_sign_paper(&cs, &who, http_param(r, "id"), body, &j, &signed_at, &e);
  reply_sign(r, rc, &b, &j, &e, signed_at);
done:
  json_decref(body);
  json_decref(c);
  return 0;
}

/* GET /api/v1/campaigns/:id/activities */
static int get_activities(struct http_req *r) {
  struct campaigns cs = engine(r);
  json_t *c = path_campaign(r);
  if (!c) return 0;
  struct cp_view v;
  int refused = view_of(r, c, &v);
  json_decref(c);
  int64_t limit;
  if (refused || api_int(r, "limit", 50, 1, CAMPAIGNS_LIST_MAX, &limit)) return 0;
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e = {0};
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  int rc = campaign_activities_json(&cs, http_param(r, "id"), &v, http_query(r, "kind"),
                                    http_query(r, "cursor"), (int)limit, &j, &e);
  return reply_engine(r, rc, &b, &j, &e, 200);
}

/* POST /api/v1/campaigns/:id/activities */
static int post_activity(struct http_req *r) {
  struct campaigns cs = engine(r);
  json_t *c = path_campaign(r), *body = NULL;
  if (!c) return 0;
  if (authz_campaign(http_app(r), http_auth(r), campaign_department(c), 0, AUTHZ_WRITE)) {
    deny(r, "id");
    goto done;
  }
  if (api_json_body(r, &body) || authorize_entity(r, c, body)) goto done;
  const struct http_auth_ctx *a = http_auth(r);
  struct cp_actor who = {a->user};
  struct zz_err e = {0};
  int64_t id = 0;
  if (campaign_activity_add(&cs, &who, http_param(r, "id"), body, &id, &e)) {
    http_reply_err(r, &e);
    goto done;
  }
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kint(&j, "id", id);
  zz_json_obj_end(&j);
  api_reply_json(r, 201, &j);
done:
  json_decref(body);
  json_decref(c);
  return 0;
}

/* ---- public: under an enterprise code ---- */

/* GET /api/public/codes/:token/pledges */
static int get_public_pledges(struct http_req *r) {
  if (codes_limit(r, "scan", NULL, SCAN_PER_MIN, SCAN_BURST)) return 0;
  const char *tok = http_param(r, "token");
  if (code_token_valid(tok) && codes_limit(r, "scan_code", tok, CODE_SCAN_PER_MIN, CODE_SCAN_BURST))
    return 0;
  struct code_info k;
  if (api_codes_find(r, tok, "token", &k)) return 0;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  if (strcmp(k.kind, "enterprise") != 0) {
    /* a customer code's venue signs nothing through it */
    zz_json_obj(&j);
    zz_json_karr(&j, "pledges");
    zz_json_arr_end(&j);
    zz_json_obj_end(&j);
    return api_reply_json(r, 200, &j);
  }
  struct campaigns cs = engine(r);
  struct zz_err e = {0};
  int rc = campaign_public_pledges_json(&cs, k.entity, &j, &e);
  if (!rc) http_add_header(r, "Cache-Control", "no-store");
  return reply_engine(r, rc, &b, &j, &e, 200);
}

/* POST /api/public/codes/:token/pledges: the signer signs on a phone. The
 * contact phone is a secret guessed at most a few times a minute per
 * code, as the enterprise's confirmation (POST .../verify) is. */
static int post_public_pledge(struct http_req *r) {
  if (codes_limit(r, "pledge", NULL, REPORT_PER_MIN, REPORT_BURST)) return 0;
  const char *tok = http_param(r, "token");
  if (code_token_valid(tok) && codes_limit(r, "pledge_code", tok, 10, 5)) return 0;
  struct code_info k;
  if (api_codes_find(r, tok, "token", &k)) return 0;
  if (strcmp(k.kind, "enterprise") != 0)
    return http_fail(r, ZZ_EINVAL, "token",
                     "pledges are signed through an enterprise code; this is a customer code");
  json_t *body = NULL;
  if (api_json_body(r, &body)) return 0;
  struct campaigns cs = engine(r);
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e = {0};
  int64_t signed_at = 0;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  int rc = campaign_sign_public(&cs, k.entity, body, &j, &signed_at, &e);
  json_decref(body);
  return reply_sign(r, rc, &b, &j, &e, signed_at);
}

const struct http_route api_campaigns_routes[] = {
    {"GET", "/api/v1/campaigns", get_campaigns, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/campaigns/:id", get_campaign, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/campaigns/:id/pledges", get_pledges, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/campaigns/:id/pledges", post_pledge, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_OFFICER, 8192},
    {"GET", "/api/v1/campaigns/:id/activities", get_activities, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/campaigns/:id/activities", post_activity, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_OFFICER, 8192},
    {"GET", "/api/public/codes/:token/pledges", get_public_pledges, NULL, HTTP_AUTH_NONE, 0, 0},
    {"POST", "/api/public/codes/:token/pledges", post_public_pledge, NULL, HTTP_AUTH_NONE, 0, 4096},
};
const size_t api_campaigns_nroutes = ZZ_ARRAY_LEN(api_campaigns_routes);
