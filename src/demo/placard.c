/* placard.c - the demo's inspection photos (placard.h): an RGB picture
 * drawn in memory (a wall, a placard with a border, an icon, three lines
 * of text in a 5x7 pixel font) and encoded by libpng. */
#include "demo/placard.h"

#include <png.h>
#include <string.h>

#include "core/zz.h"

#define W 320
#define H 200

struct rgb {
  unsigned char r, g, b;
};

/* 5x7 glyphs, a row a byte, the leftmost pixel in bit 4. */
struct glyph {
  char c;
  unsigned char row[7];
};

static const struct glyph font[] = {
    {'A', {14, 17, 17, 31, 17, 17, 17}}, {'B', {30, 17, 17, 30, 17, 17, 30}},
    {'C', {14, 17, 16, 16, 16, 17, 14}}, {'D', {30, 17, 17, 17, 17, 17, 30}},
    {'E', {31, 16, 16, 30, 16, 16, 31}}, {'F', {31, 16, 16, 30, 16, 16, 16}},
    {'G', {14, 17, 16, 23, 17, 17, 15}}, {'H', {17, 17, 17, 31, 17, 17, 17}},
    {'I', {14, 4, 4, 4, 4, 4, 14}},      {'J', {7, 2, 2, 2, 2, 18, 12}},
    {'K', {17, 18, 20, 24, 20, 18, 17}}, {'L', {16, 16, 16, 16, 16, 16, 31}},
    {'M', {17, 27, 21, 21, 17, 17, 17}}, {'N', {17, 17, 25, 21, 19, 17, 17}},
    {'O', {14, 17, 17, 17, 17, 17, 14}}, {'P', {30, 17, 17, 30, 16, 16, 16}},
    {'Q', {14, 17, 17, 17, 21, 18, 13}}, {'R', {30, 17, 17, 30, 20, 18, 17}},
    {'S', {15, 16, 16, 14, 1, 1, 30}},   {'T', {31, 4, 4, 4, 4, 4, 4}},
    {'U', {17, 17, 17, 17, 17, 17, 14}}, {'V', {17, 17, 17, 17, 17, 10, 4}},
    {'W', {17, 17, 17, 21, 21, 21, 10}}, {'X', {17, 17, 10, 4, 10, 17, 17}},
    {'Y', {17, 17, 10, 4, 4, 4, 4}},     {'Z', {31, 1, 2, 4, 8, 16, 31}},
    {'0', {14, 17, 19, 21, 25, 17, 14}}, {'1', {4, 12, 4, 4, 4, 4, 14}},
    {'2', {14, 17, 1, 2, 4, 8, 31}},     {'3', {31, 2, 4, 2, 1, 17, 14}},
    {'4', {2, 6, 10, 18, 31, 2, 2}},     {'5', {31, 16, 30, 1, 1, 17, 14}},
    {'6', {6, 8, 16, 30, 17, 17, 14}},   {'7', {31, 1, 2, 4, 8, 8, 8}},
    {'8', {14, 17, 17, 14, 17, 17, 14}}, {'9', {14, 17, 17, 15, 1, 2, 12}},
    {'-', {0, 0, 0, 31, 0, 0, 0}},       {'_', {0, 0, 0, 0, 0, 0, 31}},
    {':', {0, 12, 12, 0, 12, 12, 0}},    {' ', {0, 0, 0, 0, 0, 0, 0}},
    {'?', {14, 17, 1, 2, 4, 0, 4}},
};

static const unsigned char *glyph_of(char c) {
  if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
  for (size_t i = 0; i < ZZ_ARRAY_LEN(font); i++)
    if (font[i].c == c) return font[i].row;
  return glyph_of('?');
}

static void fill(struct rgb *px, int x0, int y0, int x1, int y1, struct rgb c) {
  for (int y = y0 < 0 ? 0 : y0; y < y1 && y < H; y++)
    for (int x = x0 < 0 ? 0 : x0; x < x1 && x < W; x++) px[y * W + x] = c;
}

/* Text at (x, y), each font pixel a scale x scale square; at most max characters. */
static void text(struct rgb *px, int x, int y, int scale, const char *s, size_t max, struct rgb c) {
  for (size_t i = 0; s[i] && i < max; i++, x += 6 * scale) {
    const unsigned char *g = glyph_of(s[i]);
    for (int r = 0; r < 7; r++)
      for (int b = 0; b < 5; b++)
        if (g[r] & (16 >> b))
          fill(px, x + b * scale, y + r * scale, x + (b + 1) * scale, y + (r + 1) * scale, c);
  }
}

/* The icon in the box (x, y, side): a warning triangle with "!" or a tick. */
static void icon(struct rgb *px, int x, int y, int side, int fixed) {
  const struct rgb white = {255, 255, 255}, ink = {40, 40, 40};
  if (!fixed) {
    for (int r = 0; r < side; r++) { /* the triangle, row by row */
      int half = r / 2 + 1, mid = x + side / 2;
      fill(px, mid - half, y + r, mid + half, y + r + 1, (struct rgb){255, 214, 0});
    }
    fill(px, x + side / 2 - 2, y + side / 3, x + side / 2 + 3, y + side * 3 / 4, ink);
    fill(px, x + side / 2 - 2, y + side * 5 / 6, x + side / 2 + 3, y + side * 5 / 6 + 5, ink);
    return;
  }
  for (int i = 0; i < side / 3; i++) /* the tick's short stroke, then its long one */
    fill(px, x + i, y + side / 2 + i, x + i + 6, y + side / 2 + i + 6, white);
  for (int i = 0; i < side * 2 / 3; i++)
    fill(px, x + side / 3 + i, y + side / 2 + side / 3 - i, x + side / 3 + i + 6,
         y + side / 2 + side / 3 - i + 6, white);
}

static void png_write_cb(png_structp p, png_bytep data, png_size_t n) {
  struct zz_buf *b = png_get_io_ptr(p);
  if (zz_buf_add(b, data, n)) png_error(p, "out of memory");
}

static void png_flush_cb(png_structp p) {
  (void)p;
}

int demo_placard_png(const char *code, const char *where, const char *day, int fixed,
                     struct zz_buf *out) {
  struct rgb *px = zz_malloc(sizeof *px * W * H);
  png_structp p = NULL;
  png_infop info = NULL;
  int rc = ZZ_ENOMEM;
  if (!px) return ZZ_ENOMEM;
  /* a wall, lighter towards the top, and a placard fixed to it */
  for (int y = 0; y < H; y++)
    fill(px, 0, y, W, y + 1,
         (struct rgb){(unsigned char)(200 - y / 4), (unsigned char)(196 - y / 4),
                      (unsigned char)(188 - y / 4)});
  const struct rgb face = fixed ? (struct rgb){34, 139, 74} : (struct rgb){200, 36, 36};
  const struct rgb white = {255, 255, 255};
  fill(px, 14, 20, W - 14, H - 16, (struct rgb){90, 90, 90}); /* its shadow */
  fill(px, 10, 14, W - 18, H - 22, white);
  fill(px, 16, 20, W - 24, H - 28, face);
  icon(px, 26, 30, 48, fixed);
  text(px, 88, 40, 4, fixed ? "FIXED" : "HAZARD", 6, white);
  text(px, 28, 88, 2, code ? code : "", 22, white);
  text(px, 28, 114, 2, where ? where : "", 22, white);
  text(px, 28, 140, 2, day ? day : "", 22, (struct rgb){255, 236, 170});
  p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  info = p ? png_create_info_struct(p) : NULL;
  if (!p || !info) goto done;
  if (setjmp(png_jmpbuf(p))) {
    rc = ZZ_ENOMEM;
    goto done;
  }
  png_set_write_fn(p, out, png_write_cb, png_flush_cb);
  png_set_IHDR(p, info, W, H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(p, 9);
  png_write_info(p, info);
  for (int y = 0; y < H; y++) png_write_row(p, (png_bytep)&px[y * W]);
  png_write_end(p, info);
  rc = 0;
done:
  if (p) png_destroy_write_struct(&p, info ? &info : NULL);
  zz_free(px);
  return rc;
}
