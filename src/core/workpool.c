/* workpool.c - fixed threads over a FIFO of jobs (see workpool.h). */
#include "core/workpool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/zz.h"

#define WORKPOOL_NICE 10

struct job {
  struct job *next;
  void (*fn)(void *);
  void *ud;
};

struct workpool {
  pthread_mutex_t lock;
  pthread_cond_t cv;
  struct job *head, *tail;
  size_t queued, queue_max;
  int stopping;
  int nthreads;
  pthread_t threads[64];
};

static void *worker(void *arg) {
  struct workpool *p = arg;
  /* Below the HTTP threads (Linux: nice is per thread): when hashes take
   * every core, short requests still get the CPU first. Lowering one's own
   * priority is always allowed; a failure only costs latency. */
  if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WORKPOOL_NICE) != 0)
    zz_debug("workpool: cannot lower the thread's priority");
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (!p->head && !p->stopping) pthread_cond_wait(&p->cv, &p->lock);
    struct job *j = p->head;
    if (!j) break; /* stopping with nothing left */
    p->head = j->next;
    if (!p->head) p->tail = NULL;
    p->queued--;
    pthread_mutex_unlock(&p->lock);
    j->fn(j->ud);
    zz_free(j);
    pthread_mutex_lock(&p->lock);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

int workpool_create(int nthreads, size_t queue_max, struct workpool **out) {
  if (nthreads < 1 || nthreads > 64 || !queue_max) return ZZ_EINVAL;
  struct workpool *p = zz_calloc(1, sizeof *p);
  if (!p) return ZZ_ENOMEM;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->queue_max = queue_max;
  for (int i = 0; i < nthreads; i++) {
    if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
      workpool_free(p);
      return ZZ_ENOMEM;
    }
    p->nthreads++;
  }
  *out = p;
  return 0;
}

void workpool_free(struct workpool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->stopping = 1;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->lock);
  for (int i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->cv);
  zz_free(p);
}

int workpool_submit(struct workpool *p, void (*fn)(void *ud), void *ud) {
  struct job *j = zz_calloc(1, sizeof *j);
  if (!j) return ZZ_ENOMEM;
  j->fn = fn;
  j->ud = ud;
  pthread_mutex_lock(&p->lock);
  if (p->queued >= p->queue_max || p->stopping) {
    pthread_mutex_unlock(&p->lock);
    zz_free(j);
    return ZZ_EBUSY;
  }
  if (p->tail)
    p->tail->next = j;
  else
    p->head = j;
  p->tail = j;
  p->queued++;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->lock);
  return 0;
}
