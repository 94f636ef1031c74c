/* store_backend.h - the table of functions a storage backend fills (today
 * the SQLite one, store_sqlite.c) and the struct every store starts with.
 * Callers never see it: they call the store_* functions of the domain
 * headers (store_calls.c passes each call to the table), so a second backend
 * fits behind the same calls. Tests may fill a partial table (test_rollup.c). */
#ifndef ZZ_STORE_BACKEND_H
#define ZZ_STORE_BACKEND_H

#include "store/store.h"
#include "store/store_accounts.h"
#include "store/store_alerts.h"
#include "store/store_applications.h"
#include "store/store_audit.h"
#include "store/store_mqtt.h"
#include "store/store_cases.h"
#include "store/store_notify.h"
#include "store/store_catalog.h"
#include "store/store_codes.h"
#include "store/store_orders.h"
#include "store/store_records.h"
#include "store/store_registry.h"
#include "store/store_usage.h"
#include "store/store_campaigns.h"
#include "store/store_inspections.h"

/* One sub-table per domain header, each member the store_* function of the
 * same name (contracts in that header): a backend fills each sub-table in
 * the file of its domain, which keeps that file's functions static, and a
 * test fills only the domains it fakes. */

struct store_registry_ops {
  int (*region_upsert)(struct store *st, const struct store_region *r, int64_t *out_id,
                       struct zz_err *e);
  int (*region_set_pos)(struct store *st, int64_t id, int64_t lo, int64_t hi, struct zz_err *e);
  int (*regions_each)(struct store *st, int with_geometry,
                      int (*fn)(void *, const struct store_region *), void *ud);
  int (*metric_upsert)(struct store *st, const struct store_metric *m, int64_t *out_id,
                       struct zz_err *e);
  int (*metrics_each)(struct store *st, int (*fn)(void *, const struct store_metric *), void *ud);
  int (*named_upsert)(struct store *st, const char *table, const struct store_named *n,
                      int64_t *out_id, struct zz_err *e);
  int (*named_each)(struct store *st, const char *table,
                    int (*fn)(void *, const struct store_named *), void *ud);
  int (*source_upsert)(struct store *st, const struct store_source *s, int64_t *out_id,
                       struct zz_err *e);
  int (*source_set_token)(struct store *st, int64_t id, const char *token_hash, struct zz_err *e);
  int (*source_by_token)(struct store *st, const char *token_hash, int64_t *out_id);
  int (*sources_each)(struct store *st, int (*fn)(void *, const struct store_source *), void *ud);
  int (*entity_upsert)(struct store *st, const struct store_entity *en, int64_t rpos,
                       int64_t *out_id, struct zz_err *e);
  int (*entity_get)(struct store *st, const char *key,
                    int (*fn)(void *, const struct store_entity *), void *ud);
  int (*entities_each)(struct store *st, const struct store_entity_filter *f,
                       int (*fn)(void *, const struct store_entity *), void *ud);
  /* NULL when the backend cannot count (store_entities_count gives ZZ_EINTERNAL) */
  int (*entities_count)(struct store *st, const struct store_entity_filter *f, int64_t *out);
  int (*entities_scan)(struct store *st, int (*fn)(void *, const struct store_entity *), void *ud);
  int (*entities_set_rpos)(struct store *st, int64_t region, int64_t rpos);
  /* NULL when the backend keeps no version (store_catalog_version gives -1) */
  int64_t (*catalog_version)(struct store *st);
  int (*doc_put)(struct store *st, const char *key, const char *json, struct zz_err *e);
  int (*doc_get)(struct store *st, const char *key, int (*fn)(void *ud, const char *json),
                 void *ud);
};

struct store_records_ops {
  int (*records_write_async)(struct store *st, const struct store_record *recs, size_t n,
                             store_done_fn done, void *ud, struct zz_err *e);
  int (*events_write_async)(struct store *st, const struct store_event *evs, size_t n,
                            store_done_fn done, void *ud, struct zz_err *e);
  int (*records_write_file_async)(struct store *st, int fd, size_t n, store_done_fn done, void *ud,
                                  struct zz_err *e);
  int (*records_write_file)(struct store *st, int fd, size_t n, struct store_write_result *out,
                            struct zz_err *e);
  int (*records_write)(struct store *st, const struct store_record *recs, size_t n,
                       struct store_write_result *out, struct zz_err *e);
  int (*events_write)(struct store *st, const struct store_event *evs, size_t n, struct zz_err *e);
  size_t (*write_queue_depth)(struct store *st);
  int (*writer_waiting)(struct store *st);
  int (*rollup_buckets)(struct store *st, int64_t metric, int64_t region, enum zz_grain g,
                        int64_t from, int64_t to, store_bucket_fn fn, void *ud);
  int (*entity_aggs)(struct store *st, int64_t metric, int64_t rpos_lo, int64_t rpos_hi,
                     const char *type, int64_t from, int64_t to, int additive,
                     store_series_agg_fn fn, void *ud);
  int (*entity_buckets)(struct store *st, int64_t entity, int64_t metric, enum zz_grain g,
                        int64_t from, int64_t to, store_bucket_fn fn, void *ud);
  int (*latest_each)(struct store *st, int64_t metric, int64_t entity, int64_t rpos_lo,
                     int64_t rpos_hi, const char *type,
                     int (*fn)(void *, int64_t entity, int64_t metric, int64_t ts, double value),
                     void *ud);
  int (*records_each)(struct store *st, int64_t entity, int64_t metric, int64_t from, int64_t to,
                      int limit, int (*fn)(void *, int64_t ts, double value), void *ud);
  int (*event_times_each)(struct store *st, int64_t entity, const char *kind, int64_t from,
                          int64_t to, int limit, int (*fn)(void *, int64_t ts), void *ud);
  int64_t (*records_count)(struct store *st);
  /* NULL when the backend keeps no such figures */
  int (*records_stats)(struct store *st, struct store_records_stats *out);
  /* raw retention (store_records_prune); NULL when the backend keeps the
   * records forever */
  int (*records_prune)(struct store *st, int64_t now, int64_t *dropped, struct zz_err *e);
};

struct store_accounts_ops {
  int (*user_upsert)(struct store *st, const struct store_user *u, int64_t *out_id,
                     struct zz_err *e);
  int (*user_get)(struct store *st, const char *name, int64_t id,
                  int (*fn)(void *, const struct store_user *), void *ud);
  int (*session_create)(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                        struct zz_err *e);
  int (*session_user)(struct store *st, const char *token_hash, int64_t now, int64_t *out_user);
  int (*session_delete)(struct store *st, const char *token_hash);
  int (*device_create)(struct store *st, const char *token_hash, int64_t user, int64_t expires,
                       struct zz_err *e);
  int (*device_check)(struct store *st, const char *token_hash, const char *name, int64_t now);
  int (*device_fail)(struct store *st, const char *token_hash, int max_fails);
  int (*device_delete)(struct store *st, const char *token_hash);
  int (*users_each)(struct store *st, int64_t now, int (*fn)(void *, const struct store_user *),
                    void *ud);
  int (*user_set)(struct store *st, const char *name, const char *role, const char *department,
                  const char *scope, struct zz_err *e);
  int (*user_sessions_end)(struct store *st, const char *name, int64_t *out_n, struct zz_err *e);
  int (*user_change)(struct store *st, const char *name, int what, const char *pwhash,
                     struct zz_err *e);
};

struct store_orders_ops {
  int (*order_state_counts)(struct store *st,
                            int (*fn)(void *, const char *state, int64_t n, int64_t overdue),
                            void *ud);
  int (*order_insert)(struct store *st, const struct store_order *o,
                      const struct store_order_event *evs, size_t nev, int64_t *out_id,
                      struct zz_err *e);
  int (*orders_update)(struct store *st, const struct store_order *const *os, size_t n,
                       const struct store_order_event *evs, size_t nev, struct zz_err *e);
  int (*order_get)(struct store *st, int64_t id, int (*fn)(void *, const struct store_order *),
                   void *ud);
  int (*orders_each)(struct store *st, const struct store_order_filter *f,
                     int (*fn)(void *, const struct store_order *), void *ud);
  int (*orders_near)(struct store *st, const char *matter, int64_t since, const double box[4],
                     const char *entity, int (*fn)(void *, int64_t id, double lon, double lat),
                     void *ud);
  int (*order_at)(struct store *st, const char *matter, int64_t since, double lon, double lat,
                  const char *entity, int64_t *out_id);
  int (*order_same_entity)(struct store *st, const char *matter, int64_t since, const char *entity,
                           int64_t *out_id);
  int (*orders_due)(struct store *st, int64_t now, int (*fn)(void *, const struct store_order *),
                    void *ud);
  int (*order_events_each)(struct store *st, int64_t order_id,
                           int (*fn)(void *, const struct store_order_event *), void *ud);
  int (*evidence_insert)(struct store *st, const struct store_evidence *ev, int64_t *out_id,
                         struct zz_err *e);
  int (*evidence_each)(struct store *st, int64_t order_id, int64_t id,
                       int (*fn)(void *, const struct store_evidence *), void *ud);
  int (*order_stats)(struct store *st, const char *group, int64_t from, int64_t to, int64_t rpos_lo,
                     int64_t rpos_hi, int (*fn)(void *, const struct store_order_stat *), void *ud);
  int (*order_board)(struct store *st, int64_t rpos_lo, int64_t rpos_hi, int64_t day_start,
                     int64_t since, struct store_order_board *out,
                     int (*fn)(void *, const struct store_order_board_dept *), void *ud);
  int (*order_tally)(struct store *st, const char *group, const struct store_order_tally_filter *f,
                     int (*fn)(void *, const struct store_order_tally *), void *ud);
  int (*order_intake_insert)(struct store *st, const struct store_order_intake *in,
                             struct zz_err *e);
  int (*order_intake_get)(struct store *st, int64_t order_id, const char *token,
                          int (*fn)(void *, const struct store_order_intake *), void *ud);
  int (*order_state_events_between)(struct store *st, int64_t from, int64_t to, int limit,
                                    int (*fn)(void *, const struct store_order_event *), void *ud);
};

struct store_alerts_ops {
  int (*alerts_open_count)(struct store *st, int64_t *out);
  int (*rule_upsert)(struct store *st, const struct store_rule *r, int64_t *out_id,
                     struct zz_err *e);
  int (*rules_each)(struct store *st, int (*fn)(void *, const struct store_rule *), void *ud);
  int (*alert_insert)(struct store *st, const struct store_alert *a, int64_t *out_id,
                      struct zz_err *e);
  int (*alert_update)(struct store *st, const struct store_alert *a, struct zz_err *e);
  int (*alerts_each)(struct store *st, const struct store_alert_filter *f,
                     int (*fn)(void *, const struct store_alert *), void *ud);
  int (*alert_get)(struct store *st, int64_t id, int (*fn)(void *, const struct store_alert *),
                   void *ud);
};

struct store_catalog_ops {
  int (*matter_upsert)(struct store *st, const struct store_matter *m, int64_t *out_id,
                       struct zz_err *e);
  int (*matters_each)(struct store *st, int (*fn)(void *, const struct store_matter *), void *ud);
};

struct store_codes_ops {
  int (*code_insert)(struct store *st, const struct store_code *c, int64_t *out_id, int *created,
                     struct zz_err *e);
  int (*code_get)(struct store *st, const char *token, int64_t id,
                  int (*fn)(void *, const struct store_code *), void *ud);
  int (*codes_each)(struct store *st, const struct store_code_filter *f,
                    int (*fn)(void *, const struct store_code *), void *ud);
  int (*code_revoke)(struct store *st, int64_t id, int64_t now, const struct store_code *c,
                     int64_t *out_id, struct zz_err *e);
  int (*code_scan)(struct store *st, int64_t code, int64_t day, struct zz_err *e);
  int (*code_scans_each)(struct store *st, int64_t code, int limit,
                         int (*fn)(void *, int64_t day, int64_t n), void *ud);
  int (*receipt_insert)(struct store *st, const struct store_receipt *in, struct zz_err *e);
  int (*receipt_get)(struct store *st, const char *receipt, int64_t order_id,
                     int (*fn)(void *, const struct store_receipt *), void *ud);
};

struct store_applications_ops {
  int (*application_insert)(struct store *st, const struct store_application *a, struct zz_err *e);
  int (*application_get)(struct store *st, int64_t order_id, const char *number,
                         int (*fn)(void *, const struct store_application *), void *ud);
  int (*material_put)(struct store *st, const struct store_material *m, struct zz_err *e);
  int (*materials_each)(struct store *st, int64_t order_id,
                        int (*fn)(void *, const struct store_material *), void *ud);
  int (*decision_insert)(struct store *st, const struct store_decision *d, struct zz_err *e);
  int (*decisions_each)(struct store *st, int64_t order_id,
                        int (*fn)(void *, const struct store_decision *), void *ud);
};

struct store_cases_ops {
  int (*case_insert)(struct store *st, const struct store_case *c, int64_t *out_id,
                     struct zz_err *e);
  int (*case_get)(struct store *st, int64_t id, int (*fn)(void *, const struct store_case *),
                  void *ud);
  int (*cases_each)(struct store *st, const struct store_case_filter *f, int64_t *total,
                    int (*fn)(void *, const struct store_case *), void *ud);
  int (*entry_insert)(struct store *st, const struct store_case_entry *en, int64_t *out_id,
                      struct zz_err *e);
  int (*entries_each)(struct store *st, int64_t case_id,
                      int (*fn)(void *, const struct store_case_entry *), void *ud);
  int (*set_followup)(struct store *st, int64_t id, int64_t order_id, struct zz_err *e);
  int (*cases_quiet)(struct store *st, const char *program, int64_t before, int limit,
                     int (*fn)(void *, const struct store_case *), void *ud);
  int (*cases_count)(struct store *st, const char *program, enum store_case_count what,
                     const char *klass,
                     int (*fn)(void *, const char *, const char *, int64_t, int64_t), void *ud);
  /* activities and their attendance (issue 13 §1, cases2) */
  int (*activity_insert)(struct store *st, const struct store_case_activity *a, const char *token,
                         int64_t rpos, int64_t *out_id, struct zz_err *e);
  int (*activity_get)(struct store *st, int64_t id,
                      int (*fn)(void *, const struct store_case_activity *), void *ud);
  int (*activities_each)(struct store *st, const char *program, const char *department, int limit,
                         int (*fn)(void *, const struct store_case_activity *), void *ud);
  int (*phones_each)(struct store *st, const char *program,
                     int (*fn)(void *, int64_t, const char *), void *ud);
  int (*attend)(struct store *st, const struct store_case_activity *a, int64_t case_id, int64_t ts,
                const char *actor, int *already, struct zz_err *e);
  int (*attendance_each)(struct store *st, int64_t activity,
                         int (*fn)(void *, int64_t, const char *, const char *, int64_t), void *ud);
};

struct store_audit_ops {
  int (*audit_insert)(struct store *st, const struct store_audit *a, struct zz_err *e);
  int (*audit_each)(struct store *st, const struct store_audit_filter *f,
                    int (*fn)(void *, const struct store_audit *), void *ud);
};

struct store_mqtt_ops {
  int (*account_put)(struct store *st, const struct store_mqtt_account *a, struct zz_err *e);
  int (*accounts_each)(struct store *st, int (*fn)(void *, const struct store_mqtt_account *),
                       void *ud);
  int (*device_source)(struct store *st, const char *username, int64_t *out);
  int (*source_note_rejects)(struct store *st, int64_t id, int64_t n, const char *msg, int64_t at,
                             struct zz_err *e);
};

struct store_notify_ops {
  int (*sub_insert)(struct store *st, const struct store_ngsi_sub *s, struct zz_err *e);
  int (*sub_delete)(struct store *st, const char *id, struct zz_err *e);
  int (*subs_each)(struct store *st, const char *id,
                   int (*fn)(void *, const struct store_ngsi_sub *), void *ud);
  int (*sub_delivered)(struct store *st, const char *id, int64_t ts, int ok, int code,
                       const char *reason, struct zz_err *e);
  int (*webhook_insert)(struct store *st, const struct store_webhook *w, int64_t *out_id,
                        struct zz_err *e);
  int (*webhook_delete)(struct store *st, int64_t id, struct zz_err *e);
  int (*webhooks_each)(struct store *st, int (*fn)(void *, const struct store_webhook *), void *ud);
  int (*webhook_delivered)(struct store *st, int64_t id, int64_t ts, int ok, int code,
                           const char *reason, struct zz_err *e);
};

struct store_campaigns_ops {
  int (*pledge_insert)(struct store *st, const struct store_pledge *p, int64_t *out_id,
                       int64_t *out_signed_at, struct zz_err *e);
  int (*pledges_each)(struct store *st, const struct store_pledge_filter *f,
                      int (*fn)(void *, const struct store_pledge *), void *ud);
  int (*activity_insert)(struct store *st, const struct store_activity *a, int64_t *out_id,
                         struct zz_err *e);
  int (*activities_each)(struct store *st, const struct store_activity_filter *f,
                         int (*fn)(void *, const struct store_activity *), void *ud);
  int (*cp_participants_each)(struct store *st, const struct store_cp_scope *sc,
                              int (*fn)(void *, const struct store_cp_participant *), void *ud);
  int (*cp_latest_each)(struct store *st, const struct store_cp_scope *sc,
                        int (*fn)(void *, const struct store_cp_latest *), void *ud);
  int (*cp_count)(struct store *st, const struct store_cp_scope *sc, enum store_cp_count what,
                  const char *arg, int (*fn)(void *, const char *, int64_t, int64_t), void *ud);
};

/* The whole table: the store's own calls (store.h) and a sub-table per
 * domain. A sub-table a test leaves NULL must not be called. */
struct store_inspections_ops {
  int (*inspection_insert)(struct store *st, const struct store_inspection *in, int64_t *out_id,
                           struct zz_err *e);
  int (*inspection_get)(struct store *st, int64_t id, const char *uid,
                        int (*fn)(void *, const struct store_inspection *), void *ud);
  int (*inspections_each)(struct store *st, const struct store_ins_filter *f,
                          int (*fn)(void *, const struct store_inspection *), void *ud);
  int (*photo_insert)(struct store *st, const struct store_ins_photo *p, int64_t *out_id,
                      struct zz_err *e);
  int (*photos_each)(struct store *st, int64_t inspection, int64_t id,
                     int (*fn)(void *, const struct store_ins_photo *), void *ud);
  int (*rectify_insert)(struct store *st, const struct store_rectify *r, int64_t *out_id,
                        struct zz_err *e);
  int (*rectify_set_order)(struct store *st, int64_t id, int64_t order_id, struct zz_err *e);
  int (*rectify_close)(struct store *st, int64_t id, const char *status, int64_t closed,
                       int64_t closed_by, struct zz_err *e);
  int (*rectify_overdue)(struct store *st, int64_t id, const struct store_credit_event *ev,
                         struct zz_err *e);
  int (*rectifies_each)(struct store *st, const struct store_ins_filter *f,
                        int (*fn)(void *, const struct store_rectify *), void *ud);
  int (*rectifies_due)(struct store *st, int64_t now, int limit,
                       int (*fn)(void *, const struct store_rectify *), void *ud);
  int (*credit_insert)(struct store *st, const struct store_credit_event *ev, int64_t *out_id,
                       struct zz_err *e);
  int (*credits_each)(struct store *st, int64_t entity,
                      int (*fn)(void *, const struct store_credit_event *), void *ud);
  int (*credit_members)(struct store *st, const char *type, const char *attr_path,
                        const char *value,
                        int (*fn)(void *, const struct store_ins_entity *, int64_t, int64_t),
                        void *ud);
  int (*plan_insert)(struct store *st, const struct store_ins_plan *p, int64_t *out_id,
                     struct zz_err *e);
  int (*plan_get)(struct store *st, int64_t id, int (*fn)(void *, const struct store_ins_plan *),
                  void *ud);
  int (*plans_each)(struct store *st, const struct store_ins_filter *f,
                    int (*fn)(void *, const struct store_ins_plan *), void *ud);
  int (*plan_fulfil)(struct store *st, int64_t plan, int64_t inspection, struct zz_err *e);
  int (*progress)(struct store *st, const char *campaign, const char *types_json, int64_t rpos_lo,
                  int64_t rpos_hi, int64_t now,
                  int (*fn)(void *, const struct store_ins_progress *), void *ud);
};

/* records per source and metric (store_usage.h) */
struct store_usage_ops {
  int (*usage_each)(struct store *st, int64_t rpos_lo, int64_t rpos_hi,
                    int (*fn)(void *, int64_t source, int64_t metric, int64_t n), void *ud);
};

/* The whole table: the store's own calls (store.h) and a sub-table per
 * domain. A sub-table a test leaves NULL must not be called. */
struct store_ops {
  const char *name;
  int (*txn)(struct store *st, int what, struct zz_err *e);
  int (*prune)(struct store *st, int64_t now);
  int (*backup)(struct store *st, const char *path, void (*progress)(void *, int done, int total),
                void *ud, struct zz_err *e);
  void (*close)(struct store *st);

  const struct store_registry_ops *registry;
  const struct store_records_ops *records;
  const struct store_accounts_ops *accounts;
  const struct store_orders_ops *orders;
  const struct store_alerts_ops *alerts;
  const struct store_catalog_ops *catalog;
  const struct store_codes_ops *codes;
  const struct store_applications_ops *applications;
  const struct store_audit_ops *audit;
  const struct store_mqtt_ops *mqtt;
  const struct store_cases_ops *cases;
  const struct store_notify_ops *notify;
  const struct store_usage_ops *usage;
  const struct store_campaigns_ops *campaigns;
  const struct store_inspections_ops *inspections;
};

struct store {
  const struct store_ops *ops;
};

#endif
