/* msg.h - the Chinese of every error sentence. The C code writes its error
 * sentences in English (printf formats given to zz_fail, http_fail,
 * check_fail, ingest_report); the catalog (msg_zh_*.c, one table per part of
 * the code) gives each format its Chinese with the same conversions in the
 * same order, and zz_fail formats both. scripts/errmsgs.mjs finds every
 * format in src/ and fails CI when one has no Chinese. */
#ifndef ZZ_MSG_H
#define ZZ_MSG_H

#include <stddef.h>

/* One sentence: an English printf format and its Chinese. */
struct zz_msg {
  const char *en;
  const char *zh;
};

/* The tables, each ended by {NULL, NULL}. */
extern const struct zz_msg zz_msg_zh_common[];
extern const struct zz_msg zz_msg_zh_api[];
extern const struct zz_msg zz_msg_zh_pack[];
extern const struct zz_msg zz_msg_zh_store[];
extern const struct zz_msg zz_msg_zh_flow[];
extern const struct zz_msg zz_msg_zh_new[];
extern const struct zz_msg zz_msg_zh_campaigns[];
extern const struct zz_msg zz_msg_zh_inspections[];
extern const struct zz_msg zz_msg_zh_packdata[];
extern const struct zz_msg zz_msg_zh_cases2[];
extern const struct zz_msg zz_msg_zh_park[];
extern const struct zz_msg zz_msg_zh_hazard[];
extern const struct zz_msg zz_msg_zh_check[];
extern const struct zz_msg zz_msg_zh_records[];
extern const struct zz_msg zz_msg_zh_retention[];

/* Returns the Chinese format for the English format en (by its text), or
 * NULL when the catalog has none. Static strings; any thread. */
const char *zz_msg_zh(const char *en);

/* Returns the Chinese sentence of a ZZ_E* code (zz_strerror's, translated). */
const char *zz_strerror_zh(int err);

#endif
