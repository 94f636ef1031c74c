/* preview.c - "what would this rule have raised": a rule definition run
 * over stored records of a past window (rules_preview, rules.h), with the
 * same pure evaluation as the engine (rule_def.c) and a clock that ticks
 * once a minute between records. Read-only: no alert is opened, nothing is
 * written, the live engine is not touched. The one approximation: what
 * happened before the window is read back only as far as the rule's
 * longest span (twice the window or duration, plus the cooldown, at most
 * a day): a run longer than that is judged as if it began there. A count
 * of events reads the entities' events of its kind, each fed as a 1, as
 * the engine feeds them. */
#include <string.h>

#include "rules/rules.h"
#include "store/store_registry.h"

#define PREVIEW_STEP_MS 60000                 /* the clock between records */
#define PREVIEW_PAGE 500                      /* entities read at once */
#define PREVIEW_RECORDS_MAX 100000            /* per entity and window */
#define PREVIEW_WARM_MAX (24 * 3600 * 1000LL) /* read back at most a day before the window */

struct pv_ent {
  int64_t id;
  char key[RULE_KEY_MAX * 2 + 1];
  char name_zh[128], name_en[128];
};

struct pv_page {
  struct pv_ent *ents;
  size_t n;
  int64_t last_id;
};

static int page_row(void *ud, const struct store_entity *en) {
  struct pv_page *p = ud;
  struct pv_ent *x = &p->ents[p->n++];
  x->id = en->id;
  zz_strlcpy(x->key, en->key ? en->key : "", sizeof x->key);
  zz_strlcpy(x->name_zh, en->name_zh ? en->name_zh : "", sizeof x->name_zh);
  zz_strlcpy(x->name_en, en->name_en ? en->name_en : "", sizeof x->name_en);
  p->last_id = en->id;
  return 0;
}

/* One entity's run: the state, the clock, and the alert being recorded. */
struct pv_run {
  const struct rule_def *d;
  struct rules_preview *out;
  const struct pv_ent *en;
  struct rule_state st;
  int64_t from, next_tick;
  int hit; /* index of the open hit in out->hits, or -1 */
  int64_t records;
};

static void note(struct pv_run *r, enum rule_verdict v, int64_t at, double value) {
  struct rules_preview *p = r->out;
  if (v == RULE_CLEAR && r->hit >= 0) {
    p->hits[r->hit].cleared = at;
    r->hit = -1;
    return;
  }
  if (v == RULE_RAISE && r->hit >= 0) { /* one alert rising through the levels */
    zz_strlcpy(p->hits[r->hit].severity, rule_level_severity(r->d, r->st.level),
               sizeof p->hits[r->hit].severity);
    p->hits[r->hit].value = value;
    return;
  }
  if (v != RULE_OPEN || at < r->from) return; /* opened during the warm-up: not this window's */
  p->alerts++;
  r->hit = -1;
  if (p->nhits == RULES_PREVIEW_HITS_MAX) {
    p->truncated = 1;
    return;
  }
  struct rules_preview_hit *h = &p->hits[p->nhits];
  memset(h, 0, sizeof *h);
  h->entity = r->en->id;
  zz_strlcpy(h->entity_key, r->en->key, sizeof h->entity_key);
  zz_strlcpy(h->name_zh, r->en->name_zh, sizeof h->name_zh);
  zz_strlcpy(h->name_en, r->en->name_en, sizeof h->name_en);
  h->opened = at;
  h->value = value;
  zz_strlcpy(h->severity, rule_level_severity(r->d, r->st.level), sizeof h->severity);
  r->hit = (int)p->nhits++;
}

static void tick_until(struct pv_run *r, int64_t until) {
  double v;
  while (r->next_tick < until) {
    enum rule_verdict verdict = rule_tick(r->d, &r->st, r->next_tick, &v);
    note(r, verdict, r->next_tick, v);
    r->next_tick += PREVIEW_STEP_MS;
  }
}

static int record_row(void *ud, int64_t ts, double value) {
  struct pv_run *r = ud;
  if (!r->records++) r->next_tick = ts + PREVIEW_STEP_MS; /* the clock starts with the data */
  tick_until(r, ts);
  double v;
  enum rule_verdict verdict = rule_feed(r->d, &r->st, ts, value, &v); /* v is set by the call */
  note(r, verdict, ts, v);
  return 0;
}

/* An event of the counted kind: the engine feeds it as the value 1. */
static int event_row(void *ud, int64_t ts) {
  return record_row(ud, ts, 1);
}

int rules_preview(struct store *st, struct registry *reg, const struct rule_def *d, int64_t from,
                  int64_t to, struct rules_preview *out, struct zz_err *e) {
  memset(out, 0, sizeof *out);
  out->from = from;
  out->to = to;
  if (from >= to) return zz_fail(e, ZZ_EINVAL, "from", "the window is empty");
  struct store_entity_filter f = {.limit = PREVIEW_PAGE};
  int64_t metric = 0;
  char type[RULE_KEY_MAX + 1] = "";
  registry_rdlock(reg);
  /* a count of events reads the events of its kind; no metric */
  const struct reg_metric *m =
      d->event[0] ? NULL : registry_metric(reg, d->metric, strlen(d->metric));
  const struct reg_region *rg = d->region[0] ? registry_region(reg, d->region) : NULL;
  if (d->event[0]) zz_strlcpy(type, d->entity_type, sizeof type);
  if (m) {
    metric = m->id;
    zz_strlcpy(type,
               d->entity_type[0] ? d->entity_type
               : m->entity_type  ? m->entity_type
                                 : "",
               sizeof type);
  }
  if (rg) {
    f.rpos_lo = rg->lo;
    f.rpos_hi = rg->hi;
  }
  registry_unlock(reg);
  if (!m && !d->event[0])
    return zz_fail(e, ZZ_EINVAL, "metric", "metric \"%s\" does not exist", d->metric);
  if (d->region[0] && !rg)
    return zz_fail(e, ZZ_EINVAL, "region", "region \"%s\" does not exist", d->region);
  f.type = type[0] ? type : NULL;
  /* windows and durations reach back before the window: read that much
   * more, so the window's first minutes judge as the engine would */
  /* twice the longest span, so that a run under way well before the window
   * is seen from its start (sparse records included) and opens, and is left
   * out, before the window; plus the cooldown an earlier clear imposes */
  int64_t span = d->window_ms > d->for_ms ? d->window_ms : d->for_ms;
  int64_t warm = 2 * span + d->cooldown_ms + PREVIEW_STEP_MS;
  if (warm > PREVIEW_WARM_MAX) warm = PREVIEW_WARM_MAX;
  out->hits = zz_calloc(RULES_PREVIEW_HITS_MAX, sizeof *out->hits);
  struct pv_page pg = {zz_calloc(PREVIEW_PAGE, sizeof *pg.ents), 0, 0};
  int rc = 0;
  if (!out->hits || !pg.ents) {
    rc = zz_fail(e, ZZ_ENOMEM, "", "out of memory");
    goto done;
  }
  for (;;) {
    pg.n = 0;
    f.after_id = pg.last_id;
    if (store_entities_each(st, &f, page_row, &pg)) {
      rc = zz_fail(e, ZZ_ESTORE, "", "cannot read the entities");
      goto done;
    }
    for (size_t i = 0; i < pg.n; i++) {
      if (out->entities == RULES_PREVIEW_ENTITIES_MAX) {
        out->truncated = 1;
        goto done;
      }
      struct pv_run r = {.d = d, .out = out, .en = &pg.ents[i], .from = from, .hit = -1};
      if (d->event[0] ? store_event_times_each(st, r.en->id, d->event, from - warm, to,
                                               PREVIEW_RECORDS_MAX, event_row, &r)
                      : store_records_each(st, r.en->id, metric, from - warm, to,
                                           PREVIEW_RECORDS_MAX, record_row, &r)) {
        rule_state_free(&r.st);
        rc = zz_fail(e, ZZ_ESTORE, "", "cannot read the records");
        goto done;
      }
      if (r.records) tick_until(&r, to);
      rule_state_free(&r.st);
      out->entities++;
      out->records += r.records;
      if (r.records) out->with_data++;
    }
    if (pg.n < PREVIEW_PAGE) break;
  }
done:
  zz_free(pg.ents);
  if (rc) rules_preview_free(out);
  return rc;
}

void rules_preview_free(struct rules_preview *p) {
  zz_free(p->hits);
  p->hits = NULL;
  p->nhits = 0;
}
