/* json.h - the one JSON writer: objects, arrays, keys and values appended
 * to a zz_buf, with the nesting and the commas tracked here so a caller
 * cannot produce invalid JSON. A misuse (a key outside an object, a value
 * where a key is due, an end that does not match, nesting deeper than
 * ZZ_JSON_DEPTH) fails the buffer with ZZ_EINTERNAL, like an allocation
 * failure fails it with ZZ_ENOMEM: the buffer is emptied and stays failed,
 * so http_reply answers an error and never a truncated or broken body.
 * Writers append without checking each call and check once at the end
 * (zz_json_finish). */
#ifndef ZZ_JSON_H
#define ZZ_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct json_t; /* jansson */

/* Deep enough for any region tree (a path has at most 256 bytes). */
#define ZZ_JSON_DEPTH 256

/* The caller allocates it (on the stack); it holds no memory of its own.
 * Only the innermost container needs its state: an outer one always has a
 * member (the open one) and no pending key once we return to it. */
struct zz_json {
  struct zz_buf *b;                    /* the output, not owned */
  int depth;                           /* open containers */
  int done;                            /* a whole top-level value was written */
  int n;                               /* the innermost container has a member (comma due) */
  int key;                             /* the innermost object has a key waiting for its value */
  uint64_t arrays[ZZ_JSON_DEPTH / 64]; /* bit d: container d is an array */
};

/* Starts a writer that appends one JSON value to b (b may hold text
 * already, such as nothing or a prefix the caller owns). */
void zz_json_init(struct zz_json *j, struct zz_buf *b);
/* Starts a writer inside an object that the caller's code opened and will
 * close itself in b (for helpers that add members to an object written by
 * someone else): members get their commas right when `has_members` says
 * whether the object already has some. zz_json_finish is then not used;
 * zz_json_error tells whether the helper misused the writer. */
void zz_json_init_members(struct zz_json *j, struct zz_buf *b, int has_members);

/* Each returns 0, or the buffer's error (the first failure, sticky). */
int zz_json_obj(struct zz_json *j);
int zz_json_obj_end(struct zz_json *j);
int zz_json_arr(struct zz_json *j);
int zz_json_arr_end(struct zz_json *j);
/* An object member's name (escaped like a string). */
int zz_json_key(struct zz_json *j, const char *k);
/* s as a JSON string: '"', '\\' and control characters escaped, other bytes
 * (UTF-8 or not) as they are, as zz_buf_json_str does; NULL writes null. */
int zz_json_str(struct zz_json *j, const char *s);
int zz_json_strn(struct zz_json *j, const char *s, size_t n);
int zz_json_int(struct zz_json *j, int64_t v);
/* A double in the shortest text that reads back as the same bits
 * (zz_buf_json_num); NaN and infinities as null. */
int zz_json_num(struct zz_json *j, double v);
/* A double with exactly `places` (0..17) digits after the point, as printf's
 * "%.*f" writes it (formats that promise a fixed precision, such as Open311's
 * coordinates); NaN and infinities as null. */
int zz_json_fixed(struct zz_json *j, double v, int places);
int zz_json_bool(struct zz_json *j, int v);
int zz_json_null(struct zz_json *j);
/* ms since the epoch as an RFC 3339 string (zz_time_format). */
int zz_json_time(struct zz_json *j, int64_t ms);
/* A jansson value as jansson writes it compactly (its escaping and number
 * format, as the answers had); NULL writes null. */
int zz_json_jansson(struct zz_json *j, const struct json_t *v);
/* JSON text kept as text (a stored column such as an entity's attrs),
 * appended as it is when it is exactly one JSON value; otherwise the buffer
 * fails with ZZ_EINTERNAL. NULL writes null. */
int zz_json_text(struct zz_json *j, const char *text, size_t n);
/* Splices the members of a stored JSON object text into the object being
 * written (a stored definition with live state added after it): when the
 * text is not exactly one JSON object, or no object is open here, the
 * buffer fails with ZZ_EINTERNAL. An empty object adds nothing. */
int zz_json_members(struct zz_json *j, const char *obj_text, size_t n);
/* One value written by code that only knows zz_buf (fn appends to b): the
 * comma is placed first and the appended bytes are checked to be exactly
 * one JSON value; when they are not, the buffer fails with ZZ_EINTERNAL. For
 * writers outside this module's reach; new code uses the calls above. */
int zz_json_value_from(struct zz_json *j, void (*fn)(void *ud, struct zz_buf *b), void *ud);

/* Member shorthands: key then value. */
int zz_json_kstr(struct zz_json *j, const char *k, const char *s);
int zz_json_kint(struct zz_json *j, const char *k, int64_t v);
int zz_json_knum(struct zz_json *j, const char *k, double v);
int zz_json_kbool(struct zz_json *j, const char *k, int v);
int zz_json_knull(struct zz_json *j, const char *k);
int zz_json_ktime(struct zz_json *j, const char *k, int64_t ms);
int zz_json_kobj(struct zz_json *j, const char *k);
int zz_json_karr(struct zz_json *j, const char *k);

/* 0 while nothing failed, else the buffer's error. */
int zz_json_error(const struct zz_json *j);
/* Ends the writing: 0 when exactly one complete value was written and the
 * buffer is well; otherwise the buffer fails (ZZ_EINTERNAL when the value is
 * unfinished or missing) and the error is returned. */
int zz_json_finish(struct zz_json *j);

/* 1 when s[0..n) is exactly one JSON value (RFC 8259 syntax, nesting up to
 * ZZ_JSON_DEPTH, whitespace around allowed; strings are not checked for
 * UTF-8, as the writer does not check them). Pure: no allocation. */
int zz_json_valid(const char *s, size_t n);

#endif
