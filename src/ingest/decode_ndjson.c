/* decode_ndjson.c - one NDJSON line -> one record or event, through yajl's
 * callback parser. One yajl handle per decoder is reused from line to line
 * (yajl_allow_multiple_values), and rebuilt only after a bad line, so the good
 * path allocates nothing. */
#include "ingest/decode_int.h"
#include "core/zz.h"

#include <string.h>

static struct ingest_decoder *dec(void *ctx) {
  return ctx;
}

/* A value begins at depth 0: the line's own value, or a second one. */
static int top_value(struct ingest_decoder *d, int is_object) {
  if (d->js.top_values++ > 0) {
    d->js.cancel = INGEST_CANCEL_TRAILING;
    return 0;
  }
  d->js.top_object = is_object;
  return 1;
}

static void set_jstr(struct ingest_jstr *f, enum ingest_jtype type, const unsigned char *s,
                     size_t n) {
  f->type = type;
  f->len = n;
  if (type == INGEST_J_STRING && n <= INGEST_MAX_ID) memcpy(f->text, s, n);
}

/* A scalar (or the start of a container) at depth 1: the value of d->js.cur. */
static void field_value(struct ingest_decoder *d, enum ingest_jtype type, const unsigned char *s,
                        size_t n) {
  struct ingest_json_line *js = &d->js;
  switch (js->cur) {
  case INGEST_F_ENTITY:
    set_jstr(&js->entity, type, s, n);
    break;
  case INGEST_F_METRIC:
    set_jstr(&js->metric, type, s, n);
    break;
  case INGEST_F_KIND:
    set_jstr(&js->kind, type, s, n);
    break;
  case INGEST_F_TS:
    js->ts_type = type;
    js->ts_len = n;
    /* A longer ts is bad_time anyway; its start is kept for the message. */
    if (type == INGEST_J_STRING || type == INGEST_J_NUMBER)
      memcpy(js->ts_text, s, n < INGEST_TS_TEXT ? n : INGEST_TS_TEXT);
    break;
  case INGEST_F_VALUE:
    js->value_type = type;
    js->value_err = NULL;
    /* Parsed now, as yajl's number text does not outlive the callback. */
    if (type == INGEST_J_NUMBER)
      js->value_err = ingest_check_value(d, (const char *)s, n, &js->value);
    break;
  case INGEST_F_DATA:
    js->data_type = type;
    break;
  case INGEST_F_NONE:
  case INGEST_F_COUNT:
    break;
  }
}

static int scalar(void *ctx, enum ingest_jtype type, const unsigned char *s, size_t n) {
  struct ingest_decoder *d = dec(ctx);
  if (d->js.depth == 0) return top_value(d, 0);
  if (d->js.depth == 1) field_value(d, type, s, n);
  return 1;
}

static int on_null(void *ctx) {
  return scalar(ctx, INGEST_J_NULL, NULL, 0);
}

static int on_boolean(void *ctx, int b) {
  (void)b;
  return scalar(ctx, INGEST_J_OTHER, NULL, 0);
}

static int on_number(void *ctx, const char *s, size_t n) {
  return scalar(ctx, INGEST_J_NUMBER, (const unsigned char *)s, n);
}

static int on_string(void *ctx, const unsigned char *s, size_t n) {
  return scalar(ctx, INGEST_J_STRING, s, n);
}

static int open_container(struct ingest_decoder *d, enum ingest_jtype type) {
  struct ingest_json_line *js = &d->js;
  if (js->depth == 0) {
    if (!top_value(d, type == INGEST_J_OBJECT)) return 0;
    js->top_start = yajl_get_bytes_consumed(d->yh) - 1;
  } else if (js->depth == 1) {
    field_value(d, type, NULL, 0);
    /* yajl has just consumed the '{', so the object starts one byte back. */
    if (js->cur == INGEST_F_DATA) js->data_start = yajl_get_bytes_consumed(d->yh) - 1;
  }
  if (++js->depth > INGEST_MAX_DEPTH) {
    js->cancel = INGEST_CANCEL_DEPTH;
    return 0;
  }
  return 1;
}

static int on_start_map(void *ctx) {
  return open_container(dec(ctx), INGEST_J_OBJECT);
}

static int on_start_array(void *ctx) {
  return open_container(dec(ctx), INGEST_J_OTHER);
}

static int on_end_map(void *ctx) {
  struct ingest_decoder *d = dec(ctx);
  --d->js.depth;
  if (d->js.depth == 1 && d->js.cur == INGEST_F_DATA)
    d->js.data_end = yajl_get_bytes_consumed(d->yh);
  else if (d->js.depth == 0)
    d->js.top_end = yajl_get_bytes_consumed(d->yh);
  return 1;
}

static int on_end_array(void *ctx) {
  dec(ctx)->js.depth--;
  return 1;
}

static int on_map_key(void *ctx, const unsigned char *k, size_t n) {
  struct ingest_decoder *d = dec(ctx);
  if (d->js.depth != 1) return 1;
  enum ingest_field f = INGEST_F_NONE;
  int records = d->o.kind == INGEST_RECORDS;
  switch (n) {
  case 2:
    if (memcmp(k, "ts", 2) == 0) f = INGEST_F_TS;
    break;
  case 4:
    if (!records && memcmp(k, "kind", 4) == 0)
      f = INGEST_F_KIND;
    else if (!records && memcmp(k, "data", 4) == 0)
      f = INGEST_F_DATA;
    break;
  case 5:
    if (records && memcmp(k, "value", 5) == 0) f = INGEST_F_VALUE;
    break;
  case 6:
    if (memcmp(k, "entity", 6) == 0)
      f = INGEST_F_ENTITY;
    else if (records && memcmp(k, "metric", 6) == 0)
      f = INGEST_F_METRIC;
    break;
  }
  d->js.cur = f;
  return 1;
}

static const yajl_callbacks ingest_json_callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number, /* raw text: we want 1e999 as not_finite, not a yajl error */
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_end_map,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end_array,
};

int ingest_json_init(struct ingest_decoder *d) {
  /* yajl uses libc malloc on purpose: it does not survive an allocation
   * failure (it writes through the pointer first), so zz_malloc's failure
   * injection must not reach it. yajl_alloc itself does check for NULL. */
  if (d->yh) yajl_free(d->yh);
  d->yh = yajl_alloc(&ingest_json_callbacks, NULL, d);
  if (!d->yh) return ZZ_ENOMEM;
  yajl_config(d->yh, yajl_allow_multiple_values, 1);
  return 0;
}

const char *ingest_json_parse(struct ingest_decoder *d, const char *s, size_t n) {
  struct ingest_json_line *js = &d->js;
  const char *code = NULL;
  js->depth = js->top_values = js->top_object = 0;
  js->cancel = INGEST_CANCEL_NONE;
  js->cur = INGEST_F_NONE;
  js->entity.type = js->metric.type = js->kind.type = INGEST_J_ABSENT;
  js->ts_type = js->value_type = js->data_type = INGEST_J_ABSENT;

  int at_end = 0;
  yajl_status st = yajl_parse(d->yh, (const unsigned char *)s, n);
  if (st == yajl_status_ok) {
    /* Flushes a number left pending at the end of the line and notices a
     * value left open. The handle then waits for the next value. */
    at_end = 1;
    st = yajl_complete_parse(d->yh);
  }
  if (st == yajl_status_ok) goto done;

  code = INGEST_E_JSON;
  if (js->cancel == INGEST_CANCEL_DEPTH) {
    ingest_say(d, "invalid JSON: nested deeper than %d levels", INGEST_MAX_DEPTH);
  } else if (js->cancel == INGEST_CANCEL_TRAILING) {
    ingest_say(d, "invalid JSON: more than one value on the line");
  } else {
    /* yajl's message is "parse error: premature EOF\n" and the like. */
    unsigned char *e = yajl_get_error(d->yh, 0, NULL, 0);
    const char *text = e ? (const char *)e : "error";
    size_t len = strcspn(text, "\n");
    if (len > 0 && text[len - 1] == '.') len--;
    if (at_end)
      ingest_say(d, "invalid JSON: %.*s at the end of the line", (int)len, text);
    else
      ingest_say(d, "invalid JSON: %.*s at byte %zu", (int)len, text,
                 yajl_get_bytes_consumed(d->yh));
    if (e) yajl_free_error(d->yh, e);
  }
  /* A handle that saw an error stays in it: start a fresh one. */
  if (ingest_json_init(d) != 0) code = ingest_nomem;
done:
  return code;
}

/* Checks a required short string field of the JSON line. */
static const char *check_jstr(struct ingest_decoder *d, const struct ingest_jstr *f,
                              const char *name) {
  if (f->type == INGEST_J_ABSENT) {
    ingest_say(d, "missing field \"%s\"", name);
    return INGEST_E_MISSING;
  }
  if (f->type != INGEST_J_STRING) {
    ingest_say(d, "field \"%s\" must be a string", name);
    return INGEST_E_TYPE;
  }
  return ingest_check_id(d, name, f->text, f->len);
}

int ingest_ndjson_line(struct ingest_decoder *d, long line, const char *s, size_t n) {
  struct ingest_json_line *js = &d->js;
  struct ingest_line ln;
  int records = d->o.kind == INGEST_RECORDS;
  const char *code = ingest_json_parse(d, s, n);
  if (code == ingest_nomem) return ZZ_ENOMEM;
  if (code) goto bad;
  if (!js->top_object) {
    ingest_say(d, "line must be a JSON object");
    code = INGEST_E_TYPE;
    goto bad;
  }
  memset(&ln, 0, sizeof ln);
  ln.line = line;
  if ((code = check_jstr(d, &js->entity, "entity"))) goto bad;
  ln.entity = js->entity.text;
  ln.entity_len = js->entity.len;
  if (records) {
    if ((code = check_jstr(d, &js->metric, "metric"))) goto bad;
    ln.metric = js->metric.text;
    ln.metric_len = js->metric.len;
  } else {
    if ((code = check_jstr(d, &js->kind, "kind"))) goto bad;
    ln.kind = js->kind.text;
    ln.kind_len = js->kind.len;
  }

  if (js->ts_type == INGEST_J_ABSENT) {
    ingest_say(d, "missing field \"ts\"");
    code = INGEST_E_MISSING;
    goto bad;
  }
  if (js->ts_type != INGEST_J_STRING && js->ts_type != INGEST_J_NUMBER) {
    ingest_say(d, "field \"ts\" must be an RFC3339 string or a number of epoch milliseconds");
    code = INGEST_E_TYPE;
    goto bad;
  }
  if ((code = ingest_check_ts(d, js->ts_text, js->ts_len, &ln.ts))) goto bad;

  if (records) {
    if (js->value_type == INGEST_J_ABSENT) {
      ingest_say(d, "missing field \"value\"");
      code = INGEST_E_MISSING;
      goto bad;
    }
    if (js->value_type != INGEST_J_NUMBER) {
      ingest_say(d, "field \"value\" must be a number");
      code = INGEST_E_TYPE;
      goto bad;
    }
    if ((code = js->value_err)) {
      /* d->msg may have been overwritten since the callback: say it again. */
      if (code == INGEST_E_FINITE)
        ingest_say(d, "field \"value\" is not a finite number");
      else
        ingest_say(d, "field \"value\" must be a number");
      goto bad;
    }
    ln.value = js->value;
  } else if (js->data_type == INGEST_J_OBJECT) {
    ln.data = s + js->data_start;
    ln.data_len = js->data_end - js->data_start;
  } else if (js->data_type == INGEST_J_ABSENT || js->data_type == INGEST_J_NULL) {
    ln.data = "{}";
    ln.data_len = 2;
  } else {
    ingest_say(d, "field \"data\" must be an object");
    code = INGEST_E_TYPE;
    goto bad;
  }
  return d->o.on_line ? d->o.on_line(d->o.ud, &ln) : 0;
bad:
  return ingest_report_msg(d, line, code);
}
