/*
 * In-memory reporter sessions (see rsession.h).  Slot i's thread key is
 * bytes [32 i, 32 i + 32) of one locked secret; the other fields are not
 * key material but are wiped on release too, since with the lookup id
 * and verifier anyone could call the reporter functions.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "crypto/secret.h"
#include "daemon/rsession.h"

struct rsession {
	int		 rs_used;
	unsigned char	 rs_hash[SHA256_DIGEST_LENGTH];
	time_t		 rs_expires;
	unsigned char	 rs_lookup[RECEIPT_LOOKUP_LEN];
	unsigned char	 rs_verifier[RECEIPT_VERIFIER_LEN];
	unsigned char	 rs_case[RSESSION_CASE_LEN];
	enum i18n_lang	 rs_lang;
};

struct rsession_store {
	struct rsession	*ss_slots;
	size_t		 ss_cap;
	struct secret	*ss_tk;		/* ss_cap * 32 bytes, locked */
	int		 ss_ttl;
};

struct rsession_store *
rsession_store_new(size_t capacity, int ttl_s)
{
	struct rsession_store	*ss;

	if (capacity == 0 || (ss = calloc(1, sizeof(*ss))) == NULL)
		return (NULL);
	ss->ss_cap = capacity;
	ss->ss_ttl = ttl_s;
	if ((ss->ss_slots = calloc(capacity, sizeof(*ss->ss_slots))) == NULL ||
	    (ss->ss_tk = secret_new_locked(capacity * RSESSION_TK_LEN)) ==
	    NULL) {
		rsession_store_free(ss);
		return (NULL);
	}
	return (ss);
}

static void
rsession_release(struct rsession_store *ss, size_t i)
{
	OPENSSL_cleanse(&ss->ss_slots[i], sizeof(ss->ss_slots[i]));
	OPENSSL_cleanse(ss->ss_tk->s_buf + i * RSESSION_TK_LEN,
	    RSESSION_TK_LEN);
}

void
rsession_store_free(struct rsession_store *ss)
{
	if (ss == NULL)
		return;
	if (ss->ss_slots != NULL) {
		OPENSSL_cleanse(ss->ss_slots, ss->ss_cap *
		    sizeof(*ss->ss_slots));
		free(ss->ss_slots);
	}
	secret_free(ss->ss_tk);
	free(ss);
}

int
rsession_locked(const struct rsession_store *ss)
{
	return (secret_is_locked(ss->ss_tk));
}

size_t
rsession_sweep(struct rsession_store *ss, time_t now)
{
	size_t	 i, live = 0;

	for (i = 0; i < ss->ss_cap; i++) {
		if (!ss->ss_slots[i].rs_used)
			continue;
		if (ss->ss_slots[i].rs_expires <= now)
			rsession_release(ss, i);
		else
			live++;
	}
	return (live);
}

int
rsession_create(struct rsession_store *ss, const struct rsession_cred *c,
    time_t now, char token[RSESSION_TOKEN_HEXLEN + 1], time_t *expires)
{
	struct rsession	*s = NULL;
	unsigned char	 raw[RSESSION_TOKEN_LEN];
	size_t		 i;

	/*
	 * One live session per receipt: a new login ends the previous one.
	 * Otherwise one receipt could fill the whole table and lock every
	 * other reporter out.
	 */
	for (i = 0; i < ss->ss_cap; i++)
		if (ss->ss_slots[i].rs_used &&
		    CRYPTO_memcmp(ss->ss_slots[i].rs_lookup, c->rc_lookup,
		    sizeof(ss->ss_slots[i].rs_lookup)) == 0)
			rsession_release(ss, i);
	for (i = 0; i < ss->ss_cap && s == NULL; i++)
		if (!ss->ss_slots[i].rs_used)
			s = &ss->ss_slots[i];
	if (s == NULL) {
		(void)rsession_sweep(ss, now);
		for (i = 0; i < ss->ss_cap && s == NULL; i++)
			if (!ss->ss_slots[i].rs_used)
				s = &ss->ss_slots[i];
	}
	if (s == NULL || secret_random(raw, sizeof(raw)) == -1)
		return (-1);
	i = (size_t)(s - ss->ss_slots);
	SHA256(raw, sizeof(raw), s->rs_hash);
	secret_hex_encode(raw, sizeof(raw), token);
	OPENSSL_cleanse(raw, sizeof(raw));
	s->rs_used = 1;
	s->rs_expires = now + ss->ss_ttl;
	memcpy(s->rs_lookup, c->rc_lookup, sizeof(s->rs_lookup));
	memcpy(s->rs_verifier, c->rc_verifier, sizeof(s->rs_verifier));
	memcpy(s->rs_case, c->rc_case, sizeof(s->rs_case));
	memcpy(ss->ss_tk->s_buf + i * RSESSION_TK_LEN, c->rc_tk,
	    RSESSION_TK_LEN);
	s->rs_lang = c->rc_lang;
	*expires = s->rs_expires;
	return (0);
}

/* The slot of the token in "Bearer <64 hex>", or -1. */
static long
rsession_find(struct rsession_store *ss, const char *authz)
{
	unsigned char	 raw[RSESSION_TOKEN_LEN], h[SHA256_DIGEST_LENGTH];
	size_t		 i;
	long		 found = -1;

	if (authz == NULL || strncmp(authz, "Bearer ", 7) != 0 ||
	    strlen(authz + 7) != RSESSION_TOKEN_HEXLEN ||
	    secret_hex_decode(authz + 7, RSESSION_TOKEN_HEXLEN, raw,
	    sizeof(raw)) == -1)
		return (-1);
	SHA256(raw, sizeof(raw), h);
	OPENSSL_cleanse(raw, sizeof(raw));
	/* Compare every slot in constant time; no early exit. */
	for (i = 0; i < ss->ss_cap; i++)
		if (ss->ss_slots[i].rs_used &&
		    secret_equal(ss->ss_slots[i].rs_hash, h, sizeof(h)))
			found = (long)i;
	return (found);
}

int
rsession_get(struct rsession_store *ss, const char *authz, time_t now,
    struct rsession_cred *c)
{
	struct rsession	*s;
	long		 i;

	if ((i = rsession_find(ss, authz)) == -1)
		return (-1);
	s = &ss->ss_slots[i];
	if (s->rs_expires <= now) {
		rsession_release(ss, (size_t)i);
		return (-1);
	}
	memcpy(c->rc_lookup, s->rs_lookup, sizeof(c->rc_lookup));
	memcpy(c->rc_verifier, s->rs_verifier, sizeof(c->rc_verifier));
	memcpy(c->rc_case, s->rs_case, sizeof(c->rc_case));
	memcpy(c->rc_tk, ss->ss_tk->s_buf + (size_t)i * RSESSION_TK_LEN,
	    RSESSION_TK_LEN);
	c->rc_lang = s->rs_lang;
	return (0);
}

int
rsession_end(struct rsession_store *ss, const char *authz)
{
	long	 i;

	if ((i = rsession_find(ss, authz)) == -1)
		return (-1);
	rsession_release(ss, (size_t)i);
	return (0);
}
