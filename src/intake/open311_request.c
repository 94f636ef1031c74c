/* open311_request.c - an Open311 service request made into a work order
 * (open311_request.h): the matter it names, its location, its attributes
 * against the matter's form and its contact, then the order and its intake
 * row committed together by the workflow (intake_row_write runs on the
 * intake thread, in the order's transaction). */
#include "intake/open311_request.h"

#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/msg.h"
#include "intake/intake.h"
#include "intake/intake_int.h"
#include "model/geo.h"
#include "model/registry.h"
#include "store/store_catalog.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

/* The description, address and attributes together: at most this many bytes. */
#define O311_DESC_MAX 8192u

/* ---- the service: a matter with the open311 channel ---- */

struct service {
  const char *code;
  json_t *extra; /* owned; NULL: not found */
  int is_public;
};

static int service_row(void *ud, const struct store_matter *m) {
  struct service *s = ud;
  if (strcmp(m->key, s->code) != 0) return 0;
  json_t *extra = json_loads(m->extra_json ? m->extra_json : "{}", 0, NULL);
  if (!extra || !intake_matter_has_channel(extra, "open311")) {
    json_decref(extra);
    return 0;
  }
  s->extra = extra;
  s->is_public = json_is_true(json_object_get(extra, "public"));
  return 1;
}

static int find_service(struct store *st, const struct intake_open311_in *in, struct service *s,
                        struct zz_err *e) {
  s->code = in->value(in->form, "service_code");
  if (!s->code || !*s->code)
    return zz_fail(e, ZZ_EINVAL, "service_code", "service_code is required");
  int rc = store_matters_each(st, service_row, s);
  if (rc < 0) return zz_fail(e, rc, "", "the service list cannot be read now");
  if (!s->extra)
    return zz_fail(e, ZZ_ENOTFOUND, "service_code", "service_code %s was not found", s->code);
  return 0;
}

/* ---- location, attributes, contact ---- */

/* lat and long (both, decimal degrees; NAN for none), or an address. */
static int location(const struct intake_open311_in *in, double *lat, double *lon,
                    struct zz_err *e) {
  const char *slat = in->value(in->form, "lat"), *slon = in->value(in->form, "long");
  const char *addr = in->value(in->form, "address_string");
  const char *addr_id = in->value(in->form, "address_id");
  *lat = *lon = NAN;
  if ((slat && *slat) || (slon && *slon)) {
    char *end1 = NULL, *end2 = NULL;
    *lat = slat ? strtod(slat, &end1) : NAN;
    *lon = slon ? strtod(slon, &end2) : NAN;
    if (!slat || !slon || !end1 || *end1 || !end2 || *end2 || !(*lat >= -90 && *lat <= 90) ||
        !(*lon >= -180 && *lon <= 180))
      return zz_fail(e, ZZ_EINVAL, "lat", "lat and long must both be decimal degrees");
  } else if (!(addr && *addr) && !(addr_id && *addr_id)) {
    return zz_fail(e, ZZ_EINVAL, "lat",
                   "a location is required: lat and long, address_string or address_id");
  }
  return 0;
}

const char *intake_open311_standard_field(const char *type) {
  static const char *const map[][2] = {{"textarea", "description"},
                                       {"location", "lat and long, or address_string"},
                                       {"phone", "phone"},
                                       {"photo", "media_url or a media file"}};
  for (size_t i = 0; type && i < ZZ_ARRAY_LEN(map); i++)
    if (strcmp(type, map[i][0]) == 0) return map[i][1];
  return NULL;
}

/* The standard field of the request that stands for an attribute of the
 * matter's form, so that a client that sends only the standard fields (as
 * FixMyStreet does by default) fills it: the details (a textarea) are the
 * description, a location lat/long or the address, a phone the contact's
 * phone, a photo media_url or the media file. Returns the value to keep
 * in attrs (NULL when the field is not standing in, "" when it stands in
 * with nothing to keep: the description already holds the text). */
static const char *standard_value(const struct intake_open311_in *in, const char *type) {
  const char *v;
  if (!type) return NULL;
  if (strcmp(type, "textarea") == 0) {
    v = in->value(in->form, "description");
    return v && *v ? "" : NULL;
  }
  if (strcmp(type, "location") == 0) {
    v = in->value(in->form, "address_string");
    if (v && *v) return v;
    v = in->value(in->form, "lat");
    return v && *v ? "" : NULL; /* the position is the order's own */
  }
  if (strcmp(type, "phone") == 0) {
    v = in->value(in->form, "phone");
    return v && *v ? v : NULL;
  }
  if (strcmp(type, "photo") == 0) {
    if (in->media) return "";
    v = in->value(in->form, "media_url");
    return v && *v ? v : NULL;
  }
  return NULL;
}

/* The matter's form: required attributes (or the standard field standing
 * for one), single-value lists from the options; the answers go to attrs
 * and, but for phones, to desc as "label: value" lines. */
static int attributes(const struct intake_open311_in *in, const struct service *s, json_t *attrs,
                      struct zz_buf *desc, struct zz_err *e) {
  size_t i;
  json_t *fd;
  json_array_foreach(json_object_get(s->extra, "form"), i, fd) {
    const char *id = json_string_value(json_object_get(fd, "id"));
    char k[96];
    snprintf(k, sizeof k, "attribute[%s]", id ? id : "");
    const char *val = in->value(in->form, k);
    const char *ft = json_string_value(json_object_get(fd, "type"));
    if (!val || !*val) {
      const char *std = standard_value(in, ft);
      if (std) {
        if (*std) json_object_set_new(attrs, id, json_string(std));
        continue;
      }
      if (json_is_true(json_object_get(fd, "required")))
        return zz_fail(e, ZZ_EINVAL, k, "attribute[%s] is required for service %s", id, s->code);
      continue;
    }
    json_t *opts = json_object_get(fd, "options");
    if (json_array_size(opts)) {
      int ok = 0;
      size_t q;
      json_t *op;
      json_array_foreach(opts, q, op) ok |=
          json_is_string(json_object_get(op, "id")) &&
          strcmp(json_string_value(json_object_get(op, "id")), val) == 0;
      if (!ok)
        return zz_fail(e, ZZ_EINVAL, k,
                       "attribute[%s] must be one of the service definition's values", id);
    }
    json_object_set_new(attrs, id, json_string(val));
    /* the description is public (GET requests): phone numbers stay in the
     * intake record, which only staff see */
    if (ft && strcmp(ft, "phone") == 0) continue;
    zz_buf_printf(desc, "\n%s: %s", json_string_value(json_object_get(fd, "label_zh")), val);
  }
  return 0;
}

static void contact_of(const struct intake_open311_in *in, json_t *contact) {
  const char *cf[] = {"email", "first_name", "last_name", "phone", "device_id", "account_id"};
  for (size_t k = 0; k < ZZ_ARRAY_LEN(cf); k++) {
    const char *val = in->value(in->form, cf[k]);
    if (val && *val) json_object_set_new(contact, cf[k], json_string(val));
  }
}

/* The order's description: the client's text, the address, the attributes. */
static int description(const struct intake_open311_in *in, const struct zz_buf *attrs_desc,
                       struct zz_buf *full, struct zz_err *e) {
  const char *text = in->value(in->form, "description");
  const char *addr = in->value(in->form, "address_string");
  zz_buf_adds(full, text ? text : "");
  if (addr && *addr) zz_buf_printf(full, "%s地址: %s", full->len ? "\n" : "", addr);
  zz_buf_addbuf(full, attrs_desc);
  zz_buf_addc(full, '\0');
  int rc = zz_buf_error(full);
  if (rc) {
    struct zz_err en, zh; /* with the code's sentence in English, and in Chinese */
    zz_fail(&en, rc, "description",
            "the description, address and fields together: %s (at most %u bytes)", zz_strerror(rc),
            O311_DESC_MAX);
    zz_fail(&zh, rc, "description",
            "the description, address and fields together: %s (at most %u bytes)",
            zz_strerror_zh(rc), O311_DESC_MAX);
    return zz_fail_pair(e, rc, "description", en.msg, zh.msg_zh);
  }
  return 0;
}

/* ---- the region ---- */

/* The deepest region (the most path segments) whose geometry holds a point. */
struct placed {
  double lon, lat;
  char *path;
  size_t cap;
  int depth;
};

static int place_row(void *ud, const struct store_region *rg) {
  struct placed *p = ud;
  if (!rg->geometry || geo_contains(rg->geometry, p->lon, p->lat) != 1) return 0;
  int depth = 1;
  for (const char *c = rg->path; *c; c++) depth += *c == '/';
  if (depth > p->depth) {
    p->depth = depth;
    zz_strlcpy(p->path, rg->path, p->cap);
  }
  return 0;
}

/* The report belongs to the deepest region whose outline holds its
 * position (so routing by region works); without a position, or outside
 * every outline, the root region (the district) holds it until the
 * dispatcher routes it. */
static void place(struct store *st, struct registry *reg, double lon, double lat, char *region,
                  size_t cap) {
  region[0] = '\0';
  registry_rdlock(reg);
  const struct reg_region *root = registry_region_count(reg) ? registry_region_at(reg, 0) : NULL;
  if (root) zz_strlcpy(region, root->path, cap);
  registry_unlock(reg);
  if (!isnan(lon) && !isnan(lat)) {
    struct placed pl = {lon, lat, region, cap, 0};
    store_regions_each(st, 1, place_row, &pl);
  }
}

/* ---- the order ---- */

/* The request's intake row, written with its order (on the intake thread,
 * inside the workflow's transaction). */
static int intake_row_write(void *ud, struct store *st, int64_t order, struct zz_err *e) {
  struct store_order_intake *rec = ud;
  rec->order_id = order;
  rec->created = zz_time_now();
  return store_order_intake_insert(st, rec, e);
}

/* Everything the order and its intake row are made from. */
struct request {
  struct service svc;
  double lat, lon;
  json_t *attrs, *contact;
  char *attrs_text, *contact_text;
  struct zz_buf desc, full;
  char region[256], reporter[64];
};

/* Makes the checked request an order with its intake row, committed
 * together with the other public reports of the moment. */
static int commit(struct store *st, struct registry *reg, struct workflow *wf,
                  const struct intake_open311_in *in, struct request *q,
                  struct intake_open311_out *out, struct zz_err *e) {
  const char *addr = in->value(in->form, "address_string");
  const char *media = in->value(in->form, "media_url");
  place(st, reg, q->lon, q->lat, q->region, sizeof q->region);
  snprintf(q->reporter, sizeof q->reporter, "open311:source-%lld", (long long)in->source);
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(out->token, sizeof out->token, raw, sizeof raw);
  q->attrs_text = json_dumps(q->attrs, JSON_COMPACT);
  q->contact_text = json_dumps(q->contact, JSON_COMPACT);
  struct store_order_intake rec = {.source = in->source,
                                   .token = out->token,
                                   .address = addr && *addr ? addr : NULL,
                                   .attributes_json = q->attrs_text,
                                   .contact_json = q->contact_text,
                                   .media_url = media && *media ? media : NULL,
                                   /* listed by GET only if the matter is public now */
                                   .public_consent = q->svc.is_public};
  /* a photo sent as a file goes the evidence path of every public report:
   * its file written and synced here, recorded with the order */
  struct wf_evidence_file photo;
  if (in->media) {
    int prc = workflow_evidence_store(wf, 0, in->media, in->media_n, &photo, e);
    if (prc) return prc;
  }
  struct wf_intake wi = {.who = {.name = q->reporter, .department = "", .kind = ACTOR_PUBLIC},
                         .create = {.matter = q->svc.code,
                                    .description = q->full.data,
                                    .region = q->region,
                                    .reporter = q->reporter,
                                    .channel = "open311",
                                    .lon = q->lon,
                                    .lat = q->lat},
                         .photo = in->media ? &photo : NULL,
                         .then = intake_row_write,
                         .ud = &rec};
  int rc = workflow_intake(wf, &wi);
  if (rc) {
    /* the workflow's sentence, in both languages, after the prefix */
    zz_err_wrap(e, &wi.err, "the request was not accepted: ", "请求未被受理：");
    if (e) e->code = rc;
    return rc;
  }
  out->order = wi.order;
  return 0;
}

int intake_open311_request(struct store *st, struct registry *reg, struct workflow *wf,
                           const struct intake_open311_in *in, struct intake_open311_out *out,
                           struct zz_err *e) {
  struct request q = {.attrs = json_object(), .contact = json_object()};
  zz_buf_init(&q.desc, O311_DESC_MAX);
  zz_buf_init(&q.full, O311_DESC_MAX);
  int rc;
  memset(out, 0, sizeof *out);
  if (!q.attrs || !q.contact) {
    rc = zz_fail(e, ZZ_ENOMEM, "", "out of memory");
    goto done;
  }
  if ((rc = find_service(st, in, &q.svc, e))) goto done;
  if ((rc = location(in, &q.lat, &q.lon, e))) goto done;
  if ((rc = attributes(in, &q.svc, q.attrs, &q.desc, e))) goto done;
  contact_of(in, q.contact);
  const char *media = in->value(in->form, "media_url");
  if (media && *media && strncmp(media, "http://", 7) && strncmp(media, "https://", 8)) {
    rc = zz_fail(e, ZZ_EINVAL, "media_url", "media_url must be an http or https URL");
    goto done;
  }
  if ((rc = description(in, &q.desc, &q.full, e))) goto done;
  rc = commit(st, reg, wf, in, &q, out, e);
done:
  zz_free(q.attrs_text);
  zz_free(q.contact_text);
  json_decref(q.attrs);
  json_decref(q.contact);
  json_decref(q.svc.extra);
  zz_buf_free(&q.desc);
  zz_buf_free(&q.full);
  return rc;
}
