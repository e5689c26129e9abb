/*
 * Tests for daemon/pool.c: work() runs on a worker thread and done() on
 * the thread running the event loop; the queue bound holds; every job
 * completes exactly once under load; pool_free() hands back unfinished
 * jobs without running their work().
 */
#include <sys/resource.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "daemon/pool.h"

static struct event_base	*base;
static pthread_t		 loop_thread;

static void
setup(void)
{
	cr_assert_eq(evthread_use_pthreads(), 0);
	base = event_base_new();
	cr_assert_not_null(base);
	loop_thread = pthread_self();
}

static void
teardown(void)
{
	if (base != NULL)
		event_base_free(base);
	base = NULL;
}

TestSuite(pool, .init = setup, .fini = teardown, .timeout = 30);

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/*
 * Run the loop until *flag >= want or ms pass; a 10 ms ticker keeps
 * EVLOOP_ONCE from sleeping forever.  Returns 0 when the flag got there.
 */
static int
run_until(const atomic_int *flag, int want, int ms)
{
	struct event	*t;
	struct timeval	 tv = { 0, 10000 };
	struct timespec	 start, now;
	long		 el;

	t = event_new(base, -1, EV_PERSIST, tick, NULL);
	event_add(t, &tv);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (atomic_load(flag) >= want)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		el = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (el > ms)
			break;
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(t);
	return (atomic_load(flag) >= want ? 0 : -1);
}

static void
sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct job {
	atomic_int	 j_work;	/* times work() ran */
	atomic_int	 j_done;	/* times done() ran */
	int		 j_work_on_loop;
	int		 j_done_off_loop;
	atomic_int	*j_total;
	atomic_int	*j_gate;	/* work() waits while 0, if set */
	int		 j_sleep_ms;
};

static void
job_work(void *arg)
{
	struct job	*j = arg;

	if (pthread_equal(pthread_self(), loop_thread))
		j->j_work_on_loop = 1;
	while (j->j_gate != NULL && atomic_load(j->j_gate) == 0)
		sleep_ms(1);
	if (j->j_sleep_ms > 0)
		sleep_ms(j->j_sleep_ms);
	atomic_fetch_add(&j->j_work, 1);
}

static void
job_done(void *arg)
{
	struct job	*j = arg;

	if (!pthread_equal(pthread_self(), loop_thread))
		j->j_done_off_loop = 1;
	atomic_fetch_add(&j->j_done, 1);
	if (j->j_total != NULL)
		atomic_fetch_add(j->j_total, 1);
}

Test(pool, work_on_worker_done_on_loop)
{
	struct pool	*p;
	struct job	 j;
	atomic_int	 total = 0;

	memset(&j, 0, sizeof(j));
	j.j_total = &total;
	p = pool_new(base, 2, 4);
	cr_assert_not_null(p);
	cr_assert_eq(pool_submit(p, job_work, job_done, &j), 0);
	cr_assert_eq(run_until(&total, 1, 5000), 0, "done() never ran");
	cr_assert_eq(atomic_load(&j.j_work), 1);
	cr_assert_eq(atomic_load(&j.j_done), 1);
	cr_assert_eq(j.j_work_on_loop, 0, "work() ran on the loop thread");
	cr_assert_eq(j.j_done_off_loop, 0, "done() ran off the loop thread");
	cr_assert_eq(pool_queued(p), 0);
	cr_assert_eq(pool_running(p), 0);
	pool_free(p);
}

Test(pool, queue_full_refuses)
{
	struct pool	*p;
	struct job	 j[4];
	atomic_int	 gate = 0, total = 0;
	int		 i;

	memset(j, 0, sizeof(j));
	for (i = 0; i < 4; i++) {
		j[i].j_total = &total;
		j[i].j_gate = &gate;
	}
	p = pool_new(base, 1, 2);
	cr_assert_not_null(p);
	cr_assert_eq(pool_submit(p, job_work, job_done, &j[0]), 0);
	for (i = 0; i < 2000 && pool_running(p) != 1; i++)
		sleep_ms(1);
	cr_assert_eq(pool_running(p), 1, "the worker never took the job");
	cr_assert_eq(pool_submit(p, job_work, job_done, &j[1]), 0);
	cr_assert_eq(pool_submit(p, job_work, job_done, &j[2]), 0);
	cr_assert_eq(pool_queued(p), 2);
	cr_assert_eq(pool_submit(p, job_work, job_done, &j[3]), -1,
	    "a full queue accepted a job");
	atomic_store(&gate, 1);
	cr_assert_eq(run_until(&total, 3, 5000), 0);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(atomic_load(&j[i].j_work), 1);
		cr_assert_eq(atomic_load(&j[i].j_done), 1);
	}
	cr_assert_eq(atomic_load(&j[3].j_work), 0);
	cr_assert_eq(atomic_load(&j[3].j_done), 0);
	pool_free(p);
}

Test(pool, many_jobs_each_once)
{
	enum { N = 2000 };
	struct pool	*p;
	struct job	*j;
	atomic_int	 total = 0;
	int		 i, off = 0;

	j = calloc(N, sizeof(*j));
	cr_assert_not_null(j);
	p = pool_new(base, 4, N);
	cr_assert_not_null(p);
	for (i = 0; i < N; i++) {
		j[i].j_total = &total;
		cr_assert_eq(pool_submit(p, job_work, job_done, &j[i]), 0);
	}
	cr_assert_eq(run_until(&total, N, 20000), 0, "only %d of %d done",
	    atomic_load(&total), N);
	/* Let any (wrong) extra completion show up. */
	run_until(&total, N + 1, 100);
	cr_assert_eq(atomic_load(&total), N);
	for (i = 0; i < N; i++) {
		cr_assert_eq(atomic_load(&j[i].j_work), 1, "job %d", i);
		cr_assert_eq(atomic_load(&j[i].j_done), 1, "job %d", i);
		off |= j[i].j_done_off_loop | j[i].j_work_on_loop;
	}
	cr_assert_eq(off, 0);
	pool_free(p);
	free(j);
}

/* done() may queue the next job: the loop callback runs unlocked. */
struct chain {
	struct pool	*c_pool;
	atomic_int	 c_left;
	atomic_int	 c_done;
};

static void
chain_work(void *arg)
{
	(void)arg;
}

static void
chain_done(void *arg)
{
	struct chain	*c = arg;

	atomic_fetch_add(&c->c_done, 1);
	if (atomic_fetch_sub(&c->c_left, 1) > 1)
		cr_assert_eq(pool_submit(c->c_pool, chain_work, chain_done,
		    c), 0);
}

Test(pool, submit_from_done)
{
	struct chain	 c;

	c.c_pool = pool_new(base, 2, 1);
	cr_assert_not_null(c.c_pool);
	atomic_init(&c.c_left, 50);
	atomic_init(&c.c_done, 0);
	cr_assert_eq(pool_submit(c.c_pool, chain_work, chain_done, &c), 0);
	cr_assert_eq(run_until(&c.c_done, 50, 10000), 0);
	pool_free(c.c_pool);
}

Test(pool, free_hands_back_unrun_jobs)
{
	struct pool	*p;
	struct job	 j[3];
	atomic_int	 total = 0;
	int		 i;

	memset(j, 0, sizeof(j));
	for (i = 0; i < 3; i++)
		j[i].j_total = &total;
	j[0].j_sleep_ms = 200;
	p = pool_new(base, 1, 4);
	cr_assert_not_null(p);
	cr_assert_eq(pool_submit(p, job_work, job_done, &j[0]), 0);
	for (i = 0; i < 2000 && pool_running(p) != 1; i++)
		sleep_ms(1);
	cr_assert_eq(pool_running(p), 1);
	cr_assert_eq(pool_submit(p, job_work, job_done, &j[1]), 0);
	cr_assert_eq(pool_submit(p, job_work, job_done, &j[2]), 0);
	pool_free(p);		/* waits for j[0]; j[1], j[2] never run */
	cr_assert_eq(atomic_load(&j[0].j_work), 1);
	cr_assert_eq(atomic_load(&total), 0, "done() ran inside pool_free");
	cr_assert_eq(run_until(&total, 3, 5000), 0);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(atomic_load(&j[i].j_done), 1);
		cr_assert_eq(j[i].j_done_off_loop, 0);
	}
	cr_assert_eq(atomic_load(&j[1].j_work), 0);
	cr_assert_eq(atomic_load(&j[2].j_work), 0);
}

Test(pool, bad_arguments)
{
	struct pool	*p;

	cr_assert_null(pool_new(base, 0, 1));
	cr_assert_null(pool_new(base, 1, 0));
	cr_assert_null(pool_new(NULL, 1, 1));
	p = pool_new(base, 1, 1);
	cr_assert_not_null(p);
	cr_assert_eq(pool_submit(p, NULL, job_done, NULL), -1);
	cr_assert_eq(pool_submit(p, job_work, NULL, NULL), -1);
	pool_free(p);
	pool_free(NULL);
}

/* ---- admission by expected wait (pool_submit_due) ------------------- */

static void
job_dropped(void *arg)
{
	struct job	*j = arg;

	/* Counted apart from done(): j_done stays 0 for a dropped job. */
	if (j->j_total != NULL)
		atomic_fetch_add(j->j_total, 100);
}

static struct pool_due
due_in(int ms, const atomic_int *gone)
{
	struct pool_due	 d;

	d.pd_due_us = pool_now_us() + (int64_t)ms * 1000;
	d.pd_gone = gone;
	d.pd_dropped = job_dropped;
	return (d);
}

/*
 * With a measured 100 ms per job on one worker: a job due in 50 ms is
 * refused at once with a Retry-After; one due in 1 s is taken; behind a
 * running job, the wait for it counts too.
 */
Test(pool, due_refused_when_it_cannot_finish_in_time)
{
	struct pool		*p;
	struct job		 j[3];
	struct pool_due		 d;
	struct pool_stats	 st;
	atomic_int		 total = 0;
	int			 retry = 0, i;

	memset(j, 0, sizeof(j));
	for (i = 0; i < 3; i++)
		j[i].j_total = &total;
	cr_assert_not_null(p = pool_new(base, 1, 8));
	pool_seed(p, 100000);
	d = due_in(50, NULL);
	cr_assert_eq(pool_submit_due(p, &d, job_work, job_done, &j[0],
	    &retry), -1, "a job that cannot finish in time was queued");
	cr_assert_geq(retry, 1);
	cr_assert_eq(pool_queued(p), 0);

	j[1].j_sleep_ms = 300;
	d = due_in(1000, NULL);
	cr_assert_eq(pool_submit_due(p, &d, job_work, job_done, &j[1],
	    &retry), 0);
	for (i = 0; i < 2000 && pool_running(p) != 1; i++)
		sleep_ms(1);
	/* The running job's expected remainder (~150 ms: the 100 ms mean
	 * plus 2 x 25 ms of spread) plus its own 150 ms: more than the
	 * 120 ms left. */
	d = due_in(120, NULL);
	cr_assert_eq(pool_submit_due(p, &d, job_work, job_done, &j[2],
	    &retry), -1);
	cr_assert_eq(run_until(&total, 1, 5000), 0);
	pool_stats(p, &st);
	cr_assert_eq(st.st_refused, 2);
	cr_assert_eq(st.st_hashed, 1);
	cr_assert_eq(st.st_late, 0);
	cr_assert_eq(atomic_load(&j[0].j_work) + atomic_load(&j[2].j_work), 0);
	pool_free(p);
}

/*
 * A queued job whose request was answered meanwhile (its gone flag set)
 * is dropped by the worker without running: dropped() instead of done().
 * One that is running when the flag is set is counted as late.
 */
Test(pool, due_dropped_when_answered_before_a_worker_takes_it)
{
	struct pool		*p;
	struct job		 j[2];
	struct pool_due		 d;
	struct pool_stats	 st;
	atomic_int		 total = 0, gate = 0, gone0 = 0, gone1 = 0;

	memset(j, 0, sizeof(j));
	j[0].j_total = j[1].j_total = &total;
	j[0].j_gate = &gate;
	cr_assert_not_null(p = pool_new(base, 1, 8));
	pool_seed(p, 1000);
	d = due_in(5000, &gone0);
	cr_assert_eq(pool_submit_due(p, &d, job_work, job_done, &j[0], NULL),
	    0);
	while (pool_running(p) != 1)
		sleep_ms(1);
	d = due_in(5000, &gone1);
	cr_assert_eq(pool_submit_due(p, &d, job_work, job_done, &j[1], NULL),
	    0);
	cr_assert_eq(pool_queued(p), 1);
	atomic_store(&gone1, 1);	/* answered while queued */
	atomic_store(&gone0, 1);	/* answered while running */
	atomic_store(&gate, 1);
	cr_assert_eq(run_until(&total, 101, 5000), 0);
	cr_assert_eq(atomic_load(&j[1].j_work), 0, "hashed an answered job");
	cr_assert_eq(atomic_load(&j[1].j_done), 0);
	cr_assert_eq(atomic_load(&j[0].j_done), 1);
	pool_stats(p, &st);
	cr_assert_eq(st.st_hashed, 1);
	cr_assert_eq(st.st_late, 1);
	cr_assert_eq(st.st_dropped, 1);
	pool_free(p);
}

/* A queued job whose deadline passed while it waited is dropped too. */
Test(pool, due_dropped_when_its_deadline_passed_in_the_queue)
{
	struct pool		*p;
	struct job		 j[2];
	struct pool_due		 d;
	struct pool_stats	 st;
	atomic_int		 total = 0, gate = 0;

	memset(j, 0, sizeof(j));
	j[0].j_total = j[1].j_total = &total;
	j[0].j_gate = &gate;
	cr_assert_not_null(p = pool_new(base, 1, 8));
	pool_seed(p, 1000);
	cr_assert_eq(pool_submit(p, job_work, job_done, &j[0]), 0);
	while (pool_running(p) != 1)
		sleep_ms(1);
	d = due_in(200, NULL);
	cr_assert_eq(pool_submit_due(p, &d, job_work, job_done, &j[1], NULL),
	    0);
	sleep_ms(300);
	atomic_store(&gate, 1);
	cr_assert_eq(run_until(&total, 101, 5000), 0);
	cr_assert_eq(atomic_load(&j[1].j_work), 0);
	pool_stats(p, &st);
	cr_assert_eq(st.st_dropped, 1);
	cr_assert_eq(st.st_hashed, 0);
	pool_free(p);
}

/* The nice value of the thread that runs it, and of the loop thread. */
struct nicejob {
	atomic_int	 n_done;
	int		 n_nice;
};

static void
nice_work(void *arg)
{
	struct nicejob	*nj = arg;

	errno = 0;
	nj->n_nice = getpriority(PRIO_PROCESS, (id_t)gettid());
}

static void
nice_done(void *arg)
{
	atomic_fetch_add(&((struct nicejob *)arg)->n_done, 1);
}

/*
 * pool_set_nice(): workers run that many levels nicer than the process,
 * from their next job on, capped at 19; the loop thread keeps its own.
 */
Test(pool, set_nice_lowers_workers_only)
{
	struct pool	*p;
	struct nicejob	 nj;
	int		 base_nice, i;

	errno = 0;
	base_nice = getpriority(PRIO_PROCESS, (id_t)gettid());
	cr_assert(!(base_nice == -1 && errno != 0));
	p = pool_new(base, 1, 4);
	cr_assert_not_null(p);
	memset(&nj, 0, sizeof(nj));
	cr_assert_eq(pool_submit(p, nice_work, nice_done, &nj), 0);
	cr_assert_eq(run_until(&nj.n_done, 1, 5000), 0);
	cr_assert_eq(nj.n_nice, base_nice, "workers start at the process's");
	pool_set_nice(p, 7);
	for (i = 0; i < 2; i++) {
		atomic_store(&nj.n_done, 0);
		cr_assert_eq(pool_submit(p, nice_work, nice_done, &nj), 0);
		cr_assert_eq(run_until(&nj.n_done, 1, 5000), 0);
		cr_assert_eq(nj.n_nice, base_nice + 7 > 19 ? 19 :
		    base_nice + 7);
	}
	pool_set_nice(p, 40);
	atomic_store(&nj.n_done, 0);
	cr_assert_eq(pool_submit(p, nice_work, nice_done, &nj), 0);
	cr_assert_eq(run_until(&nj.n_done, 1, 5000), 0);
	cr_assert_eq(nj.n_nice, 19);
	errno = 0;
	cr_assert_eq(getpriority(PRIO_PROCESS, (id_t)gettid()), base_nice,
	    "the loop thread's priority changed");
	pool_free(p);
}
