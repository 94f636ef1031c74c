/* ingest.c (api) - POST /api/v1/records and /api/v1/events: a body whose
 * Content-Length is known (and so already checked against the cap) is
 * streamed into the ingest pipeline as it arrives; a chunked body, or an
 * atomic one, is first spooled (memory, then DATA/spool/) and replayed once
 * complete, so that a body over the cap stores nothing. The answer is sent
 * after the last batch is committed. */
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "core/metrics.h"
#include "ingest/ingest.h"
#include "ingest/spool.h"

/* A spooled body stays in memory up to this size, then moves to a file. */
#define ING_SPOOL_MEM (4u << 20)
/* Bytes fed to the pipeline at a time when replaying a spooled body. */
#define ING_REPLAY_CHUNK (1u << 20)

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
                   kind == INGEST_RECORDS
                       ? "Content-Type must be application/x-ndjson or text/csv, not \"%s\""
                       : "Content-Type must be application/x-ndjson, not \"%s\"",
                   ct ? ct : "(none)");
}

/* A request's ingest state. While a batch commits the connection is
 * suspended (no worker thread waits); the writer's callback resumes it. */
struct ing_req {
  struct ingest *in;
  struct http_req *r;
  int rc; /* a failed commit: the answer is this error */
  struct zz_err err;
  int final_submitted;
  /* spooled bodies */
  int spool;         /* the body is kept until complete, then replayed */
  int replayed;      /* the whole body went through the pipeline */
  struct zz_buf mem; /* the body while small */
  int fd;            /* then the file; -1 before */
  int64_t len, off;  /* bytes spooled, bytes replayed */
  char *chunk;       /* ING_REPLAY_CHUNK bytes read back from fd */
  char dir[4096];    /* DATA/spool */
};

static void on_committed(void *ud, int rc, const struct zz_err *e) {
  struct ing_req *q = ud;
  if (rc) {
    q->rc = rc;
    q->err = *e;
  }
  http_resume(q->r); /* q may be freed once the request goes on: touch nothing after */
}

/* Starts writing what is buffered. Returns 0 when the request now waits, 1
 * when there was nothing to write, or an error it has answered. */
static int flush(struct ing_req *q) {
  struct zz_err e = {0};
  int rc = ingest_flush_async(q->in, on_committed, q, &e);
  if (rc == 0) {
    http_suspend(q->r);
    return 0;
  }
  if (rc < 0) http_reply_err(q->r, &e);
  return rc;
}

static int begin(struct http_req *r, enum ingest_kind kind) {
  struct app *app = http_app(r);
  enum ingest_format fmt = INGEST_NDJSON;
  if (content_format(r, kind, &fmt)) return ZZ_EMEDIATYPE;
  const char *atomic = http_query(r, "atomic");
  struct ing_req *q = zz_calloc(1, sizeof *q);
  if (!q) return http_fail(r, ZZ_ENOMEM, "", "out of memory");
  q->fd = -1;
  zz_buf_init(&q->mem, ING_SPOOL_MEM);
  snprintf(q->dir, sizeof q->dir, "%s/spool", app->data_dir ? app->data_dir : ".");
  struct ingest_opts o = {.st = app->st,
                          .reg = app->reg,
                          .source_id = http_auth(r)->source_id,
                          .format = fmt,
                          .kind = kind,
                          .manual_flush = 1,
                          .atomic = atomic && strcmp(atomic, "1") == 0,
                          .spool_dir = q->dir};
  /* Without a Content-Length the size is known only at the end: nothing
   * may be committed before. An atomic body is written at the end anyway,
   * and its bytes are better on disk than in memory. */
  q->spool = o.atomic || !http_header(r, "Content-Length");
  q->in = ingest_new(&o);
  if (!q->in) {
    zz_free(q);
    return http_fail(r, ZZ_ENOMEM, "", "out of memory");
  }
  q->r = r;
  http_set_state(r, q);
  return 0;
}

static int begin_records(struct http_req *r) {
  return begin(r, INGEST_RECORDS);
}
static int begin_events(struct http_req *r) {
  return begin(r, INGEST_EVENTS);
}

/* Keeps n more bytes of a spooled body. Returns 0 or an error it answered. */
static int keep(struct ing_req *q, const char *p, size_t n) {
  struct zz_err e = {0};
  if (q->fd < 0 && q->mem.len + n <= ING_SPOOL_MEM) {
    if (zz_buf_add(&q->mem, p, n)) return http_fail(q->r, ZZ_ENOMEM, "body", "out of memory");
    q->len += (int64_t)n;
    return 0;
  }
  if (q->fd < 0) {
    if ((q->fd = spool_open(q->dir, &e)) < 0) {
      zz_error("ingest: %s", e.msg);
      return http_reply_err(q->r, &e), e.code;
    }
    if (q->mem.len && spool_write(q->fd, q->mem.data, q->mem.len))
      return http_fail(q->r, ZZ_EIO, "body", "cannot spool the body (is the disk full?)");
    zz_buf_free(&q->mem);
  }
  if (spool_write(q->fd, p, n))
    return http_fail(q->r, ZZ_EIO, "body", "cannot spool the body (is the disk full?)");
  q->len += (int64_t)n;
  return 0;
}

static int data(struct http_req *r, const char *p, size_t n) {
  struct ing_req *q = http_state(r);
  if (q->rc) return http_reply_err(r, &q->err), q->rc;
  if (q->spool) return keep(q, p, n);
  struct zz_err e = {0};
  int rc = ingest_feed(q->in, p, n, &e);
  if (rc) {
    http_reply_err(r, &e);
    return rc;
  }
  if (ingest_ready(q->in)) {
    rc = flush(q);
    if (rc < 0) return rc;
  }
  return 0;
}

/* Feeds a complete spooled body to the pipeline, a batch at a time.
 * Returns 0 when it is all fed, 1 when the request waits for a commit (end
 * runs again after), or an error it has answered. */
static int replay(struct ing_req *q) {
  struct zz_err e = {0};
  while (q->off < q->len) {
    const char *p;
    size_t n = (size_t)ZZ_MIN((int64_t)ING_REPLAY_CHUNK, q->len - q->off);
    if (q->fd < 0) {
      p = q->mem.data + q->off;
    } else {
      if (!q->chunk && !(q->chunk = zz_malloc(ING_REPLAY_CHUNK)))
        return http_fail(q->r, ZZ_ENOMEM, "body", "out of memory");
      ssize_t k = spool_read(q->fd, q->chunk, n, q->off);
      if (k <= 0) return http_fail(q->r, ZZ_EIO, "body", "cannot read the spooled body back");
      n = (size_t)k;
      p = q->chunk;
    }
    q->off += (int64_t)n;
    int rc = ingest_feed(q->in, p, n, &e);
    if (rc) return http_reply_err(q->r, &e), rc;
    if (ingest_ready(q->in)) {
      rc = flush(q);
      if (rc < 0) return rc;
      if (rc == 0) return 1;
    }
  }
  q->replayed = 1;
  return 0;
}

/* Called when the body is complete, and again after each resume. */
static int end(struct http_req *r) {
  struct ing_req *q = http_state(r);
  if (q->rc) return http_reply_err(r, &q->err);
  if (q->spool && !q->replayed) {
    int rc = replay(q);
    if (rc) return rc < 0 ? rc : 0;
  }
  if (!q->final_submitted) {
    struct zz_err e = {0};
    if (ingest_finish_decode(q->in, &e)) return http_reply_err(r, &e);
    q->final_submitted = 1;
    int rc = flush(q);
    if (rc <= 0) return 0; /* waiting for the commit, or answered with an error */
  }
  const struct ingest_report *rep = ingest_result(q->in);
  zz_metrics_ingest(http_auth(r)->source, rep->accepted + rep->replaced, rep->rejected_total);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  ingest_report_json(rep, &b);
  /* 400 only when nothing could be stored: every line bad, or atomic refused */
  int refused = rep->rejected_total && (rep->accepted + rep->replaced == 0);
  return http_reply_json(r, refused ? 400 : 200, &b);
}

static void cleanup(struct http_req *r) {
  struct ing_req *q = http_state(r);
  if (q) {
    ingest_free(q->in);
    if (q->fd >= 0) close(q->fd); /* unlinked already: the space is freed */
    zz_buf_free(&q->mem);
    zz_free(q->chunk);
  }
  zz_free(q);
  http_set_state(r, NULL);
}

static const struct http_stream records_stream = {begin_records, data, end, cleanup};
static const struct http_stream events_stream = {begin_events, data, end, cleanup};

const struct http_route api_ingest_routes[] = {
    {"POST", "/api/v1/records", NULL, &records_stream, HTTP_AUTH_SOURCE, 0, 0},
    {"POST", "/api/v1/events", NULL, &events_stream, HTTP_AUTH_SOURCE, 0, 0},
};
const size_t api_ingest_nroutes = ZZ_ARRAY_LEN(api_ingest_routes);
