/* hash.h - the one hash and the one hash map of the code base. FNV-1a
 * (64-bit) for text and byte ranges, a mixer and a combiner for keys made of
 * numbers, and an open-addressing map (linear probing, tombstones, grows at
 * half full) whose entries are the caller's own struct with the key first:
 * either a fixed number of key bytes (an id, a tuple of ids) or a string
 * (the entry's first member is a char pointer). */
#ifndef ZZ_CORE_HASH_H
#define ZZ_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* FNV-1a, 64-bit (the offset basis has 20 digits). */
#define ZZ_FNV_OFFSET 14695981039346656037ULL
#define ZZ_FNV_PRIME 1099511628211ULL

/* FNV-1a 64 of the n bytes at p. */
uint64_t zz_hash_bytes(const void *p, size_t n);
/* FNV-1a 64 of the bytes of s before its NUL. */
uint64_t zz_hash_str(const char *s);
/* Continues an FNV-1a hash h over n more bytes: start from ZZ_FNV_OFFSET;
 * zz_hash_more(zz_hash_more(ZZ_FNV_OFFSET, "a", 1), "b", 1) is the hash of
 * "ab". To hash several strings as one key, put a separator byte between
 * them (one that cannot occur in them) so ("ab", "c") and ("a", "bc")
 * differ. */
uint64_t zz_hash_more(uint64_t h, const void *p, size_t n);

/* Mixes a 64-bit integer so that every bit of the result depends on every
 * bit of x (the splitmix64 finaliser); a bijection, so distinct ids never
 * collide. */
static inline uint64_t zz_hash_u64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* Folds one more number x into the hash h of a key made of several: start
 * from any constant (ZZ_FNV_OFFSET) and fold each part in order. */
static inline uint64_t zz_hash_combine(uint64_t h, uint64_t x) {
  return zz_hash_u64(h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

/* ---- the map ----
 *
 * Entries live inside the map, in slots of entry_size bytes; each is the
 * caller's struct whose first key_size bytes are the key, or, with key_size
 * ZZ_MAP_STR, whose first member is a `const char *` or `char *` key (the map
 * stores the pointer it was given and compares the text; the caller may
 * point it at an owned copy of the same text, freed by free_entry). Byte keys
 * are compared as bytes: a key struct must have no padding. Entries are
 * aligned to 8 bytes (enough for every type but long double).
 *
 * Any insertion may move every entry: a pointer returned by get or put is
 * valid until the next put, reserve or clear. Not thread-safe. */

#define ZZ_MAP_STR 0

/* Called on an entry as it leaves the map (del, remove, clear, free). */
typedef void (*zz_map_free_fn)(void *entry);

struct zz_map {
  unsigned char *slots; /* per slot: the key's hash (0: empty, 1: deleted), the entry */
  size_t cap;           /* 0 or a power of two */
  size_t len;           /* live entries */
  size_t dead;          /* deleted slots not reused yet */
  size_t esize, ksize, stride;
  zz_map_free_fn free_entry;
};

/* An empty map (nothing allocated). free_entry may be NULL. */
void zz_map_init(struct zz_map *m, size_t entry_size, size_t key_size, zz_map_free_fn free_entry);
/* Makes room for n entries without moving any on the way. Returns 0 or
 * ZZ_ENOMEM (the map unchanged). */
int zz_map_reserve(struct zz_map *m, size_t n);
/* The entry of key (key bytes, or the NUL-terminated string of a string
 * map), or NULL. */
void *zz_map_get(const struct zz_map *m, const void *key);
/* String maps: the entry whose key is the len bytes at s (s need not be
 * NUL-terminated), or NULL. */
void *zz_map_get_n(const struct zz_map *m, const char *s, size_t len);
/* The entry of key, added when missing: then *added is 1 (when added is not
 * NULL) and the entry is zero but for its key. Returns NULL when out of
 * memory (the map unchanged). */
void *zz_map_put(struct zz_map *m, const void *key, int *added);
/* Removes the entry of key. Returns 1 when there was one, else 0. */
int zz_map_del(struct zz_map *m, const void *key);
/* Removes an entry returned by get, put or at. */
void zz_map_remove(struct zz_map *m, void *entry);
/* Iteration: for i from 0 to zz_map_cap(m), the entry in slot i or NULL.
 * Removing the entry at i while iterating is allowed; putting is not. */
static inline void *zz_map_at(const struct zz_map *m, size_t i) {
  if (i >= m->cap) return NULL;
  unsigned char *slot = m->slots + i * m->stride;
  uint64_t h;
  memcpy(&h, slot, sizeof h);
  return h > 1 ? slot + sizeof h : NULL;
}
static inline size_t zz_map_cap(const struct zz_map *m) {
  return m->cap;
}
static inline size_t zz_map_len(const struct zz_map *m) {
  return m->len;
}
/* Removes every entry, keeping the slots for reuse. */
void zz_map_clear(struct zz_map *m);
/* Removes every entry and frees the slots; the map is empty and usable. */
void zz_map_free(struct zz_map *m);

#endif
