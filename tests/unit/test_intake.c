/* test_intake.c - the public intake engine (src/intake/) called directly on
 * a real store, with no HTTP: a report through a customer code with a photo
 * becomes an order with its photo and a receipt (waiting, and queued with a
 * callback); bad values are refused naming the field and leave nothing; an
 * enterprise's report needs its registered contact number; a store failure
 * in the commit leaves no order, no receipt and no photo file; an Open311
 * request becomes an order with its intake row, and a bad attribute or an
 * unknown service is refused. */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/fs.h"
#include "codes/codes.h"
#include "core/ztime.h"
#include "intake/intake.h"
#include "intake/intake_int.h"
#include "intake/open311_request.h"
#include "model/registry.h"
#include "store/store.h"
#include "store/store_catalog.h"
#include "store/store_codes.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"
#include "support.h"

static char dir[64];
static struct ts_world tw;
static struct code_info venue, firm;

/* A PNG's signature and a little more: enough for zz_sniff_type. */
static const char png_b64[] = "iVBORw0KGgoAAA=="; /* 89 50 4E 47 0D 0A 1A 0A 00 00 */

static const char noise_extra[] =
    "{\"channels\":[\"customer_code\",\"enterprise_code\",\"open311\"],\"public\":true,"
    "\"form\":[{\"id\":\"when\",\"type\":\"choice\",\"label_zh\":\"时间\",\"required\":true,"
    "\"options\":[{\"id\":\"now\",\"label_zh\":\"正在发生\"},{\"id\":\"night\",\"label_zh\":"
    "\"夜间\"}]},"
    "{\"id\":\"details\",\"type\":\"textarea\",\"label_zh\":\"描述\",\"max\":500},"
    "{\"id\":\"photo\",\"type\":\"photo\",\"label_zh\":\"照片\"},"
    "{\"id\":\"phone\",\"type\":\"phone\",\"label_zh\":\"电话\"}]}";

static void code_for(const char *kind, const char *entity, struct code_info *out) {
  char tok[CODE_TOKEN_LEN + 1];
  code_token_new(tok);
  struct store_code c = {.token = tok,
                         .kind = kind,
                         .entity = entity,
                         .entity_type = "venue",
                         .region = 3,
                         .rpos = 0,
                         .created = zz_time_now()};
  int64_t id;
  int created;
  struct zz_err e = {0};
  assert_int_equal(store_code_insert(tw.st, &c, &id, &created, &e), 0);
  assert_int_equal(code_get(tw.st, tok, 0, out), 0);
  assert_string_equal(out->state, "active");
}

static void world(struct store *st) {
  struct zz_err e = {0};
  int64_t id;
  ts_region(st, "d", NULL, "district");
  ts_region(st, "d/s", "d", "street");
  ts_region(st, "d/s/b", "d/s", "block");
  ts_department(st, "police");
  ts_entity_type(st, "venue");
  struct store_entity bar = {.key = "bar",
                             .type = "venue",
                             .name_zh = "酒吧",
                             .region = 3,
                             .lon = 120.1,
                             .lat = 30.3,
                             .attrs_json = "{}"};
  struct store_entity co = {.key = "co",
                            .type = "venue",
                            .name_zh = "公司",
                            .region = 3,
                            .lon = 120.1,
                            .lat = 30.3,
                            .attrs_json = "{\"contact_phone\":\"0571-8888 1234\"}"};
  assert_int_equal(store_entity_upsert(st, &bar, 0, &id, &e), 0);
  assert_int_equal(store_entity_upsert(st, &co, 0, &id, &e), 0);
  struct store_matter noise = {.key = "noise",
                               .name_zh = "噪音",
                               .kind = "complaint",
                               .departments_json = "[\"police\"]",
                               .sla_accept_minutes = 10,
                               .sla_resolve_minutes = 60,
                               .extra_json = noise_extra};
  struct store_matter permit = {.key = "permit",
                                .name_zh = "许可",
                                .kind = "application",
                                .departments_json = "[\"police\"]",
                                .sla_accept_minutes = 10,
                                .sla_resolve_minutes = 60,
                                .extra_json = "{\"channels\":[\"customer_code\"]}"};
  assert_int_equal(store_matter_upsert(st, &noise, NULL, &e), 0);
  assert_int_equal(store_matter_upsert(st, &permit, NULL, &e), 0);
}

static int setup(void **state) {
  (void)state;
  zz_time_set_now(zz_time_from_civil(2026, 5, 22, 12, 0, 0));
  if (ts_dir_make(dir, sizeof dir, "intake")) return -1;
  struct ts_world_opts o = {.fill = world, .workflow = 1};
  ts_world_open(&tw, dir, &o);
  code_for("customer", "bar", &venue);
  code_for("enterprise", "co", &firm);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  ts_world_close(&tw);
  return ts_dir_remove(dir);
}

/* ---- what the store holds ---- */

struct order_seen {
  int64_t id, max_id;
  int n;
  char channel[32], reporter[64], matter[32], description[512];
};

static int order_row(void *ud, const struct store_order *o) {
  struct order_seen *s = ud;
  s->n++;
  if (o->id > s->max_id) s->max_id = o->id;
  if (o->id != s->id) return 0;
  zz_strlcpy(s->channel, o->channel ? o->channel : "", sizeof s->channel);
  zz_strlcpy(s->reporter, o->reporter ? o->reporter : "", sizeof s->reporter);
  zz_strlcpy(s->matter, o->matter ? o->matter : "", sizeof s->matter);
  zz_strlcpy(s->description, o->description ? o->description : "", sizeof s->description);
  return 0;
}

static struct order_seen orders(int64_t id) {
  struct order_seen s = {.id = id};
  struct store_order_filter f = {0};
  assert_int_equal(store_orders_each(tw.st, &f, order_row, &s), 0);
  return s;
}

struct receipt_seen {
  int found;
  int64_t order, code;
  int public_consent;
  char phone[32];
};

static int receipt_row(void *ud, const struct store_receipt *in) {
  struct receipt_seen *r = ud;
  r->found = 1;
  r->order = in->order_id;
  r->code = in->code;
  r->public_consent = in->public_consent;
  zz_strlcpy(r->phone, in->phone ? in->phone : "", sizeof r->phone);
  return 0;
}

static int evidence_row(void *ud, const struct store_evidence *ev) {
  (void)ev;
  (*(int *)ud)++;
  return 0;
}

/* Files under DATA/evidence/ (recursively): photos written. */
static int photo_files(const char *sub) {
  char path[1024];
  snprintf(path, sizeof path, "%s/evidence%s%s", dir, sub ? "/" : "", sub ? sub : "");
  DIR *d = opendir(path);
  if (!d) return 0;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char child[768];
    snprintf(child, sizeof child, "%s%s%s", sub ? sub : "", sub ? "/" : "", de->d_name);
    n += de->d_type == DT_DIR ? photo_files(child) : 1;
  }
  closedir(d);
  return n;
}

static json_t *fields(const char *text) {
  json_t *j = json_loads(text, 0, NULL);
  assert_non_null(j);
  return j;
}

/* ---- reports through a code ---- */

static void test_report_with_photo(void **state) {
  (void)state;
  int files = photo_files(NULL);
  json_t *f = fields("{\"when\":\"night\",\"details\":\"很吵\",\"phone\":\"13800000000\"}");
  struct intake_report in = {
      .code = &venue, .matter = "noise", .fields = f, .photo_given = 1, .photo = png_b64};
  struct intake_receipt out;
  struct zz_err e = {0};
  assert_int_equal(intake_report(tw.st, tw.wf, &in, &out, &e), 0);
  json_decref(f);
  assert_true(out.order > 0);
  assert_true(code_receipt_valid(out.receipt));
  assert_string_equal(out.matter_name, "噪音");
  /* the order: the code's channel, under the receipt's name, the choice's
   * label in the description and never the phone */
  struct order_seen o = orders(out.order);
  assert_string_equal(o.matter, "noise");
  assert_string_equal(o.channel, "customer_code");
  char who[64];
  snprintf(who, sizeof who, "citizen:%s", out.receipt);
  assert_string_equal(o.reporter, who);
  assert_non_null(strstr(o.description, "时间: 夜间"));
  assert_non_null(strstr(o.description, "描述: 很吵"));
  assert_null(strstr(o.description, "13800000000"));
  /* the receipt, written in the order's transaction, keeps the phone */
  struct receipt_seen r = {0};
  assert_int_equal(store_receipt_get(tw.st, out.receipt, 0, receipt_row, &r), 0);
  assert_int_equal(r.order, out.order);
  assert_int_equal(r.code, venue.id);
  assert_int_equal(r.public_consent, 1);
  assert_string_equal(r.phone, "13800000000");
  /* the photo: one evidence row and its file */
  int ev = 0;
  assert_int_equal(store_evidence_each(tw.st, out.order, 0, evidence_row, &ev), 0);
  assert_int_equal(ev, 1);
  assert_int_equal(photo_files(NULL), files + 1);
}

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int done_calls;

static void on_done(void *ud) {
  pthread_mutex_lock(&done_lock);
  done_calls += ud == &done_calls;
  pthread_cond_signal(&done_cond);
  pthread_mutex_unlock(&done_lock);
}

/* Queued with a callback, as the HTTP route does: on_done once, then the result. */
static void test_report_queued(void **state) {
  (void)state;
  json_t *f = fields("{\"when\":\"now\"}");
  struct intake_report in = {.code = &venue, .matter = "noise", .fields = f};
  struct intake_job *job = NULL;
  struct zz_err e = {0};
  done_calls = 0;
  assert_int_equal(intake_report_submit(tw.st, tw.wf, &in, on_done, &done_calls, &job, &e), 0);
  json_decref(f); /* the engine copied what it needs */
  pthread_mutex_lock(&done_lock);
  while (!done_calls) pthread_cond_wait(&done_cond, &done_lock);
  pthread_mutex_unlock(&done_lock);
  assert_int_equal(done_calls, 1);
  struct intake_receipt out;
  assert_int_equal(intake_job_result(job, &out, &e), 0);
  intake_job_free(job);
  struct receipt_seen r = {0};
  assert_int_equal(store_receipt_get(tw.st, out.receipt, 0, receipt_row, &r), 0);
  assert_int_equal(r.order, out.order);
  assert_string_equal(r.phone, ""); /* none given */
}

/* Each refusal names its field and leaves no order behind. */
static void refused(const struct intake_report *in, int code, const char *field) {
  int before = orders(0).n;
  struct intake_receipt out;
  struct zz_err e = {0};
  assert_int_equal(intake_report(tw.st, tw.wf, in, &out, &e), code);
  assert_int_equal(e.code, code);
  assert_string_equal(e.field, field);
  assert_true(e.msg[0] != '\0');
  assert_int_equal(orders(0).n, before);
}

static void test_bad_values(void **state) {
  (void)state;
  int files = photo_files(NULL);
  json_t *bad = fields("{\"when\":\"tomorrow\"}");
  json_t *ok = fields("{\"when\":\"now\"}");
  json_t *none = fields("{}");
  refused(&(struct intake_report){.code = &venue, .matter = "noise", .fields = bad}, ZZ_EINVAL,
          "fields.when");
  refused(&(struct intake_report){.code = &venue, .matter = "noise", .fields = none}, ZZ_EINVAL,
          "fields.when");
  refused(&(struct intake_report){.code = &venue, .fields = ok}, ZZ_EINVAL, "matter");
  refused(&(struct intake_report){.code = &venue, .matter = "nope", .fields = ok}, ZZ_EINVAL,
          "matter");
  /* an application is no report */
  refused(&(struct intake_report){.code = &venue, .matter = "permit", .fields = ok}, ZZ_EINVAL,
          "matter");
  /* photos: not text, not base64, not an image */
  refused(
      &(struct intake_report){.code = &venue, .matter = "noise", .fields = ok, .photo_given = 1},
      ZZ_EINVAL, "photo");
  refused(
      &(struct intake_report){
          .code = &venue, .matter = "noise", .fields = ok, .photo_given = 1, .photo = "***"},
      ZZ_EINVAL, "photo");
  refused(&(struct intake_report){.code = &venue,
                                  .matter = "noise",
                                  .fields = ok,
                                  .photo_given = 1,
                                  .photo = "aGVsbG8gd29ybGQ="},
          ZZ_EMEDIATYPE, "photo");
  /* an enterprise reports with its registered number only */
  refused(&(struct intake_report){.code = &firm, .matter = "noise", .fields = ok}, ZZ_EINVAL,
          "contact_phone");
  refused(
      &(struct intake_report){
          .code = &firm, .matter = "noise", .fields = ok, .contact_phone = "0571-8888 9999"},
      ZZ_EFORBIDDEN, "contact_phone");
  assert_int_equal(photo_files(NULL), files);
  json_decref(bad);
  json_decref(none);
  /* the same number written otherwise is the enterprise's */
  struct intake_report in = {
      .code = &firm, .matter = "noise", .fields = ok, .contact_phone = "057188881234"};
  struct intake_receipt out;
  struct zz_err e = {0};
  assert_int_equal(intake_report(tw.st, tw.wf, &in, &out, &e), 0);
  json_decref(ok);
  struct order_seen o = orders(out.order);
  assert_string_equal(o.channel, "enterprise_code");
  assert_non_null(strstr(o.reporter, "enterprise:"));
  struct receipt_seen r = {0};
  assert_int_equal(store_receipt_get(tw.st, out.receipt, 0, receipt_row, &r), 0);
  assert_string_equal(r.phone, "057188881234");
}

/* The store refuses the receipt's row inside the commit (its order id is
 * taken, so the insert fails as a full disk would fail it): the whole
 * report is undone, its order, its photo's record and its file. */
static void test_store_failure(void **state) {
  (void)state;
  int before = orders(0).n, files = photo_files(NULL);
  struct store_receipt squat = {
      .receipt = "SQUAT23456", .order_id = orders(0).max_id + 1, .code = 0, .created = 1};
  struct zz_err e = {0};
  assert_int_equal(store_receipt_insert(tw.st, &squat, &e), 0);
  json_t *f = fields("{\"when\":\"now\"}");
  struct intake_report in = {
      .code = &venue, .matter = "noise", .fields = f, .photo_given = 1, .photo = png_b64};
  struct intake_receipt out;
  int rc = intake_report(tw.st, tw.wf, &in, &out, &e);
  json_decref(f);
  assert_true(rc < 0);
  assert_int_equal(e.code, rc);
  assert_int_equal(orders(0).n, before);
  assert_int_equal(photo_files(NULL), files);
  int ev = 0;
  assert_int_equal(store_evidence_each(tw.st, squat.order_id, 0, evidence_row, &ev), 0);
  assert_int_equal(ev, 0);
}

/* The pure pieces: the photo's decoding and the description. */
static void test_pure(void **state) {
  (void)state;
  unsigned char *p = NULL;
  size_t n = 0;
  struct zz_err e = {0};
  assert_int_equal(intake_decode_photo("data:image/png;base64,iVBORw0K\nGgoAAA==", &p, &n, &e), 0);
  assert_int_equal(n, 10);
  assert_int_equal(p[1], 'P');
  zz_free(p);
  assert_int_equal(intake_decode_photo("%%%", &p, &n, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "photo");
  json_t *extra = fields(noise_extra);
  json_t *v = fields("{\"when\":\"now\",\"phone\":\"13800000000\",\"details\":\"x\"}");
  struct zz_buf d;
  zz_buf_init(&d, 0);
  intake_describe(json_object_get(extra, "form"), v, &d);
  zz_buf_addc(&d, '\0');
  assert_string_equal(d.data, "时间: 正在发生\n描述: x");
  zz_buf_free(&d);
  json_decref(v);
  json_decref(extra);
}

/* ---- Open311 ---- */

struct form {
  const char *const *kv; /* name, value, ..., NULL */
};

static const char *form_value(const void *form, const char *name) {
  const struct form *f = form;
  for (size_t i = 0; f->kv[i]; i += 2)
    if (strcmp(f->kv[i], name) == 0) return f->kv[i + 1];
  return NULL;
}

struct intake_row_seen {
  int found;
  char token[64], contact[256], attrs[256];
};

static int intake_row(void *ud, const struct store_order_intake *in) {
  struct intake_row_seen *s = ud;
  s->found = 1;
  zz_strlcpy(s->token, in->token, sizeof s->token);
  zz_strlcpy(s->contact, in->contact_json, sizeof s->contact);
  zz_strlcpy(s->attrs, in->attributes_json, sizeof s->attrs);
  return 0;
}

static void test_open311(void **state) {
  (void)state;
  const char *const good[] = {"service_code",
                              "noise",
                              "address_string",
                              "湖墅南路 1 号",
                              "attribute[when]",
                              "night",
                              "attribute[phone]",
                              "13900000000",
                              "email",
                              "a@b.cn",
                              "description",
                              "楼下很吵",
                              NULL};
  struct form f = {good};
  struct intake_open311_in in = {.source = 7, .value = form_value, .form = &f};
  struct intake_open311_out out;
  struct zz_err e = {0};
  assert_int_equal(intake_open311_request(tw.st, tw.reg, tw.wf, &in, &out, &e), 0);
  struct order_seen o = orders(out.order);
  assert_string_equal(o.channel, "open311");
  assert_string_equal(o.reporter, "open311:source-7");
  assert_non_null(strstr(o.description, "楼下很吵\n地址: 湖墅南路 1 号\n时间: night"));
  assert_null(strstr(o.description, "13900000000")); /* phones stay in the intake row */
  struct intake_row_seen s = {0};
  assert_int_equal(store_order_intake_get(tw.st, out.order, NULL, intake_row, &s), 0);
  assert_string_equal(s.token, out.token);
  assert_non_null(strstr(s.contact, "a@b.cn"));
  assert_non_null(strstr(s.attrs, "13900000000"));
  /* refusals: the field at fault, nothing made */
  int before = orders(0).n;
  const char *const bad_attr[] = {"service_code", "noise",           "lat",      "30.3", "long",
                                  "120.1",        "attribute[when]", "tomorrow", NULL};
  const char *const no_place[] = {"service_code", "noise", "attribute[when]", "now", NULL};
  const char *const unknown[] = {"service_code", "permit", "lat", "30", "long", "120", NULL};
  struct {
    const char *const *kv;
    int code;
    const char *field;
  } cases[] = {{bad_attr, ZZ_EINVAL, "attribute[when]"},
               {no_place, ZZ_EINVAL, "lat"},
               {unknown, ZZ_ENOTFOUND, "service_code"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct form bf = {cases[i].kv};
    struct intake_open311_in bi = {.source = 7, .value = form_value, .form = &bf};
    memset(&e, 0, sizeof e);
    assert_int_equal(intake_open311_request(tw.st, tw.reg, tw.wf, &bi, &out, &e), cases[i].code);
    assert_string_equal(e.field, cases[i].field);
  }
  assert_int_equal(orders(0).n, before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_report_with_photo),
      cmocka_unit_test(test_report_queued),
      cmocka_unit_test(test_bad_values),
      cmocka_unit_test(test_store_failure),
      cmocka_unit_test(test_pure),
      cmocka_unit_test(test_open311),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
