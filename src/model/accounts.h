/* accounts.h - user accounts: validation of names, roles, scopes and
 * passwords, argon2id hashing (libsodium), the password check used by login,
 * readable random passwords for the demo's admin, and the per-peer login
 * throttle. Used by the CLI (`zhizhi user add`) and by api/auth.c. All
 * functions are thread-safe and call sodium_init() themselves. */
#ifndef ZZ_ACCOUNTS_H
#define ZZ_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"
#include "model/roles.h"
#include "store/store_accounts.h"

/* Limits, in bytes unless said otherwise. The byte limits of name and
 * department match struct http_auth_ctx (user[64], department[64]). */
#define ACCOUNTS_NAME_MAX_CHARS 64
#define ACCOUNTS_NAME_MAX 63
#define ACCOUNTS_DEPARTMENT_MAX 63
#define ACCOUNTS_SCOPE_MAX 255
#define ACCOUNTS_PASSWORD_MIN 10 /* characters */
#define ACCOUNTS_PASSWORD_MAX 1024

/* Login throttle: this many failures from one peer within the window block
 * further attempts from it until the window (counted from its first failure)
 * has passed. */
#define ACCOUNTS_THROTTLE_FAILS 10
#define ACCOUNTS_THROTTLE_WINDOW_MS (5LL * 60 * 1000)
#define ACCOUNTS_THROTTLE_PEERS 4096 /* table size; the oldest entry is evicted */
/* Per account: after this many failures in a row, each further attempt
 * waits 1 s, 2 s, 4 s ... (at most ACCOUNTS_THROTTLE_USER_MAX_S) after the
 * last failure; a success, or an hour without failures, forgets them. The
 * delays grow instead of locking out, so nobody can lock an account. */
#define ACCOUNTS_THROTTLE_USER_FREE 5
#define ACCOUNTS_THROTTLE_USER_MAX_S 300
#define ACCOUNTS_THROTTLE_USER_FORGET_MS (3600LL * 1000)

/* A user copied out of the store (safe to keep after the store call). */
struct accounts_user {
  int64_t id;
  char name[ACCOUNTS_NAME_MAX + 1];
  char role[16];
  char department[ACCOUNTS_DEPARTMENT_MAX + 1]; /* "" for none */
  char scope[ACCOUNTS_SCOPE_MAX + 1];           /* region path, "" for everything */
  int role_bit;                                 /* ROLE_* bit of role, 0 if unknown */
  int64_t created;                              /* UTC ms */
  int disabled;                                 /* may not log in */
  unsigned char pwtag[32]; /* SHA-256 of the password hash accounts_check_password
                            * verified (zeros otherwise): accounts_still_current */
};

/* Returns the ROLE_* bit (model/roles.h) of a role name ("admin", "dispatcher",
 * "officer", "viewer", "park_manager"), or 0 for NULL or anything else. */
int accounts_role_bit(const char *role);
/* Returns the role name of a ROLE_* bit (static string), or NULL. */
const char *accounts_role_name(int bit);

/* Checks a user name: 1..64 characters, each an ASCII letter, digit, '_',
 * '.', '-' or a UTF-8 encoded letter (any script), at most 63 bytes in all.
 * Returns 0 or ZZ_EINVAL with e->field "name" and a message saying what is
 * wrong (and at which character). */
int accounts_name_check(const char *name, struct zz_err *e);

/* Checks a new password for user name: at least 10 characters, at most
 * 1024 bytes, not one character repeated, not the name itself. Returns 0 or
 * ZZ_EINVAL with e->field "password" and a message saying which rule. */
int accounts_password_check(const char *name, const char *password, struct zz_err *e);

/* Checks role, department and scope as accounts_user_add does (without the
 * name or password). Returns 0 or ZZ_EINVAL naming the field, or a store
 * error. */
int accounts_fields_check(struct store *st, const char *role, const char *department,
                          const char *scope, struct zz_err *e);

/* Creates the user, or updates role, department, scope and password when the
 * name exists (so the CLI can reset a password; the user's sessions end).
 * department and scope may be NULL or "" (none; an unscoped user sees
 * everything); department must be a key of the pack's departments and scope
 * the path of an existing region. The password (accounts_password_check) is
 * stored only as an argon2id hash (libsodium interactive limits). A disabled
 * user stays disabled. Returns 0, ZZ_EINVAL with e->field naming "name",
 * "role", "department", "scope" or "password", ZZ_ENOMEM when hashing cannot
 * get its memory, or a store error. */
int accounts_user_add(struct store *st, const char *name, const char *role, const char *department,
                      const char *scope, const char *password, struct zz_err *e);

/* Sets a new password (accounts_password_check), disables, enables or
 * deletes the user called name (what: STORE_USER_*; password only for
 * STORE_USER_PASSWORD). Every change but enabling ends the user's sessions
 * at once. Returns 0, ZZ_ENOTFOUND, ZZ_EINVAL (password), ZZ_ENOMEM or a
 * store error, with e filled. */
int accounts_user_change(struct store *st, const char *name, int what, const char *password,
                         struct zz_err *e);

/* Looks a user up by name (when name is not NULL) or by id and copies it into
 * *out. Returns 0, ZZ_ENOTFOUND or a store error. */
int accounts_user_get(struct store *st, const char *name, int64_t id, struct accounts_user *out);

/* Checks a name and password. Returns 0 and fills *out (OUT, may be NULL);
 * ZZ_EAUTH with the message "wrong name or password" for an unknown name, a
 * disabled user or a wrong password alike (an unknown name still costs one
 * argon2id verify, so timing does not tell which); or a store error. */
int accounts_check_password(struct store *st, const char *name, const char *password,
                            struct accounts_user *out, struct zz_err *e);

/* After a session was made for u (filled by accounts_check_password): 0
 * when the user still has the password that was checked and is not
 * disabled, ZZ_EAUTH when either changed meanwhile (the change ended the
 * sessions before this one existed: the caller must delete it), or a store
 * error. A login checks after creating its session, so that a change
 * committed after this check ends that session too. */
int accounts_still_current(struct store *st, const struct accounts_user *u);

/* Writes a new random password that is easy to read out and type: four groups
 * of five lowercase letters and digits without look-alikes (0/o, 1/l/i),
 * joined by '-' ("k7dmq-x3hpa-..."), ~99 bits. out gets 23 characters + NUL. */
void accounts_password_new(char out[24]);

/* Login throttle (process-wide table, mutex-protected). now is UTC ms.
 * accounts_throttle_check returns 0 when peer may try to log in, or the
 * number of seconds (>= 1) it must wait. accounts_throttle_fail records one
 * failed attempt. accounts_throttle_reset forgets everything (tests). */
int accounts_throttle_check(const char *peer, int64_t now);
void accounts_throttle_fail(const char *peer, int64_t now);
void accounts_throttle_reset(void);
/* The same per account name (ACCOUNTS_THROTTLE_USER_*): _check returns the
 * seconds to wait (0: may try), _fail records a failure, _ok a success. */
int accounts_throttle_user_check(const char *name, int64_t now);
void accounts_throttle_user_fail(const char *name, int64_t now);
void accounts_throttle_user_ok(const char *name);

#endif
