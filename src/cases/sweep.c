/* sweep.c - the quiet-file timer of case programmes: a file with no
 * contact for the programme's quiet_days becomes a follow-up task, a work
 * order of the programme's follow-up matter dispatched to the department
 * that owns the file. It runs on the workflow's timer thread
 * (workflow_on_tick), so there is no timer thread of its own. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cases/cases.h"
#include "core/ztime.h"
#include "model/registry.h"
#include "model/roles.h"
#include "workflow/workflow.h"

#define SWEEP_EVERY_MS 60000
#define SWEEP_BATCH 200

struct quiet {
  int64_t id[SWEEP_BATCH], region[SWEEP_BATCH], last[SWEEP_BATCH];
  size_t n;
};

static int quiet_cb(void *ud, const struct store_case *c) {
  struct quiet *q = ud;
  if (q->n == SWEEP_BATCH) return 1;
  q->id[q->n] = c->id;
  q->region[q->n] = c->region;
  q->last[q->n] = c->last_contact;
  q->n++;
  return 0;
}

/* One task for case i of q: the order, its dispatch, the timeline entry. */
static int open_task(struct cases *cs, json_t *prog, const struct quiet *q, size_t i, int64_t now) {
  const char *matter = json_string_value(json_object_get(prog, "followup_matter"));
  const char *dept = json_string_value(json_object_get(prog, "department"));
  char title[160], desc[200], path[256] = "", t[32];
  registry_rdlock(cs->reg);
  const struct reg_region *rg = registry_region_by_id(cs->reg, q->region[i]);
  if (rg) zz_strlcpy(path, rg->path, sizeof path);
  registry_unlock(cs->reg);
  /* the order names the file by number only: orders are read by more
   * people (the dispatch desk, viewers in scope) than the file */
  snprintf(title, sizeof title, "个案回访 Case follow-up #%lld", (long long)q->id[i]);
  snprintf(desc, sizeof desc, "No contact since %s. 已超过%lld天未联系。",
           zz_time_format(q->last[i], t),
           (long long)json_integer_value(json_object_get(prog, "quiet_days")));
  struct wf_actor sys = {"system", 0, "", ACTOR_SYSTEM};
  struct wf_create c = {.matter = matter,
                        .title = title,
                        .description = desc,
                        .region = path,
                        .channel = "staff",
                        .lon = NAN,
                        .lat = NAN};
  struct zz_err e = {0};
  int64_t order = 0;
  const char *depts[] = {dept};
  int rc = workflow_create(cs->wf, &sys, &c, &order, &e);
  if (!rc) rc = workflow_act(cs->wf, &sys, order, "dispatch", depts, 1, "个案回访", &e);
  if (!rc) rc = store_case_set_followup(cs->st, q->id[i], order, &e);
  if (!rc) {
    char note[64];
    snprintf(note, sizeof note, "order %lld", (long long)order);
    struct store_case_entry en = {.case_id = q->id[i],
                                  .ts = now,
                                  .klass = "task",
                                  .kind = "followup",
                                  .note = note,
                                  .actor = "system"};
    rc = store_case_entry_insert(cs->st, &en, NULL, &e);
  }
  if (rc) zz_warn("cases: follow-up task of case %lld: %s", (long long)q->id[i], e.msg);
  return rc;
}

int cases_sweep(struct cases *cs, int64_t now) {
  if (!cs->wf) return 0;
  struct quiet *q = zz_calloc(1, sizeof *q);
  if (!q) return 0;
  int opened = 0;
  json_t *prog = NULL;
  for (size_t k = 0; cases_program_at(cs->st, k, &prog) == 0; k++) {
    int64_t quiet = json_integer_value(json_object_get(prog, "quiet_days"));
    const char *pid = json_string_value(json_object_get(prog, "id"));
    if (quiet > 0 && json_is_string(json_object_get(prog, "followup_matter"))) {
      q->n = 0;
      if (store_cases_quiet(cs->st, pid, now - quiet * 24LL * 3600 * 1000, SWEEP_BATCH, quiet_cb,
                            q) == 0)
        for (size_t i = 0; i < q->n; i++)
          if (open_task(cs, prog, q, i, now) == 0) opened++;
    }
    json_decref(prog);
  }
  zz_free(q);
  return opened;
}

struct cases_timer {
  struct cases cs;
  pthread_mutex_t lock;
  int64_t last;
};

static int timer_fn(void *ud, int64_t now) {
  struct cases_timer *t = ud;
  int n = 0;
  pthread_mutex_lock(&t->lock); /* one sweep at a time: the test clock waits for the timer's */
  if (!t->last || now - t->last >= SWEEP_EVERY_MS || now < t->last) {
    t->last = now;
    n = cases_sweep(&t->cs, now);
  }
  pthread_mutex_unlock(&t->lock);
  return n;
}

struct cases_timer *cases_timer_start(const struct cases *cs) {
  struct cases_timer *t = zz_calloc(1, sizeof *t);
  if (!t) {
    zz_error("cases: no memory for the follow-up timer");
    return NULL;
  }
  t->cs = *cs;
  pthread_mutex_init(&t->lock, NULL);
  if (cs->wf) workflow_on_tick(cs->wf, timer_fn, t);
  return t;
}

void cases_timer_stop(struct cases_timer *t) {
  if (!t) return;
  pthread_mutex_destroy(&t->lock);
  zz_free(t);
}
