/* cases.c - case files (cases.h): opening a case and adding to its
 * timeline against the programme's kinds (pack data), the audited reads,
 * the list and its CSV, the counts, and the quiet-file timer that turns a
 * file nobody has contacted into a follow-up task. */
#include "cases/cases.h"

#include "cases/cases_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/ztime.h"
#include "export/export.h"
#include "model/registry.h"
#include "model/roles.h"
#include "store/store_audit.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

#define DAY_MS (24LL * 3600 * 1000)

/* ---- the programme (pack data) ---- */

static int doc_cb(void *ud, const char *json) {
  *(json_t **)ud = json_loads(json, 0, NULL);
  return 0;
}

static json_t *programs_doc(struct store *st) {
  json_t *doc = NULL;
  if (store_doc_get(st, "cases", doc_cb, &doc)) return NULL;
  return doc;
}

int cases_program(struct store *st, const char *id, json_t **out, struct zz_err *e) {
  json_t *doc = programs_doc(st), *found = NULL;
  json_t *progs = json_object_get(doc, "programs");
  for (size_t i = 0; i < json_array_size(progs) && !found; i++) {
    json_t *p = json_array_get(progs, i);
    if (!id || !*id || strcmp(json_string_value(json_object_get(p, "id")), id) == 0) found = p;
  }
  json_incref(found);
  json_decref(doc);
  if (!found)
    return zz_fail(e, ZZ_ENOTFOUND, "program", "no such case programme: %s", id ? id : "");
  *out = found;
  return 0;
}

int cases_program_at(struct store *st, size_t idx, json_t **out) {
  json_t *doc = programs_doc(st);
  json_t *p = json_array_get(json_object_get(doc, "programs"), idx);
  json_incref(p);
  json_decref(doc);
  *out = p;
  return p ? 0 : ZZ_ENOTFOUND;
}

int cases_programs_json(struct store *st, struct zz_json *j, struct zz_err *e) {
  json_t *doc = programs_doc(st);
  zz_json_obj(j);
  zz_json_key(j, "programs");
  json_t *progs = json_object_get(doc, "programs");
  if (progs)
    zz_json_jansson(j, progs);
  else
    zz_json_text(j, "[]", 2);
  zz_json_obj_end(j);
  json_decref(doc);
  (void)e;
  return 0;
}

json_t *cases_kinds_of(json_t *prog, const char *klass) {
  static const char *const map[][2] = {
      {"contact", "contacts"}, {"service", "services"},         {"activity", "activities"},
      {"outcome", "outcomes"}, {"application", "applications"}, {"intention", "intentions"}};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(map); i++)
    if (strcmp(map[i][0], klass) == 0) return json_object_get(prog, map[i][1]);
  return NULL;
}

json_t *cases_kind_find(json_t *list, const char *id) {
  for (size_t i = 0; id && i < json_array_size(list); i++) {
    json_t *k = json_array_get(list, i);
    if (strcmp(json_string_value(json_object_get(k, "id")), id) == 0) return k;
  }
  return NULL;
}

const char *cases_str(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

int cases_opt_str(const json_t *o, const char *k, size_t max, const char **out, struct zz_err *e) {
  json_t *v = json_object_get(o, k);
  *out = NULL;
  if (!v || json_is_null(v)) return 0;
  if (!json_is_string(v)) return zz_fail(e, ZZ_EINVAL, k, "%s must be a string", k);
  if (json_string_length(v) > max)
    return zz_fail(e, ZZ_EINVAL, k, "%s is longer than %zu bytes", k, max);
  *out = json_string_value(v);
  return 0;
}

int cases_opt_time(const json_t *o, const char *k, int64_t *out, struct zz_err *e) {
  json_t *v = json_object_get(o, k);
  if (!v || json_is_null(v)) return 0;
  const char *s = json_string_value(v);
  if (!s || zz_time_parse(s, strlen(s), out))
    return zz_fail(e, ZZ_EINVAL, k, "%s must be a date (YYYY-MM-DD) or an RFC 3339 time", k);
  return 0;
}

int cases_phone_ok(const char *p) {
  if (!p || strlen(p) != 11 || p[0] != '1') return 0;
  for (const char *c = p; *c; c++)
    if (*c < '0' || *c > '9') return 0;
  return 1;
}

/* ---- writes ---- */

/* The person's address and id number, and the profile, as JSON texts. */
static int case_docs(const json_t *body, char **person, char **profile, struct zz_err *e) {
  const char *addr, *idn, *hours, *care;
  int rc;
  if ((rc = cases_opt_str(body, "address", 200, &addr, e)) ||
      (rc = cases_opt_str(body, "id_number", 18, &idn, e)) ||
      (rc = cases_opt_str(body, "hours", 100, &hours, e)) ||
      (rc = cases_opt_str(body, "childcare", 200, &care, e)))
    return rc;
  json_t *skills = json_object_get(body, "skills");
  if (skills && !json_is_array(skills))
    return zz_fail(e, ZZ_EINVAL, "skills", "skills must be an array of strings");
  for (size_t i = 0; i < json_array_size(skills); i++)
    if (!json_is_string(json_array_get(skills, i)) || i >= 20)
      return zz_fail(e, ZZ_EINVAL, "skills", "skills must be an array of strings");
  json_t *pj = json_pack("{s:s?, s:s?}", "address", addr, "id_number", idn);
  json_t *fj = json_pack("{s:O?, s:s?, s:s?}", "skills", skills, "hours", hours, "childcare", care);
  *person = pj ? json_dumps(pj, JSON_COMPACT) : NULL;
  *profile = fj ? json_dumps(fj, JSON_COMPACT) : NULL;
  json_decref(pj);
  json_decref(fj);
  if (!*person || !*profile) return zz_fail(e, ZZ_ENOMEM, NULL, "out of memory");
  return 0;
}

int case_create(struct cases *cs, const struct case_actor *who, const json_t *body, int64_t *out_id,
                struct zz_err *e) {
  json_t *prog = NULL;
  char *person = NULL, *profile = NULL;
  const char *name, *phone, *street, *community, *worker, *status;
  int64_t next = 0, created = zz_time_now();
  int rc;
  if ((rc = cases_program(cs->st, cases_str(body, "program"), &prog, e))) goto done;
  if ((rc = cases_opt_str(body, "name", 60, &name, e)) ||
      (rc = cases_opt_str(body, "phone", 20, &phone, e)) ||
      (rc = cases_opt_str(body, "street", 200, &street, e)) ||
      (rc = cases_opt_str(body, "community", 100, &community, e)) ||
      (rc = cases_opt_str(body, "caseworker", 64, &worker, e)) ||
      (rc = cases_opt_str(body, "status", 10, &status, e)) ||
      (rc = cases_opt_time(body, "next_follow", &next, e)) ||
      (rc = cases_opt_time(body, "created", &created, e)))
    goto done;
  if (!name || !*name) {
    rc = zz_fail(e, ZZ_EINVAL, "name", "name is required");
    goto done;
  }
  if (!cases_phone_ok(phone)) {
    rc = zz_fail(e, ZZ_EINVAL, "phone", "phone must be an 11-digit mobile number");
    goto done;
  }
  /* a file opened closed: one brought over from the spreadsheets it was kept in */
  if (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0) {
    rc = zz_fail(e, ZZ_EINVAL, "status", "status must be open or closed");
    goto done;
  }
  const char *intention = cases_str(body, "intention");
  if (!cases_kind_find(cases_kinds_of(prog, "intention"), intention)) {
    rc = zz_fail(e, ZZ_EINVAL, "intention", "intention is not one of the programme's intentions");
    goto done;
  }
  registry_rdlock(cs->reg);
  const struct reg_region *rg = street ? registry_region(cs->reg, street) : NULL;
  int64_t region = rg ? rg->id : 0;
  registry_unlock(cs->reg);
  if (!region) {
    rc = zz_fail(e, ZZ_EINVAL, "street", "street must be a region path (gongshu/...)");
    goto done;
  }
  if ((rc = case_docs(body, &person, &profile, e))) goto done;
  struct store_case c = {.program = cases_str(prog, "id"),
                         .department = cases_str(prog, "department"),
                         .caseworker = worker && *worker ? worker : who->name,
                         .region = region,
                         .community = community,
                         .intention = intention,
                         .name = name,
                         .phone = phone,
                         .person_json = person,
                         .profile_json = profile,
                         .created = created,
                         .last_contact = created,
                         .next_follow = next,
                         .status = status};
  rc = store_case_insert(cs->st, &c, out_id, e);
done:
  json_decref(prog);
  zz_free(person);
  zz_free(profile);
  return rc;
}

struct owner {
  char program[65], department[65];
  int64_t region;
};

static int owner_cb(void *ud, const struct store_case *c) {
  struct owner *o = ud;
  zz_strlcpy(o->program, c->program, sizeof o->program);
  zz_strlcpy(o->department, c->department, sizeof o->department);
  o->region = c->region;
  return 0;
}

int case_owner(struct cases *cs, int64_t id, char *department, size_t cap, int64_t *region) {
  struct owner o = {0};
  int rc = store_case_get(cs->st, id, owner_cb, &o);
  if (rc) return rc;
  zz_strlcpy(department, o.department, cap);
  *region = o.region;
  return 0;
}

int case_entry_add(struct cases *cs, const struct case_actor *who, int64_t id, const json_t *body,
                   int64_t *out_id, struct zz_err *e) {
  struct owner o = {0};
  json_t *prog = NULL;
  int rc = store_case_get(cs->st, id, owner_cb, &o);
  if (rc) return zz_fail(e, rc, "id", "no case %lld", (long long)id);
  if ((rc = cases_program(cs->st, o.program, &prog, e))) return rc;
  const char *klass = cases_str(body, "class"), *kind = cases_str(body, "kind"), *note;
  struct store_case_entry en = {.case_id = id, .ts = zz_time_now(), .actor = who->name};
  json_t *k = NULL;
  /* applications come through their own route (case_application_start) */
  if (!klass || !strcmp(klass, "intention") || !strcmp(klass, "application") ||
      !cases_kinds_of(prog, klass)) {
    rc = zz_fail(e, ZZ_EINVAL, "class", "class must be contact, service, activity or outcome");
    goto done;
  }
  if (!(k = cases_kind_find(cases_kinds_of(prog, klass), kind))) {
    rc = zz_fail(e, ZZ_EINVAL, "kind", "kind is not one of the programme's %s kinds", klass);
    goto done;
  }
  if ((rc = cases_opt_str(body, "note", CASES_NOTE_MAX, &note, e)) ||
      (rc = cases_opt_time(body, "ts", &en.ts, e)) ||
      (rc = cases_opt_time(body, "next_follow", &en.next_follow, e)))
    goto done;
  if (en.ts > zz_time_now() + 60000) {
    rc = zz_fail(e, ZZ_EINVAL, "ts", "ts must not be in the future");
    goto done;
  }
  json_t *jobs = json_object_get(body, "jobs");
  if (jobs && (!json_is_integer(jobs) || json_integer_value(jobs) < 0 ||
               json_integer_value(jobs) > 10000 || !json_is_true(json_object_get(k, "jobs")))) {
    rc =
        zz_fail(e, ZZ_EINVAL, "jobs", "jobs (0 to 10000) is only for an outcome that creates jobs");
    goto done;
  }
  en.klass = klass;
  en.kind = kind;
  en.note = note;
  en.jobs = jobs ? json_integer_value(jobs) : 0;
  rc = store_case_entry_insert(cs->st, &en, out_id, e);
done:
  json_decref(prog);
  return rc;
}

/* ---- reads ---- */

int cases_audit(struct cases *cs, const struct case_actor *who, const char *action,
                const char *target, const char *detail, struct zz_err *e) {
  struct store_audit a = {.ts = zz_time_now(),
                          .actor = who->name,
                          .action = action,
                          .target = target,
                          .detail_json = detail};
  return store_audit_insert(cs->st, &a, e);
}

struct case_out {
  struct cases *cs;
  struct zz_json *j;
  int full; /* the file: phone, address and id number in full */
  int64_t now;
};

void cases_street_json(struct cases *cs, struct zz_json *j, int64_t region) {
  registry_rdlock(cs->reg);
  const struct reg_region *rg = registry_region_by_id(cs->reg, region);
  zz_json_kobj(j, "street");
  zz_json_kstr(j, "path", rg ? rg->path : "");
  zz_json_kstr(j, "name_zh", rg ? rg->name_zh : "");
  zz_json_kstr(j, "name_en", rg ? rg->name_en : "");
  zz_json_obj_end(j);
  registry_unlock(cs->reg);
}

static void case_fields(struct case_out *o, const struct store_case *c) {
  struct zz_json *j = o->j;
  char ph[16];
  zz_json_kint(j, "id", c->id);
  zz_json_kstr(j, "program", c->program);
  zz_json_kstr(j, "department", c->department);
  zz_json_kstr(j, "caseworker", c->caseworker);
  cases_street_json(o->cs, j, c->region);
  zz_json_kstr(j, "community", c->community);
  zz_json_kstr(j, "intention", c->intention);
  zz_json_kstr(j, "name", c->name);
  zz_mask_phone(c->phone, ph, sizeof ph);
  zz_json_kstr(j, "phone", o->full ? c->phone : ph);
  if (o->full) {
    json_t *p = json_loads(c->person_json ? c->person_json : "{}", 0, NULL);
    zz_json_kstr(j, "address", cases_str(p, "address"));
    zz_json_kstr(j, "id_number", cases_str(p, "id_number"));
    json_decref(p);
  }
  zz_json_key(j, "profile");
  const char *pf = c->profile_json ? c->profile_json : "{}";
  zz_json_text(j, pf, strlen(pf));
  zz_json_kstr(j, "status", c->status);
  zz_json_kstr(j, "outcome", c->outcome);
  zz_json_ktime(j, "created", c->created);
  zz_json_ktime(j, "last_contact", c->last_contact);
  zz_json_kint(j, "quiet_days", (o->now - c->last_contact) / DAY_MS);
  if (c->next_follow)
    zz_json_ktime(j, "next_follow", c->next_follow);
  else
    zz_json_knull(j, "next_follow");
  zz_json_kbool(j, "due",
                c->next_follow && c->next_follow <= o->now && c->status &&
                    strcmp(c->status, "open") == 0);
  if (c->followup_order)
    zz_json_kint(j, "followup_order", c->followup_order);
  else
    zz_json_knull(j, "followup_order");
  zz_json_kint(j, "jobs", c->jobs);
  if (c->entries >= 0) zz_json_kint(j, "entries", c->entries);
}

static int list_cb(void *ud, const struct store_case *c) {
  struct case_out *o = ud;
  zz_json_obj(o->j);
  case_fields(o, c);
  zz_json_obj_end(o->j);
  return zz_json_error(o->j) != 0;
}

/* A timeline entry; an application's carries its live progress. */
static int entry_cb(void *ud, const struct store_case_entry *en) {
  struct case_out *o = ud;
  struct zz_json *j = o->j;
  zz_json_obj(j);
  zz_json_kint(j, "id", en->id);
  zz_json_ktime(j, "ts", en->ts);
  zz_json_kstr(j, "class", en->klass);
  zz_json_kstr(j, "kind", en->kind);
  zz_json_kstr(j, "note", en->note);
  zz_json_kstr(j, "actor", en->actor);
  if (en->jobs) zz_json_kint(j, "jobs", en->jobs);
  if (en->ref) zz_json_kstr(j, "ref", en->ref);
  if (en->ref && strcmp(en->klass, "application") == 0)
    case_application_progress(o->cs, en->ref, j);
  zz_json_obj_end(j);
  return zz_json_error(j) != 0;
}

struct file_cb {
  struct case_out *o;
  int found;
};

static int file_cb(void *ud, const struct store_case *c) {
  struct file_cb *f = ud;
  struct zz_json *j = f->o->j;
  f->found = 1;
  zz_json_kobj(j, "case");
  case_fields(f->o, c);
  zz_json_karr(j, "timeline");
  store_case_entries_each(f->o->cs->st, c->id, entry_cb, f->o);
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  return 0;
}

int case_read(struct cases *cs, const struct case_actor *who, int64_t id, struct zz_json *j,
              struct zz_err *e) {
  char target[40];
  snprintf(target, sizeof target, "case/%lld", (long long)id);
  int rc = cases_audit(cs, who, "case.read", target, NULL, e);
  if (rc) return rc;
  struct case_out o = {cs, j, 1, zz_time_now()};
  struct file_cb f = {&o, 0};
  zz_json_obj(j);
  rc = store_case_get(cs->st, id, file_cb, &f);
  zz_json_obj_end(j);
  if (rc == ZZ_ENOTFOUND) return zz_fail(e, rc, "id", "no case %lld", (long long)id);
  if (rc) return zz_fail(e, rc, NULL, "cannot read the case");
  return 0;
}

/* The filter as the audit's detail (what was looked for, not found). */
static char *filter_detail(const struct store_case_filter *f) {
  json_t *d =
      json_pack("{s:s?, s:s?, s:s?, s:I, s:s?}", "department", f->department, "intention",
                f->intention, "status", f->status, "region", (json_int_t)f->region, "q", f->q);
  char *s = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  return s;
}

int cases_list(struct cases *cs, const struct case_actor *who, const struct store_case_filter *f,
               int64_t now, struct zz_json *j, struct zz_err *e) {
  char *detail = filter_detail(f);
  int rc = cases_audit(cs, who, "case.list", f->program ? f->program : "", detail, e);
  zz_free(detail);
  if (rc) return rc;
  struct case_out o = {cs, j, 0, now};
  int64_t total = 0;
  zz_json_obj(j);
  zz_json_karr(j, "cases");
  rc = store_cases_each(cs->st, f, &total, list_cb, &o);
  zz_json_arr_end(j);
  zz_json_kint(j, "total", total);
  zz_json_obj_end(j);
  return rc ? zz_fail(e, rc, NULL, "cannot read the cases") : 0;
}

struct csv_out {
  struct cases *cs;
  struct zz_buf *b;
  int64_t n;
};

static int csv_cb(void *ud, const struct store_case *c) {
  struct csv_out *o = ud;
  struct zz_buf *b = o->b;
  char t[32], path[200] = "";
  json_t *p = json_loads(c->person_json ? c->person_json : "{}", 0, NULL);
  registry_rdlock(o->cs->reg);
  const struct reg_region *rg = registry_region_by_id(o->cs->reg, c->region);
  if (rg) zz_strlcpy(path, rg->name_zh, sizeof path);
  registry_unlock(o->cs->reg);
  zz_buf_add_int(b, c->id);
  const char *cells[] = {c->name,
                         c->phone,
                         cases_str(p, "address"),
                         path,
                         c->community,
                         c->intention,
                         c->outcome ? c->outcome : "",
                         c->caseworker,
                         zz_time_format(c->last_contact, t)};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(cells); i++) {
    zz_buf_addc(b, ',');
    export_csv_field(b, cells[i] ? cells[i] : "");
  }
  zz_buf_addc(b, ',');
  zz_buf_add_int(b, c->jobs);
  zz_buf_adds(b, "\r\n");
  json_decref(p);
  o->n++;
  return zz_buf_error(b) != 0;
}

int cases_export_csv(struct cases *cs, const struct case_actor *who,
                     const struct store_case_filter *f, struct zz_buf *b, struct zz_err *e) {
  char *detail = filter_detail(f);
  int rc = cases_audit(cs, who, "case.export", f->program ? f->program : "", detail, e);
  zz_free(detail);
  if (rc) return rc;
  zz_buf_adds(b, EXPORT_CSV_BOM
              "编号,姓名,电话,地址,街道,社区,意向,结果,个案工作者,最近联系,带动就业\r\n");
  struct csv_out o = {cs, b, 0};
  if ((rc = store_cases_each(cs->st, f, NULL, csv_cb, &o)))
    return zz_fail(e, rc, NULL, "cannot read the cases");
  if (zz_buf_error(b)) return zz_fail(e, ZZ_ETOOBIG, NULL, "the export is too large");
  return 0;
}
