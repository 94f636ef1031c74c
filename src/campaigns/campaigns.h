/* campaigns.h - campaigns (专项行动, issue 13 §2): the engine behind
 * /api/v1/campaigns. A campaign is pack data (campaigns.json, stored as the
 * "campaigns" doc): a department, a period, participating entities (the
 * farmers' markets) and their members (the stalls, tied to a market by an
 * attribute), the systems each participant must run, the pledges the
 * participants or the members sign, its checklists and its activity
 * kinds. Here: signing a pledge (on paper, recorded by the department's
 * staff, or by the signer through the entity's enterprise code with the
 * registered contact phone), recording promotion activities, and the
 * dashboard: participants x systems from their latest inspections,
 * pledges signed against expected, inspections and violations by month,
 * rectification on time. Nothing here knows one campaign from another.
 * Who may do what is decided by the caller (api/authz.c); what it decided
 * comes in as a struct cp_view. */
#ifndef ZZ_CAMPAIGNS_H
#define ZZ_CAMPAIGNS_H

#include <jansson.h>
#include <stdint.h>

#include "core/json.h"
#include "core/zz.h"

struct store;
struct registry;

#define CAMPAIGNS_LIST_MAX 500
#define CAMPAIGNS_NAME_MAX 60   /* a signer's name, bytes */
#define CAMPAIGNS_TITLE_MAX 200 /* an activity's title, bytes */
#define CAMPAIGNS_NOTE_MAX 1000 /* an activity's note, bytes */
#define CAMPAIGNS_ACTIVITIES 20 /* the dashboard's latest activities */

struct campaigns {
  struct store *st;
  struct registry *reg;
};

/* What the caller may see, as its authorization decided: the region
 * subtree (0, 0: the district) and whether signers' names and phones are
 * shown whole (the campaign's department and admins) or masked. */
struct cp_view {
  int64_t rpos_lo, rpos_hi;
  int personal;
};

/* Who signs or records: a user's name, or NULL for the public. */
struct cp_actor {
  const char *name;
};

/* An entity as the authorization needs it. */
struct cp_entity {
  int64_t id, region;
  char key[129], type[65];
  char name_zh[256], name_en[256];
};

/* The campaign id of the pack's campaigns.json as a new reference in
 * *out: 0, or ZZ_ENOTFOUND with e filled. */
int campaign_def(struct store *st, const char *id, json_t **out, struct zz_err *e);
/* The campaign's department ("" when it names none). */
const char *campaign_department(const json_t *campaign);
/* Entity key: 0 and *out, or ZZ_ENOTFOUND (e filled, field names it). */
int campaign_entity(struct campaigns *cs, const char *key, const char *field, struct cp_entity *out,
                    struct zz_err *e);

/* Writes {"campaigns":[...]}: each campaign with its counts in the view. */
int campaigns_list_json(struct campaigns *cs, const struct cp_view *v, struct zz_json *j,
                        struct zz_err *e);
/* Writes the dashboard of campaign id (see docs/api.md): {"campaign",
 * "participants", "totals", "by_month", "activities"}. 0, ZZ_ENOTFOUND. */
int campaign_dashboard_json(struct campaigns *cs, const char *id, const struct cp_view *v,
                            struct zz_json *j, struct zz_err *e);

/* A page of the signatures of campaign id, newest first: pledge, entity
 * (key), parent (a participant's key: its members' signatures), cursor (a
 * next_cursor of an earlier page), limit. Writes {"pledges":[...],
 * "next_cursor"}. 0, ZZ_EINVAL (cursor, pledge), ZZ_ENOTFOUND. */
struct cp_pledge_query {
  const char *pledge, *entity, *parent, *cursor;
  int limit;
};
int campaign_pledges_json(struct campaigns *cs, const char *id, const struct cp_view *v,
                          const struct cp_pledge_query *q, struct zz_json *j, struct zz_err *e);

/* A paper signature recorded by who, from body {"pledge", "entity",
 * "signer", "phone"?, "ts"?}: the entity must be of the kind the pledge
 * asks (a participant or a member), ts within the campaign's period and
 * not in the future. On 0 writes {"pledge":{...}} (the receipt) into j.
 * ZZ_EINVAL, ZZ_ENOTFOUND, ZZ_EEXISTS (already signed: *signed_at). */
int campaign_sign_paper(struct campaigns *cs, const struct cp_actor *who, const char *id,
                        const json_t *body, struct zz_json *j, int64_t *signed_at,
                        struct zz_err *e);
/* A signature through the enterprise code of entity, from body
 * {"campaign", "pledge", "signer", "phone"}: phone must be the entity's
 * registered contact phone (ZZ_EFORBIDDEN otherwise), the campaign open
 * now (ZZ_ECONFLICT before its start or after its end). Otherwise as
 * campaign_sign_paper. */
int campaign_sign_public(struct campaigns *cs, const char *entity, const json_t *body,
                         struct zz_json *j, int64_t *signed_at, struct zz_err *e);
/* Writes {"entity":{...names}, "pledges":[...]}: the pledges entity is
 * asked to sign in the campaigns it takes part in, each with its text,
 * version, whether it is open and when it was signed (no signer's name). */
int campaign_public_pledges_json(struct campaigns *cs, const char *entity, struct zz_json *j,
                                 struct zz_err *e);

/* Records {"kind", "title", "entity"?, "ts"?, "participants", "note"?} by
 * who: kind one of the campaign's activities. 0 and *out_id, ZZ_EINVAL,
 * ZZ_ENOTFOUND. The entity, when named, is *entity for the caller's
 * authorization: call campaign_activity_entity first. */
int campaign_activity_add(struct campaigns *cs, const struct cp_actor *who, const char *id,
                          const json_t *body, int64_t *out_id, struct zz_err *e);
/* Writes {"activities":[...], "next_cursor"} of campaign id in the view,
 * kind NULL: any. */
int campaign_activities_json(struct campaigns *cs, const char *id, const struct cp_view *v,
                             const char *kind, const char *cursor, int limit, struct zz_json *j,
                             struct zz_err *e);

/* "王**" and "138****1234": what a signer looks like to those who may not
 * see the name and phone. out holds at least 24 bytes. */
void campaign_mask_name(const char *name, char *out, size_t cap);
void campaign_mask_phone(const char *phone, char *out, size_t cap);

#endif
