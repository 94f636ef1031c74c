/* store_registry.h - what the data describes: regions (a tree kept as DFS
 * intervals), metrics, entity types and departments, sources with their
 * tokens, entities, and the pack documents (dashboards.json). Upserts go by
 * key; reads call back once per row with strings valid during the call. */
#ifndef ZZ_STORE_REGISTRY_H
#define ZZ_STORE_REGISTRY_H

#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_region {
  int64_t id;
  const char *path, *parent_path, *level, *name_zh, *name_en;
  const char *geometry; /* GeoJSON geometry text or NULL */
  double lon, lat;
  int approximate;
  const char *adcode; /* administrative division code, 6, 9 or 12 digits, or NULL */
  int64_t lo, hi;     /* DFS interval as last saved (read only; region_set_pos writes it) */
};

struct store_metric {
  int64_t id;
  const char *key, *name_zh, *name_en, *unit, *agg, *entity_type, *kind;
  int has_min, has_max; /* a valid range was declared (else the default bound applies) */
  double min, max;
  /* a status metric's value names, as metrics.json's "states" (a JSON
   * array of {"value","name_zh","name_en"}); NULL: a plain metric */
  const char *states_json;
  /* raw records kept this many days, then rollups only (0: forever) */
  int64_t raw_days;
};

struct store_named { /* entity types, departments: key + names + JSON extra */
  int64_t id;
  const char *key, *name_zh, *name_en, *extra_json;
};

struct store_source {
  int64_t id;
  const char *key, *name_zh, *name_en, *department, *kind, *metrics_json;
  /* JSON arrays of entity types and region paths it may write; NULL: any */
  const char *entity_types_json, *regions_json;
  int64_t records, last_seen;
  int64_t rejected, last_error_at; /* records refused (MQTT ingest), and when last */
  const char *last_error;          /* the last refusal's message, or NULL */
};

struct store_entity {
  int64_t id;
  const char *key, *type, *name_zh, *name_en, *status;
  int64_t region;  /* region id */
  double lon, lat; /* NAN when unknown */
  const char *attrs_json;
  int64_t updated;
};

/* Listing filters for entities. */
struct store_entity_filter {
  const char *type;         /* NULL for any */
  int64_t rpos_lo, rpos_hi; /* region subtree as a DFS interval; 0,0 for any */
  const char *attr_path;    /* "$.industry" or NULL */
  const char *attr_value;   /* compared as text */
  int64_t after_id;         /* cursor: ids greater than this */
  const char *name;         /* a part of the Chinese or English name; NULL for any */
  int limit;
};

int store_region_upsert(struct store *st, const struct store_region *r, int64_t *out_id,
                        struct zz_err *e);
int store_region_set_pos(struct store *st, int64_t id, int64_t lo, int64_t hi, struct zz_err *e);
int store_regions_each(struct store *st, int with_geometry,
                       int (*fn)(void *, const struct store_region *), void *ud);
int store_metric_upsert(struct store *st, const struct store_metric *m, int64_t *out_id,
                        struct zz_err *e);
int store_metrics_each(struct store *st, int (*fn)(void *, const struct store_metric *), void *ud);
/* table: "entity_type" or "department" */
int store_named_upsert(struct store *st, const char *table, const struct store_named *n,
                       int64_t *out_id, struct zz_err *e);
int store_named_each(struct store *st, const char *table,
                     int (*fn)(void *, const struct store_named *), void *ud);
int store_source_upsert(struct store *st, const struct store_source *s, int64_t *out_id,
                        struct zz_err *e);
int store_source_set_token(struct store *st, int64_t id, const char *token_hash, struct zz_err *e);
int store_source_by_token(struct store *st, const char *token_hash, int64_t *out_id);
int store_sources_each(struct store *st, int (*fn)(void *, const struct store_source *), void *ud);
int store_entity_upsert(struct store *st, const struct store_entity *en, int64_t rpos,
                        int64_t *out_id, struct zz_err *e);
int store_entity_get(struct store *st, const char *key,
                     int (*fn)(void *, const struct store_entity *), void *ud);
int store_entities_each(struct store *st, const struct store_entity_filter *f,
                        int (*fn)(void *, const struct store_entity *), void *ud);
/* How many entities f matches (its after_id applies, its limit does not):
 * *out, and 0 or a store error. */
int store_entities_count(struct store *st, const struct store_entity_filter *f, int64_t *out);
/* every entity, id/key/type/region only (attrs_json NULL): for the cache */
int store_entities_scan(struct store *st, int (*fn)(void *, const struct store_entity *), void *ud);
int store_entities_set_rpos(struct store *st, int64_t region, int64_t rpos);
/* A number that changes whenever entities, regions or the set of series
 * change (not on new records): caches of entity data key on it; -1 when
 * the backend keeps none (nothing may be cached). */
int64_t store_catalog_version(struct store *st);
/* pack documents (the cockpit's dashboards.json): whole JSON texts by key */
int store_doc_put(struct store *st, const char *key, const char *json, struct zz_err *e);
/* calls fn(ud, json) once when key exists; returns 0, ZZ_ENOTFOUND or ZZ_ESTORE */
int store_doc_get(struct store *st, const char *key, int (*fn)(void *ud, const char *json),
                  void *ud);

#endif
