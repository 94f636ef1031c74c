/* receipts.c (api) - a public report followed by its receipt number under
 * /api/public/receipts/RECEIPT: its state and public timeline (what
 * happened and when, never who), the outcome, and the reporter's rating
 * (回访) through the workflow; and the reporter's phone as the staff order
 * APIs show it to those who may see it. The receipt is the citizen's only
 * credential: these routes are rate-limited per client address. */
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "api/codes_int.h"
#include "codes/codes.h"
#include "store/store_codes.h"
#include "store/store_orders.h"
#include "workflow/workflow.h"

struct receipt_ctx {
  int found;
  int64_t order_id;
  char receipt[CODE_RECEIPT_LEN + 1];
};

static int intake_cb(void *ud, const struct store_receipt *in) {
  struct receipt_ctx *c = ud;
  c->found = 1;
  c->order_id = in->order_id;
  zz_strlcpy(c->receipt, in->receipt, sizeof c->receipt);
  return 0;
}

static int public_receipt(struct http_req *r, struct receipt_ctx *c) {
  struct app *app = http_app(r);
  const char *rc = http_param(r, "receipt");
  memset(c, 0, sizeof *c);
  if (code_receipt_valid(rc)) store_receipt_get(app->st, rc, 0, intake_cb, c);
  if (!c->found)
    return http_fail(r, ZZ_ENOTFOUND, "receipt",
                     "no report has this receipt number: please check it and try again");
  return 0;
}

struct pub_order {
  struct app *app;
  struct zz_buf *b;
  int n;
  int64_t merged_into;
  char state[32];
  const char *outcome_from; /* the note of the last resolve: the outcome */
  char outcome[512];
};

static int pub_order_row(void *ud, const struct store_order *o) {
  struct pub_order *p = ud;
  char t[32];
  zz_strlcpy(p->state, o->state, sizeof p->state);
  p->merged_into = o->merged_into;
  zz_buf_adds(p->b, "\"matter\":");
  zz_buf_json_str(p->b, o->matter);
  zz_buf_adds(p->b, ",\"title\":");
  zz_buf_json_str(p->b, o->title);
  zz_buf_adds(p->b, ",\"state\":");
  zz_buf_json_str(p->b, o->state);
  zz_buf_adds(p->b, ",\"created\":");
  zz_buf_json_str(p->b, zz_time_format(o->created, t));
  zz_buf_adds(p->b, ",\"resolved_at\":");
  zz_buf_json_str(p->b, o->resolved_at ? zz_time_format(o->resolved_at, t) : NULL);
  zz_buf_adds(p->b, ",\"closed_at\":");
  zz_buf_json_str(p->b, o->closed_at ? zz_time_format(o->closed_at, t) : NULL);
  zz_buf_printf(p->b, ",\"rating\":%d,\"rating_note\":", o->rating);
  zz_buf_json_str(p->b, o->rating_note);
  int can_rate =
      !o->rating && (strcmp(o->state, "resolved") == 0 || strcmp(o->state, "verified") == 0 ||
                     strcmp(o->state, "closed") == 0);
  zz_buf_printf(p->b, ",\"can_rate\":%s", can_rate ? "true" : "false");
  return 0;
}

/* The public timeline: what happened and when, never who (staff names)
 * nor internal notes; the resolution note is the outcome. */
static int pub_event_row(void *ud, const struct store_order_event *ev) {
  struct pub_order *p = ud;
  char t[32];
  if (ev->action && strcmp(ev->action, "resolve") == 0)
    zz_strlcpy(p->outcome, ev->note ? ev->note : "", sizeof p->outcome);
  /* steps are changes of state; notes, evidence and supervision stay inside */
  if (ev->from_state && ev->to_state && strcmp(ev->from_state, ev->to_state) == 0) return 0;
  if (p->n++) zz_buf_addc(p->b, ',');
  zz_buf_adds(p->b, "{\"ts\":");
  zz_buf_json_str(p->b, zz_time_format(ev->ts, t));
  zz_buf_adds(p->b, ",\"action\":");
  zz_buf_json_str(p->b, ev->action);
  zz_buf_adds(p->b, ",\"state\":");
  zz_buf_json_str(p->b, ev->to_state);
  zz_buf_addc(p->b, '}');
  return 0;
}

static int get_receipt(struct http_req *r) {
  struct app *app = http_app(r);
  if (codes_limit(r, "receipt", NULL, SCAN_PER_MIN, SCAN_BURST)) return 0;
  struct receipt_ctx c;
  if (public_receipt(r, &c)) return 0;
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_adds(&b, "{\"receipt\":");
  zz_buf_json_str(&b, c.receipt);
  zz_buf_addc(&b, ',');
  struct pub_order p = {.app = app, .b = &b};
  if (store_order_get(app->st, c.order_id, pub_order_row, &p)) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ENOTFOUND, "receipt", "the report of this receipt is gone");
  }
  /* a report merged into another follows that one's progress */
  int64_t follow = p.merged_into ? p.merged_into : c.order_id;
  if (p.merged_into) {
    struct zz_buf tmp;
    zz_buf_init(&tmp, 0);
    struct pub_order q = {.app = app, .b = &tmp};
    if (store_order_get(app->st, p.merged_into, pub_order_row, &q) == 0)
      zz_buf_printf(&b, ",\"merged\":true,\"followed_state\":\"%s\"", q.state);
    zz_buf_free(&tmp);
  }
  zz_buf_adds(&b, ",\"steps\":[");
  store_order_events_each(app->st, follow, pub_event_row, &p);
  zz_buf_adds(&b, "],\"outcome\":");
  zz_buf_json_str(&b, p.outcome[0] ? p.outcome : NULL);
  zz_buf_addc(&b, '}');
  return http_reply_json(r, 200, &b);
}

static int post_rating(struct http_req *r) {
  struct app *app = http_app(r);
  if (codes_limit(r, "rating", NULL, REPORT_PER_MIN, REPORT_BURST)) return 0;
  struct receipt_ctx c;
  if (public_receipt(r, &c)) return 0;
  json_t *j = NULL;
  if (api_json_body(r, &j)) return 0;
  json_t *sc = json_object_get(j, "score");
  const char *note = json_string_value(json_object_get(j, "note"));
  if (!json_is_integer(sc) || json_integer_value(sc) < 1 || json_integer_value(sc) > 5) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "score", "score must be an integer from 1 (unhappy) to 5");
  }
  if (note && strlen(note) > 500) {
    json_decref(j);
    return http_fail(r, ZZ_EINVAL, "note", "note is longer than 500 bytes");
  }
  /* the reporter rates under the name the order keeps for them */
  char reporter[64];
  snprintf(reporter, sizeof reporter, "citizen:%s", c.receipt);
  struct wf_actor who = {.name = reporter, .department = "", .kind = ACTOR_PUBLIC};
  struct zz_err e = {0};
  int rc = workflow_rate(app->wf, &who, c.order_id, (int)json_integer_value(sc), note, &e);
  if (rc == ZZ_EFORBIDDEN) { /* an enterprise's report */
    snprintf(reporter, sizeof reporter, "enterprise:%s", c.receipt);
    memset(&e, 0, sizeof e);
    rc = workflow_rate(app->wf, &who, c.order_id, (int)json_integer_value(sc), note, &e);
  }
  json_decref(j);
  if (rc) return http_reply_err(r, &e);
  return get_receipt(r);
}

/* ---- the reporter's phone in the staff order APIs ---- */

struct phone_ctx {
  char phone[64];
  int found;
};

static int phone_cb(void *ud, const struct store_receipt *in) {
  struct phone_ctx *p = ud;
  p->found = in->phone != NULL;
  zz_strlcpy(p->phone, in->phone ? in->phone : "", sizeof p->phone);
  return 0;
}

void api_codes_order_phone(struct http_req *r, int64_t order_id, int readable, struct zz_json *j) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  /* dispatchers and admins; officers only of orders their department
   * handles (readable says so); viewers and park managers never */
  int may = (a->role & (ROLE_ADMIN | ROLE_DISPATCHER)) || ((a->role & ROLE_OFFICER) && readable);
  if (!may) return;
  struct phone_ctx p = {{0}, 0};
  store_receipt_get(app->st, NULL, order_id, phone_cb, &p);
  zz_json_kstr(j, "reporter_phone", p.found ? p.phone : NULL);
}

const struct http_route api_receipts_routes[] = {
    {"GET", "/api/public/receipts/:receipt", get_receipt, NULL, HTTP_AUTH_NONE, 0, 0},
    {"POST", "/api/public/receipts/:receipt/rating", post_rating, NULL, HTTP_AUTH_NONE, 0, 8192},
};
const size_t api_receipts_nroutes = ZZ_ARRAY_LEN(api_receipts_routes);
