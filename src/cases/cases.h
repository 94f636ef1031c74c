/* cases.h - case files (个案): the engine behind /api/v1/cases. A case is a
 * person followed by a department's caseworkers within a programme (the
 * pack's cases.json: 心花绽放 is the first), with a typed timeline
 * (contacts, services, activities, outcomes, tasks), a next follow-up date
 * and, when a file goes quiet, a follow-up task: a work order of the
 * programme's follow-up matter dispatched to the owning department.
 * The kinds are pack data; nothing here knows one programme from another.
 * Who may read a file is decided by the caller (api/authz.c); every read
 * of personal data is written to the audit trail here, before it is
 * answered, so a read that cannot be audited is refused. */
#ifndef ZZ_CASES_H
#define ZZ_CASES_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/zz.h"
#include "store/store_cases.h"

struct store;
struct registry;
struct workflow;
struct cases_timer;

#define CASES_NOTE_MAX 1000
#define CASES_LIST_MAX 500

struct cases {
  struct store *st;
  struct registry *reg;
  struct workflow *wf; /* may be NULL (no follow-up tasks) */
};

/* Who acts: a signed-in user (for the timeline and the audit). */
struct case_actor {
  const char *name, *department;
  int role;
};

/* The programme id (NULL or "": the pack's first) as a new reference into
 * the pack's cases.json. 0 and *out, ZZ_ENOTFOUND (no cases.json or no such
 * programme) with e filled. */
int cases_program(struct store *st, const char *id, json_t **out, struct zz_err *e);
/* The idx-th programme (0 first) as a new reference in *out: 0, or
 * ZZ_ENOTFOUND past the last. */
int cases_program_at(struct store *st, size_t idx, json_t **out);
/* Writes {"programs":[...]} (the kinds and their names, no personal data). */
int cases_programs_json(struct store *st, struct zz_json *j, struct zz_err *e);

/* Opens a case from body {"program"?, "name", "phone", "street", "community"?,
 * "intention", "address"?, "id_number"?, "skills"?, "hours"?, "childcare"?,
 * "caseworker"?, "next_follow"?}. The case belongs to the programme's
 * department. 0 and *out_id, or ZZ_EINVAL naming the field. */
int case_create(struct cases *cs, const struct case_actor *who, const json_t *body, int64_t *out_id,
                struct zz_err *e);
/* Adds {"class","kind","note"?,"ts"?,"jobs"?,"next_follow"?} to case id's
 * timeline. 0 and *out_id, ZZ_EINVAL, ZZ_ENOTFOUND. */
int case_entry_add(struct cases *cs, const struct case_actor *who, int64_t id, const json_t *body,
                   int64_t *out_id, struct zz_err *e);
/* The case's owner (department and street region id) for the caller's
 * authorization. 0, ZZ_ENOTFOUND. */
int case_owner(struct cases *cs, int64_t id, char *department, size_t cap, int64_t *region);
/* Writes {"case": {...person..., "timeline": [...]}} after auditing
 * "case.read" by who. 0 or an error (a failed audit refuses the read). */
int case_read(struct cases *cs, const struct case_actor *who, int64_t id, struct zz_json *j,
              struct zz_err *e);
/* Writes {"cases":[...], "total":N} for filter f after auditing
 * "case.list". Phone and id numbers are masked in the list. */
int cases_list(struct cases *cs, const struct case_actor *who, const struct store_case_filter *f,
               int64_t now, struct zz_json *j, struct zz_err *e);
/* CSV (UTF-8 with BOM) of the cases f selects into b, after auditing
 * "case.export". */
int cases_export_csv(struct cases *cs, const struct case_actor *who,
                     const struct store_case_filter *f, struct zz_buf *b, struct zz_err *e);
/* Writes the programme's counts: cases by intention, by latest outcome and
 * by street, services and activities by kind, outcomes by month since the
 * programme's start, businesses started and the jobs they created. No
 * personal data, no audit. */
int cases_stats(struct cases *cs, const char *program, struct zz_json *j, struct zz_err *e);

/* Opens a follow-up task for every open case of every programme with no
 * contact for the programme's quiet_days and no task open: an order of the
 * follow-up matter, dispatched to the case's department, named by the
 * case's number only (orders are seen by more people than the file), and a
 * "task" entry on the timeline. Returns how many tasks it opened. */
int cases_sweep(struct cases *cs, int64_t now);
/* Runs cases_sweep from the workflow's timer (workflow_on_tick), at most
 * once a minute of the clock it is given (a test clock moved back or
 * forward runs it at once), one sweep at a time. NULL when memory is short
 * (no timer then, logged). Stop it after the workflow has closed (its
 * thread joined), so that no tick runs into a freed timer. */
struct cases_timer *cases_timer_start(const struct cases *cs);
void cases_timer_stop(struct cases_timer *t);

#endif
