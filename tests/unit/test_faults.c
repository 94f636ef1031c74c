/* test_faults.c - nothing answered that is not stored. A fault-injecting
 * SQLite VFS (a shim over the default one) fails the Nth write or sync with
 * SQLITE_FULL or SQLITE_IOERR, swept over N, while the store does what
 * ingest, events, order actions, the public intake (customer codes), codes
 * and applications do. After each run the database is reopened: integrity
 * check ok, every acknowledged item present, every unacknowledged one wholly
 * absent, rollups equal to the records they sum, and writes made after the
 * fault cleared (space freed) succeed without a restart. A joint dispatch
 * (the joint order and a sub-order per department), a department's
 * decision (accept, resolve, the decision's row) and the last material of
 * an application (its row and the dispatch it triggers) failed at each of
 * their writes leave, after reopening, the whole change or nothing of it. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "applications/applications.h"
#include "core/ztime.h"
#include "model/roles.h"
#include "model/registry.h"
#include "store/reclog.h"
#include "store/store.h"
#include "store/store_applications.h"
#include "store/store_catalog.h"
#include "store/store_codes.h"
#include "store/store_orders.h"
#include "store/store_records.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"
#include "support.h"

/* ---- the fault VFS ---- */

enum { FAULT_WRITE = 1, FAULT_SYNC = 2, FAULT_READ = 4 };

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;
static atomic_long countdown; /* the Nth write/sync from arming fails; 0: off */
static atomic_int tripped;    /* a fault was injected */
static int fault_on;          /* FAULT_WRITE or FAULT_SYNC */
static int fault_rc;          /* what the faulty call returns */
static int fault_sticky;      /* after the first, every such call fails (a full disk) */

struct ffile {
  sqlite3_file base;
  sqlite3_file *real; /* allocated right after this struct */
};

static int inject(int what) {
  if (!(fault_on & what)) return 0;
  if (fault_sticky && atomic_load(&tripped)) return 1;
  if (atomic_load(&countdown) <= 0) return 0;
  if (atomic_fetch_sub(&countdown, 1) != 1) return 0;
  atomic_store(&tripped, 1);
  return 1;
}

/* The records engine's own files (store/reclog.h) fail through the same
 * countdown: a full disk or an I/O error there as well. */
static int engine_fault(enum reclog_io what) {
  if (!inject(what == RECLOG_IO_SYNC ? FAULT_SYNC : FAULT_WRITE)) return 0;
  return (fault_rc & 0xff) == SQLITE_FULL ? ENOSPC : EIO;
}

static void disarm(void) {
  atomic_store(&countdown, 0);
  fault_on = 0;
}

#define REAL(f) (((struct ffile *)(f))->real)

static int f_close(sqlite3_file *f) {
  return REAL(f)->pMethods->xClose(REAL(f));
}
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off) {
  if (inject(FAULT_READ)) return fault_rc;
  return REAL(f)->pMethods->xRead(REAL(f), b, n, off);
}
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off) {
  if (inject(FAULT_WRITE)) return fault_rc;
  return REAL(f)->pMethods->xWrite(REAL(f), b, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size) {
  return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int f_sync(sqlite3_file *f, int flags) {
  if (inject(FAULT_SYNC)) return fault_rc;
  return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *out) {
  return REAL(f)->pMethods->xFileSize(REAL(f), out);
}
static int f_lock(sqlite3_file *f, int l) {
  return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int f_unlock(sqlite3_file *f, int l) {
  return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int f_reserved(sqlite3_file *f, int *out) {
  return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int f_fcntl(sqlite3_file *f, int op, void *arg) {
  return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int f_sector(sqlite3_file *f) {
  return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int f_devchar(sqlite3_file *f) {
  return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **pp) {
  return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, pp);
}
static int f_shm_lock(sqlite3_file *f, int off, int n, int flags) {
  return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void f_shm_barrier(sqlite3_file *f) {
  REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int f_shm_unmap(sqlite3_file *f, int del) {
  return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp) {
  return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
  return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods fault_methods = {
    3,          f_close,       f_read,      f_write, f_truncate, f_sync,    f_size,
    f_lock,     f_unlock,      f_reserved,  f_fcntl, f_sector,   f_devchar, f_shm_map,
    f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch, f_unfetch};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out) {
  (void)vfs;
  struct ffile *p = (struct ffile *)f;
  p->real = (sqlite3_file *)(p + 1);
  int rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out);
  p->base.pMethods = rc == SQLITE_OK ? &fault_methods : NULL;
  return rc;
}

static void fault_vfs_install(void) {
  if (real_vfs) return;
  real_vfs = sqlite3_vfs_find(NULL);
  fault_vfs = *real_vfs;
  fault_vfs.zName = "zz-fault";
  fault_vfs.szOsFile = (int)sizeof(struct ffile) + real_vfs->szOsFile;
  fault_vfs.xOpen = f_open;
  fault_vfs.pNext = NULL;
  assert_int_equal(sqlite3_vfs_register(&fault_vfs, 1), SQLITE_OK);
  reclog_fault = engine_fault;
}

/* ---- the scenario ---- */

static char dir[64];

struct world {
  int64_t ea, eb, metric, district;
  int64_t base; /* first record time */
};

/* A fresh data directory with the store on it. */
static struct store *open_store(int sync_full) {
  ts_dir_reset(dir);
  struct store_open_opts o = {.synchronous_full = sync_full};
  return ts_store_open(dir, &o);
}

static void make_world(struct store *st, struct world *w) {
  w->district = ts_region(st, "d", NULL, "district");
  int64_t s1 = ts_region(st, "d/s1", "d", "street");
  int64_t s2 = ts_region(st, "d/s2", "d", "street");
  ts_entity_type(st, "counter");
  w->metric = ts_metric(st, "visitors", "sum", "counter");
  w->ea = ts_entity(st, "a", "counter", s1);
  w->eb = ts_entity(st, "b", "counter", s2);
  w->base = zz_bucket_start(zz_time_now(), ZZ_GRAIN_HOUR) - 3 * ZZ_HOUR_MS;
}

/* What open_engines writes besides the scenario's world (ts_world fills
 * through a function of the store alone). */
static struct {
  const char *const *depts;
  int ndepts;
  const struct store_matter *matter;
} engines_fill;

static void fill_engines(struct store *st) {
  struct world w;
  make_world(st, &w);
  for (int i = 0; i < engines_fill.ndepts; i++) ts_department(st, engines_fill.depts[i]);
  struct zz_err e = {0};
  assert_int_equal(store_matter_upsert(st, engines_fill.matter, NULL, &e), 0);
}

/* A fresh data directory with the scenario's world, departments depts and
 * matter m, then the registry and the workflow on them: one run's engines. */
static void open_engines(struct ts_world *tw, int sync_full, const char *const *depts, int ndepts,
                         const struct store_matter *m) {
  ts_dir_reset(dir);
  engines_fill.depts = depts;
  engines_fill.ndepts = ndepts;
  engines_fill.matter = m;
  struct store_open_opts so = {.synchronous_full = sync_full};
  struct ts_world_opts o = {.fill = fill_engines, .workflow = 1, .store = &so};
  ts_world_open(tw, dir, &o);
}

#define NREC 40
#define NBATCH 4
#define NINTAKE 3

/* What each operation was answered: 0 acknowledged, else its error. */
struct acks {
  int rec[NBATCH];
  int ev;
  int order, order_upd;
  int intake[NINTAKE];
  int code, code_revoke;
  int material;
  int application;
  int64_t order_id;
};

static int write_batch(struct store *st, const struct world *w, int k) {
  struct store_record r[NREC];
  for (int i = 0; i < NREC; i++)
    r[i] = (struct store_record){.entity = i % 2 ? w->eb : w->ea,
                                 .metric = (int32_t)w->metric,
                                 .ts = w->base + (int64_t)(k * NREC + i) * 60000,
                                 .value = k * 1000 + i + 0.25};
  struct store_write_result res;
  struct zz_err e = {0};
  int rc = store_records_write(st, r, NREC, &res, &e);
  if (!rc) assert_int_equal(res.accepted, NREC);
  if (rc) assert_true(rc == ZZ_EFULL || rc == ZZ_ESTORE || rc == ZZ_EBUSY);
  return rc;
}

static int64_t insert_order(struct store *st, const struct world *w, const char *title, int *rc) {
  struct store_order o = {.matter = "m",
                          .title = title,
                          .state = "reported",
                          .channel = "test",
                          .region = 2,
                          .rpos = 1,
                          .lon = NAN,
                          .lat = NAN,
                          .created = w->base,
                          .updated = w->base,
                          .version = 1};
  struct store_order_event ev = {
      .ts = w->base, .actor = "t", .action = "report", .to_state = "reported"};
  int64_t id = 0;
  struct zz_err e = {0};
  *rc = store_order_insert(st, &o, &ev, 1, &id, &e);
  return *rc ? 0 : id;
}

static void operations(struct store *st, const struct world *w, struct acks *a) {
  struct zz_err e = {0};
  a->rec[0] = write_batch(st, w, 0);
  struct store_event evs[3];
  for (int i = 0; i < 3; i++)
    evs[i] = (struct store_event){
        .entity = w->ea, .ts = w->base + i, .kind = "door", .data_json = "{\"f\":1}"};
  a->ev = store_events_write(st, evs, 3, &e);
  /* an order and one action on it */
  a->order_id = insert_order(st, w, "o1", &a->order);
  a->order_upd = -1;
  if (!a->order) {
    struct store_order o = {.id = a->order_id,
                            .matter = "m",
                            .title = "o1",
                            .state = "dispatched",
                            .department = "d1",
                            .channel = "test",
                            .region = 2,
                            .rpos = 1,
                            .lon = NAN,
                            .lat = NAN,
                            .created = w->base,
                            .updated = w->base + 1,
                            .version = 1};
    const struct store_order *os[1] = {&o};
    struct store_order_event ev = {.order_id = a->order_id,
                                   .ts = w->base + 1,
                                   .actor = "t",
                                   .action = "dispatch",
                                   .from_state = "reported",
                                   .to_state = "dispatched"};
    a->order_upd = store_orders_update(st, os, 1, &ev, 1, &e);
  }
  a->rec[1] = write_batch(st, w, 1);
  /* the public intake's group commit: reports as savepoints of one
   * transaction, each an order and its receipt (bound to a customer code) */
  int inner[NINTAKE], outer = store_txn(st, STORE_TXN_BEGIN, &e);
  for (int k = 0; k < NINTAKE; k++) {
    inner[k] = -1;
    if (outer) continue;
    char title[16], receipt[16];
    snprintf(title, sizeof title, "in-%d", k);
    snprintf(receipt, sizeof receipt, "r-%d", k);
    int rc = store_txn(st, STORE_TXN_BEGIN, &e);
    if (!rc) {
      int64_t id = insert_order(st, w, title, &rc);
      if (!rc) {
        struct store_receipt in = {.receipt = receipt, .order_id = id, .code = 1, .created = 1};
        rc = store_receipt_insert(st, &in, &e);
      }
      if (rc)
        store_txn(st, STORE_TXN_ROLLBACK, NULL);
      else
        rc = store_txn(st, STORE_TXN_COMMIT, &e);
    }
    inner[k] = rc;
  }
  if (!outer) outer = store_txn(st, STORE_TXN_COMMIT, &e);
  for (int k = 0; k < NINTAKE; k++) a->intake[k] = outer ? outer : inner[k];
  /* codes: one made, then revoked and replaced */
  struct store_code c = {.token = "tok-1",
                         .kind = "customer",
                         .entity = "a",
                         .entity_type = "counter",
                         .state = "active",
                         .region = 2,
                         .rpos = 1,
                         .created = w->base};
  int64_t cid = 0, cid2 = 0;
  int created = 0;
  a->code = store_code_insert(st, &c, &cid, &created, &e);
  a->code_revoke = -1;
  if (!a->code) {
    struct store_code c2 = c;
    c2.token = "tok-2";
    a->code_revoke = store_code_revoke(st, cid, w->base + 5, &c2, &cid2, &e);
  }
  a->rec[2] = write_batch(st, w, 2);
  /* an application: its order and its row in one transaction */
  a->application = store_txn(st, STORE_TXN_BEGIN, &e);
  if (!a->application) {
    int rc = 0;
    int64_t id = insert_order(st, w, "app-1", &rc);
    if (!rc) {
      struct store_application ap = {.order_id = id,
                                     .number = "N-1",
                                     .applicant_json = "{\"name\":\"x\"}",
                                     .form_json = "{}",
                                     .created = w->base};
      rc = store_application_insert(st, &ap, &e);
    }
    if (rc)
      store_txn(st, STORE_TXN_ROLLBACK, NULL);
    else
      rc = store_txn(st, STORE_TXN_COMMIT, &e);
    a->application = rc;
  }
  /* an application's material */
  struct store_material m = {.order_id = 77,
                             .material = "licence",
                             .mime = "application/pdf",
                             .path = "materials/77/licence.pdf",
                             .size = 10,
                             .ts = w->base};
  a->material = store_material_put(st, &m, &e);
}

/* ---- checks on the reopened database ---- */

static sqlite3 *db;

static int64_t q_int(const char *sql, const char *text) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
    fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
  if (text) sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
  int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
  sqlite3_finalize(q);
  return v;
}

static int copy_record(void *ud, int64_t ts, double v) {
  sqlite3_stmt *ins = ud;
  sqlite3_bind_int64(ins, 2, ts);
  sqlite3_bind_double(ins, 3, v);
  int rc = sqlite3_step(ins);
  sqlite3_reset(ins);
  return rc != SQLITE_DONE;
}

/* Opens the run's database for the checks (db), with the records the
 * engine holds (read as the server would after a restart) in a temporary
 * table `record`, which the checks' SQL reads in place of the main one. */
static void db_open(void) {
  char path[128];
  snprintf(path, sizeof path, "%s/zhizhi.db", dir);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  struct reclog_pos pos = {q_int("SELECT n FROM counter WHERE key = 'reclog_gen'", NULL),
                           q_int("SELECT n FROM counter WHERE key = 'reclog_end'", NULL)};
  char rdir[160];
  snprintf(rdir, sizeof rdir, "%s/records", dir);
  struct reclog *rl = NULL;
  struct zz_err e = {0};
  struct reclog_opts o = {.dir = rdir, .committed = pos};
  if (reclog_open(&o, &rl, &e)) fail_msg("the records engine does not open: %s", e.msg);
  assert_int_equal(sqlite3_exec(db,
                                "CREATE TEMP TABLE record(series INTEGER, ts INTEGER, value REAL,"
                                " PRIMARY KEY (series, ts))",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_stmt *ins = NULL, *q = NULL;
  assert_int_equal(
      sqlite3_prepare_v2(db, "INSERT INTO temp.record VALUES(?1, ?2, ?3)", -1, &ins, NULL),
      SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM series", -1, &q, NULL), SQLITE_OK);
  while (sqlite3_step(q) == SQLITE_ROW) {
    sqlite3_bind_int64(ins, 1, sqlite3_column_int64(q, 0));
    assert_int_equal(reclog_read(rl, (uint32_t)sqlite3_column_int64(q, 0), INT64_MIN, INT64_MAX, 0,
                                 copy_record, ins),
                     0);
  }
  sqlite3_finalize(q);
  sqlite3_finalize(ins);
  reclog_close(rl);
}

static double q_real(const char *sql, const char *text) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
    fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
  if (text) sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
  double v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_double(q, 0) : NAN;
  sqlite3_finalize(q);
  return v;
}

#define PRESENT(ack, have, want, what)                                                             \
  do {                                                                                             \
    if ((ack) == 0 && (have) != (want))                                                            \
      fail_msg("%s: acknowledged, but %lld found (want %lld) [%s]", what, (long long)(have),       \
               (long long)(want), label);                                                          \
    if ((ack) != 0 && (have) != 0)                                                                 \
      fail_msg("%s: failed (%d), yet %lld found [%s]", what, (ack), (long long)(have), label);     \
  } while (0)

static void check(const struct world *w, const struct acks *a, const char *label) {
  db_open();
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  if (strcmp((const char *)sqlite3_column_text(q, 0), "ok") != 0)
    fail_msg("integrity_check: %s [%s]", sqlite3_column_text(q, 0), label);
  sqlite3_finalize(q);
  for (int k = 0; k < NBATCH; k++) {
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM record WHERE ts >= %lld AND ts < %lld",
             (long long)(w->base + (int64_t)k * NREC * 60000),
             (long long)(w->base + (int64_t)(k + 1) * NREC * 60000));
    PRESENT(a->rec[k], q_int(sql, NULL), NREC, "records batch");
  }
  PRESENT(a->ev, q_int("SELECT count(*) FROM event WHERE kind = 'door'", NULL), 3, "events");
  PRESENT(a->order, q_int("SELECT count(*) FROM work_order WHERE title = 'o1'", NULL), 1, "order");
  if (!a->order) {
    PRESENT(a->order_upd, q_int("SELECT count(*) FROM work_order WHERE state = 'dispatched'", NULL),
            1, "order action");
    PRESENT(a->order_upd, q_int("SELECT count(*) FROM order_event WHERE action = 'dispatch'", NULL),
            1, "order action's event");
  }
  for (int k = 0; k < NINTAKE; k++) {
    char t[16], r[16];
    snprintf(t, sizeof t, "in-%d", k);
    snprintf(r, sizeof r, "r-%d", k);
    PRESENT(a->intake[k], q_int("SELECT count(*) FROM work_order WHERE title = ?1", t), 1,
            "public report's order");
    PRESENT(a->intake[k], q_int("SELECT count(*) FROM intake WHERE receipt = ?1", r), 1,
            "public report's receipt");
  }
  PRESENT(a->code, q_int("SELECT count(*) FROM code WHERE token = 'tok-1'", NULL), 1, "code");
  if (!a->code)
    PRESENT(a->code_revoke, q_int("SELECT count(*) FROM code WHERE token = 'tok-2'", NULL), 1,
            "replacement code");
  PRESENT(a->application, q_int("SELECT count(*) FROM work_order WHERE title = 'app-1'", NULL), 1,
          "application's order");
  PRESENT(a->application, q_int("SELECT count(*) FROM application WHERE number = 'N-1'", NULL), 1,
          "application");
  PRESENT(a->material,
          q_int("SELECT count(*) FROM application_material WHERE material = 'licence'", NULL), 1,
          "material");
  /* the rollups sum exactly the stored records, at every grain and node */
  int64_t n = q_int("SELECT count(*) FROM record", NULL);
  double sum = q_real("SELECT total(value) FROM record", NULL);
  for (int g = ZZ_GRAIN_MINUTE; g <= ZZ_GRAIN_MONTH; g++) {
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT total(n) FROM rollup WHERE node = %lld AND grain = %d",
             (long long)w->district, g);
    if (q_int(sql, NULL) != n)
      fail_msg("grain %d: rollup n %lld, records %lld [%s]", g, (long long)q_int(sql, NULL),
               (long long)n, label);
    snprintf(sql, sizeof sql, "SELECT total(sum) FROM rollup WHERE node = %lld AND grain = %d",
             (long long)w->district, g);
    if (q_real(sql, NULL) != sum)
      fail_msg("grain %d: rollup sum %g, records %g [%s]", g, q_real(sql, NULL), sum, label);
  }
  if (q_int("SELECT total(n) FROM srollup WHERE grain = 3", NULL) != n)
    fail_msg("srollup n differs from the records [%s]", label);
  if (q_int("SELECT n FROM counter WHERE key = 'records'", NULL) != n)
    fail_msg("the records counter differs from the records [%s]", label);
  if (q_int("SELECT count(*) FROM series s WHERE last_ts IS NOT (SELECT max(ts) FROM record r"
            " WHERE r.series = s.id)",
            NULL) != 0)
    fail_msg("a series' last differs from its records [%s]", label);
  sqlite3_close(db);
  db = NULL;
}

/* One run: faults armed for the operations, cleared (space freed), then
 * more writes in the same process must succeed. Returns 1 when a fault was
 * injected (the sweep goes on while they are). */
static int run(long nth, int on, int rc, int sticky, int sync_full) {
  char label[96];
  snprintf(label, sizeof label, "fault on %s #%ld -> %d%s, sync %s",
           on == FAULT_WRITE  ? "write"
           : on == FAULT_SYNC ? "sync"
                              : "read",
           nth, rc, sticky ? " (sticky)" : "", sync_full ? "full" : "normal");
  struct store *st = open_store(sync_full);
  struct world w;
  make_world(st, &w);
  struct acks a;
  memset(&a, 0, sizeof a);
  atomic_store(&tripped, 0);
  fault_rc = rc;
  fault_sticky = sticky;
  fault_on = on;
  atomic_store(&countdown, nth);
  operations(st, &w, &a);
  int hit = atomic_load(&tripped);
  disarm();
  /* space freed: writes work again without a restart */
  a.rec[3] = write_batch(st, &w, 3);
  if (a.rec[3]) fail_msg("a write after the fault cleared failed [%s]", label);
  int ok = 0;
  insert_order(st, &w, "after", &ok);
  if (ok) fail_msg("an order after the fault cleared failed [%s]", label);
  store_close(st);
  check(&w, &a, label);
  /* with no fault injected, everything must have been acknowledged */
  if (!hit) {
    for (int k = 0; k < NBATCH; k++) assert_int_equal(a.rec[k], 0);
    assert_int_equal(a.ev, 0);
    assert_int_equal(a.material, 0);
  }
  return hit;
}

/* ZZ_SWEEP_SLICE=K/M: this process sweeps N = K, K+M, K+2M, ... only (the
 * other slices run beside it as ctest entries of their own, see main). A
 * fault at the Nth write is injected while the scenario makes N writes or
 * more, so each slice ends past the last write as the whole sweep does, and
 * together they run every N of it. Without it: K = 1, M = 1. */
static long slice_k = 1, slice_m = 1;

static void sweep(int on, int rc, int sticky, int sync_full) {
  long n = slice_k;
  int failures_seen = 0;
  for (; n < 2000 && run(n, on, rc, sticky, sync_full); n += slice_m) failures_seen++;
  assert_true(n < 2000);
  /* the sweep reached past the last write of the scenario */
  assert_true(failures_seen > 3);
}

static void test_full_disk(void **state) {
  (void)state;
  sweep(FAULT_WRITE, SQLITE_FULL, 1, 0);
}

static void test_full_disk_sync_full(void **state) {
  (void)state;
  sweep(FAULT_WRITE, SQLITE_FULL, 1, 1);
}

static void test_write_error_once(void **state) {
  (void)state;
  sweep(FAULT_WRITE, SQLITE_IOERR_WRITE, 0, 0);
}

/* A read that fails inside a transaction (a page the writer's commit made
 * stale) makes SQLite roll the whole transaction back: the public intake's
 * later reports of that group must fail too, not commit on their own. */
static void test_read_error_once(void **state) {
  (void)state;
  sweep(FAULT_READ, SQLITE_IOERR_READ, 0, 0);
}

static void test_sync_error_once(void **state) {
  (void)state;
  sweep(FAULT_SYNC, SQLITE_IOERR_FSYNC, 0, 1);
}

/* ---- a joint dispatch ---- */

#define JOINT_DEPTS 3

/* One run: a joint order of JOINT_DEPTS departments is dispatched with the
 * fault armed. After reopening: dispatched with every sub-order and every
 * dispatch event when it was answered 0; reported, with no sub-order and
 * no dispatch event, when it failed. Returns 1 when a fault was injected. */
static int joint_run(long nth, int on, int frc, int sticky, int sync_full) {
  char label[96];
  snprintf(label, sizeof label, "joint dispatch, fault on %s #%ld -> %d%s",
           on == FAULT_WRITE ? "write" : "sync", nth, frc, sticky ? " (sticky)" : "");
  static const char *const depts[JOINT_DEPTS] = {"p1", "p2", "p3"};
  struct store_matter m = {.key = "joint",
                           .name_zh = "联办",
                           .kind = "application",
                           .departments_json = "[\"p1\",\"p2\",\"p3\"]",
                           .sla_accept_minutes = 60,
                           .sla_resolve_minutes = 600};
  struct ts_world tw;
  open_engines(&tw, sync_full, depts, JOINT_DEPTS, &m);
  struct workflow *wf = tw.wf;
  struct zz_err e = {0};
  const struct wf_actor disp = {"disp", ROLE_DISPATCHER, "", ACTOR_USER};
  struct wf_create c = {.matter = "joint", .region = "d/s1", .lon = NAN, .lat = NAN};
  int64_t id = 0;
  assert_int_equal(workflow_create(wf, &disp, &c, &id, &e), 0);
  atomic_store(&tripped, 0);
  fault_rc = frc;
  fault_sticky = sticky;
  fault_on = on;
  atomic_store(&countdown, nth);
  int rc = workflow_act(wf, &disp, id, "dispatch", NULL, 0, "together", &e);
  int hit = atomic_load(&tripped);
  disarm();
  if (!hit && rc) fail_msg("no fault, yet the dispatch failed: %s [%s]", e.msg, label);
  ts_world_close(&tw);
  db_open();
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT state = 'dispatched' FROM work_order WHERE id = %lld",
           (long long)id);
  int64_t dispatched = q_int(sql, NULL);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM work_order WHERE parent = %lld", (long long)id);
  int64_t subs = q_int(sql, NULL);
  int64_t events = q_int("SELECT count(*) FROM order_event WHERE action = 'dispatch'", NULL);
  sqlite3_close(db);
  db = NULL;
  if (rc == 0 && !(dispatched == 1 && subs == JOINT_DEPTS && events == JOINT_DEPTS + 1))
    fail_msg("answered 0, but dispatched %lld, %lld sub-orders, %lld events [%s]",
             (long long)dispatched, (long long)subs, (long long)events, label);
  if (rc != 0 && !(dispatched == 0 && subs == 0 && events == 0))
    fail_msg("failed (%d), yet dispatched %lld, %lld sub-orders, %lld events [%s]", rc,
             (long long)dispatched, (long long)subs, (long long)events, label);
  return hit;
}

static void joint_sweep(int on, int frc, int sticky, int sync_full) {
  long n = 1;
  while (n < 500 && joint_run(n, on, frc, sticky, sync_full)) n++;
  assert_true(n < 500);
  assert_true(n > 1); /* the dispatch writes: the sweep failed at least one write */
}

static void test_joint_dispatch(void **state) {
  (void)state;
  joint_sweep(FAULT_WRITE, SQLITE_FULL, 1, 0);
  joint_sweep(FAULT_WRITE, SQLITE_IOERR_WRITE, 0, 0);
  joint_sweep(FAULT_SYNC, SQLITE_IOERR_FSYNC, 0, 1);
}

/* ---- an application's multi-row changes ---- */

static const char PDF[] = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/* The engines of one run on a fresh data directory, with an application
 * of a matter decided by two departments that asks for two materials. */
struct app_run {
  struct ts_world tw;
  struct applications ap;
  char number[APPLICATION_NUMBER_LEN + 1];
  int64_t order;
};

static void app_open(struct app_run *r, int sync_full, const char *departments_json) {
  memset(r, 0, sizeof *r);
  static const char *const depts[2] = {"p1", "p2"};
  struct store_matter m = {
      .key = "permit",
      .name_zh = "许可",
      .kind = "application",
      .departments_json = departments_json,
      .sla_accept_minutes = 60,
      .sla_resolve_minutes = 600,
      .extra_json = "{\"channels\":[\"staff\"],"
                    "\"materials\":[{\"id\":\"licence\",\"types\":[\"pdf\"],\"required\":true},"
                    "{\"id\":\"plan\",\"types\":[\"pdf\"],\"required\":true}]}"};
  open_engines(&r->tw, sync_full, depts, 2, &m);
  struct zz_err e = {0};
  r->ap = (struct applications){.st = r->tw.st, .reg = r->tw.reg, .wf = r->tw.wf, .data_dir = dir};
  struct application_input in = {.matter = "permit",
                                 .channel = "staff",
                                 .name = "李",
                                 .phone = "13800000000",
                                 .who = {"disp", ROLE_DISPATCHER, "", ACTOR_USER}};
  struct application_draft d;
  struct application_receipt rec;
  int rc = application_check(&r->ap, &in, &d, &e);
  if (!rc) rc = application_submit(&r->ap, &d, &rec, &e);
  application_draft_free(&d);
  if (rc) fail_msg("application: %s", e.msg);
  zz_strlcpy(r->number, rec.number, sizeof r->number);
  r->order = rec.order;
  struct application_upload up;
  assert_int_equal(application_material_put(&r->ap, r->number, "licence", PDF, sizeof PDF, &up, &e),
                   0);
  assert_false(up.complete);
}

/* Closes the engines and opens the database for the checks (db). */
static void app_close(struct app_run *r) {
  ts_world_close(&r->tw);
  db_open();
}

static void arm(int on, int frc, int sticky, long nth) {
  atomic_store(&tripped, 0);
  fault_rc = frc;
  fault_sticky = sticky;
  fault_on = on;
  atomic_store(&countdown, nth);
}

static int first_sub(void *ud, const struct store_order *o) {
  int64_t *id = ud;
  if (!*id) *id = o->id;
  return 0;
}

static int64_t q_order(const char *fmt, int64_t id) {
  char sql[200];
  snprintf(sql, sizeof sql, fmt, (long long)id);
  return q_int(sql, NULL);
}

/* One run: a department decides on its dispatched sub-order (accept,
 * resolve and the decision's row) with the fault armed. After reopening:
 * resolved with its decision row and both events when it was answered 0;
 * dispatched, with no decision row and no event of the decision, its
 * joint order not started, when it failed. Returns 1 when a fault was
 * injected. */
static int decide_run(long nth, int on, int frc, int sticky, int sync_full) {
  char label[96];
  snprintf(label, sizeof label, "decision, fault on %s #%ld -> %d%s",
           on == FAULT_WRITE ? "write" : "sync", nth, frc, sticky ? " (sticky)" : "");
  struct app_run r;
  app_open(&r, sync_full, "[\"p1\",\"p2\"]");
  struct zz_err e = {0};
  struct application_upload up;
  assert_int_equal(application_material_put(&r.ap, r.number, "plan", PDF, sizeof PDF, &up, &e), 0);
  assert_true(up.dispatched);
  int64_t sub = 0;
  struct store_order_filter f = {.parent = r.order};
  assert_int_equal(store_orders_each(r.tw.st, &f, first_sub, &sub), 0);
  assert_true(sub > 0);
  struct application_decision d = {.order = sub,
                                   .decision = "approve",
                                   .note = "in order",
                                   .who = {"admin", ROLE_ADMIN, "", ACTOR_USER}};
  struct application_decided out;
  arm(on, frc, sticky, nth);
  int rc = application_decide(&r.ap, &d, &out, &e);
  int hit = atomic_load(&tripped);
  disarm();
  if (!hit && rc) fail_msg("no fault, yet the decision failed: %s [%s]", e.msg, label);
  app_close(&r);
  int64_t resolved = q_order("SELECT state = 'resolved' FROM work_order WHERE id = %lld", sub);
  int64_t dispatched = q_order("SELECT state = 'dispatched' FROM work_order WHERE id = %lld", sub);
  int64_t rows = q_order("SELECT count(*) FROM application_decision WHERE sub_order = %lld", sub);
  int64_t events = q_order("SELECT count(*) FROM order_event WHERE order_id = %lld AND action IN"
                           " ('accept', 'resolve')",
                           sub);
  int64_t started =
      q_order("SELECT state = 'in_progress' FROM work_order WHERE id = %lld", r.order);
  sqlite3_close(db);
  db = NULL;
  if (rc == 0 && !(resolved == 1 && rows == 1 && events == 2 && started == 1))
    fail_msg("answered 0, but resolved %lld, %lld decision rows, %lld events, joint order "
             "started %lld [%s]",
             (long long)resolved, (long long)rows, (long long)events, (long long)started, label);
  if (rc != 0 && !(dispatched == 1 && rows == 0 && events == 0 && started == 0))
    fail_msg("failed (%d), yet dispatched %lld, %lld decision rows, %lld events, joint order "
             "started %lld [%s]",
             rc, (long long)dispatched, (long long)rows, (long long)events, (long long)started,
             label);
  return hit;
}

/* The files of the application's materials on disk. */
static int material_files(int64_t order) {
  char cmd[160];
  snprintf(cmd, sizeof cmd, "test $(ls %s/materials/%lld | wc -l) -eq 1", dir, (long long)order);
  return system(cmd) == 0 ? 1 : 2; /* one, or not one */
}

/* One run: the last required material is uploaded with the fault armed;
 * it completes the application, which the system dispatches. After
 * reopening: the material's row, the joint order dispatched and a
 * sub-order per department when it was answered 0 (and dispatched said
 * so); no row, the order still reported with no sub-order and the
 * upload's file removed, when it failed. Returns 1 when a fault was
 * injected. */
static int material_run(long nth, int on, int frc, int sticky, int sync_full) {
  char label[96];
  snprintf(label, sizeof label, "last material, fault on %s #%ld -> %d%s",
           on == FAULT_WRITE ? "write" : "sync", nth, frc, sticky ? " (sticky)" : "");
  struct app_run r;
  app_open(&r, sync_full, "[\"p1\",\"p2\"]");
  struct zz_err e = {0};
  struct application_upload up;
  arm(on, frc, sticky, nth);
  int rc = application_material_put(&r.ap, r.number, "plan", PDF, sizeof PDF, &up, &e);
  int hit = atomic_load(&tripped);
  disarm();
  if (!hit && rc) fail_msg("no fault, yet the upload failed: %s [%s]", e.msg, label);
  if (rc == 0 && !up.dispatched) fail_msg("answered 0, but not dispatched [%s]", label);
  int files = material_files(r.order);
  app_close(&r);
  int64_t row = q_int("SELECT count(*) FROM application_material WHERE material = 'plan'", NULL);
  int64_t dispatched =
      q_order("SELECT state = 'dispatched' FROM work_order WHERE id = %lld", r.order);
  int64_t subs = q_order("SELECT count(*) FROM work_order WHERE parent = %lld", r.order);
  int64_t events = q_order("SELECT count(*) FROM order_event WHERE action = 'dispatch'", 0);
  sqlite3_close(db);
  db = NULL;
  if (rc == 0 && !(row == 1 && dispatched == 1 && subs == 2 && events == 3))
    fail_msg("answered 0, but %lld material rows, dispatched %lld, %lld sub-orders, %lld "
             "dispatch events [%s]",
             (long long)row, (long long)dispatched, (long long)subs, (long long)events, label);
  if (rc != 0 && !(row == 0 && dispatched == 0 && subs == 0 && events == 0 && files == 1))
    fail_msg("failed (%d), yet %lld material rows, dispatched %lld, %lld sub-orders, %lld "
             "dispatch events, %s [%s]",
             rc, (long long)row, (long long)dispatched, (long long)subs, (long long)events,
             files == 1 ? "the file removed" : "the file left on disk", label);
  return hit;
}

static void app_sweep(int (*one)(long, int, int, int, int), int on, int frc, int sticky,
                      int sync_full) {
  long n = 1;
  while (n < 500 && one(n, on, frc, sticky, sync_full)) n++;
  assert_true(n < 500);
  assert_true(n > 1); /* the change writes: the sweep failed at least one write */
}

/* A department's decision on its dispatched sub-order is one transaction:
 * the accept, the resolve and the decision's row, or none of them. */
static void test_decision(void **state) {
  (void)state;
  app_sweep(decide_run, FAULT_WRITE, SQLITE_FULL, 1, 0);
  app_sweep(decide_run, FAULT_WRITE, SQLITE_IOERR_WRITE, 0, 0);
  app_sweep(decide_run, FAULT_SYNC, SQLITE_IOERR_FSYNC, 0, 1);
}

/* The last required material and the dispatch it triggers are one
 * transaction: both, or neither and no file. */
static void test_last_material(void **state) {
  (void)state;
  app_sweep(material_run, FAULT_WRITE, SQLITE_FULL, 1, 0);
  app_sweep(material_run, FAULT_WRITE, SQLITE_IOERR_WRITE, 0, 0);
  app_sweep(material_run, FAULT_SYNC, SQLITE_IOERR_FSYNC, 0, 1);
}

/* A dispatch the last material triggers and the workflow refuses (the
 * matter names no department) refuses the upload: a clear error, no row,
 * no file, the application still waiting. */
static void test_last_material_refused(void **state) {
  (void)state;
  struct app_run r;
  app_open(&r, 0, "[]");
  struct zz_err e = {0};
  struct application_upload up;
  assert_int_equal(application_material_put(&r.ap, r.number, "plan", PDF, sizeof PDF, &up, &e),
                   ZZ_ECONFLICT);
  assert_string_equal(e.field, "material");
  assert_non_null(strstr(e.msg, "nothing was stored"));
  assert_non_null(strstr(e.msg, "department"));
  assert_false(up.dispatched);
  assert_int_equal(material_files(r.order), 1); /* the licence's only */
  app_close(&r);
  assert_int_equal(q_int("SELECT count(*) FROM application_material WHERE material = 'plan'", NULL),
                   0);
  assert_int_equal(q_order("SELECT state = 'reported' FROM work_order WHERE id = %lld", r.order),
                   1);
  sqlite3_close(db);
  db = NULL;
}

/* Sums that would leave the doubles: the batch is refused whole, nothing of
 * it stored, and every rollup row stays finite. */
static void test_poison_sums(void **state) {
  (void)state;
  struct store *st = open_store(0);
  struct world w;
  make_world(st, &w);
  int32_t m = (int32_t)w.metric;
  /* the four lines: two streets, whose district sum was NaN */
  struct store_record r[4] = {{w.ea, m, 0, w.base, 1.7976931348623157e308, 0},
                              {w.ea, m, 0, w.base + 1000, 1.79e308, 0},
                              {w.eb, m, 0, w.base + 2000, -1.79e308, 0},
                              {w.eb, m, 0, w.base + 3000, -1.79e308, 0}};
  struct store_write_result res = {0};
  struct zz_err e = {0};
  assert_int_equal(store_records_write(st, r, 4, &res, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "value");
  assert_non_null(strstr(e.msg, "\"visitors\""));
  /* one huge value is fine; a second one in another batch would overflow */
  assert_int_equal(store_records_write(st, r, 1, &res, &e), 0);
  assert_int_equal(store_records_write(st, r + 1, 1, &res, &e), ZZ_EINVAL);
  /* the writer goes on: an ordinary batch of the other street commits */
  struct store_record ok = {w.eb, m, 0, w.base + 5000, 2.5, 0};
  assert_int_equal(store_records_write(st, &ok, 1, &res, &e), 0);
  assert_int_equal(res.accepted, 1);
  store_close(st);
  db_open();
  assert_int_equal(q_int("SELECT count(*) FROM record", NULL), 2);
  assert_int_equal(
      q_int("SELECT count(*) FROM rollup WHERE sum IS NULL OR abs(sum) > 1.7976931348623157e308"
            " OR abs(min) > 1.7976931348623157e308 OR abs(max) > 1.7976931348623157e308",
            NULL),
      0);
  assert_int_equal(
      q_int("SELECT count(*) FROM srollup WHERE sum IS NULL OR abs(sum) > 1.7976931348623157e308",
            NULL),
      0);
  assert_true(q_real("SELECT sum FROM rollup WHERE node = 1 AND grain = 3", NULL) ==
              1.7976931348623157e308 + 2.5);
  sqlite3_close(db);
  db = NULL;
}

/* What the failures answer over HTTP (http_reply_err adds Retry-After). */
static void test_error_table(void **state) {
  (void)state;
  assert_int_equal(zz_http_status(ZZ_EFULL), 507);
  assert_string_equal(zz_errcode(ZZ_EFULL), "insufficient_storage");
  assert_int_equal(zz_http_status(ZZ_ESTORE), 503);
  assert_string_equal(zz_errcode(ZZ_ESTORE), "store_error");
  assert_int_equal(zz_http_status(ZZ_EBUSY), 503);
}

/* Whether name is one of the comma-separated names in list. */
static int listed(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
    if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == 0)) return 1;
  return 0;
}

/* The sweeps take minutes under ASan, one after another in one process:
 * CMakeLists.txt runs them as several ctest entries side by side (ctest -j),
 * each given its part by the environment: ZZ_TEST_ONLY (names, comma-
 * separated) runs only those tests, ZZ_TEST_SKIP all but those, and
 * ZZ_SWEEP_SLICE=K/M one slice of each sweep. Without them: everything. */
int main(void) {
  const char *only = getenv("ZZ_TEST_ONLY"), *skip = getenv("ZZ_TEST_SKIP");
  const char *slice = getenv("ZZ_SWEEP_SLICE");
  if (slice && *slice) {
    char *end = NULL;
    slice_k = strtol(slice, &end, 10);
    if (*end == '/') slice_m = strtol(end + 1, &end, 10);
    if (*end || slice_k < 1 || slice_m < 1 || slice_k > slice_m) {
      fprintf(stderr, "ZZ_SWEEP_SLICE=%s: want K/M with 1 <= K <= M\n", slice);
      return 2;
    }
  }
  if (ts_dir_make(dir, sizeof dir, "faults")) return 1;
  fault_vfs_install();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_error_table),
      cmocka_unit_test(test_poison_sums),
      cmocka_unit_test(test_full_disk),
      cmocka_unit_test(test_full_disk_sync_full),
      cmocka_unit_test(test_write_error_once),
      cmocka_unit_test(test_sync_error_once),
      cmocka_unit_test(test_read_error_once),
      cmocka_unit_test(test_joint_dispatch),
      cmocka_unit_test(test_decision),
      cmocka_unit_test(test_last_material),
      cmocka_unit_test(test_last_material_refused),
  };
  struct CMUnitTest chosen[ZZ_ARRAY_LEN(tests)];
  size_t n = 0;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(tests); i++)
    if ((!only || listed(only, tests[i].name)) && !(skip && listed(skip, tests[i].name)))
      chosen[n++] = tests[i];
  if (n == 0) {
    fprintf(stderr, "ZZ_TEST_ONLY=%s, ZZ_TEST_SKIP=%s: no test left\n", only ? only : "",
            skip ? skip : "");
    ts_dir_remove(dir);
    return 2;
  }
  int r = _cmocka_run_group_tests("test_faults", chosen, n, NULL, NULL);
  if (ts_dir_remove(dir)) r = r ? r : 1;
  return r;
}
