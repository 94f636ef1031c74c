/* rules.c - the early-warning engine (rules.h). The writer thread only
 * copies records of watched metrics into a queue; the rules thread feeds
 * them to rule_def.c's evaluation per (rule, entity), ticks the timers once
 * a second, and writes alerts through the store. Evaluation state is in
 * memory: after a restart, open alerts are reloaded (so they still clear and
 * are not opened twice) and absence rules start again from the series' last
 * times, while partly filled windows and durations start afresh. */
#include "rules/rules.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/json.h"
#include "core/log.h"
#include "core/ztime.h"
#include "store/store.h"
#include "store/store_alerts.h"
#include "store/store_records.h"
#include "store/store_registry.h"

/* Records queued for evaluation at most; past it batches are dropped. */
#define RULES_QUEUE_MAX (4u << 20)
/* Records older than this (at evaluation) are history being loaded, not news. */
#define RULES_MAX_AGE_MS (24LL * 3600 * 1000)

/* An event as the rules see it: who, when, what kind. */
struct qev {
  int64_t entity, ts;
  char kind[RULE_KEY_MAX + 1];
};

struct qbatch {
  struct qbatch *next;
  size_t n;
  int64_t queued;  /* monotonic ms when queued (the lag /metrics shows) */
  struct qev *evs; /* an events batch (n of them) instead of records */
  struct store_record recs[];
};

struct ent {
  int64_t id; /* the key */
  int64_t region, rpos;
  char type[65];
  char *key;
};

struct slot {
  int64_t entity; /* the key */
  int64_t alert;  /* open alert id */
  struct rule_state s;
};

struct rrule {
  struct rule_def d;
  char *json; /* definition as stored, to see what a reload changed */
  int64_t metric;
  int64_t lo, hi;      /* region scope; 0, 0 for everywhere */
  struct zz_map slots; /* of struct slot, by entity */
};

struct rules {
  struct rules_opts o;
  /* queue (writer thread -> rules thread) */
  pthread_mutex_t qlock;
  pthread_cond_t qcond;
  struct qbatch *qhead, *qtail;
  size_t qn;
  uint8_t *watch; /* metric id -> watched, under qlock */
  size_t nwatch;
  char (*kinds)[RULE_KEY_MAX + 1]; /* event kinds watched, under qlock */
  size_t nkinds;
  int stopping;
  int64_t dropped;
  int64_t eval_since; /* queued time of the oldest batch being evaluated, 0: none (qlock) */
  /* evaluation, under elock */
  pthread_mutex_t elock;
  struct rrule *rv;
  int nr;
  struct zz_map ents;  /* of struct ent, by id */
  int64_t ents_loaded; /* monotonic ms of the last scan, to rate-limit rescans */
  int64_t evaluated;
  pthread_t thread;
  int thread_started;
};

/* ---- entity map ---- */

/* Real elapsed time, unaffected by a pinned test clock. */
static int64_t mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void ent_free(void *p) {
  zz_free(((struct ent *)p)->key);
}

struct ent_scan {
  struct zz_map t;
  struct registry *reg;
  int rc;
};

static int ent_scan_cb(void *ud, const struct store_entity *en) {
  struct ent_scan *s = ud;
  struct ent *x = zz_map_put(&s->t, &en->id, NULL);
  if (!x) {
    s->rc = ZZ_ENOMEM;
    return 1;
  }
  zz_free(x->key);
  x->region = en->region;
  zz_strlcpy(x->type, en->type ? en->type : "", sizeof x->type);
  x->key = zz_strdup(en->key ? en->key : "");
  const struct reg_region *rg = registry_region_by_id(s->reg, en->region);
  x->rpos = rg ? rg->lo : 0;
  return 0;
}

/* Rebuilds the entity map (under elock). */
static int ents_load(struct rules *ru) {
  struct ent_scan s = {.reg = ru->o.reg};
  zz_map_init(&s.t, sizeof(struct ent), sizeof(int64_t), ent_free);
  /* as many as last time: a rescan does not grow the table step by step */
  int rc = zz_map_reserve(&s.t, ZZ_MAX(zz_map_len(&ru->ents), 512));
  registry_rdlock(ru->o.reg);
  if (!rc) rc = store_entities_scan(ru->o.st, ent_scan_cb, &s);
  registry_unlock(ru->o.reg);
  if (!rc) rc = s.rc;
  if (rc) {
    zz_map_free(&s.t);
    return rc;
  }
  zz_map_free(&ru->ents);
  ru->ents = s.t;
  ru->ents_loaded = mono_ms();
  return 0;
}

static const struct ent *ent_get(struct rules *ru, int64_t id) {
  const struct ent *x = zz_map_get(&ru->ents, &id);
  if (x) return x;
  /* a new entity (API, pack load): rescan, at most every 5 s */
  if (mono_ms() - ru->ents_loaded < 5000) return NULL;
  if (ents_load(ru)) return NULL;
  return zz_map_get(&ru->ents, &id);
}

/* ---- per-rule state tables ---- */

static struct slot *slot_get(struct rrule *r, int64_t entity, int create) {
  return create ? zz_map_put(&r->slots, &entity, NULL) : zz_map_get(&r->slots, &entity);
}

static void slot_free(void *p) {
  rule_state_free(&((struct slot *)p)->s);
}

static void rrule_free(struct rrule *r) {
  zz_map_free(&r->slots);
  zz_free(r->json);
  memset(r, 0, sizeof *r);
}

static struct rrule *rule_by_key(struct rules *ru, const char *key) {
  for (int i = 0; i < ru->nr; i++)
    if (strcmp(ru->rv[i].d.key, key) == 0) return &ru->rv[i];
  return NULL;
}

/* ---- output ---- */

/* ms as an RFC 3339 string, 0 as null. */
static void ktime_or_null(struct zz_json *j, const char *k, int64_t ms) {
  if (ms)
    zz_json_ktime(j, k, ms);
  else
    zz_json_knull(j, k);
}

/* The members of alert a, into the object open in j. */
static void alert_json(struct rules *ru, const struct store_alert *a, struct zz_json *j) {
  zz_json_kint(j, "id", a->id);
  zz_json_kstr(j, "rule", a->rule);
  const struct rrule *r = rule_by_key(ru, a->rule);
  if (r) {
    zz_json_kstr(j, "rule_name_zh", r->d.name_zh);
    zz_json_kstr(j, "rule_name_en", r->d.name_en);
    zz_json_kstr(j, "kind", rule_kind_name(r->d.kind));
    if (r->d.event[0])
      zz_json_kstr(j, "event", r->d.event);
    else
      zz_json_kstr(j, "metric", r->d.metric);
  }
  zz_json_kstr(j, "severity", a->severity);
  zz_json_kstr(j, "state", a->state);
  zz_json_kstr(j, "entity", a->entity_key);
  registry_rdlock(ru->o.reg);
  const struct reg_region *rg = registry_region_by_id(ru->o.reg, a->region);
  zz_json_kstr(j, "region", rg ? rg->path : NULL);
  zz_json_kstr(j, "region_name_zh", rg ? rg->name_zh : NULL);
  zz_json_kstr(j, "region_name_en", rg ? rg->name_en : NULL);
  registry_unlock(ru->o.reg);
  zz_json_ktime(j, "opened", a->opened);
  ktime_or_null(j, "cleared", a->cleared);
  zz_json_knum(j, "value", a->value);
  zz_json_kstr(j, "message", a->message);
  /* alerts from before English sentences were kept say so in Chinese only */
  zz_json_kstr(j, "message_en", a->message_en ? a->message_en : a->message);
  if (a->order_id)
    zz_json_kint(j, "order", a->order_id);
  else
    zz_json_knull(j, "order");
  zz_json_kstr(j, "acked_by", a->acked_by);
  ktime_or_null(j, "acked_at", a->acked_at);
}

void rules_alert_json(struct rules *ru, const struct store_alert *a, struct zz_json *j) {
  pthread_mutex_lock(&ru->elock);
  alert_json(ru, a, j);
  pthread_mutex_unlock(&ru->elock);
}

static void publish(struct rules *ru, const struct store_alert *a, const char *action) {
  /* the state change in the log: open and clear by the rules, ack by a
   * user, order when a work order is linked */
  struct log_field lf[] = {
      LOG_I("alert", a->id),
      LOG_S("action", action),
      LOG_S("actor", strcmp(action, "ack") == 0 && a->acked_by ? a->acked_by : "rules"),
      LOG_S("rule", a->rule),
      LOG_S("entity", a->entity_key),
      LOG_I("order_id", a->order_id)};
  log_line(ZZ_LOG_INFO, "alert", lf, ZZ_ARRAY_LEN(lf));
  if (!ru->o.bus) return;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "action", action);
  zz_json_kobj(&j, "alert");
  alert_json(ru, a, &j);
  zz_json_obj_end(&j);
  zz_json_obj_end(&j);
  zz_json_finish(&j);
  if (zz_buf_error(&b))
    zz_warn("rules: the event of alert %lld is lost: %s", (long long)a->id,
            zz_strerror(zz_buf_error(&b)));
  else
    bus_publish(ru->o.bus, "alert", a->rpos, b.data, b.len);
  zz_buf_free(&b);
}
/* ---- opening and clearing ---- */

struct alert_copy {
  struct store_alert a;
  char rule[RULE_KEY_MAX + 1], severity[16], state[16], entity_key[129], message[256],
      message_en[256], acked_by[64];
};

static int copy_alert_cb(void *ud, const struct store_alert *a) {
  struct alert_copy *c = ud;
  c->a = *a;
  zz_strlcpy(c->rule, a->rule ? a->rule : "", sizeof c->rule);
  zz_strlcpy(c->severity, a->severity ? a->severity : "", sizeof c->severity);
  zz_strlcpy(c->state, a->state ? a->state : "", sizeof c->state);
  zz_strlcpy(c->entity_key, a->entity_key ? a->entity_key : "", sizeof c->entity_key);
  zz_strlcpy(c->message, a->message ? a->message : "", sizeof c->message);
  zz_strlcpy(c->message_en, a->message_en ? a->message_en : "", sizeof c->message_en);
  zz_strlcpy(c->acked_by, a->acked_by ? a->acked_by : "", sizeof c->acked_by);
  c->a.rule = c->rule;
  c->a.severity = c->severity;
  c->a.state = c->state;
  c->a.entity_key = c->entity_key;
  c->a.message = c->message;
  c->a.message_en = c->message_en[0] ? c->message_en : NULL;
  c->a.acked_by = c->acked_by[0] ? c->acked_by : NULL;
  return 1;
}

/* The names an alert's sentences use: the entity's, its region's and the
 * metric's, in Chinese and English (ids where a name is missing). */
struct names {
  char entity[2][128], region[2][128], metric[2][128], unit[32];
  struct reg_state states[REG_STATES_MAX];
  int nstates;
};

static int entity_names_cb(void *ud, const struct store_entity *en) {
  struct names *n = ud;
  if (en->name_zh && *en->name_zh) zz_strlcpy(n->entity[0], en->name_zh, sizeof n->entity[0]);
  if (en->name_en && *en->name_en) zz_strlcpy(n->entity[1], en->name_en, sizeof n->entity[1]);
  return 0;
}

static void names_of(struct rules *ru, const struct rule_def *d, const struct ent *en,
                     struct names *n) {
  memset(n, 0, sizeof *n);
  for (int l = 0; l < 2; l++) {
    zz_strlcpy(n->entity[l], en->key, sizeof n->entity[l]);
    zz_strlcpy(n->metric[l], d->event[0] ? d->event : d->metric, sizeof n->metric[l]);
    /* an event kind as the pack names it (出入口拥堵, not gate_jam) */
    const char *evn =
        l ? (d->event_name_en[0] ? d->event_name_en : d->event_name_zh) : d->event_name_zh;
    if (d->event[0] && evn[0]) zz_strlcpy(n->metric[l], evn, sizeof n->metric[l]);
  }
  store_entity_get(ru->o.st, en->key, entity_names_cb, n);
  registry_rdlock(ru->o.reg);
  const struct reg_region *rg = registry_region_by_id(ru->o.reg, en->region);
  const struct reg_metric *m =
      d->metric[0] ? registry_metric(ru->o.reg, d->metric, strlen(d->metric)) : NULL;
  for (int l = 0; l < 2; l++) {
    const char *rn = rg ? (l ? rg->name_en : rg->name_zh) : NULL;
    zz_strlcpy(n->region[l], rn ? rn : rg ? rg->path : "", sizeof n->region[l]);
    const char *mn = m ? (l ? m->name_en : m->name_zh) : NULL;
    if (mn && *mn) zz_strlcpy(n->metric[l], mn, sizeof n->metric[l]);
  }
  if (m && m->unit) zz_strlcpy(n->unit, m->unit, sizeof n->unit);
  n->nstates = 0;
  for (int k = 0; m && k < m->nstates && k < REG_STATES_MAX; k++)
    n->states[n->nstates++] = m->states[k];
  registry_unlock(ru->o.reg);
}

/* The alert's sentence in Chinese (zh) and English (en), from the rule's
 * templates or its kind's. */
static void describe(struct rules *ru, const struct rule_def *d, const struct ent *en, double v,
                     int level, char *zh, char *en_out, size_t cap) {
  struct names n;
  names_of(ru, d, en, &n);
  for (int l = 0; l < 2; l++) {
    struct rule_words w = {n.entity[l], n.region[l], n.metric[l], n.unit,
                           n.states,    n.nstates,   level};
    rule_message(d, &w, l, v, l ? en_out : zh, cap);
  }
}

static void do_open(struct rules *ru, struct rrule *r, struct slot *sl, const struct ent *en,
                    int64_t at, double v) {
  struct zz_err e = {0};
  char msg[256], msg_en[256];
  describe(ru, &r->d, en, v, sl->s.level, msg, msg_en, sizeof msg);
  struct store_alert a = {.rule = r->d.key,
                          .entity = en->id,
                          .entity_key = en->key,
                          .region = en->region,
                          .rpos = en->rpos,
                          .severity = rule_level_severity(&r->d, sl->s.level),
                          .state = "open",
                          .opened = at,
                          .value = v,
                          .message = msg,
                          .message_en = msg_en};
  int64_t id = 0;
  int rc = store_alert_insert(ru->o.st, &a, &id, &e);
  if (rc == ZZ_EEXISTS) { /* already open in the store: adopt it */
    struct store_alert_filter f = {.state = "open", .rule = r->d.key, .entity = en->id, .limit = 1};
    struct alert_copy c = {0};
    if (store_alerts_each(ru->o.st, &f, copy_alert_cb, &c) == 0 && c.a.id) sl->alert = c.a.id;
    return;
  }
  if (rc) {
    zz_warn("rules: cannot open an alert for rule %s: %s", r->d.key, e.msg);
    sl->s.open = 0; /* try again on the next record */
    return;
  }
  sl->alert = a.id = id;
  if (r->d.auto_matter[0] && ru->o.auto_order) {
    struct rules_fired f = {id, &r->d, en->key, en->region, v, msg};
    int64_t order = 0;
    if (ru->o.auto_order(ru->o.ud, &f, &order) == 0 && order) {
      a.order_id = order;
      if (store_alert_update(ru->o.st, &a, &e))
        zz_warn("rules: cannot link alert %lld to order %lld: %s", (long long)id, (long long)order,
                e.msg);
    }
  }
  publish(ru, &a, "open");
}

static void do_clear(struct rules *ru, struct slot *sl, int64_t at) {
  struct alert_copy c = {0};
  int64_t id = sl->alert;
  sl->alert = 0;
  if (!id || store_alert_get(ru->o.st, id, copy_alert_cb, &c) != 0) return;
  if (strcmp(c.state, "open") != 0) return;
  zz_strlcpy(c.state, "cleared", sizeof c.state);
  c.a.cleared = at > c.a.opened ? at : c.a.opened;
  struct zz_err e = {0};
  if (store_alert_update(ru->o.st, &c.a, &e)) {
    zz_warn("rules: cannot clear alert %lld: %s", (long long)id, e.msg);
    return;
  }
  publish(ru, &c.a, "clear");
}

/* The open alert passed a higher level: its severity, value and sentence
 * follow (one alert rising, not one alert per level); its order, if any,
 * stays the one order. */
static void do_raise(struct rules *ru, struct rrule *r, struct slot *sl, const struct ent *en,
                     double v) {
  struct alert_copy c = {0};
  if (!sl->alert || store_alert_get(ru->o.st, sl->alert, copy_alert_cb, &c) != 0) return;
  if (strcmp(c.state, "open") != 0) return;
  zz_strlcpy(c.severity, rule_level_severity(&r->d, sl->s.level), sizeof c.severity);
  describe(ru, &r->d, en, v, sl->s.level, c.message, c.message_en, sizeof c.message);
  c.a.message_en = c.message_en;
  c.a.value = v;
  struct zz_err e = {0};
  if (store_alert_update(ru->o.st, &c.a, &e)) {
    zz_warn("rules: cannot raise alert %lld: %s", (long long)c.a.id, e.msg);
    return;
  }
  publish(ru, &c.a, "raise");
}

/* An alert storm is a stream of small transactions (the alert, its order,
 * the link); between two of them the records writer, when it waits for the
 * write lock, goes first, for 50 ms at most: ingest must not stall behind
 * the alarms it raises. */
static void let_writer_in(struct rules *ru) {
  for (int i = 0; i < 500 && store_writer_waiting(ru->o.st); i++) usleep(100);
}

static void verdict(struct rules *ru, struct rrule *r, struct slot *sl, const struct ent *en,
                    enum rule_verdict v, int64_t at, double value) {
  if (v == RULE_OPEN || v == RULE_RAISE || v == RULE_CLEAR) let_writer_in(ru);
  if (v == RULE_OPEN)
    do_open(ru, r, sl, en, at, value);
  else if (v == RULE_RAISE)
    do_raise(ru, r, sl, en, value);
  else if (v == RULE_CLEAR)
    do_clear(ru, sl, at);
}

/* ---- evaluation ---- */

static int in_scope(const struct rrule *r, const struct ent *en) {
  if (r->d.entity_type[0] && strcmp(r->d.entity_type, en->type) != 0) return 0;
  if ((r->lo || r->hi) && (en->rpos < r->lo || en->rpos > r->hi)) return 0;
  return 1;
}

static void eval_batch(struct rules *ru, const struct qbatch *b, int64_t now) {
  for (size_t i = 0; i < b->n; i++) {
    const struct store_record *rec = &b->recs[i];
    if (rec->ts < now - RULES_MAX_AGE_MS) continue;
    const struct ent *en = NULL;
    for (int k = 0; k < ru->nr; k++) {
      struct rrule *r = &ru->rv[k];
      if (r->metric != rec->metric) continue;
      if (!en && !(en = ent_get(ru, rec->entity))) break;
      if (!in_scope(r, en)) continue;
      struct slot *sl = slot_get(r, en->id, 1);
      if (!sl) continue;
      double v;
      enum rule_verdict vd = rule_feed(&r->d, &sl->s, rec->ts, rec->value, &v);
      verdict(ru, r, sl, en, vd, rec->ts, v);
    }
    ru->evaluated++;
  }
}

static void eval_events(struct rules *ru, const struct qbatch *b, int64_t now) {
  for (size_t i = 0; i < b->n; i++) {
    const struct qev *ev = &b->evs[i];
    if (ev->ts < now - RULES_MAX_AGE_MS) continue;
    const struct ent *en = NULL;
    for (int k = 0; k < ru->nr; k++) {
      struct rrule *r = &ru->rv[k];
      if (!r->d.event[0] || strcmp(r->d.event, ev->kind) != 0) continue;
      if (!en && !(en = ent_get(ru, ev->entity))) break;
      if (!in_scope(r, en)) continue;
      struct slot *sl = slot_get(r, en->id, 1);
      if (!sl) continue;
      double v;
      enum rule_verdict vd = rule_feed(&r->d, &sl->s, ev->ts, 1, &v);
      verdict(ru, r, sl, en, vd, ev->ts, v);
    }
    ru->evaluated++;
  }
}

static void tick(struct rules *ru, int64_t now) {
  for (int k = 0; k < ru->nr; k++) {
    struct rrule *r = &ru->rv[k];
    for (size_t i = 0; i < zz_map_cap(&r->slots); i++) {
      struct slot *sl = zz_map_at(&r->slots, i);
      if (!sl) continue;
      double v;
      enum rule_verdict vd = rule_tick(&r->d, &sl->s, now, &v);
      if (vd == RULE_KEEP) continue;
      const struct ent *en = ent_get(ru, sl->entity);
      if (!en) continue;
      verdict(ru, r, sl, en, vd, now, v);
    }
  }
}

/* Takes the queue (under qlock) and evaluates it (under elock). */
static void drain(struct rules *ru, int64_t now) {
  pthread_mutex_lock(&ru->qlock);
  struct qbatch *b = ru->qhead;
  ru->qhead = ru->qtail = NULL;
  ru->qn = 0;
  ru->eval_since = b ? b->queued : 0;
  pthread_mutex_unlock(&ru->qlock);
  while (b) {
    struct qbatch *next = b->next;
    if (b->evs)
      eval_events(ru, b, now);
    else
      eval_batch(ru, b, now);
    zz_free(b->evs);
    zz_free(b);
    b = next;
    pthread_mutex_lock(&ru->qlock);
    ru->eval_since = b ? b->queued : 0;
    pthread_mutex_unlock(&ru->qlock);
  }
}

void rules_sync(struct rules *ru, int64_t now) {
  pthread_mutex_lock(&ru->elock);
  drain(ru, now);
  tick(ru, now);
  pthread_mutex_unlock(&ru->elock);
}

void rules_on_commit(struct rules *ru, const struct store_record *recs, size_t n) {
  if (!ru || !n) return;
  pthread_mutex_lock(&ru->qlock);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t m = recs[i].metric;
    if (m >= 0 && (size_t)m < ru->nwatch && ru->watch[m]) k++;
  }
  if (!k) goto done;
  if (ru->qn + k > RULES_QUEUE_MAX) {
    if (ru->dropped++ % 1000 == 0)
      zz_warn("rules: evaluation is behind (%zu records queued): dropping a batch", ru->qn);
    goto done;
  }
  struct qbatch *b = zz_malloc(sizeof *b + k * sizeof b->recs[0]);
  if (!b) goto done;
  b->next = NULL;
  b->evs = NULL;
  b->n = 0;
  b->queued = mono_ms();
  for (size_t i = 0; i < n; i++) {
    int64_t m = recs[i].metric;
    if (m >= 0 && (size_t)m < ru->nwatch && ru->watch[m]) b->recs[b->n++] = recs[i];
  }
  if (ru->qtail)
    ru->qtail->next = b;
  else
    ru->qhead = b;
  ru->qtail = b;
  ru->qn += k;
  pthread_cond_signal(&ru->qcond);
done:
  pthread_mutex_unlock(&ru->qlock);
}

static int kind_watched(struct rules *ru, const char *kind) {
  for (size_t i = 0; kind && i < ru->nkinds; i++)
    if (strcmp(ru->kinds[i], kind) == 0) return 1;
  return 0;
}

void rules_on_commit_events(struct rules *ru, const struct store_event *evs, size_t n) {
  if (!ru || !n) return;
  pthread_mutex_lock(&ru->qlock);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += kind_watched(ru, evs[i].kind);
  if (!k || ru->qn + k > RULES_QUEUE_MAX) goto done;
  struct qbatch *b = zz_malloc(sizeof *b);
  struct qev *q = zz_malloc(k * sizeof *q);
  if (!b || !q) {
    zz_free(b);
    zz_free(q);
    goto done;
  }
  *b = (struct qbatch){.evs = q, .queued = mono_ms()};
  for (size_t i = 0; i < n; i++) {
    if (!kind_watched(ru, evs[i].kind)) continue;
    q[b->n].entity = evs[i].entity;
    q[b->n].ts = evs[i].ts;
    zz_strlcpy(q[b->n].kind, evs[i].kind, sizeof q[0].kind);
    b->n++;
  }
  if (ru->qtail)
    ru->qtail->next = b;
  else
    ru->qhead = b;
  ru->qtail = b;
  ru->qn += k;
  pthread_cond_signal(&ru->qcond);
done:
  pthread_mutex_unlock(&ru->qlock);
}

/* ---- loading ---- */

struct rload {
  struct rrule *v;
  int n, cap, rc;
  struct registry *reg;
};

static int rule_cb(void *ud, const struct store_rule *sr) {
  struct rload *l = ud;
  if (!sr->enabled) return 0;
  json_t *j = json_loads(sr->def_json, 0, NULL);
  struct rule_def d;
  struct zz_err e = {0};
  int rc = rule_parse(j, &d, &e);
  json_decref(j);
  if (rc) {
    zz_warn("rules: rule %s is not valid and is skipped: %s: %s", sr->key, e.field, e.msg);
    return 0;
  }
  if (!d.enabled) return 0;
  const struct reg_metric *m =
      d.event[0] ? NULL : registry_metric(l->reg, d.metric, strlen(d.metric));
  if (!m && !d.event[0]) {
    zz_warn("rules: rule %s watches metric %s, which does not exist: skipped", d.key, d.metric);
    return 0;
  }
  int64_t lo = 0, hi = 0;
  if (d.region[0]) {
    const struct reg_region *rg = registry_region(l->reg, d.region);
    if (!rg) {
      zz_warn("rules: rule %s is scoped to region %s, which does not exist: skipped", d.key,
              d.region);
      return 0;
    }
    lo = rg->lo;
    hi = rg->hi;
  }
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 16;
    struct rrule *p = zz_realloc(l->v, (size_t)cap * sizeof *p);
    if (!p) {
      l->rc = ZZ_ENOMEM;
      return 1;
    }
    l->v = p;
    l->cap = cap;
  }
  struct rrule *r = &l->v[l->n++];
  memset(r, 0, sizeof *r);
  zz_map_init(&r->slots, sizeof(struct slot), sizeof(int64_t), slot_free);
  r->d = d;
  r->json = zz_strdup(sr->def_json);
  r->metric = m ? m->id : -1; /* an event rule matches no record */
  r->lo = lo;
  r->hi = hi;
  return 0;
}

struct open_alerts {
  struct rules *ru;
};

static int open_alert_cb(void *ud, const struct store_alert *a) {
  struct rules *ru = ud;
  struct rrule *r = rule_by_key(ru, a->rule);
  if (!r) return 0; /* its rule is gone or disabled; the alert stays as it is */
  struct slot *sl = slot_get(r, a->entity, 1);
  if (!sl) return 0;
  sl->s.open = 1;
  sl->alert = a->id;
  /* the level it had reached, so a restart does not raise it again */
  for (int i = r->d.nlevels; i > 0; i--)
    if (strcmp(r->d.levels[i - 1].severity, a->severity ? a->severity : "") == 0) {
      sl->s.level = i;
      break;
    }
  return 0;
}

struct seed {
  struct rrule *r;
  struct rules *ru;
  int64_t now;
};

/* A fresh absence clock starts at the series' last record, but never before
 * the engine (re)loaded the rule: a restart after a long pause must not flag
 * every device at once; one that stays silent is flagged a period later. */
static int seed_cb(void *ud, int64_t entity, int64_t metric, int64_t ts, double value) {
  (void)metric;
  struct seed *s = ud;
  const struct ent *en = ent_get(s->ru, entity);
  if (!en || !in_scope(s->r, en)) return 0;
  struct slot *sl = slot_get(s->r, entity, 1);
  if (sl && !sl->s.last_ts) { /* kept state (an unchanged rule) stays as it is */
    sl->s.last_ts = ZZ_MAX(ts, s->now);
    sl->s.last_value = value;
  }
  return 0;
}

/* Loads rules, keeping the state of those whose definition is unchanged.
 * Under elock. */
static int load(struct rules *ru, struct zz_err *e) {
  struct rload l = {.reg = ru->o.reg};
  registry_rdlock(ru->o.reg);
  int rc = store_rules_each(ru->o.st, rule_cb, &l);
  registry_unlock(ru->o.reg);
  if (!rc) rc = l.rc;
  if (rc) {
    for (int i = 0; i < l.n; i++) rrule_free(&l.v[i]);
    zz_free(l.v);
    return zz_fail(e, rc, "rules", "cannot read the rules");
  }
  /* carry state over */
  for (int i = 0; i < l.n; i++) {
    struct rrule *old = rule_by_key(ru, l.v[i].d.key);
    if (old && strcmp(old->json, l.v[i].json) == 0 && old->lo == l.v[i].lo &&
        old->hi == l.v[i].hi) {
      l.v[i].slots = old->slots;
      zz_map_init(&old->slots, sizeof(struct slot), sizeof(int64_t), slot_free);
    }
  }
  for (int i = 0; i < ru->nr; i++) rrule_free(&ru->rv[i]);
  zz_free(ru->rv);
  ru->rv = l.v;
  ru->nr = l.n;
  if ((rc = ents_load(ru))) return zz_fail(e, rc, "rules", "cannot read the entities");
  /* open alerts: one per (rule, entity), so they clear and are not doubled */
  struct store_alert_filter f = {.state = "open"};
  store_alerts_each(ru->o.st, &f, open_alert_cb, ru);
  /* absence rules measure silence from each series' last record */
  for (int i = 0; i < ru->nr; i++) {
    struct rrule *r = &ru->rv[i];
    if (r->d.kind != RULE_ABSENCE) continue;
    struct seed s = {r, ru, zz_time_now()};
    store_latest_each(ru->o.st, r->metric, 0, r->lo, r->hi,
                      r->d.entity_type[0] ? r->d.entity_type : NULL, seed_cb, &s);
  }
  /* the watch set, read by the writer thread */
  int64_t maxm = 0;
  size_t nk = 0;
  for (int i = 0; i < ru->nr; i++) {
    maxm = ZZ_MAX(maxm, ru->rv[i].metric);
    nk += ru->rv[i].d.event[0] != 0;
  }
  uint8_t *w = zz_calloc((size_t)maxm + 1, 1);
  char(*kinds)[RULE_KEY_MAX + 1] = nk ? zz_calloc(nk, sizeof *kinds) : NULL;
  if (!w || (nk && !kinds)) {
    zz_free(w);
    zz_free(kinds);
    return zz_fail(e, ZZ_ENOMEM, "rules", "out of memory");
  }
  nk = 0;
  for (int i = 0; i < ru->nr; i++) {
    if (ru->rv[i].metric >= 0) w[ru->rv[i].metric] = 1;
    if (ru->rv[i].d.event[0]) zz_strlcpy(kinds[nk++], ru->rv[i].d.event, sizeof kinds[0]);
  }
  pthread_mutex_lock(&ru->qlock);
  zz_free(ru->watch);
  ru->watch = w;
  ru->nwatch = (size_t)maxm + 1;
  zz_free(ru->kinds);
  ru->kinds = kinds;
  ru->nkinds = nk;
  pthread_mutex_unlock(&ru->qlock);
  return 0;
}

int rules_reload(struct rules *ru, struct zz_err *e) {
  pthread_mutex_lock(&ru->elock);
  drain(ru, zz_time_now()); /* queued records belong to the old rules */
  int rc = load(ru, e);
  pthread_mutex_unlock(&ru->elock);
  return rc;
}

int rules_ack(struct rules *ru, int64_t id, const char *user, struct zz_err *e) {
  struct alert_copy c = {0};
  pthread_mutex_lock(&ru->elock);
  int rc = store_alert_get(ru->o.st, id, copy_alert_cb, &c);
  if (rc) {
    rc = zz_fail(e, ZZ_ENOTFOUND, "id", "alert %lld does not exist", (long long)id);
    goto done;
  }
  zz_strlcpy(c.acked_by, user ? user : "", sizeof c.acked_by);
  c.a.acked_by = c.acked_by;
  c.a.acked_at = zz_time_now();
  if ((rc = store_alert_update(ru->o.st, &c.a, e))) goto done;
  publish(ru, &c.a, "ack");
done:
  pthread_mutex_unlock(&ru->elock);
  return rc;
}

int rules_link_order(struct rules *ru, int64_t id, int64_t order, struct zz_err *e) {
  struct alert_copy c = {0};
  pthread_mutex_lock(&ru->elock);
  int rc = store_alert_get(ru->o.st, id, copy_alert_cb, &c);
  if (rc) {
    rc = zz_fail(e, ZZ_ENOTFOUND, "alert", "alert %lld does not exist", (long long)id);
    goto done;
  }
  c.a.order_id = order;
  if ((rc = store_alert_update(ru->o.st, &c.a, e))) goto done;
  publish(ru, &c.a, "order");
done:
  pthread_mutex_unlock(&ru->elock);
  return rc;
}

static int entity_id_cb(void *ud, const struct store_entity *en) {
  *(int64_t *)ud = en->id;
  return 1;
}

/* The level of rule d whose severity is sev (NULL: 0), or -1. */
static int level_of(const struct rule_def *d, const char *sev) {
  if (!sev || strcmp(sev, d->severity) == 0) return 0;
  for (int i = 0; i < d->nlevels; i++)
    if (strcmp(d->levels[i].severity, sev) == 0) return i + 1;
  return -1;
}

/* Checks p against the rule and the clock; fills *a (strings from p and
 * the rule) and the sentences. Under elock. */
static int past_check(struct rules *ru, const struct rules_past *p, struct store_alert *a,
                      char *msg, char *msg_en, size_t cap, struct zz_err *e) {
  const struct rrule *r = p->rule ? rule_by_key(ru, p->rule) : NULL;
  if (!r)
    return zz_fail(e, ZZ_EINVAL, "rule", "rule \"%s\" does not exist or is disabled",
                   p->rule ? p->rule : "");
  int64_t id = 0;
  if (p->entity) store_entity_get(ru->o.st, p->entity, entity_id_cb, &id);
  const struct ent *en = id ? ent_get(ru, id) : NULL;
  if (!en || !in_scope(r, en))
    return zz_fail(e, ZZ_EINVAL, "entity",
                   "entity \"%s\" does not exist or rule %s does not watch it",
                   p->entity ? p->entity : "", r->d.key);
  int level = level_of(&r->d, p->severity);
  if (level < 0)
    return zz_fail(e, ZZ_EINVAL, "severity", "rule %s has no level of severity \"%s\"", r->d.key,
                   p->severity);
  int64_t now = zz_time_now();
  if (p->opened <= 0 || p->opened > now)
    return zz_fail(e, ZZ_EINVAL, "opened", "a past alert opens in the past");
  if (p->acked_by && (p->acked_at < p->opened || p->acked_at > p->cleared))
    return zz_fail(e, ZZ_EINVAL, "acked_at",
                   "a past alert is acknowledged between its opening and its clearing");
  if (p->cleared < p->opened || p->cleared > now)
    return zz_fail(e, ZZ_EINVAL, "cleared", "a past alert clears after it opens and before now");
  describe(ru, &r->d, en, p->value, level, msg, msg_en, cap);
  *a = (struct store_alert){.rule = r->d.key,
                            .entity = en->id,
                            .entity_key = en->key,
                            .region = en->region,
                            .rpos = en->rpos,
                            .severity = rule_level_severity(&r->d, level),
                            .state = "cleared",
                            .opened = p->opened,
                            .cleared = p->cleared,
                            .value = p->value,
                            .message = msg,
                            .message_en = msg_en,
                            .acked_by = p->acked_by,
                            .acked_at = p->acked_by ? p->acked_at : 0};
  return 0;
}

int rules_past_alert(struct rules *ru, const struct rules_past *p, int64_t *out_id,
                     struct zz_err *e) {
  char msg[256], msg_en[256];
  struct store_alert a;
  int64_t id = 0;
  pthread_mutex_lock(&ru->elock);
  int rc = past_check(ru, p, &a, msg, msg_en, sizeof msg, e);
  if (rc) goto done;
  /* opened and cleared in one go: never an open alert the live engine
   * would have to know about */
  if ((rc = store_txn(ru->o.st, STORE_TXN_BEGIN, e))) goto done;
  if (!(rc = store_alert_insert(ru->o.st, &a, &id, e))) {
    a.id = id;
    rc = store_alert_update(ru->o.st, &a, e);
  }
  if (rc) {
    struct zz_err ignored;
    store_txn(ru->o.st, STORE_TXN_ROLLBACK, &ignored);
  } else {
    rc = store_txn(ru->o.st, STORE_TXN_COMMIT, e);
  }
  if (!rc) {
    publish(ru, &a, "clear");
    if (out_id) *out_id = id;
  }
done:
  pthread_mutex_unlock(&ru->elock);
  return rc;
}

void rules_rule_matter(struct rules *ru, const char *key, char *out, size_t cap) {
  pthread_mutex_lock(&ru->elock);
  const struct rrule *r = rule_by_key(ru, key);
  zz_strlcpy(out, r ? r->d.auto_matter : "", cap);
  pthread_mutex_unlock(&ru->elock);
}

void rules_lag(struct rules *ru, int64_t *queued, int64_t *lag_ms, int64_t *dropped) {
  pthread_mutex_lock(&ru->qlock);
  int64_t oldest = ru->eval_since ? ru->eval_since : ru->qhead ? ru->qhead->queued : 0;
  *queued = (int64_t)ru->qn;
  *dropped = ru->dropped;
  pthread_mutex_unlock(&ru->qlock);
  *lag_ms = oldest ? mono_ms() - oldest : 0;
}

void rules_stats(struct rules *ru, int *nrules, int64_t *evaluated, int64_t *dropped) {
  pthread_mutex_lock(&ru->elock);
  *nrules = ru->nr;
  *evaluated = ru->evaluated;
  pthread_mutex_unlock(&ru->elock);
  pthread_mutex_lock(&ru->qlock);
  *dropped = ru->dropped;
  pthread_mutex_unlock(&ru->qlock);
}

static void *rules_main(void *arg) {
  struct rules *ru = arg;
  pthread_setname_np(pthread_self(), "zz-rules");
  int64_t last_tick = 0;
  pthread_mutex_lock(&ru->qlock);
  while (!ru->stopping) {
    if (!ru->qhead) {
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_nsec += 250 * 1000000L;
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&ru->qcond, &ru->qlock, &until);
    }
    if (ru->stopping) break;
    pthread_mutex_unlock(&ru->qlock);
    int64_t now = zz_time_now();
    pthread_mutex_lock(&ru->elock);
    drain(ru, now);
    if (now - last_tick >= 1000 || now < last_tick) {
      tick(ru, now);
      last_tick = now;
    }
    pthread_mutex_unlock(&ru->elock);
    pthread_mutex_lock(&ru->qlock);
  }
  pthread_mutex_unlock(&ru->qlock);
  return NULL;
}

int rules_open(const struct rules_opts *o, struct rules **out, struct zz_err *e) {
  struct rules *ru = zz_calloc(1, sizeof *ru);
  if (!ru) return zz_fail(e, ZZ_ENOMEM, "rules", "out of memory");
  ru->o = *o;
  zz_map_init(&ru->ents, sizeof(struct ent), sizeof(int64_t), ent_free);
  pthread_mutex_init(&ru->qlock, NULL);
  pthread_cond_init(&ru->qcond, NULL);
  pthread_mutex_init(&ru->elock, NULL);
  pthread_mutex_lock(&ru->elock);
  int rc = load(ru, e);
  pthread_mutex_unlock(&ru->elock);
  if (!rc && !o->no_thread) {
    if (pthread_create(&ru->thread, NULL, rules_main, ru) != 0)
      rc = zz_fail(e, ZZ_EINTERNAL, "rules", "cannot start the rules thread");
    else
      ru->thread_started = 1;
  }
  if (rc) {
    rules_close(ru);
    return rc;
  }
  *out = ru;
  return 0;
}

void rules_close(struct rules *ru) {
  if (!ru) return;
  if (ru->thread_started) {
    pthread_mutex_lock(&ru->qlock);
    ru->stopping = 1;
    pthread_cond_signal(&ru->qcond);
    pthread_mutex_unlock(&ru->qlock);
    pthread_join(ru->thread, NULL);
  }
  struct qbatch *b = ru->qhead;
  while (b) {
    struct qbatch *next = b->next;
    zz_free(b->evs);
    zz_free(b);
    b = next;
  }
  for (int i = 0; i < ru->nr; i++) rrule_free(&ru->rv[i]);
  zz_free(ru->rv);
  zz_map_free(&ru->ents);
  zz_free(ru->watch);
  zz_free(ru->kinds);
  pthread_mutex_destroy(&ru->qlock);
  pthread_cond_destroy(&ru->qcond);
  pthread_mutex_destroy(&ru->elock);
  zz_free(ru);
}
