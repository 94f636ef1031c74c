/* open311_request.h - an Open311 GeoReport v2 service request (POST
 * requests) made into a work order: its service_code, attributes, location
 * and contact checked against the matter (one that lists the "open311"
 * channel), the order placed in the deepest region whose outline holds the
 * position, and committed with its intake row (contact, address, token)
 * through the workflow's group commit. The HTTP side, with the api_key check
 * and the XML/JSON answers, is src/api/open311.c. */
#ifndef ZZ_INTAKE_OPEN311_REQUEST_H
#define ZZ_INTAKE_OPEN311_REQUEST_H

#include <stdint.h>

#include "core/zz.h"

struct registry;
struct store;
struct workflow;

/* A request as its form gave it: value(form, name) is the first value of
 * a form field (service_code, lat, long, address_string, address_id,
 * description, media_url, attribute[ID], email, first_name, last_name,
 * phone, device_id, account_id), or NULL when it is absent. */
struct intake_open311_in {
  int64_t source; /* the source whose api_key sent it */
  const char *(*value)(const void *form, const char *name);
  const void *form;
  const unsigned char *media; /* a photo sent as a file (multipart "media"), or NULL */
  size_t media_n;
};

struct intake_open311_out {
  int64_t order;  /* the service_request_id */
  char token[40]; /* finds the request again (GET tokens/TOKEN) */
};

/* The standard field(s) a client may send instead of an attribute of
 * form field type (textarea: "description", location: "lat and long, or
 * address_string", phone: "phone", photo: "media_url or a media file"), or
 * NULL when none stands in for it: the service definition tells clients. */
const char *intake_open311_standard_field(const char *type);

/* Checks request in and makes it an order, waiting for the commit. Returns
 * 0 and *out, or an error with e->msg a sentence for the client:
 * ZZ_EINVAL (a missing or bad field; e->field names it), ZZ_EMEDIATYPE (media
 * is not a JPEG or PNG), ZZ_ENOTFOUND with
 * e->field "service_code" (no such service), ZZ_ETOOBIG or ZZ_ENOMEM (the
 * description, address and attributes together are too long), or a store
 * or workflow error (nothing of the request is then kept). */
int intake_open311_request(struct store *st, struct registry *reg, struct workflow *wf,
                           const struct intake_open311_in *in, struct intake_open311_out *out,
                           struct zz_err *e);

#endif
