/* store_util.c - small SQLite helpers shared by the store's files: the
 * calling thread's connection, preparing with a logged error, binding and
 * reading text/NULL and real/NaN, running a statement to its end, and the
 * write transaction of the per-call stores (orders, codes, catalog). */
#include <math.h>
#include <string.h>

#include "store/store_int.h"

/* The connection the calling thread last took from sq_conn_db: its
 * statement cache serves sq_prepare on the same db. Every store operation
 * takes its connection before preparing, so this is never stale when read. */
static __thread struct sq_conn *tl_conn;

sqlite3 *sq_conn_db(struct store *st) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  tl_conn = c;
  return c ? c->db : NULL;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, unsigned flags, struct zz_err *e) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v3(db, sql, -1, flags, &q, NULL) != SQLITE_OK) {
    zz_error("store: prepare failed: %s: %s", sqlite3_errmsg(db), sql);
    zz_fail(e, ZZ_ESTORE, "store", "cannot prepare a statement: %s", sqlite3_errmsg(db));
    return NULL;
  }
  return q;
}

sqlite3_stmt *sq_prepare(sqlite3 *db, const char *sql, struct zz_err *e) {
  if (!db) {
    zz_fail(e, ZZ_ESTORE, "store", "no database connection");
    return NULL;
  }
  struct sq_conn *c = tl_conn;
  if (!c || c->db != db) return prepare(db, sql, 0, e);
  /* slots are told apart by the text's hash before their text is compared
   * (the orders' statements share a 400-byte column list) */
  uint64_t h = zz_hash_str(sql);
  struct sq_cached *free_slot = NULL;
  for (int i = 0; i < SQ_CACHED; i++) {
    struct sq_cached *k = &c->cached[i];
    if (!k->q) {
      if (!free_slot) free_slot = k;
    } else if (!k->busy && k->hash == h && strcmp(k->sql, sql) == 0) {
      k->busy = 1;
      return k->q;
    }
  }
  /* A statement already handed out (a query run inside another's rows)
   * gets a private copy rather than the cached one. */
  if (!free_slot) {
    for (int i = 0; i < SQ_CACHED && !free_slot; i++) {
      struct sq_cached *k = &c->cached[c->next_cached++ % SQ_CACHED];
      if (!k->busy) free_slot = k;
    }
    if (!free_slot) return prepare(db, sql, 0, e);
    sqlite3_finalize(free_slot->q);
    zz_free(free_slot->sql);
    free_slot->q = NULL;
    free_slot->sql = NULL;
  }
  char *copy = zz_strdup(sql);
  if (!copy) {
    zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
    return NULL;
  }
  sqlite3_stmt *q = prepare(db, sql, SQLITE_PREPARE_PERSISTENT, e);
  if (!q) {
    zz_free(copy);
    return NULL;
  }
  free_slot->hash = h;
  free_slot->sql = copy;
  free_slot->q = q;
  free_slot->busy = 1;
  return q;
}

void sq_release(sqlite3_stmt *q) {
  if (!q) return;
  struct sq_conn *c = tl_conn;
  if (c && c->db == sqlite3_db_handle(q)) {
    for (int i = 0; i < SQ_CACHED; i++) {
      if (c->cached[i].q == q) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        c->cached[i].busy = 0;
        return;
      }
    }
  }
  sqlite3_finalize(q);
}

void sq_cache_clear(struct sq_conn *c) {
  for (int i = 0; i < SQ_CACHED; i++) {
    sqlite3_finalize(c->cached[i].q);
    zz_free(c->cached[i].sql);
    c->cached[i].q = NULL;
    c->cached[i].sql = NULL;
  }
  if (tl_conn == c) tl_conn = NULL;
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
  sq_release(q);
  return r;
}

/* The calling thread's connection when it is db: its savepoint count. */
static struct sq_conn *nest_conn(sqlite3 *db) {
  return tl_conn && tl_conn->db == db ? tl_conn : NULL;
}

/* Runs one statement without results through the statement cache (the
 * transaction statements run several times per public report). */
static int exec(sqlite3 *db, const char *sql) {
  sqlite3_stmt *q = sq_prepare(db, sql, NULL);
  if (!q) return sqlite3_errcode(db) != SQLITE_OK ? sqlite3_errcode(db) : SQLITE_ERROR;
  int rc = sqlite3_step(q);
  sq_release(q);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* The outer transaction of c is gone: SQLite rolled it back after an I/O
 * error or a full disk in one of its statements. */
static int txn_lost(sqlite3 *db, struct sq_conn *c, struct zz_err *e) {
  int code = c->lost ? c->lost : ZZ_ESTORE;
  (void)db;
  return zz_fail(e, code, "store",
                 code == ZZ_EFULL ? "the disk is full; nothing of this request was stored"
                                  : "the store failed; nothing of this request was stored");
}

int sq_begin(sqlite3 *db, struct zz_err *e) {
  struct sq_conn *c = nest_conn(db);
  if (c && c->outer && sqlite3_get_autocommit(db)) return txn_lost(db, c, e);
  if (c && !sqlite3_get_autocommit(db)) {
    int rc = exec(db, "SAVEPOINT zz_nested");
    if (rc != SQLITE_OK) return sq_fail(db, rc, e, "savepoint");
    c->nested++;
    return 0;
  }
  int rc = exec(db, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return sq_fail(db, rc, e, "begin");
  if (c) c->outer = 1, c->lost = 0;
  return 0;
}

int sq_finish(sqlite3 *db, int rc, struct zz_err *e) {
  struct sq_conn *c = nest_conn(db);
  if (c && c->nested > 0) {
    c->nested--;
    if (sqlite3_get_autocommit(db)) { /* the whole transaction went back */
      if (!c->lost) c->lost = rc == ZZ_EFULL ? ZZ_EFULL : ZZ_ESTORE;
      return rc ? rc : txn_lost(db, c, e);
    }
    if (rc) {
      exec(db, "ROLLBACK TO zz_nested");
      exec(db, "RELEASE zz_nested");
      return rc;
    }
    int r = exec(db, "RELEASE zz_nested");
    return r == SQLITE_OK ? 0 : sq_fail(db, r, e, "release");
  }
  int lost = c && c->outer && sqlite3_get_autocommit(db);
  if (lost && !rc) rc = txn_lost(db, c, e);
  if (c) c->outer = 0, c->lost = 0;
  if (rc) {
    if (!lost) exec(db, "ROLLBACK");
    return rc;
  }
  int r = exec(db, "COMMIT");
  if (r != SQLITE_OK) {
    rc = sq_fail(db, r, e, "commit");
    exec(db, "ROLLBACK");
  }
  return rc;
}
