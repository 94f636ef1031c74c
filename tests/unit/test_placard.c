/* test_placard.c - the demo's inspection photos (src/demo/placard.c): a
 * real PNG of 320x200 that any decoder reads, a few KB, red for a hazard
 * and green for its fix, with the item's code drawn on it (two codes give
 * two pictures; the same code the same one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/zz.h"
#include "demo/placard.h"

/* Decodes b as RGB into a malloc'd buffer; NULL when libpng refuses it. */
static unsigned char *decode(const struct zz_buf *b, unsigned *w, unsigned *h) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, b->data, b->len)) return NULL;
  img.format = PNG_FORMAT_RGB;
  unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
  if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
    free(px);
    png_image_free(&img);
    return NULL;
  }
  *w = img.width;
  *h = img.height;
  return px;
}

static unsigned char *draw(const char *code, int fixed, struct zz_buf *b, unsigned *w,
                           unsigned *h) {
  zz_buf_init(b, 0);
  assert_int_equal(demo_placard_png(code, "KP-ENT-0001", "2026-11-30", fixed, b), 0);
  unsigned char *px = decode(b, w, h);
  assert_non_null(px);
  return px;
}

static void test_placard_png(void **state) {
  (void)state;
  struct zz_buf a, f, c, a2;
  unsigned w, h;
  unsigned char *pa = draw("fire_exits", 0, &a, &w, &h);
  assert_int_equal(w, 320);
  assert_int_equal(h, 200);
  assert_true(memcmp(a.data, "\x89PNG\r\n\x1a\n", 8) == 0);
  assert_true(a.len > 500 && a.len < 8192); /* a few KB */
  /* the placard's face below the text: red for a hazard */
  const unsigned char *face = pa + (160u * w + 280u) * 3u;
  assert_true(face[0] > 150 && face[1] < 80 && face[2] < 80);
  unsigned char *pf = draw("fire_exits", 1, &f, &w, &h);
  face = pf + (160u * w + 280u) * 3u;
  assert_true(face[1] > 100 && face[0] < 80); /* green for its fix */
  /* the code is drawn: another code, another picture; the same, the same */
  unsigned char *pc = draw("dust_cover", 0, &c, &w, &h);
  unsigned char *pa2 = draw("fire_exits", 0, &a2, &w, &h);
  assert_true(memcmp(pa, pc, (size_t)w * h * 3) != 0);
  assert_memory_equal(pa, pa2, (size_t)w * h * 3);
  /* the code's line (rows 88 to 102) has white pixels of the text */
  size_t white = 0;
  for (unsigned y = 88; y < 102; y++)
    for (unsigned x = 28; x < 280; x++) {
      const unsigned char *q = pa + (y * w + x) * 3u;
      white += q[0] == 255 && q[1] == 255 && q[2] == 255;
    }
  assert_true(white > 100);
  free(pa);
  free(pf);
  free(pc);
  free(pa2);
  zz_buf_free(&a);
  zz_buf_free(&f);
  zz_buf_free(&c);
  zz_buf_free(&a2);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_placard_png)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
