/* check.c - the JSON checking kit (check.h): locations, the three message
 * forms, and the member helpers every document checker shares. */
#include "core/check.h"

#include <math.h>
#include <string.h>

void check_init(struct check *c, struct zz_err *e, const char *file, unsigned form) {
  memset(c, 0, sizeof *c);
  c->e = e;
  c->file = file;
  c->form = form;
  c->missing = "is required";
}

size_t check_push(struct check *c, const char *fmt, ...) {
  size_t len = strlen(c->path);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->path + len, sizeof c->path - len, fmt, ap);
  va_end(ap);
  return len;
}

void check_at(struct check *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->path, sizeof c->path, fmt, ap);
  va_end(ap);
}

size_t check_push_key(struct check *c, const char *key) {
  return check_push(c, "%s%s", *c->path && key[0] != '[' ? "." : "", key);
}

void check_pop(struct check *c, size_t mark) {
  if (mark < sizeof c->path) c->path[mark] = 0;
}

/* Writes the strings of parts one after another into out (cap bytes),
 * cutting what does not fit. */
static void concat(char *out, size_t cap, const char *const *parts, size_t n) {
  size_t len = 0;
  out[0] = 0;
  for (size_t i = 0; i < n && len + 1 < cap; i++) len += zz_strlcpy(out + len, parts[i], cap - len);
  if (len >= cap) out[cap - 1] = 0;
}
#define CONCAT(out, ...)                                                                           \
  concat(out, sizeof out, (const char *const[]){__VA_ARGS__},                                      \
         sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* The message forms in both languages (check.h): the location, then the
 * text; Chinese puts a full-width colon where English puts ": ". */
static int fail_pair(const struct check *c, int code, const char *key, const char *text,
                     const char *text_zh) {
  char en[192], zh[320], where[192], field[256], lead[80] = "", lead_zh[80] = "", k[61];
  if (key && (c->form & CHECK_LINE)) {
    /* "line 12: lon: must be ...": the member goes into the text, the field
     * names the line */
    zz_strlcpy(k, key, sizeof k);
    CONCAT(lead, k, ": ");
    CONCAT(lead_zh, k, "：");
    key = NULL;
  }
  /* An index follows its array without a dot: "features[2]", "[3].agg". */
  CONCAT(where, c->path, *c->path && key && *key && key[0] != '[' ? "." : "", key ? key : "");
  if (!c->file) {
    if (!*where) {
      CONCAT(en, lead, text);
      CONCAT(zh, lead_zh, text_zh);
      return zz_fail_pair(c->e, code, "", en, zh);
    }
    CONCAT(en, where, " ", lead, text);
    CONCAT(zh, where, " ", lead_zh, text_zh);
    return zz_fail_pair(c->e, code, where, en, zh);
  }
  if (!*where) {
    CONCAT(en, c->file, ": ", lead, text);
    CONCAT(zh, c->file, "：", lead_zh, text_zh);
    return zz_fail_pair(c->e, code, c->file, en, zh);
  }
  if (c->form & CHECK_FIELD_FILE)
    CONCAT(field, c->file, " ", where);
  else
    CONCAT(field, where);
  if (c->form & CHECK_FILE_COLON)
    CONCAT(en, c->file, ": ", where, ": ", lead, text);
  else
    CONCAT(en, c->file, " ", where, ": ", lead, text);
  CONCAT(zh, c->file, " ", where, "：", lead_zh, text_zh);
  return zz_fail_pair(c->e, code, field, en, zh);
}

int check_failv(const struct check *c, int code, const char *key, const char *fmt, va_list ap) {
  struct zz_err t;
  zz_failv(&t, code, NULL, fmt, ap);
  return fail_pair(c, code, key, t.msg, t.msg_zh);
}

int check_fail_err(const struct check *c, const char *key, const struct zz_err *inner) {
  return fail_pair(c, inner->code ? inner->code : ZZ_EINVAL, key, inner->msg,
                   inner->msg_zh[0] ? inner->msg_zh : inner->msg);
}

int check_fail_code(const struct check *c, int code, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = check_failv(c, code, key, fmt, ap);
  va_end(ap);
  return rc;
}

int check_fail(const struct check *c, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = check_failv(c, ZZ_EINVAL, key, fmt, ap);
  va_end(ap);
  return rc;
}

/* ---- predicates ---- */

int check_is_key(const char *s) {
  size_t n = 0;
  if (!s) return 0;
  for (; s[n]; n++)
    if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_')) return 0;
  return n >= 1 && n <= CHECK_KEY_MAX;
}

int check_one_of(const char *s, const char *const *set, size_t n) {
  for (size_t i = 0; s && i < n; i++)
    if (strcmp(s, set[i]) == 0) return (int)i;
  return -1;
}

const char *check_list(const char *const *set, size_t n, char *out, size_t cap) {
  size_t len = 0;
  out[0] = 0;
  for (size_t i = 0; i < n && len < cap; i++)
    len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", set[i]);
  return out;
}

/* ---- members ---- */

/* The Chinese of what an absent member is said to be (struct check's
 * missing), or NULL for a sentence this list does not know (then the
 * English is said in both languages). */
static const char *missing_zh(const char *en) {
  static const struct {
    const char *en, *zh;
  } said[] = {{"is required", "为必填项"}, {"required", "必填"}, {"missing", "缺失"}};
  for (size_t i = 0; i < sizeof said / sizeof said[0]; i++)
    if (strcmp(en, said[i].en) == 0) return said[i].zh;
  return NULL;
}

/* The member, or NULL when absent; *rc is set when that is a failure. */
static const json_t *member(const struct check *c, const json_t *o, const char *key, unsigned flags,
                            int *rc) {
  const json_t *v = key ? json_object_get(o, key) : o;
  *rc = 0;
  if (v && (flags & CHECK_NULL_ABSENT) && json_is_null(v)) v = NULL;
  if (!v && (flags & CHECK_REQUIRED))
    *rc = fail_pair(c, ZZ_EINVAL, key, c->missing, missing_zh(c->missing));
  return v;
}

int check_str(const struct check *c, const json_t *o, const char *key, unsigned flags, size_t max,
              const char **out) {
  int rc;
  const json_t *v = member(c, o, key, flags, &rc);
  if (!v) return rc;
  if (!json_is_string(v) || ((flags & CHECK_NONEMPTY) && json_string_length(v) == 0))
    return check_fail(c, key,
                      (flags & CHECK_NONEMPTY) ? "must be a non-empty string" : "must be a string");
  if (max && json_string_length(v) > max)
    return check_fail(c, key, "is longer than %zu bytes", max);
  *out = json_string_value(v);
  return 0;
}

int check_key(const struct check *c, const json_t *o, const char *key, unsigned flags,
              const char **out) {
  const char *s = NULL;
  int rc = check_str(c, o, key, flags | CHECK_NONEMPTY, 0, &s);
  if (rc || !s) return rc;
  if (!check_is_key(s))
    return check_fail(c, key, "\"%.80s\" must be 1-%d of a-z, 0-9, _", s, CHECK_KEY_MAX);
  *out = s;
  return 0;
}

int check_enum(const struct check *c, const json_t *o, const char *key, unsigned flags,
               const char *const *set, size_t n, const char **out) {
  int rc;
  const json_t *v = member(c, o, key, flags, &rc);
  if (!v) return rc;
  if (check_one_of(json_string_value(v), set, n) < 0) {
    char all[256];
    return check_fail(c, key, "must be one of %s", check_list(set, n, all, sizeof all));
  }
  *out = json_string_value(v);
  return 0;
}

/* A number as messages show it: %g without the exponent's '+' and leading
 * zeros ("1e15", not "1e+15"). */
static const char *num_text(double x, char *out, size_t cap) {
  char t[40];
  snprintf(t, sizeof t, "%g", x);
  size_t n = 0;
  for (const char *p = t; *p && n + 1 < cap; p++) {
    out[n++] = *p;
    if (*p == 'e') {
      if (p[1] == '+')
        p++;
      else if (p[1] == '-')
        out[n++] = *++p;
      while (p[1] == '0' && p[2]) p++;
    }
  }
  out[n] = 0;
  return out;
}

/* "must be a number from 0 to 1", ">= 1", "<= 9" or no range, then ", not X"
 * when the value was a number; the Chinese is built alongside ("须为 0 到 1
 * 之间的数字，不能是 5"). what and what_zh: "a number", "数字". */
static int range_fail(const struct check *c, const char *key, const char *what, const char *what_zh,
                      double lo, double hi, const json_t *v) {
  char a[32], b[32], x[32], range[80] = "", range_zh[96] = "", got[48] = "", got_zh[56] = "";
  if (lo > -HUGE_VAL && hi < HUGE_VAL) {
    num_text(lo, a, sizeof a);
    num_text(hi, b, sizeof b);
    snprintf(range, sizeof range, " from %s to %s", a, b);
    snprintf(range_zh, sizeof range_zh, " %s 到 %s 之间的", a, b);
  } else if (lo > -HUGE_VAL) {
    num_text(lo, a, sizeof a);
    snprintf(range, sizeof range, " >= %s", a);
    snprintf(range_zh, sizeof range_zh, "不小于 %s 的", a);
  } else if (hi < HUGE_VAL) {
    num_text(hi, b, sizeof b);
    snprintf(range, sizeof range, " <= %s", b);
    snprintf(range_zh, sizeof range_zh, "不大于 %s 的", b);
  }
  if (json_is_integer(v))
    snprintf(x, sizeof x, "%lld", (long long)json_integer_value(v));
  else if (json_is_number(v))
    num_text(json_number_value(v), x, sizeof x);
  if (json_is_number(v)) {
    snprintf(got, sizeof got, ", not %s", x);
    snprintf(got_zh, sizeof got_zh, "，不能是 %s", x);
  }
  char en[192], zh[320];
  snprintf(en, sizeof en, "must be %s%s%s", what, range, got);
  snprintf(zh, sizeof zh, "须为%s%s%s", range_zh, what_zh, got_zh);
  return fail_pair(c, ZZ_EINVAL, key, en, zh);
}

int check_num(const struct check *c, const json_t *o, const char *key, unsigned flags, double lo,
              double hi, double *out) {
  int rc;
  const json_t *v = member(c, o, key, flags, &rc);
  if (!v) return rc;
  double x = json_is_number(v) ? json_number_value(v) : NAN;
  if (!isfinite(x) || x < lo || x > hi) return range_fail(c, key, "a number", "数字", lo, hi, v);
  *out = x;
  return 0;
}

int check_int(const struct check *c, const json_t *o, const char *key, unsigned flags, int64_t lo,
              int64_t hi, int64_t *out) {
  int rc;
  const json_t *v = member(c, o, key, flags, &rc);
  if (!v) return rc;
  if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
    return range_fail(c, key, "an integer", "整数", lo == INT64_MIN ? -HUGE_VAL : (double)lo,
                      hi == INT64_MAX ? HUGE_VAL : (double)hi, v);
  *out = (int64_t)json_integer_value(v);
  return 0;
}

int check_bool(const struct check *c, const json_t *o, const char *key, unsigned flags, int *out) {
  int rc;
  const json_t *v = member(c, o, key, flags, &rc);
  if (!v) return rc;
  if (!json_is_boolean(v)) return check_fail(c, key, "must be true or false");
  *out = json_is_true(v);
  return 0;
}

int check_object(const struct check *c, const json_t *o, const char *key, unsigned flags,
                 const json_t **out) {
  int rc;
  const json_t *v = member(c, o, key, flags, &rc);
  if (!v) return rc;
  if (!json_is_object(v)) return check_fail(c, key, "must be an object");
  *out = v;
  return 0;
}

/* Fails at key[i] for an item that is not of kind item. */
static int check_item(const struct check *c, const char *key, size_t i, const json_t *x,
                      enum check_item item) {
  char at[96];
  snprintf(at, sizeof at, "%.80s[%zu]", key ? key : "", i);
  switch (item) {
  case CHECK_ANY:
    return 0;
  case CHECK_OBJECT:
    return json_is_object(x) ? 0 : check_fail(c, at, "must be an object");
  case CHECK_STRING:
    return json_is_string(x) ? 0 : check_fail(c, at, "must be a string");
  case CHECK_KEY:
    if (!json_is_string(x))
      return check_fail(c, at, "must be an id (1-%d of a-z, 0-9, _)", CHECK_KEY_MAX);
    if (!check_is_key(json_string_value(x)))
      return check_fail(c, at, "\"%.80s\" must be 1-%d of a-z, 0-9, _", json_string_value(x),
                        CHECK_KEY_MAX);
    return 0;
  }
  return 0;
}

int check_array(const struct check *c, const json_t *o, const char *key, unsigned flags, size_t min,
                size_t max, enum check_item item, const json_t **out) {
  int rc;
  const json_t *v = member(c, o, key, flags, &rc);
  if (!v) return rc;
  if (!json_is_array(v)) return check_fail(c, key, "must be an array");
  size_t n = json_array_size(v);
  if (n < min || (max && n > max)) {
    /* singular and plural are two sentences, so each has its Chinese */
    if (!max)
      return check_fail(
          c, key, min == 1 ? "must list at least %zu item" : "must list at least %zu items", min);
    if (!min)
      return check_fail(
          c, key, max == 1 ? "must list at most %zu item" : "must list at most %zu items", max);
    if (min == max)
      return check_fail(c, key, min == 1 ? "must list %zu item" : "must list %zu items", min);
    return check_fail(c, key, "must list %zu to %zu items", min, max);
  }
  for (size_t i = 0; i < n; i++)
    if ((rc = check_item(c, key, i, json_array_get(v, i), item))) return rc;
  *out = v;
  return 0;
}

int check_names(const struct check *c, const json_t *o, const char *zh, const char *en,
                size_t max) {
  const char *s;
  int rc = check_str(c, o, zh, CHECK_REQUIRED | CHECK_NONEMPTY, max, &s);
  return rc ? rc : check_str(c, o, en, CHECK_REQUIRED | CHECK_NONEMPTY, max, &s);
}

int check_known(const struct check *c, const json_t *o, const char *const *allowed) {
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)o, k, v) {
    int ok = 0;
    for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, k) == 0;
    if (!ok) return check_fail(c, NULL, "unknown field \"%.64s\"", k);
  }
  return 0;
}
