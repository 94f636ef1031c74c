/* fuzz_proxy.c - libFuzzer target for the proxy header parsers
 * (http/proxy.h). The input is split at the first '\n': the head is a
 * trusted range list (comma-separated CIDRs; bad ones are skipped), the
 * rest is used as X-Forwarded-For, as a comma list for http_last_token and
 * as a URL for http_url_authority. Whatever comes back is bounded and
 * NUL-terminated, a forwarded client is a parsable address outside the
 * trusted ranges unless every listed one was trusted, and an authority is
 * the same as itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/zz.h"
#include "http/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  char *in = zz_xcalloc(1, size + 1);
  memcpy(in, data, size);
  char *nl = memchr(in, '\n', size);
  const char *rest = nl ? nl + 1 : in;
  if (nl) *nl = '\0';
  struct http_cidr list[8];
  size_t n = 0;
  char *heads = zz_xstrdup(nl ? in : "");
  for (char *t = heads; t && n < 8;) {
    char *comma = strchr(t, ',');
    if (comma) *comma = '\0';
    struct http_cidr c;
    if (http_cidr_parse(t, &c) == 0) {
      ZZ_ASSERT(c.bits >= 0 && c.bits <= (c.family == AF_INET ? 32 : 128));
      list[n++] = c;
    }
    t = comma ? comma + 1 : NULL;
  }
  char out[64];
  memset(out, 'x', sizeof out);
  if (http_forwarded_client(rest, list, n, out, sizeof out)) {
    ZZ_ASSERT(memchr(out, '\0', sizeof out) != NULL);
    int fam;
    unsigned char a[16];
    ZZ_ASSERT(http_addr_parse(out, strlen(out), &fam, a) == 0);
  }
  char tok[32];
  size_t tl = http_last_token(rest, tok, sizeof tok);
  ZZ_ASSERT(tl < sizeof tok && strlen(tok) == tl);
  char auth[128];
  int dflt = 0;
  if (http_url_authority(rest, auth, sizeof auth, &dflt) == 0) {
    ZZ_ASSERT(dflt == 80 || dflt == 443);
    ZZ_ASSERT(strlen(auth) > 0 && strlen(auth) < sizeof auth);
    (void)http_authority_same(auth, auth, dflt);
  }
  zz_free(heads);
  zz_free(in);
  return 0;
}
