/* stream.c - live updates for pages. The ticker notes which metrics each
 * committed batch touched (on the writer thread, cheaply) and publishes one
 * "tick" event on app->bus every STREAM_TICK_MS naming them; pages re-read
 * the panels bound to those metrics, so what they show always equals the
 * query API. GET /api/v1/stream serves the bus as Server-Sent Events: a
 * connection with nothing to send sleeps without a thread (http push), a
 * client that reconnects with Last-Event-ID gets what it missed, and each
 * user may hold at most STREAM_PER_USER streams. */
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/authz.h"
#include "store/store_records.h"

#define STREAM_TICK_MS 500
#define STREAM_PING_MS 15000
#define STREAM_PER_USER 16
#define STREAM_MAX 2048
#define STREAM_METRICS 4096 /* metric ids tracked per tick (ids are small) */
/* one row per user with a stream: as many as there may be streams, so that
 * only STREAM_PER_USER and STREAM_MAX bound them */
#define STREAM_USERS STREAM_MAX
#define STREAM_RECHECK_MS 1000 /* how stale a stream's session check may be for ticks */

struct stream_ticker {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  pthread_t thread;
  int running, stop;
  uint64_t changed[STREAM_METRICS / 64]; /* metric ids touched since the last tick */
  int64_t records;                       /* records committed since the last tick */
  int any;
  int streams; /* open streams */
  struct {
    int64_t user;
    int n;
  } users[STREAM_USERS];
};

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void stream_on_commit(struct app *app, const struct store_record *recs, size_t n) {
  struct stream_ticker *t = app->ticker;
  if (!t || n == 0) return;
  pthread_mutex_lock(&t->lock);
  int32_t prev = -1;
  for (size_t i = 0; i < n; i++) {
    int32_t m = recs[i].metric;
    if (m == prev || m < 0 || m >= STREAM_METRICS) continue;
    t->changed[m / 64] |= (uint64_t)1 << (m % 64);
    prev = m;
  }
  t->records += (int64_t)n;
  t->any = 1;
  pthread_mutex_unlock(&t->lock);
}

/* One tick: {"ts":MS,"records":N,"total":T,"metrics":["visitors",...]}
 * (ts: when it was published, so clients can measure their lag). */
static void publish_tick(struct app *app, const uint64_t *changed, int64_t records) {
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kint(&j, "ts", zz_time_now());
  zz_json_kint(&j, "records", records);
  zz_json_kint(&j, "total", store_records_count(app->st));
  zz_json_karr(&j, "metrics");
  registry_rdlock(app->reg);
  for (int w = 0; w < STREAM_METRICS / 64; w++) {
    for (uint64_t bits = changed[w]; bits; bits &= bits - 1) {
      int id = w * 64 + __builtin_ctzll(bits);
      const struct reg_metric *m = registry_metric_by_id(app->reg, id);
      if (m) zz_json_str(&j, m->key);
    }
  }
  registry_unlock(app->reg);
  zz_json_arr_end(&j);
  zz_json_obj_end(&j);
  if (!zz_json_finish(&j)) bus_publish(app->bus, "tick", 0, b.data, b.len);
  zz_buf_free(&b);
}

static void *ticker_main(void *ud) {
  struct app *app = ud;
  struct stream_ticker *t = app->ticker;
  int64_t last_poke = mono_ms();
  pthread_mutex_lock(&t->lock);
  while (!t->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)STREAM_TICK_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&t->cond, &t->lock, &until);
    if (t->stop) break;
    uint64_t changed[STREAM_METRICS / 64];
    int64_t records = t->records;
    int any = t->any;
    memcpy(changed, t->changed, sizeof changed);
    memset(t->changed, 0, sizeof t->changed);
    t->records = 0;
    t->any = 0;
    pthread_mutex_unlock(&t->lock);
    if (any) publish_tick(app, changed, records);
    int64_t now = mono_ms();
    if (now - last_poke >= STREAM_PING_MS / 3) { /* streams check their keep-alive */
      bus_poke(app->bus);
      last_poke = now;
    }
    pthread_mutex_lock(&t->lock);
  }
  pthread_mutex_unlock(&t->lock);
  return NULL;
}

int stream_init(struct app *app) {
  struct stream_ticker *t = zz_calloc(1, sizeof *t);
  if (!t) return ZZ_ENOMEM;
  pthread_mutex_init(&t->lock, NULL);
  pthread_cond_init(&t->cond, NULL);
  app->ticker = t;
  return 0;
}

void stream_free(struct app *app) {
  struct stream_ticker *t = app->ticker;
  if (!t) return;
  ZZ_ASSERT(!t->running);
  pthread_mutex_destroy(&t->lock);
  pthread_cond_destroy(&t->cond);
  zz_free(t);
  app->ticker = NULL;
}

int stream_start(struct app *app, struct zz_err *e) {
  struct stream_ticker *t = app->ticker;
  t->stop = 0;
  if (pthread_create(&t->thread, NULL, ticker_main, app) != 0)
    return zz_fail(e, ZZ_EINTERNAL, "stream", "cannot start the ticker thread");
  t->running = 1;
  return 0;
}

void stream_stop(struct app *app) {
  struct stream_ticker *t = app->ticker;
  if (!t || !t->running) return;
  pthread_mutex_lock(&t->lock);
  t->stop = 1;
  pthread_cond_signal(&t->cond);
  pthread_mutex_unlock(&t->lock);
  pthread_join(t->thread, NULL);
  t->running = 0;
}

/* ---- GET /api/v1/stream ---- */

struct sse {
  struct app *app;
  struct http_push *push;
  struct bus_sub *sub;
  int64_t user;
  int64_t lo, hi;           /* the caller's scope; 0, 0 for everything */
  struct http_auth_ctx who; /* for the per-object rules (api/authz.h) */
  uint64_t last_id;         /* newest bus event handled */
  int reset;                /* the client must reload: its Last-Event-ID is gone */
  int64_t last_write;
  char session[65];  /* hash of the session the stream was opened with */
  int64_t checked;   /* when that session was last found valid (mono ms) */
  int sensitive;     /* out holds more than ticks: check the session first */
  struct zz_buf out; /* formatted, not yet sent */
  size_t off;
  int broken; /* out of memory or no subscription: end the response */
};

/* Takes a stream slot for user: 0, or ZZ_ERATE when the user (or the server)
 * holds too many. */
static int slot_take(struct stream_ticker *t, int64_t user) {
  int rc = ZZ_ERATE, freei = -1;
  pthread_mutex_lock(&t->lock);
  if (t->streams >= STREAM_MAX) goto done;
  for (int i = 0; i < STREAM_USERS; i++) {
    if (t->users[i].n && t->users[i].user == user) {
      if (t->users[i].n >= STREAM_PER_USER) goto done;
      t->users[i].n++;
      t->streams++;
      rc = 0;
      goto done;
    }
    if (!t->users[i].n && freei < 0) freei = i;
  }
  if (freei < 0) goto done;
  t->users[freei].user = user;
  t->users[freei].n = 1;
  t->streams++;
  rc = 0;
done:
  pthread_mutex_unlock(&t->lock);
  return rc;
}

int stream_clients(struct app *app) {
  struct stream_ticker *t = app->ticker;
  if (!t) return 0;
  pthread_mutex_lock(&t->lock);
  int n = t->streams;
  pthread_mutex_unlock(&t->lock);
  return n;
}

static void slot_give(struct stream_ticker *t, int64_t user) {
  pthread_mutex_lock(&t->lock);
  for (int i = 0; i < STREAM_USERS; i++) {
    if (t->users[i].n && t->users[i].user == user) {
      t->users[i].n--;
      t->streams--;
      break;
    }
  }
  pthread_mutex_unlock(&t->lock);
}

static void sse_free(struct sse *s) {
  bus_unsubscribe(s->app->bus, s->sub);
  slot_give(s->app->ticker, s->user);
  zz_buf_free(&s->out);
  zz_free(s);
}

static void sse_wake(void *ud) {
  struct sse *s = ud;
  if (s->push) http_push_wake(s->push);
}

static int sse_event(void *ud, const struct bus_event *ev) {
  struct sse *s = ud;
  if (ev->rpos && s->lo && (ev->rpos < s->lo || ev->rpos > s->hi)) return 0; /* outside scope */
  /* an order event goes to whoever may GET the order: its audience names
   * the departments whose officers may (authz_order) */
  if (strcmp(ev->topic, "order") == 0 && authz_order_event(&s->who, ev->audience)) return 0;
  if (strcmp(ev->topic, "tick") != 0) s->sensitive = 1;
  if (zz_buf_printf(&s->out, "id: %" PRId64 "-%" PRIu64 "\nevent: %s\ndata: ",
                    bus_epoch(s->app->bus), ev->id, ev->topic) ||
      zz_buf_add(&s->out, ev->data, ev->len) || zz_buf_adds(&s->out, "\n\n")) {
    s->broken = 1;
    return 1;
  }
  return 0;
}

static long sse_fill(void *ud, char *buf, size_t max) {
  struct sse *s = ud;
  if (s->off == s->out.len) {
    zz_buf_reset(&s->out);
    s->off = 0;
    if (s->reset) {
      s->reset = 0;
      s->last_id = bus_last_id(s->app->bus);
      zz_buf_printf(&s->out, "id: %" PRId64 "-%" PRIu64 "\nevent: reset\ndata: {}\n\n",
                    bus_epoch(s->app->bus), s->last_id);
    } else {
      int gap = 0;
      s->last_id = bus_read(s->app->bus, s->last_id, 256, sse_event, s, &gap);
      if (gap) {
        zz_buf_reset(&s->out); /* what is left cannot be trusted: reload instead */
        s->reset = 1;
        return sse_fill(ud, buf, max);
      }
    }
    if (s->broken) return -1;
    int64_t now = mono_ms();
    if (s->out.len == 0 && now - s->last_write >= STREAM_PING_MS)
      zz_buf_adds(&s->out, ": ping\n\n");
    if (s->out.len == 0) return 0;
    /* The stream outlives the request that was authenticated: a logout, a
     * new password, disabling or deleting the user ends the session, and
     * with it the stream, before anything more than a tick is sent (ticks
     * name only metrics; they may go out up to STREAM_RECHECK_MS late). */
    if (s->sensitive || now - s->checked >= STREAM_RECHECK_MS) {
      if (api_session_check(s->app, s->session, s->user)) return -1;
      s->checked = now;
    }
    s->sensitive = 0;
  }
  size_t n = ZZ_MIN(max, s->out.len - s->off);
  memcpy(buf, s->out.data + s->off, n);
  s->off += n;
  s->last_write = mono_ms();
  return (long)n;
}

static void sse_done(void *ud) {
  sse_free(ud);
}

static const struct http_push_ops sse_ops = {sse_fill, sse_done};

/* "EPOCH-ID" from this process: the id; anything else: -1. */
static int64_t parse_last_id(struct bus *bus, const char *v) {
  if (!v || !*v) return -1;
  char *end;
  long long epoch = strtoll(v, &end, 10);
  if (end == v || *end != '-' || epoch != bus_epoch(bus)) return -1;
  const char *p = end + 1;
  unsigned long long id = strtoull(p, &end, 10);
  if (end == p || *end) return -1;
  return (int64_t)id;
}

static int h_stream(struct http_req *r) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  struct api_region reg;
  if (api_region(r, "region", 0, &reg)) return 0;
  char session[65];
  if (api_session_hash(r, session))
    return http_fail(r, ZZ_EAUTH, "session", "log in first: this needs a session");
  int rc = slot_take(app->ticker, a->user_id);
  if (rc)
    return http_fail(r, rc, "stream",
                     "you already have %d live streams open: close a page or wait for one to time "
                     "out",
                     STREAM_PER_USER);
  struct sse *s = zz_calloc(1, sizeof *s);
  if (!s) {
    slot_give(app->ticker, a->user_id);
    return http_fail(r, ZZ_ENOMEM, "", "out of memory");
  }
  s->app = app;
  s->user = a->user_id;
  s->who = *a;
  memcpy(s->session, session, sizeof s->session);
  s->checked = mono_ms();
  zz_buf_init(&s->out, 1 << 20);
  /* An unscoped caller on the root sees every event. */
  if (a->scope[0] || http_query(r, "region")) {
    s->lo = reg.lo;
    s->hi = reg.hi;
  }
  const char *last = http_header(r, "Last-Event-ID");
  if (!last) last = http_query(r, "last_event_id");
  int64_t id = parse_last_id(app->bus, last);
  uint64_t newest = bus_last_id(app->bus);
  /* The first bytes: how long to wait before reconnecting, then either the
   * events missed since Last-Event-ID, a reset (the id is from before a
   * restart), or a hello naming where this stream starts. */
  if (zz_buf_adds(&s->out, "retry: 2000\n\n")) s->broken = 1;
  if (id >= 0) {
    s->last_id = (uint64_t)id;
  } else if (last && *last) {
    s->reset = 1;
    s->last_id = newest;
  } else {
    s->last_id = newest;
    zz_buf_printf(&s->out,
                  "id: %" PRId64 "-%" PRIu64 "\nevent: hello\ndata: {\"epoch\":%" PRId64 "}\n\n",
                  bus_epoch(app->bus), newest, bus_epoch(app->bus));
  }
  s->last_write = mono_ms();
  struct http_push *push = NULL;
  if (http_reply_push(r, "text/event-stream; charset=utf-8", &sse_ops, s, &push)) {
    sse_free(s);
    return http_fail(r, ZZ_ENOMEM, "", "out of memory");
  }
  s->push = push;
  /* A failed subscription leaves a stream that only ever says hello; it
   * ends so that the page reconnects rather than waits for nothing. */
  if (bus_subscribe(app->bus, sse_wake, s, &s->sub)) s->broken = 1;
  return 0;
}

const struct http_route api_stream_routes[] = {
    {"GET", "/api/v1/stream", h_stream, NULL, HTTP_AUTH_USER, 0, 0},
};
const size_t api_stream_nroutes = ZZ_ARRAY_LEN(api_stream_routes);
