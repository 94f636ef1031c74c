/* encode.c - content coding and validators (encode.h): the Accept-Encoding
 * and If-None-Match parsers, gzip through zlib, ETags, and the cache that
 * keeps each static file's gzip so that it is compressed once, not per
 * request. */
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "core/hash.h"
#include "core/zz.h"
#include "http/encode.h"

/* Files larger than this are sent as they are: the cache holds whole files. */
#define GZ_FILE_MAX (8u << 20)
/* The cache's total of gzipped bytes; past it, new files go uncompressed. */
#define GZ_CACHE_MAX (48u << 20)
#define GZ_BUCKETS 64

static int is_ows(char c) {
  return c == ' ' || c == '\t';
}

/* A q-value ("1", "0.5", "0.000") as thousandths; 1000 when unreadable, as
 * a missing q means 1. */
static int qvalue(const char *p, const char *end) {
  if (p < end && *p == '1') return 1000;
  if (p >= end || *p != '0') return 1000;
  int q = 0, digits = 0;
  p++;
  if (p < end && *p == '.')
    for (p++; p < end && digits < 3 && *p >= '0' && *p <= '9'; p++, digits++)
      q = q * 10 + (*p - '0');
  while (digits++ < 3) q *= 10;
  return q;
}

int http_accepts_gzip(const char *ae) {
  if (!ae) return 0;
  int gzip_q = -1, star_q = -1;
  const char *p = ae;
  while (*p) {
    const char *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    while (p < end && is_ows(*p)) p++;
    const char *tok = p;
    while (p < end && *p != ';' && !is_ows(*p)) p++;
    size_t tlen = (size_t)(p - tok);
    int q = 1000;
    /* parameters: only q matters */
    while (p < end) {
      while (p < end && (is_ows(*p) || *p == ';')) p++;
      if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') q = qvalue(p + 2, end);
      while (p < end && *p != ';') p++;
    }
    if ((tlen == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
        (tlen == 6 && strncasecmp(tok, "x-gzip", 6) == 0))
      gzip_q = q;
    else if (tlen == 1 && *tok == '*')
      star_q = q;
    p = *end ? end + 1 : end;
  }
  if (gzip_q >= 0) return gzip_q > 0;
  return star_q > 0;
}

int http_type_compressible(const char *ct) {
  if (!ct) return 0;
  static const char *const types[] = {"text/html",
                                      "text/css",
                                      "text/javascript",
                                      "text/plain",
                                      "text/csv",
                                      "text/xml",
                                      "application/json",
                                      "application/geo+json",
                                      "application/javascript",
                                      "application/xml",
                                      "image/svg+xml"};
  size_t n = strcspn(ct, "; ");
  for (size_t i = 0; i < ZZ_ARRAY_LEN(types); i++)
    if (strlen(types[i]) == n && strncasecmp(ct, types[i], n) == 0) return 1;
  return 0;
}

int http_gzip(const void *in, size_t n, int level, char **out, size_t *outn) {
  *out = NULL;
  *outn = 0;
  z_stream z;
  memset(&z, 0, sizeof z);
  /* windowBits 15 + 16: a gzip header and trailer rather than zlib's */
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return ZZ_ENOMEM;
  uLong cap = deflateBound(&z, (uLong)n);
  char *buf = zz_malloc(cap);
  if (!buf) {
    deflateEnd(&z);
    return ZZ_ENOMEM;
  }
  z.next_in = (Bytef *)(uintptr_t)in; /* zlib's API is not const; it reads only */
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)buf;
  z.avail_out = (uInt)cap;
  int rc = deflate(&z, Z_FINISH); /* deflateBound makes one call enough */
  size_t len = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    zz_free(buf);
    return ZZ_EINTERNAL;
  }
  *out = buf;
  *outn = len;
  return 0;
}

void http_etag_content(const void *data, size_t n, char out[HTTP_ETAG_MAX]) {
  unsigned char h[16];
  crypto_generichash(h, sizeof h, data, n, NULL, 0);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  snprintf(out, HTTP_ETAG_MAX, "\"z%s\"", hex);
}

void http_etag_file(int64_t size, int64_t mtime_ns, char out[HTTP_ETAG_MAX]) {
  snprintf(out, HTTP_ETAG_MAX, "\"f%llx-%llx\"", (unsigned long long)size,
           (unsigned long long)mtime_ns);
}

void http_etag_gz(const char *etag, char out[HTTP_ETAG_MAX]) {
  size_t n = strlen(etag);
  if (n < 2 || n + 4 > HTTP_ETAG_MAX) {
    snprintf(out, HTTP_ETAG_MAX, "%s", etag);
    return;
  }
  snprintf(out, HTTP_ETAG_MAX, "%.*s-gz\"", (int)(n - 1), etag);
}

/* The opaque tag of an entity tag without W/, its quotes and a "-gz"
 * suffix: p..*n. NULL when it is not a quoted tag. */
static const char *tag_core(const char *p, size_t len, size_t *n) {
  if (len >= 2 && p[0] == 'W' && p[1] == '/') p += 2, len -= 2;
  if (len < 2 || p[0] != '"' || p[len - 1] != '"') return NULL;
  p++, len -= 2;
  if (len >= 3 && memcmp(p + len - 3, "-gz", 3) == 0) len -= 3;
  *n = len;
  return p;
}

int http_etag_matches(const char *inm, const char *etag) {
  if (!inm || !etag) return 0;
  size_t en;
  const char *e = tag_core(etag, strlen(etag), &en);
  if (!e) return 0;
  const char *p = inm;
  while (*p) {
    while (*p == ',' || is_ows(*p)) p++;
    if (!*p) break;
    if (*p == '*') return 1;
    /* one entity tag: [W/]"..." (no commas inside a tag's quotes) */
    const char *start = p;
    if (p[0] == 'W' && p[1] == '/') p += 2;
    if (*p != '"') {
      while (*p && *p != ',') p++;
      continue;
    }
    const char *close = strchr(p + 1, '"');
    if (!close) return 0;
    p = close + 1;
    size_t tn;
    const char *t = tag_core(start, (size_t)(p - start), &tn);
    if (t && tn == en && memcmp(t, e, en) == 0) return 1;
  }
  return 0;
}

/* ---- a file gzipped while it is sent ---- */

struct http_gz_stream {
  z_stream z;
  int fd;
  int eof, done;
  unsigned char in[32768];
};

int http_gz_stream_new(int fd, struct http_gz_stream **out) {
  struct http_gz_stream *s = zz_calloc(1, sizeof *s);
  if (!s) return ZZ_ENOMEM;
  /* level 6: per request, so the speed of zlib's default rather than 9's */
  if (deflateInit2(&s->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    zz_free(s);
    return ZZ_ENOMEM;
  }
  s->fd = fd;
  *out = s;
  return 0;
}

long http_gz_stream_read(struct http_gz_stream *s, char *buf, size_t max) {
  if (s->done) return -1;
  if (max > (1u << 30)) max = 1u << 30;
  s->z.next_out = (Bytef *)buf;
  s->z.avail_out = (uInt)max;
  /* deflate may take input without giving output yet: go on until some
   * bytes are out or the stream has ended */
  while (s->z.avail_out == max) {
    if (s->z.avail_in == 0 && !s->eof) {
      ssize_t k = read(s->fd, s->in, sizeof s->in);
      if (k < 0) return -2;
      if (k == 0) s->eof = 1;
      s->z.next_in = s->in;
      s->z.avail_in = (uInt)k;
    }
    int rc = deflate(&s->z, s->eof ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      s->done = 1;
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) return -2;
  }
  long n = (long)(max - s->z.avail_out);
  return n > 0 ? n : -1;
}

void http_gz_stream_free(struct http_gz_stream *s) {
  if (!s) return;
  deflateEnd(&s->z);
  close(s->fd);
  zz_free(s);
}

/* ---- the static files' gzip cache ---- */

struct gz_item {
  struct http_gz_entry pub; /* first: the public view is the item */
  struct gz_item *next;     /* in its bucket (cache lock) */
  struct http_gz_cache *cache;
  char *path;
  int64_t size, mtime_ns;
  int refs; /* the cache's own and each response's (cache lock) */
};

struct http_gz_cache {
  pthread_mutex_t lock;
  struct gz_item *buckets[GZ_BUCKETS];
  size_t bytes; /* gzipped bytes held by items in the buckets */
};

int http_gz_cache_new(struct http_gz_cache **out) {
  struct http_gz_cache *c = zz_calloc(1, sizeof *c);
  if (!c) return ZZ_ENOMEM;
  pthread_mutex_init(&c->lock, NULL);
  *out = c;
  return 0;
}

static void item_free(struct gz_item *it) {
  zz_free((void *)it->pub.gz);
  zz_free(it->path);
  zz_free(it);
}

/* Under the lock: drops one reference; the last frees the item. */
static void item_unref_locked(struct gz_item *it) {
  if (--it->refs == 0) item_free(it);
}

void http_gz_cache_free(struct http_gz_cache *c) {
  if (!c) return;
  for (size_t b = 0; b < GZ_BUCKETS; b++)
    while (c->buckets[b]) {
      struct gz_item *it = c->buckets[b];
      c->buckets[b] = it->next;
      it->cache = NULL; /* a response still holding it frees it alone */
      item_unref_locked(it);
    }
  pthread_mutex_destroy(&c->lock);
  zz_free(c);
}

void http_gz_entry_unref(const struct http_gz_entry *e) {
  struct gz_item *it = (struct gz_item *)(uintptr_t)e;
  struct http_gz_cache *c = it->cache;
  /* The cache may be gone (the server stopped while a response was out):
   * then the response holds the only reference. */
  if (!c) {
    item_unref_locked(it);
    return;
  }
  pthread_mutex_lock(&c->lock);
  item_unref_locked(it);
  pthread_mutex_unlock(&c->lock);
}

/* Reads the whole file at fd (from its start) into a new buffer. */
static char *read_all(int fd, size_t size) {
  char *buf = zz_malloc(size ? size : 1);
  if (!buf) return NULL;
  size_t got = 0;
  while (got < size) {
    ssize_t k = pread(fd, buf + got, size - got, (off_t)got);
    if (k <= 0) {
      zz_free(buf);
      return NULL;
    }
    got += (size_t)k;
  }
  return buf;
}

/* Compresses the file into a new item holding one reference, or NULL. */
static struct gz_item *item_make(const char *path, int fd, int64_t size, int64_t mtime_ns) {
  char *raw = read_all(fd, (size_t)size);
  if (!raw) return NULL;
  char *gz = NULL;
  size_t gzlen = 0;
  int rc = http_gzip(raw, (size_t)size, 9, &gz, &gzlen);
  zz_free(raw);
  struct gz_item *it = NULL;
  if (rc == 0 && gzlen < (size_t)size && (it = zz_calloc(1, sizeof *it)) != NULL &&
      (it->path = zz_strdup(path)) != NULL) {
    it->pub.gz = gz;
    it->pub.gzlen = gzlen;
    it->size = size;
    it->mtime_ns = mtime_ns;
    it->refs = 1;
    return it;
  }
  zz_free(gz);
  if (it) zz_free(it);
  return NULL;
}

const struct http_gz_entry *http_gz_cache_get(struct http_gz_cache *c, const char *path, int fd,
                                              int64_t size, int64_t mtime_ns) {
  if (size < HTTP_GZIP_MIN || (uint64_t)size > GZ_FILE_MAX) return NULL;
  unsigned b = (unsigned)(zz_hash_str(path) % GZ_BUCKETS);
  pthread_mutex_lock(&c->lock);
  for (struct gz_item *it = c->buckets[b]; it; it = it->next)
    if (strcmp(it->path, path) == 0 && it->size == size && it->mtime_ns == mtime_ns) {
      it->refs++;
      pthread_mutex_unlock(&c->lock);
      return &it->pub;
    }
  pthread_mutex_unlock(&c->lock);
  /* Compressed outside the lock: two first requests may both compress, and
   * the later one's copy replaces the earlier (same bytes). */
  struct gz_item *it = item_make(path, fd, size, mtime_ns);
  if (!it) return NULL;
  it->cache = c;
  pthread_mutex_lock(&c->lock);
  /* an older copy of this path (the file changed) goes */
  for (struct gz_item **pp = &c->buckets[b]; *pp;)
    if (strcmp((*pp)->path, path) == 0) {
      struct gz_item *old = *pp;
      *pp = old->next;
      c->bytes -= old->pub.gzlen;
      item_unref_locked(old);
    } else {
      pp = &(*pp)->next;
    }
  if (c->bytes + it->pub.gzlen <= GZ_CACHE_MAX) {
    it->next = c->buckets[b];
    c->buckets[b] = it;
    c->bytes += it->pub.gzlen;
    it->refs++; /* the cache's and the caller's */
  }
  pthread_mutex_unlock(&c->lock);
  return &it->pub;
}
