/* wf_stats.c - order statistics (wf_stats.h): three tallies from the store
 * for the span and three for the span a year earlier, merged into rows that
 * carry names (departments from the store, matters from the workflow,
 * regions from the registry). */
#include "workflow/wf_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ztime.h"
#include "model/registry.h"
#include "store/store_registry.h"
#include "workflow/workflow.h"

double wf_stats_rate(int64_t part, int64_t whole) {
  return whole > 0 ? (double)part / (double)whole : NAN;
}

double wf_stats_on_time_rate(const struct wf_stats_counts *c) {
  return wf_stats_rate(c->on_time, c->with_sla);
}

double wf_stats_satisfaction(const struct wf_stats_counts *c) {
  return wf_stats_rate(c->rating_sum, c->rated);
}

double wf_stats_change_pct(int64_t now, int64_t last) {
  return last > 0 ? ((double)now - (double)last) * 100.0 / (double)last : NAN;
}

void wf_stats_add(struct wf_stats_counts *acc, const struct store_order_tally *t) {
  acc->n += t->n;
  acc->closed += t->closed;
  acc->open += t->open;
  acc->overdue += t->overdue;
  acc->with_sla += t->with_sla;
  acc->on_time += t->on_time;
  acc->rated += t->rated;
  acc->rating_sum += t->rating_sum;
}

static void counts_add(struct wf_stats_counts *acc, const struct wf_stats_counts *c) {
  struct store_order_tally t = {.n = c->n,
                                .closed = c->closed,
                                .open = c->open,
                                .overdue = c->overdue,
                                .with_sla = c->with_sla,
                                .on_time = c->on_time,
                                .rated = c->rated,
                                .rating_sum = c->rating_sum};
  wf_stats_add(acc, &t);
}

/* A growing list of rows, found by key. */
struct rows {
  struct wf_stats_row *v;
  size_t n, cap;
  int nomem;
};

static struct wf_stats_row *row_for(struct rows *r, const char *key) {
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->v[i].key, key) == 0) return &r->v[i];
  if (zz_grow(&r->v, &r->cap, r->n, sizeof *r->v, 16)) {
    r->nomem = 1;
    return NULL;
  }
  struct wf_stats_row *x = &r->v[r->n++];
  memset(x, 0, sizeof *x);
  zz_strlcpy(x->key, key, sizeof x->key);
  return x;
}

/* The child regions of the asked region, copied out of the registry. */
struct child {
  int64_t lo, hi;
  char path[128], name_zh[128], name_en[128];
};

struct tally_ctx {
  struct rows *rows;
  int last; /* counting the span a year earlier */
  const char *only_dept;
  const struct child *kids;
  size_t nkids;
  const struct child *self; /* the asked region: orders placed on it */
};

static int tally_row(void *ud, const struct store_order_tally *t) {
  struct tally_ctx *c = ud;
  const char *key = t->key ? t->key : "";
  if (c->kids || c->self) {
    const struct child *k = c->self;
    for (size_t i = 0; i < c->nkids; i++)
      if (t->rpos >= c->kids[i].lo && t->rpos <= c->kids[i].hi) {
        k = &c->kids[i];
        break;
      }
    key = k->path;
  }
  /* an officer counts the joint orders of the department, but sees no
   * other department's row */
  if (c->only_dept && t->key && strcmp(key, c->only_dept) != 0) return 0;
  struct wf_stats_row *x = row_for(c->rows, key);
  if (!x) return 1;
  wf_stats_add(c->last ? &x->last : &x->cur, t);
  return 0;
}

/* A cell of the one-pass tally (store group "cell") adds to the matter,
 * the region and, unless joint, the department rows; the joint orders'
 * departments come from group "joint" (tally_row). */
struct cell_ctx {
  struct tally_ctx g[WF_STATS_NGROUPS];
  int joint; /* a cell of joint orders was seen: group "joint" has rows */
};

static int cell_row(void *ud, const struct store_order_tally *t) {
  struct cell_ctx *c = ud;
  struct store_order_tally x = *t;
  if (tally_row(&c->g[WF_STATS_MATTER], &x)) return 1;
  x.key = NULL;
  if (tally_row(&c->g[WF_STATS_REGION], &x)) return 1;
  if (t->joint) {
    c->joint = 1;
    return 0;
  }
  x.key = t->department ? t->department : "";
  return tally_row(&c->g[WF_STATS_DEPARTMENT], &x);
}

static int row_cmp(const void *a, const void *b) {
  const struct wf_stats_row *x = a, *y = b;
  if (x->cur.n != y->cur.n) return x->cur.n > y->cur.n ? -1 : 1;
  if (x->last.n != y->last.n) return x->last.n > y->last.n ? -1 : 1;
  return strcmp(x->key, y->key);
}

static int dept_name(void *ud, const struct store_named *d) {
  struct rows *r = ud;
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->v[i].key, d->key) == 0) {
      zz_strlcpy(r->v[i].name_zh, d->name_zh ? d->name_zh : d->key, sizeof r->v[i].name_zh);
      zz_strlcpy(r->v[i].name_en, d->name_en ? d->name_en : d->key, sizeof r->v[i].name_en);
    }
  return 0;
}

static int matter_name(void *ud, const struct wf_matter_view *m) {
  struct rows *r = ud;
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->v[i].key, m->key) == 0) {
      zz_strlcpy(r->v[i].name_zh, m->name_zh ? m->name_zh : m->key, sizeof r->v[i].name_zh);
      zz_strlcpy(r->v[i].name_en, m->name_en ? m->name_en : m->key, sizeof r->v[i].name_en);
    }
  return 0;
}

static void copy_child(struct child *c, const struct reg_region *x) {
  c->lo = x->lo;
  c->hi = x->hi;
  zz_strlcpy(c->path, x->path, sizeof c->path);
  zz_strlcpy(c->name_zh, x->name_zh ? x->name_zh : x->path, sizeof c->name_zh);
  zz_strlcpy(c->name_en, x->name_en ? x->name_en : x->path, sizeof c->name_en);
}

int wf_stats_compute(struct store *st, struct registry *reg, struct workflow *wf,
                     const struct wf_stats_query *q, struct wf_stats *out, struct zz_err *e) {
  struct rows rows[WF_STATS_NGROUPS] = {{0}};
  struct child *kids = NULL, self = {0};
  size_t nkids = 0;
  int rc = 0;
  memset(out, 0, sizeof *out);
  out->from = q->from;
  out->to = q->to;
  out->last_from = zz_time_add_months(q->from, -12);
  out->last_to = zz_time_add_months(q->to, -12);

  registry_rdlock(reg);
  const struct reg_region *node = q->region ? registry_region_by_id(reg, q->region) : NULL;
  if (node) {
    copy_child(&self, node);
    if (node->nchildren > 0 && !(kids = zz_calloc((size_t)node->nchildren, sizeof *kids)))
      rc = ZZ_ENOMEM;
    for (int i = 0; kids && i < node->nchildren; i++) {
      const struct reg_region *c = registry_region_at(reg, node->children[i]);
      if (c) copy_child(&kids[nkids++], c);
    }
  }
  registry_unlock(reg);
  if (rc) {
    zz_fail(e, rc, "", "out of memory");
    goto done;
  }

  /* per span: one pass over its orders for the three groupings, then the
   * joint orders by the departments of their sub-orders */
  for (int last = 0; last < 2 && !rc; last++) {
    struct store_order_tally_filter f = {.from = last ? out->last_from : q->from,
                                         .to = last ? out->last_to : q->to,
                                         .rpos_lo = q->rpos_lo,
                                         .rpos_hi = q->rpos_hi,
                                         .department = q->department};
    struct cell_ctx cc = {.joint = 0};
    for (int g = 0; g < WF_STATS_NGROUPS; g++)
      cc.g[g] = (struct tally_ctx){&rows[g], last, g == WF_STATS_DEPARTMENT ? q->department : NULL,
                                   NULL,     0,    NULL};
    cc.g[WF_STATS_REGION].kids = kids;
    cc.g[WF_STATS_REGION].nkids = nkids;
    cc.g[WF_STATS_REGION].self = &self;
    rc = store_order_tally(st, "cell", &f, cell_row, &cc);
    /* the joint orders of the span are among the cells: none, no query */
    if (!rc && cc.joint)
      rc = store_order_tally(st, "joint", &f, tally_row, &cc.g[WF_STATS_DEPARTMENT]);
    for (int g = 0; g < WF_STATS_NGROUPS && !rc; g++)
      if (rows[g].nomem) rc = ZZ_ENOMEM;
  }
  if (rc) {
    zz_fail(e, rc, "", rc == ZZ_ENOMEM ? "out of memory" : "cannot count the orders");
    goto done;
  }
  /* every order has exactly one matter: the matter rows add up to the total */
  zz_strlcpy(out->total.key, self.path, sizeof out->total.key);
  zz_strlcpy(out->total.name_zh, "合计", sizeof out->total.name_zh);
  zz_strlcpy(out->total.name_en, "Total", sizeof out->total.name_en);
  for (size_t i = 0; i < rows[WF_STATS_MATTER].n; i++) {
    const struct wf_stats_row *x = &rows[WF_STATS_MATTER].v[i];
    counts_add(&out->total.cur, &x->cur);
    counts_add(&out->total.last, &x->last);
  }
  /* names: a key without one keeps the key (a department since removed) */
  for (int g = 0; g < WF_STATS_NGROUPS; g++)
    for (size_t i = 0; i < rows[g].n; i++) {
      zz_strlcpy(rows[g].v[i].name_zh, rows[g].v[i].key, sizeof rows[g].v[i].name_zh);
      zz_strlcpy(rows[g].v[i].name_en, rows[g].v[i].key, sizeof rows[g].v[i].name_en);
    }
  store_named_each(st, "department", dept_name, &rows[WF_STATS_DEPARTMENT]);
  for (size_t i = 0; i < rows[WF_STATS_DEPARTMENT].n; i++) {
    struct wf_stats_row *x = &rows[WF_STATS_DEPARTMENT].v[i];
    if (x->key[0]) continue;
    zz_strlcpy(x->name_zh, "未派单", sizeof x->name_zh);
    zz_strlcpy(x->name_en, "Not dispatched", sizeof x->name_en);
  }
  if (wf) workflow_matters_each(wf, matter_name, &rows[WF_STATS_MATTER]);
  for (size_t i = 0; i < rows[WF_STATS_REGION].n; i++) {
    struct wf_stats_row *x = &rows[WF_STATS_REGION].v[i];
    const struct child *k = strcmp(x->key, self.path) == 0 ? &self : NULL;
    for (size_t j = 0; !k && j < nkids; j++)
      if (strcmp(kids[j].path, x->key) == 0) k = &kids[j];
    if (k) {
      zz_strlcpy(x->name_zh, k->name_zh, sizeof x->name_zh);
      zz_strlcpy(x->name_en, k->name_en, sizeof x->name_en);
    }
  }
  for (int g = 0; g < WF_STATS_NGROUPS; g++) {
    if (rows[g].n) qsort(rows[g].v, rows[g].n, sizeof *rows[g].v, row_cmp);
    out->rows[g] = rows[g].v;
    out->nrows[g] = rows[g].n;
    rows[g].v = NULL;
  }
done:
  for (int g = 0; g < WF_STATS_NGROUPS; g++) zz_free(rows[g].v);
  zz_free(kids);
  return rc;
}

void wf_stats_free(struct wf_stats *s) {
  for (int g = 0; g < WF_STATS_NGROUPS; g++) {
    zz_free(s->rows[g]);
    s->rows[g] = NULL;
    s->nrows[g] = 0;
  }
}
