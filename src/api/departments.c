/* departments.c (api) - PUT /api/v1/departments/:id: an unscoped admin
 * adds a department or renames one (name_zh, name_en; the pack's extra
 * members are kept). The list is GET /api/v1/departments (api/registry.c).
 * Every reader (accounts, dispatch, matters) asks the store, so a change
 * holds at once. Audited as department.create / department.update. */
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "core/check.h"
#include "store/store_registry.h"

struct dept_find {
  const char *key;
  int found;
  char *extra; /* the row's extra JSON, owned */
};

static int dept_find_row(void *ud, const struct store_named *n) {
  struct dept_find *f = ud;
  if (strcmp(n->key, f->key) != 0) return 0;
  f->found = 1;
  f->extra = n->extra_json ? zz_strdup(n->extra_json) : NULL;
  return 1;
}

/* A department's name: required, 1..127 bytes of text. */
static int dept_name(struct http_req *r, json_t *body, const char *key, char *out, size_t cap) {
  if (api_body_string(r, body, key, 1, out, cap)) return 1;
  if (!out[0]) return http_fail(r, ZZ_EINVAL, key, "%s must not be empty", key);
  return 0;
}

static int put_department(struct http_req *r) {
  struct app *app = http_app(r);
  const char *key = http_param(r, "id");
  if (authz_department(http_auth(r), AUTHZ_WRITE))
    return authz_deny(r, "id", "a department (district-wide)", "部门（全区范围）");
  if (!check_is_key(key))
    return http_fail(r, ZZ_EINVAL, "id",
                     "a department id is 1 to %d of a-z, 0-9 and _ (\"urban_mgmt\")",
                     CHECK_KEY_MAX);
  json_t *body = NULL;
  if (api_json_body(r, &body)) return 0;
  struct dept_find f = {key, 0, NULL};
  char zh[128], en[128];
  int rc = 0;
  json_t *id = json_object_get(body, "id");
  if (id && (!json_is_string(id) || strcmp(json_string_value(id), key) != 0)) {
    rc = http_fail(r, ZZ_EINVAL, "id", "the body's id must match the path (%s)", key);
    goto done;
  }
  if ((rc = dept_name(r, body, "name_zh", zh, sizeof zh)) ||
      (rc = dept_name(r, body, "name_en", en, sizeof en)))
    goto done;
  if (store_named_each(app->st, "department", dept_find_row, &f)) {
    rc = http_fail(r, ZZ_ESTORE, "", "cannot read the departments");
    goto done;
  }
  struct store_named n = {.key = key, .name_zh = zh, .name_en = en, .extra_json = f.extra};
  struct zz_err e = {0};
  if ((rc = store_named_upsert(app->st, "department", &n, NULL, &e))) {
    http_reply_err(r, &e);
    goto done;
  }
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "name_zh", zh);
  zz_json_kstr(&j, "name_en", en);
  zz_json_obj_end(&j);
  zz_json_finish(&j);
  api_audit(r, f.found ? "department.update" : "department.create", key,
            zz_buf_error(&b) ? NULL : b.data);
  zz_buf_free(&b);
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "department");
  zz_json_kstr(&j, "id", key);
  zz_json_kstr(&j, "name_zh", zh);
  zz_json_kstr(&j, "name_en", en);
  zz_json_obj_end(&j);
  zz_json_obj_end(&j);
  rc = api_reply_json(r, f.found ? 200 : 201, &j);
done:
  zz_free(f.extra);
  json_decref(body);
  return rc;
}

const struct http_route api_departments_routes[] = {
    {"PUT", "/api/v1/departments/:id", put_department, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 8192},
};
const size_t api_departments_nroutes = ZZ_ARRAY_LEN(api_departments_routes);
