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

/* ---- activities and check-in by code (activities.c) ---- */

#define CASES_ACTIVITY_LIST_MAX 200

/* Creates an activity of the programme from body {"program"?, "kind" (one
 * of the programme's activities), "title", "ts" (date or RFC 3339),
 * "place"?, "street"? (a region path; else the district)}, with its own
 * code of kind "activity" in the same transaction. The activity belongs to
 * the programme's department. 0 and *out_id, or ZZ_EINVAL naming the
 * field. */
int case_activity_create(struct cases *cs, const struct case_actor *who, const json_t *body,
                         int64_t *out_id, struct zz_err *e);
/* The activity's owner for the caller's authorization: its department and
 * region id. 0, ZZ_ENOTFOUND. */
int case_activity_owner(struct cases *cs, int64_t id, char *department, size_t cap,
                        int64_t *region);
/* Writes {"activities":[...]} of the programme (NULL: the first), of
 * department unless NULL, newest first: what, when, where, the code's
 * token and how many checked in; no person. */
int cases_activities_json(struct cases *cs, const char *program, const char *department,
                          struct zz_json *j, struct zz_err *e);
/* Writes {"activity":{...}, "attendance":[{"case","name","phone" (masked),
 * "ts"}]} after auditing "case.attendance" by who. */
int case_activity_read(struct cases *cs, const struct case_actor *who, int64_t id,
                       struct zz_json *j, struct zz_err *e);
/* The token of the activity's active code into tok (CODE_TOKEN_LEN + 1
 * bytes): 0, or ZZ_ENOTFOUND when it has none (revoked, not reissued). */
int case_activity_token(struct cases *cs, int64_t id, char *tok, size_t cap);
/* What a phone that scanned the activity code token sees, public:
 * {"activity":{"title","kind","name_zh","name_en","ts","place",
 * "program":{...names}}}. ZZ_ENOTFOUND (unknown code, or not an
 * activity's), ZZ_EGONE (revoked). */
int case_checkin_info(struct cases *cs, const char *token, struct zz_json *j, struct zz_err *e);
/* Checks in the mother whose case file of the activity's programme has
 * phone (its digits compared in constant time with every file's): an
 * attendance row and an "activity" entry on her timeline, once; *already 1
 * when she had checked in. Refusals say nothing of anyone: ZZ_EINVAL
 * ("phone": not a mobile number), ZZ_ENOTFOUND ("phone": no file with
 * that number; "token": no such activity code), ZZ_EGONE (code revoked). */
int case_checkin(struct cases *cs, const char *token, const char *phone, int *already,
                 struct zz_err *e);

/* ---- policy applications (apply.c) ---- */

/* Starts a policy application for case id through the applications flow
 * (src/applications/): body {"matter" (one of the programme's
 * "applications"), "form"?, "note"?}; the applicant is the case's person
 * (name, phone), the caseworker files it as staff. The order, the
 * application's row and an "application" entry on the timeline (ref: the
 * application's number) are one transaction. 0 with number (at least
 * APPLICATION_NUMBER_LEN + 1 bytes) and *order, or ZZ_EINVAL /
 * ZZ_ENOTFOUND naming the field, or the flow's errors. */
int case_application_start(struct cases *cs, const struct case_actor *who, int64_t id,
                           const json_t *body, char *number, size_t cap, int64_t *order,
                           struct zz_err *e);
/* The application numbered number as its progress on a timeline (status,
 * outcome, steps, materials), written as the member "progress" of the
 * object open in j; nothing when it cannot be read. */
void case_application_progress(struct cases *cs, const char *number, struct zz_json *j);

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
