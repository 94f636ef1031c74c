/* store_cases.c - the SQLite side of case files (store_cases.h): the case
 * row with the person's data, its timeline, the quiet files the follow-up
 * timer looks for and the counts of the statistics. */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/* The list leaves the timeline's length out (-1): counted for every row
 * before the sort, it cost the list most of its time. */
#define CASE_COLS_BASE                                                                             \
  "c.id, c.program, c.department, c.caseworker, c.region, c.community, c.intention, c.name,"       \
  " c.phone, c.person, c.profile, c.status, c.outcome, c.created, c.last_contact,"                 \
  " c.next_follow, c.followup_order, c.jobs,"
#define CASE_COLS CASE_COLS_BASE " -1"
#define CASE_COLS_FILE CASE_COLS_BASE " (SELECT count(*) FROM cs_entry x WHERE x.case_id = c.id)"

static void case_row(sqlite3_stmt *q, struct store_case *c) {
  *c = (struct store_case){.id = sqlite3_column_int64(q, 0),
                           .program = sq_col_text(q, 1),
                           .department = sq_col_text(q, 2),
                           .caseworker = sq_col_text(q, 3),
                           .region = sqlite3_column_int64(q, 4),
                           .community = sq_col_text(q, 5),
                           .intention = sq_col_text(q, 6),
                           .name = sq_col_text(q, 7),
                           .phone = sq_col_text(q, 8),
                           .person_json = sq_col_text(q, 9),
                           .profile_json = sq_col_text(q, 10),
                           .status = sq_col_text(q, 11),
                           .outcome = sq_col_text(q, 12),
                           .created = sqlite3_column_int64(q, 13),
                           .last_contact = sqlite3_column_int64(q, 14),
                           .next_follow = sqlite3_column_int64(q, 15),
                           .followup_order = sqlite3_column_int64(q, 16),
                           .jobs = sqlite3_column_int64(q, 17),
                           .entries = sqlite3_column_int64(q, 18)};
}

static int case_insert(struct store *st, const struct store_case *in, int64_t *out_id,
                       struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int rc = sq_begin(c, e);
  if (rc) return rc;
  int64_t id = 0;
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO cs_case(program, department, caseworker, region, community, intention, name,"
      " phone, person, profile, status, outcome, created, last_contact, next_follow, jobs)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
      " RETURNING id",
      e);
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  sq_bind_text(q, 1, in->program);
  sq_bind_text(q, 2, in->department);
  sq_bind_text(q, 3, in->caseworker);
  sqlite3_bind_int64(q, 4, in->region);
  sq_bind_text(q, 5, in->community);
  sq_bind_text(q, 6, in->intention);
  sq_bind_text(q, 7, in->name);
  sq_bind_text(q, 8, in->phone);
  sq_bind_text(q, 9, in->person_json ? in->person_json : "{}");
  sq_bind_text(q, 10, in->profile_json ? in->profile_json : "{}");
  sq_bind_text(q, 11, in->status ? in->status : "open");
  sq_bind_text(q, 12, in->outcome);
  sqlite3_bind_int64(q, 13, in->created);
  sqlite3_bind_int64(q, 14, in->last_contact ? in->last_contact : in->created);
  sq_bind_i64z(q, 15, in->next_follow);
  sqlite3_bind_int64(q, 16, in->jobs);
  if ((rc = sq_run(c, q, &id, e, "case"))) goto done;
  q = sq_prepare(c,
                 "INSERT INTO cs_entry(case_id, ts, class, kind, note, actor, jobs)"
                 " VALUES(?1, ?2, 'contact', 'intake', NULL, ?3, 0)",
                 e);
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  sqlite3_bind_int64(q, 1, id);
  sqlite3_bind_int64(q, 2, in->created);
  sq_bind_text(q, 3, in->caseworker);
  rc = sq_run(c, q, NULL, e, "case entry");
done:
  rc = sq_finish(c, rc, e);
  if (!rc && out_id) *out_id = id;
  return rc;
}

static int case_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_case *),
                    void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "SELECT " CASE_COLS_FILE " FROM cs_case c WHERE c.id = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  int rc = sqlite3_step(q), r = ZZ_ENOTFOUND;
  if (rc == SQLITE_ROW) {
    struct store_case cs;
    case_row(q, &cs);
    fn(ud, &cs);
    r = 0;
  } else if (rc != SQLITE_DONE) {
    r = ZZ_ESTORE;
  }
  sq_release(c, q);
  return r;
}

/* One WHERE for the list and its count: every filter is bound, a NULL
 * one lets everything through, so the statement text never changes. */
#define CASE_WHERE                                                                                 \
  " WHERE (?1 IS NULL OR c.program = ?1) AND (?2 IS NULL OR c.department = ?2)"                    \
  " AND (?3 IS NULL OR c.intention = ?3) AND (?4 IS NULL OR c.status = ?4)"                        \
  " AND (?5 IS NULL OR c.region = ?5)"                                                             \
  " AND (?6 IS NULL OR instr(c.name, ?6) OR instr(c.phone, ?6) OR instr(c.community, ?6))"         \
  " AND (?7 IS NULL OR (c.next_follow < ?7 AND c.status = 'open'))"

static void bind_filter(sqlite3_stmt *q, const struct store_case_filter *f) {
  sq_bind_text(q, 1, f->program);
  sq_bind_text(q, 2, f->department);
  sq_bind_text(q, 3, f->intention);
  sq_bind_text(q, 4, f->status);
  sq_bind_i64z(q, 5, f->region);
  sq_bind_text(q, 6, f->q && *f->q ? f->q : NULL);
  sq_bind_i64z(q, 7, f->due_before);
}

static int cases_each(struct store *st, const struct store_case_filter *f, int64_t *total,
                      int (*fn)(void *, const struct store_case *), void *ud) {
  static const struct store_case_filter all = {0};
  if (!f) f = &all;
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q;
  int rc;
  if (total) {
    if (!(q = sq_prepare(c, "SELECT count(*) FROM cs_case c" CASE_WHERE, NULL))) return ZZ_ESTORE;
    bind_filter(q, f);
    rc = sqlite3_step(q);
    *total = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sq_release(c, q);
    if (rc != SQLITE_ROW) return ZZ_ESTORE;
  }
  q = sq_prepare(c,
                 "SELECT " CASE_COLS " FROM cs_case c" CASE_WHERE
                 " ORDER BY c.status <> 'open', c.next_follow IS NULL, c.next_follow, c.id DESC"
                 " LIMIT ?8 OFFSET ?9",
                 NULL);
  if (!q) return ZZ_ESTORE;
  bind_filter(q, f);
  sqlite3_bind_int64(q, 8, f->limit > 0 ? f->limit : -1);
  sqlite3_bind_int64(q, 9, f->offset > 0 ? f->offset : 0);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_case cs;
    case_row(q, &cs);
    if (fn(ud, &cs)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int entry_insert(struct store *st, const struct store_case_entry *en, int64_t *out_id,
                        struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int rc = sq_begin(c, e);
  if (rc) return rc;
  int64_t id = 0;
  int touch = strcmp(en->klass, "outcome") != 0 && strcmp(en->klass, "task") != 0;
  int outcome = strcmp(en->klass, "outcome") == 0;
  sqlite3_stmt *q = sq_prepare(
      c,
      "UPDATE cs_case SET last_contact = CASE WHEN ?2 THEN max(last_contact, ?3)"
      " ELSE last_contact END,"
      " followup_order = CASE WHEN ?2 THEN NULL ELSE followup_order END,"
      " outcome = CASE WHEN ?4 THEN ?5 ELSE outcome END, jobs = jobs + ?6,"
      " next_follow = CASE WHEN ?7 > 0 THEN ?7 ELSE next_follow END WHERE id = ?1 RETURNING id",
      e);
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  sqlite3_bind_int64(q, 1, en->case_id);
  sqlite3_bind_int(q, 2, touch);
  sqlite3_bind_int64(q, 3, en->ts);
  sqlite3_bind_int(q, 4, outcome);
  sq_bind_text(q, 5, en->kind);
  sqlite3_bind_int64(q, 6, en->jobs);
  sqlite3_bind_int64(q, 7, en->next_follow);
  int64_t found = 0;
  if ((rc = sq_run(c, q, &found, e, "case"))) goto done;
  if (!found) {
    rc = zz_fail(e, ZZ_ENOTFOUND, "id", "no case %lld", (long long)en->case_id);
    goto done;
  }
  q = sq_prepare(c,
                 "INSERT INTO cs_entry(case_id, ts, class, kind, note, actor, jobs)"
                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                 e);
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  sqlite3_bind_int64(q, 1, en->case_id);
  sqlite3_bind_int64(q, 2, en->ts);
  sq_bind_text(q, 3, en->klass);
  sq_bind_text(q, 4, en->kind);
  sq_bind_text(q, 5, en->note);
  sq_bind_text(q, 6, en->actor);
  sqlite3_bind_int64(q, 7, en->jobs);
  rc = sq_run(c, q, &id, e, "case entry");
done:
  rc = sq_finish(c, rc, e);
  if (!rc && out_id) *out_id = id;
  return rc;
}

static int entries_each(struct store *st, int64_t case_id,
                        int (*fn)(void *, const struct store_case_entry *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT id, case_id, ts, class, kind, note, actor, jobs"
                               " FROM cs_entry WHERE case_id = ?1 ORDER BY ts, id",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, case_id);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_case_entry en = {.id = sqlite3_column_int64(q, 0),
                                  .case_id = sqlite3_column_int64(q, 1),
                                  .ts = sqlite3_column_int64(q, 2),
                                  .klass = sq_col_text(q, 3),
                                  .kind = sq_col_text(q, 4),
                                  .note = sq_col_text(q, 5),
                                  .actor = sq_col_text(q, 6),
                                  .jobs = sqlite3_column_int64(q, 7)};
    if (fn(ud, &en)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int set_followup(struct store *st, int64_t id, int64_t order_id, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "UPDATE cs_case SET followup_order = ?2 WHERE id = ?1", e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  sq_bind_i64z(q, 2, order_id);
  return sq_run(c, q, NULL, e, "case");
}

static int cases_quiet(struct store *st, const char *program, int64_t before, int limit,
                       int (*fn)(void *, const struct store_case *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT " CASE_COLS " FROM cs_case c WHERE c.status = 'open'"
                               " AND c.followup_order IS NULL AND c.last_contact < ?2"
                               " AND c.program = ?1 ORDER BY c.last_contact LIMIT ?3",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, program);
  sqlite3_bind_int64(q, 2, before);
  sqlite3_bind_int(q, 3, limit > 0 ? limit : 100);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_case cs;
    case_row(q, &cs);
    if (fn(ud, &cs)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int cases_count(struct store *st, const char *program, enum store_case_count what,
                       const char *klass,
                       int (*fn)(void *, const char *, const char *, int64_t, int64_t), void *ud) {
  static const char *const sql[] = {
      [STORE_CASES_BY_INTENTION] = "SELECT intention, NULL, count(*), sum(jobs) FROM cs_case"
                                   " WHERE program = ?1 GROUP BY intention ORDER BY intention",
      [STORE_CASES_BY_OUTCOME] = "SELECT coalesce(outcome, ''), NULL, count(*), sum(jobs)"
                                 " FROM cs_case WHERE program = ?1 GROUP BY 1 ORDER BY 1",
      [STORE_CASES_BY_REGION] = "SELECT region, NULL, count(*), sum(jobs) FROM cs_case"
                                " WHERE program = ?1 GROUP BY region ORDER BY region",
      [STORE_ENTRIES_BY_KIND] = "SELECT e.kind, NULL, count(*), sum(e.jobs) FROM cs_entry e"
                                " JOIN cs_case c ON c.id = e.case_id WHERE c.program = ?1"
                                " AND e.class = ?2 GROUP BY e.kind ORDER BY e.kind",
      /* months in Asia/Shanghai (UTC+8, no DST) */
      [STORE_ENTRIES_BY_MONTH] =
          "SELECT e.kind, strftime('%Y-%m', e.ts / 1000 + 28800, 'unixepoch'), count(*),"
          " sum(e.jobs) FROM cs_entry e JOIN cs_case c ON c.id = e.case_id"
          " WHERE c.program = ?1 AND e.class = ?2 GROUP BY 1, 2 ORDER BY 2, 1",
  };
  if ((unsigned)what >= ZZ_ARRAY_LEN(sql)) return ZZ_EINVAL;
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, sql[what], NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, program);
  if (what >= STORE_ENTRIES_BY_KIND) sq_bind_text(q, 2, klass);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *key = sq_col_text(q, 0);
    if (fn(ud, key ? key : "", sq_col_text(q, 1), sqlite3_column_int64(q, 2),
           sqlite3_column_int64(q, 3)))
      break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

const struct store_cases_ops store_sqlite_cases_ops = {
    .case_insert = case_insert,
    .case_get = case_get,
    .cases_each = cases_each,
    .entry_insert = entry_insert,
    .entries_each = entries_each,
    .set_followup = set_followup,
    .cases_quiet = cases_quiet,
    .cases_count = cases_count,
};
