/* placard.h - the demo's inspection photos: a small PNG of a placard an
 * inspector would photograph beside a hazard (red, a warning triangle) or
 * beside its fix (green, a tick), with the checklist item's code and the
 * day written on it, so a photo in the demo shows what it is about. */
#ifndef ZZ_DEMO_PLACARD_H
#define ZZ_DEMO_PLACARD_H

#include "core/buf.h"

/* Appends a 320x200 PNG to out: a placard reading code, where and day
 * ("2026-11-30") a line each (letters, digits, '_', '-', ':' and spaces;
 * others drawn as '?'; at most 22 a line), red with "HAZARD" when fixed is
 * 0, green with "FIXED" otherwise. A few KB. Returns 0 or ZZ_ENOMEM. */
int demo_placard_png(const char *code, const char *where, const char *day, int fixed,
                     struct zz_buf *out);

#endif
