/* mqtt.c - the MQTT subscriber (mqtt.h): one thread of ours runs the
 * libmosquitto connection (its "external loop" API: read, write, misc), so
 * that messages are committed in batches and acknowledged after the commit.
 *
 * Why a PUBACK follows the commit: libmosquitto 2.0 (lib/handle_publish.c)
 * queues the PUBACK of a QoS 1 message just before calling on_message, and
 * packet__queue writes it to the socket at once only for a client not
 * marked threaded. This client is marked threaded (mosquitto_threaded_set),
 * so a queued packet goes out only when this thread calls
 * mosquitto_loop_write. The thread reads every message that has arrived
 * (mosquitto_loop_read while the socket has data, up to MQ_BATCH messages),
 * the callback only collects their records, then the batch is committed
 * through the ingest pipeline, and only then are the PUBACKs written. When
 * the store cannot take a batch the thread waits and retries (the broker
 * holds the rest); when zhizhi stops meanwhile the connection is closed
 * without writing, and the broker keeps the messages for the next session. */
#include "ingest/mqtt.h"

#include <mosquitto.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/buf.h"
#include "core/metrics.h"
#include "core/ztime.h"
#include "ingest/ingest.h"
#include "ingest/mqtt_msg.h"
#include "store/store_mqtt.h"

#define MQ_BATCH 2000 /* messages committed at once, at most */

/* Where a message's lines start in the batch: its refusals name its topic. */
struct mq_msg {
  long first_line;
  char topic[160];
};

struct mqtt_ingest {
  struct mqtt_ingest_opts o;
  struct mosquitto *mosq;
  pthread_t thread;
  int started;
  atomic_int stopping;
  /* the batch being collected: records of one source */
  struct zz_buf lines;
  int64_t batch_source;
  long batch_lines;
  struct mq_msg *msgs;
  int nmsgs;
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
  zz_utf8_trim(text); /* a cut may fall inside a character */
  struct zz_err e = {0};
  if (store_source_note_rejects(m->o.st, src, n, text, zz_time_now(), &e))
    zz_warn("mqtt: counting refused records of %s failed: %s", topic, e.msg);
  atomic_fetch_add(&m->rejected, n);
}

/* GET /metrics counts MQTT's records with HTTP's, under the source's key. */
static void count_for_metrics(struct mqtt_ingest *m, int64_t src, int64_t accepted,
                              int64_t rejected) {
  registry_rdlock(m->o.reg);
  const struct reg_source *rs = registry_source(m->o.reg, src);
  zz_metrics_ingest(rs ? rs->key : NULL, accepted, rejected);
  registry_unlock(m->o.reg);
}

/* The topic of the message that holds line (1-based) of the batch. */
static const char *topic_of(const struct mqtt_ingest *m, long line) {
  const char *t = m->nmsgs ? m->msgs[0].topic : "";
  for (int i = 0; i < m->nmsgs && m->msgs[i].first_line <= line; i++) t = m->msgs[i].topic;
  return t;
}

/* Commits the batch, retrying while the store cannot take it. Returns 0
 * when committed (or refused line by line; the batch is then empty), -1
 * when zhizhi stops first: then its messages must not be acknowledged. */
static int commit_batch(struct mqtt_ingest *m) {
  if (!m->nmsgs) return 0;
  long backoff = 50;
  for (;;) {
    struct ingest_opts io = {.st = m->o.st,
                             .reg = m->o.reg,
                             .source_id = m->batch_source,
                             .format = INGEST_NDJSON,
                             .kind = INGEST_RECORDS};
    struct ingest *in = ingest_new(&io);
    struct zz_err e = {0};
    int rc = in ? ingest_feed(in, m->lines.data, m->lines.len, &e) : ZZ_ENOMEM;
    if (!rc) rc = ingest_finish(in, &e);
    if (!rc) {
      const struct ingest_report *rep = ingest_result(in);
      count_for_metrics(m, m->batch_source, rep->accepted + rep->replaced, rep->rejected_total);
      atomic_fetch_add(&m->accepted, rep->accepted);
      atomic_fetch_add(&m->replaced, rep->replaced);
      if (rep->rejected_total) {
        const struct ingest_rejection *rj =
            rep->nrejected ? &rep->rejected[rep->nrejected - 1] : NULL;
        note_rejects(m, m->batch_source, rj ? topic_of(m, rj->line) : m->msgs[0].topic,
                     rep->rejected_total, rj ? rj->msg : "refused", rj ? rj->msg_zh : "被拒绝");
      }
      ingest_free(in);
      zz_buf_reset(&m->lines);
      m->nmsgs = 0;
      m->batch_lines = 0;
      return 0;
    }
    ingest_free(in);
    atomic_fetch_add(&m->retries, 1);
    if (backoff == 50) zz_warn("mqtt: storing %d messages failed (%s), retrying", m->nmsgs, e.msg);
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
  /* A batch holds one source's records: commit what another source has
   * collected first (committing early is always safe; acknowledging is not). */
  if (m->nmsgs && (m->batch_source != src || m->nmsgs == MQ_BATCH) && commit_batch(m) != 0) {
    shutdown(mosquitto_socket(mosq), SHUT_RDWR);
    return;
  }
  size_t mark = m->lines.len;
  int n = mqtt_payload_ndjson(&t, msg->payload ? msg->payload : "", (size_t)msg->payloadlen,
                              zz_time_now(), &m->lines);
  if (n == ZZ_ETOOBIG) {
    note_rejects(m, src, msg->topic, 1, "the payload is over 64 KiB or nested too deeply",
                 "消息超过 64 KiB 或嵌套过深");
    count_for_metrics(m, src, 0, 1);
    return;
  }
  if (n <= 0) { /* nothing to store ({} from ThingsBoard), or out of memory */
    zz_buf_truncate(&m->lines, mark);
    return;
  }
  m->batch_source = src;
  m->msgs[m->nmsgs].first_line = m->batch_lines + 1;
  zz_strlcpy(m->msgs[m->nmsgs].topic, msg->topic, sizeof m->msgs[m->nmsgs].topic);
  m->nmsgs++;
  m->batch_lines += n;
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

/* Has the socket data to read now? */
static int readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

/* The connection's thread: connect, then read a batch, commit it, write
 * the acknowledgements, keep the connection alive; reconnect when it drops. */
static void *run(void *ud) {
  struct mqtt_ingest *m = ud;
  long backoff = 1000;
  int connected = 0;
  while (!atomic_load(&m->stopping)) {
    if (!connected) {
      int rc = mosquitto_connect(m->mosq, m->host, m->port, 30);
      if (rc != MOSQ_ERR_SUCCESS) {
        if (backoff == 1000)
          zz_warn("mqtt: %s:%d: %s; retrying", m->host, m->port, mosquitto_strerror(rc));
        for (long w = 0; w < backoff && !atomic_load(&m->stopping); w += 100) sleep_ms(100);
        if (backoff < 5000) backoff += 1000;
        continue;
      }
      connected = 1;
      backoff = 1000;
    }
    int fd = mosquitto_socket(m->mosq);
    struct pollfd p = {.fd = fd, .events = POLLIN | (mosquitto_want_write(m->mosq) ? POLLOUT : 0)};
    int rc = MOSQ_ERR_SUCCESS;
    if (fd < 0) {
      rc = MOSQ_ERR_NO_CONN;
    } else if (poll(&p, 1, 200) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
      /* Everything that has arrived, up to a batch. */
      do {
        rc = mosquitto_loop_read(m->mosq, 1);
      } while (rc == MOSQ_ERR_SUCCESS && m->nmsgs < MQ_BATCH && readable(fd));
    }
    if (commit_batch(m) != 0) break; /* stopping: nothing of it is acknowledged */
    if (rc == MOSQ_ERR_SUCCESS && mosquitto_want_write(m->mosq))
      rc = mosquitto_loop_write(m->mosq, 1000);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_misc(m->mosq);
    if (rc != MOSQ_ERR_SUCCESS && !atomic_load(&m->stopping)) {
      zz_warn("mqtt: lost the broker (%s); reconnecting", mosquitto_strerror(rc));
      mosquitto_disconnect(m->mosq);
      connected = 0;
      sleep_ms(200);
    }
  }
  if (connected && !m->nmsgs) {
    /* A clean stop: the acknowledgements of what was committed, then goodbye
     * (the session stays on the broker). */
    mosquitto_disconnect(m->mosq);
    mosquitto_loop_write(m->mosq, 1000);
  }
  return NULL;
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
  mosquitto_message_callback_set(m->mosq, on_message);
  /* Threaded: a queued packet waits for this file's own loop_write (see the
   * top of this file). */
  mosquitto_threaded_set(m->mosq, true);
  if (!(m->msgs = zz_calloc(MQ_BATCH, sizeof *m->msgs))) {
    rc = zz_fail(e, ZZ_ENOMEM, "mqtt", "%s", "out of memory");
    goto done;
  }
  if (pthread_create(&m->thread, NULL, run, m) != 0) {
    rc = zz_fail(e, ZZ_EINVAL, "mqtt", "the MQTT client could not start: %s", "no thread");
    goto done;
  }
  m->started = 1;
done:
  if (rc) {
    if (m->mosq) mosquitto_destroy(m->mosq);
    zz_free(m->msgs);
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
  if (m->started) pthread_join(m->thread, NULL);
  mosquitto_destroy(m->mosq);
  mosquitto_lib_cleanup();
  zz_free(m->msgs);
  zz_buf_free(&m->lines);
  zz_free(m);
}
