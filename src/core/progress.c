/* progress.c - see progress.h. Uses a monotonic clock, not zz_time_now(),
 * so pinned test clocks don't freeze the rate. */
#include "core/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void zz_progress_start(struct zz_progress *p, const char *label, const char *unit, int64_t total) {
  p->label = label;
  p->unit = unit;
  p->total = total;
  p->start_ms = p->last_ms = mono_ms();
  p->tty = isatty(2);
}

static void draw(struct zz_progress *p, int64_t done, int64_t now, int final) {
  double secs = (double)(now - p->start_ms) / 1000.0;
  double rate = secs > 0 ? (double)done / secs : 0;
  char eta[32] = "";
  double pct = -1;
  if (p->total > 0) {
    pct = 100.0 * (double)done / (double)p->total;
    if (pct > 100) pct = 100;
    if (!final && rate > 0 && done < p->total) {
      int64_t left = (int64_t)((double)(p->total - done) / rate);
      snprintf(eta, sizeof eta, " ETA %lld:%02lld", (long long)(left / 60), (long long)(left % 60));
    }
  }
  char bar[32] = "";
  if (pct >= 0) {
    int filled = (int)(pct / 5);
    for (int i = 0; i < 20; i++) bar[i] = i < filled ? '#' : '.';
    bar[20] = 0;
  }
  if (pct >= 0)
    fprintf(stderr, "%s%s [%s] %5.1f%%  %lld %s  %.0f %s/s%s%s", p->tty ? "\r" : "", p->label, bar,
            pct, (long long)done, p->unit, rate, p->unit, eta, p->tty && !final ? "\033[K" : "\n");
  else
    fprintf(stderr, "%s%s  %lld %s  %.0f %s/s%s", p->tty ? "\r" : "", p->label, (long long)done,
            p->unit, rate, p->unit, p->tty && !final ? "\033[K" : "\n");
  if (final && p->tty) fputc('\n', stderr);
  fflush(stderr);
}

void zz_progress_update(struct zz_progress *p, int64_t done) {
  int64_t now = mono_ms();
  if (now - p->last_ms < (p->tty ? 200 : 5000)) return;
  p->last_ms = now;
  draw(p, done, now, 0);
}

void zz_progress_done(struct zz_progress *p, int64_t done) {
  draw(p, done, mono_ms(), 1);
}
