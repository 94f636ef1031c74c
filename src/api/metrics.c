/* metrics.c (api) - GET /metrics, the operator's Prometheus endpoint: the
 * HTTP layer's request counters, the process-wide ones of core/metrics.h,
 * and gauges read when scraped (write queue, rules lag, open alerts, orders
 * by state, live streams, file sizes, memory and threads). Only counts and
 * bounded labels (route patterns, source keys, order states): no person. */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"
#include "core/metrics.h"
#include "rules/rules.h"
#include "store/store_alerts.h"
#include "store/store_orders.h"

#define PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Loopback, unless the request came through a proxy we were not told to
 * trust (it then names some other client in X-Forwarded-For), or an
 * address of --metrics-from. */
static int may_read(struct http_req *r) {
  struct app *app = http_app(r);
  const char *peer = http_peer(r);
  unsigned char addr[16] = {0};
  int family = 0;
  if (inet_pton(AF_INET, peer, addr) == 1)
    family = AF_INET;
  else if (inet_pton(AF_INET6, peer, addr) == 1)
    family = AF_INET6;
  if (!family) return 0;
  if (app->nmetrics_from && http_cidr_contains(app->metrics_from, app->nmetrics_from, family, addr))
    return 1;
  static const unsigned char v6_loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  int loopback = family == AF_INET ? addr[0] == 127 : memcmp(addr, v6_loop, 16) == 0;
  return loopback && !http_header(r, "X-Forwarded-For");
}

static void gauge(struct zz_buf *b, const char *name, const char *help, long long v) {
  zz_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, v);
}

struct order_counts {
  struct zz_buf *b;
  int overdue; /* which column this pass writes */
};

static int order_row(void *ud, const char *state, int64_t n, int64_t overdue) {
  struct order_counts *c = ud;
  zz_buf_printf(c->b, "%s{state=\"", c->overdue ? "zhizhi_orders_overdue" : "zhizhi_orders");
  zz_metrics_label(c->b, state);
  zz_buf_printf(c->b, "\"} %lld\n", (long long)(c->overdue ? overdue : n));
  return 0;
}

static void write_orders(struct zz_buf *b, struct app *app) {
  struct order_counts c = {b, 0};
  zz_buf_adds(b, "# HELP zhizhi_orders Work orders by state (sub-orders included).\n"
                 "# TYPE zhizhi_orders gauge\n");
  store_order_state_counts(app->st, order_row, &c);
  c.overdue = 1;
  zz_buf_adds(b, "# HELP zhizhi_orders_overdue Work orders marked overdue, by state.\n"
                 "# TYPE zhizhi_orders_overdue gauge\n");
  store_order_state_counts(app->st, order_row, &c);
}

static void write_files(struct zz_buf *b, struct app *app) {
  static const char *const files[] = {"zhizhi.db", "zhizhi.db-wal"};
  zz_buf_adds(b, "# HELP zhizhi_store_file_bytes Size of the store's files (records live in "
                 "zhizhi.db).\n# TYPE zhizhi_store_file_bytes gauge\n");
  for (size_t i = 0; i < ZZ_ARRAY_LEN(files); i++) {
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", app->data_dir, files[i]);
    long long size = stat(path, &st) == 0 ? (long long)st.st_size : 0;
    zz_buf_printf(b, "zhizhi_store_file_bytes{file=\"%s\"} %lld\n", files[i], size);
  }
}

/* Resident memory and threads from /proc/self/status, open descriptors
 * from /proc/self/fd. */
static void write_process(struct zz_buf *b) {
  long long rss_kb = 0, threads = 0, fds = 0;
  FILE *f = fopen("/proc/self/status", "r");
  if (f) {
    char line[256];
    while (fgets(line, sizeof line, f)) {
      if (strncmp(line, "VmRSS:", 6) == 0) sscanf(line + 6, "%lld", &rss_kb);
      if (strncmp(line, "Threads:", 8) == 0) sscanf(line + 8, "%lld", &threads);
    }
    fclose(f);
  }
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    for (struct dirent *de; (de = readdir(d));)
      if (de->d_name[0] != '.') fds++;
    closedir(d);
    fds--; /* the directory's own descriptor */
  }
  gauge(b, "process_resident_memory_bytes", "Resident memory of the process.", rss_kb * 1024);
  gauge(b, "process_threads", "Threads of the process.", threads);
  gauge(b, "process_open_fds", "Open file descriptors.", fds);
}

static int get_metrics(struct http_req *r) {
  if (!may_read(r))
    return http_fail(r, ZZ_EFORBIDDEN, "address",
                     "/metrics is answered to loopback and --metrics-from addresses only");
  struct app *app = http_app(r);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  http_metrics_write(r, &b);
  zz_metrics_write(&b);
  gauge(&b, "zhizhi_store_write_queue_records", "Records queued for the store writer.",
        (long long)store_write_queue_depth(app->st));
  gauge(&b, "zhizhi_records", "Records stored.", (long long)store_records_count(app->st));
  struct store_records_stats rs;
  if (!store_records_stats(app->st, &rs)) {
    gauge(&b, "zhizhi_records_segments", "Sealed segment files of raw records.",
          (long long)rs.segments);
    gauge(&b, "zhizhi_records_segment_bytes", "Bytes of the sealed segment files.",
          (long long)rs.segment_bytes);
    gauge(&b, "zhizhi_records_log_bytes", "Bytes of the raw records' logs not yet sealed.",
          (long long)rs.log_bytes);
    gauge(&b, "zhizhi_records_memory", "Raw records held in memory until sealed.",
          (long long)(rs.open_records + rs.sealing_records));
    zz_buf_printf(&b,
                  "# HELP zhizhi_records_seals_total Segments sealed since start.\n"
                  "# TYPE zhizhi_records_seals_total counter\nzhizhi_records_seals_total %lld\n"
                  "# HELP zhizhi_records_seal_failures_total Seals that failed (retried).\n"
                  "# TYPE zhizhi_records_seal_failures_total counter\n"
                  "zhizhi_records_seal_failures_total %lld\n",
                  (long long)rs.seals, (long long)rs.seal_failures);
    zz_buf_printf(&b,
                  "# HELP zhizhi_records_pruned_total Raw records dropped by retention since"
                  " start.\n"
                  "# TYPE zhizhi_records_pruned_total counter\nzhizhi_records_pruned_total %lld\n",
                  (long long)rs.pruned);
  }
  int64_t queued = 0, lag_ms = 0, dropped = 0;
  if (app->rules) rules_lag(app->rules, &queued, &lag_ms, &dropped);
  gauge(&b, "zhizhi_rules_queue", "Committed records and events waiting for rule evaluation.",
        (long long)queued);
  zz_buf_printf(&b,
                "# HELP zhizhi_rules_lag_seconds Age of the oldest committed batch not yet "
                "evaluated by the rules (0: none waits).\n"
                "# TYPE zhizhi_rules_lag_seconds gauge\nzhizhi_rules_lag_seconds %.3f\n"
                "# HELP zhizhi_rules_dropped_batches_total Batches the rules skipped (queue "
                "full).\n# TYPE zhizhi_rules_dropped_batches_total counter\n"
                "zhizhi_rules_dropped_batches_total %lld\n",
                (double)lag_ms / 1000.0, (long long)dropped);
  int64_t open_alerts = 0;
  store_alerts_open_count(app->st, &open_alerts);
  gauge(&b, "zhizhi_alerts_open", "Alerts open now.", (long long)open_alerts);
  write_orders(&b, app);
  gauge(&b, "zhizhi_stream_clients", "Open live streams (SSE).", stream_clients(app));
  write_files(&b, app);
  write_process(&b);
  http_add_header(r, "Cache-Control", "no-store");
  return http_reply(r, 200, PROM_TYPE, &b);
}

const struct http_route api_metrics_routes[] = {
    {"GET", "/metrics", get_metrics, NULL, HTTP_AUTH_NONE, 0, 0},
};
const size_t api_metrics_nroutes = ZZ_ARRAY_LEN(api_metrics_routes);
