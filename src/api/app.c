/* app.c - the server's assembly: every resource file's route table in one
 * array, the store and registry, and the signal-driven life cycle. */
#include "api/app.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api/retention.h"
#include "cases/cases.h"
#include "inspections/inspections.h"
#include "http/http.h"
#include "ingest/spool.h"
#include "notify/notify.h"
#include "rules/rules.h"
#include "store/store.h"
#include "store/store_backup.h"
#include "store/store_records.h"
#include "workflow/workflow.h"

/* The store calls this on its writer thread after each committed batch of
 * records: every engine that follows new data hears of it here. */
static void app_on_commit(void *ud, const struct store_record *recs, size_t n) {
  struct app *app = ud;
  stream_on_commit(app, recs, n);
  rules_on_commit(app->rules, recs, n);   /* copies and returns: never blocks the writer */
  notify_on_commit(app->notify, recs, n); /* notes and returns, likewise */
}

static void app_on_commit_events(void *ud, const struct store_event *evs, size_t n) {
  struct app *app = ud;
  rules_on_commit_events(app->rules, evs, n);
}

/* What app_open makes before the store (the bus, the ticker, the limiter). */
static void app_free_core(struct app *app) {
  stream_free(app);
  bus_free(app->bus);
  app->bus = NULL;
  ratelimit_free(app->limits);
  app->limits = NULL;
}

int app_open(struct app *app, const char *data_dir, int flags, struct zz_err *e) {
  memset(app, 0, sizeof *app);
  if (bus_create(0, &app->bus) || stream_init(app) || ratelimit_create(0, &app->limits)) {
    app_free_core(app);
    return zz_fail(e, ZZ_ENOMEM, "bus", "out of memory");
  }
  app->sync_full = (flags & APP_OPEN_SYNC_FULL) != 0;
  struct store_open_opts so = {.dir = data_dir,
                               .no_writer = (flags & APP_OPEN_NO_WRITER) != 0,
                               .synchronous_full = app->sync_full,
                               .on_commit = app_on_commit,
                               .on_commit_ud = app,
                               .on_commit_events = app_on_commit_events};
  /* records per sealed segment (store/reclog.h): tests make it small so
   * that seals happen while they write */
  const char *seal = getenv("ZZ_RECORDS_SEAL");
  if (seal && zz_parse_i64(seal, &so.seal_records)) so.seal_records = 0;
  int rc = store_sqlite_open(&so, &app->st, e);
  if (rc) {
    app_free_core(app);
    return rc;
  }
  if ((rc = registry_open(app->st, &app->reg, e))) {
    store_close(app->st);
    app->st = NULL;
    app_free_core(app);
    return rc;
  }
  app->session_ttl_ms = 12 * ZZ_HOUR_MS;
  app->body_cap = (uint64_t)1 << 30;
  app->data_dir = zz_xstrdup(data_dir);
  /* Ingest bodies wait in DATA/spool/ (ingest/spool.h); the writer holds
   * the data directory, so what a crash left there is nobody's. */
  if (!so.no_writer && (rc = spool_prepare(data_dir, e))) {
    app_close(app);
    return rc;
  }
  /* evidence and material files no row references (a crash between the
   * file and its row, replaced materials left while a backup ran): gone,
   * unless younger than a minute or a backup runs now */
  if (!so.no_writer) {
    int64_t removed = 0;
    struct zz_err se = {0};
    if (store_sweep_files(data_dir, 60, &removed, &se))
      zz_warn("store: sweep of unreferenced files skipped: %s", se.msg);
    else if (removed)
      zz_info("store: removed %lld unreferenced evidence/material file(s)", (long long)removed);
  }
  return 0;
}

void app_close(struct app *app) {
  zz_free(app->data_dir);
  app->data_dir = NULL;
  zz_free(app->web_dir);
  app->web_dir = NULL;
  registry_free(app->reg);
  if (app->st) store_close(app->st);
  app->reg = NULL;
  app->st = NULL;
  app_free_core(app);
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
  } tables[] = {{api_auth_routes, api_auth_nroutes},
                {api_registry_routes, api_registry_nroutes},
                {api_ingest_routes, api_ingest_nroutes},
                {api_query_routes, api_query_nroutes},
                {api_stream_routes, api_stream_nroutes},
                {api_cockpit_routes, api_cockpit_nroutes},
                {api_alerts_routes, api_alerts_nroutes},
                {api_orders_routes, api_orders_nroutes},
                {api_stats_routes, api_stats_nroutes},
                {api_rules_routes, api_rules_nroutes},
                {api_codes_admin_routes, api_codes_admin_nroutes},
                {api_codes_public_routes, api_codes_public_nroutes},
                {api_receipts_routes, api_receipts_nroutes},
                {api_pages_routes, api_pages_nroutes},
                {api_catalog_routes, api_catalog_nroutes},
                {api_open311_routes, api_open311_nroutes},
                {api_ngsi_routes, api_ngsi_nroutes},
                {api_ngsi_subs_routes, api_ngsi_subs_nroutes},
                {api_webhooks_routes, api_webhooks_nroutes},
                {api_applications_routes, api_applications_nroutes},
                {api_cases_routes, api_cases_nroutes},
                {api_users_routes, api_users_nroutes},
                {api_departments_routes, api_departments_nroutes},
                {api_metrics_routes, api_metrics_nroutes},
                {api_usage_routes, api_usage_nroutes},
                {api_statuses_routes, api_statuses_nroutes},
                {api_campaigns_routes, api_campaigns_nroutes},
                {api_inspections_routes, api_inspections_nroutes}};
  size_t total = 0;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(tables); i++) total += tables[i].n;
  struct http_route *all = zz_xcalloc(total, sizeof *all);
  size_t k = 0;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(tables); i++)
    for (size_t j = 0; j < tables[i].n; j++) all[k++] = tables[i].r[j];
  *n = total;
  return all;
}

void app_routes_print(FILE *f) {
  size_t n;
  struct http_route *routes = all_routes(&n);
  static const char *const roles[] = {"admin", "dispatcher", "officer", "viewer", "park_manager"};
  for (size_t i = 0; i < n; i++) {
    const struct http_route *r = &routes[i];
    const char *auth = r->auth == HTTP_AUTH_USER     ? "user"
                       : r->auth == HTTP_AUTH_SOURCE ? "source"
                                                     : "none";
    fprintf(f, "%s %s %s ", r->method, r->pattern, auth);
    int bits = r->roles ? r->roles : ROLE_ANY;
    if (r->auth != HTTP_AUTH_USER) {
      fputs("-\n", f);
      continue;
    }
    if (bits == ROLE_ANY) {
      fputs("any\n", f);
      continue;
    }
    int k = 0;
    for (int b = 0; b < 5; b++)
      if (bits & (1 << b)) fprintf(f, "%s%s", k++ ? "," : "", roles[b]);
    fputc('\n', f);
  }
  zz_free(routes);
}

/* ---- early warning and dispatch engines ---- */

/* The rules engine's hook: a rule with auto_order opened an alert. */
static int app_auto_order(void *ud, const struct rules_fired *f, int64_t *out_order) {
  struct app *app = ud;
  struct wf_actor who = {.name = "system", .department = "", .kind = ACTOR_SYSTEM};
  struct wf_create c = {.matter = f->rule->auto_matter,
                        .title = f->rule->name_zh,
                        .description = f->message,
                        .entity = f->entity_key,
                        .channel = "alert",
                        .lon = NAN,
                        .lat = NAN,
                        .alert = f->alert,
                        .severity = f->rule->severity};
  struct zz_err e = {0};
  int rc = workflow_create(app->wf, &who, &c, out_order, &e);
  if (rc)
    zz_warn("rules: automatic work order for alert %lld failed: %s", (long long)f->alert, e.msg);
  return rc;
}

static int engines_start(struct app *app, struct zz_err *e) {
  const char *tc = getenv("ZZ_TEST_CLOCK");
  app->test_clock = tc && strcmp(tc, "1") == 0;
  if (app->test_clock)
    zz_warn("ZZ_TEST_CLOCK=1: the test clock endpoint is enabled (never in production)");
  struct workflow_opts wo = {.st = app->st,
                             .reg = app->reg,
                             .bus = app->bus,
                             .data_dir = app->data_dir,
                             .sync_files = app->sync_full};
  int rc = workflow_open(&wo, &app->wf, e);
  if (rc) return rc;
  struct rules_opts ro = {
      .st = app->st, .reg = app->reg, .bus = app->bus, .auto_order = app_auto_order, .ud = app};
  struct rules *ru = NULL;
  if ((rc = rules_open(&ro, &ru, e))) {
    workflow_close(app->wf);
    app->wf = NULL;
    return rc;
  }
  app->rules = ru;
  struct notify_opts no = {.st = app->st,
                           .reg = app->reg,
                           .bus = app->bus,
                           .sees_personal = api_ngsi_sees_personal,
                           .sees_personal_ud = app};
  const char *bo = getenv("ZZ_NOTIFY_BACKOFF_MS"); /* tests: retries without long waits */
  if (bo) no.backoff_ms = strtoll(bo, NULL, 10);
  struct notify *nt = NULL;
  if ((rc = notify_open(&no, &nt, e))) {
    app->rules = NULL;
    rules_close(ru);
    workflow_close(app->wf);
    app->wf = NULL;
    return rc;
  }
  app->notify = nt;
  app->cases_timer = cases_timer_start(&(struct cases){app->st, app->reg, app->wf});
  app->ins_timer = inspections_timer_start(
      &(struct inspections){app->st, app->reg, app->wf, app->data_dir, app->sync_full});
  /* raw retention: at start, then hourly (ZZ_RETENTION_EVERY_MS: tests) */
  int64_t every = 0;
  const char *re = getenv("ZZ_RETENTION_EVERY_MS");
  if (re && zz_parse_i64(re, &every)) every = 0;
  app->retention = retention_timer_start(app->st, every);
  return 0;
}

static void engines_stop(struct app *app) {
  retention_timer_stop(app->retention);
  app->retention = NULL;
  struct notify *nt = app->notify;
  app->notify = NULL;
  notify_close(nt);
  struct rules *ru = app->rules;
  app->rules = NULL;
  rules_close(ru);
  workflow_close(app->wf); /* joins the timer thread: no hook runs after it */
  app->wf = NULL;
  cases_timer_stop(app->cases_timer);
  app->cases_timer = NULL;
  inspections_timer_stop(app->ins_timer);
  app->ins_timer = NULL;
}

int app_serve(struct app *app, const struct app_serve_opts *o, struct zz_err *e) {
  if (o->body_cap) app->body_cap = o->body_cap;
  app->nmetrics_from = ZZ_MIN(o->nmetrics_from, ZZ_ARRAY_LEN(app->metrics_from));
  for (size_t i = 0; i < app->nmetrics_from; i++) app->metrics_from[i] = o->metrics_from[i];
  int erc = engines_start(app, e);
  if (erc) return erc;
  size_t nroutes;
  struct http_route *routes = all_routes(&nroutes);
  const char *web = o->web_dir;
  if (!web && access("web/index.html", R_OK) == 0) web = "web";
  zz_free(app->web_dir);
  app->web_dir = web ? zz_xstrdup(web) : NULL;
  struct http_server_opts ho = {.host = o->host,
                                .port = o->port,
                                .threads = o->threads,
                                .body_cap = app->body_cap,
                                .app = app,
                                .routes = routes,
                                .nroutes = nroutes,
                                .authenticate = api_authenticate,
                                .static_dir = web,
                                .trusted = o->trusted,
                                .ntrusted = o->ntrusted,
                                .public_url = o->public_url,
                                .max_conns_per_ip = o->max_conns_per_ip,
                                .header_timeout_s = o->header_timeout_s,
                                .faces = &o311_error_face,
                                .nfaces = 1};
  /* an https public address means the browser talks https: Secure cookies */
  app->cookie_secure = o->public_url && strncasecmp(o->public_url, "https://", 8) == 0;
  struct http_server *srv = NULL;
  /* Two threads hash passwords (argon2id, 64 MiB and tens of ms each): a
   * flood of logins waits there, or gets 503 past 64 queued (a wait of some
   * seconds at most), while the HTTP threads go on answering the rest. */
  int rc = workpool_create(2, 64, &app->hashers);
  if (rc) {
    zz_free(routes);
    engines_stop(app);
    return zz_fail(e, rc, "serve", "cannot start the password threads");
  }
  if ((rc = stream_start(app, e))) {
    zz_free(routes);
    workpool_free(app->hashers);
    app->hashers = NULL;
    engines_stop(app);
    return rc;
  }
  if ((rc = http_server_start(&ho, &srv, e))) {
    stream_stop(app);
    workpool_free(app->hashers);
    app->hashers = NULL;
    engines_stop(app);
    zz_free(routes);
    return rc;
  }
  int port = http_server_port(srv);
  printf("zhizhi: listening on http://%s:%d\n", o->host, port);
  fflush(stdout);
  /* stdout's line is for whoever waits for the start; the log has it too */
  zz_info("zhizhi: listening on http://%s:%d", o->host, port);
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
  workpool_free(app->hashers); /* after the server: sleeping logins wait on it */
  app->hashers = NULL;
  stream_stop(app);
  engines_stop(app);
  zz_free(routes);
  return rc;
}
