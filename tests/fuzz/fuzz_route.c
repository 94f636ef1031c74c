/* fuzz_route.c - libFuzzer target for the route matcher (http/route_match.h).
 * The first byte picks the mode: even, the rest is a url matched against
 * every pattern of the API's route table; odd, the rest is "PATTERN\nURL"
 * (any pattern, so a pattern with more captures than fit is tried too).
 * Whatever matches, the captures fit, ":name" captures are non-empty and
 * hold no '/', and putting them back into the pattern gives the url. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/zz.h"
#include "http/http.h"
#include "http/route_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *pattern, const char *url) {
  char names[HTTP_MAX_PARAMS][HTTP_PARAM_NAME];
  char *vals[HTTP_MAX_PARAMS];
  int n = 0;
  int ok = http_route_match(pattern, url, names, vals, &n);
  ZZ_ASSERT(n >= 0 && n <= HTTP_MAX_PARAMS);
  if (ok) {
    /* rebuild the url from the pattern and the captures */
    size_t cap = strlen(pattern) + strlen(url) + 1;
    char *back = zz_xcalloc(1, cap + 1);
    size_t len = 0;
    int k = 0;
    for (const char *p = pattern; *p;) {
      if (*p == '*') {
        ZZ_ASSERT(k < n && strcmp(names[k], "*") == 0);
        size_t vl = strlen(vals[k]);
        ZZ_ASSERT(len + vl <= cap);
        memcpy(back + len, vals[k++], vl);
        len += vl;
        break;
      }
      if (*p == ':') {
        ZZ_ASSERT(k < n);
        ZZ_ASSERT(vals[k][0] && !strchr(vals[k], '/'));
        size_t vl = strlen(vals[k]);
        ZZ_ASSERT(len + vl <= cap);
        memcpy(back + len, vals[k++], vl);
        len += vl;
        while (*p && *p != '/') p++;
        continue;
      }
      ZZ_ASSERT(len < cap);
      back[len++] = *p++;
    }
    back[len] = 0;
    ZZ_ASSERT(k == n);
    ZZ_ASSERT(strcmp(back, url) == 0);
    free(back);
  }
  for (int i = 0; i < n; i++) zz_free(vals[i]);
}

static const struct {
  const struct http_route *r;
  const size_t *n;
} tables[] = {{api_auth_routes, &api_auth_nroutes},
              {api_registry_routes, &api_registry_nroutes},
              {api_ingest_routes, &api_ingest_nroutes},
              {api_query_routes, &api_query_nroutes},
              {api_stream_routes, &api_stream_nroutes},
              {api_cockpit_routes, &api_cockpit_nroutes},
              {api_alerts_routes, &api_alerts_nroutes},
              {api_orders_routes, &api_orders_nroutes},
              {api_rules_routes, &api_rules_nroutes},
              {api_codes_admin_routes, &api_codes_admin_nroutes},
              {api_codes_public_routes, &api_codes_public_nroutes},
              {api_receipts_routes, &api_receipts_nroutes},
              {api_pages_routes, &api_pages_nroutes},
              {api_catalog_routes, &api_catalog_nroutes},
              {api_open311_routes, &api_open311_nroutes},
              {api_applications_routes, &api_applications_nroutes}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  char *s = zz_xstrdup_n((const char *)data + 1, size - 1); /* stops at a NUL, as a C url does */
  if ((data[0] & 1) == 0) {
    for (size_t t = 0; t < ZZ_ARRAY_LEN(tables); t++)
      for (size_t i = 0; i < *tables[t].n; i++) check(tables[t].r[i].pattern, s);
  } else {
    char *nl = strchr(s, '\n');
    if (nl) {
      *nl = 0;
      check(s, nl + 1);
    }
  }
  zz_free(s);
  return 0;
}
