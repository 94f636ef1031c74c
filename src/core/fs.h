/* fs.h - directories under the data directory: the one place that makes a
 * path's missing folders (materials/ORDER/, a backup's evidence/...), so
 * that every caller reports a full disk the same way. */
#ifndef ZZ_FS_H
#define ZZ_FS_H

/* Creates directory path and every missing folder above it (mode 0750).
 * Returns 0 (also when it exists already), ZZ_EFULL when the disk is full
 * (ENOSPC, EDQUOT) or ZZ_EIO (a path over 4095 bytes, or errno says why). */
int zz_mkdir_p(const char *path);
/* The same for the folders above file path, not path itself. */
int zz_mkdir_parents(const char *path);

#endif
