/* store_usage.h - how many records each source has stored, per metric,
 * for the entities of a region subtree: the base of "records returned vs
 * used" (GET /api/v1/sources/usage). Counted from the series' year rollups
 * (kept forever, one row per series and year), never by scanning records. */
#ifndef ZZ_STORE_USAGE_H
#define ZZ_STORE_USAGE_H

#include <stdint.h>

struct store;

/* Calls fn(ud, source, metric, n) once per (source id, metric id) with the
 * number n > 0 of records stored in series of that source and metric whose
 * entity lies in [rpos_lo, rpos_hi] (the region's subtree; pass 0 and
 * INT64_MAX for everything). source is 0 for series written without a
 * source (an import by an admin). fn returns non-zero to stop. Returns 0 or
 * ZZ_ESTORE. */
int store_usage_each(struct store *st, int64_t rpos_lo, int64_t rpos_hi,
                     int (*fn)(void *ud, int64_t source, int64_t metric, int64_t n), void *ud);

#endif
