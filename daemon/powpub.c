/*
 * Proof of work on the public side (powpub.h; the mechanism and the
 * policy in pow.h).  GET /v1/challenge charges the asking source and
 * answers a challenge whose bits follow the Argon2id queue and that
 * source's recent challenges; POST /v1/reports passes powpub_gate()
 * first, which costs one HMAC and one SHA-256 and refuses before any
 * body parsing, key derivation, hash or database work.
 *
 * Retries (Idempotency-Key, idem.h).  A solution is spent once its
 * submission is admitted to the Argon2id queue, and a spent solution
 * never reaches the queue again.  A retry that carries an
 * Idempotency-Key and a solution that is genuine and solved but spent or
 * expired is answered from the submission record alone: the receipt of
 * the stored report (201), 409 for another body, or 428 pow_expired when
 * no record exists (nothing was stored: solve a new challenge and send
 * again with the same key).  So a reporter whose answer was lost learns
 * their receipt without new work, and one solution buys at most one
 * Argon2id hash and one stored report; the record reads it can buy are
 * charged to the source like challenges.
 *
 * Nothing about a request is logged or kept beyond the source score
 * (ratelimit.h) and the spent nonces.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "daemon/app.h"
#include "daemon/config.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/powpub.h"
#include "daemon/public_state.h"

#define POWPUB_SPENT_CAPACITY	65536

static double
powpub_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

uint64_t
powpub_wall(void)
{
	return ((uint64_t)time(NULL));
}

void
powpub_init(struct public_state *ps, const unsigned char *ikm, size_t ikmlen)
{
	const struct config	*c = ps->ps_app->a_conf;
	struct pow_policy	 pol;

	pol.pp_base = c->c_pow_base_bits;
	pol.pp_max = c->c_pow_max_bits;
	pol.pp_load_max = c->c_pow_load_max_bits;
	pol.pp_source_free = c->c_pow_source_free;
	pol.pp_source_per_bit = c->c_pow_source_per_bit;
	pol.pp_source_limit = c->c_pow_source_limit;
	pol.pp_ttl_s = c->c_pow_ttl_s;
	if ((ps->ps_pow = pow_new(ikm, ikmlen, &pol,
	    POWPUB_SPENT_CAPACITY)) == NULL)
		fatalx(EX_OSERR, "out of memory");
	if (!c->c_pow_required)
		log_warnx("pow_required is off: submissions need no proof of "
		    "work, and a flood from one address is not slowed");
}

/* The Argon2id queue's expected wait as a fraction of the request budget
 * (what admit.c leaves for the hash). */
static double
powpub_load(const struct app *app)
{
	double	 budget = app->a_conf->c_request_timeout_ms * 900.0;

	return ((double)pool_wait_now_us(app->a_pool) / budget);
}

void
powpub_challenge(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct public_state	*ps = app->a_public;
	unsigned char		 tag[HTTP_PEER_TAG_LEN];
	char			 hex[POW_CHALLENGE_HEXLEN + 1];
	int			 bits, retry;
	enum i18n_lang		 l = public_lang(req);

	/* A client that has gone needs no challenge. */
	if (http_req_peer_tag(req, tag) == -1) {
		public_error(req, 503, "unavailable", NULL, l, 1);
		return;
	}
	if (pow_issue(ps->ps_pow, tag, powpub_mono(), powpub_wall(),
	    powpub_load(app), hex, &bits, &retry) == -1) {
		if (retry > 0)
			public_error(req, 429, "rate_limited", NULL, l, retry);
		else
			public_error(req, 500, "internal", NULL, l, 0);
		return;
	}
	http_reply_json(req, 200, json_pack("{s:s,s:i,s:i,s:s,s:s,s:b}",
	    "challenge", hex, "bits", bits, "expires_in",
	    app->a_conf->c_pow_ttl_s, "algorithm", POW_ALGORITHM, "header",
	    "Meldpunt-PoW", "required", app->a_conf->c_pow_required));
}

/* A spent or expired solution: from the record with a key, else refused. */
static enum powpub_gate
powpub_stale(struct public_state *ps, struct http_request *req,
    enum i18n_lang l, int expired)
{
	unsigned char	 tag[HTTP_PEER_TAG_LEN];
	int		 retry;

	if (http_req_header(req, "idempotency-key") == NULL) {
		if (expired)
			public_error(req, 428, "pow_expired", NULL, l, 0);
		else
			public_error(req, 403, "pow_invalid", NULL, l, 0);
		return (POWPUB_ANSWERED);
	}
	if (http_req_peer_tag(req, tag) == 0 && pow_charge(ps->ps_pow, tag,
	    powpub_mono(), &retry) == -1) {
		public_error(req, 429, "rate_limited", NULL, l, retry);
		return (POWPUB_ANSWERED);
	}
	return (POWPUB_RECORD);
}

enum powpub_gate
powpub_gate(struct public_state *ps, struct http_request *req,
    enum i18n_lang l, struct pow_solution *sol, int *has_sol)
{
	const char	*v = http_req_header(req, POW_HEADER);
	uint64_t	 now = powpub_wall();

	*has_sol = 0;
	if (!ps->ps_app->a_conf->c_pow_required)
		return (POWPUB_PASS);
	if (v != NULL && http_req_header_count(req, POW_HEADER) != 1) {
		public_error(req, 403, "pow_invalid", NULL, l, 0);
		return (POWPUB_ANSWERED);
	}
	switch (pow_check(ps->ps_pow, v, now, sol)) {
	case POW_OK:
		break;
	case POW_MISSING:
		public_error(req, 428, "pow_required", NULL, l, 0);
		return (POWPUB_ANSWERED);
	case POW_EXPIRED:
		return (powpub_stale(ps, req, l, 1));
	case POW_MALFORMED:
	case POW_FORGED:
	case POW_WEAK:
	default:
		public_error(req, 403, "pow_invalid", NULL, l, 0);
		return (POWPUB_ANSWERED);
	}
	if (pow_is_spent(ps->ps_pow, sol, now))
		return (powpub_stale(ps, req, l, 0));
	*has_sol = 1;
	return (POWPUB_PASS);
}
