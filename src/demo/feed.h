/* feed.h - the demo world in a running server: the generator's records
 * stored through the store writer (history in big batches before the server
 * starts, then a live feed thread that stores each second's records at once,
 * with the pack's staged incidents). `zhizhi demo` (main.c) opens one, fills
 * the history of a new world, and starts and stops the feed with the
 * server. */
#ifndef ZZ_DEMO_FEED_H
#define ZZ_DEMO_FEED_H

#include <stdint.h>

#include "core/zz.h"
#include "model/registry.h"
#include "store/store.h"

struct demo_feed;

struct demo_feed_opts {
  struct store *st;
  struct registry *reg; /* entities, metrics and sources by key */
  const char *pack_dir; /* e.g. "scenarios/gongshu" */
  int64_t now_ms;       /* history ends here; live starts here */
  int64_t records;      /* history records wanted (0: 5,000,000) */
  uint64_t seed;        /* generator and incidents (0: 2021) */
};

/* Loads the pack's generator. Returns 0 and *out (free with demo_feed_free),
 * or ZZ_EINVAL (a bad pack: e names file and field) or ZZ_ENOMEM. */
int demo_feed_open(const struct demo_feed_opts *o, struct demo_feed **out, struct zz_err *e);

/* Generates and stores the whole history, showing progress on stderr.
 * Returns 0, or the store's error (already logged). */
int demo_feed_history(struct demo_feed *f);
/* Records stored so far. */
int64_t demo_feed_emitted(const struct demo_feed *f);

/* Sends the live records through an MQTT broker (mqtt://HOST[:PORT], no
 * account: the demo's broker is on loopback) instead of the store writer,
 * published as devices would on zz/SOURCE/ENTITY/METRIC, so that the demo
 * shows the MQTT path. Call before demo_feed_start. Returns 0, or ZZ_EINVAL
 * / ZZ_EIO (no broker) with e. */
int demo_feed_mqtt(struct demo_feed *f, const char *url, struct zz_err *e);
/* Starts the live feed thread: about rate records a second (0: 200), each
 * second's stored at once, and the staged incidents of the pack (without
 * them, with a warning, when the pack's are bad). Returns 0, or ZZ_ENOMEM
 * when no thread could start. Call once. */
int demo_feed_start(struct demo_feed *f, double rate);
/* Stops the live feed and waits for its thread; harmless when it never
 * started. After it, nothing of f runs. */
void demo_feed_stop(struct demo_feed *f);

/* Stops the feed if it runs and frees f. NULL is fine. */
void demo_feed_free(struct demo_feed *f);

#endif
