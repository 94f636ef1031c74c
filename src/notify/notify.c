/* notify.c - NGSI-v2 subscription delivery (notify.h): the writer thread
 * notes moved series, the notifier thread matches subscriptions, renders
 * entities, POSTs notifications with libcurl and retries with backoff. */
#include "notify/notify.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/bus.h"
#include "core/ztime.h"
#include "model/ngsi.h"
#include "model/ngsi_load.h"
#include "model/registry.h"
#include "store/store_notify.h"
#include "store/store_registry.h"

#define NOTIFY_CHANGES_MAX 65536 /* (entity, metric) pairs noted between two wakes */
#define NOTIFY_JOBS_MAX 10000    /* notifications waiting for delivery or a retry */
#define NOTIFY_TIMEOUT_MS 5000   /* one delivery attempt */

struct change {
  int64_t entity;
  int32_t metric;
};

struct sub {
  char id[32];
  char region[256];
  char owner[64]; /* the user who made it: their role decides the personal attributes */
  json_t *doc;
  json_t *entities;   /* subject.entities (borrowed from doc) */
  json_t *cond_attrs; /* subject.condition.attrs or NULL */
  char *attrs_csv;    /* notification.attrs joined, or NULL */
  const char *url;    /* notification.http.url (in doc) */
  int key_values;     /* notification.attrsFormat keyValues */
  int64_t expires;    /* ms, 0: never */
  int64_t throttling; /* ms */
  int64_t last_sent;  /* when the last notification was queued (throttling) */
};

struct webhook {
  int64_t id;
  char *url, *secret;
  json_t *events; /* ["alert", "order.resolve", "*", ...] */
};

struct job {
  char sub[32];   /* the subscription's id, or the webhook's id in decimal */
  int webhook;    /* 1: a webhook's event (signed with secret) */
  char *secret;   /* webhooks */
  char event[64]; /* webhooks: "alert.open" */
  char *url;
  char *payload;
  int attempt;
  int64_t due;
};

struct notify {
  struct store *st;
  struct registry *reg;
  int64_t backoff_ms;
  int retries;
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop, reload;
  atomic_int nsubs; /* read by the writer thread: nothing to note without subscriptions */
  /* reloads asked for and done: while one is pending the writer notes
   * changes anyway, so a record committed right after a subscription was
   * made is not missed before the thread has read it */
  atomic_int reloads_asked, reloads_done;
  struct change *changes;
  size_t nchanges;
  int64_t dropped;
  struct bus *bus;
  int (*sees_personal)(void *ud, const char *owner, const char *type);
  void *sees_personal_ud;
  struct bus_sub *bus_sub;
  uint64_t bus_last;
  int bus_woken;
  /* the thread's own */
  struct sub *subs;
  int nsub;
  struct webhook *hooks;
  int nhooks;
  struct job *jobs;
  size_t njobs;
};

static void subs_free(struct notify *n) {
  for (int i = 0; i < n->nsub; i++) {
    json_decref(n->subs[i].doc);
    zz_free(n->subs[i].attrs_csv);
  }
  zz_free(n->subs);
  n->subs = NULL;
  n->nsub = 0;
}

static char *join_strings(const json_t *arr) {
  if (!json_is_array(arr) || !json_array_size(arr)) return NULL;
  struct zz_buf b;
  zz_buf_init(&b, 1u << 16);
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    if (i) zz_buf_addc(&b, ',');
    zz_buf_adds(&b, json_string_value(v) ? json_string_value(v) : "");
  }
  return zz_buf_steal(&b, NULL);
}

struct load_ctx {
  struct notify *n;
  struct sub *subs;
  int count;
  size_t cap;
  int64_t *last_sent; /* kept across a reload, by id */
};

static int sub_row(void *ud, const struct store_ngsi_sub *s) {
  struct load_ctx *c = ud;
  if (zz_grow(&c->subs, &c->cap, (size_t)c->count, sizeof *c->subs, 16)) return 1;
  json_t *doc = json_loads(s->doc_json, 0, NULL);
  if (!doc) return 0;
  struct sub *u = &c->subs[c->count];
  memset(u, 0, sizeof *u);
  zz_strlcpy(u->id, s->id, sizeof u->id);
  zz_strlcpy(u->region, s->region ? s->region : "", sizeof u->region);
  zz_strlcpy(u->owner, s->owner ? s->owner : "", sizeof u->owner);
  u->doc = doc;
  json_t *subject = json_object_get(doc, "subject"), *nt = json_object_get(doc, "notification");
  u->entities = json_object_get(subject, "entities");
  u->cond_attrs = json_object_get(json_object_get(subject, "condition"), "attrs");
  u->attrs_csv = join_strings(json_object_get(nt, "attrs"));
  u->url = json_string_value(json_object_get(json_object_get(nt, "http"), "url"));
  const char *fmt = json_string_value(json_object_get(nt, "attrsFormat"));
  u->key_values = fmt && strcmp(fmt, "keyValues") == 0;
  const char *exp = json_string_value(json_object_get(doc, "expires"));
  if (exp) zz_time_parse_rfc3339(exp, strlen(exp), &u->expires);
  u->throttling = json_integer_value(json_object_get(doc, "throttling")) * 1000;
  for (int i = 0; i < c->n->nsub; i++)
    if (strcmp(c->n->subs[i].id, u->id) == 0) u->last_sent = c->n->subs[i].last_sent;
  if (!u->url) {
    json_decref(doc);
    return 0;
  }
  c->count++;
  return 0;
}

static void subs_load(struct notify *n) {
  struct load_ctx c = {.n = n};
  int rc = store_ngsi_subs_each(n->st, NULL, sub_row, &c);
  if (rc) zz_warn("notify: cannot read the subscriptions (%s)", zz_strerror(rc));
  subs_free(n);
  n->subs = c.subs;
  n->nsub = c.count;
  atomic_store(&n->nsubs, c.count);
}

/* ---- matching ---- */

static int entity_listed(const json_t *entities, const char *id, const char *type) {
  size_t i;
  json_t *e;
  json_array_foreach(entities, i, e) {
    const char *t = json_string_value(json_object_get(e, "type"));
    if (t && strcmp(t, type) != 0) continue;
    const char *eid = json_string_value(json_object_get(e, "id"));
    if (eid && strcmp(eid, id) == 0) return 1;
    const char *pat = json_string_value(json_object_get(e, "idPattern"));
    if (pat) {
      regex_t re;
      if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB) != 0) continue;
      int m = regexec(&re, id, 0, NULL, 0) == 0;
      regfree(&re);
      if (m) return 1;
    }
  }
  return 0;
}

static int attr_watched(const json_t *cond, char (*keys)[64], int nkeys) {
  if (!json_is_array(cond) || !json_array_size(cond)) return 1; /* any attribute */
  size_t i;
  json_t *a;
  json_array_foreach(cond, i, a) for (int k = 0; k < nkeys;
                                      k++) if (json_string_value(a) &&
                                               strcmp(json_string_value(a), keys[k]) == 0) return 1;
  return 0;
}

static void job_add(struct notify *n, const struct sub *u, json_t *entity) {
  if (n->njobs == NOTIFY_JOBS_MAX) {
    n->dropped++;
    store_ngsi_sub_delivered(n->st, u->id, zz_time_now(), 0, 0,
                             "dropped: the delivery queue is full", NULL);
    return;
  }
  json_t *e = json_deep_copy(entity);
  ngsi_select_attrs(e, u->attrs_csv);
  if (u->key_values) {
    json_t *kv = ngsi_key_values(e);
    json_decref(e);
    e = kv;
  }
  json_t *body = json_pack("{s:s, s:[o]}", "subscriptionId", u->id, "data", e);
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  struct job *j = &n->jobs[n->njobs];
  memset(j, 0, sizeof *j);
  j->url = zz_strdup(u->url);
  j->payload = text ? zz_strdup(text) : NULL;
  free(text); /* banned-ok: jansson's json_dumps allocates with malloc */
  if (!j->url || !j->payload) {
    zz_free(j->url);
    zz_free(j->payload);
    return;
  }
  zz_strlcpy(j->sub, u->id, sizeof j->sub);
  j->attempt = 0;
  j->due = zz_time_now();
  n->njobs++;
}

struct ent_ctx {
  struct notify *n;
  int64_t id;
  json_t *e;
  json_t *masked; /* e with its personal attributes masked; NULL: it has none */
  int64_t rpos;
  int rc;
};

static int ent_row(void *ud, const struct store_entity *en) {
  struct ent_ctx *c = ud;
  if (en->id != c->id) return 1;
  c->e = ngsi_entity_load(c->n->st, c->n->reg, en, &c->rc);
  char *attrs = NULL;
  registry_rdlock(c->n->reg);
  const struct reg_region *rg = registry_region_by_id(c->n->reg, en->region);
  c->rpos = rg ? rg->lo : -1;
  int rc = registry_attrs_masked(c->n->reg, en->type, en->attrs_json, &attrs);
  registry_unlock(c->n->reg);
  if (rc || attrs) {
    struct store_entity view = *en;
    view.attrs_json = rc ? "{}" : attrs; /* out of memory: nothing of them */
    c->masked = ngsi_entity_load(c->n->st, c->n->reg, &view, &c->rc);
    zz_free(attrs);
    if (!c->masked) { /* never the whole entity in its place */
      json_decref(c->e);
      c->e = NULL;
    }
  }
  return 1;
}

/* One entity whose metrics (ids) moved: a job per subscription it meets. */
static void entity_changed(struct notify *n, int64_t entity, const int32_t *metrics, int nm) {
  char(*keys)[64] = zz_calloc((size_t)nm, 64);
  if (!keys) return;
  registry_rdlock(n->reg);
  for (int i = 0; i < nm; i++) {
    const struct reg_metric *m = registry_metric_by_id(n->reg, metrics[i]);
    zz_strlcpy(keys[i], m ? m->key : "", 64);
  }
  registry_unlock(n->reg);
  struct ent_ctx c = {.n = n, .id = entity};
  struct store_entity_filter f = {.after_id = entity - 1, .limit = 1};
  store_entities_each(n->st, &f, ent_row, &c);
  if (!c.e) goto done;
  const char *id = json_string_value(json_object_get(c.e, "id"));
  const char *type = json_string_value(json_object_get(c.e, "type"));
  int64_t now = zz_time_now();
  for (int i = 0; i < n->nsub; i++) {
    struct sub *u = &n->subs[i];
    if (u->expires && now > u->expires) continue;
    if (u->throttling && u->last_sent && now - u->last_sent < u->throttling) continue;
    if (u->region[0]) {
      registry_rdlock(n->reg);
      const struct reg_region *rg = registry_region(n->reg, u->region);
      int in = rg && c.rpos >= rg->lo && c.rpos <= rg->hi;
      registry_unlock(n->reg);
      if (!in) continue;
    }
    if (!entity_listed(u->entities, id, type) || !attr_watched(u->cond_attrs, keys, nm)) continue;
    u->last_sent = now;
    int whole =
        !c.masked || (n->sees_personal && n->sees_personal(n->sees_personal_ud, u->owner, type));
    job_add(n, u, whole ? c.e : c.masked);
  }
done:
  json_decref(c.e);
  json_decref(c.masked);
  zz_free(keys);
}

static int change_cmp(const void *a, const void *b) {
  const struct change *x = a, *y = b;
  if (x->entity != y->entity) return x->entity < y->entity ? -1 : 1;
  return (x->metric > y->metric) - (x->metric < y->metric);
}

static void changes_process(struct notify *n, struct change *ch, size_t count) {
  qsort(ch, count, sizeof *ch, change_cmp);
  int32_t metrics[256];
  for (size_t i = 0; i < count;) {
    int nm = 0;
    size_t k = i;
    for (; k < count && ch[k].entity == ch[i].entity; k++)
      if (nm < 256 && (nm == 0 || metrics[nm - 1] != ch[k].metric)) metrics[nm++] = ch[k].metric;
    entity_changed(n, ch[i].entity, metrics, nm);
    i = k;
  }
}

/* ---- webhooks: alert and order events from the bus ---- */

static void hooks_free(struct notify *n) {
  for (int i = 0; i < n->nhooks; i++) {
    zz_free(n->hooks[i].url);
    zz_free(n->hooks[i].secret);
    json_decref(n->hooks[i].events);
  }
  zz_free(n->hooks);
  n->hooks = NULL;
  n->nhooks = 0;
}

struct hooks_ctx {
  struct webhook *v;
  int n;
  size_t cap;
};

static int hook_row(void *ud, const struct store_webhook *w) {
  struct hooks_ctx *c = ud;
  if (zz_grow(&c->v, &c->cap, (size_t)c->n, sizeof *c->v, 8)) return 1;
  struct webhook *h = &c->v[c->n];
  h->id = w->id;
  h->url = zz_strdup(w->url);
  h->secret = zz_strdup(w->secret);
  h->events = json_loads(w->events_json ? w->events_json : "[]", 0, NULL);
  if (!h->url || !h->secret || !h->events) {
    zz_free(h->url);
    zz_free(h->secret);
    json_decref(h->events);
    return 0;
  }
  c->n++;
  return 0;
}

static void hooks_load(struct notify *n) {
  struct hooks_ctx c = {0};
  int rc = store_webhooks_each(n->st, hook_row, &c);
  if (rc) zz_warn("notify: cannot read the webhooks (%s)", zz_strerror(rc));
  hooks_free(n);
  n->hooks = c.v;
  n->nhooks = c.n;
}

/* 1 when the webhook's events list takes event ("alert.open"): the
 * event itself, its topic ("alert") or "*". */
static int hook_wants(const struct webhook *h, const char *event) {
  size_t i, tl = strcspn(event, ".");
  json_t *v;
  json_array_foreach(h->events, i, v) {
    const char *e = json_string_value(v);
    if (!e) continue;
    if (strcmp(e, "*") == 0 || strcmp(e, event) == 0 || (strlen(e) == tl && !strncmp(e, event, tl)))
      return 1;
  }
  return 0;
}

struct copied {
  char topic[16];
  uint64_t id;
  int64_t ts;
  char *data;
};

struct bus_ctx {
  struct copied *v;
  size_t n, cap;
};

static int bus_row(void *ud, const struct bus_event *ev) {
  struct bus_ctx *c = ud;
  if (strcmp(ev->topic, "alert") != 0 && strcmp(ev->topic, "order") != 0) return 0;
  if (c->n == c->cap) return 1; /* the rest on the next round */
  struct copied *k = &c->v[c->n];
  zz_strlcpy(k->topic, ev->topic, sizeof k->topic);
  k->id = ev->id;
  k->ts = ev->ts;
  k->data = zz_malloc(ev->len + 1);
  if (!k->data) return 1;
  memcpy(k->data, ev->data, ev->len);
  k->data[ev->len] = '\0';
  c->n++;
  return 0;
}

static void hook_job(struct notify *n, const struct webhook *h, const char *event,
                     const struct copied *k, json_t *data) {
  if (n->njobs == NOTIFY_JOBS_MAX) {
    n->dropped++;
    store_webhook_delivered(n->st, h->id, zz_time_now(), 0, 0,
                            "dropped: the delivery queue is full", NULL);
    return;
  }
  char t[32], delivery[48];
  snprintf(delivery, sizeof delivery, "%lld-%llu", (long long)bus_epoch(n->bus),
           (unsigned long long)k->id);
  json_t *body = json_pack("{s:s, s:s, s:s, s:O}", "event", event, "delivery", delivery, "ts",
                           ngsi_time(k->ts, t), "data", data);
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  struct job *j = &n->jobs[n->njobs];
  memset(j, 0, sizeof *j);
  j->webhook = 1;
  snprintf(j->sub, sizeof j->sub, "%lld", (long long)h->id);
  zz_strlcpy(j->event, event, sizeof j->event);
  j->url = zz_strdup(h->url);
  j->secret = zz_strdup(h->secret);
  j->payload = text ? zz_strdup(text) : NULL;
  free(text); /* banned-ok: jansson's json_dumps allocates with malloc */
  if (!j->url || !j->secret || !j->payload) {
    zz_free(j->url);
    zz_free(j->secret);
    zz_free(j->payload);
    return;
  }
  j->due = zz_time_now();
  n->njobs++;
}

/* Reads the bus past what was read: a job per webhook that takes each
 * alert or order event. Never holds n->mu (the bus wakes us under its lock). */
static void bus_process(struct notify *n) {
  if (!n->bus) return;
  struct bus_ctx c = {.cap = 256};
  c.v = zz_calloc(c.cap, sizeof *c.v);
  if (!c.v) return;
  for (;;) {
    int gap = 0;
    c.n = 0;
    uint64_t last = bus_read(n->bus, n->bus_last, 0, bus_row, &c, &gap);
    if (gap) zz_warn("notify: events were lost before the webhooks read them");
    n->bus_last = c.n ? c.v[c.n - 1].id : last;
    for (size_t i = 0; i < c.n; i++) {
      json_t *data = json_loads(c.v[i].data, 0, NULL);
      const char *action = json_string_value(json_object_get(data, "action"));
      char event[64];
      snprintf(event, sizeof event, "%s.%s", c.v[i].topic, action ? action : "change");
      for (int h = 0; data && h < n->nhooks; h++)
        if (hook_wants(&n->hooks[h], event)) hook_job(n, &n->hooks[h], event, &c.v[i], data);
      json_decref(data);
      zz_free(c.v[i].data);
    }
    if (c.n < c.cap) break;
  }
  zz_free(c.v);
}

static void bus_wake(void *ud) {
  struct notify *n = ud;
  pthread_mutex_lock(&n->mu);
  n->bus_woken = 1;
  pthread_cond_signal(&n->cv);
  pthread_mutex_unlock(&n->mu);
}

/* ---- delivery ---- */

static size_t discard(char *p, size_t size, size_t nmemb, void *ud) {
  (void)p, (void)ud;
  return size * nmemb;
}

/* One POST: 0 with *code 2xx, else non-zero with reason filled. */
static int deliver(const struct job *j, long *code, char *reason, size_t cap) {
  CURL *h = curl_easy_init();
  if (!h) {
    zz_strlcpy(reason, "out of memory", cap);
    return -1;
  }
  struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
  if (j->webhook) { /* X-Zhizhi-Signature: sha256=HMAC-SHA256(secret, body) in hex */
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)j->secret, strlen(j->secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)j->payload, strlen(j->payload));
    crypto_auth_hmacsha256_final(&st, mac);
    char hex[2 * sizeof mac + 1], line[160];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(line, sizeof line, "X-Zhizhi-Signature: sha256=%s", hex);
    hd = curl_slist_append(hd, line);
    snprintf(line, sizeof line, "X-Zhizhi-Event: %s", j->event);
    hd = curl_slist_append(hd, line);
  }
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, j->url);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, j->payload);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)NOTIFY_TIMEOUT_MS);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(h);
  *code = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
  curl_slist_free_all(hd);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) {
    snprintf(reason, cap, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return -1;
  }
  if (*code < 200 || *code > 299) {
    snprintf(reason, cap, "the receiver answered HTTP %ld", *code);
    return -1;
  }
  return 0;
}

static void job_drop(struct notify *n, size_t i) {
  zz_free(n->jobs[i].secret);
  zz_free(n->jobs[i].url);
  zz_free(n->jobs[i].payload);
  n->jobs[i] = n->jobs[--n->njobs];
}

/* Delivers every due job; returns the earliest due time left (0: none). */
static int64_t jobs_run(struct notify *n) {
  int64_t next = 0;
  for (size_t i = 0; i < n->njobs;) {
    struct job *j = &n->jobs[i];
    int64_t now = zz_time_now();
    if (j->due > now) {
      if (!next || j->due < next) next = j->due;
      i++;
      continue;
    }
    long code = 0;
    char reason[256] = "";
    int ok = deliver(j, &code, reason, sizeof reason) == 0;
    int rc = j->webhook ? store_webhook_delivered(n->st, strtoll(j->sub, NULL, 10), zz_time_now(),
                                                  ok, (int)code, ok ? NULL : reason, NULL)
                        : store_ngsi_sub_delivered(n->st, j->sub, zz_time_now(), ok, (int)code,
                                                   ok ? NULL : reason, NULL);
    if (ok || rc == ZZ_ENOTFOUND || j->attempt >= n->retries) {
      if (!ok && rc != ZZ_ENOTFOUND)
        zz_warn("notify: subscription %s: gave up after %d attempts (%s)", j->sub, j->attempt + 1,
                reason);
      job_drop(n, i);
      continue;
    }
    j->due = zz_time_now() + (n->backoff_ms << j->attempt);
    j->attempt++;
    if (!next || j->due < next) next = j->due;
    i++;
  }
  return next;
}

static void *run(void *ud) {
  struct notify *n = ud;
  int64_t next = 0;
  pthread_mutex_lock(&n->mu);
  while (!n->stop) {
    if (!n->nchanges && !n->reload && !n->bus_woken) {
      int64_t wait = next ? next - zz_time_now() : 1000;
      if (wait > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        wait = wait > 1000 ? 1000 : wait;
        ts.tv_sec += (time_t)(wait / 1000);
        ts.tv_nsec += (long)(wait % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&n->cv, &n->mu, &ts);
      }
      if (n->stop) break;
    }
    struct change *ch = n->changes;
    size_t count = n->nchanges;
    int reload = n->reload;
    n->changes = count ? zz_malloc(NOTIFY_CHANGES_MAX * sizeof *ch) : n->changes;
    if (count && !n->changes) { /* keep the old buffer; lose this round */
      n->changes = ch;
      n->nchanges = 0;
      count = 0;
      ch = NULL;
    } else if (count) {
      n->nchanges = 0;
    }
    n->reload = 0;
    int woken = n->bus_woken;
    n->bus_woken = 0;
    pthread_mutex_unlock(&n->mu);
    if (reload) {
      int asked = atomic_load(&n->reloads_asked);
      subs_load(n);
      hooks_load(n);
      atomic_store(&n->reloads_done, asked);
    }
    if (count) changes_process(n, ch, count);
    if (woken) bus_process(n);
    if (count) zz_free(ch);
    next = jobs_run(n);
    pthread_mutex_lock(&n->mu);
  }
  pthread_mutex_unlock(&n->mu);
  return NULL;
}

int notify_open(const struct notify_opts *o, struct notify **out, struct zz_err *e) {
  *out = NULL;
  struct notify *n = zz_calloc(1, sizeof *n);
  if (!n) return zz_fail(e, ZZ_ENOMEM, "notify", "out of memory");
  n->st = o->st;
  n->reg = o->reg;
  n->bus = o->bus;
  n->sees_personal = o->sees_personal;
  n->sees_personal_ud = o->sees_personal_ud;
  n->backoff_ms = o->backoff_ms > 0 ? o->backoff_ms : 1000;
  n->retries = o->retries > 0 ? o->retries : 5;
  n->changes = zz_malloc(NOTIFY_CHANGES_MAX * sizeof *n->changes);
  n->jobs = zz_calloc(NOTIFY_JOBS_MAX, sizeof *n->jobs);
  if (!n->changes || !n->jobs) {
    zz_free(n->changes);
    zz_free(n->jobs);
    zz_free(n);
    return zz_fail(e, ZZ_ENOMEM, "notify", "out of memory");
  }
  curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread of ours uses curl */
  pthread_mutex_init(&n->mu, NULL);
  pthread_cond_init(&n->cv, NULL);
  subs_load(n);
  hooks_load(n);
  if (n->bus) {
    n->bus_last = bus_last_id(n->bus);
    if (bus_subscribe(n->bus, bus_wake, n, &n->bus_sub)) n->bus_sub = NULL;
  }
  if (pthread_create(&n->th, NULL, run, n) != 0) {
    if (n->bus_sub) bus_unsubscribe(n->bus, n->bus_sub);
    subs_free(n);
    hooks_free(n);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cv);
    zz_free(n->changes);
    zz_free(n->jobs);
    zz_free(n);
    return zz_fail(e, ZZ_EINTERNAL, "notify", "cannot start the notifier thread");
  }
  *out = n;
  return 0;
}

void notify_close(struct notify *n) {
  if (!n) return;
  if (n->bus_sub) bus_unsubscribe(n->bus, n->bus_sub);
  pthread_mutex_lock(&n->mu);
  n->stop = 1;
  pthread_cond_signal(&n->cv);
  pthread_mutex_unlock(&n->mu);
  pthread_join(n->th, NULL);
  while (n->njobs) job_drop(n, 0);
  subs_free(n);
  hooks_free(n);
  pthread_mutex_destroy(&n->mu);
  pthread_cond_destroy(&n->cv);
  zz_free(n->changes);
  zz_free(n->jobs);
  zz_free(n);
  curl_global_cleanup();
}

void notify_on_commit(struct notify *n, const struct store_record *recs, size_t count) {
  if (!n || !count) return;
  if (atomic_load(&n->nsubs) == 0 &&
      atomic_load(&n->reloads_asked) == atomic_load(&n->reloads_done))
    return;
  pthread_mutex_lock(&n->mu);
  for (size_t i = 0; i < count; i++) {
    if (n->nchanges == NOTIFY_CHANGES_MAX) {
      n->dropped++;
      break;
    }
    /* a batch is sorted by (entity, metric, ts): one note per series */
    if (n->nchanges && n->changes[n->nchanges - 1].entity == recs[i].entity &&
        n->changes[n->nchanges - 1].metric == recs[i].metric)
      continue;
    n->changes[n->nchanges++] = (struct change){recs[i].entity, recs[i].metric};
  }
  pthread_cond_signal(&n->cv);
  pthread_mutex_unlock(&n->mu);
}

void notify_reload(struct notify *n) {
  if (!n) return;
  atomic_fetch_add(&n->reloads_asked, 1);
  pthread_mutex_lock(&n->mu);
  n->reload = 1;
  pthread_cond_signal(&n->cv);
  pthread_mutex_unlock(&n->mu);
}
