/* fuzz_config.c - libFuzzer target for the configuration file parser
 * (core/config.h): any bytes give entries or an error naming a line, never
 * a crash; every entry's key is a-z, 0-9 and "-" (1 to 63 of them), its
 * value holds no newline, lines grow, and writing the entries back out as
 * quoted "key = value" lines parses to the same entries. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/zz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct zz_conf c;
  struct zz_err e = {0};
  int rc = zz_conf_parse((const char *)data, size, &c, &e);
  if (rc) {
    ZZ_ASSERT(c.n == 0 && !c.v && e.msg[0]);
    return 0;
  }
  static char out[ZZ_CONF_MAX_ENTRIES * (ZZ_CONF_MAX_LINE + 8)];
  size_t n = 0;
  int prev = 0, quotable = 1;
  for (size_t i = 0; i < c.n; i++) {
    const struct zz_conf_entry *en = &c.v[i];
    size_t kl = strlen(en->key);
    ZZ_ASSERT(kl >= 1 && kl <= ZZ_CONF_MAX_KEY);
    for (size_t j = 0; j < kl; j++)
      ZZ_ASSERT((en->key[j] >= 'a' && en->key[j] <= 'z') ||
                (en->key[j] >= '0' && en->key[j] <= '9') || en->key[j] == '-');
    ZZ_ASSERT(!strchr(en->value, '\n'));
    ZZ_ASSERT(en->line > prev);
    prev = en->line;
    if (strchr(en->value, '"')) quotable = 0;
    size_t line = (size_t)snprintf(out + n, sizeof out - n, "%s = \"%s\"\n", en->key, en->value);
    if (line - 1 > ZZ_CONF_MAX_LINE) quotable = 0;
    n += line;
  }
  if (quotable && n <= ZZ_CONF_MAX_BYTES) {
    struct zz_conf again;
    ZZ_ASSERT(zz_conf_parse(out, n, &again, &e) == 0 && again.n == c.n);
    for (size_t i = 0; i < c.n; i++) {
      ZZ_ASSERT(strcmp(again.v[i].key, c.v[i].key) == 0);
      ZZ_ASSERT(strcmp(again.v[i].value, c.v[i].value) == 0);
    }
    zz_conf_free(&again);
  }
  zz_conf_free(&c);
  return 0;
}
