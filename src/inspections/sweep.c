/* sweep.c - the overdue timer of rectification items: an open item past
 * its deadline becomes overdue, with a credit event of -1 when its
 * checklist item carries points (a finding carries none). It runs on the
 * workflow's timer thread (workflow_on_tick), so there is no thread of its
 * own; the order of the item keeps its own SLA timers in the workflow. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/ztime.h"
#include "inspections/inspections_int.h"
#include "workflow/workflow.h"

#define SWEEP_EVERY_MS 60000
#define SWEEP_BATCH 200

struct due {
  int64_t id[SWEEP_BATCH], entity[SWEEP_BATCH];
  char item[SWEEP_BATCH][65], checklist[SWEEP_BATCH][65], campaign[SWEEP_BATCH][65];
  size_t n;
};

static int due_cb(void *ud, const struct store_rectify *r) {
  struct due *d = ud;
  if (d->n == SWEEP_BATCH) return 1;
  d->id[d->n] = r->id;
  d->entity[d->n] = r->entity;
  zz_strlcpy(d->item[d->n], r->item, sizeof d->item[0]);
  zz_strlcpy(d->checklist[d->n], r->checklist ? r->checklist : "", sizeof d->checklist[0]);
  zz_strlcpy(d->campaign[d->n], r->campaign ? r->campaign : "", sizeof d->campaign[0]);
  d->n++;
  return 0;
}

int inspections_sweep(struct inspections *in, int64_t now) {
  struct due *d = zz_calloc(1, sizeof *d);
  if (!d) return 0;
  int marked = 0;
  json_t *doc = ins_doc(in->st);
  json_t *lists = json_object_get(doc, "checklists");
  /* a batch at a time: each one marked leaves the open set */
  for (int round = 0; round < 50; round++) {
    d->n = 0;
    if (store_rectifies_due(in->st, now, SWEEP_BATCH, due_cb, d) || d->n == 0) break;
    size_t before = (size_t)marked;
    for (size_t i = 0; i < d->n; i++) {
      json_t *it = ins_find(json_object_get(ins_find(lists, d->checklist[i]), "items"), d->item[i]);
      json_t *pts = json_object_get(it, "points");
      char reason[160];
      snprintf(reason, sizeof reason, "%s: %s", d->checklist[i], d->item[i]);
      struct store_credit_event ev = {.entity = d->entity[i],
                                      .ts = now,
                                      .points = -1,
                                      .kind = "overdue",
                                      .reason = reason,
                                      .campaign = d->campaign[i][0] ? d->campaign[i] : NULL,
                                      .rectify = d->id[i],
                                      .actor = "system"};
      int with_credit = json_is_integer(pts) && json_integer_value(pts) > 0;
      struct zz_err e = {0};
      if (store_rectify_overdue(in->st, d->id[i], with_credit ? &ev : NULL, &e) == 0)
        marked++;
      else if (e.code != ZZ_ECONFLICT)
        zz_warn("inspections: rectification item %lld stays open: %s", (long long)d->id[i],
                e.msg);
    }
    if ((size_t)marked == before) break; /* nothing moved: do not spin on a failing store */
  }
  json_decref(doc);
  zz_free(d);
  return marked;
}

struct ins_timer {
  struct inspections in;
  pthread_mutex_t lock;
  int64_t last;
};

static int timer_fn(void *ud, int64_t now) {
  struct ins_timer *t = ud;
  int n = 0;
  pthread_mutex_lock(&t->lock); /* one sweep at a time */
  if (!t->last || now - t->last >= SWEEP_EVERY_MS || now < t->last) {
    t->last = now;
    n = inspections_sweep(&t->in, now);
  }
  pthread_mutex_unlock(&t->lock);
  return n;
}

struct ins_timer *inspections_timer_start(const struct inspections *in) {
  struct ins_timer *t = zz_calloc(1, sizeof *t);
  if (!t) {
    zz_error("inspections: no memory for the overdue timer");
    return NULL;
  }
  t->in = *in;
  pthread_mutex_init(&t->lock, NULL);
  if (in->wf) workflow_on_tick(in->wf, timer_fn, t);
  return t;
}

void inspections_timer_stop(struct ins_timer *t) {
  if (!t) return;
  pthread_mutex_destroy(&t->lock);
  zz_free(t);
}
