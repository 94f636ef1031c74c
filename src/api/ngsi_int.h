/* ngsi_int.h - what the /v2 files share (api/ngsi.c: entities and types,
 * api/ngsi_subs.c: subscriptions): the tenant a request names, Orion's
 * error shape, the JSON answer, an entity loaded and rendered. */
#ifndef ZZ_NGSI_INT_H
#define ZZ_NGSI_INT_H

#include <stdint.h>

#include "http/http.h"
#include "store/store_registry.h"

struct json_t;
struct app;

/* The region that Fiware-Service (a top region's path, e.g. "gongshu") and
 * Fiware-ServicePath ("/dongxin/xintiandi": that region only; ".../#" or
 * none: its subtree) name; with neither, a scoped user's scope, else all
 * (path ""). */
struct ngsi_tenant {
  char path[256];
  int64_t region;
  int64_t lo, hi; /* DFS interval (hi == lo: the region itself only) */
};
/* Resolves and authorizes the tenant (authz_ngsi_tenant): 0, or replies
 * 400/403 in Orion's shape and returns non-zero. */
int ngsi_tenant(struct http_req *r, struct ngsi_tenant *t);
/* Replies {"error": error, "description": description} with status;
 * returns status (non-zero). */
int ngsi_fail(struct http_req *r, int status, const char *error, const char *description);
/* Replies v (stolen) as JSON with status. */
int ngsi_reply(struct http_req *r, int status, struct json_t *v);

#endif
