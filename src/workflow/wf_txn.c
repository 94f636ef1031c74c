/* wf_txn.c - several changes and the caller's own rows in one transaction
 * (workflow.h, workflow_txn): a group opened under the engine's lock, the
 * caller's callback taking actions (each a savepoint of the group) and
 * writing its rows, then one commit, then the events to the bus. */
#include "workflow/workflow_int.h"

#include <pthread.h>

int workflow_txn(struct workflow *wf, wf_txn_fn fn, void *ud, struct zz_err *e) {
  struct wf_txn t = {wf};
  struct wf_group g;
  pthread_mutex_lock(&wf->lock);
  int rc = wf_group_open(wf, &g, e);
  if (!rc) rc = wf_group_close(wf, &g, fn(ud, &t, wf->o.st, e), e);
  pthread_mutex_unlock(&wf->lock);
  return rc;
}

int workflow_txn_act(struct wf_txn *t, const struct wf_actor *who, int64_t id, const char *action,
                     const char *const *departments, size_t n, const char *note, struct zz_err *e) {
  return wf_act_locked(t->wf, who, id, action, departments, n, note, e);
}

int workflow_txn_create(struct wf_txn *t, const struct wf_actor *who, const struct wf_create *c,
                        int64_t *out_id, struct zz_err *e) {
  struct wf_order *w = zz_calloc(1, sizeof *w);
  if (!w) return zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
  int rc = wf_create_prepare(t->wf, who, c, w, e);
  if (!rc) rc = wf_create_locked(t->wf, who, w, out_id, e);
  zz_free(w);
  return rc;
}
