/* matter_json.h - the one way a matter is written into a JSON answer, for
 * every list of matters (the admin list, the public catalog, a scanned
 * code's page): each reads its matters from its own copy (the store's rows,
 * the workflow's cache) into a matter_view and writes it here, choosing
 * which parts it publishes. */
#ifndef ZZ_MATTER_JSON_H
#define ZZ_MATTER_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

struct json_t;

/* A matter as its reader has it. Strings NULL are written as null. */
struct matter_view {
  const char *key, *name_zh, *name_en, *kind;
  /* departments: the list, or (depts NULL) the store's JSON array text */
  const char *const *depts;
  int ndepts;
  const char *depts_json;
  int64_t sla_accept_minutes, sla_resolve_minutes;
  const struct json_t *extra; /* the catalog row's extra object, or NULL */
};

/* What matter_json writes besides id, name_zh, name_en and kind. */
enum {
  MATTER_JSON_PUBLIC = 1,  /* "public": extra's public flag as a boolean */
  MATTER_JSON_ROUTING = 2, /* "departments", "sla_accept_minutes", "sla_resolve_minutes" */
  MATTER_JSON_EXTRA = 4,   /* every member of extra, in its order: the whole stored definition */
};

/* Writes one matter object: "id", "name_zh", "name_en", "kind", then the
 * parts `what` asks for in the order above, then each member of extra named
 * in extra_keys (null when extra has none), in that order (with
 * MATTER_JSON_EXTRA, extra_keys is not needed: pass NULL, 0). Errors stay in
 * j (zz_json_error): departments text that is not JSON fails it. */
void matter_json(struct zz_json *j, const struct matter_view *m, unsigned what,
                 const char *const *extra_keys, size_t nkeys);

#endif
