/* intake.h - the public intake: what a citizen (customer code) or an
 * enterprise (enterprise code) reports after scanning a code, and what an
 * Open311 client posts (intake/open311.h), checked against the matter and
 * made into a work order with everything that comes with it (the photo, the
 * receipt or the request's intake row) in one group commit of the workflow
 * (workflow_intake). Knows no HTTP: the API parses a request into the
 * structs below and writes the answer from the results. */
#ifndef ZZ_INTAKE_H
#define ZZ_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "codes/codes.h"
#include "core/zz.h"

struct json_t;
struct store;
struct workflow;

/* A report sent through a code. The strings are the caller's and need only
 * live through intake_report_submit / intake_report. */
struct intake_report {
  const struct code_info *code; /* the scanned code (active; code_get) */
  const char *matter;           /* the matter's key (required) */
  const struct json_t *fields;  /* the form's answers {field id: string}, or NULL */
  const char *contact_phone;    /* enterprise codes: the registered contact number */
  int photo_given;              /* a photo came with the report */
  const char *photo;            /* its base64 (or a data: URL); NULL when it was not text */
};

/* What a committed report gives back. */
struct intake_receipt {
  int64_t order;
  char receipt[CODE_RECEIPT_LEN + 1];
  char matter_name[128]; /* the matter's Chinese name (its key when it has none) */
};

/* A report queued for the commit (opaque; intake_report_submit). */
struct intake_job;

/* Checks report in against its code and matter (the code takes the matter,
 * which is no application; the form's answers, the enterprise's contact
 * number, the photo), writes the photo's file (in this thread, so that many
 * reporters do not queue behind each other's fsync) and queues the order,
 * the photo's record and the receipt for one commit. Returns 0 and *out:
 * on_done(ud) is then called once, on the intake thread, when the report is
 * committed or has failed; after it, read the outcome with intake_job_result
 * and free the job with intake_job_free (on_done must not touch the job
 * after handing it on). Otherwise a ZZ_E* code with e filled (field: the
 * input at fault): ZZ_EINVAL (matter, fields.ID, contact_phone, photo),
 * ZZ_EFORBIDDEN (another contact number), ZZ_ETOOBIG (photo, fields),
 * ZZ_EMEDIATYPE (photo), ZZ_ENOMEM or a store error; nothing is left behind
 * and on_done is never called. */
int intake_report_submit(struct store *st, struct workflow *wf, const struct intake_report *in,
                         void (*on_done)(void *ud), void *ud, struct intake_job **out,
                         struct zz_err *e);
/* The outcome of a job whose on_done was called: 0 and *out, or the error
 * (nothing of the report is left: no order, no receipt, no photo). */
int intake_job_result(const struct intake_job *job, struct intake_receipt *out, struct zz_err *e);
/* Frees a job (NULL is fine). */
void intake_job_free(struct intake_job *job);

/* The same, waiting for the commit: 0 and *out once the order, its photo
 * and its receipt are committed, or the errors above. */
int intake_report(struct store *st, struct workflow *wf, const struct intake_report *in,
                  struct intake_receipt *out, struct zz_err *e);

/* Checks phone against the registered contact_phone of entity (digits
 * compared in constant time); field names the phone in the request.
 * Returns 0, ZZ_EINVAL (no phone, or not a phone number) or ZZ_EFORBIDDEN
 * (another number), with e filled. */
int intake_check_contact(struct store *st, const char *entity, const char *phone, const char *field,
                         struct zz_err *e);

/* 1 when a matter (its catalog row's extra, or the whole matter object)
 * lists channel in "channels" (customer_code, open311, online...). */
int intake_matter_has_channel(const struct json_t *matter, const char *channel);

/* The channel of a code's reports: "enterprise_code" or "customer_code". */
const char *intake_channel_of(const char *code_kind);

#endif
