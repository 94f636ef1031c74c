/* zz.c - the error table, assertions and logging. Allocation is in alloc.c,
 * the string helpers in str.c, files in fs.c. */
#include "core/zz.h"

#include "core/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct zz_errinfo {
  int err;
  int status;
  const char *code;
  const char *msg;
};

static const struct zz_errinfo zz_errtab[] = {
#define ZZ_X_TAB(name, status, code, msg) {ZZ_E##name, status, code, msg},
    ZZ_ERRNO_MAP(ZZ_X_TAB)
#undef ZZ_X_TAB
};

static const struct zz_errinfo *errinfo(int err) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(zz_errtab); i++)
    if (zz_errtab[i].err == err) return &zz_errtab[i];
  return NULL;
}

const char *zz_strerror(int err) {
  if (err == 0) return "success";
  const struct zz_errinfo *e = errinfo(err);
  return e ? e->msg : "unknown error";
}

const char *zz_errcode(int err) {
  const struct zz_errinfo *e = errinfo(err);
  return e ? e->code : "internal";
}

int zz_http_status(int err) {
  const struct zz_errinfo *e = errinfo(err);
  return e ? e->status : 500;
}

/* Cuts the NUL-terminated s after its last whole UTF-8
 * character, so that a sentence cut by vsnprintf stays valid UTF-8. */
void zz_utf8_trim(char *s) {
  size_t n = strlen(s), i = n;
  while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;
  if (i == 0) return;
  unsigned char lead = (unsigned char)s[i - 1];
  size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (n - (i - 1) < want) s[i - 1] = 0;
}

int zz_failv(struct zz_err *e, int code, const char *field, const char *fmt, va_list ap) {
  if (!e) return code;
  e->code = code;
  zz_strlcpy(e->field, field ? field : "", sizeof e->field);
  const char *zh = zz_msg_zh(fmt);
  va_list again;
  va_copy(again, ap);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  zz_utf8_trim(e->msg);
  if (zh) {
    vsnprintf(e->msg_zh, sizeof e->msg_zh, zh, again);
    zz_utf8_trim(e->msg_zh);
  } else {
    zz_strlcpy(e->msg_zh, e->msg, sizeof e->msg_zh);
  }
  va_end(again);
  return code;
}

int zz_fail(struct zz_err *e, int code, const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  zz_failv(e, code, field, fmt, ap);
  va_end(ap);
  return code;
}

int zz_fail_pair(struct zz_err *e, int code, const char *field, const char *en, const char *zh) {
  if (!e) return code;
  e->code = code;
  zz_strlcpy(e->field, field ? field : "", sizeof e->field);
  zz_strlcpy(e->msg, en ? en : "", sizeof e->msg);
  zz_utf8_trim(e->msg);
  zz_strlcpy(e->msg_zh, zh ? zh : e->msg, sizeof e->msg_zh);
  zz_utf8_trim(e->msg_zh);
  return code;
}

int zz_err_wrap(struct zz_err *e, const struct zz_err *inner, const char *en_prefix,
                const char *zh_prefix) {
  if (!e) return inner->code;
  char en[sizeof e->msg], zh[sizeof e->msg_zh];
  snprintf(en, sizeof en, "%s%s", en_prefix, inner->msg);
  snprintf(zh, sizeof zh, "%s%s", zh_prefix, inner->msg_zh[0] ? inner->msg_zh : inner->msg);
  char field[sizeof e->field];
  zz_strlcpy(field, inner->field, sizeof field);
  return zz_fail_pair(e, inner->code, field, en, zh);
}

void zz_assert_fail(const char *expr, const char *file, int line) {
  fprintf(stderr, "zhizhi: assertion failed: %s (%s:%d)\n", expr, file, line);
  abort();
}

static atomic_int zz_log_level = ZZ_LOG_INFO;

void zz_log_set_level(enum zz_log_level lvl) {
  atomic_store(&zz_log_level, (int)lvl);
}

void zz_log(enum zz_log_level lvl, const char *fmt, ...) {
  if ((int)lvl < atomic_load(&zz_log_level)) return;
  static const char *names[] = {"debug", "info", "warn", "error"};
  char line[1024];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  time_t local = ts.tv_sec + 8 * 3600; /* Asia/Shanghai, no DST */
  struct tm tm;
  gmtime_r(&local, &tm);
  int n = snprintf(line, sizeof line, "%04d-%02d-%02d %02d:%02d:%02d %-5s ", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, names[lvl]);
  va_list ap;
  va_start(ap, fmt);
  if (n > 0 && (size_t)n < sizeof line) vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s\n", line);
}
