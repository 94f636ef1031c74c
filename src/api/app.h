/* app.h - assembling and running the server: open the store and registry,
 * start HTTP with every route table, wait for SIGINT/SIGTERM, stop cleanly. */
#ifndef ZZ_APP_H
#define ZZ_APP_H

#include <stdio.h>

#include "api/api.h"

struct app_serve_opts {
  const char *data_dir;
  const char *host;
  int port;
  int threads;
  uint64_t body_cap;
  const char *web_dir; /* NULL: ./web if present */
  /* behind a reverse proxy (docs/operations.md) */
  const struct http_cidr *trusted; /* --trusted-proxy ranges */
  size_t ntrusted;
  const char *public_url;               /* --public-url, or NULL */
  int max_conns_per_ip;                 /* --max-conns-per-ip (0: 256, -1: no cap) */
  int header_timeout_s;                 /* --header-timeout (0: 10 s) */
  const struct http_cidr *metrics_from; /* --metrics-from: who else may read /metrics */
  size_t nmetrics_from;
  /* Called once the server listens (demo: print the login, start live
   * data); returns 0 to go on. And once after the stop signal. */
  int (*on_ready)(void *ud, struct app *app, int port);
  void (*on_stop)(void *ud);
  void *ud;
};

/* app_open's flags. NO_WRITER: admin commands beside a running server.
 * SYNC_FULL: every commit is fsync'd, and so are the files that come with
 * them (photos, materials): a power failure then loses nothing answered.
 * Without it a commit, and its files, survive a crash of the process, and
 * a power failure may take the last second or so. */
enum { APP_OPEN_NO_WRITER = 1, APP_OPEN_SYNC_FULL = 2 };
/* Opens store + registry into app. Returns 0 or a ZZ_E* code with e filled. */
int app_open(struct app *app, const char *data_dir, int flags, struct zz_err *e);
void app_close(struct app *app);
/* Blocks SIGINT/SIGTERM in the calling thread (call before starting any
 * thread, so every thread inherits the mask). */
void app_block_signals(void);
/* Prints the route table, one route a line: METHOD PATTERN AUTH ROLES,
 * AUTH none|user|source, ROLES any or a comma list ("-" without a
 * session). The hidden command `zhizhi routes` (the authorization test
 * compares its matrix against it). */
void app_routes_print(FILE *f);
/* Serves until SIGINT or SIGTERM. Returns 0 or a ZZ_E* code with e filled. */
int app_serve(struct app *app, const struct app_serve_opts *o, struct zz_err *e);

#endif
