/* incidents.c - staged happenings for the demo's live feed: every
 * every_s[0]..every_s[1] seconds one kind is drawn by weight, then one of
 * its entities at random, and one record with the kind's value is due. */
#include "demo/incidents.h"
#include "core/check.h"
#include "store/store_registry.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define INC_KINDS 16
#define INC_ENTITIES 2000

struct kind {
  char metric[CHECK_KEY_MAX + 1], source[CHECK_KEY_MAX + 1], type[CHECK_KEY_MAX + 1];
  double value, weight;
  char **keys; /* entities of the type */
  size_t nkeys;
};

struct demo_incidents {
  struct kind k[INC_KINDS];
  int nk;
  double every_lo, every_hi, total_weight;
  int64_t due_ms;
  uint64_t rng;
};

static uint64_t next_rand(struct demo_incidents *in) {
  uint64_t x = in->rng; /* xorshift64* */
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  in->rng = x;
  return x * 2685821657736338717ULL;
}

static double unit(struct demo_incidents *in) {
  return (double)(next_rand(in) >> 11) / 9007199254740992.0;
}

void demo_incidents_free(struct demo_incidents *in) {
  if (!in) return;
  for (int i = 0; i < in->nk; i++) {
    for (size_t j = 0; j < in->k[i].nkeys; j++) zz_free(in->k[i].keys[j]);
    zz_free(in->k[i].keys);
  }
  zz_free(in);
}

struct collect {
  struct kind *k;
  int rc;
};

static int collect_row(void *ud, const struct store_entity *en) {
  struct collect *c = ud;
  if (c->k->nkeys == INC_ENTITIES) return 1;
  char *key = zz_strdup(en->key);
  if (!key) {
    c->rc = ZZ_ENOMEM;
    return 1;
  }
  c->k->keys[c->k->nkeys++] = key;
  return 0;
}

/* ---- checking "incidents" (the kit of core/check.h, in demo.json's form) ---- */

/* The members of "incidents" and of each kind: anything else is a typo. */
static const char *const INC_KEYS[] = {"note", "every_s", "kinds", NULL};
static const char *const KIND_KEYS[] = {"note",  "metric", "source", "entity_type",
                                        "value", "weight", NULL};

/* What the store says about the ids a kind names. */
struct lookup {
  const char *key;
  int found;
  char type[CHECK_KEY_MAX + 1]; /* a metric's entity type ("" for any) */
};

static int metric_row(void *ud, const struct store_metric *m) {
  struct lookup *l = ud;
  if (strcmp(m->key, l->key) != 0) return 0;
  l->found = 1;
  zz_strlcpy(l->type, m->entity_type ? m->entity_type : "", sizeof l->type);
  return 1;
}

static int source_row(void *ud, const struct store_source *s) {
  struct lookup *l = ud;
  l->found = strcmp(s->key, l->key) == 0;
  return l->found;
}

static int type_row(void *ud, const struct store_named *n) {
  struct lookup *l = ud;
  l->found = strcmp(n->key, l->key) == 0;
  return l->found;
}

/* The kind's metric, source and entity type are the pack's, and the metric
 * belongs to that entity type: a typo would otherwise stage nothing, or
 * records the store refuses, without a word. */
static int kind_refs(const struct check *k, struct store *st, const struct kind *kd) {
  struct lookup m = {.key = kd->metric}, s = {.key = kd->source}, t = {.key = kd->type};
  int rc;
  if ((rc = store_metrics_each(st, metric_row, &m)) < 0 ||
      (rc = store_sources_each(st, source_row, &s)) < 0 ||
      (rc = store_named_each(st, "entity_type", type_row, &t)) < 0)
    return zz_fail(k->e, rc, k->path, "cannot read the pack's metrics, sources and types");
  if (!m.found) return check_fail(k, "metric", "unknown metric \"%s\"", kd->metric);
  if (!s.found) return check_fail(k, "source", "unknown source \"%s\"", kd->source);
  if (!t.found) return check_fail(k, "entity_type", "unknown entity type \"%s\"", kd->type);
  if (*m.type && strcmp(m.type, kd->type) != 0)
    return check_fail(k, "entity_type", "\"%s\" but metric \"%s\" belongs to \"%s\"", kd->type,
                      kd->metric, m.type);
  return 0;
}

/* One item of kinds (k at "incidents.kinds[i]") into kd. */
static int parse_kind(const struct check *k, struct store *st, const json_t *o, struct kind *kd) {
  const char *metric = NULL, *source = NULL, *type = NULL;
  int rc;
  kd->weight = 1;
  if ((rc = check_known(k, o, KIND_KEYS)) ||
      (rc = check_key(k, o, "metric", CHECK_REQUIRED, &metric)) ||
      (rc = check_key(k, o, "source", CHECK_REQUIRED, &source)) ||
      (rc = check_key(k, o, "entity_type", CHECK_REQUIRED, &type)) ||
      (rc = check_num(k, o, "value", CHECK_REQUIRED, -HUGE_VAL, HUGE_VAL, &kd->value)) ||
      (rc = check_num(k, o, "weight", CHECK_OPTIONAL, -HUGE_VAL, HUGE_VAL, &kd->weight)))
    return rc;
  if (kd->weight <= 0) /* the kit's ranges are closed: > 0 is said here */
    return check_fail(k, "weight", "must be a number > 0, not %g", kd->weight);
  zz_strlcpy(kd->metric, metric, sizeof kd->metric);
  zz_strlcpy(kd->source, source, sizeof kd->source);
  zz_strlcpy(kd->type, type, sizeof kd->type);
  return kind_refs(k, st, kd);
}

/* every_s: [least, most] seconds between incidents, 1 <= least <= most. */
static int parse_every(struct check *k, const json_t *inc, struct demo_incidents *in) {
  const json_t *every = NULL;
  int rc = check_array(k, inc, "every_s", CHECK_REQUIRED, 2, 2, CHECK_ANY, &every);
  if (rc) return rc;
  size_t mark = check_push(k, ".every_s[0]");
  rc = check_num(k, json_array_get(every, 0), NULL, CHECK_REQUIRED, 1, HUGE_VAL, &in->every_lo);
  check_pop(k, mark);
  if (rc) return rc;
  check_push(k, ".every_s[1]"); /* most: no less than least */
  rc = check_num(k, json_array_get(every, 1), NULL, CHECK_REQUIRED, in->every_lo, HUGE_VAL,
                 &in->every_hi);
  check_pop(k, mark);
  return rc;
}

int demo_incidents_load(const char *pack_dir, struct store *st, uint64_t seed,
                        struct demo_incidents **out, struct zz_err *e) {
  *out = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/demo.json", pack_dir);
  /* messages read like the rest of demo.json's (demo_load.c): "demo.json:
   * incidents.kinds[1].value: missing", the field "incidents.kinds[1].value" */
  struct check k;
  check_init(&k, e, "demo.json", CHECK_FILE_COLON);
  k.missing = "missing";
  json_error_t je;
  json_t *doc = json_load_file(path, 0, &je);
  if (!doc) {
    /* jansson's words are English; the Chinese says what they are about */
    struct zz_err bad;
    zz_fail_pair(&bad, ZZ_EINVAL, NULL, je.text, je.text);
    zz_err_wrap(&bad, &bad, "", "JSON 有误：");
    return check_fail_err(&k, NULL, &bad);
  }
  const json_t *inc = json_object_get(doc, "incidents"), *kinds = NULL;
  int rc = 0;
  struct demo_incidents *in = NULL;
  if (!inc) goto done;
  if (!(in = zz_calloc(1, sizeof *in))) {
    rc = zz_fail(e, ZZ_ENOMEM, "incidents", "out of memory");
    goto done;
  }
  check_at(&k, "incidents");
  if (!json_is_object(inc)) {
    rc = check_fail(&k, NULL, "must be an object");
    goto done;
  }
  if ((rc = check_known(&k, inc, INC_KEYS)) || (rc = parse_every(&k, inc, in)) ||
      (rc = check_array(&k, inc, "kinds", CHECK_REQUIRED, 1, INC_KINDS, CHECK_OBJECT, &kinds)))
    goto done;
  in->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < json_array_size(kinds); i++) {
    check_at(&k, "incidents.kinds[%zu]", i);
    struct kind *kd = &in->k[in->nk];
    if ((rc = parse_kind(&k, st, json_array_get(kinds, i), kd))) goto done;
    if (!(kd->keys = zz_calloc(INC_ENTITIES, sizeof *kd->keys))) {
      rc = zz_fail(e, ZZ_ENOMEM, k.path, "out of memory");
      goto done;
    }
    in->nk++;
    struct collect c = {kd, 0};
    struct store_entity_filter f = {.type = kd->type, .limit = INC_ENTITIES};
    if ((rc = store_entities_each(st, &f, collect_row, &c)) || (rc = c.rc)) {
      zz_fail(e, rc, k.path, "cannot read the entities of type %s", kd->type);
      goto done;
    }
    in->total_weight += kd->nkeys ? kd->weight : 0; /* a type without entities never strikes */
  }
done:
  json_decref(doc);
  if (rc) {
    demo_incidents_free(in);
    return rc;
  }
  *out = in;
  return 0;
}

int demo_incidents_next(struct demo_incidents *in, int64_t now_ms, struct demo_record *out) {
  if (!in || in->total_weight <= 0) return 0;
  if (!in->due_ms) { /* the first one comes after a full wait */
    in->due_ms =
        now_ms + (int64_t)((in->every_lo + unit(in) * (in->every_hi - in->every_lo)) * 1000);
    return 0;
  }
  if (now_ms < in->due_ms) return 0;
  in->due_ms = now_ms + (int64_t)((in->every_lo + unit(in) * (in->every_hi - in->every_lo)) * 1000);
  double pick = unit(in) * in->total_weight;
  struct kind *k = NULL;
  for (int i = 0; i < in->nk; i++) {
    if (!in->k[i].nkeys) continue;
    k = &in->k[i];
    if (pick < k->weight) break;
    pick -= k->weight;
  }
  if (!k) return 0;
  *out = (struct demo_record){.source = k->source,
                              .entity = k->keys[next_rand(in) % k->nkeys],
                              .metric = k->metric,
                              .ts = now_ms,
                              .value = k->value};
  return 1;
}
