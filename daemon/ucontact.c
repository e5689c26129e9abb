/*
 * GET /v1/staff/case/urgent-contact?id=CASE (docs/staff-api.md, "Urgent
 * contact"): the consent copy of an urgent case's contact details.  The
 * database decides who may read it -- a member of the urgent queue that
 * holds the case, while that queue is urgent (MP020: 404, MP170: 403
 * no_consent) -- audits every read and tells the reporter on the first
 * (casework.urgent_contact_read, 0250).  This file strips the case-key
 * layer (label "urgent-contact:" || key id, docs/crypto.md §12) with the
 * epoch key file named by the case's case_keys row, and opens the HPKE
 * copy (info "meldpunt-urgent-contact" || key id) with the queue private
 * key the session unwrapped at login.  As in identity.c the one ECDH runs
 * on the loop.  Nothing of the contact or the case id is logged; the
 * plaintext is wiped once the reply is serialised.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/casekey.h"
#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "daemon/app.h"
#include "daemon/config.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/rparse.h"
#include "daemon/squery.h"
#include "daemon/ssession.h"
#include "daemon/store.h"
#include "daemon/ucontact.h"

#define UCONTACT_INFO	"meldpunt-urgent-contact"
#define UCONTACT_LABEL	"urgent-contact:"

struct ucjob {
	struct http_request	*u_req;
	struct ssession		*u_s;
	const char		*u_dir;		/* epoch_key_dir (borrowed) */
	char			 u_case[40];
	unsigned char		 u_raw[16];
};

static void
ucjob_free(struct ucjob *j)
{
	if (j == NULL)
		return;
	ssession_unref(j->u_s);
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
}

/* Remove the case-key layer from ct in place (row: key_id, enc, ct,
 * epoch, ck enc, ck wrapped). */
static int
ucontact_unlayer(const struct ucjob *j, const PGresult *r, unsigned char *ct,
    size_t *ctlen)
{
	unsigned char	 ck[CASEKEY_LEN];
	unsigned char	*enc = NULL, *wrap = NULL;
	size_t		 enclen = 0, wraplen = 0;
	char		 err[256];
	int		 rc = -1;

	if (PQgetisnull(r, 0, 3) ||
	    (enc = store_bytea_dup(r, 0, 4, &enclen)) == NULL ||
	    (wrap = store_bytea_dup(r, 0, 5, &wraplen)) == NULL)
		goto done;
	if (casekey_open_dir(j->u_dir, (uint32_t)strtoul(PQgetvalue(r, 0, 3),
	    NULL, 10), j->u_raw, enc, enclen, wrap, wraplen, ck, err,
	    sizeof(err)) == -1) {
		log_warnx("%s: %s", __func__, err);
		goto done;
	}
	rc = casekey_strip(ck, j->u_raw, UCONTACT_LABEL, PQgetvalue(r, 0, 0),
	    ct, ctlen);
 done:
	OPENSSL_cleanse(ck, sizeof(ck));
	free(enc);
	free(wrap);
	return (rc);
}

/* The contact object the reporter gave, or NULL (undecryptable). */
static json_t *
ucontact_open(const struct ucjob *j, const struct secret *qk,
    const PGresult *r)
{
	unsigned char	 info[sizeof(UCONTACT_INFO) - 1 + STAFFCRED_KEYID_LEN];
	unsigned char	*enc = NULL, *ct = NULL, *pt = NULL;
	size_t		 enclen = 0, ctlen = 0;
	struct hpke_key	*sk = NULL;
	json_t		*c = NULL;

	memcpy(info, UCONTACT_INFO, sizeof(UCONTACT_INFO) - 1);
	if (staffcred_key_id_parse(PQgetvalue(r, 0, 0),
	    info + sizeof(UCONTACT_INFO) - 1) == -1 ||
	    (enc = store_bytea_dup(r, 0, 1, &enclen)) == NULL ||
	    (ct = store_bytea_dup(r, 0, 2, &ctlen)) == NULL ||
	    ucontact_unlayer(j, r, ct, &ctlen) == -1 ||
	    ctlen <= HPKE_TAG_LEN + 4 ||
	    (pt = malloc(ctlen - HPKE_TAG_LEN)) == NULL ||
	    (sk = hpke_key_from_private(HPKE_KEM_P256_SHA256, qk->s_buf,
	    STAFFCRED_SCALAR_LEN)) == NULL)
		goto done;
	if (hpke_open(&hpke_suite_default, sk, enc, enclen, info,
	    sizeof(info), NULL, 0, ct, ctlen, pt) == -1)
		goto done;
	/* Reporter-controlled bytes: parsed by rparse.c (fuzzed). */
	c = rparse_contact(pt, ctlen - HPKE_TAG_LEN);
 done:
	if (pt != NULL)
		OPENSSL_clear_free(pt, ctlen - HPKE_TAG_LEN);
	if (ct != NULL)
		OPENSSL_clear_free(ct, ctlen);
	free(enc);
	hpke_key_free(sk);
	return (c);
}

static void
ucontact_reply(struct ucjob *j, json_t *c)
{
	const char	*k;
	json_t		*v;

	json_incref(c);
	http_reply_json(j->u_req, 200, json_pack("{s:s,s:b,s:O}", "case",
	    j->u_case, "consent", 1, "contact", c));
	json_object_foreach(c, k, v)
		if (json_is_string(v))
			OPENSSL_cleanse((char *)(uintptr_t)json_string_value(v),
			    json_string_length(v));
	json_decref(c);
	json_decref(c);
}

static void
ucontact_fetched(int st, const char *sqlstate, PGresult **res, int n,
    void *arg)
{
	struct ucjob	*j = arg;
	struct secret	*qk;
	json_t		*c = NULL;

	(void)n;
	if (st == STORE_QUERY_ERROR && sqlstate != NULL &&
	    strcmp(sqlstate, "MP170") == 0) {
		http_reply_error(j->u_req, 403, "no_consent", "The reporter "
		    "gave no consent that the urgent team may read the contact "
		    "details, or the case is no longer in the urgent queue: ask "
		    "for them through an identity request.");
		goto done;
	}
	if (st != STORE_OK) {
		ssession_reply_error(j->u_req, st, sqlstate);
		goto done;
	}
	if (PQntuples(res[0]) != 1) {
		http_reply_error(j->u_req, 404, "not_found", "No such case.");
		goto done;
	}
	if ((qk = ssession_queue_key(j->u_s, PQgetvalue(res[0], 0, 0))) ==
	    NULL) {
		http_reply_error(j->u_req, 403, "no_queue_key", "This session "
		    "holds no key of the urgent queue (a new member receives it "
		    "at a colleague's next login).");
		goto done;
	}
	c = ucontact_open(j, qk, res[0]);
	secret_free(qk);
	if (c == NULL) {
		http_reply_error(j->u_req, 500, "undecryptable",
		    "The contact details could not be opened.");
		goto done;
	}
	ucontact_reply(j, c);
 done:
	ucjob_free(j);
}

void
ucontact_read(struct http_request *req, void *arg)
{
	static const char *const names[] = { "id", NULL };
	struct ssession		*s;
	struct store_stmt	 st;
	struct ucjob		*j;
	const char		*p[1];
	char			 id[40];

	if ((s = ssession_auth(req, SSESSION_CASEWORK)) == NULL)
		return;
	if (squery_check(http_req_query(req), names) == -1 ||
	    squery_get(http_req_query(req), "id", id, sizeof(id)) != 1) {
		http_reply_json(req, 400, json_pack("{s:{s:s,s:s,s:s}}",
		    "error", "code", "invalid_field", "message",
		    "Expected ?id= the case id.", "field", "id"));
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
		return;
	}
	if (staffcred_uuid_parse(id, j->u_raw) == -1) {
		free(j);
		http_reply_error(req, 404, "not_found", "No such case.");
		return;
	}
	j->u_req = req;
	j->u_s = s;
	ssession_ref(s);
	j->u_dir = ((struct app *)arg)->a_conf->c_epoch_key_dir;
	snprintf(j->u_case, sizeof(j->u_case), "%s", id);
	p[0] = j->u_case;
	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT u.key_id, u.enc, u.ciphertext, k.epoch, k.enc, "
	    "k.wrapped FROM casework.urgent_contact_read($1::uuid) u "
	    "LEFT JOIN casework.case_keys k ON k.case_id = $1::uuid";
	st.st_nparams = 1;
	st.st_values = p;
	if (ssession_exec(s, &st, 1, ucontact_fetched, j) == -1) {
		ucjob_free(j);
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
	}
}
