/* readers.h - which metrics the screens read: walks dashboards.json (every
 * query of every panel, a map's heat metrics, the site views' metrics) and
 * says, per metric, which panel reads it. "Used" records (GET
 * /api/v1/sources/usage) are those of metrics some panel or rule reads; the
 * rules' side is read from the store by the caller. Pure: no I/O. */
#ifndef ZZ_READERS_H
#define ZZ_READERS_H

#include <jansson.h>

/* Calls fn(ud, metric, entity_type, reader) for each read found in
 * dashboards (the stored dashboards.json; NULL reads nothing):
 *   metric set: the reader reads that metric;
 *   metric NULL, entity_type set: it reads every metric of that type (a
 *   "latest" table without a metric shows them all).
 * reader is "LAYOUT/MODULE/PANEL" or "site:ID". statuses (the stored
 * statuses.json, may be NULL) resolves {"api": "status"} queries to their
 * metric. The strings are valid during the call only. */
void readers_each(const json_t *dashboards, const json_t *statuses,
                  void (*fn)(void *ud, const char *metric, const char *entity_type,
                             const char *reader),
                  void *ud);

#endif
