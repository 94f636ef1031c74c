/* workflow.c - work orders on top of the store (workflow.h). Every change
 * reads the order under the engine's mutex, checks the step with
 * order_sm.c, and writes the order(s) and their timeline events in one store
 * transaction; then it publishes an "order" event on the bus. SLA deadlines
 * are columns of the order, so the timer thread only asks the store which
 * orders are due: a restart loses nothing. */
#include "workflow/workflow.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/ztime.h"
#include "model/roles.h"
#include "store/store.h"
#include "store/store_catalog.h"
#include "store/store_orders.h"
#include "store/store_registry.h"
#include "workflow/order_sm.h"

#define WF_MAX_DEPTS 12
#define WF_MAX_ROUTES 8

struct wf_route {
  char region[256];
  char depts[WF_MAX_DEPTS][65];
  int ndepts;
};

struct wf_matter {
  char key[65], name_zh[128], name_en[128], kind[16];
  char depts[WF_MAX_DEPTS][65];
  int ndepts;
  int64_t accept_ms, resolve_ms, escalate_ms;
  struct wf_route routes[WF_MAX_ROUTES];
  int nroutes;
  json_t *extra; /* the catalog row's extra, parsed once (wf->matters owns it) */
};

struct workflow {
  struct workflow_opts o;
  char *data_dir;
  pthread_mutex_t lock;  /* orders every change */
  pthread_mutex_t mlock; /* the matters below */
  struct wf_matter *matters;
  int nmatters;
  pthread_t thread;
  int thread_started;
  pthread_mutex_t tlock;
  pthread_cond_t tcond;
  int stopping;
  /* the public intake's group commit (workflow_intake_submit): reports
   * queue here and the intake thread writes all queued at once */
  pthread_mutex_t iq_lock;
  pthread_cond_t iq_cond; /* reports queued, or stop */
  pthread_cond_t iq_done; /* a batch is done (workflow_intake waits on it) */
  struct wf_intake *iq_head, *iq_tail;
  int iq_stopping;
  pthread_t iq_thread;
  int iq_started;
  /* while a group is written (under lock): order events wait here for the
   * commit instead of going to the bus at once */
  struct zz_buf *deferred;
};

/* An order copied out of the store, its strings in its own arrays. */
struct wf_order {
  struct store_order o;
  char matter[65], title[256], description[2048], state[16], department[65], channel[16],
      entity[129], reporter[65], reporters[2048], escalated_to[256], rating_note[512];
  int application; /* create: the matter is an application (no duplicate check) */
};

/* Points the row's strings at the arrays; "" reads as NULL (none). */
static void wo_fix(struct wf_order *w) {
#define WO_PTR(f) w->o.f = w->f[0] ? w->f : NULL
  w->o.matter = w->matter;
  w->o.title = w->title;
  w->o.state = w->state;
  w->o.channel = w->channel;
  w->o.reporters_json = w->reporters[0] ? w->reporters : "[]";
  WO_PTR(description);
  WO_PTR(department);
  WO_PTR(entity);
  WO_PTR(reporter);
  WO_PTR(escalated_to);
  WO_PTR(rating_note);
#undef WO_PTR
}

static void wo_copy(struct wf_order *w, const struct store_order *o) {
  memset(w, 0, sizeof *w);
  w->o = *o;
#define WO_CP(f) zz_strlcpy(w->f, o->f ? o->f : "", sizeof w->f)
  WO_CP(matter);
  WO_CP(title);
  WO_CP(description);
  WO_CP(state);
  WO_CP(department);
  WO_CP(channel);
  WO_CP(entity);
  WO_CP(reporter);
  WO_CP(escalated_to);
  WO_CP(rating_note);
#undef WO_CP
  zz_strlcpy(w->reporters, o->reporters_json ? o->reporters_json : "[]", sizeof w->reporters);
  wo_fix(w);
}

static int load_cb(void *ud, const struct store_order *o) {
  wo_copy(ud, o);
  return 0;
}

static int wo_load(struct workflow *wf, int64_t id, struct wf_order *w, struct zz_err *e) {
  int rc = store_order_get(wf->o.st, id, load_cb, w);
  if (rc == ZZ_ENOTFOUND)
    return zz_fail(e, ZZ_ENOTFOUND, "id", "order %lld does not exist", (long long)id);
  if (rc) return zz_fail(e, rc, "order", "cannot read order %lld", (long long)id);
  return 0;
}

/* The sub-orders of a joint order, in id order. */
struct kids {
  struct wf_order *v;
  size_t n, cap;
  int rc;
};

static int kid_cb(void *ud, const struct store_order *o) {
  struct kids *k = ud;
  if (k->n == k->cap) {
    size_t cap = k->cap ? k->cap * 2 : 4;
    struct wf_order *p = zz_realloc(k->v, cap * sizeof *p);
    if (!p) {
      k->rc = ZZ_ENOMEM;
      return 1;
    }
    k->v = p;
    k->cap = cap;
  }
  wo_copy(&k->v[k->n++], o);
  return 0;
}

static int kids_load(struct workflow *wf, int64_t parent, struct kids *k) {
  memset(k, 0, sizeof *k);
  struct store_order_filter f = {.parent = parent};
  int rc = store_orders_each(wf->o.st, &f, kid_cb, k);
  if (!rc) rc = k->rc;
  /* realloc moved them: re-point every row at its own arrays */
  for (size_t i = 0; i < k->n; i++) wo_fix(&k->v[i]);
  return rc;
}

/* ---- matters ---- */

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

static void matters_free(struct wf_matter *v, int n) {
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
    matters_free(l.v, l.n);
    return zz_fail(e, rc, "matters", "cannot read the matters");
  }
  pthread_mutex_lock(&wf->mlock);
  struct wf_matter *old = wf->matters;
  int nold = wf->nmatters;
  wf->matters = l.v;
  wf->nmatters = l.n;
  pthread_mutex_unlock(&wf->mlock);
  matters_free(old, nold);
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
static int matter_get(struct workflow *wf, const char *key, struct wf_matter *out) {
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
  return matter && matter_get(wf, matter, &m) == 0;
}

/* The departments a matter goes to in a region: the route of the longest
 * region prefix that holds the region, else the matter's own. */
static int suggest(struct workflow *wf, const struct wf_matter *m, int64_t region,
                   char (*out)[65]) {
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
                           struct zz_buf *b) {
  struct wf_matter m;
  char d[WF_MAX_DEPTS][65];
  int n = matter && matter_get(wf, matter, &m) == 0 ? suggest(wf, &m, region, d) : 0;
  zz_buf_addc(b, '[');
  for (int i = 0; i < n; i++) {
    if (i) zz_buf_addc(b, ',');
    zz_buf_json_str(b, d[i]);
  }
  zz_buf_addc(b, ']');
}

void workflow_matters_json(struct workflow *wf, struct zz_buf *b) {
  zz_buf_adds(b, "{\"matters\":[");
  pthread_mutex_lock(&wf->mlock);
  for (int i = 0; i < wf->nmatters; i++) {
    const struct wf_matter *m = &wf->matters[i];
    if (i) zz_buf_addc(b, ',');
    zz_buf_adds(b, "{\"id\":");
    zz_buf_json_str(b, m->key);
    zz_buf_adds(b, ",\"name_zh\":");
    zz_buf_json_str(b, m->name_zh);
    zz_buf_adds(b, ",\"name_en\":");
    zz_buf_json_str(b, m->name_en);
    zz_buf_adds(b, ",\"kind\":");
    zz_buf_json_str(b, m->kind);
    zz_buf_adds(b, ",\"departments\":[");
    for (int k = 0; k < m->ndepts; k++) {
      if (k) zz_buf_addc(b, ',');
      zz_buf_json_str(b, m->depts[k]);
    }
    zz_buf_printf(b, "],\"sla_accept_minutes\":%lld,\"sla_resolve_minutes\":%lld}",
                  (long long)(m->accept_ms / ZZ_MINUTE_MS),
                  (long long)(m->resolve_ms / ZZ_MINUTE_MS));
  }
  pthread_mutex_unlock(&wf->mlock);
  zz_buf_adds(b, "]}");
}

/* ---- output ---- */

static void time_or_null(struct zz_buf *b, int64_t ms) {
  char t[32];
  if (ms)
    zz_buf_json_str(b, zz_time_format(ms, t));
  else
    zz_buf_adds(b, "null");
}

static void id_or_null(struct zz_buf *b, int64_t id) {
  if (id)
    zz_buf_printf(b, "%lld", (long long)id);
  else
    zz_buf_adds(b, "null");
}

/* A receipt number (10 of A-Z, 2-9): what a report's reporter name
 * carries after "citizen:" or "enterprise:". */
static int receipt_like(const char *s) {
  size_t n = 0;
  for (; s[n]; n++)
    if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9'))) return 0;
  return n == 10;
}

const char *workflow_mask_reporter(const char *reporter, char *out, size_t cap) {
  const char *colon = strchr(reporter, ':');
  if (!colon) return reporter;
  size_t pre = (size_t)(colon - reporter) + 1;
  int citizen = pre == 8 && strncmp(reporter, "citizen:", 8) == 0;
  int enterprise = pre == 11 && strncmp(reporter, "enterprise:", 11) == 0;
  if (!(citizen || (enterprise && receipt_like(colon + 1)))) return reporter;
  size_t n = strlen(colon + 1);
  snprintf(out, cap, "%.*s\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2%s", (int)pre, reporter,
           n > 4 ? colon + 1 + n - 4 : "");
  return out;
}

void workflow_order_json(struct workflow *wf, const struct store_order *o, struct zz_buf *b) {
  zz_buf_printf(b, "{\"id\":%lld,\"parent\":", (long long)o->id);
  id_or_null(b, o->parent);
  zz_buf_adds(b, ",\"matter\":");
  zz_buf_json_str(b, o->matter);
  struct wf_matter m;
  if (matter_get(wf, o->matter, &m) == 0) {
    zz_buf_adds(b, ",\"matter_name_zh\":");
    zz_buf_json_str(b, m.name_zh);
    zz_buf_adds(b, ",\"matter_name_en\":");
    zz_buf_json_str(b, m.name_en);
  }
  zz_buf_adds(b, ",\"title\":");
  zz_buf_json_str(b, o->title);
  zz_buf_adds(b, ",\"description\":");
  zz_buf_json_str(b, o->description);
  zz_buf_adds(b, ",\"state\":");
  zz_buf_json_str(b, o->state);
  zz_buf_adds(b, ",\"department\":");
  zz_buf_json_str(b, o->department);
  zz_buf_adds(b, ",\"suggested_departments\":");
  workflow_suggest_json(wf, o->matter, o->region, b);
  zz_buf_adds(b, ",\"channel\":");
  zz_buf_json_str(b, o->channel);
  zz_buf_adds(b, ",\"region\":");
  registry_rdlock(wf->o.reg);
  const struct reg_region *rg = registry_region_by_id(wf->o.reg, o->region);
  zz_buf_json_str(b, rg ? rg->path : NULL);
  registry_unlock(wf->o.reg);
  zz_buf_adds(b, ",\"entity\":");
  zz_buf_json_str(b, o->entity);
  zz_buf_adds(b, ",\"lon\":");
  zz_buf_json_num(b, o->lon);
  zz_buf_adds(b, ",\"lat\":");
  zz_buf_json_num(b, o->lat);
  zz_buf_adds(b, ",\"alert\":");
  id_or_null(b, o->alert);
  char masked[96];
  zz_buf_adds(b, ",\"reporter\":");
  zz_buf_json_str(b,
                  o->reporter ? workflow_mask_reporter(o->reporter, masked, sizeof masked) : NULL);
  zz_buf_adds(b, ",\"reporters\":[");
  json_t *rs = o->reporters_json ? json_loads(o->reporters_json, 0, NULL) : NULL;
  for (size_t i = 0; i < json_array_size(rs); i++) {
    const char *x = json_string_value(json_array_get(rs, i));
    if (i) zz_buf_addc(b, ',');
    zz_buf_json_str(b, x ? workflow_mask_reporter(x, masked, sizeof masked) : NULL);
  }
  json_decref(rs);
  zz_buf_addc(b, ']');
  const struct {
    const char *k;
    int64_t v;
  } times[] = {{"created", o->created},
               {"updated", o->updated},
               {"dispatched_at", o->dispatched_at},
               {"accept_due", o->accept_due},
               {"resolve_due", o->resolve_due},
               {"accepted_at", o->accepted_at},
               {"resolved_at", o->resolved_at},
               {"closed_at", o->closed_at},
               {"escalate_at", o->escalate_at}};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(times); i++) {
    zz_buf_printf(b, ",\"%s\":", times[i].k);
    time_or_null(b, times[i].v);
  }
  zz_buf_printf(b, ",\"overdue\":%s,\"supervised\":%s,\"escalated\":%s,\"escalated_to\":",
                o->overdue ? "true" : "false", o->supervised ? "true" : "false",
                o->escalated ? "true" : "false");
  zz_buf_json_str(b, o->escalated_to);
  zz_buf_adds(b, ",\"duplicate_of\":");
  id_or_null(b, o->duplicate_of);
  zz_buf_adds(b, ",\"merged_into\":");
  id_or_null(b, o->merged_into);
  zz_buf_adds(b, ",\"rating\":");
  id_or_null(b, o->rating);
  zz_buf_adds(b, ",\"rating_note\":");
  zz_buf_json_str(b, o->rating_note);
  zz_buf_printf(b, ",\"version\":%lld}", (long long)o->version);
}

/* A deferred event in wf->deferred: its header, then len bytes of JSON,
 * then alen bytes of audience (with its NUL). */
struct deferred_event {
  int64_t rpos;
  size_t len, alen;
};

/* The departments whose officers may read order o (workflow_can_read) as
 * "|dept|dept|": its own and those of its joint order's sub-orders. The
 * stream checks it against the reader (api/authz.h). */
static void audience_of(struct workflow *wf, const struct store_order *o, struct zz_buf *a) {
  zz_buf_addc(a, '|');
  if (o->department && o->department[0]) zz_buf_printf(a, "%s|", o->department);
  /* sub-orders come with a dispatch: a report never dispatched (a crowd
   * of phones through the intake) costs no query here */
  if (!o->parent && !o->dispatched_at) return;
  struct kids k;
  if (kids_load(wf, o->parent ? o->parent : o->id, &k) == 0)
    for (size_t i = 0; i < k.n; i++)
      if (k.v[i].o.department && k.v[i].o.department[0])
        zz_buf_printf(a, "%s|", k.v[i].o.department);
  zz_free(k.v);
}

static void publish(struct workflow *wf, const struct store_order *o, const char *action) {
  if (!wf->o.bus) return;
  struct zz_buf b, a;
  zz_buf_init(&b, 0);
  zz_buf_init(&a, 0);
  zz_buf_adds(&b, "{\"action\":");
  zz_buf_json_str(&b, action);
  zz_buf_adds(&b, ",\"order\":");
  workflow_order_json(wf, o, &b);
  zz_buf_addc(&b, '}');
  audience_of(wf, o, &a);
  zz_buf_addc(&a, '\0');
  if (zz_buf_error(&b) || zz_buf_error(&a)) {
    zz_warn("workflow: the event of order %lld is lost: %s", (long long)o->id,
            zz_strerror(zz_buf_error(&b) ? zz_buf_error(&b) : zz_buf_error(&a)));
  } else if (wf->deferred) {
    struct deferred_event h = {o->rpos, b.len, a.len};
    zz_buf_add(wf->deferred, &h, sizeof h);
    zz_buf_add(wf->deferred, b.data, b.len);
    zz_buf_add(wf->deferred, a.data, a.len);
  } else {
    bus_publish_to(wf->o.bus, "order", o->rpos, a.data, b.data, b.len);
  }
  zz_buf_free(&b);
  zz_buf_free(&a);
}

/* Sends the deferred events to the bus (after their commit). */
static void publish_deferred(struct workflow *wf, const struct zz_buf *d) {
  for (size_t at = 0; at + sizeof(struct deferred_event) <= d->len;) {
    struct deferred_event h;
    memcpy(&h, d->data + at, sizeof h);
    at += sizeof h;
    bus_publish_to(wf->o.bus, "order", h.rpos, d->data + at + h.len, d->data + at, h.len);
    at += h.len + h.alen;
  }
}

/* A transaction around several writes of the workflow (under wf->lock):
 * their events reach the bus only once it has committed. group_close
 * commits when rc is 0, else rolls back; it returns rc or the commit's
 * error. A group opened inside another (a report in workflow_intake's
 * batch) is a savepoint: its events wait for the outer commit, and go
 * with its own rollback. */
struct group {
  struct zz_buf events; /* the outer group's deferred events */
  size_t mark;          /* where this group's events start */
  int outer;
};

static int group_open(struct workflow *wf, struct group *g, struct zz_err *e) {
  zz_buf_init(&g->events, 0);
  int rc = store_txn(wf->o.st, STORE_TXN_BEGIN, e);
  if (rc) return rc;
  g->outer = !wf->deferred;
  if (g->outer) wf->deferred = &g->events;
  g->mark = wf->deferred->len;
  return 0;
}

static int group_close(struct workflow *wf, struct group *g, int rc, struct zz_err *e) {
  struct store *st = wf->o.st;
  if (rc)
    store_txn(st, STORE_TXN_ROLLBACK, NULL);
  else
    rc = store_txn(st, STORE_TXN_COMMIT, e);
  if (g->outer) {
    wf->deferred = NULL;
    if (!rc && zz_buf_error(&g->events))
      zz_warn("workflow: the events of a commit are lost: %s",
              zz_strerror(zz_buf_error(&g->events)));
    if (!rc) publish_deferred(wf, &g->events);
  } else if (rc) {
    zz_buf_truncate(wf->deferred, g->mark); /* this savepoint's events go with it */
  }
  zz_buf_free(&g->events);
  return rc;
}

/* ---- permissions ---- */

/* The ROLE_* bit of a user; the public, sources and the system hold none. */
static int role_of(const struct wf_actor *who) {
  return who->kind == ACTOR_USER ? who->role : 0;
}

/* The system acts with a dispatcher's rights and more (may): it dispatches
 * complete applications and opens orders for rules. */
static int is_dispatcher(const struct wf_actor *who) {
  return who->kind == ACTOR_SYSTEM || (role_of(who) & (ROLE_ADMIN | ROLE_DISPATCHER));
}

static int same_dept(const struct wf_actor *who, const char *dept) {
  return who->department && who->department[0] && dept && strcmp(who->department, dept) == 0;
}

int workflow_can_read(struct workflow *wf, const struct wf_actor *who,
                      const struct store_order *o) {
  if (!(role_of(who) & ROLE_OFFICER)) return 1;
  if (same_dept(who, o->department)) return 1;
  struct kids k;
  int ok = 0;
  if (kids_load(wf, o->parent ? o->parent : o->id, &k) == 0)
    for (size_t i = 0; i < k.n && !ok; i++) ok = same_dept(who, k.v[i].department);
  zz_free(k.v);
  return ok;
}

static int may(const struct wf_actor *who, enum order_action a, const struct wf_order *w,
               struct zz_err *e) {
  if (who->kind == ACTOR_SYSTEM || (role_of(who) & ROLE_ADMIN)) return 0;
  if (order_action_side(a) == ORDER_SIDE_DISPATCH) {
    if (role_of(who) & ROLE_DISPATCHER) return 0;
    return zz_fail(e, ZZ_EFORBIDDEN, "action", "only a dispatcher can %s an order",
                   order_action_name(a));
  }
  if ((role_of(who) & ROLE_OFFICER) && same_dept(who, w->o.department)) return 0;
  return zz_fail(
      e, ZZ_EFORBIDDEN, "action", "only an officer of department \"%s\" can %s order %lld",
      w->o.department ? w->o.department : "(none yet)", order_action_name(a), (long long)w->o.id);
}

/* ---- writing ---- */

#define WF_MAX_EVENTS 64

struct change {
  struct wf_order *orders[WF_MAX_EVENTS];
  const char *actions[WF_MAX_EVENTS]; /* published per order */
  size_t n;
  struct store_order_event ev[WF_MAX_EVENTS];
  size_t nev;
  char data[WF_MAX_EVENTS][256];  /* from-state and event data JSON */
  char notes[WF_MAX_EVENTS][640]; /* notes are copied: callers build them in inner scopes */
};

static void touch(struct change *c, struct wf_order *w, const char *action) {
  for (size_t i = 0; i < c->n; i++)
    if (c->orders[i] == w) return;
  if (c->n < WF_MAX_EVENTS) {
    c->actions[c->n] = action;
    c->orders[c->n++] = w;
  }
}

/* Records action on w (moving it to `to` unless NULL) and marks w written. */
static void step(struct change *c, struct wf_order *w, const char *actor, const char *action,
                 const char *to, const char *note, int64_t now) {
  if (c->nev == WF_MAX_EVENTS) return;
  struct store_order_event *ev = &c->ev[c->nev];
  *ev = (struct store_order_event){.order_id = w->o.id,
                                   .ts = now,
                                   .actor = actor,
                                   .action = action,
                                   .from_state = NULL,
                                   .to_state = NULL,
                                   .note = NULL};
  if (note && *note) {
    zz_strlcpy(c->notes[c->nev], note, sizeof c->notes[0]);
    ev->note = c->notes[c->nev];
  }
  /* from/to point into per-event storage: w->state changes below */
  char *d = c->data[c->nev];
  snprintf(d, 32, "%s", w->state);
  ev->from_state = d;
  ev->to_state = to ? to : d;
  if (to) zz_strlcpy(w->state, to, sizeof w->state);
  w->o.updated = now;
  c->nev++;
  touch(c, w, action);
}

static void set_data(struct change *c, const char *json) {
  if (!c->nev) return;
  char *d = c->data[c->nev - 1] + 32;
  zz_strlcpy(d, json, 224);
  c->ev[c->nev - 1].data_json = d;
}

static int commit(struct workflow *wf, struct change *c, struct zz_err *e) {
  const struct store_order *os[WF_MAX_EVENTS];
  for (size_t i = 0; i < c->n; i++) {
    wo_fix(c->orders[i]);
    os[i] = &c->orders[i]->o;
  }
  int rc = store_orders_update(wf->o.st, os, c->n, c->ev, c->nev, e);
  if (rc) return rc;
  for (size_t i = 0; i < c->n; i++) {
    c->orders[i]->o.version++;
    publish(wf, &c->orders[i]->o, c->actions[i]);
  }
  return 0;
}

/* The street above a region (its path), for escalation to the street leader. */
static void street_of(struct workflow *wf, int64_t region, char *out, size_t cap) {
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

static void set_dues(struct wf_order *w, const struct wf_matter *m, int64_t now) {
  w->o.dispatched_at = now;
  w->o.accept_due = m->accept_ms ? now + m->accept_ms : 0;
  w->o.resolve_due = m->resolve_ms ? now + m->resolve_ms : 0;
  w->o.accepted_at = w->o.resolved_at = w->o.closed_at = 0;
  w->o.overdue = w->o.supervised = w->o.escalated = 0;
  w->o.escalate_at = 0;
  w->escalated_to[0] = 0;
}

/* ---- create ---- */

static double metres(double lon1, double lat1, double lon2, double lat2) {
  const double rad = M_PI / 180.0, r = 6371008.8;
  double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
  double a = sin(dlat / 2) * sin(dlat / 2) +
             cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
  return 2 * r * asin(sqrt(a));
}

struct dup_find {
  double lon, lat;
  int64_t best;
  double best_m;
};

static int dup_cb(void *ud, int64_t id, double lon, double lat) {
  struct dup_find *d = ud;
  double m = metres(d->lon, d->lat, lon, lat);
  if (m <= WORKFLOW_DUP_METRES && m <= d->best_m) { /* newest first: ties keep the oldest */
    d->best = id;
    d->best_m = m;
  }
  return 0;
}

struct ent_pos {
  int64_t region;
  double lon, lat;
  int found;
};

static int ent_cb(void *ud, const struct store_entity *en) {
  struct ent_pos *p = ud;
  p->region = en->region;
  p->lon = en->lon;
  p->lat = en->lat;
  p->found = 1;
  return 0;
}

/* The new order of c in *w, checked; no lock, no write. */
static int create_prepare(struct workflow *wf, const struct wf_actor *who,
                          const struct wf_create *c, struct wf_order *w, struct zz_err *e) {
  struct wf_matter m;
  if (!c->matter || !*c->matter) return zz_fail(e, ZZ_EINVAL, "matter", "matter is required");
  if (matter_get(wf, c->matter, &m))
    return zz_fail(e, ZZ_EINVAL, "matter",
                   "matter \"%s\" does not exist (GET /api/v1/matters lists them)", c->matter);
  struct ent_pos ep = {0, NAN, NAN, 0};
  if (c->entity && *c->entity) {
    if (store_entity_get(wf->o.st, c->entity, ent_cb, &ep) != 0 || !ep.found)
      return zz_fail(e, ZZ_EINVAL, "entity", "entity \"%s\" does not exist", c->entity);
  }
  int64_t region = 0, rpos = 0;
  registry_rdlock(wf->o.reg);
  const struct reg_region *rg = c->region && *c->region
                                    ? registry_region(wf->o.reg, c->region)
                                    : registry_region_by_id(wf->o.reg, ep.region);
  if (rg) {
    region = rg->id;
    rpos = rg->lo;
  }
  registry_unlock(wf->o.reg);
  if (!region)
    return c->region && *c->region
               ? zz_fail(e, ZZ_EINVAL, "region", "region \"%s\" does not exist", c->region)
               : zz_fail(e, ZZ_EINVAL, "region",
                         "region is required (or an entity to take it from)");
  double lon = isnan(c->lon) ? ep.lon : c->lon, lat = isnan(c->lat) ? ep.lat : c->lat;
  if (!isnan(lon) != !isnan(lat) || (!isnan(lon) && (fabs(lon) > 180 || fabs(lat) > 90)))
    return zz_fail(e, ZZ_EINVAL, "lon", "lon and lat go together, within ±180 and ±90");
  int64_t now = zz_time_now();
  const char *reporter = c->reporter && *c->reporter ? c->reporter : who->name;
  memset(w, 0, sizeof *w);
  zz_strlcpy(w->matter, m.key, sizeof w->matter);
  zz_strlcpy(w->title, c->title && *c->title ? c->title : m.name_zh, sizeof w->title);
  zz_strlcpy(w->description, c->description ? c->description : "", sizeof w->description);
  zz_strlcpy(w->state, "reported", sizeof w->state);
  zz_strlcpy(w->channel, c->channel && *c->channel ? c->channel : "staff", sizeof w->channel);
  zz_strlcpy(w->entity, c->entity ? c->entity : "", sizeof w->entity);
  zz_strlcpy(w->reporter, reporter ? reporter : "", sizeof w->reporter);
  struct zz_buf rb;
  zz_buf_init(&rb, sizeof w->reporters - 1);
  zz_buf_addc(&rb, '[');
  if (reporter) zz_buf_json_str(&rb, reporter);
  zz_buf_addc(&rb, ']');
  zz_strlcpy(w->reporters, rb.data ? rb.data : "[]", sizeof w->reporters);
  zz_buf_free(&rb);
  w->o.region = region;
  w->o.rpos = rpos;
  w->o.lon = lon;
  w->o.lat = lat;
  w->o.alert = c->alert;
  w->o.created = w->o.updated = now;
  w->application = strcmp(m.kind, "application") == 0;
  wo_fix(w);
  return 0;
}

/* Writes the order *w (from create_prepare) under wf->lock: the duplicate
 * check, the row and its first event, then the event to the bus. */
static int create_locked(struct workflow *wf, const struct wf_actor *who, struct wf_order *w,
                         int64_t *out_id, struct zz_err *e) {
  int rc = 0;
  double lon = w->o.lon, lat = w->o.lat;
  int64_t now = w->o.created;
  /* Likely duplicate: the same matter within 50 m and 24 h of an open order.
   * Not for applications: an enterprise applying twice (two events, two
   * promotions) is not a crowd reporting one thing. */
  if (!isnan(lon) && !w->application) {
    struct dup_find d = {lon, lat, 0, INFINITY};
    /* The box around the point that holds the 50 m circle (a degree of
     * latitude is 111.2 km; one of longitude shrinks with cos(lat)). */
    double dlat = WORKFLOW_DUP_METRES / 111000.0, dlon = dlat / fmax(cos(lat * M_PI / 180), 0.01);
    const double box[4] = {lon - dlon, lon + dlon, lat - dlat, lat + dlat};
    /* An order at the very spot is the nearest there can be (reports
     * through one venue's code all sit at the venue): the box is read only
     * when there is none. */
    int64_t since = now - WORKFLOW_DUP_MS;
    if ((rc = store_order_at(wf->o.st, w->matter, since, lon, lat, &d.best)) ||
        (!d.best && (rc = store_orders_near(wf->o.st, w->matter, since, box, dup_cb, &d))))
      return zz_fail(e, rc, "order", "cannot look for duplicates");
    w->o.duplicate_of = d.best;
  }
  char note[160] = "", data[128] = "";
  if (w->o.duplicate_of)
    snprintf(note, sizeof note, "likely duplicate of order %lld (same matter within 50 m and 24 h)",
             (long long)w->o.duplicate_of);
  if (w->o.alert) snprintf(data, sizeof data, "{\"alert\":%lld}", (long long)w->o.alert);
  struct store_order_event ev = {.ts = now,
                                 .actor = who->name,
                                 .action = "create",
                                 .to_state = "reported",
                                 .note = note[0] ? note : NULL,
                                 .data_json = data[0] ? data : NULL};
  int64_t id = 0;
  if ((rc = store_order_insert(wf->o.st, &w->o, &ev, 1, &id, e))) return rc;
  w->o.id = id;
  w->o.version = 1;
  publish(wf, &w->o, "create");
  if (out_id) *out_id = id;
  return 0;
}

int workflow_create(struct workflow *wf, const struct wf_actor *who, const struct wf_create *c,
                    int64_t *out_id, struct zz_err *e) {
  struct wf_order *w = zz_calloc(1, sizeof *w);
  if (!w) return zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
  int rc = create_prepare(wf, who, c, w, e);
  if (!rc) {
    pthread_mutex_lock(&wf->lock);
    rc = create_locked(wf, who, w, out_id, e);
    pthread_mutex_unlock(&wf->lock);
  }
  zz_free(w);
  return rc;
}

/* ---- actions ---- */

static int dept_exists_cb(void *ud, const struct store_named *n) {
  const char **want = ud;
  if (strcmp(n->key, *want) == 0) {
    *want = NULL;
    return 1;
  }
  return 0;
}

static int dept_exists(struct workflow *wf, const char *d) {
  const char *want = d;
  store_named_each(wf->o.st, "department", dept_exists_cb, &want);
  return want == NULL;
}

/* The merged orders learn their outcome when the order they joined moves. */
static int tell_merged(struct workflow *wf, struct change *c, const struct wf_order *w,
                       const char *actor, const char *note, int64_t now, struct kids *merged) {
  struct store_order_filter f = {.merged_into = w->o.id};
  memset(merged, 0, sizeof *merged);
  int rc = store_orders_each(wf->o.st, &f, kid_cb, merged);
  if (!rc) rc = merged->rc;
  for (size_t i = 0; i < merged->n; i++) wo_fix(&merged->v[i]);
  for (size_t i = 0; !rc && i < merged->n; i++) {
    char n[300];
    snprintf(n, sizeof n, "order %lld, which this one was merged into, is %s%s%s",
             (long long)w->o.id, w->state, note && *note ? ": " : "", note ? note : "");
    step(c, &merged->v[i], actor, "outcome", NULL, n, now);
  }
  return rc;
}

int workflow_act(struct workflow *wf, const struct wf_actor *who, int64_t id, const char *action,
                 const char *const *departments, size_t ndepts, const char *note,
                 struct zz_err *e) {
  enum order_action a;
  if (!action || order_action_parse(action, &a))
    return zz_fail(e, ZZ_EINVAL, "action",
                   "action must be one of dispatch, accept, start, resolve, verify, close, return,"
                   " reopen, supervise, escalate");
  if (order_action_needs_note(a) && (!note || !*note))
    return zz_fail(e, ZZ_EINVAL, "note", "%s needs a note saying %s", action,
                   a == ORDER_RETURN    ? "why the order goes back"
                   : a == ORDER_RESOLVE ? "what was done"
                                        : "why it is reopened");
  if (ndepts > WF_MAX_DEPTS)
    return zz_fail(e, ZZ_EINVAL, "departments", "at most %d departments", WF_MAX_DEPTS);
  if (ndepts && a != ORDER_DISPATCH)
    return zz_fail(e, ZZ_EINVAL, "department", "a department is only given with dispatch");
  int64_t now = zz_time_now();
  struct wf_order *w = zz_calloc(3, sizeof *w); /* the order, its parent, a scratch */
  struct kids k = {0}, merged = {0};
  struct change *c = zz_calloc(1, sizeof *c);
  if (!w || !c) {
    zz_free(w);
    zz_free(c);
    return zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
  }
  struct wf_order *parent = &w[1];
  int rc = 0;
  pthread_mutex_lock(&wf->lock);
  if ((rc = wo_load(wf, id, w, e))) goto done;
  if ((rc = kids_load(wf, id, &k))) {
    rc = zz_fail(e, rc, "order", "cannot read the sub-orders");
    goto done;
  }
  enum order_shape shape = w->o.parent ? ORDER_SUB : k.n ? ORDER_JOINT : ORDER_SINGLE;
  const char *next = NULL;
  if ((rc = may(who, a, w, e)) || (rc = order_next_state(id, w->state, shape, a, &next, e)))
    goto done;
  struct wf_matter m;
  if (matter_get(wf, w->matter, &m)) {
    memset(&m, 0, sizeof m);
    zz_strlcpy(m.key, w->matter, sizeof m.key);
    m.escalate_ms = WORKFLOW_ESCALATE_AFTER_MS;
  }
  if (w->o.parent && (rc = wo_load(wf, w->o.parent, parent, e))) goto done;
  const char *actor = who->name;
  switch (a) {
  case ORDER_DISPATCH: {
    char d[WF_MAX_DEPTS][65];
    int nd = 0;
    for (size_t i = 0; i < ndepts; i++) {
      if (!departments[i] || !dept_exists(wf, departments[i])) {
        rc = zz_fail(e, ZZ_EINVAL, "department", "department \"%s\" does not exist",
                     departments[i] ? departments[i] : "");
        goto done;
      }
      zz_strlcpy(d[nd++], departments[i], 65);
    }
    if (shape == ORDER_SUB) {
      if (nd > 1) {
        rc = zz_fail(e, ZZ_EINVAL, "department", "a sub-order goes to one department");
        goto done;
      }
      if (nd) zz_strlcpy(w->department, d[0], sizeof w->department);
    } else if (!nd && shape == ORDER_SINGLE) {
      nd = suggest(wf, &m, w->o.region, d);
      if (!nd) {
        rc = zz_fail(e, ZZ_EINVAL, "department",
                     "department is required: matter \"%s\" suggests none", w->matter);
        goto done;
      }
    }
    char data[224];
    struct zz_buf db;
    zz_buf_init(&db, sizeof data - 1);
    zz_buf_adds(&db, "{\"departments\":[");
    if (shape == ORDER_JOINT && !nd) {
      for (size_t i = 0; i < k.n; i++) {
        if (i) zz_buf_addc(&db, ',');
        zz_buf_json_str(&db, k.v[i].department);
      }
    }
    for (int i = 0; i < nd; i++) {
      if (i) zz_buf_addc(&db, ',');
      zz_buf_json_str(&db, shape == ORDER_SUB && !ndepts ? w->department : d[i]);
    }
    if (shape == ORDER_SUB && !nd) zz_buf_json_str(&db, w->department);
    zz_buf_adds(&db, "]}");
    zz_strlcpy(data, db.data ? db.data : "{}", sizeof data);
    zz_buf_free(&db);
    set_dues(w, &m, now);
    if (shape == ORDER_SINGLE && nd == 1) {
      zz_strlcpy(w->department, d[0], sizeof w->department);
      step(c, w, actor, "dispatch", next, note, now);
      set_data(c, data);
    } else if (shape == ORDER_SUB) {
      step(c, w, actor, "dispatch", next, note, now);
      set_data(c, data);
    } else if (shape == ORDER_JOINT && !nd) {
      /* again, to the same departments: every sub-order starts over */
      step(c, w, actor, "dispatch", next, note, now);
      set_data(c, data);
      for (size_t i = 0; i < k.n; i++) {
        set_dues(&k.v[i], &m, now);
        step(c, &k.v[i], actor, "dispatch", "dispatched", note, now);
      }
    } else {
      /* joint handling: one sub-order per department, handled in parallel */
      w->department[0] = 0;
      step(c, w, actor, "dispatch", next, note, now);
      set_data(c, data);
      for (size_t i = 0; i < k.n; i++) { /* departments dropped from a joint order */
        int kept = 0;
        for (int j = 0; j < nd; j++) kept |= strcmp(k.v[i].department, d[j]) == 0;
        if (!kept && order_state_open(k.v[i].state)) {
          k.v[i].o.closed_at = now;
          step(c, &k.v[i], actor, "close", "closed", "no longer part of the joint order", now);
        } else if (kept) {
          set_dues(&k.v[i], &m, now);
          step(c, &k.v[i], actor, "dispatch", "dispatched", note, now);
        }
      }
      if ((rc = commit(wf, c, e))) goto done;
      for (int j = 0; j < nd; j++) {
        int have = 0;
        for (size_t i = 0; i < k.n; i++) have |= strcmp(k.v[i].department, d[j]) == 0;
        if (have) continue;
        struct wf_order *s = &w[2];
        *s = *w;
        s->o.id = 0;
        s->o.parent = id;
        s->o.duplicate_of = 0;
        zz_strlcpy(s->department, d[j], sizeof s->department);
        zz_strlcpy(s->state, "dispatched", sizeof s->state);
        s->o.created = s->o.updated = now;
        wo_fix(s);
        char sn[128];
        snprintf(sn, sizeof sn, "sub-order of joint order %lld for %s", (long long)id, d[j]);
        struct store_order_event ev = {
            .ts = now, .actor = actor, .action = "dispatch", .to_state = "dispatched", .note = sn};
        int64_t sid = 0;
        if ((rc = store_order_insert(wf->o.st, &s->o, &ev, 1, &sid, e))) goto done;
        s->o.id = sid;
        s->o.version = 1;
        publish(wf, &s->o, "dispatch");
      }
      goto done;
    }
    break;
  }
  case ORDER_ACCEPT:
    w->o.accepted_at = now;
    step(c, w, actor, "accept", next, note, now);
    if (shape == ORDER_SUB && strcmp(parent->state, "dispatched") == 0) {
      parent->o.accepted_at = now;
      step(c, parent, actor, "accept", "in_progress", "a department accepted its sub-order", now);
    }
    break;
  case ORDER_START:
    step(c, w, actor, "start", next, note, now);
    break;
  case ORDER_RESOLVE:
    w->o.resolved_at = now;
    step(c, w, actor, "resolve", next, note, now);
    if (shape == ORDER_SUB) {
      struct kids sib;
      if ((rc = kids_load(wf, w->o.parent, &sib))) {
        zz_free(sib.v);
        rc = zz_fail(e, rc, "order", "cannot read the sub-orders");
        goto done;
      }
      size_t open = 0, total = 0;
      for (size_t i = 0; i < sib.n; i++) {
        if (sib.v[i].o.id == id || !order_state_open(sib.v[i].state)) continue;
        total++;
        if (strcmp(sib.v[i].state, "resolved") != 0) open++;
      }
      zz_free(sib.v);
      if (!open) {
        char n[96];
        snprintf(n, sizeof n, "all %zu sub-orders are resolved", total + 1);
        parent->o.resolved_at = now;
        if (!parent->o.accepted_at) parent->o.accepted_at = now;
        step(c, parent, "system", "resolve", "resolved", n, now);
      }
    }
    break;
  case ORDER_VERIFY:
    step(c, w, actor, "verify", next, note, now);
    if ((rc = tell_merged(wf, c, w, actor, note, now, &merged))) goto done;
    break;
  case ORDER_CLOSE:
    w->o.closed_at = now;
    step(c, w, actor, "close", next, note, now);
    for (size_t i = 0; i < k.n; i++) {
      if (!order_state_open(k.v[i].state)) continue;
      k.v[i].o.closed_at = now;
      step(c, &k.v[i], actor, "close", "closed", "closed with its joint order", now);
    }
    if ((rc = tell_merged(wf, c, w, actor, note, now, &merged))) goto done;
    break;
  case ORDER_RETURN:
    step(c, w, actor, "return", next, note, now);
    break;
  case ORDER_REOPEN:
    w->o.closed_at = 0;
    step(c, w, actor, "reopen", next, note, now);
    break;
  case ORDER_SUPERVISE:
    w->o.supervised = 1;
    w->o.escalate_at = now + m.escalate_ms;
    step(c, w, actor, "supervise", NULL, note, now);
    break;
  case ORDER_ESCALATE:
    w->o.supervised = 1;
    w->o.escalated = 1;
    street_of(wf, w->o.region, w->escalated_to, sizeof w->escalated_to);
    step(c, w, actor, "escalate", NULL, note, now);
    break;
  case ORDER_ACTION_COUNT:
    break;
  }
  rc = commit(wf, c, e);
done:
  pthread_mutex_unlock(&wf->lock);
  zz_free(k.v);
  zz_free(merged.v);
  zz_free(w);
  zz_free(c);
  return rc;
}

int workflow_merge(struct workflow *wf, const struct wf_actor *who, int64_t id, int64_t into,
                   const char *note, struct zz_err *e) {
  if (!is_dispatcher(who))
    return zz_fail(e, ZZ_EFORBIDDEN, "action", "only a dispatcher can merge orders");
  if (id == into) return zz_fail(e, ZZ_EINVAL, "into", "an order cannot be merged into itself");
  int64_t now = zz_time_now();
  struct wf_order *w = zz_calloc(2, sizeof *w);
  struct change *c = zz_calloc(1, sizeof *c);
  int rc = 0;
  if (!w || !c) {
    rc = zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
    goto out;
  }
  pthread_mutex_lock(&wf->lock);
  if ((rc = wo_load(wf, id, &w[0], e))) goto done;
  if ((rc = wo_load(wf, into, &w[1], e))) {
    if (rc == ZZ_ENOTFOUND)
      rc = zz_fail(e, ZZ_EINVAL, "into", "order %lld does not exist", (long long)into);
    goto done;
  }
  for (int i = 0; i < 2; i++) {
    if (w[i].o.parent) {
      rc = zz_fail(e, ZZ_ECONFLICT, "into", "order %lld is a sub-order: merge its joint order",
                   (long long)w[i].o.id);
      goto done;
    }
    if (!order_state_open(w[i].state)) {
      rc = zz_fail(e, ZZ_ECONFLICT, i ? "into" : "id", "order %lld cannot be merged: it is %s",
                   (long long)w[i].o.id, w[i].state);
      goto done;
    }
  }
  /* The target takes the duplicate's reporters, so both hear the outcome. */
  json_t *ra = json_loads(w[1].reporters, 0, NULL), *rb = json_loads(w[0].reporters, 0, NULL);
  if (!json_is_array(ra)) {
    json_decref(ra);
    ra = json_array();
  }
  size_t i;
  json_t *v;
  json_array_foreach(rb, i, v) {
    int have = 0;
    size_t j;
    json_t *x;
    json_array_foreach(ra, j, x) have |= json_equal(x, v);
    if (!have) json_array_append(ra, v);
  }
  char *text = json_dumps(ra, JSON_COMPACT);
  json_decref(ra);
  json_decref(rb);
  if (!text || strlen(text) >= sizeof w[1].reporters) {
    zz_free(text);
    rc = zz_fail(e, ZZ_EINVAL, "into", "order %lld has too many reporters to take more",
                 (long long)into);
    goto done;
  }
  zz_strlcpy(w[1].reporters, text, sizeof w[1].reporters);
  zz_free(text);
  w[0].o.merged_into = into;
  char n1[192], n2[192], data[64];
  snprintf(n1, sizeof n1, "merged into order %lld%s%s", (long long)into, note && *note ? ": " : "",
           note ? note : "");
  snprintf(n2, sizeof n2, "order %lld merged into this one%s%s", (long long)id,
           note && *note ? ": " : "", note ? note : "");
  step(c, &w[0], who->name, "merge", "merged", n1, now);
  snprintf(data, sizeof data, "{\"into\":%lld}", (long long)into);
  set_data(c, data);
  step(c, &w[1], who->name, "merge", NULL, n2, now);
  snprintf(data, sizeof data, "{\"from\":%lld}", (long long)id);
  set_data(c, data);
  rc = commit(wf, c, e);
done:
  pthread_mutex_unlock(&wf->lock);
out:
  zz_free(w);
  zz_free(c);
  return rc;
}

static int reporter_of(const struct wf_order *w, const char *name) {
  if (!name) return 0;
  json_t *ra = json_loads(w->reporters, 0, NULL);
  size_t i;
  json_t *v;
  int ok = 0;
  json_array_foreach(ra, i, v) ok |= json_is_string(v) && strcmp(json_string_value(v), name) == 0;
  json_decref(ra);
  return ok;
}

int workflow_rate(struct workflow *wf, const struct wf_actor *who, int64_t id, int score,
                  const char *note, struct zz_err *e) {
  if (score < 1 || score > 5)
    return zz_fail(e, ZZ_EINVAL, "score", "score must be an integer from 1 (unhappy) to 5");
  int64_t now = zz_time_now();
  struct wf_order *w = zz_calloc(1, sizeof *w);
  struct change *c = zz_calloc(1, sizeof *c);
  int rc = 0;
  if (!w || !c) {
    rc = zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
    goto out;
  }
  pthread_mutex_lock(&wf->lock);
  if ((rc = wo_load(wf, id, w, e))) goto done;
  if (!is_dispatcher(who) && !reporter_of(w, who->name)) {
    rc = zz_fail(e, ZZ_EFORBIDDEN, "score",
                 "only a reporter of order %lld (or the dispatch desk, on a return visit) can "
                 "rate it",
                 (long long)id);
    goto done;
  }
  if (w->o.parent) {
    rc = zz_fail(e, ZZ_ECONFLICT, "score", "order %lld is a sub-order: rate its joint order",
                 (long long)id);
    goto done;
  }
  if (strcmp(w->state, "resolved") != 0 && strcmp(w->state, "verified") != 0 &&
      strcmp(w->state, "closed") != 0) {
    rc = zz_fail(e, ZZ_ECONFLICT, "score",
                 "order %lld cannot be rated: it is %s, and only a resolved, verified or closed "
                 "order can be rated",
                 (long long)id, w->state);
    goto done;
  }
  if (w->o.rating && !is_dispatcher(who)) {
    /* a reporter rates once: after an unhappy rating the order is
     * reopened and handled again, and a second rating would reopen it at
     * will; the dispatch desk records later return visits */
    rc = zz_fail(e, ZZ_ECONFLICT, "score", "order %lld has already been rated", (long long)id);
    goto done;
  }
  w->o.rating = score;
  zz_strlcpy(w->rating_note, note ? note : "", sizeof w->rating_note);
  char data[32];
  snprintf(data, sizeof data, "{\"score\":%d}", score);
  step(c, w, who->name, "rate", NULL, note, now);
  set_data(c, data);
  if (score <= 2) {
    /* An unhappy reporter sends it back to the dispatch desk. */
    w->o.closed_at = 0;
    step(c, w, "system", "reopen", "reopened", "the reporter is not satisfied (回访不满意)", now);
  }
  rc = commit(wf, c, e);
done:
  pthread_mutex_unlock(&wf->lock);
out:
  zz_free(w);
  zz_free(c);
  return rc;
}

/* ---- evidence ---- */

/* JPEG or PNG by its first bytes: the MIME type and the file extension. */
static const char *sniff(const void *p, size_t n, const char **ext) {
  const char *t = zz_sniff_type(p, n);
  if (t && strcmp(t, "jpeg") == 0) {
    *ext = "jpg";
    return "image/jpeg";
  }
  if (t && strcmp(t, "png") == 0) {
    *ext = "png";
    return "image/png";
  }
  return NULL;
}
int workflow_evidence_path(struct workflow *wf, const char *rel, char *out, size_t cap) {
  if (!rel || strstr(rel, "..")) return ZZ_EINVAL;
  return (size_t)snprintf(out, cap, "%s/%s", wf->data_dir, rel) < cap ? 0 : ZZ_EINVAL;
}

int workflow_evidence_store(struct workflow *wf, int64_t id, const void *data, size_t n,
                            struct wf_evidence_file *out, struct zz_err *e) {
  memset(out, 0, sizeof *out);
  if (n > WORKFLOW_EVIDENCE_MAX)
    return zz_fail(e, ZZ_ETOOBIG, "body", "a photo may be at most %u MiB",
                   WORKFLOW_EVIDENCE_MAX >> 20);
  const char *ext = NULL, *mime = sniff(data, n, &ext);
  if (!mime)
    return zz_fail(e, ZZ_EMEDIATYPE, "body",
                   "the body is not a JPEG or PNG image (checked by its first bytes)");
  unsigned char rnd[8];
  randombytes_buf(rnd, sizeof rnd);
  char sub[24], path[4200];
  /* Photos of orders still to be made spread over 256 folders, so that the
   * reports of a crowd do not all queue on one directory's lock. */
  if (id)
    snprintf(sub, sizeof sub, "%lld", (long long)id);
  else
    snprintf(sub, sizeof sub, "new/%02x", rnd[0]);
  snprintf(out->rel, sizeof out->rel, "evidence/%s/%lld-%02x%02x%02x%02x%02x%02x%02x%02x.%s", sub,
           (long long)zz_time_now(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7],
           ext);
  snprintf(path, sizeof path, "%s/%s", wf->data_dir, out->rel);
  /* A random name is never reused: written in place, no rename. Synced as
   * the store syncs its commits: the evidence row commits after this. */
  int rc = zz_write_new_file(path, data, n, wf->o.sync_files), full = 0;
  if (rc == ZZ_EIO && errno == ENOENT) { /* the first photo of its folder */
    for (char *slash = path + strlen(wf->data_dir) + 1; (slash = strchr(slash, '/')); slash++) {
      *slash = 0;
      if (mkdir(path, 0750) != 0 && zz_errno_full(0)) full = 1;
      *slash = '/';
    }
    rc = zz_write_new_file(path, data, n, wf->o.sync_files);
  }
  /* a full disk answers 507, any other failure to store the file 503 */
  if (rc == ZZ_EFULL || (rc && full))
    return zz_fail(e, ZZ_EFULL, "body", "cannot store the photo: the disk is full");
  if (rc) return zz_fail(e, ZZ_ESTORE, "body", "cannot store the photo");
  out->mime = mime;
  out->size = n;
  return 0;
}

/* Records the stored file f as evidence of order id, under wf->lock. own is
 * 1 for the intake's photo: the report made order id in this same
 * transaction, so its reporter (the public, no role) attaches it; otherwise
 * the actor must be a dispatcher or an officer of the order's department. */
static int attach_locked(struct workflow *wf, const struct wf_actor *who, int64_t id,
                         const struct wf_evidence_file *f, const char *note, int own,
                         int64_t *out_id, struct zz_err *e) {
  int64_t now = zz_time_now();
  struct wf_order *w = zz_calloc(1, sizeof *w);
  struct change *c = zz_calloc(1, sizeof *c);
  int rc = 0;
  if (!w || !c) {
    rc = zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
    goto done;
  }
  if ((rc = wo_load(wf, id, w, e))) goto done;
  if (!own && !is_dispatcher(who) &&
      !((role_of(who) & ROLE_OFFICER) && same_dept(who, w->department))) {
    rc = zz_fail(e, ZZ_EFORBIDDEN, "id", "only an officer of department \"%s\" can add evidence",
                 w->department);
    goto done;
  }
  if (!order_state_open(w->state)) {
    rc = zz_fail(e, ZZ_ECONFLICT, "id", "order %lld is %s: evidence is added while it is open",
                 (long long)id, w->state);
    goto done;
  }
  struct store_evidence ev = {.order_id = id,
                              .ts = now,
                              .actor = who->name,
                              .mime = f->mime,
                              .path = f->rel,
                              .note = note,
                              .size = (int64_t)f->size};
  int64_t eid = 0;
  if ((rc = store_evidence_insert(wf->o.st, &ev, &eid, e))) goto done;
  char data_json[64];
  snprintf(data_json, sizeof data_json, "{\"evidence\":%lld}", (long long)eid);
  step(c, w, who->name, "evidence", NULL, note, now);
  set_data(c, data_json);
  rc = commit(wf, c, e);
  if (!rc && out_id) *out_id = eid;
done:
  zz_free(w);
  zz_free(c);
  return rc;
}

static void evidence_discard(struct workflow *wf, const struct wf_evidence_file *f) {
  char path[4200];
  if (!workflow_evidence_path(wf, f->rel, path, sizeof path)) unlink(path);
}

int workflow_evidence_attach(struct workflow *wf, const struct wf_actor *who, int64_t id,
                             const struct wf_evidence_file *f, const char *note, int64_t *out_id,
                             struct zz_err *e) {
  struct group g;
  pthread_mutex_lock(&wf->lock);
  int rc = group_open(wf, &g, e);
  if (!rc) rc = group_close(wf, &g, attach_locked(wf, who, id, f, note, 0, out_id, e), e);
  pthread_mutex_unlock(&wf->lock);
  if (rc) evidence_discard(wf, f); /* not recorded: the file must not linger */
  return rc;
}

/* The photo is written and synced before the workflow's lock is taken, so a
 * slow disk does not hold up every other order's change. */
int workflow_add_evidence(struct workflow *wf, const struct wf_actor *who, int64_t id,
                          const void *data, size_t n, const char *note, int64_t *out_id,
                          struct zz_err *e) {
  struct wf_evidence_file f;
  int rc = workflow_evidence_store(wf, id, data, n, &f, e);
  if (!rc) rc = workflow_evidence_attach(wf, who, id, &f, note, out_id, e);
  return rc;
}

/* ---- the public intake's group commit ---- */

/* At most this many reports share one transaction; more wait for the next. */
#define WF_INTAKE_BATCH 512

/* One report of a batch: its order, photo and the caller's rows, as one
 * savepoint of the batch's transaction. */
static int intake_one(struct workflow *wf, struct wf_intake *in) {
  struct group g;
  int rc = group_open(wf, &g, &in->err);
  if (rc) return rc;
  rc = create_locked(wf, &in->who, in->row, &in->order, &in->err);
  if (!rc && in->photo)
    rc = attach_locked(wf, &in->who, in->order, in->photo,
                       in->photo_note ? in->photo_note : "photo", 1, NULL, &in->err);
  if (!rc && in->then) rc = in->then(in->ud, wf->o.st, in->order, &in->err);
  return group_close(wf, &g, rc, &in->err);
}

/* Writes a batch of reports in one transaction. A report that fails alone
 * is undone alone; a failed commit fails them all. */
static void intake_batch(struct workflow *wf, struct wf_intake *batch) {
  struct zz_err e = {0};
  struct group g;
  pthread_mutex_lock(&wf->lock);
  int rc = group_open(wf, &g, &e);
  if (!rc) {
    for (struct wf_intake *in = batch; in; in = in->next) in->rc = intake_one(wf, in);
    rc = group_close(wf, &g, 0, &e);
  }
  pthread_mutex_unlock(&wf->lock);
  for (struct wf_intake *in = batch; in; in = in->next) {
    if (rc && !in->rc) {
      in->rc = rc;
      in->err = e;
    }
    if (in->rc) in->order = 0;
    if (in->rc && in->photo) evidence_discard(wf, in->photo);
  }
}

int workflow_intake_submit(struct workflow *wf, struct wf_intake *in) {
  in->rc = 0;
  in->done = 0;
  in->next = NULL;
  in->order = 0;
  memset(&in->err, 0, sizeof in->err);
  /* checked and built here, in the caller's thread, so that the batch
   * does only the writes */
  struct wf_order *w = zz_malloc(sizeof *w);
  int rc = w ? create_prepare(wf, &in->who, &in->create, w, &in->err)
             : zz_fail(&in->err, ZZ_ENOMEM, "order", "out of memory");
  pthread_mutex_lock(&wf->iq_lock);
  if (!rc && (wf->iq_stopping || !wf->iq_started))
    rc = zz_fail(&in->err, ZZ_EBUSY, "order",
                 "the server is stopping: send the report again in a moment");
  if (rc) {
    pthread_mutex_unlock(&wf->iq_lock);
    zz_free(w);
    if (in->photo) evidence_discard(wf, in->photo);
    return in->rc = rc;
  }
  in->row = w;
  if (wf->iq_tail)
    wf->iq_tail->next = in;
  else
    wf->iq_head = in;
  wf->iq_tail = in;
  pthread_cond_signal(&wf->iq_cond);
  pthread_mutex_unlock(&wf->iq_lock);
  return 0;
}

static void intake_wake(void *ud, struct wf_intake *in) {
  struct workflow *wf = ud;
  (void)in;
  pthread_mutex_lock(&wf->iq_lock);
  pthread_cond_broadcast(&wf->iq_done);
  pthread_mutex_unlock(&wf->iq_lock);
}

int workflow_intake(struct workflow *wf, struct wf_intake *in) {
  in->on_done = intake_wake;
  in->done_ud = wf;
  if (workflow_intake_submit(wf, in)) return in->rc;
  pthread_mutex_lock(&wf->iq_lock);
  while (!in->done) pthread_cond_wait(&wf->iq_done, &wf->iq_lock);
  pthread_mutex_unlock(&wf->iq_lock);
  return in->rc;
}

/* The intake thread: takes everything queued (up to a batch), writes it in
 * one transaction, tells each report's caller; at stop, drains the queue. */
static void *intake_main(void *arg) {
  struct workflow *wf = arg;
  pthread_setname_np(pthread_self(), "zz-intake");
  pthread_mutex_lock(&wf->iq_lock);
  for (;;) {
    while (!wf->iq_head && !wf->iq_stopping) pthread_cond_wait(&wf->iq_cond, &wf->iq_lock);
    if (!wf->iq_head) break; /* stopping, and nothing left */
    struct wf_intake *batch = wf->iq_head, *last = batch;
    for (int n = 1; n < WF_INTAKE_BATCH && last->next; n++) last = last->next;
    wf->iq_head = last->next;
    if (!wf->iq_head) wf->iq_tail = NULL;
    last->next = NULL;
    pthread_mutex_unlock(&wf->iq_lock);
    intake_batch(wf, batch);
    for (struct wf_intake *in = batch, *next; in; in = next) {
      next = in->next; /* in belongs to its caller once on_done runs */
      zz_free(in->row);
      in->row = NULL;
      /* read before done is set: a waiting caller may return at once */
      void (*on_done)(void *, struct wf_intake *) = in->on_done;
      void *done_ud = in->done_ud;
      pthread_mutex_lock(&wf->iq_lock);
      in->done = 1;
      pthread_mutex_unlock(&wf->iq_lock);
      if (on_done) on_done(done_ud, in);
    }
    pthread_mutex_lock(&wf->iq_lock);
  }
  pthread_mutex_unlock(&wf->iq_lock);
  return NULL;
}

/* ---- SLA timers ---- */

struct due_ids {
  int64_t v[256];
  size_t n;
};

static int due_cb(void *ud, const struct store_order *o) {
  struct due_ids *d = ud;
  if (d->n == ZZ_ARRAY_LEN(d->v)) return 1; /* the rest on the next tick */
  d->v[d->n++] = o->id;
  return 0;
}

int workflow_tick(struct workflow *wf, int64_t now) {
  struct due_ids *d = zz_calloc(1, sizeof *d);
  struct wf_order *w = zz_calloc(2, sizeof *w);
  struct change *c = zz_calloc(1, sizeof *c);
  int changed = 0;
  if (!d || !w || !c) goto out;
  pthread_mutex_lock(&wf->lock);
  if (store_orders_due(wf->o.st, now, due_cb, d)) goto done;
  for (size_t i = 0; i < d->n; i++) {
    struct zz_err e = {0};
    memset(c, 0, sizeof *c);
    if (wo_load(wf, d->v[i], &w[0], &e)) continue;
    struct wf_order *o = &w[0];
    struct wf_matter m;
    int64_t esc = matter_get(wf, o->matter, &m) == 0 ? m.escalate_ms : WORKFLOW_ESCALATE_AFTER_MS;
    char note[400], t[32];
    if (!o->o.supervised) {
      int accept_late = !o->o.accepted_at && o->o.accept_due && o->o.accept_due <= now;
      snprintf(note, sizeof note, "the %s deadline %s passed: supervised (督办)",
               accept_late ? "accept" : "resolve",
               zz_time_format(accept_late ? o->o.accept_due : o->o.resolve_due, t));
      o->o.supervised = 1;
      o->o.overdue = 1;
      o->o.escalate_at = now + esc;
      step(c, o, "system", "supervise", NULL, note, now);
    } else if (!((!o->o.accepted_at && o->o.accept_due && o->o.accept_due <= now) ||
                 (o->o.resolve_due && o->o.resolve_due <= now))) {
      /* caught up after supervision (accepted in time for resolving): no
       * escalation; the order stays marked as having been overdue */
      o->o.escalate_at = 0;
      o->o.updated = now;
      touch(c, o, "supervise");
    } else {
      street_of(wf, o->o.region, o->escalated_to, sizeof o->escalated_to);
      snprintf(note, sizeof note, "still overdue after supervision: escalated to the leader of %s",
               o->escalated_to);
      o->o.escalated = 1;
      o->o.overdue = 1;
      step(c, o, "system", "escalate", NULL, note, now);
    }
    /* a late sub-order makes its joint order late too */
    if (o->o.parent && wo_load(wf, o->o.parent, &w[1], &e) == 0 && !w[1].o.overdue) {
      w[1].o.overdue = 1;
      w[1].o.updated = now;
      touch(c, &w[1], "overdue");
    }
    if (commit(wf, c, &e) == 0)
      changed++;
    else
      zz_warn("workflow: SLA timer of order %lld: %s", (long long)d->v[i], e.msg);
  }
done:
  pthread_mutex_unlock(&wf->lock);
out:
  zz_free(d);
  zz_free(w);
  zz_free(c);
  return changed;
}

static void *timer_main(void *arg) {
  struct workflow *wf = arg;
  pthread_setname_np(pthread_self(), "zz-workflow");
  pthread_mutex_lock(&wf->tlock);
  while (!wf->stopping) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    pthread_cond_timedwait(&wf->tcond, &wf->tlock, &until);
    if (wf->stopping) break;
    pthread_mutex_unlock(&wf->tlock);
    workflow_tick(wf, zz_time_now());
    pthread_mutex_lock(&wf->tlock);
  }
  pthread_mutex_unlock(&wf->tlock);
  return NULL;
}

int workflow_open(const struct workflow_opts *o, struct workflow **out, struct zz_err *e) {
  if (sodium_init() < 0) return zz_fail(e, ZZ_EINTERNAL, "workflow", "libsodium failed to start");
  struct workflow *wf = zz_calloc(1, sizeof *wf);
  if (!wf) return zz_fail(e, ZZ_ENOMEM, "workflow", "out of memory");
  wf->o = *o;
  wf->data_dir = zz_strdup(o->data_dir ? o->data_dir : ".");
  pthread_mutex_init(&wf->lock, NULL);
  pthread_mutex_init(&wf->mlock, NULL);
  pthread_mutex_init(&wf->tlock, NULL);
  pthread_cond_init(&wf->tcond, NULL);
  pthread_mutex_init(&wf->iq_lock, NULL);
  pthread_cond_init(&wf->iq_cond, NULL);
  pthread_cond_init(&wf->iq_done, NULL);
  int rc =
      wf->data_dir ? workflow_reload(wf, e) : zz_fail(e, ZZ_ENOMEM, "workflow", "out of memory");
  if (!rc) {
    if (pthread_create(&wf->iq_thread, NULL, intake_main, wf) != 0)
      rc = zz_fail(e, ZZ_EINTERNAL, "workflow", "cannot start the intake thread");
    else
      wf->iq_started = 1;
  }
  if (!rc && !o->no_thread) {
    if (pthread_create(&wf->thread, NULL, timer_main, wf) != 0)
      rc = zz_fail(e, ZZ_EINTERNAL, "workflow", "cannot start the timer thread");
    else
      wf->thread_started = 1;
  }
  if (rc) {
    workflow_close(wf);
    return rc;
  }
  *out = wf;
  return 0;
}

void workflow_close(struct workflow *wf) {
  if (!wf) return;
  if (wf->iq_started) { /* the reports queued are written first */
    pthread_mutex_lock(&wf->iq_lock);
    wf->iq_stopping = 1;
    pthread_cond_signal(&wf->iq_cond);
    pthread_mutex_unlock(&wf->iq_lock);
    pthread_join(wf->iq_thread, NULL);
  }
  if (wf->thread_started) {
    pthread_mutex_lock(&wf->tlock);
    wf->stopping = 1;
    pthread_cond_signal(&wf->tcond);
    pthread_mutex_unlock(&wf->tlock);
    pthread_join(wf->thread, NULL);
  }
  pthread_mutex_destroy(&wf->lock);
  pthread_mutex_destroy(&wf->mlock);
  pthread_mutex_destroy(&wf->tlock);
  pthread_cond_destroy(&wf->tcond);
  pthread_mutex_destroy(&wf->iq_lock);
  pthread_cond_destroy(&wf->iq_cond);
  pthread_cond_destroy(&wf->iq_done);
  matters_free(wf->matters, wf->nmatters);
  zz_free(wf->data_dir);
  zz_free(wf);
}
