/* store_inspections.c - the SQLite side of inspections (store_inspections.h):
 * visits keyed by the client's uid, photos, rectification items with their
 * status changes, credit events, plans, and the per-unit counts of the
 * leader's progress view (GROUP BY in SQL, never a scan in C). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/* The entity columns every read joins: id, key, type, names, region, attrs. */
#define ENT_COLS "e.id, e.key, e.type, e.name_zh, e.name_en, e.region, e.attrs"

static void ent_row(sqlite3_stmt *q, int i, struct store_ins_entity *en) {
  *en = (struct store_ins_entity){.id = sqlite3_column_int64(q, i),
                                  .key = sq_col_text(q, i + 1),
                                  .type = sq_col_text(q, i + 2),
                                  .name_zh = sq_col_text(q, i + 3),
                                  .name_en = sq_col_text(q, i + 4),
                                  .region = sqlite3_column_int64(q, i + 5),
                                  .attrs_json = sq_col_text(q, i + 6)};
}

/* Runs q (bound) calling row(q, &item) then fn for each row; fn non-zero stops. */
#define EACH_ROW(q, T, row, fn, ud)                                                                \
  do {                                                                                             \
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {                                                 \
      T it_;                                                                                       \
      row(q, &it_);                                                                                \
      if (fn(ud, &it_)) break;                                                                     \
    }                                                                                              \
  } while (0)

/* ---- inspections ---- */

#define INS_COLS                                                                                   \
  "i.id, i.uid, i.checklist, i.campaign, i.plan, i.entity, i.region, i.department, i.inspector,"   \
  " i.ts, i.lon, i.lat, i.result, i.failed, i.answers, i.note, i.created, " ENT_COLS

static void ins_row(sqlite3_stmt *q, struct store_inspection *in) {
  *in = (struct store_inspection){.id = sqlite3_column_int64(q, 0),
                                  .uid = sq_col_text(q, 1),
                                  .checklist = sq_col_text(q, 2),
                                  .campaign = sq_col_text(q, 3),
                                  .plan = sqlite3_column_int64(q, 4),
                                  .entity = sqlite3_column_int64(q, 5),
                                  .region = sqlite3_column_int64(q, 6),
                                  .department = sq_col_text(q, 7),
                                  .inspector = sq_col_text(q, 8),
                                  .ts = sqlite3_column_int64(q, 9),
                                  .lon = sq_col_real(q, 10),
                                  .lat = sq_col_real(q, 11),
                                  .result = sq_col_text(q, 12),
                                  .failed = sqlite3_column_int64(q, 13),
                                  .answers = sq_col_text(q, 14),
                                  .note = sq_col_text(q, 15),
                                  .created = sqlite3_column_int64(q, 16)};
  ent_row(q, 17, &in->ent);
}

static int inspection_insert(struct store *st, const struct store_inspection *in, int64_t *out_id,
                             struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO ins_inspection(uid, checklist, campaign, plan, entity, region, department,"
      " inspector, ts, lon, lat, result, failed, answers, note, created)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) RETURNING id",
      e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, in->uid);
  sq_bind_text(q, 2, in->checklist);
  sq_bind_text(q, 3, in->campaign);
  sq_bind_i64z(q, 4, in->plan);
  sqlite3_bind_int64(q, 5, in->entity);
  sqlite3_bind_int64(q, 6, in->region);
  sq_bind_text(q, 7, in->department);
  sq_bind_text(q, 8, in->inspector);
  sqlite3_bind_int64(q, 9, in->ts);
  sq_bind_real(q, 10, in->lon);
  sq_bind_real(q, 11, in->lat);
  sq_bind_text(q, 12, in->result);
  sqlite3_bind_int64(q, 13, in->failed);
  sq_bind_text(q, 14, in->answers);
  sq_bind_text(q, 15, in->note);
  sqlite3_bind_int64(q, 16, in->created);
  return sq_run(c, q, out_id, e, "inspection");
}

static int inspection_get(struct store *st, int64_t id, const char *uid,
                          int (*fn)(void *, const struct store_inspection *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT " INS_COLS " FROM ins_inspection i JOIN entity e"
                               " ON e.id = i.entity WHERE (?1 > 0 AND i.id = ?1) OR i.uid = ?2",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  sq_bind_text(q, 2, id > 0 ? NULL : uid);
  int rc = sqlite3_step(q), r = ZZ_ENOTFOUND;
  if (rc == SQLITE_ROW) {
    struct store_inspection in;
    ins_row(q, &in);
    fn(ud, &in);
    r = 0;
  } else if (rc != SQLITE_DONE) {
    r = ZZ_ESTORE;
  }
  sq_release(c, q);
  return r;
}

static int inspections_each(struct store *st, const struct store_ins_filter *f,
                            int (*fn)(void *, const struct store_inspection *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT " INS_COLS " FROM ins_inspection i JOIN entity e ON e.id = i.entity"
      " WHERE (?1 IS NULL OR i.campaign = ?1) AND (?2 IS NULL OR i.checklist = ?2)"
      " AND (?3 IS NULL OR i.entity = ?3) AND (?4 IS NULL OR i.ts >= ?4)"
      " AND (?5 IS NULL OR i.ts < ?5) AND (?6 IS NULL OR e.rpos BETWEEN ?6 AND ?7)"
      " AND (?8 IS NULL OR i.id < ?8) ORDER BY i.id DESC LIMIT ?9",
      NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, f->campaign);
  sq_bind_text(q, 2, f->checklist);
  sq_bind_i64z(q, 3, f->entity);
  sq_bind_i64z(q, 4, f->from);
  sq_bind_i64z(q, 5, f->to);
  sq_bind_i64z(q, 6, f->rpos_lo);
  sqlite3_bind_int64(q, 7, f->rpos_hi);
  sq_bind_i64z(q, 8, f->before_id);
  sqlite3_bind_int64(q, 9, f->limit > 0 ? f->limit : -1);
  int rc;
  EACH_ROW(q, struct store_inspection, ins_row, fn, ud);
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- photos ---- */

static int photo_insert(struct store *st, const struct store_ins_photo *p, int64_t *out_id,
                        struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "INSERT INTO ins_photo(inspection, item, path, mime, size, sha256)"
                               " VALUES(?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                               e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, p->inspection);
  sq_bind_text(q, 2, p->item);
  sq_bind_text(q, 3, p->path);
  sq_bind_text(q, 4, p->mime);
  sqlite3_bind_int64(q, 5, p->size);
  sq_bind_text(q, 6, p->sha256);
  return sq_run(c, q, out_id, e, "inspection photo");
}

static void photo_row(sqlite3_stmt *q, struct store_ins_photo *p) {
  *p = (struct store_ins_photo){.id = sqlite3_column_int64(q, 0),
                                .inspection = sqlite3_column_int64(q, 1),
                                .item = sq_col_text(q, 2),
                                .path = sq_col_text(q, 3),
                                .mime = sq_col_text(q, 4),
                                .size = sqlite3_column_int64(q, 5),
                                .sha256 = sq_col_text(q, 6)};
}

static int photos_each(struct store *st, int64_t inspection, int64_t id,
                       int (*fn)(void *, const struct store_ins_photo *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT id, inspection, item, path, mime, size, sha256 FROM ins_photo"
                               " WHERE inspection = ?1 AND (?2 IS NULL OR id = ?2) ORDER BY id",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, inspection);
  sq_bind_i64z(q, 2, id);
  int rc;
  EACH_ROW(q, struct store_ins_photo, photo_row, fn, ud);
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- rectification items ---- */

static int rectify_insert(struct store *st, const struct store_rectify *r, int64_t *out_id,
                          struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO ins_rectify(inspection, item, entity, campaign, owner, deadline, order_id,"
      " status, note) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
      e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, r->inspection);
  sq_bind_text(q, 2, r->item);
  sqlite3_bind_int64(q, 3, r->entity);
  sq_bind_text(q, 4, r->campaign);
  sq_bind_text(q, 5, r->owner);
  sqlite3_bind_int64(q, 6, r->deadline);
  sq_bind_i64z(q, 7, r->order_id);
  sq_bind_text(q, 8, r->status ? r->status : "open");
  sq_bind_text(q, 9, r->note);
  return sq_run(c, q, out_id, e, "rectification item");
}

static int rectify_set_order(struct store *st, int64_t id, int64_t order_id, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "UPDATE ins_rectify SET order_id = ?2 WHERE id = ?1", e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  sq_bind_i64z(q, 2, order_id);
  return sq_run(c, q, NULL, e, "rectification item");
}

static int rectify_close(struct store *st, int64_t id, const char *status, int64_t closed,
                         int64_t closed_by, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "UPDATE ins_rectify SET status = ?2, closed = ?3, closed_by = ?4"
                               " WHERE id = ?1 AND status IN ('open', 'overdue') RETURNING id",
                               e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  sq_bind_text(q, 2, status);
  sqlite3_bind_int64(q, 3, closed);
  sq_bind_i64z(q, 4, closed_by);
  int64_t found = 0;
  int rc = sq_run(c, q, &found, e, "rectification item");
  if (!rc && !found)
    rc = zz_fail(e, ZZ_ECONFLICT, "rectify", "rectification item %lld is already closed",
                 (long long)id);
  return rc;
}

static int credit_insert(struct store *st, const struct store_credit_event *ev, int64_t *out_id,
                         struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO credit_event(entity, ts, points, kind, reason, campaign, inspection, rectify,"
      " actor) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
      e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, ev->entity);
  sqlite3_bind_int64(q, 2, ev->ts);
  sqlite3_bind_int64(q, 3, ev->points);
  sq_bind_text(q, 4, ev->kind);
  sq_bind_text(q, 5, ev->reason);
  sq_bind_text(q, 6, ev->campaign);
  sq_bind_i64z(q, 7, ev->inspection);
  sq_bind_i64z(q, 8, ev->rectify);
  sq_bind_text(q, 9, ev->actor);
  return sq_run(c, q, out_id, e, "credit event");
}

static int rectify_overdue(struct store *st, const int64_t id, const struct store_credit_event *ev,
                           struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int rc = sq_begin(c, e);
  if (rc) return rc;
  sqlite3_stmt *q = sq_prepare(
      c, "UPDATE ins_rectify SET status = 'overdue' WHERE id = ?1 AND status = 'open' RETURNING id",
      e);
  int64_t found = 0;
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  sqlite3_bind_int64(q, 1, id);
  if ((rc = sq_run(c, q, &found, e, "rectification item"))) goto done;
  if (!found) {
    rc = zz_fail(e, ZZ_ECONFLICT, "rectify", "rectification item %lld is no longer open",
                 (long long)id);
    goto done;
  }
  if (ev) rc = credit_insert(st, ev, NULL, e);
done:
  return sq_finish(c, rc, e);
}

#define RECT_COLS                                                                                  \
  "r.id, r.inspection, r.item, r.entity, r.campaign, r.owner, r.deadline, r.order_id, r.status,"   \
  " r.closed, r.closed_by, r.note, i.checklist, i.ts, " ENT_COLS

static void rect_row(sqlite3_stmt *q, struct store_rectify *r) {
  *r = (struct store_rectify){.id = sqlite3_column_int64(q, 0),
                              .inspection = sqlite3_column_int64(q, 1),
                              .item = sq_col_text(q, 2),
                              .entity = sqlite3_column_int64(q, 3),
                              .campaign = sq_col_text(q, 4),
                              .owner = sq_col_text(q, 5),
                              .deadline = sqlite3_column_int64(q, 6),
                              .order_id = sqlite3_column_int64(q, 7),
                              .status = sq_col_text(q, 8),
                              .closed = sqlite3_column_int64(q, 9),
                              .closed_by = sqlite3_column_int64(q, 10),
                              .note = sq_col_text(q, 11),
                              .checklist = sq_col_text(q, 12),
                              .inspected = sqlite3_column_int64(q, 13)};
  ent_row(q, 14, &r->ent);
}

static int rectifies_each(struct store *st, const struct store_ins_filter *f,
                          int (*fn)(void *, const struct store_rectify *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT " RECT_COLS " FROM ins_rectify r JOIN ins_inspection i ON i.id = r.inspection"
      " JOIN entity e ON e.id = r.entity"
      " WHERE (?1 IS NULL OR r.campaign = ?1) AND (?2 IS NULL OR r.entity = ?2)"
      " AND (?3 IS NULL OR r.owner = ?3)"
      " AND (?4 IS NULL OR r.status = ?4 OR (?4 = 'open_all' AND r.status IN ('open', 'overdue'))"
      "  OR (?4 = 'closed' AND r.status IN ('closed_on_time', 'closed_late')))"
      " AND (?5 IS NULL OR r.inspection = ?5) AND (?6 IS NULL OR i.checklist = ?6)"
      " AND (?7 IS NULL OR e.rpos BETWEEN ?7 AND ?8)"
      " ORDER BY r.status NOT IN ('open', 'overdue'),"
      "  CASE WHEN r.status IN ('open', 'overdue') THEN r.deadline ELSE -r.closed END, r.id"
      " LIMIT ?9",
      NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, f->campaign);
  sq_bind_i64z(q, 2, f->entity);
  sq_bind_text(q, 3, f->owner);
  sq_bind_text(q, 4, f->status);
  sq_bind_i64z(q, 5, f->inspection);
  sq_bind_text(q, 6, f->checklist);
  sq_bind_i64z(q, 7, f->rpos_lo);
  sqlite3_bind_int64(q, 8, f->rpos_hi);
  sqlite3_bind_int64(q, 9, f->limit > 0 ? f->limit : -1);
  int rc;
  EACH_ROW(q, struct store_rectify, rect_row, fn, ud);
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int rectifies_due(struct store *st, int64_t now, int limit,
                         int (*fn)(void *, const struct store_rectify *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT " RECT_COLS " FROM ins_rectify r JOIN ins_inspection i ON i.id = r.inspection"
      " JOIN entity e ON e.id = r.entity WHERE r.status = 'open' AND r.deadline < ?1"
      " ORDER BY r.deadline, r.id LIMIT ?2",
      NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, now);
  sqlite3_bind_int(q, 2, limit > 0 ? limit : 100);
  int rc;
  EACH_ROW(q, struct store_rectify, rect_row, fn, ud);
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- credit ---- */

static void credit_row(sqlite3_stmt *q, struct store_credit_event *ev) {
  *ev = (struct store_credit_event){.id = sqlite3_column_int64(q, 0),
                                    .entity = sqlite3_column_int64(q, 1),
                                    .ts = sqlite3_column_int64(q, 2),
                                    .points = sqlite3_column_int64(q, 3),
                                    .kind = sq_col_text(q, 4),
                                    .reason = sq_col_text(q, 5),
                                    .campaign = sq_col_text(q, 6),
                                    .inspection = sqlite3_column_int64(q, 7),
                                    .rectify = sqlite3_column_int64(q, 8),
                                    .actor = sq_col_text(q, 9)};
}

static int credits_each(struct store *st, int64_t entity,
                        int (*fn)(void *, const struct store_credit_event *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT id, entity, ts, points, kind, reason, campaign, inspection,"
                               " rectify, actor FROM credit_event WHERE entity = ?1 ORDER BY ts, id",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, entity);
  int rc;
  EACH_ROW(q, struct store_credit_event, credit_row, fn, ud);
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int credit_members(struct store *st, const char *type, const char *attr_path,
                          const char *value,
                          int (*fn)(void *, const struct store_ins_entity *, int64_t, int64_t),
                          void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT " ENT_COLS ", coalesce(sum(c.points), 0), count(c.id) FROM entity e"
      " LEFT JOIN credit_event c ON c.entity = e.id WHERE e.type = ?1"
      " AND json_extract(e.attrs, ?2) = ?3 GROUP BY e.id ORDER BY e.key",
      NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, type);
  sq_bind_text(q, 2, attr_path);
  sq_bind_text(q, 3, value);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_ins_entity en;
    ent_row(q, 0, &en);
    if (fn(ud, &en, sqlite3_column_int64(q, 7), sqlite3_column_int64(q, 8))) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- plans ---- */

static int plan_insert(struct store *st, const struct store_ins_plan *p, int64_t *out_id,
                       struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO ins_plan(campaign, checklist, entity, day, leader, department, inspection,"
      " note, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
      e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, p->campaign);
  sq_bind_text(q, 2, p->checklist);
  sqlite3_bind_int64(q, 3, p->entity);
  sqlite3_bind_int64(q, 4, p->day);
  sq_bind_text(q, 5, p->leader);
  sq_bind_text(q, 6, p->department);
  sq_bind_i64z(q, 7, p->inspection);
  sq_bind_text(q, 8, p->note);
  sqlite3_bind_int64(q, 9, p->created);
  return sq_run(c, q, out_id, e, "inspection plan");
}

#define PLAN_COLS                                                                                  \
  "p.id, p.campaign, p.checklist, p.entity, p.day, p.leader, p.department, p.inspection, p.note,"  \
  " p.created, " ENT_COLS

static void plan_row(sqlite3_stmt *q, struct store_ins_plan *p) {
  *p = (struct store_ins_plan){.id = sqlite3_column_int64(q, 0),
                               .campaign = sq_col_text(q, 1),
                               .checklist = sq_col_text(q, 2),
                               .entity = sqlite3_column_int64(q, 3),
                               .day = sqlite3_column_int64(q, 4),
                               .leader = sq_col_text(q, 5),
                               .department = sq_col_text(q, 6),
                               .inspection = sqlite3_column_int64(q, 7),
                               .note = sq_col_text(q, 8),
                               .created = sqlite3_column_int64(q, 9)};
  ent_row(q, 10, &p->ent);
}

static int plan_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_ins_plan *),
                    void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c, "SELECT " PLAN_COLS " FROM ins_plan p JOIN entity e ON e.id = p.entity WHERE p.id = ?1",
      NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  int rc = sqlite3_step(q), r = ZZ_ENOTFOUND;
  if (rc == SQLITE_ROW) {
    struct store_ins_plan p;
    plan_row(q, &p);
    fn(ud, &p);
    r = 0;
  } else if (rc != SQLITE_DONE) {
    r = ZZ_ESTORE;
  }
  sq_release(c, q);
  return r;
}

static int plans_each(struct store *st, const struct store_ins_filter *f,
                      int (*fn)(void *, const struct store_ins_plan *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT " PLAN_COLS " FROM ins_plan p JOIN entity e ON e.id = p.entity"
      " WHERE (?1 IS NULL OR p.campaign = ?1) AND (?2 IS NULL OR p.entity = ?2)"
      " AND (?3 IS NULL OR p.day >= ?3) AND (?4 IS NULL OR p.day < ?4)"
      " AND (?5 IS NULL OR e.rpos BETWEEN ?5 AND ?6) ORDER BY p.day, p.id LIMIT ?7",
      NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, f->campaign);
  sq_bind_i64z(q, 2, f->entity);
  sq_bind_i64z(q, 3, f->from);
  sq_bind_i64z(q, 4, f->to);
  sq_bind_i64z(q, 5, f->rpos_lo);
  sqlite3_bind_int64(q, 6, f->rpos_hi);
  sqlite3_bind_int64(q, 7, f->limit > 0 ? f->limit : -1);
  int rc;
  EACH_ROW(q, struct store_ins_plan, plan_row, fn, ud);
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int plan_fulfil(struct store *st, int64_t plan, int64_t inspection, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "UPDATE ins_plan SET inspection = ?2 WHERE id = ?1"
                               " AND (inspection IS NULL OR inspection = ?2) RETURNING id",
                               e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, plan);
  sqlite3_bind_int64(q, 2, inspection);
  int64_t found = 0;
  int rc = sq_run(c, q, &found, e, "inspection plan");
  if (!rc && !found)
    rc = zz_fail(e, ZZ_ECONFLICT, "plan", "plan %lld was fulfilled by another inspection",
                 (long long)plan);
  return rc;
}

/* ---- the leader's progress view ---- */

static int progress(struct store *st, const char *campaign, const char *types_json,
                    int64_t rpos_lo, int64_t rpos_hi, int64_t now,
                    int (*fn)(void *, const struct store_ins_progress *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "WITH p AS (SELECT entity, count(*) n,"
      "  min(CASE WHEN inspection IS NULL AND day >= ?4 THEN day END) nxt"
      "  FROM ins_plan WHERE campaign = ?1 GROUP BY entity),"
      " i AS (SELECT entity, count(*) n, max(ts) last FROM ins_inspection"
      "  WHERE campaign = ?1 GROUP BY entity),"
      " r AS (SELECT entity, count(*) n, sum(status = 'open') o, sum(status = 'overdue') od,"
      "  sum(status IN ('closed_on_time', 'closed_late')) c FROM ins_rectify"
      "  WHERE campaign = ?1 GROUP BY entity)"
      " SELECT " ENT_COLS ", coalesce(p.n, 0), coalesce(i.n, 0), coalesce(i.last, 0),"
      " coalesce(p.nxt, 0), coalesce(r.n, 0), coalesce(r.o, 0), coalesce(r.od, 0), coalesce(r.c, 0)"
      " FROM entity e LEFT JOIN p ON p.entity = e.id LEFT JOIN i ON i.entity = e.id"
      " LEFT JOIN r ON r.entity = e.id"
      " WHERE (e.type IN (SELECT value FROM json_each(?2)) OR p.entity IS NOT NULL"
      "  OR i.entity IS NOT NULL) AND (?3 IS NULL OR e.rpos BETWEEN ?3 AND ?5)"
      " ORDER BY e.key",
      NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, campaign);
  sq_bind_text(q, 2, types_json ? types_json : "[]");
  sq_bind_i64z(q, 3, rpos_lo);
  sqlite3_bind_int64(q, 4, now);
  sqlite3_bind_int64(q, 5, rpos_hi);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_ins_progress p = {0};
    ent_row(q, 0, &p.ent);
    p.planned = sqlite3_column_int64(q, 7);
    p.visited = sqlite3_column_int64(q, 8);
    p.last_visit = sqlite3_column_int64(q, 9);
    p.next_plan = sqlite3_column_int64(q, 10);
    p.findings = sqlite3_column_int64(q, 11);
    p.open = sqlite3_column_int64(q, 12);
    p.overdue = sqlite3_column_int64(q, 13);
    p.closed = sqlite3_column_int64(q, 14);
    if (fn(ud, &p)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

const struct store_inspections_ops store_sqlite_inspections_ops = {
    .inspection_insert = inspection_insert,
    .inspection_get = inspection_get,
    .inspections_each = inspections_each,
    .photo_insert = photo_insert,
    .photos_each = photos_each,
    .rectify_insert = rectify_insert,
    .rectify_set_order = rectify_set_order,
    .rectify_close = rectify_close,
    .rectify_overdue = rectify_overdue,
    .rectifies_each = rectifies_each,
    .rectifies_due = rectifies_due,
    .credit_insert = credit_insert,
    .credits_each = credits_each,
    .credit_members = credit_members,
    .plan_insert = plan_insert,
    .plan_get = plan_get,
    .plans_each = plans_each,
    .plan_fulfil = plan_fulfil,
    .progress = progress,
};
