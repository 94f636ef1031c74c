/* test_zz.c - unit tests for the core helpers of src/core/zz.c that files
 * from citizens go through: the type by first bytes, and the synced write
 * (whole file or nothing, no temporary left behind); and zz_grow, the
 * growable arrays' one way to make room. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/fs.h"
#include "core/zz.h"
#include "support.h"

static void test_sniff_type(void **state) {
  (void)state;
  assert_string_equal(zz_sniff_type("%PDF-1.7\n", 9), "pdf");
  assert_string_equal(zz_sniff_type("\xFF\xD8\xFF\xE0", 4), "jpeg");
  assert_string_equal(zz_sniff_type("\x89PNG\r\n\x1a\n\0\0", 10), "png");
  assert_null(zz_sniff_type("GIF89a", 6));
  assert_null(zz_sniff_type("\x89PNG\r\n", 6)); /* too short to tell */
  assert_null(zz_sniff_type("%PDF", 4));
  assert_null(zz_sniff_type("", 0));
}

static void test_write_file(void **state) {
  (void)state;
  char dir[64];
  assert_int_equal(ts_dir_make(dir, sizeof dir, "zz"), 0);
  char path[256], tmp[300];
  snprintf(path, sizeof path, "%s/a.bin", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  assert_int_equal(zz_write_file(path, "hello", 5, 1), 0);
  assert_int_equal(zz_write_file(path, "bye", 3, 0), 0); /* replaces */
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char got[16] = {0};
  assert_int_equal(fread(got, 1, sizeof got, f), 3);
  fclose(f);
  assert_string_equal(got, "bye");
  assert_int_equal(access(tmp, F_OK), -1); /* no temporary left */
  /* a directory that does not exist: an error, nothing written */
  char bad[300];
  snprintf(bad, sizeof bad, "%s/missing/b.bin", dir);
  assert_int_equal(zz_write_file(bad, "x", 1, 1), ZZ_EIO);
  assert_int_equal(ts_dir_remove(dir), 0);
}

/* New files: created in place, never over an existing one. */
static void test_write_new_file(void **state) {
  (void)state;
  char dir[64];
  assert_int_equal(ts_dir_make(dir, sizeof dir, "zz"), 0);
  char path[256], bad[300];
  snprintf(path, sizeof path, "%s/p.png", dir);
  assert_int_equal(zz_write_new_file(path, "photo", 5, 0), 0);
  assert_int_equal(zz_write_new_file(path, "other", 5, 1), ZZ_EEXISTS);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char got[16] = {0};
  assert_int_equal(fread(got, 1, sizeof got, f), 5);
  fclose(f);
  assert_string_equal(got, "photo"); /* the first stays */
  snprintf(bad, sizeof bad, "%s/missing/p.png", dir);
  assert_int_equal(zz_write_new_file(bad, "x", 1, 1), ZZ_EIO);
  assert_int_equal(errno, ENOENT); /* so the caller can make the folder */
  assert_int_equal(ts_dir_remove(dir), 0);
}

struct pt {
  int64_t a, b;
};

/* zz_grow doubles from its first size, keeps what the array held, and on a
 * failed allocation leaves the array and its capacity as they were. */
static void test_grow(void **state) {
  (void)state;
  struct pt *v = NULL;
  size_t n = 0, cap = 0;
  for (int i = 0; i < 100; i++) {
    assert_int_equal(zz_grow(&v, &cap, n, sizeof *v, 4), 0);
    assert_true(cap > n);
    v[n++] = (struct pt){i, -i};
  }
  assert_int_equal(cap, 128); /* 4, 8, ... 128 */
  for (int i = 0; i < 100; i++) assert_true(v[i].a == i && v[i].b == -i);
  /* room left: no allocation at all, even one that would fail */
  zz_alloc_fail_after(1);
  assert_int_equal(zz_grow(&v, &cap, n, sizeof *v, 4), 0);
  zz_alloc_fail_after(0);
  n = cap;
  struct pt *before = v;
  zz_alloc_fail_after(1);
  assert_int_equal(zz_grow(&v, &cap, n, sizeof *v, 4), ZZ_ENOMEM);
  zz_alloc_fail_after(0);
  assert_ptr_equal(v, before);
  assert_int_equal(cap, 128);
  assert_true(v[99].a == 99);
  /* a size that cannot be counted in bytes is refused, not wrapped */
  size_t huge = SIZE_MAX / 2;
  assert_int_equal(zz_grow(&v, &huge, huge, sizeof *v, 4), ZZ_ENOMEM);
  zz_free(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sniff_type),
      cmocka_unit_test(test_write_file),
      cmocka_unit_test(test_write_new_file),
      cmocka_unit_test(test_grow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
