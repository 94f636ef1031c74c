/* store_registry.c - the SQLite side of the registry (store_registry.h):
 * regions, metrics, entity types and departments, sources, entities and the
 * pack's documents. Changes that move entities or series bump the store's
 * series_version, which the read connections' series lists and the
 * catalog version key on. */
#include <math.h>
#include <string.h>

#include "store/store_int.h"

/* ---- regions ---- */

static int region_upsert(struct store *st, const struct store_region *r, int64_t *out_id,
                         struct zz_err *e) {
  struct sq_store *s = SQ_S(st);
  struct sq_conn *c = sq_conn_get(s);
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO region(path, parent, level, name_zh, name_en, geometry, lon, lat, approximate,"
      " adcode) VALUES(?1, (SELECT id FROM region WHERE path = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
      " ?10)"
      " ON CONFLICT(path) DO UPDATE SET parent = excluded.parent, level = excluded.level,"
      " name_zh = excluded.name_zh, name_en = excluded.name_en, geometry = excluded.geometry,"
      " lon = excluded.lon, lat = excluded.lat, approximate = excluded.approximate,"
      " adcode = excluded.adcode RETURNING id",
      e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, r->path);
  sq_bind_text(q, 2, r->parent_path);
  sq_bind_text(q, 3, r->level);
  sq_bind_text(q, 4, r->name_zh);
  sq_bind_text(q, 5, r->name_en);
  sq_bind_text(q, 6, r->geometry);
  sqlite3_bind_double(q, 7, r->lon);
  sqlite3_bind_double(q, 8, r->lat);
  sqlite3_bind_int(q, 9, r->approximate);
  sq_bind_text(q, 10, r->adcode);
  int rc = sq_run(c, q, out_id, e, "region");
  if (!rc) atomic_fetch_add(&s->regions_version, 1);
  return rc;
}

static int region_set_pos(struct store *st, int64_t id, int64_t lo, int64_t hi, struct zz_err *e) {
  atomic_fetch_add(&SQ_S(st)->series_version, 1);
  struct sq_store *s = SQ_S(st);
  struct sq_conn *c = sq_conn_get(s);
  sqlite3_stmt *q = sq_prepare(c, "UPDATE region SET lo = ?2, hi = ?3 WHERE id = ?1", e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  sqlite3_bind_int64(q, 2, lo);
  sqlite3_bind_int64(q, 3, hi);
  int rc = sq_run(c, q, NULL, e, "region");
  if (!rc) atomic_fetch_add(&s->regions_version, 1);
  return rc;
}

static int regions_each(struct store *st, int with_geometry,
                        int (*fn)(void *, const struct store_region *), void *ud) {
  struct sq_store *s = SQ_S(st);
  struct sq_conn *c = sq_conn_get(s);
  sqlite3_stmt *q =
      with_geometry
          ? sq_prepare(
                c,
                "SELECT r.id, r.path, p.path, r.level, r.name_zh, r.name_en, r.geometry, r.lon, "
                "r.lat,"
                " r.approximate, r.lo, r.hi, r.adcode FROM region r LEFT JOIN region p ON p.id = "
                "r.parent "
                "ORDER BY r.id",
                NULL)
          : sq_prepare(
                c,
                "SELECT r.id, r.path, p.path, r.level, r.name_zh, r.name_en, NULL, r.lon, r.lat,"
                " r.approximate, r.lo, r.hi, r.adcode FROM region r LEFT JOIN region p ON p.id = "
                "r.parent "
                "ORDER BY r.id",
                NULL);
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
                             .hi = sqlite3_column_int64(q, 11),
                             .adcode = sq_col_text(q, 12)};
    if (fn(ud, &r)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_fail(c->db, rc, NULL, "regions");
}

/* ---- metrics, entity types, departments ---- */

static int metric_upsert(struct store *st, const struct store_metric *m, int64_t *out_id,
                         struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO metric(key, name_zh, name_en, unit, agg, entity_type, kind, vmin, vmax, states,"
      " raw_days) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
      " ON CONFLICT(key) DO UPDATE SET name_zh = excluded.name_zh,"
      " name_en = excluded.name_en, unit = excluded.unit, agg = excluded.agg,"
      " entity_type = excluded.entity_type, kind = excluded.kind, vmin = excluded.vmin,"
      " vmax = excluded.vmax, states = excluded.states, raw_days = excluded.raw_days RETURNING id",
      e);
  if (!q) return ZZ_ESTORE;
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
  sq_bind_text(q, 10, m->states_json);
  sq_bind_i64z(q, 11, m->raw_days);
  return sq_run(c, q, out_id, e, "metric");
}

static int metrics_each(struct store *st, int (*fn)(void *, const struct store_metric *),
                        void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT id, key, name_zh, name_en, unit, agg, entity_type, kind, vmin, vmax, states,"
      " raw_days FROM metric ORDER BY id",
      NULL);
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
                             .max = sqlite3_column_double(q, 9),
                             .states_json = sq_col_text(q, 10),
                             .raw_days = sqlite3_column_int64(q, 11)};
    if (fn(ud, &m)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int named_upsert(struct store *st, const char *table, const struct store_named *n,
                        int64_t *out_id, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int dept = strcmp(table, "department") == 0;
  ZZ_ASSERT(dept || strcmp(table, "entity_type") == 0);
  sqlite3_stmt *q =
      dept
          ? sq_prepare(c,
                       "INSERT INTO department(key, name_zh, name_en, extra) VALUES(?1, ?2, ?3, ?4)"
                       " ON CONFLICT(key) DO UPDATE SET name_zh = excluded.name_zh,"
                       " name_en = excluded.name_en, extra = excluded.extra RETURNING id",
                       e)
          : sq_prepare(
                c,
                "INSERT INTO entity_type(key, name_zh, name_en, extra) VALUES(?1, ?2, ?3, ?4)"
                " ON CONFLICT(key) DO UPDATE SET name_zh = excluded.name_zh,"
                " name_en = excluded.name_en, extra = excluded.extra RETURNING id",
                e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, n->key);
  sq_bind_text(q, 2, n->name_zh);
  sq_bind_text(q, 3, n->name_en);
  sq_bind_text(q, 4, n->extra_json);
  return sq_run(c, q, out_id, e, table);
}

static int doc_put(struct store *st, const char *key, const char *json, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "INSERT INTO doc(key, body, updated) VALUES(?1, ?2, ?3)"
                               " ON CONFLICT(key) DO UPDATE SET body = excluded.body,"
                               " updated = excluded.updated",
                               e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, key);
  sq_bind_text(q, 2, json);
  sqlite3_bind_int64(q, 3, zz_time_now());
  return sq_run(c, q, NULL, e, "doc");
}

static int doc_get(struct store *st, const char *key, int (*fn)(void *, const char *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "SELECT body FROM doc WHERE key = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, key);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) fn(ud, sq_col_text(q, 0));
  sq_release(c, q);
  return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ZZ_ENOTFOUND : ZZ_ESTORE;
}

static int named_each(struct store *st, const char *table,
                      int (*fn)(void *, const struct store_named *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int dept = strcmp(table, "department") == 0;
  sqlite3_stmt *q =
      dept ? sq_prepare(c, "SELECT id, key, name_zh, name_en, extra FROM department ORDER BY id",
                        NULL)
           : sq_prepare(c, "SELECT id, key, name_zh, name_en, extra FROM entity_type ORDER BY id",
                        NULL);
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
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- sources ---- */

static int source_upsert(struct store *st, const struct store_source *so, int64_t *out_id,
                         struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO source(key, name_zh, name_en, department, kind, metrics, entity_types, regions)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(key) DO UPDATE SET"
      " name_zh = excluded.name_zh, name_en = excluded.name_en, department = excluded.department,"
      " kind = excluded.kind, metrics = excluded.metrics, entity_types = excluded.entity_types,"
      " regions = excluded.regions RETURNING id",
      e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, so->key);
  sq_bind_text(q, 2, so->name_zh);
  sq_bind_text(q, 3, so->name_en);
  sq_bind_text(q, 4, so->department);
  sq_bind_text(q, 5, so->kind);
  sq_bind_text(q, 6, so->metrics_json ? so->metrics_json : "[]");
  sq_bind_text(q, 7, so->entity_types_json);
  sq_bind_text(q, 8, so->regions_json);
  return sq_run(c, q, out_id, e, "source");
}

static int source_set_token(struct store *st, int64_t id, const char *token_hash,
                            struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "UPDATE source SET token_hash = ?2 WHERE id = ?1", e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  sq_bind_text(q, 2, token_hash);
  return sq_run(c, q, NULL, e, "source");
}

static int source_by_token(struct store *st, const char *token_hash, int64_t *out_id) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "SELECT id FROM source WHERE token_hash = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, token_hash);
  int rc = sqlite3_step(q);
  int r = ZZ_ENOTFOUND;
  if (rc == SQLITE_ROW) {
    *out_id = sqlite3_column_int64(q, 0);
    r = 0;
  }
  sq_release(c, q);
  return r;
}

static int sources_each(struct store *st, int (*fn)(void *, const struct store_source *),
                        void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT id, key, name_zh, name_en, department, kind, metrics, records, last_seen,"
      " entity_types, regions, rejected, last_error, last_error_at FROM source ORDER BY id",
      NULL);
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
                              .regions_json = sq_col_text(q, 10),
                              .rejected = sqlite3_column_int64(q, 11),
                              .last_error = sq_col_text(q, 12),
                              .last_error_at = sqlite3_column_int64(q, 13)};
    if (fn(ud, &so)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- entities ---- */

static int entity_upsert(struct store *st, const struct store_entity *en, int64_t rpos,
                         int64_t *out_id, struct zz_err *e) {
  atomic_fetch_add(&SQ_S(st)->series_version, 1);
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO entity(key, type, name_zh, name_en, region, rpos, lon, lat, attrs, status, "
      "updated)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT(key) DO UPDATE SET"
      " type = excluded.type, name_zh = excluded.name_zh, name_en = excluded.name_en,"
      " region = excluded.region, rpos = excluded.rpos, lon = excluded.lon, lat = excluded.lat,"
      " attrs = excluded.attrs, status = coalesce(excluded.status, entity.status), updated = "
      "excluded.updated"
      " RETURNING id",
      e);
  if (!q) return ZZ_ESTORE;
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
  return sq_run(c, q, out_id, e, "entity");
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
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "SELECT " ENTITY_COLS " FROM entity WHERE key = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, key);
  int rc = sqlite3_step(q), r = ZZ_ENOTFOUND;
  if (rc == SQLITE_ROW) {
    struct store_entity en;
    entity_row(q, &en);
    fn(ud, &en);
    r = 0;
  }
  sq_release(c, q);
  return r;
}

static int entities_each(struct store *st, const struct store_entity_filter *f,
                         int (*fn)(void *, const struct store_entity *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 "SELECT " ENTITY_COLS " FROM entity WHERE id > ?1"
                 " AND (?2 IS NULL OR type = ?2) AND (?3 = 0 OR rpos BETWEEN ?3 AND ?4)"
                 " AND (?5 IS NULL OR json_extract(attrs, ?5) = ?6 OR "
                 "CAST(json_extract(attrs, ?5) AS TEXT) = ?6)"
                 " AND (?8 IS NULL OR instr(name_zh, ?8) OR instr(name_en, ?8))"
                 " ORDER BY id LIMIT ?7",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 8, f->name);
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
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_fail(c->db, rc, NULL, "entities");
}

static int entities_count(struct store *st, const struct store_entity_filter *f, int64_t *out) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 "SELECT count(*) FROM entity WHERE id > ?1"
                 " AND (?2 IS NULL OR type = ?2) AND (?3 = 0 OR rpos BETWEEN ?3 AND ?4)"
                 " AND (?5 IS NULL OR json_extract(attrs, ?5) = ?6 OR "
                 "CAST(json_extract(attrs, ?5) AS TEXT) = ?6)"
                 " AND (?7 IS NULL OR instr(name_zh, ?7) OR instr(name_en, ?7))",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 7, f->name);
  sqlite3_bind_int64(q, 1, f->after_id);
  sq_bind_text(q, 2, f->type);
  sqlite3_bind_int64(q, 3, f->rpos_lo);
  sqlite3_bind_int64(q, 4, f->rpos_hi);
  sq_bind_text(q, 5, f->attr_path);
  sq_bind_text(q, 6, f->attr_value);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) *out = sqlite3_column_int64(q, 0);
  sq_release(c, q);
  return rc == SQLITE_ROW ? 0 : sq_fail(c->db, rc, NULL, "entities");
}

static int entities_scan(struct store *st, int (*fn)(void *, const struct store_entity *),
                         void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT id, key, type, NULL, NULL, region, lon, lat, NULL, NULL, 0 FROM entity ORDER BY id",
      NULL);
  if (!q) return ZZ_ESTORE;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_entity en;
    entity_row(q, &en);
    if (fn(ud, &en)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int entities_set_rpos(struct store *st, int64_t region, int64_t rpos) {
  atomic_fetch_add(&SQ_S(st)->series_version, 1);
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c, "UPDATE entity SET rpos = ?2 WHERE region = ?1 AND rpos != ?2", NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, region);
  sqlite3_bind_int64(q, 2, rpos);
  return sq_run(c, q, NULL, NULL, "entity");
}

static int64_t catalog_version(struct store *st) {
  return atomic_load(&SQ_S(st)->series_version);
}

const struct store_registry_ops store_sqlite_registry_ops = {
    .region_upsert = region_upsert,
    .region_set_pos = region_set_pos,
    .regions_each = regions_each,
    .metric_upsert = metric_upsert,
    .metrics_each = metrics_each,
    .named_upsert = named_upsert,
    .named_each = named_each,
    .source_upsert = source_upsert,
    .source_set_token = source_set_token,
    .source_by_token = source_by_token,
    .sources_each = sources_each,
    .entity_upsert = entity_upsert,
    .entity_get = entity_get,
    .entities_each = entities_each,
    .entities_count = entities_count,
    .entities_scan = entities_scan,
    .entities_set_rpos = entities_set_rpos,
    .catalog_version = catalog_version,
    .doc_put = doc_put,
    .doc_get = doc_get,
};
