/* str.c - the string helpers every module uses: a bounded copy and a
 * checked integer parse. */
#include "core/zz.h"

#include <errno.h>
#include <stdio.h>
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

/* ---- the masks of personal data ---- */

void zz_mask_name(const char *name, char *out, size_t cap) {
  if (!cap) return;
  if (!name || !*name) {
    out[0] = '\0';
    return;
  }
  /* the first character: a UTF-8 lead byte and its continuation bytes */
  size_t n = 1;
  while (n < 4 && ((unsigned char)name[n] & 0xC0) == 0x80) n++;
  snprintf(out, cap, "%.*s**", (int)n, name);
}

void zz_mask_phone(const char *phone, char *out, size_t cap) {
  if (!cap) return;
  char d[64];
  size_t n = 0;
  for (const char *p = phone ? phone : ""; *p && n < sizeof d; p++)
    if (*p >= '0' && *p <= '9') d[n++] = *p;
  if (n >= 7)
    snprintf(out, cap, "%.3s****%.4s", d, d + n - 4);
  else
    snprintf(out, cap, "%s", phone && *phone ? "****" : "");
}

static int phone_like(const char *s) {
  size_t digits = 0;
  for (const char *p = s; *p; p++) {
    if (*p >= '0' && *p <= '9')
      digits++;
    else if (!strchr(" -+()", *p))
      return 0;
  }
  return digits >= 7;
}

void zz_mask_personal(const char *value, char *out, size_t cap) {
  if (value && phone_like(value))
    zz_mask_phone(value, out, cap);
  else
    zz_mask_name(value, out, cap);
}
