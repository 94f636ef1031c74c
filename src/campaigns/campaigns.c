/* campaigns.c - campaigns (campaigns.h): the campaign's definition read
 * from the pack, pledges signed on paper or through a code, activities,
 * and the dashboard built from the store's grouped counts and each
 * participant's latest inspections. */
#include "campaigns/campaigns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes/codes.h"
#include "core/ztime.h"
#include "intake/intake.h"
#include "model/registry.h"
#include "store/store_campaigns.h"
#include "store/store_registry.h"

#define DAY_MS (24LL * 3600 * 1000)

/* ---- the pack's definition ---- */

static int doc_cb(void *ud, const char *json) {
  *(json_t **)ud = json_loads(json, 0, NULL);
  return 0;
}

/* The whole campaigns.json (new reference), or NULL. */
static json_t *campaigns_doc(struct store *st) {
  json_t *doc = NULL;
  if (store_doc_get(st, "campaigns", doc_cb, &doc)) return NULL;
  return doc;
}

static const char *str_of(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The element of array whose "id" is id, or NULL. */
static json_t *by_id(const json_t *array, const char *id) {
  for (size_t i = 0; id && i < json_array_size(array); i++) {
    json_t *x = json_array_get(array, i);
    const char *xid = str_of(x, "id");
    if (xid && strcmp(xid, id) == 0) return x;
  }
  return NULL;
}

int campaign_def(struct store *st, const char *id, json_t **out, struct zz_err *e) {
  json_t *doc = campaigns_doc(st);
  json_t *c = by_id(json_object_get(doc, "campaigns"), id);
  json_incref(c);
  json_decref(doc);
  if (!c) return zz_fail(e, ZZ_ENOTFOUND, "id", "no such campaign: %s", id ? id : "");
  *out = c;
  return 0;
}

const char *campaign_department(const json_t *campaign) {
  const char *d = str_of(campaign, "department");
  return d ? d : "";
}

/* The parts of a campaign the store's counts need (store_cp_scope), as
 * texts this struct owns. */
struct cp_parts {
  char *participant_types, *member_types, *checklists;
  char parent_path[72];
  int64_t start, end; /* UTC ms; end 0: open-ended (the end day is included) */
};

static char *dump(const json_t *v) {
  return v ? json_dumps(v, JSON_COMPACT) : NULL;
}

/* An attribute name fit for a JSON path: letters, digits and '_'. */
static int attr_name_ok(const char *s) {
  if (!s || !*s || strlen(s) > 64) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return 0;
  return 1;
}

static void parts_free(struct cp_parts *p) {
  zz_free(p->participant_types);
  zz_free(p->member_types);
  zz_free(p->checklists);
  memset(p, 0, sizeof *p);
}

static int day_of(const json_t *c, const char *k, int64_t *out) {
  const char *s = str_of(c, k);
  *out = 0;
  return s ? zz_time_parse(s, strlen(s), out) : 0;
}

static int parts_of(const json_t *c, struct cp_parts *p, struct zz_err *e) {
  memset(p, 0, sizeof *p);
  const json_t *members = json_object_get(c, "members");
  const char *attr = str_of(members, "parent_attr");
  p->participant_types = dump(json_object_get(json_object_get(c, "participants"), "entity_types"));
  if (members && attr_name_ok(attr)) {
    p->member_types = dump(json_object_get(members, "entity_types"));
    snprintf(p->parent_path, sizeof p->parent_path, "$.%s", attr);
  }
  p->checklists = dump(json_object_get(c, "checklists"));
  if (day_of(c, "start", &p->start) || day_of(c, "end", &p->end)) {
    parts_free(p);
    return zz_fail(e, ZZ_EINTERNAL, "campaign", "campaign %s has a bad start or end date",
                   str_of(c, "id"));
  }
  if (p->end) p->end += DAY_MS; /* the end day is part of the campaign */
  if (!p->participant_types) {
    parts_free(p);
    return zz_fail(e, ZZ_ENOMEM, NULL, "out of memory");
  }
  return 0;
}

/* The viewer's region range cut to campaign c's own (participants.region:
 * a park's campaign counts the park's enterprises, not the district's), in
 * *lo, *hi: 0, 0 for the whole district; an empty range when the two do not
 * meet. A region the registry no longer has leaves the viewer's range. */
static void range_of(struct campaigns *cs, const json_t *c, const struct cp_view *v, int64_t *lo,
                     int64_t *hi) {
  *lo = v->rpos_lo;
  *hi = v->rpos_hi;
  const char *path = str_of(json_object_get(c, "participants"), "region");
  if (!path || !cs->reg) return;
  registry_rdlock(cs->reg);
  const struct reg_region *r = registry_region(cs->reg, path);
  if (r) {
    if (*lo == 0 && *hi == 0) {
      *lo = r->lo;
      *hi = r->hi;
    } else if (r->lo >= *lo && r->hi <= *hi) { /* the campaign's region is inside the view */
      *lo = r->lo;
      *hi = r->hi;
    } else if (!(*lo >= r->lo && *hi <= r->hi)) { /* disjoint subtrees: nothing */
      *lo = -1;
      *hi = -2;
    }
  }
  registry_unlock(cs->reg);
}

static struct store_cp_scope scope_of(struct campaigns *cs, const json_t *c,
                                      const struct cp_parts *p, const struct cp_view *v) {
  struct store_cp_scope sc = {.campaign = str_of(c, "id"),
                              .participant_types = p->participant_types,
                              .member_types = p->member_types,
                              .parent_path = p->parent_path[0] ? p->parent_path : NULL,
                              .checklists = p->checklists};
  range_of(cs, c, v, &sc.rpos_lo, &sc.rpos_hi);
  return sc;
}

/* 1 when type is in the array of types at o.entity_types. */
static int type_in(const json_t *o, const char *type) {
  const json_t *types = json_object_get(o, "entity_types");
  for (size_t i = 0; i < json_array_size(types); i++) {
    const char *t = json_string_value(json_array_get(types, i));
    if (t && strcmp(t, type) == 0) return 1;
  }
  return 0;
}

/* "participant" or "member" for an entity of type in campaign c, or NULL. */
static const char *role_of(const json_t *c, const char *type) {
  if (type_in(json_object_get(c, "participants"), type)) return "participant";
  if (type_in(json_object_get(c, "members"), type)) return "member";
  return NULL;
}

/* ---- entities ---- */

static int entity_cb(void *ud, const struct store_entity *en) {
  struct cp_entity *o = ud;
  o->id = en->id;
  o->region = en->region;
  zz_strlcpy(o->key, en->key, sizeof o->key);
  zz_strlcpy(o->type, en->type ? en->type : "", sizeof o->type);
  zz_strlcpy(o->name_zh, en->name_zh ? en->name_zh : en->key, sizeof o->name_zh);
  zz_strlcpy(o->name_en, en->name_en ? en->name_en : o->name_zh, sizeof o->name_en);
  return 0;
}

int campaign_entity(struct campaigns *cs, const char *key, const char *field, struct cp_entity *out,
                    struct zz_err *e) {
  memset(out, 0, sizeof *out);
  if (!key || !*key) return zz_fail(e, ZZ_EINVAL, field, "%s (an entity id) is required", field);
  int rc = store_entity_get(cs->st, key, entity_cb, out);
  if (rc == ZZ_ENOTFOUND || (!rc && !out->id))
    return zz_fail(e, ZZ_ENOTFOUND, field, "no entity %.128s", key);
  if (rc) return zz_fail(e, rc, NULL, "cannot read the entity");
  return 0;
}

/* ---- the list and the dashboard ---- */

struct kv {
  json_t *obj; /* key -> integer n (or [n, n2] when pair) */
  int pair;
};

static int kv_cb(void *ud, const char *key, int64_t n, int64_t n2) {
  struct kv *k = ud;
  json_t *v = k->pair ? json_pack("[I,I]", (json_int_t)n, (json_int_t)n2) : json_integer(n);
  return json_object_set_new(k->obj, key, v) != 0;
}

/* The grouped count what of the campaign as a new object key -> n (or
 * [n, n2] when pair). NULL with e filled when the store failed. */
static json_t *counted(struct campaigns *cs, const struct store_cp_scope *sc,
                       enum store_cp_count what, const char *arg, int pair, struct zz_err *e) {
  struct kv k = {json_object(), pair};
  if (!k.obj) return zz_fail(e, ZZ_ENOMEM, NULL, "out of memory"), NULL;
  int rc = store_cp_count(cs->st, sc, what, arg, kv_cb, &k);
  if (rc) {
    json_decref(k.obj);
    zz_fail(e, rc, NULL, "cannot count the campaign's records");
    return NULL;
  }
  return k.obj;
}

static int64_t n_of(const json_t *obj, const char *key) {
  return json_integer_value(json_object_get(obj, key));
}

/* Expected signers of pledge p: the participants or the members. */
static int64_t expected_of(const json_t *p, const json_t *entities) {
  const char *signer = str_of(p, "signer");
  return n_of(entities, signer && strcmp(signer, "member") == 0 ? "members" : "participants");
}

static void rectify_json(struct zz_json *j, const json_t *states) {
  zz_json_kobj(j, "rectify");
  static const char *const keys[] = {"open", "overdue", "closed_on_time", "closed_late"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(keys); i++) zz_json_kint(j, keys[i], n_of(states, keys[i]));
  zz_json_obj_end(j);
}

/* The counts every view of a campaign shows; owned by the caller. */
struct cp_counts {
  json_t *entities, *signed_by, *months_p, *months_i, *rectify;
  int64_t inspections, violations;
};

static void counts_free(struct cp_counts *k) {
  json_decref(k->entities);
  json_decref(k->signed_by);
  json_decref(k->months_p);
  json_decref(k->months_i);
  json_decref(k->rectify);
}

static int counts_of(struct campaigns *cs, const struct store_cp_scope *sc, struct cp_counts *k,
                     struct zz_err *e) {
  memset(k, 0, sizeof *k);
  if (!(k->entities = counted(cs, sc, STORE_CP_ENTITIES, NULL, 0, e)) ||
      !(k->signed_by = counted(cs, sc, STORE_CP_SIGNED_BY_PLEDGE, NULL, 0, e)) ||
      !(k->months_p = counted(cs, sc, STORE_CP_PLEDGES_BY_MONTH, NULL, 0, e)) ||
      !(k->months_i = counted(cs, sc, STORE_CP_INSPECTIONS_BY_MONTH, NULL, 1, e)) ||
      !(k->rectify = counted(cs, sc, STORE_CP_RECTIFY_BY_STATE, NULL, 0, e))) {
    counts_free(k);
    return e->code ? e->code : ZZ_ESTORE;
  }
  const char *month;
  json_t *v;
  /* a dozen or so monthly rows of the store's GROUP BY */
  json_object_foreach(k->months_i, month, v) {
    k->inspections += json_integer_value(json_array_get(v, 0));
    k->violations += json_integer_value(json_array_get(v, 1));
  }
  return 0;
}

static void pledges_summary(struct zz_json *j, const json_t *c, const struct cp_counts *k) {
  zz_json_karr(j, "pledges");
  const json_t *pledges = json_object_get(c, "pledges");
  for (size_t i = 0; i < json_array_size(pledges); i++) {
    const json_t *p = json_array_get(pledges, i);
    zz_json_obj(j);
    zz_json_kstr(j, "id", str_of(p, "id"));
    zz_json_kstr(j, "title_zh", str_of(p, "title_zh"));
    zz_json_kstr(j, "title_en", str_of(p, "title_en"));
    zz_json_kstr(j, "version", str_of(p, "version"));
    zz_json_kstr(j, "signer", str_of(p, "signer"));
    zz_json_kint(j, "signed", n_of(k->signed_by, str_of(p, "id")));
    zz_json_kint(j, "expected", expected_of(p, k->entities));
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
}

int campaigns_list_json(struct campaigns *cs, const struct cp_view *v, struct zz_json *j,
                        struct zz_err *e) {
  json_t *doc = campaigns_doc(cs->st);
  const json_t *list = json_object_get(doc, "campaigns");
  int rc = 0;
  zz_json_obj(j);
  zz_json_karr(j, "campaigns");
  for (size_t i = 0; i < json_array_size(list) && !rc; i++) {
    const json_t *c = json_array_get(list, i);
    struct cp_parts p;
    struct cp_counts k;
    if ((rc = parts_of(c, &p, e))) break;
    struct store_cp_scope sc = scope_of(cs, c, &p, v);
    if ((rc = counts_of(cs, &sc, &k, e))) {
      parts_free(&p);
      break;
    }
    zz_json_obj(j);
    zz_json_kstr(j, "id", str_of(c, "id"));
    zz_json_kstr(j, "name_zh", str_of(c, "name_zh"));
    zz_json_kstr(j, "name_en", str_of(c, "name_en"));
    zz_json_kstr(j, "department", campaign_department(c));
    zz_json_kstr(j, "start", str_of(c, "start"));
    zz_json_kstr(j, "end", str_of(c, "end"));
    zz_json_kbool(j, "plans", json_is_true(json_object_get(c, "plans")));
    zz_json_kint(j, "participants", n_of(k.entities, "participants"));
    zz_json_kint(j, "members", n_of(k.entities, "members"));
    pledges_summary(j, c, &k);
    zz_json_kint(j, "inspections", k.inspections);
    zz_json_kint(j, "violations", k.violations);
    rectify_json(j, k.rectify);
    zz_json_obj_end(j);
    counts_free(&k);
    parts_free(&p);
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  json_decref(doc);
  return rc;
}

/* The systems a participant runs, from its latest inspections: system ->
 * "ok" | "failed", set by each latest inspection's answered items (a
 * failed item whose rectification is closed counts as ok). */
struct latest_ctx {
  const json_t *checklists; /* the doc's checklists */
  json_t *systems;          /* entity key -> {system: state} */
};

static int in_array(const json_t *arr, const char *s) {
  for (size_t i = 0; i < json_array_size(arr); i++)
    if (json_is_string(json_array_get(arr, i)) &&
        strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
      return 1;
  return 0;
}

static int latest_cb(void *ud, const struct store_cp_latest *l) {
  struct latest_ctx *x = ud;
  const json_t *items = json_object_get(by_id(x->checklists, l->checklist), "items");
  json_t *answers = l->answers ? json_loads(l->answers, 0, NULL) : NULL;
  json_t *closed = l->closed_items ? json_loads(l->closed_items, 0, NULL) : NULL;
  json_t *mine = json_object_get(x->systems, l->entity_key);
  if (!mine) {
    mine = json_object();
    json_object_set_new(x->systems, l->entity_key, mine);
  }
  for (size_t i = 0; i < json_array_size(answers); i++) {
    const json_t *a = json_array_get(answers, i);
    const char *item = str_of(a, "item");
    const char *system = str_of(by_id(items, item), "system");
    const json_t *ok = json_object_get(a, "ok");
    if (!system || !json_is_boolean(ok)) continue; /* no system, or not applicable */
    int failed = json_is_false(ok) && !in_array(closed, item);
    const char *now = str_of(mine, system);
    if (failed || !now) json_object_set_new(mine, system, json_string(failed ? "failed" : "ok"));
  }
  json_decref(answers);
  json_decref(closed);
  return 0;
}

struct pledge_map_ctx {
  json_t *by_entity; /* key -> signed at (ms) */
};

static int pledge_map_cb(void *ud, const struct store_pledge *p) {
  struct pledge_map_ctx *x = ud;
  return json_object_set_new(x->by_entity, p->entity_key, json_integer(p->ts)) != 0;
}

struct part_ctx {
  struct campaigns *cs;
  struct zz_json *j;
  const json_t *c;
  json_t *systems;        /* from latest_cb */
  json_t *part_signed;    /* pledge id -> {entity key -> ts} */
  json_t *members_signed; /* pledge id -> {parent key -> n} */
  int64_t base;           /* credit base, -1: the campaign keeps no credit */
};

static int part_cb(void *ud, const struct store_cp_participant *p) {
  struct part_ctx *x = ud;
  struct zz_json *j = x->j;
  zz_json_obj(j);
  zz_json_kstr(j, "entity", p->key);
  zz_json_kstr(j, "name_zh", p->name_zh);
  zz_json_kstr(j, "name_en", p->name_en);
  registry_rdlock(x->cs->reg);
  const struct reg_region *rg = registry_region_by_id(x->cs->reg, p->region);
  zz_json_kstr(j, "region", rg ? rg->path : "");
  zz_json_kstr(j, "region_name_zh", rg ? rg->name_zh : NULL);
  zz_json_kstr(j, "region_name_en", rg ? rg->name_en : NULL);
  registry_unlock(x->cs->reg);
  const json_t *systems = json_object_get(x->c, "systems");
  if (json_array_size(systems)) {
    zz_json_kobj(j, "systems");
    const json_t *mine = json_object_get(x->systems, p->key);
    for (size_t i = 0; i < json_array_size(systems); i++) {
      const char *id = str_of(json_array_get(systems, i), "id");
      if (!id) continue;
      const char *state = str_of(mine, id);
      zz_json_kstr(j, id, state ? state : "unchecked");
    }
    zz_json_obj_end(j);
  }
  zz_json_kobj(j, "pledges");
  const char *pid;
  json_t *m;
  json_object_foreach(x->part_signed, pid, m) {
    json_t *ts = json_object_get(m, p->key);
    if (ts)
      zz_json_ktime(j, pid, json_integer_value(ts));
    else
      zz_json_knull(j, pid);
  }
  zz_json_obj_end(j);
  zz_json_kint(j, "members", p->members);
  /* the first member pledge's signatures; every one under members_signed_by */
  int64_t first = -1;
  zz_json_kobj(j, "members_signed_by");
  json_object_foreach(x->members_signed, pid, m) {
    int64_t n = json_integer_value(json_object_get(m, p->key));
    if (first < 0) first = n;
    zz_json_kint(j, pid, n);
  }
  zz_json_obj_end(j);
  zz_json_kint(j, "members_signed", first < 0 ? 0 : first);
  zz_json_kint(j, "inspections", p->inspections);
  zz_json_kint(j, "violations", p->violations);
  if (p->last_inspection)
    zz_json_ktime(j, "last_inspection", p->last_inspection);
  else
    zz_json_knull(j, "last_inspection");
  zz_json_kint(j, "open_rectify", p->open_rectify);
  if (x->base >= 0)
    zz_json_kint(j, "score", x->base + p->points);
  else
    zz_json_knull(j, "score");
  zz_json_obj_end(j);
  return zz_json_error(j) != 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* by_month: the months with pledges or inspections, in order. */
static void months_json(struct zz_json *j, const json_t *mp, const json_t *mi) {
  size_t n = json_object_size(mp) + json_object_size(mi), k = 0;
  const char **keys = n ? zz_calloc(n, sizeof *keys) : NULL;
  if (!keys) n = 0; /* out of memory: the months are left out, not made up */
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)mp, key, v) if (k < n) keys[k++] = key;
  json_object_foreach((json_t *)mi, key, v) if (k < n && !json_object_get(mp, key)) keys[k++] = key;
  if (k) qsort(keys, k, sizeof *keys, cmp_str);
  zz_json_karr(j, "by_month");
  for (size_t i = 0; i < k; i++) {
    const json_t *ins = json_object_get(mi, keys[i]);
    zz_json_obj(j);
    zz_json_kstr(j, "month", keys[i]);
    zz_json_kint(j, "pledges", n_of(mp, keys[i]));
    zz_json_kint(j, "inspections", json_integer_value(json_array_get(ins, 0)));
    zz_json_kint(j, "violations", json_integer_value(json_array_get(ins, 1)));
    zz_json_obj_end(j);
  }
  zz_json_arr_end(j);
  zz_free(keys);
}

static int activity_row(void *ud, const struct store_activity *a) {
  struct zz_json *j = ud;
  zz_json_obj(j);
  zz_json_kint(j, "id", a->id);
  zz_json_kstr(j, "kind", a->kind);
  zz_json_kstr(j, "title", a->title);
  zz_json_ktime(j, "ts", a->ts);
  zz_json_kint(j, "participants", a->participants);
  if (a->entity_key) {
    zz_json_kobj(j, "entity");
    zz_json_kstr(j, "id", a->entity_key);
    zz_json_kstr(j, "name_zh", a->name_zh);
    zz_json_kstr(j, "name_en", a->name_en);
    zz_json_obj_end(j);
  } else {
    zz_json_knull(j, "entity");
  }
  zz_json_kstr(j, "note", a->note);
  zz_json_kstr(j, "actor", a->actor);
  zz_json_obj_end(j);
  return zz_json_error(j) != 0;
}

/* The maps the participants' rows read: who signed each participant
 * pledge and when, and how many members of each participant signed each
 * member pledge. */
static int signed_maps(struct campaigns *cs, const json_t *c, const struct store_cp_scope *sc,
                       json_t *part_signed, json_t *members_signed, struct zz_err *e) {
  const json_t *pledges = json_object_get(c, "pledges");
  for (size_t i = 0; i < json_array_size(pledges); i++) {
    const json_t *p = json_array_get(pledges, i);
    const char *id = str_of(p, "id"), *signer = str_of(p, "signer");
    if (!id) continue;
    int rc;
    if (signer && strcmp(signer, "member") == 0) {
      if (!sc->parent_path) continue;
      json_t *by = counted(cs, sc, STORE_CP_SIGNED_BY_PARENT, id, 0, e);
      if (!by) return e->code;
      json_object_set_new(members_signed, id, by);
    } else {
      struct pledge_map_ctx x = {json_object()};
      struct store_pledge_filter f = {
          .campaign = sc->campaign, .pledge = id, .rpos_lo = sc->rpos_lo, .rpos_hi = sc->rpos_hi};
      json_object_set_new(part_signed, id, x.by_entity);
      if ((rc = store_pledges_each(cs->st, &f, pledge_map_cb, &x)))
        return zz_fail(e, rc, NULL, "cannot read the pledges");
    }
  }
  return 0;
}

int campaign_dashboard_json(struct campaigns *cs, const char *id, const struct cp_view *v,
                            struct zz_json *j, struct zz_err *e) {
  json_t *doc = campaigns_doc(cs->st);
  const json_t *c = by_id(json_object_get(doc, "campaigns"), id);
  json_t *systems = json_object(), *part_signed = json_object(), *members_signed = json_object();
  struct cp_parts p = {0};
  struct cp_counts k = {0};
  int rc = 0, have_counts = 0;
  if (!c) {
    rc = zz_fail(e, ZZ_ENOTFOUND, "id", "no such campaign: %s", id ? id : "");
    goto done;
  }
  if ((rc = parts_of(c, &p, e))) goto done;
  struct store_cp_scope sc = scope_of(cs, c, &p, v);
  if ((rc = counts_of(cs, &sc, &k, e))) goto done;
  have_counts = 1;
  struct latest_ctx lx = {json_object_get(doc, "checklists"), systems};
  if ((rc = store_cp_latest_each(cs->st, &sc, latest_cb, &lx))) {
    rc = zz_fail(e, rc, NULL, "cannot read the campaign's inspections");
    goto done;
  }
  if ((rc = signed_maps(cs, c, &sc, part_signed, members_signed, e))) goto done;
  const json_t *credit = json_object_get(c, "credit");
  json_t *base = json_object_get(credit, "base");
  zz_json_obj(j);
  zz_json_key(j, "campaign");
  zz_json_jansson(j, c);
  zz_json_karr(j, "participants");
  struct part_ctx px = {cs,
                        j,
                        c,
                        systems,
                        part_signed,
                        members_signed,
                        credit ? (json_is_integer(base) ? json_integer_value(base) : 100) : -1};
  if ((rc = store_cp_participants_each(cs->st, &sc, part_cb, &px))) {
    rc = zz_fail(e, rc, NULL, "cannot read the campaign's participants");
    goto done;
  }
  zz_json_arr_end(j);
  zz_json_kobj(j, "totals");
  zz_json_kint(j, "participants", n_of(k.entities, "participants"));
  zz_json_kint(j, "members", n_of(k.entities, "members"));
  const json_t *pledges = json_object_get(c, "pledges");
  zz_json_kobj(j, "signed");
  for (size_t i = 0; i < json_array_size(pledges); i++) {
    const char *pid = str_of(json_array_get(pledges, i), "id");
    if (pid) zz_json_kint(j, pid, n_of(k.signed_by, pid));
  }
  zz_json_obj_end(j);
  zz_json_kobj(j, "expected");
  for (size_t i = 0; i < json_array_size(pledges); i++) {
    const char *pid = str_of(json_array_get(pledges, i), "id");
    if (pid) zz_json_kint(j, pid, expected_of(json_array_get(pledges, i), k.entities));
  }
  zz_json_obj_end(j);
  zz_json_kint(j, "inspections", k.inspections);
  zz_json_kint(j, "violations", k.violations);
  rectify_json(j, k.rectify);
  zz_json_obj_end(j);
  months_json(j, k.months_p, k.months_i);
  zz_json_karr(j, "activities");
  struct store_activity_filter af = {
      .campaign = id, .rpos_lo = v->rpos_lo, .rpos_hi = v->rpos_hi, .limit = CAMPAIGNS_ACTIVITIES};
  if ((rc = store_activities_each(cs->st, &af, activity_row, j))) {
    rc = zz_fail(e, rc, NULL, "cannot read the campaign's activities");
    goto done;
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
done:
  if (have_counts) counts_free(&k);
  parts_free(&p);
  json_decref(systems);
  json_decref(part_signed);
  json_decref(members_signed);
  json_decref(doc);
  return rc;
}

/* ---- cursors ---- */

/* A page's cursor is "TS.ID" of its last row: opaque to clients. */
static void cursor_make(char out[48], int64_t ts, int64_t id) {
  snprintf(out, 48, "%lld.%lld", (long long)ts, (long long)id);
}

static int cursor_parse(const char *s, int64_t *ts, int64_t *id, struct zz_err *e) {
  *ts = *id = 0;
  if (!s || !*s) return 0;
  const char *dot = strchr(s, '.');
  char head[24];
  if (!dot || (size_t)(dot - s) >= sizeof head) goto bad;
  memcpy(head, s, (size_t)(dot - s));
  head[dot - s] = '\0';
  if (zz_parse_i64(head, ts) || zz_parse_i64(dot + 1, id) || *id <= 0) goto bad;
  return 0;
bad:
  return zz_fail(e, ZZ_EINVAL, "cursor", "cursor is not one this server gave");
}

/* ---- the signatures ---- */

struct pledge_list_ctx {
  struct zz_json *j;
  const json_t *c;
  int personal, n, limit;
  int more; /* a row came after the page's last */
  int64_t last_ts, last_id;
};

static int pledge_row(void *ud, const struct store_pledge *p) {
  struct pledge_list_ctx *x = ud;
  struct zz_json *j = x->j;
  if (x->n == x->limit) return x->more = 1; /* one more than a page: there is a next */
  char name[64], phone[32];
  zz_mask_name(p->signer, name, sizeof name);
  zz_mask_phone(p->phone, phone, sizeof phone);
  const json_t *def = by_id(json_object_get(x->c, "pledges"), p->pledge);
  zz_json_obj(j);
  zz_json_kint(j, "id", p->id);
  zz_json_kstr(j, "pledge", p->pledge);
  zz_json_kstr(j, "title_zh", str_of(def, "title_zh"));
  zz_json_kstr(j, "title_en", str_of(def, "title_en"));
  zz_json_kstr(j, "version", p->version);
  zz_json_kobj(j, "entity");
  zz_json_kstr(j, "id", p->entity_key);
  zz_json_kstr(j, "name_zh", p->name_zh);
  zz_json_kstr(j, "name_en", p->name_en);
  zz_json_obj_end(j);
  zz_json_kstr(j, "parent", p->parent);
  zz_json_kstr(j, "signer", x->personal ? p->signer : name);
  if (p->phone)
    zz_json_kstr(j, "phone", x->personal ? p->phone : phone);
  else
    zz_json_knull(j, "phone");
  zz_json_kbool(j, "masked", !x->personal);
  zz_json_kstr(j, "channel", p->channel);
  zz_json_ktime(j, "signed_at", p->ts);
  zz_json_obj_end(j);
  x->n++;
  x->last_ts = p->ts;
  x->last_id = p->id;
  return zz_json_error(j) != 0;
}

int campaign_pledges_json(struct campaigns *cs, const char *id, const struct cp_view *v,
                          const struct cp_pledge_query *q, struct zz_json *j, struct zz_err *e) {
  json_t *c = NULL;
  int rc = campaign_def(cs->st, id, &c, e);
  if (rc) return rc;
  struct store_pledge_filter f = {.campaign = id,
                                  .pledge = q->pledge && *q->pledge ? q->pledge : NULL,
                                  .entity = q->entity && *q->entity ? q->entity : NULL};
  range_of(cs, c, v, &f.rpos_lo, &f.rpos_hi);
  struct cp_parts p;
  if ((rc = cursor_parse(q->cursor, &f.before_ts, &f.before, e))) goto done;
  if (f.pledge && !by_id(json_object_get(c, "pledges"), f.pledge)) {
    rc = zz_fail(e, ZZ_EINVAL, "pledge", "pledge %.64s is not one of the campaign's pledges",
                 f.pledge);
    goto done;
  }
  if ((rc = parts_of(c, &p, e))) goto done;
  f.parent_path = p.parent_path[0] ? p.parent_path : NULL;
  f.parent = q->parent && *q->parent ? q->parent : NULL;
  int limit = q->limit > 0 && q->limit <= CAMPAIGNS_LIST_MAX ? q->limit : 50;
  f.limit = limit + 1;
  struct pledge_list_ctx x = {.j = j, .c = c, .personal = v->personal, .limit = limit};
  zz_json_obj(j);
  zz_json_karr(j, "pledges");
  rc = store_pledges_each(cs->st, &f, pledge_row, &x);
  zz_json_arr_end(j);
  /* a full page with a row after it: the next page starts after its last */
  char cur[48];
  cursor_make(cur, x.last_ts, x.last_id);
  zz_json_kstr(j, "next_cursor", x.more ? cur : NULL);
  zz_json_obj_end(j);
  parts_free(&p);
  if (rc) rc = zz_fail(e, rc, NULL, "cannot read the pledges");
done:
  json_decref(c);
  return rc;
}

/* An optional string member of at most max bytes: 0 (*out NULL when
 * absent or null), or ZZ_EINVAL. */
static int opt_str(const json_t *o, const char *k, size_t max, const char **out, struct zz_err *e) {
  json_t *v = json_object_get(o, k);
  *out = NULL;
  if (!v || json_is_null(v)) return 0;
  if (!json_is_string(v)) return zz_fail(e, ZZ_EINVAL, k, "%s must be a string", k);
  if (json_string_length(v) > max)
    return zz_fail(e, ZZ_EINVAL, k, "%s is longer than %zu bytes", k, max);
  *out = json_string_value(v);
  return 0;
}

/* A mainland mobile number: 11 digits starting with 1. */
static int mobile_ok(const char *p) {
  if (!p || strlen(p) != 11 || p[0] != '1') return 0;
  for (const char *c = p; *c; c++)
    if (*c < '0' || *c > '9') return 0;
  return 1;
}

/* A person's name from body.k: required, trimmed, at most
 * CAMPAIGNS_NAME_MAX bytes, into out. */
static int name_of(const json_t *body, const char *k, char out[CAMPAIGNS_NAME_MAX + 1],
                   struct zz_err *e) {
  const char *s;
  int rc = opt_str(body, k, CAMPAIGNS_NAME_MAX, &s, e);
  if (rc) return rc;
  /* without the spaces around it (ASCII and the ideographic U+3000) */
  const char *b = s ? s : "";
  for (;;) {
    if (*b == ' ' || *b == '\t')
      b++;
    else if (strncmp(b, "\xe3\x80\x80", 3) == 0)
      b += 3;
    else
      break;
  }
  zz_strlcpy(out, b, CAMPAIGNS_NAME_MAX + 1);
  for (size_t n = strlen(out); n > 0;) {
    if (out[n - 1] == ' ' || out[n - 1] == '\t')
      out[--n] = '\0';
    else if (n >= 3 && strcmp(out + n - 3, "\xe3\x80\x80") == 0)
      out[n -= 3] = '\0';
    else
      break;
  }
  if (!out[0]) return zz_fail(e, ZZ_EINVAL, k, "%s (the signer's name) is required", k);
  return 0;
}

/* The local date of ms, "YYYY-MM-DD", into t. */
static const char *day_text(int64_t ms, char t[32]) {
  zz_time_format(ms, t);
  t[10] = '\0';
  return t;
}

/* A time inside the campaign's period and not in the future: 0 or
 * ZZ_EINVAL naming field. */
static int in_period(const struct cp_parts *p, int64_t ts, int64_t now, const char *field,
                     struct zz_err *e) {
  char t[32];
  if (ts > now + 60000) return zz_fail(e, ZZ_EINVAL, field, "%s must not be in the future", field);
  if (p->start && ts < p->start)
    return zz_fail(e, ZZ_EINVAL, field, "%s is before the campaign's start (%s)", field,
                   day_text(p->start, t));
  if (p->end && ts >= p->end)
    return zz_fail(e, ZZ_EINVAL, field, "%s is after the campaign's end (%s)", field,
                   day_text(p->end - DAY_MS, t));
  return 0;
}

/* What one signature needs. */
struct sign_req {
  const json_t *c;    /* the campaign */
  const char *pledge; /* its id */
  const char *entity; /* the signing entity's key */
  const char *entity_field;
  const char *signer;  /* trimmed name */
  const char *phone;   /* may be NULL */
  const char *channel; /* paper | code */
  int64_t ts;
};

static int sign(struct campaigns *cs, const struct sign_req *rq, struct zz_json *j,
                int64_t *signed_at, struct zz_err *e) {
  const json_t *def = by_id(json_object_get(rq->c, "pledges"), rq->pledge);
  if (!def)
    return zz_fail(e, ZZ_EINVAL, "pledge", "pledge %.64s is not one of the campaign's pledges",
                   rq->pledge ? rq->pledge : "");
  struct cp_entity en;
  int rc = campaign_entity(cs, rq->entity, rq->entity_field, &en, e);
  if (rc) return rc;
  const char *want = str_of(def, "signer");
  if (!want) want = "participant";
  const char *role = role_of(rq->c, en.type);
  if (!role || strcmp(role, want) != 0)
    return zz_fail(e, ZZ_EINVAL, rq->entity_field,
                   "%.128s (a %.64s) is not asked to sign this pledge", en.key, en.type);
  const char *version = str_of(def, "version");
  struct store_pledge p = {.campaign = str_of(rq->c, "id"),
                           .pledge = rq->pledge,
                           .version = version ? version : "",
                           .entity = en.id,
                           .signer = rq->signer,
                           .phone = rq->phone,
                           .channel = rq->channel,
                           .ts = rq->ts};
  int64_t id = 0, at = 0;
  rc = store_pledge_insert(cs->st, &p, &id, &at, e);
  if (rc == ZZ_EEXISTS) {
    char t[32];
    if (signed_at) *signed_at = at;
    return zz_fail(e, ZZ_EEXISTS, "pledge", "%.128s signed this pledge already, at %s", en.key,
                   zz_time_format(at, t));
  }
  if (rc) return rc;
  zz_json_obj(j);
  zz_json_kobj(j, "pledge");
  zz_json_kint(j, "id", id);
  zz_json_kstr(j, "campaign", p.campaign);
  zz_json_kstr(j, "campaign_name_zh", str_of(rq->c, "name_zh"));
  zz_json_kstr(j, "campaign_name_en", str_of(rq->c, "name_en"));
  zz_json_kstr(j, "pledge", rq->pledge);
  zz_json_kstr(j, "title_zh", str_of(def, "title_zh"));
  zz_json_kstr(j, "title_en", str_of(def, "title_en"));
  zz_json_kstr(j, "version", p.version);
  zz_json_kobj(j, "entity");
  zz_json_kstr(j, "id", en.key);
  zz_json_kstr(j, "name_zh", en.name_zh);
  zz_json_kstr(j, "name_en", en.name_en);
  zz_json_obj_end(j);
  zz_json_kstr(j, "signer", rq->signer);
  zz_json_kstr(j, "channel", rq->channel);
  zz_json_ktime(j, "signed_at", rq->ts);
  zz_json_obj_end(j);
  zz_json_obj_end(j);
  return 0;
}

int campaign_sign_paper(struct campaigns *cs, const struct cp_actor *who, const char *id,
                        const json_t *body, struct zz_json *j, int64_t *signed_at,
                        struct zz_err *e) {
  (void)who; /* the signer signs; the clerk who recorded it is the request's */
  json_t *c = NULL;
  struct cp_parts p = {0};
  char name[CAMPAIGNS_NAME_MAX + 1];
  const char *pledge, *entity, *phone, *ts_s;
  int64_t now = zz_time_now(), ts = now;
  int rc = campaign_def(cs->st, id, &c, e);
  if (rc) return rc;
  if ((rc = parts_of(c, &p, e))) goto done;
  if ((rc = opt_str(body, "pledge", 64, &pledge, e)) ||
      (rc = opt_str(body, "entity", 128, &entity, e)) ||
      (rc = opt_str(body, "phone", 20, &phone, e)) || (rc = opt_str(body, "ts", 40, &ts_s, e)) ||
      (rc = name_of(body, "signer", name, e)))
    goto done;
  if (!pledge) {
    rc = zz_fail(e, ZZ_EINVAL, "pledge", "pledge is required");
    goto done;
  }
  if (phone && !mobile_ok(phone)) {
    rc = zz_fail(e, ZZ_EINVAL, "phone", "phone must be an 11-digit mobile number");
    goto done;
  }
  if (ts_s && zz_time_parse(ts_s, strlen(ts_s), &ts)) {
    rc = zz_fail(e, ZZ_EINVAL, "ts", "ts must be a date (YYYY-MM-DD) or an RFC 3339 time");
    goto done;
  }
  if ((rc = in_period(&p, ts, now, "ts", e))) goto done;
  struct sign_req rq = {c, pledge, entity, "entity", name, phone, "paper", ts};
  rc = sign(cs, &rq, j, signed_at, e);
done:
  parts_free(&p);
  json_decref(c);
  return rc;
}

int campaign_sign_public(struct campaigns *cs, const char *entity, const json_t *body,
                         struct zz_json *j, int64_t *signed_at, struct zz_err *e) {
  json_t *c = NULL;
  struct cp_parts p = {0};
  char name[CAMPAIGNS_NAME_MAX + 1], digits[24], t[32];
  const char *campaign, *pledge, *phone;
  int64_t now = zz_time_now();
  int rc;
  if ((rc = opt_str(body, "campaign", 64, &campaign, e)) ||
      (rc = opt_str(body, "pledge", 64, &pledge, e)) ||
      (rc = opt_str(body, "phone", 24, &phone, e)) || (rc = name_of(body, "signer", name, e)))
    return rc;
  if ((rc = campaign_def(cs->st, campaign, &c, e))) {
    zz_strlcpy(e->field, "campaign", sizeof e->field); /* the body's, not the path's */
    return rc;
  }
  if ((rc = parts_of(c, &p, e))) goto done;
  if (!pledge) {
    rc = zz_fail(e, ZZ_EINVAL, "pledge", "pledge is required");
    goto done;
  }
  if (!by_id(json_object_get(c, "pledges"), pledge)) {
    rc = zz_fail(e, ZZ_EINVAL, "pledge", "pledge %.64s is not one of the campaign's pledges",
                 pledge);
    goto done;
  }
  /* the number registered for the entity, digits compared in constant time */
  if ((rc = intake_check_contact(cs->st, entity, phone, "phone", e))) goto done;
  if (p.start && now < p.start) {
    rc = zz_fail(e, ZZ_ECONFLICT, "campaign", "the campaign starts on %s: sign then",
                 day_text(p.start, t));
    goto done;
  }
  if (p.end && now >= p.end) {
    rc = zz_fail(e, ZZ_ECONFLICT, "campaign", "the campaign ended on %s",
                 day_text(p.end - DAY_MS, t));
    goto done;
  }
  code_phone_digits(phone, digits);
  struct sign_req rq = {c, pledge, entity, "token", name, digits, "code", now};
  rc = sign(cs, &rq, j, signed_at, e);
done:
  parts_free(&p);
  json_decref(c);
  return rc;
}

struct signed_one {
  int found;
  int64_t ts;
  char version[64];
};

static int signed_one_cb(void *ud, const struct store_pledge *p) {
  struct signed_one *s = ud;
  s->found = 1;
  s->ts = p->ts;
  zz_strlcpy(s->version, p->version ? p->version : "", sizeof s->version);
  return 1;
}

int campaign_public_pledges_json(struct campaigns *cs, const char *entity, struct zz_json *j,
                                 struct zz_err *e) {
  struct cp_entity en;
  int rc = campaign_entity(cs, entity, "token", &en, e);
  if (rc) return rc;
  json_t *doc = campaigns_doc(cs->st);
  const json_t *list = json_object_get(doc, "campaigns");
  int64_t now = zz_time_now();
  zz_json_obj(j);
  zz_json_kobj(j, "entity");
  zz_json_kstr(j, "name_zh", en.name_zh);
  zz_json_kstr(j, "name_en", en.name_en);
  zz_json_obj_end(j);
  zz_json_karr(j, "pledges");
  for (size_t i = 0; i < json_array_size(list) && !rc; i++) {
    const json_t *c = json_array_get(list, i);
    const char *role = role_of(c, en.type);
    const json_t *pledges = json_object_get(c, "pledges");
    struct cp_parts p;
    if (!role || !json_array_size(pledges)) continue;
    if ((rc = parts_of(c, &p, e))) break;
    int open = (!p.start || now >= p.start) && (!p.end || now < p.end);
    for (size_t k = 0; k < json_array_size(pledges); k++) {
      const json_t *d = json_array_get(pledges, k);
      const char *signer = str_of(d, "signer");
      if (strcmp(signer ? signer : "participant", role) != 0) continue;
      struct signed_one s = {0};
      struct store_pledge_filter f = {
          .campaign = str_of(c, "id"), .pledge = str_of(d, "id"), .entity = en.key, .limit = 1};
      if ((rc = store_pledges_each(cs->st, &f, signed_one_cb, &s))) {
        rc = zz_fail(e, rc, NULL, "cannot read the pledges");
        break;
      }
      zz_json_obj(j);
      zz_json_kstr(j, "campaign", str_of(c, "id"));
      zz_json_kstr(j, "campaign_name_zh", str_of(c, "name_zh"));
      zz_json_kstr(j, "campaign_name_en", str_of(c, "name_en"));
      zz_json_kstr(j, "department", campaign_department(c));
      zz_json_kstr(j, "pledge", str_of(d, "id"));
      zz_json_kstr(j, "title_zh", str_of(d, "title_zh"));
      zz_json_kstr(j, "title_en", str_of(d, "title_en"));
      zz_json_kstr(j, "version", str_of(d, "version"));
      zz_json_kstr(j, "text_zh", str_of(d, "text_zh"));
      zz_json_kstr(j, "text_en", str_of(d, "text_en"));
      zz_json_kbool(j, "open", open);
      zz_json_kbool(j, "signed", s.found);
      if (s.found) {
        zz_json_ktime(j, "signed_at", s.ts);
        zz_json_kstr(j, "signed_version", s.version);
      } else {
        zz_json_knull(j, "signed_at");
      }
      zz_json_obj_end(j);
    }
    parts_free(&p);
  }
  zz_json_arr_end(j);
  zz_json_obj_end(j);
  json_decref(doc);
  return rc;
}

/* ---- activities ---- */

int campaign_activity_add(struct campaigns *cs, const struct cp_actor *who, const char *id,
                          const json_t *body, int64_t *out_id, struct zz_err *e) {
  json_t *c = NULL;
  struct cp_parts p = {0};
  const char *kind, *title, *entity, *note, *ts_s;
  int64_t now = zz_time_now(), ts = now;
  int rc = campaign_def(cs->st, id, &c, e);
  if (rc) return rc;
  if ((rc = parts_of(c, &p, e))) goto done;
  if ((rc = opt_str(body, "kind", 64, &kind, e)) ||
      (rc = opt_str(body, "title", CAMPAIGNS_TITLE_MAX, &title, e)) ||
      (rc = opt_str(body, "entity", 128, &entity, e)) ||
      (rc = opt_str(body, "note", CAMPAIGNS_NOTE_MAX, &note, e)) ||
      (rc = opt_str(body, "ts", 40, &ts_s, e)))
    goto done;
  if (!by_id(json_object_get(c, "activities"), kind)) {
    rc = zz_fail(e, ZZ_EINVAL, "kind", "kind is not one of the campaign's activities");
    goto done;
  }
  if (!title || !*title) {
    rc = zz_fail(e, ZZ_EINVAL, "title", "title is required");
    goto done;
  }
  json_t *n = json_object_get(body, "participants");
  if (!json_is_integer(n) || json_integer_value(n) < 0 || json_integer_value(n) > 1000000) {
    rc = zz_fail(e, ZZ_EINVAL, "participants",
                 "participants must be a whole number from 0 to 1000000");
    goto done;
  }
  if (ts_s && zz_time_parse(ts_s, strlen(ts_s), &ts)) {
    rc = zz_fail(e, ZZ_EINVAL, "ts", "ts must be a date (YYYY-MM-DD) or an RFC 3339 time");
    goto done;
  }
  if ((rc = in_period(&p, ts, now, "ts", e))) goto done;
  struct cp_entity en = {0};
  if (entity && (rc = campaign_entity(cs, entity, "entity", &en, e))) goto done;
  struct store_activity a = {.campaign = id,
                             .kind = kind,
                             .entity = en.id,
                             .ts = ts,
                             .participants = json_integer_value(n),
                             .title = title,
                             .note = note,
                             .actor = who->name};
  rc = store_activity_insert(cs->st, &a, out_id, e);
done:
  parts_free(&p);
  json_decref(c);
  return rc;
}

struct act_list_ctx {
  struct zz_json *j;
  int n, limit, more;
  int64_t last_ts, last_id;
};

static int act_list_cb(void *ud, const struct store_activity *a) {
  struct act_list_ctx *x = ud;
  if (x->n == x->limit) return x->more = 1;
  x->n++;
  x->last_ts = a->ts;
  x->last_id = a->id;
  return activity_row(x->j, a);
}

int campaign_activities_json(struct campaigns *cs, const char *id, const struct cp_view *v,
                             const char *kind, const char *cursor, int limit, struct zz_json *j,
                             struct zz_err *e) {
  json_t *c = NULL;
  int rc = campaign_def(cs->st, id, &c, e);
  if (rc) return rc;
  json_decref(c);
  struct store_activity_filter f = {.campaign = id,
                                    .kind = kind && *kind ? kind : NULL,
                                    .rpos_lo = v->rpos_lo,
                                    .rpos_hi = v->rpos_hi};
  if ((rc = cursor_parse(cursor, &f.before_ts, &f.before, e))) return rc;
  if (limit <= 0 || limit > CAMPAIGNS_LIST_MAX) limit = 50;
  f.limit = limit + 1;
  struct act_list_ctx x = {.j = j, .limit = limit};
  zz_json_obj(j);
  zz_json_karr(j, "activities");
  rc = store_activities_each(cs->st, &f, act_list_cb, &x);
  zz_json_arr_end(j);
  char cur[48];
  cursor_make(cur, x.last_ts, x.last_id);
  zz_json_kstr(j, "next_cursor", x.more ? cur : NULL);
  zz_json_obj_end(j);
  return rc ? zz_fail(e, rc, NULL, "cannot read the activities") : 0;
}
