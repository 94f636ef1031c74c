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
#include <sys/stat.h>
#include <unistd.h>

#include "http/http.h"
#include "http/route_match.h"

#define HTTP_MAX_HEADERS 16
#define HTTP_BODY_DEFAULT (1u << 20)

struct http_server {
  struct MHD_Daemon *d;
  struct http_server_opts o;
  int port;
  pthread_mutex_t lock; /* guards every request's suspend state */
  pthread_cond_t idle;  /* signalled when nsuspended drops */
  int nsuspended;
  struct http_push *pushes; /* live push responses (srv->lock) */
  int stopping;             /* push responses end at their next fill (srv->lock) */
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

static void add_common_headers(struct http_req *r, struct MHD_Response *resp) {
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
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

int http_reply(struct http_req *r, int status, const char *content_type, struct zz_buf *body) {
  size_t len = 0;
  char *data = body ? zz_buf_steal(body, &len) : zz_strdup("");
  if (!data) return ZZ_ENOMEM;
  struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
  if (!resp) {
    zz_free(data);
    return ZZ_ENOMEM;
  }
  if (content_type) MHD_add_response_header(resp, "Content-Type", content_type);
  return set_response(r, status, resp);
}

int http_reply_json(struct http_req *r, int status, struct zz_buf *body) {
  http_add_header(r, "Cache-Control", "no-store");
  return http_reply(r, status, "application/json; charset=utf-8", body);
}

int http_reply_err(struct http_req *r, const struct zz_err *e) {
  struct zz_buf b;
  zz_buf_init(&b, 0);
  int code = e->code ? e->code : ZZ_EINTERNAL;
  zz_buf_adds(&b, "{\"error\":{\"code\":");
  zz_buf_json_str(&b, zz_errcode(code));
  zz_buf_adds(&b, ",\"message\":");
  zz_buf_json_str(&b, e->msg[0] ? e->msg : zz_strerror(code));
  if (e->field[0]) {
    zz_buf_adds(&b, ",\"field\":");
    zz_buf_json_str(&b, e->field);
  }
  zz_buf_adds(&b, "}}");
  int has_retry = 0;
  for (int i = 0; i < r->nheaders; i++) has_retry |= strcasecmp(r->hnames[i], "Retry-After") == 0;
  /* Answers a client should repeat carry Retry-After: a full disk waits for
   * an operator to free space, a failed store write for a transient fault. */
  const char *retry = code == ZZ_EBUSY || code == ZZ_ERATE ? "1"
                      : code == ZZ_EFULL                   ? "30"
                      : code == ZZ_ESTORE                  ? "5"
                                                           : NULL;
  if (retry && !has_retry) http_add_header(r, "Retry-After", retry);
  return http_reply_json(r, zz_http_status(code), &b);
}

int http_fail(struct http_req *r, int code, const char *field, const char *fmt, ...) {
  struct zz_err e = {.code = code};
  zz_strlcpy(e.field, field ? field : "", sizeof e.field);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e.msg, sizeof e.msg, fmt, ap);
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
  struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
  if (!resp) {
    close(fd);
    return ZZ_ENOMEM;
  }
  MHD_add_response_header(resp, "Content-Type", content_type);
  char cc[64];
  if (max_age > 0)
    snprintf(cc, sizeof cc, "public, max-age=%d", max_age);
  else
    snprintf(cc, sizeof cc, "no-cache");
  MHD_add_response_header(resp, "Cache-Control", cc);
  return set_response(r, 200, resp);
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

/* Matches url against pattern, capturing ":name" segments and a trailing "*". */
static int match(struct http_req *r, const char *pattern, const char *url) {
  free_params(r);
  return http_route_match(pattern, url, r->pnames, r->pvals, &r->nparams);
}

/* Finds the route; sets *path_matched when some route had the path (for 405). */
static const struct http_route *find_route(struct http_req *r, int *path_matched) {
  const struct http_server_opts *o = &r->srv->o;
  *path_matched = 0;
  for (size_t i = 0; i < o->nroutes; i++) {
    if (!match(r, o->routes[i].pattern, r->url)) continue;
    *path_matched = 1;
    if (strcmp(o->routes[i].method, r->method) == 0) return &o->routes[i];
  }
  free_params(r);
  return NULL;
}

static void set_early(struct http_req *r, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_early(struct http_req *r, int code, const char *field, const char *fmt, ...) {
  if (r->early_status) return;
  r->early_status = code;
  r->early.code = code;
  zz_strlcpy(r->early.field, field, sizeof r->early.field);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->early.msg, sizeof r->early.msg, fmt, ap);
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
  }
  const char *cl = http_header(r, "Content-Length");
  uint64_t cap =
      rt->stream ? r->srv->o.body_cap : (rt->body_max ? rt->body_max : HTTP_BODY_DEFAULT);
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
    if (ci && ci->client_addr) {
      const struct sockaddr *sa = ci->client_addr;
      if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->peer, sizeof r->peer);
      else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->peer, sizeof r->peer);
    }
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
  if (*upload_data_size) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    r->received += n;
    if (r->early_status || r->replied) return MHD_YES; /* discard */
    if (!r->route) return MHD_YES;
    if (r->route->stream) {
      if (r->received > srv->o.body_cap) {
        set_early(r, ZZ_ETOOBIG, "body", "the body is over the limit of %llu bytes",
                  (unsigned long long)srv->o.body_cap);
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
  free_params(r);
  for (int i = 0; i < r->nheaders; i++) zz_free(r->hnames[i]), zz_free(r->hvals[i]);
  zz_buf_free(&r->body);
  zz_free(r);
  *con_cls = NULL;
}

int http_server_start(const struct http_server_opts *o, struct http_server **out,
                      struct zz_err *e) {
  struct http_server *s = zz_calloc(1, sizeof *s);
  if (!s) return zz_fail(e, ZZ_ENOMEM, "http", "out of memory");
  s->o = *o;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->idle, NULL);
  if (!s->o.body_cap) s->o.body_cap = (uint64_t)1 << 30;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
  if (inet_pton(AF_INET, o->host ? o->host : "127.0.0.1", &sa.sin_addr) != 1) {
    zz_free(s);
    return zz_fail(e, ZZ_EINVAL, "listen", "\"%s\" is not an IPv4 address", o->host);
  }
  unsigned threads = o->threads > 0 ? (unsigned)o->threads : 8;
  s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                              MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC,
                          0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &sa,
                          MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED,
                          on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_END);
  if (!s->d) {
    zz_free(s);
    return zz_fail(e, ZZ_EIO, "listen", "cannot listen on %s:%d (in use, or not allowed)",
                   o->host ? o->host : "127.0.0.1", o->port);
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
  s->port = di ? di->port : o->port;
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
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->idle);
  zz_free(s);
}
