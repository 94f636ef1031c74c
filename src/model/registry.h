/* registry.h - the in-memory view of the registry that hot paths need:
 * regions (tree, DFS intervals for subtree filters), metrics, entity types,
 * sources and the entity key -> (id, type, region) map used to validate
 * every ingested record. Loaded from the store at start; writers go through
 * registry_* so the cache and the store stay in step. Thread-safe (rwlock). */
#ifndef ZZ_REGISTRY_H
#define ZZ_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/zz.h"
#include "store/store_registry.h"

struct registry;

/* A region as the registry holds it. lo/hi: the DFS interval of its subtree
 * (an entity of region r has rpos = r.lo; subtree of x = rpos in [x.lo, x.hi]). */
struct reg_region {
  int64_t id;
  char *path, *name_zh, *name_en, *level;
  int parent;    /* index in the region array, -1 for a root */
  int *children; /* indexes */
  int nchildren;
  int64_t lo, hi;
  double lon, lat;
  int approximate;
};

/* A named value of a status metric (metrics.json "states"): 1 正常, 0 故障. */
#define REG_STATES_MAX 16
struct reg_state {
  double value;
  char name_zh[64], name_en[64];
};

struct reg_metric {
  int64_t id;
  char *key, *name_zh, *name_en, *unit, *agg, *entity_type, *kind;
  double min, max; /* valid values: as the pack declares, else +-REG_VALUE_BOUND */
  int nstates;     /* 0: a plain metric, its values are numbers */
  struct reg_state *states;
};

/* The state of m whose value is v, or NULL (a plain metric, or no state
 * has exactly that value). */
const struct reg_state *reg_metric_state(const struct reg_metric *m, double v);

/* Values of a metric without a declared range stay within +-1e15: more than
 * any count or measure of a district, and sums of billions of them stay
 * exact enough and far from overflow. */
#define REG_VALUE_BOUND 1e15

struct reg_entity_ref {
  int64_t id;
  int64_t region; /* region id */
  int type;       /* index into the entity type names */
};

/* Loads everything from the store and assigns DFS positions (writing them
 * back when they changed). Returns 0 and *out or a ZZ_E* code. */
int registry_open(struct store *st, struct registry **out, struct zz_err *e);
void registry_free(struct registry *reg);
/* Re-reads regions, metrics, types, sources and entities (after a pack load). */
int registry_reload(struct registry *reg, struct zz_err *e);

/* Read access: lock for reading around any use of the returned pointers. */
void registry_rdlock(struct registry *reg);
void registry_unlock(struct registry *reg);
/* Copies the path of region id into out (cap bytes; "" when unknown) under
 * its own read lock. Returns 1 when the region exists. */
int registry_path_of(struct registry *reg, int64_t id, char *out, size_t cap);
/* Under the read lock: */
const struct reg_region *registry_region(struct registry *reg, const char *path);
const struct reg_region *registry_region_by_id(struct registry *reg, int64_t id);
const struct reg_region *registry_region_at(struct registry *reg, int index);
int registry_region_count(struct registry *reg);
const struct reg_metric *registry_metric(struct registry *reg, const char *key, size_t len);
const struct reg_metric *registry_metric_by_id(struct registry *reg, int64_t id);
int registry_metric_count(struct registry *reg);
const struct reg_metric *registry_metric_at(struct registry *reg, int index);
/* Entity by key (not NUL-terminated); NULL when unknown. */
const struct reg_entity_ref *registry_entity(struct registry *reg, const char *key, size_t len);
const char *registry_type_name(struct registry *reg, int type);
/* Index of an entity type name, or -1. */
int registry_type_index(struct registry *reg, const char *name);
/* Source id for a key, 0 when unknown. */
int64_t registry_source_id(struct registry *reg, const char *key);
/* What a source declares it writes (the pack's sources.json). */
struct reg_source {
  int64_t id;
  const char *key;
  int64_t *metrics; /* metric ids */
  int nmetrics;
  int *types; /* entity type indexes; ntypes -1: any type */
  int ntypes;
  int64_t *regions; /* DFS intervals lo, hi of the declared regions; nregions -1: anywhere */
  int nregions;
};
/* The declaration of source id, or NULL when there is no such source. */
const struct reg_source *registry_source(struct registry *reg, int64_t id);
enum { REG_NOT_DECLARED_METRIC = 1, REG_NOT_DECLARED_ENTITY };
/* 0 when src declares metric m (NULL for an event: not checked) and the
 * entity's type and region; else REG_NOT_DECLARED_METRIC or _ENTITY. */
int registry_source_may_write(struct registry *reg, const struct reg_source *src,
                              const struct reg_entity_ref *ent, const struct reg_metric *m);
/* Region r is inside (or equal to) region anc. */
int registry_region_within(const struct reg_region *r, const struct reg_region *anc);

/* Writes through to the store and updates the cache. en->region is ignored:
 * region_path names the region. Returns 0, ZZ_EINVAL (unknown region or type,
 * e names the field) or a store error. */
int registry_entity_put(struct registry *reg, const struct store_entity *en,
                        const char *region_path, int64_t *out_id, struct zz_err *e);

/* Personal data among an entity's attributes (entity_types.json marks an
 * attribute "personal": true: a stall-holder's name, a contact phone) and
 * the departments that supervise a type's entities (campaigns.json: a
 * campaign's department its participants' and members' types, a
 * checklist's department the types it inspects). Who sees what is the
 * authorization's rule (api/authz.h authz_entity_personal); these say what
 * the pack declared. All under the read lock. */
/* The personal attributes of entity type `type` as "|id|id|", or NULL when
 * it declares none (the string lives until the lock is released). */
const char *registry_type_personal(struct registry *reg, const char *type);
/* 1 when attr is a personal attribute of type (type NULL: of any type). */
int registry_attr_personal(struct registry *reg, const char *type, const char *attr);
/* 1 when department supervises the entities of type. */
int registry_type_supervised_by(struct registry *reg, const char *type, const char *department);
/* An entity's attrs_json (of type) with its personal attributes masked
 * (zz_mask_personal; a value that is not a string becomes null): 0 and
 * *out a new text the caller zz_free()s, or *out NULL when there is
 * nothing to mask (the type declares none, the entity holds none, the text
 * is not an object); ZZ_ENOMEM with *out NULL. */
int registry_attrs_masked(struct registry *reg, const char *type, const char *attrs_json,
                          char **out);

#endif
