/* ingest.c - validates decoded lines against the registry and moves them to
 * the store writer in batches. The registry read lock is taken once per fed
 * chunk, not per line, and never held while waiting for a commit. */
#include "ingest/ingest.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/msg.h"
#include "ingest/spool.h"
#include "store/store_records.h"

struct ingest {
  struct ingest_opts o;
  struct ingest_decoder *dec;
  struct ingest_report rep;
  struct store_record *recs;
  size_t nrecs, caprecs;
  struct store_event *evs;
  size_t nevs, capevs;
  int failed;
  int finished; /* decoding ended (ingest_finish_decode) */
  int spill_fd; /* atomic with a spool_dir: records spilled so far, or -1 */
  size_t nspilled;
  /* asynchronous flush in flight */
  void (*done)(void *ud, int rc, const struct zz_err *e);
  void *done_ud;
};

/* Counts a rejected line and keeps the first INGEST_REPORT_MAX: NULL, or the
 * rejection to fill in. */
static struct ingest_rejection *rejection(struct ingest *in, long line, const char *code) {
  in->rep.rejected_total++;
  if (in->rep.nrejected >= INGEST_REPORT_MAX) return NULL;
  struct ingest_rejection *rj = &in->rep.rejected[in->rep.nrejected++];
  rj->line = line;
  zz_strlcpy(rj->code, code, sizeof rj->code);
  return rj;
}

/* Rejects a line with the sentence of the English printf format fmt, and its
 * Chinese from the catalog (core/msg.h) with the same arguments. */
static void ingest_reject(struct ingest *in, long line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void ingest_reject(struct ingest *in, long line, const char *code, const char *fmt, ...) {
  struct ingest_rejection *rj = rejection(in, line, code);
  if (!rj) return;
  const char *zh = zz_msg_zh(fmt);
  va_list ap, again;
  va_start(ap, fmt);
  va_copy(again, ap);
  vsnprintf(rj->msg, sizeof rj->msg, fmt, ap);
  vsnprintf(rj->msg_zh, sizeof rj->msg_zh, zh ? zh : fmt, again);
  va_end(again);
  va_end(ap);
  zz_utf8_trim(rj->msg_zh);
}

static int on_error(void *ud, long line, const char *code, const char *msg, const char *msg_zh) {
  struct ingest *in = ud;
  in->rep.lines++;
  struct ingest_rejection *rj = rejection(in, line, code);
  if (rj) {
    zz_strlcpy(rj->msg, msg, sizeof rj->msg);
    zz_strlcpy(rj->msg_zh, msg_zh, sizeof rj->msg_zh);
    zz_utf8_trim(rj->msg_zh);
  }
  return 0;
}

/* Resolves the entity (and for records the metric); rejects and returns NULL. */
static const struct reg_entity_ref *resolve(struct ingest *in, const struct ingest_line *ln,
                                            const struct reg_metric **metric) {
  const struct reg_entity_ref *ent = registry_entity(in->o.reg, ln->entity, ln->entity_len);
  if (!ent) {
    ingest_reject(in, ln->line, "unknown_entity", "entity \"%.*s\" does not exist",
                  (int)ZZ_MIN(ln->entity_len, 128), ln->entity);
    return NULL;
  }
  if (!metric) return ent;
  const struct reg_metric *m = registry_metric(in->o.reg, ln->metric, ln->metric_len);
  if (!m) {
    ingest_reject(in, ln->line, "unknown_metric", "metric \"%.*s\" does not exist",
                  (int)ZZ_MIN(ln->metric_len, 128), ln->metric);
    return NULL;
  }
  const char *type = registry_type_name(in->o.reg, ent->type);
  if (m->entity_type[0] && strcmp(m->entity_type, type) != 0) {
    ingest_reject(in, ln->line, "metric_mismatch",
                  "metric \"%s\" belongs to %s entities, but \"%.*s\" is a %s", m->key,
                  m->entity_type, (int)ZZ_MIN(ln->entity_len, 128), ln->entity, type);
    return NULL;
  }
  *metric = m;
  return ent;
}

/* A source writes only what its pack declaration names: its metrics (m:
 * NULL for events) and, when declared, entity types and regions. Rejects
 * and returns 0 otherwise. */
static int declared(struct ingest *in, const struct ingest_line *ln,
                    const struct reg_entity_ref *ent, const struct reg_metric *m) {
  const struct reg_source *src = registry_source(in->o.reg, in->o.source_id);
  if (!src) return 1; /* no such source: tokens name only sources, so none to check */
  switch (registry_source_may_write(in->o.reg, src, ent, m)) {
  case REG_NOT_DECLARED_METRIC:
    ingest_reject(in, ln->line, "metric_not_declared",
                  "source \"%s\" does not declare metric \"%s\" (the pack's sources.json)",
                  src->key, m->key);
    return 0;
  case REG_NOT_DECLARED_ENTITY:
    ingest_reject(
        in, ln->line, "entity_not_declared",
        "entity \"%.*s\" (%s) is outside the entity types and regions source \"%s\" declares",
        (int)ZZ_MIN(ln->entity_len, 128), ln->entity, registry_type_name(in->o.reg, ent->type),
        src->key);
    return 0;
  }
  return 1;
}

/* Reports the records the writer refused: their series belong to another source. */
static void add_refusals(struct ingest *in, const struct store_write_result *res) {
  for (int i = 0; i < res->nrefused_lines; i++)
    ingest_reject(
        in, (long)res->refused_line[i], "owned_by_other_source",
        "this record's series (entity and metric) belongs to another source, which wrote it "
        "first");
  in->rep.rejected_total += res->refused - res->nrefused_lines;
}

/* Moves the buffered records of an atomic body to its spool file. */
static int spill(struct ingest *in) {
  struct zz_err e = {0};
  if (in->spill_fd < 0 && (in->spill_fd = spool_open(in->o.spool_dir, &e)) < 0) {
    zz_warn("ingest: %s", e.msg);
    return ZZ_EIO;
  }
  if (store_records_sort(in->recs, in->nrecs)) return ZZ_ENOMEM;
  if (spool_write(in->spill_fd, in->recs, in->nrecs * sizeof *in->recs)) return ZZ_EIO;
  in->nspilled += in->nrecs;
  in->nrecs = 0;
  return 0;
}

static void drop_spill(struct ingest *in) {
  if (in->spill_fd >= 0) close(in->spill_fd);
  in->spill_fd = -1;
  in->nspilled = 0;
}

static int on_line(void *ud, const struct ingest_line *ln) {
  struct ingest *in = ud;
  in->rep.lines++;
  if (in->o.kind == INGEST_RECORDS) {
    const struct reg_metric *m = NULL;
    const struct reg_entity_ref *ent = resolve(in, ln, &m);
    if (!ent) return 0;
    /* A value outside the metric's range is refused before it reaches a
     * sum: one 1e308 would make every rollup above it infinite. */
    if (!(ln->value >= m->min && ln->value <= m->max)) {
      ingest_reject(in, ln->line, "out_of_range",
                    "value %.15g of metric \"%s\" is outside [%g, %g]", ln->value, m->key, m->min,
                    m->max);
      return 0;
    }
    if (in->o.source_id && !declared(in, ln, ent, m)) return 0;
    if (in->nrecs == in->caprecs) {
      size_t cap = in->caprecs ? in->caprecs * 2 : 4096;
      struct store_record *p = zz_realloc(in->recs, cap * sizeof *p);
      if (!p) return ZZ_ENOMEM;
      in->recs = p;
      in->caprecs = cap;
    }
    in->recs[in->nrecs++] = (struct store_record){ent->id, (int32_t)m->id, (int32_t)in->o.source_id,
                                                  ln->ts,  ln->value,      ln->line};
    if (in->o.atomic && in->rep.rejected_total) {
      in->nrecs = 0; /* refused anyway: keep nothing */
      drop_spill(in);
    } else if (in->o.atomic && in->o.spool_dir && in->nrecs >= in->o.batch) {
      return spill(in);
    }
    return 0;
  }
  const struct reg_entity_ref *ent = resolve(in, ln, NULL);
  if (!ent) return 0;
  if (in->o.source_id && !declared(in, ln, ent, NULL)) return 0;
  if (in->nevs == in->capevs) {
    size_t cap = in->capevs ? in->capevs * 2 : 1024;
    struct store_event *p = zz_realloc(in->evs, cap * sizeof *p);
    if (!p) return ZZ_ENOMEM;
    in->evs = p;
    in->capevs = cap;
  }
  char *kind = zz_strndup(ln->kind, ln->kind_len);
  char *data = zz_strndup(ln->data, ln->data_len);
  if (!kind || !data) {
    zz_free(kind), zz_free(data);
    return ZZ_ENOMEM;
  }
  in->evs[in->nevs++] = (struct store_event){ent->id, (int32_t)in->o.source_id, ln->ts, kind, data};
  return 0;
}

struct ingest *ingest_new(const struct ingest_opts *o) {
  struct ingest *in = zz_calloc(1, sizeof *in);
  if (!in) return NULL;
  in->o = *o;
  in->spill_fd = -1;
  if (!in->o.batch) in->o.batch = 50000;
  struct ingest_decoder_opts d = {.format = o->format,
                                  .kind = o->kind,
                                  .now_ms = zz_time_now(),
                                  .on_line = on_line,
                                  .on_error = on_error,
                                  .ud = in};
  in->dec = ingest_decoder_new(&d);
  if (!in->dec) {
    zz_free(in);
    return NULL;
  }
  return in;
}

static void free_events(struct ingest *in) {
  for (size_t i = 0; i < in->nevs; i++) {
    zz_free((char *)in->evs[i].kind);
    zz_free((char *)in->evs[i].data_json);
  }
  in->nevs = 0;
}

void ingest_free(struct ingest *in) {
  if (!in) return;
  ingest_decoder_free(in->dec);
  drop_spill(in);
  free_events(in);
  zz_free(in->evs);
  zz_free(in->recs);
  zz_free(in);
}

static int flush(struct ingest *in, struct zz_err *e) {
  struct store *st = in->o.st;
  int rc = 0;
  if (in->nspilled) {
    struct store_write_result res = {0};
    rc = store_records_write_file(st, in->spill_fd, in->nspilled, &res, e);
    if (rc == ZZ_ECONFLICT && res.refused) { /* atomic: refused whole */
      add_refusals(in, &res);
      free_events(in);
      rc = 0;
    } else if (!rc) {
      in->rep.accepted += res.accepted;
      in->rep.replaced += res.replaced;
    }
    if (!rc) drop_spill(in);
  } else if (in->nrecs) {
    struct store_write_result res = {0};
    if (store_records_sort(in->recs, in->nrecs))
      return zz_fail(e, ZZ_ENOMEM, "body", "out of memory");
    rc = store_records_write(st, in->recs, in->nrecs, &res, e);
    if (!rc) {
      in->rep.accepted += res.accepted;
      in->rep.replaced += res.replaced;
      add_refusals(in, &res);
      in->nrecs = 0;
    }
  }
  if (!rc && in->nevs) {
    rc = store_events_write(st, in->evs, in->nevs, e);
    if (!rc) in->rep.accepted += (int64_t)in->nevs;
    free_events(in);
  }
  if (rc) in->failed = 1;
  return rc;
}

int ingest_feed(struct ingest *in, const char *p, size_t n, struct zz_err *e) {
  if (in->failed) return zz_fail(e, ZZ_EINVAL, "body", "the request already failed");
  registry_rdlock(in->o.reg);
  int rc = ingest_decoder_feed(in->dec, p, n);
  registry_unlock(in->o.reg);
  if (rc) {
    in->failed = 1;
    struct zz_err en, zh; /* with the code's sentence in English, and in Chinese */
    zz_fail(&en, rc, "body", "cannot decode the body: %s", zz_strerror(rc));
    zz_fail(&zh, rc, "body", "cannot decode the body: %s", zz_strerror_zh(rc));
    return zz_fail_pair(e, rc, "body", en.msg, zh.msg_zh);
  }
  if (!in->o.manual_flush && ingest_ready(in)) return flush(in, e);
  return 0;
}

int ingest_ready(const struct ingest *in) {
  return !in->o.atomic && !in->failed && (in->nrecs >= in->o.batch || in->nevs >= in->o.batch / 8);
}

int ingest_finish_decode(struct ingest *in, struct zz_err *e) {
  if (in->finished) return 0;
  in->finished = 1;
  if (in->failed) return zz_fail(e, ZZ_EINVAL, "body", "the request already failed");
  registry_rdlock(in->o.reg);
  int rc = ingest_decoder_finish(in->dec);
  registry_unlock(in->o.reg);
  if (rc) {
    in->failed = 1;
    struct zz_err en, zh; /* with the code's sentence in English, and in Chinese */
    zz_fail(&en, rc, "body", "cannot decode the body: %s", zz_strerror(rc));
    zz_fail(&zh, rc, "body", "cannot decode the body: %s", zz_strerror_zh(rc));
    return zz_fail_pair(e, rc, "body", en.msg, zh.msg_zh);
  }
  if (in->o.atomic && in->rep.rejected_total) {
    in->nrecs = 0; /* nothing is stored */
    drop_spill(in);
    free_events(in);
  } else if (in->o.atomic && in->o.spool_dir && in->nrecs && (rc = spill(in))) {
    /* (small atomic bodies too: the writer's file job is all or nothing,
     * refusals by series owner included) */
    in->failed = 1;
    struct zz_err en, zh; /* with the code's sentence in English, and in Chinese */
    zz_fail(&en, rc, "body", "cannot spool the records: %s", zz_strerror(rc));
    zz_fail(&zh, rc, "body", "cannot spool the records: %s", zz_strerror_zh(rc));
    return zz_fail_pair(e, rc, "body", en.msg, zh.msg_zh);
  }
  return 0;
}

static void events_done(void *ud, int rc, const struct store_write_result *res,
                        const struct zz_err *e) {
  struct ingest *in = ud;
  (void)res;
  if (!rc) in->rep.accepted += (int64_t)in->nevs;
  free_events(in);
  if (rc) in->failed = 1;
  in->done(in->done_ud, rc, e);
}

static int submit_events(struct ingest *in, struct zz_err *e) {
  int rc = store_events_write_async(in->o.st, in->evs, in->nevs, events_done, in, e);
  if (rc) in->failed = 1;
  return rc;
}

static void records_done(void *ud, int rc, const struct store_write_result *res,
                         const struct zz_err *e) {
  struct ingest *in = ud;
  if (rc == ZZ_ECONFLICT && res->refused) {
    /* an atomic body with another source's records: nothing stored, and the
     * report says which lines */
    add_refusals(in, res);
    in->nrecs = 0;
    drop_spill(in);
    free_events(in);
    in->done(in->done_ud, 0, e);
    return;
  }
  if (rc) {
    in->failed = 1;
    in->done(in->done_ud, rc, e);
    return;
  }
  in->rep.accepted += res->accepted;
  in->rep.replaced += res->replaced;
  add_refusals(in, res);
  in->nrecs = 0;
  drop_spill(in);
  /* events buffered beside the records go next, still off the request's thread */
  if (in->nevs) {
    struct zz_err e2 = {0};
    int erc = submit_events(in, &e2);
    if (erc) in->done(in->done_ud, erc, &e2);
    return;
  }
  in->done(in->done_ud, 0, e);
}

int ingest_flush_async(struct ingest *in, void (*done)(void *ud, int rc, const struct zz_err *e),
                       void *ud, struct zz_err *e) {
  if (in->failed) return zz_fail(e, ZZ_EINVAL, "body", "the request already failed");
  in->done = done;
  in->done_ud = ud;
  if (in->nspilled) {
    int rc =
        store_records_write_file_async(in->o.st, in->spill_fd, in->nspilled, records_done, in, e);
    if (rc) in->failed = 1;
    return rc;
  }
  if (in->nrecs) {
    if (store_records_sort(in->recs, in->nrecs))
      return zz_fail(e, ZZ_ENOMEM, "body", "out of memory");
    int rc = store_records_write_async(in->o.st, in->recs, in->nrecs, records_done, in, e);
    if (rc) in->failed = 1;
    return rc;
  }
  if (in->nevs) return submit_events(in, e);
  return 1;
}

int ingest_finish(struct ingest *in, struct zz_err *e) {
  int rc = ingest_finish_decode(in, e);
  return rc ? rc : flush(in, e);
}

const struct ingest_report *ingest_result(const struct ingest *in) {
  return &in->rep;
}

int ingest_report_json(const struct ingest_report *rep, struct zz_buf *out) {
  struct zz_json j;
  zz_json_init(&j, out);
  zz_json_obj(&j);
  zz_json_kint(&j, "accepted", rep->accepted);
  zz_json_kint(&j, "replaced", rep->replaced);
  zz_json_karr(&j, "rejected");
  for (int i = 0; i < rep->nrejected; i++) {
    zz_json_obj(&j);
    zz_json_kint(&j, "line", rep->rejected[i].line);
    zz_json_kstr(&j, "code", rep->rejected[i].code);
    zz_json_kstr(&j, "message", rep->rejected[i].msg);
    zz_json_kstr(&j, "message_zh", rep->rejected[i].msg_zh);
    zz_json_obj_end(&j);
  }
  zz_json_arr_end(&j);
  zz_json_kint(&j, "rejected_total", rep->rejected_total);
  zz_json_obj_end(&j);
  return zz_json_finish(&j);
}
