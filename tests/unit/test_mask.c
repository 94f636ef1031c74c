/* test_mask.c - the masks of personal data (src/core/str.c): what a viewer,
 * a dispatcher or a subscription's receiver sees of a stall-holder's name
 * and of a contact phone, whatever form the pack wrote them in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/zz.h"

static void test_name(void **state) {
  (void)state;
  char out[ZZ_MASK_MAX];
  zz_mask_name("王伟", out, sizeof out);
  assert_string_equal(out, "王**");
  zz_mask_name("欧阳建国", out, sizeof out); /* the length is not told */
  assert_string_equal(out, "欧**");
  zz_mask_name("Li Wei", out, sizeof out);
  assert_string_equal(out, "L**");
  zz_mask_name("\xF0\x9F\x98\x80x", out, sizeof out); /* a 4-byte character stays whole */
  assert_string_equal(out, "\xF0\x9F\x98\x80**");
  zz_mask_name("", out, sizeof out);
  assert_string_equal(out, "");
  zz_mask_name(NULL, out, sizeof out);
  assert_string_equal(out, "");
  char small[3];
  zz_mask_name("王伟", small, sizeof small); /* never past cap */
  assert_true(strlen(small) < sizeof small);
}

static void test_phone(void **state) {
  (void)state;
  char out[ZZ_MASK_MAX];
  zz_mask_phone("13812345678", out, sizeof out);
  assert_string_equal(out, "138****5678");
  zz_mask_phone("138-1234-5678", out, sizeof out); /* the pack's form */
  assert_string_equal(out, "138****5678");
  zz_mask_phone("0571-81234567", out, sizeof out); /* an office line */
  assert_string_equal(out, "057****4567");
  zz_mask_phone("+86 138 1234 5678", out, sizeof out);
  assert_string_equal(out, "861****5678");
  zz_mask_phone("12345", out, sizeof out); /* too short to keep any digit */
  assert_string_equal(out, "****");
  zz_mask_phone("", out, sizeof out);
  assert_string_equal(out, "");
  zz_mask_phone(NULL, out, sizeof out);
  assert_string_equal(out, "");
}

static void test_personal(void **state) {
  (void)state;
  char out[ZZ_MASK_MAX];
  zz_mask_personal("139-0000-1111", out, sizeof out);
  assert_string_equal(out, "139****1111");
  zz_mask_personal("(0571) 8123 4567", out, sizeof out);
  assert_string_equal(out, "057****4567");
  zz_mask_personal("张三丰", out, sizeof out);
  assert_string_equal(out, "张**");
  /* digits among letters are not a phone: the name mask hides the rest */
  zz_mask_personal("Room 1234567", out, sizeof out);
  assert_string_equal(out, "R**");
  zz_mask_personal("123", out, sizeof out); /* a short number is a "name" */
  assert_string_equal(out, "1**");
  /* the whole value never survives, whatever it is */
  const char *const values[] = {"138-1234-5678", "王伟", "0571-81234567", "abc"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(values); i++) {
    zz_mask_personal(values[i], out, sizeof out);
    assert_string_not_equal(out, values[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_name),
      cmocka_unit_test(test_phone),
      cmocka_unit_test(test_personal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
