/* store_backup.c - whole backups of a data directory and their restore
 * (store_backup.h). */
#include "store/store_backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/ztime.h"
#include "store/store_int.h"

#define BK_MANIFEST "MANIFEST"
#define BK_HEADER "zhizhi-backup 1"
#define BK_PATH_MAX 256
#define BK_HASH_HEX (crypto_generichash_BYTES * 2 + 1)
#define BK_FILES_MAX 50000000 /* a cap on MANIFEST lines read back */

struct bk_file {
  char path[BK_PATH_MAX];
  int64_t size;
  char hash[BK_HASH_HEX];
  int missing;
  int copied; /* written into the backup already (the records engine's files) */
};

struct bk_list {
  struct bk_file *v;
  size_t n, cap;
};

static int list_add(struct bk_list *l, const char *path, int64_t size) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    struct bk_file *v = zz_realloc(l->v, cap * sizeof *v);
    if (!v) return ZZ_ENOMEM;
    l->v = v, l->cap = cap;
  }
  struct bk_file *f = &l->v[l->n++];
  memset(f, 0, sizeof *f);
  zz_strlcpy(f->path, path, sizeof f->path);
  f->size = size;
  return 0;
}

/* A referenced file's path: relative, under evidence/, materials/ or
 * inspections/ (inspection photos), no "..",
 * so that neither a backup nor a restore writes outside its directory. */
static int path_ok(const char *p) {
  if (strncmp(p, "evidence/", 9) != 0 && strncmp(p, "materials/", 10) != 0 &&
      strncmp(p, "inspections/", 12) != 0 && strncmp(p, "records/", 8) != 0)
    return 0;
  if (strlen(p) >= BK_PATH_MAX || strstr(p, "..") || strstr(p, "//")) return 0;
  for (const char *c = p; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == '\\') return 0;
  return 1;
}

static void hex(const unsigned char *h, char out[BK_HASH_HEX]) {
  for (size_t i = 0; i < crypto_generichash_BYTES; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
}

struct bk_prog {
  store_backup_progress_fn fn;
  void *ud;
  const char *phase;
  int64_t done, total;
};

/* Copies from to to (to NULL: reads only), hashing; *size and hash get what
 * was read. Returns 0, ENOENT as ZZ_ENOTFOUND, or ZZ_EIO. */
static int copy_hash(const char *from, const char *to, int64_t *size, char hash[BK_HASH_HEX],
                     struct bk_prog *p, struct zz_err *e) {
  int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = 0;
  static _Thread_local unsigned char buf[1 << 16];
  if (in < 0)
    return errno == ENOENT
               ? ZZ_ENOTFOUND
               : zz_fail(e, ZZ_EIO, "file", "cannot read %s: %s", from, strerror(errno));
  if (to) {
    if (zz_mkdir_parents(to) != 0 ||
        (out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0) {
      rc = zz_fail(e, ZZ_EIO, "out", "cannot write %s: %s", to, strerror(errno));
      goto done;
    }
  }
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES);
  *size = 0;
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      rc = zz_fail(e, ZZ_EIO, "file", "cannot read %s: %s", from, strerror(errno));
      goto done;
    }
    if (n == 0) break;
    crypto_generichash_update(&st, buf, (unsigned long long)n);
    for (ssize_t off = 0; out >= 0 && off < n;) {
      ssize_t w = write(out, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        rc = zz_fail(e, ZZ_EIO, "out", "cannot write %s: %s", to, strerror(errno));
        goto done;
      }
      off += w;
    }
    *size += n;
    if (p) {
      p->done += n;
      if (p->fn) p->fn(p->ud, p->phase, p->done, p->total);
    }
  }
  unsigned char h[crypto_generichash_BYTES];
  crypto_generichash_final(&st, h, sizeof h);
  hex(h, hash);
  if (out >= 0 && fsync(out) != 0)
    rc = zz_fail(e, ZZ_EIO, "out", "cannot sync %s: %s", to, strerror(errno));
done:
  close(in);
  if (out >= 0 && close(out) != 0 && !rc)
    rc = zz_fail(e, ZZ_EIO, "out", "cannot write %s: %s", to, strerror(errno));
  return rc;
}

static int sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

/* The files a database references: evidence photos, application
 * materials and inspection photos (tables an older schema lacks are
 * skipped). */
static int referenced_files(sqlite3 *db, struct bk_list *out, struct zz_err *e) {
  static const char *const q[] = {"SELECT path, size FROM evidence ORDER BY id",
                                  "SELECT path, size FROM application_material ORDER BY id",
                                  "SELECT path, size FROM ins_photo ORDER BY id"};
  static const char *const tables[] = {"evidence", "application_material", "ins_photo"};
  int rc = 0;
  for (size_t i = 0; !rc && i < ZZ_ARRAY_LEN(q); i++) {
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1, &s,
                           NULL) != SQLITE_OK)
      return zz_fail(e, ZZ_ESTORE, "database", "cannot read the snapshot: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(s, 1, tables[i], -1, SQLITE_STATIC);
    int has = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    if (!has) continue;
    if (sqlite3_prepare_v2(db, q[i], -1, &s, NULL) != SQLITE_OK)
      return zz_fail(e, ZZ_ESTORE, "database", "cannot read the snapshot: %s", sqlite3_errmsg(db));
    int step;
    while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
      const char *path = (const char *)sqlite3_column_text(s, 0);
      if (!path || !path_ok(path)) {
        rc = zz_fail(e, ZZ_EINVAL, "database",
                     "the %s table names a file outside the data "
                     "directory's evidence/ and materials/: \"%.80s\"",
                     tables[i], path ? path : "");
        break;
      }
      rc = list_add(out, path, sqlite3_column_int64(s, 1));
    }
    if (!rc && step != SQLITE_DONE)
      rc = zz_fail(e, ZZ_ESTORE, "database", "cannot read the snapshot: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
  }
  return rc;
}

/* The database's online backup to path, inside one read transaction on the
 * source so that writers (another process) never restart it: one snapshot. */
static int snapshot_db(const char *src_path, const char *path, struct bk_prog *p,
                       struct zz_err *e) {
  sqlite3 *src = NULL, *dst = NULL;
  sqlite3_backup *b = NULL;
  int rc = sq_open_db(src_path, 0, 0, &src, e);
  if (rc) return rc;
  if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_master;", NULL, NULL, NULL) !=
      SQLITE_OK) {
    rc = zz_fail(e, ZZ_ESTORE, "data", "cannot read %s: %s", src_path, sqlite3_errmsg(src));
    goto done;
  }
  if (sqlite3_open(path, &dst) != SQLITE_OK) {
    rc = zz_fail(e, ZZ_EIO, "out", "cannot create %s: %s", path, sqlite3_errmsg(dst));
    goto done;
  }
  b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) {
    rc = zz_fail(e, ZZ_EIO, "out", "cannot back up to %s: %s", path, sqlite3_errmsg(dst));
    goto done;
  }
  int s;
  do {
    s = sqlite3_backup_step(b, 1024);
    p->done = sqlite3_backup_pagecount(b) - sqlite3_backup_remaining(b);
    p->total = sqlite3_backup_pagecount(b);
    if (p->fn) p->fn(p->ud, "database", p->done, p->total);
    if (s == SQLITE_BUSY || s == SQLITE_LOCKED) sqlite3_sleep(20);
  } while (s == SQLITE_OK || s == SQLITE_BUSY || s == SQLITE_LOCKED);
  sqlite3_backup_finish(b);
  if (s != SQLITE_DONE)
    rc = zz_fail(e, ZZ_EIO, "out", "backup to %s failed: %s", path, sqlite3_errstr(s));
done:
  if (src) sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
  sqlite3_close(src);
  if (dst && sqlite3_close(dst) != SQLITE_OK && !rc)
    rc = zz_fail(e, ZZ_EIO, "out", "cannot close %s", path);
  return rc;
}

/* Opens path (a database with no server on it) and lists what it references. */
static int files_of(const char *path, struct bk_list *l, int integrity, struct zz_err *e) {
  sqlite3 *db = NULL;
  int rc = sq_open_db(path, 0, 0, &db, e);
  if (rc) return rc;
  if (integrity) {
    sqlite3_stmt *s = NULL;
    const char *res = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      res = (const char *)sqlite3_column_text(s, 0);
    if (!res || strcmp(res, "ok") != 0)
      rc = zz_fail(e, ZZ_ESTORE, "database", "PRAGMA integrity_check of %s: %.120s", path,
                   res ? res : sqlite3_errmsg(db));
    sqlite3_finalize(s);
  }
  if (!rc) rc = referenced_files(db, l, e);
  sqlite3_close(db);
  return rc;
}

static int write_manifest(const char *dir, const char *source, int64_t db_size, const char *db_hash,
                          const struct bk_list *l, struct zz_err *e) {
  char path[4400];
  snprintf(path, sizeof path, "%s/" BK_MANIFEST, dir);
  FILE *f = fopen(path, "w");
  if (!f) return zz_fail(e, ZZ_EIO, "out", "cannot write %s: %s", path, strerror(errno));
  char when[32];
  fprintf(f, "%s\ncreated %s\nsource %s\ndatabase %lld %s zhizhi.db\n", BK_HEADER,
          zz_time_format(zz_time_now(), when), source, (long long)db_size, db_hash);
  for (size_t i = 0; i < l->n; i++) {
    const struct bk_file *b = &l->v[i];
    if (b->missing)
      fprintf(f, "missing %s\n", b->path);
    else
      fprintf(f, "file %lld %s %s\n", (long long)b->size, b->hash, b->path);
  }
  int rc = 0;
  if (fflush(f) != 0 || fsync(fileno(f)) != 0)
    rc = zz_fail(e, ZZ_EIO, "out", "cannot write %s: %s", path, strerror(errno));
  if (fclose(f) != 0 && !rc) rc = zz_fail(e, ZZ_EIO, "out", "cannot write %s", path);
  return rc;
}

static int rm_tree(const char *path) {
  struct stat sb;
  if (lstat(path, &sb) != 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(sb.st_mode)) return unlink(path);
  DIR *d = opendir(path);
  if (!d) return -1;
  struct dirent *de;
  int rc = 0;
  char sub[4400];
  while (!rc && (de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
    rc = rm_tree(sub);
  }
  closedir(d);
  return rc ? rc : rmdir(path);
}

/* Counts a file copied: the records engine's apart from evidence and
 * materials. */
static void count_file(struct store_backup_stats *st, const struct bk_file *f, int64_t size) {
  if (strncmp(f->path, "records/", 8) == 0) {
    st->records_files++;
    st->records_bytes += size;
  } else {
    st->files++;
    st->bytes += size;
  }
}

static int cmp_path(const void *a, const void *b) {
  return strcmp(((const struct bk_file *)a)->path, ((const struct bk_file *)b)->path);
}

static int add_copied(void *ud, const char *name) {
  struct bk_list *l = ud;
  char rel[BK_PATH_MAX];
  snprintf(rel, sizeof rel, "records/%s", name);
  if (list_add(l, rel, 0)) return ZZ_ENOMEM;
  l->v[l->n - 1].copied = 1;
  return 0;
}

/* The database snapshot at path and, into tmp/records/, the records
 * engine's files as that snapshot says they stood (store/reclog.h), each
 * listed in l. ZZ_EBUSY when the log moved to a generation that was not
 * held: nothing is left, and the caller tries again. */
static int snapshot_records(const char *data, const char *src_db, const char *tmp, const char *path,
                            struct bk_prog *p, struct bk_list *l, struct zz_err *e) {
  char rdir[4200], out[4400];
  snprintf(rdir, sizeof rdir, "%s/records", data);
  snprintf(out, sizeof out, "%s/records", tmp);
  struct reclog_hold *h = NULL;
  sqlite3 *db = NULL;
  struct reclog_pos pos;
  int rc = reclog_hold(rdir, &h, e);
  if (!rc) rc = snapshot_db(src_db, path, p, e);
  if (!rc && !(rc = sq_open_db(path, 0, 0, &db, e)) && sq_reclog_pos_get(db, &pos) != SQLITE_OK)
    rc = zz_fail(e, ZZ_ESTORE, "database", "cannot read where the records log stands in %s", path);
  sqlite3_close(db);
  if (!rc) rc = reclog_hold_copy(h, &pos, out, add_copied, l, e);
  reclog_hold_free(h);
  if (rc == ZZ_EBUSY) {
    rm_tree(out);
    unlink(path);
  }
  return rc;
}

int store_backup(const char *data, const char *out, store_backup_progress_fn progress, void *ud,
                 struct store_backup_stats *st, struct zz_err *e) {
  memset(st, 0, sizeof *st);
  char src_db[4200], tmp[4200], path[4608], from[4608], db_hash[BK_HASH_HEX];
  struct bk_list l = {0};
  struct bk_prog p = {.fn = progress, .ud = ud, .phase = "database"};
  int rc = 0, made = 0, lock_fd = -1;
  if (sodium_init() < 0) return zz_fail(e, ZZ_EINTERNAL, "sodium", "libsodium did not start");
  snprintf(src_db, sizeof src_db, "%s/zhizhi.db", data);
  if (access(src_db, R_OK) != 0)
    return zz_fail(e, ZZ_ENOTFOUND, "data", "no zhizhi database in %s", data);
  if (access(out, F_OK) == 0)
    return zz_fail(e, ZZ_EEXISTS, "out", "%s exists; choose a new name", out);
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.partial", out) >= sizeof tmp)
    return zz_fail(e, ZZ_EINVAL, "out", "the backup's name is too long");
  if (mkdir(tmp, 0750) != 0)
    return zz_fail(e, ZZ_EIO, "out",
                   errno == EEXIST
                       ? "cannot create %s: %s (left by a backup that did not finish: remove it)"
                       : "cannot create %s: %s",
                   tmp, strerror(errno));
  made = 1;
  /* the server deletes a replaced material's file only while no backup
   * holds this lock (store_files_release): taken before the snapshot, so
   * every file the snapshot names stays until the copy is done */
  snprintf(path, sizeof path, "%s/" STORE_BACKUP_LOCK, data);
  lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (lock_fd < 0) lock_fd = open(path, O_RDONLY | O_CLOEXEC);
  if (lock_fd >= 0) {
    while (flock(lock_fd, LOCK_SH) != 0 && errno == EINTR) {
    }
  }
  /* 1. the snapshot, with the records engine's files as it says they
   * stood (held open first, so that a seal meanwhile cannot remove one);
   * 2. the files it references (written before their rows committed, so
   * present; files written later are not referenced) */
  snprintf(path, sizeof path, "%s/zhizhi.db", tmp);
  for (int attempt = 0;; attempt++) {
    if ((rc = snapshot_records(data, src_db, tmp, path, &p, &l, e)) != ZZ_EBUSY || attempt == 8)
      break;
    l.n = 0; /* the log moved on to a generation not held: again */
  }
  if (rc) goto done;
  if ((rc = files_of(path, &l, 0, e))) goto done;
  /* sq_open_db left the copy in WAL mode with empty -wal/-shm beside it,
   * removed by its last close; the copy's bytes are final now */
  if ((rc = copy_hash(path, NULL, &st->db_bytes, db_hash, NULL, e))) goto done;
  if (l.n) qsort(l.v, l.n, sizeof *l.v, cmp_path);
  p = (struct bk_prog){.fn = progress, .ud = ud, .phase = "files"};
  for (size_t i = 0; i < l.n; i++) {
    struct stat sb;
    snprintf(from, sizeof from, "%s/%s", data, l.v[i].path);
    p.total += stat(from, &sb) == 0 ? (int64_t)sb.st_size : 0;
  }
  for (size_t i = 0; i < l.n; i++) {
    if (i && strcmp(l.v[i].path, l.v[i - 1].path) == 0) {
      l.v[i] = l.v[i - 1];
      continue;
    }
    snprintf(from, sizeof from, "%s/%s", data, l.v[i].path);
    snprintf(path, sizeof path, "%s/%s", tmp, l.v[i].path);
    if (l.v[i].copied)
      rc = copy_hash(path, NULL, &l.v[i].size, l.v[i].hash, &p, e);
    else
      rc = copy_hash(from, path, &l.v[i].size, l.v[i].hash, &p, e);
    if (rc == ZZ_ENOTFOUND) { /* gone from the data directory already: say so */
      rc = 0;
      l.v[i].missing = 1;
      if (!st->missing++) zz_strlcpy(st->first_missing, l.v[i].path, sizeof st->first_missing);
      continue;
    }
    if (rc) goto done;
    count_file(st, &l.v[i], l.v[i].size);
  }
  char abs[4096];
  if ((rc = write_manifest(tmp, realpath(data, abs) ? abs : data, st->db_bytes, db_hash, &l, e)))
    goto done;
  if (sync_dir(tmp) != 0 || rename(tmp, out) != 0) {
    rc = zz_fail(e, ZZ_EIO, "out", "cannot rename %s to %s: %s", tmp, out, strerror(errno));
    goto done;
  }
  char parent[4200];
  zz_strlcpy(parent, out, sizeof parent);
  char *slash = strrchr(parent, '/');
  if (slash) *slash = 0;
  sync_dir(slash ? (parent[0] ? parent : "/") : ".");
done:
  if (rc && made) rm_tree(tmp); /* a failed backup leaves nothing behind */
  if (lock_fd >= 0) close(lock_fd);
  zz_free(l.v);
  return rc;
}

/* ---- files no row references ---- */

#define REPLACED_LIST "materials/.replaced"

/* The exclusive side of STORE_BACKUP_LOCK, without waiting: an fd, or -1
 * when a backup holds it (or it cannot be opened). */
static int lock_try(const char *data) {
  char path[4400];
  snprintf(path, sizeof path, "%s/" STORE_BACKUP_LOCK, data);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return -1;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Deletes the files DATA/materials/.replaced lists (the lock held). */
static int64_t drain_replaced(const char *data) {
  char path[4400], line[BK_PATH_MAX + 2], file[4400];
  int64_t n = 0;
  snprintf(path, sizeof path, "%s/" REPLACED_LIST, data);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    if (!path_ok(line) || strncmp(line, "materials/", 10) != 0) continue;
    snprintf(file, sizeof file, "%s/%s", data, line);
    if (unlink(file) == 0) n++;
  }
  fclose(f);
  unlink(path);
  return n;
}

/* One release at a time in this process: two replacements at once would
 * each see the other's exclusive lock, take it for a backup's and leave
 * their file for later. */
static pthread_mutex_t release_lock = PTHREAD_MUTEX_INITIALIZER;

void store_files_release(const char *data, const char *rel) {
  char path[4400];
  if (rel && !path_ok(rel)) return;
  snprintf(path, sizeof path, "%s/" REPLACED_LIST, data);
  if (!rel && access(path, F_OK) != 0) return; /* nothing left for later */
  pthread_mutex_lock(&release_lock);
  int fd = lock_try(data);
  if (fd >= 0) {
    if (rel) {
      snprintf(path, sizeof path, "%s/%s", data, rel);
      unlink(path);
    }
    drain_replaced(data);
    close(fd);
    pthread_mutex_unlock(&release_lock);
    return;
  }
  if (!rel) { /* a backup still runs: the list waits */
    pthread_mutex_unlock(&release_lock);
    return;
  }
  /* a backup runs (its snapshot may name the file): later */
  snprintf(path, sizeof path, "%s/" REPLACED_LIST, data);
  int lf = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (lf < 0) { /* the sweep at the next start finds it */
    pthread_mutex_unlock(&release_lock);
    return;
  }
  char line[BK_PATH_MAX + 2];
  int len = snprintf(line, sizeof line, "%s\n", rel);
  if (write(lf, line, (size_t)len) != len) {
  }
  close(lf);
  pthread_mutex_unlock(&release_lock);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct sweep {
  const char *data;
  const char **ref;
  size_t nref;
  time_t before;
  int64_t removed;
};

/* Walks DATA/rel (evidence/ or materials/, two levels: order, file). */
static void sweep_dir(struct sweep *s, const char *rel, int depth) {
  char dir[4400], sub[BK_PATH_MAX + 8], full[4400];
  snprintf(dir, sizeof dir, "%s/%s", s->data, rel);
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue; /* ".", "..", materials/.replaced */
    if ((size_t)snprintf(sub, sizeof sub, "%s/%s", rel, de->d_name) >= BK_PATH_MAX) continue;
    snprintf(full, sizeof full, "%s/%s", s->data, sub);
    struct stat sb;
    if (lstat(full, &sb) != 0) continue;
    if (S_ISDIR(sb.st_mode)) {
      if (depth < 3) sweep_dir(s, sub, depth + 1);
      continue;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_mtime >= s->before) continue;
    const char *key = sub;
    if (s->nref && bsearch(&key, s->ref, s->nref, sizeof *s->ref, cmp_str)) continue;
    if (unlink(full) == 0) s->removed++;
  }
  closedir(d);
}

int store_sweep_files(const char *data, int64_t min_age_s, int64_t *removed, struct zz_err *e) {
  char db_path[4400];
  struct bk_list l = {0};
  const char **ref = NULL;
  int rc = 0, fd = -1;
  *removed = 0;
  snprintf(db_path, sizeof db_path, "%s/zhizhi.db", data);
  if (access(db_path, R_OK) != 0) return 0;
  if ((fd = lock_try(data)) < 0) goto done; /* a backup runs: next start */
  if ((rc = files_of(db_path, &l, 0, e))) goto done;
  if (l.n && !(ref = zz_malloc(l.n * sizeof *ref))) {
    rc = zz_fail(e, ZZ_ENOMEM, "data", "out of memory");
    goto done;
  }
  for (size_t i = 0; i < l.n; i++) ref[i] = l.v[i].path;
  if (l.n) qsort(ref, l.n, sizeof *ref, cmp_str);
  struct sweep s = {.data = data, .ref = ref, .nref = l.n, .before = time(NULL) - min_age_s};
  *removed += drain_replaced(data);
  sweep_dir(&s, "evidence", 1);
  sweep_dir(&s, "materials", 1);
  sweep_dir(&s, "inspections", 1);
  *removed += s.removed;
done:
  if (fd >= 0) close(fd);
  zz_free(ref);
  zz_free(l.v);
  return rc;
}

/* ---- restore ---- */

static int read_manifest(const char *dir, struct bk_file *db, struct bk_list *l, struct zz_err *e) {
  char path[4400], line[1024];
  snprintf(path, sizeof path, "%s/" BK_MANIFEST, dir);
  FILE *f = fopen(path, "r");
  if (!f)
    return zz_fail(e, ZZ_ENOTFOUND, "backup", "%s is not a zhizhi backup (no %s: %s)", dir,
                   BK_MANIFEST, strerror(errno));
  int rc = 0, lineno = 0, have_db = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    lineno++;
    line[strcspn(line, "\n")] = 0;
    long long size;
    char hash[BK_HASH_HEX + 1], p[BK_PATH_MAX + 1];
    if (lineno == 1) {
      if (strcmp(line, BK_HEADER) != 0)
        rc = zz_fail(e, ZZ_EINVAL, "backup", "%s: not a zhizhi backup manifest (version 1)", path);
    } else if (strncmp(line, "created ", 8) == 0 || strncmp(line, "source ", 7) == 0) {
    } else if (sscanf(line, "database %lld %64s %255s", &size, hash, p) == 3) {
      have_db = 1;
      memset(db, 0, sizeof *db);
      db->size = size;
      zz_strlcpy(db->hash, hash, sizeof db->hash);
    } else if (sscanf(line, "file %lld %64s %255s", &size, hash, p) == 3 && path_ok(p) &&
               l->n < BK_FILES_MAX) {
      if ((rc = list_add(l, p, size))) break;
      zz_strlcpy(l->v[l->n - 1].hash, hash, sizeof l->v[0].hash);
    } else if (sscanf(line, "missing %255s", p) == 1 && path_ok(p)) {
      if ((rc = list_add(l, p, 0))) break;
      l->v[l->n - 1].missing = 1;
    } else {
      rc = zz_fail(e, ZZ_EINVAL, "backup", "%s line %d is not understood", path, lineno);
    }
  }
  fclose(f);
  if (!rc && !have_db) rc = zz_fail(e, ZZ_EINVAL, "backup", "%s names no database", path);
  return rc;
}

static int dir_empty(const char *path) {
  DIR *d = opendir(path);
  if (!d) return errno == ENOENT ? 1 : 0;
  struct dirent *de;
  int empty = 1;
  while (empty && (de = readdir(d)))
    empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, "zhizhi.lock") == 0 || strcmp(de->d_name, STORE_BACKUP_LOCK) == 0;
  closedir(d);
  return empty;
}

/* Restore, step 1: the backup is whole, every file as its MANIFEST says
 * (files listed as missing when it was made are counted into st). */
static int restore_verify(const char *backup, const struct bk_file *db, const struct bk_list *l,
                          struct bk_prog *p, struct store_backup_stats *st, struct zz_err *e) {
  char from[4400], hash[BK_HASH_HEX];
  int64_t size;
  snprintf(from, sizeof from, "%s/zhizhi.db", backup);
  int rc = copy_hash(from, NULL, &size, hash, p, e);
  if (rc == ZZ_ENOTFOUND) return zz_fail(e, ZZ_ENOTFOUND, "backup", "%s has no zhizhi.db", backup);
  if (rc) return rc;
  if (size != db->size || strcmp(hash, db->hash) != 0)
    return zz_fail(e, ZZ_EINVAL, "backup", "%s/zhizhi.db does not match its MANIFEST (damaged)",
                   backup);
  for (size_t i = 0; i < l->n; i++) {
    if (l->v[i].missing) {
      if (!st->missing++) zz_strlcpy(st->first_missing, l->v[i].path, sizeof st->first_missing);
      continue;
    }
    snprintf(from, sizeof from, "%s/%s", backup, l->v[i].path);
    rc = copy_hash(from, NULL, &size, hash, p, e);
    if (rc == ZZ_ENOTFOUND || (!rc && (size != l->v[i].size || strcmp(hash, l->v[i].hash) != 0)))
      return zz_fail(e, ZZ_EINVAL, "backup",
                     rc ? "%s/%s is missing (the backup is damaged)"
                        : "%s/%s is not what MANIFEST lists (the backup is damaged)",
                     backup, l->v[i].path);
    if (rc) return rc;
  }
  return 0;
}

/* Restore, step 2: the target directory, created if missing, locked against
 * a server (*lock_fd, for the caller to close), and empty, or with force
 * emptied of what a restore replaces. */
static int restore_target(const char *data, int force, int *lock_fd, struct zz_err *e) {
  char to[4400];
  if (mkdir(data, 0750) != 0 && errno != EEXIST)
    return zz_fail(e, ZZ_EIO, "data", "cannot create %s: %s", data, strerror(errno));
  snprintf(to, sizeof to, "%s/zhizhi.lock", data);
  *lock_fd = open(to, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (*lock_fd < 0) return zz_fail(e, ZZ_EIO, "data", "cannot open %s: %s", to, strerror(errno));
  if (flock(*lock_fd, LOCK_EX | LOCK_NB) != 0)
    return zz_fail(e, ZZ_EBUSY, "data",
                   "data directory %s is in use by a running zhizhi: stop it first", data);
  if (dir_empty(data)) return 0;
  if (!force)
    return zz_fail(e, ZZ_EEXISTS, "data",
                   "%s is not empty: restore into a new directory, or "
                   "add --force to replace its database, records, evidence and materials",
                   data);
  static const char *const old[] = {"zhizhi.db", "zhizhi.db-wal", "zhizhi.db-shm", "evidence",
                                    "materials", "inspections",   "records"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(old); i++) {
    snprintf(to, sizeof to, "%s/%s", data, old[i]);
    if (rm_tree(to) != 0)
      return zz_fail(e, ZZ_EIO, "data", "cannot remove %s: %s", to, strerror(errno));
  }
  return 0;
}

/* Restore, step 3: copies the database and every file, checking each
 * hash again on the way; counts them into st. */
static int restore_copy(const char *backup, const char *data, const struct bk_file *db,
                        const struct bk_list *l, struct bk_prog *p, struct store_backup_stats *st,
                        struct zz_err *e) {
  char from[4400], to[4400], hash[BK_HASH_HEX];
  int64_t size;
  snprintf(from, sizeof from, "%s/zhizhi.db", backup);
  snprintf(to, sizeof to, "%s/zhizhi.db", data);
  int rc = copy_hash(from, to, &size, hash, p, e);
  if (rc) return rc;
  if (strcmp(hash, db->hash) != 0)
    return zz_fail(e, ZZ_EIO, "backup", "%s changed while it was restored", from);
  for (size_t i = 0; i < l->n; i++) {
    if (l->v[i].missing) continue;
    snprintf(from, sizeof from, "%s/%s", backup, l->v[i].path);
    snprintf(to, sizeof to, "%s/%s", data, l->v[i].path);
    if ((rc = copy_hash(from, to, &size, hash, p, e))) return rc;
    if (strcmp(hash, l->v[i].hash) != 0)
      return zz_fail(e, ZZ_EIO, "backup", "%s changed while it was restored", from);
    count_file(st, &l->v[i], size);
  }
  st->db_bytes = db->size;
  sync_dir(data);
  return 0;
}

/* Restore, step 4: the restored database is sound and has every file it
 * names, but those the backup listed as missing when it was made. */
static int restore_check(const char *data, const struct bk_list *l, struct zz_err *e) {
  char to[4400];
  struct bk_list ref = {0};
  snprintf(to, sizeof to, "%s/zhizhi.db", data);
  int rc = files_of(to, &ref, 1, e);
  for (size_t i = 0; !rc && i < ref.n; i++) {
    struct stat sb;
    snprintf(to, sizeof to, "%s/%s", data, ref.v[i].path);
    if (stat(to, &sb) == 0) continue;
    int known = 0; /* listed as missing when the backup was made */
    for (size_t k = 0; k < l->n && !known; k++)
      known = l->v[k].missing && strcmp(l->v[k].path, ref.v[i].path) == 0;
    if (!known)
      rc = zz_fail(e, ZZ_EINVAL, "backup",
                   "the restored database names %s, which the backup "
                   "does not hold",
                   ref.v[i].path);
  }
  zz_free(ref.v);
  return rc;
}

int store_restore(const char *backup, const char *data, int force,
                  store_backup_progress_fn progress, void *ud, struct store_backup_stats *st,
                  struct zz_err *e) {
  memset(st, 0, sizeof *st);
  struct bk_file db;
  struct bk_list l = {0};
  int lock_fd = -1, rc;
  if (sodium_init() < 0) return zz_fail(e, ZZ_EINTERNAL, "sodium", "libsodium did not start");
  if ((rc = read_manifest(backup, &db, &l, e))) goto done;
  struct bk_prog p = {.fn = progress, .ud = ud, .phase = "verify", .total = db.size};
  for (size_t i = 0; i < l.n; i++) p.total += l.v[i].size;
  if ((rc = restore_verify(backup, &db, &l, &p, st, e)) ||
      (rc = restore_target(data, force, &lock_fd, e)))
    goto done;
  p = (struct bk_prog){.fn = progress, .ud = ud, .phase = "files", .total = p.total};
  if (!(rc = restore_copy(backup, data, &db, &l, &p, st, e))) rc = restore_check(data, &l, e);
done:
  if (lock_fd >= 0) close(lock_fd);
  zz_free(l.v);
  return rc;
}
