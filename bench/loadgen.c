/* loadgen.c - zhizhi's load generator: plain POSIX sockets, HTTP/1.1
 * keep-alive, one connection per client thread, no dependencies.
 *
 *   loadgen ingest     --port P --token T --series FILE [--clients 4] [--batch 100000]
 *                      [--seconds 25] [--format ndjson|csv] [--rate R] [--start-ms MS]
 *                      [--step-ms MS] [--realtime] [--quiet]
 *       Posts generated records to POST /api/v1/records for --seconds, each
 *       client owning every clients-th series of FILE (lines: entity TAB
 *       metric TAB min TAB max TAB decimals), every series' timestamps
 *       increasing. --rate caps the total records/s (a steady background
 *       load); --realtime stamps each round of series with the wall clock.
 *   loadgen file       --port P --token T --file F [--clients 4] [--batch 100000] [--format csv|ndjson]
 *       Posts the lines of F (CSV with a header line, or NDJSON) in bodies of
 *       --batch lines over --clients connections; prints the time taken.
 *   loadgen query      --port P --cookie C --urls FILE [--n 500] [--warmup 20]
 *       FILE lines: name TAB path. Runs warmup + n rounds over the URLs, one
 *       request at a time, and prints per-URL latency percentiles.
 *   loadgen burst      --port P --file F [--n 1] [--warmup 0] [--out FILE] [--seconds 25]
 *       Many phones at once: F lines are PATH TAB JSON-BODY, one phone each.
 *       Every phone opens its own connection at the same moment and POSTs
 *       its body (one thread, non-blocking sockets); latency is from its
 *       connect to the whole answer. --n bursts are measured after --warmup
 *       unmeasured ones (their 2xx answers counted as warmup_2xx); --out
 *       gets each answer: status TAB body, a line per phone of the
 *       measured bursts. A phone unanswered after --seconds
 *       counts as failed.
 *   loadgen visibility --port P --token T --cookie C --entity E --metric M --region R [--n 50]
 *       Posts one record, then polls GET /api/v1/series?grain=minute until
 *       its "total" changes; prints post->ack and post->visible percentiles.
 *
 * Every mode prints one JSON object on stdout; progress goes to stderr.
 * All traffic goes to --host (default 127.0.0.1); every loop is bounded. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* ---- small helpers ---- */

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "loadgen: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int64_t wall_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_s(double s) {
  if (s <= 0) return;
  struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  while (nanosleep(&t, &t) == -1 && errno == EINTR) {
  }
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

/* growable byte buffer */
struct buf {
  char *p;
  size_t n, cap;
};

static void buf_reserve(struct buf *b, size_t more) {
  if (b->n + more <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->n + more) cap *= 2;
  b->p = xrealloc(b->p, cap);
  b->cap = cap;
}

static void buf_add(struct buf *b, const void *p, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->n, p, n);
  b->n += n;
}

static void buf_adds(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_printf(struct buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[4096];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof tmp) n = sizeof tmp - 1;
  buf_add(b, tmp, (size_t)n);
}

/* writes v as decimal digits; returns the length */
static int put_i64(char *out, int64_t v) {
  char tmp[24];
  int n = 0, neg = v < 0;
  uint64_t u = neg ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  int len = 0;
  if (neg) out[len++] = '-';
  while (n) out[len++] = tmp[--n];
  return len;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted array */
static double pct(const double *v, size_t n, double p) {
  if (!n) return NAN;
  size_t k = (size_t)ceil(p / 100.0 * (double)n);
  if (k < 1) k = 1;
  if (k > n) k = n;
  return v[k - 1];
}

struct lat {
  double *v;
  size_t n, cap;
};

static void lat_add(struct lat *l, double x) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 1024;
    l->v = xrealloc(l->v, l->cap * sizeof *l->v);
  }
  l->v[l->n++] = x;
}

/* prints "name":{n,p50,p90,p99,max,mean} in milliseconds */
static void lat_json(struct buf *o, const char *name, struct lat *l) {
  qsort(l->v, l->n, sizeof *l->v, cmp_double);
  double sum = 0;
  for (size_t i = 0; i < l->n; i++) sum += l->v[i];
  buf_printf(o, "\"%s\":{\"n\":%zu,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f}",
             name, l->n, pct(l->v, l->n, 50) * 1e3, pct(l->v, l->n, 90) * 1e3, pct(l->v, l->n, 99) * 1e3,
             l->n ? l->v[l->n - 1] * 1e3 : NAN, l->n ? sum / (double)l->n * 1e3 : NAN);
}

/* ---- options ---- */

static const char *opt_host = "127.0.0.1";
static int opt_port = 8080;
static const char *opt_token, *opt_cookie, *opt_series, *opt_file, *opt_urls, *opt_out;
static const char *opt_entity, *opt_metric, *opt_region;
static const char *opt_format = NULL;
static int opt_clients = 4, opt_realtime, opt_quiet;
static long opt_batch = 100000, opt_n = 500, opt_warmup = 20;
static double opt_seconds = 25, opt_rate = 0;
static int64_t opt_start_ms = 0, opt_step_ms = 100;

static void parse_opts(int argc, char **argv) {
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define S(name, var)                      \
  if (strcmp(a, name) == 0) {             \
    if (!v) die("%s needs a value", a);   \
    var = v;                              \
    i++;                                  \
    continue;                             \
  }
#define N(name, var, conv)                \
  if (strcmp(a, name) == 0) {             \
    if (!v) die("%s needs a value", a);   \
    var = conv(v);                        \
    i++;                                  \
    continue;                             \
  }
    S("--host", opt_host);
    N("--port", opt_port, atoi);
    S("--token", opt_token);
    S("--cookie", opt_cookie);
    S("--series", opt_series);
    S("--file", opt_file);
    S("--urls", opt_urls);
    S("--out", opt_out);
    S("--entity", opt_entity);
    S("--metric", opt_metric);
    S("--region", opt_region);
    S("--format", opt_format);
    N("--clients", opt_clients, atoi);
    N("--batch", opt_batch, atol);
    N("--n", opt_n, atol);
    N("--warmup", opt_warmup, atol);
    N("--seconds", opt_seconds, atof);
    N("--rate", opt_rate, atof);
    N("--start-ms", opt_start_ms, atoll);
    N("--step-ms", opt_step_ms, atoll);
    if (strcmp(a, "--realtime") == 0) {
      opt_realtime = 1;
      continue;
    }
    if (strcmp(a, "--quiet") == 0) {
      opt_quiet = 1;
      continue;
    }
    die("unknown flag %s", a);
#undef S
#undef N
  }
  if (opt_clients < 1 || opt_clients > 64) die("--clients must be 1..64");
  if (opt_batch < 1) die("--batch must be positive");
  if (opt_seconds <= 0 || opt_seconds > 3600) die("--seconds must be in (0, 3600]");
  if (opt_n < 1 || opt_n > 1000000) die("--n must be 1..1000000");
}

/* ---- HTTP/1.1 client ---- */

struct conn {
  int fd;
  char *rb; /* response buffer */
  size_t rn, rcap;
};

static void conn_open(struct conn *c) {
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)opt_port);
  if (inet_pton(AF_INET, opt_host, &sa.sin_addr) != 1) die("--host must be an IPv4 address, not %s", opt_host);
  uint32_t ip = ntohl(sa.sin_addr.s_addr);
  if ((ip >> 24) != 127) die("refusing a non-loopback target %s", opt_host);
  for (int attempt = 0;; attempt++) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) die("socket: %s", strerror(errno));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) == 0) break;
    int err = errno;
    close(c->fd);
    if (attempt >= 50) die("connect %s:%d: %s", opt_host, opt_port, strerror(err));
    sleep_s(0.1);
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->rn = 0;
}

static void conn_close(struct conn *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
}

static int send_all(int fd, struct iovec *iov, int cnt) {
  while (cnt) {
    ssize_t w = writev(fd, iov, cnt);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    while (cnt && (size_t)w >= iov->iov_len) {
      w -= (ssize_t)iov->iov_len;
      iov++, cnt--;
    }
    if (cnt) {
      iov->iov_base = (char *)iov->iov_base + w;
      iov->iov_len -= (size_t)w;
    }
  }
  return 0;
}

struct resp {
  int status;
  const char *body; /* into the connection's buffer, NUL-terminated */
  size_t body_len;
  int close;
  double retry_after;
};

static const char *find_header(const char *h, size_t hlen, const char *name) {
  size_t nl = strlen(name);
  for (const char *p = h; p + nl < h + hlen; p++) {
    if ((p == h || p[-1] == '\n') && strncasecmp(p, name, nl) == 0 && p[nl] == ':') return p + nl + 1;
  }
  return NULL;
}

/* Reads one response (Content-Length or chunked). Returns 0 or -1. */
static int read_resp(struct conn *c, struct resp *r) {
  size_t hend = 0;
  c->rn = 0;
  for (;;) {
    if (c->rn + 65536 + 1 > c->rcap) {
      c->rcap = c->rcap ? c->rcap * 2 : 1 << 17;
      c->rb = xrealloc(c->rb, c->rcap);
    }
    ssize_t n = read(c->fd, c->rb + c->rn, c->rcap - c->rn - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    c->rn += (size_t)n;
    c->rb[c->rn] = 0;
    if (!hend) {
      char *e = strstr(c->rb, "\r\n\r\n");
      if (!e) continue;
      hend = (size_t)(e - c->rb) + 4;
    }
    const char *cl = find_header(c->rb, hend, "Content-Length");
    const char *te = find_header(c->rb, hend, "Transfer-Encoding");
    if (cl) {
      size_t len = strtoul(cl, NULL, 10);
      if (c->rn < hend + len) continue;
      r->body = c->rb + hend;
      r->body_len = len;
      c->rb[hend + len] = 0;
    } else if (te && strstr(te, "chunked")) {
      /* complete when the terminating 0-size chunk arrived */
      if (!strstr(c->rb + hend, "\r\n0\r\n\r\n") && strncmp(c->rb + hend, "0\r\n\r\n", 5) != 0) continue;
      /* de-chunk in place */
      char *src = c->rb + hend, *dst = src;
      for (;;) {
        size_t len = strtoul(src, NULL, 16);
        char *crlf = strstr(src, "\r\n");
        if (!crlf || len == 0) break;
        memmove(dst, crlf + 2, len);
        dst += len;
        src = crlf + 2 + len + 2;
      }
      *dst = 0;
      r->body = c->rb + hend;
      r->body_len = (size_t)(dst - (c->rb + hend));
    } else {
      r->body = c->rb + hend;
      r->body_len = c->rn - hend;
    }
    r->status = atoi(c->rb + 9);
    const char *cn = find_header(c->rb, hend, "Connection");
    r->close = cn && strncasecmp(cn + strspn(cn, " "), "close", 5) == 0;
    const char *ra = find_header(c->rb, hend, "Retry-After");
    r->retry_after = ra ? atof(ra) : 0;
    return 0;
  }
}

/* One request; reconnects once if a kept-alive connection was closed. */
static int request(struct conn *c, const char *head, size_t head_len, const char *body, size_t body_len,
                   struct resp *r) {
  for (int attempt = 0; attempt < 2; attempt++) {
    if (c->fd < 0) conn_open(c);
    struct iovec iov[2] = {{(void *)head, head_len}, {(void *)body, body_len}};
    if (send_all(c->fd, iov, body_len ? 2 : 1) == 0 && read_resp(c, r) == 0) {
      if (r->close) conn_close(c);
      return 0;
    }
    conn_close(c);
  }
  return -1;
}

static size_t post_head(char *out, size_t cap, const char *path, const char *ctype, size_t len) {
  int n = snprintf(out, cap,
                   "POST %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                   path, opt_host, opt_port, opt_token ? opt_token : "", ctype, len);
  return (size_t)n;
}

static size_t get_head(char *out, size_t cap, const char *path) {
  int n = snprintf(out, cap, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nCookie: zz_session=%s\r\n\r\n", path, opt_host,
                   opt_port, opt_cookie ? opt_cookie : "");
  return (size_t)n;
}

static long json_long(const char *body, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(body, pat);
  return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* ---- ingest ---- */

struct series {
  char *prefix; /* "{\"entity\":\"E\",\"metric\":\"M\",\"ts\":" or "E,M," */
  size_t prefix_len;
  char vals[8][24]; /* value texts, chosen by round */
  uint8_t val_len[8];
};

static struct series *g_series;
static size_t g_nseries;
static int g_csv;

static uint64_t rng_next(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static void load_series(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open %s: %s", path, strerror(errno));
  char line[1024];
  size_t cap = 0;
  uint64_t seed = 2021;
  while (fgets(line, sizeof line, f)) {
    char ent[256], met[256];
    double lo, hi;
    int dec;
    if (line[0] == '#' || sscanf(line, "%255[^\t]\t%255[^\t]\t%lf\t%lf\t%d", ent, met, &lo, &hi, &dec) != 5) continue;
    if (g_nseries == cap) {
      cap = cap ? cap * 2 : 1024;
      g_series = xrealloc(g_series, cap * sizeof *g_series);
    }
    struct series *s = &g_series[g_nseries++];
    char tmp[600];
    int n = g_csv ? snprintf(tmp, sizeof tmp, "%s,%s,", ent, met)
                  : snprintf(tmp, sizeof tmp, "{\"entity\":\"%s\",\"metric\":\"%s\",\"ts\":", ent, met);
    s->prefix = strdup(tmp);
    s->prefix_len = (size_t)n;
    for (int k = 0; k < 8; k++) {
      double u = (double)(rng_next(&seed) >> 11) / 9007199254740992.0;
      double v = lo + (hi - lo) * u;
      int l = snprintf(s->vals[k], sizeof s->vals[k], "%.*f", dec, v);
      s->val_len[k] = (uint8_t)l;
    }
  }
  fclose(f);
  if (!g_nseries) die("%s has no series (lines: entity TAB metric TAB min TAB max TAB decimals)", path);
}

struct ingest_client {
  pthread_t th;
  int id;
  size_t *mine; /* indices of this client's series */
  size_t nmine;
  /* results */
  int64_t accepted, replaced, rejected, requests, busy, errors;
  uint64_t bytes;
  struct lat lat;
  char first_error[300];
};

static atomic_llong g_accepted;
static double g_t0, g_deadline;
static volatile sig_atomic_t g_stop; /* SIGINT/SIGTERM: finish the request in flight, print the summary */

static void on_stop(int sig) {
  (void)sig;
  g_stop = 1;
}

static void *ingest_main(void *arg) {
  struct ingest_client *cl = arg;
  struct conn c = {.fd = -1};
  struct buf body = {0};
  size_t line_max = 0;
  for (size_t i = 0; i < cl->nmine; i++) line_max = g_series[cl->mine[i]].prefix_len > line_max ? g_series[cl->mine[i]].prefix_len : line_max;
  line_max += 24 + 24 + 8;
  buf_reserve(&body, (size_t)opt_batch * line_max + 64);
  const char *ctype = g_csv ? "text/csv" : "application/x-ndjson";
  size_t pos = 0;       /* next series (index into mine) */
  int64_t round = 0;    /* rounds completed over this client's series */
  int64_t round_ts = opt_realtime ? wall_ms() : opt_start_ms;
  int64_t last_ts = round_ts;
  double rate = opt_rate > 0 ? opt_rate / opt_clients : 0;
  double next_send = now_s();
  while (now_s() < g_deadline && !g_stop) {
    body.n = 0;
    if (g_csv) buf_adds(&body, "entity,metric,ts,value\n");
    for (long k = 0; k < opt_batch; k++) {
      const struct series *s = &g_series[cl->mine[pos]];
      char *w = body.p + body.n;
      memcpy(w, s->prefix, s->prefix_len);
      w += s->prefix_len;
      w += put_i64(w, round_ts);
      int vi = (int)((round + (int64_t)pos) & 7);
      if (g_csv) {
        *w++ = ',';
        memcpy(w, s->vals[vi], s->val_len[vi]);
        w += s->val_len[vi];
        *w++ = '\n';
      } else {
        memcpy(w, ",\"value\":", 9);
        w += 9;
        memcpy(w, s->vals[vi], s->val_len[vi]);
        w += s->val_len[vi];
        *w++ = '}';
        *w++ = '\n';
      }
      body.n = (size_t)(w - body.p);
      if (++pos == cl->nmine) {
        pos = 0;
        round++;
        if (opt_realtime) {
          int64_t t = wall_ms();
          round_ts = t > last_ts ? t : last_ts + 1;
        } else {
          round_ts += opt_step_ms;
        }
        last_ts = round_ts;
      }
    }
    if (rate > 0) {
      double wait = next_send - now_s();
      if (wait > 0) sleep_s(wait);
      next_send += (double)opt_batch / rate;
      if (now_s() >= g_deadline || g_stop) break;
    }
    char head[1024];
    size_t hl = post_head(head, sizeof head, "/api/v1/records", ctype, body.n);
    for (int tries = 0;; tries++) {
      struct resp r;
      double t = now_s();
      if (request(&c, head, hl, body.p, body.n, &r) != 0) {
        cl->errors++;
        if (!cl->first_error[0]) snprintf(cl->first_error, sizeof cl->first_error, "connection failed");
        sleep_s(0.2);
        break;
      }
      double dt = now_s() - t;
      cl->requests++;
      if (r.status == 503 && tries < 100) {
        cl->busy++;
        sleep_s(r.retry_after > 0 ? (r.retry_after < 1 ? r.retry_after : 0.25) : 0.1);
        continue;
      }
      lat_add(&cl->lat, dt);
      if (r.status != 200) {
        cl->errors++;
        if (!cl->first_error[0])
          snprintf(cl->first_error, sizeof cl->first_error, "HTTP %d: %.200s", r.status, r.body);
        break;
      }
      long acc = json_long(r.body, "accepted"), rep = json_long(r.body, "replaced"),
           rej = json_long(r.body, "rejected_total");
      cl->accepted += acc > 0 ? acc : 0;
      cl->replaced += rep > 0 ? rep : 0;
      cl->rejected += rej > 0 ? rej : 0;
      if (rej > 0 && !cl->first_error[0]) snprintf(cl->first_error, sizeof cl->first_error, "rejected: %.200s", r.body);
      cl->bytes += body.n;
      atomic_fetch_add(&g_accepted, acc > 0 ? acc : 0);
      break;
    }
  }
  conn_close(&c);
  free(body.p);
  free(c.rb);
  return NULL;
}

static void *monitor_main(void *arg) {
  (void)arg;
  long long prev = 0;
  double t_prev = g_t0;
  for (;;) {
    sleep_s(1.0);
    double t = now_s();
    long long a = atomic_load(&g_accepted);
    if (!opt_quiet)
      fprintf(stderr, "loadgen: %5.1f s  %lld records  %.0f records/s\n", t - g_t0, a,
              (double)(a - prev) / (t - t_prev));
    prev = a;
    t_prev = t;
    if (t > g_deadline + 600) break;
  }
  return NULL;
}

static int mode_ingest(void) {
  if (!opt_token || !opt_series) die("ingest needs --token and --series");
  g_csv = opt_format && strcmp(opt_format, "csv") == 0;
  load_series(opt_series);
  if (!opt_start_ms) opt_start_ms = wall_ms() - 3600 * 1000;
  struct ingest_client *cls = calloc((size_t)opt_clients, sizeof *cls);
  for (int i = 0; i < opt_clients; i++) {
    cls[i].id = i;
    cls[i].mine = xmalloc(g_nseries * sizeof(size_t));
    for (size_t k = (size_t)i; k < g_nseries; k += (size_t)opt_clients) cls[i].mine[cls[i].nmine++] = k;
    if (!cls[i].nmine) die("more clients than series");
  }
  struct sigaction sa = {0};
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  g_t0 = now_s();
  g_deadline = g_t0 + opt_seconds;
  pthread_t mon;
  pthread_create(&mon, NULL, monitor_main, NULL);
  pthread_detach(mon);
  for (int i = 0; i < opt_clients; i++) pthread_create(&cls[i].th, NULL, ingest_main, &cls[i]);
  for (int i = 0; i < opt_clients; i++) pthread_join(cls[i].th, NULL);
  double elapsed = now_s() - g_t0;
  int64_t acc = 0, rep = 0, rej = 0, reqs = 0, busy = 0, errs = 0;
  uint64_t bytes = 0;
  struct lat all = {0};
  const char *err = "";
  for (int i = 0; i < opt_clients; i++) {
    acc += cls[i].accepted, rep += cls[i].replaced, rej += cls[i].rejected;
    reqs += cls[i].requests, busy += cls[i].busy, errs += cls[i].errors, bytes += cls[i].bytes;
    for (size_t k = 0; k < cls[i].lat.n; k++) lat_add(&all, cls[i].lat.v[k]);
    if (!err[0] && cls[i].first_error[0]) err = cls[i].first_error;
  }
  struct buf o = {0};
  buf_printf(&o,
             "{\"mode\":\"ingest\",\"format\":\"%s\",\"clients\":%d,\"batch\":%ld,\"series\":%zu,\"seconds\":%.3f,"
             "\"rate_target\":%.0f,\"accepted\":%lld,\"replaced\":%lld,\"rejected\":%lld,\"requests\":%lld,"
             "\"busy_503\":%lld,\"errors\":%lld,\"bytes\":%llu,\"records_per_s\":%.1f,\"mb_per_s\":%.2f,",
             g_csv ? "csv" : "ndjson", opt_clients, opt_batch, g_nseries, elapsed, opt_rate, (long long)acc,
             (long long)rep, (long long)rej, (long long)reqs, (long long)busy, (long long)errs,
             (unsigned long long)bytes, (double)acc / elapsed, (double)bytes / elapsed / 1e6);
  lat_json(&o, "request", &all);
  buf_adds(&o, ",\"first_error\":\"");
  for (const char *p = err; *p; p++)
    if (*p != '"' && *p != '\\' && (unsigned char)*p >= 32) buf_add(&o, p, 1);
  buf_adds(&o, "\"}\n");
  fwrite(o.p, 1, o.n, stdout);
  return errs ? 1 : 0;
}

/* ---- file ---- */

struct file_job {
  const char *data;
  size_t len;
  const char *header; /* CSV header line incl. newline, or NULL */
  size_t header_len;
  size_t *starts; /* chunk boundaries */
  size_t nchunks;
  atomic_size_t next;
  atomic_llong accepted, replaced, rejected, errors, bytes;
};

static void *file_main(void *arg) {
  struct file_job *fj = arg;
  struct conn c = {.fd = -1};
  const char *ctype = fj->header ? "text/csv" : "application/x-ndjson";
  for (;;) {
    size_t k = atomic_fetch_add(&fj->next, 1);
    if (k >= fj->nchunks) break;
    const char *p = fj->data + fj->starts[k];
    size_t n = fj->starts[k + 1] - fj->starts[k];
    char head[1024];
    size_t hl = post_head(head, sizeof head, "/api/v1/records", ctype, (fj->header ? fj->header_len : 0) + n);
    /* the request head, then the CSV header line, then the chunk itself */
    struct buf h2 = {0};
    buf_add(&h2, head, hl);
    if (fj->header) buf_add(&h2, fj->header, fj->header_len);
    for (int tries = 0;; tries++) {
      struct resp r;
      if (request(&c, h2.p, h2.n, p, n, &r) != 0) {
        atomic_fetch_add(&fj->errors, 1);
        break;
      }
      if (r.status == 503 && tries < 100) {
        sleep_s(0.25);
        continue;
      }
      if (r.status != 200) {
        atomic_fetch_add(&fj->errors, 1);
        fprintf(stderr, "loadgen: HTTP %d: %.300s\n", r.status, r.body);
        break;
      }
      long rej = json_long(r.body, "rejected_total");
      if (rej > 0) fprintf(stderr, "loadgen: rejected: %.300s\n", r.body);
      atomic_fetch_add(&fj->accepted, json_long(r.body, "accepted"));
      atomic_fetch_add(&fj->replaced, json_long(r.body, "replaced"));
      atomic_fetch_add(&fj->rejected, rej > 0 ? rej : 0);
      atomic_fetch_add(&fj->bytes, (long long)n);
      atomic_fetch_add(&g_accepted, json_long(r.body, "accepted"));
      break;
    }
    free(h2.p);
  }
  conn_close(&c);
  free(c.rb);
  return NULL;
}

static int mode_file(void) {
  if (!opt_token || !opt_file) die("file needs --token and --file");
  int fd = open(opt_file, O_RDONLY);
  if (fd < 0) die("cannot open %s: %s", opt_file, strerror(errno));
  struct stat st;
  fstat(fd, &st);
  size_t len = (size_t)st.st_size;
  const char *data = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0) : "";
  if (data == MAP_FAILED) die("mmap: %s", strerror(errno));
  struct file_job *fj = calloc(1, sizeof *fj);
  int csv = opt_format ? strcmp(opt_format, "csv") == 0 : strstr(opt_file, ".csv") != NULL;
  size_t off = 0;
  if (csv) {
    const char *nl = memchr(data, '\n', len);
    if (!nl) die("%s has no header line", opt_file);
    fj->header = data;
    fj->header_len = (size_t)(nl - data) + 1;
    off = fj->header_len;
  }
  size_t cap = 1024;
  fj->starts = xmalloc(cap * sizeof(size_t));
  fj->starts[fj->nchunks] = off;
  long lines = 0;
  int64_t total_lines = 0;
  for (size_t i = off; i < len; i++) {
    if (data[i] != '\n') continue;
    total_lines++;
    if (++lines == opt_batch || i + 1 == len) {
      if (fj->nchunks + 2 > cap) fj->starts = xrealloc(fj->starts, (cap *= 2) * sizeof(size_t));
      fj->starts[++fj->nchunks] = i + 1;
      lines = 0;
    }
  }
  if (fj->starts[fj->nchunks] != len) { /* no final newline */
    if (fj->nchunks + 2 > cap) fj->starts = xrealloc(fj->starts, (cap *= 2) * sizeof(size_t));
    fj->starts[++fj->nchunks] = len;
    total_lines++;
  }
  fj->data = data;
  fj->len = len;
  g_t0 = now_s();
  g_deadline = g_t0 + 3600;
  pthread_t mon;
  pthread_create(&mon, NULL, monitor_main, NULL);
  pthread_detach(mon);
  pthread_t *th = xmalloc((size_t)opt_clients * sizeof *th);
  for (int i = 0; i < opt_clients; i++) pthread_create(&th[i], NULL, file_main, fj);
  for (int i = 0; i < opt_clients; i++) pthread_join(th[i], NULL);
  double elapsed = now_s() - g_t0;
  printf("{\"mode\":\"file\",\"file\":\"%s\",\"format\":\"%s\",\"clients\":%d,\"batch\":%ld,\"lines\":%lld,"
         "\"seconds\":%.3f,\"accepted\":%lld,\"replaced\":%lld,\"rejected\":%lld,\"errors\":%lld,\"bytes\":%zu,"
         "\"records_per_s\":%.1f,\"mb_per_s\":%.2f}\n",
         opt_file, csv ? "csv" : "ndjson", opt_clients, opt_batch, (long long)total_lines, elapsed,
         (long long)atomic_load(&fj->accepted), (long long)atomic_load(&fj->replaced),
         (long long)atomic_load(&fj->rejected), (long long)atomic_load(&fj->errors), len,
         (double)atomic_load(&fj->accepted) / elapsed, (double)len / elapsed / 1e6);
  return atomic_load(&fj->errors) ? 1 : 0;
}

/* ---- query ---- */

static int mode_query(void) {
  if (!opt_cookie || !opt_urls) die("query needs --cookie and --urls");
  FILE *f = fopen(opt_urls, "r");
  if (!f) die("cannot open %s: %s", opt_urls, strerror(errno));
  char *names[64], *paths[64];
  int nu = 0;
  char line[4096];
  while (nu < 64 && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    char *tab = strchr(line, '\t');
    if (!tab || line[0] == '#') continue;
    *tab = 0;
    names[nu] = strdup(line);
    paths[nu] = strdup(tab + 1);
    nu++;
  }
  fclose(f);
  if (!nu) die("%s has no URLs (lines: name TAB path)", opt_urls);
  struct lat *lats = calloc((size_t)nu, sizeof *lats);
  long *errors = calloc((size_t)nu, sizeof *errors);
  size_t *bytes = calloc((size_t)nu, sizeof *bytes);
  char **first_err = calloc((size_t)nu, sizeof *first_err);
  struct conn c = {.fd = -1};
  g_t0 = now_s();
  for (long round = 0; round < opt_warmup + opt_n; round++) {
    for (int u = 0; u < nu; u++) {
      char head[4096];
      size_t hl = get_head(head, sizeof head, paths[u]);
      struct resp r;
      double t = now_s();
      int rc = request(&c, head, hl, NULL, 0, &r);
      double dt = now_s() - t;
      if (rc != 0 || r.status != 200) {
        errors[u]++;
        if (!first_err[u]) {
          char tmp[400];
          snprintf(tmp, sizeof tmp, "HTTP %d: %.300s", rc ? 0 : r.status, rc ? "connection failed" : r.body);
          for (char *p = tmp; *p; p++)
            if (*p == '"' || *p == '\\' || (unsigned char)*p < 32) *p = ' ';
          first_err[u] = strdup(tmp);
        }
        continue;
      }
      bytes[u] = r.body_len;
      if (round >= opt_warmup) lat_add(&lats[u], dt);
      if (dt > 0.1) /* slow answers, for looking into later */
        fprintf(stderr, "loadgen: slow: %.3f s after start, %s took %.1f ms\n", t - g_t0, names[u], dt * 1e3);
    }
  }
  conn_close(&c);
  struct buf o = {0};
  buf_adds(&o, "{\"mode\":\"query\",\"queries\":{");
  for (int u = 0; u < nu; u++) {
    if (u) buf_adds(&o, ",");
    buf_printf(&o, "\"%s\":{\"path\":\"", names[u]);
    for (const char *p = paths[u]; *p; p++)
      if (*p != '"' && *p != '\\') buf_add(&o, p, 1);
    buf_printf(&o, "\",\"errors\":%ld,\"bytes\":%zu,\"first_error\":\"%s\",", errors[u], bytes[u],
               first_err[u] ? first_err[u] : "");
    lat_json(&o, "latency", &lats[u]);
    buf_adds(&o, "}");
  }
  buf_adds(&o, "}}\n");
  fwrite(o.p, 1, o.n, stdout);
  return 0;
}

/* ---- burst ---- */

struct phone {
  char *req; /* the whole request */
  size_t req_len, sent;
  char *rb;
  size_t rn, rcap;
  int fd, status, done;
  double t0, dt;
};

/* 1 when rb holds a whole response (Content-Length or chunked); sets its status. */
static int resp_complete(struct phone *p) {
  p->rb[p->rn] = 0;
  char *e = strstr(p->rb, "\r\n\r\n");
  if (!e) return 0;
  size_t hend = (size_t)(e - p->rb) + 4;
  const char *cl = find_header(p->rb, hend, "Content-Length");
  if (cl) {
    if (p->rn < hend + strtoul(cl, NULL, 10)) return 0;
  } else if (!strstr(p->rb + hend, "0\r\n\r\n")) {
    return 0;
  }
  p->status = atoi(p->rb + 9);
  return 1;
}

static void phone_grow(struct phone *p) {
  if (p->rn + 65536 + 1 > p->rcap) {
    p->rcap = p->rcap ? p->rcap * 2 : 1 << 16;
    p->rb = xrealloc(p->rb, p->rcap + 65536 + 1);
  }
}

/* Every phone connects and sends at once; returns when all are answered
 * (or failed: status 0). */
static void burst_run(struct phone *ph, size_t n) {
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)opt_port);
  if (inet_pton(AF_INET, opt_host, &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127)
    die("--host must be a loopback IPv4 address, not %s", opt_host);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll: %s", strerror(errno));
  size_t left = n;
  for (size_t i = 0; i < n; i++) {
    struct phone *p = &ph[i];
    p->sent = p->rn = 0;
    p->status = p->done = 0;
    p->t0 = now_s();
    p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd < 0) die("socket: %s (raise ulimit -n?)", strerror(errno));
    int one = 1;
    setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(p->fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS)
      die("connect: %s", strerror(errno));
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u64 = i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, p->fd, &ev) != 0) die("epoll_ctl: %s", strerror(errno));
  }
  double deadline = now_s() + opt_seconds;
  struct epoll_event evs[256];
  while (left && now_s() < deadline) {
    int k = epoll_wait(ep, evs, 256, 1000);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) die("epoll_wait: %s", strerror(errno));
    for (int j = 0; j < k; j++) {
      struct phone *p = &ph[evs[j].data.u64];
      if (p->done) continue;
      int failed = 0;
      if ((evs[j].events & EPOLLOUT) && p->sent < p->req_len) {
        ssize_t w = write(p->fd, p->req + p->sent, p->req_len - p->sent);
        if (w > 0) p->sent += (size_t)w;
        else if (w < 0 && errno != EAGAIN && errno != EINTR) failed = 1;
        if (p->sent == p->req_len) {
          struct epoll_event ev = {.events = EPOLLIN, .data.u64 = evs[j].data.u64};
          epoll_ctl(ep, EPOLL_CTL_MOD, p->fd, &ev);
        }
      }
      if (!failed && (evs[j].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        for (;;) {
          phone_grow(p);
          ssize_t r = read(p->fd, p->rb + p->rn, p->rcap - p->rn);
          if (r > 0) {
            p->rn += (size_t)r;
            continue;
          }
          if (r == 0 || (errno != EAGAIN && errno != EINTR)) failed = !resp_complete(p);
          break;
        }
      }
      if (failed || (p->rn && resp_complete(p))) {
        p->dt = now_s() - p->t0;
        p->done = 1;
        if (failed) p->status = 0;
        close(p->fd);
        left--;
      }
    }
  }
  if (left) { /* what the unanswered phones got to, for looking into it */
    size_t unsent = 0, partial = 0, waiting = 0, some_answer = 0;
    for (size_t i = 0; i < n; i++) {
      struct phone *p = &ph[i];
      if (p->done) continue;
      if (p->rn) some_answer++;
      else if (!p->sent) unsent++;
      else if (p->sent < p->req_len) partial++;
      else waiting++;
    }
    fprintf(stderr, "loadgen: %zu phones unanswered after %.0f s: %zu sent nothing, %zu part of the request, "
                    "%zu all of it and got nothing back, %zu part of an answer\n",
            left, opt_seconds, unsent, partial, waiting, some_answer);
  }
  for (size_t i = 0; i < n; i++)
    if (!ph[i].done) close(ph[i].fd), ph[i].status = 0, ph[i].dt = now_s() - ph[i].t0;
  close(ep);
}

static int mode_burst(void) {
  if (!opt_file) die("burst needs --file (lines: PATH TAB JSON-BODY)");
  FILE *f = fopen(opt_file, "r");
  if (!f) die("cannot open %s: %s", opt_file, strerror(errno));
  struct phone *ph = NULL;
  size_t n = 0, cap = 0;
  char *line = NULL;
  size_t lcap = 0;
  ssize_t ll;
  while ((ll = getline(&line, &lcap, f)) > 0) {
    line[strcspn(line, "\r\n")] = 0;
    char *tab = strchr(line, '\t');
    if (!tab) continue;
    *tab = 0;
    if (n == cap) ph = xrealloc(ph, (cap = cap ? cap * 2 : 256) * sizeof *ph);
    struct phone *p = &ph[n++];
    memset(p, 0, sizeof *p);
    size_t blen = strlen(tab + 1);
    p->req = xmalloc(strlen(line) + blen + 256);
    p->req_len = (size_t)sprintf(p->req,
                                 "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                 line, opt_host, opt_port, blen, tab + 1);
  }
  free(line);
  fclose(f);
  if (!n) die("%s has no phones (lines: PATH TAB JSON-BODY)", opt_file);
  FILE *out = opt_out ? fopen(opt_out, "w") : NULL;
  if (opt_out && !out) die("cannot write %s: %s", opt_out, strerror(errno));
  struct lat lat = {0};
  long statuses[6] = {0}; /* failed, 1xx..5xx */
  long warm_2xx = 0; /* answered in the warm-up bursts: they count for "none lost" too */
  double t0 = now_s();
  for (long round = 0; round < opt_warmup + opt_n; round++) {
    burst_run(ph, n);
    if (round < opt_warmup) {
      for (size_t i = 0; i < n; i++) warm_2xx += ph[i].status / 100 == 2;
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      struct phone *p = &ph[i];
      statuses[p->status / 100 <= 5 ? p->status / 100 : 0]++;
      lat_add(&lat, p->dt);
      if (out) {
        char *body = p->status ? strstr(p->rb, "\r\n\r\n") : NULL;
        fprintf(out, "%d\t%s\n", p->status, body ? body + 4 : "");
      }
    }
  }
  double wall = now_s() - t0;
  if (out) fclose(out);
  struct buf o = {0};
  buf_printf(&o, "{\"mode\":\"burst\",\"phones\":%zu,\"bursts\":%ld,\"failed\":%ld,\"http_2xx\":%ld,"
                 "\"http_4xx\":%ld,\"http_5xx\":%ld,\"warmup_2xx\":%ld,\"wall_s\":%.3f,",
             n, opt_n, statuses[0], statuses[2], statuses[4], statuses[5], warm_2xx, wall);
  lat_json(&o, "latency", &lat);
  buf_adds(&o, "}\n");
  fwrite(o.p, 1, o.n, stdout);
  return 0;
}

/* ---- visibility ---- */

static int mode_visibility(void) {
  if (!opt_token || !opt_cookie || !opt_entity || !opt_metric || !opt_region)
    die("visibility needs --token --cookie --entity --metric --region");
  struct conn pc = {.fd = -1}, gc = {.fd = -1};
  char path[1024];
  snprintf(path, sizeof path, "/api/v1/series?metric=%s&region=%s&grain=minute", opt_metric, opt_region);
  char ghead[2048];
  size_t ghl = get_head(ghead, sizeof ghead, path);
  struct lat ack = {0}, vis = {0}, after = {0};
  long timeouts = 0, polls = 0, errors = 0;
  char first_err[400] = "";
  for (long i = 0; i < opt_n; i++) {
    struct resp r = {.body = ""};
    if (request(&gc, ghead, ghl, NULL, 0, &r) != 0 || r.status != 200) {
      errors++;
      if (!first_err[0]) snprintf(first_err, sizeof first_err, "GET %.150s: HTTP %d %.200s", path, r.status, r.body);
      sleep_s(0.2);
      continue;
    }
    const char *tp = strstr(r.body, "\"total\":");
    if (!tp) die("no \"total\" in %.300s", r.body);
    double before = strtod(tp + 8, NULL);
    char body[512];
    int bl = snprintf(body, sizeof body, "{\"entity\":\"%s\",\"metric\":\"%s\",\"ts\":%lld,\"value\":1}\n",
                      opt_entity, opt_metric, (long long)wall_ms());
    char phead[1024];
    size_t phl = post_head(phead, sizeof phead, "/api/v1/records", "application/x-ndjson", (size_t)bl);
    double t0 = now_s();
    if (request(&pc, phead, phl, body, (size_t)bl, &r) != 0 || r.status != 200 || json_long(r.body, "accepted") != 1) {
      errors++;
      if (!first_err[0]) snprintf(first_err, sizeof first_err, "POST: HTTP %d %.200s", r.status, r.body);
      continue;
    }
    double t_ack = now_s();
    lat_add(&ack, t_ack - t0);
    int seen = 0;
    while (now_s() - t0 < 5.0) {
      polls++;
      if (request(&gc, ghead, ghl, NULL, 0, &r) != 0 || r.status != 200) break;
      tp = strstr(r.body, "\"total\":");
      if (tp && strtod(tp + 8, NULL) != before) {
        seen = 1;
        break;
      }
      sleep_s(0.0005);
    }
    double t_vis = now_s();
    if (seen) {
      lat_add(&vis, t_vis - t0);
      lat_add(&after, t_vis - t_ack);
    } else {
      timeouts++;
    }
    sleep_s(0.05);
  }
  conn_close(&pc);
  conn_close(&gc);
  struct buf o = {0};
  buf_printf(&o, "{\"mode\":\"visibility\",\"trials\":%ld,\"timeouts_5s\":%ld,\"errors\":%ld,\"polls\":%ld,", opt_n,
             timeouts, errors, polls);
  lat_json(&o, "post_to_ack", &ack);
  buf_adds(&o, ",");
  lat_json(&o, "post_to_visible", &vis);
  buf_adds(&o, ",");
  lat_json(&o, "ack_to_visible", &after);
  buf_adds(&o, ",\"first_error\":\"");
  for (const char *p = first_err; *p; p++)
    if (*p != '"' && *p != '\\' && (unsigned char)*p >= 32) buf_add(&o, p, 1);
  buf_adds(&o, "\"}\n");
  fwrite(o.p, 1, o.n, stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: loadgen ingest|file|query|visibility|burst [flags] (see the comment atop bench/loadgen.c)\n");
    return 2;
  }
  parse_opts(argc, argv);
  if (strcmp(argv[1], "ingest") == 0) return mode_ingest();
  if (strcmp(argv[1], "file") == 0) return mode_file();
  if (strcmp(argv[1], "query") == 0) return mode_query();
  if (strcmp(argv[1], "visibility") == 0) return mode_visibility();
  if (strcmp(argv[1], "burst") == 0) return mode_burst();
  die("unknown mode %s", argv[1]);
  return 2;
}
