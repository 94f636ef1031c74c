/* inspections.c - inspections (inspections.h): the pack's checklists and
 * campaigns, a visit checked against its checklist and written with its
 * rectification items, their work orders, the items it closes, the credit
 * events and the plan it fulfils in one workflow transaction; a uid sent
 * again is answered with what was stored. Reads of visits, items, credit
 * and plans, and the leader's progress view, are here too; photos are in
 * photos.c and the overdue timer in sweep.c. */
#include "inspections/inspections.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/ztime.h"
#include "inspections/inspections_int.h"
#include "model/registry.h"
#include "model/roles.h"
#include "store/store.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

/* ---- the pack's campaigns.json ---- */

static int doc_cb(void *ud, const char *json) {
  *(json_t **)ud = json_loads(json, 0, NULL);
  return 0;
}

json_t *ins_doc(struct store *st) {
  json_t *doc = NULL;
  if (store_doc_get(st, "campaigns", doc_cb, &doc)) return NULL;
  return doc;
}

const char *ins_str(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The member of list (an array of objects) whose "id" is id, or NULL. */
json_t *ins_find(const json_t *list, const char *id) {
  for (size_t i = 0; id && i < json_array_size(list); i++) {
    json_t *x = json_array_get(list, i);
    const char *xid = ins_str(x, "id");
    if (xid && strcmp(xid, id) == 0) return x;
  }
  return NULL;
}

/* 1 when the array of strings list holds s. */
int ins_has(const json_t *list, const char *s) {
  for (size_t i = 0; s && i < json_array_size(list); i++) {
    const char *x = json_string_value(json_array_get(list, i));
    if (x && strcmp(x, s) == 0) return 1;
  }
  return 0;
}

static int named(struct store *st, const char *what, const char *id, json_t **out,
                 struct zz_err *e) {
  json_t *doc = ins_doc(st);
  json_t *found = ins_find(json_object_get(doc, what), id);
  json_incref(found);
  json_decref(doc);
  *out = found;
  return found ? 0 : ZZ_ENOTFOUND;
  (void)e;
}

int inspections_checklist(struct store *st, const char *id, json_t **out, struct zz_err *e) {
  if (!id || !*id) return zz_fail(e, ZZ_EINVAL, "checklist", "checklist is required");
  if (named(st, "checklists", id, out, e))
    return zz_fail(e, ZZ_ENOTFOUND, "checklist",
                   "checklist \"%s\" does not exist (GET /api/v1/checklists lists them)", id);
  return 0;
}

int inspections_campaign(struct store *st, const char *id, json_t **out, struct zz_err *e) {
  if (!id || !*id) return zz_fail(e, ZZ_EINVAL, "campaign", "campaign is required");
  if (named(st, "campaigns", id, out, e))
    return zz_fail(e, ZZ_ENOTFOUND, "campaign", "campaign \"%s\" does not exist", id);
  return 0;
}

int inspections_checklists_json(struct store *st, struct zz_json *j, struct zz_err *e) {
  json_t *doc = ins_doc(st);
  json_t *list = json_object_get(doc, "checklists");
  zz_json_obj(j);
  zz_json_key(j, "checklists");
  if (list)
    zz_json_jansson(j, list);
  else
    zz_json_text(j, "[]", 2);
  /* which campaigns use each checklist: the inspector's page picks one */
  zz_json_karr(j, "campaigns");
  json_t *camps = json_object_get(doc, "campaigns");
  for (size_t i = 0; i < json_array_size(camps); i++) {
    json_t *c = json_array_get(camps, i);
    zz_json_obj(j);
    zz_json_kstr(j, "id", ins_str(c, "id"));
    zz_json_kstr(j, "name_zh", ins_str(c, "name_zh"));
    zz_json_kstr(j, "name_en", ins_str(c, "name_en"));
    zz_json_kstr(j, "department", ins_str(c, "department"));
    zz_json_key(j, "checklists");
    json_t *cl = json_object_get(c, "checklists");
    if (cl)
      zz_json_jansson(j, cl);
    else
      zz_json_text(j, "[]", 2);
    zz_json_kbool(j, "plans", json_is_true(json_object_get(c, "plans")));
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  json_decref(doc);
  (void)e;
  return 0;
}

json_t *inspections_campaign_types(const json_t *campaign) {
  json_t *out = json_array();
  const char *parts[] = {"participants", "members"};
  for (size_t p = 0; out && p < ZZ_ARRAY_LEN(parts); p++) {
    json_t *types = json_object_get(json_object_get(campaign, parts[p]), "entity_types");
    for (size_t i = 0; i < json_array_size(types); i++)
      if (!ins_has(out, json_string_value(json_array_get(types, i))))
        json_array_append(out, json_array_get(types, i));
  }
  return out;
}

/* The first campaign whose checklists include checklist (a new reference), or NULL. */
static json_t *campaign_of_checklist(struct store *st, const char *checklist) {
  json_t *doc = ins_doc(st), *found = NULL;
  json_t *camps = json_object_get(doc, "campaigns");
  for (size_t i = 0; i < json_array_size(camps) && !found; i++) {
    json_t *c = json_array_get(camps, i);
    if (ins_has(json_object_get(c, "checklists"), checklist)) found = c;
  }
  json_incref(found);
  json_decref(doc);
  return found;
}

/* ---- entities ---- */

static int ent_cb(void *ud, const struct store_entity *en) {
  struct ins_ent *x = ud;
  x->id = en->id;
  x->region = en->region;
  x->lon = en->lon;
  x->lat = en->lat;
  zz_strlcpy(x->key, en->key, sizeof x->key);
  zz_strlcpy(x->type, en->type, sizeof x->type);
  zz_strlcpy(x->name_zh, en->name_zh ? en->name_zh : "", sizeof x->name_zh);
  zz_strlcpy(x->name_en, en->name_en ? en->name_en : "", sizeof x->name_en);
  zz_strlcpy(x->attrs, en->attrs_json ? en->attrs_json : "{}", sizeof x->attrs);
  return 0;
}

int ins_entity(struct store *st, const char *key, struct ins_ent *out) {
  memset(out, 0, sizeof *out);
  if (!key || !*key) return ZZ_ENOTFOUND;
  int rc = store_entity_get(st, key, ent_cb, out);
  if (rc) return rc;
  return out->id ? 0 : ZZ_ENOTFOUND;
}

int inspections_entity(struct inspections *in, const char *entity, int64_t *id, int64_t *region) {
  struct ins_ent x;
  int rc = ins_entity(in->st, entity, &x);
  if (rc) return rc;
  *id = x.id;
  *region = x.region;
  return 0;
}

/* ---- times ---- */

#define DAY_MS (24LL * 3600 * 1000)
#define TZ_MS (8LL * 3600 * 1000)

int64_t ins_local_midnight(int64_t ms) {
  int64_t d = (ms + TZ_MS) / DAY_MS;
  if ((ms + TZ_MS) % DAY_MS < 0) d--;
  return d * DAY_MS - TZ_MS;
}

/* The end (last millisecond) of the local day `days` after the day of ts. */
static int64_t deadline_of(int64_t ts, int64_t days) {
  return ins_local_midnight(ts) + (days + 1) * DAY_MS - 1;
}

/* ---- parsing a submission ---- */

/* An optional string member of at most max bytes: 0, or ZZ_EINVAL naming field. */
static int opt_str(const json_t *o, const char *k, const char *field, size_t max, const char **out,
                   struct zz_err *e) {
  json_t *v = json_object_get(o, k);
  *out = NULL;
  if (!v || json_is_null(v)) return 0;
  if (!json_is_string(v)) return zz_fail(e, ZZ_EINVAL, field, "%s must be a string", field);
  if (json_string_length(v) > max)
    return zz_fail(e, ZZ_EINVAL, field, "%s is longer than %zu bytes", field, max);
  if (strlen(json_string_value(v)) != json_string_length(v))
    return zz_fail(e, ZZ_EINVAL, field, "%s must not contain NUL", field);
  *out = json_string_value(v);
  return 0;
}

static int uid_ok(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n < 8 || n > INS_UID_MAX) return 0;
  for (const char *c = s; *c; c++)
    if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
          *c == '-' || *c == '_' || *c == '.' || *c == ':'))
      return 0;
  return 1;
}

static int dept_cb(void *ud, const struct store_named *n) {
  struct {
    const char *key;
    int found;
  } *d = ud;
  if (strcmp(n->key, d->key) == 0) d->found = 1;
  return d->found;
}

int ins_dept_exists(struct store *st, const char *key) {
  struct {
    const char *key;
    int found;
  } d = {key, 0};
  store_named_each(st, "department", dept_cb, &d);
  return d.found;
}

void ins_sub_free(struct ins_sub *s) {
  json_decref(s->checklist);
  json_decref(s->campaign);
  zz_free(s->answers_json);
  zz_free(s->ans);
  memset(s, 0, sizeof *s);
}

struct plan_chk {
  int64_t entity, inspection;
  char checklist[65], campaign[65];
  int found;
};

static int plan_chk_cb(void *ud, const struct store_ins_plan *p) {
  struct plan_chk *c = ud;
  c->found = 1;
  c->entity = p->entity;
  c->inspection = p->inspection;
  zz_strlcpy(c->checklist, p->checklist, sizeof c->checklist);
  zz_strlcpy(c->campaign, p->campaign ? p->campaign : "", sizeof c->campaign);
  return 0;
}

/* The answers: every item of the checklist exactly once, in the
 * checklist's order in s->ans, and as normalized JSON in s->answers_json. */
static int parse_answers(struct ins_sub *s, const json_t *body, struct zz_err *e) {
  json_t *items = json_object_get(s->checklist, "items");
  json_t *answers = json_object_get(body, "answers");
  size_t n = json_array_size(items);
  char field[64];
  if (!json_is_array(answers))
    return zz_fail(e, ZZ_EINVAL, "answers", "answers must be an array of {item, ok, note?}");
  if (json_array_size(answers) > n)
    return zz_fail(e, ZZ_EINVAL, "answers", "answers has more entries than the checklist has items");
  s->ans = zz_calloc(n ? n : 1, sizeof *s->ans);
  if (!s->ans) return zz_fail(e, ZZ_ENOMEM, NULL, "out of memory");
  s->nans = n;
  for (size_t i = 0; i < n; i++) s->ans[i].ok = -2; /* unanswered */
  for (size_t i = 0; i < json_array_size(answers); i++) {
    json_t *a = json_array_get(answers, i);
    snprintf(field, sizeof field, "answers[%zu].item", i);
    const char *item = ins_str(a, "item");
    if (!json_is_object(a) || !item)
      return zz_fail(e, ZZ_EINVAL, field, "%s must name an item of the checklist", field);
    size_t k = 0;
    while (k < n && strcmp(ins_str(json_array_get(items, k), "id"), item) != 0) k++;
    if (k == n)
      return zz_fail(e, ZZ_EINVAL, field, "item \"%s\" is not on checklist \"%s\"", item,
                     s->checklist_id);
    if (s->ans[k].ok != -2)
      return zz_fail(e, ZZ_EINVAL, field, "item \"%s\" is answered twice", item);
    json_t *ok = json_object_get(a, "ok");
    snprintf(field, sizeof field, "answers[%zu].ok", i);
    if (!ok || !(json_is_boolean(ok) || json_is_null(ok)))
      return zz_fail(e, ZZ_EINVAL, field,
                     "%s must be true (passed), false (failed) or null (not applicable)", field);
    s->ans[k].ok = json_is_null(ok) ? -1 : json_is_true(ok);
    snprintf(field, sizeof field, "answers[%zu].note", i);
    int rc = opt_str(a, "note", field, 500, &s->ans[k].note, e);
    if (rc) return rc;
  }
  for (size_t k = 0; k < n; k++) {
    json_t *it = json_array_get(items, k);
    s->ans[k].item = ins_str(it, "id");
    s->ans[k].def = it;
    if (s->ans[k].ok == -2)
      return zz_fail(e, ZZ_EINVAL, "answers", "item \"%s\" is not answered (%s%.0s)",
                     s->ans[k].item, ins_str(it, "text_en"), ins_str(it, "text_zh"));
  }
  /* the normalized text: the same answers always read the same */
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 1u << 20);
  zz_json_init(&j, &b);
  zz_json_arr(&j);
  for (size_t k = 0; k < n; k++) {
    zz_json_obj(&j);
    zz_json_kstr(&j, "item", s->ans[k].item);
    zz_json_key(&j, "ok");
    if (s->ans[k].ok < 0)
      zz_json_null(&j);
    else
      zz_json_bool(&j, s->ans[k].ok);
    if (s->ans[k].note && *s->ans[k].note) zz_json_kstr(&j, "note", s->ans[k].note);
    zz_json_obj_end(&j);
  }
  zz_json_arr_end(&j);
  if (zz_json_finish(&j)) {
    zz_buf_free(&b);
    return zz_fail(e, ZZ_ENOMEM, NULL, "out of memory");
  }
  s->answers_json = zz_strdup(b.data);
  zz_buf_free(&b);
  return s->answers_json ? 0 : zz_fail(e, ZZ_ENOMEM, NULL, "out of memory");
}

static int parse_findings(struct ins_sub *s, const json_t *body, struct zz_err *e) {
  json_t *fs = json_object_get(body, "findings");
  char field[64];
  if (!fs || json_is_null(fs)) return 0;
  if (!json_is_array(fs))
    return zz_fail(e, ZZ_EINVAL, "findings", "findings must be an array of {text, owner?, days?}");
  if (json_array_size(fs) > INS_FINDINGS_MAX)
    return zz_fail(e, ZZ_EINVAL, "findings", "at most %d findings per inspection",
                   INS_FINDINGS_MAX);
  for (size_t i = 0; i < json_array_size(fs); i++) {
    json_t *f = json_array_get(fs, i);
    struct ins_finding *x = &s->find[s->nfind];
    snprintf(field, sizeof field, "findings[%zu].text", i);
    int rc = json_is_object(f) ? opt_str(f, "text", field, 500, &x->text, e)
                               : zz_fail(e, ZZ_EINVAL, field, "%s is required", field);
    if (rc) return rc;
    if (!x->text || !*x->text) return zz_fail(e, ZZ_EINVAL, field, "%s is required", field);
    snprintf(field, sizeof field, "findings[%zu].owner", i);
    if ((rc = opt_str(f, "owner", field, 64, &x->owner, e))) return rc;
    if (x->owner && !ins_dept_exists(s->st, x->owner))
      return zz_fail(e, ZZ_EINVAL, field, "department \"%s\" does not exist", x->owner);
    json_t *days = json_object_get(f, "days");
    x->days = INS_FINDING_DAYS;
    if (days && !json_is_null(days)) {
      snprintf(field, sizeof field, "findings[%zu].days", i);
      if (!json_is_integer(days) || json_integer_value(days) < 1 ||
          json_integer_value(days) > 365)
        return zz_fail(e, ZZ_EINVAL, field, "%s must be a whole number of days from 1 to 365",
                       field);
      x->days = json_integer_value(days);
    }
    s->nfind++;
  }
  return 0;
}

static int parse_closes(struct ins_sub *s, const json_t *body, struct zz_err *e) {
  json_t *cs = json_object_get(body, "closes");
  if (!cs || json_is_null(cs)) return 0;
  if (!json_is_array(cs) || json_array_size(cs) > INS_FINDINGS_MAX)
    return zz_fail(e, ZZ_EINVAL, "closes",
                   "closes must be an array of at most %d rectification item ids",
                   INS_FINDINGS_MAX);
  for (size_t i = 0; i < json_array_size(cs); i++) {
    json_t *v = json_array_get(cs, i);
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
      return zz_fail(e, ZZ_EINVAL, "closes", "closes must be an array of rectification item ids");
    s->closes[s->ncloses++] = json_integer_value(v);
  }
  return 0;
}

int ins_parse(struct inspections *in, const json_t *body, struct ins_sub *s, struct zz_err *e) {
  memset(s, 0, sizeof *s);
  s->st = in->st;
  s->lon = s->lat = NAN;
  int rc;
  if (!json_is_object(body))
    return zz_fail(e, ZZ_EINVAL, "body", "the body must be a JSON object");
  if ((rc = opt_str(body, "uid", "uid", INS_UID_MAX, &s->uid, e))) return rc;
  if (!uid_ok(s->uid))
    return zz_fail(e, ZZ_EINVAL, "uid",
                   "uid must be 8 to 64 letters, digits, '-', '_', '.' or ':' (the client's key "
                   "of this inspection)");
  if ((rc = opt_str(body, "checklist", "checklist", 64, &s->checklist_id, e))) return rc;
  if ((rc = inspections_checklist(in->st, s->checklist_id, &s->checklist, e)))
    return rc == ZZ_ENOTFOUND ? (e->code = ZZ_EINVAL, ZZ_EINVAL) : rc;
  const char *key;
  if ((rc = opt_str(body, "entity", "entity", 128, &key, e))) return rc;
  if (!key || !*key) return zz_fail(e, ZZ_EINVAL, "entity", "entity is required");
  if (ins_entity(in->st, key, &s->ent))
    return zz_fail(e, ZZ_EINVAL, "entity", "entity \"%s\" does not exist", key);
  if (!ins_has(json_object_get(s->checklist, "entity_types"), s->ent.type))
    return zz_fail(e, ZZ_EINVAL, "entity", "entity \"%s\" is a %s: checklist \"%s\" is not for it",
                   key, s->ent.type, s->checklist_id);
  /* the campaign: named, or the one that uses the checklist */
  const char *camp;
  if ((rc = opt_str(body, "campaign", "campaign", 64, &camp, e))) return rc;
  if (camp && *camp) {
    if ((rc = inspections_campaign(in->st, camp, &s->campaign, e)))
      return rc == ZZ_ENOTFOUND ? (e->code = ZZ_EINVAL, ZZ_EINVAL) : rc;
    if (!ins_has(json_object_get(s->campaign, "checklists"), s->checklist_id))
      return zz_fail(e, ZZ_EINVAL, "campaign", "campaign \"%s\" does not use checklist \"%s\"",
                     camp, s->checklist_id);
  } else {
    s->campaign = campaign_of_checklist(in->st, s->checklist_id);
  }
  s->campaign_id = s->campaign ? ins_str(s->campaign, "id") : NULL;
  /* the plan it fulfils */
  json_t *plan = json_object_get(body, "plan");
  if (plan && !json_is_null(plan)) {
    if (!json_is_integer(plan) || json_integer_value(plan) <= 0)
      return zz_fail(e, ZZ_EINVAL, "plan", "plan must be a plan's id");
    struct plan_chk pc = {0};
    s->plan = json_integer_value(plan);
    if (store_ins_plan_get(in->st, s->plan, plan_chk_cb, &pc) || !pc.found)
      return zz_fail(e, ZZ_EINVAL, "plan", "plan %lld does not exist", (long long)s->plan);
    if (pc.entity != s->ent.id || strcmp(pc.checklist, s->checklist_id) != 0)
      return zz_fail(e, ZZ_EINVAL, "plan", "plan %lld is for another entity or checklist",
                     (long long)s->plan);
  }
  /* when and where */
  json_t *ts = json_object_get(body, "ts");
  s->now = zz_time_now();
  s->ts = s->now;
  if (ts && !json_is_null(ts)) {
    const char *t = json_string_value(ts);
    if (!t || zz_time_parse(t, strlen(t), &s->ts))
      return zz_fail(e, ZZ_EINVAL, "ts", "ts must be an RFC 3339 time");
    if (s->ts > s->now + 10 * 60 * 1000)
      return zz_fail(e, ZZ_EINVAL, "ts", "ts must not be in the future");
    s->ts_given = 1;
  }
  json_t *lon = json_object_get(body, "lon"), *lat = json_object_get(body, "lat");
  if ((lon && !json_is_null(lon)) || (lat && !json_is_null(lat))) {
    if (!json_is_number(lon) || !json_is_number(lat) || fabs(json_number_value(lon)) > 180 ||
        fabs(json_number_value(lat)) > 90)
      return zz_fail(e, ZZ_EINVAL, "lon", "lon and lat go together, within ±180 and ±90");
    s->lon = json_number_value(lon);
    s->lat = json_number_value(lat);
  }
  if ((rc = opt_str(body, "note", "note", INS_NOTE_MAX, &s->note, e))) return rc;
  if ((rc = parse_answers(s, body, e)) || (rc = parse_findings(s, body, e)) ||
      (rc = parse_closes(s, body, e)))
    return rc;
  for (size_t k = 0; k < s->nans; k++)
    if (s->ans[k].ok == 0) s->failed++;
  s->failed += (int64_t)s->nfind;
  return 0;
}

int inspection_target(struct inspections *in, const json_t *body, struct ins_target *out,
                      struct zz_err *e) {
  memset(out, 0, sizeof *out);
  json_t *cl = NULL;
  const char *cid = json_is_object(body) ? ins_str(body, "checklist") : NULL;
  const char *key = json_is_object(body) ? ins_str(body, "entity") : NULL;
  int rc = inspections_checklist(in->st, cid, &cl, e);
  if (rc) {
    if (rc == ZZ_ENOTFOUND) e->code = rc = ZZ_EINVAL;
    return rc;
  }
  zz_strlcpy(out->department, ins_str(cl, "department") ? ins_str(cl, "department") : "",
             sizeof out->department);
  json_decref(cl);
  struct ins_ent x;
  if (!key || !*key) return zz_fail(e, ZZ_EINVAL, "entity", "entity is required");
  if (ins_entity(in->st, key, &x))
    return zz_fail(e, ZZ_EINVAL, "entity", "entity \"%s\" does not exist", key);
  out->region = x.region;
  zz_strlcpy(out->entity, x.key, sizeof out->entity);
  return 0;
}

/* ---- the stored visit compared with a submission of the same uid ---- */

struct stored {
  int found;
  int64_t id, plan, entity, ts;
  double lon, lat;
  char checklist[65], campaign[65], note[INS_NOTE_MAX + 1];
  char *answers;
};

static int stored_cb(void *ud, const struct store_inspection *i) {
  struct stored *s = ud;
  s->found = 1;
  s->id = i->id;
  s->plan = i->plan;
  s->entity = i->entity;
  s->ts = i->ts;
  s->lon = i->lon;
  s->lat = i->lat;
  zz_strlcpy(s->checklist, i->checklist, sizeof s->checklist);
  zz_strlcpy(s->campaign, i->campaign ? i->campaign : "", sizeof s->campaign);
  zz_strlcpy(s->note, i->note ? i->note : "", sizeof s->note);
  s->answers = zz_strdup(i->answers ? i->answers : "");
  return 0;
}

struct finds {
  const struct ins_sub *s;
  int64_t ts;
  size_t n;
  int same;
};

static int finds_cb(void *ud, const struct store_rectify *r) {
  struct finds *f = ud;
  if (strncmp(r->item, "finding-", 8) != 0) return 0;
  size_t k = f->n++;
  if (k >= f->s->nfind) {
    f->same = 0;
    return 1;
  }
  const struct ins_finding *x = &f->s->find[k];
  const char *owner = x->owner ? x->owner : ins_str(f->s->checklist, "department");
  if (strcmp(r->note ? r->note : "", x->text) != 0 || strcmp(r->owner, owner ? owner : "") != 0 ||
      r->deadline != deadline_of(f->ts, x->days))
    f->same = 0;
  return 0;
}

static int same_num(double a, double b) {
  return (isnan(a) && isnan(b)) || a == b;
}

/* 1 when what was stored under the uid is what s submits. */
static int same_content(struct inspections *in, const struct ins_sub *s, const struct stored *o) {
  if (o->entity != s->ent.id || strcmp(o->checklist, s->checklist_id) != 0 ||
      strcmp(o->campaign, s->campaign_id ? s->campaign_id : "") != 0 || o->plan != s->plan ||
      strcmp(o->note, s->note ? s->note : "") != 0 || !same_num(o->lon, s->lon) ||
      !same_num(o->lat, s->lat) || strcmp(o->answers ? o->answers : "", s->answers_json) != 0)
    return 0;
  /* a resend without ts (the server's clock) is the same visit; one with
   * ts must say the same time */
  if (s->ts_given && o->ts != s->ts) return 0;
  struct store_ins_filter f = {.inspection = o->id};
  struct finds fd = {s, o->ts, 0, 1};
  if (store_rectifies_each(in->st, &f, finds_cb, &fd)) return 0;
  return fd.same && fd.n == s->nfind;
}

/* ---- writing a submission ---- */

struct open_item {
  int64_t id, order, deadline;
  char item[65];
};

struct open_list {
  struct open_item v[256];
  size_t n;
};

static int open_cb(void *ud, const struct store_rectify *r) {
  struct open_list *l = ud;
  if (l->n == ZZ_ARRAY_LEN(l->v)) return 1;
  struct open_item *x = &l->v[l->n++];
  x->id = r->id;
  x->order = r->order_id;
  x->deadline = r->deadline;
  zz_strlcpy(x->item, r->item, sizeof x->item);
  return 0;
}

struct ostate {
  char state[16], department[65];
  int found;
};

static int ostate_cb(void *ud, const struct store_order *o) {
  struct ostate *s = ud;
  s->found = 1;
  zz_strlcpy(s->state, o->state ? o->state : "", sizeof s->state);
  zz_strlcpy(s->department, o->department ? o->department : "", sizeof s->department);
  return 0;
}

int ins_order_close(struct wf_txn *t, struct store *st, int64_t order, const char *owner,
                    const char *note, struct zz_err *e) {
  static const struct wf_actor sys = {"system", 0, "", ACTOR_SYSTEM};
  for (int step = 0; step < 8; step++) {
    struct ostate s = {0};
    int rc = store_order_get(st, order, ostate_cb, &s);
    if (rc == ZZ_ENOTFOUND || (!rc && !s.found)) return 0; /* nothing to close */
    if (rc) return zz_fail(e, rc, "order", "cannot read order %lld", (long long)order);
    const char *act = NULL;
    const char *depts[1] = {owner};
    size_t nd = 0;
    if (!strcmp(s.state, "reported") || !strcmp(s.state, "returned") ||
        !strcmp(s.state, "reopened")) {
      act = "dispatch";
      nd = 1;
    } else if (!strcmp(s.state, "dispatched"))
      act = "accept";
    else if (!strcmp(s.state, "accepted") || !strcmp(s.state, "in_progress"))
      act = "resolve";
    else if (!strcmp(s.state, "resolved"))
      act = "verify";
    else if (!strcmp(s.state, "verified"))
      act = "close";
    else
      return 0; /* closed or merged */
    if ((rc = workflow_txn_act(t, &sys, order, act, nd ? depts : NULL, nd, note, e))) return rc;
  }
  return 0;
}

/* A rectification item's order: created by the inspector, dispatched to
 * its owner by the system. */
static int open_order(struct ins_txn *x, struct wf_txn *t, const char *owner, const char *what_zh,
                      int64_t deadline, int64_t *out, struct zz_err *e) {
  const struct ins_sub *s = x->s;
  char title[256], desc[1024], dl[32];
  snprintf(title, sizeof title, "整改：%.96s · %s", s->ent.name_zh, what_zh);
  zz_utf8_trim(title);
  zz_time_format(deadline, dl);
  snprintf(desc, sizeof desc,
           "检查（%s）发现问题，请于 %.10s 前整改。Rectify by %.10s (inspection %lld, %s). %s",
           ins_str(s->checklist, "name_zh") ? ins_str(s->checklist, "name_zh") : s->checklist_id,
           dl, dl, (long long)x->id, s->checklist_id, what_zh);
  zz_utf8_trim(desc);
  struct wf_actor who = {x->who->name, x->who->role, x->who->department, ACTOR_USER};
  struct wf_create c = {.matter = INS_MATTER,
                        .title = title,
                        .description = desc,
                        .entity = s->ent.key,
                        .channel = "staff",
                        .lon = NAN,
                        .lat = NAN,
                        .distinct = 1};
  int rc = workflow_txn_create(t, &who, &c, out, e);
  if (rc) return rc;
  static const struct wf_actor sys = {"system", 0, "", ACTOR_SYSTEM};
  const char *depts[1] = {owner};
  return workflow_txn_act(t, &sys, *out, "dispatch", depts, 1, "整改派单 rectification", e);
}

static int points_of(const json_t *item) {
  json_t *p = json_object_get(item, "points");
  return json_is_integer(p) && json_integer_value(p) > 0 ? (int)json_integer_value(p) : 0;
}

/* One rectification item: its row, its order, its credit event. */
static int add_item(struct ins_txn *x, struct wf_txn *t, struct store *st, const char *item,
                    const char *owner, const char *note, const char *what_zh, int64_t days,
                    int points, struct zz_err *e) {
  const struct ins_sub *s = x->s;
  struct store_rectify r = {.inspection = x->id,
                            .item = item,
                            .entity = s->ent.id,
                            .campaign = s->campaign_id,
                            .owner = owner,
                            .deadline = deadline_of(s->ts, days),
                            .status = "open",
                            .note = note};
  int64_t rid = 0, order = 0;
  int rc = store_rectify_insert(st, &r, &rid, e);
  if (!rc && x->wf_ok) rc = open_order(x, t, owner, what_zh, r.deadline, &order, e);
  if (!rc && order) rc = store_rectify_set_order(st, rid, order, e);
  if (!rc && points > 0) {
    char reason[160];
    snprintf(reason, sizeof reason, "%s: %s", s->checklist_id, item);
    struct store_credit_event ev = {.entity = s->ent.id,
                                    .ts = s->ts,
                                    .points = -points,
                                    .kind = "violation",
                                    .reason = reason,
                                    .campaign = s->campaign_id,
                                    .inspection = x->id,
                                    .rectify = rid,
                                    .actor = x->who->name};
    rc = store_credit_insert(st, &ev, NULL, e);
  }
  return rc;
}

/* Closes open item o of this entity: on time or late, its credit, its order. */
static int close_item(struct ins_txn *x, struct wf_txn *t, struct store *st,
                      const struct open_item *o, int points, struct zz_err *e) {
  const struct ins_sub *s = x->s;
  int on_time = s->ts <= o->deadline;
  int rc = store_rectify_close(st, o->id, on_time ? "closed_on_time" : "closed_late", s->ts, x->id,
                               e);
  if (rc) return rc;
  if (on_time && points > 0) {
    char reason[160];
    snprintf(reason, sizeof reason, "%s: %s", s->checklist_id, o->item);
    struct store_credit_event ev = {.entity = s->ent.id,
                                    .ts = s->ts,
                                    .points = 1,
                                    .kind = "rectified",
                                    .reason = reason,
                                    .campaign = s->campaign_id,
                                    .inspection = x->id,
                                    .rectify = o->id,
                                    .actor = x->who->name};
    if ((rc = store_credit_insert(st, &ev, NULL, e))) return rc;
  }
  if (o->order && x->wf_ok) {
    char note[160];
    snprintf(note, sizeof note, "复查合格，整改销号（检查 %lld）Re-inspection %lld passed",
             (long long)x->id, (long long)x->id);
    const char *owner = ins_str(s->checklist, "department");
    rc = ins_order_close(t, st, o->order, owner, note, e);
  }
  return rc;
}

static int submit_txn(void *ud, struct wf_txn *t, struct store *st, struct zz_err *e) {
  struct ins_txn *x = ud;
  const struct ins_sub *s = x->s;
  const char *dept = ins_str(s->checklist, "department");
  struct store_inspection row = {.uid = s->uid,
                                 .checklist = s->checklist_id,
                                 .campaign = s->campaign_id,
                                 .plan = s->plan,
                                 .entity = s->ent.id,
                                 .region = s->ent.region,
                                 .department = dept,
                                 .inspector = x->who->name,
                                 .ts = s->ts,
                                 .lon = s->lon,
                                 .lat = s->lat,
                                 .result = s->failed ? "fail" : "pass",
                                 .failed = s->failed,
                                 .answers = s->answers_json,
                                 .note = s->note,
                                 .created = s->now};
  int rc = store_inspection_insert(st, &row, &x->id, e);
  if (rc) return rc;
  if (s->plan && (rc = store_ins_plan_fulfil(st, s->plan, x->id, e))) return rc;
  /* what this visit closes: the open items of this entity and checklist
   * that it passes, and those it names in "closes" */
  struct open_list *ol = zz_calloc(1, sizeof *ol);
  if (!ol) return zz_fail(e, ZZ_ENOMEM, NULL, "out of memory");
  struct store_ins_filter f = {.entity = s->ent.id, .checklist = s->checklist_id,
                               .status = "open_all"};
  if ((rc = store_rectifies_each(st, &f, open_cb, ol))) {
    zz_free(ol);
    return zz_fail(e, rc, "rectify", "cannot read the open rectification items");
  }
  for (size_t i = 0; !rc && i < s->ncloses; i++) {
    size_t k = 0;
    while (k < ol->n && ol->v[k].id != s->closes[i]) k++;
    if (k == ol->n)
      rc = zz_fail(e, ZZ_EINVAL, "closes",
                   "rectification item %lld is not an open item of this entity and checklist",
                   (long long)s->closes[i]);
  }
  for (size_t k = 0; !rc && k < ol->n; k++) {
    const struct open_item *o = &ol->v[k];
    int close = 0, points = 0;
    for (size_t a = 0; a < s->nans; a++)
      if (s->ans[a].ok == 1 && strcmp(s->ans[a].item, o->item) == 0) {
        close = 1;
        points = points_of(s->ans[a].def);
      }
    for (size_t c = 0; c < s->ncloses; c++)
      if (s->closes[c] == o->id) close = 1;
    if (close) rc = close_item(x, t, st, o, points, e);
  }
  /* what this visit opens: a failed item that is still open from an
   * earlier visit is the same unrectified problem (its deadline and
   * overdue mark stand), not a new item, order or penalty */
  for (size_t a = 0; !rc && a < s->nans; a++) {
    if (s->ans[a].ok != 0) continue;
    int still_open = 0;
    for (size_t k = 0; k < ol->n; k++)
      if (strcmp(ol->v[k].item, s->ans[a].item) == 0) still_open = 1;
    if (still_open) continue;
    json_t *it = s->ans[a].def;
    json_t *days = json_object_get(it, "rectify_days");
    rc = add_item(x, t, st, s->ans[a].item, dept, s->ans[a].note, ins_str(it, "text_zh"),
                  json_is_integer(days) ? json_integer_value(days) : 7, points_of(it), e);
  }
  zz_free(ol);
  for (size_t k = 0; !rc && k < s->nfind; k++) {
    char item[32];
    snprintf(item, sizeof item, "finding-%zu", k + 1);
    const struct ins_finding *fd = &s->find[k];
    rc = add_item(x, t, st, item, fd->owner ? fd->owner : dept, fd->text, fd->text, fd->days, 0,
                  e);
  }
  return rc;
}

static int txn_plain(struct inspections *in, struct ins_txn *x, struct zz_err *e) {
  /* without a workflow (tests of the store side): one store transaction */
  int rc = store_txn(in->st, STORE_TXN_BEGIN, e);
  if (rc) return rc;
  rc = submit_txn(x, NULL, in->st, e);
  int c = store_txn(in->st, rc ? STORE_TXN_ROLLBACK : STORE_TXN_COMMIT, rc ? NULL : e);
  return rc ? rc : c;
}

int inspection_submit(struct inspections *in, const struct ins_actor *who, const json_t *body,
                      int *created, struct zz_json *j, struct zz_err *e) {
  struct ins_sub *s = zz_calloc(1, sizeof *s);
  struct stored o = {0};
  *created = 0;
  if (!s) return zz_fail(e, ZZ_ENOMEM, NULL, "out of memory");
  int rc = ins_parse(in, body, s, e);
  if (rc) goto done;
  /* the same uid again: the offline queue resent it */
  for (int attempt = 0; attempt < 2; attempt++) {
    memset(&o, 0, sizeof o);
    if ((rc = store_inspection_get(in->st, 0, s->uid, stored_cb, &o)) && rc != ZZ_ENOTFOUND) {
      rc = zz_fail(e, rc, "uid", "cannot read the inspection");
      goto done;
    }
    if (o.found) {
      rc = same_content(in, s, &o) ? 0
                                   : zz_fail(e, ZZ_ECONFLICT, "uid",
                                             "uid \"%s\" was already used for another inspection "
                                             "(%lld)",
                                             s->uid, (long long)o.id);
      if (!rc) rc = inspection_read(in, o.id, j, e);
      goto done;
    }
    struct ins_txn x = {.in = in, .who = who, .s = s, .wf_ok = in->wf != NULL};
    rc = in->wf ? workflow_txn(in->wf, submit_txn, &x, e) : txn_plain(in, &x, e);
    if (rc == ZZ_EEXISTS && !strcmp(e->field, "inspection")) {
      /* the same uid committed meanwhile by another request: compare */
      zz_free(o.answers);
      o.answers = NULL;
      continue;
    }
    if (rc) goto done;
    *created = 1;
    rc = inspection_read(in, x.id, j, e);
    goto done;
  }
  rc = zz_fail(e, ZZ_ECONFLICT, "uid", "uid \"%s\" was stored twice at once", s->uid);
done:
  zz_free(o.answers);
  ins_sub_free(s);
  zz_free(s);
  return rc;
}
