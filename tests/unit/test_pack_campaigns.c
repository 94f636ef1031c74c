/* test_pack_campaigns.c - unit tests for src/pack/pack_campaigns.c, the
 * checks of campaigns.json: a good document passes (a small one and the
 * Gongshu pack's own, against the pack's departments and entity types), and
 * each broken rule is refused with the field it names and its sentence in
 * both languages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/zz.h"
#include "pack/pack_campaigns.h"

static json_t *parse(const char *text) {
  json_error_t je;
  json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
  if (!j) fail_msg("bad test JSON %s: %s", text, je.text);
  return j;
}

/* ---- a lookup over two JSON arrays (departments.json, entity_types.json) ---- */

struct world {
  json_t *depts, *types;
};

static int has_id(const json_t *arr, const char *id) {
  for (size_t i = 0; i < json_array_size(arr); i++)
    if (strcmp(json_string_value(json_object_get(json_array_get(arr, i), "id")), id) == 0) return 1;
  return 0;
}

static int lk_dept(void *ud, const char *key) {
  return has_id(((struct world *)ud)->depts, key);
}

static int lk_attr(void *ud, const char *type, const char *attr) {
  const json_t *types = ((struct world *)ud)->types;
  for (size_t i = 0; i < json_array_size(types); i++) {
    const json_t *t = json_array_get(types, i);
    if (strcmp(json_string_value(json_object_get(t, "id")), type) != 0) continue;
    if (!*attr) return 1;
    return has_id(json_object_get(t, "attrs"), attr);
  }
  return -1;
}

/* the regions of the world: the district and its park */
static int lk_region(void *ud, const char *path) {
  (void)ud;
  return strcmp(path, "gongshu") == 0 || strcmp(path, "gongshu/kejipark") == 0;
}

static int check(struct world *w, const json_t *doc, struct zz_err *e) {
  struct pack_campaigns_lookup lk = {w, lk_dept, lk_attr, lk_region};
  return pack_check_campaigns(doc, &lk, e);
}

static const char *const DEPTS = "[{\"id\":\"market_supervision\"},{\"id\":\"politics_law\"}]";
static const char *const TYPES =
    "[{\"id\":\"market\",\"attrs\":[{\"id\":\"stalls\"}]},"
    "{\"id\":\"stall\",\"attrs\":[{\"id\":\"market\"},{\"id\":\"holder\"}]},"
    "{\"id\":\"police_station\",\"attrs\":[]},{\"id\":\"enterprise\",\"attrs\":[]}]";

/* Two checklists and two campaigns: one with members, systems, pledges,
 * activities and credit, one with an end and plans. */
static const char *const GOOD =
    "{\"checklists\":["
    " {\"id\":\"market_check\",\"name_zh\":\"市场检查\",\"name_en\":\"Market check\","
    "  \"entity_types\":[\"market\"],\"department\":\"market_supervision\",\"items\":["
    "   {\"id\":\"posted\",\"system\":\"commit\",\"text_zh\":\"上墙\",\"text_en\":\"Posted\","
    "    \"rectify_days\":7,\"points\":2},"
    "   {\"id\":\"ledger\",\"text_zh\":\"台账\",\"text_en\":\"Ledger\",\"rectify_days\":365,"
    "    \"points\":100}]},"
    " {\"id\":\"stall_check\",\"name_zh\":\"摊位检查\",\"name_en\":\"Stall check\","
    "  \"entity_types\":[\"stall\"],\"department\":\"market_supervision\",\"items\":["
    "   {\"id\":\"thin\",\"system\":\"buy\",\"text_zh\":\"超薄袋\",\"text_en\":\"Thin bags\","
    "    \"rectify_days\":1,\"points\":0}]},"
    " {\"id\":\"police_check\",\"name_zh\":\"派出所督查\",\"name_en\":\"Station check\","
    "  \"entity_types\":[\"police_station\"],\"department\":\"politics_law\",\"items\":["
    "   {\"id\":\"notes\",\"text_zh\":\"笔记\",\"text_en\":\"Notes\",\"rectify_days\":14,"
    "    \"points\":0}]}],"
    " \"campaigns\":["
    " {\"id\":\"plastic\",\"name_zh\":\"限塑\",\"name_en\":\"Plastic\","
    "  \"department\":\"market_supervision\",\"start\":\"2021-01-01\","
    "  \"goal_zh\":\"目标\",\"goal_en\":\"Goal\",\"participants\":{\"entity_types\":[\"market\"]},"
    "  \"members\":{\"entity_types\":[\"stall\"],\"parent_attr\":\"market\"},"
    "  \"systems\":[{\"id\":\"commit\",\"name_zh\":\"承诺\",\"name_en\":\"Commitment\"},"
    "   {\"id\":\"buy\",\"name_zh\":\"集中采购\",\"name_en\":\"Central purchase\"}],"
    "  \"pledges\":[{\"id\":\"duty\",\"signer\":\"participant\",\"title_zh\":\"责任状\","
    "    \"title_en\":\"Duty\",\"version\":\"2021.1\",\"text_zh\":\"承诺\",\"text_en\":\"We\"},"
    "   {\"id\":\"stall\",\"signer\":\"member\",\"title_zh\":\"承诺书\",\"title_en\":\"Pledge\","
    "    \"version\":\"2021.1\",\"text_zh\":\"承诺\",\"text_en\":\"I\"}],"
    "  \"checklists\":[\"market_check\",\"stall_check\"],"
    "  \"activities\":[{\"id\":\"meet\",\"name_zh\":\"推进会\",\"name_en\":\"Meeting\"}],"
    "  \"credit\":{\"base\":100}},"
    " {\"id\":\"visits\",\"name_zh\":\"督查\",\"name_en\":\"Visits\","
    "  \"department\":\"politics_law\",\"start\":\"2021-03-01\",\"end\":\"2021-03-01\","
    "  \"goal_zh\":\"目标\",\"goal_en\":\"Goal\","
    "  \"participants\":{\"entity_types\":[\"police_station\"]},"
    "  \"checklists\":[\"police_check\"],\"plans\":true}]}";

static int setup(void **state) {
  struct world *w = calloc(1, sizeof *w);
  w->depts = parse(DEPTS);
  w->types = parse(TYPES);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  struct world *w = *state;
  json_decref(w->depts);
  json_decref(w->types);
  free(w);
  return 0;
}

/* The member of doc at path ("campaigns[0].pledges[1]"): its container and
 * the last step (a key, or index when key is NULL). */
static json_t *walk(json_t *doc, const char *path, char *key, size_t cap, size_t *index) {
  json_t *at = doc;
  const char *p = path;
  key[0] = 0;
  *index = SIZE_MAX;
  json_t *parent = NULL;
  while (*p) {
    parent = at;
    if (*p == '[') {
      char *end;
      *index = strtoul(p + 1, &end, 10);
      key[0] = 0;
      at = json_array_get(at, *index);
      p = end + 1;
    } else {
      size_t n = strcspn(p, ".[");
      if (n >= cap) fail_msg("path step too long: %s", p);
      memcpy(key, p, n);
      key[n] = 0;
      at = json_object_get(at, key);
      p += n;
    }
    if (*p == '.') p++;
    if (!at && *p) fail_msg("no %s in the test document", path);
  }
  return parent;
}

/* doc with the member at path set to value (JSON text), or removed when
 * value is NULL. */
static json_t *changed(const char *path, const char *value) {
  json_t *doc = parse(GOOD);
  char key[64];
  size_t index;
  json_t *parent = walk(doc, path, key, sizeof key, &index);
  if (key[0]) {
    if (value)
      json_object_set_new(parent, key, parse(value));
    else
      json_object_del(parent, key);
  } else if (value) {
    json_array_set_new(parent, index, parse(value));
  } else {
    json_array_remove(parent, index);
  }
  return doc;
}

static void test_good(void **state) {
  json_t *doc = parse(GOOD);
  struct zz_err e = {0};
  int rc = check(*state, doc, &e);
  if (rc) fail_msg("rc %d: %s", rc, e.msg);
  json_decref(doc);
  /* the optional lists may go */
  static const char *const optional[] = {"campaigns[0].members",    "campaigns[0].systems",
                                         "campaigns[0].activities", "campaigns[0].credit",
                                         "campaigns[1].end",        "campaigns[1].plans"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(optional); i++) {
    json_t *d = changed(optional[i], NULL);
    if (i <= 1) { /* without members or systems, what names them goes too */
      json_object_del(json_array_get(json_object_get(d, "campaigns"), 0), "pledges");
      json_object_del(json_array_get(json_object_get(d, "campaigns"), 0), "checklists");
    }
    rc = check(*state, d, &e);
    if (rc) fail_msg("without %s: rc %d: %s", optional[i], rc, e.msg);
    json_decref(d);
  }
}

/* Each case breaks one rule: the path set to value (NULL: removed), the
 * field the error names and its English sentence, whole. */
static const struct bad {
  const char *path, *value, *field, *msg;
} bads[] = {
    {"campaigns[1].id", "\"plastic\"", "campaigns.json campaigns[1].id",
     "campaigns.json campaigns[1].id: \"plastic\" appears twice"},
    {"checklists[1].id", "\"market_check\"", "campaigns.json checklists[1].id",
     "campaigns.json checklists[1].id: \"market_check\" appears twice"},
    {"checklists[0].items[1].id", "\"posted\"", "campaigns.json checklists[0].items[1].id",
     "campaigns.json checklists[0].items[1].id: \"posted\" appears twice"},
    {"campaigns[0].systems[1].id", "\"commit\"", "campaigns.json campaigns[0].systems[1].id",
     "campaigns.json campaigns[0].systems[1].id: \"commit\" appears twice"},
    {"campaigns[0].pledges[1].id", "\"duty\"", "campaigns.json campaigns[0].pledges[1].id",
     "campaigns.json campaigns[0].pledges[1].id: \"duty\" appears twice"},
    {"campaigns[0].checklists[1]", "\"market_check\"", "campaigns.json campaigns[0].checklists[1]",
     "campaigns.json campaigns[0].checklists[1]: \"market_check\" appears twice"},
    {"campaigns[0].name_en", NULL, "campaigns.json campaigns[0].name_en",
     "campaigns.json campaigns[0].name_en: required"},
    {"checklists[0].name_zh", "\"\"", "campaigns.json checklists[0].name_zh",
     "campaigns.json checklists[0].name_zh: must be a non-empty string"},
    {"campaigns[0].pledges[0].text_en", NULL, "campaigns.json campaigns[0].pledges[0].text_en",
     "campaigns.json campaigns[0].pledges[0].text_en: required"},
    {"campaigns[0].department", "\"trade\"", "campaigns.json campaigns[0].department",
     "campaigns.json campaigns[0].department: department \"trade\" does not exist"},
    {"checklists[2].department", "\"court\"", "campaigns.json checklists[2].department",
     "campaigns.json checklists[2].department: department \"court\" does not exist"},
    {"checklists[0].entity_types", "[\"market\",\"farm\"]",
     "campaigns.json checklists[0].entity_types[1]",
     "campaigns.json checklists[0].entity_types[1]: entity type \"farm\" does not exist"},
    {"campaigns[0].participants", "{\"entity_types\":[\"depot\"]}",
     "campaigns.json campaigns[0].participants.entity_types[0]",
     "campaigns.json campaigns[0].participants.entity_types[0]: entity type \"depot\" does not "
     "exist"},
    {"campaigns[0].participants", "{\"entity_types\":[\"market\",\"market\"]}",
     "campaigns.json campaigns[0].participants.entity_types[1]",
     "campaigns.json campaigns[0].participants.entity_types[1]: \"market\" appears twice"},
    {"campaigns[0].members.parent_attr", "\"shop\"",
     "campaigns.json campaigns[0].members.parent_attr",
     "campaigns.json campaigns[0].members.parent_attr: entity type \"stall\" declares no "
     "attribute \"shop\""},
    {"checklists[0].items[0].rectify_days", "0",
     "campaigns.json checklists[0].items[0].rectify_days",
     "campaigns.json checklists[0].items[0].rectify_days: must be an integer from 1 to 365, not 0"},
    {"checklists[0].items[0].rectify_days", "366",
     "campaigns.json checklists[0].items[0].rectify_days",
     "campaigns.json checklists[0].items[0].rectify_days: must be an integer from 1 to 365, not "
     "366"},
    {"checklists[0].items[1].points", "101", "campaigns.json checklists[0].items[1].points",
     "campaigns.json checklists[0].items[1].points: must be an integer from 0 to 100, not 101"},
    {"checklists[0].items[1].points", "-1", "campaigns.json checklists[0].items[1].points",
     "campaigns.json checklists[0].items[1].points: must be an integer from 0 to 100, not -1"},
    {"checklists[1].items[0].rectify_days", NULL,
     "campaigns.json checklists[1].items[0].rectify_days",
     "campaigns.json checklists[1].items[0].rectify_days: required"},
    {"campaigns[0].checklists", "[\"market_check\",\"fire_check\"]",
     "campaigns.json campaigns[0].checklists[1]",
     "campaigns.json campaigns[0].checklists[1]: checklist \"fire_check\" is not declared under "
     "\"checklists\""},
    {"campaigns[1].checklists", "[\"police_check\",\"stall_check\"]",
     "campaigns.json campaigns[1].checklists[1]",
     "campaigns.json campaigns[1].checklists[1]: checklist \"stall_check\" checks type \"stall\", "
     "neither a participant nor a member type"},
    {"campaigns[0].systems", "[{\"id\":\"commit\",\"name_zh\":\"承诺\",\"name_en\":\"C\"}]",
     "campaigns.json campaigns[0].checklists[1]",
     "campaigns.json campaigns[0].checklists[1]: checklist \"stall_check\" item \"thin\": system "
     "\"buy\" is not among this campaign's systems"},
    {"campaigns[0].pledges[0].signer", "\"mayor\"", "campaigns.json campaigns[0].pledges[0].signer",
     "campaigns.json campaigns[0].pledges[0].signer: must be one of participant, member"},
    {"campaigns[0].members", NULL, "campaigns.json campaigns[0].pledges[1].signer",
     "campaigns.json campaigns[0].pledges[1].signer: a pledge signed by members needs the "
     "campaign's \"members\""},
    {"campaigns[0].pledges[0].version", "\"\"", "campaigns.json campaigns[0].pledges[0].version",
     "campaigns.json campaigns[0].pledges[0].version: must be a non-empty string"},
    {"campaigns[0].start", "\"2021-02-30\"", "campaigns.json campaigns[0].start",
     "campaigns.json campaigns[0].start: must be a date YYYY-MM-DD"},
    {"campaigns[0].start", NULL, "campaigns.json campaigns[0].start",
     "campaigns.json campaigns[0].start: required"},
    {"campaigns[1].end", "\"2021/07/31\"", "campaigns.json campaigns[1].end",
     "campaigns.json campaigns[1].end: must be a date YYYY-MM-DD"},
    {"campaigns[1].end", "\"2021-02-28\"", "campaigns.json campaigns[1].end",
     "campaigns.json campaigns[1].end: 2021-02-28 is before the start 2021-03-01"},
    {"campaigns[0].credit", "{\"base\":-5}", "campaigns.json campaigns[0].credit.base",
     "campaigns.json campaigns[0].credit.base: must be an integer from 0 to 10000, not -5"},
    {"campaigns[1].plans", "\"yes\"", "campaigns.json campaigns[1].plans",
     "campaigns.json campaigns[1].plans: must be true or false"},
    {"campaigns[0].goal_zh", NULL, "campaigns.json campaigns[0].goal_zh",
     "campaigns.json campaigns[0].goal_zh: required"},
    {"campaigns[0].sponsor", "\"x\"", "campaigns.json campaigns[0]",
     "campaigns.json campaigns[0]: unknown field \"sponsor\""},
    {"checklists[0].items[0].weight", "1", "campaigns.json checklists[0].items[0]",
     "campaigns.json checklists[0].items[0]: unknown field \"weight\""},
    {"campaigns", "[]", "campaigns.json campaigns",
     "campaigns.json campaigns: must list 1 to 64 items"},
    /* the demo's routine visits (issue 13 §5, the park's safety campaign) */
    {"campaigns[0].demo", "{\"every_month\":[\"market\",\"police_station\"]}",
     "campaigns.json campaigns[0].demo.every_month[1]",
     "campaigns.json campaigns[0].demo.every_month[1]: entity type \"police_station\" is not "
     "among the campaign's participants"},
    {"campaigns[0].demo", "{\"since_attr\":{\"market\":\"opened\"}}",
     "campaigns.json campaigns[0].demo.since_attr.market",
     "campaigns.json campaigns[0].demo.since_attr.market: must name an attribute that entity type "
     "\"market\" declares"},
    {"campaigns[0].demo", "{\"sample_per_month\":10001}",
     "campaigns.json campaigns[0].demo.sample_per_month",
     "campaigns.json campaigns[0].demo.sample_per_month: must be an integer from 0 to 10000, not "
     "10001"},
    {"campaigns[0].demo", "{\"region\":\"gongshu\",\"sample\":3}",
     "campaigns.json campaigns[0].demo",
     "campaigns.json campaigns[0].demo: unknown field \"sample\""},
    {"campaigns[0].demo", "{\"region\":\"gongshu/nowhere\"}",
     "campaigns.json campaigns[0].demo.region",
     "campaigns.json campaigns[0].demo.region: region \"gongshu/nowhere\" does not exist"},
    /* a campaign's area: its participants' region */
    {"campaigns[0].participants.region", "\"gongshu/nowhere\"",
     "campaigns.json campaigns[0].participants.region",
     "campaigns.json campaigns[0].participants.region: region \"gongshu/nowhere\" does not "
     "exist"},
    {"campaigns[0].participants.region", "\"\"", "campaigns.json campaigns[0].participants.region",
     "campaigns.json campaigns[0].participants.region: must be a non-empty string"},
};

static void test_bad(void **state) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bads); i++) {
    const struct bad *b = &bads[i];
    json_t *doc = changed(b->path, b->value);
    struct zz_err e = {0};
    int rc = check(*state, doc, &e);
    json_decref(doc);
    if (rc != ZZ_EINVAL || strcmp(e.field, b->field) != 0 || strcmp(e.msg, b->msg) != 0)
      fail_msg("%s = %s: rc %d field \"%s\" msg \"%s\"; want field \"%s\" msg \"%s\"", b->path,
               b->value ? b->value : "(removed)", rc, e.field, e.msg, b->field, b->msg);
    /* every sentence has its Chinese (not the English passed along) */
    if (!e.msg_zh[0] || strcmp(e.msg_zh, e.msg) == 0)
      fail_msg("%s: no Chinese for \"%s\"", b->path, e.msg);
  }
}

/* The Chinese of the campaign checks' own sentences, whole. */
static void test_zh(void **state) {
  static const struct {
    const char *path, *value, *zh;
  } zh[] = {
      {"campaigns[1].end", "\"2021-02-28\"",
       "campaigns.json campaigns[1].end：2021-02-28 早于开始日期 2021-03-01"},
      {"campaigns[0].checklists", "[\"market_check\",\"fire_check\"]",
       "campaigns.json campaigns[0].checklists[1]：检查表“fire_check”未在“checklists”中声明"},
      {"campaigns[1].checklists", "[\"stall_check\"]",
       "campaigns.json campaigns[1].checklists[0]："
       "检查表“stall_check”检查的对象类型“stall”既不是本活动的参与对象类型，也不是成员类型"},
      {"campaigns[0].systems", "[]",
       "campaigns.json campaigns[0].checklists[0]："
       "检查表“market_check”的检查项“posted”：制度“commit”不在本活动的制度（systems）之中"},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(zh); i++) {
    json_t *doc = changed(zh[i].path, zh[i].value);
    struct zz_err e = {0};
    assert_int_equal(check(*state, doc, &e), ZZ_EINVAL);
    json_decref(doc);
    if (strcmp(e.msg_zh, zh[i].zh) != 0)
      fail_msg("%s: \"%s\"; want \"%s\"", zh[i].path, e.msg_zh, zh[i].zh);
  }
}

/* The Gongshu pack's campaigns.json passes against its own departments and
 * entity types (tests run in the source tree). */
static void test_gongshu(void **state) {
  (void)state;
  json_error_t je;
  struct world g = {json_load_file("scenarios/gongshu/departments.json", 0, &je),
                    json_load_file("scenarios/gongshu/entity_types.json", 0, &je)};
  json_t *doc = json_load_file("scenarios/gongshu/campaigns.json", 0, &je);
  assert_non_null(g.depts);
  assert_non_null(g.types);
  assert_non_null(doc);
  struct zz_err e = {0};
  int rc = check(&g, doc, &e);
  if (rc) fail_msg("scenarios/gongshu/campaigns.json: %s", e.msg);
  /* and would be refused without the political-legal commission */
  json_t *dept = json_array_get(g.depts, 0);
  for (size_t i = 0; i < json_array_size(g.depts); i++)
    if (strcmp(json_string_value(json_object_get(json_array_get(g.depts, i), "id")),
               "politics_law") == 0)
      dept = json_array_get(g.depts, i);
  json_object_set_new(dept, "id", json_string("renamed"));
  assert_int_equal(check(&g, doc, &e), ZZ_EINVAL);
  assert_non_null(strstr(e.msg, "department \"politics_law\" does not exist"));
  json_decref(doc);
  json_decref(g.depts);
  json_decref(g.types);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good),
      cmocka_unit_test(test_bad),
      cmocka_unit_test(test_zh),
      cmocka_unit_test(test_gongshu),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
