/* inspections.h - inspections and what follows from them (issue 13 §2, §3):
 * an inspector's visit to an entity with a checklist of the pack
 * (campaigns.json), stored once per client uid; each failed item and each
 * finding becomes a rectification item (查纠整改) with an owner, a
 * deadline and a work order of matter `rectification` dispatched to the
 * owner, all in one transaction with the visit; a later visit with the same
 * checklist that passes the item closes it (on time or late) and resolves
 * and closes its order; the timer marks items past their deadline overdue.
 * Credit events follow (a violation costs the item's points, a rectification
 * on time gives one back, an overdue one costs one), and the score is the
 * campaign's base plus their sum. Plans are the calendar of visits, and the
 * leader's progress view counts planned, visited, findings and items per
 * unit. Nothing here knows one campaign from another: checklists, points
 * and days are pack data. Who may do what is decided by the caller
 * (api/authz.c). */
#ifndef ZZ_INSPECTIONS_H
#define ZZ_INSPECTIONS_H

#include <jansson.h>
#include <stdint.h>

#include "core/json.h"
#include "core/zz.h"
#include "store/store_inspections.h"

struct store;
struct registry;
struct workflow;
struct ins_timer;

#define INS_UID_MAX 64
#define INS_NOTE_MAX 1000
#define INS_FINDINGS_MAX 50
#define INS_PHOTOS_MAX 30      /* photos per inspection */
#define INS_PHOTO_MAX (8u << 20) /* bytes per photo */
#define INS_LIST_MAX 500
#define INS_MATTER "rectification"
#define INS_CREDIT_BASE 100
#define INS_FINDING_DAYS 14 /* a finding's deadline unless it says */

struct inspections {
  struct store *st;
  struct registry *reg;
  struct workflow *wf;  /* may be NULL: no work orders (tests of the store side) */
  const char *data_dir; /* photos go to DATA/inspections/ID/ */
  int sync_files;       /* fsync photo files (as the store syncs its commits) */
};

/* Who acts: the signed-in user. */
struct ins_actor {
  const char *name, *department;
  int role;
};

/* ---- the pack's checklists and campaigns (new references; json_decref) ---- */

/* Checklist id: 0 and *out, or ZZ_ENOTFOUND / ZZ_EINVAL naming field "checklist". */
int inspections_checklist(struct store *st, const char *id, json_t **out, struct zz_err *e);
/* Campaign id: 0 and *out, or ZZ_ENOTFOUND naming field "campaign". */
int inspections_campaign(struct store *st, const char *id, json_t **out, struct zz_err *e);
/* Writes {"checklists":[...]} as the pack has them ([] without a pack file). */
int inspections_checklists_json(struct store *st, struct zz_json *j, struct zz_err *e);
/* The entity types a campaign inspects (its participants' and members'), as
 * a new JSON array. */
json_t *inspections_campaign_types(const json_t *campaign);

/* ---- inspections ---- */

/* What a submission is about, checked before authorization: the checklist's
 * department and the entity's region (the caller decides whether who may
 * inspect there). 0, ZZ_EINVAL naming the field, ZZ_ENOTFOUND. */
struct ins_target {
  char department[65];
  int64_t region;
  char entity[129];
};
int inspection_target(struct inspections *in, const json_t *body, struct ins_target *out,
                      struct zz_err *e);
/* Submits body {uid, checklist, entity, campaign?, plan?, ts?, lon?, lat?,
 * note?, answers:[{item, ok, note?}], findings?:[{text, owner?, days?}]}:
 * the visit, its rectification items with their dispatched orders, the
 * items it closes, the credit events and the plan it fulfils, in one
 * transaction. *created is 1 when stored now, 0 when the same uid with the
 * same content was stored before (nothing written). Writes
 * {"inspection":{...}, "rectify":[...]} to j either way. ZZ_EINVAL naming
 * the field (an unanswered item names it), ZZ_ECONFLICT for the same uid
 * with other content or a plan fulfilled by another visit, store errors. */
int inspection_submit(struct inspections *in, const struct ins_actor *who, const json_t *body,
                      int *created, struct zz_json *j, struct zz_err *e);
/* The inspection's department and region for the caller's check. 0, ZZ_ENOTFOUND. */
int inspection_owner(struct inspections *in, int64_t id, char *department, size_t cap,
                     int64_t *region);
/* Writes {"inspection":{... "photos":[...]}, "rectify":[...]}. */
int inspection_read(struct inspections *in, int64_t id, struct zz_json *j, struct zz_err *e);
/* Writes {"inspections":[...], "next_cursor"} for f (newest first). */
int inspections_list(struct inspections *in, const struct store_ins_filter *f, struct zz_json *j,
                     struct zz_err *e);

/* ---- photos ---- */

/* Stores photo data (JPEG, PNG or WebP by its first bytes, at most
 * INS_PHOTO_MAX) of inspection id, for item (NULL or "": the visit; else an
 * item of its checklist or a finding "finding-N"): the file under
 * DATA/inspections/ID/, synced as commits are, then its row. 0 and *out_id;
 * ZZ_ETOOBIG, ZZ_EMEDIATYPE, ZZ_EINVAL (item), ZZ_ECONFLICT (too many),
 * ZZ_EFULL, store errors; a file whose row failed is removed. */
int inspection_photo_add(struct inspections *in, int64_t id, const char *item, const void *data,
                         size_t n, int64_t *out_id, struct zz_err *e);
/* The photo pid of inspection id: its absolute path into path and its
 * type. 0, ZZ_ENOTFOUND. */
int inspection_photo_file(struct inspections *in, int64_t id, int64_t pid, char *path, size_t cap,
                          char *mime, size_t mcap);

/* ---- rectification, credit, plans, progress ---- */

/* Writes {"rectify":[...]} for f. */
int rectifications_list(struct inspections *in, const struct store_ins_filter *f,
                        struct zz_json *j, struct zz_err *e);
/* The entity's credit: {entity, name_zh, name_en, type, campaign, base,
 * score, events:[...]} and, for a participant of a campaign with members
 * (a market), "members":[{entity, names, holder, score, events}] with the
 * holder masked unless show_personal. campaign may be NULL (the first
 * campaign the entity's type takes part in). ZZ_ENOTFOUND for no entity. */
int credit_read(struct inspections *in, const char *entity, const char *campaign,
                int show_personal, struct zz_json *j, struct zz_err *e);
/* The department of the campaign whose credit credit_read shows for
 * entity (campaign NULL: the first the entity takes part in) into dept
 * ("" for none), for the caller's check of personal data. 0, ZZ_ENOTFOUND. */
int inspections_credit_department(struct inspections *in, const char *entity,
                                  const char *campaign, char *dept, size_t cap);
/* The entity's row id and region (for filters and the caller's scope
 * check): 0, ZZ_ENOTFOUND. */
int inspections_entity(struct inspections *in, const char *entity, int64_t *id, int64_t *region);

/* Adds a plan {campaign, checklist, entity, day:"YYYY-MM-DD", leader,
 * note?}; the plan belongs to the campaign's department. 0 and *out_id,
 * ZZ_EINVAL naming the field. */
int plan_create(struct inspections *in, const struct ins_actor *who, const json_t *body,
                int64_t *out_id, struct zz_err *e);
/* Writes {"plans":[...]} for f. */
int plans_list(struct inspections *in, const struct store_ins_filter *f, struct zz_json *j,
               struct zz_err *e);
/* The leader's view of campaign: {"campaign":{id,names,department},
 * "units":[{entity, name_zh, name_en, type, region, planned, visited,
 * last_visit, next_plan, findings, rectify:{open,overdue,closed}}],
 * "totals":{...}} within rpos (0, 0: all). ZZ_ENOTFOUND for no campaign. */
int inspections_progress(struct inspections *in, const char *campaign, int64_t rpos_lo,
                         int64_t rpos_hi, int64_t now, struct zz_json *j, struct zz_err *e);

/* ---- the overdue timer ---- */

/* Marks every open rectification item whose deadline has passed at now
 * overdue (with its credit event when the item carries points). Returns how
 * many it marked. */
int inspections_sweep(struct inspections *in, int64_t now);
/* Runs inspections_sweep on the workflow's timer (workflow_on_tick), at most
 * once a minute of the clock it is given (a test clock moved runs it at
 * once). NULL when memory is short (logged). Stop it after the workflow has
 * closed. The struct is copied; data_dir must outlive the timer. */
struct ins_timer *inspections_timer_start(const struct inspections *in);
void inspections_timer_stop(struct ins_timer *t);

#endif
