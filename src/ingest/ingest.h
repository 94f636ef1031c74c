/* ingest.h - the ingest pipeline shared by POST /api/v1/records|events, the
 * import command and the demo loader: decode (decode.h), validate against
 * the registry, batch, hand batches to the store writer, and keep the report
 * ({"accepted","replaced","rejected":[first 100],"rejected_total"}). */
#ifndef ZZ_INGEST_H
#define ZZ_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/zz.h"
#include "ingest/decode.h"
#include "model/registry.h"
#include "store/store.h"

#define INGEST_REPORT_MAX 100

struct ingest_rejection {
  long line;
  char code[24];
  char msg[200];
  char msg_zh[320]; /* msg in Chinese */
};

struct ingest_report {
  int64_t lines; /* non-blank lines seen */
  int64_t accepted, replaced, rejected_total;
  struct ingest_rejection rejected[INGEST_REPORT_MAX];
  int nrejected;
};

struct ingest_opts {
  struct store *st;
  struct registry *reg;
  int64_t source_id;
  enum ingest_format format;
  enum ingest_kind kind;
  int atomic;            /* store nothing if any line is bad */
  size_t batch;          /* records per writer batch (default 50,000) */
  int manual_flush;      /* feed never writes: the caller uses ingest_ready and
                            ingest_flush_async (the HTTP path, which must not block) */
  const char *spool_dir; /* atomic: records go to a temporary file here, not
                            memory, and are written in one transaction at the
                            end (NULL: held in memory) */
};

struct ingest;

/* Returns a new pipeline or NULL when out of memory. */
struct ingest *ingest_new(const struct ingest_opts *o);
void ingest_free(struct ingest *in);
/* Feeds body bytes. Returns 0, or a store error (ZZ_EBUSY when the write
 * queue is full, ...) with e filled; after an error the request is over. */
int ingest_feed(struct ingest *in, const char *p, size_t n, struct zz_err *e);
/* Ends the body and commits what is left. Same returns. */
int ingest_finish(struct ingest *in, struct zz_err *e);
const struct ingest_report *ingest_result(const struct ingest *in);

/* Non-blocking use (manual_flush): a batch is full and should be written. */
int ingest_ready(const struct ingest *in);
/* Ends the body's decoding (the last line, the atomic check) without writing. */
int ingest_finish_decode(struct ingest *in, struct zz_err *e);
/* Writes what is buffered. Returns 0 when queued, and then done(ud, rc, err)
 * runs once on the store's writer thread after the commit (the report is
 * updated before); 1 when there was nothing to write; or a ZZ_E* code
 * (ZZ_EBUSY: the write queue is full) with e filled, done never called. The
 * pipeline must not be fed until done has run. */
int ingest_flush_async(struct ingest *in, void (*done)(void *ud, int rc, const struct zz_err *e),
                       void *ud, struct zz_err *e);
/* Appends the report as one JSON object to out. Returns 0 or out's error
 * (the buffer stays failed, as core/json.h says). */
int ingest_report_json(const struct ingest_report *rep, struct zz_buf *out);

#endif
