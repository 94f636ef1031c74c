/* export.c (api) - downloads of the answers people take into a spreadsheet:
 * ?format=csv|xlsx (and lang=zh|en, default zh) on the order list, the alert
 * list, the order statistics and every query answer (series, breakdown,
 * top). The rows go straight from the store (or from the small query
 * answer) into a file under the data directory (src/export/), which is sent
 * and removed: a large export never sits in memory. Names, not ids; times
 * in Asia/Shanghai; at most EXPORT_ROW_CAP rows, else 413 naming the cap. */
#include "api/export.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/authz.h"
#include "core/fs.h"
#include "store/store_alerts.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

int api_export_want(struct http_req *r, struct api_export *x) {
  memset(x, 0, sizeof *x);
  const char *f = http_query(r, "format"), *lang = http_query(r, "lang");
  if (!f || !*f || strcmp(f, "json") == 0) return 0;
  if (export_format_parse(f, &x->f)) {
    http_fail(r, ZZ_EINVAL, "format", "format must be json, csv or xlsx");
    return -1;
  }
  if (lang && *lang && strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0) {
    http_fail(r, ZZ_EINVAL, "lang", "lang must be zh or en");
    return -1;
  }
  x->en = lang && strcmp(lang, "en") == 0;
  x->cap = EXPORT_ROW_CAP;
  return 1;
}

const char *api_export_word(const struct api_export *x, const char *const w[2]) {
  return w[x->en ? 1 : 0];
}

int api_export_open(struct http_req *r, struct api_export *x, const char *name_zh,
                    const char *name_en) {
  struct app *app = http_app(r);
  struct zz_civil c;
  zz_time_civil(zz_time_now(), &c);
  snprintf(x->base, sizeof x->base, "%s-%04d-%02d-%02d", x->en ? name_en : name_zh, c.year, c.month,
           c.day);
  snprintf(x->ascii, sizeof x->ascii, "%s-%04d-%02d-%02d", name_en, c.year, c.month, c.day);
  /* a unique name only this server's user reads (mkstemp makes it 0600) */
  snprintf(x->path, sizeof x->path, "%s/.export-XXXXXX", app->data_dir ? app->data_dir : "/tmp");
  int fd = mkstemp(x->path);
  if (fd < 0) return http_fail(r, zz_errno_full(ZZ_EIO), "", "cannot create the export file");
  close(fd);
  int rc = export_open(x->f, x->path, x->en ? name_en : name_zh, app->data_dir, &x->t);
  if (rc) {
    unlink(x->path);
    return http_fail(r, rc, "", "cannot create the export file");
  }
  return 0;
}

void api_export_header(struct api_export *x, const char *const (*cols)[2], size_t n) {
  for (size_t i = 0; i < n; i++) export_str(x->t, cols[i][x->en ? 1 : 0]);
  export_row_end(x->t);
}

void api_export_time(struct api_export *x, int64_t ms) {
  if (ms <= 0) {
    export_str(x->t, NULL);
    return;
  }
  struct zz_civil c;
  char s[32];
  zz_time_civil(ms, &c);
  snprintf(s, sizeof s, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute,
           c.second);
  export_str(x->t, s);
}

int api_export_full(const struct api_export *x) {
  return x->t && export_rows(x->t) > (size_t)x->cap; /* the header row is one of them */
}

int api_export_send(struct http_req *r, struct api_export *x, const char *narrow,
                    const char *narrow_zh) {
  int over = api_export_full(x);
  int rc = export_close(x->t);
  x->t = NULL;
  if (over || rc) {
    unlink(x->path);
    if (over)
      return http_fail(
          r, ZZ_ETOOBIG, "limit",
          "an export holds at most %d rows and this one has more: narrow it with %s%.0s",
          (int)x->cap, narrow, narrow_zh);
    return http_fail(r, rc, "", "cannot write the export file");
  }
  char cd[512];
  http_add_header(r, "Content-Disposition",
                  export_disposition(x->base, x->ascii, export_extension(x->f), cd, sizeof cd));
  /* the response holds the open file: its name can go now */
  int ret = http_reply_file(r, x->path, export_content_type(x->f), 0);
  unlink(x->path);
  return ret;
}

void api_export_abort(struct api_export *x) {
  if (!x->t) return;
  export_close(x->t);
  x->t = NULL;
  unlink(x->path);
}

/* ---- names ---- */

struct name3 {
  char key[64], zh[128], en[128];
};

struct names {
  struct name3 *v;
  size_t n, cap;
};

static void names_add(struct names *ns, const char *key, const char *zh, const char *en) {
  if (zz_grow(&ns->v, &ns->cap, ns->n, sizeof *ns->v, 32))
    return; /* a name missing shows its key */
  struct name3 *x = &ns->v[ns->n++];
  zz_strlcpy(x->key, key, sizeof x->key);
  zz_strlcpy(x->zh, zh ? zh : key, sizeof x->zh);
  zz_strlcpy(x->en, en ? en : key, sizeof x->en);
}

static const char *names_find(const struct names *ns, const struct api_export *x, const char *key) {
  if (!key) return NULL;
  for (size_t i = 0; i < ns->n; i++)
    if (strcmp(ns->v[i].key, key) == 0) return x->en ? ns->v[i].en : ns->v[i].zh;
  return key;
}

static int dept_row(void *ud, const struct store_named *d) {
  names_add(ud, d->key, d->name_zh, d->name_en);
  return 0;
}

static int matter_row(void *ud, const struct wf_matter_view *m) {
  names_add(ud, m->key, m->name_zh, m->name_en);
  return 0;
}

static const char *region_name(struct app *app, int64_t id, int en, char *out, size_t cap) {
  out[0] = 0;
  registry_rdlock(app->reg);
  const struct reg_region *g = registry_region_by_id(app->reg, id);
  if (g)
    zz_strlcpy(out, en ? (g->name_en ? g->name_en : g->path) : (g->name_zh ? g->name_zh : g->path),
               cap);
  registry_unlock(app->reg);
  return out;
}

static int entity_name_row(void *ud, const struct store_entity *en) {
  char **out = ud;
  const char *n = out[1][0] == 'e' ? en->name_en : en->name_zh;
  zz_strlcpy(out[0], n ? n : en->key, 256);
  return 1;
}

static const char *entity_name(struct app *app, const char *key, int en, char out[256]) {
  out[0] = 0;
  if (!key) return NULL;
  char lang[2] = {en ? 'e' : 'z', 0};
  char *ud[2] = {out, lang};
  if (store_entity_get(app->st, key, entity_name_row, ud) || !out[0]) zz_strlcpy(out, key, 256);
  return out;
}

static const char *const STATE_WORDS[][3] = {
    {"reported", "待派单", "Reported"},
    {"dispatched", "已派单", "Dispatched"},
    {"accepted", "已签收", "Accepted"},
    {"in_progress", "处置中", "In progress"},
    {"resolved", "已办结", "Resolved"},
    {"verified", "已核查", "Verified"},
    {"closed", "已归档", "Closed"},
    {"returned", "已退单", "Returned"},
    {"reopened", "重新打开", "Reopened"},
    {"merged", "已合并", "Merged"},
    {"open", "未解除", "Open"},
    {"cleared", "已解除", "Cleared"},
    {"critical", "紧急", "Critical"},
    {"major", "重要", "Major"},
    {"warning", "一般", "Warning"},
    {"info", "提示", "Info"},
    {"customer_code", "顾客码", "Customer code"},
    {"enterprise_code", "企业码", "Enterprise code"},
    {"open311", "Open311", "Open311"},
    {"online", "网上办理", "Online"},
    {"phone", "电话", "Phone"},
    {"alert", "预警", "Alert"},
    {"dispatcher", "指挥中心", "Dispatch centre"},
    {"staff", "工作人员", "Staff"},
};

const char *api_export_label(const struct api_export *x, const char *word) {
  if (!word) return NULL;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(STATE_WORDS); i++)
    if (strcmp(STATE_WORDS[i][0], word) == 0) return STATE_WORDS[i][x->en ? 2 : 1];
  return word;
}

static const char *yes_no(const struct api_export *x, int v) {
  return v ? (x->en ? "Yes" : "是") : (x->en ? "No" : "否");
}

/* The lists' cap: the tests of it make a few rows, not a hundred thousand
 * (ZZ_TEST_EXPORT_CAP, read only by a server with the test clock). */
static void list_cap(struct http_req *r, struct api_export *x) {
  const char *tc = getenv("ZZ_TEST_EXPORT_CAP");
  int64_t v;
  if (http_app(r)->test_clock && tc && zz_parse_i64(tc, &v) == 0 && v > 0 && v < EXPORT_ROW_CAP)
    x->cap = v;
}

/* ---- orders ---- */

static const char *const ORDER_COLS[][2] = {
    {"编号", "ID"},
    {"标题", "Title"},
    {"事项", "Matter"},
    {"状态", "State"},
    {"承办部门", "Department"},
    {"区域", "Region"},
    {"地点", "Place"},
    {"来源", "Channel"},
    {"上报时间", "Reported"},
    {"派单时间", "Dispatched"},
    {"签收时间", "Accepted"},
    {"办结时间", "Resolved"},
    {"归档时间", "Closed"},
    {"办结时限", "Resolve by"},
    {"超期", "Overdue"},
    {"督办", "Supervised"},
    {"评价", "Rating"},
    {"描述", "Description"},
};

struct order_export {
  struct app *app;
  struct api_export *x;
  struct names depts, matters;
};

struct subs {
  struct order_export *c;
  struct zz_buf b;
};

static int sub_dept(void *ud, const struct store_order *o) {
  struct subs *s = ud;
  if (!o->department) return 0;
  if (s->b.len) zz_buf_adds(&s->b, s->c->x->en ? ", " : "、");
  zz_buf_adds(&s->b, names_find(&s->c->depts, s->c->x, o->department));
  return 0;
}

static int order_export_row(void *ud, const struct store_order *o) {
  struct order_export *c = ud;
  struct api_export *x = c->x;
  if (api_export_full(x)) return 1; /* one row past the cap: refused by api_export_send */
  char region[256], place[256];
  export_int(x->t, o->id);
  export_str(x->t, o->title);
  export_str(x->t, names_find(&c->matters, x, o->matter));
  export_str(x->t, api_export_label(x, o->state));
  if (o->department) {
    export_str(x->t, names_find(&c->depts, x, o->department));
  } else {
    /* a joint order: its sub-orders' departments; none before dispatch */
    struct subs s = {c, {0}};
    zz_buf_init(&s.b, 4096);
    struct store_order_filter sf = {.parent = o->id};
    store_orders_each(c->app->st, &sf, sub_dept, &s);
    export_str(x->t, s.b.data && !zz_buf_error(&s.b) ? s.b.data : NULL);
    zz_buf_free(&s.b);
  }
  export_str(x->t, region_name(c->app, o->region, x->en, region, sizeof region));
  export_str(x->t, entity_name(c->app, o->entity, x->en, place));
  export_str(x->t, api_export_label(x, o->channel));
  api_export_time(x, o->created);
  api_export_time(x, o->dispatched_at);
  api_export_time(x, o->accepted_at);
  api_export_time(x, o->resolved_at);
  api_export_time(x, o->closed_at);
  api_export_time(x, o->resolve_due);
  export_str(x->t, yes_no(x, o->overdue));
  export_str(x->t, yes_no(x, o->supervised));
  if (o->rating > 0)
    export_int(x->t, o->rating);
  else
    export_str(x->t, NULL);
  export_str(x->t, o->description);
  export_row_end(x->t);
  return 0;
}

int api_export_orders(struct http_req *r, struct api_export *x,
                      const struct store_order_filter *filter) {
  struct app *app = http_app(r);
  struct store_order_filter f = *filter;
  list_cap(r, x);
  f.limit = (int)x->cap + 1;
  struct order_export c = {app, x, {0}, {0}};
  store_named_each(app->st, "department", dept_row, &c.depts);
  workflow_matters_each(app->wf, matter_row, &c.matters);
  int rc = api_export_open(r, x, "工单", "orders");
  if (!rc) {
    api_export_header(x, ORDER_COLS, ZZ_ARRAY_LEN(ORDER_COLS));
    if (store_orders_each(app->st, &f, order_export_row, &c)) {
      api_export_abort(x);
      rc = http_fail(r, ZZ_ESTORE, "", "cannot list orders");
    } else {
      rc = api_export_send(r, x, "from/to, region, state, matter or department",
                           "from/to、region、state、matter 或 department");
    }
  }
  zz_free(c.depts.v);
  zz_free(c.matters.v);
  return rc;
}

/* ---- alerts ---- */

static const char *const ALERT_COLS[][2] = {
    {"编号", "ID"},         {"级别", "Severity"},    {"状态", "State"},     {"规则", "Rule"},
    {"地点", "Place"},      {"区域", "Region"},      {"数值", "Value"},     {"说明", "Message"},
    {"发生时间", "Opened"}, {"解除时间", "Cleared"}, {"工单编号", "Order"},
};

struct alert_export {
  struct app *app;
  struct api_export *x;
  struct names rules;
};

static int rule_row(void *ud, const struct store_rule *rl) {
  json_t *d = json_loads(rl->def_json ? rl->def_json : "{}", 0, NULL);
  const char *zh = json_string_value(json_object_get(d, "name_zh"));
  const char *en = json_string_value(json_object_get(d, "name_en"));
  names_add(ud, rl->key, zh ? zh : json_string_value(json_object_get(d, "name")), en);
  json_decref(d);
  return 0;
}

static int alert_export_row(void *ud, const struct store_alert *a) {
  struct alert_export *c = ud;
  struct api_export *x = c->x;
  if (api_export_full(x)) return 1;
  char region[256], place[256];
  export_int(x->t, a->id);
  export_str(x->t, api_export_label(x, a->severity));
  export_str(x->t, api_export_label(x, a->state));
  export_str(x->t, names_find(&c->rules, x, a->rule));
  export_str(x->t, entity_name(c->app, a->entity_key, x->en, place));
  export_str(x->t, region_name(c->app, a->region, x->en, region, sizeof region));
  export_num(x->t, a->value);
  export_str(x->t, a->message);
  api_export_time(x, a->opened);
  api_export_time(x, a->cleared);
  if (a->order_id > 0)
    export_int(x->t, a->order_id);
  else
    export_str(x->t, NULL);
  export_row_end(x->t);
  return 0;
}

int api_export_alerts(struct http_req *r, struct api_export *x,
                      const struct store_alert_filter *filter) {
  struct app *app = http_app(r);
  struct store_alert_filter f = *filter;
  list_cap(r, x);
  f.limit = (int)x->cap + 1;
  struct alert_export c = {app, x, {0}};
  store_rules_each(app->st, rule_row, &c.rules);
  int rc = api_export_open(r, x, "预警", "alerts");
  if (!rc) {
    api_export_header(x, ALERT_COLS, ZZ_ARRAY_LEN(ALERT_COLS));
    if (store_alerts_each(app->st, &f, alert_export_row, &c)) {
      api_export_abort(x);
      rc = http_fail(r, ZZ_ESTORE, "", "cannot list alerts");
    } else {
      rc = api_export_send(r, x, "region, state, severity or rule",
                           "region、state、severity 或 rule");
    }
  }
  zz_free(c.rules.v);
  return rc;
}

/* ---- any JSON answer with a table in it (the queries) ---- */

static const char *const JSON_WORDS[][3] = {
    {"t", "时间", "Time"},
    {"v", "数值", "Value"},
    {"name", "名称", "Name"},
    {"key", "编码", "Key"},
    {"entity", "对象编码", "Entity"},
    {"previous", "同期数值", "Previous"},
    {"count", "数量", "Count"},
    {"value", "数值", "Value"},
    {"share", "占比", "Share"},
};

static const char *json_word(const struct api_export *x, const char *k) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(JSON_WORDS); i++)
    if (strcmp(JSON_WORDS[i][0], k) == 0) return JSON_WORDS[i][x->en ? 2 : 1];
  return k;
}

/* The table of an answer: "items" or "points", else the first member that
 * is an array of objects. */
static json_t *json_table(json_t *root) {
  json_t *a = json_object_get(root, "items");
  if (json_is_array(a)) return a;
  if (json_is_array(a = json_object_get(root, "points"))) return a;
  const char *k;
  json_t *v;
  json_object_foreach(root, k, v) {
    if (json_is_array(v) && json_is_object(json_array_get(v, 0))) return v;
  }
  return NULL;
}

static void json_cell(struct api_export *x, const char *k, json_t *v) {
  if (json_is_integer(v)) {
    export_int(x->t, json_integer_value(v));
  } else if (json_is_real(v)) {
    export_num(x->t, json_real_value(v));
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v);
    int64_t ms;
    /* RFC 3339 times are shown as Shanghai local time like the pages do */
    if ((strcmp(k, "t") == 0 || strcmp(k, "ts") == 0 || strcmp(k, "from") == 0 ||
         strcmp(k, "to") == 0) &&
        zz_time_parse_rfc3339(s, strlen(s), &ms) == 0)
      api_export_time(x, ms);
    else
      export_str(x->t, s);
  } else if (json_is_true(v) || json_is_false(v)) {
    export_str(x->t, yes_no(x, json_is_true(v)));
  } else {
    export_str(x->t, NULL);
  }
}

int api_export_json(struct http_req *r, struct api_export *x, const char *name_zh,
                    const char *name_en, const char *text, size_t len) {
  json_t *root = json_loadb(text, len, 0, NULL);
  json_t *rows = root ? json_table(root) : NULL;
  if (!rows) {
    json_decref(root);
    return http_fail(r, ZZ_EINVAL, "format", "this answer has no table to export as %s",
                     export_extension(x->f));
  }
  /* the columns: the first row's plain members, and the plain members of
   * its objects (an entity's attrs: each attribute a column, as the caller
   * may see it); a name in the page's language stands for name_zh /
   * name_en, and the other one is left out */
  const char *cols[32], *subs[32];
  size_t nc = 0;
  int has_names = 0;
  const char *k, *sk;
  json_t *v, *sv, *first = json_array_get(rows, 0);
  json_object_foreach(first, k, v) {
    if (json_is_array(v) || nc == ZZ_ARRAY_LEN(cols)) continue;
    if (json_is_object(v)) {
      json_object_foreach(v, sk, sv) {
        if (json_is_object(sv) || json_is_array(sv) || nc == ZZ_ARRAY_LEN(cols)) continue;
        cols[nc] = k;
        subs[nc++] = sk;
      }
      continue;
    }
    subs[nc] = NULL;
    if (strcmp(k, "name_zh") == 0 || strcmp(k, "name_en") == 0) {
      if (!has_names) cols[nc++] = "name";
      has_names = 1;
      continue;
    }
    cols[nc++] = k;
  }
  /* a comparison answer (compare=yoy|mom) adds the earlier span's value */
  json_t *prev = json_object_get(root, "previous");
  int with_prev = json_is_array(prev) && json_array_size(prev) == json_array_size(rows);
  int rc = api_export_open(r, x, name_zh, name_en);
  if (rc) goto done;
  for (size_t c = 0; c < nc; c++) export_str(x->t, json_word(x, subs[c] ? subs[c] : cols[c]));
  if (with_prev) export_str(x->t, json_word(x, "previous"));
  export_row_end(x->t);
  size_t i;
  json_array_foreach(rows, i, v) {
    if (api_export_full(x)) break;
    for (size_t c = 0; c < nc; c++) {
      if (subs[c])
        json_cell(x, subs[c], json_object_get(json_object_get(v, cols[c]), subs[c]));
      else if (strcmp(cols[c], "name") == 0 && has_names)
        json_cell(x, "name", json_object_get(v, x->en ? "name_en" : "name_zh"));
      else
        json_cell(x, cols[c], json_object_get(v, cols[c]));
    }
    if (with_prev) json_cell(x, "v", json_object_get(json_array_get(prev, i), "v"));
    export_row_end(x->t);
  }
  rc = api_export_send(r, x, "from/to or region", "from/to 或 region");
done:
  json_decref(root);
  return rc;
}
