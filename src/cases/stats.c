/* stats.c - the counts of a case programme (cases_stats): what the leader
 * and the cockpit see of the files, never a person. */
#include <string.h>

#include "cases/cases.h"
#include "cases/cases_int.h"
#include "model/registry.h"
#include "store/store_cases.h"

struct count_out {
  struct zz_json *j;
  struct registry *reg;   /* by street: the key is a region id */
  json_t *kinds;          /* else the programme's kinds the keys name, for their names */
  json_t *business_kinds; /* outcomes that count as a business started */
  int64_t total, businesses, jobs;
};

static int count_cb(void *ud, const char *key, const char *month, int64_t n, int64_t sum) {
  struct count_out *o = ud;
  struct zz_json *j = o->j;
  zz_json_obj(j);
  if (o->reg) {
    int64_t id = 0;
    zz_parse_i64(key, &id);
    registry_rdlock(o->reg);
    const struct reg_region *rg = registry_region_by_id(o->reg, id);
    zz_json_kstr(j, "key", rg ? rg->path : key);
    zz_json_kstr(j, "name_zh", rg ? rg->name_zh : key);
    zz_json_kstr(j, "name_en", rg ? rg->name_en : key);
    registry_unlock(o->reg);
  } else {
    zz_json_kstr(j, "key", key);
    json_t *k = cases_kind_find(o->kinds, key);
    if (k) {
      zz_json_kstr(j, "name_zh", cases_str(k, "name_zh"));
      zz_json_kstr(j, "name_en", cases_str(k, "name_en"));
    } else if (o->kinds && !*key) { /* no outcome yet */
      zz_json_kstr(j, "name_zh", "暂无结果");
      zz_json_kstr(j, "name_en", "No outcome yet");
    }
  }
  if (month) zz_json_kstr(j, "month", month);
  zz_json_kint(j, "n", n);
  if (sum) zz_json_kint(j, "jobs", sum);
  zz_json_obj_end(j);
  o->total += n;
  for (size_t i = 0; i < json_array_size(o->business_kinds); i++)
    if (strcmp(json_string_value(json_array_get(o->business_kinds, i)), key) == 0) {
      o->businesses += n;
      o->jobs += sum;
    }
  return zz_json_error(j) != 0;
}

static int section(struct cases *cs, json_t *program, struct zz_json *j, const char *name,
                   enum store_case_count what, const char *klass, struct count_out *o) {
  const char *prog = cases_str(program, "id");
  o->j = j;
  o->total = 0;
  o->kinds = what == STORE_CASES_BY_REGION      ? NULL
             : what == STORE_CASES_BY_INTENTION ? cases_kinds_of(program, "intention")
             : what == STORE_CASES_BY_OUTCOME   ? cases_kinds_of(program, "outcome")
                                                : cases_kinds_of(program, klass);
  zz_json_karr(j, name);
  int rc = store_cases_count(cs->st, prog, what, klass, count_cb, o);
  zz_json_arr_end(j);
  return rc;
}

int cases_stats(struct cases *cs, const char *program, struct zz_json *j, struct zz_err *e) {
  json_t *prog = NULL, *biz = json_array();
  int rc = cases_program(cs->st, program, &prog, e);
  if (rc) goto done;
  const char *id = json_string_value(json_object_get(prog, "id"));
  json_t *outs = json_object_get(prog, "outcomes");
  for (size_t i = 0; i < json_array_size(outs); i++) {
    json_t *k = json_array_get(outs, i);
    if (json_is_true(json_object_get(k, "business")))
      json_array_append(biz, json_object_get(k, "id"));
  }
  struct count_out o = {.business_kinds = NULL};
  zz_json_obj(j);
  zz_json_kobj(j, "program");
  zz_json_kstr(j, "id", id);
  zz_json_kstr(j, "name_zh", json_string_value(json_object_get(prog, "name_zh")));
  zz_json_kstr(j, "name_en", json_string_value(json_object_get(prog, "name_en")));
  zz_json_kstr(j, "since", json_string_value(json_object_get(prog, "since")));
  zz_json_kstr(j, "department", json_string_value(json_object_get(prog, "department")));
  zz_json_obj_end(j);
  int64_t cases = 0;
  rc = section(cs, prog, j, "by_intention", STORE_CASES_BY_INTENTION, NULL, &o);
  cases = o.total;
  if (!rc) rc = section(cs, prog, j, "by_outcome", STORE_CASES_BY_OUTCOME, NULL, &o);
  o.reg = cs->reg;
  if (!rc) rc = section(cs, prog, j, "by_street", STORE_CASES_BY_REGION, NULL, &o);
  o.reg = NULL;
  if (!rc) rc = section(cs, prog, j, "services", STORE_ENTRIES_BY_KIND, "service", &o);
  if (!rc) rc = section(cs, prog, j, "activities", STORE_ENTRIES_BY_KIND, "activity", &o);
  if (!rc) rc = section(cs, prog, j, "outcomes", STORE_ENTRIES_BY_KIND, "outcome", &o);
  /* businesses and jobs: counted once, from the outcome entries above */
  int64_t businesses = 0, jobs = 0;
  o.business_kinds = biz;
  o.businesses = o.jobs = 0;
  if (!rc) rc = section(cs, prog, j, "outcomes_by_month", STORE_ENTRIES_BY_MONTH, "outcome", &o);
  businesses = o.businesses;
  jobs = o.jobs;
  zz_json_kint(j, "cases", cases);
  zz_json_kint(j, "businesses", businesses);
  zz_json_kint(j, "jobs_created", jobs);
  zz_json_obj_end(j);
  if (rc) rc = zz_fail(e, rc, NULL, "cannot count the cases");
done:
  json_decref(prog);
  json_decref(biz);
  return rc;
}
