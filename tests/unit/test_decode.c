/* test_decode.c - unit tests for src/ingest/decode*.c: every error code, both
 * formats and kinds, chunk boundaries (byte by byte must equal one piece),
 * CRLF, the 64 KiB line limit, events data passthrough and CSV quoting. Each
 * test decodes a body into a text transcript and compares it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/zz.h"
#include "ingest/decode.h"

#define NOW 1779321600000LL /* 2026-05-21T08:00:00+08:00 */
#define TS "2026-05-21T08:00:00+08:00"

/* What a decode produced: one line of text per callback. */
struct transcript {
  char text[1 << 16];
  size_t len;
  int good, bad;
  int stop_after; /* non-zero: callbacks return 7 after this many calls */
  int calls;
  int zh; /* errors are written with their Chinese sentence */
};

static void tr_add(struct transcript *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(t->text + t->len, sizeof t->text - t->len, fmt, ap);
  va_end(ap);
  assert_true(n >= 0 && (size_t)n < sizeof t->text - t->len);
  t->len += (size_t)n;
}

static int on_line(void *ud, const struct ingest_line *ln) {
  struct transcript *t = ud;
  t->good++;
  if (ln->metric)
    tr_add(t, "%ld ok %.*s %.*s %lld %.17g\n", ln->line, (int)ln->entity_len, ln->entity,
           (int)ln->metric_len, ln->metric, (long long)ln->ts, ln->value);
  else
    tr_add(t, "%ld ok %.*s %.*s %lld %.*s\n", ln->line, (int)ln->entity_len, ln->entity,
           (int)ln->kind_len, ln->kind, (long long)ln->ts, (int)ln->data_len, ln->data);
  return t->stop_after && ++t->calls >= t->stop_after ? 7 : 0;
}

static int on_error(void *ud, long line, const char *code, const char *msg, const char *msg_zh) {
  struct transcript *t = ud;
  t->bad++;
  assert_non_null(msg_zh);
  assert_true(msg_zh[0] != 0);
  tr_add(t, "%ld %s: %s\n", line, code, t->zh ? msg_zh : msg);
  return t->stop_after && ++t->calls >= t->stop_after ? 7 : 0;
}

/* Decodes body in chunks of `chunk` bytes (0: one piece) into t. Returns the
 * first non-zero feed/finish result. */
static int decode(struct transcript *t, enum ingest_format f, enum ingest_kind k, const char *body,
                  size_t len, size_t chunk, long *lines) {
  struct ingest_decoder_opts o = {f, k, NOW, on_line, on_error, t};
  struct ingest_decoder *d = ingest_decoder_new(&o);
  int rc = 0;
  assert_non_null(d);
  if (chunk == 0) chunk = len ? len : 1;
  for (size_t off = 0; off < len && rc == 0; off += chunk)
    rc = ingest_decoder_feed(d, body + off, len - off < chunk ? len - off : chunk);
  if (rc == 0) rc = ingest_decoder_finish(d);
  if (lines) *lines = ingest_decoder_lines(d);
  ingest_decoder_free(d);
  return rc;
}

/* Decodes body whole and in every awkward chunking; all transcripts must match
 * `want` exactly. */
static void expect(enum ingest_format f, enum ingest_kind k, const char *body, size_t len,
                   const char *want) {
  static struct transcript t;
  static const size_t chunks[] = {0, 1, 2, 3, 7, 64, 4096};
  long first_lines = -1;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(chunks); i++) {
    long lines;
    memset(&t, 0, sizeof t);
    assert_int_equal(decode(&t, f, k, body, len, chunks[i], &lines), 0);
    if (strcmp(t.text, want) != 0)
      fail_msg("chunk %zu:\n--- got\n%s--- want\n%s", chunks[i], t.text, want);
    if (first_lines < 0) first_lines = lines;
    assert_int_equal(lines, first_lines);
  }
}

static void expect_nd(const char *body, const char *want) {
  expect(INGEST_NDJSON, INGEST_RECORDS, body, strlen(body), want);
}

static void expect_nd_events(const char *body, const char *want) {
  expect(INGEST_NDJSON, INGEST_EVENTS, body, strlen(body), want);
}

static void expect_csv(const char *body, const char *want) {
  expect(INGEST_CSV, INGEST_RECORDS, body, strlen(body), want);
}

/* Good record lines: entity e, metric temp, ts TS, value 1, 2, 3 or 5. */
#define REC_HEAD "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"" TS "\",\"value\":"
#define REC1 REC_HEAD "1}"
#define REC2 REC_HEAD "2}"
#define REC3 REC_HEAD "3}"
#define REC5 REC_HEAD "5}"

static void test_ndjson_records(void **state) {
  (void)state;
  expect_nd("{\"entity\":\"e1\",\"metric\":\"temp\",\"ts\":\"" TS "\",\"value\":21.5}\n"
            "{\"entity\":\"e2\",\"metric\":\"temp\",\"ts\":1779321600123,\"value\":-3}\n"
            "{\"value\":1e3,\"ts\":\"2026-05-21T00:00:00Z\",\"x\":[1,{\"y\":null}],"
            "\"metric\":\"m\",\"entity\":\"e\\u0033\"}\n",
            "1 ok e1 temp 1779321600000 21.5\n"
            "2 ok e2 temp 1779321600123 -3\n"
            "3 ok e3 m 1779321600000 1000\n");
}

static void test_epoch_ms_equals_rfc3339(void **state) {
  (void)state;
  expect_nd(
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"2026-05-21T00:00:00.250Z\",\"value\":1}\n"
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":1779321600250,\"value\":1}\n"
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"1779321600250\",\"value\":1}\n",
      "1 ok e temp 1779321600250 1\n"
      "2 ok e temp 1779321600250 1\n"
      "3 ok e temp 1779321600250 1\n");
}

static void test_ndjson_malformed_json(void **state) {
  (void)state;
  expect_nd("{\"entity\":\"e1\"\n"
            "{\"a\":1} {\"b\":2}\n"
            "{\"a\":1} x\n"
            "{\"value\":NaN}\n"
            "{\"value\":Infinity}\n"
            "{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}\n"
            "{'a':1}\n" REC2 "\n",
            "1 malformed_json: invalid JSON: parse error: premature EOF at the end of the line\n"
            "2 malformed_json: invalid JSON: more than one value on the line\n"
            "3 malformed_json: invalid JSON: lexical error: invalid char in json text at byte 9\n"
            "4 malformed_json: invalid JSON: lexical error: invalid char in json text at byte 10\n"
            "5 malformed_json: invalid JSON: lexical error: invalid char in json text at byte 10\n"
            "6 malformed_json: invalid JSON: nested deeper than 16 levels\n"
            "7 malformed_json: invalid JSON: lexical error: invalid char in json text at byte 2\n"
            "8 ok e temp 1779321600000 2\n");
  /* 15 nested arrays inside the line's object are 16 levels: allowed. */
  expect_nd("{\"a\":[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]],"
            "\"entity\":\"e\",\"metric\":\"m\",\"ts\":"
            "\"" TS "\",\"value\":1}\n",
            "1 ok e m 1779321600000 1\n");
}

static void test_ndjson_missing_field(void **state) {
  (void)state;
  expect_nd("{\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":1}\n"
            "{\"entity\":\"e\",\"ts\":\"" TS "\",\"value\":1}\n"
            "{\"entity\":\"e\",\"metric\":\"m\",\"value\":1}\n"
            "{\"entity\":\"e\",\"metric\":\"m\",\"ts\":\"" TS "\"}\n"
            "{}\n",
            "1 missing_field: missing field \"entity\"\n"
            "2 missing_field: missing field \"metric\"\n"
            "3 missing_field: missing field \"ts\"\n"
            "4 missing_field: missing field \"value\"\n"
            "5 missing_field: missing field \"entity\"\n");
}

static void test_ndjson_wrong_type(void **state) {
  (void)state;
  char long_id[200], body[1024];
  memset(long_id, 'x', 129);
  long_id[129] = 0;
  snprintf(body, sizeof body,
           "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"" TS "\",\"value\":\"1\"}\n"
           "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"" TS "\",\"value\":null}\n"
           "{\"entity\":5,\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":1}\n"
           "{\"entity\":\"e\",\"metric\":[],\"ts\":\"" TS "\",\"value\":1}\n"
           "{\"entity\":\"\",\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":1}\n"
           "{\"entity\":\"%s\",\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":1}\n"
           "{\"entity\":\"%.128s\",\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":1}\n"
           "{\"entity\":\"e\",\"metric\":\"m\",\"ts\":true,\"value\":1}\n"
           "[1,2]\n"
           "5\n"
           "\"str\"\n"
           "null\n",
           long_id, long_id);
  char want[2048];
  snprintf(want, sizeof want,
           "1 wrong_type: field \"value\" must be a number\n"
           "2 wrong_type: field \"value\" must be a number\n"
           "3 wrong_type: field \"entity\" must be a string\n"
           "4 wrong_type: field \"metric\" must be a string\n"
           "5 wrong_type: field \"entity\" must be a non-empty string of at most 128 bytes\n"
           "6 wrong_type: field \"entity\" must be a non-empty string of at most 128 bytes\n"
           "7 ok %.128s m 1779321600000 1\n"
           "8 wrong_type: field \"ts\" must be an RFC3339 string or a number of epoch "
           "milliseconds\n"
           "9 wrong_type: line must be a JSON object\n"
           "10 wrong_type: line must be a JSON object\n"
           "11 wrong_type: line must be a JSON object\n"
           "12 wrong_type: line must be a JSON object\n",
           long_id);
  expect_nd(body, want);
}

static void test_ids_must_be_clean_text(void **state) {
  (void)state;
  expect_nd("{\"entity\":\"\u4f20\u611f\u5668-1\",\"metric\":\"\u6e29\u5ea6\",\"ts\":\"" TS
            "\",\"value\":1}\n"
            "{\"entity\":\"e1\\u0000x\",\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":1}\n"
            "{\"entity\":\"e\",\"metric\":\"m\\t\",\"ts\":\"" TS "\",\"value\":1}\n",
            "1 ok \xe4\xbc\xa0\xe6\x84\x9f\xe5\x99\xa8-1 \xe6\xb8\xa9\xe5\xba\xa6 1779321600000 1\n"
            "2 wrong_type: field \"entity\" must be UTF-8 text without control characters\n"
            "3 wrong_type: field \"metric\" must be UTF-8 text without control characters\n");
  expect_csv("entity,metric,ts,value\n"
             "\xe4\xbc\xa0\xe6\x84\x9f,m," TS ",1\n"
             "\xff,m," TS ",1\n"
             "\xc0\xaf,m," TS ",1\n"
             "\xed\xa0\x80,m," TS ",1\n"
             "\xe4\xbc,m," TS ",1\n"
             "e\tx,m," TS ",1\n",
             "2 ok \xe4\xbc\xa0\xe6\x84\x9f m 1779321600000 1\n"
             "3 wrong_type: field \"entity\" must be UTF-8 text without control characters\n"
             "4 wrong_type: field \"entity\" must be UTF-8 text without control characters\n"
             "5 wrong_type: field \"entity\" must be UTF-8 text without control characters\n"
             "6 wrong_type: field \"entity\" must be UTF-8 text without control characters\n"
             "7 wrong_type: field \"entity\" must be UTF-8 text without control characters\n");
}

static void test_ndjson_not_finite(void **state) {
  (void)state;
  expect_nd("{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"" TS "\",\"value\":1e999}\n"
            "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"" TS "\",\"value\":-1e999}\n"
            "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"" TS "\",\"value\":1e-999}\n"
            "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"" TS "\","
            "\"value\":1.7976931348623157e308}\n",
            "1 not_finite: field \"value\" is not a finite number\n"
            "2 not_finite: field \"value\" is not a finite number\n"
            "3 ok e temp 1779321600000 0\n"
            "4 ok e temp 1779321600000 1.7976931348623157e+308\n");
}

static void test_ndjson_duplicate_keys_last_wins(void **state) {
  (void)state;
  expect_nd("{\"entity\":\"a\",\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":\"x\",\"value\":2,"
            "\"entity\":\"b\"}\n"
            "{\"entity\":\"a\",\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":2,\"value\":\"x\"}\n"
            "{\"entity\":\"a\",\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":1e999,\"value\":3}\n",
            "1 ok b m 1779321600000 2\n"
            "2 wrong_type: field \"value\" must be a number\n"
            "3 ok a m 1779321600000 3\n");
}

static void test_bad_time_and_range(void **state) {
  (void)state;
  expect_nd(
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"2026-02-30T08:00:00+08:00\",\"value\":1}\n"
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"yesterday\",\"value\":1}\n"
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":1.7e12,\"value\":1}\n"
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"1999-12-31T23:59:59.999Z\",\"value\":1}\n"
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":\"2000-01-01T00:00:00Z\",\"value\":1}\n"
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":1716249600,\"value\":1}\n"
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":1779408000000,\"value\":1}\n"
      "{\"entity\":\"e\",\"metric\":\"temp\",\"ts\":1779408000001,\"value\":1}\n",
      "1 bad_time: field \"ts\" is not RFC3339 or epoch milliseconds: "
      "\"2026-02-30T08:00:00+08:00\"\n"
      "2 bad_time: field \"ts\" is not RFC3339 or epoch milliseconds: \"yesterday\"\n"
      "3 bad_time: field \"ts\" is not RFC3339 or epoch milliseconds: \"1.7e12\"\n"
      "4 time_out_of_range: ts 2000-01-01T07:59:59.999+08:00 is before 2000-01-01 "
      "(2000-01-01T08:00:00+08:00)\n"
      "5 ok e temp 946684800000 1\n"
      "6 time_out_of_range: ts 1970-01-21T04:44:09.600+08:00 is before 2000-01-01 "
      "(2000-01-01T08:00:00+08:00); ts numbers are epoch milliseconds, not seconds\n"
      "7 ok e temp 1779408000000 1\n"
      "8 time_out_of_range: ts 2026-05-22T08:00:00.001+08:00 is more than 1 day in the "
      "future\n");
}

static void test_blank_lines_crlf_and_last_line(void **state) {
  (void)state;
  long lines;
  static struct transcript t;
  const char *body = "\n  \r\n" REC1 "\r\n\t\n" REC2;
  expect_nd(body, "3 ok e temp 1779321600000 1\n"
                  "5 ok e temp 1779321600000 2\n");
  memset(&t, 0, sizeof t);
  assert_int_equal(decode(&t, INGEST_NDJSON, INGEST_RECORDS, body, strlen(body), 0, &lines), 0);
  assert_int_equal(lines, 5);
  memset(&t, 0, sizeof t);
  assert_int_equal(decode(&t, INGEST_NDJSON, INGEST_RECORDS, "", 0, 0, &lines), 0);
  assert_int_equal(lines, 0);
  assert_int_equal(t.good + t.bad, 0);
  memset(&t, 0, sizeof t);
  assert_int_equal(decode(&t, INGEST_NDJSON, INGEST_RECORDS, "\n\n", 2, 0, &lines), 0);
  assert_int_equal(lines, 2);
  /* A UTF-8 byte order mark at the start of the body is skipped. */
  expect_nd("\xEF\xBB\xBF" REC1 "\n", "1 ok e temp 1779321600000 1\n");
}

/* Writes a record line of exactly len bytes (padding in an ignored key). */
static size_t padded_line(char *out, size_t len) {
  const char *head = "{\"entity\":\"e\",\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":1,\"pad\":\"";
  size_t h = strlen(head);
  memcpy(out, head, h);
  memset(out + h, 'p', len - h - 2);
  memcpy(out + len - 2, "\"}", 2);
  return len;
}

static void test_line_limit(void **state) {
  (void)state;
  static char body[6 * INGEST_MAX_LINE];
  char want[512];
  size_t n = 0;
  n += padded_line(body + n, INGEST_MAX_LINE); /* exactly at the limit: fine */
  body[n++] = '\n';
  n += padded_line(body + n, INGEST_MAX_LINE + 1); /* one over */
  body[n++] = '\n';
  n += padded_line(body + n, INGEST_MAX_LINE); /* at the limit, then CRLF */
  body[n++] = '\r';
  body[n++] = '\n';
  memset(body + n, 'x', 3 * INGEST_MAX_LINE / 2); /* long junk, never buffered */
  n += 3 * INGEST_MAX_LINE / 2;
  body[n++] = '\n';
  n += (size_t)snprintf(body + n, sizeof body - n, "%s\n", REC5);
  snprintf(want, sizeof want,
           "1 ok e m 1779321600000 1\n"
           "2 line_too_long: line 2 is longer than 65536 bytes\n"
           "3 ok e m 1779321600000 1\n"
           "4 line_too_long: line 4 is longer than 65536 bytes\n"
           "5 ok e temp 1779321600000 5\n");
  expect(INGEST_NDJSON, INGEST_RECORDS, body, n, want);

  /* An over-long last line without a newline is reported once too. */
  n = padded_line(body, INGEST_MAX_LINE + 2);
  expect(INGEST_NDJSON, INGEST_RECORDS, body, n,
         "1 line_too_long: line 1 is longer than 65536 bytes\n");
  n = padded_line(body, INGEST_MAX_LINE);
  expect(INGEST_NDJSON, INGEST_RECORDS, body, n, "1 ok e m 1779321600000 1\n");
  /* 65536 bytes then a lone '\r' at the very end is still within the limit. */
  body[n++] = '\r';
  expect(INGEST_NDJSON, INGEST_RECORDS, body, n, "1 ok e m 1779321600000 1\n");

  /* Same limit in CSV. */
  n = (size_t)snprintf(body, sizeof body, "entity,metric,ts,value\n");
  memset(body + n, 'e', INGEST_MAX_LINE);
  n += INGEST_MAX_LINE;
  n += (size_t)snprintf(body + n, sizeof body - n, ",m," TS ",1\ne,m," TS ",2\n");
  expect(INGEST_CSV, INGEST_RECORDS, body, n,
         "2 line_too_long: line 2 is longer than 65536 bytes\n"
         "3 ok e m 1779321600000 2\n");
}

static void test_events_data_passthrough(void **state) {
  (void)state;
  expect_nd_events(
      "{\"entity\":\"d1\",\"kind\":\"door_open\",\"ts\":\"" TS "\","
      "\"data\":{\"a\": [1, {\"b\":\"x\\\"}\"}], \"c\":null, \"\\u00e9\":1.50}}\n"
      "{\"entity\":\"d1\",\"kind\":\"k\",\"ts\":1779321600000}\n"
      "{\"entity\":\"d1\",\"kind\":\"k\",\"ts\":1779321600000,\"data\":null}\n"
      "{\"entity\":\"d1\",\"kind\":\"k\",\"ts\":1779321600000,\"data\":[1]}\n"
      "{\"entity\":\"d1\",\"kind\":\"k\",\"ts\":1779321600000,\"data\":\"{}\"}\n"
      "{\"data\":{\"x\":{\"y\":{}}},\"entity\":\"d1\",\"kind\":\"k\",\"ts\":1779321600000,"
      "\"data\":{ }}\n"
      "{\"entity\":\"d1\",\"ts\":1779321600000}\n"
      "{\"entity\":\"d1\",\"kind\":\"\",\"ts\":1779321600000}\n"
      "{\"entity\":\"d1\",\"metric\":\"m\",\"kind\":\"k\",\"value\":\"v\",\"ts\":1779321600000}\n",
      "1 ok d1 door_open 1779321600000 {\"a\": [1, {\"b\":\"x\\\"}\"}], \"c\":null, "
      "\"\\u00e9\":1.50}\n"
      "2 ok d1 k 1779321600000 {}\n"
      "3 ok d1 k 1779321600000 {}\n"
      "4 wrong_type: field \"data\" must be an object\n"
      "5 wrong_type: field \"data\" must be an object\n"
      "6 ok d1 k 1779321600000 { }\n"
      "7 missing_field: missing field \"kind\"\n"
      "8 wrong_type: field \"kind\" must be a non-empty string of at most 128 bytes\n"
      "9 ok d1 k 1779321600000 {}\n");
}

static void test_csv_records_quoting_and_header_order(void **state) {
  (void)state;
  expect_csv("\xEF\xBB\xBFvalue,ts,\"entity\",metric\r\n"
             "1.5," TS ",e1,temp\r\n"
             "\" 2 \",1779321600000,\"e,\"\"1\"\"\",temp\n"
             "\n"
             "-0.25, " TS " ,\"\",temp\n"
             "3,2026-05-21,e1,\"\"\"\"\n"
             "1e3," TS ",\"e 1\",\"t\"",
             "2 ok e1 temp 1779321600000 1.5\n"
             "3 ok e,\"1\" temp 1779321600000 2\n"
             "5 missing_field: missing field \"entity\"\n"
             "6 ok e1 \" 1779292800000 3\n"
             "7 ok e 1 t 1779321600000 1000\n");
  expect_csv("ts,metric,entity,value\n" TS ",m,e,7\n", "2 ok e m 1779321600000 7\n");
}

static void test_csv_errors(void **state) {
  (void)state;
  char body[1024];
  char long_id[130];
  memset(long_id, 'x', 129);
  long_id[129] = 0;
  snprintf(body, sizeof body,
           "entity,metric,ts,value\n"
           "e1,temp," TS "\n"
           "e1,temp," TS ",4,\n"
           "e1,temp," TS ",x\n"
           "e1,temp," TS ",inf\n"
           "e1,temp," TS ",nan\n"
           "e1,temp," TS ",1e999\n"
           "\"e1,temp," TS ",5\n"
           "\"e1\"x,temp," TS ",5\n"
           "e\"1,temp," TS ",5\n"
           "e1,temp,,5\n"
           "e1,temp," TS ",\n"
           "e1,,,\n"
           "e1,temp,2026-13-21,5\n"
           "e1,temp,1999-12-31T23:59:59Z,5\n"
           "e1,temp,2030-01-01,5\n"
           "%s,temp," TS ",5\n"
           "e1,temp," TS ",12abc\n"
           "e1,temp," TS ",0x10\n",
           long_id);
  expect_csv(body,
             "2 bad_csv: expected 4 fields, got 3\n"
             "3 bad_csv: expected 4 fields, got 5\n"
             "4 wrong_type: field \"value\" must be a number\n"
             "5 not_finite: field \"value\" is not a finite number\n"
             "6 not_finite: field \"value\" is not a finite number\n"
             "7 not_finite: field \"value\" is not a finite number\n"
             "8 bad_csv: field 1: quoted field not closed on this line (line breaks inside "
             "fields are not supported)\n"
             "9 bad_csv: field 1: unexpected text after a closing quote\n"
             "10 bad_csv: field 1: a quote inside a field that does not start with one\n"
             "11 missing_field: missing field \"ts\"\n"
             "12 missing_field: missing field \"value\"\n"
             "13 missing_field: missing field \"metric\"\n"
             "14 bad_time: field \"ts\" is not RFC3339 or epoch milliseconds: \"2026-13-21\"\n"
             "15 time_out_of_range: ts 2000-01-01T07:59:59+08:00 is before 2000-01-01 "
             "(2000-01-01T08:00:00+08:00)\n"
             "16 time_out_of_range: ts 2030-01-01T00:00:00+08:00 is more than 1 day in the "
             "future\n"
             "17 wrong_type: field \"entity\" must be a non-empty string of at most 128 bytes\n"
             "18 wrong_type: field \"value\" must be a number\n"
             "19 ok e1 temp 1779321600000 16\n");
}

static void test_csv_bad_header(void **state) {
  (void)state;
  static const struct {
    const char *body, *want;
  } cases[] = {
      {"entity,metric,ts,value,extra\ne,m," TS ",1\n",
       "1 bad_header: unknown column \"extra\"; expected entity, metric, ts, value\n"},
      {"entity,metric,ts\ne,m," TS "\n",
       "1 bad_header: missing column \"value\"; expected entity, metric, ts, value\n"},
      {"entity,metric,ts,ts\n", "1 bad_header: column \"ts\" appears twice\n"},
      {"Entity,metric,ts,value\n",
       "1 bad_header: unknown column \"Entity\"; expected entity, metric, ts, value\n"},
      {"entity,metric,ts,value,a,b,c,d,e,f,g\n",
       "1 bad_header: unknown column \"a\"; expected entity, metric, ts, value\n"},
      {"entity,\"metric,ts,value\n",
       "1 bad_header: field 2: quoted field not closed on this line (line breaks inside fields "
       "are not supported)\n"},
      {"entity,kind,ts,data\n",
       "1 bad_header: unknown column \"kind\"; expected entity, metric, ts, value\n"},
      {"\n\nentity,metric,ts,value\ne,m," TS ",1\n", "4 ok e m 1779321600000 1\n"},
      {"entity,metric,ts,value\n", ""},
      {"entity,metric,ts,value", ""},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(cases); i++) expect_csv(cases[i].body, cases[i].want);
}

static void test_csv_events(void **state) {
  (void)state;
  const char *body = "kind,entity,ts,data\n"
                     "open,d1," TS ",\"{\"\"a\"\":[1,2]}\"\n"
                     "open,d1," TS ",\n"
                     "open,d1," TS ",[1]\n"
                     "open,d1," TS ",{x\n"
                     "open,d1," TS ",\"{\"\"a\"\":1} {}\"\n"
                     "open,d1," TS ",\f{ } \n"
                     ",d1," TS ",\n";
  expect(INGEST_CSV, INGEST_EVENTS, body, strlen(body),
         "2 ok d1 open 1779321600000 {\"a\":[1,2]}\n"
         "3 ok d1 open 1779321600000 {}\n"
         "4 wrong_type: field \"data\" must be a JSON object\n"
         "5 malformed_json: field \"data\" is not valid JSON: lexical error: invalid char in json "
         "text at byte 2\n"
         "6 malformed_json: field \"data\" is not valid JSON: more than one value on the line\n"
         "7 ok d1 open 1779321600000 { }\n"
         "8 missing_field: missing field \"kind\"\n");
  /* data is optional for events. */
  body = "entity,kind,ts\nd1,k,1779321600000\n";
  expect(INGEST_CSV, INGEST_EVENTS, body, strlen(body), "2 ok d1 k 1779321600000 {}\n");
  body = "entity,metric,ts,value\n";
  expect(INGEST_CSV, INGEST_EVENTS, body, strlen(body),
         "1 bad_header: unknown column \"metric\"; expected entity, kind, ts and maybe data\n");
}

static void test_callback_stop_is_returned_and_sticky(void **state) {
  (void)state;
  static struct transcript t;
  const char *body = REC1 "\nbad\n" REC3 "\n";
  memset(&t, 0, sizeof t);
  t.stop_after = 2;
  struct ingest_decoder_opts o = {INGEST_NDJSON, INGEST_RECORDS, NOW, on_line, on_error, &t};
  struct ingest_decoder *d = ingest_decoder_new(&o);
  assert_int_equal(ingest_decoder_feed(d, body, strlen(body)), 7);
  assert_int_equal(t.good, 1);
  assert_int_equal(t.bad, 1);
  assert_int_equal(ingest_decoder_feed(d, body, strlen(body)), 7);
  assert_int_equal(ingest_decoder_finish(d), 7);
  assert_int_equal(t.good + t.bad, 2);
  ingest_decoder_free(d);
}

static void test_null_callbacks_and_defaults(void **state) {
  (void)state;
  /* No callbacks at all, and now_ms 0 meaning the real clock. */
  struct ingest_decoder_opts o = {INGEST_NDJSON, INGEST_RECORDS, 0, NULL, NULL, NULL};
  struct ingest_decoder *d = ingest_decoder_new(&o);
  const char *body = REC1 "\nbad\n";
  assert_int_equal(ingest_decoder_feed(d, body, strlen(body)), 0);
  assert_int_equal(ingest_decoder_finish(d), 0);
  assert_int_equal(ingest_decoder_lines(d), 2);
  ingest_decoder_free(d);
  ingest_decoder_free(NULL);
}

static void test_allocation_failure(void **state) {
  (void)state;
  /* Each of the decoder's allocations fails in turn; none may leak (ASan). */
  for (int fmt = 0; fmt < 2; fmt++) {
    struct ingest_decoder_opts o = {
        fmt ? INGEST_CSV : INGEST_NDJSON, INGEST_RECORDS, NOW, NULL, NULL, NULL};
    int failed = 0;
    for (long n = 1; n < 10; n++) {
      zz_alloc_fail_after(n);
      struct ingest_decoder *d = ingest_decoder_new(&o);
      zz_alloc_fail_after(0);
      if (!d) failed++;
      ingest_decoder_free(d);
    }
    assert_true(failed >= 3);
  }
}

/* Each bad line's sentence comes in Chinese too (core/msg.h), the CSV data
 * column's carrying JSON's in Chinese; the words of the input stay as sent. */
static void test_errors_in_chinese(void **state) {
  (void)state;
  static struct transcript t;
  memset(&t, 0, sizeof t);
  t.zh = 1;
  const char *csv = "kind,entity,ts,data\n"
                    "open,d1," TS ",[1]\n"
                    "open,d1," TS ",\"{\"\"a\"\":1} {}\"\n"
                    ",d1," TS ",\n"
                    "open,d1,1700000000,\n";
  assert_int_equal(decode(&t, INGEST_CSV, INGEST_EVENTS, csv, strlen(csv), 0, NULL), 0);
  assert_string_equal(t.text,
                      "2 wrong_type: 字段“data”必须是 JSON 对象\n"
                      "3 malformed_json: 字段“data”不是有效的 JSON：一行中有多个值\n"
                      "4 missing_field: 缺少字段“kind”\n"
                      "5 time_out_of_range: ts 1970-01-21T00:13:20+08:00 早于 2000-01-01"
                      "（2000-01-01T08:00:00+08:00）；数字形式的 ts 是纪元毫秒数，不是秒数\n");
  memset(&t, 0, sizeof t);
  t.zh = 1;
  const char *nd = "{\"entity\":\"d1\",\"metric\":\"m\",\"ts\":\"" TS "\",\"value\":\"x\"}\n"
                   "{\"entity\":\"d1\",\"metric\":\"m\",\"value\":1}\n";
  assert_int_equal(decode(&t, INGEST_NDJSON, INGEST_RECORDS, nd, strlen(nd), 0, NULL), 0);
  assert_string_equal(t.text, "1 wrong_type: 字段“value”必须是数值\n"
                              "2 missing_field: 缺少字段“ts”\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ndjson_records),
      cmocka_unit_test(test_epoch_ms_equals_rfc3339),
      cmocka_unit_test(test_ndjson_malformed_json),
      cmocka_unit_test(test_ndjson_missing_field),
      cmocka_unit_test(test_ndjson_wrong_type),
      cmocka_unit_test(test_ids_must_be_clean_text),
      cmocka_unit_test(test_ndjson_not_finite),
      cmocka_unit_test(test_ndjson_duplicate_keys_last_wins),
      cmocka_unit_test(test_bad_time_and_range),
      cmocka_unit_test(test_blank_lines_crlf_and_last_line),
      cmocka_unit_test(test_line_limit),
      cmocka_unit_test(test_events_data_passthrough),
      cmocka_unit_test(test_csv_records_quoting_and_header_order),
      cmocka_unit_test(test_csv_errors),
      cmocka_unit_test(test_csv_bad_header),
      cmocka_unit_test(test_csv_events),
      cmocka_unit_test(test_callback_stop_is_returned_and_sticky),
      cmocka_unit_test(test_null_callbacks_and_defaults),
      cmocka_unit_test(test_allocation_failure),
      cmocka_unit_test(test_errors_in_chinese),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
