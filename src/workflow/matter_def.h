/* matter_def.h - the form of a matter (事项) as matters.json and the admin
 * API write it (docs/packs.md): pure checks shared by the pack loader and
 * the API. Department ids are checked for form here; callers check that
 * they exist. */
#ifndef ZZ_MATTER_DEF_H
#define ZZ_MATTER_DEF_H

#include "core/zz.h"
#include "store/store_catalog.h"

struct json_t;

/* Checks one matter object. Returns 0, or ZZ_EINVAL with e->field naming the
 * member ("departments[1]", "sla_accept_minutes") and e->msg a sentence
 * without the location. */
int matter_check(const struct json_t *m, struct zz_err *e);
/* The members matter_check knows; everything else of a matter object goes
 * to its extra JSON (forms and materials). */
int matter_known_member(const char *key);

/* 1 when the matter (the whole object, or its extra JSON) is offered at
 * region_path: it names no "regions", or one of them is region_path or
 * above it ("gongshu/kejipark" offers in "gongshu/kejipark/wanggu"). */
int matter_offered_in(const struct json_t *matter, const char *region_path);

/* Fills *out from a checked matter; *deps_json and *extra_json are JSON
 * texts the caller frees with free() (jansson's allocator). out's strings
 * point into m and those texts. Returns 0 or ZZ_ENOMEM. */
struct store_matter;
int matter_to_store(const struct json_t *m, struct store_matter *out, char **deps_json,
                    char **extra_json);

#endif
