/* export.h (api) - ?format=csv|xlsx&lang=zh|en on the answers that are
 * tables (api/export.c): the order and alert lists, the order statistics
 * and the query answers. A handler asks api_export_want after parsing its
 * parameters and, when an export is wanted, hands its filter (or its JSON
 * answer) here instead of writing JSON. */
#ifndef ZZ_API_EXPORT_H
#define ZZ_API_EXPORT_H

#include "api/api.h"
#include "export/export.h"
#include "store/store_alerts.h"
#include "store/store_orders.h"

struct api_export {
  enum export_format f;
  int en;          /* lang=en: English headers and names */
  int64_t cap;     /* EXPORT_ROW_CAP (a test server may set a smaller one) */
  char base[160];  /* the download's name without extension */
  char ascii[160]; /* the same in English, for the ASCII fallback name */
  char path[4200];
  struct export_table *t;
};

/* 0: no export asked (format absent or json); 1: x is set for one; -1:
 * replied 400 (format or lang not known). */
int api_export_want(struct http_req *r, struct api_export *x);
/* Creates the file (named name_zh or name_en plus today's date); replies
 * 500 and returns non-zero when it cannot. */
int api_export_open(struct http_req *r, struct api_export *x, const char *name_zh,
                    const char *name_en);
/* A header row from n {zh, en} pairs. */
void api_export_header(struct api_export *x, const char *const (*cols)[2], size_t n);
/* A time cell in Asia/Shanghai ("2026-12-03 08:00:00"); empty for ms <= 0. */
void api_export_time(struct api_export *x, int64_t ms);
/* The {zh, en} word of the export's language. */
const char *api_export_word(const struct api_export *x, const char *const w[2]);
/* A state, severity or channel as the pages name it (the word itself when unknown). */
const char *api_export_label(const struct api_export *x, const char *word);
/* 1 once the rows passed EXPORT_ROW_CAP (stop writing: the send refuses). */
int api_export_full(const struct api_export *x);
/* Finishes the file and sends it with Content-Disposition, or replies 413
 * naming the cap and narrow (the filters to use; narrow_zh the same in
 * Chinese) when it went past it.
 * The file is removed either way. Returns what http_reply returns. */
int api_export_send(struct http_req *r, struct api_export *x, const char *narrow,
                    const char *narrow_zh);
/* Drops an unfinished export (after a failure, before replying the error). */
void api_export_abort(struct api_export *x);

/* The whole exports of the lists (their filter, with no limit but the cap). */
int api_export_orders(struct http_req *r, struct api_export *x, const struct store_order_filter *f);
int api_export_alerts(struct http_req *r, struct api_export *x, const struct store_alert_filter *f);
/* The table in a JSON answer ("items", "points" or the first array of
 * objects; "previous" of a comparison as one more column). 400 when the
 * answer has none. */
int api_export_json(struct http_req *r, struct api_export *x, const char *name_zh,
                    const char *name_en, const char *text, size_t len);

#endif
