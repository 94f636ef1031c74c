/* ingest.c (api) - POST /api/v1/records and /api/v1/events: the body is
 * streamed into the ingest pipeline as it arrives; the answer is sent after
 * the last batch is committed. */
#include <string.h>

#include "api/api.h"
#include "ingest/ingest.h"

static int content_format(struct http_req *r, enum ingest_kind kind, enum ingest_format *fmt) {
  const char *ct = http_header(r, "Content-Type");
  size_t n = ct ? strcspn(ct, ";") : 0;
  while (n && ct[n - 1] == ' ') n--;
  if (ct && ((n == 20 && strncasecmp(ct, "application/x-ndjson", n) == 0) ||
             (n == 21 && strncasecmp(ct, "application/jsonlines", n) == 0) ||
             (n == 16 && strncasecmp(ct, "application/json", n) == 0))) {
    *fmt = INGEST_NDJSON;
    return 0;
  }
  if (ct && kind == INGEST_RECORDS && n == 8 && strncasecmp(ct, "text/csv", n) == 0) {
    *fmt = INGEST_CSV;
    return 0;
  }
  return http_fail(r, ZZ_EMEDIATYPE, "Content-Type",
                   "Content-Type must be application/x-ndjson%s, not \"%s\"",
                   kind == INGEST_RECORDS ? " or text/csv" : "", ct ? ct : "(none)");
}

static int begin(struct http_req *r, enum ingest_kind kind) {
  struct app *app = http_app(r);
  enum ingest_format fmt = INGEST_NDJSON;
  if (content_format(r, kind, &fmt)) return ZZ_EMEDIATYPE;
  const char *atomic = http_query(r, "atomic");
  struct ingest_opts o = {.st = app->st,
                          .reg = app->reg,
                          .source_id = http_auth(r)->source_id,
                          .format = fmt,
                          .kind = kind,
                          .atomic = atomic && strcmp(atomic, "1") == 0};
  struct ingest *in = ingest_new(&o);
  if (!in) return http_fail(r, ZZ_ENOMEM, "", "out of memory");
  http_set_state(r, in);
  return 0;
}

static int begin_records(struct http_req *r) {
  return begin(r, INGEST_RECORDS);
}
static int begin_events(struct http_req *r) {
  return begin(r, INGEST_EVENTS);
}

static int data(struct http_req *r, const char *p, size_t n) {
  struct zz_err e = {0};
  int rc = ingest_feed(http_state(r), p, n, &e);
  if (rc) http_reply_err(r, &e);
  return rc;
}

static int end(struct http_req *r) {
  struct ingest *in = http_state(r);
  struct zz_err e = {0};
  if (ingest_finish(in, &e)) return http_reply_err(r, &e);
  const struct ingest_report *rep = ingest_result(in);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  ingest_report_json(rep, &b);
  /* 400 only when nothing could be stored: every line bad, or atomic refused */
  int refused = rep->rejected_total && (rep->accepted + rep->replaced == 0);
  return http_reply_json(r, refused ? 400 : 200, &b);
}

static void cleanup(struct http_req *r) {
  ingest_free(http_state(r));
  http_set_state(r, NULL);
}

static const struct http_stream records_stream = {begin_records, data, end, cleanup};
static const struct http_stream events_stream = {begin_events, data, end, cleanup};

const struct http_route api_ingest_routes[] = {
    {"POST", "/api/v1/records", NULL, &records_stream, HTTP_AUTH_SOURCE, 0, 0},
    {"POST", "/api/v1/events", NULL, &events_stream, HTTP_AUTH_SOURCE, 0, 0},
};
const size_t api_ingest_nroutes = ZZ_ARRAY_LEN(api_ingest_routes);
