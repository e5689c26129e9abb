/*
 * A small pool of worker threads for CPU-heavy jobs (Argon2id, HPKE) so the
 * libevent loop never blocks on them.  A job's work function runs on a
 * worker; its done function then runs on the loop thread.  The queue is
 * bounded: when it is full pool_submit() fails and the caller answers 503.
 *
 * Jobs with a deadline (pool_submit_due(), one Argon2id each: submissions
 * and receipt logins) are also admitted by expected wait: the pool measures
 * how long such jobs take and refuses one that would not finish by its
 * deadline behind the work already queued, and a worker drops a queued one
 * whose deadline can no longer be met or whose request is already answered,
 * so no hash is computed for an answer nobody will read.
 */
#ifndef MELDPUNT_POOL_H
#define MELDPUNT_POOL_H

#include <stdatomic.h>
#include <stdint.h>

struct event_base;
struct pool;

typedef void (*pool_work_fn)(void *arg);	/* on a worker thread */
typedef void (*pool_done_fn)(void *arg);	/* on the loop thread */

/* nthreads >= 1; max_queue >= 1 jobs waiting (not counting running ones). */
struct pool	*pool_new(struct event_base *base, int nthreads, int max_queue);
/*
 * Queue a job.  arg is borrowed by both functions and must live until
 * done() has run.  Returns 0, or -1 when the queue is full or the pool is
 * stopping (nothing will run).
 */
int		 pool_submit(struct pool *p, pool_work_fn work, pool_done_fn done,
		    void *arg);

/* What a job with a deadline brings along (all borrowed). */
struct pool_due {
	int64_t		 pd_due_us;	/* pool_now_us() by which work() must
					 * have finished */
	const atomic_int *pd_gone;	/* non-zero: the result is no longer
					 * wanted; may be NULL */
	pool_done_fn	 pd_dropped;	/* loop thread, instead of done(), for
					 * a job dropped before work() ran */
};
/*
 * Queue a job with a deadline.  Refused (-1, nothing will run) when the
 * queue is full, the pool is stopping, or the expected wait -- the work
 * ahead of it (what running jobs still need, plus every queued job) spread
 * over the workers, plus its own expected duration -- ends after
 * pd_due_us.  *retry_s (may be NULL) then gets the seconds until the work
 * ahead has drained, at least 1: the Retry-After of the 503.  Returns 0
 * when queued: then exactly one of done() or pd_dropped() runs later.
 */
int		 pool_submit_due(struct pool *p, const struct pool_due *d,
		    pool_work_fn work, pool_done_fn done, void *arg,
		    int *retry_s);
/* Seconds until the work ahead drains, at least 1 (for a Retry-After). */
int		 pool_retry_after(struct pool *p);
/*
 * Run the workers incr nice levels below the process (0..19, capped at
 * 19; Linux keeps a nice value per thread), from each worker's next job
 * on.  When every core hashes, the loop thread and the database then get
 * a CPU first (docs/architecture.md); a worker that cannot change its
 * priority keeps running as it was.
 */
void		 pool_set_nice(struct pool *p, int incr);
/* Microseconds a deadline job queued now would wait for a worker (0 when
 * one is free): the load figure of the proof-of-work difficulty (pow.h). */
int64_t		 pool_wait_now_us(struct pool *p);
/* Seed the expected duration of deadline jobs before any has run. */
void		 pool_seed(struct pool *p, int64_t us);
/* CLOCK_MONOTONIC in microseconds: the clock of pd_due_us. */
int64_t		 pool_now_us(void);

/* Counters of deadline jobs since pool_new(). */
struct pool_stats {
	long	 st_hashed;	/* work() ran */
	long	 st_late;	/* ran, but pd_gone was set when it finished */
	long	 st_dropped;	/* dropped by a worker before work() */
	long	 st_refused;	/* refused by pool_submit_due() */
	double	 st_mean_ms;	/* measured duration (moving average) */
};
void		 pool_stats(struct pool *p, struct pool_stats *st);

int		 pool_queued(const struct pool *p);	/* jobs waiting */
int		 pool_running(const struct pool *p);	/* jobs on a worker */
/*
 * Stop and join the workers after running jobs finish.  Jobs whose done()
 * has not run yet (finished ones, and queued ones whose work() is skipped)
 * get done() -- or pd_dropped() for a skipped deadline job -- on the loop
 * thread only if the loop runs again; their small records are otherwise
 * left to process exit.  Call on the loop thread, not from inside done().
 * pool_free(NULL) does nothing.
 */
void		 pool_free(struct pool *p);

#endif
