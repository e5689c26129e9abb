/*
 * The reporter's anonymous inbox: log in with the receipt, read the case
 * (state in plain words, deadlines, the decrypted thread), add a
 * message, log out.  Sessions are sealed tokens that any public process
 * opens (rsession.h); whether one is still live is the database's row
 * in casework.reporter_sessions, checked in the same transaction as the
 * request's own statements.
 *
 * Login does the same work for every well-formed receipt: the lookup id
 * (HMAC, cheap), the salt query, one Argon2id on a worker (with a random
 * salt and the configured parameters when the lookup id is unknown), and
 * the credential query; every failure gets one answer, 401
 * invalid_receipt.  Only a receipt whose check digit is wrong is refused
 * earlier (400), since the client can compute that itself.  Failures
 * feed the limiter (ratelimit.h) keyed on the peer tag.
 *
 * Thread key and messages follow docs/crypto.md §7: the reporter's copy
 * of the thread key is sealed under the receipt's wrap key with the case
 * id as associated data; message bodies are envelope items under the
 * thread key with context "meldpunt-thread" || case id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/envelope.h"
#include "crypto/receipt.h"
#include "crypto/secret.h"
#include "daemon/admit.h"
#include "daemon/app.h"
#include "forms/forms.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/public_state.h"
#include "daemon/rparse.h"
#include "daemon/ratelimit.h"
#include "daemon/rsession.h"
#include "daemon/store.h"

#define THREAD_CTX		"meldpunt-thread"
#define MESSAGE_MAX		65536	/* bytes of UTF-8 per message */

static double
inbox_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* "\x0a1b..." (bytea text output) into buf; length or -1. */
static long
inbox_unhex(const char *text, unsigned char *buf, size_t bufsz)
{
	size_t	 n;

	if (text[0] != '\\' || text[1] != 'x')
		return (-1);
	n = strlen(text + 2);
	if (n % 2 != 0 || n / 2 > bufsz ||
	    secret_hex_decode(text + 2, n, buf, n / 2) == -1)
		return (-1);
	return ((long)(n / 2));
}

/* A uuid's text form into 16 bytes. */
static int
inbox_uuid(const char *text, unsigned char out[16])
{
	char	 hex[33];
	size_t	 i, k = 0;

	for (i = 0; text[i] != '\0' && k < 32; i++)
		if (text[i] != '-')
			hex[k++] = text[i];
	if (k != 32 || text[i] != '\0')
		return (-1);
	return (secret_hex_decode(hex, 32, out, 16));
}

/*
 * Parse a small JSON body with only the members allowed; the string
 * member want is returned (borrowed from *root).  lang, when present and
 * ours, is stored in *l.  -1 after replying.
 */
static const char *
inbox_body(struct http_request *req, const char *want, size_t maxlen,
    json_t **root, enum i18n_lang *l)
{
	const unsigned char	*body;
	const char		*v;
	struct rparse_err	 e;
	size_t			 len;

	/* rparse.c: the pure part, fuzzed (tests/fuzz/fuzz_inbox.c). */
	body = http_req_body(req, &len);
	if ((v = rparse_inbox_body(body, len, want, maxlen, root, l, &e)) ==
	    NULL)
		public_error(req, e.e_status, e.e_code, e.e_field, *l, 0);
	return (v);
}

/* ---- sessions in the database ----------------------------------------- */

/* struct session_params: public_state.h (attach.c shares these three). */
void
session_params(struct session_params *sp, const struct rsession_cred *c,
    const unsigned char *sid_hash)
{
	sp->sp_v[0] = (const char *)c->rc_lookup;
	sp->sp_v[1] = (const char *)c->rc_verifier;
	sp->sp_v[2] = (const char *)sid_hash;
	sp->sp_l[0] = RECEIPT_LOOKUP_LEN;
	sp->sp_l[1] = RECEIPT_VERIFIER_LEN;
	sp->sp_l[2] = RSESSION_HASH_LEN;
	sp->sp_f[0] = sp->sp_f[1] = sp->sp_f[2] = 1;
}

/*
 * The first statement of every request made with a session: it aborts
 * the transaction with SQLSTATE 28000 unless the token's session is still
 * its receipt's live one (not ended by logout or by a newer login, on any
 * public process).
 */
void
session_live_stmt(struct store_stmt *st, const struct session_params *sp)
{
	memset(st, 0, sizeof(*st));
	st->st_sql = "SELECT casework.reporter_session_live($1, $2, $3)";
	st->st_nparams = 3;
	st->st_values = sp->sp_v;
	st->st_lengths = sp->sp_l;
	st->st_formats = sp->sp_f;
}

/* Was a session request refused because its session had ended? */
int
session_ended(enum store_status st, const char *sqlstate)
{
	return (st == STORE_QUERY_ERROR && strcmp(sqlstate, "28000") == 0);
}

/* ---- POST /v1/reporter/session ---------------------------------------- */

struct login_job {
	struct public_state	*lj_ps;
	struct http_request	*lj_req;
	enum i18n_lang		 lj_lang;
	unsigned char		 lj_tag[HTTP_PEER_TAG_LEN];
	int			 lj_hastag;
	char			 lj_receipt[RECEIPT_DIGITS + 1];
	unsigned char		 lj_lookup[RECEIPT_LOOKUP_LEN];
	unsigned char		 lj_salt[RECEIPT_SALT_LEN];
	struct secret_kdf	 lj_kdf;
	unsigned char		 lj_verifier[RECEIPT_VERIFIER_LEN];
	unsigned char		 lj_wrapkey[RECEIPT_WRAP_KEY_LEN];
	int			 lj_failed;
	struct event		*lj_delay;
	/* The sealed token, kept until its session is recorded. */
	char			 lj_token[RSESSION_TOKEN_HEXLEN + 1];
	time_t			 lj_expires;
};

static void
login_free(struct login_job *lj)
{
	if (lj == NULL)
		return;
	if (lj->lj_delay != NULL)
		event_free(lj->lj_delay);
	OPENSSL_cleanse(lj, sizeof(*lj));
	free(lj);
}

static void
login_refuse(struct login_job *lj, int status, const char *code)
{
	public_error(lj->lj_req, status, code, status == 401 ? "/receipt" :
	    NULL, lj->lj_lang, 1);
	login_free(lj);
}

/* A wrong receipt: count it against the source, one uniform answer. */
static void
login_wrong(struct login_job *lj)
{
	/* The source was charged in inbox_login(), like every attempt;
	 * the global surge counts failures only. */
	ratelimit_global_fail(lj->lj_ps->ps_limit, inbox_now());
	login_refuse(lj, 401, "invalid_receipt");
}

static void
login_begun(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct login_job	*lj = arg;

	(void)res;
	(void)nres;
	if (st != STORE_OK) {
		if (st == STORE_QUERY_ERROR)
			log_warnx("%s: sqlstate %s", __func__, sqlstate);
		login_refuse(lj, 503, "unavailable");
		return;
	}
	http_reply_json(lj->lj_req, 200, json_pack("{s:s,s:s,s:I}", "token",
	    lj->lj_token, "token_type", "Bearer", "expires_in",
	    (json_int_t)(lj->lj_expires - time(NULL))));
	login_free(lj);
}

static void
login_case_done(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct login_job	*lj = arg;
	struct rsession_cred	 cred;
	struct session_params	 sp;
	struct store_stmt	 stmt;
	unsigned char		 sealed[128], sid_hash[RSESSION_HASH_LEN];
	size_t			 tklen = sizeof(cred.rc_tk);
	long			 n;

	if (st != STORE_OK) {
		if (st == STORE_QUERY_ERROR)
			log_warnx("%s: sqlstate %s", __func__, sqlstate);
		login_refuse(lj, 503, "unavailable");
		return;
	}
	if (nres != 1 || PQntuples(res[0]) != 1) {
		login_wrong(lj);
		return;
	}
	memset(&cred, 0, sizeof(cred));
	if ((n = inbox_unhex(PQgetvalue(res[0], 0, 0), sealed,
	    sizeof(sealed))) == -1 ||
	    inbox_uuid(PQgetvalue(res[0], 0, 1), cred.rc_case) == -1 ||
	    receipt_unwrap_thread_key(lj->lj_wrapkey, sealed, (size_t)n,
	    cred.rc_case, sizeof(cred.rc_case), cred.rc_tk, &tklen) == -1 ||
	    tklen != sizeof(cred.rc_tk)) {
		/* The credential matched but the seal did not: no session. */
		log_warnx("%s: thread key does not open", __func__);
		OPENSSL_cleanse(&cred, sizeof(cred));
		login_refuse(lj, 500, "internal");
		return;
	}
	memcpy(cred.rc_lookup, lj->lj_lookup, sizeof(cred.rc_lookup));
	memcpy(cred.rc_verifier, lj->lj_verifier, sizeof(cred.rc_verifier));
	cred.rc_lang = lj->lj_lang;
	if (rsession_create(lj->lj_ps->ps_sessions, &cred, time(NULL),
	    lj->lj_token, &lj->lj_expires, sid_hash) == -1) {
		OPENSSL_cleanse(&cred, sizeof(cred));
		login_refuse(lj, 503, "unavailable");
		return;
	}
	/* The new session becomes the receipt's only live one. */
	session_params(&sp, &cred, sid_hash);
	memset(&stmt, 0, sizeof(stmt));
	stmt.st_sql = "SELECT casework.reporter_session_begin($1, $2, $3)";
	stmt.st_nparams = 3;
	stmt.st_values = sp.sp_v;
	stmt.st_lengths = sp.sp_l;
	stmt.st_formats = sp.sp_f;
	if (store_exec(lj->lj_ps->ps_app->a_store, &stmt, 1, login_begun,
	    lj) == NULL)
		login_refuse(lj, 503, "unavailable");
	OPENSSL_cleanse(&cred, sizeof(cred));
}

/* On a worker: the Argon2id, right or dummy. */
static void
login_work(void *arg)
{
	struct login_job	*lj = arg;

	lj->lj_failed = receipt_derive(lj->lj_receipt, lj->lj_salt,
	    &lj->lj_kdf, lj->lj_verifier, lj->lj_wrapkey) == -1;
	secret_wipe(lj->lj_receipt, sizeof(lj->lj_receipt));
}

static void
login_derived(void *arg)
{
	struct login_job	*lj = arg;
	const char		*v[2];
	int			 l[2] = { RECEIPT_LOOKUP_LEN,
				    RECEIPT_VERIFIER_LEN }, f[2] = { 1, 1 };
	struct store_stmt	 st = { .st_sql = "SELECT thread_key_sealed, "
	    "case_id FROM casework.reporter_case($1, $2)", .st_nparams = 2,
	    .st_values = v, .st_lengths = l, .st_formats = f };

	if (lj->lj_failed) {
		login_refuse(lj, 500, "internal");
		return;
	}
	v[0] = (const char *)lj->lj_lookup;
	v[1] = (const char *)lj->lj_verifier;
	if (store_exec(lj->lj_ps->ps_app->a_store, &st, 1, login_case_done,
	    lj) == NULL)
		login_refuse(lj, 503, "unavailable");
}

/* Dropped by the pool before the hash: answered busy, never hashed. */
static void
login_dropped(void *arg)
{
	struct login_job	*lj = arg;

	admit_busy(lj->lj_ps->ps_app, lj->lj_req, lj->lj_lang);
	login_free(lj);
}

static void
login_salt_done(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct login_job	*lj = arg;
	int			 known = 0;

	if (st != STORE_OK) {
		if (st == STORE_QUERY_ERROR)
			log_warnx("%s: sqlstate %s", __func__, sqlstate);
		login_refuse(lj, 503, "unavailable");
		return;
	}
	if (nres == 1 && PQntuples(res[0]) == 1 && PQgetisnull(res[0], 0, 0) &&
	    strcmp(PQgetvalue(res[0], 0, 4), "t") == 0) {
		/* Purged: the lookup id matched a tombstone, so this is the
		 * receipt of a deleted report; say so (no Argon2id needed,
		 * the answer reveals only what the reporter is told). */
		login_refuse(lj, 410, "purged");
		return;
	}
	if (nres == 1 && PQntuples(res[0]) == 1 && !PQgetisnull(res[0], 0, 0) &&
	    inbox_unhex(PQgetvalue(res[0], 0, 0), lj->lj_salt,
	    sizeof(lj->lj_salt)) == RECEIPT_SALT_LEN) {
		lj->lj_kdf.k_m_kib = (uint32_t)atoi(PQgetvalue(res[0], 0, 1));
		lj->lj_kdf.k_t = (uint32_t)atoi(PQgetvalue(res[0], 0, 2));
		lj->lj_kdf.k_p = (uint32_t)atoi(PQgetvalue(res[0], 0, 3));
		known = secret_kdf_check(&lj->lj_kdf) == 0;
	}
	if (!known) {
		/* Same work as for a real receipt: a dummy Argon2id. */
		lj->lj_kdf = lj->lj_ps->ps_kdf;
		if (secret_random(lj->lj_salt, sizeof(lj->lj_salt)) == -1) {
			login_refuse(lj, 500, "internal");
			return;
		}
	}
	/* Admitted by expected wait, or 503 with Retry-After at once. */
	if (admit_kdf(lj->lj_ps->ps_app, lj->lj_req, lj->lj_lang, login_work,
	    login_derived, login_dropped, lj) == -1)
		login_free(lj);
}

static void
login_start(struct login_job *lj)
{
	const char		*v[1] = { (const char *)lj->lj_lookup };
	int			 l[1] = { RECEIPT_LOOKUP_LEN }, f[1] = { 1 };
	/* Always one row: the salt (NULL when unknown) and whether the
	 * receipt belonged to a case purged by retention (0054). */
	struct store_stmt	 st = { .st_sql = "SELECT s.salt, "
	    "s.argon2_m_kib, s.argon2_t, s.argon2_p, "
	    "casework.receipt_purged($1) FROM (SELECT 1) x "
	    "LEFT JOIN casework.receipt_salt($1) s ON true",
	    .st_nparams = 1, .st_values = v, .st_lengths = l,
	    .st_formats = f };

	if (store_exec(lj->lj_ps->ps_app->a_store, &st, 1, login_salt_done,
	    lj) == NULL)
		login_refuse(lj, 503, "unavailable");
}

static void
login_delayed(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	login_start(arg);
}

void
inbox_login(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct public_state	*ps = app->a_public;
	struct login_job	*lj;
	struct timeval		 tv;
	json_t			*root;
	const char		*r;
	enum i18n_lang		 l = public_lang(req);
	int			 delay, retry;

	if (ps->ps_lookup_key == NULL) {
		public_error(req, 503, "not_configured", NULL, l, 60);
		return;
	}
	if ((r = inbox_body(req, "receipt", RECEIPT_INPUT_MAX, &root,
	    &l)) == NULL)
		return;
	if ((lj = calloc(1, sizeof(*lj))) == NULL) {
		json_decref(root);
		public_error(req, 503, "unavailable", NULL, l, 1);
		return;
	}
	lj->lj_ps = ps;
	lj->lj_req = req;
	lj->lj_lang = l;
	lj->lj_hastag = http_req_peer_tag(req, lj->lj_tag) == 0;
	if (lj->lj_hastag && ratelimit_check(ps->ps_limit, lj->lj_tag,
	    inbox_now(), &delay, &retry) == -1) {
		json_decref(root);
		public_error(req, 429, "rate_limited", NULL, l, retry);
		login_free(lj);
		return;
	}
	if (!lj->lj_hastag)
		delay = 0;
	/*
	 * Every attempt is charged to its source now, before any work:
	 * charging only once a failure is known would let a source keep many
	 * guesses in flight past the check.  (Success never reset the score
	 * anyway.)
	 */
	if (lj->lj_hastag)
		ratelimit_charge(ps->ps_limit, lj->lj_tag, inbox_now());
	/* A typo is refused before any Argon2id work. */
	if (receipt_parse(r, strlen(r), lj->lj_receipt) == -1) {
		json_decref(root);
		ratelimit_global_fail(ps->ps_limit, inbox_now());
		public_error(req, 400, "invalid_receipt", "/receipt", l, 0);
		login_free(lj);
		return;
	}
	json_decref(root);
	if (receipt_lookup_id(ps->ps_lookup_key->s_buf, lj->lj_receipt,
	    lj->lj_lookup) == -1) {
		login_refuse(lj, 500, "internal");
		return;
	}
	if (delay <= 0) {
		login_start(lj);
		return;
	}
	/* A global failure surge: everyone waits a little, nobody is refused. */
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	if ((lj->lj_delay = evtimer_new(app->a_base, login_delayed, lj)) ==
	    NULL || evtimer_add(lj->lj_delay, &tv) == -1)
		login_start(lj);
}

struct logout_job {
	struct http_request	*oj_req;
	enum i18n_lang		 oj_lang;
};

static void
logout_done(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct logout_job	*oj = arg;

	if (st != STORE_OK || nres != 1 || PQntuples(res[0]) != 1) {
		if (st == STORE_QUERY_ERROR)
			log_warnx("%s: sqlstate %s", __func__, sqlstate);
		public_error(oj->oj_req, 503, "unavailable", NULL, oj->oj_lang,
		    1);
	} else if (strcmp(PQgetvalue(res[0], 0, 0), "t") != 0)
		public_error(oj->oj_req, 401, "unauthorized", NULL,
		    oj->oj_lang, 0);
	else
		http_reply_json(oj->oj_req, 200, json_pack("{s:s}", "status",
		    "logged_out"));
	free(oj);
}

/* Ends the session for every public process: its row goes. */
void
inbox_logout(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct public_state	*ps = app->a_public;
	struct rsession_cred	 cred;
	struct session_params	 sp;
	struct store_stmt	 st;
	struct logout_job	*oj;
	unsigned char		 sid_hash[RSESSION_HASH_LEN];
	enum i18n_lang		 l = public_lang(req);

	if (rsession_get(ps->ps_sessions, http_req_header(req,
	    "authorization"), time(NULL), &cred, sid_hash) == -1) {
		public_error(req, 401, "unauthorized", NULL, l, 0);
		return;
	}
	if ((oj = calloc(1, sizeof(*oj))) == NULL) {
		OPENSSL_cleanse(&cred, sizeof(cred));
		public_error(req, 503, "unavailable", NULL, l, 1);
		return;
	}
	oj->oj_req = req;
	oj->oj_lang = cred.rc_lang;
	session_params(&sp, &cred, sid_hash);
	session_live_stmt(&st, &sp);
	st.st_sql = "SELECT casework.reporter_session_end($1, $2, $3)";
	if (store_exec(ps->ps_app->a_store, &st, 1, logout_done, oj) == NULL) {
		public_error(req, 503, "unavailable", NULL, l, 1);
		free(oj);
	}
	OPENSSL_cleanse(&cred, sizeof(cred));
}

/* ---- GET /v1/reporter/case -------------------------------------------- */

struct case_msg {
	int		 m_seq;
	char		 m_dir[12];
	char		 m_sent[11];
	char		 m_key[48];	/* text_key, system messages */
	unsigned char	*m_body;	/* sealed, then opened */
	size_t		 m_bodylen;
	int		 m_ok;		/* opened */
};

struct case_job {
	struct public_state	*cj_ps;
	struct http_request	*cj_req;
	struct rsession_cred	 cj_cred;
	json_t			*cj_case;
	struct case_msg		*cj_msgs;
	size_t			 cj_n;
};

static void
case_free(struct case_job *cj)
{
	size_t	 i;

	if (cj == NULL)
		return;
	for (i = 0; i < cj->cj_n; i++)
		if (cj->cj_msgs[i].m_body != NULL)
			OPENSSL_clear_free(cj->cj_msgs[i].m_body,
			    cj->cj_msgs[i].m_bodylen);
	free(cj->cj_msgs);
	json_decref(cj->cj_case);
	OPENSSL_cleanse(&cj->cj_cred, sizeof(cj->cj_cred));
	free(cj);
}

static void
case_work(void *arg)
{
	struct case_job	*cj = arg;
	unsigned char	 ctx[sizeof(THREAD_CTX) - 1 + RSESSION_CASE_LEN];
	unsigned char	*pt;
	size_t		 i, ptlen;

	memcpy(ctx, THREAD_CTX, sizeof(THREAD_CTX) - 1);
	memcpy(ctx + sizeof(THREAD_CTX) - 1, cj->cj_cred.rc_case,
	    RSESSION_CASE_LEN);
	for (i = 0; i < cj->cj_n; i++) {
		struct case_msg	*m = &cj->cj_msgs[i];

		if (m->m_body == NULL)
			continue;
		if (envelope_item_open(cj->cj_cred.rc_tk, ctx, sizeof(ctx),
		    m->m_body, m->m_bodylen, &pt, &ptlen) == -1)
			continue;
		OPENSSL_clear_free(m->m_body, m->m_bodylen);
		m->m_body = pt;
		m->m_bodylen = ptlen;
		m->m_ok = 1;
	}
}

static void
case_done(void *arg)
{
	struct case_job	*cj = arg;
	enum i18n_lang	 l = cj->cj_cred.rc_lang;
	json_t		*msgs = json_array(), *m, *text;
	const char	*t;
	size_t		 i;

	for (i = 0; i < cj->cj_n; i++) {
		struct case_msg	*cm = &cj->cj_msgs[i];

		if (strcmp(cm->m_dir, "system") == 0)
			text = json_string((t = i18n_msg(cm->m_key, l)) !=
			    NULL ? t : cm->m_key);
		else if (cm->m_ok)
			text = json_stringn((const char *)cm->m_body,
			    cm->m_bodylen);
		else
			text = NULL;
		if (text == NULL)
			text = json_string(i18n_msg("message.empty_handler",
			    l));
		m = json_pack("{s:i,s:s,s:s,s:o}", "seq", cm->m_seq,
		    "direction", cm->m_dir, "sent_on", cm->m_sent, "text",
		    text);
		if (cm->m_key[0] != '\0' && m != NULL)
			json_object_set_new(m, "text_key",
			    json_string(cm->m_key));
		json_array_append_new(msgs, m);
	}
	json_object_set_new(cj->cj_case, "messages", msgs);
	http_reply_json(cj->cj_req, 200, json_incref(cj->cj_case));
	case_free(cj);
}

static json_t *
case_json(const PGresult *r, enum i18n_lang l)
{
	const struct forms_category	*c;
	char				 key[64];
	json_t				*j;
	int				 col;
	static const char *const dates[] = { "received_on", "ack_due",
	    "acknowledged_on", "feedback_due", "first_response_due" };

	snprintf(key, sizeof(key), "state.%s", PQgetvalue(r, 0, 0));
	c = forms_category(PQgetvalue(r, 0, 1));
	j = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:s}", "state",
	    PQgetvalue(r, 0, 0), "state_text", i18n_msg(key, l) != NULL ?
	    i18n_msg(key, l) : PQgetvalue(r, 0, 0), "category",
	    PQgetvalue(r, 0, 1), "category_label", c != NULL ?
	    c->c_label.t[l] : PQgetvalue(r, 0, 1), "urgent",
	    strcmp(PQgetvalue(r, 0, 2), "t") == 0, "lang", i18n_code(l),
	    "dir", i18n_dir(l));
	for (col = 3; j != NULL && col < 8; col++)
		json_object_set_new(j, dates[col - 3], PQgetisnull(r, 0, col) ?
		    json_null() : json_string(PQgetvalue(r, 0, col)));
	/* Not secret: what the reporter reads out on the phone (0253). */
	if (j != NULL && PQnfields(r) > 8 && !PQgetisnull(r, 0, 8))
		json_object_set_new(j, "case_number",
		    json_string(PQgetvalue(r, 0, 8)));
	return (j);
}

/* Copy the message rows; bodies are decrypted on a worker. */
static int
case_copy_msgs(struct case_job *cj, const PGresult *r)
{
	int	 i, n = PQntuples(r);
	long	 len;

	if (n > 0 && (cj->cj_msgs = calloc((size_t)n,
	    sizeof(*cj->cj_msgs))) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		struct case_msg	*m = &cj->cj_msgs[i];
		const char	*b = PQgetvalue(r, i, 4);

		cj->cj_n++;
		m->m_seq = atoi(PQgetvalue(r, i, 0));
		snprintf(m->m_dir, sizeof(m->m_dir), "%s", PQgetvalue(r, i, 1));
		snprintf(m->m_sent, sizeof(m->m_sent), "%s",
		    PQgetvalue(r, i, 2));
		snprintf(m->m_key, sizeof(m->m_key), "%s", PQgetvalue(r, i, 3));
		if (PQgetisnull(r, i, 4) || strlen(b) < 4)
			continue;
		m->m_bodylen = strlen(b) / 2 - 1;
		if ((m->m_body = malloc(m->m_bodylen)) == NULL)
			return (-1);
		if ((len = inbox_unhex(b, m->m_body, m->m_bodylen)) == -1)
			m->m_bodylen = 0;
		else
			m->m_bodylen = (size_t)len;
	}
	return (0);
}

static void
case_loaded(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct case_job	*cj = arg;
	enum i18n_lang	 l = cj->cj_cred.rc_lang;

	if (session_ended(st, sqlstate)) {
		public_error(cj->cj_req, 401, "unauthorized", NULL, l, 0);
		case_free(cj);
		return;
	}
	if (st != STORE_OK || nres != 3) {
		if (st == STORE_QUERY_ERROR)
			log_warnx("%s: sqlstate %s", __func__, sqlstate);
		public_error(cj->cj_req, 503, "unavailable", NULL, l, 1);
		case_free(cj);
		return;
	}
	/* res[0] is the live-session check. */
	if (PQntuples(res[1]) != 1) {
		/* The case is gone (purged): so is the session. */
		public_error(cj->cj_req, 401, "unauthorized", NULL, l, 0);
		case_free(cj);
		return;
	}
	if ((cj->cj_case = case_json(res[1], l)) == NULL ||
	    case_copy_msgs(cj, res[2]) == -1) {
		public_error(cj->cj_req, 500, "internal", NULL, l, 0);
		case_free(cj);
		return;
	}
	if (pool_submit(cj->cj_ps->ps_app->a_pool, case_work, case_done,
	    cj) == -1) {
		public_error(cj->cj_req, 503, "unavailable", NULL, l, 1);
		case_free(cj);
	}
}

void
inbox_case(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct public_state	*ps = app->a_public;
	struct case_job		*cj;
	struct session_params	 sp;
	unsigned char		 sid_hash[RSESSION_HASH_LEN];
	struct store_stmt	 st[3];

	if ((cj = calloc(1, sizeof(*cj))) == NULL) {
		public_error(req, 503, "unavailable", NULL, public_lang(req),
		    1);
		return;
	}
	if (rsession_get(ps->ps_sessions, http_req_header(req,
	    "authorization"), time(NULL), &cj->cj_cred, sid_hash) == -1) {
		public_error(req, 401, "unauthorized", NULL, public_lang(req),
		    0);
		case_free(cj);
		return;
	}
	cj->cj_ps = ps;
	cj->cj_req = req;
	/* The same two binary parameters, lookup id and verifier, follow. */
	session_params(&sp, &cj->cj_cred, sid_hash);
	memset(st, 0, sizeof(st));
	session_live_stmt(&st[0], &sp);
	st[1].st_sql = "SELECT state, category, urgent, received_on, ack_due, "
	    "acknowledged_on, feedback_due, to_char(first_response_due AT "
	    "TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "casework.reporter_case_number($1, $2) "
	    "FROM casework.reporter_case($1, $2)";
	st[2].st_sql = "SELECT seq, direction, sent_on, coalesce(text_key, ''), "
	    "body FROM casework.reporter_messages($1, $2)";
	st[1].st_nparams = st[2].st_nparams = 2;
	st[1].st_values = st[2].st_values = sp.sp_v;
	st[1].st_lengths = st[2].st_lengths = sp.sp_l;
	st[1].st_formats = st[2].st_formats = sp.sp_f;
	if (store_exec(ps->ps_app->a_store, st, 3, case_loaded, cj) == NULL) {
		public_error(req, 503, "unavailable", NULL,
		    cj->cj_cred.rc_lang, 1);
		case_free(cj);
	}
}

/* ---- POST /v1/reporter/messages --------------------------------------- */

struct msg_job {
	struct http_request	*mj_req;
	enum i18n_lang		 mj_lang;
};

static void
message_stored(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct msg_job	*mj = arg;

	if (session_ended(st, sqlstate)) {
		public_error(mj->mj_req, 401, "unauthorized", NULL,
		    mj->mj_lang, 0);
		free(mj);
		return;
	}
	/* res[0] is the live-session check. */
	if (st != STORE_OK || nres != 2 || PQntuples(res[1]) != 1) {
		if (st == STORE_QUERY_ERROR) {
			log_warnx("%s: sqlstate %s", __func__, sqlstate);
			public_error(mj->mj_req, strcmp(sqlstate, "MP005") == 0 ?
			    413 : 500, strcmp(sqlstate, "MP005") == 0 ?
			    "too_large" : "internal", NULL, mj->mj_lang, 0);
		} else
			/* Sent and lost: the message may be stored. */
			public_error(mj->mj_req, 503, st == STORE_UNKNOWN ?
			    "outcome_unknown_message" : "unavailable", NULL,
			    mj->mj_lang, 1);
	} else if (PQgetisnull(res[1], 0, 0))
		public_error(mj->mj_req, 401, "unauthorized", NULL,
		    mj->mj_lang, 0);
	else
		http_reply_json(mj->mj_req, 201, json_pack("{s:i}", "seq",
		    atoi(PQgetvalue(res[1], 0, 0))));
	free(mj);
}

/* Seal text under the thread key; small enough to do on the loop. */
static int
message_seal(const struct rsession_cred *c, const char *text,
    unsigned char **out, size_t *outlen)
{
	unsigned char	 ctx[sizeof(THREAD_CTX) - 1 + RSESSION_CASE_LEN];

	memcpy(ctx, THREAD_CTX, sizeof(THREAD_CTX) - 1);
	memcpy(ctx + sizeof(THREAD_CTX) - 1, c->rc_case, RSESSION_CASE_LEN);
	return (envelope_item_seal(c->rc_tk, ctx, sizeof(ctx),
	    (const unsigned char *)text, strlen(text), out, outlen));
}

void
inbox_message(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct public_state	*ps = app->a_public;
	struct rsession_cred	 cred;
	struct session_params	 sp;
	struct msg_job		*mj;
	json_t			*root;
	const char		*text, *v[3];
	unsigned char		*body = NULL, sid_hash[RSESSION_HASH_LEN];
	size_t			 bodylen = 0;
	int			 l[3], f[3] = { 1, 1, 1 };
	enum i18n_lang		 lang = public_lang(req);
	struct store_stmt	 st[2];

	if (rsession_get(ps->ps_sessions, http_req_header(req,
	    "authorization"), time(NULL), &cred, sid_hash) == -1) {
		public_error(req, 401, "unauthorized", NULL, lang, 0);
		return;
	}
	lang = cred.rc_lang;
	if ((text = inbox_body(req, "text", MESSAGE_MAX, &root,
	    &lang)) == NULL) {
		OPENSSL_cleanse(&cred, sizeof(cred));
		return;
	}
	if (message_seal(&cred, text, &body, &bodylen) == -1 ||
	    (mj = calloc(1, sizeof(*mj))) == NULL) {
		json_decref(root);
		OPENSSL_cleanse(&cred, sizeof(cred));
		if (body != NULL)
			OPENSSL_clear_free(body, bodylen);
		public_error(req, 500, "internal", NULL, lang, 0);
		return;
	}
	json_decref(root);
	mj->mj_req = req;
	mj->mj_lang = lang;
	v[0] = (const char *)cred.rc_lookup;
	v[1] = (const char *)cred.rc_verifier;
	v[2] = (const char *)body;
	l[0] = RECEIPT_LOOKUP_LEN;
	l[1] = RECEIPT_VERIFIER_LEN;
	l[2] = (int)bodylen;
	session_params(&sp, &cred, sid_hash);
	session_live_stmt(&st[0], &sp);
	memset(&st[1], 0, sizeof(st[1]));
	st[1].st_sql = "SELECT casework.reporter_add_message($1, $2, $3)";
	st[1].st_nparams = 3;
	st[1].st_values = v;
	st[1].st_lengths = l;
	st[1].st_formats = f;
	if (store_exec(ps->ps_app->a_store, st, 2, message_stored, mj) ==
	    NULL) {
		public_error(req, 503, "unavailable", NULL, lang, 1);
		free(mj);
	}
	OPENSSL_cleanse(&cred, sizeof(cred));
	OPENSSL_clear_free(body, bodylen);
}
