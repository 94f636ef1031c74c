/* applications.h - applications (申请) and joint approval (并联审批, 联办):
 * an application is checked against its matter's form and made into an
 * order together with its own row (public number, applicant, form) in one
 * intake transaction; its materials are checked by content and kept as files
 * under the data directory, a replacement leaving the old material as it was
 * until it is recorded; once every required material is in, the system
 * dispatches the order, one sub-order per department in parallel; each
 * department approves or rejects with a note; the applicant follows it by
 * its number, staff see the applicant and the materials. No HTTP here: the
 * handlers of src/api/applications.c parse, authorize, call and write. */
#ifndef ZZ_APPLICATIONS_H
#define ZZ_APPLICATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/zz.h"
#include "store/store_orders.h"
#include "workflow/workflow.h"

struct json_t;
struct registry;
struct store;

/* Bytes of one material file. */
#define APPLICATION_MATERIAL_MAX (10u << 20)
/* The public number: 128 random bits in lower-case hex. */
#define APPLICATION_NUMBER_LEN 32
/* Times one material of one application may be replaced: each replaced
 * file is deleted, but only once no backup runs (store_files_release). */
#define APPLICATION_REPLACE_MAX 20

/* What the engine works with. The caller fills it (it may live on the
 * stack for one call); the engine keeps no state of its own. */
struct applications {
  struct store *st;
  struct registry *reg;
  struct workflow *wf;
  const char *data_dir; /* materials go to DATA/materials/ORDER/ */
  int sync_files;       /* fsync material files as the store fsyncs its commits */
};

/* Allows (0) or refuses (non-zero) the caller to act on order o; o is
 * valid during the call only. */
typedef int (*application_authz_fn)(void *ud, const struct store_order *o);

/* ---- submitting ---- */

/* An application as sent. Strings are the caller's until the draft is
 * freed; NULL means missing. */
struct application_input {
  const char *matter;        /* the matter's key */
  const char *channel;       /* "online", "staff" or "enterprise_code" */
  const char *entity;        /* the enterprise an enterprise code binds it to, or NULL */
  const char *name, *phone;  /* the applicant */
  const char *company;       /* may be NULL */
  const struct json_t *form; /* an object of field id -> value, or NULL */
  /* who files it: a user (ACTOR_USER) acts as itself, name the user's;
   * the public (ACTOR_PUBLIC) with name NULL and no role. The order's
   * reporter is named from it (the enterprise, the user or "applicant") */
  struct wf_actor who;
  /* optional: written in the transaction that makes the order, after the
   * application's row (a case's timeline entry, src/cases/); its failure
   * undoes the order and the row. number is the application's. */
  int (*also)(void *ud, struct store *st, int64_t order, const char *number, struct zz_err *e);
  void *also_ud;
};

/* A checked application, to be authorized and submitted. The caller
 * allocates it; application_check fills it. */
struct application_draft {
  /* where the order goes, for the caller's authorization */
  int64_t region;   /* region id (0 when unknown) */
  char entity[128]; /* the enterprise ("" for none) */
  /* the engine's */
  const struct application_input *in;
  struct json_t *matter;
  const char *company; /* the applicant's, else the enterprise's name, or NULL */
  char company_buf[256];
  char region_path[256], reporter[160];
  char *description;
};

/* Checks in against its matter (an application taken by in->channel), the
 * applicant (name, phone, company), the matter's form, and for an
 * enterprise the registered contact number; finds where the order goes.
 * Returns 0 with d filled (free it with application_draft_free, also after
 * a failure), or ZZ_EINVAL / ZZ_ENOTFOUND / ZZ_EFORBIDDEN (another contact
 * number) with e naming the field. */
int application_check(struct applications *ap, const struct application_input *in,
                      struct application_draft *d, struct zz_err *e);

/* What application_submit made. */
struct application_receipt {
  char number[APPLICATION_NUMBER_LEN + 1];
  int64_t order;
  const struct json_t *materials; /* the matter's materials (an array); the draft's */
};

/* Makes the order and the application's row in one transaction (the
 * workflow's intake group commit, waited for): both or neither. Returns 0
 * with out filled, or the workflow's or the store's error in e. */
int application_submit(struct applications *ap, struct application_draft *d,
                       struct application_receipt *out, struct zz_err *e);
void application_draft_free(struct application_draft *d);

/* ---- materials ---- */

struct application_upload {
  char type[8];   /* "pdf", "jpeg" or "png" (by content) */
  size_t size;    /* bytes */
  int complete;   /* every required material is in */
  int dispatched; /* and the order went to its departments with this one */
};

/* Stores data (n bytes) as material `material` of the application numbered
 * number: the file is written under a new name, then recorded; a failure
 * leaves the material as it was (file and row), the replaced file is
 * released after the commit (store_files_release). When this material
 * completes the application the system dispatches it in the row's own
 * transaction (workflow_txn): row and dispatch, or neither (and no file).
 * Returns 0 with out filled, or ZZ_ENOTFOUND ("number", "material"),
 * ZZ_ECONFLICT (already with the departments, replaced
 * APPLICATION_REPLACE_MAX times, or the dispatch it completes refused),
 * ZZ_EINVAL (empty), ZZ_ETOOBIG (over APPLICATION_MATERIAL_MAX),
 * ZZ_EMEDIATYPE (not a declared type), ZZ_EFULL or ZZ_ESTORE (the file),
 * or the store's error. */
int application_material_put(struct applications *ap, const char *number, const char *material,
                             const void *data, size_t n, struct application_upload *out,
                             struct zz_err *e);

/* A received material's file, for staff. */
struct application_file {
  char path[1200]; /* absolute */
  char mime[32];
};
/* Finds material `material` of the application of order `order`, which
 * may_see (called with the order) must allow. Returns 0 with out filled,
 * ZZ_ENOTFOUND ("id": no such order; "material": not received) or
 * ZZ_EFORBIDDEN. */
int application_material_file(struct applications *ap, int64_t order, const char *material,
                              application_authz_fn may_see, void *ud, struct application_file *out,
                              struct zz_err *e);

/* ---- decisions ---- */

struct application_decision {
  int64_t order;        /* the department's sub-order */
  const char *decision; /* "approve" or "reject" */
  const char *note;     /* the reasons, required */
  struct wf_actor who;  /* the officer (or admin) deciding */
  application_authz_fn may_decide;
  void *ud;
};
struct application_decided {
  int64_t order, application; /* the sub-order and the joint order */
  char department[64];
};
/* Takes the sub-order to resolved with the decision as its note and
 * records the decision, in one transaction (workflow_txn): the sub-order
 * resolved with its decision row, or neither. Refusals in this order, so that one leaks nothing
 * of what follows it: ZZ_EINVAL ("decision", "note"), ZZ_ENOTFOUND ("id"),
 * ZZ_EFORBIDDEN (may_decide refused), ZZ_ECONFLICT (not a department's
 * part of an application), then the workflow's errors and ZZ_EEXISTS
 * (decided already). */
int application_decide(struct applications *ap, const struct application_decision *in,
                       struct application_decided *out, struct zz_err *e);

/* ---- status ---- */

/* The application numbered number as the applicant sees it: matter,
 * steps (each department's state and decision), materials asked and
 * received, status and outcome, never the applicant's contact. Returns 0
 * and *out (the caller json_decrefs it) or ZZ_ENOTFOUND ("number"). */
int application_status(struct applications *ap, const char *number, struct json_t **out,
                       struct zz_err *e);
/* The application of order `order` as staff see it: the applicant's
 * contact, the form, the materials received and the decisions so far.
 * may_see (called with the order) must allow. Returns 0 and *out (the
 * caller json_decrefs it), ZZ_ENOTFOUND ("id") or ZZ_EFORBIDDEN. */
int application_staff_view(struct applications *ap, int64_t order, application_authz_fn may_see,
                           void *ud, struct json_t **out, struct zz_err *e);

#endif
