/* hash.c - FNV-1a and the open-addressing map of hash.h. A slot is the
 * key's full 64-bit hash followed by the entry, in one array: a probe
 * compares hashes and reads an entry's key only when its hash matches, and
 * a found entry is in the cache lines the probe already read (a separate
 * hash array would cost a second miss on big tables). 0 and 1 mark empty
 * and deleted slots. */
#include "core/hash.h"

#include <string.h>

#include "core/zz.h"

#define MAP_EMPTY 0
#define MAP_DEAD 1
#define MAP_MIN_CAP 16

uint64_t zz_hash_more(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * ZZ_FNV_PRIME;
  return h;
}

uint64_t zz_hash_bytes(const void *p, size_t n) {
  return zz_hash_more(ZZ_FNV_OFFSET, p, n);
}

uint64_t zz_hash_str(const char *s) {
  uint64_t h = ZZ_FNV_OFFSET;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * ZZ_FNV_PRIME;
  return h;
}

/* ---- the map ---- */

/* The slot hash of a key: FNV-1a for text and odd-sized keys, words for
 * keys of whole 64-bit words (below), then mixed so the low bits that pick
 * a slot depend on every byte (FNV-1a's lowest k bits depend only on the
 * lowest k bits of each byte). Never MAP_EMPTY or MAP_DEAD. */
static uint64_t slot_hash(uint64_t h) {
  h = zz_hash_u64(h);
  return h > MAP_DEAD ? h : h + 2;
}

/* Keys of whole 64-bit words (ids, tuples of ids) are the hot ones (the
 * writer's rollup cells, one look-up per record): each word is multiplied
 * by its own odd constant, independently of the others so the multiplies
 * overlap, and the sum mixed once. */
static const uint64_t word_mul[4] = {0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL,
                                     0x165667b19e3779f9ULL, 0xd6e8feb86659fd93ULL};

static inline uint64_t words_hash(const unsigned char *b, size_t n) {
  uint64_t h = n;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t w;
    memcpy(&w, b + i, 8);
    h += (w ^ (i >> 3)) * word_mul[(i >> 3) & 3];
    if ((i >> 3) % 4 == 3 && i + 8 < n) h = zz_hash_u64(h);
  }
  h = zz_hash_u64(h);
  return h > MAP_DEAD ? h : h + 2;
}

static inline int words_eq(const unsigned char *x, const unsigned char *y, size_t n) {
  uint64_t diff = 0;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t a, b;
    memcpy(&a, x + i, 8);
    memcpy(&b, y + i, 8);
    diff |= a ^ b;
  }
  return diff == 0;
}

/* The common sizes (an id, two, four) get code unrolled for their size. */
static inline __attribute__((always_inline)) uint64_t key_hash(const struct zz_map *m,
                                                               const void *key) {
  switch (m->ksize) {
  case ZZ_MAP_STR:
    return slot_hash(zz_hash_str(key));
  case 8:
    return words_hash(key, 8);
  case 16:
    return words_hash(key, 16);
  case 32:
    return words_hash(key, 32);
  default:
    return m->ksize % 8 == 0 ? words_hash(key, m->ksize) : slot_hash(zz_hash_bytes(key, m->ksize));
  }
}

static uint64_t *hash_at(const struct zz_map *m, size_t i) {
  return (uint64_t *)(void *)(m->slots + i * m->stride);
}

static unsigned char *entry_at(const struct zz_map *m, size_t i) {
  return m->slots + i * m->stride + sizeof(uint64_t);
}

static const char *entry_str(const unsigned char *e) {
  const char *s;
  memcpy(&s, e, sizeof s);
  return s;
}

/* Does the entry in slot i hold key (len: the string key's length)? */
static inline __attribute__((always_inline)) int key_eq(const struct zz_map *m, size_t i,
                                                        const void *key, size_t len) {
  const unsigned char *e = entry_at(m, i);
  switch (m->ksize) { /* no call to memcmp for the common sizes */
  case 8:
    return words_eq(e, key, 8);
  case 16:
    return words_eq(e, key, 16);
  case 32:
    return words_eq(e, key, 32);
  }
  if (m->ksize != ZZ_MAP_STR) return memcmp(e, key, m->ksize) == 0;
  /* Reached only when the 64-bit hashes match, so s is the key's length
   * but with a chance of 2^-64 (then memcmp may read past a shorter s). */
  const char *s = entry_str(e);
  return memcmp(s, key, len) == 0 && s[len] == '\0';
}

/* The slot holding key, or, when absent, (size_t)-1 with *free_slot set to
 * where it would go (the first deleted slot on its path, else the empty slot
 * that ended it). */
static inline __attribute__((always_inline)) size_t
find(const struct zz_map *m, uint64_t h, const void *key, size_t len, size_t *free_slot) {
  size_t mask = m->cap - 1, reuse = (size_t)-1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint64_t x = *hash_at(m, i);
    if (x == MAP_EMPTY) {
      if (free_slot) *free_slot = reuse != (size_t)-1 ? reuse : i;
      return (size_t)-1;
    }
    if (x == MAP_DEAD) {
      if (reuse == (size_t)-1) reuse = i;
    } else if (x == h && key_eq(m, i, key, len)) {
      return i;
    }
  }
}

/* Moves every live entry into a table of cap slots (no deleted ones). */
static int rehash(struct zz_map *m, size_t cap) {
  /* calloc: every slot starts empty (MAP_EMPTY is 0), and a big table's
   * pages stay untouched (the kernel's zero pages) until used */
  unsigned char *slots = zz_calloc(cap, m->stride);
  if (!slots) return ZZ_ENOMEM;
  for (size_t i = 0; i < m->cap; i++) {
    uint64_t h = *hash_at(m, i);
    if (h <= MAP_DEAD) continue;
    size_t j = h & (cap - 1);
    while (*(uint64_t *)(void *)(slots + j * m->stride) != MAP_EMPTY) j = (j + 1) & (cap - 1);
    memcpy(slots + j * m->stride, hash_at(m, i), m->stride);
  }
  zz_free(m->slots);
  m->slots = slots;
  m->cap = cap;
  m->dead = 0;
  return 0;
}

/* The capacity that holds len + 1 entries at most a third full, so that a
 * rehash that only clears deleted slots is followed by a sixth of the table
 * in inserts before the next (no rehash on every other insert). */
static size_t cap_for(const struct zz_map *m, size_t len) {
  size_t cap = m->cap ? m->cap : MAP_MIN_CAP;
  while ((len + 1) * 3 > cap) cap *= 2;
  return cap;
}

void zz_map_init(struct zz_map *m, size_t entry_size, size_t key_size, zz_map_free_fn free_entry) {
  ZZ_ASSERT(entry_size >= (key_size ? key_size : sizeof(char *)));
  memset(m, 0, sizeof *m);
  m->esize = entry_size;
  m->stride = sizeof(uint64_t) + (entry_size + 7) / 8 * 8;
  m->ksize = key_size;
  m->free_entry = free_entry;
}

int zz_map_reserve(struct zz_map *m, size_t n) {
  size_t cap = m->cap ? m->cap : MAP_MIN_CAP;
  while (n * 2 > cap) cap *= 2;
  return cap > m->cap ? rehash(m, cap) : 0;
}

void *zz_map_get(const struct zz_map *m, const void *key) {
  if (!m->len) return NULL;
  size_t len = m->ksize == ZZ_MAP_STR ? strlen(key) : 0;
  size_t i = find(m, key_hash(m, key), key, len, NULL);
  return i == (size_t)-1 ? NULL : entry_at(m, i);
}

void *zz_map_get_n(const struct zz_map *m, const char *s, size_t len) {
  ZZ_ASSERT(m->ksize == ZZ_MAP_STR);
  if (!m->len) return NULL;
  size_t i = find(m, slot_hash(zz_hash_bytes(s, len)), s, len, NULL);
  return i == (size_t)-1 ? NULL : entry_at(m, i);
}

void *zz_map_put(struct zz_map *m, const void *key, int *added) {
  if (added) *added = 0;
  size_t len = m->ksize == ZZ_MAP_STR ? strlen(key) : 0;
  uint64_t h = key_hash(m, key);
  size_t at = (size_t)-1;
  if (m->cap) {
    size_t i = find(m, h, key, len, &at);
    if (i != (size_t)-1) return entry_at(m, i);
  }
  /* A new entry: it takes a deleted slot as it is, an empty one only while
   * the table stays at most half full (counting deleted slots). */
  if (!m->cap || (*hash_at(m, at) == MAP_EMPTY && (m->len + m->dead + 1) * 2 > m->cap)) {
    if (rehash(m, cap_for(m, m->len))) return NULL;
    find(m, h, key, len, &at);
  }
  if (*hash_at(m, at) == MAP_DEAD) m->dead--;
  *hash_at(m, at) = h;
  m->len++;
  unsigned char *e = entry_at(m, at);
  memset(e, 0, m->esize);
  if (m->ksize == ZZ_MAP_STR)
    memcpy(e, &key, sizeof key);
  else
    memcpy(e, key, m->ksize);
  if (added) *added = 1;
  return e;
}

void zz_map_remove(struct zz_map *m, void *entry) {
  size_t i = (size_t)((unsigned char *)entry - m->slots) / m->stride;
  ZZ_ASSERT(i<m->cap && * hash_at(m, i)> MAP_DEAD);
  if (m->free_entry) m->free_entry(entry);
  /* No probe passes an empty slot, so a slot before one needs no marker. */
  if (*hash_at(m, (i + 1) & (m->cap - 1)) == MAP_EMPTY) {
    *hash_at(m, i) = MAP_EMPTY;
  } else {
    *hash_at(m, i) = MAP_DEAD;
    m->dead++;
  }
  m->len--;
}

int zz_map_del(struct zz_map *m, const void *key) {
  void *e = zz_map_get(m, key);
  if (!e) return 0;
  zz_map_remove(m, e);
  return 1;
}

void zz_map_clear(struct zz_map *m) {
  if (!m->len && !m->dead) return;
  if (!m->free_entry) {
    /* one memset: the writer clears its rollup maps on every commit */
    memset(m->slots, 0, m->cap * m->stride);
  } else {
    for (size_t i = 0; i < m->cap; i++) {
      uint64_t *h = hash_at(m, i);
      if (*h > MAP_DEAD) m->free_entry(entry_at(m, i));
      *h = MAP_EMPTY;
    }
  }
  m->len = m->dead = 0;
}

void zz_map_free(struct zz_map *m) {
  zz_map_clear(m);
  zz_free(m->slots);
  m->slots = NULL;
  m->cap = 0;
}
