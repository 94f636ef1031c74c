/* reclog.c - the records engine of reclog.h: the log of framed batches, the
 * in-memory generations (per-series sorted columns), the sealed segments
 * (mmap'ed, one block per series, an index sorted by series), recovery at
 * open, the sealer thread, retention and the backup's snapshot.
 *
 * A log frame: "ZZLF" | n (u32) | crc32 of the payload | crc32 of these 12
 * bytes | n x (series u32, ts i64, value f64), little-endian as the host
 * (x86-64 and arm64 both are).
 * A segment: header "ZZRSEG1\n" | gen | records | 0, the blocks
 * (reclog_codec.c), the index (RL_IDX bytes a series: series, n, min ts,
 * max ts, offset, length), a footer: index offset | series | crc32 of the
 * index | crc32 of the header | "ZZRSEGE\n". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/fs.h"
#include "core/hash.h"
#include "core/log.h"
#include "store/reclog.h"

int (*reclog_fault)(enum reclog_io what);

#define RL_SEAL_DEFAULT (4 << 20)
#define RL_FRAME_HDR 16
#define RL_REC_BYTES 20
#define RL_SEG_HDR 32
#define RL_SEG_FOOT 32
#define RL_IDX 40
#define RL_FRAME_MAGIC 0x464c5a5au /* "ZZLF" */
#define RL_WBUF (1 << 20)
/* the block cache: slots (a power of two, found by hash, one block each)
 * and the decoded bytes it may hold before it is emptied; a block bigger
 * than an eighth of that is decoded and dropped */
#define RL_BCACHE_SLOTS 4096
#define RL_BCACHE_BYTES ((size_t)64 << 20)

/* ---- one series' records in memory: sorted by ts, each ts once ---- */

struct rl_col {
  int64_t *ts;
  double *v;
  uint32_t n, cap;
};

/* A generation in memory: the open one, or one whose seal is under way. */
struct rl_mem {
  int64_t gen;
  struct rl_col *cols; /* by series id */
  size_t ncols;
  int64_t nrec;
};

struct rl_seg {
  int64_t gen;
  unsigned char *map;
  size_t size;
  const unsigned char *index;
  uint64_t nseries;
  int64_t nrec;
};

struct rl_stg {
  uint32_t series;
  uint32_t prev; /* 1 + index of the series' previous staged record, 0: none */
  int64_t ts;
  double v;
};

/* A slot is live when tag is the low 32 bits of the open transaction;
 * tag 0 is never used by a transaction (see txn_next). */
struct rl_slot {
  uint32_t idx; /* 1 + index into stg */
  uint32_t tag;
};

struct reclog {
  char *dir;
  int writer, sync_full;
  int64_t seal_at;
  /* Readers take it shared; the writer exclusive to change the open
   * generation's columns, the sealer and prune to change the lists. */
  pthread_rwlock_t lock;
  struct rl_mem **mems; /* ascending gen; the last is the open one */
  size_t nmems;
  struct rl_seg *segs; /* ascending gen */
  size_t nsegs;
  /* the log (writer) */
  int log_fd;
  struct reclog_pos pos;  /* committed */
  atomic_llong log_bytes; /* of every log file on disk */
  /* the open transaction (writer) */
  struct rl_stg *stg;
  size_t nstg, stg_cap;
  uint32_t *stg_head; /* by series: 1 + last staged index */
  uint64_t *stg_txn;  /* by series: the transaction stg_head belongs to */
  int64_t *stg_max;   /* by series: the newest ts staged */
  size_t nstg_series;
  /* (series, ts) -> staged record, open addressing: a chain walk per
   * lookup was quadratic when a transaction's bodies came out of time
   * order (four clients posting consecutive chunks) */
  struct rl_slot *slots;
  size_t nslots;      /* a power of two, or 0 */
  uint64_t slots_txn; /* the transaction whose staged records are all in slots:
                         built on the first look-up that needs them, so a
                         transaction staged in time order never pays for it */
  int64_t *stg_min;   /* by series: the oldest ts staged (INT64_MIN at commit:
                         the series is merged, not appended) */
  int unordered;      /* a record was staged older than its series' newest */
  uint32_t *touched;  /* the series staged in the open transaction */
  size_t ntouched, touched_cap;
  struct rl_stg *apply; /* one series' staged records at commit */
  size_t apply_cap;
  uint64_t txn;
  unsigned char *frame;
  size_t frame_cap;
  /* committed frames past opts.applied, handed back by reclog_replay_next
   * (writer, at open): their bytes, how far they were handed back */
  unsigned char *rp;
  size_t rp_len, rp_at;
  struct reclog_rec *rp_recs;
  size_t rp_cap;
  size_t rp_frame; /* bytes of the frame handed back, until its commit */
  /* the sealer */
  pthread_t sealer;
  int sealer_started, stop;
  pthread_mutex_t slock;
  pthread_cond_t scond;
  pthread_mutex_t prune_lock; /* one rewrite of segments at a time */
  int64_t seals, seal_failures;
  /* Bumped (under the exclusive lock) whenever the list of segments or a
   * segment's mapping changes: the block cache below is then stale. */
  uint64_t segs_version;
  /* Sealed blocks the writer decoded to look a record up (reclog_find),
   * kept for the next look-up in the same block (writer only). */
  struct rl_bcache *bcache;
  uint64_t bcache_version;
  size_t bcache_bytes;
};

/* A decoded sealed block, found by (generation, offset in its segment). A
 * transaction that reaches back into sealed time (a late body of a bulk
 * load posted by several clients) looks up one record after another across
 * many series: decoding the series' block for each record made such a
 * transaction cost its records times the block's (28 s for 400,000 records
 * of the 70M world); with the cache, each block is decoded once. */
struct rl_bcache {
  int64_t gen;
  uint64_t off;
  uint32_t n;
  int64_t *ts; /* NULL: an empty slot */
  double *v;
};

static void bcache_clear(struct reclog *L);

/* ---- files ---- */

static int io_fault(enum reclog_io what) {
  int err = reclog_fault ? reclog_fault(what) : 0;
  if (err) errno = err;
  return err;
}

static int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    if (io_fault(RECLOG_IO_WRITE)) return -1;
    ssize_t k = write(fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (k == 0) errno = EIO;
      return -1;
    }
    c += k;
    n -= (size_t)k;
  }
  return 0;
}

static int sync_fd(int fd) {
  if (io_fault(RECLOG_IO_SYNC)) return -1;
  return fdatasync(fd);
}

static int sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = io_fault(RECLOG_IO_SYNC) ? -1 : fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

static void path_of(const struct reclog *L, char *out, size_t cap, const char *kind, int64_t gen,
                    const char *suffix) {
  snprintf(out, cap, "%s/%s-%016" PRIx64 "%s", L->dir, kind, (uint64_t)gen, suffix);
}

/* A failed file call as the store reports it: ZZ_EFULL for a full disk,
 * else ZZ_ESTORE (503: the store failed, retry later). */
static int fail_errno(struct zz_err *e, const char *what, const char *path) {
  int code = zz_errno_full(ZZ_ESTORE);
  if (code == ZZ_EFULL)
    return zz_fail(e, ZZ_EFULL, "store",
                   "the disk is full: the records log cannot grow (%s); nothing of this request "
                   "was stored",
                   path);
  return zz_fail(e, code, "store", "cannot %s the records file %s: %s", what, path,
                 strerror(errno));
}

/* ---- columns ---- */

static void col_free(struct rl_col *c) {
  zz_free(c->ts);
  zz_free(c->v);
}

static void mem_free(struct rl_mem *m) {
  if (!m) return;
  for (size_t i = 0; i < m->ncols; i++) col_free(&m->cols[i]);
  zz_free(m->cols);
  zz_free(m);
}

static struct rl_mem *mem_new(int64_t gen) {
  struct rl_mem *m = zz_calloc(1, sizeof *m);
  if (m) m->gen = gen;
  return m;
}

/* The first index of c with ts >= t. */
static uint32_t col_lower(const struct rl_col *c, int64_t t) {
  uint32_t lo = 0, hi = c->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (c->ts[mid] < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Grows the parallel arrays *ts and *v to cap elements each. 0 or
 * ZZ_ENOMEM (what was grown stays, both still valid). */
static int pair_realloc(int64_t **ts, double **v, size_t cap) {
  int64_t *t = zz_realloc(*ts, cap * sizeof *t);
  if (!t) return ZZ_ENOMEM;
  *ts = t;
  double *x = zz_realloc(*v, cap * sizeof *x);
  if (!x) return ZZ_ENOMEM;
  *v = x;
  return 0;
}

/* Room for series' column in m (grown to hold at least want records). */
static struct rl_col *col_room(struct rl_mem *m, uint32_t series, size_t want) {
  if (series >= m->ncols) {
    size_t n = m->ncols ? m->ncols : 1024;
    while (n <= series) n *= 2;
    struct rl_col *p = zz_realloc(m->cols, n * sizeof *p);
    if (!p) return NULL;
    memset(p + m->ncols, 0, (n - m->ncols) * sizeof *p);
    m->cols = p;
    m->ncols = n;
  }
  struct rl_col *c = &m->cols[series];
  if (want > UINT32_MAX) return NULL;
  if (want > c->cap) {
    size_t cap = c->cap ? c->cap : 16;
    while (cap < want) cap *= 2;
    if (cap > UINT32_MAX) cap = UINT32_MAX;
    if (pair_realloc(&c->ts, &c->v, cap)) return NULL;
    c->cap = (uint32_t)cap;
  }
  return c;
}

/* Merges k records sorted by ts, each ts once, into series' column: one
 * pass over the column's tail from the first new ts (an equal ts replaces
 * the held value), so records older than what the column holds cost a
 * merge, not a move of the tail per record. */
static int mem_merge(struct rl_mem *m, uint32_t series, const struct rl_stg *r, size_t k) {
  const struct rl_col *c0 = series < m->ncols ? &m->cols[series] : NULL;
  size_t n = c0 ? c0->n : 0;
  struct rl_col *c = col_room(m, series, n + k);
  if (!c) return ZZ_ENOMEM;
  if (!n || r[0].ts > c->ts[n - 1]) {
    for (size_t i = 0; i < k; i++) c->ts[n + i] = r[i].ts, c->v[n + i] = r[i].v;
    c->n = (uint32_t)(n + k);
    m->nrec += (int64_t)k;
    return 0;
  }
  /* from the back: the column's tail and the new records, the larger ts
   * first, into the column's room past n + k; equal ts leave a gap that
   * the final move closes */
  uint32_t lo = col_lower(c, r[0].ts);
  size_t i = n, j = k, w = n + k, dups = 0;
  while (j > 0) {
    if (i > lo && c->ts[i - 1] > r[j - 1].ts) {
      i--, w--;
      c->ts[w] = c->ts[i], c->v[w] = c->v[i];
    } else {
      if (i > lo && c->ts[i - 1] == r[j - 1].ts) i--, dups++;
      j--, w--;
      c->ts[w] = r[j].ts, c->v[w] = r[j].v;
    }
  }
  /* what is left of the column below the new records is in place at [lo, i);
   * the merged run is at [w, n + k) with w == i + dups */
  if (dups) {
    memmove(c->ts + i, c->ts + w, (n + k - w) * sizeof *c->ts);
    memmove(c->v + i, c->v + w, (n + k - w) * sizeof *c->v);
  }
  c->n = (uint32_t)(n + k - dups);
  m->nrec += (int64_t)(k - dups);
  return 0;
}

/* Puts (ts, v) into series' column: appended when newest, else inserted
 * in order; an existing ts gets the new value. 0 or ZZ_ENOMEM. */
static int mem_put(struct rl_mem *m, uint32_t series, int64_t ts, double v) {
  struct rl_col *c = col_room(m, series, (series < m->ncols ? m->cols[series].n : 0) + (size_t)1);
  if (!c) return ZZ_ENOMEM;
  uint32_t at = c->n;
  if (c->n && ts <= c->ts[c->n - 1]) {
    at = col_lower(c, ts);
    if (at < c->n && c->ts[at] == ts) {
      c->v[at] = v;
      return 0;
    }
  }
  if (at < c->n) {
    memmove(c->ts + at + 1, c->ts + at, (c->n - at) * sizeof *c->ts);
    memmove(c->v + at + 1, c->v + at, (c->n - at) * sizeof *c->v);
  }
  c->ts[at] = ts;
  c->v[at] = v;
  c->n++;
  m->nrec++;
  return 0;
}

static const struct rl_col *mem_col(const struct rl_mem *m, uint32_t series) {
  return series < m->ncols && m->cols[series].n ? &m->cols[series] : NULL;
}

/* ---- segments ---- */

static uint64_t rd64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static uint32_t rd32(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

struct rl_idx {
  uint32_t series, n;
  int64_t min_ts, max_ts;
  uint64_t off;
  uint32_t len;
};

static void idx_at(const struct rl_seg *s, uint64_t i, struct rl_idx *out) {
  const unsigned char *p = s->index + i * RL_IDX;
  out->series = rd32(p);
  out->n = rd32(p + 4);
  out->min_ts = (int64_t)rd64(p + 8);
  out->max_ts = (int64_t)rd64(p + 16);
  out->off = rd64(p + 24);
  out->len = rd32(p + 32);
}

/* The index entry of series in s: 1, or 0 when s has none. */
static int seg_find(const struct rl_seg *s, uint32_t series, struct rl_idx *out) {
  uint64_t lo = 0, hi = s->nseries;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    uint32_t x = rd32(s->index + mid * RL_IDX);
    if (x == series) {
      idx_at(s, mid, out);
      return 1;
    }
    if (x < series)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

static void seg_unmap(struct rl_seg *s) {
  if (s->map) munmap(s->map, s->size);
  s->map = NULL;
}

/* Maps path and checks its header, index and footer: 0, or -1 (damaged or
 * unreadable: errno, EINVAL when damaged). */
static int seg_load(const char *path, int64_t gen, struct rl_seg *out) {
  memset(out, 0, sizeof *out);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    close(fd);
    return -1;
  }
  size_t size = (size_t)sb.st_size;
  if (size < RL_SEG_HDR + RL_SEG_FOOT) {
    close(fd);
    errno = EINVAL;
    return -1;
  }
  unsigned char *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return -1;
  const unsigned char *f = map + size - RL_SEG_FOOT;
  uint64_t ioff = rd64(f), nser = rd64(f + 8);
  int ok = memcmp(map, "ZZRSEG1\n", 8) == 0 && memcmp(f + 24, "ZZRSEGE\n", 8) == 0 &&
           (int64_t)rd64(map + 8) == gen && ioff >= RL_SEG_HDR && nser <= size / RL_IDX &&
           ioff + nser * RL_IDX == size - RL_SEG_FOOT &&
           (uint32_t)crc32(0L, map + ioff, (uInt)(nser * RL_IDX)) == rd32(f + 16) &&
           (uint32_t)crc32(0L, map, RL_SEG_HDR) == rd32(f + 20);
  if (!ok) {
    munmap(map, size);
    errno = EINVAL;
    return -1;
  }
  *out = (struct rl_seg){.gen = gen,
                         .map = map,
                         .size = size,
                         .index = map + ioff,
                         .nseries = nser,
                         .nrec = (int64_t)rd64(map + 16)};
  return 0;
}

/* A segment being written: buffered blocks, then index and footer. */
struct rl_segw {
  int fd;
  unsigned char *buf;
  size_t nbuf;
  uint64_t off;
  unsigned char *idx;
  size_t nidx, idx_cap;
  unsigned char *blk;
  size_t blk_cap;
  int64_t nrec;
};

static int segw_flush(struct rl_segw *w) {
  if (w->nbuf && write_all(w->fd, w->buf, w->nbuf)) return -1;
  w->nbuf = 0;
  return 0;
}

static int segw_put(struct rl_segw *w, const void *p, size_t n) {
  if (!n) return 0; /* an empty index (every block pruned) */
  if (w->nbuf + n > RL_WBUF && segw_flush(w)) return -1;
  if (n > RL_WBUF) {
    if (write_all(w->fd, p, n)) return -1;
  } else {
    memcpy(w->buf + w->nbuf, p, n);
    w->nbuf += n;
  }
  w->off += n;
  return 0;
}

static int segw_open(struct rl_segw *w, const char *tmp, int64_t gen) {
  memset(w, 0, sizeof *w);
  w->buf = zz_malloc(RL_WBUF);
  if (!w->buf) {
    errno = ENOMEM;
    return -1;
  }
  w->fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (w->fd < 0) return -1;
  unsigned char h[RL_SEG_HDR] = "ZZRSEG1\n";
  uint64_t g = (uint64_t)gen;
  memcpy(h + 8, &g, 8);
  return segw_put(w, h, sizeof h); /* the count is patched at the end */
}

/* Appends one series' block of n records, len bytes at raw, with its index
 * entry. 0, or -1 with errno. */
static int segw_block(struct rl_segw *w, uint32_t series, uint32_t n, int64_t min_ts,
                      int64_t max_ts, const unsigned char *raw, size_t len) {
  while (w->nidx + RL_IDX > w->idx_cap)
    if (zz_grow(&w->idx, &w->idx_cap, w->idx_cap, 1, 64 * RL_IDX)) {
      errno = ENOMEM;
      return -1;
    }
  unsigned char *p = w->idx + w->nidx;
  uint64_t mn = (uint64_t)min_ts, mx = (uint64_t)max_ts, off = w->off;
  uint32_t l32 = (uint32_t)len, z = 0;
  memcpy(p, &series, 4);
  memcpy(p + 4, &n, 4);
  memcpy(p + 8, &mn, 8);
  memcpy(p + 16, &mx, 8);
  memcpy(p + 24, &off, 8);
  memcpy(p + 32, &l32, 4);
  memcpy(p + 36, &z, 4);
  w->nidx += RL_IDX;
  w->nrec += n;
  return segw_put(w, raw, len);
}

/* Encodes and appends one series' records (ts ascending, n > 0). */
static int segw_series(struct rl_segw *w, uint32_t series, const int64_t *ts, const double *v,
                       uint32_t n) {
  if (!n) return 0;
  size_t need = reclog_block_bound(n);
  if (need > w->blk_cap) {
    unsigned char *p = zz_realloc(w->blk, need);
    if (!p) {
      errno = ENOMEM;
      return -1;
    }
    w->blk = p;
    w->blk_cap = need;
  }
  size_t len = reclog_block_encode(ts, v, n, w->blk, w->blk_cap);
  return segw_block(w, series, n, ts[0], ts[n - 1], w->blk, len);
}

/* Writes index and footer, patches the header, syncs, closes and renames
 * tmp to path (and syncs the folder). 0, or -1 with errno. */
static int segw_finish(struct rl_segw *w, const char *dir, const char *tmp, const char *path) {
  uint64_t ioff = w->off, nser = w->nidx / RL_IDX;
  int rc = segw_put(w, w->idx, w->nidx);
  unsigned char h[RL_SEG_HDR] = "ZZRSEG1\n";
  if (!rc) rc = segw_flush(w);
  if (!rc) {
    if (pread(w->fd, h, RL_SEG_HDR, 0) != RL_SEG_HDR) rc = -1;
    uint64_t n = (uint64_t)w->nrec;
    memcpy(h + 16, &n, 8);
    if (!rc && (io_fault(RECLOG_IO_WRITE) || pwrite(w->fd, h, RL_SEG_HDR, 0) != RL_SEG_HDR))
      rc = -1;
  }
  if (!rc) {
    unsigned char f[RL_SEG_FOOT];
    uint32_t ci = (uint32_t)crc32(0L, w->idx, (uInt)w->nidx);
    uint32_t ch = (uint32_t)crc32(0L, h, RL_SEG_HDR);
    memcpy(f, &ioff, 8);
    memcpy(f + 8, &nser, 8);
    memcpy(f + 16, &ci, 4);
    memcpy(f + 20, &ch, 4);
    memcpy(f + 24, "ZZRSEGE\n", 8);
    rc = segw_put(w, f, sizeof f);
  }
  if (!rc) rc = segw_flush(w);
  if (!rc) rc = sync_fd(w->fd);
  int saved = errno;
  if (w->fd >= 0 && close(w->fd) != 0 && !rc) rc = -1, saved = errno;
  w->fd = -1;
  if (!rc && (io_fault(RECLOG_IO_RENAME) || rename(tmp, path) != 0)) rc = -1, saved = errno;
  if (!rc && sync_dir(dir)) rc = -1, saved = errno;
  errno = saved;
  return rc;
}

static void segw_free(struct rl_segw *w, const char *tmp) {
  if (w->fd >= 0) {
    close(w->fd);
    w->fd = -1;
    if (tmp) unlink(tmp);
  }
  zz_free(w->buf);
  zz_free(w->idx);
  zz_free(w->blk);
  w->buf = w->idx = w->blk = NULL;
}

/* Ends a segment written into tmp: when rc (the writing's result) is 0,
 * finishes it as path and maps it into *out; otherwise, or when that
 * fails, removes tmp. 0, or -1 with errno. */
static int segw_done(struct rl_segw *w, const char *dir, const char *tmp, const char *path,
                     int64_t gen, int rc, struct rl_seg *out) {
  if (!rc) rc = segw_finish(w, dir, tmp, path);
  int saved = errno;
  segw_free(w, tmp);
  if (rc) {
    unlink(tmp);
    errno = saved;
    return -1;
  }
  return seg_load(path, gen, out);
}

/* Writes generation m as seg-GEN and maps it into *out. 0, or -1 with errno
 * (nothing left on disk). */
static int seal_mem(struct reclog *L, const struct rl_mem *m, struct rl_seg *out) {
  char tmp[4096], path[4096];
  path_of(L, tmp, sizeof tmp, "seg", m->gen, ".tmp");
  path_of(L, path, sizeof path, "seg", m->gen, "");
  struct rl_segw w;
  int rc = segw_open(&w, tmp, m->gen);
  for (size_t i = 0; !rc && i < m->ncols; i++) {
    const struct rl_col *c = &m->cols[i];
    if (c->n) rc = segw_series(&w, (uint32_t)i, c->ts, c->v, c->n);
  }
  return segw_done(&w, L->dir, tmp, path, m->gen, rc, out);
}

/* ---- the log ---- */

static int64_t file_size(int fd) {
  struct stat sb;
  return fstat(fd, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

/* Replays the frames of fd's first `upto` bytes (-1: all) into m: the
 * offset where the valid frames end, or -1 (out of memory). */
static int64_t replay(int fd, int64_t upto, struct rl_mem *m) {
  int64_t size = file_size(fd);
  if (size < 0) return -1;
  if (upto < 0 || upto > size) upto = size;
  unsigned char *buf = NULL;
  size_t cap = 0;
  int64_t at = 0;
  while (at + RL_FRAME_HDR <= upto) {
    unsigned char h[RL_FRAME_HDR];
    if (pread(fd, h, sizeof h, at) != (ssize_t)sizeof h) break;
    uint32_t n = rd32(h + 4);
    if (rd32(h) != RL_FRAME_MAGIC || rd32(h + 12) != (uint32_t)crc32(0L, h, 12)) break;
    size_t len = (size_t)n * RL_REC_BYTES;
    if (at + RL_FRAME_HDR + (int64_t)len > upto) break;
    if (len > cap) {
      unsigned char *p = zz_realloc(buf, len);
      if (!p) {
        zz_free(buf);
        return -1;
      }
      buf = p, cap = len;
    }
    if (pread(fd, buf, len, at + RL_FRAME_HDR) != (ssize_t)len) break;
    if ((uint32_t)crc32(0L, buf, (uInt)len) != rd32(h + 8)) break;
    for (uint32_t i = 0; i < n; i++) {
      const unsigned char *r = buf + (size_t)i * RL_REC_BYTES;
      int64_t ts = (int64_t)rd64(r + 4);
      double v;
      memcpy(&v, r + 12, 8);
      if (mem_put(m, rd32(r), ts, v)) {
        zz_free(buf);
        return -1;
      }
    }
    at += RL_FRAME_HDR + (int64_t)len;
  }
  zz_free(buf);
  return at;
}

/* ---- the sealer ---- */

static void *sealer_main(void *arg) {
  struct reclog *L = arg;
  pthread_setname_np(pthread_self(), "zz-sealer");
  pthread_mutex_lock(&L->slock);
  while (!L->stop) {
    pthread_rwlock_rdlock(&L->lock);
    struct rl_mem *m = L->nmems > 1 ? L->mems[0] : NULL;
    pthread_rwlock_unlock(&L->lock);
    if (!m) {
      pthread_cond_wait(&L->scond, &L->slock);
      continue;
    }
    pthread_mutex_unlock(&L->slock);
    /* The frozen generation is never changed again, so it is read without
     * the lock while it is written out. */
    struct rl_seg seg;
    int rc = seal_mem(L, m, &seg);
    int saved = errno;
    pthread_mutex_lock(&L->slock);
    if (rc) {
      L->seal_failures++;
      zz_warn("records: sealing generation %" PRId64 " failed (%s); its records stay in memory "
              "and in its log, retried in 10 s",
              m->gen, strerror(saved));
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_sec += 10;
      if (!L->stop) pthread_cond_timedwait(&L->scond, &L->slock, &until);
      continue;
    }
    pthread_rwlock_wrlock(&L->lock);
    struct rl_seg *p = zz_realloc(L->segs, (L->nsegs + 1) * sizeof *p);
    if (p) {
      L->segs = p;
      L->segs[L->nsegs++] = seg;
      L->segs_version++;
      memmove(L->mems, L->mems + 1, (L->nmems - 1) * sizeof *L->mems);
      L->nmems--;
    }
    pthread_rwlock_unlock(&L->lock);
    if (!p) { /* out of memory: keep the generation in memory, try again */
      seg_unmap(&seg);
      continue;
    }
    char path[4096];
    path_of(L, path, sizeof path, "log", m->gen, "");
    struct stat sb;
    if (stat(path, &sb) == 0) L->log_bytes -= (int64_t)sb.st_size;
    unlink(path); /* the segment holds it now */
    L->seals++;
    mem_free(m);
  }
  pthread_mutex_unlock(&L->slock);
  return NULL;
}

/* ---- open ---- */

struct gens {
  int64_t *g;
  size_t n, cap;
};

static int gens_add(struct gens *x, int64_t g) {
  if (zz_grow(&x->g, &x->cap, x->n, sizeof *x->g, 16)) return ZZ_ENOMEM;
  x->g[x->n++] = g;
  return 0;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int gens_has(const struct gens *x, int64_t g) {
  for (size_t i = 0; i < x->n; i++)
    if (x->g[i] == g) return 1;
  return 0;
}

/* Lists DIR's logs and segments (a writer removes leftover .tmp files). */
static int scan_dir(struct reclog *L, struct gens *logs, struct gens *segs) {
  DIR *d = opendir(L->dir);
  if (!d) return -1;
  struct dirent *de;
  int rc = 0;
  while (!rc && (de = readdir(d))) {
    unsigned long long g;
    char tail[8];
    int kind = 0;
    if (sscanf(de->d_name, "log-%16llx%7s", &g, tail) == 1 && strlen(de->d_name) == 20)
      kind = 1;
    else if (sscanf(de->d_name, "seg-%16llx%7s", &g, tail) == 1 && strlen(de->d_name) == 20)
      kind = 2;
    else if (L->writer && strncmp(de->d_name, "seg-", 4) == 0 && strstr(de->d_name, ".tmp")) {
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", L->dir, de->d_name);
      unlink(p);
    }
    if (kind == 1) rc = gens_add(logs, (int64_t)g);
    if (kind == 2) rc = gens_add(segs, (int64_t)g);
  }
  closedir(d);
  if (logs->n) qsort(logs->g, logs->n, sizeof *logs->g, cmp_i64);
  if (segs->n) qsort(segs->g, segs->n, sizeof *segs->g, cmp_i64);
  return rc;
}

static int push_mem(struct reclog *L, struct rl_mem *m) {
  struct rl_mem **p = zz_realloc(L->mems, (L->nmems + 1) * sizeof *p);
  if (!p) return ZZ_ENOMEM;
  L->mems = p;
  L->mems[L->nmems++] = m;
  return 0;
}

static int open_files(struct reclog *L, const struct reclog_pos *c, const struct reclog_pos *a,
                      struct zz_err *e) {
  struct gens logs = {0}, segs = {0};
  char path[4096];
  int rc = 0, changed = 0; /* a file made or removed: the folder is synced */
  if (scan_dir(L, &logs, &segs) && !(errno == ENOENT && !L->writer)) {
    rc = zz_fail(e, ZZ_EIO, "store", "cannot list the records folder %s: %s", L->dir,
                 strerror(errno));
    goto done;
  }
  for (size_t i = 0; i < segs.n; i++) {
    int64_t g = segs.g[i];
    /* sealed after the position this reader opens at (a reader beside a
     * running writer): past what its snapshot holds */
    if (g >= c->gen) continue;
    path_of(L, path, sizeof path, "seg", g, "");
    struct rl_seg s;
    if (seg_load(path, g, &s) != 0) {
      /* a segment whose log is still there was cut short by a crash while
       * it was written: the log is replayed and sealed again */
      if (L->writer && g < c->gen && gens_has(&logs, g) && errno == EINVAL) {
        zz_warn("records: %s is damaged; replaying its log instead", path);
        unlink(path);
        changed = 1;
        continue;
      }
      rc = zz_fail(e, ZZ_EIO, "store", "the records segment %s is damaged or unreadable (%s)", path,
                   strerror(errno));
      goto done;
    }
    struct rl_seg *p = zz_realloc(L->segs, (L->nsegs + 1) * sizeof *p);
    if (!p) {
      seg_unmap(&s);
      rc = zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
      goto done;
    }
    L->segs = p;
    L->segs[L->nsegs++] = s;
  }
  for (size_t i = 0; i < logs.n; i++) {
    int64_t g = logs.g[i];
    path_of(L, path, sizeof path, "log", g, "");
    int sealed = 0;
    for (size_t k = 0; k < L->nsegs; k++) sealed |= L->segs[k].gen == g;
    if (g > c->gen || (sealed && g != c->gen)) {
      /* never committed (a rotation whose commit did not happen), or sealed
       * already */
      if (L->writer) unlink(path), changed = 1;
      continue;
    }
    if (g == c->gen) continue; /* below, after the older ones */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct rl_mem *m = mem_new(g);
    int64_t at = fd >= 0 && m ? replay(fd, -1, m) : -1;
    int64_t size = fd >= 0 ? file_size(fd) : -1;
    if (fd >= 0) close(fd);
    if (at < 0 || !m || push_mem(L, m)) {
      mem_free(m);
      rc = zz_fail(e, ZZ_EIO, "store", "cannot read the records log %s: %s", path,
                   fd < 0 ? strerror(errno) : "out of memory");
      goto done;
    }
    if (at != size)
      zz_warn("records: %s ends in %" PRId64 " bytes that are not a whole frame; they were "
              "never acknowledged",
              path, size - at);
    L->log_bytes += size;
  }
  /* the open generation: its committed frames */
  path_of(L, path, sizeof path, "log", c->gen, "");
  struct rl_mem *m = mem_new(c->gen);
  if (!m || push_mem(L, m)) {
    mem_free(m);
    rc = zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
    goto done;
  }
  struct stat sb;
  if (L->writer && stat(path, &sb) != 0) changed = 1;
  int fd = open(path, L->writer ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0640);
  if (fd < 0 && !(errno == ENOENT && c->end == 0)) {
    rc = zz_fail(e, ZZ_EIO, "store", "cannot open the records log %s: %s", path, strerror(errno));
    goto done;
  }
  if (fd >= 0) {
    int64_t size = file_size(fd);
    if (size < c->end) {
      close(fd);
      rc = zz_fail(e, ZZ_EIO, "store",
                   "the records log %s holds %lld bytes where %lld were committed: records are "
                   "missing",
                   path, (long long)size, (long long)c->end);
      goto done;
    }
    if (L->writer && size > c->end && ftruncate(fd, c->end) != 0) {
      close(fd);
      rc = fail_errno(e, "cut", path);
      goto done;
    }
    /* a writer whose derived state (rollups) holds less than was
     * committed loads up to that point; the rest is handed back frame by
     * frame (reclog_replay_next) and made visible as it is applied */
    int64_t upto = a->end < c->end ? a->end : c->end;
    int64_t at = replay(fd, upto, m);
    if (at != upto) {
      close(fd);
      rc = zz_fail(e, ZZ_EIO, "store",
                   "the records log %s is damaged at byte %lld (committed up to %lld)", path,
                   (long long)at, (long long)c->end);
      goto done;
    }
    if (upto < c->end) {
      L->rp_len = (size_t)(c->end - upto);
      L->rp = zz_malloc(L->rp_len);
      if (!L->rp || pread(fd, L->rp, L->rp_len, upto) != (ssize_t)L->rp_len) {
        close(fd);
        rc = zz_fail(e, ZZ_EIO, "store", "cannot read the records log %s: %s", path,
                     L->rp ? strerror(errno) : "out of memory");
        goto done;
      }
      L->pos.end = upto; /* each replayed frame's commit moves it on */
    }
    L->log_bytes += upto;
    if (L->writer) {
      if (lseek(fd, c->end, SEEK_SET) < 0) {
        close(fd);
        rc = fail_errno(e, "seek in", path);
        goto done;
      }
      L->log_fd = fd;
    } else {
      close(fd);
    }
  }
  if (changed && sync_dir(L->dir)) rc = fail_errno(e, "sync", L->dir);
done:
  zz_free(logs.g);
  zz_free(segs.g);
  return rc;
}

int reclog_open(const struct reclog_opts *o, struct reclog **out, struct zz_err *e) {
  struct reclog *L = zz_calloc(1, sizeof *L);
  if (!L) return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  L->dir = zz_strdup(o->dir);
  L->writer = o->writer;
  L->sync_full = o->sync_full;
  L->seal_at = o->seal_records > 0 ? o->seal_records : RL_SEAL_DEFAULT;
  L->log_fd = -1;
  L->txn = 1; /* slot tag 0 means empty */
  L->pos = o->committed;
  if (L->pos.gen < 1) L->pos = (struct reclog_pos){1, 0};
  pthread_rwlock_init(&L->lock, NULL);
  pthread_mutex_init(&L->slock, NULL);
  pthread_cond_init(&L->scond, NULL);
  pthread_mutex_init(&L->prune_lock, NULL);
  int rc = 0;
  if (!L->dir) rc = zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  if (!rc && L->writer && (rc = zz_mkdir_p(L->dir)))
    zz_fail(e, rc, "store", "cannot create the records folder %s: %s", L->dir, strerror(errno));
  /* applied: where the caller's derived state stands; the same generation
   * as committed, at or before its end (a reader opens at it: committed) */
  struct reclog_pos committed = L->pos, applied = o->applied;
  if (applied.gen < 1 || !L->writer) applied = committed;
  if (!rc && (applied.gen != committed.gen || applied.end > committed.end))
    rc = zz_fail(e, ZZ_EIO, "store",
                 "the rollups stand at generation %lld byte %lld of the records log, which is "
                 "not within what was committed (generation %lld, %lld bytes)",
                 (long long)applied.gen, (long long)applied.end, (long long)committed.gen,
                 (long long)committed.end);
  if (!rc) rc = open_files(L, &committed, &applied, e);
  if (!rc && L->writer) {
    if (pthread_create(&L->sealer, NULL, sealer_main, L) != 0)
      rc = zz_fail(e, ZZ_EINTERNAL, "store", "cannot start the records sealer");
    else
      L->sealer_started = 1;
  }
  if (rc) {
    reclog_close(L);
    return rc;
  }
  *out = L;
  return 0;
}

void reclog_close(struct reclog *L) {
  if (!L) return;
  if (L->sealer_started) {
    pthread_mutex_lock(&L->slock);
    L->stop = 1;
    pthread_cond_signal(&L->scond);
    pthread_mutex_unlock(&L->slock);
    pthread_join(L->sealer, NULL);
  }
  if (L->log_fd >= 0) close(L->log_fd);
  for (size_t i = 0; i < L->nmems; i++) mem_free(L->mems[i]);
  for (size_t i = 0; i < L->nsegs; i++) seg_unmap(&L->segs[i]);
  zz_free(L->mems);
  zz_free(L->segs);
  zz_free(L->stg);
  zz_free(L->stg_head);
  zz_free(L->stg_txn);
  zz_free(L->stg_max);
  zz_free(L->stg_min);
  zz_free(L->slots);
  zz_free(L->touched);
  zz_free(L->apply);
  zz_free(L->frame);
  zz_free(L->rp);
  zz_free(L->rp_recs);
  bcache_clear(L);
  zz_free(L->bcache);
  pthread_rwlock_destroy(&L->lock);
  pthread_mutex_destroy(&L->slock);
  pthread_cond_destroy(&L->scond);
  pthread_mutex_destroy(&L->prune_lock);
  zz_free(L->dir);
  zz_free(L);
}

/* ---- reading ---- */

/* One source of a read: a slice of sorted records. */
struct rl_src {
  const int64_t *ts;
  const double *v;
  size_t n, at;
};

struct rl_gather {
  int64_t *ts;
  double *v;
  size_t n, cap;
  struct rl_src *src;
  size_t *off; /* where each source starts in ts/v (they move as those grow) */
  size_t nsrc, src_cap;
};

static int gather_room(struct rl_gather *g, size_t more) {
  if (g->n + more <= g->cap) return 0;
  size_t cap = g->cap ? g->cap : 1024;
  while (cap < g->n + more) cap *= 2;
  if (pair_realloc(&g->ts, &g->v, cap)) return ZZ_ENOMEM;
  g->cap = cap;
  return 0;
}

/* Adds the records of [ts, ts + n) within [from, to) as one source. */
static int gather_add(struct rl_gather *g, const int64_t *ts, const double *v, size_t n,
                      int64_t from, int64_t to) {
  size_t a = 0;
  while (a < n && ts[a] < from) a++; /* blocks are small; columns use col_lower below */
  size_t z = a;
  while (z < n && ts[z] < to) z++;
  if (z == a) return 0;
  if (g->nsrc == g->src_cap) {
    size_t cap = g->src_cap ? g->src_cap * 2 : 8;
    struct rl_src *s = zz_realloc(g->src, cap * sizeof *s);
    if (!s) return ZZ_ENOMEM;
    g->src = s;
    size_t *o = zz_realloc(g->off, cap * sizeof *o);
    if (!o) return ZZ_ENOMEM;
    g->off = o;
    g->src_cap = cap;
  }
  if (gather_room(g, z - a)) return ZZ_ENOMEM;
  memcpy(g->ts + g->n, ts + a, (z - a) * sizeof *ts);
  memcpy(g->v + g->n, v + a, (z - a) * sizeof *v);
  g->off[g->nsrc] = g->n;
  g->src[g->nsrc++] = (struct rl_src){.n = z - a};
  g->n += z - a;
  return 0;
}

static int cmp_stg_ts(const void *a, const void *b) {
  int64_t x = ((const struct rl_stg *)a)->ts, y = ((const struct rl_stg *)b)->ts;
  return x < y ? -1 : x > y;
}

/* The records staged for series within [from, to), sorted, as the newest
 * source (the writer's own reads inside its transaction). */
static int gather_staged(struct reclog *L, uint32_t series, int64_t from, int64_t to,
                         struct rl_gather *g) {
  if (series >= L->nstg_series || L->stg_txn[series] != L->txn) return 0;
  size_t n = 0;
  for (uint32_t i = L->stg_head[series]; i; i = L->stg[i - 1].prev) n++;
  struct rl_stg *tmp = zz_malloc((n ? n : 1) * sizeof *tmp);
  int64_t *t = zz_malloc((n ? n : 1) * sizeof *t);
  double *v = zz_malloc((n ? n : 1) * sizeof *v);
  int rc = tmp && t && v ? 0 : ZZ_ENOMEM;
  if (!rc) {
    size_t k = 0;
    for (uint32_t i = L->stg_head[series]; i; i = L->stg[i - 1].prev) tmp[k++] = L->stg[i - 1];
    qsort(tmp, n, sizeof *tmp, cmp_stg_ts); /* each ts is staged once */
    for (size_t i = 0; i < n; i++) t[i] = tmp[i].ts, v[i] = tmp[i].v;
    rc = gather_add(g, t, v, n, from, to);
  }
  zz_free(tmp);
  zz_free(t);
  zz_free(v);
  return rc;
}

static int gather(struct reclog *L, uint32_t series, int64_t from, int64_t to, int staged,
                  struct rl_gather *g) {
  int rc = 0;
  int64_t *bts = NULL;
  double *bv = NULL;
  uint32_t bcap = 0;
  pthread_rwlock_rdlock(&L->lock);
  for (size_t i = 0; !rc && i < L->nsegs; i++) {
    struct rl_idx x;
    if (!seg_find(&L->segs[i], series, &x) || x.max_ts < from || x.min_ts >= to) continue;
    if (x.off + x.len > L->segs[i].size) {
      rc = ZZ_EIO;
      break;
    }
    if (x.n > bcap) {
      zz_free(bts);
      zz_free(bv);
      bts = zz_malloc((size_t)x.n * sizeof *bts);
      bv = zz_malloc((size_t)x.n * sizeof *bv);
      bcap = x.n;
      if (!bts || !bv) {
        rc = ZZ_ENOMEM;
        break;
      }
    }
    int64_t n = reclog_block_decode(L->segs[i].map + x.off, x.len, bts, bv, x.n);
    if (n != (int64_t)x.n) {
      zz_error("records: segment %016" PRIx64 " has a damaged block for series %u",
               (uint64_t)L->segs[i].gen, series);
      rc = ZZ_EIO;
      break;
    }
    rc = gather_add(g, bts, bv, (size_t)n, from, to);
  }
  for (size_t i = 0; !rc && i < L->nmems; i++) {
    const struct rl_col *c = mem_col(L->mems[i], series);
    if (!c) continue;
    uint32_t a = col_lower(c, from), z = col_lower(c, to);
    if (z > a) rc = gather_add(g, c->ts + a, c->v + a, z - a, INT64_MIN, INT64_MAX);
  }
  pthread_rwlock_unlock(&L->lock);
  zz_free(bts);
  zz_free(bv);
  if (!rc && staged) rc = gather_staged(L, series, from, to, g);
  for (size_t i = 0; i < g->nsrc; i++) {
    g->src[i].ts = g->ts + g->off[i];
    g->src[i].v = g->v + g->off[i];
  }
  return rc;
}

static void gather_free(struct rl_gather *g) {
  zz_free(g->ts);
  zz_free(g->v);
  zz_free(g->src);
  zz_free(g->off);
}

static int read_from(struct reclog *L, uint32_t series, int64_t from, int64_t to, int64_t limit,
                     int staged, int (*fn)(void *ud, int64_t ts, double value), void *ud) {
  struct rl_gather g = {0};
  int rc = gather(L, series, from, to, staged, &g);
  int64_t sent = 0;
  /* Sources are in write order (older segments, then memory): a later one
   * wins a timestamp they share. Usually they do not overlap, and each is
   * sent whole in turn. */
  while (!rc && (limit <= 0 || sent < limit)) {
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < g.nsrc; i++) {
      struct rl_src *s = &g.src[i];
      if (s->at == s->n) continue;
      if (best == SIZE_MAX || s->ts[s->at] <= g.src[best].ts[g.src[best].at]) best = i;
    }
    if (best == SIZE_MAX) break;
    int64_t t = g.src[best].ts[g.src[best].at];
    double v = g.src[best].v[g.src[best].at];
    for (size_t i = 0; i < g.nsrc; i++) /* the same ts in the others is overwritten */
      if (g.src[i].at < g.src[i].n && g.src[i].ts[g.src[i].at] == t) g.src[i].at++;
    sent++;
    if (fn(ud, t, v)) break;
  }
  gather_free(&g);
  return rc;
}

int reclog_read(struct reclog *L, uint32_t series, int64_t from, int64_t to, int64_t limit,
                int (*fn)(void *ud, int64_t ts, double value), void *ud) {
  return read_from(L, series, from, to, limit, 0, fn, ud);
}

struct mm {
  int64_t n;
  double mn, mx;
};

static int mm_fold(void *ud, int64_t ts, double v) {
  (void)ts;
  struct mm *m = ud;
  if (!m->n || v < m->mn) m->mn = v;
  if (!m->n || v > m->mx) m->mx = v;
  m->n++;
  return 0;
}

int reclog_minmax(struct reclog *L, uint32_t series, int64_t from, int64_t to, int64_t *n,
                  double *mn, double *mx) {
  struct mm m = {0};
  int rc = read_from(L, series, from, to, 0, 1, mm_fold, &m);
  *n = m.n;
  *mn = m.mn;
  *mx = m.mx;
  return rc;
}

/* ---- the writer ---- */

static int stg_room(struct reclog *L, uint32_t series) {
  if (series < L->nstg_series) return 0;
  size_t n = L->nstg_series ? L->nstg_series : 1024;
  while (n <= series) n *= 2;
  uint32_t *h = zz_realloc(L->stg_head, n * sizeof *h);
  if (!h) return ZZ_ENOMEM;
  L->stg_head = h;
  uint64_t *t = zz_realloc(L->stg_txn, n * sizeof *t);
  if (!t) return ZZ_ENOMEM;
  L->stg_txn = t;
  int64_t *m = zz_realloc(L->stg_max, n * sizeof *m);
  if (!m) return ZZ_ENOMEM;
  L->stg_max = m;
  int64_t *mn = zz_realloc(L->stg_min, n * sizeof *mn);
  if (!mn) return ZZ_ENOMEM;
  L->stg_min = mn;
  memset(L->stg_txn + L->nstg_series, 0xff, (n - L->nstg_series) * sizeof *t);
  L->nstg_series = n;
  return 0;
}

static size_t slot_of(uint32_t series, int64_t ts, size_t mask) {
  uint64_t x = (uint64_t)ts * 0x9E3779B97F4A7C15u ^ (uint64_t)series * 0xC2B2AE3D27D4EB4Fu;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9u;
  x ^= x >> 29;
  return (size_t)x & mask;
}

static void slot_put(struct rl_slot *slots, size_t mask, uint32_t tag, const struct rl_stg *r,
                     uint32_t idx) {
  size_t i = slot_of(r->series, r->ts, mask);
  while (slots[i].tag == tag) i = (i + 1) & mask;
  slots[i] = (struct rl_slot){idx, tag};
}

/* Room in the slots for one more staged record (at most half full); when
 * the table grows, the staged records are put in again if they were in.
 * 0 or ZZ_ENOMEM. */
static int slot_room(struct reclog *L) {
  if ((L->nstg + 1) * 2 <= L->nslots) return 0;
  size_t n = L->nslots ? L->nslots : 8192;
  while ((L->nstg + 1) * 2 > n) n *= 2;
  struct rl_slot *sl = zz_calloc(n, sizeof *sl);
  if (!sl) return ZZ_ENOMEM;
  uint32_t tag = (uint32_t)L->txn;
  if (L->slots_txn == L->txn)
    for (size_t i = 0; i < L->nstg; i++) slot_put(sl, n - 1, tag, &L->stg[i], (uint32_t)i + 1);
  zz_free(L->slots);
  L->slots = sl;
  L->nslots = n;
  return 0;
}

/* Puts every staged record of the open transaction in the slots, once. */
static int slots_build(struct reclog *L) {
  if (L->slots_txn == L->txn) return 0;
  if (slot_room(L)) return ZZ_ENOMEM; /* (not built yet: nothing carried over) */
  uint32_t tag = (uint32_t)L->txn;
  for (size_t i = 0; i < L->nstg; i++)
    slot_put(L->slots, L->nslots - 1, tag, &L->stg[i], (uint32_t)i + 1);
  L->slots_txn = L->txn;
  return 0;
}

/* The staged record of (series, ts), or NULL. */
static struct rl_stg *stg_find(struct reclog *L, uint32_t series, int64_t ts) {
  if (series >= L->nstg_series || L->stg_txn[series] != L->txn || ts > L->stg_max[series] ||
      ts < L->stg_min[series])
    return NULL;
  struct rl_stg *last = &L->stg[L->stg_head[series] - 1];
  if (last->ts == ts) return last; /* the same ts again, the commonest repeat */
  if (slots_build(L)) {
    /* no memory for the index: the series' own staged records, one by one */
    for (uint32_t i = L->stg_head[series]; i; i = L->stg[i - 1].prev)
      if (L->stg[i - 1].ts == ts) return &L->stg[i - 1];
    return NULL;
  }
  uint32_t tag = (uint32_t)L->txn;
  size_t mask = L->nslots - 1;
  for (size_t i = slot_of(series, ts, mask);; i = (i + 1) & mask) {
    const struct rl_slot *sl = &L->slots[i];
    if (sl->tag != tag) return NULL;
    struct rl_stg *r = &L->stg[sl->idx - 1];
    if (r->series == series && r->ts == ts) return r;
  }
}

/* The next transaction. Slots of older ones are stale by their tag; when
 * the 32-bit tag comes round to 0 they are wiped, so tag 0 never matches. */
static void txn_next(struct reclog *L) {
  L->nstg = 0;
  L->ntouched = 0;
  L->unordered = 0;
  if ((uint32_t)++L->txn == 0) {
    if (L->slots) memset(L->slots, 0, L->nslots * sizeof *L->slots);
    L->txn++;
  }
}

static void bcache_clear(struct reclog *L) {
  if (!L->bcache) return;
  for (size_t i = 0; i < RL_BCACHE_SLOTS; i++) {
    zz_free(L->bcache[i].ts);
    zz_free(L->bcache[i].v);
    L->bcache[i].ts = NULL;
    L->bcache[i].v = NULL;
  }
  L->bcache_bytes = 0;
}

/* Decodes x's block of s into a fresh pair of arrays; 0, or -1 when out of
 * memory or the block does not decode. */
static int block_decode(const struct rl_seg *s, const struct rl_idx *x, int64_t **ts, double **v) {
  *ts = zz_malloc((size_t)x->n * sizeof **ts);
  *v = zz_malloc((size_t)x->n * sizeof **v);
  if (*ts && *v && x->off + x->len <= s->size &&
      reclog_block_decode(s->map + x->off, x->len, *ts, *v, x->n) == (int64_t)x->n)
    return 0;
  zz_free(*ts);
  zz_free(*v);
  *ts = NULL, *v = NULL;
  return -1;
}

/* Looks ts up in x's block of s (the writer, under the shared lock),
 * through the block cache. */
static int block_find(struct reclog *L, const struct rl_seg *s, const struct rl_idx *x, int64_t ts,
                      double *old) {
  if (L->bcache_version != L->segs_version) {
    bcache_clear(L);
    L->bcache_version = L->segs_version;
  }
  if (!L->bcache) L->bcache = zz_calloc(RL_BCACHE_SLOTS, sizeof *L->bcache);
  size_t bytes = (size_t)x->n * (sizeof(int64_t) + sizeof(double));
  struct rl_bcache *b = NULL;
  if (L->bcache && bytes <= RL_BCACHE_BYTES / 8) {
    uint64_t h = zz_hash_u64((uint64_t)s->gen * 0x9e3779b97f4a7c15ULL ^ x->off);
    b = &L->bcache[h & (RL_BCACHE_SLOTS - 1)];
    if (!b->ts || b->gen != s->gen || b->off != x->off) {
      if (L->bcache_bytes + bytes > RL_BCACHE_BYTES) bcache_clear(L);
      if (b->ts) L->bcache_bytes -= (size_t)b->n * (sizeof(int64_t) + sizeof(double));
      zz_free(b->ts);
      zz_free(b->v);
      b->ts = NULL, b->v = NULL;
      if (block_decode(s, x, &b->ts, &b->v)) return 0;
      b->gen = s->gen, b->off = x->off, b->n = x->n;
      L->bcache_bytes += bytes;
    }
  }
  int64_t *t = b ? b->ts : NULL;
  double *v = b ? b->v : NULL;
  if (!b && block_decode(s, x, &t, &v)) return 0;
  struct rl_col c = {.ts = t, .v = v, .n = x->n};
  uint32_t at = col_lower(&c, ts);
  int found = at < c.n && t[at] == ts;
  if (found) *old = v[at];
  if (!b) {
    zz_free(t);
    zz_free(v);
  }
  return found;
}

int reclog_replay_next(struct reclog *L, const struct reclog_rec **recs, size_t *n,
                       struct zz_err *e) {
  *recs = NULL;
  *n = 0;
  if (!L->rp) return 0;
  if (L->rp_at >= L->rp_len) {
    zz_free(L->rp);
    zz_free(L->rp_recs);
    L->rp = NULL, L->rp_recs = NULL;
    L->rp_len = L->rp_at = L->rp_cap = 0;
    return 0;
  }
  const unsigned char *h = L->rp + L->rp_at;
  size_t left = L->rp_len - L->rp_at;
  uint32_t k = left >= RL_FRAME_HDR ? rd32(h + 4) : 0;
  size_t len = (size_t)k * RL_REC_BYTES;
  /* committed bytes: a frame that does not check is damage, not a tail */
  if (left < RL_FRAME_HDR || rd32(h) != RL_FRAME_MAGIC ||
      rd32(h + 12) != (uint32_t)crc32(0L, h, 12) || len > left - RL_FRAME_HDR ||
      (uint32_t)crc32(0L, h + RL_FRAME_HDR, (uInt)len) != rd32(h + 8))
    return zz_fail(e, ZZ_EIO, "store",
                   "the records log of generation %lld is damaged at byte %lld (committed)",
                   (long long)L->pos.gen, (long long)L->pos.end);
  if (k > L->rp_cap) {
    struct reclog_rec *p = zz_realloc(L->rp_recs, (size_t)k * sizeof *p);
    if (!p) return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
    L->rp_recs = p;
    L->rp_cap = k;
  }
  for (uint32_t i = 0; i < k; i++) {
    const unsigned char *r = h + RL_FRAME_HDR + (size_t)i * RL_REC_BYTES;
    L->rp_recs[i].series = rd32(r);
    L->rp_recs[i].ts = (int64_t)rd64(r + 4);
    memcpy(&L->rp_recs[i].value, r + 12, 8);
  }
  L->rp_at += RL_FRAME_HDR + len;
  L->rp_frame = RL_FRAME_HDR + len;
  *recs = L->rp_recs;
  *n = k;
  return 1;
}

int reclog_find(struct reclog *L, uint32_t series, int64_t ts, double *old) {
  struct rl_stg *s = stg_find(L, series, ts);
  if (s) {
    *old = s->v;
    return 1;
  }
  int found = 0;
  pthread_rwlock_rdlock(&L->lock);
  for (size_t i = L->nmems; !found && i-- > 0;) {
    const struct rl_col *c = mem_col(L->mems[i], series);
    if (!c) continue;
    uint32_t at = col_lower(c, ts);
    if (at < c->n && c->ts[at] == ts) {
      *old = c->v[at];
      found = 1;
    }
  }
  for (size_t i = L->nsegs; !found && i-- > 0;) {
    struct rl_idx x;
    if (seg_find(&L->segs[i], series, &x) && ts >= x.min_ts && ts <= x.max_ts)
      found = block_find(L, &L->segs[i], &x, ts, old);
  }
  pthread_rwlock_unlock(&L->lock);
  return found;
}

int reclog_stage(struct reclog *L, uint32_t series, int64_t ts, double value) {
  struct rl_stg *s = stg_find(L, series, ts);
  if (s) {
    s->v = value;
    return 0;
  }
  if (stg_room(L, series) || (L->slots_txn == L->txn && slot_room(L))) return ZZ_ENOMEM;
  if (L->nstg >= UINT32_MAX - 1) return ZZ_ENOMEM;
  if (zz_grow(&L->stg, &L->stg_cap, L->nstg, sizeof *L->stg, 4096)) return ZZ_ENOMEM;
  if (L->stg_txn[series] != L->txn) {
    if (zz_grow(&L->touched, &L->touched_cap, L->ntouched, sizeof *L->touched, 1024))
      return ZZ_ENOMEM;
    L->touched[L->ntouched++] = series;
    L->stg_txn[series] = L->txn;
    L->stg_head[series] = 0;
    L->stg_max[series] = INT64_MIN;
    L->stg_min[series] = ts;
  }
  L->stg[L->nstg] = (struct rl_stg){series, L->stg_head[series], ts, value};
  if (L->slots_txn == L->txn)
    slot_put(L->slots, L->nslots - 1, (uint32_t)L->txn, &L->stg[L->nstg], (uint32_t)L->nstg + 1);
  L->stg_head[series] = (uint32_t)++L->nstg;
  if (ts < L->stg_max[series]) L->unordered = 1;
  if (ts > L->stg_max[series]) L->stg_max[series] = ts;
  if (ts < L->stg_min[series]) L->stg_min[series] = ts;
  return 0;
}

size_t reclog_staged(const struct reclog *L) {
  return L->nstg;
}

int reclog_flush(struct reclog *L, struct reclog_pos *out, struct zz_err *e) {
  *out = L->pos;
  if (!L->nstg) return 0;
  char path[4096];
  path_of(L, path, sizeof path, "log", L->pos.gen, "");
  if (L->log_fd < 0) return zz_fail(e, ZZ_ESTORE, "store", "the records log %s is not open", path);
  size_t len = L->nstg * RL_REC_BYTES;
  if (len > UINT32_MAX) return zz_fail(e, ZZ_ETOOBIG, "store", "too many records in one commit");
  if (RL_FRAME_HDR + len > L->frame_cap) {
    unsigned char *p = zz_realloc(L->frame, RL_FRAME_HDR + len);
    if (!p) return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
    L->frame = p;
    L->frame_cap = RL_FRAME_HDR + len;
  }
  unsigned char *f = L->frame, *r = f + RL_FRAME_HDR;
  for (size_t i = 0; i < L->nstg; i++, r += RL_REC_BYTES) {
    memcpy(r, &L->stg[i].series, 4);
    memcpy(r + 4, &L->stg[i].ts, 8);
    memcpy(r + 12, &L->stg[i].v, 8);
  }
  uint32_t magic = RL_FRAME_MAGIC, n = (uint32_t)L->nstg,
           crc = (uint32_t)crc32(0L, f + RL_FRAME_HDR, (uInt)len);
  memcpy(f, &magic, 4);
  memcpy(f + 4, &n, 4);
  memcpy(f + 8, &crc, 4);
  uint32_t hcrc = (uint32_t)crc32(0L, f, 12);
  memcpy(f + 12, &hcrc, 4);
  if (write_all(L->log_fd, f, RL_FRAME_HDR + len) || (L->sync_full && sync_fd(L->log_fd))) {
    int rc = fail_errno(e, "write", path);
    int saved = errno;
    if (ftruncate(L->log_fd, L->pos.end) != 0 || lseek(L->log_fd, L->pos.end, SEEK_SET) < 0)
      zz_error("records: cannot cut %s back to %" PRId64 " bytes: %s", path, L->pos.end,
               strerror(errno));
    errno = saved;
    return rc;
  }
  out->end = L->pos.end + (int64_t)(RL_FRAME_HDR + len);
  return 0;
}

/* Merges series' staged records into its column: gathered from its chain,
 * sorted when they were not staged in time order. */
static int apply_series(struct reclog *L, struct rl_mem *m, uint32_t series) {
  size_t k = 0;
  for (uint32_t i = L->stg_head[series]; i; i = L->stg[i - 1].prev) k++;
  while (L->apply_cap < k)
    if (zz_grow(&L->apply, &L->apply_cap, L->apply_cap, sizeof *L->apply, 1024)) return ZZ_ENOMEM;
  /* the chain runs newest-staged first: fill from the back */
  size_t at = k;
  int sorted = 1;
  for (uint32_t i = L->stg_head[series]; i; i = L->stg[i - 1].prev) {
    L->apply[--at] = L->stg[i - 1];
    if (at + 1 < k && L->apply[at].ts > L->apply[at + 1].ts) sorted = 0;
  }
  if (!sorted) qsort(L->apply, k, sizeof *L->apply, cmp_stg_ts); /* each ts is staged once */
  return k ? mem_merge(m, series, L->apply, k) : 0;
}

/* Applies the open transaction's staged records to the open generation's
 * columns. Staged out of time order: series by series, each sorted and
 * merged in one pass. In time order (the common case): in staging order,
 * appended, except the series whose oldest staged record is not newer than
 * what their column holds, which are merged afterwards (stg_min marks them
 * with INT64_MIN; touched is reused for their list, unused past here). */
static int apply_staged(struct reclog *L, struct rl_mem *m) {
  if (L->unordered) {
    for (size_t s = 0; s < L->ntouched; s++)
      if (apply_series(L, m, L->touched[s])) return ZZ_ENOMEM;
    return 0;
  }
  size_t nmerge = 0;
  for (size_t s = 0; s < L->ntouched; s++) {
    uint32_t series = L->touched[s];
    const struct rl_col *c = series < m->ncols ? &m->cols[series] : NULL;
    if (c && c->n && L->stg_min[series] <= c->ts[c->n - 1]) {
      L->stg_min[series] = INT64_MIN;
      L->touched[nmerge++] = series;
    }
  }
  for (size_t i = 0; i < L->nstg; i++) {
    const struct rl_stg *r = &L->stg[i];
    if (L->stg_min[r->series] != INT64_MIN && mem_put(m, r->series, r->ts, r->v)) return ZZ_ENOMEM;
  }
  for (size_t s = 0; s < nmerge; s++)
    if (apply_series(L, m, L->touched[s])) return ZZ_ENOMEM;
  return 0;
}

int reclog_commit(struct reclog *L) {
  if (L->nstg) {
    pthread_rwlock_wrlock(&L->lock);
    if (apply_staged(L, L->mems[L->nmems - 1]))
      /* Committed and in the log, but not (all) in memory: a restart
       * replays it; until then reads miss it. Say so loudly. */
      zz_error("records: out of memory applying a committed batch; restart to see it");
    pthread_rwlock_unlock(&L->lock);
  }
  /* a replayed frame is already in the log: the position moves past it */
  size_t written = L->rp_frame ? L->rp_frame : L->nstg ? RL_FRAME_HDR + L->nstg * RL_REC_BYTES : 0;
  L->pos.end += (int64_t)written;
  L->log_bytes += (int64_t)written;
  L->rp_frame = 0;
  txn_next(L);
  return L->mems[L->nmems - 1]->nrec >= L->seal_at && L->nmems == 1;
}

void reclog_abort(struct reclog *L) {
  if (L->log_fd >= 0) {
    int64_t size = file_size(L->log_fd);
    if (size != L->pos.end &&
        (ftruncate(L->log_fd, L->pos.end) != 0 || lseek(L->log_fd, L->pos.end, SEEK_SET) < 0))
      zz_error("records: cannot cut the records log back to %" PRId64 " bytes: %s", L->pos.end,
               strerror(errno));
  }
  txn_next(L);
}

int reclog_rotate(struct reclog *L, int (*commit)(void *ud, const struct reclog_pos *pos), void *ud,
                  struct zz_err *e) {
  struct reclog_pos next = {L->pos.gen + 1, 0};
  char path[4096];
  path_of(L, path, sizeof path, "log", next.gen, "");
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0 || sync_dir(L->dir)) {
    int rc = fail_errno(e, "create", path);
    if (fd >= 0) close(fd), unlink(path);
    return rc;
  }
  struct rl_mem *m = mem_new(next.gen);
  int rc = m ? commit(ud, &next) : ZZ_ENOMEM;
  if (rc) {
    mem_free(m);
    close(fd);
    unlink(path);
    return zz_fail(e, rc, "store", "cannot start a new records log generation");
  }
  pthread_rwlock_wrlock(&L->lock);
  rc = push_mem(L, m);
  pthread_rwlock_unlock(&L->lock);
  if (rc) {
    /* committed: the next open finds log gen+1 and replays the old one */
    mem_free(m);
    close(fd);
    return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  }
  close(L->log_fd);
  L->log_fd = fd;
  L->pos = next;
  pthread_mutex_lock(&L->slock);
  pthread_cond_signal(&L->scond);
  pthread_mutex_unlock(&L->slock);
  return 0;
}

void reclog_stats(struct reclog *L, struct reclog_stats *out) {
  memset(out, 0, sizeof *out);
  pthread_rwlock_rdlock(&L->lock);
  out->segments = (int64_t)L->nsegs;
  for (size_t i = 0; i < L->nsegs; i++) {
    out->segment_bytes += (int64_t)L->segs[i].size;
    out->segment_records += L->segs[i].nrec;
  }
  for (size_t i = 0; i < L->nmems; i++)
    if (i + 1 == L->nmems)
      out->open_records = L->mems[i]->nrec;
    else
      out->sealing_records += L->mems[i]->nrec;
  pthread_rwlock_unlock(&L->lock);
  out->log_bytes = L->log_bytes;
  pthread_mutex_lock(&L->slock);
  out->seals = L->seals;
  out->seal_failures = L->seal_failures;
  pthread_mutex_unlock(&L->slock);
}

struct reclog_pos reclog_position(const struct reclog *L) {
  return L->pos;
}

/* ---- retention ---- */

/* Rewrites segment s without the records older than their series' cutoff
 * into a new file of the same name. *out is the new mapping; *dropped
 * counts what went. 0, or -1 with errno. */
static int prune_seg(struct reclog *L, const struct rl_seg *s, int64_t (*cutoff)(void *, uint32_t),
                     void *ud, struct rl_seg *out, int64_t *dropped) {
  char tmp[4096], path[4096];
  path_of(L, tmp, sizeof tmp, "seg", s->gen, ".tmp");
  path_of(L, path, sizeof path, "seg", s->gen, "");
  struct rl_segw w;
  int64_t *t = NULL;
  double *v = NULL;
  uint32_t cap = 0;
  int rc = segw_open(&w, tmp, s->gen);
  for (uint64_t i = 0; !rc && i < s->nseries; i++) {
    struct rl_idx x;
    idx_at(s, i, &x);
    int64_t c = cutoff(ud, x.series);
    if (x.max_ts < c) {
      *dropped += x.n;
      continue;
    }
    if (x.off + x.len > s->size) {
      errno = EINVAL;
      rc = -1;
      break;
    }
    if (x.min_ts >= c) { /* kept whole: the block is copied as it is */
      rc = segw_block(&w, x.series, x.n, x.min_ts, x.max_ts, s->map + x.off, x.len);
      continue;
    }
    if (x.n > cap) {
      zz_free(t), zz_free(v);
      t = zz_malloc((size_t)x.n * sizeof *t), v = zz_malloc((size_t)x.n * sizeof *v);
      cap = x.n;
      if (!t || !v) {
        errno = ENOMEM;
        rc = -1;
        break;
      }
    }
    if (reclog_block_decode(s->map + x.off, x.len, t, v, x.n) != (int64_t)x.n) {
      errno = EINVAL;
      rc = -1;
      break;
    }
    struct rl_col col = {.ts = t, .v = v, .n = x.n};
    uint32_t a = col_lower(&col, c);
    *dropped += a;
    rc = segw_series(&w, x.series, t + a, v + a, x.n - a);
  }
  zz_free(t);
  zz_free(v);
  return segw_done(&w, L->dir, tmp, path, s->gen, rc, out);
}

int reclog_prune(struct reclog *L, int64_t (*cutoff)(void *ud, uint32_t series), void *ud,
                 int64_t *dropped, struct zz_err *e) {
  int rc = 0;
  *dropped = 0;
  pthread_mutex_lock(&L->prune_lock);
  pthread_rwlock_rdlock(&L->lock);
  size_t n = L->nsegs;
  int64_t *gens = zz_malloc((n ? n : 1) * sizeof *gens);
  for (size_t i = 0; gens && i < n; i++) gens[i] = L->segs[i].gen;
  pthread_rwlock_unlock(&L->lock);
  if (!gens) {
    pthread_mutex_unlock(&L->prune_lock);
    return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  }
  for (size_t k = 0; !rc && k < n; k++) {
    /* The mapping of a segment only changes here (under prune_lock), so a
     * copy of its struct stays valid while it is read. */
    struct rl_seg s = {0};
    pthread_rwlock_rdlock(&L->lock);
    for (size_t i = 0; i < L->nsegs; i++)
      if (L->segs[i].gen == gens[k]) s = L->segs[i];
    pthread_rwlock_unlock(&L->lock);
    if (!s.map) continue;
    int need = 0;
    for (uint64_t i = 0; !need && i < s.nseries; i++) {
      struct rl_idx x;
      idx_at(&s, i, &x);
      need = x.min_ts < cutoff(ud, x.series);
    }
    if (!need) continue;
    struct rl_seg fresh;
    if (prune_seg(L, &s, cutoff, ud, &fresh, dropped)) {
      char path[4096];
      path_of(L, path, sizeof path, "seg", s.gen, "");
      rc = fail_errno(e, "rewrite", path);
      break;
    }
    pthread_rwlock_wrlock(&L->lock);
    for (size_t i = 0; i < L->nsegs; i++)
      if (L->segs[i].gen == fresh.gen) L->segs[i] = fresh;
    L->segs_version++;
    pthread_rwlock_unlock(&L->lock);
    seg_unmap(&s);
  }
  zz_free(gens);
  pthread_mutex_unlock(&L->prune_lock);
  return rc;
}

/* ---- records from elsewhere (the SQLite table of earlier versions) ---- */

int reclog_import(struct reclog *L,
                  int (*next)(void *ud, uint32_t *series, int64_t *ts, double *value), void *ud,
                  int64_t *out_n, struct zz_err *e) {
  char tmp[4096], path[4096];
  path_of(L, tmp, sizeof tmp, "seg", 0, ".tmp");
  path_of(L, path, sizeof path, "seg", 0, "");
  struct rl_segw w;
  struct rl_col c = {0};
  uint32_t cur = 0;
  int rc = segw_open(&w, tmp, 0) ? -1 : 0, more;
  uint32_t series;
  int64_t ts;
  double v;
  *out_n = 0;
  while (!rc && (more = next(ud, &series, &ts, &v)) > 0) {
    if (c.n && series != cur) {
      rc = segw_series(&w, cur, c.ts, c.v, c.n);
      c.n = 0;
    }
    cur = series;
    if (c.n && ts <= c.ts[c.n - 1]) continue; /* sorted and unique: cannot happen */
    if (c.n == c.cap) {
      uint32_t cap = c.cap ? c.cap * 2 : 1024;
      int64_t *t = zz_realloc(c.ts, cap * sizeof *t);
      double *x = t ? zz_realloc(c.v, cap * sizeof *x) : NULL;
      if (t) c.ts = t;
      if (x) c.v = x, c.cap = cap;
      if (!x) {
        errno = ENOMEM;
        rc = -1;
        break;
      }
    }
    c.ts[c.n] = ts;
    c.v[c.n++] = v;
    (*out_n)++;
  }
  if (!rc && more < 0) errno = EIO, rc = -1;
  if (!rc && c.n) rc = segw_series(&w, cur, c.ts, c.v, c.n);
  if (!rc) rc = segw_finish(&w, L->dir, tmp, path);
  int saved = errno;
  segw_free(&w, tmp);
  col_free(&c);
  struct rl_seg s;
  if (!rc && seg_load(path, 0, &s)) rc = -1, saved = errno;
  if (rc) {
    unlink(tmp);
    errno = saved;
    return fail_errno(e, "write", path);
  }
  pthread_rwlock_wrlock(&L->lock);
  L->segs_version++;
  int placed = 0;
  for (size_t i = 0; i < L->nsegs; i++)
    if (L->segs[i].gen == 0) {
      seg_unmap(&L->segs[i]);
      L->segs[i] = s, placed = 1;
    }
  if (!placed) {
    struct rl_seg *p = zz_realloc(L->segs, (L->nsegs + 1) * sizeof *p);
    if (p) {
      memmove(p + 1, p, L->nsegs * sizeof *p);
      p[0] = s;
      L->segs = p;
      L->nsegs++;
      placed = 1;
    }
  }
  pthread_rwlock_unlock(&L->lock);
  if (!placed) {
    seg_unmap(&s);
    return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  }
  return 0;
}

/* ---- backup ---- */

struct rl_held {
  int64_t gen;
  int kind; /* 1 log, 2 segment */
  int fd;
};

struct reclog_hold {
  char *dir;
  struct rl_held *f;
  size_t n, cap;
};

void reclog_hold_free(struct reclog_hold *h) {
  if (!h) return;
  for (size_t i = 0; i < h->n; i++) close(h->f[i].fd);
  zz_free(h->f);
  zz_free(h->dir);
  zz_free(h);
}

int reclog_hold(const char *dir, struct reclog_hold **out, struct zz_err *e) {
  struct reclog_hold *h = zz_calloc(1, sizeof *h);
  if (!h || !(h->dir = zz_strdup(dir))) {
    zz_free(h);
    return zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
  }
  DIR *d = opendir(dir);
  if (!d) {
    *out = h; /* no records folder yet: nothing to hold */
    return errno == ENOENT
               ? 0
               : (reclog_hold_free(h), *out = NULL,
                  zz_fail(e, ZZ_EIO, "store", "cannot list %s: %s", dir, strerror(errno)));
  }
  struct dirent *de;
  int rc = 0;
  while (!rc && (de = readdir(d))) {
    unsigned long long g;
    char tail[8];
    int kind = 0;
    if (strlen(de->d_name) != 20) continue;
    if (sscanf(de->d_name, "log-%16llx%7s", &g, tail) == 1) kind = 1;
    if (sscanf(de->d_name, "seg-%16llx%7s", &g, tail) == 1) kind = 2;
    if (!kind) continue;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue; /* sealed and removed meanwhile: its segment is listed */
    if (zz_grow(&h->f, &h->cap, h->n, sizeof *h->f, 16)) {
      close(fd);
      rc = zz_fail(e, ZZ_ENOMEM, "store", "out of memory");
      break;
    }
    h->f[h->n++] = (struct rl_held){(int64_t)g, kind, fd};
  }
  closedir(d);
  if (rc) {
    reclog_hold_free(h);
    return rc;
  }
  *out = h;
  return 0;
}

static const struct rl_held *held(const struct reclog_hold *h, int kind, int64_t gen) {
  for (size_t i = 0; i < h->n; i++)
    if (h->f[i].kind == kind && h->f[i].gen == gen) return &h->f[i];
  return NULL;
}

static int copy_fd(int from, int64_t len, const char *to) {
  int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return -1;
  char *buf = zz_malloc(RL_WBUF);
  int rc = buf ? 0 : -1;
  for (int64_t at = 0; !rc && at < len;) {
    size_t want = (size_t)(len - at < RL_WBUF ? len - at : RL_WBUF);
    ssize_t k = pread(from, buf, want, at);
    if (k <= 0) {
      if (k == 0) errno = EIO;
      rc = -1;
      break;
    }
    rc = write_all(fd, buf, (size_t)k);
    at += k;
  }
  zz_free(buf);
  if (!rc) rc = sync_fd(fd);
  int saved = errno;
  if (close(fd) != 0 && !rc) rc = -1, saved = errno;
  if (rc) unlink(to);
  errno = saved;
  return rc;
}

int reclog_hold_copy(const struct reclog_hold *h, const struct reclog_pos *pos, const char *out_dir,
                     int (*fn)(void *ud, const char *name), void *ud, struct zz_err *e) {
  struct reclog_pos p = *pos;
  if (p.gen < 1) p = (struct reclog_pos){1, 0};
  if (!held(h, 1, p.gen) && p.end > 0)
    return zz_fail(e, ZZ_EBUSY, "store", "the records log moved on during the backup");
  int rc = zz_mkdir_p(out_dir);
  if (rc) return zz_fail(e, rc, "out", "cannot create %s: %s", out_dir, strerror(errno));
  for (int64_t g = 0; g <= p.gen; g++) {
    const struct rl_held *s = held(h, 2, g), *l = held(h, 1, g);
    const struct rl_held *f = g < p.gen && s ? s : l;
    if (!f) continue; /* no such generation (import only made gen 0) */
    char name[32], to[4096];
    snprintf(name, sizeof name, "%s-%016" PRIx64, f->kind == 2 ? "seg" : "log", (uint64_t)g);
    snprintf(to, sizeof to, "%s/%s", out_dir, name);
    int64_t len = g == p.gen ? p.end : file_size(f->fd);
    if (len < 0 || copy_fd(f->fd, len, to)) return fail_errno(e, "copy", to);
    if (fn && (rc = fn(ud, name))) return zz_fail(e, rc, "store", "cannot list %s", name);
  }
  if (sync_dir(out_dir)) return fail_errno(e, "sync", out_dir);
  return 0;
}
