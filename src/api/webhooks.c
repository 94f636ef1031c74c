/* webhooks.c (api) - /api/v1/webhooks: admins register a URL for alert
 * and order events (opened, cleared, every order step); the notifier
 * (src/notify/) POSTs each event signed with HMAC-SHA256 of the webhook's
 * secret, shown once at creation. District-wide: unscoped admins only. */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/authz.h"
#include "notify/notify.h"
#include "store/store_notify.h"

#define WEBHOOK_EVENTS_MAX 32

/* Checks events: a non-empty array of "*", "alert", "order" or
 * "alert.ACTION" / "order.ACTION" names. 0 or replies 400. */
static int check_events(struct http_req *r, json_t *ev) {
  if (!json_is_array(ev) || !json_array_size(ev) || json_array_size(ev) > WEBHOOK_EVENTS_MAX)
    return http_fail(r, ZZ_EINVAL, "events",
                     "events must be a list of 1 to %d event names (alert, order, alert.open, "
                     "order.dispatch, *)",
                     WEBHOOK_EVENTS_MAX);
  size_t i;
  json_t *v;
  json_array_foreach(ev, i, v) {
    const char *s = json_string_value(v);
    int ok =
        s && (strcmp(s, "*") == 0 || strcmp(s, "alert") == 0 || strcmp(s, "order") == 0 ||
              ((strncmp(s, "alert.", 6) == 0 || strncmp(s, "order.", 6) == 0) && strlen(s) > 6 &&
               strlen(s) < 48 && strspn(s + 6, "abcdefghijklmnopqrstuvwxyz_") == strlen(s + 6)));
    if (!ok)
      return http_fail(r, ZZ_EINVAL, "events",
                       "events[%zu] is not an event name of alerts or orders", i);
  }
  return 0;
}

static int post_webhook(struct http_req *r) {
  struct app *app = http_app(r);
  if (authz_webhook(http_auth(r)))
    return authz_deny(r, "webhook", "a webhook of every alert and order", "全区告警和工单的推送");
  json_t *body = NULL;
  if (api_json_body(r, &body)) return 0;
  int ret = 0;
  char url[2049];
  if (api_body_string(r, body, "url", 1, url, sizeof url)) goto done;
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
    ret = http_fail(r, ZZ_EINVAL, "url", "url must start with http:// or https://");
    goto done;
  }
  json_t *events = json_object_get(body, "events");
  if (check_events(r, events)) goto done;
  unsigned char raw[24];
  char secret[2 * sizeof raw + 4] = "whs";
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(secret + 3, sizeof secret - 3, raw, sizeof raw);
  char *events_text = json_dumps(events, JSON_COMPACT);
  struct store_webhook w = {.url = url,
                            .events_json = events_text,
                            .secret = secret,
                            .created_by = http_auth(r)->user,
                            .created = zz_time_now()};
  int64_t id = 0;
  struct zz_err e = {0};
  int rc = events_text ? store_webhook_insert(app->st, &w, &id, &e) : ZZ_ENOMEM;
  if (rc) {
    free(events_text); /* banned-ok: jansson's json_dumps allocates with malloc */
    ret = http_fail(r, rc, "", "cannot store the webhook");
    goto done;
  }
  char target[32];
  snprintf(target, sizeof target, "%lld", (long long)id);
  api_audit(r, "webhook.create", target, NULL);
  notify_reload(app->notify);
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kobj(&j, "webhook");
  zz_json_kint(&j, "id", id);
  zz_json_kstr(&j, "url", url);
  zz_json_key(&j, "events");
  zz_json_text(&j, events_text, strlen(events_text));
  zz_json_obj_end(&j);
  zz_json_kstr(&j, "secret", secret); /* shown this once */
  zz_json_obj_end(&j);
  free(events_text); /* banned-ok: jansson's json_dumps allocates with malloc */
  ret = api_reply_json(r, 201, &j);
done:
  json_decref(body);
  return ret;
}

static void ktime(struct zz_json *j, const char *k, int64_t ms) {
  if (ms)
    zz_json_ktime(j, k, ms);
  else
    zz_json_knull(j, k);
}

static int hook_row(void *ud, const struct store_webhook *w) {
  struct zz_json *j = ud;
  zz_json_obj(j);
  zz_json_kint(j, "id", w->id);
  zz_json_kstr(j, "url", w->url);
  zz_json_key(j, "events");
  zz_json_text(j, w->events_json, strlen(w->events_json));
  zz_json_kstr(j, "created_by", w->created_by);
  ktime(j, "created", w->created);
  zz_json_kint(j, "times_sent", w->times_sent);
  ktime(j, "last_success", w->last_success);
  ktime(j, "last_failure", w->last_failure);
  zz_json_kstr(j, "last_failure_reason", w->last_failure ? w->last_failure_reason : NULL);
  zz_json_kint(j, "failures", w->fails);
  zz_json_kstr(j, "status", w->fails ? "failed" : "active");
  zz_json_obj_end(j);
  return 0;
}

static int get_webhooks(struct http_req *r) {
  struct app *app = http_app(r);
  if (authz_webhook(http_auth(r)))
    return authz_deny(r, "webhook", "a webhook of every alert and order", "全区告警和工单的推送");
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_karr(&j, "webhooks");
  int rc = store_webhooks_each(app->st, hook_row, &j);
  if (rc) {
    zz_buf_free(&b);
    return http_fail(r, rc, "", "cannot list the webhooks");
  }
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
}

static int delete_webhook(struct http_req *r) {
  struct app *app = http_app(r);
  if (authz_webhook(http_auth(r)))
    return authz_deny(r, "webhook", "a webhook of every alert and order", "全区告警和工单的推送");
  const char *p = http_param(r, "id");
  char *end;
  long long id = strtoll(p, &end, 10);
  if (*end || id <= 0) return http_fail(r, ZZ_ENOTFOUND, "id", "no webhook %s", p);
  int rc = store_webhook_delete(app->st, id, NULL);
  if (rc == ZZ_ENOTFOUND) return http_fail(r, rc, "id", "no webhook %s", p);
  if (rc) return http_fail(r, rc, "", "cannot delete the webhook");
  api_audit(r, "webhook.delete", p, NULL);
  notify_reload(app->notify);
  return http_reply(r, 204, NULL, NULL);
}

const struct http_route api_webhooks_routes[] = {
    {"POST", "/api/v1/webhooks", post_webhook, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 8192},
    {"GET", "/api/v1/webhooks", get_webhooks, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
    {"DELETE", "/api/v1/webhooks/:id", delete_webhook, NULL, HTTP_AUTH_USER, ROLE_ADMIN, 0},
};
const size_t api_webhooks_nroutes = sizeof api_webhooks_routes / sizeof api_webhooks_routes[0];
