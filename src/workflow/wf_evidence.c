/* wf_evidence.c - evidence photos: checked by their first bytes, written
 * under a random name before any lock, then recorded with the order's event. */
#include "workflow/workflow_int.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/ztime.h"
#include "model/roles.h"

/* JPEG or PNG by its first bytes: the MIME type and the file extension. */
static const char *sniff(const void *p, size_t n, const char **ext) {
  const char *t = zz_sniff_type(p, n);
  if (t && strcmp(t, "jpeg") == 0) {
    *ext = "jpg";
    return "image/jpeg";
  }
  if (t && strcmp(t, "png") == 0) {
    *ext = "png";
    return "image/png";
  }
  return NULL;
}
int workflow_evidence_path(struct workflow *wf, const char *rel, char *out, size_t cap) {
  if (!rel || strstr(rel, "..")) return ZZ_EINVAL;
  return (size_t)snprintf(out, cap, "%s/%s", wf->data_dir, rel) < cap ? 0 : ZZ_EINVAL;
}

int workflow_evidence_store(struct workflow *wf, int64_t id, const void *data, size_t n,
                            struct wf_evidence_file *out, struct zz_err *e) {
  memset(out, 0, sizeof *out);
  if (n > WORKFLOW_EVIDENCE_MAX)
    return zz_fail(e, ZZ_ETOOBIG, "body", "a photo may be at most %u MiB",
                   WORKFLOW_EVIDENCE_MAX >> 20);
  const char *ext = NULL, *mime = sniff(data, n, &ext);
  if (!mime)
    return zz_fail(e, ZZ_EMEDIATYPE, "body",
                   "the body is not a JPEG or PNG image (checked by its first bytes)");
  unsigned char rnd[8];
  randombytes_buf(rnd, sizeof rnd);
  char sub[24], path[4200];
  /* Photos of orders still to be made spread over 256 folders, so that the
   * reports of a crowd do not all queue on one directory's lock. */
  if (id)
    snprintf(sub, sizeof sub, "%lld", (long long)id);
  else
    snprintf(sub, sizeof sub, "new/%02x", rnd[0]);
  snprintf(out->rel, sizeof out->rel, "evidence/%s/%lld-%02x%02x%02x%02x%02x%02x%02x%02x.%s", sub,
           (long long)zz_time_now(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7],
           ext);
  snprintf(path, sizeof path, "%s/%s", wf->data_dir, out->rel);
  /* A random name is never reused: written in place, no rename. Synced as
   * the store syncs its commits: the evidence row commits after this. */
  int rc = zz_write_new_file(path, data, n, wf->o.sync_files), full = 0;
  if (rc == ZZ_EIO && errno == ENOENT) { /* the first photo of its folder */
    if (zz_mkdir_parents(path) == ZZ_EFULL) full = 1;
    rc = zz_write_new_file(path, data, n, wf->o.sync_files);
  }
  /* a full disk answers 507, any other failure to store the file 503 */
  if (rc == ZZ_EFULL || (rc && full))
    return zz_fail(e, ZZ_EFULL, "body", "cannot store the photo: the disk is full");
  if (rc) return zz_fail(e, ZZ_ESTORE, "body", "cannot store the photo");
  out->mime = mime;
  out->size = n;
  return 0;
}

int wf_evidence_attach_locked(struct workflow *wf, const struct wf_actor *who, int64_t id,
                              const struct wf_evidence_file *f, const char *note, int own,
                              int64_t *out_id, struct zz_err *e) {
  int64_t now = zz_time_now();
  struct wf_order *w = zz_calloc(1, sizeof *w);
  struct wf_change *c = zz_calloc(1, sizeof *c);
  int rc = 0;
  if (!w || !c) {
    rc = zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
    goto done;
  }
  if ((rc = wf_order_load(wf, id, w, e))) goto done;
  if (!own && !wf_is_dispatcher(who) &&
      !((wf_role_of(who) & ROLE_OFFICER) && wf_same_dept(who, w->department))) {
    rc = zz_fail(e, ZZ_EFORBIDDEN, "id", "only an officer of department \"%s\" can add evidence",
                 w->department);
    goto done;
  }
  if (!order_state_open(w->state)) {
    struct zz_err en, zh; /* with the state in English, and in Chinese */
    zz_fail(&en, ZZ_ECONFLICT, "id", "order %lld is %s: evidence is added while it is open",
            (long long)id, w->state);
    zz_fail(&zh, ZZ_ECONFLICT, "id", "order %lld is %s: evidence is added while it is open",
            (long long)id, order_state_zh(w->state));
    rc = zz_fail_pair(e, ZZ_ECONFLICT, "id", en.msg, zh.msg_zh);
    goto done;
  }
  struct store_evidence ev = {.order_id = id,
                              .ts = now,
                              .actor = who->name,
                              .mime = f->mime,
                              .path = f->rel,
                              .note = note,
                              .size = (int64_t)f->size};
  int64_t eid = 0;
  if ((rc = store_evidence_insert(wf->o.st, &ev, &eid, e))) goto done;
  char data_json[64];
  snprintf(data_json, sizeof data_json, "{\"evidence\":%lld}", (long long)eid);
  wf_step(c, w, who->name, "evidence", NULL, note, now);
  wf_set_data(c, data_json);
  rc = wf_commit(wf, c, e);
  if (!rc && out_id) *out_id = eid;
done:
  zz_free(w);
  wf_change_free(c);
  return rc;
}

void wf_evidence_discard(struct workflow *wf, const struct wf_evidence_file *f) {
  char path[4200];
  if (!workflow_evidence_path(wf, f->rel, path, sizeof path)) unlink(path);
}

int workflow_evidence_attach(struct workflow *wf, const struct wf_actor *who, int64_t id,
                             const struct wf_evidence_file *f, const char *note, int64_t *out_id,
                             struct zz_err *e) {
  struct wf_group g;
  pthread_mutex_lock(&wf->lock);
  int rc = wf_group_open(wf, &g, e);
  if (!rc)
    rc = wf_group_close(wf, &g, wf_evidence_attach_locked(wf, who, id, f, note, 0, out_id, e), e);
  pthread_mutex_unlock(&wf->lock);
  if (rc) wf_evidence_discard(wf, f); /* not recorded: the file must not linger */
  return rc;
}

/* The photo is written and synced before the workflow's lock is taken, so a
 * slow disk does not hold up every other order's change. */
int workflow_add_evidence(struct workflow *wf, const struct wf_actor *who, int64_t id,
                          const void *data, size_t n, const char *note, int64_t *out_id,
                          struct zz_err *e) {
  struct wf_evidence_file f;
  int rc = workflow_evidence_store(wf, id, data, n, &f, e);
  if (!rc) rc = workflow_evidence_attach(wf, who, id, &f, note, out_id, e);
  return rc;
}
