/* test_pack.c - unit tests for src/pack/pack.c against a real SQLite store in
 * a temp directory: the small fixture pack (tests/unit/fixtures/pack_small),
 * idempotent reloads, a second pack grafted onto the first (DFS renumbering),
 * one broken pack per validation rule (tests/unit/fixtures/pack_bad/<case>
 * holds only the files that differ from pack_small) and, when present, the
 * real Gongshu pack. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/zz.h"
#include "pack/pack.h"
#include "store/store.h"
#include "store/store_registry.h"
#include "support.h"

#define FIXTURES "tests/unit/fixtures"
#define SMALL FIXTURES "/pack_small"
#define GONGSHU "scenarios/gongshu"

/* One test's world: a store in root/data and pack directories below root. */
struct world {
  char root[64];
  char data[128];
  struct store *st;
};

/* cmocka setup: a world per test; the teardown runs even when the test fails. */
static int world_setup(void **state) {
  struct world *w = calloc(1, sizeof *w);
  if (!w) return -1;
  if (ts_dir_make(w->root, sizeof w->root, "pack")) {
    free(w);
    return -1;
  }
  snprintf(w->data, sizeof w->data, "%s/data", w->root);
  struct store_open_opts opts = {.dir = w->data};
  struct zz_err e = {0};
  if (store_sqlite_open(&opts, &w->st, &e)) {
    fprintf(stderr, "store_sqlite_open: %s\n", e.msg);
    ts_dir_remove(w->root);
    free(w);
    return -1;
  }
  *state = w;
  return 0;
}

static int world_teardown(void **state) {
  struct world *w = *state;
  store_close(w->st);
  ts_dir_remove(w->root);
  free(w);
  return 0;
}

/* A fresh pack directory root/name holding pack_small overlaid with overlay. */
static void make_pack(struct world *w, const char *name, const char *overlay, char *out,
                      size_t cap) {
  snprintf(out, cap, "%s/%s", w->root, name);
  assert_int_equal(mkdir(out, 0755), 0);
  ts_dir_copy(SMALL, out);
  if (overlay) ts_dir_copy(overlay, out);
}

/* ---- reading the store back ---- */

struct counts {
  int regions, metrics, types, departments, sources;
  int64_t entities;
};

static int count_region(void *ud, const struct store_region *r) {
  (void)r;
  ((struct counts *)ud)->regions++;
  return 0;
}
static int count_metric(void *ud, const struct store_metric *m) {
  (void)m;
  ((struct counts *)ud)->metrics++;
  return 0;
}
static int count_named(void *ud, const struct store_named *n) {
  (void)n;
  (*(int *)ud)++;
  return 0;
}
static int count_source(void *ud, const struct store_source *s) {
  (void)s;
  ((struct counts *)ud)->sources++;
  return 0;
}

struct ent_page {
  int64_t n, last_id, region, in_region;
};

static int count_entity(void *ud, const struct store_entity *en) {
  struct ent_page *p = ud;
  p->n++;
  p->last_id = en->id;
  if (en->region == p->region) p->in_region++;
  return 0;
}

/* Entities with rpos in [lo, hi] (0, 0: all) of type (NULL: any); *in_region
 * (may be NULL) counts those whose region id is region. */
static int64_t count_entities(struct store *st, int64_t lo, int64_t hi, const char *type,
                              int64_t region, int64_t *in_region) {
  struct ent_page p = {.region = region};
  for (;;) {
    int64_t before = p.n;
    struct store_entity_filter f = {
        .type = type, .rpos_lo = lo, .rpos_hi = hi, .after_id = p.last_id, .limit = 1000};
    assert_int_equal(store_entities_each(st, &f, count_entity, &p), 0);
    if (p.n - before < 1000) break;
  }
  if (in_region) *in_region = p.in_region;
  return p.n;
}

static struct counts store_counts(struct store *st) {
  struct counts c = {0};
  assert_int_equal(store_regions_each(st, 0, count_region, &c), 0);
  assert_int_equal(store_metrics_each(st, count_metric, &c), 0);
  assert_int_equal(store_named_each(st, "entity_type", count_named, &c.types), 0);
  assert_int_equal(store_named_each(st, "department", count_named, &c.departments), 0);
  assert_int_equal(store_sources_each(st, count_source, &c), 0);
  c.entities = count_entities(st, 0, 0, NULL, 0, NULL);
  return c;
}

static void assert_counts_equal(struct counts a, struct counts b) {
  assert_int_equal(a.regions, b.regions);
  assert_int_equal(a.metrics, b.metrics);
  assert_int_equal(a.types, b.types);
  assert_int_equal(a.departments, b.departments);
  assert_int_equal(a.sources, b.sources);
  assert_int_equal(a.entities, b.entities);
}

/* The regions of the store with the DFS interval computed here, independently
 * of pack.c, by the documented rule: pre-order from 1, roots and children in
 * ascending id order. */
struct tree {
  int n;
  int64_t id[256], lo[256], hi[256];
  char path[256][128], parent[256][128];
  char level[256][16];
  char geometry[256][512];
};

static int tree_row(void *ud, const struct store_region *r) {
  struct tree *t = ud;
  assert_true(t->n < 256);
  t->id[t->n] = r->id;
  snprintf(t->path[t->n], sizeof t->path[0], "%s", r->path);
  snprintf(t->parent[t->n], sizeof t->parent[0], "%s", r->parent_path ? r->parent_path : "");
  snprintf(t->level[t->n], sizeof t->level[0], "%s", r->level);
  snprintf(t->geometry[t->n], sizeof t->geometry[0], "%s", r->geometry ? r->geometry : "");
  t->n++;
  return 0;
}

static int64_t tree_number(struct tree *t, int i, int64_t next) {
  t->lo[i] = ++next;
  for (int k = 0; k < t->n; k++) /* rows come ordered by id */
    if (strcmp(t->parent[k], t->path[i]) == 0) next = tree_number(t, k, next);
  t->hi[i] = next;
  return next;
}

static struct tree *tree_read(struct store *st) {
  struct tree *t = calloc(1, sizeof *t);
  assert_non_null(t);
  assert_int_equal(store_regions_each(st, 1, tree_row, t), 0);
  for (int i = 1; i < t->n; i++) assert_true(t->id[i] > t->id[i - 1]);
  int64_t next = 0;
  for (int i = 0; i < t->n; i++)
    if (!t->parent[i][0]) next = tree_number(t, i, next);
  assert_int_equal(next, t->n);
  return t;
}

static int tree_find(const struct tree *t, const char *path) {
  for (int i = 0; i < t->n; i++)
    if (strcmp(t->path[i], path) == 0) return i;
  fail_msg("region %s not in the store", path);
  return -1;
}

/* Entities in the subtree of path, by the store's rpos filter. */
static int64_t subtree_entities(struct store *st, const struct tree *t, const char *path,
                                const char *type) {
  int i = tree_find(t, path);
  return count_entities(st, t->lo[i], t->hi[i], type, 0, NULL);
}

struct progress_log {
  int calls;
  int64_t last_done, last_total;
  int monotonic;
};

static void on_progress(void *ud, int64_t done, int64_t total) {
  struct progress_log *p = ud;
  if (p->calls && done < p->last_done) p->monotonic = 0;
  p->calls++;
  p->last_done = done;
  p->last_total = total;
}

static void load_ok(struct store *st, const char *dir, struct pack_stats *stats) {
  struct zz_err e = {0};
  int rc = pack_load(st, dir, stats, NULL, NULL, &e);
  if (rc) fail_msg("pack_load(%s) = %d: %s", dir, rc, e.msg);
}

/* ---- entity read-back ---- */

struct entity_copy {
  int found;
  int64_t id, region;
  double lon, lat;
  char type[32], attrs[256];
};

static int copy_entity(void *ud, const struct store_entity *en) {
  struct entity_copy *c = ud;
  c->found = 1;
  c->id = en->id;
  c->region = en->region;
  c->lon = en->lon;
  c->lat = en->lat;
  snprintf(c->type, sizeof c->type, "%s", en->type);
  snprintf(c->attrs, sizeof c->attrs, "%s", en->attrs_json ? en->attrs_json : "");
  return 0;
}

static struct entity_copy get_entity(struct store *st, const char *key) {
  struct entity_copy c = {0};
  assert_int_equal(store_entity_get(st, key, copy_entity, &c), 0);
  assert_true(c.found);
  return c;
}

static void assert_json_equal(const char *got, const char *want) {
  json_t *a = json_loads(got, 0, NULL), *b = json_loads(want, 0, NULL);
  assert_non_null(a);
  assert_non_null(b);
  if (!json_equal(a, b)) fail_msg("JSON %s, want %s", got, want);
  json_decref(a);
  json_decref(b);
}

struct named_find {
  const char *key;
  char extra[512];
};
static int find_named(void *ud, const struct store_named *n) {
  struct named_find *f = ud;
  if (strcmp(n->key, f->key) == 0)
    snprintf(f->extra, sizeof f->extra, "%s", n->extra_json ? n->extra_json : "");
  return 0;
}
struct source_find {
  const char *key;
  char department[32], metrics[128];
  int found;
};
static int find_source(void *ud, const struct store_source *s) {
  struct source_find *f = ud;
  if (strcmp(s->key, f->key) != 0) return 0;
  f->found = 1;
  snprintf(f->department, sizeof f->department, "%s", s->department ? s->department : "(null)");
  snprintf(f->metrics, sizeof f->metrics, "%s", s->metrics_json ? s->metrics_json : "");
  return 0;
}
struct metric_find {
  const char *key;
  char agg[16], type[32], kind[16];
};
static int find_metric(void *ud, const struct store_metric *m) {
  struct metric_find *f = ud;
  if (strcmp(m->key, f->key) != 0) return 0;
  snprintf(f->agg, sizeof f->agg, "%s", m->agg);
  snprintf(f->type, sizeof f->type, "%s", m->entity_type);
  snprintf(f->kind, sizeof f->kind, "%s", m->kind);
  return 0;
}

/* The small pack's tree: town(1) > north(2) > blk(3); south(4); park(5). */
static void assert_small_layout(struct store *st) {
  struct tree *t = tree_read(st);
  const struct {
    const char *path;
    int64_t lo, hi, entities;
  } want[] = {
      {"town", 1, 5, 8},       {"town/north", 2, 3, 4}, {"town/north/blk", 3, 3, 3},
      {"town/south", 4, 4, 1}, {"town/park", 5, 5, 2},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(want); i++) {
    int k = tree_find(t, want[i].path);
    assert_int_equal(t->lo[k], want[i].lo);
    assert_int_equal(t->hi[k], want[i].hi);
    assert_int_equal(subtree_entities(st, t, want[i].path, NULL), want[i].entities);
  }
  assert_int_equal(subtree_entities(st, t, "town/north", "shop"), 3);
  assert_int_equal(count_entities(st, 1, 1, NULL, 0, NULL),
                   1); /* sensor-1, in the district itself */
  free(t);
}

/* ---- tests ---- */

static int keep_doc(void *ud, const char *json) {
  *(char **)ud = strdup(json);
  return 0;
}

static void test_load_small(void **state) {
  struct world *w = *state;
  struct pack_stats stats = {0};
  struct progress_log pl = {.monotonic = 1};
  struct zz_err e = {0};
  assert_int_equal(pack_load(w->st, SMALL, &stats, on_progress, &pl, &e), 0);
  assert_int_equal(stats.regions, 5);
  assert_int_equal(stats.metrics, 2);
  assert_int_equal(stats.entity_types, 2);
  assert_int_equal(stats.departments, 2);
  assert_int_equal(stats.sources, 3);
  assert_int_equal(stats.entities, 8);
  assert_true(pl.calls >= 1);
  assert_true(pl.monotonic);
  assert_int_equal(pl.last_done, 8);
  assert_int_equal(pl.last_total, 8);

  struct counts c = store_counts(w->st);
  assert_counts_equal(
      c,
      (struct counts){
          .regions = 5, .metrics = 2, .types = 2, .departments = 2, .sources = 3, .entities = 8});
  assert_small_layout(w->st);
  /* dashboards.json is stored whole, compact. */
  char *dash = NULL;
  assert_int_equal(store_doc_get(w->st, "dashboards", keep_doc, &dash), 0);
  assert_non_null(dash);
  assert_non_null(strstr(dash, "\"title_zh\":\"小镇驾驶舱\""));
  free(dash);
  assert_int_equal(store_doc_get(w->st, "nothing", keep_doc, &dash), ZZ_ENOTFOUND);

  /* Rows carry what the pack said. */
  struct tree *t = tree_read(w->st);
  int town = tree_find(t, "town"), north = tree_find(t, "town/north"),
      blk = tree_find(t, "town/north/blk");
  assert_string_equal(t->level[blk], "block");
  assert_string_equal(t->parent[blk], "town/north");
  assert_string_equal(
      t->geometry[town],
      "{\"type\":\"Polygon\",\"coordinates\":[[[120.0,30.0],[120.1,30.0],[120.1,30.1],"
      "[120.0,30.1],[120.0,30.0]]]}");
  assert_non_null(strstr(t->geometry[blk], "\"type\":\"MultiPolygon\""));
  struct entity_copy s1 = get_entity(w->st, "shop-1");
  assert_int_equal(s1.region, t->id[north]);
  assert_string_equal(s1.type, "shop");
  assert_true(fabs(s1.lon - 120.05) < 1e-9 && fabs(s1.lat - 30.09) < 1e-9);
  assert_json_equal(s1.attrs, "{\"kind\":\"bakery\",\"opened\":\"2024-02-29\",\"staff\":4}");
  assert_null(strchr(s1.attrs, ' ')); /* compact */
  assert_json_equal(get_entity(w->st, "shop-2").attrs, "{\"kind\":\"cafe\",\"staff\":2.5}");
  assert_string_equal(get_entity(w->st, "shop-3").attrs, "{}");
  free(t);

  struct named_find nf = {.key = "shop"};
  assert_int_equal(store_named_each(w->st, "entity_type", find_named, &nf), 0);
  json_t *extra = json_loads(nf.extra, 0, NULL);
  assert_non_null(extra);
  assert_int_equal(json_array_size(json_object_get(extra, "attrs")), 3);
  assert_string_equal(json_string_value(json_object_get(
                          json_array_get(json_object_get(extra, "attrs"), 1), "type")),
                      "date");
  json_decref(extra);
  struct source_find sf = {.key = "pos"};
  assert_int_equal(store_sources_each(w->st, find_source, &sf), 0);
  assert_true(sf.found);
  assert_string_equal(sf.department, "urban");
  assert_string_equal(sf.metrics, "[\"sales\"]");
  struct source_find sf2 = {.key = "iot"};
  assert_int_equal(store_sources_each(w->st, find_source, &sf2), 0);
  assert_string_equal(sf2.department, "(null)");
  struct metric_find mf = {.key = "temp"};
  assert_int_equal(store_metrics_each(w->st, find_metric, &mf), 0);
  assert_string_equal(mf.agg, "avg");
  assert_string_equal(mf.type, "sensor");
  assert_string_equal(mf.kind, "gauge");
}

struct ids {
  int n;
  char key[64][64];
  int64_t id[64];
};
static int collect_region_id(void *ud, const struct store_region *r) {
  struct ids *x = ud;
  snprintf(x->key[x->n], sizeof x->key[0], "%s", r->path);
  x->id[x->n++] = r->id;
  return 0;
}
static int collect_entity_id(void *ud, const struct store_entity *en) {
  struct ids *x = ud;
  snprintf(x->key[x->n], sizeof x->key[0], "%s", en->key);
  x->id[x->n++] = en->id;
  return 0;
}
static void all_ids(struct store *st, struct ids *regions, struct ids *entities) {
  memset(regions, 0, sizeof *regions);
  memset(entities, 0, sizeof *entities);
  assert_int_equal(store_regions_each(st, 0, collect_region_id, regions), 0);
  struct store_entity_filter f = {.limit = 64};
  assert_int_equal(store_entities_each(st, &f, collect_entity_id, entities), 0);
}

static void test_load_twice(void **state) {
  struct world *w = *state;
  struct pack_stats a, b;
  load_ok(w->st, SMALL, &a);
  struct counts c1 = store_counts(w->st);
  struct ids r1, e1, r2, e2;
  all_ids(w->st, &r1, &e1);
  load_ok(w->st, SMALL, &b);
  assert_int_equal(a.entities, b.entities);
  assert_int_equal(a.regions, b.regions);
  assert_counts_equal(store_counts(w->st), c1);
  all_ids(w->st, &r2, &e2);
  assert_int_equal(r1.n, 5);
  assert_int_equal(e1.n, 8);
  assert_memory_equal(&r1, &r2, sizeof r1);
  assert_memory_equal(&e1, &e2, sizeof e1);
  assert_small_layout(w->st);
}

/* A second pack: a grid under the small pack's north street, a metric for
 * its shop type, a source, and two shops. */
static void write_addon(struct world *w, char *dir, size_t cap) {
  snprintf(dir, cap, "%s/addon", w->root);
  assert_int_equal(mkdir(dir, 0755), 0);
  ts_file_write(dir, "pack.json",
                "{\"id\":\"addon\",\"name\":{\"zh\":\"附加\",\"en\":\"Add-on\"},\"version\":2,"
                "\"description\":{\"zh\":\"附加包\",\"en\":\"An add-on pack\"}}");
  ts_file_write(
      dir, "regions.geojson",
      "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
      "{\"id\":\"town/north/newblk\",\"parent\":\"town/"
      "north\",\"level\":\"grid\",\"name_zh\":\"新网格\","
      "\"name_en\":\"New grid\",\"approximate\":true,\"center\":[120.07,30.07]},\"geometry\":"
      "{\"type\":\"Polygon\",\"coordinates\":[[[120.06,30.06],[120.08,30.06],[120.08,30.08],"
      "[120.06,30.06]]]}}]}");
  ts_file_write(dir, "departments.json", "[]");
  ts_file_write(dir, "entity_types.json", "[]");
  ts_file_write(
      dir, "metrics.json",
      "[{\"id\":\"footfall\",\"name_zh\":\"客流\",\"name_en\":\"Footfall\",\"unit\":\"人次\","
      "\"agg\":\"count\",\"entity_type\":\"shop\",\"kind\":\"count\"}]");
  ts_file_write(
      dir, "sources.json",
      "[{\"id\":\"gate\",\"name_zh\":\"闸机\",\"name_en\":\"Gates\",\"department\":\"police\","
      "\"kind\":\"iot\",\"metrics\":[\"footfall\"]}]");
  ts_file_write(
      dir, "entities.ndjson",
      "{\"id\":\"shop-20\",\"type\":\"shop\",\"name_zh\":\"新店\",\"name_en\":\"New shop\","
      "\"region\":\"town/north/newblk\",\"lon\":120.07,\"lat\":30.07,\"attrs\":{\"staff\":1}}\n"
      "{\"id\":\"shop-21\",\"type\":\"shop\",\"name_zh\":\"新店\",\"name_en\":\"Other\","
      "\"region\":\"town/south\",\"lon\":120.03,\"lat\":30.03,\"attrs\":{}}");
}

/* A second pack hangs a block under the first pack's street and uses its
 * entity type: the DFS numbers shift and entities loaded before follow. */
static void test_second_pack(void **state) {
  struct world *w = *state;
  load_ok(w->st, SMALL, NULL);
  char dir[256];
  write_addon(w, dir, sizeof dir);
  struct pack_stats s;
  load_ok(w->st, dir, &s);
  assert_int_equal(s.regions, 1);
  assert_int_equal(s.entities, 2);
  struct tree *t = tree_read(w->st);
  /* town(1) > north(2) > blk(3), newblk(4); south(5); park(6) */
  const struct {
    const char *path;
    int64_t lo, hi, entities;
  } want[] = {{"town", 1, 6, 10},          {"town/north", 2, 4, 5},
              {"town/north/blk", 3, 3, 3}, {"town/north/newblk", 4, 4, 1},
              {"town/south", 5, 5, 2},     {"town/park", 6, 6, 2}};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(want); i++) {
    int k = tree_find(t, want[i].path);
    assert_int_equal(t->lo[k], want[i].lo);
    assert_int_equal(t->hi[k], want[i].hi);
    assert_int_equal(subtree_entities(w->st, t, want[i].path, NULL), want[i].entities);
  }
  free(t);
  /* Reloading the first pack keeps the add-on's nodes numbered. */
  load_ok(w->st, SMALL, NULL);
  t = tree_read(w->st);
  assert_int_equal(subtree_entities(w->st, t, "town/north/newblk", NULL), 1);
  assert_int_equal(subtree_entities(w->st, t, "town/park", NULL), 2);
  assert_int_equal(t->lo[tree_find(t, "town/park")], 6);
  free(t);
}

/* Broken packs: each overlay in pack_bad/ breaks one rule. */
static const struct bad_case {
  const char *overlay;
  int rc;
  const char *field; /* e->field */
  const char *msg;   /* a substring of e->msg */
} bad_cases[] = {
    {"unknown_parent", ZZ_EINVAL, "regions.geojson features[6].properties.parent",
     "regions.geojson features[6].properties.parent: region \"town/east\" does not exist"},
    {"parent_later", ZZ_EINVAL, "regions.geojson features[1].properties.parent",
     "region \"town/west\" must come before its children (it is features[2])"},
    {"dup_region", ZZ_EINVAL, "regions.geojson features[6].properties.id",
     "\"town/west\" is declared twice (also features[5])"},
    {"bad_geometry", ZZ_EINVAL, "regions.geojson features[1].geometry.type",
     "must be Polygon or MultiPolygon, not \"Point\""},
    {"open_ring", ZZ_EINVAL, "regions.geojson features[5].geometry.coordinates[0]",
     "ring is not closed"},
    {"bad_level", ZZ_EINVAL, "regions.geojson features[5].properties.level",
     "must be one of district, street, block, park, grid, building"},
    {"bad_center", ZZ_EINVAL, "regions.geojson features[5].properties.center", "is not a lon/lat"},
    {"bad_region_id", ZZ_EINVAL, "regions.geojson features[5].properties.id",
     "\"town/West\" must be"},
    {"bad_agg", ZZ_EINVAL, "metrics.json [2].agg",
     "metrics.json [2].agg: must be one of sum, avg, min, max, last, count"},
    {"metric_type", ZZ_EINVAL, "metrics.json [2].entity_type",
     "entity type \"robot\" does not exist"},
    {"dup_metric", ZZ_EINVAL, "metrics.json [2].id", "\"sales\" is declared twice (also [0])"},
    {"bad_min_max", ZZ_EINVAL, "metrics.json [1].min", "100 is greater than max 60"},
    {"state_dup", ZZ_EINVAL, "metrics.json [1].states[1].value",
     "metrics.json [1].states[1].value: 1 is named twice (also states[0])"},
    {"state_range", ZZ_EINVAL, "metrics.json [1].states[1].value", "must be a number from 0 to 1"},
    {"state_name", ZZ_EINVAL, "metrics.json [1].states[1].name_en", ".name_en: required"},
    {"huge_min", ZZ_EINVAL, "metrics.json [1].min",
     "metrics.json [1].min: -1e+300 is outside [-1e18, 1e18]"},
    {"bad_max_type", ZZ_EINVAL, "metrics.json [0].max", "metrics.json [0].max: must be a number"},
    {"bad_json", ZZ_EINVAL, "metrics.json line 2 column", "metrics.json line 2 column"},
    {"unknown_dept", ZZ_EINVAL, "sources.json [1].department",
     "department \"fire\" does not exist"},
    {"unknown_metric", ZZ_EINVAL, "sources.json [1].metrics[1]", "metric \"rain\" does not exist"},
    {"source_bad_type", ZZ_EINVAL, "sources.json [1].entity_types[1]",
     "sources.json [1].entity_types[1]: entity type \"robot\" does not exist"},
    {"source_bad_region", ZZ_EINVAL, "sources.json [1].regions[0]",
     "region \"town/east\" does not exist"},
    {"source_twice_region", ZZ_EINVAL, "sources.json [0].regions[2]",
     "region \"town/north\" is listed twice"},
    {"bad_source_kind", ZZ_EINVAL, "sources.json [1].kind", "must be one of platform, iot, gov"},
    {"bad_attr_type", ZZ_EINVAL, "entity_types.json [0].attrs[0].type",
     "must be one of string, number, date"},
    {"dup_department", ZZ_EINVAL, "departments.json [2].id", "\"police\" is declared twice"},
    {"unknown_team", ZZ_EINVAL, "departments.json [0].team",
     "team \"linkage\" is not declared in pack.json's teams"},
    {"dup_team", ZZ_EINVAL, "pack.json teams[1].id", "\"linkage\" is declared twice"},
    {"bad_version", ZZ_EINVAL, "pack.json version", "must be an integer >= 1"},
    {"unknown_region", ZZ_EINVAL, "entities.ndjson line 3",
     "entities.ndjson line 3: region \"town/nowhere\" does not exist"},
    {"dup_id", ZZ_EINVAL, "entities.ndjson line 3",
     "entities.ndjson line 3: id \"shop-9\" duplicates line 1"},
    {"bad_line", ZZ_EINVAL, "entities.ndjson line 4", "entities.ndjson line 4: invalid JSON"},
    {"not_object", ZZ_EINVAL, "entities.ndjson line 2", "must be a JSON object"},
    {"unknown_type", ZZ_EINVAL, "entities.ndjson line 2",
     "type \"robot\" is not a known entity type"},
    {"bad_attr", ZZ_EINVAL, "entities.ndjson line 2", "line 2: attrs.staff: must be a number"},
    {"undeclared_attr", ZZ_EINVAL, "entities.ndjson line 2",
     "attrs.colour: not an attribute of type shop"},
    {"bad_date", ZZ_EINVAL, "entities.ndjson line 1", "attrs.opened: must be a date YYYY-MM-DD"},
    {"bad_lon", ZZ_EINVAL, "entities.ndjson line 2",
     "line 2: lon: must be a number in [-180, 180]"},
    {"bad_entity_id", ZZ_EINVAL, "entities.ndjson line 1", "id: \"Shop_9\" must be"},
    {"missing_attrs", ZZ_EINVAL, "entities.ndjson line 1", "attrs: required"},
    {"dash_metric", ZZ_EINVAL, "layouts.town.modules[0].panels[0].items[0].query.metric",
     "dashboards.json layouts.town.modules[0].panels[0].items[0].query.metric: metric \"taxes\" "
     "does not exist"},
    {"dash_slot", ZZ_EINVAL, "layouts.town.modules[0].panels[3].slot",
     "slot \"r1\" is already taken by panel \"b\""},
    {"dash_kind", ZZ_EINVAL, "layouts.town.modules[0].panels[2].kind",
     "must be one of kpi, line, bar, pie, top, map, sandtable, feed, table, orders, profile"},
    {"dash_fallback", ZZ_EINVAL, "layouts.town.modules[0].panels[2].fallback.query.range",
     "must be one of"},
    {"dash_region", ZZ_EINVAL, "perspectives[2].region", "region \"town/nowhere\" does not exist"},
    {"dash_attr", ZZ_EINVAL, "layouts.town.modules[0].panels[2].query.by",
     "entity type \"shop\" declares no attribute \"colour\""},
    {"dash_layout", ZZ_EINVAL, "perspectives[1].layout",
     "layout \"city\" is not declared under \"layouts\""},
    {"dash_change", ZZ_EINVAL, "layouts.town.modules[0].panels[0].items[1].value",
     "\"change\" needs a query with \"compare\""},
    {"dash_area", ZZ_EINVAL, "layouts.town.modules[0].panels[0].items[0].value",
     "value \"area\" and api \"region\" go together"},
    {"dash_map_api", ZZ_EINVAL, "layouts.town.modules[0].panels[1].query.api",
     "a map panel colours child regions"},
    {"cases_dept", ZZ_EINVAL, "cases.json programs[0].department",
     "cases.json programs[0].department: department \"hr\" does not exist"},
    {"cases_dup", ZZ_EINVAL, "cases.json programs[0].intentions[1].id", "\"job\" appears twice"},
    {"campaigns_dept", ZZ_EINVAL, "campaigns.json campaigns[0].department",
     "campaigns.json campaigns[0].department: department \"market\" does not exist"},
    {"campaigns_signer", ZZ_EINVAL, "campaigns.json campaigns[0].pledges[0].signer",
     "a pledge signed by members needs the campaign's \"members\""},
    {"bad_personal", ZZ_EINVAL, "entity_types.json [0].attrs[1].personal", "must be true or false"},
    {"campaigns_demo", ZZ_EINVAL, "campaigns.json campaigns[0].demo.since_attr.sensor",
     "entity type \"sensor\" is not among the campaign's participants"},
    {"bad_raw_days", ZZ_EINVAL, "metrics.json [1].raw_days",
     "metrics.json [1].raw_days: must be an integer from 1 to 36500"},
};

static void check_bad(struct world *w, const struct bad_case *bc, int round) {
  char overlay[256], name[64], dir[256];
  snprintf(overlay, sizeof overlay, FIXTURES "/pack_bad/%s", bc->overlay);
  snprintf(name, sizeof name, "%s_%d", bc->overlay, round);
  make_pack(w, name, overlay, dir, sizeof dir);
  struct zz_err e = {0};
  struct pack_stats s = {.regions = -7};
  int rc = pack_load(w->st, dir, &s, NULL, NULL, &e);
  if (rc != bc->rc || strstr(e.msg, bc->msg) == NULL ||
      strncmp(e.field, bc->field, strlen(bc->field)) != 0)
    fail_msg("%s: rc %d, field \"%s\", msg \"%s\"; want rc %d, field \"%s\", msg with \"%s\"",
             bc->overlay, rc, e.field, e.msg, bc->rc, bc->field, bc->msg);
  assert_int_equal(e.code, bc->rc);
  assert_int_equal(s.regions, -7); /* out untouched on failure */
}

static void test_bad_packs(void **state) {
  struct world *w = *state;
  /* Into an empty store: nothing at all may appear. */
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad_cases); i++) {
    check_bad(w, &bad_cases[i], 0);
    assert_counts_equal(store_counts(w->st), (struct counts){0});
  }
  /* Over a loaded pack: nothing changes (every overlay adds or alters rows
   * before its error). */
  load_ok(w->st, SMALL, NULL);
  struct counts before = store_counts(w->st);
  struct ids r1, e1, r2, e2;
  all_ids(w->st, &r1, &e1);
  for (size_t i = 0; i < ZZ_ARRAY_LEN(bad_cases); i++) {
    check_bad(w, &bad_cases[i], 1);
    assert_counts_equal(store_counts(w->st), before);
  }
  all_ids(w->st, &r2, &e2);
  assert_memory_equal(&r1, &r2, sizeof r1);
  assert_memory_equal(&e1, &e2, sizeof e1);
  assert_small_layout(w->st);
}

/* Broken packs say what is wrong in Chinese too (e->msg_zh, core/msg.h),
 * including the sentences that carry another one: a matter's or a rule's
 * own checks (matter_check, rule_parse), an absent member, a number out of
 * range. Both sentences are compared whole. */
static const struct zh_case {
  const char *overlay;
  const char *msg, *msg_zh;
} zh_cases[] = {
    {"matter_sla",
     "matters.json [0].sla_accept_minutes: sla_accept_minutes must be an integer from 0 to "
     "527040, not -5",
     "matters.json [0].sla_accept_minutes：sla_accept_minutes 须为 0 到 527040 之间的整数，不能是 "
     "-5"},
    {"rule_names", "rules.json [0].name_zh: name_zh is required",
     "rules.json [0].name_zh：name_zh 为必填项"},
    {"missing_attrs", "entities.ndjson line 1: attrs: required (an empty object when none)",
     "entities.ndjson line 1：attrs：必填（没有时填空对象 {}）"},
    {"bad_version", "pack.json version: must be an integer >= 1, not 0",
     "pack.json version：须为不小于 1 的整数，不能是 0"},
    {"source_twice_region", "sources.json [0].regions[2]: region \"town/north\" is listed twice",
     "sources.json [0].regions[2]：区域“town/north”重复列出"},
    {"source_bad_type", "sources.json [1].entity_types[1]: entity type \"robot\" does not exist",
     "sources.json [1].entity_types[1]：对象类型“robot”不存在"},
    {"bad_attr", "entities.ndjson line 2: attrs.staff: must be a number",
     "entities.ndjson line 2：attrs.staff：必须是数字"},
    {"bad_date", "entities.ndjson line 1: attrs.opened: must be a date YYYY-MM-DD",
     "entities.ndjson line 1：attrs.opened：必须是 YYYY-MM-DD 格式的日期"},
    {"dash_slot",
     "dashboards.json layouts.town.modules[0].panels[3].slot: slot \"r1\" is already taken by "
     "panel \"b\"",
     "dashboards.json layouts.town.modules[0].panels[3].slot：位置“r1”已被面板“b”占用"},
    {"campaigns_signer",
     "campaigns.json campaigns[0].pledges[0].signer: a pledge signed by members needs the "
     "campaign's \"members\"",
     "campaigns.json "
     "campaigns[0].pledges[0].signer：由成员签署的承诺书需要活动声明“members”（成员）"},
    {"campaigns_demo",
     "campaigns.json campaigns[0].demo.since_attr.sensor: entity type \"sensor\" is not among the "
     "campaign's participants",
     "campaigns.json "
     "campaigns[0].demo.since_attr.sensor：对象类型“sensor”不在该专项行动的参与单位类型中"},
};

static void test_bad_packs_zh(void **state) {
  struct world *w = *state;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(zh_cases); i++) {
    const struct zh_case *zc = &zh_cases[i];
    char overlay[256], dir[256];
    snprintf(overlay, sizeof overlay, FIXTURES "/pack_bad/%s", zc->overlay);
    make_pack(w, zc->overlay, overlay, dir, sizeof dir);
    struct zz_err e = {0};
    assert_int_equal(pack_load(w->st, dir, NULL, NULL, NULL, &e), ZZ_EINVAL);
    if (strcmp(e.msg, zc->msg) != 0 || strcmp(e.msg_zh, zc->msg_zh) != 0)
      fail_msg("%s: msg \"%s\" / \"%s\"; want \"%s\" / \"%s\"", zc->overlay, e.msg, e.msg_zh,
               zc->msg, zc->msg_zh);
  }
}

/* first (may be NULL), then an entity line of exactly len bytes and a newline. */
static char *long_entity(const char *id, size_t len, const char *first) {
  char head[256];
  snprintf(head, sizeof head,
           "{\"id\":\"%s\",\"type\":\"shop\",\"name_zh\":\"长\",\"name_en\":\"Long\","
           "\"region\":\"town\",\"lon\":120.0,\"lat\":30.0,\"attrs\":{\"kind\":\"",
           id);
  size_t fl = first ? strlen(first) : 0, hl = strlen(head);
  char *text = malloc(fl + len + 2);
  assert_non_null(text);
  memcpy(text, first ? first : "", fl);
  char *line = text + fl;
  memcpy(line, head, hl);
  memset(line + hl, 'x', len - hl - 3);
  memcpy(line + len - 3, "\"}}", 3);
  line[len] = '\n';
  line[len + 1] = 0;
  return text;
}

static void test_line_cap_and_missing_file(void **state) {
  struct world *w = *state;
  char dir[256];
  make_pack(w, "long", NULL, dir, sizeof dir);
  /* A line of 65,536 bytes is fine (an attr pads it); one byte more is not. */
  char *text = long_entity("shop-30", 65536, NULL);
  ts_file_write(dir, "entities.ndjson", text);
  free(text);
  struct zz_err e = {0};
  struct pack_stats s;
  assert_int_equal(pack_load(w->st, dir, &s, NULL, NULL, &e), 0);
  assert_int_equal(s.entities, 1);
  text =
      long_entity("shop-30", 65537,
                  "{\"id\":\"shop-31\",\"type\":\"shop\",\"name_zh\":\"短\",\"name_en\":\"Short\","
                  "\"region\":\"town\",\"lon\":120.0,\"lat\":30.0,\"attrs\":{}}\n");
  ts_file_write(dir, "entities.ndjson", text);
  free(text);
  assert_int_equal(pack_load(w->st, dir, &s, NULL, NULL, &e), ZZ_ETOOBIG);
  assert_string_equal(e.field, "entities.ndjson line 2");
  assert_string_equal(e.msg, "entities.ndjson line 2: longer than 65536 bytes");
  assert_int_equal(count_entities(w->st, 0, 0, NULL, 0, NULL), 1); /* shop-31 was not written */

  char path[512];
  snprintf(path, sizeof path, "%s/sources.json", dir);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(pack_load(w->st, dir, &s, NULL, NULL, &e), ZZ_ENOTFOUND);
  assert_non_null(strstr(e.msg, "sources.json: cannot open"));
  assert_int_equal(pack_load(w->st, "/nonexistent/pack", &s, NULL, NULL, &e), ZZ_ENOTFOUND);
}

/* Every allocation failure, before or inside the transaction, leaves the
 * store exactly as it was. */
static void test_alloc_failures(void **state) {
  struct world *w = *state;
  load_ok(w->st, SMALL, NULL);
  char dir[256];
  write_addon(w, dir, sizeof dir);
  struct counts before = store_counts(w->st);
  struct ids r1, e1, r2, e2;
  all_ids(w->st, &r1, &e1);
  int rc = -1, failures = 0;
  for (long n = 1; n < 100000 && rc != 0; n++) {
    struct zz_err e = {0};
    zz_alloc_fail_after(n);
    rc = pack_load(w->st, dir, NULL, NULL, NULL, &e);
    zz_alloc_fail_after(0);
    if (rc == 0) break;
    failures++;
    if (rc != ZZ_ENOMEM && rc != ZZ_ESTORE) fail_msg("allocation %ld: rc %d: %s", n, rc, e.msg);
    assert_counts_equal(store_counts(w->st), before);
    all_ids(w->st, &r2, &e2);
    assert_memory_equal(&r1, &r2, sizeof r1);
    assert_memory_equal(&e1, &e2, sizeof e1);
    assert_small_layout(w->st);
  }
  assert_int_equal(rc, 0);
  assert_true(failures > 20);
  struct counts after = store_counts(w->st);
  assert_int_equal(after.regions, before.regions + 1);
  assert_int_equal(after.entities, before.entities + 2);
}

static void test_gongshu(void **state) {
  struct world *w = *state;
  if (access(GONGSHU "/entities.ndjson", R_OK) != 0) skip();
  struct pack_stats s;
  struct progress_log pl = {.monotonic = 1};
  struct zz_err e = {0};
  int rc = pack_load(w->st, GONGSHU, &s, on_progress, &pl, &e);
  if (rc) fail_msg("pack_load(gongshu) = %d: %s", rc, e.msg);
  assert_true(pl.monotonic);
  assert_int_equal(pl.last_done, s.entities);

  struct tree *t = tree_read(w->st);
  int districts = 0, streets = 0, blocks = 0, parks = 0;
  for (int i = 0; i < t->n; i++) {
    districts += strcmp(t->level[i], "district") == 0;
    streets += strcmp(t->level[i], "street") == 0 && strcmp(t->parent[i], "gongshu") == 0;
    blocks += strcmp(t->level[i], "block") == 0;
    parks += strcmp(t->level[i], "park") == 0;
  }
  assert_int_equal(districts, 1);
  assert_int_equal(streets, 18);
  assert_int_equal(blocks, 1);
  assert_int_equal(parks, 4); /* the park and its three sub-parks */
  assert_int_equal(t->n, s.regions);
  int xtd = tree_find(t, "gongshu/dongxin/xintiandi");
  assert_string_equal(t->parent[xtd], "gongshu/dongxin");
  assert_string_equal(t->level[xtd], "block");
  tree_find(t, "gongshu/kejipark/wanggu");

  int64_t in_region = 0;
  assert_int_equal(
      count_entities(w->st, t->lo[xtd], t->hi[xtd], "enterprise", t->id[xtd], &in_region), 3536);
  assert_int_equal(in_region, 3536);
  assert_int_equal(subtree_entities(w->st, t, "gongshu/kejipark", "enterprise"), 3120);
  assert_int_equal(subtree_entities(w->st, t, "gongshu", NULL), s.entities);
  /* Dongxin holds Xintiandi and its own counters, lots and grids. */
  assert_true(subtree_entities(w->st, t, "gongshu/dongxin", NULL) >
              subtree_entities(w->st, t, "gongshu/dongxin/xintiandi", NULL));
  free(t);

  /* Again: idempotent (how long it takes is bench/run.sh pack's business). */
  struct counts c1 = store_counts(w->st);
  load_ok(w->st, GONGSHU, NULL);
  assert_counts_equal(store_counts(w->st), c1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_load_small, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_load_twice, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_second_pack, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_bad_packs, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_bad_packs_zh, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_line_cap_and_missing_file, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_alloc_failures, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_gongshu, world_setup, world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
