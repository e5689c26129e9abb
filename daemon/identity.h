/*
 * Identity disclosure (DESIGN.md section 4, "Identity vault"): a handler
 * asks, a privacy officer other than the requester decides, the reporter
 * is told in her inbox on approval, and only then may an officer read the
 * contact details (schema/0042_identity_disclosure.sql).
 */
#ifndef MELDPUNT_IDENTITY_H
#define MELDPUNT_IDENTITY_H

struct http_request;

/* POST /v1/staff/identity/request {"case","reason"} (handler, officer). */
void	identity_request(struct http_request *req, void *arg);
/* POST /v1/staff/identity/decide {"request","approve"} (officer). */
void	identity_decide(struct http_request *req, void *arg);
/* GET /v1/staff/identity/requests: pending requests (officer). */
void	identity_requests(struct http_request *req, void *arg);
/* GET /v1/staff/identity/contact?request= (officer, approved only). */
void	identity_contact(struct http_request *req, void *arg);
void	identity_contact_purge(struct http_request *req, void *arg);

#endif
