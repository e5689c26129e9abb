/*
 * Validation of report submissions (see reportreq.h).  The order of the
 * checks is fixed and documented in docs/reporter-api.md so that a client
 * developer gets the first problem, with a pointer to it, every time:
 * JSON syntax, root members, language, form version, category, subtype,
 * answers, content (envelope or report), contact, consent.  Nothing here trusts
 * jansson's view of sizes: every byte string is measured after decoding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/secret.h"
#include "daemon/reportreq.h"

#define NARRATIVE_MAX	(200 * 1024)	/* bytes of UTF-8, before JSON */
#define CONTACT_FIELD_MAX 200
#define CONTACT_NOTE_MAX 1000

static const char *const root_members[] = { "form_version", "lang",
    "category", "subtype", "answers", "envelope", "report", "contact",
    "contact_details", "contact_consent", "urgent_contact", NULL };
static const char *const env_members[] = { "version", "suite", "category",
    "content_nonce", "dek_commit", "ciphertext", "wraps", NULL };
static const char *const suite_members[] = { "kem", "kdf", "aead", NULL };
static const char *const wrap_members[] = { "key_id", "enc", "wrapped_dek",
    NULL };
static const char *const report_members[] = { "narrative", NULL };
static const char *const contact_members[] = { "key_id", "enc",
    "ciphertext", NULL };
static const char *const details_members[] = { "name", "phone", "email",
    "note", NULL };

/* Wipe and release a string jansson allocated, with jansson's free. */
static void
rr_jfree(char *s)
{
	json_malloc_t	 m;
	json_free_t	 f;

	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	json_get_alloc_funcs(&m, &f);
	f(s);
}

static int
rr_fail(struct reportreq_error *err, int status, const char *code,
    const char *field)
{
	err->re_status = status;
	err->re_code = code;
	snprintf(err->re_field, sizeof(err->re_field), "%s", field);
	return (-1);
}

/* A member name safe to echo in a pointer: short, plain ASCII. */
static int
rr_name_plain(const char *k)
{
	size_t	 n = strlen(k);

	return (n > 0 && n <= 40 && strspn(k,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    == n);
}

/* Refuse members not in allowed; the pointer names the first one. */
static int
rr_members(const json_t *obj, const char *const *allowed, const char *at,
    struct reportreq_error *err)
{
	const char	*k;
	json_t		*v;
	size_t		 i;
	char		 p[96];

	json_object_foreach((json_t *)obj, k, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], k) == 0)
				break;
		if (allowed[i] != NULL)
			continue;
		if (rr_name_plain(k))
			snprintf(p, sizeof(p), "%s/%s", at, k);
		else
			snprintf(p, sizeof(p), "%s", at);
		return (rr_fail(err, 400, "unknown_field", p));
	}
	return (0);
}

/* The member name, which must be present and a JSON type. */
static json_t *
rr_get(const json_t *obj, const char *name, json_type type, const char *at,
    struct reportreq_error *err, int *rc)
{
	json_t	*v;
	char	 p[96];

	snprintf(p, sizeof(p), "%s/%s", at, name);
	if ((v = json_object_get(obj, name)) == NULL) {
		*rc = rr_fail(err, 400, "missing_field", p);
		return (NULL);
	}
	if (json_typeof(v) != type && !(type == JSON_TRUE &&
	    json_typeof(v) == JSON_FALSE)) {
		*rc = rr_fail(err, 400, "invalid_field", p);
		return (NULL);
	}
	*rc = 0;
	return (v);
}

/*
 * A base64 member of exactly want bytes (want 0: any, into *out).
 * Syntax errors are 400 invalid_base64, wrong lengths lenstatus/lencode.
 */
static int
rr_b64(const json_t *obj, const char *name, const char *at, size_t want,
    unsigned char **out, size_t *outlen, struct reportreq_error *err)
{
	json_t	*v;
	char	 p[96];
	int	 rc;

	*out = NULL;
	if ((v = rr_get(obj, name, JSON_STRING, at, err, &rc)) == NULL)
		return (rc);
	snprintf(p, sizeof(p), "%s/%s", at, name);
	if (secret_b64_decode(json_string_value(v), json_string_length(v),
	    out, outlen) == -1)
		return (rr_fail(err, 400, "invalid_base64", p));
	if (want != 0 && *outlen != want) {
		OPENSSL_clear_free(*out, *outlen);
		*out = NULL;
		return (rr_fail(err, 422, "invalid_envelope", p));
	}
	return (0);
}

/* A small non-negative JSON integer member. */
static int
rr_int(const json_t *obj, const char *name, const char *at, long long max,
    long long *out, struct reportreq_error *err)
{
	json_t	*v;
	char	 p[96];
	int	 rc;

	if ((v = rr_get(obj, name, JSON_INTEGER, at, err, &rc)) == NULL)
		return (rc);
	*out = json_integer_value(v);
	if (*out < 0 || *out > max) {
		snprintf(p, sizeof(p), "%s/%s", at, name);
		return (rr_fail(err, 422, "invalid_envelope", p));
	}
	return (0);
}

int
reportreq_date_ok(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return (0);
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return (0);
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return (0);
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return (0);
	return (1);
}

/* One answer: its type and, for choices, a known option. */
static int
rr_answer(struct reportreq *rr, const struct forms_question *q, json_t *v,
    struct reportreq_error *err)
{
	const struct forms_option	*o;
	char				 p[96];

	snprintf(p, sizeof(p), "/answers/%s", q->q_id);
	switch (q->q_type) {
	case FORMS_BOOL:
		if (!json_is_boolean(v))
			return (rr_fail(err, 400, "invalid_field", p));
		rr->rr_danger = json_is_true(v);
		return (0);
	case FORMS_DATE:
		if (!json_is_string(v) ||
		    !reportreq_date_ok(json_string_value(v)))
			return (rr_fail(err, 400, "invalid_field", p));
		snprintf(rr->rr_travel, sizeof(rr->rr_travel), "%s",
		    json_string_value(v));
		return (0);
	case FORMS_CHOICE:
		if (!json_is_string(v))
			return (rr_fail(err, 400, "invalid_field", p));
		if ((o = forms_option(q, json_string_value(v))) == NULL)
			return (rr_fail(err, 422, "unknown_value", p));
		if (strcmp(q->q_id, "ground") == 0)
			rr->rr_ground = o->o_id;
		else if (strcmp(q->q_id, "sector") == 0)
			rr->rr_sector = o->o_id;
		else if (strcmp(q->q_id, "province") == 0)
			rr->rr_province = o->o_id;
		return (0);
	}
	return (rr_fail(err, 400, "invalid_field", p));
}

static int
rr_answers(struct reportreq *rr, const json_t *root,
    struct reportreq_error *err)
{
	const struct forms_category	*c = rr->rr_cat;
	const struct forms_question	*q;
	json_t				*ans, *v;
	const char			*k;
	char				 p[96];
	size_t				 i;
	int				 req;

	ans = json_object_get(root, "answers");
	if (ans != NULL && !json_is_object(ans))
		return (rr_fail(err, 400, "invalid_field", "/answers"));
	if (ans != NULL) {
		json_object_foreach(ans, k, v) {
			if ((q = forms_question(c, k, NULL)) == NULL) {
				snprintf(p, sizeof(p), "/answers%s%s",
				    rr_name_plain(k) ? "/" : "",
				    rr_name_plain(k) ? k : "");
				return (rr_fail(err, 400, "unknown_field", p));
			}
			if (rr_answer(rr, q, v, err) == -1)
				return (-1);
		}
	}
	for (i = 0; i < c->c_nquestions; i++) {
		req = c->c_questions[i].r_required;
		if (req && (ans == NULL || json_object_get(ans,
		    c->c_questions[i].r_id) == NULL)) {
			snprintf(p, sizeof(p), "/answers/%s",
			    c->c_questions[i].r_id);
			return (rr_fail(err, 400, "missing_field", p));
		}
	}
	return (0);
}

/* The suite object, which must be valid and match the keys' KEM. */
static int
rr_suite(const json_t *env, struct hpke_suite *s, struct reportreq_error *err)
{
	json_t		*o;
	long long	 kem, kdf, aead;
	int		 rc;

	if ((o = rr_get(env, "suite", JSON_OBJECT, "/envelope", err,
	    &rc)) == NULL)
		return (rc);
	if (rr_members(o, suite_members, "/envelope/suite", err) == -1 ||
	    rr_int(o, "kem", "/envelope/suite", 0xffff, &kem, err) == -1 ||
	    rr_int(o, "kdf", "/envelope/suite", 0xffff, &kdf, err) == -1 ||
	    rr_int(o, "aead", "/envelope/suite", 0xffff, &aead, err) == -1)
		return (-1);
	s->kem = (uint16_t)kem;
	s->kdf = (uint16_t)kdf;
	s->aead = (uint16_t)aead;
	if (hpke_suite_check(s) == -1)
		return (rr_fail(err, 422, "invalid_envelope",
		    "/envelope/suite"));
	return (0);
}

/* One wrap: members, key id known for the category, lengths. */
static int
rr_wrap(const json_t *w, size_t i, const struct hpke_suite *s,
    const struct pubkeys_cat *kc, uint8_t *seen, size_t *nseen,
    struct reportreq_error *err)
{
	const struct pubkey	*k;
	json_t			*v;
	unsigned char		*b = NULL;
	size_t			 blen, j;
	char			 at[64], p[96];
	uint8_t			 id[ENVELOPE_KEYID_LEN];
	int			 rc;

	snprintf(at, sizeof(at), "/envelope/wraps/%zu", i);
	if (!json_is_object(w))
		return (rr_fail(err, 400, "invalid_field", at));
	if (rr_members(w, wrap_members, at, err) == -1)
		return (-1);
	if ((v = rr_get(w, "key_id", JSON_STRING, at, err, &rc)) == NULL)
		return (rc);
	snprintf(p, sizeof(p), "%s/key_id", at);
	if (json_string_length(v) != 2 * ENVELOPE_KEYID_LEN ||
	    strspn(json_string_value(v), "0123456789abcdef") !=
	    2 * ENVELOPE_KEYID_LEN ||
	    secret_hex_decode(json_string_value(v), json_string_length(v),
	    id, sizeof(id)) == -1)
		return (rr_fail(err, 400, "invalid_field", p));
	for (j = 0; j < *nseen; j++)
		if (memcmp(seen + j * ENVELOPE_KEYID_LEN, id, sizeof(id)) == 0)
			return (rr_fail(err, 422, "invalid_envelope", p));
	/* Only queue and recovery keys take a DEK wrap. */
	if ((k = pubkeys_find(kc, id)) == NULL ||
	    k->pk_purpose == PUBKEY_IDENTITY)
		return (rr_fail(err, 409, "unknown_key", p));
	if (k->pk_suite.kem != s->kem)
		return (rr_fail(err, 422, "invalid_envelope",
		    "/envelope/suite"));
	memcpy(seen + (*nseen)++ * ENVELOPE_KEYID_LEN, id, sizeof(id));
	if (rr_b64(w, "enc", at, hpke_kem_enc_len(s->kem), &b, &blen,
	    err) == -1)
		return (-1);
	OPENSSL_clear_free(b, blen);
	if (rr_b64(w, "wrapped_dek", at, ENVELOPE_WRAPPED_LEN, &b, &blen,
	    err) == -1)
		return (-1);
	OPENSSL_clear_free(b, blen);
	return (0);
}

static int
rr_wraps(const json_t *env, const struct hpke_suite *s,
    const struct pubkeys_cat *kc, struct reportreq_error *err)
{
	uint8_t		 seen[ENVELOPE_MAX_WRAPS * ENVELOPE_KEYID_LEN];
	size_t		 i, n, nseen = 0;
	json_t		*a;
	int		 rc;

	if ((a = rr_get(env, "wraps", JSON_ARRAY, "/envelope", err,
	    &rc)) == NULL)
		return (rc);
	if ((n = json_array_size(a)) == 0)
		return (rr_fail(err, 422, "missing_wrap", "/envelope/wraps"));
	if (n > ENVELOPE_MAX_WRAPS)
		return (rr_fail(err, 422, "invalid_envelope",
		    "/envelope/wraps"));
	for (i = 0; i < n; i++)
		if (rr_wrap(json_array_get(a, i), i, s, kc, seen, &nseen,
		    err) == -1)
			return (-1);
	/* Every listed queue key and the recovery key, each once. */
	for (i = 0; i < kc->kc_n; i++) {
		const struct pubkey	*k = &kc->kc_keys[i];
		size_t			 j;

		if (k->pk_purpose == PUBKEY_IDENTITY)
			continue;
		for (j = 0; j < nseen; j++)
			if (memcmp(seen + j * ENVELOPE_KEYID_LEN, k->pk_id,
			    ENVELOPE_KEYID_LEN) == 0)
				break;
		if (j == nseen)
			return (rr_fail(err, 422, "missing_wrap",
			    "/envelope/wraps"));
	}
	return (0);
}

static int
rr_ciphertext(const json_t *env, struct reportreq_error *err)
{
	unsigned char	*b;
	size_t		 blen, i;
	int		 ok = 0;

	if (rr_b64(env, "ciphertext", "/envelope", 0, &b, &blen, err) == -1)
		return (-1);
	for (i = 0; i < ENVELOPE_NBUCKETS; i++)
		if (blen == envelope_buckets[i] + ENVELOPE_TAG_LEN)
			ok = 1;
	OPENSSL_clear_free(b, blen);
	if (!ok)
		return (rr_fail(err, 422, "invalid_bucket",
		    "/envelope/ciphertext"));
	return (0);
}

static int
rr_envelope(struct reportreq *rr, const json_t *env,
    const struct pubkeys_cat *kc, struct reportreq_error *err)
{
	struct hpke_suite	 s;
	json_t			*v;
	unsigned char		*b;
	size_t			 blen;
	long long		 ver;
	int			 rc;

	if (!json_is_object(env))
		return (rr_fail(err, 400, "invalid_field", "/envelope"));
	if (rr_members(env, env_members, "/envelope", err) == -1 ||
	    rr_int(env, "version", "/envelope", 255, &ver, err) == -1)
		return (-1);
	if (ver != ENVELOPE_VERSION)
		return (rr_fail(err, 422, "invalid_envelope",
		    "/envelope/version"));
	if (rr_suite(env, &s, err) == -1)
		return (-1);
	if ((v = rr_get(env, "category", JSON_STRING, "/envelope", err,
	    &rc)) == NULL)
		return (rc);
	if (strcmp(json_string_value(v), rr->rr_cat->c_id) != 0 ||
	    json_string_length(v) != strlen(rr->rr_cat->c_id))
		return (rr_fail(err, 422, "category_mismatch",
		    "/envelope/category"));
	if (rr_b64(env, "content_nonce", "/envelope", ENVELOPE_NONCE_LEN, &b,
	    &blen, err) == -1)
		return (-1);
	OPENSSL_clear_free(b, blen);
	if (rr_b64(env, "dek_commit", "/envelope", ENVELOPE_COMMIT_LEN, &b,
	    &blen, err) == -1)
		return (-1);
	OPENSSL_clear_free(b, blen);
	if (rr_ciphertext(env, err) == -1 || rr_wraps(env, &s, kc, err) == -1)
		return (-1);
	/* The crypto library's own strict parser has the last word. */
	if ((rr->rr_env = envelope_from_json(env)) == NULL)
		return (rr_fail(err, 422, "invalid_envelope", "/envelope"));
	return (0);
}

/* Plaintext mode: {"narrative": "..."} becomes the content to seal. */
static int
rr_report(struct reportreq *rr, const json_t *rep,
    struct reportreq_error *err)
{
	json_t	*v, *content;
	char	*s;
	int	 rc;

	if (!json_is_object(rep))
		return (rr_fail(err, 400, "invalid_field", "/report"));
	if (rr_members(rep, report_members, "/report", err) == -1)
		return (-1);
	if ((v = rr_get(rep, "narrative", JSON_STRING, "/report", err,
	    &rc)) == NULL)
		return (rc);
	if (json_string_length(v) == 0)
		return (rr_fail(err, 400, "invalid_field",
		    "/report/narrative"));
	if (json_string_length(v) > NARRATIVE_MAX)
		return (rr_fail(err, 413, "too_large", "/report/narrative"));
	if ((content = json_pack("{s:O}", "narrative", v)) == NULL)
		return (rr_fail(err, 500, "internal", ""));
	s = json_dumps(content, JSON_COMPACT);
	json_decref(content);
	if (s == NULL)
		return (rr_fail(err, 500, "internal", ""));
	if (envelope_bucket(strlen(s)) == 0) {
		rr_jfree(s);
		return (rr_fail(err, 413, "too_large", "/report/narrative"));
	}
	rr->rr_plainlen = strlen(s);
	if ((rr->rr_plain = malloc(rr->rr_plainlen)) == NULL) {
		rr_jfree(s);
		return (rr_fail(err, 500, "internal", ""));
	}
	memcpy(rr->rr_plain, s, rr->rr_plainlen);
	rr_jfree(s);
	return (0);
}

static int
rr_contact_sealed(struct reportreq *rr, const json_t *c,
    const struct pubkeys_cat *kc, struct reportreq_error *err)
{
	const struct pubkey	*k;
	json_t			*v;
	unsigned char		*b;
	size_t			 blen;
	uint8_t			 id[ENVELOPE_KEYID_LEN];
	int			 rc;

	if (!json_is_object(c))
		return (rr_fail(err, 400, "invalid_field", "/contact"));
	if (rr_members(c, contact_members, "/contact", err) == -1)
		return (-1);
	if ((v = rr_get(c, "key_id", JSON_STRING, "/contact", err,
	    &rc)) == NULL)
		return (rc);
	if (json_string_length(v) != 2 * ENVELOPE_KEYID_LEN ||
	    strspn(json_string_value(v), "0123456789abcdef") !=
	    2 * ENVELOPE_KEYID_LEN || secret_hex_decode(json_string_value(v),
	    json_string_length(v), id, sizeof(id)) == -1)
		return (rr_fail(err, 400, "invalid_field", "/contact/key_id"));
	if ((k = pubkeys_find(kc, id)) == NULL ||
	    k->pk_purpose != PUBKEY_IDENTITY)
		return (rr_fail(err, 409, "unknown_key", "/contact/key_id"));
	rr->rr_contact_key = k;
	if (rr_b64(c, "enc", "/contact", hpke_kem_enc_len(k->pk_suite.kem),
	    &b, &blen, err) == -1)
		return (-1);
	memcpy(rr->rr_contact_enc, b, blen);
	rr->rr_contact_enclen = blen;
	OPENSSL_clear_free(b, blen);
	if (rr_b64(c, "ciphertext", "/contact", 0, &rr->rr_contact_ct,
	    &rr->rr_contact_ctlen, err) == -1)
		return (-1);
	if (rr->rr_contact_ctlen < REPORTREQ_CONTACT_BLOCK + HPKE_TAG_LEN ||
	    rr->rr_contact_ctlen > REPORTREQ_CONTACT_MAX ||
	    (rr->rr_contact_ctlen - HPKE_TAG_LEN) % REPORTREQ_CONTACT_BLOCK)
		return (rr_fail(err, 422, "invalid_bucket",
		    "/contact/ciphertext"));
	rr->rr_contact = RR_CONTACT_SEALED;
	return (0);
}

/* Plain contact details, padded here for the worker to seal. */
static int
rr_contact_plain(struct reportreq *rr, const json_t *c,
    const struct pubkeys_cat *kc, struct reportreq_error *err)
{
	const char	*k;
	json_t		*v;
	char		*s, p[96];
	size_t		 n, padded, any = 0;

	if (!json_is_object(c))
		return (rr_fail(err, 400, "invalid_field", "/contact_details"));
	if (rr_members(c, details_members, "/contact_details", err) == -1)
		return (-1);
	json_object_foreach((json_t *)c, k, v) {
		snprintf(p, sizeof(p), "/contact_details/%s", k);
		if (!json_is_string(v))
			return (rr_fail(err, 400, "invalid_field", p));
		if (json_string_length(v) > (strcmp(k, "note") == 0 ?
		    CONTACT_NOTE_MAX : CONTACT_FIELD_MAX))
			return (rr_fail(err, 413, "too_large", p));
		any += json_string_length(v);
	}
	if (any == 0)
		return (rr_fail(err, 400, "missing_field",
		    "/contact_details"));
	if ((rr->rr_contact_key = pubkeys_purpose(kc,
	    PUBKEY_IDENTITY)) == NULL)
		return (rr_fail(err, 409, "unknown_key", "/contact_details"));
	if ((s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return (rr_fail(err, 500, "internal", ""));
	n = strlen(s);
	padded = (n + 4 + REPORTREQ_CONTACT_BLOCK - 1) /
	    REPORTREQ_CONTACT_BLOCK * REPORTREQ_CONTACT_BLOCK;
	if (padded + HPKE_TAG_LEN > REPORTREQ_CONTACT_MAX ||
	    (rr->rr_contact_plain = calloc(1, padded)) == NULL) {
		rr_jfree(s);
		return (rr_fail(err, 413, "too_large", "/contact_details"));
	}
	rr->rr_contact_plain[0] = (unsigned char)(n >> 24);
	rr->rr_contact_plain[1] = (unsigned char)(n >> 16);
	rr->rr_contact_plain[2] = (unsigned char)(n >> 8);
	rr->rr_contact_plain[3] = (unsigned char)n;
	memcpy(rr->rr_contact_plain + 4, s, n);
	rr->rr_contact_plainlen = padded;
	rr_jfree(s);
	rr->rr_contact = RR_CONTACT_PLAIN;
	return (0);
}

/* One consent copy: members, a queue key of the category, lengths. */
static int
rr_ucopy(struct reportreq *rr, const json_t *w, size_t i,
    const struct pubkeys_cat *kc, struct reportreq_error *err)
{
	struct reportreq_ucopy	*u = &rr->rr_ucopy[rr->rr_nucopy];
	const struct pubkey	*k;
	json_t			*v;
	unsigned char		*b;
	size_t			 blen, j;
	char			 at[64], p[96];
	uint8_t			 id[ENVELOPE_KEYID_LEN];
	int			 rc;

	snprintf(at, sizeof(at), "/urgent_contact/%zu", i);
	if (!json_is_object(w))
		return (rr_fail(err, 400, "invalid_field", at));
	if (rr_members(w, contact_members, at, err) == -1)
		return (-1);
	if ((v = rr_get(w, "key_id", JSON_STRING, at, err, &rc)) == NULL)
		return (rc);
	snprintf(p, sizeof(p), "%s/key_id", at);
	if (json_string_length(v) != 2 * ENVELOPE_KEYID_LEN ||
	    strspn(json_string_value(v), "0123456789abcdef") !=
	    2 * ENVELOPE_KEYID_LEN || secret_hex_decode(json_string_value(v),
	    json_string_length(v), id, sizeof(id)) == -1)
		return (rr_fail(err, 400, "invalid_field", p));
	/* Only queue keys: the team that works the case reads it. */
	if ((k = pubkeys_find(kc, id)) == NULL ||
	    k->pk_purpose != PUBKEY_QUEUE)
		return (rr_fail(err, 409, "unknown_key", p));
	for (j = 0; j < rr->rr_nucopy; j++)
		if (rr->rr_ucopy[j].u_key == k)
			return (rr_fail(err, 422, "invalid_envelope", p));
	if (rr_b64(w, "enc", at, hpke_kem_enc_len(k->pk_suite.kem), &b, &blen,
	    err) == -1)
		return (-1);
	memcpy(u->u_enc, b, blen);
	u->u_enclen = blen;
	OPENSSL_clear_free(b, blen);
	if (rr_b64(w, "ciphertext", at, 0, &u->u_ct, &u->u_ctlen, err) == -1)
		return (-1);
	u->u_key = k;
	rr->rr_nucopy++;
	/* The same padded contact as the vault copy: the same length. */
	if (u->u_ctlen != rr->rr_contact_ctlen) {
		snprintf(p, sizeof(p), "%s/ciphertext", at);
		return (rr_fail(err, 422, "invalid_bucket", p));
	}
	return (0);
}

/*
 * contact_consent and urgent_contact (docs/reporter-api.md, item 9).
 * Consent needs an urgent signal (immediate danger or a travel date) and
 * contact details; a sealed contact then needs one copy per queue key of
 * the category (the server keeps the routed queue's), plain details none
 * (the server seals them).  Without consent no copy is accepted.
 */
static int
rr_consent(struct reportreq *rr, const json_t *root,
    const struct pubkeys_cat *kc, struct reportreq_error *err)
{
	json_t	*v = json_object_get(root, "contact_consent");
	json_t	*u = json_object_get(root, "urgent_contact");
	size_t	 i, j, n;

	if (v != NULL && !json_is_boolean(v))
		return (rr_fail(err, 400, "invalid_field", "/contact_consent"));
	rr->rr_consent = v != NULL && json_is_true(v);
	if (!rr->rr_consent)
		return (u == NULL ? 0 : rr_fail(err, 400, "unknown_field",
		    "/urgent_contact"));
	if (!rr->rr_danger && rr->rr_travel[0] == '\0')
		return (rr_fail(err, 422, "consent_not_urgent",
		    "/contact_consent"));
	if (rr->rr_contact == RR_CONTACT_NONE)
		return (rr_fail(err, 400, "missing_field", "/contact"));
	if (rr->rr_contact == RR_CONTACT_PLAIN)
		return (u == NULL ? 0 : rr_fail(err, 400, "unknown_field",
		    "/urgent_contact"));
	if (u == NULL)
		return (rr_fail(err, 400, "missing_field", "/urgent_contact"));
	if (!json_is_array(u))
		return (rr_fail(err, 400, "invalid_field", "/urgent_contact"));
	if ((n = json_array_size(u)) > ENVELOPE_MAX_WRAPS)
		return (rr_fail(err, 422, "invalid_envelope",
		    "/urgent_contact"));
	for (i = 0; i < n; i++)
		if (rr_ucopy(rr, json_array_get(u, i), i, kc, err) == -1)
			return (-1);
	for (i = 0; i < kc->kc_n; i++) {
		if (kc->kc_keys[i].pk_purpose != PUBKEY_QUEUE)
			continue;
		for (j = 0; j < rr->rr_nucopy; j++)
			if (rr->rr_ucopy[j].u_key == &kc->kc_keys[i])
				break;
		if (j == rr->rr_nucopy)
			return (rr_fail(err, 422, "missing_wrap",
			    "/urgent_contact"));
	}
	return (0);
}

/* lang, form_version, category, subtype. */
static int
rr_head(struct reportreq *rr, const json_t *root, enum i18n_lang *lang,
    struct reportreq_error *err)
{
	const struct forms_option	*st;
	json_t				*v;

	if ((v = json_object_get(root, "lang")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) > 35)
			return (rr_fail(err, 400, "invalid_field", "/lang"));
		/* An unknown language is not an error: English answers. */
		if (i18n_parse(json_string_value(v), &rr->rr_lang) == 0) {
			rr->rr_lang_given = 1;
			*lang = rr->rr_lang;
		}
	}
	if ((v = json_object_get(root, "form_version")) != NULL) {
		if (!json_is_integer(v))
			return (rr_fail(err, 400, "invalid_field",
			    "/form_version"));
		if (json_integer_value(v) != FORMS_VERSION)
			return (rr_fail(err, 409, "unknown_key",
			    "/form_version"));
	}
	if ((v = json_object_get(root, "category")) == NULL)
		return (rr_fail(err, 400, "missing_field", "/category"));
	if (!json_is_string(v))
		return (rr_fail(err, 400, "invalid_field", "/category"));
	if ((rr->rr_catidx = forms_category_index(json_string_value(v))) == -1)
		return (rr_fail(err, 422, "unknown_value", "/category"));
	rr->rr_cat = forms_category_at((size_t)rr->rr_catidx);
	if ((v = json_object_get(root, "subtype")) == NULL)
		return (rr_fail(err, 400, "missing_field", "/subtype"));
	if (!json_is_string(v))
		return (rr_fail(err, 400, "invalid_field", "/subtype"));
	if ((st = forms_subtype(rr->rr_cat, json_string_value(v))) == NULL)
		return (rr_fail(err, 422, "unknown_value", "/subtype"));
	rr->rr_subtype = st->o_id;
	return (0);
}

static int
rr_body(struct reportreq *rr, const json_t *root, const struct pubkeys *keys,
    enum i18n_lang *lang, struct reportreq_error *err)
{
	const struct pubkeys_cat	*kc;
	json_t				*env, *rep, *c, *cd;

	if (!json_is_object(root))
		return (rr_fail(err, 400, "invalid_json", ""));
	if (rr_members(root, root_members, "", err) == -1 ||
	    rr_head(rr, root, lang, err) == -1 ||
	    rr_answers(rr, root, err) == -1)
		return (-1);
	if ((kc = pubkeys_cat(keys, rr->rr_catidx)) == NULL ||
	    kc->kc_nqueue == 0 || pubkeys_purpose(kc, PUBKEY_RECOVERY) == NULL)
		return (rr_fail(err, 503, "unavailable", ""));
	env = json_object_get(root, "envelope");
	rep = json_object_get(root, "report");
	if (env != NULL && rep != NULL)
		return (rr_fail(err, 400, "unknown_field", "/report"));
	if (env == NULL && rep == NULL)
		return (rr_fail(err, 400, "missing_field", "/envelope"));
	if ((env != NULL ? rr_envelope(rr, env, kc, err) :
	    rr_report(rr, rep, err)) == -1)
		return (-1);
	c = json_object_get(root, "contact");
	cd = json_object_get(root, "contact_details");
	if (c != NULL && cd != NULL)
		return (rr_fail(err, 400, "unknown_field",
		    "/contact_details"));
	if (c != NULL && rr_contact_sealed(rr, c, kc, err) == -1)
		return (-1);
	if (cd != NULL && rr_contact_plain(rr, cd, kc, err) == -1)
		return (-1);
	return (rr_consent(rr, root, kc, err));
}

int
reportreq_parse(const unsigned char *body, size_t len,
    const struct pubkeys *keys, struct reportreq **out,
    struct reportreq_error *err, enum i18n_lang *lang)
{
	struct reportreq	*rr;
	json_t			*root;
	json_error_t		 jerr;
	int			 rc;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (body == NULL || len == 0 || len > 2 * ENVELOPE_MAX_JSON)
		return (rr_fail(err, len == 0 ? 400 : 413, len == 0 ?
		    "invalid_json" : "too_large", ""));
	/* No duplicate members: two "category" values could disagree. */
	root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (root == NULL) {
		/* jansson checks every byte of the text is UTF-8 (no
		 * overlong forms, no surrogates, nothing past U+10FFFF). */
		rc = json_error_code(&jerr) == json_error_invalid_utf8;
		OPENSSL_cleanse(&jerr, sizeof(jerr));	/* it may quote text */
		return (rr_fail(err, 400, rc ? "invalid_utf8" :
		    "invalid_json", ""));
	}
	if ((rr = calloc(1, sizeof(*rr))) == NULL) {
		json_decref(root);
		return (rr_fail(err, 500, "internal", ""));
	}
	rr->rr_lang = I18N_DEFAULT;
	if (rr_body(rr, root, keys, lang, err) == -1) {
		/* Name the member as the form does, in the reporter's
		 * language. */
		err->re_label = forms_field_label(rr->rr_cat, err->re_field,
		    *lang);
		json_decref(root);
		reportreq_free(rr);
		return (-1);
	}
	json_decref(root);
	*out = rr;
	return (0);
}

void
reportreq_free(struct reportreq *rr)
{
	size_t	 i;

	if (rr == NULL)
		return;
	envelope_free(rr->rr_env);
	if (rr->rr_plain != NULL)
		OPENSSL_clear_free(rr->rr_plain, rr->rr_plainlen);
	if (rr->rr_contact_ct != NULL)
		OPENSSL_clear_free(rr->rr_contact_ct, rr->rr_contact_ctlen);
	if (rr->rr_contact_plain != NULL)
		OPENSSL_clear_free(rr->rr_contact_plain,
		    rr->rr_contact_plainlen);
	for (i = 0; i < ENVELOPE_MAX_WRAPS; i++)
		if (rr->rr_ucopy[i].u_ct != NULL)
			OPENSSL_clear_free(rr->rr_ucopy[i].u_ct,
			    rr->rr_ucopy[i].u_ctlen);
	OPENSSL_cleanse(rr, sizeof(*rr));
	free(rr);
}
