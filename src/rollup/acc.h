/* acc.h - rollup accumulation: a hash of aggregates (count, sum, min, max,
 * last) keyed by four integers, used by the store writer to fold a batch of
 * records into bucket deltas before one upsert per bucket. Pure, no I/O. */
#ifndef ZZ_ROLLUP_ACC_H
#define ZZ_ROLLUP_ACC_H

#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"

struct rollup_key {
  int64_t a, b, c, d; /* e.g. metric, node, grain, bucket */
};

struct rollup_cell {
  struct rollup_key key;
  int64_t n;       /* records added (replacements add 0) */
  double sum;      /* sum of new values plus replacement deltas; may overflow to
                      +-inf or NaN: the store writer refuses such a cell */
  double min, max; /* over the values seen in this batch */
  double last;
  int64_t last_ts; /* INT64_MIN when no value seen */
  int recompute;   /* a value was replaced: min/max must be recomputed */
};

struct rollup_acc {
  struct zz_map cells; /* of struct rollup_cell, keyed by its rollup_key */
};

/* Initialises an empty accumulator. Returns 0 or ZZ_ENOMEM. */
int rollup_acc_init(struct rollup_acc *acc, size_t hint);
void rollup_acc_free(struct rollup_acc *acc);
void rollup_acc_clear(struct rollup_acc *acc);
/* Adds a new value at ts. Returns 0 or ZZ_ENOMEM. */
int rollup_acc_add(struct rollup_acc *acc, const struct rollup_key *k, int64_t ts, double v);
/* Records that a stored value at ts changed from old to v. */
int rollup_acc_replace(struct rollup_acc *acc, const struct rollup_key *k, int64_t ts, double old,
                       double v);
/* Folds a whole cell (as produced by another accumulator) into key k. */
int rollup_acc_merge(struct rollup_acc *acc, const struct rollup_key *k,
                     const struct rollup_cell *c);
/* Iteration: i from 0 to rollup_acc_cap(acc); returns the cell at i or NULL
 * if empty. */
static inline struct rollup_cell *rollup_acc_at(struct rollup_acc *acc, size_t i) {
  return zz_map_at(&acc->cells, i);
}
static inline size_t rollup_acc_cap(const struct rollup_acc *acc) {
  return zz_map_cap(&acc->cells);
}
/* The number of cells. */
static inline size_t rollup_acc_len(const struct rollup_acc *acc) {
  return zz_map_len(&acc->cells);
}

#endif
