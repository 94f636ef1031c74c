/* codes.h - customer and enterprise codes (顾客码/企业码): unguessable
 * tokens bound to entities, their generation for a region, QR rendering
 * (libqrencode to SVG and PNG), receipts for public submissions, and the
 * pure check of a submission against a matter's form (matters.json "form",
 * docs/packs.md). The HTTP side is src/api/codes_admin.c and
 * codes_public.c; reports are src/intake/. */
#ifndef ZZ_CODES_H
#define ZZ_CODES_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/zz.h"
#include "model/registry.h"
#include "store/store.h"

struct json_t;

/* A token: 16 random bytes (128 bits) as URL-safe base64, 22 characters. */
#define CODE_TOKEN_LEN 22
/* A receipt: 10 characters of a 32-letter alphabet (50 random bits). */
#define CODE_RECEIPT_LEN 10
/* Text fields of a submission: at most this many bytes unless the form says less. */
#define CODE_TEXT_MAX 2000

/* Fills out (at least CODE_TOKEN_LEN + 1 bytes) with a new token. */
void code_token_new(char *out);
/* Fills out (at least CODE_RECEIPT_LEN + 1 bytes) with a new receipt number. */
void code_receipt_new(char *out);
/* 1 when s has the form of a token / a receipt (checked before any lookup). */
int code_token_valid(const char *s);
int code_receipt_valid(const char *s);

/* A code copied out of the store (safe to keep after the lookup). */
struct code_info {
  int64_t id, region, created, revoked_at, replaced_by; /* 0 for none */
  char token[CODE_TOKEN_LEN + 1], kind[16], entity[128], entity_type[64];
  char state[16]; /* active or revoked */
};
/* Copies the code of token (id 0), or of id (token NULL), into *out.
 * Returns 0, or ZZ_ENOTFOUND (also for a token that has not a token's form)
 * with *out zeroed. */
int code_get(struct store *st, const char *token, int64_t id, struct code_info *out);

/* One call of code_generate: a batch of the entities of entity_type under
 * region_path, in id order, after the cursor a previous call returned. */
struct code_gen_req {
  const char *kind;        /* "customer" or "enterprise" */
  const char *entity_type; /* e.g. "venue" */
  const char *region_path; /* required: a region path */
  int64_t after;           /* cursor: 0 for the first batch, else the previous call's next */
  int batch;               /* at most this many entities; 0 for CODE_GEN_BATCH */
};
#define CODE_GEN_BATCH 5000
#define CODE_GEN_BATCH_MAX 20000
/* What code_generate did. */
struct code_gen_summary {
  int64_t entities, created, kept; /* in this batch */
  int64_t total;                   /* entities of the type under the region, in all batches */
  int64_t done;                    /* of them, handled by this batch and the ones before */
  int64_t next;                    /* the cursor of the next batch; 0 when none is left */
};
/* Makes an active code of req->kind for every entity of the batch that has
 * none; entities that have one keep it, so running it again (or resuming
 * after a failure) is safe. A batch commits as one transaction. Call again
 * with after = out->next until it is 0. Returns 0, ZZ_EINVAL (e->field
 * names the parameter) or a store error (nothing of the batch kept). */
int code_generate(struct store *st, struct registry *reg, const struct code_gen_req *req,
                  struct code_gen_summary *out, struct zz_err *e);

/* Renders text as a QR code (error correction M). SVG: a scalable
 * document; PNG: 8 pixels a module with a 4-module quiet zone. Return 0,
 * ZZ_EINVAL (text too long) or ZZ_ENOMEM. */
int code_qr_svg(const char *text, struct zz_buf *out);
int code_qr_png(const char *text, struct zz_buf *out);

/* Checks submitted values (an object: field id -> string) against a form
 * (the matter's "form" array). Unknown field ids, missing required fields,
 * a choice outside its options, a bad date or phone and text past its max
 * are refused with ZZ_EINVAL and e->field "fields.ID". Photo fields are not
 * checked here (the photo travels beside the values). Pure. */
int code_form_check(const struct json_t *form, const struct json_t *values, struct zz_err *e);

/* 1 when a phone number (digits with optional +, spaces and dashes) has 5
 * to 20 digits; digits_out (at least 24 bytes) gets the digits alone. */
int code_phone_digits(const char *s, char *digits_out);

#endif
