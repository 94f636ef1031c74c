/* metrics.c - lock-free counters and histograms (metrics.h) and the
 * process-wide set the store and ingest note into. A source's slot is
 * claimed once under a mutex (the first request of that source); after
 * that every note is two relaxed atomic adds. */
#include "core/metrics.h"

#include <pthread.h>
#include <string.h>

#include "core/zz.h"

const double zz_hist_bounds_s[ZZ_HIST_NB] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,  0.5,    1,     2.5,  5,     10};

void zz_hist_observe(struct zz_hist *h, int64_t us) {
  if (us < 0) us = 0;
  double s = (double)us / 1e6;
  int i = 0;
  while (i < ZZ_HIST_NB && s > zz_hist_bounds_s[i]) i++;
  atomic_fetch_add_explicit(&h->b[i], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&h->sum_us, (uint64_t)us, memory_order_relaxed);
}

uint64_t zz_hist_count(const struct zz_hist *h) {
  uint64_t n = 0;
  for (int i = 0; i <= ZZ_HIST_NB; i++) n += atomic_load_explicit(&h->b[i], memory_order_relaxed);
  return n;
}

void zz_hist_write(struct zz_buf *b, const struct zz_hist *h, const char *name,
                   const char *labels) {
  uint64_t cum = 0;
  const char *sep = labels && *labels ? "," : "";
  if (!labels) labels = "";
  for (int i = 0; i <= ZZ_HIST_NB; i++) {
    cum += atomic_load_explicit(&h->b[i], memory_order_relaxed);
    if (i < ZZ_HIST_NB)
      zz_buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, zz_hist_bounds_s[i],
                    (unsigned long long)cum);
    else
      zz_buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
                    (unsigned long long)cum);
  }
  double sum = (double)atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1e6;
  const char *open = *labels ? "{" : "", *close = *labels ? "}" : "";
  zz_buf_printf(b, "%s_sum%s%s%s %.6f\n", name, open, labels, close, sum);
  zz_buf_printf(b, "%s_count%s%s%s %llu\n", name, open, labels, close, (unsigned long long)cum);
}

void zz_metrics_label(struct zz_buf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '\\' || *s == '"')
      zz_buf_printf(b, "\\%c", *s);
    else if (*s == '\n')
      zz_buf_adds(b, "\\n");
    else
      zz_buf_add(b, s, 1);
  }
}

/* ---- the process-wide set ---- */

#define MET_SOURCES 256

struct src_slot {
  char name[64];
  atomic_uint_fast64_t accepted, rejected;
};

static struct zz_hist commit_hist;
static atomic_uint_fast64_t commit_failed;
static struct src_slot sources[MET_SOURCES + 1]; /* the last: "other" */
static atomic_int nsources;                      /* slots published (names set) */
static pthread_mutex_t sources_lock = PTHREAD_MUTEX_INITIALIZER;

void zz_metrics_commit(int64_t us, int ok) {
  zz_hist_observe(&commit_hist, us);
  if (!ok) atomic_fetch_add_explicit(&commit_failed, 1, memory_order_relaxed);
}

static struct src_slot *source_slot(const char *name) {
  int n = atomic_load_explicit(&nsources, memory_order_acquire);
  for (int i = 0; i < n; i++)
    if (strcmp(sources[i].name, name) == 0) return &sources[i];
  pthread_mutex_lock(&sources_lock);
  struct src_slot *s = NULL;
  n = atomic_load_explicit(&nsources, memory_order_relaxed);
  for (int i = 0; i < n && !s; i++)
    if (strcmp(sources[i].name, name) == 0) s = &sources[i];
  if (!s && n < MET_SOURCES) {
    s = &sources[n];
    zz_strlcpy(s->name, name, sizeof s->name);
    atomic_store_explicit(&nsources, n + 1, memory_order_release); /* name first, then publish */
  }
  pthread_mutex_unlock(&sources_lock);
  return s ? s : &sources[MET_SOURCES];
}

void zz_metrics_ingest(const char *source, int64_t accepted, int64_t rejected) {
  struct src_slot *s = source_slot(source && *source ? source : "unknown");
  if (accepted > 0)
    atomic_fetch_add_explicit(&s->accepted, (uint64_t)accepted, memory_order_relaxed);
  if (rejected > 0)
    atomic_fetch_add_explicit(&s->rejected, (uint64_t)rejected, memory_order_relaxed);
}

static void write_sources(struct zz_buf *b, const char *name, int rejected) {
  int n = atomic_load_explicit(&nsources, memory_order_acquire);
  for (int i = 0; i <= MET_SOURCES; i++) {
    if (i >= n && i < MET_SOURCES) continue;
    struct src_slot *s = &sources[i];
    uint64_t v = atomic_load_explicit(rejected ? &s->rejected : &s->accepted, memory_order_relaxed);
    if (i == MET_SOURCES && v == 0) continue;
    zz_buf_printf(b, "%s{source=\"", name);
    zz_metrics_label(b, i == MET_SOURCES ? "other" : s->name);
    zz_buf_printf(b, "\"} %llu\n", (unsigned long long)v);
  }
}

void zz_metrics_write(struct zz_buf *b) {
  zz_buf_adds(b,
              "# HELP zhizhi_ingest_records_total Records accepted (new or replacing), by source.\n"
              "# TYPE zhizhi_ingest_records_total counter\n");
  write_sources(b, "zhizhi_ingest_records_total", 0);
  zz_buf_adds(b, "# HELP zhizhi_ingest_rejected_total Lines refused by ingest, by source.\n"
                 "# TYPE zhizhi_ingest_rejected_total counter\n");
  write_sources(b, "zhizhi_ingest_rejected_total", 1);
  zz_buf_adds(b, "# HELP zhizhi_store_commit_seconds Store writer transactions, BEGIN to COMMIT.\n"
                 "# TYPE zhizhi_store_commit_seconds histogram\n");
  zz_hist_write(b, &commit_hist, "zhizhi_store_commit_seconds", "");
  zz_buf_printf(b,
                "# HELP zhizhi_store_commit_failed_total Store writer transactions rolled back.\n"
                "# TYPE zhizhi_store_commit_failed_total counter\n"
                "zhizhi_store_commit_failed_total %llu\n",
                (unsigned long long)atomic_load(&commit_failed));
}
