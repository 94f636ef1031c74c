/* readers.c - readers.h: the metrics each cockpit panel reads. */
#include "rollup/readers.h"

#include <stdio.h>
#include <string.h>

#include "rollup/statuses.h"

/* The string member key of o, or "". */
static const char *str_of(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

struct walk {
  const json_t *statuses;
  void (*fn)(void *, const char *, const char *, const char *);
  void *ud;
  const char *reader;
};

/* Every object with an "api" member under node is a query. */
static void walk_node(struct walk *w, const json_t *node) {
  if (json_is_array(node)) {
    for (size_t i = 0; i < json_array_size(node); i++) walk_node(w, json_array_get(node, i));
    return;
  }
  if (!json_is_object(node)) return;
  const char *api = json_string_value(json_object_get(node, "api"));
  if (api) {
    const char *metric = json_string_value(json_object_get(node, "metric"));
    const char *type = json_string_value(json_object_get(node, "entity_type"));
    const char *status = json_string_value(json_object_get(node, "status"));
    struct status_def d;
    if (metric)
      w->fn(w->ud, metric, NULL, w->reader);
    else if (strcmp(api, "latest") == 0 && type)
      w->fn(w->ud, NULL, type, w->reader);
    else if (strcmp(api, "status") == 0 && status && w->statuses &&
             status_find(w->statuses, status, &d) == 0)
      w->fn(w->ud, d.metric, NULL, w->reader);
  }
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)node, key, v) {
    /* a map's heat may be switched between these metrics */
    if (strcmp(key, "metrics") == 0 && json_is_array(v)) {
      for (size_t i = 0; i < json_array_size(v); i++)
        if (json_is_string(json_array_get(v, i)))
          w->fn(w->ud, json_string_value(json_array_get(v, i)), NULL, w->reader);
      continue;
    }
    if (json_is_object(v) || json_is_array(v)) walk_node(w, v);
  }
}

void readers_each(const json_t *dashboards, const json_t *statuses,
                  void (*fn)(void *, const char *, const char *, const char *), void *ud) {
  struct walk w = {statuses, fn, ud, NULL};
  char reader[256];
  const char *lname;
  json_t *lay;
  json_object_foreach(json_object_get(dashboards, "layouts"), lname, lay) {
    json_t *mods = json_object_get(lay, "modules");
    for (size_t i = 0; i < json_array_size(mods); i++) {
      json_t *m = json_array_get(mods, i);
      json_t *panels = json_object_get(m, "panels");
      for (size_t k = 0; k < json_array_size(panels); k++) {
        json_t *p = json_array_get(panels, k);
        snprintf(reader, sizeof reader, "%s/%s/%s", lname, str_of(m, "id"), str_of(p, "id"));
        w.reader = reader;
        walk_node(&w, p);
      }
    }
  }
  json_t *sites = json_object_get(dashboards, "sites");
  for (size_t i = 0; i < json_array_size(sites); i++) {
    json_t *s = json_array_get(sites, i);
    json_t *ms = json_object_get(s, "metrics");
    snprintf(reader, sizeof reader, "site:%s", str_of(s, "id"));
    for (size_t k = 0; k < json_array_size(ms); k++) {
      json_t *x = json_array_get(ms, k);
      /* a site lists metric ids, or objects with an "id" */
      const char *id =
          json_is_string(x) ? json_string_value(x) : json_string_value(json_object_get(x, "id"));
      if (id) fn(ud, id, NULL, reader);
    }
  }
}
