/* store_catalog.h - the matters catalogue: the kinds of matters (事项) people
 * report or apply for, with their departments and SLA. */
#ifndef ZZ_STORE_CATALOG_H
#define ZZ_STORE_CATALOG_H

#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_matter {
  int64_t id;
  const char *key, *name_zh, *name_en, *kind;
  const char *departments_json; /* ["police", ...] */
  int64_t sla_accept_minutes, sla_resolve_minutes;
  const char *extra_json; /* {"routes":[...], "escalate_after_minutes":N, ...} */
};

int store_matter_upsert(struct store *st, const struct store_matter *m, int64_t *out_id,
                        struct zz_err *e);
int store_matters_each(struct store *st, int (*fn)(void *, const struct store_matter *), void *ud);

#endif
