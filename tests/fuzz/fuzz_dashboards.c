/* fuzz_dashboards.c - libFuzzer target for the dashboards.json checker
 * (pack/pack_dashboards.h): any JSON is accepted or refused with ZZ_EINVAL
 * and a message naming the place, against a small world of regions,
 * metrics and entity types like Gongshu's. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/zz.h"
#include "pack/pack_dashboards.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const regions[][2] = {
    {"gongshu", "district"},      {"gongshu/dongxin", "street"},
    {"gongshu/hushu", "street"},  {"gongshu/dongxin/xintiandi", "block"},
    {"gongshu/kejipark", "park"}, {"gongshu/kejipark/wanggu", "park"}};
static const char *const metrics[][2] = {
    {"visitors", "counter"},      {"parking_occupancy", "parking_lot"},
    {"tax", "enterprise"},        {"employees", "enterprise"},
    {"police_incidents", "grid"}, {"fire_equipment_status", "fire_equipment"},
    {"pm10", "air_station"},      {"illegal_parking_complaints", "grid"}};
static const char *const attrs[][2] = {{"enterprise", "industry"},
                                       {"enterprise", "size"},
                                       {"enterprise", "high_tech"},
                                       {"counter", "kind"},
                                       {"parking_lot", "capacity"}};

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
  for (size_t i = 0; i < ZZ_ARRAY_LEN(metrics); i++) known |= strcmp(metrics[i][1], type) == 0;
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
