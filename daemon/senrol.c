/*
 * TOTP enrolment by the user herself (schema 0251, docs/staff-api.md
 * "First sign-in").  `meldctl user add` and `user reset-totp` print a
 * TOTP secret on the administrator's terminal; until the user has
 * enrolled one that only her authenticator app holds, her session
 * answers nothing else (ssession_auth()).
 *
 *   POST /v1/staff/totp/enrol    a new secret is drawn and kept in the
 *                                session's locked memory; the answer
 *                                carries it (base32 and the otpauth://
 *                                URI, which the console draws as a QR
 *                                code in the page)
 *   POST /v1/staff/totp/confirm  {"totp"}: a code of that secret proves
 *                                the app holds it; the secret is sealed
 *                                under the totp-seal key and stored
 *                                (casework.totp_enrol), audited
 *                                `totp.enrol`.
 *
 * Both only while enrolment is due: a stolen session cannot replace the
 * second factor of an account that has its own.  After
 * SSESSION_ENROL_TRIES wrong codes the pending secret is dropped and the
 * user starts again with a new one.  The work is three HMACs and one
 * AES-GCM of 20 bytes: it stays on the loop.  Nothing here logs a
 * secret, a code or a user name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "crypto/totp.h"
#include "daemon/http.h"
#include "daemon/senrol.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

#define ENROL_ISSUER	"meldpunt"

struct senrol {
	struct http_request	*e_req;
	struct ssession		*e_s;
	char			*e_hex;		/* sealed secret, hex */
	char			 e_step[24];
};

static void
senrol_free(struct senrol *e)
{
	if (e == NULL)
		return;
	if (e->e_s != NULL)
		ssession_unref(e->e_s);
	free(e->e_hex);
	free(e);
}

/* The session, when enrolment is due for it; otherwise the answer. */
static struct ssession *
enrol_session(struct http_request *req)
{
	struct ssession	*s;

	if ((s = ssession_auth(req, SSESSION_ANY | SSESSION_SETUP)) == NULL)
		return (NULL);
	if (ssession_totp_seal_key() == NULL) {
		http_reply_error(req, 503, "unavailable",
		    "Staff login is not configured (totp_seal_key).");
		return (NULL);
	}
	if ((ssession_setup_due(s) & SSESSION_DUE_TOTP) == 0) {
		http_reply_error(req, 409, "enrolment_not_due",
		    "This account has its own authenticator; an administrator's "
		    "meldctl user reset-totp makes a new enrolment due.");
		return (NULL);
	}
	return (s);
}

void
senrol_begin(struct http_request *req, void *arg)
{
	struct ssession	*s;
	struct secret	*sec = NULL;
	char		 b32[TOTP_B32_LEN(TOTP_SECRET_LEN) + 1];
	char		*uri = NULL;

	(void)arg;
	if ((s = enrol_session(req)) == NULL)
		return;
	if ((sec = secret_new_locked(TOTP_SECRET_LEN)) == NULL ||
	    totp_secret_new(sec->s_buf, TOTP_SECRET_LEN) == -1 ||
	    totp_base32_encode(sec->s_buf, TOTP_SECRET_LEN, b32,
	    sizeof(b32)) == -1 || (uri = totp_uri(ENROL_ISSUER,
	    ssession_username(s), sec->s_buf, TOTP_SECRET_LEN)) == NULL) {
		secret_free(sec);
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	/* Replaces a secret drawn before: only the newest can be confirmed. */
	ssession_enrol_set(s, sec);
	http_reply_json(req, 200, json_pack("{s:s,s:s,s:s,s:s,s:i,s:i}",
	    "otpauth", uri, "secret", b32, "issuer", ENROL_ISSUER,
	    "account", ssession_username(s), "digits", TOTP_DIGITS,
	    "period", TOTP_PERIOD));
	OPENSSL_clear_free(uri, strlen(uri));
	OPENSSL_cleanse(b32, sizeof(b32));
}

static void
confirm_done(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct senrol	*e = arg;

	if (st != STORE_OK)
		ssession_reply_error(e->e_req, st, sqlstate);
	else if (n < 1 || PQntuples(res[0]) != 1 ||
	    strcmp(PQgetvalue(res[0], 0, 0), "ok") != 0)
		http_reply_error(e->e_req, 409, "enrolment_not_due",
		    "This account has its own authenticator already.");
	else {
		ssession_enrol_set(e->e_s, NULL);
		ssession_setup_done(e->e_s, SSESSION_DUE_TOTP);
		http_reply_json(e->e_req, 200, json_pack("{s:s}", "status",
		    "totp_enrolled"));
	}
	senrol_free(e);
}

/* The code member of the body: 6 digits; -1 after a 400. */
static int
confirm_parse(struct http_request *req, char code[TOTP_DIGITS + 1])
{
	const unsigned char	*body;
	size_t			 len, i;
	json_t			*j, *v;
	json_error_t		 jerr;
	int			 rc = -1;

	body = http_req_body(req, &len);
	if ((j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL || !json_is_object(j)) {
		http_reply_error(req, 400, "bad_request",
		    "Expected {\"totp\": \"123456\"}.");
		goto done;
	}
	if ((v = json_object_get(j, "totp")) == NULL) {
		http_reply_json(req, 400, json_pack("{s:{s:s,s:s,s:s}}", "error",
		    "code", "missing_field", "message",
		    "Expected {\"totp\": \"123456\"}.", "field", "/totp"));
		goto done;
	}
	if (json_object_size(j) != 1) {
		http_reply_error(req, 400, "bad_request",
		    "Expected only {\"totp\": \"123456\"}.");
		goto done;
	}
	if (!json_is_string(v) || json_string_length(v) != TOTP_DIGITS)
		goto bad;
	for (i = 0; i < TOTP_DIGITS; i++)
		if (json_string_value(v)[i] < '0' ||
		    json_string_value(v)[i] > '9')
			goto bad;
	memcpy(code, json_string_value(v), TOTP_DIGITS + 1);
	rc = 0;
	goto done;
 bad:
	http_reply_json(req, 400, json_pack("{s:{s:s,s:s,s:s}}", "error",
	    "code", "invalid_field", "message",
	    "The code is the six digits the app shows.", "field", "/totp"));
 done:
	json_decref(j);
	return (rc);
}

void
senrol_confirm(struct http_request *req, void *arg)
{
	struct ssession		*s;
	const struct secret	*sec;
	struct senrol		*e = NULL;
	struct store_stmt	 st;
	const char		*p[2];
	unsigned char		*sealed = NULL;
	size_t			 sealedlen;
	int64_t			 step;
	char			 code[TOTP_DIGITS + 1];

	(void)arg;
	if ((s = enrol_session(req)) == NULL)
		return;
	if ((sec = ssession_enrol_get(s)) == NULL) {
		http_reply_error(req, 409, "enrolment_not_started",
		    "Start with POST /v1/staff/totp/enrol: it gives the "
		    "secret to enter in the app.");
		return;
	}
	if (confirm_parse(req, code) == -1)
		return;
	if (totp_verify(sec->s_buf, sec->s_len, code, time(NULL), 1,
	    &step) != 0) {
		OPENSSL_cleanse(code, sizeof(code));
		if (ssession_enrol_miss(s))
			http_reply_error(req, 409, "enrolment_not_started",
			    "Too many wrong codes: start again with a new "
			    "secret (POST /v1/staff/totp/enrol).");
		else
			http_reply_json(req, 400, json_pack("{s:{s:s,s:s,s:s}}",
			    "error", "code", "totp_mismatch", "message",
			    "The code does not belong to the new secret; check "
			    "the app's clock and enter its current code.",
			    "field", "/totp"));
		return;
	}
	OPENSSL_cleanse(code, sizeof(code));
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    staffcred_seal(ssession_totp_seal_key()->s_buf, "totp",
	    ssession_username(s), sec->s_buf, sec->s_len, &sealed,
	    &sealedlen) == -1 ||
	    (e->e_hex = malloc(2 * sealedlen + 1)) == NULL)
		goto busy;
	secret_hex_encode(sealed, sealedlen, e->e_hex);
	snprintf(e->e_step, sizeof(e->e_step), "%lld", (long long)step);
	e->e_req = req;
	e->e_s = s;
	ssession_ref(s);
	memset(&st, 0, sizeof(st));
	p[0] = e->e_hex;
	p[1] = e->e_step;
	st.st_sql = "SELECT casework.totp_enrol(pg_catalog.decode($1, 'hex'), "
	    "$2::bigint)";
	st.st_nparams = 2;
	st.st_values = p;
	if (ssession_exec(s, &st, 1, confirm_done, e) == -1)
		goto busy;
	free(sealed);
	return;
 busy:
	free(sealed);
	senrol_free(e);
	http_reply_error(req, 503, "unavailable",
	    "The service is busy; try again shortly.");
}
