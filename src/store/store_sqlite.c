/* store_sqlite.c - the SQLite backend as a whole: opening (with the
 * data-directory lock and the migrations) and closing the store, the
 * per-thread read connections, their transactions, the online backup, and
 * the table that joins the domain files' sub-tables (store_registry.c,
 * store_records.c, ...). Record writes are the writer thread's
 * (store_writer.c). */
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

static void conn_close(struct sq_conn *c) {
  sq_cache_clear(c);
  for (int i = 0; i < SQ_SERIES_LISTS; i++)
    zz_free(c->lists[i].series), zz_free(c->lists[i].entity);
  sqlite3_close(c->db);
  zz_free(c);
}

/* Connections stay open until the store closes, which knows all of them, so
 * the thread key needs no destructor. */

struct sq_conn *sq_conn_get(struct sq_store *s) {
  struct sq_conn *c = pthread_getspecific(s->conn_key);
  if (c) return c;
  c = zz_calloc(1, sizeof *c);
  if (!c) return NULL;
  struct zz_err e;
  if (sq_open_db(s->path, 0, s->opts.synchronous_full, &c->db, &e)) {
    zz_error("store: read connection: %s", e.msg);
    zz_free(c);
    return NULL;
  }
  sq_checkpoint_hook(s, c->db);
  pthread_mutex_lock(&s->conns_lock);
  c->next = s->conns;
  s->conns = c;
  pthread_mutex_unlock(&s->conns_lock);
  pthread_setspecific(s->conn_key, c);
  return c;
}

/* ---- transactions ---- */

/* Runs one statement without results through the statement cache (the
 * transaction statements run several times per public report). */
static int exec(struct sq_conn *c, const char *sql) {
  sqlite3_stmt *q = sq_prepare(c, sql, NULL);
  if (!q) return sqlite3_errcode(c->db) != SQLITE_OK ? sqlite3_errcode(c->db) : SQLITE_ERROR;
  int rc = sqlite3_step(q);
  sq_release(c, q);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* The outer transaction of c is gone: SQLite rolled it back after an I/O
 * error or a full disk in one of its statements. */
static int txn_lost(struct sq_conn *c, struct zz_err *e) {
  int code = c->lost ? c->lost : ZZ_ESTORE;
  return zz_fail(e, code, "store",
                 code == ZZ_EFULL ? "the disk is full; nothing of this request was stored"
                                  : "the store failed; nothing of this request was stored");
}

int sq_begin(struct sq_conn *c, struct zz_err *e) {
  sqlite3 *db = c->db;
  if (c->outer && sqlite3_get_autocommit(db)) return txn_lost(c, e);
  if (!sqlite3_get_autocommit(db)) {
    int rc = exec(c, "SAVEPOINT zz_nested");
    if (rc != SQLITE_OK) return sq_fail(db, rc, e, "savepoint");
    c->nested++;
    return 0;
  }
  int rc = exec(c, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return sq_fail(db, rc, e, "begin");
  c->outer = 1, c->lost = 0;
  return 0;
}

int sq_finish(struct sq_conn *c, int rc, struct zz_err *e) {
  sqlite3 *db = c->db;
  if (c->nested > 0) {
    c->nested--;
    if (sqlite3_get_autocommit(db)) { /* the whole transaction went back */
      if (!c->lost) c->lost = rc == ZZ_EFULL ? ZZ_EFULL : ZZ_ESTORE;
      return rc ? rc : txn_lost(c, e);
    }
    if (rc) {
      exec(c, "ROLLBACK TO zz_nested");
      exec(c, "RELEASE zz_nested");
      return rc;
    }
    int r = exec(c, "RELEASE zz_nested");
    return r == SQLITE_OK ? 0 : sq_fail(db, r, e, "release");
  }
  int lost = c->outer && sqlite3_get_autocommit(db);
  if (lost && !rc) rc = txn_lost(c, e);
  c->outer = 0, c->lost = 0;
  if (rc) {
    if (!lost) exec(c, "ROLLBACK");
    return rc;
  }
  int r = exec(c, "COMMIT");
  if (r != SQLITE_OK) {
    rc = sq_fail(db, r, e, "commit");
    exec(c, "ROLLBACK");
  }
  return rc;
}

/* ---- maintenance ---- */

/* Transactions of the calling thread's connection; nested ones are
 * savepoints (see sq_begin). */
static int txn(struct store *st, int what, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  if (!c) return zz_fail(e, ZZ_ESTORE, "store", "no database connection");
  if (what == STORE_TXN_BEGIN) return sq_begin(c, e);
  if (what == STORE_TXN_COMMIT) return sq_finish(c, 0, e);
  sq_finish(c, ZZ_ESTORE, NULL);
  return 0;
}

static int backup_db(sqlite3 *src, const char *path, void (*progress)(void *, int, int), void *ud,
                     struct zz_err *e) {
  sqlite3 *dst = NULL;
  int rc = sqlite3_open(path, &dst);
  if (rc != SQLITE_OK) {
    int r = zz_fail(e, ZZ_EIO, "out", "cannot create %s: %s", path, sqlite3_errmsg(dst));
    sqlite3_close(dst);
    return r;
  }
  sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) {
    int r = zz_fail(e, ZZ_EIO, "out", "cannot back up to %s: %s", path, sqlite3_errmsg(dst));
    sqlite3_close(dst);
    return r;
  }
  /* Copy in steps so writers are only paused briefly; a write during the copy
   * restarts it from where the source changed (SQLite handles that). */
  do {
    rc = sqlite3_backup_step(b, 4096);
    if (progress)
      progress(ud, sqlite3_backup_pagecount(b) - sqlite3_backup_remaining(b),
               sqlite3_backup_pagecount(b));
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(b);
  int r = 0;
  if (rc != SQLITE_DONE)
    r = zz_fail(e, ZZ_EIO, "out", "backup to %s failed: %s", path, sqlite3_errstr(rc));
  sqlite3_close(dst);
  return r;
}

static int backup(struct store *st, const char *path, void (*progress)(void *, int, int), void *ud,
                  struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  if (!c) return zz_fail(e, ZZ_ESTORE, "store", "no database connection");
  return backup_db(c->db, path, progress, ud, e);
}

int store_sqlite_backup(const char *dir, const char *out, void (*progress)(void *, int, int),
                        void *ud, struct zz_err *e) {
  char path[4096];
  snprintf(path, sizeof path, "%s/zhizhi.db", dir);
  if (access(path, R_OK) != 0)
    return zz_fail(e, ZZ_ENOTFOUND, "data", "no zhizhi database in %s", dir);
  sqlite3 *db = NULL;
  int rc = sq_open_db(path, 0, 0, &db, e);
  if (!rc) rc = backup_db(db, out, progress, ud, e);
  sqlite3_close(db);
  return rc;
}

static void sq_close(struct store *st) {
  struct sq_store *s = SQ_S(st);
  sq_writer_stop(s);
  reclog_close(s->rl);
  pthread_mutex_lock(&s->conns_lock);
  struct sq_conn *c = s->conns;
  s->conns = NULL;
  pthread_mutex_unlock(&s->conns_lock);
  while (c) {
    struct sq_conn *next = c->next;
    conn_close(c);
    c = next;
  }
  pthread_key_delete(s->conn_key);
  pthread_mutex_destroy(&s->conns_lock);
  if (s->lock_fd >= 0) close(s->lock_fd);
  zz_free(s->dir);
  zz_free(s->path);
  zz_free(s);
}

/* One writing process per data directory: the writer's caches (series ids,
 * last values) are only right if nobody else writes records. */
static int take_lock(struct sq_store *s, struct zz_err *e) {
  char path[4096];
  snprintf(path, sizeof path, "%s/zhizhi.lock", s->dir);
  s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (s->lock_fd < 0)
    return zz_fail(e, ZZ_EIO, "data", "cannot open %s: %s", path, strerror(errno));
  if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = "?";
    ssize_t n = pread(s->lock_fd, pid, sizeof pid - 1, 0);
    if (n > 0) pid[n] = 0;
    pid[strcspn(pid, "\n")] = 0;
    close(s->lock_fd);
    s->lock_fd = -1;
    return zz_fail(e, ZZ_EBUSY, "data",
                   "data directory %s is in use by another zhizhi (pid %s): stop it first, or send "
                   "records to its API",
                   s->dir, pid);
  }
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(s->lock_fd, 0) == 0 && pwrite(s->lock_fd, pid, (size_t)n, 0) != n)
    zz_warn("store: cannot write %s", path);
  return 0;
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .txn = txn,
    .prune = sq_prune,
    .backup = backup,
    .close = sq_close,
    .registry = &store_sqlite_registry_ops,
    .records = &store_sqlite_records_ops,
    .accounts = &store_sqlite_accounts_ops,
    .orders = &store_sqlite_orders_ops,
    .alerts = &store_sqlite_alerts_ops,
    .catalog = &store_sqlite_catalog_ops,
    .codes = &store_sqlite_codes_ops,
    .applications = &store_sqlite_applications_ops,
    .cases = &store_sqlite_cases_ops,
    .audit = &store_sqlite_audit_ops,
    .mqtt = &store_sqlite_mqtt_ops,
    .notify = &store_sqlite_notify_ops,
    .usage = &store_sqlite_usage_ops,
    .campaigns = &store_sqlite_campaigns_ops,
    .inspections = &store_sqlite_inspections_ops,
};

int store_sqlite_open(const struct store_open_opts *opts, struct store **out, struct zz_err *e) {
  if (mkdir(opts->dir, 0750) != 0 && errno != EEXIST)
    return zz_fail(e, ZZ_EIO, "data", "cannot create data directory %s: %s", opts->dir,
                   strerror(errno));
  struct sq_store *s = zz_calloc(1, sizeof *s);
  if (!s) return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  s->base.ops = &sqlite_ops;
  s->opts = *opts;
  /* Versions of different stores in one process never coincide, so a cache
   * keyed by (store, version) cannot mistake a new store at an old address. */
  static atomic_llong opened;
  atomic_store(&s->series_version, atomic_fetch_add(&opened, 1) << 40);
  s->dir = zz_strdup(opts->dir);
  size_t plen = strlen(opts->dir) + 16;
  s->path = zz_malloc(plen);
  if (!s->dir || !s->path) {
    zz_free(s->dir);
    zz_free(s->path);
    zz_free(s);
    return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  }
  snprintf(s->path, plen, "%s/zhizhi.db", opts->dir);
  s->opts.dir = s->dir;
  pthread_mutex_init(&s->conns_lock, NULL);
  pthread_key_create(&s->conn_key, NULL);
  s->lock_fd = -1;
  sqlite3 *db = NULL;
  int rc = opts->no_writer ? 0 : take_lock(s, e);
  if (!rc) rc = sq_open_db(s->path, 1, opts->synchronous_full, &db, e);
  if (!rc) rc = sq_migrate(db, e);
  /* a store without a writer (admin commands) opens the records when it
   * first reads them (sq_records_get) */
  if (!rc && !opts->no_writer) rc = sq_reclog_open(s, db, e);
  sqlite3_close(db);
  if (!rc && !opts->no_writer) rc = sq_writer_start(s, e);
  if (rc) {
    reclog_close(s->rl);
    if (s->lock_fd >= 0) close(s->lock_fd);
    pthread_key_delete(s->conn_key);
    pthread_mutex_destroy(&s->conns_lock);
    zz_free(s->dir);
    zz_free(s->path);
    zz_free(s);
    return rc;
  }
  *out = &s->base;
  return 0;
}
