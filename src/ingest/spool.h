/* spool.h - temporary files under DATA/spool/ for ingest bodies that must
 * not be committed while they arrive (a chunked body, whose size is known
 * only at its end: over the cap, nothing may be stored) and for the records
 * of an atomic body (written in one transaction at the end, never held in
 * memory). Files are unlinked as soon as they are created, so they vanish
 * when closed or when the process dies; the directory is 0700. */
#ifndef ZZ_SPOOL_H
#define ZZ_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/zz.h"

/* Creates DATA/spool (0700) if missing and removes what a crash left in it.
 * Returns 0 or a ZZ_E* code with e filled. */
int spool_prepare(const char *data_dir, struct zz_err *e);

/* Opens a new anonymous file in dir (a spool directory). Returns the file
 * descriptor (read/write, already unlinked) or -1 with e filled. */
int spool_open(const char *dir, struct zz_err *e);

/* Appends all n bytes at the end of fd. Returns 0 or ZZ_EIO (disk full, ...). */
int spool_write(int fd, const void *p, size_t n);

/* Reads up to cap bytes at offset off; returns the count (0 at the end) or -1. */
ssize_t spool_read(int fd, void *p, size_t cap, int64_t off);

#endif
