/* fuzz_time.c - libFuzzer target for time and range parsing (core/ztime.h):
 * the input is "FROM" or "FROM\nTO" as a query's from and to, or a grain
 * name. A parsed time that zz_time_format writes as RFC 3339 (years 0000 to
 * 9999) parses back to itself; bucket starts hold the time and the next
 * bucket is after it, for every grain; months shift and civil parts agree;
 * zz_time_range (a query's from and to, as api_range takes them) accepts
 * only ends in the years 0000-9999 and gives from before to, both in range,
 * whatever ends are given (the default span and now included). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/zz.h"
#include "core/ztime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 3339's years, with a day of slack either side for the +08:00 shift */
#define YEAR0_MS (-62167219200000LL + ZZ_DAY_MS)
#define YEAR10000_MS (253402300800000LL - ZZ_DAY_MS)

static void one(const char *s, size_t n, int64_t *out, int *ok) {
  int64_t ms = 0;
  *ok = zz_time_parse(s, n, &ms) == 0;
  if (!*ok) return;
  *out = ms;
  int64_t r3339;
  if (zz_time_parse_rfc3339(s, n, &r3339) == 0) ZZ_ASSERT(r3339 == ms);
  char text[32];
  zz_time_format(ms, text);
  ZZ_ASSERT(strlen(text) < 32);
  if (ms < YEAR0_MS || ms > YEAR10000_MS) return;
  int64_t back;
  ZZ_ASSERT(zz_time_parse(text, strlen(text), &back) == 0 && back == ms);
  struct zz_civil c;
  zz_time_civil(ms, &c);
  ZZ_ASSERT(c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= 31 && c.hour < 24 &&
            c.minute < 60 && c.second < 60 && c.msec < 1000 && c.wday >= 0 && c.wday < 7);
  ZZ_ASSERT(zz_time_from_civil(c.year, c.month, c.day, c.hour, c.minute, c.second) + c.msec == ms);
  for (int g = ZZ_GRAIN_MINUTE; g <= ZZ_GRAIN_YEAR; g++) {
    int64_t start = zz_bucket_start(ms, (enum zz_grain)g);
    int64_t next = zz_bucket_next(start, (enum zz_grain)g);
    ZZ_ASSERT(start <= ms && ms < next);
    ZZ_ASSERT(zz_bucket_start(next, (enum zz_grain)g) == next);
  }
  for (int k = -24; k <= 24; k += 7) {
    int64_t m = zz_time_add_months(ms, k);
    struct zz_civil d;
    zz_time_civil(m, &d);
    ZZ_ASSERT((d.year * 12 + d.month - 1) - (c.year * 12 + c.month - 1) == k);
    ZZ_ASSERT(d.day <= c.day && d.hour == c.hour && d.minute == c.minute);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 256) return 0;
  const char *s = (const char *)data;
  enum zz_grain g;
  char name[16];
  if (size < sizeof name) {
    memcpy(name, s, size);
    name[size] = 0;
    if (zz_grain_parse(name, &g) == 0) ZZ_ASSERT(strcmp(zz_grain_name(g), name) == 0);
  }
  const char *nl = memchr(s, '\n', size);
  size_t n1 = nl ? (size_t)(nl - s) : size;
  int64_t from = 0, to = 0;
  int has_from, has_to = 0;
  one(s, n1, &from, &has_from);
  if (nl) one(nl + 1, size - n1 - 1, &to, &has_to);
  int64_t now = 1779321600000LL, spans[] = {0, ZZ_DAY_MS, 365 * ZZ_DAY_MS, INT64_MAX};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(spans); i++)
    for (int which = 0; which < 4; which++) {
      const int64_t *f = (which & 1) && has_from ? &from : NULL;
      const int64_t *t = (which & 2) && has_to ? &to : NULL;
      int64_t rf = 0, rt = 0;
      struct zz_err e = {0};
      int rc = zz_time_range(f, t, now, spans[i], &rf, &rt, &e);
      if (rc) {
        ZZ_ASSERT(rc == ZZ_EINVAL && e.msg[0]);
        continue;
      }
      ZZ_ASSERT(rf < rt && rf >= ZZ_TIME_MIN_MS && rt <= ZZ_TIME_MAX_MS);
      if (f) ZZ_ASSERT(rf == *f);
      if (t) ZZ_ASSERT(rt == *t);
      for (int k = ZZ_GRAIN_MINUTE; k <= ZZ_GRAIN_YEAR; k++) {
        ZZ_ASSERT(zz_bucket_start(rf, (enum zz_grain)k) <= rf);
        ZZ_ASSERT(zz_bucket_next(zz_bucket_start(rt, (enum zz_grain)k), (enum zz_grain)k) > rt);
      }
    }
  return 0;
}
