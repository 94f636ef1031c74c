/* pack_campaigns.h - validation of a pack's campaigns.json: the inspection
 * checklists (items with their system, rectification days and credit
 * points) and the campaigns (限塑, 政法队伍教育整顿 ...) with their department,
 * period, participants and members, systems, pledges, checklists,
 * activities, credit base and plans (docs/packs.md). Pure: the loader passes
 * lookups into what the pack and the store declare. */
#ifndef ZZ_PACK_CAMPAIGNS_H
#define ZZ_PACK_CAMPAIGNS_H

#include <jansson.h>

#include "core/zz.h"

struct pack_campaigns_lookup {
  void *ud;
  int (*department)(void *ud, const char *key); /* 1 when it exists */
  /* 1 when entity type `type` declares attribute attr, 0 when not, -1 when
   * the type does not exist; attr "" asks only whether the type exists
   * (then 0 or 1 when it does, -1 when not) */
  int (*type_attr)(void *ud, const char *type, const char *attr);
  int (*region)(void *ud, const char *path); /* 1 when the region exists */
};

/* Checks doc (the parsed campaigns.json). Returns 0, or ZZ_EINVAL with e
 * naming the place in field and both sentences:
 * "campaigns.json campaigns[0].pledges[1].signer: ...". */
int pack_check_campaigns(const json_t *doc, const struct pack_campaigns_lookup *lk,
                         struct zz_err *e);

#endif
