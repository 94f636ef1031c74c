/* fuzz_open311_form.c - libFuzzer target for the Open311 form-encoded body
 * decoder: any bytes decode or fail with ZZ_EINVAL, every decoded name and
 * value is NUL-free UTF-8 no longer than the cap, and XML escaping of each
 * leaves no raw markup characters. The same bytes, cut into multipart
 * pieces (o311_form_piece/finish), keep every value within its cap. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/open311_int.h"
#include "core/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct o311_form f;
  struct zz_err e = {0};
  if (o311_form_parse((const char *)data, size, &f, &e) != 0) return 0;
  for (size_t i = 0; i < f.n; i++) {
    ZZ_ASSERT(strlen(f.values[i]) <= O311_FORM_FIELD);
    struct zz_buf b;
    zz_buf_init(&b, 0);
    zz_xml_escape(&b, f.values[i], strlen(f.values[i]));
    for (size_t k = 0; k < b.len; k++) ZZ_ASSERT(b.data[k] != '<' && b.data[k] != '>');
    zz_buf_free(&b);
  }
  o311_form_free(&f);
  /* pieces: each byte below 8 starts a new field (7: a media file), the
   * bytes up to the next such byte are one piece of it */
  memset(&f, 0, sizeof f);
  uint64_t off = 0;
  int is_file = 0, rc = 0;
  char key[2] = "a";
  for (size_t i = 0; i < size && !rc;) {
    if (data[i] < 8) {
      is_file = data[i] == 7;
      key[0] = (char)('a' + data[i]);
      off = 0;
      i++;
    }
    size_t j = i;
    while (j < size && data[j] >= 8) j++;
    rc = o311_form_piece(&f, is_file ? "media" : key, is_file, (const char *)data + i, off, j - i,
                         &e);
    off += j - i;
    i = j;
  }
  if (!rc && o311_form_finish(&f, &e) == 0)
    for (size_t i = 0; i < f.n; i++) ZZ_ASSERT(f.lens[i] <= O311_FORM_FIELD);
  ZZ_ASSERT(f.media_n <= O311_MEDIA_MAX);
  o311_form_free(&f);
  return 0;
}
