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
 * Ownership: the pool owns its job records; a job's arg is the caller's and
 * is only passed through.  Counters that other threads read are atomics.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/log.h"
#include "daemon/pool.h"

struct pool_job {
	STAILQ_ENTRY(pool_job)	 j_entry;
	pool_work_fn		 j_work;
	pool_done_fn		 j_done;
	void			*j_arg;
};
STAILQ_HEAD(pool_jobq, pool_job);

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
	struct pool_jobq	 p_done;	/* waiting for the loop */
	int			 p_stopping;
	int			 p_notified;	/* a wake byte is in the pipe */

	/* Also written under p_mtx, but read lock-free by the getters. */
	atomic_int		 p_nqueued;
	atomic_int		 p_nrunning;
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
	STAILQ_INIT(&p->p_queue);
	STAILQ_INIT(&p->p_done);
	atomic_init(&p->p_nqueued, 0);
	atomic_init(&p->p_nrunning, 0);
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
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return (-1);
	j->j_work = work;
	j->j_done = done;
	j->j_arg = arg;

	pthread_mutex_lock(&p->p_mtx);
	if (p->p_stopping ||
	    atomic_load(&p->p_nqueued) >= p->p_max_queue) {
		pthread_mutex_unlock(&p->p_mtx);
		free(j);
		return (-1);
	}
	STAILQ_INSERT_TAIL(&p->p_queue, j, j_entry);
	atomic_fetch_add(&p->p_nqueued, 1);
	pthread_cond_signal(&p->p_cond);
	pthread_mutex_unlock(&p->p_mtx);
	return (0);
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
 * Worker thread: take the oldest job, run it unlocked, then hand it to the
 * loop.  Leaves when the pool stops, even with jobs still queued: those are
 * handed back by pool_free() without running work().
 */
static void *
pool_worker(void *arg)
{
	struct pool	*p = arg;
	struct pool_job	*j;
	char		 b = 0;

	pthread_mutex_lock(&p->p_mtx);
	for (;;) {
		while (!p->p_stopping && STAILQ_EMPTY(&p->p_queue))
			pthread_cond_wait(&p->p_cond, &p->p_mtx);
		if (p->p_stopping)
			break;
		j = STAILQ_FIRST(&p->p_queue);
		STAILQ_REMOVE_HEAD(&p->p_queue, j_entry);
		atomic_fetch_sub(&p->p_nqueued, 1);
		atomic_fetch_add(&p->p_nrunning, 1);
		pthread_mutex_unlock(&p->p_mtx);

		j->j_work(j->j_arg);

		pthread_mutex_lock(&p->p_mtx);
		atomic_fetch_sub(&p->p_nrunning, 1);
		STAILQ_INSERT_TAIL(&p->p_done, j, j_entry);
		if (!p->p_notified) {
			/*
			 * One byte per wake-up: the pipe cannot fill, so
			 * EAGAIN cannot happen; any other error leaves the
			 * job for the next wake-up or for pool_free().
			 */
			if (write(p->p_pipe[1], &b, 1) == 1)
				p->p_notified = 1;
			else
				log_warn("%s: wake-up write", __func__);
		}
	}
	pthread_mutex_unlock(&p->p_mtx);
	return (NULL);
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
	STAILQ_INIT(&done);
	pthread_mutex_lock(&p->p_mtx);
	STAILQ_CONCAT(&done, &p->p_done);
	p->p_notified = 0;
	pthread_mutex_unlock(&p->p_mtx);

	while ((j = STAILQ_FIRST(&done)) != NULL) {
		STAILQ_REMOVE_HEAD(&done, j_entry);
		j->j_done(j->j_arg);
		free(j);
	}
}

/* A job outliving its pool: run done() on the loop, then free the record. */
static void
pool_late_done(evutil_socket_t fd, short what, void *arg)
{
	struct pool_job	*j = arg;

	(void)fd;
	(void)what;
	j->j_done(j->j_arg);
	free(j);
}

/*
 * Stop and join the workers (running jobs finish first).  Jobs whose done()
 * has not run yet -- finished ones, and queued ones whose work() is now
 * skipped -- are handed to the event base as one-shot events, so their
 * done() runs on the loop thread if and only if the loop runs again (a
 * skipped job's done() can tell by a flag its work() would have set).
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
	STAILQ_INIT(&left);
	STAILQ_CONCAT(&left, &p->p_done);
	STAILQ_CONCAT(&left, &p->p_queue);
	while ((j = STAILQ_FIRST(&left)) != NULL) {
		STAILQ_REMOVE_HEAD(&left, j_entry);
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
