/* store_accounts.c - the SQLite side of store_accounts.h: users, sessions
 * and device cookies. Ending a user's sessions and devices on a new
 * password, disabling or deletion is the schema's triggers' (migrations.c),
 * so every writer of the user table gets it. */
#include "store/store_int.h"

/* ---- accounts ---- */

static int user_upsert(struct store *st, const struct store_user *u, int64_t *out_id,
                       struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO user(name, role, department, scope, pwhash, created) VALUES(?1, ?2, ?3, ?4, ?5, "
      "?6)"
      " ON CONFLICT(name) DO UPDATE SET role = excluded.role, department = excluded.department,"
      " scope = excluded.scope, pwhash = excluded.pwhash RETURNING id",
      e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, u->name);
  sq_bind_text(q, 2, u->role);
  sq_bind_text(q, 3, u->department);
  sq_bind_text(q, 4, u->scope);
  sq_bind_text(q, 5, u->pwhash);
  sqlite3_bind_int64(q, 6, u->created);
  return sq_run(c, q, out_id, e, "user");
}

static int user_get(struct store *st, const char *name, int64_t id,
                    int (*fn)(void *, const struct store_user *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = name ? sq_prepare(c,
                                      "SELECT id, name, role, department, scope, pwhash, created, "
                                      "disabled FROM user WHERE name = ?1",
                                      NULL)
                         : sq_prepare(c,
                                      "SELECT id, name, role, department, scope, pwhash, created, "
                                      "disabled FROM user WHERE id = ?1",
                                      NULL);
  if (!q) return ZZ_ESTORE;
  if (name)
    sq_bind_text(q, 1, name);
  else
    sqlite3_bind_int64(q, 1, id);
  int rc = sqlite3_step(q), r = ZZ_ENOTFOUND;
  if (rc == SQLITE_ROW) {
    struct store_user u = {.id = sqlite3_column_int64(q, 0),
                           .name = sq_col_text(q, 1),
                           .role = sq_col_text(q, 2),
                           .department = sq_col_text(q, 3),
                           .scope = sq_col_text(q, 4),
                           .pwhash = sq_col_text(q, 5),
                           .created = sqlite3_column_int64(q, 6),
                           .disabled = sqlite3_column_int(q, 7) != 0};
    fn(ud, &u);
    r = 0;
  }
  sq_release(c, q);
  return r;
}

static int session_create(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                          struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c, "INSERT INTO session(token_hash, user, expires) VALUES(?1, ?2, ?3)", e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  sqlite3_bind_int64(q, 2, user);
  sqlite3_bind_int64(q, 3, expires);
  return sq_run(c, q, NULL, e, "session");
}

static int session_user(struct store *st, const char *token_hash, int64_t now, int64_t *out_user) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT s.user FROM session s JOIN user u ON u.id = s.user"
                               " WHERE s.token_hash = ?1 AND s.expires > ?2 AND u.disabled = 0",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  sqlite3_bind_int64(q, 2, now);
  int r = ZZ_ENOTFOUND;
  if (sqlite3_step(q) == SQLITE_ROW) {
    *out_user = sqlite3_column_int64(q, 0);
    r = 0;
  }
  sq_release(c, q);
  return r;
}

static int session_delete(struct store *st, const char *token_hash) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "DELETE FROM session WHERE token_hash = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  return sq_run(c, q, NULL, NULL, "session");
}

static int device_create(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                         struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c, "INSERT INTO device(token_hash, user, expires) VALUES(?1, ?2, ?3)", e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  sqlite3_bind_int64(q, 2, user);
  sqlite3_bind_int64(q, 3, expires);
  int rc = sq_run(c, q, NULL, e, "device");
  if (rc) return rc;
  /* a user keeps the STORE_DEVICES_PER_USER newest (logins without a cookie
   * jar would pile up for the cookie's lifetime) */
  q = sq_prepare(c,
                 "DELETE FROM device WHERE user = ?1 AND token_hash NOT IN"
                 " (SELECT token_hash FROM device WHERE user = ?1 ORDER BY expires DESC LIMIT ?2)",
                 e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, user);
  sqlite3_bind_int(q, 2, STORE_DEVICES_PER_USER);
  return sq_run(c, q, NULL, e, "device");
}

static int device_check(struct store *st, const char *token_hash, const char *name, int64_t now) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT 1 FROM device d JOIN user u ON u.id = d.user"
                               " WHERE d.token_hash = ?1 AND u.name = ?2 AND d.expires > ?3"
                               " AND u.disabled = 0",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  sq_bind_text(q, 2, name);
  sqlite3_bind_int64(q, 3, now);
  int r = sqlite3_step(q) == SQLITE_ROW ? 0 : ZZ_ENOTFOUND;
  sq_release(c, q);
  return r;
}

static int device_fail(struct store *st, const char *token_hash, int max_fails) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c, "UPDATE device SET fails = fails + 1 WHERE token_hash = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  int rc = sq_run(c, q, NULL, NULL, "device");
  if (rc) return rc;
  q = sq_prepare(c, "DELETE FROM device WHERE token_hash = ?1 AND fails >= ?2", NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  sqlite3_bind_int(q, 2, max_fails);
  return sq_run(c, q, NULL, NULL, "device");
}

static int device_delete(struct store *st, const char *token_hash) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "DELETE FROM device WHERE token_hash = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  return sq_run(c, q, NULL, NULL, "device");
}

static int user_change(struct store *st, const char *name, int what, const char *pwhash,
                       struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  const char *sql = what == STORE_USER_PASSWORD  ? "UPDATE user SET pwhash = ?2 WHERE name = ?1"
                                                   " RETURNING id"
                    : what == STORE_USER_DISABLE ? "UPDATE user SET disabled = 1 WHERE name = ?1"
                                                   " RETURNING id"
                    : what == STORE_USER_ENABLE  ? "UPDATE user SET disabled = 0 WHERE name = ?1"
                                                   " RETURNING id"
                                                 : "DELETE FROM user WHERE name = ?1 RETURNING id";
  if (what < STORE_USER_PASSWORD || what > STORE_USER_DELETE ||
      (what == STORE_USER_PASSWORD && !pwhash))
    return zz_fail(e, ZZ_EINVAL, "user", "no such change");
  sqlite3_stmt *q = sq_prepare(c, sql, e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, name);
  if (what == STORE_USER_PASSWORD) sq_bind_text(q, 2, pwhash);
  int64_t id = 0;
  int rc = sq_run(c, q, &id, e, "user");
  if (!rc && !id) rc = zz_fail(e, ZZ_ENOTFOUND, "name", "no user called \"%.64s\"", name);
  return rc;
}

static int users_each(struct store *st, int64_t now, int (*fn)(void *, const struct store_user *),
                      void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT u.id, u.name, u.role, u.department, u.scope, u.created,"
                               " u.disabled, (SELECT COUNT(*) FROM session s"
                               " WHERE s.user = u.id AND s.expires > ?1)"
                               " FROM user u ORDER BY u.name",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, now);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_user u = {.id = sqlite3_column_int64(q, 0),
                           .name = sq_col_text(q, 1),
                           .role = sq_col_text(q, 2),
                           .department = sq_col_text(q, 3),
                           .scope = sq_col_text(q, 4),
                           .created = sqlite3_column_int64(q, 5),
                           .disabled = sqlite3_column_int(q, 6) != 0,
                           .sessions = sqlite3_column_int64(q, 7)};
    if (fn(ud, &u)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int user_set(struct store *st, const char *name, const char *role, const char *department,
                    const char *scope, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "UPDATE user SET role = ?2, department = ?3, scope = ?4"
                               " WHERE name = ?1 RETURNING id",
                               e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, name);
  sq_bind_text(q, 2, role);
  /* none is NULL, as user_upsert stores it */
  sq_bind_text(q, 3, department && *department ? department : NULL);
  sq_bind_text(q, 4, scope && *scope ? scope : NULL);
  int64_t id = 0;
  int rc = sq_run(c, q, &id, e, "user");
  if (!rc && !id) rc = zz_fail(e, ZZ_ENOTFOUND, "name", "no user called \"%.64s\"", name);
  return rc;
}

static int user_sessions_end(struct store *st, const char *name, int64_t *out_n, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int64_t id = 0;
  sqlite3_stmt *q = sq_prepare(c, "SELECT id FROM user WHERE name = ?1", e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, name);
  int rc = sq_run(c, q, &id, e, "user");
  if (rc) return rc;
  if (!id) return zz_fail(e, ZZ_ENOTFOUND, "name", "no user called \"%.64s\"", name);
  q = sq_prepare(c, "DELETE FROM session WHERE user = ?1", e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  if ((rc = sq_run(c, q, NULL, e, "session"))) return rc;
  if (out_n) *out_n = sqlite3_changes(c->db);
  return 0;
}

const struct store_accounts_ops store_sqlite_accounts_ops = {
    .user_upsert = user_upsert,
    .user_get = user_get,
    .session_create = session_create,
    .session_user = session_user,
    .session_delete = session_delete,
    .device_create = device_create,
    .device_check = device_check,
    .device_fail = device_fail,
    .device_delete = device_delete,
    .user_change = user_change,
    .users_each = users_each,
    .user_set = user_set,
    .user_sessions_end = user_sessions_end,
};
