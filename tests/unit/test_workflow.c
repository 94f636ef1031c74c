/* test_workflow.c - the work-order state machine (src/workflow/order_sm.c):
 * every (state, action) pair against the table of DESIGN.md section 4 and
 * the refusal sentences; and the workflow engine on a real store: routing,
 * duplicates, joint handling, merge, rating, SLA supervision and
 * escalation that continue after the store is closed and opened again;
 * the public intake's group commit, with an application's row written in
 * its order's transaction; the cap on what one change writes. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/bus.h"
#include "core/ztime.h"
#include "http/http.h"
#include "model/registry.h"
#include "store/store.h"
#include "store/store_applications.h"
#include "store/store_catalog.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/order_sm.h"
#include "workflow/workflow.h"
#include "workflow/workflow_int.h"
#include "support.h"

#define MIN 60000LL

static const char *const states[] = {"reported",    "dispatched", "accepted",
                                     "in_progress", "resolved",   "verified",
                                     "closed",      "returned",   "reopened"};

/* The expected table: the state each action leads to, NULL when refused. */
static const char *expect(const char *s, enum order_action a) {
  int open = strcmp(s, "closed") != 0;
  switch (a) {
  case ORDER_DISPATCH:
    return !strcmp(s, "reported") || !strcmp(s, "returned") || !strcmp(s, "reopened") ? "dispatched"
                                                                                      : NULL;
  case ORDER_ACCEPT:
    return !strcmp(s, "dispatched") ? "accepted" : NULL;
  case ORDER_START:
    return !strcmp(s, "accepted") ? "in_progress" : NULL;
  case ORDER_RESOLVE:
    return !strcmp(s, "accepted") || !strcmp(s, "in_progress") ? "resolved" : NULL;
  case ORDER_VERIFY:
    return !strcmp(s, "resolved") ? "verified" : NULL;
  case ORDER_CLOSE:
    return !strcmp(s, "verified") ? "closed" : NULL;
  case ORDER_RETURN:
    return !strcmp(s, "dispatched") || !strcmp(s, "accepted") ? "returned" : NULL;
  case ORDER_REOPEN:
    return !strcmp(s, "resolved") || !strcmp(s, "verified") || !strcmp(s, "closed") ? "reopened"
                                                                                    : NULL;
  case ORDER_SUPERVISE:
  case ORDER_ESCALATE:
    return open ? s : NULL;
  case ORDER_ACTION_COUNT:
    break;
  }
  return NULL;
}

static void test_table(void **state) {
  (void)state;
  int legal = 0, illegal = 0;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(states); i++) {
    for (int a = 0; a < ORDER_ACTION_COUNT; a++) {
      const char *next = NULL, *want = expect(states[i], (enum order_action)a);
      struct zz_err e = {0};
      int rc = order_next_state(7, states[i], ORDER_SINGLE, (enum order_action)a, &next, &e);
      if (want) {
        if (rc) fprintf(stderr, "%s on %s: %s\n", order_action_name(a), states[i], e.msg);
        assert_int_equal(rc, 0);
        assert_string_equal(next, want);
        legal++;
      } else {
        assert_int_equal(rc, ZZ_ECONFLICT);
        char prefix[96];
        snprintf(prefix, sizeof prefix, "order 7 cannot be ");
        assert_memory_equal(e.msg, prefix, strlen(prefix));
        assert_non_null(strstr(e.msg, states[i]));
        illegal++;
      }
    }
  }
  assert_int_equal(legal + illegal, 9 * ORDER_ACTION_COUNT);
  assert_int_equal(legal, 30);
  /* a sentence that says why */
  const char *next;
  struct zz_err e = {0};
  order_next_state(12, "reported", ORDER_SINGLE, ORDER_ACCEPT, &next, &e);
  assert_string_equal(e.msg,
                      "order 12 cannot be accepted: it is reported, and only a dispatched order "
                      "can be accepted");
  order_next_state(12, "merged", ORDER_SINGLE, ORDER_DISPATCH, &next, &e);
  assert_non_null(strstr(e.msg, "merged into another order"));
  /* shapes */
  assert_int_equal(order_next_state(3, "dispatched", ORDER_JOINT, ORDER_ACCEPT, &next, &e),
                   ZZ_ECONFLICT);
  assert_non_null(strstr(e.msg, "joint order"));
  assert_int_equal(order_next_state(3, "resolved", ORDER_SUB, ORDER_VERIFY, &next, &e),
                   ZZ_ECONFLICT);
  assert_int_equal(order_next_state(3, "dispatched", ORDER_SUB, ORDER_ACCEPT, &next, &e), 0);
  /* names, sides, notes */
  enum order_action a;
  assert_int_equal(order_action_parse("return", &a), 0);
  assert_int_equal(a, ORDER_RETURN);
  assert_int_equal(order_action_parse("teleport", &a), ZZ_EINVAL);
  assert_int_equal(order_action_side(ORDER_ACCEPT), ORDER_SIDE_DEPT);
  assert_int_equal(order_action_side(ORDER_VERIFY), ORDER_SIDE_DISPATCH);
  assert_true(order_action_needs_note(ORDER_RETURN));
  assert_true(order_action_needs_note(ORDER_RESOLVE));
  assert_false(order_action_needs_note(ORDER_ACCEPT));
  /* cascades between a joint order and its sub-orders, from the table */
  struct order_follow f;
  assert_int_equal(order_follow(ORDER_ACCEPT, ORDER_SUB, "dispatched", 0, 0, &f), 1);
  assert_string_equal(f.to, "in_progress");
  assert_int_equal(f.as, ORDER_ACCEPT);
  assert_int_equal(order_follow(ORDER_ACCEPT, ORDER_SUB, "in_progress", 0, 0, &f), 0);
  assert_int_equal(order_follow(ORDER_RESOLVE, ORDER_SUB, "in_progress", 0, 0, &f), 0);
  assert_int_equal(order_follow(ORDER_RESOLVE, ORDER_SUB, "in_progress", 1, 0, &f), 1);
  assert_string_equal(f.to, "resolved");
  assert_true(f.by_system);
  assert_int_equal(order_follow(ORDER_CLOSE, ORDER_JOINT, "resolved", 0, 0, &f), 1);
  assert_string_equal(f.to, "closed");
  assert_int_equal(order_follow(ORDER_CLOSE, ORDER_JOINT, "closed", 0, 0, &f), 0);
  assert_int_equal(order_follow(ORDER_DISPATCH, ORDER_JOINT, "closed", 0, 0, &f), 1);
  assert_string_equal(f.to, "dispatched");
  assert_int_equal(order_follow(ORDER_DISPATCH, ORDER_JOINT, "accepted", 0, 1, &f), 1);
  assert_string_equal(f.to, "closed");
  assert_int_equal(f.as, ORDER_CLOSE);
  assert_int_equal(order_follow(ORDER_DISPATCH, ORDER_JOINT, "closed", 0, 1, &f), 0);
  assert_int_equal(order_follow(ORDER_VERIFY, ORDER_JOINT, "resolved", 1, 0, &f), 0);
  assert_null(order_action_target(ORDER_SUPERVISE));
  assert_true(order_action_starts_from(ORDER_REOPEN, "closed"));
  assert_false(order_action_starts_from(ORDER_REOPEN, "accepted"));
}

/* ---- the engine on a store ---- */

static char dir[64];
static struct ts_world tw;
static struct store *st; /* tw's, for short */
static struct workflow *wf;
static struct bus *bus;

/* Two departments' district with a block routed to a third; a matter
 * routed by block (escalating after 20 min) and a joint one. */
static void world(struct store *s) {
  struct zz_err e = {0};
  ts_region(s, "d", NULL, "district");
  ts_region(s, "d/s", "d", "street");
  ts_region(s, "d/s/b", "d/s", "block");
  ts_department(s, "police");
  ts_department(s, "fire");
  ts_department(s, "community");
  struct store_matter m1 = {.key = "noise",
                            .name_zh = "噪音",
                            .kind = "complaint",
                            .departments_json = "[\"police\"]",
                            .sla_accept_minutes = 10,
                            .sla_resolve_minutes = 60,
                            .extra_json = "{\"routes\":[{\"region\":\"d/s/b\",\"departments\":"
                                          "[\"community\"]}],\"escalate_after_minutes\":20}"};
  struct store_matter m2 = {.key = "bar",
                            .name_zh = "酒吧",
                            .kind = "application",
                            .departments_json = "[\"police\",\"fire\"]",
                            .sla_accept_minutes = 60,
                            .sla_resolve_minutes = 600};
  assert_int_equal(store_matter_upsert(s, &m1, NULL, &e), 0);
  assert_int_equal(store_matter_upsert(s, &m2, NULL, &e), 0);
}

/* The store (the world written the first time), its registry and the
 * workflow on the bus the test made, if any. */
static void open_all(int first) {
  struct ts_world_opts o = {.fill = first ? world : NULL, .workflow = 1, .bus = bus};
  ts_world_open(&tw, dir, &o);
  st = tw.st;
  wf = tw.wf;
}

static void close_all(void) {
  ts_world_close(&tw);
  st = NULL;
  wf = NULL;
}

struct got {
  char state[16], department[65], escalated_to[64];
  int supervised, escalated, overdue, rating;
  int64_t duplicate_of, merged_into, parent;
};

static int got_row(void *ud, const struct store_order *o) {
  struct got *g = ud;
  memset(g, 0, sizeof *g);
  zz_strlcpy(g->state, o->state, sizeof g->state);
  zz_strlcpy(g->department, o->department ? o->department : "", sizeof g->department);
  zz_strlcpy(g->escalated_to, o->escalated_to ? o->escalated_to : "", sizeof g->escalated_to);
  g->supervised = o->supervised;
  g->escalated = o->escalated;
  g->overdue = o->overdue;
  g->rating = o->rating;
  g->duplicate_of = o->duplicate_of;
  g->merged_into = o->merged_into;
  g->parent = o->parent;
  return 0;
}

static struct got get(int64_t id) {
  struct got g;
  assert_int_equal(store_order_get(st, id, got_row, &g), 0);
  return g;
}

static const struct wf_actor disp = {"disp", ROLE_DISPATCHER, "", ACTOR_USER};
static const struct wf_actor cop = {"cop", ROLE_OFFICER, "police", ACTOR_USER};
static const struct wf_actor fireman = {"fireman", ROLE_OFFICER, "fire", ACTOR_USER};
static const struct wf_actor grid = {"grid", ROLE_OFFICER, "community", ACTOR_USER};
/* The public and the system hold no role; a role bit given to them by
 * mistake must not count. */
static const struct wf_actor citizen = {"citizen:r1", ROLE_ADMIN, "police", ACTOR_PUBLIC};
static const struct wf_actor sys = {"system", 0, "", ACTOR_SYSTEM};

static int64_t make(const char *matter, const char *region, double lon, double lat) {
  struct wf_create c = {.matter = matter, .region = region, .lon = lon, .lat = lat};
  struct zz_err e = {0};
  int64_t id = 0;
  int rc = workflow_create(wf, &disp, &c, &id, &e);
  if (rc) fprintf(stderr, "create: %s\n", e.msg);
  assert_int_equal(rc, 0);
  return id;
}

static int act(const struct wf_actor *who, int64_t id, const char *action, const char *note) {
  struct zz_err e = {0};
  return workflow_act(wf, who, id, action, NULL, 0, note, &e);
}

struct kid_list {
  int64_t id[8];
  int n;
};

static int kid_row(void *ud, const struct store_order *o) {
  struct kid_list *k = ud;
  if (k->n < 8) k->id[k->n++] = o->id;
  return 0;
}

struct seen {
  int orders;
  char last[4096];
  int64_t rpos;
};

static int seen_event(void *ud, const struct bus_event *ev) {
  struct seen *s = ud;
  if (strcmp(ev->topic, "order") != 0) return 0;
  s->orders++;
  snprintf(s->last, sizeof s->last, "%.*s", (int)ev->len, ev->data);
  s->rpos = ev->rpos;
  return 0;
}

static void test_engine(void **state) {
  (void)state;
  int64_t t0 = zz_time_from_civil(2026, 5, 21, 12, 0, 0);
  zz_time_set_now(t0);
  assert_int_equal(bus_create(0, &bus), 0);
  open_all(1);
  /* routing: the block's route beats the matter's own department */
  int64_t a = make("noise", "d/s/b", 120.0, 30.0);
  int64_t b = make("noise", "d/s/b", 120.0, 30.0003); /* ~33 m */
  int64_t c = make("noise", "d/s", 120.01, 30.0);     /* ~960 m */
  assert_int_equal(get(b).duplicate_of, a);
  /* every change is published for the streams, with the order's region position */
  struct seen sn = {0};
  int gap = 0;
  bus_read(bus, 0, 0, seen_event, &sn, &gap);
  assert_int_equal(sn.orders, 3);
  assert_non_null(strstr(sn.last, "\"action\":\"create\""));
  assert_non_null(strstr(sn.last, "\"matter\":\"noise\""));
  registry_rdlock(tw.reg);
  assert_int_equal(sn.rpos, registry_region(tw.reg, "d/s")->lo);
  registry_unlock(tw.reg);
  assert_int_equal(get(c).duplicate_of, 0);
  assert_int_equal(act(&disp, a, "dispatch", NULL), 0);
  assert_string_equal(get(a).department, "community");
  assert_int_equal(act(&disp, c, "dispatch", NULL), 0);
  assert_string_equal(get(c).department, "police");
  /* permissions: another department, a dispatcher on the officer's side */
  assert_int_equal(act(&cop, a, "accept", NULL), ZZ_EFORBIDDEN);
  assert_int_equal(act(&grid, a, "verify", NULL), ZZ_EFORBIDDEN);
  assert_int_equal(act(&grid, a, "resolve", NULL), ZZ_EINVAL);   /* a note is needed */
  assert_int_equal(act(&grid, a, "resolve", "x"), ZZ_ECONFLICT); /* not accepted yet */
  /* merge b into a */
  struct zz_err e = {0};
  assert_int_equal(workflow_merge(wf, &cop, b, a, NULL, &e), ZZ_EFORBIDDEN);
  assert_int_equal(workflow_merge(wf, &disp, b, a, "same bar", &e), 0);
  assert_string_equal(get(b).state, "merged");
  assert_int_equal(get(b).merged_into, a);
  assert_int_equal(act(&disp, b, "dispatch", NULL), ZZ_ECONFLICT);

  /* SLA: a (community) accept within 10 min; escalation 20 min after supervision */
  zz_time_set_now(t0 + 9 * MIN);
  assert_int_equal(workflow_tick(wf, t0 + 9 * MIN), 0);
  assert_int_equal(act(&cop, c, "accept", NULL), 0); /* c is accepted in time */
  zz_time_set_now(t0 + 11 * MIN);
  assert_int_equal(workflow_tick(wf, t0 + 11 * MIN), 1);
  struct got g = get(a);
  assert_true(g.supervised && g.overdue && !g.escalated);
  assert_false(get(c).overdue);
  /* the store closes with the escalation pending */
  close_all();
  open_all(0);
  assert_int_equal(workflow_tick(wf, t0 + 30 * MIN), 0); /* 19 min after supervision */
  assert_int_equal(workflow_tick(wf, t0 + 31 * MIN), 1);
  g = get(a);
  assert_true(g.escalated);
  assert_string_equal(g.escalated_to, "d/s");
  assert_int_equal(workflow_tick(wf, t0 + 40 * MIN), 0); /* nothing twice */
  /* c's resolve deadline (60 min) passes */
  assert_int_equal(workflow_tick(wf, t0 + 61 * MIN), 1);
  assert_true(get(c).overdue);

  /* the rest of a's life: resolve, verify, close; the reporter of b rates */
  assert_int_equal(act(&grid, a, "accept", NULL), 0);
  assert_int_equal(act(&grid, a, "resolve", "done"), 0);
  assert_int_equal(act(&disp, a, "verify", NULL), 0);
  assert_int_equal(act(&disp, a, "close", NULL), 0);
  assert_int_equal(workflow_rate(wf, &grid, a, 5, NULL, &e), ZZ_EFORBIDDEN);
  assert_int_equal(workflow_rate(wf, &disp, a, 2, "no", &e), 0);
  assert_string_equal(get(a).state, "reopened");
  assert_int_equal(get(a).rating, 2);

  /* applications at one spot are not duplicates of each other */
  int64_t ap1 = make("bar", "d/s/b", 120.0, 30.0), ap2 = make("bar", "d/s/b", 120.0, 30.0);
  assert_int_equal(get(ap2).duplicate_of, 0);
  assert_true(ap1 != ap2);
  /* joint: one sub-order per department, done when all are */
  int64_t j = make("bar", "d/s/b", NAN, NAN);
  assert_int_equal(act(&disp, j, "dispatch", NULL), 0);
  struct kid_list k = {0};
  struct store_order_filter f = {.parent = j};
  store_orders_each(st, &f, kid_row, &k);
  assert_int_equal(k.n, 2);
  int64_t kp = strcmp(get(k.id[0]).department, "police") == 0 ? k.id[0] : k.id[1];
  int64_t kf = kp == k.id[0] ? k.id[1] : k.id[0];
  assert_int_equal(act(&cop, j, "accept", NULL), ZZ_EFORBIDDEN); /* the parent has no department */
  assert_int_equal(act(&fireman, kp, "accept", NULL), ZZ_EFORBIDDEN);
  assert_int_equal(act(&cop, kp, "accept", NULL), 0);
  assert_string_equal(get(j).state, "in_progress");
  assert_int_equal(act(&cop, kp, "resolve", "ok"), 0);
  assert_string_equal(get(j).state, "in_progress");
  assert_int_equal(act(&fireman, kf, "accept", NULL), 0);
  assert_int_equal(act(&fireman, kf, "resolve", "ok"), 0);
  assert_string_equal(get(j).state, "resolved");
  assert_int_equal(act(&disp, j, "verify", NULL), 0);
  assert_int_equal(act(&disp, j, "close", NULL), 0);
  assert_string_equal(get(kp).state, "closed");
  assert_string_equal(get(kf).state, "closed");

  /* evidence: the type comes from the bytes */
  int64_t eid = 0;
  const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0};
  assert_int_equal(act(&disp, c, "supervise", NULL), 0);
  assert_int_equal(workflow_add_evidence(wf, &cop, c, "GIF89a", 6, NULL, &eid, &e), ZZ_EMEDIATYPE);
  assert_int_equal(workflow_add_evidence(wf, &grid, c, png, sizeof png, NULL, &eid, &e),
                   ZZ_EFORBIDDEN);
  assert_int_equal(workflow_add_evidence(wf, &cop, c, png, sizeof png, "photo", &eid, &e), 0);
  assert_true(eid > 0);
  close_all();
  bus_free(bus);
  bus = NULL;
  zz_time_set_now(0);
}

/* ---- the public intake's group commit ---- */

struct intake_seen {
  int64_t order;
  int calls;
};

static int then_ok(void *ud, struct store *s, int64_t order, struct zz_err *e) {
  (void)s, (void)e;
  struct intake_seen *x = ud;
  x->order = order;
  x->calls++;
  return 0;
}

static int then_fail(void *ud, struct store *s, int64_t order, struct zz_err *e) {
  (void)s;
  struct intake_seen *x = ud;
  x->order = order;
  x->calls++;
  return zz_fail(e, ZZ_EEXISTS, "receipt", "that receipt is taken");
}

static int count_row(void *ud, const struct store_order *o) {
  (void)o;
  (*(int *)ud)++;
  return 0;
}

static int count_orders(void) {
  int n = 0;
  struct store_order_filter f = {0};
  assert_int_equal(store_orders_each(st, &f, count_row, &n), 0);
  return n;
}

/* For every order, counts all orders again (the same statement, nested). */
static int count_nested(void *ud, const struct store_order *o) {
  (void)o;
  *(int *)ud += count_orders();
  return 0;
}

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static int done_calls;

static void on_done(void *ud, struct wf_intake *in) {
  (void)ud, (void)in;
  pthread_mutex_lock(&done_lock);
  done_calls++;
  pthread_mutex_unlock(&done_lock);
}

static void test_intake(void **state) {
  (void)state;
  zz_time_set_now(zz_time_from_civil(2026, 5, 22, 12, 0, 0));
  assert_int_equal(bus_create(0, &bus), 0);
  open_all(1);
  int before = count_orders();
  const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0};
  struct zz_err e = {0};
  /* a report whose own row fails leaves nothing behind: no order, no photo */
  struct wf_evidence_file ef;
  assert_int_equal(workflow_evidence_store(wf, 0, png, sizeof png, &ef, &e), 0);
  char path[4300];
  assert_int_equal(workflow_evidence_path(wf, ef.rel, path, sizeof path), 0);
  assert_non_null(strstr(ef.rel, "evidence/new/"));
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fclose(f);
  struct intake_seen bad = {0};
  struct wf_intake in = {
      .who = disp,
      .create = {.matter = "noise", .region = "d/s/b", .lon = 120.5, .lat = 30.5},
      .photo = &ef,
      .then = then_fail,
      .ud = &bad};
  assert_int_equal(workflow_intake(wf, &in), ZZ_EEXISTS);
  assert_string_equal(in.err.field, "receipt");
  assert_int_equal(bad.calls, 1);
  assert_true(bad.order > 0);
  assert_int_equal(count_orders(), before);
  assert_null(fopen(path, "rb"));
  struct seen sn = {0};
  int gap = 0;
  bus_read(bus, 0, 0, seen_event, &sn, &gap);
  assert_int_equal(sn.orders, 0); /* nothing was published for it */
  /* a good one: the order, its photo and the caller's row, then the events */
  struct intake_seen good = {0};
  assert_int_equal(workflow_evidence_store(wf, 0, png, sizeof png, &ef, &e), 0);
  in = (struct wf_intake){
      .who = citizen, /* the public attaches the photo of its own report */
      .create = {.matter = "noise", .region = "d/s/b", .lon = 120.5, .lat = 30.5},
      .photo = &ef,
      .then = then_ok,
      .ud = &good};
  assert_int_equal(workflow_intake(wf, &in), 0);
  assert_int_equal(good.calls, 1);
  assert_int_equal(in.order, good.order);
  assert_int_equal(count_orders(), before + 1);
  assert_string_equal(get(in.order).state, "reported");
  bus_read(bus, 0, 0, seen_event, &sn, &gap);
  assert_int_equal(sn.orders, 2); /* create, then the photo */
  assert_non_null(strstr(sn.last, "\"action\":\"evidence\""));
  /* many at once, queued without waiting: each is done once, and the ones
   * at the same spot point at the first as their likely duplicate */
  enum { N = 40 };
  static struct wf_intake many[N];
  for (int i = 0; i < N; i++) {
    many[i] = (struct wf_intake){
        .who = disp,
        .create = {.matter = "noise", .region = "d/s/b", .lon = 121.0, .lat = 31.0},
        .on_done = on_done};
    assert_int_equal(workflow_intake_submit(wf, &many[i]), 0);
  }
  for (int waited = 0; waited < 500; waited++) {
    pthread_mutex_lock(&done_lock);
    int n = done_calls;
    pthread_mutex_unlock(&done_lock);
    if (n == N) break;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  assert_int_equal(done_calls, N);
  assert_int_equal(count_orders(), before + 1 + N);
  int64_t first = many[0].order;
  for (int i = 0; i < N; i++) {
    assert_int_equal(many[i].rc, 0);
    if (many[i].order < first) first = many[i].order;
  }
  for (int i = 0; i < N; i++)
    assert_int_equal(get(many[i].order).duplicate_of, many[i].order == first ? 0 : first);
  /* a bad report is refused before it queues, and its photo goes */
  assert_int_equal(workflow_evidence_store(wf, 0, png, sizeof png, &ef, &e), 0);
  assert_int_equal(workflow_evidence_path(wf, ef.rel, path, sizeof path), 0);
  in = (struct wf_intake){
      .who = disp, .create = {.matter = "nope", .region = "d/s/b"}, .photo = &ef};
  assert_int_equal(workflow_intake_submit(wf, &in), ZZ_EINVAL);
  assert_string_equal(in.err.field, "matter");
  assert_null(fopen(path, "rb"));
  close_all();
  bus_free(bus);
  bus = NULL;
  zz_time_set_now(0);
}

/* An application (api/applications.c) is made through the intake: its
 * order, then its row with the public number, in one transaction. */
static int application_then(void *ud, struct store *s, int64_t order, struct zz_err *e) {
  struct store_application *a = ud;
  a->order_id = order;
  return store_application_insert(s, a, e);
}

struct app_seen {
  int64_t order;
  int found;
};

static int app_seen_row(void *ud, const struct store_application *a) {
  struct app_seen *x = ud;
  x->order = a->order_id;
  x->found = 1;
  return 0;
}

/* Who acts: the system dispatches and acts like an admin, the public may
 * only rate its own orders, whatever role bit it carries. */
static void test_actor_kinds(void **state) {
  (void)state;
  open_all(1);
  int64_t a = make("noise", "d/s/b", 120.2, 30.2);
  const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0};
  struct zz_err e = {0};
  int64_t eid = 0;
  assert_int_equal(act(&citizen, a, "dispatch", NULL), ZZ_EFORBIDDEN);
  assert_int_equal(workflow_add_evidence(wf, &citizen, a, png, sizeof png, NULL, &eid, &e),
                   ZZ_EFORBIDDEN);
  assert_int_equal(act(&sys, a, "dispatch", NULL), 0);
  assert_string_equal(get(a).state, "dispatched");
  assert_string_equal(get(a).department, "community");
  /* the officer's side too, which only an admin among users may take */
  assert_int_equal(act(&citizen, a, "accept", NULL), ZZ_EFORBIDDEN);
  assert_int_equal(act(&sys, a, "accept", NULL), 0);
  assert_int_equal(workflow_add_evidence(wf, &sys, a, png, sizeof png, "auto", &eid, &e), 0);
  /* a user's role still counts for a user */
  struct wf_actor admin = {"root", ROLE_ADMIN, "", ACTOR_USER};
  assert_int_equal(act(&admin, a, "resolve", "done"), 0);
  close_all();
}

static void test_intake_application(void **state) {
  (void)state;
  open_all(1);
  int before = count_orders();
  const char *number = "0123456789abcdef0123456789abcdef";
  struct store_application a = {.number = number,
                                .applicant_json = "{\"name\":\"a\",\"phone\":\"13800000000\"}",
                                .form_json = "{}",
                                .created = 1};
  struct wf_intake in = {
      .who = disp,
      .create = {.matter = "bar", .region = "d/s", .channel = "online", .lon = NAN, .lat = NAN},
      .then = application_then,
      .ud = &a};
  assert_int_equal(workflow_intake(wf, &in), 0);
  int64_t first = in.order;
  assert_true(first > 0);
  assert_int_equal(count_orders(), before + 1);
  struct app_seen seen = {0};
  assert_int_equal(store_application_get(st, 0, number, app_seen_row, &seen), 0);
  assert_int_equal(seen.order, first);
  /* the number is taken: the row fails, and the order made before it in
   * the same transaction goes with it */
  struct store_application again = a;
  in = (struct wf_intake){
      .who = disp,
      .create = {.matter = "bar", .region = "d/s", .channel = "online", .lon = NAN, .lat = NAN},
      .then = application_then,
      .ud = &again};
  assert_int_equal(workflow_intake(wf, &in), ZZ_EEXISTS);
  assert_string_equal(in.err.field, "application");
  assert_true(again.order_id > first); /* the order existed when the row was tried */
  assert_int_equal(in.order, 0);
  assert_int_equal(count_orders(), before + 1);
  struct got g;
  assert_int_equal(store_order_get(st, again.order_id, got_row, &g), ZZ_ENOTFOUND);
  seen = (struct app_seen){0};
  assert_int_equal(store_application_get(st, again.order_id, NULL, app_seen_row, &seen),
                   ZZ_ENOTFOUND);
  assert_int_equal(seen.found, 0);
  close_all();
}

/* ---- a change with many events ---- */

#define MANY 100

struct action_count {
  const char *action;
  int n;
};

static int count_action(void *ud, const struct store_order_event *ev) {
  struct action_count *x = ud;
  if (strcmp(ev->action, x->action) == 0) x->n++;
  return 0;
}

/* Verifying an order tells every order merged into it, in the same change:
 * MANY merged orders make MANY + 1 events, and every one is kept (past 64
 * they were dropped without a word). */
static void test_many_events(void **state) {
  (void)state;
  open_all(1);
  struct zz_err e = {0};
  int64_t a = make("noise", "d/s", NAN, NAN), ids[MANY];
  for (int i = 0; i < MANY; i++) {
    ids[i] = make("noise", "d/s", NAN, NAN);
    assert_int_equal(workflow_merge(wf, &disp, ids[i], a, NULL, &e), 0);
  }
  assert_int_equal(act(&disp, a, "dispatch", NULL), 0);
  assert_string_equal(get(a).department, "police");
  assert_int_equal(act(&cop, a, "accept", NULL), 0);
  assert_int_equal(act(&cop, a, "resolve", "done"), 0);
  assert_int_equal(act(&disp, a, "verify", NULL), 0);
  for (int i = 0; i < MANY; i++) {
    struct action_count x = {"outcome", 0};
    assert_int_equal(store_order_events_each(st, ids[i], count_action, &x), 0);
    if (x.n != 1) fail_msg("merged order %d of %d heard the outcome %d times", i + 1, MANY, x.n);
    assert_string_equal(get(ids[i]).state, "merged");
  }
  struct action_count v = {"verify", 0};
  assert_int_equal(store_order_events_each(st, a, count_action, &v), 0);
  assert_int_equal(v.n, 1);
  close_all();
}

/* ---- the cap on one change ---- */

static int count_events(int64_t id, const char *action) {
  struct action_count x = {action, 0};
  assert_int_equal(store_order_events_each(st, id, count_action, &x), 0);
  return x.n;
}

/* Verifying an order tells every order merged into it in the same change:
 * WF_CHANGE_MAX_EVENTS merged orders make one event too many, and the
 * verify fails whole with a clear error: the order stays resolved, no
 * merged order hears anything, no verify event is written. */
static void test_change_cap(void **state) {
  (void)state;
  open_all(1);
  struct zz_err e = {0};
  int64_t a = make("noise", "d/s", NAN, NAN), first = 0, last = 0;
  /* the merged orders go straight to the store, in one transaction: the
   * workflow would take 20,000 merges */
  struct store_order o = {.matter = "noise",
                          .title = "dup",
                          .state = "merged",
                          .channel = "api",
                          .region = 2,
                          .rpos = 1,
                          .lon = NAN,
                          .lat = NAN,
                          .created = 1,
                          .updated = 1,
                          .merged_into = a};
  struct store_order_event ev = {.ts = 1, .actor = "t", .action = "merge", .to_state = "merged"};
  assert_int_equal(store_txn(st, STORE_TXN_BEGIN, &e), 0);
  for (int i = 0; i < WF_CHANGE_MAX_EVENTS; i++) {
    assert_int_equal(store_order_insert(st, &o, &ev, 1, &last, &e), 0);
    if (!first) first = last;
  }
  assert_int_equal(store_txn(st, STORE_TXN_COMMIT, &e), 0);
  assert_int_equal(act(&disp, a, "dispatch", NULL), 0);
  assert_int_equal(act(&cop, a, "accept", NULL), 0);
  assert_int_equal(act(&cop, a, "resolve", "done"), 0);
  assert_int_equal(workflow_act(wf, &disp, a, "verify", NULL, 0, NULL, &e), ZZ_ETOOBIG);
  assert_string_equal(e.field, "order");
  assert_non_null(strstr(e.msg, "more than 20000"));
  assert_non_null(strstr(e.msg, "nothing of it was written"));
  assert_string_equal(get(a).state, "resolved");
  assert_int_equal(count_events(a, "verify"), 0);
  assert_int_equal(count_events(first, "outcome"), 0);
  assert_int_equal(count_events(last, "outcome"), 0);
  close_all();
}

/* The change's containers directly (workflow_int.h): WF_CHANGE_MAX_EVENTS
 * events commit; one more fails the commit with ZZ_ETOOBIG and writes
 * nothing; so does one order more than WF_CHANGE_MAX_EVENTS. */
static void test_change_cap_internals(void **state) {
  (void)state;
  open_all(1);
  struct zz_err e = {0};
  int64_t id = make("noise", "d/s", NAN, NAN);
  struct wf_order *w = zz_calloc(1, sizeof *w);
  struct wf_change *c = zz_calloc(1, sizeof *c);
  assert_non_null(w);
  assert_non_null(c);
  assert_int_equal(wf_order_load(wf, id, w, &e), 0);
  for (int i = 0; i < WF_CHANGE_MAX_EVENTS; i++) wf_step(c, w, "t", "note", NULL, "n", 2);
  assert_int_equal(c->rc, 0);
  assert_int_equal(c->nev, WF_CHANGE_MAX_EVENTS);
  assert_int_equal(wf_commit(wf, c, &e), 0);
  assert_int_equal(count_events(id, "note"), WF_CHANGE_MAX_EVENTS);
  wf_change_reset(c);
  assert_int_equal(wf_order_load(wf, id, w, &e), 0);
  for (int i = 0; i <= WF_CHANGE_MAX_EVENTS; i++) wf_step(c, w, "t", "note", NULL, "n", 3);
  assert_int_equal(c->rc, ZZ_ETOOBIG);
  assert_int_equal(c->nev, WF_CHANGE_MAX_EVENTS); /* the one past the cap is not kept */
  assert_int_equal(wf_commit(wf, c, &e), ZZ_ETOOBIG);
  assert_non_null(strstr(e.msg, "more than 20000"));
  assert_int_equal(count_events(id, "note"), WF_CHANGE_MAX_EVENTS);
  assert_string_equal(get(id).state, "reported");
  /* orders: one more than the cap, each touched once */
  wf_change_reset(c);
  struct wf_order *many = zz_calloc(WF_CHANGE_MAX_EVENTS + 1, sizeof *many);
  assert_non_null(many);
  for (int i = 0; i <= WF_CHANGE_MAX_EVENTS; i++) wf_touch(c, &many[i], "touch");
  assert_int_equal(c->rc, ZZ_ETOOBIG);
  assert_int_equal(c->n, WF_CHANGE_MAX_EVENTS);
  assert_int_equal(wf_commit(wf, c, &e), ZZ_ETOOBIG);
  zz_free(many);
  zz_free(w);
  wf_change_free(c);
  close_all();
}

/* Transactions nest: an inner one is a savepoint that fails alone. */
static void test_nested(void **state) {
  (void)state;
  open_all(1);
  int before = count_orders();
  struct zz_err e = {0};
  struct store_order o = {.matter = "noise",
                          .title = "t",
                          .state = "reported",
                          .channel = "api",
                          .region = 1,
                          .rpos = 1,
                          .lon = NAN,
                          .lat = NAN,
                          .created = 1,
                          .updated = 1};
  struct store_order_event ev = {.ts = 1, .actor = "t", .action = "create", .to_state = "reported"};
  int64_t id1 = 0, id2 = 0, id3 = 0;
  assert_int_equal(store_txn(st, STORE_TXN_BEGIN, &e), 0);
  assert_int_equal(store_txn(st, STORE_TXN_BEGIN, &e), 0); /* a savepoint */
  assert_int_equal(store_order_insert(st, &o, &ev, 1, &id1, &e), 0);
  assert_int_equal(store_txn(st, STORE_TXN_ROLLBACK, &e), 0); /* undoes id1 only */
  assert_int_equal(store_order_insert(st, &o, &ev, 1, &id2, &e), 0);
  assert_int_equal(store_txn(st, STORE_TXN_COMMIT, &e), 0);
  assert_int_equal(count_orders(), before + 1);
  struct got g;
  assert_int_equal(store_order_get(st, id2, got_row, &g), 0);
  /* the whole of an outer transaction goes with its rollback */
  assert_int_equal(store_txn(st, STORE_TXN_BEGIN, &e), 0);
  assert_int_equal(store_order_insert(st, &o, &ev, 1, &id3, &e), 0);
  assert_int_equal(store_txn(st, STORE_TXN_ROLLBACK, &e), 0);
  assert_int_equal(count_orders(), before + 1);
  /* and the statements the store keeps prepared serve a query run inside
   * another's rows (orders_each within orders_each) */
  int outer = 0;
  struct store_order_filter f = {0};
  assert_int_equal(store_orders_each(st, &f, count_nested, &outer), 0);
  assert_int_equal(outer, (before + 1) * (before + 1));
  close_all();
}

/* The timestamps of order id's timeline, in order (at most 16). */
struct stamps {
  int64_t ts[16];
  int n;
};

static int stamp_row(void *ud, const struct store_order_event *ev) {
  struct stamps *s = ud;
  if (s->n < 16) s->ts[s->n++] = ev->ts;
  return 0;
}

/* A history told after the fact (workflow_act_at, wf_create.at): an order
 * created, dispatched, handled and closed days ago carries those times in its
 * timeline and fields; a time in the future or before the order's last
 * change is refused and changes nothing; a past order sets off no SLA. */
static void test_past(void **state) {
  (void)state;
  int64_t now = zz_time_from_civil(2026, 6, 1, 12, 0, 0), t = now - 100 * 1440 * MIN;
  zz_time_set_now(now);
  open_all(0);
  struct zz_err e = {0};
  struct wf_create c = {
      .matter = "noise", .region = "d/s", .lon = 120.2, .lat = 30.2, .at = now + MIN};
  int64_t id = 0;
  assert_int_equal(workflow_create(wf, &sys, &c, &id, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "at");
  c.at = t;
  assert_int_equal(workflow_create(wf, &sys, &c, &id, &e), 0);
  assert_int_equal(workflow_act_at(wf, &disp, id, "dispatch", NULL, 0, NULL, t + 10 * MIN, &e), 0);
  /* before its last change, after now, no time: refused, nothing written */
  assert_int_equal(workflow_act_at(wf, &cop, id, "accept", NULL, 0, NULL, t + 5 * MIN, &e),
                   ZZ_EINVAL);
  assert_string_equal(e.field, "at");
  assert_int_equal(workflow_act_at(wf, &cop, id, "accept", NULL, 0, NULL, now + MIN, &e),
                   ZZ_EINVAL);
  assert_int_equal(workflow_act_at(wf, &cop, id, "accept", NULL, 0, NULL, 0, &e), ZZ_EINVAL);
  assert_string_equal(get(id).state, "dispatched");
  /* the same checks as now: another department may not accept it */
  assert_int_equal(workflow_act_at(wf, &grid, id, "accept", NULL, 0, NULL, t + 20 * MIN, &e),
                   ZZ_EFORBIDDEN);
  assert_int_equal(workflow_act_at(wf, &cop, id, "accept", NULL, 0, NULL, t + 20 * MIN, &e), 0);
  assert_int_equal(
      workflow_act_at(wf, &cop, id, "resolve", NULL, 0, "patrolled", t + 20 * 60 * MIN, &e), 0);
  assert_int_equal(workflow_act_at(wf, &disp, id, "verify", NULL, 0, NULL, t + 26 * 60 * MIN, &e),
                   0);
  assert_int_equal(workflow_act_at(wf, &disp, id, "close", NULL, 0, NULL, t + 48 * 60 * MIN, &e),
                   0);
  assert_string_equal(get(id).state, "closed");
  struct stamps sp = {0};
  assert_int_equal(store_order_events_each(st, id, stamp_row, &sp), 0);
  assert_int_equal(sp.n, 6);
  const int64_t want[] = {
      t, t + 10 * MIN, t + 20 * MIN, t + 20 * 60 * MIN, t + 26 * 60 * MIN, t + 48 * 60 * MIN};
  for (int i = 0; i < 6; i++) assert_int_equal(sp.ts[i], want[i]);
  /* its deadlines passed long ago, but it is closed: the timers leave it */
  workflow_tick(wf, now); /* the other tests' open orders may be due */
  assert_false(get(id).overdue);
  assert_false(get(id).supervised);
  close_all();
  zz_time_set_now(0);
}

int main(void) {
  if (ts_dir_make(dir, sizeof dir, "workflow")) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_engine),
      cmocka_unit_test(test_intake),
      cmocka_unit_test(test_actor_kinds),
      cmocka_unit_test(test_intake_application),
      cmocka_unit_test(test_nested),
      cmocka_unit_test(test_many_events),
      cmocka_unit_test(test_change_cap),
      cmocka_unit_test(test_change_cap_internals),
      cmocka_unit_test(test_past),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (ts_dir_remove(dir)) rc = rc ? rc : 1;
  return rc;
}
