/* store_cases.h - case files (个案): a person followed by a department's
 * caseworkers (the 心花绽放 programme is the first), the typed timeline of
 * contacts, services, activities and outcomes, and the counts statistics
 * read. The person's data (name, phone, address, id number) lives in the
 * case row; who may read it is decided above (api/authz.c). */
#ifndef ZZ_STORE_CASES_H
#define ZZ_STORE_CASES_H

#include <stdint.h>

#include "core/zz.h"

struct store;

struct store_case {
  int64_t id;
  const char *program, *department, *caseworker;
  int64_t region;                             /* the street's region id */
  const char *community;                      /* free text, may be NULL */
  const char *intention;                      /* a kind of the programme's intentions */
  const char *name, *phone;                   /* personal */
  const char *person_json;                    /* {"address","id_number"}: personal */
  const char *profile_json;                   /* {"skills":[],"hours","childcare"} */
  const char *status;                         /* "open" or "closed" */
  const char *outcome;                        /* the latest outcome kind, NULL for none */
  int64_t created, last_contact, next_follow; /* UTC ms; next_follow 0: none */
  int64_t followup_order;                     /* the open follow-up task, 0: none */
  int64_t jobs;                               /* jobs the person's business created */
  int64_t entries;                            /* timeline length (store_case_get; -1 in lists) */
};

struct store_case_entry {
  int64_t id, case_id, ts;
  const char *klass; /* contact, service, activity, outcome, task */
  const char *kind;  /* a kind of the programme's list for klass */
  const char *note, *actor;
  int64_t jobs;        /* outcome: jobs created for others */
  int64_t next_follow; /* > 0: the case's next follow-up becomes this */
  const char *ref;     /* what the entry records: "activity/ID", an application's number; NULL */
};

/* Which cases store_cases_each reads; NULL or 0 members do not filter. */
struct store_case_filter {
  const char *program, *department, *intention, *status;
  int64_t region;     /* the street */
  const char *q;      /* a substring of the name, phone or community */
  int64_t due_before; /* next_follow before this (and set) */
  int limit, offset;  /* limit 0: all */
};

/* Inserts c (id ignored) and its first timeline entry "contact/intake" by
 * c->caseworker at c->created. 0 and *out_id, or a store error. */
int store_case_insert(struct store *st, const struct store_case *c, int64_t *out_id,
                      struct zz_err *e);
/* 0 (fn called once), ZZ_ENOTFOUND or ZZ_ESTORE. */
int store_case_get(struct store *st, int64_t id, int (*fn)(void *, const struct store_case *),
                   void *ud);
/* Open files first, by due follow-up (next_follow ascending, none last),
 * then newest id; closed files after them.
 * *total (may be NULL) gets the number matching without limit. fn returns
 * non-zero to stop. 0 or ZZ_ESTORE. */
int store_cases_each(struct store *st, const struct store_case_filter *f, int64_t *total,
                     int (*fn)(void *, const struct store_case *), void *ud);
/* Appends en to its case's timeline and updates the case in one
 * transaction: last_contact (contact, service, activity), outcome and jobs
 * (outcome), next_follow (when en->next_follow > 0), and clears the
 * follow-up task (contact, service, activity). ZZ_ENOTFOUND for no case. */
int store_case_entry_insert(struct store *st, const struct store_case_entry *en, int64_t *out_id,
                            struct zz_err *e);
/* Oldest first. 0 or ZZ_ESTORE. */
int store_case_entries_each(struct store *st, int64_t case_id,
                            int (*fn)(void *, const struct store_case_entry *), void *ud);
/* Sets the case's open follow-up task (0 clears it). */
int store_case_set_followup(struct store *st, int64_t id, int64_t order_id, struct zz_err *e);
/* Open cases of program with no contact since before and no follow-up
 * task, oldest contact first, at most limit. */
int store_cases_quiet(struct store *st, const char *program, int64_t before, int limit,
                      int (*fn)(void *, const struct store_case *), void *ud);

/* An activity of a programme (a live-stream show, a session, a salon) that
 * mothers check in to with its code. */
struct store_case_activity {
  int64_t id;
  const char *program, *department, *kind, *title, *place, *created_by;
  int64_t ts, region, created;
  int64_t attendance; /* how many checked in */
};

/* Counts for the statistics (no personal data), read from the counters
 * (cs_tally) that case and entry writes keep in their own transactions. */
enum store_case_count {
  STORE_CASES_BY_INTENTION, /* key: intention */
  STORE_CASES_BY_OUTCOME,   /* key: latest outcome ("" none) */
  STORE_CASES_BY_REGION,    /* key: region id as text */
  STORE_ENTRIES_BY_KIND,    /* key: kind of entries of klass; sum: jobs */
  STORE_ENTRIES_BY_MONTH,   /* key: kind, month "YYYY-MM" (Asia/Shanghai); sum: jobs */
};
/* fn(ud, key, month (NULL unless by month), count, sum of jobs). */
int store_cases_count(struct store *st, const char *program, enum store_case_count what,
                      const char *klass,
                      int (*fn)(void *, const char *key, const char *month, int64_t n, int64_t sum),
                      void *ud);

/* Inserts activity a (id ignored) and its active code (kind "activity",
 * entity "cs_activity/ID", entity type "case_activity", token, at a's
 * region whose position is rpos) in one transaction. 0 and *out_id. */
int store_case_activity_insert(struct store *st, const struct store_case_activity *a,
                               const char *token, int64_t rpos, int64_t *out_id, struct zz_err *e);
/* 0 (fn called once), ZZ_ENOTFOUND or ZZ_ESTORE. */
int store_case_activity_get(struct store *st, int64_t id,
                            int (*fn)(void *, const struct store_case_activity *), void *ud);
/* The activities of program (and of department unless NULL), newest
 * first, at most limit. 0 or ZZ_ESTORE. */
int store_case_activities_each(struct store *st, const char *program, const char *department,
                               int limit, int (*fn)(void *, const struct store_case_activity *),
                               void *ud);
/* The phone of every case of program, for a check-in's match: fn(ud, id,
 * phone) for each, lowest id first. 0 or ZZ_ESTORE. */
int store_case_phones_each(struct store *st, const char *program,
                           int (*fn)(void *, int64_t id, const char *phone), void *ud);
/* Checks case case_id in to activity (its kind and title given) at ts:
 * the attendance row and an "activity" entry on the timeline (ref
 * "activity/ID", by actor) in one transaction. *already 1 (and nothing
 * written) when the case had checked in before. 0 or a store error. */
int store_case_attend(struct store *st, const struct store_case_activity *a, int64_t case_id,
                      int64_t ts, const char *actor, int *already, struct zz_err *e);
/* Who checked in to activity, in the order they came: fn(ud, case id,
 * name, phone, ts). 0 or ZZ_ESTORE. */
int store_case_attendance_each(struct store *st, int64_t activity,
                               int (*fn)(void *, int64_t id, const char *name, const char *phone,
                                         int64_t ts),
                               void *ud);

#endif
