/* store_campaigns.h - campaigns (专项行动, issue 13 §2): the pledges signed
 * by a campaign's participants and members (承诺书, 责任状), its promotion
 * activities, and the counts of the campaign dashboard. The dashboard also
 * reads the inspections, rectification items and credit events of the
 * campaign (written by the inspections engine) through the read-only
 * queries here. Every count is read from the tallies the store keeps in
 * the transaction of each write it counts (docs/architecture.md, "Campaign
 * tallies"); the caller only adds up a few grouped rows. Who may see a signer's name and phone is
 * decided above (api/authz.c). */
#ifndef ZZ_STORE_CAMPAIGNS_H
#define ZZ_STORE_CAMPAIGNS_H

#include <stdint.h>

#include "core/zz.h"

struct store;

/* One signature of a pledge. Writes give entity (its id); reads also fill
 * the entity's key, names and parent (the value of the campaign's
 * parent attribute, e.g. the stall's market). */
struct store_pledge {
  int64_t id;
  const char *campaign, *pledge, *version;
  int64_t entity;
  const char *entity_key, *name_zh, *name_en, *parent; /* reads */
  const char *signer, *phone;                          /* personal; phone may be NULL */
  const char *channel;                                 /* "paper" (staff) or "code" (public) */
  int64_t ts;                                          /* signed at, UTC ms */
};

/* Inserts p (id ignored). 0 and *out_id; ZZ_EEXISTS when the entity has
 * signed this pledge of this campaign already, with *out_signed_at (may be
 * NULL) its time and e filled; or a store error. */
int store_pledge_insert(struct store *st, const struct store_pledge *p, int64_t *out_id,
                        int64_t *out_signed_at, struct zz_err *e);

/* Which pledges store_pledges_each reads, newest first (ts, then id). */
struct store_pledge_filter {
  const char *campaign;      /* required */
  const char *pledge;        /* NULL: any */
  const char *entity;        /* an entity key, NULL: any */
  const char *parent_path;   /* "$.market": with parent, the members of one participant */
  const char *parent;        /* the parent attribute's value, NULL: any */
  int64_t rpos_lo, rpos_hi;  /* the signer's region subtree; 0, 0: anywhere */
  int64_t before_ts, before; /* cursor: rows before (ts, id); before 0: from the newest */
  int limit;                 /* 0: all */
};
/* fn returns non-zero to stop. 0 or ZZ_ESTORE. */
int store_pledges_each(struct store *st, const struct store_pledge_filter *f,
                       int (*fn)(void *, const struct store_pledge *), void *ud);

/* A promotion activity (倡议, 宣传, 推进会), bound to an entity or not. */
struct store_activity {
  int64_t id;
  const char *campaign, *kind;
  int64_t entity;                             /* 0: none */
  const char *entity_key, *name_zh, *name_en; /* reads, NULL when none */
  int64_t ts, participants;
  const char *title, *note, *actor;
};
/* 0 and *out_id, or a store error. */
int store_activity_insert(struct store *st, const struct store_activity *a, int64_t *out_id,
                          struct zz_err *e);
/* Activities of campaign, newest first; rpos limits those bound to an
 * entity (those bound to none are district-wide and always listed). kind
 * NULL: any. Cursor and limit as for pledges. */
struct store_activity_filter {
  const char *campaign, *kind;
  int64_t rpos_lo, rpos_hi;
  int64_t before_ts, before;
  int limit;
};
int store_activities_each(struct store *st, const struct store_activity_filter *f,
                          int (*fn)(void *, const struct store_activity *), void *ud);

/* What a campaign is made of, as its pack definition says, for the
 * counts: the JSON array texts of its participants' and members' entity
 * types and of its checklists, the member's attribute naming its
 * participant ("$.market"), and the region subtree asked about. */
struct store_cp_scope {
  const char *campaign;
  const char *participant_types; /* '["market"]' */
  const char *member_types;      /* '["stall"]', NULL: no members */
  const char *parent_path;       /* '$.market', NULL: no members */
  const char *checklists;        /* '["plastic_market","plastic_stall"]', NULL: none */
  int64_t rpos_lo, rpos_hi;      /* 0, 0: the district */
};
/* The campaign's inspections are those that name it, and those that name
 * no campaign but use one of its checklists. */

/* A participant with its counts: its members, the inspections of it and
 * of its members (with failed items), the last of them, its members'
 * and its own rectification items still open, and the sum of its credit
 * points in this campaign. */
struct store_cp_participant {
  int64_t id;
  const char *key, *name_zh, *name_en;
  int64_t region;
  int64_t members, inspections, violations, last_inspection; /* 0: never */
  int64_t open_rectify, points;
};
/* Participants in scope by key. 0 or ZZ_ESTORE. */
int store_cp_participants_each(struct store *st, const struct store_cp_scope *sc,
                               int (*fn)(void *, const struct store_cp_participant *), void *ud);

/* The latest inspection of each participant with each of the campaign's
 * checklists: its answers (the JSON text the inspection stored:
 * [{"item","ok":true|false|null}]) and the items of it whose
 * rectification is closed (a JSON array text of item ids). */
struct store_cp_latest {
  const char *entity_key, *checklist;
  int64_t inspection, ts;
  const char *answers, *closed_items;
};
int store_cp_latest_each(struct store *st, const struct store_cp_scope *sc,
                         int (*fn)(void *, const struct store_cp_latest *), void *ud);

/* Grouped counts of the campaign, each row (key, n, n2):
 *   SIGNED_BY_PLEDGE     key pledge id, n signatures (signers in scope)
 *   SIGNED_BY_PARENT     key parent (the member's participant key), n
 *                        signatures of pledge `arg` (members in scope)
 *   PLEDGES_BY_MONTH     key "YYYY-MM" (Asia/Shanghai), n signatures
 *   INSPECTIONS_BY_MONTH key "YYYY-MM", n inspections, n2 failed items
 *   RECTIFY_BY_STATE     key open | overdue | closed_on_time | closed_late
 *   ENTITIES             key "participants" | "members", n in scope */
enum store_cp_count {
  STORE_CP_SIGNED_BY_PLEDGE,
  STORE_CP_SIGNED_BY_PARENT,
  STORE_CP_PLEDGES_BY_MONTH,
  STORE_CP_INSPECTIONS_BY_MONTH,
  STORE_CP_RECTIFY_BY_STATE,
  STORE_CP_ENTITIES,
};
/* fn(ud, key, n, n2) per group, ordered by key. 0, ZZ_EINVAL or ZZ_ESTORE. */
int store_cp_count(struct store *st, const struct store_cp_scope *sc, enum store_cp_count what,
                   const char *arg, int (*fn)(void *, const char *key, int64_t n, int64_t n2),
                   void *ud);

#endif
