/* statuses.h - derived states of entities from their latest record: a
 * pack's statuses.json declares, for one metric (a check-in whose value is
 * its kind), an ordered list of states, each "the last value is one of
 * these and no older than N minutes", the last one taking everything else
 * (docs/packs.md "statuses.json"). The duty status of enforcement teams and
 * grid members (on duty / patrolling / off) is one such declaration. Pure:
 * parsing, checking and evaluation, no I/O. */
#ifndef ZZ_STATUSES_H
#define ZZ_STATUSES_H

#include <jansson.h>
#include <stdint.h>

#include "core/check.h"
#include "core/zz.h"

#define STATUS_STATES_MAX 8
#define STATUS_VALUES_MAX 16
#define STATUS_NAME_MAX 100

struct status_state {
  char id[CHECK_KEY_MAX + 1];
  char name_zh[STATUS_NAME_MAX + 1], name_en[STATUS_NAME_MAX + 1];
  char color[16]; /* "#rrggbb" or "" */
  double values[STATUS_VALUES_MAX];
  int nvalues;       /* 0: the default state (the last one) */
  int64_t within_ms; /* the last value's age limit; 0 with the default */
};

struct status_def {
  char id[CHECK_KEY_MAX + 1];
  char name_zh[STATUS_NAME_MAX + 1], name_en[STATUS_NAME_MAX + 1];
  char metric[CHECK_KEY_MAX + 1];
  struct status_state states[STATUS_STATES_MAX];
  int nstates;
};

/* What the checks need to know of the pack or store. */
struct status_lookup {
  void *ud;
  /* 1 when metric exists */
  int (*metric)(void *ud, const char *key);
};

/* Checks a whole statuses.json document ({"statuses": [...]}) with c at its
 * top; lk may be NULL (no cross-checks). Returns 0 or ZZ_EINVAL with c's
 * error naming the place ("statuses.json statuses[0].states[2].values:
 * ..."). */
int statuses_check(const json_t *doc, const struct status_lookup *lk, struct check *c);

/* Parses the declaration with id from a checked document into out: 0, or
 * ZZ_ENOTFOUND when the document has none. */
int status_find(const json_t *doc, const char *id, struct status_def *out);

/* The index of the state an entity is in, given whether it has a last value
 * (has), that value and its age in ms (now minus its time; negative ages,
 * a clock ahead, count as 0). */
int status_eval(const struct status_def *d, int has, double value, int64_t age_ms);

#endif
