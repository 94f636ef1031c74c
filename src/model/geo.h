/* geo.h - point in region: whether a WGS84 point lies inside a GeoJSON
 * Polygon or MultiPolygon (outer rings minus holes). Pure, for placing a
 * report that comes with a position (Open311 lat/long) in its region. */
#ifndef ZZ_GEO_H
#define ZZ_GEO_H

/* Returns 1 when (lon, lat) is inside geometry_json (GeoJSON geometry text),
 * 0 when outside, ZZ_EINVAL when the text is not a Polygon or MultiPolygon.
 * A point on an edge may fall either way. */
int geo_contains(const char *geometry_json, double lon, double lat);

#endif
