/* inspections_int.h - what the files of src/inspections/ share
 * (inspections.h is the API): the pack document, an entity copied out of
 * the store, a parsed submission, and the JSON writers of the rows.
 * inspections.c submits; reads.c writes the lists, credit, plans and
 * progress; photos.c the photo files; sweep.c the overdue timer. */
#ifndef ZZ_INSPECTIONS_INT_H
#define ZZ_INSPECTIONS_INT_H

#include "inspections/inspections.h"

struct wf_txn;

/* The store's "campaigns" document (a new reference), NULL without one. */
json_t *ins_doc(struct store *st);
/* o[k] when it is a string, else NULL. */
const char *ins_str(const json_t *o, const char *k);
/* The object of list whose "id" is id, or NULL (borrowed). */
json_t *ins_find(const json_t *list, const char *id);
/* 1 when the array of strings list holds s. */
int ins_has(const json_t *list, const char *s);
/* 1 when department key exists. */
int ins_dept_exists(struct store *st, const char *key);
/* The local (Asia/Shanghai) midnight that starts the day holding ms. */
int64_t ins_local_midnight(int64_t ms);

/* An entity copied out of the store. */
struct ins_ent {
  int64_t id, region;
  double lon, lat;
  char key[129], type[65], name_zh[256], name_en[256];
  char attrs[4096];
};
/* Reads entity key into out: 0, ZZ_ENOTFOUND or a store error. */
int ins_entity(struct store *st, const char *key, struct ins_ent *out);

struct ins_answer {
  const char *item; /* the checklist item's id */
  int ok;           /* 1 passed, 0 failed, -1 not applicable (-2 while parsing: unanswered) */
  const char *note;
  json_t *def; /* the checklist item (borrowed from the checklist) */
};

struct ins_finding {
  const char *text, *owner; /* owner NULL: the checklist's department */
  int64_t days;
};

/* A submission, checked (strings borrowed from the body, which must outlive it). */
struct ins_sub {
  struct store *st;
  const char *uid, *checklist_id, *campaign_id, *note;
  json_t *checklist, *campaign; /* owned; campaign may be NULL */
  struct ins_ent ent;
  int64_t plan, ts, now;
  int ts_given;
  double lon, lat;
  struct ins_answer *ans; /* in the checklist's order */
  size_t nans;
  struct ins_finding find[INS_FINDINGS_MAX];
  size_t nfind;
  int64_t closes[INS_FINDINGS_MAX];
  size_t ncloses;
  int64_t failed;
  char *answers_json; /* normalized */
};
int ins_parse(struct inspections *in, const json_t *body, struct ins_sub *s, struct zz_err *e);
void ins_sub_free(struct ins_sub *s);

/* The transaction of one submission. */
struct ins_txn {
  struct inspections *in;
  const struct ins_actor *who;
  const struct ins_sub *s;
  int wf_ok; /* orders are made (a workflow is there) */
  int64_t id; /* out: the inspection */
};

/* Moves order (dispatched to owner) on to closed as the system, with note
 * on its resolution, inside workflow_txn's fn. 0 or the action's error. */
int ins_order_close(struct wf_txn *t, struct store *st, int64_t order, const char *owner,
                    const char *note, struct zz_err *e);

#endif
