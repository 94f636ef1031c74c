/* test_route.c - src/http/route_match.c: how the server picks a route for a
 * method and a path: exact segments, ":name" captures, a trailing "*",
 * methods (HEAD served by GET), 404 against 405, trailing slashes, and
 * percent-encoding (libmicrohttpd decodes the path before the router sees
 * it; the matcher itself decodes nothing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/zz.h"
#include "http/http.h"
#include "http/route_match.h"

/* One match attempt with its captures, freed by drop(). */
struct caught {
  char names[HTTP_MAX_PARAMS][HTTP_PARAM_NAME];
  char *vals[HTTP_MAX_PARAMS];
  int n;
};

static void drop(struct caught *c) {
  for (int i = 0; i < c->n; i++) zz_free(c->vals[i]);
  c->n = 0;
}

static int try_match(const char *pattern, const char *url, struct caught *c) {
  drop(c);
  return http_route_match(pattern, url, c->names, c->vals, &c->n);
}

static const char *val(const struct caught *c, const char *name) {
  for (int i = 0; i < c->n; i++)
    if (strcmp(c->names[i], name) == 0) return c->vals[i];
  return NULL;
}

static void test_exact_paths(void **state) {
  (void)state;
  struct caught c = {0};
  assert_true(try_match("/api/v1/regions", "/api/v1/regions", &c));
  assert_int_equal(c.n, 0);
  assert_true(try_match("/", "/", &c));
  assert_false(try_match("/api/v1/regions", "/api/v1/region", &c));
  assert_false(try_match("/api/v1/regions", "/api/v1/regionsx", &c));
  assert_false(try_match("/api/v1/regions", "/api/v1", &c));
  assert_false(try_match("/api/v1/regions", "/API/v1/regions", &c)); /* case counts */
  assert_false(try_match("/api/v1/regions", "", &c));
  assert_false(try_match("", "/", &c));
  drop(&c);
}

static void test_params(void **state) {
  (void)state;
  struct caught c = {0};
  assert_true(try_match("/api/v1/orders/:id/rate", "/api/v1/orders/42/rate", &c));
  assert_int_equal(c.n, 1);
  assert_string_equal(c.names[0], "id");
  assert_string_equal(val(&c, "id"), "42");
  /* several, and a capture at the very end */
  assert_true(try_match("/api/public/applications/:number/materials/:material",
                        "/api/public/applications/ab12/materials/licence", &c));
  assert_int_equal(c.n, 2);
  assert_string_equal(val(&c, "number"), "ab12");
  assert_string_equal(val(&c, "material"), "licence");
  /* a capture takes one whole segment, never an empty one */
  assert_false(try_match("/api/v1/orders/:id/rate", "/api/v1/orders//rate", &c));
  assert_false(try_match("/api/v1/orders/:id", "/api/v1/orders/", &c));
  assert_false(try_match("/api/v1/orders/:id", "/api/v1/orders", &c));
  assert_false(try_match("/api/v1/orders/:id", "/api/v1/orders/4/2", &c));
  assert_false(try_match("/api/v1/orders/:id/rate", "/api/v1/orders/42/rated", &c));
  /* any bytes but '/' are a segment: dots, spaces, UTF-8, '%' */
  assert_true(try_match("/m/c/:token", "/m/c/a.b c%41", &c));
  assert_string_equal(val(&c, "token"), "a.b c%41");
  assert_true(try_match("/api/v1/regions/:path", "/api/v1/regions/拱墅", &c));
  assert_string_equal(val(&c, "path"), "拱墅");
  /* a long name is cut to the slot, the value is whole */
  char pat[128], url[1200];
  snprintf(pat, sizeof pat, "/x/:%s", "a_parameter_name_longer_than_thirty_one_bytes");
  memset(url, 'v', sizeof url - 1);
  url[0] = '/', url[1] = 'x', url[2] = '/';
  url[sizeof url - 1] = 0;
  assert_true(try_match(pat, url, &c));
  assert_int_equal(strlen(c.names[0]), HTTP_PARAM_NAME - 1);
  assert_int_equal(strlen(c.vals[0]), sizeof url - 4);
  drop(&c);
}

/* At most HTTP_MAX_PARAMS captures: a pattern with more never matches. */
static void test_param_limit(void **state) {
  (void)state;
  struct caught c = {0};
  char pat[256] = "", url[256] = "";
  for (int i = 0; i < HTTP_MAX_PARAMS; i++) {
    size_t pl = strlen(pat), ul = strlen(url);
    snprintf(pat + pl, sizeof pat - pl, "/:p%d", i);
    snprintf(url + ul, sizeof url - ul, "/%d", i);
  }
  assert_true(try_match(pat, url, &c));
  assert_int_equal(c.n, HTTP_MAX_PARAMS);
  assert_string_equal(val(&c, "p7"), "7");
  size_t pl = strlen(pat), ul = strlen(url);
  snprintf(pat + pl, sizeof pat - pl, "/:extra");
  snprintf(url + ul, sizeof url - ul, "/x");
  assert_false(try_match(pat, url, &c));
  drop(&c);
}

static void test_star(void **state) {
  (void)state;
  struct caught c = {0};
  assert_true(try_match("/static/*", "/static/css/a.css", &c));
  assert_string_equal(val(&c, "*"), "css/a.css");
  assert_true(try_match("/static/*", "/static/", &c));
  assert_string_equal(val(&c, "*"), "");
  assert_false(try_match("/static/*", "/static", &c));
  assert_false(try_match("/static/*", "/statics/a", &c));
  assert_true(try_match("/api/v1/files/:id/*", "/api/v1/files/7/a/b", &c));
  assert_string_equal(val(&c, "id"), "7");
  assert_string_equal(val(&c, "*"), "a/b");
  drop(&c);
}

/* Routes are strict about the final slash: "/x/" is not "/x". */
static void test_trailing_slash(void **state) {
  (void)state;
  struct caught c = {0};
  assert_false(try_match("/api/v1/orders", "/api/v1/orders/", &c));
  assert_false(try_match("/api/v1/orders/", "/api/v1/orders", &c));
  assert_true(try_match("/api/v1/orders/", "/api/v1/orders/", &c));
  assert_false(try_match("/api/v1/orders/:id", "/api/v1/orders/3/", &c));
  drop(&c);
}

/* The server hands the router the path libmicrohttpd has already
 * percent-decoded, so "%2F" arrives as '/' and ends a segment; the matcher
 * decodes nothing more (a literal "%41" that reaches it stays as it is, so
 * nothing is decoded twice). tests/integration/robustness.test.mjs sends
 * encoded paths to the real server. */
static void test_percent_encoding(void **state) {
  (void)state;
  struct caught c = {0};
  assert_true(try_match("/api/v1/entities/:id", "/api/v1/entities/a%2Fb", &c));
  assert_string_equal(val(&c, "id"), "a%2Fb");
  /* what MHD makes of "/api/v1/entities/a%2Fb": two segments, no match */
  assert_false(try_match("/api/v1/entities/:id", "/api/v1/entities/a/b", &c));
  assert_false(try_match("/api/v1/regions", "/api/v1/%72egions", &c));
  drop(&c);
}

static int h_ok(struct http_req *r) {
  (void)r;
  return 0;
}

static const struct http_route routes[] = {
    {"GET", "/api/v1/orders", h_ok, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/orders", h_ok, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/orders/stats", h_ok, NULL, HTTP_AUTH_USER, 0, 0},
    {"GET", "/api/v1/orders/:id", h_ok, NULL, HTTP_AUTH_USER, 0, 0},
    {"POST", "/api/v1/orders/:id/act", h_ok, NULL, HTTP_AUTH_USER, 0, 0},
    {"PUT", "/api/public/x/:n", h_ok, NULL, HTTP_AUTH_NONE, 0, 0},
};

static const struct http_route *find(const char *method, const char *url, struct caught *c,
                                     int *path_matched) {
  drop(c);
  return http_route_find(routes, ZZ_ARRAY_LEN(routes), method, url, c->names, c->vals, &c->n,
                         path_matched);
}

static void test_methods_404_405(void **state) {
  (void)state;
  struct caught c = {0};
  int pm = -1;
  assert_ptr_equal(find("GET", "/api/v1/orders", &c, &pm), &routes[0]);
  assert_int_equal(pm, 1);
  assert_ptr_equal(find("POST", "/api/v1/orders", &c, &pm), &routes[1]);
  /* the first route that matches wins: "stats" is not an id */
  assert_ptr_equal(find("GET", "/api/v1/orders/stats", &c, &pm), &routes[2]);
  assert_int_equal(c.n, 0);
  assert_ptr_equal(find("GET", "/api/v1/orders/17", &c, &pm), &routes[3]);
  assert_string_equal(val(&c, "id"), "17");
  /* HEAD is answered by the GET route */
  assert_ptr_equal(find("HEAD", "/api/v1/orders/17", &c, &pm), &routes[3]);
  assert_string_equal(val(&c, "id"), "17");
  /* a path some route has, with another method: 405, no captures left */
  assert_null(find("DELETE", "/api/v1/orders/17", &c, &pm));
  assert_int_equal(pm, 1);
  assert_int_equal(c.n, 0);
  assert_null(find("GET", "/api/v1/orders/17/act", &c, &pm));
  assert_int_equal(pm, 1);
  assert_null(find("HEAD", "/api/public/x/1", &c, &pm)); /* HEAD only stands in for GET */
  assert_int_equal(pm, 1);
  assert_null(find("get", "/api/v1/orders", &c, &pm)); /* methods are case-sensitive */
  assert_int_equal(pm, 1);
  /* no route has the path: 404 */
  assert_null(find("GET", "/api/v1/nothing", &c, &pm));
  assert_int_equal(pm, 0);
  assert_null(find("GET", "/api/v1/orders/17/", &c, &pm));
  assert_int_equal(pm, 0);
  assert_null(find("POST", "/api/v1/orders//act", &c, &pm));
  assert_int_equal(pm, 0);
  assert_int_equal(c.n, 0);
  /* a route found after a failed one keeps only its own captures */
  assert_ptr_equal(find("POST", "/api/v1/orders/9/act", &c, &pm), &routes[4]);
  assert_int_equal(c.n, 1);
  assert_string_equal(val(&c, "id"), "9");
  drop(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_paths),     cmocka_unit_test(test_params),
      cmocka_unit_test(test_param_limit),     cmocka_unit_test(test_star),
      cmocka_unit_test(test_trailing_slash),  cmocka_unit_test(test_percent_encoding),
      cmocka_unit_test(test_methods_404_405),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
