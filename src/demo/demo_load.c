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

#include "core/check.h"
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

/* Sets k up for checking file: messages read "demo.json: series[3].metric:
 * unknown metric ..." with the field "series[3].metric" (the file at the
 * top), and an absent member is "missing" (docs/packs.md quotes these). */
static void at(struct check *k, struct zz_err *err, const char *file) {
  check_init(k, err, file, CHECK_FILE_COLON);
  k->missing = "missing";
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

/* ---- pack files ---- */

static int load_metrics(struct demo *d, struct zz_err *err) {
  static const char *const kinds[] = {"count", "gauge"};
  json_t *j = load_json(d, "metrics.json", err);
  if (!j) return err ? err->code : ZZ_EINVAL;
  struct check k;
  at(&k, err, "metrics.json");
  int rc = 0;
  if (!json_is_array(j)) {
    rc = check_fail(&k, NULL, "must be an array of metrics");
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
    const char *id = NULL, *kind = NULL, *et = NULL;
    check_at(&k, "[%zu]", i);
    if (!json_is_object(m)) {
      rc = check_fail(&k, NULL, "must be an object");
      goto done;
    }
    if ((rc = check_str(&k, m, "id", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &id)) ||
        (rc = check_str(&k, m, "kind", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &kind)) ||
        (rc = check_str(&k, m, "entity_type", CHECK_NONEMPTY, 0, &et)))
      goto done;
    if (check_one_of(kind, kinds, ZZ_ARRAY_LEN(kinds)) < 0) {
      rc = check_fail(&k, "kind", "\"%s\" is neither \"count\" nor \"gauge\"", kind);
      goto done;
    }
    if (find_metric(d, id)) {
      rc = check_fail(&k, "id", "duplicate metric \"%s\"", id);
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
  struct check k;
  at(&k, err, "sources.json");
  int rc = 0;
  if (!json_is_array(j)) {
    rc = check_fail(&k, NULL, "must be an array of sources");
    goto done;
  }
  size_t i;
  json_t *s;
  json_array_foreach(j, i, s) {
    const char *id = NULL;
    const json_t *ms = NULL;
    check_at(&k, "[%zu]", i);
    if (!json_is_object(s)) {
      rc = check_fail(&k, NULL, "must be an object");
      goto done;
    }
    /* a source may supply no metric (forms, events) */
    if ((rc = check_str(&k, s, "id", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &id)) ||
        (rc = check_array(&k, s, "metrics", CHECK_OPTIONAL, 0, 0, CHECK_STRING, &ms)))
      goto done;
    if (!ms) continue;
    const char *kid = demo_keep(d, id);
    if (!kid) {
      rc = zz_fail(err, ZZ_ENOMEM, "sources.json", "out of memory");
      goto done;
    }
    for (size_t n = 0; n < json_array_size(ms); n++) {
      const char *mid = json_string_value(json_array_get(ms, n));
      struct demo_metric *m = (struct demo_metric *)find_metric(d, mid);
      if (!m) {
        char f[48];
        snprintf(f, sizeof f, "metrics[%zu]", n);
        rc = check_fail(&k, f, "unknown metric \"%s\"", mid);
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
  struct check k;
  at(&k, err, file);
  if (!f) {
    rc = zz_fail(err, ZZ_EIO, file, "%s: cannot open %s: %s", file, path, strerror(errno));
    goto done;
  }
  while ((len = getline(&line, &lcap, f)) >= 0) {
    lineno++;
    check_at(&k, "line %ld", lineno);
    if (len > DEMO_LINE_MAX) {
      rc = check_fail(&k, NULL, "longer than %d bytes", DEMO_LINE_MAX);
      goto done;
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
      len--;
    if (len == 0) continue;
    json_error_t je;
    json_t *o = json_loadb(line, (size_t)len, 0, &je);
    if (!o) {
      /* jansson's words are English; the Chinese says what they are about */
      struct zz_err bad;
      zz_fail_pair(&bad, ZZ_EINVAL, NULL, je.text, je.text);
      zz_err_wrap(&bad, &bad, "", "JSON 有误：");
      rc = check_fail_err(&k, NULL, &bad);
      goto done;
    }
    const char *id = NULL, *type = NULL, *region = NULL;
    const unsigned req = CHECK_REQUIRED | CHECK_NONEMPTY;
    if (!json_is_object(o)) rc = check_fail(&k, NULL, "must be a JSON object");
    if (!rc) rc = check_str(&k, o, "id", req, 0, &id);
    if (!rc) rc = check_str(&k, o, "type", req, 0, &type);
    if (!rc) rc = check_str(&k, o, "region", req, 0, &region);
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
    check_pop(&k, 0);
    rc = check_fail(&k, NULL, "holds no entity");
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
      check_pop(&k, 0);
      rc = check_fail(&k, "id", "duplicate entity \"%s\"", sorted[i].id);
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
static const unsigned REQ_STR = CHECK_REQUIRED | CHECK_NONEMPTY;

/* Reads a profile: a name from profiles.<kind> or an inline array of n
 * non-negative numbers; *out untouched when absent. */
static int get_profile(const struct check *k, json_t *o, const char *key, json_t *profiles,
                       const char *kind, double *out, int n) {
  json_t *v = json_object_get(o, key);
  if (!v) return 0;
  if (json_is_string(v)) {
    json_t *set = json_object_get(profiles, kind);
    json_t *named = set ? json_object_get(set, json_string_value(v)) : NULL;
    if (!named)
      return check_fail(k, key, "unknown %s profile \"%s\" (see profiles.%s)", kind,
                        json_string_value(v), kind);
    v = named;
  }
  if (!json_is_array(v) || (int)json_array_size(v) != n)
    return check_fail(k, key, "must be a profile name or an array of %d numbers", n);
  double sum = 0;
  for (int i = 0; i < n; i++) {
    json_t *x = json_array_get(v, (size_t)i);
    double val = json_is_number(x) ? json_number_value(x) : -1;
    if (!isfinite(val) || val < 0 || val > 1e6)
      return check_fail(k, key, "item %d must be a number >= 0", i);
    out[i] = val;
    sum += val;
  }
  if (sum <= 0) return check_fail(k, key, "is all zero");
  return 0;
}

static int parse_hhmm(const char *s, int *minute) {
  int h, m;
  char tail;
  if (sscanf(s, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59) return -1;
  *minute = h * 60 + m;
  return 0;
}

/* exclude (region paths) and where (attribute values) may be NULL. */
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

/* An optional object of demo.json: an object with only the given keys. */
static int section(const struct check *k, const json_t *v, const char *const *keys) {
  if (!json_is_object(v)) return check_fail(k, NULL, "must be an object");
  return check_known(k, v, keys);
}

/* The members a series may have: anything else is a typo. */
static const char *const series_keys[] = {"id",
                                          "note",
                                          "metric",
                                          "entity_type",
                                          "region",
                                          "exclude",
                                          "where",
                                          "model",
                                          "interval",
                                          "schedule",
                                          "scale",
                                          "live_interval",
                                          "live_weight",
                                          "level",
                                          "yoy",
                                          "yoy_mode",
                                          "hourly",
                                          "hourly_weekend",
                                          "weekly",
                                          "yearly",
                                          "holiday",
                                          "noise",
                                          "entity_spread",
                                          "entity_key",
                                          "dither",
                                          "range",
                                          "decimals",
                                          "fault_rate",
                                          "fault_days",
                                          "level_attr",
                                          "weight_attr",
                                          "active_from_attr",
                                          "keep_streets",
                                          "trend",
                                          NULL};

/* A series' id, metric, entity type (*et) and model. */
static int series_ident(struct demo *d, const struct check *k, json_t *o, size_t idx,
                        const char **et) {
  static const char *const models[] = {"flow", "level", "status"}; /* enum demo_model */
  struct demo_series *s = &d->series[idx];
  const char *id = NULL, *metric = NULL, *model = NULL, *ekey = NULL;
  int rc;
  if ((rc = check_str(k, o, "id", REQ_STR, 0, &id)) ||
      (rc = check_str(k, o, "metric", REQ_STR, 0, &metric)) ||
      (rc = check_str(k, o, "entity_type", CHECK_NONEMPTY, 0, et)) ||
      (rc = check_str(k, o, "model", REQ_STR, 0, &model)) ||
      (rc = check_str(k, o, "entity_key", CHECK_NONEMPTY, 0, &ekey)) ||
      (rc = check_bool(k, o, "keep_streets", CHECK_OPTIONAL, &s->keep_streets)))
    return rc;
  for (size_t i = 0; i < idx; i++)
    if (strcmp(d->series[i].id, id) == 0)
      return check_fail(k, "id", "duplicate series id \"%s\" (series[%zu])", id, i);
  s->id = demo_keep(d, id);
  if (!s->id) return zz_fail(k->e, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  s->key = demo_mix(d->opts.seed ^ demo_strkey(id));
  s->ekey = demo_mix(d->opts.seed ^ demo_strkey(ekey ? ekey : id) ^ 0x5eed);

  s->metric = find_metric(d, metric);
  if (!s->metric) return check_fail(k, "metric", "unknown metric \"%s\"", metric);
  if (!s->metric->source)
    return check_fail(k, "metric", "metric \"%s\" has no source in sources.json", metric);
  s->source = s->metric->source;
  if (!*et) *et = s->metric->entity_type;
  if (!*et)
    return check_fail(k, "entity_type", "missing (metric \"%s\" names no entity type)", metric);
  if (s->metric->entity_type && strcmp(*et, s->metric->entity_type) != 0)
    return check_fail(k, "entity_type", "\"%s\" but metric \"%s\" belongs to \"%s\"", *et, metric,
                      s->metric->entity_type);

  int m = check_one_of(model, models, ZZ_ARRAY_LEN(models));
  if (m < 0) return check_fail(k, "model", "\"%s\" is not flow, level or status", model);
  s->model = (enum demo_model)m;
  if (s->model == DEMO_FLOW && !s->metric->is_count)
    return check_fail(k, "model", "flow needs a count metric; \"%s\" is a gauge", metric);
  return 0;
}

/* A monthly schedule {every: "month", day, time}. */
static int series_schedule(const struct check *k, json_t *sched, struct demo_series *s) {
  static const char *const skeys[] = {"every", "day", "time", NULL};
  struct check sk = *k;
  check_push_key(&sk, "schedule");
  if (s->model == DEMO_FLOW)
    return check_fail(&sk, NULL, "a flow needs an interval (counts per interval)");
  const char *every = NULL, *tm = "00:00";
  int64_t day = 1;
  int rc;
  if ((rc = section(&sk, sched, skeys)) ||
      (rc = check_str(&sk, sched, "every", REQ_STR, 0, &every)) ||
      (rc = check_int(&sk, sched, "day", CHECK_OPTIONAL, 1, 28, &day)) ||
      (rc = check_str(&sk, sched, "time", CHECK_NONEMPTY, 0, &tm)))
    return rc;
  if (strcmp(every, "month") != 0) return check_fail(&sk, "every", "only \"month\" is supported");
  if (parse_hhmm(tm, &s->month_minute) != 0)
    return check_fail(&sk, "time", "\"%s\" is not HH:MM", tm);
  s->monthly = 1;
  s->month_day = (int)day;
  return 0;
}

/* Scaling the interval with the budget: {finest, coarsest, min_coverage}. */
static int series_scale(const struct check *k, json_t *sc, struct demo_series *s) {
  static const char *const ckeys[] = {"finest", "coarsest", "min_coverage", NULL};
  struct check ck = *k;
  check_push_key(&ck, "scale");
  int rc;
  if ((rc = section(&ck, sc, ckeys))) return rc;
  if (json_object_get(sc, "finest") || json_object_get(sc, "coarsest")) {
    if (s->monthly) return check_fail(&ck, NULL, "a monthly schedule cannot scale its interval");
    int64_t hi = s->model == DEMO_FLOW ? 86400 : 31 * 86400;
    if ((rc = check_int(&ck, sc, "finest", CHECK_REQUIRED, 1, hi, &s->finest_s)) ||
        (rc = check_int(&ck, sc, "coarsest", CHECK_REQUIRED, 1, hi, &s->coarsest_s)))
      return rc;
    if (s->finest_s > s->interval_s || s->coarsest_s < s->interval_s)
      return check_fail(&ck, NULL, "needs finest <= interval (%lld) <= coarsest",
                        (long long)s->interval_s);
    s->scalable = 1;
  }
  return check_num(&ck, sc, "min_coverage", CHECK_OPTIONAL, 0.001, 1, &s->min_coverage);
}

/* Timing: an interval or a monthly schedule, its scaling, and live. */
static int series_timing(const struct check *k, json_t *o, struct demo_series *s) {
  json_t *sched = json_object_get(o, "schedule"), *sc = json_object_get(o, "scale");
  int rc;
  if (!sched == !json_object_get(o, "interval"))
    return check_fail(k, "interval", "give exactly one of interval (seconds) and schedule");
  int64_t hi = s->model == DEMO_FLOW ? 86400 : 31 * 86400;
  if ((rc = sched ? series_schedule(k, sched, s)
                  : check_int(k, o, "interval", CHECK_REQUIRED, 1, hi, &s->interval_s)))
    return rc;
  s->min_coverage = 1;
  if (sc && (rc = series_scale(k, sc, s))) return rc;
  if (!s->scalable) s->finest_s = s->coarsest_s = s->interval_s;

  s->live_interval_s = s->interval_s;
  if (s->model == DEMO_FLOW) {
    if ((rc = check_int(k, o, "live_interval", CHECK_OPTIONAL, 1, 86400, &s->live_interval_s)))
      return rc;
  } else if (json_object_get(o, "live_interval")) {
    return check_fail(k, "live_interval", "only flows have one; gauges take live_weight");
  }
  if ((rc = check_num(k, o, "live_weight", CHECK_OPTIONAL, 0, 1000, &s->live_weight))) return rc;
  if (s->live_weight > 0 && (s->model == DEMO_FLOW || s->monthly))
    return check_fail(k, "live_weight",
                      "only level and status series on an interval take a live share");
  return 0;
}

/* The level: a number, or an attribute (level_attr), possibly weighted
 * (weight_attr), entities starting at a date (active_from_attr), and the
 * change on last year (yoy, yoy_mode). */
static int series_level(struct demo *d, const struct check *k, json_t *o, struct demo_series *s) {
  const char *lattr = NULL, *wattr = NULL, *fattr = NULL, *yoy_mode = NULL;
  int rc;
  if ((rc = check_str(k, o, "level_attr", CHECK_NONEMPTY, 0, &lattr)) ||
      (rc = check_str(k, o, "weight_attr", CHECK_NONEMPTY, 0, &wattr)) ||
      (rc = check_str(k, o, "active_from_attr", CHECK_NONEMPTY, 0, &fattr)) ||
      (rc = check_str(k, o, "yoy_mode", CHECK_NONEMPTY, 0, &yoy_mode)))
    return rc;
  if (lattr || wattr || fattr) {
    const char *f = lattr ? "level_attr" : wattr ? "weight_attr" : "active_from_attr";
    if (lattr && wattr) return check_fail(k, f, "give level_attr or weight_attr, not both");
    if (lattr && s->model != DEMO_LEVEL)
      return check_fail(k, f, "only level series take their level from an attribute");
    if (wattr && s->model == DEMO_STATUS)
      return check_fail(k, f, "a status series has no level to weight");
    if (fattr && s->model == DEMO_FLOW)
      return check_fail(k, "active_from_attr", "a flow spreads its day over all its entities");
    if ((lattr && !(s->level_attr = demo_keep(d, lattr))) ||
        (wattr && !(s->weight_attr = demo_keep(d, wattr))) ||
        (fattr && !(s->from_attr = demo_keep(d, fattr))))
      return zz_fail(k->e, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  }
  if (s->level_attr) {
    s->level = 1;
    if (json_object_get(o, "level"))
      return check_fail(k, "level", "the level comes from attrs.%s (level_attr)", s->level_attr);
  } else if (s->model != DEMO_STATUS) {
    if ((rc = check_num(k, o, "level", CHECK_REQUIRED, 0, 1e12, &s->level))) return rc;
  } else if (json_object_get(o, "level")) {
    return check_fail(k, "level", "a status series has no level (values are 1 ok, 0 fault)");
  }
  s->yoy = 1;
  if ((rc = check_num(k, o, "yoy", CHECK_OPTIONAL, 0.001, 1000, &s->yoy))) return rc;
  if (yoy_mode) {
    if (strcmp(yoy_mode, "smooth") == 0)
      s->yoy_smooth = 1;
    else if (strcmp(yoy_mode, "step") != 0)
      return check_fail(k, "yoy_mode", "\"%s\" is neither \"step\" nor \"smooth\"", yoy_mode);
  }
  return 0;
}

/* The shape in time: profiles, holidays, noise, the spread over entities. */
static int series_shape(const struct check *k, json_t *o, json_t *profiles, struct demo_series *s) {
  int rc;
  for (int i = 0; i < 24; i++) s->hourly[i] = 1;
  for (int i = 0; i < 7; i++) s->weekly[i] = 1;
  for (int i = 0; i < 12; i++) s->yearly[i] = 1;
  if ((rc = get_profile(k, o, "hourly", profiles, "hourly", s->hourly, 24))) return rc;
  memcpy(s->hourly_we, s->hourly, sizeof s->hourly);
  if ((rc = get_profile(k, o, "hourly_weekend", profiles, "hourly", s->hourly_we, 24)) ||
      (rc = get_profile(k, o, "weekly", profiles, "weekly", s->weekly, 7)) ||
      (rc = get_profile(k, o, "yearly", profiles, "yearly", s->yearly, 12)))
    return rc;
  s->has_holiday = json_object_get(o, "holiday") != NULL;
  if ((rc = check_num(k, o, "holiday", CHECK_OPTIONAL, 0, 100, &s->holiday))) return rc;

  json_t *noise = json_object_get(o, "noise");
  if (noise) {
    static const char *const nkeys[] = {"day", "bucket", "sample", NULL};
    struct check nk = *k;
    check_push_key(&nk, "noise");
    if ((rc = section(&nk, noise, nkeys)) ||
        (rc = check_num(&nk, noise, "day", CHECK_OPTIONAL, 0, 0.9, &s->noise_day)) ||
        (rc = check_num(&nk, noise, "bucket", CHECK_OPTIONAL, 0, 0.9, &s->noise_bucket)) ||
        (rc = check_num(&nk, noise, "sample", CHECK_OPTIONAL, 0, 0.9, &s->noise_sample)))
      return rc;
    if (s->model == DEMO_FLOW && s->noise_sample > 0)
      return check_fail(&nk, "sample", "a flow's cells vary by bucket noise and rounding only");
  }
  if ((rc = check_num(k, o, "entity_spread", CHECK_OPTIONAL, 0, 3, &s->spread))) return rc;
  s->dither = 1;
  return check_num(k, o, "dither", CHECK_OPTIONAL, 0, 1, &s->dither);
}

/* Values: decimals, a level's range, a status series' faults. */
/* "trend": [[days from now (<= 0), factor], ...], level series only, days
 * increasing: the level times a factor linear between the points. */
static int series_trend(const struct check *k, json_t *o, struct demo_series *s) {
  json_t *tr = json_object_get(o, "trend");
  if (!tr) return 0;
  if (s->model != DEMO_LEVEL) return check_fail(k, "trend", "only level series take a trend");
  if (!json_is_array(tr) || json_array_size(tr) < 1 || json_array_size(tr) > DEMO_TREND_MAX)
    return check_fail(k, "trend", "must list 1 to %d points [days from now, factor]",
                      DEMO_TREND_MAX);
  for (size_t i = 0; i < json_array_size(tr); i++) {
    json_t *p = json_array_get(tr, i);
    struct check pk = *k;
    check_push(&pk, ".trend[%zu]", i);
    if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(json_array_get(p, 0)) ||
        !json_is_number(json_array_get(p, 1)))
      return check_fail(&pk, NULL, "must be [days from now, factor]");
    double day = json_number_value(json_array_get(p, 0)),
           v = json_number_value(json_array_get(p, 1));
    if (!(day <= 0 && day >= -3660) || (i && day <= s->trend_day[i - 1]))
      return check_fail(&pk, NULL, "days must be from -3660 to 0, each after the one before");
    if (!(fabs(v) <= 1e6)) return check_fail(&pk, NULL, "the factor must lie within +-1e6");
    s->trend_day[i] = day;
    s->trend_v[i] = v;
    s->ntrend = (int)i + 1;
  }
  return 0;
}

static int series_values(const struct check *k, json_t *o, struct demo_series *s) {
  int rc;
  s->vmin = 0;
  s->vmax = 1e15;
  s->decimals = s->metric->is_count ? 0 : 2;
  int64_t dec = s->decimals;
  if ((rc = check_int(k, o, "decimals", CHECK_OPTIONAL, 0, 6, &dec))) return rc;
  /* A count metric's flows are integers; a level series of a summed metric
   * (monthly tax in 10k yuan) may keep decimals when demo.json says so. */
  if (s->model == DEMO_FLOW && dec != 0)
    return check_fail(k, "decimals", "a flow counts whole units");
  s->decimals = (int)dec;
  s->pow10 = pow(10, (double)dec);
  json_t *range = json_object_get(o, "range");
  if (range) {
    if (s->model != DEMO_LEVEL) return check_fail(k, "range", "only level series take a range");
    if (!json_is_array(range) || json_array_size(range) != 2 ||
        !json_is_number(json_array_get(range, 0)) || !json_is_number(json_array_get(range, 1)))
      return check_fail(k, "range", "must be [min, max]");
    s->vmin = json_number_value(json_array_get(range, 0));
    s->vmax = json_number_value(json_array_get(range, 1));
    if (!(s->vmin <= s->vmax)) return check_fail(k, "range", "min must not exceed max");
  }
  if ((rc = series_trend(k, o, s))) return rc;
  if (s->model == DEMO_STATUS) {
    int64_t fd = 1;
    if ((rc = check_num(k, o, "fault_rate", CHECK_REQUIRED, 0, 1, &s->fault_rate)) ||
        (rc = check_int(k, o, "fault_days", CHECK_OPTIONAL, 1, 365, &fd)))
      return rc;
    s->fault_days = (int)fd;
  } else if (json_object_get(o, "fault_rate") || json_object_get(o, "fault_days")) {
    return check_fail(k, "fault_rate", "only status series have faults");
  }
  return 0;
}

/* Each selected entity's weight or level (level_attr, weight_attr) and
 * start date (active_from_attr), from its attrs. */
static int series_weights(struct demo *d, const struct check *k, struct demo_series *s) {
  const char *vattr = s->level_attr ? s->level_attr : s->weight_attr;
  double sum = 0;
  for (size_t i = 0; i < s->n_all; i++) {
    const struct demo_entity *e = &d->ents[s->all[i]];
    s->sel_u[i] = demo_u01(demo_hash3(s->key, e->key, 0xc0fe));
    s->attr_v[i] = 1;
    s->from_all[i] = INT64_MIN;
    if (vattr) {
      json_t *v = e->attrs ? json_object_get(e->attrs, vattr) : NULL;
      if (!json_is_number(v) || !(json_number_value(v) >= 0))
        return check_fail(k, s->level_attr ? "level_attr" : "weight_attr",
                          "entity \"%s\" has no attrs.%s >= 0 in entities.ndjson", e->id, vattr);
      s->attr_v[i] = json_number_value(v);
    }
    sum += s->attr_v[i];
    if (s->from_attr) {
      json_t *v = e->attrs ? json_object_get(e->attrs, s->from_attr) : NULL;
      int y, mo, dy;
      char tail;
      if (!v) continue; /* no date: the entity always existed */
      if (!json_is_string(v) ||
          sscanf(json_string_value(v), "%d-%d-%d%c", &y, &mo, &dy, &tail) != 3 || mo < 1 ||
          mo > 12 || dy < 1 || dy > 31)
        return check_fail(k, "active_from_attr", "entity \"%s\": attrs.%s is not a YYYY-MM-DD date",
                          e->id, s->from_attr);
      s->from_all[i] = zz_time_from_civil(y, mo, dy, 0, 0, 0);
    }
  }
  s->attr_mean = sum / (double)s->n_all;
  if (s->weight_attr && !(s->attr_mean > 0))
    return check_fail(k, "weight_attr", "attrs.%s is zero for every entity", s->weight_attr);
  return 0;
}

/* The entities of type et in region (less exclude, matching where). */
static int series_select(struct demo *d, const struct check *k, json_t *o, struct demo_series *s,
                         const char *et) {
  const char *region = NULL;
  const json_t *exclude = NULL, *where = NULL;
  int rc;
  if ((rc = check_str(k, o, "region", REQ_STR, 0, &region)) ||
      (rc = check_array(k, o, "exclude", CHECK_OPTIONAL, 0, 0, CHECK_STRING, &exclude)) ||
      (rc = check_object(k, o, "where", CHECK_OPTIONAL, &where)))
    return rc;
  s->all = zz_malloc((d->n_ents ? d->n_ents : 1) * sizeof *s->all);
  if (!s->all) return zz_fail(k->e, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  for (size_t i = 0; i < d->n_ents; i++)
    if (entity_matches(&d->ents[i], et, region, (json_t *)exclude, (json_t *)where))
      s->all[s->n_all++] = (uint32_t)i;
  if (s->n_all == 0)
    return check_fail(k, "region", "selects no entity of type \"%s\" in \"%s\"", et, region);
  s->sel_u = zz_malloc(s->n_all * sizeof *s->sel_u);
  s->attr_v = zz_malloc(s->n_all * sizeof *s->attr_v);
  s->from_all = zz_malloc(s->n_all * sizeof *s->from_all);
  if (!s->sel_u || !s->attr_v || !s->from_all)
    return zz_fail(k->e, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  return series_weights(d, k, s);
}

/* One series of demo.json into d->series[idx]. */
static int parse_series(struct demo *d, json_t *o, size_t idx, json_t *profiles,
                        struct zz_err *err) {
  struct demo_series *s = &d->series[idx];
  struct check k;
  at(&k, err, DEMO_FILE);
  check_at(&k, "series[%zu]", idx);
  const char *et = NULL;
  int rc;
  if ((rc = section(&k, o, series_keys)) || (rc = series_ident(d, &k, o, idx, &et)) ||
      (rc = series_timing(&k, o, s)) || (rc = series_level(d, &k, o, s)) ||
      (rc = series_shape(&k, o, profiles, s)) || (rc = series_values(&k, o, s)))
    return rc;
  return series_select(d, &k, o, s, et);
}

/* Each (entity, metric) is generated by at most one series. */
static int check_overlaps(struct demo *d, struct zz_err *err) {
  int *owner = zz_malloc(d->n_ents * sizeof *owner);
  if (!owner) return zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  struct check k;
  at(&k, err, DEMO_FILE);
  int rc = 0;
  for (size_t m = 0; m < d->n_metrics && !rc; m++) {
    for (size_t i = 0; i < d->n_ents; i++) owner[i] = -1;
    for (size_t si = 0; si < d->n_series && !rc; si++) {
      struct demo_series *s = &d->series[si];
      if (s->metric != &d->metrics[m]) continue;
      for (size_t n = 0; n < s->n_all; n++) {
        uint32_t e = s->all[n];
        if (owner[e] >= 0) {
          check_at(&k, "series[%zu]", si);
          rc = check_fail(&k, "region",
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

/* The one series that generates metric m inside region (*out), which a
 * target calibrates: a flow wholly inside the region, keeping all its
 * entities. k is at the target. */
static int target_series(struct demo *d, const struct check *k, const struct demo_metric *m,
                         const char *region, struct demo_series **out) {
  struct demo_series *s = NULL;
  for (size_t si = 0; si < d->n_series; si++) {
    struct demo_series *c = &d->series[si];
    if (c->metric != m) continue;
    size_t in = 0;
    for (size_t n = 0; n < c->n_all; n++) in += region_in(d->ents[c->all[n]].region, region);
    if (in == 0) continue;
    if (s)
      return check_fail(
          k, "region",
          "metric \"%s\" in \"%s\" comes from two series (\"%s\", \"%s\"); a target needs one",
          m->id, region, s->id, c->id);
    if (in != c->n_all)
      return check_fail(k, "region", "series \"%s\" also covers entities outside \"%s\"", c->id,
                        region);
    s = c;
  }
  if (!s) return check_fail(k, "region", "no series generates \"%s\" in \"%s\"", m->id, region);
  if (s->model != DEMO_FLOW)
    return check_fail(k, "region", "series \"%s\" must be a flow to be calibrated", s->id);
  if (s->min_coverage < 1)
    return check_fail(k, "region", "series \"%s\" is calibrated: scale.min_coverage must be 1",
                      s->id);
  *out = s;
  return 0;
}

/* One calibration target; k is at "calibration.targets[i]". */
static int parse_target(struct demo *d, const struct check *k, json_t *t) {
  static const char *const tkeys[] = {"metric", "region",     "kind", "percent",
                                      "value",  "others_max", "note", NULL};
  const char *metric = NULL, *region = NULL, *kind = NULL;
  struct demo_series *s = NULL;
  int rc;
  if ((rc = section(k, t, tkeys)) || (rc = check_str(k, t, "metric", REQ_STR, 0, &metric)) ||
      (rc = check_str(k, t, "region", REQ_STR, 0, &region)) ||
      (rc = check_str(k, t, "kind", REQ_STR, 0, &kind)))
    return rc;
  const struct demo_metric *m = find_metric(d, metric);
  if (!m) return check_fail(k, "metric", "unknown metric \"%s\"", metric);
  if ((rc = target_series(d, k, m, region, &s))) return rc;
  if (!s->cal) {
    s->cal = zz_calloc(1, sizeof *s->cal);
    if (!s->cal) return zz_fail(k->e, ZZ_ENOMEM, DEMO_FILE, "out of memory");
    s->cal->peak_day = -1;
  }
  if (strcmp(kind, "ytd_change") == 0) {
    double pct = 0;
    if (s->cal->has_ratio) return check_fail(k, "kind", "a second ytd_change for \"%s\"", s->id);
    if ((rc = check_num(k, t, "percent", CHECK_REQUIRED, -99.9, 100000, &pct))) return rc;
    s->cal->has_ratio = 1;
    s->cal->ratio = 1 + pct / 100;
  } else if (strcmp(kind, "peak_day") == 0) {
    if (s->cal->has_peak) return check_fail(k, "kind", "a second peak_day for \"%s\"", s->id);
    s->cal->others_max = 0.96;
    if ((rc = check_num(k, t, "value", CHECK_REQUIRED, 1, 1e12, &s->cal->peak)) ||
        (rc = check_num(k, t, "others_max", CHECK_OPTIONAL, 0.5, 1, &s->cal->others_max)))
      return rc;
    s->cal->has_peak = 1;
  } else {
    return check_fail(k, "kind", "\"%s\" is neither \"ytd_change\" nor \"peak_day\"", kind);
  }
  return 0;
}

static int parse_targets(struct demo *d, json_t *cal, struct zz_err *err) {
  static const char *const keys[] = {"live_horizon_days", "targets", "note", NULL};
  struct check k;
  at(&k, err, DEMO_FILE);
  check_at(&k, "calibration");
  const json_t *ts = NULL;
  int rc;
  d->horizon_days = 14;
  if (!cal) return 0;
  if ((rc = section(&k, cal, keys)) ||
      (rc = check_int(&k, cal, "live_horizon_days", CHECK_OPTIONAL, 0, 180, &d->horizon_days)) ||
      (rc = check_array(&k, cal, "targets", CHECK_OPTIONAL, 0, 0, CHECK_ANY, &ts)))
    return rc;
  for (size_t i = 0; i < json_array_size(ts); i++) {
    check_at(&k, "calibration.targets[%zu]", i);
    if ((rc = parse_target(d, &k, json_array_get(ts, i)))) return rc;
  }
  return 0;
}

/* holidays: [{name, month, day, days}]. */
static int parse_holidays(struct demo *d, const struct check *top, json_t *hol) {
  static const char *const hk[] = {"name", "month", "day", "days", NULL};
  if (!hol) return 0;
  if (!json_is_array(hol)) return check_fail(top, "holidays", "must be an array");
  d->n_holidays = json_array_size(hol);
  d->holidays = zz_calloc(d->n_holidays ? d->n_holidays : 1, sizeof *d->holidays);
  if (!d->holidays) return zz_fail(top->e, ZZ_ENOMEM, DEMO_FILE, "out of memory");
  for (size_t i = 0; i < d->n_holidays; i++) {
    json_t *x = json_array_get(hol, i);
    struct check k = *top;
    check_at(&k, "holidays[%zu]", i);
    int64_t mo = 0, dy = 0, n = 1;
    int rc;
    if ((rc = section(&k, x, hk)) || (rc = check_int(&k, x, "month", CHECK_REQUIRED, 1, 12, &mo)) ||
        (rc = check_int(&k, x, "day", CHECK_REQUIRED, 1, 31, &dy)) ||
        (rc = check_int(&k, x, "days", CHECK_OPTIONAL, 1, 31, &n)))
      return rc;
    d->holidays[i] = (struct demo_holiday){(int)mo, (int)dy, (int)n};
  }
  return 0;
}

/* version, history, live, holidays and profiles: the settings before the
 * series. */
static int parse_settings(struct demo *d, const struct check *top, json_t *j) {
  static const char *const hkeys[] = {"min_days", NULL};
  static const char *const lkeys[] = {"flow_share_max", "finest", NULL};
  static const char *const pk[] = {"hourly", "weekly", "yearly", NULL};
  json_t *v = json_object_get(j, "version");
  if (v && (!json_is_integer(v) || json_integer_value(v) != 1))
    return check_fail(top, "version", "only version 1 is known");
  struct check k = *top;
  int rc;
  d->min_days = 400;
  json_t *h = json_object_get(j, "history");
  check_at(&k, "history");
  if (h && ((rc = section(&k, h, hkeys)) ||
            (rc = check_int(&k, h, "min_days", CHECK_OPTIONAL, 1, 3660, &d->min_days))))
    return rc;
  d->flow_share_max = 0.5;
  d->live_finest_s = 1;
  json_t *lv = json_object_get(j, "live");
  check_at(&k, "live");
  if (lv &&
      ((rc = section(&k, lv, lkeys)) ||
       (rc = check_num(&k, lv, "flow_share_max", CHECK_OPTIONAL, 0.01, 1, &d->flow_share_max)) ||
       (rc = check_num(&k, lv, "finest", CHECK_OPTIONAL, 0.001, 86400, &d->live_finest_s))))
    return rc;
  if ((rc = parse_holidays(d, top, json_object_get(j, "holidays")))) return rc;
  json_t *profiles = json_object_get(j, "profiles");
  check_at(&k, "profiles");
  return profiles ? section(&k, profiles, pk) : 0;
}

static int parse_demo(struct demo *d, struct zz_err *err) {
  /* "incidents" belongs to the live feed's staged happenings (incidents.c) */
  static const char *const keys[] = {"version", "note", "history", "live", "holidays", "profiles",
                                     "series", "calibration", "incidents",
                                     /* the alarms of the past (past_alarms.c) */
                                     "past_alarms", NULL};
  json_t *j = load_json(d, DEMO_FILE, err);
  if (!j) return err ? err->code : ZZ_EINVAL;
  struct check k;
  at(&k, err, DEMO_FILE);
  int rc = 0;
  if (!json_is_object(j)) {
    rc = check_fail(&k, NULL, "must be a JSON object");
    goto done;
  }
  if ((rc = check_known(&k, j, keys)) || (rc = parse_settings(d, &k, j))) goto done;
  json_t *series = json_object_get(j, "series");
  if (!json_is_array(series) || json_array_size(series) == 0) {
    rc = check_fail(&k, "series", "must be a non-empty array");
    goto done;
  }
  d->series = zz_calloc(json_array_size(series), sizeof *d->series);
  if (!d->series) {
    rc = zz_fail(err, ZZ_ENOMEM, DEMO_FILE, "out of memory");
    goto done;
  }
  d->n_series = json_array_size(series);
  json_t *profiles = json_object_get(j, "profiles");
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
    zz_free(s->keep);
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
