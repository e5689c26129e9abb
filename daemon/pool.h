/*
 * A small pool of worker threads for CPU-heavy jobs (Argon2id, HPKE) so the
 * libevent loop never blocks on them.  A job's work function runs on a
 * worker; its done function then runs on the loop thread.  The queue is
 * bounded: when it is full pool_submit() fails and the caller answers 503.
 */
#ifndef MELDPUNT_POOL_H
#define MELDPUNT_POOL_H

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
int		 pool_queued(const struct pool *p);	/* jobs waiting */
int		 pool_running(const struct pool *p);	/* jobs on a worker */
/*
 * Stop and join the workers after running jobs finish.  Jobs whose done()
 * has not run yet (finished ones, and queued ones whose work() is skipped)
 * get done() on the loop thread only if the loop runs again; their small
 * records are otherwise left to process exit.  Call on the loop thread,
 * not from inside done().  pool_free(NULL) does nothing.
 */
void		 pool_free(struct pool *p);

#endif
