/* wf_sla.c - SLA timers: the deadlines are columns of the order, so the
 * timer thread asks the store which orders are due each second; an overdue
 * order is supervised (督办), then escalated to its street's leader. */
#include "workflow/workflow_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/ztime.h"

struct due_ids {
  int64_t v[256];
  size_t n;
};

static int due_cb(void *ud, const struct store_order *o) {
  struct due_ids *d = ud;
  if (d->n == ZZ_ARRAY_LEN(d->v)) return 1; /* the rest on the next tick */
  d->v[d->n++] = o->id;
  return 0;
}

/* Waiting on the dispatch desk (the "dispatch within" deadline runs). */
static int pending(const struct wf_order *o) {
  return !o->o.parent && (strcmp(o->state, "reported") == 0 || strcmp(o->state, "returned") == 0 ||
                          strcmp(o->state, "reopened") == 0);
}

int workflow_tick(struct workflow *wf, int64_t now) {
  struct due_ids *d = zz_calloc(1, sizeof *d);
  struct wf_order *w = zz_calloc(2, sizeof *w);
  struct wf_change *c = zz_calloc(1, sizeof *c);
  int changed = 0;
  if (!d || !w || !c) goto out;
  pthread_mutex_lock(&wf->lock);
  if (store_orders_due(wf->o.st, now, due_cb, d)) goto done;
  for (size_t i = 0; i < d->n; i++) {
    struct zz_err e = {0};
    wf_change_reset(c);
    if (wf_order_load(wf, d->v[i], &w[0], &e)) continue;
    struct wf_order *o = &w[0];
    struct wf_matter m;
    int64_t esc =
        wf_matter_get(wf, o->matter, &m) == 0 ? m.escalate_ms : WORKFLOW_ESCALATE_AFTER_MS;
    char note[400], t[32];
    /* waiting on the desk, only the desk's deadline counts */
    int on_desk = pending(o);
    int pending_late = on_desk && o->o.pending_due && o->o.pending_due <= now;
    int dept_late = !on_desk && ((!o->o.accepted_at && o->o.accept_due && o->o.accept_due <= now) ||
                                 (o->o.resolve_due && o->o.resolve_due <= now));
    if (!o->o.supervised) {
      int accept_late = !o->o.accepted_at && o->o.accept_due && o->o.accept_due <= now;
      const char *which = pending_late ? "dispatch" : accept_late ? "accept" : "resolve";
      snprintf(note, sizeof note, "the %s deadline %s passed: supervised (督办)", which,
               zz_time_format(pending_late  ? o->o.pending_due
                              : accept_late ? o->o.accept_due
                                            : o->o.resolve_due,
                              t));
      o->o.supervised = 1;
      o->o.overdue = 1;
      o->o.escalate_at = now + esc;
      wf_step(c, o, "system", "supervise", NULL, note, now);
    } else if (!(pending_late || dept_late)) {
      /* caught up after supervision (accepted in time for resolving): no
       * escalation; the order stays marked as having been overdue */
      o->o.escalate_at = 0;
      o->o.updated = now;
      wf_touch(c, o, "supervise");
    } else {
      wf_street_of(wf, o->o.region, o->escalated_to, sizeof o->escalated_to);
      snprintf(note, sizeof note, "still overdue after supervision: escalated to the leader of %s",
               o->escalated_to);
      o->o.escalated = 1;
      o->o.overdue = 1;
      wf_step(c, o, "system", "escalate", NULL, note, now);
    }
    /* a late sub-order makes its joint order late too */
    if (o->o.parent && wf_order_load(wf, o->o.parent, &w[1], &e) == 0 && !w[1].o.overdue) {
      w[1].o.overdue = 1;
      w[1].o.updated = now;
      wf_touch(c, &w[1], "overdue");
    }
    if (wf_commit(wf, c, &e) == 0)
      changed++;
    else
      zz_warn("workflow: SLA timer of order %lld: %s", (long long)d->v[i], e.msg);
  }
done:
  pthread_mutex_unlock(&wf->lock);
out:
  zz_free(d);
  zz_free(w);
  wf_change_free(c);
  int (*hook[WF_TICK_HOOKS])(void *, int64_t);
  void *hud[WF_TICK_HOOKS];
  pthread_mutex_lock(&wf->tlock);
  int nhooks = wf->ntick_hooks;
  for (int i = 0; i < nhooks; i++) {
    hook[i] = wf->tick_hook[i];
    hud[i] = wf->tick_ud[i];
  }
  pthread_mutex_unlock(&wf->tlock);
  for (int i = 0; i < nhooks; i++) changed += hook[i](hud[i], now);
  return changed;
}

void workflow_on_tick(struct workflow *wf, int (*fn)(void *ud, int64_t now), void *ud) {
  pthread_mutex_lock(&wf->tlock);
  if (!fn)
    wf->ntick_hooks = 0;
  else if (wf->ntick_hooks < WF_TICK_HOOKS) {
    wf->tick_hook[wf->ntick_hooks] = fn;
    wf->tick_ud[wf->ntick_hooks++] = ud;
  } else
    zz_error("workflow: more than %d timer hooks; one is left out", WF_TICK_HOOKS);
  pthread_mutex_unlock(&wf->tlock);
}

void *wf_timer_main(void *arg) {
  struct workflow *wf = arg;
  pthread_setname_np(pthread_self(), "zz-workflow");
  pthread_mutex_lock(&wf->tlock);
  while (!wf->stopping) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    pthread_cond_timedwait(&wf->tcond, &wf->tlock, &until);
    if (wf->stopping) break;
    pthread_mutex_unlock(&wf->tlock);
    workflow_tick(wf, zz_time_now());
    pthread_mutex_lock(&wf->tlock);
  }
  pthread_mutex_unlock(&wf->tlock);
  return NULL;
}
