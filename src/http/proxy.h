/* proxy.h - what a reverse proxy in front of zhizhi may tell it: address
 * ranges (CIDR) of trusted proxies, the client address taken from
 * X-Forwarded-For (the rightmost address that is not a trusted proxy), and
 * the origin checks of the CSRF rule. Pure functions of their arguments (no
 * I/O), so they are unit-tested and fuzzable. */
#ifndef ZZ_HTTP_PROXY_H
#define ZZ_HTTP_PROXY_H

#include <stddef.h>

/* An address range: family AF_INET or AF_INET6, the address in network
 * order (4 or 16 bytes used), and the prefix length. */
struct http_cidr {
  int family;
  unsigned char addr[16];
  int bits;
};

/* Parses "10.0.0.0/8", "192.168.1.10" (a /32), "fd00::/8" or "::1". Returns
 * 0, or ZZ_EINVAL when s is not an address with an optional prefix length
 * that fits the family. */
int http_cidr_parse(const char *s, struct http_cidr *out);

/* Parses a textual address (IPv4 or IPv6, surrounding blanks ignored) into
 * family and addr (16 bytes). Returns 0 or ZZ_EINVAL. */
int http_addr_parse(const char *s, size_t n, int *family, unsigned char addr[16]);

/* 1 when the address (family, 4 or 16 bytes) is inside one of the n ranges. */
int http_cidr_contains(const struct http_cidr *list, size_t n, int family,
                       const unsigned char *addr);

/* The client address of a request that came through trusted proxies: walks
 * the X-Forwarded-For list xff from the right, skipping addresses inside
 * the trusted ranges, and writes the first other one into out (normalised
 * text). When every listed address is trusted, the leftmost is the client.
 * Returns 1 when out was written, 0 when xff holds no usable address (an
 * empty list, or a malformed entry met before an untrusted address: the
 * caller then keeps the proxy's own address). */
int http_forwarded_client(const char *xff, const struct http_cidr *trusted, size_t n, char *out,
                          size_t cap);

/* The key per-address limits count a client under (out >= 64 bytes): an
 * IPv4 address as it is; an IPv6 address as its /64 ("2001:db8:1:2::/64"),
 * the block one host or household is given, so that a host cannot pass
 * each limit again from each of its 2^64 addresses; an IPv4-mapped IPv6
 * address as the IPv4 one. Text that is no address is copied as it is. */
void http_addr_limit_key(const char *addr, char *out, size_t cap);

/* The last value of a comma-separated header ("https, http" -> "http"),
 * trimmed, into out. Returns its length (0 when there is none). */
size_t http_last_token(const char *h, char *out, size_t cap);

/* The authority ("host[:port]") of an absolute http(s) URL or an Origin
 * header ("https://example.org:8443/path" -> "example.org:8443"), and its
 * scheme's default port (80, 443) in *dflt_port. Returns 0, or -1 when url
 * is not an absolute http or https URL. */
int http_url_authority(const char *url, char *out, size_t cap, int *dflt_port);

/* 1 when two authorities name the same host and port, case-insensitively,
 * treating a missing port as dflt_port ("example.org" == "example.org:443"
 * for https). */
int http_authority_same(const char *a, const char *b, int dflt_port);

#endif
