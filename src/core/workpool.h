/* workpool.h - a few threads that run slow CPU work (argon2id password
 * hashes) off the HTTP worker threads, with a bounded queue: a flood of
 * logins waits here, or is refused, instead of taking every HTTP thread.
 * The threads run at a lower priority (nice 10) than the HTTP threads.
 * Thread-safe. */
#ifndef ZZ_WORKPOOL_H
#define ZZ_WORKPOOL_H

#include <stddef.h>

struct workpool;

/* Starts nthreads threads (1..64) and a queue of at most queue_max jobs.
 * Returns 0, ZZ_EINVAL or ZZ_ENOMEM. */
int workpool_create(int nthreads, size_t queue_max, struct workpool **out);
/* Runs what is queued, then joins the threads and frees the pool (NULL ok). */
void workpool_free(struct workpool *p);
/* Queues fn(ud) to run on a pool thread. Returns 0 (fn will run exactly
 * once), or ZZ_EBUSY when the queue is full / ZZ_ENOMEM (fn never runs). */
int workpool_submit(struct workpool *p, void (*fn)(void *ud), void *ud);

#endif
