/* retention.c - the raw retention timer (retention.h). */
#include "api/retention.h"

#include <pthread.h>
#include <time.h>

#include "core/ztime.h"
#include "core/zz.h"
#include "store/store_records.h"

struct retention_timer {
  struct store *st;
  int64_t every_ms;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop;
};

static void *run(void *ud) {
  struct retention_timer *t = ud;
  pthread_mutex_lock(&t->mu);
  while (!t->stop) {
    pthread_mutex_unlock(&t->mu);
    int64_t dropped = 0;
    struct zz_err e = {0};
    /* store_records_prune logs what it dropped, and a failure; the next
     * round tries again */
    store_records_prune(t->st, zz_time_now(), &dropped, &e);
    pthread_mutex_lock(&t->mu);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(t->every_ms / 1000);
    until.tv_nsec += (long)(t->every_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0) {
    }
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

struct retention_timer *retention_timer_start(struct store *st, int64_t every_ms) {
  struct retention_timer *t = zz_calloc(1, sizeof *t);
  if (!t) {
    zz_error("retention: no memory for the raw retention timer");
    return NULL;
  }
  t->st = st;
  t->every_ms = every_ms > 0 ? every_ms : RETENTION_EVERY_MS;
  pthread_mutex_init(&t->mu, NULL);
  pthread_cond_init(&t->cv, NULL);
  if (pthread_create(&t->thread, NULL, run, t) != 0) {
    zz_error("retention: cannot start the raw retention thread; raw records are kept");
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    zz_free(t);
    return NULL;
  }
  return t;
}

void retention_timer_stop(struct retention_timer *t) {
  if (!t) return;
  pthread_mutex_lock(&t->mu);
  t->stop = 1;
  pthread_cond_signal(&t->cv);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->thread, NULL);
  pthread_cond_destroy(&t->cv);
  pthread_mutex_destroy(&t->mu);
  zz_free(t);
}
