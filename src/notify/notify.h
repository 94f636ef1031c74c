/* notify.h - the delivery engine: NGSI-v2 subscriptions notified over
 * HTTP when a new record of a watched attribute is committed. Committed
 * batches are noted on the writer thread (cheap, bounded); one background
 * thread matches them against the subscriptions (and the bus's alert and
 * order events against the webhooks, whose bodies it signs), renders the entities
 * (model/ngsi_load.h) and POSTs Orion's notification ({"subscriptionId",
 * "data": [entity]}) with libcurl, retrying a failed delivery with backoff
 * and keeping each subscription's counters in the store. No request
 * thread and no store writer thread ever waits on a receiver. */
#ifndef ZZ_NOTIFY_H
#define ZZ_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"
#include "store/store_records.h"

struct registry;
struct bus;
struct notify;

struct notify_opts {
  struct store *st;
  struct registry *reg;
  struct bus *bus;    /* alert and order events for the webhooks; NULL: none */
  int64_t backoff_ms; /* the first retry's delay, doubled each time (0: 1000) */
  int retries;        /* attempts after the first (0: 5) */
  /* 1 when user owner (a subscription's) may see the personal attributes
   * of an entity of type whole: the API's rule (api/authz.h
   * authz_entity_personal), called on the notifier's thread. NULL: nobody
   * may, every notification carries them masked. */
  int (*sees_personal)(void *ud, const char *owner, const char *type);
  void *sees_personal_ud;
};

/* Loads the subscriptions and starts the thread: 0 and *out, or a ZZ_E*
 * code with e filled. */
int notify_open(const struct notify_opts *o, struct notify **out, struct zz_err *e);
/* Stops the thread (a delivery under way ends within its timeout) and
 * frees everything; pending notifications are dropped. NULL is fine. */
void notify_close(struct notify *n);
/* On the store's writer thread after a commit: notes which (entity,
 * metric) moved, when any subscription exists; never blocks on I/O. */
void notify_on_commit(struct notify *n, const struct store_record *recs, size_t count);
/* The subscriptions or webhooks changed in the store: reread them. */
void notify_reload(struct notify *n);

#endif
