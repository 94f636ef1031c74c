/* store_records.h - the records and their rollups: asynchronous and blocking
 * writes (each answered only once committed) and the reads panels are made
 * of (rollup buckets, entity aggregates, latest values, raw series). */
#ifndef ZZ_STORE_RECORDS_H
#define ZZ_STORE_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ztime.h"
#include "core/zz.h"

struct store;

/* One record resolved to numeric ids, as queued to the writer. */
struct store_record {
  int64_t entity; /* entity id */
  int32_t metric; /* metric id */
  int32_t source; /* source id, 0 when unknown */
  int64_t ts;
  double value;
  int64_t line; /* the body's line, for a refusal; 0 when none */
};

struct store_event {
  int64_t entity;
  int32_t source;
  int64_t ts;
  const char *kind;
  const char *data_json;
};

/* Lines of refused records a result lists (the ingest report lists 100). */
#define STORE_REFUSED_MAX 100

/* What the writer reports about a committed batch. */
struct store_write_result {
  int64_t accepted; /* new records */
  int64_t replaced; /* records that replaced an existing (entity, metric, ts) */
  /* records refused because their series belongs to another source (the
   * first source that wrote it); the first STORE_REFUSED_MAX lines listed */
  int64_t refused;
  int nrefused_lines;
  int64_t refused_line[STORE_REFUSED_MAX];
};

/* ---- rollup reads ---- */
struct store_agg {
  int64_t n;
  double sum, min, max, last;
  int64_t last_ts;
};

/* Row callbacks return 0 to continue, non-zero to stop. */
typedef int (*store_bucket_fn)(void *ud, int64_t bucket, const struct store_agg *a);

typedef int (*store_series_agg_fn)(void *ud, int64_t entity, const struct store_agg *a);

/* Completion of an asynchronous write (see records_write_async). */
typedef void (*store_done_fn)(void *ud, int rc, const struct store_write_result *res,
                              const struct zz_err *e);

/* Committed-batch subscriber: engines (rules, streams) learn of new data. */
typedef void (*store_commit_fn)(void *ud, const struct store_record *recs, size_t n);

/* Sorts a batch by (entity, metric, ts), stably (of two records with the same
 * key the later stays later, so it still wins). Sorted batches insert far
 * faster; callers sort on their own threads. Returns 0 or ZZ_ENOMEM. */
int store_records_sort(struct store_record *recs, size_t n);

/* Asynchronous writes: 0 means queued, and done(ud, rc, result, err) is
 * then called exactly once, on the writer's thread, after the commit (or
 * the failure); recs must stay untouched until then. A non-zero return
 * (ZZ_EBUSY when the queue is full) means done is never called. */
int store_records_write_async(struct store *st, const struct store_record *recs, size_t n,
                              store_done_fn done, void *ud, struct zz_err *e);
int store_events_write_async(struct store *st, const struct store_event *evs, size_t n,
                             store_done_fn done, void *ud, struct zz_err *e);
/* The records of an atomic body, spooled to the file fd as n struct
 * store_record (in runs sorted by store_records_sort): all written in one
 * transaction, so all or nothing, without holding them in memory. As
 * records_write_async; fd must stay open until done has run. The _file
 * variant without _async blocks until committed. A record refused for its
 * series' owner fails the whole job with ZZ_ECONFLICT (nothing stored),
 * and the result given to done still lists the refusals. */
int store_records_write_file_async(struct store *st, int fd, size_t n, store_done_fn done, void *ud,
                                   struct zz_err *e);
int store_records_write_file(struct store *st, int fd, size_t n, struct store_write_result *out,
                             struct zz_err *e);
/* records and events: block until committed */
int store_records_write(struct store *st, const struct store_record *recs, size_t n,
                        struct store_write_result *out, struct zz_err *e);
int store_events_write(struct store *st, const struct store_event *evs, size_t n, struct zz_err *e);
/* queue depth in records, for back-pressure */
size_t store_write_queue_depth(struct store *st);
/* 1 while the records writer waits for the database's write lock, which
 * another connection of this process holds: a thread writing many small
 * transactions in a row (the rules engine in an alert storm) lets it in
 * before its next one, or ingest stalls behind it. */
int store_writer_waiting(struct store *st);
/* rollups: region node series and entity-level aggregates */
int store_rollup_buckets(struct store *st, int64_t metric, int64_t region, enum zz_grain g,
                         int64_t from, int64_t to, store_bucket_fn fn, void *ud);
/* entity (series) aggregates over whole local days [from_day, to_day):
 * day, month and year rows combined; calls fn once per entity with data.
 * additive: the caller needs only n and sum, so a year-to-date range may
 * be read as the year row minus the rest of the year, and min, max and
 * last come back NaN. */
int store_entity_aggs(struct store *st, int64_t metric, int64_t rpos_lo, int64_t rpos_hi,
                      const char *type, int64_t from, int64_t to, int additive,
                      store_series_agg_fn fn, void *ud);
int store_entity_buckets(struct store *st, int64_t entity, int64_t metric, enum zz_grain g,
                         int64_t from, int64_t to, store_bucket_fn fn, void *ud);
/* current value of every series of metric (or of every metric when 0) for
 * entities in the subtree/type; fn(ud, entity, metric, ts, value) */
int store_latest_each(struct store *st, int64_t metric, int64_t entity, int64_t rpos_lo,
                      int64_t rpos_hi, const char *type,
                      int (*fn)(void *, int64_t entity, int64_t metric, int64_t ts, double value),
                      void *ud);
/* raw records of one series, ascending */
int store_records_each(struct store *st, int64_t entity, int64_t metric, int64_t from, int64_t to,
                       int limit, int (*fn)(void *, int64_t ts, double value), void *ud);
/* the times of one entity's events of one kind in [from, to), ascending
 * (by id within a time), at most limit (<= 0: 100000); fn non-zero stops */
int store_event_times_each(struct store *st, int64_t entity, const char *kind, int64_t from,
                           int64_t to, int limit, int (*fn)(void *, int64_t ts), void *ud);
int64_t store_records_count(struct store *st);

/* What the raw records take (store/reclog.h): sealed segments, their
 * bytes and records, the log's bytes, records in memory (open and being
 * sealed), seals done and failed. 0, or ZZ_EINTERNAL when the backend
 * keeps no such figures. */
struct store_records_stats {
  int64_t segments, segment_bytes, segment_records;
  int64_t log_bytes, open_records, sealing_records;
  int64_t seals, seal_failures;
  int64_t pruned; /* records dropped by raw retention since open */
};
int store_records_stats(struct store *st, struct store_records_stats *out);

/* Raw retention: drops the raw records older than now - raw_days days of
 * every series whose metric has raw_days (metrics.json), keeping the
 * rollups. Only records already sealed into segment files go; those still
 * in the log go at a later call once sealed. Ingest goes on meanwhile: run
 * it on a thread of its own (the server's timer), it may take a while.
 * Returns 0 with *dropped the records removed, or ZZ_ESTORE / ZZ_EIO /
 * ZZ_ENOMEM with e (*dropped then counts what went before the failure). */
int store_records_prune(struct store *st, int64_t now, int64_t *dropped, struct zz_err *e);

#endif
