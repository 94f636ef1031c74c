/* campaigns_demo.h - the demo's campaigns (issue 13 §2, §3): the 限塑
 * campaign in the farmers' markets since January 2021 (the markets'
 * responsibility pledges, the stall-holders' commitments, promotion
 * activities, monthly market inspections and stall spot checks, violations
 * and their rectification, credit) and the 政法队伍教育整顿 visits of
 * spring 2021, written through the campaign and inspection engines as the
 * departments would have written them, so the same seed gives the same
 * world. */
#ifndef ZZ_DEMO_CAMPAIGNS_H
#define ZZ_DEMO_CAMPAIGNS_H

#include <stdint.h>

#include "core/zz.h"

struct store;
struct registry;

/* How many of each the generator wrote. */
struct demo_campaigns_made {
  int64_t pledges, activities, inspections, rectify, plans;
};

/* Writes the history of the pack's campaigns plastic_2021 and zfdw_2021 up
 * to now, in one transaction, unless the store holds inspections or
 * signatures already (a rerun keeps them) or the pack has neither
 * campaign. scale (1: the demo; 10: ten times the inspections and
 * activities, and as many signatures as the members allow, for the bench)
 * multiplies the volume. The engines take their time from the clock, so
 * each step runs with the clock pinned at its moment (zz_time_set_now)
 * and the clock is let go at the end; call it before the server serves.
 * Returns 0 (*made filled, zero when nothing was written) or the first
 * error (nothing written). */
int demo_campaigns_generate(struct store *st, struct registry *reg, const char *data_dir,
                            uint64_t seed, int64_t now, int scale, struct demo_campaigns_made *made,
                            struct zz_err *e);

#endif
