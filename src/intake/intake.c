/* intake.c - a report sent through a customer or enterprise code (intake.h):
 * checked against the code's matter and its form, its photo decoded and
 * written, then queued for the workflow's group commit, where the receipt
 * is written in the order's transaction (receipt_write, on the intake
 * thread). The HTTP side is src/api/codes_public.c. */
#include "intake/intake.h"

#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <string.h>

#include "core/fs.h"
#include "intake/intake_int.h"
#include "store/store_codes.h"
#include "store/store_registry.h"
#include "workflow/matter_def.h"
#include "workflow/workflow.h"

struct intake_job {
  struct wf_intake in;
  struct store_receipt rec;
  struct wf_evidence_file ef;
  struct zz_buf desc;
  char *matter, *phone; /* copies: the caller's strings go when submit returns */
  char entity[128], reporter[64];
  char receipt[CODE_RECEIPT_LEN + 1], matter_name[128];
  void (*on_done)(void *ud);
  void *ud;
};

int intake_matter_has_channel(const json_t *matter, const char *channel) {
  const json_t *ch = json_object_get(matter, "channels");
  for (size_t i = 0; i < json_array_size(ch); i++) {
    const char *s = json_string_value(json_array_get(ch, i));
    if (s && strcmp(s, channel) == 0) return 1;
  }
  return 0;
}

const char *intake_channel_of(const char *code_kind) {
  return strcmp(code_kind, "enterprise") == 0 ? "enterprise_code" : "customer_code";
}

/* ---- the matter ---- */

struct matter_find {
  const char *key, *channel;
  char region[256]; /* the code's region path: the matter must be offered there */
  int found, is_public;
  json_t *form; /* a reference held */
  char name[128], kind[24];
};

static int matter_row(void *ud, const struct wf_matter_view *m) {
  struct matter_find *c = ud;
  if (strcmp(c->key, m->key) != 0 || !intake_matter_has_channel(m->extra, c->channel) ||
      !matter_offered_in(m->extra, c->region))
    return 0;
  c->found = 1;
  json_t *form = json_object_get(m->extra, "form");
  c->form = form ? json_incref(form) : json_array();
  zz_strlcpy(c->name, m->name_zh ? m->name_zh : m->key, sizeof c->name);
  zz_strlcpy(c->kind, m->kind ? m->kind : "", sizeof c->kind);
  c->is_public = json_is_true(json_object_get(m->extra, "public"));
  return 1;
}

/* Finds the matter the code's channel takes; refuses applications (they
 * need materials and the departments' decisions: not a report). */
static int find_matter(struct workflow *wf, const struct intake_report *in, struct matter_find *mf,
                       struct zz_err *e) {
  if (!in->matter || !*in->matter)
    return zz_fail(e, ZZ_EINVAL, "matter", "matter is required (one of the code's matters)");
  mf->key = in->matter;
  mf->channel = intake_channel_of(in->code->kind);
  workflow_region_path(wf, in->code->region, mf->region, sizeof mf->region);
  workflow_matters_each(wf, matter_row, mf);
  if (!mf->found)
    return zz_fail(e, ZZ_EINVAL, "matter", "this code does not take matter \"%.64s\"", in->matter);
  if (strcmp(mf->kind, "application") == 0)
    return zz_fail(e, ZZ_EINVAL, "matter",
                   "matter \"%.64s\" is an application: send it to POST /api/public/applications "
                   "with \"code\" set to this code's token",
                   in->matter);
  return 0;
}

/* ---- the reporter's phone and contact ---- */

struct ent_contact {
  char *attrs; /* zz_free */
};

static int ent_contact_cb(void *ud, const struct store_entity *en) {
  struct ent_contact *c = ud;
  c->attrs = zz_xstrdup(en->attrs_json ? en->attrs_json : "{}");
  return 0;
}

int intake_check_contact(struct store *st, const char *entity, const char *phone, const char *field,
                         struct zz_err *e) {
  char want[24], got[24];
  if (!phone || !code_phone_digits(phone, got))
    return zz_fail(e, ZZ_EINVAL, field,
                   "%s (the enterprise's registered contact number) is required", field);
  struct ent_contact en = {0};
  store_entity_get(st, entity, ent_contact_cb, &en);
  json_t *attrs = en.attrs ? json_loads(en.attrs, 0, NULL) : NULL;
  const char *on_file = json_string_value(json_object_get(attrs, "contact_phone"));
  int ok = on_file && code_phone_digits(on_file, want) && strlen(want) == strlen(got) &&
           sodium_memcmp(want, got, strlen(want)) == 0;
  json_decref(attrs);
  zz_free(en.attrs);
  if (!ok)
    return zz_fail(e, ZZ_EFORBIDDEN, field,
                   "this is not the contact number registered for the enterprise");
  return 0;
}

/* The form's field of type `type` is there (and required, when required is set). */
static int form_has(const json_t *form, const char *type, int required) {
  for (size_t i = 0; i < json_array_size(form); i++) {
    const json_t *f = json_array_get(form, i);
    if (strcmp(json_string_value(json_object_get(f, "type")), type) == 0 &&
        (!required || json_is_true(json_object_get(f, "required"))))
      return 1;
  }
  return 0;
}

/* The reporter's phone: the form's (last non-empty) phone field, else for
 * an enterprise the contact number it confirmed (checked first). */
static int reporter_phone(struct store *st, const struct intake_report *in, const json_t *form,
                          const char **phone, struct zz_err *e) {
  *phone = NULL;
  for (size_t i = 0; i < json_array_size(form); i++) {
    const json_t *f = json_array_get(form, i);
    if (strcmp(json_string_value(json_object_get(f, "type")), "phone") == 0) {
      const char *id = json_string_value(json_object_get(f, "id"));
      const char *v = json_string_value(json_object_get(in->fields, id));
      if (v && *v) *phone = v;
    }
  }
  if (strcmp(in->code->kind, "enterprise") == 0) {
    int rc = intake_check_contact(st, in->code->entity, in->contact_phone, "contact_phone", e);
    if (rc) return rc;
    if (!*phone) *phone = in->contact_phone;
  }
  return 0;
}

/* ---- the photo and the description ---- */

int intake_decode_photo(const char *b64, unsigned char **out, size_t *n, struct zz_err *e) {
  size_t len = strlen(b64);
  const char *comma = strchr(b64, ',');
  if (strncmp(b64, "data:", 5) == 0 && comma) { /* a data: URL as browsers make them */
    len -= (size_t)(comma + 1 - b64);
    b64 = comma + 1;
  }
  /* len / 4 * 3 bytes at most once decoded (2 more without padding): a
   * photo of exactly WORKFLOW_EVIDENCE_MAX bytes passes here, and the
   * decoded size is checked below; line breaks (ignored) get some room */
  size_t cap = len / 4 * 3 + 3;
  if (cap > WORKFLOW_EVIDENCE_MAX + 3 + (64u << 10))
    return zz_fail(e, ZZ_ETOOBIG, "photo", "the photo is larger than %u MiB",
                   WORKFLOW_EVIDENCE_MAX >> 20);
  unsigned char *p = zz_malloc(cap ? cap : 1);
  if (!p) return zz_fail(e, ZZ_ENOMEM, "photo", "out of memory");
  if (sodium_base642bin(p, cap, b64, len, "\n\r ", n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
    zz_free(p);
    return zz_fail(e, ZZ_EINVAL, "photo", "photo must be base64 (or a data: URL)");
  }
  if (*n > WORKFLOW_EVIDENCE_MAX) {
    zz_free(p);
    return zz_fail(e, ZZ_ETOOBIG, "photo", "the photo is larger than %u MiB",
                   WORKFLOW_EVIDENCE_MAX >> 20);
  }
  const char *type = zz_sniff_type(p, *n);
  if (!type || strcmp(type, "pdf") == 0) {
    zz_free(p);
    return zz_fail(e, ZZ_EMEDIATYPE, "photo", "the photo must be a JPEG or PNG image");
  }
  *out = p;
  return 0;
}

/* The photo the report brings, decoded into *photo (NULL for none): the
 * form must take one, and may require it. */
static int report_photo(const struct intake_report *in, const json_t *form, unsigned char **photo,
                        size_t *n, struct zz_err *e) {
  *photo = NULL;
  if (in->photo_given) {
    if (!form_has(form, "photo", 0))
      return zz_fail(e, ZZ_EINVAL, "photo", "this matter's form takes no photo");
    if (!in->photo) return zz_fail(e, ZZ_EINVAL, "photo", "photo must be base64 text");
    int rc = intake_decode_photo(in->photo, photo, n, e);
    if (rc) return rc;
  }
  if (!*photo && form_has(form, "photo", 1))
    return zz_fail(e, ZZ_EINVAL, "photo", "a photo is required for this matter");
  return 0;
}

void intake_describe(const json_t *form, const json_t *values, struct zz_buf *d) {
  for (size_t i = 0; i < json_array_size(form); i++) {
    const json_t *f = json_array_get(form, i);
    const char *id = json_string_value(json_object_get(f, "id"));
    const char *v = id ? json_string_value(json_object_get(values, id)) : NULL;
    if (!v || !*v) continue;
    const char *label = json_string_value(json_object_get(f, "label_zh"));
    const char *type = json_string_value(json_object_get(f, "type"));
    if (type && strcmp(type, "choice") == 0) { /* the option's label, not its id */
      const json_t *opts = json_object_get(f, "options");
      for (size_t j = 0; j < json_array_size(opts); j++) {
        const json_t *o = json_array_get(opts, j);
        if (strcmp(json_string_value(json_object_get(o, "id")), v) == 0)
          v = json_string_value(json_object_get(o, "label_zh"));
      }
    }
    if (type && strcmp(type, "phone") == 0) continue; /* kept apart, in the receipt's row */
    zz_buf_printf(d, "%s%s: %s", d->len ? "\n" : "", label ? label : id, v);
  }
}

/* ---- the job ---- */

/* The receipt of a report, written with its order (on the intake thread,
 * inside the workflow's transaction). */
static int receipt_write(void *ud, struct store *st, int64_t order, struct zz_err *e) {
  struct store_receipt *rec = ud;
  rec->order_id = order;
  rec->created = zz_time_now();
  return store_receipt_insert(st, rec, e);
}

static void job_done(void *ud, struct wf_intake *in) {
  (void)in;
  struct intake_job *j = ud;
  j->on_done(j->ud); /* the job is the caller's from here: touch nothing after */
}

void intake_job_free(struct intake_job *j) {
  if (!j) return;
  zz_buf_free(&j->desc);
  zz_free(j->matter);
  zz_free(j->phone);
  zz_free(j);
}

/* A job for the checked report: copies of what the commit needs, the
 * receipt number and the workflow's intake request. */
static int job_new(const struct intake_report *in, const struct matter_find *mf, const char *phone,
                   struct intake_job **out, struct zz_err *e) {
  struct intake_job *j = zz_calloc(1, sizeof *j);
  if (!j) return zz_fail(e, ZZ_ENOMEM, "", "out of memory");
  zz_buf_init(&j->desc, INTAKE_DESC_MAX);
  j->matter = zz_strdup(in->matter);
  j->phone = phone ? zz_strdup(phone) : NULL;
  if (!j->matter || (phone && !j->phone)) {
    intake_job_free(j);
    return zz_fail(e, ZZ_ENOMEM, "", "out of memory");
  }
  zz_strlcpy(j->entity, in->code->entity, sizeof j->entity);
  zz_strlcpy(j->matter_name, mf->name, sizeof j->matter_name);
  code_receipt_new(j->receipt);
  snprintf(j->reporter, sizeof j->reporter, "%s:%s",
           strcmp(in->code->kind, "enterprise") == 0 ? "enterprise" : "citizen", j->receipt);
  *out = j;
  return 0;
}

/* Fills the workflow's request: the order (its description from the
 * form), the photo and the receipt's row written with it. */
static void job_request(struct intake_job *j, const struct intake_report *in,
                        const struct matter_find *mf, int has_photo) {
  /* public_consent: the form the reporter saw said "public" (the matter
   * list shows the flag); only then may Open311 GET list the report */
  j->rec = (struct store_receipt){.receipt = j->receipt,
                                  .code = in->code->id,
                                  .phone = j->phone,
                                  .public_consent = mf->is_public};
  /* The public reports under the reporter's name; the intake lets it
   * attach its photo to the order it makes. */
  j->in = (struct wf_intake){.who = {.name = j->reporter, .department = "", .kind = ACTOR_PUBLIC},
                             .create = {.matter = j->matter,
                                        .description = j->desc.data ? j->desc.data : "",
                                        .entity = j->entity,
                                        .reporter = j->reporter,
                                        .channel = intake_channel_of(in->code->kind),
                                        .lon = NAN,
                                        .lat = NAN},
                             .photo = has_photo ? &j->ef : NULL,
                             .then = receipt_write,
                             .ud = &j->rec};
}

/* Checks the report and makes its job, the photo's file written; the job
 * is ready to queue. */
static int prepare(struct store *st, struct workflow *wf, const struct intake_report *in,
                   struct intake_job **out, struct zz_err *e) {
  struct matter_find mf = {0};
  struct intake_job *j = NULL;
  unsigned char *photo = NULL;
  size_t photo_n = 0;
  const char *phone = NULL;
  int rc;
  *out = NULL;
  if ((rc = find_matter(wf, in, &mf, e))) goto done;
  if ((rc = code_form_check(mf.form, in->fields, e))) goto done;
  if ((rc = reporter_phone(st, in, mf.form, &phone, e))) goto done;
  if ((rc = report_photo(in, mf.form, &photo, &photo_n, e))) goto done;
  if ((rc = job_new(in, &mf, phone, &j, e))) goto done;
  intake_describe(mf.form, in->fields, &j->desc);
  if ((rc = zz_buf_error(&j->desc))) {
    zz_fail(e, rc, "fields", "the report's fields are too long together (at most %u bytes)",
            INTAKE_DESC_MAX);
    goto done;
  }
  /* The photo's file is written and synced here, in the caller's thread
   * (500 phones at once must not queue behind each other's fsync); the
   * order, the photo's record and the receipt are then committed together,
   * with the other reports of the moment. */
  if (photo && (rc = workflow_evidence_store(wf, 0, photo, photo_n, &j->ef, e))) goto done;
  job_request(j, in, &mf, photo != NULL);
  *out = j;
  j = NULL;
done:
  intake_job_free(j);
  json_decref(mf.form);
  zz_free(photo);
  return rc;
}

int intake_report_submit(struct store *st, struct workflow *wf, const struct intake_report *in,
                         void (*on_done)(void *ud), void *ud, struct intake_job **out,
                         struct zz_err *e) {
  struct intake_job *j;
  int rc = prepare(st, wf, in, &j, e);
  if (rc) return rc;
  j->on_done = on_done;
  j->ud = ud;
  j->in.on_done = job_done;
  j->in.done_ud = j;
  /* *out before the queue: on_done may run on the intake thread at once */
  *out = j;
  if ((rc = workflow_intake_submit(wf, &j->in))) {
    *out = NULL;
    if (e) *e = j->in.err;
    intake_job_free(j);
  }
  return rc;
}

int intake_job_result(const struct intake_job *j, struct intake_receipt *out, struct zz_err *e) {
  if (j->in.rc) {
    if (e) *e = j->in.err;
    return j->in.rc;
  }
  out->order = j->in.order;
  zz_strlcpy(out->receipt, j->receipt, sizeof out->receipt);
  zz_strlcpy(out->matter_name, j->matter_name, sizeof out->matter_name);
  return 0;
}

int intake_report(struct store *st, struct workflow *wf, const struct intake_report *in,
                  struct intake_receipt *out, struct zz_err *e) {
  struct intake_job *j;
  int rc = prepare(st, wf, in, &j, e);
  if (rc) return rc;
  workflow_intake(wf, &j->in);
  rc = intake_job_result(j, out, e);
  intake_job_free(j);
  return rc;
}
