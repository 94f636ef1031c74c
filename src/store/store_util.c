/* store_util.c - small SQLite helpers shared by the store's files: the
 * calling thread's connection, preparing with a logged error, binding and
 * reading text/NULL and real/NaN, running a statement to its end, and the
 * write transaction of the per-call stores (orders, codes, catalog). */
#include <math.h>

#include "store/store_int.h"

sqlite3 *sq_conn_db(struct store *st) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  return c ? c->db : NULL;
}

sqlite3_stmt *sq_prepare(sqlite3 *db, const char *sql, struct zz_err *e) {
  sqlite3_stmt *q = NULL;
  if (!db) {
    zz_fail(e, ZZ_ESTORE, "store", "no database connection");
    return NULL;
  }
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
    zz_error("store: prepare failed: %s: %s", sqlite3_errmsg(db), sql);
    zz_fail(e, ZZ_ESTORE, "store", "cannot prepare a statement: %s", sqlite3_errmsg(db));
    return NULL;
  }
  return q;
}

void sq_bind_text(sqlite3_stmt *q, int i, const char *s) {
  if (s)
    sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(q, i);
}

void sq_bind_i64z(sqlite3_stmt *q, int i, int64_t v) {
  if (v)
    sqlite3_bind_int64(q, i, v);
  else
    sqlite3_bind_null(q, i);
}

void sq_bind_real(sqlite3_stmt *q, int i, double v) {
  if (isnan(v))
    sqlite3_bind_null(q, i);
  else
    sqlite3_bind_double(q, i, v);
}

const char *sq_col_text(sqlite3_stmt *q, int i) {
  return (const char *)sqlite3_column_text(q, i);
}

double sq_col_real(sqlite3_stmt *q, int i) {
  return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

int sq_run(sqlite3 *db, sqlite3_stmt *q, int64_t *out_id, struct zz_err *e, const char *what) {
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    if (out_id) *out_id = sqlite3_column_int64(q, 0);
    while (rc == SQLITE_ROW) rc = sqlite3_step(q);
  }
  int r = rc == SQLITE_DONE ? 0 : sq_fail(db, rc, e, what);
  sqlite3_finalize(q);
  return r;
}

int sq_begin(sqlite3 *db, struct zz_err *e) {
  int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : sq_fail(db, rc, e, "begin");
}

int sq_finish(sqlite3 *db, int rc, struct zz_err *e) {
  if (rc) {
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
  }
  int r = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  if (r != SQLITE_OK) {
    rc = sq_fail(db, r, e, "commit");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  }
  return rc;
}
