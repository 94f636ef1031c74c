/* ngsi.c - zhizhi entities as NGSI-v2 entities (ngsi.h): rendering,
 * keyValues, attrs selection, the Simple Query Language and geo-queries.
 * Shared by the /v2 handlers and the subscription notifier; pure. */
#include "model/ngsi.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/zz.h"
#include "model/geo.h"

char *ngsi_time(int64_t ms, char out[32]) {
  time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int frac = (int)(ms - (int64_t)s * 1000);
  struct tm tm;
  gmtime_r(&s, &tm);
  char tmp[96];
  snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  zz_strlcpy(out, tmp, 32);
  return out;
}

/* {"type": type, "value": value (stolen), "metadata": metadata or {}} */
static json_t *attr_new(const char *type, json_t *value, json_t *metadata) {
  return json_pack("{s:s, s:o, s:o}", "type", type, "value", value ? value : json_null(),
                   "metadata", metadata ? metadata : json_object());
}

static const char *json_attr_type(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_STRING:
    return "Text";
  case JSON_INTEGER:
  case JSON_REAL:
    return "Number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "Boolean";
  case JSON_NULL:
    return "None";
  default:
    return "StructuredValue";
  }
}

static void set_text(json_t *e, const char *name, const char *s) {
  if (s && *s) json_object_set_new(e, name, attr_new("Text", json_string(s), NULL));
}

json_t *ngsi_entity(const struct store_entity *en, const char *region_path,
                    const struct ngsi_value *vals, size_t n) {
  json_t *e =
      json_pack("{s:s, s:s}", "id", en->key ? en->key : "", "type", en->type ? en->type : "");
  if (!e) return NULL;
  set_text(e, "name", en->name_zh);
  set_text(e, "name_en", en->name_en);
  set_text(e, "status", en->status);
  set_text(e, "region", region_path);
  if (isfinite(en->lon) && isfinite(en->lat)) {
    json_t *pt = json_pack("{s:s, s:[f,f]}", "type", "Point", "coordinates", en->lon, en->lat);
    json_object_set_new(e, "location", attr_new("geo:json", pt, NULL));
  }
  json_t *attrs = en->attrs_json ? json_loads(en->attrs_json, 0, NULL) : NULL;
  const char *k;
  json_t *v;
  json_object_foreach(attrs, k, v) {
    if (strcmp(k, "id") == 0 || strcmp(k, "type") == 0) continue; /* NGSI reserves them */
    json_object_set_new(e, k, attr_new(json_attr_type(v), json_incref(v), NULL));
  }
  json_decref(attrs);
  for (size_t i = 0; i < n; i++) {
    char t[32];
    json_t *md = json_pack("{s:{s:s, s:s}}", "TimeInstant", "type", "DateTime", "value",
                           ngsi_time(vals[i].ts, t));
    json_t *num = isfinite(vals[i].value) ? json_real(vals[i].value) : json_null();
    /* whole numbers as integers, as a client reading "value": 3 expects */
    if (isfinite(vals[i].value) && vals[i].value == floor(vals[i].value) &&
        fabs(vals[i].value) < 9e15) {
      json_decref(num);
      num = json_integer((json_int_t)vals[i].value);
    }
    json_object_set_new(e, vals[i].metric, attr_new("Number", num, md));
  }
  return e;
}

static int listed(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; *p;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if ((len == n && strncmp(p, name, n) == 0) || (len == 1 && *p == '*')) return 1;
    if (!c) break;
    p = c + 1;
  }
  return 0;
}

void ngsi_select_attrs(json_t *entity, const char *attrs) {
  if (!attrs || !*attrs || listed(attrs, "*")) return;
  const char *k;
  json_t *v;
  void *tmp;
  json_object_foreach_safe(entity, tmp, k, v) {
    if (strcmp(k, "id") == 0 || strcmp(k, "type") == 0) continue;
    if (!listed(attrs, k)) json_object_del(entity, k);
  }
}

json_t *ngsi_key_values(const json_t *entity) {
  json_t *out = json_object();
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)entity, k, v) {
    if (json_is_object(v))
      json_object_set(out, k, json_object_get(v, "value"));
    else
      json_object_set(out, k, v);
  }
  return out;
}

/* ---- the Simple Query Language ---- */

enum q_op { Q_EXISTS, Q_NOT_EXISTS, Q_EQ, Q_NE, Q_GT, Q_LT, Q_GE, Q_LE, Q_MATCH };

struct q_value {
  char *text;
  int is_num;
  double num;
};

struct q_stmt {
  char *attr;
  enum q_op op;
  int range; /* values[0]..values[1] */
  struct q_value *values;
  int nvalues;
};

struct ngsi_q {
  struct q_stmt *s;
  int n;
};

void ngsi_q_free(struct ngsi_q *q) {
  if (!q) return;
  for (int i = 0; i < q->n; i++) {
    for (int k = 0; k < q->s[i].nvalues; k++) zz_free(q->s[i].values[k].text);
    zz_free(q->s[i].values);
    zz_free(q->s[i].attr);
  }
  zz_free(q->s);
  zz_free(q);
}

static char *dup_n(const char *s, size_t n) {
  char *d = zz_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* One value token: 'quoted' (a string) or bare (a number when it reads as one). */
static int q_value_set(struct q_value *v, const char *s, size_t n) {
  if (n >= 2 && s[0] == '\'' && s[n - 1] == '\'') {
    v->text = dup_n(s + 1, n - 2);
    return v->text ? 0 : ZZ_ENOMEM;
  }
  v->text = dup_n(s, n);
  if (!v->text) return ZZ_ENOMEM;
  char *end;
  v->num = strtod(v->text, &end);
  v->is_num = n > 0 && *end == '\0' && isfinite(v->num);
  return 0;
}

static int q_values(struct q_stmt *st, const char *s, size_t n, char *err, size_t cap) {
  const char *dots = NULL;
  for (size_t i = 0; i + 1 < n; i++)
    if (s[i] == '.' && s[i + 1] == '.' && s[0] != '\'') {
      dots = s + i;
      break;
    }
  int commas = 0;
  for (size_t i = 0; i < n; i++) commas += s[i] == ',';
  if ((dots || commas) && st->op != Q_EQ && st->op != Q_NE) {
    snprintf(err, cap, "%s",
             dots ? "ranges only valid for equal and not equal ops"
                  : "lists only valid for equal and not equal ops");
    return ZZ_EINVAL;
  }
  int count = dots ? 2 : commas + 1;
  st->values = zz_calloc((size_t)count, sizeof *st->values);
  if (!st->values) return ZZ_ENOMEM;
  st->nvalues = count;
  if (dots) {
    st->range = 1;
    if (q_value_set(&st->values[0], s, (size_t)(dots - s)) ||
        q_value_set(&st->values[1], dots + 2, n - (size_t)(dots - s) - 2))
      return ZZ_ENOMEM;
    return 0;
  }
  const char *p = s;
  for (int i = 0; i < count; i++) {
    const char *c = memchr(p, ',', (size_t)(s + n - p));
    size_t len = c ? (size_t)(c - p) : (size_t)(s + n - p);
    if (q_value_set(&st->values[i], p, len)) return ZZ_ENOMEM;
    p = c ? c + 1 : s + n;
  }
  return 0;
}

static int q_stmt_parse(struct q_stmt *st, const char *s, size_t n, char *err, size_t cap) {
  static const struct {
    const char *tok;
    enum q_op op;
  } ops[] = {{"==", Q_EQ},    {"!=", Q_NE}, {">=", Q_GE}, {"<=", Q_LE},
             {"~=", Q_MATCH}, {">", Q_GT},  {"<", Q_LT}};
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
      size_t tl = strlen(ops[k].tok);
      if (i + tl <= n && strncmp(s + i, ops[k].tok, tl) == 0) {
        if (i == 0 || i + tl == n) {
          snprintf(err, cap, "empty left or right side in q statement: %.*s", (int)n, s);
          return ZZ_EINVAL;
        }
        st->op = ops[k].op;
        st->attr = dup_n(s, i);
        if (!st->attr) return ZZ_ENOMEM;
        return q_values(st, s + i + tl, n - i - tl, err, cap);
      }
    }
    if (s[i] == '=') { /* a single '=' is no operator of the language */
      snprintf(err, cap, "invalid operator in q statement: %.*s", (int)n, s);
      return ZZ_EINVAL;
    }
  }
  st->op = Q_EXISTS;
  if (s[0] == '!') {
    st->op = Q_NOT_EXISTS;
    s++, n--;
  }
  if (!n) {
    snprintf(err, cap, "%s", "empty attribute name in q");
    return ZZ_EINVAL;
  }
  st->attr = dup_n(s, n);
  return st->attr ? 0 : ZZ_ENOMEM;
}

int ngsi_q_parse(const char *q, struct ngsi_q **out, char *err, size_t cap) {
  *out = NULL;
  struct ngsi_q *r = zz_calloc(1, sizeof *r);
  if (!r) return ZZ_ENOMEM;
  int rc = 0, count = 1;
  for (const char *p = q; *p; p++) count += *p == ';';
  r->s = zz_calloc((size_t)count, sizeof *r->s);
  if (!r->s) {
    rc = ZZ_ENOMEM;
    goto done;
  }
  for (const char *p = q; *p;) {
    const char *c = strchr(p, ';');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (len) {
      rc = q_stmt_parse(&r->s[r->n++], p, len, err, cap);
      if (rc) goto done;
    }
    if (!c) break;
    p = c + 1;
  }
  if (!r->n) {
    snprintf(err, cap, "%s", "empty q");
    rc = ZZ_EINVAL;
  }
done:
  if (rc)
    ngsi_q_free(r);
  else
    *out = r;
  return rc;
}

/* <0, 0, >0 comparing the attribute's value with a query value; 2 when they
 * cannot be compared (a number against a string). */
static int q_cmp(const json_t *val, const struct q_value *qv) {
  if (json_is_number(val)) {
    if (!qv->is_num) return 2;
    double a = json_number_value(val);
    return a < qv->num ? -1 : a > qv->num ? 1 : 0;
  }
  if (json_is_string(val)) {
    int c = strcmp(json_string_value(val), qv->text);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (json_is_boolean(val)) return strcmp(json_is_true(val) ? "true" : "false", qv->text) ? 2 : 0;
  return 2;
}

static int q_eq(const struct q_stmt *st, const json_t *val) {
  if (st->range) {
    int lo = q_cmp(val, &st->values[0]), hi = q_cmp(val, &st->values[1]);
    return lo != 2 && hi != 2 && lo >= 0 && hi <= 0;
  }
  for (int i = 0; i < st->nvalues; i++)
    if (q_cmp(val, &st->values[i]) == 0) return 1;
  return 0;
}

static int q_stmt_match(const struct q_stmt *st, const json_t *entity) {
  const json_t *attr = json_object_get(entity, st->attr);
  if (st->op == Q_NOT_EXISTS) return attr == NULL;
  if (!attr) return 0;
  if (st->op == Q_EXISTS) return 1;
  const json_t *val = json_object_get(attr, "value");
  if (!val) return 0;
  int c;
  switch (st->op) {
  case Q_EQ:
    return q_eq(st, val);
  case Q_NE:
    return !q_eq(st, val);
  case Q_MATCH:
    return json_is_string(val) && strstr(json_string_value(val), st->values[0].text) != NULL;
  default:
    c = q_cmp(val, &st->values[0]);
    if (c == 2) return 0;
    return st->op == Q_GT ? c > 0 : st->op == Q_LT ? c < 0 : st->op == Q_GE ? c >= 0 : c <= 0;
  }
}

int ngsi_q_match(const struct ngsi_q *q, const json_t *entity) {
  for (int i = 0; q && i < q->n; i++)
    if (!q_stmt_match(&q->s[i], entity)) return 0;
  return 1;
}

/* ---- geo-queries ---- */

double ngsi_distance(double lat1, double lon1, double lat2, double lon2) {
  const double rad = 3.14159265358979323846 / 180, earth = 6371008.8;
  double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
  double a = sin(dlat / 2) * sin(dlat / 2) +
             cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
  return 2 * earth * atan2(sqrt(a), sqrt(1 - a));
}

static int geo_fail(char *err, size_t cap, const char *what) {
  snprintf(err, cap, "%s", what);
  return ZZ_EINVAL;
}

static int geo_coords(const char *coords, struct ngsi_geo *g, char *err, size_t cap) {
  for (const char *p = coords; *p;) {
    if (g->npoints == NGSI_GEO_POINTS_MAX) return geo_fail(err, cap, "too many points in coords");
    char *end;
    double lat = strtod(p, &end);
    if (end == p || *end != ',') return geo_fail(err, cap, "invalid coordinates in coords");
    p = end + 1;
    double lon = strtod(p, &end);
    if (end == p || (*end && *end != ';') || !isfinite(lat) || !isfinite(lon) || fabs(lat) > 90 ||
        fabs(lon) > 180)
      return geo_fail(err, cap, "invalid coordinates in coords");
    g->lat[g->npoints] = lat;
    g->lon[g->npoints++] = lon;
    p = *end ? end + 1 : end;
  }
  return 0;
}

static int geo_polygon_json(struct ngsi_geo *g, char *err, size_t cap) {
  if (g->npoints < 4 || g->lat[0] != g->lat[g->npoints - 1] || g->lon[0] != g->lon[g->npoints - 1])
    return geo_fail(err, cap, "a polygon needs at least four points, the last equal to the first");
  size_t used = 0, room = sizeof g->polygon_json;
  used += (size_t)snprintf(g->polygon_json, room, "{\"type\":\"Polygon\",\"coordinates\":[[");
  for (int i = 0; i < g->npoints && used < room; i++)
    used += (size_t)snprintf(g->polygon_json + used, room - used, "%s[%.10g,%.10g]", i ? "," : "",
                             g->lon[i], g->lat[i]);
  if (used < room) used += (size_t)snprintf(g->polygon_json + used, room - used, "]]}");
  if (used >= room) return geo_fail(err, cap, "too many points in coords");
  return 0;
}

static int geo_rel(const char *georel, struct ngsi_geo *g, char *err, size_t cap) {
  g->max_distance = g->min_distance = -1;
  if (strncmp(georel, "near", 4) == 0 && (georel[4] == ';' || !georel[4])) {
    g->rel = NGSI_GEO_NEAR;
    for (const char *p = georel + 4; *p == ';';) {
      p++;
      double *dst = strncmp(p, "maxDistance:", 12) == 0   ? &g->max_distance
                    : strncmp(p, "minDistance:", 12) == 0 ? &g->min_distance
                                                          : NULL;
      if (!dst) return geo_fail(err, cap, "unknown near modifier in georel");
      char *end;
      *dst = strtod(p + 12, &end);
      if (end == p + 12 || (*end && *end != ';') || !isfinite(*dst) || *dst < 0)
        return geo_fail(err, cap, "invalid distance in georel");
      p = end;
    }
    if (g->max_distance < 0 && g->min_distance < 0)
      return geo_fail(err, cap, "georel near needs maxDistance or minDistance");
    return 0;
  }
  static const struct {
    const char *name;
    enum ngsi_georel rel;
  } rels[] = {{"coveredBy", NGSI_GEO_COVERED_BY},
              {"intersects", NGSI_GEO_INTERSECTS},
              {"disjoint", NGSI_GEO_DISJOINT},
              {"equals", NGSI_GEO_EQUALS}};
  for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++)
    if (strcmp(georel, rels[i].name) == 0) {
      g->rel = rels[i].rel;
      return 0;
    }
  return geo_fail(err, cap, "invalid georel");
}

int ngsi_geo_parse(const char *georel, const char *geometry, const char *coords, struct ngsi_geo *g,
                   char *err, size_t cap) {
  memset(g, 0, sizeof *g);
  if (!georel || !geometry || !coords)
    return geo_fail(err, cap,
                    "partial geo expression: geometry, georel and coords have to be provided "
                    "together");
  int rc = geo_rel(georel, g, err, cap);
  if (rc) return rc;
  if (strcmp(geometry, "point") == 0)
    g->polygon = 0;
  else if (strcmp(geometry, "polygon") == 0)
    g->polygon = 1;
  else
    return geo_fail(err, cap, "geometry must be point or polygon (line and box are not supported)");
  if ((rc = geo_coords(coords, g, err, cap))) return rc;
  if (!g->polygon && g->npoints != 1) return geo_fail(err, cap, "a point needs one lat,lon pair");
  if (g->polygon && (rc = geo_polygon_json(g, err, cap))) return rc;
  if (g->rel == NGSI_GEO_NEAR && g->polygon)
    return geo_fail(err, cap, "georel near needs geometry point");
  if (g->rel == NGSI_GEO_COVERED_BY && !g->polygon)
    return geo_fail(err, cap, "georel coveredBy needs geometry polygon");
  return 0;
}

int ngsi_geo_match(const struct ngsi_geo *g, double lon, double lat) {
  if (!isfinite(lon) || !isfinite(lat)) return 0;
  if (g->rel == NGSI_GEO_NEAR) {
    double d = ngsi_distance(g->lat[0], g->lon[0], lat, lon);
    if (g->max_distance >= 0 && d > g->max_distance) return 0;
    if (g->min_distance >= 0 && d < g->min_distance) return 0;
    return 1;
  }
  int inside;
  if (g->polygon)
    inside = geo_contains(g->polygon_json, lon, lat) == 1;
  else
    inside = g->lat[0] == lat && g->lon[0] == lon;
  return g->rel == NGSI_GEO_DISJOINT ? !inside : inside;
}
