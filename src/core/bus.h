/* bus.h - the in-process event bus. Engines publish events (KPI ticks after
 * commits, alerts, work-order changes); Server-Sent Event streams read them.
 * The bus keeps the last events in a ring, each with an increasing id, so a
 * client that reconnects with Last-Event-ID gets what it missed, or learns
 * that it fell too far behind and must reload. Thread-safe; publish never
 * blocks on a slow reader (readers copy out under the lock). */
#ifndef ZZ_BUS_H
#define ZZ_BUS_H

#include <stddef.h>
#include <stdint.h>

struct bus;
struct bus_sub;

/* One event as readers see it (valid only during the read callback). */
struct bus_event {
  uint64_t id;       /* 1, 2, 3 ... within this process's life */
  int64_t ts;        /* publish time, UTC ms */
  const char *topic; /* "tick", "alert", "order" ... (short, no spaces) */
  int64_t rpos;      /* region DFS position it concerns; 0: everyone may see it */
  const char *data;  /* JSON text, one line */
  size_t len;
  /* who else must agree, beside the region: NULL for everyone in it, or a
   * text the reader's rule checks (order events: "|dept|dept|", the
   * departments whose officers may read the order, see api/authz.h) */
  const char *audience;
};

/* Creates a bus keeping the last `ring` events (0: 4096). Returns 0 or
 * ZZ_ENOMEM; free with bus_free. */
int bus_create(size_t ring, struct bus **out);
/* Frees the bus; every subscription must be gone. */
void bus_free(struct bus *b);

/* A number fixed for this process's life (its start time in ms): stream ids
 * are "EPOCH-ID", so an id from before a restart is recognised as stale. */
int64_t bus_epoch(const struct bus *b);

/* Publishes a copy of data (JSON, no newlines) under topic; wakes every
 * subscriber. Returns the event's id, or 0 when out of memory (the event is
 * then dropped and readers are told they missed something). */
uint64_t bus_publish(struct bus *b, const char *topic, int64_t rpos, const char *data, size_t len);

/* The same with an audience (bus_event.audience; copied). */
uint64_t bus_publish_to(struct bus *b, const char *topic, int64_t rpos, const char *audience,
                        const char *data, size_t len);

/* Subscribes: wake(ud) is called from the publishing thread after each
 * publish until bus_unsubscribe returns. wake runs under the subscriber lock:
 * it must be quick and must not call into the bus. Returns 0 or ZZ_ENOMEM. */
int bus_subscribe(struct bus *b, void (*wake)(void *ud), void *ud, struct bus_sub **out);
/* Ends a subscription; after it returns, wake is never called again. */
void bus_unsubscribe(struct bus *b, struct bus_sub *s);

/* Wakes every subscriber without an event (keep-alive timers). */
void bus_poke(struct bus *b);

/* Calls fn for each event with id > after, oldest first, stopping when fn
 * returns non-zero or max events were given (0: no limit). Returns the id of
 * the last event given (after itself when none). *gap is set to 1 when some
 * events after `after` are no longer in the ring. The callback runs under
 * the bus lock: copy what you need, do not block, do not publish. */
uint64_t bus_read(struct bus *b, uint64_t after, size_t max,
                  int (*fn)(void *ud, const struct bus_event *ev), void *ud, int *gap);

/* The id of the newest event (0 when none yet). */
uint64_t bus_last_id(struct bus *b);

#endif
