/* store_catalog.h - the storage interface of the public intake side (issue
 * 5 part B): what an Open311 report brought beyond its work order (address,
 * form attributes, the reporter's contact, a lookup token). A backend fills
 * one struct store_catalog_ops, reached as st->ops->catalog, so no SQL
 * leaves src/store/. Strings in rows passed to callbacks are the store's,
 * valid for the duration of the callback only. */
#ifndef ZZ_STORE_CATALOG_H
#define ZZ_STORE_CATALOG_H

#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_order_intake {
  int64_t order_id;
  int64_t source; /* the source whose api_key sent it, 0 for none */
  const char *token;
  const char *address;         /* may be NULL */
  const char *attributes_json; /* {"CODE": "value" | ["v", ...]} */
  const char *contact_json;    /* {"email","first_name","last_name","phone"}: never public */
  const char *media_url;       /* may be NULL */
  int64_t created;
  int public_consent; /* 1: the matter was public when it came in (Open311 GET may list it) */
};

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

struct store_catalog_ops {
  /* Inserts the intake row of an order. ZZ_EEXISTS when the order or the
   * token already has one; a store error otherwise. */
  int (*intake_insert)(struct store *st, const struct store_order_intake *in, struct zz_err *e);
  /* Calls fn with the intake row of order_id (when order_id > 0) or of
   * token (otherwise). Returns 0 (fn called), ZZ_ENOTFOUND or a store error. */
  int (*intake_get)(struct store *st, int64_t order_id, const char *token,
                    int (*fn)(void *, const struct store_order_intake *), void *ud);

  /* ZZ_EEXISTS when the order or the number already has one. */
  int (*application_insert)(struct store *st, const struct store_application *a, struct zz_err *e);
  /* By order_id (> 0) or number. 0 (fn called), ZZ_ENOTFOUND or a store error. */
  int (*application_get)(struct store *st, int64_t order_id, const char *number,
                         int (*fn)(void *, const struct store_application *), void *ud);
  /* Records (or replaces) the current file of one material. */
  int (*material_put)(struct store *st, const struct store_material *m, struct zz_err *e);
  int (*materials_each)(struct store *st, int64_t order_id,
                        int (*fn)(void *, const struct store_material *), void *ud);
  /* ZZ_EEXISTS when the sub-order was already decided. */
  int (*decision_insert)(struct store *st, const struct store_decision *d, struct zz_err *e);
  int (*decisions_each)(struct store *st, int64_t order_id,
                        int (*fn)(void *, const struct store_decision *), void *ud);
};

/* The SQLite backend's table (store_catalog.c). */
extern const struct store_catalog_ops store_sqlite_catalog_ops;

#endif
