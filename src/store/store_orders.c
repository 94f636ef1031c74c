/* store_orders.c - the SQLite side of work orders (store_orders.h): orders
 * and their append-only timeline (the schema refuses changes to it),
 * evidence, statistics, and what an Open311 request brought beyond the
 * order. An order and its first events, or several orders changed together,
 * are one transaction. List filters are assembled from constant fragments,
 * and every value is bound. */
#include <math.h>
#include <string.h>

#include "store/store_int.h"

/* ---- work orders ---- */

#define ORDER_COLS                                                                                 \
  "id, parent, matter, title, description, state, department, channel, region, rpos, entity,"      \
  " lon, lat, alert, reporter, reporters, created, updated, dispatched_at, accept_due,"            \
  " resolve_due, accepted_at, resolved_at, closed_at, overdue, supervised, escalated,"             \
  " escalate_at, escalated_to, duplicate_of, merged_into, rating, rating_note, version,"           \
  " priority, pending_due, duplicate_reason"

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
  o->priority = sqlite3_column_int(q, i++);
  o->pending_due = sqlite3_column_int64(q, i++);
  o->duplicate_reason = sq_col_text(q, i++);
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
  /* after version (?34): the columns the triage added */
  i = 35;
  sqlite3_bind_int(q, i++,
                   o->priority >= STORE_PRIORITY_CRITICAL && o->priority <= STORE_PRIORITY_NORMAL
                       ? o->priority
                       : STORE_PRIORITY_NORMAL);
  sq_bind_i64z(q, i++, o->pending_due);
  sq_bind_text(q, i++, o->duplicate_reason);
}

static int event_add(struct sq_conn *c, const struct store_order_event *ev, int64_t order_id,
                     struct zz_err *e) {
  sqlite3_stmt *q = sq_prepare(c,
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
  return sq_run(c, q, NULL, e, "order event");
}

static int order_insert(struct store *st, const struct store_order *o,
                        const struct store_order_event *evs, size_t nev, int64_t *out_id,
                        struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  if (!c) return zz_fail(e, ZZ_ESTORE, "store", "no database connection");
  int rc = sq_begin(c, e);
  if (rc) return rc;
  sqlite3_stmt *q =
      sq_prepare(c,
                 "INSERT INTO work_order(" ORDER_COLS ") VALUES(NULL, ?2, ?3, ?4, ?5, ?6,"
                 " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
                 " ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, 1, ?35, ?36, ?37)"
                 " RETURNING id",
                 e);
  int64_t id = 0;
  if (!q) rc = ZZ_ESTORE;
  if (!rc) {
    order_bind(q, o);
    rc = sq_run(c, q, &id, e, "work order");
  }
  for (size_t i = 0; !rc && i < nev; i++) rc = event_add(c, &evs[i], id, e);
  rc = sq_finish(c, rc, e);
  if (!rc && out_id) *out_id = id;
  return rc;
}

static int orders_update(struct store *st, const struct store_order *const *os, size_t n,
                         const struct store_order_event *evs, size_t nev, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  if (!c) return zz_fail(e, ZZ_ESTORE, "store", "no database connection");
  int rc = sq_begin(c, e);
  if (rc) return rc;
  for (size_t k = 0; !rc && k < n; k++) {
    sqlite3_stmt *q = sq_prepare(
        c,
        "UPDATE work_order SET parent = ?2, matter = ?3, title = ?4, description = ?5, state = ?6,"
        " department = ?7, channel = ?8, region = ?9, rpos = ?10, entity = ?11, lon = ?12,"
        " lat = ?13, alert = ?14, reporter = ?15, reporters = ?16, created = ?17, updated = ?18,"
        " dispatched_at = ?19, accept_due = ?20, resolve_due = ?21, accepted_at = ?22,"
        " resolved_at = ?23, closed_at = ?24, overdue = ?25, supervised = ?26, escalated = ?27,"
        " escalate_at = ?28, escalated_to = ?29, duplicate_of = ?30, merged_into = ?31,"
        " rating = ?32, rating_note = ?33, priority = ?35, pending_due = ?36,"
        " duplicate_reason = ?37, version = version + 1 WHERE id = ?1 AND version = ?34",
        e);
    if (!q) {
      rc = ZZ_ESTORE;
      break;
    }
    sqlite3_bind_int64(q, 1, os[k]->id);
    order_bind(q, os[k]);
    sqlite3_bind_int64(q, 34, os[k]->version);
    rc = sq_run(c, q, NULL, e, "work order");
    if (!rc && sqlite3_changes(c->db) != 1)
      rc = zz_fail(e, ZZ_ECONFLICT, "order",
                   "order %lld was changed by someone else meanwhile: reload it and try again",
                   (long long)os[k]->id);
  }
  for (size_t i = 0; !rc && i < nev; i++) rc = event_add(c, &evs[i], 0, e);
  return sq_finish(c, rc, e);
}

static int order_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_order *),
                     void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "SELECT " ORDER_COLS " FROM work_order WHERE id = ?1", NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  int r = ZZ_ENOTFOUND;
  if (sqlite3_step(q) == SQLITE_ROW) {
    struct store_order o;
    order_row(q, &o);
    fn(ud, &o);
    r = 0;
  }
  sq_release(c, q);
  return r;
}

static int each_order(struct sq_conn *c, sqlite3_stmt *q,
                      int (*fn)(void *, const struct store_order *), void *ud) {
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_order o;
    order_row(q, &o);
    if (fn(ud, &o)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- search (the q of the order list) ----
 *
 * A search keeps the meaning it has always had: an order matches when its
 * title, description or reporters, or the Chinese or English name of its
 * entity, contain the term (instr: bytes, case-sensitive). The trigram
 * index order_text (migration "order search") only narrows the orders to
 * read: it finds a superset of them, and the same instr terms then decide.
 * A term found in many orders takes the old scan instead, which reaches its
 * page within the first rows. */

/* Above this many candidates a search scans: a term in one order of fifty
 * fills a page of 50 within some 2,500 rows, about what reading this many
 * candidates costs. */
#define ORDER_TEXT_MAX 2000
/* A one- or two-character term becomes the OR of the indexed trigrams
 * that begin with it; past this many, it scans. */
#define ORDER_TEXT_TERMS 200

/* The number of characters of s when it is UTF-8 that the index reads as
 * the store does (no overlong form, no surrogate, no control character:
 * the index pads texts with U+0001), else -1. */
static int text_chars(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  int n = 0;
  while (*p) {
    unsigned c = *p;
    int len = c < 0x80                 ? 1
              : c >= 0xC2 && c <= 0xDF ? 2
              : c >= 0xE0 && c <= 0xEF ? 3
              : c >= 0xF0 && c <= 0xF4 ? 4
                                       : 0;
    if (!len || c < 0x20 || c == 0x7F) return -1;
    unsigned cp = len == 1 ? c : c & (0x7F >> len);
    for (int i = 1; i < len; i++) {
      if ((p[i] & 0xC0) != 0x80) return -1;
      cp = cp << 6 | (p[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return -1;
    p += len;
    n++;
  }
  return n;
}

/* Appends s (n bytes) to b as one FTS5 string: in double quotes, a double
 * quote doubled. */
static void fts_string(struct zz_buf *b, const char *s, size_t n) {
  zz_buf_addc(b, '"');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') zz_buf_addc(b, '"');
    zz_buf_addc(b, s[i]);
  }
  zz_buf_addc(b, '"');
}

/* The orders a term may match: order_text's and those of the entities
 * whose names contain it (?12 the term, ?13 the MATCH expression). */
#define TEXT_HIT                                                                                   \
  "WITH hit(key) AS MATERIALIZED (SELECT key FROM entity WHERE instr(name_zh, ?12)"                \
  " OR instr(name_en, ?12)) "
#define TEXT_CANDIDATES                                                                            \
  "SELECT rowid FROM order_text WHERE order_text MATCH ?13 UNION ALL"                              \
  " SELECT id FROM work_order WHERE entity IN (SELECT key FROM hit)"
#define TEXT_CANDIDATES_ENTITY " SELECT id FROM work_order WHERE entity IN (SELECT key FROM hit)"

/* Fills match with an FTS5 query of order_text that finds every order whose
 * title, description or reporters contain text (empty when no indexed text
 * does). Returns 1 when the orders to read are few enough to take from the
 * index, 0 when the list should scan, ZZ_ESTORE or ZZ_ENOMEM. */
static int order_text_plan(struct sq_conn *c, const char *text, int open_only,
                           struct zz_buf *match) {
  int n = text_chars(text), rc = 0;
  /* a short term in the open orders (the desk's queue, a few thousand at
   * most): most often a common word, which the scan finds at once */
  if (n < 1 || (n < 3 && open_only)) return 0;
  size_t len = strlen(text);
  if (n >= 3) {
    /* a phrase of its trigrams: the texts that hold the term */
    fts_string(match, text, len);
  } else {
    /* every trigram that begins with the term: the padding makes one of
     * them follow each place the term is found */
    sqlite3_stmt *q = sq_prepare(c,
                                 "SELECT term, doc FROM order_text_terms"
                                 " WHERE term >= ?1 AND term <= ?2",
                                 NULL);
    if (!q) return ZZ_ESTORE;
    char hi[16];
    memcpy(hi, text, len);
    memcpy(hi + len, "\xF4\x8F\xBF\xBF\xF4\x8F\xBF\xBF", 8);
    sqlite3_bind_text(q, 1, text, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, hi, (int)len + 8, SQLITE_TRANSIENT);
    int64_t docs = 0, terms = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      docs += sqlite3_column_int64(q, 1);
      if (++terms > ORDER_TEXT_TERMS || docs > ORDER_TEXT_MAX) break;
      if (match->len) zz_buf_adds(match, " OR ");
      fts_string(match, (const char *)sqlite3_column_text(q, 0),
                 (size_t)sqlite3_column_bytes(q, 0));
    }
    sq_release(c, q);
    if (rc == SQLITE_ROW) return 0;
    if (rc != SQLITE_DONE) return ZZ_ESTORE;
  }
  if (match->err) return ZZ_ENOMEM;
  sqlite3_stmt *q = sq_prepare(
      c,
      match->len ? TEXT_HIT "SELECT count(*) FROM (" TEXT_CANDIDATES " LIMIT ?14)"
                 : TEXT_HIT "SELECT count(*) FROM (" TEXT_CANDIDATES_ENTITY " LIMIT ?14)",
      NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 12, text);
  if (match->len) sq_bind_text(q, 13, match->data);
  sqlite3_bind_int(q, 14, ORDER_TEXT_MAX + 1);
  rc = sqlite3_step(q);
  int64_t found = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
  sq_release(c, q);
  if (found < 0) return ZZ_ESTORE;
  return found <= ORDER_TEXT_MAX;
}

static int orders_each(struct store *st, const struct store_order_filter *f,
                       int (*fn)(void *, const struct store_order *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  struct zz_buf sql, match;
  zz_buf_init(&sql, 0);
  zz_buf_init(&match, 0);
  int indexed = f->text ? order_text_plan(c, f->text, f->open_only, &match) : 0;
  if (indexed < 0) {
    zz_buf_free(&match);
    return indexed;
  }
  if (indexed) zz_buf_adds(&sql, TEXT_HIT);
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
  /* a receipt is found whole in the reporters (the list masks it, the
   * search does not need to); an entity by either of its names */
  if (f->text && indexed)
    zz_buf_adds(&sql, match.len ? " AND id IN (" TEXT_CANDIDATES ")"
                                  " AND (instr(title, ?12) OR instr(description, ?12)"
                                  " OR instr(reporters, ?12) OR entity IN (SELECT key FROM hit))"
                                : " AND id IN (" TEXT_CANDIDATES_ENTITY ")"
                                  " AND (instr(title, ?12) OR instr(description, ?12)"
                                  " OR instr(reporters, ?12) OR entity IN (SELECT key FROM hit))");
  else if (f->text)
    zz_buf_adds(&sql, " AND (instr(title, ?12) OR instr(description, ?12) OR instr(reporters, ?12)"
                      " OR entity IN (SELECT key FROM entity WHERE instr(name_zh, ?12)"
                      " OR instr(name_en, ?12)))");
  if (f->by_priority)
    zz_buf_adds(&sql, " ORDER BY priority, created, id LIMIT ?10");
  else
    zz_buf_adds(&sql, f->parent > 0 ? " ORDER BY id LIMIT ?10" : " ORDER BY id DESC LIMIT ?10");
  sqlite3_stmt *q = sql.data ? sq_prepare(c, sql.data, NULL) : NULL;
  zz_buf_free(&sql);
  if (!q) {
    zz_buf_free(&match);
    return ZZ_ESTORE;
  }
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
  if (f->text) sq_bind_text(q, 12, f->text);
  if (indexed && match.len) sq_bind_text(q, 13, match.data);
  sqlite3_bind_int(q, 10, f->limit > 0 ? f->limit : -1);
  int rc = each_order(c, q, fn, ud);
  zz_buf_free(&match);
  return rc;
}

static int orders_near(struct store *st, const char *matter, int64_t since, const double box[4],
                       const char *entity, int (*fn)(void *, int64_t id, double lon, double lat),
                       void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  /* the terms on state and parent repeat the index order_place's own, so
   * that SQLite may use it (and covers the rest: no table row is read) */
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT id, lon, lat FROM work_order WHERE matter = ?1 AND lon BETWEEN ?2 AND ?3"
      " AND lat BETWEEN ?4 AND ?5 AND created >= ?6 AND state NOT IN ('closed', 'merged')"
      " AND parent IS NULL AND (?7 IS NULL OR entity IS NULL OR entity = ?7) ORDER BY id DESC",
      NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, matter);
  for (int i = 0; i < 4; i++) sqlite3_bind_double(q, 2 + i, box[i]);
  sqlite3_bind_int64(q, 6, since);
  sq_bind_text(q, 7, entity);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW)
    if (fn(ud, sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1),
           sqlite3_column_double(q, 2)))
      break;
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int order_at(struct store *st, const char *matter, int64_t since, double lon, double lat,
                    const char *entity, int64_t *out_id) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  /* named, since without statistics SQLite would take (matter, created) */
  sqlite3_stmt *q =
      sq_prepare(c,
                 "SELECT id FROM work_order INDEXED BY order_place WHERE matter = ?1 AND lat = ?2"
                 " AND lon = ?3 AND created >= ?4 AND state NOT IN ('closed', 'merged')"
                 " AND parent IS NULL AND (?5 IS NULL OR entity IS NULL OR entity = ?5)"
                 " ORDER BY created, id LIMIT 1",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, matter);
  sqlite3_bind_double(q, 2, lat);
  sqlite3_bind_double(q, 3, lon);
  sqlite3_bind_int64(q, 4, since);
  sq_bind_text(q, 5, entity);
  int rc = sqlite3_step(q);
  *out_id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int order_same_entity(struct store *st, const char *matter, int64_t since,
                             const char *entity, int64_t *out_id) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT id FROM work_order INDEXED BY order_entity WHERE entity = ?1"
                               " AND matter = ?2 AND created >= ?3 AND entity IS NOT NULL"
                               " AND state NOT IN ('closed', 'merged') AND parent IS NULL"
                               " ORDER BY created, id LIMIT 1",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, entity);
  sq_bind_text(q, 2, matter);
  sqlite3_bind_int64(q, 3, since);
  int rc = sqlite3_step(q);
  *out_id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int orders_due(struct store *st, int64_t now, int (*fn)(void *, const struct store_order *),
                      void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  /* an order waiting on the dispatch desk (top-level, reported, returned
   * or reopened) runs the desk's "dispatch within" deadline only: the
   * department's deadlines of an earlier dispatch no longer apply */
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT " ORDER_COLS " FROM work_order WHERE state NOT IN ('closed', 'merged', 'resolved',"
      " 'verified') AND ((supervised = 0 AND CASE WHEN parent IS NULL AND state IN ('reported',"
      " 'returned', 'reopened') THEN pending_due <= ?1 ELSE ((accepted_at IS NULL AND"
      " accept_due <= ?1) OR resolve_due <= ?1) END) OR (supervised = 1 AND escalated = 0 AND"
      " escalate_at <= ?1))"
      " ORDER BY id",
      NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, now);
  return each_order(c, q, fn, ud);
}

static int order_events_each(struct store *st, int64_t order_id,
                             int (*fn)(void *, const struct store_order_event *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
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
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* ---- evidence ---- */

static int evidence_insert(struct store *st, const struct store_evidence *ev, int64_t *out_id,
                           struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
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
  return sq_run(c, q, out_id, e, "evidence");
}

static int evidence_each(struct store *st, int64_t order_id, int64_t id,
                         int (*fn)(void *, const struct store_evidence *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
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
  sq_release(c, q);
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
  struct sq_conn *c = sq_conn_get(SQ_S(st));
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
  sqlite3_stmt *q = sql.data ? sq_prepare(c, sql.data, NULL) : NULL;
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
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* The cockpit's dispatch board. "Open" is not yet resolved: what the
 * departments still have in hand. */
#define BOARD_OPEN "o.state NOT IN ('resolved', 'verified', 'closed', 'merged')"

static int order_board(struct store *st, int64_t rpos_lo, int64_t rpos_hi, int64_t day_start,
                       int64_t since, struct store_order_board *out,
                       int (*fn)(void *, const struct store_order_board_dept *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  int64_t lo = rpos_lo || rpos_hi ? rpos_lo : INT64_MIN;
  int64_t hi = rpos_lo || rpos_hi ? rpos_hi : INT64_MAX;
  memset(out, 0, sizeof *out);
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT sum(o.created >= ?3), sum(" BOARD_OPEN "), sum(" BOARD_OPEN " AND o.overdue),"
      " sum(o.created >= ?4 AND o.resolve_due IS NOT NULL"
      " AND coalesce(o.resolved_at, o.closed_at) IS NOT NULL),"
      " sum(o.created >= ?4 AND coalesce(o.resolved_at, o.closed_at) <= o.resolve_due),"
      " sum(o.created >= ?4 AND o.rating IS NOT NULL),"
      " sum(o.created >= ?4 AND o.rating >= 4),"
      " total(CASE WHEN o.created >= ?4 THEN o.rating END)"
      " FROM work_order o WHERE o.parent IS NULL AND o.rpos BETWEEN ?1 AND ?2",
      NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, lo);
  sqlite3_bind_int64(q, 2, hi);
  sqlite3_bind_int64(q, 3, day_start);
  sqlite3_bind_int64(q, 4, since);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    out->today = sqlite3_column_int64(q, 0);
    out->open = sqlite3_column_int64(q, 1);
    out->overdue = sqlite3_column_int64(q, 2);
    out->with_sla = sqlite3_column_int64(q, 3);
    out->on_time = sqlite3_column_int64(q, 4);
    out->rated = sqlite3_column_int64(q, 5);
    out->satisfied = sqlite3_column_int64(q, 6);
    out->rating_sum = sqlite3_column_double(q, 7);
  }
  sq_release(c, q);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ZZ_ESTORE;
  /* A joint order counts once for each department its sub-orders name. */
  q = sq_prepare(c,
                 "SELECT d.department, sum(o.created >= ?3), sum(" BOARD_OPEN "),"
                 " sum(" BOARD_OPEN " AND o.overdue) FROM work_order o"
                 " JOIN (SELECT id AS oid, department FROM work_order WHERE parent IS NULL AND"
                 " department IS NOT NULL UNION SELECT parent, department FROM work_order WHERE"
                 " parent IS NOT NULL) d ON d.oid = o.id"
                 " WHERE o.parent IS NULL AND o.rpos BETWEEN ?1 AND ?2"
                 " AND (o.created >= ?3 OR " BOARD_OPEN ")"
                 " GROUP BY d.department ORDER BY 3 DESC, 2 DESC, 1",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, lo);
  sqlite3_bind_int64(q, 2, hi);
  sqlite3_bind_int64(q, 3, day_start);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_order_board_dept r = {.department = sq_col_text(q, 0),
                                       .today = sqlite3_column_int64(q, 1),
                                       .open = sqlite3_column_int64(q, 2),
                                       .overdue = sqlite3_column_int64(q, 3)};
    if (fn(ud, &r)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* The counters of store_order_tally over the rows named o. */
#define TALLY_COLS                                                                                 \
  " count(*), sum(o.state IN ('resolved', 'verified', 'closed')),"                                 \
  " sum(o.state NOT IN ('resolved', 'verified', 'closed')), sum(o.overdue = 1),"                   \
  " sum(o.resolve_due IS NOT NULL AND coalesce(o.resolved_at, o.closed_at) IS NOT NULL),"          \
  " sum(o.resolve_due IS NOT NULL AND coalesce(o.resolved_at, o.closed_at) <= o.resolve_due),"     \
  " sum(o.rating > 0), sum(CASE WHEN o.rating > 0 THEN o.rating ELSE 0 END)"
/* The orders counted: top level, not merged away, in the span and the
 * region interval, read from the covering index order_stats alone (the
 * planner would otherwise skip-scan order_matter and read every row). */
#define TALLY_O " FROM work_order o INDEXED BY order_stats"
#define TALLY_WHERE                                                                                \
  " WHERE o.created >= ?1 AND o.created < ?2 AND o.parent IS NULL AND o.rpos BETWEEN ?3 AND ?4"    \
  " AND o.state <> 'merged'"
#define TALLY_FROM TALLY_O TALLY_WHERE
/* Only one department's orders (a joint one when a sub-order has it): the
 * sub-orders are looked up for the joint orders only (no department of
 * their own). */
#define TALLY_DEPT                                                                                 \
  " AND (o.department = ?5 OR (o.department IS NULL AND EXISTS (SELECT 1 FROM work_order x"        \
  " WHERE x.parent = o.id AND x.department = ?5)))"

static int tally_run(struct sq_conn *c, const char *sql, int by_rpos,
                     const struct store_order_tally_filter *f,
                     int (*fn)(void *, const struct store_order_tally *), void *ud, int *stop) {
  sqlite3_stmt *q = sq_prepare(c, sql, NULL);
  if (!q) return ZZ_ESTORE;
  int any = f->rpos_lo || f->rpos_hi;
  sqlite3_bind_int64(q, 1, f->from);
  sqlite3_bind_int64(q, 2, f->to);
  sqlite3_bind_int64(q, 3, any ? f->rpos_lo : INT64_MIN);
  sqlite3_bind_int64(q, 4, any ? f->rpos_hi : INT64_MAX);
  if (f->department) sq_bind_text(q, 5, f->department);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_order_tally t = {.key = by_rpos ? NULL : sq_col_text(q, 0),
                                  .rpos = by_rpos ? sqlite3_column_int64(q, 0) : 0,
                                  .n = sqlite3_column_int64(q, 1),
                                  .closed = sqlite3_column_int64(q, 2),
                                  .open = sqlite3_column_int64(q, 3),
                                  .overdue = sqlite3_column_int64(q, 4),
                                  .with_sla = sqlite3_column_int64(q, 5),
                                  .on_time = sqlite3_column_int64(q, 6),
                                  .rated = sqlite3_column_int64(q, 7),
                                  .rating_sum = sqlite3_column_int64(q, 8)};
    if (fn(ud, &t)) {
      *stop = 1;
      break;
    }
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

/* Group "cell": the orders of the span read once from order_stats, each
 * counter an SQL term as in TALLY_COLS (so a NULL counts as there), added
 * up in C by (matter, rpos, department, joint): a GROUP BY would sort every
 * row of the span, which costs ten times the reading. Matters and
 * departments are numbered as they come (a few hundred at most). */
struct tally_name {
  const char *text; /* the copy in the caller's texts */
  uint32_t id;
};
struct tally_key {
  int64_t rpos;
  uint32_t matter;
  uint32_t department; /* 2 * (its number + 1) + joint; 0 + joint for none */
};
struct tally_cell {
  struct tally_key k;
  struct store_order_tally t;
};

/* The number of the text at column i of q in names, added when new with
 * a copy in (*texts)[number]; UINT32_MAX when out of memory. */
static uint32_t tally_name_id(struct zz_map *names, char ***texts, sqlite3_stmt *q, int i) {
  const char *s = (const char *)sqlite3_column_text(q, i);
  size_t n = s ? (size_t)sqlite3_column_bytes(q, i) : 0;
  struct tally_name *x = zz_map_get_n(names, s ? s : "", n);
  if (x) return x->id;
  uint32_t id = (uint32_t)zz_map_len(names);
  char *copy = zz_strndup(s ? s : "", n);
  char **v = copy ? zz_realloc(*texts, (id + 1) * sizeof *v) : NULL;
  if (!v) {
    zz_free(copy);
    return UINT32_MAX;
  }
  *texts = v;
  v[id] = copy;
  x = zz_map_put(names, copy, NULL);
  if (!x) {
    zz_free(copy);
    return UINT32_MAX;
  }
  x->id = id;
  return id;
}

static int tally_cells(struct sq_conn *c, const struct store_order_tally_filter *f,
                       int (*fn)(void *, const struct store_order_tally *), void *ud) {
  static const char *const sql[2] = {
      "SELECT o.matter, o.rpos, o.department, o.department IS NULL AND EXISTS (SELECT 1"
      " FROM work_order x WHERE x.parent = o.id), o.state IN ('resolved', 'verified', 'closed'),"
      " o.state NOT IN ('resolved', 'verified', 'closed'), o.overdue = 1, o.resolve_due IS NOT NULL"
      " AND coalesce(o.resolved_at, o.closed_at) IS NOT NULL, o.resolve_due IS NOT NULL"
      " AND coalesce(o.resolved_at, o.closed_at) <= o.resolve_due, o.rating > 0,"
      " CASE WHEN o.rating > 0 THEN o.rating ELSE 0 END" TALLY_FROM,
      "SELECT o.matter, o.rpos, o.department, o.department IS NULL AND EXISTS (SELECT 1"
      " FROM work_order x WHERE x.parent = o.id), o.state IN ('resolved', 'verified', 'closed'),"
      " o.state NOT IN ('resolved', 'verified', 'closed'), o.overdue = 1, o.resolve_due IS NOT NULL"
      " AND coalesce(o.resolved_at, o.closed_at) IS NOT NULL, o.resolve_due IS NOT NULL"
      " AND coalesce(o.resolved_at, o.closed_at) <= o.resolve_due, o.rating > 0,"
      " CASE WHEN o.rating > 0 THEN o.rating ELSE 0 END" TALLY_FROM TALLY_DEPT};
  struct zz_map names, cells;
  char **texts = NULL;
  zz_map_init(&names, sizeof(struct tally_name), ZZ_MAP_STR, NULL);
  zz_map_init(&cells, sizeof(struct tally_cell), sizeof(struct tally_key), NULL);
  int rc = 0, step;
  sqlite3_stmt *q = sq_prepare(c, sql[f->department != NULL], NULL);
  if (!q) {
    rc = ZZ_ESTORE;
    goto done;
  }
  int any = f->rpos_lo || f->rpos_hi;
  sqlite3_bind_int64(q, 1, f->from);
  sqlite3_bind_int64(q, 2, f->to);
  sqlite3_bind_int64(q, 3, any ? f->rpos_lo : INT64_MIN);
  sqlite3_bind_int64(q, 4, any ? f->rpos_hi : INT64_MAX);
  if (f->department) sq_bind_text(q, 5, f->department);
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    struct tally_key k = {.rpos = sqlite3_column_int64(q, 1)};
    uint32_t m = tally_name_id(&names, &texts, q, 0), d = 0;
    if (m != UINT32_MAX && sqlite3_column_type(q, 2) != SQLITE_NULL)
      d = tally_name_id(&names, &texts, q, 2);
    if (m == UINT32_MAX || d == UINT32_MAX) {
      rc = ZZ_ENOMEM;
      break;
    }
    k.matter = m;
    k.department = (sqlite3_column_type(q, 2) != SQLITE_NULL ? 2 * (d + 1) : 0) +
                   (uint32_t)(sqlite3_column_int(q, 3) != 0);
    struct tally_cell *x = zz_map_put(&cells, &k, NULL);
    if (!x) {
      rc = ZZ_ENOMEM;
      break;
    }
    x->t.n++;
    x->t.closed += sqlite3_column_int64(q, 4);
    x->t.open += sqlite3_column_int64(q, 5);
    x->t.overdue += sqlite3_column_int64(q, 6);
    x->t.with_sla += sqlite3_column_int64(q, 7);
    x->t.on_time += sqlite3_column_int64(q, 8);
    x->t.rated += sqlite3_column_int64(q, 9);
    x->t.rating_sum += sqlite3_column_int64(q, 10);
  }
  sq_release(c, q);
  if (!rc && step != SQLITE_DONE) rc = ZZ_ESTORE;
  for (size_t i = 0; !rc && i < zz_map_cap(&cells); i++) {
    struct tally_cell *x = zz_map_at(&cells, i);
    if (!x) continue;
    struct store_order_tally t = x->t;
    t.key = texts[x->k.matter];
    t.rpos = x->k.rpos;
    t.department = x->k.department >= 2 ? texts[x->k.department / 2 - 1] : NULL;
    t.joint = (int)(x->k.department & 1);
    if (fn(ud, &t)) break;
  }
done:
  for (size_t i = 0; i < zz_map_len(&names) && texts; i++) zz_free(texts[i]);
  zz_free(texts);
  zz_map_free(&names);
  zz_map_free(&cells);
  return rc;
}

static int order_tally(struct store *st, const char *group,
                       const struct store_order_tally_filter *f,
                       int (*fn)(void *, const struct store_order_tally *), void *ud) {
  /* The statements are constants: the group and whether a department is
   * given pick them, never the caller's text. */
  static const char *const by_matter[2] = {
      "SELECT o.matter," TALLY_COLS TALLY_FROM " GROUP BY o.matter",
      "SELECT o.matter," TALLY_COLS TALLY_FROM TALLY_DEPT " GROUP BY o.matter"};
  static const char *const by_rpos[2] = {"SELECT o.rpos," TALLY_COLS TALLY_FROM " GROUP BY o.rpos",
                                         "SELECT o.rpos," TALLY_COLS TALLY_FROM TALLY_DEPT
                                         " GROUP BY o.rpos"};
  /* By department, in two passes whose rows the caller adds up by key:
   * orders with a department of their own, or none yet ("", not
   * dispatched); then each joint order once for every department its
   * sub-orders name (the lowest sub-order id of a department stands for
   * it, so a department named twice counts once). CROSS JOIN keeps the
   * orders of the span outside: with the store's statistics SQLite would
   * otherwise scan every row for each of them. */
  static const char *const by_dept_own[2] = {
      "SELECT coalesce(o.department, '')," TALLY_COLS TALLY_FROM
      " AND (o.department IS NOT NULL OR NOT EXISTS (SELECT 1 FROM work_order x"
      " WHERE x.parent = o.id)) GROUP BY 1",
      "SELECT o.department," TALLY_COLS TALLY_FROM " AND o.department = ?5 GROUP BY 1"};
  static const char *const by_dept_joint[2] = {
      "SELECT s.department," TALLY_COLS TALLY_O
      " CROSS JOIN work_order s INDEXED BY order_parent" TALLY_WHERE
      " AND o.department IS NULL AND s.parent = o.id AND s.department IS NOT NULL"
      " AND s.id = (SELECT min(x.id) FROM work_order x WHERE x.parent = o.id"
      " AND x.department = s.department) GROUP BY 1",
      "SELECT s.department," TALLY_COLS TALLY_O
      " CROSS JOIN work_order s INDEXED BY order_parent" TALLY_WHERE
      " AND o.department IS NULL AND s.parent = o.id AND s.department = ?5"
      " AND s.id = (SELECT min(x.id) FROM work_order x WHERE x.parent = o.id"
      " AND x.department = s.department) GROUP BY 1"};
  int d = f->department != NULL, stop = 0, rc;
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  if (strcmp(group, "matter") == 0) return tally_run(c, by_matter[d], 0, f, fn, ud, &stop);
  if (strcmp(group, "rpos") == 0) return tally_run(c, by_rpos[d], 1, f, fn, ud, &stop);
  if (strcmp(group, "cell") == 0) return tally_cells(c, f, fn, ud);
  if (strcmp(group, "joint") == 0) return tally_run(c, by_dept_joint[d], 0, f, fn, ud, &stop);
  if (strcmp(group, "department") != 0) return ZZ_EINVAL;
  rc = tally_run(c, by_dept_own[d], 0, f, fn, ud, &stop);
  if (!rc && !stop) rc = tally_run(c, by_dept_joint[d], 0, f, fn, ud, &stop);
  return rc;
}

/* ---- Open311 request extras ---- */

static int order_intake_insert(struct store *st, const struct store_order_intake *in,
                               struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 "INSERT INTO order_intake(order_id, source, token, address, attributes,"
                 " contact, media_url, created, public) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                 e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, in->order_id);
  if (in->source)
    sqlite3_bind_int64(q, 2, in->source);
  else
    sqlite3_bind_null(q, 2);
  sq_bind_text(q, 3, in->token);
  sq_bind_text(q, 4, in->address);
  sq_bind_text(q, 5, in->attributes_json ? in->attributes_json : "{}");
  sq_bind_text(q, 6, in->contact_json ? in->contact_json : "{}");
  sq_bind_text(q, 7, in->media_url);
  sqlite3_bind_int64(q, 8, in->created);
  sqlite3_bind_int(q, 9, in->public_consent ? 1 : 0);
  int rc = sqlite3_step(q);
  int r = 0;
  if (rc == SQLITE_CONSTRAINT)
    r = zz_fail(e, ZZ_EEXISTS, "order", "order %lld already has an intake record",
                (long long)in->order_id);
  else if (rc != SQLITE_DONE)
    r = sq_fail(c->db, rc, e, "order_intake");
  sq_release(c, q);
  return r;
}

static int order_intake_get(struct store *st, int64_t order_id, const char *token,
                            int (*fn)(void *, const struct store_order_intake *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 order_id > 0 ? "SELECT order_id, source, token, address, attributes, contact,"
                                " media_url, created, public FROM order_intake WHERE order_id = ?1"
                              : "SELECT order_id, source, token, address, attributes, contact,"
                                " media_url, created, public FROM order_intake WHERE token = ?2",
                 NULL);
  if (!q) return ZZ_ESTORE;
  if (order_id > 0)
    sqlite3_bind_int64(q, 1, order_id);
  else
    sq_bind_text(q, 2, token ? token : "");
  int rc = sqlite3_step(q), r = ZZ_ENOTFOUND;
  if (rc == SQLITE_ROW) {
    struct store_order_intake in = {
        .order_id = sqlite3_column_int64(q, 0),
        .source = sqlite3_column_int64(q, 1),
        .token = (const char *)sqlite3_column_text(q, 2),
        .address = (const char *)sqlite3_column_text(q, 3),
        .attributes_json = (const char *)sqlite3_column_text(q, 4),
        .contact_json = (const char *)sqlite3_column_text(q, 5),
        .media_url = (const char *)sqlite3_column_text(q, 6),
        .created = sqlite3_column_int64(q, 7),
        .public_consent = sqlite3_column_int(q, 8),
    };
    fn(ud, &in);
    r = 0;
  } else if (rc != SQLITE_DONE) {
    r = ZZ_ESTORE;
  }
  sq_release(c, q);
  return r;
}

/* The Open311 update feed's rows: changes of state in a time window (the
 * index on ts, the feed's migration, keeps it from reading the whole
 * timeline). */
static int order_state_events_between(struct store *st, int64_t from, int64_t to, int limit,
                                      int (*fn)(void *, const struct store_order_event *),
                                      void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      sq_prepare(c,
                 "SELECT id, order_id, ts, actor, action, from_state, to_state, note, data"
                 " FROM order_event WHERE ts >= ?1 AND ts < ?2 AND from_state IS NOT NULL"
                 " AND from_state <> '' AND from_state IS NOT to_state ORDER BY ts, id LIMIT ?3",
                 NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, from);
  sqlite3_bind_int64(q, 2, to);
  sqlite3_bind_int(q, 3, limit > 0 ? limit : 1000);
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
    if (fn(ud, &ev)) {
      rc = SQLITE_DONE;
      break;
    }
  }
  sq_release(c, q);
  return rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

const struct store_orders_ops store_sqlite_orders_ops = {
    .order_insert = order_insert,
    .orders_update = orders_update,
    .order_get = order_get,
    .orders_each = orders_each,
    .orders_near = orders_near,
    .order_at = order_at,
    .order_same_entity = order_same_entity,
    .orders_due = orders_due,
    .order_events_each = order_events_each,
    .evidence_insert = evidence_insert,
    .evidence_each = evidence_each,
    .order_stats = order_stats,
    .order_board = order_board,
    .order_tally = order_tally,
    .order_intake_insert = order_intake_insert,
    .order_intake_get = order_intake_get,
    .order_state_events_between = order_state_events_between,
};
