/* cases_demo.h - the demo's case files: the 心花绽放 mothers with their
 * trajectories since the programme began (October 2019), generated from
 * the seed so that the same seed gives the same files. */
#ifndef ZZ_DEMO_CASES_H
#define ZZ_DEMO_CASES_H

#include <stdint.h>

#include "core/zz.h"

struct store;
struct registry;

/* Writes n files (0: 216) of the pack's first case programme with their
 * timelines up to now, in one transaction, unless the store has case files
 * already (a rerun keeps them) or the pack has no programme. Returns 0
 * (*made: files written) or the store's error. */
int demo_cases_generate(struct store *st, struct registry *reg, uint64_t seed, int64_t now, int n,
                        int *made, struct zz_err *e);

#endif
