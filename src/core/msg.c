/* msg.c - looks an English error format up in the Chinese catalog (msg.h):
 * the tables go into one map (core/hash.h) on first use. */
#include "core/msg.h"

#include <pthread.h>
#include <string.h>

#include "core/hash.h"
#include "core/zz.h"

static const struct zz_msg *msg_parts[] = {
    zz_msg_zh_common,   zz_msg_zh_api,     zz_msg_zh_pack,      zz_msg_zh_store,
    zz_msg_zh_flow,     zz_msg_zh_new,     zz_msg_zh_campaigns, zz_msg_zh_inspections,
    zz_msg_zh_packdata, zz_msg_zh_cases2,  zz_msg_zh_park,      zz_msg_zh_hazard,
    zz_msg_zh_check,    zz_msg_zh_records, zz_msg_zh_retention};

/* English format -> Chinese format; built once, then only read (any
 * thread). Kept for the life of the process. */
static struct zz_map msg_map;
static pthread_once_t msg_once = PTHREAD_ONCE_INIT;

static void msg_build(void) {
  zz_map_init(&msg_map, sizeof(struct zz_msg), ZZ_MAP_STR, NULL);
  for (size_t p = 0; p < sizeof msg_parts / sizeof msg_parts[0]; p++)
    for (const struct zz_msg *m = msg_parts[p]; m->en; m++) {
      int added = 0;
      /* Out of memory: the rest stay English. The first entry wins;
       * scripts/errmsgs.mjs refuses duplicates. */
      struct zz_msg *slot = zz_map_put(&msg_map, m->en, &added);
      if (!slot) return;
      if (added) *slot = *m;
    }
}

const char *zz_msg_zh(const char *en) {
  if (!en) return NULL;
  pthread_once(&msg_once, msg_build);
  const struct zz_msg *m = zz_map_get(&msg_map, en);
  return m ? m->zh : NULL;
}

const char *zz_strerror_zh(int err) {
  const char *en = zz_strerror(err);
  const char *zh = zz_msg_zh(en);
  return zh ? zh : en;
}
