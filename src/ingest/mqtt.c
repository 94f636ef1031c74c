/* mqtt.c - the MQTT subscriber (mqtt.h): libmosquitto's own thread runs the
 * connection; each message is stored before the callback returns.
 *
 * Why a PUBACK follows the commit: libmosquitto 2.0 (lib/handle_publish.c)
 * queues the PUBACK of a QoS 1 message just before calling on_message, and
 * packet__queue writes it to the socket at once only when the client is not
 * threaded; in threaded mode (mosquitto_loop_start) the queued packet is
 * written by the same loop thread after the read (and so the callback) has
 * returned. The callback commits the records before returning, so the
 * broker hears PUBACK only for committed data. When the store cannot take
 * the records the callback retries; when zhizhi stops meanwhile it shuts the
 * socket so the queued PUBACK is never sent and the broker keeps the message. */
#include "ingest/mqtt.h"

#include <mosquitto.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/buf.h"
#include "core/ztime.h"
#include "ingest/ingest.h"
#include "ingest/mqtt_msg.h"
#include "store/store_mqtt.h"

struct mqtt_ingest {
  struct mqtt_ingest_opts o;
  struct mosquitto *mosq;
  atomic_int stopping;
  struct zz_buf lines; /* the current message's NDJSON, reused */
  char host[256], user[128], password[256], client_id[128];
  int port;
  _Atomic int64_t messages, accepted, replaced, rejected, unknown_topic, unknown_source, retries;
};

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Keeps a refusal on the source's status (what the admin's source list
 * shows) in both languages. */
static void note_rejects(struct mqtt_ingest *m, int64_t src, const char *topic, int64_t n,
                         const char *msg, const char *msg_zh) {
  char text[600];
  snprintf(text, sizeof text, "%s: %s / %s", topic, msg_zh, msg);
  struct zz_err e = {0};
  if (store_source_note_rejects(m->o.st, src, n, text, zz_time_now(), &e))
    zz_warn("mqtt: counting refused records of %s failed: %s", topic, e.msg);
  atomic_fetch_add(&m->rejected, n);
}

/* Stores lines for source src, retrying while the store cannot take them.
 * Returns 0 when committed (or refused line by line), -1 when zhizhi stops
 * first: then the message must not be acknowledged. */
static int store_lines(struct mqtt_ingest *m, int64_t src, const char *topic) {
  long backoff = 50;
  for (;;) {
    struct ingest_opts io = {.st = m->o.st,
                             .reg = m->o.reg,
                             .source_id = src,
                             .format = INGEST_NDJSON,
                             .kind = INGEST_RECORDS};
    struct ingest *in = ingest_new(&io);
    struct zz_err e = {0};
    int rc = in ? ingest_feed(in, m->lines.data, m->lines.len, &e) : ZZ_ENOMEM;
    if (!rc) rc = ingest_finish(in, &e);
    if (!rc) {
      const struct ingest_report *rep = ingest_result(in);
      atomic_fetch_add(&m->accepted, rep->accepted);
      atomic_fetch_add(&m->replaced, rep->replaced);
      if (rep->rejected_total)
        note_rejects(m, src, topic, rep->rejected_total,
                     rep->nrejected ? rep->rejected[0].msg : "refused",
                     rep->nrejected ? rep->rejected[0].msg_zh : "被拒绝");
      ingest_free(in);
      return 0;
    }
    ingest_free(in);
    atomic_fetch_add(&m->retries, 1);
    if (backoff == 50) zz_warn("mqtt: storing %s failed (%s), retrying", topic, e.msg);
    if (atomic_load(&m->stopping)) return -1;
    sleep_ms(backoff);
    if (backoff < 2000) backoff *= 2;
  }
}

static void on_message(struct mosquitto *mosq, void *ud, const struct mosquitto_message *msg) {
  struct mqtt_ingest *m = ud;
  atomic_fetch_add(&m->messages, 1);
  struct mqtt_topic t;
  if (mqtt_topic_parse(msg->topic, &t)) {
    if (atomic_fetch_add(&m->unknown_topic, 1) < 10)
      zz_warn("mqtt: topic %s follows no convention; ignored", msg->topic);
    return;
  }
  int64_t src = 0;
  if (t.conv == MQTT_CONV_ZZ) {
    registry_rdlock(m->o.reg);
    src = registry_source_id(m->o.reg, t.source);
    registry_unlock(m->o.reg);
  } else if (store_mqtt_device_source(m->o.st, t.entity, &src) != 0) {
    src = 0;
  }
  if (!src) {
    if (atomic_fetch_add(&m->unknown_source, 1) < 10)
      zz_warn("mqtt: %s: no such source or device; ignored", msg->topic);
    return;
  }
  zz_buf_reset(&m->lines);
  int n = mqtt_payload_ndjson(&t, msg->payload ? msg->payload : "", (size_t)msg->payloadlen,
                              zz_time_now(), &m->lines);
  if (n == ZZ_ETOOBIG) {
    note_rejects(m, src, msg->topic, 1, "the payload is over 64 KiB or nested too deeply",
                 "消息超过 64 KiB 或嵌套过深");
    return;
  }
  if (n <= 0) return; /* nothing to store ({} from ThingsBoard), or out of memory */
  if (store_lines(m, src, msg->topic) != 0) {
    /* Stopping with the records unstored: close the socket under the
     * queued PUBACK, so the broker keeps the message for the next session. */
    shutdown(mosquitto_socket(mosq), SHUT_RDWR);
  }
}

static void on_connect(struct mosquitto *mosq, void *ud, int rc) {
  struct mqtt_ingest *m = ud;
  if (rc != 0) {
    zz_warn("mqtt: %s:%d refused the connection: %s", m->host, m->port,
            mosquitto_connack_string(rc));
    return;
  }
  static char zz_topic[] = "zz/+/+/+", tb_topic[] = "v1/devices/+/telemetry";
  char *subs[] = {zz_topic, tb_topic};
  int src = mosquitto_subscribe_multiple(mosq, NULL, 2, subs, 1, 0, NULL);
  if (src != MOSQ_ERR_SUCCESS) zz_warn("mqtt: subscribing failed: %s", mosquitto_strerror(src));
  zz_info("mqtt: connected to %s:%d as %s", m->host, m->port, m->client_id);
}

static void on_disconnect(struct mosquitto *mosq, void *ud, int rc) {
  struct mqtt_ingest *m = ud;
  (void)mosq;
  if (rc != 0 && !atomic_load(&m->stopping))
    zz_warn("mqtt: lost the broker (%s); reconnecting", mosquitto_strerror(rc));
}

/* mqtt://[USER[:PASSWORD]@]HOST[:PORT] into m. Returns 0 or -1. */
static int parse_url(struct mqtt_ingest *m, const char *url) {
  if (strncmp(url, "mqtt://", 7) != 0) return -1;
  const char *p = url + 7, *at = strchr(p, '@');
  if (at) {
    const char *colon = memchr(p, ':', (size_t)(at - p));
    size_t un = (size_t)((colon ? colon : at) - p);
    if (un == 0 || un >= sizeof m->user) return -1;
    memcpy(m->user, p, un);
    m->user[un] = 0;
    if (colon) {
      size_t pn = (size_t)(at - colon - 1);
      if (pn >= sizeof m->password) return -1;
      memcpy(m->password, colon + 1, pn);
      m->password[pn] = 0;
    }
    p = at + 1;
  }
  size_t hn = strcspn(p, ":/");
  if (hn == 0 || hn >= sizeof m->host) return -1;
  memcpy(m->host, p, hn);
  m->host[hn] = 0;
  m->port = 1883;
  if (p[hn] == ':') {
    char *end;
    long port = strtol(p + hn + 1, &end, 10);
    if (port < 1 || port > 65535 || (*end && *end != '/')) return -1;
    m->port = (int)port;
  }
  return 0;
}

/* Reads "USER:PASSWORD" from the secret file into m. Returns 0 or -1. */
static int read_secret(struct mqtt_ingest *m, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[512];
  int ok = fgets(line, sizeof line, f) != NULL;
  fclose(f);
  if (!ok) return -1;
  line[strcspn(line, "\r\n")] = 0;
  char *colon = strchr(line, ':');
  if (!colon || colon == line || (size_t)(colon - line) >= sizeof m->user ||
      strlen(colon + 1) >= sizeof m->password)
    return -1;
  *colon = 0;
  zz_strlcpy(m->user, line, sizeof m->user);
  zz_strlcpy(m->password, colon + 1, sizeof m->password);
  return 0;
}

int mqtt_ingest_start(const struct mqtt_ingest_opts *o, struct mqtt_ingest **out,
                      struct zz_err *e) {
  struct mqtt_ingest *m = zz_calloc(1, sizeof *m);
  if (!m) return zz_fail(e, ZZ_ENOMEM, "mqtt", "%s", "out of memory");
  m->o = *o;
  zz_buf_init(&m->lines, 0);
  int rc = 0;
  if (parse_url(m, o->url)) {
    rc = zz_fail(e, ZZ_EINVAL, "mqtt", "--mqtt needs mqtt://HOST[:PORT], not \"%s\"", o->url);
    goto done;
  }
  if (!m->user[0] && o->secret_file && read_secret(m, o->secret_file)) {
    rc = zz_fail(e, ZZ_EINVAL, "mqtt-secret",
                 "cannot read USER:PASSWORD from %s (zhizhi mqtt init writes it)", o->secret_file);
    goto done;
  }
  zz_strlcpy(m->client_id, o->client_id ? o->client_id : "zhizhi", sizeof m->client_id);
  m->o.url = NULL; /* borrowed strings are not kept */
  m->o.client_id = m->client_id;
  m->o.secret_file = NULL;
  mosquitto_lib_init();
  /* clean_session false: the broker keeps the subscription and every QoS 1
   * message not yet acknowledged while zhizhi is away. */
  m->mosq = mosquitto_new(m->client_id, false, m);
  if (!m->mosq) {
    rc = zz_fail(e, ZZ_ENOMEM, "mqtt", "%s", "out of memory");
    goto done;
  }
  if (m->user[0]) mosquitto_username_pw_set(m->mosq, m->user, m->password[0] ? m->password : NULL);
  mosquitto_connect_callback_set(m->mosq, on_connect);
  mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
  mosquitto_message_callback_set(m->mosq, on_message);
  mosquitto_reconnect_delay_set(m->mosq, 1, 5, false);
  int mrc = mosquitto_connect_async(m->mosq, m->host, m->port, 30);
  if (mrc != MOSQ_ERR_SUCCESS)
    zz_warn("mqtt: %s:%d: %s; retrying in the background", m->host, m->port,
            mosquitto_strerror(mrc));
  /* Threaded: the PUBACK waits for the callback (see the top of this file). */
  if ((mrc = mosquitto_loop_start(m->mosq)) != MOSQ_ERR_SUCCESS) {
    rc = zz_fail(e, ZZ_EINVAL, "mqtt", "the MQTT client could not start: %s",
                 mosquitto_strerror(mrc));
    goto done;
  }
done:
  if (rc) {
    if (m->mosq) mosquitto_destroy(m->mosq);
    zz_buf_free(&m->lines);
    zz_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

void mqtt_ingest_stats(struct mqtt_ingest *m, struct mqtt_ingest_stats *out) {
  out->messages = atomic_load(&m->messages);
  out->accepted = atomic_load(&m->accepted);
  out->replaced = atomic_load(&m->replaced);
  out->rejected = atomic_load(&m->rejected);
  out->unknown_topic = atomic_load(&m->unknown_topic);
  out->unknown_source = atomic_load(&m->unknown_source);
  out->store_retries = atomic_load(&m->retries);
}

void mqtt_ingest_stop(struct mqtt_ingest *m) {
  if (!m) return;
  atomic_store(&m->stopping, 1);
  mosquitto_disconnect(m->mosq);
  mosquitto_loop_stop(m->mosq, false);
  mosquitto_destroy(m->mosq);
  mosquitto_lib_cleanup();
  zz_buf_free(&m->lines);
  zz_free(m);
}
