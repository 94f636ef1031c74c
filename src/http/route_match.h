/* route_match.h - the route table's path matcher, pure and apart from the
 * libmicrohttpd wiring so that the fuzz target and unit tests reach it
 * (internal to src/http and its tests). */
#ifndef ZZ_ROUTE_MATCH_H
#define ZZ_ROUTE_MATCH_H

#define HTTP_MAX_PARAMS 8
#define HTTP_PARAM_NAME 32

/* Matches url against pattern ("/api/v1/orders/:id/rate"; a "*" captures
 * the rest of the url, named "*"), appending each capture to names/vals at
 * *n (at most HTTP_MAX_PARAMS in all; vals are zz_xstrdup'ed, the caller
 * frees them, also after a failed match). Returns 1 on a match, else 0. */
int http_route_match(const char *pattern, const char *url, char names[][HTTP_PARAM_NAME],
                     char **vals, int *n);

#endif
