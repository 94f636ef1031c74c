/* rank.c - ranking entities by value: the comparison every top-N uses
 * (NaN last, ties by id) and a bounded heap keeping the k best of n. */
#include "rollup/query.h"

#include <math.h>
#include <stdlib.h>

int rollup_item_cmp(const struct rollup_item *x, const struct rollup_item *y) {
  int xn = isnan(x->v), yn = isnan(y->v);
  if (xn != yn) return xn ? 1 : -1;
  if (!xn && x->v != y->v) return x->v > y->v ? -1 : 1;
  return x->entity < y->entity ? -1 : x->entity > y->entity;
}

static int item_qsort_cmp(const void *a, const void *b) {
  return rollup_item_cmp(a, b);
}

static void item_swap(struct rollup_item *a, struct rollup_item *b) {
  struct rollup_item t = *a;
  *a = *b;
  *b = t;
}

/* Heap of the k best so far with the worst at the root. */
static void heap_down(struct rollup_item *h, size_t k, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < k && rollup_item_cmp(&h[l], &h[w]) > 0) w = l;
    if (r < k && rollup_item_cmp(&h[r], &h[w]) > 0) w = r;
    if (w == i) return;
    item_swap(&h[i], &h[w]);
    i = w;
  }
}

size_t rollup_top_k(struct rollup_item *items, size_t n, size_t k) {
  if (k > n) k = n;
  if (k == 0) return 0;
  for (size_t i = k / 2; i-- > 0;) heap_down(items, k, i);
  for (size_t i = k; i < n; i++) {
    if (rollup_item_cmp(&items[i], &items[0]) < 0) {
      item_swap(&items[i], &items[0]);
      heap_down(items, k, 0);
    }
  }
  if (k) qsort(items, k, sizeof *items, item_qsort_cmp);
  return k;
}
