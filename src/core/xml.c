/* xml.c - the XML writer of xml.h: a stack of open element names over
 * zz_buf, and text escaping that keeps a document well-formed whatever
 * bytes it is given. */
#include "core/xml.h"

#include <string.h>

#include "core/zz.h"

#define XML_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

void zz_xml_init(struct zz_xml *x, struct zz_buf *b) {
  memset(x, 0, sizeof *x);
  x->b = b;
  zz_buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
}

/* A misuse fails the buffer: what was written is no longer well-formed. */
static int misuse(struct zz_xml *x) {
  return zz_buf_fail(x->b, ZZ_EINTERNAL);
}

/* The ASCII subset of XML's Name production that our documents use. */
static int xml_name(const char *s) {
  if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
  size_t n = 0;
  for (; s[n]; n++) {
    char c = s[n];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '.'))
      return 0;
  }
  return n <= ZZ_XML_NAME_MAX;
}

/* Length of the UTF-8 sequence of a character XML 1.0 allows at p (at most
 * n bytes there), or 0 when p starts no such sequence. ASCII is handled by
 * the caller. */
static size_t utf8_len(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  size_t len = c >= 0xc2 && c <= 0xdf   ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
  if (!len || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((p[i] & 0xc0) != 0x80) return 0;
  /* overlong forms, surrogates and code points past U+10FFFF */
  if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
      (c == 0xf4 && p[1] > 0x8f))
    return 0;
  if (c == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) return 0; /* U+FFFE, U+FFFF */
  return len;
}

int zz_xml_escape(struct zz_buf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, run = 0; /* p[run..i) are bytes to copy as they are */
  while (i < n) {
    const char *rep = NULL;
    size_t len = 1;
    switch (p[i]) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&apos;";
      break;
    default:
      if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
        rep = " "; /* XML 1.0 allows no other control character, not even escaped */
      else if (p[i] >= 0x80 && !(len = utf8_len(p + i, n - i)))
        rep = XML_REPLACEMENT, len = 1;
    }
    if (rep) {
      zz_buf_add(b, p + run, i - run);
      zz_buf_adds(b, rep);
      run = i + len;
    }
    i += len;
  }
  zz_buf_add(b, p + run, n - run);
  return zz_buf_error(b);
}

int zz_xml_open(struct zz_xml *x, const char *name) {
  if (zz_buf_error(x->b)) return zz_buf_error(x->b);
  if (!xml_name(name) || x->done || x->depth == ZZ_XML_DEPTH) return misuse(x);
  memcpy(x->open[x->depth++], name, strlen(name) + 1);
  return zz_buf_printf(x->b, "<%s>", name);
}

int zz_xml_close(struct zz_xml *x, const char *name) {
  if (zz_buf_error(x->b)) return zz_buf_error(x->b);
  if (!x->depth || !name || strcmp(x->open[x->depth - 1], name) != 0) return misuse(x);
  if (--x->depth == 0) x->done = 1;
  return zz_buf_printf(x->b, "</%s>", name);
}

int zz_xml_textn(struct zz_xml *x, const char *s, size_t n) {
  if (zz_buf_error(x->b)) return zz_buf_error(x->b);
  if (!x->depth) return misuse(x);
  return s ? zz_xml_escape(x->b, s, n) : 0;
}

int zz_xml_text(struct zz_xml *x, const char *s) {
  return zz_xml_textn(x, s, s ? strlen(s) : 0);
}

int zz_xml_elem(struct zz_xml *x, const char *name, const char *s) {
  zz_xml_open(x, name);
  zz_xml_text(x, s);
  return zz_xml_close(x, name);
}

int zz_xml_empty(struct zz_xml *x, const char *name) {
  if (zz_buf_error(x->b)) return zz_buf_error(x->b);
  if (!xml_name(name) || x->done) return misuse(x);
  if (!x->depth) x->done = 1;
  return zz_buf_printf(x->b, "<%s/>", name);
}

int zz_xml_error(const struct zz_xml *x) {
  return zz_buf_error(x->b);
}

int zz_xml_finish(struct zz_xml *x) {
  if (zz_buf_error(x->b)) return zz_buf_error(x->b);
  if (x->depth || !x->done) return misuse(x);
  return 0;
}
