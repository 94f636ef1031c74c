/* store_codes.c - the SQLite side of codes and the public intake
 * (store_codes.h). Like store_orders.c these tables see few writes, so
 * statements are prepared per call on the calling thread's connection;
 * list filters are built from constant fragments and every value is bound. */
#include <string.h>

#include "store/store_int.h"

#define CODE_COLS                                                                                  \
  "id, token, kind, entity, entity_type, region, rpos, state, created, revoked_at, replaced_by"

static void code_row(sqlite3_stmt *q, struct store_code *c) {
  *c = (struct store_code){.id = sqlite3_column_int64(q, 0),
                           .token = sq_col_text(q, 1),
                           .kind = sq_col_text(q, 2),
                           .entity = sq_col_text(q, 3),
                           .entity_type = sq_col_text(q, 4),
                           .region = sqlite3_column_int64(q, 5),
                           .rpos = sqlite3_column_int64(q, 6),
                           .state = sq_col_text(q, 7),
                           .created = sqlite3_column_int64(q, 8),
                           .revoked_at = sqlite3_column_int64(q, 9),
                           .replaced_by = sqlite3_column_int64(q, 10)};
}

/* Inserts c as active (inside the caller's transaction or autocommit).
 * Returns 0 with *out_id, ZZ_EEXISTS when (entity, kind) has an active code. */
static int insert_one(struct sq_conn *conn, const struct store_code *c, int64_t *out_id,
                      struct zz_err *e) {
  sqlite3_stmt *q =
      sq_prepare(conn,
                 "INSERT INTO code(token, kind, entity, entity_type, region, rpos, state,"
                 " created) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7)",
                 e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, c->token);
  sq_bind_text(q, 2, c->kind);
  sq_bind_text(q, 3, c->entity);
  sq_bind_text(q, 4, c->entity_type);
  sqlite3_bind_int64(q, 5, c->region);
  sqlite3_bind_int64(q, 6, c->rpos);
  sqlite3_bind_int64(q, 7, c->created);
  int rc = sqlite3_step(q);
  sq_release(conn, q);
  if (rc == SQLITE_CONSTRAINT) return ZZ_EEXISTS;
  if (rc != SQLITE_DONE) return sq_fail(conn->db, rc, e, "code");
  *out_id = sqlite3_last_insert_rowid(conn->db);
  return 0;
}

static int code_insert(struct store *st, const struct store_code *c, int64_t *out_id, int *created,
                       struct zz_err *e) {
  struct sq_conn *conn = sq_conn_get(SQ_S(st));
  *created = 0;
  int rc = insert_one(conn, c, out_id, e);
  if (rc == 0) {
    *created = 1;
    return 0;
  }
  if (rc != ZZ_EEXISTS) return rc;
  sqlite3_stmt *q = sq_prepare(
      conn, "SELECT id FROM code WHERE entity = ?1 AND kind = ?2 AND state = 'active'", e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, c->entity);
  sq_bind_text(q, 2, c->kind);
  rc = ZZ_ESTORE;
  if (sqlite3_step(q) == SQLITE_ROW) {
    *out_id = sqlite3_column_int64(q, 0);
    rc = 0;
  } else {
    zz_fail(e, ZZ_ESTORE, "code", "a code token collided; try again");
  }
  sq_release(conn, q);
  return rc;
}

static int code_get(struct store *st, const char *token, int64_t id,
                    int (*fn)(void *, const struct store_code *), void *ud) {
  struct sq_conn *conn = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(conn,
                               id ? "SELECT " CODE_COLS " FROM code WHERE id = ?2"
                                  : "SELECT " CODE_COLS " FROM code WHERE token = ?1",
                               NULL);
  if (!q) return ZZ_ESTORE;
  if (id)
    sqlite3_bind_int64(q, 2, id);
  else
    sq_bind_text(q, 1, token);
  int r = ZZ_ENOTFOUND;
  if (sqlite3_step(q) == SQLITE_ROW) {
    struct store_code c;
    code_row(q, &c);
    fn(ud, &c);
    r = 0;
  }
  sq_release(conn, q);
  return r;
}

static int codes_each(struct store *st, const struct store_code_filter *f,
                      int (*fn)(void *, const struct store_code *), void *ud) {
  struct sq_conn *conn = sq_conn_get(SQ_S(st));
  struct zz_buf sql;
  zz_buf_init(&sql, 0);
  zz_buf_adds(&sql, "SELECT " CODE_COLS " FROM code WHERE 1");
  if (f->kind) zz_buf_adds(&sql, " AND kind = ?1");
  if (f->state) zz_buf_adds(&sql, " AND state = ?2");
  if (f->entity_type) zz_buf_adds(&sql, " AND entity_type = ?3");
  if (f->entity) zz_buf_adds(&sql, " AND entity = ?4");
  if (f->rpos_lo || f->rpos_hi) zz_buf_adds(&sql, " AND rpos BETWEEN ?5 AND ?6");
  if (f->after_id) zz_buf_adds(&sql, " AND id > ?7");
  zz_buf_adds(&sql, " ORDER BY id LIMIT ?8");
  sqlite3_stmt *q = sql.data ? sq_prepare(conn, sql.data, NULL) : NULL;
  zz_buf_free(&sql);
  if (!q) return ZZ_ESTORE;
  if (f->kind) sq_bind_text(q, 1, f->kind);
  if (f->state) sq_bind_text(q, 2, f->state);
  if (f->entity_type) sq_bind_text(q, 3, f->entity_type);
  if (f->entity) sq_bind_text(q, 4, f->entity);
  if (f->rpos_lo || f->rpos_hi) {
    sqlite3_bind_int64(q, 5, f->rpos_lo);
    sqlite3_bind_int64(q, 6, f->rpos_hi);
  }
  if (f->after_id) sqlite3_bind_int64(q, 7, f->after_id);
  sqlite3_bind_int(q, 8, f->limit > 0 ? f->limit : -1);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_code c;
    code_row(q, &c);
    if (fn(ud, &c)) break;
  }
  sq_release(conn, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int code_revoke(struct store *st, int64_t id, int64_t now, const struct store_code *c,
                       int64_t *out_id, struct zz_err *e) {
  struct sq_conn *conn = sq_conn_get(SQ_S(st));
  if (!conn) return zz_fail(e, ZZ_ESTORE, "store", "no database connection");
  int rc = sq_begin(conn, e);
  if (rc) return rc;
  sqlite3_stmt *q = sq_prepare(
      conn, "UPDATE code SET state = 'revoked', revoked_at = ?2 WHERE id = ?1 AND state = 'active'",
      e);
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  sqlite3_bind_int64(q, 1, id);
  sqlite3_bind_int64(q, 2, now);
  rc = sqlite3_step(q);
  sq_release(conn, q);
  if (rc != SQLITE_DONE) {
    rc = sq_fail(conn->db, rc, e, "code");
    goto done;
  }
  if (sqlite3_changes(conn->db) == 0) {
    rc = zz_fail(e, ZZ_ECONFLICT, "id", "code %lld is not active", (long long)id);
    goto done;
  }
  rc = 0;
  if (c) {
    if ((rc = insert_one(conn, c, out_id, e))) {
      if (rc == ZZ_EEXISTS)
        rc = zz_fail(e, ZZ_ECONFLICT, "id", "the entity already has an active code");
      goto done;
    }
    if (!(q = sq_prepare(conn, "UPDATE code SET replaced_by = ?2 WHERE id = ?1", e))) {
      rc = ZZ_ESTORE;
      goto done;
    }
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, *out_id);
    int r = sqlite3_step(q);
    sq_release(conn, q);
    if (r != SQLITE_DONE) rc = sq_fail(conn->db, r, e, "code");
  }
done:
  return sq_finish(conn, rc, e);
}

static int code_scan(struct store *st, int64_t code, int64_t day, struct zz_err *e) {
  struct sq_conn *conn = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(conn,
                               "INSERT INTO code_scan(code, day, n) VALUES(?1, ?2, 1)"
                               " ON CONFLICT(code, day) DO UPDATE SET n = n + 1",
                               e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, code);
  sqlite3_bind_int64(q, 2, day);
  int rc = sqlite3_step(q);
  sq_release(conn, q);
  return rc == SQLITE_DONE ? 0 : sq_fail(conn->db, rc, e, "code_scan");
}

static int code_scans_each(struct store *st, int64_t code, int limit,
                           int (*fn)(void *, int64_t, int64_t), void *ud) {
  struct sq_conn *conn = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      conn, "SELECT day, n FROM code_scan WHERE code = ?1 ORDER BY day DESC LIMIT ?2", NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, code);
  sqlite3_bind_int(q, 2, limit > 0 ? limit : -1);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW)
    if (fn(ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1))) break;
  sq_release(conn, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int receipt_insert(struct store *st, const struct store_receipt *in, struct zz_err *e) {
  struct sq_conn *conn = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(conn,
                               "INSERT INTO intake(receipt, order_id, code, phone, created, public)"
                               " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                               e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, in->receipt);
  sqlite3_bind_int64(q, 2, in->order_id);
  if (in->code)
    sqlite3_bind_int64(q, 3, in->code);
  else
    sqlite3_bind_null(q, 3);
  sq_bind_text(q, 4, in->phone);
  sqlite3_bind_int64(q, 5, in->created);
  sqlite3_bind_int(q, 6, in->public_consent ? 1 : 0);
  int rc = sqlite3_step(q);
  sq_release(conn, q);
  if (rc == SQLITE_CONSTRAINT) return zz_fail(e, ZZ_EEXISTS, "receipt", "receipt already taken");
  return rc == SQLITE_DONE ? 0 : sq_fail(conn->db, rc, e, "intake");
}

static int receipt_get(struct store *st, const char *receipt, int64_t order_id,
                       int (*fn)(void *, const struct store_receipt *), void *ud) {
  struct sq_conn *conn = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(conn,
                 order_id ? "SELECT receipt, order_id, code, phone, created, public FROM intake"
                            " WHERE order_id = ?2"
                          : "SELECT receipt, order_id, code, phone, created, public FROM intake"
                            " WHERE receipt = ?1",
                 NULL);
  if (!q) return ZZ_ESTORE;
  if (order_id)
    sqlite3_bind_int64(q, 2, order_id);
  else
    sq_bind_text(q, 1, receipt);
  int r = ZZ_ENOTFOUND;
  if (sqlite3_step(q) == SQLITE_ROW) {
    struct store_receipt in = {.receipt = sq_col_text(q, 0),
                               .order_id = sqlite3_column_int64(q, 1),
                               .code = sqlite3_column_int64(q, 2),
                               .phone = sq_col_text(q, 3),
                               .created = sqlite3_column_int64(q, 4),
                               .public_consent = sqlite3_column_int(q, 5)};
    fn(ud, &in);
    r = 0;
  }
  sq_release(conn, q);
  return r;
}

const struct store_codes_ops store_sqlite_codes_ops = {
    .code_insert = code_insert,
    .code_get = code_get,
    .codes_each = codes_each,
    .code_revoke = code_revoke,
    .code_scan = code_scan,
    .code_scans_each = code_scans_each,
    .receipt_insert = receipt_insert,
    .receipt_get = receipt_get,
};
