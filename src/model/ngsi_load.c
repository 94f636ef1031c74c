/* ngsi_load.c - an entity as NGSI-v2 renders it, with the latest value of
 * each of its metrics read from the store (ngsi_load.h): what GET
 * /v2/entities/ID answers and what a subscription's notification carries. */
#include "model/ngsi_load.h"

#include <jansson.h>

#include "model/ngsi.h"
#include "model/registry.h"
#include "store/store_records.h"

#define NGSI_VALUES_MAX 256 /* metrics of one entity rendered */

struct latest {
  int n;
  int64_t metric[NGSI_VALUES_MAX], ts[NGSI_VALUES_MAX];
  double value[NGSI_VALUES_MAX];
};

static int latest_row(void *ud, int64_t entity, int64_t metric, int64_t ts, double value) {
  (void)entity;
  struct latest *l = ud;
  if (l->n == NGSI_VALUES_MAX) return 1;
  l->metric[l->n] = metric;
  l->ts[l->n] = ts;
  l->value[l->n++] = value;
  return 0;
}

json_t *ngsi_entity_load(struct store *st, struct registry *reg, const struct store_entity *en,
                         int *rc) {
  struct latest *l = zz_calloc(1, sizeof *l);
  struct ngsi_value *v = zz_calloc(NGSI_VALUES_MAX, sizeof *v);
  char(*keys)[64] = zz_calloc(NGSI_VALUES_MAX, 64);
  json_t *e = NULL;
  *rc = ZZ_ENOMEM;
  if (!l || !v || !keys) goto done;
  *rc = store_latest_each(st, 0, en->id, 0, 0, NULL, latest_row, l);
  if (*rc) goto done;
  char path[256] = "";
  size_t n = 0;
  registry_rdlock(reg);
  const struct reg_region *rg = registry_region_by_id(reg, en->region);
  if (rg) zz_strlcpy(path, rg->path, sizeof path);
  for (int i = 0; i < l->n; i++) {
    const struct reg_metric *m = registry_metric_by_id(reg, l->metric[i]);
    if (!m) continue;
    zz_strlcpy(keys[n], m->key, 64);
    v[n] = (struct ngsi_value){keys[n], l->ts[i], l->value[i]};
    n++;
  }
  registry_unlock(reg);
  e = ngsi_entity(en, path[0] ? path : NULL, v, n);
  *rc = e ? 0 : ZZ_ENOMEM;
done:
  zz_free(l);
  zz_free(v);
  zz_free(keys);
  return e;
}
