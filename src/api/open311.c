/* open311.c (api) - Open311 GeoReport v2 under /open311/v2
 * (wiki.open311.org/GeoReport_v2): service discovery, the service list and
 * definitions built from the matters that list the "open311" channel, POST
 * requests creating work orders (channel open311; the checks and the order
 * are the intake's, src/intake/open311_request.c),
 * request look-ups and tokens. Every method answers in XML (the spec's
 * required format) and JSON, chosen by the ".xml"/".json" suffix; errors use
 * the spec's list of {code, description}. Public: the POST is rate-limited
 * per client and needs api_key = a source token. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

#define O311_BODY_MAX (64u << 10)
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

static int o_reply(struct http_req *r, struct o311_out *o, int status) {
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

struct o311_services {
  struct o311_service *v;
  size_t n, cap;
  json_t *public_matters; /* {key: true} for the matters the pack marks public */
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
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 32;
    struct o311_service *nv = zz_realloc(s->v, cap * sizeof *nv);
    if (!nv) {
      json_decref(extra);
      return ZZ_ENOMEM;
    }
    s->v = nv;
    s->cap = cap;
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
  memset(s, 0, sizeof *s);
}

static int services_load(struct app *app, struct o311_services *s) {
  memset(s, 0, sizeof *s);
  s->public_matters = json_object();
  if (!s->public_matters) return ZZ_ENOMEM;
  return store_matters_each(app->st, service_row, s);
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
    o_obj(&o, "attribute");
    o_bool(&o, "variable", 1);
    o_str(&o, "code", json_string_value(json_object_get(f, "id")));
    o_str(&o, "datatype", dt);
    o_bool(&o, "required", json_is_true(json_object_get(f, "required")));
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
  const char *status; /* filter or NULL */
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
  if (l->status && strcmp(o311_status(o->state), l->status) != 0) return 0;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    struct req_row *nv = zz_realloc(l->v, cap * sizeof *nv);
    if (!nv) return ZZ_ENOMEM;
    l->v = nv;
    l->cap = cap;
  }
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

static void write_request(struct app *app, struct o311_out *o, const struct req_row *v,
                          const struct o311_services *svc) {
  char t[32], id[24];
  struct intake_copy in = {0};
  store_order_intake_get(app->st, v->id, NULL, intake_row, &in);
  const struct o311_service *s = service_find(svc, v->matter);
  snprintf(id, sizeof id, "%lld", (long long)v->id);
  o_obj(o, "request");
  o_str(o, "service_request_id", id);
  o_str(o, "status", o311_status(v->state));
  o_str(o, "status_notes", v->state);
  o_str(o, "service_name", s ? s->name : v->title);
  o_str(o, "service_code", v->matter);
  o_str(o, "description", v->description);
  o_str(o, "agency_responsible", v->department);
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

static int get_requests(struct http_req *r, int xml) {
  struct app *app = http_app(r);
  int64_t from = 0, to = 0;
  if (arg_time(r, xml, "start_date", &from) || arg_time(r, xml, "end_date", &to)) return 0;
  const char *status = http_query(r, "status");
  if (status && *status && strcmp(status, "open") && strcmp(status, "closed"))
    return o311_fail(r, xml, 400, "status must be open or closed");
  if (status && !*status) status = NULL;
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
  struct req_list l = {.max = O311_LIST_MAX, .svc = &s, .status = status};
  const char *ids = http_query(r, "service_request_id");
  if (ids && *ids) {
    /* a comma-separated list of ids: the other filters do not apply */
    char *copy = zz_xstrdup(ids);
    for (char *p = copy, *next; p && *p; p = next) {
      next = strchr(p, ',');
      if (next) *next++ = '\0';
      int64_t id;
      if (zz_parse_i64(p, &id) == 0 && id > 0) {
        l.status = NULL;
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
  return 500;
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
  size_t len = 0;
  const char *body = http_body(r, &len);
  struct zz_err e = {0};
  if (o311_form_parse(body ? body : "", len, &form, &e)) {
    rc = o311_fail(r, xml, 400, "the form body cannot be read: %s", e.msg);
    goto done;
  }
  struct intake_open311_in in = {.value = form_value, .form = &form};
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
};
const size_t api_open311_nroutes = ZZ_ARRAY_LEN(api_open311_routes);
