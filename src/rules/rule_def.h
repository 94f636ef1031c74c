/* rule_def.h - an early-warning rule: its definition (parsed from the JSON of
 * rules.json or the admin API, docs/packs.md) and the pure evaluation of one
 * (rule, entity) pair against records and the clock. No I/O and no locks:
 * the engine (rules.h) feeds it and stores what it decides, and the unit
 * tests drive it directly. */
#ifndef ZZ_RULE_DEF_H
#define ZZ_RULE_DEF_H

#include <stddef.h>
#include <stdint.h>

#include "core/check.h"
#include "core/zz.h"

struct json_t;

enum rule_kind { RULE_THRESHOLD = 1, RULE_RATE, RULE_COUNT, RULE_ABSENCE };

/* ids (the rule's, its metric's, event kind's, entity type's and matter's):
 * the kit's one limit, so any id the pack or the API accepts fits */
#define RULE_KEY_MAX CHECK_KEY_MAX
/* A message template's bytes (Chinese: about 60 characters). */
#define RULE_MESSAGE_MAX 200
/* the largest magnitude of a rule's numbers (limit, percent, count, hysteresis) */
#define RULE_NUM_MAX 1e15
/* Escalation levels a threshold or rate rule may list above its own limit. */
#define RULE_LEVELS_MAX 4

/* A higher level of a threshold or rate rule: past `at` (the measure the
 * rule compares: the value, the percent or the change a day) the open
 * alert's severity rises to `severity`. */
struct rule_level {
  double at;
  char severity[16];
};

struct rule_def {
  char key[RULE_KEY_MAX + 1];
  char name_zh[128], name_en[128];
  enum rule_kind kind;
  char metric[RULE_KEY_MAX + 1];             /* "" for a count of events */
  char event[RULE_KEY_MAX + 1];              /* count only: the event kind counted, else "" */
  char event_name_zh[64], event_name_en[64]; /* the event kind as people say it ("" : the id) */
  char entity_type[RULE_KEY_MAX + 1];        /* "" : the metric's own type */
  char region[256];                          /* "" : everywhere */
  char severity[16];                         /* info, warning, major, critical */
  int op; /* threshold: +1 above, -1 below; rate: +1 up, -1 down, 0 any */
  double
      value; /* threshold: the limit; rate: percent or change a day; count: events in the window */
  int per_day;            /* rate: value is a change in the metric's units a day, not a percent */
  int count_records;      /* count: 1 counts records, 0 sums their values */
  int64_t for_ms;         /* threshold: how long beyond the limit; absence: silence */
  int64_t window_ms;      /* rate, count */
  double hysteresis;      /* threshold: metric units; rate: percentage points; count: events */
  int64_t cooldown_ms;    /* after a clear, no new alert for this long */
  int hour_from, hour_to; /* local hours the rule is active in [from, to), wrapping; -1: always */
  char auto_matter[RULE_KEY_MAX + 1]; /* "" : no automatic work order */
  int enabled;
  /* threshold and rate: higher levels, each beyond the one before (and the
   * rule's own limit) with a higher severity; the open alert rises to the
   * highest level its measure passed and never falls while open */
  struct rule_level levels[RULE_LEVELS_MAX];
  int nlevels;
  /* The alert's sentence in each language, with placeholders (see
   * rule_message); "" : the kind's own sentence. */
  char message_zh[RULE_MESSAGE_MAX + 1], message_en[RULE_MESSAGE_MAX + 1];
};

/* Parses a rule from a JSON object. Returns 0, or ZZ_EINVAL with e->field
 * naming the offending member ("condition.value", "hours[1]") and e->msg a
 * sentence without the location. References (metric, matter, region) are
 * only checked for form here; the caller checks they exist. */
int rule_parse(const struct json_t *j, struct rule_def *out, struct zz_err *e);
/* Returns the kind's name ("threshold", ...). */
const char *rule_kind_name(enum rule_kind k);
/* Writes the rule back as JSON (the form rule_parse reads). Returns 0 or
 * ZZ_ENOMEM. */
struct zz_buf;
int rule_to_json(const struct rule_def *d, struct zz_buf *out);

/* The names an alert's sentence uses, in one language (NULL: the id). */
struct reg_state;
struct rule_words {
  const char *entity, *region, *metric, *unit;
  /* a status metric's named values (model/registry.h), or none: {value}
   * and {limit} then read as names (故障, not 0) and {unit} is empty */
  const struct reg_state *states;
  int nstates;
  int level; /* the open alert's level (rule_state.level): {limit} says that level's limit */
};
/* Writes the alert's sentence for value v into out (cap bytes): the rule's
 * message_zh or message_en template (en selects), or the kind's own, with
 * {rule} {entity} {region} {metric} {unit} {value} {limit} {window} (minutes)
 * and {op} (above/below, in the language) filled in. Numbers are written
 * with at most 3 significant decimals; the values of a status metric by
 * their names, and its threshold rules say only what the state is. */
void rule_message(const struct rule_def *d, const struct rule_words *w, int en, double v, char *out,
                  size_t cap);

/* ---- evaluation ---- */

struct rule_sample {
  int64_t ts;
  double v;
};

/* What the engine keeps per (rule, entity). Zero-initialise; free with
 * rule_state_free. */
struct rule_state {
  int open;           /* an alert is open */
  int64_t since;      /* threshold: first time beyond the limit in this run (0: not beyond) */
  int64_t last_ts;    /* newest record seen */
  double last_value;  /* its value */
  int64_t cleared_at; /* when the last alert cleared (cooldown) */
  int level;          /* while open: 0 the rule's severity, i > 0 levels[i - 1]'s */
  /* rate and count: the samples inside the window, a circular buffer with
   * the oldest at head, and the running count (sum of values, or records) */
  struct rule_sample *ring;
  size_t n, cap, head;
  double sum;
};

/* Samples kept per (rule, entity) for rate and count windows; past this the
 * oldest fall out (a count rule then undercounts a flood it has already
 * alerted on, which is harmless). */
#define RULE_RING_MAX 4096

/* RULE_RAISE: the open alert passed a higher level (st->level grew). */
enum rule_verdict { RULE_KEEP = 0, RULE_OPEN = 1, RULE_CLEAR = 2, RULE_RAISE = 3 };

/* Feeds one record (ts, value). Returns RULE_OPEN (st->open is now 1),
 * RULE_RAISE (open, and st->level grew), RULE_CLEAR (st->open is now 0) or
 * RULE_KEEP; *out_value gets the value the verdict is about (the measured
 * value, the change in percent or a day, the count in the window). A record older than the newest
 * seen is folded into windows but never opens or clears on its own. */
enum rule_verdict rule_feed(const struct rule_def *d, struct rule_state *st, int64_t ts,
                            double value, double *out_value);
/* Lets time pass to now (absence, threshold durations, windows sliding
 * empty, active hours ending). Same returns as rule_feed. */
enum rule_verdict rule_tick(const struct rule_def *d, struct rule_state *st, int64_t now,
                            double *out_value);
/* The severity of level `level` (0: the rule's own; see rule_state.level). */
const char *rule_level_severity(const struct rule_def *d, int level);
/* The index of a severity name (info 0 ... critical 3), or -1. */
int rule_severity_rank(const char *severity);
/* 1 when local time ms falls inside the rule's active hours. */
int rule_active_at(const struct rule_def *d, int64_t ms);
void rule_state_free(struct rule_state *st);

#endif
