/* decode_int.h - internals shared by the ingest decoders: the decoder itself,
 * the per-format line handlers (decode_ndjson.c, decode_csv.c) and the field
 * checks both formats apply. decode.c splits the body into lines. */
#ifndef ZZ_DECODE_INT_H
#define ZZ_DECODE_INT_H

#include "ingest/decode.h"

#include <yajl/yajl_parse.h>

#define INGEST_MAX_ID 128   /* bytes in an entity, metric or kind */
#define INGEST_MAX_DEPTH 16 /* JSON nesting, the line's own object included */
#define INGEST_TS_TEXT 64   /* a longer ts is bad_time without a look */
#define INGEST_CSV_COLS 8   /* header columns kept; more is bad_header anyway */

/* The fields a line may carry; everything else is ignored. */
enum ingest_field {
  INGEST_F_NONE,
  INGEST_F_ENTITY,
  INGEST_F_METRIC,
  INGEST_F_KIND,
  INGEST_F_TS,
  INGEST_F_VALUE,
  INGEST_F_DATA,
  INGEST_F_COUNT
};

/* JSON type of the last value seen for a field (duplicate keys: last wins). */
enum ingest_jtype {
  INGEST_J_ABSENT,
  INGEST_J_STRING,
  INGEST_J_NUMBER,
  INGEST_J_OBJECT,
  INGEST_J_NULL,
  INGEST_J_OTHER
};

/* A short string field copied out of yajl (whose buffers are reused); len may
 * exceed the capacity, in which case text holds nothing useful. */
struct ingest_jstr {
  enum ingest_jtype type;
  size_t len;
  char text[INGEST_MAX_ID + 1];
};

/* What the yajl callbacks learn about one line. */
struct ingest_json_line {
  int depth;
  int top_values;        /* top-level values begun on this line */
  int top_object;        /* the first of them is an object */
  int cancel;            /* why a callback stopped yajl: INGEST_CANCEL_* */
  enum ingest_field cur; /* field of the current key at depth 1 */
  struct ingest_jstr entity, metric, kind;
  enum ingest_jtype ts_type;
  size_t ts_len;
  char ts_text[INGEST_TS_TEXT];
  enum ingest_jtype value_type;
  const char *value_err; /* NULL, or the error code for a number that is not finite */
  double value;
  enum ingest_jtype data_type;
  size_t data_start, data_end; /* byte span of "data" within the line */
  size_t top_start, top_end;   /* byte span of the top-level object */
};

enum { INGEST_CANCEL_NONE, INGEST_CANCEL_DEPTH, INGEST_CANCEL_TRAILING };

struct ingest_decoder {
  struct ingest_decoder_opts o;
  long lines;   /* lines ended so far */
  int stop;     /* sticky: the non-zero value that stopped decoding */
  int skipping; /* inside an over-long line, discarding up to its newline */
  char *pend;   /* a line split across chunks; INGEST_MAX_LINE + 2 bytes */
  size_t pend_len;
  char *unq; /* unquoted CSV fields; INGEST_MAX_LINE + 1 bytes */
  char *num; /* NUL-terminated copy of a number; INGEST_MAX_LINE + 1 bytes */
  char msg[256];
  char msg_zh[384]; /* msg in Chinese */

  /* NDJSON (and the data column of CSV events) */
  yajl_handle yh;
  struct ingest_json_line js;

  /* CSV */
  int csv_state; /* INGEST_CSV_* */
  int csv_ncols;
  enum ingest_field csv_col[INGEST_CSV_COLS];
};

enum { INGEST_CSV_HEADER, INGEST_CSV_BODY, INGEST_CSV_BAD_HEADER };

/* Error codes passed to on_error: objects, so that code pointers compare. */
extern const char ingest_e_json[], ingest_e_csv[], ingest_e_missing[], ingest_e_type[],
    ingest_e_finite[], ingest_e_time[], ingest_e_range[], ingest_e_long[], ingest_e_header[];
#define INGEST_E_JSON ingest_e_json
#define INGEST_E_CSV ingest_e_csv
#define INGEST_E_MISSING ingest_e_missing
#define INGEST_E_TYPE ingest_e_type
#define INGEST_E_FINITE ingest_e_finite
#define INGEST_E_TIME ingest_e_time
#define INGEST_E_RANGE ingest_e_range
#define INGEST_E_LONG ingest_e_long
#define INGEST_E_HEADER ingest_e_header

/* Decodes one non-blank line (no newline, at most INGEST_MAX_LINE bytes).
 * Returns 0, a callback's non-zero value, or ZZ_ENOMEM. */
int ingest_ndjson_line(struct ingest_decoder *d, long line, const char *s, size_t n);
int ingest_csv_line(struct ingest_decoder *d, long line, const char *s, size_t n);

/* Parses s as one JSON value into d->js. Returns NULL, or INGEST_E_JSON with
 * d->msg set, or ingest_nomem when yajl could not be set up again. */
const char *ingest_json_parse(struct ingest_decoder *d, const char *s, size_t n);
extern const char ingest_nomem[]; /* not a line error: the decoder is out of memory */
/* (Re)creates d->yh; returns 0 or ZZ_ENOMEM. */
int ingest_json_init(struct ingest_decoder *d);

/* Field checks. Each returns NULL when the field is good, else an error code
 * with a sentence in d->msg. name is the field name for the message; an id is
 * 1..INGEST_MAX_ID bytes of UTF-8 without control characters. */
const char *ingest_check_id(struct ingest_decoder *d, const char *name, const char *s, size_t len);
const char *ingest_check_ts(struct ingest_decoder *d, const char *s, size_t n, int64_t *out);
const char *ingest_check_value(struct ingest_decoder *d, const char *s, size_t n, double *out);

/* Formats the English printf format fmt into d->msg and its Chinese from the
 * catalog (core/msg.h; the English again when it has none) into d->msg_zh,
 * with the same arguments. */
void ingest_say(struct ingest_decoder *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Formats a sentence as ingest_say does, calls on_error and returns its value. */
int ingest_report(struct ingest_decoder *d, long line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Calls on_error with the sentence already in d->msg and d->msg_zh. */
int ingest_report_msg(struct ingest_decoder *d, long line, const char *code);
/* Writes a printable-ASCII quote of s (at most 40 bytes, "..." when cut) into
 * out, so user bytes never reach an error message raw. Returns out. */
char *ingest_snippet(char *out, size_t cap, const char *s, size_t n);

#endif
