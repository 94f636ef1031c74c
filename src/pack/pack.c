/* pack.c - loads a scenario pack (docs/packs.md) into the store. Two phases:
 * first every file is read and validated (entities.ndjson streamed line by
 * line) against the pack itself and against what the store already holds;
 * only then is everything upserted in one store transaction, followed by the
 * DFS numbering of the whole region forest and the entities' rpos. Any error
 * in either phase leaves the store as it was. */
#include "pack/pack.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/check.h"
#include "core/hash.h"
#include "core/msg.h"
#include "core/ztime.h"
#include "model/registry.h"
#include "pack/pack_cases.h"
#include "pack/pack_campaigns.h"
#include "pack/pack_dashboards.h"
#include "rollup/statuses.h"
#include "rules/rule_def.h"
#include "store/store.h"
#include "store/store_alerts.h"
#include "store/store_catalog.h"
#include "store/store_registry.h"
#include "workflow/matter_def.h"

#define PACK_FILE_MAX (32u << 20) /* one JSON file (Gongshu's largest: 25 kB) */
#define PACK_LINE_MAX 65536       /* one entities.ndjson line, newline excluded */
#define PACK_ENTITIES_MAX 5000000 /* entities are held in memory until the write */
#define PACK_VALUE_LIMIT 1e18     /* a metric's declared min and max */
#define PACK_SLUG_MAX 40          /* entity ids */
#define PACK_PATH_MAX 255         /* region path ids */
#define PACK_PROGRESS_EVERY 1024
/* Text written to the store: compact, and 15 significant digits so a number
 * written in the pack with up to 15 digits (every coordinate, every count)
 * comes back exactly as written instead of as 0.10000000000000001. */
#define PACK_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

static const char *const pack_levels[] = {"district", "street", "block",
                                          "park",     "grid",   "building"};
/* metrics.json "raw_days" at most a century */
#define PACK_RAW_DAYS_MAX 36500

static const char *const pack_aggs[] = {"sum", "avg", "min", "max", "last", "count"};
static const char *const pack_metric_kinds[] = {"count", "gauge"};
static const char *const pack_source_kinds[] = {"platform", "iot", "gov"};
static const char *const pack_attr_types[] = {"string", "number", "date"};

/* ---- a string -> int map: the core map, typed (keys are borrowed) ---- */

/* Zero is an empty map (the loader zeroes its state), made ready by the
 * first smap_set. */
struct smap {
  struct zz_map m; /* of struct smap_ent */
};

struct smap_ent {
  const char *key;
  int val;
};

/* Returns the value stored for key, or -1. */
static int smap_get(const struct smap *m, const char *key) {
  const struct smap_ent *x = zz_map_get(&m->m, key);
  return x ? x->val : -1;
}

/* Sets key -> val, replacing any earlier value. Returns 0 or ZZ_ENOMEM. */
static int smap_set(struct smap *m, const char *key, int val) {
  if (!m->m.esize) {
    zz_map_init(&m->m, sizeof(struct smap_ent), ZZ_MAP_STR, NULL);
    if (zz_map_reserve(&m->m, 32)) return ZZ_ENOMEM;
  }
  struct smap_ent *x = zz_map_put(&m->m, key, NULL);
  if (!x) return ZZ_ENOMEM;
  x->key = key; /* the newest text, as before: an earlier one may be freed first */
  x->val = val;
  return 0;
}

static void smap_free(struct smap *m) {
  zz_map_free(&m->m);
  memset(m, 0, sizeof *m);
}

/* ---- the loader's state ---- */

/* A region known to this load: declared by the pack or already in the store. */
struct pack_region {
  const char *path, *parent; /* parent NULL for a root */
  json_t *props;             /* the pack feature's properties, NULL for a store-only region */
  char *geometry;            /* compact GeoJSON text (pack regions), owned */
  int feature;               /* index in features[], -1 for a store-only region */
};

/* An entity type: declared attributes, or NULL when unknown (a store type
 * without declarations), in which case attrs are not checked. */
struct pack_type {
  const char *key;
  json_t *attrs; /* borrowed from the pack document or from owned_json */
};

/* A validated entity, waiting for the write. key, name_zh, name_en and attrs
 * live in one allocation that starts at key; type and region are borrowed. */
struct pack_entity {
  char *key, *name_zh, *name_en, *attrs;
  const char *type, *region;
  double lon, lat;
};

/* A region as the write phase sees the whole store. */
struct pack_node {
  int64_t id, lo, hi;
  char *path, *parent;
  int first_child, next_sibling, cursor;
};

struct pack_ctx {
  struct store *st;
  const char *dir;
  struct zz_err *e;
  json_t *pack, *regions, *departments, *types, *metrics, *sources;
  json_t *dashboards; /* NULL when the pack has no dashboards.json */

  struct pack_region *regs;
  int nregs, capregs, npack_regs;
  struct smap regmap; /* path -> index in regs */

  struct pack_type *typev;
  int ntypes, captypes;
  struct smap typemap; /* key -> index in typev */

  struct smap metricmap; /* key -> 0 */
  struct smap deptmap;   /* key -> 0 */

  struct pack_entity *ents;
  int64_t nents, capents;
  struct smap entmap; /* key -> line */

  char **owned; /* strings copied from the store */
  size_t nowned, capowned;
  json_t **owned_json; /* attrs of store entity types */
  size_t nowned_json, capowned_json;

  struct pack_node *nodes; /* write phase */
  int nnodes, capnodes;
  struct smap nodemap; /* path -> index in nodes */

  /* optional matters.json and rules.json (NULL when absent) */
  json_t *matters_doc, *rules_doc;
  json_t *cases_doc;     /* NULL when the pack has no cases.json */
  json_t *campaigns_doc; /* NULL when the pack has no campaigns.json */
  json_t *statuses_doc;  /* NULL when the pack has no statuses.json */
  struct smap mattermap; /* matter keys: the pack's and the store's */
};

/* ---- errors: "<file> <where>: <text>", the location also in e->field ---- */

/* Sets k up for checking file: messages read "metrics.json [2].agg: must be
 * one of ..." with the field "metrics.json [2].agg", and an absent member is
 * "required", as the pack loader has always said. */
static void pack_at(struct check *k, struct zz_err *e, const char *file, unsigned form) {
  check_init(k, e, file, CHECK_FIELD_FILE | form);
  k->missing = "required";
}

/* Fails with code at where (NULL: the file itself) of file. */
static int fail_at(struct zz_err *e, int code, const char *file, const char *where, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));
static int fail_at(struct zz_err *e, int code, const char *file, const char *where, const char *fmt,
                   ...) {
  struct check k;
  pack_at(&k, e, file, 0);
  if (where) check_at(&k, "%s", where);
  va_list ap;
  va_start(ap, fmt);
  int rc = check_failv(&k, code, NULL, fmt, ap);
  va_end(ap);
  return rc;
}

/* Fails with the store's code rc, its sentence (zz_strerror) after a prefix
 * in both languages: "cannot read the registry: the store failed, retry
 * later". */
static int store_fail(struct zz_err *e, int rc, const char *field, const char *en_prefix,
                      const char *zh_prefix) {
  struct zz_err inner;
  zz_fail_pair(&inner, rc, field, zz_strerror(rc), zz_strerror_zh(rc));
  return zz_err_wrap(e, &inner, en_prefix, zh_prefix);
}

/* ---- small validators (ids, one_of and the rest are in core/check.h) ---- */

/* [a-z0-9-]{1,40} */
static int is_slug(const char *s) {
  size_t n = 0;
  for (; s[n]; n++)
    if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '-')) return 0;
  return n >= 1 && n <= PACK_SLUG_MAX;
}

/* Non-empty [a-z0-9_] segments joined by '/'. */
static int is_region_path(const char *s) {
  size_t n = strlen(s), seg = 0;
  if (n == 0 || n > PACK_PATH_MAX) return 0;
  for (size_t i = 0; i <= n; i++) {
    if (s[i] == '/' || s[i] == 0) {
      if (seg == 0) return 0;
      seg = 0;
    } else if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_') {
      seg++;
    } else {
      return 0;
    }
  }
  return 1;
}

/* YYYY-MM-DD, a real calendar day. */
static int is_date(const char *s) {
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= mdays[m - 1] + (m == 2 && leap);
}

/* {zh, en}, both non-empty strings. */
static int req_zh_en(const struct check *l, json_t *obj, const char *key) {
  const json_t *v = NULL;
  int rc = check_object(l, obj, key, CHECK_REQUIRED, &v);
  if (rc) return rc;
  struct check sub = *l;
  check_push_key(&sub, key);
  return check_names(&sub, v, "zh", "en", 0);
}

static int lon_ok(double v) {
  return isfinite(v) && v >= -180 && v <= 180;
}
static int lat_ok(double v) {
  return isfinite(v) && v >= -90 && v <= 90;
}

/* A [lon, lat] (extra members, e.g. altitude, are allowed in GeoJSON). */
static int check_position(const struct check *l, const char *key, json_t *p, int exact) {
  if (!json_is_array(p) || json_array_size(p) < 2 || (exact && json_array_size(p) != 2) ||
      !json_is_number(json_array_get(p, 0)) || !json_is_number(json_array_get(p, 1)))
    return check_fail(l, key, "must be [lon, lat] numbers");
  double lon = json_number_value(json_array_get(p, 0)),
         lat = json_number_value(json_array_get(p, 1));
  if (!lon_ok(lon) || !lat_ok(lat))
    return check_fail(l, key, "[%g, %g] is not a lon/lat in degrees", lon, lat);
  return 0;
}

/* A linear ring: at least 4 positions, the last equal to the first. */
static int check_ring(const struct check *l, const char *key, json_t *ring) {
  char sub[128];
  if (!json_is_array(ring) || json_array_size(ring) < 4)
    return check_fail(l, key, "a ring must be an array of at least 4 positions");
  size_t n = json_array_size(ring);
  for (size_t i = 0; i < n; i++) {
    snprintf(sub, sizeof sub, "%.96s[%zu]", key, i);
    int rc = check_position(l, sub, json_array_get(ring, i), 0);
    if (rc) return rc;
  }
  json_t *a = json_array_get(ring, 0), *b = json_array_get(ring, n - 1);
  if (json_number_value(json_array_get(a, 0)) != json_number_value(json_array_get(b, 0)) ||
      json_number_value(json_array_get(a, 1)) != json_number_value(json_array_get(b, 1)))
    return check_fail(l, key, "ring is not closed (last position differs from the first)");
  return 0;
}

static int check_polygon(const struct check *l, const char *key, json_t *poly) {
  char sub[128];
  if (!json_is_array(poly) || json_array_size(poly) == 0)
    return check_fail(l, key, "a polygon must be a non-empty array of rings");
  for (size_t i = 0; i < json_array_size(poly); i++) {
    snprintf(sub, sizeof sub, "%.96s[%zu]", key, i);
    int rc = check_ring(l, sub, json_array_get(poly, i));
    if (rc) return rc;
  }
  return 0;
}

/* ---- store lookups (before the write) ---- */

static char *own_str(struct pack_ctx *c, const char *s) {
  if (!s) return NULL;
  if (c->nowned == c->capowned) {
    size_t cap = c->capowned ? c->capowned * 2 : 64;
    char **p = zz_realloc(c->owned, cap * sizeof *p);
    if (!p) return NULL;
    c->owned = p;
    c->capowned = cap;
  }
  char *d = zz_strdup(s);
  if (d) c->owned[c->nowned++] = d;
  return d;
}

static int add_region(struct pack_ctx *c, const struct pack_region *r) {
  if (c->nregs == c->capregs) {
    int cap = c->capregs ? c->capregs * 2 : 32;
    struct pack_region *p = zz_realloc(c->regs, (size_t)cap * sizeof *p);
    if (!p) return ZZ_ENOMEM;
    c->regs = p;
    c->capregs = cap;
  }
  c->regs[c->nregs] = *r;
  return smap_set(&c->regmap, r->path, c->nregs++);
}

static int add_type(struct pack_ctx *c, const char *key, json_t *attrs) {
  if (c->ntypes == c->captypes) {
    int cap = c->captypes ? c->captypes * 2 : 16;
    struct pack_type *p = zz_realloc(c->typev, (size_t)cap * sizeof *p);
    if (!p) return ZZ_ENOMEM;
    c->typev = p;
    c->captypes = cap;
  }
  c->typev[c->ntypes] = (struct pack_type){.key = key, .attrs = attrs};
  return smap_set(&c->typemap, key, c->ntypes++);
}

struct store_scan {
  struct pack_ctx *c;
  int rc;
};

static int scan_region(void *ud, const struct store_region *r) {
  struct store_scan *s = ud;
  struct pack_region pr = {.path = own_str(s->c, r->path), .feature = -1};
  if (!pr.path || (r->parent_path && !(pr.parent = own_str(s->c, r->parent_path))) ||
      add_region(s->c, &pr)) {
    s->rc = ZZ_ENOMEM;
    return 1;
  }
  return 0;
}

static int scan_type(void *ud, const struct store_named *n) {
  struct store_scan *s = ud;
  const char *key = own_str(s->c, n->key);
  json_t *attrs = NULL;
  if (n->extra_json) {
    /* Types written by a pack carry {"attrs":[...]}; others are not checked. */
    json_t *extra = json_loads(n->extra_json, 0, NULL);
    json_t *a = json_object_get(extra, "attrs");
    if (json_is_array(a)) {
      struct pack_ctx *c = s->c;
      if (c->nowned_json == c->capowned_json) {
        size_t cap = c->capowned_json ? c->capowned_json * 2 : 16;
        json_t **p = zz_realloc(c->owned_json, cap * sizeof *p);
        if (!p) {
          json_decref(extra);
          s->rc = ZZ_ENOMEM;
          return 1;
        }
        c->owned_json = p;
        c->capowned_json = cap;
      }
      attrs = json_incref(a);
      c->owned_json[c->nowned_json++] = attrs;
    }
    json_decref(extra);
  }
  if (!key || add_type(s->c, key, attrs)) {
    s->rc = ZZ_ENOMEM;
    return 1;
  }
  return 0;
}

static int scan_metric(void *ud, const struct store_metric *m) {
  struct store_scan *s = ud;
  const char *key = own_str(s->c, m->key);
  if (!key || smap_set(&s->c->metricmap, key, 0)) {
    s->rc = ZZ_ENOMEM;
    return 1;
  }
  return 0;
}

static int scan_dept(void *ud, const struct store_named *n) {
  struct store_scan *s = ud;
  const char *key = own_str(s->c, n->key);
  if (!key || smap_set(&s->c->deptmap, key, 0)) {
    s->rc = ZZ_ENOMEM;
    return 1;
  }
  return 0;
}

/* What the store already holds may be referenced by the pack (a second pack
 * adding blocks under the first pack's streets). */
static int read_store(struct pack_ctx *c) {
  struct store_scan s = {.c = c};
  int rc = store_regions_each(c->st, 0, scan_region, &s);
  if (!rc) rc = s.rc;
  if (!rc) rc = store_named_each(c->st, "entity_type", scan_type, &s);
  if (!rc) rc = s.rc;
  if (!rc) rc = store_metrics_each(c->st, scan_metric, &s);
  if (!rc) rc = s.rc;
  if (!rc) rc = store_named_each(c->st, "department", scan_dept, &s);
  if (!rc) rc = s.rc;
  if (rc == ZZ_ENOMEM) return zz_fail(c->e, rc, "pack", "out of memory");
  if (rc) return store_fail(c->e, rc, "store", "cannot read the registry: ", "无法读取基础数据：");
  return 0;
}

/* ---- reading files ---- */

static int pack_path(struct pack_ctx *c, const char *name, char *out, size_t cap) {
  if ((size_t)snprintf(out, cap, "%s/%s", c->dir, name) >= cap)
    return fail_at(c->e, ZZ_EINVAL, name, NULL, "pack directory path too long");
  return 0;
}

static FILE *open_pack_file(struct pack_ctx *c, const char *name, int *rc) {
  char path[4096];
  if ((*rc = pack_path(c, name, path, sizeof path))) return NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    *rc = fail_at(c->e, errno == ENOENT ? ZZ_ENOTFOUND : ZZ_EIO, name, NULL, "cannot open %s: %s",
                  path, strerror(errno));
  return f;
}

/* Reads and parses a whole JSON file (at most PACK_FILE_MAX bytes). */
static int read_json(struct pack_ctx *c, const char *name, json_t **out) {
  int rc;
  FILE *f = open_pack_file(c, name, &rc);
  if (!f) return rc;
  struct zz_buf b;
  zz_buf_init(&b, PACK_FILE_MAX);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if ((rc = zz_buf_add(&b, chunk, n))) {
      rc = rc == ZZ_ETOOBIG
               ? fail_at(c->e, rc, name, NULL, "larger than %u MiB", PACK_FILE_MAX >> 20)
               : zz_fail(c->e, rc, name, "out of memory");
      goto done;
    }
  }
  if (ferror(f)) {
    rc = fail_at(c->e, ZZ_EIO, name, NULL, "read error");
    goto done;
  }
  json_error_t jerr;
  *out = json_loadb(b.len ? b.data : "", b.len, JSON_REJECT_DUPLICATES, &jerr);
  if (!*out) {
    char where[48];
    snprintf(where, sizeof where, "line %d column %d", jerr.line, jerr.column);
    rc = fail_at(c->e, ZZ_EINVAL, name, where, "invalid JSON: %s", jerr.text);
  }
done:
  zz_buf_free(&b);
  fclose(f);
  return rc;
}

/* The top level of departments.json, entity_types.json, metrics.json and
 * sources.json: an array of objects. */
static int check_doc_array(struct pack_ctx *c, const char *name, json_t *doc) {
  struct check l;
  const json_t *out;
  pack_at(&l, c->e, name, 0);
  return check_array(&l, doc, NULL, CHECK_REQUIRED, 0, 0, CHECK_OBJECT, &out);
}

/* ---- pack.json ---- */

static int check_pack_json(struct pack_ctx *c) {
  struct check l;
  pack_at(&l, c->e, "pack.json", 0);
  json_t *p = c->pack;
  const char *s;
  int rc;
  if (!json_is_object(p)) return check_fail(&l, NULL, "must be a JSON object");
  if ((rc = check_key(&l, p, "id", CHECK_REQUIRED, &s)) || (rc = req_zh_en(&l, p, "name")) ||
      (rc = req_zh_en(&l, p, "description")))
    return rc;
  int64_t version;
  if ((rc = check_int(&l, p, "version", CHECK_REQUIRED, 1, INT64_MAX, &version))) return rc;
  json_t *v;
  if ((v = json_object_get(p, "reference_date")) &&
      (!json_is_string(v) || !is_date(json_string_value(v))))
    return check_fail(&l, "reference_date", "must be a date YYYY-MM-DD");
  const char *const opt_strs[] = {"geometry_licence", "generator"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(opt_strs); i++)
    if ((rc = check_str(&l, p, opt_strs[i], CHECK_OPTIONAL, 0, &s))) return rc;
  const json_t *inds = NULL;
  if ((rc = check_array(&l, p, "industries", CHECK_OPTIONAL, 0, 0, CHECK_OBJECT, &inds)) || !inds)
    return rc;
  struct smap seen = {0};
  for (size_t i = 0; i < json_array_size(inds) && !rc; i++) {
    json_t *ind = json_array_get(inds, i);
    check_at(&l, "industries[%zu]", i);
    if ((rc = check_key(&l, ind, "id", CHECK_REQUIRED, &s)) ||
        (rc = check_names(&l, ind, "name_zh", "name_en", 0)))
      break;
    if (smap_get(&seen, s) >= 0) {
      rc = check_fail(&l, "id", "\"%s\" is declared twice", s);
      break;
    }
    if ((rc = smap_set(&seen, s, 0))) rc = zz_fail(c->e, rc, "pack", "out of memory");
    const char *group;
    if (!rc) rc = check_str(&l, ind, "group", CHECK_OPTIONAL, 0, &group);
  }
  smap_free(&seen);
  return rc;
}

/* ---- regions.geojson ---- */

static int check_geometry(const struct check *fl, json_t *g, char **out) {
  const char *type;
  int rc;
  struct check l = *fl;
  check_push_key(&l, "geometry");
  if (!json_is_object(g))
    return check_fail(fl, "geometry", "must be a Polygon or MultiPolygon object");
  if ((rc = check_str(&l, g, "type", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &type))) return rc;
  json_t *coords = json_object_get(g, "coordinates");
  if (strcmp(type, "Polygon") == 0) {
    rc = check_polygon(&l, "coordinates", coords);
  } else if (strcmp(type, "MultiPolygon") == 0) {
    if (!json_is_array(coords) || json_array_size(coords) == 0)
      return check_fail(&l, "coordinates", "must be a non-empty array of polygons");
    char sub[48];
    for (size_t i = 0; i < json_array_size(coords) && !rc; i++) {
      snprintf(sub, sizeof sub, "coordinates[%zu]", i);
      rc = check_polygon(&l, sub, json_array_get(coords, i));
    }
  } else {
    return check_fail(&l, "type", "must be Polygon or MultiPolygon, not \"%s\"", type);
  }
  if (rc) return rc;
  if (!(*out = json_dumps(g, PACK_DUMP_FLAGS)))
    return zz_fail(fl->e, ZZ_ENOMEM, "pack", "out of memory");
  return 0;
}

/* A region's administrative division code (行政区划代码: 6 digits for a
 * county, 9 for a township, 12 for a village) as its digits into out, from
 * a number or a string of digits. Returns 1 when given and well formed, 0
 * when absent, -1 when malformed. */
static int region_adcode(json_t *props, char out[16]) {
  json_t *v = json_object_get(props, "adcode");
  if (!v || json_is_null(v)) return 0;
  if (json_is_integer(v) && json_integer_value(v) > 0)
    snprintf(out, 16, "%lld", (long long)json_integer_value(v));
  else if (json_is_string(v) && json_string_length(v) < 16)
    snprintf(out, 16, "%s", json_string_value(v));
  else
    return -1;
  size_t n = strlen(out);
  if (n != 6 && n != 9 && n != 12) return -1;
  for (size_t i = 0; i < n; i++)
    if (out[i] < '0' || out[i] > '9') return -1;
  return 1;
}

/* Features come parents first; a parent is an earlier feature or a region
 * already in the store. A path id is its parent's id, '/', one segment. */
static int check_regions(struct pack_ctx *c) {
  struct check l;
  pack_at(&l, c->e, "regions.geojson", 0);
  json_t *doc = c->regions, *v;
  const char *s;
  int rc;
  if (!json_is_object(doc))
    return check_fail(&l, NULL, "must be a GeoJSON FeatureCollection object");
  if ((rc = check_str(&l, doc, "type", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &s))) return rc;
  if (strcmp(s, "FeatureCollection") != 0)
    return check_fail(&l, "type", "must be \"FeatureCollection\"");
  json_t *features = json_object_get(doc, "features");
  if (!json_is_array(features)) return check_fail(&l, "features", "must be an array");
  for (size_t i = 0; i < json_array_size(features); i++) {
    json_t *f = json_array_get(features, i);
    check_at(&l, "features[%zu]", i);
    if (!json_is_object(f)) return check_fail(&l, NULL, "must be a GeoJSON Feature object");
    if ((rc = check_str(&l, f, "type", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &s))) return rc;
    if (strcmp(s, "Feature") != 0) return check_fail(&l, "type", "must be \"Feature\"");
    json_t *props = json_object_get(f, "properties");
    if (!json_is_object(props)) return check_fail(&l, "properties", "must be an object");
    struct check pl = l;
    check_at(&pl, "features[%zu].properties", i);

    struct pack_region r = {.props = props, .feature = (int)i};
    if ((rc = check_str(&pl, props, "id", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &r.path))) return rc;
    if (!is_region_path(r.path))
      return check_fail(&pl, "id", "\"%s\" must be segments of a-z, 0-9, _ joined by /", r.path);
    int prev = smap_get(&c->regmap, r.path);
    if (prev >= 0 && c->regs[prev].feature >= 0)
      return check_fail(&pl, "id", "\"%s\" is declared twice (also features[%d])", r.path,
                        c->regs[prev].feature);
    if (!(v = json_object_get(props, "parent")))
      return check_fail(&pl, "parent", "required (null for a root)");
    const char *slash = strrchr(r.path, '/');
    if (json_is_null(v)) {
      if (slash) return check_fail(&pl, "parent", "null, but \"%s\" is not a root id", r.path);
    } else if (!json_is_string(v)) {
      return check_fail(&pl, "parent", "must be a region id or null");
    } else {
      r.parent = json_string_value(v);
      size_t plen = slash ? (size_t)(slash - r.path) : 0;
      if (!slash || strlen(r.parent) != plen || strncmp(r.parent, r.path, plen) != 0)
        return check_fail(&pl, "parent", "\"%s\" must be the id without its last segment",
                          r.parent);
      if (smap_get(&c->regmap, r.parent) < 0) {
        for (size_t j = i + 1; j < json_array_size(features); j++) {
          json_t *id =
              json_object_get(json_object_get(json_array_get(features, j), "properties"), "id");
          if (json_is_string(id) && strcmp(json_string_value(id), r.parent) == 0)
            return check_fail(&pl, "parent",
                              "region \"%s\" must come before its children (it is features[%zu])",
                              r.parent, j);
        }
        return check_fail(&pl, "parent", "region \"%s\" does not exist", r.parent);
      }
    }
    if ((rc = check_enum(&pl, props, "level", CHECK_REQUIRED, pack_levels,
                         ZZ_ARRAY_LEN(pack_levels), &s)) ||
        (rc = check_names(&pl, props, "name_zh", "name_en", 0)))
      return rc;
    if (!json_is_boolean(json_object_get(props, "approximate")))
      return check_fail(&pl, "approximate", "required boolean");
    if ((rc = check_position(&pl, "center", json_object_get(props, "center"), 1))) return rc;
    char adcode[16];
    if (region_adcode(props, adcode) < 0)
      return check_fail(&pl, "adcode",
                        "must be an administrative division code: a number or a string of 6, 9 "
                        "or 12 digits");
    if ((rc = check_geometry(&l, json_object_get(f, "geometry"), &r.geometry))) return rc;
    if ((rc = add_region(c, &r))) {
      zz_free(r.geometry);
      return zz_fail(c->e, rc, "pack", "out of memory");
    }
    c->npack_regs++;
  }
  return 0;
}

/* ---- departments.json, entity_types.json, metrics.json, sources.json ---- */

/* Ids of one file: declared once, and a new key is registered in m (with
 * value val) unless m is NULL. */
static int check_ids(struct pack_ctx *c, const char *file, json_t *doc, struct smap *m, int val) {
  struct smap seen = {0};
  int rc = 0;
  struct check l;
  pack_at(&l, c->e, file, 0);
  for (size_t i = 0; i < json_array_size(doc) && !rc; i++) {
    json_t *o = json_array_get(doc, i);
    const char *id;
    check_at(&l, "[%zu]", i);
    if ((rc = check_key(&l, o, "id", CHECK_REQUIRED, &id)) ||
        (rc = check_names(&l, o, "name_zh", "name_en", 0)))
      break;
    int prev = smap_get(&seen, id);
    if (prev >= 0) {
      rc = check_fail(&l, "id", "\"%s\" is declared twice (also [%d])", id, prev);
      break;
    }
    if (smap_set(&seen, id, (int)i) || (m && smap_set(m, id, val)))
      rc = zz_fail(c->e, ZZ_ENOMEM, "pack", "out of memory");
  }
  smap_free(&seen);
  return rc;
}

/* pack.json's "teams": groups of departments that work as one (the seed's
 * linkage team, 综合联动队伍: one dispatch desk sends every order to its
 * departments). Returns the team object whose id is key, or NULL. */
static json_t *pack_team(const struct pack_ctx *c, const char *key) {
  json_t *teams = json_object_get(c->pack, "teams");
  for (size_t i = 0; i < json_array_size(teams); i++) {
    json_t *t = json_array_get(teams, i);
    if (strcmp(json_string_value(json_object_get(t, "id")), key) == 0) return t;
  }
  return NULL;
}

static int check_teams(struct pack_ctx *c) {
  struct check l;
  pack_at(&l, c->e, "pack.json", 0);
  const json_t *teams = NULL;
  int rc = check_array(&l, c->pack, "teams", CHECK_OPTIONAL, 0, 0, CHECK_OBJECT, &teams);
  for (size_t i = 0; i < json_array_size(teams) && !rc; i++) {
    json_t *t = json_array_get(teams, i);
    const char *id;
    check_at(&l, "teams[%zu]", i);
    if ((rc = check_key(&l, t, "id", CHECK_REQUIRED, &id)) ||
        (rc = check_names(&l, t, "name_zh", "name_en", 0)))
      break;
    for (size_t k = 0; k < i && !rc; k++)
      if (strcmp(json_string_value(json_object_get(json_array_get(teams, k), "id")), id) == 0)
        rc = check_fail(&l, "id", "\"%s\" is declared twice", id);
  }
  return rc;
}

static int check_departments(struct pack_ctx *c) {
  int rc = check_doc_array(c, "departments.json", c->departments);
  if (!rc) rc = check_ids(c, "departments.json", c->departments, &c->deptmap, 0);
  struct check l;
  pack_at(&l, c->e, "departments.json", 0);
  for (size_t i = 0; i < json_array_size(c->departments) && !rc; i++) {
    const char *team = NULL;
    check_at(&l, "[%zu]", i);
    rc = check_key(&l, json_array_get(c->departments, i), "team", CHECK_OPTIONAL, &team);
    if (!rc && team && !pack_team(c, team))
      rc = check_fail(&l, "team", "team \"%s\" is not declared in pack.json's teams", team);
  }
  return rc;
}

static int check_types(struct pack_ctx *c) {
  const char *file = "entity_types.json";
  int rc = check_doc_array(c, file, c->types);
  if (!rc) rc = check_ids(c, file, c->types, NULL, 0);
  struct check l;
  pack_at(&l, c->e, file, 0);
  for (size_t i = 0; i < json_array_size(c->types) && !rc; i++) {
    json_t *t = json_array_get(c->types, i);
    const json_t *attrs = NULL;
    check_at(&l, "[%zu]", i);
    if (!json_object_get(t, "attrs"))
      return check_fail(&l, "attrs", "required (an empty array when none)");
    if ((rc = check_array(&l, t, "attrs", CHECK_REQUIRED, 0, 0, CHECK_OBJECT, &attrs))) return rc;
    struct smap seen = {0};
    for (size_t j = 0; j < json_array_size(attrs) && !rc; j++) {
      json_t *a = json_array_get(attrs, j);
      const char *id, *type;
      int personal = 0;
      struct check al = l;
      check_at(&al, "[%zu].attrs[%zu]", i, j);
      if (!(rc = check_key(&al, a, "id", CHECK_REQUIRED, &id)) &&
          !(rc = check_names(&al, a, "name_zh", "name_en", 0)) &&
          !(rc = check_enum(&al, a, "type", CHECK_REQUIRED, pack_attr_types,
                            ZZ_ARRAY_LEN(pack_attr_types), &type)) &&
          /* personal data: masked for all but who may see it (authz.h) */
          !(rc = check_bool(&al, a, "personal", CHECK_OPTIONAL, &personal))) {
        if (smap_get(&seen, id) >= 0)
          rc = check_fail(&al, "id", "attribute \"%s\" is declared twice", id);
        else if (smap_set(&seen, id, 0))
          rc = zz_fail(c->e, ZZ_ENOMEM, "pack", "out of memory");
      }
    }
    smap_free(&seen);
    if (!rc && add_type(c, json_string_value(json_object_get(t, "id")), (json_t *)attrs))
      rc = zz_fail(c->e, ZZ_ENOMEM, "pack", "out of memory");
  }
  return rc;
}

/* A status metric's "states": 2 to REG_STATES_MAX values, each named in
 * both languages, each within the metric's range and none twice. */
static int check_states(struct check *l, const json_t *m, const double lim[2]) {
  const json_t *a = NULL;
  int rc = check_array(l, m, "states", CHECK_OPTIONAL, 2, REG_STATES_MAX, CHECK_OBJECT, &a);
  if (rc || !a) return rc;
  static const char *const known[] = {"value", "name_zh", "name_en", NULL};
  size_t mark = check_push_key(l, "states");
  for (size_t i = 0; i < json_array_size(a) && !rc; i++) {
    const json_t *st = json_array_get(a, i);
    double v;
    size_t at = check_push(l, "[%zu]", i);
    if (!(rc = check_known(l, st, known)) && !(rc = check_names(l, st, "name_zh", "name_en", 60)) &&
        !(rc = check_num(l, st, "value", CHECK_REQUIRED, lim[0], lim[1], &v))) {
      for (size_t k = 0; k < i && !rc; k++)
        if (json_number_value(json_object_get(json_array_get(a, k), "value")) == v)
          rc = check_fail(l, "value", "%g is named twice (also states[%zu])", v, k);
    }
    check_pop(l, at);
  }
  check_pop(l, mark);
  return rc;
}

static int check_metrics(struct pack_ctx *c) {
  const char *file = "metrics.json";
  int rc = check_doc_array(c, file, c->metrics);
  if (!rc) rc = check_ids(c, file, c->metrics, &c->metricmap, 0);
  struct check l;
  pack_at(&l, c->e, file, 0);
  for (size_t i = 0; i < json_array_size(c->metrics) && !rc; i++) {
    json_t *m = json_array_get(c->metrics, i), *v;
    const char *s;
    check_at(&l, "[%zu]", i);
    if ((rc = check_str(&l, m, "unit", CHECK_REQUIRED, 0, &s)) ||
        (rc = check_enum(&l, m, "agg", CHECK_REQUIRED, pack_aggs, ZZ_ARRAY_LEN(pack_aggs), &s)) ||
        (rc = check_enum(&l, m, "kind", CHECK_REQUIRED, pack_metric_kinds,
                         ZZ_ARRAY_LEN(pack_metric_kinds), &s)) ||
        (rc = check_str(&l, m, "entity_type", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &s)))
      break;
    if (smap_get(&c->typemap, s) < 0)
      return check_fail(&l, "entity_type", "entity type \"%s\" does not exist", s);
    double lim[2] = {-INFINITY, INFINITY};
    const char *const lims[] = {"min", "max"};
    for (int k = 0; k < 2; k++) {
      if (!(v = json_object_get(m, lims[k]))) continue;
      if (!json_is_number(v)) return check_fail(&l, lims[k], "must be a number");
      lim[k] = json_number_value(v);
      /* Ingest refuses values outside the range, so the range itself must
       * keep sums finite: billions of values at 1e18 are still far from
       * overflow. */
      if (!(fabs(lim[k]) <= PACK_VALUE_LIMIT))
        return check_fail(&l, lims[k], "%g is outside [-1e18, 1e18]", lim[k]);
    }
    if (lim[0] > lim[1]) return check_fail(&l, "min", "%g is greater than max %g", lim[0], lim[1]);
    if ((rc = check_states(&l, m, lim))) return rc;
    /* raw retention: records older than this are pruned, rollups stay
     * (store_retention.c); a century bounds the cutoff arithmetic */
    int64_t days;
    if ((rc = check_int(&l, m, "raw_days", CHECK_OPTIONAL, 1, PACK_RAW_DAYS_MAX, &days))) return rc;
  }
  return rc;
}

static int check_sources(struct pack_ctx *c) {
  const char *file = "sources.json";
  int rc = check_doc_array(c, file, c->sources);
  if (!rc) rc = check_ids(c, file, c->sources, NULL, 0);
  struct check l;
  pack_at(&l, c->e, file, 0);
  for (size_t i = 0; i < json_array_size(c->sources) && !rc; i++) {
    json_t *so = json_array_get(c->sources, i), *v;
    const char *s;
    check_at(&l, "[%zu]", i);
    if ((rc = check_enum(&l, so, "kind", CHECK_REQUIRED, pack_source_kinds,
                         ZZ_ARRAY_LEN(pack_source_kinds), &s)))
      break;
    if (!(v = json_object_get(so, "department")))
      return check_fail(&l, "department", "required (null when none)");
    if (!json_is_null(v)) {
      if (!json_is_string(v))
        return check_fail(&l, "department", "must be a department id or null");
      if (smap_get(&c->deptmap, json_string_value(v)) < 0)
        return check_fail(&l, "department", "department \"%s\" does not exist",
                          json_string_value(v));
    }
    /* What the source may write (ingest refuses the rest): metrics, and
     * optionally entity types and regions. Several sources may declare a
     * metric; a series then belongs to the first that writes it. */
    const char *const lists[] = {"metrics", "entity_types", "regions"};
    for (int k = 0; k < 3; k++) {
      const json_t *ms = NULL;
      if (k == 0 && !json_object_get(so, "metrics"))
        return check_fail(&l, "metrics", "required (an empty array when none)");
      if ((rc = check_array(&l, so, lists[k], CHECK_OPTIONAL, 0, 0, CHECK_STRING, &ms))) return rc;
      for (size_t j = 0; j < json_array_size(ms); j++) {
        char sub[48];
        snprintf(sub, sizeof sub, "%s[%zu]", lists[k], j);
        const char *m = json_string_value(json_array_get(ms, j));
        struct smap *map = k == 0 ? &c->metricmap : k == 1 ? &c->typemap : &c->regmap;
        /* one sentence per list, so that each has its Chinese */
        if (smap_get(map, m) < 0) {
          if (k == 0) return check_fail(&l, sub, "metric \"%s\" does not exist", m);
          if (k == 1) return check_fail(&l, sub, "entity type \"%s\" does not exist", m);
          return check_fail(&l, sub, "region \"%s\" does not exist", m);
        }
        for (size_t p = 0; p < j; p++)
          if (strcmp(json_string_value(json_array_get(ms, p)), m) == 0) {
            if (k == 0) return check_fail(&l, sub, "metric \"%s\" is listed twice", m);
            if (k == 1) return check_fail(&l, sub, "entity type \"%s\" is listed twice", m);
            return check_fail(&l, sub, "region \"%s\" is listed twice", m);
          }
      }
    }
  }
  return rc;
}

/* ---- entities.ndjson ---- */

/* Reads a file line by line through a fixed buffer: a line longer than
 * PACK_LINE_MAX is refused, never buffered. */
struct line_reader {
  FILE *f;
  char *buf;
  size_t cap, start, end;
  int eof;
  int64_t line; /* number of the line last returned */
};

/* Returns 1 with the next line (newline and a trailing CR removed) in *p, *n;
 * 0 at the end; ZZ_ETOOBIG for a line over PACK_LINE_MAX; ZZ_EIO. */
static int lr_next(struct line_reader *r, const char **p, size_t *n) {
  for (;;) {
    char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
    if (nl || (r->eof && r->start < r->end)) {
      size_t len = nl ? (size_t)(nl - (r->buf + r->start)) : r->end - r->start;
      *p = r->buf + r->start;
      r->start = nl ? (size_t)(nl - r->buf) + 1 : r->end;
      r->line++;
      if (len > PACK_LINE_MAX) return ZZ_ETOOBIG;
      if (len && (*p)[len - 1] == '\r') len--;
      *n = len;
      return 1;
    }
    if (r->eof) return 0;
    if (r->end - r->start > PACK_LINE_MAX) {
      r->line++;
      return ZZ_ETOOBIG;
    }
    /* Room for a whole line after the partial one: cap > 2 * PACK_LINE_MAX. */
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
    size_t got = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
    r->end += got;
    if (got == 0) {
      if (ferror(r->f)) return ZZ_EIO;
      r->eof = 1;
    }
  }
}

static int blank(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return 0;
  return 1;
}

/* Every key of attrs declared by the type, with a value of the declared type. */
static int check_attrs(const struct check *l, const struct pack_type *t, json_t *attrs) {
  const char *key;
  json_t *v;
  if (!t->attrs) return 0;
  json_object_foreach(attrs, key, v) {
    const char *type = NULL;
    for (size_t i = 0; i < json_array_size(t->attrs) && !type; i++) {
      json_t *a = json_array_get(t->attrs, i);
      const char *id = json_string_value(json_object_get(a, "id"));
      if (id && strcmp(id, key) == 0) type = json_string_value(json_object_get(a, "type"));
    }
    char field[96];
    snprintf(field, sizeof field, "attrs.%s", key);
    if (!type) return check_fail(l, field, "not an attribute of type %s", t->key);
    if (json_is_null(v)) continue; /* a declared attribute may be absent */
    if (strcmp(type, "number") == 0 ? !json_is_number(v)
        : strcmp(type, "date") == 0 ? !json_is_string(v) || !is_date(json_string_value(v))
                                    : !json_is_string(v)) {
      /* the three attribute types (pack_attr_types), each its own sentence */
      if (strcmp(type, "date") == 0) return check_fail(l, field, "must be a date YYYY-MM-DD");
      if (strcmp(type, "number") == 0) return check_fail(l, field, "must be a number");
      return check_fail(l, field, "must be a string");
    }
  }
  return 0;
}

static int add_entity(struct pack_ctx *c, const struct pack_entity *en) {
  if (c->nents == c->capents) {
    int64_t cap = c->capents ? c->capents * 2 : 1024;
    struct pack_entity *p = zz_realloc(c->ents, (size_t)cap * sizeof *p);
    if (!p) return ZZ_ENOMEM;
    c->ents = p;
    c->capents = cap;
  }
  c->ents[c->nents++] = *en;
  return 0;
}

/* One line -> one validated entity appended to c->ents. */
static int check_entity(struct pack_ctx *c, const char *p, size_t n, int64_t line) {
  struct check l;
  pack_at(&l, c->e, "entities.ndjson", CHECK_LINE);
  check_at(&l, "line %lld", (long long)line);
  json_error_t jerr;
  json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
  if (!o) return check_fail(&l, NULL, "invalid JSON at column %d: %s", jerr.column, jerr.text);
  const char *key, *type, *name_zh, *name_en, *region;
  char *attrs_text = NULL;
  int rc, t, r;
  if (!json_is_object(o)) {
    rc = check_fail(&l, NULL, "must be a JSON object");
    goto done;
  }
  if ((rc = check_str(&l, o, "id", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &key))) goto done;
  if (!is_slug(key)) {
    rc = check_fail(&l, "id", "\"%s\" must be 1-%d of a-z, 0-9, -", key, PACK_SLUG_MAX);
    goto done;
  }
  int prev = smap_get(&c->entmap, key);
  if (prev >= 0) {
    rc = check_fail(&l, NULL, "id \"%s\" duplicates line %d", key, prev);
    goto done;
  }
  if ((rc = check_str(&l, o, "type", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &type)) ||
      (rc = check_str(&l, o, "name_zh", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &name_zh)) ||
      (rc = check_str(&l, o, "name_en", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &name_en)) ||
      (rc = check_str(&l, o, "region", CHECK_REQUIRED | CHECK_NONEMPTY, 0, &region)))
    goto done;
  if ((t = smap_get(&c->typemap, type)) < 0) {
    rc = check_fail(&l, NULL, "type \"%s\" is not a known entity type", type);
    goto done;
  }
  if ((r = smap_get(&c->regmap, region)) < 0) {
    rc = check_fail(&l, NULL, "region \"%s\" does not exist", region);
    goto done;
  }
  json_t *lon = json_object_get(o, "lon"), *lat = json_object_get(o, "lat");
  if (!json_is_number(lon) || !lon_ok(json_number_value(lon))) {
    rc = check_fail(&l, "lon", "must be a number in [-180, 180]");
    goto done;
  }
  if (!json_is_number(lat) || !lat_ok(json_number_value(lat))) {
    rc = check_fail(&l, "lat", "must be a number in [-90, 90]");
    goto done;
  }
  json_t *attrs = json_object_get(o, "attrs");
  if (!json_is_object(attrs)) {
    rc = check_fail(&l, "attrs",
                    attrs ? "must be an object" : "required (an empty object when none)");
    goto done;
  }
  if ((rc = check_attrs(&l, &c->typev[t], attrs))) goto done;
  if (c->nents >= PACK_ENTITIES_MAX) {
    rc = check_fail_code(&l, ZZ_ETOOBIG, NULL, "more than %d entities", PACK_ENTITIES_MAX);
    goto done;
  }

  /* Keep what the write needs; the parsed line is freed now. */
  if (!(attrs_text = json_dumps(attrs, PACK_DUMP_FLAGS))) goto nomem;
  size_t lk = strlen(key) + 1, lz = strlen(name_zh) + 1, le = strlen(name_en) + 1;
  size_t la = strlen(attrs_text) + 1;
  char *block = zz_malloc(lk + lz + le + la);
  if (!block) goto nomem;
  struct pack_entity en = {.key = block,
                           .name_zh = block + lk,
                           .name_en = block + lk + lz,
                           .attrs = block + lk + lz + le,
                           .type = c->typev[t].key,
                           .region = c->regs[r].path,
                           .lon = json_number_value(lon),
                           .lat = json_number_value(lat)};
  memcpy(en.key, key, lk);
  memcpy(en.name_zh, name_zh, lz);
  memcpy(en.name_en, name_en, le);
  memcpy(en.attrs, attrs_text, la);
  if (add_entity(c, &en)) {
    zz_free(block);
    goto nomem;
  }
  if (line > INT32_MAX || smap_set(&c->entmap, en.key, (int)line)) goto nomem;
  goto done;
nomem:
  rc = zz_fail(c->e, ZZ_ENOMEM, "pack", "out of memory");
done:
  zz_free(attrs_text); /* jansson's allocator */
  json_decref(o);
  return rc;
}

static int check_entities(struct pack_ctx *c) {
  int rc;
  struct line_reader r = {.cap = 2 * PACK_LINE_MAX + 4096};
  if (!(r.f = open_pack_file(c, "entities.ndjson", &rc))) return rc;
  if (!(r.buf = zz_malloc(r.cap))) {
    fclose(r.f);
    return zz_fail(c->e, ZZ_ENOMEM, "pack", "out of memory");
  }
  const char *p;
  size_t n;
  char where[32];
  while ((rc = lr_next(&r, &p, &n)) == 1) {
    if (blank(p, n)) continue;
    if ((rc = check_entity(c, p, n, r.line))) break;
  }
  snprintf(where, sizeof where, "line %lld", (long long)r.line);
  if (rc == ZZ_ETOOBIG)
    rc = fail_at(c->e, rc, "entities.ndjson", where, "longer than %d bytes", PACK_LINE_MAX);
  else if (rc == ZZ_EIO)
    rc = fail_at(c->e, rc, "entities.ndjson", where, "read error");
  zz_free(r.buf);
  fclose(r.f);
  return rc;
}

/* ---- the write ---- */

static int scan_node(void *ud, const struct store_region *r) {
  struct store_scan *s = ud;
  struct pack_ctx *c = s->c;
  if (c->nnodes == c->capnodes) {
    int cap = c->capnodes ? c->capnodes * 2 : 64;
    struct pack_node *p = zz_realloc(c->nodes, (size_t)cap * sizeof *p);
    if (!p) goto nomem;
    c->nodes = p;
    c->capnodes = cap;
  }
  struct pack_node *nd = &c->nodes[c->nnodes];
  *nd = (struct pack_node){
      .id = r->id, .path = zz_strdup(r->path), .first_child = -1, .next_sibling = -1};
  if (r->parent_path) nd->parent = zz_strdup(r->parent_path);
  c->nnodes++;
  if (!nd->path || (r->parent_path && !nd->parent)) goto nomem;
  return 0;
nomem:
  s->rc = ZZ_ENOMEM;
  return 1;
}

static int cmp_node_id(const void *a, const void *b) {
  int64_t x = ((const struct pack_node *)a)->id, y = ((const struct pack_node *)b)->id;
  return x < y ? -1 : x > y;
}

/* Numbers every region of the store (not only this pack's) for subtree
 * filters, the same rule as registry_open (src/model/registry.c):
 *   pre-order depth-first numbering starting at 1 over the whole forest;
 *   roots, and the children of each region, are visited in ascending region
 *   id order, i.e. the order the regions were first inserted;
 *   lo = the region's own number, hi = the largest number in its subtree.
 * An entity of region r has rpos = r.lo, so the subtree of x is exactly the
 * rpos range [x.lo, x.hi]. A region whose parent is missing counts as a root. */
static int number_regions(struct pack_ctx *c) {
  struct store_scan s = {.c = c};
  int rc = store_regions_each(c->st, 0, scan_node, &s);
  if (!rc) rc = s.rc;
  if (rc == ZZ_ENOMEM) return zz_fail(c->e, rc, "pack", "out of memory");
  if (rc) return store_fail(c->e, rc, "store", "cannot read regions back: ", "无法读回区域：");
  qsort(c->nodes, (size_t)c->nnodes, sizeof *c->nodes, cmp_node_id);
  for (int i = 0; i < c->nnodes; i++)
    if (smap_set(&c->nodemap, c->nodes[i].path, i))
      return zz_fail(c->e, ZZ_ENOMEM, "pack", "out of memory");
  /* Children lists in ascending id: prepend while walking ids downwards. */
  int roots = -1;
  for (int i = c->nnodes - 1; i >= 0; i--) {
    struct pack_node *nd = &c->nodes[i];
    int parent = nd->parent ? smap_get(&c->nodemap, nd->parent) : -1;
    int *head = parent >= 0 ? &c->nodes[parent].first_child : &roots;
    nd->next_sibling = *head;
    *head = i;
  }
  int *stack = zz_malloc((size_t)(c->nnodes ? c->nnodes : 1) * sizeof *stack);
  if (!stack) return zz_fail(c->e, ZZ_ENOMEM, "pack", "out of memory");
  int64_t next = 0;
  for (int root = roots; root >= 0; root = c->nodes[root].next_sibling) {
    int sp = 0;
    stack[sp++] = root;
    c->nodes[root].lo = ++next;
    c->nodes[root].cursor = c->nodes[root].first_child;
    while (sp > 0) {
      struct pack_node *top = &c->nodes[stack[sp - 1]];
      int child = top->cursor;
      if (child < 0) {
        top->hi = next;
        sp--;
        continue;
      }
      top->cursor = c->nodes[child].next_sibling;
      c->nodes[child].lo = ++next;
      c->nodes[child].cursor = c->nodes[child].first_child;
      stack[sp++] = child;
    }
  }
  zz_free(stack);
  /* Every region has a root above it unless the parent links form a cycle,
   * which pack loads cannot create (a parent is a strict prefix of the path). */
  if (next != c->nnodes)
    return zz_fail(c->e, ZZ_EINTERNAL, "region", "the region tree in the store has a cycle");
  return 0;
}

static void report(void (*progress)(void *, int64_t, int64_t), void *ud, int64_t done,
                   int64_t total) {
  if (progress) progress(ud, done, total);
}

/* ---- dashboards.json (optional): checked in pack_dashboards.c ---- */

static const char *lk_region_level(void *ud, const char *path) {
  struct pack_ctx *c = ud;
  int i = smap_get(&c->regmap, path);
  if (i < 0) return NULL;
  const char *level = json_string_value(json_object_get(c->regs[i].props, "level"));
  return level ? level : ""; /* a region of the store, not of this pack */
}

static const char *lk_metric_type(void *ud, const char *key) {
  struct pack_ctx *c = ud;
  for (size_t i = 0; i < json_array_size(c->metrics); i++) {
    json_t *m = json_array_get(c->metrics, i);
    if (strcmp(json_string_value(json_object_get(m, "id")), key) == 0)
      return json_string_value(json_object_get(m, "entity_type"));
  }
  return smap_get(&c->metricmap, key) >= 0 ? "" : NULL; /* a metric of the store */
}

static int lk_type_attr(void *ud, const char *type, const char *attr) {
  struct pack_ctx *c = ud;
  int i = smap_get(&c->typemap, type);
  if (i < 0) return -1;
  json_t *attrs = c->typev[i].attrs;
  if (!attrs || !*attr) return !attrs; /* undeclared attributes are not checked */
  for (size_t k = 0; k < json_array_size(attrs); k++)
    if (strcmp(json_string_value(json_object_get(json_array_get(attrs, k), "id")), attr) == 0)
      return 1;
  return 0;
}

static int check_dashboards(struct pack_ctx *c) {
  char path[4096];
  int rc = pack_path(c, "dashboards.json", path, sizeof path);
  if (rc) return rc;
  FILE *f = fopen(path, "rb");
  if (!f)
    return errno == ENOENT ? 0
                           : fail_at(c->e, ZZ_EIO, "dashboards.json", NULL, "cannot open %s: %s",
                                     path, strerror(errno));
  fclose(f);
  if ((rc = read_json(c, "dashboards.json", &c->dashboards))) return rc;
  struct pack_lookup lk = {c, lk_region_level, lk_metric_type, lk_type_attr};
  return pack_check_dashboards(c->dashboards, &lk, c->e);
}

/* The pack's regions, then the DFS numbering of the whole forest. */
static int write_regions(struct pack_ctx *c) {
  struct store *st = c->st;
  struct zz_err *e = c->e;
  int rc = 0;

  for (int i = 0; i < c->nregs; i++) {
    struct pack_region *r = &c->regs[i];
    if (r->feature < 0) continue;
    json_t *center = json_object_get(r->props, "center");
    char adcode[16];
    int has_adcode = region_adcode(r->props, adcode) > 0; /* checked before */
    struct store_region sr = {
        .path = r->path,
        .parent_path = r->parent,
        .level = json_string_value(json_object_get(r->props, "level")),
        .name_zh = json_string_value(json_object_get(r->props, "name_zh")),
        .name_en = json_string_value(json_object_get(r->props, "name_en")),
        .geometry = r->geometry,
        .lon = json_number_value(json_array_get(center, 0)),
        .lat = json_number_value(json_array_get(center, 1)),
        .approximate = json_is_true(json_object_get(r->props, "approximate")),
        .adcode = has_adcode ? adcode : NULL,
    };
    if ((rc = store_region_upsert(st, &sr, NULL, e))) return rc;
  }
  if ((rc = number_regions(c))) return rc;
  for (int i = 0; i < c->nnodes; i++) {
    struct pack_node *nd = &c->nodes[i];
    if ((rc = store_region_set_pos(st, nd->id, nd->lo, nd->hi, e))) return rc;
    /* Entities loaded before (other packs, the API) follow their region. */
    if ((rc = store_entities_set_rpos(st, nd->id, nd->lo)))
      return store_fail(e, rc, "entity",
                        "cannot update entity positions: ", "无法更新对象的位置：");
  }
  return 0;
}

/* Entity types, departments, metrics, sources and dashboards. */
static int write_declarations(struct pack_ctx *c) {
  struct store *st = c->st;
  struct zz_err *e = c->e;
  int rc = 0;
  char *extra = NULL;

  for (size_t i = 0; i < json_array_size(c->types); i++) {
    json_t *t = json_array_get(c->types, i);
    json_t *x = json_pack("{sO}", "attrs", json_object_get(t, "attrs"));
    extra = x ? json_dumps(x, PACK_DUMP_FLAGS) : NULL;
    json_decref(x);
    if (!extra) return zz_fail(e, ZZ_ENOMEM, "pack", "out of memory");
    struct store_named n = {.key = json_string_value(json_object_get(t, "id")),
                            .name_zh = json_string_value(json_object_get(t, "name_zh")),
                            .name_en = json_string_value(json_object_get(t, "name_en")),
                            .extra_json = extra};
    rc = store_named_upsert(st, "entity_type", &n, NULL, e);
    zz_free(extra);
    if (rc) return rc;
  }
  extra = NULL; /* the types' loop freed its last one */
  for (size_t i = 0; i < json_array_size(c->departments); i++) {
    json_t *d = json_array_get(c->departments, i);
    /* the department's team travels with it as {"team":{id, name_zh, name_en}} */
    json_t *team = json_object_get(d, "team");
    if (team) {
      json_t *x = json_pack("{sO}", "team", pack_team(c, json_string_value(team)));
      extra = x ? json_dumps(x, PACK_DUMP_FLAGS) : NULL;
      json_decref(x);
      if (!extra) return zz_fail(e, ZZ_ENOMEM, "pack", "out of memory");
    }
    struct store_named n = {.key = json_string_value(json_object_get(d, "id")),
                            .name_zh = json_string_value(json_object_get(d, "name_zh")),
                            .name_en = json_string_value(json_object_get(d, "name_en")),
                            .extra_json = extra};
    rc = store_named_upsert(st, "department", &n, NULL, e);
    zz_free(extra);
    extra = NULL;
    if (rc) return rc;
  }
  for (size_t i = 0; i < json_array_size(c->metrics); i++) {
    json_t *m = json_array_get(c->metrics, i);
    struct store_metric sm = {.key = json_string_value(json_object_get(m, "id")),
                              .name_zh = json_string_value(json_object_get(m, "name_zh")),
                              .name_en = json_string_value(json_object_get(m, "name_en")),
                              .unit = json_string_value(json_object_get(m, "unit")),
                              .agg = json_string_value(json_object_get(m, "agg")),
                              .entity_type = json_string_value(json_object_get(m, "entity_type")),
                              .kind = json_string_value(json_object_get(m, "kind"))};
    json_t *lo = json_object_get(m, "min"), *hi = json_object_get(m, "max");
    if (lo) sm.has_min = 1, sm.min = json_number_value(lo);
    if (hi) sm.has_max = 1, sm.max = json_number_value(hi);
    char *states = NULL;
    const json_t *sa = json_object_get(m, "states");
    if (sa && !(states = json_dumps(sa, PACK_DUMP_FLAGS)))
      return zz_fail(e, ZZ_ENOMEM, "pack", "out of memory");
    sm.states_json = states;
    const json_t *rd = json_object_get(m, "raw_days");
    if (rd) sm.raw_days = (int64_t)json_integer_value(rd);
    rc = store_metric_upsert(st, &sm, NULL, e);
    zz_free(states);
    if (rc) return rc;
  }
  for (size_t i = 0; i < json_array_size(c->sources); i++) {
    json_t *so = json_array_get(c->sources, i), *ty = json_object_get(so, "entity_types"),
           *rg = json_object_get(so, "regions");
    char *types = ty ? json_dumps(ty, PACK_DUMP_FLAGS) : NULL;
    char *regs = rg ? json_dumps(rg, PACK_DUMP_FLAGS) : NULL;
    extra = json_dumps(json_object_get(so, "metrics"), PACK_DUMP_FLAGS);
    if (!extra || (ty && !types) || (rg && !regs)) {
      zz_free(types), zz_free(regs);
      return zz_fail(e, ZZ_ENOMEM, "pack", "out of memory");
    }
    struct store_source ss = {.key = json_string_value(json_object_get(so, "id")),
                              .name_zh = json_string_value(json_object_get(so, "name_zh")),
                              .name_en = json_string_value(json_object_get(so, "name_en")),
                              .department = json_string_value(json_object_get(so, "department")),
                              .kind = json_string_value(json_object_get(so, "kind")),
                              .metrics_json = extra,
                              .entity_types_json = types,
                              .regions_json = regs};
    rc = store_source_upsert(st, &ss, NULL, e);
    zz_free(extra), zz_free(types), zz_free(regs);
    if (rc) return rc;
  }

  if (c->dashboards) {
    char *text = json_dumps(c->dashboards, PACK_DUMP_FLAGS);
    if (!text) return zz_fail(e, ZZ_ENOMEM, "pack", "out of memory");
    rc = store_doc_put(st, "dashboards", text, e);
    zz_free(text);
    if (rc) return rc;
  }
  if (c->cases_doc) {
    char *text = json_dumps(c->cases_doc, PACK_DUMP_FLAGS);
    if (!text) return zz_fail(e, ZZ_ENOMEM, "pack", "out of memory");
    rc = store_doc_put(st, "cases", text, e);
    zz_free(text);
    if (rc) return rc;
  }
  if (c->campaigns_doc) {
    char *text = json_dumps(c->campaigns_doc, PACK_DUMP_FLAGS);
    if (!text) return zz_fail(e, ZZ_ENOMEM, "pack", "out of memory");
    rc = store_doc_put(st, "campaigns", text, e);
    zz_free(text);
    if (rc) return rc;
  }
  if (c->statuses_doc) {
    char *text = json_dumps(c->statuses_doc, PACK_DUMP_FLAGS);
    if (!text) return zz_fail(e, ZZ_ENOMEM, "pack", "out of memory");
    rc = store_doc_put(st, "statuses", text, e);
    zz_free(text);
    if (rc) return rc;
  }
  return 0;
}

/* The validated entities, with progress every PACK_PROGRESS_EVERY. */
static int write_entities(struct pack_ctx *c, void (*progress)(void *, int64_t, int64_t),
                          void *ud) {
  struct store *st = c->st;
  struct zz_err *e = c->e;
  int rc = 0;
  int64_t now = zz_time_now();
  report(progress, ud, 0, c->nents);
  for (int64_t i = 0; i < c->nents; i++) {
    const struct pack_entity *en = &c->ents[i];
    int r = smap_get(&c->nodemap, en->region);
    ZZ_ASSERT(r >= 0); /* validated, and regions are never deleted */
    struct store_entity se = {.key = en->key,
                              .type = en->type,
                              .name_zh = en->name_zh,
                              .name_en = en->name_en,
                              .region = c->nodes[r].id,
                              .lon = en->lon,
                              .lat = en->lat,
                              .attrs_json = en->attrs,
                              .updated = now};
    if ((rc = store_entity_upsert(st, &se, c->nodes[r].lo, NULL, e))) return rc;
    if ((i + 1) % PACK_PROGRESS_EVERY == 0) report(progress, ud, i + 1, c->nents);
  }
  if (c->nents % PACK_PROGRESS_EVERY != 0) report(progress, ud, c->nents, c->nents);
  return 0;
}

static int write_pack(struct pack_ctx *c, void (*progress)(void *, int64_t, int64_t), void *ud) {
  int rc;
  if ((rc = write_regions(c)) || (rc = write_declarations(c))) return rc;
  return write_entities(c, progress, ud);
}

/* ---- matters.json and rules.json (both optional) ---- */

/* Reads name when the pack has it; *out stays NULL when it does not. */
static int read_optional(struct pack_ctx *c, const char *name, json_t **out) {
  char path[4096];
  int rc = pack_path(c, name, path, sizeof path);
  if (rc) return rc;
  if (access(path, F_OK) != 0) return 0;
  return read_json(c, name, out);
}

static int scan_matter(void *ud, const struct store_matter *m) {
  struct pack_ctx *c = ud;
  const char *key = own_str(c, m->key);
  return !key || smap_set(&c->mattermap, key, 0);
}

static int check_matters(struct pack_ctx *c) {
  const char *file = "matters.json";
  int rc = store_matters_each(c->st, scan_matter, c);
  if (rc) return zz_fail(c->e, ZZ_ENOMEM, "pack", "cannot read the store's matters");
  if (!c->matters_doc) return 0;
  if ((rc = check_doc_array(c, file, c->matters_doc)) ||
      (rc = check_ids(c, file, c->matters_doc, &c->mattermap, 0)))
    return rc;
  struct check l;
  pack_at(&l, c->e, file, 0);
  for (size_t i = 0; i < json_array_size(c->matters_doc); i++) {
    json_t *m = json_array_get(c->matters_doc, i);
    struct zz_err me = {0};
    check_at(&l, "[%zu]", i);
    if (matter_check(m, &me)) return check_fail_err(&l, me.field[0] ? me.field : NULL, &me);
    json_t *ds = json_object_get(m, "departments");
    for (size_t k = 0; k < json_array_size(ds); k++) {
      const char *d = json_string_value(json_array_get(ds, k));
      char sub[64];
      snprintf(sub, sizeof sub, "departments[%zu]", k);
      if (smap_get(&c->deptmap, d) < 0)
        return check_fail(&l, sub, "department \"%s\" does not exist", d);
    }
    json_t *regions = json_object_get(m, "regions");
    for (size_t k = 0; k < json_array_size(regions); k++) {
      const char *reg = json_string_value(json_array_get(regions, k));
      char sub[48];
      snprintf(sub, sizeof sub, "regions[%zu]", k);
      if (smap_get(&c->regmap, reg) < 0)
        return check_fail(&l, sub, "region \"%s\" does not exist", reg);
    }
    json_t *routes = json_object_get(m, "routes");
    for (size_t k = 0; k < json_array_size(routes); k++) {
      json_t *rt = json_array_get(routes, k);
      const char *reg = json_string_value(json_object_get(rt, "region"));
      char sub[80];
      snprintf(sub, sizeof sub, "routes[%zu].region", k);
      if (smap_get(&c->regmap, reg) < 0)
        return check_fail(&l, sub, "region \"%s\" does not exist", reg);
      json_t *rd = json_object_get(rt, "departments");
      for (size_t q = 0; q < json_array_size(rd); q++) {
        const char *d = json_string_value(json_array_get(rd, q));
        snprintf(sub, sizeof sub, "routes[%zu].departments[%zu]", k, q);
        if (smap_get(&c->deptmap, d) < 0)
          return check_fail(&l, sub, "department \"%s\" does not exist", d);
      }
    }
  }
  return 0;
}

/* The entity type a metric of the pack belongs to, or NULL (a store metric). */
static const char *pack_metric_type(struct pack_ctx *c, const char *metric) {
  for (size_t i = 0; i < json_array_size(c->metrics); i++) {
    json_t *m = json_array_get(c->metrics, i);
    if (strcmp(json_string_value(json_object_get(m, "id")), metric) == 0)
      return json_string_value(json_object_get(m, "entity_type"));
  }
  return NULL;
}

static int check_rules(struct pack_ctx *c) {
  const char *file = "rules.json";
  if (!c->rules_doc) return 0;
  int rc = check_doc_array(c, file, c->rules_doc);
  if (rc) return rc;
  struct smap seen = {0};
  struct check l;
  pack_at(&l, c->e, file, 0);
  for (size_t i = 0; i < json_array_size(c->rules_doc) && !rc; i++) {
    json_t *j = json_array_get(c->rules_doc, i);
    struct rule_def d;
    struct zz_err re = {0};
    check_at(&l, "[%zu]", i);
    if (rule_parse(j, &d, &re)) {
      rc = check_fail_err(&l, re.field[0] ? re.field : NULL, &re);
      break;
    }
    const char *id = json_string_value(json_object_get(j, "id"));
    int prev = smap_get(&seen, id);
    if (prev >= 0) {
      rc = check_fail(&l, "id", "\"%s\" is declared twice (also [%d])", id, prev);
      break;
    }
    if (smap_set(&seen, id, (int)i)) {
      rc = zz_fail(c->e, ZZ_ENOMEM, "pack", "out of memory");
      break;
    }
    if (!d.event[0] && smap_get(&c->metricmap, d.metric) < 0) {
      rc = check_fail(&l, "metric", "metric \"%s\" does not exist", d.metric);
      break;
    }
    const char *mt = d.event[0] ? NULL : pack_metric_type(c, d.metric);
    if (d.entity_type[0] && mt && strcmp(mt, d.entity_type) != 0) {
      rc = check_fail(&l, "entity_type", "metric \"%s\" belongs to %s entities, not %s", d.metric,
                      mt, d.entity_type);
      break;
    }
    if (d.region[0] && smap_get(&c->regmap, d.region) < 0) {
      rc = check_fail(&l, "region", "region \"%s\" does not exist", d.region);
      break;
    }
    if (d.auto_matter[0] && smap_get(&c->mattermap, d.auto_matter) < 0) {
      rc = check_fail(&l, "auto_order.matter", "matter \"%s\" does not exist", d.auto_matter);
      break;
    }
  }
  smap_free(&seen);
  return rc;
}

static int write_dispatch(struct pack_ctx *c) {
  int rc = 0;
  for (size_t i = 0; !rc && i < json_array_size(c->matters_doc); i++) {
    struct store_matter m;
    char *deps = NULL, *extra = NULL;
    if (matter_to_store(json_array_get(c->matters_doc, i), &m, &deps, &extra))
      return zz_fail(c->e, ZZ_ENOMEM, "pack", "out of memory");
    rc = store_matter_upsert(c->st, &m, NULL, c->e);
    zz_free(deps);
    zz_free(extra);
  }
  int64_t now = zz_time_now();
  for (size_t i = 0; !rc && i < json_array_size(c->rules_doc); i++) {
    struct rule_def def;
    struct zz_buf b;
    zz_buf_init(&b, 0);
    rule_parse(json_array_get(c->rules_doc, i), &def, NULL); /* validated above */
    if (rule_to_json(&def, &b) || !b.data) {
      zz_buf_free(&b);
      return zz_fail(c->e, ZZ_ENOMEM, "pack", "out of memory");
    }
    struct store_rule sr = {.key = def.key,
                            .def_json = b.data,
                            .enabled = def.enabled,
                            .origin = "pack",
                            .updated = now};
    rc = store_rule_upsert(c->st, &sr, NULL, c->e);
    zz_buf_free(&b);
  }
  return rc;
}

static void ctx_free(struct pack_ctx *c) {
  for (int i = 0; i < c->nregs; i++) zz_free(c->regs[i].geometry);
  zz_free(c->regs);
  smap_free(&c->regmap);
  zz_free(c->typev);
  smap_free(&c->typemap);
  smap_free(&c->metricmap);
  smap_free(&c->deptmap);
  for (int64_t i = 0; i < c->nents; i++) zz_free(c->ents[i].key);
  zz_free(c->ents);
  smap_free(&c->entmap);
  for (size_t i = 0; i < c->nowned; i++) zz_free(c->owned[i]);
  zz_free(c->owned);
  for (size_t i = 0; i < c->nowned_json; i++) json_decref(c->owned_json[i]);
  zz_free(c->owned_json);
  for (int i = 0; i < c->nnodes; i++) {
    zz_free(c->nodes[i].path);
    zz_free(c->nodes[i].parent);
  }
  zz_free(c->nodes);
  smap_free(&c->nodemap);
  json_decref(c->pack);
  json_decref(c->regions);
  json_decref(c->departments);
  json_decref(c->types);
  json_decref(c->metrics);
  json_decref(c->sources);
  json_decref(c->dashboards);
  json_decref(c->matters_doc);
  json_decref(c->cases_doc);
  json_decref(c->campaigns_doc);
  json_decref(c->statuses_doc);
  json_decref(c->rules_doc);
  smap_free(&c->mattermap);
}

/* ---- cases.json (optional): checked in pack_cases.c ---- */

static int lk_department(void *ud, const char *key) {
  return smap_get(&((struct pack_ctx *)ud)->deptmap, key) >= 0;
}

static int lk_matter(void *ud, const char *key) {
  return smap_get(&((struct pack_ctx *)ud)->mattermap, key) >= 0;
}

static int check_cases(struct pack_ctx *c) {
  if (!c->cases_doc) return 0;
  struct pack_cases_lookup lk = {c, lk_department, lk_matter};
  return pack_check_cases(c->cases_doc, &lk, c->e);
}

/* ---- campaigns.json (optional): checked in pack_campaigns.c ---- */

static int lk_region(void *ud, const char *path) {
  return smap_get(&((struct pack_ctx *)ud)->regmap, path) >= 0;
}

static int check_campaigns(struct pack_ctx *c) {
  if (!c->campaigns_doc) return 0;
  struct pack_campaigns_lookup lk = {c, lk_department, lk_type_attr, lk_region};
  return pack_check_campaigns(c->campaigns_doc, &lk, c->e);
}

/* ---- statuses.json (optional): derived states, checked in rollup/statuses.c ---- */

static int lk_metric_exists(void *ud, const char *key) {
  return lk_metric_type(ud, key) != NULL;
}

/* The dashboards' status panels must name a declared status: walks every
 * query ({"api": "status", "status": ID}) under the layouts. */
static int status_refs(struct pack_ctx *c, json_t *node, struct check *k) {
  if (json_is_array(node)) {
    for (size_t i = 0; i < json_array_size(node); i++) {
      size_t m = check_push(k, "[%zu]", i);
      int rc = status_refs(c, json_array_get(node, i), k);
      check_pop(k, m);
      if (rc) return rc;
    }
    return 0;
  }
  if (!json_is_object(node)) return 0;
  const char *api = json_string_value(json_object_get(node, "api"));
  if (api && strcmp(api, "status") == 0) {
    const char *id = json_string_value(json_object_get(node, "status"));
    struct status_def d;
    if (!id) return check_fail(k, "status", "is required for api \"status\"");
    if (!c->statuses_doc || status_find(c->statuses_doc, id, &d) != 0)
      return check_fail(k, "status", "status \"%s\" is not declared in statuses.json", id);
    return 0;
  }
  const char *key;
  json_t *v;
  json_object_foreach(node, key, v) {
    size_t m = check_push_key(k, key);
    int rc = status_refs(c, v, k);
    check_pop(k, m);
    if (rc) return rc;
  }
  return 0;
}

static int check_statuses(struct pack_ctx *c) {
  struct check k;
  int rc;
  if (c->statuses_doc) {
    struct status_lookup lk = {c, lk_metric_exists};
    pack_at(&k, c->e, "statuses.json", 0);
    if ((rc = statuses_check(c->statuses_doc, &lk, &k))) return rc;
  }
  if (!c->dashboards) return 0;
  pack_at(&k, c->e, "dashboards.json", 0);
  size_t m = check_push_key(&k, "layouts");
  rc = status_refs(c, json_object_get(c->dashboards, "layouts"), &k);
  check_pop(&k, m);
  return rc;
}

int pack_load(struct store *st, const char *dir, struct pack_stats *out,
              void (*progress)(void *ud, int64_t done, int64_t total), void *ud, struct zz_err *e) {
  struct zz_err scratch;
  if (!e) e = &scratch;
  struct pack_ctx c = {.st = st, .dir = dir, .e = e};
  int rc;
  /* Validate everything first: nothing is written unless all of it is good. */
  if ((rc = read_store(&c)) || (rc = read_json(&c, "pack.json", &c.pack)) ||
      (rc = check_pack_json(&c)) || (rc = check_teams(&c)) ||
      (rc = read_json(&c, "regions.geojson", &c.regions)) || (rc = check_regions(&c)) ||
      (rc = read_json(&c, "departments.json", &c.departments)) || (rc = check_departments(&c)) ||
      (rc = read_json(&c, "entity_types.json", &c.types)) || (rc = check_types(&c)) ||
      (rc = read_json(&c, "metrics.json", &c.metrics)) || (rc = check_metrics(&c)) ||
      (rc = read_json(&c, "sources.json", &c.sources)) || (rc = check_sources(&c)) ||
      (rc = check_entities(&c)) || (rc = read_optional(&c, "matters.json", &c.matters_doc)) ||
      (rc = check_matters(&c)) || (rc = read_optional(&c, "rules.json", &c.rules_doc)) ||
      (rc = check_rules(&c)) || (rc = check_dashboards(&c)) ||
      (rc = read_optional(&c, "cases.json", &c.cases_doc)) || (rc = check_cases(&c)) ||
      (rc = read_optional(&c, "campaigns.json", &c.campaigns_doc)) || (rc = check_campaigns(&c)) ||
      (rc = read_optional(&c, "statuses.json", &c.statuses_doc)) || (rc = check_statuses(&c)))
    goto done;

  if ((rc = store_txn(st, STORE_TXN_BEGIN, e))) goto done;
  rc = write_pack(&c, progress, ud);
  if (!rc) rc = write_dispatch(&c);
  if (!rc) rc = store_txn(st, STORE_TXN_COMMIT, e);
  if (rc) {
    struct zz_err ignored;
    store_txn(st, STORE_TXN_ROLLBACK, &ignored);
    goto done;
  }
  if (out)
    *out = (struct pack_stats){.regions = c.npack_regs,
                               .metrics = (int)json_array_size(c.metrics),
                               .entity_types = (int)json_array_size(c.types),
                               .departments = (int)json_array_size(c.departments),
                               .sources = (int)json_array_size(c.sources),
                               .entities = c.nents};
done:
  ctx_free(&c);
  return rc;
}
