/* xml.h - the one XML writer: a document of nested elements and escaped
 * text appended to a zz_buf, with the open elements tracked here so a
 * caller cannot produce a document that is not well-formed. Like zz_json
 * (core/json.h), a misuse (a name that is not an XML name, text outside the
 * root element, a close that does not match the open element, a second
 * root, nesting deeper than ZZ_XML_DEPTH) fails the buffer with
 * ZZ_EINTERNAL, as an allocation failure fails it with ZZ_ENOMEM: the
 * buffer is emptied and stays failed, so http_reply answers an error and
 * never a truncated or broken document. Writers append without checking
 * each call and check once at the end (zz_xml_finish). No attributes: the
 * documents we write (Open311 GeoReport v2) have none. */
#ifndef ZZ_XML_H
#define ZZ_XML_H

#include <stddef.h>

#include "core/buf.h"

#define ZZ_XML_DEPTH 32
/* Element names are short ASCII words (service_request_id). */
#define ZZ_XML_NAME_MAX 63

/* The caller allocates it (on the stack); it holds no memory of its own. */
struct zz_xml {
  struct zz_buf *b; /* the output, not owned */
  int depth;        /* open elements */
  int done;         /* the root element was closed */
  char open[ZZ_XML_DEPTH][ZZ_XML_NAME_MAX + 1];
};

/* Starts a document in b: appends the declaration
 * <?xml version="1.0" encoding="utf-8"?> and a newline. */
void zz_xml_init(struct zz_xml *x, struct zz_buf *b);

/* Each returns 0, or the buffer's error (the first failure, sticky). */
/* <name>: the root, or a child of the open element. Names are ASCII:
 * a letter or '_', then letters, digits, '_', '-', '.' (no ':'), at most
 * ZZ_XML_NAME_MAX bytes. */
int zz_xml_open(struct zz_xml *x, const char *name);
/* </name>: name must be the innermost open element's. */
int zz_xml_close(struct zz_xml *x, const char *name);
/* s as the text of the open element (NULL writes nothing): '&', '<', '>',
 * '"' and '\'' as entities; control characters that XML 1.0 does not
 * allow (all below 0x20 but tab, newline and return) as a space; bytes
 * that are not UTF-8, and UTF-8 for a surrogate, U+FFFE or U+FFFF, as
 * U+FFFD, one per bad byte, so the document stays well-formed. */
int zz_xml_text(struct zz_xml *x, const char *s);
int zz_xml_textn(struct zz_xml *x, const char *s, size_t n);
/* <name>s</name> (s escaped as zz_xml_text; NULL gives <name></name>). */
int zz_xml_elem(struct zz_xml *x, const char *name, const char *s);
/* <name/>. */
int zz_xml_empty(struct zz_xml *x, const char *name);

/* 0 while nothing failed, else the buffer's error. */
int zz_xml_error(const struct zz_xml *x);
/* Ends the writing: 0 when the root element was written and closed and the
 * buffer is well; otherwise the buffer fails (ZZ_EINTERNAL when the
 * document is unfinished or has no root) and the error is returned. */
int zz_xml_finish(struct zz_xml *x);

/* Appends s[0..n) escaped as zz_xml_text does, for a caller that writes
 * the markup around it itself; returns the buffer's error. */
int zz_xml_escape(struct zz_buf *b, const char *s, size_t n);

#endif
