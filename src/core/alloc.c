/* alloc.c - allocation through one set of wrappers, so that tests can make
 * the nth allocation fail (zz_alloc_fail_after), and the x-variants that
 * abort for small fixed sizes. */
#include "core/zz.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_long zz_alloc_countdown;

static int alloc_should_fail(void) {
  if (atomic_load_explicit(&zz_alloc_countdown, memory_order_relaxed) == 0) return 0;
  return atomic_fetch_sub(&zz_alloc_countdown, 1) == 1;
}

void zz_alloc_fail_after(long n) {
  atomic_store(&zz_alloc_countdown, n);
}

void *zz_malloc(size_t n) {
  return alloc_should_fail() ? NULL : malloc(n ? n : 1);
}

void *zz_calloc(size_t n, size_t size) {
  return alloc_should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *zz_realloc(void *p, size_t n) {
  return alloc_should_fail() ? NULL : realloc(p, n ? n : 1);
}

int zz_grow(void *parr, size_t *cap, size_t n, size_t elem, size_t first) {
  if (n < *cap) return 0;
  size_t ncap = *cap ? *cap * 2 : first;
  if (ncap < n + 1 || ncap > SIZE_MAX / elem) return ZZ_ENOMEM;
  /* the caller's pointer is read and written as bytes: it is a `T *`, not
   * a `void *`, and C does not let one stand for the other */
  void *old, *arr;
  memcpy(&old, parr, sizeof old);
  if (!(arr = zz_realloc(old, ncap * elem))) return ZZ_ENOMEM;
  memcpy(parr, &arr, sizeof arr);
  *cap = ncap;
  return 0;
}

char *zz_strndup(const char *s, size_t n) {
  char *d = zz_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *zz_strdup(const char *s) {
  return zz_strndup(s, strlen(s));
}

static void *oom(size_t n) {
  fprintf(stderr, "zhizhi: out of memory allocating %zu bytes\n", n);
  abort();
}

void *zz_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  return p ? p : oom(n);
}

void *zz_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  return p ? p : oom(n * size);
}

char *zz_xstrdup(const char *s) {
  size_t n = strlen(s);
  char *d = zz_xmalloc(n + 1);
  memcpy(d, s, n + 1);
  return d;
}

void zz_free(void *p) {
  free(p);
}

char *zz_xstrdup_n(const char *s, size_t n) {
  char *d = zz_xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}
