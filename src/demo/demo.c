/* demo.c - the demo world's generator: walks time in order, asks each series
 * for its records at its next tick (a heap keeps the series in time order) and
 * hands them to the caller in chunks. Flows spread each day's planned total
 * over cells; levels and statuses are pure functions of (time, entity).
 * demo_load.c reads demo.json, demo_plan.c sizes and calibrates. */
#include <math.h>
#include <string.h>

#include "demo/demo_int.h"

/* ---- calendar ---- */

struct demo_dayinfo {
  int year, month, mday, wday, holiday;
  double yearpos; /* months since mid-January, 0..12 */
};

static int days_in_month(int y, int m) {
  return (int)((zz_time_from_civil(y, m + 1, 1, 0, 0, 0) - zz_time_from_civil(y, m, 1, 0, 0, 0)) /
               ZZ_DAY_MS);
}

static void day_info(const struct demo *d, int64_t day, struct demo_dayinfo *o) {
  struct zz_civil c;
  zz_time_civil(demo_day_start(day), &c);
  o->year = c.year;
  o->month = c.month;
  o->mday = c.day;
  o->wday = c.wday;
  o->holiday = 0;
  for (size_t i = 0; i < d->n_holidays && !o->holiday; i++) {
    const struct demo_holiday *h = &d->holidays[i];
    for (int y = c.year - 1; y <= c.year; y++) { /* a holiday may run over New Year */
      int64_t h0 = demo_day_of(zz_time_from_civil(y, h->month, h->day, 0, 0, 0));
      if (day >= h0 && day < h0 + h->days) o->holiday = 1;
    }
  }
  o->yearpos = (c.month - 1) + (c.day - 0.5) / days_in_month(c.year, c.month) - 0.5;
  if (o->yearpos < 0) o->yearpos += 12;
}

static double yearly_at(const double *y, double pos) {
  int i = (int)floor(pos);
  double f = pos - i;
  return y[i % 12] * (1 - f) + y[(i + 1) % 12] * f;
}

/* The hourly profile at ms into the day, linear between hour midpoints. */
static double hourly_at(const double *h, int64_t tod) {
  double x = (double)tod / ZZ_HOUR_MS - 0.5;
  int i = (int)floor(x);
  double f = x - i;
  int a = (i + 24) % 24, b = (i + 25) % 24;
  return h[a] * (1 - f) + h[b] * f;
}

static const double *hourly_for(const struct demo_series *s, const struct demo_dayinfo *di) {
  return (di->wday == 0 || di->wday == 6 || di->holiday) ? s->hourly_we : s->hourly;
}

/* Multiplier of a day: weekday (or holiday), season, year-on-year step or
 * trend, and day noise. Monthly series use the season and trend only. */
double demo_day_factor(const struct demo *d, const struct demo_series *s, int64_t day) {
  struct demo_dayinfo di;
  day_info(d, day, &di);
  double f = 1;
  if (!s->monthly) f = (di.holiday && s->has_holiday) ? s->holiday : s->weekly[di.wday];
  f *= yearly_at(s->yearly, di.yearpos);
  if (s->yoy_smooth)
    f *= pow(s->yoy, (double)(demo_day_start(day) - d->now_ms) / (365.2425 * ZZ_DAY_MS));
  else if (di.year < d->year)
    f /= s->yoy;
  if (s->noise_day > 0) f *= 1 + s->noise_day * demo_tri(demo_hash3(s->key, (uint64_t)day, 0xda7));
  return f;
}

double demo_flow_natural(const struct demo *d, const struct demo_series *s, int64_t day) {
  /* Every selected entity counts, covered or not: a flow's magnitude does
   * not depend on the records budget, only how finely it is sampled. */
  return s->level * (double)s->n_all * demo_day_factor(d, s, day);
}

int64_t demo_flow_day_total(const struct demo *d, const struct demo_series *s, int64_t day,
                            int64_t *shape_day) {
  const struct demo_calib *c = s->cal;
  *shape_day = day;
  if (c && c->ready && day >= c->d0 && day <= c->d1) {
    *shape_day = c->shape[day - c->d0];
    return c->T[day - c->d0];
  }
  double x = demo_flow_natural(d, s, day);
  if (c && day >= d->this_year_day0) {
    x *= c->k;
    if (c->has_peak && x > c->peak * c->others_max) x = c->peak * c->others_max;
  }
  return llround(x);
}

/* ---- emission buffer ---- */

static void flush(struct demo *d) {
  if (d->nbuf == 0) return;
  if (!d->stop) d->stop = d->opts.emit(d->opts.ud, d->buf, d->nbuf);
  d->done += (int64_t)d->nbuf;
  d->nbuf = 0;
  if (d->opts.progress && d->in_history && d->done >= d->next_progress) {
    d->opts.progress(d->opts.ud, d->done, d->total_records);
    d->next_progress = d->done + DEMO_PROGRESS_EVERY;
  }
}

static inline void put(struct demo *d, const struct demo_series *s, size_t j, int64_t ts,
                       double v) {
  struct demo_record *r = &d->buf[d->nbuf++];
  r->source = s->source;
  r->entity = s->eid[j];
  r->metric = s->metric->id;
  r->ts = ts;
  r->value = v;
  if (d->nbuf == DEMO_CHUNK) flush(d);
}

/* ---- flows ---- */

static void flow_build_tab(const struct demo *d, struct demo_series *s, int64_t shape_day) {
  struct demo_dayinfo di;
  day_info(d, shape_day, &di);
  const double *h = hourly_for(s, &di);
  double prof[DEMO_BUCKETS];
  for (int b = 0; b < DEMO_BUCKETS; b++)
    prof[b] = hourly_at(h, (int64_t)b * DEMO_BUCKET_MS + DEMO_BUCKET_MS / 2);
  for (size_t j = 0; j < s->plan.n; j++) {
    double *t = &s->tab[j * DEMO_BUCKETS];
    /* One keyed draw per entity and day, then a splitmix sequence over the
     * buckets: a third of the hashing of keying every bucket. */
    uint64_t seq = demo_hash3(s->key ^ 0xb0c, (uint64_t)shape_day, s->ek[j]);
    for (int b = 0; b < DEMO_BUCKETS; b++) {
      double nz = 1;
      if (s->noise_bucket > 0)
        nz += s->noise_bucket * demo_tri(demo_mix(seq + (uint64_t)b * 0x9e3779b97f4a7c15ULL));
      t[b] = s->ef[j] * prof[b] * nz;
    }
  }
}

/* Weight of entity j over [a, b) of the plan's day. */
static inline double cell_weight(const struct demo_series *s, size_t j, int64_t ds, int64_t a,
                                 int64_t b) {
  const double *t = &s->tab[j * DEMO_BUCKETS];
  int64_t b0 = (a - ds) / DEMO_BUCKET_MS, b1 = (b - 1 - ds) / DEMO_BUCKET_MS;
  if (b0 == b1) return t[b0] * (double)(b - a);
  double w = 0;
  for (int64_t k = b0; k <= b1; k++) {
    int64_t lo = ds + k * DEMO_BUCKET_MS, hi = lo + DEMO_BUCKET_MS;
    if (lo < a) lo = a;
    if (hi > b) hi = b;
    w += t[k] * (double)(hi - lo);
  }
  return w;
}

static double plan_weight(const struct demo_series *s, int64_t ds, int64_t a, int64_t b) {
  double S = 0;
  for (size_t j = 0; j < s->plan.n; j++) S += cell_weight(s, j, ds, a, b);
  return S;
}

void demo_flow_begin(struct demo *d, struct demo_series *s, int64_t day, int64_t iv) {
  struct demo_plan *p = &s->plan;
  int64_t ds = demo_day_start(day);
  if (demo_calib_near(s->cal, day))
    iv = s->cal->near_iv;
  else if (day >= d->recent_day0)
    iv = demo_recent_iv(s, iv);
  p->n = day >= d->recent_day0 ? s->n_all : s->n;
  p->day = day;
  p->day_end = ds + ZZ_DAY_MS;
  p->T = demo_flow_day_total(d, s, day, &p->shape_day);
  flow_build_tab(d, s, p->shape_day);
  p->origin = ds;
  p->iv = iv;
  p->k = 0;
  p->emitted = 0;
  p->A = 0;
  p->S = plan_weight(s, ds, ds, p->day_end);
  p->xkey = demo_hash3(s->key, (uint64_t)day, 0x9a1);
  s->next_ts = ds;
}

/* Spreads what is left of the day's total over a new grid starting at a
 * (where the cells done so far end). */
void demo_flow_replan(struct demo_series *s, int64_t a, int64_t iv) {
  struct demo_plan *p = &s->plan;
  p->T -= p->emitted;
  p->emitted = 0;
  p->A = 0;
  p->origin = a;
  p->iv = iv;
  p->k = 0;
  p->S = plan_weight(s, p->day_end - ZZ_DAY_MS, a, p->day_end);
  p->xkey = demo_hash3(p->xkey, (uint64_t)a, 0x2e9);
  s->next_ts = a;
}

/* How many of the plan's T counts lie at or below the fraction X/T of its
 * weight: stratified, one dither draw per unit, so the running total never
 * strays a whole count from its expectation and the day ends exactly on T. */
static inline int64_t flow_count_at(const struct demo_series *s, const struct demo_plan *p,
                                    double X) {
  if (X <= 0) return 0;
  if (X >= (double)p->T) return p->T;
  double fl = floor(X);
  int64_t i = (int64_t)fl;
  double xi = 0.5 + s->dither * (demo_u01(demo_hash3(p->xkey, (uint64_t)i, 0x71)) - 0.5);
  int64_t n = i + (xi <= X - fl);
  return n > p->T ? p->T : n;
}

/* Processes the plan's next cell for every entity (emitting when emit), and
 * moves to the next day after the day's last cell. */
int demo_flow_cell(struct demo *d, struct demo_series *s, int emit) {
  struct demo_plan *p = &s->plan;
  int64_t ds = p->day_end - ZZ_DAY_MS;
  int64_t a = p->origin + p->k * p->iv;
  int64_t b = a + p->iv;
  int last = b >= p->day_end, cut = 0;
  if (last) b = p->day_end;
  /* The history ends at now: the cell that straddles it stops there, so
   * that live can go on from now at its own interval. Near-grid plans keep
   * their cells whole: they stay aligned with last year's. */
  if (a < d->now_ms && b > d->now_ms && !demo_calib_near(s->cal, p->day)) {
    b = d->now_ms;
    last = 0;
    cut = 1;
  }
  double scale = p->S > 0 ? (double)p->T / p->S : 0;
  for (size_t j = 0; j < p->n; j++) {
    p->A += cell_weight(s, j, ds, a, b);
    int64_t N;
    if (last && j + 1 == p->n)
      N = p->T;
    else if (p->S > 0)
      N = flow_count_at(s, p, p->A * scale);
    else
      N = 0; /* a shape of zeros: everything lands on the last cell */
    if (N < p->emitted) N = p->emitted;
    int64_t v = N - p->emitted;
    p->emitted = N;
    if (emit) put(d, s, j, a, (double)v);
  }
  p->k++;
  if (last)
    demo_flow_begin(d, s, p->day + 1, s->cur_iv);
  else if (cut)
    demo_flow_replan(s, b, p->iv);
  else
    s->next_ts = p->origin + p->k * p->iv;
  return 0;
}

/* What the history emits for day (with the history interval) in cells that
 * start before cut. Leaves the plan state dirty: callers re-begin. */
int64_t demo_flow_partial(struct demo *d, struct demo_series *s, int64_t day, int64_t cut) {
  s->cur_iv = s->iv_ms;
  demo_flow_begin(d, s, day, s->iv_ms);
  int64_t T = s->plan.T;
  while (s->plan.day == day && s->next_ts < cut) demo_flow_cell(d, s, 0);
  /* A replan (at now) restarts the plan on what is left: count from T. */
  return s->plan.day == day ? T - (s->plan.T - s->plan.emitted) : T;
}

/* ---- levels and statuses ---- */

/* The trend's factor x days from now (negative: before). */
static double trend_at(const struct demo_series *s, double x) {
  if (x <= s->trend_day[0]) return s->trend_v[0];
  for (int i = 1; i < s->ntrend; i++)
    if (x <= s->trend_day[i]) {
      double f = (x - s->trend_day[i - 1]) / (s->trend_day[i] - s->trend_day[i - 1]);
      return s->trend_v[i - 1] + f * (s->trend_v[i] - s->trend_v[i - 1]);
    }
  return s->trend_v[s->ntrend - 1];
}

static void value_tick(struct demo *d, struct demo_series *s, int64_t ts) {
  int64_t day = demo_day_of(ts);
  if (day != s->cache_day) {
    struct demo_dayinfo di;
    day_info(d, day, &di);
    s->cache_day = day;
    s->cache_dayf = s->model == DEMO_LEVEL ? s->level * demo_day_factor(d, s, day) : 0;
    s->cache_hourly = s->monthly ? NULL : hourly_for(s, &di);
  }
  if (s->model == DEMO_STATUS) {
    for (size_t j = 0; j < s->n_tick; j++) {
      uint64_t ek = s->ek[j];
      int64_t period = (day + (int64_t)(ek % (uint64_t)s->fault_days)) / s->fault_days;
      int fault = demo_u01(demo_hash3(s->key ^ 0xfa, (uint64_t)period, ek)) < s->fault_rate;
      if (ts >= s->from[j]) put(d, s, j, ts, fault ? 0 : 1);
    }
    return;
  }
  double base = s->cache_dayf;
  if (s->cache_hourly) base *= hourly_at(s->cache_hourly, ts - demo_day_start(day));
  if (s->ntrend) base *= trend_at(s, (double)(ts - d->now_ms) / 86400000.0);
  int64_t gb = ts / DEMO_BUCKET_MS;
  double frac = (double)(ts - gb * DEMO_BUCKET_MS) / DEMO_BUCKET_MS;
  for (size_t j = 0; j < s->n_tick; j++) {
    if (ts < s->from[j]) continue;
    double v = base * s->ef[j];
    if (s->noise_bucket > 0) {
      double u0 = demo_tri(demo_hash3(s->key ^ 0xb0c, (uint64_t)gb, s->ek[j]));
      double u1 = demo_tri(demo_hash3(s->key ^ 0xb0c, (uint64_t)gb + 1, s->ek[j]));
      v *= 1 + s->noise_bucket * (u0 + (u1 - u0) * frac);
    }
    if (s->noise_sample > 0)
      v *= 1 + s->noise_sample * demo_tri(demo_hash3(s->key ^ 0x5a3, (uint64_t)ts, s->ek[j]));
    if (v < s->vmin) v = s->vmin;
    if (v > s->vmax) v = s->vmax;
    v = floor(v * s->pow10 + 0.5) / s->pow10;
    put(d, s, j, ts, v);
  }
}

/* The first monthly tick at or after t. */
int64_t demo_month_tick(const struct demo_series *s, int64_t t) {
  struct zz_civil c;
  zz_time_civil(t, &c);
  for (int add = 0;; add++) {
    int64_t x = zz_time_from_civil(c.year, c.month + add, s->month_day, s->month_minute / 60,
                                   s->month_minute % 60, 0);
    if (x >= t) return x;
  }
}

int64_t demo_grid_ticks(const struct demo *d, int64_t iv_ms, int64_t t) {
  if (t <= d->start_ms) return 0;
  if (iv_ms >= ZZ_DAY_MS) return (t - d->start_ms + iv_ms - 1) / iv_ms;
  int64_t day = demo_day_of(t);
  int64_t full = day - demo_day_of(d->start_ms);
  int64_t tod = t - demo_day_start(day);
  return full * ((ZZ_DAY_MS + iv_ms - 1) / iv_ms) + (tod + iv_ms - 1) / iv_ms;
}

int64_t demo_series_ticks(const struct demo *d, const struct demo_series *s, int64_t iv_ms,
                          int64_t t) {
  if (t <= d->recent_ms) return demo_grid_ticks(d, iv_ms, t);
  int64_t r = demo_recent_iv(s, iv_ms);
  return demo_grid_ticks(d, iv_ms, d->recent_ms) + (t - d->recent_ms + r - 1) / r;
}

int64_t demo_month_ticks(const struct demo *d, const struct demo_series *s, int64_t t) {
  int64_t n = 0;
  if (t < d->start_ms) t = d->start_ms;
  for (t = demo_month_tick(s, t); t < d->now_ms; t = demo_month_tick(s, t + 1)) n++;
  return n;
}

/* Runs the series' tick at next_ts and moves next_ts on. */
static void series_tick(struct demo *d, struct demo_series *s) {
  int64_t ts = s->next_ts;
  switch (s->grid) {
  case DEMO_GRID_FLOW:
    demo_flow_cell(d, s, 1);
    return;
  case DEMO_GRID_DAY:
    value_tick(d, s, ts);
    s->next_ts = ts + s->cur_iv;
    /* Intervals of a day or less restart at each midnight; longer ones
     * run on from the history's start. */
    if (s->cur_iv < ZZ_DAY_MS && s->next_ts >= s->grid_day_start + ZZ_DAY_MS) {
      s->grid_day_start += ZZ_DAY_MS;
      s->next_ts = s->grid_day_start;
    }
    /* The recent window: the recent grid, every entity. */
    if (!s->recent && s->next_ts >= d->recent_ms) {
      s->recent = 1;
      s->cur_iv = demo_recent_iv(s, s->iv_ms);
      s->n_tick = s->n_all;
      s->grid_day_start = d->recent_ms;
      s->next_ts = d->recent_ms;
    }
    return;
  case DEMO_GRID_EPOCH:
    value_tick(d, s, ts);
    s->next_ts = ts + s->cur_iv;
    return;
  case DEMO_GRID_MONTH:
    value_tick(d, s, ts);
    s->next_ts = demo_month_tick(s, ts + 1);
    return;
  }
}

/* ---- the time-ordered walk ---- */

static int heap_less(const struct demo *d, int a, int b) {
  int64_t ta = d->series[a].next_ts, tb = d->series[b].next_ts;
  return ta < tb || (ta == tb && a < b);
}

static void heap_down(struct demo *d, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < d->nheap && heap_less(d, d->heap[l], d->heap[m])) m = l;
    if (r < d->nheap && heap_less(d, d->heap[r], d->heap[m])) m = r;
    if (m == i) return;
    int t = d->heap[i];
    d->heap[i] = d->heap[m];
    d->heap[m] = t;
    i = m;
  }
}

/* Emits every tick before `end` in time order. */
static int walk(struct demo *d, int64_t end) {
  d->nheap = 0;
  for (size_t i = 0; i < d->n_series; i++) d->heap[d->nheap++] = (int)i;
  for (size_t i = d->nheap / 2; i-- > 0;) heap_down(d, i);
  while (d->nheap > 0 && !d->stop) {
    struct demo_series *s = &d->series[d->heap[0]];
    if (s->next_ts >= end) break;
    series_tick(d, s);
    heap_down(d, 0);
  }
  flush(d);
  return d->stop;
}

int demo_history(struct demo *d) {
  d->stop = 0;
  d->nbuf = 0;
  d->done = 0;
  d->next_progress = DEMO_PROGRESS_EVERY;
  d->in_history = 1;
  d->live_ready = 0; /* live sets its intervals up again afterwards */
  int64_t day0 = demo_day_of(d->start_ms);
  for (size_t i = 0; i < d->n_series; i++) {
    struct demo_series *s = &d->series[i];
    s->cache_day = INT64_MIN;
    s->cur_iv = s->iv_ms;
    s->n_tick = s->n;
    s->recent = 0;
    if (s->model == DEMO_FLOW) {
      s->grid = DEMO_GRID_FLOW;
      demo_flow_begin(d, s, day0, s->iv_ms);
    } else if (s->monthly) {
      s->grid = DEMO_GRID_MONTH;
      s->next_ts = demo_month_tick(s, d->start_ms);
    } else {
      s->grid = DEMO_GRID_DAY;
      s->grid_day_start = d->start_ms;
      s->next_ts = d->start_ms;
    }
  }
  int rc = walk(d, d->now_ms);
  d->in_history = 0;
  d->live_started = 1; /* live continues the flows where the history stopped */
  if (d->opts.progress && !rc) d->opts.progress(d->opts.ud, d->done, d->total_records);
  return rc;
}

/* Live intervals for a rate: flows keep their declared live interval unless
 * they alone would pass flow_share_max of the rate; gauges with a live weight
 * share the rest, none finer than live.finest (water-filling). */
static void live_setup(struct demo *d, double rate, int64_t from) {
  double rf = 0;
  for (size_t i = 0; i < d->n_series; i++) {
    struct demo_series *s = &d->series[i];
    if (s->model == DEMO_FLOW) rf += (double)s->n_all / (double)s->live_interval_s;
  }
  double stretch = rf > d->flow_share_max * rate ? rf / (d->flow_share_max * rate) : 1;
  rf = 0;
  for (size_t i = 0; i < d->n_series; i++) {
    struct demo_series *s = &d->series[i];
    if (s->model != DEMO_FLOW) continue;
    double iv = (double)s->live_interval_s * stretch;
    if (iv > 86400) iv = 86400;
    s->live_iv_ms = llround(iv * 1000);
    /* Calibrated flows stay on the grid last year's coupled days used. */
    if (s->cal && s->cal->near_iv) s->live_iv_ms = s->cal->near_iv;
    rf += (double)s->n_all * 1000 / (double)s->live_iv_ms;
  }
  double wsum = 0;
  for (size_t i = 0; i < d->n_series; i++) {
    struct demo_series *s = &d->series[i];
    s->live_capped = 0;
    if (s->model == DEMO_FLOW) continue;
    s->live_iv_ms = s->iv_ms;
    s->n_tick = s->n;
    if (s->live_weight > 0 && !s->monthly) {
      s->n_tick = s->n_all; /* live samples every entity, not the budget's share */
      s->n_live = 0;        /* the ones that exist (from_attr) share the rate */
      for (size_t j = 0; j < s->n_all; j++) s->n_live += s->from[j] <= from;
      if (s->n_live == 0) continue;
      wsum += s->live_weight;
    } else if (!s->monthly) {
      /* Live goes on as the recent window does: its grid, every entity. */
      s->live_iv_ms = demo_recent_iv(s, s->iv_ms);
      s->n_tick = s->n_all;
      rf += (double)s->n_all * 1000 / (double)s->live_iv_ms;
    }
  }
  double rg = rate - rf;
  /* Water-filling: series that would pass their finest interval are capped
   * and the rest share what is left. */
  for (int round = 0; round < 64 && rg > 0 && wsum > 0; round++) {
    int capped = 0;
    for (size_t i = 0; i < d->n_series; i++) {
      struct demo_series *s = &d->series[i];
      if (s->model == DEMO_FLOW || s->monthly || s->live_weight <= 0 || s->live_capped) continue;
      if (s->n_live == 0) continue;
      double r = rg * s->live_weight / wsum, rmax = (double)s->n_live / d->live_finest_s;
      if (r > rmax) {
        s->live_capped = 1;
        s->live_iv_ms = llround(d->live_finest_s * 1000);
        rg -= rmax;
        wsum -= s->live_weight;
        capped = 1;
      }
    }
    if (capped) continue;
    for (size_t i = 0; i < d->n_series; i++) {
      struct demo_series *s = &d->series[i];
      if (s->model == DEMO_FLOW || s->monthly || s->live_weight <= 0 || s->live_capped) continue;
      if (s->n_live == 0) continue;
      double r = rg * s->live_weight / wsum;
      int64_t iv = llround(1000 * (double)s->n_live / r);
      s->live_iv_ms = iv < 1 ? 1 : iv;
    }
    break;
  }
  for (size_t i = 0; i < d->n_series; i++) d->series[i].cur_iv = d->series[i].live_iv_ms;
  d->live_rate = rate;
}

/* Brings a series to the first tick at or after from (skipping a gap). */
static void live_seek(struct demo *d, struct demo_series *s, int64_t from, int reset_grid) {
  if (s->model == DEMO_FLOW) {
    s->grid = DEMO_GRID_FLOW;
    if (!d->live_started || s->plan.day < demo_day_of(from) - 1) {
      /* Nothing to continue: start the day of from as the history would. */
      demo_flow_begin(d, s, demo_day_of(from), s->iv_ms);
    }
    while (s->next_ts < from) demo_flow_cell(d, s, 0);
    if (s->plan.iv != s->live_iv_ms) demo_flow_replan(s, s->next_ts, s->live_iv_ms);
    return;
  }
  if (s->monthly) {
    s->grid = DEMO_GRID_MONTH;
    if (!d->live_started || s->next_ts < from) s->next_ts = demo_month_tick(s, from);
    return;
  }
  if (reset_grid || s->grid != DEMO_GRID_EPOCH || s->next_ts < from) {
    s->grid = DEMO_GRID_EPOCH;
    int64_t iv = s->cur_iv;
    s->next_ts = (from >= 0 ? (from + iv - 1) / iv : from / iv) * iv;
  }
}

int demo_live(struct demo *d, int64_t from_ms, int64_t to_ms, double rate) {
  if (from_ms < d->now_ms) from_ms = d->now_ms; /* the history owns what is before now */
  if (to_ms <= from_ms) return 0;
  if (!(rate > 0)) rate = 200;
  int reset = !d->live_ready || rate != d->live_rate;
  if (reset) live_setup(d, rate, from_ms);
  d->live_ready = 1;
  d->stop = 0;
  d->nbuf = 0;
  for (size_t i = 0; i < d->n_series; i++) {
    struct demo_series *s = &d->series[i];
    if (!d->live_started) s->cache_day = INT64_MIN;
    live_seek(d, s, from_ms, reset);
  }
  d->live_started = 1;
  return walk(d, to_ms);
}

int64_t demo_start_ms(const struct demo *d) {
  return d->start_ms;
}

int64_t demo_planned_records(const struct demo *d) {
  return d->total_records;
}

/* ---- lifetime ---- */

struct demo *demo_new(const struct demo_opts *opts, struct zz_err *err) {
  if (!opts || !opts->pack_dir || !opts->emit) {
    zz_fail(err, ZZ_EINVAL, "opts", "demo: pack_dir and emit are required");
    return NULL;
  }
  if (opts->now_ms <= 0) {
    zz_fail(err, ZZ_EINVAL, "now_ms", "demo: now_ms must be a time after 1970");
    return NULL;
  }
  if (opts->records < 0 || opts->records > 10000000000LL) {
    zz_fail(err, ZZ_EINVAL, "records", "demo: records must be between 0 (default) and 1e10");
    return NULL;
  }
  struct demo *d = zz_calloc(1, sizeof *d);
  if (!d) {
    zz_fail(err, ZZ_ENOMEM, "demo", "out of memory");
    return NULL;
  }
  d->opts = *opts;
  if (d->opts.records == 0) d->opts.records = 5000000;
  d->dir = zz_strdup(opts->pack_dir);
  if (!d->dir) {
    zz_fail(err, ZZ_ENOMEM, "demo", "out of memory");
    goto fail;
  }
  if (demo_load(d, err) != 0) goto fail;

  d->now_ms = opts->now_ms;
  struct zz_civil c;
  zz_time_civil(d->now_ms, &c);
  d->year = c.year;
  d->this_year_day0 = demo_day_of(zz_time_from_civil(c.year, 1, 1, 0, 0, 0));
  d->last_year_day0 = demo_day_of(zz_time_from_civil(c.year - 1, 1, 1, 0, 0, 0));
  int64_t day0 = demo_day_of(d->now_ms) - d->min_days;
  if (day0 > d->last_year_day0) day0 = d->last_year_day0;
  d->start_ms = demo_day_start(day0);
  d->recent_day0 = demo_day_of(d->now_ms - 2 * ZZ_DAY_MS);
  if (d->recent_day0 < day0) d->recent_day0 = day0;
  d->recent_ms = demo_day_start(d->recent_day0);

  if (demo_calib_frame(d, err) != 0 || demo_plan_budget(d, err) != 0 || demo_calibrate(d, err) != 0)
    goto fail;
  d->buf = zz_malloc(DEMO_CHUNK * sizeof *d->buf);
  d->heap = zz_malloc(d->n_series * sizeof *d->heap);
  if (!d->buf || !d->heap) {
    zz_fail(err, ZZ_ENOMEM, "demo", "out of memory");
    goto fail;
  }
  return d;
fail:
  demo_free(d);
  return NULL;
}

void demo_free(struct demo *d) {
  if (!d) return;
  demo_unload(d);
  zz_free(d->buf);
  zz_free(d->heap);
  zz_free(d->dir);
  zz_free(d);
}
