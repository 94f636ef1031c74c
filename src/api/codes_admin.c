/* codes_admin.c (api) - the operator's routes of customer and enterprise
 * codes under /api/v1/codes: generate codes for a region's entities, list
 * them (with their entities' names and recent scans), show one with its
 * scans by day, revoke or reissue one, and render its scan URL as a QR code
 * (SVG, PNG). Every route checks the caller's scope over the code's region
 * (authz_code). The codes themselves are src/codes/. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "api/codes_int.h"
#include "codes/codes.h"
#include "store/store_codes.h"
#include "store/store_registry.h"

/* The public scan URL of a token into out: --public-url, else the
 * request's Host (a trusted proxy's X-Forwarded-Host/-Proto), checked to
 * hold only host characters (it is echoed into QR codes and pages); see
 * http_base_url. Returns 0, or ZZ_EINVAL for a Host that is not a host name. */
static int scan_url_of(struct http_req *r, const char *token, char *out, size_t cap) {
  char base[256];
  if (http_base_url(r, base, sizeof base)) return ZZ_EINVAL;
  snprintf(out, cap, "%s/m/c/%s", base, token);
  return 0;
}

/* The URL a code's QR encodes: an activity's check-in page (/m/k/, a case
 * programme's activity), else the scan page. */
static int code_url_of(struct http_req *r, const char *kind, const char *token, char *out,
                       size_t cap) {
  int rc = scan_url_of(r, token, out, cap);
  char *m = strstr(out, "/m/c/");
  if (!rc && kind && strcmp(kind, "activity") == 0 && m) m[3] = 'k';
  return rc;
}

/* scan_url_of, answering 400 itself for a bad Host. */
static int scan_url(struct http_req *r, const char *token, char *out, size_t cap) {
  if (scan_url_of(r, token, out, cap))
    return http_fail(r, ZZ_EINVAL, "Host", "the Host header is not a host name");
  return 0;
}

/* The members of code c, into the object open in j. */
static void code_json(struct http_req *r, struct zz_json *j, const struct store_code *c) {
  char url[512];
  zz_json_kint(j, "id", c->id);
  zz_json_kstr(j, "token", c->token);
  zz_json_kstr(j, "kind", c->kind);
  zz_json_kstr(j, "entity", c->entity);
  zz_json_kstr(j, "entity_type", c->entity_type);
  struct app *app = http_app(r);
  registry_rdlock(app->reg);
  const struct reg_region *rg = registry_region_by_id(app->reg, c->region);
  zz_json_kstr(j, "region", rg ? rg->path : NULL);
  registry_unlock(app->reg);
  zz_json_kstr(j, "state", c->state);
  zz_json_ktime(j, "created", c->created);
  if (c->revoked_at)
    zz_json_ktime(j, "revoked_at", c->revoked_at);
  else
    zz_json_knull(j, "revoked_at");
  if (c->replaced_by)
    zz_json_kint(j, "replaced_by", c->replaced_by);
  else
    zz_json_knull(j, "replaced_by");
  /* the url the QR codes encode; a bad Host leaves it out rather than
   * failing a listing */
  zz_json_kstr(j, "url", code_url_of(r, c->kind, c->token, url, sizeof url) == 0 ? url : NULL);
  snprintf(url, sizeof url, "/api/v1/codes/%lld/qr.svg", (long long)c->id);
  zz_json_kstr(j, "qr_svg", url);
  snprintf(url, sizeof url, "/api/v1/codes/%lld/qr.png", (long long)c->id);
  zz_json_kstr(j, "qr_png", url);
}

static int path_id(struct http_req *r, int64_t *id) {
  const char *s = http_param(r, "id");
  if (!s || zz_parse_i64(s, id) || *id <= 0)
    return http_fail(r, ZZ_EINVAL, "id", "id must be a positive integer");
  return 0;
}

/* ---- admin ---- */

/* The batch cursor is opaque to clients, as the entity list's: "c" + the
 * last entity id in hex. */
static int parse_gen_cursor(const json_t *v, int64_t *out) {
  *out = 0;
  if (!v || json_is_null(v)) return 0;
  const char *s = json_string_value(v);
  if (!s || s[0] != 'c' || !s[1]) return ZZ_EINVAL;
  char *end;
  long long n = strtoll(s + 1, &end, 16);
  if (*end || n <= 0) return ZZ_EINVAL;
  *out = n;
  return 0;
}

static int post_generate(struct http_req *r) {
  struct app *app = http_app(r);
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  struct code_gen_req req = {.kind = json_string_value(json_object_get(j, "kind")),
                             .entity_type = json_string_value(json_object_get(j, "entity_type")),
                             .region_path = json_string_value(json_object_get(j, "region"))};
  const char *region = req.region_path;
  const json_t *batch = json_object_get(j, "batch");
  struct zz_err e = {0};
  int rc = 0;
  if (parse_gen_cursor(json_object_get(j, "cursor"), &req.after))
    rc = zz_fail(&e, ZZ_EINVAL, "cursor", "cursor is not one this server gave");
  else if (batch && (!json_is_integer(batch) || json_integer_value(batch) < 1 ||
                     json_integer_value(batch) > CODE_GEN_BATCH_MAX))
    rc = zz_fail(&e, ZZ_EINVAL, "batch", "batch must be a whole number from 1 to %d",
                 CODE_GEN_BATCH_MAX);
  if (rc) {
    json_decref(j);
    return http_reply_err(r, &e);
  }
  req.batch = batch ? (int)json_integer_value(batch) : 0;
  const struct reg_region *rg = NULL;
  int64_t rid = 0;
  if (region) {
    registry_rdlock(app->reg);
    rg = registry_region(app->reg, region);
    rid = rg ? rg->id : 0;
    registry_unlock(app->reg);
  }
  /* codes for the whole district (no region) are an unscoped admin's */
  if ((!region || rid) && authz_code(app, http_auth(r), rid, AUTHZ_WRITE)) {
    json_decref(j);
    return authz_deny(r, "region", "this region", "此区域");
  }
  struct code_gen_summary sum;
  if ((rc = code_generate(app->st, app->reg, &req, &sum, &e))) {
    json_decref(j);
    return http_reply_err(r, &e);
  }
  if (sum.entities) {
    char detail[256];
    snprintf(detail, sizeof detail, "{\"created\":%lld,\"kept\":%lld}", (long long)sum.created,
             (long long)sum.kept);
    api_audit(r, "code.generate", region, detail);
  }
  struct zz_buf b;
  struct zz_json w;
  zz_buf_init(&b, 0);
  zz_json_init(&w, &b);
  zz_json_obj(&w);
  zz_json_kstr(&w, "kind", req.kind);
  zz_json_kstr(&w, "entity_type", req.entity_type);
  zz_json_kstr(&w, "region", region);
  zz_json_kint(&w, "entities", sum.entities);
  zz_json_kint(&w, "created", sum.created);
  zz_json_kint(&w, "kept", sum.kept);
  zz_json_kint(&w, "total", sum.total);
  zz_json_kint(&w, "done", sum.done);
  if (sum.next) {
    char cur[32];
    snprintf(cur, sizeof cur, "c%llx", (unsigned long long)sum.next);
    zz_json_kstr(&w, "next_cursor", cur);
  } else {
    zz_json_knull(&w, "next_cursor");
  }
  zz_json_obj_end(&w);
  json_decref(j);
  return api_reply_json(r, sum.created ? 201 : 200, &w);
}

struct list_ctx {
  struct http_req *r;
  struct zz_json *j; /* NULL: only count the rows */
  int n, with_names;
  int64_t last;
};

/* Sums the scans of the days from since on (rows come newest first). */
struct recent_ctx {
  int64_t since, n;
};

static int recent_row(void *ud, int64_t day, int64_t n) {
  struct recent_ctx *c = ud;
  if (day < c->since) return 1;
  c->n += n;
  return 0;
}

static int list_row(void *ud, const struct store_code *c) {
  struct list_ctx *l = ud;
  l->n++;
  l->last = c->id;
  if (!l->j) return 0;
  zz_json_obj(l->j);
  code_json(l->r, l->j, c);
  if (l->with_names) {
    struct app *app = http_app(l->r);
    struct codes_entity en;
    codes_entity_get(app, c->entity, &en);
    zz_json_kstr(l->j, "entity_name_zh", en.found ? en.name_zh : NULL);
    zz_json_kstr(l->j, "entity_name_en", en.found ? en.name_en : NULL);
    zz_free(en.attrs);
    /* The scans of the last 30 local days, today included, so that a list
     * page shows them without one request per code: at most 30 rows of
     * the (code, day) key each. */
    struct recent_ctx rc = {zz_bucket_start(zz_time_now(), ZZ_GRAIN_DAY) - 29 * ZZ_DAY_MS, 0};
    store_code_scans_each(app->st, c->id, 30, recent_row, &rc);
    zz_json_kint(l->j, "scans_30d", rc.n);
  }
  zz_json_obj_end(l->j);
  return 0;
}

static int get_codes(struct http_req *r) {
  struct app *app = http_app(r);
  struct api_region rg;
  if (api_region(r, "region", 0, &rg)) return 0;
  int64_t lim, after = 0;
  if (api_int(r, "limit", 100, 1, 1000, &lim)) return 0;
  const char *cur = http_query(r, "cursor");
  if (cur && (zz_parse_i64(cur, &after) || after < 0))
    return http_fail(r, ZZ_EINVAL, "cursor", "cursor must come from a previous page's next_cursor");
  const char *kind = http_query(r, "kind"), *state = http_query(r, "state");
  /* activity codes are made with a case programme's activity (src/cases/) */
  if (kind && strcmp(kind, "customer") != 0 && strcmp(kind, "enterprise") != 0 &&
      strcmp(kind, "activity") != 0)
    return http_fail(r, ZZ_EINVAL, "kind", "kind must be customer, enterprise or activity");
  if (state && strcmp(state, "active") != 0 && strcmp(state, "revoked") != 0)
    return http_fail(r, ZZ_EINVAL, "state", "state must be active or revoked");
  struct store_code_filter f = {.kind = kind,
                                .state = state,
                                .entity_type = http_query(r, "entity_type"),
                                .entity = http_query(r, "entity"),
                                .rpos_lo = rg.lo,
                                .rpos_hi = rg.hi,
                                .after_id = after,
                                .limit = (int)lim + 1};
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "codes");
  struct list_ctx l = {r, &j, 0, 1, 0};
  /* fetch one more than the page to know whether a next page exists */
  struct list_ctx probe = {r, NULL, 0, 0, 0};
  store_codes_each(app->st, &f, list_row, &probe);
  int more = probe.n > lim;
  f.limit = (int)lim;
  if (store_codes_each(app->st, &f, list_row, &l)) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ESTORE, "codes", "cannot list the codes");
  }
  zz_json_arr_end(&j);
  if (more) {
    char next[24];
    snprintf(next, sizeof next, "%lld", (long long)l.last);
    zz_json_kstr(&j, "next_cursor", next);
  } else {
    zz_json_knull(&j, "next_cursor");
  }
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

/* Loads code id for an admin route, checking the caller's scope. */
static int admin_code(struct http_req *r, struct code_info *k) {
  struct app *app = http_app(r);
  int64_t id;
  if (path_id(r, &id)) return ZZ_EINVAL;
  if (code_get(app->st, NULL, id, k))
    return http_fail(r, ZZ_ENOTFOUND, "id", "code %lld does not exist", (long long)id);
  if (authz_code(http_app(r), http_auth(r), k->region, AUTHZ_WRITE))
    return authz_deny(r, "id", "this code", "此码"), ZZ_EFORBIDDEN;
  return 0;
}

struct scans_ctx {
  struct zz_json *j;
  int64_t total;
};

static int scan_row(void *ud, int64_t day, int64_t n) {
  struct scans_ctx *s = ud;
  char t[32];
  char *d = zz_time_format(day, t);
  d[10] = 0; /* the local date */
  zz_json_obj(s->j);
  zz_json_kstr(s->j, "day", d);
  zz_json_kint(s->j, "scans", n);
  zz_json_obj_end(s->j);
  s->total += n;
  return 0;
}

static int reply_code(struct http_req *r, int64_t id, int status) {
  struct app *app = http_app(r);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_key(&j, "code");
  struct list_ctx l = {r, &j, 0, 1, 0};
  if (store_code_get(app->st, NULL, id, list_row, &l)) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ENOTFOUND, "id", "code %lld does not exist", (long long)id);
  }
  zz_json_karr(&j, "scans");
  struct scans_ctx s = {&j, 0};
  store_code_scans_each(app->st, id, 90, scan_row, &s);
  zz_json_arr_end(&j);
  zz_json_kint(&j, "scans_total", s.total);
  zz_json_obj_end(&j);
  return api_reply_json(r, status, &j);
}

static int get_code(struct http_req *r) {
  struct code_info k;
  if (admin_code(r, &k)) return 0;
  return reply_code(r, k.id, 200);
}

static int revoke_or_reissue(struct http_req *r, int reissue) {
  struct app *app = http_app(r);
  struct code_info k;
  if (admin_code(r, &k)) return 0;
  registry_rdlock(app->reg);
  const struct reg_region *rg = registry_region_by_id(app->reg, k.region);
  int64_t rpos = rg ? rg->lo : 0;
  registry_unlock(app->reg);
  char tok[CODE_TOKEN_LEN + 1];
  code_token_new(tok);
  struct store_code nc = {.token = tok,
                          .kind = k.kind,
                          .entity = k.entity,
                          .entity_type = k.entity_type,
                          .region = k.region,
                          .rpos = rpos,
                          .created = zz_time_now()};
  int64_t new_id = 0;
  struct zz_err e = {0};
  if (store_code_revoke(app->st, k.id, zz_time_now(), reissue ? &nc : NULL, &new_id, &e))
    return http_reply_err(r, &e);
  char target[32], detail[64];
  snprintf(target, sizeof target, "code/%lld", (long long)k.id);
  snprintf(detail, sizeof detail, "{\"new_code\":%lld}", (long long)new_id);
  api_audit(r, reissue ? "code.reissue" : "code.revoke", target, reissue ? detail : NULL);
  return reply_code(r, reissue ? new_id : k.id, reissue ? 201 : 200);
}

static int post_revoke(struct http_req *r) {
  return revoke_or_reissue(r, 0);
}

static int post_reissue(struct http_req *r) {
  return revoke_or_reissue(r, 1);
}

static int get_qr(struct http_req *r, int png) {
  struct code_info k;
  if (admin_code(r, &k)) return 0;
  char url[512];
  if (scan_url(r, k.token, url, sizeof url)) return 0;
  code_url_of(r, k.kind, k.token, url, sizeof url);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  int rc = png ? code_qr_png(url, &b) : code_qr_svg(url, &b);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "qr", "cannot render the QR code");
  }
  return http_reply(r, 200, png ? "image/png" : "image/svg+xml", &b);
}

static int get_qr_svg(struct http_req *r) {
  return get_qr(r, 0);
}

static int get_qr_png(struct http_req *r) {
  return get_qr(r, 1);
}

#define ADMIN ROLE_ADMIN

const struct http_route api_codes_admin_routes[] = {
    {"POST", "/api/v1/codes/generate", post_generate, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"GET", "/api/v1/codes", get_codes, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"GET", "/api/v1/codes/:id", get_code, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"POST", "/api/v1/codes/:id/revoke", post_revoke, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"POST", "/api/v1/codes/:id/reissue", post_reissue, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"GET", "/api/v1/codes/:id/qr.svg", get_qr_svg, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"GET", "/api/v1/codes/:id/qr.png", get_qr_png, NULL, HTTP_AUTH_USER, ADMIN, 0},
};
const size_t api_codes_admin_nroutes = ZZ_ARRAY_LEN(api_codes_admin_routes);
