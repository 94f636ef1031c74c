/* store_backup.h - a whole backup of a data directory and its restore: the
 * database (SQLite's online backup inside one read transaction, so one
 * consistent snapshot while a server keeps writing) and every evidence photo
 * and application material that snapshot references, with a MANIFEST of
 * sizes and BLAKE2b hashes. A backup is itself a directory laid out like a
 * data directory. docs/operations.md "Backup and restore". */
#ifndef ZZ_STORE_BACKUP_H
#define ZZ_STORE_BACKUP_H

#include <stdint.h>

#include "core/zz.h"

/* phase: "database" (done/total in pages), "files" or "verify" (in bytes) */
typedef void (*store_backup_progress_fn)(void *ud, const char *phase, int64_t done, int64_t total);

struct store_backup_stats {
  int64_t db_bytes;                     /* the database file */
  int64_t files;                        /* evidence and material files copied */
  int64_t bytes;                        /* their bytes */
  int64_t missing;                      /* referenced by the snapshot but absent from the source */
  int64_t records_files, records_bytes; /* the records engine's (store/reclog.h) */
  char first_missing[256];
};

/* Writes the backup of data directory data to the new directory out (made
 * as out.partial, renamed when whole). Returns 0 (st->missing says whether
 * some referenced file was already gone from data: the backup lists it in
 * MANIFEST as missing), or a ZZ_E* code with e filled. */
int store_backup(const char *data, const char *out, store_backup_progress_fn progress, void *ud,
                 struct store_backup_stats *st, struct zz_err *e);

/* Restores backup into data directory data: checks every file of the backup
 * against its MANIFEST first, refuses a non-empty data (unless force, which
 * replaces its database, records, evidence and materials) or one a server holds,
 * copies, then runs PRAGMA integrity_check on the restored database and
 * checks that every file it references is present. Returns 0 or a ZZ_E*
 * code with e filled. */
int store_restore(const char *backup, const char *data, int force,
                  store_backup_progress_fn progress, void *ud, struct store_backup_stats *st,
                  struct zz_err *e);

/* The lock file in a data directory a backup holds (shared) for its whole
 * run; the server deletes a replaced file only when it can take it
 * exclusively (no backup running). */
#define STORE_BACKUP_LOCK "backup.lock"

/* A file no row references any more (rel: "materials/..." relative to the
 * data directory): deleted now when no backup runs (then also those left
 * for later), else listed in DATA/materials/.replaced for later. rel NULL
 * releases nothing new: only those left for later go, when no backup runs
 * (a material's first upload calls it so, so that the list does not wait
 * for a replacement or the next start). */
void store_files_release(const char *data, const char *rel);

/* At start: deletes the files under DATA/evidence/ and DATA/materials/ that
 * no row references and that are older than min_age_s seconds (a file is
 * written before its row commits), and those .replaced lists; nothing while
 * a backup runs. *removed gets how many. Returns 0 or a ZZ_E* code. */
int store_sweep_files(const char *data, int64_t min_age_s, int64_t *removed, struct zz_err *e);

#endif
