/* decode_csv.c - one CSV line -> one record (or event). The first non-blank
 * line is the header naming the columns in any order; fields follow RFC 4180
 * quoting within a line (a quoted line break is refused: lines are cut before
 * this file sees them). Unquoted fields are used in place, without a copy. */
#include "ingest/decode_int.h"
#include "core/zz.h"

#include <string.h>

struct csv_span {
  const char *p;
  size_t n;
};

/* Splits s[0..n) into fields, keeping the first `max` in f. Quoted fields are
 * unescaped into d->unq. Returns the number of fields, or -1 with d->msg set
 * when the quoting is broken. */
static int csv_split(struct ingest_decoder *d, const char *s, size_t n, struct csv_span *f,
                     int max) {
  const char *end = s + n, *p = s;
  char *u = d->unq; /* unescaped text never outgrows the line it comes from */
  int count = 0;
  for (;;) {
    struct csv_span cur;
    if (p < end && *p == '"') {
      cur.p = u;
      p++;
      for (;;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) {
          ingest_say(d,
                     "field %d: quoted field not closed on this line (line breaks inside "
                     "fields are not supported)",
                     count + 1);
          return -1;
        }
        memcpy(u, p, (size_t)(q - p));
        u += q - p;
        p = q + 1;
        if (p < end && *p == '"') { /* a doubled quote stands for one */
          *u++ = '"';
          p++;
          continue;
        }
        break;
      }
      cur.n = (size_t)(u - cur.p);
      if (p < end && *p != ',') {
        ingest_say(d, "field %d: unexpected text after a closing quote", count + 1);
        return -1;
      }
    } else {
      const char *q = memchr(p, ',', (size_t)(end - p));
      cur.p = p;
      cur.n = (size_t)((q ? q : end) - p);
      p += cur.n;
      if (memchr(cur.p, '"', cur.n)) {
        ingest_say(d, "field %d: a quote inside a field that does not start with one", count + 1);
        return -1;
      }
    }
    if (count < max) f[count] = cur;
    count++;
    if (p == end) break;
    p++; /* the comma */
  }
  return count;
}

static const char *const csv_names[INGEST_F_COUNT] = {
    [INGEST_F_ENTITY] = "entity", [INGEST_F_METRIC] = "metric", [INGEST_F_KIND] = "kind",
    [INGEST_F_TS] = "ts",         [INGEST_F_VALUE] = "value",   [INGEST_F_DATA] = "data",
};

/* Reads the header: the column names, each once, in any order. Records need
 * exactly entity, metric, ts, value; events entity, kind, ts and optionally
 * data. A bad header is reported once and the rest of the body is skipped. */
static int csv_header(struct ingest_decoder *d, long line, const char *s, size_t n) {
  static const enum ingest_field rec[] = {INGEST_F_ENTITY, INGEST_F_METRIC, INGEST_F_TS,
                                          INGEST_F_VALUE};
  static const enum ingest_field evt[] = {INGEST_F_ENTITY, INGEST_F_KIND, INGEST_F_TS,
                                          INGEST_F_DATA};
  int records = d->o.kind == INGEST_RECORDS;
  const enum ingest_field *want = records ? rec : evt;
  const char *expect = records ? "entity, metric, ts, value" : "entity, kind, ts and maybe data";
  struct csv_span f[INGEST_CSV_COLS];
  int seen[INGEST_F_COUNT] = {0};
  char snip[48];
  d->csv_state = INGEST_CSV_BAD_HEADER;
  int count = csv_split(d, s, n, f, INGEST_CSV_COLS);
  if (count < 0) return ingest_report_msg(d, line, INGEST_E_HEADER);
  /* With more than INGEST_CSV_COLS columns one of the first ones is already
   * unknown or repeated, since only four names are allowed. */
  for (int i = 0; i < count && i < INGEST_CSV_COLS; i++) {
    enum ingest_field which = INGEST_F_NONE;
    for (int w = 0; w < 4; w++) {
      const char *name = csv_names[want[w]];
      if (f[i].n == strlen(name) && memcmp(f[i].p, name, f[i].n) == 0) which = want[w];
    }
    if (which == INGEST_F_NONE)
      return ingest_report(d, line, INGEST_E_HEADER, "unknown column \"%s\"; expected %s",
                           ingest_snippet(snip, sizeof snip, f[i].p, f[i].n), expect);
    if (seen[which]++)
      return ingest_report(d, line, INGEST_E_HEADER, "column \"%s\" appears twice",
                           csv_names[which]);
    d->csv_col[i] = which;
  }
  for (int w = 0; w < 4; w++) {
    if (!seen[want[w]] && want[w] != INGEST_F_DATA)
      return ingest_report(d, line, INGEST_E_HEADER, "missing column \"%s\"; expected %s",
                           csv_names[want[w]], expect);
  }
  d->csv_ncols = count;
  d->csv_state = INGEST_CSV_BODY;
  return 0;
}

static struct csv_span trim(struct csv_span f) {
  while (f.n > 0 && (f.p[0] == ' ' || f.p[0] == '\t')) f.p++, f.n--;
  while (f.n > 0 && (f.p[f.n - 1] == ' ' || f.p[f.n - 1] == '\t')) f.n--;
  return f;
}

/* Checks the data column of an event: empty, or a JSON object. */
static const char *csv_data(struct ingest_decoder *d, struct csv_span f, struct ingest_line *ln) {
  const char *code;
  struct csv_span t = trim(f);
  if (t.n == 0) {
    ln->data = "{}";
    ln->data_len = 2;
    return NULL;
  }
  code = ingest_json_parse(d, t.p, t.n);
  if (code == INGEST_E_JSON) {
    /* the column's own sentence carries JSON's, in both languages */
    char why[192], why_zh[256];
    const char *prefix = "invalid JSON: ", *prefix_zh = "JSON 无效：";
    size_t skip = strncmp(d->msg, prefix, strlen(prefix)) == 0 ? strlen(prefix) : 0;
    zz_strlcpy(why, d->msg + skip, sizeof why);
    skip = strncmp(d->msg_zh, prefix_zh, strlen(prefix_zh)) == 0 ? strlen(prefix_zh) : 0;
    zz_strlcpy(why_zh, d->msg_zh + skip, sizeof why_zh);
    snprintf(d->msg, sizeof d->msg, "field \"data\" is not valid JSON: %s", why);
    snprintf(d->msg_zh, sizeof d->msg_zh, "字段“data”不是有效的 JSON：%s", why_zh);
    zz_utf8_trim(d->msg_zh);
  }
  if (code) return code;
  if (!d->js.top_object) {
    ingest_say(d, "field \"data\" must be a JSON object");
    return INGEST_E_TYPE;
  }
  /* The object's own bytes, without the whitespace JSON allows around it. */
  ln->data = t.p + d->js.top_start;
  ln->data_len = d->js.top_end - d->js.top_start;
  return NULL;
}

int ingest_csv_line(struct ingest_decoder *d, long line, const char *s, size_t n) {
  struct csv_span f[INGEST_CSV_COLS];
  struct ingest_line ln;
  const char *code = NULL;
  int have[INGEST_F_COUNT] = {0};
  if (d->csv_state == INGEST_CSV_HEADER) return csv_header(d, line, s, n);
  if (d->csv_state == INGEST_CSV_BAD_HEADER) return 0;

  int count = csv_split(d, s, n, f, INGEST_CSV_COLS);
  if (count < 0) return ingest_report_msg(d, line, INGEST_E_CSV);
  if (count != d->csv_ncols)
    return ingest_report(d, line, INGEST_E_CSV, "expected %d fields, got %d", d->csv_ncols, count);
  memset(&ln, 0, sizeof ln);
  ln.line = line;
  ln.data = "{}";
  ln.data_len = 2;
  /* Columns in the order of checks, so the first problem named is stable. */
  static const enum ingest_field order[] = {INGEST_F_ENTITY, INGEST_F_METRIC, INGEST_F_KIND,
                                            INGEST_F_TS,     INGEST_F_VALUE,  INGEST_F_DATA};
  struct csv_span by_field[INGEST_F_COUNT];
  for (int i = 0; i < count; i++) {
    by_field[d->csv_col[i]] = f[i];
    have[d->csv_col[i]] = 1;
  }
  for (size_t k = 0; k < ZZ_ARRAY_LEN(order); k++) {
    enum ingest_field w = order[k];
    if (!have[w]) continue;
    struct csv_span v = by_field[w];
    if (w == INGEST_F_TS || w == INGEST_F_VALUE) v = trim(v);
    if (v.n == 0 && w != INGEST_F_DATA) {
      ingest_say(d, "missing field \"%s\"", csv_names[w]);
      code = INGEST_E_MISSING;
      goto bad;
    }
    switch (w) {
    case INGEST_F_ENTITY:
      ln.entity = v.p;
      ln.entity_len = v.n;
      code = ingest_check_id(d, "entity", v.p, v.n);
      break;
    case INGEST_F_METRIC:
      ln.metric = v.p;
      ln.metric_len = v.n;
      code = ingest_check_id(d, "metric", v.p, v.n);
      break;
    case INGEST_F_KIND:
      ln.kind = v.p;
      ln.kind_len = v.n;
      code = ingest_check_id(d, "kind", v.p, v.n);
      break;
    case INGEST_F_TS:
      code = ingest_check_ts(d, v.p, v.n, &ln.ts);
      break;
    case INGEST_F_VALUE:
      code = ingest_check_value(d, v.p, v.n, &ln.value);
      break;
    case INGEST_F_DATA:
      code = csv_data(d, v, &ln);
      if (code == ingest_nomem) return ZZ_ENOMEM;
      break;
    default:
      break;
    }
    if (code) goto bad;
  }
  return d->o.on_line ? d->o.on_line(d->o.ud, &ln) : 0;
bad:
  return ingest_report_msg(d, line, code);
}
