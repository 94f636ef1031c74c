/* config.h - the server's configuration file (/etc/zhizhi/zhizhi.conf):
 * "key = value" lines and "#" comments. The parser is pure (bytes in,
 * entries or an error out, no I/O) so it can be fuzzed; which keys exist and
 * what their values mean is the command line's business (main.c turns each
 * entry into the long flag of the same name). */
#ifndef ZZ_CONFIG_H
#define ZZ_CONFIG_H

#include <stddef.h>

#include "core/zz.h"

#define ZZ_CONF_MAX_BYTES (64 * 1024) /* a larger file is refused */
#define ZZ_CONF_MAX_LINE 4096
#define ZZ_CONF_MAX_ENTRIES 256
#define ZZ_CONF_MAX_KEY 63

/* One "key = value" line. value has no surrounding blanks, no trailing
 * comment and no quotes ("a # b" keeps its #); line counts from 1. */
struct zz_conf_entry {
  const char *key;
  const char *value;
  int line;
};

struct zz_conf {
  struct zz_conf_entry *v; /* in file order; a key may repeat */
  size_t n;
  char *mem; /* the strings' storage */
};

/* Parses len bytes into out (zeroed first). Syntax: blank lines and lines
 * whose first non-blank is "#" are skipped; otherwise KEY = VALUE, KEY of
 * a-z, 0-9 and "-" (at most 63), VALUE either "quoted" (no " inside) or bare,
 * where " #" or "\t#" starts a comment. A trailing \r is ignored.
 * Returns 0, or ZZ_EINVAL with e->msg naming the line ("line 3: ..."), or
 * ZZ_ETOOBIG past ZZ_CONF_MAX_BYTES, or ZZ_ENOMEM. On error out is empty.
 * The caller frees out with zz_conf_free. */
int zz_conf_parse(const char *buf, size_t len, struct zz_conf *out, struct zz_err *e);
void zz_conf_free(struct zz_conf *c);

/* The name of names[0..n) closest to key by edit distance (a typo: at most
 * 2 edits, or a third of the longer name), or NULL when none is close. */
const char *zz_conf_closest(const char *key, const char *const *names, size_t n);

#endif
