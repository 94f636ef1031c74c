/* support.h - what the unit tests share: a temp directory removed at the
 * end, a store opened on it, the pieces of a small world (regions, entity
 * types, metrics, entities) and the world itself (store + filler +
 * registry, with the workflow when asked), plus files read and
 * written whole. Linked into every tests/unit/test_*.c by CMakeLists.txt.
 * Every helper asserts (cmocka) instead of returning an error, except the
 * ones meant for main() and cmocka setups, which return 0 or -1. */
#ifndef ZZ_TEST_SUPPORT_H
#define ZZ_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct bus;
struct registry;
struct workflow;

/* ---- temp directories (for main() and setups: 0 or -1) ---- */

/* Makes a fresh directory "/tmp/zz-test-NAME-XXXXXX" into out (cap bytes). */
int ts_dir_make(char *out, size_t cap, const char *name);
/* Removes dir and everything below it; 0, or -1 when something stayed. */
int ts_dir_remove(const char *dir);
/* Empties dir (made again, empty, when it was removed); fails the test
 * when that cannot be done. For tests that start each run afresh. */
void ts_dir_reset(const char *dir);
/* Copies the regular files of from (a fixture pack) into to, made if
 * missing; fails the test otherwise. */
void ts_dir_copy(const char *from, const char *to);

/* ---- the store ---- */

/* Opens the store on dir with opts (NULL: the defaults; its dir is
 * replaced by dir); fails the test with the store's message otherwise. */
struct store *ts_store_open(const char *dir, const struct store_open_opts *opts);

/* ---- a world's pieces, written straight to the store (ids returned) ---- */

int64_t ts_region(struct store *st, const char *path, const char *parent, const char *level);
int64_t ts_entity_type(struct store *st, const char *key);
/* A department named by its key in both languages. */
int64_t ts_department(struct store *st, const char *key);
int64_t ts_metric(struct store *st, const char *key, const char *agg, const char *entity_type);
/* An entity without a position in region (a region id). */
int64_t ts_entity(struct store *st, const char *key, const char *type, int64_t region);

/* ---- a world: store + registry (+ workflow) ---- */

struct ts_world_opts {
  void (*fill)(struct store *st);      /* writes the world before the registry opens */
  int workflow;                        /* open a workflow too (no timer thread) */
  struct bus *bus;                     /* the workflow's bus, or NULL (not owned) */
  const struct store_open_opts *store; /* the store's options (dir replaced), or NULL */
};

struct ts_world {
  struct store *st;
  struct registry *reg;
  struct workflow *wf; /* NULL unless opts->workflow */
};

/* Opens a world on dir (the workflow keeps its files there too); opts may
 * be NULL. Fails the test on any error. Close with ts_world_close. */
void ts_world_open(struct ts_world *w, const char *dir, const struct ts_world_opts *opts);
/* Closes what is open and zeroes w (so closing twice is harmless). */
void ts_world_close(struct ts_world *w);

/* ---- files ---- */

/* Writes text into dir/name (name may be NULL: dir is the path). */
void ts_file_write(const char *dir, const char *name, const char *text);
/* The whole file, NUL-terminated; free() it. */
char *ts_file_read(const char *path);

#endif
