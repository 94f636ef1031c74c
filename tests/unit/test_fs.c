/* test_fs.c - src/core/fs.c: a path's missing folders made, existing ones
 * kept, the folders above a file made without the file, and a failure
 * reported with errno kept. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/fs.h"
#include "core/zz.h"
#include "support.h"

static char dir[64];

static int is_dir(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void test_mkdir(void **state) {
  (void)state;
  char p[256];
  snprintf(p, sizeof p, "%s/a/b/c", dir);
  assert_int_equal(zz_mkdir_p(p), 0);
  assert_true(is_dir(p));
  assert_int_equal(zz_mkdir_p(p), 0); /* again: already there */
  snprintf(p, sizeof p, "%s/a/b/c/", dir);
  assert_int_equal(zz_mkdir_p(p), 0); /* a trailing slash */
  /* the folders above a file, not the file */
  snprintf(p, sizeof p, "%s/x/y/file.pdf", dir);
  assert_int_equal(zz_mkdir_parents(p), 0);
  snprintf(p, sizeof p, "%s/x/y", dir);
  assert_true(is_dir(p));
  snprintf(p, sizeof p, "%s/x/y/file.pdf", dir);
  struct stat sb;
  assert_int_not_equal(stat(p, &sb), 0);
  /* a file in the way: ZZ_EIO, errno says why */
  snprintf(p, sizeof p, "%s/plain", dir);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fclose(f);
  snprintf(p, sizeof p, "%s/plain/sub", dir);
  errno = 0;
  assert_int_equal(zz_mkdir_p(p), ZZ_EIO);
  assert_int_equal(errno, ENOTDIR);
  /* a path longer than any the system takes */
  char *longp = zz_xmalloc(5000);
  memset(longp, 'a', 4999);
  longp[0] = '/';
  longp[4999] = '\0';
  assert_int_equal(zz_mkdir_p(longp), ZZ_EIO);
  assert_int_equal(errno, ENAMETOOLONG);
  zz_free(longp);
}

int main(void) {
  if (ts_dir_make(dir, sizeof dir, "fs")) return 1;
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_mkdir)};
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (ts_dir_remove(dir)) rc = rc ? rc : 1;
  return rc;
}
