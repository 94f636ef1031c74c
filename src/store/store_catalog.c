/* store_catalog.c - the SQLite side of the matters catalogue
 * (store_catalog.h): the kinds of matters people report or apply for. */
#include "store/store_int.h"

/* ---- matters ---- */

static int matter_upsert(struct store *st, const struct store_matter *m, int64_t *out_id,
                         struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
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
  return sq_run(c, q, out_id, e, "matter");
}

static int matters_each(struct store *st, int (*fn)(void *, const struct store_matter *),
                        void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
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
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

const struct store_catalog_ops store_sqlite_catalog_ops = {
    .matter_upsert = matter_upsert,
    .matters_each = matters_each,
};
