/* pack_campaigns.c - checks campaigns.json (pack_campaigns.h) with the
 * checking kit: ids unique, names in both languages, departments and entity
 * types that exist, checklist items within their ranges, and what a campaign
 * names of its checklists (their entity types among its participants or
 * members, their items' systems among its own) consistent, so the engines
 * that read the stored document never meet a dangling reference. */
#include "pack/pack_campaigns.h"

#include <string.h>

#include "core/check.h"

/* Limits: far above what a district runs, low enough to keep a campaign's
 * page and the engines' loops small. */
enum {
  CP_CHECKLISTS_MAX = 64,
  CP_ITEMS_MAX = 64,
  CP_CAMPAIGNS_MAX = 64,
  CP_TYPES_MAX = 16,
  CP_LIST_MAX = 32, /* systems, pledges, activities, a campaign's checklists */
  CP_NAME_MAX = 200,
  CP_TEXT_MAX = 8000,
  CP_RECTIFY_DAYS_MAX = 365,
  CP_POINTS_MAX = 100,
  CP_CREDIT_BASE_MAX = 10000,
};

/* The id of arr[i] (already checked to be a string). */
static const char *id_of(const json_t *arr, size_t i) {
  return json_string_value(json_object_get(json_array_get(arr, i), "id"));
}

/* Fails when the id of arr[i] is the id of an earlier item. */
static int unique_id(const struct check *k, const json_t *arr, size_t i) {
  const char *id = id_of(arr, i);
  for (size_t p = 0; p < i; p++)
    if (strcmp(id_of(arr, p), id) == 0) return check_fail(k, "id", "\"%s\" appears twice", id);
  return 0;
}

/* Fails when string item i of arr repeats an earlier one (at key[i]). */
static int unique_str(const struct check *k, const char *key, const json_t *arr, size_t i) {
  const char *s = json_string_value(json_array_get(arr, i));
  for (size_t p = 0; p < i; p++)
    if (strcmp(json_string_value(json_array_get(arr, p)), s) == 0) {
      char at[64];
      snprintf(at, sizeof at, "%s[%zu]", key, i);
      return check_fail(k, at, "\"%s\" appears twice", s);
    }
  return 0;
}

/* YYYY-MM-DD, a real calendar day. */
static int is_day(const char *s) {
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= mdays[m - 1] + (m == 2 && leap);
}

static int check_day(const struct check *k, const json_t *o, const char *key, unsigned flags,
                     const char **out) {
  int rc = check_str(k, o, key, flags, 10, out);
  if (rc) return rc;
  if (*out && !is_day(*out)) return check_fail(k, key, "must be a date YYYY-MM-DD");
  return 0;
}

/* o[key]: 1 to CP_TYPES_MAX entity types that exist, none twice. */
static int check_types(const struct check *k, const json_t *o, const char *key,
                       const struct pack_campaigns_lookup *lk, const json_t **out) {
  int rc = check_array(k, o, key, CHECK_REQUIRED, 1, CP_TYPES_MAX, CHECK_KEY, out);
  if (rc) return rc;
  for (size_t i = 0; i < json_array_size(*out); i++) {
    const char *t = json_string_value(json_array_get(*out, i));
    char at[64];
    snprintf(at, sizeof at, "%s[%zu]", key, i);
    if (lk->type_attr(lk->ud, t, "") < 0)
      return check_fail(k, at, "entity type \"%s\" does not exist", t);
    if ((rc = unique_str(k, key, *out, i))) return rc;
  }
  return 0;
}

/* ---- checklists ---- */

static int check_item(struct check *k, const json_t *it) {
  static const char *const known[] = {"id",           "system", "text_zh", "text_en",
                                      "rectify_days", "points", NULL};
  const char *s;
  int64_t n;
  int rc;
  if ((rc = check_known(k, it, known)) || (rc = check_key(k, it, "id", CHECK_REQUIRED, &s)) ||
      (rc = check_key(k, it, "system", CHECK_OPTIONAL, &s)) ||
      (rc = check_names(k, it, "text_zh", "text_en", CP_TEXT_MAX)) ||
      (rc = check_int(k, it, "rectify_days", CHECK_REQUIRED, 1, CP_RECTIFY_DAYS_MAX, &n)) ||
      (rc = check_int(k, it, "points", CHECK_REQUIRED, 0, CP_POINTS_MAX, &n)))
    return rc;
  return 0;
}

static int check_checklist(struct check *k, const json_t *cl,
                           const struct pack_campaigns_lookup *lk) {
  static const char *const known[] = {"id",         "name_zh", "name_en", "entity_types",
                                      "department", "items",   NULL};
  const char *id, *dept;
  const json_t *types, *items;
  int rc;
  if ((rc = check_known(k, cl, known)) || (rc = check_key(k, cl, "id", CHECK_REQUIRED, &id)) ||
      (rc = check_names(k, cl, "name_zh", "name_en", CP_NAME_MAX)) ||
      (rc = check_types(k, cl, "entity_types", lk, &types)) ||
      (rc = check_key(k, cl, "department", CHECK_REQUIRED, &dept)))
    return rc;
  if (!lk->department(lk->ud, dept))
    return check_fail(k, "department", "department \"%s\" does not exist", dept);
  if ((rc = check_array(k, cl, "items", CHECK_REQUIRED, 1, CP_ITEMS_MAX, CHECK_OBJECT, &items)))
    return rc;
  for (size_t i = 0; i < json_array_size(items); i++) {
    size_t mark = check_push(k, ".items[%zu]", i);
    if ((rc = check_item(k, json_array_get(items, i))) || (rc = unique_id(k, items, i))) return rc;
    check_pop(k, mark);
  }
  return 0;
}

/* ---- campaigns ---- */

/* A list of {id, name_zh, name_en} (systems, activities), ids unique. */
static int check_named_list(struct check *k, const json_t *c, const char *key, const json_t **out) {
  static const char *const known[] = {"id", "name_zh", "name_en", NULL};
  int rc = check_array(k, c, key, CHECK_OPTIONAL, 0, CP_LIST_MAX, CHECK_OBJECT, out);
  if (rc || !*out) return rc;
  for (size_t i = 0; i < json_array_size(*out); i++) {
    const json_t *x = json_array_get(*out, i);
    const char *id;
    size_t mark = check_push(k, ".%s[%zu]", key, i);
    if ((rc = check_known(k, x, known)) || (rc = check_key(k, x, "id", CHECK_REQUIRED, &id)) ||
        (rc = check_names(k, x, "name_zh", "name_en", CP_NAME_MAX)) || (rc = unique_id(k, *out, i)))
      return rc;
    check_pop(k, mark);
  }
  return 0;
}

/* A region path at o.key (optional) that the pack declares. */
static int check_region(struct check *k, const json_t *o, const char *key,
                        const struct pack_campaigns_lookup *lk) {
  const char *path = NULL;
  int rc = check_str(k, o, key, CHECK_OPTIONAL | CHECK_NONEMPTY, 255, &path);
  if (rc || !path) return rc;
  if (lk->region && lk->region(lk->ud, path) != 1)
    return check_fail(k, key, "region \"%s\" does not exist", path);
  return 0;
}

/* participants {entity_types, region?: the campaign's area} or members
 * {entity_types, parent_attr}. */
static int check_party(struct check *k, const json_t *c, const char *key, unsigned flags,
                       const struct pack_campaigns_lookup *lk, const json_t **types) {
  static const char *const known_p[] = {"entity_types", "region", NULL};
  static const char *const known_m[] = {"entity_types", "parent_attr", NULL};
  int members = strcmp(key, "members") == 0;
  const json_t *o = NULL;
  int rc = check_object(k, c, key, flags, &o);
  if (rc || !o) return rc;
  size_t mark = check_push_key(k, key);
  if ((rc = check_known(k, o, members ? known_m : known_p)) ||
      (rc = check_types(k, o, "entity_types", lk, types)) ||
      (!members && (rc = check_region(k, o, "region", lk))))
    return rc;
  if (members) {
    /* the attribute of a member that names its participant (a stall's
     * market), declared by every member type */
    const char *attr;
    if ((rc = check_key(k, o, "parent_attr", CHECK_REQUIRED, &attr))) return rc;
    for (size_t i = 0; i < json_array_size(*types); i++) {
      const char *t = json_string_value(json_array_get(*types, i));
      if (lk->type_attr(lk->ud, t, attr) != 1)
        return check_fail(k, "parent_attr", "entity type \"%s\" declares no attribute \"%s\"", t,
                          attr);
    }
  }
  check_pop(k, mark);
  return 0;
}

static int check_pledges(struct check *k, const json_t *c, int has_members) {
  static const char *const known[] = {"id",      "signer",  "title_zh", "title_en",
                                      "version", "text_zh", "text_en",  NULL};
  static const char *const signers[] = {"participant", "member"};
  const json_t *arr = NULL;
  int rc = check_array(k, c, "pledges", CHECK_OPTIONAL, 0, CP_LIST_MAX, CHECK_OBJECT, &arr);
  if (rc || !arr) return rc;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const json_t *p = json_array_get(arr, i);
    const char *id, *signer, *version;
    size_t mark = check_push(k, ".pledges[%zu]", i);
    if ((rc = check_known(k, p, known)) || (rc = check_key(k, p, "id", CHECK_REQUIRED, &id)) ||
        (rc =
             check_enum(k, p, "signer", CHECK_REQUIRED, signers, ZZ_ARRAY_LEN(signers), &signer)) ||
        (rc = check_names(k, p, "title_zh", "title_en", CP_NAME_MAX)) ||
        (rc = check_str(k, p, "version", CHECK_REQUIRED | CHECK_NONEMPTY, 32, &version)) ||
        (rc = check_names(k, p, "text_zh", "text_en", CP_TEXT_MAX)) || (rc = unique_id(k, arr, i)))
      return rc;
    if (strcmp(signer, "member") == 0 && !has_members)
      return check_fail(k, "signer", "a pledge signed by members needs the campaign's \"members\"");
    check_pop(k, mark);
  }
  return 0;
}

/* 1 when the string s is an item of arr (arr may be NULL). */
static int listed(const json_t *arr, const char *s) {
  for (size_t i = 0; i < json_array_size(arr); i++)
    if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0) return 1;
  return 0;
}

/* The checklist of checklists with id, or NULL. */
static const json_t *find_checklist(const json_t *checklists, const char *id) {
  for (size_t i = 0; i < json_array_size(checklists); i++)
    if (strcmp(id_of(checklists, i), id) == 0) return json_array_get(checklists, i);
  return NULL;
}

/* The campaign's checklists: declared, each once, checking only its
 * participants or members, and naming only its systems. */
static int check_uses(struct check *k, const json_t *c, const json_t *checklists,
                      const json_t *ptypes, const json_t *mtypes, const json_t *systems) {
  const json_t *arr = NULL;
  int rc = check_array(k, c, "checklists", CHECK_OPTIONAL, 0, CP_LIST_MAX, CHECK_KEY, &arr);
  if (rc || !arr) return rc;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const char *id = json_string_value(json_array_get(arr, i));
    char at[64];
    snprintf(at, sizeof at, "checklists[%zu]", i);
    const json_t *cl = find_checklist(checklists, id);
    if (!cl) return check_fail(k, at, "checklist \"%s\" is not declared under \"checklists\"", id);
    if ((rc = unique_str(k, "checklists", arr, i))) return rc;
    const json_t *types = json_object_get(cl, "entity_types");
    for (size_t t = 0; t < json_array_size(types); t++) {
      const char *type = json_string_value(json_array_get(types, t));
      if (!listed(ptypes, type) && !listed(mtypes, type))
        return check_fail(
            k, at, "checklist \"%s\" checks type \"%s\", neither a participant nor a member type",
            id, type);
    }
    const json_t *items = json_object_get(cl, "items");
    for (size_t t = 0; t < json_array_size(items); t++) {
      const json_t *it = json_array_get(items, t);
      const char *sys = json_string_value(json_object_get(it, "system"));
      if (!sys) continue;
      int found = 0;
      for (size_t s = 0; s < json_array_size(systems) && !found; s++)
        found = strcmp(id_of(systems, s), sys) == 0;
      if (!found)
        return check_fail(
            k, at,
            "checklist \"%s\" item \"%s\": system \"%s\" is not among this campaign's systems", id,
            id_of(items, t), sys);
    }
  }
  return 0;
}

/* 1 when type is in the array types. */
static int has_type(const json_t *types, const char *type) {
  for (size_t i = 0; type && i < json_array_size(types); i++)
    if (strcmp(json_string_value(json_array_get(types, i)), type) == 0) return 1;
  return 0;
}

/* The demo's routine visits of a campaign (src/demo/campaigns_demo.c):
 * {"region"?, "every_month"?: [participant types], "sample_per_month"?:
 * 0..10000, "since_attr"?: {participant type: a date attribute it declares}}. */
static int check_demo(struct check *k, const json_t *c, const json_t *ptypes,
                      const struct pack_campaigns_lookup *lk) {
  static const char *const known[] = {"region", "every_month", "sample_per_month", "since_attr",
                                      NULL};
  const json_t *o = NULL, *every = NULL, *since = NULL;
  int64_t n;
  int rc = check_object(k, c, "demo", CHECK_OPTIONAL, &o);
  if (rc || !o) return rc;
  size_t mark = check_push_key(k, "demo");
  if ((rc = check_known(k, o, known)) || (rc = check_region(k, o, "region", lk)) ||
      (rc = check_array(k, o, "every_month", CHECK_OPTIONAL, 0, CP_TYPES_MAX, CHECK_KEY, &every)) ||
      (rc = check_int(k, o, "sample_per_month", CHECK_OPTIONAL, 0, 10000, &n)) ||
      (rc = check_object(k, o, "since_attr", CHECK_OPTIONAL, &since)))
    return rc;
  for (size_t i = 0; i < json_array_size(every); i++) {
    const char *t = json_string_value(json_array_get(every, i));
    char at[64];
    snprintf(at, sizeof at, "every_month[%zu]", i);
    if (!has_type(ptypes, t))
      return check_fail(k, at, "entity type \"%s\" is not among the campaign's participants", t);
  }
  const char *t;
  const json_t *attr;
  json_object_foreach((json_t *)since, t, attr) {
    size_t m = check_push_key(k, "since_attr");
    if (!has_type(ptypes, t))
      return check_fail(k, t, "entity type \"%s\" is not among the campaign's participants", t);
    if (!json_is_string(attr) || lk->type_attr(lk->ud, t, json_string_value(attr)) != 1)
      return check_fail(k, t, "must name an attribute that entity type \"%s\" declares", t);
    check_pop(k, m);
  }
  check_pop(k, mark);
  return 0;
}

static int check_campaign(struct check *k, const json_t *c, const json_t *checklists,
                          const struct pack_campaigns_lookup *lk) {
  static const char *const known[] = {"id",      "name_zh", "name_en",    "department",   "start",
                                      "end",     "goal_zh", "goal_en",    "participants", "members",
                                      "systems", "pledges", "checklists", "activities",   "credit",
                                      "plans",   "demo",    NULL};
  const char *id, *dept, *start = NULL, *end = NULL;
  const json_t *ptypes = NULL, *mtypes = NULL, *systems = NULL, *activities = NULL, *credit = NULL;
  int plans = 0, rc;
  if ((rc = check_known(k, c, known)) || (rc = check_key(k, c, "id", CHECK_REQUIRED, &id)) ||
      (rc = check_names(k, c, "name_zh", "name_en", CP_NAME_MAX)) ||
      (rc = check_key(k, c, "department", CHECK_REQUIRED, &dept)))
    return rc;
  if (!lk->department(lk->ud, dept))
    return check_fail(k, "department", "department \"%s\" does not exist", dept);
  if ((rc = check_day(k, c, "start", CHECK_REQUIRED, &start)) ||
      (rc = check_day(k, c, "end", CHECK_OPTIONAL, &end)))
    return rc;
  /* both are YYYY-MM-DD, so the strings sort as the days do */
  if (end && strcmp(end, start) < 0)
    return check_fail(k, "end", "%s is before the start %s", end, start);
  if ((rc = check_names(k, c, "goal_zh", "goal_en", CP_TEXT_MAX)) ||
      (rc = check_party(k, c, "participants", CHECK_REQUIRED, lk, &ptypes)) ||
      (rc = check_party(k, c, "members", CHECK_OPTIONAL, lk, &mtypes)) ||
      (rc = check_named_list(k, c, "systems", &systems)) ||
      (rc = check_pledges(k, c, mtypes != NULL)) ||
      (rc = check_uses(k, c, checklists, ptypes, mtypes, systems)) ||
      (rc = check_named_list(k, c, "activities", &activities)) ||
      (rc = check_object(k, c, "credit", CHECK_OPTIONAL, &credit)) ||
      (rc = check_bool(k, c, "plans", CHECK_OPTIONAL, &plans)) ||
      (rc = check_demo(k, c, ptypes, lk)))
    return rc;
  if (credit) {
    static const char *const known_c[] = {"base", NULL};
    int64_t base;
    size_t mark = check_push_key(k, "credit");
    if ((rc = check_known(k, credit, known_c)) ||
        (rc = check_int(k, credit, "base", CHECK_REQUIRED, 0, CP_CREDIT_BASE_MAX, &base)))
      return rc;
    check_pop(k, mark);
  }
  return 0;
}

int pack_check_campaigns(const json_t *doc, const struct pack_campaigns_lookup *lk,
                         struct zz_err *e) {
  struct check k;
  check_init(&k, e, "campaigns.json", CHECK_FIELD_FILE);
  k.missing = "required";
  static const char *const known[] = {"checklists", "campaigns", NULL};
  const json_t *top, *checklists = NULL, *campaigns;
  int rc;
  if ((rc = check_object(&k, doc, NULL, CHECK_REQUIRED, &top)) ||
      (rc = check_known(&k, doc, known)) ||
      (rc = check_array(&k, doc, "checklists", CHECK_OPTIONAL, 0, CP_CHECKLISTS_MAX, CHECK_OBJECT,
                        &checklists)))
    return rc;
  for (size_t i = 0; i < json_array_size(checklists); i++) {
    check_at(&k, "checklists[%zu]", i);
    if ((rc = check_checklist(&k, json_array_get(checklists, i), lk)) ||
        (rc = unique_id(&k, checklists, i)))
      return rc;
  }
  check_at(&k, "%s", "");
  if ((rc = check_array(&k, doc, "campaigns", CHECK_REQUIRED, 1, CP_CAMPAIGNS_MAX, CHECK_OBJECT,
                        &campaigns)))
    return rc;
  for (size_t i = 0; i < json_array_size(campaigns); i++) {
    check_at(&k, "campaigns[%zu]", i);
    if ((rc = check_campaign(&k, json_array_get(campaigns, i), checklists, lk)) ||
        (rc = unique_id(&k, campaigns, i)))
      return rc;
  }
  return 0;
}
