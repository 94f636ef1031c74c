/* wf_intake.c - the public intake's group commit: reports queue here, and
 * the intake thread writes every queued report in one transaction, one
 * savepoint per report, then wakes their callers. */
#include "workflow/workflow_int.h"

#include <pthread.h>
#include <string.h>

#include "store/store.h"

/* At most this many reports share one transaction; more wait for the next. */
#define WF_INTAKE_BATCH 512

/* One report of a batch: its order, photo and the caller's rows, as one
 * savepoint of the batch's transaction. */
static int intake_one(struct workflow *wf, struct wf_intake *in) {
  struct wf_group g;
  int rc = wf_group_open(wf, &g, &in->err);
  if (rc) return rc;
  rc = wf_create_locked(wf, &in->who, in->row, &in->order, &in->err);
  if (!rc && in->photo)
    rc = wf_evidence_attach_locked(wf, &in->who, in->order, in->photo, in->photo_note, 1, NULL,
                                   &in->err);
  if (!rc && in->then) rc = in->then(in->ud, wf->o.st, in->order, &in->err);
  return wf_group_close(wf, &g, rc, &in->err);
}

/* Writes a batch of reports in one transaction. A report that fails alone
 * is undone alone; a failed commit fails them all. */
static void intake_batch(struct workflow *wf, struct wf_intake *batch) {
  struct zz_err e = {0};
  struct wf_group g;
  pthread_mutex_lock(&wf->lock);
  int rc = wf_group_open(wf, &g, &e);
  if (!rc) {
    for (struct wf_intake *in = batch; in; in = in->next) in->rc = intake_one(wf, in);
    rc = wf_group_close(wf, &g, 0, &e);
  }
  pthread_mutex_unlock(&wf->lock);
  for (struct wf_intake *in = batch; in; in = in->next) {
    if (rc && !in->rc) {
      in->rc = rc;
      in->err = e;
    }
    if (in->rc) in->order = 0;
    if (in->rc && in->photo) wf_evidence_discard(wf, in->photo);
  }
}

int workflow_intake_submit(struct workflow *wf, struct wf_intake *in) {
  in->rc = 0;
  in->done = 0;
  in->next = NULL;
  in->order = 0;
  memset(&in->err, 0, sizeof in->err);
  /* checked and built here, in the caller's thread, so that the batch
   * does only the writes */
  struct wf_order *w = zz_malloc(sizeof *w);
  int rc = w ? wf_create_prepare(wf, &in->who, &in->create, w, &in->err)
             : zz_fail(&in->err, ZZ_ENOMEM, "order", "out of memory");
  pthread_mutex_lock(&wf->iq_lock);
  if (!rc && (wf->iq_stopping || !wf->iq_started))
    rc = zz_fail(&in->err, ZZ_EBUSY, "order",
                 "the server is stopping: send the report again in a moment");
  if (rc) {
    pthread_mutex_unlock(&wf->iq_lock);
    zz_free(w);
    if (in->photo) wf_evidence_discard(wf, in->photo);
    return in->rc = rc;
  }
  in->row = w;
  if (wf->iq_tail)
    wf->iq_tail->next = in;
  else
    wf->iq_head = in;
  wf->iq_tail = in;
  pthread_cond_signal(&wf->iq_cond);
  pthread_mutex_unlock(&wf->iq_lock);
  return 0;
}

static void intake_wake(void *ud, struct wf_intake *in) {
  struct workflow *wf = ud;
  (void)in;
  pthread_mutex_lock(&wf->iq_lock);
  pthread_cond_broadcast(&wf->iq_done);
  pthread_mutex_unlock(&wf->iq_lock);
}

int workflow_intake(struct workflow *wf, struct wf_intake *in) {
  in->on_done = intake_wake;
  in->done_ud = wf;
  if (workflow_intake_submit(wf, in)) return in->rc;
  pthread_mutex_lock(&wf->iq_lock);
  while (!in->done) pthread_cond_wait(&wf->iq_done, &wf->iq_lock);
  pthread_mutex_unlock(&wf->iq_lock);
  return in->rc;
}

/* The intake thread: takes everything queued (up to a batch), writes it in
 * one transaction, tells each report's caller; at stop, drains the queue. */
void *wf_intake_main(void *arg) {
  struct workflow *wf = arg;
  pthread_setname_np(pthread_self(), "zz-intake");
  pthread_mutex_lock(&wf->iq_lock);
  for (;;) {
    while (!wf->iq_head && !wf->iq_stopping) pthread_cond_wait(&wf->iq_cond, &wf->iq_lock);
    if (!wf->iq_head) break; /* stopping, and nothing left */
    struct wf_intake *batch = wf->iq_head, *last = batch;
    for (int n = 1; n < WF_INTAKE_BATCH && last->next; n++) last = last->next;
    wf->iq_head = last->next;
    if (!wf->iq_head) wf->iq_tail = NULL;
    last->next = NULL;
    pthread_mutex_unlock(&wf->iq_lock);
    intake_batch(wf, batch);
    for (struct wf_intake *in = batch, *next; in; in = next) {
      next = in->next; /* in belongs to its caller once on_done runs */
      zz_free(in->row);
      in->row = NULL;
      /* read before done is set: a waiting caller may return at once */
      void (*on_done)(void *, struct wf_intake *) = in->on_done;
      void *done_ud = in->done_ud;
      pthread_mutex_lock(&wf->iq_lock);
      in->done = 1;
      pthread_mutex_unlock(&wf->iq_lock);
      if (on_done) on_done(done_ud, in);
    }
    pthread_mutex_lock(&wf->iq_lock);
  }
  pthread_mutex_unlock(&wf->iq_lock);
  return NULL;
}
