/* store_sqlite.c - the SQLite backend: opening and migrating the data
 * directory, per-thread read connections with cached statements, and every
 * registry, query and account operation of struct store_ops. Record writes
 * and rollup maintenance live in store_writer.c. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

int sq_fail(sqlite3 *db, int rc, struct zz_err *e, const char *what) {
  int base = rc & 0xff;
  if (base == SQLITE_CONSTRAINT)
    return zz_fail(e, ZZ_EEXISTS, what, "%s: %s", what,
                   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
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

static void conn_close(struct sq_conn *c) {
  for (int i = 0; i < SQ_COUNT; i++) sqlite3_finalize(c->stmt[i]);
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

sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt id, const char *sql) {
  sqlite3_stmt *st = c->stmt[id];
  if (st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
  }
  if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    zz_error("store: prepare failed: %s: %s", sqlite3_errmsg(c->db), sql);
    return NULL;
  }
  c->stmt[id] = st;
  return st;
}

/* Runs a statement expected to return one id (RETURNING id). */
static int step_id(struct sq_conn *c, sqlite3_stmt *st, int64_t *out_id, struct zz_err *e,
                   const char *what) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    if (out_id) *out_id = sqlite3_column_int64(st, 0);
    rc = sqlite3_step(st);
  }
  if (rc != SQLITE_DONE) {
    int r = sq_fail(c->db, rc, e, what);
    sqlite3_reset(st);
    return r;
  }
  sqlite3_reset(st);
  return 0;
}

static int step_done(struct sq_conn *c, sqlite3_stmt *st, struct zz_err *e, const char *what) {
  return step_id(c, st, NULL, e, what);
}

#define CONN_OR_FAIL(s, c, e)                                                                      \
  struct sq_conn *c = sq_conn_get(s);                                                              \
  if (!c) return zz_fail(e, ZZ_ESTORE, "store", "no database connection")

/* ---- regions ---- */

static int region_upsert(struct store *st, const struct store_region *r, int64_t *out_id,
                         struct zz_err *e) {
  struct sq_store *s = SQ_S(st);
  CONN_OR_FAIL(s, c, e);
  sqlite3_stmt *q = sq_stmt(
      c, SQ_REGION_UPSERT,
      "INSERT INTO region(path, parent, level, name_zh, name_en, geometry, lon, lat, approximate)"
      " VALUES(?1, (SELECT id FROM region WHERE path = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
      " ON CONFLICT(path) DO UPDATE SET parent = excluded.parent, level = excluded.level,"
      " name_zh = excluded.name_zh, name_en = excluded.name_en, geometry = excluded.geometry,"
      " lon = excluded.lon, lat = excluded.lat, approximate = excluded.approximate RETURNING id");
  if (!q) return zz_fail(e, ZZ_ESTORE, "region", "cannot prepare");
  sq_bind_text(q, 1, r->path);
  sq_bind_text(q, 2, r->parent_path);
  sq_bind_text(q, 3, r->level);
  sq_bind_text(q, 4, r->name_zh);
  sq_bind_text(q, 5, r->name_en);
  sq_bind_text(q, 6, r->geometry);
  sqlite3_bind_double(q, 7, r->lon);
  sqlite3_bind_double(q, 8, r->lat);
  sqlite3_bind_int(q, 9, r->approximate);
  int rc = step_id(c, q, out_id, e, "region");
  if (!rc) atomic_fetch_add(&s->regions_version, 1);
  return rc;
}

static int region_set_pos(struct store *st, int64_t id, int64_t lo, int64_t hi, struct zz_err *e) {
  atomic_fetch_add(&SQ_S(st)->series_version, 1);
  struct sq_store *s = SQ_S(st);
  CONN_OR_FAIL(s, c, e);
  sqlite3_stmt *q = sq_stmt(c, SQ_REGION_POS, "UPDATE region SET lo = ?2, hi = ?3 WHERE id = ?1");
  if (!q) return zz_fail(e, ZZ_ESTORE, "region", "cannot prepare");
  sqlite3_bind_int64(q, 1, id);
  sqlite3_bind_int64(q, 2, lo);
  sqlite3_bind_int64(q, 3, hi);
  int rc = step_done(c, q, e, "region");
  if (!rc) atomic_fetch_add(&s->regions_version, 1);
  return rc;
}

static int regions_each(struct store *st, int with_geometry,
                        int (*fn)(void *, const struct store_region *), void *ud) {
  struct sq_store *s = SQ_S(st);
  CONN_OR_FAIL(s, c, NULL);
  sqlite3_stmt *q =
      with_geometry
          ? sq_stmt(
                c, SQ_REGIONS_GEO,
                "SELECT r.id, r.path, p.path, r.level, r.name_zh, r.name_en, r.geometry, r.lon, "
                "r.lat,"
                " r.approximate, r.lo, r.hi FROM region r LEFT JOIN region p ON p.id = r.parent "
                "ORDER BY r.id")
          : sq_stmt(
                c, SQ_REGIONS,
                "SELECT r.id, r.path, p.path, r.level, r.name_zh, r.name_en, NULL, r.lon, r.lat,"
                " r.approximate, r.lo, r.hi FROM region r LEFT JOIN region p ON p.id = r.parent "
                "ORDER BY r.id");
  if (!q) return ZZ_ESTORE;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_region r = {.id = sqlite3_column_int64(q, 0),
                             .path = sq_col_text(q, 1),
                             .parent_path = sq_col_text(q, 2),
                             .level = sq_col_text(q, 3),
                             .name_zh = sq_col_text(q, 4),
                             .name_en = sq_col_text(q, 5),
                             .geometry = sq_col_text(q, 6),
                             .lon = sq_col_real(q, 7),
                             .lat = sq_col_real(q, 8),
                             .approximate = sqlite3_column_int(q, 9),
                             .lo = sqlite3_column_int64(q, 10),
                             .hi = sqlite3_column_int64(q, 11)};
    if (fn(ud, &r)) break;
  }
  sqlite3_reset(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_fail(c->db, rc, NULL, "regions");
}

/* ---- metrics, entity types, departments ---- */

static int metric_upsert(struct store *st, const struct store_metric *m, int64_t *out_id,
                         struct zz_err *e) {
  CONN_OR_FAIL(SQ_S(st), c, e);
  sqlite3_stmt *q = sq_stmt(
      c, SQ_METRIC_UPSERT,
      "INSERT INTO metric(key, name_zh, name_en, unit, agg, entity_type, kind, vmin, vmax)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(key) DO UPDATE SET name_zh = "
      "excluded.name_zh,"
      " name_en = excluded.name_en, unit = excluded.unit, agg = excluded.agg,"
      " entity_type = excluded.entity_type, kind = excluded.kind, vmin = excluded.vmin,"
      " vmax = excluded.vmax RETURNING id");
  if (!q) return zz_fail(e, ZZ_ESTORE, "metric", "cannot prepare");
  sq_bind_text(q, 1, m->key);
  sq_bind_text(q, 2, m->name_zh);
  sq_bind_text(q, 3, m->name_en);
  sq_bind_text(q, 4, m->unit);
  sq_bind_text(q, 5, m->agg);
  sq_bind_text(q, 6, m->entity_type);
  sq_bind_text(q, 7, m->kind);
  if (m->has_min)
    sqlite3_bind_double(q, 8, m->min);
  else
    sqlite3_bind_null(q, 8);
  if (m->has_max)
    sqlite3_bind_double(q, 9, m->max);
  else
    sqlite3_bind_null(q, 9);
  return step_id(c, q, out_id, e, "metric");
}

static int metrics_each(struct store *st, int (*fn)(void *, const struct store_metric *),
                        void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(
      c, SQ_METRICS,
      "SELECT id, key, name_zh, name_en, unit, agg, entity_type, kind, vmin, vmax FROM metric"
      " ORDER BY id");
  if (!q) return ZZ_ESTORE;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_metric m = {.id = sqlite3_column_int64(q, 0),
                             .key = sq_col_text(q, 1),
                             .name_zh = sq_col_text(q, 2),
                             .name_en = sq_col_text(q, 3),
                             .unit = sq_col_text(q, 4),
                             .agg = sq_col_text(q, 5),
                             .entity_type = sq_col_text(q, 6),
                             .kind = sq_col_text(q, 7),
                             .has_min = sqlite3_column_type(q, 8) != SQLITE_NULL,
                             .has_max = sqlite3_column_type(q, 9) != SQLITE_NULL,
                             .min = sqlite3_column_double(q, 8),
                             .max = sqlite3_column_double(q, 9)};
    if (fn(ud, &m)) break;
  }
  sqlite3_reset(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int named_upsert(struct store *st, const char *table, const struct store_named *n,
                        int64_t *out_id, struct zz_err *e) {
  CONN_OR_FAIL(SQ_S(st), c, e);
  int dept = strcmp(table, "department") == 0;
  ZZ_ASSERT(dept || strcmp(table, "entity_type") == 0);
  sqlite3_stmt *q =
      dept ? sq_stmt(c, SQ_DEPT_UPSERT,
                     "INSERT INTO department(key, name_zh, name_en, extra) VALUES(?1, ?2, ?3, ?4)"
                     " ON CONFLICT(key) DO UPDATE SET name_zh = excluded.name_zh,"
                     " name_en = excluded.name_en, extra = excluded.extra RETURNING id")
           : sq_stmt(c, SQ_ETYPE_UPSERT,
                     "INSERT INTO entity_type(key, name_zh, name_en, extra) VALUES(?1, ?2, ?3, ?4)"
                     " ON CONFLICT(key) DO UPDATE SET name_zh = excluded.name_zh,"
                     " name_en = excluded.name_en, extra = excluded.extra RETURNING id");
  if (!q) return zz_fail(e, ZZ_ESTORE, table, "cannot prepare");
  sq_bind_text(q, 1, n->key);
  sq_bind_text(q, 2, n->name_zh);
  sq_bind_text(q, 3, n->name_en);
  sq_bind_text(q, 4, n->extra_json);
  return step_id(c, q, out_id, e, table);
}

static int doc_put(struct store *st, const char *key, const char *json, struct zz_err *e) {
  CONN_OR_FAIL(SQ_S(st), c, e);
  sqlite3_stmt *q = sq_stmt(c, SQ_DOC_PUT,
                            "INSERT INTO doc(key, body, updated) VALUES(?1, ?2, ?3)"
                            " ON CONFLICT(key) DO UPDATE SET body = excluded.body,"
                            " updated = excluded.updated");
  if (!q) return zz_fail(e, ZZ_ESTORE, "doc", "cannot prepare");
  sq_bind_text(q, 1, key);
  sq_bind_text(q, 2, json);
  sqlite3_bind_int64(q, 3, zz_time_now());
  return step_done(c, q, e, "doc");
}

static int doc_get(struct store *st, const char *key, int (*fn)(void *, const char *), void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(c, SQ_DOC_GET, "SELECT body FROM doc WHERE key = ?1");
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, key);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) fn(ud, sq_col_text(q, 0));
  sqlite3_reset(q);
  return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ZZ_ENOTFOUND : ZZ_ESTORE;
}

static int named_each(struct store *st, const char *table,
                      int (*fn)(void *, const struct store_named *), void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  int dept = strcmp(table, "department") == 0;
  sqlite3_stmt *q =
      dept ? sq_stmt(c, SQ_DEPTS,
                     "SELECT id, key, name_zh, name_en, extra FROM department ORDER BY id")
           : sq_stmt(c, SQ_ETYPES,
                     "SELECT id, key, name_zh, name_en, extra FROM entity_type ORDER BY id");
  if (!q) return ZZ_ESTORE;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_named n = {.id = sqlite3_column_int64(q, 0),
                            .key = sq_col_text(q, 1),
                            .name_zh = sq_col_text(q, 2),
                            .name_en = sq_col_text(q, 3),
                            .extra_json = sq_col_text(q, 4)};
    if (fn(ud, &n)) break;
  }
  sqlite3_reset(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- sources ---- */

static int source_upsert(struct store *st, const struct store_source *so, int64_t *out_id,
                         struct zz_err *e) {
  CONN_OR_FAIL(SQ_S(st), c, e);
  sqlite3_stmt *q = sq_stmt(
      c, SQ_SOURCE_UPSERT,
      "INSERT INTO source(key, name_zh, name_en, department, kind, metrics, entity_types, regions)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(key) DO UPDATE SET"
      " name_zh = excluded.name_zh, name_en = excluded.name_en, department = excluded.department,"
      " kind = excluded.kind, metrics = excluded.metrics, entity_types = excluded.entity_types,"
      " regions = excluded.regions RETURNING id");
  if (!q) return zz_fail(e, ZZ_ESTORE, "source", "cannot prepare");
  sq_bind_text(q, 1, so->key);
  sq_bind_text(q, 2, so->name_zh);
  sq_bind_text(q, 3, so->name_en);
  sq_bind_text(q, 4, so->department);
  sq_bind_text(q, 5, so->kind);
  sq_bind_text(q, 6, so->metrics_json ? so->metrics_json : "[]");
  sq_bind_text(q, 7, so->entity_types_json);
  sq_bind_text(q, 8, so->regions_json);
  return step_id(c, q, out_id, e, "source");
}

static int source_set_token(struct store *st, int64_t id, const char *token_hash,
                            struct zz_err *e) {
  CONN_OR_FAIL(SQ_S(st), c, e);
  sqlite3_stmt *q = sq_stmt(c, SQ_SOURCE_TOKEN, "UPDATE source SET token_hash = ?2 WHERE id = ?1");
  if (!q) return zz_fail(e, ZZ_ESTORE, "source", "cannot prepare");
  sqlite3_bind_int64(q, 1, id);
  sq_bind_text(q, 2, token_hash);
  return step_done(c, q, e, "source");
}

static int source_by_token(struct store *st, const char *token_hash, int64_t *out_id) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(c, SQ_SOURCE_BY_TOKEN, "SELECT id FROM source WHERE token_hash = ?1");
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  int rc = sqlite3_step(q);
  int r = ZZ_ENOTFOUND;
  if (rc == SQLITE_ROW) {
    *out_id = sqlite3_column_int64(q, 0);
    r = 0;
  }
  sqlite3_reset(q);
  return r;
}

static int sources_each(struct store *st, int (*fn)(void *, const struct store_source *),
                        void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q =
      sq_stmt(c, SQ_SOURCES,
              "SELECT id, key, name_zh, name_en, department, kind, metrics, records, last_seen,"
              " entity_types, regions FROM source ORDER BY id");
  if (!q) return ZZ_ESTORE;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_source so = {.id = sqlite3_column_int64(q, 0),
                              .key = sq_col_text(q, 1),
                              .name_zh = sq_col_text(q, 2),
                              .name_en = sq_col_text(q, 3),
                              .department = sq_col_text(q, 4),
                              .kind = sq_col_text(q, 5),
                              .metrics_json = sq_col_text(q, 6),
                              .records = sqlite3_column_int64(q, 7),
                              .last_seen = sqlite3_column_int64(q, 8),
                              .entity_types_json = sq_col_text(q, 9),
                              .regions_json = sq_col_text(q, 10)};
    if (fn(ud, &so)) break;
  }
  sqlite3_reset(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- entities ---- */

static int entity_upsert(struct store *st, const struct store_entity *en, int64_t rpos,
                         int64_t *out_id, struct zz_err *e) {
  atomic_fetch_add(&SQ_S(st)->series_version, 1);
  CONN_OR_FAIL(SQ_S(st), c, e);
  sqlite3_stmt *q = sq_stmt(
      c, SQ_ENTITY_UPSERT,
      "INSERT INTO entity(key, type, name_zh, name_en, region, rpos, lon, lat, attrs, status, "
      "updated)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT(key) DO UPDATE SET"
      " type = excluded.type, name_zh = excluded.name_zh, name_en = excluded.name_en,"
      " region = excluded.region, rpos = excluded.rpos, lon = excluded.lon, lat = excluded.lat,"
      " attrs = excluded.attrs, status = coalesce(excluded.status, entity.status), updated = "
      "excluded.updated"
      " RETURNING id");
  if (!q) return zz_fail(e, ZZ_ESTORE, "entity", "cannot prepare");
  sq_bind_text(q, 1, en->key);
  sq_bind_text(q, 2, en->type);
  sq_bind_text(q, 3, en->name_zh);
  sq_bind_text(q, 4, en->name_en);
  sqlite3_bind_int64(q, 5, en->region);
  sqlite3_bind_int64(q, 6, rpos);
  if (isnan(en->lon))
    sqlite3_bind_null(q, 7);
  else
    sqlite3_bind_double(q, 7, en->lon);
  if (isnan(en->lat))
    sqlite3_bind_null(q, 8);
  else
    sqlite3_bind_double(q, 8, en->lat);
  sq_bind_text(q, 9, en->attrs_json ? en->attrs_json : "{}");
  sq_bind_text(q, 10, en->status);
  sqlite3_bind_int64(q, 11, en->updated);
  return step_id(c, q, out_id, e, "entity");
}

static void entity_row(sqlite3_stmt *q, struct store_entity *en) {
  en->id = sqlite3_column_int64(q, 0);
  en->key = sq_col_text(q, 1);
  en->type = sq_col_text(q, 2);
  en->name_zh = sq_col_text(q, 3);
  en->name_en = sq_col_text(q, 4);
  en->region = sqlite3_column_int64(q, 5);
  en->lon = sq_col_real(q, 6);
  en->lat = sq_col_real(q, 7);
  en->attrs_json = sq_col_text(q, 8);
  en->status = sq_col_text(q, 9);
  en->updated = sqlite3_column_int64(q, 10);
}

#define ENTITY_COLS "id, key, type, name_zh, name_en, region, lon, lat, attrs, status, updated"

static int entity_get(struct store *st, const char *key,
                      int (*fn)(void *, const struct store_entity *), void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(c, SQ_ENTITY_GET, "SELECT " ENTITY_COLS " FROM entity WHERE key = ?1");
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, key);
  int rc = sqlite3_step(q), r = ZZ_ENOTFOUND;
  if (rc == SQLITE_ROW) {
    struct store_entity en;
    entity_row(q, &en);
    fn(ud, &en);
    r = 0;
  }
  sqlite3_reset(q);
  return r;
}

static int entities_each(struct store *st, const struct store_entity_filter *f,
                         int (*fn)(void *, const struct store_entity *), void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(c, SQ_ENTITIES,
                            "SELECT " ENTITY_COLS " FROM entity WHERE id > ?1"
                            " AND (?2 IS NULL OR type = ?2) AND (?3 = 0 OR rpos BETWEEN ?3 AND ?4)"
                            " AND (?5 IS NULL OR json_extract(attrs, ?5) = ?6 OR "
                            "CAST(json_extract(attrs, ?5) AS TEXT) = ?6)"
                            " ORDER BY id LIMIT ?7");
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, f->after_id);
  sq_bind_text(q, 2, f->type);
  sqlite3_bind_int64(q, 3, f->rpos_lo);
  sqlite3_bind_int64(q, 4, f->rpos_hi);
  sq_bind_text(q, 5, f->attr_path);
  sq_bind_text(q, 6, f->attr_value);
  sqlite3_bind_int(q, 7, f->limit > 0 ? f->limit : 100);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_entity en;
    entity_row(q, &en);
    if (fn(ud, &en)) break;
  }
  sqlite3_reset(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_fail(c->db, rc, NULL, "entities");
}

static int entities_scan(struct store *st, int (*fn)(void *, const struct store_entity *),
                         void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(
      c, SQ_ENTITIES_SCAN,
      "SELECT id, key, type, NULL, NULL, region, lon, lat, NULL, NULL, 0 FROM entity ORDER BY id");
  if (!q) return ZZ_ESTORE;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_entity en;
    entity_row(q, &en);
    if (fn(ud, &en)) break;
  }
  sqlite3_reset(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int entities_set_rpos(struct store *st, int64_t region, int64_t rpos) {
  atomic_fetch_add(&SQ_S(st)->series_version, 1);
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q =
      sq_stmt(c, SQ_ENTITY_RPOS, "UPDATE entity SET rpos = ?2 WHERE region = ?1 AND rpos != ?2");
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, region);
  sqlite3_bind_int64(q, 2, rpos);
  return step_done(c, q, NULL, "entity");
}

/* ---- rollup reads ---- */

static void agg_row(sqlite3_stmt *q, int first, struct store_agg *a) {
  a->n = sqlite3_column_int64(q, first);
  a->sum = sqlite3_column_double(q, first + 1);
  a->min = sq_col_real(q, first + 2);
  a->max = sq_col_real(q, first + 3);
  a->last = sq_col_real(q, first + 4);
  a->last_ts = sqlite3_column_int64(q, first + 5);
}

/* Steps a statement whose rows are (bucket, n, sum, min, max, last, last_ts)
 * and calls fn for each until it returns non-zero. */
static int each_bucket(sqlite3_stmt *q, store_bucket_fn fn, void *ud) {
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_agg a;
    agg_row(q, 1, &a);
    if (fn(ud, sqlite3_column_int64(q, 0), &a)) break;
  }
  sqlite3_reset(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int rollup_buckets(struct store *st, int64_t metric, int64_t region, enum zz_grain g,
                          int64_t from, int64_t to, store_bucket_fn fn, void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(
      c, SQ_ROLLUP_BUCKETS,
      "SELECT bucket, n, sum, min, max, last, last_ts FROM rollup WHERE metric = ?1 AND node = ?2"
      " AND grain = ?3 AND bucket >= ?4 AND bucket < ?5 ORDER BY bucket");
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, metric);
  sqlite3_bind_int64(q, 2, region);
  sqlite3_bind_int(q, 3, (int)g);
  sqlite3_bind_int64(q, 4, from);
  sqlite3_bind_int64(q, 5, to);
  return each_bucket(q, fn, ud);
}

/* Entity aggregates: the series of the metric in the subtree are gathered
 * first (a small map), then the srollup rows of the range are scanned once in
 * key order and folded into their entity. */
struct ent_slot {
  int64_t series, entity;
  struct store_agg a;
  int seen;
};

static int cmp_slot(const void *x, const void *y) {
  int64_t a = ((const struct ent_slot *)x)->series, b = ((const struct ent_slot *)y)->series;
  return a < b ? -1 : a > b;
}

static void fold(struct store_agg *into, const struct store_agg *a, int *seen) {
  if (!*seen) {
    *into = *a;
    *seen = 1;
    return;
  }
  into->n += a->n;
  into->sum += a->sum;
  if (a->min < into->min || isnan(into->min)) into->min = a->min;
  if (a->max > into->max || isnan(into->max)) into->max = a->max;
  if (a->last_ts >= into->last_ts) {
    into->last_ts = a->last_ts;
    into->last = a->last;
  }
}

/* Subtracts the additive part of a from into (the year-to-date trick). */
static void unfold(struct store_agg *into, const struct store_agg *a, int *seen) {
  (void)seen;
  into->n -= a->n;
  into->sum -= a->sum;
}

static int scan_srollup_sub(struct sq_conn *c, int64_t metric, enum zz_grain g, int64_t from,
                            int64_t to, struct ent_slot *slots, size_t nslots, int subtract) {
  if (from >= to) return 0;
  sqlite3_stmt *q = sq_stmt(
      c, SQ_SROLLUP_RANGE,
      "SELECT series, n, sum, min, max, last, last_ts FROM srollup WHERE metric = ?1 AND grain = ?2"
      " AND bucket >= ?3 AND bucket < ?4");
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, metric);
  sqlite3_bind_int(q, 2, (int)g);
  sqlite3_bind_int64(q, 3, from);
  sqlite3_bind_int64(q, 4, to);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct ent_slot key = {.series = sqlite3_column_int64(q, 0)};
    struct ent_slot *slot = bsearch(&key, slots, nslots, sizeof *slots, cmp_slot);
    if (!slot) continue;
    struct store_agg a;
    agg_row(q, 1, &a);
    if (subtract)
      unfold(&slot->a, &a, &slot->seen);
    else
      fold(&slot->a, &a, &slot->seen);
  }
  sqlite3_reset(q);
  return rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int scan_srollup(struct sq_conn *c, int64_t metric, enum zz_grain g, int64_t from,
                        int64_t to, struct ent_slot *slots, size_t nslots) {
  return scan_srollup_sub(c, metric, g, from, to, slots, nslots, 0);
}

/* Returns the (cached) series of metric in [lo, hi] of type, sorted by id;
 * NULL with *rc set on failure. The list belongs to the connection. */
static const struct sq_series_list *series_list(struct sq_store *s, struct sq_conn *c,
                                                int64_t metric, int64_t lo, int64_t hi,
                                                const char *type, int *rc) {
  int64_t version = atomic_load(&s->series_version);
  const char *t = type ? type : "";
  for (int i = 0; i < SQ_SERIES_LISTS; i++) {
    struct sq_series_list *l = &c->lists[i];
    if (l->series && l->version == version && l->metric == metric && l->lo == lo && l->hi == hi &&
        strcmp(l->type, t) == 0)
      return l;
  }
  struct sq_series_list *l = &c->lists[c->next_list++ % SQ_SERIES_LISTS];
  zz_free(l->series);
  zz_free(l->entity);
  memset(l, 0, sizeof *l);
  sqlite3_stmt *q = sq_stmt(
      c, SQ_ENTITY_SERIES,
      "SELECT s.id, s.entity FROM series s JOIN entity e ON e.id = s.entity WHERE s.metric = ?1"
      " AND e.rpos BETWEEN ?2 AND ?3 AND (?4 IS NULL OR e.type = ?4) ORDER BY s.id");
  if (!q) {
    *rc = ZZ_ESTORE;
    return NULL;
  }
  sqlite3_bind_int64(q, 1, metric);
  sqlite3_bind_int64(q, 2, lo ? lo : INT64_MIN); /* 0, 0: every region */
  sqlite3_bind_int64(q, 3, lo ? hi : INT64_MAX);
  sq_bind_text(q, 4, type);
  size_t cap = 0;
  int step;
  *rc = 0;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    if (l->n == cap) {
      cap = cap ? cap * 2 : 256;
      int64_t *ps = zz_realloc(l->series, cap * sizeof *ps);
      if (ps) l->series = ps;
      int64_t *pe = ps ? zz_realloc(l->entity, cap * sizeof *pe) : NULL;
      if (pe) l->entity = pe;
      if (!ps || !pe) {
        *rc = ZZ_ENOMEM;
        break;
      }
    }
    l->series[l->n] = sqlite3_column_int64(q, 0);
    l->entity[l->n++] = sqlite3_column_int64(q, 1);
  }
  sqlite3_reset(q);
  if (!*rc && step != SQLITE_DONE) *rc = ZZ_ESTORE;
  if (*rc) {
    zz_free(l->series), zz_free(l->entity);
    memset(l, 0, sizeof *l);
    return NULL;
  }
  if (!l->series)
    l->series = zz_malloc(sizeof *l->series), l->entity = zz_malloc(sizeof *l->entity);
  l->version = version;
  l->metric = metric;
  l->lo = lo;
  l->hi = hi;
  zz_strlcpy(l->type, t, sizeof l->type);
  return l;
}

static int entity_aggs(struct store *st, int64_t metric, int64_t rpos_lo, int64_t rpos_hi,
                       const char *type, int64_t from, int64_t to, int additive,
                       store_series_agg_fn fn, void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  int r = 0;
  const struct sq_series_list *l = series_list(SQ_S(st), c, metric, rpos_lo, rpos_hi, type, &r);
  if (!l) return r;
  size_t n = l->n;
  struct ent_slot *slots = zz_calloc(n ? n : 1, sizeof *slots);
  if (!slots) return ZZ_ENOMEM;
  for (size_t i = 0; i < n; i++)
    slots[i] = (struct ent_slot){.series = l->series[i], .entity = l->entity[i]};
  int64_t from_day = zz_bucket_start(from, ZZ_GRAIN_DAY);
  int64_t to_day = zz_bucket_start(to, ZZ_GRAIN_DAY);
  if (to_day < to) to_day = zz_bucket_next(to_day, ZZ_GRAIN_DAY);
  int64_t year = zz_bucket_start(from_day, ZZ_GRAIN_YEAR),
          year_end = zz_bucket_next(year, ZZ_GRAIN_YEAR);
  if (additive && from_day == year && to_day <= year_end && to_day > zz_time_now()) {
    /* Year to date: the year row holds everything; what lies after to_day
     * (records up to a day ahead, rarely any) is subtracted. One row per
     * series instead of a month or day row each. */
    if ((r = scan_srollup(c, metric, ZZ_GRAIN_YEAR, year, year_end, slots, n)) ||
        (r = scan_srollup_sub(c, metric, ZZ_GRAIN_DAY, to_day, year_end, slots, n, 1)))
      goto done;
    for (size_t i = 0; i < n; i++) slots[i].a.min = slots[i].a.max = slots[i].a.last = NAN;
  } else {
    /* whole months where the range covers them, whole days at the edges */
    int64_t m0 = zz_bucket_start(from_day, ZZ_GRAIN_MONTH);
    if (m0 < from_day) m0 = zz_bucket_next(m0, ZZ_GRAIN_MONTH);
    int64_t m1 = zz_bucket_start(to_day, ZZ_GRAIN_MONTH);
    if (m0 < m1) {
      if ((r = scan_srollup(c, metric, ZZ_GRAIN_DAY, from_day, m0, slots, n)) ||
          (r = scan_srollup(c, metric, ZZ_GRAIN_MONTH, m0, m1, slots, n)) ||
          (r = scan_srollup(c, metric, ZZ_GRAIN_DAY, m1, to_day, slots, n)))
        goto done;
    } else if ((r = scan_srollup(c, metric, ZZ_GRAIN_DAY, from_day, to_day, slots, n))) {
      goto done;
    }
  }
  for (size_t i = 0; i < n; i++)
    if (slots[i].seen && slots[i].a.n > 0 && fn(ud, slots[i].entity, &slots[i].a)) break;
done:
  zz_free(slots);
  return r;
}

static int entity_buckets(struct store *st, int64_t entity, int64_t metric, enum zz_grain g,
                          int64_t from, int64_t to, store_bucket_fn fn, void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(
      c, SQ_SROLLUP_ONE,
      "SELECT r.bucket, r.n, r.sum, r.min, r.max, r.last, r.last_ts FROM series s"
      " JOIN srollup r ON r.series = s.id AND r.grain = ?3 AND r.bucket >= ?4 AND r.bucket < ?5"
      " WHERE s.entity = ?1 AND s.metric = ?2 ORDER BY r.bucket");
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, entity);
  sqlite3_bind_int64(q, 2, metric);
  sqlite3_bind_int(q, 3, (int)g);
  sqlite3_bind_int64(q, 4, from);
  sqlite3_bind_int64(q, 5, to);
  return each_bucket(q, fn, ud);
}

/* Four constant statements rather than optional filters written as
 * "(?x IS NULL OR col = ?x)", which keep SQLite from using an index: the
 * entity_rpos (rpos, type) index finds the subtree's entities of a type, and
 * series' (entity, metric) key finds their series. */
static const char *const latest_sql[4] = {
    "SELECT s.entity, s.metric, s.last_ts, s.last_value FROM entity e JOIN series s ON s.entity = "
    "e.id"
    " WHERE e.rpos BETWEEN ?2 AND ?3 AND s.last_ts IS NOT NULL ORDER BY s.entity, s.metric",
    "SELECT s.entity, s.metric, s.last_ts, s.last_value FROM entity e JOIN series s ON s.entity = "
    "e.id"
    " AND s.metric = ?1 WHERE e.rpos BETWEEN ?2 AND ?3 AND s.last_ts IS NOT NULL ORDER BY s.entity",
    "SELECT s.entity, s.metric, s.last_ts, s.last_value FROM entity e JOIN series s ON s.entity = "
    "e.id"
    " WHERE e.rpos BETWEEN ?2 AND ?3 AND e.type = ?4 AND s.last_ts IS NOT NULL ORDER BY s.entity, "
    "s.metric",
    "SELECT s.entity, s.metric, s.last_ts, s.last_value FROM entity e JOIN series s ON s.entity = "
    "e.id"
    " AND s.metric = ?1 WHERE e.rpos BETWEEN ?2 AND ?3 AND e.type = ?4 AND s.last_ts IS NOT NULL"
    " ORDER BY s.entity",
};

static int latest_each(struct store *st, int64_t metric, int64_t entity, int64_t rpos_lo,
                       int64_t rpos_hi, const char *type,
                       int (*fn)(void *, int64_t, int64_t, int64_t, double), void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q;
  if (entity) {
    q = sq_stmt(c, SQ_LATEST_ENTITY,
                "SELECT entity, metric, last_ts, last_value FROM series WHERE entity = ?1"
                " AND last_ts IS NOT NULL ORDER BY metric");
    if (!q) return ZZ_ESTORE;
    sqlite3_bind_int64(q, 1, entity);
  } else {
    int variant = (metric ? 1 : 0) | (type ? 2 : 0);
    q = sq_stmt(c, (enum sq_stmt)(SQ_LATEST + variant), latest_sql[variant]);
    if (!q) return ZZ_ESTORE;
    if (metric) sqlite3_bind_int64(q, 1, metric);
    sqlite3_bind_int64(q, 2, rpos_lo ? rpos_lo : INT64_MIN); /* 0, 0: every region */
    sqlite3_bind_int64(q, 3, rpos_lo ? rpos_hi : INT64_MAX);
    if (type) sq_bind_text(q, 4, type);
  }
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (fn(ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2),
           sqlite3_column_double(q, 3)))
      break;
  }
  sqlite3_reset(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int records_each(struct store *st, int64_t entity, int64_t metric, int64_t from, int64_t to,
                        int limit, int (*fn)(void *, int64_t, double), void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q =
      sq_stmt(c, SQ_RECORDS,
              "SELECT r.ts, r.value FROM series s JOIN record r ON r.series = s.id AND r.ts >= ?3"
              " AND r.ts < ?4 WHERE s.entity = ?1 AND s.metric = ?2 ORDER BY r.ts LIMIT ?5");
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, entity);
  sqlite3_bind_int64(q, 2, metric);
  sqlite3_bind_int64(q, 3, from);
  sqlite3_bind_int64(q, 4, to);
  sqlite3_bind_int(q, 5, limit > 0 ? limit : 100000);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW)
    if (fn(ud, sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1))) break;
  sqlite3_reset(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int64_t catalog_version(struct store *st) {
  return atomic_load(&SQ_S(st)->series_version);
}

static int64_t records_count(struct store *st) {
  return atomic_load(&SQ_S(st)->total_records);
}

/* ---- accounts ---- */

static int user_upsert(struct store *st, const struct store_user *u, int64_t *out_id,
                       struct zz_err *e) {
  CONN_OR_FAIL(SQ_S(st), c, e);
  sqlite3_stmt *q = sq_stmt(
      c, SQ_USER_UPSERT,
      "INSERT INTO user(name, role, department, scope, pwhash, created) VALUES(?1, ?2, ?3, ?4, ?5, "
      "?6)"
      " ON CONFLICT(name) DO UPDATE SET role = excluded.role, department = excluded.department,"
      " scope = excluded.scope, pwhash = excluded.pwhash RETURNING id");
  if (!q) return zz_fail(e, ZZ_ESTORE, "user", "cannot prepare");
  sq_bind_text(q, 1, u->name);
  sq_bind_text(q, 2, u->role);
  sq_bind_text(q, 3, u->department);
  sq_bind_text(q, 4, u->scope);
  sq_bind_text(q, 5, u->pwhash);
  sqlite3_bind_int64(q, 6, u->created);
  return step_id(c, q, out_id, e, "user");
}

static int user_get(struct store *st, const char *name, int64_t id,
                    int (*fn)(void *, const struct store_user *), void *ud) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = name ? sq_stmt(c, SQ_USER_BY_NAME,
                                   "SELECT id, name, role, department, scope, pwhash, created, "
                                   "disabled FROM user WHERE name = ?1")
                         : sq_stmt(c, SQ_USER_BY_ID,
                                   "SELECT id, name, role, department, scope, pwhash, created, "
                                   "disabled FROM user WHERE id = ?1");
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
  sqlite3_reset(q);
  return r;
}

static int session_create(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                          struct zz_err *e) {
  CONN_OR_FAIL(SQ_S(st), c, e);
  sqlite3_stmt *q = sq_stmt(c, SQ_SESSION_NEW,
                            "INSERT INTO session(token_hash, user, expires) VALUES(?1, ?2, ?3)");
  if (!q) return zz_fail(e, ZZ_ESTORE, "session", "cannot prepare");
  sq_bind_text(q, 1, token_hash);
  sqlite3_bind_int64(q, 2, user);
  sqlite3_bind_int64(q, 3, expires);
  return step_done(c, q, e, "session");
}

static int session_user(struct store *st, const char *token_hash, int64_t now, int64_t *out_user) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(c, SQ_SESSION_GET,
                            "SELECT s.user FROM session s JOIN user u ON u.id = s.user"
                            " WHERE s.token_hash = ?1 AND s.expires > ?2 AND u.disabled = 0");
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  sqlite3_bind_int64(q, 2, now);
  int r = ZZ_ENOTFOUND;
  if (sqlite3_step(q) == SQLITE_ROW) {
    *out_user = sqlite3_column_int64(q, 0);
    r = 0;
  }
  sqlite3_reset(q);
  return r;
}

static int session_delete(struct store *st, const char *token_hash) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(c, SQ_SESSION_DEL, "DELETE FROM session WHERE token_hash = ?1");
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  return step_done(c, q, NULL, "session");
}

static int device_create(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                         struct zz_err *e) {
  CONN_OR_FAIL(SQ_S(st), c, e);
  sqlite3_stmt *q =
      sq_stmt(c, SQ_DEVICE_NEW, "INSERT INTO device(token_hash, user, expires) VALUES(?1, ?2, ?3)");
  if (!q) return zz_fail(e, ZZ_ESTORE, "device", "cannot prepare");
  sq_bind_text(q, 1, token_hash);
  sqlite3_bind_int64(q, 2, user);
  sqlite3_bind_int64(q, 3, expires);
  int rc = step_done(c, q, e, "device");
  if (rc) return rc;
  /* a user keeps the STORE_DEVICES_PER_USER newest (logins without a cookie
   * jar would pile up for the cookie's lifetime) */
  q = sq_stmt(c, SQ_DEVICE_TRIM,
              "DELETE FROM device WHERE user = ?1 AND token_hash NOT IN"
              " (SELECT token_hash FROM device WHERE user = ?1 ORDER BY expires DESC LIMIT ?2)");
  if (!q) return zz_fail(e, ZZ_ESTORE, "device", "cannot prepare");
  sqlite3_bind_int64(q, 1, user);
  sqlite3_bind_int(q, 2, STORE_DEVICES_PER_USER);
  return step_done(c, q, e, "device");
}

static int device_check(struct store *st, const char *token_hash, const char *name, int64_t now) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(c, SQ_DEVICE_GET,
                            "SELECT 1 FROM device d JOIN user u ON u.id = d.user"
                            " WHERE d.token_hash = ?1 AND u.name = ?2 AND d.expires > ?3"
                            " AND u.disabled = 0");
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  sq_bind_text(q, 2, name);
  sqlite3_bind_int64(q, 3, now);
  int r = sqlite3_step(q) == SQLITE_ROW ? 0 : ZZ_ENOTFOUND;
  sqlite3_reset(q);
  return r;
}

static int device_fail(struct store *st, const char *token_hash, int max_fails) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q =
      sq_stmt(c, SQ_DEVICE_FAIL, "UPDATE device SET fails = fails + 1 WHERE token_hash = ?1");
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  int rc = step_done(c, q, NULL, "device");
  if (rc) return rc;
  q = sq_stmt(c, SQ_DEVICE_DROP, "DELETE FROM device WHERE token_hash = ?1 AND fails >= ?2");
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  sqlite3_bind_int(q, 2, max_fails);
  return step_done(c, q, NULL, "device");
}

static int device_delete(struct store *st, const char *token_hash) {
  CONN_OR_FAIL(SQ_S(st), c, NULL);
  sqlite3_stmt *q = sq_stmt(c, SQ_DEVICE_DEL, "DELETE FROM device WHERE token_hash = ?1");
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  return step_done(c, q, NULL, "device");
}

static int user_change(struct store *st, const char *name, int what, const char *pwhash,
                       struct zz_err *e) {
  CONN_OR_FAIL(SQ_S(st), c, e);
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
  sqlite3_stmt *q = NULL;
  /* rare admin changes: prepared per call rather than cached */
  if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK)
    return zz_fail(e, ZZ_ESTORE, "user", "cannot prepare: %s", sqlite3_errmsg(c->db));
  sq_bind_text(q, 1, name);
  if (what == STORE_USER_PASSWORD) sq_bind_text(q, 2, pwhash);
  int64_t id = 0;
  int rc = step_id(c, q, &id, e, "user");
  sqlite3_finalize(q);
  if (!rc && !id) rc = zz_fail(e, ZZ_ENOTFOUND, "name", "no user called \"%.64s\"", name);
  return rc;
}

/* ---- maintenance ---- */

/* Transactions of the calling thread's connection; nested ones are
 * savepoints (see sq_begin). */
static int txn(struct store *st, int what, struct zz_err *e) {
  sqlite3 *db = sq_conn_db(st);
  if (!db) return zz_fail(e, ZZ_ESTORE, "store", "no database connection");
  if (what == STORE_TXN_BEGIN) return sq_begin(db, e);
  if (what == STORE_TXN_COMMIT) return sq_finish(db, 0, e);
  sq_finish(db, ZZ_ESTORE, NULL);
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
  CONN_OR_FAIL(SQ_S(st), c, e);
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
    .region_upsert = region_upsert,
    .region_set_pos = region_set_pos,
    .regions_each = regions_each,
    .metric_upsert = metric_upsert,
    .metrics_each = metrics_each,
    .named_upsert = named_upsert,
    .named_each = named_each,
    .doc_put = doc_put,
    .catalog_version = catalog_version,
    .doc_get = doc_get,
    .source_upsert = source_upsert,
    .source_set_token = source_set_token,
    .source_by_token = source_by_token,
    .sources_each = sources_each,
    .entity_upsert = entity_upsert,
    .entity_get = entity_get,
    .entities_each = entities_each,
    .entities_scan = entities_scan,
    .entities_set_rpos = entities_set_rpos,
    .records_write_async = sq_records_write_async,
    .records_write_file_async = sq_records_write_file_async,
    .records_write_file = sq_records_write_file,
    .events_write_async = sq_events_write_async,
    .records_write = sq_records_write,
    .events_write = sq_events_write,
    .write_queue_depth = sq_write_queue_depth,
    .rollup_buckets = rollup_buckets,
    .entity_aggs = entity_aggs,
    .entity_buckets = entity_buckets,
    .latest_each = latest_each,
    .records_each = records_each,
    .records_count = records_count,
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
    .prune = sq_prune,
    .txn = txn,
    .backup = backup,
    .close = sq_close,
    .dispatch = &store_sqlite_dispatch_ops,
    .codes = &store_sqlite_codes_ops,
    .catalog = &store_sqlite_catalog_ops,
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
  sqlite3_close(db);
  if (!rc && !opts->no_writer) rc = sq_writer_start(s, e);
  if (rc) {
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
