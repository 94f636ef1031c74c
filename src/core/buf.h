/* buf.h - a growable byte buffer with a hard size cap (curl's dynbuf habit).
 * Every buffer filled from outside has a cap; appends past it fail with
 * ZZ_ETOOBIG and leave the buffer as it was. */
#ifndef ZZ_BUF_H
#define ZZ_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct zz_buf {
  char *data; /* always NUL-terminated when len > 0 */
  size_t len;
  size_t cap;   /* allocated */
  size_t limit; /* hard cap on len; 0 means 1 GiB */
};

/* Initialises an empty buffer that may grow up to limit bytes. */
void zz_buf_init(struct zz_buf *b, size_t limit);
void zz_buf_free(struct zz_buf *b);
void zz_buf_reset(struct zz_buf *b);
/* Append functions return 0, ZZ_ETOOBIG past the limit or ZZ_ENOMEM. */
int zz_buf_add(struct zz_buf *b, const void *p, size_t n);
int zz_buf_adds(struct zz_buf *b, const char *s);
int zz_buf_addc(struct zz_buf *b, char c);
int zz_buf_printf(struct zz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int zz_buf_vprintf(struct zz_buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included. */
int zz_buf_json_str(struct zz_buf *b, const char *s);
int zz_buf_json_strn(struct zz_buf *b, const char *s, size_t n);
/* Appends a number as JSON: integers without a fraction, NaN/Inf as null. */
int zz_buf_json_num(struct zz_buf *b, double v);
/* Hands the data to the caller (who frees it with zz_free); b is emptied. */
char *zz_buf_steal(struct zz_buf *b, size_t *len);

#endif
