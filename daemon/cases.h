/*
 * Casework endpoints of the staff role: queues, case lists, one case
 * decrypted, claim/release, state transitions, reclassification, notes,
 * messages to the reporter, transfer, referral and the overdue list.
 * Every handler runs its queries through ssession_exec(), so row-level
 * security decides what a handler sees; a case outside the caller's
 * queues is answered 404, exactly like one that does not exist.
 * Routes: docs/staff-api.md.
 */
#ifndef MELDPUNT_CASES_H
#define MELDPUNT_CASES_H

struct http_request;

void	cases_queues(struct http_request *req, void *arg);
void	cases_list(struct http_request *req, void *arg);
void	cases_read(struct http_request *req, void *arg);
void	cases_claim(struct http_request *req, void *arg);
void	cases_release(struct http_request *req, void *arg);
void	cases_transition(struct http_request *req, void *arg);
void	cases_note(struct http_request *req, void *arg);
void	cases_message(struct http_request *req, void *arg);
void	cases_transfer(struct http_request *req, void *arg);
void	cases_referral(struct http_request *req, void *arg);
void	cases_reclassify(struct http_request *req, void *arg);
void	cases_overdue(struct http_request *req, void *arg);

#endif
