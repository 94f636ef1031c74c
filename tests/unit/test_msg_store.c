/* test_msg_store.c - the error sentences of src/store and src/demo that
 * carry words from elsewhere (SQLite's, jansson's, a choice between two
 * endings) come in both languages (issue 12): the English stays as it was,
 * the Chinese says the same around the quoted words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/zz.h"
#include "demo/incidents.h"
#include "store/store_backup.h"
#include "store/store_int.h"
#include "support.h"

static char root[64];

static int setup(void **state) {
  (void)state;
  return ts_dir_make(root, sizeof root, "msg-store");
}

static int teardown(void **state) {
  (void)state;
  return ts_dir_remove(root);
}

static void put(const char *rel, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* A constraint: SQLite's sentence quoted in both, the Chinese says what it means. */
static void test_constraint_in_both(void **state) {
  (void)state;
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(k TEXT UNIQUE); INSERT INTO t VALUES('a')",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  int rc = sqlite3_exec(db, "INSERT INTO t VALUES('a')", NULL, NULL, NULL);
  struct zz_err e = {0};
  assert_int_equal(sq_fail(db, rc, &e, "user"), ZZ_EEXISTS);
  assert_string_equal(e.field, "user");
  assert_string_equal(e.msg, "user: UNIQUE constraint failed: t.k");
  assert_string_equal(e.msg_zh, "user：与已有的数据冲突（UNIQUE constraint failed: t.k）");
  assert_int_equal(sq_fail(db, rc, NULL, "user"), ZZ_EEXISTS); /* no detail wanted */
  /* another failure goes through the catalog */
  assert_int_equal(sq_fail(NULL, SQLITE_ERROR, &e, "commit"), ZZ_ESTORE);
  assert_string_equal(e.msg, "commit failed: SQL logic error");
  assert_string_equal(e.msg_zh, "commit 失败：SQL logic error");
  sqlite3_close(db);
}

/* demo.json that is not JSON: jansson's words, with "JSON 有误" before them in Chinese. */
static void test_demo_json_in_both(void **state) {
  (void)state;
  put("demo.json", "{\"incidents\": ");
  struct demo_incidents *in = NULL;
  struct zz_err e = {0};
  assert_int_equal(demo_incidents_load(root, NULL, 1, &in, &e), ZZ_EINVAL);
  assert_null(in);
  assert_string_equal(e.field, "demo.json");
  const char *en = "demo.json: ", *zh = "demo.json：JSON 有误：";
  assert_int_equal(strncmp(e.msg, en, strlen(en)), 0);
  assert_int_equal(strncmp(e.msg_zh, zh, strlen(zh)), 0);
  assert_true(strlen(e.msg) > strlen(en));
  assert_string_equal(e.msg_zh + strlen(zh), e.msg + strlen(en)); /* jansson's text, as it is */
}

/* A backup left half done: the ending that says so has its Chinese too. */
static void test_backup_leftover_in_both(void **state) {
  (void)state;
  char data[128], out[128], partial[160], want[400];
  snprintf(data, sizeof data, "%s/data", root);
  snprintf(out, sizeof out, "%s/back", root);
  snprintf(partial, sizeof partial, "%s.partial", out);
  assert_int_equal(mkdir(data, 0750), 0);
  put("data/zhizhi.db", "");
  assert_int_equal(mkdir(partial, 0750), 0);
  struct store_backup_stats st;
  struct zz_err e = {0};
  assert_int_equal(store_backup(data, out, NULL, NULL, &st, &e), ZZ_EIO);
  snprintf(want, sizeof want,
           "cannot create %s: File exists (left by a backup that did not finish: remove it)",
           partial);
  assert_string_equal(e.msg, want);
  snprintf(want, sizeof want, "无法创建 %s：File exists（这是一次未完成的备份留下的，请删除它）",
           partial);
  assert_string_equal(e.msg_zh, want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_constraint_in_both),
      cmocka_unit_test_setup_teardown(test_demo_json_in_both, setup, teardown),
      cmocka_unit_test_setup_teardown(test_backup_leftover_in_both, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
