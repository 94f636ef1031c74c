/* test_campaigns.c - the campaigns engine (src/campaigns/) and its store
 * (store_campaigns.c) on a real SQLite store, with no HTTP: pledges on
 * paper and through a code (the contact phone, one signature per entity,
 * the signer's kind), and the dashboard computed from what the store holds:
 * the participants x systems matrix from each market's latest inspection
 * (a failed item is "failed" until its rectification is closed),
 * inspections and failed items by month, rectification on time, credit
 * scores, members signed, and the same cut to one street. The inspections
 * are written here as rows, as the inspections engine would store them. */
#include <jansson.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "campaigns/campaigns.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/ztime.h"
#include "model/registry.h"
#include "store/store.h"
#include "store/store_campaigns.h"
#include "store/store_registry.h"
#include "support.h"

static char dir[64];
static struct ts_world tw;

static const char campaigns_doc[] =
    "{\"checklists\":["
    "{\"id\":\"cl_m\",\"entity_types\":[\"market\"],\"department\":\"ms\",\"items\":["
    "{\"id\":\"i1\",\"system\":\"sys_a\"},{\"id\":\"i2\",\"system\":\"sys_b\"},{\"id\":\"i3\"}]},"
    "{\"id\":\"cl_s\",\"entity_types\":[\"stall\"],\"department\":\"ms\",\"items\":["
    "{\"id\":\"j1\",\"system\":\"sys_a\"}]},"
    "{\"id\":\"cl_x\",\"entity_types\":[\"market\"],\"department\":\"ms\",\"items\":["
    "{\"id\":\"x1\",\"system\":\"sys_c\"}]}],"
    "\"campaigns\":[{\"id\":\"c1\",\"name_zh\":\"限塑\",\"name_en\":\"Plastic\","
    "\"department\":\"ms\",\"start\":\"2021-01-01\","
    "\"participants\":{\"entity_types\":[\"market\"]},"
    "\"members\":{\"entity_types\":[\"stall\"],\"parent_attr\":\"market\"},"
    "\"systems\":[{\"id\":\"sys_a\"},{\"id\":\"sys_b\"},{\"id\":\"sys_c\"}],"
    "\"pledges\":[{\"id\":\"p_market\",\"signer\":\"participant\",\"version\":\"1\"},"
    "{\"id\":\"p_stall\",\"signer\":\"member\",\"version\":\"2\"}],"
    "\"checklists\":[\"cl_m\",\"cl_s\"],\"activities\":[{\"id\":\"meet\"}],"
    "\"credit\":{\"base\":100}},"
    "{\"id\":\"c2\",\"department\":\"ms\",\"start\":\"2021-01-01\",\"end\":\"2021-02-28\","
    "\"participants\":{\"entity_types\":[\"market\"]},\"checklists\":[\"cl_x\"]}]}";

static void entity(struct store *st, const char *key, const char *type, int64_t region,
                   const char *attrs) {
  struct store_entity en = {
      .key = key, .type = type, .name_zh = key, .region = region, .attrs_json = attrs};
  struct zz_err e = {0};
  int64_t id;
  if (store_entity_upsert(st, &en, 0, &id, &e)) fail_msg("entity %s: %s", key, e.msg);
}

static void world(struct store *st) {
  struct zz_err e = {0};
  ts_region(st, "d", NULL, "district");
  int64_t a = ts_region(st, "d/a", "d", "street");
  int64_t b = ts_region(st, "d/b", "d", "street");
  ts_entity_type(st, "market");
  ts_entity_type(st, "stall");
  entity(st, "m1", "market", a, "{\"contact_phone\":\"13900000001\"}");
  entity(st, "m2", "market", b, "{\"contact_phone\":\"13900000002\"}");
  entity(st, "s1", "stall", a, "{\"market\":\"m1\",\"contact_phone\":\"13800000001\"}");
  entity(st, "s2", "stall", a, "{\"market\":\"m1\",\"contact_phone\":\"13800000002\"}");
  entity(st, "s3", "stall", b, "{\"market\":\"m2\",\"contact_phone\":\"13800000003\"}");
  assert_int_equal(store_doc_put(st, "campaigns", campaigns_doc, &e), 0);
}

static int64_t at(const char *s) {
  int64_t ms = 0;
  assert_int_equal(zz_time_parse(s, strlen(s), &ms), 0);
  return ms;
}

/* Runs sql on the store's database through a connection of its own, as
 * another writer (the inspections engine) would. */
static void sql(const char *fmt, ...) {
  char path[128], text[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  snprintf(path, sizeof path, "%s/zhizhi.db", dir);
  sqlite3 *db = NULL;
  char *err = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, text, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s: %s", text, err);
  sqlite3_close(db);
}

/* An inspection (its id is id) of entity key with checklist cl. */
static void inspection(int id, const char *campaign, const char *cl, const char *key,
                       const char *ts, int failed, const char *answers) {
  char camp[40] = "NULL";
  if (campaign) snprintf(camp, sizeof camp, "'%s'", campaign);
  sql("INSERT INTO ins_inspection(id, uid, checklist, campaign, entity, region, department,"
      " inspector, ts, result, failed, answers, created) SELECT %d, 'u%d', '%s', %s, id, region,"
      " 'ms', 'insp', %lld, '%s', %d, '%s', %lld FROM entity WHERE key = '%s'",
      id, id, cl, camp, (long long)at(ts), failed ? "failed" : "passed", failed, answers,
      (long long)at(ts), key);
}

/* A rectification item of inspection id; closed 0: open (status given). */
static void rectify(int inspection, const char *item, const char *deadline, const char *status,
                    const char *closed) {
  char c[32] = "NULL";
  if (closed) snprintf(c, sizeof c, "%lld", (long long)at(closed));
  sql("INSERT INTO ins_rectify(inspection, item, entity, campaign, owner, deadline, status,"
      " closed) SELECT id, '%s', entity, campaign, 'ms', %lld, '%s', %s FROM ins_inspection"
      " WHERE id = %d",
      item, (long long)at(deadline), status, c, inspection);
}

static void credit(const char *key, int points, const char *campaign) {
  sql("INSERT INTO credit_event(entity, ts, points, kind, campaign, actor) SELECT id, 0, %d,"
      " 'violation', %s%s%s, 'insp' FROM entity WHERE key = '%s'",
      points, campaign ? "'" : "", campaign ? campaign : "NULL", campaign ? "'" : "", key);
}

static int setup(void **state) {
  (void)state;
  zz_time_set_now(at("2021-06-01T12:00:00+08:00"));
  if (ts_dir_make(dir, sizeof dir, "campaigns")) return -1;
  struct ts_world_opts o = {.fill = world};
  ts_world_open(&tw, dir, &o);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  ts_world_close(&tw);
  return ts_dir_remove(dir);
}

/* The engine's answer as a jansson value (fails the test on an error). */
struct answer {
  struct zz_buf b;
  struct zz_json j;
  struct zz_err e;
};

static void answer_init(struct answer *a) {
  memset(a, 0, sizeof *a);
  zz_buf_init(&a->b, 0);
  zz_json_init(&a->j, &a->b);
}

static json_t *answer_json(struct answer *a) {
  json_error_t je;
  json_t *v = json_loadb(a->b.data, a->b.len, 0, &je);
  if (!v) fail_msg("not JSON (%s): %.*s", je.text, (int)a->b.len, a->b.data);
  zz_buf_free(&a->b);
  return v;
}

static json_t *body(const char *text) {
  json_t *v = json_loads(text, 0, NULL);
  assert_non_null(v);
  return v;
}

static struct campaigns engine(void) {
  return (struct campaigns){tw.st, tw.reg};
}

static json_t *dashboard(const struct cp_view *v) {
  struct campaigns cs = engine();
  struct answer a;
  answer_init(&a);
  if (campaign_dashboard_json(&cs, "c1", v, &a.j, &a.e)) fail_msg("dashboard: %s", a.e.msg);
  return answer_json(&a);
}

static json_t *participant(json_t *d, const char *key) {
  json_t *ps = json_object_get(d, "participants");
  for (size_t i = 0; i < json_array_size(ps); i++)
    if (strcmp(json_string_value(json_object_get(json_array_get(ps, i), "entity")), key) == 0)
      return json_array_get(ps, i);
  return NULL;
}

static const char *sys(json_t *p, const char *id) {
  return json_string_value(json_object_get(json_object_get(p, "systems"), id));
}

static int64_t num(json_t *o, const char *path) {
  /* "a.b": a member of a member */
  char k[64];
  const char *dot = strchr(path, '.');
  if (!dot) return json_integer_value(json_object_get(o, path));
  snprintf(k, sizeof k, "%.*s", (int)(dot - path), path);
  return num(json_object_get(o, k), dot + 1);
}

static void test_sign(void **state) {
  (void)state;
  struct campaigns cs = engine();
  struct cp_actor clerk = {"clerk"};
  struct answer a;
  int64_t when = 0;
  /* a market on paper */
  json_t *b = body("{\"pledge\":\"p_market\",\"entity\":\"m1\",\"signer\":\"  赵经理 \","
                   "\"ts\":\"2021-03-05T10:00:00+08:00\"}");
  answer_init(&a);
  assert_int_equal(campaign_sign_paper(&cs, &clerk, "c1", b, &a.j, &when, &a.e), 0);
  json_t *r = answer_json(&a);
  assert_string_equal(json_string_value(json_object_get(json_object_get(r, "pledge"), "signer")),
                      "赵经理");
  json_decref(r);
  /* again: already signed, at the first time */
  answer_init(&a);
  assert_int_equal(campaign_sign_paper(&cs, &clerk, "c1", b, &a.j, &when, &a.e), ZZ_EEXISTS);
  assert_int_equal(when, at("2021-03-05T10:00:00+08:00"));
  assert_string_equal(a.e.field, "pledge");
  zz_buf_free(&a.b);
  json_decref(b);
  /* a stall may not sign the market's pledge, nor a market the stalls' */
  b = body("{\"pledge\":\"p_market\",\"entity\":\"s1\",\"signer\":\"王\"}");
  answer_init(&a);
  assert_int_equal(campaign_sign_paper(&cs, &clerk, "c1", b, &a.j, NULL, &a.e), ZZ_EINVAL);
  assert_string_equal(a.e.field, "entity");
  zz_buf_free(&a.b);
  json_decref(b);
  /* before the start, in the future, no name */
  const char *bad[][2] = {
      {"{\"pledge\":\"p_market\",\"entity\":\"m2\",\"signer\":\"x\",\"ts\":\"2020-12-31\"}", "ts"},
      {"{\"pledge\":\"p_market\",\"entity\":\"m2\",\"signer\":\"x\",\"ts\":\"2021-07-01\"}", "ts"},
      {"{\"pledge\":\"p_market\",\"entity\":\"m2\",\"signer\":\"\\u3000 \"}", "signer"},
      {"{\"pledge\":\"p_market\",\"entity\":\"m2\",\"signer\":\"x\",\"phone\":\"1\"}", "phone"},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++) {
    b = body(bad[i][0]);
    answer_init(&a);
    assert_int_equal(campaign_sign_paper(&cs, &clerk, "c1", b, &a.j, NULL, &a.e), ZZ_EINVAL);
    assert_string_equal(a.e.field, bad[i][1]);
    zz_buf_free(&a.b);
    json_decref(b);
  }
  /* a stall-holder through the code: the registered phone, then once */
  b = body("{\"campaign\":\"c1\",\"pledge\":\"p_stall\",\"signer\":\"王建国\","
           "\"phone\":\"13800000002\"}");
  answer_init(&a);
  assert_int_equal(campaign_sign_public(&cs, "s1", b, &a.j, NULL, &a.e), ZZ_EFORBIDDEN);
  assert_string_equal(a.e.field, "phone");
  zz_buf_free(&a.b);
  json_decref(b);
  b = body("{\"campaign\":\"c1\",\"pledge\":\"p_stall\",\"signer\":\"王建国\","
           "\"phone\":\"13800000001\"}");
  answer_init(&a);
  assert_int_equal(campaign_sign_public(&cs, "s1", b, &a.j, NULL, &a.e), 0);
  zz_buf_free(&a.b);
  answer_init(&a);
  assert_int_equal(campaign_sign_public(&cs, "s1", b, &a.j, &when, &a.e), ZZ_EEXISTS);
  assert_int_equal(when, zz_time_now());
  zz_buf_free(&a.b);
  json_decref(b);
  /* a campaign that has ended takes no signature through a code */
  b = body("{\"campaign\":\"c2\",\"pledge\":\"p_market\",\"signer\":\"x\","
           "\"phone\":\"13900000002\"}");
  answer_init(&a);
  assert_int_not_equal(campaign_sign_public(&cs, "m2", b, &a.j, NULL, &a.e), 0);
  zz_buf_free(&a.b);
  json_decref(b);

  /* the code's page: the stall's pledge, signed, with its version */
  answer_init(&a);
  assert_int_equal(campaign_public_pledges_json(&cs, "s1", &a.j, &a.e), 0);
  r = answer_json(&a);
  json_t *ps = json_object_get(r, "pledges");
  assert_int_equal(json_array_size(ps), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 0), "pledge")),
                      "p_stall");
  assert_true(json_is_true(json_object_get(json_array_get(ps, 0), "signed")));
  assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 0), "signed_version")),
                      "2");
  json_decref(r);
}

static void test_lists_masked(void **state) {
  (void)state;
  struct campaigns cs = engine();
  struct cp_view masked = {0}, whole = {.personal = 1};
  struct cp_pledge_query q = {.pledge = "p_stall", .parent = "m1"};
  struct answer a;
  answer_init(&a);
  assert_int_equal(campaign_pledges_json(&cs, "c1", &masked, &q, &a.j, &a.e), 0);
  json_t *r = answer_json(&a);
  json_t *p = json_array_get(json_object_get(r, "pledges"), 0);
  assert_int_equal(json_array_size(json_object_get(r, "pledges")), 1);
  assert_string_equal(json_string_value(json_object_get(p, "signer")), "王**");
  assert_string_equal(json_string_value(json_object_get(p, "phone")), "138****0001");
  json_decref(r);
  answer_init(&a);
  assert_int_equal(campaign_pledges_json(&cs, "c1", &whole, &q, &a.j, &a.e), 0);
  r = answer_json(&a);
  p = json_array_get(json_object_get(r, "pledges"), 0);
  assert_string_equal(json_string_value(json_object_get(p, "signer")), "王建国");
  assert_string_equal(json_string_value(json_object_get(p, "phone")), "13800000001");
  json_decref(r);
  /* another market's stalls: none signed */
  q.parent = "m2";
  answer_init(&a);
  assert_int_equal(campaign_pledges_json(&cs, "c1", &whole, &q, &a.j, &a.e), 0);
  r = answer_json(&a);
  assert_int_equal(json_array_size(json_object_get(r, "pledges")), 0);
  json_decref(r);
}

static void test_dashboard(void **state) {
  (void)state;
  /* m1: March, i1 and i3 failed (open); April, i1 passed, i2 failed (open) */
  inspection(1, "c1", "cl_m", "m1", "2021-03-10T10:00:00+08:00", 2,
             "[{\"item\":\"i1\",\"ok\":false},{\"item\":\"i2\",\"ok\":true},"
             "{\"item\":\"i3\",\"ok\":false}]");
  rectify(1, "i1", "2021-03-17T23:59:59+08:00", "open", NULL);
  rectify(1, "i3", "2021-03-17T23:59:59+08:00", "open", NULL);
  inspection(2, "c1", "cl_m", "m1", "2021-04-10T10:00:00+08:00", 1,
             "[{\"item\":\"i1\",\"ok\":true},{\"item\":\"i2\",\"ok\":false},"
             "{\"item\":\"i3\",\"ok\":null}]");
  rectify(2, "i2", "2021-04-17T23:59:59+08:00", "open", NULL);
  /* m2, with no campaign named (its checklist is the campaign's): i1
   * failed, rectified late; i2 passed */
  inspection(3, NULL, "cl_m", "m2", "2021-04-20T10:00:00+08:00", 1,
             "[{\"item\":\"i1\",\"ok\":false},{\"item\":\"i2\",\"ok\":true}]");
  rectify(3, "i1", "2021-04-27T23:59:59+08:00", "closed", "2021-04-29T10:00:00+08:00");
  /* stalls: s1's j1 overdue, s3's rectified on time */
  inspection(4, "c1", "cl_s", "s1", "2021-04-15T10:00:00+08:00", 1,
             "[{\"item\":\"j1\",\"ok\":false}]");
  rectify(4, "j1", "2021-04-22T23:59:59+08:00", "overdue", NULL);
  inspection(5, "c1", "cl_s", "s3", "2021-04-16T10:00:00+08:00", 1,
             "[{\"item\":\"j1\",\"ok\":false}]");
  rectify(5, "j1", "2021-04-23T23:59:59+08:00", "closed", "2021-04-20T10:00:00+08:00");
  /* another campaign's inspection of m1: not this one's */
  inspection(6, "c2", "cl_x", "m1", "2021-02-10T10:00:00+08:00", 1,
             "[{\"item\":\"x1\",\"ok\":false}]");
  credit("m1", -2, "c1");
  credit("m1", 1, "c1");
  credit("m1", -50, "c2");
  credit("s1", -5, "c1");

  struct cp_view all = {0};
  json_t *d = dashboard(&all);
  json_t *m1 = participant(d, "m1"), *m2 = participant(d, "m2");
  assert_non_null(m1);
  assert_non_null(m2);
  /* the matrix: m1's latest (April) passes i1 (sys_a), fails i2 (sys_b,
   * open); sys_c is on no checklist of this campaign */
  assert_string_equal(sys(m1, "sys_a"), "ok");
  assert_string_equal(sys(m1, "sys_b"), "failed");
  assert_string_equal(sys(m1, "sys_c"), "unchecked");
  /* m2's i1 failed but was rectified: ok */
  assert_string_equal(sys(m2, "sys_a"), "ok");
  assert_string_equal(sys(m2, "sys_b"), "ok");
  /* a market's counts take its stalls' in */
  assert_int_equal(num(m1, "inspections"), 3);
  assert_int_equal(num(m1, "violations"), 4);
  assert_int_equal(num(m1, "open_rectify"), 4);
  assert_string_equal(json_string_value(json_object_get(m1, "last_inspection")),
                      "2021-04-15T10:00:00+08:00");
  assert_int_equal(num(m1, "score"), 99);
  assert_int_equal(num(m2, "inspections"), 2);
  assert_int_equal(num(m2, "open_rectify"), 0);
  assert_int_equal(num(m2, "score"), 100);
  assert_int_equal(num(m1, "members"), 2);
  assert_int_equal(num(m1, "members_signed"), 1);
  assert_int_equal(num(m2, "members_signed"), 0);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(m1, "pledges"), "p_market")),
      "2021-03-05T10:00:00+08:00");
  assert_true(json_is_null(json_object_get(json_object_get(m2, "pledges"), "p_market")));

  json_t *t = json_object_get(d, "totals");
  assert_int_equal(num(t, "participants"), 2);
  assert_int_equal(num(t, "members"), 3);
  assert_int_equal(num(t, "signed.p_market"), 1);
  assert_int_equal(num(t, "signed.p_stall"), 1);
  assert_int_equal(num(t, "expected.p_market"), 2);
  assert_int_equal(num(t, "expected.p_stall"), 3);
  assert_int_equal(num(t, "inspections"), 5);
  assert_int_equal(num(t, "violations"), 6);
  assert_int_equal(num(t, "rectify.open"), 3);
  assert_int_equal(num(t, "rectify.overdue"), 1);
  assert_int_equal(num(t, "rectify.closed_on_time"), 1);
  assert_int_equal(num(t, "rectify.closed_late"), 1);
  /* by month: March's pledge and inspection; April's four; June's code signature */
  json_t *months = json_object_get(d, "by_month");
  assert_int_equal(json_array_size(months), 3);
  json_t *mar = json_array_get(months, 0), *apr = json_array_get(months, 1),
         *jun = json_array_get(months, 2);
  assert_string_equal(json_string_value(json_object_get(mar, "month")), "2021-03");
  assert_int_equal(num(mar, "pledges"), 1);
  assert_int_equal(num(mar, "inspections"), 1);
  assert_int_equal(num(mar, "violations"), 2);
  assert_string_equal(json_string_value(json_object_get(apr, "month")), "2021-04");
  assert_int_equal(num(apr, "inspections"), 4);
  assert_int_equal(num(apr, "violations"), 4);
  assert_string_equal(json_string_value(json_object_get(jun, "month")), "2021-06");
  assert_int_equal(num(jun, "pledges"), 1);
  json_decref(d);

  /* street a only: m1 and its stalls */
  registry_rdlock(tw.reg);
  const struct reg_region *a = registry_region(tw.reg, "d/a");
  struct cp_view va = {.rpos_lo = a->lo, .rpos_hi = a->hi};
  registry_unlock(tw.reg);
  d = dashboard(&va);
  assert_non_null(participant(d, "m1"));
  assert_null(participant(d, "m2"));
  t = json_object_get(d, "totals");
  assert_int_equal(num(t, "participants"), 1);
  assert_int_equal(num(t, "members"), 2);
  assert_int_equal(num(t, "inspections"), 3);
  assert_int_equal(num(t, "rectify.closed_on_time"), 0);
  assert_int_equal(num(t, "signed.p_stall"), 1);
  json_decref(d);
}

static void test_activities(void **state) {
  (void)state;
  struct campaigns cs = engine();
  struct cp_actor clerk = {"clerk"};
  int64_t id1 = 0, id2 = 0;
  struct zz_err e = {0};
  json_t *b = body("{\"kind\":\"meet\",\"title\":\"推进会\",\"participants\":30,"
                   "\"ts\":\"2021-05-01T09:00:00+08:00\"}");
  assert_int_equal(campaign_activity_add(&cs, &clerk, "c1", b, &id1, &e), 0);
  json_decref(b);
  b = body("{\"kind\":\"meet\",\"title\":\"市场现场会\",\"entity\":\"m2\",\"participants\":12,"
           "\"ts\":\"2021-05-02T09:00:00+08:00\"}");
  assert_int_equal(campaign_activity_add(&cs, &clerk, "c1", b, &id2, &e), 0);
  json_decref(b);
  b = body("{\"kind\":\"party\",\"title\":\"x\",\"participants\":1}");
  assert_int_equal(campaign_activity_add(&cs, &clerk, "c1", b, &id2, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "kind");
  json_decref(b);
  /* street a sees the district-wide one, not m2's */
  registry_rdlock(tw.reg);
  const struct reg_region *a = registry_region(tw.reg, "d/a");
  struct cp_view va = {.rpos_lo = a->lo, .rpos_hi = a->hi};
  registry_unlock(tw.reg);
  struct answer ans;
  answer_init(&ans);
  assert_int_equal(campaign_activities_json(&cs, "c1", &va, NULL, NULL, 10, &ans.j, &ans.e), 0);
  json_t *r = answer_json(&ans);
  json_t *list = json_object_get(r, "activities");
  assert_int_equal(json_array_size(list), 1);
  assert_int_equal(num(json_array_get(list, 0), "id"), id1);
  json_decref(r);
  /* everywhere, a page of one, then the next */
  struct cp_view all = {0};
  answer_init(&ans);
  assert_int_equal(campaign_activities_json(&cs, "c1", &all, NULL, NULL, 1, &ans.j, &ans.e), 0);
  r = answer_json(&ans);
  assert_int_equal(num(json_array_get(json_object_get(r, "activities"), 0), "id"), id2);
  char cur[64];
  zz_strlcpy(cur, json_string_value(json_object_get(r, "next_cursor")), sizeof cur);
  json_decref(r);
  answer_init(&ans);
  assert_int_equal(campaign_activities_json(&cs, "c1", &all, NULL, cur, 1, &ans.j, &ans.e), 0);
  r = answer_json(&ans);
  assert_int_equal(num(json_array_get(json_object_get(r, "activities"), 0), "id"), id1);
  assert_true(json_is_null(json_object_get(r, "next_cursor")));
  json_decref(r);
}

/* ---- the tallies (migration 24) against the rows ----
 * The dashboard's store calls read counters kept by triggers. Here each is
 * compared with the GROUP BY the store ran over the rows before the
 * tallies (the reference below), after every kind of write the triggers
 * follow: inspections of either campaign or of none, rectification items
 * opened, closed and marked overdue, credit events, signatures, an entity
 * that moves to another market and street, regions numbered again, and a
 * new campaigns document. */
#define REF_CI                                                                                     \
  "WITH ci AS (SELECT x.id, x.entity, x.checklist, x.ts, x.failed, x.answers FROM ins_inspection " \
  "x"                                                                                              \
  " WHERE x.campaign = ?1 OR (x.campaign IS NULL"                                                  \
  " AND x.checklist IN (SELECT value FROM json_each(coalesce(?5, '[]')))))"
#define REF_PART(e) e ".type IN (SELECT value FROM json_each(?2))"
#define REF_MEMBER(e) e ".type IN (SELECT value FROM json_each(coalesce(?3, '[]')))"
#define REF_SCOPE(e) "(?6 = 0 OR " e ".rpos BETWEEN ?6 AND ?7)"
#define REF_OWNER(e)                                                                               \
  "CASE WHEN " REF_PART(e) " THEN " e ".key ELSE json_extract(" e ".attrs, ?4) END"

static const char *const ref_count[] = {
    [STORE_CP_SIGNED_BY_PLEDGE] =
        "SELECT p.pledge, count(*), 0 FROM cp_pledge p JOIN entity e"
        " ON e.id = p.entity WHERE p.campaign = ?1 AND " REF_SCOPE("e") " GROUP BY 1 ORDER BY 1",
    [STORE_CP_SIGNED_BY_PARENT] =
        "SELECT coalesce(json_extract(e.attrs, ?4), ''), count(*), 0 FROM cp_pledge p"
        " JOIN entity e ON e.id = p.entity WHERE p.campaign = ?1 AND p.pledge = ?8"
        " AND " REF_SCOPE("e") " GROUP BY 1 ORDER BY 1",
    [STORE_CP_PLEDGES_BY_MONTH] =
        "SELECT strftime('%Y-%m', p.ts / 1000 + 28800, 'unixepoch'), count(*), 0"
        " FROM cp_pledge p JOIN entity e ON e.id = p.entity"
        " WHERE p.campaign = ?1 AND " REF_SCOPE("e") " GROUP BY 1 ORDER BY 1",
    [STORE_CP_INSPECTIONS_BY_MONTH] =
        REF_CI " SELECT strftime('%Y-%m', ci.ts / 1000 + 28800, 'unixepoch'), count(*),"
               " sum(ci.failed) FROM ci JOIN entity e ON e.id = ci.entity WHERE " REF_SCOPE(
                   "e") " GROUP BY 1 ORDER BY 1",
    [STORE_CP_RECTIFY_BY_STATE] =
        REF_CI " SELECT CASE WHEN x.closed IS NULL THEN CASE WHEN x.status = 'overdue'"
               " THEN 'overdue' ELSE 'open' END WHEN x.closed <= x.deadline THEN"
               " 'closed_on_time' ELSE 'closed_late' END, count(*), 0 FROM ins_rectify x"
               " JOIN entity e ON e.id = x.entity WHERE x.inspection IN (SELECT id FROM ci)"
               " AND " REF_SCOPE("e") " GROUP BY 1 ORDER BY 1",
    [STORE_CP_ENTITIES] = "SELECT 'members', count(*), 0 FROM entity e WHERE " REF_MEMBER(
        "e") " AND " REF_SCOPE("e") " UNION ALL SELECT 'participants', count(*), 0"
                                    " FROM entity e WHERE " REF_PART("e") " AND " REF_SCOPE("e"),
};

static const char ref_participants[] = REF_CI ", i AS (SELECT " REF_OWNER(
    "e") " AS owner, count(*) AS n, sum(ci.failed) AS failed,"
         " max(ci.ts) AS last FROM ci JOIN entity e ON e.id = ci.entity GROUP BY 1),"
         " r AS (SELECT " REF_OWNER(
             "e") " AS owner, count(*) AS n FROM ins_rectify x"
                  " JOIN entity e ON e.id = x.entity WHERE x.closed IS NULL"
                  " AND x.inspection IN (SELECT id FROM ci) GROUP BY 1),"
                  " m AS (SELECT json_extract(e.attrs, ?4) AS owner, count(*) AS n FROM entity e"
                  " WHERE ?4 IS NOT NULL AND " REF_MEMBER(
                      "e") " GROUP BY 1),"
                           " k AS (SELECT entity, sum(points) AS pts FROM credit_event"
                           " WHERE campaign = ?1 OR campaign IS NULL GROUP BY entity)"
                           " SELECT p.key, coalesce(m.n, 0), coalesce(i.n, 0), coalesce(i.failed, "
                           "0),"
                           " coalesce(i.last, 0), coalesce(r.n, 0), coalesce(k.pts, 0) FROM entity "
                           "p"
                           " LEFT JOIN m ON m.owner = p.key LEFT JOIN i ON i.owner = p.key"
                           " LEFT JOIN r ON r.owner = p.key LEFT JOIN k ON k.entity = p.id"
                           " WHERE " REF_PART("p") " AND " REF_SCOPE("p") " ORDER BY p.key";

/* the latest of each (participant, checklist); the first row of the
 * newest ts, as the triggers keep it */
static const char ref_latest[] =
    REF_CI " SELECT e.key, ci.checklist, ci.id, ci.ts, (SELECT json_group_array(x.item)"
           " FROM ins_rectify x WHERE x.inspection = ci.id AND x.closed IS NOT NULL)"
           " FROM ci JOIN entity e ON e.id = ci.entity WHERE " REF_PART("e") " AND " REF_SCOPE(
               "e") " AND ci.id = (SELECT c2.id FROM ci c2 WHERE c2.entity = ci.entity"
                    " AND c2.checklist = ci.checklist ORDER BY c2.ts DESC, c2.id LIMIT 1)"
                    " ORDER BY 1, 2";

/* The rows of a reference statement, "a|b|c;" each, into out. */
static void ref_rows(const char *q, const struct store_cp_scope *sc, const char *arg, char *out,
                     size_t cap) {
  char path[128];
  snprintf(path, sizeof path, "%s/zhizhi.db", dir);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) fail_msg("%s", sqlite3_errmsg(db));
  const char *text[] = {sc->campaign, sc->participant_types, sc->member_types, sc->parent_path,
                        sc->checklists};
  for (int i = 0; i < 5; i++) sqlite3_bind_text(st, i + 1, text[i], -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, sc->rpos_lo);
  sqlite3_bind_int64(st, 7, sc->rpos_hi);
  if (sqlite3_bind_parameter_count(st) >= 8) sqlite3_bind_text(st, 8, arg, -1, SQLITE_STATIC);
  size_t n = 0;
  out[0] = '\0';
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(st); c++) {
      const char *v = (const char *)sqlite3_column_text(st, c);
      n += (size_t)snprintf(out + n, cap - n, "%s%s", c ? "|" : "", v ? v : "");
      assert_true(n < cap);
    }
    n += (size_t)snprintf(out + n, cap - n, ";");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

struct rows {
  char *out;
  size_t n, cap;
};

static void rows_add(struct rows *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  r->n += (size_t)vsnprintf(r->out + r->n, r->cap - r->n, fmt, ap);
  va_end(ap);
  assert_true(r->n < r->cap);
}

static int count_row(void *ud, const char *key, int64_t n, int64_t n2) {
  rows_add(ud, "%s|%lld|%lld;", key, (long long)n, (long long)n2);
  return 0;
}

static int part_row(void *ud, const struct store_cp_participant *p) {
  rows_add(ud, "%s|%lld|%lld|%lld|%lld|%lld|%lld;", p->key, (long long)p->members,
           (long long)p->inspections, (long long)p->violations, (long long)p->last_inspection,
           (long long)p->open_rectify, (long long)p->points);
  return 0;
}

static int latest_row(void *ud, const struct store_cp_latest *l) {
  rows_add(ud, "%s|%s|%lld|%lld|%s;", l->entity_key, l->checklist, (long long)l->inspection,
           (long long)l->ts, l->closed_items ? l->closed_items : "");
  return 0;
}

/* Every store call of the dashboard equals its reference, in sc. */
static void tallies_agree(const struct store_cp_scope *sc) {
  static char want[16384], got[16384];
  struct rows r = {got, 0, sizeof got};
  for (int what = 0; what <= STORE_CP_ENTITIES; what++) {
    const char *arg = what == STORE_CP_SIGNED_BY_PARENT ? "p_stall" : NULL;
    if (what == STORE_CP_SIGNED_BY_PARENT && !sc->parent_path) continue;
    r.n = 0;
    got[0] = '\0';
    assert_int_equal(store_cp_count(tw.st, sc, (enum store_cp_count)what, arg, count_row, &r), 0);
    ref_rows(ref_count[what], sc, arg, want, sizeof want);
    if (strcmp(want, got))
      fail_msg("count %d of %s: want %s, got %s", what, sc->campaign, want, got);
  }
  r.n = 0;
  got[0] = '\0';
  assert_int_equal(store_cp_participants_each(tw.st, sc, part_row, &r), 0);
  ref_rows(ref_participants, sc, NULL, want, sizeof want);
  if (strcmp(want, got)) fail_msg("participants of %s: want %s, got %s", sc->campaign, want, got);
  r.n = 0;
  got[0] = '\0';
  assert_int_equal(store_cp_latest_each(tw.st, sc, latest_row, &r), 0);
  ref_rows(ref_latest, sc, NULL, want, sizeof want);
  if (strcmp(want, got)) fail_msg("latest of %s: want %s, got %s", sc->campaign, want, got);
}

static int64_t region_lo(const char *path, int hi) {
  char out[64];
  char q[160];
  snprintf(q, sizeof q, "SELECT %s FROM region WHERE path = '%s'", hi ? "hi" : "lo", path);
  struct store_cp_scope none = {0};
  ref_rows(q, &none, NULL, out, sizeof out);
  return strtoll(out, NULL, 10);
}

/* c1 and c2 as the test's campaigns document says, district-wide and on
 * street d/a; checklists c1 (after the document changed) */
static void all_agree(const char *c1_checklists) {
  struct store_cp_scope c1 = {.campaign = "c1",
                              .participant_types = "[\"market\"]",
                              .member_types = "[\"stall\"]",
                              .parent_path = "$.market",
                              .checklists = c1_checklists};
  struct store_cp_scope c2 = {
      .campaign = "c2", .participant_types = "[\"market\"]", .checklists = "[\"cl_x\"]"};
  tallies_agree(&c1);
  tallies_agree(&c2);
  c1.rpos_lo = c2.rpos_lo = region_lo("d/a", 0);
  c1.rpos_hi = c2.rpos_hi = region_lo("d/a", 1);
  tallies_agree(&c1);
  tallies_agree(&c2);
}

static void test_tallies_follow_the_rows(void **state) {
  (void)state;
  static const char *const keys[] = {"m1", "m2", "s1", "s2", "s3"};
  static const char *const camps[] = {"'c1'", "NULL", "'c2'"};
  static const char *const ans = "[{\"item\":\"i1\",\"ok\":false},{\"item\":\"j1\",\"ok\":true}]";
  all_agree("[\"cl_m\",\"cl_s\"]");
  /* inspections of either campaign or of none, some at the same ms */
  unsigned seed = 7;
  for (int k = 0; k < 90; k++) {
    seed = seed * 1103515245u + 12345u;
    const char *key = keys[(seed >> 8) % 5];
    const char *cl = key[0] == 'm' ? ((seed >> 12) % 3 ? "cl_m" : "cl_x") : "cl_s";
    int month = 1 + (int)((seed >> 16) % 5), day = 1 + (int)((seed >> 20) % 3);
    int failed = (int)((seed >> 24) % 3);
    sql("INSERT INTO ins_inspection(id, uid, checklist, campaign, entity, region, department,"
        " inspector, ts, result, failed, answers, created) SELECT %d, 'tt%d', '%s', %s, id,"
        " region, 'ms', 'insp', %lld, 'x', %d, '%s', 0 FROM entity WHERE key = '%s'",
        5000 + k, k, cl, camps[(seed >> 4) % 3],
        (long long)at("2021-01-01T00:00:00+08:00") + (int64_t)((month - 1) * 31 + day) * 86400000,
        failed, ans, key);
    if (failed) {
      sql("INSERT INTO ins_rectify(inspection, item, entity, campaign, owner, deadline, status)"
          " SELECT id, 'i1', entity, campaign, 'ms', ts + 259200000, 'open' FROM ins_inspection"
          " WHERE id = %d",
          5000 + k);
      if (k % 3 == 0) credit(key, -2, k % 2 ? "c1" : NULL);
    }
  }
  all_agree("[\"cl_m\",\"cl_s\"]");
  /* two latest visits of m1 at the same ms, of c1 and of no campaign: the
   * first is the latest (the other ckey's row sorts first in the tally) */
  for (int k = 0; k < 2; k++)
    sql("INSERT INTO ins_inspection(id, uid, checklist, campaign, entity, region, department,"
        " inspector, ts, result, failed, answers, created) SELECT %d, 'tie%d', 'cl_m', %s, id,"
        " region, 'ms', 'insp', %lld, 'x', 0, '[]', 0 FROM entity WHERE key = 'm1'",
        5200 + k, k, k ? "NULL" : "'c1'", (long long)at("2021-05-30T10:00:00+08:00"));
  all_agree("[\"cl_m\",\"cl_s\"]");
  /* items closed on time, late, and marked overdue (the sweep's update) */
  sql("UPDATE ins_rectify SET status = 'overdue' WHERE inspection BETWEEN 5000 AND 5030");
  sql("UPDATE ins_rectify SET status = 'closed_on_time', closed = deadline - 1 WHERE inspection"
      " BETWEEN 5020 AND 5050");
  sql("UPDATE ins_rectify SET status = 'closed_late', closed = deadline + 1 WHERE inspection"
      " BETWEEN 5060 AND 5070 AND closed IS NULL");
  /* signatures of the stalls */
  sql("INSERT OR IGNORE INTO cp_pledge(campaign, pledge, version, entity, signer, channel, ts)"
      " SELECT 'c1', 'p_stall', '2', id, 'x', 'paper', %lld FROM entity WHERE type = 'stall'",
      (long long)at("2021-04-02T10:00:00+08:00"));
  all_agree("[\"cl_m\",\"cl_s\"]");
  /* s2 moves to m2 on street d/b: its counts go along */
  int64_t b = region_lo("d/b", 0);
  struct store_entity en = {.key = "s2",
                            .type = "stall",
                            .name_zh = "s2",
                            .region = 0,
                            .attrs_json = "{\"market\":\"m2\",\"contact_phone\":\"13800000002\"}"};
  char q[128], out[64];
  struct store_cp_scope none = {0};
  snprintf(q, sizeof q, "SELECT id FROM region WHERE path = 'd/b'");
  ref_rows(q, &none, NULL, out, sizeof out);
  en.region = strtoll(out, NULL, 10);
  struct zz_err e = {0};
  int64_t id = 0;
  assert_int_equal(store_entity_upsert(tw.st, &en, b, &id, &e), 0);
  all_agree("[\"cl_m\",\"cl_s\"]");
  /* the regions numbered again: street d/a's entities move in rpos */
  snprintf(q, sizeof q, "SELECT id FROM region WHERE path = 'd/a'");
  ref_rows(q, &none, NULL, out, sizeof out);
  assert_int_equal(store_entities_set_rpos(tw.st, strtoll(out, NULL, 10), 900), 0);
  sql("UPDATE region SET lo = 900, hi = 900 WHERE path = 'd/a'");
  all_agree("[\"cl_m\",\"cl_s\"]");
  /* a new campaigns document: c1 takes cl_x too, and the stalls' parent
   * attribute is another (none has it: no members, no owners) */
  char *doc = zz_strdup(campaigns_doc);
  char *at_cl = strstr(doc, "\"checklists\":[\"cl_m\",\"cl_s\"]");
  assert_non_null(at_cl);
  const char *newer = "\"checklists\":[\"cl_m\",\"cl_s\",\"cl_x\"]";
  size_t cap = strlen(doc) + 64;
  char *next = zz_calloc(1, cap);
  snprintf(next, cap, "%.*s%s%s", (int)(at_cl - doc), doc, newer,
           at_cl + strlen("\"checklists\":[\"cl_m\",\"cl_s\"]"));
  assert_int_equal(store_doc_put(tw.st, "campaigns", next, &e), 0);
  all_agree("[\"cl_m\",\"cl_s\",\"cl_x\"]");
  char *p = strstr(next, "\"parent_attr\":\"market\"");
  assert_non_null(p);
  memcpy(p + strlen("\"parent_attr\":\""), "marke2", 6);
  assert_int_equal(store_doc_put(tw.st, "campaigns", next, &e), 0);
  struct store_cp_scope c1 = {.campaign = "c1",
                              .participant_types = "[\"market\"]",
                              .member_types = "[\"stall\"]",
                              .parent_path = "$.marke2",
                              .checklists = "[\"cl_m\",\"cl_s\",\"cl_x\"]"};
  tallies_agree(&c1);
  /* and back: the document the other tests read */
  assert_int_equal(store_doc_put(tw.st, "campaigns", campaigns_doc, &e), 0);
  all_agree("[\"cl_m\",\"cl_s\"]");
  zz_free(next);
  zz_free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sign),
      cmocka_unit_test(test_lists_masked),
      cmocka_unit_test(test_dashboard),
      cmocka_unit_test(test_activities),
      cmocka_unit_test(test_tallies_follow_the_rows),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
