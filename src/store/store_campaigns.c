/* store_campaigns.c - the SQLite side of campaigns (store_campaigns.h):
 * pledges and activities, and the grouped counts of the dashboard, which
 * also read (never write) the inspections, rectification items and credit
 * events the inspections engine keeps. */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/* ---- pledges ---- */

static int pledge_insert(struct store *st, const struct store_pledge *p, int64_t *out_id,
                         int64_t *out_signed_at, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int64_t id = 0;
  /* one statement: a signature that races another of the same entity is
   * either the first or finds the first, never a constraint error */
  sqlite3_stmt *q = sq_prepare(c,
                               "INSERT INTO cp_pledge(campaign, pledge, version, entity, signer,"
                               " phone, channel, ts) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                               " ON CONFLICT(campaign, pledge, entity) DO NOTHING RETURNING id",
                               e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, p->campaign);
  sq_bind_text(q, 2, p->pledge);
  sq_bind_text(q, 3, p->version);
  sqlite3_bind_int64(q, 4, p->entity);
  sq_bind_text(q, 5, p->signer);
  sq_bind_text(q, 6, p->phone);
  sq_bind_text(q, 7, p->channel);
  sqlite3_bind_int64(q, 8, p->ts);
  int rc = sq_run(c, q, &id, e, "pledge");
  if (rc) return rc;
  if (id) {
    if (out_id) *out_id = id;
    return 0;
  }
  q = sq_prepare(c, "SELECT ts FROM cp_pledge WHERE campaign = ?1 AND pledge = ?2 AND entity = ?3",
                 e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, p->campaign);
  sq_bind_text(q, 2, p->pledge);
  sqlite3_bind_int64(q, 3, p->entity);
  int64_t ts = 0;
  if ((rc = sq_run(c, q, &ts, e, "pledge"))) return rc;
  if (out_signed_at) *out_signed_at = ts;
  return zz_fail(e, ZZ_EEXISTS, "pledge", "this pledge is signed already");
}

static int pledges_each(struct store *st, const struct store_pledge_filter *f,
                        int (*fn)(void *, const struct store_pledge *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT p.id, p.campaign, p.pledge, p.version, p.entity, e.key, e.name_zh, e.name_en,"
      " json_extract(e.attrs, ?4), p.signer, p.phone, p.channel, p.ts"
      " FROM cp_pledge p JOIN entity e ON e.id = p.entity"
      " WHERE p.campaign = ?1 AND (?2 IS NULL OR p.pledge = ?2) AND (?3 IS NULL OR e.key = ?3)"
      " AND (?5 IS NULL OR json_extract(e.attrs, ?4) = ?5)"
      " AND (?6 = 0 OR e.rpos BETWEEN ?6 AND ?7)"
      " AND (?9 = 0 OR p.ts < ?8 OR (p.ts = ?8 AND p.id < ?9))"
      " ORDER BY p.ts DESC, p.id DESC LIMIT ?10",
      NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, f->campaign);
  sq_bind_text(q, 2, f->pledge);
  sq_bind_text(q, 3, f->entity);
  sq_bind_text(q, 4, f->parent_path);
  sq_bind_text(q, 5, f->parent_path ? f->parent : NULL);
  sqlite3_bind_int64(q, 6, f->rpos_lo);
  sqlite3_bind_int64(q, 7, f->rpos_hi);
  sqlite3_bind_int64(q, 8, f->before_ts);
  sqlite3_bind_int64(q, 9, f->before);
  sqlite3_bind_int64(q, 10, f->limit > 0 ? f->limit : -1);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_pledge p = {.id = sqlite3_column_int64(q, 0),
                             .campaign = sq_col_text(q, 1),
                             .pledge = sq_col_text(q, 2),
                             .version = sq_col_text(q, 3),
                             .entity = sqlite3_column_int64(q, 4),
                             .entity_key = sq_col_text(q, 5),
                             .name_zh = sq_col_text(q, 6),
                             .name_en = sq_col_text(q, 7),
                             .parent = sq_col_text(q, 8),
                             .signer = sq_col_text(q, 9),
                             .phone = sq_col_text(q, 10),
                             .channel = sq_col_text(q, 11),
                             .ts = sqlite3_column_int64(q, 12)};
    if (fn(ud, &p)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- activities ---- */

static int activity_insert(struct store *st, const struct store_activity *a, int64_t *out_id,
                           struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "INSERT INTO cp_activity(campaign, kind, entity, ts, title,"
                               " participants, note, actor) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                               " RETURNING id",
                               e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, a->campaign);
  sq_bind_text(q, 2, a->kind);
  sq_bind_i64z(q, 3, a->entity);
  sqlite3_bind_int64(q, 4, a->ts);
  sq_bind_text(q, 5, a->title);
  sqlite3_bind_int64(q, 6, a->participants);
  sq_bind_text(q, 7, a->note);
  sq_bind_text(q, 8, a->actor);
  return sq_run(c, q, out_id, e, "activity");
}

static int activities_each(struct store *st, const struct store_activity_filter *f,
                           int (*fn)(void *, const struct store_activity *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 "SELECT a.id, a.campaign, a.kind, a.entity, e.key, e.name_zh, e.name_en, a.ts,"
                 " a.participants, a.title, a.note, a.actor"
                 " FROM cp_activity a LEFT JOIN entity e ON e.id = a.entity"
                 " WHERE a.campaign = ?1 AND (?2 IS NULL OR a.kind = ?2)"
                 " AND (?3 = 0 OR a.entity IS NULL OR e.rpos BETWEEN ?3 AND ?4)"
                 " AND (?6 = 0 OR a.ts < ?5 OR (a.ts = ?5 AND a.id < ?6))"
                 " ORDER BY a.ts DESC, a.id DESC LIMIT ?7",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, f->campaign);
  sq_bind_text(q, 2, f->kind);
  sqlite3_bind_int64(q, 3, f->rpos_lo);
  sqlite3_bind_int64(q, 4, f->rpos_hi);
  sqlite3_bind_int64(q, 5, f->before_ts);
  sqlite3_bind_int64(q, 6, f->before);
  sqlite3_bind_int64(q, 7, f->limit > 0 ? f->limit : -1);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_activity a = {.id = sqlite3_column_int64(q, 0),
                               .campaign = sq_col_text(q, 1),
                               .kind = sq_col_text(q, 2),
                               .entity = sqlite3_column_int64(q, 3),
                               .entity_key = sq_col_text(q, 4),
                               .name_zh = sq_col_text(q, 5),
                               .name_en = sq_col_text(q, 6),
                               .ts = sqlite3_column_int64(q, 7),
                               .participants = sqlite3_column_int64(q, 8),
                               .title = sq_col_text(q, 9),
                               .note = sq_col_text(q, 10),
                               .actor = sq_col_text(q, 11)};
    if (fn(ud, &a)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- the dashboard's counts ----
 * Every statement binds the scope alike: ?1 campaign, ?2 participant
 * types, ?3 member types, ?4 parent path, ?5 checklists, ?6/?7 the region
 * subtree, ?8 the count's argument. They read the tallies the triggers of
 * the last migration (migrations.c) keep in the transaction of each write
 * counted: a few hundred rows a campaign, never the inspections. */

/* A tally row of the campaign's inspections: they name it (ckey), or name
 * none ('') and use one of its checklists (see store_cp_scope). */
#define CP_TKEY(t)                                                                                 \
  "(" t ".ckey = ?1 OR (" t ".ckey = '' AND " t ".checklist IN"                                    \
  " (SELECT value FROM json_each(coalesce(?5, '[]')))))"
#define CP_IS_PARTICIPANT(e) e ".type IN (SELECT value FROM json_each(?2))"
#define CP_IS_MEMBER(e) e ".type IN (SELECT value FROM json_each(coalesce(?3, '[]')))"
#define CP_IN_SCOPE(e) "(?6 = 0 OR " e ".rpos BETWEEN ?6 AND ?7)"

/* A statement that does not use a parameter leaves it out of its
 * numbering's end, or as an unused slot: binding it then does nothing. */
static void bind_scope(sqlite3_stmt *q, const struct store_cp_scope *sc, const char *arg) {
  int n = sqlite3_bind_parameter_count(q);
  const char *text[] = {sc->campaign, sc->participant_types ? sc->participant_types : "[]",
                        sc->member_types, sc->parent_path, sc->checklists};
  for (int i = 0; i < 5 && i < n; i++) sq_bind_text(q, i + 1, text[i]);
  if (n >= 7) {
    sqlite3_bind_int64(q, 6, sc->rpos_lo);
    sqlite3_bind_int64(q, 7, sc->rpos_hi);
  }
  if (n >= 8) sq_bind_text(q, 8, arg);
}

static int cp_participants_each(struct store *st, const struct store_cp_scope *sc,
                                int (*fn)(void *, const struct store_cp_participant *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  /* members: those of a member type whose parent attribute names it;
   * cp_t_owner: inspections and open items of it and of its members */
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT p.id, p.key, p.name_zh, p.name_en, p.region,"
      " CASE WHEN ?4 IS NULL THEN 0 ELSE coalesce((SELECT m.n FROM cp_t_members m"
      " WHERE m.campaign = ?1 AND m.parent = p.key), 0) END,"
      " coalesce(o.n, 0), coalesce(o.failed, 0), coalesce(o.last, 0), coalesce(o.open_rect, 0),"
      " coalesce((SELECT sum(k.points) FROM cp_t_credit k WHERE k.ckey IN (?1, '')"
      " AND k.entity = p.id), 0)"
      " FROM entity p LEFT JOIN cp_t_owner o ON o.campaign = ?1 AND o.owner = p.key"
      " WHERE " CP_IS_PARTICIPANT("p") " AND " CP_IN_SCOPE("p") " ORDER BY p.key",
      NULL);
  if (!q) return ZZ_ESTORE;
  bind_scope(q, sc, NULL);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_cp_participant p = {.id = sqlite3_column_int64(q, 0),
                                     .key = sq_col_text(q, 1),
                                     .name_zh = sq_col_text(q, 2),
                                     .name_en = sq_col_text(q, 3),
                                     .region = sqlite3_column_int64(q, 4),
                                     .members = sqlite3_column_int64(q, 5),
                                     .inspections = sqlite3_column_int64(q, 6),
                                     .violations = sqlite3_column_int64(q, 7),
                                     .last_inspection = sqlite3_column_int64(q, 8),
                                     .open_rectify = sqlite3_column_int64(q, 9),
                                     .points = sqlite3_column_int64(q, 10)};
    if (fn(ud, &p)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int cp_latest_each(struct store *st, const struct store_cp_scope *sc,
                          int (*fn)(void *, const struct store_cp_latest *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  /* the latest of each participant and checklist (cp_t_latest keeps one a
   * ckey, the first of the newest ms): of those, the newest, then the first */
  sqlite3_stmt *q =
      sq_prepare(c,
                 "SELECT t.key, t.checklist, t.id, t.ts, x.answers,"
                 " (SELECT json_group_array(r.item) FROM ins_rectify r"
                 " WHERE r.inspection = t.id AND r.closed IS NOT NULL)"
                 " FROM (SELECT e.key AS key, l.checklist AS checklist, l.ts AS ts, l.id AS id,"
                 " row_number() OVER (PARTITION BY e.id, l.checklist ORDER BY l.ts DESC, l.id)"
                 " AS rn FROM entity e JOIN cp_t_latest l ON l.entity = e.id"
                 " WHERE " CP_IS_PARTICIPANT("e") " AND " CP_IN_SCOPE("e") " AND " CP_TKEY(
                     "l") ") t JOIN ins_inspection x ON x.id = t.id WHERE t.rn = 1"
                          " ORDER BY t.key, t.checklist",
                 NULL);
  if (!q) return ZZ_ESTORE;
  bind_scope(q, sc, NULL);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_cp_latest l = {.entity_key = sq_col_text(q, 0),
                                .checklist = sq_col_text(q, 1),
                                .inspection = sqlite3_column_int64(q, 2),
                                .ts = sqlite3_column_int64(q, 3),
                                .answers = sq_col_text(q, 4),
                                .closed_items = sq_col_text(q, 5)};
    if (fn(ud, &l)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int cp_count(struct store *st, const struct store_cp_scope *sc, enum store_cp_count what,
                    const char *arg, int (*fn)(void *, const char *, int64_t, int64_t), void *ud) {
  /* months in Asia/Shanghai (UTC+8, no DST), made so by the triggers */
  static const char *const sql[] = {
      [STORE_CP_SIGNED_BY_PLEDGE] =
          "SELECT t.pledge, sum(t.n), 0 FROM cp_t_pledge t"
          " WHERE t.campaign = ?1 AND " CP_IN_SCOPE("t") " GROUP BY 1 ORDER BY 1",
      [STORE_CP_SIGNED_BY_PARENT] =
          "SELECT t.parent, sum(t.n), 0 FROM cp_t_pledge t"
          " WHERE t.campaign = ?1 AND t.pledge = ?8 AND " CP_IN_SCOPE("t") " GROUP BY 1 ORDER BY 1",
      [STORE_CP_PLEDGES_BY_MONTH] =
          "SELECT t.month, sum(t.n), 0 FROM cp_t_pledge t"
          " WHERE t.campaign = ?1 AND " CP_IN_SCOPE("t") " GROUP BY 1 ORDER BY 1",
      [STORE_CP_INSPECTIONS_BY_MONTH] =
          "SELECT t.month, sum(t.n), sum(t.failed) FROM cp_t_month t WHERE " CP_TKEY(
              "t") " AND " CP_IN_SCOPE("t") " GROUP BY 1 ORDER BY 1",
      [STORE_CP_RECTIFY_BY_STATE] = "SELECT t.state, sum(t.n), 0 FROM cp_t_rect t WHERE " CP_TKEY(
          "t") " AND " CP_IN_SCOPE("t") " GROUP BY 1 ORDER BY 1",
      /* entities by (type, rpos) */
      [STORE_CP_ENTITIES] =
          "SELECT 'members', coalesce(sum(t.n), 0), 0 FROM cp_t_type t "
          "WHERE " CP_IS_MEMBER("t") " AND " CP_IN_SCOPE(
              "t") " UNION ALL SELECT 'participants', coalesce(sum(t.n), 0),"
                   " 0 FROM cp_t_type t WHERE " CP_IS_PARTICIPANT("t") " AND " CP_IN_SCOPE("t"),
  };
  if ((unsigned)what >= ZZ_ARRAY_LEN(sql)) return ZZ_EINVAL;
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, sql[what], NULL);
  if (!q) return ZZ_ESTORE;
  bind_scope(q, sc, arg);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *key = sq_col_text(q, 0);
    if (fn(ud, key ? key : "", sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2))) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

const struct store_campaigns_ops store_sqlite_campaigns_ops = {
    .pledge_insert = pledge_insert,
    .pledges_each = pledges_each,
    .activity_insert = activity_insert,
    .activities_each = activities_each,
    .cp_participants_each = cp_participants_each,
    .cp_latest_each = cp_latest_each,
    .cp_count = cp_count,
};
