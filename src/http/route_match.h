/* route_match.h - the route table's path matcher and the choice of a route
 * for a request, pure and apart from the libmicrohttpd wiring so that the
 * fuzz target and unit tests reach them (internal to src/http and its
 * tests). */
#ifndef ZZ_ROUTE_MATCH_H
#define ZZ_ROUTE_MATCH_H

#include <stddef.h>

struct http_route; /* http/http.h */

#define HTTP_MAX_PARAMS 8
#define HTTP_PARAM_NAME 32

/* Matches url against pattern ("/api/v1/orders/:id/rate"; a "*" captures
 * the rest of the url, named "*"), appending each capture to names/vals at
 * *n (at most HTTP_MAX_PARAMS in all; vals are zz_xstrdup'ed, the caller
 * frees them, also after a failed match). Returns 1 on a match, else 0. */
int http_route_match(const char *pattern, const char *url, char names[][HTTP_PARAM_NAME],
                     char **vals, int *n);

/* The route of routes[0..nroutes) for method and url (the path as
 * libmicrohttpd gives it, percent-decoded): the first whose pattern matches
 * and whose method is method; a HEAD is served by a GET route. Its captures
 * are in names/vals from index 0 and *n is their number (the caller frees
 * vals). NULL when none, with no captures left, and *path_matched 1 when
 * some route has the path with another method (405), 0 when none has it
 * (404). */
const struct http_route *http_route_find(const struct http_route *routes, size_t nroutes,
                                         const char *method, const char *url,
                                         char names[][HTTP_PARAM_NAME], char **vals, int *n,
                                         int *path_matched);

#endif
