/* mqtt_msg.c - MQTT topics and payloads to NDJSON record lines (mqtt_msg.h).
 * yajl's tree parser reads the payload (at most MQTT_MAX_PAYLOAD bytes, a
 * few records); numbers are copied as the device wrote them, so the
 * decoder sees the same text and applies the same checks as over HTTP. */
#include "ingest/mqtt_msg.h"

#include <string.h>
#include <yajl/yajl_tree.h>

#include "core/zz.h"

/* Copies one topic level (up to the next '/' or the end) into out. Returns
 * the rest after the '/', "" at the end, or NULL when the level is empty,
 * too long or holds a wildcard. */
static const char *level(const char *p, char *out, size_t cap) {
  size_t n = strcspn(p, "/");
  if (n == 0 || n >= cap || memchr(p, '+', n) || memchr(p, '#', n)) return NULL;
  memcpy(out, p, n);
  out[n] = 0;
  return p[n] == '/' ? p + n + 1 : p + n;
}

int mqtt_topic_parse(const char *topic, struct mqtt_topic *t) {
  memset(t, 0, sizeof *t);
  const char *p;
  if (strncmp(topic, "zz/", 3) == 0) {
    t->conv = MQTT_CONV_ZZ;
    if (!(p = level(topic + 3, t->source, sizeof t->source)) || !*p ||
        !(p = level(p, t->entity, sizeof t->entity)) || !*p ||
        !(p = level(p, t->metric, sizeof t->metric)) || *p || p[-1] == '/')
      return -1;
    return 0;
  }
  if (strncmp(topic, "v1/devices/", 11) == 0) {
    t->conv = MQTT_CONV_THINGSBOARD;
    if (!(p = level(topic + 11, t->entity, sizeof t->entity)) || strcmp(p, "telemetry") != 0)
      return -1;
    return 0;
  }
  return -1;
}

/* The deepest nesting of p's arrays and objects (outside strings). */
static int json_depth(const char *p, size_t n) {
  int depth = 0, most = 0, in_str = 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (in_str) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_str = 0;
    } else if (c == '"') {
      in_str = 1;
    } else if (c == '{' || c == '[') {
      if (++depth > most) most = depth;
    } else if (c == '}' || c == ']') {
      depth--;
    }
  }
  return most;
}

/* Appends v as JSON: a number as written, a string quoted, anything else
 * as a placeholder of its kind (the decoder refuses it as the wrong type). */
static void add_value(struct zz_buf *out, const yajl_val v) {
  if (YAJL_IS_NUMBER(v))
    zz_buf_adds(out, v->u.number.r);
  else if (YAJL_IS_STRING(v))
    zz_buf_json_str(out, v->u.string);
  else if (YAJL_IS_TRUE(v))
    zz_buf_adds(out, "true");
  else if (YAJL_IS_FALSE(v))
    zz_buf_adds(out, "false");
  else if (YAJL_IS_OBJECT(v))
    zz_buf_adds(out, "{}");
  else if (YAJL_IS_ARRAY(v))
    zz_buf_adds(out, "[]");
  else
    zz_buf_adds(out, "null");
}

static yajl_val member(const yajl_val obj, const char *key) {
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp(obj->u.object.keys[i], key) == 0) return obj->u.object.values[i];
  return NULL;
}

/* One line: entity and metric from the topic or the key, ts (NULL: now_ms),
 * value (NULL: the field is left out, and the decoder names it missing). */
static void add_line(struct zz_buf *out, const char *entity, const char *metric, yajl_val ts,
                     int64_t now_ms, yajl_val value) {
  zz_buf_adds(out, "{\"entity\":");
  zz_buf_json_str(out, entity);
  zz_buf_adds(out, ",\"metric\":");
  zz_buf_json_str(out, metric);
  zz_buf_adds(out, ",\"ts\":");
  if (ts)
    add_value(out, ts);
  else
    zz_buf_add_int(out, now_ms);
  if (value) {
    zz_buf_adds(out, ",\"value\":");
    add_value(out, value);
  }
  zz_buf_adds(out, "}\n");
}

/* A payload yajl could not read: one line holding it as the value, each
 * newline made a space, so the decoder refuses it as malformed JSON. */
static void add_raw_line(struct zz_buf *out, const struct mqtt_topic *t, const char *metric,
                         const char *payload, size_t len, int64_t now_ms) {
  zz_buf_adds(out, "{\"entity\":");
  zz_buf_json_str(out, t->entity);
  zz_buf_adds(out, ",\"metric\":");
  zz_buf_json_str(out, metric);
  zz_buf_adds(out, ",\"ts\":");
  zz_buf_add_int(out, now_ms);
  zz_buf_adds(out, ",\"value\":");
  size_t start = out->len;
  zz_buf_add(out, len ? payload : "\"\"", len ? len : 2);
  if (!zz_buf_error(out))
    for (size_t i = start; i < out->len; i++)
      if (out->data[i] == '\n' || out->data[i] == '\r') out->data[i] = ' ';
  zz_buf_adds(out, "}\n");
}

/* ThingsBoard: {"k":v,...} or {"ts":T,"values":{"k":v,...}}. Returns lines. */
static int tb_object(struct zz_buf *out, const char *entity, yajl_val o, int64_t now_ms) {
  yajl_val values = member(o, "values"), ts = member(o, "ts");
  int n = 0;
  if (values && YAJL_IS_OBJECT(values)) {
    for (size_t i = 0; i < values->u.object.len; i++, n++)
      add_line(out, entity, values->u.object.keys[i], ts, now_ms, values->u.object.values[i]);
    return n;
  }
  for (size_t i = 0; i < o->u.object.len; i++, n++)
    add_line(out, entity, o->u.object.keys[i], NULL, now_ms, o->u.object.values[i]);
  return n;
}

int mqtt_payload_ndjson(const struct mqtt_topic *t, const char *payload, size_t len, int64_t now_ms,
                        struct zz_buf *out) {
  if (len > MQTT_MAX_PAYLOAD || json_depth(payload, len) > MQTT_MAX_DEPTH) return ZZ_ETOOBIG;
  char text[MQTT_MAX_PAYLOAD + 1];
  memcpy(text, payload, len);
  text[len] = 0;
  /* A NUL inside would end the text early: yajl would read a shorter payload. */
  yajl_val v = memchr(payload, 0, len) ? NULL : yajl_tree_parse(text, NULL, 0);
  const char *metric = t->conv == MQTT_CONV_ZZ ? t->metric : "telemetry";
  int n = 0;
  if (!v) {
    add_raw_line(out, t, metric, payload, len, now_ms);
    n = 1;
  } else if (t->conv == MQTT_CONV_ZZ) {
    if (YAJL_IS_OBJECT(v))
      add_line(out, t->entity, t->metric, member(v, "ts"), now_ms, member(v, "value"));
    else
      add_line(out, t->entity, t->metric, NULL, now_ms, v);
    n = 1;
  } else if (YAJL_IS_OBJECT(v)) {
    n = tb_object(out, t->entity, v, now_ms);
  } else if (YAJL_IS_ARRAY(v)) {
    for (size_t i = 0; i < v->u.array.len; i++) {
      yajl_val el = v->u.array.values[i];
      if (YAJL_IS_OBJECT(el)) {
        n += tb_object(out, t->entity, el, now_ms);
      } else {
        add_line(out, t->entity, metric, NULL, now_ms, el);
        n++;
      }
    }
  } else {
    add_line(out, t->entity, metric, NULL, now_ms, v);
    n = 1;
  }
  yajl_tree_free(v);
  return zz_buf_error(out) ? ZZ_ENOMEM : n;
}
