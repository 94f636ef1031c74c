/* fanout.c - the rollup fan-out policy (fanout.h): grains, retention and
 * ancestors. The store writer applies it per leaf cell in its transaction;
 * tests/unit/test_rollup.c checks it against the plain per-record rule. */
#include "rollup/fanout.h"

#include "core/ztime.h"
#include "core/zz.h"

static const enum zz_grain region_grains[ROLLUP_REGION_GRAINS] = {ZZ_GRAIN_MINUTE, ZZ_GRAIN_HOUR,
                                                                  ZZ_GRAIN_DAY, ZZ_GRAIN_MONTH};
static const enum zz_grain series_grains[ROLLUP_SERIES_GRAINS] = {ZZ_GRAIN_DAY, ZZ_GRAIN_MONTH,
                                                                  ZZ_GRAIN_YEAR};

int64_t rollup_leaf_bucket(int64_t ts, int64_t now) {
  int64_t minute = zz_bucket_start(ts, ZZ_GRAIN_MINUTE);
  if (minute >= now - ROLLUP_KEEP_MINUTE_MS) return minute;
  if (minute < now - ROLLUP_KEEP_HOUR_MS) return zz_bucket_start(ts, ZZ_GRAIN_DAY);
  /* An hour that straddles the hour retention keeps its minutes apart: its
   * early minutes get no hour row, its late ones do. */
  int64_t hour = zz_bucket_start(ts, ZZ_GRAIN_HOUR);
  return hour >= now - ROLLUP_KEEP_HOUR_MS ? hour : minute;
}

struct rollup_key rollup_region_leaf(int64_t metric, int64_t region, int64_t ts) {
  return (struct rollup_key){metric, region, zz_bucket_start(ts, ZZ_GRAIN_MINUTE), 0};
}

struct rollup_key rollup_series_leaf(int64_t metric, int64_t series, int64_t ts) {
  return (struct rollup_key){metric, series, zz_bucket_start(ts, ZZ_GRAIN_DAY), 0};
}

size_t rollup_region_keys(int64_t metric, const int64_t *path, size_t depth, int64_t ts,
                          int64_t now, struct rollup_key out[ROLLUP_REGION_KEYS_MAX]) {
  if (depth > ROLLUP_DEPTH_MAX) depth = ROLLUP_DEPTH_MAX;
  /* Retention goes by the minute of ts; for a leaf bucket that is its
   * start, which is past a limit exactly when each of its minutes is
   * (rollup_leaf_bucket does not join minutes on both sides of one). */
  int64_t minute = zz_bucket_start(ts, ZZ_GRAIN_MINUTE);
  size_t n = 0;
  for (size_t g = 0; g < ROLLUP_REGION_GRAINS; g++) {
    enum zz_grain gr = region_grains[g];
    /* Rows past their retention would be pruned at once: a history load
     * skips them rather than write and delete them. */
    if (gr == ZZ_GRAIN_MINUTE && minute < now - ROLLUP_KEEP_MINUTE_MS) continue;
    if (gr == ZZ_GRAIN_HOUR && minute < now - ROLLUP_KEEP_HOUR_MS) continue;
    int64_t bucket = zz_bucket_start(minute, gr);
    for (size_t i = 0; i < depth && path[i]; i++)
      out[n++] = (struct rollup_key){metric, path[i], gr, bucket};
  }
  return n;
}

size_t rollup_series_keys(int64_t metric, int64_t series, int64_t ts,
                          struct rollup_key out[ROLLUP_SERIES_GRAINS]) {
  for (size_t g = 0; g < ROLLUP_SERIES_GRAINS; g++)
    out[g] = (struct rollup_key){metric, series_grains[g], zz_bucket_start(ts, series_grains[g]),
                                 series};
  return ROLLUP_SERIES_GRAINS;
}
