/* fuzz_matter.c - libFuzzer target for a matter's checks and the public
 * intake's form check: the input is JSON, either a matter object or
 * {"matter": {...}, "fields": {...}}. matter_check passes or fails with
 * ZZ_EINVAL and a field; a checked matter converts for the store (its JSON
 * texts parse); code_form_check takes any submitted fields against the
 * matter's form (checked or not) and passes or fails with ZZ_EINVAL and a
 * "fields..." field; a phone digits check keeps to its buffer. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codes/codes.h"
#include "core/zz.h"
#include "store/store_catalog.h"
#include "workflow/matter_def.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parses(const char *text) {
  if (!text) return;
  json_error_t je;
  json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
  ZZ_ASSERT(j != NULL);
  json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t je;
  json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
  if (!doc) return 0;
  const json_t *matter = doc, *fields = NULL;
  if (json_is_object(doc) && json_object_get(doc, "matter")) {
    matter = json_object_get(doc, "matter");
    fields = json_object_get(doc, "fields");
  }
  struct zz_err e = {0};
  int rc = matter_check(matter, &e);
  ZZ_ASSERT(rc == 0 || (rc == ZZ_EINVAL && e.msg[0]));
  if (rc == 0) {
    struct store_matter m;
    char *deps = NULL, *extra = NULL;
    ZZ_ASSERT(matter_to_store(matter, &m, &deps, &extra) == 0);
    ZZ_ASSERT(m.key && m.key[0]);
    parses(deps);
    parses(extra);
    free(deps);
    free(extra);
  }
  const json_t *form = json_object_get(matter, "form");
  struct zz_err fe = {0};
  rc = code_form_check(form, fields, &fe);
  ZZ_ASSERT(rc == 0 || (rc == ZZ_EINVAL && fe.msg[0] && strncmp(fe.field, "fields", 6) == 0));
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)fields, k, v) {
    char digits[24];
    if (json_is_string(v) && code_phone_digits(json_string_value(v), digits))
      ZZ_ASSERT(strlen(digits) >= 5 && strlen(digits) <= 20);
  }
  json_decref(doc);
  return 0;
}
