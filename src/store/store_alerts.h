/* store_alerts.h - the early-warning rules (their whole JSON definitions)
 * and the alerts they open, ack and clear. */
#ifndef ZZ_STORE_ALERTS_H
#define ZZ_STORE_ALERTS_H

#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_rule {
  int64_t id;
  const char *key;
  const char *def_json; /* the whole definition, docs/packs.md "rules.json" */
  int enabled;
  const char *origin; /* "pack" or "api" */
  int64_t updated;
};

struct store_alert {
  int64_t id;
  const char *rule; /* rule key */
  int64_t entity;   /* entity id */
  const char *entity_key;
  int64_t region, rpos;
  const char *severity, *state; /* state: "open" or "cleared" */
  int64_t opened, cleared;      /* cleared 0 while open */
  double value;
  const char *message;    /* the sentence in Chinese */
  const char *message_en; /* in English; NULL for alerts older than it */
  int64_t order_id;       /* 0 for none */
  const char *acked_by;
  int64_t acked_at;
};

struct store_alert_filter {
  const char *state, *severity, *rule; /* NULL: any */
  int64_t rpos_lo, rpos_hi;            /* 0, 0: any */
  int64_t entity;                      /* 0: any */
  int64_t before_id;                   /* cursor: ids below this (newest first); 0: from the top */
  int limit;
};

int store_rule_upsert(struct store *st, const struct store_rule *r, int64_t *out_id,
                      struct zz_err *e);
int store_rules_each(struct store *st, int (*fn)(void *, const struct store_rule *), void *ud);
/* Opens an alert; ZZ_EEXISTS when (rule, entity) already has an open one. */
/* Opens an alert; ZZ_EEXISTS when (rule, entity) already has an open one. */
int store_alert_insert(struct store *st, const struct store_alert *a, int64_t *out_id,
                       struct zz_err *e);
/* Writes state, cleared, value, message, order_id, acked_by, acked_at and
 * (when not NULL: a rule's level rose) severity of a->id. */
int store_alert_update(struct store *st, const struct store_alert *a, struct zz_err *e);
/* The number of open alerts into *out. 0, or ZZ_ESTORE. */
int store_alerts_open_count(struct store *st, int64_t *out);
int store_alerts_each(struct store *st, const struct store_alert_filter *f,
                      int (*fn)(void *, const struct store_alert *), void *ud);
int store_alert_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_alert *),
                    void *ud);

#endif
