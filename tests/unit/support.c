/* support.c - the unit tests' shared setup (support.h). */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "model/registry.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

int ts_dir_make(char *out, size_t cap, const char *name) {
  int n = snprintf(out, cap, "/tmp/zz-test-%s-XXXXXX", name);
  if (n < 0 || (size_t)n >= cap || !mkdtemp(out)) {
    fprintf(stderr, "cannot make a temp directory for %s\n", name);
    return -1;
  }
  return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

int ts_dir_remove(const char *dir) {
  /* depth first, links not followed: only what is below dir goes */
  if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
    fprintf(stderr, "cannot remove %s\n", dir);
    return -1;
  }
  return 0;
}

void ts_dir_reset(const char *dir) {
  struct stat sb;
  if (stat(dir, &sb) == 0 && ts_dir_remove(dir) != 0) fail_msg("cannot empty %s", dir);
  if (mkdir(dir, 0700) != 0) fail_msg("cannot make %s: %s", dir, strerror(errno));
}

static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  if (!in || !out) fail_msg("cannot copy %s to %s", from, to);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
  fclose(in);
  assert_int_equal(fclose(out), 0);
}

void ts_dir_copy(const char *from, const char *to) {
  if (mkdir(to, 0755) != 0 && errno != EEXIST) fail_msg("cannot make %s", to);
  DIR *d = opendir(from);
  if (!d) fail_msg("cannot open %s", from);
  struct dirent *de;
  while ((de = readdir(d))) {
    char a[1024], b[1024];
    struct stat sb;
    snprintf(a, sizeof a, "%s/%s", from, de->d_name);
    snprintf(b, sizeof b, "%s/%s", to, de->d_name);
    if (stat(a, &sb) == 0 && S_ISREG(sb.st_mode)) copy_file(a, b);
  }
  closedir(d);
}

struct store *ts_store_open(const char *dir, const struct store_open_opts *opts) {
  struct store_open_opts o = opts ? *opts : (struct store_open_opts){0};
  o.dir = dir;
  struct store *st = NULL;
  struct zz_err e = {0};
  int rc = store_sqlite_open(&o, &st, &e);
  if (rc) fail_msg("store_sqlite_open %s: %s", dir, e.msg);
  return st;
}

int64_t ts_region(struct store *st, const char *path, const char *parent, const char *level) {
  struct store_region r = {
      .path = path, .parent_path = parent, .level = level, .name_zh = path, .lon = NAN, .lat = NAN};
  struct zz_err e = {0};
  int64_t id = 0;
  if (store_region_upsert(st, &r, &id, &e)) fail_msg("region %s: %s", path, e.msg);
  return id;
}

int64_t ts_entity_type(struct store *st, const char *key) {
  struct store_named t = {.key = key};
  struct zz_err e = {0};
  int64_t id = 0;
  if (store_named_upsert(st, "entity_type", &t, &id, &e)) fail_msg("type %s: %s", key, e.msg);
  return id;
}

int64_t ts_department(struct store *st, const char *key) {
  struct store_named n = {.key = key, .name_zh = key, .name_en = key};
  struct zz_err e = {0};
  int64_t id = 0;
  if (store_named_upsert(st, "department", &n, &id, &e)) fail_msg("department %s: %s", key, e.msg);
  return id;
}

int64_t ts_metric(struct store *st, const char *key, const char *agg, const char *entity_type) {
  struct store_metric m = {.key = key, .agg = agg, .entity_type = entity_type};
  struct zz_err e = {0};
  int64_t id = 0;
  if (store_metric_upsert(st, &m, &id, &e)) fail_msg("metric %s: %s", key, e.msg);
  return id;
}

int64_t ts_entity(struct store *st, const char *key, const char *type, int64_t region) {
  struct store_entity en = {.key = key, .type = type, .region = region, .lon = NAN, .lat = NAN};
  struct zz_err e = {0};
  int64_t id = 0;
  if (store_entity_upsert(st, &en, 0, &id, &e)) fail_msg("entity %s: %s", key, e.msg);
  return id;
}

void ts_world_open(struct ts_world *w, const char *dir, const struct ts_world_opts *opts) {
  struct ts_world_opts o = opts ? *opts : (struct ts_world_opts){0};
  struct zz_err e = {0};
  memset(w, 0, sizeof *w);
  w->st = ts_store_open(dir, o.store);
  if (o.fill) o.fill(w->st);
  if (registry_open(w->st, &w->reg, &e)) fail_msg("registry_open: %s", e.msg);
  if (o.workflow) {
    struct workflow_opts wo = {
        .st = w->st, .reg = w->reg, .bus = o.bus, .data_dir = dir, .no_thread = 1};
    if (workflow_open(&wo, &w->wf, &e)) fail_msg("workflow_open: %s", e.msg);
  }
}

void ts_world_close(struct ts_world *w) {
  if (w->wf) workflow_close(w->wf);
  if (w->reg) registry_free(w->reg);
  if (w->st) store_close(w->st);
  memset(w, 0, sizeof *w);
}

void ts_file_write(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s%s%s", dir, name ? "/" : "", name ? name : "");
  FILE *f = fopen(path, "wb");
  if (!f) fail_msg("cannot write %s", path);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

char *ts_file_read(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot read %s", path);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  long n = ftell(f);
  assert_true(n >= 0);
  rewind(f);
  char *s = malloc((size_t)n + 1);
  assert_non_null(s);
  assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
  s[n] = 0;
  fclose(f);
  return s;
}
