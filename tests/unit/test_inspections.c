/* test_inspections.c - inspections (src/inspections/) on a real store and
 * workflow: a visit with a failed item opens a rectification item, its
 * dispatched order and a credit event; the same uid is stored once; other
 * content under it is refused; an unanswered item is named; a passing
 * re-inspection closes the item and its order; the sweep marks an item past
 * its deadline overdue once. And the fault case: a write that fails at any
 * table of the submission (injected with a trigger that aborts it) leaves
 * no half inspection behind: no visit, item, order, event or credit, and
 * the same submission succeeds once the fault is gone. */
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/ztime.h"
#include "inspections/inspections.h"
#include "store/store.h"
#include "store/store_catalog.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "support.h"

static char dir[256];
static struct ts_world tw;

static const char *CAMPAIGNS =
    "{\"checklists\":[{\"id\":\"cl\",\"name_zh\":\"检查\",\"name_en\":\"Check\","
    "\"entity_types\":[\"market\"],\"department\":\"market_supervision\",\"items\":["
    "{\"id\":\"a\",\"text_zh\":\"甲\",\"text_en\":\"A\",\"rectify_days\":3,\"points\":2},"
    "{\"id\":\"b\",\"text_zh\":\"乙项\",\"text_en\":\"B\",\"rectify_days\":7,\"points\":0}]}],"
    "\"campaigns\":[{\"id\":\"camp\",\"name_zh\":\"专项\",\"department\":\"market_supervision\","
    "\"start\":\"2021-01-01\",\"participants\":{\"entity_types\":[\"market\"]},"
    "\"checklists\":[\"cl\"],\"credit\":{\"base\":100}}]}";

static void world(struct store *s) {
  struct zz_err e = {0};
  ts_region(s, "d", NULL, "district");
  ts_region(s, "d/s", "d", "street");
  ts_department(s, "market_supervision");
  ts_department(s, "police");
  ts_entity_type(s, "market");
  ts_entity(s, "m1", "market", ts_region(s, "d/s", "d", "street"));
  struct store_matter m = {.key = "rectification",
                           .name_zh = "整改",
                           .kind = "inspection",
                           .departments_json = "[\"market_supervision\"]",
                           .sla_accept_minutes = 1440,
                           .sla_resolve_minutes = 10080};
  assert_int_equal(store_matter_upsert(s, &m, NULL, &e), 0);
  assert_int_equal(store_doc_put(s, "campaigns", CAMPAIGNS, &e), 0);
}

static struct inspections engine(void) {
  return (struct inspections){tw.st, tw.reg, tw.wf, dir, 0};
}

static const struct ins_actor INSPECTOR = {"inspector", "market_supervision", 4};

/* Submits the visit of uid with item a passed or not; returns the rc. */
static int submit(const char *uid, int a_ok, const char *ts, int *created, struct zz_err *e) {
  char text[512];
  snprintf(text, sizeof text,
           "{\"uid\":\"%s\",\"checklist\":\"cl\",\"entity\":\"m1\",\"ts\":\"%s\","
           "\"answers\":[{\"item\":\"a\",\"ok\":%s,\"note\":\"n\"},{\"item\":\"b\",\"ok\":null}]}",
           uid, ts, a_ok ? "true" : "false");
  json_t *body = json_loads(text, 0, NULL);
  assert_non_null(body);
  struct inspections in = engine();
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  int rc = inspection_submit(&in, &INSPECTOR, body, created, &j, e);
  if (!rc) assert_int_equal(zz_json_finish(&j), 0);
  zz_buf_free(&b);
  json_decref(body);
  return rc;
}

/* count(*) of a table, read on a connection of its own. */
static long long count(const char *sql) {
  char path[512];
  snprintf(path, sizeof path, "%s/zhizhi.db", dir);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  long long n = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return n;
}

static void exec(const char *sql) {
  char path[512];
  snprintf(path, sizeof path, "%s/zhizhi.db", dir);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK) fail_msg("%s: %s", sql, err ? err : "?");
  sqlite3_close(db);
}

struct order_state {
  char state[16], department[65];
};

static int order_cb(void *ud, const struct store_order *o) {
  struct order_state *s = ud;
  zz_strlcpy(s->state, o->state, sizeof s->state);
  zz_strlcpy(s->department, o->department ? o->department : "", sizeof s->department);
  return 0;
}

static void open_world(void) {
  ts_dir_reset(dir);
  struct ts_world_opts o = {.fill = world, .workflow = 1};
  ts_world_open(&tw, dir, &o);
}

static int64_t only_order(void) {
  return count("SELECT max(order_id) FROM ins_rectify");
}

static void test_submit_idempotent_and_close(void **state) {
  (void)state;
  open_world();
  struct zz_err e = {0};
  int created = -1;
  char ts[32];
  int64_t now = zz_time_now();
  zz_time_format(now - 3600000, ts);
  assert_int_equal(submit("uid-0000001", 0, ts, &created, &e), 0);
  assert_int_equal(created, 1);
  assert_int_equal(count("SELECT count(*) FROM ins_inspection"), 1);
  assert_int_equal(count("SELECT count(*) FROM ins_rectify WHERE item = 'a' AND status = 'open'"),
                   1);
  assert_int_equal(count("SELECT sum(points) FROM credit_event"), -2);
  struct order_state os = {0};
  assert_int_equal(store_order_get(tw.st, only_order(), order_cb, &os), 0);
  assert_string_equal(os.state, "dispatched");
  assert_string_equal(os.department, "market_supervision");
  /* the same uid and content: stored once */
  assert_int_equal(submit("uid-0000001", 0, ts, &created, &e), 0);
  assert_int_equal(created, 0);
  assert_int_equal(count("SELECT count(*) FROM ins_inspection"), 1);
  assert_int_equal(count("SELECT count(*) FROM work_order"), 1);
  /* the same uid, other content */
  assert_int_equal(submit("uid-0000001", 1, ts, &created, &e), ZZ_ECONFLICT);
  assert_string_equal(e.field, "uid");
  /* an unanswered item is named */
  json_t *body = json_loads("{\"uid\":\"uid-0000009\",\"checklist\":\"cl\",\"entity\":\"m1\","
                            "\"answers\":[{\"item\":\"a\",\"ok\":true}]}",
                            0, NULL);
  struct inspections in = engine();
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  assert_int_equal(inspection_submit(&in, &INSPECTOR, body, &created, &j, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "answers");
  assert_non_null(strstr(e.msg, "\"b\""));
  assert_non_null(strstr(e.msg_zh, "乙项"));
  zz_buf_free(&b);
  json_decref(body);
  /* a passing re-inspection closes the item on time and its order */
  zz_time_format(now, ts);
  assert_int_equal(submit("uid-0000002", 1, ts, &created, &e), 0);
  assert_int_equal(count("SELECT count(*) FROM ins_rectify WHERE status = 'closed_on_time'"), 1);
  assert_int_equal(store_order_get(tw.st, only_order(), order_cb, &os), 0);
  assert_string_equal(os.state, "closed");
  assert_int_equal(count("SELECT sum(points) FROM credit_event"), -1);
  ts_world_close(&tw);
}

static void test_sweep_overdue(void **state) {
  (void)state;
  open_world();
  struct zz_err e = {0};
  int created = 0;
  char ts[32];
  int64_t now = zz_time_now();
  zz_time_format(now, ts);
  assert_int_equal(submit("uid-0000003", 0, ts, &created, &e), 0);
  struct inspections in = engine();
  assert_int_equal(inspections_sweep(&in, now + 86400000LL), 0); /* within 3 days */
  assert_int_equal(inspections_sweep(&in, now + 10 * 86400000LL), 1);
  assert_int_equal(inspections_sweep(&in, now + 11 * 86400000LL), 0); /* once */
  assert_int_equal(count("SELECT count(*) FROM ins_rectify WHERE status = 'overdue'"), 1);
  assert_int_equal(count("SELECT count(*) FROM credit_event WHERE kind = 'overdue' AND points = -1"),
                   1);
  ts_world_close(&tw);
}

/* A write refused at each table the submission writes (a trigger aborts
 * it, as a full disk or an I/O error would fail it) leaves nothing. */
static void test_failed_write_leaves_nothing(void **state) {
  (void)state;
  static const char *const at[] = {"ins_inspection", "ins_rectify", "work_order", "order_event",
                                    "credit_event"};
  static const char *const tables[] = {"ins_inspection", "ins_rectify", "work_order",
                                        "order_event", "credit_event"};
  char ts[32];
  zz_time_format(zz_time_now(), ts);
  for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
    open_world();
    long long before[5];
    char sql[256];
    for (size_t t = 0; t < 5; t++) {
      snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[t]);
      before[t] = count(sql);
    }
    snprintf(sql, sizeof sql,
             "CREATE TRIGGER fault BEFORE INSERT ON %s BEGIN SELECT RAISE(ABORT, 'injected'); END",
             at[k]);
    exec(sql);
    struct zz_err e = {0};
    int created = 0;
    assert_int_not_equal(submit("uid-fault-01", 0, ts, &created, &e), 0);
    for (size_t t = 0; t < 5; t++) {
      snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[t]);
      if (count(sql) != before[t]) fail_msg("fault at %s left rows in %s", at[k], tables[t]);
    }
    exec("DROP TRIGGER fault");
    assert_int_equal(submit("uid-fault-01", 0, ts, &created, &e), 0);
    assert_int_equal(created, 1);
    assert_int_equal(count("SELECT count(*) FROM ins_inspection"), 1);
    assert_int_equal(count("SELECT count(*) FROM ins_rectify WHERE order_id IS NOT NULL"), 1);
    ts_world_close(&tw);
  }
}

int main(void) {
  if (ts_dir_make(dir, sizeof dir, "inspections")) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_submit_idempotent_and_close),
      cmocka_unit_test(test_sweep_overdue),
      cmocka_unit_test(test_failed_write_leaves_nothing),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (ts_dir_remove(dir)) rc = rc ? rc : 1;
  return rc;
}
