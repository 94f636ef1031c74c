/* fuzz_dashboards.c - libFuzzer target for the dashboards.json checker
 * (pack/pack_dashboards.h): any JSON is accepted or refused with ZZ_EINVAL
 * and a message naming the place, against Gongshu's regions, metrics and
 * entity types. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/zz.h"
#include "pack/pack_dashboards.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the Gongshu pack's regions, metrics and attributes (regions.geojson,
 * metrics.json, entity_types.json), so that its dashboards pass and
 * mutations reach every check */
static const char *const regions[][2] = {{"gongshu", "district"},
                                         {"gongshu/mishixiang", "street"},
                                         {"gongshu/hushu", "street"},
                                         {"gongshu/xiaohe", "street"},
                                         {"gongshu/hemu", "street"},
                                         {"gongshu/gongchenqiao", "street"},
                                         {"gongshu/daguan", "street"},
                                         {"gongshu/shangtang", "street"},
                                         {"gongshu/xiangfu", "street"},
                                         {"gongshu/kangqiao", "street"},
                                         {"gongshu/banshan", "street"},
                                         {"gongshu/tianshui", "street"},
                                         {"gongshu/wulin", "street"},
                                         {"gongshu/changqing", "street"},
                                         {"gongshu/chaoming", "street"},
                                         {"gongshu/zhaohui", "street"},
                                         {"gongshu/wenhui", "street"},
                                         {"gongshu/dongxin", "street"},
                                         {"gongshu/shiqiao", "street"},
                                         {"gongshu/dongxin/xintiandi", "block"},
                                         {"gongshu/kejipark", "park"},
                                         {"gongshu/kejipark/beibu", "park"},
                                         {"gongshu/kejipark/wanggu", "park"},
                                         {"gongshu/kejipark/kangqiao_xny", "park"}};
static const char *const metrics[][2] = {{"visitors", "counter"},
                                         {"parking_occupancy", "parking_lot"},
                                         {"building_entries", "building"},
                                         {"police_incidents", "grid"},
                                         {"illegal_parking_complaints", "grid"},
                                         {"elevator_alarms", "elevator"},
                                         {"food_safety_alerts", "camera"},
                                         {"pm10", "site"},
                                         {"noise_db", "site"},
                                         {"site_workers", "site"},
                                         {"light_status", "street_light"},
                                         {"patrol_checkins", "patrol_point"},
                                         {"fire_equipment_status", "fire_equipment"},
                                         {"tax", "enterprise"},
                                         {"employees", "enterprise"}};
static const char *const types[] = {
    "enterprise", "building", "mall", "venue",        "counter",        "parking_lot",  "grid",
    "elevator",   "camera",   "site", "street_light", "fire_equipment", "patrol_point", "outlet"};
static const char *const attrs[][2] = {{"enterprise", "industry"},
                                       {"enterprise", "registered"},
                                       {"enterprise", "employees"},
                                       {"enterprise", "capital"},
                                       {"enterprise", "building"},
                                       {"enterprise", "address"},
                                       {"enterprise", "credit_code"},
                                       {"enterprise", "contact_phone"},
                                       {"building", "kind"},
                                       {"building", "floors"},
                                       {"building", "households"},
                                       {"building", "area_m2"},
                                       {"mall", "floors"},
                                       {"mall", "area_m2"},
                                       {"mall", "shops"},
                                       {"venue", "kind"},
                                       {"venue", "building"},
                                       {"venue", "seats"},
                                       {"counter", "kind"},
                                       {"counter", "mall"},
                                       {"parking_lot", "spaces"},
                                       {"parking_lot", "kind"},
                                       {"parking_lot", "mall"},
                                       {"grid", "grid_no"},
                                       {"grid", "member"},
                                       {"grid", "phone"},
                                       {"elevator", "building"},
                                       {"elevator", "reg_code"},
                                       {"elevator", "installed"},
                                       {"camera", "venue"},
                                       {"site", "name"},
                                       {"site", "contractor"},
                                       {"site", "started"},
                                       {"site", "area_m2"},
                                       {"street_light", "pole_no"},
                                       {"street_light", "road"},
                                       {"fire_equipment", "kind"},
                                       {"fire_equipment", "building"},
                                       {"patrol_point", "route"},
                                       {"patrol_point", "point_no"},
                                       {"outlet", "bank"},
                                       {"outlet", "address"},
                                       {"outlet", "hours"},
                                       {"outlet", "phone"},
                                       {"outlet", "matters"}};

static const char *region_level(void *ud, const char *path) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(regions); i++)
    if (strcmp(regions[i][0], path) == 0) return regions[i][1];
  return NULL;
}
static const char *metric_type(void *ud, const char *key) {
  for (size_t i = 0; i < ZZ_ARRAY_LEN(metrics); i++)
    if (strcmp(metrics[i][0], key) == 0) return metrics[i][1];
  return NULL;
}
static int type_attr(void *ud, const char *type, const char *attr) {
  int known = 0;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(types); i++) known |= strcmp(types[i], type) == 0;
  if (!known) return -1;
  for (size_t i = 0; i < ZZ_ARRAY_LEN(attrs); i++)
    if (strcmp(attrs[i][0], type) == 0 && strcmp(attrs[i][1], attr) == 0) return 1;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t je;
  json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
  if (!doc) return 0;
  struct pack_lookup lk = {
      .ud = NULL, .region_level = region_level, .metric_type = metric_type, .type_attr = type_attr};
  struct zz_err e = {0};
  int rc = pack_check_dashboards(doc, &lk, &e);
  ZZ_ASSERT(rc == 0 || (rc == ZZ_EINVAL && e.msg[0]));
  json_decref(doc);
  return 0;
}
