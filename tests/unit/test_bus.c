/* test_bus.c - unit tests for src/core/bus.c: ids in order, reading after an
 * id, the ring forgetting the oldest (a gap for a reader left behind),
 * limits, wakes until unsubscribe, and allocation failure becoming a gap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/bus.h"
#include "core/zz.h"

struct seen {
  uint64_t ids[64];
  char data[64][16];
  int n;
};

static int collect(void *ud, const struct bus_event *ev) {
  struct seen *s = ud;
  s->ids[s->n] = ev->id;
  snprintf(s->data[s->n], sizeof s->data[0], "%.*s", (int)ev->len, ev->data);
  s->n++;
  return 0;
}

static void pub(struct bus *b, int i) {
  char d[16];
  int n = snprintf(d, sizeof d, "{\"i\":%d}", i);
  assert_int_equal(bus_publish(b, "tick", 0, d, (size_t)n), (uint64_t)i);
}

static void test_read_after(void **state) {
  (void)state;
  struct bus *b;
  assert_int_equal(bus_create(8, &b), 0);
  assert_int_equal(bus_last_id(b), 0);
  for (int i = 1; i <= 5; i++) pub(b, i);
  struct seen s = {0};
  int gap = -1;
  assert_int_equal(bus_read(b, 2, 0, collect, &s, &gap), 5);
  assert_int_equal(gap, 0);
  assert_int_equal(s.n, 3);
  assert_int_equal(s.ids[0], 3);
  assert_string_equal(s.data[2], "{\"i\":5}");
  /* nothing new: the id stays */
  memset(&s, 0, sizeof s);
  assert_int_equal(bus_read(b, 5, 0, collect, &s, &gap), 5);
  assert_int_equal(s.n, 0);
  /* an id from the future gives nothing and no gap */
  assert_int_equal(bus_read(b, 99, 0, collect, &s, &gap), 5);
  assert_int_equal(gap, 0);
  /* max */
  assert_int_equal(bus_read(b, 0, 2, collect, &s, &gap), 2);
  assert_int_equal(s.n, 2);
  bus_free(b);
}

static void test_ring_forgets_oldest(void **state) {
  (void)state;
  struct bus *b;
  assert_int_equal(bus_create(4, &b), 0);
  for (int i = 1; i <= 10; i++) pub(b, i);
  struct seen s = {0};
  int gap = 0;
  assert_int_equal(bus_read(b, 3, 0, collect, &s, &gap), 10);
  assert_int_equal(gap, 1);
  assert_int_equal(s.n, 4);
  assert_int_equal(s.ids[0], 7);
  memset(&s, 0, sizeof s);
  assert_int_equal(bus_read(b, 6, 0, collect, &s, &gap), 10);
  assert_int_equal(gap, 0);
  assert_int_equal(s.n, 4);
  bus_free(b);
}

static void wake_count(void *ud) {
  (*(int *)ud)++;
}

static void test_wakes_until_unsubscribed(void **state) {
  (void)state;
  struct bus *b;
  assert_int_equal(bus_create(0, &b), 0);
  int n1 = 0, n2 = 0;
  struct bus_sub *s1, *s2;
  assert_int_equal(bus_subscribe(b, wake_count, &n1, &s1), 0);
  assert_int_equal(bus_subscribe(b, wake_count, &n2, &s2), 0);
  pub(b, 1);
  bus_poke(b);
  assert_int_equal(n1, 2);
  assert_int_equal(n2, 2);
  bus_unsubscribe(b, s1);
  pub(b, 2);
  assert_int_equal(n1, 2);
  assert_int_equal(n2, 3);
  bus_unsubscribe(b, s2);
  bus_free(b);
}

static void test_out_of_memory_is_a_gap(void **state) {
  (void)state;
  struct bus *b;
  assert_int_equal(bus_create(16, &b), 0);
  pub(b, 1);
  zz_alloc_fail_after(1);
  assert_int_equal(bus_publish(b, "tick", 0, "{}", 2), 0);
  zz_alloc_fail_after(0);
  pub(b, 3);
  struct seen s = {0};
  int gap = 0;
  assert_int_equal(bus_read(b, 1, 0, collect, &s, &gap), 3);
  assert_int_equal(gap, 1);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.ids[0], 3);
  /* a reader already past the lost event sees no gap */
  assert_int_equal(bus_read(b, 2, 0, collect, &s, &gap), 3);
  assert_int_equal(gap, 0);
  bus_free(b);
}

/* An event's audience travels with it, and a ring slot reused by an event
 * without one reads NULL (the stream's authorization rule reads it). */
struct aud_seen {
  char aud[4][32];
  int null[4], n;
};

static int collect_audience(void *ud, const struct bus_event *ev) {
  struct aud_seen *s = ud;
  s->null[s->n] = ev->audience == NULL;
  snprintf(s->aud[s->n], sizeof s->aud[0], "%s", ev->audience ? ev->audience : "");
  s->n++;
  return 0;
}

static void test_audience(void **state) {
  (void)state;
  struct bus *b;
  assert_int_equal(bus_create(2, &b), 0);
  assert_int_equal(bus_publish_to(b, "order", 5, "|urban_mgmt|", "{}", 2), 1);
  assert_int_equal(bus_publish(b, "tick", 0, "{\"a\":1}", 7), 2);
  assert_int_equal(bus_publish_to(b, "order", 5, "|", "{}", 2), 3); /* reuses slot 1 */
  struct aud_seen s = {0};
  int gap = 0;
  bus_read(b, 1, 0, collect_audience, &s, &gap);
  assert_int_equal(s.n, 2);
  assert_true(s.null[0]); /* the tick has none */
  assert_false(s.null[1]);
  assert_string_equal(s.aud[1], "|");
  bus_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_after),
      cmocka_unit_test(test_ring_forgets_oldest),
      cmocka_unit_test(test_wakes_until_unsubscribed),
      cmocka_unit_test(test_out_of_memory_is_a_gap),
      cmocka_unit_test(test_audience),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
