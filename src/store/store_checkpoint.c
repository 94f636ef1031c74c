/* store_checkpoint.c - the WAL checkpointer of a store with a writer: one
 * thread with its own connection copies the WAL back into the database when
 * a commit on a read connection (orders, codes, a public report's group
 * commit) has grown it past SQ_CHECKPOINT_PAGES. Left to SQLite, the
 * checkpoint runs inside whichever COMMIT crosses the threshold, and a crowd
 * of citizens then waits a quarter of a second on a large database. A
 * passive checkpoint never blocks writers or readers, so here it runs
 * beside them. The records writer keeps SQLite's own checkpoints: during a
 * flood of records only a checkpoint between its commits finishes, and
 * without one the WAL grows without end (tried: 1 GB in 25 s). */
#include <time.h>

#include "store/store_int.h"

/* The WAL size (pages) past which a commit asks for a checkpoint: SQLite's
 * own default for its automatic one. */
#define SQ_CHECKPOINT_PAGES 1000

static int on_wal(void *ud, sqlite3 *db, const char *name, int pages) {
  (void)db, (void)name;
  struct sq_store *s = ud;
  if (pages >= SQ_CHECKPOINT_PAGES && !atomic_load(&s->ckpt_wanted)) {
    pthread_mutex_lock(&s->ckpt_lock);
    atomic_store(&s->ckpt_wanted, 1);
    pthread_cond_signal(&s->ckpt_cond);
    pthread_mutex_unlock(&s->ckpt_lock);
  }
  return SQLITE_OK;
}

void sq_checkpoint_hook(struct sq_store *s, sqlite3 *db) {
  if (s->ckpt_started) sqlite3_wal_hook(db, on_wal, s); /* replaces SQLite's automatic one */
}

static void *checkpoint_main(void *arg) {
  struct sq_store *s = arg;
  pthread_setname_np(pthread_self(), "zz-checkpoint");
  pthread_mutex_lock(&s->ckpt_lock);
  for (;;) {
    while (!atomic_load(&s->ckpt_wanted) && !s->ckpt_stop)
      pthread_cond_wait(&s->ckpt_cond, &s->ckpt_lock);
    if (s->ckpt_stop) break;
    atomic_store(&s->ckpt_wanted, 0);
    pthread_mutex_unlock(&s->ckpt_lock);
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      zz_warn("store: checkpoint failed: %s", sqlite3_errmsg(s->ckpt_db));
    pthread_mutex_lock(&s->ckpt_lock);
  }
  pthread_mutex_unlock(&s->ckpt_lock);
  return NULL;
}

int sq_checkpointer_start(struct sq_store *s, struct zz_err *e) {
  int rc = sq_open_db(s->path, 0, s->opts.synchronous_full, &s->ckpt_db, e);
  if (rc) return rc;
  pthread_mutex_init(&s->ckpt_lock, NULL);
  pthread_cond_init(&s->ckpt_cond, NULL);
  atomic_store(&s->ckpt_wanted, 0);
  s->ckpt_stop = 0;
  if (pthread_create(&s->ckpt_thread, NULL, checkpoint_main, s) != 0) {
    sqlite3_close(s->ckpt_db);
    pthread_mutex_destroy(&s->ckpt_lock);
    pthread_cond_destroy(&s->ckpt_cond);
    return zz_fail(e, ZZ_EINTERNAL, "store", "cannot start the checkpoint thread");
  }
  s->ckpt_started = 1;
  return 0;
}

void sq_checkpointer_stop(struct sq_store *s) {
  if (!s->ckpt_started) return;
  pthread_mutex_lock(&s->ckpt_lock);
  s->ckpt_stop = 1;
  pthread_cond_signal(&s->ckpt_cond);
  pthread_mutex_unlock(&s->ckpt_lock);
  pthread_join(s->ckpt_thread, NULL);
  s->ckpt_started = 0;
  /* The last connection to close checkpoints the whole WAL and removes it. */
  sqlite3_close(s->ckpt_db);
  s->ckpt_db = NULL;
  pthread_mutex_destroy(&s->ckpt_lock);
  pthread_cond_destroy(&s->ckpt_cond);
}
