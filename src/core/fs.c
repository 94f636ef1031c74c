/* fs.c - making a path's missing directories (fs.h). */
#include "core/fs.h"

#include <errno.h>
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
