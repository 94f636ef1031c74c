/* incidents.h - the demo's staged happenings. Now and then the live feed
 * adds a record that the pack's rules treat as a warning: a fire
 * extinguisher reporting a fault, an elevator an entrapment alarm, a
 * kitchen camera two food-safety alerts. The rules open alerts and orders,
 * the cockpit's warning feed and map come alive, and the dispatch desk has
 * work. Declared in demo.json "incidents" (docs/packs.md). */
#ifndef ZZ_DEMO_INCIDENTS_H
#define ZZ_DEMO_INCIDENTS_H

#include <stdint.h>

#include "core/zz.h"
#include "demo/demo.h"
#include "store/store.h"

struct demo_incidents;

/* Reads "incidents" of pack_dir/demo.json and the entities each kind may
 * strike (from the store). *out is NULL when the pack declares none.
 * Returns 0, or ZZ_EINVAL naming the field, ZZ_ENOMEM, a store error. */
int demo_incidents_load(const char *pack_dir, struct store *st, uint64_t seed,
                        struct demo_incidents **out, struct zz_err *e);
void demo_incidents_free(struct demo_incidents *in);

/* When an incident is due at now_ms, fills *out (strings owned by in, valid
 * until the next call) and returns 1; otherwise 0. */
int demo_incidents_next(struct demo_incidents *in, int64_t now_ms, struct demo_record *out);

#endif
