/* check.h - one kit for checking JSON input: the pack's files, dashboards.json,
 * rules and matters (from a pack or the admin API) and demo.json. A struct
 * check carries the file and the path being checked ("features[2].properties")
 * so every failure names where it happened; helpers check a member's
 * presence, type, set of values, form (ids) and range, and fill struct zz_err.
 * Pure: no I/O, no allocation. */
#ifndef ZZ_CHECK_H
#define ZZ_CHECK_H

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>

#include "core/zz.h"

/* Ids (departments, entity types, metrics, sources, matters, rules, form
 * fields, events): 1 to CHECK_KEY_MAX of a-z, 0-9, _. One limit for all of
 * them because they refer to each other: a rule names a metric and a matter
 * and keeps them in buffers of CHECK_KEY_MAX + 1 (struct rule_def), so an id
 * that one file accepts must fit wherever another refers to it. */
#define CHECK_KEY_MAX 64

/* How messages read (flags of struct check's form). Without a file (an
 * object from the API) a message is "PATH TEXT" ("condition.value is
 * required") and the field is PATH. With a file, a message is "FILE PATH:
 * TEXT" and the field PATH (or FILE at the top). */
enum {
  CHECK_FIELD_FILE = 1, /* the field is "FILE PATH" too (the pack loader) */
  CHECK_FILE_COLON = 2, /* messages read "FILE: PATH: TEXT" (demo.json) */
  CHECK_LINE = 4,       /* the path names a line ("line 12"): a member goes into the
                           text ("line 12: lon: ..."), the field stays the line */
};

struct check {
  struct zz_err *e; /* may be NULL: failures then only return their code */
  const char *file; /* "metrics.json", or NULL for an object from the API */
  unsigned form;    /* CHECK_* flags above */
  /* what an absent required member is said to be: "is required" unless set
   * (demo.json's messages say "missing", as docs/packs.md quotes them) */
  const char *missing;
  char path[160]; /* "" at the top of the document */
};

/* Flags of the member helpers. */
enum {
  CHECK_OPTIONAL = 0,
  CHECK_REQUIRED = 1,    /* absent: fail with c->missing */
  CHECK_NONEMPTY = 2,    /* strings: "" is refused */
  CHECK_NULL_ABSENT = 4, /* null counts as absent */
};

/* What each item of an array must be (check_array). */
enum check_item { CHECK_ANY, CHECK_OBJECT, CHECK_STRING, CHECK_KEY };

/* Sets up c at the top of file (NULL: an API object) with the given form. */
void check_init(struct check *c, struct zz_err *e, const char *file, unsigned form);

/* Appends to the path: check_push(c, "[%zu]", i), check_push(c, ".query").
 * Returns the old length, for check_pop. A path that would not fit is cut. */
size_t check_push(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replaces the path: check_at(c, "features[%zu]", i). */
void check_at(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends ".key" (just "key" at the top, no dot before "[i]"); returns the
 * old length. */
size_t check_push_key(struct check *c, const char *key);
void check_pop(struct check *c, size_t mark);

/* Fails with ZZ_EINVAL at member key of the path (key NULL: at the path
 * itself); fmt is the text after the location. Returns ZZ_EINVAL. */
int check_fail(const struct check *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with another code (ZZ_ETOOBIG ...). Returns code. */
int check_fail_code(const struct check *c, int code, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int check_failv(const struct check *c, int code, const char *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* The same with the sentences (both languages) and code of another error,
 * at member key of the path. Returns the code (ZZ_EINVAL when inner has none). */
int check_fail_err(const struct check *c, const char *key, const struct zz_err *inner);

/* ---- predicates ---- */

/* 1 when s is 1 to CHECK_KEY_MAX of a-z, 0-9, _ (s may be NULL: 0). */
int check_is_key(const char *s);
/* The index of s in set[0..n), or -1 (s may be NULL). */
int check_one_of(const char *s, const char *const *set, size_t n);
/* "a, b, c" into out (cut to cap); returns out. */
const char *check_list(const char *const *set, size_t n, char *out, size_t cap);

/* ---- members ----
 * Each checks o[key] (key NULL: o itself), fails at the member and returns
 * ZZ_EINVAL, or returns 0 with the value in *out. An absent optional member
 * leaves *out as it was, so callers preset defaults. */

/* A string; max > 0 limits its length in bytes ("is longer than N bytes"). */
int check_str(const struct check *c, const json_t *o, const char *key, unsigned flags, size_t max,
              const char **out);
/* An id: a string that check_is_key accepts. */
int check_key(const struct check *c, const json_t *o, const char *key, unsigned flags,
              const char **out);
/* A string from set ("must be one of a, b, c"). */
int check_enum(const struct check *c, const json_t *o, const char *key, unsigned flags,
               const char *const *set, size_t n, const char **out);
/* A number within [lo, hi] ("must be a number from 0 to 1, not 5"; an
 * infinite bound reads ">= 0" or "<= 1", both "must be a number"). */
int check_num(const struct check *c, const json_t *o, const char *key, unsigned flags, double lo,
              double hi, double *out);
/* An integer within [lo, hi] ("must be an integer from 1 to 31, not 40";
 * INT64_MIN or INT64_MAX as a bound: no bound on that side). */
int check_int(const struct check *c, const json_t *o, const char *key, unsigned flags, int64_t lo,
              int64_t hi, int64_t *out);
/* true or false ("must be true or false"). */
int check_bool(const struct check *c, const json_t *o, const char *key, unsigned flags, int *out);
/* An object. */
int check_object(const struct check *c, const json_t *o, const char *key, unsigned flags,
                 const json_t **out);
/* An array of min to max items (max 0: no limit), each of kind item; an
 * item fails at "key[i]". */
int check_array(const struct check *c, const json_t *o, const char *key, unsigned flags, size_t min,
                size_t max, enum check_item item, const json_t **out);
/* Every member of object o is named in allowed (NULL-terminated), so a typo
 * fails loudly instead of falling back to a default: "unknown field \"levle\""
 * at the path. */
int check_known(const struct check *c, const json_t *o, const char *const *allowed);
/* Two required non-empty strings (name_zh and name_en, label_zh and
 * label_en ...), each at most max bytes (0: no limit). */
int check_names(const struct check *c, const json_t *o, const char *zh, const char *en, size_t max);

#endif
