/* applications_int.h - what the files of src/applications/ share: the
 * matter as the catalog declares it, and copies of an application's and an
 * order's rows that outlive the store's callbacks. */
#ifndef ZZ_APPLICATIONS_INT_H
#define ZZ_APPLICATIONS_INT_H

#include <stdint.h>

#include "applications/applications.h"

struct json_t;

/* The matter `key` as one JSON object {"id","name_zh","name_en","kind",
 * "departments":[...], and its extra members (form, materials, steps,
 * channels...)}; the caller json_decrefs it. NULL when there is none. */
struct json_t *app_matter_load(struct applications *ap, const char *key);
/* The declaration of material id in matter m ("materials"), or NULL. */
struct json_t *app_material_decl(struct json_t *m, const char *id);
/* Member k of object o when it is a string, else NULL. */
const char *app_str(const struct json_t *o, const char *k);

struct app_copy {
  int64_t order_id, created;
  char number[APPLICATION_NUMBER_LEN + 1];
};
/* The application numbered number (checked for its form first): 0, or
 * ZZ_ENOTFOUND ("number") in e. */
int app_find(struct applications *ap, const char *number, struct app_copy *out, struct zz_err *e);
/* The application of joint order order_id: 0 or ZZ_ENOTFOUND (e untouched). */
int app_of_order(struct applications *ap, int64_t order_id, struct app_copy *out);

struct order_copy {
  int64_t id, parent, resolved_at, created;
  char state[24], department[64], matter[65];
  int found;
  int allowed; /* what the authorization callback said (1 when none) */
};
/* Copies o into c (found set). */
void app_order_copy(struct order_copy *c, const struct store_order *o);
/* Copies order id into out (out->found 0 when there is none), asking
 * allow (may be NULL) whether the caller may act on it. Returns 0 or the
 * store's error. */
int app_order_load(struct applications *ap, int64_t id, application_authz_fn allow, void *ud,
                   struct order_copy *out);

/* Staff's access to an application's applicant and materials: order
 * exists (else ZZ_ENOTFOUND, "id") and may_see allows it (else
 * ZZ_EFORBIDDEN). Returns 0 or the error in e. */
int app_staff_allowed(struct applications *ap, int64_t order, application_authz_fn may_see,
                      void *ud, struct zz_err *e);

#endif
