/* mqtt_msg.h - the pure half of MQTT ingest: a topic and its payload in,
 * NDJSON record lines out, for the one ingest pipeline (ingest.h) to decode
 * and check exactly as it checks an HTTP body. No I/O, no registry: a bad
 * value is passed through as it came so that the decoder names the fault.
 *
 * Topic conventions (docs/api.md, "MQTT"):
 *   zz/SOURCE/ENTITY/METRIC       payload 21.5, or {"value":21.5,"ts":...}
 *   v1/devices/ENTITY/telemetry   ThingsBoard's device payloads: {"key":v,...},
 *                                 {"ts":...,"values":{...}}, or an array of them */
#ifndef ZZ_MQTT_MSG_H
#define ZZ_MQTT_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define MQTT_MAX_PAYLOAD (64 * 1024) /* a larger message is refused whole */
#define MQTT_MAX_DEPTH 32            /* JSON nesting a payload may have */

enum mqtt_conv { MQTT_CONV_ZZ = 1, MQTT_CONV_THINGSBOARD };

struct mqtt_topic {
  enum mqtt_conv conv;
  char source[64]; /* zz only; ThingsBoard devices have theirs in the account */
  char entity[128];
  char metric[64]; /* zz only */
};

/* Splits topic into t. Returns 0, or -1 when it follows neither convention
 * (or a level is empty or too long). */
int mqtt_topic_parse(const char *topic, struct mqtt_topic *t);

/* Appends one NDJSON line per record the payload carries to out; a record
 * without a time gets now_ms. A payload that is not JSON becomes one line
 * the decoder refuses (malformed_json), so it is counted like any bad line.
 * Returns the number of lines, or ZZ_ETOOBIG (over MQTT_MAX_PAYLOAD or
 * MQTT_MAX_DEPTH: nothing appended) or ZZ_ENOMEM. */
int mqtt_payload_ndjson(const struct mqtt_topic *t, const char *payload, size_t len, int64_t now_ms,
                        struct zz_buf *out);

#endif
