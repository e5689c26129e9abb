/*
 * The proof of work on the public side (pow.h has the mechanism): the
 * challenge endpoint GET /v1/challenge, and the gate that POST
 * /v1/reports passes before it parses the body, derives anything or asks
 * the database.  Loop thread only.
 */
#ifndef MELDPUNT_POWPUB_H
#define MELDPUNT_POWPUB_H

#include "daemon/pow.h"
#include "forms/i18n.h"

struct app;
struct http_request;
struct public_state;

/* What the gate decided for a submission. */
enum powpub_gate {
	POWPUB_PASS,		/* go on; spend sol when queueing the hash
				 * (*has_sol says whether there is one) */
	POWPUB_RECORD,		/* a retry with a spent or expired solution
				 * and an Idempotency-Key: answer from the
				 * submission record only, never store */
	POWPUB_ANSWERED,	/* refused (4xx): nothing more to do */
};

/* Start-up: the policy from the configuration, the key derived from the
 * reporter-session key file's bytes (NULL: random).  Exits on failure. */
void	powpub_init(struct public_state *ps, const unsigned char *ikm,
	    size_t ikmlen);
/* GET /v1/challenge. */
void	powpub_challenge(struct http_request *req, void *arg);
/* The gate of POST /v1/reports (see the enum). */
enum powpub_gate powpub_gate(struct public_state *ps,
	    struct http_request *req, enum i18n_lang l,
	    struct pow_solution *sol, int *has_sol);
/* Seconds since the epoch, as challenges count them. */
uint64_t powpub_wall(void);

#endif /* MELDPUNT_POWPUB_H */
