/* pack_dashboards.c - checks dashboards.json against the rules of
 * docs/packs.md ("Dashboards"): every perspective names a known region and
 * layout, every panel has a known kind and slot, and every query names an
 * API the cockpit can call with parameters that exist (metrics, entity
 * types, attributes, ranges). The page trusts what passes here. */
#include "pack/pack_dashboards.h"

#include <string.h>

#include "core/check.h"

static const char *const kinds[] = {"kpi", "line", "bar", "pie", "top", "map", "sandtable", "feed",
                                    "table", "orders", "profile",
                                    /* issue 13 §5: duty status, application scenarios */
                                    "status", "apps"};
static const char *const slots[] = {"l1", "l2", "l3", "c", "cb", "r1", "r2", "r3"};
static const char *const apis[] = {"series", "breakdown", "top", "latest", "summary", "sources",
                                   "alerts", "orders", "region", "counts",
                                   /* issue 13 §5: derived states, records returned vs used */
                                   "status", "usage"};
/* api "counts": a register's counts, never a person (case programmes) */
static const char *const count_ofs[] = {"cases"};
static const char *const count_sections[] = {
    "cases",     "businesses", "jobs_created", "by_intention", "by_outcome",
    "by_street", "services",   "activities",   "outcomes",     "outcomes_by_month"};
static const char *const ranges[] = {"last1h",  "today", "last24h", "last7d",
                                     "last30d", "month", "ytd",     "last12m"};
static const char *const grains[] = {"minute", "hour", "day", "month"};
static const char *const aggs[] = {"sum", "avg", "min", "max", "last", "count"};
static const char *const compares[] = {"yoy", "mom"};
/* what a status or usage panel shows (issue 13 §5) */
static const char *const shows[] = {"counts", "groups", "list", "totals", "sources"};
static const char *const values[] = {"total", "change",  "total+change", "max",
                                     "count", "sum",     "recent",       "percent",
                                     "area",  "records", "used",         "used_share"};

struct dctx {
  const struct pack_lookup *lk;
  struct check k; /* at "layouts.park.modules[2].panels[0]" */
};

/* Optional string member from a set; *out NULL when absent. */
static int opt_enum(struct dctx *c, json_t *o, const char *key, const char *const *set, size_t n,
                    const char **out) {
  *out = NULL;
  return check_enum(&c->k, o, key, CHECK_OPTIONAL, set, n, out);
}

static int req_enum(struct dctx *c, json_t *o, const char *key, const char *const *set, size_t n,
                    const char **out) {
  *out = NULL;
  return check_enum(&c->k, o, key, CHECK_REQUIRED, set, n, out);
}

/* Optional non-empty string member; *out NULL when absent. */
static int opt_str(struct dctx *c, json_t *o, const char *key, const char **out) {
  *out = NULL;
  return check_str(&c->k, o, key, CHECK_NONEMPTY, 0, out);
}

/* A required non-empty string member. */
static int req_str(struct dctx *c, json_t *o, const char *key, const char **out) {
  *out = NULL;
  return check_str(&c->k, o, key, CHECK_REQUIRED | CHECK_NONEMPTY, 0, out);
}

static int check_query(struct dctx *c, json_t *q, const char *kind) {
  if (!json_is_object(q)) return check_fail(&c->k, NULL, "must be an object");
  const char *api, *metric, *range, *grain, *agg, *cmp, *by, *type, *s;
  int rc;
  if ((rc = req_enum(c, q, "api", apis, ZZ_ARRAY_LEN(apis), &api)) ||
      (rc = opt_str(c, q, "metric", &metric)) ||
      (rc = opt_enum(c, q, "range", ranges, ZZ_ARRAY_LEN(ranges), &range)) ||
      (rc = opt_enum(c, q, "grain", grains, ZZ_ARRAY_LEN(grains), &grain)) ||
      (rc = opt_enum(c, q, "agg", aggs, ZZ_ARRAY_LEN(aggs), &agg)) ||
      (rc = opt_enum(c, q, "compare", compares, ZZ_ARRAY_LEN(compares), &cmp)) ||
      (rc = opt_str(c, q, "by", &by)) || (rc = opt_str(c, q, "entity_type", &type)))
    return rc;
  const char *mtype = NULL;
  if (metric && !(mtype = c->lk->metric_type(c->lk->ud, metric)))
    return check_fail(&c->k, "metric", "metric \"%s\" does not exist", metric);
  int needs_metric =
      strcmp(api, "series") == 0 || strcmp(api, "breakdown") == 0 || strcmp(api, "top") == 0;
  if (needs_metric && !metric)
    return check_fail(&c->k, "metric", "is required for api \"%s\"", api);
  if (type && c->lk->type_attr(c->lk->ud, type, "") < 0)
    return check_fail(&c->k, "entity_type", "entity type \"%s\" does not exist", type);
  if (strcmp(api, "summary") == 0 && !type)
    return check_fail(&c->k, "entity_type", "is required for api \"summary\"");
  if ((strcmp(api, "series") == 0 || strcmp(api, "breakdown") == 0 || strcmp(api, "top") == 0) &&
      !range)
    return check_fail(&c->k, "range", "is required for api \"%s\"", api);
  if (cmp && strcmp(api, "series") != 0)
    return check_fail(&c->k, "compare", "only a series query compares with an earlier range");
  /* attributes: breakdown by, summary by/sum/recent must be declared */
  const char *attr_type = strcmp(api, "summary") == 0 ? type : mtype;
  if (by && strcmp(api, "breakdown") == 0 && strcmp(by, "children") != 0 &&
      c->lk->type_attr(c->lk->ud, attr_type, by) != 1)
    return check_fail(&c->k, "by",
                      "entity type \"%s\" declares no attribute \"%s\" (or use \"children\")",
                      attr_type, by);
  if (strcmp(api, "summary") == 0) {
    const char *keys[] = {"by", "sum", "recent"};
    for (size_t i = 0; i < ZZ_ARRAY_LEN(keys); i++) {
      if ((rc = opt_str(c, q, keys[i], &s))) return rc;
      if (s && c->lk->type_attr(c->lk->ud, type, s) != 1)
        return check_fail(&c->k, keys[i], "entity type \"%s\" declares no attribute \"%s\"", type,
                          s);
    }
  }
  if (strcmp(api, "counts") == 0) {
    const char *of, *section, *program;
    if ((rc = req_enum(c, q, "of", count_ofs, ZZ_ARRAY_LEN(count_ofs), &of)) ||
        (rc = req_enum(c, q, "section", count_sections, ZZ_ARRAY_LEN(count_sections), &section)) ||
        (rc = opt_str(c, q, "program", &program)))
      return rc;
    if (strcmp(kind, "line") == 0 && strcmp(section, "outcomes_by_month") != 0)
      return check_fail(&c->k, "section", "a line panel draws counts by month: use \"%s\"",
                        "outcomes_by_month");
  }
  json_t *n = json_object_get(q, "n");
  if (n && (!json_is_integer(n) || json_integer_value(n) < 1 || json_integer_value(n) > 1000))
    return check_fail(&c->k, "n", "must be a whole number from 1 to 1000");
  json_t *limit = json_object_get(q, "limit");
  if (limit && (!json_is_integer(limit) || json_integer_value(limit) < 1 ||
                json_integer_value(limit) > 1000))
    return check_fail(&c->k, "limit", "must be a whole number from 1 to 1000");
  if (strcmp(kind, "line") == 0 && strcmp(api, "series") != 0 && strcmp(api, "counts") != 0)
    return check_fail(&c->k, "api", "a line panel draws a series: use api \"series\"");
  if ((strcmp(kind, "top") == 0 || strcmp(kind, "sandtable") == 0) && strcmp(api, "top") != 0)
    return check_fail(&c->k, "api", "a %s panel ranks entities: use api \"top\"", kind);
  if (strcmp(kind, "map") == 0 && (strcmp(api, "breakdown") != 0 || !by || strcmp(by, "children")))
    return check_fail(&c->k, "api",
                      "a map panel colours child regions: use api \"breakdown\" by \"children\"");
  if ((strcmp(kind, "orders") == 0) != (strcmp(api, "orders") == 0))
    return check_fail(&c->k, "api",
                      "the dispatch board (kind \"orders\") and api \"orders\" go together");
  if (strcmp(kind, "feed") == 0 && strcmp(api, "alerts") != 0)
    return check_fail(&c->k, "api", "a feed panel lists warnings: use api \"alerts\"");
  if (strcmp(api, "region") == 0 && strcmp(kind, "kpi") != 0)
    return check_fail(&c->k, "api", "api \"region\" is read by a kpi item (value \"area\")");
  if ((strcmp(kind, "status") == 0) && strcmp(api, "status") != 0)
    return check_fail(&c->k, "api", "a status panel shows derived states: use api \"status\"");
  if (strcmp(api, "status") == 0) {
    if (strcmp(kind, "status") != 0 && strcmp(kind, "kpi") != 0)
      return check_fail(&c->k, "api", "api \"status\" is read by a status panel or a kpi item");
    if ((rc = req_str(c, q, "status", &s))) return rc; /* declared: checked with statuses.json */
  }
  if (strcmp(api, "usage") == 0 && strcmp(kind, "table") != 0 && strcmp(kind, "kpi") != 0)
    return check_fail(&c->k, "api", "api \"usage\" is read by a table or a kpi item");
  return 0;
}

static int check_item(struct dctx *c, json_t *it) {
  if (!json_is_object(it)) return check_fail(&c->k, NULL, "must be an object");
  int rc;
  const char *v;
  if ((rc = check_names(&c->k, it, "label_zh", "label_en", 0))) return rc;
  json_t *val = json_object_get(it, "value");
  if (val && json_is_string(val) &&
      (strncmp(json_string_value(val), "group:", 6) == 0 ||
       strncmp(json_string_value(val), "state:", 6) == 0) &&
      json_string_value(val)[6])
    v = json_string_value(val);
  else if ((rc = req_enum(c, it, "value", values, ZZ_ARRAY_LEN(values), &v)))
    return rc;
  json_t *q = json_object_get(it, "query");
  if (!q) return check_fail(&c->k, "query", "is required");
  size_t mark = check_push(&c->k, ".query");
  rc = check_query(c, q, "kpi");
  check_pop(&c->k, mark);
  if (rc) return rc;
  const char *api = json_string_value(json_object_get(q, "api"));
  if ((strcmp(v, "change") == 0 || strcmp(v, "total+change") == 0) &&
      !json_object_get(q, "compare"))
    return check_fail(&c->k, "value", "\"%s\" needs a query with \"compare\"", v);
  if ((strcmp(v, "count") == 0 || strcmp(v, "recent") == 0 || strncmp(v, "group:", 6) == 0) &&
      strcmp(api, "summary") != 0)
    return check_fail(&c->k, "value", "\"%s\" is read from a \"summary\" query", v);
  /* the region's area, measured from its outline in regions.geojson */
  if ((strcmp(v, "area") == 0) != (strcmp(api, "region") == 0))
    return check_fail(&c->k, "value", "value \"area\" and api \"region\" go together");
  int usage_value =
      strcmp(v, "records") == 0 || strcmp(v, "used") == 0 || strcmp(v, "used_share") == 0;
  if (usage_value != (strcmp(api, "usage") == 0))
    return check_fail(&c->k, "value",
                      "values \"records\", \"used\" and \"used_share\" go with api \"usage\"");
  if ((strncmp(v, "state:", 6) == 0) != (strcmp(api, "status") == 0))
    return check_fail(&c->k, "value", "a value \"state:ID\" goes with api \"status\"");
  return 0;
}

/* An apps panel (the application scenarios): 1 to 12 items {id, name_zh,
 * name_en, note_zh?, note_en?, figures: 0 to 3 kpi items}. */
static int check_apps(struct dctx *c, json_t *items) {
  if (!json_is_array(items) || json_array_size(items) == 0 || json_array_size(items) > 12)
    return check_fail(&c->k, "items", "an apps panel lists 1 to 12 applications");
  json_t *ids = json_object();
  int rc = 0;
  for (size_t i = 0; i < json_array_size(items) && !rc; i++) {
    json_t *it = json_array_get(items, i);
    size_t mark = check_push(&c->k, ".items[%zu]", i);
    const char *id, *s;
    json_t *figs = json_object_get(it, "figures");
    if (!json_is_object(it)) {
      rc = check_fail(&c->k, NULL, "must be an object");
    } else if ((rc = req_str(c, it, "id", &id)) ||
               (rc = check_names(&c->k, it, "name_zh", "name_en", 100)) ||
               (rc = opt_str(c, it, "note_zh", &s)) || (rc = opt_str(c, it, "note_en", &s))) {
    } else if (json_object_get(ids, id)) {
      rc = check_fail(&c->k, "id", "\"%s\" is used twice in this panel", id);
    } else if (figs && (!json_is_array(figs) || json_array_size(figs) > 3)) {
      rc = check_fail(&c->k, "figures", "must list 0 to 3 kpi items");
    } else {
      json_object_set_new(ids, id, json_true());
      for (size_t k = 0; k < json_array_size(figs) && !rc; k++) {
        size_t m2 = check_push(&c->k, ".figures[%zu]", k);
        rc = check_item(c, json_array_get(figs, k));
        check_pop(&c->k, m2);
      }
    }
    check_pop(&c->k, mark);
  }
  json_decref(ids);
  return rc;
}

/* A map's layers (the six needs of a block): 1 to 8 of {id, name_zh,
 * name_en, color?, members: [{entity_type, where?: {attr: [values]}}]}. */
static int check_layers(struct dctx *c, json_t *layers) {
  if (!json_is_array(layers) || json_array_size(layers) == 0 || json_array_size(layers) > 8)
    return check_fail(&c->k, NULL, "must list 1 to 8 layers");
  int rc = 0;
  for (size_t i = 0; i < json_array_size(layers) && !rc; i++) {
    json_t *l = json_array_get(layers, i);
    size_t mark = check_push(&c->k, "[%zu]", i);
    const char *id, *color;
    json_t *members = json_object_get(l, "members");
    if (!json_is_object(l)) {
      rc = check_fail(&c->k, NULL, "must be an object");
    } else if ((rc = req_str(c, l, "id", &id)) ||
               (rc = check_names(&c->k, l, "name_zh", "name_en", 60)) ||
               (rc = opt_str(c, l, "color", &color))) {
    } else if (!json_is_array(members) || json_array_size(members) == 0 ||
               json_array_size(members) > 8) {
      rc = check_fail(&c->k, "members", "must list 1 to 8 {entity_type, where?}");
    } else {
      for (size_t k = 0; k < json_array_size(members) && !rc; k++) {
        json_t *m = json_array_get(members, k);
        size_t m2 = check_push(&c->k, ".members[%zu]", k);
        const char *type;
        json_t *where = json_object_get(m, "where");
        if (!json_is_object(m)) {
          rc = check_fail(&c->k, NULL, "must be an object");
        } else if ((rc = req_str(c, m, "entity_type", &type))) {
        } else if (c->lk->type_attr(c->lk->ud, type, "") < 0) {
          rc = check_fail(&c->k, "entity_type", "entity type \"%s\" does not exist", type);
        } else if (where && !json_is_object(where)) {
          rc = check_fail(&c->k, "where", "must map attributes to lists of values");
        } else {
          const char *attr;
          json_t *vals;
          json_object_foreach(where, attr, vals) {
            if (c->lk->type_attr(c->lk->ud, type, attr) != 1) {
              rc = check_fail(&c->k, "where", "entity type \"%s\" declares no attribute \"%s\"",
                              type, attr);
              break;
            }
            if (!json_is_array(vals) || json_array_size(vals) == 0) {
              rc = check_fail(&c->k, "where", "%s must list the values it keeps", attr);
              break;
            }
            for (size_t v = 0; v < json_array_size(vals) && !rc; v++)
              if (!json_is_string(json_array_get(vals, v)))
                rc = check_fail(&c->k, "where", "%s[%zu] must be a string", attr, v);
            if (rc) break;
          }
        }
        check_pop(&c->k, m2);
      }
    }
    check_pop(&c->k, mark);
  }
  return rc;
}

/* ---- issue 13 §2: a campaign's panels (kind "campaign", api "campaign") ----
 * They read the campaign engine's dashboard (GET /api/v1/campaigns/ID) and
 * show one part of it; checked here apart from the metric panels. */

static const char *const campaign_shows[] = {
    "kpi", "signed", "map", "systems", "months", "rectify", "activities",
    /* the rectification items themselves (GET /api/v1/rectifications) */
    "hazards", "kinds"};

/* A kpi item's value: a count of the dashboard's totals. */
static int campaign_value_ok(const char *v) {
  static const char *const plain[] = {"participants", "members", "inspections", "violations",
                                      "on_time"};
  static const char *const states[] = {"rectify:open", "rectify:overdue", "rectify:closed_on_time",
                                       "rectify:closed_late", "rectify:open+overdue"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(plain); i++)
    if (strcmp(v, plain[i]) == 0) return 1;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(states); i++)
    if (strcmp(v, states[i]) == 0) return 1;
  return (strncmp(v, "signed:", 7) == 0 && v[7]) || (strncmp(v, "expected:", 9) == 0 && v[9]);
}

static int check_campaign_panel(struct dctx *c, json_t *p, json_t *taken) {
  const char *slot, *api, *campaign, *show, *v;
  int rc;
  if ((rc = req_enum(c, p, "slot", slots, ZZ_ARRAY_LEN(slots), &slot)) ||
      (rc = check_names(&c->k, p, "title_zh", "title_en", 0)))
    return rc;
  json_t *owner = json_object_get(taken, slot);
  if (owner)
    return check_fail(&c->k, "slot", "slot \"%s\" is already taken by panel \"%s\"", slot,
                      json_string_value(owner));
  json_object_set_new(taken, slot, json_string(json_string_value(json_object_get(p, "id"))));
  json_t *q = json_object_get(p, "query");
  if (!json_is_object(q)) return check_fail(&c->k, "query", "is required for a campaign panel");
  size_t mark = check_push(&c->k, ".query");
  static const char *const api_campaign[] = {"campaign"};
  if (!(rc = req_enum(c, q, "api", api_campaign, 1, &api)) &&
      !(rc = req_str(c, q, "campaign", &campaign)))
    rc = req_enum(c, q, "show", campaign_shows, ZZ_ARRAY_LEN(campaign_shows), &show);
  check_pop(&c->k, mark);
  if (rc) return rc;
  json_t *items = json_object_get(p, "items");
  if (strcmp(show, "kpi") != 0) return 0;
  if (!json_is_array(items) || json_array_size(items) == 0 || json_array_size(items) > 6)
    return check_fail(&c->k, "items", "a campaign's kpi panel needs 1 to 6 items");
  for (size_t i = 0; i < json_array_size(items); i++) {
    json_t *it = json_array_get(items, i);
    mark = check_push(&c->k, ".items[%zu]", i);
    if (!json_is_object(it)) {
      rc = check_fail(&c->k, NULL, "must be an object");
    } else if (!(rc = check_names(&c->k, it, "label_zh", "label_en", 0)) &&
               !(rc = req_str(c, it, "value", &v)) && !campaign_value_ok(v)) {
      rc = check_fail(&c->k, "value",
                      "\"%s\" is not a campaign count (participants, members, inspections, "
                      "violations, on_time, signed:PLEDGE, expected:PLEDGE, rectify:STATE)",
                      v);
    }
    check_pop(&c->k, mark);
    if (rc) return rc;
  }
  return 0;
}

static int check_panel(struct dctx *c, json_t *p, json_t *seen, json_t *taken) {
  if (!json_is_object(p)) return check_fail(&c->k, NULL, "must be an object");
  const char *id, *kind, *slot;
  int rc;
  if ((rc = req_str(c, p, "id", &id))) return rc;
  if (json_object_get(seen, id))
    return check_fail(&c->k, "id", "\"%s\" is used twice in this module", id);
  json_object_set_new(seen, id, json_true());
  /* a campaign's panel (issue 13 §2) has its own members */
  const char *ck = json_string_value(json_object_get(p, "kind"));
  if (ck && strcmp(ck, "campaign") == 0) return check_campaign_panel(c, p, taken);
  if ((rc = req_enum(c, p, "kind", kinds, ZZ_ARRAY_LEN(kinds), &kind)) ||
      (rc = req_enum(c, p, "slot", slots, ZZ_ARRAY_LEN(slots), &slot)) ||
      (rc = check_names(&c->k, p, "title_zh", "title_en", 0)))
    return rc;
  json_t *owner = json_object_get(taken, slot);
  if (owner)
    return check_fail(&c->k, "slot", "slot \"%s\" is already taken by panel \"%s\"", slot,
                      json_string_value(owner));
  json_object_set_new(taken, slot, json_string(id));
  json_t *items = json_object_get(p, "items");
  json_t *q = json_object_get(p, "query");
  if (strcmp(kind, "kpi") == 0) {
    if (!json_is_array(items) || json_array_size(items) == 0 || json_array_size(items) > 6)
      return check_fail(&c->k, "items", "a kpi panel needs 1 to 6 items");
    for (size_t i = 0; i < json_array_size(items); i++) {
      size_t mark = check_push(&c->k, ".items[%zu]", i);
      rc = check_item(c, json_array_get(items, i));
      check_pop(&c->k, mark);
      if (rc) return rc;
    }
    return 0;
  }
  /* The profile card counts the region's entities itself: no query. */
  if (strcmp(kind, "profile") == 0) return 0;
  if (strcmp(kind, "apps") == 0) return check_apps(c, items);
  if (!q) return check_fail(&c->k, "query", "is required for a %s panel", kind);
  size_t mark = check_push(&c->k, ".query");
  rc = check_query(c, q, kind);
  check_pop(&c->k, mark);
  if (rc) return rc;
  /* fallback: what a bar panel shows where its query has nothing (a leaf
   * region broken down by children), with its own title. */
  json_t *fb = json_object_get(p, "fallback");
  if (fb) {
    if (strcmp(kind, "bar") != 0 || !json_is_object(fb))
      return check_fail(&c->k, "fallback",
                        "a bar panel may name a fallback {title_zh, title_en, query}");
    mark = check_push(&c->k, ".fallback");
    rc = check_names(&c->k, fb, "title_zh", "title_en", 0);
    json_t *fq = json_object_get(fb, "query");
    if (!rc && !fq) rc = check_fail(&c->k, "query", "is required");
    if (!rc) {
      size_t m2 = check_push(&c->k, ".query");
      rc = check_query(c, fq, kind);
      check_pop(&c->k, m2);
    }
    check_pop(&c->k, mark);
    if (rc) return rc;
  }
  json_t *types = json_object_get(p, "entity_types");
  if (types) {
    if (!json_is_array(types))
      return check_fail(&c->k, "entity_types", "must be an array of entity types");
    for (size_t i = 0; i < json_array_size(types); i++) {
      json_t *t = json_array_get(types, i);
      if (!json_is_string(t) || c->lk->type_attr(c->lk->ud, json_string_value(t), "") < 0)
        return check_fail(&c->k, "entity_types", "[%zu] is not a known entity type", i);
    }
  }
  json_t *layers = json_object_get(p, "layers");
  if (layers) {
    if (strcmp(kind, "map") != 0)
      return check_fail(&c->k, "layers", "only a map panel draws layers of entities");
    mark = check_push(&c->k, ".layers");
    rc = check_layers(c, layers);
    check_pop(&c->k, mark);
    if (rc) return rc;
  }
  json_t *heat = json_object_get(p, "metrics");
  if (heat) {
    if (strcmp(kind, "map") != 0 || !json_is_array(heat))
      return check_fail(&c->k, "metrics",
                        "a map panel may list metrics to switch its heat between");
    for (size_t i = 0; i < json_array_size(heat); i++) {
      json_t *m = json_array_get(heat, i);
      if (!json_is_string(m) || !c->lk->metric_type(c->lk->ud, json_string_value(m)))
        return check_fail(&c->k, "metrics", "[%zu] is not a known metric", i);
    }
  }
  json_t *hist = json_object_get(p, "histogram");
  if (hist) {
    if (!json_is_array(hist) || json_array_size(hist) < 2)
      return check_fail(&c->k, "histogram", "must list at least two ascending bin edges");
    for (size_t i = 0; i < json_array_size(hist); i++) {
      json_t *x = json_array_get(hist, i);
      if (!json_is_number(x) ||
          (i && json_number_value(x) <= json_number_value(json_array_get(hist, i - 1))))
        return check_fail(&c->k, "histogram", "must list at least two ascending bin edges");
    }
  }
  const char *value, *show;
  if ((rc = opt_enum(c, p, "value", values, ZZ_ARRAY_LEN(values), &value))) return rc;
  if ((rc = opt_enum(c, p, "show", shows, ZZ_ARRAY_LEN(shows), &show))) return rc;
  return 0;
}

static int check_layout(struct dctx *c, json_t *lay) {
  if (!json_is_object(lay)) return check_fail(&c->k, NULL, "must be an object");
  json_t *mods = json_object_get(lay, "modules");
  if (!json_is_array(mods) || json_array_size(mods) == 0 || json_array_size(mods) > 12)
    return check_fail(&c->k, "modules", "must list 1 to 12 modules");
  json_t *ids = json_object();
  int rc = 0;
  for (size_t i = 0; i < json_array_size(mods) && !rc; i++) {
    json_t *m = json_array_get(mods, i);
    size_t mark = check_push(&c->k, ".modules[%zu]", i);
    const char *id;
    if (!json_is_object(m)) {
      rc = check_fail(&c->k, NULL, "must be an object");
    } else if ((rc = req_str(c, m, "id", &id))) {
    } else if (json_object_get(ids, id)) {
      rc = check_fail(&c->k, "id", "\"%s\" is used twice in this layout", id);
    } else if (!rc && !(rc = check_names(&c->k, m, "name_zh", "name_en", 0))) {
      json_object_set_new(ids, id, json_true());
      json_t *panels = json_object_get(m, "panels");
      if (!json_is_array(panels) || json_array_size(panels) == 0 || json_array_size(panels) > 16) {
        rc = check_fail(&c->k, "panels", "must list 1 to 16 panels");
      } else {
        json_t *seen = json_object(), *taken = json_object();
        for (size_t j = 0; j < json_array_size(panels) && !rc; j++) {
          size_t pm = check_push(&c->k, ".panels[%zu]", j);
          rc = check_panel(c, json_array_get(panels, j), seen, taken);
          check_pop(&c->k, pm);
        }
        json_decref(seen);
        json_decref(taken);
      }
    }
    check_pop(&c->k, mark);
  }
  json_decref(ids);
  return rc;
}

int pack_check_dashboards(json_t *doc, const struct pack_lookup *lk, struct zz_err *e) {
  struct dctx c = {.lk = lk};
  check_init(&c.k, e, "dashboards.json", 0);
  if (!json_is_object(doc)) return check_fail(&c.k, NULL, "must be an object");
  int rc;
  if ((rc = check_names(&c.k, doc, "title_zh", "title_en", 0))) return rc;
  json_t *layouts = json_object_get(doc, "layouts");
  if (!json_is_object(layouts) || json_object_size(layouts) == 0)
    return check_fail(&c.k, "layouts", "must be an object of named layouts");
  const char *name;
  json_t *lay;
  json_object_foreach(layouts, name, lay) {
    size_t mark = check_push(&c.k, "layouts.%s", name);
    rc = check_layout(&c, lay);
    check_pop(&c.k, mark);
    if (rc) return rc;
  }
  json_t *persp = json_object_get(doc, "perspectives");
  if (!json_is_array(persp) || json_array_size(persp) == 0)
    return check_fail(&c.k, "perspectives", "must list at least one perspective");
  for (size_t i = 0; i < json_array_size(persp); i++) {
    json_t *p = json_array_get(persp, i);
    size_t mark = check_push(&c.k, "perspectives[%zu]", i);
    const char *region, *layout, *s;
    if (!json_is_object(p)) {
      rc = check_fail(&c.k, NULL, "must be an object");
    } else if ((rc = req_str(&c, p, "region", &region))) {
    } else if (!lk->region_level(lk->ud, region)) {
      rc = check_fail(&c.k, "region", "region \"%s\" does not exist", region);
    } else if ((rc = req_str(&c, p, "layout", &layout))) {
    } else if (!json_object_get(layouts, layout)) {
      rc = check_fail(&c.k, "layout", "layout \"%s\" is not declared under \"layouts\"", layout);
    } else if (!rc && !(rc = opt_str(&c, p, "name_zh", &s))) {
      rc = opt_str(&c, p, "name_en", &s);
    }
    check_pop(&c.k, mark);
    if (rc) return rc;
  }
  json_t *labels = json_object_get(doc, "labels");
  if (labels && !json_is_object(labels))
    return check_fail(&c.k, "labels", "must map attributes to {value: {zh, en}}");
  json_t *byval;
  json_object_foreach(labels, name, byval) {
    const char *val;
    json_t *lab;
    if (!json_is_object(byval))
      return check_fail(&c.k, "labels", "%s must map values to {zh, en}", name);
    json_object_foreach(byval, val, lab) {
      if (!json_is_string(json_object_get(lab, "zh")) ||
          !json_is_string(json_object_get(lab, "en")))
        return check_fail(&c.k, "labels", "%s.%s needs \"zh\" and \"en\" strings", name, val);
    }
  }
  json_t *levels = json_object_get(doc, "levels");
  if (levels) {
    if (!json_is_object(levels))
      return check_fail(&c.k, "levels", "must map region levels to layouts");
    json_t *v;
    json_object_foreach(levels, name, v) {
      size_t mark = check_push(&c.k, "levels");
      if (!json_is_string(v) || !json_object_get(layouts, json_string_value(v)))
        rc = check_fail(&c.k, name, "must name a layout declared under \"layouts\"");
      check_pop(&c.k, mark);
      if (rc) return rc;
    }
  }
  return 0;
}
