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
  struct zz_json *j; /* NULL: only the state is wanted */
  int64_t merged_into;
  char state[32];
  char outcome[512]; /* the note of the last resolve */
};

static int pub_order_row(void *ud, const struct store_order *o) {
  struct pub_order *p = ud;
  struct zz_json *j = p->j;
  zz_strlcpy(p->state, o->state, sizeof p->state);
  p->merged_into = o->merged_into;
  if (!j) return 0;
  zz_json_kstr(j, "matter", o->matter);
  zz_json_kstr(j, "title", o->title);
  zz_json_kstr(j, "state", o->state);
  zz_json_ktime(j, "created", o->created);
  const int64_t at[] = {o->resolved_at, o->closed_at};
  const char *const names[] = {"resolved_at", "closed_at"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(at); i++) {
    if (at[i])
      zz_json_ktime(j, names[i], at[i]);
    else
      zz_json_knull(j, names[i]);
  }
  zz_json_kint(j, "rating", o->rating);
  zz_json_kstr(j, "rating_note", o->rating_note);
  int can_rate =
      !o->rating && (strcmp(o->state, "resolved") == 0 || strcmp(o->state, "verified") == 0 ||
                     strcmp(o->state, "closed") == 0);
  zz_json_kbool(j, "can_rate", can_rate);
  return 0;
}

/* The public timeline: what happened and when, never who (staff names)
 * nor internal notes; the resolution note is the outcome. */
static int pub_event_row(void *ud, const struct store_order_event *ev) {
  struct pub_order *p = ud;
  if (ev->action && strcmp(ev->action, "resolve") == 0)
    zz_strlcpy(p->outcome, ev->note ? ev->note : "", sizeof p->outcome);
  /* steps are changes of state; notes, evidence and supervision stay inside */
  if (ev->from_state && ev->to_state && strcmp(ev->from_state, ev->to_state) == 0) return 0;
  zz_json_obj(p->j);
  zz_json_ktime(p->j, "ts", ev->ts);
  zz_json_kstr(p->j, "action", ev->action);
  zz_json_kstr(p->j, "state", ev->to_state);
  zz_json_obj_end(p->j);
  return 0;
}

static int get_receipt(struct http_req *r) {
  struct app *app = http_app(r);
  if (codes_limit(r, "receipt", NULL, SCAN_PER_MIN, SCAN_BURST)) return 0;
  struct receipt_ctx c;
  if (public_receipt(r, &c)) return 0;
  struct zz_buf b;
  struct zz_json j;
  zz_buf_init(&b, 0);
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "receipt", c.receipt);
  struct pub_order p = {.app = app, .j = &j};
  if (store_order_get(app->st, c.order_id, pub_order_row, &p)) {
    zz_buf_free(&b);
    return http_fail(r, ZZ_ENOTFOUND, "receipt", "the report of this receipt is gone");
  }
  /* a report merged into another follows that one's progress */
  int64_t follow = p.merged_into ? p.merged_into : c.order_id;
  if (p.merged_into) {
    struct pub_order q = {.app = app};
    if (store_order_get(app->st, p.merged_into, pub_order_row, &q) == 0) {
      zz_json_kbool(&j, "merged", 1);
      zz_json_kstr(&j, "followed_state", q.state);
    }
  }
  zz_json_karr(&j, "steps");
  store_order_events_each(app->st, follow, pub_event_row, &p);
  zz_json_arr_end(&j);
  zz_json_kstr(&j, "outcome", p.outcome[0] ? p.outcome : NULL);
  zz_json_obj_end(&j);
  return api_reply_json(r, 200, &j);
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
