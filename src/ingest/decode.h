/* decode.h - streaming decoders for ingest bodies: NDJSON (through yajl) and
 * CSV. Pure: bytes in, one callback per good line and one per bad line, no
 * I/O, no registry look-ups (unknown entity/metric is checked by the caller).
 * A body is fed in chunks of any size; nothing is buffered beyond one line. */
#ifndef ZZ_DECODE_H
#define ZZ_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define INGEST_MAX_LINE (64 * 1024)  /* a longer line is rejected: line_too_long */
#define INGEST_MIN_TS 946684800000LL /* 2000-01-01T00:00:00Z */

enum ingest_format { INGEST_NDJSON, INGEST_CSV };
enum ingest_kind { INGEST_RECORDS, INGEST_EVENTS };

/* One decoded line. Strings point into the decoder's line buffer and are valid
 * only during the callback; they are not NUL-terminated (use the lengths). */
struct ingest_line {
  long line; /* 1-based line number in the body (CSV: the header is line 1) */
  const char *entity;
  size_t entity_len;
  const char *metric; /* records only */
  size_t metric_len;
  const char *kind; /* events only */
  size_t kind_len;
  int64_t ts;       /* UTC ms, already range-checked */
  double value;     /* records only, finite */
  const char *data; /* events only: the "data" object as JSON text ("{}" if absent) */
  size_t data_len;
};

/* Called for each good line; a non-zero return stops decoding and is
 * returned by ingest_decoder_feed/finish. */
typedef int (*ingest_line_fn)(void *ud, const struct ingest_line *ln);
/* Called for each bad line. code is one of: malformed_json, bad_csv,
 * missing_field, wrong_type, not_finite, bad_time, time_out_of_range,
 * line_too_long, bad_header. msg is a sentence naming the field, msg_zh the
 * same sentence in Chinese (core/msg.h). A non-zero return stops decoding. */
typedef int (*ingest_error_fn)(void *ud, long line, const char *code, const char *msg,
                               const char *msg_zh);

struct ingest_decoder;

struct ingest_decoder_opts {
  enum ingest_format format;
  enum ingest_kind kind;
  int64_t now_ms; /* times after now_ms + 1 day are time_out_of_range */
  ingest_line_fn on_line;
  ingest_error_fn on_error;
  void *ud;
};

/* Returns a new decoder or NULL when out of memory. Free with ingest_decoder_free. */
struct ingest_decoder *ingest_decoder_new(const struct ingest_decoder_opts *opts);
void ingest_decoder_free(struct ingest_decoder *d);
/* Feeds the next chunk. Returns 0, or the non-zero value a callback returned,
 * or ZZ_ENOMEM. Lines split across chunks are joined. */
int ingest_decoder_feed(struct ingest_decoder *d, const char *p, size_t n);
/* Ends the body: decodes a last line without a newline. Same returns. */
int ingest_decoder_finish(struct ingest_decoder *d);
/* Lines seen so far (good, bad and blank). */
long ingest_decoder_lines(const struct ingest_decoder *d);

#endif
