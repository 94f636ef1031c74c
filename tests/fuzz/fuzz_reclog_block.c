/* fuzz_reclog_block.c - libFuzzer target for a sealed block of the records
 * engine (store/reclog.h, reclog_codec.c): any bytes either decode into at
 * most the room given, or are refused; never a read past the input. What
 * decodes, encoded again when its timestamps ascend, decodes to the same
 * bits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/zz.h"
#include "store/reclog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROOM 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int64_t ts[ROOM], ts2[ROOM];
  static double v[ROOM], v2[ROOM];
  static unsigned char out[10 + ROOM * 19 + 5];
  /* a copy of exactly size bytes, so that ASan sees any read past it */
  unsigned char *p = malloc(size ? size : 1);
  if (!p) return 0;
  memcpy(p, data, size);
  int64_t n = reclog_block_decode(p, size, ts, v, ROOM);
  free(p);
  ZZ_ASSERT(n >= -1 && n <= ROOM);
  if (n <= 0) return 0;
  for (int64_t i = 1; i < n; i++)
    if (ts[i] <= ts[i - 1]) return 0;
  size_t len = reclog_block_encode(ts, v, (uint32_t)n, out, sizeof out);
  ZZ_ASSERT(len > 0);
  ZZ_ASSERT(reclog_block_decode(out, len, ts2, v2, ROOM) == n);
  ZZ_ASSERT(memcmp(ts, ts2, (size_t)n * sizeof *ts) == 0);
  ZZ_ASSERT(memcmp(v, v2, (size_t)n * sizeof *v) == 0);
  return 0;
}
