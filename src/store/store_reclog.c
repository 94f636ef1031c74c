/* store_reclog.c - the SQLite store's side of the records engine
 * (reclog.h): where the engine's log stands is a pair of counter rows
 * committed with the rollups, read back at open; a store made before the
 * engine has its records moved out of the old `record` table once. */
#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "store/store_int.h"

int sq_reclog_pos_get(sqlite3 *db, struct reclog_pos *out) {
  return sq_reclog_pos_get2(db, out, NULL);
}

int sq_reclog_pos_get2(sqlite3 *db, struct reclog_pos *committed, struct reclog_pos *applied) {
  sqlite3_stmt *q = NULL;
  struct reclog_pos c = {1, 0}, a = {0, -1};
  int rc = sqlite3_prepare_v2(db,
                              "SELECT key, n FROM counter WHERE key IN ('reclog_gen', 'reclog_end',"
                              " 'rollup_gen', 'rollup_end')",
                              -1, &q, NULL);
  if (rc != SQLITE_OK) return rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(q, 0);
    int64_t n = sqlite3_column_int64(q, 1);
    if (!k) continue;
    if (strcmp(k, "reclog_gen") == 0) c.gen = n;
    if (strcmp(k, "reclog_end") == 0) c.end = n;
    if (strcmp(k, "rollup_gen") == 0) a.gen = n;
    if (strcmp(k, "rollup_end") == 0) a.end = n;
  }
  sqlite3_finalize(q);
  if (a.gen < 1 || a.end < 0) a = c; /* no deferred rollups noted: they hold all */
  *committed = c;
  if (applied) *applied = a;
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ---- records of a store made before the engine ---- */

struct legacy {
  sqlite3_stmt *q;
  int64_t n, total;
};

static int legacy_next(void *ud, uint32_t *series, int64_t *ts, double *value) {
  struct legacy *l = ud;
  int rc = sqlite3_step(l->q);
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) return -1;
  *series = (uint32_t)sqlite3_column_int64(l->q, 0);
  *ts = sqlite3_column_int64(l->q, 1);
  *value = sqlite3_column_double(l->q, 2);
  if (++l->n % 1000000 == 0)
    zz_info("store: moved %lld of %lld records into the records engine", (long long)l->n,
            (long long)l->total);
  return 1;
}

/* Seals the old table's rows as generation 0, then empties the table: a
 * crash in between leaves both, and the next open seals them again. */
static int import_legacy(struct sq_store *s, sqlite3 *db, struct zz_err *e) {
  sqlite3_stmt *q = NULL;
  int64_t any = 0;
  if (sqlite3_prepare_v2(db, "SELECT EXISTS (SELECT 1 FROM record)", -1, &q, NULL) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW)
    any = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  if (!any) return 0;
  struct legacy l = {0};
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM record", -1, &q, NULL) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW)
    l.total = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  zz_info("store: moving %lld records from the database into the records engine",
          (long long)l.total);
  int rc = sqlite3_prepare_v2(db, "SELECT series, ts, value FROM record ORDER BY series, ts", -1,
                              &l.q, NULL);
  if (rc != SQLITE_OK) return sq_fail(db, rc, e, "records");
  int64_t n = 0;
  int r = reclog_import(s->rl, legacy_next, &l, &n, e);
  sqlite3_finalize(l.q);
  if (r) return r;
  /* DELETE without a WHERE empties the table at once (SQLite's truncate
   * optimization) */
  if ((rc = sqlite3_exec(db, "DELETE FROM record", NULL, NULL, NULL)) != SQLITE_OK)
    return sq_fail(db, rc, e, "records");
  zz_info("store: %lld records moved into the records engine", (long long)n);
  return 0;
}

int sq_reclog_open(struct sq_store *s, sqlite3 *db, struct zz_err *e) {
  struct reclog_pos pos, applied;
  int rc = sq_reclog_pos_get2(db, &pos, &applied);
  if (rc != SQLITE_OK) return sq_fail(db, rc, e, "records");
  size_t n = strlen(s->dir) + 16;
  char *dir = zz_malloc(n);
  if (!dir) return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  snprintf(dir, n, "%s/records", s->dir);
  struct reclog_opts o = {.dir = dir,
                          .writer = !s->opts.no_writer,
                          .sync_full = s->opts.synchronous_full,
                          .seal_records = s->opts.seal_records,
                          .committed = pos,
                          .applied = applied};
  /* A reader (check, exports) sees the records as far as the rollups hold
   * them: what it reads and what they say agree. The writer replays the
   * rest into the rollups at its start (store_writer.c). */
  if (!o.writer) o.committed = applied;
  int r = reclog_open(&o, &s->rl, e);
  zz_free(dir);
  if (!r && o.writer) r = import_legacy(s, db, e);
  return r;
}

struct reclog *sq_records_get(struct sq_store *s) {
  if (s->rl) return s->rl;
  pthread_mutex_lock(&s->conns_lock);
  if (!s->rl) {
    struct sq_conn *c = NULL;
    struct zz_err e = {0};
    pthread_mutex_unlock(&s->conns_lock);
    c = sq_conn_get(s); /* takes conns_lock itself */
    pthread_mutex_lock(&s->conns_lock);
    if (!s->rl && (!c || sq_reclog_open(s, c->db, &e)))
      zz_error("store: cannot open the records: %s", c ? e.msg : "no database connection");
  }
  pthread_mutex_unlock(&s->conns_lock);
  return s->rl;
}
