/* pack_dashboards.h - validation of a pack's dashboards.json: the cockpit's
 * perspectives, layouts, modules and panels, each panel bound to a query
 * (docs/packs.md). Pure: the loader passes lookups into what the pack and
 * the store declare, so the checks need no I/O. */
#ifndef ZZ_PACK_DASHBOARDS_H
#define ZZ_PACK_DASHBOARDS_H

#include <jansson.h>

#include "core/zz.h"

struct pack_lookup {
  void *ud;
  /* the region's level ("district", "street" ...), or NULL when unknown */
  const char *(*region_level)(void *ud, const char *path);
  /* the metric's entity type, or NULL when the metric is unknown */
  const char *(*metric_type)(void *ud, const char *key);
  /* 1 when the entity type declares attr, 0 when not, -1 when the type is unknown */
  int (*type_attr)(void *ud, const char *type, const char *attr);
};

/* Checks doc (the parsed dashboards.json). Returns 0, or ZZ_EINVAL with e
 * naming the place: "dashboards.json layouts.park.modules[2].panels[0].query.metric:
 * metric \"taxes\" does not exist". */
int pack_check_dashboards(json_t *doc, const struct pack_lookup *lk, struct zz_err *e);

#endif
