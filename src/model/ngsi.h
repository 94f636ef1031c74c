/* ngsi.h - zhizhi's entities in FIWARE NGSI-v2 terms, for the /v2 face
 * (api/ngsi.c) and the subscription notifier (notify/) alike: an entity
 * rendered as an NGSI entity (normalized, or keyValues), the attrs
 * selection, the Simple Query Language (q) and the geo-queries. Pure: no
 * I/O, no store; entities are jansson objects the caller owns. */
#ifndef ZZ_NGSI_H
#define ZZ_NGSI_H

#include <stddef.h>
#include <stdint.h>

#include "store/store_registry.h"

struct json_t;

/* The latest record of one metric of an entity. */
struct ngsi_value {
  const char *metric; /* the metric key: the attribute's name */
  int64_t ts;         /* ms since the epoch */
  double value;
};

/* A new normalized NGSI entity ({"id","type", attr: {"type","value",
 * "metadata"}}): the entity's own attributes (name, name_en, status, region,
 * location as geo:json Point, then attrs_json's members by JSON type), then
 * each metric's latest value as a Number with TimeInstant metadata (a
 * metric wins over an attrs member of the same name). region_path may be
 * NULL. Returns NULL when out of memory; the caller json_decref()s it. */
struct json_t *ngsi_entity(const struct store_entity *en, const char *region_path,
                           const struct ngsi_value *vals, size_t n);
/* ms as ISO 8601 in UTC with milliseconds ("2026-12-03T10:00:00.000Z", as
 * Orion writes DateTime values); out holds at least 32 bytes. */
char *ngsi_time(int64_t ms, char out[32]);

/* Keeps only the attributes named in attrs (comma-separated; NULL or ""
 * keeps all; "*" anywhere keeps all). id and type always stay. */
void ngsi_select_attrs(struct json_t *entity, const char *attrs);
/* A new object in keyValues form (attr: value) of a normalized entity. */
struct json_t *ngsi_key_values(const struct json_t *entity);

/* The Simple Query Language of q: statements joined by ';' (AND), each
 * `attr`, `!attr`, or `attr OP value` with OP one of == != > < >= <= ~=;
 * for == and != a value may be a list a,b,c or a range a..b; values in
 * single quotes are strings, others numbers when they read as one. */
struct ngsi_q;
/* Parses q: 0 and *out, or ZZ_EINVAL with a description in err (cap
 * bytes), or ZZ_ENOMEM. Free with ngsi_q_free. */
int ngsi_q_parse(const char *q, struct ngsi_q **out, char *err, size_t cap);
void ngsi_q_free(struct ngsi_q *q);
/* 1 when the normalized entity matches every statement of q. */
int ngsi_q_match(const struct ngsi_q *q, const struct json_t *entity);

/* A geo-query (georel, geometry, coords as NGSI-v2 writes them: coords
 * are "lat,lon" pairs separated by ';'). */
enum ngsi_georel {
  NGSI_GEO_NEAR,
  NGSI_GEO_COVERED_BY,
  NGSI_GEO_INTERSECTS,
  NGSI_GEO_DISJOINT,
  NGSI_GEO_EQUALS
};
#define NGSI_GEO_POINTS_MAX 256
struct ngsi_geo {
  enum ngsi_georel rel;
  int polygon;                       /* geometry: 1 polygon, 0 point */
  double max_distance, min_distance; /* near: metres, < 0 when not given */
  double lat[NGSI_GEO_POINTS_MAX], lon[NGSI_GEO_POINTS_MAX];
  int npoints;
  char polygon_json[NGSI_GEO_POINTS_MAX * 56 + 64]; /* the polygon as GeoJSON */
};
/* Parses the three parameters: 0, or ZZ_EINVAL with a description in err. */
int ngsi_geo_parse(const char *georel, const char *geometry, const char *coords,
                   struct ngsi_geo *out, char *err, size_t cap);
/* 1 when the point (lon, lat) satisfies the query (NaN: never). */
int ngsi_geo_match(const struct ngsi_geo *g, double lon, double lat);
/* Great-circle distance in metres. */
double ngsi_distance(double lat1, double lon1, double lat2, double lon2);

#endif
