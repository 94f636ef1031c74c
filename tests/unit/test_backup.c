/* test_backup.c - whole backups (store_backup.h): the files a snapshot
 * references are copied and listed with their hashes; a referenced file
 * already gone is listed as missing, and restore says so; a row or a
 * MANIFEST line naming a path outside evidence/ and materials/ is refused;
 * a damaged backup restores nothing; a non-empty target needs force;
 * replaced files wait for a running backup (and go at the next upload
 * after it), and the start sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/zz.h"
#include "store/store.h"
#include "store/store_backup.h"
#include "support.h"

static char root[64], data[128], out[128], back[128];

static void sh(const char *cmd) {
  assert_int_equal(system(cmd), 0);
}

static void put(const char *dir, const char *rel, const char *text) {
  char path[512], cmd[700];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
  sh(cmd);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void sql(const char *dir, const char *q) {
  char path[256];
  snprintf(path, sizeof path, "%s/zhizhi.db", dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char *err = NULL;
  int rc = sqlite3_exec(db, q, NULL, NULL, &err);
  if (rc) fprintf(stderr, "%s: %s\n", q, err);
  assert_int_equal(rc, SQLITE_OK);
  sqlite3_close(db);
}

static int exists(const char *dir, const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  return access(path, F_OK) == 0;
}

static int setup(void **state) {
  if (ts_dir_make(root, sizeof root, "backup")) return -1;
  snprintf(data, sizeof data, "%s/data", root);
  snprintf(out, sizeof out, "%s/bk", root);
  snprintf(back, sizeof back, "%s/restored", root);
  store_close(ts_store_open(data, NULL)); /* the schema, for the rows below */
  sql(data, "INSERT INTO evidence(order_id, ts, actor, mime, size, path) VALUES"
            " (1, 0, 'a', 'image/png', 5, 'evidence/1/a.png'),"
            " (2, 0, 'a', 'image/png', 5, 'evidence/new/0f/b.png');"
            "INSERT INTO application_material(order_id, material, mime, size, path, ts) VALUES"
            " (3, 'plan', 'application/pdf', 4, 'materials/3/plan.pdf', 0);");
  put(data, "evidence/1/a.png", "photo");
  put(data, "evidence/new/0f/b.png", "other");
  put(data, "materials/3/plan.pdf", "%PDF");
  put(data, "evidence/9/unreferenced.png", "never named by a row");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  return ts_dir_remove(root);
}

static void test_whole_backup_and_restore(void **state) {
  struct store_backup_stats st;
  struct zz_err e = {0};
  assert_int_equal(store_backup(data, out, NULL, NULL, &st, &e), 0);
  assert_int_equal(st.files, 3);
  assert_int_equal(st.bytes, 5 + 5 + 4);
  assert_int_equal(st.missing, 0);
  assert_true(exists(out, "zhizhi.db") && exists(out, "MANIFEST"));
  assert_true(exists(out, "evidence/new/0f/b.png") && exists(out, "materials/3/plan.pdf"));
  assert_false(exists(out, "evidence/9/unreferenced.png"));
  char partial[160];
  snprintf(partial, sizeof partial, "%s.partial", out);
  assert_int_equal(access(partial, F_OK), -1);
  /* never over an existing backup */
  assert_int_equal(store_backup(data, out, NULL, NULL, &st, &e), ZZ_EEXISTS);

  assert_int_equal(store_restore(out, back, 0, NULL, NULL, &st, &e), 0);
  assert_int_equal(st.files, 3);
  assert_true(exists(back, "evidence/1/a.png") && exists(back, "materials/3/plan.pdf"));
  /* not again into what is now a data directory, unless forced */
  assert_int_equal(store_restore(out, back, 0, NULL, NULL, &st, &e), ZZ_EEXISTS);
  put(back, "evidence/1/stray.png", "left from before");
  assert_int_equal(store_restore(out, back, 1, NULL, NULL, &st, &e), 0);
  assert_false(exists(back, "evidence/1/stray.png")); /* --force replaces evidence */

  /* a damaged backup restores nothing */
  put(out, "materials/3/plan.pdf", "%PDF changed");
  char fresh[160];
  snprintf(fresh, sizeof fresh, "%s/fresh", root);
  assert_int_equal(store_restore(out, fresh, 0, NULL, NULL, &st, &e), ZZ_EINVAL);
  assert_non_null(strstr(e.msg, "damaged"));
  assert_false(exists(fresh, "zhizhi.db"));
}

static void test_missing_file_is_listed(void **state) {
  char path[256];
  snprintf(path, sizeof path, "%s/evidence/1/a.png", data);
  assert_int_equal(unlink(path), 0);
  struct store_backup_stats st;
  struct zz_err e = {0};
  assert_int_equal(store_backup(data, out, NULL, NULL, &st, &e), 0);
  assert_int_equal(st.files, 2);
  assert_int_equal(st.missing, 1);
  assert_string_equal(st.first_missing, "evidence/1/a.png");
  char cmd[256];
  snprintf(cmd, sizeof cmd, "grep -qx 'missing evidence/1/a.png' %s/MANIFEST", out);
  sh(cmd);
  assert_int_equal(store_restore(out, back, 0, NULL, NULL, &st, &e), 0);
  assert_int_equal(st.missing, 1);
  assert_int_equal(st.files, 2);
}

static void test_paths_outside_refused(void **state) {
  sql(data, "INSERT INTO evidence(order_id, ts, actor, mime, size, path) VALUES"
            " (4, 0, 'a', 'image/png', 5, 'evidence/../../../etc/passwd');");
  struct store_backup_stats st;
  struct zz_err e = {0};
  assert_int_equal(store_backup(data, out, NULL, NULL, &st, &e), ZZ_EINVAL);
  assert_non_null(strstr(e.msg, "outside"));
  /* a MANIFEST naming a path outside is not a backup to restore */
  sql(data, "DELETE FROM evidence WHERE order_id = 4;");
  char partial[160], cmd[512];
  snprintf(partial, sizeof partial, "%s.partial", out);
  assert_int_equal(access(partial, F_OK), -1); /* a failed backup leaves nothing */
  assert_int_equal(store_backup(data, out, NULL, NULL, &st, &e), 0);
  snprintf(cmd, sizeof cmd, "echo 'file 5 %064d ../../escape.png' >> %s/MANIFEST", 0, out);
  sh(cmd);
  assert_int_equal(store_restore(out, back, 0, NULL, NULL, &st, &e), ZZ_EINVAL);
  assert_non_null(strstr(e.msg, "not understood"));
  assert_false(exists(back, "zhizhi.db"));
}

/* A replaced file waits while a backup holds backup.lock (shared), then goes;
 * the start sweep deletes old unreferenced files only, and nothing while a
 * backup runs. */
static void test_release_and_sweep(void **state) {
  char cmd[512], lock[256];
  put(data, "materials/3/old-plan.pdf", "%PDF replaced");
  snprintf(cmd, sizeof cmd,
           "touch -d '10 minutes ago' %s/evidence/*/* %s/evidence/new/0f/* %s/materials/3/*", data,
           data, data);
  sh(cmd);
  put(data, "evidence/9/young.png", "its row may be about to commit");
  snprintf(lock, sizeof lock, "%s/" STORE_BACKUP_LOCK, data);
  int fd = open(lock, O_RDWR | O_CREAT, 0640);
  assert_true(fd >= 0);
  assert_int_equal(flock(fd, LOCK_SH), 0); /* a backup runs */
  store_files_release(data, "materials/3/old-plan.pdf");
  assert_true(exists(data, "materials/3/old-plan.pdf"));
  snprintf(cmd, sizeof cmd, "grep -qx 'materials/3/old-plan.pdf' %s/materials/.replaced", data);
  sh(cmd);
  int64_t n = -1;
  struct zz_err e = {0};
  assert_int_equal(store_sweep_files(data, 60, &n, &e), 0);
  assert_int_equal(n, 0);
  assert_true(exists(data, "evidence/9/unreferenced.png"));
  close(fd); /* the backup is over */
  assert_int_equal(store_sweep_files(data, 60, &n, &e), 0);
  assert_int_equal(n, 2);
  assert_false(exists(data, "materials/3/old-plan.pdf"));
  assert_false(exists(data, "materials/.replaced"));
  assert_false(exists(data, "evidence/9/unreferenced.png"));
  assert_true(exists(data, "evidence/9/young.png"));
  assert_true(exists(data, "evidence/1/a.png") && exists(data, "evidence/new/0f/b.png") &&
              exists(data, "materials/3/plan.pdf"));
  /* left for later during a backup, then let go by a call that replaces
   * nothing (a first upload) once the backup is over */
  put(data, "materials/3/oldest.pdf", "%PDF");
  fd = open(lock, O_RDWR | O_CREAT, 0640);
  assert_true(fd >= 0);
  assert_int_equal(flock(fd, LOCK_SH), 0);
  store_files_release(data, "materials/3/oldest.pdf");
  store_files_release(data, NULL); /* the backup still runs: it waits */
  assert_true(exists(data, "materials/3/oldest.pdf"));
  assert_true(exists(data, "materials/.replaced"));
  close(fd);
  store_files_release(data, NULL);
  assert_false(exists(data, "materials/3/oldest.pdf"));
  assert_false(exists(data, "materials/.replaced"));
  store_files_release(data, NULL); /* nothing left: nothing happens */
  /* no backup: a replaced file goes at once */
  put(data, "materials/3/older.pdf", "%PDF");
  store_files_release(data, "materials/3/older.pdf");
  assert_false(exists(data, "materials/3/older.pdf"));
  store_files_release(data, "materials/3/plan.pdf/../../../x"); /* refused: outside */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_whole_backup_and_restore, setup, teardown),
      cmocka_unit_test_setup_teardown(test_missing_file_is_listed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_paths_outside_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_release_and_sweep, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
