/* pack_cases.c - checks cases.json (pack_cases.h) with the checking kit:
 * every programme names an existing department and follow-up matter, each
 * list of kinds has unique ids with names in both languages, and the
 * policy applications a caseworker may start are existing matters. */
#include "pack/pack_cases.h"

#include <string.h>

#include "core/check.h"

static const char *const lists[] = {"intentions", "contacts", "services", "activities", "outcomes"};

static int check_kinds(struct check *k, const json_t *prog, const char *list, int required) {
  const json_t *arr = NULL;
  int rc = check_array(k, prog, list, required ? CHECK_REQUIRED : CHECK_OPTIONAL, 1, 64,
                       CHECK_OBJECT, &arr);
  if (rc) return rc;
  static const char *const known[] = {"id", "name_zh", "name_en", "jobs", "business", NULL};
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const json_t *kd = json_array_get(arr, i);
    size_t mark = check_push(k, ".%s[%zu]", list, i);
    const char *id;
    int b;
    if ((rc = check_known(k, kd, known)) || (rc = check_key(k, kd, "id", CHECK_REQUIRED, &id)) ||
        (rc = check_names(k, kd, "name_zh", "name_en", 100)) ||
        (rc = check_bool(k, kd, "jobs", CHECK_OPTIONAL, &b)) ||
        (rc = check_bool(k, kd, "business", CHECK_OPTIONAL, &b)))
      return rc;
    for (size_t p = 0; p < i; p++)
      if (strcmp(json_string_value(json_object_get(json_array_get(arr, p), "id")), id) == 0)
        return check_fail(k, "id", "\"%s\" appears twice", id);
    check_pop(k, mark);
  }
  return 0;
}

static int check_program(struct check *k, const json_t *p, const struct pack_cases_lookup *lk) {
  static const char *const known[] = {"id",           "name_zh",    "name_en",         "department",
                                      "since",        "quiet_days", "followup_matter", "intentions",
                                      "contacts",     "services",   "activities",      "outcomes",
                                      "applications", NULL};
  const char *id, *dept, *since = NULL, *matter = NULL;
  int64_t quiet = 0;
  int rc;
  if ((rc = check_known(k, p, known)) || (rc = check_key(k, p, "id", CHECK_REQUIRED, &id)) ||
      (rc = check_names(k, p, "name_zh", "name_en", 100)) ||
      (rc = check_key(k, p, "department", CHECK_REQUIRED, &dept)) ||
      (rc = check_str(k, p, "since", CHECK_OPTIONAL, 10, &since)) ||
      (rc = check_int(k, p, "quiet_days", CHECK_OPTIONAL, 1, 3650, &quiet)) ||
      (rc = check_key(k, p, "followup_matter", CHECK_OPTIONAL, &matter)))
    return rc;
  if (!lk->department(lk->ud, dept))
    return check_fail(k, "department", "department \"%s\" does not exist", dept);
  if (matter && !lk->matter(lk->ud, matter))
    return check_fail(k, "followup_matter", "matter \"%s\" does not exist", matter);
  if (quiet && !matter)
    return check_fail(k, "quiet_days", "quiet_days needs a followup_matter for the tasks");
  for (size_t i = 0; i < ZZ_ARRAY_LEN(lists); i++)
    if ((rc = check_kinds(k, p, lists[i], 1))) return rc;
  /* the policy applications: each id is a matter of the applications flow */
  if ((rc = check_kinds(k, p, "applications", 0))) return rc;
  const json_t *apps = json_object_get(p, "applications");
  for (size_t i = 0; i < json_array_size(apps); i++) {
    const char *m = json_string_value(json_object_get(json_array_get(apps, i), "id"));
    if (!lk->matter(lk->ud, m)) {
      check_push(k, ".applications[%zu]", i);
      return check_fail(k, "id", "matter \"%s\" does not exist", m);
    }
  }
  return 0;
}

int pack_check_cases(const json_t *doc, const struct pack_cases_lookup *lk, struct zz_err *e) {
  struct check k;
  check_init(&k, e, "cases.json", CHECK_FIELD_FILE);
  k.missing = "required";
  const json_t *progs;
  static const char *const known[] = {"programs", NULL};
  int rc;
  if ((rc = check_object(&k, doc, NULL, CHECK_REQUIRED, &progs)) ||
      (rc = check_known(&k, doc, known)) ||
      (rc = check_array(&k, doc, "programs", CHECK_REQUIRED, 1, 32, CHECK_OBJECT, &progs)))
    return rc;
  for (size_t i = 0; i < json_array_size(progs); i++) {
    check_at(&k, "programs[%zu]", i);
    if ((rc = check_program(&k, json_array_get(progs, i), lk))) return rc;
    const char *id = json_string_value(json_object_get(json_array_get(progs, i), "id"));
    for (size_t p = 0; p < i; p++)
      if (strcmp(json_string_value(json_object_get(json_array_get(progs, p), "id")), id) == 0)
        return check_fail(&k, "id", "\"%s\" appears twice", id);
  }
  return 0;
}
