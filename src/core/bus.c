/* bus.c - the event bus: a ring of copied events under one mutex, and a
 * list of subscribers woken after each publish under a second mutex (so
 * that unsubscribing waits for a wake in flight, and readers woken by it can
 * take the ring lock at once). */
#include "core/bus.h"

#include <pthread.h>
#include <string.h>

#include "core/ztime.h"
#include "core/zz.h"

struct slot {
  uint64_t id;
  int64_t ts, rpos;
  char topic[24];
  char *data; /* data, NUL, then the audience and its NUL when there is one */
  size_t len;
  int has_audience;
};

struct bus_sub {
  void (*wake)(void *ud);
  void *ud;
  struct bus_sub *next;
};

struct bus {
  pthread_mutex_t lock; /* ring */
  struct slot *ring;
  size_t cap;
  uint64_t next_id; /* id of the next event */
  uint64_t lost;    /* newest id dropped for want of memory */
  int64_t epoch;
  pthread_mutex_t sub_lock; /* subscribers */
  struct bus_sub *subs;
};

int bus_create(size_t ring, struct bus **out) {
  struct bus *b = zz_calloc(1, sizeof *b);
  if (!b) return ZZ_ENOMEM;
  b->cap = ring ? ring : 4096;
  b->ring = zz_calloc(b->cap, sizeof *b->ring);
  if (!b->ring) {
    zz_free(b);
    return ZZ_ENOMEM;
  }
  b->next_id = 1;
  b->epoch = zz_time_now();
  pthread_mutex_init(&b->lock, NULL);
  pthread_mutex_init(&b->sub_lock, NULL);
  *out = b;
  return 0;
}

void bus_free(struct bus *b) {
  if (!b) return;
  ZZ_ASSERT(b->subs == NULL);
  for (size_t i = 0; i < b->cap; i++) zz_free(b->ring[i].data);
  zz_free(b->ring);
  pthread_mutex_destroy(&b->lock);
  pthread_mutex_destroy(&b->sub_lock);
  zz_free(b);
}

int64_t bus_epoch(const struct bus *b) {
  return b->epoch;
}

uint64_t bus_publish(struct bus *b, const char *topic, int64_t rpos, const char *data, size_t len) {
  return bus_publish_to(b, topic, rpos, NULL, data, len);
}

uint64_t bus_publish_to(struct bus *b, const char *topic, int64_t rpos, const char *audience,
                        const char *data, size_t len) {
  size_t alen = audience ? strlen(audience) + 1 : 0;
  char *copy = zz_malloc(len + 1 + alen);
  pthread_mutex_lock(&b->lock);
  uint64_t id = b->next_id++;
  struct slot *s = &b->ring[id % b->cap];
  zz_free(s->data);
  memset(s, 0, sizeof *s);
  if (copy) {
    memcpy(copy, data, len);
    copy[len] = '\0';
    if (audience) memcpy(copy + len + 1, audience, alen);
    s->has_audience = audience != NULL;
    s->id = id;
    s->ts = zz_time_now();
    s->rpos = rpos;
    snprintf(s->topic, sizeof s->topic, "%s", topic);
    s->data = copy;
    s->len = len;
  } else {
    b->lost = id; /* the slot stays empty: readers see a gap */
  }
  pthread_mutex_unlock(&b->lock);

  pthread_mutex_lock(&b->sub_lock);
  for (struct bus_sub *x = b->subs; x; x = x->next) x->wake(x->ud);
  pthread_mutex_unlock(&b->sub_lock);
  return copy ? id : 0;
}

void bus_poke(struct bus *b) {
  pthread_mutex_lock(&b->sub_lock);
  for (struct bus_sub *x = b->subs; x; x = x->next) x->wake(x->ud);
  pthread_mutex_unlock(&b->sub_lock);
}

int bus_subscribe(struct bus *b, void (*wake)(void *ud), void *ud, struct bus_sub **out) {
  struct bus_sub *s = zz_calloc(1, sizeof *s);
  if (!s) return ZZ_ENOMEM;
  s->wake = wake;
  s->ud = ud;
  pthread_mutex_lock(&b->sub_lock);
  s->next = b->subs;
  b->subs = s;
  pthread_mutex_unlock(&b->sub_lock);
  *out = s;
  return 0;
}

void bus_unsubscribe(struct bus *b, struct bus_sub *s) {
  if (!s) return;
  pthread_mutex_lock(&b->sub_lock);
  for (struct bus_sub **p = &b->subs; *p; p = &(*p)->next) {
    if (*p == s) {
      *p = s->next;
      break;
    }
  }
  pthread_mutex_unlock(&b->sub_lock);
  zz_free(s);
}

uint64_t bus_read(struct bus *b, uint64_t after, size_t max,
                  int (*fn)(void *ud, const struct bus_event *ev), void *ud, int *gap) {
  *gap = 0;
  pthread_mutex_lock(&b->lock);
  uint64_t newest = b->next_id - 1;
  uint64_t oldest = newest >= b->cap ? newest - b->cap + 1 : 1;
  if (after > newest) after = newest; /* an id from the future: nothing to give */
  uint64_t from = after + 1;
  if (from < oldest) {
    *gap = 1;
    from = oldest;
  }
  if (b->lost > after) *gap = 1;
  uint64_t last = after;
  size_t given = 0;
  for (uint64_t id = from; id <= newest; id++) {
    const struct slot *s = &b->ring[id % b->cap];
    last = id;
    if (s->id != id) continue; /* dropped for want of memory */
    struct bus_event ev = {s->id,
                           s->ts,
                           s->topic,
                           s->rpos,
                           s->data,
                           s->len,
                           s->has_audience ? s->data + s->len + 1 : NULL};
    given++;
    if (fn(ud, &ev) || (max && given == max)) break;
  }
  pthread_mutex_unlock(&b->lock);
  return last;
}

uint64_t bus_last_id(struct bus *b) {
  pthread_mutex_lock(&b->lock);
  uint64_t id = b->next_id - 1;
  pthread_mutex_unlock(&b->lock);
  return id;
}
