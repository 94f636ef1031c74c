/* fuzz_mqtt.c - libFuzzer target for MQTT messages (ingest/mqtt_msg.h): the
 * input is "TOPIC\nPAYLOAD". A topic either parses or not; a payload within
 * the caps gives lines, each one NDJSON object ending in a newline, that the
 * ingest decoder then reads (the same decoder HTTP bodies go through). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/zz.h"
#include "ingest/decode.h"
#include "ingest/mqtt_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_line(void *ud, const struct ingest_line *ln) {
  (void)ln;
  ++*(long *)ud;
  return 0;
}

static int on_error(void *ud, long line, const char *code, const char *msg, const char *msg_zh) {
  (void)line, (void)code, (void)msg, (void)msg_zh;
  ++*(long *)ud;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data, *nl = memchr(p, '\n', size);
  if (!nl || (size_t)(nl - p) > 200) return 0;
  char topic[201];
  memcpy(topic, p, (size_t)(nl - p));
  topic[nl - p] = 0;
  struct mqtt_topic t;
  if (mqtt_topic_parse(topic, &t) != 0) return 0;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  int n = mqtt_payload_ndjson(&t, nl + 1, size - (size_t)(nl - p) - 1, 1700000000000, &b);
  ZZ_ASSERT(n >= 0 || n == ZZ_ETOOBIG || n == ZZ_ENOMEM);
  if (n > 0) {
    ZZ_ASSERT(b.len > 0 && b.data[b.len - 1] == '\n');
    long seen = 0;
    struct ingest_decoder_opts o = {.format = INGEST_NDJSON,
                                    .kind = INGEST_RECORDS,
                                    .now_ms = 1700000000000,
                                    .on_line = on_line,
                                    .on_error = on_error,
                                    .ud = &seen};
    struct ingest_decoder *d = ingest_decoder_new(&o);
    if (d) {
      ingest_decoder_feed(d, b.data, b.len);
      ingest_decoder_finish(d);
      ingest_decoder_free(d);
      /* every line the payload gave is read as one record or one error */
      ZZ_ASSERT(seen == n);
    }
  }
  zz_buf_free(&b);
  return 0;
}
