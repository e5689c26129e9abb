/*
 * The public keys a reporter seals to, per category, as published by
 * GET /v1/forms and checked by POST /v1/reports: the current key of
 * every queue a routing rule can send the category to, the recovery key
 * and the identity key (intake.forms_keys()).  A snapshot is immutable
 * once built and reference-counted, so the public process can swap in a
 * fresh one on its refresh timer while worker jobs still hold the old
 * one.  References are taken and dropped on the loop thread only;
 * workers only read.  Pure: no daemon state, no logging.
 */
#ifndef MELDPUNT_PUBKEYS_H
#define MELDPUNT_PUBKEYS_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "crypto/envelope.h"
#include "crypto/hpke.h"

enum pubkey_purpose {
	PUBKEY_QUEUE = 0,
	PUBKEY_RECOVERY,
	PUBKEY_IDENTITY,
};

struct pubkey {
	enum pubkey_purpose	 pk_purpose;
	uint8_t			 pk_id[ENVELOPE_KEYID_LEN];
	char			 pk_hex[2 * ENVELOPE_KEYID_LEN + 1];
	struct hpke_suite	 pk_suite;
	uint8_t			 pk_pub[HPKE_MAX_PUB];
	size_t			 pk_publen;
	struct hpke_key		*pk_key;
};

/* The keys of one category, in forms_keys() order. */
struct pubkeys_cat {
	struct pubkey		*kc_keys;
	size_t			 kc_n;
	size_t			 kc_nqueue;	/* how many are queue keys */
};

struct pubkeys {
	int			 pks_refs;
	size_t			 pks_ncat;	/* forms_ncategories() */
	struct pubkeys_cat	*pks_cat;
	unsigned long		 pks_serial;	/* changes with the content */
};

/*
 * Build a snapshot from the result of
 *   SELECT c, k.purpose, k.key_id, k.kem_id, k.kdf_id, k.aead_id,
 *	encode(k.public_key, 'hex') FROM unnest($1::text[]) c,
 *	intake.forms_keys(c) k
 * (text format).  Rows with an id that is not 32 hex digits or a key
 * that does not import are skipped and counted in *skipped.  Returns a
 * snapshot with one reference, or NULL on memory shortage.
 */
struct pubkeys		*pubkeys_from_result(const PGresult *res,
			    size_t *skipped);
/* The SQL above, for the caller's store_exec(). */
extern const char	 pubkeys_sql[];
/* {"labour_discrimination",...} as a text[] literal for $1. */
const char		*pubkeys_categories_param(void);

struct pubkeys		*pubkeys_ref(struct pubkeys *);
void			 pubkeys_unref(struct pubkeys *);
/* 1 when both hold the same keys, ids and bytes (caches may be kept). */
int			 pubkeys_same(const struct pubkeys *,
			    const struct pubkeys *);

const struct pubkeys_cat *pubkeys_cat(const struct pubkeys *, int catidx);
/* The key with this id in the category, or NULL. */
const struct pubkey	*pubkeys_find(const struct pubkeys_cat *,
			    const uint8_t *id);
/*
 * 0 when the manifest m (struct manifest, crypto/manifest.h) lists every
 * key of the snapshot for its category with the same suite and public
 * key bytes; else -1 with why saying which key is not covered (key ids
 * and category names only: both are public).
 */
struct manifest;
int			 pubkeys_covered(const struct pubkeys *p,
			    const struct manifest *m, char *why,
			    size_t whylen);
/* The category's recovery / identity key, or NULL. */
const struct pubkey	*pubkeys_purpose(const struct pubkeys_cat *,
			    enum pubkey_purpose);

#endif /* MELDPUNT_PUBKEYS_H */
