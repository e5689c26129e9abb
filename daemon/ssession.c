/*
 * Staff sessions and login (see ssession.h, docs/staff-api.md).
 *
 * Login is a chain of callbacks, each step on the loop or on a worker:
 *   1 loop    parse the body, per-source limiter, login_salt(user)
 *   2 worker  Argon2id(password, salt) -> proof, key-sealing key
 *   3 loop    login_check(user, proof): TOTP secret and sealed key
 *   4 worker  open the TOTP secret, check the code, open the private key,
 *             draw the token
 *   5 loop    session_create(...) (re-checks proof, refuses a reused TOTP
 *             step), then in the same transaction the caller's queue key
 *             wraps (row-level security admits only its own)
 *   6 worker  unwrap the queue private keys into locked memory
 *   7 loop    keep the session; wrap the queue keys it holds to queue
 *             members still waiting for them (keyshare.c); answer 201
 *             with the token.
 * The login answer says which first sign-in steps are due (schema 0251):
 * until the user has replaced the password and the TOTP secret the
 * administrator saw, ssession_auth() lets the session reach only the
 * endpoints that replace them (SSESSION_SETUP; senrol.c).
 * Every failure, whichever factor it was, gets the same 401 body.  A
 * wrong TOTP code is counted against the account (login_failed) like a
 * wrong password; the database backs off per account, the limiter here
 * per source (http_req_peer_tag(), memory only).
 *
 * Nothing here logs a user name, password, code, token, hash or key.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "crypto/totp.h"
#include "daemon/app.h"
#include "daemon/config.h"
#include "daemon/http.h"
#include "daemon/keyrotate.h"
#include "daemon/keyshare.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/rparse.h"
#include "daemon/sparse.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

#define TOKEN_LEN		32
#define HASH_HEX_LEN		64
#define MAX_QKEYS		256
#define LIMITER_SLOTS		1024
#define LIMITER_WINDOW		900	/* seconds */
#define SWEEP_SECONDS		15
#define MAX_EXEC_STMTS		14

struct ssession_qkey {
	char		 qk_id[2 * STAFFCRED_KEYID_LEN + 1];
	int		 qk_queue;
};

struct ssession {
	TAILQ_ENTRY(ssession)	 ss_entry;
	unsigned char		 ss_hash[SHA256_DIGEST_LENGTH];
	char			 ss_hashhex[HASH_HEX_LEN + 1];
	int			 ss_uid;
	char			 ss_user[STAFFCRED_USER_MAX + 1];
	char			 ss_kind[16];
	int			 ss_kindbit;
	struct ssession_qkey	*ss_qkeys;
	size_t			 ss_nqkeys;
	struct secret		*ss_qsecrets;	/* nqkeys * 32, locked */
	/* Officers: identity scalar || contact-link key, locked; or NULL. */
	struct secret		*ss_isecret;
	unsigned char		 ss_ikid[STAFFCRED_KEYID_LEN];
	/* First sign-in steps still due (SSESSION_DUE_*); see ssession_auth. */
	int			 ss_setup;
	/* A TOTP secret being enrolled (senrol.c), locked; or NULL. */
	struct secret		*ss_enrol;
	int			 ss_enrol_tries;
	time_t			 ss_created;	/* monotonic seconds */
	time_t			 ss_last;
	int			 ss_refs;
	int			 ss_dead;
};

TAILQ_HEAD(ssession_list, ssession);

struct limiter_slot {
	unsigned char	 ls_tag[HTTP_PEER_TAG_LEN];
	time_t		 ls_start;
	int		 ls_fails;
};

static struct {
	struct app		*app;
	struct ssession_list	 list;
	int			 count;
	struct secret		*totp_key;	/* NULL: logins refused (503) */
	unsigned char		 dummy_salt[16];
	struct event		*sweep;
	struct limiter_slot	 slots[LIMITER_SLOTS];
} ss;

static time_t
mono_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

/* ------------------------------------------------------------ sessions */

static int
kind_bit(const char *kind)
{
	if (strcmp(kind, "handler") == 0)
		return (SSESSION_HANDLER);
	if (strcmp(kind, "officer") == 0)
		return (SSESSION_OFFICER);
	if (strcmp(kind, "researcher") == 0)
		return (SSESSION_RESEARCHER);
	if (strcmp(kind, "admin") == 0)
		return (SSESSION_ADMIN);
	return (0);
}

static void
ssession_destroy(struct ssession *s)
{
	secret_free(s->ss_enrol);
	secret_free(s->ss_isecret);
	secret_free(s->ss_qsecrets);
	free(s->ss_qkeys);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

/* End a session: out of the list, keys wiped now, struct freed at the
 * last reference. */
static void
ssession_kill(struct ssession *s)
{
	if (s->ss_dead)
		return;
	s->ss_dead = 1;
	TAILQ_REMOVE(&ss.list, s, ss_entry);
	ss.count--;
	secret_free(s->ss_qsecrets);
	s->ss_qsecrets = NULL;
	s->ss_nqkeys = 0;
	secret_free(s->ss_isecret);
	s->ss_isecret = NULL;
	secret_free(s->ss_enrol);
	s->ss_enrol = NULL;
	ssession_unref(s);
}

void
ssession_ref(struct ssession *s)
{
	s->ss_refs++;
}

void
ssession_unref(struct ssession *s)
{
	if (s != NULL && --s->ss_refs == 0)
		ssession_destroy(s);
}

static int
ssession_expired(const struct ssession *s, time_t now)
{
	const struct config	*c = ss.app->a_conf;

	return (now - s->ss_last >= c->c_session_idle_s ||
	    now - s->ss_created >= c->c_session_absolute_s);
}

static void
ssession_sweep(evutil_socket_t fd, short ev, void *arg)
{
	struct ssession	*s, *next;
	time_t		 now = mono_now();

	(void)fd;
	(void)ev;
	(void)arg;
	for (s = TAILQ_FIRST(&ss.list); s != NULL; s = next) {
		next = TAILQ_NEXT(s, ss_entry);
		if (ssession_expired(s, now))
			ssession_kill(s);
	}
}

static struct ssession *
ssession_find(const unsigned char *hash)
{
	struct ssession	*s;

	TAILQ_FOREACH(s, &ss.list, ss_entry)
		if (CRYPTO_memcmp(s->ss_hash, hash, sizeof(s->ss_hash)) == 0)
			return (s);
	return (NULL);
}

int
ssession_user_id(const struct ssession *s)
{
	return (s->ss_uid);
}

const char *
ssession_username(const struct ssession *s)
{
	return (s->ss_user);
}

const char *
ssession_kind(const struct ssession *s)
{
	return (s->ss_kind);
}

const char *
ssession_hash_hex(const struct ssession *s)
{
	return (s->ss_hashhex);
}

size_t
ssession_nqueue_keys(const struct ssession *s)
{
	return (s->ss_nqkeys);
}

int
ssession_setup_due(const struct ssession *s)
{
	return (s->ss_setup);
}

void
ssession_setup_done(struct ssession *s, int steps)
{
	s->ss_setup &= ~steps;
}

const struct secret *
ssession_totp_seal_key(void)
{
	return (ss.totp_key);
}

void
ssession_enrol_set(struct ssession *s, struct secret *totp)
{
	secret_free(s->ss_enrol);
	s->ss_enrol = s->ss_dead ? NULL : totp;
	s->ss_enrol_tries = 0;
	if (s->ss_dead)
		secret_free(totp);
}

const struct secret *
ssession_enrol_get(const struct ssession *s)
{
	return (s->ss_dead ? NULL : s->ss_enrol);
}

int
ssession_enrol_miss(struct ssession *s)
{
	if (++s->ss_enrol_tries < SSESSION_ENROL_TRIES)
		return (0);
	ssession_enrol_set(s, NULL);
	return (1);
}

int
ssession_count(void)
{
	return (ss.count);
}

struct secret *
ssession_queue_key(const struct ssession *s, const char *key_id)
{
	size_t	i;

	if (s->ss_dead || key_id == NULL)
		return (NULL);
	for (i = 0; i < s->ss_nqkeys; i++)
		if (strcmp(s->ss_qkeys[i].qk_id, key_id) == 0)
			return (secret_new_from(s->ss_qsecrets->s_buf +
			    i * STAFFCRED_SCALAR_LEN, STAFFCRED_SCALAR_LEN, 1));
	return (NULL);
}

const char *
ssession_queue_key_id(const struct ssession *s, size_t i)
{
	if (s->ss_dead || i >= s->ss_nqkeys)
		return (NULL);
	return (s->ss_qkeys[i].qk_id);
}

struct secret *
ssession_identity_keys(const struct ssession *s, unsigned char ikid[16])
{
	if (s->ss_dead || s->ss_isecret == NULL)
		return (NULL);
	memcpy(ikid, s->ss_ikid, STAFFCRED_KEYID_LEN);
	return (secret_new_from(s->ss_isecret->s_buf, 2 * STAFFCRED_SCALAR_LEN,
	    1));
}

/* ------------------------------------------------------------ auth */

/* The bearer token's hash, or -1 when the header is missing or malformed. */
static int
bearer_hash(struct http_request *req, unsigned char *hash)
{
	/* rparse.c: the pure part, fuzzed (tests/fuzz/fuzz_bearer.c). */
	return (rparse_bearer(http_req_header(req, "authorization"),
	    TOKEN_LEN, hash));
}

static void
reply_unauthorized(struct http_request *req)
{
	http_req_add_header(req, "WWW-Authenticate", "Bearer");
	http_reply_error(req, 401, "unauthorized",
	    "Log in first: the session is missing, has expired or has ended.");
}

struct ssession *
ssession_auth(struct http_request *req, int kinds)
{
	unsigned char	 hash[SHA256_DIGEST_LENGTH];
	struct ssession	*s;
	time_t		 now = mono_now();

	if (bearer_hash(req, hash) == -1 || (s = ssession_find(hash)) == NULL) {
		reply_unauthorized(req);
		return (NULL);
	}
	if (ssession_expired(s, now)) {
		ssession_kill(s);
		reply_unauthorized(req);
		return (NULL);
	}
	if ((s->ss_kindbit & kinds) == 0) {
		http_reply_error(req, 403, "forbidden",
		    "This account may not use this endpoint.");
		return (NULL);
	}
	/*
	 * First sign-in: until the password the administrator handed over
	 * and the TOTP secret she printed are replaced, the session answers
	 * only the endpoints that replace them (and logout).
	 */
	if (s->ss_setup != 0 && (kinds & SSESSION_SETUP) == 0) {
		if (s->ss_setup & SSESSION_DUE_PASSWORD)
			http_reply_error(req, 403, "password_change_required",
			    "Choose a new password first "
			    "(POST /v1/staff/password).");
		else
			http_reply_error(req, 403, "totp_enrolment_required",
			    "Enrol a new authenticator first "
			    "(POST /v1/staff/totp/enrol).");
		return (NULL);
	}
	s->ss_last = now;
	return (s);
}

struct sexec {
	struct ssession		*sx_s;
	ssession_exec_cb	 sx_cb;
	void			*sx_arg;
};

static void
ssession_exec_done(enum store_status st, const char *sqlstate,
    PGresult **res, int nres, void *arg)
{
	struct sexec	*x = arg;

	if (st == STORE_OK && PQntuples(res[1]) != 1) {
		/* The row is gone: expired, logged out elsewhere, disabled. */
		ssession_kill(x->sx_s);
		x->sx_cb(SSESSION_EXPIRED, "", NULL, 0, x->sx_arg);
	} else if (st != STORE_OK)
		x->sx_cb(st, sqlstate, NULL, 0, x->sx_arg);
	else
		x->sx_cb(STORE_OK, "", res + 2, nres - 2, x->sx_arg);
	ssession_unref(x->sx_s);
	free(x);
}

int
ssession_exec(struct ssession *s, const struct store_stmt *stmts, int n,
    ssession_exec_cb cb, void *arg)
{
	struct store_stmt	 all[MAX_EXEC_STMTS + 2];
	const char		*p[1] = { s->ss_hashhex };
	struct sexec		*x;
	int			 i;

	if (n < 0 || n > MAX_EXEC_STMTS || s->ss_dead)
		return (-1);
	memset(all, 0, sizeof(all));
	/* A parameter, never query text: pg_stat_activity shows the text. */
	all[0].st_sql = "SELECT pg_catalog.set_config('meldpunt.session', $1, "
	    "true)";
	all[0].st_nparams = 1;
	all[0].st_values = p;
	all[1].st_sql = "SELECT user_id FROM casework.session_touch("
	    "pg_catalog.decode($1, 'hex'))";
	all[1].st_nparams = 1;
	all[1].st_values = p;
	for (i = 0; i < n; i++)
		all[i + 2] = stmts[i];
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return (-1);
	x->sx_s = s;
	x->sx_cb = cb;
	x->sx_arg = arg;
	ssession_ref(s);
	if (store_exec(ss.app->a_store, all, n + 2, ssession_exec_done,
	    x) == NULL) {
		ssession_unref(s);
		free(x);
		return (-1);
	}
	return (0);
}

void
ssession_reply_sparse(struct http_request *req, const struct sparse_err *e)
{
	if (e->e_field[0] == '\0')
		http_reply_error(req, e->e_status, e->e_code, e->e_message);
	else
		http_reply_json(req, e->e_status, json_pack("{s:{s:s,s:s,s:s}}",
		    "error", "code", e->e_code, "message", e->e_message,
		    "field", e->e_field));
}

void
ssession_reply_error(struct http_request *req, int status,
    const char *sqlstate)
{
	if (status == SSESSION_EXPIRED) {
		reply_unauthorized(req);
		return;
	}
	if (status == STORE_UNAVAILABLE) {
		/* Not reached, or refused and rolled back (read-only,
		 * privilege, timeout...): nothing changed. */
		if (sqlstate != NULL && sqlstate[0] != '\0')
			log_warnx("%s: refused, sqlstate %s", __func__,
			    sqlstate);
		http_reply_error(req, 503, "unavailable",
		    "The database is not available; nothing was changed. "
		    "Try again shortly.");
		return;
	}
	if (status == STORE_UNKNOWN) {
		http_reply_error(req, 503, "outcome_unknown",
		    "The database did not answer in time; the change may "
		    "have been made. Check before trying again.");
		return;
	}
	if (sqlstate == NULL)
		sqlstate = "";
	if (strcmp(sqlstate, "MP020") == 0)
		http_reply_error(req, 404, "not_found", "No such case.");
	else if (strcmp(sqlstate, "MP021") == 0)
		http_reply_error(req, 409, "transition_not_allowed",
		    "That state change is not allowed from the current state.");
	else if (strcmp(sqlstate, "MP003") == 0)
		http_reply_error(req, 409, "key_changed",
		    "The target queue's key changed; try again.");
	else if (strcmp(sqlstate, "MP007") == 0)
		/* daemon/casetext.c: no case key to seal staff text under. */
		http_reply_error(req, 409, "no_case_key",
		    "This case's key is not available (a case stored before "
		    "migration 0050 gets one at the next meldctl epoch rotate, "
		    "or the epoch key file is missing).");
	else if (strncmp(sqlstate, "22", 2) == 0 ||
	    strncmp(sqlstate, "23", 2) == 0 || strcmp(sqlstate, "MP005") == 0)
		http_reply_error(req, 400, "bad_request",
		    "A value was refused.");
	else {
		log_warnx("%s: query failed, sqlstate %s", __func__, sqlstate);
		http_reply_error(req, 500, "internal", "Internal error.");
	}
}

struct sreq {
	struct http_request	*sr_req;
	ssession_cb		 sr_cb;
	void			*sr_arg;
	struct ssession		*sr_s;
};

static void
ssession_require_done(int st, const char *sqlstate, PGresult **res, int n,
    void *arg)
{
	struct sreq	*r = arg;

	(void)res;
	(void)n;
	if (st != STORE_OK)
		ssession_reply_error(r->sr_req, st, sqlstate);
	else
		r->sr_cb(r->sr_req, r->sr_s, r->sr_arg);
	ssession_unref(r->sr_s);
	free(r);
}

void
ssession_require(struct http_request *req, int kinds, ssession_cb cb,
    void *arg)
{
	struct ssession	*s;
	struct sreq	*r;

	if ((s = ssession_auth(req, kinds)) == NULL)
		return;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	r->sr_req = req;
	r->sr_cb = cb;
	r->sr_arg = arg;
	r->sr_s = s;
	ssession_ref(s);
	if (ssession_exec(s, NULL, 0, ssession_require_done, r) == -1) {
		ssession_unref(s);
		free(r);
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
	}
}

/* ------------------------------------------------------------ limiter */

static struct limiter_slot *
limiter_slot(const unsigned char *tag, int create)
{
	struct limiter_slot	*old = &ss.slots[0];
	time_t			 now = mono_now();
	size_t			 i;

	for (i = 0; i < LIMITER_SLOTS; i++) {
		struct limiter_slot *l = &ss.slots[i];

		if (l->ls_start != 0 && memcmp(l->ls_tag, tag,
		    HTTP_PEER_TAG_LEN) == 0) {
			if (now - l->ls_start >= LIMITER_WINDOW) {
				l->ls_start = now;
				l->ls_fails = 0;
			}
			return (l);
		}
		if (l->ls_start < old->ls_start)
			old = l;
	}
	if (!create)
		return (NULL);
	/* Full: reuse the oldest window (an attacker rotating sources gains
	 * nothing the per-account backoff does not already stop). */
	memcpy(old->ls_tag, tag, HTTP_PEER_TAG_LEN);
	old->ls_start = now;
	old->ls_fails = 0;
	return (old);
}

/* 0, or the seconds until this source's window ends (for Retry-After). */
static long
limiter_blocked(const unsigned char *tag)
{
	struct limiter_slot	*l = limiter_slot(tag, 0);
	long			 left;

	if (l == NULL ||
	    l->ls_fails < ss.app->a_conf->c_login_fail_per_source)
		return (0);
	left = (long)(LIMITER_WINDOW - (mono_now() - l->ls_start));
	return (left > 0 ? left : 1);
}

static void
limiter_fail(const unsigned char *tag)
{
	struct limiter_slot	*l = limiter_slot(tag, 1);

	if (l != NULL)
		l->ls_fails++;
}

/* ------------------------------------------------------------ login */

struct login {
	struct http_request	*l_req;
	unsigned char		 l_tag[HTTP_PEER_TAG_LEN];
	int			 l_hastag;
	char			 l_user[STAFFCRED_USER_MAX + 1];
	char			*l_pw;
	size_t			 l_pwlen;
	char			 l_code[16];
	/* step 1 */
	int			 l_known;
	struct secret_kdf	 l_kdf;
	unsigned char		 l_salt[64];
	size_t			 l_saltlen;
	/* step 2 */
	int			 l_ok;
	unsigned char		 l_proof[STAFFCRED_PROOF_LEN];
	unsigned char		 l_kek[STAFFCRED_KEK_LEN];
	/* step 3 */
	int			 l_uid;
	char			 l_kind[16];
	unsigned char		*l_totp_sealed;
	size_t			 l_totp_sealedlen;
	long long		 l_last_step;
	unsigned char		 l_pub[HPKE_MAX_PUB];
	size_t			 l_publen;
	unsigned char		*l_sk_sealed;
	size_t			 l_sk_sealedlen;
	/* step 4 */
	int			 l_totp_ok;
	int64_t			 l_step;
	struct secret		*l_sk;
	unsigned char		 l_token[TOKEN_LEN];
	unsigned char		 l_hash[SHA256_DIGEST_LENGTH];
	char			 l_hashhex[HASH_HEX_LEN + 1];
	/* step 5, 6 */
	int			 l_setup;	/* first sign-in steps due */
	size_t			 l_nwraps;
	struct ssession_qkey	*l_qkeys;
	unsigned char		(*l_wenc)[HPKE_MAX_ENC];
	size_t			*l_wenclen;
	unsigned char		(*l_wrapped)[STAFFCRED_WRAPPED_LEN];
	struct secret		*l_qsecrets;
	size_t			 l_nok;
	/* officers: [0] identity key, [1] contact-link key */
	int			 l_iwrap;	/* both wraps present */
	unsigned char		 l_ikid[STAFFCRED_KEYID_LEN];
	unsigned char		 l_iwenc[2][HPKE_MAX_ENC];
	size_t			 l_iwenclen[2];
	unsigned char		 l_iwrapped[2][STAFFCRED_WRAPPED_LEN];
	struct secret		*l_isecret;
	/* step 7: the new session (the list's; not a reference of ours) */
	struct ssession		*l_s;
};

static void
login_free(struct login *l)
{
	if (l == NULL)
		return;
	if (l->l_pw != NULL)
		OPENSSL_clear_free(l->l_pw, l->l_pwlen);
	free(l->l_totp_sealed);
	free(l->l_sk_sealed);
	secret_free(l->l_sk);
	secret_free(l->l_qsecrets);
	secret_free(l->l_isecret);
	free(l->l_qkeys);
	free(l->l_wenc);
	free(l->l_wenclen);
	free(l->l_wrapped);
	OPENSSL_cleanse(l, sizeof(*l));
	free(l);
}

static void
login_refuse(struct login *l)
{
	if (l->l_hastag)
		limiter_fail(l->l_tag);
	http_reply_error(l->l_req, 401, "login_failed",
	    "Login failed: the user name, password or code is wrong, or there "
	    "were too many attempts. Wait a little and try again.");
	login_free(l);
}

static void
login_unavailable(struct login *l)
{
	http_reply_error(l->l_req, 503, "unavailable",
	    "The service is busy; try again shortly.");
	login_free(l);
}

/* A login step's statement failed: the log says which (SQLSTATE only),
 * the client gets 503. */
static void
login_db_error(struct login *l, const char *fn, const char *what,
    const char *sqlstate)
{
	log_warnx("%s: %s failed, sqlstate %s", fn, what, sqlstate);
	login_unavailable(l);
}

static int
bytea_into(const PGresult *res, int row, int col, unsigned char *buf,
    size_t bufsz, size_t *len)
{
	unsigned char	*b;
	size_t		 n;

	if ((b = store_bytea_dup(res, row, col, &n)) == NULL || n > bufsz) {
		free(b);
		return (-1);
	}
	memcpy(buf, b, n);
	*len = n;
	free(b);
	return (0);
}

/*
 * Steps that login and the password change share.  Both derive a proof
 * and a key-sealing key from a password with the user's salt and costs
 * (casework.login_salt), have the database check the proof
 * (casework.login_check), check the TOTP code against the sealed secret,
 * and count a wrong code like a wrong password (casework.login_failed).
 */

/* casework.login_salt(user); p (one element) must outlive st. */
static void
salt_stmt(struct store_stmt *st, const char **p, const char *user)
{
	memset(st, 0, sizeof(*st));
	p[0] = user;
	st->st_sql = "SELECT pw_salt, pw_m_kib, pw_t, pw_p "
	    "FROM casework.login_salt($1)";
	st->st_nparams = 1;
	st->st_values = p;
}

/* The Argon2id costs of a login_salt() row: columns 1 to 3. */
static void
kdf_from_row(struct secret_kdf *k, const PGresult *r)
{
	k->k_m_kib = (uint32_t)strtoul(PQgetvalue(r, 0, 1), NULL, 10);
	k->k_t = (uint32_t)strtoul(PQgetvalue(r, 0, 2), NULL, 10);
	k->k_p = (uint32_t)strtoul(PQgetvalue(r, 0, 3), NULL, 10);
}

/* Worker: Argon2id(pw, salt) -> proof and key-sealing key; 1 when it
 * worked.  The password is wiped here either way: nothing after this
 * step needs it. */
static int
password_derive(const struct secret_kdf *k, char *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen, unsigned char *proof,
    unsigned char *kek)
{
	int	ok;

	ok = staffcred_derive(k, pw, pwlen, salt, saltlen, proof, kek) == 0;
	OPENSSL_cleanse(pw, pwlen);
	return (ok);
}

static const int proof_lens[2] = { 0, STAFFCRED_PROOF_LEN };
static const int proof_fmts[2] = { 0, 1 };

/* casework.login_check(user, proof) with the caller's column list;
 * v (two elements) must outlive st.  The proof goes as binary. */
static void
check_stmt(struct store_stmt *st, const char *sql, const char **v,
    const char *user, const unsigned char *proof)
{
	memset(st, 0, sizeof(*st));
	v[0] = user;
	v[1] = (const char *)proof;
	st->st_sql = sql;
	st->st_nparams = 2;
	st->st_values = v;
	st->st_lengths = proof_lens;
	st->st_formats = proof_fmts;
}

/* Worker: open the sealed TOTP secret and check code; 1 when the code
 * is right and its step newer than last_step (no replay).  The opened
 * secret is wiped before return. */
static int
totp_check(const char *user, const unsigned char *sealed, size_t sealedlen,
    const char *code, long long last_step, int64_t *step)
{
	struct secret	*totp = NULL;
	int		 ok = 0;

	if (staffcred_open(ss.totp_key->s_buf, "totp", user, sealed,
	    sealedlen, &totp) == 0 && totp_verify(totp->s_buf, totp->s_len,
	    code, time(NULL), 1, step) == 0 && *step > last_step)
		ok = 1;
	secret_free(totp);
	return (ok);
}

/* casework.login_failed(user): a wrong code counts against the account
 * like a wrong password.  -1 when it could not be queued. */
static int
count_failure(const char *user, store_cb cb, void *arg)
{
	struct store_stmt	 st;
	const char		*p[1] = { user };

	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT casework.login_failed($1)";
	st.st_nparams = 1;
	st.st_values = p;
	return (store_exec(ss.app->a_store, &st, 1, cb, arg) == NULL ? -1 : 0);
}

static void login_unwrap_work(void *);
static void login_unwrap_done(void *);
static void login_reply(void *);

/*
 * An officer's identity and contact-link wraps (casework.identity_wraps(),
 * rows ordered contact_link, identity); l_iwrap stays 0 unless both are
 * there and well-formed.
 */
static void
login_identity_wraps(struct login *l, const PGresult *w)
{
	size_t	len;
	int	i, k, seen = 0;

	for (i = 0; i < PQntuples(w) && i < 2; i++) {
		k = strcmp(PQgetvalue(w, i, 0), "identity") == 0 ? 0 : 1;
		if (staffcred_key_id_parse(PQgetvalue(w, i, 1), l->l_ikid) ==
		    -1 || bytea_into(w, i, 2, l->l_iwenc[k], HPKE_MAX_ENC,
		    &l->l_iwenclen[k]) == -1 || bytea_into(w, i, 3,
		    l->l_iwrapped[k], STAFFCRED_WRAPPED_LEN, &len) == -1 ||
		    len != STAFFCRED_WRAPPED_LEN)
			return;
		seen |= 1 << k;
	}
	l->l_iwrap = seen == 3;
}

static void
login_created(enum store_status st, const char *sqlstate, PGresult **res,
    int n, void *arg)
{
	struct login	*l = arg;
	PGresult	*w;
	size_t		 i, len;

	(void)n;
	if (st != STORE_OK) {
		login_db_error(l, __func__, "session_create", sqlstate);
		return;
	}
	if (strcmp(PQgetvalue(res[0], 0, 0), "ok") != 0) {
		login_refuse(l);	/* replay, backoff, or the proof */
		return;
	}
	w = res[2];
	l->l_nwraps = (size_t)PQntuples(w);
	if (l->l_nwraps > MAX_QKEYS)
		l->l_nwraps = MAX_QKEYS;
	if (l->l_nwraps > 0 &&
	    ((l->l_qkeys = calloc(l->l_nwraps, sizeof(*l->l_qkeys))) == NULL ||
	    (l->l_wenc = calloc(l->l_nwraps, sizeof(*l->l_wenc))) == NULL ||
	    (l->l_wenclen = calloc(l->l_nwraps, sizeof(size_t))) == NULL ||
	    (l->l_wrapped = calloc(l->l_nwraps, sizeof(*l->l_wrapped))) ==
	    NULL)) {
		login_unavailable(l);
		return;
	}
	login_identity_wraps(l, res[3]);
	if (PQntuples(res[4]) == 1)
		l->l_setup =
		    (strcmp(PQgetvalue(res[4], 0, 0), "t") == 0 ?
		    SSESSION_DUE_PASSWORD : 0) |
		    (strcmp(PQgetvalue(res[4], 0, 1), "t") == 0 ?
		    SSESSION_DUE_TOTP : 0);
	for (i = 0; i < l->l_nwraps; i++) {
		snprintf(l->l_qkeys[i].qk_id, sizeof(l->l_qkeys[i].qk_id),
		    "%s", PQgetvalue(w, (int)i, 0));
		l->l_qkeys[i].qk_queue = atoi(PQgetvalue(w, (int)i, 1));
		if (bytea_into(w, (int)i, 2, l->l_wenc[i], HPKE_MAX_ENC,
		    &l->l_wenclen[i]) == -1 ||
		    bytea_into(w, (int)i, 3, l->l_wrapped[i],
		    STAFFCRED_WRAPPED_LEN, &len) == -1 ||
		    len != STAFFCRED_WRAPPED_LEN)
			l->l_wenclen[i] = 0;	/* skipped by the worker */
	}
	if (pool_submit(ss.app->a_pool, login_unwrap_work, login_unwrap_done,
	    l) == -1)
		login_unavailable(l);
}

static void
login_unwrap_work(void *arg)
{
	struct login	*l = arg;
	struct hpke_key	*sk = NULL, *pub = NULL;
	unsigned char	 rkid[STAFFCRED_KEYID_LEN], qkid[STAFFCRED_KEYID_LEN];
	size_t		 i;

	if (l->l_sk == NULL || (l->l_nwraps == 0 && !l->l_iwrap))
		return;
	if ((sk = hpke_key_from_private(HPKE_KEM_P256_SHA256,
	    l->l_sk->s_buf, l->l_sk->s_len)) == NULL ||
	    (pub = hpke_key_from_public(HPKE_KEM_P256_SHA256, l->l_pub,
	    l->l_publen)) == NULL || staffcred_key_id(pub, rkid) == -1)
		goto done;
	/* An officer's identity and contact-link keys, both or neither. */
	if (l->l_iwrap && ((l->l_isecret = secret_new_locked(2 *
	    STAFFCRED_SCALAR_LEN)) == NULL ||
	    staffcred_unwrap_officer_key(sk, 0, l->l_ikid, rkid,
	    l->l_iwenc[0], l->l_iwenclen[0], l->l_iwrapped[0],
	    STAFFCRED_WRAPPED_LEN, l->l_isecret->s_buf) == -1 ||
	    staffcred_unwrap_officer_key(sk, 1, l->l_ikid, rkid,
	    l->l_iwenc[1], l->l_iwenclen[1], l->l_iwrapped[1],
	    STAFFCRED_WRAPPED_LEN, l->l_isecret->s_buf +
	    STAFFCRED_SCALAR_LEN) == -1)) {
		secret_free(l->l_isecret);
		l->l_isecret = NULL;
	}
	if (l->l_nwraps == 0 || (l->l_qsecrets = secret_new_locked(
	    l->l_nwraps * STAFFCRED_SCALAR_LEN)) == NULL)
		goto done;
	for (i = 0; i < l->l_nwraps; i++) {
		unsigned char *dst = l->l_qsecrets->s_buf +
		    l->l_nok * STAFFCRED_SCALAR_LEN;

		if (l->l_wenclen[i] == 0 ||
		    staffcred_key_id_parse(l->l_qkeys[i].qk_id, qkid) == -1 ||
		    staffcred_unwrap_queue_key(sk, qkid, rkid, l->l_wenc[i],
		    l->l_wenclen[i], l->l_wrapped[i], STAFFCRED_WRAPPED_LEN,
		    dst) == -1)
			continue;
		/* Compact: keep only the keys that opened. */
		l->l_qkeys[l->l_nok++] = l->l_qkeys[i];
	}
 done:
	hpke_key_free(sk);
	hpke_key_free(pub);
}

static void
login_unwrap_done(void *arg)
{
	struct login	*l = arg;
	struct ssession	*s;
	time_t		 now = mono_now();

	if (l->l_nok < l->l_nwraps)
		log_warnx("%s: %zu of %zu queue keys did not open", __func__,
		    l->l_nwraps - l->l_nok, l->l_nwraps);
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		login_unavailable(l);
		return;
	}
	memcpy(s->ss_hash, l->l_hash, sizeof(s->ss_hash));
	memcpy(s->ss_hashhex, l->l_hashhex, sizeof(s->ss_hashhex));
	s->ss_uid = l->l_uid;
	snprintf(s->ss_user, sizeof(s->ss_user), "%s", l->l_user);
	snprintf(s->ss_kind, sizeof(s->ss_kind), "%s", l->l_kind);
	s->ss_kindbit = kind_bit(l->l_kind);
	s->ss_setup = l->l_setup;
	s->ss_qkeys = l->l_qkeys;
	l->l_qkeys = NULL;
	s->ss_nqkeys = l->l_nok;
	s->ss_qsecrets = l->l_qsecrets;
	l->l_qsecrets = NULL;
	if (l->l_iwrap && l->l_isecret == NULL)
		log_warnx("%s: the identity keys did not open", __func__);
	s->ss_isecret = l->l_isecret;
	l->l_isecret = NULL;
	memcpy(s->ss_ikid, l->l_ikid, sizeof(s->ss_ikid));
	s->ss_created = s->ss_last = now;
	s->ss_refs = 1;			/* the list's reference */
	TAILQ_INSERT_TAIL(&ss.list, s, ss_entry);
	ss.count++;
	/*
	 * The queue keys now in memory go to colleagues still waiting for
	 * them (keyshare.h) before the answer, so that whoever was added
	 * to a queue can open its cases as soon as this login returns.
	 */
	l->l_s = s;
	if (keyshare_start(ss.app, s, login_reply, l) == -1)
		login_reply(l);
}

/* Step 7: the session exists (l->l_s); answer 201 with the token. */
static void
login_reply(void *arg)
{
	struct login	*l = arg;
	struct ssession	*s = l->l_s;
	char		 tok[2 * TOKEN_LEN + 1];

	secret_hex_encode(l->l_token, TOKEN_LEN, tok);
	http_reply_json(l->l_req, 201, json_pack(
	    "{s:s,s:s,s:i,s:i,s:{s:s,s:s},s:b,s:b}",
	    "token", tok, "token_type", "Bearer",
	    "idle_timeout_s", ss.app->a_conf->c_session_idle_s,
	    "expires_in_s", ss.app->a_conf->c_session_absolute_s,
	    "user", "username", s->ss_user, "kind", s->ss_kind,
	    "password_change_required", (s->ss_setup & SSESSION_DUE_PASSWORD) != 0,
	    "totp_enrolment_required", (s->ss_setup & SSESSION_DUE_TOTP) != 0));
	OPENSSL_cleanse(tok, sizeof(tok));
	login_free(l);
}

static void
login_failed_done(enum store_status st, const char *sqlstate,
    PGresult **res, int n, void *arg)
{
	(void)st;
	(void)sqlstate;
	(void)res;
	(void)n;
	login_refuse(arg);
}

static void
login_verify_work(void *arg)
{
	struct login	*l = arg;

	l->l_totp_ok = totp_check(l->l_user, l->l_totp_sealed,
	    l->l_totp_sealedlen, l->l_code, l->l_last_step, &l->l_step);
	if (!l->l_totp_ok)
		return;
	/* Accounts without a key pair (none is made today) log in keyless. */
	if (l->l_sk_sealed != NULL && staffcred_open(l->l_kek, "key",
	    l->l_user, l->l_sk_sealed, l->l_sk_sealedlen, &l->l_sk) == -1) {
		l->l_totp_ok = 0;
		return;
	}
	if (secret_random(l->l_token, sizeof(l->l_token)) == -1) {
		l->l_totp_ok = 0;
		return;
	}
	SHA256(l->l_token, sizeof(l->l_token), l->l_hash);
	secret_hex_encode(l->l_hash, sizeof(l->l_hash), l->l_hashhex);
}

static void
login_verify_done(void *arg)
{
	struct login		*l = arg;
	struct store_stmt	 st[5];
	const char		*p6[6], *ph[1];
	int			 lens[6] = { 0, STAFFCRED_PROOF_LEN, 0, 0, 0, 0 };
	int			 fmts[6] = { 0, 1, 0, 0, 0, 0 };
	char			 step[32], idle[32], abs[32];

	if (!l->l_totp_ok) {
		/* The answer is the same as for a wrong password. */
		if (count_failure(l->l_user, login_failed_done, l) == -1)
			login_refuse(l);
		return;
	}
	memset(st, 0, sizeof(st));
	snprintf(step, sizeof(step), "%lld", (long long)l->l_step);
	snprintf(idle, sizeof(idle), "%d seconds",
	    ss.app->a_conf->c_session_idle_s);
	snprintf(abs, sizeof(abs), "%d seconds",
	    ss.app->a_conf->c_session_absolute_s);
	p6[0] = l->l_user;
	p6[1] = (const char *)l->l_proof;
	p6[2] = step;
	p6[3] = l->l_hashhex;
	p6[4] = idle;
	p6[5] = abs;
	ph[0] = l->l_hashhex;
	st[0].st_sql = "SELECT casework.session_create($1, $2, $3::bigint, "
	    "pg_catalog.decode($4, 'hex'), $5::interval, $6::interval)";
	st[0].st_nparams = 6;
	st[0].st_values = p6;
	st[0].st_lengths = lens;
	st[0].st_formats = fmts;
	st[1].st_sql = "SELECT pg_catalog.set_config('meldpunt.session', $1, "
	    "true)";
	st[1].st_nparams = 1;
	st[1].st_values = ph;
	st[2].st_sql = "SELECT w.key_id, k.queue_id, w.enc, w.wrapped "
	    "FROM casework.queue_key_wraps w JOIN casework.queue_keys k "
	    "ON k.key_id = w.key_id ORDER BY k.queue_id, w.key_id";
	st[3].st_sql = "SELECT purpose, key_id, enc, wrapped "
	    "FROM casework.identity_wraps()";
	st[4].st_sql = "SELECT password, totp FROM casework.session_setup()";
	if (store_exec(ss.app->a_store, st, 5, login_created, l) == NULL)
		login_unavailable(l);
}

static void
login_checked(enum store_status st, const char *sqlstate, PGresult **res,
    int n, void *arg)
{
	struct login	*l = arg;
	PGresult	*r;

	(void)n;
	if (st != STORE_OK) {
		login_db_error(l, __func__, "login_check", sqlstate);
		return;
	}
	r = res[0];
	if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), "ok") != 0) {
		login_refuse(l);
		return;
	}
	l->l_uid = atoi(PQgetvalue(r, 0, 1));
	snprintf(l->l_kind, sizeof(l->l_kind), "%s", PQgetvalue(r, 0, 2));
	l->l_last_step = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
	l->l_totp_sealed = store_bytea_dup(r, 0, 3, &l->l_totp_sealedlen);
	l->l_sk_sealed = store_bytea_dup(r, 0, 7, &l->l_sk_sealedlen);
	if (l->l_totp_sealed == NULL || kind_bit(l->l_kind) == 0 ||
	    (l->l_sk_sealed != NULL && bytea_into(r, 0, 6, l->l_pub,
	    sizeof(l->l_pub), &l->l_publen) == -1)) {
		login_refuse(l);
		return;
	}
	if (pool_submit(ss.app->a_pool, login_verify_work, login_verify_done,
	    l) == -1)
		login_unavailable(l);
}

static void
login_derive_work(void *arg)
{
	struct login	*l = arg;

	l->l_ok = password_derive(&l->l_kdf, l->l_pw, l->l_pwlen, l->l_salt,
	    l->l_saltlen, l->l_proof, l->l_kek);
}

static void
login_derive_done(void *arg)
{
	struct login		*l = arg;
	struct store_stmt	 st;
	const char		*v[2];

	/*
	 * An unknown user still makes the login_check round trip (it answers
	 * "denied"), so the answer takes as long as for a wrong password and
	 * does not tell which user names exist.
	 */
	if (!l->l_ok) {
		login_refuse(l);
		return;
	}
	check_stmt(&st, "SELECT status, user_id, kind, totp_secret, "
	    "totp_last_step, kem_id, public_key, sealed_private_key "
	    "FROM casework.login_check($1, $2)", v, l->l_user, l->l_proof);
	if (store_exec(ss.app->a_store, &st, 1, login_checked, l) == NULL)
		login_unavailable(l);
}

static void
login_salted(enum store_status st, const char *sqlstate, PGresult **res,
    int n, void *arg)
{
	struct login	*l = arg;
	PGresult	*r;

	(void)n;
	if (st != STORE_OK) {
		login_db_error(l, __func__, "login_salt", sqlstate);
		return;
	}
	r = res[0];
	secret_kdf_default(&l->l_kdf);
	if (PQntuples(r) == 1 && bytea_into(r, 0, 0, l->l_salt,
	    sizeof(l->l_salt), &l->l_saltlen) == 0) {
		kdf_from_row(&l->l_kdf, r);
		l->l_known = secret_kdf_check(&l->l_kdf) == 0;
	}
	if (!l->l_known) {
		/* Unknown user: the same Argon2id work, then refuse. */
		secret_kdf_default(&l->l_kdf);
		memcpy(l->l_salt, ss.dummy_salt, sizeof(ss.dummy_salt));
		l->l_saltlen = sizeof(ss.dummy_salt);
	}
	if (pool_submit(ss.app->a_pool, login_derive_work, login_derive_done,
	    l) == -1)
		login_unavailable(l);
}

/* Parse {"username","password","totp"} (daemon/sparse.c); 0, or -1
 * after the 400. */
static int
login_parse(struct login *l)
{
	const unsigned char	*body;
	size_t			 len;
	struct sparse_login	 sl;
	struct sparse_err	 e;
	int			 rc = -1;

	body = http_req_body(l->l_req, &len);
	if (sparse_login(body, len, &sl, &e) == -1) {
		ssession_reply_sparse(l->l_req, &e);
		return (-1);
	}
	snprintf(l->l_user, sizeof(l->l_user), "%s", sl.sl_user);
	snprintf(l->l_code, sizeof(l->l_code), "%s", sl.sl_code);
	l->l_pwlen = sl.sl_pwlen;
	if ((l->l_pw = malloc(l->l_pwlen + 1)) == NULL)
		http_reply_error(l->l_req, 400, "bad_request", "Expected "
		    "{\"username\": ..., \"password\": ..., \"totp\": ...}.");
	else {
		memcpy(l->l_pw, sl.sl_pw, l->l_pwlen + 1);
		rc = 0;
	}
	sparse_login_clear(&sl);
	return (rc);
}

void
ssession_login(struct http_request *req, void *arg)
{
	struct login		*l;
	struct store_stmt	 st;
	const char		*p[1];
	char			 after[24];
	long			 wait;

	(void)arg;
	if (ss.totp_key == NULL) {
		http_reply_error(req, 503, "unavailable",
		    "Staff login is not configured (totp_seal_key).");
		return;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	l->l_req = req;
	l->l_hastag = http_req_peer_tag(req, l->l_tag) == 0;
	if (l->l_hastag && (wait = limiter_blocked(l->l_tag)) > 0) {
		/* When this source may try again: the rest of its window. */
		snprintf(after, sizeof(after), "%ld", wait);
		http_req_add_header(req, "Retry-After", after);
		http_reply_error(req, 429, "too_many_attempts",
		    "Too many failed logins from here; wait and try again.");
		login_free(l);
		return;
	}
	if (login_parse(l) == -1) {
		login_free(l);
		return;
	}
	salt_stmt(&st, p, l->l_user);
	if (store_exec(ss.app->a_store, &st, 1, login_salted, l) == NULL)
		login_unavailable(l);
}

/* ------------------------------------------------------------ logout, me */

struct slogout {
	struct http_request	*lo_req;
	struct ssession		*lo_s;
};

static void
logout_done(enum store_status st, const char *sqlstate, PGresult **res,
    int n, void *arg)
{
	struct slogout	*lo = arg;

	(void)res;
	(void)n;
	if (st != STORE_OK) {
		log_warnx("%s: session_end failed, sqlstate %s", __func__,
		    sqlstate);
		http_reply_error(lo->lo_req, 503, "unavailable",
		    "The database is not reachable; try again shortly.");
	} else
		http_reply_json(lo->lo_req, 200, json_pack("{s:s}", "status",
		    "logged_out"));
	ssession_unref(lo->lo_s);
	free(lo);
}

void
ssession_logout(struct http_request *req, void *arg)
{
	struct ssession		*s;
	struct slogout		*lo;
	struct store_stmt	 st;
	const char		*p[1];

	(void)arg;
	if ((s = ssession_auth(req, SSESSION_ANY | SSESSION_SETUP)) == NULL)
		return;
	if ((lo = calloc(1, sizeof(*lo))) == NULL) {
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	lo->lo_req = req;
	lo->lo_s = s;
	ssession_ref(s);
	/* The keys go now, whatever the database says. */
	ssession_kill(s);
	memset(&st, 0, sizeof(st));
	p[0] = s->ss_hashhex;
	st.st_sql = "SELECT casework.session_end(pg_catalog.decode($1, 'hex'))";
	st.st_nparams = 1;
	st.st_values = p;
	if (store_exec(ss.app->a_store, &st, 1, logout_done, lo) == NULL) {
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
		ssession_unref(s);
		free(lo);
	}
}

struct sme {
	struct http_request	*me_req;
	struct ssession		*me_s;
};

static void
me_done(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct sme	*m = arg;
	json_t		*queues;
	int		 i;

	(void)n;
	if (st != STORE_OK)
		ssession_reply_error(m->me_req, st, sqlstate);
	else if ((queues = json_array()) == NULL)
		http_reply_error(m->me_req, 503, "unavailable",
		    "Out of memory.");
	else {
		for (i = 0; i < PQntuples(res[0]); i++)
			json_array_append_new(queues,
			    json_string(PQgetvalue(res[0], i, 0)));
		http_reply_json(m->me_req, 200,
		    json_pack("{s:s,s:s,s:o,s:i,s:i}",
		    "username", m->me_s->ss_user, "kind", m->me_s->ss_kind,
		    "queues", queues, "queue_keys_held",
		    (int)m->me_s->ss_nqkeys, "idle_timeout_s",
		    ss.app->a_conf->c_session_idle_s));
	}
	ssession_unref(m->me_s);
	free(m);
}

void
ssession_me(struct http_request *req, void *arg)
{
	struct ssession		*s;
	struct sme		*m;
	struct store_stmt	 st;

	(void)arg;
	if ((s = ssession_auth(req, SSESSION_ANY)) == NULL)
		return;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	m->me_req = req;
	m->me_s = s;
	ssession_ref(s);
	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT q.name FROM casework.queues q WHERE q.id = "
	    "ANY (casework.session_queues()) ORDER BY q.name";
	if (ssession_exec(s, &st, 1, me_done, m) == -1) {
		ssession_unref(s);
		free(m);
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
	}
}

/* ------------------------------------------------------------ password */

/*
 * POST /v1/staff/password {"old_password","new_password","totp"}: the
 * user changes her own password.  Steps, like login:
 *   1 loop    checks on the new password, login_salt() in the session
 *   2 worker  Argon2id(old password) -> old proof and key-sealing key
 *   3 loop    login_check(user, old proof): sealed TOTP secret and key
 *   4 worker  TOTP code checked; the private key opened with the old
 *             key-sealing key and sealed again under the one derived
 *             (second Argon2id, new salt, same costs) from the new
 *             password; the new verifier
 *   5 loop    password_change(...) re-checks the old proof, takes the
 *             TOTP step, stores the new salt/verifier/sealed key, ends
 *             the user's other sessions and audits, in one transaction
 *   6 loop    the other sessions' keys are wiped here too; 200.
 * The key pair stays the same, so the queue keys wrapped to it (and
 * the keys this session holds) stay valid.  A wrong password, code or
 * replayed code gets one 403 answer and counts against the account like
 * a failed login.
 */

struct pwchange {
	struct http_request	*p_req;
	struct ssession		*p_s;
	char			*p_old, *p_new;
	size_t			 p_oldlen, p_newlen;
	char			 p_code[16];
	struct secret_kdf	 p_kdf;
	unsigned char		 p_salt[64];
	size_t			 p_saltlen;
	int			 p_ok;
	unsigned char		 p_proof[STAFFCRED_PROOF_LEN];
	unsigned char		 p_kek[STAFFCRED_KEK_LEN];
	unsigned char		*p_totp_sealed, *p_sk_sealed;
	size_t			 p_totp_sealedlen, p_sk_sealedlen;
	long long		 p_last_step;
	int64_t			 p_step;
	int			 p_totp_ok;
	/* step 4 output */
	unsigned char		 p_nsalt[STAFFCRED_SALT_LEN];
	unsigned char		 p_nver[SHA256_DIGEST_LENGTH];
	unsigned char		*p_nsealed;
	size_t			 p_nsealedlen;
	/* POST /v1/staff/key/rotate: the same chain, a new key pair
	 * instead of a new password (keyrotate.h). */
	int			 p_rotate;
	struct keyrotate	*p_kr;
};

static void
pwchange_free(struct pwchange *p)
{
	if (p == NULL)
		return;
	if (p->p_old != NULL)
		OPENSSL_clear_free(p->p_old, p->p_oldlen + 1);
	if (p->p_new != NULL)
		OPENSSL_clear_free(p->p_new, p->p_newlen + 1);
	free(p->p_totp_sealed);
	free(p->p_sk_sealed);
	free(p->p_nsealed);
	keyrotate_free(p->p_kr);
	if (p->p_s != NULL)
		ssession_unref(p->p_s);
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
}

static void
pw_refuse(struct pwchange *p)
{
	http_reply_error(p->p_req, 403, "credentials_refused",
	    "The current password or the code is wrong, or there were too "
	    "many attempts. Wait a little and try again.");
	pwchange_free(p);
}

static void
pw_busy(struct pwchange *p)
{
	http_reply_error(p->p_req, 503, "unavailable",
	    "The service is busy; try again shortly.");
	pwchange_free(p);
}

static void
pw_store_error(struct pwchange *p, int st, const char *sqlstate)
{
	ssession_reply_error(p->p_req, st, sqlstate);
	pwchange_free(p);
}

/* Parse and check the body (daemon/sparse.c); -1 after a 400. */
static int
pw_parse(struct pwchange *p)
{
	const unsigned char	*body;
	size_t			 len;
	struct sparse_password	 sp;
	struct sparse_err	 e;
	int			 rc = -1;

	body = http_req_body(p->p_req, &len);
	if (sparse_password(body, len, p->p_s->ss_user, &sp, &e) == -1) {
		ssession_reply_sparse(p->p_req, &e);
		return (-1);
	}
	p->p_oldlen = strlen(sp.sp_old);
	p->p_newlen = strlen(sp.sp_new);
	if ((p->p_old = strdup(sp.sp_old)) == NULL ||
	    (p->p_new = strdup(sp.sp_new)) == NULL)
		http_reply_error(p->p_req, 503, "unavailable",
		    "Out of memory.");
	else {
		snprintf(p->p_code, sizeof(p->p_code), "%s", sp.sp_code);
		rc = 0;
	}
	sparse_password_clear(&sp);
	return (rc);
}

static void
pw_changed(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct pwchange	*p = arg;
	struct ssession	*s, *next;
	int		 ended = 0;

	if (st != STORE_OK) {
		pw_store_error(p, st, sqlstate);
		return;
	}
	if (n == 1 && PQntuples(res[0]) == 1 &&
	    strcmp(PQgetvalue(res[0], 0, 0), "stale") == 0) {
		http_reply_error(p->p_req, 409, "keys_changed", "A key was "
		    "wrapped to you after this session signed in, so it "
		    "cannot re-wrap it: sign in again and retry.");
		pwchange_free(p);
		return;
	}
	if (n < 1 || PQntuples(res[0]) != 1 ||
	    strcmp(PQgetvalue(res[0], 0, 0), "ok") != 0) {
		pw_refuse(p);
		return;
	}
	ssession_setup_done(p->p_s, SSESSION_DUE_PASSWORD);
	/* The database ended the other sessions; their keys go now. */
	for (s = TAILQ_FIRST(&ss.list); s != NULL; s = next) {
		next = TAILQ_NEXT(s, ss_entry);
		if (s != p->p_s && s->ss_uid == p->p_s->ss_uid) {
			ssession_kill(s);
			ended++;
		}
	}
	if (p->p_rotate)
		http_reply_json(p->p_req, 200, json_pack("{s:s,s:s,s:i,s:i,"
		    "s:i}", "status", "key_rotated", "key_id",
		    keyrotate_key_id(p->p_kr), "queue_keys",
		    keyrotate_nqueue(p->p_kr), "identity_keys",
		    keyrotate_nidentity(p->p_kr), "other_sessions_ended",
		    ended));
	else
		http_reply_json(p->p_req, 200, json_pack("{s:s,s:i}", "status",
		    "password_changed", "other_sessions_ended", ended));
	pwchange_free(p);
}

static void
pw_failed_done(enum store_status st, const char *sqlstate, PGresult **res,
    int n, void *arg)
{
	(void)st;
	(void)sqlstate;
	(void)res;
	(void)n;
	pw_refuse(arg);
}

/* Worker: check the code, re-seal the private key, derive the new
 * verifier. */
static void
pw_reseal_work(void *arg)
{
	struct pwchange		*p = arg;
	struct secret		*sk = NULL;
	unsigned char		 proof[STAFFCRED_PROOF_LEN];
	unsigned char		 kek[STAFFCRED_KEK_LEN];

	p->p_totp_ok = totp_check(p->p_s->ss_user, p->p_totp_sealed,
	    p->p_totp_sealedlen, p->p_code, p->p_last_step, &p->p_step);
	p->p_ok = 0;
	if (!p->p_totp_ok)
		goto done;
	if (p->p_sk_sealed != NULL && staffcred_open(p->p_kek, "key",
	    p->p_s->ss_user, p->p_sk_sealed, p->p_sk_sealedlen, &sk) == -1)
		goto done;
	if (p->p_rotate) {
		/* The stored key opened: the new one goes under the same
		 * password, the held keys are wrapped to it. */
		p->p_ok = keyrotate_make(p->p_kr, p->p_s->ss_user,
		    p->p_kek) == 0;
		goto done;
	}
	if (secret_random(p->p_nsalt, sizeof(p->p_nsalt)) == -1 ||
	    staffcred_derive(&p->p_kdf, p->p_new, p->p_newlen, p->p_nsalt,
	    sizeof(p->p_nsalt), proof, kek) == -1)
		goto done;
	SHA256(proof, sizeof(proof), p->p_nver);
	if (sk != NULL && staffcred_seal(kek, "key", p->p_s->ss_user,
	    sk->s_buf, sk->s_len, &p->p_nsealed, &p->p_nsealedlen) == -1)
		goto done;
	p->p_ok = 1;
 done:
	OPENSSL_cleanse(proof, sizeof(proof));
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(p->p_kek, sizeof(p->p_kek));
	if (p->p_new != NULL)
		OPENSSL_cleanse(p->p_new, p->p_newlen);
	secret_free(sk);
}

static void
pw_reseal_done(void *arg)
{
	struct pwchange		*p = arg;
	struct store_stmt	 st;
	const char		*v[8];
	int			 lens[8] = { STAFFCRED_PROOF_LEN, 0,
				    STAFFCRED_SALT_LEN, 0, 0, 0,
				    SHA256_DIGEST_LENGTH, 0 };
	int			 fmts[8] = { 1, 0, 1, 0, 0, 0, 1, 1 };
	char			 step[32], m[16], t[16], pp[16];

	if (!p->p_totp_ok) {
		if (count_failure(p->p_s->ss_user, pw_failed_done, p) == -1)
			pw_refuse(p);
		return;
	}
	if (!p->p_ok) {
		log_warnx("%s: the private key could not be re-sealed",
		    __func__);
		http_reply_error(p->p_req, 500, "internal", "Internal error.");
		pwchange_free(p);
		return;
	}
	if (p->p_rotate) {
		if (keyrotate_stmt(p->p_kr, p->p_proof, sizeof(p->p_proof),
		    (long long)p->p_step, &st) == -1 ||
		    ssession_exec(p->p_s, &st, 1, pw_changed, p) == -1)
			pw_busy(p);
		return;
	}
	memset(&st, 0, sizeof(st));
	snprintf(step, sizeof(step), "%lld", (long long)p->p_step);
	snprintf(m, sizeof(m), "%u", p->p_kdf.k_m_kib);
	snprintf(t, sizeof(t), "%u", p->p_kdf.k_t);
	snprintf(pp, sizeof(pp), "%u", p->p_kdf.k_p);
	v[0] = (const char *)p->p_proof;
	v[1] = step;
	v[2] = (const char *)p->p_nsalt;
	v[3] = m;
	v[4] = t;
	v[5] = pp;
	v[6] = (const char *)p->p_nver;
	v[7] = (const char *)p->p_nsealed;	/* NULL: no key pair */
	lens[7] = (int)p->p_nsealedlen;
	st.st_sql = "SELECT casework.password_change($1, $2::bigint, $3, "
	    "$4::integer, $5::integer, $6::integer, $7, $8)";
	st.st_nparams = 8;
	st.st_values = v;
	st.st_lengths = lens;
	st.st_formats = fmts;
	if (ssession_exec(p->p_s, &st, 1, pw_changed, p) == -1)
		pw_busy(p);
}

static void
pw_checked(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct pwchange	*p = arg;
	PGresult	*r;

	if (st != STORE_OK) {
		pw_store_error(p, st, sqlstate);
		return;
	}
	r = res[0];
	if (n < 1 || PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0),
	    "ok") != 0 || atoi(PQgetvalue(r, 0, 1)) != p->p_s->ss_uid) {
		pw_refuse(p);
		return;
	}
	p->p_last_step = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	p->p_totp_sealed = store_bytea_dup(r, 0, 3, &p->p_totp_sealedlen);
	p->p_sk_sealed = store_bytea_dup(r, 0, 4, &p->p_sk_sealedlen);
	if (p->p_totp_sealed == NULL) {
		pw_refuse(p);
		return;
	}
	if (p->p_rotate && p->p_sk_sealed == NULL) {
		http_reply_error(p->p_req, 409, "no_key_pair",
		    "This account has no key pair to rotate.");
		pwchange_free(p);
		return;
	}
	/* The keys this session holds, copied on the loop: the worker
	 * must not read the session. */
	if (p->p_rotate && (p->p_kr = keyrotate_snapshot(p->p_s)) == NULL) {
		pw_busy(p);
		return;
	}
	if (pool_submit(ss.app->a_pool, pw_reseal_work, pw_reseal_done,
	    p) == -1)
		pw_busy(p);
}

static void
pw_derive_work(void *arg)
{
	struct pwchange	*p = arg;

	p->p_ok = password_derive(&p->p_kdf, p->p_old, p->p_oldlen,
	    p->p_salt, p->p_saltlen, p->p_proof, p->p_kek);
}

static void
pw_derive_done(void *arg)
{
	struct pwchange		*p = arg;
	struct store_stmt	 st;
	const char		*v[2];

	if (!p->p_ok) {
		pw_refuse(p);
		return;
	}
	check_stmt(&st, "SELECT status, user_id, totp_last_step, totp_secret, "
	    "sealed_private_key FROM casework.login_check($1, $2)", v,
	    p->p_s->ss_user, p->p_proof);
	if (ssession_exec(p->p_s, &st, 1, pw_checked, p) == -1)
		pw_busy(p);
}

static void
pw_salted(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct pwchange	*p = arg;
	PGresult	*r;

	if (st != STORE_OK) {
		pw_store_error(p, st, sqlstate);
		return;
	}
	r = res[0];
	if (n < 1 || PQntuples(r) != 1 || bytea_into(r, 0, 0, p->p_salt,
	    sizeof(p->p_salt), &p->p_saltlen) == -1) {
		pw_refuse(p);
		return;
	}
	/* The same costs as before: they are the administrator's choice
	 * (meldctl user add|reset-password --argon2). */
	kdf_from_row(&p->p_kdf, r);
	if (secret_kdf_check(&p->p_kdf) == -1) {
		log_warnx("%s: stored Argon2id costs out of range", __func__);
		http_reply_error(p->p_req, 500, "internal", "Internal error.");
		pwchange_free(p);
		return;
	}
	if (pool_submit(ss.app->a_pool, pw_derive_work, pw_derive_done,
	    p) == -1)
		pw_busy(p);
}

void
ssession_password(struct http_request *req, void *arg)
{
	struct ssession		*s;
	struct pwchange		*p;
	struct store_stmt	 st;
	const char		*v[1];

	(void)arg;
	if ((s = ssession_auth(req, SSESSION_ANY | SSESSION_SETUP)) == NULL)
		return;
	if (ss.totp_key == NULL) {
		http_reply_error(req, 503, "unavailable",
		    "Staff login is not configured (totp_seal_key).");
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	p->p_req = req;
	p->p_s = s;
	ssession_ref(s);
	if (pw_parse(p) == -1) {
		pwchange_free(p);
		return;
	}
	salt_stmt(&st, v, s->ss_user);
	if (ssession_exec(s, &st, 1, pw_salted, p) == -1)
		pw_busy(p);
}

/*
 * POST /v1/staff/key/rotate {"password","totp"}: the password change's
 * chain (above) with a new key pair in step 4 instead of a new password
 * -- sealed under the same password, every queue key (and an officer's
 * identity keys) the session holds wrapped to it -- and
 * casework.key_rotate() in step 5 (schema/0240_key_rotate.sql).
 */
void
ssession_key_rotate(struct http_request *req, void *arg)
{
	struct ssession		*s;
	struct pwchange		*p;
	struct store_stmt	 st;
	struct sparse_login	 sl;
	struct sparse_err	 e;
	const unsigned char	*body;
	size_t			 len;
	const char		*v[1];

	(void)arg;
	if ((s = ssession_auth(req, SSESSION_ANY)) == NULL)
		return;
	if (ss.totp_key == NULL) {
		http_reply_error(req, 503, "unavailable",
		    "Staff login is not configured (totp_seal_key).");
		return;
	}
	body = http_req_body(req, &len);
	if (sparse_key_rotate(body, len, &sl, &e) == -1) {
		ssession_reply_sparse(req, &e);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->p_old = strdup(sl.sl_pw)) == NULL) {
		free(p);
		sparse_login_clear(&sl);
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	p->p_oldlen = sl.sl_pwlen;
	snprintf(p->p_code, sizeof(p->p_code), "%s", sl.sl_code);
	sparse_login_clear(&sl);
	p->p_req = req;
	p->p_s = s;
	p->p_rotate = 1;
	ssession_ref(s);
	salt_stmt(&st, v, s->ss_user);
	if (ssession_exec(s, &st, 1, pw_salted, p) == -1)
		pw_busy(p);
}

/* ------------------------------------------------------------ init */

void
ssession_init(struct app *app)
{
	char		 err[256];
	struct timeval	 tv = { SWEEP_SECONDS, 0 };

	memset(&ss, 0, sizeof(ss));
	ss.app = app;
	TAILQ_INIT(&ss.list);
	if (secret_random(ss.dummy_salt, sizeof(ss.dummy_salt)) == -1)
		fatalx(1, "%s: no randomness", __func__);
	if (app->a_conf->c_totp_seal_key == NULL)
		log_warnx("totp_seal_key is not set: staff logins are refused");
	else if ((ss.totp_key = keyfile_read(app->a_conf->c_totp_seal_key,
	    KEYFILE_TOTP_SEAL, KEYFILE_SECRET, STAFFCRED_SEAL_KEY_LEN, 1, err,
	    sizeof(err))) == NULL)
		fatalx(78, "totp_seal_key: %s", err);
	else if (!secret_is_locked(ss.totp_key))
		log_warnx("mlock refused: session keys are not locked in "
		    "memory (raise RLIMIT_MEMLOCK / LimitMEMLOCK=)");
	if ((ss.sweep = event_new(app->a_base, -1, EV_PERSIST, ssession_sweep,
	    NULL)) == NULL || event_add(ss.sweep, &tv) == -1)
		fatalx(1, "%s: cannot arm the session sweep", __func__);
}

void
ssession_free(void)
{
	struct ssession	*s;

	while ((s = TAILQ_FIRST(&ss.list)) != NULL)
		ssession_kill(s);
	if (ss.sweep != NULL)
		event_free(ss.sweep);
	secret_free(ss.totp_key);
	OPENSSL_cleanse(&ss, sizeof(ss));
}
