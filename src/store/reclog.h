/* reclog.h - the records engine: raw records (series, ts, value) kept out of
 * SQLite in an append-only log of framed batches plus sealed, immutable
 * segment files of per-series compressed blocks (docs/architecture.md,
 * "Records: the layouts measured for issue 14"). SQLite keeps series,
 * rollups and everything else; the writer thread stages a transaction's
 * records here, writes them to the log before its COMMIT (which stores the
 * log's committed end) and makes them visible after it. Nothing here knows
 * SQLite: the committed end travels through the caller.
 *
 * Files in DIR (the data directory's records/ folder):
 *   log-GGGGGGGGGGGGGGGG   the frames of generation G (hex), appended
 *   seg-GGGGGGGGGGGGGGGG   generation G sealed: blocks, index, footer
 * Threads: one writer (stage, find, flush, commit, abort, maybe_seal), any
 * number of readers (read, minmax), one sealer thread of its own. */
#ifndef ZZ_RECLOG_H
#define ZZ_RECLOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"

struct reclog;

/* Where a writer's log stands; stored by the caller in the same commit as
 * the records' rollups, and given back to reclog_open. */
struct reclog_pos {
  int64_t gen; /* the log generation being appended (1 for a new store) */
  int64_t end; /* bytes of log-gen that are committed */
};

struct reclog_opts {
  const char *dir;      /* created when missing (writer) */
  int writer;           /* 0: read only, nothing is changed on disk */
  int sync_full;        /* fdatasync the log before each commit */
  int64_t seal_records; /* seal the open generation past this many (0: 4M) */
  struct reclog_pos committed;
  /* A writer's: how far the caller's state derived from the records (the
   * rollups) holds them; in committed's generation, at or before its end
   * ({0, 0}: all of committed). The frames between are loaded but kept
   * out of sight until reclog_replay_next hands them back. */
  struct reclog_pos applied;
};

/* Opens the engine: loads the sealed segments, replays the committed frames
 * of the logs not yet sealed (a writer first cuts log-gen to committed.end:
 * frames past it were never acknowledged) and, for a writer, starts the
 * sealer. Returns 0 with *out, or ZZ_EIO (a file unreadable or damaged) or ZZ_ENOMEM with e. */
int reclog_open(const struct reclog_opts *o, struct reclog **out, struct zz_err *e);
/* One raw record as the log holds it. */
struct reclog_rec {
  uint32_t series;
  int64_t ts;
  double value;
};
/* A writer, right after open, before any new transaction: the next
 * committed frame past opts.applied, in log order. Returns 1 with its n
 * records in *recs (valid until the next call), which the caller folds
 * into its state as it did when they came in - reclog_find, reclog_stage
 * each, then reclog_commit, which makes the frame visible without writing
 * it again - or 0 when none is left, or ZZ_EIO/ZZ_ENOMEM with e (a
 * committed frame that does not check). */
int reclog_replay_next(struct reclog *L, const struct reclog_rec **recs, size_t *n,
                       struct zz_err *e);
/* Stops the sealer (finishing a seal under way) and frees everything. */
void reclog_close(struct reclog *L);

/* ---- the writer thread ---- */

/* Looks (series, ts) up among the committed records and those staged in
 * the open transaction: 1 with *old when it exists, 0 when not. */
int reclog_find(struct reclog *L, uint32_t series, int64_t ts, double *old);
/* Stages a record of the open transaction. A record already staged for
 * the same (series, ts) is overwritten in place. Returns 0 or ZZ_ENOMEM. */
int reclog_stage(struct reclog *L, uint32_t series, int64_t ts, double value);
/* Appends the staged records to the log as one frame (and fdatasyncs it
 * with sync_full). *out is where the log will stand once the caller's
 * commit holds it. Returns 0, or ZZ_EFULL/ZZ_EIO with e (the log is cut
 * back: nothing of the frame stays). */
int reclog_flush(struct reclog *L, struct reclog_pos *out, struct zz_err *e);
/* After the caller's commit: the staged records become visible to reads.
 * Returns 1 when the open generation is due to be sealed (then call
 * reclog_rotate between transactions). */
int reclog_commit(struct reclog *L);
/* After a failed transaction: the staged records are dropped and the log
 * is cut back to its committed end. */
void reclog_abort(struct reclog *L);
/* Between transactions: starts generation gen + 1 and hands the full one
 * to the sealer. commit(ud, pos) must make the new position durable (the
 * caller's own commit) and return 0, else nothing changes. Returns 0, or
 * the error with e. */
int reclog_rotate(struct reclog *L, int (*commit)(void *ud, const struct reclog_pos *pos), void *ud,
                  struct zz_err *e);
/* Where the log stands (committed). */
struct reclog_pos reclog_position(const struct reclog *L);
/* Records staged and not yet committed. */
size_t reclog_staged(const struct reclog *L);

/* ---- readers (any thread) ---- */

/* Calls fn for the records of series with from <= ts < to in time order,
 * each ts once (the newest write of it), at most limit (0: no limit);
 * stops when fn returns non-zero. Returns 0, or ZZ_EIO when a block is damaged, or ZZ_ENOMEM. */
int reclog_read(struct reclog *L, uint32_t series, int64_t from, int64_t to, int64_t limit,
                int (*fn)(void *ud, int64_t ts, double value), void *ud);
/* Count, min and max of series over [from, to), the records staged in the
 * open transaction included (so: the writer thread only). 0 with *n 0
 * when there is none. */
int reclog_minmax(struct reclog *L, uint32_t series, int64_t from, int64_t to, int64_t *n,
                  double *mn, double *mx);

/* Statistics for /metrics, bench and check. */
struct reclog_stats {
  int64_t segments, segment_bytes, segment_records;
  int64_t log_bytes, open_records, sealing_records;
  int64_t seals, seal_failures;
};
void reclog_stats(struct reclog *L, struct reclog_stats *out);

/* ---- retention ---- */

/* Drops from the sealed segments every record older than cutoff(ud,
 * series) (INT64_MIN keeps all), rewriting only the segments that hold
 * such records, each atomically. Runs on the caller's thread while
 * ingest goes on. *dropped counts the records removed. */
int reclog_prune(struct reclog *L, int64_t (*cutoff)(void *ud, uint32_t series), void *ud,
                 int64_t *dropped, struct zz_err *e);

/* ---- records of an earlier version ---- */

/* Seals records given by next() (sorted by series, then ts; it returns 1
 * with a record, 0 at the end, -1 on error) as generation 0 - the records
 * table of stores made before this engine - replacing a generation 0 left
 * by an import cut short. *n counts them. 0, or ZZ_EIO/ZZ_EFULL with e. */
int reclog_import(struct reclog *L,
                  int (*next)(void *ud, uint32_t *series, int64_t *ts, double *value), void *ud,
                  int64_t *n, struct zz_err *e);

/* ---- backup (on a data directory, from any process) ---- */

/* Opens every log and segment file of records folder dir, so that a seal
 * that removes a log while a backup runs cannot take it away. Then the
 * database is snapshotted, which says where the log stood (pos), and
 * reclog_hold_copy copies into out_dir what that state needs: each sealed
 * generation up to pos.gen, the logs not sealed when held, and the first
 * pos.end bytes of log-pos.gen; fn(ud, name) is told each file written.
 * ZZ_EBUSY when the log moved to a generation that was not held (the
 * caller takes a new hold and snapshot). */
struct reclog_hold;
int reclog_hold(const char *dir, struct reclog_hold **out, struct zz_err *e);
int reclog_hold_copy(const struct reclog_hold *h, const struct reclog_pos *pos, const char *out_dir,
                     int (*fn)(void *ud, const char *name), void *ud, struct zz_err *e);
void reclog_hold_free(struct reclog_hold *h);

/* ---- one sealed block (reclog_codec.c), pure: no I/O ---- */

/* Encodes n records (ts strictly ascending) into out (capacity cap, at
 * least reclog_block_bound(n)). Returns the bytes written. */
size_t reclog_block_encode(const int64_t *ts, const double *v, uint32_t n, unsigned char *out,
                           size_t cap);
size_t reclog_block_bound(uint32_t n);
/* Decodes a block of len bytes holding at most cap records. Returns the
 * count, or -1 when the block is malformed (never reads past len). */
int64_t reclog_block_decode(const unsigned char *p, size_t len, int64_t *ts, double *v,
                            uint32_t cap);

/* Test hook: when set, called before each write, fsync and rename of the
 * engine's files; a non-zero return fails that call with that errno
 * (ENOSPC, EIO). */
enum reclog_io { RECLOG_IO_WRITE = 1, RECLOG_IO_SYNC, RECLOG_IO_RENAME };
extern int (*reclog_fault)(enum reclog_io what);

#endif
