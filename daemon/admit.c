/*
 * Admission of the public side's Argon2id jobs (admit.h, DESIGN §2 and §8:
 * overload is answered with 503 and Retry-After, not queued without
 * bound).  A job is due before the request's own deadline -- the moment
 * http.c would answer 503 for the handler -- minus a tenth of
 * request_timeout_ms kept for what follows the hash (the database write
 * and the reply).  What cannot make that is refused at once, before it
 * takes a queue slot; what the pool drops later is answered here too.
 *
 * Nothing about the request is logged: the shutdown line has counters.
 */
#include <sysexits.h>
#include <time.h>

#include "crypto/receipt.h"
#include "crypto/secret.h"
#include "daemon/admit.h"
#include "daemon/app.h"
#include "daemon/config.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/public_state.h"

void
admit_calibrate(struct app *app, const struct secret_kdf *k)
{
	unsigned char	 salt[RECEIPT_SALT_LEN] = { 0 }, v[RECEIPT_VERIFIER_LEN];
	int64_t		 t0, us;

	t0 = pool_now_us();
	/* A fixed dummy receipt: only the time is kept. */
	/* Failing here (memory) would fail every request: refuse to start. */
	if (receipt_derive("4821773011950062", salt, k, v, NULL) == -1)
		fatalx(EX_CONFIG, "config receipt_argon2_m_kib: one Argon2id "
		    "at m=%u KiB t=%u failed (out of memory?)", k->k_m_kib,
		    k->k_t);
	us = pool_now_us() - t0;
	secret_wipe(v, sizeof(v));
	pool_seed(app->a_pool, us);
	/* A hash must fit the deadline with room to spare, or every
	 * request is refused; 90% would leave nothing for the queue. */
	if (us > (int64_t)app->a_conf->c_request_timeout_ms * 500)
		log_warnx("one receipt Argon2id takes %.0f ms, more than half "
		    "of request_timeout_ms (%d): most submissions and logins "
		    "will be refused; raise request_timeout_ms or lower the "
		    "cost", us / 1e3, app->a_conf->c_request_timeout_ms);
	log_info("receipt Argon2id m=%u KiB t=%u p=%u: %.1f ms per hash "
	    "(libsodium), %d workers", k->k_m_kib, k->k_t, k->k_p, us / 1e3,
	    app->a_conf->c_workers);
}

int
admit_kdf(struct app *app, struct http_request *req, enum i18n_lang l,
    pool_work_fn work, pool_done_fn done, pool_done_fn dropped, void *arg)
{
	struct pool_due	 d;
	int		 retry;

	d.pd_due_us = http_req_deadline(req) -
	    (int64_t)app->a_conf->c_request_timeout_ms * 100;
	d.pd_gone = http_req_gone(req);
	d.pd_dropped = dropped;
	if (pool_submit_due(app->a_pool, &d, work, done, arg, &retry) == 0)
		return (0);
	public_error(req, 503, "unavailable", NULL, l, retry);
	return (-1);
}

void
admit_busy(struct app *app, struct http_request *req, enum i18n_lang l)
{
	public_error(req, 503, "unavailable", NULL, l,
	    pool_retry_after(app->a_pool));
}

void
admit_report(struct app *app)
{
	struct pool_stats	 st;
	unsigned long		 n;
	double			 cpu_ms;

	pool_stats(app->a_pool, &st);
	secret_fast_stats(&n, &cpu_ms);
	log_info("hashing jobs: %ld hashed (%ld for a request already "
	    "answered), %ld dropped unstarted, %ld refused on admission; "
	    "%.1f ms per hash, %.2f ms of its thread's CPU per Argon2id "
	    "(%lu)", st.st_hashed, st.st_late, st.st_dropped, st.st_refused,
	    st.st_mean_ms, n > 0 ? cpu_ms / n : 0.0, n);
}
