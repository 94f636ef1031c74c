/* status.c - an application as its applicant follows it (steps, materials,
 * status and outcome, never the contact) and as staff see it (applicant,
 * form, materials received, decisions), built as JSON objects the handlers
 * send.
 * These views stay jansson trees, unlike the rest of the API (issue 11):
 * the status and outcome come before the steps and materials in the
 * answer but are decided by them, most members are values of the matter's
 * definition and of stored JSON columns that are jansson values already,
 * and the unit tests read the tree. The handler writes the tree through
 * zz_json_jansson (api/applications.c), so a failure there is an error
 * answer like anywhere else, and the bytes stay jansson's. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "applications/applications.h"
#include "applications/applications_int.h"
#include "core/ztime.h"
#include "store/store_applications.h"
#include "store/store_catalog.h"
#include "store/store_orders.h"

/* The sub-orders a status looks at: one per department of a matter. */
#define APP_SUBS_MAX 12

struct subs {
  struct order_copy v[APP_SUBS_MAX];
  size_t n;
};

static int sub_row(void *ud, const struct store_order *o) {
  struct subs *s = ud;
  if (s->n < ZZ_ARRAY_LEN(s->v)) app_order_copy(&s->v[s->n++], o);
  return 0;
}

static int decision_row(void *ud, const struct store_decision *d) {
  json_object_set_new(ud, d->department,
                      json_pack("{s:s, s:s?, s:I}", "decision", d->decision, "note", d->note, "ts",
                                (json_int_t)d->ts));
  return 0;
}

static int have_row(void *ud, const struct store_material *m) {
  json_object_set_new(ud, m->material,
                      json_pack("{s:s, s:I, s:I}", "mime", m->mime, "size", (json_int_t)m->size,
                                "ts", (json_int_t)m->ts));
  return 0;
}

/* Department names by key: {"police": {"name_zh", "name_en"}}. */
static int dept_name_row(void *ud, const struct store_named *n) {
  json_object_set_new(ud, n->key,
                      json_pack("{s:s?, s:s?}", "name_zh", n->name_zh, "name_en", n->name_en));
  return 0;
}

/* The step of a department, from the matter's "steps". */
static json_t *step_of(json_t *m, const char *dep) {
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(m, "steps"), i, s) {
    const char *d = app_str(s, "department");
    if (d && strcmp(d, dep) == 0) return s;
  }
  return NULL;
}

static void add_time(json_t *o, const char *k, int64_t ms) {
  char t[32];
  json_object_set_new(o, k, ms ? json_string(zz_time_format(ms, t)) : json_null());
}

/* What the public status gathers before it is written. */
struct status {
  json_t *matter, *dec, *have, *dnames;
  struct subs subs;
  size_t approved, rejected, missing;
};

/* One step: a department of the matter, in its order, with its state and
 * its decision. */
static json_t *status_step(struct status *s, const char *dep) {
  json_t *st = json_object(), *sd = step_of(s->matter, dep), *dd = json_object_get(s->dec, dep);
  json_object_set_new(st, "department", json_string(dep));
  json_object_set(st, "name_zh", sd ? json_object_get(sd, "name_zh") : json_null());
  json_object_set(st, "name_en", sd ? json_object_get(sd, "name_en") : json_null());
  json_t *dn = json_object_get(s->dnames, dep);
  json_object_set(st, "department_name_zh", dn ? json_object_get(dn, "name_zh") : json_null());
  json_object_set(st, "department_name_en", dn ? json_object_get(dn, "name_en") : json_null());
  const char *state = "waiting";
  for (size_t k = 0; k < s->subs.n; k++)
    if (strcmp(s->subs.v[k].department, dep) == 0) state = s->subs.v[k].state;
  json_object_set_new(st, "state", json_string(dd ? "decided" : state));
  json_object_set(st, "decision", dd ? json_object_get(dd, "decision") : json_null());
  json_object_set(st, "note", dd ? json_object_get(dd, "note") : json_null());
  add_time(st, "decided", dd ? json_integer_value(json_object_get(dd, "ts")) : 0);
  const char *decision = dd ? app_str(dd, "decision") : NULL;
  if (decision && strcmp(decision, "approve") == 0) s->approved++;
  if (decision && strcmp(decision, "reject") == 0) s->rejected++;
  return st;
}

/* The materials the matter asks for, each with whether it was received. */
static json_t *status_materials(struct status *s) {
  json_t *mats = json_array(), *t;
  size_t i;
  json_array_foreach(json_object_get(s->matter, "materials"), i, t) {
    const char *id = app_str(t, "id");
    json_t *hv = json_object_get(s->have, id ? id : "");
    json_t *x = json_pack("{s:s?, s:O?, s:O?, s:O?, s:b, s:b}", "id", id, "name_zh",
                          json_object_get(t, "name_zh"), "name_en", json_object_get(t, "name_en"),
                          "types", json_object_get(t, "types"), "required",
                          json_is_true(json_object_get(t, "required")), "received", hv != NULL);
    if (!hv && json_is_true(json_object_get(t, "required"))) s->missing++;
    json_array_append_new(mats, x);
  }
  return mats;
}

static json_t *status_json(struct status *s, const struct app_copy *ac, const char *order_state) {
  json_t *out = json_object(), *steps = json_array(), *d;
  json_object_set_new(out, "number", json_string(ac->number));
  json_object_set(out, "matter", json_object_get(s->matter, "id"));
  json_object_set(out, "name_zh", json_object_get(s->matter, "name_zh"));
  json_object_set(out, "name_en", json_object_get(s->matter, "name_en"));
  add_time(out, "submitted", ac->created);
  size_t i;
  json_array_foreach(json_object_get(s->matter, "departments"), i, d) {
    json_array_append_new(steps, status_step(s, json_string_value(d)));
  }
  json_t *mats = status_materials(s);
  size_t total = json_array_size(json_object_get(s->matter, "departments"));
  const char *status = s->approved + s->rejected == total && total ? "done"
                       : s->missing                                ? "awaiting_materials"
                                                                   : "in_review";
  json_object_set_new(out, "status", json_string(status));
  json_object_set_new(out, "outcome",
                      strcmp(status, "done") != 0 ? json_null()
                      : s->rejected               ? json_string("rejected")
                                                  : json_string("approved"));
  json_object_set_new(out, "order_state", json_string(order_state));
  json_object_set_new(out, "steps", steps);
  json_object_set_new(out, "materials", mats);
  json_object_set_new(out, "limits",
                      json_pack("{s:I}", "material_bytes", (json_int_t)APPLICATION_MATERIAL_MAX));
  return out;
}

int application_status(struct applications *ap, const char *number, json_t **out,
                       struct zz_err *e) {
  struct app_copy ac;
  struct order_copy oc;
  int rc;
  *out = NULL;
  if ((rc = app_find(ap, number, &ac, e))) return rc;
  app_order_load(ap, ac.order_id, NULL, NULL, &oc);
  struct status s = {.matter = oc.found ? app_matter_load(ap, oc.matter) : NULL};
  if (!s.matter) return zz_fail(e, ZZ_ENOTFOUND, "number", "no application has this number");
  struct store_order_filter f = {.parent = ac.order_id, .limit = APP_SUBS_MAX};
  store_orders_each(ap->st, &f, sub_row, &s.subs);
  s.dec = json_object();
  s.have = json_object();
  s.dnames = json_object();
  store_named_each(ap->st, "department", dept_name_row, s.dnames);
  store_decisions_each(ap->st, ac.order_id, decision_row, s.dec);
  store_materials_each(ap->st, ac.order_id, have_row, s.have);
  *out = status_json(&s, &ac, oc.state);
  json_decref(s.dec);
  json_decref(s.have);
  json_decref(s.dnames);
  json_decref(s.matter);
  return 0;
}

/* ---- the staff view ---- */

static int staff_app_row(void *ud, const struct store_application *a) {
  json_t *out = ud;
  json_object_set_new(out, "order", json_integer(a->order_id));
  json_object_set_new(out, "number", json_string(a->number));
  json_object_set_new(out, "applicant", json_loads(a->applicant_json, 0, NULL));
  json_object_set_new(out, "form", json_loads(a->form_json, 0, NULL));
  return 0;
}

/* The staff view's rows: received materials with their declared names,
 * decisions with the departments' names. */
struct staff_rows {
  json_t *arr;
  json_t *matter; /* the matter (materials' names), or NULL */
  json_t *dnames; /* department key -> names */
};

static int staff_material_row(void *ud, const struct store_material *m) {
  struct staff_rows *s = ud;
  char t[32], url[160];
  snprintf(url, sizeof url, "/api/v1/applications/%lld/materials/%s", (long long)m->order_id,
           m->material);
  json_t *decl = s->matter ? app_material_decl(s->matter, m->material) : NULL;
  json_array_append_new(
      s->arr, json_pack("{s:s, s:O?, s:O?, s:s, s:I, s:s, s:s}", "id", m->material, "name_zh",
                        decl ? json_object_get(decl, "name_zh") : NULL, "name_en",
                        decl ? json_object_get(decl, "name_en") : NULL, "mime", m->mime, "size",
                        (json_int_t)m->size, "ts", zz_time_format(m->ts, t), "url", url));
  return 0;
}

static int staff_decision_row(void *ud, const struct store_decision *d) {
  struct staff_rows *s = ud;
  char t[32];
  json_t *dn = json_object_get(s->dnames, d->department);
  json_array_append_new(
      s->arr, json_pack("{s:I, s:s, s:O?, s:O?, s:s, s:s?, s:s?, s:s}", "order",
                        (json_int_t)d->sub_order, "department", d->department, "department_name_zh",
                        dn ? json_object_get(dn, "name_zh") : NULL, "department_name_en",
                        dn ? json_object_get(dn, "name_en") : NULL, "decision", d->decision, "note",
                        d->note, "by", d->actor, "decided", zz_time_format(d->ts, t)));
  return 0;
}

int application_staff_view(struct applications *ap, int64_t order, application_authz_fn may_see,
                           void *ud, json_t **out, struct zz_err *e) {
  int rc;
  *out = NULL;
  if ((rc = app_staff_allowed(ap, order, may_see, ud, e))) return rc;
  json_t *v = json_object();
  if (store_application_get(ap->st, order, NULL, staff_app_row, v)) {
    json_decref(v);
    return zz_fail(e, ZZ_ENOTFOUND, "id", "order %lld is not an application", (long long)order);
  }
  struct order_copy oc;
  app_order_load(ap, order, NULL, NULL, &oc);
  struct staff_rows mats = {json_array(), oc.found ? app_matter_load(ap, oc.matter) : NULL, NULL};
  struct staff_rows decs = {json_array(), NULL, json_object()};
  store_named_each(ap->st, "department", dept_name_row, decs.dnames);
  store_materials_each(ap->st, order, staff_material_row, &mats);
  store_decisions_each(ap->st, order, staff_decision_row, &decs);
  if (mats.matter) {
    json_object_set(v, "matter", json_object_get(mats.matter, "id"));
    json_object_set(v, "name_zh", json_object_get(mats.matter, "name_zh"));
    json_object_set(v, "name_en", json_object_get(mats.matter, "name_en"));
  }
  json_object_set_new(v, "materials", mats.arr);
  json_object_set_new(v, "decisions", decs.arr);
  json_decref(mats.matter);
  json_decref(decs.dnames);
  *out = v;
  return 0;
}
