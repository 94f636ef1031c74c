/* test_auth.c - unit tests for src/api/auth.c (tokens and their stored hash)
 * and src/model/accounts.c (roles, name/role/scope/password validation,
 * password checks, demo passwords, the login throttle), plus session expiry
 * as the store answers it. Store-backed tests use a temp data dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/api.h"
#include "core/zz.h"
#include "model/accounts.h"
#include "store/store.h"
#include "store/store_accounts.h"
#include "store/store_registry.h"
#include "support.h"

#define PW "correct horse battery"

struct fixture {
  char dir[64];
  struct store *st;
};

static void remove_fixture(struct fixture *f) {
  if (f->st) store_close(f->st);
  ts_dir_remove(f->dir);
  free(f);
}

static int store_teardown(void **state) {
  remove_fixture(*state);
  return 0;
}

static int store_setup(void **state) {
  struct fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  if (ts_dir_make(f->dir, sizeof f->dir, "auth")) {
    free(f);
    return -1;
  }
  struct store_open_opts o = {.dir = f->dir, .no_writer = 1};
  struct zz_err e = {0};
  if (store_sqlite_open(&o, &f->st, &e) != 0) {
    fprintf(stderr, "store_sqlite_open: %s\n", e.msg);
    f->st = NULL;
    remove_fixture(f); /* cmocka skips the teardown when setup fails */
    return -1;
  }
  /* Two regions, so scopes have something to name. */
  struct store_region root = {
      .path = "gongshu", .level = "district", .name_zh = "拱墅区", .name_en = "Gongshu"};
  struct store_region sub = {.path = "gongshu/banshan",
                             .parent_path = "gongshu",
                             .level = "street",
                             .name_zh = "半山街道",
                             .name_en = "Banshan"};
  /* and one department (users name departments by key) */
  struct store_named dept = {.key = "城管", .name_zh = "城管", .name_en = "Urban management"};
  if (store_region_upsert(f->st, &root, NULL, &e) || store_region_upsert(f->st, &sub, NULL, &e) ||
      store_named_upsert(f->st, "department", &dept, NULL, &e)) {
    fprintf(stderr, "region_upsert: %s\n", e.msg);
    remove_fixture(f);
    return -1;
  }
  *state = f;
  return 0;
}

/* ---- tokens ---- */

static int is_b64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

static void test_token_format(void **state) {
  (void)state;
  char a[48], b[48];
  api_token_new(a);
  api_token_new(b);
  assert_int_equal(strlen(a), 46);
  assert_memory_equal(a, "zz_", 3);
  for (size_t i = 3; i < 46; i++)
    if (!is_b64url(a[i])) fail_msg("token char %zu is '%c' (not base64url): %s", i, a[i], a);
  assert_string_not_equal(a, b);
  /* 43 base64 chars carry 258 bits; the last char holds 2 bits of data and
   * 4 zero bits, so it is one of A, E, I, ... (multiples of 4). */
  assert_non_null(strchr("AEIMQUYcgkosw048", a[45]));
}

static void test_token_hash(void **state) {
  (void)state;
  char h[65];
  api_token_hash("abc", h); /* FIPS 180-2 test vector */
  assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  api_token_hash("", h);
  assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  char t[48], h2[65];
  api_token_new(t);
  api_token_hash(t, h);
  api_token_hash(t, h2);
  assert_int_equal(strlen(h), 64);
  assert_string_equal(h, h2);
  t[10] = t[10] == 'A' ? 'B' : 'A';
  api_token_hash(t, h2);
  assert_string_not_equal(h, h2);
}

/* ---- roles ---- */

static void test_role_bits(void **state) {
  (void)state;
  assert_int_equal(accounts_role_bit("admin"), ROLE_ADMIN);
  assert_int_equal(accounts_role_bit("dispatcher"), ROLE_DISPATCHER);
  assert_int_equal(accounts_role_bit("officer"), ROLE_OFFICER);
  assert_int_equal(accounts_role_bit("viewer"), ROLE_VIEWER);
  assert_int_equal(accounts_role_bit("park_manager"), ROLE_PARK_MANAGER);
  static const char *const bad[] = {"",       "Admin", "ADMIN",        "admin ",
                                    " admin", "root",  "park-manager", "admins"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad); i++)
    if (accounts_role_bit(bad[i]) != 0) fail_msg("role \"%s\" was accepted", bad[i]);
  assert_int_equal(accounts_role_bit(NULL), 0);
  static const int bits[] = {ROLE_ADMIN, ROLE_DISPATCHER, ROLE_OFFICER, ROLE_VIEWER,
                             ROLE_PARK_MANAGER};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bits); i++)
    assert_int_equal(accounts_role_bit(accounts_role_name(bits[i])), bits[i]);
  assert_null(accounts_role_name(0));
  assert_null(accounts_role_name(ROLE_ANY));
}

/* ---- names ---- */

static void name_bad(const char *name, const char *want_in_msg) {
  struct zz_err e = {0};
  int rc = accounts_name_check(name, &e);
  if (rc != ZZ_EINVAL) fail_msg("name \"%s\": rc %d, want ZZ_EINVAL", name ? name : "(null)", rc);
  assert_string_equal(e.field, "name");
  if (!strstr(e.msg, want_in_msg))
    fail_msg("name \"%s\": message \"%s\" lacks \"%s\"", name, e.msg, want_in_msg);
}

static void test_name_check(void **state) {
  (void)state;
  static const char *const good[] = {"alice", "a",    "Bob_2", "w.wang-3",
                                     "张伟",  "José", "Ωmega", "李.li"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(good); i++) {
    struct zz_err e = {0};
    if (accounts_name_check(good[i], &e) != 0) fail_msg("name \"%s\" refused: %s", good[i], e.msg);
  }
  char n64[65], n65[66];
  memset(n64, 'x', 64), n64[64] = '\0';
  memset(n65, 'x', 65), n65[65] = '\0';
  name_bad(n64, "63 bytes"); /* 64 characters, but ctx.user holds 63 bytes */
  name_bad(n65, "64 characters");
  name_bad("", "required");
  name_bad(NULL, "required");
  name_bad("a b", "U+0020 at character 2");
  name_bad("a/b", "'/' at character 2");
  name_bad("a@b", "'@' at character 2");
  name_bad("tab\there", "U+0009 at character 4");
  name_bad("smile\xF0\x9F\x98\x80", "U+1F600 at character 6"); /* emoji is not a letter */
  name_bad("x\xC2\xA0y", "U+00A0 at character 2");             /* no-break space */
  name_bad("bad\xFF", "not valid UTF-8 at byte 4");
  name_bad("ov\xC0\xAF", "not valid UTF-8 at byte 3");      /* overlong '/' */
  name_bad("sur\xED\xA0\x80", "not valid UTF-8 at byte 4"); /* surrogate */
  name_bad("cut\xE5\xBC", "not valid UTF-8 at byte 4");     /* truncated sequence */
  /* 21 CJK characters are 63 bytes and fit; 22 do not. */
  char cjk[80] = "";
  for (int i = 0; i < 21; i++) strcat(cjk, "张");
  struct zz_err e = {0};
  assert_int_equal(accounts_name_check(cjk, &e), 0);
  strcat(cjk, "张");
  name_bad(cjk, "66 bytes");
}

/* ---- users ---- */

static void add_bad(struct store *st, const char *name, const char *role, const char *dept,
                    const char *scope, const char *pw, const char *field, const char *want_in_msg) {
  struct zz_err e = {0};
  int rc = accounts_user_add(st, name, role, dept, scope, pw, &e);
  if (rc != ZZ_EINVAL) fail_msg("user_add(%s): rc %d (%s), want ZZ_EINVAL", name, rc, e.msg);
  assert_string_equal(e.field, field);
  if (!strstr(e.msg, want_in_msg))
    fail_msg("user_add(%s): message \"%s\" lacks \"%s\"", name, e.msg, want_in_msg);
}

static void test_user_add_validation(void **state) {
  struct fixture *f = *state;
  struct store *st = f->st;
  add_bad(st, "a b", "viewer", NULL, NULL, PW, "name", "U+0020");
  add_bad(st, "", "viewer", NULL, NULL, PW, "name", "required");
  add_bad(st, "carol", "root", NULL, NULL, PW, "role", "unknown role \"root\"");
  add_bad(st, "carol", "", NULL, NULL, PW, "role", "required");
  add_bad(st, "carol", NULL, NULL, NULL, PW, "role", "required");
  add_bad(st, "carol", "viewer", NULL, "xihu", PW, "scope", "\"xihu\" is not a region path");
  add_bad(st, "carol", "viewer", NULL, "gongshu/", PW, "scope", "not a region path");
  add_bad(st, "carol", "viewer", NULL, NULL, "short", "password",
          "5 characters; it needs at least 10");
  add_bad(st, "carol", "viewer", NULL, NULL, "", "password", "at least 10");
  /* ten characters of which the last three are multi-byte: still 10, not 16 */
  add_bad(st, "carol", "viewer", NULL, NULL, "aaaaaaaaaa", "password", "one character repeated");
  add_bad(st, "carol", "viewer", NULL, NULL, "密密密密密密密密密密", "password",
          "one character repeated");
  add_bad(st, "carolcarol", "viewer", NULL, NULL, "CarolCarol", "password", "is the user name");
  add_bad(st, "carol", "viewer", "no_such_dept", NULL, PW, "department",
          "\"no_such_dept\" is not one of the pack's 1 departments");
  add_bad(st, "carol", "viewer", NULL, NULL, NULL, "password", "required");
  char *big = malloc(1026);
  assert_non_null(big);
  for (int i = 0; i < 1025; i++) big[i] = (char)('a' + i % 26);
  big[1025] = '\0';
  add_bad(st, "carol", "viewer", NULL, NULL, big, "password", "longer than 1024");
  add_bad(st, "carol", "viewer", "line\nbreak", NULL, PW, "department", "control character");
  char dept[70];
  memset(dept, 'd', 64), dept[64] = '\0';
  add_bad(st, "carol", "viewer", dept, NULL, PW, "department", "longer than 63");
  /* Nothing above was stored. */
  struct accounts_user u;
  assert_int_equal(accounts_user_get(st, "carol", 0, &u), ZZ_ENOTFOUND);

  /* Boundaries that must pass: 10 characters (7 of them two-byte, so not 10
   * bytes), 1024 bytes, an existing department and nested scope. */
  struct zz_err e = {0};
  assert_int_equal(accounts_user_add(st, "carol", "viewer", NULL, NULL, "abcéééééé1", &e), 0);
  big[1024] = '\0';
  assert_int_equal(accounts_user_add(st, "dave", "officer", "城管", "gongshu/banshan", big, &e), 0);
  assert_int_equal(accounts_user_get(st, "dave", 0, &u), 0);
  assert_string_equal(u.role, "officer");
  assert_int_equal(u.role_bit, ROLE_OFFICER);
  assert_string_equal(u.department, "城管");
  assert_string_equal(u.scope, "gongshu/banshan");
  assert_true(u.created > 0);
  assert_int_equal(accounts_check_password(st, "dave", big, NULL, &e), 0);
  free(big);
}

static int copy_hash(void *ud, const struct store_user *u) {
  snprintf(ud, 256, "%s", u->pwhash ? u->pwhash : "");
  return 1;
}

static void test_password_check(void **state) {
  struct fixture *f = *state;
  struct store *st = f->st;
  struct zz_err e = {0};
  assert_int_equal(accounts_user_add(st, "alice", "admin", "", "", PW, &e), 0);
  struct accounts_user u;
  memset(&u, 0, sizeof u);
  assert_int_equal(accounts_check_password(st, "alice", PW, &u, &e), 0);
  assert_string_equal(u.name, "alice");
  assert_string_equal(u.role, "admin");
  assert_int_equal(u.role_bit, ROLE_ADMIN);
  assert_string_equal(u.department, ""); /* "" is stored as none */
  assert_string_equal(u.scope, "");
  assert_true(u.id > 0);
  int64_t id = u.id;

  /* Wrong password and unknown name answer alike. */
  struct zz_err e1 = {0}, e2 = {0}, e3 = {0};
  assert_int_equal(accounts_check_password(st, "alice", PW "!", &u, &e1), ZZ_EAUTH);
  assert_int_equal(accounts_check_password(st, "mallory", PW, &u, &e2), ZZ_EAUTH);
  assert_int_equal(accounts_check_password(st, "Alice", PW, &u, &e3), ZZ_EAUTH);
  assert_string_equal(e1.msg, "wrong name or password");
  assert_string_equal(e2.msg, e1.msg);
  assert_string_equal(e3.msg, e1.msg);
  assert_string_equal(e2.field, e1.field);
  assert_int_equal(accounts_check_password(st, "alice", "", &u, &e1), ZZ_EAUTH);
  assert_int_equal(accounts_check_password(st, "alice", NULL, &u, &e1), ZZ_EAUTH);
  assert_int_equal(accounts_check_password(st, "", PW, &u, &e1), ZZ_EAUTH);
  assert_int_equal(accounts_check_password(st, NULL, PW, &u, &e1), ZZ_EAUTH);

  /* The stored hash is argon2id, never the password. */
  char stored[256] = "";
  assert_int_equal(store_user_get(st, "alice", 0, copy_hash, stored), 0);
  if (strncmp(stored, "$argon2id$", 10) != 0) fail_msg("stored hash is not argon2id: %s", stored);
  assert_null(strstr(stored, PW));

  /* Adding the same name again updates role and password, keeps the id. */
  assert_int_equal(accounts_user_add(st, "alice", "viewer", NULL, "gongshu", "new password", &e),
                   0);
  assert_int_equal(accounts_check_password(st, "alice", PW, &u, &e), ZZ_EAUTH);
  assert_int_equal(accounts_check_password(st, "alice", "new password", &u, &e), 0);
  assert_int_equal(u.id, id);
  assert_string_equal(u.role, "viewer");
  assert_string_equal(u.scope, "gongshu");
}

static void test_password_new(void **state) {
  (void)state;
  char a[24], b[24];
  accounts_password_new(a);
  accounts_password_new(b);
  assert_int_equal(strlen(a), 23);
  assert_string_not_equal(a, b);
  for (int i = 0; i < 23; i++) {
    if (i % 6 == 5) {
      assert_int_equal(a[i], '-');
    } else if (!strchr("abcdefghjkmnpqrstuvwxyz23456789", a[i])) {
      fail_msg("password char %d '%c' is not in the readable alphabet: %s", i, a[i], a);
    }
  }
}

/* ---- sessions ---- */

static void test_session_expiry(void **state) {
  struct fixture *f = *state;
  struct store *st = f->st;
  struct zz_err e = {0};
  assert_int_equal(accounts_user_add(st, "erin", "dispatcher", NULL, NULL, PW, &e), 0);
  struct accounts_user u;
  assert_int_equal(accounts_user_get(st, "erin", 0, &u), 0);

  char tok[48], hash[65];
  api_token_new(tok);
  api_token_hash(tok, hash);
  const int64_t t0 = 1779321600000LL, ttl = 12LL * 3600 * 1000;
  assert_int_equal(store_session_create(st, hash, u.id, t0 + ttl, &e), 0);
  int64_t uid = 0;
  assert_int_equal(store_session_user(st, hash, t0, &uid), 0);
  assert_int_equal(uid, u.id);
  assert_int_equal(store_session_user(st, hash, t0 + ttl - 1, &uid), 0);
  assert_int_equal(store_session_user(st, hash, t0 + ttl, &uid), ZZ_ENOTFOUND);
  assert_int_equal(store_session_user(st, hash, t0 + ttl + 1, &uid), ZZ_ENOTFOUND);

  /* Looking the raw token up (not its hash) finds nothing. */
  assert_int_equal(store_session_user(st, tok, t0, &uid), ZZ_ENOTFOUND);

  /* The session names the user by id: what auth copies into the context. */
  struct accounts_user byid;
  assert_int_equal(accounts_user_get(st, NULL, uid, &byid), 0);
  assert_string_equal(byid.name, "erin");
  assert_int_equal(byid.role_bit, ROLE_DISPATCHER);

  /* Logout deletes it. */
  assert_int_equal(store_session_delete(st, hash), 0);
  assert_int_equal(store_session_user(st, hash, t0, &uid), ZZ_ENOTFOUND);
}

/* Device tokens: valid only for the account they were made for, until
 * they expire, see max_fails wrong passwords, or the user's password
 * changes, the user is disabled or removed. */
static void test_device_tokens(void **state) {
  struct fixture *f = *state;
  struct store *st = f->st;
  struct zz_err e = {0};
  assert_int_equal(accounts_user_add(st, "hal", "viewer", NULL, NULL, PW, &e), 0);
  assert_int_equal(accounts_user_add(st, "ida", "viewer", NULL, NULL, PW, &e), 0);
  struct accounts_user hal, ida;
  assert_int_equal(accounts_user_get(st, "hal", 0, &hal), 0);
  assert_int_equal(accounts_user_get(st, "ida", 0, &ida), 0);
  const int64_t t0 = 1779321600000LL, far = t0 + 1000000;
  char tok[48], h1[65], h2[65], h3[65];
  api_token_new(tok);
  api_token_hash(tok, h1);
  api_token_new(tok);
  api_token_hash(tok, h2);
  api_token_new(tok);
  api_token_hash(tok, h3);
  assert_int_equal(store_device_create(st, h1, hal.id, far, &e), 0);
  assert_int_equal(store_device_create(st, h2, hal.id, far, &e), 0);
  assert_int_equal(store_device_create(st, h3, ida.id, far, &e), 0);
  assert_int_equal(store_device_check(st, h1, "hal", t0), 0);
  assert_int_equal(store_device_check(st, h1, "ida", t0), ZZ_ENOTFOUND);  /* another's */
  assert_int_equal(store_device_check(st, h1, "hal", far), ZZ_ENOTFOUND); /* expired */
  assert_int_equal(store_device_check(st, tok, "ida", t0), ZZ_ENOTFOUND); /* raw token */
  /* four failures keep it, the fifth revokes it */
  for (int i = 0; i < 4; i++) assert_int_equal(store_device_fail(st, h1, 5), 0);
  assert_int_equal(store_device_check(st, h1, "hal", t0), 0);
  assert_int_equal(store_device_fail(st, h1, 5), 0);
  assert_int_equal(store_device_check(st, h1, "hal", t0), ZZ_ENOTFOUND);
  /* a new password revokes hal's devices, not ida's */
  assert_int_equal(accounts_user_change(st, "hal", STORE_USER_PASSWORD, "third password", &e), 0);
  assert_int_equal(store_device_check(st, h2, "hal", t0), ZZ_ENOTFOUND);
  assert_int_equal(store_device_check(st, h3, "ida", t0), 0);
  /* so do disabling and removing */
  assert_int_equal(accounts_user_change(st, "ida", STORE_USER_DISABLE, NULL, &e), 0);
  assert_int_equal(accounts_user_change(st, "ida", STORE_USER_ENABLE, NULL, &e), 0);
  assert_int_equal(store_device_check(st, h3, "ida", t0), ZZ_ENOTFOUND);
  assert_int_equal(store_device_create(st, h3, ida.id, far, &e), 0);
  assert_int_equal(store_device_check(st, h3, "ida", t0), 0);
  assert_int_equal(accounts_user_change(st, "ida", STORE_USER_DELETE, NULL, &e), 0);
  assert_int_equal(store_device_check(st, h3, "ida", t0), ZZ_ENOTFOUND);
  assert_int_equal(store_device_delete(st, h3), 0); /* already gone: no error */
  /* a user keeps only the newest STORE_DEVICES_PER_USER */
  assert_int_equal(store_device_create(st, h1, hal.id, far, &e), 0);
  for (int i = 1; i <= STORE_DEVICES_PER_USER; i++) {
    char h[65];
    api_token_new(tok);
    api_token_hash(tok, h);
    assert_int_equal(store_device_create(st, h, hal.id, far + i, &e), 0);
    assert_int_equal(store_device_check(st, h, "hal", t0), 0);
  }
  assert_int_equal(store_device_check(st, h1, "hal", t0), ZZ_ENOTFOUND);
}

/* A new password, disabling and deleting end the user's sessions at once;
 * a disabled user cannot log in; enabling does not bring sessions back. */
/* A login checks the password, then makes its session: a change committed
 * in between (it ended the sessions before this one existed) must end this
 * one too, or a login in flight with the old password outlives the change. */
static void test_still_current(void **state) {
  struct fixture *f = *state;
  struct store *st = f->st;
  struct zz_err e = {0};
  assert_int_equal(accounts_user_add(st, "gus", "viewer", NULL, NULL, PW, &e), 0);
  struct accounts_user u;
  assert_int_equal(accounts_check_password(st, "gus", PW, &u, &e), 0);
  assert_int_equal(accounts_still_current(st, &u), 0);
  assert_int_equal(accounts_user_change(st, "gus", STORE_USER_PASSWORD, "another one 3", &e), 0);
  assert_int_equal(accounts_still_current(st, &u), ZZ_EAUTH);
  assert_int_equal(accounts_check_password(st, "gus", "another one 3", &u, &e), 0);
  assert_int_equal(accounts_still_current(st, &u), 0);
  assert_int_equal(accounts_user_change(st, "gus", STORE_USER_DISABLE, NULL, &e), 0);
  assert_int_equal(accounts_still_current(st, &u), ZZ_EAUTH);
  assert_int_equal(accounts_user_change(st, "gus", STORE_USER_ENABLE, NULL, &e), 0);
  assert_int_equal(accounts_still_current(st, &u), 0); /* same password, enabled again */
  assert_int_equal(accounts_user_change(st, "gus", STORE_USER_DELETE, NULL, &e), 0);
  assert_int_equal(accounts_still_current(st, &u), ZZ_EAUTH);
}

static void test_sessions_end(void **state) {
  struct fixture *f = *state;
  struct store *st = f->st;
  struct zz_err e = {0};
  const int64_t t0 = 1779321600000LL, far = t0 + 3600000;
  assert_int_equal(accounts_user_add(st, "fay", "viewer", NULL, NULL, PW, &e), 0);
  struct accounts_user u;
  assert_int_equal(accounts_user_get(st, "fay", 0, &u), 0);
  assert_int_equal(u.disabled, 0);
  char tok[48], h1[65], h2[65];
  int64_t uid;
#define NEW_SESSION(h)                                                                             \
  do {                                                                                             \
    api_token_new(tok);                                                                            \
    api_token_hash(tok, h);                                                                        \
    assert_int_equal(store_session_create(st, h, u.id, far, &e), 0);                               \
    assert_int_equal(store_session_user(st, h, t0, &uid), 0);                                      \
  } while (0)

  /* re-adding the user (the CLI's password reset) */
  NEW_SESSION(h1);
  assert_int_equal(accounts_user_add(st, "fay", "viewer", NULL, NULL, "another one 2", &e), 0);
  assert_int_equal(store_session_user(st, h1, t0, &uid), ZZ_ENOTFOUND);

  /* a new password */
  NEW_SESSION(h1);
  NEW_SESSION(h2);
  assert_int_equal(accounts_user_change(st, "fay", STORE_USER_PASSWORD, "short", &e), ZZ_EINVAL);
  assert_string_equal(e.field, "password");
  assert_int_equal(store_session_user(st, h1, t0, &uid), 0); /* refused: nothing changed */
  assert_int_equal(accounts_user_change(st, "fay", STORE_USER_PASSWORD, "third password", &e), 0);
  assert_int_equal(store_session_user(st, h1, t0, &uid), ZZ_ENOTFOUND);
  assert_int_equal(store_session_user(st, h2, t0, &uid), ZZ_ENOTFOUND);
  assert_int_equal(accounts_check_password(st, "fay", "third password", NULL, &e), 0);

  /* disabling: sessions end, login answers as for a wrong password */
  NEW_SESSION(h1);
  assert_int_equal(accounts_user_change(st, "fay", STORE_USER_DISABLE, NULL, &e), 0);
  assert_int_equal(store_session_user(st, h1, t0, &uid), ZZ_ENOTFOUND);
  assert_int_equal(accounts_check_password(st, "fay", "third password", NULL, &e), ZZ_EAUTH);
  assert_string_equal(e.msg, "wrong name or password");
  assert_int_equal(accounts_user_get(st, "fay", 0, &u), 0);
  assert_int_equal(u.disabled, 1);
  /* a session made while disabled (a race with login) is not honoured */
  api_token_new(tok);
  api_token_hash(tok, h2);
  assert_int_equal(store_session_create(st, h2, u.id, far, &e), 0);
  assert_int_equal(store_session_user(st, h2, t0, &uid), ZZ_ENOTFOUND);
  /* re-adding keeps the user disabled */
  assert_int_equal(accounts_user_add(st, "fay", "viewer", NULL, NULL, "fourth password", &e), 0);
  assert_int_equal(accounts_check_password(st, "fay", "fourth password", NULL, &e), ZZ_EAUTH);
  assert_int_equal(accounts_user_change(st, "fay", STORE_USER_ENABLE, NULL, &e), 0);
  assert_int_equal(accounts_check_password(st, "fay", "fourth password", NULL, &e), 0);

  /* deleting */
  NEW_SESSION(h1);
  assert_int_equal(accounts_user_change(st, "fay", STORE_USER_DELETE, NULL, &e), 0);
  assert_int_equal(store_session_user(st, h1, t0, &uid), ZZ_ENOTFOUND);
  assert_int_equal(accounts_user_get(st, "fay", 0, &u), ZZ_ENOTFOUND);
  assert_int_equal(accounts_user_change(st, "fay", STORE_USER_DISABLE, NULL, &e), ZZ_ENOTFOUND);
  assert_string_equal(e.field, "name");
  assert_int_equal(accounts_user_change(st, "fay", STORE_USER_PASSWORD, "fifth password", &e),
                   ZZ_ENOTFOUND);
#undef NEW_SESSION
}

/* ---- throttle ---- */

/* Per account: five failures free, then 1, 2, 4 ... s after the last one,
 * capped; a success forgets them. */
static void test_throttle_user(void **state) {
  (void)state;
  accounts_throttle_reset();
  const int64_t t0 = 1779321600000LL;
  for (int i = 0; i < ACCOUNTS_THROTTLE_USER_FREE; i++) {
    assert_int_equal(accounts_throttle_user_check("admin", t0), 0);
    accounts_throttle_user_fail("admin", t0);
  }
  assert_int_equal(accounts_throttle_user_check("admin", t0), 1);
  assert_int_equal(accounts_throttle_user_check("admin", t0 + 1000), 0);
  accounts_throttle_user_fail("admin", t0 + 1000);
  assert_int_equal(accounts_throttle_user_check("admin", t0 + 1000), 2);
  accounts_throttle_user_fail("admin", t0 + 3000);
  assert_int_equal(accounts_throttle_user_check("admin", t0 + 3000), 4);
  for (int i = 0; i < 20; i++) accounts_throttle_user_fail("admin", t0 + 10000);
  assert_int_equal(accounts_throttle_user_check("admin", t0 + 10000), ACCOUNTS_THROTTLE_USER_MAX_S);
  assert_int_equal(accounts_throttle_user_check("other", t0 + 10000), 0);
  /* an hour without failures forgets them */
  assert_int_equal(
      accounts_throttle_user_check("admin", t0 + 10000 + ACCOUNTS_THROTTLE_USER_FORGET_MS), 0);
  for (int i = 0; i < 8; i++) accounts_throttle_user_fail("admin", t0);
  assert_true(accounts_throttle_user_check("admin", t0) > 0);
  accounts_throttle_user_ok("admin");
  assert_int_equal(accounts_throttle_user_check("admin", t0), 0);
  accounts_throttle_reset();
}

static void test_throttle(void **state) {
  (void)state;
  accounts_throttle_reset();
  const int64_t t0 = 1779321600000LL, win = ACCOUNTS_THROTTLE_WINDOW_MS;
  for (int i = 0; i < ACCOUNTS_THROTTLE_FAILS - 1; i++) {
    assert_int_equal(accounts_throttle_check("10.0.0.1", t0 + i), 0);
    accounts_throttle_fail("10.0.0.1", t0 + i);
  }
  assert_int_equal(accounts_throttle_check("10.0.0.1", t0 + 100), 0);
  accounts_throttle_fail("10.0.0.1", t0 + 100); /* the 10th */
  assert_int_equal(accounts_throttle_check("10.0.0.1", t0 + 100), 300);
  assert_int_equal(accounts_throttle_check("10.0.0.1", t0 + 60000), 240);
  assert_int_equal(accounts_throttle_check("10.0.0.1", t0 + win - 1), 1);
  assert_int_equal(accounts_throttle_check("10.0.0.2", t0 + 100), 0); /* others unaffected */
  assert_int_equal(accounts_throttle_check("10.0.0.1", t0 + win), 0); /* the window passed */
  /* A fresh window starts with the next failure. */
  accounts_throttle_fail("10.0.0.1", t0 + win);
  assert_int_equal(accounts_throttle_check("10.0.0.1", t0 + win), 0);

  /* The table is capped: filling it evicts the oldest peer, no growth. */
  accounts_throttle_reset();
  for (int i = 0; i < ACCOUNTS_THROTTLE_FAILS; i++) accounts_throttle_fail("first", t0);
  assert_true(accounts_throttle_check("first", t0 + 1) > 0);
  char peer[32];
  for (int i = 0; i < ACCOUNTS_THROTTLE_PEERS; i++) {
    snprintf(peer, sizeof peer, "p%d", i);
    accounts_throttle_fail(peer, t0 + 1000);
  }
  assert_int_equal(accounts_throttle_check("first", t0 + 1001), 0);
  accounts_throttle_reset();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_token_format),
      cmocka_unit_test(test_token_hash),
      cmocka_unit_test(test_role_bits),
      cmocka_unit_test(test_name_check),
      cmocka_unit_test(test_password_new),
      cmocka_unit_test(test_throttle),
      cmocka_unit_test_setup_teardown(test_user_add_validation, store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_password_check, store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_session_expiry, store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_still_current, store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_sessions_end, store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_device_tokens, store_setup, store_teardown),
      cmocka_unit_test(test_throttle_user),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
