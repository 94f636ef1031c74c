/* reads.c - what inspections show (inspections.h): a visit with its photos
 * and items, the lists, an entity's credit (and, for a market, its
 * stall-holders' scores with their names masked unless the department
 * asks), plans and the leader's progress view. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/ztime.h"
#include "inspections/inspections_int.h"
#include "model/registry.h"

/* Writes the entity's members of a row: entity (key), names, type, region path. */
static void ent_members(struct inspections *in, struct zz_json *j,
                        const struct store_ins_entity *en) {
  char path[256] = "";
  if (in->reg) registry_path_of(in->reg, en->region, path, sizeof path);
  zz_json_kstr(j, "entity", en->key);
  zz_json_kstr(j, "entity_name_zh", en->name_zh);
  zz_json_kstr(j, "entity_name_en", en->name_en);
  zz_json_kstr(j, "entity_type", en->type);
  zz_json_kstr(j, "region", path);
}

/* The text of a rectification item: the checklist item's, or a finding's note. */
static void item_text(json_t *doc, const char *checklist, const char *item, const char *note,
                      struct zz_json *j) {
  json_t *it = NULL;
  if (strncmp(item, "finding-", 8) != 0)
    it = ins_find(json_object_get(ins_find(json_object_get(doc, "checklists"), checklist), "items"),
                  item);
  zz_json_kstr(j, "text_zh", it ? ins_str(it, "text_zh") : note);
  zz_json_kstr(j, "text_en", it ? ins_str(it, "text_en") : note);
}

struct rect_out {
  struct inspections *in;
  struct zz_json *j;
  json_t *doc;
};

static int rect_json(void *ud, const struct store_rectify *r) {
  struct rect_out *o = ud;
  struct zz_json *j = o->j;
  zz_json_obj(j);
  zz_json_kint(j, "id", r->id);
  zz_json_kint(j, "inspection", r->inspection);
  zz_json_kstr(j, "checklist", r->checklist);
  zz_json_kstr(j, "item", r->item);
  item_text(o->doc, r->checklist, r->item, r->note, j);
  zz_json_kstr(j, "note", r->note);
  ent_members(o->in, j, &r->ent);
  zz_json_kstr(j, "campaign", r->campaign);
  zz_json_kstr(j, "owner", r->owner);
  zz_json_ktime(j, "inspected", r->inspected);
  zz_json_ktime(j, "deadline", r->deadline);
  if (r->order_id)
    zz_json_kint(j, "order", r->order_id);
  else
    zz_json_knull(j, "order");
  zz_json_kstr(j, "status", r->status);
  if (r->closed)
    zz_json_ktime(j, "closed", r->closed);
  else
    zz_json_knull(j, "closed");
  if (r->closed_by)
    zz_json_kint(j, "closed_by", r->closed_by);
  else
    zz_json_knull(j, "closed_by");
  zz_json_obj_end(j);
  return 0;
}

static int photo_json(void *ud, const struct store_ins_photo *p) {
  struct zz_json *j = ud;
  char url[96];
  snprintf(url, sizeof url, "/api/v1/inspections/%lld/photos/%lld", (long long)p->inspection,
           (long long)p->id);
  zz_json_obj(j);
  zz_json_kint(j, "id", p->id);
  zz_json_kstr(j, "item", p->item);
  zz_json_kstr(j, "mime", p->mime);
  zz_json_kint(j, "size", p->size);
  zz_json_kstr(j, "sha256", p->sha256);
  zz_json_kstr(j, "url", url);
  zz_json_obj_end(j);
  return 0;
}

struct ins_out {
  struct inspections *in;
  struct zz_json *j;
  int photos; /* with the photos */
  int64_t last_id;
  int n;
};

static int ins_json(void *ud, const struct store_inspection *i) {
  struct ins_out *o = ud;
  struct zz_json *j = o->j;
  zz_json_obj(j);
  zz_json_kint(j, "id", i->id);
  zz_json_kstr(j, "uid", i->uid);
  zz_json_kstr(j, "checklist", i->checklist);
  zz_json_kstr(j, "campaign", i->campaign);
  if (i->plan)
    zz_json_kint(j, "plan", i->plan);
  else
    zz_json_knull(j, "plan");
  ent_members(o->in, j, &i->ent);
  zz_json_kstr(j, "department", i->department);
  zz_json_kstr(j, "inspector", i->inspector);
  zz_json_ktime(j, "ts", i->ts);
  zz_json_knum(j, "lon", i->lon);
  zz_json_knum(j, "lat", i->lat);
  zz_json_kstr(j, "result", i->result);
  zz_json_kint(j, "failed", i->failed);
  zz_json_key(j, "answers");
  if (i->answers && zz_json_valid(i->answers, strlen(i->answers)))
    zz_json_text(j, i->answers, strlen(i->answers));
  else
    zz_json_text(j, "[]", 2);
  zz_json_kstr(j, "note", i->note);
  zz_json_ktime(j, "created", i->created);
  if (o->photos) {
    zz_json_karr(j, "photos");
    store_ins_photos_each(o->in->st, i->id, 0, photo_json, j);
    zz_json_arr_end(j);
  }
  zz_json_obj_end(j);
  o->last_id = i->id;
  o->n++;
  return 0;
}

struct owner {
  char department[65];
  int64_t region;
  int found;
};

static int owner_cb(void *ud, const struct store_inspection *i) {
  struct owner *o = ud;
  zz_strlcpy(o->department, i->department, sizeof o->department);
  o->region = i->region;
  o->found = 1;
  return 0;
}

int inspection_owner(struct inspections *in, int64_t id, char *department, size_t cap,
                     int64_t *region) {
  struct owner o = {0};
  int rc = store_inspection_get(in->st, id, NULL, owner_cb, &o);
  if (rc) return rc;
  if (!o.found) return ZZ_ENOTFOUND;
  zz_strlcpy(department, o.department, cap);
  *region = o.region;
  return 0;
}

int inspection_read(struct inspections *in, int64_t id, struct zz_json *j, struct zz_err *e) {
  struct ins_out o = {in, j, 1, 0, 0};
  zz_json_obj(j);
  zz_json_key(j, "inspection");
  int rc = store_inspection_get(in->st, id, NULL, ins_json, &o);
  if (rc == ZZ_ENOTFOUND) return zz_fail(e, rc, "id", "no inspection %lld", (long long)id);
  if (rc) return zz_fail(e, rc, "id", "cannot read the inspection");
  zz_json_karr(j, "rectify");
  struct rect_out ro = {in, j, ins_doc(in->st)};
  struct store_ins_filter f = {.inspection = id};
  rc = store_rectifies_each(in->st, &f, rect_json, &ro);
  /* and the items it closed */
  zz_json_arr_end(j);
  json_decref(ro.doc);
  zz_json_obj_end(j);
  if (rc) return zz_fail(e, rc, "rectify", "cannot read the rectification items");
  return 0;
}

int inspections_list(struct inspections *in, const struct store_ins_filter *f, struct zz_json *j,
                     struct zz_err *e) {
  struct ins_out o = {in, j, 0, 0, 0};
  zz_json_obj(j);
  zz_json_karr(j, "inspections");
  int rc = store_inspections_each(in->st, f, ins_json, &o);
  zz_json_arr_end(j);
  if (f->limit > 0 && o.n == f->limit) {
    char cur[24];
    snprintf(cur, sizeof cur, "%lld", (long long)o.last_id);
    zz_json_kstr(j, "next_cursor", cur);
  } else {
    zz_json_knull(j, "next_cursor");
  }
  zz_json_obj_end(j);
  if (rc) return zz_fail(e, rc, NULL, "cannot read the inspections");
  return 0;
}

int rectifications_list(struct inspections *in, const struct store_ins_filter *f,
                        struct zz_json *j, struct zz_err *e) {
  struct rect_out ro = {in, j, ins_doc(in->st)};
  zz_json_obj(j);
  zz_json_karr(j, "rectify");
  int rc = store_rectifies_each(in->st, f, rect_json, &ro);
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  json_decref(ro.doc);
  if (rc) return zz_fail(e, rc, NULL, "cannot read the rectification items");
  return 0;
}

/* ---- credit ---- */

struct credit_out {
  struct zz_json *j;
  int64_t sum;
  int show_personal;
};

static int credit_json(void *ud, const struct store_credit_event *ev) {
  struct credit_out *o = ud;
  struct zz_json *j = o->j;
  o->sum += ev->points;
  zz_json_obj(j);
  zz_json_kint(j, "id", ev->id);
  zz_json_ktime(j, "ts", ev->ts);
  zz_json_kint(j, "points", ev->points);
  zz_json_kstr(j, "kind", ev->kind);
  zz_json_kstr(j, "reason", ev->reason);
  zz_json_kstr(j, "campaign", ev->campaign);
  if (ev->inspection)
    zz_json_kint(j, "inspection", ev->inspection);
  else
    zz_json_knull(j, "inspection");
  if (ev->rectify)
    zz_json_kint(j, "rectify", ev->rectify);
  else
    zz_json_knull(j, "rectify");
  zz_json_kstr(j, "actor", ev->actor);
  zz_json_kint(j, "score", 0); /* patched below: the running score needs the base */
  zz_json_obj_end(j);
  return 0;
}

/* "王**": a person's name shown to those who may not see it. */
static void mask_name(const char *name, char *out, size_t cap) {
  if (!name || !*name) {
    zz_strlcpy(out, "", cap);
    return;
  }
  size_t n = 1;
  unsigned char c = (unsigned char)name[0];
  if (c >= 0xf0)
    n = 4;
  else if (c >= 0xe0)
    n = 3;
  else if (c >= 0xc0)
    n = 2;
  snprintf(out, cap, "%.*s**", (int)n, name);
}

struct member_out {
  struct zz_json *j;
  int64_t base;
  int show_personal;
  int64_t n;
};

static int member_json(void *ud, const struct store_ins_entity *en, int64_t points,
                       int64_t events) {
  struct member_out *o = ud;
  struct zz_json *j = o->j;
  json_t *attrs = json_loads(en->attrs_json ? en->attrs_json : "{}", 0, NULL);
  char holder[64];
  const char *h = ins_str(attrs, "holder");
  if (o->show_personal)
    zz_strlcpy(holder, h ? h : "", sizeof holder);
  else
    mask_name(h, holder, sizeof holder);
  zz_json_obj(j);
  zz_json_kstr(j, "entity", en->key);
  zz_json_kstr(j, "name_zh", en->name_zh);
  zz_json_kstr(j, "name_en", en->name_en);
  zz_json_kstr(j, "trade", ins_str(attrs, "trade"));
  zz_json_kstr(j, "holder", h ? holder : NULL);
  zz_json_kint(j, "score", o->base + points);
  zz_json_kint(j, "events", events);
  zz_json_obj_end(j);
  json_decref(attrs);
  o->n++;
  return 0;
}

/* The campaign (a new reference) an entity of type takes part in (as a
 * participant or a member): the one named, else the first. */
static json_t *campaign_for(struct store *st, const char *type, const char *named, int *member) {
  json_t *doc = ins_doc(st), *found = NULL;
  json_t *camps = json_object_get(doc, "campaigns");
  for (size_t i = 0; i < json_array_size(camps) && !found; i++) {
    json_t *c = json_array_get(camps, i);
    if (named && strcmp(ins_str(c, "id") ? ins_str(c, "id") : "", named) != 0) continue;
    if (ins_has(json_object_get(json_object_get(c, "participants"), "entity_types"), type)) {
      found = c;
      *member = 0;
    } else if (ins_has(json_object_get(json_object_get(c, "members"), "entity_types"), type)) {
      found = c;
      *member = 1;
    }
  }
  json_incref(found);
  json_decref(doc);
  return found;
}

int inspections_credit_department(struct inspections *in, const char *entity,
                                  const char *campaign, char *dept, size_t cap) {
  struct ins_ent x;
  int rc = ins_entity(in->st, entity, &x), member = 0;
  if (rc) return rc;
  json_t *camp = campaign_for(in->st, x.type, campaign, &member);
  const char *d = ins_str(camp, "department");
  zz_strlcpy(dept, d ? d : "", cap);
  json_decref(camp);
  return 0;
}

int credit_read(struct inspections *in, const char *entity, const char *campaign,
                int show_personal, struct zz_json *j, struct zz_err *e) {
  struct ins_ent *x = zz_calloc(1, sizeof *x);
  if (!x) return zz_fail(e, ZZ_ENOMEM, NULL, "out of memory");
  int rc = ins_entity(in->st, entity, x);
  if (rc) {
    zz_free(x);
    return rc == ZZ_ENOTFOUND ? zz_fail(e, rc, "entity", "entity \"%s\" does not exist", entity)
                              : zz_fail(e, rc, "entity", "cannot read the entity");
  }
  int member = 0;
  json_t *camp = campaign_for(in->st, x->type, campaign, &member);
  if (campaign && *campaign && !camp) {
    zz_free(x);
    return zz_fail(e, ZZ_ENOTFOUND, "campaign", "entity \"%s\" takes no part in campaign \"%s\"",
                   entity, campaign);
  }
  json_t *base_j = json_object_get(json_object_get(camp, "credit"), "base");
  int64_t base = json_is_integer(base_j) ? json_integer_value(base_j) : INS_CREDIT_BASE;
  /* the events are written first, into their own buffer, for the sum */
  struct zz_buf eb;
  struct zz_json ej;
  zz_buf_init(&eb, 16u << 20);
  zz_json_init(&ej, &eb);
  zz_json_arr(&ej);
  struct credit_out co = {&ej, 0, show_personal};
  rc = store_credits_each(in->st, x->id, credit_json, &co);
  zz_json_arr_end(&ej);
  if (!rc && zz_json_finish(&ej)) rc = ZZ_ENOMEM;
  zz_json_obj(j);
  zz_json_kstr(j, "entity", x->key);
  zz_json_kstr(j, "name_zh", x->name_zh);
  zz_json_kstr(j, "name_en", x->name_en);
  zz_json_kstr(j, "type", x->type);
  zz_json_kstr(j, "campaign", camp ? ins_str(camp, "id") : NULL);
  zz_json_kint(j, "base", base);
  zz_json_kint(j, "score", base + co.sum);
  zz_json_key(j, "events");
  if (!rc) {
    /* the running score of each event, now that the base is known */
    json_t *evs = json_loadb(eb.data, eb.len, 0, NULL);
    int64_t run = base;
    for (size_t i = 0; i < json_array_size(evs); i++) {
      json_t *ev = json_array_get(evs, i);
      run += json_integer_value(json_object_get(ev, "points"));
      json_object_set_new(ev, "score", json_integer(run));
    }
    if (evs)
      zz_json_jansson(j, evs);
    else
      zz_json_text(j, "[]", 2);
    json_decref(evs);
  } else {
    zz_json_text(j, "[]", 2);
  }
  zz_buf_free(&eb);
  /* a participant with members (a market): its members' scores */
  json_t *mem = json_object_get(camp, "members");
  const char *attr = ins_str(mem, "parent_attr");
  if (!rc && camp && !member && attr && json_array_size(json_object_get(mem, "entity_types"))) {
    char path[80];
    snprintf(path, sizeof path, "$.%s", attr);
    struct member_out mo = {j, base, show_personal, 0};
    zz_json_karr(j, "members");
    json_t *types = json_object_get(mem, "entity_types");
    for (size_t i = 0; !rc && i < json_array_size(types); i++)
      rc = store_credit_members(in->st, json_string_value(json_array_get(types, i)), path, x->key,
                                member_json, &mo);
    zz_json_arr_end(j);
  }
  zz_json_obj_end(j);
  json_decref(camp);
  zz_free(x);
  if (rc) return zz_fail(e, rc, NULL, "cannot read the credit record");
  return 0;
}

/* ---- plans ---- */

int plan_create(struct inspections *in, const struct ins_actor *who, const json_t *body,
                int64_t *out_id, struct zz_err *e) {
  json_t *camp = NULL, *cl = NULL;
  struct ins_ent x;
  int rc;
  const char *cid = ins_str(body, "campaign"), *clid = ins_str(body, "checklist");
  const char *key = ins_str(body, "entity"), *day = ins_str(body, "day");
  const char *leader = ins_str(body, "leader"), *note = ins_str(body, "note");
  if ((rc = inspections_campaign(in->st, cid, &camp, e))) {
    if (rc == ZZ_ENOTFOUND) e->code = rc = ZZ_EINVAL;
    goto done;
  }
  if ((rc = inspections_checklist(in->st, clid, &cl, e))) {
    if (rc == ZZ_ENOTFOUND) e->code = rc = ZZ_EINVAL;
    goto done;
  }
  if (!ins_has(json_object_get(camp, "checklists"), clid)) {
    rc = zz_fail(e, ZZ_EINVAL, "checklist", "campaign \"%s\" does not use checklist \"%s\"", cid,
                 clid);
    goto done;
  }
  if (!key || ins_entity(in->st, key, &x)) {
    rc = zz_fail(e, ZZ_EINVAL, "entity", "entity \"%s\" does not exist", key ? key : "");
    goto done;
  }
  if (!ins_has(json_object_get(cl, "entity_types"), x.type)) {
    rc = zz_fail(e, ZZ_EINVAL, "entity", "entity \"%s\" is a %s: checklist \"%s\" is not for it",
                 key, x.type, clid);
    goto done;
  }
  int64_t dms = 0;
  if (!day || strlen(day) != 10 || zz_time_parse(day, 10, &dms)) {
    rc = zz_fail(e, ZZ_EINVAL, "day", "day must be a date YYYY-MM-DD");
    goto done;
  }
  if (!leader || !*leader || strlen(leader) > 100) {
    rc = zz_fail(e, ZZ_EINVAL, "leader", "leader (who leads the visit, up to 100 bytes) is required");
    goto done;
  }
  if (note && strlen(note) > INS_NOTE_MAX) {
    rc = zz_fail(e, ZZ_EINVAL, "note", "note is longer than %d bytes", INS_NOTE_MAX);
    goto done;
  }
  struct store_ins_plan p = {.campaign = cid,
                             .checklist = clid,
                             .entity = x.id,
                             .day = ins_local_midnight(dms),
                             .leader = leader,
                             .department = ins_str(camp, "department"),
                             .note = note,
                             .created = zz_time_now()};
  rc = store_ins_plan_insert(in->st, &p, out_id, e);
  (void)who;
done:
  json_decref(camp);
  json_decref(cl);
  return rc;
}

struct plan_out {
  struct inspections *in;
  struct zz_json *j;
};

static int plan_json(void *ud, const struct store_ins_plan *p) {
  struct plan_out *o = ud;
  struct zz_json *j = o->j;
  char day[32];
  zz_time_format(p->day, day);
  day[10] = '\0';
  zz_json_obj(j);
  zz_json_kint(j, "id", p->id);
  zz_json_kstr(j, "campaign", p->campaign);
  zz_json_kstr(j, "checklist", p->checklist);
  ent_members(o->in, j, &p->ent);
  zz_json_kstr(j, "day", day);
  zz_json_kstr(j, "leader", p->leader);
  zz_json_kstr(j, "department", p->department);
  if (p->inspection)
    zz_json_kint(j, "inspection", p->inspection);
  else
    zz_json_knull(j, "inspection");
  zz_json_kstr(j, "note", p->note);
  zz_json_obj_end(j);
  return 0;
}

int plans_list(struct inspections *in, const struct store_ins_filter *f, struct zz_json *j,
               struct zz_err *e) {
  struct plan_out o = {in, j};
  zz_json_obj(j);
  zz_json_karr(j, "plans");
  int rc = store_ins_plans_each(in->st, f, plan_json, &o);
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  if (rc) return zz_fail(e, rc, NULL, "cannot read the plans");
  return 0;
}

/* ---- the leader's progress view ---- */

struct prog_out {
  struct inspections *in;
  struct zz_json *j;
  struct store_ins_progress tot;
  int64_t units, visited_units;
};

static int prog_json(void *ud, const struct store_ins_progress *p) {
  struct prog_out *o = ud;
  struct zz_json *j = o->j;
  zz_json_obj(j);
  ent_members(o->in, j, &p->ent);
  zz_json_kint(j, "planned", p->planned);
  zz_json_kint(j, "visited", p->visited);
  if (p->last_visit)
    zz_json_ktime(j, "last_visit", p->last_visit);
  else
    zz_json_knull(j, "last_visit");
  if (p->next_plan) {
    char day[32];
    zz_time_format(p->next_plan, day);
    day[10] = '\0';
    zz_json_kstr(j, "next_plan", day);
  } else {
    zz_json_knull(j, "next_plan");
  }
  zz_json_kint(j, "findings", p->findings);
  zz_json_kobj(j, "rectify");
  zz_json_kint(j, "open", p->open);
  zz_json_kint(j, "overdue", p->overdue);
  zz_json_kint(j, "closed", p->closed);
  zz_json_obj_end(j);
  zz_json_obj_end(j);
  o->units++;
  if (p->visited) o->visited_units++;
  o->tot.planned += p->planned;
  o->tot.visited += p->visited;
  o->tot.findings += p->findings;
  o->tot.open += p->open;
  o->tot.overdue += p->overdue;
  o->tot.closed += p->closed;
  return 0;
}

int inspections_progress(struct inspections *in, const char *campaign, int64_t rpos_lo,
                         int64_t rpos_hi, int64_t now, struct zz_json *j, struct zz_err *e) {
  json_t *camp = NULL;
  int rc = inspections_campaign(in->st, campaign, &camp, e);
  if (rc) return rc;
  json_t *types = json_object_get(json_object_get(camp, "participants"), "entity_types");
  char *types_text = types ? json_dumps(types, JSON_COMPACT) : NULL;
  zz_json_obj(j);
  zz_json_kobj(j, "campaign");
  zz_json_kstr(j, "id", ins_str(camp, "id"));
  zz_json_kstr(j, "name_zh", ins_str(camp, "name_zh"));
  zz_json_kstr(j, "name_en", ins_str(camp, "name_en"));
  zz_json_kstr(j, "department", ins_str(camp, "department"));
  zz_json_kstr(j, "start", ins_str(camp, "start"));
  zz_json_kstr(j, "end", ins_str(camp, "end"));
  zz_json_key(j, "checklists");
  if (json_object_get(camp, "checklists"))
    zz_json_jansson(j, json_object_get(camp, "checklists"));
  else
    zz_json_text(j, "[]", 2);
  zz_json_obj_end(j);
  zz_json_karr(j, "units");
  struct prog_out o = {.in = in, .j = j};
  rc = store_ins_progress(in->st, campaign, types_text, rpos_lo, rpos_hi,
                          ins_local_midnight(now), prog_json, &o);
  zz_json_arr_end(j);
  zz_json_kobj(j, "totals");
  zz_json_kint(j, "units", o.units);
  zz_json_kint(j, "visited_units", o.visited_units);
  zz_json_kint(j, "planned", o.tot.planned);
  zz_json_kint(j, "visited", o.tot.visited);
  zz_json_kint(j, "findings", o.tot.findings);
  zz_json_kobj(j, "rectify");
  zz_json_kint(j, "open", o.tot.open);
  zz_json_kint(j, "overdue", o.tot.overdue);
  zz_json_kint(j, "closed", o.tot.closed);
  zz_json_obj_end(j);
  zz_json_obj_end(j);
  zz_json_obj_end(j);
  zz_free(types_text);
  json_decref(camp);
  if (rc) return zz_fail(e, rc, NULL, "cannot read the progress of the campaign");
  return 0;
}
