/* store_rebuild.h - recomputing rollups from records: `zhizhi rollup
 * rebuild` repairs a damaged store (a rollup row edited, lost or written by
 * an older version) by deleting the rollups of a metric and time range and
 * folding every stored record of that range in again, as the writer does. */
#ifndef ZZ_STORE_REBUILD_H
#define ZZ_STORE_REBUILD_H

#include <stdint.h>

#include "core/zz.h"

struct store;

/* Called after each series is folded in: done of total series. */
typedef void (*store_rebuild_progress_fn)(void *ud, int64_t done, int64_t total);

struct store_rebuild_stats {
  int64_t series, records;
  int64_t from, to; /* the range rebuilt, widened to whole local years */
};

/* Rebuilds the rollups of metric (its key; NULL for every metric) over
 * [from, to) (INT64_MIN / INT64_MAX for unbounded), widened to whole local
 * years because a year's row sums all of its days. One transaction: readers
 * see the old rollups until it commits, and a failure changes nothing.
 * Needs a store opened with a writer. Returns 0 with *out filled, or
 * ZZ_ENOTFOUND (no such metric), ZZ_EINVAL (from not before to, or a sum
 * past the range of a double), ZZ_EFULL, ZZ_ESTORE with e filled. */
int store_rollup_rebuild(struct store *st, const char *metric, int64_t from, int64_t to,
                         store_rebuild_progress_fn progress, void *ud,
                         struct store_rebuild_stats *out, struct zz_err *e);

#endif
