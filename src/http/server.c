/* server.c - libmicrohttpd wiring: a thread pool, a route table matched by
 * path segments, buffered or streamed request bodies with hard caps,
 * authentication and role checks before any handler runs, JSON error
 * bodies, and static files for everything under the web directory. A
 * handler's reply is queued when the body is complete (MHD's second call),
 * which keeps connections alive. */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/msg.h"
#include "http/encode.h"
#include "http/http.h"
#include "http/proxy.h"
#include "http/route_match.h"

#define HTTP_MAX_HEADERS 16
#define HTTP_BODY_DEFAULT (1u << 20)
#define HTTP_IDLE_TIMEOUT 120 /* seconds a connection may sit idle on the client side */
#define HTTP_CONNS_PER_IP_DEFAULT 256
#define HTTP_HEADER_TIMEOUT_DEFAULT 10
#define HTTP_IP_BUCKETS 1024

/* Open connections of one client address (the socket's, not a forwarded
 * one: the cap guards the server's own sockets). */
struct ip_count {
  struct ip_count *next;
  int family;
  unsigned char addr[16];
  int n;
};

/* One open connection, from MHD's "started" notice to its "closed" one.
 * deadline is when its request head must have arrived (monotonic ms), 0
 * while a request is being handled or answered. refs: the connection and
 * the request that holds it; freed when both let go. */
struct conn_track {
  struct conn_track *prev, *next;
  int fd; /* -1 once closed */
  int64_t deadline;
  struct ip_count *ip; /* NULL when not counted (a trusted proxy) */
  int refs;
};

struct http_server {
  struct MHD_Daemon *d;
  struct http_server_opts o;
  int port;
  pthread_mutex_t lock; /* guards every request's suspend state */
  pthread_cond_t idle;  /* signalled when nsuspended drops */
  int nsuspended;
  struct http_push *pushes; /* live push responses (srv->lock) */
  int stopping;             /* push responses end at their next fill (srv->lock) */
  /* connection guard: per-address counts and the header deadline */
  pthread_mutex_t conn_lock;
  struct conn_track *conns;
  struct ip_count *ips[HTTP_IP_BUCKETS];
  int conns_per_ip;  /* 0: no cap */
  int64_t header_ms; /* head deadline */
  pthread_t reaper;  /* closes connections past their deadline */
  pthread_cond_t reaper_cv;
  int reaper_started, reaper_stop; /* conn_lock */
  int64_t refused_warned;          /* last "refused" log line, monotonic ms (conn_lock) */
  int public_https;                /* --public-url is https */
  char public_origin[256];         /* "https://host[:port]" of --public-url, or "" */
  struct http_gz_cache *gz;        /* static files' gzipped bytes (encode.h) */
};

/* A long-lived response; freed by MHD's free callback for the response. */
struct http_push {
  struct http_server *srv;
  struct MHD_Connection *conn;
  struct http_push_ops ops;
  void *ud;
  int suspended; /* srv->lock */
  int pending;   /* woken while awake: fill again before sleeping (srv->lock) */
  struct http_push *prev, *next;
};

struct http_req {
  struct http_server *srv;
  struct MHD_Connection *conn;
  const char *method, *url;
  const struct http_route *route;
  char pnames[HTTP_MAX_PARAMS][32];
  char *pvals[HTTP_MAX_PARAMS];
  int nparams;
  struct http_auth_ctx auth;
  struct zz_buf body;
  uint64_t received;
  int early_status; /* a reply decided before the body (401, 413, 415...) */
  struct zz_err early;
  int stream_begun, stream_failed;
  int timeout_off; /* idle timeout lifted while suspended (maybe_suspend) */
  int replied;
  int want_suspend;   /* the handler asked to sleep (srv->lock) */
  int suspended;      /* MHD_suspend_connection was called (srv->lock) */
  int resume_pending; /* http_resume came before the suspend (srv->lock) */
  void *state;
  struct MHD_Response *resp;
  int status;
  char *hnames[HTTP_MAX_HEADERS], *hvals[HTTP_MAX_HEADERS];
  int nheaders;
  char peer[64];
  char peer_key[64]; /* http_peer_key, made on first use */
  int via_proxy;     /* the socket peer is a trusted proxy */
  int https;         /* the client reached the proxy over https (trusted proxy only) */
  int in_face;       /* an error face is writing: its own failure answers in JSON */
  struct conn_track *track;
  int etag_auto; /* http_etag: the body decides a strong ETag */
};

/* ---- accessors ---- */

const char *http_method(struct http_req *r) {
  return r->method;
}
const char *http_path(struct http_req *r) {
  return r->url;
}
const struct http_auth_ctx *http_auth(struct http_req *r) {
  return &r->auth;
}
struct app *http_app(struct http_req *r) {
  return r->srv->o.app;
}
void *http_state(struct http_req *r) {
  return r->state;
}
void http_set_state(struct http_req *r, void *state) {
  r->state = state;
}

const char *http_param(struct http_req *r, const char *name) {
  for (int i = 0; i < r->nparams; i++)
    if (strcmp(r->pnames[i], name) == 0) return r->pvals[i];
  return NULL;
}

const char *http_query(struct http_req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_iter {
  void (*fn)(void *, const char *, const char *);
  void *ud;
};

static enum MHD_Result query_iter_cb(void *cls, enum MHD_ValueKind kind, const char *k,
                                     const char *v) {
  (void)kind;
  struct query_iter *it = cls;
  it->fn(it->ud, k, v ? v : "");
  return MHD_YES;
}

void http_query_each(struct http_req *r, void (*fn)(void *, const char *, const char *), void *ud) {
  struct query_iter it = {fn, ud};
  MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_iter_cb, &it);
}

const char *http_header(struct http_req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(struct http_req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *http_body(struct http_req *r, size_t *len) {
  if (len) *len = r->body.len;
  return r->body.data ? r->body.data : "";
}

const char *http_peer(struct http_req *r) {
  return r->peer;
}

const char *http_peer_key(struct http_req *r) {
  if (!r->peer_key[0]) http_addr_limit_key(r->peer, r->peer_key, sizeof r->peer_key);
  return r->peer_key;
}

int http_is_https(struct http_req *r) {
  return r->srv->public_https || r->https;
}

/* The host[:port] this server is reached at: --public-url's, else the
 * trusted proxy's X-Forwarded-Host, else the Host header (NULL if none). */
static const char *own_authority(struct http_req *r, char *buf, size_t cap) {
  int dflt;
  if (r->srv->public_origin[0] && http_url_authority(r->srv->public_origin, buf, cap, &dflt) == 0)
    return buf;
  if (r->via_proxy && http_last_token(http_header(r, "X-Forwarded-Host"), buf, cap)) return buf;
  return http_header(r, "Host");
}

int http_base_url(struct http_req *r, char *out, size_t cap) {
  if (r->srv->public_origin[0]) {
    zz_strlcpy(out, r->srv->public_origin, cap);
    return 0;
  }
  char buf[256];
  const char *host = own_authority(r, buf, sizeof buf);
  if (!host || !*host || strlen(host) > 200) host = "localhost";
  /* the host is echoed into QR codes and pages: host characters only */
  if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
      strlen(host))
    return ZZ_EINVAL;
  snprintf(out, cap, "%s://%s", r->https ? "https" : "http", host);
  return 0;
}

/* The media type of a Content-Type a cross-site HTML form or a fetch
 * without a CORS preflight can send. */
static int simple_media_type(const char *ct) {
  static const char *const simple[] = {"text/plain", "application/x-www-form-urlencoded",
                                       "multipart/form-data"};
  while (*ct == ' ' || *ct == '\t') ct++;
  size_t n = strcspn(ct, "; \t");
  for (size_t i = 0; i < ZZ_ARRAY_LEN(simple); i++)
    if (strlen(simple[i]) == n && strncasecmp(ct, simple[i], n) == 0) return 1;
  return 0;
}

int http_csrf_check(struct http_req *r, struct zz_err *e) {
  const char *ct = http_header(r, "Content-Type");
  const char *cl = http_header(r, "Content-Length");
  int has_body = (cl && strcmp(cl, "0") != 0) || http_header(r, "Transfer-Encoding");
  if (ct ? simple_media_type(ct) : has_body)
    return zz_fail(e, ZZ_EMEDIATYPE, "Content-Type",
                   "a change made with a session cookie needs Content-Type: application/json (or "
                   "the upload's own type), not \"%.60s\"",
                   ct ? ct : "(none)");
  const char *origin = http_header(r, "Origin");
  const char *field = origin ? "Origin" : "Referer";
  const char *from = origin ? origin : http_header(r, "Referer");
  if (!from) return 0; /* old clients and tools send neither */
  char theirs[256], buf[256];
  int dflt = 0;
  const char *ours = own_authority(r, buf, sizeof buf);
  if (http_url_authority(from, theirs, sizeof theirs, &dflt) != 0 || !ours ||
      !http_authority_same(theirs, ours, dflt))
    return zz_fail(e, ZZ_EFORBIDDEN, field,
                   "%s \"%.80s\" is another site than this server (%.80s): changes must come "
                   "from zhizhi's own pages",
                   field, from, ours ? ours : "no Host");
  return 0;
}

void http_suspend(struct http_req *r) {
  pthread_mutex_lock(&r->srv->lock);
  r->want_suspend = 1;
  pthread_mutex_unlock(&r->srv->lock);
}

void http_resume(struct http_req *r) {
  struct http_server *srv = r->srv;
  pthread_mutex_lock(&srv->lock);
  if (r->suspended) {
    r->suspended = 0;
    srv->nsuspended--;
    MHD_resume_connection(r->conn);
    pthread_cond_broadcast(&srv->idle);
  } else {
    r->resume_pending = 1;
  }
  pthread_mutex_unlock(&srv->lock);
}

/* After a handler step: sleep if it asked to. Returns 1 when the request is
 * now suspended, 0 when the work it waited for is already done (the caller
 * runs the next step at once). */
static int maybe_suspend(struct http_req *r) {
  struct http_server *srv = r->srv;
  pthread_mutex_lock(&srv->lock);
  int slept = 0;
  if (r->want_suspend) {
    r->want_suspend = 0;
    if (r->resume_pending) {
      r->resume_pending = 0;
    } else {
      r->suspended = 1;
      srv->nsuspended++;
      /* The request waits for our work (a commit of a large body can take
       * minutes), not for the client: no idle timeout until it runs again. */
      if (!r->timeout_off) {
        MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)0);
        r->timeout_off = 1;
      }
      MHD_suspend_connection(r->conn);
      slept = 1;
    }
  }
  pthread_mutex_unlock(&srv->lock);
  return slept;
}

/* ---- responses ---- */

void http_add_header(struct http_req *r, const char *name, const char *value) {
  if (r->nheaders == HTTP_MAX_HEADERS) return;
  r->hnames[r->nheaders] = zz_xstrdup(name);
  r->hvals[r->nheaders] = zz_xstrdup(value);
  r->nheaders++;
}

static int has_header(const struct http_req *r, const char *name) {
  for (int i = 0; i < r->nheaders; i++)
    if (strcasecmp(r->hnames[i], name) == 0) return 1;
  return 0;
}

/* The security headers every answer carries, each once: a handler that set
 * its own (a stricter Referrer-Policy) wins. */
static void add_common_headers(struct http_req *r, struct MHD_Response *resp) {
  if (!has_header(r, "X-Content-Type-Options"))
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  if (!has_header(r, "Referrer-Policy"))
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
  for (int i = 0; i < r->nheaders; i++) MHD_add_response_header(resp, r->hnames[i], r->hvals[i]);
}

static int set_response(struct http_req *r, int status, struct MHD_Response *resp) {
  if (!resp) return ZZ_ENOMEM;
  if (r->resp) MHD_destroy_response(r->resp);
  add_common_headers(r, resp);
  r->resp = resp;
  r->status = status;
  r->replied = 1;
  return 0;
}

/* A body whose writing failed (memory short, its cap passed) never goes out
 * cut short: the client gets the error instead (500, 413), without the
 * headers the handler meant for its answer (a cache lifetime, an ETag). */
static int reply_failed_body(struct http_req *r, struct zz_buf *body) {
  int err = zz_buf_error(body);
  zz_buf_free(body);
  for (int i = 0; i < r->nheaders; i++) zz_free(r->hnames[i]), zz_free(r->hvals[i]);
  r->nheaders = 0;
  zz_error("http: the answer to %s %s could not be written: %s", r->method, r->url,
           zz_strerror(err));
  http_fail(r, err, "", "the answer could not be written: %s%.0s", zz_strerror(err),
            zz_strerror_zh(err));
  return err;
}

/* ---- content coding and validators (encode.h) ----
 * A buffered answer or a public file of a compressible type goes gzipped to
 * a client that takes it, when it is large enough to pay; every such answer
 * says Vary: Accept-Encoding, so that a cache keeps the two apart. Public
 * files carry an ETag from their size and mtime, buffered answers one from
 * their bytes when their handler asked (http_etag); a GET or HEAD naming it
 * in If-None-Match gets 304 without a body. */

static int is_get_or_head(const struct http_req *r) {
  return strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
}

/* 1 when the client's If-None-Match names etag on a GET or HEAD. */
static int not_modified(struct http_req *r, const char *etag) {
  return etag[0] && is_get_or_head(r) && http_etag_matches(http_header(r, "If-None-Match"), etag);
}

/* 304: no body, the representation's ETag, the handler's headers (its
 * Cache-Control) and Vary when the answer would have depended on it. */
static int reply_not_modified(struct http_req *r, const char *etag, int vary) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
  if (!resp) return ZZ_ENOMEM;
  MHD_add_response_header(resp, "ETag", etag);
  if (vary) MHD_add_response_header(resp, "Vary", "Accept-Encoding");
  return set_response(r, 304, resp);
}

/* Sends data (zz_malloc'd, taken over) as the answer: 304 when the client
 * holds it already, gzipped when that pays. */
static int reply_encoded(struct http_req *r, int status, const char *content_type, char *data,
                         size_t len) {
  int vary = http_type_compressible(content_type);
  int gzip = vary && len >= HTTP_GZIP_MIN && http_accepts_gzip(http_header(r, "Accept-Encoding"));
  char etag[HTTP_ETAG_MAX] = "", sent[HTTP_ETAG_MAX] = "";
  if (r->etag_auto && status == 200) {
    http_etag_content(data, len, etag);
    if (gzip)
      http_etag_gz(etag, sent);
    else
      memcpy(sent, etag, sizeof sent);
    if (not_modified(r, etag)) {
      zz_free(data);
      return reply_not_modified(r, sent, vary);
    }
  }
  if (gzip) {
    char *gz = NULL;
    size_t gzlen = 0;
    if (http_gzip(data, len, 6, &gz, &gzlen) == 0 && gzlen < len) {
      zz_free(data);
      data = gz, len = gzlen;
    } else {
      zz_free(gz);
      gzip = 0;
      memcpy(sent, etag, sizeof sent);
    }
  }
  struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
  if (!resp) {
    zz_free(data);
    return ZZ_ENOMEM;
  }
  if (content_type) MHD_add_response_header(resp, "Content-Type", content_type);
  if (gzip) MHD_add_response_header(resp, "Content-Encoding", "gzip");
  if (vary) MHD_add_response_header(resp, "Vary", "Accept-Encoding");
  if (sent[0]) MHD_add_response_header(resp, "ETag", sent);
  return set_response(r, status, resp);
}

static void gz_entry_release(void *cls) {
  http_gz_entry_unref(cls);
}

static ssize_t gz_stream_reader(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  long n = http_gz_stream_read(cls, buf, max);
  if (n > 0) return (ssize_t)n;
  return n == -1 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void gz_stream_release(void *cls) {
  http_gz_stream_free(cls);
}

/* A file that needed a login (an export) and is worth compressing goes
 * gzipped as it is read (chunked: its gzip size is known only at the end).
 * Returns 0 when it goes as it is (fd untouched), else 1 with *out the
 * response, or NULL when memory ran short; fd is then taken over. */
static int file_gz_stream(struct http_req *r, int fd, const struct stat *st,
                          const char *content_type, struct MHD_Response **out) {
  *out = NULL;
  if (st->st_size < HTTP_GZIP_MIN || !http_type_compressible(content_type) ||
      !http_accepts_gzip(http_header(r, "Accept-Encoding")))
    return 0;
  struct http_gz_stream *gs;
  if (http_gz_stream_new(fd, &gs) != 0) return 0;
  *out = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, gz_stream_reader, gs,
                                           gz_stream_release);
  if (!*out) http_gz_stream_free(gs); /* closes fd */
  return 1;
}

int http_reply(struct http_req *r, int status, const char *content_type, struct zz_buf *body) {
  if (body && zz_buf_error(body)) return reply_failed_body(r, body);
  size_t len = 0;
  char *data = body ? zz_buf_steal(body, &len) : zz_strdup("");
  if (!data) return ZZ_ENOMEM;
  return reply_encoded(r, status, content_type, data, len);
}

int http_reply_json(struct http_req *r, int status, struct zz_buf *body) {
  /* answers are not stored anywhere unless their handler said otherwise
   * (a list that changes only on pack load: private, no-cache, an ETag) */
  if (!has_header(r, "Cache-Control")) http_add_header(r, "Cache-Control", "no-store");
  return http_reply(r, status, "application/json; charset=utf-8", body);
}

void http_etag(struct http_req *r) {
  r->etag_auto = 1;
}

int http_reply_err(struct http_req *r, const struct zz_err *e) {
  struct zz_buf b;
  zz_buf_init(&b, 0);
  int code = e->code ? e->code : ZZ_EINTERNAL;
  zz_buf_adds(&b, "{\"error\":{\"code\":");
  zz_buf_json_str(&b, zz_errcode(code));
  zz_buf_adds(&b, ",\"message\":");
  zz_buf_json_str(&b, e->msg[0] ? e->msg : zz_strerror(code));
  /* The same sentence in Chinese: pages show the one of their language. */
  zz_buf_adds(&b, ",\"message_zh\":");
  zz_buf_json_str(&b, e->msg[0] ? (e->msg_zh[0] ? e->msg_zh : e->msg) : zz_strerror_zh(code));
  if (e->field[0]) {
    zz_buf_adds(&b, ",\"field\":");
    zz_buf_json_str(&b, e->field);
  }
  zz_buf_adds(&b, "}}");
  if (zz_buf_error(&b)) {
    /* Not even the error fits in memory: a fixed body, nothing to build. */
    zz_buf_free(&b);
    zz_buf_adds(&b, "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\","
                    "\"message_zh\":\"内存不足\"}}");
    if (zz_buf_error(&b)) {
      zz_buf_free(&b);
      struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
      return set_response(r, 500, resp);
    }
  }
  int has_retry = 0;
  for (int i = 0; i < r->nheaders; i++) has_retry |= strcasecmp(r->hnames[i], "Retry-After") == 0;
  /* Answers a client should repeat carry Retry-After: a full disk waits for
   * an operator to free space, a failed store write for a transient fault. */
  const char *retry = code == ZZ_EBUSY || code == ZZ_ERATE ? "1"
                      : code == ZZ_EFULL                   ? "30"
                      : code == ZZ_ESTORE                  ? "5"
                                                           : NULL;
  if (retry && !has_retry) http_add_header(r, "Retry-After", retry);
  const struct http_server_opts *o = &r->srv->o;
  for (size_t i = 0; i < o->nfaces && !r->in_face; i++)
    if (strncmp(r->url, o->faces[i].prefix, strlen(o->faces[i].prefix)) == 0) {
      struct zz_err fe = *e;
      fe.code = code;
      if (!fe.msg[0]) zz_strlcpy(fe.msg, zz_strerror(code), sizeof fe.msg);
      zz_buf_free(&b);
      r->in_face = 1;
      int rc = o->faces[i].reply(r, zz_http_status(code), &fe);
      r->in_face = 0;
      return rc;
    }
  return http_reply_json(r, zz_http_status(code), &b);
}

int http_fail(struct http_req *r, int code, const char *field, const char *fmt, ...) {
  struct zz_err e;
  va_list ap;
  va_start(ap, fmt);
  zz_failv(&e, code, field, fmt, ap);
  va_end(ap);
  http_reply_err(r, &e);
  return code;
}

int http_reply_file(struct http_req *r, const char *path, const char *content_type, int max_age) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    return http_fail(r, ZZ_ENOTFOUND, "path", "no such file: %s", r->url);
  }
  char cc[64];
  /* What needed a login (evidence photos, materials) is stored by no cache,
   * not even the browser's: after a logout or a disabled account nothing of
   * it stays on the machine. */
  int public = r->auth.kind == HTTP_AUTH_NONE;
  if (!public)
    snprintf(cc, sizeof cc, "private, no-store");
  else if (max_age > 0)
    snprintf(cc, sizeof cc, "public, max-age=%d", max_age);
  else
    snprintf(cc, sizeof cc, "no-cache");
  http_add_header(r, "Cache-Control", cc);
  /* Public files (pages, scripts, styles) are validated by size and mtime
   * and go gzipped from the cache: compressed once per version of the file. */
  int vary = http_type_compressible(content_type);
  const struct http_gz_entry *ge = NULL;
  if (public && vary && r->srv->gz && http_accepts_gzip(http_header(r, "Accept-Encoding")))
    ge = http_gz_cache_get(r->srv->gz, path, fd, (int64_t)st.st_size,
                           (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
  char etag[HTTP_ETAG_MAX] = "", sent[HTTP_ETAG_MAX] = "";
  if (public) {
    http_etag_file((int64_t)st.st_size,
                   (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, etag);
    if (ge)
      http_etag_gz(etag, sent);
    else
      memcpy(sent, etag, sizeof sent);
  }
  struct MHD_Response *resp;
  if (not_modified(r, etag)) {
    close(fd);
    if (ge) http_gz_entry_unref(ge);
    return reply_not_modified(r, sent, vary);
  }
  int streamed = !public && file_gz_stream(r, fd, &st, content_type, &resp);
  if (streamed) {
    /* resp is the gzip stream (or NULL: memory short, fd closed) */
  } else if (ge) {
    close(fd);
    resp = MHD_create_response_from_buffer_with_free_callback_cls(
        ge->gzlen, (void *)(uintptr_t)ge->gz, gz_entry_release, (void *)(uintptr_t)ge);
    if (!resp) http_gz_entry_unref(ge);
  } else {
    resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) close(fd);
  }
  if (!resp) return ZZ_ENOMEM;
  MHD_add_response_header(resp, "Content-Type", content_type);
  if (ge || streamed) MHD_add_response_header(resp, "Content-Encoding", "gzip");
  if (vary) MHD_add_response_header(resp, "Vary", "Accept-Encoding");
  if (sent[0]) MHD_add_response_header(resp, "ETag", sent);
  return set_response(r, 200, resp);
}

/* ---- form bodies ---- */

struct form_walk {
  int (*fn)(void *ud, const struct http_form_piece *p);
  void *ud;
  int rc;
};

static enum MHD_Result form_piece(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size) {
  (void)kind, (void)transfer_encoding;
  struct form_walk *w = cls;
  struct http_form_piece p = {.key = key ? key : "",
                              .filename = filename,
                              .content_type = content_type,
                              .data = data ? data : "",
                              .off = off,
                              .size = size};
  w->rc = w->fn(w->ud, &p);
  return w->rc ? MHD_NO : MHD_YES;
}

int http_body_form(struct http_req *r, int (*fn)(void *ud, const struct http_form_piece *p),
                   void *ud) {
  const char *ct = http_header(r, "Content-Type");
  if (!ct || !simple_media_type(ct) || strncasecmp(ct, "text/plain", 10) == 0) return ZZ_EMEDIATYPE;
  struct form_walk w = {fn, ud, 0};
  /* the processor takes the Content-Type (and the multipart boundary) from
   * the connection; 16 KiB is its buffer for a key or a piece of a value */
  struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 16 * 1024, form_piece, &w);
  if (!pp) return ZZ_EINVAL; /* a multipart type without a boundary */
  enum MHD_Result ok = r->body.len ? MHD_post_process(pp, r->body.data, r->body.len) : MHD_YES;
  /* destroying flushes the last field; it reports a body cut short */
  enum MHD_Result done = MHD_destroy_post_processor(pp);
  if (w.rc) return w.rc;
  return ok == MHD_YES && done == MHD_YES ? 0 : ZZ_EINVAL;
}

/* ---- push responses ---- */

static ssize_t push_read(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  struct http_push *p = cls;
  struct http_server *srv = p->srv;
  for (;;) {
    pthread_mutex_lock(&srv->lock);
    int stopping = srv->stopping;
    p->pending = 0;
    pthread_mutex_unlock(&srv->lock);
    if (stopping) return MHD_CONTENT_READER_END_OF_STREAM;
    long n = p->ops.fill(p->ud, buf, max);
    if (n < 0) return MHD_CONTENT_READER_END_OF_STREAM;
    if (n > 0) return (ssize_t)n;
    /* Nothing to send: sleep, unless a wake came while fill ran. Returning 0
     * after suspending is how MHD expects "no data yet". */
    pthread_mutex_lock(&srv->lock);
    if (p->pending || srv->stopping) {
      pthread_mutex_unlock(&srv->lock);
      continue;
    }
    p->suspended = 1;
    srv->nsuspended++;
    MHD_suspend_connection(p->conn);
    pthread_mutex_unlock(&srv->lock);
    return 0;
  }
}

static void push_free(void *cls) {
  struct http_push *p = cls;
  struct http_server *srv = p->srv;
  pthread_mutex_lock(&srv->lock);
  if (p->prev)
    p->prev->next = p->next;
  else
    srv->pushes = p->next;
  if (p->next) p->next->prev = p->prev;
  pthread_mutex_unlock(&srv->lock);
  p->ops.done(p->ud);
  zz_free(p);
}

/* Caller holds srv->lock. */
static void push_wake_locked(struct http_push *p) {
  if (p->suspended) {
    p->suspended = 0;
    p->srv->nsuspended--;
    MHD_resume_connection(p->conn);
    pthread_cond_broadcast(&p->srv->idle);
  } else {
    p->pending = 1;
  }
}

void http_push_wake(struct http_push *p) {
  pthread_mutex_lock(&p->srv->lock);
  push_wake_locked(p);
  pthread_mutex_unlock(&p->srv->lock);
}

int http_reply_push(struct http_req *r, const char *content_type, const struct http_push_ops *ops,
                    void *ud, struct http_push **out) {
  struct http_push *p = zz_calloc(1, sizeof *p);
  if (!p) return ZZ_ENOMEM;
  p->srv = r->srv;
  p->conn = r->conn;
  p->ops = *ops;
  p->ud = ud;
  struct MHD_Response *resp =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, push_read, p, push_free);
  if (!resp) {
    zz_free(p);
    return ZZ_ENOMEM;
  }
  MHD_add_response_header(resp, "Content-Type", content_type);
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Accel-Buffering", "no");
  pthread_mutex_lock(&r->srv->lock);
  p->next = r->srv->pushes;
  if (p->next) p->next->prev = p;
  r->srv->pushes = p;
  pthread_mutex_unlock(&r->srv->lock);
  *out = p;
  return set_response(r, 200, resp);
}

/* ---- static files ---- */

static const char *mime_for(const char *path) {
  static const struct {
    const char *ext, *type;
  } types[] = {{".html", "text/html; charset=utf-8"},
               {".js", "text/javascript; charset=utf-8"},
               {".mjs", "text/javascript; charset=utf-8"},
               {".css", "text/css; charset=utf-8"},
               {".json", "application/json; charset=utf-8"},
               {".geojson", "application/geo+json"},
               {".svg", "image/svg+xml"},
               {".png", "image/png"},
               {".jpg", "image/jpeg"},
               {".ico", "image/x-icon"},
               {".woff2", "font/woff2"},
               {".map", "application/json"},
               {".txt", "text/plain; charset=utf-8"}};
  const char *dot = strrchr(path, '.');
  if (dot)
    for (size_t i = 0; i < ZZ_ARRAY_LEN(types); i++)
      if (strcmp(dot, types[i].ext) == 0) return types[i].type;
  return "application/octet-stream";
}

static int serve_static(struct http_req *r) {
  const char *dir = r->srv->o.static_dir;
  if (!dir) return http_fail(r, ZZ_ENOTFOUND, "path", "no route for %s %s", r->method, r->url);
  const char *u = r->url;
  if (strstr(u, "..") || strchr(u, '\\') || u[0] != '/')
    return http_fail(r, ZZ_ENOTFOUND, "path", "no such file: %s", u);
  char path[4096];
  /* a path without an extension is a page: /dispatch -> /dispatch.html, / -> /index.html */
  const char *last = strrchr(u, '/');
  if (strcmp(u, "/") == 0)
    snprintf(path, sizeof path, "%s/index.html", dir);
  else if (!strchr(last, '.'))
    snprintf(path, sizeof path, "%s%s.html", dir, u);
  else
    snprintf(path, sizeof path, "%s%s", dir, u);
  http_add_header(r, "Content-Security-Policy",
                  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                  "img-src 'self' data: blob:;"
                  " connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'");
  /* pages revalidate; versioned vendor files may be cached for a day */
  int max_age = strstr(u, "/vendor/") ? 86400 : 0;
  return http_reply_file(r, path, mime_for(path), max_age);
}

/* ---- routing ---- */

static void free_params(struct http_req *r) {
  for (int i = 0; i < r->nparams; i++) zz_free(r->pvals[i]);
  r->nparams = 0;
}

/* Finds the route; sets *path_matched when some route had the path (for 405). */
static const struct http_route *find_route(struct http_req *r, int *path_matched) {
  const struct http_server_opts *o = &r->srv->o;
  free_params(r);
  return http_route_find(o->routes, o->nroutes, r->method, r->url, r->pnames, r->pvals, &r->nparams,
                         path_matched);
}

static void set_early(struct http_req *r, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The body cap of a route: its own, else the streamed (ingest) or buffered default. */
static uint64_t stream_cap(const struct http_server *srv, const struct http_route *rt) {
  if (rt->body_max) return rt->body_max;
  return rt->stream ? srv->o.body_cap : HTTP_BODY_DEFAULT;
}

static void set_early(struct http_req *r, int code, const char *field, const char *fmt, ...) {
  if (r->early_status) return;
  r->early_status = code;
  va_list ap;
  va_start(ap, fmt);
  zz_failv(&r->early, code, field, fmt, ap);
  va_end(ap);
}

static int role_allowed(const struct http_route *rt, int role) {
  int roles = rt->roles ? rt->roles : ROLE_ANY;
  return (roles & role) != 0;
}

/* Runs on the first call: route, authenticate, check size. */
static void prepare(struct http_req *r) {
  int path_matched = 0;
  r->route = find_route(r, &path_matched);
  const struct http_route *rt = r->route;
  if (!rt) {
    if (path_matched)
      set_early(r, ZZ_EMETHOD, "method", "%s is not allowed on %s", r->method, r->url);
    return;
  }
  if (rt->auth != HTTP_AUTH_NONE) {
    struct app *app = r->srv->o.app;
    if (!r->srv->o.authenticate || r->srv->o.authenticate(app, r, rt->auth, &r->auth) != 0) {
      set_early(r, ZZ_EAUTH, rt->auth == HTTP_AUTH_SOURCE ? "Authorization" : "session",
                rt->auth == HTTP_AUTH_SOURCE
                    ? "a valid source token is required (Authorization: Bearer zz_...)"
                    : "log in first: this needs a session");
      return;
    }
    if (rt->auth == HTTP_AUTH_USER && !role_allowed(rt, r->auth.role)) {
      set_early(r, ZZ_EFORBIDDEN, "role", "your role may not %s %s", r->method, r->url);
      return;
    }
    /* The session cookie travels with any request the browser makes, so a
     * change made with it must come from our pages (the CSRF rule). */
    if (rt->auth == HTTP_AUTH_USER && strcmp(r->method, "GET") != 0 &&
        strcmp(r->method, "HEAD") != 0 && http_csrf_check(r, &r->early) != 0) {
      r->early_status = r->early.code;
      return;
    }
  }
  const char *cl = http_header(r, "Content-Length");
  uint64_t cap = stream_cap(r->srv, rt);
  if (cl) {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    if (!errno && *end == 0 && n > cap)
      set_early(r, ZZ_ETOOBIG, "body", "the body is %llu bytes, over the limit of %llu", n,
                (unsigned long long)cap);
  }
}

static void dispatch(struct http_req *r) {
  if (r->early_status) {
    http_reply_err(r, &r->early);
    return;
  }
  if (!r->route) {
    if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) {
      if (strncmp(r->url, "/api/", 5) != 0) {
        serve_static(r);
        return;
      }
    }
    http_fail(r, ZZ_ENOTFOUND, "path", "no route for %s %s", r->method, r->url);
    return;
  }
  if (r->route->stream) {
    const struct http_stream *s = r->route->stream;
    if (!r->stream_begun) {
      r->stream_begun = 1;
      if (s->begin(r) != 0) r->stream_failed = 1;
    }
    while (!r->replied && !r->stream_failed) {
      s->end(r);
      if (r->replied) break;
      if (maybe_suspend(r)) return; /* resumed later: end runs again */
    }
  } else {
    r->route->handler(r);
  }
  /* a streamed request without a reply is asleep, unless its handler failed */
  if (!r->replied && (!r->route->stream || r->stream_failed))
    http_fail(r, ZZ_EINTERNAL, "", "the handler gave no answer");
}

/* ---- connection guard ----
 * One address may hold at most conns_per_ip sockets (trusted proxies are
 * exempt: they carry everyone), and a request head must arrive within
 * header_ms of the connection opening or of the previous answer: MHD's own
 * timeout is an idle one, which a client sending a byte a second never
 * trips. A reaper thread shuts such sockets down; MHD then closes them. */

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The family and address bytes (16, zero-padded) of a socket address;
 * 0 or -1 for a family other than IPv4 and IPv6. */
static int sockaddr_bytes(const struct sockaddr *sa, int *family, unsigned char addr[16]) {
  memset(addr, 0, 16);
  if (sa->sa_family == AF_INET) {
    memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    *family = AF_INET;
    return 0;
  }
  if (sa->sa_family == AF_INET6) {
    memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    *family = AF_INET6;
    return 0;
  }
  return -1;
}

static unsigned ip_bucket(int family, const unsigned char addr[16]) {
  unsigned char f = (unsigned char)family;
  uint64_t h = zz_hash_more(zz_hash_more(ZZ_FNV_OFFSET, &f, 1), addr, 16);
  return (unsigned)(zz_hash_u64(h) % HTTP_IP_BUCKETS);
}

/* Under conn_lock: the count of an address, created when add is set. */
static struct ip_count *ip_find(struct http_server *s, int family, const unsigned char addr_in[16],
                                int add) {
  /* IPv6 counts per /64, the block one host is given (as the rate limits
   * do, http_addr_limit_key); IPv4-mapped addresses per address */
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  unsigned char addr[16];
  memcpy(addr, addr_in, 16);
  if (family == AF_INET6 && memcmp(addr, mapped, sizeof mapped) != 0) memset(addr + 8, 0, 8);
  unsigned b = ip_bucket(family, addr);
  for (struct ip_count *c = s->ips[b]; c; c = c->next)
    if (c->family == family && memcmp(c->addr, addr, 16) == 0) return c;
  if (!add) return NULL;
  struct ip_count *c = zz_calloc(1, sizeof *c);
  if (!c) return NULL;
  c->family = family;
  memcpy(c->addr, addr, 16);
  c->next = s->ips[b];
  s->ips[b] = c;
  return c;
}

/* Under conn_lock: one connection of c ended; the count goes when empty. */
static void ip_release(struct http_server *s, struct ip_count *c) {
  if (--c->n > 0) return;
  struct ip_count **pp = &s->ips[ip_bucket(c->family, c->addr)];
  while (*pp && *pp != c) pp = &(*pp)->next;
  if (*pp) *pp = c->next;
  zz_free(c);
}

/* MHD's accept policy: refuses a socket from an address at its cap. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa, socklen_t len) {
  (void)len;
  struct http_server *s = cls;
  int family;
  unsigned char addr[16];
  if (!s->conns_per_ip || sockaddr_bytes(sa, &family, addr) != 0) return MHD_YES;
  if (s->o.ntrusted && http_cidr_contains(s->o.trusted, s->o.ntrusted, family, addr))
    return MHD_YES;
  int refuse = 0, warn = 0;
  pthread_mutex_lock(&s->conn_lock);
  struct ip_count *c = ip_find(s, family, addr, 0);
  if (c && c->n >= s->conns_per_ip) {
    refuse = 1;
    int64_t now = mono_ms();
    if (now - s->refused_warned >= 10000) { /* one line per 10 s, not one per socket */
      s->refused_warned = now;
      warn = 1;
    }
  }
  pthread_mutex_unlock(&s->conn_lock);
  if (warn) {
    char text[INET6_ADDRSTRLEN] = "";
    inet_ntop(family, addr, text, sizeof text);
    zz_warn("http: %s holds %d connections (--max-conns-per-ip); refusing more", text,
            s->conns_per_ip);
  }
  return refuse ? MHD_NO : MHD_YES;
}

/* Under conn_lock: drops one reference of t. */
static void track_unref(struct conn_track *t) {
  if (--t->refs == 0) zz_free(t);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
  struct http_server *s = cls;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    struct conn_track *t = zz_calloc(1, sizeof *t);
    if (!t) return; /* not guarded; the connection still works */
    const union MHD_ConnectionInfo *fi =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ai =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    int family = 0;
    unsigned char addr[16];
    int counted = s->conns_per_ip && ai && ai->client_addr &&
                  sockaddr_bytes(ai->client_addr, &family, addr) == 0 &&
                  !(s->o.ntrusted && http_cidr_contains(s->o.trusted, s->o.ntrusted, family, addr));
    t->fd = fi ? fi->connect_fd : -1;
    t->refs = 1;
    pthread_mutex_lock(&s->conn_lock);
    t->deadline = mono_ms() + s->header_ms;
    t->next = s->conns;
    if (t->next) t->next->prev = t;
    s->conns = t;
    if (counted && (t->ip = ip_find(s, family, addr, 1)) != NULL) t->ip->n++;
    pthread_mutex_unlock(&s->conn_lock);
    *socket_context = t;
    return;
  }
  struct conn_track *t = *socket_context;
  if (!t) return;
  /* MHD closes the socket after this returns: the reaper, which holds the
   * lock while it shuts sockets down, can no longer touch this one. */
  pthread_mutex_lock(&s->conn_lock);
  if (t->prev)
    t->prev->next = t->next;
  else
    s->conns = t->next;
  if (t->next) t->next->prev = t->prev;
  t->fd = -1;
  if (t->ip) ip_release(s, t->ip);
  t->ip = NULL;
  track_unref(t);
  pthread_mutex_unlock(&s->conn_lock);
  *socket_context = NULL;
}

/* A request head arrived: no deadline while it is handled and answered. */
static void track_request_begins(struct http_server *s, struct MHD_Connection *conn,
                                 struct http_req *r) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  if (!ci || !ci->socket_context) return;
  pthread_mutex_lock(&s->conn_lock);
  r->track = ci->socket_context;
  r->track->deadline = 0;
  r->track->refs++;
  pthread_mutex_unlock(&s->conn_lock);
}

/* The answer is out: the next request head has header_ms to arrive. */
static void track_request_ends(struct http_server *s, struct http_req *r) {
  if (!r->track) return;
  pthread_mutex_lock(&s->conn_lock);
  if (r->track->fd >= 0) r->track->deadline = mono_ms() + s->header_ms;
  track_unref(r->track);
  r->track = NULL;
  pthread_mutex_unlock(&s->conn_lock);
}

static void *reaper_main(void *arg) {
  struct http_server *s = arg;
  pthread_mutex_lock(&s->conn_lock);
  while (!s->reaper_stop) {
    int64_t now = mono_ms();
    for (struct conn_track *t = s->conns; t; t = t->next)
      if (t->deadline && t->fd >= 0 && now >= t->deadline) {
        shutdown(t->fd, SHUT_RDWR); /* MHD sees the end of the stream and closes */
        t->deadline = 0;
      }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 250 * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_cond_timedwait(&s->reaper_cv, &s->conn_lock, &until);
  }
  pthread_mutex_unlock(&s->conn_lock);
  return NULL;
}

/* MHD's log lines go to ours, except the one it writes whenever a client
 * leaves a streamed (chunked) answer, which is how every live view ends. */
static void mhd_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  static const char noise[] = "Failed to send the chunked response body";
  if (strncmp(fmt, noise, sizeof noise - 1) == 0) return;
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
  zz_warn("http: %s", msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
  (void)version;
  struct http_server *srv = cls;
  struct http_req *r = *con_cls;
  if (!r) {
    r = zz_calloc(1, sizeof *r);
    if (!r) return MHD_NO;
    r->srv = srv;
    r->conn = conn;
    r->url = url;
    r->method = method;
    zz_buf_init(&r->body, 0);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    int family = 0;
    unsigned char addr[16];
    if (ci && ci->client_addr && sockaddr_bytes(ci->client_addr, &family, addr) == 0)
      inet_ntop(family, addr, r->peer, sizeof r->peer);
    /* Behind a trusted proxy the client is the one X-Forwarded-For names
     * (rate limits, throttles and logs key on it), and its scheme is
     * X-Forwarded-Proto's; from anyone else both headers mean nothing. */
    if (family && srv->o.ntrusted &&
        http_cidr_contains(srv->o.trusted, srv->o.ntrusted, family, addr)) {
      char proto[16];
      r->via_proxy = 1;
      http_forwarded_client(http_header(r, "X-Forwarded-For"), srv->o.trusted, srv->o.ntrusted,
                            r->peer, sizeof r->peer);
      r->https = http_last_token(http_header(r, "X-Forwarded-Proto"), proto, sizeof proto) &&
                 strcasecmp(proto, "https") == 0;
    }
    track_request_begins(srv, conn, r);
    *con_cls = r;
    prepare(r);
    /* Errors known from the headers alone are answered at once rather than
     * after reading a body we will not use (MHD then closes the connection). */
    if (r->early_status && (r->early_status == ZZ_ETOOBIG || r->early_status == ZZ_EAUTH ||
                            r->early_status == ZZ_EFORBIDDEN)) {
      http_reply_err(r, &r->early);
      enum MHD_Result ok =
          MHD_queue_response(conn, (unsigned)zz_http_status(r->early_status), r->resp);
      return ok;
    }
    return MHD_YES;
  }
  if (r->timeout_off) { /* running again after a suspension: the client's turn */
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT);
    r->timeout_off = 0;
  }
  if (*upload_data_size) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    r->received += n;
    if (r->early_status || r->replied) return MHD_YES; /* discard */
    if (!r->route) return MHD_YES;
    if (r->route->stream) {
      if (r->received > stream_cap(srv, r->route)) {
        set_early(r, ZZ_ETOOBIG, "body", "the body is over the limit of %llu bytes",
                  (unsigned long long)stream_cap(srv, r->route));
        return MHD_YES;
      }
      const struct http_stream *s = r->route->stream;
      if (!r->stream_begun) {
        r->stream_begun = 1;
        if (s->begin(r) != 0) r->stream_failed = 1;
      }
      if (!r->stream_failed && !r->replied && s->data(r, upload_data, n) != 0) r->stream_failed = 1;
      maybe_suspend(r); /* the data is consumed either way; MHD calls again on resume */
    } else {
      size_t cap = r->route->body_max ? r->route->body_max : HTTP_BODY_DEFAULT;
      if (r->body.len + n > cap) {
        set_early(r, ZZ_ETOOBIG, "body", "the body is over the limit of %zu bytes", cap);
        zz_buf_free(&r->body);
        return MHD_YES;
      }
      if (zz_buf_add(&r->body, upload_data, n) != 0)
        set_early(r, ZZ_ENOMEM, "body", "out of memory");
    }
    return MHD_YES;
  }
  if (!r->replied) dispatch(r);
  if (!r->replied) return MHD_YES; /* suspended until http_resume */
  if (!r->resp) return MHD_NO;
  return MHD_queue_response(conn, (unsigned)r->status, r->resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls, (void)conn, (void)toe;
  struct http_req *r = *con_cls;
  if (!r) return;
  if (r->route && r->route->stream && r->stream_begun && r->route->stream->cleanup)
    r->route->stream->cleanup(r);
  if (r->resp) MHD_destroy_response(r->resp);
  track_request_ends(r->srv, r);
  free_params(r);
  for (int i = 0; i < r->nheaders; i++) zz_free(r->hnames[i]), zz_free(r->hvals[i]);
  zz_buf_free(&r->body);
  zz_free(r);
  *con_cls = NULL;
}

/* Frees what http_server_start made besides the daemon. */
static void server_free(struct http_server *s) {
  for (size_t b = 0; b < HTTP_IP_BUCKETS; b++)
    while (s->ips[b]) {
      struct ip_count *c = s->ips[b];
      s->ips[b] = c->next;
      zz_free(c);
    }
  http_gz_cache_free(s->gz);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->idle);
  pthread_mutex_destroy(&s->conn_lock);
  pthread_cond_destroy(&s->reaper_cv);
  zz_free(s);
}

int http_server_start(const struct http_server_opts *o, struct http_server **out,
                      struct zz_err *e) {
  struct http_server *s = zz_calloc(1, sizeof *s);
  if (!s) return zz_fail(e, ZZ_ENOMEM, "http", "out of memory");
  s->o = *o;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->idle, NULL);
  pthread_mutex_init(&s->conn_lock, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&s->reaper_cv, &ca);
  pthread_condattr_destroy(&ca);
  if (!s->o.body_cap) s->o.body_cap = (uint64_t)1 << 30;
  if (s->o.static_dir && http_gz_cache_new(&s->gz) != 0)
    zz_warn("http: out of memory for the gzip cache: static files go uncompressed");
  s->conns_per_ip = o->max_conns_per_ip < 0   ? 0
                    : o->max_conns_per_ip > 0 ? o->max_conns_per_ip
                                              : HTTP_CONNS_PER_IP_DEFAULT;
  s->header_ms =
      (int64_t)(o->header_timeout_s > 0 ? o->header_timeout_s : HTTP_HEADER_TIMEOUT_DEFAULT) * 1000;
  if (o->public_url && *o->public_url) {
    char auth[200];
    int dflt;
    if (http_url_authority(o->public_url, auth, sizeof auth, &dflt) != 0) {
      server_free(s);
      return zz_fail(e, ZZ_EINVAL, "public-url", "\"%s\" is not an http:// or https:// URL",
                     o->public_url);
    }
    s->public_https = dflt == 443;
    snprintf(s->public_origin, sizeof s->public_origin, "%s://%s", dflt == 443 ? "https" : "http",
             auth);
  }
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
  if (inet_pton(AF_INET, o->host ? o->host : "127.0.0.1", &sa.sin_addr) != 1) {
    server_free(s);
    return zz_fail(e, ZZ_EINVAL, "listen", "\"%s\" is not an IPv4 address", o->host);
  }
  unsigned threads = o->threads > 0 ? (unsigned)o->threads : 8;
  /* the logger comes first, so that MHD's own start-up messages use it */
  s->d =
      MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                           MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC,
                       0, on_accept, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                       MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
                       MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
                       on_connection, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT,
                       MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_END);
  if (!s->d) {
    server_free(s);
    return zz_fail(e, ZZ_EIO, "listen", "cannot listen on %s:%d (in use, or not allowed)",
                   o->host ? o->host : "127.0.0.1", o->port);
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
  s->port = di ? di->port : o->port;
  if (pthread_create(&s->reaper, NULL, reaper_main, s) == 0)
    s->reaper_started = 1;
  else
    zz_warn("http: no reaper thread: --header-timeout is not enforced");
  *out = s;
  return 0;
}

int http_server_port(struct http_server *s) {
  return s->port;
}

void http_server_stop(struct http_server *s) {
  if (!s) return;
  /* MHD must not stop with suspended connections: stop accepting, then give
   * the commits they wait for (the store still runs) up to 30 s to resume them.
   * The listening socket MHD hands back is closed at once: left open, the
   * kernel would go on accepting connections that nobody answers until
   * the process ends; closed, they are refused and the client can retry. */
  MHD_socket ls = MHD_quiesce_daemon(s->d);
  if (ls != MHD_INVALID_SOCKET) close(ls);
  pthread_mutex_lock(&s->lock);
  s->stopping = 1; /* push responses end: wake the sleeping ones */
  for (struct http_push *p = s->pushes; p; p = p->next) push_wake_locked(p);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 30;
  while (s->nsuspended > 0)
    if (pthread_cond_timedwait(&s->idle, &s->lock, &until) == ETIMEDOUT) break;
  if (s->nsuspended) zz_warn("http: stopping with %d requests still waiting", s->nsuspended);
  pthread_mutex_unlock(&s->lock);
  MHD_stop_daemon(s->d);
  if (s->reaper_started) {
    pthread_mutex_lock(&s->conn_lock);
    s->reaper_stop = 1;
    pthread_cond_signal(&s->reaper_cv);
    pthread_mutex_unlock(&s->conn_lock);
    pthread_join(s->reaper, NULL);
  }
  server_free(s);
}
