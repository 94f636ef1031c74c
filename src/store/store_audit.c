/* store_audit.c - the SQLite side of the admin audit (store_audit.h),
 * append only: the schema refuses changes to its rows. */
#include "store/store_int.h"

/* ---- audit ---- */

static int audit_insert(struct store *st, const struct store_audit *a, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c, "INSERT INTO audit(ts, actor, action, target, detail) VALUES(?1, ?2, ?3, ?4, ?5)", e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, a->ts);
  sq_bind_text(q, 2, a->actor ? a->actor : "system");
  sq_bind_text(q, 3, a->action);
  sq_bind_text(q, 4, a->target);
  sq_bind_text(q, 5, a->detail_json);
  return sq_run(c, q, NULL, e, "audit");
}

/* One statement for every filter: a NULL parameter lets every row through,
 * so the plan walks the primary key newest first and stops at the limit. */
static int audit_each(struct store *st, const struct store_audit_filter *f,
                      int (*fn)(void *, const struct store_audit *), void *ud) {
  static const struct store_audit_filter none = {0};
  if (!f) f = &none;
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 "SELECT id, ts, actor, action, target, detail FROM audit"
                 " WHERE id < ?1"
                 " AND (?3 IS NULL OR action = ?3 OR substr(action, 1, length(?3) + 1) = ?3 || '.')"
                 " AND (?4 IS NULL OR actor = ?4)"
                 " AND (?5 IS NULL OR ts >= ?5) AND (?6 IS NULL OR ts < ?6)"
                 " AND (?7 IS NULL OR instr(lower(action || ' ' || target || ' ' || actor || ' '"
                 " || coalesce(detail, '')), lower(?7)) > 0)"
                 " ORDER BY id DESC LIMIT ?2",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, f->before_id > 0 ? f->before_id : INT64_MAX);
  sqlite3_bind_int(q, 2, f->limit > 0 ? f->limit : -1);
  sq_bind_text(q, 3, f->action && *f->action ? f->action : NULL);
  sq_bind_text(q, 4, f->actor && *f->actor ? f->actor : NULL);
  if (f->from) sqlite3_bind_int64(q, 5, f->from);
  if (f->to) sqlite3_bind_int64(q, 6, f->to);
  sq_bind_text(q, 7, f->text && *f->text ? f->text : NULL);
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
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

const struct store_audit_ops store_sqlite_audit_ops = {
    .audit_insert = audit_insert,
    .audit_each = audit_each,
};
