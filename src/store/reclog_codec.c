/* reclog_codec.c - one sealed block of a series' records, encoded and
 * decoded without I/O (so it has a fuzz target). Timestamps are stored as
 * delta-of-delta varints; values as integer deltas when every value of the
 * block is exactly k / 10^d for some d <= 4 (decimal readings, read back
 * bit-identical), else as the XOR of the previous value's bits with its
 * zero bytes left out. The block ends with a crc32 of what precedes it.
 *
 *   varint n | zigzag ts0 | zigzag d1 | zigzag dd2..n-1 |
 *   mode (0..4: decimals, 0xff: xor) | values | crc32 (4 bytes, LE) */
#include <math.h>
#include <string.h>
#include <zlib.h>

#include "store/reclog.h"

#define RL_XOR 0xff
#define RL_DECIMALS_MAX 4

static const double pow10_tab[RL_DECIMALS_MAX + 1] = {1, 10, 100, 1000, 10000};

static size_t put_varint(unsigned char *p, uint64_t v) {
  size_t i = 0;
  while (v >= 0x80) {
    p[i++] = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  p[i++] = (unsigned char)v;
  return i;
}

/* Reads a varint within [*q, end): 0 when it is cut short or too long. */
static int get_varint(const unsigned char **q, const unsigned char *end, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*q >= end) return 0;
    unsigned char b = *(*q)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return 1;
    }
  }
  return 0;
}

static uint64_t zigzag(int64_t v) {
  return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static int64_t unzigzag(uint64_t v) {
  return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static uint64_t bits_of(double v) {
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static double of_bits(uint64_t b) {
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

/* The fewest decimals d <= 4 with every value exactly k / 10^d (the same
 * bits back), or -1. */
static int decimals_of(const double *v, uint32_t n) {
  for (int d = 0; d <= RL_DECIMALS_MAX; d++) {
    uint32_t i = 0;
    for (; i < n; i++) {
      double x = v[i] * pow10_tab[d];
      if (!(fabs(x) < 9.0e15)) break; /* also NaN and infinities */
      /* through an integer, as decoding does: -0.0 comes back as +0.0 and
       * so goes to the XOR form */
      int64_t k = (int64_t)nearbyint(x);
      if (bits_of((double)k / pow10_tab[d]) != bits_of(v[i])) break;
    }
    if (i == n) return d;
  }
  return -1;
}

size_t reclog_block_bound(uint32_t n) {
  /* count, per value a timestamp varint (10) and a value (9), mode, crc */
  return 10 + (size_t)n * 19 + 1 + 4;
}

size_t reclog_block_encode(const int64_t *ts, const double *v, uint32_t n, unsigned char *out,
                           size_t cap) {
  if (cap < reclog_block_bound(n)) return 0;
  unsigned char *p = out;
  p += put_varint(p, n);
  int64_t prev = 0, delta = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (i == 0) {
      p += put_varint(p, zigzag(ts[0]));
    } else {
      int64_t d = (int64_t)((uint64_t)ts[i] - (uint64_t)prev);
      p += put_varint(p, zigzag((int64_t)((uint64_t)d - (uint64_t)delta)));
      delta = d;
    }
    prev = ts[i];
  }
  int d = n ? decimals_of(v, n) : -2; /* no values: no mode byte */
  if (d == -2) {
  } else if (d >= 0) {
    *p++ = (unsigned char)d;
    int64_t last = 0;
    for (uint32_t i = 0; i < n; i++) {
      int64_t k = (int64_t)nearbyint(v[i] * pow10_tab[d]);
      p += put_varint(p, zigzag((int64_t)((uint64_t)k - (uint64_t)last)));
      last = k;
    }
  } else {
    *p++ = RL_XOR;
    uint64_t last = 0;
    for (uint32_t i = 0; i < n; i++) {
      uint64_t x = bits_of(v[i]) ^ last;
      last = bits_of(v[i]);
      int lead = 0, trail = 0;
      if (x) {
        while (lead < 8 && !((x >> (56 - 8 * lead)) & 0xff)) lead++;
        while (trail < 8 && !((x >> (8 * trail)) & 0xff)) trail++;
      } else {
        lead = 8;
      }
      int nb = x ? 8 - lead - trail : 0;
      *p++ = (unsigned char)((x ? trail : 0) << 4 | nb);
      for (int b = 0; b < nb; b++) *p++ = (unsigned char)(x >> (8 * (trail + b)));
    }
  }
  uint32_t crc = (uint32_t)crc32(0L, out, (uInt)(p - out));
  for (int b = 0; b < 4; b++) *p++ = (unsigned char)(crc >> (8 * b));
  return (size_t)(p - out);
}

int64_t reclog_block_decode(const unsigned char *p, size_t len, int64_t *ts, double *v,
                            uint32_t cap) {
  if (len < 5) return -1;
  const unsigned char *end = p + len - 4;
  uint32_t crc =
      (uint32_t)end[0] | (uint32_t)end[1] << 8 | (uint32_t)end[2] << 16 | (uint32_t)end[3] << 24;
  if ((uint32_t)crc32(0L, p, (uInt)(len - 4)) != crc) return -1;
  const unsigned char *q = p;
  uint64_t n, u;
  if (!get_varint(&q, end, &n) || n > cap) return -1;
  int64_t prev = 0, delta = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (!get_varint(&q, end, &u)) return -1;
    if (i == 0) {
      prev = unzigzag(u);
    } else {
      delta = (int64_t)((uint64_t)delta + (uint64_t)unzigzag(u));
      prev = (int64_t)((uint64_t)prev + (uint64_t)delta);
    }
    ts[i] = prev;
  }
  if (n == 0) return q == end ? 0 : -1;
  if (q >= end) return -1;
  unsigned char mode = *q++;
  if (mode <= RL_DECIMALS_MAX) {
    int64_t k = 0;
    for (uint64_t i = 0; i < n; i++) {
      if (!get_varint(&q, end, &u)) return -1;
      k = (int64_t)((uint64_t)k + (uint64_t)unzigzag(u));
      v[i] = (double)k / pow10_tab[mode];
    }
  } else if (mode == RL_XOR) {
    uint64_t last = 0;
    for (uint64_t i = 0; i < n; i++) {
      if (q >= end) return -1;
      int trail = *q >> 4, nb = *q & 0x0f;
      q++;
      if (nb > 8 || trail + nb > 8 || (size_t)(end - q) < (size_t)nb) return -1;
      uint64_t x = 0;
      for (int b = 0; b < nb; b++) x |= (uint64_t)q[b] << (8 * (trail + b));
      q += nb;
      last ^= x;
      v[i] = of_bits(last);
    }
  } else {
    return -1;
  }
  return q == end ? (int64_t)n : -1;
}
