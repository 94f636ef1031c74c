/* spool.c - anonymous temporary files under DATA/spool/ (see spool.h). */
#include "ingest/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int spool_prepare(const char *data_dir, struct zz_err *e) {
  char dir[4096];
  if (snprintf(dir, sizeof dir, "%s/spool", data_dir) >= (int)sizeof dir)
    return zz_fail(e, ZZ_EINVAL, "data", "the data directory's path is too long");
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return zz_fail(e, ZZ_EIO, "data", "cannot create %s: %s", dir, strerror(errno));
  chmod(dir, 0700); /* bodies of sources: nobody else reads them */
  /* Files are unlinked when created; a name is left only by a crash in
   * between (the fallback without O_TMPFILE). */
  DIR *d = opendir(dir);
  if (!d) return zz_fail(e, ZZ_EIO, "data", "cannot read %s: %s", dir, strerror(errno));
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strncmp(de->d_name, "body-", 5) != 0) continue;
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    unlink(path);
  }
  closedir(d);
  return 0;
}

int spool_open(const char *dir, struct zz_err *e) {
  int fd = -1;
#ifdef O_TMPFILE
  fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
  if (fd < 0) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/body-XXXXXX", dir) >= (int)sizeof path) {
      zz_fail(e, ZZ_EINVAL, "data", "the spool directory's path is too long");
      return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0) unlink(path);
  }
  if (fd < 0)
    zz_fail(e, ZZ_EIO, "body", "cannot create a spool file in %s: %s", dir, strerror(errno));
  return fd;
}

int spool_write(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t k = write(fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return ZZ_EIO;
    c += k;
    n -= (size_t)k;
  }
  return 0;
}

ssize_t spool_read(int fd, void *p, size_t cap, int64_t off) {
  for (;;) {
    ssize_t k = pread(fd, p, cap, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    return k;
  }
}
