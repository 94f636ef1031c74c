/* stats.c (api) - GET /api/v1/stats/orders: the order statistics of the
 * statistics page (src/workflow/wf_stats.c) as JSON, CSV or XLSX. Admins,
 * dispatchers and leaders (viewers) see their scope; an officer sees the
 * orders of its own department only. The span defaults to this month
 * (Asia/Shanghai). */
#include <math.h>
#include <string.h>

#include "api/api.h"
#include "api/export.h"
#include "workflow/wf_stats.h"

static const char *const GROUP_KEYS[WF_STATS_NGROUPS] = {"by_department", "by_matter", "by_region"};

static void counts_json(struct zz_json *j, const struct wf_stats_counts *c) {
  zz_json_kint(j, "orders", c->n);
  zz_json_kint(j, "closed", c->closed);
  zz_json_kint(j, "open", c->open);
  zz_json_kint(j, "overdue", c->overdue);
  zz_json_kint(j, "with_sla", c->with_sla);
  zz_json_kint(j, "on_time", c->on_time);
  zz_json_knum(j, "on_time_rate", wf_stats_on_time_rate(c));
  zz_json_kint(j, "rated", c->rated);
  zz_json_knum(j, "satisfaction", wf_stats_satisfaction(c));
}

static void row_json(struct zz_json *j, const struct wf_stats_row *x) {
  zz_json_obj(j);
  zz_json_kstr(j, "key", x->key);
  zz_json_kstr(j, "name_zh", x->name_zh);
  zz_json_kstr(j, "name_en", x->name_en);
  counts_json(j, &x->cur);
  zz_json_kobj(j, "last_year");
  counts_json(j, &x->last);
  zz_json_obj_end(j);
  zz_json_knum(j, "yoy_pct", wf_stats_change_pct(x->cur.n, x->last.n));
  zz_json_obj_end(j);
}

static const char *const STAT_COLS[][2] = {
    {"维度", "Group"},
    {"名称", "Name"},
    {"工单数", "Orders"},
    {"已办结", "Closed"},
    {"未办结", "Open"},
    {"超期", "Overdue"},
    {"按时办结率(%)", "On-time rate (%)"},
    {"满意度(1-5)", "Satisfaction (1-5)"},
    {"评价数", "Rated"},
    {"去年同期工单数", "Orders a year earlier"},
    {"同比(%)", "Year on year (%)"},
};

static void row_export(struct api_export *x, const char *group, const struct wf_stats_row *r) {
  export_str(x->t, group);
  export_str(x->t, x->en ? r->name_en : r->name_zh);
  export_int(x->t, r->cur.n);
  export_int(x->t, r->cur.closed);
  export_int(x->t, r->cur.open);
  export_int(x->t, r->cur.overdue);
  double rate = wf_stats_on_time_rate(&r->cur), sat = wf_stats_satisfaction(&r->cur),
         yoy = wf_stats_change_pct(r->cur.n, r->last.n);
  /* rounded as the page shows them; NaN (nothing to measure) stays empty */
  export_num(x->t, isnan(rate) ? NAN : round(rate * 1000.0) / 10.0);
  export_num(x->t, isnan(sat) ? NAN : round(sat * 100.0) / 100.0);
  export_int(x->t, r->cur.rated);
  export_int(x->t, r->last.n);
  export_num(x->t, isnan(yoy) ? NAN : round(yoy * 10.0) / 10.0);
  export_row_end(x->t);
}

static int stats_export(struct http_req *r, struct api_export *x, const struct wf_stats *s) {
  static const char *const groups[WF_STATS_NGROUPS][2] = {
      {"部门", "Department"}, {"事项", "Matter"}, {"区域", "Region"}};
  static const char *const total[2] = {"合计", "Total"};
  if (api_export_open(r, x, "工单统计", "order-statistics")) return 0;
  api_export_header(x, STAT_COLS, ZZ_ARRAY_LEN(STAT_COLS));
  row_export(x, api_export_word(x, total), &s->total);
  for (int g = 0; g < WF_STATS_NGROUPS; g++)
    for (size_t i = 0; i < s->nrows[g]; i++)
      row_export(x, api_export_word(x, groups[g]), &s->rows[g][i]);
  return api_export_send(r, x, "from/to or region", "from/to 或 region");
}

static int get_order_stats(struct http_req *r) {
  struct app *app = http_app(r);
  const struct http_auth_ctx *a = http_auth(r);
  struct api_region rg;
  struct api_export x;
  int64_t from, to;
  if (api_region(r, "region", 0, &rg)) return 0;
  const char *fs = http_query(r, "from"), *ts = http_query(r, "to");
  if ((fs && *fs) || (ts && *ts)) {
    if (api_range(r, 31 * ZZ_DAY_MS, &from, &to)) return 0;
  } else {
    /* this month, by Shanghai's calendar */
    from = zz_bucket_start(zz_time_now(), ZZ_GRAIN_MONTH);
    to = zz_bucket_next(from, ZZ_GRAIN_MONTH);
  }
  if (to - from > 3700 * ZZ_DAY_MS)
    return http_fail(r, ZZ_EINVAL, "from", "the span may be at most ten years");
  int want = api_export_want(r, &x);
  if (want < 0) return 0;
  /* an officer counts its own department's orders, joint ones included */
  const char *dept = NULL;
  if (a->role & ROLE_OFFICER) dept = a->department[0] ? a->department : "\x01none";
  struct wf_stats_query q = {from, to, rg.id, rg.lo, rg.hi, dept};
  struct wf_stats s;
  struct zz_err e = {0};
  if (wf_stats_compute(app->st, app->reg, app->wf, &q, &s, &e)) return http_reply_err(r, &e);
  int rc;
  if (want) {
    rc = stats_export(r, &x, &s);
  } else {
    struct zz_buf b;
    struct zz_json j;
    zz_buf_init(&b, 0);
    zz_json_init(&j, &b);
    zz_json_obj(&j);
    zz_json_ktime(&j, "from", s.from);
    zz_json_ktime(&j, "to", s.to);
    zz_json_ktime(&j, "last_year_from", s.last_from);
    zz_json_ktime(&j, "last_year_to", s.last_to);
    zz_json_kstr(&j, "region", rg.path);
    zz_json_kstr(&j, "department", dept && dept[0] != '\x01' ? dept : NULL);
    zz_json_key(&j, "total");
    row_json(&j, &s.total);
    for (int g = 0; g < WF_STATS_NGROUPS; g++) {
      zz_json_karr(&j, GROUP_KEYS[g]);
      for (size_t i = 0; i < s.nrows[g]; i++) row_json(&j, &s.rows[g][i]);
      zz_json_arr_end(&j);
    }
    zz_json_obj_end(&j);
    rc = api_reply_json(r, 200, &j);
  }
  wf_stats_free(&s);
  return rc;
}

const struct http_route api_stats_routes[] = {
    {"GET", "/api/v1/stats/orders", get_order_stats, NULL, HTTP_AUTH_USER,
     ROLE_ADMIN | ROLE_DISPATCHER | ROLE_VIEWER | ROLE_OFFICER, 0},
};
const size_t api_stats_nroutes = ZZ_ARRAY_LEN(api_stats_routes);
