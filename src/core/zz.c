/* zz.c - error table, allocation wrappers with failure injection, logging
 * and the few string helpers every module uses. */
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

static atomic_long zz_alloc_countdown;

static int alloc_should_fail(void) {
  if (atomic_load_explicit(&zz_alloc_countdown, memory_order_relaxed) == 0) return 0;
  return atomic_fetch_sub(&zz_alloc_countdown, 1) == 1;
}

void zz_alloc_fail_after(long n) {
  atomic_store(&zz_alloc_countdown, n);
}

void *zz_malloc(size_t n) {
  return alloc_should_fail() ? NULL : malloc(n ? n : 1);
}

void *zz_calloc(size_t n, size_t size) {
  return alloc_should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *zz_realloc(void *p, size_t n) {
  return alloc_should_fail() ? NULL : realloc(p, n ? n : 1);
}

char *zz_strndup(const char *s, size_t n) {
  char *d = zz_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *zz_strdup(const char *s) {
  return zz_strndup(s, strlen(s));
}

static void *oom(size_t n) {
  fprintf(stderr, "zhizhi: out of memory allocating %zu bytes\n", n);
  abort();
}

void *zz_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  return p ? p : oom(n);
}

void *zz_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  return p ? p : oom(n * size);
}

char *zz_xstrdup(const char *s) {
  size_t n = strlen(s);
  char *d = zz_xmalloc(n + 1);
  memcpy(d, s, n + 1);
  return d;
}

void zz_free(void *p) {
  free(p);
}

size_t zz_strlcpy(char *dst, const char *src, size_t n) {
  size_t len = strlen(src);
  if (n) {
    size_t c = len < n - 1 ? len : n - 1;
    memcpy(dst, src, c);
    dst[c] = 0;
  }
  return len;
}

int zz_parse_i64(const char *s, int64_t *out) {
  if (!s || !*s) return ZZ_EINVAL;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || end == s) return ZZ_EINVAL;
  *out = v;
  return 0;
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

char *zz_xstrdup_n(const char *s, size_t n) {
  char *d = zz_xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

const char *zz_sniff_type(const void *data, size_t n) {
  const unsigned char *p = data;
  if (n >= 5 && memcmp(p, "%PDF-", 5) == 0) return "pdf";
  if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return "jpeg";
  if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) return "png";
  return NULL;
}

int zz_errno_full(int other) {
  return errno == ENOSPC || errno == EDQUOT ? ZZ_EFULL : other;
}

/* Writes n bytes to the open fd, syncs them when sync is 1, and closes it:
 * 0, ZZ_EFULL or ZZ_EIO (errno kept for the caller). A write of 0 bytes
 * means no space on Linux file systems that do not set errno for it. */
static int write_close(int fd, const void *data, size_t n, int sync) {
  const char *p = data;
  size_t left = n;
  while (left) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = ENOSPC;
      int rc = zz_errno_full(ZZ_EIO), saved = errno;
      close(fd);
      errno = saved;
      return rc;
    }
    p += w;
    left -= (size_t)w;
  }
  if (sync && fsync(fd) != 0) {
    int rc = zz_errno_full(ZZ_EIO), saved = errno;
    close(fd);
    errno = saved;
    return rc;
  }
  /* close reports a delayed write error (NFS, some quota set-ups) */
  return close(fd) == 0 ? 0 : zz_errno_full(ZZ_EIO);
}

int zz_write_file(const char *path, const void *data, size_t n, int sync) {
  char tmp[4200];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) return ZZ_EIO;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return zz_errno_full(ZZ_EIO);
  int rc = write_close(fd, data, n, sync);
  if (!rc && rename(tmp, path) != 0) rc = zz_errno_full(ZZ_EIO);
  if (rc) {
    int saved = errno;
    unlink(tmp);
    errno = saved;
  }
  return rc;
}

int zz_write_new_file(const char *path, const void *data, size_t n, int sync) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return errno == EEXIST ? ZZ_EEXISTS : zz_errno_full(ZZ_EIO);
  int rc = write_close(fd, data, n, sync);
  if (rc) {
    int saved = errno;
    unlink(path);
    errno = saved;
  }
  return rc;
}
