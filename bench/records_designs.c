/* records_designs.c - measures candidate layouts for the records table
 * (issue 14) outside the server, on the same generated load, so that the
 * choice is made by figures: how many records a second each design takes
 * when every batch is durable against kill -9 (and with fsync per batch),
 * and how many bytes a record costs on disk when the load is done.
 *
 *   gcc -O2 -o bench/out/records_designs bench/records_designs.c -lsqlite3 -lz
 *   bench/out/records_designs DESIGN [--records N] [--series S] [--batch B]
 *                             [--fsync] [--verify] [--dir DIR]
 *
 * DESIGN:
 *   sqlite-series  today's table: record(series, ts, value) WITHOUT ROWID,
 *                  WAL, synchronous=NORMAL (FULL with --fsync), one
 *                  transaction a batch, the batch sorted by (series, ts)
 *   sqlite-hot     the batch appended by rowid to hot(ts, series, value);
 *                  every --move records the hot rows are moved, in (series,
 *                  ts) order, into record(series, ts) and deleted
 *   log-segments   an append-only log of framed batches (crc32 each, write()
 *                  then fdatasync with --fsync) plus in-memory per-series
 *                  columns; every --seal records the open segment is sealed
 *                  into a file of per-series blocks (delta-of-delta
 *                  timestamps, values as scaled-integer deltas when they
 *                  have at most 4 decimals, else XOR of the previous value's
 *                  bits) with an index, fsynced, and the log is emptied
 * The load: S series (default 14,034, the bench's all-series mix), rounds in
 * which every series reports one value (ts 60 s apart), values a random walk
 * with 2 decimals, so every batch touches every series as a mixed load does.
 * Prints one JSON line: design, records, seconds, records_per_s, bytes on
 * disk, bytes_per_record, and the time to read 200 random series whole. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

struct rec {
  uint32_t series;
  int64_t ts;
  double value;
};

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* ---- the load ---- */

struct load {
  uint32_t nseries;
  int64_t t0, round;
  uint32_t next; /* the series that reports next in this round */
  double *val;
  uint64_t rng;
};

static uint64_t rnd(uint64_t *s) {
  *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
  return *s;
}

static void load_init(struct load *l, uint32_t nseries) {
  l->nseries = nseries;
  l->t0 = 1700000000000LL;
  l->round = 0;
  l->next = 0;
  l->rng = 88172645463325252ULL;
  l->val = malloc(nseries * sizeof *l->val);
  if (!l->val) die("malloc");
  for (uint32_t i = 0; i < nseries; i++) l->val[i] = (double)(rnd(&l->rng) % 10000) / 100.0;
}

static void load_batch(struct load *l, struct rec *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint32_t s = l->next;
    l->val[s] =
        round((l->val[s] + (double)((int)(rnd(&l->rng) % 21) - 10) / 100.0) * 100.0) / 100.0;
    out[i] = (struct rec){s + 1, l->t0 + l->round * 60000, l->val[s]};
    if (++l->next == l->nseries) l->next = 0, l->round++;
  }
}

static int by_series_ts(const void *a, const void *b) {
  const struct rec *x = a, *y = b;
  if (x->series != y->series) return x->series < y->series ? -1 : 1;
  return (x->ts > y->ts) - (x->ts < y->ts);
}

/* ---- disk usage of a directory ---- */

static int64_t dir_bytes(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int64_t sum = 0;
  struct dirent *e;
  char p[4096];
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) sum += (int64_t)st.st_blocks * 512;
  }
  closedir(d);
  return sum;
}

/* ---- SQLite designs ---- */

static void exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "sqlite: %s: %s\n", sql, err);
    exit(1);
  }
}

static sqlite3 *sq_open(const char *dir, int full) {
  char p[4096];
  snprintf(p, sizeof p, "%s/db.sqlite", dir);
  sqlite3 *db;
  if (sqlite3_open(p, &db) != SQLITE_OK) die("sqlite3_open");
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec(db, "PRAGMA cache_size=-262144"); /* 256 MiB, as the server's writer */
  exec(db, "CREATE TABLE IF NOT EXISTS record(series INTEGER NOT NULL, ts INTEGER NOT NULL,"
           " value REAL NOT NULL, PRIMARY KEY(series, ts)) WITHOUT ROWID");
  return db;
}

static void sq_insert(sqlite3_stmt *ins, const struct rec *r, size_t n) {
  for (size_t i = 0; i < n; i++) {
    sqlite3_bind_int64(ins, 1, r[i].series);
    sqlite3_bind_int64(ins, 2, r[i].ts);
    sqlite3_bind_double(ins, 3, r[i].value);
    if (sqlite3_step(ins) != SQLITE_DONE) die("insert");
    sqlite3_reset(ins);
  }
}

static double sq_read(sqlite3 *db, uint32_t nseries, int64_t *rows) {
  sqlite3_stmt *q;
  sqlite3_prepare_v2(db, "SELECT ts, value FROM record WHERE series = ?1 ORDER BY ts", -1, &q,
                     NULL);
  uint64_t rng = 42;
  double t = now_s();
  for (int i = 0; i < 200; i++) {
    sqlite3_bind_int64(q, 1, (int64_t)(rnd(&rng) % nseries) + 1);
    while (sqlite3_step(q) == SQLITE_ROW) (*rows)++;
    sqlite3_reset(q);
  }
  sqlite3_finalize(q);
  return now_s() - t;
}

/* ---- the log-segments design ---- */

struct col {
  int64_t *ts;
  double *v;
  uint32_t n, cap;
};

struct logseg {
  const char *dir;
  int full;
  int log_fd;
  uint32_t nseries;
  struct col *cols;
  int64_t open_records;
  int nsegs;
  unsigned char *buf;
  size_t bufcap;
};

static size_t put_varint(unsigned char *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) p[n++] = (unsigned char)(v | 0x80), v >>= 7;
  p[n++] = (unsigned char)v;
  return n;
}

static uint64_t zigzag(int64_t v) {
  return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void ensure(struct logseg *s, size_t need) {
  if (need <= s->bufcap) return;
  s->bufcap = need * 2;
  s->buf = realloc(s->buf, s->bufcap);
  if (!s->buf) die("realloc");
}

static void write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0) die("write");
    c += w, n -= (size_t)w;
  }
}

static uint64_t get_varint(const unsigned char **q) {
  uint64_t v = 0;
  int sh = 0;
  while (**q & 0x80) v |= (uint64_t)(*(*q)++ & 0x7f) << sh, sh += 7;
  v |= (uint64_t) * (*q)++ << sh;
  return v;
}

static int64_t unzigzag(uint64_t v) {
  return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Decodes one series block at q into ts[] and v[] (room for n, the count
 * it starts with); returns n. The inverse of the block writer in seal(). */
static uint64_t decode_block(const unsigned char *q, int64_t *ts, double *v, uint64_t cap) {
  static const double sc[] = {1, 1, 10, 100, 1000, 10000};
  int kind = *q++;
  uint64_t n = get_varint(&q);
  if (n > cap) return 0;
  int64_t t = unzigzag(get_varint(&q)), d = 0;
  ts[0] = t;
  for (uint64_t j = 1; j < n; j++) d += unzigzag(get_varint(&q)), t += d, ts[j] = t;
  if (kind) {
    int64_t x = 0;
    for (uint64_t j = 0; j < n; j++) x += unzigzag(get_varint(&q)), v[j] = (double)x / sc[kind];
  } else {
    uint64_t prev = 0;
    for (uint64_t j = 0; j < n; j++) {
      int lead = *q++;
      uint64_t x = 0;
      for (int b = lead; b < 8; b++) x |= (uint64_t)*q++ << (8 * (7 - b));
      prev ^= x;
      memcpy(&v[j], &prev, 8);
    }
  }
  return n;
}

static int verify_blocks; /* --verify: every block is decoded and compared as it is sealed */

/* One column of a sealed block: 1 when every value is exactly k/10^d for
 * some d <= 4 (*scale = 10^d), so it is stored as integer deltas. */
static int scaled(const double *v, uint32_t n, double *scale) {
  static const double sc[] = {1, 10, 100, 1000, 10000};
  for (int d = 0; d < 5; d++) {
    uint32_t i = 0;
    /* bit-identical on the way back: k / 10^d is the very value stored
     * (a reading parsed from "23.47" is 2347 / 100.0 to the last bit) */
    for (; i < n; i++) {
      double x = v[i] * sc[d];
      if (!(fabs(x) < 9e15) || (double)llround(x) / sc[d] != v[i]) break;
    }
    if (i == n) {
      *scale = sc[d];
      return 1;
    }
  }
  return 0;
}

static void seal(struct logseg *s) {
  char p[4096];
  snprintf(p, sizeof p, "%s/seg-%06d", s->dir, s->nsegs++);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) die("open segment");
  /* index: per series with records: series, offset, count (fixed 16 B) */
  size_t nidx = 0;
  for (uint32_t i = 0; i < s->nseries; i++) nidx += s->cols[i].n > 0;
  unsigned char *idx = malloc(nidx * 16 + 16);
  size_t ip = 0;
  uint64_t off = 0;
  unsigned char *out = NULL;
  size_t outcap = 0, outn = 0;
  for (uint32_t i = 0; i < s->nseries; i++) {
    struct col *c = &s->cols[i];
    if (!c->n) continue;
    size_t need = outn + (size_t)c->n * 20 + 32;
    if (need > outcap) {
      outcap = need * 2;
      out = realloc(out, outcap);
      if (!out) die("realloc");
    }
    size_t start = outn;
    double scale;
    int is_scaled = scaled(c->v, c->n, &scale);
    out[outn++] = (unsigned char)(is_scaled ? (scale == 1      ? 1
                                               : scale == 10   ? 2
                                               : scale == 100  ? 3
                                               : scale == 1000 ? 4
                                                               : 5)
                                            : 0);
    outn += put_varint(out + outn, c->n);
    outn += put_varint(out + outn, zigzag(c->ts[0]));
    int64_t pd = 0;
    for (uint32_t k = 1; k < c->n; k++) {
      int64_t d = c->ts[k] - c->ts[k - 1];
      outn += put_varint(out + outn, zigzag(d - pd));
      pd = d;
    }
    if (is_scaled) {
      int64_t prev = 0;
      for (uint32_t k = 0; k < c->n; k++) {
        int64_t x = (int64_t)llround(c->v[k] * scale);
        outn += put_varint(out + outn, zigzag(x - prev));
        prev = x;
      }
    } else {
      uint64_t prev = 0;
      for (uint32_t k = 0; k < c->n; k++) {
        uint64_t b;
        memcpy(&b, &c->v[k], 8);
        uint64_t x = b ^ prev;
        prev = b;
        int lead = x ? __builtin_clzll(x) / 8 : 8;
        out[outn++] = (unsigned char)lead;
        for (int q = lead; q < 8; q++) out[outn++] = (unsigned char)(x >> (8 * (7 - q)));
      }
    }
    uint32_t sid = i + 1, cnt = c->n;
    if (verify_blocks) {
      int64_t *vt = malloc(c->n * sizeof *vt);
      double *vv = malloc(c->n * sizeof *vv);
      if (decode_block(out + start, vt, vv, c->n) != c->n || memcmp(vt, c->ts, c->n * sizeof *vt) ||
          memcmp(vv, c->v, c->n * sizeof *vv)) {
        fprintf(stderr, "records_designs: series %u does not decode to what was written\n", i + 1);
        exit(1);
      }
      free(vt), free(vv);
    }
    memcpy(idx + ip, &sid, 4), memcpy(idx + ip + 4, &off, 8), memcpy(idx + ip + 12, &cnt, 4);
    ip += 16;
    off += outn - start;
    c->n = 0;
  }
  write_all(fd, out, outn);
  write_all(fd, idx, ip);
  uint64_t n64 = nidx;
  write_all(fd, &n64, 8);
  if (fdatasync(fd)) die("fdatasync");
  close(fd);
  free(out), free(idx);
  /* the log's records are all in the segment now */
  if (ftruncate(s->log_fd, 0) || lseek(s->log_fd, 0, SEEK_SET) < 0) die("truncate log");
  if (s->full && fdatasync(s->log_fd)) die("fdatasync log");
  s->open_records = 0;
}

static void log_batch(struct logseg *s, const struct rec *r, size_t n, int64_t seal_every) {
  /* the frame: length, crc32, count, then series varint, ts zigzag delta,
   * value bits: what recovery needs to rebuild the open segment */
  ensure(s, 16 + n * 24);
  size_t p = 12;
  int64_t pts = 0;
  for (size_t i = 0; i < n; i++) {
    p += put_varint(s->buf + p, r[i].series);
    p += put_varint(s->buf + p, zigzag(r[i].ts - pts));
    pts = r[i].ts;
    memcpy(s->buf + p, &r[i].value, 8);
    p += 8;
  }
  uint32_t len = (uint32_t)(p - 12), cnt = (uint32_t)n;
  uint32_t crc = (uint32_t)crc32(0, s->buf + 12, len);
  memcpy(s->buf, &len, 4), memcpy(s->buf + 4, &crc, 4), memcpy(s->buf + 8, &cnt, 4);
  write_all(s->log_fd, s->buf, p);
  if (s->full && fdatasync(s->log_fd)) die("fdatasync log");
  for (size_t i = 0; i < n; i++) {
    struct col *c = &s->cols[r[i].series - 1];
    if (c->n == c->cap) {
      c->cap = c->cap ? c->cap * 2 : 64;
      c->ts = realloc(c->ts, c->cap * sizeof *c->ts);
      c->v = realloc(c->v, c->cap * sizeof *c->v);
      if (!c->ts || !c->v) die("realloc");
    }
    c->ts[c->n] = r[i].ts;
    c->v[c->n++] = r[i].value;
  }
  s->open_records += (int64_t)n;
  if (s->open_records >= seal_every) seal(s);
}

/* Reads 200 random series whole: their blocks in every sealed segment
 * (index read once per segment and kept, as a server would), decoded. */
static volatile double sink; /* keeps the decoding from being optimised away */

#define SCRATCH (1u << 20) /* records of one series in one segment, at most */
static int64_t scratch_ts[SCRATCH];
static double scratch_v[SCRATCH];

static double log_read(struct logseg *s, int64_t *rows) {
  struct seg {
    unsigned char *data;
    size_t len;
    unsigned char *idx;
    uint64_t nidx;
  } *segs = calloc((size_t)s->nsegs, sizeof *segs);
  for (int k = 0; k < s->nsegs; k++) {
    char p[4096];
    snprintf(p, sizeof p, "%s/seg-%06d", s->dir, k);
    FILE *f = fopen(p, "rb");
    if (!f) die("open segment");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    segs[k].data = malloc((size_t)len);
    if (fread(segs[k].data, 1, (size_t)len, f) != (size_t)len) die("read segment");
    fclose(f);
    memcpy(&segs[k].nidx, segs[k].data + len - 8, 8);
    segs[k].idx = segs[k].data + len - 8 - segs[k].nidx * 16;
    segs[k].len = (size_t)len;
  }
  uint64_t rng = 42;
  double t = now_s();
  for (int i = 0; i < 200; i++) {
    uint32_t want = (uint32_t)(rnd(&rng) % s->nseries) + 1;
    for (int k = 0; k < s->nsegs; k++) {
      /* binary search of the index */
      uint64_t lo = 0, hi = segs[k].nidx;
      while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        uint32_t sid;
        memcpy(&sid, segs[k].idx + mid * 16, 4);
        if (sid < want)
          lo = mid + 1;
        else
          hi = mid;
      }
      uint32_t sid = 0;
      if (lo < segs[k].nidx) memcpy(&sid, segs[k].idx + lo * 16, 4);
      if (sid != want) continue;
      uint64_t off;
      memcpy(&off, segs[k].idx + lo * 16 + 4, 8);
      uint64_t n = decode_block(segs[k].data + off, scratch_ts, scratch_v, SCRATCH);
      double sum = 0;
      for (uint64_t j = 0; j < n; j++) sum += scratch_v[j] + (double)scratch_ts[j];
      sink += sum;
      *rows += (int64_t)n;
    }
  }
  double dt = now_s() - t;
  for (int k = 0; k < s->nsegs; k++) free(segs[k].data);
  free(segs);
  return dt;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: records_designs sqlite-series|sqlite-hot|log-segments [--records N]"
                    " [--series S] [--batch B] [--move N] [--seal N] [--fsync] [--dir DIR]\n");
    return 2;
  }
  const char *design = argv[1], *dir = "/tmp/zz-records-designs";
  int64_t records = 5000000, batch = 100000, move_every = 1000000, seal_every = 10000000;
  uint32_t nseries = 14034;
  int full = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--records") && i + 1 < argc)
      records = strtoll(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--series") && i + 1 < argc)
      nseries = (uint32_t)strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
      batch = strtoll(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--move") && i + 1 < argc)
      move_every = strtoll(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--seal") && i + 1 < argc)
      seal_every = strtoll(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--fsync"))
      full = 1;
    else if (!strcmp(argv[i], "--verify"))
      verify_blocks = 1;
    else {
      fprintf(stderr, "records_designs: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  if (system(cmd)) die("mkdir");
  struct load l;
  load_init(&l, nseries);
  struct rec *r = malloc((size_t)batch * sizeof *r);
  if (!r) die("malloc");
  double t0 = now_s(), read_s = 0;
  int64_t done = 0, rows = 0;
  if (!strcmp(design, "sqlite-series") || !strcmp(design, "sqlite-hot")) {
    int hot = !strcmp(design, "sqlite-hot");
    sqlite3 *db = sq_open(dir, full);
    if (hot)
      exec(db,
           "CREATE TABLE hot(ts INTEGER NOT NULL, series INTEGER NOT NULL, value REAL NOT NULL)");
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db,
                       hot ? "INSERT INTO hot(ts, series, value) VALUES (?2, ?1, ?3)"
                           : "INSERT OR REPLACE INTO record(series, ts, value) VALUES (?1, ?2, ?3)",
                       -1, &ins, NULL);
    int64_t since_move = 0;
    while (done < records) {
      size_t n = (size_t)(records - done < batch ? records - done : batch);
      load_batch(&l, r, n);
      if (!hot) qsort(r, n, sizeof *r, by_series_ts); /* as store_records_sort does */
      exec(db, "BEGIN");
      sq_insert(ins, r, n);
      since_move += (int64_t)n;
      if (hot && (since_move >= move_every || done + (int64_t)n >= records)) {
        exec(db, "INSERT OR REPLACE INTO record(series, ts, value)"
                 " SELECT series, ts, value FROM hot ORDER BY series, ts");
        exec(db, "DELETE FROM hot");
        since_move = 0;
      }
      exec(db, "COMMIT");
      done += (int64_t)n;
    }
    sqlite3_finalize(ins);
    exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    double ingest_s = now_s() - t0;
    read_s = sq_read(db, nseries, &rows);
    sqlite3_close(db);
    int64_t bytes = dir_bytes(dir);
    printf("{\"design\":\"%s\",\"fsync\":%s,\"records\":%" PRId64
           ",\"series\":%u,\"batch\":%" PRId64
           ",\"seconds\":%.3f,\"records_per_s\":%.0f,\"bytes\":%" PRId64
           ",\"bytes_per_record\":%.2f,\"read_200_series_s\":%.4f,\"rows_read\":%" PRId64 "}\n",
           design, full ? "true" : "false", records, nseries, batch, ingest_s,
           (double)records / ingest_s, bytes, (double)bytes / (double)records, read_s, rows);
  } else if (!strcmp(design, "log-segments")) {
    struct logseg s = {.dir = dir, .full = full, .nseries = nseries};
    char p[4096];
    snprintf(p, sizeof p, "%s/log", dir);
    s.log_fd = open(p, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (s.log_fd < 0) die("open log");
    s.cols = calloc(nseries, sizeof *s.cols);
    while (done < records) {
      size_t n = (size_t)(records - done < batch ? records - done : batch);
      load_batch(&l, r, n);
      log_batch(&s, r, n, seal_every);
      done += (int64_t)n;
    }
    if (s.open_records) seal(&s);
    double ingest_s = now_s() - t0;
    read_s = log_read(&s, &rows);
    int64_t bytes = dir_bytes(dir);
    printf("{\"design\":\"log-segments\",\"fsync\":%s,\"records\":%" PRId64
           ",\"series\":%u,\"batch\":%" PRId64 ",\"seal\":%" PRId64
           ",\"seconds\":%.3f,\"records_per_s\":%.0f,\"bytes\":%" PRId64
           ",\"bytes_per_record\":%.2f,\"read_200_series_s\":%.4f,\"rows_read\":%" PRId64 "}\n",
           full ? "true" : "false", records, nseries, batch, seal_every, ingest_s,
           (double)records / ingest_s, bytes, (double)bytes / (double)records, read_s, rows);
  } else {
    fprintf(stderr, "records_designs: unknown design %s\n", design);
    return 2;
  }
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd)) return 1;
  return 0;
}
