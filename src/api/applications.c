/* applications.c (api) - applications (申请) and joint approval (联办):
 * submitted online, through an enterprise code (bound to the enterprise,
 * its contact number checked) or by staff, the order and its application
 * row in one intake transaction; materials checked by content; then one
 * sub-order per department, each approving or rejecting with a note; the
 * applicant follows it by an unguessable number (/m/a/NUMBER). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/authz.h"
#include "codes/codes.h"
#include "store/store_applications.h"
#include "store/store_backup.h"
#include "store/store_catalog.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

#define APP_MATERIAL_MAX API_MATERIAL_MAX /* bytes of one uploaded material */
#define APP_NUMBER_HEX 32                 /* 128 random bits */

/* ---- the matter, as the catalog declares it ---- */

struct matter_find {
  const char *key;
  json_t *m; /* {"id","name_zh","name_en","kind","departments":[...], extra members...} */
};

static int matter_find_row(void *ud, const struct store_matter *m) {
  struct matter_find *f = ud;
  if (f->m || strcmp(m->key, f->key) != 0) return 0;
  json_t *o = json_loads(m->extra_json ? m->extra_json : "{}", 0, NULL);
  if (!o) o = json_object();
  json_object_set_new(o, "id", json_string(m->key));
  json_object_set_new(o, "name_zh", json_string(m->name_zh));
  json_object_set_new(o, "name_en", json_string(m->name_en));
  json_object_set_new(o, "kind", json_string(m->kind));
  json_object_set_new(o, "departments", json_loads(m->departments_json, 0, NULL));
  f->m = o;
  return 0;
}

/* The matter `key` as one JSON object (the caller decrefs), or NULL. */
static json_t *matter_load(struct app *app, const char *key) {
  struct matter_find f = {key, NULL};
  store_matters_each(app->st, matter_find_row, &f);
  return f.m;
}

static json_t *material_decl(json_t *m, const char *id) {
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(m, "materials"), i, x) {
    const char *k = json_string_value(json_object_get(x, "id"));
    if (k && strcmp(k, id) == 0) return x;
  }
  return NULL;
}

/* ---- submit ---- */

static const char *str_member(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static int phone_ok(const char *s) {
  size_t n = 0, digits = 0;
  for (; s[n]; n++) {
    if (s[n] >= '0' && s[n] <= '9')
      digits++;
    else if (s[n] != '-' && s[n] != ' ' && s[n] != '+')
      return 0;
  }
  return digits >= 7 && n <= 20;
}

/* The applicant's company when an enterprise code sent it: the entity's
 * name (registry names fit; a longer one would be cut, so it is left out). */
struct entity_name {
  char zh[256];
};

static int entity_name_row(void *ud, const struct store_entity *en) {
  struct entity_name *n = ud;
  if (en->name_zh && strlen(en->name_zh) < sizeof n->zh)
    zz_strlcpy(n->zh, en->name_zh, sizeof n->zh);
  return 0;
}

/* The application's own row, written on the workflow's intake thread in the
 * transaction that makes its order: a failure undoes both. */
static int application_write(void *ud, struct store *st, int64_t order, struct zz_err *e) {
  struct store_application *sa = ud;
  sa->order_id = order;
  return store_application_insert(st, sa, e);
}

static int submit(struct http_req *r, const char *channel) {
  struct app *app = http_app(r);
  json_t *body = NULL, *m = NULL;
  char *applicant_text = NULL, *form_text = NULL;
  struct zz_buf desc;
  zz_buf_init(&desc, 16384);
  int rc = 0;
  if (api_json_body(r, &body)) return 0;
  const char *key = str_member(body, "matter");
  json_t *ap = json_object_get(body, "applicant");
  json_t *form = json_object_get(body, "form");
  json_t *code = json_object_get(body, "code");
  /* an enterprise code binds the application to its enterprise: the
   * order is placed at the entity (region, position) and the applicant
   * must give the enterprise's registered contact number */
  char entity[128] = "";
  if (code && !json_is_null(code)) {
    if (!json_is_string(code)) {
      rc = http_fail(r, ZZ_EINVAL, "code", "code must be the token of an enterprise code");
      goto done;
    }
    const char *tok = json_string_value(code);
    if (code_token_valid(tok) && api_rate_limit(r, "application_code", tok, 60, 30)) goto done;
    if (api_codes_enterprise(r, tok, entity, sizeof entity)) goto done;
    channel = "enterprise_code";
  }
  if (!key) {
    rc = http_fail(r, ZZ_EINVAL, "matter", "matter is required (an application matter id)");
    goto done;
  }
  m = matter_load(app, key);
  if (!m) {
    rc = http_fail(r, ZZ_ENOTFOUND, "matter", "matter %s does not exist", key);
    goto done;
  }
  if (strcmp(str_member(m, "kind"), "application") != 0 || !api_matter_has_channel(m, channel)) {
    rc = http_fail(r, ZZ_EINVAL, "matter",
                   entity[0] ? "matter %s is not an application this enterprise code offers"
                             : "matter %s is not an application taken by the %s channel",
                   key, channel);
    goto done;
  }
  const char *name = str_member(ap, "name"), *phone = str_member(ap, "phone");
  const char *company = str_member(ap, "company");
  if (!json_is_object(ap) || !name || !*name || strlen(name) > 60) {
    rc = http_fail(r, ZZ_EINVAL, "applicant.name", "applicant.name is required (at most 60 bytes)");
    goto done;
  }
  if (!phone || !phone_ok(phone)) {
    rc = http_fail(r, ZZ_EINVAL, "applicant.phone", "applicant.phone must be a phone number");
    goto done;
  }
  if (company && strlen(company) > 120) {
    rc = http_fail(r, ZZ_EINVAL, "applicant.company", "applicant.company is longer than 120 bytes");
    goto done;
  }
  if (form && !json_is_object(form)) {
    rc = http_fail(r, ZZ_EINVAL, "form", "form must be an object of field id to value");
    goto done;
  }
  /* the matter's form: required fields present, values short strings */
  size_t i;
  json_t *fd;
  json_array_foreach(json_object_get(m, "form"), i, fd) {
    const char *id = str_member(fd, "id");
    if (!id || strcmp(id, "contact_phone") == 0) continue; /* the applicant's phone */
    json_t *v = json_object_get(form, id);
    char field[96];
    snprintf(field, sizeof field, "form.%s", id);
    if (v && (!json_is_string(v) || json_string_length(v) > 1000)) {
      rc = http_fail(r, ZZ_EINVAL, field, "%s must be a string of at most 1000 bytes", field);
      goto done;
    }
    if (json_is_true(json_object_get(fd, "required")) && (!v || !json_string_length(v))) {
      rc = http_fail(r, ZZ_EINVAL, field, "%s is required", field);
      goto done;
    }
  }
  struct entity_name en = {""};
  if (entity[0]) {
    if (api_codes_check_contact(r, entity, phone, "applicant.phone")) goto done;
    store_entity_get(app->st, entity, entity_name_row, &en);
    if ((!company || !*company) && en.zh[0]) company = en.zh;
  }
  /* the description staff see: the form's values, never the phone */
  zz_buf_printf(&desc, "申请人: %s", name);
  if (company) zz_buf_printf(&desc, " (%s)", company);
  json_array_foreach(json_object_get(m, "form"), i, fd) {
    const char *v = str_member(form, str_member(fd, "id") ? str_member(fd, "id") : "");
    if (v && *v) zz_buf_printf(&desc, "\n%s: %s", str_member(fd, "label_zh"), v);
  }
  zz_buf_addc(&desc, '\0');
  if (zz_buf_error(&desc)) {
    rc = http_fail(r, zz_buf_error(&desc), "form",
                   "the application's fields are too long together (at most 16384 bytes)");
    goto done;
  }
  char region[256] = "";
  if (!entity[0]) { /* no place known: the district */
    registry_rdlock(app->reg);
    const struct reg_region *root =
        registry_region_count(app->reg) ? registry_region_at(app->reg, 0) : NULL;
    if (root) zz_strlcpy(region, root->path, sizeof region);
    registry_unlock(app->reg);
  }
  const struct http_auth_ctx *a = http_auth(r);
  if (a->kind == HTTP_AUTH_USER) { /* staff file where they may see the order */
    int64_t rid = 0;
    registry_rdlock(app->reg);
    if (entity[0]) {
      const struct reg_entity_ref *er = registry_entity(app->reg, entity, strlen(entity));
      rid = er ? er->region : 0;
    } else {
      const struct reg_region *rr = registry_region(app->reg, region);
      rid = rr ? rr->id : 0;
    }
    registry_unlock(app->reg);
    if (authz_region(app, a, rid)) {
      rc = authz_deny(r, "code", entity[0] ? "this enterprise" : "an application for the district");
      goto done;
    }
  }
  /* the order keeps at most 64 bytes of reporter: a longer key is left out
   * (the order names the entity anyway) */
  char reporter[160];
  if (entity[0])
    snprintf(reporter, sizeof reporter, "enterprise%s%s", strlen(entity) <= 53 ? ":" : "",
             strlen(entity) <= 53 ? entity : "");
  else
    snprintf(reporter, sizeof reporter, "%s", a->kind == HTTP_AUTH_USER ? a->user : "applicant");
  unsigned char raw[APP_NUMBER_HEX / 2];
  char number[APP_NUMBER_HEX + 1];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(number, sizeof number, raw, sizeof raw);
  json_t *apc = json_pack("{s:s, s:s}", "name", name, "phone", phone);
  if (company) json_object_set_new(apc, "company", json_string(company));
  applicant_text = json_dumps(apc, JSON_COMPACT);
  json_decref(apc);
  form_text = form ? json_dumps(form, JSON_COMPACT) : NULL;
  struct store_application sa = {.number = number,
                                 .applicant_json = applicant_text,
                                 .form_json = form_text ? form_text : "{}",
                                 .created = zz_time_now()};
  /* the order and the application row in one transaction (the intake's
   * group commit, waited for here); the applicant is the public, staff who
   * file for them act as themselves, both under the applicant's name */
  int staff = a->kind == HTTP_AUTH_USER;
  struct wf_intake in = {.who = {.name = reporter,
                                 .role = staff ? a->role : 0,
                                 .department = staff ? a->department : "",
                                 .kind = staff ? ACTOR_USER : ACTOR_PUBLIC},
                         .create = {.matter = key,
                                    .description = desc.data,
                                    .region = region[0] ? region : NULL,
                                    .entity = entity[0] ? entity : NULL,
                                    .reporter = reporter,
                                    .channel = channel,
                                    .lon = NAN,
                                    .lat = NAN},
                         .then = application_write,
                         .ud = &sa};
  if (workflow_intake(app->wf, &in)) {
    rc = http_reply_err(r, &in.err);
    goto done;
  }
  int64_t id = in.order;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_printf(&b, "{\"application\":{\"number\":\"%s\",\"order\":%lld,", number, (long long)id);
  zz_buf_printf(&b, "\"status_url\":\"/api/public/applications/%s\",", number);
  zz_buf_printf(&b, "\"page_url\":\"/m/a/%s\",\"materials\":", number);
  char *mt =
      json_dumps(json_object_get(m, "materials") ? json_object_get(m, "materials") : json_array(),
                 JSON_COMPACT);
  zz_buf_adds(&b, mt ? mt : "[]");
  zz_free(mt);
  zz_buf_adds(&b, "}}");
  rc = http_reply_json(r, 201, &b);
done:
  zz_buf_free(&desc);
  zz_free(applicant_text);
  zz_free(form_text);
  json_decref(m);
  json_decref(body);
  return rc;
}

static int post_public_application(struct http_req *r) {
  if (api_rate_limit(r, "applications", NULL, 60, 20)) return 0;
  return submit(r, "online");
}

static int post_staff_application(struct http_req *r) {
  return submit(r, "staff");
}

/* ---- look-ups by number ---- */

struct app_copy {
  int64_t order_id, created;
  char number[APP_NUMBER_HEX + 1];
};

static int app_copy_row(void *ud, const struct store_application *a) {
  struct app_copy *c = ud;
  c->order_id = a->order_id;
  c->created = a->created;
  zz_strlcpy(c->number, a->number, sizeof c->number);
  return 0;
}

/* Finds the application of path parameter "number"; replies 404 when none. */
static int find_application(struct http_req *r, struct app_copy *out) {
  struct app *app = http_app(r);
  const char *n = http_param(r, "number");
  memset(out, 0, sizeof *out);
  if (!n || strlen(n) != APP_NUMBER_HEX || strspn(n, "0123456789abcdef") != APP_NUMBER_HEX ||
      store_application_get(app->st, 0, n, app_copy_row, out))
    return http_fail(r, ZZ_ENOTFOUND, "number", "no application has this number");
  return 0;
}

struct order_copy {
  int64_t id, parent, resolved_at, created;
  char state[24], department[64], matter[65];
  int found;
};

static int order_copy_row(void *ud, const struct store_order *o) {
  struct order_copy *c = ud;
  c->found = 1;
  c->id = o->id;
  c->parent = o->parent;
  c->resolved_at = o->resolved_at;
  c->created = o->created;
  zz_strlcpy(c->state, o->state, sizeof c->state);
  zz_strlcpy(c->department, o->department ? o->department : "", sizeof c->department);
  zz_strlcpy(c->matter, o->matter, sizeof c->matter);
  return 0;
}

/* ---- materials ---- */

static int mkdir_p(const char *path) {
  char tmp[1024];
  zz_strlcpy(tmp, path, sizeof tmp);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(tmp, 0750) && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(tmp, 0750) && errno != EEXIST ? -1 : 0;
}

struct have_ctx {
  json_t *have; /* {"material": {"type","size","ts"}} */
};

static int have_row(void *ud, const struct store_material *m) {
  struct have_ctx *h = ud;
  json_object_set_new(h->have, m->material,
                      json_pack("{s:s, s:I, s:I}", "mime", m->mime, "size", (json_int_t)m->size,
                                "ts", (json_int_t)m->ts));
  return 0;
}

/* How many times one material of one application may be replaced: each
 * replacement's old file is deleted, but only once no backup runs. */
#define APP_MATERIAL_REPLACE_MAX 20

struct current_ctx {
  const char *material;
  int found;
  int64_t replaced;
  char path[256];
};

static int current_row(void *ud, const struct store_material *m) {
  struct current_ctx *c = ud;
  if (strcmp(m->material, c->material) != 0) return 0;
  c->found = 1;
  c->replaced = m->replaced;
  zz_strlcpy(c->path, m->path ? m->path : "", sizeof c->path);
  return 1;
}

/* PUT /api/public/applications/:number/materials/:material (raw body) */
static int put_material(struct http_req *r) {
  if (api_rate_limit(r, "application_upload", NULL, 120, 40)) return 0;
  struct app *app = http_app(r);
  struct app_copy ac;
  json_t *m = NULL;
  struct have_ctx h = {json_object()};
  int rc = 0;
  if (find_application(r, &ac)) goto done;
  struct order_copy oc = {0};
  store_order_get(app->st, ac.order_id, order_copy_row, &oc);
  m = oc.found ? matter_load(app, oc.matter) : NULL;
  const char *mid = http_param(r, "material");
  json_t *decl = m && mid ? material_decl(m, mid) : NULL;
  if (!decl) {
    rc = http_fail(r, ZZ_ENOTFOUND, "material", "this application asks for no material \"%s\"",
                   mid ? mid : "");
    goto done;
  }
  if (strcmp(oc.state, "reported") != 0) {
    rc = http_fail(r, ZZ_ECONFLICT, "material",
                   "the application is already with the departments: materials cannot change");
    goto done;
  }
  struct current_ctx cur = {.material = mid};
  store_materials_each(app->st, ac.order_id, current_row, &cur);
  if (cur.found && cur.replaced >= APP_MATERIAL_REPLACE_MAX) {
    rc = http_fail(r, ZZ_ECONFLICT, "material",
                   "%s was already replaced %d times: it cannot be replaced again; ask the "
                   "district office if this file is wrong",
                   mid, APP_MATERIAL_REPLACE_MAX);
    goto done;
  }
  size_t len = 0;
  const unsigned char *body = (const unsigned char *)http_body(r, &len);
  if (!len) {
    rc = http_fail(r, ZZ_EINVAL, "body", "send the file as the request body");
    goto done;
  }
  const char *type = zz_sniff_type(body, len);
  int allowed = 0;
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(decl, "types"), i, t) allowed |=
      type && json_is_string(t) && strcmp(json_string_value(t), type) == 0;
  if (!allowed) {
    rc =
        http_fail(r, ZZ_EMEDIATYPE, "body",
                  "%s must be one of the declared file types (by its content), and this file is %s",
                  mid, type ? type : "none of PDF, JPEG, PNG");
    goto done;
  }
  char dir[1024], path[1100], rel[256];
  /* A new upload gets a new name, so that one that fails (a full disk, a
   * failed commit) leaves the stored material as it was, file and row. The
   * replaced file goes after the commit, or, while a backup runs (its
   * snapshot may name it), once none does (store_files_release). */
  unsigned char rnd[4];
  randombytes_buf(rnd, sizeof rnd);
  snprintf(rel, sizeof rel, "materials/%lld/%02x%02x%02x%02x-%s.%s", (long long)ac.order_id, rnd[0],
           rnd[1], rnd[2], rnd[3], mid, strcmp(type, "jpeg") == 0 ? "jpg" : type);
  snprintf(dir, sizeof dir, "%s/materials/%lld", app->data_dir, (long long)ac.order_id);
  snprintf(path, sizeof path, "%s/%s", app->data_dir, rel);
  int wrc =
      mkdir_p(dir) ? zz_errno_full(ZZ_ESTORE) : zz_write_file(path, body, len, app->sync_full);
  if (wrc) { /* a full disk answers 507, any other failure 503 */
    rc = wrc == ZZ_EFULL
             ? http_fail(r, ZZ_EFULL, "material", "the file could not be stored: the disk is full")
             : http_fail(r, ZZ_ESTORE, "material", "the file could not be stored");
    goto done;
  }
  const char *mime = strcmp(type, "pdf") == 0   ? "application/pdf"
                     : strcmp(type, "png") == 0 ? "image/png"
                                                : "image/jpeg";
  struct store_material sm = {.order_id = ac.order_id,
                              .material = mid,
                              .mime = mime,
                              .path = rel,
                              .size = (int64_t)len,
                              .ts = zz_time_now()};
  struct zz_err e = {0};
  if (store_material_put(app->st, &sm, &e)) {
    unlink(path); /* not recorded: the file must not linger */
    rc = http_reply_err(r, &e);
    goto done;
  }
  if (cur.found && cur.path[0] && strcmp(cur.path, rel) != 0)
    store_files_release(app->data_dir, cur.path);
  /* every required material in: the application goes to its departments,
   * one sub-order each, in parallel */
  store_materials_each(app->st, ac.order_id, have_row, &h);
  int complete = 1;
  json_array_foreach(json_object_get(m, "materials"), i, t) {
    if (json_is_true(json_object_get(t, "required")) &&
        !json_object_get(h.have, str_member(t, "id") ? str_member(t, "id") : ""))
      complete = 0;
  }
  int dispatched = 0;
  if (complete) {
    struct wf_actor sys = {.name = "system", .department = "", .kind = ACTOR_SYSTEM};
    e = (struct zz_err){0};
    if (workflow_act(app->wf, &sys, ac.order_id, "dispatch", NULL, 0,
                     "all required materials received", &e) == 0)
      dispatched = 1;
    else
      zz_warn("applications: dispatch of order %lld failed: %s", (long long)ac.order_id, e.msg);
  }
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_printf(&b,
                "{\"material\":{\"id\":\"%s\",\"type\":\"%s\",\"size\":%zu},\"complete\":%s,"
                "\"dispatched\":%s}",
                mid, type, len, complete ? "true" : "false", dispatched ? "true" : "false");
  rc = http_reply_json(r, 201, &b);
done:
  json_decref(h.have);
  json_decref(m);
  return rc;
}

/* ---- the public status ---- */

struct subs {
  struct order_copy v[12];
  size_t n;
};

static int sub_row(void *ud, const struct store_order *o) {
  struct subs *s = ud;
  if (s->n < ZZ_ARRAY_LEN(s->v)) order_copy_row(&s->v[s->n++], o);
  return 0;
}

static int decision_row(void *ud, const struct store_decision *d) {
  json_t *by = ud;
  json_object_set_new(by, d->department,
                      json_pack("{s:s, s:s?, s:I}", "decision", d->decision, "note", d->note, "ts",
                                (json_int_t)d->ts));
  return 0;
}

/* The step name of a department, from the matter's "steps". */
static json_t *step_of(json_t *m, const char *dep) {
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(m, "steps"), i, s) {
    const char *d = str_member(s, "department");
    if (d && strcmp(d, dep) == 0) return s;
  }
  return NULL;
}

/* Department names by key: {"police": {"name_zh", "name_en"}}. */
static int dept_name_row(void *ud, const struct store_named *n) {
  json_object_set_new(ud, n->key,
                      json_pack("{s:s?, s:s?}", "name_zh", n->name_zh, "name_en", n->name_en));
  return 0;
}

static void add_time(json_t *o, const char *k, int64_t ms) {
  char t[32];
  json_object_set_new(o, k, ms ? json_string(zz_time_format(ms, t)) : json_null());
}

/* GET /api/public/applications/:number */
static int get_application(struct http_req *r) {
  if (api_rate_limit(r, "application_status", NULL, 120, 30)) return 0;
  struct app *app = http_app(r);
  struct app_copy ac;
  if (find_application(r, &ac)) return 0;
  struct order_copy oc = {0};
  store_order_get(app->st, ac.order_id, order_copy_row, &oc);
  json_t *m = oc.found ? matter_load(app, oc.matter) : NULL;
  if (!m) return http_fail(r, ZZ_ENOTFOUND, "number", "no application has this number");
  struct subs s = {0};
  struct store_order_filter f = {.parent = ac.order_id, .limit = 12};
  store_orders_each(app->st, &f, sub_row, &s);
  json_t *dec = json_object(), *have = json_object(), *dnames = json_object();
  struct have_ctx h = {have};
  store_named_each(app->st, "department", dept_name_row, dnames);
  store_decisions_each(app->st, ac.order_id, decision_row, dec);
  store_materials_each(app->st, ac.order_id, have_row, &h);
  json_t *out = json_object(), *steps = json_array(), *mats = json_array();
  json_object_set_new(out, "number", json_string(ac.number));
  json_object_set(out, "matter", json_object_get(m, "id"));
  json_object_set(out, "name_zh", json_object_get(m, "name_zh"));
  json_object_set(out, "name_en", json_object_get(m, "name_en"));
  add_time(out, "submitted", ac.created);
  /* steps: the matter's departments in its order, each with its decision */
  size_t i, approved = 0, rejected = 0;
  json_t *d;
  json_array_foreach(json_object_get(m, "departments"), i, d) {
    const char *dep = json_string_value(d);
    json_t *st = json_object(), *sd = step_of(m, dep), *dd = json_object_get(dec, dep);
    json_object_set_new(st, "department", json_string(dep));
    json_object_set(st, "name_zh", sd ? json_object_get(sd, "name_zh") : json_null());
    json_object_set(st, "name_en", sd ? json_object_get(sd, "name_en") : json_null());
    json_t *dn = json_object_get(dnames, dep);
    json_object_set(st, "department_name_zh", dn ? json_object_get(dn, "name_zh") : json_null());
    json_object_set(st, "department_name_en", dn ? json_object_get(dn, "name_en") : json_null());
    const char *state = "waiting";
    for (size_t k = 0; k < s.n; k++)
      if (strcmp(s.v[k].department, dep) == 0) state = s.v[k].state;
    json_object_set_new(st, "state", json_string(dd ? "decided" : state));
    json_object_set(st, "decision", dd ? json_object_get(dd, "decision") : json_null());
    json_object_set(st, "note", dd ? json_object_get(dd, "note") : json_null());
    add_time(st, "decided", dd ? json_integer_value(json_object_get(dd, "ts")) : 0);
    if (dd && strcmp(str_member(dd, "decision"), "approve") == 0) approved++;
    if (dd && strcmp(str_member(dd, "decision"), "reject") == 0) rejected++;
    json_array_append_new(steps, st);
  }
  size_t total = json_array_size(json_object_get(m, "departments"));
  json_t *t;
  size_t missing = 0;
  json_array_foreach(json_object_get(m, "materials"), i, t) {
    const char *id = str_member(t, "id");
    json_t *hv = json_object_get(have, id ? id : "");
    json_t *x = json_pack("{s:s?, s:O?, s:O?, s:O?, s:b, s:b}", "id", id, "name_zh",
                          json_object_get(t, "name_zh"), "name_en", json_object_get(t, "name_en"),
                          "types", json_object_get(t, "types"), "required",
                          json_is_true(json_object_get(t, "required")), "received", hv != NULL);
    if (!hv && json_is_true(json_object_get(t, "required"))) missing++;
    json_array_append_new(mats, x);
  }
  const char *status = approved + rejected == total && total ? "done"
                       : missing                             ? "awaiting_materials"
                                                             : "in_review";
  json_object_set_new(out, "status", json_string(status));
  json_object_set_new(out, "outcome",
                      strcmp(status, "done") != 0 ? json_null()
                      : rejected                  ? json_string("rejected")
                                                  : json_string("approved"));
  json_object_set_new(out, "order_state", json_string(oc.state));
  json_object_set_new(out, "steps", steps);
  json_object_set_new(out, "materials", mats);
  json_object_set_new(out, "limits",
                      json_pack("{s:I}", "material_bytes", (json_int_t)APP_MATERIAL_MAX));
  json_t *wrap = json_pack("{s:o}", "application", out);
  char *text = json_dumps(wrap, JSON_COMPACT);
  json_decref(wrap);
  json_decref(dec);
  json_decref(have);
  json_decref(dnames);
  json_decref(m);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, text ? text : "{}");
  zz_free(text);
  http_add_header(r, "Cache-Control", "no-store");
  return http_reply_json(r, 200, &b);
}

/* ---- a department's decision on its sub-order ---- */

struct staff_probe {
  struct app *app;
  const struct http_auth_ctx *a;
  int found, allowed;
};

static int staff_probe_row(void *ud, const struct store_order *o) {
  struct staff_probe *p = ud;
  p->found = 1;
  p->allowed = authz_application(p->app, p->a, o) == 0;
  return 0;
}

/* POST /api/v1/orders/:id/decision {"decision":"approve"|"reject","note":"..."} */
static int post_decision(struct http_req *r) {
  struct app *app = http_app(r);
  json_t *body = NULL;
  int rc = 0;
  const char *ids = http_param(r, "id");
  int64_t id;
  if (!ids || zz_parse_i64(ids, &id) || id <= 0)
    return http_fail(r, ZZ_EINVAL, "id", "id must be a positive integer");
  if (api_json_body(r, &body)) return 0;
  const char *decision = str_member(body, "decision"), *note = str_member(body, "note");
  struct order_copy sub = {0};
  struct app_copy ac = {0};
  if (!decision || (strcmp(decision, "approve") && strcmp(decision, "reject"))) {
    rc = http_fail(r, ZZ_EINVAL, "decision", "decision must be approve or reject");
    goto done;
  }
  if (!note || !*note || strlen(note) > 1000) {
    rc = http_fail(r, ZZ_EINVAL, "note", "note is required (at most 1000 bytes): the reasons");
    goto done;
  }
  store_order_get(app->st, id, order_copy_row, &sub);
  if (!sub.found) {
    rc = http_fail(r, ZZ_ENOTFOUND, "id", "order %lld does not exist", (long long)id);
    goto done;
  }
  struct staff_probe p = {app, http_auth(r), 0, 0};
  store_order_get(app->st, id, staff_probe_row, &p);
  if (!p.allowed) { /* decided before the order's state is told */
    rc = http_fail(r, ZZ_EFORBIDDEN, "id", "order %lld is not one your department decides",
                   (long long)id);
    goto done;
  }
  if (!sub.parent || store_application_get(app->st, sub.parent, NULL, app_copy_row, &ac)) {
    rc = http_fail(r, ZZ_ECONFLICT, "id",
                   "order %lld is not a department's part of an application: use its actions",
                   (long long)id);
    goto done;
  }
  const struct http_auth_ctx *a = http_auth(r);
  struct wf_actor who = {a->user, a->role, a->department, ACTOR_USER};
  char text[1100];
  snprintf(text, sizeof text, "%s: %s",
           strcmp(decision, "approve") == 0 ? "批准 approved" : "驳回 rejected", note);
  struct zz_err e = {0};
  /* a decision takes the sub-order from dispatched (or accepted) to resolved */
  if (strcmp(sub.state, "dispatched") == 0 &&
      workflow_act(app->wf, &who, id, "accept", NULL, 0, NULL, &e)) {
    rc = http_reply_err(r, &e);
    goto done;
  }
  if (workflow_act(app->wf, &who, id, "resolve", NULL, 0, text, &e)) {
    rc = http_reply_err(r, &e);
    goto done;
  }
  struct store_decision sd = {.sub_order = id,
                              .order_id = sub.parent,
                              .department = sub.department,
                              .decision = decision,
                              .note = note,
                              .actor = a->user,
                              .ts = zz_time_now()};
  if (store_decision_insert(app->st, &sd, &e)) {
    rc = http_reply_err(r, &e);
    goto done;
  }
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_printf(&b,
                "{\"decision\":{\"order\":%lld,\"application\":%lld,\"department\":", (long long)id,
                (long long)sub.parent);
  zz_buf_json_str(&b, sub.department);
  zz_buf_adds(&b, ",\"decision\":");
  zz_buf_json_str(&b, decision);
  zz_buf_adds(&b, "}}");
  rc = http_reply_json(r, 201, &b);
done:
  json_decref(body);
  return rc;
}

/* ---- the staff view: applicant, form and materials ---- */

/* Checks that the caller may see the applicant's contact and materials of
 * order id (authz_application): admins and dispatchers within their scope
 * and officers of the departments deciding it; viewers and park managers,
 * who may read orders, never (as with a reporter's phone). Replies
 * otherwise and returns non-zero. */
static int staff_check(struct http_req *r, int64_t id) {
  struct app *app = http_app(r);
  struct staff_probe p = {app, http_auth(r), 0, 0};
  store_order_get(app->st, id, staff_probe_row, &p);
  if (!p.found) return http_fail(r, ZZ_ENOTFOUND, "id", "order %lld does not exist", (long long)id);
  if (!p.allowed)
    return http_fail(r, ZZ_EFORBIDDEN, "id",
                     "an application's applicant and materials are for the dispatch desk and the "
                     "deciding departments, within their scope");
  return 0;
}

struct staff_app {
  json_t *out;
};

static int staff_app_row(void *ud, const struct store_application *a) {
  struct staff_app *s = ud;
  json_object_set_new(s->out, "order", json_integer(a->order_id));
  json_object_set_new(s->out, "number", json_string(a->number));
  json_object_set_new(s->out, "applicant", json_loads(a->applicant_json, 0, NULL));
  json_object_set_new(s->out, "form", json_loads(a->form_json, 0, NULL));
  return 0;
}

/* The staff view's rows: received materials with their declared names,
 * decisions with the department's names. */
struct staff_rows {
  json_t *arr;
  json_t *matter; /* the matter (materials' names), or NULL */
  json_t *dnames; /* department key -> names */
};

static int staff_material_row(void *ud, const struct store_material *m) {
  struct staff_rows *s = ud;
  char t[32], url[160];
  snprintf(url, sizeof url, "/api/v1/applications/%lld/materials/%s", (long long)m->order_id,
           m->material);
  json_t *decl = s->matter ? material_decl(s->matter, m->material) : NULL;
  json_array_append_new(
      s->arr, json_pack("{s:s, s:O?, s:O?, s:s, s:I, s:s, s:s}", "id", m->material, "name_zh",
                        decl ? json_object_get(decl, "name_zh") : NULL, "name_en",
                        decl ? json_object_get(decl, "name_en") : NULL, "mime", m->mime, "size",
                        (json_int_t)m->size, "ts", zz_time_format(m->ts, t), "url", url));
  return 0;
}

static int staff_decision_row(void *ud, const struct store_decision *d) {
  struct staff_rows *s = ud;
  char t[32];
  json_t *dn = json_object_get(s->dnames, d->department);
  json_array_append_new(
      s->arr, json_pack("{s:I, s:s, s:O?, s:O?, s:s, s:s?, s:s?, s:s}", "order",
                        (json_int_t)d->sub_order, "department", d->department, "department_name_zh",
                        dn ? json_object_get(dn, "name_zh") : NULL, "department_name_en",
                        dn ? json_object_get(dn, "name_en") : NULL, "decision", d->decision, "note",
                        d->note, "by", d->actor, "decided", zz_time_format(d->ts, t)));
  return 0;
}

/* GET /api/v1/applications/:id (the joint order's id): staff of the
 * dispatch desk and of the deciding departments see the applicant's
 * contact, the form, the materials received and the decisions so far. */
static int get_staff_application(struct http_req *r) {
  struct app *app = http_app(r);
  const char *ids = http_param(r, "id");
  int64_t id;
  if (!ids || zz_parse_i64(ids, &id) || id <= 0)
    return http_fail(r, ZZ_EINVAL, "id", "id must be a positive integer");
  if (staff_check(r, id)) return 0;
  struct staff_app s = {json_object()};
  if (store_application_get(app->st, id, NULL, staff_app_row, &s)) {
    json_decref(s.out);
    return http_fail(r, ZZ_ENOTFOUND, "id", "order %lld is not an application", (long long)id);
  }
  struct order_copy oc = {0};
  store_order_get(app->st, id, order_copy_row, &oc);
  struct staff_rows mats = {json_array(), oc.found ? matter_load(app, oc.matter) : NULL, NULL};
  struct staff_rows decs = {json_array(), NULL, json_object()};
  store_named_each(app->st, "department", dept_name_row, decs.dnames);
  store_materials_each(app->st, id, staff_material_row, &mats);
  store_decisions_each(app->st, id, staff_decision_row, &decs);
  if (mats.matter) {
    json_object_set(s.out, "matter", json_object_get(mats.matter, "id"));
    json_object_set(s.out, "name_zh", json_object_get(mats.matter, "name_zh"));
    json_object_set(s.out, "name_en", json_object_get(mats.matter, "name_en"));
  }
  json_object_set_new(s.out, "materials", mats.arr);
  json_object_set_new(s.out, "decisions", decs.arr);
  json_decref(mats.matter);
  json_decref(decs.dnames);
  json_t *wrap = json_pack("{s:o}", "application", s.out);
  char *text = json_dumps(wrap, JSON_COMPACT);
  json_decref(wrap);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, text ? text : "{}");
  zz_free(text);
  return http_reply_json(r, 200, &b);
}

struct file_find {
  const char *material;
  char path[256], mime[32];
  int found;
};

static int file_find_row(void *ud, const struct store_material *m) {
  struct file_find *f = ud;
  if (strcmp(m->material, f->material) != 0) return 0;
  zz_strlcpy(f->path, m->path, sizeof f->path);
  zz_strlcpy(f->mime, m->mime, sizeof f->mime);
  f->found = 1;
  return 1;
}

/* GET /api/v1/applications/:id/materials/:material: the file itself. */
static int get_staff_material(struct http_req *r) {
  struct app *app = http_app(r);
  const char *ids = http_param(r, "id");
  int64_t id;
  if (!ids || zz_parse_i64(ids, &id) || id <= 0)
    return http_fail(r, ZZ_EINVAL, "id", "id must be a positive integer");
  if (staff_check(r, id)) return 0;
  struct file_find f = {.material = http_param(r, "material")};
  if (f.material) store_materials_each(app->st, id, file_find_row, &f);
  if (!f.found)
    return http_fail(r, ZZ_ENOTFOUND, "material", "no such material received for order %lld",
                     (long long)id);
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", app->data_dir, f.path);
  http_add_header(r, "X-Content-Type-Options", "nosniff");
  return http_reply_file(r, path, f.mime, 0);
}

const struct http_route api_applications_routes[] = {
    {"POST", "/api/public/applications", post_public_application, NULL, HTTP_AUTH_NONE, 0,
     64u << 10},
    {"GET", "/api/public/applications/:number", get_application, NULL, HTTP_AUTH_NONE, 0, 0},
    {"PUT", "/api/public/applications/:number/materials/:material", put_material, NULL,
     HTTP_AUTH_NONE, 0, APP_MATERIAL_MAX},
    {"POST", "/api/v1/applications", post_staff_application, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_DISPATCHER, 64u << 10},
    {"GET", "/api/v1/applications/:id", get_staff_application, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/applications/:id/materials/:material", get_staff_material, NULL,
     HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/orders/:id/decision", post_decision, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_OFFICER, 16u << 10},
};
const size_t api_applications_nroutes = ZZ_ARRAY_LEN(api_applications_routes);
