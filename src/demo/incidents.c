/* incidents.c - staged happenings for the demo's live feed: every
 * every_s[0]..every_s[1] seconds one kind is drawn by weight, then one of
 * its entities at random, and one record with the kind's value is due. */
#include "demo/incidents.h"
#include "store/store_registry.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define INC_KINDS 16
#define INC_ENTITIES 2000

struct kind {
  char metric[64], source[64], type[64];
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

static int str_member(json_t *o, const char *key, char *out, size_t cap, const char *where,
                      struct zz_err *e) {
  const char *s = json_string_value(json_object_get(o, key));
  if (!s || !*s || strlen(s) >= cap)
    return zz_fail(e, ZZ_EINVAL, where, "demo.json %s.%s: a non-empty string is required", where,
                   key);
  zz_strlcpy(out, s, cap);
  return 0;
}

int demo_incidents_load(const char *pack_dir, struct store *st, uint64_t seed,
                        struct demo_incidents **out, struct zz_err *e) {
  *out = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/demo.json", pack_dir);
  json_error_t je;
  json_t *doc = json_load_file(path, 0, &je);
  if (!doc) return zz_fail(e, ZZ_EINVAL, "demo.json", "demo.json: %s", je.text);
  json_t *inc = json_object_get(doc, "incidents");
  int rc = 0;
  struct demo_incidents *in = NULL;
  if (!inc) goto done;
  json_t *every = json_object_get(inc, "every_s"), *kinds = json_object_get(inc, "kinds");
  if (!json_is_array(every) || json_array_size(every) != 2 ||
      !json_is_number(json_array_get(every, 0)) || !json_is_number(json_array_get(every, 1)) ||
      json_number_value(json_array_get(every, 0)) < 1 ||
      json_number_value(json_array_get(every, 1)) < json_number_value(json_array_get(every, 0))) {
    rc =
        zz_fail(e, ZZ_EINVAL, "incidents.every_s",
                "demo.json incidents.every_s: [least, most] seconds between incidents, least >= 1");
    goto done;
  }
  if (!json_is_array(kinds) || json_array_size(kinds) == 0 || json_array_size(kinds) > INC_KINDS) {
    rc = zz_fail(e, ZZ_EINVAL, "incidents.kinds", "demo.json incidents.kinds: 1 to %d kinds",
                 INC_KINDS);
    goto done;
  }
  if (!(in = zz_calloc(1, sizeof *in))) {
    rc = zz_fail(e, ZZ_ENOMEM, "incidents", "out of memory");
    goto done;
  }
  in->every_lo = json_number_value(json_array_get(every, 0));
  in->every_hi = json_number_value(json_array_get(every, 1));
  in->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < json_array_size(kinds); i++) {
    json_t *o = json_array_get(kinds, i);
    char where[48];
    snprintf(where, sizeof where, "incidents.kinds[%zu]", i);
    struct kind *k = &in->k[in->nk];
    json_t *v = json_object_get(o, "value"), *w = json_object_get(o, "weight");
    if ((rc = str_member(o, "metric", k->metric, sizeof k->metric, where, e)) ||
        (rc = str_member(o, "source", k->source, sizeof k->source, where, e)) ||
        (rc = str_member(o, "entity_type", k->type, sizeof k->type, where, e)))
      goto done;
    if (!json_is_number(v) || (w && (!json_is_number(w) || json_number_value(w) <= 0))) {
      rc = zz_fail(e, ZZ_EINVAL, where, "demo.json %s: value is a number, weight a positive one",
                   where);
      goto done;
    }
    k->value = json_number_value(v);
    k->weight = w ? json_number_value(w) : 1;
    if (!(k->keys = zz_calloc(INC_ENTITIES, sizeof *k->keys))) {
      rc = zz_fail(e, ZZ_ENOMEM, where, "out of memory");
      goto done;
    }
    in->nk++;
    struct collect c = {k, 0};
    struct store_entity_filter f = {.type = k->type, .limit = INC_ENTITIES};
    if ((rc = store_entities_each(st, &f, collect_row, &c)) || (rc = c.rc)) {
      zz_fail(e, rc, where, "cannot read the entities of type %s", k->type);
      goto done;
    }
    in->total_weight += k->nkeys ? k->weight : 0; /* a type without entities never strikes */
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
