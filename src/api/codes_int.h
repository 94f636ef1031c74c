/* codes_int.h - what the API files of codes and the public intake share
 * (api/codes_admin.c, codes_public.c, receipts.c, pages.c): the public
 * rate limits and an entity's names and attributes copied for a page. */
#ifndef ZZ_CODES_INT_H
#define ZZ_CODES_INT_H

#include <stdint.h>

#include "api/api.h"

/* Public limits, per minute and burst. A benchmark driving hundreds of
 * phones from one address multiplies them with ZZ_PUBLIC_RATE_SCALE.
 * Per client address they do the guarding; per code they only stop floods
 * far above what a crowd of real people produces (a packed street after an
 * incident), so that nobody, the venue's owner included, can use them to
 * silence the complaints about one venue (docs/operations.md). */
#define SCAN_PER_MIN 60
#define SCAN_BURST 30
#define REPORT_PER_MIN 20
#define REPORT_BURST 10
#define CODE_SCAN_PER_MIN 1200
#define CODE_SCAN_BURST 600
#define CODE_REPORT_PER_MIN 600
#define CODE_REPORT_BURST 300

/* api_rate_limit with the limits scaled by ZZ_PUBLIC_RATE_SCALE: 0, or
 * non-zero once it has answered 429. */
int codes_limit(struct http_req *r, const char *scope, const char *key, int per_min, int burst);

/* An entity as the code pages show it, copied out of the store. */
struct codes_entity {
  int found;
  char name_zh[256], name_en[256];
  double lon, lat;
  char *attrs; /* its attributes' JSON text, zz_free */
};
/* Fills *out for entity key (found 0 when there is none). */
void codes_entity_get(struct app *app, const char *key, struct codes_entity *out);

/* The active code of token into *k; otherwise answers 404 (unknown) or
 * 410 with code "code_revoked" (field names the token's input) and
 * returns non-zero. For the routes under a code kept in other files (the
 * pledges of api/campaigns.c). */
struct code_info;
int api_codes_find(struct http_req *r, const char *tok, const char *field, struct code_info *k);

#endif
