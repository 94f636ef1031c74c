/* materials.c - an application's materials: checked by content against
 * the matter's declaration, written as a file under DATA/materials/ORDER/
 * before the row that names it, the replaced file released after the
 * commit; the application dispatched once every required one is in, in
 * the transaction of the row that completes it; and a received
 * material's file found for staff. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "applications/applications.h"
#include "applications/applications_int.h"
#include "core/fs.h"
#include "core/ztime.h"
#include "store/store_applications.h"
#include "store/store_backup.h"

/* The material being replaced, if any. */
struct current {
  const char *material;
  int found;
  int64_t replaced;
  char path[256];
};

static int current_row(void *ud, const struct store_material *m) {
  struct current *c = ud;
  if (strcmp(m->material, c->material) != 0) return 0;
  c->found = 1;
  c->replaced = m->replaced;
  zz_strlcpy(c->path, m->path ? m->path : "", sizeof c->path);
  return 1;
}

/* What a put works on once found and allowed. */
struct put {
  struct app_copy ac;
  json_t *matter;
  json_t *decl; /* the material's declaration in matter */
  const char *mid;
  struct current cur;
};

/* Reads the material's current row into p->cur (from st: the caller's
 * transaction, or none) and refuses one replaced too often. */
static int put_current(struct store *st, struct put *p, struct zz_err *e) {
  p->cur = (struct current){.material = p->mid};
  int rc = store_materials_each(st, p->ac.order_id, current_row, &p->cur);
  if (rc) return zz_fail(e, rc, "material", "the store failed, retry later");
  if (p->cur.found && p->cur.replaced >= APPLICATION_REPLACE_MAX)
    return zz_fail(e, ZZ_ECONFLICT, "material",
                   "%s was already replaced %d times: it cannot be replaced again; ask the "
                   "district office if this file is wrong",
                   p->mid, APPLICATION_REPLACE_MAX);
  return 0;
}

/* The application, its matter, the material's declaration; an application
 * still waiting for its materials; a material not replaced too often (read
 * again in the transaction that writes it: this early look only spares
 * writing a file that would be refused). */
static int put_find(struct applications *ap, const char *number, struct put *p, struct zz_err *e) {
  int rc;
  if ((rc = app_find(ap, number, &p->ac, e))) return rc;
  struct order_copy oc;
  app_order_load(ap, p->ac.order_id, NULL, NULL, &oc);
  p->matter = oc.found ? app_matter_load(ap, oc.matter) : NULL;
  p->decl = p->matter && p->mid ? app_material_decl(p->matter, p->mid) : NULL;
  if (!p->decl)
    return zz_fail(e, ZZ_ENOTFOUND, "material", "this application asks for no material \"%s\"",
                   p->mid ? p->mid : "");
  if (strcmp(oc.state, "reported") != 0)
    return zz_fail(e, ZZ_ECONFLICT, "material",
                   "the application is already with the departments: materials cannot change");
  return put_current(ap->st, p, e);
}

/* The file's type by its content, one of those declared: "pdf", "jpeg" or
 * "png" into out->type. */
static int put_type(struct put *p, const void *data, size_t n, struct application_upload *out,
                    struct zz_err *e) {
  if (!n) return zz_fail(e, ZZ_EINVAL, "body", "send the file as the request body");
  if (n > APPLICATION_MATERIAL_MAX)
    return zz_fail(e, ZZ_ETOOBIG, "body", "a material is at most %u bytes",
                   APPLICATION_MATERIAL_MAX);
  const char *type = zz_sniff_type(data, n);
  int allowed = 0;
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(p->decl, "types"), i, t) allowed |=
      type && json_is_string(t) && strcmp(json_string_value(t), type) == 0;
  if (!allowed) {
    struct zz_err en, zh; /* with the English words, and with their Chinese */
    zz_fail(&en, ZZ_EMEDIATYPE, "body",
            "%s must be one of the declared file types (by its content), and this file is %s",
            p->mid, type ? type : "none of PDF, JPEG, PNG");
    zz_fail(&zh, ZZ_EMEDIATYPE, "body",
            "%s must be one of the declared file types (by its content), and this file is %s",
            p->mid, type ? type : "PDF、JPEG、PNG 以外的格式");
    return zz_fail_pair(e, ZZ_EMEDIATYPE, "body", en.msg, zh.msg_zh);
  }
  zz_strlcpy(out->type, type, sizeof out->type);
  out->size = n;
  return 0;
}

static int have_row(void *ud, const struct store_material *m) {
  json_object_set_new(ud, m->material, json_true());
  return 0;
}

/* The material's row being written, in the workflow's transaction. */
struct put_txn {
  struct applications *ap;
  struct put *p;
  const struct store_material *sm;
  struct application_upload *out;
};

/* Records the material and, when every required one is then in, has the
 * system dispatch the application (one sub-order per department, in
 * parallel), all in t's transaction: the row without its dispatch is
 * never stored. */
static int put_write(void *ud, struct wf_txn *t, struct store *st, struct zz_err *e) {
  struct put_txn *x = ud;
  struct put *p = x->p;
  struct order_copy oc;
  int rc = app_order_load(x->ap, p->ac.order_id, NULL, NULL, &oc);
  if (rc) return zz_fail(e, rc, "material", "the store failed, retry later");
  if (!oc.found || strcmp(oc.state, "reported") != 0) /* dispatched meanwhile */
    return zz_fail(e, ZZ_ECONFLICT, "material",
                   "the application is already with the departments: materials cannot change");
  /* the file it replaces, read in this transaction: another upload of the
   * same material may have committed since put_find looked, and the file
   * released after the commit must be the one this row replaced */
  if ((rc = put_current(st, p, e))) return rc;
  if ((rc = store_material_put(st, x->sm, e))) return rc;
  json_t *have = json_object();
  if (!have) return zz_fail(e, ZZ_ENOMEM, "material", "out of memory");
  if ((rc = store_materials_each(st, p->ac.order_id, have_row, have))) {
    json_decref(have);
    return zz_fail(e, rc, "material", "the store failed, retry later");
  }
  size_t i;
  json_t *m;
  x->out->complete = 1;
  json_array_foreach(json_object_get(p->matter, "materials"), i, m) {
    const char *id = app_str(m, "id");
    if (json_is_true(json_object_get(m, "required")) && !json_object_get(have, id ? id : ""))
      x->out->complete = 0;
  }
  json_decref(have);
  if (!x->out->complete) return 0;
  const struct wf_actor sys = {.name = "system", .department = "", .kind = ACTOR_SYSTEM};
  rc = workflow_txn_act(t, &sys, p->ac.order_id, "dispatch", NULL, 0,
                        "all required materials received", e);
  if (rc == ZZ_EFULL || rc == ZZ_ESTORE || rc == ZZ_EBUSY || rc == ZZ_ENOMEM)
    return rc; /* the store's failure, as any write's */
  if (rc) {
    /* the catalog's routing or the order refuse it: the applicant can do
     * nothing about that, and the material is not kept without it */
    struct zz_err why = *e;
    zz_err_wrap(e, &why,
                "nothing was stored: this material completes the application, which cannot "
                "go to its departments (ask the district office): ",
                "未保存任何内容：这份材料使申请齐全，但申请无法转到各部门（请联系区办公室）：");
    e->code = ZZ_ECONFLICT;
    zz_strlcpy(e->field, "material", sizeof e->field);
    return ZZ_ECONFLICT;
  }
  x->out->dispatched = 1;
  return 0;
}

/* Writes the file, then records it (and the dispatch it completes) in
 * one transaction. A new upload gets a new name, so that one that fails
 * (a full disk, a failed commit, a refused dispatch) leaves the stored
 * material as it was, file and row; a file whose row fails is removed. */
static int put_store(struct applications *ap, struct put *p, const void *data, size_t n,
                     struct application_upload *out, struct zz_err *e) {
  const char *type = out->type;
  char dir[1024], path[1100], rel[256];
  unsigned char rnd[4];
  randombytes_buf(rnd, sizeof rnd);
  snprintf(rel, sizeof rel, "materials/%lld/%02x%02x%02x%02x-%s.%s", (long long)p->ac.order_id,
           rnd[0], rnd[1], rnd[2], rnd[3], p->mid, strcmp(type, "jpeg") == 0 ? "jpg" : type);
  snprintf(dir, sizeof dir, "%s/materials/%lld", ap->data_dir, (long long)p->ac.order_id);
  snprintf(path, sizeof path, "%s/%s", ap->data_dir, rel);
  int rc = zz_mkdir_p(dir);
  if (!rc) rc = zz_write_file(path, data, n, ap->sync_files);
  if (rc == ZZ_EFULL) /* a full disk answers 507, any other failure 503 */
    return zz_fail(e, ZZ_EFULL, "material", "the file could not be stored: the disk is full");
  if (rc) return zz_fail(e, ZZ_ESTORE, "material", "the file could not be stored");
  const char *mime = strcmp(type, "pdf") == 0   ? "application/pdf"
                     : strcmp(type, "png") == 0 ? "image/png"
                                                : "image/jpeg";
  struct store_material sm = {.order_id = p->ac.order_id,
                              .material = p->mid,
                              .mime = mime,
                              .path = rel,
                              .size = (int64_t)n,
                              .ts = zz_time_now()};
  struct put_txn x = {ap, p, &sm, out};
  if ((rc = workflow_txn(ap->wf, put_write, &x, e))) {
    unlink(path); /* not recorded: the file must not linger */
    out->complete = out->dispatched = 0;
    return rc;
  }
  /* The replaced file goes now, or, while a backup runs (its snapshot may
   * name it), once none does; a first upload lets go of what an earlier
   * backup left for later. */
  int replaced = p->cur.found && p->cur.path[0] && strcmp(p->cur.path, rel) != 0;
  store_files_release(ap->data_dir, replaced ? p->cur.path : NULL);
  return 0;
}

int application_material_put(struct applications *ap, const char *number, const char *material,
                             const void *data, size_t n, struct application_upload *out,
                             struct zz_err *e) {
  struct put p = {.mid = material};
  int rc;
  memset(out, 0, sizeof *out);
  if ((rc = put_find(ap, number, &p, e)) || (rc = put_type(&p, data, n, out, e))) goto done;
  rc = put_store(ap, &p, data, n, out, e);
done:
  json_decref(p.matter);
  return rc;
}

/* ---- a received material's file ---- */

struct file_find {
  const char *material;
  char path[256], mime[32];
  int found;
};

static int file_find_row(void *ud, const struct store_material *m) {
  struct file_find *f = ud;
  if (strcmp(m->material, f->material) != 0) return 0;
  zz_strlcpy(f->path, m->path, sizeof f->path);
  zz_strlcpy(f->mime, m->mime, sizeof f->mime);
  f->found = 1;
  return 1;
}

int application_material_file(struct applications *ap, int64_t order, const char *material,
                              application_authz_fn may_see, void *ud, struct application_file *out,
                              struct zz_err *e) {
  int rc;
  memset(out, 0, sizeof *out);
  if ((rc = app_staff_allowed(ap, order, may_see, ud, e))) return rc;
  struct file_find f = {.material = material};
  if (f.material) store_materials_each(ap->st, order, file_find_row, &f);
  if (!f.found)
    return zz_fail(e, ZZ_ENOTFOUND, "material", "no such material received for order %lld",
                   (long long)order);
  snprintf(out->path, sizeof out->path, "%s/%s", ap->data_dir, f.path);
  zz_strlcpy(out->mime, f.mime, sizeof out->mime);
  return 0;
}
