/* auth.c - sessions and tokens: POST /api/v1/login, POST /api/v1/logout,
 * GET /api/v1/me, and api_authenticate, which the server calls before every
 * non-public route (session cookie for users, Bearer token for sources).
 * Tokens are "zz_" + base64url of 32 random bytes; only their SHA-256 is
 * stored. Account rules (passwords, throttle) live in model/accounts.c. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "api/api.h"
#include "core/log.h"
#include "core/msg.h"
#include "model/accounts.h"
#include "store/store_accounts.h"
#include "store/store_registry.h"

#define SESSION_COOKIE "zz_session"
#define SESSION_TTL_DEFAULT_MS (12LL * 3600 * 1000)
/* Device cookie (OWASP "device cookies"): a browser that signed in as a
 * user before is not held by that user's lockout, so strangers failing on
 * purpose cannot lock the owner out. It loses that after DEVICE_MAX_FAILS
 * wrong passwords. */
#define DEVICE_COOKIE "zz_device"
#define DEVICE_TTL_MS (90LL * 24 * 3600 * 1000)
#define DEVICE_MAX_FAILS 5
#define TOKEN_PREFIX "zz_"
#define TOKEN_B64_LEN 43 /* base64url, no padding, of 32 bytes */
#define TOKEN_LEN (sizeof TOKEN_PREFIX - 1 + TOKEN_B64_LEN)

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void sodium_start(void) {
  ZZ_ASSERT(sodium_init() >= 0); /* no randomness or hashing without it */
}

static void sodium_ready(void) {
  pthread_once(&sodium_once, sodium_start);
}

/* ---- tokens ---- */

void api_token_new(char out[48]) {
  unsigned char raw[32];
  sodium_ready();
  randombytes_buf(raw, sizeof raw);
  memcpy(out, TOKEN_PREFIX, sizeof TOKEN_PREFIX - 1);
  sodium_bin2base64(out + sizeof TOKEN_PREFIX - 1, 48 - (sizeof TOKEN_PREFIX - 1), raw, sizeof raw,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
}

void api_token_hash(const char *token, char out[65]) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  sodium_ready();
  crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
  sodium_bin2hex(out, 65, digest, sizeof digest);
}

/* A string shaped like one of our tokens (anything else is refused without
 * touching the store). */
static int token_shape_ok(const char *t, size_t n) {
  if (n != TOKEN_LEN || strncmp(t, TOKEN_PREFIX, sizeof TOKEN_PREFIX - 1) != 0) return 0;
  for (size_t i = sizeof TOKEN_PREFIX - 1; i < n; i++) {
    char c = t[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return 0;
  }
  return 1;
}

/* ---- authentication ---- */

static int64_t session_ttl_ms(const struct app *app) {
  return app->session_ttl_ms > 0 ? app->session_ttl_ms : SESSION_TTL_DEFAULT_MS;
}

static int auth_user(struct app *app, struct http_req *r, struct http_auth_ctx *ctx) {
  const char *tok = http_cookie(r, SESSION_COOKIE);
  if (!tok || !token_shape_ok(tok, strlen(tok))) return ZZ_EAUTH;
  char hash[65];
  api_token_hash(tok, hash);
  int64_t uid = 0;
  int rc = store_session_user(app->st, hash, zz_time_now(), &uid);
  if (rc == ZZ_ENOTFOUND) return ZZ_EAUTH;
  if (rc) return rc;
  struct accounts_user u;
  rc = accounts_user_get(app->st, NULL, uid, &u);
  if (rc == ZZ_ENOTFOUND) return ZZ_EAUTH; /* the user was removed */
  if (rc) return rc;
  if (!u.role_bit) return ZZ_EAUTH; /* a role this build does not know grants nothing */
  ctx->kind = HTTP_AUTH_USER;
  ctx->user_id = u.id;
  zz_strlcpy(ctx->user, u.name, sizeof ctx->user);
  ctx->role = u.role_bit;
  zz_strlcpy(ctx->department, u.department, sizeof ctx->department);
  zz_strlcpy(ctx->scope, u.scope, sizeof ctx->scope);
  return 0;
}

int api_session_hash(struct http_req *r, char out[65]) {
  const char *tok = http_cookie(r, SESSION_COOKIE);
  if (!tok || !token_shape_ok(tok, strlen(tok))) return ZZ_EAUTH;
  api_token_hash(tok, out);
  return 0;
}

int api_session_check(struct app *app, const char *hash, int64_t user) {
  int64_t uid = 0;
  int rc = store_session_user(app->st, hash, zz_time_now(), &uid);
  if (rc) return rc == ZZ_ENOTFOUND ? ZZ_EAUTH : rc;
  return uid == user ? 0 : ZZ_EAUTH;
}

static int auth_source(struct app *app, struct http_req *r, struct http_auth_ctx *ctx) {
  const char *h = http_header(r, "Authorization");
  if (!h) return ZZ_EAUTH;
  while (*h == ' ' || *h == '\t') h++;
  if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t')) return ZZ_EAUTH;
  h += 6;
  while (*h == ' ' || *h == '\t') h++;
  size_t n = strlen(h);
  while (n && (h[n - 1] == ' ' || h[n - 1] == '\t')) n--;
  if (!token_shape_ok(h, n)) return ZZ_EAUTH;
  char tok[TOKEN_LEN + 1], hash[65];
  memcpy(tok, h, n);
  tok[n] = '\0';
  api_token_hash(tok, hash);
  int64_t id = 0;
  int rc = store_source_by_token(app->st, hash, &id);
  if (rc == ZZ_ENOTFOUND) return ZZ_EAUTH;
  if (rc) return rc;
  ctx->kind = HTTP_AUTH_SOURCE;
  ctx->source_id = id;
  registry_rdlock(app->reg);
  const struct reg_source *src = registry_source(app->reg, id);
  zz_strlcpy(ctx->source, src ? src->key : "unknown", sizeof ctx->source);
  registry_unlock(app->reg);
  return 0;
}

/* Returns 0 with ctx filled, ZZ_EAUTH when the cookie or token is missing,
 * malformed, unknown or expired, or a store error (the server answers 401
 * for any non-zero). */
int api_authenticate(struct app *app, struct http_req *r, enum http_auth kind,
                     struct http_auth_ctx *ctx) {
  memset(ctx, 0, sizeof *ctx);
  switch (kind) {
  case HTTP_AUTH_NONE:
    ctx->kind = HTTP_AUTH_NONE;
    return 0;
  case HTTP_AUTH_USER:
    return auth_user(app, r, ctx);
  case HTTP_AUTH_SOURCE:
    return auth_source(app, r, ctx);
  }
  return ZZ_EAUTH;
}

/* ---- handlers ---- */

/* Set-Cookie for the session: value and max_age_s, or an expired one. */
static void set_session_cookie(struct http_req *r, const char *value, int64_t max_age_s) {
  char c[256];
  snprintf(c, sizeof c, "%s=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld%s%s",
           SESSION_COOKIE, value, (long long)max_age_s,
           max_age_s ? "" : "; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
           http_app(r)->cookie_secure || http_is_https(r) ? "; Secure" : "");
  http_add_header(r, "Set-Cookie", c);
}

/* Set-Cookie for a device token (kept across logouts). */
static void set_device_cookie(struct http_req *r, const char *value) {
  char c[256];
  snprintf(c, sizeof c, "%s=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld%s", DEVICE_COOKIE,
           value, DEVICE_TTL_MS / 1000,
           http_app(r)->cookie_secure || http_is_https(r) ? "; Secure" : "");
  http_add_header(r, "Set-Cookie", c);
}

void api_user_members(struct zz_json *j, int64_t id, const char *name, const char *role,
                      const char *department, const char *scope) {
  zz_json_kint(j, "id", id);
  zz_json_kstr(j, "name", name);
  zz_json_kstr(j, "role", role ? role : "");
  zz_json_kstr(j, "department", department && *department ? department : NULL);
  zz_json_kstr(j, "scope", scope && *scope ? scope : NULL);
}

/* {"user":{...}} for a, or {"user":null} when a is NULL. */
static int reply_user(struct http_req *r, const struct http_auth_ctx *a) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  if (a) {
    zz_json_kobj(&j, "user");
    api_user_members(&j, a->user_id, a->user, accounts_role_name(a->role), a->department, a->scope);
    zz_json_obj_end(&j);
  } else {
    zz_json_knull(&j, "user");
  }
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

static int reply_throttled(struct http_req *r, int wait_s, const char *what, const char *what_zh) {
  char ra[24];
  snprintf(ra, sizeof ra, "%d", wait_s);
  http_add_header(r, "Retry-After", ra);
  return http_fail(r, ZZ_ERATE, "", "too many failed logins %s%.0s; try again in %d s", what,
                   what_zh, wait_s);
}

/* A required string member of a JSON body copied into out (cap bytes), or
 * non-zero after replying 400 naming it. */
int api_body_string(struct http_req *r, json_t *body, const char *key, int required, char *out,
                    size_t cap) {
  json_t *v = json_object_get(body, key);
  out[0] = '\0';
  if (!v || json_is_null(v)) {
    if (!required) return 0;
    return http_fail(r, ZZ_EINVAL, key, "%s is required", key);
  }
  if (!json_is_string(v)) return http_fail(r, ZZ_EINVAL, key, "%s must be a string", key);
  const char *s = json_string_value(v);
  if (strlen(s) != json_string_length(v))
    return http_fail(r, ZZ_EINVAL, key, "%s must not contain NUL characters", key);
  if (json_string_length(v) >= cap)
    return http_fail(r, ZZ_EINVAL, key, "%s is longer than %zu bytes", key, cap - 1);
  memcpy(out, s, json_string_length(v) + 1);
  return 0;
}

int api_fail_err(struct http_req *r, const struct zz_err *e) {
  http_reply_err(r, e);
  return e->code ? e->code : ZZ_EINTERNAL;
}

/* ---- slow work (password hashes) off the HTTP threads ----
 * A route that hashes a password is streamed: its body is gathered, start
 * checks it on the HTTP thread, the work runs on app->hashers while the
 * connection sleeps (no HTTP thread waits on argon2id), and finish replies
 * once it is resumed. */

static void slow_run(void *ud) {
  struct api_slow *s = ud;
  s->ops->work(s);
  s->step = 2;
  http_resume(s->r); /* the last touch: the request may finish at once */
}

int api_slow_begin(struct http_req *r, const struct api_slow_ops *ops) {
  struct api_slow *s = zz_calloc(1, sizeof *s);
  if (!s) return http_fail(r, ZZ_ENOMEM, "", "out of memory");
  s->ops = ops;
  s->r = r;
  s->app = http_app(r);
  zz_buf_init(&s->body, 0);
  http_set_state(r, s);
  return 0;
}

int api_slow_data(struct http_req *r, const char *p, size_t n) {
  struct api_slow *s = http_state(r);
  if (s->body.len + n > 16384)
    return http_fail(r, ZZ_ETOOBIG, "body", "the body is over the limit of 16384 bytes");
  return zz_buf_add(&s->body, p, n) ? http_fail(r, ZZ_ENOMEM, "body", "out of memory") : 0;
}

int api_slow_end(struct http_req *r) {
  struct api_slow *s = http_state(r);
  if (s->step == 2) return s->ops->finish(r, s);
  if (s->step == 1) return 0; /* not resumed by the work: cannot happen */
  int rc = api_json_parse(r, s->body.data ? s->body.data : "", s->body.len, &s->json);
  if (rc) return rc;
  if ((rc = s->ops->start(r, s))) return rc; /* it replied */
  /* The work may finish before http_suspend is called: the server then
   * runs end again at once instead of sleeping. */
  s->step = 1;
  if ((rc = workpool_submit(s->app->hashers, slow_run, s))) {
    s->step = 0;
    return http_fail(r, rc, "", "the server is busy checking passwords; retry in a second");
  }
  http_suspend(r);
  return 0;
}

void api_slow_cleanup(struct http_req *r) {
  struct api_slow *s = http_state(r);
  if (!s) return;
  zz_buf_free(&s->body);
  json_decref(s->json);
  sodium_memzero(s->password, sizeof s->password);
  zz_free(s);
  http_set_state(r, NULL);
}

/* ---- login ---- */

static int login_start(struct http_req *r, struct api_slow *s) {
  struct zz_err ce = {0};
  if (http_csrf_check(r, &ce)) return api_fail_err(r, &ce);
  int rc;
  if ((rc = api_body_string(r, s->json, "name", 1, s->name, sizeof s->name)) ||
      (rc = api_body_string(r, s->json, "password", 1, s->password, sizeof s->password)))
    return rc;
  int64_t now = zz_time_now();
  const char *dev = http_cookie(r, DEVICE_COOKIE);
  s->device[0] = '\0';
  if (dev && token_shape_ok(dev, strlen(dev))) {
    char hash[65];
    api_token_hash(dev, hash);
    if (store_device_check(s->app->st, hash, s->name, now) == 0)
      memcpy(s->device, hash, sizeof hash);
  }
  /* a known device of this account skips its lockout (not the address's) */
  int wait_s = s->device[0] ? 0 : accounts_throttle_user_check(s->name, now);
  if (wait_s) return reply_throttled(r, wait_s, "for this account", "该账号");
  return 0;
}

static void login_work(struct api_slow *s) {
  s->rc = accounts_check_password(s->app->st, s->name, s->password, &s->u, &s->e);
  sodium_memzero(s->password, sizeof s->password);
}

static int login_finish(struct http_req *r, struct api_slow *s) {
  struct app *app = http_app(r);
  const char *peer = http_peer_key(r);
  if (s->rc == ZZ_EAUTH || (s->rc == 0 && !s->u.role_bit)) {
    /* A role this build does not know answers as a wrong password: the
     * account cannot be used. */
    int64_t now = zz_time_now();
    accounts_throttle_fail(peer, now);
    accounts_throttle_user_fail(s->name, now);
    if (s->device[0] && store_device_fail(app->st, s->device, DEVICE_MAX_FAILS))
      zz_warn("auth: cannot count a failure against a device of %s", s->name);
    int wait_s = accounts_throttle_check(peer, now);
    if (wait_s)
      zz_warn("auth: %d failed logins from %s; it waits %d s", ACCOUNTS_THROTTLE_FAILS, peer,
              wait_s);
    /* the name tried stays out: it is sometimes a password typed early */
    struct log_field lf[] = {LOG_S("peer", http_peer(r)), LOG_S("result", "refused")};
    log_line(ZZ_LOG_INFO, "login", lf, ZZ_ARRAY_LEN(lf));
    return http_fail(r, ZZ_EAUTH, "", "wrong name or password");
  }
  if (s->rc) return http_reply_err(r, &s->e);
  accounts_throttle_user_ok(s->name);
  char tok[48], hash[65];
  api_token_new(tok);
  api_token_hash(tok, hash);
  int64_t now = zz_time_now(), ttl = session_ttl_ms(app);
  struct zz_err e = {0};
  if (store_session_create(app->st, hash, s->u.id, now + ttl, &e)) return http_reply_err(r, &e);
  /* A new password, disabling or deleting committed while the password was
   * being checked ended the sessions before this one was made: it must not
   * outlive them (with the old password, a login in flight would). */
  /* A new device token each time (the old one, if any, is dropped); made
   * before the check below so a password change also revokes it. Without
   * one the login still stands. */
  char dtok[48], dhash[65];
  if (s->device[0]) store_device_delete(app->st, s->device);
  api_token_new(dtok);
  api_token_hash(dtok, dhash);
  struct zz_err de = {0};
  int dev_ok = store_device_create(app->st, dhash, s->u.id, now + DEVICE_TTL_MS, &de) == 0;
  if (!dev_ok) zz_warn("auth: cannot remember the device of %s: %s", s->u.name, de.msg);
  int cur = accounts_still_current(app->st, &s->u);
  if (cur) {
    store_session_delete(app->st, hash);
    if (dev_ok) store_device_delete(app->st, dhash);
    sodium_memzero(tok, sizeof tok);
    sodium_memzero(dtok, sizeof dtok);
    if (cur == ZZ_EAUTH) return http_fail(r, ZZ_EAUTH, "", "wrong name or password");
    return http_fail(r, cur, "", "cannot sign in now: %s%.0s", zz_strerror(cur),
                     zz_strerror_zh(cur));
  }
  set_session_cookie(r, tok, ttl / 1000 > 0 ? ttl / 1000 : 1);
  if (dev_ok) set_device_cookie(r, dtok);
  struct log_field lf[] = {LOG_S("user", s->u.name), LOG_S("peer", http_peer(r)),
                           LOG_S("result", "ok")};
  log_line(ZZ_LOG_INFO, "login", lf, ZZ_ARRAY_LEN(lf));
  sodium_memzero(tok, sizeof tok);
  sodium_memzero(dtok, sizeof dtok);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "user");
  api_user_members(&j, s->u.id, s->u.name, s->u.role, s->u.department, s->u.scope);
  zz_json_obj_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

static const struct api_slow_ops login_ops = {login_start, login_work, login_finish};

static int login_begin(struct http_req *r) {
  /* the address throttle comes first: a blocked address costs no parsing */
  int wait_s = accounts_throttle_check(http_peer_key(r), zz_time_now());
  if (wait_s) return reply_throttled(r, wait_s, "from this address", "该地址");
  return api_slow_begin(r, &login_ops);
}

static const struct http_stream login_stream = {login_begin, api_slow_data, api_slow_end,
                                                api_slow_cleanup};

static int logout(struct http_req *r) {
  struct app *app = http_app(r);
  const char *tok = http_cookie(r, SESSION_COOKIE);
  if (tok && token_shape_ok(tok, strlen(tok))) {
    char hash[65];
    api_token_hash(tok, hash);
    int rc = store_session_delete(app->st, hash);
    if (rc)
      return http_fail(r, rc, "session", "cannot end the session: %s%.0s", zz_strerror(rc),
                       zz_strerror_zh(rc));
  }
  set_session_cookie(r, "", 0);
  struct log_field lf[] = {LOG_S("user", http_auth(r)->user), LOG_S("peer", http_peer(r))};
  log_line(ZZ_LOG_INFO, "logout", lf, ZZ_ARRAY_LEN(lf));
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kbool(&j, "ok", 1);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

static int me(struct http_req *r) {
  return reply_user(r, http_auth(r));
}

/* Pages ask this on load: 200 either way ({"user":null} without a valid
 * session), so a signed-out visitor's browser logs no failed request. */
static int session(struct http_req *r) {
  struct http_auth_ctx a = {0};
  return reply_user(r, api_authenticate(http_app(r), r, HTTP_AUTH_USER, &a) == 0 ? &a : NULL);
}

const struct http_route api_auth_routes[] = {
    /* A login body holds a name and a password of at most 1024 bytes. */
    {.method = "POST",
     .pattern = "/api/v1/login",
     .stream = &login_stream,
     .auth = HTTP_AUTH_NONE,
     .body_max = 8192},
    {.method = "POST",
     .pattern = "/api/v1/logout",
     .handler = logout,
     .auth = HTTP_AUTH_USER,
     .body_max = 8192},
    {.method = "GET", .pattern = "/api/v1/me", .handler = me, .auth = HTTP_AUTH_USER},
    {.method = "GET", .pattern = "/api/v1/session", .handler = session, .auth = HTTP_AUTH_NONE},
};
const size_t api_auth_nroutes = ZZ_ARRAY_LEN(api_auth_routes);
