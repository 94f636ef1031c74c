/* ratelimit.h - token buckets for the public side (code scans, citizen
 * submissions, Open311 POSTs): each key (a client address, a code) may spend
 * `burst` requests at once and regains `per_minute` a minute. A fixed table
 * of buckets, least recently used ones reused, so memory stays bounded
 * whatever the number of clients. Thread-safe; the clock is passed in. */
#ifndef ZZ_RATELIMIT_H
#define ZZ_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* A limiter of `slots` buckets (0: 65,536). Returns 0 or ZZ_ENOMEM. */
int ratelimit_create(size_t slots, struct ratelimit **out);
void ratelimit_free(struct ratelimit *rl);

/* Takes one token from the bucket of (scope, key) at time now_ms. Returns 0
 * when allowed, or the seconds to wait (>= 1) when the bucket is empty.
 * scope separates uses ("scan", "submit"); key is any text (copied). */
int ratelimit_take(struct ratelimit *rl, const char *scope, const char *key, int per_minute,
                   int burst, int64_t now_ms);

#endif
