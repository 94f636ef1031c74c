/* rules.h - the early-warning engine. It hears of every committed batch of
 * records (rules_on_commit, called on the store's writer thread, copies what
 * the rules need and returns at once), evaluates the rules on a thread of
 * its own, and runs timers for absence, durations and sliding windows. It
 * opens one alert per (rule, entity), clears it when the condition ends,
 * publishes "alert" events on the bus, and asks for an automatic work order
 * through a hook when a rule says so. Rules live in the store (rule table:
 * from packs and the admin API); rules_reload picks up changes. */
#ifndef ZZ_RULES_H
#define ZZ_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "core/bus.h"
#include "core/zz.h"
#include "model/registry.h"
#include "rules/rule_def.h"
#include "store/store_alerts.h"
#include "store/store_records.h"

struct rules;
struct zz_json;

/* What the automatic-order hook is told about a newly opened alert. */
struct rules_fired {
  int64_t alert;
  const struct rule_def *rule;
  const char *entity_key;
  int64_t region;
  double value;
  const char *message;
};

struct rules_opts {
  struct store *st;
  struct registry *reg;
  struct bus *bus; /* may be NULL */
  /* Creates the work order of a rule with auto_order; returns 0 and its id.
   * Called on the rules thread. May be NULL. */
  int (*auto_order)(void *ud, const struct rules_fired *f, int64_t *out_order);
  void *ud;
  int no_thread; /* tests: evaluate only in rules_sync */
};

/* Loads the enabled rules and the open alerts, seeds absence rules from the
 * series' last times, and starts the thread. Returns 0 and *out or a ZZ_E*
 * code with e filled. */
int rules_open(const struct rules_opts *o, struct rules **out, struct zz_err *e);
void rules_close(struct rules *ru);
/* Re-reads the rules (after an admin change or a pack load); the state of
 * rules whose definition did not change is kept. */
int rules_reload(struct rules *ru, struct zz_err *e);
/* Writer thread: queues a copy of the records of metrics some rule watches.
 * Never blocks on evaluation; when the queue is over its cap the batch is
 * dropped with a warning (alerts are best effort, ingest is not). */
void rules_on_commit(struct rules *ru, const struct store_record *recs, size_t n);
/* Writer thread: the same for committed events (count rules over event kinds). */
void rules_on_commit_events(struct rules *ru, const struct store_event *evs, size_t n);
/* Evaluates everything queued so far, then runs the timers at now. Used by
 * the test clock and the unit tests; the thread does the same each second. */
void rules_sync(struct rules *ru, int64_t now);
/* Marks alert id acknowledged by user. Returns 0, ZZ_ENOTFOUND. */
int rules_ack(struct rules *ru, int64_t id, const char *user, struct zz_err *e);
/* Links alert id to a work order created for it. */
int rules_link_order(struct rules *ru, int64_t id, int64_t order, struct zz_err *e);
/* An alert of the past, written after the fact (a history being told, such
 * as the demo's excavation): rule's alert on entity, at the level whose
 * severity is named (NULL or the rule's own severity: level 0), with value,
 * opened at opened, acknowledged by acked_by at acked_at (NULL, 0: never)
 * and cleared at cleared; its sentences are the engine's. The live state is
 * left alone (the alert is written cleared, in one transaction). Times go
 * opened <= acked_at <= cleared <= now. Returns 0 and *out_id, ZZ_EINVAL
 * (e->field: rule, entity, severity, opened, acked_at, cleared) or a store
 * error. */
struct rules_past {
  const char *rule, *entity, *severity, *acked_by;
  double value;
  int64_t opened, acked_at, cleared;
};
int rules_past_alert(struct rules *ru, const struct rules_past *p, int64_t *out_id,
                     struct zz_err *e);
/* Copies the auto_order matter of rule key into out ("" when none). */
void rules_rule_matter(struct rules *ru, const char *key, char *out, size_t cap);
/* Writes the members of alert a as the API shows it into the object open
 * in j (the caller opens and closes it, and may add members of its own). */
void rules_alert_json(struct rules *ru, const struct store_alert *a, struct zz_json *j);
/* How far evaluation is behind, without waiting for it: records and events
 * queued, the age in ms of the oldest committed batch not yet evaluated (0
 * when none waits), and batches dropped for a full queue. For /metrics. */
void rules_lag(struct rules *ru, int64_t *queued, int64_t *lag_ms, int64_t *dropped);
/* Number of enabled rules and records evaluated so far (for health). */
void rules_stats(struct rules *ru, int *nrules, int64_t *evaluated, int64_t *dropped);

/* ---- preview (rules/preview.c) ---- */

#define RULES_PREVIEW_HITS_MAX 500       /* alerts listed; more are counted */
#define RULES_PREVIEW_ENTITIES_MAX 20000 /* entities evaluated */

/* An alert the preview would have opened. */
struct rules_preview_hit {
  int64_t entity;
  char entity_key[2 * RULE_KEY_MAX + 1];
  char name_zh[128], name_en[128];
  int64_t opened;    /* UTC ms */
  int64_t cleared;   /* UTC ms, 0: still open at the end of the window */
  double value;      /* what the opening was about (value, percent, count, minutes) */
  char severity[16]; /* the highest level's severity it reached (rules with levels) */
};

struct rules_preview {
  int64_t from, to;
  int entities;                   /* entities of the rule's type and region evaluated */
  int with_data;                  /* of them, those with records in the window */
  int64_t records;                /* records read */
  int alerts;                     /* alerts that would have opened in [from, to) */
  int truncated;                  /* alerts or entities past the caps: hits lists a part */
  size_t nhits;                   /* hits listed (at most RULES_PREVIEW_HITS_MAX) */
  struct rules_preview_hit *hits; /* owned: rules_preview_free */
};

/* Evaluates rule d (parsed; its references checked by the caller) over
 * the stored records of its metric in [from, to) for every entity of its
 * type in its region, as the engine would have (the clock ticking each
 * minute), and fills *out. Reads only: opens no alert, writes nothing,
 * leaves the live engine alone. A count of events reads the events of its
 * kind instead (each counts 1, as in the engine). Returns 0, or ZZ_EINVAL / ZZ_ENOMEM / ZZ_ESTORE
 * with e filled (out then holds nothing to free). */
int rules_preview(struct store *st, struct registry *reg, const struct rule_def *d, int64_t from,
                  int64_t to, struct rules_preview *out, struct zz_err *e);
void rules_preview_free(struct rules_preview *p);

#endif
