/* matter_def.c - checking the form of a matter (matter_def.h). */
#include "workflow/matter_def.h"

#include <jansson.h>
#include <string.h>

#include "store/store_catalog.h"

static const char *const groups[] = {"xintiandi", "park_services", "medical_insurance",
                                     "joint_approval"};
static const char *const channels[] = {"customer_code", "enterprise_code", "open311",
                                       "bank_counter",  "online",          "staff"};
static const char *const field_types[] = {"text",  "textarea", "choice",  "date",
                                          "phone", "photo",    "location"};
static const char *const file_types[] = {"pdf", "jpeg", "png"};
static const char *const kinds[] = {"complaint", "application", "service", "inspection"};
static const char *const known[] = {
    "id", "name_zh", "name_en", "kind", "departments", "sla_accept_minutes", "sla_resolve_minutes"};

static int is_key(const char *s) {
  size_t n = 0;
  for (; s[n]; n++)
    if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_')) return 0;
  return n >= 1 && n <= 64;
}

static int one_of(const char *s, const char *const *set, size_t n) {
  for (size_t i = 0; s && i < n; i++)
    if (strcmp(s, set[i]) == 0) return 1;
  return 0;
}

/* A bilingual label pair: both present, non-empty, at most max bytes. */
static int check_names(const json_t *o, const char *zh, const char *en, size_t max,
                       const char *where, struct zz_err *e) {
  const char *const ks[] = {zh, en};
  for (int i = 0; i < 2; i++) {
    const json_t *v = json_object_get(o, ks[i]);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max) {
      char f[96];
      snprintf(f, sizeof f, "%s.%s", where, ks[i]);
      return zz_fail(e, ZZ_EINVAL, f, "%s must be a non-empty string (at most %zu bytes)", f, max);
    }
  }
  return 0;
}

/* The members of issue 5: group, channels, descriptions, form, materials. */
static int check_intake(const json_t *m, struct zz_err *e) {
  const json_t *g = json_object_get(m, "group");
  if (g && !one_of(json_string_value(g), groups, ZZ_ARRAY_LEN(groups)))
    return zz_fail(e, ZZ_EINVAL, "group",
                   "group must be one of xintiandi, park_services, medical_insurance, "
                   "joint_approval");
  const json_t *ch = json_object_get(m, "channels");
  if (ch) {
    if (!json_is_array(ch) || json_array_size(ch) > ZZ_ARRAY_LEN(channels))
      return zz_fail(e, ZZ_EINVAL, "channels", "channels must be an array of channel names");
    for (size_t i = 0; i < json_array_size(ch); i++) {
      char f[64];
      snprintf(f, sizeof f, "channels[%zu]", i);
      if (!one_of(json_string_value(json_array_get(ch, i)), channels, ZZ_ARRAY_LEN(channels)))
        return zz_fail(e, ZZ_EINVAL, f,
                       "%s must be one of customer_code, enterprise_code, open311, "
                       "bank_counter, online, staff",
                       f);
    }
  }
  /* public: the requests of this matter from public channels are listed by
   * Open311 GET (their descriptions included), so only complaints and
   * services, never an application's or an inspection's filings */
  const json_t *pub = json_object_get(m, "public");
  if (pub && !json_is_boolean(pub))
    return zz_fail(e, ZZ_EINVAL, "public", "public must be true or false");
  const char *kind = json_string_value(json_object_get(m, "kind"));
  if (json_is_true(pub) && kind && strcmp(kind, "complaint") != 0 && strcmp(kind, "service") != 0)
    return zz_fail(e, ZZ_EINVAL, "public",
                   "only a complaint or a service can be public (this is a%s %s: its filings are "
                   "the applicant's)",
                   kind[0] == 'a' || kind[0] == 'i' ? "n" : "", kind);
  const char *const descs[] = {"description_zh", "description_en"};
  for (int i = 0; i < 2; i++) {
    const json_t *v = json_object_get(m, descs[i]);
    if (v && (!json_is_string(v) || json_string_length(v) > 2000))
      return zz_fail(e, ZZ_EINVAL, descs[i], "%s must be a string of at most 2000 bytes", descs[i]);
  }
  const json_t *form = json_object_get(m, "form");
  if (form) {
    if (!json_is_array(form) || json_array_size(form) > 32)
      return zz_fail(e, ZZ_EINVAL, "form", "form must be an array of at most 32 fields");
    for (size_t i = 0; i < json_array_size(form); i++) {
      const json_t *fd = json_array_get(form, i);
      char f[64];
      snprintf(f, sizeof f, "form[%zu]", i);
      if (!json_is_object(fd)) return zz_fail(e, ZZ_EINVAL, f, "%s must be an object", f);
      const char *id = json_string_value(json_object_get(fd, "id"));
      if (!id || !is_key(id)) {
        snprintf(f, sizeof f, "form[%zu].id", i);
        return zz_fail(e, ZZ_EINVAL, f, "%s must be 1-64 of a-z, 0-9, _", f);
      }
      for (size_t j = 0; j < i; j++)
        if (strcmp(id, json_string_value(json_object_get(json_array_get(form, j), "id"))) == 0)
          return zz_fail(e, ZZ_EINVAL, f, "field \"%s\" appears twice in the form", id);
      const char *type = json_string_value(json_object_get(fd, "type"));
      if (!one_of(type, field_types, ZZ_ARRAY_LEN(field_types))) {
        snprintf(f, sizeof f, "form[%zu].type", i);
        return zz_fail(e, ZZ_EINVAL, f,
                       "%s must be one of text, textarea, choice, date, phone, photo, location", f);
      }
      int rc = check_names(fd, "label_zh", "label_en", 120, f, e);
      if (rc) return rc;
      const json_t *req = json_object_get(fd, "required");
      if (req && !json_is_boolean(req)) {
        snprintf(f, sizeof f, "form[%zu].required", i);
        return zz_fail(e, ZZ_EINVAL, f, "%s must be true or false", f);
      }
      const json_t *max = json_object_get(fd, "max");
      if (max && (!json_is_integer(max) || json_integer_value(max) < 1 ||
                  json_integer_value(max) > 2000)) {
        snprintf(f, sizeof f, "form[%zu].max", i);
        return zz_fail(e, ZZ_EINVAL, f, "%s must be an integer from 1 to 2000 (characters)", f);
      }
      const json_t *opts = json_object_get(fd, "options");
      if (strcmp(type, "choice") == 0 &&
          (!json_is_array(opts) || json_array_size(opts) == 0 || json_array_size(opts) > 50)) {
        snprintf(f, sizeof f, "form[%zu].options", i);
        return zz_fail(e, ZZ_EINVAL, f, "%s must list 1 to 50 options for a choice field", f);
      }
      if (opts && strcmp(type, "choice") != 0) {
        snprintf(f, sizeof f, "form[%zu].options", i);
        return zz_fail(e, ZZ_EINVAL, f, "%s is only for choice fields", f);
      }
      for (size_t j = 0; j < json_array_size(opts); j++) {
        const json_t *o = json_array_get(opts, j);
        snprintf(f, sizeof f, "form[%zu].options[%zu]", i, j);
        const char *oid = json_string_value(json_object_get(o, "id"));
        if (!json_is_object(o) || !oid || !is_key(oid))
          return zz_fail(e, ZZ_EINVAL, f, "%s must be {\"id\", \"label_zh\", \"label_en\"}", f);
        if ((rc = check_names(o, "label_zh", "label_en", 120, f, e))) return rc;
      }
    }
  }
  const json_t *mat = json_object_get(m, "materials");
  if (mat) {
    if (!json_is_array(mat) || json_array_size(mat) > 32)
      return zz_fail(e, ZZ_EINVAL, "materials", "materials must be an array of at most 32 items");
    for (size_t i = 0; i < json_array_size(mat); i++) {
      const json_t *it = json_array_get(mat, i);
      char f[64];
      snprintf(f, sizeof f, "materials[%zu]", i);
      const char *id = json_string_value(json_object_get(it, "id"));
      if (!json_is_object(it) || !id || !is_key(id)) {
        snprintf(f, sizeof f, "materials[%zu].id", i);
        return zz_fail(e, ZZ_EINVAL, f, "%s must be 1-64 of a-z, 0-9, _", f);
      }
      int rc = check_names(it, "name_zh", "name_en", 200, f, e);
      if (rc) return rc;
      const json_t *req = json_object_get(it, "required");
      if (req && !json_is_boolean(req)) {
        snprintf(f, sizeof f, "materials[%zu].required", i);
        return zz_fail(e, ZZ_EINVAL, f, "%s must be true or false", f);
      }
      const json_t *ty = json_object_get(it, "types");
      if (ty && (!json_is_array(ty) || json_array_size(ty) == 0)) {
        snprintf(f, sizeof f, "materials[%zu].types", i);
        return zz_fail(e, ZZ_EINVAL, f, "%s must list file types: pdf, jpeg, png", f);
      }
      for (size_t j = 0; j < json_array_size(ty); j++) {
        if (!one_of(json_string_value(json_array_get(ty, j)), file_types,
                    ZZ_ARRAY_LEN(file_types))) {
          snprintf(f, sizeof f, "materials[%zu].types[%zu]", i, j);
          return zz_fail(e, ZZ_EINVAL, f, "%s must be pdf, jpeg or png", f);
        }
      }
    }
  }
  return 0;
}

int matter_known_member(const char *key) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(known); i++)
    if (strcmp(key, known[i]) == 0) return 1;
  return 0;
}

int matter_check(const json_t *m, struct zz_err *e) {
  if (!json_is_object(m)) return zz_fail(e, ZZ_EINVAL, "", "a matter must be an object");
  const char *id = json_string_value(json_object_get(m, "id"));
  if (!id || !is_key(id)) return zz_fail(e, ZZ_EINVAL, "id", "id must be 1-64 of a-z, 0-9, _");
  const char *const names[] = {"name_zh", "name_en"};
  for (int i = 0; i < 2; i++) {
    const json_t *v = json_object_get(m, names[i]);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 120)
      return zz_fail(e, ZZ_EINVAL, names[i], "%s must be a non-empty string (at most 120 bytes)",
                     names[i]);
  }
  const char *kind = json_string_value(json_object_get(m, "kind"));
  int ok = 0;
  for (size_t i = 0; kind && i < ZZ_ARRAY_LEN(kinds); i++) ok |= strcmp(kind, kinds[i]) == 0;
  if (!ok)
    return zz_fail(e, ZZ_EINVAL, "kind",
                   "kind must be one of complaint, application, service, inspection");
  const json_t *d = json_object_get(m, "departments");
  if (!json_is_array(d) || json_array_size(d) == 0 || json_array_size(d) > 12)
    return zz_fail(e, ZZ_EINVAL, "departments",
                   "departments must list 1 to 12 department ids (several: joint handling)");
  for (size_t i = 0; i < json_array_size(d); i++) {
    const char *k = json_string_value(json_array_get(d, i));
    char f[64];
    snprintf(f, sizeof f, "departments[%zu]", i);
    if (!k || !is_key(k)) return zz_fail(e, ZZ_EINVAL, f, "%s must be a department id", f);
    for (size_t j = 0; j < i; j++)
      if (strcmp(k, json_string_value(json_array_get(d, j))) == 0)
        return zz_fail(e, ZZ_EINVAL, f, "department \"%s\" is listed twice", k);
  }
  const char *const slas[] = {"sla_accept_minutes", "sla_resolve_minutes"};
  for (int i = 0; i < 2; i++) {
    const json_t *v = json_object_get(m, slas[i]);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 366LL * 24 * 60)
      return zz_fail(e, ZZ_EINVAL, slas[i], "%s must be an integer of minutes from 0 to a year",
                     slas[i]);
  }
  if (json_integer_value(json_object_get(m, "sla_resolve_minutes")) <
      json_integer_value(json_object_get(m, "sla_accept_minutes")))
    return zz_fail(e, ZZ_EINVAL, "sla_resolve_minutes",
                   "sla_resolve_minutes must not be shorter than sla_accept_minutes");
  const json_t *routes = json_object_get(m, "routes");
  if (routes) {
    if (!json_is_array(routes) || json_array_size(routes) > 8)
      return zz_fail(e, ZZ_EINVAL, "routes", "routes must be an array of at most 8 routes");
    for (size_t i = 0; i < json_array_size(routes); i++) {
      const json_t *r = json_array_get(routes, i);
      char f[64];
      snprintf(f, sizeof f, "routes[%zu]", i);
      const json_t *rd = json_object_get(r, "departments");
      if (!json_is_object(r) || !json_is_string(json_object_get(r, "region")) ||
          !json_is_array(rd) || json_array_size(rd) == 0 || json_array_size(rd) > 12)
        return zz_fail(e, ZZ_EINVAL, f, "%s must be {\"region\": PATH, \"departments\": [...]}", f);
      for (size_t k = 0; k < json_array_size(rd); k++) {
        const char *dk = json_string_value(json_array_get(rd, k));
        if (!dk || !is_key(dk)) {
          snprintf(f, sizeof f, "routes[%zu].departments[%zu]", i, k);
          return zz_fail(e, ZZ_EINVAL, f, "%s must be a department id", f);
        }
      }
    }
  }
  const json_t *esc = json_object_get(m, "escalate_after_minutes");
  if (esc && (!json_is_number(esc) || json_number_value(esc) <= 0))
    return zz_fail(e, ZZ_EINVAL, "escalate_after_minutes",
                   "escalate_after_minutes must be a number of minutes above 0");
  return check_intake(m, e);
}

int matter_to_store(const json_t *m, struct store_matter *out, char **deps_json,
                    char **extra_json) {
  json_t *extra = json_object();
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)m, k, v) {
    if (!matter_known_member(k)) json_object_set(extra, k, v);
  }
  *deps_json = json_dumps(json_object_get(m, "departments"), JSON_COMPACT);
  *extra_json = json_dumps(extra, JSON_COMPACT);
  json_decref(extra);
  if (!*deps_json || !*extra_json) {
    zz_free(*deps_json);
    zz_free(*extra_json);
    *deps_json = *extra_json = NULL;
    return ZZ_ENOMEM;
  }
  *out = (struct store_matter){
      .key = json_string_value(json_object_get(m, "id")),
      .name_zh = json_string_value(json_object_get(m, "name_zh")),
      .name_en = json_string_value(json_object_get(m, "name_en")),
      .kind = json_string_value(json_object_get(m, "kind")),
      .departments_json = *deps_json,
      .sla_accept_minutes = json_integer_value(json_object_get(m, "sla_accept_minutes")),
      .sla_resolve_minutes = json_integer_value(json_object_get(m, "sla_resolve_minutes")),
      .extra_json = *extra_json};
  return 0;
}
