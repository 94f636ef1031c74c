/* registry.c - the in-memory registry: regions with their DFS intervals,
 * metrics, entity types, sources and the entity key map. Readers take the
 * rwlock shared; reloads and entity writes take it exclusive. DFS numbering
 * is pre-order from 1, children in region id order (pack insertion order),
 * the same rule the pack loader uses. */
#include "model/registry.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "core/hash.h"
#include "core/msg.h"
#include "store/store.h"
#include "store/store_registry.h"

struct ent_slot {
  char *key; /* owned */
  struct reg_entity_ref ref;
};

struct src_ent {
  int64_t id;
  char *key;
  struct reg_source decl;
};

/* What the pack says of an entity type beyond its name: the attributes it
 * declares personal (entity_types.json) and the departments that supervise
 * its entities (campaigns.json), each a list "|a|b|" (NULL: none), so that
 * a lookup is one strstr. */
struct type_priv {
  char *type, *personal, *departments;
};

struct registry {
  struct store *st;
  int64_t *saved; /* per region: lo, hi as the store has them */
  pthread_rwlock_t lock;
  struct reg_region *regions; /* sorted by id */
  int nregions;
  struct reg_metric *metrics;
  int nmetrics;
  char **types;
  int ntypes;
  struct src_ent *sources;
  int nsources;
  struct zz_map ents;      /* of struct ent_slot, by key */
  struct type_priv *privs; /* the types with personal attributes or supervisors */
  int nprivs;
};

static void ent_slot_free(void *p) {
  zz_free(((struct ent_slot *)p)->key);
}

static char *dup_or_empty(const char *s) {
  return zz_xstrdup(s ? s : "");
}

static void clear_all(struct registry *reg) {
  for (int i = 0; i < reg->nregions; i++) {
    struct reg_region *r = &reg->regions[i];
    zz_free(r->path), zz_free(r->name_zh), zz_free(r->name_en), zz_free(r->level),
        zz_free(r->children);
  }
  zz_free(reg->regions);
  zz_free(reg->saved);
  reg->saved = NULL;
  reg->regions = NULL;
  reg->nregions = 0;
  for (int i = 0; i < reg->nmetrics; i++) {
    struct reg_metric *m = &reg->metrics[i];
    zz_free(m->key), zz_free(m->name_zh), zz_free(m->name_en), zz_free(m->unit), zz_free(m->agg);
    zz_free(m->entity_type), zz_free(m->kind), zz_free(m->states);
  }
  zz_free(reg->metrics);
  reg->metrics = NULL;
  reg->nmetrics = 0;
  for (int i = 0; i < reg->ntypes; i++) zz_free(reg->types[i]);
  zz_free(reg->types);
  reg->types = NULL;
  reg->ntypes = 0;
  for (int i = 0; i < reg->nsources; i++) {
    struct reg_source *d = &reg->sources[i].decl;
    zz_free(reg->sources[i].key), zz_free(d->metrics), zz_free(d->types), zz_free(d->regions);
  }
  zz_free(reg->sources);
  reg->sources = NULL;
  reg->nsources = 0;
  zz_map_free(&reg->ents);
  for (int i = 0; i < reg->nprivs; i++)
    zz_free(reg->privs[i].type), zz_free(reg->privs[i].personal),
        zz_free(reg->privs[i].departments);
  zz_free(reg->privs);
  reg->privs = NULL;
  reg->nprivs = 0;
}

/* ---- loading ---- */

struct tmp_region {
  struct reg_region r;
  int64_t saved_lo, saved_hi; /* as the store has them */
  char *parent_path;
};

struct load_ctx {
  struct registry *reg;
  struct tmp_region *tr;
  int n, cap;
  int failed;
};

static int on_region(void *ud, const struct store_region *r) {
  struct load_ctx *c = ud;
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 32;
    struct tmp_region *p = zz_realloc(c->tr, (size_t)c->cap * sizeof *p);
    if (!p) return c->failed = 1;
    c->tr = p;
  }
  struct tmp_region *t = &c->tr[c->n++];
  memset(t, 0, sizeof *t);
  t->r.id = r->id;
  t->r.path = dup_or_empty(r->path);
  t->r.name_zh = dup_or_empty(r->name_zh);
  t->r.name_en = dup_or_empty(r->name_en);
  t->r.level = dup_or_empty(r->level);
  t->r.lon = r->lon;
  t->r.lat = r->lat;
  t->r.approximate = r->approximate;
  t->saved_lo = r->lo;
  t->saved_hi = r->hi;
  t->r.parent = -1;
  t->parent_path = r->parent_path ? zz_xstrdup(r->parent_path) : NULL;
  return 0;
}

static int find_path(struct registry *reg, const char *path) {
  for (int i = 0; i < reg->nregions; i++)
    if (strcmp(reg->regions[i].path, path) == 0) return i;
  return -1;
}

static void number(struct registry *reg, int i, int64_t *next) {
  struct reg_region *r = &reg->regions[i];
  r->lo = (*next)++;
  for (int k = 0; k < r->nchildren; k++) number(reg, r->children[k], next);
  r->hi = *next - 1;
}

/* Fills m's states from the stored JSON (the pack checked it); 1 when out
 * of memory. */
static int states_parse(struct reg_metric *m, const char *text) {
  if (!text) return 0;
  json_t *a = json_loads(text, 0, NULL);
  size_t n = json_array_size(a);
  if (n > REG_STATES_MAX) n = REG_STATES_MAX;
  if (n && !(m->states = zz_calloc(n, sizeof *m->states))) {
    json_decref(a);
    return 1;
  }
  for (size_t i = 0; i < n; i++) {
    const json_t *o = json_array_get(a, i);
    const char *zh = json_string_value(json_object_get(o, "name_zh"));
    const char *en = json_string_value(json_object_get(o, "name_en"));
    struct reg_state *st = &m->states[m->nstates++];
    st->value = json_number_value(json_object_get(o, "value"));
    zz_strlcpy(st->name_zh, zh ? zh : "", sizeof st->name_zh);
    zz_strlcpy(st->name_en, en ? en : (zh ? zh : ""), sizeof st->name_en);
  }
  json_decref(a);
  return 0;
}

static int on_metric(void *ud, const struct store_metric *m) {
  struct registry *reg = ud;
  struct reg_metric *p = zz_realloc(reg->metrics, (size_t)(reg->nmetrics + 1) * sizeof *p);
  if (!p) return 1;
  reg->metrics = p;
  p[reg->nmetrics++] = (struct reg_metric){.id = m->id,
                                           .key = dup_or_empty(m->key),
                                           .name_zh = dup_or_empty(m->name_zh),
                                           .name_en = dup_or_empty(m->name_en),
                                           .unit = dup_or_empty(m->unit),
                                           .agg = dup_or_empty(m->agg),
                                           .entity_type = dup_or_empty(m->entity_type),
                                           .kind = dup_or_empty(m->kind),
                                           .min = m->has_min ? m->min : -REG_VALUE_BOUND,
                                           .max = m->has_max ? m->max : REG_VALUE_BOUND};
  return states_parse(&p[reg->nmetrics - 1], m->states_json);
}

const struct reg_state *reg_metric_state(const struct reg_metric *m, double v) {
  for (int i = 0; m && i < m->nstates; i++)
    if (m->states[i].value == v) return &m->states[i];
  return NULL;
}

static int add_type(struct registry *reg, const char *name) {
  for (int i = 0; i < reg->ntypes; i++)
    if (strcmp(reg->types[i], name) == 0) return i;
  char **p = zz_realloc(reg->types, (size_t)(reg->ntypes + 1) * sizeof *p);
  if (!p) return -1;
  reg->types = p;
  p[reg->ntypes] = zz_xstrdup(name);
  return reg->ntypes++;
}

/* ---- personal attributes and supervising departments ---- */

static struct type_priv *priv_of(struct registry *reg, const char *type) {
  for (int i = 0; i < reg->nprivs; i++)
    if (strcmp(reg->privs[i].type, type) == 0) return &reg->privs[i];
  return NULL;
}

/* 1 when list ("|a|b|" or NULL) holds item. */
static int bar_has(const char *list, const char *item) {
  if (!list || !*item || strchr(item, '|')) return 0;
  size_t n = strlen(item);
  for (const char *p = strstr(list, item); p; p = strstr(p + 1, item))
    if (p[-1] == '|' && p[n] == '|') return 1;
  return 0;
}

/* Adds item to list (once). 0 or ZZ_ENOMEM. */
static int bar_add(char **list, const char *item) {
  if (!*item || strchr(item, '|') || bar_has(*list, item)) return 0;
  size_t had = *list ? strlen(*list) : 1, n = strlen(item);
  char *p = zz_realloc(*list, had + n + 2);
  if (!p) return ZZ_ENOMEM;
  if (!*list) p[0] = '|';
  memcpy(p + had, item, n);
  p[had + n] = '|';
  p[had + n + 1] = '\0';
  *list = p;
  return 0;
}

/* Adds item to the personal (personal 1) or departments list of type. */
static int priv_add(struct registry *reg, const char *type, int personal, const char *item) {
  struct type_priv *t = priv_of(reg, type);
  if (!t) {
    struct type_priv *p = zz_realloc(reg->privs, (size_t)(reg->nprivs + 1) * sizeof *p);
    if (!p) return ZZ_ENOMEM;
    reg->privs = p;
    t = &p[reg->nprivs];
    *t = (struct type_priv){zz_strdup(type), NULL, NULL};
    if (!t->type) return ZZ_ENOMEM;
    reg->nprivs++;
  }
  return bar_add(personal ? &t->personal : &t->departments, item);
}

static int on_type(void *ud, const struct store_named *n) {
  struct registry *reg = ud;
  if (add_type(reg, n->key) < 0) return 1;
  /* the attributes the pack declares "personal": true */
  json_t *x = n->extra_json ? json_loads(n->extra_json, 0, NULL) : NULL;
  json_t *attrs = json_object_get(x, "attrs");
  int rc = 0;
  for (size_t i = 0; i < json_array_size(attrs) && !rc; i++) {
    json_t *a = json_array_get(attrs, i);
    const char *id = json_string_value(json_object_get(a, "id"));
    if (id && json_is_true(json_object_get(a, "personal"))) rc = priv_add(reg, n->key, 1, id);
  }
  json_decref(x);
  return rc != 0;
}

/* The department of o supervises each entity type listed in o[key]. */
static int supervise(struct registry *reg, const json_t *o, const json_t *types) {
  const char *dept = json_string_value(json_object_get(o, "department"));
  int rc = 0;
  for (size_t i = 0; dept && i < json_array_size(types) && !rc; i++) {
    const char *t = json_string_value(json_array_get(types, i));
    if (t) rc = priv_add(reg, t, 0, dept);
  }
  return rc;
}

/* campaigns.json as the pack stored it: a campaign's department supervises
 * its participants' and members' types, a checklist's department the types
 * it inspects. */
static int on_campaigns(void *ud, const char *text) {
  struct registry *reg = ud;
  json_t *doc = json_loads(text, 0, NULL);
  json_t *cls = json_object_get(doc, "checklists"), *cps = json_object_get(doc, "campaigns");
  int rc = 0;
  for (size_t i = 0; i < json_array_size(cls) && !rc; i++) {
    json_t *c = json_array_get(cls, i);
    rc = supervise(reg, c, json_object_get(c, "entity_types"));
  }
  for (size_t i = 0; i < json_array_size(cps) && !rc; i++) {
    json_t *c = json_array_get(cps, i);
    rc = supervise(reg, c, json_object_get(json_object_get(c, "participants"), "entity_types"));
    if (!rc) rc = supervise(reg, c, json_object_get(json_object_get(c, "members"), "entity_types"));
  }
  json_decref(doc);
  return rc;
}

/* Parses a JSON array of strings; calls fn for each; -1 when text is NULL
 * (nothing declared), else the count of strings fn accepted (1 returned). */
static int each_string(const char *text, int (*fn)(void *ud, const char *s), void *ud) {
  if (!text) return -1;
  json_t *a = json_loads(text, 0, NULL);
  int n = 0;
  for (size_t i = 0; i < json_array_size(a); i++) {
    const char *v = json_string_value(json_array_get(a, i));
    if (v) n += fn(ud, v);
  }
  json_decref(a);
  return n;
}

struct decl_ctx {
  struct registry *reg;
  struct reg_source *d;
};

static int decl_metric(void *ud, const char *key) {
  struct decl_ctx *c = ud;
  const struct reg_metric *m = registry_metric(c->reg, key, strlen(key));
  if (!m) return 0; /* the pack checked it; a store edited by hand declares less */
  int64_t *p = zz_realloc(c->d->metrics, (size_t)(c->d->nmetrics + 1) * sizeof *p);
  if (!p) return 0;
  c->d->metrics = p;
  p[c->d->nmetrics++] = m->id;
  return 1;
}

static int decl_type(void *ud, const char *key) {
  struct decl_ctx *c = ud;
  int t = registry_type_index(c->reg, key);
  int *p = t >= 0 ? zz_realloc(c->d->types, (size_t)(c->d->ntypes + 1) * sizeof *p) : NULL;
  if (!p) return 0;
  c->d->types = p;
  p[c->d->ntypes++] = t;
  return 1;
}

static int decl_region(void *ud, const char *path) {
  struct decl_ctx *c = ud;
  int i = find_path(c->reg, path);
  int64_t *p =
      i >= 0 ? zz_realloc(c->d->regions, (size_t)(c->d->nregions + 1) * 2 * sizeof *p) : NULL;
  if (!p) return 0;
  c->d->regions = p;
  p[2 * c->d->nregions] = c->reg->regions[i].lo;
  p[2 * c->d->nregions + 1] = c->reg->regions[i].hi;
  c->d->nregions++;
  return 1;
}

static int on_source(void *ud, const struct store_source *s) {
  struct registry *reg = ud;
  struct src_ent *p = zz_realloc(reg->sources, (size_t)(reg->nsources + 1) * sizeof *p);
  if (!p) return 1;
  reg->sources = p;
  struct src_ent *se = &p[reg->nsources++];
  *se = (struct src_ent){s->id, dup_or_empty(s->key), {0}};
  /* metrics: always declared (an empty list writes no record); types and
   * regions: any when absent */
  struct decl_ctx c = {reg, &se->decl};
  se->decl.id = s->id;
  se->decl.key = se->key;
  each_string(s->metrics_json ? s->metrics_json : "[]", decl_metric, &c);
  se->decl.ntypes = each_string(s->entity_types_json, decl_type, &c);
  se->decl.nregions = each_string(s->regions_json, decl_region, &c);
  if (se->decl.ntypes < 0) se->decl.ntypes = -1;
  if (se->decl.nregions < 0) se->decl.nregions = -1;
  return 0;
}

static int ents_put(struct registry *reg, const char *key, struct reg_entity_ref ref) {
  if (!zz_map_cap(&reg->ents) && zz_map_reserve(&reg->ents, 8192)) return ZZ_ENOMEM;
  int added;
  struct ent_slot *x = zz_map_put(&reg->ents, key, &added);
  if (!x) return ZZ_ENOMEM;
  if (added && !(x->key = zz_strdup(key))) {
    zz_map_remove(&reg->ents, x);
    return ZZ_ENOMEM;
  }
  x->ref = ref;
  return 0;
}

static int on_entity(void *ud, const struct store_entity *en) {
  struct registry *reg = ud;
  int t = add_type(reg, en->type ? en->type : "");
  if (t < 0) return 1;
  return ents_put(reg, en->key, (struct reg_entity_ref){en->id, en->region, t}) != 0;
}

static int cmp_tmp(const void *a, const void *b) {
  int64_t x = ((const struct tmp_region *)a)->r.id, y = ((const struct tmp_region *)b)->r.id;
  return x < y ? -1 : x > y;
}

/* Loads everything into reg (already cleared). Caller holds the write lock. */
static int load(struct registry *reg, struct zz_err *e) {
  struct load_ctx c = {.reg = reg};
  int rc = store_regions_each(reg->st, 0, on_region, &c);
  if (rc || c.failed) {
    for (int i = 0; i < c.n; i++) zz_free(c.tr[i].parent_path);
    zz_free(c.tr);
    return zz_fail(e, rc ? rc : ZZ_ENOMEM, "regions", "cannot load regions");
  }
  if (c.n) qsort(c.tr, (size_t)c.n, sizeof *c.tr, cmp_tmp);
  reg->regions = zz_xcalloc((size_t)(c.n ? c.n : 1), sizeof *reg->regions);
  reg->nregions = c.n;
  reg->saved = zz_xcalloc((size_t)(c.n ? c.n : 1) * 2, sizeof *reg->saved);
  for (int i = 0; i < c.n; i++) {
    reg->regions[i] = c.tr[i].r;
    reg->saved[2 * i] = c.tr[i].saved_lo;
    reg->saved[2 * i + 1] = c.tr[i].saved_hi;
  }
  for (int i = 0; i < c.n; i++) {
    if (!c.tr[i].parent_path) continue;
    int p = find_path(reg, c.tr[i].parent_path);
    reg->regions[i].parent = p;
    if (p < 0) continue;
    struct reg_region *pr = &reg->regions[p];
    pr->children = zz_realloc(pr->children, (size_t)(pr->nchildren + 1) * sizeof(int));
    ZZ_ASSERT(pr->children);
    pr->children[pr->nchildren++] = i;
  }
  for (int i = 0; i < c.n; i++) zz_free(c.tr[i].parent_path);
  zz_free(c.tr);
  int64_t next = 1;
  for (int i = 0; i < reg->nregions; i++)
    if (reg->regions[i].parent < 0) number(reg, i, &next);
  if ((rc = store_metrics_each(reg->st, on_metric, reg)) ||
      (rc = store_named_each(reg->st, "entity_type", on_type, reg)) ||
      ((rc = store_doc_get(reg->st, "campaigns", on_campaigns, reg)) && rc != ZZ_ENOTFOUND) ||
      (rc = store_sources_each(reg->st, on_source, reg)) ||
      (rc = store_entities_scan(reg->st, on_entity, reg))) {
    struct zz_err inner;
    zz_fail_pair(&inner, rc, "registry", zz_strerror(rc), zz_strerror_zh(rc));
    return zz_err_wrap(e, &inner, "cannot load the registry: ", "无法加载基础数据：");
  }
  return 0;
}

/* Writes the DFS positions that differ from what the store has (a pack
 * load or a new region moves them; a plain start changes nothing and writes
 * nothing), with the rpos of the entities of each moved region. */
static int save_positions(struct registry *reg, struct zz_err *e) {
  struct store *st = reg->st;
  int changed = 0;
  for (int i = 0; i < reg->nregions; i++)
    changed +=
        reg->regions[i].lo != reg->saved[2 * i] || reg->regions[i].hi != reg->saved[2 * i + 1];
  if (!changed) return 0;
  int rc = store_txn(st, STORE_TXN_BEGIN, e);
  if (rc) return rc;
  for (int i = 0; i < reg->nregions && !rc; i++) {
    struct reg_region *r = &reg->regions[i];
    if (r->lo == reg->saved[2 * i] && r->hi == reg->saved[2 * i + 1]) continue;
    rc = store_region_set_pos(st, r->id, r->lo, r->hi, e);
    if (!rc) rc = store_entities_set_rpos(st, r->id, r->lo);
  }
  if (rc) {
    store_txn(st, STORE_TXN_ROLLBACK, NULL);
    return rc;
  }
  if ((rc = store_txn(st, STORE_TXN_COMMIT, e))) return rc;
  for (int i = 0; i < reg->nregions; i++) {
    reg->saved[2 * i] = reg->regions[i].lo;
    reg->saved[2 * i + 1] = reg->regions[i].hi;
  }
  return 0;
}

int registry_open(struct store *st, struct registry **out, struct zz_err *e) {
  struct registry *reg = zz_calloc(1, sizeof *reg);
  if (!reg) return zz_fail(e, ZZ_ENOMEM, "registry", "out of memory");
  reg->st = st;
  zz_map_init(&reg->ents, sizeof(struct ent_slot), ZZ_MAP_STR, ent_slot_free);
  pthread_rwlock_init(&reg->lock, NULL);
  int rc = load(reg, e);
  if (!rc) rc = save_positions(reg, e);
  if (rc) {
    registry_free(reg);
    return rc;
  }
  *out = reg;
  return 0;
}

void registry_free(struct registry *reg) {
  if (!reg) return;
  clear_all(reg);
  pthread_rwlock_destroy(&reg->lock);
  zz_free(reg);
}

int registry_reload(struct registry *reg, struct zz_err *e) {
  pthread_rwlock_wrlock(&reg->lock);
  clear_all(reg);
  int rc = load(reg, e);
  if (!rc) rc = save_positions(reg, e);
  pthread_rwlock_unlock(&reg->lock);
  return rc;
}

void registry_rdlock(struct registry *reg) {
  pthread_rwlock_rdlock(&reg->lock);
}

void registry_unlock(struct registry *reg) {
  pthread_rwlock_unlock(&reg->lock);
}

const struct reg_region *registry_region(struct registry *reg, const char *path) {
  int i = path ? find_path(reg, path) : -1;
  return i < 0 ? NULL : &reg->regions[i];
}

static int cmp_region_id(const void *k, const void *r) {
  int64_t a = *(const int64_t *)k, b = ((const struct reg_region *)r)->id;
  return a < b ? -1 : a > b;
}

const struct reg_region *registry_region_by_id(struct registry *reg, int64_t id) {
  return bsearch(&id, reg->regions, (size_t)reg->nregions, sizeof *reg->regions, cmp_region_id);
}

int registry_path_of(struct registry *reg, int64_t id, char *out, size_t cap) {
  registry_rdlock(reg);
  const struct reg_region *rg = registry_region_by_id(reg, id);
  zz_strlcpy(out, rg ? rg->path : "", cap);
  registry_unlock(reg);
  return rg != NULL;
}

const struct reg_region *registry_region_at(struct registry *reg, int index) {
  return index >= 0 && index < reg->nregions ? &reg->regions[index] : NULL;
}

int registry_region_count(struct registry *reg) {
  return reg->nregions;
}

const struct reg_metric *registry_metric(struct registry *reg, const char *key, size_t len) {
  for (int i = 0; i < reg->nmetrics; i++)
    if (strlen(reg->metrics[i].key) == len && memcmp(reg->metrics[i].key, key, len) == 0)
      return &reg->metrics[i];
  return NULL;
}

const struct reg_metric *registry_metric_by_id(struct registry *reg, int64_t id) {
  for (int i = 0; i < reg->nmetrics; i++)
    if (reg->metrics[i].id == id) return &reg->metrics[i];
  return NULL;
}

int registry_metric_count(struct registry *reg) {
  return reg->nmetrics;
}

const struct reg_metric *registry_metric_at(struct registry *reg, int index) {
  return index >= 0 && index < reg->nmetrics ? &reg->metrics[index] : NULL;
}

const struct reg_entity_ref *registry_entity(struct registry *reg, const char *key, size_t len) {
  const struct ent_slot *x = zz_map_get_n(&reg->ents, key, len);
  return x ? &x->ref : NULL;
}

const char *registry_type_name(struct registry *reg, int type) {
  return type >= 0 && type < reg->ntypes ? reg->types[type] : "";
}

int registry_type_index(struct registry *reg, const char *name) {
  for (int i = 0; i < reg->ntypes; i++)
    if (strcmp(reg->types[i], name) == 0) return i;
  return -1;
}

int64_t registry_source_id(struct registry *reg, const char *key) {
  for (int i = 0; i < reg->nsources; i++)
    if (strcmp(reg->sources[i].key, key) == 0) return reg->sources[i].id;
  return 0;
}

const struct reg_source *registry_source(struct registry *reg, int64_t id) {
  for (int i = 0; i < reg->nsources; i++)
    if (reg->sources[i].id == id) return &reg->sources[i].decl;
  return NULL;
}

int registry_source_may_write(struct registry *reg, const struct reg_source *src,
                              const struct reg_entity_ref *ent, const struct reg_metric *m) {
  if (m) {
    int ok = 0;
    for (int i = 0; i < src->nmetrics && !ok; i++) ok = src->metrics[i] == m->id;
    if (!ok) return REG_NOT_DECLARED_METRIC;
  }
  if (src->ntypes >= 0) {
    int ok = 0;
    for (int i = 0; i < src->ntypes && !ok; i++) ok = src->types[i] == ent->type;
    if (!ok) return REG_NOT_DECLARED_ENTITY;
  }
  if (src->nregions >= 0) {
    const struct reg_region *r = registry_region_by_id(reg, ent->region);
    int ok = 0;
    for (int i = 0; r && i < src->nregions && !ok; i++)
      ok = r->lo >= src->regions[2 * i] && r->lo <= src->regions[2 * i + 1];
    if (!ok) return REG_NOT_DECLARED_ENTITY;
  }
  return 0;
}

int registry_region_within(const struct reg_region *r, const struct reg_region *anc) {
  return r->lo >= anc->lo && r->lo <= anc->hi;
}

int registry_entity_put(struct registry *reg, const struct store_entity *en,
                        const char *region_path, int64_t *out_id, struct zz_err *e) {
  pthread_rwlock_wrlock(&reg->lock);
  int rc = 0;
  const struct reg_region *r = registry_region(reg, region_path);
  if (!r) {
    rc = zz_fail(e, ZZ_EINVAL, "region", "region \"%s\" does not exist",
                 region_path ? region_path : "");
    goto done;
  }
  int t = registry_type_index(reg, en->type ? en->type : "");
  if (t < 0) {
    rc = zz_fail(e, ZZ_EINVAL, "type", "entity type \"%s\" does not exist",
                 en->type ? en->type : "");
    goto done;
  }
  struct store_entity copy = *en;
  copy.region = r->id;
  int64_t id = 0;
  rc = store_entity_upsert(reg->st, &copy, r->lo, &id, e);
  if (rc) goto done;
  rc = ents_put(reg, en->key, (struct reg_entity_ref){id, r->id, t});
  if (rc) {
    zz_fail(e, rc, "entity", "out of memory");
    goto done;
  }
  if (out_id) *out_id = id;
done:
  pthread_rwlock_unlock(&reg->lock);
  return rc;
}

const char *registry_type_personal(struct registry *reg, const char *type) {
  const struct type_priv *t = type ? priv_of(reg, type) : NULL;
  return t ? t->personal : NULL;
}

int registry_attr_personal(struct registry *reg, const char *type, const char *attr) {
  if (type) return bar_has(registry_type_personal(reg, type), attr);
  for (int i = 0; i < reg->nprivs; i++)
    if (bar_has(reg->privs[i].personal, attr)) return 1;
  return 0;
}

int registry_type_supervised_by(struct registry *reg, const char *type, const char *department) {
  const struct type_priv *t = type ? priv_of(reg, type) : NULL;
  return t && department && *department && bar_has(t->departments, department);
}

int registry_attrs_masked(struct registry *reg, const char *type, const char *attrs_json,
                          char **out) {
  *out = NULL;
  const char *personal = registry_type_personal(reg, type);
  if (!personal || !attrs_json) return 0;
  json_t *attrs = json_loads(attrs_json, 0, NULL);
  if (!json_is_object(attrs)) {
    json_decref(attrs);
    return 0;
  }
  int changed = 0, rc = 0;
  const char *k;
  json_t *v;
  json_object_foreach(attrs, k, v) {
    if (!bar_has(personal, k) || json_is_null(v)) continue;
    char m[ZZ_MASK_MAX];
    /* a value that is not text (a number, an object) says nothing masked */
    if (json_is_string(v)) zz_mask_personal(json_string_value(v), m, sizeof m);
    if (json_object_set_new(attrs, k, json_is_string(v) ? json_string(m) : json_null())) {
      rc = ZZ_ENOMEM;
      break;
    }
    changed = 1;
  }
  if (!rc && changed && !(*out = json_dumps(attrs, JSON_COMPACT))) rc = ZZ_ENOMEM;
  json_decref(attrs);
  return rc;
}
