/* accounts.c - user accounts: validation, argon2id password hashes
 * (libsodium), the login password check with a dummy verify for unknown
 * names, demo passwords, and the per-peer login throttle. The store keeps the
 * rows (store_ops user_*); this file decides what a valid account is. */
#include "model/accounts.h"

#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include <sodium.h>

#include "core/msg.h"
#include "core/ztime.h"
#include "model/roles.h"
#include "store/store_accounts.h"
#include "store/store_registry.h"

#define WRONG_LOGIN "wrong name or password"

/* ---- libsodium and the dummy hash ---- */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void sodium_start(void) {
  /* Without a working libsodium no password can be checked: a broken host,
   * not bad input, so crash loudly. */
  ZZ_ASSERT(sodium_init() >= 0);
}

static void sodium_ready(void) {
  pthread_once(&sodium_once, sodium_start);
}

/* A hash of a random password, verified against when the name is unknown so
 * that a login for a missing user costs as much as one for a real user. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void dummy_make(void) {
  char pw[24];
  accounts_password_new(pw);
  if (crypto_pwhash_str_alg(dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    dummy_hash[0] = '\0';
  sodium_memzero(pw, sizeof pw);
}

/* ---- roles ---- */

static const struct {
  const char *name;
  int bit;
} roles[] = {
    {"admin", ROLE_ADMIN},   {"dispatcher", ROLE_DISPATCHER},     {"officer", ROLE_OFFICER},
    {"viewer", ROLE_VIEWER}, {"park_manager", ROLE_PARK_MANAGER},
};

int accounts_role_bit(const char *role) {
  if (!role) return 0;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(roles); i++)
    if (strcmp(role, roles[i].name) == 0) return roles[i].bit;
  return 0;
}

const char *accounts_role_name(int bit) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(roles); i++)
    if (roles[i].bit == bit) return roles[i].name;
  return NULL;
}

/* ---- text checks ---- */

/* Decodes one UTF-8 sequence at s (strict: no overlongs, no surrogates, at
 * most U+10FFFF). Returns its length and *cp, or 0 when invalid. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp) {
  unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  uint32_t v, min;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2, v = c & 0x1F, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, v = c & 0x0F, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, v = c & 0x07, min = 0x10000;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0; /* also stops at the NUL */
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

static pthread_once_t utf8_locale_once = PTHREAD_ONCE_INIT;
static locale_t utf8_locale;

static void utf8_locale_open(void) {
  /* glibc builds C.UTF-8 in (2.35+), with Unicode character classes. */
  utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* A letter of any script (non-ASCII code points only). Uses the C.UTF-8
 * locale's classes, which do not depend on the process locale; without it,
 * a fixed list of the main letter blocks. */
static int is_letter(uint32_t cp) {
  pthread_once(&utf8_locale_once, utf8_locale_open);
  if (utf8_locale) return iswalpha_l((wint_t)cp, utf8_locale) != 0;
  return (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x370 && cp <= 0x52F) ||
         (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x9FFF) ||
         (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

int accounts_name_check(const char *name, struct zz_err *e) {
  if (!name || !*name)
    return zz_fail(e, ZZ_EINVAL, "name", "name is required (1 to 64 characters)");
  size_t chars = 0, i = 0;
  while (name[i]) {
    uint32_t cp;
    size_t n = utf8_next((const unsigned char *)name + i, &cp);
    if (!n) return zz_fail(e, ZZ_EINVAL, "name", "name is not valid UTF-8 at byte %zu", i + 1);
    chars++;
    int ok = cp < 0x80 ? (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                             (cp >= '0' && cp <= '9') || cp == '_' || cp == '.' || cp == '-'
                       : is_letter(cp);
    if (!ok) {
      if (cp > 0x20 && cp < 0x7F)
        return zz_fail(e, ZZ_EINVAL, "name",
                       "name has '%c' at character %zu; use letters, digits, '_', '.' or '-'",
                       (char)cp, chars);
      return zz_fail(e, ZZ_EINVAL, "name",
                     "name has U+%04X at character %zu; use letters, digits, '_', '.' or '-'",
                     (unsigned)cp, chars);
    }
    i += n;
    if (chars > ACCOUNTS_NAME_MAX_CHARS)
      return zz_fail(e, ZZ_EINVAL, "name", "name is longer than %d characters",
                     ACCOUNTS_NAME_MAX_CHARS);
  }
  if (i > ACCOUNTS_NAME_MAX)
    return zz_fail(e, ZZ_EINVAL, "name", "name is %zu bytes long in UTF-8; at most %d bytes fit", i,
                   ACCOUNTS_NAME_MAX);
  return 0;
}

/* Optional free text (department): valid UTF-8, no control characters. */
static int text_check(const char *s, size_t max, const char *field, struct zz_err *e) {
  size_t i = 0;
  while (s[i]) {
    uint32_t cp;
    size_t n = utf8_next((const unsigned char *)s + i, &cp);
    if (!n) return zz_fail(e, ZZ_EINVAL, field, "%s is not valid UTF-8 at byte %zu", field, i + 1);
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
      return zz_fail(e, ZZ_EINVAL, field, "%s has a control character at byte %zu", field, i + 1);
    i += n;
    if (i > max) return zz_fail(e, ZZ_EINVAL, field, "%s is longer than %zu bytes", field, max);
  }
  return 0;
}

struct region_find {
  const char *path;
  int found;
};

static int region_match(void *ud, const struct store_region *r) {
  struct region_find *f = ud;
  if (r->path && strcmp(r->path, f->path) == 0) {
    f->found = 1;
    return 1;
  }
  return 0;
}

struct dept_find {
  const char *key;
  int found, count;
};

static int dept_match(void *ud, const struct store_named *n) {
  struct dept_find *f = ud;
  f->count++;
  if (n->key && strcmp(n->key, f->key) == 0) {
    f->found = 1;
    return 1;
  }
  return 0;
}

/* Fails with the store's code rc, its sentence (zz_strerror) after a prefix
 * in both languages: "cannot read the user: the store failed, retry later". */
static int store_fail(struct zz_err *e, int rc, const char *field, const char *en_prefix,
                      const char *zh_prefix) {
  struct zz_err inner;
  zz_fail_pair(&inner, rc, field, zz_strerror(rc), zz_strerror_zh(rc));
  return zz_err_wrap(e, &inner, en_prefix, zh_prefix);
}

/* ---- users ---- */

int accounts_password_check(const char *name, const char *password, struct zz_err *e) {
  if (!password) return zz_fail(e, ZZ_EINVAL, "password", "password is required");
  size_t bytes = strnlen(password, ACCOUNTS_PASSWORD_MAX + 1);
  if (bytes > ACCOUNTS_PASSWORD_MAX)
    return zz_fail(e, ZZ_EINVAL, "password", "password is longer than %d bytes",
                   ACCOUNTS_PASSWORD_MAX);
  size_t chars = 0, i = 0;
  int same = 1;
  uint32_t first = 0;
  while (password[i]) {
    uint32_t cp;
    size_t n = utf8_next((const unsigned char *)password + i, &cp);
    if (!n) return zz_fail(e, ZZ_EINVAL, "password", "password is not valid UTF-8");
    if (chars == 0) first = cp;
    same &= cp == first;
    chars++;
    i += n;
  }
  if (chars < ACCOUNTS_PASSWORD_MIN)
    return zz_fail(e, ZZ_EINVAL, "password",
                   "password has %zu characters; it needs at least %d (密码至少需要 %d 个字符)",
                   chars, ACCOUNTS_PASSWORD_MIN, ACCOUNTS_PASSWORD_MIN);
  if (same)
    return zz_fail(e, ZZ_EINVAL, "password",
                   "password is one character repeated; choose a less guessable one "
                   "(密码不能由同一个字符组成)");
  if (name && strcasecmp(password, name) == 0)
    return zz_fail(e, ZZ_EINVAL, "password",
                   "password is the user name; choose another (密码不能与用户名相同)");
  return 0;
}

int accounts_fields_check(struct store *st, const char *role, const char *department,
                          const char *scope, struct zz_err *e) {
  int rc;
  if (!role || !*role)
    return zz_fail(e, ZZ_EINVAL, "role",
                   "role is required: admin, dispatcher, officer, viewer or park_manager");
  if (!accounts_role_bit(role))
    return zz_fail(e, ZZ_EINVAL, "role",
                   "unknown role \"%.32s\"; use admin, dispatcher, officer, viewer or park_manager",
                   role);
  if (department && *department) {
    if ((rc = text_check(department, ACCOUNTS_DEPARTMENT_MAX, "department", e))) return rc;
    struct dept_find f = {department, 0, 0};
    if ((rc = store_named_each(st, "department", dept_match, &f)))
      return store_fail(e, rc, "department", "cannot read the departments: ", "无法读取部门：");
    if (!f.found)
      return zz_fail(e, ZZ_EINVAL, "department",
                     "department \"%.64s\" is not one of the pack's %d departments (see GET "
                     "/api/v1/departments)",
                     department, f.count);
  }
  if (scope && *scope) {
    if (strlen(scope) > ACCOUNTS_SCOPE_MAX)
      return zz_fail(e, ZZ_EINVAL, "scope", "scope is longer than %d bytes", ACCOUNTS_SCOPE_MAX);
    struct region_find f = {scope, 0};
    if ((rc = store_regions_each(st, 0, region_match, &f)))
      return store_fail(e, rc, "scope", "cannot read the regions: ", "无法读取区域：");
    if (!f.found)
      return zz_fail(e, ZZ_EINVAL, "scope",
                     "scope \"%.64s\" is not a region path (see GET /api/v1/regions)", scope);
  }
  return 0;
}

/* The argon2id hash of an accepted password into hash. 0 or ZZ_ENOMEM. */
static int password_hash(const char *password, char hash[crypto_pwhash_STRBYTES],
                         struct zz_err *e) {
  sodium_ready();
  if (crypto_pwhash_str_alg(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return zz_fail(e, ZZ_ENOMEM, "password", "cannot hash the password (out of memory)");
  return 0;
}

int accounts_user_add(struct store *st, const char *name, const char *role, const char *department,
                      const char *scope, const char *password, struct zz_err *e) {
  int rc = accounts_name_check(name, e);
  if (rc || (rc = accounts_fields_check(st, role, department, scope, e)) ||
      (rc = accounts_password_check(name, password, e)))
    return rc;
  char hash[crypto_pwhash_STRBYTES];
  if ((rc = password_hash(password, hash, e))) return rc;
  struct store_user u = {
      .name = name,
      .role = role,
      .department = department && *department ? department : NULL,
      .scope = scope && *scope ? scope : NULL,
      .pwhash = hash,
      .created = zz_time_now(),
  };
  int64_t id = 0;
  return store_user_upsert(st, &u, &id, e);
}

int accounts_user_change(struct store *st, const char *name, int what, const char *password,
                         struct zz_err *e) {
  int rc = accounts_name_check(name, e);
  if (rc) return rc;
  char hash[crypto_pwhash_STRBYTES] = "";
  if (what == STORE_USER_PASSWORD) {
    /* a missing user is said before the password's faults */
    struct accounts_user u;
    rc = accounts_user_get(st, name, 0, &u);
    if (rc == ZZ_ENOTFOUND) return zz_fail(e, rc, "name", "no user called \"%.64s\"", name);
    if (rc) return store_fail(e, rc, "name", "cannot read the user: ", "无法读取用户：");
    if ((rc = accounts_password_check(name, password, e)) ||
        (rc = password_hash(password, hash, e)))
      return rc;
  }
  rc = store_user_change(st, name, what, what == STORE_USER_PASSWORD ? hash : NULL, e);
  sodium_memzero(hash, sizeof hash);
  return rc;
}

/* user_get callback: copies the row (and, when wanted, the hash). */
struct user_copy {
  struct accounts_user *out;
  char *pwhash; /* crypto_pwhash_STRBYTES, or NULL */
};

static int user_copy_row(void *ud, const struct store_user *u) {
  struct user_copy *c = ud;
  struct accounts_user *o = c->out;
  memset(o, 0, sizeof *o);
  o->id = u->id;
  zz_strlcpy(o->name, u->name ? u->name : "", sizeof o->name);
  zz_strlcpy(o->role, u->role ? u->role : "", sizeof o->role);
  o->role_bit = accounts_role_bit(u->role);
  zz_strlcpy(o->department, u->department ? u->department : "", sizeof o->department);
  zz_strlcpy(o->scope, u->scope ? u->scope : "", sizeof o->scope);
  o->created = u->created;
  o->disabled = u->disabled;
  /* A hash that does not fit is not one we wrote; leaving it empty makes
   * every password wrong rather than checking a truncated string. */
  if (c->pwhash && u->pwhash && strlen(u->pwhash) < crypto_pwhash_STRBYTES)
    zz_strlcpy(c->pwhash, u->pwhash, crypto_pwhash_STRBYTES);
  return 1;
}

int accounts_user_get(struct store *st, const char *name, int64_t id, struct accounts_user *out) {
  struct user_copy c = {out, NULL};
  return store_user_get(st, name, id, user_copy_row, &c);
}

int accounts_check_password(struct store *st, const char *name, const char *password,
                            struct accounts_user *out, struct zz_err *e) {
  sodium_ready();
  struct accounts_user u;
  char hash[crypto_pwhash_STRBYTES] = "";
  int rc = ZZ_ENOTFOUND;
  size_t pwlen = password ? strnlen(password, ACCOUNTS_PASSWORD_MAX + 1) : 0;
  /* Names that cannot exist are not looked up, but are refused at the
   * same cost as the others. */
  if (name && *name && strlen(name) <= ACCOUNTS_NAME_MAX) {
    struct user_copy c = {&u, hash};
    rc = store_user_get(st, name, 0, user_copy_row, &c);
    if (rc && rc != ZZ_ENOTFOUND)
      return store_fail(e, rc, NULL, "cannot read the user: ", "无法读取用户：");
  }
  int ok;
  if (rc == 0 && hash[0] && password && pwlen <= ACCOUNTS_PASSWORD_MAX) {
    ok = crypto_pwhash_str_verify(hash, password, pwlen) == 0;
  } else {
    pthread_once(&dummy_once, dummy_make);
    /* The result is ignored on purpose: only the time it takes matters. */
    if (dummy_hash[0] && crypto_pwhash_str_verify(dummy_hash, password ? password : "",
                                                  ZZ_MIN(pwlen, ACCOUNTS_PASSWORD_MAX)) == 0)
      zz_debug("accounts: the dummy hash matched");
    ok = 0;
  }
  if (ok) crypto_hash_sha256(u.pwtag, (const unsigned char *)hash, strlen(hash));
  sodium_memzero(hash, sizeof hash);
  if (!ok || u.disabled) return zz_fail(e, ZZ_EAUTH, NULL, WRONG_LOGIN);
  if (out) *out = u;
  return 0;
}

int accounts_still_current(struct store *st, const struct accounts_user *u) {
  struct accounts_user now;
  char hash[crypto_pwhash_STRBYTES] = "";
  unsigned char tag[32];
  struct user_copy c = {&now, hash};
  int rc = store_user_get(st, NULL, u->id, user_copy_row, &c);
  if (rc == ZZ_ENOTFOUND) return ZZ_EAUTH;
  if (rc) return rc;
  int have = hash[0] != 0;
  crypto_hash_sha256(tag, (const unsigned char *)hash, strlen(hash));
  sodium_memzero(hash, sizeof hash);
  return !now.disabled && have && sodium_memcmp(tag, u->pwtag, sizeof tag) == 0 ? 0 : ZZ_EAUTH;
}

void accounts_password_new(char out[24]) {
  static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789"; /* no 0/o, 1/l/i */
  sodium_ready();
  size_t k = 0;
  for (int g = 0; g < 4; g++) {
    if (g) out[k++] = '-';
    for (int j = 0; j < 5; j++) out[k++] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
  }
  out[k] = '\0';
}

/* ---- login throttle ---- */

struct throttle_entry {
  char peer[64];
  int64_t start; /* first failure of the window */
  int fails;
  int used;
};

static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct throttle_entry throttle[ACCOUNTS_THROTTLE_PEERS];

/* Under the lock: the live entry of peer, or NULL. Expired entries are
 * dropped as they are met. */
static struct throttle_entry *throttle_find(const char *peer, int64_t now) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(throttle); i++) {
    struct throttle_entry *t = &throttle[i];
    if (!t->used || strncmp(t->peer, peer, sizeof t->peer - 1) != 0) continue;
    if (now - t->start >= ACCOUNTS_THROTTLE_WINDOW_MS) {
      t->used = 0;
      return NULL;
    }
    return t;
  }
  return NULL;
}

int accounts_throttle_check(const char *peer, int64_t now) {
  if (!peer) peer = "";
  int wait = 0;
  pthread_mutex_lock(&throttle_lock);
  struct throttle_entry *t = throttle_find(peer, now);
  if (t && t->fails >= ACCOUNTS_THROTTLE_FAILS) {
    int64_t left = t->start + ACCOUNTS_THROTTLE_WINDOW_MS - now;
    wait = (int)((left + 999) / 1000);
    if (wait < 1) wait = 1;
  }
  pthread_mutex_unlock(&throttle_lock);
  return wait;
}

void accounts_throttle_fail(const char *peer, int64_t now) {
  if (!peer) peer = "";
  pthread_mutex_lock(&throttle_lock);
  struct throttle_entry *t = throttle_find(peer, now);
  if (!t) {
    /* A free or expired slot, else the entry whose window began first. */
    struct throttle_entry *oldest = &throttle[0];
    for (size_t i = 0; i < ZZ_ARRAY_LEN(throttle); i++) {
      struct throttle_entry *c = &throttle[i];
      if (!c->used || now - c->start >= ACCOUNTS_THROTTLE_WINDOW_MS) {
        t = c;
        break;
      }
      if (c->start < oldest->start) oldest = c;
    }
    if (!t) t = oldest;
    zz_strlcpy(t->peer, peer, sizeof t->peer);
    t->start = now;
    t->fails = 0;
    t->used = 1;
  }
  t->fails++;
  pthread_mutex_unlock(&throttle_lock);
}

/* Per account: a separate table, so that addresses cannot push names out. */
struct user_throttle {
  char name[ACCOUNTS_NAME_MAX + 1];
  int64_t last; /* last failure */
  int fails;
  int used;
};

static struct user_throttle user_throttle[ACCOUNTS_THROTTLE_PEERS];

/* Under the lock: the live entry of name, or NULL (stale ones are dropped). */
static struct user_throttle *user_find(const char *name, int64_t now) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(user_throttle); i++) {
    struct user_throttle *t = &user_throttle[i];
    if (!t->used || strcmp(t->name, name) != 0) continue;
    if (now - t->last >= ACCOUNTS_THROTTLE_USER_FORGET_MS) {
      t->used = 0;
      return NULL;
    }
    return t;
  }
  return NULL;
}

int accounts_throttle_user_check(const char *name, int64_t now) {
  if (!name || strlen(name) > ACCOUNTS_NAME_MAX) return 0;
  int wait = 0;
  pthread_mutex_lock(&throttle_lock);
  struct user_throttle *t = user_find(name, now);
  if (t && t->fails >= ACCOUNTS_THROTTLE_USER_FREE) {
    int shift = t->fails - ACCOUNTS_THROTTLE_USER_FREE;
    int64_t delay_s = shift >= 9 ? ACCOUNTS_THROTTLE_USER_MAX_S : (1LL << shift);
    if (delay_s > ACCOUNTS_THROTTLE_USER_MAX_S) delay_s = ACCOUNTS_THROTTLE_USER_MAX_S;
    int64_t left = t->last + delay_s * 1000 - now;
    if (left > 0) wait = (int)((left + 999) / 1000);
  }
  pthread_mutex_unlock(&throttle_lock);
  return wait;
}

void accounts_throttle_user_fail(const char *name, int64_t now) {
  if (!name || strlen(name) > ACCOUNTS_NAME_MAX) return;
  pthread_mutex_lock(&throttle_lock);
  struct user_throttle *t = user_find(name, now);
  if (!t) {
    struct user_throttle *oldest = &user_throttle[0];
    for (size_t i = 0; i < ZZ_ARRAY_LEN(user_throttle) && !t; i++) {
      struct user_throttle *c = &user_throttle[i];
      if (!c->used || now - c->last >= ACCOUNTS_THROTTLE_USER_FORGET_MS)
        t = c;
      else if (c->last < oldest->last)
        oldest = c;
    }
    if (!t) t = oldest;
    zz_strlcpy(t->name, name, sizeof t->name);
    t->fails = 0;
    t->used = 1;
  }
  t->fails++;
  t->last = now;
  pthread_mutex_unlock(&throttle_lock);
}

void accounts_throttle_user_ok(const char *name) {
  if (!name) return;
  pthread_mutex_lock(&throttle_lock);
  for (size_t i = 0; i < ZZ_ARRAY_LEN(user_throttle); i++)
    if (user_throttle[i].used && strcmp(user_throttle[i].name, name) == 0)
      user_throttle[i].used = 0;
  pthread_mutex_unlock(&throttle_lock);
}

void accounts_throttle_reset(void) {
  pthread_mutex_lock(&throttle_lock);
  memset(throttle, 0, sizeof throttle);
  memset(user_throttle, 0, sizeof user_throttle);
  pthread_mutex_unlock(&throttle_lock);
}
