/*
 * A staff user's own key rotation: the crypto (keyrotate.h).  The queue
 * scalars and identity keys are copied out of the session on the loop,
 * wrapped to the new public key on a worker and wiped there; only the
 * wraps (hex), the new public key and the sealed private key reach the
 * statement.  Nothing here logs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "daemon/keyrotate.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

#define KR_HEXID	(2 * STAFFCRED_KEYID_LEN + 1)
#define KR_ENC_HEX	(2 * HPKE_MAX_ENC + 1)
#define KR_WR_HEX	(2 * STAFFCRED_WRAPPED_LEN + 1)
#define KR_NPARAMS	10

/* One key wrapped to the new public key. */
struct kr_item {
	char		 ki_id[KR_HEXID];	/* queue key id; officer:
						 * the purpose */
	struct secret	*ki_key;		/* 32 bytes, locked; wiped
						 * once wrapped */
	char		 ki_enc[KR_ENC_HEX];
	char		 ki_wrapped[KR_WR_HEX];
};

struct keyrotate {
	struct kr_item	*kr_q;		/* queue keys */
	size_t		 kr_nq;
	struct kr_item	 kr_i[2];	/* officer: identity, contact_link */
	size_t		 kr_ni;
	unsigned char	 kr_ikid[STAFFCRED_KEYID_LEN];
	/* The new pair. */
	unsigned char	 kr_pub[HPKE_MAX_PUB];
	size_t		 kr_publen;
	char		 kr_kid[KR_HEXID];
	unsigned char	*kr_sealed;
	size_t		 kr_sealedlen;
	/* The statement's parameters. */
	unsigned char	 kr_proof[STAFFCRED_PROOF_LEN];
	char		 kr_step[24];
	char		*kr_arr[6];
	const char	*kr_v[KR_NPARAMS];
	int		 kr_len[KR_NPARAMS];
	int		 kr_fmt[KR_NPARAMS];
};

void
keyrotate_free(struct keyrotate *kr)
{
	size_t	 i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->kr_nq; i++)
		secret_free(kr->kr_q[i].ki_key);
	free(kr->kr_q);
	for (i = 0; i < kr->kr_ni; i++)
		secret_free(kr->kr_i[i].ki_key);
	free(kr->kr_sealed);
	for (i = 0; i < 6; i++)
		free(kr->kr_arr[i]);
	OPENSSL_cleanse(kr, sizeof(*kr));
	free(kr);
}

/* An officer's identity scalar and contact-link key, as two items. */
static int
keyrotate_identity(struct keyrotate *kr, const struct ssession *s)
{
	struct secret	*both;
	int		 rc = -1;

	if ((both = ssession_identity_keys(s, kr->kr_ikid)) == NULL)
		return (0);		/* not an officer: nothing to wrap */
	snprintf(kr->kr_i[0].ki_id, KR_HEXID, "identity");
	snprintf(kr->kr_i[1].ki_id, KR_HEXID, "contact_link");
	if ((kr->kr_i[0].ki_key = secret_new_from(both->s_buf,
	    STAFFCRED_SCALAR_LEN, 1)) == NULL ||
	    (kr->kr_i[1].ki_key = secret_new_from(both->s_buf +
	    STAFFCRED_SCALAR_LEN, STAFFCRED_SCALAR_LEN, 1)) == NULL)
		goto done;
	rc = 0;
 done:
	kr->kr_ni = 2;		/* freed by keyrotate_free() either way */
	secret_free(both);
	return (rc);
}

struct keyrotate *
keyrotate_snapshot(const struct ssession *s)
{
	struct keyrotate	*kr;
	const char		*id;
	size_t			 i, n;

	if ((kr = calloc(1, sizeof(*kr))) == NULL)
		return (NULL);
	for (n = 0; ssession_queue_key_id(s, n) != NULL; n++)
		;
	if (n > 0 && (kr->kr_q = calloc(n, sizeof(*kr->kr_q))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		id = ssession_queue_key_id(s, i);
		snprintf(kr->kr_q[i].ki_id, KR_HEXID, "%s", id);
		kr->kr_nq++;
		if ((kr->kr_q[i].ki_key = ssession_queue_key(s, id)) == NULL)
			goto fail;
	}
	if (keyrotate_identity(kr, s) == -1)
		goto fail;
	return (kr);
 fail:
	keyrotate_free(kr);
	return (NULL);
}

/* Wrap every item to pk (key id rkid); the copies are wiped. */
static int
keyrotate_wrap(struct keyrotate *kr, const struct hpke_key *pk,
    const unsigned char rkid[STAFFCRED_KEYID_LEN])
{
	unsigned char	 qkid[STAFFCRED_KEYID_LEN];
	uint8_t		 enc[HPKE_MAX_ENC], wr[STAFFCRED_WRAPPED_LEN];
	size_t		 i, enclen;

	for (i = 0; i < kr->kr_nq; i++) {
		struct kr_item *it = &kr->kr_q[i];

		if (staffcred_key_id_parse(it->ki_id, qkid) == -1 ||
		    staffcred_wrap_queue_key(pk, qkid, rkid, it->ki_key->s_buf,
		    enc, &enclen, wr) == -1)
			return (-1);
		secret_hex_encode(enc, enclen, it->ki_enc);
		secret_hex_encode(wr, sizeof(wr), it->ki_wrapped);
		secret_free(it->ki_key);
		it->ki_key = NULL;
	}
	for (i = 0; i < kr->kr_ni; i++) {
		struct kr_item *it = &kr->kr_i[i];

		if (staffcred_wrap_officer_key(pk, (int)i, kr->kr_ikid, rkid,
		    it->ki_key->s_buf, enc, &enclen, wr) == -1)
			return (-1);
		secret_hex_encode(enc, enclen, it->ki_enc);
		secret_hex_encode(wr, sizeof(wr), it->ki_wrapped);
		secret_free(it->ki_key);
		it->ki_key = NULL;
	}
	return (0);
}

int
keyrotate_make(struct keyrotate *kr, const char *user,
    const unsigned char kek[32])
{
	struct hpke_key	*key;
	unsigned char	 sk[HPKE_PRIV_LEN], kid[STAFFCRED_KEYID_LEN];
	size_t		 sklen = sizeof(sk);
	int		 rc = -1;

	kr->kr_publen = sizeof(kr->kr_pub);
	if ((key = hpke_key_new(HPKE_KEM_P256_SHA256)) == NULL ||
	    hpke_key_private(key, sk, &sklen) == -1 ||
	    hpke_key_public(key, kr->kr_pub, &kr->kr_publen) == -1 ||
	    staffcred_key_id(key, kid) == -1 ||
	    staffcred_seal(kek, "key", user, sk, sklen, &kr->kr_sealed,
	    &kr->kr_sealedlen) == -1 ||
	    keyrotate_wrap(kr, key, kid) == -1)
		goto done;
	staffcred_key_id_hex(kid, kr->kr_kid);
	rc = 0;
 done:
	OPENSSL_cleanse(sk, sizeof(sk));
	hpke_key_free(key);
	return (rc);
}

/* "{a,b,...}" of one member of each item; the values need no quoting
 * (hex digits, key ids, purposes). */
static char *
keyrotate_array(const struct kr_item *v, size_t n, int which)
{
	size_t	 i, cap = 3, len = 0;
	char	*s;

	for (i = 0; i < n; i++)
		cap += KR_ENC_HEX + 1;
	if ((s = malloc(cap)) == NULL)
		return (NULL);
	s[len++] = '{';
	for (i = 0; i < n; i++) {
		const char *x = which == 0 ? v[i].ki_id : which == 1 ?
		    v[i].ki_enc : v[i].ki_wrapped;

		if (i > 0)
			s[len++] = ',';
		memcpy(s + len, x, strlen(x));
		len += strlen(x);
	}
	s[len++] = '}';
	s[len] = '\0';
	return (s);
}

int
keyrotate_stmt(struct keyrotate *kr, const unsigned char *proof,
    size_t prooflen, long long step, struct store_stmt *st)
{
	int	 i;

	if (prooflen != sizeof(kr->kr_proof))
		return (-1);
	memcpy(kr->kr_proof, proof, prooflen);
	snprintf(kr->kr_step, sizeof(kr->kr_step), "%lld", step);
	for (i = 0; i < 6; i++)
		if ((kr->kr_arr[i] = keyrotate_array(i < 3 ? kr->kr_q :
		    kr->kr_i, i < 3 ? kr->kr_nq : kr->kr_ni, i % 3)) == NULL)
			return (-1);
	memset(kr->kr_len, 0, sizeof(kr->kr_len));
	memset(kr->kr_fmt, 0, sizeof(kr->kr_fmt));
	kr->kr_v[0] = (const char *)kr->kr_proof;
	kr->kr_len[0] = (int)sizeof(kr->kr_proof);
	kr->kr_fmt[0] = 1;
	kr->kr_v[1] = kr->kr_step;
	kr->kr_v[2] = (const char *)kr->kr_pub;
	kr->kr_len[2] = (int)kr->kr_publen;
	kr->kr_fmt[2] = 1;
	kr->kr_v[3] = (const char *)kr->kr_sealed;
	kr->kr_len[3] = (int)kr->kr_sealedlen;
	kr->kr_fmt[3] = 1;
	for (i = 0; i < 6; i++)
		kr->kr_v[4 + i] = kr->kr_arr[i];
	memset(st, 0, sizeof(*st));
	st->st_sql = "SELECT casework.key_rotate($1, $2::bigint, $3, $4, "
	    "$5::text[], $6::text[], $7::text[], $8::text[], $9::text[], "
	    "$10::text[])";
	st->st_nparams = KR_NPARAMS;
	st->st_values = kr->kr_v;
	st->st_lengths = kr->kr_len;
	st->st_formats = kr->kr_fmt;
	return (0);
}

const char *
keyrotate_key_id(const struct keyrotate *kr)
{
	return (kr->kr_kid);
}

int
keyrotate_nqueue(const struct keyrotate *kr)
{
	return ((int)kr->kr_nq);
}

int
keyrotate_nidentity(const struct keyrotate *kr)
{
	return ((int)kr->kr_ni);
}
