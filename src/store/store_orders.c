/* store_orders.c - the SQLite side of early warning and dispatch: matters,
 * rules, alerts, work orders and their append-only timeline, evidence and
 * the admin audit (store_dispatch.h). These tables see a few writes a
 * second at most, so statements are prepared per call on the calling
 * thread's connection instead of taking slots in the hot-path cache; list
 * filters are assembled from constant fragments, and every value is bound. */
#include <math.h>
#include <string.h>

#include "store/store_int.h"

/* ---- matters ---- */

static int matter_upsert(struct store *st, const struct store_matter *m, int64_t *out_id,
                         struct zz_err *e) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q = sq_prepare(
      db,
      "INSERT INTO matter(key, name_zh, name_en, kind, departments, sla_accept_minutes,"
      " sla_resolve_minutes, extra) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(key) DO"
      " UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, kind = excluded.kind,"
      " departments = excluded.departments, sla_accept_minutes = excluded.sla_accept_minutes,"
      " sla_resolve_minutes = excluded.sla_resolve_minutes, extra = excluded.extra RETURNING id",
      e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, m->key);
  sq_bind_text(q, 2, m->name_zh);
  sq_bind_text(q, 3, m->name_en);
  sq_bind_text(q, 4, m->kind);
  sq_bind_text(q, 5, m->departments_json ? m->departments_json : "[]");
  sqlite3_bind_int64(q, 6, m->sla_accept_minutes);
  sqlite3_bind_int64(q, 7, m->sla_resolve_minutes);
  sq_bind_text(q, 8, m->extra_json ? m->extra_json : "{}");
  return sq_run(db, q, out_id, e, "matter");
}

static int matters_each(struct store *st, int (*fn)(void *, const struct store_matter *),
                        void *ud) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q =
      sq_prepare(db,
                 "SELECT id, key, name_zh, name_en, kind, departments, sla_accept_minutes,"
                 " sla_resolve_minutes, extra FROM matter ORDER BY id",
                 NULL);
  if (!q) return ZZ_ESTORE;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_matter m = {.id = sqlite3_column_int64(q, 0),
                             .key = sq_col_text(q, 1),
                             .name_zh = sq_col_text(q, 2),
                             .name_en = sq_col_text(q, 3),
                             .kind = sq_col_text(q, 4),
                             .departments_json = sq_col_text(q, 5),
                             .sla_accept_minutes = sqlite3_column_int64(q, 6),
                             .sla_resolve_minutes = sqlite3_column_int64(q, 7),
                             .extra_json = sq_col_text(q, 8)};
    if (fn(ud, &m)) break;
  }
  sq_release(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- rules ---- */

static int rule_upsert(struct store *st, const struct store_rule *r, int64_t *out_id,
                       struct zz_err *e) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q =
      sq_prepare(db,
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
  return sq_run(db, q, out_id, e, "rule");
}

static int rules_each(struct store *st, int (*fn)(void *, const struct store_rule *), void *ud) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q =
      sq_prepare(db, "SELECT id, key, def, enabled, origin, updated FROM rule ORDER BY id", NULL);
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
  sq_release(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- alerts ---- */

#define ALERT_COLS                                                                                 \
  "id, rule, entity, region, rpos, severity, state, opened, cleared, value, message, order_id,"    \
  " acked_by, acked_at, entity_key"

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
                            .entity_key = sq_col_text(q, 14)};
}

static int alert_insert(struct store *st, const struct store_alert *a, int64_t *out_id,
                        struct zz_err *e) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q =
      sq_prepare(db,
                 "INSERT INTO alert(rule, entity, region, rpos, severity, state, opened,"
                 " value, message, order_id, entity_key) VALUES(?1, ?2, ?3, ?4, ?5, 'open',"
                 " ?6, ?7, ?8, ?9, ?10) RETURNING id",
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
  return sq_run(db, q, out_id, e, "alert");
}

static int alert_update(struct store *st, const struct store_alert *a, struct zz_err *e) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q =
      sq_prepare(db,
                 "UPDATE alert SET state = ?2, cleared = ?3, value = ?4, message = ?5,"
                 " order_id = ?6, acked_by = ?7, acked_at = ?8 WHERE id = ?1",
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
  return sq_run(db, q, NULL, e, "alert");
}

static int alerts_each(struct store *st, const struct store_alert_filter *f,
                       int (*fn)(void *, const struct store_alert *), void *ud) {
  sqlite3 *db = sq_conn_db(st);
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
  sqlite3_stmt *q = sql.data ? sq_prepare(db, sql.data, NULL) : NULL;
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
  sq_release(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int alert_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_alert *),
                     void *ud) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q = sq_prepare(db, "SELECT " ALERT_COLS " FROM alert WHERE id = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  int r = ZZ_ENOTFOUND;
  if (sqlite3_step(q) == SQLITE_ROW) {
    struct store_alert a;
    alert_row(q, &a);
    fn(ud, &a);
    r = 0;
  }
  sq_release(q);
  return r;
}

/* ---- work orders ---- */

#define ORDER_COLS                                                                                 \
  "id, parent, matter, title, description, state, department, channel, region, rpos, entity,"      \
  " lon, lat, alert, reporter, reporters, created, updated, dispatched_at, accept_due,"            \
  " resolve_due, accepted_at, resolved_at, closed_at, overdue, supervised, escalated,"             \
  " escalate_at, escalated_to, duplicate_of, merged_into, rating, rating_note, version"

static void order_row(sqlite3_stmt *q, struct store_order *o) {
  int i = 0;
  o->id = sqlite3_column_int64(q, i++);
  o->parent = sqlite3_column_int64(q, i++);
  o->matter = sq_col_text(q, i++);
  o->title = sq_col_text(q, i++);
  o->description = sq_col_text(q, i++);
  o->state = sq_col_text(q, i++);
  o->department = sq_col_text(q, i++);
  o->channel = sq_col_text(q, i++);
  o->region = sqlite3_column_int64(q, i++);
  o->rpos = sqlite3_column_int64(q, i++);
  o->entity = sq_col_text(q, i++);
  o->lon = sq_col_real(q, i++);
  o->lat = sq_col_real(q, i++);
  o->alert = sqlite3_column_int64(q, i++);
  o->reporter = sq_col_text(q, i++);
  o->reporters_json = sq_col_text(q, i++);
  o->created = sqlite3_column_int64(q, i++);
  o->updated = sqlite3_column_int64(q, i++);
  o->dispatched_at = sqlite3_column_int64(q, i++);
  o->accept_due = sqlite3_column_int64(q, i++);
  o->resolve_due = sqlite3_column_int64(q, i++);
  o->accepted_at = sqlite3_column_int64(q, i++);
  o->resolved_at = sqlite3_column_int64(q, i++);
  o->closed_at = sqlite3_column_int64(q, i++);
  o->overdue = sqlite3_column_int(q, i++);
  o->supervised = sqlite3_column_int(q, i++);
  o->escalated = sqlite3_column_int(q, i++);
  o->escalate_at = sqlite3_column_int64(q, i++);
  o->escalated_to = sq_col_text(q, i++);
  o->duplicate_of = sqlite3_column_int64(q, i++);
  o->merged_into = sqlite3_column_int64(q, i++);
  o->rating = sqlite3_column_int(q, i++);
  o->rating_note = sq_col_text(q, i++);
  o->version = sqlite3_column_int64(q, i++);
}

/* Binds every column but id and version, from ?2 on, in ORDER_COLS order. */
static void order_bind(sqlite3_stmt *q, const struct store_order *o) {
  int i = 2;
  sq_bind_i64z(q, i++, o->parent);
  sq_bind_text(q, i++, o->matter);
  sq_bind_text(q, i++, o->title);
  sq_bind_text(q, i++, o->description);
  sq_bind_text(q, i++, o->state);
  sq_bind_text(q, i++, o->department);
  sq_bind_text(q, i++, o->channel ? o->channel : "staff");
  sqlite3_bind_int64(q, i++, o->region);
  sqlite3_bind_int64(q, i++, o->rpos);
  sq_bind_text(q, i++, o->entity);
  sq_bind_real(q, i++, o->lon);
  sq_bind_real(q, i++, o->lat);
  sq_bind_i64z(q, i++, o->alert);
  sq_bind_text(q, i++, o->reporter);
  sq_bind_text(q, i++, o->reporters_json ? o->reporters_json : "[]");
  sqlite3_bind_int64(q, i++, o->created);
  sqlite3_bind_int64(q, i++, o->updated);
  sq_bind_i64z(q, i++, o->dispatched_at);
  sq_bind_i64z(q, i++, o->accept_due);
  sq_bind_i64z(q, i++, o->resolve_due);
  sq_bind_i64z(q, i++, o->accepted_at);
  sq_bind_i64z(q, i++, o->resolved_at);
  sq_bind_i64z(q, i++, o->closed_at);
  sqlite3_bind_int(q, i++, o->overdue);
  sqlite3_bind_int(q, i++, o->supervised);
  sqlite3_bind_int(q, i++, o->escalated);
  sq_bind_i64z(q, i++, o->escalate_at);
  sq_bind_text(q, i++, o->escalated_to);
  sq_bind_i64z(q, i++, o->duplicate_of);
  sq_bind_i64z(q, i++, o->merged_into);
  sq_bind_i64z(q, i++, o->rating);
  sq_bind_text(q, i++, o->rating_note);
}

static int event_add(sqlite3 *db, const struct store_order_event *ev, int64_t order_id,
                     struct zz_err *e) {
  sqlite3_stmt *q = sq_prepare(db,
                               "INSERT INTO order_event(order_id, ts, actor, action, from_state,"
                               " to_state, note, data) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                               e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, order_id ? order_id : ev->order_id);
  sqlite3_bind_int64(q, 2, ev->ts);
  sq_bind_text(q, 3, ev->actor ? ev->actor : "system");
  sq_bind_text(q, 4, ev->action);
  sq_bind_text(q, 5, ev->from_state);
  sq_bind_text(q, 6, ev->to_state);
  sq_bind_text(q, 7, ev->note);
  sq_bind_text(q, 8, ev->data_json);
  return sq_run(db, q, NULL, e, "order event");
}

static int order_insert(struct store *st, const struct store_order *o,
                        const struct store_order_event *evs, size_t nev, int64_t *out_id,
                        struct zz_err *e) {
  sqlite3 *db = sq_conn_db(st);
  if (!db) return zz_fail(e, ZZ_ESTORE, "store", "no database connection");
  int rc = sq_begin(db, e);
  if (rc) return rc;
  sqlite3_stmt *q =
      sq_prepare(db,
                 "INSERT INTO work_order(" ORDER_COLS ") VALUES(NULL, ?2, ?3, ?4, ?5, ?6,"
                 " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
                 " ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, 1)"
                 " RETURNING id",
                 e);
  int64_t id = 0;
  if (!q) rc = ZZ_ESTORE;
  if (!rc) {
    order_bind(q, o);
    rc = sq_run(db, q, &id, e, "work order");
  }
  for (size_t i = 0; !rc && i < nev; i++) rc = event_add(db, &evs[i], id, e);
  rc = sq_finish(db, rc, e);
  if (!rc && out_id) *out_id = id;
  return rc;
}

static int orders_update(struct store *st, const struct store_order *const *os, size_t n,
                         const struct store_order_event *evs, size_t nev, struct zz_err *e) {
  sqlite3 *db = sq_conn_db(st);
  if (!db) return zz_fail(e, ZZ_ESTORE, "store", "no database connection");
  int rc = sq_begin(db, e);
  if (rc) return rc;
  for (size_t k = 0; !rc && k < n; k++) {
    sqlite3_stmt *q = sq_prepare(
        db,
        "UPDATE work_order SET parent = ?2, matter = ?3, title = ?4, description = ?5, state = ?6,"
        " department = ?7, channel = ?8, region = ?9, rpos = ?10, entity = ?11, lon = ?12,"
        " lat = ?13, alert = ?14, reporter = ?15, reporters = ?16, created = ?17, updated = ?18,"
        " dispatched_at = ?19, accept_due = ?20, resolve_due = ?21, accepted_at = ?22,"
        " resolved_at = ?23, closed_at = ?24, overdue = ?25, supervised = ?26, escalated = ?27,"
        " escalate_at = ?28, escalated_to = ?29, duplicate_of = ?30, merged_into = ?31,"
        " rating = ?32, rating_note = ?33, version = version + 1 WHERE id = ?1 AND version = ?34",
        e);
    if (!q) {
      rc = ZZ_ESTORE;
      break;
    }
    sqlite3_bind_int64(q, 1, os[k]->id);
    order_bind(q, os[k]);
    sqlite3_bind_int64(q, 34, os[k]->version);
    rc = sq_run(db, q, NULL, e, "work order");
    if (!rc && sqlite3_changes(db) != 1)
      rc = zz_fail(e, ZZ_ECONFLICT, "order",
                   "order %lld was changed by someone else meanwhile: reload it and try again",
                   (long long)os[k]->id);
  }
  for (size_t i = 0; !rc && i < nev; i++) rc = event_add(db, &evs[i], 0, e);
  return sq_finish(db, rc, e);
}

static int order_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_order *),
                     void *ud) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q = sq_prepare(db, "SELECT " ORDER_COLS " FROM work_order WHERE id = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  int r = ZZ_ENOTFOUND;
  if (sqlite3_step(q) == SQLITE_ROW) {
    struct store_order o;
    order_row(q, &o);
    fn(ud, &o);
    r = 0;
  }
  sq_release(q);
  return r;
}

static int each_order(sqlite3_stmt *q, int (*fn)(void *, const struct store_order *), void *ud) {
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_order o;
    order_row(q, &o);
    if (fn(ud, &o)) break;
  }
  sq_release(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int orders_each(struct store *st, const struct store_order_filter *f,
                       int (*fn)(void *, const struct store_order *), void *ud) {
  sqlite3 *db = sq_conn_db(st);
  struct zz_buf sql;
  zz_buf_init(&sql, 0);
  zz_buf_adds(&sql, "SELECT " ORDER_COLS " FROM work_order WHERE 1");
  if (f->state) zz_buf_adds(&sql, " AND state = ?1");
  if (f->matter) zz_buf_adds(&sql, " AND matter = ?2");
  /* a joint order matches a department when one of its sub-orders has it */
  if (f->department)
    zz_buf_adds(&sql, " AND (department = ?3 OR id IN (SELECT parent FROM work_order"
                      " WHERE parent IS NOT NULL AND department = ?3))");
  if (f->rpos_lo || f->rpos_hi) zz_buf_adds(&sql, " AND rpos BETWEEN ?4 AND ?5");
  if (f->overdue) zz_buf_adds(&sql, " AND overdue = 1");
  if (f->open_only) zz_buf_adds(&sql, " AND state NOT IN ('closed', 'merged')");
  if (f->top_only) zz_buf_adds(&sql, " AND parent IS NULL");
  if (f->parent > 0) zz_buf_adds(&sql, " AND parent = ?6");
  if (f->merged_into > 0) zz_buf_adds(&sql, " AND merged_into = ?11");
  if (f->created_from) zz_buf_adds(&sql, " AND created >= ?7");
  if (f->created_to) zz_buf_adds(&sql, " AND created < ?8");
  if (f->before_id) zz_buf_adds(&sql, " AND id < ?9");
  if (f->public_consent)
    zz_buf_adds(&sql, " AND (id IN (SELECT order_id FROM intake WHERE public = 1)"
                      " OR id IN (SELECT order_id FROM order_intake WHERE public = 1))");
  zz_buf_adds(&sql, f->parent > 0 ? " ORDER BY id LIMIT ?10" : " ORDER BY id DESC LIMIT ?10");
  sqlite3_stmt *q = sql.data ? sq_prepare(db, sql.data, NULL) : NULL;
  zz_buf_free(&sql);
  if (!q) return ZZ_ESTORE;
  if (f->state) sq_bind_text(q, 1, f->state);
  if (f->matter) sq_bind_text(q, 2, f->matter);
  if (f->department) sq_bind_text(q, 3, f->department);
  if (f->rpos_lo || f->rpos_hi) {
    sqlite3_bind_int64(q, 4, f->rpos_lo);
    sqlite3_bind_int64(q, 5, f->rpos_hi);
  }
  if (f->parent > 0) sqlite3_bind_int64(q, 6, f->parent);
  if (f->merged_into > 0) sqlite3_bind_int64(q, 11, f->merged_into);
  if (f->created_from) sqlite3_bind_int64(q, 7, f->created_from);
  if (f->created_to) sqlite3_bind_int64(q, 8, f->created_to);
  if (f->before_id) sqlite3_bind_int64(q, 9, f->before_id);
  sqlite3_bind_int(q, 10, f->limit > 0 ? f->limit : -1);
  return each_order(q, fn, ud);
}

static int orders_near(struct store *st, const char *matter, int64_t since, const double box[4],
                       int (*fn)(void *, int64_t id, double lon, double lat), void *ud) {
  sqlite3 *db = sq_conn_db(st);
  /* the terms on state and parent repeat the index order_place's own, so
   * that SQLite may use it (and covers the rest: no table row is read) */
  sqlite3_stmt *q = sq_prepare(
      db,
      "SELECT id, lon, lat FROM work_order WHERE matter = ?1 AND lon BETWEEN ?2 AND ?3"
      " AND lat BETWEEN ?4 AND ?5 AND created >= ?6 AND state NOT IN ('closed', 'merged')"
      " AND parent IS NULL ORDER BY id DESC",
      NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, matter);
  for (int i = 0; i < 4; i++) sqlite3_bind_double(q, 2 + i, box[i]);
  sqlite3_bind_int64(q, 6, since);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW)
    if (fn(ud, sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1),
           sqlite3_column_double(q, 2)))
      break;
  sq_release(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int order_at(struct store *st, const char *matter, int64_t since, double lon, double lat,
                    int64_t *out_id) {
  sqlite3 *db = sq_conn_db(st);
  /* named, since without statistics SQLite would take (matter, created) */
  sqlite3_stmt *q =
      sq_prepare(db,
                 "SELECT id FROM work_order INDEXED BY order_place WHERE matter = ?1 AND lat = ?2"
                 " AND lon = ?3 AND created >= ?4 AND state NOT IN ('closed', 'merged')"
                 " AND parent IS NULL ORDER BY created, id LIMIT 1",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, matter);
  sqlite3_bind_double(q, 2, lat);
  sqlite3_bind_double(q, 3, lon);
  sqlite3_bind_int64(q, 4, since);
  int rc = sqlite3_step(q);
  *out_id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sq_release(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int orders_due(struct store *st, int64_t now, int (*fn)(void *, const struct store_order *),
                      void *ud) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q = sq_prepare(
      db,
      "SELECT " ORDER_COLS " FROM work_order WHERE state NOT IN ('closed', 'merged', 'resolved',"
      " 'verified') AND ((supervised = 0 AND ((accepted_at IS NULL AND accept_due <= ?1) OR"
      " resolve_due <= ?1)) OR (supervised = 1 AND escalated = 0 AND escalate_at <= ?1))"
      " ORDER BY id",
      NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, now);
  return each_order(q, fn, ud);
}

static int order_events_each(struct store *st, int64_t order_id,
                             int (*fn)(void *, const struct store_order_event *), void *ud) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q =
      sq_prepare(db,
                 "SELECT id, order_id, ts, actor, action, from_state, to_state, note, data"
                 " FROM order_event WHERE order_id = ?1 ORDER BY id",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, order_id);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_order_event ev = {.id = sqlite3_column_int64(q, 0),
                                   .order_id = sqlite3_column_int64(q, 1),
                                   .ts = sqlite3_column_int64(q, 2),
                                   .actor = sq_col_text(q, 3),
                                   .action = sq_col_text(q, 4),
                                   .from_state = sq_col_text(q, 5),
                                   .to_state = sq_col_text(q, 6),
                                   .note = sq_col_text(q, 7),
                                   .data_json = sq_col_text(q, 8)};
    if (fn(ud, &ev)) break;
  }
  sq_release(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- evidence ---- */

static int evidence_insert(struct store *st, const struct store_evidence *ev, int64_t *out_id,
                           struct zz_err *e) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q = sq_prepare(db,
                               "INSERT INTO evidence(order_id, ts, actor, mime, size, path, note)"
                               " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                               e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, ev->order_id);
  sqlite3_bind_int64(q, 2, ev->ts);
  sq_bind_text(q, 3, ev->actor);
  sq_bind_text(q, 4, ev->mime);
  sqlite3_bind_int64(q, 5, ev->size);
  sq_bind_text(q, 6, ev->path);
  sq_bind_text(q, 7, ev->note);
  return sq_run(db, q, out_id, e, "evidence");
}

static int evidence_each(struct store *st, int64_t order_id, int64_t id,
                         int (*fn)(void *, const struct store_evidence *), void *ud) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q =
      sq_prepare(db,
                 id ? "SELECT id, order_id, ts, actor, mime, size, path, note FROM evidence"
                      " WHERE order_id = ?1 AND id = ?2"
                    : "SELECT id, order_id, ts, actor, mime, size, path, note FROM evidence"
                      " WHERE order_id = ?1 ORDER BY id",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, order_id);
  if (id) sqlite3_bind_int64(q, 2, id);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_evidence ev = {.id = sqlite3_column_int64(q, 0),
                                .order_id = sqlite3_column_int64(q, 1),
                                .ts = sqlite3_column_int64(q, 2),
                                .actor = sq_col_text(q, 3),
                                .mime = sq_col_text(q, 4),
                                .size = sqlite3_column_int64(q, 5),
                                .path = sq_col_text(q, 6),
                                .note = sq_col_text(q, 7)};
    if (fn(ud, &ev)) break;
  }
  sq_release(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- statistics ---- */

static int order_stats(struct store *st, const char *group, int64_t from, int64_t to,
                       int64_t rpos_lo, int64_t rpos_hi,
                       int (*fn)(void *, const struct store_order_stat *), void *ud) {
  /* The group column comes from a fixed set, never from the caller's text. */
  const char *col = strcmp(group, "state") == 0        ? "o.state"
                    : strcmp(group, "department") == 0 ? "d.department"
                    : strcmp(group, "matter") == 0     ? "o.matter"
                                                       : NULL;
  if (!col) return ZZ_EINVAL;
  sqlite3 *db = sq_conn_db(st);
  struct zz_buf sql;
  zz_buf_init(&sql, 0);
  /* A joint order counts once for each department it involves (its
   * sub-orders carry the departments); other groups count it once. */
  zz_buf_printf(
      &sql,
      "SELECT %s AS k, count(*),"
      " sum(o.resolve_due IS NOT NULL AND coalesce(o.resolved_at, o.closed_at) IS NOT NULL),"
      " sum(o.resolve_due IS NOT NULL AND coalesce(o.resolved_at, o.closed_at) <= o.resolve_due),"
      " sum(o.accepted_at IS NOT NULL AND o.dispatched_at IS NOT NULL),"
      " sum(CASE WHEN o.accepted_at IS NOT NULL AND o.dispatched_at IS NOT NULL"
      " THEN o.accepted_at - o.dispatched_at ELSE 0 END),"
      " sum(o.closed_at IS NOT NULL),"
      " sum(CASE WHEN o.closed_at IS NOT NULL THEN o.closed_at - o.created ELSE 0 END)"
      " FROM work_order o %s WHERE o.parent IS NULL AND o.created >= ?1 AND o.created < ?2"
      " AND o.rpos BETWEEN ?3 AND ?4 GROUP BY k ORDER BY count(*) DESC, k",
      col,
      strcmp(group, "department") == 0
          ? "JOIN (SELECT id AS oid, department FROM work_order WHERE parent IS NULL AND"
            " department IS NOT NULL UNION SELECT parent, department FROM work_order WHERE"
            " parent IS NOT NULL) d ON d.oid = o.id"
          : "");
  sqlite3_stmt *q = sql.data ? sq_prepare(db, sql.data, NULL) : NULL;
  zz_buf_free(&sql);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, from);
  sqlite3_bind_int64(q, 2, to);
  sqlite3_bind_int64(q, 3, rpos_lo || rpos_hi ? rpos_lo : INT64_MIN);
  sqlite3_bind_int64(q, 4, rpos_lo || rpos_hi ? rpos_hi : INT64_MAX);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_order_stat s = {.key = sq_col_text(q, 0),
                                 .n = sqlite3_column_int64(q, 1),
                                 .with_sla = sqlite3_column_int64(q, 2),
                                 .on_time = sqlite3_column_int64(q, 3),
                                 .accepted = sqlite3_column_int64(q, 4),
                                 .accept_ms_sum = sqlite3_column_int64(q, 5),
                                 .closed = sqlite3_column_int64(q, 6),
                                 .close_ms_sum = sqlite3_column_int64(q, 7)};
    if (fn(ud, &s)) break;
  }
  sq_release(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- audit ---- */

static int audit_insert(struct store *st, const struct store_audit *a, struct zz_err *e) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q = sq_prepare(
      db, "INSERT INTO audit(ts, actor, action, target, detail) VALUES(?1, ?2, ?3, ?4, ?5)", e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, a->ts);
  sq_bind_text(q, 2, a->actor ? a->actor : "system");
  sq_bind_text(q, 3, a->action);
  sq_bind_text(q, 4, a->target);
  sq_bind_text(q, 5, a->detail_json);
  return sq_run(db, q, NULL, e, "audit");
}

static int audit_each(struct store *st, int64_t before_id, int limit,
                      int (*fn)(void *, const struct store_audit *), void *ud) {
  sqlite3 *db = sq_conn_db(st);
  sqlite3_stmt *q = sq_prepare(db,
                               "SELECT id, ts, actor, action, target, detail FROM audit"
                               " WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, before_id > 0 ? before_id : INT64_MAX);
  sqlite3_bind_int(q, 2, limit > 0 ? limit : -1);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_audit a = {.id = sqlite3_column_int64(q, 0),
                            .ts = sqlite3_column_int64(q, 1),
                            .actor = sq_col_text(q, 2),
                            .action = sq_col_text(q, 3),
                            .target = sq_col_text(q, 4),
                            .detail_json = sq_col_text(q, 5)};
    if (fn(ud, &a)) break;
  }
  sq_release(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

const struct store_dispatch_ops store_sqlite_dispatch_ops = {
    .matter_upsert = matter_upsert,
    .matters_each = matters_each,
    .rule_upsert = rule_upsert,
    .rules_each = rules_each,
    .alert_insert = alert_insert,
    .alert_update = alert_update,
    .alerts_each = alerts_each,
    .alert_get = alert_get,
    .order_insert = order_insert,
    .orders_update = orders_update,
    .order_get = order_get,
    .orders_each = orders_each,
    .orders_near = orders_near,
    .order_at = order_at,
    .orders_due = orders_due,
    .order_events_each = order_events_each,
    .evidence_insert = evidence_insert,
    .evidence_each = evidence_each,
    .order_stats = order_stats,
    .audit_insert = audit_insert,
    .audit_each = audit_each,
};
