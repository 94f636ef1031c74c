/* buf.c - growable, capped byte buffers and the JSON writers built on them. */
#include "core/buf.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/zz.h"

#define ZZ_BUF_DEFAULT_LIMIT ((size_t)1 << 30)

void zz_buf_init(struct zz_buf *b, size_t limit) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->limit = limit ? limit : ZZ_BUF_DEFAULT_LIMIT;
  b->err = 0;
}

void zz_buf_free(struct zz_buf *b) {
  zz_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->err = 0;
}

void zz_buf_reset(struct zz_buf *b) {
  b->len = 0;
  b->err = 0;
  if (b->data) b->data[0] = 0;
}

void zz_buf_truncate(struct zz_buf *b, size_t n) {
  if (b->err || n >= b->len) return;
  b->len = n;
  b->data[n] = 0;
}

int zz_buf_error(const struct zz_buf *b) {
  return b->err;
}

/* The first failure frees what was written (a half answer must not go out)
 * and sticks: every later append returns it. */
static int fail(struct zz_buf *b, int err) {
  if (b->err) return b->err;
  zz_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->err = err;
  return err;
}

int zz_buf_fail(struct zz_buf *b, int err) {
  return fail(b, err ? err : ZZ_EINTERNAL);
}

static int grow(struct zz_buf *b, size_t extra) {
  if (b->err) return b->err;
  if (extra > b->limit || b->len > b->limit - extra) return fail(b, ZZ_ETOOBIG);
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  char *p = zz_realloc(b->data, cap);
  if (!p) return fail(b, ZZ_ENOMEM);
  b->data = p;
  b->cap = cap;
  return 0;
}

int zz_buf_add(struct zz_buf *b, const void *p, size_t n) {
  int rc = grow(b, n);
  if (rc) return rc;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
  return 0;
}

int zz_buf_adds(struct zz_buf *b, const char *s) {
  return zz_buf_add(b, s, strlen(s));
}

int zz_buf_addc(struct zz_buf *b, char c) {
  return zz_buf_add(b, &c, 1);
}

int zz_buf_addbuf(struct zz_buf *b, const struct zz_buf *src) {
  if (b->err) return b->err;
  if (src->err) return fail(b, src->err);
  return zz_buf_add(b, src->data, src->len);
}

int zz_buf_vprintf(struct zz_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  char small[256];
  if (b->err) {
    va_end(ap2);
    return b->err;
  }
  int n = vsnprintf(small, sizeof small, fmt, ap2);
  va_end(ap2);
  if (n < 0) return fail(b, ZZ_EINVAL);
  if ((size_t)n < sizeof small) return zz_buf_add(b, small, (size_t)n);
  int rc = grow(b, (size_t)n);
  if (rc) return rc;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int zz_buf_printf(struct zz_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = zz_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

int zz_buf_json_strn(struct zz_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  int rc = zz_buf_addc(b, '"');
  if (rc) return rc;
  /* Runs of bytes that need no escape are copied at once: answers are
   * mostly such runs, and one append per byte was the slow part. */
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    if (i > run && (rc = zz_buf_add(b, s + run, i - run))) return rc;
    run = i + 1;
    char esc[6] = {'\\', 0};
    size_t el = 2;
    switch (c) {
    case '"':
      esc[1] = '"';
      break;
    case '\\':
      esc[1] = '\\';
      break;
    case '\n':
      esc[1] = 'n';
      break;
    case '\r':
      esc[1] = 'r';
      break;
    case '\t':
      esc[1] = 't';
      break;
    default:
      memcpy(esc, "\\u00", 4);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      el = 6;
    }
    if ((rc = zz_buf_add(b, esc, el))) return rc;
  }
  if (n > run && (rc = zz_buf_add(b, s + run, n - run))) return rc;
  return zz_buf_addc(b, '"');
}

int zz_buf_json_str(struct zz_buf *b, const char *s) {
  if (!s) return zz_buf_adds(b, "null");
  return zz_buf_json_strn(b, s, strlen(s));
}

int zz_buf_add_int(struct zz_buf *b, int64_t v) {
  /* digits backwards, as "%lld" writes them: printf is the slow part of
   * a long answer */
  char d[24], *p = d + sizeof d;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  return zz_buf_add(b, p, (size_t)(d + sizeof d - p));
}

int zz_buf_json_num(struct zz_buf *b, double v) {
  if (!isfinite(v)) return zz_buf_adds(b, "null");
  /* the range first: converting a double beyond long long is undefined */
  if (fabs(v) < 9e15 && v == (double)(long long)v && !(v == 0 && signbit(v)))
    return zz_buf_add_int(b, (int64_t)v);
  /* The shortest text that reads back as the same bits: 17 significant
   * digits always do, fewer usually do and read better (0.1, not
   * 0.10000000000000001). The comparison is on bits, so -0 stays -0. */
  char t[32];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(t, sizeof t, "%.*g", prec, v);
    double back = strtod(t, NULL);
    if (memcmp(&back, &v, sizeof v) == 0) break;
  }
  return zz_buf_adds(b, t);
}

char *zz_buf_steal(struct zz_buf *b, size_t *len) {
  char *p = b->err ? NULL : b->data ? b->data : zz_strdup("");
  if (len) *len = p ? b->len : 0;
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}
