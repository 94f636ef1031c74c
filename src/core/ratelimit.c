/* ratelimit.c - token buckets in an open-addressed table keyed by a 64-bit
 * hash of (scope, key). A bucket holds the hash, its tokens (in thousandths)
 * and when it was last filled; a full table evicts the stalest bucket in the
 * probe window, which only ever forgives an idle client. It is a bounded,
 * lossy cache (a full table forgets, and two keys of one hash share a
 * bucket), not a map, so it keeps its own table rather than core/hash.h's
 * map, whose probes are unbounded and which grows; the hash is core's. */
#include "core/ratelimit.h"

#include <pthread.h>
#include <string.h>

#include "core/hash.h"
#include "core/zz.h"

#define RL_PROBE 16

struct bucket {
  uint64_t h; /* 0: empty */
  int64_t milli_tokens;
  int64_t filled_ms;
};

struct ratelimit {
  pthread_mutex_t lock;
  struct bucket *b;
  size_t mask;
};

int ratelimit_create(size_t slots, struct ratelimit **out) {
  size_t n = 1024;
  while (n < (slots ? slots : 65536)) n <<= 1;
  struct ratelimit *rl = zz_calloc(1, sizeof *rl);
  if (!rl) return ZZ_ENOMEM;
  rl->b = zz_calloc(n, sizeof *rl->b);
  if (!rl->b) {
    zz_free(rl);
    return ZZ_ENOMEM;
  }
  rl->mask = n - 1;
  pthread_mutex_init(&rl->lock, NULL);
  *out = rl;
  return 0;
}

void ratelimit_free(struct ratelimit *rl) {
  if (!rl) return;
  pthread_mutex_destroy(&rl->lock);
  zz_free(rl->b);
  zz_free(rl);
}

/* FNV-1a over a, a separator that UTF-8 text never holds, and b. */
static uint64_t hash2(const char *a, const char *b) {
  uint64_t h = zz_hash_more(ZZ_FNV_OFFSET, a, strlen(a));
  h = zz_hash_more(h, "\xff", 1);
  h = zz_hash_more(h, b, strlen(b));
  return h ? h : 1;
}

int ratelimit_take(struct ratelimit *rl, const char *scope, const char *key, int per_minute,
                   int burst, int64_t now_ms) {
  if (per_minute < 1) per_minute = 1;
  if (burst < 1) burst = 1;
  uint64_t h = hash2(scope ? scope : "", key ? key : "");
  int64_t cap = (int64_t)burst * 1000;
  pthread_mutex_lock(&rl->lock);
  struct bucket *found = NULL, *stalest = NULL;
  for (size_t i = 0; i < RL_PROBE; i++) {
    struct bucket *x = &rl->b[(h + i) & rl->mask];
    if (x->h == h) {
      found = x;
      break;
    }
    if (!x->h) {
      stalest = x;
      break;
    }
    if (!stalest || x->filled_ms < stalest->filled_ms) stalest = x;
  }
  if (!found) {
    found = stalest;
    *found = (struct bucket){.h = h, .milli_tokens = cap, .filled_ms = now_ms};
  }
  /* refill: per_minute tokens a minute, in thousandths */
  int64_t dt = now_ms - found->filled_ms;
  if (dt > 0) {
    int64_t add = dt * per_minute / 60;
    found->milli_tokens = found->milli_tokens + add > cap ? cap : found->milli_tokens + add;
    found->filled_ms = now_ms;
  }
  int wait = 0;
  if (found->milli_tokens >= 1000) {
    found->milli_tokens -= 1000;
  } else {
    int64_t need_ms = (1000 - found->milli_tokens) * 60 / per_minute;
    wait = (int)((need_ms + 999) / 1000);
    if (wait < 1) wait = 1;
  }
  pthread_mutex_unlock(&rl->lock);
  return wait;
}
