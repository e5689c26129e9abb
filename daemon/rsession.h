/*
 * Reporter sessions of the public process, in memory only: a session
 * exists from a successful receipt login until logout, expiry or process
 * exit, and nothing about it is ever written anywhere.  The bearer token
 * (32 random bytes, sent as 64 hex digits) is kept only as its SHA-256;
 * the session holds the receipt credential (lookup id and verifier, for
 * the database calls), the case id and the case thread key.  Thread keys
 * live in one mlock()ed region (crypto/secret.h) for all sessions.
 *
 * Capacity is fixed at start-up; a full table refuses new sessions (the
 * caller answers 503) after evicting expired ones.  Lookups scan the
 * table: at the few thousand sessions a public process holds that costs
 * microseconds and keeps the code obvious.  Loop thread only.
 */
#ifndef MELDPUNT_RSESSION_H
#define MELDPUNT_RSESSION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/receipt.h"
#include "forms/i18n.h"

#define RSESSION_TOKEN_LEN	32
#define RSESSION_TOKEN_HEXLEN	(2 * RSESSION_TOKEN_LEN)
#define RSESSION_TK_LEN		32
#define RSESSION_CASE_LEN	16

struct rsession_store;

/* What a session knows; copied out for worker jobs. */
struct rsession_cred {
	unsigned char	rc_lookup[RECEIPT_LOOKUP_LEN];
	unsigned char	rc_verifier[RECEIPT_VERIFIER_LEN];
	unsigned char	rc_case[RSESSION_CASE_LEN];
	unsigned char	rc_tk[RSESSION_TK_LEN];
	enum i18n_lang	rc_lang;
};

struct rsession_store *rsession_store_new(size_t capacity, int ttl_s);
/* Wipes every session. */
void		 rsession_store_free(struct rsession_store *);
int		 rsession_locked(const struct rsession_store *);
/*
 * A new session for cred; token receives 64 hex digits and a NUL.
 * Returns 0, or -1 when the table is full.
 */
int		 rsession_create(struct rsession_store *,
		    const struct rsession_cred *, time_t now,
		    char token[RSESSION_TOKEN_HEXLEN + 1], time_t *expires);
/*
 * Copy the live session behind an "Authorization: Bearer <hex>" header
 * into cred (the caller wipes it).  0, or -1 when absent or expired.
 */
int		 rsession_get(struct rsession_store *, const char *authz,
		    time_t now, struct rsession_cred *cred);
/* End the session behind authz; 0 when one ended, -1 when none. */
int		 rsession_end(struct rsession_store *, const char *authz);
/* Drop expired sessions; returns how many are live. */
size_t		 rsession_sweep(struct rsession_store *, time_t now);

#endif /* MELDPUNT_RSESSION_H */
