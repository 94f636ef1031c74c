/* ents.c - entity names and attributes for the query engine's answers:
 * read by id for a few, by one paged scan for many, an attribute pulled out
 * of each entity's JSON with a streaming parser (yajl), and the scan cache
 * keyed by the store's catalog version. */
#include "rollup/query.h"

#include <jansson.h>
#include <pthread.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "store/store_registry.h"

/* ---- entity names ---- */

/* Per-id reads below this many entities, one paged scan above. A read by id
 * is a primary-key seek; a scan also walks entities nobody asked for. */
#define ENTS_SEEK_MAX 256
#define ENTS_PAGE 4096

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_ent(const void *a, const void *b) {
  return cmp_i64(&((const struct rollup_ent *)a)->id, &((const struct rollup_ent *)b)->id);
}

const struct rollup_ent *rollup_ents_find(const struct rollup_ents *es, int64_t id) {
  struct rollup_ent key = {.id = id};
  return es->n ? bsearch(&key, es->e, es->n, sizeof key, cmp_ent) : NULL;
}

void rollup_ents_free(struct rollup_ents *es) {
  zz_free(es->e);
  es->e = NULL;
  es->n = 0;
  zz_buf_free(&es->text);
}

struct ents_ctx {
  struct rollup_ents *es;
  const char *attr;
  char needle[80]; /* "\"attr\"": attrs without it need no parse */
  size_t i;        /* scan cursor into es->e */
  int64_t last_id; /* last row seen (next page starts after it) */
  int rows;
  int rc;
};

/* Appends s with its NUL to the text; returns its offset (0 for ""). */
static size_t text_add(struct ents_ctx *c, const char *s, size_t len) {
  if (!s || !len) return 0;
  size_t off = c->es->text.len;
  if (zz_buf_add(&c->es->text, s, len) || zz_buf_addc(&c->es->text, '\0')) {
    c->rc = ZZ_ENOMEM;
    return 0;
  }
  return off;
}

/* Finding one top-level member of attrs_json: yajl's callbacks track the
 * depth and stop the parse at the member's value, so a breakdown reads only
 * the front of each object (jansson would build the whole tree: measured
 * ~5 us an entity against ~0.5 us). */
struct attr_scan {
  struct ents_ctx *c;
  int depth;   /* 1 inside the top-level object */
  int want;    /* the next value at depth 1 is the attribute's */
  int complex; /* its value is an object or array */
  size_t off;
};

static int as_scalar(struct attr_scan *a, const char *s, size_t len) {
  if (a->depth != 1 || !a->want) return 1;
  a->off = text_add(a->c, s, len);
  return 0; /* found: stop the parse */
}

static int as_null(void *ud) {
  struct attr_scan *a = ud;
  return a->depth == 1 && a->want ? 0 : 1;
}
static int as_bool(void *ud, int v) {
  return as_scalar(ud, v ? "true" : "false", v ? 4 : 5);
}
static int as_number(void *ud, const char *s, size_t len) {
  return as_scalar(ud, s, len);
}
static int as_string(void *ud, const unsigned char *s, size_t len) {
  return as_scalar(ud, (const char *)s, len);
}
static int as_open(void *ud) {
  struct attr_scan *a = ud;
  if (a->depth == 1 && a->want) {
    a->complex = 1;
    return 0;
  }
  a->depth++;
  return 1;
}
static int as_close(void *ud) {
  struct attr_scan *a = ud;
  return --a->depth > 0; /* the top-level object ended: stop */
}
static int as_key(void *ud, const unsigned char *k, size_t len) {
  struct attr_scan *a = ud;
  if (a->depth == 1) a->want = len == strlen(a->c->attr) && memcmp(k, a->c->attr, len) == 0;
  return 1;
}

static const yajl_callbacks attr_callbacks = {
    as_null, as_bool, NULL,     NULL,    as_number, as_string,
    as_open, as_key,  as_close, as_open, as_close,
};

/* The attribute's value as text: strings as they are, numbers and booleans
 * as written, objects and arrays as compact JSON (through jansson: rare). */
static size_t attr_text(struct ents_ctx *c, const char *attrs_json) {
  if (!attrs_json || !strstr(attrs_json, c->needle)) return 0;
  struct attr_scan a = {.c = c};
  yajl_handle h = yajl_alloc(&attr_callbacks, NULL, &a);
  if (!h) {
    c->rc = ZZ_ENOMEM;
    return 0;
  }
  yajl_parse(h, (const unsigned char *)attrs_json, strlen(attrs_json));
  yajl_free(h);
  if (!a.complex) return a.off;
  json_t *root = json_loads(attrs_json, 0, NULL);
  json_t *v = json_is_object(root) ? json_object_get(root, c->attr) : NULL;
  char *dump = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  size_t off = dump ? text_add(c, dump, strlen(dump)) : 0;
  zz_free(dump);
  json_decref(root);
  return off;
}

static void ent_fill(struct ents_ctx *c, struct rollup_ent *x, const struct store_entity *en) {
  x->found = 1;
  x->key = text_add(c, en->key, en->key ? strlen(en->key) : 0);
  x->name_zh = text_add(c, en->name_zh, en->name_zh ? strlen(en->name_zh) : 0);
  x->name_en = text_add(c, en->name_en, en->name_en ? strlen(en->name_en) : 0);
  x->attr = c->attr ? attr_text(c, en->attrs_json) : 0;
}

static int ent_seek_row(void *ud, const struct store_entity *en) {
  struct ents_ctx *c = ud;
  struct rollup_ent *x = &c->es->e[c->i];
  if (en->id == x->id) ent_fill(c, x, en);
  return 1;
}

static int ent_scan_row(void *ud, const struct store_entity *en) {
  struct ents_ctx *c = ud;
  struct rollup_ents *es = c->es;
  c->rows++;
  c->last_id = en->id;
  while (c->i < es->n && es->e[c->i].id < en->id) c->i++;
  if (c->i == es->n) return 1;
  if (es->e[c->i].id == en->id) ent_fill(c, &es->e[c->i], en);
  return c->rc != 0;
}

/* ---- the scan cache ----
 * A breakdown by attribute or a long top-N reads every entity of a type in
 * a region and parses an attribute out of each: at 3,000 enterprises that
 * was most of the query's time, yet entities seldom change. So a scan's
 * result (every entity of the type and region, with the attribute) is kept
 * while the store's catalog version stands (it moves whenever an entity,
 * region or series is added or changed), and callers get a copy. */
#define ENTS_CACHE 8

struct ents_slot {
  const struct store *st;
  int64_t version, lo, hi;
  char type[64], attr[64];
  int used;
  uint64_t stamp;
  struct rollup_ents es;
};

static struct {
  pthread_mutex_t lock;
  struct ents_slot slot[ENTS_CACHE];
  uint64_t clock;
} g_ents = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int ents_copy(struct rollup_ents *dst, const struct rollup_ents *src) {
  memset(dst, 0, sizeof *dst);
  zz_buf_init(&dst->text, 0);
  if (zz_buf_add(&dst->text, src->text.data, src->text.len)) return ZZ_ENOMEM;
  dst->e = zz_malloc((src->n ? src->n : 1) * sizeof *dst->e);
  if (!dst->e) {
    zz_buf_free(&dst->text);
    return ZZ_ENOMEM;
  }
  memcpy(dst->e, src->e, src->n * sizeof *dst->e);
  dst->n = src->n;
  return 0;
}

static int ent_all_row(void *ud, const struct store_entity *en) {
  struct ents_ctx *c = ud;
  struct rollup_ents *es = c->es;
  c->rows++;
  c->last_id = en->id;
  if (es->n == c->i) { /* c->i holds the capacity here */
    size_t cap = c->i ? c->i * 2 : 1024;
    struct rollup_ent *p = zz_realloc(es->e, cap * sizeof *p);
    if (!p) {
      c->rc = ZZ_ENOMEM;
      return 1;
    }
    es->e = p;
    c->i = cap;
  }
  struct rollup_ent *x = &es->e[es->n++];
  memset(x, 0, sizeof *x);
  x->id = en->id;
  ent_fill(c, x, en);
  return c->rc != 0;
}

/* Every entity of (type, lo, hi) with attr into out (sorted by id). */
static int ents_scan_all(struct store *st, const char *type, int64_t lo, int64_t hi,
                         const char *attr, struct rollup_ents *out) {
  memset(out, 0, sizeof *out);
  zz_buf_init(&out->text, 0);
  if (zz_buf_addc(&out->text, '\0')) return ZZ_ENOMEM;
  struct ents_ctx c = {.es = out, .attr = attr};
  if (attr) snprintf(c.needle, sizeof c.needle, "\"%s\"", attr);
  struct store_entity_filter f = {.type = type, .rpos_lo = lo, .rpos_hi = hi, .limit = ENTS_PAGE};
  int rc;
  do {
    f.after_id = c.last_id;
    c.rows = 0;
    rc = store_entities_each(st, &f, ent_all_row, &c);
  } while (!rc && !c.rc && c.rows == ENTS_PAGE);
  if (!rc) rc = c.rc;
  if (rc) rollup_ents_free(out);
  return rc;
}

/* A copy of the cached scan of (type, lo, hi, attr) into out, reading it
 * first when missing. Returns 0, 1 when the cache cannot hold this key (the
 * caller reads without it), or an error. */
static int ents_cached(struct store *st, const char *type, int64_t lo, int64_t hi, const char *attr,
                       struct rollup_ents *out) {
  const char *t = type ? type : "", *a = attr ? attr : "";
  if (strlen(t) >= 64 || strlen(a) >= 64) return 1;
  int64_t version = store_catalog_version(st);
  if (version < 0) return 1;
  pthread_mutex_lock(&g_ents.lock);
  for (int i = 0; i < ENTS_CACHE; i++) {
    struct ents_slot *x = &g_ents.slot[i];
    if (x->used && x->st == st && x->version == version && x->lo == lo && x->hi == hi &&
        strcmp(x->type, t) == 0 && strcmp(x->attr, a) == 0) {
      x->stamp = ++g_ents.clock;
      int rc = ents_copy(out, &x->es);
      pthread_mutex_unlock(&g_ents.lock);
      return rc;
    }
  }
  pthread_mutex_unlock(&g_ents.lock);
  struct rollup_ents fresh;
  int rc = ents_scan_all(st, type, lo, hi, attr, &fresh);
  if (rc) return rc;
  if ((rc = ents_copy(out, &fresh))) {
    rollup_ents_free(&fresh);
    return rc;
  }
  /* Keep it in the least recently used slot (a racing reader may have
   * stored the same scan meanwhile: both copies are right). */
  pthread_mutex_lock(&g_ents.lock);
  struct ents_slot *lru = &g_ents.slot[0];
  for (int i = 1; i < ENTS_CACHE; i++)
    if (!g_ents.slot[i].used || (lru->used && g_ents.slot[i].stamp < lru->stamp))
      lru = &g_ents.slot[i];
  if (lru->used) rollup_ents_free(&lru->es);
  *lru = (struct ents_slot){.st = st,
                            .version = version,
                            .lo = lo,
                            .hi = hi,
                            .used = 1,
                            .stamp = ++g_ents.clock,
                            .es = fresh};
  zz_strlcpy(lru->type, t, sizeof lru->type);
  zz_strlcpy(lru->attr, a, sizeof lru->attr);
  pthread_mutex_unlock(&g_ents.lock);
  return 0;
}

void rollup_ents_cache_clear(void) {
  pthread_mutex_lock(&g_ents.lock);
  for (int i = 0; i < ENTS_CACHE; i++) {
    if (g_ents.slot[i].used) rollup_ents_free(&g_ents.slot[i].es);
    g_ents.slot[i].used = 0;
  }
  pthread_mutex_unlock(&g_ents.lock);
}

int rollup_ents_fetch(struct store *st, const int64_t *ids, size_t n, const char *type, int64_t lo,
                      int64_t hi, const char *attr, struct rollup_ents *out) {
  /* Many ids: the cached scan of the whole (type, region) serves them. */
  if (n > ENTS_SEEK_MAX) {
    int rc = ents_cached(st, type, lo, hi, attr, out);
    if (rc <= 0) return rc;
  }
  memset(out, 0, sizeof *out);
  zz_buf_init(&out->text, 0);
  if (zz_buf_addc(&out->text, '\0')) return ZZ_ENOMEM; /* offset 0 is "" */
  if (n == 0) return 0;
  out->e = zz_calloc(n, sizeof *out->e);
  if (!out->e) return ZZ_ENOMEM;
  for (size_t i = 0; i < n; i++) out->e[i].id = ids[i];
  if (n) qsort(out->e, n, sizeof *out->e, cmp_ent);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || out->e[u - 1].id != out->e[i].id) out->e[u++] = out->e[i];
  out->n = u;

  struct ents_ctx c = {.es = out, .attr = attr};
  if (attr) snprintf(c.needle, sizeof c.needle, "\"%s\"", attr);
  int rc = 0;
  if (u <= ENTS_SEEK_MAX) {
    for (c.i = 0; c.i < u && !rc && !c.rc; c.i++) {
      struct store_entity_filter f = {.after_id = out->e[c.i].id - 1, .limit = 1};
      rc = store_entities_each(st, &f, ent_seek_row, &c);
    }
  } else {
    struct store_entity_filter f = {.type = type, .rpos_lo = lo, .rpos_hi = hi, .limit = ENTS_PAGE};
    c.last_id = out->e[0].id - 1;
    do {
      f.after_id = c.last_id;
      c.rows = 0;
      rc = store_entities_each(st, &f, ent_scan_row, &c);
    } while (!rc && !c.rc && c.rows == ENTS_PAGE && c.i < u);
  }
  return rc ? rc : c.rc;
}
