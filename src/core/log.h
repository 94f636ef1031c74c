/* log.h - the one logger: every line the server writes goes to stderr
 * (systemd's journal takes it as is) in one format, logfmt (default) or
 * JSON, with an ISO 8601 time in Asia/Shanghai (+08:00, milliseconds), a
 * level and a message, plus key/value fields for requests and state
 * changes. zz_log (core/zz.h) writes through here. One write(2) per line,
 * so lines from many threads never interleave. */
#ifndef ZZ_LOG_H
#define ZZ_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"

enum log_format { LOG_LOGFMT, LOG_JSON };

/* Sets the format (process-wide, before threads start or at any time). */
void log_set_format(enum log_format f);
/* Parses "logfmt" / "json"; 0, or ZZ_EINVAL. */
int log_format_parse(const char *s, enum log_format *out);
/* Parses "error" / "warn" / "info" / "debug"; 0, or ZZ_EINVAL. */
int log_level_parse(const char *s, enum zz_log_level *out);
/* 1 when a line of lvl would be written (callers skip building fields). */
int log_enabled(enum zz_log_level lvl);

/* One field of a structured line: a string, an integer or a decimal
 * (numbers are written bare, in JSON too). */
enum log_kind { LOG_STR, LOG_INT, LOG_DEC };
struct log_field {
  const char *k;
  enum log_kind t;
  const char *s;
  int64_t i;
  double d;
};
static inline const char *log_str(const char *s) {
  return s ? s : "";
}
#define LOG_S(key, val) ((struct log_field){(key), LOG_STR, log_str(val), 0, 0})
#define LOG_I(key, val) ((struct log_field){(key), LOG_INT, NULL, (int64_t)(val), 0})
#define LOG_D(key, val) ((struct log_field){(key), LOG_DEC, NULL, 0, (double)(val)})

/* Writes one line: time, level, msg, then the fields in order. Values are
 * escaped (JSON) or quoted when needed (logfmt); a line is cut at 4 KiB. */
void log_line(enum zz_log_level lvl, const char *msg, const struct log_field *f, size_t n);

/* Formats one line into out (cap bytes, NUL-terminated, newline included)
 * for the time now_ms (UTC ms); returns its length. Pure: for tests. */
size_t log_format_line(char *out, size_t cap, enum log_format fmt, int64_t now_ms,
                       enum zz_log_level lvl, const char *msg, const struct log_field *f, size_t n);

#endif
