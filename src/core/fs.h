/* fs.h - files under the data directory: the one place that makes a path's
 * missing folders (materials/ORDER/, a backup's evidence/...), writes a file
 * whole or not at all, and tells an upload's type by its first bytes, so
 * that every caller reports a full disk the same way. */
#ifndef ZZ_FS_H
#define ZZ_FS_H

#include <stddef.h>

/* Creates directory path and every missing folder above it (mode 0750).
 * Returns 0 (also when it exists already), ZZ_EFULL when the disk is full
 * (ENOSPC, EDQUOT) or ZZ_EIO (a path over 4095 bytes, or errno says why). */
int zz_mkdir_p(const char *path);
/* The same for the folders above file path, not path itself. */
int zz_mkdir_parents(const char *path);

/* The type of an uploaded file by its first bytes: "pdf", "jpeg", "png",
 * or NULL for anything else. */
const char *zz_sniff_type(const void *data, size_t n);
/* Writes n bytes to path through "path.tmp", renamed over it, so a crash
 * leaves the old file or the new one, never half of one; synced before the
 * rename when sync is 1 (then a power failure cannot tear it either).
 * Returns 0, ZZ_EFULL when the disk is full (ENOSPC, EDQUOT) or ZZ_EIO (the
 * temporary file is removed; errno says why). */
int zz_write_file(const char *path, const void *data, size_t n, int sync);
/* Creates path (which must not exist: names that are never reused, such as
 * random ones) with n bytes, synced before it returns when sync is 1 (else
 * in the page cache: it survives a crash of the process, not a power
 * failure); one directory entry instead of two, for files written many at
 * once. Returns 0, or ZZ_EEXISTS, or ZZ_EFULL when the disk is full, or
 * ZZ_EIO (errno says why; a partial file is removed). */
int zz_write_new_file(const char *path, const void *data, size_t n, int sync);
/* ZZ_EFULL when errno says the disk is full (ENOSPC, EDQUOT), else other. */
int zz_errno_full(int other);

#endif
