/* activities.c - activities of a case programme (a live-stream show, a
 * 成长互助月 session, a salon) and attendance by code: each activity has
 * its own code (kind "activity" in the code table, so the operator's codes
 * page lists, revokes and reissues it); a mother scans it and gives her
 * phone number, which is matched against the programme's files in
 * constant time; the check-in becomes an "activity" entry on her timeline.
 * The scanner learns nothing of anyone: "checked in", or a refusal. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cases/cases.h"
#include "cases/cases_int.h"
#include "codes/codes.h"
#include "core/ztime.h"
#include "model/registry.h"
#include "store/store_codes.h"

#define HOUR_MS (3600LL * 1000)
/* A check-in is taken from half a day before the activity to a day after
 * it: a code photographed at a session cannot add attendance weeks later. */
#define CHECKIN_BEFORE_MS (12 * HOUR_MS)
#define CHECKIN_AFTER_MS (24 * HOUR_MS)
#define ENTITY_PREFIX "cs_activity/"

int case_activity_create(struct cases *cs, const struct case_actor *who, const json_t *body,
                         int64_t *out_id, struct zz_err *e) {
  json_t *prog = NULL;
  const char *title, *place, *street;
  int64_t ts = 0;
  int rc;
  if ((rc = cases_program(cs->st, cases_str(body, "program"), &prog, e))) return rc;
  const char *kind = cases_str(body, "kind");
  if (!cases_kind_find(cases_kinds_of(prog, "activity"), kind)) {
    rc = zz_fail(e, ZZ_EINVAL, "kind", "kind is not one of the programme's %s kinds", "activity");
    goto done;
  }
  if ((rc = cases_opt_str(body, "title", 100, &title, e)) ||
      (rc = cases_opt_str(body, "place", 200, &place, e)) ||
      (rc = cases_opt_str(body, "street", 200, &street, e)) ||
      (rc = cases_opt_time(body, "ts", &ts, e)))
    goto done;
  if (!title || !*title) {
    rc = zz_fail(e, ZZ_EINVAL, "title", "title is required");
    goto done;
  }
  if (!ts) {
    rc = zz_fail(e, ZZ_EINVAL, "ts", "ts (when the activity takes place) is required");
    goto done;
  }
  /* the activity sits at its street, or at the district */
  registry_rdlock(cs->reg);
  const struct reg_region *rg = street                           ? registry_region(cs->reg, street)
                                : registry_region_count(cs->reg) ? registry_region_at(cs->reg, 0)
                                                                 : NULL;
  int64_t region = rg ? rg->id : 0, rpos = rg ? rg->lo : 0;
  registry_unlock(cs->reg);
  if (!region) {
    rc = zz_fail(e, ZZ_EINVAL, "street", "street must be a region path (gongshu/...)");
    goto done;
  }
  char tok[CODE_TOKEN_LEN + 1];
  code_token_new(tok);
  struct store_case_activity a = {.program = cases_str(prog, "id"),
                                  .department = cases_str(prog, "department"),
                                  .kind = kind,
                                  .title = title,
                                  .place = place,
                                  .ts = ts,
                                  .region = region,
                                  .created_by = who->name,
                                  .created = zz_time_now()};
  rc = store_case_activity_insert(cs->st, &a, tok, rpos, out_id, e);
done:
  json_decref(prog);
  return rc;
}

/* A copy of an activity, kept after the store's callback. */
struct activity_copy {
  int found;
  int64_t id, ts, region, attendance;
  char program[65], department[65], kind[65], title[101], place[201];
};

static int copy_cb(void *ud, const struct store_case_activity *a) {
  struct activity_copy *c = ud;
  c->found = 1;
  c->id = a->id;
  c->ts = a->ts;
  c->region = a->region;
  c->attendance = a->attendance;
  zz_strlcpy(c->program, a->program ? a->program : "", sizeof c->program);
  zz_strlcpy(c->department, a->department ? a->department : "", sizeof c->department);
  zz_strlcpy(c->kind, a->kind ? a->kind : "", sizeof c->kind);
  zz_strlcpy(c->title, a->title ? a->title : "", sizeof c->title);
  zz_strlcpy(c->place, a->place ? a->place : "", sizeof c->place);
  return 0;
}

int case_activity_owner(struct cases *cs, int64_t id, char *department, size_t cap,
                        int64_t *region) {
  struct activity_copy a = {0};
  int rc = store_case_activity_get(cs->st, id, copy_cb, &a);
  if (rc) return rc;
  zz_strlcpy(department, a.department, cap);
  *region = a.region;
  return 0;
}

/* The active code's token of activity id. */
struct token_find {
  char *tok;
  size_t cap;
  int found;
};

static int token_cb(void *ud, const struct store_code *c) {
  struct token_find *t = ud;
  zz_strlcpy(t->tok, c->token, t->cap);
  t->found = 1;
  return 1;
}

int case_activity_token(struct cases *cs, int64_t id, char *tok, size_t cap) {
  char entity[40];
  snprintf(entity, sizeof entity, ENTITY_PREFIX "%lld", (long long)id);
  struct store_code_filter f = {
      .kind = "activity", .state = "active", .entity = entity, .limit = 1};
  struct token_find t = {tok, cap, 0};
  tok[0] = '\0';
  if (store_codes_each(cs->st, &f, token_cb, &t)) return ZZ_ESTORE;
  return t.found ? 0 : ZZ_ENOTFOUND;
}

/* The members of activity a into the object open in j: what, when,
 * where, the programme's name of the kind, the code and the count. */
static void activity_fields(struct cases *cs, struct zz_json *j,
                            const struct store_case_activity *a, int with_code) {
  json_t *prog = NULL;
  cases_program(cs->st, a->program, &prog, NULL);
  json_t *k = cases_kind_find(cases_kinds_of(prog, "activity"), a->kind);
  zz_json_kint(j, "id", a->id);
  zz_json_kstr(j, "program", a->program);
  zz_json_kstr(j, "kind", a->kind);
  zz_json_kstr(j, "kind_zh", cases_str(k, "name_zh"));
  zz_json_kstr(j, "kind_en", cases_str(k, "name_en"));
  zz_json_kstr(j, "title", a->title);
  zz_json_ktime(j, "ts", a->ts);
  zz_json_kstr(j, "place", a->place);
  cases_street_json(cs, j, a->region);
  zz_json_kint(j, "attendance", a->attendance);
  if (with_code) {
    char tok[CODE_TOKEN_LEN + 1], path[64];
    if (case_activity_token(cs, a->id, tok, sizeof tok) == 0) {
      zz_json_kstr(j, "token", tok);
      snprintf(path, sizeof path, "/m/k/%s", tok);
      zz_json_kstr(j, "checkin_path", path);
    } else {
      zz_json_knull(j, "token");
      zz_json_knull(j, "checkin_path");
    }
  }
  json_decref(prog);
}

struct list_out {
  struct cases *cs;
  struct zz_json *j;
};

static int list_cb(void *ud, const struct store_case_activity *a) {
  struct list_out *o = ud;
  zz_json_obj(o->j);
  activity_fields(o->cs, o->j, a, 1);
  zz_json_obj_end(o->j);
  return zz_json_error(o->j) != 0;
}

int cases_activities_json(struct cases *cs, const char *program, const char *department,
                          struct zz_json *j, struct zz_err *e) {
  json_t *prog = NULL;
  int rc = cases_program(cs->st, program, &prog, e);
  if (rc) return rc;
  struct list_out o = {cs, j};
  zz_json_obj(j);
  zz_json_karr(j, "activities");
  rc = store_case_activities_each(cs->st, cases_str(prog, "id"), department,
                                  CASES_ACTIVITY_LIST_MAX, list_cb, &o);
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  json_decref(prog);
  return rc ? zz_fail(e, rc, NULL, "cannot read the activities") : 0;
}

static int read_cb(void *ud, const struct store_case_activity *a) {
  struct list_out *o = ud;
  zz_json_kobj(o->j, "activity");
  activity_fields(o->cs, o->j, a, 1);
  zz_json_obj_end(o->j);
  return 0;
}

static int attendee_cb(void *ud, int64_t id, const char *name, const char *phone, int64_t ts) {
  struct zz_json *j = ud;
  char ph[16];
  zz_mask_phone(phone, ph, sizeof ph);
  zz_json_obj(j);
  zz_json_kint(j, "case", id);
  zz_json_kstr(j, "name", name);
  zz_json_kstr(j, "phone", ph);
  zz_json_ktime(j, "ts", ts);
  zz_json_obj_end(j);
  return zz_json_error(j) != 0;
}

int case_activity_read(struct cases *cs, const struct case_actor *who, int64_t id,
                       struct zz_json *j, struct zz_err *e) {
  char target[48];
  snprintf(target, sizeof target, "case_activity/%lld", (long long)id);
  int rc = cases_audit(cs, who, "case.attendance", target, NULL, e);
  if (rc) return rc;
  struct list_out o = {cs, j};
  zz_json_obj(j);
  rc = store_case_activity_get(cs->st, id, read_cb, &o);
  zz_json_karr(j, "attendance");
  if (!rc) rc = store_case_attendance_each(cs->st, id, attendee_cb, j);
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  if (rc == ZZ_ENOTFOUND) return zz_fail(e, rc, "id", "no activity %lld", (long long)id);
  return rc ? zz_fail(e, rc, NULL, "cannot read the activities") : 0;
}

/* ---- the public side: a scanned activity code ---- */

/* The activity of an activity code's token into *a: 0, or ZZ_ENOTFOUND
 * with e naming "token" (unknown, not an activity's, revoked). */
static int activity_of_token(struct cases *cs, const char *token, struct activity_copy *a,
                             struct zz_err *e) {
  struct code_info k;
  int64_t id = 0;
  memset(a, 0, sizeof *a);
  if (code_get(cs->st, token, 0, &k) || strcmp(k.kind, "activity") != 0 ||
      strncmp(k.entity, ENTITY_PREFIX, strlen(ENTITY_PREFIX)) != 0 ||
      zz_parse_i64(k.entity + strlen(ENTITY_PREFIX), &id))
    return zz_fail(e, ZZ_ENOTFOUND, "token",
                   "this code is not known: please scan the code on site again");
  if (strcmp(k.state, "active") != 0)
    return zz_fail(e, ZZ_ENOTFOUND, "token",
                   "this code is no longer in use: please scan the new code on site");
  int rc = store_case_activity_get(cs->st, id, copy_cb, a);
  if (rc == ZZ_ENOTFOUND)
    return zz_fail(e, rc, "token", "this code is not known: please scan the code on site again");
  return rc ? zz_fail(e, rc, NULL, "cannot read the activities") : 0;
}

int case_checkin_info(struct cases *cs, const char *token, struct zz_json *j, struct zz_err *e) {
  struct activity_copy a;
  int rc = activity_of_token(cs, token, &a, e);
  if (rc) return rc;
  json_t *prog = NULL;
  if ((rc = cases_program(cs->st, a.program, &prog, e))) return rc;
  json_t *k = cases_kind_find(cases_kinds_of(prog, "activity"), a.kind);
  /* what the poster says anyway; never who has come */
  zz_json_obj(j);
  zz_json_kobj(j, "activity");
  zz_json_kstr(j, "title", a.title);
  zz_json_kstr(j, "kind", a.kind);
  zz_json_kstr(j, "kind_zh", cases_str(k, "name_zh"));
  zz_json_kstr(j, "kind_en", cases_str(k, "name_en"));
  zz_json_ktime(j, "ts", a.ts);
  zz_json_kstr(j, "place", a.place[0] ? a.place : NULL);
  zz_json_kobj(j, "program");
  zz_json_kstr(j, "name_zh", cases_str(prog, "name_zh"));
  zz_json_kstr(j, "name_en", cases_str(prog, "name_en"));
  zz_json_obj_end(j);
  zz_json_obj_end(j);
  zz_json_obj_end(j);
  json_decref(prog);
  return 0;
}

/* The one file whose phone matches: every file is compared, each in
 * constant time, so that the time taken says nothing of which one. */
struct match {
  char want[12];
  int64_t id;
};

static int match_cb(void *ud, int64_t id, const char *phone) {
  struct match *m = ud;
  char have[12] = {0};
  if (phone && strlen(phone) == 11) memcpy(have, phone, 11);
  int same = sodium_memcmp(have, m->want, 11) == 0;
  if (same && !m->id) m->id = id;
  return 0;
}

int case_checkin(struct cases *cs, const char *token, const char *phone, int *already,
                 struct zz_err *e) {
  struct activity_copy a;
  char digits[24];
  int rc = activity_of_token(cs, token, &a, e);
  if (rc) return rc;
  *already = 0;
  /* "+86 138 0571 0101" and "138-0571-0101" are the same number */
  const char *d = phone && code_phone_digits(phone, digits) ? digits : NULL;
  if (d && strlen(d) == 13 && strncmp(d, "86", 2) == 0) d += 2;
  if (!cases_phone_ok(d))
    return zz_fail(e, ZZ_EINVAL, "phone", "phone must be an 11-digit mobile number");
  int64_t now = zz_time_now();
  if (now < a.ts - CHECKIN_BEFORE_MS || now > a.ts + CHECKIN_AFTER_MS) {
    char from[32], to[32];
    zz_time_format(a.ts - CHECKIN_BEFORE_MS, from);
    zz_time_format(a.ts + CHECKIN_AFTER_MS, to);
    return zz_fail(e, ZZ_ECONFLICT, "token", "check-in to this activity is open from %s to %s",
                   from, to);
  }
  struct match m = {.id = 0};
  memcpy(m.want, d, 11);
  if ((rc = store_case_phones_each(cs->st, a.program, match_cb, &m)))
    return zz_fail(e, rc, NULL, "cannot read the cases");
  sodium_memzero(m.want, sizeof m.want);
  if (!m.id)
    return zz_fail(e, ZZ_ENOTFOUND, "phone",
                   "this number is not on the programme's files: please ask the caseworker at the "
                   "activity");
  struct store_case_activity sa = {.id = a.id, .kind = a.kind, .title = a.title};
  return store_case_attend(cs->st, &sa, m.id, now, "checkin", already, e);
}
