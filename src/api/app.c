/* app.c - the server's assembly: every resource file's route table in one
 * array, the store and registry, and the signal-driven life cycle. */
#include "api/app.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"

/* The store calls this on its writer thread after each committed batch of
 * records: every engine that follows new data hears of it here. */
static void app_on_commit(void *ud, const struct store_record *recs, size_t n) {
  struct app *app = ud;
  stream_on_commit(app, recs, n);
}

int app_open(struct app *app, const char *data_dir, int no_writer, struct zz_err *e) {
  memset(app, 0, sizeof *app);
  if (bus_create(0, &app->bus) || stream_init(app)) {
    bus_free(app->bus);
    app->bus = NULL;
    return zz_fail(e, ZZ_ENOMEM, "bus", "out of memory");
  }
  struct store_open_opts so = {
      .dir = data_dir, .no_writer = no_writer, .on_commit = app_on_commit, .on_commit_ud = app};
  int rc = store_sqlite_open(&so, &app->st, e);
  if (rc) {
    stream_free(app);
    bus_free(app->bus);
    app->bus = NULL;
    return rc;
  }
  if ((rc = registry_open(app->st, &app->reg, e))) {
    app->st->ops->close(app->st);
    app->st = NULL;
    stream_free(app);
    bus_free(app->bus);
    app->bus = NULL;
    return rc;
  }
  app->session_ttl_ms = 12 * ZZ_HOUR_MS;
  app->body_cap = (uint64_t)1 << 30;
  return 0;
}

void app_close(struct app *app) {
  registry_free(app->reg);
  if (app->st) app->st->ops->close(app->st);
  app->reg = NULL;
  app->st = NULL;
  stream_free(app);
  bus_free(app->bus);
  app->bus = NULL;
}

void app_block_signals(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
}

static struct http_route *all_routes(size_t *n) {
  const struct {
    const struct http_route *r;
    size_t n;
  } tables[] = {
      {api_auth_routes, api_auth_nroutes},     {api_registry_routes, api_registry_nroutes},
      {api_ingest_routes, api_ingest_nroutes}, {api_query_routes, api_query_nroutes},
      {api_stream_routes, api_stream_nroutes}, {api_cockpit_routes, api_cockpit_nroutes}};
  size_t total = 0;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(tables); i++) total += tables[i].n;
  struct http_route *all = zz_xcalloc(total, sizeof *all);
  size_t k = 0;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(tables); i++)
    for (size_t j = 0; j < tables[i].n; j++) all[k++] = tables[i].r[j];
  *n = total;
  return all;
}

int app_serve(struct app *app, const struct app_serve_opts *o, struct zz_err *e) {
  if (o->body_cap) app->body_cap = o->body_cap;
  size_t nroutes;
  struct http_route *routes = all_routes(&nroutes);
  const char *web = o->web_dir;
  if (!web && access("web/index.html", R_OK) == 0) web = "web";
  struct http_server_opts ho = {.host = o->host,
                                .port = o->port,
                                .threads = o->threads,
                                .body_cap = app->body_cap,
                                .app = app,
                                .routes = routes,
                                .nroutes = nroutes,
                                .authenticate = api_authenticate,
                                .static_dir = web};
  struct http_server *srv = NULL;
  int rc = stream_start(app, e);
  if (rc) {
    zz_free(routes);
    return rc;
  }
  if ((rc = http_server_start(&ho, &srv, e))) {
    stream_stop(app);
    zz_free(routes);
    return rc;
  }
  int port = http_server_port(srv);
  printf("zhizhi: listening on http://%s:%d\n", o->host, port);
  fflush(stdout);
  if (o->on_ready && (rc = o->on_ready(o->ud, app, port)) != 0) {
    zz_fail(e, rc, "serve", "start-up failed");
  } else {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    zz_info("zhizhi: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  }
  if (o->on_stop) o->on_stop(o->ud);
  http_server_stop(srv);
  stream_stop(app);
  zz_free(routes);
  return rc;
}
