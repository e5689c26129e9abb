/*
 * The signed key manifest (docs/crypto.md §10): a canonical text that
 * lists every public key a reporter's client may seal to, signed with
 * ECDSA P-256 / SHA-256 by an offline manifest-signing key.  Clients
 * verify it against a signing public key they hold from elsewhere (the
 * web page's static files, an app build, the public daemon's key file),
 * so a key substituted in the database is noticed.
 *
 * This module holds the signature primitives (raw 32-byte scalar,
 * 65-byte uncompressed point, 64-byte r || s signature, the encoding
 * WebCrypto uses), the strict parser and the canonical writer.  Part of
 * libmeldcrypto: no daemon headers, no logging.  Errors are one line in
 * err that never quotes the text.
 *
 * Ownership: manifest_parse() returns a manifest the caller releases
 * with manifest_free(); manifest_text() a string the caller free()s.
 * Every other argument is borrowed.
 */
#ifndef MELDPUNT_CRYPTO_MANIFEST_H
#define MELDPUNT_CRYPTO_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MANIFEST_MAGIC		"meldpunt-key-manifest v1"
#define MANIFEST_SK_LEN		32	/* P-256 private scalar */
#define MANIFEST_PK_LEN		65	/* uncompressed point */
#define MANIFEST_SIG_LEN	64	/* r || s, 32 bytes each */
#define MANIFEST_ID_HEX		32	/* hex digits of a key id */
#define MANIFEST_MAX_TEXT	65536	/* bytes; longer texts are refused */
#define MANIFEST_MAX_KEYS	512
#define MANIFEST_MAX_PUB	133	/* the largest HPKE public key */
#define MANIFEST_CAT_MAX	63

/* One "key" line. */
struct manifest_key {
	char		mk_purpose[16];	/* queue, recovery, identity */
	char		mk_category[MANIFEST_CAT_MAX + 1]; /* "*" unless queue */
	char		mk_id[MANIFEST_ID_HEX + 1];	/* lower-case hex */
	uint16_t	mk_kem, mk_kdf, mk_aead;
	uint8_t		mk_pub[MANIFEST_MAX_PUB];
	size_t		mk_publen;
	char		mk_from[11];	/* YYYY-MM-DD, first day of use */
};

struct manifest {
	uint64_t		 m_version;	/* 1 .. 2^53 - 1 */
	time_t			 m_signed;	/* UTC, whole seconds */
	time_t			 m_expires;
	char			 m_signer[MANIFEST_ID_HEX + 1];
	struct manifest_key	*m_keys;
	size_t			 m_nkeys;
};

/* A new signing key pair.  0 or -1. */
int	manifest_keygen(uint8_t sk[MANIFEST_SK_LEN],
	    uint8_t pk[MANIFEST_PK_LEN]);
/* The public point of a private scalar.  0 or -1 (not a valid scalar). */
int	manifest_public(const uint8_t sk[MANIFEST_SK_LEN],
	    uint8_t pk[MANIFEST_PK_LEN]);
/* The signing key's id: hex of the first 16 bytes of SHA-256(pk). */
int	manifest_signer_id(const uint8_t pk[MANIFEST_PK_LEN],
	    char hex[MANIFEST_ID_HEX + 1]);
/* ECDSA P-256 with SHA-256 over msg; sig is r || s.  0 or -1. */
int	manifest_sign(const uint8_t sk[MANIFEST_SK_LEN], const void *msg,
	    size_t len, uint8_t sig[MANIFEST_SIG_LEN]);
/* 0 when sig is a valid signature of msg by pk, else -1. */
int	manifest_verify(const uint8_t pk[MANIFEST_PK_LEN], const void *msg,
	    size_t len, const uint8_t sig[MANIFEST_SIG_LEN]);

/*
 * Parse a manifest text strictly: exactly the canonical form, key lines
 * in ascending byte order without duplicates.  NULL with err set when it
 * is not one.  Does not check a signature.
 */
struct manifest	*manifest_parse(const char *text, size_t len, char *err,
		    size_t errlen);
void		 manifest_free(struct manifest *);

/*
 * The canonical text of m (its key lines sorted; m is not changed), or
 * NULL when a field is out of range or memory is short.
 */
char		*manifest_text(const struct manifest *m);

/*
 * The entry for a key: purpose and id must match, and category for a
 * queue key ("*" entries match any category).  NULL when not covered.
 * The caller still compares the suite and public key bytes.
 */
const struct manifest_key *manifest_find(const struct manifest *m,
		    const char *purpose, const char *category,
		    const char *id);

/*
 * 0 when the manifest lists this key with exactly this suite and public
 * key (manifest_find() plus a byte comparison), else -1.
 */
int		 manifest_covers(const struct manifest *m, const char *purpose,
		    const char *category, const char *id, uint16_t kem,
		    uint16_t kdf, uint16_t aead, const uint8_t *pub,
		    size_t publen);

/* UTC "YYYY-MM-DDTHH:MM:SSZ" for t into buf (21 bytes). */
void		 manifest_time(time_t t, char buf[21]);

#endif /* MELDPUNT_CRYPTO_MANIFEST_H */
