/* ngsi_load.h - an entity read for NGSI-v2: its row rendered with the
 * latest value of each metric (the /v2 handlers and the notifier). */
#ifndef ZZ_NGSI_LOAD_H
#define ZZ_NGSI_LOAD_H

#include "store/store_registry.h"

struct json_t;
struct registry;

/* The normalized NGSI entity of en with its metrics' latest values (read
 * on the calling thread's store connection); NULL with *rc set (a store
 * error, ZZ_ENOMEM) on failure. The caller json_decref()s it. */
struct json_t *ngsi_entity_load(struct store *st, struct registry *reg,
                                const struct store_entity *en, int *rc);

#endif
