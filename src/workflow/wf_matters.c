/* wf_matters.c - the matters (事项) cached from the catalog, parsed once at
 * open and on workflow_reload, and routing: the departments a matter goes to
 * in a region, the street an escalation goes to. */
#include "workflow/workflow_int.h"

#include <jansson.h>
#include <pthread.h>
#include <string.h>

#include "core/ztime.h"
#include "model/matter_json.h"
#include "store/store_catalog.h"

static void copy_depts(json_t *arr, char (*out)[65], int *n) {
  *n = 0;
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    if (*n < WF_MAX_DEPTS && json_is_string(v)) zz_strlcpy(out[(*n)++], json_string_value(v), 65);
  }
}

struct mload {
  struct wf_matter *v;
  int n, cap, rc;
};

void wf_matters_free(struct wf_matter *v, int n) {
  for (int i = 0; i < n; i++) json_decref(v[i].extra);
  zz_free(v);
}

static int matter_cb(void *ud, const struct store_matter *m) {
  struct mload *l = ud;
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 32;
    struct wf_matter *p = zz_realloc(l->v, (size_t)cap * sizeof *p);
    if (!p) {
      l->rc = ZZ_ENOMEM;
      return 1;
    }
    l->v = p;
    l->cap = cap;
  }
  struct wf_matter *w = &l->v[l->n++];
  memset(w, 0, sizeof *w);
  zz_strlcpy(w->key, m->key, sizeof w->key);
  zz_strlcpy(w->name_zh, m->name_zh ? m->name_zh : "", sizeof w->name_zh);
  zz_strlcpy(w->name_en, m->name_en ? m->name_en : "", sizeof w->name_en);
  zz_strlcpy(w->kind, m->kind ? m->kind : "", sizeof w->kind);
  w->accept_ms = m->sla_accept_minutes * ZZ_MINUTE_MS;
  w->resolve_ms = m->sla_resolve_minutes * ZZ_MINUTE_MS;
  w->escalate_ms = WORKFLOW_ESCALATE_AFTER_MS;
  json_t *d = json_loads(m->departments_json ? m->departments_json : "[]", 0, NULL);
  copy_depts(d, w->depts, &w->ndepts);
  json_decref(d);
  json_t *x = json_loads(m->extra_json ? m->extra_json : "{}", 0, NULL);
  w->priority = workflow_priority_parse(json_string_value(json_object_get(x, "priority")));
  if (!w->priority) w->priority = STORE_PRIORITY_NORMAL;
  json_t *pend = json_object_get(x, "sla_dispatch_minutes");
  if (json_is_integer(pend) && json_integer_value(pend) > 0)
    w->dispatch_ms = json_integer_value(pend) * ZZ_MINUTE_MS;
  json_t *esc = json_object_get(x, "escalate_after_minutes");
  if (json_is_number(esc) && json_number_value(esc) > 0)
    w->escalate_ms = (int64_t)(json_number_value(esc) * ZZ_MINUTE_MS);
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(x, "routes"), i, r) {
    if (w->nroutes == WF_MAX_ROUTES) break;
    const char *reg = json_string_value(json_object_get(r, "region"));
    if (!reg) continue;
    struct wf_route *rt = &w->routes[w->nroutes++];
    zz_strlcpy(rt->region, reg, sizeof rt->region);
    copy_depts(json_object_get(r, "departments"), rt->depts, &rt->ndepts);
  }
  w->extra = x ? x : json_object();
  return 0;
}

int workflow_reload(struct workflow *wf, struct zz_err *e) {
  struct mload l = {0};
  int rc = store_matters_each(wf->o.st, matter_cb, &l);
  if (!rc) rc = l.rc;
  if (rc) {
    wf_matters_free(l.v, l.n);
    return zz_fail(e, rc, "matters", "cannot read the matters");
  }
  pthread_mutex_lock(&wf->mlock);
  struct wf_matter *old = wf->matters;
  int nold = wf->nmatters;
  wf->matters = l.v;
  wf->nmatters = l.n;
  pthread_mutex_unlock(&wf->mlock);
  wf_matters_free(old, nold);
  return 0;
}

int workflow_matters_each(struct workflow *wf, int (*fn)(void *ud, const struct wf_matter_view *m),
                          void *ud) {
  pthread_mutex_lock(&wf->mlock);
  for (int i = 0; i < wf->nmatters; i++) {
    const struct wf_matter *w = &wf->matters[i];
    /* the cache keeps a missing name as "": the view says NULL */
#define OR_NULL(x) ((x)[0] ? (x) : NULL)
    struct wf_matter_view v = {w->key, OR_NULL(w->name_zh), OR_NULL(w->name_en), OR_NULL(w->kind),
                               w->extra};
#undef OR_NULL
    if (fn(ud, &v)) break;
  }
  pthread_mutex_unlock(&wf->mlock);
  return 0;
}

/* Copies matter key into *out (its extra is not to be used: the cache
 * owns it). Returns 0 or ZZ_ENOTFOUND. */
int wf_matter_get(struct workflow *wf, const char *key, struct wf_matter *out) {
  int rc = ZZ_ENOTFOUND;
  pthread_mutex_lock(&wf->mlock);
  for (int i = 0; i < wf->nmatters; i++) {
    if (strcmp(wf->matters[i].key, key) == 0) {
      *out = wf->matters[i];
      rc = 0;
      break;
    }
  }
  pthread_mutex_unlock(&wf->mlock);
  return rc;
}

int workflow_matter_exists(struct workflow *wf, const char *matter) {
  struct wf_matter m;
  return matter && wf_matter_get(wf, matter, &m) == 0;
}

/* The departments a matter goes to in a region: the route of the longest
 * region prefix that holds the region, else the matter's own. */
int wf_suggest(struct workflow *wf, const struct wf_matter *m, int64_t region, char (*out)[65]) {
  char path[256] = "";
  registry_rdlock(wf->o.reg);
  const struct reg_region *rg = registry_region_by_id(wf->o.reg, region);
  if (rg) zz_strlcpy(path, rg->path, sizeof path);
  registry_unlock(wf->o.reg);
  const struct wf_route *best = NULL;
  size_t best_len = 0;
  for (int i = 0; i < m->nroutes; i++) {
    size_t n = strlen(m->routes[i].region);
    if (strncmp(path, m->routes[i].region, n) == 0 && (path[n] == 0 || path[n] == '/') &&
        n > best_len) {
      best = &m->routes[i];
      best_len = n;
    }
  }
  int nd = best ? best->ndepts : m->ndepts;
  for (int i = 0; i < nd; i++) zz_strlcpy(out[i], best ? best->depts[i] : m->depts[i], 65);
  return nd;
}

void workflow_suggest_json(struct workflow *wf, const char *matter, int64_t region,
                           struct zz_json *j) {
  struct wf_matter m;
  char d[WF_MAX_DEPTS][65];
  int n = matter && wf_matter_get(wf, matter, &m) == 0 ? wf_suggest(wf, &m, region, d) : 0;
  zz_json_arr(j);
  for (int i = 0; i < n; i++) zz_json_str(j, d[i]);
  zz_json_arr_end(j);
}

void workflow_matters_json(struct workflow *wf, struct zz_json *j) {
  zz_json_obj(j);
  zz_json_karr(j, "matters");
  pthread_mutex_lock(&wf->mlock);
  for (int i = 0; i < wf->nmatters; i++) {
    const struct wf_matter *m = &wf->matters[i];
    const char *depts[WF_MAX_DEPTS];
    for (int k = 0; k < m->ndepts; k++) depts[k] = m->depts[k];
    struct matter_view v = {.key = m->key,
                            .name_zh = m->name_zh,
                            .name_en = m->name_en,
                            .kind = m->kind,
                            .depts = depts,
                            .ndepts = m->ndepts,
                            .sla_accept_minutes = m->accept_ms / ZZ_MINUTE_MS,
                            .sla_resolve_minutes = m->resolve_ms / ZZ_MINUTE_MS};
    matter_json(j, &v, MATTER_JSON_ROUTING, NULL, 0);
  }
  pthread_mutex_unlock(&wf->mlock);
  zz_json_arr_end(j);
  zz_json_obj_end(j);
}

int workflow_region_path(struct workflow *wf, int64_t region, char *out, size_t cap) {
  return registry_path_of(wf->o.reg, region, out, cap);
}

static const char *const priority_names[] = {NULL, "critical", "high", "normal"};

int workflow_priority_parse(const char *name) {
  for (int i = STORE_PRIORITY_CRITICAL; name && i <= STORE_PRIORITY_NORMAL; i++)
    if (strcmp(name, priority_names[i]) == 0) return i;
  return 0;
}

const char *workflow_priority_name(int priority) {
  return priority >= STORE_PRIORITY_CRITICAL && priority <= STORE_PRIORITY_NORMAL
             ? priority_names[priority]
             : NULL;
}

int workflow_priority_of_severity(const char *severity) {
  if (!severity) return STORE_PRIORITY_NORMAL;
  if (strcmp(severity, "critical") == 0) return STORE_PRIORITY_CRITICAL;
  if (strcmp(severity, "major") == 0 || strcmp(severity, "warning") == 0)
    return STORE_PRIORITY_HIGH;
  return STORE_PRIORITY_NORMAL;
}

int64_t wf_pending_due(const struct wf_matter *m, int priority, int64_t from) {
  if (m && m->dispatch_ms) return from + m->dispatch_ms;
  return from + (priority == STORE_PRIORITY_CRITICAL ? WORKFLOW_PENDING_CRITICAL_MS
                 : priority == STORE_PRIORITY_HIGH   ? WORKFLOW_PENDING_HIGH_MS
                                                     : WORKFLOW_PENDING_NORMAL_MS);
}

/* The street above a region (its path), for escalation to the street leader. */
void wf_street_of(struct workflow *wf, int64_t region, char *out, size_t cap) {
  out[0] = 0;
  registry_rdlock(wf->o.reg);
  const struct reg_region *rg = registry_region_by_id(wf->o.reg, region);
  const struct reg_region *r = rg;
  while (r && strcmp(r->level, "street") != 0)
    r = r->parent >= 0 ? registry_region_at(wf->o.reg, r->parent) : NULL;
  if (!r) r = rg;
  if (r) zz_strlcpy(out, r->path, cap);
  registry_unlock(wf->o.reg);
}
