/* open311_form.c - the form-encoded body decoder of Open311 POSTs and the
 * collector of multipart fields (whose parsing is libmicrohttpd's post
 * processor) (open311_int.h). Pure: bytes in, pairs out, so it can be fuzzed. */
#include <string.h>

#include "api/open311_int.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
static int utf8_ok(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    size_t k = c < 0x80             ? 0
               : (c & 0xE0) == 0xC0 ? 1
               : (c & 0xF0) == 0xE0 ? 2
               : (c & 0xF8) == 0xF0 ? 3
                                    : 9;
    if (k == 9 || i + k >= n) return 0; /* bad lead byte or cut short */
    unsigned cp = k == 0 ? c : k == 1 ? c & 0x1F : k == 2 ? c & 0x0F : c & 0x07;
    for (size_t j = 1; j <= k; j++) {
      if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    i += k + 1;
  }
  return 1;
}

/* Decodes s[0..n) into a new string; NULL with e filled when bad. */
static char *decode(const char *s, size_t n, const char *what, struct zz_err *e) {
  if (n > O311_FORM_FIELD * 3) {
    zz_fail(e, ZZ_EINVAL, what, "a form field is longer than %d bytes", O311_FORM_FIELD);
    return NULL;
  }
  char *out = zz_malloc(n + 1);
  if (!out) {
    zz_fail(e, ZZ_ENOMEM, what, "out of memory");
    return NULL;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      int a = i + 1 < n ? hexval(s[i + 1]) : -1, b = i + 2 < n ? hexval(s[i + 2]) : -1;
      if (a < 0 || b < 0) {
        zz_free(out);
        zz_fail(e, ZZ_EINVAL, what, "a %% escape must be followed by two hex digits");
        return NULL;
      }
      c = (char)(a * 16 + b);
      i += 2;
    }
    if (c == '\0') {
      zz_free(out);
      zz_fail(e, ZZ_EINVAL, what, "a form field must not contain NUL");
      return NULL;
    }
    out[k++] = c;
  }
  out[k] = '\0';
  if (k > O311_FORM_FIELD || !utf8_ok((const unsigned char *)out, k)) {
    zz_free(out);
    zz_fail(e, ZZ_EINVAL, what,
            k > O311_FORM_FIELD ? "a form field is too long" : "form fields must be UTF-8");
    return NULL;
  }
  return out;
}

int o311_form_parse(const char *body, size_t n, struct o311_form *f, struct zz_err *e) {
  memset(f, 0, sizeof *f);
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && body[j] != '&') j++;
    if (j > i) {
      if (f->n == O311_FORM_PAIRS) {
        o311_form_free(f);
        return zz_fail(e, ZZ_EINVAL, "body", "more than %d form fields", O311_FORM_PAIRS);
      }
      size_t eq = i;
      while (eq < j && body[eq] != '=') eq++;
      char *k = decode(body + i, eq - i, "body", e);
      char *v = k ? decode(eq < j ? body + eq + 1 : "", eq < j ? j - eq - 1 : 0, "body", e) : NULL;
      if (!k || !v) {
        zz_free(k);
        o311_form_free(f);
        return e->code ? e->code : ZZ_EINVAL;
      }
      f->names[f->n] = k;
      f->values[f->n++] = v;
    }
    i = j + 1;
  }
  return 0;
}

const char *o311_form_get(const struct o311_form *f, const char *name) {
  for (size_t i = 0; i < f->n; i++)
    if (strcmp(f->names[i], name) == 0) return f->values[i];
  return NULL;
}

void o311_form_free(struct o311_form *f) {
  for (size_t i = 0; i < f->n; i++) {
    zz_free(f->names[i]);
    zz_free(f->values[i]);
  }
  zz_free(f->media);
  memset(f, 0, sizeof *f);
}

/* Appends n bytes at *buf of *len (room for a NUL kept), at most cap. */
static int grow_add(char **buf, size_t *len, const char *data, size_t n, size_t cap) {
  if (*len + n > cap) return ZZ_ETOOBIG;
  char *nb = zz_realloc(*buf, *len + n + 1);
  if (!nb) return ZZ_ENOMEM;
  memcpy(nb + *len, data, n);
  *len += n;
  nb[*len] = '\0';
  *buf = nb;
  return 0;
}

int o311_form_piece(struct o311_form *f, const char *key, int is_file, const char *data,
                    uint64_t off, size_t n, struct zz_err *e) {
  if (is_file) {
    if (strcmp(key, "media") != 0)
      return zz_fail(e, ZZ_EINVAL, key, "only the media part may be a file, not %.64s", key);
    if (off == 0 && f->media)
      return zz_fail(e, ZZ_EINVAL, "media", "the form has more than one media file");
    int rc = grow_add((char **)&f->media, &f->media_n, data, n, O311_MEDIA_MAX);
    if (rc == ZZ_ETOOBIG)
      return zz_fail(e, rc, "media", "the media file is larger than %u MiB", O311_MEDIA_MAX >> 20);
    return rc ? zz_fail(e, rc, "media", "out of memory") : 0;
  }
  int cont = off > 0 && f->n && strcmp(f->names[f->n - 1], key) == 0;
  if (!cont) {
    if (f->n == O311_FORM_PAIRS)
      return zz_fail(e, ZZ_EINVAL, "body", "more than %d form fields", O311_FORM_PAIRS);
    if (strlen(key) > 256) return zz_fail(e, ZZ_EINVAL, "body", "a form field is too long");
    f->names[f->n] = zz_strdup(key);
    f->values[f->n] = zz_strdup("");
    f->lens[f->n] = 0;
    if (!f->names[f->n] || !f->values[f->n]) {
      zz_free(f->names[f->n]);
      zz_free(f->values[f->n]);
      return zz_fail(e, ZZ_ENOMEM, "body", "out of memory");
    }
    f->n++;
  }
  size_t i = f->n - 1;
  int rc = grow_add(&f->values[i], &f->lens[i], data, n, O311_FORM_FIELD);
  if (rc == ZZ_ETOOBIG) return zz_fail(e, ZZ_EINVAL, "body", "a form field is too long");
  return rc ? zz_fail(e, rc, "body", "out of memory") : 0;
}

int o311_form_finish(struct o311_form *f, struct zz_err *e) {
  for (size_t i = 0; i < f->n; i++) {
    if (memchr(f->values[i], '\0', f->lens[i]))
      return zz_fail(e, ZZ_EINVAL, "body", "a form field must not contain NUL");
    if (!utf8_ok((const unsigned char *)f->values[i], f->lens[i]) ||
        !utf8_ok((const unsigned char *)f->names[i], strlen(f->names[i])))
      return zz_fail(e, ZZ_EINVAL, "body", "form fields must be UTF-8");
  }
  return 0;
}

/* The width of the digit at s[i] (an ASCII digit: 1, a fullwidth one U+FF10
 * to U+FF19: 3), 0 when there is none. */
static size_t digit_at(const char *s, size_t n, size_t i) {
  const unsigned char *u = (const unsigned char *)s;
  if (i < n && u[i] >= '0' && u[i] <= '9') return 1;
  if (i + 2 < n && u[i] == 0xEF && u[i + 1] == 0xBC && u[i + 2] >= 0x90 && u[i + 2] <= 0x99)
    return 3;
  return 0;
}

void o311_mask_numbers(char *s) {
  size_t n = strlen(s), i = 0;
  while (i < n) {
    if (!digit_at(s, n, i)) {
      i++;
      continue;
    }
    /* one number: digits, single spaces or hyphens between them (138 0000
     * 1111), an ID number's check letter after its 17 digits */
    size_t j = i, count = 0, w;
    for (;;) {
      if ((w = digit_at(s, n, j))) {
        count++;
        j += w;
      } else if ((s[j] == ' ' || s[j] == '-') && digit_at(s, n, j + 1)) {
        j++;
      } else if ((s[j] == 'X' || s[j] == 'x') && count == 17) {
        count++;
        j++;
        break;
      } else {
        break;
      }
    }
    if (count >= O311_MASK_DIGITS) {
      size_t masked = 0;
      for (size_t k = i; k < j && masked + 4 < count; k += w ? w : 1) {
        w = digit_at(s, n, k);
        if (w == 1) {
          s[k] = '*';
        } else if (w == 3) {
          s[k + 2] = (char)0x8A; /* U+FF0A FULLWIDTH ASTERISK, the same 3 bytes */
        }
        if (w) masked++;
      }
    }
    i = j;
  }
}
