/* open311.c (api) - Open311 GeoReport v2 under /open311/v2
 * (wiki.open311.org/GeoReport_v2): service discovery, the service list and
 * definitions built from the matters that list the "open311" channel, POST
 * requests creating work orders (channel open311; the checks and the order
 * are the intake's, src/intake/open311_request.c),
 * request look-ups and tokens, and mySociety's servicerequestupdates feed
 * (the changes of state of public requests, as FixMyStreet reads them).
 * Every method answers in XML (the spec's required format) and JSON, chosen
 * by the ".xml"/".json" suffix; errors, the server's own included (no
 * route, 405, 413, 429: o311_error_face), use the spec's list of {code,
 * description}. GETs are open to any origin (CORS). Public: the POST is
 * rate-limited per client and needs api_key = a source token. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/open311_int.h"
#include "core/xml.h"
#include "intake/open311_request.h"
#include "store/store_applications.h"
#include "store/store_catalog.h"
#include "store/store_codes.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

/* a multipart POST may carry a photo (O311_MEDIA_MAX) with its fields */
#define O311_BODY_MAX (O311_MEDIA_MAX + (256u << 10))
#define O311_LIST_MAX 1000
#define O311_DEFAULT_SPAN_MS (90LL * 24 * 3600 * 1000)

/* ---- one document, two formats ----
 * A document is a list of items (or one object) of named scalar fields and
 * nested lists; JSON and XML differ only in punctuation, so handlers
 * describe the document once and these calls hand it to the JSON writer
 * (core/json.h) or the XML writer (core/xml.h). Either one fails the
 * buffer on a misuse, so a broken document never goes out. */
struct o311_out {
  struct zz_buf *b;
  int xml;
  struct zz_json j;
  struct zz_xml x;
};

static void o_begin(struct o311_out *o, struct zz_buf *b, int xml) {
  memset(o, 0, sizeof *o);
  o->b = b;
  o->xml = xml;
  if (xml)
    zz_xml_init(&o->x, b);
  else
    zz_json_init(&o->j, b);
}

/* Opens a list: the document root (key NULL) or a member named key; tag is
 * the XML element that holds it. */
static void o_list(struct o311_out *o, const char *key, const char *tag) {
  if (o->xml)
    zz_xml_open(&o->x, tag);
  else if (key)
    zz_json_karr(&o->j, key);
  else
    zz_json_arr(&o->j);
}

static void o_list_end(struct o311_out *o, const char *tag) {
  if (o->xml)
    zz_xml_close(&o->x, tag);
  else
    zz_json_arr_end(&o->j);
}

/* Opens an object: an item of a list, or the root (an XML element tag). */
static void o_obj(struct o311_out *o, const char *tag) {
  if (o->xml)
    zz_xml_open(&o->x, tag);
  else
    zz_json_obj(&o->j);
}

static void o_obj_end(struct o311_out *o, const char *tag) {
  if (o->xml)
    zz_xml_close(&o->x, tag);
  else
    zz_json_obj_end(&o->j);
}

/* A string field; NULL is null in JSON and an empty element in XML. */
static void o_str(struct o311_out *o, const char *k, const char *v) {
  if (o->xml)
    zz_xml_elem(&o->x, k, v);
  else
    zz_json_kstr(&o->j, k, v);
}

/* A string item of a list (JSON) or an element tag holding it (XML). */
static void o_item(struct o311_out *o, const char *tag, const char *v) {
  if (o->xml)
    zz_xml_elem(&o->x, tag, v);
  else
    zz_json_str(&o->j, v);
}

static void o_bool(struct o311_out *o, const char *k, int v) {
  if (o->xml)
    zz_xml_elem(&o->x, k, v ? "true" : "false");
  else
    zz_json_kbool(&o->j, k, v);
}

static void o_int(struct o311_out *o, const char *k, int64_t v) {
  char s[24];
  snprintf(s, sizeof s, "%lld", (long long)v);
  if (o->xml)
    zz_xml_elem(&o->x, k, s);
  else
    zz_json_kint(&o->j, k, v);
}

/* A coordinate with 6 decimals; none (NaN) is null in JSON and an empty
 * element in XML. */
static void o_num(struct o311_out *o, const char *k, double v) {
  if (!isfinite(v)) {
    if (o->xml)
      zz_xml_empty(&o->x, k);
    else
      zz_json_knull(&o->j, k);
    return;
  }
  char s[40];
  snprintf(s, sizeof s, "%.6f", v);
  if (o->xml) {
    zz_xml_elem(&o->x, k, s);
  } else {
    zz_json_key(&o->j, k);
    zz_json_fixed(&o->j, v, 6);
  }
}

/* The public reads may be made from any web page (a city's map, a
 * FixMyStreet-style front end): they carry no credentials and nothing
 * private, so every origin may read them. The POST stays same-origin. */
static void cors(struct http_req *r) {
  const char *m = http_method(r);
  if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0)
    http_add_header(r, "Access-Control-Allow-Origin", "*");
}

static int o_reply(struct http_req *r, struct o311_out *o, int status) {
  cors(r);
  /* a failure stays in the buffer: http_reply answers it */
  if (o->xml)
    zz_xml_finish(&o->x);
  else
    zz_json_finish(&o->j);
  return http_reply(r, status, o->xml ? "text/xml; charset=utf-8" : "application/json", o->b);
}

/* The spec's error reply: a list of {code, description}. The Open311
 * GeoReport v2 spec fixes this shape, so it carries no message_zh: the
 * description stays the English sentence (e->msg), which Open311 clients
 * expect; zhizhi's own pages use /api/v1, whose errors have both. */
static int o311_fail(struct http_req *r, int xml, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int o311_fail(struct http_req *r, int xml, int status, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  struct o311_out o;
  o_begin(&o, &b, xml);
  o_list(&o, NULL, "errors");
  o_obj(&o, "error");
  o_int(&o, "code", status);
  o_str(&o, "description", msg);
  o_obj_end(&o, "error");
  o_list_end(&o, "errors");
  return o_reply(r, &o, status);
}

/* The server's errors on /open311/ paths (http_error_face): the spec's
 * list, in XML when the path ends in .xml. */
static int o311_face_reply(struct http_req *r, int status, const struct zz_err *e) {
  const char *path = http_path(r);
  size_t n = strlen(path);
  int xml = n >= 4 && strcmp(path + n - 4, ".xml") == 0;
  return o311_fail(r, xml, status, "%s", e->msg);
}

const struct http_error_face o311_error_face = {"/open311/", o311_face_reply};

/* Splits "name.xml" / "name.json": copies name into out and returns 1 for
 * XML, 0 for JSON, -1 for neither. */
int o311_format(const char *file, char *out, size_t cap) {
  const char *dot = file ? strrchr(file, '.') : NULL;
  if (!dot || (size_t)(dot - file) >= cap) return -1;
  int xml = strcmp(dot, ".xml") == 0 ? 1 : strcmp(dot, ".json") == 0 ? 0 : -1;
  if (xml < 0) return -1;
  memcpy(out, file, (size_t)(dot - file));
  out[dot - file] = '\0';
  return xml;
}

/* ---- the services: matters with the open311 channel ---- */

struct o311_service {
  char code[65];
  char *name, *name_en, *description, *group;
  json_t *extra; /* owned */
  char *departments;
};

/* A multipart body being read into form (form_piece), its error in e. */
struct o311_form_read {
  struct o311_form *form;
  struct zz_err e;
};

struct o311_services {
  struct o311_service *v;
  size_t n, cap;
  json_t *public_matters; /* {key: true} for the matters the pack marks public */
  json_t *dept_names;     /* {department key: its Chinese name} */
};

static int service_row(void *ud, const struct store_matter *m) {
  struct o311_services *s = ud;
  json_t *extra = json_loads(m->extra_json ? m->extra_json : "{}", 0, NULL);
  if (extra && json_is_true(json_object_get(extra, "public")) && s->public_matters)
    json_object_set_new(s->public_matters, m->key, json_true());
  if (!extra || !api_matter_has_channel(extra, "open311")) {
    json_decref(extra);
    return 0;
  }
  if (zz_grow(&s->v, &s->cap, s->n, sizeof *s->v, 32)) {
    json_decref(extra);
    return ZZ_ENOMEM;
  }
  struct o311_service *v = &s->v[s->n++];
  memset(v, 0, sizeof *v);
  zz_strlcpy(v->code, m->key, sizeof v->code);
  v->name = zz_xstrdup(m->name_zh);
  v->name_en = zz_xstrdup(m->name_en);
  const char *d = json_string_value(json_object_get(extra, "description_zh"));
  v->description = zz_xstrdup(d ? d : m->name_en);
  const char *g = json_string_value(json_object_get(extra, "group"));
  v->group = zz_xstrdup(g ? g : m->kind);
  v->departments = zz_xstrdup(m->departments_json ? m->departments_json : "[]");
  v->extra = extra;
  return 0;
}

static void services_free(struct o311_services *s) {
  for (size_t i = 0; i < s->n; i++) {
    zz_free(s->v[i].name);
    zz_free(s->v[i].name_en);
    zz_free(s->v[i].description);
    zz_free(s->v[i].group);
    zz_free(s->v[i].departments);
    json_decref(s->v[i].extra);
  }
  zz_free(s->v);
  json_decref(s->public_matters);
  json_decref(s->dept_names);
  memset(s, 0, sizeof *s);
}

static int dept_row(void *ud, const struct store_named *n) {
  const char *name = n->name_zh && *n->name_zh ? n->name_zh : n->name_en;
  json_object_set_new(ud, n->key, json_string(name && *name ? name : n->key));
  return 0;
}

static int services_load(struct app *app, struct o311_services *s) {
  memset(s, 0, sizeof *s);
  s->public_matters = json_object();
  s->dept_names = json_object();
  if (!s->public_matters || !s->dept_names) return ZZ_ENOMEM;
  int rc = store_named_each(app->st, "department", dept_row, s->dept_names);
  return rc ? rc : store_matters_each(app->st, service_row, s);
}

static const struct o311_service *service_find(const struct o311_services *s, const char *code) {
  for (size_t i = 0; code && i < s->n; i++)
    if (strcmp(s->v[i].code, code) == 0) return &s->v[i];
  return NULL;
}

/* The form's field types as GeoReport datatypes. */
static const char *datatype_of(const char *type) {
  if (!type) return "string";
  if (strcmp(type, "textarea") == 0) return "text";
  if (strcmp(type, "choice") == 0) return "singlevaluelist";
  if (strcmp(type, "multichoice") == 0) return "multivaluelist";
  if (strcmp(type, "date") == 0) return "datetime";
  if (strcmp(type, "number") == 0) return "number";
  return "string"; /* text, phone, photo (a URL), location (an address) */
}

/* Keywords: the catalog group, the id and the English name, so a client
 * can search without reading Chinese. */
static void keywords_of(const struct o311_service *v, const char *name_en, char *out, size_t cap) {
  snprintf(out, cap, "%s,%s,%s", v->group, v->code, name_en ? name_en : "");
}

/* ---- GET discovery, services ---- */

static void host_url(struct http_req *r, char *out, size_t cap) {
  /* only a plausible host name is echoed into the document (http_base_url
   * checks it; --public-url and a trusted proxy's headers count) */
  char base[160];
  if (http_base_url(r, base, sizeof base) != 0 || strlen(base) >= sizeof base - 1)
    zz_strlcpy(base, "http://localhost", sizeof base);
  snprintf(out, cap, "%s/open311/v2/", base);
}

static int get_discovery(struct http_req *r, int xml) {
  struct zz_buf b;
  zz_buf_init(&b, 0);
  struct o311_out o;
  char url[220];
  host_url(r, url, sizeof url);
  o_begin(&o, &b, xml);
  o_obj(&o, "discovery");
  o_str(&o, "changeset", "2026-11-29T00:00:00+08:00");
  o_str(&o, "contact", "拱墅区数字治理指挥中心 / Gongshu district digital governance centre");
  o_str(&o, "key_service", "Ask the district operator for a source token (api_key).");
  o_list(&o, "endpoints", "endpoints");
  o_obj(&o, "endpoint");
  o_str(&o, "specification", "http://wiki.open311.org/GeoReport_v2");
  o_str(&o, "url", url);
  o_str(&o, "changeset", "2026-11-29T00:00:00+08:00");
  o_str(&o, "type", "production");
  o_list(&o, "formats", "formats");
  const char *fm[] = {"text/xml", "application/json"};
  for (int i = 0; i < 2; i++) o_item(&o, "format", fm[i]);
  o_list_end(&o, "formats");
  o_obj_end(&o, "endpoint");
  o_list_end(&o, "endpoints");
  o_obj_end(&o, "discovery");
  return o_reply(r, &o, 200);
}

static int get_services(struct http_req *r, int xml) {
  struct app *app = http_app(r);
  struct o311_services s;
  if (services_load(app, &s)) {
    services_free(&s);
    return o311_fail(r, xml, 500, "the service list cannot be read now");
  }
  struct zz_buf b;
  zz_buf_init(&b, 0);
  struct o311_out o;
  o_begin(&o, &b, xml);
  o_list(&o, NULL, "services");
  for (size_t i = 0; i < s.n; i++) {
    const struct o311_service *v = &s.v[i];
    char kw[300];
    keywords_of(v, v->name_en, kw, sizeof kw);
    json_t *form = json_object_get(v->extra, "form");
    o_obj(&o, "service");
    o_str(&o, "service_code", v->code);
    o_str(&o, "service_name", v->name);
    o_str(&o, "description", v->description);
    o_bool(&o, "metadata", json_array_size(form) != 0);
    o_str(&o, "type", "realtime");
    o_str(&o, "keywords", kw);
    o_str(&o, "group", v->group);
    o_obj_end(&o, "service");
  }
  o_list_end(&o, "services");
  services_free(&s);
  return o_reply(r, &o, 200);
}

static int get_definition(struct http_req *r, int xml, const char *code) {
  struct app *app = http_app(r);
  struct o311_services s;
  if (services_load(app, &s)) {
    services_free(&s);
    return o311_fail(r, xml, 500, "the service list cannot be read now");
  }
  const struct o311_service *v = service_find(&s, code);
  if (!v) {
    services_free(&s);
    return o311_fail(r, xml, 404, "service_code %s was not found", code);
  }
  struct zz_buf b;
  zz_buf_init(&b, 0);
  struct o311_out o;
  o_begin(&o, &b, xml);
  o_obj(&o, "service_definition");
  o_str(&o, "service_code", v->code);
  o_list(&o, "attributes", "attributes");
  json_t *form = json_object_get(v->extra, "form");
  size_t i;
  json_t *f;
  json_array_foreach(form, i, f) {
    const char *type = json_string_value(json_object_get(f, "type"));
    const char *dt = datatype_of(type);
    const char *lz = json_string_value(json_object_get(f, "label_zh"));
    const char *le = json_string_value(json_object_get(f, "label_en"));
    char desc[300];
    snprintf(desc, sizeof desc, "%s / %s", lz ? lz : "", le ? le : "");
    const char *dd = type && strcmp(type, "date") == 0       ? "ISO 8601 date, e.g. 2026-12-01"
                     : type && strcmp(type, "phone") == 0    ? "phone number"
                     : type && strcmp(type, "photo") == 0    ? "URL of a photo"
                     : type && strcmp(type, "location") == 0 ? "address or place"
                                                             : "";
    /* an attribute the request's standard field fills (the details are the
     * description, ...) is not required of a client that sends that field
     * (the intake takes either): a default FixMyStreet POST passes */
    const char *std = intake_open311_standard_field(type);
    char ddx[160];
    if (std) {
      snprintf(ddx, sizeof ddx, "%s%sor the standard field: %s", dd, *dd ? "; " : "", std);
      dd = ddx;
    }
    o_obj(&o, "attribute");
    o_bool(&o, "variable", 1);
    o_str(&o, "code", json_string_value(json_object_get(f, "id")));
    o_str(&o, "datatype", dt);
    o_bool(&o, "required", !std && json_is_true(json_object_get(f, "required")));
    o_str(&o, "datatype_description", dd);
    o_int(&o, "order", (int64_t)i + 1);
    o_str(&o, "description", desc);
    json_t *opts = json_object_get(f, "options");
    if (strcmp(dt, "singlevaluelist") == 0 || strcmp(dt, "multivaluelist") == 0) {
      o_list(&o, "values", "values");
      size_t k;
      json_t *op;
      json_array_foreach(opts, k, op) {
        o_obj(&o, "value");
        o_str(&o, "key", json_string_value(json_object_get(op, "id")));
        o_str(&o, "name", json_string_value(json_object_get(op, "label_zh")));
        o_obj_end(&o, "value");
      }
      o_list_end(&o, "values");
    }
    o_obj_end(&o, "attribute");
  }
  o_list_end(&o, "attributes");
  o_obj_end(&o, "service_definition");
  services_free(&s);
  return o_reply(r, &o, 200);
}

/* ---- requests ---- */

/* Open311 has two statuses; a work order is closed once its department has
 * resolved it (resolved, verified, closed) or it was merged into another. */
const char *o311_status(const char *state) {
  static const char *const done[] = {"resolved", "verified", "closed", "merged"};
  for (size_t i = 0; state && i < ZZ_ARRAY_LEN(done); i++)
    if (strcmp(state, done[i]) == 0) return "closed";
  return "open";
}

struct req_row {
  int64_t id, created, updated, resolve_due;
  char matter[65], state[24], department[64], channel[24];
  char *title, *description;
  double lon, lat;
};

struct req_list {
  struct req_row *v;
  size_t n, cap, max;
  const struct o311_services *svc;
  int want_open, want_closed; /* the status filter: both 0 or both 1 for any */
};

/* What the public may read: requests that came in through a public
 * channel (Open311 itself, customer and enterprise codes) for a matter
 * the pack marks public, made while it was public (see consented).
 * Staff, alert and application orders never. */
static int public_request(const struct o311_services *svc, const struct store_order *o) {
  static const char *const channels[] = {"open311", "customer_code", "enterprise_code"};
  int ok = 0;
  for (size_t i = 0; o->channel && i < ZZ_ARRAY_LEN(channels); i++)
    ok |= strcmp(o->channel, channels[i]) == 0;
  return ok && o->matter && json_object_get(svc->public_matters, o->matter) != NULL;
}

static int req_collect(void *ud, const struct store_order *o) {
  struct req_list *l = ud;
  if (l->n >= l->max || o->parent) return 0;
  if (!public_request(l->svc, o)) return 0;
  if (l->want_open != l->want_closed &&
      (strcmp(o311_status(o->state), "open") == 0) != l->want_open)
    return 0;
  if (zz_grow(&l->v, &l->cap, l->n, sizeof *l->v, 64)) return ZZ_ENOMEM;
  struct req_row *v = &l->v[l->n++];
  memset(v, 0, sizeof *v);
  v->id = o->id;
  v->created = o->created;
  v->updated = o->updated;
  v->resolve_due = o->resolve_due;
  zz_strlcpy(v->matter, o->matter, sizeof v->matter);
  zz_strlcpy(v->state, o->state, sizeof v->state);
  zz_strlcpy(v->channel, o->channel, sizeof v->channel);
  zz_strlcpy(v->department, o->department ? o->department : "", sizeof v->department);
  v->title = zz_xstrdup(o->title ? o->title : "");
  v->description = zz_xstrdup(o->description ? o->description : "");
  /* a citizen may type a phone or ID number into the public description */
  o311_mask_numbers(v->title);
  o311_mask_numbers(v->description);
  v->lon = o->lon;
  v->lat = o->lat;
  return 0;
}

static int app_seen(void *ud, const struct store_application *a) {
  (void)a;
  *(int *)ud = 1;
  return 0;
}

static int code_consent(void *ud, const struct store_receipt *in) {
  *(int *)ud = in->public_consent;
  return 0;
}

static int o311_consent(void *ud, const struct store_order_intake *in) {
  *(int *)ud = in->public_consent;
  return 0;
}

/* Whether the report's intake record says its matter was public when it
 * came in (the form told the reporter so): publishing a matter later does
 * not publish the reports made before. */
static int consented(struct app *app, const struct req_row *v) {
  int yes = 0;
  if (strcmp(v->channel, "open311") == 0)
    store_order_intake_get(app->st, v->id, NULL, o311_consent, &yes);
  else
    store_receipt_get(app->st, NULL, v->id, code_consent, &yes);
  return yes;
}

/* Drops the rows that are applications (an enterprise's filings are
 * theirs and the departments', whatever the matter says) and those made
 * while their matter was not public. */
static void req_list_public(struct app *app, struct req_list *l) {
  size_t k = 0;
  for (size_t i = 0; i < l->n; i++) {
    int is_app = 0;
    store_application_get(app->st, l->v[i].id, NULL, app_seen, &is_app);
    if (is_app || !consented(app, &l->v[i])) {
      zz_free(l->v[i].title);
      zz_free(l->v[i].description);
      continue;
    }
    l->v[k++] = l->v[i];
  }
  l->n = k;
}

static void req_list_free(struct req_list *l) {
  for (size_t i = 0; i < l->n; i++) {
    zz_free(l->v[i].title);
    zz_free(l->v[i].description);
  }
  zz_free(l->v);
}

struct intake_copy {
  char token[64];
  char *address, *media_url;
};

static int intake_row(void *ud, const struct store_order_intake *in) {
  struct intake_copy *c = ud;
  zz_strlcpy(c->token, in->token ? in->token : "", sizeof c->token);
  c->address = in->address ? zz_xstrdup(in->address) : NULL;
  c->media_url = in->media_url ? zz_xstrdup(in->media_url) : NULL;
  return 0;
}

/* The public note of an order: its last resolution note (what the
 * department tells the reporter, as the receipt page shows it); every
 * other note stays inside. */
static int resolve_note(void *ud, const struct store_order_event *ev) {
  if (ev->action && strcmp(ev->action, "resolve") == 0)
    zz_strlcpy(ud, ev->note ? ev->note : "", 512);
  return 0;
}

static void write_request(struct app *app, struct o311_out *o, const struct req_row *v,
                          const struct o311_services *svc) {
  char t[32], id[24], note[512] = "";
  struct intake_copy in = {0};
  store_order_intake_get(app->st, v->id, NULL, intake_row, &in);
  if (strcmp(o311_status(v->state), "closed") == 0) {
    store_order_events_each(app->st, v->id, resolve_note, note);
    o311_mask_numbers(note);
  }
  const char *agency = json_string_value(json_object_get(svc->dept_names, v->department));
  const struct o311_service *s = service_find(svc, v->matter);
  snprintf(id, sizeof id, "%lld", (long long)v->id);
  o_obj(o, "request");
  o_str(o, "service_request_id", id);
  o_str(o, "status", o311_status(v->state));
  o_str(o, "status_notes", note);
  o_str(o, "service_name", s ? s->name : v->title);
  o_str(o, "service_code", v->matter);
  o_str(o, "description", v->description);
  o_str(o, "agency_responsible", agency ? agency : v->department);
  o_str(o, "service_notice", "");
  o_str(o, "requested_datetime", zz_time_format(v->created, t));
  o_str(o, "updated_datetime", zz_time_format(v->updated, t));
  o_str(o, "expected_datetime", v->resolve_due ? zz_time_format(v->resolve_due, t) : "");
  o_str(o, "address", in.address ? in.address : "");
  o_str(o, "address_id", "");
  o_str(o, "zipcode", "");
  o_num(o, "lat", v->lat);
  o_num(o, "long", v->lon);
  o_str(o, "media_url", in.media_url ? in.media_url : "");
  o_obj_end(o, "request");
  zz_free(in.address);
  zz_free(in.media_url);
}

/* Parses a W3C/ISO 8601 date-time argument; replies 400 when bad. */
static int arg_time(struct http_req *r, int xml, const char *name, int64_t *out) {
  const char *s = http_query(r, name);
  if (!s || !*s) return 0;
  if (zz_time_parse_rfc3339(s, strlen(s), out))
    return o311_fail(r, xml, 400, "%s must be a W3C date-time such as 2026-11-01T00:00:00+08:00",
                     name),
           -1;
  return 0;
}

/* status: "open", "closed" or a comma-separated list of them
 * ("open,closed"); replies 400 when another word is in it. */
static int arg_status(struct http_req *r, int xml, int *want_open, int *want_closed) {
  const char *s = http_query(r, "status");
  for (const char *p = s; p && *p;) {
    size_t n = strcspn(p, ",");
    if (n == 4 && strncmp(p, "open", 4) == 0)
      *want_open = 1;
    else if (n == 6 && strncmp(p, "closed", 6) == 0)
      *want_closed = 1;
    else if (n)
      return o311_fail(r, xml, 400, "status must be open, closed or both (open,closed)"), -1;
    p += n;
    if (*p == ',') p++;
  }
  return 0;
}

static int get_requests(struct http_req *r, int xml) {
  struct app *app = http_app(r);
  int64_t from = 0, to = 0;
  if (arg_time(r, xml, "start_date", &from) || arg_time(r, xml, "end_date", &to)) return 0;
  int want_open = 0, want_closed = 0;
  if (arg_status(r, xml, &want_open, &want_closed)) return 0;
  /* the spec's defaults: the last 90 days, at most 1000 requests */
  if (!to) to = from ? from + O311_DEFAULT_SPAN_MS : zz_time_now() + 1;
  if (!from) from = to - O311_DEFAULT_SPAN_MS;
  if (from >= to) return o311_fail(r, xml, 400, "start_date must be before end_date");
  struct o311_services s;
  if (services_load(app, &s)) {
    services_free(&s);
    return o311_fail(r, xml, 500, "the service list cannot be read now");
  }
  const char *code = http_query(r, "service_code");
  struct req_list l = {
      .max = O311_LIST_MAX, .svc = &s, .want_open = want_open, .want_closed = want_closed};
  const char *ids = http_query(r, "service_request_id");
  if (ids && *ids) {
    /* a comma-separated list of ids: the other filters do not apply */
    char *copy = zz_xstrdup(ids);
    for (char *p = copy, *next; p && *p; p = next) {
      next = strchr(p, ',');
      if (next) *next++ = '\0';
      int64_t id;
      if (zz_parse_i64(p, &id) == 0 && id > 0) {
        l.want_open = l.want_closed = 0;
        store_order_get(app->st, id, req_collect, &l);
      }
    }
    zz_free(copy);
  } else {
    if (code && *code && !service_find(&s, code)) {
      services_free(&s);
      return o311_fail(r, xml, 404, "service_code %s was not found", code);
    }
    struct store_order_filter f = {.matter = code && *code ? code : NULL,
                                   .top_only = 1,
                                   .created_from = from,
                                   .created_to = to,
                                   .public_consent = 1,
                                   .limit = 20000};
    store_orders_each(app->st, &f, req_collect, &l);
  }
  req_list_public(app, &l);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  struct o311_out o;
  o_begin(&o, &b, xml);
  o_list(&o, NULL, "service_requests");
  for (size_t i = 0; i < l.n; i++) write_request(app, &o, &l.v[i], &s);
  o_list_end(&o, "service_requests");
  req_list_free(&l);
  services_free(&s);
  return o_reply(r, &o, 200);
}

static int get_request(struct http_req *r, int xml, const char *idtext) {
  struct app *app = http_app(r);
  int64_t id;
  if (zz_parse_i64(idtext, &id) || id <= 0)
    return o311_fail(r, xml, 404, "service_request_id %s was not found", idtext);
  struct o311_services s;
  if (services_load(app, &s)) {
    services_free(&s);
    return o311_fail(r, xml, 500, "the service list cannot be read now");
  }
  struct req_list l = {.max = 1, .svc = &s};
  store_order_get(app->st, id, req_collect, &l);
  req_list_public(app, &l);
  if (!l.n) {
    services_free(&s);
    return o311_fail(r, xml, 404, "service_request_id %s was not found", idtext);
  }
  struct zz_buf b;
  zz_buf_init(&b, 0);
  struct o311_out o;
  o_begin(&o, &b, xml);
  o_list(&o, NULL, "service_requests");
  write_request(app, &o, &l.v[0], &s);
  o_list_end(&o, "service_requests");
  req_list_free(&l);
  services_free(&s);
  return o_reply(r, &o, 200);
}

/* ---- GET servicerequestupdates: mySociety's update feed ----
 * Each change of state of a public request (the ones GET requests lists)
 * is an update: update_id the timeline event's id, status open/closed with
 * zhizhi's state as external_status_code, and as description the public
 * note (a resolution's note, numbers masked); other notes stay inside. */

struct upd_row {
  int64_t id, order_id, ts;
  char state[24];
  char *note; /* NULL for none */
};

struct upd_list {
  struct upd_row *v;
  size_t n, cap;
};

static int upd_collect(void *ud, const struct store_order_event *ev) {
  struct upd_list *l = ud;
  if (zz_grow(&l->v, &l->cap, l->n, sizeof *l->v, 64)) return ZZ_ENOMEM;
  struct upd_row *u = &l->v[l->n++];
  memset(u, 0, sizeof *u);
  u->id = ev->id;
  u->order_id = ev->order_id;
  u->ts = ev->ts;
  zz_strlcpy(u->state, ev->to_state ? ev->to_state : "", sizeof u->state);
  if (ev->action && strcmp(ev->action, "resolve") == 0 && ev->note && *ev->note) {
    u->note = zz_xstrdup(ev->note);
    o311_mask_numbers(u->note);
  }
  return 0;
}

/* Whether order id is public (GET requests would list it); seen caches the
 * answers, {id: true|false}. */
static int order_public(struct app *app, const struct o311_services *svc, json_t *seen,
                        int64_t id) {
  char k[24];
  snprintf(k, sizeof k, "%lld", (long long)id);
  json_t *known = json_object_get(seen, k);
  if (known) return json_is_true(known);
  struct req_list l = {.max = 1, .svc = svc};
  store_order_get(app->st, id, req_collect, &l);
  req_list_public(app, &l);
  int yes = l.n == 1;
  req_list_free(&l);
  json_object_set_new(seen, k, json_boolean(yes));
  return yes;
}

static void write_update(struct o311_out *o, const struct upd_row *u) {
  char t[32], id[24], rid[24];
  snprintf(id, sizeof id, "%lld", (long long)u->id);
  snprintf(rid, sizeof rid, "%lld", (long long)u->order_id);
  o_obj(o, "request_update");
  o_str(o, "update_id", id);
  o_str(o, "service_request_id", rid);
  o_str(o, "status", o311_status(u->state));
  o_str(o, "external_status_code", u->state);
  o_str(o, "updated_datetime", zz_time_format(u->ts, t));
  o_str(o, "description", u->note ? u->note : "");
  o_str(o, "media_url", "");
  o_obj_end(o, "request_update");
}

static int get_updates(struct http_req *r, int xml) {
  struct app *app = http_app(r);
  int64_t from = 0, to = 0;
  if (arg_time(r, xml, "start_date", &from) || arg_time(r, xml, "end_date", &to)) return 0;
  /* FixMyStreet asks for the last hour or so; without dates, the last day */
  if (!to) to = from ? from + O311_DEFAULT_SPAN_MS : zz_time_now() + 1;
  if (!from) from = to - 24LL * 3600 * 1000;
  if (from >= to) return o311_fail(r, xml, 400, "start_date must be before end_date");
  struct o311_services s = {0};
  struct upd_list l = {0};
  json_t *seen = json_object();
  int rc = seen ? services_load(app, &s) : ZZ_ENOMEM;
  if (!rc) rc = store_order_state_events_between(app->st, from, to, 20000, upd_collect, &l);
  if (rc) {
    json_decref(seen);
    services_free(&s);
    for (size_t i = 0; i < l.n; i++) zz_free(l.v[i].note);
    zz_free(l.v);
    return o311_fail(r, xml, 500, "the updates cannot be read now");
  }
  struct zz_buf b;
  zz_buf_init(&b, 0);
  struct o311_out o;
  o_begin(&o, &b, xml);
  o_list(&o, NULL, "service_request_updates");
  size_t written = 0;
  for (size_t i = 0; i < l.n; i++) {
    if (written < O311_LIST_MAX && order_public(app, &s, seen, l.v[i].order_id)) {
      write_update(&o, &l.v[i]);
      written++;
    }
    zz_free(l.v[i].note);
  }
  o_list_end(&o, "service_request_updates");
  zz_free(l.v);
  json_decref(seen);
  services_free(&s);
  return o_reply(r, &o, 200);
}

static int get_token(struct http_req *r, int xml, const char *token) {
  struct app *app = http_app(r);
  int64_t found = 0;
  int rc = store_order_intake_get(app->st, 0, token, o311_intake_id, &found);
  if (rc) return o311_fail(r, xml, 404, "token %s was not found", token);
  char id[24];
  snprintf(id, sizeof id, "%lld", (long long)found);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  struct o311_out o;
  o_begin(&o, &b, xml);
  o_list(&o, NULL, "service_requests");
  o_obj(&o, "request");
  o_str(&o, "service_request_id", id);
  o_str(&o, "token", token);
  o_obj_end(&o, "request");
  o_list_end(&o, "service_requests");
  return o_reply(r, &o, 200);
}

int o311_intake_id(void *ud, const struct store_order_intake *in) {
  *(int64_t *)ud = in->order_id;
  return 0;
}

/* ---- POST requests ---- */

static const char *form_value(const void *form, const char *name) {
  return o311_form_get(form, name);
}

/* The spec's status for an error of the intake: a bad field 400, an
 * unknown service 404, a description too long 413, anything else 500. */
static int request_status(const struct zz_err *e) {
  if (e->code == ZZ_EINVAL) return 400;
  if (e->code == ZZ_ENOTFOUND && strcmp(e->field, "service_code") == 0) return 404;
  if (e->code == ZZ_ETOOBIG) return 413;
  if (e->code == ZZ_EMEDIATYPE) return 415;
  return 500;
}

static int form_piece(void *ud, const struct http_form_piece *p) {
  struct o311_form_read *fr = ud;
  return o311_form_piece(fr->form, p->key, p->filename != NULL, p->data, p->off, p->size, &fr->e);
}

/* The POST's fields: multipart/form-data through libmicrohttpd's post
 * processor (a "media" file part is the photo), anything else as
 * application/x-www-form-urlencoded (open311_form.c's strict decoder).
 * Returns 0, or non-zero once it has answered. */
static int read_form(struct http_req *r, int xml, struct o311_form *form) {
  const char *ct = http_header(r, "Content-Type");
  struct zz_err e = {0};
  int rc;
  if (ct && strncasecmp(ct, "multipart/form-data", 19) == 0) {
    struct o311_form_read fr = {.form = form};
    rc = http_body_form(r, form_piece, &fr);
    if (!rc) rc = o311_form_finish(form, &fr.e);
    if (rc && !fr.e.code) zz_fail(&fr.e, rc, "body", "the multipart body cannot be read");
    e = fr.e;
  } else {
    size_t len = 0;
    const char *body = http_body(r, &len);
    rc = o311_form_parse(body ? body : "", len, form, &e);
  }
  if (!rc) return 0;
  if (e.code == ZZ_ETOOBIG) return o311_fail(r, xml, 413, "%s", e.msg), -1;
  return o311_fail(r, xml, 400, "the form body cannot be read: %s", e.msg), -1;
}

/* The api_key's source: 0 and *source, or non-zero once it has answered 403. */
static int request_source(struct http_req *r, int xml, const struct o311_form *form,
                          int64_t *source) {
  struct app *app = http_app(r);
  const char *key = o311_form_get(form, "api_key");
  if (!key || !*key || strlen(key) > 128)
    return o311_fail(r, xml, 403, "api_key is required: a source token from the operator"), -1;
  char hash[65];
  api_token_hash(key, hash);
  if (store_source_by_token(app->st, hash, source))
    return o311_fail(r, xml, 403, "api_key is not valid"), -1;
  return 0;
}

/* Parses the form and the api_key, lets the intake make the order
 * (src/intake/open311_request.c) and answers its id and token. */
static int post_requests(struct http_req *r, int xml) {
  struct app *app = http_app(r);
  struct o311_form form = {0};
  int rc = 0;
  if (api_rate_limit(r, "open311_post", NULL, 120, 30)) goto done;
  struct zz_err e = {0};
  if ((rc = read_form(r, xml, &form))) goto done;
  struct intake_open311_in in = {
      .value = form_value, .form = &form, .media = form.media, .media_n = form.media_n};
  if ((rc = request_source(r, xml, &form, &in.source))) goto done;
  struct intake_open311_out out;
  if (intake_open311_request(app->st, app->reg, app->wf, &in, &out, &e)) {
    rc = o311_fail(r, xml, request_status(&e), "%s", e.msg);
    goto done;
  }
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", (long long)out.order);
  struct zz_buf b;
  zz_buf_init(&b, 0);
  struct o311_out o;
  o_begin(&o, &b, xml);
  o_list(&o, NULL, "service_requests");
  o_obj(&o, "request");
  o_str(&o, "service_request_id", ids);
  o_str(&o, "token", out.token);
  o_str(&o, "service_notice", "已受理，请留意处理进度 / Received; follow its status with this id.");
  o_str(&o, "account_id", "");
  o_obj_end(&o, "request");
  o_list_end(&o, "service_requests");
  rc = o_reply(r, &o, 201);
done:
  o311_form_free(&form);
  return rc;
}

/* ---- routing by file name ---- */

/* A browser's preflight before a cross-origin GET (one with a header of
 * its own): any origin may read; nothing else is offered across origins. */
static int options_any(struct http_req *r) {
  http_add_header(r, "Access-Control-Allow-Methods", "GET, OPTIONS");
  http_add_header(r, "Access-Control-Allow-Headers", "Accept, Accept-Language, Content-Type");
  http_add_header(r, "Access-Control-Max-Age", "86400");
  cors(r);
  return http_reply(r, 204, NULL, NULL);
}

/* Every GET method: the path's NAME.xml|json into name, then the rate
 * limit. Returns 1 (XML) or 0 (JSON), or -1 when it has answered. */
static int get_format(struct http_req *r, char *name, size_t cap) {
  int xml = o311_format(http_param(r, "file"), name, cap);
  if (xml < 0) {
    o311_fail(r, 1, 404, "use a .xml or .json suffix");
    return -1;
  }
  return api_rate_limit(r, "open311_get", NULL, 600, 120) ? -1 : xml;
}

static int get_root(struct http_req *r) {
  char name[64];
  int xml = get_format(r, name, sizeof name);
  if (xml < 0) return 0;
  if (strcmp(name, "discovery") == 0) return get_discovery(r, xml);
  if (strcmp(name, "services") == 0) return get_services(r, xml);
  if (strcmp(name, "requests") == 0) return get_requests(r, xml);
  if (strcmp(name, "servicerequestupdates") == 0) return get_updates(r, xml);
  return o311_fail(r, xml, 404, "no such method: %s", name);
}

static int get_service(struct http_req *r) {
  char name[80];
  int xml = get_format(r, name, sizeof name);
  return xml < 0 ? 0 : get_definition(r, xml, name);
}

static int get_one_request(struct http_req *r) {
  char name[40];
  int xml = get_format(r, name, sizeof name);
  return xml < 0 ? 0 : get_request(r, xml, name);
}

static int get_one_token(struct http_req *r) {
  char name[80];
  int xml = get_format(r, name, sizeof name);
  return xml < 0 ? 0 : get_token(r, xml, name);
}

static int post_root(struct http_req *r) {
  char name[64];
  int xml = o311_format(http_param(r, "file"), name, sizeof name);
  if (xml < 0 || strcmp(name, "requests") != 0)
    return o311_fail(r, xml < 0 ? 1 : xml, 404, "POST only to requests.xml or requests.json");
  return post_requests(r, xml);
}

const struct http_route api_open311_routes[] = {
    {"GET", "/open311/v2/:file", get_root, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/open311/v2/services/:file", get_service, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/open311/v2/requests/:file", get_one_request, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/open311/v2/tokens/:file", get_one_token, NULL, HTTP_AUTH_NONE, 0, 0},
    {"POST", "/open311/v2/:file", post_root, NULL, HTTP_AUTH_NONE, 0, O311_BODY_MAX},
    {"OPTIONS", "/open311/v2/:file", options_any, NULL, HTTP_AUTH_NONE, 0, 0},
    {"OPTIONS", "/open311/v2/services/:file", options_any, NULL, HTTP_AUTH_NONE, 0, 0},
    {"OPTIONS", "/open311/v2/requests/:file", options_any, NULL, HTTP_AUTH_NONE, 0, 0},
    {"OPTIONS", "/open311/v2/tokens/:file", options_any, NULL, HTTP_AUTH_NONE, 0, 0},
};
const size_t api_open311_nroutes = ZZ_ARRAY_LEN(api_open311_routes);
