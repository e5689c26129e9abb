/*
 * Worker threads for CPU-heavy jobs.  A fixed set of pthreads takes jobs
 * from a bounded FIFO (mutex + condition variable); a finished job goes on
 * a completed list and the loop thread is woken through a self-pipe, where
 * pool_done_cb() runs each job's done() in completion order.
 *
 * Why a pipe and not event_active() from the worker: event_active() from
 * another thread is only safe when evthread_use_pthreads() ran before the
 * event_base was created; forgetting that (in main, a test or a benchmark)
 * gives a silent data race inside libevent, not an error.  A pipe is safe
 * with any base, and at most one byte is in flight per wake-up (c_notified),
 * so it can never fill and a worker never blocks on it.
 *
 * Admission by expected wait (pool_submit_due()): deadline jobs are one
 * Argon2id each, so the moving average of their measured durations (and
 * of the deviation, as TCP estimates round trips) predicts the next one.
 * A job is admitted only if
 *
 *	(what running jobs still need + the queued jobs' expected cost)
 *	    / workers + own expected duration  <=  time left to its deadline
 *
 * where each deadline job counts as the mean plus twice the mean
 * deviation (its own duration too when it has to wait; the mean alone
 * when a worker is free for it), and a worker picking a deadline job up
 * drops it, unstarted, when its request was answered meanwhile or it can
 * no longer finish in time (planned the same way).  The bound an attacker can force
 * is the queue: at most max_queue jobs, each admitted only while the pool
 * expects to finish it.
 *
 * Ownership: the pool owns its job records; a job's arg is the caller's and
 * is only passed through.  Counters that other threads read are atomics.
 */
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/log.h"
#include "daemon/pool.h"

struct pool_job {
	TAILQ_ENTRY(pool_job)	 j_entry;
	pool_work_fn		 j_work;
	pool_done_fn		 j_done;
	void			*j_arg;
	int			 j_class;	/* POOL_C_* */
	struct pool_due		 j_due;		/* POOL_C_DUE only */
	int64_t			 j_cost_us;	/* expected, when queued */
	int64_t			 j_start_us;	/* on a worker since */
	int			 j_dropped;	/* work() skipped */
	int			 j_waits;	/* admitted behind others */
};
TAILQ_HEAD(pool_jobq, pool_job);

/* Job classes, measured apart: one Argon2id is not one HPKE open. */
enum { POOL_C_OTHER, POOL_C_DUE, POOL_NCLASS };

/* Moving average of job durations (gains 1/8 and 1/4, as RFC 6298). */
struct pool_est {
	double			 e_mean_us;
	double			 e_dev_us;
	long			 e_n;
};

struct pool {
	struct event_base	*p_base;
	struct event		*p_wake;	/* read end of p_pipe */
	int			 p_pipe[2];
	pthread_t		*p_threads;
	int			 p_nthreads;	/* started successfully */
	int			 p_max_queue;

	/* Everything below is guarded by p_mtx. */
	pthread_mutex_t		 p_mtx;
	pthread_cond_t		 p_cond;	/* work queued or stopping */
	struct pool_jobq	 p_queue;	/* waiting for a worker */
	struct pool_jobq	 p_running;	/* on a worker */
	struct pool_jobq	 p_done;	/* waiting for the loop */
	int			 p_stopping;
	int			 p_notified;	/* a wake byte is in the pipe */
	int64_t			 p_queued_cost;	/* sum of j_cost_us, µs */
	struct pool_est		 p_est[POOL_NCLASS];
	struct pool_stats	 p_stats;

	/* Also written under p_mtx, but read lock-free by the getters. */
	atomic_int		 p_nqueued;
	atomic_int		 p_nrunning;
	atomic_int		 p_nice;	/* pool_set_nice() */
};

static void	*pool_worker(void *);
static void	 pool_done_cb(evutil_socket_t, short, void *);
static void	 pool_late_done(evutil_socket_t, short, void *);

/*
 * Create the pool and start its threads.  base is borrowed and must outlive
 * the pool.  Returns NULL when a resource (memory, pipe, thread) is missing.
 */
struct pool *
pool_new(struct event_base *base, int nthreads, int max_queue)
{
	struct pool	*p;
	int		 i;

	if (base == NULL || nthreads < 1 || max_queue < 1)
		return (NULL);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->p_base = base;
	p->p_pipe[0] = p->p_pipe[1] = -1;
	p->p_max_queue = max_queue;
	TAILQ_INIT(&p->p_queue);
	TAILQ_INIT(&p->p_running);
	TAILQ_INIT(&p->p_done);
	atomic_init(&p->p_nqueued, 0);
	atomic_init(&p->p_nrunning, 0);
	atomic_init(&p->p_nice, 0);
	if (pthread_mutex_init(&p->p_mtx, NULL) != 0) {
		free(p);
		return (NULL);
	}
	if (pthread_cond_init(&p->p_cond, NULL) != 0) {
		pthread_mutex_destroy(&p->p_mtx);
		free(p);
		return (NULL);
	}
	if (pipe2(p->p_pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		goto fail;
	p->p_wake = event_new(base, p->p_pipe[0], EV_READ | EV_PERSIST,
	    pool_done_cb, p);
	if (p->p_wake == NULL || event_add(p->p_wake, NULL) == -1)
		goto fail;
	if ((p->p_threads = calloc(nthreads, sizeof(pthread_t))) == NULL)
		goto fail;
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&p->p_threads[i], NULL, pool_worker,
		    p) != 0)
			goto fail;
		p->p_nthreads++;
	}
	return (p);
 fail:
	log_warnx("%s: cannot start %d workers", __func__, nthreads);
	pool_free(p);
	return (NULL);
}

int64_t
pool_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* Expected duration of a job of this class; 0 until one was measured. */
static int64_t
pool_cost(const struct pool *p, int cls)
{
	return ((int64_t)p->p_est[cls].e_mean_us);
}

/*
 * With a margin for its spread: what a job that has to wait behind others
 * plans with.  A job that a free worker takes at once plans with the mean
 * only, so that an estimate inflated by a burst of load is measured again
 * as soon as a worker is free, instead of refusing everything for ever.
 */
static int64_t
pool_cost_own(const struct pool *p, int cls)
{
	return ((int64_t)(p->p_est[cls].e_mean_us +
	    2 * p->p_est[cls].e_dev_us));
}

static void
pool_est_add(struct pool_est *e, double us)
{
	double	 err;

	if (e->e_n++ == 0) {
		e->e_mean_us = us;
		e->e_dev_us = us / 4;
		return;
	}
	err = us - e->e_mean_us;
	e->e_mean_us += err / 8;
	e->e_dev_us += ((err < 0 ? -err : err) - e->e_dev_us) / 4;
}

/*
 * Microseconds until a worker is free for a job queued now: the work ahead
 * (running jobs' expected remainder plus every queued job) over the
 * workers, or 0 when a worker is idle.  Under p_mtx.
 */
static int
pool_idle(const struct pool *p)
{
	return (atomic_load(&p->p_nrunning) + atomic_load(&p->p_nqueued) <
	    p->p_nthreads);
}

static int64_t
pool_wait_us(const struct pool *p, int64_t now)
{
	const struct pool_job	*j;
	int64_t			 ahead = p->p_queued_cost, left;

	if (pool_idle(p))
		return (0);
	TAILQ_FOREACH(j, &p->p_running, j_entry)
		if ((left = j->j_cost_us - (now - j->j_start_us)) > 0)
			ahead += left;
	return (ahead / p->p_nthreads);
}

static int
pool_secs(int64_t us)
{
	int64_t	 s = (us + 999999) / 1000000;

	return (s < 1 ? 1 : s > 3600 ? 3600 : (int)s);
}

static struct pool_job *
pool_job_new(pool_work_fn work, pool_done_fn done, void *arg)
{
	struct pool_job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return (NULL);
	j->j_work = work;
	j->j_done = done;
	j->j_arg = arg;
	return (j);
}

/*
 * Under p_mtx, with room checked.  A deadline job is costed with its
 * margin: jobs ahead that run long make the ones behind them late, so
 * the plan for those behind must not count on the mean.
 */
static void
pool_enqueue(struct pool *p, struct pool_job *j)
{
	j->j_cost_us = j->j_class == POOL_C_DUE ?
	    pool_cost_own(p, j->j_class) : pool_cost(p, j->j_class);
	p->p_queued_cost += j->j_cost_us;
	TAILQ_INSERT_TAIL(&p->p_queue, j, j_entry);
	atomic_fetch_add(&p->p_nqueued, 1);
	pthread_cond_signal(&p->p_cond);
}

/*
 * Queue a job; any thread may call this.  The job record is allocated
 * here and freed after done() has run.
 */
int
pool_submit(struct pool *p, pool_work_fn work, pool_done_fn done, void *arg)
{
	struct pool_job	*j;

	if (p == NULL || work == NULL || done == NULL)
		return (-1);
	if ((j = pool_job_new(work, done, arg)) == NULL)
		return (-1);
	j->j_class = POOL_C_OTHER;
	pthread_mutex_lock(&p->p_mtx);
	if (p->p_stopping ||
	    atomic_load(&p->p_nqueued) >= p->p_max_queue) {
		pthread_mutex_unlock(&p->p_mtx);
		free(j);
		return (-1);
	}
	pool_enqueue(p, j);
	pthread_mutex_unlock(&p->p_mtx);
	return (0);
}

/* Admission by expected wait; see the top of this file and pool.h. */
int
pool_submit_due(struct pool *p, const struct pool_due *d, pool_work_fn work,
    pool_done_fn done, void *arg, int *retry_s)
{
	struct pool_job	*j;
	int64_t		 now, wait;

	if (retry_s != NULL)
		*retry_s = 1;
	if (p == NULL || d == NULL || d->pd_dropped == NULL || work == NULL ||
	    done == NULL)
		return (-1);
	if ((j = pool_job_new(work, done, arg)) == NULL)
		return (-1);
	j->j_class = POOL_C_DUE;
	j->j_due = *d;
	now = pool_now_us();
	pthread_mutex_lock(&p->p_mtx);
	wait = pool_wait_us(p, now);
	j->j_waits = !pool_idle(p);
	if (p->p_stopping || atomic_load(&p->p_nqueued) >= p->p_max_queue ||
	    now + wait + (j->j_waits ? pool_cost_own(p, POOL_C_DUE) :
	    pool_cost(p, POOL_C_DUE)) > d->pd_due_us) {
		p->p_stats.st_refused++;
		pthread_mutex_unlock(&p->p_mtx);
		if (retry_s != NULL)
			*retry_s = pool_secs(wait);
		free(j);
		return (-1);
	}
	pool_enqueue(p, j);
	pthread_mutex_unlock(&p->p_mtx);
	return (0);
}

int
pool_retry_after(struct pool *p)
{
	int64_t	 wait;

	if (p == NULL)
		return (1);
	pthread_mutex_lock(&p->p_mtx);
	wait = pool_wait_us(p, pool_now_us());
	pthread_mutex_unlock(&p->p_mtx);
	return (pool_secs(wait));
}

int64_t
pool_wait_now_us(struct pool *p)
{
	int64_t	 wait;

	if (p == NULL)
		return (0);
	pthread_mutex_lock(&p->p_mtx);
	wait = pool_wait_us(p, pool_now_us());
	pthread_mutex_unlock(&p->p_mtx);
	return (wait);
}

void
pool_seed(struct pool *p, int64_t us)
{
	if (p == NULL || us <= 0)
		return;
	pthread_mutex_lock(&p->p_mtx);
	p->p_est[POOL_C_DUE].e_n = 0;
	pool_est_add(&p->p_est[POOL_C_DUE], (double)us);
	pthread_mutex_unlock(&p->p_mtx);
}

void
pool_stats(struct pool *p, struct pool_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->p_mtx);
	*st = p->p_stats;
	st->st_mean_ms = p->p_est[POOL_C_DUE].e_mean_us / 1e3;
	pthread_mutex_unlock(&p->p_mtx);
}

int
pool_queued(const struct pool *p)
{
	return (p == NULL ? 0 : atomic_load(&p->p_nqueued));
}

int
pool_running(const struct pool *p)
{
	return (p == NULL ? 0 : atomic_load(&p->p_nrunning));
}

/*
 * A deadline job a worker is about to start: drop it when its request was
 * answered meanwhile, or when it would finish past its deadline anyway --
 * planned as at admission: with the margin if it was admitted behind
 * others, at the mean if a worker was free for it.  Under p_mtx.
 */
static int
pool_should_drop(const struct pool *p, const struct pool_job *j, int64_t now)
{
	if (j->j_class != POOL_C_DUE)
		return (0);
	if (j->j_due.pd_gone != NULL && atomic_load(j->j_due.pd_gone))
		return (1);
	return (now + (j->j_waits ? pool_cost_own(p, POOL_C_DUE) :
	    pool_cost(p, POOL_C_DUE)) > j->j_due.pd_due_us);
}

/* Under p_mtx: hand a job to the loop, writing a wake byte if needed. */
static void
pool_finish(struct pool *p, struct pool_job *j)
{
	char	 b = 0;

	TAILQ_INSERT_TAIL(&p->p_done, j, j_entry);
	if (!p->p_notified) {
		/*
		 * One byte per wake-up: the pipe cannot fill, so EAGAIN
		 * cannot happen; any other error leaves the job for the next
		 * wake-up or for pool_free().
		 */
		if (write(p->p_pipe[1], &b, 1) == 1)
			p->p_notified = 1;
		else
			log_warn("%s: wake-up write", __func__);
	}
}

/* Under p_mtx: measure a job that ran, and count a late deadline job. */
static void
pool_measure(struct pool *p, const struct pool_job *j, int64_t now)
{
	pool_est_add(&p->p_est[j->j_class], (double)(now - j->j_start_us));
	if (j->j_class != POOL_C_DUE)
		return;
	p->p_stats.st_hashed++;
	if (j->j_due.pd_gone != NULL && atomic_load(j->j_due.pd_gone))
		p->p_stats.st_late++;
}

void
pool_set_nice(struct pool *p, int incr)
{
	atomic_store(&p->p_nice, incr < 0 ? 0 : incr > 19 ? 19 : incr);
}

/*
 * This worker thread's nice value: base (the process's, when the worker
 * started) plus incr.  Raising one's own nice needs no privilege; a
 * failure (a seccomp filter, say) leaves the thread as it was.
 */
static void
pool_apply_nice(int base, int incr)
{
	int	n = base + incr > 19 ? 19 : base + incr;

	if (setpriority(PRIO_PROCESS, (id_t)gettid(), n) == -1)
		log_debug("%s: nice %d: %s", __func__, n, strerror(errno));
}

/*
 * Worker thread: take the oldest job, run it unlocked, then hand it to the
 * loop.  Leaves when the pool stops, even with jobs still queued: those are
 * handed back by pool_free() without running work().
 */
static void *
pool_worker(void *arg)
{
	struct pool	*p = arg;
	struct pool_job	*j;
	int64_t		 now;
	int		 base, nice = 0, want;

	errno = 0;
	base = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (base == -1 && errno != 0)
		base = 0;
	pthread_mutex_lock(&p->p_mtx);
	for (;;) {
		while (!p->p_stopping && TAILQ_EMPTY(&p->p_queue))
			pthread_cond_wait(&p->p_cond, &p->p_mtx);
		if (p->p_stopping)
			break;
		j = TAILQ_FIRST(&p->p_queue);
		TAILQ_REMOVE(&p->p_queue, j, j_entry);
		atomic_fetch_sub(&p->p_nqueued, 1);
		p->p_queued_cost -= j->j_cost_us;
		now = pool_now_us();
		if (pool_should_drop(p, j, now)) {
			j->j_dropped = 1;
			p->p_stats.st_dropped++;
			pool_finish(p, j);
			continue;
		}
		j->j_start_us = now;
		TAILQ_INSERT_TAIL(&p->p_running, j, j_entry);
		atomic_fetch_add(&p->p_nrunning, 1);
		pthread_mutex_unlock(&p->p_mtx);

		if ((want = atomic_load(&p->p_nice)) != nice) {
			pool_apply_nice(base, want);
			nice = want;
		}

		j->j_work(j->j_arg);

		pthread_mutex_lock(&p->p_mtx);
		TAILQ_REMOVE(&p->p_running, j, j_entry);
		atomic_fetch_sub(&p->p_nrunning, 1);
		pool_measure(p, j, pool_now_us());
		pool_finish(p, j);
	}
	pthread_mutex_unlock(&p->p_mtx);
	return (NULL);
}

/* done(), or the deadline job's dropped() when its work() never ran. */
static void
pool_job_done(struct pool_job *j)
{
	if (j->j_dropped)
		j->j_due.pd_dropped(j->j_arg);
	else
		j->j_done(j->j_arg);
	free(j);
}

/*
 * Loop thread: drain the pipe first, then take the whole completed list
 * and clear p_notified under the lock, so a job finishing after that point
 * writes a fresh byte.  done() runs unlocked and may call pool_submit().
 */
static void
pool_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pool	*p = arg;
	struct pool_jobq done;
	struct pool_job	*j;
	char		 buf[64];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	TAILQ_INIT(&done);
	pthread_mutex_lock(&p->p_mtx);
	TAILQ_CONCAT(&done, &p->p_done, j_entry);
	p->p_notified = 0;
	pthread_mutex_unlock(&p->p_mtx);

	while ((j = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, j, j_entry);
		pool_job_done(j);
	}
}

/* A job outliving its pool: run done() on the loop, then free the record. */
static void
pool_late_done(evutil_socket_t fd, short what, void *arg)
{
	struct pool_job	*j = arg;

	(void)fd;
	(void)what;
	pool_job_done(j);
}

/*
 * Stop and join the workers (running jobs finish first).  Jobs whose done()
 * has not run yet -- finished ones, and queued ones whose work() is now
 * skipped -- are handed to the event base as one-shot events, so their
 * done() runs on the loop thread if and only if the loop runs again (a
 * skipped job's done() can tell by a flag its work() would have set; a
 * skipped deadline job gets its pd_dropped() instead).
 * Call on the loop thread, never from inside a done() callback.
 */
void
pool_free(struct pool *p)
{
	struct pool_jobq left;
	struct pool_job	*j;
	struct timeval	 now = { 0, 0 };
	int		 i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->p_mtx);
	p->p_stopping = 1;
	pthread_cond_broadcast(&p->p_cond);
	pthread_mutex_unlock(&p->p_mtx);
	for (i = 0; i < p->p_nthreads; i++)
		pthread_join(p->p_threads[i], NULL);

	/* No worker is left: the lists are ours without the lock. */
	TAILQ_FOREACH(j, &p->p_queue, j_entry)
		if (j->j_class == POOL_C_DUE)
			j->j_dropped = 1;
	TAILQ_INIT(&left);
	TAILQ_CONCAT(&left, &p->p_done, j_entry);
	TAILQ_CONCAT(&left, &p->p_queue, j_entry);
	while ((j = TAILQ_FIRST(&left)) != NULL) {
		TAILQ_REMOVE(&left, j, j_entry);
		if (event_base_once(p->p_base, -1, EV_TIMEOUT, pool_late_done,
		    j, &now) == -1) {
			log_warnx("%s: a job's done() is lost", __func__);
			free(j);
		}
	}

	if (p->p_wake != NULL)
		event_free(p->p_wake);
	if (p->p_pipe[0] != -1)
		close(p->p_pipe[0]);
	if (p->p_pipe[1] != -1)
		close(p->p_pipe[1]);
	free(p->p_threads);
	pthread_cond_destroy(&p->p_cond);
	pthread_mutex_destroy(&p->p_mtx);
	free(p);
}
