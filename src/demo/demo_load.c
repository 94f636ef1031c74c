/* demo_load.c - reads the pack (entities.ndjson, metrics.json, sources.json)
 * and demo.json into struct demo, validating as it goes: every error names
 * the file and the field ("demo.json: series[3].metric: unknown metric
 * \"vistors\""). Selects each series' entities and attaches calibration
 * targets; sizing and calibration happen later (demo_plan.c). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/hash.h"
#include "demo/demo_int.h"

#define DEMO_LINE_MAX (1 << 20)

uint64_t demo_strkey(const char *s) {
  return demo_mix(zz_hash_str(s));
}

char *demo_keep(struct demo *d, const char *s) {
  if (d->n_strs == d->cap_strs) {
    size_t cap = d->cap_strs ? d->cap_strs * 2 : 1024;
    char **p = zz_realloc(d->strs, cap * sizeof *p);
    if (!p) return NULL;
    d->strs = p;
    d->cap_strs = cap;
  }
  char *c = zz_strdup(s);
  if (c) d->strs[d->n_strs++] = c;
  return c;
}

/* Fills err with "file: field: message" and returns ZZ_EINVAL. */
static int bad(struct zz_err *err, const char *file, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(struct zz_err *err, const char *file, const char *field, const char *fmt, ...) {
  char msg[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (field && *field) return zz_fail(err, ZZ_EINVAL, field, "%s: %s: %s", file, field, msg);
  return zz_fail(err, ZZ_EINVAL, file, "%s: %s", file, msg);
}

static int region_in(const char *region, const char *prefix) {
  size_t n = strlen(prefix);
  return strncmp(region, prefix, n) == 0 && (region[n] == '\0' || region[n] == '/');
}

static const struct demo_metric *find_metric(const struct demo *d, const char *id) {
  for (size_t i = 0; i < d->n_metrics; i++)
    if (strcmp(d->metrics[i].id, id) == 0) return &d->metrics[i];
  return NULL;
}

static char *path_join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = zz_malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static json_t *load_json(const struct demo *d, const char *name, struct zz_err *err) {
  char *path = path_join(d->dir, name);
  if (!path) {
    zz_fail(err, ZZ_ENOMEM, name, "%s: out of memory", name);
    return NULL;
  }
  json_error_t je;
  json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!j) {
    FILE *f = fopen(path, "r");
    if (!f)
      zz_fail(err, ZZ_EIO, name, "%s: cannot open %s: %s", name, path, strerror(errno));
    else {
      fclose(f);
      zz_fail(err, ZZ_EINVAL, name, "%s: line %d: %s", name, je.line, je.text);
    }
  }
  zz_free(path);
  return j;
}

/* Rejects keys outside allowed (a NULL-terminated list): typos fail loudly. */
static int check_keys(json_t *o, const char *const *allowed, const char *file, const char *path,
                      struct zz_err *err) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    int ok = 0;
    for (const char *const *a = allowed; *a; a++)
      if (strcmp(*a, k) == 0) ok = 1;
    if (!ok) return bad(err, file, path, "unknown field \"%s\"", k);
  }
  return 0;
}

/* Reads o[key] as a number in [lo, hi]; absent leaves *out (or fails if
 * required). */
static int get_num(json_t *o, const char *key, double *out, int required, double lo, double hi,
                   const char *file, const char *path, struct zz_err *err) {
  char f[128];
  snprintf(f, sizeof f, "%s%s%s", path, *path ? "." : "", key);
  json_t *v = json_object_get(o, key);
  if (!v) return required ? bad(err, file, f, "missing") : 0;
  if (!json_is_number(v)) return bad(err, file, f, "must be a number");
  double x = json_number_value(v);
  if (!isfinite(x) || x < lo || x > hi)
    return bad(err, file, f, "%g is outside [%g, %g]", x, lo, hi);
  *out = x;
  return 0;
}

static int get_int(json_t *o, const char *key, int64_t *out, int required, int64_t lo, int64_t hi,
                   const char *file, const char *path, struct zz_err *err) {
  char f[128];
  snprintf(f, sizeof f, "%s%s%s", path, *path ? "." : "", key);
  json_t *v = json_object_get(o, key);
  if (!v) return required ? bad(err, file, f, "missing") : 0;
  if (!json_is_integer(v)) return bad(err, file, f, "must be an integer");
  json_int_t x = json_integer_value(v);
  if (x < lo || x > hi)
    return bad(err, file, f, "%lld is outside [%lld, %lld]", (long long)x, (long long)lo,
               (long long)hi);
  *out = (int64_t)x;
  return 0;
}

static int get_str(json_t *o, const char *key, const char **out, int required, const char *file,
                   const char *path, struct zz_err *err) {
  char f[128];
  snprintf(f, sizeof f, "%s%s%s", path, *path ? "." : "", key);
  json_t *v = json_object_get(o, key);
  if (!v) return required ? bad(err, file, f, "missing") : 0;
  if (!json_is_string(v) || json_string_length(v) == 0)
    return bad(err, file, f, "must be a non-empty string");
  *out = json_string_value(v);
  return 0;
}

/* ---- pack files ---- */

static int load_metrics(struct demo *d, struct zz_err *err) {
  json_t *j = load_json(d, "metrics.json", err);
  if (!j) return err ? err->code : ZZ_EINVAL;
  int rc = 0;
  if (!json_is_array(j)) {
    rc = bad(err, "metrics.json", "", "must be an array of metrics");
    goto done;
  }
  size_t nm = json_array_size(j);
  d->metrics = zz_calloc(nm ? nm : 1, sizeof *d->metrics);
  if (!d->metrics) {
    rc = zz_fail(err, ZZ_ENOMEM, "metrics.json", "out of memory");
    goto done;
  }
  for (size_t i = 0; i < nm; i++) {
    json_t *m = json_array_get(j, i);
    char p[64];
    snprintf(p, sizeof p, "[%zu]", i);
    const char *id = NULL, *kind = NULL, *et = NULL;
    if (!json_is_object(m)) {
      rc = bad(err, "metrics.json", p, "must be an object");
      goto done;
    }
    if ((rc = get_str(m, "id", &id, 1, "metrics.json", p, err)) ||
        (rc = get_str(m, "kind", &kind, 1, "metrics.json", p, err)) ||
        (rc = get_str(m, "entity_type", &et, 0, "metrics.json", p, err)))
      goto done;
    if (strcmp(kind, "count") != 0 && strcmp(kind, "gauge") != 0) {
      char f[128];
      snprintf(f, sizeof f, "%s.kind", p);
      rc = bad(err, "metrics.json", f, "\"%s\" is neither \"count\" nor \"gauge\"", kind);
      goto done;
    }
    if (find_metric(d, id)) {
      char f[128];
      snprintf(f, sizeof f, "%s.id", p);
      rc = bad(err, "metrics.json", f, "duplicate metric \"%s\"", id);
      goto done;
    }
    struct demo_metric *dm = &d->metrics[i];
    dm->id = demo_keep(d, id);
    dm->entity_type = et ? demo_keep(d, et) : NULL;
    dm->is_count = strcmp(kind, "count") == 0;
    if (!dm->id || (et && !dm->entity_type)) {
      rc = zz_fail(err, ZZ_ENOMEM, "metrics.json", "out of memory");
      goto done;
    }
    d->n_metrics++;
  }
done:
  json_decref(j);
  return rc;
}

static int load_sources(struct demo *d, struct zz_err *err) {
  json_t *j = load_json(d, "sources.json", err);
  if (!j) return err ? err->code : ZZ_EINVAL;
  int rc = 0;
  if (!json_is_array(j)) {
    rc = bad(err, "sources.json", "", "must be an array of sources");
    goto done;
  }
  size_t i;
  json_t *s;
  json_array_foreach(j, i, s) {
    char p[64];
    snprintf(p, sizeof p, "[%zu]", i);
    const char *id = NULL;
    if (!json_is_object(s)) {
      rc = bad(err, "sources.json", p, "must be an object");
      goto done;
    }
    if ((rc = get_str(s, "id", &id, 1, "sources.json", p, err))) goto done;
    json_t *ms = json_object_get(s, "metrics");
    if (!ms) continue; /* a source may supply no metric (forms, events) */
    if (!json_is_array(ms)) {
      char f[128];
      snprintf(f, sizeof f, "%s.metrics", p);
      rc = bad(err, "sources.json", f, "must be an array of metric ids");
      goto done;
    }
    const char *kid = demo_keep(d, id);
    if (!kid) {
      rc = zz_fail(err, ZZ_ENOMEM, "sources.json", "out of memory");
      goto done;
    }
    size_t k;
    json_t *mv;
    json_array_foreach(ms, k, mv) {
      char f[128];
      snprintf(f, sizeof f, "%s.metrics[%zu]", p, k);
      if (!json_is_string(mv)) {
        rc = bad(err, "sources.json", f, "must be a metric id");
        goto done;
      }
      struct demo_metric *m = (struct demo_metric *)find_metric(d, json_string_value(mv));
      if (!m) {
        rc = bad(err, "sources.json", f, "unknown metric \"%s\"", json_string_value(mv));
        goto done;
      }
      /* Several sources may declare a metric (ingest lets each write it);
       * the demo generates it for the last of them, the most specific in
       * the Gongshu pack. */
      m->source = kid;
      m->n_sources++;
    }
  }
done:
  json_decref(j);
  return rc;
}

static int cmp_entity_id(const void *a, const void *b) {
  return strcmp(((const struct demo_entity *)a)->id, ((const struct demo_entity *)b)->id);
}

static int load_entities(struct demo *d, struct zz_err *err) {
  const char *file = "entities.ndjson";
  char *path = path_join(d->dir, file);
  if (!path) return zz_fail(err, ZZ_ENOMEM, file, "out of memory");
  FILE *f = fopen(path, "r");
  int rc = 0;
  char *line = NULL;
  size_t lcap = 0, cap = 0;
  long lineno = 0;
  ssize_t len;
  if (!f) {
    rc = zz_fail(err, ZZ_EIO, file, "%s: cannot open %s: %s", file, path, strerror(errno));
    goto done;
  }
  while ((len = getline(&line, &lcap, f)) >= 0) {
    lineno++;
    char p[64];
    snprintf(p, sizeof p, "line %ld", lineno);
    if (len > DEMO_LINE_MAX) {
      rc = bad(err, file, p, "longer than %d bytes", DEMO_LINE_MAX);
      goto done;
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
      len--;
    if (len == 0) continue;
    json_error_t je;
    json_t *o = json_loadb(line, (size_t)len, 0, &je);
    if (!o) {
      rc = bad(err, file, p, "%s", je.text);
      goto done;
    }
    const char *id = NULL, *type = NULL, *region = NULL;
    if (!json_is_object(o)) rc = bad(err, file, p, "must be a JSON object");
    if (!rc) rc = get_str(o, "id", &id, 1, file, p, err);
    if (!rc) rc = get_str(o, "type", &type, 1, file, p, err);
    if (!rc) rc = get_str(o, "region", &region, 1, file, p, err);
    if (rc) {
      json_decref(o);
      goto done;
    }
    if (d->n_ents == cap) {
      size_t nc = cap ? cap * 2 : 1024;
      struct demo_entity *ne = zz_realloc(d->ents, nc * sizeof *ne);
      if (!ne) {
        json_decref(o);
        rc = zz_fail(err, ZZ_ENOMEM, file, "out of memory");
        goto done;
      }
      d->ents = ne;
      cap = nc;
    }
    struct demo_entity *e = &d->ents[d->n_ents];
    memset(e, 0, sizeof *e);
    e->id = demo_keep(d, id);
    e->type = demo_keep(d, type);
    e->region = demo_keep(d, region);
    json_t *attrs = json_object_get(o, "attrs");
    if (json_is_object(attrs)) e->attrs = json_incref(attrs);
    json_decref(o);
    if (!e->id || !e->type || !e->region) {
      json_decref(e->attrs);
      rc = zz_fail(err, ZZ_ENOMEM, file, "out of memory");
      goto done;
    }
    e->key = demo_strkey(e->id);
    d->n_ents++;
  }
  if (d->n_ents == 0) {
    rc = bad(err, file, "", "holds no entity");
    goto done;
  }
  /* Duplicate ids would make two series of one (entity, metric). */
  struct demo_entity *sorted = zz_malloc(d->n_ents * sizeof *sorted);
  if (!sorted) {
    rc = zz_fail(err, ZZ_ENOMEM, file, "out of memory");
    goto done;
  }
  memcpy(sorted, d->ents, d->n_ents * sizeof *sorted);
  qsort(sorted, d->n_ents, sizeof *sorted, cmp_entity_id);
  for (size_t i = 1; i < d->n_ents; i++)
    if (strcmp(sorted[i].id, sorted[i - 1].id) == 0) {
      rc = bad(err, file, "id", "duplicate entity \"%s\"", sorted[i].id);
      break;
    }
  zz_free(sorted);
done:
  if (f) fclose(f);
  zz_free(line); /* allocated by getline */
  zz_free(path);
  return rc;
}

/* ---- demo.json ---- */

static const char *const DEMO_FILE = "demo.json";

/* Reads a profile: a name from profiles.<kind> or an inline array of n
 * non-negative numbers. */
static int get_profile(json_t *o, const char *key, json_t *profiles, const char *kind, double *out,
                       int n, int *given, const char *path, struct zz_err *err) {
  char f[128];
  snprintf(f, sizeof f, "%s.%s", path, key);
  json_t *v = json_object_get(o, key);
  if (given) *given = v != NULL;
  if (!v) return 0;
  if (json_is_string(v)) {
    json_t *set = json_object_get(profiles, kind);
    json_t *named = set ? json_object_get(set, json_string_value(v)) : NULL;
    if (!named)
      return bad(err, DEMO_FILE, f, "unknown %s profile \"%s\" (see profiles.%s)", kind,
                 json_string_value(v), kind);
    v = named;
  }
  if (!json_is_array(v) || (int)json_array_size(v) != n)
    return bad(err, DEMO_FILE, f, "must be a profile name or an array of %d numbers", n);
  double sum = 0;
  for (int i = 0; i < n; i++) {
    json_t *x = json_array_get(v, (size_t)i);
    double val = json_is_number(x) ? json_number_value(x) : -1;
    if (!isfinite(val) || val < 0 || val > 1e6)
      return bad(err, DEMO_FILE, f, "item %d must be a number >= 0", i);
    out[i] = val;
    sum += val;
  }
  if (sum <= 0) return bad(err, DEMO_FILE, f, "is all zero");
  return 0;
}

static int parse_hhmm(const char *s, int *minute) {
  int h, m;
  char tail;
  if (sscanf(s, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59) return -1;
  *minute = h * 60 + m;
  return 0;
}

static int entity_matches(const struct demo_entity *e, const char *type, const char *region,
                          json_t *exclude, json_t *where) {
  if (strcmp(e->type, type) != 0 || !region_in(e->region, region)) return 0;
  size_t i;
  json_t *x;
  json_array_foreach(exclude, i, x) if (region_in(e->region, json_string_value(x))) return 0;
  const char *k;
  json_t *want;
  json_object_foreach(where, k, want) {
    json_t *have = e->attrs ? json_object_get(e->attrs, k) : NULL;
    if (!have || !json_equal(have, want)) return 0;
  }
  return 1;
}

static int parse_series(struct demo *d, json_t *o, size_t idx, json_t *profiles,
                        struct zz_err *err) {
  static const char *const keys[] = {
      "id",          "note",           "metric",        "entity_type",
      "region",      "exclude",        "where",         "model",
      "interval",    "schedule",       "scale",         "live_interval",
      "live_weight", "level",          "yoy",           "yoy_mode",
      "hourly",      "hourly_weekend", "weekly",        "yearly",
      "holiday",     "noise",          "entity_spread", "entity_key",
      "dither",      "range",          "decimals",      "fault_rate",
      "fault_days",  "level_attr",     "weight_attr",   "active_from_attr",
      NULL};
  struct demo_series *s = &d->series[idx];
  char p[64];
  snprintf(p, sizeof p, "series[%zu]", idx);
  char f[128];
  int rc;
  if (!json_is_object(o)) return bad(err, DEMO_FILE, p, "must be an object");
  if ((rc = check_keys(o, keys, DEMO_FILE, p, err))) return rc;
  const char *id = NULL, *metric = NULL, *et = NULL, *region = NULL, *model = NULL;
  const char *ekey = NULL, *yoy_mode = NULL, *lattr = NULL, *wattr = NULL, *fattr = NULL;
  if ((rc = get_str(o, "id", &id, 1, DEMO_FILE, p, err)) ||
      (rc = get_str(o, "level_attr", &lattr, 0, DEMO_FILE, p, err)) ||
      (rc = get_str(o, "weight_attr", &wattr, 0, DEMO_FILE, p, err)) ||
      (rc = get_str(o, "active_from_attr", &fattr, 0, DEMO_FILE, p, err)) ||
      (rc = get_str(o, "metric", &metric, 1, DEMO_FILE, p, err)) ||
      (rc = get_str(o, "entity_type", &et, 0, DEMO_FILE, p, err)) ||
      (rc = get_str(o, "region", &region, 1, DEMO_FILE, p, err)) ||
      (rc = get_str(o, "model", &model, 1, DEMO_FILE, p, err)) ||
      (rc = get_str(o, "entity_key", &ekey, 0, DEMO_FILE, p, err)) ||
      (rc = get_str(o, "yoy_mode", &yoy_mode, 0, DEMO_FILE, p, err)))
    return rc;
  for (size_t i = 0; i < idx; i++)
    if (strcmp(d->series[i].id, id) == 0) {
      snprintf(f, sizeof f, "%s.id", p);
      return bad(err, DEMO_FILE, f, "duplicate series id \"%s\" (series[%zu])", id, i);
    }
  s->id = demo_keep(d, id);
  if (!s->id) return zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  s->key = demo_mix(d->opts.seed ^ demo_strkey(id));
  s->ekey = demo_mix(d->opts.seed ^ demo_strkey(ekey ? ekey : id) ^ 0x5eed);

  s->metric = find_metric(d, metric);
  snprintf(f, sizeof f, "%s.metric", p);
  if (!s->metric) return bad(err, DEMO_FILE, f, "unknown metric \"%s\"", metric);
  if (!s->metric->source)
    return bad(err, DEMO_FILE, f, "metric \"%s\" has no source in sources.json", metric);
  s->source = s->metric->source;
  if (!et) et = s->metric->entity_type;
  snprintf(f, sizeof f, "%s.entity_type", p);
  if (!et) return bad(err, DEMO_FILE, f, "missing (metric \"%s\" names no entity type)", metric);
  if (s->metric->entity_type && strcmp(et, s->metric->entity_type) != 0)
    return bad(err, DEMO_FILE, f, "\"%s\" but metric \"%s\" belongs to \"%s\"", et, metric,
               s->metric->entity_type);

  snprintf(f, sizeof f, "%s.model", p);
  if (strcmp(model, "flow") == 0)
    s->model = DEMO_FLOW;
  else if (strcmp(model, "level") == 0)
    s->model = DEMO_LEVEL;
  else if (strcmp(model, "status") == 0)
    s->model = DEMO_STATUS;
  else
    return bad(err, DEMO_FILE, f, "\"%s\" is not flow, level or status", model);
  if (s->model == DEMO_FLOW && !s->metric->is_count)
    return bad(err, DEMO_FILE, f, "flow needs a count metric; \"%s\" is a gauge", metric);

  /* Timing: an interval, or a monthly schedule. */
  json_t *sched = json_object_get(o, "schedule");
  json_t *ivj = json_object_get(o, "interval");
  if (!!sched == !!ivj) {
    snprintf(f, sizeof f, "%s.interval", p);
    return bad(err, DEMO_FILE, f, "give exactly one of interval (seconds) and schedule");
  }
  if (sched) {
    static const char *const skeys[] = {"every", "day", "time", NULL};
    snprintf(f, sizeof f, "%s.schedule", p);
    if (s->model == DEMO_FLOW)
      return bad(err, DEMO_FILE, f, "a flow needs an interval (counts per interval)");
    if (!json_is_object(sched)) return bad(err, DEMO_FILE, f, "must be an object");
    if ((rc = check_keys(sched, skeys, DEMO_FILE, f, err))) return rc;
    const char *every = NULL, *tm = "00:00";
    int64_t day = 1;
    if ((rc = get_str(sched, "every", &every, 1, DEMO_FILE, f, err)) ||
        (rc = get_int(sched, "day", &day, 0, 1, 28, DEMO_FILE, f, err)) ||
        (rc = get_str(sched, "time", &tm, 0, DEMO_FILE, f, err)))
      return rc;
    if (strcmp(every, "month") != 0) {
      char g[192];
      snprintf(g, sizeof g, "%s.every", f);
      return bad(err, DEMO_FILE, g, "only \"month\" is supported");
    }
    if (parse_hhmm(tm, &s->month_minute) != 0) {
      char g[192];
      snprintf(g, sizeof g, "%s.time", f);
      return bad(err, DEMO_FILE, g, "\"%s\" is not HH:MM", tm);
    }
    s->monthly = 1;
    s->month_day = (int)day;
  } else {
    int64_t hi = s->model == DEMO_FLOW ? 86400 : 31 * 86400;
    if ((rc = get_int(o, "interval", &s->interval_s, 1, 1, hi, DEMO_FILE, p, err))) return rc;
  }

  /* Scaling with the budget. */
  s->min_coverage = 1;
  json_t *sc = json_object_get(o, "scale");
  if (sc) {
    static const char *const ckeys[] = {"finest", "coarsest", "min_coverage", NULL};
    snprintf(f, sizeof f, "%s.scale", p);
    if (!json_is_object(sc)) return bad(err, DEMO_FILE, f, "must be an object");
    if ((rc = check_keys(sc, ckeys, DEMO_FILE, f, err))) return rc;
    int has_iv = json_object_get(sc, "finest") || json_object_get(sc, "coarsest");
    if (has_iv) {
      if (s->monthly) return bad(err, DEMO_FILE, f, "a monthly schedule cannot scale its interval");
      int64_t hi = s->model == DEMO_FLOW ? 86400 : 31 * 86400;
      if ((rc = get_int(sc, "finest", &s->finest_s, 1, 1, hi, DEMO_FILE, f, err)) ||
          (rc = get_int(sc, "coarsest", &s->coarsest_s, 1, 1, hi, DEMO_FILE, f, err)))
        return rc;
      if (s->finest_s > s->interval_s || s->coarsest_s < s->interval_s)
        return bad(err, DEMO_FILE, f, "needs finest <= interval (%lld) <= coarsest",
                   (long long)s->interval_s);
      s->scalable = 1;
    }
    if ((rc = get_num(sc, "min_coverage", &s->min_coverage, 0, 0.001, 1, DEMO_FILE, f, err)))
      return rc;
  }
  if (!s->scalable) s->finest_s = s->coarsest_s = s->interval_s;

  /* Live. */
  s->live_interval_s = s->interval_s;
  if (s->model == DEMO_FLOW) {
    if ((rc = get_int(o, "live_interval", &s->live_interval_s, 0, 1, 86400, DEMO_FILE, p, err)))
      return rc;
  } else if (json_object_get(o, "live_interval")) {
    snprintf(f, sizeof f, "%s.live_interval", p);
    return bad(err, DEMO_FILE, f, "only flows have one; gauges take live_weight");
  }
  if ((rc = get_num(o, "live_weight", &s->live_weight, 0, 0, 1000, DEMO_FILE, p, err))) return rc;
  if (s->live_weight > 0 && (s->model == DEMO_FLOW || s->monthly)) {
    snprintf(f, sizeof f, "%s.live_weight", p);
    return bad(err, DEMO_FILE, f, "only level and status series on an interval take a live share");
  }

  /* Levels and profiles. */
  if (lattr || wattr || fattr) {
    snprintf(f, sizeof f, "%s.%s", p,
             lattr   ? "level_attr"
             : wattr ? "weight_attr"
                     : "active_from_attr");
    if (lattr && wattr) return bad(err, DEMO_FILE, f, "give level_attr or weight_attr, not both");
    if (lattr && s->model != DEMO_LEVEL)
      return bad(err, DEMO_FILE, f, "only level series take their level from an attribute");
    if (wattr && s->model == DEMO_STATUS)
      return bad(err, DEMO_FILE, f, "a status series has no level to weight");
    if (fattr && s->model == DEMO_FLOW) {
      snprintf(f, sizeof f, "%s.active_from_attr", p);
      return bad(err, DEMO_FILE, f, "a flow spreads its day over all its entities");
    }
    if ((lattr && !(s->level_attr = demo_keep(d, lattr))) ||
        (wattr && !(s->weight_attr = demo_keep(d, wattr))) ||
        (fattr && !(s->from_attr = demo_keep(d, fattr))))
      return zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  }
  if (s->level_attr) {
    s->level = 1;
    if (json_object_get(o, "level")) {
      snprintf(f, sizeof f, "%s.level", p);
      return bad(err, DEMO_FILE, f, "the level comes from attrs.%s (level_attr)", s->level_attr);
    }
  } else if (s->model != DEMO_STATUS) {
    if ((rc = get_num(o, "level", &s->level, 1, 0, 1e12, DEMO_FILE, p, err))) return rc;
  } else if (json_object_get(o, "level")) {
    snprintf(f, sizeof f, "%s.level", p);
    return bad(err, DEMO_FILE, f, "a status series has no level (values are 1 ok, 0 fault)");
  }
  s->yoy = 1;
  if ((rc = get_num(o, "yoy", &s->yoy, 0, 0.001, 1000, DEMO_FILE, p, err))) return rc;
  if (yoy_mode) {
    snprintf(f, sizeof f, "%s.yoy_mode", p);
    if (strcmp(yoy_mode, "smooth") == 0)
      s->yoy_smooth = 1;
    else if (strcmp(yoy_mode, "step") != 0)
      return bad(err, DEMO_FILE, f, "\"%s\" is neither \"step\" nor \"smooth\"", yoy_mode);
  }
  for (int i = 0; i < 24; i++) s->hourly[i] = 1;
  for (int i = 0; i < 7; i++) s->weekly[i] = 1;
  for (int i = 0; i < 12; i++) s->yearly[i] = 1;
  int given_we = 0;
  if ((rc = get_profile(o, "hourly", profiles, "hourly", s->hourly, 24, NULL, p, err))) return rc;
  memcpy(s->hourly_we, s->hourly, sizeof s->hourly);
  if ((rc = get_profile(o, "hourly_weekend", profiles, "hourly", s->hourly_we, 24, &given_we, p,
                        err)) ||
      (rc = get_profile(o, "weekly", profiles, "weekly", s->weekly, 7, NULL, p, err)) ||
      (rc = get_profile(o, "yearly", profiles, "yearly", s->yearly, 12, NULL, p, err)))
    return rc;
  s->has_holiday = json_object_get(o, "holiday") != NULL;
  if ((rc = get_num(o, "holiday", &s->holiday, 0, 0, 100, DEMO_FILE, p, err))) return rc;

  json_t *noise = json_object_get(o, "noise");
  if (noise) {
    static const char *const nkeys[] = {"day", "bucket", "sample", NULL};
    snprintf(f, sizeof f, "%s.noise", p);
    if (!json_is_object(noise)) return bad(err, DEMO_FILE, f, "must be an object");
    if ((rc = check_keys(noise, nkeys, DEMO_FILE, f, err)) ||
        (rc = get_num(noise, "day", &s->noise_day, 0, 0, 0.9, DEMO_FILE, f, err)) ||
        (rc = get_num(noise, "bucket", &s->noise_bucket, 0, 0, 0.9, DEMO_FILE, f, err)) ||
        (rc = get_num(noise, "sample", &s->noise_sample, 0, 0, 0.9, DEMO_FILE, f, err)))
      return rc;
    if (s->model == DEMO_FLOW && s->noise_sample > 0) {
      char g[192];
      snprintf(g, sizeof g, "%s.sample", f);
      return bad(err, DEMO_FILE, g, "a flow's cells vary by bucket noise and rounding only");
    }
  }
  if ((rc = get_num(o, "entity_spread", &s->spread, 0, 0, 3, DEMO_FILE, p, err))) return rc;
  s->dither = 1;
  if ((rc = get_num(o, "dither", &s->dither, 0, 0, 1, DEMO_FILE, p, err))) return rc;

  /* Values. */
  s->vmin = 0;
  s->vmax = 1e15;
  s->decimals = s->metric->is_count ? 0 : 2;
  int64_t dec = s->decimals;
  if ((rc = get_int(o, "decimals", &dec, 0, 0, 6, DEMO_FILE, p, err))) return rc;
  /* A count metric's flows are integers; a level series of a summed metric
   * (monthly tax in 10k yuan) may keep decimals when demo.json says so. */
  if (s->model == DEMO_FLOW && dec != 0) {
    snprintf(f, sizeof f, "%s.decimals", p);
    return bad(err, DEMO_FILE, f, "a flow counts whole units");
  }
  s->decimals = (int)dec;
  s->pow10 = pow(10, (double)dec);
  json_t *range = json_object_get(o, "range");
  if (range) {
    snprintf(f, sizeof f, "%s.range", p);
    if (s->model != DEMO_LEVEL) return bad(err, DEMO_FILE, f, "only level series take a range");
    if (!json_is_array(range) || json_array_size(range) != 2 ||
        !json_is_number(json_array_get(range, 0)) || !json_is_number(json_array_get(range, 1)))
      return bad(err, DEMO_FILE, f, "must be [min, max]");
    s->vmin = json_number_value(json_array_get(range, 0));
    s->vmax = json_number_value(json_array_get(range, 1));
    if (!(s->vmin <= s->vmax)) return bad(err, DEMO_FILE, f, "min must not exceed max");
  }
  if (s->model == DEMO_STATUS) {
    int64_t fd = 1;
    if ((rc = get_num(o, "fault_rate", &s->fault_rate, 1, 0, 1, DEMO_FILE, p, err)) ||
        (rc = get_int(o, "fault_days", &fd, 0, 1, 365, DEMO_FILE, p, err)))
      return rc;
    s->fault_days = (int)fd;
  } else if (json_object_get(o, "fault_rate") || json_object_get(o, "fault_days")) {
    snprintf(f, sizeof f, "%s.fault_rate", p);
    return bad(err, DEMO_FILE, f, "only status series have faults");
  }

  /* Entities. */
  json_t *exclude = json_object_get(o, "exclude");
  json_t *where = json_object_get(o, "where");
  json_t *empty_a = json_array(), *empty_o = json_object();
  if (!empty_a || !empty_o) {
    json_decref(empty_a);
    json_decref(empty_o);
    return zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  }
  if (exclude) {
    snprintf(f, sizeof f, "%s.exclude", p);
    int okx = json_is_array(exclude);
    size_t i;
    json_t *x;
    if (okx) json_array_foreach(exclude, i, x) if (!json_is_string(x)) okx = 0;
    if (!okx) rc = bad(err, DEMO_FILE, f, "must be an array of region paths");
  } else
    exclude = empty_a;
  if (!rc && where && !json_is_object(where)) {
    snprintf(f, sizeof f, "%s.where", p);
    rc = bad(err, DEMO_FILE, f, "must be an object of attribute values");
  } else if (!where)
    where = empty_o;
  if (!rc) {
    s->all = zz_malloc((d->n_ents ? d->n_ents : 1) * sizeof *s->all);
    if (!s->all) rc = zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  }
  for (size_t i = 0; !rc && i < d->n_ents; i++)
    if (entity_matches(&d->ents[i], et, region, exclude, where)) s->all[s->n_all++] = (uint32_t)i;
  json_decref(empty_a);
  json_decref(empty_o);
  if (rc) return rc;
  if (s->n_all == 0) {
    snprintf(f, sizeof f, "%s.region", p);
    return bad(err, DEMO_FILE, f, "selects no entity of type \"%s\" in \"%s\"", et, region);
  }
  s->sel_u = zz_malloc(s->n_all * sizeof *s->sel_u);
  s->attr_v = zz_malloc(s->n_all * sizeof *s->attr_v);
  s->from_all = zz_malloc(s->n_all * sizeof *s->from_all);
  if (!s->sel_u || !s->attr_v || !s->from_all)
    return zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  const char *vattr = s->level_attr ? s->level_attr : s->weight_attr;
  double sum = 0;
  for (size_t i = 0; i < s->n_all; i++) {
    const struct demo_entity *e = &d->ents[s->all[i]];
    s->sel_u[i] = demo_u01(demo_hash3(s->key, e->key, 0xc0fe));
    s->attr_v[i] = 1;
    s->from_all[i] = INT64_MIN;
    if (vattr) {
      json_t *v = e->attrs ? json_object_get(e->attrs, vattr) : NULL;
      snprintf(f, sizeof f, "%s.%s", p, s->level_attr ? "level_attr" : "weight_attr");
      if (!json_is_number(v) || !(json_number_value(v) >= 0))
        return bad(err, DEMO_FILE, f, "entity \"%s\" has no attrs.%s >= 0 in entities.ndjson",
                   e->id, vattr);
      s->attr_v[i] = json_number_value(v);
    }
    sum += s->attr_v[i];
    if (s->from_attr) {
      json_t *v = e->attrs ? json_object_get(e->attrs, s->from_attr) : NULL;
      int y, mo, dy;
      char tail;
      if (!v) continue; /* no date: the entity always existed */
      snprintf(f, sizeof f, "%s.active_from_attr", p);
      if (!json_is_string(v) ||
          sscanf(json_string_value(v), "%d-%d-%d%c", &y, &mo, &dy, &tail) != 3 || mo < 1 ||
          mo > 12 || dy < 1 || dy > 31)
        return bad(err, DEMO_FILE, f, "entity \"%s\": attrs.%s is not a YYYY-MM-DD date", e->id,
                   s->from_attr);
      s->from_all[i] = zz_time_from_civil(y, mo, dy, 0, 0, 0);
    }
  }
  s->attr_mean = sum / (double)s->n_all;
  if (s->weight_attr && !(s->attr_mean > 0)) {
    snprintf(f, sizeof f, "%s.weight_attr", p);
    return bad(err, DEMO_FILE, f, "attrs.%s is zero for every entity", s->weight_attr);
  }
  return 0;
}

/* Each (entity, metric) is generated by at most one series. */
static int check_overlaps(struct demo *d, struct zz_err *err) {
  int *owner = zz_malloc(d->n_ents * sizeof *owner);
  if (!owner) return zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  int rc = 0;
  for (size_t m = 0; m < d->n_metrics && !rc; m++) {
    for (size_t i = 0; i < d->n_ents; i++) owner[i] = -1;
    for (size_t si = 0; si < d->n_series && !rc; si++) {
      struct demo_series *s = &d->series[si];
      if (s->metric != &d->metrics[m]) continue;
      for (size_t k = 0; k < s->n_all; k++) {
        uint32_t e = s->all[k];
        if (owner[e] >= 0) {
          char f[128];
          snprintf(f, sizeof f, "series[%zu].region", si);
          rc = bad(err, DEMO_FILE, f,
                   "entity \"%s\" already has metric \"%s\" from series[%d] (\"%s\")",
                   d->ents[e].id, s->metric->id, owner[e], d->series[owner[e]].id);
          break;
        }
        owner[e] = (int)si;
      }
    }
  }
  zz_free(owner);
  return rc;
}

static int parse_targets(struct demo *d, json_t *cal, struct zz_err *err) {
  static const char *const keys[] = {"live_horizon_days", "targets", "note", NULL};
  static const char *const tkeys[] = {"metric", "region",     "kind", "percent",
                                      "value",  "others_max", "note", NULL};
  int rc;
  d->horizon_days = 14;
  if (!cal) return 0;
  if (!json_is_object(cal)) return bad(err, DEMO_FILE, "calibration", "must be an object");
  if ((rc = check_keys(cal, keys, DEMO_FILE, "calibration", err)) ||
      (rc = get_int(cal, "live_horizon_days", &d->horizon_days, 0, 0, 180, DEMO_FILE, "calibration",
                    err)))
    return rc;
  json_t *ts = json_object_get(cal, "targets");
  if (!ts) return 0;
  if (!json_is_array(ts)) return bad(err, DEMO_FILE, "calibration.targets", "must be an array");
  size_t ti;
  json_t *t;
  json_array_foreach(ts, ti, t) {
    char p[64], f[128];
    snprintf(p, sizeof p, "calibration.targets[%zu]", ti);
    const char *metric = NULL, *region = NULL, *kind = NULL;
    if (!json_is_object(t)) return bad(err, DEMO_FILE, p, "must be an object");
    if ((rc = check_keys(t, tkeys, DEMO_FILE, p, err)) ||
        (rc = get_str(t, "metric", &metric, 1, DEMO_FILE, p, err)) ||
        (rc = get_str(t, "region", &region, 1, DEMO_FILE, p, err)) ||
        (rc = get_str(t, "kind", &kind, 1, DEMO_FILE, p, err)))
      return rc;
    const struct demo_metric *m = find_metric(d, metric);
    snprintf(f, sizeof f, "%s.metric", p);
    if (!m) return bad(err, DEMO_FILE, f, "unknown metric \"%s\"", metric);
    /* The one series that generates the metric inside the region. */
    struct demo_series *s = NULL;
    for (size_t si = 0; si < d->n_series; si++) {
      struct demo_series *c = &d->series[si];
      if (c->metric != m) continue;
      size_t in = 0;
      for (size_t k = 0; k < c->n_all; k++) in += region_in(d->ents[c->all[k]].region, region);
      if (in == 0) continue;
      snprintf(f, sizeof f, "%s.region", p);
      if (s)
        return bad(
            err, DEMO_FILE, f,
            "metric \"%s\" in \"%s\" comes from two series (\"%s\", \"%s\"); a target needs one",
            metric, region, s->id, c->id);
      if (in != c->n_all)
        return bad(err, DEMO_FILE, f, "series \"%s\" also covers entities outside \"%s\"", c->id,
                   region);
      s = c;
    }
    snprintf(f, sizeof f, "%s.region", p);
    if (!s) return bad(err, DEMO_FILE, f, "no series generates \"%s\" in \"%s\"", metric, region);
    if (s->model != DEMO_FLOW)
      return bad(err, DEMO_FILE, f, "series \"%s\" must be a flow to be calibrated", s->id);
    if (s->min_coverage < 1)
      return bad(err, DEMO_FILE, f, "series \"%s\" is calibrated: scale.min_coverage must be 1",
                 s->id);
    if (!s->cal) {
      s->cal = zz_calloc(1, sizeof *s->cal);
      if (!s->cal) return zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
      s->cal->peak_day = -1;
    }
    snprintf(f, sizeof f, "%s.kind", p);
    if (strcmp(kind, "ytd_change") == 0) {
      double pct = 0;
      if (s->cal->has_ratio) return bad(err, DEMO_FILE, f, "a second ytd_change for \"%s\"", s->id);
      if ((rc = get_num(t, "percent", &pct, 1, -99.9, 100000, DEMO_FILE, p, err))) return rc;
      s->cal->has_ratio = 1;
      s->cal->ratio = 1 + pct / 100;
    } else if (strcmp(kind, "peak_day") == 0) {
      if (s->cal->has_peak) return bad(err, DEMO_FILE, f, "a second peak_day for \"%s\"", s->id);
      s->cal->others_max = 0.96;
      if ((rc = get_num(t, "value", &s->cal->peak, 1, 1, 1e12, DEMO_FILE, p, err)) ||
          (rc = get_num(t, "others_max", &s->cal->others_max, 0, 0.5, 1, DEMO_FILE, p, err)))
        return rc;
      s->cal->has_peak = 1;
    } else
      return bad(err, DEMO_FILE, f, "\"%s\" is neither \"ytd_change\" nor \"peak_day\"", kind);
  }
  return 0;
}

static int parse_demo(struct demo *d, struct zz_err *err) {
  /* "incidents" belongs to the live feed's staged happenings (incidents.c) */
  static const char *const keys[] = {"version",  "note",   "history",     "live",      "holidays",
                                     "profiles", "series", "calibration", "incidents", NULL};
  json_t *j = load_json(d, DEMO_FILE, err);
  if (!j) return err ? err->code : ZZ_EINVAL;
  int rc = 0;
  if (!json_is_object(j)) {
    rc = bad(err, DEMO_FILE, "", "must be a JSON object");
    goto done;
  }
  if ((rc = check_keys(j, keys, DEMO_FILE, "", err))) goto done;
  json_t *v = json_object_get(j, "version");
  if (v && (!json_is_integer(v) || json_integer_value(v) != 1)) {
    rc = bad(err, DEMO_FILE, "version", "only version 1 is known");
    goto done;
  }
  d->min_days = 400;
  json_t *h = json_object_get(j, "history");
  if (h) {
    static const char *const hkeys[] = {"min_days", NULL};
    if (!json_is_object(h)) {
      rc = bad(err, DEMO_FILE, "history", "must be an object");
      goto done;
    }
    if ((rc = check_keys(h, hkeys, DEMO_FILE, "history", err)) ||
        (rc = get_int(h, "min_days", &d->min_days, 0, 1, 3660, DEMO_FILE, "history", err)))
      goto done;
  }
  d->flow_share_max = 0.5;
  d->live_finest_s = 1;
  json_t *lv = json_object_get(j, "live");
  if (lv) {
    static const char *const lkeys[] = {"flow_share_max", "finest", NULL};
    if (!json_is_object(lv)) {
      rc = bad(err, DEMO_FILE, "live", "must be an object");
      goto done;
    }
    if ((rc = check_keys(lv, lkeys, DEMO_FILE, "live", err)) ||
        (rc = get_num(lv, "flow_share_max", &d->flow_share_max, 0, 0.01, 1, DEMO_FILE, "live",
                      err)) ||
        (rc = get_num(lv, "finest", &d->live_finest_s, 0, 0.001, 86400, DEMO_FILE, "live", err)))
      goto done;
  }
  json_t *hol = json_object_get(j, "holidays");
  if (hol) {
    if (!json_is_array(hol)) {
      rc = bad(err, DEMO_FILE, "holidays", "must be an array");
      goto done;
    }
    d->n_holidays = json_array_size(hol);
    d->holidays = zz_calloc(d->n_holidays ? d->n_holidays : 1, sizeof *d->holidays);
    if (!d->holidays) {
      rc = zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
      goto done;
    }
    for (size_t i = 0; i < d->n_holidays; i++) {
      static const char *const hk[] = {"name", "month", "day", "days", NULL};
      json_t *x = json_array_get(hol, i);
      char p[64];
      snprintf(p, sizeof p, "holidays[%zu]", i);
      int64_t mo = 0, dy = 0, n = 1;
      if (!json_is_object(x)) {
        rc = bad(err, DEMO_FILE, p, "must be an object");
        goto done;
      }
      if ((rc = check_keys(x, hk, DEMO_FILE, p, err)) ||
          (rc = get_int(x, "month", &mo, 1, 1, 12, DEMO_FILE, p, err)) ||
          (rc = get_int(x, "day", &dy, 1, 1, 31, DEMO_FILE, p, err)) ||
          (rc = get_int(x, "days", &n, 0, 1, 31, DEMO_FILE, p, err)))
        goto done;
      d->holidays[i] = (struct demo_holiday){(int)mo, (int)dy, (int)n};
    }
  }
  json_t *profiles = json_object_get(j, "profiles");
  if (profiles) {
    static const char *const pk[] = {"hourly", "weekly", "yearly", NULL};
    if (!json_is_object(profiles)) {
      rc = bad(err, DEMO_FILE, "profiles", "must be an object");
      goto done;
    }
    if ((rc = check_keys(profiles, pk, DEMO_FILE, "profiles", err))) goto done;
  }
  json_t *series = json_object_get(j, "series");
  if (!json_is_array(series) || json_array_size(series) == 0) {
    rc = bad(err, DEMO_FILE, "series", "must be a non-empty array");
    goto done;
  }
  d->series = zz_calloc(json_array_size(series), sizeof *d->series);
  if (!d->series) {
    rc = zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
    goto done;
  }
  d->n_series = json_array_size(series);
  for (size_t i = 0; i < d->n_series; i++)
    if ((rc = parse_series(d, json_array_get(series, i), i, profiles, err))) goto done;
  if ((rc = check_overlaps(d, err))) goto done;
  rc = parse_targets(d, json_object_get(j, "calibration"), err);
done:
  json_decref(j);
  return rc;
}

int demo_load(struct demo *d, struct zz_err *err) {
  int rc;
  if ((rc = load_metrics(d, err)) || (rc = load_sources(d, err)) || (rc = load_entities(d, err)))
    return rc;
  return parse_demo(d, err);
}

void demo_unload(struct demo *d) {
  for (size_t i = 0; i < d->n_series; i++) {
    struct demo_series *s = &d->series[i];
    zz_free(s->all);
    zz_free(s->sel_u);
    zz_free(s->attr_v);
    zz_free(s->from_all);
    zz_free(s->mcount);
    zz_free(s->from);
    zz_free(s->ents);
    zz_free(s->eid);
    zz_free(s->ek);
    zz_free(s->ef);
    zz_free(s->tab);
    if (s->cal) {
      zz_free(s->cal->T);
      zz_free(s->cal->shape);
      zz_free(s->cal);
    }
  }
  zz_free(d->series);
  for (size_t i = 0; i < d->n_ents; i++) json_decref(d->ents[i].attrs);
  zz_free(d->ents);
  zz_free(d->metrics);
  zz_free(d->holidays);
  for (size_t i = 0; i < d->n_strs; i++) zz_free(d->strs[i]);
  zz_free(d->strs);
}
