/* apply.c - policy applications of a case (a start-up social-insurance
 * subsidy, a guaranteed start-up loan): started by the caseworker through
 * the applications flow (src/applications/) for the case's person, with
 * the "application" entry on the timeline written in the transaction that
 * makes the order; the timeline then shows the application's progress as
 * the applicant and the departments see it. */
#include <string.h>

#include "applications/applications.h"
#include "cases/cases.h"
#include "cases/cases_int.h"
#include "core/ztime.h"

/* The person and programme of a case, copied out of the store. */
struct person {
  char program[65], name[61], phone[21];
};

static int person_cb(void *ud, const struct store_case *c) {
  struct person *p = ud;
  zz_strlcpy(p->program, c->program ? c->program : "", sizeof p->program);
  zz_strlcpy(p->name, c->name ? c->name : "", sizeof p->name);
  zz_strlcpy(p->phone, c->phone ? c->phone : "", sizeof p->phone);
  return 0;
}

/* The timeline entry, written on the workflow's intake thread inside the
 * transaction of the order and the application's row. */
struct link {
  struct store_case_entry en;
};

static int link_entry(void *ud, struct store *st, int64_t order, const char *number,
                      struct zz_err *e) {
  struct link *l = ud;
  (void)order;
  l->en.ref = number;
  return store_case_entry_insert(st, &l->en, NULL, e);
}

static struct applications flow(struct cases *cs) {
  return (struct applications){.st = cs->st, .reg = cs->reg, .wf = cs->wf};
}

int case_application_start(struct cases *cs, const struct case_actor *who, int64_t id,
                           const json_t *body, char *number, size_t cap, int64_t *order,
                           struct zz_err *e) {
  struct person p = {.program = ""};
  json_t *prog = NULL;
  const char *note;
  int rc = store_case_get(cs->st, id, person_cb, &p);
  if (rc) return zz_fail(e, rc, "id", "no case %lld", (long long)id);
  if (!cs->wf) return zz_fail(e, ZZ_EINTERNAL, NULL, "the applications flow is not running");
  if ((rc = cases_program(cs->st, p.program, &prog, e))) return rc;
  const char *matter = cases_str(body, "matter");
  if (!cases_kind_find(cases_kinds_of(prog, "application"), matter)) {
    rc =
        zz_fail(e, ZZ_EINVAL, "matter", "matter is not one of the programme's policy applications");
    goto done;
  }
  if ((rc = cases_opt_str(body, "note", CASES_NOTE_MAX, &note, e))) goto done;
  const json_t *form = json_object_get(body, "form");
  if (form && !json_is_object(form)) {
    rc = zz_fail(e, ZZ_EINVAL, "form", "form must be an object of field id to value");
    goto done;
  }
  struct link l = {.en = {.case_id = id,
                          .ts = zz_time_now(),
                          .klass = "application",
                          .kind = matter,
                          .note = note,
                          .actor = who->name}};
  struct application_input in = {.matter = matter,
                                 .channel = "staff",
                                 .name = p.name,
                                 .phone = p.phone,
                                 .form = form,
                                 .who = {.name = who->name,
                                         .role = who->role,
                                         .department = who->department,
                                         .kind = ACTOR_USER},
                                 .also = link_entry,
                                 .also_ud = &l};
  struct applications ap = flow(cs);
  struct application_draft d = {0};
  struct application_receipt out;
  if (!(rc = application_check(&ap, &in, &d, e)) && !(rc = application_submit(&ap, &d, &out, e))) {
    zz_strlcpy(number, out.number, cap);
    *order = out.order;
  }
  application_draft_free(&d);
done:
  json_decref(prog);
  return rc;
}

void case_application_progress(struct cases *cs, const char *number, struct zz_json *j) {
  struct applications ap = flow(cs);
  json_t *v = NULL;
  struct zz_err e = {0};
  if (application_status(&ap, number, &v, &e)) return;
  json_object_del(v, "limits");
  zz_json_key(j, "progress");
  zz_json_jansson(j, v);
  json_decref(v);
}
