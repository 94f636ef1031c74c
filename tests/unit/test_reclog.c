/* test_reclog.c - the records engine (store/reclog.h) on its own: blocks
 * read back bit-identical and a damaged block is refused; what a writer
 * commits is read back after seals, a restart, a torn log tail and frames
 * never committed; a replaced value wins wherever the old one lies; the
 * writes fail cleanly on a full disk; retention drops old records from
 * sealed segments; a backup's copy and an import of old records read back
 * the same; records out of time order, within a transaction and before
 * what is held, read back sorted. A model (every committed (series, ts) -> value) is compared
 * with what the engine reads. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/reclog.h"

/* ---- blocks ---- */

static void roundtrip(const int64_t *ts, const double *v, uint32_t n) {
  size_t cap = reclog_block_bound(n);
  unsigned char *b = malloc(cap);
  int64_t *t2 = malloc((n + 1) * sizeof *t2);
  double *v2 = malloc((n + 1) * sizeof *v2);
  size_t len = reclog_block_encode(ts, v, n, b, cap);
  assert_true(len > 0 && len <= cap);
  assert_int_equal(reclog_block_decode(b, len, t2, v2, n), n);
  for (uint32_t i = 0; i < n; i++) {
    assert_int_equal(t2[i], ts[i]);
    assert_memory_equal(&v2[i], &v[i], sizeof v[i]); /* the same bits */
  }
  /* every cut and every flipped byte is refused, never read past */
  for (size_t k = 0; k < len; k++) {
    assert_int_equal(reclog_block_decode(b, k, t2, v2, n), -1);
    b[k] ^= 0x5a;
    assert_int_equal(reclog_block_decode(b, len, t2, v2, n), -1);
    b[k] ^= 0x5a;
  }
  /* a block holding more than the caller has room for is refused */
  if (n > 0) assert_int_equal(reclog_block_decode(b, len, t2, v2, n - 1), -1);
  free(b);
  free(t2);
  free(v2);
}

static void test_blocks(void **state) {
  (void)state;
  enum { N = 300 };
  int64_t ts[N];
  double v[N];
  /* a sensor every minute with two decimals, as parsed from text
   * ("20.07" is the double nearest 2007 / 100): the decimal form */
  for (int i = 0; i < N; i++) ts[i] = 1764547200000 + (int64_t)i * 60000, v[i] = (2000 + i) / 100.0;
  roundtrip(ts, v, N);
  size_t cap = reclog_block_bound(N);
  unsigned char *b = malloc(cap);
  size_t len = reclog_block_encode(ts, v, N, b, cap);
  assert_true(len < (size_t)N * 3); /* ~2 bytes a record, not 16 */
  free(b);
  /* irregular times, negative and full-precision values, -0, huge ones */
  for (int i = 0; i < N; i++) ts[i] = -5000 + (int64_t)i * i * 7 + (i % 3), v[i] = sin(i) * 1e6;
  v[3] = -0.0, v[4] = 1.7976931348623157e308, v[5] = -4.9e-324, v[6] = 0.1 + 0.2;
  roundtrip(ts, v, N);
  /* one record, none */
  roundtrip(ts, v, 1);
  roundtrip(ts, v, 0);
}

/* ---- the engine ---- */

static char dir[96];

struct model {
  int64_t ts[4096];
  double v[4096];
  uint32_t series[4096];
  size_t n;
};

static void model_put(struct model *m, uint32_t s, int64_t ts, double v) {
  for (size_t i = 0; i < m->n; i++)
    if (m->series[i] == s && m->ts[i] == ts) {
      m->v[i] = v;
      return;
    }
  assert_true(m->n < 4096);
  m->series[m->n] = s, m->ts[m->n] = ts, m->v[m->n] = v;
  m->n++;
}

struct got {
  int64_t ts[4096];
  double v[4096];
  size_t n;
};

static int collect(void *ud, int64_t ts, double v) {
  struct got *g = ud;
  assert_true(g->n < 4096);
  g->ts[g->n] = ts, g->v[g->n] = v;
  g->n++;
  return 0;
}

/* Every series of m read whole equals the model: sorted, each ts once. */
static void same(struct reclog *L, const struct model *m, uint32_t nseries) {
  size_t total = 0;
  for (uint32_t s = 1; s <= nseries; s++) {
    static struct got g;
    g.n = 0;
    assert_int_equal(reclog_read(L, s, INT64_MIN, INT64_MAX, 0, collect, &g), 0);
    for (size_t i = 1; i < g.n; i++) assert_true(g.ts[i - 1] < g.ts[i]);
    for (size_t i = 0; i < g.n; i++) {
      size_t k = 0;
      while (k < m->n && !(m->series[k] == s && m->ts[k] == g.ts[i])) k++;
      if (k == m->n) fail_msg("series %u: ts %lld read but never written", s, (long long)g.ts[i]);
      if (m->v[k] != g.v[i])
        fail_msg("series %u ts %lld: read %g, want %g", s, (long long)g.ts[i], g.v[i], m->v[k]);
    }
    total += g.n;
  }
  assert_int_equal(total, m->n);
}

/* reclog_find finds every record of the model with its value, the newest
 * copy of a replaced one, wherever it lies (staged, open, sealed: twice, so
 * that the second pass reads the writer's cache of decoded blocks). */
static void find_all(struct reclog *L, const struct model *m) {
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < m->n; i++) {
      double old = -1;
      if (!reclog_find(L, m->series[i], m->ts[i], &old))
        fail_msg("series %u ts %lld: not found", m->series[i], (long long)m->ts[i]);
      if (old != m->v[i])
        fail_msg("series %u ts %lld: found %g, want %g", m->series[i], (long long)m->ts[i], old,
                 m->v[i]);
    }
}

static struct reclog_pos committed;

static int commit_pos(void *ud, const struct reclog_pos *pos) {
  (void)ud;
  committed = *pos;
  return 0;
}

static struct reclog *open_at(struct reclog_pos pos, int64_t seal) {
  struct reclog_opts o = {.dir = dir, .writer = 1, .seal_records = seal, .committed = pos};
  struct reclog *L = NULL;
  struct zz_err e = {0};
  if (reclog_open(&o, &L, &e)) fail_msg("open: %s", e.msg);
  return L;
}

static void wait_sealed(struct reclog *L) {
  for (int i = 0; i < 2000; i++) {
    struct reclog_stats st;
    reclog_stats(L, &st);
    if (!st.sealing_records) return;
    usleep(5000);
  }
  fail_msg("the sealer did not finish");
}

/* One transaction the way the store's writer runs it: find, stage, flush,
 * commit (the caller's COMMIT is the assignment to committed), rotate. */
static void txn(struct reclog *L, struct model *m, const uint32_t *s, const int64_t *ts,
                const double *v, size_t n) {
  for (size_t i = 0; i < n; i++) assert_int_equal(reclog_stage(L, s[i], ts[i], v[i]), 0);
  struct reclog_pos pos;
  struct zz_err e = {0};
  assert_int_equal(reclog_flush(L, &pos, &e), 0);
  committed = pos;
  for (size_t i = 0; i < n; i++) model_put(m, s[i], ts[i], v[i]);
  if (reclog_commit(L)) {
    assert_int_equal(reclog_rotate(L, commit_pos, NULL, &e), 0);
    wait_sealed(L); /* so that every 'seal' records make a segment */
  }
}

static void fresh_dir(void) {
  snprintf(dir, sizeof dir, "/tmp/zz-reclog-XXXXXX");
  assert_non_null(mkdtemp(dir));
}

static void rm_dir(void) {
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

/* Writes rounds of 8 series (one record each a round, values with two
 * decimals, now and then an older ts again) through seals. */
static void fill(struct reclog *L, struct model *m, int rounds, int64_t t0) {
  for (int r = 0; r < rounds; r++) {
    uint32_t s[9];
    int64_t ts[9];
    double v[9];
    for (int k = 0; k < 8; k++)
      s[k] = (uint32_t)k + 1, ts[k] = t0 + r * 60000, v[k] = r + k / 100.0;
    size_t n = 8;
    if (r % 7 == 3) /* an older record again: replaced, wherever it lies */
      s[8] = 2, ts[8] = t0 + (r / 2) * 60000, v[8] = -r, n = 9;
    txn(L, m, s, ts, v, n);
  }
}

static void test_write_seal_restart(void **state) {
  (void)state;
  fresh_dir();
  static struct model m;
  m.n = 0;
  committed = (struct reclog_pos){1, 0};
  struct reclog *L = open_at(committed, 40);
  fill(L, &m, 60, 1764547200000);
  wait_sealed(L);
  struct reclog_stats st;
  reclog_stats(L, &st);
  assert_true(st.segments >= 10);
  same(L, &m, 9);
  find_all(L, &m);
  /* find sees committed records wherever they are, and staged ones */
  double old = 0;
  assert_int_equal(reclog_find(L, 3, 1764547200000, &old), 1);
  assert_true(old == 0.02);
  assert_int_equal(reclog_find(L, 3, 1764547200001, &old), 0);
  assert_int_equal(reclog_stage(L, 5, 42, 4.2), 0);
  assert_int_equal(reclog_find(L, 5, 42, &old), 1);
  assert_true(old == 4.2);
  reclog_abort(L); /* the staged one is gone */
  assert_int_equal(reclog_find(L, 5, 42, &old), 0);
  /* min and max of a range */
  int64_t n = 0;
  double mn = 0, mx = 0;
  assert_int_equal(reclog_minmax(L, 1, 1764547200000, 1764547200000 + 10 * 60000, &n, &mn, &mx), 0);
  assert_int_equal(n, 10);
  assert_true(mn == 0 && mx == 9);
  reclog_close(L);
  /* a restart at the committed position reads the same */
  L = open_at(committed, 40);
  same(L, &m, 9);
  reclog_close(L);
  rm_dir();
}

static void test_torn_and_uncommitted(void **state) {
  (void)state;
  fresh_dir();
  static struct model m;
  m.n = 0;
  committed = (struct reclog_pos){1, 0};
  struct reclog *L = open_at(committed, 1000000);
  fill(L, &m, 10, 1764547200000);
  /* a frame written but whose COMMIT never happened (a crash between) */
  uint32_t s = 1;
  int64_t ts = 1;
  double v = 99;
  assert_int_equal(reclog_stage(L, s, ts, v), 0);
  struct reclog_pos pos;
  struct zz_err e = {0};
  assert_int_equal(reclog_flush(L, &pos, &e), 0);
  assert_true(pos.end > committed.end);
  reclog_close(L); /* as kill -9: nothing more is done */
  /* and a torn tail behind it */
  char path[160];
  snprintf(path, sizeof path, "%s/log-%016llx", dir, (unsigned long long)committed.gen);
  FILE *f = fopen(path, "ab");
  assert_non_null(f);
  fputs("ZZLF torn", f);
  fclose(f);
  L = open_at(committed, 1000000);
  same(L, &m, 9); /* neither the uncommitted frame nor the torn bytes */
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_size, committed.end); /* cut back */
  fill(L, &m, 5, 1764547200000 + 100 * 60000); /* and it goes on */
  same(L, &m, 9);
  reclog_close(L);
  /* a committed end the log does not reach is refused, not served short */
  struct reclog_opts o = {
      .dir = dir, .writer = 1, .committed = {committed.gen, committed.end + 20}};
  assert_int_not_equal(reclog_open(&o, &L, &e), 0);
  assert_non_null(strstr(e.msg, "missing"));
  rm_dir();
}

static int full_disk(enum reclog_io what) {
  (void)what;
  return ENOSPC;
}

static void test_full_disk(void **state) {
  (void)state;
  fresh_dir();
  static struct model m;
  m.n = 0;
  committed = (struct reclog_pos){1, 0};
  struct reclog *L = open_at(committed, 1000000);
  fill(L, &m, 5, 1764547200000);
  reclog_fault = full_disk;
  uint32_t s = 1;
  int64_t ts = 7;
  double v = 7;
  assert_int_equal(reclog_stage(L, s, ts, v), 0);
  struct reclog_pos pos;
  struct zz_err e = {0};
  assert_int_equal(reclog_flush(L, &pos, &e), ZZ_EFULL);
  assert_non_null(strstr(e.msg, "disk is full"));
  reclog_abort(L);
  reclog_fault = NULL;
  fill(L, &m, 5, 1764547200000 + 50 * 60000); /* space again: it goes on */
  same(L, &m, 9);
  reclog_close(L);
  L = open_at(committed, 1000000);
  same(L, &m, 9);
  reclog_close(L);
  rm_dir();
}

static int64_t cutoff_at;
static int64_t cutoff(void *ud, uint32_t series) {
  (void)ud;
  return series == 4 ? INT64_MIN : cutoff_at; /* series 4 keeps everything */
}

static void test_prune(void **state) {
  (void)state;
  fresh_dir();
  static struct model m;
  m.n = 0;
  committed = (struct reclog_pos){1, 0};
  struct reclog *L = open_at(committed, 40);
  int64_t t0 = 1764547200000;
  fill(L, &m, 40, t0);
  wait_sealed(L);
  find_all(L, &m); /* every sealed block the prune rewrites is in the cache now */
  cutoff_at = t0 + 20 * 60000;
  int64_t dropped = 0;
  struct zz_err e = {0};
  assert_int_equal(reclog_prune(L, cutoff, NULL, &dropped, &e), 0);
  assert_true(dropped > 0);
  /* the model after the same rule, for what was sealed; the open
   * generation is pruned once it is sealed */
  struct reclog_stats st;
  reclog_stats(L, &st);
  int64_t kept_open = st.open_records;
  static struct model k;
  k.n = 0;
  int64_t gone = 0;
  for (size_t i = 0; i < m.n; i++)
    if (m.series[i] == 4 || m.ts[i] >= cutoff_at)
      model_put(&k, m.series[i], m.ts[i], m.v[i]);
    else
      gone++;
  static struct got g;
  for (uint32_t s = 1; s <= 9; s++) {
    g.n = 0;
    assert_int_equal(reclog_read(L, s, INT64_MIN, cutoff_at, 0, collect, &g), 0);
    if (s == 4) assert_true(g.n > 0);
    /* older than the cutoff: only what the open generation still holds */
    for (size_t i = 0; i < g.n; i++) assert_true(s == 4 || g.ts[i] < cutoff_at);
  }
  g.n = 0;
  assert_int_equal(reclog_read(L, 1, cutoff_at, INT64_MAX, 0, collect, &g), 0);
  assert_int_equal(g.n, 20); /* rounds 20..39 of series 1 stay */
  /* find agrees with read: a pruned record is gone (no stale block from
   * before the rewrite answers for it), a kept one still found */
  find_all(L, &k);
  for (uint32_t s = 1; s <= 9; s++) {
    g.n = 0;
    assert_int_equal(reclog_read(L, s, INT64_MIN, INT64_MAX, 0, collect, &g), 0);
    size_t kept = 0;
    for (size_t i = 0; i < m.n; i++) {
      if (m.series[i] != s) continue;
      double old;
      int found = reclog_find(L, s, m.ts[i], &old);
      int read = 0;
      for (size_t j = 0; j < g.n; j++) read |= g.ts[j] == m.ts[i];
      assert_int_equal(found, read);
      kept += (size_t)found;
    }
    assert_int_equal(kept, g.n);
  }
  reclog_close(L);
  L = open_at(committed, 40);
  g.n = 0;
  assert_int_equal(reclog_read(L, 1, INT64_MIN, INT64_MAX, 0, collect, &g), 0);
  assert_true(g.n >= 20 && g.n < 40);
  reclog_close(L);
  /* dropped also counts older copies of replaced values (series 2) */
  assert_true(gone > 0 && dropped >= gone - kept_open);
  rm_dir();
}

static int names(void *ud, const char *name) {
  int *n = ud;
  (*n)++;
  assert_true(strncmp(name, "seg-", 4) == 0 || strncmp(name, "log-", 4) == 0);
  return 0;
}

static void test_backup_copy(void **state) {
  (void)state;
  fresh_dir();
  static struct model m;
  m.n = 0;
  committed = (struct reclog_pos){1, 0};
  struct reclog *L = open_at(committed, 40);
  fill(L, &m, 30, 1764547200000);
  struct reclog_pos at = committed;
  struct reclog_hold *h = NULL;
  struct zz_err e = {0};
  assert_int_equal(reclog_hold(dir, &h, &e), 0);
  /* written after the snapshot: not in the copy */
  static struct model later;
  later = m;
  fill(L, &later, 3, 1764547200000 + 500 * 60000);
  char out[128];
  snprintf(out, sizeof out, "%s/copy", dir);
  int files = 0;
  assert_int_equal(reclog_hold_copy(h, &at, out, names, &files, &e), 0);
  assert_true(files >= 1);
  reclog_hold_free(h);
  reclog_close(L);
  char keep[96];
  memcpy(keep, dir, sizeof keep);
  memcpy(dir, out, sizeof dir);
  L = open_at(at, 40);
  same(L, &m, 9);
  reclog_close(L);
  memcpy(dir, keep, sizeof dir);
  rm_dir();
}

struct src {
  int i, n;
};

static int next_old(void *ud, uint32_t *series, int64_t *ts, double *v) {
  struct src *s = ud;
  if (s->i == s->n) return 0;
  *series = (uint32_t)(s->i / 100) + 1;
  *ts = 1000 + (s->i % 100) * 10;
  *v = s->i * 0.5;
  s->i++;
  return 1;
}

static void test_import(void **state) {
  (void)state;
  fresh_dir();
  committed = (struct reclog_pos){1, 0};
  struct reclog *L = open_at(committed, 1000000);
  struct src s = {0, 500};
  int64_t n = 0;
  struct zz_err e = {0};
  assert_int_equal(reclog_import(L, next_old, &s, &n, &e), 0);
  assert_int_equal(n, 500);
  /* newer records on top, and a replacement of an imported one */
  static struct model m;
  m.n = 0;
  struct src again = {0, 500};
  uint32_t se;
  int64_t ts;
  double v;
  while (next_old(&again, &se, &ts, &v) > 0) model_put(&m, se, ts, v);
  uint32_t rs[1] = {3};
  int64_t rts[1] = {1050};
  double rv[1] = {-1};
  double old = 0;
  assert_int_equal(reclog_find(L, 3, 1050, &old), 1);
  assert_true(old == (200 + 5) * 0.5);
  txn(L, &m, rs, rts, rv, 1);
  same(L, &m, 5);
  reclog_close(L);
  /* an import cut short and done again replaces generation 0 */
  L = open_at(committed, 1000000);
  struct src third = {0, 500};
  assert_int_equal(reclog_import(L, next_old, &third, &n, &e), 0);
  same(L, &m, 5);
  reclog_close(L);
  rm_dir();
}

/* Shuffles a[0..n) with a fixed seed: the same order on every run. */
static void shuffle(int64_t *a, size_t n, uint32_t seed) {
  for (size_t i = n; i > 1; i--) {
    seed = seed * 1664525u + 1013904223u;
    size_t j = seed % i;
    int64_t t = a[i - 1];
    a[i - 1] = a[j], a[j] = t;
  }
}

/* Records out of time order: a transaction's bodies in any order, a
 * backfill before what the open generation holds, replacements inside
 * the held run and twice in one transaction; then a restart. Each read
 * equals the model. And find in a transaction of 20,000 staged records
 * (the staged index grows) sees each, and nothing of an aborted one. */
static void test_out_of_order(void **state) {
  (void)state;
  fresh_dir();
  static struct model m;
  m.n = 0;
  committed = (struct reclog_pos){1, 0};
  struct reclog *L = open_at(committed, 1 << 30);
  const int64_t t0 = 1764547200000;
  static uint32_t s[2048];
  static int64_t ts[2048], k[2048];
  static double v[2048];
  size_t n = 0;
  /* 1: series 1 at 1000..1499 shuffled, series 2 at 0..99 in order */
  for (int64_t i = 0; i < 500; i++) k[i] = 1000 + i;
  shuffle(k, 500, 7);
  for (size_t i = 0; i < 500; i++, n++) s[n] = 1, ts[n] = t0 + k[i] * 1000, v[n] = (double)k[i];
  for (int64_t i = 0; i < 100; i++, n++) s[n] = 2, ts[n] = t0 + i * 1000, v[n] = (double)i;
  txn(L, &m, s, ts, v, n);
  same(L, &m, 3);
  /* 2: series 1 at 0..499, newest first: all before what is held */
  n = 0;
  for (int64_t i = 499; i >= 0; i--, n++) s[n] = 1, ts[n] = t0 + i * 1000, v[n] = (double)-i;
  txn(L, &m, s, ts, v, n);
  same(L, &m, 3);
  /* 3: series 1 at 250..1250 step 2, shuffled: replaces in both held runs,
   * fills the gap between them; 300 staged twice, the second wins */
  for (int64_t i = 0; i < 501; i++) k[i] = 250 + 2 * i;
  shuffle(k, 501, 11);
  n = 0;
  for (size_t i = 0; i < 501; i++, n++)
    s[n] = 1, ts[n] = t0 + k[i] * 1000, v[n] = 0.5 + (double)k[i];
  s[n] = 1, ts[n] = t0 + 300 * 1000, v[n] = 42.25, n++;
  for (size_t i = 0; i < n; i++) assert_int_equal(reclog_stage(L, s[i], ts[i], v[i]), 0);
  double old = 0;
  assert_int_equal(reclog_find(L, 1, t0 + 300 * 1000, &old), 1);
  assert_true(old == 42.25);
  assert_int_equal(reclog_find(L, 1, t0 + 251 * 1000, &old), 1); /* held, not staged */
  assert_true(old == -251);
  reclog_abort(L);
  txn(L, &m, s, ts, v, n);
  same(L, &m, 3);
  /* 4: appends, and a series' first record */
  n = 0;
  for (int64_t i = 100; i < 150; i++, n++) s[n] = 2, ts[n] = t0 + i * 1000, v[n] = (double)i;
  s[n] = 3, ts[n] = t0, v[n] = 3, n++;
  txn(L, &m, s, ts, v, n);
  same(L, &m, 3);
  /* 5: in time order, but series 2 reaches back before what it holds (its
   * records are merged, not appended), series 3 appends; a ts of series 3
   * staged again in the middle (found through the index built then) and
   * its newest again (found at once) replace in place */
  n = 0;
  for (int64_t i = -50; i < 0; i++, n++) s[n] = 2, ts[n] = t0 + i * 1000, v[n] = (double)i;
  for (int64_t i = 150; i < 200; i++, n++) s[n] = 2, ts[n] = t0 + i * 1000, v[n] = (double)i;
  for (int64_t i = 1; i <= 100; i++, n++) s[n] = 3, ts[n] = t0 + i * 1000, v[n] = (double)i;
  s[n] = 3, ts[n] = t0 + 50 * 1000, v[n] = 5.5, n++;
  s[n] = 3, ts[n] = t0 + 100 * 1000, v[n] = 10.5, n++;
  for (size_t i = 0; i < n; i++) assert_int_equal(reclog_stage(L, s[i], ts[i], v[i]), 0);
  assert_int_equal(reclog_find(L, 3, t0 + 50 * 1000, &old), 1);
  assert_true(old == 5.5);
  assert_int_equal(reclog_find(L, 2, t0 - 25 * 1000, &old), 1);
  assert_true(old == -25);
  reclog_abort(L);
  txn(L, &m, s, ts, v, n);
  same(L, &m, 3);
  reclog_close(L);
  L = open_at(committed, 1 << 30); /* the log replayed */
  same(L, &m, 3);

  /* find among 20,000 staged records of 4 series, shuffled */
  static int64_t big[20000];
  for (int64_t i = 0; i < 20000; i++) big[i] = i;
  shuffle(big, 20000, 3);
  const int64_t t1 = t0 + 86400000;
  for (size_t i = 0; i < 20000; i++)
    assert_int_equal(reclog_stage(L, 10 + (uint32_t)(big[i] % 4), t1 + big[i], (double)big[i]), 0);
  for (int64_t i = 0; i < 20000; i++) {
    assert_int_equal(reclog_find(L, 10 + (uint32_t)(i % 4), t1 + i, &old), 1);
    assert_true(old == (double)i);
    assert_int_equal(reclog_find(L, 10 + (uint32_t)((i + 1) % 4), t1 + i, &old), 0);
  }
  reclog_abort(L);
  assert_int_equal(reclog_stage(L, 10, t1 + 20000, 1), 0);
  assert_int_equal(reclog_find(L, 10, t1 + 4, &old), 0); /* of the aborted one */
  assert_int_equal(reclog_find(L, 10, t1 + 20000, &old), 1);
  reclog_abort(L);
  same(L, &m, 3);
  reclog_close(L);
  rm_dir();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_blocks),
      cmocka_unit_test(test_write_seal_restart),
      cmocka_unit_test(test_torn_and_uncommitted),
      cmocka_unit_test(test_full_disk),
      cmocka_unit_test(test_prune),
      cmocka_unit_test(test_backup_copy),
      cmocka_unit_test(test_import),
      cmocka_unit_test(test_out_of_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
