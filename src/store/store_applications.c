/* store_applications.c - the SQLite side of applications
 * (store_applications.h): the application behind a joint order, its
 * uploaded materials (one current file each) and each department's
 * decision on its sub-order. */
#include <string.h>

#include "store/store_int.h"

/* Steps an insert; a constraint is ZZ_EEXISTS with `dup` as the message
 * and `dup_zh` as its Chinese. */
static int step_insert(struct sq_conn *c, sqlite3_stmt *q, struct zz_err *e, const char *what,
                       const char *dup, const char *dup_zh) {
  int rc = sqlite3_step(q), r = 0;
  if (rc == SQLITE_CONSTRAINT)
    r = zz_fail_pair(e, ZZ_EEXISTS, what, dup, dup_zh);
  else if (rc != SQLITE_DONE)
    r = sq_fail(c->db, rc, e, what);
  sq_release(c, q);
  return r;
}

static int application_insert(struct store *st, const struct store_application *a,
                              struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "INSERT INTO application(order_id, number, applicant, form, created)"
                               " VALUES(?1, ?2, ?3, ?4, ?5)",
                               e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, a->order_id);
  sq_bind_text(q, 2, a->number);
  sq_bind_text(q, 3, a->applicant_json ? a->applicant_json : "{}");
  sq_bind_text(q, 4, a->form_json ? a->form_json : "{}");
  sqlite3_bind_int64(q, 5, a->created);
  return step_insert(c, q, e, "application", "the application already exists", "该申请已存在");
}

static int application_get(struct store *st, int64_t order_id, const char *number,
                           int (*fn)(void *, const struct store_application *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               order_id > 0 ? "SELECT order_id, number, applicant, form, created"
                                              " FROM application WHERE order_id = ?1"
                                            : "SELECT order_id, number, applicant, form, created"
                                              " FROM application WHERE number = ?2",
                               NULL);
  if (!q) return ZZ_ESTORE;
  if (order_id > 0)
    sqlite3_bind_int64(q, 1, order_id);
  else
    sq_bind_text(q, 2, number ? number : "");
  int rc = sqlite3_step(q), r = ZZ_ENOTFOUND;
  if (rc == SQLITE_ROW) {
    struct store_application a = {.order_id = sqlite3_column_int64(q, 0),
                                  .number = (const char *)sqlite3_column_text(q, 1),
                                  .applicant_json = (const char *)sqlite3_column_text(q, 2),
                                  .form_json = (const char *)sqlite3_column_text(q, 3),
                                  .created = sqlite3_column_int64(q, 4)};
    fn(ud, &a);
    r = 0;
  } else if (rc != SQLITE_DONE) {
    r = ZZ_ESTORE;
  }
  sq_release(c, q);
  return r;
}

static int material_put(struct store *st, const struct store_material *m, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO application_material(order_id, material, mime, size, path, ts)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(order_id, material) DO"
      " UPDATE SET mime = excluded.mime, size = excluded.size,"
      " path = excluded.path, ts = excluded.ts, replaced = application_material.replaced + 1",
      e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, m->order_id);
  sq_bind_text(q, 2, m->material);
  sq_bind_text(q, 3, m->mime);
  sqlite3_bind_int64(q, 4, m->size);
  sq_bind_text(q, 5, m->path);
  sqlite3_bind_int64(q, 6, m->ts);
  return step_insert(c, q, e, "material", "the material already exists", "该材料已存在");
}

static int materials_each(struct store *st, int64_t order_id,
                          int (*fn)(void *, const struct store_material *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT id, order_id, material, mime, path, size, ts, replaced"
                               " FROM application_material WHERE order_id = ?1 ORDER BY id",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, order_id);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_material m = {.id = sqlite3_column_int64(q, 0),
                               .order_id = sqlite3_column_int64(q, 1),
                               .material = (const char *)sqlite3_column_text(q, 2),
                               .mime = (const char *)sqlite3_column_text(q, 3),
                               .path = (const char *)sqlite3_column_text(q, 4),
                               .size = sqlite3_column_int64(q, 5),
                               .ts = sqlite3_column_int64(q, 6),
                               .replaced = sqlite3_column_int64(q, 7)};
    if (fn(ud, &m)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int decision_insert(struct store *st, const struct store_decision *d, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "INSERT INTO application_decision(sub_order, order_id, department,"
                               " decision, note, actor, ts) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                               /* a reopened application is decided again: the
                                * department's new decision replaces its old one
                                * (the workflow lets only a sub-order in hand
                                * be decided, so this is never a double click) */
                               " ON CONFLICT(sub_order) DO UPDATE SET decision = excluded.decision,"
                               " note = excluded.note, actor = excluded.actor, ts = excluded.ts",
                               e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, d->sub_order);
  sqlite3_bind_int64(q, 2, d->order_id);
  sq_bind_text(q, 3, d->department);
  sq_bind_text(q, 4, d->decision);
  sq_bind_text(q, 5, d->note);
  sq_bind_text(q, 6, d->actor);
  sqlite3_bind_int64(q, 7, d->ts);
  return step_insert(c, q, e, "decision", "this department has already decided",
                     "该部门已作出决定");
}

static int decisions_each(struct store *st, int64_t order_id,
                          int (*fn)(void *, const struct store_decision *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 "SELECT sub_order, order_id, department, decision, note, actor, ts"
                 " FROM application_decision WHERE order_id = ?1 ORDER BY ts, sub_order",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, order_id);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_decision d = {.sub_order = sqlite3_column_int64(q, 0),
                               .order_id = sqlite3_column_int64(q, 1),
                               .department = (const char *)sqlite3_column_text(q, 2),
                               .decision = (const char *)sqlite3_column_text(q, 3),
                               .note = (const char *)sqlite3_column_text(q, 4),
                               .actor = (const char *)sqlite3_column_text(q, 5),
                               .ts = sqlite3_column_int64(q, 6)};
    if (fn(ud, &d)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

const struct store_applications_ops store_sqlite_applications_ops = {
    .application_insert = application_insert,
    .application_get = application_get,
    .material_put = material_put,
    .materials_each = materials_each,
    .decision_insert = decision_insert,
    .decisions_each = decisions_each,
};
