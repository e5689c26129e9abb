/*
 * Reporter sessions of the public process as sealed tokens, so that any
 * of several public processes behind a balancer serves any reporter (no
 * stickiness) and a public process keeps no state another cannot take
 * over (DESIGN §10, availability).
 *
 * A token is AES-256-GCM under the reporter-session key that all public
 * processes share (a key file; without one, a random key per process,
 * which is right for a single process).  Inside: the receipt credential
 * (lookup id and verifier, for the database calls), the case id, the
 * case thread key, the language and the expiry.  Outside, authenticated
 * as additional data: a version byte and a random 16-byte session id.
 * Layout in docs/crypto.md ("Reporter session tokens").
 *
 * Revocation lives in PostgreSQL (casework.reporter_sessions): the
 * SHA-256 of the session id is the live session of its receipt, so a new
 * login ends the previous session and logout ends it, for every process.
 * The table holds no token, no key and no time finer than a day.
 *
 * What a thief of the shared key learns from a captured token: the thread
 * key and receipt verifier of that reporter, the same as from a process's
 * memory before; the key is never in the database.  Loop thread only.
 */
#ifndef MELDPUNT_RSESSION_H
#define MELDPUNT_RSESSION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/receipt.h"
#include "forms/i18n.h"

#define RSESSION_KEY_LEN	32
#define RSESSION_ID_LEN		16
#define RSESSION_HASH_LEN	32	/* SHA-256 of the session id */
#define RSESSION_TK_LEN		32
#define RSESSION_CASE_LEN	16
/* version, session id, nonce, sealed fields, tag */
#define RSESSION_PLAIN_LEN	(RECEIPT_LOOKUP_LEN + RECEIPT_VERIFIER_LEN + \
				 RSESSION_CASE_LEN + RSESSION_TK_LEN + 1 + 8)
#define RSESSION_TOKEN_LEN	(1 + RSESSION_ID_LEN + 12 + \
				 RSESSION_PLAIN_LEN + 16)
#define RSESSION_TOKEN_HEXLEN	(2 * RSESSION_TOKEN_LEN)

struct rsession_store;

/* What a session knows; copied out for worker jobs. */
struct rsession_cred {
	unsigned char	rc_lookup[RECEIPT_LOOKUP_LEN];
	unsigned char	rc_verifier[RECEIPT_VERIFIER_LEN];
	unsigned char	rc_case[RSESSION_CASE_LEN];
	unsigned char	rc_tk[RSESSION_TK_LEN];
	enum i18n_lang	rc_lang;
};

/*
 * key: RSESSION_KEY_LEN bytes (copied into locked memory), or NULL for a
 * random key of this process only.
 */
struct rsession_store *rsession_store_new(const unsigned char *key, int ttl_s);
/* Wipes the key. */
void		 rsession_store_free(struct rsession_store *);
int		 rsession_locked(const struct rsession_store *);
/*
 * A new token for cred (64 + 2 * ... hex digits and a NUL) and the hash
 * of its session id, which the caller records as the receipt's live
 * session.  Returns 0, or -1.
 */
int		 rsession_create(struct rsession_store *,
		    const struct rsession_cred *, time_t now,
		    char token[RSESSION_TOKEN_HEXLEN + 1], time_t *expires,
		    unsigned char sid_hash[RSESSION_HASH_LEN]);
/*
 * Open the token of an "Authorization: Bearer <hex>" header into cred and
 * sid_hash (the caller wipes cred).  0, or -1 when malformed, forged or
 * expired.  Whether the session was ended is the database's to say.
 */
int		 rsession_get(struct rsession_store *, const char *authz,
		    time_t now, struct rsession_cred *cred,
		    unsigned char sid_hash[RSESSION_HASH_LEN]);

#endif /* MELDPUNT_RSESSION_H */
