/* proxy.c - trusted proxy ranges, X-Forwarded-For, and the URL pieces the
 * CSRF rule compares. See proxy.h; nothing here does I/O. */
#include "http/proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/zz.h"

static int is_blank(char c) {
  return c == ' ' || c == '\t';
}

int http_addr_parse(const char *s, size_t n, int *family, unsigned char addr[16]) {
  while (n && is_blank(*s)) s++, n--;
  while (n && is_blank(s[n - 1])) n--;
  if (n == 0 || n >= INET6_ADDRSTRLEN) return ZZ_EINVAL;
  char t[INET6_ADDRSTRLEN];
  memcpy(t, s, n);
  t[n] = '\0';
  memset(addr, 0, 16);
  if (inet_pton(AF_INET, t, addr) == 1) {
    *family = AF_INET;
    return 0;
  }
  if (inet_pton(AF_INET6, t, addr) == 1) {
    *family = AF_INET6;
    return 0;
  }
  return ZZ_EINVAL;
}

void http_addr_limit_key(const char *addr, char *out, size_t cap) {
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  int family;
  unsigned char a[16];
  zz_strlcpy(out, addr ? addr : "", cap);
  if (!addr || http_addr_parse(addr, strlen(addr), &family, a) || family != AF_INET6) return;
  char t[INET6_ADDRSTRLEN];
  if (memcmp(a, mapped, sizeof mapped) == 0) {
    if (inet_ntop(AF_INET, a + 12, t, sizeof t)) zz_strlcpy(out, t, cap);
    return;
  }
  memset(a + 8, 0, 8);
  if (inet_ntop(AF_INET6, a, t, sizeof t)) snprintf(out, cap, "%s/64", t);
}

int http_cidr_parse(const char *s, struct http_cidr *out) {
  if (!s) return ZZ_EINVAL;
  const char *slash = strchr(s, '/');
  size_t alen = slash ? (size_t)(slash - s) : strlen(s);
  memset(out, 0, sizeof *out);
  if (http_addr_parse(s, alen, &out->family, out->addr)) return ZZ_EINVAL;
  int max = out->family == AF_INET ? 32 : 128;
  out->bits = max;
  if (slash) {
    const char *p = slash + 1;
    if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 3) return ZZ_EINVAL;
    int b = 0;
    for (; *p; p++) b = b * 10 + (*p - '0'); /* at most three digits, checked above */
    if (b > max) return ZZ_EINVAL;
    out->bits = b;
  }
  return 0;
}

static int cidr_match(const struct http_cidr *c, int family, const unsigned char *addr) {
  if (c->family != family) return 0;
  int full = c->bits / 8, rest = c->bits % 8;
  if (memcmp(c->addr, addr, (size_t)full) != 0) return 0;
  if (!rest) return 1;
  unsigned char mask = (unsigned char)(0xFFu << (8 - rest));
  return (c->addr[full] & mask) == (addr[full] & mask);
}

int http_cidr_contains(const struct http_cidr *list, size_t n, int family,
                       const unsigned char *addr) {
  for (size_t i = 0; i < n; i++)
    if (cidr_match(&list[i], family, addr)) return 1;
  return 0;
}

int http_forwarded_client(const char *xff, const struct http_cidr *trusted, size_t n, char *out,
                          size_t cap) {
  if (!xff) return 0;
  size_t end = strlen(xff);
  int found = 0;
  while (end > 0) {
    size_t start = end;
    while (start > 0 && xff[start - 1] != ',') start--;
    int family;
    unsigned char addr[16];
    size_t len = end - start;
    const char *item = xff + start;
    int blank = 1;
    for (size_t i = 0; i < len; i++) blank &= is_blank(item[i]);
    if (!blank) {
      if (http_addr_parse(item, len, &family, addr)) return found; /* malformed: stop here */
      if (!inet_ntop(family, addr, out, (socklen_t)cap)) return found;
      found = 1;
      if (!http_cidr_contains(trusted, n, family, addr)) return 1;
    }
    end = start ? start - 1 : 0;
  }
  return found; /* all trusted: the leftmost one written last */
}

size_t http_last_token(const char *h, char *out, size_t cap) {
  if (!cap) return 0;
  out[0] = '\0';
  if (!h) return 0;
  const char *comma = strrchr(h, ',');
  const char *s = comma ? comma + 1 : h;
  while (is_blank(*s)) s++;
  size_t n = strlen(s);
  while (n && is_blank(s[n - 1])) n--;
  if (n >= cap) return 0;
  memcpy(out, s, n);
  out[n] = '\0';
  return n;
}

int http_url_authority(const char *url, char *out, size_t cap, int *dflt_port) {
  if (!url) return -1;
  const char *p;
  if (strncasecmp(url, "https://", 8) == 0)
    p = url + 8, *dflt_port = 443;
  else if (strncasecmp(url, "http://", 7) == 0)
    p = url + 7, *dflt_port = 80;
  else
    return -1;
  size_t n = strcspn(p, "/?#");
  if (n == 0 || n >= cap || memchr(p, '@', n)) return -1;
  memcpy(out, p, n);
  out[n] = '\0';
  return 0;
}

/* Splits "host:port" / "[v6]:port" into the host part's length and the port
 * (dflt when absent). */
static void split_authority(const char *a, size_t *hostlen, long *port, int dflt) {
  size_t n = strlen(a);
  const char *colon = strrchr(a, ':');
  const char *bracket = strrchr(a, ']');
  *port = dflt;
  *hostlen = n;
  if (colon && (!bracket || colon > bracket) && (a[0] == '[' || strchr(a, ':') == colon)) {
    *hostlen = (size_t)(colon - a);
    char *end;
    long v = strtol(colon + 1, &end, 10);
    *port = (*end == '\0' && colon[1]) ? v : -1;
  }
}

int http_authority_same(const char *a, const char *b, int dflt_port) {
  if (!a || !b) return 0;
  size_t ha, hb;
  long pa, pb;
  split_authority(a, &ha, &pa, dflt_port);
  split_authority(b, &hb, &pb, dflt_port);
  return ha == hb && pa == pb && pa >= 0 && strncasecmp(a, b, ha) == 0;
}
