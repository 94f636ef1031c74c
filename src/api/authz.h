/* authz.h - who may read or act on what: one rule per kind of resource,
 * used by every route and by the live stream, so that a list, a GET, an
 * action and a stream event of the same object are decided alike.
 *
 * An actor is the caller's role, department and scope (a region path; ""
 * for everything). The rules:
 *   region-bound objects (orders, alerts, entities, codes, applications):
 *     outside the actor's scope -> 403 (decided before anything that
 *     depends on the object's state, so a refusal leaks nothing);
 *   orders: officers read their department's orders and the joint orders
 *     their department takes part in; everyone else reads what is in scope;
 *   entities, codes: admins change them, within their scope (an entity's
 *     old and new region both);
 *   rules: admins change them when the rule's region is within their scope
 *     (a rule for everywhere: unscoped admins only);
 *   matters, sources, departments: unscoped admins only (district-wide);
 *   audit rows: unscoped admins see all, a scoped admin the rows it made.
 * Each function returns 0 when allowed, else ZZ_EFORBIDDEN; the *_deny
 * helpers reply 403 themselves (naming field) and return non-zero. */
#ifndef ZZ_AUTHZ_H
#define ZZ_AUTHZ_H

#include <stdint.h>

#include "http/http.h"
#include "store/store_orders.h"

struct app;

enum authz_op { AUTHZ_READ, AUTHZ_WRITE };

/* region id (0: none, e.g. a rule for everywhere) inside the actor's scope */
int authz_region(struct app *app, const struct http_auth_ctx *a, int64_t region);
/* the same for a region path ("" or NULL: everywhere) */
int authz_region_path(struct app *app, const struct http_auth_ctx *a, const char *path);
/* 1 when the actor has no scope (sees and may administer the whole district) */
int authz_unscoped(const struct http_auth_ctx *a);

/* An order (or an application, which is an order): read = scope + the
 * department rule above. Acting on it is read plus the workflow's own
 * check of the step (workflow_act). */
int authz_order(struct app *app, const struct http_auth_ctx *a, const struct store_order *o,
                enum authz_op op);
/* The department audience of an order event (api/stream.c): the officer
 * rule of authz_order as a string "|dept|dept|" the event carries. */
int authz_order_event(const struct http_auth_ctx *a, const char *audience);
/* An application's applicant, form and materials (an application is an
 * order): authz_order, and only for admins, dispatchers and officers
 * (viewers and park managers read the order, never the applicant). */
int authz_application(struct app *app, const struct http_auth_ctx *a, const struct store_order *o);
/* An alert in region: read in scope; write (ack, make an order): admins
 * and dispatchers in scope. */
int authz_alert(struct app *app, const struct http_auth_ctx *a, int64_t region, enum authz_op op);
/* An entity in region (read); write also needs ROLE_ADMIN. */
int authz_entity(struct app *app, const struct http_auth_ctx *a, int64_t region, enum authz_op op);
/* A rule whose region path is region ("" everywhere). */
int authz_rule(struct app *app, const struct http_auth_ctx *a, const char *region,
               enum authz_op op);
/* A code bound to region: admins in scope, both ways. */
int authz_code(struct app *app, const struct http_auth_ctx *a, int64_t region, enum authz_op op);
/* Matters, sources and departments: read by any user; written by
 * unscoped admins only. */
int authz_matter(const struct http_auth_ctx *a, enum authz_op op);
int authz_source(const struct http_auth_ctx *a, enum authz_op op);
int authz_department(const struct http_auth_ctx *a, enum authz_op op);
/* A case file (个案) owned by department, at street region: its person's
 * data is read and written by that department's officers (the
 * caseworkers) and by admins, each within their scope; nobody else, not
 * even a viewer in scope (the statistics give them counts). region 0 with
 * department NULL asks about the list: the caller's own department's or,
 * for an admin, the cases in its scope. */
int authz_case(struct app *app, const struct http_auth_ctx *a, const char *department,
               int64_t region);
/* The NGSI-v2 tenant (a region path, "" for all) a /v2 request names:
 * users read within their scope; sources may name any (what a source may
 * write is the ingest's check of its declaration). */
int authz_ngsi_tenant(struct app *app, const struct http_auth_ctx *a, const char *path);
/* An NGSI subscription (a webhook of entity changes) on region path:
 * admins within their scope, both ways (the notifications carry what the
 * region's entities hold). */
int authz_ngsi_subscription(struct app *app, const struct http_auth_ctx *a, const char *path);
/* Webhooks (every alert and order of the district): unscoped admins. */
int authz_webhook(const struct http_auth_ctx *a);
/* An audit row made by actor. */
int authz_audit_row(const struct http_auth_ctx *a, const char *actor);
/* A campaign (专项行动) run by department, and what it holds about an
 * entity in region (0: the campaign as a whole): every user reads its
 * dashboard, lists and counts within their scope (READ); its department's
 * officers and admins record pledges on paper and activities (WRITE),
 * for entities in their scope, and they alone see signers' names and
 * phones whole (a READ that passes the WRITE rule): everyone else sees
 * them masked (王** / 138****1234). The public signs only through the
 * entity's enterprise code with its contact phone (not a user: no rule). */
int authz_campaign(struct app *app, const struct http_auth_ctx *a, const char *department,
                   int64_t region, enum authz_op op);

/* Replies 403 for a refusal of authz_*: "field" names what was refused,
 * what says it in English ("this region") and what_zh in Chinese ("此区域"). */
int authz_deny(struct http_req *r, const char *field, const char *what, const char *what_zh);

/* An inspection and what hangs on it (its photos, rectification items,
 * the plans and credit record of the entities inspected), at an entity in
 * region: read by every user within scope (leaders, dispatchers and park
 * managers follow progress and credit; personal data is masked for them,
 * see authz_inspection_personal); written (an inspection submitted, a photo
 * added, a visit planned) by the officers of department (the checklist's
 * or the campaign's) and by admins, for an entity within their scope.
 * region 0 asks about a list (then only the role and department count). */
int authz_inspection(struct app *app, const struct http_auth_ctx *a, const char *department,
                     int64_t region, enum authz_op op);
/* The personal data of inspected entities (a stall-holder's name) in a
 * campaign of department: its officers and admins; 0 when allowed. */
int authz_inspection_personal(const struct http_auth_ctx *a, const char *department);

#endif
