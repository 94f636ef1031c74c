/* config.c - the "key = value" parser of the configuration file
 * (core/config.h): one copy of the bytes, cut in place into entries. */
#include "core/config.h"

#include <string.h>

static int is_blank(char c) {
  return c == ' ' || c == '\t';
}

static int is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Cuts one line (s, NUL-terminated, no newline) into an entry. Returns 0,
 * 1 for a line with nothing on it, or ZZ_EINVAL with e filled. */
static int parse_line(char *s, int line, struct zz_conf_entry *out, struct zz_err *e) {
  size_t len = strlen(s);
  if (len && s[len - 1] == '\r') s[--len] = 0;
  while (is_blank(*s)) s++;
  if (!*s || *s == '#') return 1;
  char *key = s;
  while (is_key_char(*s)) s++;
  char *key_end = s;
  while (is_blank(*s)) s++;
  if (key_end == key || *s != '=')
    return zz_fail(e, ZZ_EINVAL, "config", "line %d: expected key = value (keys are a-z, 0-9, -)",
                   line);
  if (key_end - key > ZZ_CONF_MAX_KEY)
    return zz_fail(e, ZZ_EINVAL, "config", "line %d: the key is longer than %d characters", line,
                   ZZ_CONF_MAX_KEY);
  *key_end = 0;
  s++;
  while (is_blank(*s)) s++;
  char *val = s, *end;
  if (*s == '"') {
    val = ++s;
    char *q = strchr(s, '"');
    if (!q) return zz_fail(e, ZZ_EINVAL, "config", "line %d: the quoted value has no end", line);
    *q = 0;
    for (end = q + 1; is_blank(*end); end++)
      ;
    if (*end && *end != '#')
      return zz_fail(e, ZZ_EINVAL, "config", "line %d: text after the quoted value", line);
  } else {
    /* a comment starts at a # after a blank; a # inside a word is kept */
    for (end = s; *end; end++)
      if (*end == '#' && (end == s || is_blank(end[-1]))) break;
    *end = 0;
    while (end > s && is_blank(end[-1])) *--end = 0;
  }
  out->key = key;
  out->value = val;
  out->line = line;
  return 0;
}

int zz_conf_parse(const char *buf, size_t len, struct zz_conf *out, struct zz_err *e) {
  memset(out, 0, sizeof *out);
  int rc = 0;
  if (len > ZZ_CONF_MAX_BYTES)
    return zz_fail(e, ZZ_ETOOBIG, "config", "the file is larger than %d bytes", ZZ_CONF_MAX_BYTES);
  if (memchr(buf, 0, len))
    return zz_fail(e, ZZ_EINVAL, "config", "the file holds a NUL byte: not a text file");
  out->mem = zz_malloc(len + 1);
  out->v = zz_calloc(ZZ_CONF_MAX_ENTRIES, sizeof *out->v);
  if (!out->mem || !out->v) {
    rc = zz_fail(e, ZZ_ENOMEM, "config", "out of memory");
    goto done;
  }
  if (len) memcpy(out->mem, buf, len);
  out->mem[len] = 0;
  char *s = out->mem;
  for (int line = 1; *s; line++) {
    char *nl = strchr(s, '\n');
    char *next = nl ? nl + 1 : s + strlen(s);
    if (nl) *nl = 0;
    if (strlen(s) > ZZ_CONF_MAX_LINE) {
      rc = zz_fail(e, ZZ_EINVAL, "config", "line %d: longer than %d bytes", line, ZZ_CONF_MAX_LINE);
      goto done;
    }
    struct zz_conf_entry ent;
    int r = parse_line(s, line, &ent, e);
    if (r < 0) {
      rc = r;
      goto done;
    }
    if (r == 0) {
      if (out->n == ZZ_CONF_MAX_ENTRIES) {
        rc = zz_fail(e, ZZ_EINVAL, "config", "line %d: more than %d settings", line,
                     ZZ_CONF_MAX_ENTRIES);
        goto done;
      }
      out->v[out->n++] = ent;
    }
    s = next;
  }
done:
  if (rc) zz_conf_free(out);
  return rc;
}

void zz_conf_free(struct zz_conf *c) {
  zz_free(c->v);
  zz_free(c->mem);
  memset(c, 0, sizeof *c);
}

/* Levenshtein distance over two short strings (keys: at most 63 bytes;
 * longer inputs count as far apart). */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > ZZ_CONF_MAX_KEY || lb > ZZ_CONF_MAX_KEY) return (size_t)-1;
  size_t row[ZZ_CONF_MAX_KEY + 1];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *zz_conf_closest(const char *key, const char *const *names, size_t n) {
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    size_t d = edit_distance(key, names[i]);
    size_t longer = ZZ_MAX(strlen(key), strlen(names[i]));
    size_t limit = ZZ_MAX((size_t)2, longer / 3);
    if (d <= limit && d < best_d) {
      best = names[i];
      best_d = d;
    }
  }
  return best;
}
