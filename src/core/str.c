/* str.c - the string helpers every module uses: a bounded copy and a
 * checked integer parse. */
#include "core/zz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
