/* past_alarms.h - the demo's alarms of the past: demo.json "past_alarms"
 * (docs/packs.md) names alerts that the pack's rules raised before the demo
 * began (the deep pit's rate alarms while it was dug) and how they were
 * handled. Each is written after the fact through the engines, with past
 * timestamps: the alert opened, acknowledged and cleared (rules_past_alert),
 * its work order created, dispatched to the departments named, accepted and
 * resolved by each with its note, verified and closed (workflow_act_at),
 * and the alert linked to its order. */
#ifndef ZZ_DEMO_PAST_ALARMS_H
#define ZZ_DEMO_PAST_ALARMS_H

#include <stdint.h>

#include "core/zz.h"

struct store;
struct registry;

/* Reads pack_dir/demo.json "past_alarms" and writes them with times
 * counted back from now, unless the pack has none or the first one's rule
 * has ever raised an alert on its entity (a rerun keeps what it wrote).
 * Opens its own engines (no threads) on st and reg. Returns 0 (*made:
 * alarms written) or ZZ_EINVAL naming the field ("demo.json:
 * past_alarms.alarms[2].rule: ..."), or the engines' error. */
int demo_past_alarms(const char *pack_dir, struct store *st, struct registry *reg,
                     const char *data_dir, int64_t now, int *made, struct zz_err *e);

#endif
