/* api.h - what the /api/v1 resource files share: the app state, the scope
 * rule (a user limited to a region sees only its subtree; a query on an
 * ancestor is cut to the scope), parsing of common parameters, and each
 * file's route table. One file per resource in src/api/. */
#ifndef ZZ_API_H
#define ZZ_API_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/bus.h"
#include "core/ratelimit.h"
#include "core/workpool.h"
#include "core/ztime.h"
#include "core/zz.h"
#include "http/http.h"
#include "model/accounts.h"
#include "model/registry.h"
#include "store/store_records.h"
#include "store/store_registry.h"

struct json_t;

struct rules;
struct workflow;
struct cases_timer;
struct ins_timer;
struct retention_timer;
struct notify;

struct app {
  struct store *st;
  struct registry *reg;
  struct bus *bus;              /* events for /api/v1/stream (ticks, alerts, orders) */
  struct stream_ticker *ticker; /* api/stream.c: turns commits into tick events */
  struct ratelimit *limits;     /* public endpoints: per client address, per code */
  uint64_t body_cap;            /* ingest body cap, bytes */
  int64_t session_ttl_ms;       /* default 12 h */
  int cookie_secure;            /* add Secure to the session cookie */
  /* early warning and dispatch, started by app_serve */
  struct rules *_Atomic rules; /* read by the writer thread in app_on_commit */
  struct workflow *wf;
  struct cases_timer *cases_timer; /* case files' follow-up timer, on the workflow's thread */
  struct notify *_Atomic notify;   /* NGSI subscriptions' deliveries; read by the writer thread */
  struct ins_timer *ins_timer; /* rectification items' overdue timer, on the workflow's thread */
  char *data_dir;
  char *web_dir;            /* static pages (the phone pages /m/ are served from it); NULL: none */
  int test_clock;           /* ZZ_TEST_CLOCK=1: POST /api/v1/_test/clock is enabled (tests only) */
  int sync_full;            /* APP_OPEN_SYNC_FULL: files are fsync'd like the commits */
  struct workpool *hashers; /* argon2id work off the HTTP threads (app_serve) */
  /* GET /metrics is answered to loopback and to these (--metrics-from) */
  struct http_cidr metrics_from[16];
  size_t nmetrics_from;
  struct retention_timer *retention; /* raw retention, a thread of its own (api/retention.h) */
};

/* A region resolved for a request, after the scope rule. The copy is safe to
 * use without the registry lock. */
struct api_region {
  int64_t id;
  int64_t lo, hi;
  char path[256];
  int cut; /* 1 when the request named an ancestor and was cut to the scope */
};

/* Resolves the region named by query parameter `param` (default: the
 * user's scope, or the root when unscoped and `required` is 0). Replies with
 * 400/403/404 itself and returns non-zero when it fails. */
int api_region(struct http_req *r, const char *param, int required, struct api_region *out);
/* Checks that a region id is inside the caller's scope: 0 or replies 403. */
int api_check_scope(struct http_req *r, int64_t region_id);
/* Parses from/to (RFC3339 or epoch ms). Defaults: to = now, from = to - dflt_span.
 * Replies 400 and returns non-zero on bad input or from >= to. */
int api_range(struct http_req *r, int64_t dflt_span, int64_t *from, int64_t *to);
/* Integer parameter with default and bounds; replies 400 when bad. */
int api_int(struct http_req *r, const char *name, int64_t dflt, int64_t min, int64_t max,
            int64_t *out);
/* Resolves metric parameter `name`; replies 400/404 when missing or unknown.
 * Copies what callers need out of the registry. */
struct api_metric {
  int64_t id;
  char key[64];
  char agg[16];
  char entity_type[64];
};
int api_metric(struct http_req *r, const char *name, struct api_metric *out);
/* Public endpoints' rate limit: takes a token from the bucket (scope, key)
 * (per_minute a minute, burst at once). Returns 0 when allowed; otherwise
 * replies 429 too_many_requests with Retry-After (seconds) and returns
 * non-zero. key NULL means the client's address. */
int api_rate_limit(struct http_req *r, const char *scope, const char *key, int per_minute,
                   int burst);
/* Checks that attr is a well-formed attribute id declared by entity type
 * `type` (types without declarations accept any) and one the caller may
 * group by (authz_entity_attr: not personal data it may not see); replies
 * 400 or 403 naming field and returns non-zero when not. */
int api_check_attr(struct http_req *r, const char *type, const char *attr, const char *field);
/* Parses a JSON request body with jansson; replies 400 naming the position on
 * failure. The caller json_decref()s *out. */
struct json_t;
int api_json_body(struct http_req *r, struct json_t **out);
/* The same for a body the handler gathered itself (streamed routes). */
int api_json_parse(struct http_req *r, const char *body, size_t len, struct json_t **out);
/* 1 when a matter (its catalog row's extra, or the whole matter object)
 * lists channel in "channels" (customer_code, open311, online...). */
int api_matter_has_channel(const struct json_t *matter, const char *channel);

/* Marks the answer as one that changes only with the pack (regions,
 * metrics, dashboards), though the caller's scope may shape it: browsers
 * keep it and revalidate every time (Cache-Control: private, no-cache), a
 * strong ETag from the bytes (http_etag) lets an unchanged answer go as 304.
 * Call just before api_reply_json / http_reply. */
void api_cacheable(struct http_req *r);
/* Ends the answer written with j (zz_json_finish) and sends it with
 * status: a writer that failed or was misused answers 500 (413 past a cap)
 * instead, never a broken body. Returns what http_reply returns. */
int api_reply_json(struct http_req *r, int status, struct zz_json *j);

/* Writes an entity as GET /api/v1/entities/ID shows it to the caller of r
 * (api/registry.c): its personal attributes masked unless the caller may
 * see them (api_entity_view). The caller holds the registry read lock
 * (region paths come from it). */
void api_entity_json(struct zz_json *j, struct http_req *r, const struct store_entity *en);
/* en as actor a may see it: *view is a copy of en whose attrs_json has the
 * personal attributes masked when authz_entity_personal says so; *masked
 * is the masked text, which the caller zz_free()s once done with view
 * (NULL when nothing was masked). Under the registry's read lock. 0, or
 * ZZ_ENOMEM with view's attrs "{}" (nothing personal leaks either way). */
int api_entity_view(struct app *app, const struct http_auth_ctx *a, const struct store_entity *en,
                    struct store_entity *view, char **masked);

/* Route tables, one per resource file. */
extern const struct http_route api_auth_routes[];
extern const size_t api_auth_nroutes;
extern const struct http_route api_registry_routes[];
extern const size_t api_registry_nroutes;
extern const struct http_route api_ingest_routes[];
extern const size_t api_ingest_nroutes;
extern const struct http_route api_query_routes[];
extern const size_t api_query_nroutes;

/* Live streams (api/stream.c). stream_on_commit runs on the store's writer
 * thread after each committed batch and only notes what changed; the ticker
 * thread started by stream_start publishes one "tick" event a second on
 * app->bus naming the metrics that changed. stream_stop joins it. */
void stream_on_commit(struct app *app, const struct store_record *recs, size_t n);
/* stream_init before the store opens (0 or ZZ_ENOMEM); stream_free after it closed. */
int stream_init(struct app *app);
void stream_free(struct app *app);
int stream_start(struct app *app, struct zz_err *e);
void stream_stop(struct app *app);
/* Open live streams (GET /api/v1/stream) now; 0 before stream_start. */
int stream_clients(struct app *app);
extern const struct http_route api_cockpit_routes[];
extern const size_t api_cockpit_nroutes;
extern const struct http_route api_stream_routes[];
extern const size_t api_stream_nroutes;

/* Early warning and dispatch: alerts, work orders, rules,
 * matters, audit and the test clock (api/alerts.c, orders.c, rules_admin.c). */
extern const struct http_route api_alerts_routes[];
extern const size_t api_alerts_nroutes;
extern const struct http_route api_orders_routes[];
extern const size_t api_orders_nroutes;
/* Order statistics (api/stats.c). */
extern const struct http_route api_stats_routes[];
extern const size_t api_stats_nroutes;
extern const struct http_route api_rules_routes[];
extern const size_t api_rules_nroutes;
/* Codes and the public intake: the operator's routes (api/codes_admin.c),
 * a scanned code and its reports (api/codes_public.c, the engine is
 * src/intake/), receipts and rating (api/receipts.c), the pages (api/pages.c). */
extern const struct http_route api_codes_admin_routes[];
extern const size_t api_codes_admin_nroutes;
extern const struct http_route api_codes_public_routes[];
extern const size_t api_codes_public_nroutes;
extern const struct http_route api_receipts_routes[];
extern const size_t api_receipts_nroutes;
extern const struct http_route api_pages_routes[];
extern const size_t api_pages_nroutes;
/* Adds the member "reporter_phone" (a string, or null when the report has
 * none) to the order object open in j when the caller may see it
 * (dispatchers, admins, officers of the order's departments: `readable`);
 * adds nothing otherwise. */
void api_codes_order_phone(struct http_req *r, int64_t order_id, int readable, struct zz_json *j);
/* An application sent through an enterprise code (api/applications.c):
 * checks that token is an active code (404 / 410 as the scan routes
 * answer, naming field "code") of kind enterprise (400), and copies its
 * entity's key into entity (cap bytes). Returns 0, or replies itself and
 * returns non-zero. */
int api_codes_enterprise(struct http_req *r, const char *token, char *entity, size_t cap);
/* Checks phone against the registered contact_phone of entity (digits
 * compared); field names the phone in the request. Returns 0, or replies
 * 400 (no phone) / 403 (another number) naming field and returns non-zero. */
int api_codes_check_contact(struct http_req *r, const char *entity, const char *phone,
                            const char *field);
/* The largest application material accepted, in bytes (the phone pages
 * check it before sending). */
#define API_MATERIAL_MAX (10u << 20)
/* The public services catalog and Open311 GeoReport v2 (api/catalog.c,
 * api/open311.c). */
extern const struct http_route api_catalog_routes[];
extern const size_t api_catalog_nroutes;
extern const struct http_route api_open311_routes[];
/* Open311's error shape for the server's own errors under /open311/. */
extern const struct http_error_face o311_error_face;
extern const size_t api_open311_nroutes;
extern const struct http_route api_cases_routes[]; /* api/cases.c */
extern const size_t api_cases_nroutes;
extern const struct http_route api_campaigns_routes[]; /* api/campaigns.c */
extern const size_t api_campaigns_nroutes;
/* FIWARE NGSI-v2 under /v2 (api/ngsi.c). */
extern const struct http_route api_ngsi_routes[];
extern const size_t api_ngsi_nroutes;
extern const struct http_route api_ngsi_subs_routes[]; /* api/ngsi_subs.c */
extern const size_t api_ngsi_subs_nroutes;
/* Webhooks of alert and order events (api/webhooks.c). */
extern const struct http_route api_webhooks_routes[];
extern const size_t api_webhooks_nroutes;
extern const struct http_route api_applications_routes[]; /* api/applications.c */
extern const size_t api_applications_nroutes;
/* Records an admin change in the audit table (actor: the caller). */
void api_audit(struct http_req *r, const char *action, const char *target, const char *detail_json);

/* Authentication used by the server for every route (api/auth.c). */
int api_authenticate(struct app *app, struct http_req *r, enum http_auth kind,
                     struct http_auth_ctx *ctx);
/* For a response that outlives its request (the stream): the stored hash of
 * the request's session cookie (0, or ZZ_EAUTH without one), and whether
 * that session still belongs to user (0; ZZ_EAUTH once it was ended by a
 * logout, a new password, disabling or deleting, or expired). */
int api_session_hash(struct http_req *r, char out[65]);
int api_session_check(struct app *app, const char *hash, int64_t user);
/* Routes whose work is slow (argon2id: login, user create and password)
 * run it on app->hashers (api/auth.c): a streamed route whose callbacks are
 * api_slow_data/_end/_cleanup and whose begin calls api_slow_begin with
 * ops. start (HTTP thread, the JSON body in s->json) checks and fills s and
 * returns 0 to queue work, or replies and returns non-zero; work runs on a
 * pool thread; finish (HTTP thread) replies. A full queue answers 503. */
struct api_slow;
struct api_slow_ops {
  int (*start)(struct http_req *r, struct api_slow *s);
  void (*work)(struct api_slow *s);
  int (*finish)(struct http_req *r, struct api_slow *s);
};
struct api_slow {
  const struct api_slow_ops *ops;
  struct http_req *r;
  struct app *app;
  struct zz_buf body;
  struct json_t *json;
  int step; /* 0 reading, 1 queued, 2 worked */
  /* what the handlers fill and the work uses */
  char name[ACCOUNTS_NAME_MAX + 1];
  char password[ACCOUNTS_PASSWORD_MAX + 1];
  char role[16], department[ACCOUNTS_DEPARTMENT_MAX + 1], scope[ACCOUNTS_SCOPE_MAX + 1];
  int rc;
  struct zz_err e;
  struct accounts_user u;
  /* login: the SHA-256 of a device cookie valid for name, or "" */
  char device[65];
};
int api_slow_begin(struct http_req *r, const struct api_slow_ops *ops);
int api_slow_data(struct http_req *r, const char *p, size_t n);
int api_slow_end(struct http_req *r);
void api_slow_cleanup(struct http_req *r);
/* Copies the string member key of a JSON object into out (cap bytes): 0,
 * or non-zero after replying 400 naming key (missing when required, not a
 * string, NUL inside, too long). A missing optional member gives "". */
int api_body_string(struct http_req *r, struct json_t *body, const char *key, int required,
                    char *out, size_t cap);
/* Replies with e like http_reply_err, but returns e's (non-zero) code, as
 * api_slow's start must when it replied. */
int api_fail_err(struct http_req *r, const struct zz_err *e);
/* Writes a user's members "id", "name", "role", "department", "scope" into
 * the object open in j (api/auth.c); department and scope are null when
 * the user has none. */
void api_user_members(struct zz_json *j, int64_t id, const char *name, const char *role,
                      const char *department, const char *scope);
/* The user routes of admins (api/users.c). */
extern const struct http_route api_users_routes[];
extern const size_t api_users_nroutes;

/* Departments written by admins (api/departments.c). */
extern const struct http_route api_departments_routes[];
extern const size_t api_departments_nroutes;
extern const struct http_route api_metrics_routes[];
extern const size_t api_metrics_nroutes;

/* Token helpers (api/auth.c): a new random token "zz_..." (out >= 48 bytes)
 * and its SHA-256 hex digest (out >= 65 bytes) as stored. */
void api_token_new(char out[48]);
void api_token_hash(const char *token, char out[65]);

/* issue 13 §5: records returned vs used, derived statuses (duty) */
extern const struct http_route api_usage_routes[]; /* api/usage.c */
extern const size_t api_usage_nroutes;
extern const struct http_route api_statuses_routes[]; /* api/statuses.c */
extern const size_t api_statuses_nroutes;
/* Inspections, rectification, credit and visit plans (api/inspections.c). */
extern const struct http_route api_inspections_routes[];
extern const size_t api_inspections_nroutes;
/* The notifier's sees_personal (notify/notify.h) with ud an app: the
 * subscription's owner, as the accounts have them now (a disabled or
 * deleted owner sees nothing whole), under authz_entity_personal
 * (api/ngsi_subs.c). */
int api_ngsi_sees_personal(void *ud, const char *owner, const char *type);

#endif
