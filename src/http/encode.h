/* encode.h - how an answer travels: whether a client takes gzip
 * (Accept-Encoding), which answers are worth compressing (by type and size),
 * gzip itself (zlib), strong ETags and If-None-Match, and the cache of
 * static files' gzipped bytes. Everything but the cache is pure, so the
 * header parsers can be unit-tested and fuzzed. */
#ifndef ZZ_HTTP_ENCODE_H
#define ZZ_HTTP_ENCODE_H

#include <stddef.h>
#include <stdint.h>

/* Bodies under this many bytes go as they are: a gzip header and trailer
 * (18 bytes) and a deflate block barely pay below it. */
#define HTTP_GZIP_MIN 1024
/* An ETag's text with its quotes and "-gz", and the NUL. */
#define HTTP_ETAG_MAX 48

/* 1 when the Accept-Encoding header value takes gzip (named, or "*", with a
 * q above 0); 0 for NULL, "identity", "gzip;q=0" and the like. */
int http_accepts_gzip(const char *accept_encoding);
/* 1 for the types compression pays on (text, JSON, GeoJSON, JavaScript,
 * CSS, SVG, XML); 0 for images, fonts, archives and event streams. */
int http_type_compressible(const char *content_type);
/* gzip (RFC 1952) of n bytes at level (1..9). On success *out (zz_malloc,
 * the caller frees) holds *outn bytes; ZZ_ENOMEM or ZZ_EINTERNAL otherwise. */
int http_gzip(const void *in, size_t n, int level, char **out, size_t *outn);
/* A strong ETag ("z" and 32 hex digits of a BLAKE2b-128 of the bytes, in
 * quotes) into out. */
void http_etag_content(const void *data, size_t n, char out[HTTP_ETAG_MAX]);
/* A static file's ETag from its size and modification time (ns). */
void http_etag_file(int64_t size, int64_t mtime_ns, char out[HTTP_ETAG_MAX]);
/* The gzip representation's ETag: etag with "-gz" before its closing quote
 * (two representations of one resource must not share a strong ETag). */
void http_etag_gz(const char *etag, char out[HTTP_ETAG_MAX]);
/* 1 when an If-None-Match value names etag (weak comparison, as RFC 9110
 * asks for If-None-Match: a W/ prefix and the "-gz" suffix are ignored on
 * both sides) or is "*"; 0 otherwise or for NULL. */
int http_etag_matches(const char *if_none_match, const char *etag);

/* A file gzipped as it is sent (exports, one-shot files that are not worth
 * keeping): reads fd in blocks and deflates them, so memory stays small
 * whatever the file's size. */
struct http_gz_stream;
/* Takes fd over (closed by http_gz_stream_free). 0 or ZZ_ENOMEM (fd then
 * still the caller's). */
int http_gz_stream_new(int fd, struct http_gz_stream **out);
/* Fills buf with up to max gzip bytes: their count (> 0), -1 at the end,
 * -2 when the file cannot be read. */
long http_gz_stream_read(struct http_gz_stream *s, char *buf, size_t max);
void http_gz_stream_free(struct http_gz_stream *s);

/* The gzipped bytes of static files, keyed by path, size and mtime: a file
 * is compressed once (level 9) and kept until it changes. Entries are
 * counted references: a response holds one while it is sent. */
struct http_gz_cache;
struct http_gz_entry {
  const char *gz; /* the gzipped bytes */
  size_t gzlen;
};
int http_gz_cache_new(struct http_gz_cache **out);
void http_gz_cache_free(struct http_gz_cache *c);
/* The gzip of the file open as fd (size and mtime_ns from its fstat),
 * compressed now if the cache has no current copy. NULL when it is not worth
 * it (over the size cap, no smaller when compressed) or memory is short;
 * the caller then sends the file as it is. Release with http_gz_entry_unref. */
const struct http_gz_entry *http_gz_cache_get(struct http_gz_cache *c, const char *path, int fd,
                                              int64_t size, int64_t mtime_ns);
void http_gz_entry_unref(const struct http_gz_entry *e);

#endif
