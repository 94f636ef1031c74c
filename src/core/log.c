/* log.c - the one logger (log.h): logfmt or JSON lines on stderr, each
 * written with a single write(2). zz_log's printf-style messages become the
 * msg field of a line with no other fields. */
#include "core/log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static atomic_int log_level = ZZ_LOG_INFO;
static atomic_int log_fmt = LOG_LOGFMT;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void zz_log_set_level(enum zz_log_level lvl) {
  atomic_store(&log_level, (int)lvl);
}

void log_set_format(enum log_format f) {
  atomic_store(&log_fmt, (int)f);
}

int log_enabled(enum zz_log_level lvl) {
  return (int)lvl >= atomic_load_explicit(&log_level, memory_order_relaxed);
}

int log_format_parse(const char *s, enum log_format *out) {
  if (strcmp(s, "logfmt") == 0)
    *out = LOG_LOGFMT;
  else if (strcmp(s, "json") == 0)
    *out = LOG_JSON;
  else
    return ZZ_EINVAL;
  return 0;
}

int log_level_parse(const char *s, enum zz_log_level *out) {
  for (int i = 0; i < (int)ZZ_ARRAY_LEN(level_names); i++)
    if (strcmp(s, level_names[i]) == 0) {
      *out = (enum zz_log_level)i;
      return 0;
    }
  return ZZ_EINVAL;
}

/* A fixed buffer that stops taking bytes when full (the line is cut, never
 * overrun); one byte is kept for the newline. */
struct lbuf {
  char *p;
  size_t n, cap;
};

static void put(struct lbuf *b, const char *s, size_t n) {
  if (b->n >= b->cap) return;
  size_t room = b->cap - b->n;
  if (n > room) n = room;
  memcpy(b->p + b->n, s, n);
  b->n += n;
}

static void puts_(struct lbuf *b, const char *s) {
  put(b, s, strlen(s));
}

static void put_json_str(struct lbuf *b, const char *s) {
  put(b, "\"", 1);
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    char esc[8];
    if (*c == '"' || *c == '\\') {
      esc[0] = '\\', esc[1] = (char)*c;
      put(b, esc, 2);
    } else if (*c == '\n') {
      put(b, "\\n", 2);
    } else if (*c == '\t') {
      put(b, "\\t", 2);
    } else if (*c < 0x20 || *c == 0x7f) {
      snprintf(esc, sizeof esc, "\\u%04x", *c);
      put(b, esc, 6);
    } else {
      put(b, (const char *)c, 1);
    }
  }
  put(b, "\"", 1);
}

/* logfmt: a value is bare unless it is empty or holds a space, a quote, an
 * equals sign, a backslash or a control character. */
static void put_logfmt_str(struct lbuf *b, const char *s) {
  int bare = *s != '\0';
  for (const unsigned char *c = (const unsigned char *)s; *c && bare; c++)
    if (*c <= ' ' || *c == '"' || *c == '=' || *c == '\\' || *c == 0x7f) bare = 0;
  if (bare) {
    puts_(b, s);
    return;
  }
  put(b, "\"", 1);
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\') {
      char esc[2] = {'\\', (char)*c};
      put(b, esc, 2);
    } else if (*c == '\n') {
      put(b, "\\n", 2);
    } else if (*c < 0x20 || *c == 0x7f) {
      put(b, " ", 1);
    } else {
      put(b, (const char *)c, 1);
    }
  }
  put(b, "\"", 1);
}

static void put_field(struct lbuf *b, enum log_format fmt, int first, const struct log_field *f) {
  char num[32];
  if (f->t == LOG_INT)
    snprintf(num, sizeof num, "%lld", (long long)f->i);
  else if (f->t == LOG_DEC)
    snprintf(num, sizeof num, "%.3f", isfinite(f->d) ? f->d : 0.0);
  const char *s = f->t == LOG_STR ? (f->s ? f->s : "") : NULL;
  if (fmt == LOG_JSON) {
    if (!first) put(b, ",", 1);
    put_json_str(b, f->k);
    put(b, ":", 1);
    if (s)
      put_json_str(b, s);
    else
      puts_(b, num);
  } else {
    if (!first) put(b, " ", 1);
    puts_(b, f->k);
    put(b, "=", 1);
    put_logfmt_str(b, s ? s : num);
  }
}

/* ISO 8601 in Asia/Shanghai with milliseconds: 2026-12-03T17:46:24.123+08:00. */
static void iso_time(char *out, size_t cap, int64_t ms) {
  time_t local = (time_t)(ms / 1000) + 8 * 3600; /* Asia/Shanghai, no DST */
  struct tm tm;
  gmtime_r(&local, &tm);
  snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+08:00", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

size_t log_format_line(char *out, size_t cap, enum log_format fmt, int64_t now_ms,
                       enum zz_log_level lvl, const char *msg, const struct log_field *f,
                       size_t n) {
  ZZ_ASSERT(cap >= 2);
  struct lbuf b = {out, 0, cap - 2}; /* room for "\n\0" */
  char t[64];
  iso_time(t, sizeof t, now_ms);
  const char *lv = (int)lvl >= 0 && (int)lvl < 4 ? level_names[lvl] : "info";
  if (fmt == LOG_JSON) put(&b, "{", 1);
  const struct log_field head[] = {{"time", LOG_STR, t, 0, 0},
                                   {"level", LOG_STR, lv, 0, 0},
                                   {"msg", LOG_STR, msg ? msg : "", 0, 0}};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(head); i++) put_field(&b, fmt, i == 0, &head[i]);
  for (size_t i = 0; i < n; i++) put_field(&b, fmt, 0, &f[i]);
  /* A cut JSON line still closes its object, so every line parses: the
   * last field loses its tail instead. */
  if (fmt == LOG_JSON) {
    if (b.n >= b.cap) {
      static const char tail[] = "\",\"cut\":true}";
      b.n = b.cap > sizeof tail ? b.cap - (sizeof tail - 1) : 0;
      /* step back over a partial escape or UTF-8 sequence */
      while (b.n > 0 && ((unsigned char)out[b.n - 1] & 0xc0) == 0x80) b.n--;
      while (b.n > 0 && (unsigned char)out[b.n - 1] >= 0xc0) b.n--;
      size_t bs = 0;
      while (bs < b.n && out[b.n - 1 - bs] == '\\') bs++;
      if (bs % 2) b.n--;
      memcpy(out + b.n, tail, sizeof tail - 1);
      b.n += sizeof tail - 1;
    } else {
      put(&b, "}", 1);
    }
  }
  out[b.n++] = '\n';
  out[b.n] = '\0';
  return b.n;
}

void log_line(enum zz_log_level lvl, const char *msg, const struct log_field *f, size_t n) {
  if (!log_enabled(lvl)) return;
  char line[LOG_LINE_MAX];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  size_t len = log_format_line(line, sizeof line, (enum log_format)atomic_load(&log_fmt), now, lvl,
                               msg, f, n);
  /* One write per line: the kernel keeps lines of concurrent threads whole. */
  const char *p = line;
  while (len) {
    ssize_t w = write(STDERR_FILENO, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    p += w, len -= (size_t)w;
  }
}

void zz_log(enum zz_log_level lvl, const char *fmt, ...) {
  if (!log_enabled(lvl)) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  log_line(lvl, msg, NULL, 0);
}
