/* metrics.h - counters and latency histograms for GET /metrics (Prometheus
 * text format). Observing is a few relaxed atomic adds, no lock, so hot
 * paths (every request, every commit) may call it. The process-wide ones
 * (store commits, ingest by source) live here as one set: the store and
 * the ingest path note into them, the API writes them out. */
#ifndef ZZ_METRICS_H
#define ZZ_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/buf.h"

/* Upper bounds of the latency buckets, in seconds (then +Inf). */
#define ZZ_HIST_NB 13
extern const double zz_hist_bounds_s[ZZ_HIST_NB];

struct zz_hist {
  atomic_uint_fast64_t b[ZZ_HIST_NB + 1]; /* per bucket (not cumulative); last: +Inf */
  atomic_uint_fast64_t sum_us;
};

/* Counts one observation of us microseconds. */
void zz_hist_observe(struct zz_hist *h, int64_t us);
/* Writes the _bucket, _sum and _count lines of h as metric name with the
 * labels (already escaped, 'k="v",...', or "" for none). No HELP/TYPE. */
void zz_hist_write(struct zz_buf *b, const struct zz_hist *h, const char *name, const char *labels);
/* Total observations of h. */
uint64_t zz_hist_count(const struct zz_hist *h);

/* Appends s to b escaped for a label value (backslash, quote, newline). */
void zz_metrics_label(struct zz_buf *b, const char *s);

/* The store's commits: their latency (BEGIN to COMMIT) and failures. */
void zz_metrics_commit(int64_t us, int ok);
/* Ingest by source: records accepted (new or replacing) and lines
 * rejected in one request. Sources past the first 256 names count under
 * "other" so the label set stays bounded. */
void zz_metrics_ingest(const char *source, int64_t accepted, int64_t rejected);
/* Writes every process-wide family above (HELP, TYPE and samples). */
void zz_metrics_write(struct zz_buf *b);

#endif
