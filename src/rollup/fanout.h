/* fanout.h - which rollup rows a value goes into: its region and every
 * ancestor at the grains minute, hour, day and month (minute and hour only
 * within their retention), and its series at day, month and year. Pure: no
 * I/O, no store types. The store writer folds a transaction's records per
 * leaf key (rollup_region_leaf, rollup_series_leaf) and asks here, once per
 * leaf cell and inside the same transaction, which rows to add it to. */
#ifndef ZZ_ROLLUP_FANOUT_H
#define ZZ_ROLLUP_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include "rollup/acc.h"

/* Rows kept per grain: minute 48 h, hour 400 days, day and month forever. */
#define ROLLUP_KEEP_MINUTE_MS (48LL * 3600 * 1000)
#define ROLLUP_KEEP_HOUR_MS (400LL * 86400 * 1000)

/* Region levels a value is rolled up into, its own region first; a deeper
 * tree's top levels are left out. */
#define ROLLUP_DEPTH_MAX 16
/* Grains of the region rollups (minute, hour, day, month) and of the series
 * rollups (day, month, year). */
#define ROLLUP_REGION_GRAINS 4
#define ROLLUP_SERIES_GRAINS 3
#define ROLLUP_REGION_KEYS_MAX (ROLLUP_DEPTH_MAX * ROLLUP_REGION_GRAINS)

/* Keys, in the order of the store's rollup tables:
 *   region rollup row: a = metric, b = region node, c = grain, d = bucket start
 *   series rollup row: a = metric, b = grain, c = bucket start, d = series
 *   region leaf:       a = metric, b = region, c = minute or leaf bucket, d = 0
 *   series leaf:       a = metric, b = series, c = day start, d = 0 */

/* The leaf keys a record of metric at ts, for series in region, is folded
 * under (layouts above): its minute, its day. Fanned out at any later time,
 * a minute leaf gives the rows of the record itself. */
struct rollup_key rollup_region_leaf(int64_t metric, int64_t region, int64_t ts);
struct rollup_key rollup_series_leaf(int64_t metric, int64_t series, int64_t ts);

/* For loads of history (the rollup rebuild): the bucket a value at ts may be
 * folded under when it is fanned out at time now: its minute; for a minute
 * past the minute retention its hour, and past the hour retention its day,
 * so that years fold into far fewer cells. Fanned out at the same now, every
 * ts with one leaf bucket gives the rows of the value itself; the leaf
 * bucket of a leaf bucket is itself. (Fanned out later, an hour leaf that
 * has meanwhile crossed the hour retention loses its hour row: a row that
 * the next prune deletes and no query reads.) */
int64_t rollup_leaf_bucket(int64_t ts, int64_t now);

/* Writes to out the keys of the region rollup rows that a value of metric at
 * ts goes into, written at time now: for each grain, minute only while ts's
 * minute is within ROLLUP_KEEP_MINUTE_MS of now (hour: ROLLUP_KEEP_HOUR_MS),
 * one key per node of path (the value's region, its parent, ... up to the
 * root; at most ROLLUP_DEPTH_MAX are used, and a 0 ends the path early).
 * ts may be the value's time or its leaf bucket. Returns the number of keys
 * written, at most ROLLUP_REGION_KEYS_MAX, grain by grain from minute. */
size_t rollup_region_keys(int64_t metric, const int64_t *path, size_t depth, int64_t ts,
                          int64_t now, struct rollup_key out[ROLLUP_REGION_KEYS_MAX]);

/* Writes to out the keys of the series rollup rows (day, month, year) that a
 * value of metric at ts for series goes into. Returns ROLLUP_SERIES_GRAINS. */
size_t rollup_series_keys(int64_t metric, int64_t series, int64_t ts,
                          struct rollup_key out[ROLLUP_SERIES_GRAINS]);

#endif
