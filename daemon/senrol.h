/*
 * TOTP enrolment by the user herself, at first sign-in or after an
 * administrator's `meldctl user reset-totp` (senrol.c, schema 0251).
 */
#ifndef MELDPUNT_SENROL_H
#define MELDPUNT_SENROL_H

struct http_request;

/* POST /v1/staff/totp/enrol: a new secret for the app (otpauth URI). */
void	senrol_begin(struct http_request *req, void *arg);
/* POST /v1/staff/totp/confirm {"totp"}: store it once a code matches. */
void	senrol_confirm(struct http_request *req, void *arg);

#endif
