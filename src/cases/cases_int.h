/* cases_int.h - what the files of src/cases/ share: the programme's kinds
 * (pack data), the checks of a request body's members, the audit of a read
 * and the masked phone the lists show. */
#ifndef ZZ_CASES_INT_H
#define ZZ_CASES_INT_H

#include <jansson.h>
#include <stdint.h>

#include "cases/cases.h"

/* The programme's list for a timeline class (contacts, services,
 * activities, outcomes, applications; intentions for "intention"), or
 * NULL. Borrowed from prog. */
json_t *cases_kinds_of(json_t *prog, const char *klass);
/* The kind object named id in list, or NULL. Borrowed. */
json_t *cases_kind_find(json_t *list, const char *id);
/* The string member k of o, or NULL. */
const char *cases_str(const json_t *o, const char *k);
/* An optional string member k of at most max bytes into *out (NULL when
 * absent): 0, or ZZ_EINVAL naming k. */
int cases_opt_str(const json_t *o, const char *k, size_t max, const char **out, struct zz_err *e);
/* An optional time member k (RFC 3339, or YYYY-MM-DD at local midnight)
 * into *out (unchanged when absent): 0, or ZZ_EINVAL naming k. */
int cases_opt_time(const json_t *o, const char *k, int64_t *out, struct zz_err *e);
/* 1 for a mainland mobile number: 11 digits starting with 1. */
int cases_phone_ok(const char *p);
/* Writes the audit row of a read by who; 0 or the store's error (the read
 * is then refused). */
int cases_audit(struct cases *cs, const struct case_actor *who, const char *action,
                const char *target, const char *detail, struct zz_err *e);
/* The member "street": {"path","name_zh","name_en"} of region (a street
 * or the district) into the object open in j. */
void cases_street_json(struct cases *cs, struct zz_json *j, int64_t region);

#endif
