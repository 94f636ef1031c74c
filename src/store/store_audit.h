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
/* Which rows store_audit_each reads; NULL or 0 members do not filter. */
struct store_audit_filter {
  int64_t before_id;  /* ids below this (cursor) */
  int limit;          /* at most this many rows (0: all) */
  const char *action; /* "user.create" exactly, or "user" for every "user.*" */
  const char *actor;  /* exactly */
  int64_t from, to;   /* ts in [from, to) (UTC ms) */
  const char *text;   /* a substring of the action, target, actor or detail */
};

/* Newest first, the rows f lets through (f may be NULL: all). fn returns
 * non-zero to stop. Returns 0 or ZZ_ESTORE. */
int store_audit_each(struct store *st, const struct store_audit_filter *f,
                     int (*fn)(void *, const struct store_audit *), void *ud);

#endif
