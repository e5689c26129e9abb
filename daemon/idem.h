/*
 * Idempotent submission (issue 14): what the daemon derives from a
 * reporter's submission id (the Idempotency-Key header) and the request
 * body, so that a retry of the same report is answered with the receipt
 * of the stored one and a different body under the same id is refused.
 *
 * From the id and the server's receipt-lookup key come a lookup id (finds
 * the database row), a body check (HMAC of SHA-256 of the body: same
 * body?) and a sealing key that also depends on the body hash; the
 * receipt is kept only sealed under that key (AES-256-GCM, the lookup id
 * as associated data).  The id itself never reaches the database, so a
 * copy of it -- even with the server key -- yields no receipt without the
 * id and the exact body.  Pure functions: no I/O, fuzzed in
 * tests/fuzz/fuzz_idem.c.
 */
#ifndef MELDPUNT_IDEM_H
#define MELDPUNT_IDEM_H

#include <stddef.h>

#include "crypto/receipt.h"

#define IDEM_ID_MIN		22	/* >= 128 bits in base64url */
#define IDEM_ID_MAX		64
#define IDEM_LEN		32
/* version || nonce || sealed receipt digits || tag */
#define IDEM_SEALED_LEN		(1 + 12 + RECEIPT_DIGITS + 16)

struct idem {
	unsigned char	id_lookup[IDEM_LEN];
	unsigned char	id_check[IDEM_LEN];
	unsigned char	id_key[IDEM_LEN];
};

/*
 * The submission id from an Idempotency-Key header value: a bare token or
 * an RFC 8941 string ("..."), IDEM_ID_MIN..IDEM_ID_MAX characters of
 * [A-Za-z0-9_-].  Copies it into id (IDEM_ID_MAX + 1 bytes) and returns
 * its length, or -1 when malformed.
 */
int	idem_parse_header(const char *value, char id[IDEM_ID_MAX + 1]);
/* Derive lookup, check and key; -1 on a crypto failure.  Wipe with
 * idem_clear(). */
int	idem_derive(const unsigned char *server_key, size_t keylen,
	    const char *id, size_t idlen, const unsigned char *body,
	    size_t bodylen, struct idem *out);
void	idem_clear(struct idem *);
/* Does a stored check match this request's?  Constant time. */
int	idem_same_body(const struct idem *, const unsigned char *check,
	    size_t checklen);
/* Seal the receipt digits into out (IDEM_SEALED_LEN bytes); 0 or -1. */
int	idem_seal(const struct idem *, const char receipt[RECEIPT_DIGITS],
	    unsigned char out[IDEM_SEALED_LEN]);
/* Open a sealed record into receipt (NUL-terminated); 0 or -1. */
int	idem_open(const struct idem *, const unsigned char *sealed,
	    size_t len, char receipt[RECEIPT_DIGITS + 1]);

#endif /* MELDPUNT_IDEM_H */
