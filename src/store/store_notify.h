/* store_notify.h - what the notifier keeps: NGSI-v2 subscriptions (a
 * definition as JSON text, the region it watches, its owner) and their
 * delivery counters (times sent, last success and failure, failures in a
 * row), so a subscription and its state survive a restart. */
#ifndef ZZ_STORE_NOTIFY_H
#define ZZ_STORE_NOTIFY_H

#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_ngsi_sub {
  const char *id;       /* 24 hex digits */
  const char *region;   /* region path watched ("" everywhere) */
  const char *owner;    /* the user who made it */
  const char *doc_json; /* the definition: subject, notification, expires, throttling... */
  int64_t created;
  /* delivery state (read only on insert) */
  int64_t times_sent, last_notification, last_success, last_success_code, last_failure, fails;
  const char *last_failure_reason;
};

/* Inserts s (its counters start at 0). 0, ZZ_EXISTS or a store error. */
int store_ngsi_sub_insert(struct store *st, const struct store_ngsi_sub *s, struct zz_err *e);
/* Deletes subscription id: 0, ZZ_ENOTFOUND or a store error. */
int store_ngsi_sub_delete(struct store *st, const char *id, struct zz_err *e);
/* Calls fn once per subscription (id NULL: all, oldest first; else that
 * one); strings valid during the call. 0 (also when none), or a store
 * error; fn non-zero stops. */
int store_ngsi_subs_each(struct store *st, const char *id,
                         int (*fn)(void *, const struct store_ngsi_sub *), void *ud);
/* Records one delivery attempt at ts: ok with the receiver's HTTP code, or
 * a failure with its reason. 0, ZZ_ENOTFOUND (deleted meanwhile) or a
 * store error. */
int store_ngsi_sub_delivered(struct store *st, const char *id, int64_t ts, int ok, int code,
                             const char *reason, struct zz_err *e);

/* Webhooks: alert and order events POSTed to an admin's URL, signed with
 * the webhook's secret (kept as is: it must sign). */
struct store_webhook {
  int64_t id;
  const char *url, *events_json, *secret, *created_by;
  int64_t created;
  int64_t times_sent, last_success, last_success_code, last_failure, fails;
  const char *last_failure_reason;
};
/* Inserts w (id and counters ignored): 0 and *out_id, or a store error. */
int store_webhook_insert(struct store *st, const struct store_webhook *w, int64_t *out_id,
                         struct zz_err *e);
/* 0, ZZ_ENOTFOUND or a store error. */
int store_webhook_delete(struct store *st, int64_t id, struct zz_err *e);
/* Every webhook, oldest first; as store_ngsi_subs_each. */
int store_webhooks_each(struct store *st, int (*fn)(void *, const struct store_webhook *),
                        void *ud);
/* One delivery attempt, as store_ngsi_sub_delivered. */
int store_webhook_delivered(struct store *st, int64_t id, int64_t ts, int ok, int code,
                            const char *reason, struct zz_err *e);

#endif
