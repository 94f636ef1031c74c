/* wf_create.c - new orders: checked and built without a lock
 * (wf_create_prepare), with their priority and "dispatch within" deadline,
 * then written under the engine's lock with the duplicate check (within
 * 24 h of an open order of the same matter: the same entity, or within
 * 50 m when no different entity is named). */
#include "workflow/workflow_int.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "core/log.h"
#include "core/ztime.h"
#include "store/store_registry.h"

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
int wf_create_prepare(struct workflow *wf, const struct wf_actor *who, const struct wf_create *c,
                      struct wf_order *w, struct zz_err *e) {
  struct wf_matter m;
  if (!c->matter || !*c->matter) return zz_fail(e, ZZ_EINVAL, "matter", "matter is required");
  if (wf_matter_get(wf, c->matter, &m))
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
  if (c->at > now)
    return zz_fail(e, ZZ_EINVAL, "at", "an order of the past cannot be dated in the future");
  if (c->at > 0) now = c->at;
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
  /* the most urgent of what was asked, the alert's severity and the matter */
  int pr = m.priority ? m.priority : STORE_PRIORITY_NORMAL;
  if (c->severity && workflow_priority_of_severity(c->severity) < pr)
    pr = workflow_priority_of_severity(c->severity);
  if (c->priority) {
    int asked = workflow_priority_parse(c->priority);
    if (!asked)
      return zz_fail(e, ZZ_EINVAL, "priority", "priority must be critical, high or normal");
    if (asked < pr) pr = asked;
  }
  w->o.priority = pr;
  w->o.pending_due = wf_pending_due(&m, pr, now);
  /* no duplicate check for applications, nor for orders made several at
   * once on purpose (c->distinct) */
  w->application = strcmp(m.kind, "application") == 0 || c->distinct;
  wf_order_fix(w);
  return 0;
}

/* Writes the order *w (from create_prepare) under wf->lock: the duplicate
 * check, the row and its first event, then the event to the bus. */
int wf_create_locked(struct workflow *wf, const struct wf_actor *who, struct wf_order *w,
                     int64_t *out_id, struct zz_err *e) {
  int rc = 0;
  double lon = w->o.lon, lat = w->o.lat;
  int64_t now = w->o.created;
  /* Likely duplicate: an open order of the same matter within 24 h about
   * the same entity, or within 50 m when the two do not name different
   * entities (two restaurants 40 m apart are two complaints). Not for
   * applications: an enterprise applying twice (two events, two
   * promotions) is not a crowd reporting one thing. */
  const char *ent = w->entity[0] ? w->entity : NULL;
  int64_t since = now - WORKFLOW_DUP_MS;
  if (ent && !w->application) {
    if ((rc = store_order_same_entity(wf->o.st, w->matter, since, ent, &w->o.duplicate_of)))
      return zz_fail(e, rc, "order", "cannot look for duplicates");
    if (w->o.duplicate_of)
      zz_strlcpy(w->duplicate_reason, "same_entity", sizeof w->duplicate_reason);
  }
  if (!w->o.duplicate_of && !isnan(lon) && !w->application) {
    struct dup_find d = {lon, lat, 0, INFINITY};
    /* The box around the point that holds the 50 m circle (a degree of
     * latitude is 111.2 km; one of longitude shrinks with cos(lat)). */
    double dlat = WORKFLOW_DUP_METRES / 111000.0, dlon = dlat / fmax(cos(lat * M_PI / 180), 0.01);
    const double box[4] = {lon - dlon, lon + dlon, lat - dlat, lat + dlat};
    /* An order at the very spot is the nearest there can be (reports
     * through one venue's code all sit at the venue): the box is read only
     * when there is none. */
    if ((rc = store_order_at(wf->o.st, w->matter, since, lon, lat, ent, &d.best)) ||
        (!d.best && (rc = store_orders_near(wf->o.st, w->matter, since, box, ent, dup_cb, &d))))
      return zz_fail(e, rc, "order", "cannot look for duplicates");
    w->o.duplicate_of = d.best;
    if (d.best) zz_strlcpy(w->duplicate_reason, "nearby", sizeof w->duplicate_reason);
  }
  wf_order_fix(w);
  char note[160] = "", data[128] = "";
  if (w->o.duplicate_of)
    snprintf(note, sizeof note, "likely duplicate of order %lld (%s)", (long long)w->o.duplicate_of,
             strcmp(w->duplicate_reason, "same_entity") == 0
                 ? "the same entity, within 24 h"
                 : "the same matter within 50 m and 24 h");
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
  wf_publish(wf, &w->o, "create");
  struct log_field lf[] = {LOG_I("order", id), LOG_S("actor", who->name), LOG_S("action", "create"),
                           LOG_S("matter", w->o.matter), LOG_S("to", "reported")};
  log_line(ZZ_LOG_INFO, "order", lf, ZZ_ARRAY_LEN(lf));
  if (out_id) *out_id = id;
  return 0;
}

int workflow_create(struct workflow *wf, const struct wf_actor *who, const struct wf_create *c,
                    int64_t *out_id, struct zz_err *e) {
  struct wf_order *w = zz_calloc(1, sizeof *w);
  if (!w) return zz_fail(e, ZZ_ENOMEM, "order", "out of memory");
  int rc = wf_create_prepare(wf, who, c, w, e);
  if (!rc) {
    pthread_mutex_lock(&wf->lock);
    rc = wf_create_locked(wf, who, w, out_id, e);
    pthread_mutex_unlock(&wf->lock);
  }
  zz_free(w);
  return rc;
}
