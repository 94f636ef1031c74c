/* wf_output.c - an order as the API shows it (receipt numbers masked), and
 * publishing changes on the bus with their audience, at once or deferred to
 * the commit of the group that wrote them. */
#include "workflow/workflow_int.h"

#include <jansson.h>
#include <string.h>

#include "core/json.h"
#include "core/ztime.h"
#include "store/store_registry.h"

/* ms as an RFC 3339 string, 0 as null. */
static void ktime_or_null(struct zz_json *j, const char *k, int64_t ms) {
  if (ms)
    zz_json_ktime(j, k, ms);
  else
    zz_json_knull(j, k);
}

/* A row id, 0 (none) as null. */
static void kid_or_null(struct zz_json *j, const char *k, int64_t id) {
  if (id)
    zz_json_kint(j, k, id);
  else
    zz_json_knull(j, k);
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

/* The reporters of a merged order (a JSON array of names kept as text),
 * each masked; anything but a string as null. */
static void reporters_json(const char *text, struct zz_json *j) {
  char masked[96];
  json_t *rs = text ? json_loads(text, 0, NULL) : NULL;
  zz_json_karr(j, "reporters");
  for (size_t i = 0; i < json_array_size(rs); i++) {
    const char *x = json_string_value(json_array_get(rs, i));
    zz_json_str(j, x ? workflow_mask_reporter(x, masked, sizeof masked) : NULL);
  }
  zz_json_arr_end(j);
  json_decref(rs);
}

struct ent_names {
  struct zz_json *j;
  int found;
};

static int ent_names_cb(void *ud, const struct store_entity *en) {
  struct ent_names *n = ud;
  zz_json_kstr(n->j, "entity_name_zh", en->name_zh);
  zz_json_kstr(n->j, "entity_name_en", en->name_en);
  n->found = 1;
  return 0;
}

void workflow_order_json(struct workflow *wf, const struct store_order *o, struct zz_json *j) {
  zz_json_obj(j);
  zz_json_kint(j, "id", o->id);
  kid_or_null(j, "parent", o->parent);
  zz_json_kstr(j, "matter", o->matter);
  struct wf_matter m;
  if (wf_matter_get(wf, o->matter, &m) == 0) {
    zz_json_kstr(j, "matter_name_zh", m.name_zh);
    zz_json_kstr(j, "matter_name_en", m.name_en);
  }
  zz_json_kstr(j, "title", o->title);
  zz_json_kstr(j, "description", o->description);
  zz_json_kstr(j, "state", o->state);
  zz_json_kstr(j, "department", o->department);
  zz_json_key(j, "suggested_departments");
  workflow_suggest_json(wf, o->matter, o->region, j);
  zz_json_kstr(j, "channel", o->channel);
  registry_rdlock(wf->o.reg);
  const struct reg_region *rg = registry_region_by_id(wf->o.reg, o->region);
  zz_json_kstr(j, "region", rg ? rg->path : NULL);
  zz_json_kstr(j, "region_name_zh", rg ? rg->name_zh : NULL);
  zz_json_kstr(j, "region_name_en", rg ? rg->name_en : NULL);
  registry_unlock(wf->o.reg);
  zz_json_kstr(j, "entity", o->entity);
  struct ent_names en = {j, 0};
  if (o->entity) store_entity_get(wf->o.st, o->entity, ent_names_cb, &en);
  if (!en.found) {
    zz_json_knull(j, "entity_name_zh");
    zz_json_knull(j, "entity_name_en");
  }
  zz_json_kstr(j, "priority", workflow_priority_name(o->priority ? o->priority : 3));
  ktime_or_null(j, "pending_due", o->pending_due);
  zz_json_kstr(j, "duplicate_reason", o->duplicate_reason);
  zz_json_knum(j, "lon", o->lon);
  zz_json_knum(j, "lat", o->lat);
  kid_or_null(j, "alert", o->alert);
  char masked[96];
  zz_json_kstr(j, "reporter",
               o->reporter ? workflow_mask_reporter(o->reporter, masked, sizeof masked) : NULL);
  reporters_json(o->reporters_json, j);
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
  for (size_t i = 0; i < ZZ_ARRAY_LEN(times); i++) ktime_or_null(j, times[i].k, times[i].v);
  zz_json_kbool(j, "overdue", o->overdue);
  zz_json_kbool(j, "supervised", o->supervised);
  zz_json_kbool(j, "escalated", o->escalated);
  zz_json_kstr(j, "escalated_to", o->escalated_to);
  kid_or_null(j, "duplicate_of", o->duplicate_of);
  kid_or_null(j, "merged_into", o->merged_into);
  kid_or_null(j, "rating", o->rating);
  zz_json_kstr(j, "rating_note", o->rating_note);
  zz_json_kint(j, "version", o->version);
  zz_json_obj_end(j);
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
  struct wf_kids k;
  if (wf_kids_load(wf, o->parent ? o->parent : o->id, &k) == 0)
    for (size_t i = 0; i < k.n; i++)
      if (k.v[i].o.department && k.v[i].o.department[0])
        zz_buf_printf(a, "%s|", k.v[i].o.department);
  zz_free(k.v);
}

void wf_publish(struct workflow *wf, const struct store_order *o, const char *action) {
  if (!wf->o.bus) return;
  struct zz_buf b, a;
  zz_buf_init(&b, 0);
  zz_buf_init(&a, 0);
  struct zz_json j;
  zz_json_init(&j, &b);
  zz_json_obj(&j);
  zz_json_kstr(&j, "action", action);
  zz_json_key(&j, "order");
  workflow_order_json(wf, o, &j);
  zz_json_obj_end(&j);
  zz_json_finish(&j);
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
void wf_publish_deferred(struct workflow *wf, const struct zz_buf *d) {
  for (size_t at = 0; at + sizeof(struct deferred_event) <= d->len;) {
    struct deferred_event h;
    memcpy(&h, d->data + at, sizeof h);
    at += sizeof h;
    bus_publish_to(wf->o.bus, "order", h.rpos, d->data + at + h.len, d->data + at, h.len);
    at += h.len + h.alen;
  }
}
