/* test_authz.c - unit tests for the parts of src/api/authz.c that need no
 * server: the order-event audience rule the stream applies, the
 * district-wide objects (matters, sources), the audit rows a scoped admin
 * sees, and the receipt mask staff see (workflow_mask_reporter). The rules
 * that need regions and orders are in tests/integration/authz_matrix.test.mjs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/authz.h"
#include "workflow/workflow.h"

static struct http_auth_ctx who(int role, const char *dept, const char *scope) {
  struct http_auth_ctx a;
  memset(&a, 0, sizeof a);
  a.kind = HTTP_AUTH_USER;
  a.role = role;
  snprintf(a.user, sizeof a.user, "%s", "someone");
  snprintf(a.department, sizeof a.department, "%s", dept);
  snprintf(a.scope, sizeof a.scope, "%s", scope);
  return a;
}

static void test_order_event(void **state) {
  (void)state;
  struct http_auth_ctx um = who(ROLE_OFFICER, "urban_mgmt", "");
  struct http_auth_ctx urban = who(ROLE_OFFICER, "urban", "");
  struct http_auth_ctx none = who(ROLE_OFFICER, "", "");
  struct http_auth_ctx disp = who(ROLE_DISPATCHER, "", "");
  struct http_auth_ctx viewer = who(ROLE_VIEWER, "", "gongshu/dongxin");
  assert_int_equal(authz_order_event(&um, "|urban_mgmt|"), 0);
  assert_int_equal(authz_order_event(&um, "|police|urban_mgmt|"), 0);
  assert_int_equal(authz_order_event(&um, "|traffic_police|"), ZZ_EFORBIDDEN);
  /* a prefix of another department is not the department */
  assert_int_equal(authz_order_event(&urban, "|urban_mgmt|"), ZZ_EFORBIDDEN);
  assert_int_equal(authz_order_event(&um, "|urban_mgmt_x|"), ZZ_EFORBIDDEN);
  assert_int_equal(authz_order_event(&um, "|"), ZZ_EFORBIDDEN); /* not dispatched yet */
  assert_int_equal(authz_order_event(&um, NULL), ZZ_EFORBIDDEN);
  assert_int_equal(authz_order_event(&none, "||"), ZZ_EFORBIDDEN);
  /* other roles read every order in their scope (the region is checked apart) */
  assert_int_equal(authz_order_event(&disp, "|"), 0);
  assert_int_equal(authz_order_event(&viewer, NULL), 0);
}

static void test_district_wide(void **state) {
  (void)state;
  struct http_auth_ctx admin = who(ROLE_ADMIN, "", "");
  struct http_auth_ctx admin_kj = who(ROLE_ADMIN, "", "gongshu/kejipark");
  struct http_auth_ctx disp = who(ROLE_DISPATCHER, "", "");
  assert_int_equal(authz_matter(&admin, AUTHZ_WRITE), 0);
  assert_int_equal(authz_source(&admin, AUTHZ_WRITE), 0);
  assert_int_equal(authz_matter(&admin_kj, AUTHZ_WRITE), ZZ_EFORBIDDEN);
  assert_int_equal(authz_source(&admin_kj, AUTHZ_WRITE), ZZ_EFORBIDDEN);
  assert_int_equal(authz_source(&disp, AUTHZ_WRITE), ZZ_EFORBIDDEN);
  assert_int_equal(authz_matter(&disp, AUTHZ_READ), 0);
  assert_int_equal(authz_source(&admin_kj, AUTHZ_READ), 0);
}

static void test_audit_rows(void **state) {
  (void)state;
  struct http_auth_ctx admin = who(ROLE_ADMIN, "", "");
  struct http_auth_ctx admin_kj = who(ROLE_ADMIN, "", "gongshu/kejipark");
  struct http_auth_ctx viewer = who(ROLE_VIEWER, "", "");
  assert_int_equal(authz_audit_row(&admin, "anyone"), 0);
  assert_int_equal(authz_audit_row(&admin_kj, "someone"), 0);
  assert_int_equal(authz_audit_row(&admin_kj, "admin"), ZZ_EFORBIDDEN);
  assert_int_equal(authz_audit_row(&admin_kj, NULL), ZZ_EFORBIDDEN);
  assert_int_equal(authz_audit_row(&viewer, "someone"), ZZ_EFORBIDDEN);
}

static void test_mask(void **state) {
  (void)state;
  char out[96];
  assert_string_equal(workflow_mask_reporter("citizen:ABCDEFGHJK", out, sizeof out),
                      "citizen:\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2GHJK");
  assert_string_equal(workflow_mask_reporter("enterprise:ABCDEFGHJK", out, sizeof out),
                      "enterprise:\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2GHJK");
  /* a citizen's name never shows more than four characters */
  assert_string_equal(workflow_mask_reporter("citizen:AB", out, sizeof out),
                      "citizen:\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2");
  /* staff names and an enterprise's entity key are not receipts */
  assert_string_equal(workflow_mask_reporter("disp", out, sizeof out), "disp");
  assert_string_equal(workflow_mask_reporter("enterprise:xtd-ent-001", out, sizeof out),
                      "enterprise:xtd-ent-001");
  assert_string_equal(workflow_mask_reporter("open311:source-3", out, sizeof out),
                      "open311:source-3");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_event),
      cmocka_unit_test(test_district_wide),
      cmocka_unit_test(test_audit_rows),
      cmocka_unit_test(test_mask),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
