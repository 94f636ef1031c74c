/* demo_int.h - internals of the demo generator, shared by the src/demo files: the
 * loaded pack (entities, metrics, sources), the parsed demo.json series, the
 * budget and calibration results and the generator's running state.
 * demo_load.c fills it, demo_plan.c sizes and calibrates it, demo.c runs it. */
#ifndef ZZ_DEMO_INT_H
#define ZZ_DEMO_INT_H

#include <jansson.h>
#include <stdint.h>

#include "core/ztime.h"
#include "core/zz.h"
#include "demo/demo.h"

#define DEMO_CHUNK 8192                    /* records per emit call, at most */
#define DEMO_BUCKET_MS (15 * ZZ_MINUTE_MS) /* resolution of flow shapes and noise */
#define DEMO_BUCKETS ((int)(ZZ_DAY_MS / DEMO_BUCKET_MS))
#define DEMO_PROGRESS_EVERY 100000

/* ---- deterministic randomness: a counter-based splitmix64 ----------------
 * Every random draw is a hash of (seed, series, what, where), so any record
 * can be recomputed without replaying a stream: history and live agree, and
 * a day can be simulated twice (calibration, then emission) identically. */
static inline uint64_t demo_mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static inline uint64_t demo_hash3(uint64_t a, uint64_t b, uint64_t c) {
  return demo_mix(demo_mix(a ^ demo_mix(b)) ^ c);
}
/* Uniform in [0, 1). */
static inline double demo_u01(uint64_t h) {
  return (double)(h >> 11) * 0x1p-53;
}
/* Triangular on (-1, 1) (mean 0, sd 0.41): the sum of two uniforms. */
static inline double demo_tri(uint64_t h) {
  return ((double)(h & 0xffffffffu) + (double)(h >> 32)) * 0x1p-32 - 1.0;
}
/* FNV-1a of a string: stable keys for series and entities, so adding an
 * entity or a series does not reshuffle the others' data. */
uint64_t demo_strkey(const char *s);

/* Local day numbers: day n starts at n * DAY - TZ (Asia/Shanghai, no DST). */
static inline int64_t demo_day_of(int64_t ms) {
  int64_t x = ms + ZZ_TZ_OFFSET_MS;
  return x >= 0 ? x / ZZ_DAY_MS : -((-x + ZZ_DAY_MS - 1) / ZZ_DAY_MS);
}
static inline int64_t demo_day_start(int64_t day) {
  return day * ZZ_DAY_MS - ZZ_TZ_OFFSET_MS;
}

/* ---- the pack ---- */
struct demo_entity {
  const char *id, *type, *region;
  json_t *attrs; /* object or NULL; owned */
  uint64_t key;  /* demo_strkey(id) */
};

struct demo_metric {
  const char *id, *entity_type; /* entity_type may be NULL */
  int is_count;                 /* kind "count": values are integers */
  const char *source;           /* the one source supplying it, or NULL */
  int n_sources;
};

enum demo_model { DEMO_FLOW, DEMO_LEVEL, DEMO_STATUS };
#define DEMO_TREND_MAX 16 /* points of a level series' trend */
enum demo_grid { DEMO_GRID_DAY, DEMO_GRID_EPOCH, DEMO_GRID_MONTH, DEMO_GRID_FLOW };

struct demo_holiday {
  int month, day, days;
};

/* A flow series' plan for (the rest of) one local day: T counts spread over
 * the cells origin + k*iv (< day_end) in proportion to the integral of the
 * day's shape over each cell and entity. */
struct demo_plan {
  int64_t day, day_end;
  int64_t shape_day;  /* whose weekday, profile and noise shape the day */
  int64_t origin, iv; /* ms */
  int64_t k;          /* next cell */
  int64_t T, emitted; /* group total for the plan, and emitted so far */
  size_t n;           /* entities the plan spreads over: all of them on
                         recent days, the budget's covered ones before */
  double S, A;        /* total weight, and weight of the cells done */
  uint64_t xkey;      /* keys the dither draws of this plan */
};

/* Calibration of one flow series (targets on its metric and region). */
struct demo_calib {
  int has_ratio, has_peak;
  double ratio;             /* this year's YTD total over last year's */
  double peak, others_max;  /* peak day total; other days stay <= peak*others_max */
  int64_t d0, d1;           /* the table covers local days [d0, d1] */
  int64_t *T, *shape;       /* per day: group total and shape day */
  int ready;                /* T holds the calibrated totals */
  int64_t today, n_coupled; /* now's day; last-year days coupled to live */
  int64_t near_iv;          /* ms: grid of today and of the coupled days, live
                               too, so both years' windows grow in step */
  double k;                 /* scale of this year's natural totals */
  int64_t peak_day;         /* -1 if none */
  /* figures for logs and tests: integer totals over the YTD windows */
  int64_t ytd_this, ytd_last;
};

struct demo_series {
  /* declared in demo.json */
  char *id;
  uint64_t key;  /* keys every draw of this series */
  uint64_t ekey; /* keys per-entity factors (entity_key, default the id) */
  const struct demo_metric *metric;
  const char *source;
  enum demo_model model;
  int monthly;                 /* schedule every month instead of an interval */
  int month_day, month_minute; /* day of month, minute of day */
  int64_t interval_s, finest_s, coarsest_s, live_interval_s;
  int scalable;        /* interval scales with the budget */
  double min_coverage; /* < 1: entities may be thinned at small budgets */
  double live_weight;  /* share of the live gauge rate (0: history interval) */
  double level, yoy;
  int yoy_smooth;
  double hourly[24], hourly_we[24], weekly[7], yearly[12];
  double holiday;
  int has_holiday;
  double noise_day, noise_bucket, noise_sample, spread, dither;
  double vmin, vmax, pow10;
  int decimals;
  double fault_rate;
  int fault_days;
  const char *level_attr, *weight_attr, *from_attr; /* entity attributes used */
  /* selected entities (pack order): the coverage draw of each, its attribute
   * value (level_attr or weight_attr), its first day (from_attr) */
  uint32_t *all;
  double *sel_u, *attr_v;
  unsigned char *keep; /* always covered: each street's smallest draw (or NULL) */
  int keep_streets;    /* demo.json keep_streets: thinning keeps a keeper per street */
  int64_t *from_all, *mcount;
  double attr_mean;
  size_t n_all;
  /* all selected entities, the covered ones first (n of them, chosen by the
   * budget): history samples those, live gauges sample all n_all */
  uint32_t *ents;
  const char **eid; /* entity ids of ents */
  uint64_t *ek;     /* entity keys of ents */
  double *ef;       /* entity factor (log-normal, mean 1, times the attribute) */
  int64_t *from;    /* no record before this (from_attr), or INT64_MIN */
  size_t n;
  size_t n_tick; /* entities a level or status tick samples: n, or n_all live */
  size_t n_live; /* of those, the ones active when live started */
  double coverage;
  int64_t iv_ms;        /* history interval */
  int64_t recent_iv_ms; /* coarsest grid of the recent window (see demo_recent_iv) */
  int recent;           /* level/status history walk: inside the recent window */
  int64_t hist_records;
  struct demo_calib *cal;
  /* running state */
  enum demo_grid grid;
  int64_t next_ts, cur_iv, grid_day_start;
  int64_t live_iv_ms;
  int live_capped;
  struct demo_plan plan;
  double *tab; /* flow: n x DEMO_BUCKETS weight per ms */
  int64_t cache_day;
  double cache_dayf;
  const double *cache_hourly;
  /* level series: a factor on the level, linear between [days from now,
   * factor] points (a monitored excavation's deformation growing), flat
   * before the first and after the last; ntrend 0: none */
  int ntrend;
  double trend_day[DEMO_TREND_MAX], trend_v[DEMO_TREND_MAX];
};

struct demo {
  struct demo_opts opts;
  char *dir;
  /* pack */
  struct demo_entity *ents;
  size_t n_ents;
  struct demo_metric *metrics;
  size_t n_metrics;
  char **strs; /* every string owned by the pack */
  size_t n_strs, cap_strs;
  /* demo.json */
  int64_t min_days, horizon_days;
  double flow_share_max, live_finest_s;
  struct demo_holiday *holidays;
  size_t n_holidays;
  struct demo_series *series;
  size_t n_series;
  /* time frame */
  int64_t start_ms, now_ms, year, this_year_day0, last_year_day0;
  /* The recent window: local days from two days before now's to now, which
   * every series fills at full resolution with every entity whatever the
   * budget, so that 24-hour panels look the same in a small world as in a
   * large one. */
  int64_t recent_day0, recent_ms;
  int64_t total_records;
  /* emission */
  struct demo_record *buf;
  size_t nbuf;
  int64_t done, next_progress;
  int *heap;
  size_t nheap;
  double live_rate;
  int live_ready, live_started, in_history;
  int stop; /* what emit returned, once non-zero */
};

/* demo_load.c: reads and validates the pack and demo.json into d. */
int demo_load(struct demo *d, struct zz_err *err);
void demo_unload(struct demo *d);
char *demo_keep(struct demo *d, const char *s); /* copies s, owned by d */

/* demo_plan.c: sizes the history to the budget, then calibrates. */
int demo_plan_budget(struct demo *d, struct zz_err *err);
int demo_calib_frame(struct demo *d, struct zz_err *err);
int demo_calibrate(struct demo *d, struct zz_err *err);
/* Is day on the calibrated series' near grid (today on, coupled days)? */
static inline int demo_calib_near(const struct demo_calib *c, int64_t day) {
  if (!c || !c->near_iv) return 0;
  if (day >= c->today) return 1;
  return day >= c->d0 && day <= c->d1 && c->shape[day - c->d0] != day;
}

/* The grid of series s in the recent window when its history grid is
 * iv_ms: iv_ms if finer than the recent grid and regular within a day,
 * else the recent grid. */
static inline int64_t demo_recent_iv(const struct demo_series *s, int64_t iv_ms) {
  if (iv_ms < s->recent_iv_ms && ZZ_DAY_MS % iv_ms == 0) return iv_ms;
  return s->recent_iv_ms;
}

/* demo.c: shared by the planner. */
double demo_day_factor(const struct demo *d, const struct demo_series *s, int64_t day);
double demo_flow_natural(const struct demo *d, const struct demo_series *s, int64_t day);
void demo_flow_begin(struct demo *d, struct demo_series *s, int64_t day, int64_t iv);
void demo_flow_replan(struct demo_series *s, int64_t a, int64_t iv);
int demo_flow_cell(struct demo *d, struct demo_series *s, int emit);
int64_t demo_flow_partial(struct demo *d, struct demo_series *s, int64_t day, int64_t cut);
int64_t demo_flow_day_total(const struct demo *d, const struct demo_series *s, int64_t day,
                            int64_t *shape_day);
int64_t demo_planned_records(const struct demo *d);
/* Ticks of series s's history grid in [start, t) when its interval before
 * the recent window is iv_ms (not monthly). */
int64_t demo_series_ticks(const struct demo *d, const struct demo_series *s, int64_t iv_ms,
                          int64_t t);
/* Ticks of the history grid in [start, t) at interval iv_ms (not monthly). */
int64_t demo_grid_ticks(const struct demo *d, int64_t iv_ms, int64_t t);
/* The first monthly tick at or after t; monthly ticks in [t, now). */
int64_t demo_month_tick(const struct demo_series *s, int64_t t);
int64_t demo_month_ticks(const struct demo *d, const struct demo_series *s, int64_t t);

#endif
