/* demo_plan.c - sizes the history to the records budget and calibrates the
 * flows that carry the seed's figures. The budget only moves the sampling
 * intervals of scalable series (and, past their coarsest, thins entities of
 * series that allow it); a flow's daily totals never depend on it. The
 * calibration fixes daily totals by construction, so noise cannot break the
 * year-on-year changes or the peak day. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "demo/demo_int.h"

#define DEMO_RECENT_MAX_S 3600 /* recent and near grids: hourly or finer */

static double coverage_of(const struct demo_series *s, double c) {
  return s->min_coverage >= 1 ? 1 : (c > s->min_coverage ? c : s->min_coverage);
}

/* Intervals a scalable series may take, in seconds, ascending: those in
 * [finest, coarsest] that divide a day (or are whole days), so every day has
 * the same regular grid; finest itself if none does. */
#define DEMO_MAX_NICE 160
static size_t nice_intervals(const struct demo_series *s, int64_t out[DEMO_MAX_NICE]) {
  int64_t all[DEMO_MAX_NICE];
  size_t na = 0, n = 0;
  for (int64_t i = 1; i * i <= 86400; i++) /* the day's divisors, ascending */
    if (86400 % i == 0) all[na++] = i;
  for (size_t k = na; k-- > 0;)
    if (all[k] * all[k] != 86400) all[na++] = 86400 / all[k];
  for (int64_t days = 2; days <= 31; days++) all[na++] = days * 86400;
  for (size_t i = 0; i < na; i++)
    if (all[i] >= s->finest_s && all[i] <= s->coarsest_s) out[n++] = all[i];
  if (n == 0) out[n++] = s->finest_s;
  return n;
}

/* The series' interval (ms) for scale factor p: the allowed interval
 * nearest to interval * p on a log scale. */
static int64_t interval_ms(const struct demo_series *s, double p) {
  if (!s->scalable) return s->interval_s * 1000;
  int64_t c[DEMO_MAX_NICE];
  size_t n = nice_intervals(s, c);
  double want = log((double)s->interval_s * p);
  size_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (fabs(log((double)c[i]) - want) < fabs(log((double)c[best]) - want)) best = i;
  return c[best] * 1000;
}

/* Is selected entity i covered at coverage cov? Entities whose draw falls
 * below cov, and each street's keeper; if none does, the one with the
 * smallest draw. */
static int is_covered(const struct demo_series *s, size_t i, double cov, size_t argmin) {
  if (s->sel_u[i] < cov || (s->keep && s->keep[i])) return 1;
  return i == argmin && s->sel_u[argmin] >= cov;
}

static size_t draw_argmin(const struct demo_series *s) {
  size_t m = 0;
  for (size_t i = 1; i < s->n_all; i++)
    if (s->sel_u[i] < s->sel_u[m]) m = i;
  return m;
}

/* History records of series s at interval iv_ms and coverage cov. */
static int64_t series_records(const struct demo *d, const struct demo_series *s, int64_t iv_ms,
                              double cov) {
  const struct demo_calib *c = s->cal;
  if (c && c->near_iv) {
    /* Today and the coupled days run on the near grid (coverage is 1). */
    int64_t g = c->near_iv, day = ZZ_DAY_MS, r = demo_recent_iv(s, iv_ms);
    int64_t recent = c->today - d->recent_day0;
    int64_t full = c->today - demo_day_of(d->start_ms) - c->n_coupled - recent;
    int64_t tod = d->now_ms - demo_day_start(c->today);
    return (int64_t)s->n_all * (full * ((day + iv_ms - 1) / iv_ms) + recent * (day / r) +
                                c->n_coupled * ((day + g - 1) / g) + (tod + g - 1) / g);
  }
  size_t am = draw_argmin(s);
  if (s->monthly) {
    int64_t all = s->from_attr ? 0 : demo_month_ticks(d, s, d->start_ms), t = 0;
    for (size_t i = 0; i < s->n_all; i++)
      if (is_covered(s, i, cov, am)) t += s->from_attr ? s->mcount[i] : all;
    return t;
  }
  /* Covered entities tick from their first day; the others only inside the
   * recent window, where every entity ticks. */
  int64_t all = demo_series_ticks(d, s, iv_ms, d->now_ms), t = 0;
  int64_t before_recent = demo_series_ticks(d, s, iv_ms, d->recent_ms);
  for (size_t i = 0; i < s->n_all; i++) {
    int64_t f = s->from_all[i];
    if (f >= d->now_ms) continue;
    if (is_covered(s, i, cov, am))
      t += all - demo_series_ticks(d, s, iv_ms, f);
    else
      t += all - (f > d->recent_ms ? demo_series_ticks(d, s, iv_ms, f) : before_recent);
  }
  return t;
}

static int64_t total_at(const struct demo *d, double p, double c) {
  int64_t t = 0;
  for (size_t i = 0; i < d->n_series; i++) {
    const struct demo_series *s = &d->series[i];
    t += series_records(d, s, interval_ms(s, p), coverage_of(s, c));
  }
  return t;
}

/* Standard normal-ish draw from one hash: four uniforms (sd 1, |z| < 3.5). */
static double normalish(uint64_t h) {
  double u = 0;
  for (int i = 0; i < 4; i++) {
    u += demo_u01(h);
    h = demo_mix(h);
  }
  return (u - 2) * 1.7320508075688772;
}

/* Lays out the series' entities: the covered ones (history) first, then the
 * others, which only live gauges sample. */
static int build_entities(struct demo *d, struct demo_series *s, double cov, struct zz_err *err) {
  size_t am = draw_argmin(s), n = s->n_all;
  s->ents = zz_malloc(n * sizeof *s->ents);
  s->eid = zz_malloc(n * sizeof *s->eid);
  s->ek = zz_malloc(n * sizeof *s->ek);
  s->ef = zz_malloc(n * sizeof *s->ef);
  s->from = zz_malloc(n * sizeof *s->from);
  if (!s->ents || !s->eid || !s->ek || !s->ef || !s->from)
    return zz_fail(err, ZZ_ENOMEM, "demo", "out of memory");
  size_t k = 0;
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < s->n_all; i++) {
      if (is_covered(s, i, cov, am) != (pass == 0)) continue;
      const struct demo_entity *e = &d->ents[s->all[i]];
      s->ents[k] = s->all[i];
      s->eid[k] = e->id;
      s->ek[k] = e->key;
      double z = normalish(demo_hash3(s->ekey, e->key, 0xef));
      double f = exp(s->spread * z - s->spread * s->spread / 2);
      if (s->level_attr) f *= s->attr_v[i];
      if (s->weight_attr) f *= s->attr_v[i] / s->attr_mean;
      s->ef[k] = f;
      s->from[k] = s->from_all[i];
      k++;
    }
    if (pass == 0) s->n = k;
  }
  s->n_tick = s->n;
  if (s->model == DEMO_FLOW) {
    s->tab = zz_malloc(s->n_all * DEMO_BUCKETS * sizeof *s->tab); /* recent days: all */
    if (!s->tab) return zz_fail(err, ZZ_ENOMEM, "demo", "out of memory");
  }
  s->coverage = cov;
  return 0;
}

/* Monthly ticks of each selected entity from its first day (from_attr). */
static int month_counts(struct demo *d, struct demo_series *s, struct zz_err *err) {
  int64_t ticks[512];
  size_t nt = 0;
  for (int64_t t = demo_month_tick(s, d->start_ms); t < d->now_ms && nt < 512;
       t = demo_month_tick(s, t + 1))
    ticks[nt++] = t;
  s->mcount = zz_malloc(s->n_all * sizeof *s->mcount);
  if (!s->mcount) return zz_fail(err, ZZ_ENOMEM, "demo", "out of memory");
  for (size_t i = 0; i < s->n_all; i++) {
    int64_t n = 0;
    for (size_t k = 0; k < nt; k++) n += ticks[k] >= s->from_all[i];
    s->mcount[i] = n;
  }
  return 0;
}

/* Nudges one series (interval if scalable in phase 1, else coverage in
 * phase 2) so that the total comes closer to the budget; returns the new
 * total. Each series' count is monotone in its own knob, so a bisection on
 * that knob alone finds its best value. */
static int64_t refine_one(const struct demo *d, const struct demo_series *s, int64_t *iv,
                          double *cov, int phase2, int64_t total, int64_t budget) {
  int64_t cur = series_records(d, s, *iv, *cov);
  int64_t want = cur - (total - budget);
  if (want < 0) want = 0;
  if (!phase2) {
    int64_t c[DEMO_MAX_NICE];
    size_t n = nice_intervals(s, c), best = 0;
    int64_t nb = -1;
    for (size_t i = 0; i < n; i++) {
      int64_t x = series_records(d, s, c[i] * 1000, *cov);
      if (nb < 0 || llabs(x - want) < llabs(nb - want)) {
        nb = x;
        best = i;
      }
    }
    if (llabs(total - cur + nb - budget) < llabs(total - budget)) {
      *iv = c[best] * 1000;
      return total - cur + nb;
    }
    return total;
  }
  double lo = s->min_coverage, hi = 1; /* count grows with coverage */
  for (int it = 0; it < 50; it++) {
    double m = (lo + hi) / 2;
    if (series_records(d, s, *iv, m) < want)
      lo = m;
    else
      hi = m;
  }
  int64_t cl = series_records(d, s, *iv, lo), ch = series_records(d, s, *iv, hi);
  double best = llabs(cl - want) <= llabs(ch - want) ? lo : hi;
  int64_t nb = series_records(d, s, *iv, best);
  if (llabs(total - cur + nb - budget) < llabs(total - budget)) {
    *cov = best;
    return total - cur + nb;
  }
  return total;
}

/* The near grid of calibrated flows: their live interval, coarsened until
 * today and the coupled days cost at most a tenth of the budget. */
static void plan_near_grid(struct demo *d, int64_t budget) {
  for (double m = 1;; m *= 1.1) {
    int64_t cost = 0;
    int at_max = 1;
    for (size_t i = 0; i < d->n_series; i++) {
      struct demo_series *s = &d->series[i];
      if (!s->cal || !s->cal->has_ratio) continue;
      /* Never coarser than an hour: today feeds 24-hour panels. */
      int64_t g = (int64_t)ceil(fmin((double)s->live_interval_s * m, DEMO_RECENT_MAX_S));
      while (86400 % g != 0) g++; /* a regular grid: a divisor of the day */
      at_max &= g >= DEMO_RECENT_MAX_S;
      s->cal->near_iv = g * 1000;
      int64_t gi = s->cal->near_iv, tod = d->now_ms - demo_day_start(s->cal->today);
      cost += (int64_t)s->n_all *
              (s->cal->n_coupled * ((ZZ_DAY_MS + gi - 1) / gi) + (tod + gi - 1) / gi);
    }
    if (cost * 10 <= budget || at_max) break;
  }
}

/* The recent window's grid of each series: its declared interval (within
 * its scale), coarsened together until the window costs at most `share` of
 * the budget, and never coarser than an hour (four for statuses), so that
 * 24-hour panels show every hour whatever the budget. Series already finer keep their grid
 * (demo_recent_iv). */
static int plan_recent_grid(struct demo *d, int64_t budget, double share) {
  int64_t span = d->now_ms - d->recent_ms;
  for (double m = 1;; m *= 1.25) {
    int64_t cost = 0;
    int at_max = 1;
    for (size_t i = 0; i < d->n_series; i++) {
      struct demo_series *s = &d->series[i];
      if (s->monthly) continue;
      /* Statuses (lights, fire equipment) feed "in order now" rates, not
       * hourly curves: four hours is enough for them. */
      double cap = s->model == DEMO_STATUS ? 4 * DEMO_RECENT_MAX_S : DEMO_RECENT_MAX_S;
      double want = fmax((double)s->interval_s * m, (double)s->finest_s);
      int64_t g = (int64_t)ceil(fmin(want, cap));
      while (86400 % g != 0) g++;
      at_max &= g >= cap;
      s->recent_iv_ms = g * 1000;
      cost += (int64_t)s->n_all * ((span + s->recent_iv_ms - 1) / s->recent_iv_ms);
    }
    if ((double)cost <= share * (double)budget || at_max) return at_max;
  }
}

/* The one interval factor *p (phase 1: every entity, intervals scaled
 * together) or, when even the coarsest intervals exceed the budget, the
 * coverage *c (phase 2: intervals at their coarsest, entities thinned).
 * Returns 1 for phase 2. */
static int plan_factors(struct demo *d, int64_t budget, double *p_out, double *c_out) {
  double plo = 1, phi = 1;
  int any = 0;
  for (size_t i = 0; i < d->n_series; i++) {
    const struct demo_series *s = &d->series[i];
    if (!s->scalable) continue;
    double lo = (double)s->finest_s / (double)s->interval_s;
    double hi = (double)s->coarsest_s / (double)s->interval_s;
    if (!any || lo < plo) plo = lo;
    if (!any || hi > phi) phi = hi;
    any = 1;
  }
  double p = 1, c = 1;
  int phase2 = total_at(d, phi, 1) > budget;
  if (!phase2) {
    /* Phase 1: all entities, intervals scaled by one factor p. The total
     * falls as p grows; bisect on log p and keep the closer bracket. */
    if (total_at(d, plo, 1) <= budget) {
      p = plo;
    } else {
      double a = log(plo), b = log(phi);
      for (int it = 0; it < 80; it++) {
        double m = (a + b) / 2;
        if (total_at(d, exp(m), 1) > budget)
          a = m;
        else
          b = m;
      }
      int64_t ta = total_at(d, exp(a), 1), tb = total_at(d, exp(b), 1);
      p = llabs(ta - budget) < llabs(tb - budget) ? exp(a) : exp(b);
    }
  } else {
    /* Phase 2: every interval at its coarsest; thin the entities of series
     * that allow it, uniformly down to each one's min_coverage. */
    p = phi;
    double a = 0, b = 1;
    for (int it = 0; it < 60; it++) {
      double m = (a + b) / 2;
      if (total_at(d, p, m) > budget)
        b = m;
      else
        a = m;
    }
    int64_t ta = total_at(d, p, a), tb = total_at(d, p, b);
    c = llabs(ta - budget) < llabs(tb - budget) ? a : b;
  }
  *p_out = p;
  *c_out = c;
  return phase2;
}

/* Length of the street part of a region path ("gongshu/dongxin" of
 * "gongshu/dongxin/xintiandi"): up to the second slash. */
static size_t street_len(const char *region) {
  const char *a = strchr(region, '/');
  const char *b = a ? strchr(a + 1, '/') : NULL;
  return b ? (size_t)(b - region) : strlen(region);
}

/* Thinning keeps every street of a series marked keep_streets: it covers,
 * in each street its entities span, the one with the smallest draw, so that
 * no street's history falls silent (a district bar of the streets' police
 * incidents this year would read 19 against 3,500). Only where a panel
 * compares streets over a long range: a keeper costs a record a day. */
static int mark_street_keepers(struct demo *d, struct demo_series *s, struct zz_err *err) {
  if (!s->keep_streets || s->monthly || s->min_coverage >= 1 || s->n_all < 2) return 0;
  s->keep = zz_calloc(s->n_all, 1);
  if (!s->keep) return zz_fail(err, ZZ_ENOMEM, "demo", "out of memory");
  for (size_t i = 0; i < s->n_all; i++) {
    const char *ri = d->ents[s->all[i]].region;
    size_t li = street_len(ri), best = i;
    for (size_t k = 0; k < s->n_all; k++) {
      const char *rk = d->ents[s->all[k]].region;
      if (street_len(rk) == li && strncmp(ri, rk, li) == 0 && s->sel_u[k] < s->sel_u[best])
        best = k;
    }
    s->keep[best] = 1;
  }
  return 0;
}

int demo_plan_budget(struct demo *d, struct zz_err *err) {
  int64_t budget = d->opts.records;
  int rc = 0;
  for (size_t i = 0; i < d->n_series; i++)
    if ((rc = mark_street_keepers(d, &d->series[i], err))) return rc;
  for (size_t i = 0; i < d->n_series; i++) {
    struct demo_series *s = &d->series[i];
    if (s->monthly && s->from_attr && (rc = month_counts(d, s, err))) return rc;
  }
  /* The recent window takes up to half the budget; when the older history
   * at its coarsest cannot fit beside it, the window coarsens (a smaller
   * share) until the whole fits or the window is at its coarsest. */
  double p, c;
  int phase2;
  for (double share = 0.5;; share *= 0.8) {
    int recent_max = plan_recent_grid(d, budget, share);
    plan_near_grid(d, budget);
    phase2 = plan_factors(d, budget, &p, &c);
    int64_t t = 0;
    for (size_t i = 0; i < d->n_series; i++)
      t += series_records(d, &d->series[i], interval_ms(&d->series[i], p),
                          coverage_of(&d->series[i], c));
    if (t <= budget + budget / 100 || recent_max || share < 0.01) break;
  }
  /* One factor moves many series' ticks per day at once (ceil(day/iv)
   * jumps together), so finish by tuning series one at a time, largest
   * first, until the total is within 0.5% of the budget. */
  int64_t *iv = zz_malloc(d->n_series * sizeof *iv);
  double *cov = zz_malloc(d->n_series * sizeof *cov);
  size_t *order = zz_malloc(d->n_series * sizeof *order);
  if (!iv || !cov || !order) {
    rc = zz_fail(err, ZZ_ENOMEM, "demo", "out of memory");
    goto done;
  }
  int64_t total = 0;
  for (size_t i = 0; i < d->n_series; i++) {
    iv[i] = interval_ms(&d->series[i], p);
    cov[i] = coverage_of(&d->series[i], c);
    total += series_records(d, &d->series[i], iv[i], cov[i]);
    order[i] = i;
  }
  for (size_t i = 1; i < d->n_series; i++) /* insertion sort, largest first */
    for (size_t k = i; k > 0; k--) {
      const struct demo_series *x = &d->series[order[k]], *y = &d->series[order[k - 1]];
      if (series_records(d, x, iv[order[k]], cov[order[k]]) <=
          series_records(d, y, iv[order[k - 1]], cov[order[k - 1]]))
        break;
      size_t t = order[k];
      order[k] = order[k - 1];
      order[k - 1] = t;
    }
  for (int pass = 0; pass < 3; pass++)
    for (size_t k = 0; k < d->n_series && llabs(total - budget) > budget / 200; k++) {
      const struct demo_series *s = &d->series[order[k]];
      if (phase2 ? s->min_coverage >= 1 : !s->scalable) continue;
      total = refine_one(d, s, &iv[order[k]], &cov[order[k]], phase2, total, budget);
    }
  d->total_records = 0;
  for (size_t i = 0; i < d->n_series; i++) {
    struct demo_series *s = &d->series[i];
    s->iv_ms = iv[i];
    if ((rc = build_entities(d, s, cov[i], err))) goto done;
    s->hist_records = series_records(d, s, s->iv_ms, s->coverage);
    d->total_records += s->hist_records;
  }
  if (llabs(d->total_records - budget) > budget / 20)
    zz_warn("demo: %lld history records planned for a budget of %lld (the pack's scale limits)",
            (long long)d->total_records, (long long)budget);
done:
  zz_free(iv);
  zz_free(cov);
  zz_free(order);
  return rc;
}

/* ---- calibration ---- */

struct day_pick {
  int64_t day, T;
};

static int cmp_pick_desc(const void *a, const void *b) {
  int64_t x = ((const struct day_pick *)a)->T, y = ((const struct day_pick *)b)->T;
  return (x < y) - (x > y);
}

/* One series' calibration in progress: the natural day totals R and the
 * windows being matched (this year to today, last year to the same date). */
struct calib_run {
  struct demo *d;
  struct demo_series *s;
  struct demo_calib *c;
  double *R;  /* natural totals per day of the table */
  double cap; /* no day above the peak times others_max */
  int64_t today, now_ly, today_ly, y0, ly0;
  int64_t lc; /* last year's complete days in the window */
};

/* Rounds x + *carry to a count, keeping the remainder (error diffusion), so
 * a run of rounded days sums to the sum of the unrounded ones. */
static int64_t diffuse(double x, double *carry, int clamp0) {
  double y = x + *carry;
  int64_t v = llround(y);
  if (clamp0 && v < 0) v = 0;
  *carry = y - (double)v;
  return v;
}

/* Before this year: the natural totals, rounded; the peak is this year's
 * busiest complete day by nature. */
static void calib_past(struct calib_run *k) {
  struct demo_calib *c = k->c;
  double carry = 0;
  for (int64_t day = c->d0; day < k->y0; day++)
    c->T[day - c->d0] = diffuse(k->R[day - c->d0], &carry, 1);
  c->peak_day = -1;
  if (c->has_peak)
    for (int64_t day = k->y0; day < k->today; day++)
      if (c->peak_day < 0 || k->R[day - c->d0] > k->R[c->peak_day - c->d0]) c->peak_day = day;
  k->lc = 0;
  for (int64_t day = k->ly0; day < k->today_ly; day++) k->lc += c->T[day - c->d0];
}

/* Early in a year the peak day alone may outweigh ratio times last year's
 * window (January 2: this year's January 1 is the peak). Then last year's
 * window is raised, so that this year's other days keep at least half
 * their natural level. */
static void calib_raise_last_year(struct calib_run *k) {
  struct demo_calib *c = k->c;
  if (!c->has_ratio || c->peak_day < 0 || k->lc <= 0) return;
  double f1 = 0;
  for (int64_t day = k->y0; day < k->today; day++)
    if (day != c->peak_day) f1 += fmin(k->R[day - c->d0], k->cap);
  if (c->ratio * (double)k->lc >= c->peak + 0.5 * f1) return;
  double q = (c->peak + f1) / (c->ratio * (double)k->lc), carry = 0;
  k->lc = 0;
  for (int64_t day = k->ly0; day < k->today_ly; day++) {
    int64_t v = diffuse((double)c->T[day - c->d0] * q, &carry, 0);
    c->T[day - c->d0] = v;
    k->lc += v;
  }
}

/* This year's complete days but the peak, scaled by f and capped. */
static double calib_scaled_sum(const struct calib_run *k, double f) {
  const struct demo_calib *c = k->c;
  double sum = 0;
  for (int64_t day = k->y0; day < k->today; day++)
    if (day != c->peak_day) sum += fmin(f * k->R[day - c->d0], k->cap);
  return sum;
}

/* The scale k of this year's days whose sum (with the peak) is ratio times
 * last year's window, by doubling then bisection (the cap makes the sum
 * non-linear in k). Partial days are matched by coupling. */
static void calib_solve_scale(struct calib_run *k) {
  struct demo_calib *c = k->c;
  c->k = 1;
  if (!c->has_ratio || k->today <= k->y0) return;
  double target = c->ratio * (double)k->lc - (c->peak_day >= 0 ? c->peak : 0);
  double ka = 0, kb = 1;
  for (int grow = 0; grow < 60 && calib_scaled_sum(k, kb) < target; grow++) kb *= 2;
  for (int it = 0; it < 100; it++) {
    double km = (ka + kb) / 2;
    if (calib_scaled_sum(k, km) < target)
      ka = km;
    else
      kb = km;
  }
  c->k = (ka + kb) / 2;
}

/* This year's totals from the scale; the coupled days (see
 * demo_calib_frame) take this year's totals over the ratio. */
static void calib_this_year(struct calib_run *k) {
  struct demo_calib *c = k->c;
  double carry = 0;
  for (int64_t day = k->y0; day < k->today; day++)
    c->T[day - c->d0] = day == c->peak_day
                            ? llround(c->peak)
                            : diffuse(fmin(c->k * k->R[day - c->d0], k->cap), &carry, 1);
  for (int64_t day = k->today; day <= c->d1; day++)
    c->T[day - c->d0] = llround(fmin(c->k * k->R[day - c->d0], k->cap));
  for (int64_t day = c->d0; day < c->today; day++)
    if (c->shape[day - c->d0] != day)
      c->T[day - c->d0] = llround((double)c->T[c->shape[day - c->d0] - c->d0] / c->ratio);
}

/* Whole counts make ratio * L fall between integers: nudges last year's
 * busiest day in the window by a few counts so that it falls (almost) on
 * one (this matters early in a year, when L is small). Returns the nudge. */
static int64_t calib_nudge_last_year(struct calib_run *k, int64_t L) {
  struct demo_calib *c = k->c;
  int64_t big = -1;
  for (int64_t day = k->ly0; day < k->today_ly; day++)
    if (big < 0 || c->T[day - c->d0] > c->T[big - c->d0]) big = day;
  if (big < 0) return 0;
  int64_t best = 0;
  double err_best = 1;
  for (int64_t dl = -12; dl <= 12; dl++) {
    if (c->T[big - c->d0] + dl < 0) continue;
    double x = c->ratio * (double)(L + dl), e = fabs(x - (double)llround(x));
    if (e < err_best - 1e-9 || (fabs(e - err_best) <= 1e-9 && llabs(dl) < llabs(best))) {
      err_best = e;
      best = dl;
    }
  }
  c->T[big - c->d0] += best;
  return best;
}

/* Exact integers as the history will emit them: the rounding left over
 * goes to this year's largest complete days, one count each. picks holds
 * room for every day of the table. */
static void calib_exact(struct calib_run *k, struct day_pick *picks) {
  struct demo_calib *c = k->c;
  int64_t p_last = demo_flow_partial(k->d, k->s, k->today_ly, k->now_ly);
  int64_t p_this = demo_flow_partial(k->d, k->s, k->today, k->d->now_ms);
  int64_t L = k->lc + p_last, Y = p_this;
  size_t np = 0;
  for (int64_t day = k->y0; day < k->today; day++) {
    Y += c->T[day - c->d0];
    if (day != c->peak_day) picks[np++] = (struct day_pick){day, c->T[day - c->d0]};
  }
  if (np > 0) L += calib_nudge_last_year(k, L); /* this year's days can follow */
  int64_t delta = llround(c->ratio * (double)L) - Y;
  qsort(picks, np, sizeof *picks, cmp_pick_desc);
  for (int pass = 0; delta != 0 && np > 0 && pass < 1000; pass++) {
    int moved = 0;
    for (size_t i = 0; i < np && delta != 0; i++) {
      int64_t *t = &c->T[picks[i].day - c->d0];
      if (delta > 0 && (double)(*t + 1) <= k->cap) {
        (*t)++;
        delta--;
        moved = 1;
      } else if (delta < 0 && *t > 0) {
        (*t)--;
        delta++;
        moved = 1;
      }
    }
    if (!moved) break;
  }
  c->ytd_last = L;
  c->ytd_this = Y + (llround(c->ratio * (double)L) - Y - delta);
}

static int calibrate_series(struct demo *d, struct demo_series *s, struct zz_err *err) {
  struct demo_calib *c = s->cal;
  struct calib_run k = {.d = d, .s = s, .c = c};
  k.today = demo_day_of(d->now_ms);
  k.now_ly = zz_time_add_months(d->now_ms, -12);
  k.today_ly = demo_day_of(k.now_ly);
  k.y0 = d->this_year_day0;
  k.ly0 = d->last_year_day0;
  k.cap = c->has_peak ? c->peak * c->others_max : INFINITY;
  size_t nd = (size_t)(c->d1 - c->d0 + 1);
  k.R = zz_malloc(nd * sizeof *k.R);
  struct day_pick *picks = zz_malloc(nd * sizeof *picks);
  int rc = 0;
  if (!k.R || !picks) {
    rc = zz_fail(err, ZZ_ENOMEM, "demo", "out of memory");
    goto done;
  }
  c->ready = 0; /* lookups use the natural totals until the table is ready */
  c->k = 1;
  for (int64_t day = c->d0; day <= c->d1; day++) k.R[day - c->d0] = demo_flow_natural(d, s, day);
  calib_past(&k);
  calib_raise_last_year(&k);
  calib_solve_scale(&k);
  calib_this_year(&k);
  c->ready = 1;
  if (c->has_ratio) calib_exact(&k, picks);
done:
  zz_free(k.R);
  zz_free(picks);
  return rc;
}

/* Lays out a calibrated series' day table: local days from the history's
 * first to the end of the live horizon (this year only). The horizon is
 * coupled: last year's same dates take this year's shape (weekday, profile,
 * noise) and, in demo_calibrate, this year's total over the ratio, so that as
 * live data arrives both windows of the year-on-year comparison grow in
 * step. */
static int calib_frame(struct demo *d, struct demo_series *s, struct zz_err *err) {
  struct demo_calib *c = s->cal;
  int64_t dec31 = demo_day_of(zz_time_from_civil((int)d->year + 1, 1, 1, 0, 0, 0)) - 1;
  c->today = demo_day_of(d->now_ms);
  c->d0 = demo_day_of(d->start_ms);
  c->d1 = c->today + d->horizon_days;
  if (c->d1 > dec31) c->d1 = dec31;
  if (c->d1 < c->today) c->d1 = c->today;
  size_t nd = (size_t)(c->d1 - c->d0 + 1);
  c->T = zz_calloc(nd, sizeof *c->T);
  c->shape = zz_malloc(nd * sizeof *c->shape);
  if (!c->T || !c->shape) return zz_fail(err, ZZ_ENOMEM, "demo", "out of memory");
  for (int64_t day = c->d0; day <= c->d1; day++) c->shape[day - c->d0] = day;
  c->n_coupled = 0;
  if (!c->has_ratio) return 0;
  for (int64_t day = c->today; day <= c->d1; day++) {
    struct zz_civil cv;
    zz_time_civil(demo_day_start(day), &cv);
    if (cv.month == 2 && cv.day == 29) continue;
    int64_t ly = demo_day_of(zz_time_from_civil(cv.year - 1, cv.month, cv.day, 0, 0, 0));
    if (ly < c->d0) continue;
    c->shape[ly - c->d0] = day;
    c->n_coupled++;
  }
  return 0;
}

int demo_calib_frame(struct demo *d, struct zz_err *err) {
  for (size_t i = 0; i < d->n_series; i++) {
    struct demo_series *s = &d->series[i];
    if (!s->cal) continue;
    int rc = calib_frame(d, s, err);
    if (rc) return rc;
  }
  return 0;
}

int demo_calibrate(struct demo *d, struct zz_err *err) {
  for (size_t i = 0; i < d->n_series; i++) {
    struct demo_series *s = &d->series[i];
    if (!s->cal) continue;
    int rc = calibrate_series(d, s, err);
    if (rc) return rc;
  }
  return 0;
}
