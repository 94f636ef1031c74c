/* msg.c - looks an English error format up in the Chinese catalog (msg.h):
 * the tables are put into one open-addressing hash on first use. */
#include "core/msg.h"

#include <pthread.h>
#include <string.h>

#include "core/zz.h"

#define MSG_SLOTS 4096 /* a power of two, over twice the catalog's size */

static const struct zz_msg *msg_parts[] = {zz_msg_zh_common, zz_msg_zh_api,  zz_msg_zh_pack,
                                           zz_msg_zh_store,  zz_msg_zh_flow, zz_msg_zh_new};

static const struct zz_msg *msg_slot[MSG_SLOTS];
static pthread_once_t msg_once = PTHREAD_ONCE_INIT;

static unsigned msg_hash(const char *s) {
  unsigned h = 2166136261u; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static void msg_build(void) {
  for (size_t p = 0; p < sizeof msg_parts / sizeof msg_parts[0]; p++)
    for (const struct zz_msg *m = msg_parts[p]; m->en; m++) {
      unsigned i = msg_hash(m->en) & (MSG_SLOTS - 1);
      while (msg_slot[i] && strcmp(msg_slot[i]->en, m->en) != 0) i = (i + 1) & (MSG_SLOTS - 1);
      /* The first entry wins; scripts/errmsgs.mjs refuses duplicates. */
      if (!msg_slot[i]) msg_slot[i] = m;
    }
}

const char *zz_msg_zh(const char *en) {
  if (!en) return NULL;
  pthread_once(&msg_once, msg_build);
  unsigned i = msg_hash(en) & (MSG_SLOTS - 1);
  for (; msg_slot[i]; i = (i + 1) & (MSG_SLOTS - 1))
    if (strcmp(msg_slot[i]->en, en) == 0) return msg_slot[i]->zh;
  return NULL;
}

const char *zz_strerror_zh(int err) {
  const char *en = zz_strerror(err);
  const char *zh = zz_msg_zh(en);
  return zh ? zh : en;
}
