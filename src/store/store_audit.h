/* store_audit.h - the admin audit trail, append only. */
#ifndef ZZ_STORE_AUDIT_H
#define ZZ_STORE_AUDIT_H

#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_audit {
  int64_t id, ts;
  const char *actor, *action, *target, *detail_json;
};

int store_audit_insert(struct store *st, const struct store_audit *a, struct zz_err *e);
/* Newest first, ids below before_id (0: from the top). */
int store_audit_each(struct store *st, int64_t before_id, int limit,
                     int (*fn)(void *, const struct store_audit *), void *ud);

#endif
