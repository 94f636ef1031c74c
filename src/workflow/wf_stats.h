/* wf_stats.h - order statistics for the statistics page and its exports:
 * orders, closed, open, overdue, on-time rate and mean satisfaction over a
 * span, by department, matter and child region, each beside the same span
 * one year earlier (同比). The counting is SQL in the store
 * (store_order_tally); this engine names the groups, maps region positions
 * to child regions and does the arithmetic. */
#ifndef ZZ_WF_STATS_H
#define ZZ_WF_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"
#include "store/store_orders.h"

struct store;
struct registry;
struct workflow;

/* Counters of one group (see struct store_order_tally). */
struct wf_stats_counts {
  int64_t n, closed, open, overdue, with_sla, on_time, rated, rating_sum;
};

struct wf_stats_row {
  char key[128]; /* department or matter key, region path */
  char name_zh[128], name_en[128];
  struct wf_stats_counts cur, last; /* the span and the span a year earlier */
};

enum wf_stats_group { WF_STATS_DEPARTMENT, WF_STATS_MATTER, WF_STATS_REGION, WF_STATS_NGROUPS };

struct wf_stats {
  int64_t from, to, last_from, last_to;
  struct wf_stats_row total;
  struct wf_stats_row *rows[WF_STATS_NGROUPS]; /* sorted by orders, then key */
  size_t nrows[WF_STATS_NGROUPS];
};

/* What to count: orders created in [from, to) in region (id, its interval;
 * id 0 with lo = hi = 0: the whole district, by its root regions), and for
 * an officer only the orders of department (NULL: every department). */
struct wf_stats_query {
  int64_t from, to;
  int64_t region, rpos_lo, rpos_hi;
  const char *department;
};

/* Fills out (the caller's, zeroed; wf_stats_free frees its rows). The
 * region groups are region's children; orders placed on region itself form
 * a row of their own keyed by region's path. Returns 0, or ZZ_ENOMEM /
 * ZZ_ESTORE with e set. */
int wf_stats_compute(struct store *st, struct registry *reg, struct workflow *wf,
                     const struct wf_stats_query *q, struct wf_stats *out, struct zz_err *e);
void wf_stats_free(struct wf_stats *s);

/* The arithmetic, pure. */
/* part / whole, NAN when whole is 0. */
double wf_stats_rate(int64_t part, int64_t whole);
/* On-time rate: done by the deadline of those done that had one; NAN when none. */
double wf_stats_on_time_rate(const struct wf_stats_counts *c);
/* Mean rating (1-5) of the rated orders; NAN when none was rated. */
double wf_stats_satisfaction(const struct wf_stats_counts *c);
/* Change from last to now in percent; NAN when last is 0. */
double wf_stats_change_pct(int64_t now, int64_t last);
/* acc += t's counters. */
void wf_stats_add(struct wf_stats_counts *acc, const struct store_order_tally *t);

#endif
