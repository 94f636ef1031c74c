/* store_usage.c - the SQLite side of store_usage.h: records per (source,
 * metric) in a region, summed from the series' year rollup rows. A series
 * has one row a year, so this reads thousands of rows, not the millions of
 * records they stand for. */
#include <stdint.h>

#include "store/store_int.h"

static int usage_each(struct store *st, int64_t rpos_lo, int64_t rpos_hi,
                      int (*fn)(void *, int64_t, int64_t, int64_t), void *ud) {
  struct sq_conn *c = sq_conn_get(SQ_S(st));
  /* entity_rpos narrows to the region; srollup_series finds each series'
   * year rows */
  sqlite3_stmt *q = sq_prepare(c,
                               "SELECT coalesce(s.source, 0), s.metric, sum(r.n)"
                               " FROM entity e JOIN series s ON s.entity = e.id"
                               " JOIN srollup r ON r.series = s.id AND r.grain = ?3"
                               " WHERE e.rpos BETWEEN ?1 AND ?2"
                               " GROUP BY 1, 2 HAVING sum(r.n) > 0 ORDER BY 1, 2",
                               NULL);
  if (!q) return ZZ_ESTORE;
  sqlite3_bind_int64(q, 1, rpos_lo);
  sqlite3_bind_int64(q, 2, rpos_hi);
  sqlite3_bind_int(q, 3, ZZ_GRAIN_YEAR);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW)
    if (fn(ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2)))
      break;
  sq_release(c, q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ZZ_ESTORE;
}

const struct store_usage_ops store_sqlite_usage_ops = {
    .usage_each = usage_each,
};
