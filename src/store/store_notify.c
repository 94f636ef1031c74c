/* store_notify.c - the SQLite side of the notifier's state
 * (store_notify.h): NGSI-v2 subscriptions and their delivery counters. */
#include "store/store_int.h"
#include "store/store_notify.h"

static int sub_insert(struct store *st, const struct store_ngsi_sub *s, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "INSERT INTO ngsi_subscription(id, region, owner, doc, created)"
                               " VALUES(?1, ?2, ?3, ?4, ?5)",
                               e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, s->id);
  sq_bind_text(q, 2, s->region ? s->region : "");
  sq_bind_text(q, 3, s->owner);
  sq_bind_text(q, 4, s->doc_json);
  sqlite3_bind_int64(q, 5, s->created);
  return sq_run(c, q, NULL, e, "subscription");
}

static int sub_delete(struct store *st, const char *id, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "DELETE FROM ngsi_subscription WHERE id = ?1", e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, id);
  int rc = sq_run(c, q, NULL, e, "subscription");
  if (!rc && sqlite3_changes(c->db) == 0) rc = ZZ_ENOTFOUND;
  return rc;
}

static int64_t col_int(sqlite3_stmt *q, int i) {
  return sqlite3_column_type(q, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, i);
}

static int subs_each(struct store *st, const char *id,
                     int (*fn)(void *, const struct store_ngsi_sub *), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT id, region, owner, doc, created, times_sent, last_notification, last_success,"
      " last_success_code, last_failure, fails, last_failure_reason FROM ngsi_subscription"
      " WHERE ?1 IS NULL OR id = ?1 ORDER BY created, id",
      NULL);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, id);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_ngsi_sub s = {.id = sq_col_text(q, 0),
                               .region = sq_col_text(q, 1),
                               .owner = sq_col_text(q, 2),
                               .doc_json = sq_col_text(q, 3),
                               .created = col_int(q, 4),
                               .times_sent = col_int(q, 5),
                               .last_notification = col_int(q, 6),
                               .last_success = col_int(q, 7),
                               .last_success_code = col_int(q, 8),
                               .last_failure = col_int(q, 9),
                               .fails = col_int(q, 10),
                               .last_failure_reason = sq_col_text(q, 11)};
    if (fn(ud, &s)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int sub_delivered(struct store *st, const char *id, int64_t ts, int ok, int code,
                         const char *reason, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      ok ? sq_prepare(c,
                      "UPDATE ngsi_subscription SET times_sent = times_sent + 1,"
                      " last_notification = ?2, last_success = ?2, last_success_code = ?3,"
                      " fails = 0 WHERE id = ?1",
                      e)
         : sq_prepare(c,
                      "UPDATE ngsi_subscription SET times_sent = times_sent + 1,"
                      " last_notification = ?2, last_failure = ?2, last_failure_reason = ?4,"
                      " fails = fails + 1 WHERE id = ?1 AND ?3 IS NOT NULL",
                      e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, id);
  sqlite3_bind_int64(q, 2, ts);
  sqlite3_bind_int(q, 3, code);
  if (!ok) sq_bind_text(q, 4, reason ? reason : "");
  int rc = sq_run(c, q, NULL, e, "subscription");
  if (!rc && sqlite3_changes(c->db) == 0) rc = ZZ_ENOTFOUND;
  return rc;
}

/* ---- webhooks ---- */

static int webhook_insert(struct store *st, const struct store_webhook *w, int64_t *out_id,
                          struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c,
                               "INSERT INTO webhook(url, events, secret, created_by, created)"
                               " VALUES(?1, ?2, ?3, ?4, ?5) RETURNING id",
                               e);
  if (!q) return ZZ_ESTORE;
  sq_bind_text(q, 1, w->url);
  sq_bind_text(q, 2, w->events_json);
  sq_bind_text(q, 3, w->secret);
  sq_bind_text(q, 4, w->created_by);
  sqlite3_bind_int64(q, 5, w->created);
  return sq_run(c, q, out_id, e, "webhook");
}

static int webhook_delete(struct store *st, int64_t id, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(c, "DELETE FROM webhook WHERE id = ?1", e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  int rc = sq_run(c, q, NULL, e, "webhook");
  if (!rc && sqlite3_changes(c->db) == 0) rc = ZZ_ENOTFOUND;
  return rc;
}

static int webhooks_each(struct store *st, int (*fn)(void *, const struct store_webhook *),
                         void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q = sq_prepare(
      c,
      "SELECT id, url, events, secret, created_by, created, times_sent, last_success,"
      " last_success_code, last_failure, fails, last_failure_reason FROM webhook ORDER BY id",
      NULL);
  if (!q) return ZZ_ESTORE;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_webhook w = {.id = sqlite3_column_int64(q, 0),
                              .url = sq_col_text(q, 1),
                              .events_json = sq_col_text(q, 2),
                              .secret = sq_col_text(q, 3),
                              .created_by = sq_col_text(q, 4),
                              .created = col_int(q, 5),
                              .times_sent = col_int(q, 6),
                              .last_success = col_int(q, 7),
                              .last_success_code = col_int(q, 8),
                              .last_failure = col_int(q, 9),
                              .fails = col_int(q, 10),
                              .last_failure_reason = sq_col_text(q, 11)};
    if (fn(ud, &w)) break;
  }
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

static int webhook_delivered(struct store *st, int64_t id, int64_t ts, int ok, int code,
                             const char *reason, struct zz_err *e) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  sqlite3_stmt *q =
      ok ? sq_prepare(c,
                      "UPDATE webhook SET times_sent = times_sent + 1, last_success = ?2,"
                      " last_success_code = ?3, fails = 0 WHERE id = ?1",
                      e)
         : sq_prepare(c,
                      "UPDATE webhook SET times_sent = times_sent + 1, last_failure = ?2,"
                      " last_failure_reason = ?4, fails = fails + 1 WHERE id = ?1"
                      " AND ?3 IS NOT NULL",
                      e);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, id);
  sqlite3_bind_int64(q, 2, ts);
  sqlite3_bind_int(q, 3, code);
  if (!ok) sq_bind_text(q, 4, reason ? reason : "");
  int rc = sq_run(c, q, NULL, e, "webhook");
  if (!rc && sqlite3_changes(c->db) == 0) rc = ZZ_ENOTFOUND;
  return rc;
}

const struct store_notify_ops store_sqlite_notify_ops = {
    .webhook_insert = webhook_insert,
    .webhook_delete = webhook_delete,
    .webhooks_each = webhooks_each,
    .webhook_delivered = webhook_delivered,
    .sub_insert = sub_insert,
    .sub_delete = sub_delete,
    .subs_each = subs_each,
    .sub_delivered = sub_delivered,
};
