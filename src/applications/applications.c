/* applications.c - what the application engine shares (the matter, the
 * rows copied out of the store) and its two writes that are not files:
 * submitting an application (its order and row in one intake transaction)
 * and a department's decision on its sub-order (its steps and its row in
 * one workflow transaction). Materials are in
 * materials.c, the status views in status.c. */
#include "applications/applications.h"

#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "applications/applications_int.h"
#include "codes/codes.h"
#include "core/buf.h"
#include "core/ztime.h"
#include "intake/intake.h"
#include "model/registry.h"
#include "store/store_applications.h"
#include "store/store_catalog.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/matter_def.h"

/* The staff's description of an application: the form's values together. */
#define APP_DESCRIPTION_MAX 16384

/* ---- the matter, as the catalog declares it ---- */

struct matter_find {
  const char *key;
  json_t *m;
};

static int matter_find_row(void *ud, const struct store_matter *m) {
  struct matter_find *f = ud;
  if (f->m || strcmp(m->key, f->key) != 0) return 0;
  json_t *o = json_loads(m->extra_json ? m->extra_json : "{}", 0, NULL);
  if (!o) o = json_object();
  json_object_set_new(o, "id", json_string(m->key));
  json_object_set_new(o, "name_zh", json_string(m->name_zh));
  json_object_set_new(o, "name_en", json_string(m->name_en));
  json_object_set_new(o, "kind", json_string(m->kind));
  json_object_set_new(o, "departments", json_loads(m->departments_json, 0, NULL));
  f->m = o;
  return 0;
}

json_t *app_matter_load(struct applications *ap, const char *key) {
  struct matter_find f = {key, NULL};
  store_matters_each(ap->st, matter_find_row, &f);
  return f.m;
}

json_t *app_material_decl(json_t *m, const char *id) {
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(m, "materials"), i, x) {
    const char *k = app_str(x, "id");
    if (k && strcmp(k, id) == 0) return x;
  }
  return NULL;
}

const char *app_str(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- rows copied out of the store ---- */

static int app_copy_row(void *ud, const struct store_application *a) {
  struct app_copy *c = ud;
  c->order_id = a->order_id;
  c->created = a->created;
  zz_strlcpy(c->number, a->number, sizeof c->number);
  return 0;
}

int app_find(struct applications *ap, const char *number, struct app_copy *out, struct zz_err *e) {
  memset(out, 0, sizeof *out);
  if (!number || strlen(number) != APPLICATION_NUMBER_LEN ||
      strspn(number, "0123456789abcdef") != APPLICATION_NUMBER_LEN ||
      store_application_get(ap->st, 0, number, app_copy_row, out))
    return zz_fail(e, ZZ_ENOTFOUND, "number", "no application has this number");
  return 0;
}

int app_of_order(struct applications *ap, int64_t order_id, struct app_copy *out) {
  memset(out, 0, sizeof *out);
  return store_application_get(ap->st, order_id, NULL, app_copy_row, out) ? ZZ_ENOTFOUND : 0;
}

void app_order_copy(struct order_copy *c, const struct store_order *o) {
  c->found = 1;
  c->id = o->id;
  c->parent = o->parent;
  c->resolved_at = o->resolved_at;
  c->created = o->created;
  zz_strlcpy(c->state, o->state, sizeof c->state);
  zz_strlcpy(c->department, o->department ? o->department : "", sizeof c->department);
  zz_strlcpy(c->matter, o->matter, sizeof c->matter);
}

struct order_probe {
  struct order_copy *out;
  application_authz_fn allow;
  void *ud;
};

static int order_probe_row(void *ud, const struct store_order *o) {
  struct order_probe *p = ud;
  app_order_copy(p->out, o);
  p->out->allowed = !p->allow || p->allow(p->ud, o) == 0;
  return 0;
}

int app_order_load(struct applications *ap, int64_t id, application_authz_fn allow, void *ud,
                   struct order_copy *out) {
  memset(out, 0, sizeof *out);
  struct order_probe p = {out, allow, ud};
  int rc = store_order_get(ap->st, id, order_probe_row, &p);
  return rc == ZZ_ENOTFOUND ? 0 : rc;
}

int app_staff_allowed(struct applications *ap, int64_t order, application_authz_fn may_see,
                      void *ud, struct zz_err *e) {
  struct order_copy oc;
  app_order_load(ap, order, may_see, ud, &oc);
  if (!oc.found)
    return zz_fail(e, ZZ_ENOTFOUND, "id", "order %lld does not exist", (long long)order);
  if (!oc.allowed)
    return zz_fail(e, ZZ_EFORBIDDEN, "id",
                   "an application's applicant and materials are for the dispatch desk and the "
                   "deciding departments, within their scope");
  return 0;
}

/* ---- checking an application ---- */

/* A phone number as applicants write one: digits, '-', ' ' and '+', at
 * least 7 digits, at most 20 characters. */
static int phone_ok(const char *s) {
  size_t n = 0, digits = 0;
  for (; s[n]; n++) {
    if (s[n] >= '0' && s[n] <= '9')
      digits++;
    else if (s[n] != '-' && s[n] != ' ' && s[n] != '+')
      return 0;
  }
  return digits >= 7 && n <= 20;
}

static int check_matter(const struct application_input *in, struct application_draft *d,
                        struct zz_err *e) {
  const char *kind = app_str(d->matter, "kind");
  int offered = !d->entity[0] || matter_offered_in(d->matter, d->region_path);
  if (kind && strcmp(kind, "application") == 0 &&
      intake_matter_has_channel(d->matter, in->channel) && offered)
    return 0;
  if (d->entity[0])
    return zz_fail(e, ZZ_EINVAL, "matter",
                   "matter %s is not an application this enterprise code offers", in->matter);
  return zz_fail(e, ZZ_EINVAL, "matter", "matter %s is not an application taken by the %s channel",
                 in->matter, in->channel);
}

static int check_applicant(const struct application_input *in, struct zz_err *e) {
  if (!in->name || !*in->name || strlen(in->name) > 60)
    return zz_fail(e, ZZ_EINVAL, "applicant.name", "applicant.name is required (at most 60 bytes)");
  if (!in->phone || !phone_ok(in->phone))
    return zz_fail(e, ZZ_EINVAL, "applicant.phone", "applicant.phone must be a phone number");
  if (in->company && strlen(in->company) > 120)
    return zz_fail(e, ZZ_EINVAL, "applicant.company", "applicant.company is longer than 120 bytes");
  return 0;
}

/* The matter's form: required fields present, values short strings. The
 * applicant's phone is the form's contact_phone. */
static int check_form(const json_t *matter, const json_t *form, struct zz_err *e) {
  if (form && !json_is_object(form))
    return zz_fail(e, ZZ_EINVAL, "form", "form must be an object of field id to value");
  size_t i;
  json_t *fd;
  json_array_foreach(json_object_get(matter, "form"), i, fd) {
    const char *id = app_str(fd, "id");
    if (!id || strcmp(id, "contact_phone") == 0) continue;
    json_t *v = json_object_get(form, id);
    char field[96];
    snprintf(field, sizeof field, "form.%s", id);
    if (v && (!json_is_string(v) || json_string_length(v) > 1000))
      return zz_fail(e, ZZ_EINVAL, field, "%s must be a string of at most 1000 bytes", field);
    if (json_is_true(json_object_get(fd, "required")) && (!v || !json_string_length(v)))
      return zz_fail(e, ZZ_EINVAL, field, "%s is required", field);
  }
  return 0;
}

struct entity_name {
  char zh[256]; /* "" when longer (it would be cut) */
};

static int entity_name_row(void *ud, const struct store_entity *en) {
  struct entity_name *n = ud;
  if (en->name_zh && strlen(en->name_zh) < sizeof n->zh)
    zz_strlcpy(n->zh, en->name_zh, sizeof n->zh);
  return 0;
}

/* An enterprise's application: phone must be the contact number the
 * registry holds for it (the intake's check), and the company is the
 * enterprise as registered, whatever name the applicant typed: staff
 * decide on the enterprise the code belongs to. */
static int check_contact(struct applications *ap, struct application_draft *d, const char *phone,
                         const char **company, struct zz_err *e) {
  int rc = intake_check_contact(ap->st, d->entity, phone, "applicant.phone", e);
  if (rc) return rc;
  struct entity_name en = {""};
  store_entity_get(ap->st, d->entity, entity_name_row, &en);
  if (en.zh[0]) {
    /* the draft keeps the name: the input's strings are the caller's */
    zz_strlcpy(d->company_buf, en.zh, sizeof d->company_buf);
    *company = d->company_buf;
  }
  return 0;
}

/* The description staff see: the applicant and the form's values, never
 * the phone. */
static int describe(struct application_draft *d, const char *company, struct zz_err *e) {
  const struct application_input *in = d->in;
  struct zz_buf desc;
  zz_buf_init(&desc, APP_DESCRIPTION_MAX);
  zz_buf_printf(&desc, "申请人: %s", in->name);
  if (company) zz_buf_printf(&desc, " (%s)", company);
  size_t i;
  json_t *fd;
  json_array_foreach(json_object_get(d->matter, "form"), i, fd) {
    const char *id = app_str(fd, "id"), *v = app_str(in->form, id ? id : "");
    if (v && *v) zz_buf_printf(&desc, "\n%s: %s", app_str(fd, "label_zh"), v);
  }
  zz_buf_addc(&desc, '\0');
  if (zz_buf_error(&desc)) {
    int rc = zz_fail(e, zz_buf_error(&desc), "form",
                     "the application's fields are too long together (at most %d bytes)",
                     APP_DESCRIPTION_MAX);
    zz_buf_free(&desc);
    return rc;
  }
  size_t len;
  d->description = zz_buf_steal(&desc, &len); /* the draft's now */
  return d->description ? 0 : zz_fail(e, ZZ_ENOMEM, "form", "out of memory");
}

/* Where the order goes: at the enterprise (its region, whose path the
 * matter's "regions" are checked against), else the district (the
 * registry's first region). */
static void place(struct applications *ap, struct application_draft *d) {
  registry_rdlock(ap->reg);
  if (d->entity[0]) {
    const struct reg_entity_ref *er = registry_entity(ap->reg, d->entity, strlen(d->entity));
    d->region = er ? er->region : 0;
    const struct reg_region *rr = er ? registry_region_by_id(ap->reg, er->region) : NULL;
    zz_strlcpy(d->region_path, rr ? rr->path : "", sizeof d->region_path);
  } else {
    const struct reg_region *root =
        registry_region_count(ap->reg) ? registry_region_at(ap->reg, 0) : NULL;
    if (root) zz_strlcpy(d->region_path, root->path, sizeof d->region_path);
    const struct reg_region *rr = registry_region(ap->reg, d->region_path);
    d->region = rr ? rr->id : 0;
  }
  registry_unlock(ap->reg);
}

int application_check(struct applications *ap, const struct application_input *in,
                      struct application_draft *d, struct zz_err *e) {
  memset(d, 0, sizeof *d);
  d->in = in;
  if (in->entity) zz_strlcpy(d->entity, in->entity, sizeof d->entity);
  if (!in->matter)
    return zz_fail(e, ZZ_EINVAL, "matter", "matter is required (an application matter id)");
  d->matter = app_matter_load(ap, in->matter);
  if (!d->matter) return zz_fail(e, ZZ_ENOTFOUND, "matter", "matter %s does not exist", in->matter);
  const char *company = in->company;
  int rc;
  place(ap, d);
  if ((rc = check_matter(in, d, e)) || (rc = check_applicant(in, e)) ||
      (rc = check_form(d->matter, in->form, e)))
    return rc;
  if (d->entity[0] && (rc = check_contact(ap, d, in->phone, &company, e))) return rc;
  if ((rc = describe(d, company, e))) return rc;
  d->company = company;
  return 0;
}

void application_draft_free(struct application_draft *d) {
  json_decref(d->matter);
  zz_free(d->description);
  memset(d, 0, sizeof *d);
}

/* ---- submitting ---- */

/* The application's own row, written on the workflow's intake thread in the
 * transaction that makes its order: a failure undoes both. */
struct app_write {
  struct store_application sa;
  const struct application_input *in;
};

static int application_write(void *ud, struct store *st, int64_t order, struct zz_err *e) {
  struct app_write *w = ud;
  w->sa.order_id = order;
  int rc = store_application_insert(st, &w->sa, e);
  if (!rc && w->in->also) rc = w->in->also(w->in->also_ud, st, order, w->sa.number, e);
  return rc;
}

/* The order's reporter: the enterprise, the staff member, or "applicant".
 * The order keeps at most 64 bytes of it: a longer enterprise key is left
 * out (the order names the entity anyway). */
static void reporter_of(struct application_draft *d) {
  if (d->entity[0])
    snprintf(d->reporter, sizeof d->reporter, "enterprise%s%s", strlen(d->entity) <= 53 ? ":" : "",
             strlen(d->entity) <= 53 ? d->entity : "");
  else
    snprintf(d->reporter, sizeof d->reporter, "%s",
             d->in->who.name ? d->in->who.name : "applicant");
}

int application_submit(struct applications *ap, struct application_draft *d,
                       struct application_receipt *out, struct zz_err *e) {
  const struct application_input *in = d->in;
  char *applicant = NULL, *form = NULL;
  int rc = 0;
  memset(out, 0, sizeof *out);
  unsigned char raw[APPLICATION_NUMBER_LEN / 2];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(out->number, sizeof out->number, raw, sizeof raw);
  json_t *apc = json_pack("{s:s, s:s}", "name", in->name, "phone", in->phone);
  if (apc && d->company) json_object_set_new(apc, "company", json_string(d->company));
  applicant = apc ? json_dumps(apc, JSON_COMPACT) : NULL;
  json_decref(apc);
  form = in->form ? json_dumps(in->form, JSON_COMPACT) : NULL;
  if (!applicant || (in->form && !form)) {
    rc = zz_fail(e, ZZ_ENOMEM, "application", "out of memory");
    goto done;
  }
  reporter_of(d);
  struct app_write aw = {.sa = {.number = out->number,
                                .applicant_json = applicant,
                                .form_json = form ? form : "{}",
                                .created = zz_time_now()},
                         .in = in};
  struct wf_intake wi = {.who = in->who,
                         .create = {.matter = in->matter,
                                    .description = d->description,
                                    .region = d->region_path[0] ? d->region_path : NULL,
                                    .entity = d->entity[0] ? d->entity : NULL,
                                    .reporter = d->reporter,
                                    .channel = in->channel,
                                    .lon = NAN,
                                    .lat = NAN},
                         .then = application_write,
                         .ud = &aw};
  wi.who.name = d->reporter;
  if ((rc = workflow_intake(ap->wf, &wi))) {
    if (e) *e = wi.err;
    goto done;
  }
  out->order = wi.order;
  out->materials = json_object_get(d->matter, "materials");
done:
  zz_free(applicant);
  zz_free(form);
  return rc;
}

/* ---- a department's decision ---- */

static int check_decision(const struct application_decision *in, struct zz_err *e) {
  if (!in->decision || (strcmp(in->decision, "approve") && strcmp(in->decision, "reject")))
    return zz_fail(e, ZZ_EINVAL, "decision", "decision must be approve or reject");
  if (!in->note || !*in->note || strlen(in->note) > 1000)
    return zz_fail(e, ZZ_EINVAL, "note", "note is required (at most 1000 bytes): the reasons");
  return 0;
}

/* A decision being written, in the workflow's transaction. */
struct decide {
  struct applications *ap;
  const struct application_decision *in;
  const struct order_copy *sub;
  const char *text; /* the resolve's note */
};

/* Takes the sub-order from dispatched (or accepted) to resolved and
 * records the decision, all in t's transaction: a failure of any step
 * leaves the sub-order as it was and no decision row. */
static int decide_write(void *ud, struct wf_txn *t, struct store *st, struct zz_err *e) {
  struct decide *d = ud;
  int64_t id = d->sub->id;
  struct order_copy now;
  int rc = app_order_load(d->ap, id, NULL, NULL, &now); /* its state inside the transaction */
  if (rc || !now.found)
    return zz_fail(e, rc ? rc : ZZ_ENOTFOUND, "id", "cannot read order %lld", (long long)id);
  if (strcmp(now.state, "dispatched") == 0 &&
      (rc = workflow_txn_act(t, &d->in->who, id, "accept", NULL, 0, NULL, e)))
    return rc;
  if ((rc = workflow_txn_act(t, &d->in->who, id, "resolve", NULL, 0, d->text, e))) return rc;
  struct store_decision sd = {.sub_order = id,
                              .order_id = d->sub->parent,
                              .department = d->sub->department,
                              .decision = d->in->decision,
                              .note = d->in->note,
                              .actor = d->in->who.name,
                              .ts = zz_time_now()};
  return store_decision_insert(st, &sd, e);
}

int application_decide(struct applications *ap, const struct application_decision *in,
                       struct application_decided *out, struct zz_err *e) {
  int64_t id = in->order;
  struct order_copy sub;
  struct app_copy ac;
  int rc;
  memset(out, 0, sizeof *out);
  if ((rc = check_decision(in, e))) return rc;
  if ((rc = app_order_load(ap, id, in->may_decide, in->ud, &sub)))
    return zz_fail(e, rc, "id", "the store failed, retry later");
  if (!sub.found) return zz_fail(e, ZZ_ENOTFOUND, "id", "order %lld does not exist", (long long)id);
  if (!sub.allowed) /* decided before the order's state is told */
    return zz_fail(e, ZZ_EFORBIDDEN, "id", "order %lld is not one your department decides",
                   (long long)id);
  if (!sub.parent || app_of_order(ap, sub.parent, &ac))
    return zz_fail(e, ZZ_ECONFLICT, "id",
                   "order %lld is not a department's part of an application: use its actions",
                   (long long)id);
  char text[1100];
  snprintf(text, sizeof text, "%s: %s",
           strcmp(in->decision, "approve") == 0 ? "批准 approved" : "驳回 rejected", in->note);
  struct decide d = {ap, in, &sub, text};
  if ((rc = workflow_txn(ap->wf, decide_write, &d, e))) return rc;
  out->order = id;
  out->application = sub.parent;
  zz_strlcpy(out->department, sub.department, sizeof out->department);
  return 0;
}
