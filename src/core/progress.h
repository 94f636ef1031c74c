/* progress.h - a progress line on stderr for long work (imports, demo
 * generation, backups): percent, rate and ETA, redrawn at most 5 times a
 * second on a terminal, one plain line every 5 seconds otherwise. */
#ifndef ZZ_PROGRESS_H
#define ZZ_PROGRESS_H

#include <stdint.h>

struct zz_progress {
  const char *label;
  const char *unit; /* "records", "pages", "bytes" */
  int64_t total;    /* 0 when unknown */
  int64_t start_ms, last_ms;
  int tty;
};

void zz_progress_start(struct zz_progress *p, const char *label, const char *unit, int64_t total);
void zz_progress_update(struct zz_progress *p, int64_t done);
/* Prints the final line with the overall rate. */
void zz_progress_done(struct zz_progress *p, int64_t done);

#endif
