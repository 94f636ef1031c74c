/* matter_json.c - writes a matter into a JSON answer (matter_json.h). */
#include "model/matter_json.h"

#include <jansson.h>
#include <string.h>

void matter_json(struct zz_json *j, const struct matter_view *m, unsigned what,
                 const char *const *extra_keys, size_t nkeys) {
  zz_json_obj(j);
  zz_json_kstr(j, "id", m->key);
  zz_json_kstr(j, "name_zh", m->name_zh);
  zz_json_kstr(j, "name_en", m->name_en);
  zz_json_kstr(j, "kind", m->kind);
  if (what & MATTER_JSON_PUBLIC)
    zz_json_kbool(j, "public", json_is_true(json_object_get(m->extra, "public")));
  if (what & MATTER_JSON_ROUTING) {
    zz_json_key(j, "departments");
    if (m->depts) {
      zz_json_arr(j);
      for (int i = 0; i < m->ndepts; i++) zz_json_str(j, m->depts[i]);
      zz_json_arr_end(j);
    } else {
      const char *d = m->depts_json ? m->depts_json : "[]";
      zz_json_text(j, d, strlen(d));
    }
    zz_json_kint(j, "sla_accept_minutes", m->sla_accept_minutes);
    zz_json_kint(j, "sla_resolve_minutes", m->sla_resolve_minutes);
  }
  if (what & MATTER_JSON_EXTRA) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)m->extra, k, v) {
      zz_json_key(j, k);
      zz_json_jansson(j, v);
    }
  }
  for (size_t i = 0; i < nkeys; i++) {
    zz_json_key(j, extra_keys[i]);
    zz_json_jansson(j, json_object_get(m->extra, extra_keys[i]));
  }
  zz_json_obj_end(j);
}
