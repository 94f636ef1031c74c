/* zz.c - the error table, assertions and logging. Allocation is in alloc.c,
 * the string helpers in str.c, files in fs.c. */
#include "core/zz.h"

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

int zz_fail(struct zz_err *e, int code, const char *field, const char *fmt, ...) {
  if (!e) return code;
  e->code = code;
  zz_strlcpy(e->field, field ? field : "", sizeof e->field);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return code;
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
