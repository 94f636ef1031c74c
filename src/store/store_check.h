/* store_check.h - `zhizhi check`: verifies the stored records against what
 * was derived from them (the per-series day, month and year rollups, each
 * series' last value, the records counter, the root regions' month rollups)
 * and lists every mismatch. The raw records are read only through
 * store_records_each, so the check keeps working wherever the records live;
 * the crash tests run it on a killed server's data directory. */
#ifndef ZZ_STORE_CHECK_H
#define ZZ_STORE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"

struct store;

/* Sums are compared with this relative tolerance (of the sum of the
 * values' magnitudes): a rollup adds values in another order than a fresh
 * pass, and a replaced record's old value is subtracted again. */
#define STORE_CHECK_REL_TOL 1e-9

/* Called after each series: done of total series. */
typedef void (*store_check_progress_fn)(void *ud, int64_t done, int64_t total);

struct store_check_opts {
  /* An entity key: only its series are checked, and the store-wide counter
   * and region totals are left out. NULL: everything. */
  const char *entity;
  /* Mismatches kept in the report (counted past it); <= 0: 100. */
  int limit;
  store_check_progress_fn progress; /* may be NULL */
  void *ud;
  /* The time raw retention is measured from (0: now): a bucket that starts
   * before now - raw_days of its metric may have lost records to the
   * prune (store_records_prune) and is skipped, and so is the store-wide
   * counter once such a bucket was. */
  int64_t now;
};

/* What a mismatch is about. */
enum store_check_kind {
  STORE_CHECK_DAY = 1, /* a series' day rollup row (srollup) */
  STORE_CHECK_MONTH,   /* a series' month rollup row */
  STORE_CHECK_YEAR,    /* a series' year rollup row */
  STORE_CHECK_LAST,    /* the series row's last_ts / last_value */
  STORE_CHECK_COUNTER, /* the 'records' counter */
  STORE_CHECK_REGION   /* a root region's month rollup row (rollup) */
};

/* One disagreement: the records say expected, the derived row found. */
struct store_check_mismatch {
  enum store_check_kind kind;
  char entity[128];  /* entity key; the region's path for STORE_CHECK_REGION; "" for the counter */
  char metric[64];   /* metric key; "" for the counter */
  int64_t bucket;    /* the bucket's start (UTC ms; a local day, month or year); 0 when none */
  const char *field; /* "n", "sum", "min", "max", "last", "last_ts" (static) */
  double expected, found; /* NaN: none (no record, no row, or NULL) */
};

struct store_check_report {
  int64_t records;                    /* raw records read */
  int64_t series;                     /* series checked */
  int64_t buckets_checked;            /* rollup rows and buckets compared */
  int64_t mismatches;                 /* all of them, also those past the limit */
  struct store_check_mismatch *items; /* the first ones, at most opts->limit */
  size_t nitems;
  /* rollup rows, buckets and last values not compared because they reach
   * back past their metric's raw retention (metrics.json raw_days), the
   * records counter among them */
  int64_t buckets_skipped_retention;
};

/* Checks the store st (opened with or without a writer; a server may be
 * writing: every read is made inside one read transaction, one snapshot).
 * Returns 0 with *out filled whether or not anything disagreed (see
 * out->mismatches), or ZZ_ENOTFOUND (no such entity), ZZ_ENOMEM or
 * ZZ_ESTORE with e filled. Free out with store_check_report_free, also
 * after a failure. */
int store_check(struct store *st, const struct store_check_opts *o, struct store_check_report *out,
                struct zz_err *e);

/* Frees the items of r and empties it. */
void store_check_report_free(struct store_check_report *r);

/* "day", "month", "year", "last", "counter", "region". */
const char *store_check_kind_name(enum store_check_kind k);

#endif
