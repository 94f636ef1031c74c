/* users.c - accounts for admins over the API: GET /api/v1/users (list),
 * POST /api/v1/users (create), PUT /api/v1/users/:name (role, department,
 * scope), POST /api/v1/users/:name/password, /disable, /enable, DELETE
 * /api/v1/users/:name/sessions (end them) and DELETE /api/v1/users/:name.
 * Only an unscoped admin may call them. A new
 * password, disabling and deleting end the user's sessions at once (the
 * store's triggers); hashing runs off the HTTP threads (api_slow). The
 * rules of a valid account live in model/accounts.c. */
#include <string.h>

#include <jansson.h>

#include "api/authz.h"

#include "api/api.h"
#include "core/msg.h"
#include "store/store_accounts.h"

/* Replies 403 unless the caller is an admin without a scope (a scoped
 * admin could otherwise make an unscoped user). Returns 0 when allowed. */
static int unscoped_admin(struct http_req *r) {
  const struct http_auth_ctx *a = http_auth(r);
  if (a->role != ROLE_ADMIN || a->scope[0])
    return http_fail(r, ZZ_EFORBIDDEN, "scope", "only an admin without a scope may manage users");
  return 0;
}

/* {"user":{"id","name","role","department","scope","disabled"}} */
static int reply_user(struct http_req *r, int status, const char *name, int sessions_ended) {
  struct accounts_user u;
  int rc = accounts_user_get(http_app(r)->st, name, 0, &u);
  if (rc)
    return http_fail(r, rc, "name", "cannot read user \"%.64s\": %s%.0s", name, zz_strerror(rc),
                     zz_strerror_zh(rc));
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "user");
  api_user_members(&j, u.id, u.name, u.role, u.department, u.scope);
  zz_json_kbool(&j, "disabled", u.disabled);
  zz_json_obj_end(&j);
  if (sessions_ended) zz_json_kbool(&j, "sessions_ended", 1);
  zz_json_obj_end(&j);
  return api_reply_json(r, status, &j);
}

/* The admin audit: who changed which user, never the password. */
static void audit_user(struct http_req *r, const char *action, const struct api_slow *s) {
  struct zz_buf d;
  struct zz_json j;
  zz_buf_init(&d, 0);
  zz_json_init(&j, &d);
  zz_json_obj(&j);
  zz_json_kstr(&j, "role", s && s->role[0] ? s->role : NULL);
  zz_json_kstr(&j, "department", s && s->department[0] ? s->department : NULL);
  zz_json_kstr(&j, "scope", s && s->scope[0] ? s->scope : NULL);
  zz_json_obj_end(&j);
  zz_json_finish(&j);
  /* the change is made: its audit row goes in even when the detail failed */
  api_audit(r, action, s ? s->name : http_param(r, "name"),
            zz_buf_error(&d) ? "{\"detail\":\"lost: out of memory\"}" : d.data);
  zz_buf_free(&d);
}

/* ---- POST /api/v1/users ---- */

static int create_start(struct http_req *r, struct api_slow *s) {
  int rc;
  if ((rc = unscoped_admin(r))) return rc;
  if ((rc = api_body_string(r, s->json, "name", 1, s->name, sizeof s->name)) ||
      (rc = api_body_string(r, s->json, "role", 1, s->role, sizeof s->role)) ||
      (rc = api_body_string(r, s->json, "department", 0, s->department, sizeof s->department)) ||
      (rc = api_body_string(r, s->json, "scope", 0, s->scope, sizeof s->scope)) ||
      (rc = api_body_string(r, s->json, "password", 1, s->password, sizeof s->password)))
    return rc;
  struct zz_err e = {0};
  struct store *st = http_app(r)->st;
  /* everything but the hash is checked here, so the pool only hashes */
  if (accounts_name_check(s->name, &e) ||
      accounts_fields_check(st, s->role, s->department, s->scope, &e) ||
      accounts_password_check(s->name, s->password, &e))
    return api_fail_err(r, &e);
  struct accounts_user u;
  if (accounts_user_get(st, s->name, 0, &u) == 0)
    return http_fail(r, ZZ_EEXISTS, "name",
                     "user \"%s\" exists; POST /api/v1/users/%s/password changes the password",
                     s->name, s->name);
  return 0;
}

static void create_work(struct api_slow *s) {
  s->rc =
      accounts_user_add(s->app->st, s->name, s->role, s->department, s->scope, s->password, &s->e);
}

static int create_finish(struct http_req *r, struct api_slow *s) {
  if (s->rc) return http_reply_err(r, &s->e);
  audit_user(r, "user.create", s);
  return reply_user(r, 201, s->name, 0);
}

static const struct api_slow_ops create_ops = {create_start, create_work, create_finish};

static int create_begin(struct http_req *r) {
  return api_slow_begin(r, &create_ops);
}

/* ---- POST /api/v1/users/:name/password ---- */

static int password_start(struct http_req *r, struct api_slow *s) {
  int rc;
  if ((rc = unscoped_admin(r))) return rc;
  zz_strlcpy(s->name, http_param(r, "name"), sizeof s->name);
  if ((rc = api_body_string(r, s->json, "password", 1, s->password, sizeof s->password))) return rc;
  struct accounts_user u;
  if (accounts_user_get(http_app(r)->st, s->name, 0, &u) != 0)
    return http_fail(r, ZZ_ENOTFOUND, "name", "no user called \"%.64s\"", s->name);
  struct zz_err e = {0};
  if (accounts_password_check(s->name, s->password, &e)) return api_fail_err(r, &e);
  return 0;
}

static void password_work(struct api_slow *s) {
  s->rc = accounts_user_change(s->app->st, s->name, STORE_USER_PASSWORD, s->password, &s->e);
}

static int password_finish(struct http_req *r, struct api_slow *s) {
  if (s->rc) return http_reply_err(r, &s->e);
  audit_user(r, "user.password", s);
  return reply_user(r, 200, s->name, 1);
}

static const struct api_slow_ops password_ops = {password_start, password_work, password_finish};

static int password_begin(struct http_req *r) {
  return api_slow_begin(r, &password_ops);
}

/* ---- disable, enable, delete ---- */

static int change(struct http_req *r, int what) {
  int rc;
  if ((rc = unscoped_admin(r))) return rc;
  const char *name = http_param(r, "name");
  if (what != STORE_USER_ENABLE && strcmp(name, http_auth(r)->user) == 0)
    return http_fail(r, ZZ_ECONFLICT, "name",
                     what == STORE_USER_DELETE
                         ? "you cannot delete your own account; another admin can"
                         : "you cannot disable your own account; another admin can");
  struct zz_err e = {0};
  if ((rc = accounts_user_change(http_app(r)->st, name, what, NULL, &e)))
    return http_reply_err(r, &e);
  static const char *const actions[] = {[STORE_USER_DISABLE] = "user.disable",
                                        [STORE_USER_ENABLE] = "user.enable",
                                        [STORE_USER_DELETE] = "user.delete"};
  audit_user(r, actions[what], NULL);
  if (what == STORE_USER_DELETE) {
    struct zz_buf b;
    struct zz_json j;
    zz_buf_init(&b, 0);
    zz_json_init(&j, &b);
    zz_json_obj(&j);
    zz_json_kstr(&j, "deleted", name);
    zz_json_kbool(&j, "sessions_ended", 1);
    zz_json_obj_end(&j);
    return api_reply_json(r, 200, &j);
  }
  return reply_user(r, 200, name, what == STORE_USER_DISABLE);
}

static int post_disable(struct http_req *r) {
  return change(r, STORE_USER_DISABLE);
}
static int post_enable(struct http_req *r) {
  return change(r, STORE_USER_ENABLE);
}
static int delete_user(struct http_req *r) {
  return change(r, STORE_USER_DELETE);
}

/* ---- GET /api/v1/users ---- */

static int user_list_row(void *ud, const struct store_user *u) {
  struct zz_json *j = ud;
  zz_json_obj(j);
  api_user_members(j, u->id, u->name, u->role, u->department, u->scope);
  zz_json_kbool(j, "disabled", u->disabled);
  zz_json_ktime(j, "created", u->created);
  zz_json_kint(j, "sessions", u->sessions);
  zz_json_obj_end(j);
  return 0;
}

static int get_users(struct http_req *r) {
  int rc;
  if ((rc = unscoped_admin(r))) return rc;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "users");
  if (store_users_each(http_app(r)->st, zz_time_now(), user_list_row, &j)) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ESTORE, "", "cannot read the users");
  }
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

/* ---- PUT /api/v1/users/:name {"role","department"?,"scope"?} ---- */

static int put_user(struct http_req *r) {
  int rc;
  if ((rc = unscoped_admin(r))) return rc;
  struct app *app = http_app(r);
  const char *name = http_param(r, "name");
  struct accounts_user was;
  if (accounts_user_get(app->st, name, 0, &was) != 0)
    return http_fail(r, ZZ_ENOTFOUND, "name", "no user called \"%.64s\"", name);
  json_t *body = NULL;
  if (api_json_body(r, &body)) return 0;
  char role[16], dept[ACCOUNTS_DEPARTMENT_MAX + 1], scope[ACCOUNTS_SCOPE_MAX + 1];
  struct zz_err e = {0};
  if ((rc = api_body_string(r, body, "role", 1, role, sizeof role)) ||
      (rc = api_body_string(r, body, "department", 0, dept, sizeof dept)) ||
      (rc = api_body_string(r, body, "scope", 0, scope, sizeof scope)))
    goto done;
  if ((rc = accounts_fields_check(app->st, role, dept, scope, &e))) {
    http_reply_err(r, &e);
    goto done;
  }
  /* an admin cannot take its own powers away: another admin can */
  if (strcmp(name, http_auth(r)->user) == 0 && (strcmp(role, "admin") != 0 || scope[0])) {
    rc = http_fail(r, ZZ_ECONFLICT, strcmp(role, "admin") != 0 ? "role" : "scope",
                   "you cannot narrow your own account; another admin can");
    goto done;
  }
  if ((rc = store_user_set(app->st, name, role, dept, scope, &e))) {
    http_reply_err(r, &e);
    goto done;
  }
  struct zz_buf d;
  struct zz_json j;
  zz_buf_init(&d, 0);
  zz_json_init(&j, &d);
  zz_json_obj(&j);
  zz_json_kstr(&j, "role", role);
  zz_json_kstr(&j, "department", dept[0] ? dept : NULL);
  zz_json_kstr(&j, "scope", scope[0] ? scope : NULL);
  zz_json_kobj(&j, "was");
  zz_json_kstr(&j, "role", was.role);
  zz_json_kstr(&j, "department", was.department[0] ? was.department : NULL);
  zz_json_kstr(&j, "scope", was.scope[0] ? was.scope : NULL);
  zz_json_obj_end(&j);
  zz_json_obj_end(&j);
  zz_json_finish(&j);
  api_audit(r, "user.update", name,
            zz_buf_error(&d) ? "{\"detail\":\"lost: out of memory\"}" : d.data);
  zz_buf_free(&d);
  rc = reply_user(r, 200, name, 0);
done:
  json_decref(body);
  return rc;
}

/* ---- DELETE /api/v1/users/:name/sessions ---- */

static int delete_sessions(struct http_req *r) {
  int rc;
  if ((rc = unscoped_admin(r))) return rc;
  const char *name = http_param(r, "name");
  struct zz_err e = {0};
  int64_t n = 0;
  if ((rc = store_user_sessions_end(http_app(r)->st, name, &n, &e))) return http_reply_err(r, &e);
  char detail[64];
  snprintf(detail, sizeof detail, "{\"sessions\":%lld}", (long long)n);
  api_audit(r, "user.sessions_end", name, detail);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "user", name);
  zz_json_kint(&j, "sessions_ended", n);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

static const struct http_stream create_stream = {create_begin, api_slow_data, api_slow_end,
                                                 api_slow_cleanup};
static const struct http_stream password_stream = {password_begin, api_slow_data, api_slow_end,
                                                   api_slow_cleanup};

const struct http_route api_users_routes[] = {
    {"GET", "/api/v1/users", get_users, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"PUT", "/api/v1/users/:name", put_user, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 4096},
    {"DELETE", "/api/v1/users/:name/sessions", delete_sessions, NULL, HTTP_AUTH_USER, ROLE_ADMIN,
     1024},
    {"POST", "/api/v1/users", NULL, &create_stream, HTTP_AUTH_USER, ROLE_ADMIN, 8192},
    {"POST", "/api/v1/users/:name/password", NULL, &password_stream, HTTP_AUTH_USER, ROLE_ADMIN,
     8192},
    {"POST", "/api/v1/users/:name/disable", post_disable, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 1024},
    {"POST", "/api/v1/users/:name/enable", post_enable, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 1024},
    {"DELETE", "/api/v1/users/:name", delete_user, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 1024},
};
const size_t api_users_nroutes = ZZ_ARRAY_LEN(api_users_routes);
