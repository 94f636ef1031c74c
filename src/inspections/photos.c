/* photos.c - an inspection's photos (inspections.h): checked by their first
 * bytes (JPEG, PNG, WebP) and size, written under a random name in
 * DATA/inspections/ID/ (synced as commits are), then recorded with their
 * SHA-256; a backup copies them (store_backup.c reads ins_photo). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/ztime.h"
#include "inspections/inspections_int.h"

/* The photo's type by its first bytes, and its file extension; NULL for others. */
static const char *photo_type(const unsigned char *p, size_t n, const char **ext) {
  const char *t = zz_sniff_type(p, n);
  if (t && strcmp(t, "jpeg") == 0) {
    *ext = "jpg";
    return "image/jpeg";
  }
  if (t && strcmp(t, "png") == 0) {
    *ext = "png";
    return "image/png";
  }
  if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) {
    *ext = "webp";
    return "image/webp";
  }
  return NULL;
}

struct insp {
  int found;
  char checklist[65];
  int64_t photos;
};

static int insp_cb(void *ud, const struct store_inspection *i) {
  struct insp *x = ud;
  x->found = 1;
  zz_strlcpy(x->checklist, i->checklist, sizeof x->checklist);
  return 0;
}

static int count_cb(void *ud, const struct store_ins_photo *p) {
  (void)p;
  ((struct insp *)ud)->photos++;
  return 0;
}

struct finding_chk {
  const char *item;
  int found;
};

static int finding_cb(void *ud, const struct store_rectify *r) {
  struct finding_chk *f = ud;
  if (strcmp(r->item, f->item) == 0) f->found = 1;
  return 0;
}

int inspection_photo_add(struct inspections *in, int64_t id, const char *item, const void *data,
                         size_t n, int64_t *out_id, struct zz_err *e) {
  struct insp x = {0};
  int rc = store_inspection_get(in->st, id, NULL, insp_cb, &x);
  if (rc == ZZ_ENOTFOUND || (!rc && !x.found))
    return zz_fail(e, ZZ_ENOTFOUND, "id", "no inspection %lld", (long long)id);
  if (rc) return zz_fail(e, rc, "id", "cannot read the inspection");
  if (n == 0) return zz_fail(e, ZZ_EINVAL, "body", "the photo is empty");
  if (n > INS_PHOTO_MAX)
    return zz_fail(e, ZZ_ETOOBIG, "body", "a photo may be at most %u MiB", INS_PHOTO_MAX >> 20);
  const char *ext = NULL, *mime = photo_type(data, n, &ext);
  if (!mime)
    return zz_fail(e, ZZ_EMEDIATYPE, "body",
                   "the body is not a JPEG, PNG or WebP image (checked by its first bytes)");
  if (item && !*item) item = NULL;
  if (item) {
    int known = 0;
    if (strncmp(item, "finding-", 8) == 0) {
      struct finding_chk f = {item, 0};
      struct store_ins_filter flt = {.inspection = id};
      store_rectifies_each(in->st, &flt, finding_cb, &f);
      known = f.found;
    } else {
      json_t *cl = NULL;
      if (inspections_checklist(in->st, x.checklist, &cl, NULL) == 0)
        known = ins_find(json_object_get(cl, "items"), item) != NULL;
      json_decref(cl);
    }
    if (!known)
      return zz_fail(e, ZZ_EINVAL, "item", "item \"%s\" is not on checklist \"%s\"", item,
                     x.checklist);
  }
  if ((rc = store_ins_photos_each(in->st, id, 0, count_cb, &x)))
    return zz_fail(e, rc, "id", "cannot read the inspection");
  if (x.photos >= INS_PHOTOS_MAX)
    return zz_fail(e, ZZ_ECONFLICT, "id", "inspection %lld already has %d photos, the most it may have",
                   (long long)id, INS_PHOTOS_MAX);
  unsigned char rnd[8], hash[crypto_hash_sha256_BYTES];
  randombytes_buf(rnd, sizeof rnd);
  char rel[128], path[4400], hex[2 * crypto_hash_sha256_BYTES + 1];
  snprintf(rel, sizeof rel, "inspections/%lld/%lld-%02x%02x%02x%02x%02x%02x%02x%02x.%s",
           (long long)id, (long long)zz_time_now(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
           rnd[5], rnd[6], rnd[7], ext);
  snprintf(path, sizeof path, "%s/%s", in->data_dir, rel);
  /* a random name is never reused: written in place; synced as the store
   * syncs its commits, since the row commits after it */
  rc = zz_write_new_file(path, data, n, in->sync_files);
  int full = 0;
  if (rc == ZZ_EIO && errno == ENOENT) { /* the first photo of this inspection */
    if (zz_mkdir_parents(path) == ZZ_EFULL) full = 1;
    rc = zz_write_new_file(path, data, n, in->sync_files);
  }
  if (rc == ZZ_EFULL || (rc && full))
    return zz_fail(e, ZZ_EFULL, "body", "cannot store the photo: the disk is full");
  if (rc) return zz_fail(e, ZZ_ESTORE, "body", "cannot store the photo");
  crypto_hash_sha256(hash, data, n);
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  struct store_ins_photo p = {.inspection = id,
                              .item = item,
                              .path = rel,
                              .mime = mime,
                              .size = (int64_t)n,
                              .sha256 = hex};
  if ((rc = store_ins_photo_insert(in->st, &p, out_id, e))) unlink(path); /* no row, no file */
  return rc;
}

struct pfile {
  int found;
  char rel[256], mime[32];
};

static int pfile_cb(void *ud, const struct store_ins_photo *p) {
  struct pfile *f = ud;
  f->found = 1;
  zz_strlcpy(f->rel, p->path, sizeof f->rel);
  zz_strlcpy(f->mime, p->mime, sizeof f->mime);
  return 1;
}

int inspection_photo_file(struct inspections *in, int64_t id, int64_t pid, char *path, size_t cap,
                          char *mime, size_t mcap) {
  struct pfile f = {0};
  int rc = store_ins_photos_each(in->st, id, pid, pfile_cb, &f);
  if (rc) return rc;
  if (!f.found || strstr(f.rel, "..")) return ZZ_ENOTFOUND;
  if ((size_t)snprintf(path, cap, "%s/%s", in->data_dir, f.rel) >= cap) return ZZ_ENOTFOUND;
  zz_strlcpy(mime, f.mime, mcap);
  return 0;
}
