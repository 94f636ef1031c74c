/* store_alerts.c - the SQLite side of early warning (store_alerts.h): the
 * rules and the alerts they open, at most one open alert per (rule,
 * entity), which the schema's unique index enforces. List filters are
 * assembled from constant fragments, and every value is bound. */
#include <string.h>

#include "store/store_int.h"

/* ---- rules ---- */

static int rule_upsert(struct store *st, const struct store_rule *r, int64_t *out_id,
                       struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 "INSERT INTO rule(key, def, enabled, origin, updated) VALUES(?1, ?2, ?3, ?4, ?5)"
                 " ON CONFLICT(key) DO UPDATE SET def = excluded.def, enabled = excluded.enabled,"
                 " origin = excluded.origin, updated = excluded.updated RETURNING id",
                 e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, r->key);
  sq_bind_text(q, 2, r->def_json);
  sqlite3_bind_int(q, 3, r->enabled);
  sq_bind_text(q, 4, r->origin ? r->origin : "pack");
  sqlite3_bind_int64(q, 5, r->updated);
  return sq_run(c, q, out_id, e, "rule");
}

static int rules_each(struct store *st, int (*fn)(void *, const struct store_rule *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c, "SELECT id, key, def, enabled, origin, updated FROM rule ORDER BY id", NULL);
  if (!q) return ZZ_ESTORE;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_rule r = {.id = sqlite3_column_int64(q, 0),
                           .key = sq_col_text(q, 1),
                           .def_json = sq_col_text(q, 2),
                           .enabled = sqlite3_column_int(q, 3),
                           .origin = sq_col_text(q, 4),
                           .updated = sqlite3_column_int64(q, 5)};
    if (fn(ud, &r)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- alerts ---- */

#define ALERT_COLS                                                                                 \
  "id, rule, entity, region, rpos, severity, state, opened, cleared, value, message, order_id,"    \
  " acked_by, acked_at, entity_key, message_en"

static void alert_row(sqlite3_stmt *q, struct store_alert *a) {
  *a = (struct store_alert){.id = sqlite3_column_int64(q, 0),
                            .rule = sq_col_text(q, 1),
                            .entity = sqlite3_column_int64(q, 2),
                            .region = sqlite3_column_int64(q, 3),
                            .rpos = sqlite3_column_int64(q, 4),
                            .severity = sq_col_text(q, 5),
                            .state = sq_col_text(q, 6),
                            .opened = sqlite3_column_int64(q, 7),
                            .cleared = sqlite3_column_int64(q, 8),
                            .value = sq_col_real(q, 9),
                            .message = sq_col_text(q, 10),
                            .order_id = sqlite3_column_int64(q, 11),
                            .acked_by = sq_col_text(q, 12),
                            .acked_at = sqlite3_column_int64(q, 13),
                            .entity_key = sq_col_text(q, 14),
                            .message_en = sq_col_text(q, 15)};
}

static int alert_insert(struct store *st, const struct store_alert *a, int64_t *out_id,
                        struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 "INSERT INTO alert(rule, entity, region, rpos, severity, state, opened,"
                 " value, message, order_id, entity_key, message_en) VALUES(?1, ?2, ?3, ?4, ?5,"
                 " 'open', ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
                 e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, a->rule);
  sqlite3_bind_int64(q, 2, a->entity);
  sqlite3_bind_int64(q, 3, a->region);
  sqlite3_bind_int64(q, 4, a->rpos);
  sq_bind_text(q, 5, a->severity);
  sqlite3_bind_int64(q, 6, a->opened);
  sq_bind_real(q, 7, a->value);
  sq_bind_text(q, 8, a->message);
  sq_bind_i64z(q, 9, a->order_id);
  sq_bind_text(q, 10, a->entity_key);
  sq_bind_text(q, 11, a->message_en);
  return sq_run(c, q, out_id, e, "alert");
}

static int alert_update(struct store *st, const struct store_alert *a, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 "UPDATE alert SET state = ?2, cleared = ?3, value = ?4, message = ?5,"
                 " order_id = ?6, acked_by = ?7, acked_at = ?8, message_en = ?9,"
                 " severity = coalesce(?10, severity) WHERE id = ?1",
                 e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, a->id);
  sq_bind_text(q, 2, a->state);
  sq_bind_i64z(q, 3, a->cleared);
  sq_bind_real(q, 4, a->value);
  sq_bind_text(q, 5, a->message);
  sq_bind_i64z(q, 6, a->order_id);
  sq_bind_text(q, 7, a->acked_by);
  sq_bind_i64z(q, 8, a->acked_at);
  sq_bind_text(q, 9, a->message_en);
  sq_bind_text(q, 10, a->severity);
  return sq_run(c, q, NULL, e, "alert");
}

static int alerts_each(struct store *st, const struct store_alert_filter *f,
                       int (*fn)(void *, const struct store_alert *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  struct zz_buf sql;
  zz_buf_init(&sql, 0);
  zz_buf_adds(&sql, "SELECT " ALERT_COLS " FROM alert WHERE 1");
  if (f->state) zz_buf_adds(&sql, " AND state = ?1");
  if (f->severity) zz_buf_adds(&sql, " AND severity = ?2");
  if (f->rule) zz_buf_adds(&sql, " AND rule = ?3");
  if (f->rpos_lo || f->rpos_hi) zz_buf_adds(&sql, " AND rpos BETWEEN ?4 AND ?5");
  if (f->entity) zz_buf_adds(&sql, " AND entity = ?6");
  if (f->before_id) zz_buf_adds(&sql, " AND id < ?7");
  zz_buf_adds(&sql, " ORDER BY id DESC LIMIT ?8");
  sqlite3_stmt *q = sql.data ? sq_prepare(c, sql.data, NULL) : NULL;
  zz_buf_free(&sql);
  if (!q) return ZZ_ESTORE;
  if (f->state) sq_bind_text(q, 1, f->state);
  if (f->severity) sq_bind_text(q, 2, f->severity);
  if (f->rule) sq_bind_text(q, 3, f->rule);
  if (f->rpos_lo || f->rpos_hi) {
    sqlite3_bind_int64(q, 4, f->rpos_lo);
    sqlite3_bind_int64(q, 5, f->rpos_hi);
  }
  if (f->entity) sqlite3_bind_int64(q, 6, f->entity);
  if (f->before_id) sqlite3_bind_int64(q, 7, f->before_id);
  sqlite3_bind_int(q, 8, f->limit > 0 ? f->limit : -1);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_alert a;
    alert_row(q, &a);
    if (fn(ud, &a)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int alert_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_alert *),
                     void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "SELECT " ALERT_COLS " FROM alert WHERE id = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  int r = ZZ_ENOTFOUND;
  if (sqlite3_step(q) == SQLITE_ROW) {
    struct store_alert a;
    alert_row(q, &a);
    fn(ud, &a);
    r = 0;
  }
  sq_release(c, q);
  return r;
}

static int alerts_open_count(struct store *st, int64_t *out) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "SELECT count(*) FROM alert WHERE state = 'open'", NULL);
  if (!q) return ZZ_ESTORE;
  int rc = sqlite3_step(q);
  *out = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sq_release(c, q);
  return rc == SQLITE_ROW ? 0 : ZZ_ESTORE;
}

const struct store_alerts_ops store_sqlite_alerts_ops = {
    .rule_upsert = rule_upsert,
    .rules_each = rules_each,
    .alert_insert = alert_insert,
    .alert_update = alert_update,
    .alerts_each = alerts_each,
    .alert_get = alert_get,
    .alerts_open_count = alerts_open_count,
};
