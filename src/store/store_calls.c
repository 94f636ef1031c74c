/* store_calls.c - the store_* functions callers use: each passes the call to
 * the backend's table (store_backend.h), so nothing outside src/store/
 * reaches the table itself. */
#include "store/store_backend.h"

/* ---- registry ---- */

int store_region_upsert(struct store *st, const struct store_region *r, int64_t *out_id,
                        struct zz_err *e) {
  return st->ops->registry->region_upsert(st, r, out_id, e);
}

int store_region_set_pos(struct store *st, int64_t id, int64_t lo, int64_t hi, struct zz_err *e) {
  return st->ops->registry->region_set_pos(st, id, lo, hi, e);
}

int store_regions_each(struct store *st, int with_geometry,
                       int (*fn)(void *, const struct store_region *), void *ud) {
  return st->ops->registry->regions_each(st, with_geometry, fn, ud);
}

int store_metric_upsert(struct store *st, const struct store_metric *m, int64_t *out_id,
                        struct zz_err *e) {
  return st->ops->registry->metric_upsert(st, m, out_id, e);
}

int store_metrics_each(struct store *st, int (*fn)(void *, const struct store_metric *), void *ud) {
  return st->ops->registry->metrics_each(st, fn, ud);
}

int store_named_upsert(struct store *st, const char *table, const struct store_named *n,
                       int64_t *out_id, struct zz_err *e) {
  return st->ops->registry->named_upsert(st, table, n, out_id, e);
}

int store_named_each(struct store *st, const char *table,
                     int (*fn)(void *, const struct store_named *), void *ud) {
  return st->ops->registry->named_each(st, table, fn, ud);
}

int store_source_upsert(struct store *st, const struct store_source *s, int64_t *out_id,
                        struct zz_err *e) {
  return st->ops->registry->source_upsert(st, s, out_id, e);
}

int store_source_set_token(struct store *st, int64_t id, const char *token_hash, struct zz_err *e) {
  return st->ops->registry->source_set_token(st, id, token_hash, e);
}

int store_source_by_token(struct store *st, const char *token_hash, int64_t *out_id) {
  return st->ops->registry->source_by_token(st, token_hash, out_id);
}

int store_sources_each(struct store *st, int (*fn)(void *, const struct store_source *), void *ud) {
  return st->ops->registry->sources_each(st, fn, ud);
}

int store_entity_upsert(struct store *st, const struct store_entity *en, int64_t rpos,
                        int64_t *out_id, struct zz_err *e) {
  return st->ops->registry->entity_upsert(st, en, rpos, out_id, e);
}

int store_entity_get(struct store *st, const char *key,
                     int (*fn)(void *, const struct store_entity *), void *ud) {
  return st->ops->registry->entity_get(st, key, fn, ud);
}

int store_entities_each(struct store *st, const struct store_entity_filter *f,
                        int (*fn)(void *, const struct store_entity *), void *ud) {
  return st->ops->registry->entities_each(st, f, fn, ud);
}

int store_entities_count(struct store *st, const struct store_entity_filter *f, int64_t *out) {
  *out = 0;
  if (!st->ops->registry->entities_count) return ZZ_EINTERNAL;
  return st->ops->registry->entities_count(st, f, out);
}

int store_entities_scan(struct store *st, int (*fn)(void *, const struct store_entity *),
                        void *ud) {
  return st->ops->registry->entities_scan(st, fn, ud);
}

int store_entities_set_rpos(struct store *st, int64_t region, int64_t rpos) {
  return st->ops->registry->entities_set_rpos(st, region, rpos);
}

int64_t store_catalog_version(struct store *st) {
  return st->ops->registry->catalog_version ? st->ops->registry->catalog_version(st) : -1;
}

int store_doc_put(struct store *st, const char *key, const char *json, struct zz_err *e) {
  return st->ops->registry->doc_put(st, key, json, e);
}

int store_doc_get(struct store *st, const char *key, int (*fn)(void *ud, const char *json),
                  void *ud) {
  return st->ops->registry->doc_get(st, key, fn, ud);
}

/* ---- records ---- */

int store_records_write_async(struct store *st, const struct store_record *recs, size_t n,
                              store_done_fn done, void *ud, struct zz_err *e) {
  return st->ops->records->records_write_async(st, recs, n, done, ud, e);
}

int store_events_write_async(struct store *st, const struct store_event *evs, size_t n,
                             store_done_fn done, void *ud, struct zz_err *e) {
  return st->ops->records->events_write_async(st, evs, n, done, ud, e);
}

int store_records_write_file_async(struct store *st, int fd, size_t n, store_done_fn done, void *ud,
                                   struct zz_err *e) {
  return st->ops->records->records_write_file_async(st, fd, n, done, ud, e);
}

int store_records_write_file(struct store *st, int fd, size_t n, struct store_write_result *out,
                             struct zz_err *e) {
  return st->ops->records->records_write_file(st, fd, n, out, e);
}

int store_records_write(struct store *st, const struct store_record *recs, size_t n,
                        struct store_write_result *out, struct zz_err *e) {
  return st->ops->records->records_write(st, recs, n, out, e);
}

int store_events_write(struct store *st, const struct store_event *evs, size_t n,
                       struct zz_err *e) {
  return st->ops->records->events_write(st, evs, n, e);
}

size_t store_write_queue_depth(struct store *st) {
  return st->ops->records->write_queue_depth(st);
}

int store_writer_waiting(struct store *st) {
  return st->ops->records->writer_waiting ? st->ops->records->writer_waiting(st) : 0;
}

int store_rollup_buckets(struct store *st, int64_t metric, int64_t region, enum zz_grain g,
                         int64_t from, int64_t to, store_bucket_fn fn, void *ud) {
  return st->ops->records->rollup_buckets(st, metric, region, g, from, to, fn, ud);
}

int store_entity_aggs(struct store *st, int64_t metric, int64_t rpos_lo, int64_t rpos_hi,
                      const char *type, int64_t from, int64_t to, int additive,
                      store_series_agg_fn fn, void *ud) {
  return st->ops->records->entity_aggs(st, metric, rpos_lo, rpos_hi, type, from, to, additive, fn,
                                       ud);
}

int store_entity_buckets(struct store *st, int64_t entity, int64_t metric, enum zz_grain g,
                         int64_t from, int64_t to, store_bucket_fn fn, void *ud) {
  return st->ops->records->entity_buckets(st, entity, metric, g, from, to, fn, ud);
}

int store_latest_each(struct store *st, int64_t metric, int64_t entity, int64_t rpos_lo,
                      int64_t rpos_hi, const char *type,
                      int (*fn)(void *, int64_t entity, int64_t metric, int64_t ts, double value),
                      void *ud) {
  return st->ops->records->latest_each(st, metric, entity, rpos_lo, rpos_hi, type, fn, ud);
}

int store_records_each(struct store *st, int64_t entity, int64_t metric, int64_t from, int64_t to,
                       int limit, int (*fn)(void *, int64_t ts, double value), void *ud) {
  return st->ops->records->records_each(st, entity, metric, from, to, limit, fn, ud);
}

int store_event_times_each(struct store *st, int64_t entity, const char *kind, int64_t from,
                           int64_t to, int limit, int (*fn)(void *, int64_t ts), void *ud) {
  return st->ops->records->event_times_each(st, entity, kind, from, to, limit, fn, ud);
}

int64_t store_records_count(struct store *st) {
  return st->ops->records->records_count(st);
}

int store_records_stats(struct store *st, struct store_records_stats *out) {
  *out = (struct store_records_stats){0};
  if (!st->ops->records->records_stats) return ZZ_EINTERNAL;
  return st->ops->records->records_stats(st, out);
}

int store_records_prune(struct store *st, int64_t now, int64_t *dropped, struct zz_err *e) {
  *dropped = 0;
  if (!st->ops->records->records_prune) return 0;
  return st->ops->records->records_prune(st, now, dropped, e);
}

/* ---- accounts ---- */

int store_user_upsert(struct store *st, const struct store_user *u, int64_t *out_id,
                      struct zz_err *e) {
  return st->ops->accounts->user_upsert(st, u, out_id, e);
}

int store_user_get(struct store *st, const char *name, int64_t id,
                   int (*fn)(void *, const struct store_user *), void *ud) {
  return st->ops->accounts->user_get(st, name, id, fn, ud);
}

int store_session_create(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                         struct zz_err *e) {
  return st->ops->accounts->session_create(st, token_hash, user, expires, e);
}

int store_session_user(struct store *st, const char *token_hash, int64_t now, int64_t *out_user) {
  return st->ops->accounts->session_user(st, token_hash, now, out_user);
}

int store_session_delete(struct store *st, const char *token_hash) {
  return st->ops->accounts->session_delete(st, token_hash);
}

int store_device_create(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                        struct zz_err *e) {
  return st->ops->accounts->device_create(st, token_hash, user, expires, e);
}

int store_device_check(struct store *st, const char *token_hash, const char *name, int64_t now) {
  return st->ops->accounts->device_check(st, token_hash, name, now);
}

int store_device_fail(struct store *st, const char *token_hash, int max_fails) {
  return st->ops->accounts->device_fail(st, token_hash, max_fails);
}

int store_device_delete(struct store *st, const char *token_hash) {
  return st->ops->accounts->device_delete(st, token_hash);
}

int store_user_change(struct store *st, const char *name, int what, const char *pwhash,
                      struct zz_err *e) {
  return st->ops->accounts->user_change(st, name, what, pwhash, e);
}

int store_users_each(struct store *st, int64_t now, int (*fn)(void *, const struct store_user *),
                     void *ud) {
  return st->ops->accounts->users_each(st, now, fn, ud);
}

int store_user_set(struct store *st, const char *name, const char *role, const char *department,
                   const char *scope, struct zz_err *e) {
  return st->ops->accounts->user_set(st, name, role, department, scope, e);
}

int store_user_sessions_end(struct store *st, const char *name, int64_t *out_n, struct zz_err *e) {
  return st->ops->accounts->user_sessions_end(st, name, out_n, e);
}

/* ---- store ---- */

int store_txn(struct store *st, int what, struct zz_err *e) {
  return st->ops->txn(st, what, e);
}

int store_prune(struct store *st, int64_t now) {
  return st->ops->prune(st, now);
}

int store_online_backup(struct store *st, const char *path,
                        void (*progress)(void *, int done, int total), void *ud, struct zz_err *e) {
  return st->ops->backup(st, path, progress, ud, e);
}

void store_close(struct store *st) {
  st->ops->close(st);
}

/* ---- catalog (matters) ---- */

int store_matter_upsert(struct store *st, const struct store_matter *m, int64_t *out_id,
                        struct zz_err *e) {
  return st->ops->catalog->matter_upsert(st, m, out_id, e);
}

int store_matters_each(struct store *st, int (*fn)(void *, const struct store_matter *), void *ud) {
  return st->ops->catalog->matters_each(st, fn, ud);
}

/* ---- alerts ---- */

int store_rule_upsert(struct store *st, const struct store_rule *r, int64_t *out_id,
                      struct zz_err *e) {
  return st->ops->alerts->rule_upsert(st, r, out_id, e);
}

int store_rules_each(struct store *st, int (*fn)(void *, const struct store_rule *), void *ud) {
  return st->ops->alerts->rules_each(st, fn, ud);
}

int store_alert_insert(struct store *st, const struct store_alert *a, int64_t *out_id,
                       struct zz_err *e) {
  return st->ops->alerts->alert_insert(st, a, out_id, e);
}

int store_alert_update(struct store *st, const struct store_alert *a, struct zz_err *e) {
  return st->ops->alerts->alert_update(st, a, e);
}

int store_alerts_open_count(struct store *st, int64_t *out) {
  return st->ops->alerts->alerts_open_count(st, out);
}

int store_alerts_each(struct store *st, const struct store_alert_filter *f,
                      int (*fn)(void *, const struct store_alert *), void *ud) {
  return st->ops->alerts->alerts_each(st, f, fn, ud);
}

int store_alert_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_alert *),
                    void *ud) {
  return st->ops->alerts->alert_get(st, id, fn, ud);
}

/* ---- orders ---- */

int store_order_insert(struct store *st, const struct store_order *o,
                       const struct store_order_event *evs, size_t nev, int64_t *out_id,
                       struct zz_err *e) {
  return st->ops->orders->order_insert(st, o, evs, nev, out_id, e);
}

int store_orders_update(struct store *st, const struct store_order *const *os, size_t n,
                        const struct store_order_event *evs, size_t nev, struct zz_err *e) {
  return st->ops->orders->orders_update(st, os, n, evs, nev, e);
}

int store_order_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_order *),
                    void *ud) {
  return st->ops->orders->order_get(st, id, fn, ud);
}

int store_orders_each(struct store *st, const struct store_order_filter *f,
                      int (*fn)(void *, const struct store_order *), void *ud) {
  return st->ops->orders->orders_each(st, f, fn, ud);
}

int store_orders_near(struct store *st, const char *matter, int64_t since, const double box[4],
                      const char *entity, int (*fn)(void *, int64_t id, double lon, double lat),
                      void *ud) {
  return st->ops->orders->orders_near(st, matter, since, box, entity, fn, ud);
}

int store_order_at(struct store *st, const char *matter, int64_t since, double lon, double lat,
                   const char *entity, int64_t *out_id) {
  return st->ops->orders->order_at(st, matter, since, lon, lat, entity, out_id);
}

int store_order_same_entity(struct store *st, const char *matter, int64_t since, const char *entity,
                            int64_t *out_id) {
  return st->ops->orders->order_same_entity(st, matter, since, entity, out_id);
}

int store_orders_due(struct store *st, int64_t now, int (*fn)(void *, const struct store_order *),
                     void *ud) {
  return st->ops->orders->orders_due(st, now, fn, ud);
}

int store_order_events_each(struct store *st, int64_t order_id,
                            int (*fn)(void *, const struct store_order_event *), void *ud) {
  return st->ops->orders->order_events_each(st, order_id, fn, ud);
}

int store_evidence_insert(struct store *st, const struct store_evidence *ev, int64_t *out_id,
                          struct zz_err *e) {
  return st->ops->orders->evidence_insert(st, ev, out_id, e);
}

int store_evidence_each(struct store *st, int64_t order_id, int64_t id,
                        int (*fn)(void *, const struct store_evidence *), void *ud) {
  return st->ops->orders->evidence_each(st, order_id, id, fn, ud);
}

int store_order_stats(struct store *st, const char *group, int64_t from, int64_t to,
                      int64_t rpos_lo, int64_t rpos_hi,
                      int (*fn)(void *, const struct store_order_stat *), void *ud) {
  return st->ops->orders->order_stats(st, group, from, to, rpos_lo, rpos_hi, fn, ud);
}

int store_order_board(struct store *st, int64_t rpos_lo, int64_t rpos_hi, int64_t day_start,
                      int64_t since, struct store_order_board *out,
                      int (*fn)(void *, const struct store_order_board_dept *), void *ud) {
  return st->ops->orders->order_board(st, rpos_lo, rpos_hi, day_start, since, out, fn, ud);
}

int store_order_state_counts(struct store *st,
                             int (*fn)(void *, const char *state, int64_t n, int64_t overdue),
                             void *ud) {
  return st->ops->orders->order_state_counts(st, fn, ud);
}

int store_order_tally(struct store *st, const char *group, const struct store_order_tally_filter *f,
                      int (*fn)(void *, const struct store_order_tally *), void *ud) {
  return st->ops->orders->order_tally(st, group, f, fn, ud);
}

int store_order_intake_insert(struct store *st, const struct store_order_intake *in,
                              struct zz_err *e) {
  return st->ops->orders->order_intake_insert(st, in, e);
}

int store_order_intake_get(struct store *st, int64_t order_id, const char *token,
                           int (*fn)(void *, const struct store_order_intake *), void *ud) {
  return st->ops->orders->order_intake_get(st, order_id, token, fn, ud);
}

int store_order_state_events_between(struct store *st, int64_t from, int64_t to, int limit,
                                     int (*fn)(void *, const struct store_order_event *),
                                     void *ud) {
  return st->ops->orders->order_state_events_between(st, from, to, limit, fn, ud);
}

/* ---- audit ---- */

int store_audit_insert(struct store *st, const struct store_audit *a, struct zz_err *e) {
  return st->ops->audit->audit_insert(st, a, e);
}

int store_audit_each(struct store *st, const struct store_audit_filter *f,
                     int (*fn)(void *, const struct store_audit *), void *ud) {
  return st->ops->audit->audit_each(st, f, fn, ud);
}

/* ---- mqtt ---- */

int store_mqtt_account_put(struct store *st, const struct store_mqtt_account *a, struct zz_err *e) {
  return st->ops->mqtt->account_put(st, a, e);
}

int store_mqtt_accounts_each(struct store *st, int (*fn)(void *, const struct store_mqtt_account *),
                             void *ud) {
  return st->ops->mqtt->accounts_each(st, fn, ud);
}

int store_mqtt_device_source(struct store *st, const char *username, int64_t *out) {
  return st->ops->mqtt->device_source(st, username, out);
}

int store_source_note_rejects(struct store *st, int64_t id, int64_t n, const char *msg, int64_t at,
                              struct zz_err *e) {
  return st->ops->mqtt->source_note_rejects(st, id, n, msg, at, e);
}

/* ---- codes ---- */

int store_code_insert(struct store *st, const struct store_code *c, int64_t *out_id, int *created,
                      struct zz_err *e) {
  return st->ops->codes->code_insert(st, c, out_id, created, e);
}

int store_code_get(struct store *st, const char *token, int64_t id,
                   int (*fn)(void *, const struct store_code *), void *ud) {
  return st->ops->codes->code_get(st, token, id, fn, ud);
}

int store_codes_each(struct store *st, const struct store_code_filter *f,
                     int (*fn)(void *, const struct store_code *), void *ud) {
  return st->ops->codes->codes_each(st, f, fn, ud);
}

int store_code_revoke(struct store *st, int64_t id, int64_t now, const struct store_code *c,
                      int64_t *out_id, struct zz_err *e) {
  return st->ops->codes->code_revoke(st, id, now, c, out_id, e);
}

int store_code_scan(struct store *st, int64_t code, int64_t day, struct zz_err *e) {
  return st->ops->codes->code_scan(st, code, day, e);
}

int store_code_scans_each(struct store *st, int64_t code, int limit,
                          int (*fn)(void *, int64_t day, int64_t n), void *ud) {
  return st->ops->codes->code_scans_each(st, code, limit, fn, ud);
}

int store_receipt_insert(struct store *st, const struct store_receipt *in, struct zz_err *e) {
  return st->ops->codes->receipt_insert(st, in, e);
}

int store_receipt_get(struct store *st, const char *receipt, int64_t order_id,
                      int (*fn)(void *, const struct store_receipt *), void *ud) {
  return st->ops->codes->receipt_get(st, receipt, order_id, fn, ud);
}

/* ---- applications ---- */

int store_application_insert(struct store *st, const struct store_application *a,
                             struct zz_err *e) {
  return st->ops->applications->application_insert(st, a, e);
}

int store_application_get(struct store *st, int64_t order_id, const char *number,
                          int (*fn)(void *, const struct store_application *), void *ud) {
  return st->ops->applications->application_get(st, order_id, number, fn, ud);
}

int store_material_put(struct store *st, const struct store_material *m, struct zz_err *e) {
  return st->ops->applications->material_put(st, m, e);
}

int store_materials_each(struct store *st, int64_t order_id,
                         int (*fn)(void *, const struct store_material *), void *ud) {
  return st->ops->applications->materials_each(st, order_id, fn, ud);
}

int store_decision_insert(struct store *st, const struct store_decision *d, struct zz_err *e) {
  return st->ops->applications->decision_insert(st, d, e);
}

int store_decisions_each(struct store *st, int64_t order_id,
                         int (*fn)(void *, const struct store_decision *), void *ud) {
  return st->ops->applications->decisions_each(st, order_id, fn, ud);
}

/* ---- cases ---- */

int store_case_insert(struct store *st, const struct store_case *c, int64_t *out_id,
                      struct zz_err *e) {
  return st->ops->cases->case_insert(st, c, out_id, e);
}

int store_case_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_case *),
                   void *ud) {
  return st->ops->cases->case_get(st, id, fn, ud);
}

int store_cases_each(struct store *st, const struct store_case_filter *f, int64_t *total,
                     int (*fn)(void *, const struct store_case *), void *ud) {
  return st->ops->cases->cases_each(st, f, total, fn, ud);
}

int store_case_entry_insert(struct store *st, const struct store_case_entry *en, int64_t *out_id,
                            struct zz_err *e) {
  return st->ops->cases->entry_insert(st, en, out_id, e);
}

int store_case_entries_each(struct store *st, int64_t case_id,
                            int (*fn)(void *, const struct store_case_entry *), void *ud) {
  return st->ops->cases->entries_each(st, case_id, fn, ud);
}

int store_case_set_followup(struct store *st, int64_t id, int64_t order_id, struct zz_err *e) {
  return st->ops->cases->set_followup(st, id, order_id, e);
}

int store_cases_quiet(struct store *st, const char *program, int64_t before, int limit,
                      int (*fn)(void *, const struct store_case *), void *ud) {
  return st->ops->cases->cases_quiet(st, program, before, limit, fn, ud);
}

int store_cases_count(struct store *st, const char *program, enum store_case_count what,
                      const char *klass,
                      int (*fn)(void *, const char *key, const char *month, int64_t n, int64_t sum),
                      void *ud) {
  return st->ops->cases->cases_count(st, program, what, klass, fn, ud);
}

int store_case_activity_insert(struct store *st, const struct store_case_activity *a,
                               const char *token, int64_t rpos, int64_t *out_id, struct zz_err *e) {
  return st->ops->cases->activity_insert(st, a, token, rpos, out_id, e);
}

int store_case_activity_get(struct store *st, int64_t id,
                            int (*fn)(void *, const struct store_case_activity *), void *ud) {
  return st->ops->cases->activity_get(st, id, fn, ud);
}

int store_case_activities_each(struct store *st, const char *program, const char *department,
                               int limit, int (*fn)(void *, const struct store_case_activity *),
                               void *ud) {
  return st->ops->cases->activities_each(st, program, department, limit, fn, ud);
}

int store_case_phones_each(struct store *st, const char *program,
                           int (*fn)(void *, int64_t id, const char *phone), void *ud) {
  return st->ops->cases->phones_each(st, program, fn, ud);
}

int store_case_attend(struct store *st, const struct store_case_activity *a, int64_t case_id,
                      int64_t ts, const char *actor, int *already, struct zz_err *e) {
  return st->ops->cases->attend(st, a, case_id, ts, actor, already, e);
}

int store_case_attendance_each(struct store *st, int64_t activity,
                               int (*fn)(void *, int64_t id, const char *name, const char *phone,
                                         int64_t ts),
                               void *ud) {
  return st->ops->cases->attendance_each(st, activity, fn, ud);
}

/* ---- notify: NGSI subscriptions ---- */

int store_ngsi_sub_insert(struct store *st, const struct store_ngsi_sub *s, struct zz_err *e) {
  return st->ops->notify->sub_insert(st, s, e);
}

int store_ngsi_sub_delete(struct store *st, const char *id, struct zz_err *e) {
  return st->ops->notify->sub_delete(st, id, e);
}

int store_ngsi_subs_each(struct store *st, const char *id,
                         int (*fn)(void *, const struct store_ngsi_sub *), void *ud) {
  return st->ops->notify->subs_each(st, id, fn, ud);
}

int store_ngsi_sub_delivered(struct store *st, const char *id, int64_t ts, int ok, int code,
                             const char *reason, struct zz_err *e) {
  return st->ops->notify->sub_delivered(st, id, ts, ok, code, reason, e);
}

int store_webhook_insert(struct store *st, const struct store_webhook *w, int64_t *out_id,
                         struct zz_err *e) {
  return st->ops->notify->webhook_insert(st, w, out_id, e);
}

int store_webhook_delete(struct store *st, int64_t id, struct zz_err *e) {
  return st->ops->notify->webhook_delete(st, id, e);
}

int store_webhooks_each(struct store *st, int (*fn)(void *, const struct store_webhook *),
                        void *ud) {
  return st->ops->notify->webhooks_each(st, fn, ud);
}

int store_webhook_delivered(struct store *st, int64_t id, int64_t ts, int ok, int code,
                            const char *reason, struct zz_err *e) {
  return st->ops->notify->webhook_delivered(st, id, ts, ok, code, reason, e);
}

/* ---- usage: records per source and metric ---- */

int store_usage_each(struct store *st, int64_t rpos_lo, int64_t rpos_hi,
                     int (*fn)(void *, int64_t source, int64_t metric, int64_t n), void *ud) {
  if (!st->ops->usage) return ZZ_EINTERNAL;
  return st->ops->usage->usage_each(st, rpos_lo, rpos_hi, fn, ud);
}

/* ---- campaigns: pledges, activities, the dashboard's counts ---- */

int store_pledge_insert(struct store *st, const struct store_pledge *p, int64_t *out_id,
                        int64_t *out_signed_at, struct zz_err *e) {
  return st->ops->campaigns->pledge_insert(st, p, out_id, out_signed_at, e);
}

int store_pledges_each(struct store *st, const struct store_pledge_filter *f,
                       int (*fn)(void *, const struct store_pledge *), void *ud) {
  return st->ops->campaigns->pledges_each(st, f, fn, ud);
}

int store_activity_insert(struct store *st, const struct store_activity *a, int64_t *out_id,
                          struct zz_err *e) {
  return st->ops->campaigns->activity_insert(st, a, out_id, e);
}

int store_activities_each(struct store *st, const struct store_activity_filter *f,
                          int (*fn)(void *, const struct store_activity *), void *ud) {
  return st->ops->campaigns->activities_each(st, f, fn, ud);
}

int store_cp_participants_each(struct store *st, const struct store_cp_scope *sc,
                               int (*fn)(void *, const struct store_cp_participant *), void *ud) {
  return st->ops->campaigns->cp_participants_each(st, sc, fn, ud);
}

int store_cp_latest_each(struct store *st, const struct store_cp_scope *sc,
                         int (*fn)(void *, const struct store_cp_latest *), void *ud) {
  return st->ops->campaigns->cp_latest_each(st, sc, fn, ud);
}

int store_cp_count(struct store *st, const struct store_cp_scope *sc, enum store_cp_count what,
                   const char *arg, int (*fn)(void *, const char *key, int64_t n, int64_t n2),
                   void *ud) {
  return st->ops->campaigns->cp_count(st, sc, what, arg, fn, ud);
}

/* ---- inspections, rectification, credit, plans ---- */

int store_inspection_insert(struct store *st, const struct store_inspection *in, int64_t *out_id,
                            struct zz_err *e) {
  return st->ops->inspections->inspection_insert(st, in, out_id, e);
}

int store_inspection_get(struct store *st, int64_t id, const char *uid,
                         int (*fn)(void *, const struct store_inspection *), void *ud) {
  return st->ops->inspections->inspection_get(st, id, uid, fn, ud);
}

int store_inspections_each(struct store *st, const struct store_ins_filter *f,
                           int (*fn)(void *, const struct store_inspection *), void *ud) {
  return st->ops->inspections->inspections_each(st, f, fn, ud);
}

int store_ins_photo_insert(struct store *st, const struct store_ins_photo *p, int64_t *out_id,
                           struct zz_err *e) {
  return st->ops->inspections->photo_insert(st, p, out_id, e);
}

int store_ins_photos_each(struct store *st, int64_t inspection, int64_t id,
                          int (*fn)(void *, const struct store_ins_photo *), void *ud) {
  return st->ops->inspections->photos_each(st, inspection, id, fn, ud);
}

int store_rectify_insert(struct store *st, const struct store_rectify *r, int64_t *out_id,
                         struct zz_err *e) {
  return st->ops->inspections->rectify_insert(st, r, out_id, e);
}

int store_rectify_set_order(struct store *st, int64_t id, int64_t order_id, struct zz_err *e) {
  return st->ops->inspections->rectify_set_order(st, id, order_id, e);
}

int store_rectify_close(struct store *st, int64_t id, const char *status, int64_t closed,
                        int64_t closed_by, struct zz_err *e) {
  return st->ops->inspections->rectify_close(st, id, status, closed, closed_by, e);
}

int store_rectify_overdue(struct store *st, int64_t id, const struct store_credit_event *ev,
                          struct zz_err *e) {
  return st->ops->inspections->rectify_overdue(st, id, ev, e);
}

int store_rectifies_each(struct store *st, const struct store_ins_filter *f,
                         int (*fn)(void *, const struct store_rectify *), void *ud) {
  return st->ops->inspections->rectifies_each(st, f, fn, ud);
}

int store_rectifies_due(struct store *st, int64_t now, int limit,
                        int (*fn)(void *, const struct store_rectify *), void *ud) {
  return st->ops->inspections->rectifies_due(st, now, limit, fn, ud);
}

int store_credit_insert(struct store *st, const struct store_credit_event *ev, int64_t *out_id,
                        struct zz_err *e) {
  return st->ops->inspections->credit_insert(st, ev, out_id, e);
}

int store_credits_each(struct store *st, int64_t entity,
                       int (*fn)(void *, const struct store_credit_event *), void *ud) {
  return st->ops->inspections->credits_each(st, entity, fn, ud);
}

int store_credit_members(
    struct store *st, const char *type, const char *attr_path, const char *value,
    int (*fn)(void *, const struct store_ins_entity *, int64_t points, int64_t events), void *ud) {
  return st->ops->inspections->credit_members(st, type, attr_path, value, fn, ud);
}

int store_ins_plan_insert(struct store *st, const struct store_ins_plan *p, int64_t *out_id,
                          struct zz_err *e) {
  return st->ops->inspections->plan_insert(st, p, out_id, e);
}

int store_ins_plan_get(struct store *st, int64_t id,
                       int (*fn)(void *, const struct store_ins_plan *), void *ud) {
  return st->ops->inspections->plan_get(st, id, fn, ud);
}

int store_ins_plans_each(struct store *st, const struct store_ins_filter *f,
                         int (*fn)(void *, const struct store_ins_plan *), void *ud) {
  return st->ops->inspections->plans_each(st, f, fn, ud);
}

int store_ins_plan_fulfil(struct store *st, int64_t plan, int64_t inspection, struct zz_err *e) {
  return st->ops->inspections->plan_fulfil(st, plan, inspection, e);
}

int store_ins_progress(struct store *st, const char *campaign, const char *types_json,
                       int64_t rpos_lo, int64_t rpos_hi, int64_t now,
                       int (*fn)(void *, const struct store_ins_progress *), void *ud) {
  return st->ops->inspections->progress(st, campaign, types_json, rpos_lo, rpos_hi, now, fn, ud);
}
