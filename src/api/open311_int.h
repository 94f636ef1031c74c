/* open311_int.h - what open311.c shares with its pure helpers and tests:
 * the form-encoded body decoder (no I/O, fuzzable), the ".xml"/".json"
 * suffix and the status mapping (XML escaping is core/xml.h's). */
#ifndef ZZ_OPEN311_INT_H
#define ZZ_OPEN311_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/zz.h"
#include "store/store_orders.h"

/* Hard caps on a decoded form: pairs, and bytes of one name or value. */
#define O311_FORM_PAIRS 64
#define O311_FORM_FIELD 8192

/* The photo a multipart POST may carry as its "media" file part: at most
 * this many bytes (the evidence cap, WORKFLOW_EVIDENCE_MAX). */
#define O311_MEDIA_MAX (5u << 20)

struct o311_form {
  char *names[O311_FORM_PAIRS], *values[O311_FORM_PAIRS];
  size_t lens[O311_FORM_PAIRS]; /* bytes of each value (multipart pieces add up) */
  size_t n;
  unsigned char *media; /* the "media" file part, NULL for none */
  size_t media_n;
};

/* Decodes an application/x-www-form-urlencoded body ("a=1&b=x%20y", "+" is
 * a space). Returns 0, or ZZ_EINVAL (bad escape, NUL, invalid UTF-8, too many
 * pairs, a field too long) with e->msg saying which; *f is then empty. The
 * caller frees with o311_form_free. */
int o311_form_parse(const char *body, size_t n, struct o311_form *f, struct zz_err *e);
/* Adds a piece of a multipart/form-data field as libmicrohttpd's post
 * processor hands it over (http_body_form): off 0 starts a field, a larger
 * off continues the last one. A file part named "media" is the photo
 * (O311_MEDIA_MAX bytes at most, ZZ_ETOOBIG past it); another file part is
 * ZZ_EINVAL, and so are more than O311_FORM_PAIRS fields or a field past
 * O311_FORM_FIELD bytes. After the last piece o311_form_finish checks the
 * values (UTF-8, no NUL). On an error e says which; the caller frees *f. */
int o311_form_piece(struct o311_form *f, const char *key, int is_file, const char *data,
                    uint64_t off, size_t n, struct zz_err *e);
int o311_form_finish(struct o311_form *f, struct zz_err *e);
/* The first value of name, or NULL. */
const char *o311_form_get(const struct o311_form *f, const char *name);
void o311_form_free(struct o311_form *f);

/* Splits "name.xml"/"name.json" into name (out): 1 for XML, 0 for JSON, -1
 * for anything else. */
int o311_format(const char *file, char *out, size_t cap);
/* Numbers of O311_MASK_DIGITS or more digits in a public text (phones, ID
 * numbers, typed into a description) keep only their last four digits, the
 * others become '*' (fullwidth digits '＊'), in place: the text's length
 * does not change. Digits may be split by single spaces or hyphens. */
#define O311_MASK_DIGITS 7
void o311_mask_numbers(char *s);
/* "open" or "closed" for a work-order state. */
const char *o311_status(const char *state);

struct store_order_intake;
int o311_intake_id(void *ud, const struct store_order_intake *in);

#endif
