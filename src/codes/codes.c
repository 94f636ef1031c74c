/* codes.c - tokens, receipts, generation, QR rendering and form checks
 * (codes.h). */
#include "codes/codes.h"

#include <jansson.h>
#include <png.h>
#include <qrencode.h>
#include <sodium.h>
#include <string.h>

#include "store/store.h"
#include "store/store_codes.h"
#include "store/store_registry.h"

static void sodium_ready(void) {
  ZZ_ASSERT(sodium_init() >= 0); /* no randomness without it */
}

void code_token_new(char *out) {
  unsigned char raw[16];
  sodium_ready();
  randombytes_buf(raw, sizeof raw);
  sodium_bin2base64(out, CODE_TOKEN_LEN + 1, raw, sizeof raw,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* No 0/O or 1/I: a receipt is read aloud and typed on phones. 8 digits
 * and 24 capitals, 32 symbols: 5 bits each. */
static const char receipt_alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

void code_receipt_new(char *out) {
  sodium_ready();
  for (int i = 0; i < CODE_RECEIPT_LEN; i++)
    out[i] = receipt_alphabet[randombytes_uniform(sizeof receipt_alphabet - 1)];
  out[CODE_RECEIPT_LEN] = 0;
}

int code_token_valid(const char *s) {
  size_t n = 0;
  for (; s && s[n]; n++)
    if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
          (s[n] >= '0' && s[n] <= '9') || s[n] == '-' || s[n] == '_'))
      return 0;
  return n == CODE_TOKEN_LEN;
}

int code_receipt_valid(const char *s) {
  size_t n = 0;
  for (; s && s[n]; n++)
    if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9'))) return 0;
  return n == CODE_RECEIPT_LEN;
}

/* ---- look-up ---- */

static int info_cb(void *ud, const struct store_code *c) {
  struct code_info *k = ud;
  k->id = c->id;
  k->region = c->region;
  k->created = c->created;
  k->revoked_at = c->revoked_at;
  k->replaced_by = c->replaced_by;
  zz_strlcpy(k->token, c->token, sizeof k->token);
  zz_strlcpy(k->kind, c->kind, sizeof k->kind);
  zz_strlcpy(k->entity, c->entity, sizeof k->entity);
  zz_strlcpy(k->entity_type, c->entity_type, sizeof k->entity_type);
  zz_strlcpy(k->state, c->state, sizeof k->state);
  return 0;
}

int code_get(struct store *st, const char *token, int64_t id, struct code_info *out) {
  memset(out, 0, sizeof *out);
  if (token && !code_token_valid(token)) return ZZ_ENOTFOUND;
  store_code_get(st, token, token ? 0 : id, info_cb, out);
  return out->id ? 0 : ZZ_ENOTFOUND;
}

/* ---- generation ---- */

struct ent_list {
  struct registry *reg;
  int64_t last_id; /* the batch's last entity: the next batch's cursor */
  char (*keys)[128];
  int64_t *region, *rpos;
  size_t n, cap;
  int oom;
};

static int ent_cb(void *ud, const struct store_entity *en) {
  struct ent_list *l = ud;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    void *k = zz_realloc(l->keys, cap * sizeof *l->keys);
    if (k) l->keys = k;
    void *r = zz_realloc(l->region, cap * sizeof *l->region);
    if (r) l->region = r;
    void *p = zz_realloc(l->rpos, cap * sizeof *l->rpos);
    if (p) l->rpos = p;
    if (!k || !r || !p) {
      l->oom = 1;
      return 1;
    }
    l->cap = cap;
  }
  zz_strlcpy(l->keys[l->n], en->key, sizeof l->keys[l->n]);
  l->last_id = en->id;
  l->region[l->n] = en->region;
  l->rpos[l->n] = 0;
  l->n++;
  return 0;
}

int code_generate(struct store *st, struct registry *reg, const struct code_gen_req *req,
                  struct code_gen_summary *out, struct zz_err *e) {
  const char *kind = req->kind, *entity_type = req->entity_type, *region_path = req->region_path;
  memset(out, 0, sizeof *out);
  if (!kind || (strcmp(kind, "customer") != 0 && strcmp(kind, "enterprise") != 0))
    return zz_fail(e, ZZ_EINVAL, "kind", "kind must be customer or enterprise");
  if (!entity_type || !*entity_type || strlen(entity_type) > 64)
    return zz_fail(e, ZZ_EINVAL, "entity_type", "entity_type is required (e.g. venue)");
  if (req->batch < 0 || req->batch > CODE_GEN_BATCH_MAX)
    return zz_fail(e, ZZ_EINVAL, "batch", "batch must be between 1 and %d entities",
                   CODE_GEN_BATCH_MAX);
  if (req->after < 0) return zz_fail(e, ZZ_EINVAL, "after", "after must be a previous next");
  int64_t lo = 0, hi = 0;
  registry_rdlock(reg);
  const struct reg_region *rg =
      region_path && *region_path ? registry_region(reg, region_path) : NULL;
  if (rg) {
    lo = rg->lo;
    hi = rg->hi;
  }
  int known_type = registry_type_index(reg, entity_type) >= 0;
  registry_unlock(reg);
  if (!region_path || !*region_path)
    return zz_fail(e, ZZ_EINVAL, "region", "region is required (a region path)");
  if (!rg) return zz_fail(e, ZZ_EINVAL, "region", "region \"%s\" does not exist", region_path);
  if (!known_type)
    return zz_fail(e, ZZ_EINVAL, "entity_type", "entity type \"%s\" does not exist", entity_type);
  struct ent_list l = {.reg = reg};
  struct store_entity_filter f = {.type = entity_type,
                                  .rpos_lo = lo,
                                  .rpos_hi = hi,
                                  .after_id = req->after,
                                  .limit = req->batch ? req->batch : CODE_GEN_BATCH};
  int rc = store_entities_each(st, &f, ent_cb, &l);
  if (!rc && l.oom) rc = zz_fail(e, ZZ_ENOMEM, "entities", "out of memory");
  if (rc) {
    if (!e->msg[0]) zz_fail(e, rc, "entities", "cannot list the entities");
    goto done;
  }
  registry_rdlock(reg);
  for (size_t i = 0; i < l.n; i++) {
    const struct reg_region *er = registry_region_by_id(reg, l.region[i]);
    l.rpos[i] = er ? er->lo : lo;
  }
  registry_unlock(reg);
  /* One transaction a batch: thousands of enterprises commit once, and a
   * failure leaves nothing of the batch behind (a rerun resumes: entities
   * that have a code keep it). */
  if ((rc = store_txn(st, STORE_TXN_BEGIN, e))) goto done;
  int64_t now = zz_time_now();
  for (size_t i = 0; i < l.n; i++) {
    char tok[CODE_TOKEN_LEN + 1];
    code_token_new(tok);
    struct store_code c = {.token = tok,
                           .kind = kind,
                           .entity = l.keys[i],
                           .entity_type = entity_type,
                           .region = l.region[i],
                           .rpos = l.rpos[i],
                           .created = now};
    int64_t id;
    int created = 0;
    if ((rc = store_code_insert(st, &c, &id, &created, e))) break;
    out->entities++;
    if (created)
      out->created++;
    else
      out->kept++;
  }
  if (rc) {
    store_txn(st, STORE_TXN_ROLLBACK, NULL);
    memset(out, 0, sizeof *out);
    goto done;
  }
  if ((rc = store_txn(st, STORE_TXN_COMMIT, e))) goto done;
  /* Progress for the caller: all entities of the kind, and those after this
   * batch (none left: no next batch). */
  int64_t left = 0;
  f.after_id = 0;
  if (!(rc = store_entities_count(st, &f, &out->total))) {
    f.after_id = l.n ? l.last_id : req->after;
    rc = store_entities_count(st, &f, &left);
  }
  if (rc) {
    zz_fail(e, rc, "entities", "the codes are made; counting what is left failed, retry");
    goto done;
  }
  out->done = out->total - left;
  out->next = left && l.n ? l.last_id : 0;
done:
  zz_free(l.keys);
  zz_free(l.region);
  zz_free(l.rpos);
  return rc;
}

/* ---- QR ---- */

static QRcode *encode(const char *text) {
  if (!text || strlen(text) > 1000) return NULL;
  return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

#define QUIET 4

int code_qr_svg(const char *text, struct zz_buf *out) {
  QRcode *q = encode(text);
  if (!q) return ZZ_EINVAL;
  int w = q->width, size = w + 2 * QUIET;
  zz_buf_printf(out,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
                "<path fill=\"#000\" d=\"",
                size, size, size, size);
  /* One path of unit squares, runs of dark modules joined per row. */
  for (int y = 0; y < w; y++) {
    for (int x = 0; x < w;) {
      if (!(q->data[y * w + x] & 1)) {
        x++;
        continue;
      }
      int run = 1;
      while (x + run < w && (q->data[y * w + x + run] & 1)) run++;
      zz_buf_printf(out, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
      x += run;
    }
  }
  int rc = zz_buf_adds(out, "\"/></svg>\n");
  QRcode_free(q);
  return rc ? ZZ_ENOMEM : 0;
}

static void png_write_cb(png_structp p, png_bytep data, png_size_t n) {
  struct zz_buf *b = png_get_io_ptr(p);
  if (zz_buf_add(b, data, n)) png_error(p, "out of memory");
}

static void png_flush_cb(png_structp p) {
  (void)p;
}

#define PX 8

int code_qr_png(const char *text, struct zz_buf *out) {
  QRcode *q = encode(text);
  if (!q) return ZZ_EINVAL;
  int w = q->width, side = (w + 2 * QUIET) * PX;
  png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = p ? png_create_info_struct(p) : NULL;
  unsigned char *row = zz_malloc((size_t)side);
  int rc = ZZ_ENOMEM;
  if (!p || !info || !row) goto done;
  if (setjmp(png_jmpbuf(p))) {
    rc = ZZ_ENOMEM;
    goto done;
  }
  png_set_write_fn(p, out, png_write_cb, png_flush_cb);
  png_set_IHDR(p, info, (png_uint_32)side, (png_uint_32)side, 8, PNG_COLOR_TYPE_GRAY,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(p, info);
  for (int y = 0; y < side; y++) {
    int my = y / PX - QUIET;
    for (int x = 0; x < side; x++) {
      int mx = x / PX - QUIET;
      int dark = my >= 0 && my < w && mx >= 0 && mx < w && (q->data[my * w + mx] & 1);
      row[x] = dark ? 0 : 255;
    }
    png_write_row(p, row);
  }
  png_write_end(p, info);
  rc = 0;
done:
  if (p) png_destroy_write_struct(&p, info ? &info : NULL);
  zz_free(row);
  QRcode_free(q);
  return rc;
}

/* ---- form checks ---- */

int code_phone_digits(const char *s, char *digits_out) {
  size_t n = 0;
  for (size_t i = 0; s && s[i]; i++) {
    if (s[i] >= '0' && s[i] <= '9') {
      if (n >= 20) return 0;
      digits_out[n++] = s[i];
    } else if (!(s[i] == '+' && i == 0) && s[i] != ' ' && s[i] != '-') {
      return 0;
    }
  }
  digits_out[n] = 0;
  return n >= 5;
}

static int date_ok(const char *s) {
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9')) return 0;
  int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static const json_t *field_by_id(const json_t *form, const char *id) {
  for (size_t i = 0; i < json_array_size(form); i++) {
    const json_t *f = json_array_get(form, i);
    const char *fid = json_string_value(json_object_get(f, "id"));
    if (fid && strcmp(fid, id) == 0) return f;
  }
  return NULL;
}

int code_form_check(const json_t *form, const json_t *values, struct zz_err *e) {
  if (values && !json_is_object(values))
    return zz_fail(e, ZZ_EINVAL, "fields", "fields must be an object of field id to text");
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)values, k, v) {
    char fld[96];
    snprintf(fld, sizeof fld, "fields.%.64s", k);
    const json_t *f = field_by_id(form, k);
    if (!f) return zz_fail(e, ZZ_EINVAL, fld, "this matter's form has no field \"%.64s\"", k);
    const char *type = json_string_value(json_object_get(f, "type"));
    if (type && strcmp(type, "photo") == 0)
      return zz_fail(e, ZZ_EINVAL, fld, "send the photo as the \"photo\" part, not as text");
    if (!json_is_string(v)) return zz_fail(e, ZZ_EINVAL, fld, "%s must be a string", fld);
  }
  for (size_t i = 0; i < json_array_size(form); i++) {
    const json_t *f = json_array_get(form, i);
    const char *id = json_string_value(json_object_get(f, "id"));
    const char *type = json_string_value(json_object_get(f, "type"));
    if (!id || !type || strcmp(type, "photo") == 0) continue;
    char fld[96];
    snprintf(fld, sizeof fld, "fields.%.64s", id);
    const char *s = json_string_value(json_object_get(values, id));
    size_t len = s ? strlen(s) : 0;
    if (!len) {
      /* location is prefilled from the code's entity, so it is never missing */
      if (json_is_true(json_object_get(f, "required")) && strcmp(type, "location") != 0)
        return zz_fail(e, ZZ_EINVAL, fld, "%s is required", fld);
      continue;
    }
    json_int_t max = json_integer_value(json_object_get(f, "max"));
    if (max <= 0 || max > CODE_TEXT_MAX) max = CODE_TEXT_MAX;
    if ((json_int_t)len > max * 4) /* max counts characters; UTF-8 takes up to 4 bytes each */
      return zz_fail(e, ZZ_EINVAL, fld, "%s is too long (at most %lld characters)", fld,
                     (long long)max);
    size_t chars = 0;
    for (size_t j = 0; j < len; j++) chars += ((unsigned char)s[j] & 0xC0) != 0x80;
    if ((json_int_t)chars > max)
      return zz_fail(e, ZZ_EINVAL, fld, "%s is too long (at most %lld characters)", fld,
                     (long long)max);
    if (strcmp(type, "choice") == 0) {
      const json_t *opts = json_object_get(f, "options");
      int ok = 0;
      for (size_t j = 0; j < json_array_size(opts) && !ok; j++) {
        const char *oid = json_string_value(json_object_get(json_array_get(opts, j), "id"));
        ok = oid && strcmp(oid, s) == 0;
      }
      if (!ok) return zz_fail(e, ZZ_EINVAL, fld, "%s must be one of the field's options", fld);
    } else if (strcmp(type, "date") == 0) {
      if (!date_ok(s)) return zz_fail(e, ZZ_EINVAL, fld, "%s must be a date YYYY-MM-DD", fld);
    } else if (strcmp(type, "phone") == 0) {
      char d[24];
      if (!code_phone_digits(s, d))
        return zz_fail(e, ZZ_EINVAL, fld, "%s must be a phone number (5 to 20 digits)", fld);
    }
  }
  return 0;
}
