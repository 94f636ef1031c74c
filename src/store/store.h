/* store.h - opening, closing and transactions of the store. Every read and
 * write of persistent state goes through the store_* functions of the domain
 * headers beside this one (store_records.h, store_registry.h,
 * store_accounts.h, store_orders.h, store_alerts.h, store_catalog.h,
 * store_codes.h, store_applications.h, store_audit.h), so no SQL lives
 * outside src/store/ and a second backend can sit behind the same calls
 * (store_backend.h). Writes go to one writer thread and are grouped into
 * transactions; a write call returns only after its data is committed
 * (durable across kill -9). Reads use one connection per calling thread. */
#ifndef ZZ_STORE_H
#define ZZ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"
#include "store/store_records.h"

struct store; /* opaque: a backend's state behind struct store_backend.h's table */

enum { STORE_TXN_BEGIN = 1, STORE_TXN_COMMIT, STORE_TXN_ROLLBACK };

struct store_open_opts {
  const char *dir;           /* data directory; created if missing */
  size_t queue_records;      /* back-pressure threshold (default 4M records) */
  store_commit_fn on_commit; /* may be NULL */
  void *on_commit_ud;
  /* Admin commands (user add, token create) run beside a serving process:
   * no writer thread, no data-directory lock; store_records_write fails. */
  int no_writer;
  int synchronous_full; /* fsync the WAL on every commit (default: NORMAL + checkpoint fsync) */
  /* Committed events (count rules over events), like on_commit; may be NULL. */
  void (*on_commit_events)(void *ud, const struct store_event *evs, size_t n);
  /* Raw records are sealed into a segment file every this many (0: 4M,
   * store/reclog.h); tests make it small. */
  int64_t seal_records;
};

/* Opens (creating and migrating) the SQLite store in opts->dir. Returns 0 and
 * *out, or a ZZ_E* code with e filled. Close with store_close(st). */
int store_sqlite_open(const struct store_open_opts *opts, struct store **out, struct zz_err *e);

/* Copies the database of data directory dir to the file out with SQLite's
 * online backup, while a server may be writing; progress(ud, done, total) in
 * pages. Returns 0 or a ZZ_E* code with e filled. */
int store_sqlite_backup(const char *dir, const char *out, void (*progress)(void *, int, int),
                        void *ud, struct zz_err *e);

/* Groups the calling thread's writes into one transaction (pack loads,
 * the public intake's group commit): what is STORE_TXN_BEGIN,
 * STORE_TXN_COMMIT or STORE_TXN_ROLLBACK. Inside an open transaction they
 * nest as savepoints, and the writes of orders, codes and applications join
 * the open transaction the same way. */
int store_txn(struct store *st, int what, struct zz_err *e);
/* Drops rollup rows past their retention as seen at now (minute rows
 * older than 48 h, hour rows older than 400 days) and expired sessions.
 * The writer also runs it by itself every 10 minutes. */
int store_prune(struct store *st, int64_t now);
/* Copies the open database to the file path with SQLite's online backup;
 * progress(ud, done, total) in pages. 0 or a ZZ_E* code with e filled. */
int store_online_backup(struct store *st, const char *path,
                        void (*progress)(void *, int done, int total), void *ud, struct zz_err *e);
/* Stops the writer (after the queued writes), closes every connection and
 * frees st. */
void store_close(struct store *st);

#endif
