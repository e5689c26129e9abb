/*
 * libFuzzer harness for the POST /v1/reports validator
 * (daemon/reportreq.c): any byte string must be accepted or refused
 * with a 4xx/5xx status, a code and a pointer, without crashing, leaking
 * or reading out of bounds.  A fixed key snapshot (one queue, recovery
 * and identity key per category, from fixed seeds) lets sealed bodies in
 * the corpus reach the envelope and wrap checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "daemon/pubkeys.h"
#include "daemon/reportreq.h"

static struct pubkeys	*keys;

static void
fuzz_key(struct pubkeys_cat *kc, enum pubkey_purpose p, uint8_t seed)
{
	struct pubkey	*k = &kc->kc_keys[kc->kc_n++];
	uint8_t		 ikm[32];
	struct hpke_key	*sk;

	memset(ikm, seed, sizeof(ikm));
	memset(k, 0, sizeof(*k));
	sk = hpke_key_derive(HPKE_KEM_P256_SHA256, ikm, sizeof(ikm));
	k->pk_purpose = p;
	k->pk_suite = hpke_suite_default;
	k->pk_publen = sizeof(k->pk_pub);
	if (sk == NULL || hpke_key_public(sk, k->pk_pub, &k->pk_publen) == -1)
		abort();
	hpke_key_free(sk);
	k->pk_key = hpke_key_from_public(HPKE_KEM_P256_SHA256, k->pk_pub,
	    k->pk_publen);
	if (k->pk_key == NULL || envelope_key_id(k->pk_key, k->pk_id) == -1)
		abort();
	secret_hex_encode(k->pk_id, ENVELOPE_KEYID_LEN, k->pk_hex);
	if (p == PUBKEY_QUEUE)
		kc->kc_nqueue++;
}

static void
fuzz_init(void)
{
	size_t	 c;

	keys = calloc(1, sizeof(*keys));
	keys->pks_refs = 1;
	keys->pks_ncat = forms_ncategories();
	keys->pks_cat = calloc(keys->pks_ncat, sizeof(*keys->pks_cat));
	for (c = 0; c < keys->pks_ncat; c++) {
		keys->pks_cat[c].kc_keys = calloc(3, sizeof(struct pubkey));
		fuzz_key(&keys->pks_cat[c], PUBKEY_QUEUE, (uint8_t)(1 + c));
		fuzz_key(&keys->pks_cat[c], PUBKEY_RECOVERY, 0x80);
		fuzz_key(&keys->pks_cat[c], PUBKEY_IDENTITY, 0x90);
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reportreq	*rr = NULL;
	struct reportreq_error	 err;
	enum i18n_lang		 l = I18N_EN;

	if (keys == NULL)
		fuzz_init();
	if (reportreq_parse(data, size, keys, &rr, &err, &l) == 0) {
		if (rr == NULL || rr->rr_cat == NULL)
			abort();
		reportreq_free(rr);
	} else if (rr != NULL || err.re_code == NULL ||
	    err.re_status < 400 || err.re_status > 599 ||
	    (err.re_field[0] != '\0' && err.re_field[0] != '/'))
		abort();
	return (0);
}
