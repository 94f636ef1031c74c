/* ztime.c - UTC milliseconds <-> Asia/Shanghai civil time (fixed UTC+8, no
 * DST), RFC3339 parsing and formatting, and local-time buckets. Calendar maths
 * is Howard Hinnant's days-from-civil, so nothing here touches libc's time
 * zone machinery (TZ, localtime, timegm) and every function is thread-safe. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include "core/ztime.h"
#include "core/zz.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

/* The pinned clock for tests; 0 means "use the real clock". */
static _Atomic int64_t ztime_pinned_now;

/* Arithmetic that saturates instead of overflowing, so absurd inputs give
 * absurd but defined answers (the fuzzers feed us anything). */
static int64_t sat_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

static int64_t sat_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return ((a < 0) != (b < 0)) ? INT64_MIN : INT64_MAX;
  return r;
}

/* Floor division and its non-negative remainder (C division truncates). */
static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

static int64_t floor_mod(int64_t a, int64_t b) {
  int64_t m = a % b;
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

static int is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m) {
  static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12,
 * d any value: it is added linearly). */
static int64_t days_from_civil(int64_t y, int m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                           /* [0, 399] */
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5; /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;   /* [0, 146096] */
  return era * 146097 + doe - 719468 + (d - 1);
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;                                      /* [0, 146096] */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
  int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* Splits ms into the local day number and the ms into that local day, without
 * ever computing ms + offset (which could overflow near INT64_MAX). */
static void local_split(int64_t ms, int64_t *day, int64_t *ms_of_day) {
  int64_t d = floor_div(ms, ZZ_DAY_MS);
  int64_t r = floor_mod(ms, ZZ_DAY_MS) + ZZ_TZ_OFFSET_MS;
  if (r >= ZZ_DAY_MS) {
    r -= ZZ_DAY_MS;
    d++;
  }
  *day = d;
  *ms_of_day = r;
}

/* UTC ms of local midnight starting local day number `day`, plus ms_of_day. */
static int64_t local_join(int64_t day, int64_t ms_of_day) {
  return sat_add(sat_add(sat_mul(day, ZZ_DAY_MS), ms_of_day), -ZZ_TZ_OFFSET_MS);
}

void zz_time_civil(int64_t ms, struct zz_civil *out) {
  int64_t day, r, y;
  local_split(ms, &day, &r);
  civil_from_days(day, &y, &out->month, &out->day);
  out->year = (int)y; /* |year| < 3e8 for any int64 ms */
  out->hour = (int)(r / ZZ_HOUR_MS);
  out->minute = (int)(r / ZZ_MINUTE_MS % 60);
  out->second = (int)(r / 1000 % 60);
  out->msec = (int)(r % 1000);
  out->wday = (int)floor_mod(day + 4, 7); /* 1970-01-01 was a Thursday */
}

/* from_civil with 64-bit fields, shared by the exported one and add_months. */
static int64_t from_civil64(int64_t year, int64_t month, int64_t day, int64_t ms_of_day) {
  /* Normalise the month into 1..12 first; days, hours and so on are linear. */
  year += floor_div(month - 1, 12);
  month = floor_mod(month - 1, 12) + 1;
  return local_join(days_from_civil(year, (int)month, day), ms_of_day);
}

int64_t zz_time_from_civil(int year, int month, int day, int hour, int minute, int second) {
  int64_t t = (int64_t)hour * ZZ_HOUR_MS + (int64_t)minute * ZZ_MINUTE_MS + (int64_t)second * 1000;
  return from_civil64(year, month, day, t);
}

/* Reads exactly n decimal digits at s; returns the value or -1. */
static int read_digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int zz_time_parse_rfc3339(const char *s, size_t n, int64_t *out_ms) {
  int rc = ZZ_EINVAL;
  if (!s || n < 10 || s[4] != '-' || s[7] != '-') goto done;
  int year = read_digits(s, 4), month = read_digits(s + 5, 2), day = read_digits(s + 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) goto done;
  if (n == 10) { /* a bare date is local midnight */
    *out_ms = zz_time_from_civil(year, month, day, 0, 0, 0);
    rc = 0;
    goto done;
  }
  if (n < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
    goto done;
  int hour = read_digits(s + 11, 2), minute = read_digits(s + 14, 2);
  int second = read_digits(s + 17, 2);
  /* Leap second 60 is refused: nothing we ingest produces one. */
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) goto done;
  size_t i = 19;
  int64_t msec = 0;
  if (i < n && s[i] == '.') {
    i++;
    size_t first = i;
    int scale = 100;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      msec += (s[i] - '0') * scale; /* digits past the third are truncated */
      scale /= 10;
      i++;
    }
    if (i == first) goto done;
  }
  int64_t offset_ms = ZZ_TZ_OFFSET_MS; /* no zone designator: local time */
  if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
    offset_ms = 0;
    i++;
  } else if (i < n && (s[i] == '+' || s[i] == '-')) {
    if (n - i < 6 || s[i + 3] != ':') goto done;
    int oh = read_digits(s + i + 1, 2), om = read_digits(s + i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) goto done;
    offset_ms = ((int64_t)oh * 60 + om) * ZZ_MINUTE_MS;
    if (s[i] == '-') offset_ms = -offset_ms;
    i += 6;
  }
  if (i != n) goto done; /* trailing junk */
  int64_t days = days_from_civil(year, month, day);
  *out_ms = days * ZZ_DAY_MS + hour * ZZ_HOUR_MS + minute * ZZ_MINUTE_MS + second * 1000LL + msec -
            offset_ms;
  rc = 0;
done:
  return rc;
}

int zz_time_parse(const char *s, size_t n, int64_t *out_ms) {
  if (!s || n == 0) return ZZ_EINVAL;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == n) return ZZ_EINVAL;
  size_t j = i;
  while (j < n && s[j] >= '0' && s[j] <= '9') j++;
  if (j != n) return zz_time_parse_rfc3339(s, n, out_ms);
  /* Epoch milliseconds. Accumulate negatively so INT64_MIN fits too. */
  int64_t v = 0;
  for (; i < n; i++) {
    int digit = s[i] - '0';
    if (v < (INT64_MIN + digit) / 10) return ZZ_EINVAL;
    v = v * 10 - digit;
  }
  if (s[0] != '-') {
    if (v == INT64_MIN) return ZZ_EINVAL;
    v = -v;
  }
  *out_ms = v;
  return 0;
}

char *zz_time_format(int64_t ms, char out[32]) {
  struct zz_civil c;
  zz_time_civil(ms, &c);
  /* Years outside 0000-9999 are not RFC3339; they are written anyway and may
   * be cut at 31 characters, never overflowing out. */
  int n = snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour,
                   c.minute, c.second);
  if (n < 0 || n >= 32) return out;
  if (c.msec != 0) {
    int k = snprintf(out + n, 32 - (size_t)n, ".%03d", c.msec);
    if (k < 0 || k >= 32 - n) return out;
    n += k;
  }
  snprintf(out + n, 32 - (size_t)n, "+08:00");
  return out;
}

int64_t zz_time_now(void) {
  int64_t pinned = atomic_load_explicit(&ztime_pinned_now, memory_order_relaxed);
  if (pinned != 0) return pinned;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void zz_time_set_now(int64_t ms) {
  atomic_store_explicit(&ztime_pinned_now, ms, memory_order_relaxed);
}

int64_t zz_bucket_start(int64_t ms, enum zz_grain g) {
  int64_t day, r;
  switch (g) {
  case ZZ_GRAIN_MINUTE: /* the offset is whole hours, so UTC and local agree */
    return sat_mul(floor_div(ms, ZZ_MINUTE_MS), ZZ_MINUTE_MS);
  case ZZ_GRAIN_HOUR:
    return sat_mul(floor_div(ms, ZZ_HOUR_MS), ZZ_HOUR_MS);
  case ZZ_GRAIN_DAY:
    local_split(ms, &day, &r);
    return local_join(day, 0);
  case ZZ_GRAIN_MONTH: {
    struct zz_civil c;
    zz_time_civil(ms, &c);
    return from_civil64(c.year, c.month, 1, 0);
  }
  case ZZ_GRAIN_YEAR: {
    struct zz_civil c;
    zz_time_civil(ms, &c);
    return from_civil64(c.year, 1, 1, 0);
  }
  }
  ZZ_ASSERT(!"unknown grain");
  return ms;
}

int64_t zz_bucket_next(int64_t start, enum zz_grain g) {
  switch (g) {
  case ZZ_GRAIN_MINUTE:
    return sat_add(start, ZZ_MINUTE_MS);
  case ZZ_GRAIN_HOUR:
    return sat_add(start, ZZ_HOUR_MS);
  case ZZ_GRAIN_DAY:
    return sat_add(start, ZZ_DAY_MS); /* no DST: every local day is 24 h */
  case ZZ_GRAIN_MONTH: {
    struct zz_civil c;
    zz_time_civil(start, &c);
    return from_civil64(c.year, (int64_t)c.month + 1, 1, 0);
  }
  case ZZ_GRAIN_YEAR: {
    struct zz_civil c;
    zz_time_civil(start, &c);
    return from_civil64((int64_t)c.year + 1, 1, 1, 0);
  }
  }
  ZZ_ASSERT(!"unknown grain");
  return start;
}

int64_t zz_time_add_months(int64_t ms, int n) {
  int64_t day, r, y;
  int m, d;
  local_split(ms, &day, &r);
  civil_from_days(day, &y, &m, &d);
  int64_t months = y * 12 + (m - 1) + n; /* months since year 0, in 64 bits */
  int64_t ty = floor_div(months, 12);
  int tm = (int)floor_mod(months, 12) + 1;
  int dim = days_in_month(ty, tm);
  return from_civil64(ty, tm, d > dim ? dim : d, r);
}

static const char *const ztime_grain_names[] = {NULL, "minute", "hour", "day", "month", "year"};

int zz_grain_parse(const char *s, enum zz_grain *out) {
  if (!s) return ZZ_EINVAL;
  for (int g = ZZ_GRAIN_MINUTE; g <= ZZ_GRAIN_MONTH; g++) {
    if (strcmp(s, ztime_grain_names[g]) == 0) {
      *out = (enum zz_grain)g;
      return 0;
    }
  }
  return ZZ_EINVAL;
}

const char *zz_grain_name(enum zz_grain g) {
  if (g < ZZ_GRAIN_MINUTE || g > ZZ_GRAIN_YEAR) return "unknown";
  return ztime_grain_names[g];
}

int zz_time_range(const int64_t *from, const int64_t *to, int64_t now, int64_t dflt_span,
                  int64_t *out_from, int64_t *out_to, struct zz_err *e) {
  /* checked before any arithmetic: "to=-9223372036854775808" once made
   * to - dflt_span overflow (seen while writing tests/fuzz/fuzz_time.c) */
  if (from && (*from < ZZ_TIME_MIN_MS || *from > ZZ_TIME_MAX_MS))
    return zz_fail(e, ZZ_EINVAL, "from", "from must lie in the years 0000 to 9999");
  if (to && (*to < ZZ_TIME_MIN_MS || *to > ZZ_TIME_MAX_MS))
    return zz_fail(e, ZZ_EINVAL, "to", "to must lie in the years 0000 to 9999");
  if (dflt_span < 0) dflt_span = 0;
  if (dflt_span > 100 * 366 * ZZ_DAY_MS) dflt_span = 100 * 366 * ZZ_DAY_MS;
  int64_t t = to ? *to : now;
  if (t < ZZ_TIME_MIN_MS) t = ZZ_TIME_MIN_MS;
  if (t > ZZ_TIME_MAX_MS) t = ZZ_TIME_MAX_MS;
  int64_t f = from ? *from : t - dflt_span;
  if (f < ZZ_TIME_MIN_MS) f = ZZ_TIME_MIN_MS;
  if (f >= t) return zz_fail(e, ZZ_EINVAL, "from", "from must be before to");
  *out_from = f;
  *out_to = t;
  return 0;
}
