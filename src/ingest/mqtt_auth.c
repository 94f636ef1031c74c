/* mqtt_auth.c - the broker accounts zhizhi provisions: password hashes in
 * mosquitto's own format, the password and ACL files generated from the
 * store's accounts, and the SIGHUP that makes mosquitto re-read them.
 * A device may publish only its own topics; the service account may read
 * them all (docs/operations.md, "MQTT"). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/ztime.h"
#include "ingest/mqtt.h"
#include "store/store_mqtt.h"
#include "store/store_registry.h"

#define PW_ROUNDS 101 /* mosquitto_passwd's default */
#define PW_SALT 12

/* PBKDF2-HMAC-SHA512 (RFC 8018) for one 64-byte block, as mosquitto's
 * PKCS5_PBKDF2_HMAC call derives it. */
static void pbkdf2_sha512(const char *pw, const unsigned char *salt, size_t saltlen, int rounds,
                          unsigned char out[64]) {
  unsigned char u[64], block[PW_SALT + 4];
  memcpy(block, salt, saltlen);
  memcpy(block + saltlen, "\0\0\0\1", 4);
  crypto_auth_hmacsha512_state h;
  crypto_auth_hmacsha512_init(&h, (const unsigned char *)pw, strlen(pw));
  crypto_auth_hmacsha512_update(&h, block, saltlen + 4);
  crypto_auth_hmacsha512_final(&h, u);
  memcpy(out, u, 64);
  for (int r = 1; r < rounds; r++) {
    crypto_auth_hmacsha512_init(&h, (const unsigned char *)pw, strlen(pw));
    crypto_auth_hmacsha512_update(&h, u, 64);
    crypto_auth_hmacsha512_final(&h, u);
    for (int i = 0; i < 64; i++) out[i] ^= u[i];
  }
  sodium_memzero(&h, sizeof h);
}

int mqtt_password_hash(const char *password, char *out, size_t cap) {
  unsigned char salt[PW_SALT], hash[64];
  char s64[sodium_base64_ENCODED_LEN(PW_SALT, sodium_base64_VARIANT_ORIGINAL)];
  char h64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
  randombytes_buf(salt, sizeof salt);
  pbkdf2_sha512(password, salt, sizeof salt, PW_ROUNDS, hash);
  sodium_bin2base64(s64, sizeof s64, salt, sizeof salt, sodium_base64_VARIANT_ORIGINAL);
  sodium_bin2base64(h64, sizeof h64, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL);
  int n = snprintf(out, cap, "$7$%d$%s$%s", PW_ROUNDS, s64, h64);
  return n > 0 && (size_t)n < cap ? 0 : ZZ_EINVAL;
}

/* A password of MQTT_PASSWORD_LEN letters and digits (190 bits). */
static void password_new(char *out) {
  static const char abc[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  for (int i = 0; i < MQTT_PASSWORD_LEN; i++)
    out[i] = abc[randombytes_uniform((uint32_t)(sizeof abc - 1))];
  out[MQTT_PASSWORD_LEN] = 0;
}

/* Writes text to dir/name through a temporary file and a rename, so the
 * broker never reads half a file. mode: the file's permissions; the group
 * becomes mosquitto's when that group exists (the broker drops to it). */
static int write_file(const char *dir, const char *name, const struct zz_buf *text, mode_t mode,
                      struct zz_err *e) {
  char path[4096], tmp[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return zz_fail(e, ZZ_EIO, "mqtt", "cannot write %s: %s", tmp, strerror(errno));
  struct group *g = getgrnam("mosquitto");
  if (g && fchown(fd, (uid_t)-1, g->gr_gid) != 0) {
    /* not root: the operator sets the group (docs/operations.md) */
  }
  (void)fchmod(fd, mode);
  size_t off = 0;
  while (off < text->len) {
    ssize_t w = write(fd, text->data + off, text->len - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
  int ok = off == text->len && fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp, path) != 0) {
    unlink(tmp);
    return zz_fail(e, ZZ_EIO, "mqtt", "cannot write %s: %s", path, strerror(errno));
  }
  return 0;
}

static int source_key_row(void *ud, const struct store_source *s) {
  struct zz_buf *keys = ud; /* "id\tkey\n" lines */
  zz_buf_printf(keys, "%lld\t%s\n", (long long)s->id, s->key);
  return 0;
}

/* The key of source id from the "id\tkey\n" list, into out (cap bytes). */
static int key_of(const struct zz_buf *keys, int64_t id, char *out, size_t cap) {
  char want[32];
  int n = snprintf(want, sizeof want, "%lld\t", (long long)id);
  for (const char *p = keys->data; p && *p;) {
    const char *nl = strchr(p, '\n');
    if (!nl) break;
    if (strncmp(p, want, (size_t)n) == 0) {
      size_t len = (size_t)(nl - p) - (size_t)n;
      if (len >= cap) return -1;
      memcpy(out, p + n, len);
      out[len] = 0;
      return 0;
    }
    p = nl + 1;
  }
  return -1;
}

struct account_rows {
  struct zz_buf *pw, *acl;
  const struct zz_buf *keys;
};

static int account_row(void *ud, const struct store_mqtt_account *a) {
  struct account_rows *c = ud;
  zz_buf_printf(c->pw, "%s:%s\n", a->username, a->hash);
  zz_buf_printf(c->acl, "\nuser %s\n", a->username);
  if (strcmp(a->kind, "service") == 0) {
    zz_buf_adds(c->acl, "topic read zz/#\ntopic read v1/devices/+/telemetry\n");
    return 0;
  }
  char src[64];
  if (key_of(c->keys, a->source, src, sizeof src) == 0)
    zz_buf_printf(c->acl, "topic write zz/%s/%s/+\n", src, a->username);
  zz_buf_printf(c->acl, "topic write v1/devices/%s/telemetry\n", a->username);
  return 0;
}

int mqtt_files_write(struct store *st, struct registry *reg, const char *dir, struct zz_err *e) {
  (void)reg;
  struct zz_buf pw, acl, keys;
  zz_buf_init(&pw, 0);
  zz_buf_init(&acl, 0);
  zz_buf_init(&keys, 0);
  int rc = 0;
  zz_buf_adds(&acl, "# written by zhizhi (zhizhi mqtt ...): edits here are overwritten\n");
  if (store_sources_each(st, source_key_row, &keys)) {
    rc = zz_fail(e, ZZ_ESTORE, "mqtt", "%s", "reading the sources failed");
    goto done;
  }
  struct account_rows c = {&pw, &acl, &keys};
  if (store_mqtt_accounts_each(st, account_row, &c)) {
    rc = zz_fail(e, ZZ_ESTORE, "mqtt", "%s", "reading the MQTT accounts failed");
    goto done;
  }
  if (zz_buf_error(&pw) || zz_buf_error(&acl) || zz_buf_error(&keys)) {
    rc = zz_fail(e, ZZ_ENOMEM, "mqtt", "%s", "out of memory");
    goto done;
  }
  if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
    rc = zz_fail(e, ZZ_EIO, "mqtt", "cannot write %s: %s", dir, strerror(errno));
    goto done;
  }
  if ((rc = write_file(dir, "passwd", &pw, 0640, e)) ||
      (rc = write_file(dir, "acl", &acl, 0640, e)))
    goto done;
done:
  zz_buf_free(&pw);
  zz_buf_free(&acl);
  zz_buf_free(&keys);
  return rc;
}

int mqtt_broker_reload(const char *pid_file, struct zz_err *e) {
  FILE *f = fopen(pid_file, "r");
  long long pid = 0;
  int ok = f && fscanf(f, "%lld", &pid) == 1 && pid > 1;
  if (f) fclose(f);
  if (!ok || kill((pid_t)pid, SIGHUP) != 0)
    return zz_fail(e, ZZ_EIO, "broker-pid", "cannot reload the broker from %s: %s", pid_file,
                   ok ? strerror(errno) : "no process id in it");
  return 0;
}

/* A username becomes a topic level and a line of the broker's files. */
static int username_ok(const char *u) {
  size_t n = strlen(u);
  if (n == 0 || n > 100) return 0;
  for (const char *p = u; *p; p++)
    if (*p == '/' || *p == '+' || *p == '#' || *p == ':' || (unsigned char)*p <= ' ') return 0;
  return 1;
}

int mqtt_account_issue(struct store *st, struct registry *reg, const char *username,
                       const char *source_key, const char *dir, const char *broker_pid_file,
                       char *password, struct zz_err *e) {
  int rc = 0;
  int64_t source = 0;
  if (!username_ok(username))
    return zz_fail(e, ZZ_EINVAL, "username",
                   "an MQTT user name has 1 to 100 characters, none of / + # : or space, not "
                   "\"%s\"",
                   username);
  if (source_key) {
    registry_rdlock(reg);
    int known = registry_entity(reg, username, strlen(username)) != NULL;
    source = registry_source_id(reg, source_key);
    registry_unlock(reg);
    if (!known) return zz_fail(e, ZZ_ENOTFOUND, "entity", "no entity \"%s\"", username);
    if (!source) return zz_fail(e, ZZ_ENOTFOUND, "source", "no source \"%s\"", source_key);
  } else if (strcmp(username, MQTT_SERVICE_USER) != 0) {
    return zz_fail(e, ZZ_EINVAL, "username", "%s", "a device needs --source");
  }
  char hash[200];
  password_new(password);
  if (mqtt_password_hash(password, hash, sizeof hash))
    return zz_fail(e, ZZ_EINVAL, "password", "%s", "hashing the password failed");
  struct store_mqtt_account a = {.username = username,
                                 .kind = source_key ? "device" : "service",
                                 .source = source,
                                 .hash = hash,
                                 .updated = zz_time_now()};
  if ((rc = store_mqtt_account_put(st, &a, e))) return rc;
  if ((rc = mqtt_files_write(st, reg, dir, e))) return rc;
  if (!source_key) {
    struct zz_buf s;
    zz_buf_init(&s, 0);
    zz_buf_printf(&s, "%s:%s\n", username, password);
    rc = zz_buf_error(&s) ? zz_fail(e, ZZ_ENOMEM, "mqtt", "%s", "out of memory")
                          : write_file(dir, "zhizhi.secret", &s, 0600, e);
    sodium_memzero(s.data, s.len);
    zz_buf_free(&s);
    if (rc) return rc;
  }
  if (broker_pid_file) rc = mqtt_broker_reload(broker_pid_file, e);
  return rc;
}
