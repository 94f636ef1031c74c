/* retention.h - the server's raw retention timer: store_records_prune once
 * at start and then every hour (docs/operations.md, "Raw retention"), on a
 * thread of its own, so that neither the writer nor the workflow's timer
 * waits while segment files are rewritten. */
#ifndef ZZ_API_RETENTION_H
#define ZZ_API_RETENTION_H

#include <stdint.h>

struct store;
struct retention_timer;

/* Default period between two prunes. */
#define RETENTION_EVERY_MS (60 * 60 * 1000LL)

/* Starts the timer on st (opened with a writer); every_ms <= 0 takes
 * RETENTION_EVERY_MS. NULL (logged) when the thread cannot start: the
 * server runs on, keeping raw records longer. */
struct retention_timer *retention_timer_start(struct store *st, int64_t every_ms);
/* Stops and joins the thread (waiting for a prune under way); NULL is a no-op. */
void retention_timer_stop(struct retention_timer *t);

#endif
