/* test_open311_feed.c - the pieces of Open311 that need no server: the
 * multipart field collector (o311_form_piece/finish: values in pieces,
 * the media file, the caps) and the update feed's store query
 * (store_order_state_events_between: changes of state only, in the
 * window, oldest first, the limit). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/open311_int.h"
#include "store/store.h"
#include "store/store_orders.h"
#include "support.h"

static char dir[64];

static void test_form_pieces(void **state) {
  (void)state;
  struct o311_form f = {0};
  struct zz_err e = {0};
  /* a value handed over in three pieces is one value */
  assert_int_equal(o311_form_piece(&f, "description", 0, "康桥", 0, strlen("康桥"), &e), 0);
  assert_int_equal(o311_form_piece(&f, "description", 0, "路口", 6, strlen("路口"), &e), 0);
  assert_int_equal(o311_form_piece(&f, "description", 0, "!", 12, 1, &e), 0);
  assert_int_equal(o311_form_piece(&f, "lat", 0, "30.34", 0, 5, &e), 0);
  /* a repeated field starts anew (offset 0): the first value wins in get */
  assert_int_equal(o311_form_piece(&f, "lat", 0, "1", 0, 1, &e), 0);
  assert_int_equal(o311_form_finish(&f, &e), 0);
  assert_string_equal(o311_form_get(&f, "description"), "康桥路口!");
  assert_string_equal(o311_form_get(&f, "lat"), "30.34");
  assert_int_equal(f.n, 3);
  /* the media file, in pieces too */
  assert_int_equal(o311_form_piece(&f, "media", 1, "\x89PN", 0, 3, &e), 0);
  assert_int_equal(o311_form_piece(&f, "media", 1, "G", 3, 1, &e), 0);
  assert_int_equal(f.media_n, 4);
  assert_memory_equal(f.media, "\x89PNG", 4);
  /* another file part, a second media file: refused with the field named */
  assert_int_equal(o311_form_piece(&f, "photo", 1, "x", 0, 1, &e), ZZ_EINVAL);
  assert_string_equal(e.field, "photo");
  assert_int_equal(o311_form_piece(&f, "media", 1, "x", 0, 1, &e), ZZ_EINVAL);
  o311_form_free(&f);

  /* the caps: a field's bytes, the media's bytes, the number of fields */
  static char big[O311_FORM_FIELD + 1];
  memset(big, 'a', sizeof big);
  assert_int_equal(o311_form_piece(&f, "d", 0, big, 0, O311_FORM_FIELD, &e), 0);
  assert_int_equal(o311_form_piece(&f, "d", 0, "b", O311_FORM_FIELD, 1, &e), ZZ_EINVAL);
  o311_form_free(&f);
  assert_int_equal(o311_form_piece(&f, "media", 1, big, 0, 1, &e), 0);
  f.media_n = O311_MEDIA_MAX; /* as if the file had reached the cap */
  assert_int_equal(o311_form_piece(&f, "media", 1, "x", O311_MEDIA_MAX, 1, &e), ZZ_ETOOBIG);
  o311_form_free(&f);
  for (int i = 0; i < O311_FORM_PAIRS; i++)
    assert_int_equal(o311_form_piece(&f, "k", 0, "v", 0, 1, &e), 0);
  assert_int_equal(o311_form_piece(&f, "k", 0, "v", 0, 1, &e), ZZ_EINVAL);
  o311_form_free(&f);

  /* finish: a NUL or bad UTF-8 in a value is refused */
  assert_int_equal(o311_form_piece(&f, "a", 0, "x\0y", 0, 3, &e), 0);
  assert_int_equal(o311_form_finish(&f, &e), ZZ_EINVAL);
  o311_form_free(&f);
  assert_int_equal(o311_form_piece(&f, "a", 0, "\xc3(", 0, 2, &e), 0);
  assert_int_equal(o311_form_finish(&f, &e), ZZ_EINVAL);
  o311_form_free(&f);
}

struct seen {
  int64_t ids[16], ts[16];
  char to[16][16];
  int n;
  int stop_after; /* 0: never */
};

static int seen_row(void *ud, const struct store_order_event *ev) {
  struct seen *s = ud;
  s->ids[s->n] = ev->order_id;
  s->ts[s->n] = ev->ts;
  snprintf(s->to[s->n], sizeof s->to[0], "%s", ev->to_state);
  s->n++;
  return s->stop_after && s->n >= s->stop_after;
}

static void test_state_events_between(void **state) {
  (void)state;
  struct store *st = ts_store_open(dir, NULL);
  struct zz_err e = {0};
  struct store_order o = {.matter = "m",
                          .title = "t",
                          .state = "reported",
                          .channel = "open311",
                          .region = 1,
                          .rpos = 1,
                          .lon = NAN,
                          .lat = NAN,
                          .created = 1000,
                          .updated = 1000};
  /* the creation (no from_state), a note without a change, two changes,
   * one outside the window; inserted out of time order */
  const struct store_order_event evs[] = {
      {.ts = 1000, .actor = "p", .action = "create", .to_state = "reported"},
      {.ts = 3000,
       .actor = "a",
       .action = "accept",
       .from_state = "dispatched",
       .to_state = "accepted"},
      {.ts = 2000,
       .actor = "a",
       .action = "dispatch",
       .from_state = "reported",
       .to_state = "dispatched",
       .note = "internal"},
      {.ts = 2500,
       .actor = "a",
       .action = "note",
       .from_state = "dispatched",
       .to_state = "dispatched",
       .note = "a remark"},
      {.ts = 9000,
       .actor = "a",
       .action = "resolve",
       .from_state = "accepted",
       .to_state = "resolved",
       .note = "fixed"},
  };
  int64_t id = 0;
  assert_int_equal(store_order_insert(st, &o, evs, ZZ_ARRAY_LEN(evs), &id, &e), 0);
  struct seen s = {0};
  assert_int_equal(store_order_state_events_between(st, 1000, 9000, 100, seen_row, &s), 0);
  assert_int_equal(s.n, 2);
  assert_int_equal(s.ts[0], 2000);
  assert_string_equal(s.to[0], "dispatched");
  assert_int_equal(s.ts[1], 3000);
  assert_string_equal(s.to[1], "accepted");
  assert_int_equal(s.ids[0], id);
  /* the window is [from, to): 9000 is in the next one */
  memset(&s, 0, sizeof s);
  assert_int_equal(store_order_state_events_between(st, 9000, 9001, 100, seen_row, &s), 0);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.to[0], "resolved");
  /* the limit, and fn stopping early */
  memset(&s, 0, sizeof s);
  assert_int_equal(store_order_state_events_between(st, 0, 10000, 2, seen_row, &s), 0);
  assert_int_equal(s.n, 2);
  memset(&s, 0, sizeof s);
  s.stop_after = 1;
  assert_int_equal(store_order_state_events_between(st, 0, 10000, 100, seen_row, &s), 0);
  assert_int_equal(s.n, 1);
  store_close(st);
}

int main(void) {
  if (ts_dir_make(dir, sizeof dir, "open311_feed")) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_form_pieces),
      cmocka_unit_test(test_state_events_between),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (ts_dir_remove(dir)) rc = rc ? rc : 1;
  return rc;
}
