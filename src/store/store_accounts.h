/* store_accounts.h - users, their sessions and device cookies. Rows passed
 * to callbacks hold strings owned by the store for the call only. */
#ifndef ZZ_STORE_ACCOUNTS_H
#define ZZ_STORE_ACCOUNTS_H

#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_user {
  int64_t id;
  const char *name, *role, *department, *scope, *pwhash;
  int64_t created;
  int disabled;     /* 1: may not log in, has no sessions */
  int64_t sessions; /* store_users_each only: unexpired sessions now */
};

/* user_change's what. */
#define STORE_DEVICES_PER_USER 20
enum { STORE_USER_PASSWORD = 1, STORE_USER_DISABLE, STORE_USER_ENABLE, STORE_USER_DELETE };

/* accounts */
int store_user_upsert(struct store *st, const struct store_user *u, int64_t *out_id,
                      struct zz_err *e);
int store_user_get(struct store *st, const char *name, int64_t id,
                   int (*fn)(void *, const struct store_user *), void *ud);
int store_session_create(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                         struct zz_err *e);
int store_session_user(struct store *st, const char *token_hash, int64_t now, int64_t *out_user);
int store_session_delete(struct store *st, const char *token_hash);
/* Device cookies (login lockout exemption). device_check returns 0 when
 * token_hash is an unexpired device of the enabled user called name, else
 * ZZ_ENOTFOUND (or ZZ_ESTORE). device_create keeps only the user's
 * STORE_DEVICES_PER_USER newest devices. device_fail counts one wrong password sent
 * with it and deletes it at max_fails. A new password, disabling or
 * deleting the user deletes its devices (a trigger). */
/* Device cookies (login lockout exemption). store_device_check returns 0
 * when token_hash is an unexpired device of the enabled user called name,
 * else ZZ_ENOTFOUND (or ZZ_ESTORE). store_device_create keeps only the
 * user's STORE_DEVICES_PER_USER newest devices. store_device_fail counts
 * one wrong password sent with it and deletes it at max_fails. A new
 * password, disabling or deleting the user deletes its devices (a trigger). */
int store_device_create(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                        struct zz_err *e);
int store_device_check(struct store *st, const char *token_hash, const char *name, int64_t now);
int store_device_fail(struct store *st, const char *token_hash, int max_fails);
int store_device_delete(struct store *st, const char *token_hash);
/* Changes the user called name (what: STORE_USER_*; pwhash for
 * STORE_USER_PASSWORD). A new password, disabling and deleting end the
 * user's sessions in the same transaction (a trigger), as does
 * user_upsert when it replaces the hash. Returns 0, ZZ_ENOTFOUND or a
 * store error with e filled. */
/* Changes the user called name (what: STORE_USER_*; pwhash for
 * STORE_USER_PASSWORD). A new password, disabling and deleting end the
 * user's sessions in the same transaction (a trigger), as does
 * store_user_upsert when it replaces the hash. Returns 0, ZZ_ENOTFOUND or a
 * store error with e filled. */
int store_user_change(struct store *st, const char *name, int what, const char *pwhash,
                      struct zz_err *e);

/* Every user, by name, with its unexpired sessions at now counted
 * (store_user.sessions); pwhash is NULL. fn returns non-zero to stop.
 * Returns 0 or ZZ_ESTORE. */
int store_users_each(struct store *st, int64_t now, int (*fn)(void *, const struct store_user *),
                     void *ud);
/* Sets role, department and scope ("" for none) of the user called name,
 * leaving its password and sessions alone (every request reads the user
 * afresh). Returns 0, ZZ_ENOTFOUND or a store error with e filled. */
int store_user_set(struct store *st, const char *name, const char *role, const char *department,
                   const char *scope, struct zz_err *e);
/* Ends every session of the user called name; *out_n (may be NULL) gets
 * how many there were. Returns 0, ZZ_ENOTFOUND or a store error. */
int store_user_sessions_end(struct store *st, const char *name, int64_t *out_n, struct zz_err *e);

#endif
