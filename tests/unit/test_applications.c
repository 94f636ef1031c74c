/* test_applications.c - the application engine (src/applications/) on a
 * real store, without HTTP: a submitted application becomes a joint order
 * with its row; refusals name their field; materials are checked by size
 * and content, stored as files, replaced (the old file released) and, once
 * complete, dispatched as one sub-order per department; departments decide
 * (a rejection finishes the application rejected); the public and staff
 * views; and a store that fails leaves no order, row or file behind. */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "applications/applications.h"
#include "model/registry.h"
#include "model/roles.h"
#include "store/store.h"
#include "store/store_applications.h"
#include "store/store_catalog.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"
#include "support.h"

static char dir[64];
static struct ts_world tw;
static struct applications ap;

static const char PDF[] = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
static const unsigned char PNG[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0};

static void world(struct store *st) {
  struct zz_err e = {0};
  int64_t id;
  ts_region(st, "d", NULL, "district");
  int64_t street = ts_region(st, "d/s", "d", "street");
  ts_department(st, "police");
  ts_department(st, "fire");
  ts_entity_type(st, "enterprise");
  struct store_entity en = {.key = "bar-1",
                            .type = "enterprise",
                            .name_zh = "星光酒吧",
                            .region = street,
                            .lon = NAN,
                            .lat = NAN,
                            .attrs_json = "{\"contact_phone\":\"0571-8888 1234\"}"};
  assert_int_equal(store_entity_upsert(st, &en, 0, &id, &e), 0);
  struct store_matter bar = {
      .key = "bar",
      .name_zh = "酒吧演艺",
      .name_en = "Bar shows",
      .kind = "application",
      .departments_json = "[\"police\",\"fire\"]",
      .sla_accept_minutes = 60,
      .sla_resolve_minutes = 600,
      .extra_json = "{\"channels\":[\"online\",\"staff\",\"enterprise_code\"],"
                    "\"form\":[{\"id\":\"venue\",\"label_zh\":\"场所\",\"required\":true},"
                    "{\"id\":\"contact_phone\",\"label_zh\":\"电话\",\"required\":true}],"
                    "\"materials\":[{\"id\":\"licence\",\"types\":[\"pdf\"],\"required\":true},"
                    "{\"id\":\"plan\",\"types\":[\"pdf\",\"png\"],\"required\":true},"
                    "{\"id\":\"extra\",\"types\":[\"pdf\"]}]}"};
  struct store_matter noise = {.key = "noise",
                               .name_zh = "噪音",
                               .kind = "complaint",
                               .departments_json = "[\"police\"]",
                               .sla_accept_minutes = 10,
                               .sla_resolve_minutes = 60,
                               .extra_json = "{\"channels\":[\"online\"]}"};
  assert_int_equal(store_matter_upsert(st, &bar, NULL, &e), 0);
  assert_int_equal(store_matter_upsert(st, &noise, NULL, &e), 0);
}

/* The world (written the first time), its registry and workflow, and the
 * applications on them. */
static void open_all(int first) {
  struct ts_world_opts o = {.fill = first ? world : NULL, .workflow = 1};
  ts_world_open(&tw, dir, &o);
  ap = (struct applications){.st = tw.st, .reg = tw.reg, .wf = tw.wf, .data_dir = dir};
}

/* ---- helpers ---- */

static int count_row(void *ud, const struct store_order *o) {
  (void)o;
  ++*(int *)ud;
  return 0;
}

static int count_orders(void) {
  int n = 0;
  struct store_order_filter f = {0};
  assert_int_equal(store_orders_each(tw.st, &f, count_row, &n), 0);
  return n;
}

static int count_files(const char *sub) {
  char p[256];
  snprintf(p, sizeof p, "%s/%s", dir, sub);
  DIR *d = opendir(p);
  if (!d) return 0;
  int n = 0;
  for (struct dirent *x; (x = readdir(d));)
    if (x->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static int exists(const char *rel) {
  char p[512];
  struct stat sb;
  snprintf(p, sizeof p, "%s/%s", dir, rel);
  return stat(p, &sb) == 0;
}

struct kids {
  int64_t id[4];
  char dept[4][16], state[4][16];
  int n;
};

static int kid_row(void *ud, const struct store_order *o) {
  struct kids *k = ud;
  if (k->n < 4) {
    k->id[k->n] = o->id;
    zz_strlcpy(k->dept[k->n], o->department ? o->department : "", sizeof k->dept[0]);
    zz_strlcpy(k->state[k->n], o->state, sizeof k->state[0]);
    k->n++;
  }
  return 0;
}

static struct kids kids_of(int64_t order) {
  struct kids k = {0};
  struct store_order_filter f = {.parent = order};
  assert_int_equal(store_orders_each(tw.st, &f, kid_row, &k), 0);
  return k;
}

struct mat {
  const char *want;
  char path[256];
  int found;
};

static int mat_row(void *ud, const struct store_material *m) {
  struct mat *x = ud;
  if (strcmp(m->material, x->want) == 0) {
    zz_strlcpy(x->path, m->path, sizeof x->path);
    x->found = 1;
  }
  return 0;
}

static struct mat material_row(int64_t order, const char *id) {
  struct mat m = {.want = id};
  assert_int_equal(store_materials_each(tw.st, order, mat_row, &m), 0);
  return m;
}

static const struct wf_actor public_filer = {NULL, 0, "", ACTOR_PUBLIC};

/* Checks and submits in; returns the error (e filled) or 0 with *out. */
static int apply(const struct application_input *in, struct application_receipt *out,
                 struct zz_err *e) {
  struct application_draft d;
  int rc = application_check(&ap, in, &d, e);
  if (!rc) rc = application_submit(&ap, &d, out, e);
  application_draft_free(&d);
  return rc;
}

static json_t *venue(void) {
  return json_pack("{s:s}", "venue", "三楼");
}

static int allow_all(void *ud, const struct store_order *o) {
  (void)ud, (void)o;
  return 0;
}

static int refuse_all(void *ud, const struct store_order *o) {
  (void)ud, (void)o;
  return ZZ_EFORBIDDEN;
}

/* ---- tests ---- */

/* Refusals name the field, in the order the form is read. */
static void test_refusals(void **state) {
  (void)state;
  open_all(1);
  int before = count_orders();
  json_t *form = venue(), *empty = json_object(), *list = json_array();
  struct {
    struct application_input in;
    int code;
    const char *field;
  } cases[] = {
      {{.channel = "online", .name = "王", .phone = "13800000000"}, ZZ_EINVAL, "matter"},
      {{.matter = "nope", .channel = "online", .name = "王", .phone = "13800000000"},
       ZZ_ENOTFOUND,
       "matter"},
      {{.matter = "noise", .channel = "online", .name = "王", .phone = "13800000000"},
       ZZ_EINVAL,
       "matter"},
      {{.matter = "bar", .channel = "open311", .name = "王", .phone = "13800000000"},
       ZZ_EINVAL,
       "matter"},
      {{.matter = "bar", .channel = "online", .phone = "13800000000", .form = form},
       ZZ_EINVAL,
       "applicant.name"},
      {{.matter = "bar", .channel = "online", .name = "王", .phone = "call me", .form = form},
       ZZ_EINVAL,
       "applicant.phone"},
      {{.matter = "bar", .channel = "online", .name = "王", .phone = "13800000000", .form = list},
       ZZ_EINVAL,
       "form"},
      {{.matter = "bar", .channel = "online", .name = "王", .phone = "13800000000", .form = empty},
       ZZ_EINVAL,
       "form.venue"},
      /* an enterprise: its registered contact number, digits compared */
      {{.matter = "bar",
        .channel = "enterprise_code",
        .entity = "bar-1",
        .name = "王",
        .phone = "13800000000",
        .form = form},
       ZZ_EFORBIDDEN,
       "applicant.phone"},
  };
  for (size_t i = 0; i < ZZ_ARRAY_LEN(cases); i++) {
    struct application_receipt out;
    struct zz_err e = {0};
    cases[i].in.who = public_filer;
    int rc = apply(&cases[i].in, &out, &e);
    if (rc != cases[i].code) fprintf(stderr, "case %zu: %d %s\n", i, rc, e.msg);
    assert_int_equal(rc, cases[i].code);
    assert_string_equal(e.field, cases[i].field);
  }
  assert_int_equal(count_orders(), before);
  json_decref(form);
  json_decref(empty);
  json_decref(list);
  ts_world_close(&tw);
}

struct app_row {
  int64_t order;
  char applicant[256], form[256];
};

static int app_row_fn(void *ud, const struct store_application *a) {
  struct app_row *r = ud;
  r->order = a->order_id;
  zz_strlcpy(r->applicant, a->applicant_json, sizeof r->applicant);
  zz_strlcpy(r->form, a->form_json, sizeof r->form);
  return 0;
}

struct ord {
  char state[16], reporter[64], channel[24], description[256];
  int64_t region;
};

static int ord_row(void *ud, const struct store_order *o) {
  struct ord *x = ud;
  zz_strlcpy(x->state, o->state, sizeof x->state);
  zz_strlcpy(x->reporter, o->reporter ? o->reporter : "", sizeof x->reporter);
  zz_strlcpy(x->channel, o->channel, sizeof x->channel);
  zz_strlcpy(x->description, o->description ? o->description : "", sizeof x->description);
  x->region = o->region;
  return 0;
}

/* A submitted application is one order with its row; materials make it
 * complete, and the system dispatches it, one sub-order per department. */
static void test_submit_materials(void **state) {
  (void)state;
  open_all(0);
  int before = count_orders();
  json_t *form = venue();
  struct application_input in = {.matter = "bar",
                                 .channel = "enterprise_code",
                                 .entity = "bar-1",
                                 .name = "王经理",
                                 .phone = "0571 88881234",
                                 .form = form,
                                 .who = public_filer};
  struct application_receipt r;
  struct zz_err e = {0};
  assert_int_equal(apply(&in, &r, &e), 0);
  assert_true(r.order > 0);
  assert_int_equal(strlen(r.number), APPLICATION_NUMBER_LEN);
  assert_int_equal(count_orders(), before + 1);
  struct app_row row = {0};
  assert_int_equal(store_application_get(tw.st, 0, r.number, app_row_fn, &row), 0);
  assert_int_equal(row.order, r.order);
  /* the enterprise's name stands for a company the applicant left out */
  assert_non_null(strstr(row.applicant, "\"company\":\"星光酒吧\""));
  assert_string_equal(row.form, "{\"venue\":\"三楼\"}");
  struct ord o = {0};
  assert_int_equal(store_order_get(tw.st, r.order, ord_row, &o), 0);
  assert_string_equal(o.state, "reported");
  assert_string_equal(o.reporter, "enterprise:bar-1");
  assert_string_equal(o.channel, "enterprise_code");
  assert_non_null(strstr(o.description, "场所: 三楼"));
  assert_null(strstr(o.description, "8888")); /* never the phone */

  /* materials: size, presence, declared types by content */
  struct application_upload up;
  char *big = zz_xmalloc(APPLICATION_MATERIAL_MAX + 1);
  memcpy(big, PDF, sizeof PDF - 1);
  memset(big + sizeof PDF - 1, ' ', APPLICATION_MATERIAL_MAX + 1 - (sizeof PDF - 1));
  e = (struct zz_err){0};
  assert_int_equal(application_material_put(&ap, r.number, "licence", big,
                                            APPLICATION_MATERIAL_MAX + 1, &up, &e),
                   ZZ_ETOOBIG);
  assert_string_equal(e.field, "body");
  zz_free(big);
  assert_int_equal(application_material_put(&ap, r.number, "licence", "", 0, &up, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "body");
  assert_int_equal(application_material_put(&ap, r.number, "licence", PNG, sizeof PNG, &up, &e),
                   ZZ_EMEDIATYPE);
  assert_int_equal(application_material_put(&ap, r.number, "menu", PDF, sizeof PDF, &up, &e),
                   ZZ_ENOTFOUND);
  assert_string_equal(e.field, "material");
  assert_int_equal(application_material_put(&ap, "0123456789abcdef0123456789abcdef", "licence", PDF,
                                            sizeof PDF, &up, &e),
                   ZZ_ENOTFOUND);
  assert_string_equal(e.field, "number");
  char sub[64];
  snprintf(sub, sizeof sub, "materials/%lld", (long long)r.order);
  assert_int_equal(count_files(sub), 0); /* nothing refused was written */

  /* the licence, then a replacement: the first file goes (no backup runs) */
  assert_int_equal(application_material_put(&ap, r.number, "licence", PDF, sizeof PDF, &up, &e), 0);
  assert_string_equal(up.type, "pdf");
  assert_int_equal(up.size, sizeof PDF);
  assert_false(up.complete);
  struct mat first = material_row(r.order, "licence");
  assert_true(first.found && exists(first.path));
  assert_int_equal(application_material_put(&ap, r.number, "licence", PDF, sizeof PDF, &up, &e), 0);
  struct mat second = material_row(r.order, "licence");
  assert_string_not_equal(first.path, second.path);
  assert_false(exists(first.path));
  assert_true(exists(second.path));
  assert_int_equal(count_files(sub), 1);
  assert_int_equal(kids_of(r.order).n, 0); /* the plan is still missing */

  /* the last required material: dispatched to both departments at once */
  assert_int_equal(application_material_put(&ap, r.number, "plan", PNG, sizeof PNG, &up, &e), 0);
  assert_string_equal(up.type, "png");
  assert_true(up.complete && up.dispatched);
  struct kids k = kids_of(r.order);
  assert_int_equal(k.n, 2);
  assert_string_not_equal(k.dept[0], k.dept[1]);
  for (int i = 0; i < 2; i++) {
    assert_true(!strcmp(k.dept[i], "police") || !strcmp(k.dept[i], "fire"));
    assert_string_equal(k.state[i], "dispatched");
  }
  /* with the departments, the materials are fixed */
  assert_int_equal(application_material_put(&ap, r.number, "extra", PDF, sizeof PDF, &up, &e),
                   ZZ_ECONFLICT);
  assert_string_equal(e.field, "material");
  json_decref(form);
  ts_world_close(&tw);
}

static const char *step_field(json_t *status, const char *dep, const char *k) {
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(status, "steps"), i, s) {
    if (strcmp(json_string_value(json_object_get(s, "department")), dep) == 0)
      return json_string_value(json_object_get(s, k));
  }
  return NULL;
}

/* Departments decide on their sub-orders; one rejection finishes the
 * application rejected. The public status and the staff view follow. */
static void test_decisions(void **state) {
  (void)state;
  open_all(0);
  json_t *form = venue();
  struct application_input in = {.matter = "bar",
                                 .channel = "staff",
                                 .name = "李",
                                 .phone = "13800000000",
                                 .form = form,
                                 .who = {"disp", ROLE_DISPATCHER, "", ACTOR_USER}};
  struct application_receipt r;
  struct zz_err e = {0};
  assert_int_equal(apply(&in, &r, &e), 0);
  struct ord o = {0};
  assert_int_equal(store_order_get(tw.st, r.order, ord_row, &o), 0);
  assert_string_equal(o.reporter, "disp"); /* staff file under their name */
  json_t *s;
  assert_int_equal(application_status(&ap, r.number, &s, &e), 0);
  assert_string_equal(json_string_value(json_object_get(s, "status")), "awaiting_materials");
  char *text = json_dumps(s, JSON_COMPACT);
  assert_null(strstr(text, "13800000000")); /* never the applicant's contact */
  free(text);
  json_decref(s);
  struct application_upload up;
  assert_int_equal(application_material_put(&ap, r.number, "licence", PDF, sizeof PDF, &up, &e), 0);
  assert_int_equal(application_material_put(&ap, r.number, "plan", PDF, sizeof PDF, &up, &e), 0);
  assert_true(up.dispatched);
  struct kids k = kids_of(r.order);
  int police = strcmp(k.dept[0], "police") == 0 ? 0 : 1, fire = 1 - police;
  const struct wf_actor cop = {"cop", ROLE_OFFICER, "police", ACTOR_USER};
  const struct wf_actor fireman = {"fireman", ROLE_OFFICER, "fire", ACTOR_USER};
  struct application_decided out;
  struct application_decision d = {
      .order = k.id[police], .decision = "maybe", .note = "x", .who = cop, .may_decide = allow_all};
  assert_int_equal(application_decide(&ap, &d, &out, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "decision");
  d.decision = "reject";
  d.note = "";
  assert_int_equal(application_decide(&ap, &d, &out, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "note");
  d.note = "the exits are blocked";
  d.may_decide = refuse_all;
  assert_int_equal(application_decide(&ap, &d, &out, &e), ZZ_EFORBIDDEN);
  d.may_decide = allow_all;
  d.order = r.order; /* the joint order is not a department's part */
  assert_int_equal(application_decide(&ap, &d, &out, &e), ZZ_ECONFLICT);
  d.order = 999999;
  assert_int_equal(application_decide(&ap, &d, &out, &e), ZZ_ENOTFOUND);
  d.order = k.id[police];
  d.who = fireman; /* the workflow refuses another department's step */
  assert_int_equal(application_decide(&ap, &d, &out, &e), ZZ_EFORBIDDEN);
  d.who = cop;
  assert_int_equal(application_decide(&ap, &d, &out, &e), 0);
  assert_int_equal(out.order, k.id[police]);
  assert_int_equal(out.application, r.order);
  assert_string_equal(out.department, "police");
  assert_int_not_equal(application_decide(&ap, &d, &out, &e), 0); /* decided already */
  assert_int_equal(application_status(&ap, r.number, &s, &e), 0);
  assert_string_equal(json_string_value(json_object_get(s, "status")), "in_review");
  assert_string_equal(step_field(s, "police", "decision"), "reject");
  assert_string_equal(step_field(s, "police", "state"), "decided");
  assert_string_equal(step_field(s, "fire", "state"), "dispatched");
  json_decref(s);
  struct application_decision d2 = {.order = k.id[fire],
                                    .decision = "approve",
                                    .note = "fine",
                                    .who = fireman,
                                    .may_decide = allow_all};
  assert_int_equal(application_decide(&ap, &d2, &out, &e), 0);
  assert_int_equal(application_status(&ap, r.number, &s, &e), 0);
  assert_string_equal(json_string_value(json_object_get(s, "status")), "done");
  assert_string_equal(json_string_value(json_object_get(s, "outcome")), "rejected");
  json_decref(s);
  /* staff: the applicant's contact, the materials, the decisions */
  assert_int_equal(application_staff_view(&ap, r.order, refuse_all, NULL, &s, &e), ZZ_EFORBIDDEN);
  assert_int_equal(application_staff_view(&ap, k.id[fire], allow_all, NULL, &s, &e), ZZ_ENOTFOUND);
  assert_int_equal(application_staff_view(&ap, r.order, allow_all, NULL, &s, &e), 0);
  assert_string_equal(json_string_value(json_object_get(json_object_get(s, "applicant"), "phone")),
                      "13800000000");
  assert_int_equal(json_array_size(json_object_get(s, "materials")), 2);
  assert_int_equal(json_array_size(json_object_get(s, "decisions")), 2);
  json_decref(s);
  struct application_file f;
  assert_int_equal(application_material_file(&ap, r.order, "plan", allow_all, NULL, &f, &e), 0);
  assert_string_equal(f.mime, "application/pdf");
  struct stat sb;
  assert_int_equal(stat(f.path, &sb), 0);
  assert_int_equal(application_material_file(&ap, r.order, "extra", allow_all, NULL, &f, &e),
                   ZZ_ENOTFOUND);
  assert_string_equal(e.field, "material");
  json_decref(form);
  ts_world_close(&tw);
}

/* Makes every insert or update of table fail in the store, or none. */
static void store_fails(const char *table, int on) {
  ts_world_close(&tw);
  char path[128], sql[512];
  snprintf(path, sizeof path, "%s/zhizhi.db", dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  if (on)
    snprintf(sql, sizeof sql,
             "CREATE TRIGGER fail_i BEFORE INSERT ON %s BEGIN SELECT RAISE(ABORT, 'injected'); "
             "END; CREATE TRIGGER fail_u BEFORE UPDATE ON %s BEGIN SELECT RAISE(ABORT, "
             "'injected'); END;",
             table, table);
  else
    snprintf(sql, sizeof sql, "DROP TRIGGER fail_i; DROP TRIGGER fail_u;");
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  open_all(0);
}

/* A store that fails leaves nothing: no order without its row, no file
 * without its row, the material before a failed replacement as it was. */
static void test_store_fails(void **state) {
  (void)state;
  open_all(0);
  int before = count_orders();
  json_t *form = venue();
  struct application_input in = {.matter = "bar",
                                 .channel = "online",
                                 .name = "赵",
                                 .phone = "13800000000",
                                 .form = form,
                                 .who = public_filer};
  struct application_receipt r;
  struct zz_err e = {0};
  store_fails("application", 1);
  assert_int_not_equal(apply(&in, &r, &e), 0);
  assert_int_equal(count_orders(), before); /* the order went with its row */
  store_fails("application", 0);
  assert_int_equal(apply(&in, &r, &e), 0);
  assert_int_equal(count_orders(), before + 1);
  struct application_upload up;
  assert_int_equal(application_material_put(&ap, r.number, "licence", PDF, sizeof PDF, &up, &e), 0);
  struct mat kept = material_row(r.order, "licence");
  char sub[64];
  snprintf(sub, sizeof sub, "materials/%lld", (long long)r.order);
  store_fails("application_material", 1);
  assert_int_not_equal(application_material_put(&ap, r.number, "licence", PDF, sizeof PDF, &up, &e),
                       0);
  assert_int_not_equal(application_material_put(&ap, r.number, "plan", PNG, sizeof PNG, &up, &e),
                       0);
  store_fails("application_material", 0);
  struct mat now = material_row(r.order, "licence");
  assert_string_equal(now.path, kept.path);
  assert_true(exists(kept.path));
  assert_false(material_row(r.order, "plan").found);
  assert_int_equal(count_files(sub), 1); /* the refused files were removed */
  assert_int_equal(kids_of(r.order).n, 0);
  json_decref(form);
  ts_world_close(&tw);
}

/* Uploads of one material at the same time: each reads the file it
 * replaces inside its own transaction, so every replaced file is released
 * (none left behind, whatever the interleaving), and no more than
 * APPLICATION_REPLACE_MAX replacements are taken. */
struct racer {
  const char *number;
  int ok, refused, other;
};

static void *race_puts(void *arg) {
  struct racer *x = arg;
  for (int i = 0; i < 8; i++) {
    struct application_upload up;
    struct zz_err e = {0};
    int rc = application_material_put(&ap, x->number, "licence", PDF, sizeof PDF, &up, &e);
    if (rc == 0)
      x->ok++;
    else if (rc == ZZ_ECONFLICT)
      x->refused++;
    else
      x->other++;
  }
  return NULL;
}

static void test_concurrent_replace(void **state) {
  (void)state;
  open_all(0);
  json_t *form = venue();
  struct application_input in = {.matter = "bar",
                                 .channel = "online",
                                 .name = "钱",
                                 .phone = "13800000001",
                                 .form = form,
                                 .who = public_filer};
  struct application_receipt r;
  struct zz_err e = {0};
  assert_int_equal(apply(&in, &r, &e), 0);
  enum { N = 6 };
  struct racer x[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    x[i] = (struct racer){.number = r.number};
    assert_int_equal(pthread_create(&th[i], NULL, race_puts, &x[i]), 0);
  }
  int ok = 0, refused = 0;
  for (int i = 0; i < N; i++) {
    assert_int_equal(pthread_join(th[i], NULL), 0);
    ok += x[i].ok;
    refused += x[i].refused;
    assert_int_equal(x[i].other, 0);
  }
  /* the first upload and its 20 replacements; the rest refused */
  assert_int_equal(ok, 1 + APPLICATION_REPLACE_MAX);
  assert_int_equal(refused, N * 8 - ok);
  char sub[64];
  snprintf(sub, sizeof sub, "materials/%lld", (long long)r.order);
  struct mat now = material_row(r.order, "licence");
  assert_true(now.found && exists(now.path));
  assert_int_equal(count_files(sub), 1); /* every replaced file went */
  json_decref(form);
  ts_world_close(&tw);
}

int main(void) {
  if (ts_dir_make(dir, sizeof dir, "applications")) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refusals),           cmocka_unit_test(test_submit_materials),
      cmocka_unit_test(test_decisions),          cmocka_unit_test(test_store_fails),
      cmocka_unit_test(test_concurrent_replace),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (ts_dir_remove(dir)) rc = rc ? rc : 1;
  return rc;
}
