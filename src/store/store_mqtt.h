/* store_mqtt.h - the broker accounts zhizhi provisions (its own service
 * account and one per device: the mosquitto password and ACL files are
 * generated from them), and the per-source reject counts that MQTT ingest
 * keeps so the admin's source list shows why a device's data is missing. */
#ifndef ZZ_STORE_MQTT_H
#define ZZ_STORE_MQTT_H

#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_mqtt_account {
  const char *username; /* a device: its entity key */
  const char *kind;     /* "service" (zhizhi itself) or "device" */
  int64_t source;       /* device: the source its records count for; 0 for service */
  const char *hash;     /* mosquitto password-file hash ("$7$101$salt$hash") */
  int64_t updated;      /* UTC ms of the last (re)issue */
};

/* Creates or replaces the account a->username. Returns 0 or ZZ_ESTORE. */
int store_mqtt_account_put(struct store *st, const struct store_mqtt_account *a, struct zz_err *e);
/* Every account, ordered by username; fn returns non-zero to stop. Returns 0
 * or ZZ_ESTORE. The strings live during the call only. */
int store_mqtt_accounts_each(struct store *st, int (*fn)(void *, const struct store_mqtt_account *),
                             void *ud);
/* The source of device account username into out. Returns 0, ZZ_ENOTFOUND
 * (no such device) or ZZ_ESTORE. */
int store_mqtt_device_source(struct store *st, const char *username, int64_t *out);
/* Adds n rejected records to source id's count and keeps msg (may be NULL)
 * as its last error, at time at (UTC ms). Returns 0 or ZZ_ESTORE. */
int store_source_note_rejects(struct store *st, int64_t id, int64_t n, const char *msg, int64_t at,
                              struct zz_err *e);

#endif
