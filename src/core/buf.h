/* buf.h - a growable byte buffer with a hard size cap that stays failed
 * (curl's dynbuf habit). Every buffer filled from outside has a cap. The
 * first append that fails (the cap passed, memory short, a bad format)
 * frees the contents and marks the buffer failed; every later append is a
 * no-op that returns the same error. So a writer may append without checking
 * each call, and whoever finishes the buffer (sends, stores or publishes
 * it) checks zz_buf_error() once: a failed buffer never goes out truncated. */
#ifndef ZZ_BUF_H
#define ZZ_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct zz_buf {
  char *data; /* NUL-terminated when not NULL; NULL while empty or failed */
  size_t len;
  size_t cap;   /* allocated */
  size_t limit; /* hard cap on len; 0 at init means 1 GiB */
  int err;      /* 0, or the ZZ_E* code of the first failed append */
};

/* Initialises an empty, working buffer that may grow up to limit bytes
 * (0: 1 GiB). Nothing is allocated until the first append. */
void zz_buf_init(struct zz_buf *b, size_t limit);
/* Frees the contents; b is empty and working again (same limit). */
void zz_buf_free(struct zz_buf *b);
/* Empties b, keeping its memory, and clears a failure: b works again. */
void zz_buf_reset(struct zz_buf *b);
/* Shrinks b to its first n bytes (to drop a trailing comma, roll back to a
 * mark). A no-op when n >= len or b has failed. */
void zz_buf_truncate(struct zz_buf *b, size_t n);
/* 0 while every append succeeded, else the first error (ZZ_ETOOBIG,
 * ZZ_ENOMEM, ZZ_EINVAL); then data is NULL and len 0. */
int zz_buf_error(const struct zz_buf *b);

/* Fails b as a failed append would (err, or ZZ_EINTERNAL when 0): the
 * contents are freed and every later append returns the first error. For
 * writers that find their own output wrong (core/json.h). Returns it. */
int zz_buf_fail(struct zz_buf *b, int err);

/* Appends return 0, or (and from then on) ZZ_ETOOBIG when len would pass
 * the limit, ZZ_ENOMEM when memory is short, ZZ_EINVAL when printf fails
 * to format. Either way b stays a valid buffer the caller frees. */
int zz_buf_add(struct zz_buf *b, const void *p, size_t n);
int zz_buf_adds(struct zz_buf *b, const char *s);
int zz_buf_addc(struct zz_buf *b, char c);
/* Appends v in decimal, as "%lld" would. */
int zz_buf_add_int(struct zz_buf *b, int64_t v);
/* Appends the contents of src; a failed src fails b with src's error. */
int zz_buf_addbuf(struct zz_buf *b, const struct zz_buf *src);
int zz_buf_printf(struct zz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int zz_buf_vprintf(struct zz_buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included; NULL as null.
 * Escapes '"', '\\' and control characters; other bytes (UTF-8 or not)
 * pass through as they are: the caller checks input encodings. */
int zz_buf_json_str(struct zz_buf *b, const char *s);
int zz_buf_json_strn(struct zz_buf *b, const char *s, size_t n);
/* Appends a number as JSON: integers without a fraction, NaN/Inf as null,
 * others in the shortest text that reads back as the same double. */
int zz_buf_json_num(struct zz_buf *b, double v);
/* Hands the data to the caller, who frees it with zz_free; b is emptied.
 * Returns "" (allocated) for an empty buffer, NULL when b had failed (it
 * stays failed: zz_buf_error says why) or memory is short; *len is then 0. */
char *zz_buf_steal(struct zz_buf *b, size_t *len);

#endif
