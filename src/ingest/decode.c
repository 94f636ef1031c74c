/* decode.c - the streaming half of the ingest decoders: cuts a body fed in
 * chunks of any size into lines (joining lines split across chunks, refusing
 * lines over INGEST_MAX_LINE without buffering them), and the field checks
 * shared by decode_ndjson.c and decode_csv.c. */
#include "ingest/decode_int.h"
#include "core/msg.h"
#include "core/ztime.h"
#include "core/zz.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

const char ingest_e_json[] = "malformed_json", ingest_e_csv[] = "bad_csv",
           ingest_e_missing[] = "missing_field", ingest_e_type[] = "wrong_type",
           ingest_e_finite[] = "not_finite", ingest_e_time[] = "bad_time",
           ingest_e_range[] = "time_out_of_range", ingest_e_long[] = "line_too_long",
           ingest_e_header[] = "bad_header", ingest_nomem[] = "out_of_memory";

struct ingest_decoder *ingest_decoder_new(const struct ingest_decoder_opts *opts) {
  struct ingest_decoder *d = zz_calloc(1, sizeof *d), *ret = NULL;
  if (!d) goto done;
  d->o = *opts;
  if (d->o.now_ms == 0) d->o.now_ms = zz_time_now();
  d->pend = zz_malloc(INGEST_MAX_LINE + 2);
  d->num = zz_malloc(INGEST_MAX_LINE + 1);
  if (!d->pend || !d->num) goto done;
  if (d->o.format == INGEST_CSV) {
    d->unq = zz_malloc(INGEST_MAX_LINE + 1);
    if (!d->unq) goto done;
  }
  /* CSV events need yajl for their data column, so every decoder gets it. */
  if (ingest_json_init(d) != 0) goto done;
  ret = d;
  d = NULL;
done:
  ingest_decoder_free(d);
  return ret;
}

void ingest_decoder_free(struct ingest_decoder *d) {
  if (!d) return;
  if (d->yh) yajl_free(d->yh);
  zz_free(d->pend);
  zz_free(d->unq);
  zz_free(d->num);
  zz_free(d);
}

long ingest_decoder_lines(const struct ingest_decoder *d) {
  return d->lines;
}

int ingest_report_msg(struct ingest_decoder *d, long line, const char *code) {
  return d->o.on_error ? d->o.on_error(d->o.ud, line, code, d->msg, d->msg_zh) : 0;
}

static void sayv(struct ingest_decoder *d, const char *fmt, va_list ap) {
  const char *zh = zz_msg_zh(fmt);
  va_list again;
  va_copy(again, ap);
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  vsnprintf(d->msg_zh, sizeof d->msg_zh, zh ? zh : fmt, again);
  va_end(again);
  zz_utf8_trim(d->msg_zh);
}

void ingest_say(struct ingest_decoder *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sayv(d, fmt, ap);
  va_end(ap);
}

int ingest_report(struct ingest_decoder *d, long line, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sayv(d, fmt, ap);
  va_end(ap);
  return ingest_report_msg(d, line, code);
}

char *ingest_snippet(char *out, size_t cap, const char *s, size_t n) {
  size_t k = 0, lim = n > 40 ? 40 : n;
  ZZ_ASSERT(cap >= 48);
  for (size_t i = 0; i < lim; i++) {
    unsigned char c = (unsigned char)s[i];
    out[k++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
  }
  if (n > lim) {
    memcpy(out + k, "...", 3);
    k += 3;
  }
  out[k] = 0;
  return out;
}

static int is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t') return 0;
  return 1;
}

/* Decodes one whole line s[0..n) (newline removed). */
static int process_line(struct ingest_decoder *d, const char *s, size_t n) {
  long line = ++d->lines;
  if (n > 0 && s[n - 1] == '\r') n--;
  if (n > INGEST_MAX_LINE)
    return ingest_report(d, line, INGEST_E_LONG, "line %ld is longer than %d bytes", line,
                         INGEST_MAX_LINE);
  /* Spreadsheets like to start a file with a UTF-8 byte order mark. */
  if (line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
    s += 3;
    n -= 3;
  }
  if (is_blank(s, n)) return 0;
  if (d->o.format == INGEST_CSV) return ingest_csv_line(d, line, s, n);
  return ingest_ndjson_line(d, line, s, n);
}

/* Starts discarding an over-long line: reported now, once, and never stored. */
static int start_skipping(struct ingest_decoder *d) {
  long line = d->lines + 1;
  d->skipping = 1;
  d->pend_len = 0;
  return ingest_report(d, line, INGEST_E_LONG, "line %ld is longer than %d bytes", line,
                       INGEST_MAX_LINE);
}

int ingest_decoder_feed(struct ingest_decoder *d, const char *p, size_t n) {
  int rc = d->stop;
  while (rc == 0 && n > 0) {
    const char *nl = memchr(p, '\n', n);
    size_t take = nl ? (size_t)(nl - p) : n; /* bytes before the newline */
    size_t used = nl ? take + 1 : n;
    if (d->skipping) {
      if (nl) {
        d->skipping = 0;
        d->lines++;
      }
    } else if (d->pend_len > 0) {
      /* Finish the line begun in an earlier chunk. The buffer holds one byte
       * more than the limit, for a '\r' that may precede the newline. */
      if (d->pend_len + take > INGEST_MAX_LINE + 1) {
        rc = start_skipping(d);
        if (nl) {
          d->skipping = 0;
          d->lines++;
        }
      } else {
        memcpy(d->pend + d->pend_len, p, take);
        d->pend_len += take;
        if (nl) {
          size_t len = d->pend_len;
          d->pend_len = 0;
          rc = process_line(d, d->pend, len);
        }
      }
    } else if (nl) {
      rc = process_line(d, p, take); /* the common case: no copy at all */
    } else if (take > INGEST_MAX_LINE + 1) {
      rc = start_skipping(d);
    } else {
      memcpy(d->pend, p, take);
      d->pend_len = take;
    }
    p += used;
    n -= used;
  }
  d->stop = rc;
  return rc;
}

int ingest_decoder_finish(struct ingest_decoder *d) {
  int rc = d->stop;
  if (rc != 0) goto done;
  if (d->skipping) {
    d->skipping = 0;
    d->lines++;
  } else if (d->pend_len > 0) {
    size_t len = d->pend_len;
    d->pend_len = 0;
    rc = process_line(d, d->pend, len);
  }
  d->stop = rc;
done:
  return rc;
}

/* True when s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF) without control characters. */
static int is_clean_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return 0;
      i++;
      continue;
    }
    size_t k = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    unsigned lo = 0x80, hi = 0xbf; /* allowed range of the first continuation byte */
    if (c < 0xc2 || c > 0xf4) return 0;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
    if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi) return 0;
    for (size_t j = 2; j <= k; j++)
      if ((s[i + j] & 0xc0) != 0x80) return 0;
    i += k + 1;
  }
  return 1;
}

const char *ingest_check_id(struct ingest_decoder *d, const char *name, const char *s, size_t len) {
  if (len == 0 || len > INGEST_MAX_ID) {
    ingest_say(d, "field \"%s\" must be a non-empty string of at most %d bytes", name,
               INGEST_MAX_ID);
    return INGEST_E_TYPE;
  }
  /* Ids end up in SQL parameters, JSON and C strings: no NUL, no junk. */
  if (!is_clean_utf8((const unsigned char *)s, len)) {
    ingest_say(d, "field \"%s\" must be UTF-8 text without control characters", name);
    return INGEST_E_TYPE;
  }
  return NULL;
}

const char *ingest_check_ts(struct ingest_decoder *d, const char *s, size_t n, int64_t *out) {
  char snip[48], when[32];
  int64_t ts;
  if (n >= INGEST_TS_TEXT || zz_time_parse(s, n, &ts) != 0) {
    ingest_say(d, "field \"ts\" is not RFC3339 or epoch milliseconds: \"%s\"",
               ingest_snippet(snip, sizeof snip, s, n < INGEST_TS_TEXT ? n : INGEST_TS_TEXT));
    return INGEST_E_TIME;
  }
  if (ts < INGEST_MIN_TS) {
    /* A 10-digit number is almost always epoch seconds sent by mistake. */
    int secs = ts >= INGEST_MIN_TS / 1000 && ts <= d->o.now_ms / 1000 + 86400;
    if (secs)
      ingest_say(d,
                 "ts %s is before 2000-01-01 (%s); ts numbers are epoch milliseconds, not seconds",
                 zz_time_format(ts, when), "2000-01-01T08:00:00+08:00");
    else
      ingest_say(d, "ts %s is before 2000-01-01 (%s)", zz_time_format(ts, when),
                 "2000-01-01T08:00:00+08:00");
    return INGEST_E_RANGE;
  }
  if (ts - ZZ_DAY_MS > d->o.now_ms) { /* ts >= INGEST_MIN_TS: no overflow */
    ingest_say(d, "ts %s is more than 1 day in the future", zz_time_format(ts, when));
    return INGEST_E_RANGE;
  }
  *out = ts;
  return NULL;
}

/* The exact fast path for plain decimals ("21.5", "-3", "1013.25"): at most 15
 * digits make an integer below 2^53, and dividing it by an exact power of ten
 * is correctly rounded, so the result equals strtod's. Returns 0 when the text
 * needs strtod. */
static int parse_simple_decimal(const char *s, size_t n, double *out) {
  static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  size_t i = 0;
  int neg = 0, digits = 0, frac = -1;
  int64_t m = 0;
  if (i < n && s[i] == '-') {
    neg = 1;
    i++;
  }
  for (; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (++digits > 15) return 0;
      m = m * 10 + (c - '0');
      if (frac >= 0) frac++;
    } else if (c == '.' && frac < 0) {
      frac = 0;
    } else {
      return 0;
    }
  }
  if (digits == 0 || frac == 0) return 0; /* "", "-", "5." are strtod's business */
  double v = (double)m;
  if (frac > 0) v /= pow10[frac];
  *out = neg ? -v : v;
  return 1;
}

const char *ingest_check_value(struct ingest_decoder *d, const char *s, size_t n, double *out) {
  double v;
  if (!parse_simple_decimal(s, n, &v)) {
    /* strtod wants a NUL-terminated string; s is a span inside a line. It
     * reads the C locale's decimal point: the server never calls setlocale. */
    char *end;
    if (n == 0 || n > INGEST_MAX_LINE) goto not_number;
    memcpy(d->num, s, n);
    d->num[n] = 0;
    v = strtod(d->num, &end);
    if (end != d->num + n) goto not_number;
  }
  if (!isfinite(v)) {
    ingest_say(d, "field \"value\" is not a finite number");
    return INGEST_E_FINITE;
  }
  /* SQLite stores an integral REAL as an integer, so -0 would come back
   * as 0 from some reads and -0 from others: it is 0 from the start. */
  *out = v == 0 ? 0.0 : v;
  return NULL;
not_number:
  ingest_say(d, "field \"value\" must be a number");
  return INGEST_E_TYPE;
}
