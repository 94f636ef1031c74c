/* geo.c - even-odd ray casting over each ring: a point is inside a polygon
 * when it is inside the outer ring and in none of its holes. */
#include "model/geo.h"

#include <jansson.h>
#include <string.h>

#include "core/zz.h"

/* 1 when a horizontal ray from (x, y) crosses the ring an odd number of times. */
static int ring_contains(json_t *ring, double x, double y) {
  size_t n = json_array_size(ring);
  int inside = 0;
  for (size_t i = 0, j = n ? n - 1 : 0; i < n; j = i++) {
    json_t *a = json_array_get(ring, i), *b = json_array_get(ring, j);
    double xi = json_number_value(json_array_get(a, 0)),
           yi = json_number_value(json_array_get(a, 1));
    double xj = json_number_value(json_array_get(b, 0)),
           yj = json_number_value(json_array_get(b, 1));
    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

static int polygon_contains(json_t *rings, double x, double y) {
  if (!json_is_array(rings) || json_array_size(rings) == 0) return 0;
  if (!ring_contains(json_array_get(rings, 0), x, y)) return 0;
  for (size_t k = 1; k < json_array_size(rings); k++)
    if (ring_contains(json_array_get(rings, k), x, y)) return 0; /* in a hole */
  return 1;
}

int geo_contains(const char *geometry_json, double lon, double lat) {
  json_t *g = geometry_json ? json_loads(geometry_json, 0, NULL) : NULL;
  const char *type = json_string_value(json_object_get(g, "type"));
  json_t *coords = json_object_get(g, "coordinates");
  int rc = ZZ_EINVAL;
  if (type && json_is_array(coords)) {
    if (strcmp(type, "Polygon") == 0) {
      rc = polygon_contains(coords, lon, lat);
    } else if (strcmp(type, "MultiPolygon") == 0) {
      rc = 0;
      for (size_t i = 0; i < json_array_size(coords) && !rc; i++)
        rc = polygon_contains(json_array_get(coords, i), lon, lat);
    }
  }
  json_decref(g);
  return rc;
}
