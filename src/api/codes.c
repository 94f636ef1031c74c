/* codes.c (api) - customer and enterprise codes and the public intake
 * (issue 5 part A). Admin routes under /api/v1/codes generate, list, show,
 * revoke, reissue and render codes; public routes under /api/public/ let a
 * phone that scanned a code see the venue and its matters, verify an
 * enterprise's contact, submit a report (a work order through the
 * workflow, committed before the receipt is sent), follow it by receipt and
 * rate it; /m/c/TOKEN, /m/r/RECEIPT and /m/a/NUMBER (an application's
 * status, api/applications.c) serve the mobile pages and /admin/codes the
 * operator's page. Every public route is rate-limited per client address
 * and per code, and nothing it echoes is written unescaped. */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "codes/codes.h"
#include "store/store_codes.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

/* Public limits, per minute and burst. A benchmark driving hundreds of
 * phones from one address multiplies them with ZZ_PUBLIC_RATE_SCALE.
 * Per client address they do the guarding; per code they only stop floods
 * far above what a crowd of real people produces (a packed street after an
 * incident), so that nobody, the venue's owner included, can use them to
 * silence the complaints about one venue (docs/operations.md). */
#define SCAN_PER_MIN 60
#define SCAN_BURST 30
#define REPORT_PER_MIN 20
#define REPORT_BURST 10
#define CODE_SCAN_PER_MIN 1200
#define CODE_SCAN_BURST 600
#define CODE_REPORT_PER_MIN 600
#define CODE_REPORT_BURST 300
/* A report: the photo as base64 (a third larger) plus the fields. */
#define INTAKE_BODY_MAX (WORKFLOW_EVIDENCE_MAX / 3 * 4 + (64u << 10))

/* Scan counts are written one at a time: SQLite takes one writer anyway,
 * and threads that queue here wait on a mutex instead of polling SQLite's
 * lock through its busy handler. (Reports go through the workflow's group
 * commit, workflow_intake.) */
static pthread_mutex_t scan_lock = PTHREAD_MUTEX_INITIALIZER;

static int rate_scale(void) {
  const char *s = getenv("ZZ_PUBLIC_RATE_SCALE");
  int64_t v;
  if (s && zz_parse_i64(s, &v) == 0 && v >= 1 && v <= 100000) return (int)v;
  return 1;
}

static int limit(struct http_req *r, const char *scope, const char *key, int per_min, int burst) {
  int k = rate_scale();
  return api_rate_limit(r, scope, key, per_min * k, burst * k);
}

/* ---- a code copied out of the store ---- */

struct code_copy {
  int found;
  int64_t id, region, created, revoked_at, replaced_by;
  char token[CODE_TOKEN_LEN + 1], kind[16], entity[128], entity_type[64], state[16];
};

static int code_copy_cb(void *ud, const struct store_code *c) {
  struct code_copy *k = ud;
  k->found = 1;
  k->id = c->id;
  k->region = c->region;
  k->created = c->created;
  k->revoked_at = c->revoked_at;
  k->replaced_by = c->replaced_by;
  zz_strlcpy(k->token, c->token, sizeof k->token);
  zz_strlcpy(k->kind, c->kind, sizeof k->kind);
  zz_strlcpy(k->entity, c->entity, sizeof k->entity);
  zz_strlcpy(k->entity_type, c->entity_type, sizeof k->entity_type);
  zz_strlcpy(k->state, c->state, sizeof k->state);
  return 0;
}

struct ent_copy {
  int found;
  char name_zh[256], name_en[256];
  double lon, lat;
  char *attrs; /* zz_free */
};

static int ent_copy_cb(void *ud, const struct store_entity *en) {
  struct ent_copy *c = ud;
  c->found = 1;
  zz_strlcpy(c->name_zh, en->name_zh ? en->name_zh : "", sizeof c->name_zh);
  zz_strlcpy(c->name_en, en->name_en ? en->name_en : "", sizeof c->name_en);
  c->lon = en->lon;
  c->lat = en->lat;
  c->attrs = zz_xstrdup(en->attrs_json ? en->attrs_json : "{}");
  return 0;
}

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

/* scan_url_of, answering 400 itself for a bad Host. */
static int scan_url(struct http_req *r, const char *token, char *out, size_t cap) {
  if (scan_url_of(r, token, out, cap))
    return http_fail(r, ZZ_EINVAL, "Host", "the Host header is not a host name");
  return 0;
}

static void code_json(struct http_req *r, struct zz_buf *b, const struct store_code *c) {
  char t[32], url[512];
  zz_buf_printf(b, "{\"id\":%lld,\"token\":", (long long)c->id);
  zz_buf_json_str(b, c->token);
  zz_buf_adds(b, ",\"kind\":");
  zz_buf_json_str(b, c->kind);
  zz_buf_adds(b, ",\"entity\":");
  zz_buf_json_str(b, c->entity);
  zz_buf_adds(b, ",\"entity_type\":");
  zz_buf_json_str(b, c->entity_type);
  struct app *app = http_app(r);
  registry_rdlock(app->reg);
  const struct reg_region *rg = registry_region_by_id(app->reg, c->region);
  zz_buf_adds(b, ",\"region\":");
  zz_buf_json_str(b, rg ? rg->path : NULL);
  registry_unlock(app->reg);
  zz_buf_adds(b, ",\"state\":");
  zz_buf_json_str(b, c->state);
  zz_buf_adds(b, ",\"created\":");
  zz_buf_json_str(b, zz_time_format(c->created, t));
  zz_buf_adds(b, ",\"revoked_at\":");
  zz_buf_json_str(b, c->revoked_at ? zz_time_format(c->revoked_at, t) : NULL);
  if (c->replaced_by)
    zz_buf_printf(b, ",\"replaced_by\":%lld", (long long)c->replaced_by);
  else
    zz_buf_adds(b, ",\"replaced_by\":null");
  /* the url the QR codes encode; a bad Host leaves it out rather than
   * failing a listing */
  zz_buf_adds(b, ",\"url\":");
  if (scan_url_of(r, c->token, url, sizeof url) == 0)
    zz_buf_json_str(b, url);
  else
    zz_buf_adds(b, "null");
  zz_buf_printf(
      b, ",\"qr_svg\":\"/api/v1/codes/%lld/qr.svg\",\"qr_png\":\"/api/v1/codes/%lld/qr.png\"",
      (long long)c->id, (long long)c->id);
}

static int path_id(struct http_req *r, int64_t *id) {
  const char *s = http_param(r, "id");
  if (!s || zz_parse_i64(s, id) || *id <= 0)
    return http_fail(r, ZZ_EINVAL, "id", "id must be a positive integer");
  return 0;
}

/* ---- admin ---- */

static int post_generate(struct http_req *r) {
  struct app *app = http_app(r);
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  const char *kind = json_string_value(json_object_get(j, "kind"));
  const char *type = json_string_value(json_object_get(j, "entity_type"));
  const char *region = json_string_value(json_object_get(j, "region"));
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
    return authz_deny(r, "region", "this region");
  }
  struct code_gen_summary sum;
  struct zz_err e = {0};
  int rc = code_generate(app->st, app->reg, kind, type, region, &sum, &e);
  if (rc) {
    json_decref(j);
    return http_reply_err(r, &e);
  }
  char detail[256];
  snprintf(detail, sizeof detail, "{\"created\":%lld,\"kept\":%lld}", (long long)sum.created,
           (long long)sum.kept);
  api_audit(r, "code.generate", region, detail);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"kind\":");
  zz_buf_json_str(&b, kind);
  zz_buf_adds(&b, ",\"entity_type\":");
  zz_buf_json_str(&b, type);
  zz_buf_adds(&b, ",\"region\":");
  zz_buf_json_str(&b, region);
  zz_buf_printf(&b, ",\"entities\":%lld,\"created\":%lld,\"kept\":%lld}", (long long)sum.entities,
                (long long)sum.created, (long long)sum.kept);
  json_decref(j);
  return http_reply_json(r, sum.created ? 201 : 200, &b);
}

struct list_ctx {
  struct http_req *r;
  struct zz_buf *b;
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
  if (l->n++) zz_buf_addc(l->b, ',');
  code_json(l->r, l->b, c);
  if (l->with_names) {
    struct app *app = http_app(l->r);
    struct ent_copy en = {0};
    store_entity_get(app->st, c->entity, ent_copy_cb, &en);
    zz_buf_adds(l->b, ",\"entity_name_zh\":");
    zz_buf_json_str(l->b, en.found ? en.name_zh : NULL);
    zz_buf_adds(l->b, ",\"entity_name_en\":");
    zz_buf_json_str(l->b, en.found ? en.name_en : NULL);
    zz_free(en.attrs);
    /* The scans of the last 30 local days, today included, so that a list
     * page shows them without one request per code: at most 30 rows of
     * the (code, day) key each. */
    struct recent_ctx rc = {zz_bucket_start(zz_time_now(), ZZ_GRAIN_DAY) - 29 * ZZ_DAY_MS, 0};
    store_code_scans_each(app->st, c->id, 30, recent_row, &rc);
    zz_buf_printf(l->b, ",\"scans_30d\":%lld", (long long)rc.n);
  }
  zz_buf_addc(l->b, '}');
  l->last = c->id;
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
  if (kind && strcmp(kind, "customer") != 0 && strcmp(kind, "enterprise") != 0)
    return http_fail(r, ZZ_EINVAL, "kind", "kind must be customer or enterprise");
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
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"codes\":[");
  struct list_ctx l = {r, &b, 0, 1, 0};
  /* fetch one more than the page to know whether a next page exists */
  struct zz_buf tmp;
  zz_buf_init(&tmp, 0);
  struct list_ctx probe = {r, &tmp, 0, 0, 0};
  store_codes_each(app->st, &f, list_row, &probe);
  zz_buf_free(&tmp);
  int more = probe.n > lim;
  f.limit = (int)lim;
  if (store_codes_each(app->st, &f, list_row, &l)) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ESTORE, "codes", "cannot list the codes");
  }
  zz_buf_adds(&b, "],\"next_cursor\":");
  if (more)
    zz_buf_printf(&b, "\"%lld\"}", (long long)l.last);
  else
    zz_buf_adds(&b, "null}");
  return http_reply_json(r, 200, &b);
}

/* Loads code id for an admin route, checking the caller's scope. */
static int admin_code(struct http_req *r, struct code_copy *k) {
  struct app *app = http_app(r);
  int64_t id;
  if (path_id(r, &id)) return ZZ_EINVAL;
  memset(k, 0, sizeof *k);
  store_code_get(app->st, NULL, id, code_copy_cb, k);
  if (!k->found) return http_fail(r, ZZ_ENOTFOUND, "id", "code %lld does not exist", (long long)id);
  if (authz_code(http_app(r), http_auth(r), k->region, AUTHZ_WRITE))
    return authz_deny(r, "id", "this code"), ZZ_EFORBIDDEN;
  return 0;
}

struct scans_ctx {
  struct zz_buf *b;
  int n;
  int64_t total;
};

static int scan_row(void *ud, int64_t day, int64_t n) {
  struct scans_ctx *s = ud;
  char t[32];
  if (s->n++) zz_buf_addc(s->b, ',');
  char *d = zz_time_format(day, t);
  d[10] = 0; /* the local date */
  zz_buf_adds(s->b, "{\"day\":");
  zz_buf_json_str(s->b, d);
  zz_buf_printf(s->b, ",\"scans\":%lld}", (long long)n);
  s->total += n;
  return 0;
}

static int reply_code(struct http_req *r, int64_t id, int status) {
  struct app *app = http_app(r);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"code\":");
  struct list_ctx l = {r, &b, 0, 1, 0};
  if (store_code_get(app->st, NULL, id, list_row, &l)) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ENOTFOUND, "id", "code %lld does not exist", (long long)id);
  }
  zz_buf_adds(&b, ",\"scans\":[");
  struct scans_ctx s = {&b, 0, 0};
  store_code_scans_each(app->st, id, 90, scan_row, &s);
  zz_buf_printf(&b, "],\"scans_total\":%lld}", (long long)s.total);
  return http_reply_json(r, status, &b);
}

static int get_code(struct http_req *r) {
  struct code_copy k;
  if (admin_code(r, &k)) return 0;
  return reply_code(r, k.id, 200);
}

static int revoke_or_reissue(struct http_req *r, int reissue) {
  struct app *app = http_app(r);
  struct code_copy k;
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
  struct code_copy k;
  if (admin_code(r, &k)) return 0;
  char url[512];
  if (scan_url(r, k.token, url, sizeof url)) return 0;
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

/* ---- public: the code and its matters ---- */

/* Finds the active code of token (from the path, or a body's "code":
 * field names which); replies with the friendly errors itself (404
 * unknown, 410 revoked) and returns non-zero. */
static int find_code(struct http_req *r, const char *tok, const char *field, struct code_copy *k) {
  struct app *app = http_app(r);
  memset(k, 0, sizeof *k);
  if (code_token_valid(tok)) store_code_get(app->st, tok, 0, code_copy_cb, k);
  if (!k->found)
    return http_fail(r, ZZ_ENOTFOUND, field,
                     "this code is not known: please scan the code on site again");
  if (strcmp(k->state, "active") != 0) {
    struct zz_buf b;
    zz_buf_init(&b, 0);
    zz_buf_adds(&b, "{\"error\":{\"code\":\"code_revoked\",\"message\":\"this code is no longer "
                    "in use: please scan the new code on site\",\"field\":");
    zz_buf_json_str(&b, field);
    zz_buf_adds(&b, "}}");
    http_reply_json(r, 410, &b);
    return ZZ_ENOTFOUND;
  }
  return 0;
}

/* The code of the path's token (see find_code). */
static int public_code(struct http_req *r, struct code_copy *k) {
  return find_code(r, http_param(r, "token"), "token", k);
}

static const char *channel_of(const char *kind) {
  return strcmp(kind, "enterprise") == 0 ? "enterprise_code" : "customer_code";
}

struct matters_ctx {
  const char *channel, *only; /* only: one matter key, or NULL for the list */
  struct zz_buf *b;
  int n;
  json_t *found_form; /* with only: the matter's form (a reference held) */
  char found_name[128], found_kind[24];
  int found, found_public;
};

static int matter_row(void *ud, const struct wf_matter_view *m) {
  struct matters_ctx *c = ud;
  if (c->only && strcmp(c->only, m->key) != 0) return 0;
  const json_t *extra = m->extra;
  if (!api_matter_has_channel(extra, c->channel)) return 0;
  if (c->only) {
    c->found = 1;
    json_t *form = json_object_get(extra, "form");
    c->found_form = form ? json_incref(form) : json_array();
    zz_strlcpy(c->found_name, m->name_zh ? m->name_zh : m->key, sizeof c->found_name);
    zz_strlcpy(c->found_kind, m->kind ? m->kind : "", sizeof c->found_kind);
    c->found_public = json_is_true(json_object_get(extra, "public"));
    return 1;
  }
  if (c->n++) zz_buf_addc(c->b, ',');
  zz_buf_adds(c->b, "{\"id\":");
  zz_buf_json_str(c->b, m->key);
  zz_buf_adds(c->b, ",\"name_zh\":");
  zz_buf_json_str(c->b, m->name_zh);
  zz_buf_adds(c->b, ",\"name_en\":");
  zz_buf_json_str(c->b, m->name_en);
  zz_buf_adds(c->b, ",\"kind\":");
  zz_buf_json_str(c->b, m->kind);
  /* public: what the reporter writes is listed by Open311 GET (the form says so) */
  zz_buf_printf(c->b, ",\"public\":%s",
                json_is_true(json_object_get(extra, "public")) ? "true" : "false");
  const char *const keys[] = {"description_zh", "description_en", "form", "materials"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(keys); i++) {
    json_t *v = json_object_get(extra, keys[i]);
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    zz_buf_printf(c->b, ",\"%s\":%s", keys[i], s ? s : "null");
    zz_free(s);
  }
  zz_buf_addc(c->b, '}');
  return 0;
}

static int get_public_code(struct http_req *r) {
  struct app *app = http_app(r);
  if (limit(r, "scan", NULL, SCAN_PER_MIN, SCAN_BURST)) return 0;
  const char *tok = http_param(r, "token");
  if (code_token_valid(tok) && limit(r, "scan_code", tok, CODE_SCAN_PER_MIN, CODE_SCAN_BURST))
    return 0;
  struct code_copy k;
  if (public_code(r, &k)) return 0;
  struct zz_err e = {0};
  /* Every page load of a scanned code counts once; the page fetches this
   * document once per load. A failed count never hides the page. */
  pthread_mutex_lock(&scan_lock);
  int src = store_code_scan(app->st, k.id, zz_bucket_start(zz_time_now(), ZZ_GRAIN_DAY), &e);
  pthread_mutex_unlock(&scan_lock);
  if (src) zz_warn("codes: cannot count a scan of code %lld: %s", (long long)k.id, e.msg);
  struct ent_copy en = {0};
  store_entity_get(app->st, k.entity, ent_copy_cb, &en);
  json_t *attrs = en.attrs ? json_loads(en.attrs, 0, NULL) : NULL;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"code\":{\"kind\":");
  zz_buf_json_str(&b, k.kind);
  zz_buf_adds(&b, "},\"entity\":{\"name_zh\":");
  zz_buf_json_str(&b, en.found ? en.name_zh : k.entity);
  zz_buf_adds(&b, ",\"name_en\":");
  zz_buf_json_str(&b, en.found ? en.name_en : k.entity);
  zz_buf_adds(&b, ",\"address\":");
  zz_buf_json_str(&b, json_string_value(json_object_get(attrs, "address")));
  zz_buf_adds(&b, ",\"lon\":");
  zz_buf_json_num(&b, en.found ? en.lon : NAN);
  zz_buf_adds(&b, ",\"lat\":");
  zz_buf_json_num(&b, en.found ? en.lat : NAN);
  /* never the phone itself: only whether one is on file to confirm against */
  zz_buf_printf(&b, ",\"contact_on_file\":%s},\"limits\":{\"material_bytes\":%u},\"matters\":[",
                json_string_value(json_object_get(attrs, "contact_phone")) ? "true" : "false",
                API_MATERIAL_MAX);
  struct matters_ctx mc = {.channel = channel_of(k.kind), .b = &b};
  workflow_matters_each(app->wf, matter_row, &mc);
  zz_buf_adds(&b, "]}");
  json_decref(attrs);
  zz_free(en.attrs);
  return http_reply_json(r, 200, &b);
}

int api_codes_check_contact(struct http_req *r, const char *entity, const char *phone,
                            const char *field) {
  struct app *app = http_app(r);
  char want[24], got[24];
  if (!phone || !code_phone_digits(phone, got))
    return http_fail(r, ZZ_EINVAL, field,
                     "%s (the enterprise's registered contact number) is required", field);
  struct ent_copy en = {0};
  store_entity_get(app->st, entity, ent_copy_cb, &en);
  json_t *attrs = en.attrs ? json_loads(en.attrs, 0, NULL) : NULL;
  const char *on_file = json_string_value(json_object_get(attrs, "contact_phone"));
  int ok = on_file && code_phone_digits(on_file, want) && strlen(want) == strlen(got) &&
           sodium_memcmp(want, got, strlen(want)) == 0;
  json_decref(attrs);
  zz_free(en.attrs);
  if (!ok)
    return http_fail(r, ZZ_EFORBIDDEN, field,
                     "this is not the contact number registered for the enterprise");
  return 0;
}

int api_codes_enterprise(struct http_req *r, const char *token, char *entity, size_t cap) {
  struct code_copy k;
  if (find_code(r, token, "code", &k)) return ZZ_ENOTFOUND;
  if (strcmp(k.kind, "enterprise") != 0)
    return http_fail(r, ZZ_EINVAL, "code",
                     "applications come through an enterprise code; this is a customer code");
  zz_strlcpy(entity, k.entity, cap);
  return 0;
}

static int post_verify(struct http_req *r) {
  if (limit(r, "verify", NULL, REPORT_PER_MIN, REPORT_BURST)) return 0;
  const char *tok = http_param(r, "token");
  if (code_token_valid(tok) && limit(r, "verify_code", tok, 10, 5)) return 0;
  struct code_copy k;
  if (public_code(r, &k)) return 0;
  if (strcmp(k.kind, "enterprise") != 0)
    return http_fail(r, ZZ_EINVAL, "token", "only enterprise codes confirm a contact");
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  int rc = api_codes_check_contact(
      r, k.entity, json_string_value(json_object_get(j, "contact_phone")), "contact_phone");
  json_decref(j);
  if (rc) return 0;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"verified\":true}");
  return http_reply_json(r, 200, &b);
}

/* The photo: base64 in the JSON body, JPEG or PNG by its first bytes. */
static int decode_photo(struct http_req *r, const char *b64, unsigned char **out, size_t *n) {
  size_t len = strlen(b64);
  const char *comma = strchr(b64, ',');
  if (strncmp(b64, "data:", 5) == 0 && comma) { /* a data: URL as browsers make them */
    len -= (size_t)(comma + 1 - b64);
    b64 = comma + 1;
  }
  /* len / 4 * 3 bytes at most once decoded (2 more without padding): a
   * photo of exactly WORKFLOW_EVIDENCE_MAX bytes passes here, and the
   * decoded size is checked below; line breaks (ignored) get some room */
  size_t cap = len / 4 * 3 + 3;
  if (cap > WORKFLOW_EVIDENCE_MAX + 3 + (64u << 10))
    return http_fail(r, ZZ_ETOOBIG, "photo", "the photo is larger than %u MiB",
                     WORKFLOW_EVIDENCE_MAX >> 20);
  unsigned char *p = zz_malloc(cap ? cap : 1);
  if (!p) return http_fail(r, ZZ_ENOMEM, "photo", "out of memory");
  if (sodium_base642bin(p, cap, b64, len, "\n\r ", n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
    zz_free(p);
    return http_fail(r, ZZ_EINVAL, "photo", "photo must be base64 (or a data: URL)");
  }
  if (*n > WORKFLOW_EVIDENCE_MAX) {
    zz_free(p);
    return http_fail(r, ZZ_ETOOBIG, "photo", "the photo is larger than %u MiB",
                     WORKFLOW_EVIDENCE_MAX >> 20);
  }
  const char *type = zz_sniff_type(p, *n);
  if (!type || strcmp(type, "pdf") == 0) {
    zz_free(p);
    return http_fail(r, ZZ_EMEDIATYPE, "photo", "the photo must be a JPEG or PNG image");
  }
  *out = p;
  return 0;
}

/* The order's description: the form's answers as "label: value" lines. */
static void describe(const json_t *form, const json_t *values, struct zz_buf *d) {
  for (size_t i = 0; i < json_array_size(form); i++) {
    const json_t *f = json_array_get(form, i);
    const char *id = json_string_value(json_object_get(f, "id"));
    const char *v = id ? json_string_value(json_object_get(values, id)) : NULL;
    if (!v || !*v) continue;
    const char *label = json_string_value(json_object_get(f, "label_zh"));
    const char *type = json_string_value(json_object_get(f, "type"));
    if (type && strcmp(type, "choice") == 0) { /* the option's label, not its id */
      const json_t *opts = json_object_get(f, "options");
      for (size_t j = 0; j < json_array_size(opts); j++) {
        const json_t *o = json_array_get(opts, j);
        if (strcmp(json_string_value(json_object_get(o, "id")), v) == 0)
          v = json_string_value(json_object_get(o, "label_zh"));
      }
    }
    if (type && strcmp(type, "phone") == 0) continue; /* kept apart, see intake */
    zz_buf_printf(d, "%s%s: %s", d->len ? "\n" : "", label ? label : id, v);
  }
}

/* A report in flight. The route is streamed so that, once the report is
 * checked and queued for the workflow's group commit, the connection sleeps
 * without holding an HTTP thread (500 phones at once would otherwise be
 * served eight at a time, one commit each); the intake thread wakes it. */
struct report {
  struct http_req *r;
  struct zz_buf body;
  int submitted;
  json_t *j; /* the parsed body: matter and phone point into it */
  struct code_copy k;
  char matter_name[128];
  char receipt[CODE_RECEIPT_LEN + 1], reporter[64];
  struct zz_buf desc;
  struct wf_evidence_file ef;
  struct store_receipt rec;
  struct wf_intake in;
};

/* The receipt of a report, written with its order (on the intake thread). */
static int receipt_write(void *ud, struct store *st, int64_t order, struct zz_err *e) {
  struct store_receipt *rec = ud;
  rec->order_id = order;
  rec->created = zz_time_now();
  return store_receipt_insert(st, rec, e);
}

static void report_done(void *ud, struct wf_intake *in) {
  (void)in;
  struct report *q = ud;
  http_resume(q->r); /* q may be freed once the request goes on: touch nothing after */
}

static int report_begin(struct http_req *r) {
  if (limit(r, "report", NULL, REPORT_PER_MIN, REPORT_BURST)) return ZZ_ERATE;
  const char *tok = http_param(r, "token");
  if (code_token_valid(tok) && limit(r, "report_code", tok, CODE_REPORT_PER_MIN, CODE_REPORT_BURST))
    return ZZ_ERATE;
  struct report *q = zz_calloc(1, sizeof *q);
  if (!q) return http_fail(r, ZZ_ENOMEM, "", "out of memory");
  q->r = r;
  zz_buf_init(&q->body, INTAKE_BODY_MAX);
  zz_buf_init(&q->desc, 4u << 10);
  http_set_state(r, q);
  if (public_code(r, &q->k)) return ZZ_ENOTFOUND;
  return 0;
}

static int report_data(struct http_req *r, const char *p, size_t n) {
  struct report *q = http_state(r);
  if (q->body.len + n > INTAKE_BODY_MAX)
    return http_fail(r, ZZ_ETOOBIG, "body", "a report may be at most %u bytes", INTAKE_BODY_MAX);
  if (zz_buf_add(&q->body, p, n)) return http_fail(r, ZZ_ENOMEM, "body", "out of memory");
  return 0;
}

/* Checks the report, writes its photo's file and queues it; 0 when it now
 * waits for the commit, else the error it has answered. */
static int report_submit(struct http_req *r, struct report *q) {
  struct app *app = http_app(r);
  const struct code_copy *k = &q->k;
  struct matters_ctx mc = {.channel = channel_of(k->kind)};
  unsigned char *photo = NULL;
  size_t photo_n = 0;
  int rc = api_json_parse(r, q->body.data ? q->body.data : "", q->body.len, &q->j);
  if (rc) goto done;
  const char *matter = json_string_value(json_object_get(q->j, "matter"));
  if (!matter || !*matter) {
    rc = http_fail(r, ZZ_EINVAL, "matter", "matter is required (one of the code's matters)");
    goto done;
  }
  mc.only = matter;
  workflow_matters_each(app->wf, matter_row, &mc);
  if (!mc.found) {
    rc = http_fail(r, ZZ_EINVAL, "matter", "this code does not take matter \"%.64s\"", matter);
    goto done;
  }
  /* an application needs its materials and the departments' decisions:
   * it is not a report */
  if (strcmp(mc.found_kind, "application") == 0) {
    rc = http_fail(r, ZZ_EINVAL, "matter",
                   "matter \"%.64s\" is an application: send it to POST /api/public/applications "
                   "with \"code\" set to this code's token",
                   matter);
    goto done;
  }
  json_t *fields = json_object_get(q->j, "fields");
  struct zz_err e = {0};
  if ((rc = code_form_check(mc.found_form, fields, &e))) {
    http_reply_err(r, &e);
    goto done;
  }
  /* The reporter's phone: the form's phone field, or contact_phone. */
  const char *phone = NULL;
  for (size_t i = 0; i < json_array_size(mc.found_form); i++) {
    const json_t *f = json_array_get(mc.found_form, i);
    if (strcmp(json_string_value(json_object_get(f, "type")), "phone") == 0) {
      const char *v =
          json_string_value(json_object_get(fields, json_string_value(json_object_get(f, "id"))));
      if (v && *v) phone = v;
    }
  }
  const char *contact = json_string_value(json_object_get(q->j, "contact_phone"));
  if (strcmp(k->kind, "enterprise") == 0) {
    if ((rc = api_codes_check_contact(r, k->entity, contact, "contact_phone"))) goto done;
    if (!phone) phone = contact;
  }
  json_t *ph = json_object_get(q->j, "photo");
  if (ph && !json_is_null(ph)) {
    int has_photo_field = 0;
    for (size_t i = 0; i < json_array_size(mc.found_form); i++)
      has_photo_field |=
          strcmp(json_string_value(json_object_get(json_array_get(mc.found_form, i), "type")),
                 "photo") == 0;
    if (!has_photo_field) {
      rc = http_fail(r, ZZ_EINVAL, "photo", "this matter's form takes no photo");
      goto done;
    }
    if (!json_is_string(ph)) {
      rc = http_fail(r, ZZ_EINVAL, "photo", "photo must be base64 text");
      goto done;
    }
    if ((rc = decode_photo(r, json_string_value(ph), &photo, &photo_n))) goto done;
  }
  for (size_t i = 0; i < json_array_size(mc.found_form); i++) {
    const json_t *f = json_array_get(mc.found_form, i);
    if (strcmp(json_string_value(json_object_get(f, "type")), "photo") == 0 &&
        json_is_true(json_object_get(f, "required")) && !photo) {
      rc = http_fail(r, ZZ_EINVAL, "photo", "a photo is required for this matter");
      goto done;
    }
  }
  describe(mc.found_form, fields, &q->desc);
  if ((rc = zz_buf_error(&q->desc))) {
    rc = http_fail(r, rc, "fields", "the report's fields are too long together (at most %u bytes)",
                   4u << 10);
    goto done;
  }
  zz_strlcpy(q->matter_name, mc.found_name, sizeof q->matter_name);
  code_receipt_new(q->receipt);
  snprintf(q->reporter, sizeof q->reporter, "%s:%s",
           strcmp(k->kind, "enterprise") == 0 ? "enterprise" : "citizen", q->receipt);
  /* The photo's file is written and synced here, in this thread (500
   * phones at once must not queue behind each other's fsync); the order,
   * the photo's record and the receipt are then committed together, with
   * the other reports of the moment. */
  if (photo && (rc = workflow_evidence_store(app->wf, 0, photo, photo_n, &q->ef, &e))) {
    http_reply_err(r, &e);
    goto done;
  }
  /* public_consent: the form the reporter saw said "public" (the matter
   * list shows the flag); only then may Open311 GET list the report */
  q->rec = (struct store_receipt){
      .receipt = q->receipt, .code = k->id, .phone = phone, .public_consent = mc.found_public};
  /* The public reports under the reporter's name; the intake lets it
   * attach its photo to the order it makes. */
  q->in = (struct wf_intake){.who = {.name = q->reporter, .department = "", .kind = ACTOR_PUBLIC},
                             .create = {.matter = matter,
                                        .description = q->desc.data ? q->desc.data : "",
                                        .entity = k->entity,
                                        .reporter = q->reporter,
                                        .channel = channel_of(k->kind),
                                        .lon = NAN,
                                        .lat = NAN},
                             .photo = photo ? &q->ef : NULL,
                             .photo_note = "现场照片 (photo from the reporter)",
                             .then = receipt_write,
                             .ud = &q->rec,
                             .on_done = report_done,
                             .done_ud = q};
  if ((rc = workflow_intake_submit(app->wf, &q->in))) {
    http_reply_err(r, &q->in.err);
    goto done;
  }
  q->submitted = 1;
  http_suspend(r);
done:
  json_decref(mc.found_form);
  zz_free(photo);
  return rc;
}

/* Called when the body is complete, and again once the commit woke it. */
static int report_end(struct http_req *r) {
  struct report *q = http_state(r);
  if (!q->submitted) return report_submit(r, q);
  if (q->in.rc) return http_reply_err(r, &q->in.err);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"receipt\":");
  zz_buf_json_str(&b, q->receipt);
  zz_buf_printf(&b, ",\"status_url\":\"/m/r/%s\",\"matter\":", q->receipt);
  zz_buf_json_str(&b, q->matter_name);
  zz_buf_adds(&b, ",\"state\":\"reported\"}");
  return http_reply_json(r, 201, &b);
}

static void report_cleanup(struct http_req *r) {
  struct report *q = http_state(r);
  if (!q) return;
  json_decref(q->j);
  zz_buf_free(&q->body);
  zz_buf_free(&q->desc);
  zz_free(q);
  http_set_state(r, NULL);
}

static const struct http_stream report_stream = {report_begin, report_data, report_end,
                                                 report_cleanup};

/* ---- public: receipts ---- */

struct receipt_ctx {
  int found;
  int64_t order_id;
  char receipt[CODE_RECEIPT_LEN + 1];
};

static int intake_cb(void *ud, const struct store_receipt *in) {
  struct receipt_ctx *c = ud;
  c->found = 1;
  c->order_id = in->order_id;
  zz_strlcpy(c->receipt, in->receipt, sizeof c->receipt);
  return 0;
}

static int public_receipt(struct http_req *r, struct receipt_ctx *c) {
  struct app *app = http_app(r);
  const char *rc = http_param(r, "receipt");
  memset(c, 0, sizeof *c);
  if (code_receipt_valid(rc)) store_receipt_get(app->st, rc, 0, intake_cb, c);
  if (!c->found)
    return http_fail(r, ZZ_ENOTFOUND, "receipt",
                     "no report has this receipt number: please check it and try again");
  return 0;
}

struct pub_order {
  struct app *app;
  struct zz_buf *b;
  int n;
  int64_t merged_into;
  char state[32];
  const char *outcome_from; /* the note of the last resolve: the outcome */
  char outcome[512];
};

static int pub_order_row(void *ud, const struct store_order *o) {
  struct pub_order *p = ud;
  char t[32];
  zz_strlcpy(p->state, o->state, sizeof p->state);
  p->merged_into = o->merged_into;
  zz_buf_adds(p->b, "\"matter\":");
  zz_buf_json_str(p->b, o->matter);
  zz_buf_adds(p->b, ",\"title\":");
  zz_buf_json_str(p->b, o->title);
  zz_buf_adds(p->b, ",\"state\":");
  zz_buf_json_str(p->b, o->state);
  zz_buf_adds(p->b, ",\"created\":");
  zz_buf_json_str(p->b, zz_time_format(o->created, t));
  zz_buf_adds(p->b, ",\"resolved_at\":");
  zz_buf_json_str(p->b, o->resolved_at ? zz_time_format(o->resolved_at, t) : NULL);
  zz_buf_adds(p->b, ",\"closed_at\":");
  zz_buf_json_str(p->b, o->closed_at ? zz_time_format(o->closed_at, t) : NULL);
  zz_buf_printf(p->b, ",\"rating\":%d,\"rating_note\":", o->rating);
  zz_buf_json_str(p->b, o->rating_note);
  int can_rate =
      !o->rating && (strcmp(o->state, "resolved") == 0 || strcmp(o->state, "verified") == 0 ||
                     strcmp(o->state, "closed") == 0);
  zz_buf_printf(p->b, ",\"can_rate\":%s", can_rate ? "true" : "false");
  return 0;
}

/* The public timeline: what happened and when, never who (staff names)
 * nor internal notes; the resolution note is the outcome. */
static int pub_event_row(void *ud, const struct store_order_event *ev) {
  struct pub_order *p = ud;
  char t[32];
  if (ev->action && strcmp(ev->action, "resolve") == 0)
    zz_strlcpy(p->outcome, ev->note ? ev->note : "", sizeof p->outcome);
  /* steps are changes of state; notes, evidence and supervision stay inside */
  if (ev->from_state && ev->to_state && strcmp(ev->from_state, ev->to_state) == 0) return 0;
  if (p->n++) zz_buf_addc(p->b, ',');
  zz_buf_adds(p->b, "{\"ts\":");
  zz_buf_json_str(p->b, zz_time_format(ev->ts, t));
  zz_buf_adds(p->b, ",\"action\":");
  zz_buf_json_str(p->b, ev->action);
  zz_buf_adds(p->b, ",\"state\":");
  zz_buf_json_str(p->b, ev->to_state);
  zz_buf_addc(p->b, '}');
  return 0;
}

static int get_receipt(struct http_req *r) {
  struct app *app = http_app(r);
  if (limit(r, "receipt", NULL, SCAN_PER_MIN, SCAN_BURST)) return 0;
  struct receipt_ctx c;
  if (public_receipt(r, &c)) return 0;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"receipt\":");
  zz_buf_json_str(&b, c.receipt);
  zz_buf_addc(&b, ',');
  struct pub_order p = {.app = app, .b = &b};
  if (store_order_get(app->st, c.order_id, pub_order_row, &p)) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ENOTFOUND, "receipt", "the report of this receipt is gone");
  }
  /* a report merged into another follows that one's progress */
  int64_t follow = p.merged_into ? p.merged_into : c.order_id;
  if (p.merged_into) {
    struct zz_buf tmp;
    zz_buf_init(&tmp, 0);
    struct pub_order q = {.app = app, .b = &tmp};
    if (store_order_get(app->st, p.merged_into, pub_order_row, &q) == 0)
      zz_buf_printf(&b, ",\"merged\":true,\"followed_state\":\"%s\"", q.state);
    zz_buf_free(&tmp);
  }
  zz_buf_adds(&b, ",\"steps\":[");
  store_order_events_each(app->st, follow, pub_event_row, &p);
  zz_buf_adds(&b, "],\"outcome\":");
  zz_buf_json_str(&b, p.outcome[0] ? p.outcome : NULL);
  zz_buf_addc(&b, '}');
  return http_reply_json(r, 200, &b);
}

static int post_rating(struct http_req *r) {
  struct app *app = http_app(r);
  if (limit(r, "rating", NULL, REPORT_PER_MIN, REPORT_BURST)) return 0;
  struct receipt_ctx c;
  if (public_receipt(r, &c)) return 0;
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  json_t *sc = json_object_get(j, "score");
  const char *note = json_string_value(json_object_get(j, "note"));
  if (!json_is_integer(sc) || json_integer_value(sc) < 1 || json_integer_value(sc) > 5) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "score", "score must be an integer from 1 (unhappy) to 5");
  }
  if (note && strlen(note) > 500) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "note", "note is longer than 500 bytes");
  }
  /* the reporter rates under the name the order keeps for them */
  char reporter[64];
  snprintf(reporter, sizeof reporter, "citizen:%s", c.receipt);
  struct wf_actor who = {.name = reporter, .department = "", .kind = ACTOR_PUBLIC};
  struct zz_err e = {0};
  int rc = workflow_rate(app->wf, &who, c.order_id, (int)json_integer_value(sc), note, &e);
  if (rc == ZZ_EFORBIDDEN) { /* an enterprise's report */
    snprintf(reporter, sizeof reporter, "enterprise:%s", c.receipt);
    memset(&e, 0, sizeof e);
    rc = workflow_rate(app->wf, &who, c.order_id, (int)json_integer_value(sc), note, &e);
  }
  json_decref(j);
  if (rc) return http_reply_err(r, &e);
  return get_receipt(r);
}

/* ---- the reporter's phone in the staff order APIs ---- */

struct phone_ctx {
  char phone[64];
  int found;
};

static int phone_cb(void *ud, const struct store_receipt *in) {
  struct phone_ctx *p = ud;
  p->found = in->phone != NULL;
  zz_strlcpy(p->phone, in->phone ? in->phone : "", sizeof p->phone);
  return 0;
}

void api_codes_order_phone(struct http_req *r, int64_t order_id, int readable, struct zz_buf *b) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  /* dispatchers and admins; officers only of orders their department
   * handles (readable says so); viewers and park managers never */
  int may = (a->role & (ROLE_ADMIN | ROLE_DISPATCHER)) || ((a->role & ROLE_OFFICER) && readable);
  if (!may) return;
  struct phone_ctx p = {{0}, 0};
  store_receipt_get(app->st, NULL, order_id, phone_cb, &p);
  zz_buf_adds(b, ",\"reporter_phone\":");
  zz_buf_json_str(b, p.found ? p.phone : NULL);
}

/* ---- pages ---- */

/* Serves web/REL with the pages' policy: scripts only from this server,
 * and no Referer, so that a token in a page's URL stays out of other logs. */
static int serve_page(struct http_req *r, const char *rel) {
  struct app *app = http_app(r);
  if (!app->web_dir) return http_fail(r, ZZ_ENOTFOUND, "path", "no pages are served");
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", app->web_dir, rel);
  http_add_header(r, "Content-Security-Policy",
                  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                  "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'");
  http_add_header(r, "Referrer-Policy", "no-referrer");
  return http_reply_file(r, path, "text/html; charset=utf-8", 0);
}

/* A public phone page, rate-limited like the scans that open it. */
static int page(struct http_req *r, const char *rel) {
  if (limit(r, "page", NULL, SCAN_PER_MIN * 2, SCAN_BURST * 2)) return 0;
  return serve_page(r, rel);
}

static int get_scan_page(struct http_req *r) {
  return page(r, "m/scan.html");
}

static int get_receipt_page(struct http_req *r) {
  return page(r, "m/receipt.html");
}

/* The operator's page for codes; it signs in and calls the admin API,
 * which checks the role, so the page itself is public like the consoles. */
static int get_admin_page(struct http_req *r) {
  return serve_page(r, "admin-codes.html");
}

static int get_application_page(struct http_req *r) {
  return page(r, "m/application.html");
}

#define ADMIN ROLE_ADMIN

const struct http_route api_codes_routes[] = {
    {"POST", "/api/v1/codes/generate", post_generate, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"GET", "/api/v1/codes", get_codes, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"GET", "/api/v1/codes/:id", get_code, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"POST", "/api/v1/codes/:id/revoke", post_revoke, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"POST", "/api/v1/codes/:id/reissue", post_reissue, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"GET", "/api/v1/codes/:id/qr.svg", get_qr_svg, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"GET", "/api/v1/codes/:id/qr.png", get_qr_png, NULL, HTTP_AUTH_USER, ADMIN, 0},
    {"GET", "/api/public/codes/:token", get_public_code, NULL, HTTP_AUTH_NONE, 0, 0},
    {"POST", "/api/public/codes/:token/verify", post_verify, NULL, HTTP_AUTH_NONE, 0, 4096},
    {"POST", "/api/public/codes/:token/reports", NULL, &report_stream, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/api/public/receipts/:receipt", get_receipt, NULL, HTTP_AUTH_NONE, 0, 0},
    {"POST", "/api/public/receipts/:receipt/rating", post_rating, NULL, HTTP_AUTH_NONE, 0, 8192},
    {"GET", "/m/c/:token", get_scan_page, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/m/r/:receipt", get_receipt_page, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/m/a/:number", get_application_page, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/admin/codes", get_admin_page, NULL, HTTP_AUTH_NONE, 0, 0},
};
const size_t api_codes_nroutes = ZZ_ARRAY_LEN(api_codes_routes);
