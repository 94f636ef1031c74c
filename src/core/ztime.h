/* ztime.h - time in zhizhi: stored as UTC milliseconds since the epoch,
 * shown in Asia/Shanghai (UTC+8, no DST). Buckets align to local time, so a
 * day bucket starts at local midnight. Pure functions, no I/O. */
#ifndef ZZ_ZTIME_H
#define ZZ_ZTIME_H

#include <stddef.h>
#include <stdint.h>

#define ZZ_TZ_OFFSET_MS (8LL * 3600 * 1000)
#define ZZ_MINUTE_MS 60000LL
#define ZZ_HOUR_MS 3600000LL
#define ZZ_DAY_MS 86400000LL

/* ZZ_GRAIN_YEAR is internal (entity-level year rows for year-to-date top-N);
 * zz_grain_parse does not accept it. */
enum zz_grain {
  ZZ_GRAIN_MINUTE = 1,
  ZZ_GRAIN_HOUR = 2,
  ZZ_GRAIN_DAY = 3,
  ZZ_GRAIN_MONTH = 4,
  ZZ_GRAIN_YEAR = 5
};

/* Parses RFC3339 ("2026-05-21T08:00:00+08:00", "...Z", fractional seconds
 * allowed, "T" or space) into UTC ms. Returns 0 or ZZ_EINVAL. */
int zz_time_parse_rfc3339(const char *s, size_t n, int64_t *out_ms);
/* Parses RFC3339 or an integer of epoch milliseconds. Returns 0 or ZZ_EINVAL. */
int zz_time_parse(const char *s, size_t n, int64_t *out_ms);
/* The instants a query's range may name: RFC 3339's years 0000 to 9999 (UTC). */
#define ZZ_TIME_MIN_MS (-62167219200000LL) /* 0000-01-01T00:00:00Z */
#define ZZ_TIME_MAX_MS 253402300799999LL   /* 9999-12-31T23:59:59.999Z */
/* A query's range [from, to) from its optional ends (NULL: not given): to
 * defaults to now, from to to - dflt_span (at most a century; never before
 * ZZ_TIME_MIN_MS). Returns 0, or ZZ_EINVAL with e naming "from" or "to" when
 * an end lies outside the years 0000-9999 or from is not before to. Pure. */
struct zz_err;
int zz_time_range(const int64_t *from, const int64_t *to, int64_t now, int64_t dflt_span,
                  int64_t *out_from, int64_t *out_to, struct zz_err *e);
/* Writes RFC3339 with +08:00 ("2026-05-21T08:00:00+08:00", with ".123" only
 * when ms is not a whole second) into out (at least 32 bytes). Returns out. */
char *zz_time_format(int64_t ms, char out[32]);
/* Current wall clock in UTC ms; zz_time_set_now() pins it for tests (0 unpins). */
int64_t zz_time_now(void);
void zz_time_set_now(int64_t ms);

/* Start of the local bucket of grain g that holds ms. */
int64_t zz_bucket_start(int64_t ms, enum zz_grain g);
/* Start of the bucket after the one starting at start. */
int64_t zz_bucket_next(int64_t start, enum zz_grain g);
/* Shifts ms by n local calendar months (n may be negative); the day is
 * clamped to the target month's length (Mar 31 - 1 month = Feb 28/29). */
int64_t zz_time_add_months(int64_t ms, int n);
/* Local civil date parts of ms. */
struct zz_civil {
  int year, month, day, hour, minute, second, msec, wday; /* wday 0 = Sunday */
};
void zz_time_civil(int64_t ms, struct zz_civil *out);
/* UTC ms of a local civil time (fields beyond range are normalised). */
int64_t zz_time_from_civil(int year, int month, int day, int hour, int minute, int second);
/* Grain by name ("minute", "hour", "day", "month"); returns 0 or ZZ_EINVAL. */
int zz_grain_parse(const char *s, enum zz_grain *out);
const char *zz_grain_name(enum zz_grain g);

#endif
