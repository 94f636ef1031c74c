/* authz.c - the authorization rules (authz.h): one function per kind of
 * resource, the only place that decides who may read or change what. */
#include "api/authz.h"

#include <string.h>

#include "api/api.h"
#include "store/store_orders.h"
#include "workflow/workflow.h"

int authz_unscoped(const struct http_auth_ctx *a) {
  return a->scope[0] == '\0';
}

int authz_region(struct app *app, const struct http_auth_ctx *a, int64_t region) {
  if (authz_unscoped(a)) return 0;
  if (!region) return ZZ_EFORBIDDEN; /* everywhere is more than a scope */
  registry_rdlock(app->reg);
  const struct reg_region *scope = registry_region(app->reg, a->scope);
  const struct reg_region *rg = registry_region_by_id(app->reg, region);
  int ok = scope && rg && registry_region_within(rg, scope);
  registry_unlock(app->reg);
  return ok ? 0 : ZZ_EFORBIDDEN;
}

int authz_region_path(struct app *app, const struct http_auth_ctx *a, const char *path) {
  if (authz_unscoped(a)) return 0;
  if (!path || !*path) return ZZ_EFORBIDDEN;
  registry_rdlock(app->reg);
  const struct reg_region *scope = registry_region(app->reg, a->scope);
  const struct reg_region *rg = registry_region(app->reg, path);
  int ok = scope && rg && registry_region_within(rg, scope);
  registry_unlock(app->reg);
  return ok ? 0 : ZZ_EFORBIDDEN;
}

int authz_order(struct app *app, const struct http_auth_ctx *a, const struct store_order *o,
                enum authz_op op) {
  (void)op; /* acting: the workflow checks the step itself (order_sm sides) */
  if (authz_region(app, a, o->region)) return ZZ_EFORBIDDEN;
  struct wf_actor who = {a->user, a->role, a->department, ACTOR_USER};
  return workflow_can_read(app->wf, &who, o) ? 0 : ZZ_EFORBIDDEN;
}

int authz_order_event(const struct http_auth_ctx *a, const char *audience) {
  if (!(a->role & ROLE_OFFICER)) return 0;
  if (!audience || !a->department[0]) return ZZ_EFORBIDDEN;
  size_t n = strlen(a->department);
  for (const char *p = strchr(audience, '|'); p && p[1]; p = strchr(p + 1, '|'))
    if (strncmp(p + 1, a->department, n) == 0 && p[1 + n] == '|') return 0;
  return ZZ_EFORBIDDEN;
}

int authz_application(struct app *app, const struct http_auth_ctx *a, const struct store_order *o) {
  if (!(a->role & (ROLE_ADMIN | ROLE_DISPATCHER | ROLE_OFFICER))) return ZZ_EFORBIDDEN;
  return authz_order(app, a, o, AUTHZ_READ);
}

int authz_alert(struct app *app, const struct http_auth_ctx *a, int64_t region, enum authz_op op) {
  if (op == AUTHZ_WRITE && !(a->role & (ROLE_ADMIN | ROLE_DISPATCHER))) return ZZ_EFORBIDDEN;
  return authz_region(app, a, region);
}

int authz_entity(struct app *app, const struct http_auth_ctx *a, int64_t region, enum authz_op op) {
  if (op == AUTHZ_WRITE && !(a->role & ROLE_ADMIN)) return ZZ_EFORBIDDEN;
  return authz_region(app, a, region);
}

int authz_rule(struct app *app, const struct http_auth_ctx *a, const char *region,
               enum authz_op op) {
  if (op == AUTHZ_READ) return 0; /* every user sees what is watched */
  if (!(a->role & ROLE_ADMIN)) return ZZ_EFORBIDDEN;
  return authz_region_path(app, a, region);
}

int authz_code(struct app *app, const struct http_auth_ctx *a, int64_t region, enum authz_op op) {
  (void)op;
  if (!(a->role & ROLE_ADMIN)) return ZZ_EFORBIDDEN;
  return authz_region(app, a, region);
}

static int district_wide(const struct http_auth_ctx *a, enum authz_op op) {
  if (op == AUTHZ_READ) return 0;
  return (a->role & ROLE_ADMIN) && authz_unscoped(a) ? 0 : ZZ_EFORBIDDEN;
}

int authz_matter(const struct http_auth_ctx *a, enum authz_op op) {
  return district_wide(a, op);
}

int authz_source(const struct http_auth_ctx *a, enum authz_op op) {
  return district_wide(a, op);
}

int authz_department(const struct http_auth_ctx *a, enum authz_op op) {
  return district_wide(a, op);
}

int authz_case(struct app *app, const struct http_auth_ctx *a, const char *department,
               int64_t region) {
  if (a->role & ROLE_ADMIN) return region ? authz_region(app, a, region) : 0;
  if (!(a->role & ROLE_OFFICER) || !a->department[0]) return ZZ_EFORBIDDEN;
  if (department && strcmp(department, a->department) != 0) return ZZ_EFORBIDDEN;
  return region ? authz_region(app, a, region) : 0;
}

int authz_ngsi_tenant(struct app *app, const struct http_auth_ctx *a, const char *path) {
  if (a->kind == HTTP_AUTH_SOURCE) return 0;
  if (authz_unscoped(a)) return 0;
  return authz_region_path(app, a, path);
}

int authz_ngsi_subscription(struct app *app, const struct http_auth_ctx *a, const char *path) {
  if (!(a->role & ROLE_ADMIN)) return ZZ_EFORBIDDEN;
  return authz_region_path(app, a, path);
}

int authz_webhook(const struct http_auth_ctx *a) {
  return (a->role & ROLE_ADMIN) && authz_unscoped(a) ? 0 : ZZ_EFORBIDDEN;
}

int authz_audit_row(const struct http_auth_ctx *a, const char *actor) {
  if (!(a->role & ROLE_ADMIN)) return ZZ_EFORBIDDEN;
  if (authz_unscoped(a)) return 0;
  return actor && strcmp(actor, a->user) == 0 ? 0 : ZZ_EFORBIDDEN;
}

int authz_campaign(struct app *app, const struct http_auth_ctx *a, const char *department,
                   int64_t region, enum authz_op op) {
  if (op == AUTHZ_WRITE && !(a->role & ROLE_ADMIN) &&
      !((a->role & ROLE_OFFICER) && a->department[0] && department &&
        strcmp(department, a->department) == 0))
    return ZZ_EFORBIDDEN;
  return region ? authz_region(app, a, region) : 0;
}

int authz_deny(struct http_req *r, const char *field, const char *what, const char *what_zh) {
  const struct http_auth_ctx *a = http_auth(r);
  /* "%s%.0s": the English prints what, the Chinese (msg_zh_api.c) what_zh */
  if (a->scope[0])
    return http_fail(r, ZZ_EFORBIDDEN, field,
                     "%s%.0s is not yours to see or change (your scope: %s)", what, what_zh,
                     a->scope);
  return http_fail(r, ZZ_EFORBIDDEN, field, "%s%.0s is not yours to see or change", what, what_zh);
}

int authz_inspection(struct app *app, const struct http_auth_ctx *a, const char *department,
                     int64_t region, enum authz_op op) {
  if (op == AUTHZ_WRITE && !(a->role & ROLE_ADMIN)) {
    if (!(a->role & ROLE_OFFICER) || !a->department[0] || !department ||
        strcmp(department, a->department) != 0)
      return ZZ_EFORBIDDEN;
  }
  return region ? authz_region(app, a, region) : 0;
}

int authz_inspection_personal(const struct http_auth_ctx *a, const char *department) {
  if (a->role & ROLE_ADMIN) return 0;
  if ((a->role & ROLE_OFFICER) && a->department[0] && department &&
      strcmp(department, a->department) == 0)
    return 0;
  return ZZ_EFORBIDDEN;
}
