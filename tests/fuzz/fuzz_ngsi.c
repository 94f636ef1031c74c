/* fuzz_ngsi.c - libFuzzer target for the NGSI-v2 parsers (model/ngsi.c):
 * any bytes as a q expression parse or fail with ZZ_EINVAL and a
 * description, and a parsed q matches a rendered entity without crashing;
 * the same bytes as geo coords (after a georel chosen by the first byte)
 * parse into at most NGSI_GEO_POINTS_MAX points or fail with ZZ_EINVAL. */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/zz.h"
#include "model/ngsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = zz_malloc(size + 1);
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  char err[160] = "";
  struct ngsi_q *q = NULL;
  int rc = ngsi_q_parse(s, &q, err, sizeof err);
  ZZ_ASSERT(rc == 0 || rc == ZZ_EINVAL || rc == ZZ_ENOMEM);
  ZZ_ASSERT(rc != ZZ_EINVAL || err[0]);
  if (rc == 0) {
    struct ngsi_value v[2] = {{"visitors", 1700000000000, 12.5}, {"kind", 1700000000000, 3}};
    struct store_entity en = {.key = "c-1",
                              .type = "counter",
                              .name_zh = "门",
                              .lon = 120.1,
                              .lat = 30.3,
                              .attrs_json = "{\"kind\":\"gate\",\"n\":[1,2]}"};
    json_t *e = ngsi_entity(&en, "gongshu", v, 2);
    if (e) ngsi_q_match(q, e);
    json_decref(e);
    ngsi_q_free(q);
  }
  static const char *const rels[] = {"near;maxDistance:100", "coveredBy", "intersects", "equals"};
  struct ngsi_geo *g = zz_malloc(sizeof *g);
  if (g) {
    int k = size ? data[0] % 4 : 0;
    rc = ngsi_geo_parse(rels[k], k == 0 || k == 3 ? "point" : "polygon", size ? s + 1 : s, g, err,
                        sizeof err);
    ZZ_ASSERT(rc == 0 || rc == ZZ_EINVAL);
    if (rc == 0) {
      ZZ_ASSERT(g->npoints >= 1 && g->npoints <= NGSI_GEO_POINTS_MAX);
      ngsi_geo_match(g, 120.1, 30.3);
    }
    zz_free(g);
  }
  zz_free(s);
  return 0;
}
