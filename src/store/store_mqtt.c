/* store_mqtt.c - the SQLite side of store_mqtt.h: broker accounts and the
 * per-source reject counts. */
#include "store/store_int.h"
#include "store/store_mqtt.h"

static int account_put(struct store *st, const struct store_mqtt_account *a, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO mqtt_account(username, kind, source, hash, updated) VALUES(?1, ?2, ?3, ?4, ?5)"
      " ON CONFLICT(username) DO UPDATE SET kind = excluded.kind, source = excluded.source,"
      " hash = excluded.hash, updated = excluded.updated",
      e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, a->username);
  sq_bind_text(q, 2, a->kind);
  if (a->source > 0) sqlite3_bind_int64(q, 3, a->source);
  sq_bind_text(q, 4, a->hash);
  sqlite3_bind_int64(q, 5, a->updated);
  return sq_run(c, q, NULL, e, "mqtt account");
}

static int accounts_each(struct store *st, int (*fn)(void *, const struct store_mqtt_account *),
                         void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c, "SELECT username, kind, source, hash, updated FROM mqtt_account ORDER BY username", NULL);
  if (!q) return ZZ_ESTORE;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_mqtt_account a = {.username = sq_col_text(q, 0),
                                   .kind = sq_col_text(q, 1),
                                   .source = sqlite3_column_int64(q, 2),
                                   .hash = sq_col_text(q, 3),
                                   .updated = sqlite3_column_int64(q, 4)};
    if (fn(ud, &a)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int device_source(struct store *st, const char *username, int64_t *out) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c, "SELECT source FROM mqtt_account WHERE username = ?1 AND kind = 'device'", NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, username);
  int rc = sqlite3_step(q);
  int r = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ZZ_ENOTFOUND : ZZ_ESTORE;
  if (rc == SQLITE_ROW) *out = sqlite3_column_int64(q, 0);
  sq_release(c, q);
  return r;
}

static int source_note_rejects(struct store *st, int64_t id, int64_t n, const char *msg, int64_t at,
                               struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "UPDATE source SET rejected = rejected + ?2,"
                               " last_error = coalesce(?3, last_error), last_error_at = ?4"
                               " WHERE id = ?1",
                               e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  sqlite3_bind_int64(q, 2, n);
  sq_bind_text(q, 3, msg);
  sqlite3_bind_int64(q, 4, at);
  return sq_run(c, q, NULL, e, "source");
}

const struct store_mqtt_ops store_sqlite_mqtt_ops = {
    .account_put = account_put,
    .accounts_each = accounts_each,
    .device_source = device_source,
    .source_note_rejects = source_note_rejects,
};
