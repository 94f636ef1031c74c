/* pack_cases.h - validation of a pack's cases.json: case programmes
 * (个案, e.g. 心花绽放) with their owner department, quiet-file timer and
 * follow-up matter, and the kinds of intention, contact, service,
 * activity and outcome (docs/packs.md). Pure: the loader passes lookups. */
#ifndef ZZ_PACK_CASES_H
#define ZZ_PACK_CASES_H

#include <jansson.h>

#include "core/zz.h"

struct pack_cases_lookup {
  void *ud;
  int (*department)(void *ud, const char *key); /* 1 when it exists */
  int (*matter)(void *ud, const char *key);     /* 1 when it exists */
};

/* Checks doc (the parsed cases.json). Returns 0, or ZZ_EINVAL with e naming
 * the place: "cases.json programs[0].services[2].id: ...". */
int pack_check_cases(const json_t *doc, const struct pack_cases_lookup *lk, struct zz_err *e);

#endif
