/* pack.h - the scenario-pack loader. A pack is a directory of JSON files
 * (docs/packs.md) that declares regions, departments, entity types, metrics,
 * sources and entities; pack_load validates all of it and then upserts it
 * into the store in one transaction, so a pack either loads whole or not at
 * all. The registry is reloaded by the caller afterwards (registry_reload). */
#ifndef ZZ_PACK_H
#define ZZ_PACK_H

#include <stdint.h>

#include "core/zz.h"
#include "store/store.h"

/* What one load upserted, counted from the pack's files. */
struct pack_stats {
  int regions, metrics, entity_types, departments, sources;
  int64_t entities;
};

/* Loads (idempotently: upserts by id) the pack in dir into the store,
 * validating first; on any problem nothing is written and e names the file
 * and the field or line, e.g. "entities.ndjson line 12: region
 * \"gongshu/nowhere\" does not exist" or "metrics.json [3].agg: must be one
 * of sum, avg, min, max, last, count". progress(ud, done, total) is called
 * during the entity load (may be NULL). Returns 0 and fills *out (may be
 * NULL), or a ZZ_E* code: ZZ_ENOTFOUND (a pack file is missing), ZZ_EINVAL
 * (bad content), ZZ_ETOOBIG (a file or an entities.ndjson line over its cap),
 * ZZ_EIO, ZZ_ENOMEM or a store error. Prints nothing. Region positions (the
 * DFS intervals of every region in the store) and the rpos of every entity
 * are recomputed in the same transaction. */
int pack_load(struct store *st, const char *dir, struct pack_stats *out,
              void (*progress)(void *ud, int64_t done, int64_t total), void *ud, struct zz_err *e);

#endif
