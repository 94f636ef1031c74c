/* matter_def.c - checking the form of a matter (matter_def.h). */
#include "workflow/matter_def.h"

#include <jansson.h>
#include <string.h>

#include "core/check.h"
#include "store/store_catalog.h"

static const char *const groups[] = {"xintiandi", "park_services", "medical_insurance",
                                     "joint_approval"};
static const char *const channels[] = {"customer_code", "enterprise_code", "open311",
                                       "bank_counter",  "online",          "staff"};
static const char *const field_types[] = {"text",  "textarea", "choice",  "date",
                                          "phone", "photo",    "location"};
static const char *const file_types[] = {"pdf", "jpeg", "png"};
static const char *const kinds[] = {"complaint", "application", "service", "inspection"};
static const char *const known[] = {
    "id", "name_zh", "name_en", "kind", "departments", "sla_accept_minutes", "sla_resolve_minutes"};

/* Each item of o[key] (an array already checked) is one of set. */
static int check_each_of(const struct check *k, const json_t *o, const char *key,
                         const char *const *set, size_t n) {
  const json_t *a = json_object_get(o, key);
  for (size_t i = 0; i < json_array_size(a); i++) {
    struct check ik = *k;
    check_push(&ik, "%s%s[%zu]", *ik.path ? "." : "", key, i);
    const char *s;
    int rc = check_enum(&ik, json_array_get(a, i), NULL, CHECK_REQUIRED, set, n, &s);
    if (rc) return rc;
  }
  return 0;
}

/* One field of a form; k is at "form[i]". */
static int check_form_field(const struct check *k, const json_t *form, size_t i) {
  const json_t *fd = json_array_get(form, i), *opts = NULL;
  const char *id = NULL, *type = NULL;
  int64_t max;
  int req, rc;
  if ((rc = check_key(k, fd, "id", CHECK_REQUIRED, &id))) return rc;
  for (size_t j = 0; j < i; j++)
    if (strcmp(id, json_string_value(json_object_get(json_array_get(form, j), "id"))) == 0)
      return check_fail(k, NULL, "repeats field id \"%s\" of form[%zu]", id, j);
  if ((rc = check_enum(k, fd, "type", CHECK_REQUIRED, field_types, ZZ_ARRAY_LEN(field_types),
                       &type)) ||
      (rc = check_names(k, fd, "label_zh", "label_en", 120)) ||
      (rc = check_bool(k, fd, "required", CHECK_OPTIONAL, &req)) ||
      (rc = check_int(k, fd, "max", CHECK_OPTIONAL, 1, 2000, &max)))
    return rc;
  int choice = strcmp(type, "choice") == 0;
  if (!choice && json_object_get(fd, "options"))
    return check_fail(k, "options", "is only for choice fields");
  if (choice && (rc = check_array(k, fd, "options", CHECK_REQUIRED, 1, 50, CHECK_OBJECT, &opts)))
    return rc;
  for (size_t j = 0; j < json_array_size(opts); j++) {
    const json_t *o = json_array_get(opts, j);
    struct check ok = *k;
    check_push(&ok, ".options[%zu]", j);
    const char *oid;
    if ((rc = check_key(&ok, o, "id", CHECK_REQUIRED, &oid)) ||
        (rc = check_names(&ok, o, "label_zh", "label_en", 120)))
      return rc;
  }
  return 0;
}

/* One material of the checklist; k is at "materials[i]". */
static int check_material(const struct check *k, const json_t *it) {
  const char *id;
  const json_t *types;
  int req, rc;
  if ((rc = check_key(k, it, "id", CHECK_REQUIRED, &id)) ||
      (rc = check_names(k, it, "name_zh", "name_en", 200)) ||
      (rc = check_bool(k, it, "required", CHECK_OPTIONAL, &req)) ||
      (rc = check_array(k, it, "types", CHECK_OPTIONAL, 1, 0, CHECK_ANY, &types)))
    return rc;
  return check_each_of(k, it, "types", file_types, ZZ_ARRAY_LEN(file_types));
}

/* The members the public side reads: group, channels, descriptions, form,
 * materials. */
static int check_intake(const struct check *k, const json_t *m) {
  const char *s;
  const json_t *a;
  int pub = 0, rc;
  if ((rc = check_enum(k, m, "group", CHECK_OPTIONAL, groups, ZZ_ARRAY_LEN(groups), &s)) ||
      (rc = check_array(k, m, "channels", CHECK_OPTIONAL, 0, ZZ_ARRAY_LEN(channels), CHECK_ANY,
                        &a)) ||
      (rc = check_each_of(k, m, "channels", channels, ZZ_ARRAY_LEN(channels))) ||
      (rc = check_bool(k, m, "public", CHECK_OPTIONAL, &pub)))
    return rc;
  /* public: the requests of this matter from public channels are listed by
   * Open311 GET (their descriptions included), so only complaints and
   * services, never an application's or an inspection's filings */
  const char *kind = json_string_value(json_object_get(m, "kind"));
  if (pub && kind && strcmp(kind, "complaint") != 0 && strcmp(kind, "service") != 0) {
    /* the article is English only: the Chinese gets "" in its place */
    struct zz_err en, zh;
    zz_fail(&en, ZZ_EINVAL, NULL,
            "can only be true for a complaint or a service (this is a%s %s: its "
            "filings are the applicant's)",
            kind[0] == 'a' || kind[0] == 'i' ? "n" : "", kind);
    zz_fail(&zh, ZZ_EINVAL, NULL,
            "can only be true for a complaint or a service (this is a%s %s: its "
            "filings are the applicant's)",
            "", kind);
    zz_strlcpy(en.msg_zh, zh.msg_zh, sizeof en.msg_zh);
    return check_fail_err(k, "public", &en);
  }
  /* search words (pinyin initials, everyday words the names lack) */
  const json_t *kw = NULL;
  if ((rc = check_array(k, m, "keywords", CHECK_OPTIONAL, 0, 32, CHECK_STRING, &kw))) return rc;
  for (size_t i = 0; i < json_array_size(kw); i++) {
    struct check kk = *k;
    check_push(&kk, "keywords[%zu]", i);
    if ((rc = check_str(&kk, json_array_get(kw, i), NULL, CHECK_REQUIRED, 64, &s))) return rc;
  }
  if ((rc = check_str(k, m, "description_zh", CHECK_OPTIONAL, 2000, &s)) ||
      (rc = check_str(k, m, "description_en", CHECK_OPTIONAL, 2000, &s)))
    return rc;
  const json_t *form = NULL, *mat = NULL;
  if ((rc = check_array(k, m, "form", CHECK_OPTIONAL, 0, 32, CHECK_OBJECT, &form))) return rc;
  for (size_t i = 0; i < json_array_size(form); i++) {
    struct check fk = *k;
    check_push(&fk, "form[%zu]", i);
    if ((rc = check_form_field(&fk, form, i))) return rc;
  }
  if ((rc = check_array(k, m, "materials", CHECK_OPTIONAL, 0, 32, CHECK_OBJECT, &mat))) return rc;
  for (size_t i = 0; i < json_array_size(mat); i++) {
    struct check mk = *k;
    check_push(&mk, "materials[%zu]", i);
    if ((rc = check_material(&mk, json_array_get(mat, i)))) return rc;
  }
  return 0;
}

/* Where a matter is offered: region paths (the regions and below). */
static int check_regions(const struct check *k, const json_t *m) {
  const json_t *regions = NULL;
  int rc = check_array(k, m, "regions", CHECK_OPTIONAL, 1, 16, CHECK_STRING, &regions);
  for (size_t i = 0; !rc && i < json_array_size(regions); i++) {
    struct check rk = *k;
    check_push(&rk, "regions[%zu]", i);
    const char *path;
    rc = check_str(&rk, json_array_get(regions, i), NULL, CHECK_REQUIRED | CHECK_NONEMPTY, 255,
                   &path);
  }
  return rc;
}

int matter_offered_in(const json_t *matter, const char *region_path) {
  const json_t *regions = json_object_get(matter, "regions");
  if (!json_array_size(regions)) return 1;
  for (size_t i = 0; region_path && i < json_array_size(regions); i++) {
    const char *r = json_string_value(json_array_get(regions, i));
    size_t n = r ? strlen(r) : 0;
    if (n && strncmp(region_path, r, n) == 0 && (region_path[n] == 0 || region_path[n] == '/'))
      return 1;
  }
  return 0;
}

/* Routes: by region, other departments ({"region", "departments"}). */
static int check_routes(const struct check *k, const json_t *m) {
  const json_t *routes = NULL;
  int rc = check_array(k, m, "routes", CHECK_OPTIONAL, 0, 8, CHECK_OBJECT, &routes);
  for (size_t i = 0; !rc && i < json_array_size(routes); i++) {
    const json_t *r = json_array_get(routes, i), *rd;
    struct check rk = *k;
    check_push(&rk, "routes[%zu]", i);
    const char *region;
    if (!(rc = check_str(&rk, r, "region", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &region)))
      rc = check_array(&rk, r, "departments", CHECK_REQUIRED, 1, 12, CHECK_KEY, &rd);
  }
  return rc;
}

int matter_known_member(const char *key) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(known); i++)
    if (strcmp(key, known[i]) == 0) return 1;
  return 0;
}

int matter_check(const json_t *m, struct zz_err *e) {
  struct check k;
  check_init(&k, e, NULL, 0);
  if (!json_is_object(m)) return check_fail(&k, NULL, "a matter must be an object");
  const char *id, *kind;
  const json_t *d;
  int64_t sla[2];
  int rc;
  if ((rc = check_key(&k, m, "id", CHECK_REQUIRED, &id)) ||
      (rc = check_names(&k, m, "name_zh", "name_en", 120)) ||
      (rc = check_enum(&k, m, "kind", CHECK_REQUIRED, kinds, ZZ_ARRAY_LEN(kinds), &kind)) ||
      (rc = check_array(&k, m, "departments", CHECK_REQUIRED, 1, 12, CHECK_KEY, &d)))
    return rc;
  for (size_t i = 0; i < json_array_size(d); i++) {
    const char *dk = json_string_value(json_array_get(d, i));
    for (size_t j = 0; j < i; j++)
      if (strcmp(dk, json_string_value(json_array_get(d, j))) == 0) {
        char f[48];
        snprintf(f, sizeof f, "departments[%zu]", i);
        return check_fail(&k, f, "\"%s\" is listed twice", dk);
      }
  }
  if ((rc = check_int(&k, m, "sla_accept_minutes", CHECK_REQUIRED, 0, 366LL * 24 * 60, &sla[0])) ||
      (rc = check_int(&k, m, "sla_resolve_minutes", CHECK_REQUIRED, 0, 366LL * 24 * 60, &sla[1])))
    return rc;
  if (sla[1] < sla[0])
    return check_fail(&k, "sla_resolve_minutes", "must not be shorter than sla_accept_minutes");
  if ((rc = check_routes(&k, m)) || (rc = check_regions(&k, m))) return rc;
  static const char *const priorities[] = {"critical", "high", "normal"};
  const char *prio;
  int64_t pend;
  if ((rc = check_enum(&k, m, "priority", CHECK_OPTIONAL, priorities, ZZ_ARRAY_LEN(priorities),
                       &prio)) ||
      (rc = check_int(&k, m, "sla_dispatch_minutes", CHECK_OPTIONAL, 1, 7LL * 24 * 60, &pend)))
    return rc;
  const json_t *esc = json_object_get(m, "escalate_after_minutes");
  if (esc && (!json_is_number(esc) || json_number_value(esc) <= 0))
    return check_fail(&k, "escalate_after_minutes", "must be a number of minutes above 0");
  return check_intake(&k, m);
}

int matter_to_store(const json_t *m, struct store_matter *out, char **deps_json,
                    char **extra_json) {
  json_t *extra = json_object();
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)m, k, v) {
    if (!matter_known_member(k)) json_object_set(extra, k, v);
  }
  *deps_json = json_dumps(json_object_get(m, "departments"), JSON_COMPACT);
  *extra_json = json_dumps(extra, JSON_COMPACT);
  json_decref(extra);
  if (!*deps_json || !*extra_json) {
    zz_free(*deps_json);
    zz_free(*extra_json);
    *deps_json = *extra_json = NULL;
    return ZZ_ENOMEM;
  }
  *out = (struct store_matter){
      .key = json_string_value(json_object_get(m, "id")),
      .name_zh = json_string_value(json_object_get(m, "name_zh")),
      .name_en = json_string_value(json_object_get(m, "name_en")),
      .kind = json_string_value(json_object_get(m, "kind")),
      .departments_json = *deps_json,
      .sla_accept_minutes = json_integer_value(json_object_get(m, "sla_accept_minutes")),
      .sla_resolve_minutes = json_integer_value(json_object_get(m, "sla_resolve_minutes")),
      .extra_json = *extra_json};
  return 0;
}
