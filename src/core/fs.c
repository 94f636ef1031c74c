/* fs.c - files under the data directory (fs.h): missing folders, whole
 * writes, an upload's type. */
#include "core/fs.h"

#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/zz.h"

#define FS_PATH_MAX 4096

/* Makes the folders of path up to its last '/' (with_last: path itself
 * too). An existing folder is not an error; errno is left as the failing
 * mkdir set it. */
static int make_dirs(const char *path, int with_last) {
  char tmp[FS_PATH_MAX];
  if (strlen(path) >= sizeof tmp) {
    errno = ENAMETOOLONG;
    return ZZ_EIO;
  }
  zz_strlcpy(tmp, path, sizeof tmp);
  for (char *s = strchr(tmp + 1, '/'); s; s = strchr(s + 1, '/')) {
    *s = '\0';
    int rc = mkdir(tmp, 0750);
    *s = '/';
    if (rc != 0 && errno != EEXIST) return zz_errno_full(ZZ_EIO);
  }
  if (with_last && tmp[0] && mkdir(tmp, 0750) != 0 && errno != EEXIST) return zz_errno_full(ZZ_EIO);
  return 0;
}

int zz_mkdir_p(const char *path) {
  return make_dirs(path, 1);
}

int zz_mkdir_parents(const char *path) {
  return make_dirs(path, 0);
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
