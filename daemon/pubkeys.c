/*
 * Snapshots of the public keys per category (see pubkeys.h).  Keys are
 * imported with hpke_key_from_public(), which validates the point, so a
 * bad row in the database can never reach an HPKE seal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/manifest.h"
#include "crypto/secret.h"
#include "forms/forms.h"
#include "daemon/pubkeys.h"

const char pubkeys_sql[] =
    "SELECT c, k.purpose, k.key_id, k.kem_id, k.kdf_id, k.aead_id, "
    "encode(k.public_key, 'hex') FROM unnest($1::text[]) c, "
    "intake.forms_keys(c) k";

const char *
pubkeys_categories_param(void)
{
	static char	 buf[512];
	size_t		 i, off;

	if (buf[0] != '\0')
		return (buf);
	off = 0;
	buf[off++] = '{';
	for (i = 0; i < forms_ncategories(); i++) {
		const char	*id = forms_category_at(i)->c_id;

		if (off + strlen(id) + 3 >= sizeof(buf))
			break;
		if (i > 0)
			buf[off++] = ',';
		memcpy(buf + off, id, strlen(id));
		off += strlen(id);
	}
	buf[off++] = '}';
	buf[off] = '\0';
	return (buf);
}

static void
pubkeys_free(struct pubkeys *p)
{
	size_t	 c, i;

	if (p == NULL)
		return;
	for (c = 0; c < p->pks_ncat; c++) {
		for (i = 0; i < p->pks_cat[c].kc_n; i++)
			hpke_key_free(p->pks_cat[c].kc_keys[i].pk_key);
		free(p->pks_cat[c].kc_keys);
	}
	free(p->pks_cat);
	free(p);
}

struct pubkeys *
pubkeys_ref(struct pubkeys *p)
{
	if (p != NULL)
		p->pks_refs++;
	return (p);
}

void
pubkeys_unref(struct pubkeys *p)
{
	if (p != NULL && --p->pks_refs == 0)
		pubkeys_free(p);
}

static int
pubkeys_purpose_parse(const char *s, enum pubkey_purpose *out)
{
	if (strcmp(s, "queue") == 0)
		*out = PUBKEY_QUEUE;
	else if (strcmp(s, "recovery") == 0)
		*out = PUBKEY_RECOVERY;
	else if (strcmp(s, "identity") == 0)
		*out = PUBKEY_IDENTITY;
	else
		return (-1);
	return (0);
}

/* One row into k; -1 when the row is not usable. */
static int
pubkeys_row(const PGresult *res, int row, struct pubkey *k)
{
	const char	*id = PQgetvalue(res, row, 2);
	const char	*hex = PQgetvalue(res, row, 6);
	size_t		 hexlen = strlen(hex);

	memset(k, 0, sizeof(*k));
	if (pubkeys_purpose_parse(PQgetvalue(res, row, 1),
	    &k->pk_purpose) == -1)
		return (-1);
	/* Only lowercase hex ids as meldctl init writes them. */
	if (strlen(id) != 2 * ENVELOPE_KEYID_LEN ||
	    strspn(id, "0123456789abcdef") != 2 * ENVELOPE_KEYID_LEN ||
	    secret_hex_decode(id, strlen(id), k->pk_id,
	    ENVELOPE_KEYID_LEN) == -1)
		return (-1);
	memcpy(k->pk_hex, id, sizeof(k->pk_hex));
	k->pk_suite.kem = (uint16_t)atoi(PQgetvalue(res, row, 3));
	k->pk_suite.kdf = (uint16_t)atoi(PQgetvalue(res, row, 4));
	k->pk_suite.aead = (uint16_t)atoi(PQgetvalue(res, row, 5));
	if (hpke_suite_check(&k->pk_suite) == -1 ||
	    hexlen / 2 != hpke_kem_pub_len(k->pk_suite.kem) ||
	    hexlen % 2 != 0 || secret_hex_decode(hex, hexlen, k->pk_pub,
	    hexlen / 2) == -1)
		return (-1);
	k->pk_publen = hexlen / 2;
	if ((k->pk_key = hpke_key_from_public(k->pk_suite.kem, k->pk_pub,
	    k->pk_publen)) == NULL)
		return (-1);
	return (0);
}

struct pubkeys *
pubkeys_from_result(const PGresult *res, size_t *skipped)
{
	struct pubkeys		*p;
	struct pubkeys_cat	*kc;
	struct pubkey		 k;
	int			 row, ci;

	*skipped = 0;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->pks_refs = 1;
	p->pks_ncat = forms_ncategories();
	if ((p->pks_cat = calloc(p->pks_ncat, sizeof(*p->pks_cat))) == NULL)
		goto fail;
	for (row = 0; row < PQntuples(res); row++) {
		ci = forms_category_index(PQgetvalue(res, row, 0));
		if (ci == -1 || pubkeys_row(res, row, &k) == -1) {
			(*skipped)++;
			continue;
		}
		kc = &p->pks_cat[ci];
		if ((kc->kc_n & (kc->kc_n + 1)) == 0 || kc->kc_keys == NULL) {
			struct pubkey	*nk;

			nk = realloc(kc->kc_keys, (kc->kc_n * 2 + 2) *
			    sizeof(*nk));
			if (nk == NULL) {
				hpke_key_free(k.pk_key);
				goto fail;
			}
			kc->kc_keys = nk;
		}
		kc->kc_keys[kc->kc_n++] = k;
		if (k.pk_purpose == PUBKEY_QUEUE)
			kc->kc_nqueue++;
	}
	return (p);
 fail:
	pubkeys_free(p);
	return (NULL);
}

int
pubkeys_same(const struct pubkeys *a, const struct pubkeys *b)
{
	size_t	 c, i;

	if (a == NULL || b == NULL || a->pks_ncat != b->pks_ncat)
		return (0);
	for (c = 0; c < a->pks_ncat; c++) {
		if (a->pks_cat[c].kc_n != b->pks_cat[c].kc_n)
			return (0);
		for (i = 0; i < a->pks_cat[c].kc_n; i++) {
			const struct pubkey *x = &a->pks_cat[c].kc_keys[i];
			const struct pubkey *y = &b->pks_cat[c].kc_keys[i];

			/* The bytes too: a row's key can change under its id. */
			if (x->pk_purpose != y->pk_purpose ||
			    memcmp(x->pk_id, y->pk_id, sizeof(x->pk_id)) != 0 ||
			    x->pk_publen != y->pk_publen ||
			    memcmp(x->pk_pub, y->pk_pub, x->pk_publen) != 0)
				return (0);
		}
	}
	return (1);
}

const struct pubkeys_cat *
pubkeys_cat(const struct pubkeys *p, int ci)
{
	if (p == NULL || ci < 0 || (size_t)ci >= p->pks_ncat)
		return (NULL);
	return (&p->pks_cat[ci]);
}

const struct pubkey *
pubkeys_find(const struct pubkeys_cat *kc, const uint8_t *id)
{
	size_t	 i;

	for (i = 0; kc != NULL && i < kc->kc_n; i++)
		if (memcmp(kc->kc_keys[i].pk_id, id, ENVELOPE_KEYID_LEN) == 0)
			return (&kc->kc_keys[i]);
	return (NULL);
}

const struct pubkey *
pubkeys_purpose(const struct pubkeys_cat *kc, enum pubkey_purpose purpose)
{
	size_t	 i;

	for (i = 0; kc != NULL && i < kc->kc_n; i++)
		if (kc->kc_keys[i].pk_purpose == purpose)
			return (&kc->kc_keys[i]);
	return (NULL);
}

static const char *
pubkeys_purpose_name(enum pubkey_purpose p)
{
	switch (p) {
	case PUBKEY_QUEUE:
		return ("queue");
	case PUBKEY_RECOVERY:
		return ("recovery");
	default:
		return ("identity");
	}
}

int
pubkeys_covered(const struct pubkeys *p, const struct manifest *m,
    char *why, size_t whylen)
{
	size_t	 c, i;

	for (c = 0; p != NULL && c < p->pks_ncat; c++) {
		const char	*cat = forms_category_at(c)->c_id;

		for (i = 0; i < p->pks_cat[c].kc_n; i++) {
			const struct pubkey	*k = &p->pks_cat[c].kc_keys[i];
			const char		*pn;

			pn = pubkeys_purpose_name(k->pk_purpose);
			if (manifest_covers(m, pn, cat, k->pk_hex,
			    k->pk_suite.kem, k->pk_suite.kdf,
			    k->pk_suite.aead, k->pk_pub, k->pk_publen) == 0)
				continue;
			snprintf(why, whylen, "the key manifest does not cover "
			    "%s key %s of %s", pn, k->pk_hex, cat);
			return (-1);
		}
	}
	return (0);
}
