/* http.h - the HTTP layer: libmicrohttpd wiring, a route table, request and
 * response helpers, authentication context. Handlers are small functions; a
 * route says whether it needs a session or a source token, which roles may
 * call it, and whether its body is streamed (ingest) or buffered (JSON). */
#ifndef ZZ_HTTP_H
#define ZZ_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/zz.h"
#include "http/proxy.h"
#include "model/roles.h" /* ROLE_* */

struct app; /* the server's shared state, see api/app.h */
struct http_req;

enum http_auth {
  HTTP_AUTH_NONE,   /* public (login, health, static files) */
  HTTP_AUTH_USER,   /* session cookie */
  HTTP_AUTH_SOURCE, /* Authorization: Bearer <source token> */
};

/* Who is calling, filled before the handler runs. */
struct http_auth_ctx {
  int kind;        /* HTTP_AUTH_NONE / USER / SOURCE */
  int64_t user_id; /* users */
  char user[64];
  int role; /* one ROLE_* bit */
  char department[64];
  char scope[256];   /* region path the user is limited to; "" for everything */
  int64_t source_id; /* sources */
};

typedef int (*http_handler_fn)(struct http_req *r);

/* A streamed body: begin once, data per chunk, end when the body is complete
 * (and then the handler must reply); cleanup always runs last. */
struct http_stream {
  int (*begin)(struct http_req *r);
  int (*data)(struct http_req *r, const char *p, size_t n);
  int (*end)(struct http_req *r);
  void (*cleanup)(struct http_req *r);
};

struct http_route {
  const char *method;      /* "GET", "POST", ... */
  const char *pattern;     /* "/api/v1/entities/:id/portrait"; a trailing "*" matches the rest */
  http_handler_fn handler; /* for buffered bodies */
  const struct http_stream *stream; /* or streamed */
  enum http_auth auth;
  int roles;       /* ROLE_* bits allowed; 0 means ROLE_ANY */
  size_t body_max; /* buffered routes: default 1 MiB */
};

/* Request accessors (valid during the handler). */
const char *http_method(struct http_req *r);
const char *http_path(struct http_req *r);
/* Path parameter captured by ":name" (percent-decoded), or NULL. */
const char *http_param(struct http_req *r, const char *name);
/* Query-string argument, or NULL. */
const char *http_query(struct http_req *r, const char *name);
/* Calls fn for each query argument (to find prefixed ones like attr.x). */
void http_query_each(struct http_req *r, void (*fn)(void *ud, const char *k, const char *v),
                     void *ud);
const char *http_header(struct http_req *r, const char *name);
const char *http_cookie(struct http_req *r, const char *name);
/* Buffered request body (NUL-terminated) and its length. */
const char *http_body(struct http_req *r, size_t *len);
const struct http_auth_ctx *http_auth(struct http_req *r);
struct app *http_app(struct http_req *r);
/* Per-request slot for streamed handlers. */
void *http_state(struct http_req *r);
void http_set_state(struct http_req *r, void *state);
/* Streamed handlers waiting for other work (a commit) call http_suspend
 * before returning from data or end; the connection then sleeps without
 * holding a worker thread until http_resume, which any thread may call,
 * including before the handler has returned. After a resume, end (or the
 * next data) is called again, so both must be written as steps. */
void http_suspend(struct http_req *r);
void http_resume(struct http_req *r);

/* The client's address as text ("127.0.0.1"): the socket's peer, or behind
 * a trusted proxy (http_server_opts.trusted) the address X-Forwarded-For
 * names. Rate limits and the login throttle key on it. */
const char *http_peer(struct http_req *r);
/* What per-address limits and throttles count the client under: the peer,
 * or for IPv6 its /64 (http_addr_limit_key in http/proxy.h). */
const char *http_peer_key(struct http_req *r);
/* 1 when the client's connection is https: --public-url is https, or a
 * trusted proxy said X-Forwarded-Proto: https. */
int http_is_https(struct http_req *r);
/* "scheme://host[:port]" at which clients reach this server (for QR codes
 * and links): --public-url, else the Host header (X-Forwarded-Host behind a
 * trusted proxy) with the request's scheme; "localhost" without a Host.
 * Returns 0, or ZZ_EINVAL when the Host holds other than host characters. */
int http_base_url(struct http_req *r, char *out, size_t cap);
/* The CSRF rule, applied by the server to every state change on a route
 * that needs a session (and by login itself): a body must not have a type a
 * cross-site form can send (text/plain, urlencoded, multipart), and an
 * Origin (else Referer) header, when present, must name this server's host
 * (--public-url's, or the Host / trusted X-Forwarded-Host). Returns 0, or
 * ZZ_EMEDIATYPE / ZZ_EFORBIDDEN with e filled. */
int http_csrf_check(struct http_req *r, struct zz_err *e);

/* Responses: each handler sends exactly one and returns its result (0). The
 * body buffer's contents are taken over. */
int http_reply(struct http_req *r, int status, const char *content_type, struct zz_buf *body);
int http_reply_json(struct http_req *r, int status, struct zz_buf *body);
/* Sends {"error":{"code","message","message_zh","field"}} with the status of
 * e->code. */
int http_reply_err(struct http_req *r, const struct zz_err *e);
/* Shortcut: build the zz_err and reply. fmt is English; its Chinese comes
 * from the catalog (core/msg.h). A word that differs by language is passed
 * twice, English then Chinese, as "%s%.0s" in the English format and
 * "%.0s%s" in the Chinese one, so each prints its own. */
int http_fail(struct http_req *r, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Asks for a strong ETag computed from the body of this request's 200
 * answer (http_reply, http_reply_json): a GET or HEAD whose If-None-Match
 * names it is answered 304 without a body. For answers that change only
 * when their data does (a pack's regions, metrics, dashboards); the
 * handler still sets the Cache-Control that fits ("private, no-cache" when
 * a session decides the answer). Buffered answers of compressible types go
 * gzipped to clients that take it whatever the handler does. */
void http_etag(struct http_req *r);
/* Adds a response header (before http_reply). Copies both strings. */
void http_add_header(struct http_req *r, const char *name, const char *value);
/* Long-lived responses (Server-Sent Events). fill(ud, buf, max) is called
 * whenever the client can take more: it returns the bytes it wrote to buf
 * (1..max), 0 when it has nothing now (the connection then sleeps, holding no
 * thread, until http_push_wake), or -1 to end the response. done(ud) is
 * called exactly once when the response is over (client gone, fill ended
 * it, or the server stops); fill is never called after it, and the push
 * handle is invalid once done returns, so done must make sure nobody calls
 * http_push_wake any more. */
struct http_push;
struct http_push_ops {
  long (*fill)(void *ud, char *buf, size_t max);
  void (*done)(void *ud);
};
/* Replies 200 with a streamed body of content_type. On success *out is the
 * handle to wake, and done will be called; on failure (ZZ_ENOMEM) neither. */
int http_reply_push(struct http_req *r, const char *content_type, const struct http_push_ops *ops,
                    void *ud, struct http_push **out);
/* Asks for fill to be called again soon; any thread, cheap, never blocks on I/O. */
void http_push_wake(struct http_push *p);

/* Sends a file from disk with a content type and caching headers. A public
 * one (no login needed) carries an ETag from its size and mtime, answers an
 * If-None-Match naming it with 304, and goes gzipped from an in-memory
 * cache (compressed once per version) when its type pays and the client
 * takes gzip. */
int http_reply_file(struct http_req *r, const char *path, const char *content_type, int max_age);

/* A body of form fields (application/x-www-form-urlencoded or
 * multipart/form-data, by the request's Content-Type) read with
 * libmicrohttpd's post processor from the buffered body. fn is called for
 * each piece of a field, in order: a long value or a file comes in several
 * pieces with off the offset of data in it; filename is NULL for a plain
 * field, content_type NULL when the part names none. fn returning non-zero
 * stops and is returned. Returns 0, ZZ_EMEDIATYPE (not a form type),
 * ZZ_EINVAL (a body the processor refuses) or ZZ_ENOMEM. */
struct http_form_piece {
  const char *key, *filename, *content_type;
  const char *data;
  uint64_t off;
  size_t size;
};
int http_body_form(struct http_req *r, int (*fn)(void *ud, const struct http_form_piece *p),
                   void *ud);

/* A face of the server whose errors have their own shape (Open311's list
 * of {code, description}): every error answered on a path under prefix
 * (no route, a method not allowed, a body too large, a rate limit, those
 * of its handlers) is written by reply(r, status, e) instead of zhizhi's
 * {"error":{...}}; reply sends it with http_reply and returns its result. */
struct http_error_face {
  const char *prefix;
  int (*reply)(struct http_req *r, int status, const struct zz_err *e);
};

/* The server. */
struct http_server;
struct http_server_opts {
  const char *host;  /* "127.0.0.1" */
  int port;          /* 0: ephemeral; the bound port is reported by http_server_port */
  int threads;       /* worker threads (default 8) */
  uint64_t body_cap; /* streamed body cap in bytes (default 1 GiB) */
  struct app *app;
  const struct http_route *routes;
  size_t nroutes;
  /* Authenticates a request (cookie or bearer); fills ctx; 0, ZZ_EAUTH. */
  int (*authenticate)(struct app *app, struct http_req *r, enum http_auth kind,
                      struct http_auth_ctx *ctx);
  const char *static_dir; /* files served for GETs no route matched; NULL for none */
  /* Reverse proxies whose X-Forwarded-For/-Proto/-Host are believed. */
  const struct http_cidr *trusted;
  size_t ntrusted;
  const char *public_url; /* "https://zz.example.org": links, cookies, CSRF host; NULL */
  int max_conns_per_ip;   /* open sockets per client address (0: 256, -1: no cap) */
  int header_timeout_s;   /* a request head must arrive within this (0: 10 s) */
  const struct http_error_face *faces; /* errors in another shape under a prefix */
  size_t nfaces;
};
int http_server_start(const struct http_server_opts *o, struct http_server **out, struct zz_err *e);
int http_server_port(struct http_server *s);
void http_server_stop(struct http_server *s);

#endif
