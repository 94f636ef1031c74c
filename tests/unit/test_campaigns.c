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
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(ps, 0), "signed_version")), "2");
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

  char out[32];
  campaign_mask_name("Li", out, sizeof out);
  assert_string_equal(out, "L**");
  campaign_mask_name("欧阳娜娜", out, sizeof out);
  assert_string_equal(out, "欧**");
  campaign_mask_phone("13912345678", out, sizeof out);
  assert_string_equal(out, "139****5678");
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sign),
      cmocka_unit_test(test_lists_masked),
      cmocka_unit_test(test_dashboard),
      cmocka_unit_test(test_activities),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
