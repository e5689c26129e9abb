/*
 * The reporter client of tests/lib/treporter.h: what an app does, with
 * this repository's crypto library, against a real public meldpuntd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "tests/lib/tclient.h"
#include "tests/lib/treporter.h"

#define TREP_MAX_KEYS	16

json_t *
trep_forms(int port, const char *lang)
{
	struct tcl_resp	 r;
	char		 path[64];
	json_t		*j = NULL;
	int		 i;

	snprintf(path, sizeof(path), "/v1/forms?lang=%s", lang);
	for (i = 0; i < 100 && j == NULL; i++) {
		if (tcl_request(port, "GET", path, NULL, NULL, &r) == -1)
			return (NULL);
		if (r.status == 200)
			j = json_loads(r.body, 0, NULL);
		else
			usleep(100000);
		tcl_resp_clear(&r);
	}
	return (j);
}

static const json_t *
trep_category(const json_t *forms, const char *cat)
{
	const json_t	*c;
	size_t		 i;

	json_array_foreach(json_object_get(forms, "categories"), i, c) {
		const char	*id = json_string_value(json_object_get(c, "id"));

		if (id != NULL && strcmp(id, cat) == 0)
			return (c);
	}
	return (NULL);
}

/*
 * One published key: the public key from base64, its id from hex, and
 * the id recomputed from the key must match (docs/crypto.md §8 step 1).
 */
static struct hpke_key *
trep_key(const json_t *k, uint8_t id[ENVELOPE_KEYID_LEN])
{
	const char	*b64 = json_string_value(json_object_get(k, "public_key"));
	const char	*hex = json_string_value(json_object_get(k, "key_id"));
	unsigned char	*pk = NULL;
	uint8_t		 mine[ENVELOPE_KEYID_LEN];
	size_t		 pklen;
	struct hpke_key	*key = NULL;

	if (b64 == NULL || hex == NULL || strlen(hex) != 32 ||
	    secret_b64_decode(b64, strlen(b64), &pk, &pklen) == -1)
		return (NULL);
	if ((key = hpke_key_from_public(HPKE_KEM_P256_SHA256, pk, pklen)) ==
	    NULL || secret_hex_decode(hex, 32, id, ENVELOPE_KEYID_LEN) == -1 ||
	    envelope_key_id(key, mine) == -1 ||
	    CRYPTO_memcmp(mine, id, sizeof(mine)) != 0) {
		hpke_key_free(key);
		key = NULL;
	}
	OPENSSL_free(pk);
	return (key);
}

json_t *
trep_seal(const json_t *forms, const char *cat, const char *content)
{
	return (trep_seal_dek(forms, cat, content, NULL));
}

json_t *
trep_seal_dek(const json_t *forms, const char *cat, const char *content,
    uint8_t *dek_out)
{
	const json_t			*c, *keys, *q;
	struct envelope_recipient	 rc[TREP_MAX_KEYS];
	struct hpke_key			*hk[TREP_MAX_KEYS];
	struct envelope			*env = NULL;
	json_t				*j = NULL;
	size_t				 i, n = 0;

	if ((c = trep_category(forms, cat)) == NULL)
		return (NULL);
	keys = json_object_get(c, "keys");
	json_array_foreach(json_object_get(keys, "queues"), i, q) {
		if (n == TREP_MAX_KEYS - 1 ||
		    (hk[n] = trep_key(q, rc[n].r_key_id)) == NULL)
			goto done;
		rc[n].r_key = hk[n];
		n++;
	}
	if ((hk[n] = trep_key(json_object_get(keys, "recovery"),
	    rc[n].r_key_id)) == NULL)
		goto done;
	rc[n].r_key = hk[n];
	n++;
	if (dek_out == NULL)
		env = envelope_build(&hpke_suite_default, cat, rc, n,
		    (const uint8_t *)content, strlen(content));
	else {
		/* The caller keeps the DEK (attachments are sealed under
		 * it, docs/crypto.md §14): a random DEK, nonce and
		 * ephemeral keys given to the fixed build. */
		uint8_t			 nonce[ENVELOPE_NONCE_LEN];
		struct hpke_key		*eph[TREP_MAX_KEYS];
		size_t			 e;

		for (e = 0; e < n; e++)
			if ((eph[e] = hpke_key_new(HPKE_KEM_P256_SHA256)) ==
			    NULL)
				break;
		if (e == n && RAND_bytes(dek_out, ENVELOPE_DEK_LEN) == 1 &&
		    RAND_bytes(nonce, sizeof(nonce)) == 1)
			env = envelope_build_fixed(&hpke_suite_default, cat,
			    rc, n, (const uint8_t *)content, strlen(content),
			    dek_out, nonce,
			    (const struct hpke_key *const *)eph);
		while (e-- > 0)
			hpke_key_free(eph[e]);
	}
	if (env != NULL)
		j = envelope_to_json(env);
 done:
	envelope_free(env);
	for (i = 0; i < n; i++)
		hpke_key_free(hk[i]);
	return (j);
}

/* One sealed copy {"key_id","enc","ciphertext"} of pt to key k. */
static json_t *
trep_contact_copy(const json_t *k, const char *label, const uint8_t *pt,
    size_t ptlen)
{
	struct hpke_key	*key;
	uint8_t		 id[ENVELOPE_KEYID_LEN], enc[HPKE_MAX_ENC];
	uint8_t		 info[64], *ct;
	size_t		 enclen = sizeof(enc), n = strlen(label);
	char		*b1 = NULL, *b2 = NULL;
	json_t		*j = NULL;

	if ((key = trep_key(k, id)) == NULL ||
	    (ct = malloc(ptlen + HPKE_TAG_LEN)) == NULL) {
		hpke_key_free(key);
		return (NULL);
	}
	memcpy(info, label, n);
	memcpy(info + n, id, sizeof(id));
	if (hpke_seal(&hpke_suite_default, key, info, n + sizeof(id), NULL, 0,
	    pt, ptlen, enc, &enclen, ct) == 0 &&
	    secret_b64_encode(enc, enclen, &b1, NULL) == 0 &&
	    secret_b64_encode(ct, ptlen + HPKE_TAG_LEN, &b2, NULL) == 0)
		j = json_pack("{s:O,s:s,s:s}", "key_id",
		    json_object_get(k, "key_id"), "enc", b1, "ciphertext", b2);
	OPENSSL_free(b1);
	OPENSSL_free(b2);
	free(ct);
	hpke_key_free(key);
	return (j);
}

json_t *
trep_seal_contact(const json_t *forms, const char *cat, const char *contact,
    json_t **urgent)
{
	const json_t	*c, *keys, *q;
	uint8_t		*pt;
	size_t		 n = strlen(contact), ptlen, i;
	json_t		*j = NULL, *u;

	if ((c = trep_category(forms, cat)) == NULL)
		return (NULL);
	keys = json_object_get(c, "keys");
	ptlen = (n + 4 + 255) / 256 * 256;
	if ((pt = calloc(1, ptlen)) == NULL)
		return (NULL);
	pt[0] = (uint8_t)(n >> 24);
	pt[1] = (uint8_t)(n >> 16);
	pt[2] = (uint8_t)(n >> 8);
	pt[3] = (uint8_t)n;
	memcpy(pt + 4, contact, n);
	j = trep_contact_copy(json_object_get(keys, "identity"),
	    "meldpunt-contact", pt, ptlen);
	if (j != NULL && urgent != NULL) {
		*urgent = json_array();
		json_array_foreach(json_object_get(keys, "queues"), i, q)
			if ((u = trep_contact_copy(q, "meldpunt-urgent-contact",
			    pt, ptlen)) == NULL ||
			    json_array_append_new(*urgent, u) == -1) {
				json_decref(j);
				json_decref(*urgent);
				*urgent = NULL;
				j = NULL;
				break;
			}
	}
	free(pt);
	return (j);
}

static int
trep_post(int port, const char *path, const char *token, const char *body,
    struct tcl_resp *r)
{
	char	 hdrs[512];

	snprintf(hdrs, sizeof(hdrs), "Content-Type: application/json\r\n%s%s%s",
	    token != NULL ? "Authorization: Bearer " : "",
	    token != NULL ? token : "", token != NULL ? "\r\n" : "");
	return (tcl_request(port, "POST", path, hdrs, body, r));
}

int
trep_submit_sealed(int port, const json_t *forms, const char *category,
    const char *subtype, const char *answers, const char *content,
    char **receipt, char **reply)
{
	return (trep_submit_dek(port, forms, category, subtype, answers,
	    content, NULL, receipt, reply));
}

int
trep_submit_dek(int port, const json_t *forms, const char *category,
    const char *subtype, const char *answers, const char *content,
    uint8_t *dek, char **receipt, char **reply)
{
	struct tcl_resp	 r;
	json_t		*root, *env, *ans, *j;
	char		*body;
	int		 st;

	*receipt = NULL;
	if (reply != NULL)
		*reply = NULL;
	if ((env = trep_seal_dek(forms, category, content, dek)) == NULL)
		return (-1);
	if ((ans = json_loads(answers != NULL ? answers : "{}", 0,
	    NULL)) == NULL) {
		json_decref(env);
		return (-1);
	}
	root = json_pack("{s:s,s:I,s:s,s:s,s:o,s:o}", "lang", "nl",
	    "form_version", json_integer_value(json_object_get(forms,
	    "form_version")), "category", category, "subtype", subtype,
	    "answers", ans, "envelope", env);
	if (root == NULL)
		return (-1);
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (body == NULL)
		return (-1);
	st = trep_post(port, "/v1/reports", NULL, body, &r);
	free(body);
	if (st == -1)
		return (-1);
	st = r.status;
	if (st == 201 && (j = json_loads(r.body, 0, NULL)) != NULL) {
		const char	*s = json_string_value(json_object_get(j,
				    "receipt"));

		*receipt = s != NULL ? strdup(s) : NULL;
		json_decref(j);
	}
	if (reply != NULL)
		*reply = strdup(r.body);
	tcl_resp_clear(&r);
	return (st);
}

char *
trep_login(int port, const char *receipt)
{
	struct tcl_resp	 r;
	json_t		*j, *body;
	char		*s, *tok = NULL;

	if ((body = json_pack("{s:s,s:s}", "receipt", receipt, "lang",
	    "nl")) == NULL)
		return (NULL);
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (s == NULL || trep_post(port, "/v1/reporter/session", NULL, s,
	    &r) == -1) {
		free(s);
		return (NULL);
	}
	free(s);
	if (r.status == 200 && (j = json_loads(r.body, 0, NULL)) != NULL) {
		const char	*t = json_string_value(json_object_get(j,
				    "token"));

		tok = t != NULL ? strdup(t) : NULL;
		json_decref(j);
	}
	tcl_resp_clear(&r);
	return (tok);
}

json_t *
trep_case(int port, const char *token, int *status)
{
	struct tcl_resp	 r;
	char		 h[400];
	json_t		*j;

	*status = -1;
	snprintf(h, sizeof(h), "Authorization: Bearer %s\r\n", token);
	if (tcl_request(port, "GET", "/v1/reporter/case", h, NULL, &r) == -1)
		return (NULL);
	*status = r.status;
	j = json_loads(r.body, 0, NULL);
	tcl_resp_clear(&r);
	return (j);
}

const char *
trep_last_text(const json_t *c, const char *direction)
{
	const json_t	*m;
	const char	*d, *text = NULL;
	size_t		 i;

	json_array_foreach(json_object_get(c, "messages"), i, m) {
		d = json_string_value(json_object_get(m, "direction"));
		if (d != NULL && strcmp(d, direction) == 0)
			text = json_string_value(json_object_get(m, "text"));
	}
	return (text);
}

int
trep_message(int port, const char *token, const char *text)
{
	struct tcl_resp	 r;
	json_t		*body;
	char		*s;
	int		 st;

	if ((body = json_pack("{s:s}", "text", text)) == NULL)
		return (-1);
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (s == NULL)
		return (-1);
	st = trep_post(port, "/v1/reporter/messages", token, s, &r);
	free(s);
	if (st == -1)
		return (-1);
	st = r.status;
	tcl_resp_clear(&r);
	return (st);
}

int
trep_logout(int port, const char *token)
{
	struct tcl_resp	 r;
	char		 h[400];
	int		 st;

	snprintf(h, sizeof(h), "Authorization: Bearer %s\r\n", token);
	if (tcl_request(port, "DELETE", "/v1/reporter/session", h, NULL,
	    &r) == -1)
		return (-1);
	st = r.status;
	tcl_resp_clear(&r);
	return (st);
}
