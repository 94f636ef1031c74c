/* materials.c - an application's materials: checked by content against
 * the matter's declaration, written as a file under DATA/materials/ORDER/
 * before the row that names it, the replaced file released after the
 * commit; the application dispatched once every required one is in; and
 * a received material's file found for staff. */
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

/* The application, its matter, the material's declaration; an application
 * still waiting for its materials; a material not replaced too often. */
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
  p->cur.material = p->mid;
  store_materials_each(ap->st, p->ac.order_id, current_row, &p->cur);
  if (p->cur.found && p->cur.replaced >= APPLICATION_REPLACE_MAX)
    return zz_fail(e, ZZ_ECONFLICT, "material",
                   "%s was already replaced %d times: it cannot be replaced again; ask the "
                   "district office if this file is wrong",
                   p->mid, APPLICATION_REPLACE_MAX);
  return 0;
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
  if (!allowed)
    return zz_fail(
        e, ZZ_EMEDIATYPE, "body",
        "%s must be one of the declared file types (by its content), and this file is %s", p->mid,
        type ? type : "none of PDF, JPEG, PNG");
  zz_strlcpy(out->type, type, sizeof out->type);
  out->size = n;
  return 0;
}

/* Writes the file and records it. A new upload gets a new name, so that
 * one that fails (a full disk, a failed commit) leaves the stored material
 * as it was, file and row; a file whose row fails is removed. */
static int put_store(struct applications *ap, struct put *p, const void *data, size_t n,
                     const char *type, struct zz_err *e) {
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
  if ((rc = store_material_put(ap->st, &sm, e))) {
    unlink(path); /* not recorded: the file must not linger */
    return rc;
  }
  /* The replaced file goes now, or, while a backup runs (its snapshot may
   * name it), once none does. */
  if (p->cur.found && p->cur.path[0] && strcmp(p->cur.path, rel) != 0)
    store_files_release(ap->data_dir, p->cur.path);
  return 0;
}

static int have_row(void *ud, const struct store_material *m) {
  json_object_set_new(ud, m->material, json_true());
  return 0;
}

/* Every required material in: the application goes to its departments,
 * one sub-order each, in parallel. */
static void put_dispatch(struct applications *ap, struct put *p, struct application_upload *out) {
  json_t *have = json_object();
  store_materials_each(ap->st, p->ac.order_id, have_row, have);
  size_t i;
  json_t *t;
  out->complete = 1;
  json_array_foreach(json_object_get(p->matter, "materials"), i, t) {
    const char *id = app_str(t, "id");
    if (json_is_true(json_object_get(t, "required")) && !json_object_get(have, id ? id : ""))
      out->complete = 0;
  }
  json_decref(have);
  if (!out->complete) return;
  struct zz_err e = {0};
  const struct wf_actor sys = {.name = "system", .department = "", .kind = ACTOR_SYSTEM};
  if (workflow_act(ap->wf, &sys, p->ac.order_id, "dispatch", NULL, 0,
                   "all required materials received", &e) == 0)
    out->dispatched = 1;
  else
    zz_warn("applications: dispatch of order %lld failed: %s", (long long)p->ac.order_id, e.msg);
}

int application_material_put(struct applications *ap, const char *number, const char *material,
                             const void *data, size_t n, struct application_upload *out,
                             struct zz_err *e) {
  struct put p = {.mid = material};
  int rc;
  memset(out, 0, sizeof *out);
  if ((rc = put_find(ap, number, &p, e)) || (rc = put_type(&p, data, n, out, e)) ||
      (rc = put_store(ap, &p, data, n, out->type, e)))
    goto done;
  put_dispatch(ap, &p, out);
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
