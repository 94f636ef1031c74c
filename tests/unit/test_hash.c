/* test_hash.c - unit tests for src/core/hash.c: FNV-1a 64 against the
 * published test vectors, the integer mixer and combiner, and the map:
 * insert, find, delete, growth over many keys, keys that share a slot,
 * deleted slots reused and cleared, string keys by length, entries freed
 * through the callback, and allocation failure leaving the map as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/hash.h"
#include "core/zz.h"

static void test_fnv1a_vectors(void **state) {
  (void)state;
  /* the FNV-1a 64 vectors of the reference implementation (fnvlib test
   * suite) and of draft-eastlake-fnv */
  assert_true(zz_hash_str("") == 0xcbf29ce484222325ULL);
  assert_true(zz_hash_str("a") == 0xaf63dc4c8601ec8cULL);
  assert_true(zz_hash_str("b") == 0xaf63df4c8601f1a5ULL);
  assert_true(zz_hash_str("foobar") == 0x85944171f73967e8ULL);
  assert_true(ZZ_FNV_OFFSET == 0xcbf29ce484222325ULL);
  assert_true(ZZ_FNV_OFFSET == 14695981039346656037ULL);
  assert_true(zz_hash_bytes("foobar", 6) == zz_hash_str("foobar"));
  assert_true(zz_hash_bytes("", 0) == ZZ_FNV_OFFSET);
  /* bytes past a NUL count in a byte range */
  assert_true(zz_hash_bytes("a\0b", 3) != zz_hash_str("a"));
  /* continuing equals hashing at once */
  uint64_t h = zz_hash_more(ZZ_FNV_OFFSET, "foo", 3);
  assert_true(zz_hash_more(h, "bar", 3) == zz_hash_str("foobar"));
}

static void test_mix_and_combine(void **state) {
  (void)state;
  /* the mixer is a bijection on small ids: no two of them collide */
  struct zz_map seen;
  zz_map_init(&seen, sizeof(uint64_t), sizeof(uint64_t), NULL);
  for (uint64_t i = 0; i < 10000; i++) {
    uint64_t x = zz_hash_u64(i);
    int added = 0;
    assert_non_null(zz_map_put(&seen, &x, &added));
    assert_int_equal(added, 1);
  }
  zz_map_free(&seen);
  assert_true(zz_hash_u64(1) != 1);
  /* order matters when combining */
  uint64_t ab = zz_hash_combine(zz_hash_combine(ZZ_FNV_OFFSET, 1), 2);
  uint64_t ba = zz_hash_combine(zz_hash_combine(ZZ_FNV_OFFSET, 2), 1);
  assert_true(ab != ba);
  assert_true(zz_hash_combine(ZZ_FNV_OFFSET, 0) != ZZ_FNV_OFFSET);
}

struct pair {
  int64_t a, b; /* the key */
  int v;
};

static void test_insert_find_delete(void **state) {
  (void)state;
  struct zz_map m;
  zz_map_init(&m, sizeof(struct pair), 2 * sizeof(int64_t), NULL);
  int64_t k[2] = {7, 9};
  assert_null(zz_map_get(&m, k));
  assert_int_equal(zz_map_del(&m, k), 0);
  int added = 0;
  struct pair *p = zz_map_put(&m, k, &added);
  assert_non_null(p);
  assert_int_equal(added, 1);
  assert_int_equal(p->a, 7);
  assert_int_equal(p->b, 9);
  assert_int_equal(p->v, 0); /* a new entry is zero but for its key */
  p->v = 42;
  p = zz_map_put(&m, k, &added);
  assert_int_equal(added, 0);
  assert_int_equal(p->v, 42);
  int64_t other[2] = {9, 7};
  assert_null(zz_map_get(&m, other));
  assert_int_equal(zz_map_len(&m), 1);
  p = zz_map_get(&m, k);
  assert_non_null(p);
  assert_int_equal(p->v, 42);
  assert_int_equal(zz_map_del(&m, k), 1);
  assert_null(zz_map_get(&m, k));
  assert_int_equal(zz_map_len(&m), 0);
  assert_int_equal(zz_map_del(&m, k), 0);
  zz_map_free(&m);
  zz_map_free(&m); /* twice is harmless */
}

/* Many keys: the map grows and every key stays findable with its value;
 * deleting every other one leaves the rest; iteration sees each live entry
 * once. */
static void test_many_keys_grow_delete_iterate(void **state) {
  (void)state;
  enum { N = 100000 };
  struct zz_map m;
  zz_map_init(&m, sizeof(struct pair), 2 * sizeof(int64_t), NULL);
  for (int64_t i = 0; i < N; i++) {
    int64_t k[2] = {i, -i};
    struct pair *p = zz_map_put(&m, k, NULL);
    assert_non_null(p);
    p->v = (int)i;
  }
  assert_int_equal(zz_map_len(&m), N);
  assert_true(zz_map_cap(&m) >= 2 * N);
  for (int64_t i = 0; i < N; i++) {
    int64_t k[2] = {i, -i};
    struct pair *p = zz_map_get(&m, k);
    assert_non_null(p);
    assert_int_equal(p->v, (int)i);
  }
  for (int64_t i = 0; i < N; i += 2) {
    int64_t k[2] = {i, -i};
    assert_int_equal(zz_map_del(&m, k), 1);
  }
  assert_int_equal(zz_map_len(&m), N / 2);
  for (int64_t i = 0; i < N; i++) {
    int64_t k[2] = {i, -i};
    struct pair *p = zz_map_get(&m, k);
    if (i % 2) {
      assert_non_null(p);
      assert_int_equal(p->v, (int)i);
    } else {
      assert_null(p);
    }
  }
  size_t seen = 0;
  int64_t sum = 0;
  for (size_t i = 0; i < zz_map_cap(&m); i++) {
    struct pair *p = zz_map_at(&m, i);
    if (!p) continue;
    seen++;
    sum += p->v;
  }
  assert_int_equal(seen, N / 2);
  assert_true(sum == (int64_t)(N / 2) * (N / 2)); /* 1 + 3 + ... + (N - 1) */
  zz_map_free(&m);
}

/* A single-byte key: FNV-1a then the mixer. Eight of 200 keys live at a
 * time in a 16-slot table, so keys share home slots and chains run through
 * deleted slots; after each of 5000 delete-and-add rounds every one of the
 * 200 keys is present exactly when it should be, and the table neither
 * fills with deleted slots nor grows. */
static void test_collisions_and_tombstones(void **state) {
  (void)state;
  struct one {
    unsigned char k;
    int v;
  } * e;
  struct zz_map m;
  int live[200] = {0};
  zz_map_init(&m, sizeof *e, 1, NULL);
  assert_int_equal(zz_map_reserve(&m, 8), 0);
  assert_int_equal(zz_map_cap(&m), 16);
  for (int i = 0; i < 5; i++) {
    unsigned char k = (unsigned char)i;
    e = zz_map_put(&m, &k, NULL);
    e->v = i;
    live[i] = 1;
  }
  uint64_t r = 12345;
  for (int round = 0; round < 5000; round++) {
    r = zz_hash_u64(r + 1);
    unsigned char gone = (unsigned char)(r % 200), add = (unsigned char)((r >> 20) % 200);
    assert_int_equal(zz_map_del(&m, &gone), live[gone]);
    live[gone] = 0;
    if (zz_map_len(&m) < 5) {
      int added;
      e = zz_map_put(&m, &add, &added);
      assert_non_null(e);
      assert_int_equal(added, !live[add]);
      e->v = add;
      live[add] = 1;
    }
    for (int k = 0; k < 200; k++) {
      unsigned char key = (unsigned char)k;
      e = zz_map_get(&m, &key);
      if (live[k]) {
        assert_non_null(e);
        assert_int_equal(e->v, k);
      } else {
        assert_null(e);
      }
    }
    assert_true(m.len + m.dead <= zz_map_cap(&m) / 2);
  }
  assert_int_equal(zz_map_cap(&m), 16); /* churn at a steady size does not grow it */
  zz_map_free(&m);
}

/* Keys that land in the same home slot: the chain holds them all, and a
 * key after a deleted one in the chain is still found. */
static void test_same_slot_chain(void **state) {
  (void)state;
  struct zz_map m;
  zz_map_init(&m, sizeof(uint64_t), sizeof(uint64_t), NULL);
  assert_int_equal(zz_map_reserve(&m, 512), 0);
  uint64_t same[6];
  int n = 0;
  /* find six keys with the same home slot: alone in a table of the same
   * size, a key sits in its home slot */
  struct zz_map probe;
  zz_map_init(&probe, sizeof(uint64_t), sizeof(uint64_t), NULL);
  assert_int_equal(zz_map_reserve(&probe, 512), 0);
  size_t want = 0;
  for (uint64_t x = 0; n < 6; x++) {
    zz_map_clear(&probe);
    assert_non_null(zz_map_put(&probe, &x, NULL));
    size_t home = 0;
    while (!zz_map_at(&probe, home)) home++;
    if (x == 0) want = home;
    if (home == want) same[n++] = x;
  }
  zz_map_free(&probe);
  for (int i = 0; i < 6; i++) assert_non_null(zz_map_put(&m, &same[i], NULL));
  assert_int_equal(zz_map_del(&m, &same[2]), 1);
  assert_int_equal(zz_map_del(&m, &same[0]), 1);
  for (int i = 0; i < 6; i++) {
    if (i == 0 || i == 2)
      assert_null(zz_map_get(&m, &same[i]));
    else
      assert_non_null(zz_map_get(&m, &same[i]));
  }
  assert_true(m.dead >= 1); /* same[0] and same[2] had followers: marked, not emptied */
  /* a re-added key takes a deleted slot and is found again */
  size_t dead = m.dead;
  assert_non_null(zz_map_put(&m, &same[2], NULL));
  assert_int_equal(m.dead, dead - 1);
  assert_non_null(zz_map_get(&m, &same[2]));
  /* the last of a chain is emptied, not marked */
  dead = m.dead;
  assert_int_equal(zz_map_del(&m, &same[5]), 1);
  assert_int_equal(m.dead, dead);
  zz_map_free(&m);
}

struct named {
  char *key; /* owned */
  int v;
};

static int freed;

static void named_free(void *p) {
  struct named *e = p;
  zz_free(e->key);
  freed++;
}

static void test_string_keys(void **state) {
  (void)state;
  struct zz_map m;
  zz_map_init(&m, sizeof(struct named), ZZ_MAP_STR, named_free);
  char buf[32];
  freed = 0;
  for (int i = 0; i < 5000; i++) {
    snprintf(buf, sizeof buf, "entity-%d", i);
    int added;
    struct named *e = zz_map_put(&m, buf, &added);
    assert_non_null(e);
    assert_int_equal(added, 1);
    assert_ptr_equal(e->key, buf); /* the pointer given, until replaced */
    e->key = zz_xstrdup(buf);
    e->v = i;
  }
  assert_non_null(zz_map_get(&m, "entity-4999"));
  assert_null(zz_map_get(&m, "entity-5000"));
  assert_null(zz_map_get(&m, ""));
  /* by length, in a longer buffer: the length decides which key */
  const char *line = "entity-123,rest";
  struct named *e = zz_map_get_n(&m, line, 10);
  assert_non_null(e);
  assert_int_equal(e->v, 123);
  e = zz_map_get_n(&m, line, 9); /* "entity-12" */
  assert_non_null(e);
  assert_int_equal(e->v, 12);
  assert_null(zz_map_get_n(&m, "entity-77777,", 12));
  assert_null(zz_map_get_n(&m, "entity-5000", 11));
  assert_int_equal(zz_map_del(&m, "entity-7"), 1);
  assert_int_equal(freed, 1);
  zz_map_clear(&m);
  assert_int_equal(freed, 5000);
  assert_int_equal(zz_map_len(&m), 0);
  assert_null(zz_map_get(&m, "entity-1"));
  assert_non_null(zz_map_put(&m, "again", NULL)); /* borrowed: no free needed */
  ((struct named *)zz_map_get(&m, "again"))->key = zz_xstrdup("again");
  zz_map_free(&m);
  assert_int_equal(freed, 5001);
}

static void test_out_of_memory(void **state) {
  (void)state;
  struct zz_map m;
  zz_map_init(&m, sizeof(uint64_t), sizeof(uint64_t), NULL);
  uint64_t k = 1;
  zz_alloc_fail_after(1);
  assert_null(zz_map_put(&m, &k, NULL));
  zz_alloc_fail_after(0);
  assert_int_equal(zz_map_len(&m), 0);
  for (k = 0; k < 8; k++) assert_non_null(zz_map_put(&m, &k, NULL));
  assert_int_equal(zz_map_cap(&m), 16);
  /* the ninth needs a bigger table: refused, the eight kept */
  zz_alloc_fail_after(1);
  assert_null(zz_map_put(&m, &k, NULL));
  zz_alloc_fail_after(0);
  assert_int_equal(zz_map_len(&m), 8);
  for (uint64_t j = 0; j < 8; j++) assert_non_null(zz_map_get(&m, &j));
  assert_null(zz_map_get(&m, &k));
  zz_alloc_fail_after(1);
  assert_int_equal(zz_map_reserve(&m, 1000), ZZ_ENOMEM);
  zz_alloc_fail_after(0);
  assert_int_equal(zz_map_cap(&m), 16);
  assert_non_null(zz_map_put(&m, &k, NULL));
  zz_map_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fnv1a_vectors),
      cmocka_unit_test(test_mix_and_combine),
      cmocka_unit_test(test_insert_find_delete),
      cmocka_unit_test(test_many_keys_grow_delete_iterate),
      cmocka_unit_test(test_collisions_and_tombstones),
      cmocka_unit_test(test_same_slot_chain),
      cmocka_unit_test(test_string_keys),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
