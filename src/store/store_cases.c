/* store_cases.c - the SQLite side of case files (store_cases.h): the case
 * row with the person's data, its timeline, the quiet files the follow-up
 * timer looks for, activities and their attendance, and the counters
 * (cs_tally) the statistics read, kept by the writes of cases and entries
 * in their own transactions. */
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

/* Steps q to its end, handing each row to row (non-zero stops), and
 * releases it: 0 or ZZ_ESTORE. Every reader below ends this way. */
static int each_row(struct sq_conn *c, sqlite3_stmt *q, int (*row)(sqlite3_stmt *, void *),
                    void *ud) {
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW)
    if (row(q, ud)) break;
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* A case reader's callback and its argument, for each_row. */
struct case_fn {
  int (*fn)(void *, const struct store_case *);
  void *ud;
  int n;
};

static int case_row_cb(sqlite3_stmt *q, void *ud) {
  struct case_fn *f = ud;
  struct store_case cs;
  case_row(q, &cs);
  f->n++;
  return f->fn(f->ud, &cs);
}

/* Adds n cases (or entries) and jobs to the counter (program, dim, key,
 * month of ts unless ts is 0). 0 or the store error. */
static int tally(struct sq_conn *c, const char *program, const char *dim, const char *key,
                 int64_t ts, int64_t n, int64_t jobs, struct zz_err *e) {
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO cs_tally(program, dim, key, month, n, jobs) VALUES(?1, ?2, ?3,"
      /* months in Asia/Shanghai (UTC+8, no DST) */
      " CASE WHEN ?4 IS NULL THEN '' ELSE strftime('%Y-%m', ?4 / 1000 + 28800, 'unixepoch') END,"
      " ?5, ?6) ON CONFLICT(program, dim, key, month) DO UPDATE SET n = n + excluded.n,"
      " jobs = jobs + excluded.jobs",
      e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, program);
  sq_bind_text(q, 2, dim);
  sq_bind_text(q, 3, key ? key : "");
  sq_bind_i64z(q, 4, ts);
  sqlite3_bind_int64(q, 5, n);
  sqlite3_bind_int64(q, 6, jobs);
  return sq_run(c, q, NULL, e, "case counts");
}

/* The counters of one new entry of klass/kind at ts: by kind, and by kind
 * and month. */
static int tally_entry(struct sq_conn *c, const char *program, const char *klass, const char *kind,
                       int64_t ts, int64_t jobs, struct zz_err *e) {
  char dim[48];
  snprintf(dim, sizeof dim, "kind:%s", klass);
  int rc = tally(c, program, dim, kind, 0, 1, jobs, e);
  snprintf(dim, sizeof dim, "month:%s", klass);
  return rc ? rc : tally(c, program, dim, kind, ts, 1, jobs, e);
}

static int case_insert(struct store *st, const struct store_case *in, int64_t *out_id,
                       struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int rc = sq_begin(c, e);
  if (rc) return rc;
  int64_t id = 0;
  char region[24];
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
  if ((rc = sq_run(c, q, NULL, e, "case entry"))) goto done;
  snprintf(region, sizeof region, "%lld", (long long)in->region);
  if (!(rc = tally(c, in->program, "intention", in->intention, 0, 1, in->jobs, e)) &&
      !(rc = tally(c, in->program, "outcome", in->outcome, 0, 1, in->jobs, e)) &&
      !(rc = tally(c, in->program, "region", region, 0, 1, in->jobs, e)))
    rc = tally_entry(c, in->program, "contact", "intake", in->created, 0, e);
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
  struct case_fn f = {fn, ud, 0};
  int rc = each_row(c, q, case_row_cb, &f);
  return rc ? rc : f.n ? 0 : ZZ_ENOTFOUND;
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
  return each_row(c, q, case_row_cb, &(struct case_fn){fn, ud, 0});
}

/* What entry_write reads of the case before it changes it. */
struct case_before {
  char program[65], outcome[65], intention[65], region[24];
  int64_t jobs;
};

static int before_row(sqlite3_stmt *q, void *ud) {
  struct case_before *b = ud;
  const char *p = sq_col_text(q, 0), *o = sq_col_text(q, 1);
  zz_strlcpy(b->program, p ? p : "", sizeof b->program);
  zz_strlcpy(b->outcome, o ? o : "", sizeof b->outcome);
  b->jobs = sqlite3_column_int64(q, 2);
  const char *in = sq_col_text(q, 4);
  zz_strlcpy(b->intention, in ? in : "", sizeof b->intention);
  snprintf(b->region, sizeof b->region, "%lld", (long long)sqlite3_column_int64(q, 3));
  return 1;
}

/* The entry's row, its case's update and the counters, inside the
 * caller's transaction: 0, ZZ_ENOTFOUND (no case) or a store error. */
static int entry_write(struct sq_conn *c, const struct store_case_entry *en, int64_t *out_id,
                       struct zz_err *e) {
  struct case_before b = {.program = ""};
  sqlite3_stmt *q = sq_prepare(
      c, "SELECT program, outcome, jobs, region, intention FROM cs_case WHERE id = ?1", e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, en->case_id);
  if (each_row(c, q, before_row, &b)) return zz_fail(e, ZZ_ESTORE, NULL, "cannot read the case");
  if (!b.program[0]) return zz_fail(e, ZZ_ENOTFOUND, "id", "no case %lld", (long long)en->case_id);
  int touch = strcmp(en->klass, "outcome") != 0 && strcmp(en->klass, "task") != 0 &&
              strcmp(en->klass, "application") != 0;
  int outcome = strcmp(en->klass, "outcome") == 0;
  q = sq_prepare(c,
                 "UPDATE cs_case SET last_contact = CASE WHEN ?2 THEN max(last_contact, ?3)"
                 " ELSE last_contact END,"
                 " followup_order = CASE WHEN ?2 THEN NULL ELSE followup_order END,"
                 " outcome = CASE WHEN ?4 THEN ?5 ELSE outcome END, jobs = jobs + ?6,"
                 " next_follow = CASE WHEN ?7 > 0 THEN ?7 ELSE next_follow END WHERE id = ?1",
                 e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, en->case_id);
  sqlite3_bind_int(q, 2, touch);
  sqlite3_bind_int64(q, 3, en->ts);
  sqlite3_bind_int(q, 4, outcome);
  sq_bind_text(q, 5, en->kind);
  sqlite3_bind_int64(q, 6, en->jobs);
  sqlite3_bind_int64(q, 7, en->next_follow);
  int rc = sq_run(c, q, NULL, e, "case");
  if (rc) return rc;
  q = sq_prepare(c,
                 "INSERT INTO cs_entry(case_id, ts, class, kind, note, actor, jobs, ref)"
                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                 e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, en->case_id);
  sqlite3_bind_int64(q, 2, en->ts);
  sq_bind_text(q, 3, en->klass);
  sq_bind_text(q, 4, en->kind);
  sq_bind_text(q, 5, en->note);
  sq_bind_text(q, 6, en->actor);
  sqlite3_bind_int64(q, 7, en->jobs);
  sq_bind_text(q, 8, en->ref);
  if ((rc = sq_run(c, q, out_id, e, "case entry"))) return rc;
  if ((rc = tally_entry(c, b.program, en->klass, en->kind, en->ts, en->jobs, e))) return rc;
  if (!outcome && !en->jobs) return 0;
  /* the case's counters: its latest outcome moves (with the case's jobs),
   * and the jobs this entry creates count for its outcome, street and
   * intention */
  const char *from = b.outcome, *to = outcome ? en->kind : b.outcome;
  if (strcmp(from, to) != 0 && ((rc = tally(c, b.program, "outcome", from, 0, -1, -b.jobs, e)) ||
                                (rc = tally(c, b.program, "outcome", to, 0, 1, b.jobs, e))))
    return rc;
  if (en->jobs && ((rc = tally(c, b.program, "outcome", to, 0, 0, en->jobs, e)) ||
                   (rc = tally(c, b.program, "region", b.region, 0, 0, en->jobs, e)) ||
                   (rc = tally(c, b.program, "intention", b.intention, 0, 0, en->jobs, e))))
    return rc;
  return 0;
}

static int entry_insert(struct store *st, const struct store_case_entry *en, int64_t *out_id,
                        struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int64_t id = 0;
  int rc = sq_begin(c, e);
  if (rc) return rc;
  rc = sq_finish(c, entry_write(c, en, &id, e), e);
  if (!rc && out_id) *out_id = id;
  return rc;
}

struct entry_fn {
  int (*fn)(void *, const struct store_case_entry *);
  void *ud;
};

static int entry_row_cb(sqlite3_stmt *q, void *ud) {
  struct entry_fn *f = ud;
  struct store_case_entry en = {.id = sqlite3_column_int64(q, 0),
                                .case_id = sqlite3_column_int64(q, 1),
                                .ts = sqlite3_column_int64(q, 2),
                                .klass = sq_col_text(q, 3),
                                .kind = sq_col_text(q, 4),
                                .note = sq_col_text(q, 5),
                                .actor = sq_col_text(q, 6),
                                .jobs = sqlite3_column_int64(q, 7),
                                .ref = sq_col_text(q, 8)};
  return f->fn(f->ud, &en);
}

static int entries_each(struct store *st, int64_t case_id,
                        int (*fn)(void *, const struct store_case_entry *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT id, case_id, ts, class, kind, note, actor, jobs, ref"
                               " FROM cs_entry WHERE case_id = ?1 ORDER BY ts, id",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, case_id);
  return each_row(c, q, entry_row_cb, &(struct entry_fn){fn, ud});
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
  return each_row(c, q, case_row_cb, &(struct case_fn){fn, ud, 0});
}

struct count_fn {
  int (*fn)(void *, const char *, const char *, int64_t, int64_t);
  void *ud;
};

static int count_row_cb(sqlite3_stmt *q, void *ud) {
  struct count_fn *f = ud;
  const char *key = sq_col_text(q, 0);
  return f->fn(f->ud, key ? key : "", sq_col_text(q, 1), sqlite3_column_int64(q, 2),
               sqlite3_column_int64(q, 3));
}

static int cases_count(struct store *st, const char *program, enum store_case_count what,
                       const char *klass,
                       int (*fn)(void *, const char *, const char *, int64_t, int64_t), void *ud) {
  char dim[48];
  switch (what) {
  case STORE_CASES_BY_INTENTION:
    zz_strlcpy(dim, "intention", sizeof dim);
    break;
  case STORE_CASES_BY_OUTCOME:
    zz_strlcpy(dim, "outcome", sizeof dim);
    break;
  case STORE_CASES_BY_REGION:
    zz_strlcpy(dim, "region", sizeof dim);
    break;
  case STORE_ENTRIES_BY_KIND:
    snprintf(dim, sizeof dim, "kind:%s", klass ? klass : "");
    break;
  case STORE_ENTRIES_BY_MONTH:
    snprintf(dim, sizeof dim, "month:%s", klass ? klass : "");
    break;
  default:
    return ZZ_EINVAL;
  }
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT key, nullif(month, ''), n, jobs FROM cs_tally"
                               " WHERE program = ?1 AND dim = ?2 AND n > 0 ORDER BY month, key",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, program);
  sq_bind_text(q, 2, dim);
  return each_row(c, q, count_row_cb, &(struct count_fn){fn, ud});
}

/* ---- activities ---- */

static int activity_insert(struct store *st, const struct store_case_activity *a, const char *token,
                           int64_t rpos, int64_t *out_id, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int rc = sq_begin(c, e);
  if (rc) return rc;
  int64_t id = 0;
  char entity[40];
  sqlite3_stmt *q = sq_prepare(
      c,
      "INSERT INTO cs_activity(program, department, kind, title, ts, place, region, created_by,"
      " created) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
      e);
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  sq_bind_text(q, 1, a->program);
  sq_bind_text(q, 2, a->department);
  sq_bind_text(q, 3, a->kind);
  sq_bind_text(q, 4, a->title);
  sqlite3_bind_int64(q, 5, a->ts);
  sq_bind_text(q, 6, a->place);
  sqlite3_bind_int64(q, 7, a->region);
  sq_bind_text(q, 8, a->created_by);
  sqlite3_bind_int64(q, 9, a->created);
  if ((rc = sq_run(c, q, &id, e, "activity"))) goto done;
  snprintf(entity, sizeof entity, "cs_activity/%lld", (long long)id);
  q = sq_prepare(c,
                 "INSERT INTO code(token, kind, entity, entity_type, region, rpos, state, created)"
                 " VALUES(?1, 'activity', ?2, 'case_activity', ?3, ?4, 'active', ?5)",
                 e);
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  sq_bind_text(q, 1, token);
  sq_bind_text(q, 2, entity);
  sqlite3_bind_int64(q, 3, a->region);
  sqlite3_bind_int64(q, 4, rpos);
  sqlite3_bind_int64(q, 5, a->created);
  rc = sq_run(c, q, NULL, e, "activity code");
done:
  rc = sq_finish(c, rc, e);
  if (!rc && out_id) *out_id = id;
  return rc;
}

#define ACTIVITY_COLS                                                                              \
  "a.id, a.program, a.department, a.kind, a.title, a.place, a.created_by, a.ts, a.region,"         \
  " a.created, (SELECT count(*) FROM cs_attendance t WHERE t.activity = a.id)"

struct activity_fn {
  int (*fn)(void *, const struct store_case_activity *);
  void *ud;
  int n;
};

static int activity_row_cb(sqlite3_stmt *q, void *ud) {
  struct activity_fn *f = ud;
  struct store_case_activity a = {.id = sqlite3_column_int64(q, 0),
                                  .program = sq_col_text(q, 1),
                                  .department = sq_col_text(q, 2),
                                  .kind = sq_col_text(q, 3),
                                  .title = sq_col_text(q, 4),
                                  .place = sq_col_text(q, 5),
                                  .created_by = sq_col_text(q, 6),
                                  .ts = sqlite3_column_int64(q, 7),
                                  .region = sqlite3_column_int64(q, 8),
                                  .created = sqlite3_column_int64(q, 9),
                                  .attendance = sqlite3_column_int64(q, 10)};
  f->n++;
  return f->fn(f->ud, &a);
}

static int activity_get(struct store *st, int64_t id,
                        int (*fn)(void *, const struct store_case_activity *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c, "SELECT " ACTIVITY_COLS " FROM cs_activity a WHERE a.id = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  struct activity_fn f = {fn, ud, 0};
  int rc = each_row(c, q, activity_row_cb, &f);
  return rc ? rc : f.n ? 0 : ZZ_ENOTFOUND;
}

static int activities_each(struct store *st, const char *program, const char *department, int limit,
                           int (*fn)(void *, const struct store_case_activity *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT " ACTIVITY_COLS " FROM cs_activity a WHERE a.program = ?1"
                               " AND (?2 IS NULL OR a.department = ?2)"
                               " ORDER BY a.ts DESC, a.id DESC LIMIT ?3",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, program);
  sq_bind_text(q, 2, department);
  sqlite3_bind_int(q, 3, limit > 0 ? limit : 100);
  return each_row(c, q, activity_row_cb, &(struct activity_fn){fn, ud, 0});
}

struct phone_fn {
  int (*fn)(void *, int64_t, const char *);
  void *ud;
};

static int phone_row_cb(sqlite3_stmt *q, void *ud) {
  struct phone_fn *f = ud;
  return f->fn(f->ud, sqlite3_column_int64(q, 0), sq_col_text(q, 1));
}

static int phones_each(struct store *st, const char *program,
                       int (*fn)(void *, int64_t, const char *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c, "SELECT id, phone FROM cs_case WHERE program = ?1 ORDER BY id", NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, program);
  return each_row(c, q, phone_row_cb, &(struct phone_fn){fn, ud});
}

static int attend(struct store *st, const struct store_case_activity *a, int64_t case_id,
                  int64_t ts, const char *actor, int *already, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int rc = sq_begin(c, e);
  if (rc) return rc;
  int64_t have = 0, entry = 0;
  char ref[40];
  *already = 0;
  sqlite3_stmt *q =
      sq_prepare(c, "SELECT 1 FROM cs_attendance WHERE activity = ?1 AND case_id = ?2", e);
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  sqlite3_bind_int64(q, 1, a->id);
  sqlite3_bind_int64(q, 2, case_id);
  if ((rc = sq_run(c, q, &have, e, "attendance"))) goto done;
  if (have) {
    *already = 1;
    goto done;
  }
  snprintf(ref, sizeof ref, "activity/%lld", (long long)a->id);
  struct store_case_entry en = {.case_id = case_id,
                                .ts = ts,
                                .klass = "activity",
                                .kind = a->kind,
                                .note = a->title,
                                .actor = actor,
                                .ref = ref};
  if ((rc = entry_write(c, &en, &entry, e))) goto done;
  q = sq_prepare(
      c, "INSERT INTO cs_attendance(activity, case_id, ts, entry) VALUES(?1, ?2, ?3, ?4)", e);
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  sqlite3_bind_int64(q, 1, a->id);
  sqlite3_bind_int64(q, 2, case_id);
  sqlite3_bind_int64(q, 3, ts);
  sqlite3_bind_int64(q, 4, entry);
  rc = sq_run(c, q, NULL, e, "attendance");
done:
  return sq_finish(c, rc, e);
}

struct attendee_fn {
  int (*fn)(void *, int64_t, const char *, const char *, int64_t);
  void *ud;
};

static int attendee_row_cb(sqlite3_stmt *q, void *ud) {
  struct attendee_fn *f = ud;
  return f->fn(f->ud, sqlite3_column_int64(q, 0), sq_col_text(q, 1), sq_col_text(q, 2),
               sqlite3_column_int64(q, 3));
}

static int attendance_each(struct store *st, int64_t activity,
                           int (*fn)(void *, int64_t, const char *, const char *, int64_t),
                           void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT c.id, c.name, c.phone, t.ts FROM cs_attendance t"
                               " JOIN cs_case c ON c.id = t.case_id WHERE t.activity = ?1"
                               " ORDER BY t.ts, c.id",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, activity);
  return each_row(c, q, attendee_row_cb, &(struct attendee_fn){fn, ud});
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
    .activity_insert = activity_insert,
    .activity_get = activity_get,
    .activities_each = activities_each,
    .phones_each = phones_each,
    .attend = attend,
    .attendance_each = attendance_each,
};
