/*
 * The public side's request front for its Argon2id jobs (a submission or a
 * receipt login costs one hash each): admission by expected wait against
 * the request's own deadline, the fast 503 with a Retry-After computed
 * from the queue, and the measurement the estimate starts from.  Loop
 * thread only.  See pool.h for the admission rule itself.
 */
#ifndef MELDPUNT_ADMIT_H
#define MELDPUNT_ADMIT_H

#include "crypto/secret.h"
#include "daemon/pool.h"
#include "forms/i18n.h"

struct app;
struct http_request;

/*
 * Hash once at the receipt parameters and seed the pool's estimate with
 * the time it took, so admission is right from the first request; logs
 * the time.  At start-up, before the loop runs; exits when the hash
 * fails (it would fail for every request).
 */
void	admit_calibrate(struct app *app, const struct secret_kdf *k);
/*
 * Queue work for req if it can finish in time.  Returns 0: exactly one of
 * done() or dropped() runs later on the loop (dropped(): the job never
 * ran, because its request was answered meanwhile or its deadline could
 * no longer be met; it should call admit_busy()).  Returns -1: req has
 * been answered 503 with Retry-After; nothing will run and the caller
 * only frees its job.
 */
int	admit_kdf(struct app *app, struct http_request *req, enum i18n_lang l,
	    pool_work_fn work, pool_done_fn done, pool_done_fn dropped,
	    void *arg);
/* 503 "unavailable" with a Retry-After from the queue. */
void	admit_busy(struct app *app, struct http_request *req,
	    enum i18n_lang l);
/* One log line with the pool's counters of hashing jobs (at shutdown). */
void	admit_report(struct app *app);

#endif
