/* fuzz_ndjson.c - libFuzzer target for the NDJSON ingest decoder (and, through
 * fuzz_csv.c, which includes this file, the CSV one). Each input is decoded
 * as records and as events, once whole and once split at a point derived from
 * the data; both runs must report exactly the same lines and errors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "ingest/decode.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT INGEST_NDJSON
#endif

#define FUZZ_NOW 1779321600000LL /* 2026-05-21T08:00:00+08:00 */

/* A running FNV-1a hash of everything the callbacks saw. */
struct fuzz_run {
  uint64_t h;
  long calls;
};

static void fuzz_mix(struct fuzz_run *r, const void *p, size_t n) {
  r->h = zz_hash_more(r->h, p, n);
}

static int fuzz_on_line(void *ud, const struct ingest_line *ln) {
  struct fuzz_run *r = ud;
  /* What the decoder promises about a good line. */
  if (ln->entity_len == 0 || ln->entity_len > 128) abort();
  if (ln->ts < INGEST_MIN_TS || ln->ts > FUZZ_NOW + 86400000LL) abort();
  if (ln->value != ln->value || ln->value - ln->value != 0) abort(); /* NaN or inf */
  if (ln->metric && (ln->metric_len == 0 || ln->metric_len > 128)) abort();
  if (ln->kind && (ln->kind_len == 0 || ln->kind_len > 128)) abort();
  if (!ln->metric && !ln->kind) abort();
  if (ln->kind && (!ln->data || ln->data_len < 2 || ln->data[0] != '{')) abort();
  r->calls++;
  fuzz_mix(r, &ln->line, sizeof ln->line);
  fuzz_mix(r, ln->entity, ln->entity_len);
  if (ln->metric) fuzz_mix(r, ln->metric, ln->metric_len);
  if (ln->kind) fuzz_mix(r, ln->kind, ln->kind_len);
  if (ln->data) fuzz_mix(r, ln->data, ln->data_len);
  fuzz_mix(r, &ln->ts, sizeof ln->ts);
  fuzz_mix(r, &ln->value, sizeof ln->value);
  return 0;
}

static int fuzz_on_error(void *ud, long line, const char *code, const char *msg,
                         const char *msg_zh) {
  struct fuzz_run *r = ud;
  if (line < 1 || !code || !msg || !*msg || !msg_zh || !*msg_zh) abort();
  r->calls++;
  fuzz_mix(r, &line, sizeof line);
  fuzz_mix(r, code, strlen(code));
  fuzz_mix(r, msg, strlen(msg));
  return 0;
}

static struct fuzz_run fuzz_decode(enum ingest_kind kind, const uint8_t *data, size_t size,
                                   size_t split, long *lines) {
  struct fuzz_run r = {ZZ_FNV_OFFSET, 0};
  struct ingest_decoder_opts o = {FUZZ_FORMAT, kind, FUZZ_NOW, fuzz_on_line, fuzz_on_error, &r};
  struct ingest_decoder *d = ingest_decoder_new(&o);
  if (!d) abort();
  if (ingest_decoder_feed(d, (const char *)data, split) != 0) abort();
  if (ingest_decoder_feed(d, (const char *)data + split, size - split) != 0) abort();
  if (ingest_decoder_finish(d) != 0) abort();
  *lines = ingest_decoder_lines(d);
  ingest_decoder_free(d);
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fuzz_run probe = {ZZ_FNV_OFFSET, 0};
  fuzz_mix(&probe, data, size);
  size_t split = (size_t)(probe.h % (size + 1));
  for (int k = 0; k < 2; k++) {
    enum ingest_kind kind = k ? INGEST_EVENTS : INGEST_RECORDS;
    long lines_whole, lines_split;
    struct fuzz_run whole = fuzz_decode(kind, data, size, size, &lines_whole);
    struct fuzz_run cut = fuzz_decode(kind, data, size, split, &lines_split);
    if (whole.h != cut.h || whole.calls != cut.calls || lines_whole != lines_split) abort();
  }
  return 0;
}
