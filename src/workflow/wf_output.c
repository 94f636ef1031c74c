/* wf_output.c - an order as the API shows it (receipt numbers masked), and
 * publishing changes on the bus with their audience, at once or deferred to
 * the commit of the group that wrote them. */
#include "workflow/workflow_int.h"

#include <jansson.h>
#include <string.h>

#include "core/ztime.h"

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
  if (wf_matter_get(wf, o->matter, &m) == 0) {
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
void wf_publish_deferred(struct workflow *wf, const struct zz_buf *d) {
  for (size_t at = 0; at + sizeof(struct deferred_event) <= d->len;) {
    struct deferred_event h;
    memcpy(&h, d->data + at, sizeof h);
    at += sizeof h;
    bus_publish_to(wf->o.bus, "order", h.rpos, d->data + at + h.len, d->data + at, h.len);
    at += h.len + h.alen;
  }
}
