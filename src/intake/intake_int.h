/* intake_int.h - what the intake's files share with each other and with
 * their unit tests: the pure pieces of a report (its photo decoded, its
 * form's answers as a description). */
#ifndef ZZ_INTAKE_INT_H
#define ZZ_INTAKE_INT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/zz.h"

struct json_t;

/* A report's description (the form's answers together): at most this many bytes. */
#define INTAKE_DESC_MAX (4u << 10)

/* Decodes a report's photo: base64 (line breaks and spaces ignored) or a
 * data: URL, at most WORKFLOW_EVIDENCE_MAX bytes once decoded, a JPEG or a
 * PNG by its first bytes. Returns 0 and *out (zz_free) with *n bytes, or
 * ZZ_ETOOBIG, ZZ_EINVAL, ZZ_EMEDIATYPE or ZZ_ENOMEM with e filled (field
 * "photo"). Pure. */
int intake_decode_photo(const char *b64, unsigned char **out, size_t *n, struct zz_err *e);
/* Appends the form's answers (values: {field id: string}) to d as
 * "label: value" lines in the form's order; a choice shows its option's
 * label; phone fields are left out (the phone is kept apart from the
 * public description). Pure. */
void intake_describe(const struct json_t *form, const struct json_t *values, struct zz_buf *d);

#endif
