/* mqtt.h - MQTT ingest: zhizhi as a subscriber of a mosquitto broker
 * (persistent session, QoS 1), each message reshaped (mqtt_msg.h) and
 * stored through the one ingest pipeline (ingest.h); and the broker
 * accounts zhizhi provisions: a password file and an ACL file generated
 * from the accounts in the store, the broker reloaded with SIGHUP.
 *
 * Durability: a QoS 1 message is acknowledged to the broker only after its
 * records are committed (mqtt.c says how), so a kill -9 of zhizhi loses
 * nothing the broker was told it had; the broker redelivers the rest from
 * the session, and (entity, metric, ts) replaces, so it is stored once. */
#ifndef ZZ_MQTT_H
#define ZZ_MQTT_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"
#include "model/registry.h"
#include "store/store.h"

#define MQTT_SERVICE_USER "zhizhi"
#define MQTT_PASSWORD_LEN 32 /* characters of an issued password */

struct mqtt_ingest_opts {
  struct store *st;
  struct registry *reg;
  const char *url;         /* mqtt://[USER[:PASSWORD]@]HOST[:PORT] */
  const char *client_id;   /* NULL: "zhizhi" (fixed: the session lives under it) */
  const char *secret_file; /* "USER:PASSWORD" when the url has no user; may be NULL */
};

struct mqtt_ingest;

/* What the subscriber has seen since it started. */
struct mqtt_ingest_stats {
  int64_t messages, accepted, replaced, rejected, unknown_topic, unknown_source, store_retries;
};

/* Connects (in the background: a broker that is down is retried every few
 * seconds) and subscribes to zz/+/+/+ and v1/devices/+/telemetry. Returns 0
 * and *out, or ZZ_EINVAL (bad url, unreadable secret) / ZZ_ENOMEM with e. */
int mqtt_ingest_start(const struct mqtt_ingest_opts *o, struct mqtt_ingest **out, struct zz_err *e);
void mqtt_ingest_stats(struct mqtt_ingest *m, struct mqtt_ingest_stats *out);
/* Disconnects (the session stays on the broker) and frees m. NULL is fine. */
void mqtt_ingest_stop(struct mqtt_ingest *m);

/* ---- broker accounts (mqtt_auth.c) ---- */

/* mosquitto's password-file hash of password ("$7$101$SALT$HASH":
 * PBKDF2-HMAC-SHA512, 101 rounds, 12-byte salt) into out. Returns 0 or
 * ZZ_EINVAL when cap is too small. */
int mqtt_password_hash(const char *password, char *out, size_t cap);
/* Issues a new password for username (created or rotated) and writes the
 * broker's files in dir (passwd, acl). source_key NULL: the service account
 * zhizhi subscribes with (its password also goes to dir/zhizhi.secret,
 * mode 0600); else a device: username must be an entity key and
 * source_key a source. password gets MQTT_PASSWORD_LEN + 1 bytes. Then the
 * broker is reloaded when broker_pid_file is not NULL. Returns 0 or
 * ZZ_ENOTFOUND / ZZ_EINVAL / ZZ_EIO / ZZ_ESTORE with e. */
int mqtt_account_issue(struct store *st, struct registry *reg, const char *username,
                       const char *source_key, const char *dir, const char *broker_pid_file,
                       char *password, struct zz_err *e);
/* Rewrites dir/passwd and dir/acl from the store's accounts. Returns 0 or
 * ZZ_EIO / ZZ_ESTORE with e. */
int mqtt_files_write(struct store *st, struct registry *reg, const char *dir, struct zz_err *e);
/* Sends SIGHUP to the pid in pid_file (mosquitto re-reads its password and
 * ACL files). Returns 0 or ZZ_EIO with e. */
int mqtt_broker_reload(const char *pid_file, struct zz_err *e);

#endif
