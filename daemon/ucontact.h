/*
 * Contact details a reporter gave, with explicit consent, for the urgent
 * team to call at once (schema/0250_urgent_contact.sql; EU directive
 * 2019/1937 art. 16(1)).  Read by a member of the urgent queue that holds
 * the case; every read audited (contact.urgent_read), the first one told
 * to the reporter in the inbox.  Without consent the identity-request
 * workflow of identity.h (art. 16(3)) is the only way.
 */
#ifndef MELDPUNT_UCONTACT_H
#define MELDPUNT_UCONTACT_H

struct http_request;

/* GET /v1/staff/case/urgent-contact?id=CASE (handler, officer). */
void	ucontact_read(struct http_request *req, void *arg);

#endif
