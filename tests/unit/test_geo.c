/* test_geo.c - unit tests for src/model/geo.c: inside, outside, holes,
 * multipolygons, concave outlines, and refusal of what is not a polygon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/zz.h"
#include "model/geo.h"

static const char *square_with_hole =
    "{\"type\":\"Polygon\",\"coordinates\":[[[120,30],[121,30],[121,31],[120,31],[120,30]],"
    "[[120.4,30.4],[120.6,30.4],[120.6,30.6],[120.4,30.6],[120.4,30.4]]]}";

static void test_polygon_and_hole(void **state) {
  (void)state;
  assert_int_equal(geo_contains(square_with_hole, 120.2, 30.2), 1);
  assert_int_equal(geo_contains(square_with_hole, 120.5, 30.5), 0); /* the hole */
  assert_int_equal(geo_contains(square_with_hole, 121.5, 30.5), 0);
  assert_int_equal(geo_contains(square_with_hole, 120.5, 29.9), 0);
}

static void test_concave_and_multi(void **state) {
  (void)state;
  /* a U shape: the notch between the arms is outside */
  const char *u = "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[3,0],[3,3],[2,3],[2,1],[1,1],"
                  "[1,3],[0,3],[0,0]]]}";
  assert_int_equal(geo_contains(u, 0.5, 2.5), 1);
  assert_int_equal(geo_contains(u, 2.5, 2.5), 1);
  assert_int_equal(geo_contains(u, 1.5, 2.5), 0);
  assert_int_equal(geo_contains(u, 1.5, 0.5), 1);
  const char *multi = "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,1],"
                      "[0,0]]],[[[5,5],[6,5],[6,6],[5,6],[5,5]]]]}";
  assert_int_equal(geo_contains(multi, 5.5, 5.5), 1);
  assert_int_equal(geo_contains(multi, 0.5, 0.5), 1);
  assert_int_equal(geo_contains(multi, 3, 3), 0);
}

static void test_not_a_polygon(void **state) {
  (void)state;
  assert_int_equal(geo_contains("{\"type\":\"Point\",\"coordinates\":[1,2]}", 1, 2), ZZ_EINVAL);
  assert_int_equal(geo_contains("not json", 1, 2), ZZ_EINVAL);
  assert_int_equal(geo_contains(NULL, 1, 2), ZZ_EINVAL);
  assert_int_equal(geo_contains("{\"type\":\"Polygon\",\"coordinates\":[]}", 1, 2), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_polygon_and_hole),
      cmocka_unit_test(test_concave_and_multi),
      cmocka_unit_test(test_not_a_polygon),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
