/* test_export.c - unit tests for src/export/: CSV fields (RFC 4180 quoting,
 * doubled quotes, formula-like text prefixed with an apostrophe, UTF-8 left
 * alone), a whole CSV file (BOM, CRLF, empty cells for NULL and NaN), an
 * XLSX file (a zip that holds the sheet), the format names, and the
 * Content-Disposition of a Chinese file name; a full disk is ZZ_EFULL. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "export/export.h"

static void field_is(const char *in, const char *want) {
  struct zz_buf b;
  zz_buf_init(&b, 0);
  export_csv_field(&b, in);
  assert_int_equal(zz_buf_error(&b), 0);
  assert_string_equal(b.data ? b.data : "", want);
  zz_buf_free(&b);
}

static void test_csv_field(void **state) {
  (void)state;
  field_is("plain", "plain");
  field_is("", "");
  field_is(NULL, "");
  field_is("拱墅区 东新街道", "拱墅区 东新街道");
  field_is("a,b", "\"a,b\"");
  field_is("say \"hi\"", "\"say \"\"hi\"\"\"");
  field_is("two\nlines", "\"two\nlines\"");
  field_is("cr\rhere", "\"cr\rhere\"");
  /* cells a spreadsheet would run as formulas are shown as text */
  field_is("=1+2", "'=1+2");
  field_is("+86 571", "'+86 571");
  field_is("-5", "'-5");
  field_is("@SUM(A1)", "'@SUM(A1)");
  field_is("\tx", "'\tx");
  field_is("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  /* only the first character matters */
  field_is("a=b", "a=b");
  field_is("1-2", "1-2");
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static char buf[65536];
  *len = fread(buf, 1, sizeof buf - 1, f);
  buf[*len] = 0;
  fclose(f);
  return buf;
}

static void test_csv_file(void **state) {
  (void)state;
  char path[] = "/tmp/zz-test-export-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  struct export_table *t;
  assert_int_equal(export_open(EXPORT_CSV, path, "工单", NULL, &t), 0);
  export_str(t, "编号");
  export_str(t, "标题");
  export_str(t, "值");
  export_row_end(t);
  export_int(t, 42);
  export_str(t, "=cmd|' /C calc'!A0");
  export_num(t, 2.5);
  export_row_end(t);
  export_int(t, -7);
  export_str(t, NULL);
  export_num(t, NAN);
  export_row_end(t);
  assert_int_equal(export_rows(t), 3);
  assert_int_equal(export_close(t), 0);
  size_t len;
  const char *s = slurp(path, &len);
  assert_string_equal(s, EXPORT_CSV_BOM "编号,标题,值\r\n42,'=cmd|' /C calc'!A0,2.5\r\n-7,,\r\n");
  unlink(path);
}

static void test_xlsx_file(void **state) {
  (void)state;
  char path[] = "/tmp/zz-test-export-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  struct export_table *t;
  assert_int_equal(export_open(EXPORT_XLSX, path, "统计", "/tmp", &t), 0);
  export_str(t, "名称");
  export_str(t, "数量");
  export_row_end(t);
  for (int i = 0; i < 1000; i++) {
    char name[32];
    snprintf(name, sizeof name, "区域%d", i);
    export_str(t, name);
    export_int(t, i);
    export_row_end(t);
  }
  assert_int_equal(export_close(t), 0);
  size_t len;
  const char *s = slurp(path, &len);
  assert_true(len > 1000);
  assert_memory_equal(s, "PK\x03\x04", 4); /* a zip */
  /* unzip reads it back: the sheet holds the last row */
  char cmd[256];
  snprintf(cmd, sizeof cmd, "unzip -p %s xl/worksheets/sheet1.xml | grep -q '区域999'", path);
  if (system("command -v unzip >/dev/null 2>&1") == 0) assert_int_equal(system(cmd), 0);
  unlink(path);
}

/* A full disk (/dev/full: every write is ENOSPC) is told apart from other
 * I/O errors: ZZ_EFULL, which the API answers 507. */
static void test_full_disk(void **state) {
  (void)state;
  if (access("/dev/full", W_OK) != 0) skip();
  for (int f = EXPORT_CSV; f <= EXPORT_XLSX; f++) {
    struct export_table *t;
    int rc = export_open((enum export_format)f, "/dev/full", "满", "/tmp", &t);
    if (rc) {
      assert_int_equal(rc, ZZ_EFULL);
      continue;
    }
    for (int i = 0; i < 2000; i++) {
      export_str(t, "一行又一行的文字");
      export_int(t, i);
      export_row_end(t);
    }
    assert_int_equal(export_close(t), ZZ_EFULL);
  }
}

static void test_names(void **state) {
  (void)state;
  enum export_format f;
  assert_int_equal(export_format_parse("csv", &f), 0);
  assert_int_equal(f, EXPORT_CSV);
  assert_int_equal(export_format_parse("xlsx", &f), 0);
  assert_int_equal(f, EXPORT_XLSX);
  assert_int_equal(export_format_parse("pdf", &f), ZZ_EINVAL);
  assert_int_equal(export_format_parse(NULL, &f), ZZ_EINVAL);
  assert_string_equal(export_extension(EXPORT_XLSX), "xlsx");
  assert_string_equal(export_content_type(EXPORT_CSV), "text/csv; charset=utf-8");
  char cd[256];
  assert_string_equal(
      export_disposition("工单-2026-12-03", "orders-2026-12-03", "xlsx", cd, sizeof cd),
      "attachment; filename=\"orders-2026-12-03.xlsx\"; "
      "filename*=UTF-8''%E5%B7%A5%E5%8D%95-2026-12-03.xlsx");
  /* quotes and semicolons never reach the header as they are */
  export_disposition("a\"b;c", "a\"b;c", "csv", cd, sizeof cd);
  assert_string_equal(cd, "attachment; filename=\"abc.csv\"; filename*=UTF-8''a%22b%3Bc.csv");
  /* nothing ASCII left: a plain name */
  export_disposition("统计", "统计", "csv", cd, sizeof cd);
  assert_string_equal(
      cd, "attachment; filename=\"export.csv\"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1.csv");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_csv_field), cmocka_unit_test(test_csv_file),
      cmocka_unit_test(test_xlsx_file), cmocka_unit_test(test_full_disk),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
