/* store_sort.c - a stable merge sort of record batches by (entity, metric,
 * ts). Callers sort on their own threads before queueing a batch, so the
 * writer inserts each series' records next to each other in the B-tree;
 * stability keeps the last of two records with the same key the winner. */
#include <string.h>

#include "store/store_records.h"

static int rec_less(const struct store_record *a, const struct store_record *b) {
  if (a->entity != b->entity) return a->entity < b->entity;
  if (a->metric != b->metric) return a->metric < b->metric;
  return a->ts < b->ts;
}

int store_records_sort(struct store_record *recs, size_t n) {
  if (n < 2) return 0;
  /* already in order (a single series, or a sorted file): nothing to do */
  size_t i = 1;
  while (i < n && !rec_less(&recs[i], &recs[i - 1])) i++;
  if (i == n) return 0;
  struct store_record *tmp = zz_malloc(n * sizeof *tmp);
  if (!tmp) return ZZ_ENOMEM;
  struct store_record *src = recs, *dst = tmp;
  /* bottom-up: runs of 1, 2, 4 ... merged from src into dst, then swapped */
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = ZZ_MIN(lo + width, n), hi = ZZ_MIN(lo + 2 * width, n);
      size_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi) dst[k++] = rec_less(&src[b], &src[a]) ? src[b++] : src[a++];
      while (a < mid) dst[k++] = src[a++];
      while (b < hi) dst[k++] = src[b++];
    }
    struct store_record *t = src;
    src = dst;
    dst = t;
  }
  if (src != recs) memcpy(recs, src, n * sizeof *recs);
  zz_free(tmp);
  return 0;
}
