/* acc.c - rollup cells in the core hash map (core/hash.h), keyed by their
 * four integers. The writer clears it after every transaction, so it never
 * shrinks. */
#include "rollup/acc.h"

#include <math.h>
#include "core/zz.h"

int rollup_acc_init(struct rollup_acc *acc, size_t hint) {
  zz_map_init(&acc->cells, sizeof(struct rollup_cell), sizeof(struct rollup_key), NULL);
  return zz_map_reserve(&acc->cells, hint > 32 ? hint : 32);
}

void rollup_acc_free(struct rollup_acc *acc) {
  zz_map_free(&acc->cells);
}

void rollup_acc_clear(struct rollup_acc *acc) {
  zz_map_clear(&acc->cells);
}

/* Returns the cell for k, creating an empty one; NULL when out of memory. */
static struct rollup_cell *cell_for(struct rollup_acc *acc, const struct rollup_key *k) {
  int added;
  struct rollup_cell *c = zz_map_put(&acc->cells, k, &added);
  if (c && added) {
    c->min = INFINITY;
    c->max = -INFINITY;
    c->last_ts = INT64_MIN;
  }
  return c;
}

static void see(struct rollup_cell *c, int64_t ts, double v) {
  if (v < c->min) c->min = v;
  if (v > c->max) c->max = v;
  if (ts >= c->last_ts) {
    c->last_ts = ts;
    c->last = v;
  }
}

int rollup_acc_add(struct rollup_acc *acc, const struct rollup_key *k, int64_t ts, double v) {
  struct rollup_cell *c = cell_for(acc, k);
  if (!c) return ZZ_ENOMEM;
  c->n++;
  c->sum += v;
  see(c, ts, v);
  return 0;
}

int rollup_acc_replace(struct rollup_acc *acc, const struct rollup_key *k, int64_t ts, double old,
                       double v) {
  struct rollup_cell *c = cell_for(acc, k);
  if (!c) return ZZ_ENOMEM;
  c->sum += v - old;
  see(c, ts, v);
  if (v != old) c->recompute = 1;
  return 0;
}

int rollup_acc_merge(struct rollup_acc *acc, const struct rollup_key *k,
                     const struct rollup_cell *src) {
  struct rollup_cell *c = cell_for(acc, k);
  if (!c) return ZZ_ENOMEM;
  c->n += src->n;
  c->sum += src->sum;
  if (src->min < c->min) c->min = src->min;
  if (src->max > c->max) c->max = src->max;
  if (src->last_ts >= c->last_ts && src->last_ts != INT64_MIN) {
    c->last_ts = src->last_ts;
    c->last = src->last;
  }
  c->recompute |= src->recompute;
  return 0;
}
