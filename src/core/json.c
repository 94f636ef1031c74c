/* json.c - the JSON writer of json.h: a small state machine over zz_buf
 * (which escapes strings and formats numbers), and the syntax check that
 * guards values written by plain zz_buf code. */
#include "core/json.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "core/ztime.h"
#include "core/zz.h"

void zz_json_init(struct zz_json *j, struct zz_buf *b) {
  memset(j, 0, sizeof *j);
  j->b = b;
}

void zz_json_init_members(struct zz_json *j, struct zz_buf *b, int has_members) {
  zz_json_init(j, b);
  j->depth = 1; /* container 0 is an object */
  j->n = has_members ? 1 : 0;
}

static int is_array(const struct zz_json *j, int d) {
  return (int)(j->arrays[d / 64] >> (d % 64) & 1);
}

static int is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A misuse fails the buffer: what was written is no longer JSON. */
static int misuse(struct zz_json *j) {
  return zz_buf_fail(j->b, ZZ_EINTERNAL);
}

/* Before a value: checks that one may come here and writes its comma. */
static int value_start(struct zz_json *j) {
  if (zz_buf_error(j->b)) return zz_buf_error(j->b);
  if (j->depth == 0) return j->done ? misuse(j) : 0;
  if (!is_array(j, j->depth - 1)) {
    if (!j->key) return misuse(j);
    j->key = 0;
    return 0;
  }
  if (j->n) return zz_buf_addc(j->b, ',');
  j->n = 1;
  return 0;
}

/* After a value: a top-level value completes the writer; in a container
 * the next member needs a comma. */
static int value_end(struct zz_json *j) {
  if (j->depth == 0)
    j->done = 1;
  else
    j->n = 1;
  return zz_buf_error(j->b);
}

static int open_container(struct zz_json *j, int array) {
  int rc = value_start(j);
  if (rc) return rc;
  if (j->depth == ZZ_JSON_DEPTH) return misuse(j);
  uint64_t bit = (uint64_t)1 << (j->depth % 64);
  if (array)
    j->arrays[j->depth / 64] |= bit;
  else
    j->arrays[j->depth / 64] &= ~bit;
  j->depth++;
  j->n = 0;
  j->key = 0;
  return zz_buf_addc(j->b, array ? '[' : '{');
}

static int close_container(struct zz_json *j, int array) {
  if (zz_buf_error(j->b)) return zz_buf_error(j->b);
  if (j->depth == 0 || is_array(j, j->depth - 1) != array || j->key) return misuse(j);
  j->depth--;
  zz_buf_addc(j->b, array ? ']' : '}');
  return value_end(j);
}

int zz_json_obj(struct zz_json *j) {
  return open_container(j, 0);
}
int zz_json_obj_end(struct zz_json *j) {
  return close_container(j, 0);
}
int zz_json_arr(struct zz_json *j) {
  return open_container(j, 1);
}
int zz_json_arr_end(struct zz_json *j) {
  return close_container(j, 1);
}

int zz_json_key(struct zz_json *j, const char *k) {
  if (zz_buf_error(j->b)) return zz_buf_error(j->b);
  if (j->depth == 0 || is_array(j, j->depth - 1) || j->key || !k) return misuse(j);
  if (j->n) zz_buf_addc(j->b, ',');
  zz_buf_json_str(j->b, k);
  j->key = 1;
  return zz_buf_addc(j->b, ':');
}

int zz_json_strn(struct zz_json *j, const char *s, size_t n) {
  int rc = value_start(j);
  if (rc) return rc;
  zz_buf_json_strn(j->b, s, n);
  return value_end(j);
}

int zz_json_str(struct zz_json *j, const char *s) {
  int rc = value_start(j);
  if (rc) return rc;
  zz_buf_json_str(j->b, s);
  return value_end(j);
}

int zz_json_int(struct zz_json *j, int64_t v) {
  int rc = value_start(j);
  if (rc) return rc;
  zz_buf_add_int(j->b, v);
  return value_end(j);
}

int zz_json_num(struct zz_json *j, double v) {
  int rc = value_start(j);
  if (rc) return rc;
  zz_buf_json_num(j->b, v);
  return value_end(j);
}

int zz_json_fixed(struct zz_json *j, double v, int places) {
  if (places < 0 || places > 17) return zz_buf_error(j->b) ? zz_buf_error(j->b) : misuse(j);
  if (!isfinite(v)) return zz_json_null(j);
  int rc = value_start(j);
  if (rc) return rc;
  zz_buf_printf(j->b, "%.*f", places, v);
  return value_end(j);
}

static int literal(struct zz_json *j, const char *s) {
  int rc = value_start(j);
  if (rc) return rc;
  zz_buf_adds(j->b, s);
  return value_end(j);
}

int zz_json_bool(struct zz_json *j, int v) {
  return literal(j, v ? "true" : "false");
}

int zz_json_null(struct zz_json *j) {
  return literal(j, "null");
}

int zz_json_time(struct zz_json *j, int64_t ms) {
  char t[32];
  return zz_json_str(j, zz_time_format(ms, t));
}

static int dump_cb(const char *p, size_t n, void *ud) {
  return zz_buf_add(ud, p, n) ? -1 : 0;
}

int zz_json_jansson(struct zz_json *j, const struct json_t *v) {
  if (!v) return zz_json_null(j);
  int rc = value_start(j);
  if (rc) return rc;
  if (json_dump_callback(v, dump_cb, j->b, JSON_COMPACT | JSON_ENCODE_ANY) != 0 &&
      !zz_buf_error(j->b))
    zz_buf_fail(j->b, ZZ_EINTERNAL); /* jansson refused it (a NaN real, too deep) */
  return value_end(j);
}

int zz_json_text(struct zz_json *j, const char *text, size_t n) {
  if (!text) return zz_json_null(j);
  int rc = value_start(j);
  if (rc) return rc;
  if (!zz_json_valid(text, n)) return misuse(j);
  zz_buf_add(j->b, text, n);
  return value_end(j);
}

int zz_json_members(struct zz_json *j, const char *text, size_t n) {
  if (zz_buf_error(j->b)) return zz_buf_error(j->b);
  if (j->depth == 0 || is_array(j, j->depth - 1) || j->key || !text || !zz_json_valid(text, n))
    return misuse(j);
  /* the inner text: between the braces, without the white space */
  size_t a = 0, e = n;
  while (a < e && is_ws(text[a])) a++;
  while (e > a && is_ws(text[e - 1])) e--;
  if (text[a] != '{') return misuse(j); /* a value, but not an object */
  a++, e--;
  while (a < e && is_ws(text[a])) a++;
  while (e > a && is_ws(text[e - 1])) e--;
  if (a == e) return 0;
  if (j->n) zz_buf_addc(j->b, ',');
  j->n = 1;
  return zz_buf_add(j->b, text + a, e - a);
}

int zz_json_value_from(struct zz_json *j, void (*fn)(void *ud, struct zz_buf *b), void *ud) {
  int rc = value_start(j);
  if (rc) return rc;
  size_t mark = j->b->len;
  fn(ud, j->b);
  if (zz_buf_error(j->b)) return zz_buf_error(j->b);
  if (j->b->len == mark || !zz_json_valid(j->b->data + mark, j->b->len - mark)) return misuse(j);
  return value_end(j);
}

int zz_json_kstr(struct zz_json *j, const char *k, const char *s) {
  zz_json_key(j, k);
  return zz_json_str(j, s);
}
int zz_json_kint(struct zz_json *j, const char *k, int64_t v) {
  zz_json_key(j, k);
  return zz_json_int(j, v);
}
int zz_json_knum(struct zz_json *j, const char *k, double v) {
  zz_json_key(j, k);
  return zz_json_num(j, v);
}
int zz_json_kbool(struct zz_json *j, const char *k, int v) {
  zz_json_key(j, k);
  return zz_json_bool(j, v);
}
int zz_json_knull(struct zz_json *j, const char *k) {
  zz_json_key(j, k);
  return zz_json_null(j);
}
int zz_json_ktime(struct zz_json *j, const char *k, int64_t ms) {
  zz_json_key(j, k);
  return zz_json_time(j, ms);
}
int zz_json_kobj(struct zz_json *j, const char *k) {
  zz_json_key(j, k);
  return zz_json_obj(j);
}
int zz_json_karr(struct zz_json *j, const char *k) {
  zz_json_key(j, k);
  return zz_json_arr(j);
}

int zz_json_error(const struct zz_json *j) {
  return zz_buf_error(j->b);
}

int zz_json_finish(struct zz_json *j) {
  if (zz_buf_error(j->b)) return zz_buf_error(j->b);
  if (j->depth != 0 || !j->done) return misuse(j);
  return 0;
}

/* ---- the syntax check ---- */

struct scan {
  const char *p, *end;
  int depth;
};

static void ws(struct scan *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int lit(struct scan *s, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0) return 0;
  s->p += n;
  return 1;
}

static int digits(struct scan *s) {
  const char *p0 = s->p;
  while (s->p < s->end && *s->p >= '0' && *s->p <= '9') s->p++;
  return s->p > p0;
}

static int number(struct scan *s) {
  if (s->p < s->end && *s->p == '-') s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!digits(s))
    return 0;
  if (s->p < s->end && *s->p == '.') {
    s->p++;
    if (!digits(s)) return 0;
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    s->p++;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-')) s->p++;
    if (!digits(s)) return 0;
  }
  return 1;
}

static int hex4(const char *p) {
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return 0;
  }
  return 1;
}

static int string(struct scan *s) {
  s->p++; /* the opening quote */
  while (s->p < s->end) {
    unsigned char c = (unsigned char)*s->p++;
    if (c == '"') return 1;
    if (c < 0x20) return 0;
    if (c != '\\') continue;
    if (s->p >= s->end) return 0;
    c = (unsigned char)*s->p++;
    if (c == 'u') {
      if (s->end - s->p < 4 || !hex4(s->p)) return 0;
      s->p += 4;
    } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
      return 0;
    }
  }
  return 0;
}

static int value(struct scan *s);

static int container(struct scan *s, char close_c, int object) {
  if (++s->depth > ZZ_JSON_DEPTH) return 0;
  s->p++;
  ws(s);
  if (s->p < s->end && *s->p == close_c) {
    s->p++;
    s->depth--;
    return 1;
  }
  for (;;) {
    if (object) {
      if (s->p >= s->end || *s->p != '"' || !string(s)) return 0;
      ws(s);
      if (s->p >= s->end || *s->p++ != ':') return 0;
    }
    if (!value(s)) return 0;
    ws(s);
    if (s->p >= s->end) return 0;
    char c = *s->p++;
    if (c == close_c) break;
    if (c != ',') return 0;
    ws(s);
  }
  s->depth--;
  return 1;
}

static int value(struct scan *s) {
  ws(s);
  if (s->p >= s->end) return 0;
  switch (*s->p) {
  case '{':
    return container(s, '}', 1);
  case '[':
    return container(s, ']', 0);
  case '"':
    return string(s);
  case 't':
    return lit(s, "true");
  case 'f':
    return lit(s, "false");
  case 'n':
    return lit(s, "null");
  default:
    return number(s);
  }
}

int zz_json_valid(const char *p, size_t n) {
  struct scan s = {p, p + n, 0};
  if (!p || !value(&s)) return 0;
  ws(&s);
  return s.p == s.end;
}
