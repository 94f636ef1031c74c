/* store_applications.h - applications (joint approvals): the application
 * behind an order, its materials' current files and each department's
 * decision. */
#ifndef ZZ_STORE_APPLICATIONS_H
#define ZZ_STORE_APPLICATIONS_H

#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_application {
  int64_t order_id;
  const char *number;         /* public, unguessable */
  const char *applicant_json; /* {"name","phone","company"}: never public */
  const char *form_json;
  int64_t created;
};

struct store_material {
  int64_t id, order_id;
  const char *material, *mime, *path; /* path relative to the data dir */
  int64_t size, ts;
  int64_t replaced; /* times replaced (read by materials_each) */
};

struct store_decision {
  int64_t sub_order, order_id;
  const char *department, *decision, *note, *actor; /* decision: "approve" or "reject" */
  int64_t ts;
};

/* ZZ_EEXISTS when the order or the number already has one. */
int store_application_insert(struct store *st, const struct store_application *a, struct zz_err *e);
/* By order_id (> 0) or number. 0 (fn called), ZZ_ENOTFOUND or a store error. */
int store_application_get(struct store *st, int64_t order_id, const char *number,
                          int (*fn)(void *, const struct store_application *), void *ud);
/* Records (or replaces) the current file of one material. */
int store_material_put(struct store *st, const struct store_material *m, struct zz_err *e);
int store_materials_each(struct store *st, int64_t order_id,
                         int (*fn)(void *, const struct store_material *), void *ud);
/* ZZ_EEXISTS when the sub-order was already decided. */
int store_decision_insert(struct store *st, const struct store_decision *d, struct zz_err *e);
int store_decisions_each(struct store *st, int64_t order_id,
                         int (*fn)(void *, const struct store_decision *), void *ud);

#endif
