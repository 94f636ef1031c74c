/* pages.c (api) - the HTML pages of the codes and the public intake:
 * /m/c/TOKEN (a scanned code: the venue and its matters, the report form),
 * /m/r/RECEIPT (a report's progress), /m/a/NUMBER (an application's
 * status), /m/o/MATTER (an online application without a code), /admin/codes (the operator's page)
 * and /admin (the admin screens), served from web/ with the pages' Content-Security-Policy. The
 * phone pages are rate-limited like the scans that open them. */
#include <stdio.h>

#include "api/api.h"
#include "api/codes_int.h"

/* Serves web/REL with the pages' policy: scripts only from this server,
 * and no Referer, so that a token in a page's URL stays out of other logs. */
static int serve_page(struct http_req *r, const char *rel) {
  struct app *app = http_app(r);
  if (!app->web_dir) return http_fail(r, ZZ_ENOTFOUND, "path", "no pages are served");
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", app->web_dir, rel);
  http_add_header(r, "Content-Security-Policy",
                  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                  "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'");
  http_add_header(r, "Referrer-Policy", "no-referrer");
  return http_reply_file(r, path, "text/html; charset=utf-8", 0);
}

/* A public phone page, rate-limited like the scans that open it. */
static int page(struct http_req *r, const char *rel) {
  if (codes_limit(r, "page", NULL, SCAN_PER_MIN * 2, SCAN_BURST * 2)) return 0;
  return serve_page(r, rel);
}

static int get_scan_page(struct http_req *r) {
  return page(r, "m/scan.html");
}

static int get_receipt_page(struct http_req *r) {
  return page(r, "m/receipt.html");
}

/* The operator's page for codes; it signs in and calls the admin API,
 * which checks the role, so the page itself is public like the consoles. */
static int get_admin_page(struct http_req *r) {
  return serve_page(r, "admin-codes.html");
}

/* The admin screens (users, sources, departments, rules, matters, audit):
 * public like /admin/codes; every call it makes checks the role. */
static int get_admin_home(struct http_req *r) {
  return serve_page(r, "admin.html");
}

static int get_application_page(struct http_req *r) {
  return page(r, "m/application.html");
}

/* An online application without a code (the catalog's 去办理). */
static int get_online_page(struct http_req *r) {
  return page(r, "m/online.html");
}

/* The pledges an enterprise code's entity is asked to sign (the
 * stall-holder's 限塑承诺书), reached from the code's page. */
static int get_pledge_page(struct http_req *r) {
  return page(r, "m/pledge.html");
}

const struct http_route api_pages_routes[] = {
    {"GET", "/m/c/:token", get_scan_page, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/m/r/:receipt", get_receipt_page, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/m/a/:number", get_application_page, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/m/o/:matter", get_online_page, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/admin/codes", get_admin_page, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/admin", get_admin_home, NULL, HTTP_AUTH_NONE, 0, 0},
    {"GET", "/m/p/:token", get_pledge_page, NULL, HTTP_AUTH_NONE, 0, 0},
};
const size_t api_pages_nroutes = ZZ_ARRAY_LEN(api_pages_routes);
