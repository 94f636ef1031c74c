/* acc.c - open-addressing hash of rollup cells (linear probing, grows at 50%
 * load). The writer clears it after every transaction, so it never shrinks. */
#include "rollup/acc.h"

#include <math.h>
#include <string.h>

#include "core/zz.h"

static uint64_t hash_key(const struct rollup_key *k) {
  uint64_t h = (uint64_t)k->a * 0x9E3779B97F4A7C15ULL;
  h ^= (uint64_t)k->b + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
  h ^= (uint64_t)k->c * 0xC2B2AE3D27D4EB4FULL + (h << 6) + (h >> 2);
  h ^= (uint64_t)k->d * 0x165667B19E3779F9ULL + (h << 6) + (h >> 2);
  h ^= h >> 31;
  return h * 0x94D049BB133111EBULL;
}

static int key_eq(const struct rollup_key *x, const struct rollup_key *y) {
  return x->a == y->a && x->b == y->b && x->c == y->c && x->d == y->d;
}

int rollup_acc_init(struct rollup_acc *acc, size_t hint) {
  size_t cap = 64;
  while (cap < hint * 2) cap *= 2;
  acc->cells = zz_calloc(cap, sizeof *acc->cells);
  if (!acc->cells) return ZZ_ENOMEM;
  acc->cap = cap;
  acc->len = 0;
  return 0;
}

void rollup_acc_free(struct rollup_acc *acc) {
  zz_free(acc->cells);
  acc->cells = NULL;
  acc->cap = acc->len = 0;
}

void rollup_acc_clear(struct rollup_acc *acc) {
  if (acc->len) memset(acc->cells, 0, acc->cap * sizeof *acc->cells);
  acc->len = 0;
}

static int grow(struct rollup_acc *acc) {
  struct rollup_acc bigger;
  int rc = rollup_acc_init(&bigger, acc->cap);
  if (rc) return rc;
  for (size_t i = 0; i < acc->cap; i++) {
    if (!acc->cells[i].used) continue;
    size_t j = hash_key(&acc->cells[i].key) & (bigger.cap - 1);
    while (bigger.cells[j].used) j = (j + 1) & (bigger.cap - 1);
    bigger.cells[j] = acc->cells[i];
  }
  bigger.len = acc->len;
  zz_free(acc->cells);
  *acc = bigger;
  return 0;
}

/* Returns the cell for k, creating an empty one; NULL when out of memory. */
static struct rollup_cell *cell_for(struct rollup_acc *acc, const struct rollup_key *k) {
  if ((acc->len + 1) * 2 > acc->cap && grow(acc)) return NULL;
  size_t i = hash_key(k) & (acc->cap - 1);
  while (acc->cells[i].used) {
    if (key_eq(&acc->cells[i].key, k)) return &acc->cells[i];
    i = (i + 1) & (acc->cap - 1);
  }
  struct rollup_cell *c = &acc->cells[i];
  c->used = 1;
  c->key = *k;
  c->n = 0;
  c->sum = 0;
  c->min = INFINITY;
  c->max = -INFINITY;
  c->last = 0;
  c->last_ts = INT64_MIN;
  c->recompute = 0;
  acc->len++;
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
