/* store_codes.h - customer and enterprise codes (码) bound to entities,
 * scan counts per code and local day, and the receipts that tie a public
 * submission to its work order and keep the reporter's phone. */
#ifndef ZZ_STORE_CODES_H
#define ZZ_STORE_CODES_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_code {
  int64_t id;
  const char *token, *kind, *entity, *entity_type, *state; /* state: active or revoked */
  int64_t region, rpos, created, revoked_at, replaced_by;  /* 0 for none */
};

struct store_code_filter {
  const char *kind, *state, *entity_type, *entity; /* NULL: any */
  int64_t rpos_lo, rpos_hi;                        /* 0, 0: any */
  int64_t after_id;                                /* cursor: ids above this (oldest first) */
  int limit;
};

struct store_receipt {
  const char *receipt;
  int64_t order_id, code; /* code 0: none */
  const char *phone;      /* may be NULL */
  int64_t created;
  int public_consent; /* 1: the form said the matter was public (Open311 GET may list it) */
};

/* Inserts an active code unless (entity, kind) already has one: then
 * *out_id is the existing code's id and *created 0. */
int store_code_insert(struct store *st, const struct store_code *c, int64_t *out_id, int *created,
                      struct zz_err *e);
/* Finds one code by token (id 0) or id; ZZ_ENOTFOUND when none. */
int store_code_get(struct store *st, const char *token, int64_t id,
                   int (*fn)(void *, const struct store_code *), void *ud);
/* Oldest first. */
int store_codes_each(struct store *st, const struct store_code_filter *f,
                     int (*fn)(void *, const struct store_code *), void *ud);
/* Revokes active code id at now; with a replacement (c non-NULL) inserts
 * it in the same transaction and links it. ZZ_ECONFLICT when id is not
 * active; *out_id the new code's id. */
int store_code_revoke(struct store *st, int64_t id, int64_t now, const struct store_code *c,
                      int64_t *out_id, struct zz_err *e);
/* Adds one scan to (code, day) where day is the local day's first ms. */
int store_code_scan(struct store *st, int64_t code, int64_t day, struct zz_err *e);
/* Scan counts of code newest day first (at most limit days). */
int store_code_scans_each(struct store *st, int64_t code, int limit,
                          int (*fn)(void *, int64_t day, int64_t n), void *ud);
int store_receipt_insert(struct store *st, const struct store_receipt *in, struct zz_err *e);
/* By receipt (order_id 0) or by order id; ZZ_ENOTFOUND when none. */
int store_receipt_get(struct store *st, const char *receipt, int64_t order_id,
                      int (*fn)(void *, const struct store_receipt *), void *ud);

#endif
