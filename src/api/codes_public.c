/* codes_public.c (api) - what a phone that scanned a code reaches under
 * /api/public/codes/TOKEN: the venue or enterprise and the matters it takes
 * (each load counts a scan), an enterprise's confirmation of its contact
 * number, and a report (the intake engine, src/intake/, checks it and makes
 * it a work order with its photo and receipt in one group commit; this file
 * reads the body, applies the rate limits and writes the answer). Every
 * route is rate-limited per client address and per code, and nothing it
 * echoes is written unescaped. */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/codes_int.h"
#include "codes/codes.h"
#include "core/json.h"
#include "intake/intake.h"
#include "model/matter_json.h"
#include "workflow/matter_def.h"
#include "store/store_codes.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

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

int codes_limit(struct http_req *r, const char *scope, const char *key, int per_min, int burst) {
  int k = rate_scale();
  return api_rate_limit(r, scope, key, per_min * k, burst * k);
}

static int entity_cb(void *ud, const struct store_entity *en) {
  struct codes_entity *c = ud;
  c->found = 1;
  zz_strlcpy(c->name_zh, en->name_zh ? en->name_zh : "", sizeof c->name_zh);
  zz_strlcpy(c->name_en, en->name_en ? en->name_en : "", sizeof c->name_en);
  c->lon = en->lon;
  c->lat = en->lat;
  c->attrs = zz_xstrdup(en->attrs_json ? en->attrs_json : "{}");
  return 0;
}

void codes_entity_get(struct app *app, const char *key, struct codes_entity *out) {
  memset(out, 0, sizeof *out);
  store_entity_get(app->st, key, entity_cb, out);
}

/* ---- public: the code and its matters ---- */

/* Finds the active code of token (from the path, or a body's "code":
 * field names which); replies with the friendly errors itself (404
 * unknown, 410 revoked) and returns non-zero. */
static int find_code(struct http_req *r, const char *tok, const char *field, struct code_info *k) {
  struct app *app = http_app(r);
  if (!tok || code_get(app->st, tok, 0, k))
    return http_fail(r, ZZ_ENOTFOUND, field,
                     "this code is not known: please scan the code on site again");
  if (strcmp(k->state, "active") != 0) {
    /* an error of its own (not a ZZ_E* code): the page tells a revoked
     * code from an unknown one */
    struct zz_buf b;
    struct zz_json j;
    zz_buf_init(&b, 0);
    zz_json_init(&j, &b);
    zz_json_obj(&j);
    zz_json_kobj(&j, "error");
    zz_json_kstr(&j, "code", "code_revoked");
    zz_json_kstr(&j, "message", "this code is no longer in use: please scan the new code on site");
    /* the same sentence in Chinese, as http_reply_err gives every error */
    zz_json_kstr(&j, "message_zh", "此码已停用：请到现场扫描新码");
    zz_json_kstr(&j, "field", field);
    zz_json_obj_end(&j);
    zz_json_obj_end(&j);
    api_reply_json(r, 410, &j);
    return ZZ_ENOTFOUND;
  }
  return 0;
}

int api_codes_find(struct http_req *r, const char *tok, const char *field, struct code_info *k) {
  return find_code(r, tok, field, k);
}

/* The code of the path's token (see find_code). */
static int public_code(struct http_req *r, struct code_info *k) {
  return find_code(r, http_param(r, "token"), "token", k);
}

/* The matters a code's channel takes, as the phone page lists them. */
struct matters_ctx {
  const char *channel;
  const char *region; /* the code's region path: matters offered there */
  struct zz_json *j;
};

static int matter_row(void *ud, const struct wf_matter_view *m) {
  struct matters_ctx *c = ud;
  if (!intake_matter_has_channel(m->extra, c->channel) || !matter_offered_in(m->extra, c->region))
    return 0;
  /* public: what the reporter writes is listed by Open311 GET (the form says so) */
  static const char *const keys[] = {"description_zh", "description_en", "form", "materials"};
  struct matter_view v = {.key = m->key,
                          .name_zh = m->name_zh,
                          .name_en = m->name_en,
                          .kind = m->kind,
                          .extra = m->extra};
  matter_json(c->j, &v, MATTER_JSON_PUBLIC, keys, ZZ_ARRAY_LEN(keys));
  return 0;
}

static int get_public_code(struct http_req *r) {
  struct app *app = http_app(r);
  if (codes_limit(r, "scan", NULL, SCAN_PER_MIN, SCAN_BURST)) return 0;
  const char *tok = http_param(r, "token");
  if (code_token_valid(tok) && codes_limit(r, "scan_code", tok, CODE_SCAN_PER_MIN, CODE_SCAN_BURST))
    return 0;
  struct code_info k;
  if (public_code(r, &k)) return 0;
  struct zz_err e = {0};
  /* Every page load of a scanned code counts once; the page fetches this
   * document once per load. A failed count never hides the page. */
  pthread_mutex_lock(&scan_lock);
  int src = store_code_scan(app->st, k.id, zz_bucket_start(zz_time_now(), ZZ_GRAIN_DAY), &e);
  pthread_mutex_unlock(&scan_lock);
  if (src) zz_warn("codes: cannot count a scan of code %lld: %s", (long long)k.id, e.msg);
  struct codes_entity en;
  codes_entity_get(app, k.entity, &en);
  json_t *attrs = en.attrs ? json_loads(en.attrs, 0, NULL) : NULL;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "code");
  zz_json_kstr(&j, "kind", k.kind);
  zz_json_obj_end(&j);
  zz_json_kobj(&j, "entity");
  zz_json_kstr(&j, "name_zh", en.found ? en.name_zh : k.entity);
  zz_json_kstr(&j, "name_en", en.found ? en.name_en : k.entity);
  zz_json_kstr(&j, "address", json_string_value(json_object_get(attrs, "address")));
  zz_json_knum(&j, "lon", en.found ? en.lon : NAN);
  zz_json_knum(&j, "lat", en.found ? en.lat : NAN);
  /* never the phone itself: only whether one is on file to confirm against */
  zz_json_kbool(&j, "contact_on_file",
                json_string_value(json_object_get(attrs, "contact_phone")) != NULL);
  zz_json_obj_end(&j);
  zz_json_kobj(&j, "limits");
  zz_json_kint(&j, "material_bytes", API_MATERIAL_MAX);
  zz_json_obj_end(&j);
  zz_json_karr(&j, "matters");
  char region[256];
  registry_path_of(app->reg, k.region, region, sizeof region);
  struct matters_ctx mc = {.channel = intake_channel_of(k.kind), .region = region, .j = &j};
  workflow_matters_each(app->wf, matter_row, &mc);
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  json_decref(attrs);
  zz_free(en.attrs);
  return api_reply_json(r, 200, &j);
}

int api_codes_check_contact(struct http_req *r, const char *entity, const char *phone,
                            const char *field) {
  struct zz_err e = {0};
  int rc = intake_check_contact(http_app(r)->st, entity, phone, field, &e);
  if (rc) http_reply_err(r, &e);
  return rc;
}

int api_codes_enterprise(struct http_req *r, const char *token, char *entity, size_t cap) {
  struct code_info k;
  if (find_code(r, token, "code", &k)) return ZZ_ENOTFOUND;
  if (strcmp(k.kind, "enterprise") != 0)
    return http_fail(r, ZZ_EINVAL, "code",
                     "applications come through an enterprise code; this is a customer code");
  zz_strlcpy(entity, k.entity, cap);
  return 0;
}

static int post_verify(struct http_req *r) {
  if (codes_limit(r, "verify", NULL, REPORT_PER_MIN, REPORT_BURST)) return 0;
  const char *tok = http_param(r, "token");
  if (code_token_valid(tok) && codes_limit(r, "verify_code", tok, 10, 5)) return 0;
  struct code_info k;
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
  struct zz_json w;
  zz_buf_init(&b, 0);
  zz_json_init(&w, &b);
  zz_json_obj(&w);
  zz_json_kbool(&w, "verified", 1);
  zz_json_obj_end(&w);
  return api_reply_json(r, 200, &w);
}

/* ---- a report ---- */

/* A report in flight. The route is streamed so that, once the report is
 * checked and queued for the workflow's group commit, the connection sleeps
 * without holding an HTTP thread (500 phones at once would otherwise be
 * served eight at a time, one commit each); the intake thread wakes it. */
struct report {
  struct http_req *r;
  struct zz_buf body;
  int submitted;
  struct code_info k;
  struct intake_job *job; /* queued: the intake's until report_done */
};

static void report_done(void *ud) {
  struct report *q = ud;
  http_resume(q->r); /* q may be freed once the request goes on: touch nothing after */
}

static int report_begin(struct http_req *r) {
  if (codes_limit(r, "report", NULL, REPORT_PER_MIN, REPORT_BURST)) return ZZ_ERATE;
  const char *tok = http_param(r, "token");
  if (code_token_valid(tok) &&
      codes_limit(r, "report_code", tok, CODE_REPORT_PER_MIN, CODE_REPORT_BURST))
    return ZZ_ERATE;
  struct report *q = zz_calloc(1, sizeof *q);
  if (!q) return http_fail(r, ZZ_ENOMEM, "", "out of memory");
  q->r = r;
  zz_buf_init(&q->body, INTAKE_BODY_MAX);
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

/* Reads the body into the intake's report and queues it: 0 when it now
 * waits for the commit, else the error it has answered. */
static int report_submit(struct http_req *r, struct report *q) {
  struct app *app = http_app(r);
  json_t *j = NULL;
  int rc = api_json_parse(r, q->body.data ? q->body.data : "", q->body.len, &j);
  if (rc) return rc;
  const json_t *ph = json_object_get(j, "photo");
  struct intake_report in = {.code = &q->k,
                             .matter = json_string_value(json_object_get(j, "matter")),
                             .fields = json_object_get(j, "fields"),
                             .contact_phone =
                                 json_string_value(json_object_get(j, "contact_phone")),
                             .photo_given = ph && !json_is_null(ph),
                             .photo = json_string_value(ph)};
  struct zz_err e = {0};
  rc = intake_report_submit(app->st, app->wf, &in, report_done, q, &q->job, &e);
  json_decref(j);
  if (rc) return http_reply_err(r, &e), rc;
  q->submitted = 1;
  http_suspend(r);
  return 0;
}

/* Called when the body is complete, and again once the commit woke it. */
static int report_end(struct http_req *r) {
  struct report *q = http_state(r);
  if (!q->submitted) return report_submit(r, q);
  struct intake_receipt out;
  struct zz_err e = {0};
  if (intake_job_result(q->job, &out, &e)) return http_reply_err(r, &e);
  struct zz_buf b;
  struct zz_json j;
  char url[48];
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "receipt", out.receipt);
  snprintf(url, sizeof url, "/m/r/%s", out.receipt);
  zz_json_kstr(&j, "status_url", url);
  zz_json_kstr(&j, "matter", out.matter_name);
  zz_json_kstr(&j, "state", "reported");
  zz_json_obj_end(&j);
  return api_reply_json(r, 201, &j);
}

static void report_cleanup(struct http_req *r) {
  struct report *q = http_state(r);
  if (!q) return;
  intake_job_free(q->job);
  zz_buf_free(&q->body);
  zz_free(q);
  http_set_state(r, NULL);
}

static const struct http_stream report_stream = {report_begin, report_data, report_end,
                                                 report_cleanup};

const struct http_route api_codes_public_routes[] = {
    {"GET", "/api/public/codes/:token", get_public_code, NULL, HTTP_AUTH_NONE, 0, 0},
    {"POST", "/api/public/codes/:token/verify", post_verify, NULL, HTTP_AUTH_NONE, 0, 4096},
    {"POST", "/api/public/codes/:token/reports", NULL, &report_stream, HTTP_AUTH_NONE, 0, 0},
};
const size_t api_codes_public_nroutes = ZZ_ARRAY_LEN(api_codes_public_routes);
