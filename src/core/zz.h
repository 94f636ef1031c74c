/* zz.h - the core every module includes: error codes, the error detail that
 * travels to the API layer, assertions, allocation wrappers and small helpers.
 * Functions return 0 on success or a negative ZZ_E* code; detail for the user
 * goes into a struct zz_err that the API layer turns into the JSON body. */
#ifndef ZZ_H
#define ZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* One table of error codes: name, HTTP status, snake_case code, sentence. */
#define ZZ_ERRNO_MAP(X)                                                                            \
  X(INVAL, 400, "invalid", "invalid argument")                                                     \
  X(NOMEM, 500, "out_of_memory", "out of memory")                                                  \
  X(NOTFOUND, 404, "not_found", "not found")                                                       \
  X(EXISTS, 409, "exists", "already exists")                                                       \
  X(CONFLICT, 409, "conflict", "conflict")                                                         \
  X(AUTH, 401, "unauthorized", "authentication required")                                          \
  X(FORBIDDEN, 403, "forbidden", "forbidden")                                                      \
  X(TOOBIG, 413, "too_large", "too large")                                                         \
  X(MEDIATYPE, 415, "unsupported_media_type", "unsupported media type")                            \
  X(BUSY, 503, "busy", "busy, retry later")                                                        \
  X(IO, 500, "io_error", "input/output error")                                                     \
  X(STORE, 503, "store_error", "the store failed, retry later")                                    \
  X(INTERNAL, 500, "internal", "internal error")                                                   \
  X(METHOD, 405, "method_not_allowed", "method not allowed")                                       \
  X(RATE, 429, "too_many_requests", "too many requests, retry later")                              \
  X(FULL, 507, "insufficient_storage", "the disk is full, retry later")

enum zz_errno {
  ZZ_OK = 0,
#define ZZ_X_ENUM(name, status, code, msg) ZZ_E##name,
  ZZ_ERRNO_BASE = -100,
  ZZ_ERRNO_MAP(ZZ_X_ENUM)
#undef ZZ_X_ENUM
};

/* Returns a static sentence for a ZZ_E* code ("unknown error" otherwise). */
const char *zz_strerror(int err);
/* Returns the snake_case code for the JSON body ("internal" otherwise). */
const char *zz_errcode(int err);
/* Returns the HTTP status that fits a ZZ_E* code (500 otherwise). */
int zz_http_status(int err);

/* Detail for the user: what went wrong and where. code is a ZZ_E* value;
 * field names the offending input ("metric", "line 12"), msg is a sentence
 * in English and msg_zh the same sentence in Chinese (core/msg.h). */
struct zz_err {
  int code;
  char field[64];
  char msg[192];
  char msg_zh[320];
};

/* Fills e (if not NULL) and returns code, so callers can `return zz_fail(...)`.
 * msg is fmt formatted; msg_zh is the catalog's Chinese of fmt (core/msg.h)
 * formatted with the same arguments, or msg again when the catalog has none
 * (scripts/errmsgs.mjs checks in CI that every format has one). */
int zz_fail(struct zz_err *e, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int zz_failv(struct zz_err *e, int code, const char *field, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* Fills e (if not NULL) with two sentences already made; returns code. zh
 * NULL: en for both. For errors that carry another error's sentences. */
int zz_fail_pair(struct zz_err *e, int code, const char *field, const char *en, const char *zh);
/* Puts a prefix before the sentences of inner (zz_err_wrap(e, &inner,
 * "line 3: ", "第 3 行：")) and copies its code and field into e; e and
 * inner may be the same. Returns the code. */
int zz_err_wrap(struct zz_err *e, const struct zz_err *inner, const char *en_prefix,
                const char *zh_prefix);

/* Broken invariants crash loudly; bad input never reaches these. */
#define ZZ_ASSERT(cond)                                                                            \
  do {                                                                                             \
    if (!(cond)) zz_assert_fail(#cond, __FILE__, __LINE__);                                        \
  } while (0)
_Noreturn void zz_assert_fail(const char *expr, const char *file, int line);

/* Allocation goes through these so tests can inject failure. They return NULL
 * on failure (zz_xmalloc and friends abort instead, for small fixed sizes). */
void *zz_malloc(size_t n);
void *zz_calloc(size_t n, size_t size);
void *zz_realloc(void *p, size_t n);
char *zz_strdup(const char *s);
char *zz_strndup(const char *s, size_t n);
void *zz_xmalloc(size_t n);
void *zz_xcalloc(size_t n, size_t size);
char *zz_xstrdup(const char *s);
char *zz_xstrdup_n(const char *s, size_t n);
/* Makes room for one more element in a growable array: when n has reached
 * *cap, the array whose pointer is at parr (a `T **`) is reallocated to
 * twice *cap elements of elem bytes (first when it is empty) and *cap
 * updated. 0, or ZZ_ENOMEM with the array and *cap as they were. */
int zz_grow(void *parr, size_t *cap, size_t n, size_t elem, size_t first);
/* Frees what the functions above return, and also what libraries hand out
 * from the C allocator (jansson's json_dumps, getline): it is free(). */
void zz_free(void *p);
/* Test hook: the nth allocation from now fails (0 disables). */
void zz_alloc_fail_after(long n);

#define ZZ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ZZ_MIN(a, b) ((a) < (b) ? (a) : (b))
#define ZZ_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Copies src into dst of size n, always NUL-terminated; returns strlen(src). */
size_t zz_strlcpy(char *dst, const char *src, size_t n);
/* Cuts an incomplete UTF-8 sequence off the end of s (what a cut at a
 * buffer's size leaves), so a truncated sentence never ends inside a
 * character. */
void zz_utf8_trim(char *s);
/* Parses a whole decimal integer (no trailing junk); returns 0 or ZZ_EINVAL. */
int zz_parse_i64(const char *s, int64_t *out);

/* Personal data shown to someone who may not see it whole, the house's
 * masks: a name keeps its first character ("王**"), a phone its first three
 * and last four digits ("138****5678", separators dropped; "****" when it
 * has fewer than 7 digits). The star count is fixed, so the mask does not
 * tell a name's or a number's length. out holds cap bytes (ZZ_MASK_MAX is
 * enough for both); NULL or "" gives "". */
#define ZZ_MASK_MAX 16
void zz_mask_name(const char *name, char *out, size_t cap);
void zz_mask_phone(const char *phone, char *out, size_t cap);
/* One of the two as the value reads: a phone when it is digits with only
 * spaces, hyphens, '+' or parentheses between them (7 digits or more),
 * else a name. */
void zz_mask_personal(const char *value, char *out, size_t cap);

/* Logging to stderr with a level and a local timestamp, through the one
 * logger (core/log.h: logfmt or JSON lines). */
enum zz_log_level { ZZ_LOG_DEBUG, ZZ_LOG_INFO, ZZ_LOG_WARN, ZZ_LOG_ERROR };
void zz_log(enum zz_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void zz_log_set_level(enum zz_log_level lvl);
#define zz_info(...) zz_log(ZZ_LOG_INFO, __VA_ARGS__)
#define zz_warn(...) zz_log(ZZ_LOG_WARN, __VA_ARGS__)
#define zz_error(...) zz_log(ZZ_LOG_ERROR, __VA_ARGS__)
#define zz_debug(...) zz_log(ZZ_LOG_DEBUG, __VA_ARGS__)

#endif
