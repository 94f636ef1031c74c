/* test_registry.c - src/model/registry.c on a real store: the region tree
 * and its DFS intervals (pre-order from 1, children in insertion order),
 * lookups of regions, metrics, types, sources and entities, what a source
 * may write, and a reload after the pack grew (positions renumbered and
 * written back, entities moved with their region). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "core/zz.h"
#include "model/registry.h"
#include "store/store.h"
#include "store/store_registry.h"
#include "support.h"

static char dir[64];
static struct ts_world tw;

static void region(const char *path, const char *parent, const char *level) {
  ts_region(tw.st, path, parent, level);
}

static void entity(const char *key, const char *region_path) {
  struct store_entity en = {.key = key, .type = "shop", .name_zh = key, .lon = NAN, .lat = NAN};
  struct zz_err e = {0};
  int64_t id = 0;
  assert_int_equal(registry_entity_put(tw.reg, &en, region_path, &id, &e), 0);
  assert_true(id > 0);
}

/* The world before the registry opens. */
static void fill(struct store *st) {
  struct zz_err e = {0};
  /* d ─┬─ d/a ─┬─ d/a/x
   *    │       └─ d/a/y
   *    └─ d/b ─── d/b/z   */
  region("d", NULL, "district");
  region("d/a", "d", "street");
  region("d/a/x", "d/a", "block");
  region("d/a/y", "d/a", "block");
  region("d/b", "d", "street");
  region("d/b/z", "d/b", "block");
  int64_t id;
  struct store_named shop = {.key = "shop", .name_zh = "店"},
                     park = {.key = "lot", .name_zh = "场"};
  assert_int_equal(store_named_upsert(st, "entity_type", &shop, &id, &e), 0);
  assert_int_equal(store_named_upsert(st, "entity_type", &park, &id, &e), 0);
  struct store_metric visitors = {.key = "visitors",
                                  .name_zh = "客流",
                                  .unit = "人",
                                  .agg = "sum",
                                  .entity_type = "shop",
                                  .has_min = 1,
                                  .has_max = 1,
                                  .min = 0,
                                  .max = 300};
  struct store_metric noise = {
      .key = "noise", .name_zh = "噪音", .unit = "dB", .agg = "avg", .entity_type = "shop"};
  assert_int_equal(store_metric_upsert(st, &visitors, &id, &e), 0);
  assert_int_equal(store_metric_upsert(st, &noise, &id, &e), 0);
  struct store_source s1 = {.key = "counters",
                            .name_zh = "客流",
                            .metrics_json = "[\"visitors\"]",
                            .entity_types_json = "[\"shop\"]",
                            .regions_json = "[\"d/a\"]"};
  struct store_source s2 = {.key = "anything", .name_zh = "全", .metrics_json = "[\"noise\"]"};
  assert_int_equal(store_source_upsert(st, &s1, &id, &e), 0);
  assert_int_equal(store_source_upsert(st, &s2, &id, &e), 0);
}

static void open_world(void) {
  struct ts_world_opts o = {.fill = fill};
  ts_world_open(&tw, dir, &o);
}

static int setup(void **state) {
  (void)state;
  if (ts_dir_make(dir, sizeof dir, "registry")) return 1;
  open_world();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  ts_world_close(&tw);
  return ts_dir_remove(dir);
}

static void interval_is(const char *path, int64_t lo, int64_t hi) {
  const struct reg_region *r = registry_region(tw.reg, path);
  if (!r) fail_msg("no region %s", path);
  if (r->lo != lo || r->hi != hi)
    fail_msg("%s: [%lld, %lld], wanted [%lld, %lld]", path, (long long)r->lo, (long long)r->hi,
             (long long)lo, (long long)hi);
}

static void test_tree_and_intervals(void **state) {
  (void)state;
  registry_rdlock(tw.reg);
  assert_int_equal(registry_region_count(tw.reg), 6);
  interval_is("d", 1, 6);
  interval_is("d/a", 2, 4);
  interval_is("d/a/x", 3, 3);
  interval_is("d/a/y", 4, 4);
  interval_is("d/b", 5, 6);
  interval_is("d/b/z", 6, 6);
  const struct reg_region *d = registry_region(tw.reg, "d"), *a = registry_region(tw.reg, "d/a"),
                          *y = registry_region(tw.reg, "d/a/y"),
                          *z = registry_region(tw.reg, "d/b/z");
  /* the tree: parents and children by index */
  assert_int_equal(d->parent, -1);
  assert_int_equal(d->nchildren, 2);
  assert_ptr_equal(registry_region_at(tw.reg, d->children[0]), a);
  assert_ptr_equal(registry_region_at(tw.reg, y->parent), a);
  assert_string_equal(registry_region_at(tw.reg, z->parent)->path, "d/b");
  assert_int_equal(y->nchildren, 0);
  /* every subtree is the interval of its root, and nothing else */
  for (int i = 0; i < registry_region_count(tw.reg); i++) {
    const struct reg_region *r = registry_region_at(tw.reg, i);
    for (int j = 0; j < registry_region_count(tw.reg); j++) {
      const struct reg_region *anc = registry_region_at(tw.reg, j);
      int by_path =
          strcmp(r->path, anc->path) == 0 || (strncmp(r->path, anc->path, strlen(anc->path)) == 0 &&
                                              r->path[strlen(anc->path)] == '/');
      if (registry_region_within(r, anc) != by_path)
        fail_msg("%s within %s: %d", r->path, anc->path, !by_path);
    }
  }
  /* lookups by path, id and index agree; unknown ones are NULL */
  assert_ptr_equal(registry_region_by_id(tw.reg, y->id), y);
  assert_null(registry_region(tw.reg, "d/a/"));
  assert_null(registry_region(tw.reg, "d/c"));
  assert_null(registry_region(tw.reg, ""));
  assert_null(registry_region_by_id(tw.reg, 0));
  assert_null(registry_region_by_id(tw.reg, 999));
  assert_string_equal(y->level, "block");
  registry_unlock(tw.reg);
}

static void test_metrics_types_sources(void **state) {
  (void)state;
  registry_rdlock(tw.reg);
  assert_int_equal(registry_metric_count(tw.reg), 2);
  const struct reg_metric *v = registry_metric(tw.reg, "visitors", 8);
  assert_non_null(v);
  assert_ptr_equal(registry_metric_by_id(tw.reg, v->id), v);
  assert_true(v->min == 0 && v->max == 300);
  const struct reg_metric *n = registry_metric(tw.reg, "noisexyz", 5); /* the length counts */
  assert_non_null(n);
  assert_string_equal(n->key, "noise");
  assert_true(n->min == -REG_VALUE_BOUND && n->max == REG_VALUE_BOUND); /* no declared range */
  assert_null(registry_metric(tw.reg, "visitor", 7));
  assert_null(registry_metric(tw.reg, "", 0));
  int shop = registry_type_index(tw.reg, "shop");
  assert_true(shop >= 0);
  assert_string_equal(registry_type_name(tw.reg, shop), "shop");
  assert_int_equal(registry_type_index(tw.reg, "castle"), -1);
  int64_t s1 = registry_source_id(tw.reg, "counters"), s2 = registry_source_id(tw.reg, "anything");
  assert_true(s1 > 0 && s2 > 0 && s1 != s2);
  assert_int_equal(registry_source_id(tw.reg, "nobody"), 0);
  const struct reg_source *d1 = registry_source(tw.reg, s1), *d2 = registry_source(tw.reg, s2);
  assert_non_null(d1);
  assert_string_equal(d1->key, "counters");
  assert_int_equal(d1->nmetrics, 1);
  assert_int_equal(d1->ntypes, 1);
  assert_int_equal(d1->nregions, 1);
  assert_int_equal(d2->ntypes, -1); /* any type, anywhere */
  assert_int_equal(d2->nregions, -1);
  assert_null(registry_source(tw.reg, 999));
  registry_unlock(tw.reg);
}

static void test_entities_and_may_write(void **state) {
  (void)state;
  entity("shop-1", "d/a/x");
  entity("shop-2", "d/b/z");
  struct zz_err e = {0};
  struct store_entity bad = {.key = "x", .type = "shop", .name_zh = "x", .lon = NAN, .lat = NAN};
  assert_int_equal(registry_entity_put(tw.reg, &bad, "d/q", NULL, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "region");
  bad.type = "castle";
  assert_int_equal(registry_entity_put(tw.reg, &bad, "d/a", NULL, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "type");
  registry_rdlock(tw.reg);
  assert_null(registry_entity(tw.reg, "x", 1));
  const struct reg_entity_ref *e1 = registry_entity(tw.reg, "shop-1", 6),
                              *e2 = registry_entity(tw.reg, "shop-2xyz", 6);
  assert_non_null(e1);
  assert_non_null(e2);
  assert_int_equal(e1->region, registry_region(tw.reg, "d/a/x")->id);
  assert_int_equal(e1->type, registry_type_index(tw.reg, "shop"));
  assert_null(registry_entity(tw.reg, "shop-", 5));
  const struct reg_source *counters =
      registry_source(tw.reg, registry_source_id(tw.reg, "counters"));
  const struct reg_source *any = registry_source(tw.reg, registry_source_id(tw.reg, "anything"));
  const struct reg_metric *v = registry_metric(tw.reg, "visitors", 8),
                          *n = registry_metric(tw.reg, "noise", 5);
  assert_int_equal(registry_source_may_write(tw.reg, counters, e1, v), 0);
  assert_int_equal(registry_source_may_write(tw.reg, counters, e1, n), REG_NOT_DECLARED_METRIC);
  assert_int_equal(registry_source_may_write(tw.reg, counters, e2, v), REG_NOT_DECLARED_ENTITY);
  assert_int_equal(registry_source_may_write(tw.reg, counters, e2, NULL), REG_NOT_DECLARED_ENTITY);
  assert_int_equal(registry_source_may_write(tw.reg, any, e2, n), 0);
  assert_int_equal(registry_source_may_write(tw.reg, any, e2, v), REG_NOT_DECLARED_METRIC);
  registry_unlock(tw.reg);
}

/* The store keeps every region's interval and every entity's position. */
static int saved_region(void *ud, const struct store_region *r) {
  if (strcmp(r->path, "d/b/z") == 0) *(int64_t *)ud = r->lo;
  return 0;
}

static void test_reload(void **state) {
  (void)state;
  entity("shop-3", "d/b/z");
  /* the pack grows: a block under d/a, after everything else by id */
  region("d/a/w", "d/a", "block");
  struct zz_err e = {0};
  registry_rdlock(tw.reg);
  assert_null(registry_region(tw.reg, "d/a/w")); /* not seen before a reload */
  registry_unlock(tw.reg);
  assert_int_equal(registry_reload(tw.reg, &e), 0);
  registry_rdlock(tw.reg);
  assert_int_equal(registry_region_count(tw.reg), 7);
  interval_is("d", 1, 7);
  interval_is("d/a", 2, 5);
  interval_is("d/a/w", 5, 5);
  interval_is("d/b", 6, 7);
  interval_is("d/b/z", 7, 7);
  const struct reg_entity_ref *e3 = registry_entity(tw.reg, "shop-3", 6);
  assert_non_null(e3);
  assert_true(registry_region_within(registry_region_by_id(tw.reg, e3->region),
                                     registry_region(tw.reg, "d/b")));
  registry_unlock(tw.reg);
  /* written back: a new registry on the same store reads the new numbers */
  int64_t lo = 0;
  assert_int_equal(store_regions_each(tw.st, 0, saved_region, &lo), 0);
  assert_int_equal(lo, 7);
  ts_world_close(&tw);
  ts_world_open(&tw, dir, NULL);
  registry_rdlock(tw.reg);
  interval_is("d/a/w", 5, 5);
  interval_is("d/b/z", 7, 7);
  assert_non_null(registry_entity(tw.reg, "shop-3", 6));
  registry_unlock(tw.reg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_tree_and_intervals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_metrics_types_sources, setup, teardown),
      cmocka_unit_test_setup_teardown(test_entities_and_may_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
