/* route_match.c - the route table's path matcher and route choice
 * (route_match.h). */
#include "http/route_match.h"

#include <string.h>

#include "core/zz.h"
#include "http/http.h"

static void drop(char **vals, int *n) {
  for (int i = 0; i < *n; i++) zz_free(vals[i]);
  *n = 0;
}

const struct http_route *http_route_find(const struct http_route *routes, size_t nroutes,
                                         const char *method, const char *url,
                                         char names[][HTTP_PARAM_NAME], char **vals, int *n,
                                         int *path_matched) {
  *path_matched = 0;
  for (size_t i = 0; i < nroutes; i++) {
    drop(vals, n);
    if (!http_route_match(routes[i].pattern, url, names, vals, n)) continue;
    *path_matched = 1;
    /* HEAD is answered by the GET route (MHD sends the head only) */
    if (strcmp(routes[i].method, method) == 0 ||
        (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
      return &routes[i];
  }
  drop(vals, n);
  return NULL;
}

int http_route_match(const char *pattern, const char *url, char names[][HTTP_PARAM_NAME],
                     char **vals, int *n) {
  const char *p = pattern, *u = url;
  while (*p && *u) {
    if (*p == '*') {
      if (*n == HTTP_MAX_PARAMS) return 0;
      zz_strlcpy(names[*n], "*", HTTP_PARAM_NAME);
      vals[(*n)++] = zz_xstrdup(u);
      return 1;
    }
    if (*p == ':') {
      const char *pe = strchr(p, '/');
      const char *ue = strchr(u, '/');
      size_t plen = pe ? (size_t)(pe - p) : strlen(p);
      size_t ulen = ue ? (size_t)(ue - u) : strlen(u);
      if (ulen == 0 || *n == HTTP_MAX_PARAMS) return 0;
      size_t nlen = ZZ_MIN(plen - 1, (size_t)HTTP_PARAM_NAME - 1);
      memcpy(names[*n], p + 1, nlen);
      names[*n][nlen] = 0;
      vals[(*n)++] = zz_xstrdup_n(u, ulen);
      p += plen;
      u += ulen;
      continue;
    }
    if (*p != *u) return 0;
    p++, u++;
  }
  if (*p == '*' && !*u) {
    if (*n == HTTP_MAX_PARAMS) return 0;
    zz_strlcpy(names[*n], "*", HTTP_PARAM_NAME);
    vals[(*n)++] = zz_xstrdup("");
    return 1;
  }
  return !*p && !*u;
}
