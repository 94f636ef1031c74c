/* demo.h - the Gongshu demo world's data generator. Pure: it reads the pack
 * (entities.ndjson, metrics.json, sources.json, demo.json) and emits records
 * through a callback, in non-decreasing time order; the caller stores them.
 * History reproduces the seed's figures (SEED-FACTS.md); live keeps going. */
#ifndef ZZ_DEMO_H
#define ZZ_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"

struct demo_record {
  const char *source; /* source id from sources.json */
  const char *entity; /* entity id */
  const char *metric; /* metric id */
  int64_t ts;         /* UTC ms */
  double value;
};

/* Receives up to 8192 records at a time (valid only during the call); a
 * non-zero return stops generation and is returned by the generator. */
typedef int (*demo_emit_fn)(void *ud, const struct demo_record *recs, size_t n);
/* Progress for long work: done and total in records (total is an estimate). */
typedef void (*demo_progress_fn)(void *ud, int64_t done, int64_t total);

struct demo_opts {
  const char *pack_dir; /* e.g. "scenarios/gongshu" */
  int64_t now_ms;       /* history ends here; live starts here */
  int64_t records;      /* target number of history records (default 5,000,000) */
  uint64_t seed;        /* PRNG seed; same seed, now and records give the same data */
  demo_emit_fn emit;
  demo_progress_fn progress; /* may be NULL */
  void *ud;
};

struct demo;

/* Loads the pack and demo.json; returns NULL with err filled (file and field
 * named) on a bad pack. Free with demo_free. */
struct demo *demo_new(const struct demo_opts *opts, struct zz_err *err);
void demo_free(struct demo *d);
/* Emits the whole history (from the start chosen by demo.json up to now_ms).
 * Returns 0, or what emit returned. */
int demo_history(struct demo *d);
/* Emits the live records with from_ms <= ts < to_ms at about rate records per
 * second; call it repeatedly with consecutive windows. Returns 0 or what emit
 * returned. */
int demo_live(struct demo *d, int64_t from_ms, int64_t to_ms, double rate);
/* The history's first timestamp (UTC ms), known after demo_new. */
int64_t demo_start_ms(const struct demo *d);

#endif
