/* store_sql.c - the SQLite toolkit every file of the backend uses: opening a
 * connection with zhizhi's pragmas, SQLite errors as ZZ_E* codes, the one
 * statement cache of each read connection, binding and reading values with
 * NULL as 0 or NaN, and running a statement to its end. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "store/store_int.h"

int sq_fail(sqlite3 *db, int rc, struct zz_err *e, const char *what) {
  int base = rc & 0xff;
  if (base == SQLITE_CONSTRAINT) {
    /* SQLite's own words are English either way; the Chinese says what
     * they mean before quoting them. */
    if (!e) return ZZ_EEXISTS;
    const char *why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    char en[sizeof e->msg], zh[sizeof e->msg_zh];
    snprintf(en, sizeof en, "%s: %s", what, why);
    snprintf(zh, sizeof zh, "%s：与已有的数据冲突（%s）", what, why);
    return zz_fail_pair(e, ZZ_EEXISTS, what, en, zh);
  }
  if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
    return zz_fail(e, ZZ_EBUSY, what, "%s: the store is busy", what);
  /* A full disk is the operator's to fix and the client's to retry (507):
   * SQLite says SQLITE_FULL for a short write, and an I/O error whose
   * system errno is ENOSPC or EDQUOT (an fsync, the WAL index) means the
   * same. */
  int sys = db ? sqlite3_system_errno(db) : 0;
  if (base == SQLITE_FULL || (base == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT))) {
    zz_error("store: %s: the disk is full", what);
    return zz_fail(e, ZZ_EFULL, what, "%s: the disk is full; nothing of this request was stored",
                   what);
  }
  zz_error("store: %s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return zz_fail(e, ZZ_ESTORE, what, "%s failed: %s", what,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

int sq_open_db(const char *path, int writer, int sync_full, sqlite3 **out, struct zz_err *e) {
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    int r = zz_fail(e, ZZ_EIO, "data", "cannot open %s: %s", path,
                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return r;
  }
  sqlite3_busy_timeout(db, 10000);
  char pragmas[320];
  /* journal_size_limit: a WAL that a bulk load grew is cut back to 64 MiB
   * when it starts again */
  snprintf(pragmas, sizeof pragmas,
           "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=OFF;"
           "PRAGMA temp_store=MEMORY; PRAGMA cache_size=%s; PRAGMA journal_size_limit=67108864;",
           sync_full ? "FULL" : "NORMAL", writer ? SQ_WRITER_CACHE : SQ_READER_CACHE);
  if ((rc = sqlite3_exec(db, pragmas, NULL, NULL, NULL)) != SQLITE_OK) {
    int r = sq_fail(db, rc, e, "open");
    sqlite3_close(db);
    return r;
  }
  *out = db;
  return 0;
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

/* The way of set to fill with a new statement: an empty one, else the next
 * idle one in turn; NULL when every way is handed out. */
static struct sq_cached *victim(struct sq_conn *c, struct sq_cached *set) {
  for (int i = 0; i < SQ_CACHE_WAYS; i++)
    if (!set[i].q) return &set[i];
  for (int i = 0; i < SQ_CACHE_WAYS; i++) {
    struct sq_cached *k = &set[c->next_way++ % SQ_CACHE_WAYS];
    if (!k->busy) return k;
  }
  return NULL;
}

sqlite3_stmt *sq_prepare(struct sq_conn *c, const char *sql, struct zz_err *e) {
  if (!c) {
    zz_fail(e, ZZ_ESTORE, "store", "no database connection");
    return NULL;
  }
  /* A statement run inside another's rows (deeper than SQ_LENT_MAX), or
   * whose text is cached but handed out, or whose set is all handed out,
   * gets a private copy that sq_release finalizes. */
  if (c->nlent == SQ_LENT_MAX) return prepare(c->db, sql, 0, e);
  uint64_t h = zz_hash_str(sql);
  struct sq_cached *set = c->cache[h % SQ_CACHE_SETS], *k = NULL;
  for (int i = 0; i < SQ_CACHE_WAYS && !k; i++)
    if (set[i].q && set[i].hash == h && strcmp(set[i].sql, sql) == 0) k = &set[i];
  if (k && k->busy) return prepare(c->db, sql, 0, e);
  if (!k) {
    if (!(k = victim(c, set))) return prepare(c->db, sql, 0, e);
    sqlite3_finalize(k->q);
    zz_free(k->sql);
    *k = (struct sq_cached){0};
    char *copy = zz_strdup(sql);
    if (!copy) {
      zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
      return NULL;
    }
    sqlite3_stmt *q = prepare(c->db, sql, SQLITE_PREPARE_PERSISTENT, e);
    if (!q) {
      zz_free(copy);
      return NULL;
    }
    *k = (struct sq_cached){.hash = h, .sql = copy, .q = q};
  }
  k->busy = 1;
  c->lent[c->nlent++] = k;
  return k->q;
}

void sq_release(struct sq_conn *c, sqlite3_stmt *q) {
  if (!q) return;
  for (int i = c ? c->nlent : 0; i-- > 0;) {
    struct sq_cached *k = c->lent[i];
    if (k->q != q) continue;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    k->busy = 0;
    c->lent[i] = c->lent[--c->nlent];
    return;
  }
  sqlite3_finalize(q);
}

void sq_cache_clear(struct sq_conn *c) {
  for (int i = 0; i < SQ_CACHE_SETS; i++) {
    for (int j = 0; j < SQ_CACHE_WAYS; j++) {
      struct sq_cached *k = &c->cache[i][j];
      sqlite3_finalize(k->q);
      zz_free(k->sql);
      *k = (struct sq_cached){0};
    }
  }
  c->nlent = 0;
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

int sq_run(struct sq_conn *c, sqlite3_stmt *q, int64_t *out_id, struct zz_err *e,
           const char *what) {
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    if (out_id) *out_id = sqlite3_column_int64(q, 0);
    while (rc == SQLITE_ROW) rc = sqlite3_step(q);
  }
  int r = rc == SQLITE_DONE ? 0 : sq_fail(c->db, rc, e, what);
  sq_release(c, q);
  return r;
}
