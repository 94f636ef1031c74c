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
#include "store/store.h"

/* Limits, in bytes unless said otherwise. The byte limits of name and
 * department match struct http_auth_ctx (user[64], department[64]). */
#define ACCOUNTS_NAME_MAX_CHARS 64
#define ACCOUNTS_NAME_MAX 63
#define ACCOUNTS_DEPARTMENT_MAX 63
#define ACCOUNTS_SCOPE_MAX 255
#define ACCOUNTS_PASSWORD_MIN 8
#define ACCOUNTS_PASSWORD_MAX 1024

/* Login throttle: this many failures from one peer within the window block
 * further attempts from it until the window (counted from its first failure)
 * has passed. */
#define ACCOUNTS_THROTTLE_FAILS 10
#define ACCOUNTS_THROTTLE_WINDOW_MS (5LL * 60 * 1000)
#define ACCOUNTS_THROTTLE_PEERS 4096 /* table size; the oldest entry is evicted */

/* A user copied out of the store (safe to keep after the store call). */
struct accounts_user {
  int64_t id;
  char name[ACCOUNTS_NAME_MAX + 1];
  char role[16];
  char department[ACCOUNTS_DEPARTMENT_MAX + 1]; /* "" for none */
  char scope[ACCOUNTS_SCOPE_MAX + 1];           /* region path, "" for everything */
  int role_bit;                                 /* ROLE_* bit of role, 0 if unknown */
  int64_t created;                              /* UTC ms */
};

/* Returns the ROLE_* bit (http/http.h) of a role name ("admin", "dispatcher",
 * "officer", "viewer", "park_manager"), or 0 for NULL or anything else. */
int accounts_role_bit(const char *role);
/* Returns the role name of a ROLE_* bit (static string), or NULL. */
const char *accounts_role_name(int bit);

/* Checks a user name: 1..64 characters, each an ASCII letter, digit, '_',
 * '.', '-' or a UTF-8 encoded letter (any script), at most 63 bytes in all.
 * Returns 0 or ZZ_EINVAL with e->field "name" and a message saying what is
 * wrong (and at which character). */
int accounts_name_check(const char *name, struct zz_err *e);

/* Creates the user, or updates role, department, scope and password when the
 * name exists (so the CLI can reset a password). department and scope may be
 * NULL or "" (none; an unscoped user sees everything); scope must be the path
 * of an existing region. The password (8..1024 bytes) is stored only as an
 * argon2id hash (libsodium interactive limits). Returns 0, ZZ_EINVAL with
 * e->field naming "name", "role", "department", "scope" or "password",
 * ZZ_ENOMEM when hashing cannot get its memory, or a store error. */
int accounts_user_add(struct store *st, const char *name, const char *role, const char *department,
                      const char *scope, const char *password, struct zz_err *e);

/* Looks a user up by name (when name is not NULL) or by id and copies it into
 * *out. Returns 0, ZZ_ENOTFOUND or a store error. */
int accounts_user_get(struct store *st, const char *name, int64_t id, struct accounts_user *out);

/* Checks a name and password. Returns 0 and fills *out (OUT, may be NULL);
 * ZZ_EAUTH with the message "wrong name or password" for an unknown name or a
 * wrong password alike (an unknown name still costs one argon2id verify, so
 * timing does not tell which); or a store error. */
int accounts_check_password(struct store *st, const char *name, const char *password,
                            struct accounts_user *out, struct zz_err *e);

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

#endif
