/*
 * Identity-disclosure endpoints (docs/staff-api.md, "Identity
 * disclosure").  The database enforces who may do what (MP020 no such
 * case or request, MP022 not this user, MP023 wrong state) and audits
 * every step; this file maps those to 404/403/409 and, for the contact
 * read, computes the link HMAC-SHA256(contact-link key, case id) and opens
 * the sealed contact with the identity key that the officer's session
 * unwrapped at login (ssession_identity_keys()).  Nothing of a contact,
 * a reason or an id is logged; the plaintext is wiped after the reply is
 * serialised.  The HPKE open (one P-256 ECDH) runs on the loop thread.
 * Since 0050 the contact ciphertext carries an outer layer under the
 * case key (docs/crypto.md §12), opened with the epoch key file named by
 * casework.identity_case_key(); a contact of a purged case cannot open.
 * Request reasons are items under the case key too (0051,
 * daemon/casetext.c): sealed on a worker when a request is made, opened on
 * the loop for the officer's list of pending requests (one ECDH each).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/casekey.h"
#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "daemon/app.h"
#include "daemon/casetext.h"
#include "daemon/config.h"
#include "daemon/http.h"
#include "daemon/identity.h"
#include "daemon/rparse.h"
#include "daemon/sparse.h"
#include "daemon/log.h"
#include "daemon/squery.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

#define CONTACT_INFO	"meldpunt-contact"

struct idjob {
	struct http_request	*j_req;
	struct ssession		*j_s;
	char			 j_id[24];	/* request id, digits */
	char			 j_case[37];
	int			 j_status;	/* reply status on success */
	const char		*j_dir;		/* epoch_key_dir (borrowed) */
	int			 j_purge;	/* contact purge, not read */
	unsigned char		 j_link[32];	/* HMAC(link key, case id) */
};

static void
idjob_free(struct idjob *j)
{
	if (j == NULL)
		return;
	ssession_unref(j->j_s);
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
}

static void
busy(struct http_request *req)
{
	http_reply_error(req, 503, "unavailable",
	    "The service is busy; try again shortly.");
}

static void
id_error(struct http_request *req, int st, const char *sqlstate)
{
	if (st == STORE_QUERY_ERROR && sqlstate != NULL &&
	    strcmp(sqlstate, "MP022") == 0)
		http_reply_error(req, 403, "forbidden",
		    "This user may not do that.");
	else if (st == STORE_QUERY_ERROR && sqlstate != NULL &&
	    strcmp(sqlstate, "MP023") == 0)
		http_reply_error(req, 409, "conflict",
		    "The request is not in a state that allows this.");
	else if (st == STORE_QUERY_ERROR && sqlstate != NULL &&
	    strcmp(sqlstate, "MP020") == 0)
		http_reply_error(req, 404, "not_found",
		    "No such case or request.");
	else
		ssession_reply_error(req, st, sqlstate);
}

/* 400 naming the member (a JSON pointer) or query parameter at fault. */
static void
reply_field(struct http_request *req, const char *code, const char *field,
    const char *message)
{
	http_reply_json(req, 400, json_pack("{s:{s:s,s:s,s:s}}", "error",
	    "code", code, "message", message, "field", field));
}

/* A new job holding a reference on s; NULL after a 503. */
static struct idjob *
idjob_new(struct http_request *req, struct ssession *s)
{
	struct idjob	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		busy(req);
		return (NULL);
	}
	j->j_req = req;
	j->j_s = s;
	ssession_ref(s);
	return (j);
}

static int
id_ok(const char *v)
{
	size_t	n = v == NULL ? 0 : strlen(v);
	size_t	i;

	if (n == 0 || n > 18 || v[0] == '0')
		return (0);
	for (i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return (0);
	return (1);
}

/* The decision or purge body (daemon/sparse.c); -1 after the 400/404. */
static int
decide_parse(struct http_request *req, int purge, struct sparse_decide *d)
{
	const unsigned char	*b;
	size_t			 len;
	struct sparse_err	 e;

	b = http_req_body(req, &len);
	if (sparse_decide(b, len, purge, d, &e) == -1) {
		ssession_reply_sparse(req, &e);
		return (-1);
	}
	return (0);
}

/* ------------------------------------------------------------ request */

static void
requested(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct idjob	*j = arg;

	(void)n;
	/* In identity_request MP023 has one meaning: nothing to disclose. */
	if (st == STORE_QUERY_ERROR && sqlstate != NULL &&
	    strcmp(sqlstate, "MP023") == 0)
		http_reply_error(j->j_req, 409, "no_contact", "The reporter "
		    "gave no contact details: there is nothing to disclose.");
	else if (st != STORE_OK)
		id_error(j->j_req, st, sqlstate);
	else
		http_reply_json(j->j_req, 201, json_pack("{s:I,s:s,s:s}",
		    "request", (json_int_t)strtoll(PQgetvalue(res[0], 0, 0),
		    NULL, 10), "case", j->j_case, "status", "pending"));
	idjob_free(j);
}

void
identity_request(struct http_request *req, void *arg)
{
	static const char *const labels[] = { NULL, CASETEXT_L_IDREASON };
	struct ssession		*s;
	struct idjob		*j;
	struct sparse_body	 b;
	struct sparse_err	 e;
	const unsigned char	*data;
	size_t			 len;
	const char		*p[2];

	if ((s = ssession_auth(req, SSESSION_CASEWORK)) == NULL)
		return;
	data = http_req_body(req, &len);
	if (sparse_case_body(data, len, SPARSE_IDREQUEST, &b, &e) == -1) {
		ssession_reply_sparse(req, &e);
		return;
	}
	if ((j = idjob_new(req, s)) == NULL)
		goto done;
	snprintf(j->j_case, sizeof(j->j_case), "%s", b.sb_case);
	p[0] = b.sb_case;
	p[1] = b.sb_reason;
	if (casetext_write(arg, s, "SELECT casework.identity_request("
	    "$1::uuid, $2::bytea)", 2, p, labels, requested, j) == -1) {
		idjob_free(j);
		busy(req);
	}
 done:
	sparse_body_clear(&b);
}

/* ------------------------------------------------------------- decide */

static void
decided(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct idjob	*j = arg;

	(void)n;
	if (st != STORE_OK)
		id_error(j->j_req, st, sqlstate);
	else
		http_reply_json(j->j_req, 200, json_pack("{s:I,s:s}",
		    "request", (json_int_t)strtoll(j->j_id, NULL, 10),
		    "status", PQgetvalue(res[0], 0, 0)));
	idjob_free(j);
}

void
identity_decide(struct http_request *req, void *arg)
{
	struct ssession		*s;
	struct store_stmt	 st;
	struct idjob		*j;
	struct sparse_decide	 d;
	const char		*p[3];
	static const char *const labels[] = { NULL, NULL,
	    CASETEXT_L_DECISION };

	if ((s = ssession_auth(req, SSESSION_OFFICER)) == NULL ||
	    decide_parse(req, 0, &d) == -1)
		return;
	if ((j = idjob_new(req, s)) == NULL)
		goto done;
	snprintf(j->j_id, sizeof(j->j_id), "%s", d.d_id);
	p[0] = j->j_id;
	p[1] = d.d_approve ? "true" : "false";
	if (d.d_has_reason) {
		/* The decision's reason (schema 0254), sealed under the case
		 * key, which the officer reaches through the request
		 * (identity_requests()), not through the case's queue. */
		p[2] = d.d_reason;
		if (casetext_write_via(arg, s, "SELECT ck_epoch, ck_enc, "
		    "ck_wrapped, case_id FROM casework.identity_requests() "
		    "WHERE id = $1::bigint", "SELECT casework.identity_decide("
		    "$1::bigint, $2::boolean, $3::bytea)", 3, p, labels,
		    decided, j) == -1) {
			idjob_free(j);
			busy(req);
		}
		goto done;
	}
	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT casework.identity_decide($1::bigint, $2::boolean)";
	st.st_nparams = 2;
	st.st_values = p;
	if (ssession_exec(s, &st, 1, decided, j) == -1) {
		idjob_free(j);
		busy(req);
	}
 done:
	OPENSSL_cleanse(d.d_reason, sizeof(d.d_reason));
}

/* ------------------------------------------------------------ pending */

/* Open the sealed reason of one listed request in place (0051). */
static void
reason_open(json_t *o, const char *dir)
{
	unsigned char	 ck[CASEKEY_LEN], raw[16], *item, *enc, *wrap;
	size_t		 itemlen, enclen, wraplen;
	json_t		*e = json_object_get(o, "ck_epoch");

	item = casetext_hex(json_object_get(o, "reason_sealed"), &itemlen);
	enc = casetext_hex(json_object_get(o, "ck_enc"), &enclen);
	wrap = casetext_hex(json_object_get(o, "ck_wrapped"), &wraplen);
	if (item != NULL) {
		if (enc != NULL && wrap != NULL && json_is_integer(e) &&
		    staffcred_uuid_parse(json_string_value(json_object_get(o,
		    "case")), raw) == 0 && casetext_key(dir, raw,
		    (uint32_t)json_integer_value(e), enc, enclen, wrap, wraplen,
		    ck) == 0)
			json_object_set_new(o, "reason", casetext_open(ck,
			    CASETEXT_L_IDREASON, raw, item, itemlen));
		else
			json_object_set_new(o, "reason", json_null());
	}
	OPENSSL_cleanse(ck, sizeof(ck));
	free(item);
	free(enc);
	free(wrap);
	json_object_del(o, "reason_sealed");
	json_object_del(o, "ck_epoch");
	json_object_del(o, "ck_enc");
	json_object_del(o, "ck_wrapped");
}

static void
listed(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct idjob	*j = arg;
	json_t		*doc, *o;
	json_error_t	 jerr;
	size_t		 i;

	(void)n;
	if (st != STORE_OK)
		id_error(j->j_req, st, sqlstate);
	else if ((doc = json_loads(PQgetvalue(res[0], 0, 0), 0, &jerr)) ==
	    NULL)
		http_reply_error(j->j_req, 500, "internal", "Internal error.");
	else {
		json_array_foreach(doc, i, o)
			reason_open(o, j->j_dir);
		http_reply_json(j->j_req, 200, json_pack("{s:o}", "requests",
		    doc));
	}
	idjob_free(j);
}

void
identity_requests(struct http_request *req, void *arg)
{
	static const char *const names[] = { NULL };
	struct ssession		*s;
	struct store_stmt	 st;
	struct idjob		*j;

	if ((s = ssession_auth(req, SSESSION_OFFICER)) == NULL)
		return;
	if (squery_check(http_req_query(req), names) == -1) {
		http_reply_error(req, 400, "bad_request",
		    "Unknown query parameter.");
		return;
	}
	if ((j = idjob_new(req, s)) == NULL)
		return;
	j->j_dir = ((struct app *)arg)->a_conf->c_epoch_key_dir;
	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT coalesce(pg_catalog.json_agg("
	    "pg_catalog.json_build_object('id', r.id, 'case', r.case_id, "
	    "'requested_by', r.requested_by, 'reason', r.reason, "
	    "'requested_at', to_char(r.requested_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "'reason_sealed', encode(r.reason_sealed, 'hex'), "
	    "'ck_epoch', r.ck_epoch, 'ck_enc', encode(r.ck_enc, 'hex'), "
	    "'ck_wrapped', encode(r.ck_wrapped, 'hex')) ORDER BY r.id), "
	    "'[]') "
	    "FROM casework.identity_requests() r WHERE r.status = 'pending'";
	if (ssession_exec(s, &st, 1, listed, j) == -1) {
		idjob_free(j);
		busy(req);
	}
}

/* ------------------------------------------------------------ contact */

static void contact_fetched(int, const char *, PGresult **, int, void *);
static void contact_purged(int, const char *, PGresult **, int, void *);
static void contact_reply(struct idjob *, json_t *);
static void pending_fetched(int, const char *, PGresult **, int, void *);

/* The sealed contact opened with the session's identity key: the JSON
 * object the reporter gave, or NULL. */
/* Strip the case-key layer from ct (a case_keys row in columns 3-5). */
static int
contact_unlayer(const char *dir, const char *case_id, const PGresult *r,
    int row, unsigned char *ct, size_t *ctlen)
{
	unsigned char	 ck[CASEKEY_LEN], raw[16];
	unsigned char	*enc = NULL, *wrap = NULL;
	size_t		 enclen = 0, wraplen = 0;
	char		 err[256];
	int		 rc = -1;

	if (PQgetisnull(r, row, 3))
		return (0);	/* stored before 0050 */
	if (staffcred_uuid_parse(case_id, raw) == -1 ||
	    (enc = store_bytea_dup(r, row, 4, &enclen)) == NULL ||
	    (wrap = store_bytea_dup(r, row, 5, &wraplen)) == NULL)
		goto done;
	if (casekey_open_dir(dir, (uint32_t)strtoul(PQgetvalue(r, row, 3),
	    NULL, 10), raw, enc, enclen, wrap, wraplen, ck, err,
	    sizeof(err)) == -1) {
		log_warnx("%s: %s", __func__, err);
		goto done;
	}
	rc = casekey_strip(ck, raw, CASEKEY_L_CONTACT, "", ct, ctlen);
 done:
	OPENSSL_cleanse(ck, sizeof(ck));
	free(enc);
	free(wrap);
	return (rc);
}

/*
 * The contact (key id, enc, ct with its case-key layer; the case_keys row
 * in columns 3-5 of row `row` of r) opened with the session's identity
 * key: the JSON object the reporter gave, or NULL.  ct is changed.
 */
static json_t *
contact_decrypt(const struct secret *keys, const unsigned char ikid[16],
    const unsigned char *kid, const unsigned char *enc, size_t enclen,
    unsigned char *ct, size_t ctlen, const PGresult *r, int row,
    const char *dir, const char *case_id)
{
	unsigned char	 info[sizeof(CONTACT_INFO) - 1 + STAFFCRED_KEYID_LEN];
	unsigned char	*pt = NULL;
	struct hpke_key	*sk = NULL;
	json_t		*c = NULL;

	if (CRYPTO_memcmp(kid, ikid, STAFFCRED_KEYID_LEN) != 0 ||
	    contact_unlayer(dir, case_id, r, row, ct, &ctlen) == -1 ||
	    ctlen <= HPKE_TAG_LEN + 4 ||
	    (pt = malloc(ctlen - HPKE_TAG_LEN)) == NULL ||
	    (sk = hpke_key_from_private(HPKE_KEM_P256_SHA256, keys->s_buf,
	    STAFFCRED_SCALAR_LEN)) == NULL)
		goto done;
	memcpy(info, CONTACT_INFO, sizeof(CONTACT_INFO) - 1);
	memcpy(info + sizeof(CONTACT_INFO) - 1, kid, STAFFCRED_KEYID_LEN);
	if (hpke_open(&hpke_suite_default, sk, enc, enclen, info,
	    sizeof(info), NULL, 0, ct, ctlen, pt) == -1)
		goto done;
	/* Reporter-controlled bytes: parsed by rparse.c (fuzzed). */
	c = rparse_contact(pt, ctlen - HPKE_TAG_LEN);
 done:
	if (pt != NULL)
		OPENSSL_clear_free(pt, ctlen - HPKE_TAG_LEN);
	hpke_key_free(sk);
	return (c);
}

/* A flushed contact row (key_id, enc, ciphertext, case key row). */
static json_t *
contact_open(const struct secret *keys, const unsigned char ikid[16],
    const PGresult *r, const char *dir, const char *case_id)
{
	unsigned char	 kid[STAFFCRED_KEYID_LEN];
	unsigned char	*enc = NULL, *ct = NULL;
	size_t		 enclen = 0, ctlen = 0;
	json_t		*c = NULL;

	if (PQntuples(r) == 1 &&
	    staffcred_key_id_parse(PQgetvalue(r, 0, 0), kid) == 0 &&
	    (enc = store_bytea_dup(r, 0, 1, &enclen)) != NULL &&
	    (ct = store_bytea_dup(r, 0, 2, &ctlen)) != NULL)
		c = contact_decrypt(keys, ikid, kid, enc, enclen, ct, ctlen, r,
		    0, dir, case_id);
	free(enc);
	free(ct);
	return (c);
}

/*
 * A contact not flushed yet (0053): open every pending hand-over with its
 * epoch key and take the one whose link is this request's.  On the loop:
 * one ECDH per pending row, fewer than the flush batch K normally.
 */
static json_t *
pending_open(const struct secret *keys, const unsigned char ikid[16],
    const PGresult *r, const struct idjob *j)
{
	struct casekey_contact	 cc;
	struct hpke_key		*sk;
	unsigned char		*enc, *sealed, *pt, *ct;
	size_t			 enclen, sealedlen;
	char			 err[256];
	json_t			*c = NULL;
	int			 i;

	for (i = 0; i < PQntuples(r) && c == NULL; i++) {
		enc = sealed = pt = NULL;
		sk = casekey_epoch_load(j->j_dir, (uint32_t)strtoul(
		    PQgetvalue(r, i, 0), NULL, 10), err, sizeof(err));
		if (sk != NULL &&
		    (enc = store_bytea_dup(r, i, 1, &enclen)) != NULL &&
		    (sealed = store_bytea_dup(r, i, 2, &sealedlen)) != NULL &&
		    sealedlen > HPKE_TAG_LEN &&
		    (pt = malloc(sealedlen)) != NULL &&
		    casekey_handover_open(sk, (uint32_t)strtoul(PQgetvalue(r,
		    i, 0), NULL, 10), enc, enclen, sealed, sealedlen, pt) == 0 &&
		    casekey_handover_parse(pt, sealedlen - HPKE_TAG_LEN,
		    &cc) == 0 && CRYPTO_memcmp(cc.cc_link, j->j_link,
		    sizeof(cc.cc_link)) == 0 &&
		    (ct = malloc(cc.cc_ctlen)) != NULL) {
			memcpy(ct, cc.cc_ct, cc.cc_ctlen);
			c = contact_decrypt(keys, ikid, cc.cc_key_id, cc.cc_enc,
			    cc.cc_enclen, ct, cc.cc_ctlen, r, i, j->j_dir,
			    j->j_case);
			OPENSSL_clear_free(ct, cc.cc_ctlen);
		}
		if (pt != NULL)
			OPENSSL_clear_free(pt, sealedlen);
		free(enc);
		free(sealed);
		hpke_key_free(sk);
	}
	return (c);
}

/* Wipe the string members of a contact object before it is freed. */
static void
contact_wipe(json_t *c)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(c, k, v)
		if (json_is_string(v))
			OPENSSL_cleanse((char *)(uintptr_t)json_string_value(v),
			    json_string_length(v));
}

static void
request_found(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct idjob		*j = arg;
	struct store_stmt	 s;
	struct secret		*keys = NULL;
	unsigned char		 ikid[16], raw[16], link[32];
	unsigned int		 maclen = sizeof(link);
	char			 hex[65];
	const char		*p[2];

	(void)n;
	if (st != STORE_OK) {
		id_error(j->j_req, st, sqlstate);
		goto fail;
	}
	if (PQntuples(res[0]) != 1) {
		http_reply_error(j->j_req, 404, "not_found",
		    "No such request.");
		goto fail;
	}
	if (strcmp(PQgetvalue(res[0], 0, 1), "approved") != 0) {
		http_reply_error(j->j_req, 409, "not_approved",
		    "The request has not been approved.");
		goto fail;
	}
	snprintf(j->j_case, sizeof(j->j_case), "%s", PQgetvalue(res[0], 0, 0));
	if ((keys = ssession_identity_keys(j->j_s, ikid)) == NULL) {
		http_reply_error(j->j_req, 403, "no_identity_key",
		    "This session holds no identity key.");
		goto fail;
	}
	if (staffcred_uuid_parse(j->j_case, raw) == -1 ||
	    HMAC(EVP_sha256(), keys->s_buf + STAFFCRED_SCALAR_LEN, 32, raw,
	    sizeof(raw), link, &maclen) == NULL) {
		secret_free(keys);
		http_reply_error(j->j_req, 500, "internal", "Internal error.");
		goto fail;
	}
	secret_free(keys);
	memcpy(j->j_link, link, sizeof(link));
	secret_hex_encode(link, sizeof(link), hex);
	OPENSSL_cleanse(link, sizeof(link));
	p[0] = j->j_id;
	p[1] = hex;
	memset(&s, 0, sizeof(s));
	s.st_sql = j->j_purge ? "SELECT casework.identity_contact_purge("
	    "$1::bigint, pg_catalog.decode($2, 'hex'))" :
	    "SELECT c.key_id, c.enc, c.ciphertext, k.epoch, k.enc, "
	    "k.wrapped FROM casework.identity_contact($1::bigint, "
	    "pg_catalog.decode($2, 'hex')) c "
	    "LEFT JOIN casework.identity_case_key($1::bigint) k ON true";
	s.st_nparams = 2;
	s.st_values = p;
	if (ssession_exec(j->j_s, &s, 1, j->j_purge ? contact_purged :
	    contact_fetched, j) == -1) {
		busy(j->j_req);
		goto fail;
	}
	OPENSSL_cleanse(hex, sizeof(hex));
	return;
 fail:
	idjob_free(j);
}

static void
contact_fetched(int st, const char *sqlstate, PGresult **res, int n,
    void *arg)
{
	struct idjob	*j = arg;
	struct secret	*keys;
	unsigned char	 ikid[16];
	json_t		*c = NULL;

	(void)n;
	if (st == STORE_QUERY_ERROR && sqlstate != NULL &&
	    strcmp(sqlstate, "MP020") == 0) {
		/* Not flushed yet: look among the pending hand-overs. */
		const char		*p[1] = { j->j_id };
		struct store_stmt	 s;

		memset(&s, 0, sizeof(s));
		s.st_sql = "SELECT p.epoch, p.enc, p.sealed, k.epoch, k.enc, "
		    "k.wrapped FROM casework.identity_pending($1::bigint) p "
		    "LEFT JOIN casework.identity_case_key($1::bigint) k ON true";
		s.st_nparams = 1;
		s.st_values = p;
		if (ssession_exec(j->j_s, &s, 1, pending_fetched, j) == 0)
			return;
		busy(j->j_req);
		goto done;
	}
	if (st != STORE_OK) {
		id_error(j->j_req, st, sqlstate);
		goto done;
	}
	if ((keys = ssession_identity_keys(j->j_s, ikid)) != NULL) {
		c = contact_open(keys, ikid, res[0], j->j_dir, j->j_case);
		secret_free(keys);
	}
	contact_reply(j, c);
 done:
	idjob_free(j);
}

static void
pending_fetched(int st, const char *sqlstate, PGresult **res, int n,
    void *arg)
{
	struct idjob	*j = arg;
	struct secret	*keys;
	unsigned char	 ikid[16];
	json_t		*c = NULL;

	(void)n;
	if (st != STORE_OK)
		id_error(j->j_req, st, sqlstate);
	else {
		if ((keys = ssession_identity_keys(j->j_s, ikid)) != NULL) {
			c = pending_open(keys, ikid, res[0], j);
			secret_free(keys);
		}
		if (c == NULL && PQntuples(res[0]) == 0)
			http_reply_error(j->j_req, 404, "not_found",
			    "No contact details for this request.");
		else
			contact_reply(j, c);
	}
	idjob_free(j);
}

static void
contact_purged(int st, const char *sqlstate, PGresult **res, int n,
    void *arg)
{
	struct idjob	*j = arg;

	(void)n;
	if (st != STORE_OK)
		id_error(j->j_req, st, sqlstate);
	else if (strcmp(PQgetvalue(res[0], 0, 0), "t") != 0)
		http_reply_error(j->j_req, 409, "contact_pending",
		    "No stored contact row for this request: it is still "
		    "pending (after the next meldctl contact flush it can be "
		    "purged) or was purged already.");
	else
		http_reply_json(j->j_req, 200, json_pack("{s:I,s:s,s:b}",
		    "request", (json_int_t)strtoll(j->j_id, NULL, 10), "case",
		    j->j_case, "purged", 1));
	idjob_free(j);
}

/* Reply with an opened contact (NULL: undecryptable); wipes it. */
static void
contact_reply(struct idjob *j, json_t *c)
{
	if (c == NULL) {
		http_reply_error(j->j_req, 500, "undecryptable",
		    "The contact details could not be opened.");
		return;
	}
	json_incref(c);
	http_reply_json(j->j_req, 200, json_pack("{s:I,s:s,s:O}", "request",
	    (json_int_t)strtoll(j->j_id, NULL, 10), "case", j->j_case,
	    "contact", c));
	contact_wipe(c);
	json_decref(c);
	json_decref(c);
}

/* Read or purge: find the request, then request_found(). */
static void
contact_begin(struct http_request *req, void *arg, struct ssession *s,
    const char *id, int purge)
{
	struct store_stmt	 st;
	struct idjob		*j;
	const char		*p[1];

	if ((j = idjob_new(req, s)) == NULL)
		return;
	j->j_purge = purge;
	j->j_dir = ((struct app *)arg)->a_conf->c_epoch_key_dir;
	snprintf(j->j_id, sizeof(j->j_id), "%s", id);
	p[0] = j->j_id;
	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT r.case_id::text, r.status FROM "
	    "casework.identity_requests() r WHERE r.id = $1::bigint";
	st.st_nparams = 1;
	st.st_values = p;
	if (ssession_exec(s, &st, 1, request_found, j) == -1) {
		idjob_free(j);
		busy(req);
	}
}

void
identity_contact(struct http_request *req, void *arg)
{
	static const char *const names[] = { "request", NULL };
	struct ssession		*s;
	char			 id[24];

	if ((s = ssession_auth(req, SSESSION_OFFICER)) == NULL)
		return;
	if (squery_check(http_req_query(req), names) == -1 ||
	    squery_get(http_req_query(req), "request", id, sizeof(id)) != 1) {
		reply_field(req, "invalid_field", "request",
		    "Expected ?request= the integer id of an identity request.");
		return;
	}
	if (id[0] == '\0' || strspn(id, "0123456789") != strlen(id)) {
		reply_field(req, "invalid_field", "request",
		    "request is the integer id of an identity request.");
		return;
	}
	if (!id_ok(id)) {
		http_reply_error(req, 404, "not_found", "No such request.");
		return;
	}
	contact_begin(req, arg, s, id, 0);
}

/*
 * POST /v1/staff/identity/contact/purge {"request": id}: an officer deletes
 * the stored contact row of an approved request (audited as
 * identity.contact_purge); 409 contact_pending while it is not flushed.
 */
void
identity_contact_purge(struct http_request *req, void *arg)
{
	struct ssession		*s;
	struct sparse_decide	 d;

	if ((s = ssession_auth(req, SSESSION_OFFICER)) == NULL ||
	    decide_parse(req, 1, &d) == -1)
		return;
	contact_begin(req, arg, s, d.d_id, 1);
}
