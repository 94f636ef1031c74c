/* feed.c - stores the demo generator's records (feed.h): the generator hands
 * over up to 8k records at a time, which are mapped to store ids through
 * the registry and gathered into batches, handed to the writer two at a
 * time while the next fills; live records and incidents are written at
 * once. The live thread wakes every second and asks the
 * generator for the records of the second that passed. */
#include "demo/feed.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/progress.h"
#include "core/ztime.h"
#include "demo/demo.h"
#include "demo/incidents.h"
#include "store/store_records.h"

#include <mosquitto.h>
#include <stdio.h>

/* History batches: each writer transaction carries many records. */
#define DEMO_BATCH 200000
/* History batches handed to the writer at once: the generator fills the
 * next while the writer commits (one core each), and the writer, finding
 * more queued, writes their rollups together (store_writer.c). */
#define DEMO_INFLIGHT 2

struct demo_feed;
/* A history buffer: being filled (the current one), or with the writer. */
struct hist_buf {
  struct demo_feed *f;
  struct store_record *recs;
  size_t cap;
  int busy; /* handed to the writer, not committed yet (under lock) */
};

struct demo_feed {
  struct store *st;
  struct registry *reg;
  char pack_dir[4096];
  uint64_t seed;
  int64_t records;
  struct demo *demo;
  struct store_record *buf; /* = hist[cur].recs */
  size_t nbuf, cap;
  struct hist_buf hist[DEMO_INFLIGHT + 1];
  int cur;
  pthread_cond_t hcond; /* a history buffer came back from the writer */
  int hist_rc;          /* the first history write that failed, and why */
  char hist_msg[192];
  int live_mode; /* records are written at once */
  /* the generator's strings are stable pointers into its pack */
  const char *last_source;
  int64_t last_source_id;
  int64_t emitted;
  struct zz_progress progress;
  struct demo_incidents *incidents; /* staged warnings in the live feed, or NULL */
  double rate;
  pthread_t live;
  int live_started;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int stop;
  struct mosquitto *mq; /* live records go through this broker (demo_feed_mqtt), or NULL */
};

/* Publishes live records as a device would, on zz/SOURCE/ENTITY/METRIC with
 * {"ts","value"} at QoS 1: zhizhi's own MQTT ingest stores them. */
static int publish(struct demo_feed *f, const struct demo_record *recs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char topic[400], body[96];
    snprintf(topic, sizeof topic, "zz/%s/%s/%s", recs[i].source, recs[i].entity, recs[i].metric);
    int len = snprintf(body, sizeof body, "{\"ts\":%lld,\"value\":%.17g}", (long long)recs[i].ts,
                       recs[i].value);
    int rc = mosquitto_publish(f->mq, NULL, topic, len, body, 1, false);
    if (rc != MOSQ_ERR_SUCCESS) {
      zz_warn("demo: publishing to the broker failed: %s", mosquitto_strerror(rc));
      return ZZ_EIO;
    }
    f->emitted++;
  }
  return 0;
}

/* The writer committed (or failed) a history buffer: it is free again. */
static void hist_done(void *ud, int rc, const struct store_write_result *res,
                      const struct zz_err *e) {
  (void)res;
  struct hist_buf *h = ud;
  struct demo_feed *f = h->f;
  pthread_mutex_lock(&f->lock);
  h->busy = 0;
  if (rc && !f->hist_rc) {
    f->hist_rc = rc;
    zz_strlcpy(f->hist_msg, e && e->msg[0] ? e->msg : zz_strerror(rc), sizeof f->hist_msg);
  }
  pthread_cond_broadcast(&f->hcond);
  pthread_mutex_unlock(&f->lock);
}

/* Waits until every history buffer is back; the first failure. */
static int hist_wait(struct demo_feed *f) {
  pthread_mutex_lock(&f->lock);
  for (int i = 0; i <= DEMO_INFLIGHT; i++)
    while (f->hist[i].busy) pthread_cond_wait(&f->hcond, &f->lock);
  int rc = f->hist_rc;
  pthread_mutex_unlock(&f->lock);
  return rc;
}

/* History: hands the current buffer to the writer and goes on with the
 * next free one. Returns 0, or the error of a write that failed before. */
static int flush_history(struct demo_feed *f) {
  struct zz_err e = {0};
  int rc = store_records_sort(f->buf, f->nbuf);
  if (rc) return rc;
  struct hist_buf *h = &f->hist[f->cur];
  h->recs = f->buf, h->cap = f->cap;
  pthread_mutex_lock(&f->lock);
  h->busy = 1;
  pthread_mutex_unlock(&f->lock);
  rc = store_records_write_async(f->st, f->buf, f->nbuf, hist_done, h, &e);
  if (rc) { /* not queued (a full queue): written here instead */
    pthread_mutex_lock(&f->lock);
    h->busy = 0;
    pthread_mutex_unlock(&f->lock);
    rc = store_records_write(f->st, f->buf, f->nbuf, NULL, &e);
    if (rc) {
      zz_error("demo: storing generated records failed: %s", e.msg);
      return rc;
    }
  }
  f->emitted += (int64_t)f->nbuf;
  f->nbuf = 0;
  f->cur = (f->cur + 1) % (DEMO_INFLIGHT + 1);
  pthread_mutex_lock(&f->lock);
  while (f->hist[f->cur].busy) pthread_cond_wait(&f->hcond, &f->lock);
  rc = f->hist_rc;
  pthread_mutex_unlock(&f->lock);
  f->buf = f->hist[f->cur].recs;
  f->cap = f->hist[f->cur].cap;
  if (rc) zz_error("demo: storing generated records failed: %s", f->hist_msg);
  return rc;
}

/* Writes the buffered records; returns 0 or the store's error. */
static int flush(struct demo_feed *f) {
  if (!f->nbuf) return 0;
  if (!f->live_mode) return flush_history(f);
  struct zz_err e = {0};
  int rc = store_records_sort(f->buf, f->nbuf);
  if (!rc) rc = store_records_write(f->st, f->buf, f->nbuf, NULL, &e);
  if (rc == ZZ_EBUSY) { /* the live feed backs off like any client */
    usleep(200000);
    rc = store_records_write(f->st, f->buf, f->nbuf, NULL, &e);
  }
  if (rc) zz_error("demo: storing generated records failed: %s", e.msg);
  f->emitted += (int64_t)f->nbuf;
  f->nbuf = 0;
  return rc;
}

static int emit(void *ud, const struct demo_record *recs, size_t n) {
  struct demo_feed *f = ud;
  if (f->live_mode && f->mq) return publish(f, recs, n);
  if (f->nbuf + n > f->cap) {
    size_t cap = ZZ_MAX(f->nbuf + n, (size_t)DEMO_BATCH + 8192);
    struct store_record *p = zz_realloc(f->buf, cap * sizeof *p);
    if (!p) return ZZ_ENOMEM;
    f->buf = f->hist[f->cur].recs = p;
    f->cap = f->hist[f->cur].cap = cap;
  }
  size_t skipped = 0;
  registry_rdlock(f->reg);
  for (size_t i = 0; i < n; i++) {
    const struct reg_entity_ref *en =
        registry_entity(f->reg, recs[i].entity, strlen(recs[i].entity));
    const struct reg_metric *m = registry_metric(f->reg, recs[i].metric, strlen(recs[i].metric));
    if (!en || !m) { /* the pack and the store disagree */
      skipped++;
      continue;
    }
    if (recs[i].source != f->last_source) {
      f->last_source = recs[i].source;
      f->last_source_id = registry_source_id(f->reg, recs[i].source);
    }
    f->buf[f->nbuf++] = (struct store_record){
        en->id, (int32_t)m->id, (int32_t)f->last_source_id, recs[i].ts, recs[i].value, 0};
  }
  registry_unlock(f->reg);
  if (skipped)
    zz_warn("demo: %zu generated records name entities or metrics the store lacks", skipped);
  return f->nbuf >= DEMO_BATCH || f->live_mode ? flush(f) : 0;
}

static void progress(void *ud, int64_t done, int64_t total) {
  struct demo_feed *f = ud;
  f->progress.total = total;
  zz_progress_update(&f->progress, done);
}

int demo_feed_open(const struct demo_feed_opts *o, struct demo_feed **out, struct zz_err *e) {
  *out = NULL;
  struct demo_feed *f = zz_calloc(1, sizeof *f);
  if (!f) return zz_fail(e, ZZ_ENOMEM, "demo", "out of memory");
  f->st = o->st;
  f->reg = o->reg;
  zz_strlcpy(f->pack_dir, o->pack_dir, sizeof f->pack_dir);
  f->seed = o->seed ? o->seed : 2021;
  f->records = o->records ? o->records : 5000000;
  pthread_mutex_init(&f->lock, NULL);
  pthread_cond_init(&f->cond, NULL);
  pthread_cond_init(&f->hcond, NULL);
  for (int i = 0; i <= DEMO_INFLIGHT; i++) f->hist[i].f = f;
  struct demo_opts dopts = {.pack_dir = f->pack_dir,
                            .now_ms = o->now_ms,
                            .records = f->records,
                            .seed = f->seed,
                            .emit = emit,
                            .progress = progress,
                            .ud = f};
  f->demo = demo_new(&dopts, e);
  if (!f->demo) {
    int rc = e->code ? e->code : ZZ_EINVAL;
    demo_feed_free(f);
    return rc;
  }
  *out = f;
  return 0;
}

int demo_feed_history(struct demo_feed *f) {
  zz_progress_start(&f->progress, "demo: generating history", "records", f->records);
  int rc = demo_history(f->demo);
  if (!rc) rc = flush(f);
  int wrc = hist_wait(f); /* every batch committed (or failed) before the demo goes on */
  if (!rc && wrc) {
    zz_error("demo: storing generated records failed: %s", f->hist_msg);
    rc = wrc;
  }
  if (!rc) zz_progress_done(&f->progress, f->emitted);
  return rc;
}

int64_t demo_feed_emitted(const struct demo_feed *f) {
  return f->emitted;
}

static void *live_main(void *arg) {
  struct demo_feed *f = arg;
  int64_t from = zz_time_now();
  pthread_mutex_lock(&f->lock);
  while (!f->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    pthread_cond_timedwait(&f->cond, &f->lock, &until);
    if (f->stop) break;
    pthread_mutex_unlock(&f->lock);
    int64_t to = zz_time_now();
    if (to > from) {
      if (demo_live(f->demo, from, to, f->rate) != 0) zz_warn("demo: live feed step failed");
      from = to;
    }
    struct demo_record inc;
    if (demo_incidents_next(f->incidents, to, &inc) && emit(f, &inc, 1) != 0)
      zz_warn("demo: a staged incident could not be stored");
    pthread_mutex_lock(&f->lock);
  }
  pthread_mutex_unlock(&f->lock);
  return NULL;
}

int demo_feed_mqtt(struct demo_feed *f, const char *url, struct zz_err *e) {
  char host[256];
  int port = 1883;
  if (sscanf(url, "mqtt://%255[^:/@]:%d", host, &port) < 1 || port < 1 || port > 65535)
    return zz_fail(e, ZZ_EINVAL, "mqtt", "--mqtt needs mqtt://HOST[:PORT], not \"%s\"", url);
  mosquitto_lib_init();
  f->mq = mosquitto_new("zhizhi-demo-feed", true, NULL);
  if (!f->mq) return zz_fail(e, ZZ_ENOMEM, "demo", "out of memory");
  int rc = mosquitto_connect(f->mq, host, port, 30);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_start(f->mq);
  if (rc != MOSQ_ERR_SUCCESS) {
    mosquitto_destroy(f->mq);
    f->mq = NULL;
    return zz_fail(e, ZZ_EIO, "mqtt", "the MQTT client could not start: %s",
                   mosquitto_strerror(rc));
  }
  return 0;
}

int demo_feed_start(struct demo_feed *f, double rate) {
  ZZ_ASSERT(!f->live_started);
  f->rate = rate > 0 ? rate : 200.0;
  f->live_mode = 1;
  struct zz_err e = {0};
  if (demo_incidents_load(f->pack_dir, f->st, f->seed, &f->incidents, &e))
    zz_warn("demo: no staged incidents: %s", e.msg);
  if (pthread_create(&f->live, NULL, live_main, f) != 0) return ZZ_ENOMEM;
  f->live_started = 1;
  return 0;
}

void demo_feed_stop(struct demo_feed *f) {
  pthread_mutex_lock(&f->lock);
  f->stop = 1;
  pthread_cond_signal(&f->cond);
  pthread_mutex_unlock(&f->lock);
  if (f->live_started) pthread_join(f->live, NULL);
  f->live_started = 0;
  demo_incidents_free(f->incidents);
  f->incidents = NULL;
  if (f->mq) {
    mosquitto_disconnect(f->mq);
    mosquitto_loop_stop(f->mq, false);
    mosquitto_destroy(f->mq);
    mosquitto_lib_cleanup();
    f->mq = NULL;
  }
}

void demo_feed_free(struct demo_feed *f) {
  if (!f) return;
  demo_feed_stop(f);
  demo_free(f->demo);
  hist_wait(f);
  for (int i = 0; i <= DEMO_INFLIGHT; i++) zz_free(f->hist[i].recs);
  pthread_mutex_destroy(&f->lock);
  pthread_cond_destroy(&f->cond);
  pthread_cond_destroy(&f->hcond);
  zz_free(f);
}
