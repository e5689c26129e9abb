/*
 * Reporter-facing endpoints (the public role): the route table, start-up
 * (key files, forms self-check, sessions, limiter), GET /v1/forms, and
 * the timer that keeps the published keys current.  Each handler
 * validates its input completely before anything is stored, answers
 * every refusal with a 4xx JSON error in the reporter's language, and
 * never logs what a reporter sent.  Submission is in submit.c, the
 * reporter's inbox in inbox.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/keyfile.h"
#include "crypto/manifest.h"
#include "crypto/receipt.h"
#include "daemon/admit.h"
#include "daemon/app.h"
#include "daemon/config.h"
#include "forms/forms.h"
#include "daemon/health.h"
#include "daemon/http.h"
#include "forms/i18n.h"
#include "forms/trust.h"
#include "daemon/log.h"
#include "daemon/public.h"
#include "daemon/powpub.h"
#include "daemon/public_state.h"
#include "daemon/rparse.h"
#include "daemon/pubkeys.h"
#include "daemon/ratelimit.h"
#include "daemon/rsession.h"
#include "daemon/store.h"

#define RATELIMIT_CAPACITY	65536

static void	public_forms(struct http_request *, void *);

static const struct http_route routes[] = {
	{ HTTP_GET, "/healthz", health_healthz, 0 },
	{ HTTP_GET, "/readyz", health_readyz, 0 },
	{ HTTP_GET, "/v1/forms", public_forms, 0 },
	{ HTTP_GET, "/v1/challenge", powpub_challenge, 0 },
	{ HTTP_POST, "/v1/reports", submit_handle, HTTP_ROUTE_JSON_BODY },
	{ HTTP_POST, "/v1/reporter/session", inbox_login,
	    HTTP_ROUTE_JSON_BODY },
	{ HTTP_DELETE, "/v1/reporter/session", inbox_logout, 0 },
	{ HTTP_GET, "/v1/reporter/case", inbox_case, 0 },
	{ HTTP_POST, "/v1/reporter/messages", inbox_message,
	    HTTP_ROUTE_JSON_BODY },
	{ HTTP_POST, "/v1/reporter/attachments", attach_begin,
	    HTTP_ROUTE_JSON_BODY },
	{ HTTP_PUT, "/v1/reporter/attachments/chunk", attach_chunk,
	    HTTP_ROUTE_BINARY_BODY },
	{ HTTP_POST, "/v1/reporter/attachments/commit", attach_commit,
	    HTTP_ROUTE_JSON_BODY },
};

const struct http_route *
public_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return (routes);
}

void
public_error(struct http_request *req, int status, const char *code,
    const char *field, enum i18n_lang lang, int retry_after)
{
	public_error_label(req, status, code, field, NULL, lang, retry_after);
}

void
public_error_label(struct http_request *req, int status, const char *code,
    const char *field, const char *label, enum i18n_lang lang,
    int retry_after)
{
	json_t		*err;
	const char	*msg;
	char		 key[64], ra[16], *named = NULL;

	snprintf(key, sizeof(key), "error.%s", code);
	if ((msg = i18n_msg(key, lang)) == NULL)
		msg = i18n_msg("error.invalid_field", lang);
	if (status == 503 || status == 429) {
		snprintf(ra, sizeof(ra), "%d", retry_after > 0 ?
		    retry_after : 1);
		http_req_add_header(req, "Retry-After", ra);
	}
	/* The label is the form's own text, never what the client sent. */
	if (label != NULL && field != NULL &&
	    asprintf(&named, "%s — %s", label, msg) == -1)
		named = NULL;
	err = json_pack("{s:s,s:s}", "code", code, "message",
	    named != NULL ? named : msg);
	free(named);
	if (err != NULL && field != NULL)
		json_object_set_new(err, "field", json_string(field));
	if (err != NULL && field != NULL && label != NULL)
		json_object_set_new(err, "label", json_string(label));
	http_reply_json(req, status, json_pack("{s:o}", "error", err));
}

enum i18n_lang
public_lang(struct http_request *req)
{
	return (i18n_accept(http_req_header(req, "accept-language")));
}

/* {"key_id","suite":{...},"public_key"} */
static json_t *
public_key_json(const struct pubkey *k)
{
	char	*b64 = NULL;
	json_t	*j;

	if (secret_b64_encode(k->pk_pub, k->pk_publen, &b64, NULL) == -1)
		return (NULL);
	j = json_pack("{s:s,s:{s:i,s:i,s:i},s:s}", "key_id", k->pk_hex,
	    "suite", "kem", k->pk_suite.kem, "kdf", k->pk_suite.kdf, "aead",
	    k->pk_suite.aead, "public_key", b64);
	OPENSSL_free(b64);
	return (j);
}

static json_t *
public_cat_keys(const struct pubkeys_cat *kc)
{
	json_t	*j, *queues;
	size_t	 i;

	if ((queues = json_array()) == NULL ||
	    (j = json_pack("{s:o}", "queues", queues)) == NULL)
		return (NULL);
	for (i = 0; kc != NULL && i < kc->kc_n; i++) {
		const struct pubkey	*k = &kc->kc_keys[i];

		if (k->pk_purpose == PUBKEY_QUEUE)
			json_array_append_new(queues, public_key_json(k));
		else
			json_object_set_new(j, k->pk_purpose ==
			    PUBKEY_RECOVERY ? "recovery" : "identity",
			    public_key_json(k));
	}
	return (j);
}

/* The whole form in one language with keys, buckets and the suite. */
static json_t *
public_forms_json(struct public_state *ps, enum i18n_lang l)
{
	json_t	*j, *cats, *langs, *buckets;
	size_t	 i;

	if ((j = forms_to_json(l)) == NULL)
		return (NULL);
	cats = json_object_get(j, "categories");
	for (i = 0; i < json_array_size(cats); i++)
		json_object_set_new(json_array_get(cats, i), "keys",
		    public_cat_keys(pubkeys_cat(ps->ps_keys, (int)i)));
	langs = json_array();
	for (i = 0; i < I18N_NLANG; i++)
		json_array_append_new(langs, json_string(i18n_code(i)));
	buckets = json_array();
	for (i = 0; i < ENVELOPE_NBUCKETS; i++)
		json_array_append_new(buckets,
		    json_integer((json_int_t)envelope_buckets[i]));
	json_object_set_new(j, "lang", json_string(i18n_code(l)));
	json_object_set_new(j, "dir", json_string(i18n_dir(l)));
	json_object_set_new(j, "fallback", json_false());
	json_object_set_new(j, "languages", langs);
	json_object_set_new(j, "buckets", buckets);
	json_object_set_new(j, "envelope_version",
	    json_integer(ENVELOPE_VERSION));
	json_object_set(j, "key_manifest", ps->ps_mf_json != NULL ?
	    ps->ps_mf_json : json_null());
	json_object_set_new(j, "attachments",
	    attach_forms_json(ps->ps_app->a_conf));
	json_object_set_new(j, "suite", json_pack("{s:i,s:i,s:i}", "kem",
	    hpke_suite_default.kem, "kdf", hpke_suite_default.kdf, "aead",
	    hpke_suite_default.aead));
	/* Who runs this hotline and where else to turn (trust_file). */
	json_object_set_new(j, "trust", trust_to_json(ps->ps_trust, l));
	return (j);
}


static void
public_forms(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct public_state	*ps = app->a_public;
	enum i18n_lang		 l;
	json_t			*j;
	char			 want[17], *s;
	int			 asked;

	/* rparse.c: the pure part, fuzzed (tests/fuzz/fuzz_lang.c). */
	asked = rparse_query_lang(http_req_query(req), want, sizeof(want));
	l = asked ? I18N_DEFAULT : public_lang(req);
	if (ps->ps_keys == NULL) {
		public_error(req, 503, "unavailable", NULL, l, 1);
		return;
	}
	if (asked && i18n_parse(want, &l) == -1) {
		/* Unknown language: English, and say so. */
		l = I18N_DEFAULT;
		if ((j = public_forms_json(ps, l)) == NULL) {
			public_error(req, 500, "internal", NULL, l, 0);
			return;
		}
		json_object_set_new(j, "fallback", json_true());
		json_object_set_new(j, "requested", json_string(want));
		json_object_set_new(j, "notice",
		    json_string(i18n_msg("lang.fallback", l)));
		http_reply_json(req, 200, j);
		return;
	}
	if (ps->ps_forms[l] == NULL) {
		if ((j = public_forms_json(ps, l)) == NULL ||
		    (s = json_dumps(j, JSON_COMPACT)) == NULL) {
			json_decref(j);
			public_error(req, 500, "internal", NULL, l, 0);
			return;
		}
		json_decref(j);
		ps->ps_forms[l] = s;
		ps->ps_formslen[l] = strlen(s);
	}
	http_reply_raw(req, 200, "application/json", ps->ps_forms[l],
	    ps->ps_formslen[l], NULL);
}

static void
public_forms_flush(struct public_state *ps)
{
	size_t	 i;

	for (i = 0; i < I18N_NLANG; i++) {
		free(ps->ps_forms[i]);
		ps->ps_forms[i] = NULL;
	}
}

/*
 * The newest manifest row (version, body, hex signature) as the JSON
 * clients get, with its parse into *mp; NULL when there is no row or it
 * is not a manifest (then why says so).
 */
static json_t *
public_manifest_row(const PGresult *res, struct manifest **mp, char *why,
    size_t whylen)
{
	const char	*body, *hex;
	uint8_t		 sig[MANIFEST_SIG_LEN];
	char		*b64 = NULL, err[128];
	json_t		*j;

	*mp = NULL;
	if (PQntuples(res) != 1) {
		snprintf(why, whylen, "no key manifest has been signed (run "
		    "meldctl keys sign)");
		return (NULL);
	}
	body = PQgetvalue(res, 0, 1);
	hex = PQgetvalue(res, 0, 2);
	if (strlen(hex) != 2 * MANIFEST_SIG_LEN || secret_hex_decode(hex,
	    strlen(hex), sig, sizeof(sig)) == -1 ||
	    (*mp = manifest_parse(body, strlen(body), err,
	    sizeof(err))) == NULL ||
	    secret_b64_encode(sig, sizeof(sig), &b64, NULL) == -1) {
		snprintf(why, whylen, "the newest key manifest is malformed");
		manifest_free(*mp);
		*mp = NULL;
		return (NULL);
	}
	j = json_pack("{s:I,s:s,s:s}", "version",
	    (json_int_t)(*mp)->m_version, "text", body, "signature", b64);
	OPENSSL_free(b64);
	return (j);
}

/*
 * With a pinned signing key: 0 when m is signed by it (sig in j), not
 * expired, not older than a manifest accepted before, and covers every
 * key of k; else -1 with why.
 */
static int
public_manifest_check(struct public_state *ps, const struct manifest *m,
    json_t *j, const struct pubkeys *k, char *why, size_t whylen)
{
	const char	*text = json_string_value(json_object_get(j, "text"));
	const char	*b64 = json_string_value(json_object_get(j,
			    "signature"));
	unsigned char	*sig = NULL;
	size_t		 siglen = 0;
	int		 ok;

	if (secret_b64_decode(b64, strlen(b64), &sig, &siglen) == -1)
		return (-1);
	ok = siglen == MANIFEST_SIG_LEN && manifest_verify(ps->ps_mf_pk, text,
	    strlen(text), sig) == 0 && strcmp(m->m_signer,
	    ps->ps_mf_signer) == 0;
	OPENSSL_free(sig);
	if (!ok)
		snprintf(why, whylen, "the key manifest's signature does not "
		    "verify with manifest_public_key");
	else if (m->m_expires <= time(NULL))
		snprintf(why, whylen, "the key manifest has expired; sign a "
		    "new one (meldctl keys sign)");
	else if (m->m_version < ps->ps_mf_max)
		snprintf(why, whylen, "the key manifest (version %llu) is "
		    "older than one already accepted (%llu)",
		    (unsigned long long)m->m_version,
		    (unsigned long long)ps->ps_mf_max);
	else if (pubkeys_covered(k, m, why, whylen) == -1)
		strncat(why, "; sign a new one (meldctl keys sign)",
		    whylen - strlen(why) - 1);
	else
		return (0);
	return (-1);
}

/* Serve no keys until a manifest covers them again; say why once. */
static void
public_keys_withhold(struct public_state *ps, const char *why)
{
	if (ps->ps_keys != NULL || strcmp(why, ps->ps_keys_why) != 0)
		log_warnx("published keys withheld: %s", why);
	snprintf(ps->ps_keys_why, sizeof(ps->ps_keys_why), "%s", why);
	pubkeys_unref(ps->ps_keys);
	ps->ps_keys = NULL;
	public_forms_flush(ps);
}

/*
 * The current retention epoch's public key (docs/crypto.md §12): new case
 * keys are wrapped to it.  Without one, submissions answer 503 until
 * `meldctl init` or `meldctl epoch rotate` has made one.
 */
static void
public_epoch_loaded(struct public_state *ps, const PGresult *r)
{
	struct hpke_key	*k;
	unsigned char	*pub, cur[HPKE_MAX_PUB];
	size_t		 len, curlen = sizeof(cur);
	long		 e;

	if (PQntuples(r) != 1) {
		if (ps->ps_epoch != 0 || ps->ps_keys == NULL)
			log_warnx("%s: no current retention epoch: "
			    "submissions are refused", __func__);
		ps->ps_epoch = 0;
		return;
	}
	e = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	if (e <= 0 || e > 0x7fffffffL ||
	    (pub = store_bytea_dup(r, 0, 1, &len)) == NULL)
		return;
	/* Parsed (and the point validated) once per epoch, not once per
	 * submission: 0.1 ms of a submission's CPU. */
	if (ps->ps_epoch_key == NULL ||
	    hpke_key_public(ps->ps_epoch_key, cur, &curlen) == -1 ||
	    curlen != len || memcmp(cur, pub, len) != 0) {
		if ((k = hpke_key_from_public(HPKE_KEM_P256_SHA256, pub,
		    len)) == NULL) {
			log_warnx("%s: retention epoch %ld: its public key is "
			    "not a P-256 point: submissions are refused",
			    __func__, e);
			ps->ps_epoch = 0;
			free(pub);
			return;
		}
		hpke_key_free(ps->ps_epoch_key);
		ps->ps_epoch_key = k;
	}
	ps->ps_epoch = (uint32_t)e;
	free(pub);
}

static void
public_keys_done(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct public_state	*ps = arg;
	struct pubkeys		*k;
	struct manifest		*m = NULL;
	json_t			*mj;
	size_t			 skipped;
	char			 why[256];

	ps->ps_refreshing = 0;
	if (st != STORE_OK || nres != 3) {
		log_warnx("%s: cannot load published keys (%s)", __func__,
		    sqlstate[0] != '\0' ? sqlstate : "unavailable");
		return;
	}
	public_epoch_loaded(ps, res[2]);
	if ((k = pubkeys_from_result(res[0], &skipped)) == NULL)
		return;
	why[0] = '\0';
	mj = public_manifest_row(res[1], &m, why, sizeof(why));
	if (ps->ps_mf_pinned && (mj == NULL || public_manifest_check(ps, m,
	    mj, k, why, sizeof(why)) == -1)) {
		public_keys_withhold(ps, why);
		goto done;
	}
	if (ps->ps_keys_why[0] != '\0')
		log_info("published keys covered by the key manifest again");
	ps->ps_keys_why[0] = '\0';
	if (m != NULL && ps->ps_mf_pinned && m->m_version > ps->ps_mf_max)
		ps->ps_mf_max = m->m_version;
	/* Same key ids and the same manifest: keep the cached bodies. */
	if (pubkeys_same(k, ps->ps_keys) && (mj == NULL ?
	    ps->ps_mf_json == NULL : json_equal(mj, ps->ps_mf_json)))
		goto done;
	log_info("published keys loaded: %d rows, %zu not usable, manifest "
	    "version %llu%s", PQntuples(res[0]), skipped, m != NULL ?
	    (unsigned long long)m->m_version : 0ULL, ps->ps_mf_pinned ?
	    " (verified)" : " (not verified: no manifest_public_key)");
	pubkeys_unref(ps->ps_keys);
	ps->ps_keys = k;
	k = NULL;
	json_decref(ps->ps_mf_json);
	ps->ps_mf_json = mj;
	mj = NULL;
	public_forms_flush(ps);
 done:
	json_decref(mj);
	manifest_free(m);
	pubkeys_unref(k);
}

static void
public_refresh(struct public_state *ps)
{
	struct app		*app = ps->ps_app;
	const char		*params[1] = { pubkeys_categories_param() };
	struct store_stmt	 st[3] = {
		{ .st_sql = pubkeys_sql, .st_nparams = 1,
		  .st_values = params },
		{ .st_sql = "SELECT version, body, encode(signature, 'hex') "
		  "FROM intake.key_manifest()" },
		{ .st_sql = "SELECT epoch, public_key FROM "
		  "intake.epoch_current()" },
	};

	if (ps->ps_refreshing)
		return;
	if (store_exec(app->a_store, st, 3, public_keys_done, ps) != NULL)
		ps->ps_refreshing = 1;
}

const char *
public_not_ready(const struct app *app)
{
	const struct public_state	*ps = app->a_public;

	if (ps == NULL || ps->ps_keys_why[0] == '\0')
		return (NULL);
	return (ps->ps_keys_why);
}

/*
 * Erase submission records past submission_keep_s (0090_submissions.sql):
 * a retry is answered only within that time, and nothing is kept longer.
 * Fire and forget; the next tick tries again.
 */
static void
public_expire_submissions(struct public_state *ps)
{
	struct store_stmt	 st = { .st_sql =
	    "SELECT intake.submission_expire()" };

	(void)store_exec(ps->ps_app->a_store, &st, 1, NULL, NULL);
}

static void
public_timer(evutil_socket_t fd, short what, void *arg)
{
	struct public_state	*ps = arg;
	struct timeval		 tv;

	(void)fd;
	(void)what;
	public_refresh(ps);
	public_expire_submissions(ps);
	/* Until keys are loaded, retry every second. */
	tv.tv_sec = ps->ps_keys == NULL ? 1 :
	    ps->ps_app->a_conf->c_forms_refresh_s;
	tv.tv_usec = 0;
	evtimer_add(ps->ps_timer, &tv);
}

void
public_refresh_soon(struct public_state *ps)
{
	public_refresh(ps);
}

/* Key files: both or neither; a bad or exposed file stops start-up. */
static void
public_load_keys(struct public_state *ps, const struct config *c)
{
	char	 err[512];

	if (c->c_receipt_lookup_key == NULL) {
		if (c->c_contact_link_key != NULL)
			fatalx(EX_CONFIG, "config receipt_lookup_key: "
			    "required with contact_link_key");
		log_warnx("receipt_lookup_key is not set: submissions and "
		    "reporter logins answer 503 (run meldctl init)");
		return;
	}
	if (c->c_contact_link_key == NULL)
		fatalx(EX_CONFIG, "config contact_link_key: required with "
		    "receipt_lookup_key");
	if ((ps->ps_lookup_key = keyfile_read(c->c_receipt_lookup_key,
	    KEYFILE_RECEIPT_LOOKUP, KEYFILE_SECRET, RECEIPT_LOOKUP_KEY_LEN, 1,
	    err, sizeof(err))) == NULL)
		fatalx(EX_CONFIG, "config receipt_lookup_key: %s", err);
	if ((ps->ps_link_key = keyfile_read(c->c_contact_link_key,
	    KEYFILE_CONTACT_LINK, KEYFILE_SECRET, 32, 1, err,
	    sizeof(err))) == NULL)
		fatalx(EX_CONFIG, "config contact_link_key: %s", err);
}

/* The manifest-signing public key: from a file, never the database. */
static void
public_load_manifest_key(struct public_state *ps, const struct config *c)
{
	struct hpke_key	*k;
	struct secret	*s;
	char		 err[512];

	if (c->c_manifest_public_key == NULL) {
		log_warnx("manifest_public_key is not set: the key manifest is "
		    "served unverified and keys it does not cover are served "
		    "too (docs/crypto.md section 10)");
		return;
	}
	if ((s = keyfile_read(c->c_manifest_public_key,
	    KEYFILE_MANIFEST_SIGNING, KEYFILE_PUBLIC, MANIFEST_PK_LEN, 0, err,
	    sizeof(err))) == NULL)
		fatalx(EX_CONFIG, "config manifest_public_key: %s", err);
	memcpy(ps->ps_mf_pk, s->s_buf, MANIFEST_PK_LEN);
	secret_free(s);
	/* A point off the curve would make every manifest fail later. */
	if ((k = hpke_key_from_public(HPKE_KEM_P256_SHA256, ps->ps_mf_pk,
	    MANIFEST_PK_LEN)) == NULL ||
	    manifest_signer_id(ps->ps_mf_pk, ps->ps_mf_signer) == -1)
		fatalx(EX_CONFIG, "config manifest_public_key: not usable");
	hpke_key_free(k);
	ps->ps_mf_pinned = 1;
}

/*
 * The key that seals reporter-session tokens: a file shared by every
 * public process behind one balancer, or, without one, a random key of
 * this process (sessions then end when it exits, as a single process's
 * always did).  The proof-of-work challenge key is derived from the same
 * file (pow.h), so it is shared exactly when the sessions are.
 */
static void
public_session_key(struct public_state *ps, const struct config *c)
{
	struct secret	*k = NULL;
	char		 err[512];

	if (c->c_reporter_session_key != NULL && (k = keyfile_read(
	    c->c_reporter_session_key, KEYFILE_RSESSION, KEYFILE_SECRET,
	    RSESSION_KEY_LEN, 0, err, sizeof(err))) == NULL)
		fatalx(EX_CONFIG, "config reporter_session_key: %s", err);
	ps->ps_sessions = rsession_store_new(k != NULL ? k->s_buf : NULL,
	    c->c_reporter_session_ttl_s);
	powpub_init(ps, k != NULL ? k->s_buf : NULL, RSESSION_KEY_LEN);
	secret_free(k);
	if (ps->ps_sessions == NULL)
		fatalx(EX_OSERR, "out of memory");
}

void
public_init(struct app *app)
{
	struct public_state	*ps;
	const struct config	*c = app->a_conf;
	const char		*bad;
	char			 err[256];
	struct timeval		 now = { 0, 0 };

	if (forms_check(err, sizeof(err)) == -1)
		fatalx(EX_SOFTWARE, "forms: %s", err);
	if (i18n_check(&bad) == -1)
		fatalx(EX_SOFTWARE, "i18n: text %s incomplete", bad);
	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		fatalx(EX_OSERR, "out of memory");
	ps->ps_app = app;
	app->a_public = ps;
	/* config_check() has read and checked the file already. */
	ps->ps_trust = c->c_trust_file != NULL ? trust_load(c->c_trust_file,
	    err, sizeof(err)) : trust_default();
	if (ps->ps_trust == NULL)
		fatalx(EX_CONFIG, "config trust_file: %s", c->c_trust_file !=
		    NULL ? err : "compiled-in default refused");
	public_load_keys(ps, c);
	public_load_manifest_key(ps, c);
	ps->ps_kdf.k_m_kib = (uint32_t)c->c_receipt_argon2_m_kib;
	ps->ps_kdf.k_t = (uint32_t)c->c_receipt_argon2_t;
	ps->ps_kdf.k_p = (uint32_t)c->c_receipt_argon2_p;
	/* config_check() refused what the fast path cannot compute. */
	if (!secret_kdf_fast_ok(&ps->ps_kdf, RECEIPT_SALT_LEN, 32))
		fatalx(EX_CONFIG, "config receipt_argon2_p: must be 1");
	admit_calibrate(app, &ps->ps_kdf);
	public_session_key(ps, c);
	if ((ps->ps_limit = ratelimit_new(RATELIMIT_CAPACITY)) == NULL)
		fatalx(EX_OSERR, "out of memory");
	if (!rsession_locked(ps->ps_sessions))
		log_warnx("reporter session keys are not in locked memory "
		    "(raise RLIMIT_MEMLOCK / LimitMEMLOCK=)");
	if ((ps->ps_timer = evtimer_new(app->a_base, public_timer, ps)) ==
	    NULL || evtimer_add(ps->ps_timer, &now) == -1)
		fatalx(EX_OSERR, "cannot create timer");
}

void
public_free(struct app *app)
{
	struct public_state	*ps = app->a_public;

	if (ps == NULL)
		return;
	admit_report(app);
	if (ps->ps_timer != NULL)
		event_free(ps->ps_timer);
	public_forms_flush(ps);
	pubkeys_unref(ps->ps_keys);
	json_decref(ps->ps_mf_json);
	trust_free(ps->ps_trust);
	rsession_store_free(ps->ps_sessions);
	ratelimit_free(ps->ps_limit);
	pow_free(ps->ps_pow);
	secret_free(ps->ps_lookup_key);
	secret_free(ps->ps_link_key);
	hpke_key_free(ps->ps_epoch_key);
	free(ps);
	app->a_public = NULL;
}
