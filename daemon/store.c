/*
 * The PostgreSQL connection pool.  Each of sc_size connections is a small
 * state machine driven by libevent: DOWN (waiting out a backoff timer),
 * CONNECTING (PQconnectPoll on whatever socket libpq currently uses),
 * SETUP (SET statement_timeout), IDLE, BUSY (one request in flight) and
 * RESET (ROLLBACK after a request left a transaction open or aborted).
 * Requests that find no idle connection wait in a bounded FIFO with a
 * deadline; the first connection to become idle takes the oldest one.
 *
 * Nothing here blocks: connects use PQconnectStartParams/PQconnectPoll,
 * connections are non-blocking, output is pushed with PQflush on
 * write-readiness, input is read with PQconsumeInput on read-readiness.
 * A lost connection fails a request that was never sent with
 * STORE_UNAVAILABLE, and one that was sent with STORE_UNKNOWN (a COMMIT
 * may have run: the caller must not claim that nothing was stored); it is
 * rebuilt after a backoff of 100 ms doubling to 5 s, so a PostgreSQL
 * restart heals without a daemon restart.  A statement that overruns its
 * deadline, or whose caller gave up (store_cancel), is first cancelled --
 * PQcancel() blocks, so it runs on a short-lived thread of its own with a
 * PGcancel object that shares nothing with the loop -- and the connection
 * is dropped only when the server does not answer even then.
 *
 * Prepared statements: each connection prepares a statement text the first
 * time it sends it (Parse in the same pipeline as its first execution) and
 * executes it by name from then on, so PostgreSQL parses, analyses and
 * rewrites it -- row-level security policies included -- once per
 * connection instead of once per request (docs/benchmarks.md §3b).  Up to
 * STORE_PREP_MAX texts per connection; more are sent unprepared.  A new
 * connection starts with none; after a "cached plan must not change
 * result type" or "prepared statement does not exist" error the session
 * is replaced by a new one and the request runs once more (it was
 * refused before it ran).
 *
 * Ownership: the store owns its connections and every request; a request
 * owns copies of its SQL and parameters (values wiped on free) and its
 * PGresults, which callbacks only borrow.  Callbacks run on the loop, never
 * from inside store_exec().  Logs carry __func__, connection numbers and
 * SQLSTATEs only: libpq's messages and notices can echo values.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "crypto/secret.h"
#include "daemon/log.h"
#include "daemon/store.h"

#define STORE_BACKOFF_MIN_MS	100
#define STORE_BACKOFF_MAX_MS	5000
#define STORE_CONNECT_MS	10000	/* connect + SETUP, all steps */
#define STORE_RESET_MS		5000	/* ROLLBACK round trip */
#define STORE_BUSY_SLACK_MS	5000	/* beyond statement_timeout */
#define STORE_CANCEL_MS		3000	/* answer after a cancel */
#define STORE_RETRIES		2	/* on 40001 / 40P01 */
#define STORE_MAX_STMTS		1000
#define STORE_MAX_PARAMS	65535	/* the protocol's limit */
#define STORE_PREP_MAX		128	/* prepared texts per connection */

/* Pipeline slots that are not a request's statement (c_map). */
#define SLOT_META		(-1)	/* BEGIN or COMMIT */
#define SLOT_PREP(e)		(-2 - (e))	/* Parse of c_prep[e] */

enum conn_state {
	CONN_DOWN,
	CONN_CONNECTING,
	CONN_SETUP,
	CONN_IDLE,
	CONN_BUSY,
	CONN_RESET,
};

struct store_conn {
	struct store		*c_store;
	int			 c_id;
	enum conn_state		 c_state;
	PGconn			*c_pg;		/* NULL while DOWN */
	struct event		*c_ev;		/* connect step, or read */
	struct event		*c_wev;		/* write, while flushing */
	struct event		*c_timer;	/* backoff or state deadline */
	int			 c_backoff_ms;
	int			 c_fails;	/* attempts since last up */
	int			 c_flushing;	/* PQflush returned 1 */
	int			 c_setup_bad;
	int			 c_cancelled;	/* cancel sent for c_req */
	struct store_req	*c_req;		/* BUSY: borrowed from s_all */
	int			 c_slot;	/* pipeline: results' slot */
	int			 c_pipelined;	/* c_req went as a pipeline */
	int			*c_map;		/* per slot: statement index,
						 * SLOT_META or SLOT_PREP(e) */
	int			 c_nslots;
	struct store_prep {
		uint64_t	 p_hash;
		char		*p_sql;
		unsigned	 p_id;		/* server name "mp<id>" */
		int		 p_ready;	/* its Parse succeeded */
	}			 c_prep[STORE_PREP_MAX];
	int			 c_nprep;
	unsigned		 c_prep_seq;
};

/* A private copy of one store_stmt. */
struct store_qstmt {
	char			*q_sql;
	int			 q_nparams;
	char			**q_values;	/* NULL entries are SQL NULL */
	int			*q_lengths;
	int			*q_formats;	/* NULL: all text */
	int			 q_binary;
};

struct store_req {
	TAILQ_ENTRY(store_req)	 r_all;		/* s_all, for store_free */
	TAILQ_ENTRY(store_req)	 r_wait;	/* s_waitq, while r_queued */
	struct store		*r_store;
	struct store_conn	*r_conn;	/* while in flight */
	store_cb		 r_cb;		/* NULL once abandoned */
	void			*r_arg;
	int			 r_n;
	struct store_qstmt	*r_stmts;
	PGresult		**r_results;	/* r_n entries */
	struct event		*r_timer;	/* wait deadline, or fail soon */
	int			 r_queued;
	int			 r_sent;	/* may have reached the server */
	int			 r_retries;
	enum store_status	 r_status;
	char			 r_sqlstate[6];
};
TAILQ_HEAD(store_reqq, store_req);

struct store {
	struct event_base	*s_base;
	char			*s_conninfo;
	int			 s_size;
	int			 s_max_waiters;
	int			 s_stmt_timeout_ms;
	struct timeval		 s_wait_tv;	/* a common timeout */
	struct store_conn	*s_conns;
	struct store_reqq	 s_all;
	struct store_reqq	 s_waitq;
	int			 s_nwaiting;
	int			 s_nconnected;	/* IDLE, BUSY or RESET */
};

static void	conn_schedule(struct store_conn *, int);
static void	conn_start(struct store_conn *);
static void	conn_connect_wait(struct store_conn *, PostgresPollingStatusType);
static void	conn_connect_cb(evutil_socket_t, short, void *);
static void	conn_setup(struct store_conn *);
static void	conn_up(struct store_conn *);
static void	conn_lost(struct store_conn *, const char *);
static void	conn_close(struct store_conn *);
static void	conn_idle(struct store_conn *);
static void	conn_reset(struct store_conn *);
static int	conn_flush(struct store_conn *);
static void	conn_deadline(struct store_conn *, int);
static void	conn_cancel(struct store_conn *);
static void	conn_timer_cb(evutil_socket_t, short, void *);
static void	conn_io_cb(evutil_socket_t, short, void *);
static void	prep_settle(struct store_conn *, int);
static void	conn_collect(struct store_conn *);
static int	conn_result(struct store_conn *, PGresult *);
static void	conn_req_done(struct store_conn *);
static int	conn_send(struct store_conn *, struct store_req *);
static void	store_dispatch(struct store *);
static struct store_conn *store_idle_conn(struct store *);
static void	store_notice(void *, const char *);
static int	qstmt_copy(struct store_qstmt *, const struct store_stmt *);
static void	qstmt_clear(struct store_qstmt *);
static struct store_req *req_new(struct store *, const struct store_stmt *,
		    int, store_cb, void *);
static void	req_free(struct store_req *);
static void	req_finish(struct store_req *, enum store_status,
		    const char *);
static void	req_note_error(struct store_req *, const PGresult *);
static void	req_timer_cb(evutil_socket_t, short, void *);
static void	req_retry(struct store_req *);

/*
 * Create the pool; connections open in the background once the loop runs.
 * base and conf are borrowed (conf->sc_conninfo is copied).
 */
struct store *
store_new(struct event_base *base, const struct store_conf *conf)
{
	struct store		*s;
	struct store_conn	*c;
	PQconninfoOption	*opts;
	struct timeval		 tv;
	const struct timeval	*ctv;
	char			*err = NULL;
	int			 i, wait_ms;

	if (base == NULL || conf == NULL || conf->sc_conninfo == NULL ||
	    conf->sc_size < 1)
		return (NULL);
	/* Syntax only; the message is not logged (it may quote conninfo). */
	if ((opts = PQconninfoParse(conf->sc_conninfo, &err)) == NULL) {
		PQfreemem(err);
		log_warnx("%s: invalid database connection string", __func__);
		return (NULL);
	}
	PQconninfoFree(opts);

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->s_base = base;
	TAILQ_INIT(&s->s_all);
	TAILQ_INIT(&s->s_waitq);
	s->s_size = conf->sc_size;
	s->s_max_waiters = conf->sc_max_waiters > 0 ? conf->sc_max_waiters : 0;
	s->s_stmt_timeout_ms = conf->sc_stmt_timeout_ms > 0 ?
	    conf->sc_stmt_timeout_ms : 0;
	wait_ms = conf->sc_wait_ms > 0 ? conf->sc_wait_ms : 0;
	tv.tv_sec = wait_ms / 1000;
	tv.tv_usec = (wait_ms % 1000) * 1000;
	/* Every waiter has the same timeout: libevent keeps them in a list. */
	if ((ctv = event_base_init_common_timeout(base, &tv)) != NULL)
		s->s_wait_tv = *ctv;
	else
		s->s_wait_tv = tv;
	if ((s->s_conninfo = strdup(conf->sc_conninfo)) == NULL)
		goto fail;
	if ((s->s_conns = calloc(s->s_size, sizeof(*s->s_conns))) == NULL)
		goto fail;
	for (i = 0; i < s->s_size; i++) {
		c = &s->s_conns[i];
		c->c_store = s;
		c->c_id = i;
		c->c_backoff_ms = STORE_BACKOFF_MIN_MS;
		if ((c->c_timer = evtimer_new(base, conn_timer_cb, c)) == NULL)
			goto fail;
		conn_schedule(c, 0);
	}
	return (s);
 fail:
	store_free(s);
	return (NULL);
}

/*
 * Close every connection and free every request without calling any
 * callback: the owner is shutting down and its callers' state may already
 * be gone.  A transaction in flight is abandoned with the connection (the
 * server rolls it back unless its COMMIT had already run).  Not from
 * inside a store callback.
 */
void
store_free(struct store *s)
{
	struct store_req	*r;
	int			 i;

	if (s == NULL)
		return;
	if (s->s_conns != NULL) {
		for (i = 0; i < s->s_size; i++) {
			conn_close(&s->s_conns[i]);
			if (s->s_conns[i].c_timer != NULL)
				event_free(s->s_conns[i].c_timer);
		}
	}
	while ((r = TAILQ_FIRST(&s->s_all)) != NULL)
		req_free(r);
	free(s->s_conns);
	if (s->s_conninfo != NULL) {
		/* It may hold a password. */
		explicit_bzero(s->s_conninfo, strlen(s->s_conninfo));
		free(s->s_conninfo);
	}
	free(s);
}

struct store_req *
store_exec(struct store *s, const struct store_stmt *stmts, int n,
    store_cb cb, void *arg)
{
	struct store_conn	*c;
	struct store_req	*r;

	if (s == NULL || stmts == NULL || n < 1 || n > STORE_MAX_STMTS)
		return (NULL);
	c = TAILQ_EMPTY(&s->s_waitq) ? store_idle_conn(s) : NULL;
	if (c == NULL && s->s_nwaiting >= s->s_max_waiters)
		return (NULL);
	if ((r = req_new(s, stmts, n, cb, arg)) == NULL)
		return (NULL);
	if (c != NULL) {
		/* A failed send fails r later, from its timer. */
		(void)conn_send(c, r);
		return (r);
	}
	TAILQ_INSERT_TAIL(&s->s_waitq, r, r_wait);
	r->r_queued = 1;
	s->s_nwaiting++;
	evtimer_add(r->r_timer, &s->s_wait_tv);
	/* Cheap insurance: no connection may sit idle beside a waiter. */
	store_dispatch(s);
	return (r);
}

/* A database round trip, for readiness checks. */
struct store_req *
store_ping(struct store *s, store_cb cb, void *arg)
{
	struct store_stmt	 st;

	memset(&st, 0, sizeof(st));
	st.st_sql = "SELECT 1";
	return (store_exec(s, &st, 1, cb, arg));
}

/*
 * A waiting request is dropped at once.  One in flight keeps its
 * connection until the server answers (the results are then discarded),
 * and one whose failure is already scheduled is freed by its timer.
 */
void
store_abandon(struct store_req *r)
{
	struct store	*s;

	if (r == NULL)
		return;
	s = r->r_store;
	if (r->r_queued) {
		TAILQ_REMOVE(&s->s_waitq, r, r_wait);
		r->r_queued = 0;
		s->s_nwaiting--;
		req_free(r);
		return;
	}
	r->r_cb = NULL;
}

void
store_cancel(struct store_req *r)
{
	struct store	*s;

	if (r == NULL)
		return;
	s = r->r_store;
	if (r->r_queued) {
		/* Never sent: fail it from the loop, not from here. */
		TAILQ_REMOVE(&s->s_waitq, r, r_wait);
		r->r_queued = 0;
		s->s_nwaiting--;
		event_active(r->r_timer, EV_TIMEOUT, 1);
		return;
	}
	if (r->r_conn != NULL && r->r_conn->c_state == CONN_BUSY) {
		conn_cancel(r->r_conn);
		/* Give the server a short while to say what it did. */
		conn_deadline(r->r_conn, STORE_CANCEL_MS);
	}
}

int
store_connected(const struct store *s)
{
	return (s == NULL ? 0 : s->s_nconnected);
}

const char *
store_sqlstate(const PGresult *res)
{
	const char	*st;

	if (res == NULL ||
	    (st = PQresultErrorField(res, PG_DIAG_SQLSTATE)) == NULL)
		return ("");
	return (st);
}

unsigned char *
store_bytea_dup(const PGresult *res, int row, int col, size_t *len)
{
	const char	*v;
	unsigned char	*b;
	size_t		 n;

	*len = 0;
	if (PQgetisnull(res, row, col))
		return (NULL);
	v = PQgetvalue(res, row, col);
	if (v[0] != '\\' || v[1] != 'x' || (n = strlen(v + 2)) % 2 != 0 ||
	    (b = malloc(n / 2 + 1)) == NULL)
		return (NULL);
	if (secret_hex_decode(v + 2, n, b, n / 2) == -1) {
		free(b);
		return (NULL);
	}
	*len = n / 2;
	return (b);
}

/* Connection life cycle. */

/* Wait delay_ms, then connect (conn_timer_cb in state DOWN). */
static void
conn_schedule(struct store_conn *c, int delay_ms)
{
	struct timeval	 tv;

	c->c_state = CONN_DOWN;
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	evtimer_add(c->c_timer, &tv);
}

/*
 * Start a non-blocking connect.  conninfo goes in as an expanded dbname so
 * that a fallback application name can sit beside it without overriding
 * anything the operator set.  (Host names are resolved by libpq with a
 * blocking getaddrinfo(): configure a socket path or hostaddr.)
 */
static void
conn_start(struct store_conn *c)
{
	static const char *const kw[] = {
		"dbname", "fallback_application_name", NULL
	};
	const char	*val[3];

	val[0] = c->c_store->s_conninfo;
	val[1] = "meldpuntd";
	val[2] = NULL;
	c->c_pg = PQconnectStartParams(kw, val, 1);
	if (c->c_pg == NULL) {
		conn_lost(c, "out of memory");
		return;
	}
	PQsetNoticeProcessor(c->c_pg, store_notice, NULL);
	if (PQstatus(c->c_pg) == CONNECTION_BAD) {
		conn_lost(c, "connect failed");
		return;
	}
	c->c_state = CONN_CONNECTING;
	conn_deadline(c, STORE_CONNECT_MS);
	/* As the libpq manual says: start as if polling had said WRITING. */
	conn_connect_wait(c, PGRES_POLLING_WRITING);
}

/*
 * Wait for the socket libpq wants next.  The socket can change between
 * PQconnectPoll() steps (another address, SSL fallback), so the event is
 * made afresh each time.
 */
static void
conn_connect_wait(struct store_conn *c, PostgresPollingStatusType ps)
{
	int	 fd;

	if (c->c_ev != NULL) {
		event_free(c->c_ev);
		c->c_ev = NULL;
	}
	if ((fd = PQsocket(c->c_pg)) < 0) {
		conn_lost(c, "no socket");
		return;
	}
	c->c_ev = event_new(c->c_store->s_base, fd,
	    ps == PGRES_POLLING_READING ? EV_READ : EV_WRITE,
	    conn_connect_cb, c);
	if (c->c_ev == NULL || event_add(c->c_ev, NULL) == -1)
		conn_lost(c, "event");
}

static void
conn_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store_conn		*c = arg;
	PostgresPollingStatusType	 ps;

	(void)fd;
	(void)what;
	ps = PQconnectPoll(c->c_pg);
	switch (ps) {
	case PGRES_POLLING_OK:
		conn_setup(c);
		break;
	case PGRES_POLLING_READING:
	case PGRES_POLLING_WRITING:
		conn_connect_wait(c, ps);
		break;
	default:
		conn_lost(c, "connect failed");
		break;
	}
}

/*
 * Connected: switch to non-blocking mode, install the steady read event
 * and set statement_timeout.  The SET doubles as proof that the session
 * really works before a request is trusted to it.
 */
static void
conn_setup(struct store_conn *c)
{
	struct event_base	*base = c->c_store->s_base;
	char			 sql[64];
	int			 fd;

	if (c->c_ev != NULL) {
		event_free(c->c_ev);
		c->c_ev = NULL;
	}
	if (PQsetnonblocking(c->c_pg, 1) == -1 ||
	    (fd = PQsocket(c->c_pg)) < 0) {
		conn_lost(c, "setup");
		return;
	}
	c->c_ev = event_new(base, fd, EV_READ | EV_PERSIST, conn_io_cb, c);
	c->c_wev = event_new(base, fd, EV_WRITE, conn_io_cb, c);
	if (c->c_ev == NULL || c->c_wev == NULL ||
	    event_add(c->c_ev, NULL) == -1) {
		conn_lost(c, "event");
		return;
	}
	/* An integer we format ourselves: no parameter to leak. */
	snprintf(sql, sizeof(sql), "SET statement_timeout = %d",
	    c->c_store->s_stmt_timeout_ms);
	c->c_state = CONN_SETUP;
	c->c_setup_bad = 0;
	if (PQsendQuery(c->c_pg, sql) == 0 || conn_flush(c) == -1)
		conn_lost(c, "setup send");
}

static void
conn_up(struct store_conn *c)
{
	struct store	*s = c->c_store;

	if (c->c_fails > 0)
		log_info("%s: connection %d up after %d failed attempts",
		    __func__, c->c_id, c->c_fails);
	else
		log_debug("%s: connection %d up", __func__, c->c_id);
	c->c_fails = 0;
	c->c_backoff_ms = STORE_BACKOFF_MIN_MS;
	s->s_nconnected++;
	conn_idle(c);
}

/*
 * The connection is unusable: close it, retry after the backoff, and fail
 * its request (if any): STORE_UNKNOWN once sent, else STORE_UNAVAILABLE.
 * why is a fixed string of ours, never libpq's message.
 */
static void
conn_lost(struct store_conn *c, const char *why)
{
	struct store		*s = c->c_store;
	struct store_req	*r = c->c_req;
	int			 delay;

	if (c->c_state == CONN_IDLE || c->c_state == CONN_BUSY ||
	    c->c_state == CONN_RESET) {
		s->s_nconnected--;
		log_warnx("%s: connection %d lost (%s), %d live", __func__,
		    c->c_id, why, s->s_nconnected);
	} else if (c->c_fails == 0)
		log_warnx("%s: connection %d: %s", __func__, c->c_id, why);
	else
		log_debug("%s: connection %d: %s, attempt %d", __func__,
		    c->c_id, why, c->c_fails + 1);
	c->c_fails++;
	conn_close(c);
	delay = c->c_backoff_ms;
	c->c_backoff_ms = delay * 2 > STORE_BACKOFF_MAX_MS ?
	    STORE_BACKOFF_MAX_MS : delay * 2;
	conn_schedule(c, delay);
	if (r != NULL) {
		r->r_conn = NULL;
		req_finish(r, r->r_sent ? STORE_UNKNOWN : STORE_UNAVAILABLE,
		    "");
	}
}

/* Release the libpq connection and its events; c_timer stays. */
static void
conn_close(struct store_conn *c)
{
	if (c->c_ev != NULL)
		event_free(c->c_ev);
	if (c->c_wev != NULL)
		event_free(c->c_wev);
	c->c_ev = c->c_wev = NULL;
	if (c->c_timer != NULL)
		evtimer_del(c->c_timer);
	if (c->c_pg != NULL)
		PQfinish(c->c_pg);	/* non-blocking socket: no wait */
	c->c_pg = NULL;
	/* A new session has no prepared statements. */
	prep_settle(c, 1);
	free(c->c_map);
	c->c_map = NULL;
	c->c_nslots = 0;
	c->c_req = NULL;
	c->c_flushing = 0;
	c->c_cancelled = 0;
	c->c_state = CONN_DOWN;
}

static void
conn_idle(struct store_conn *c)
{
	c->c_state = CONN_IDLE;
	evtimer_del(c->c_timer);
	store_dispatch(c->c_store);
}

/* A request left the session inside a transaction: roll it back first. */
static void
conn_reset(struct store_conn *c)
{
	c->c_state = CONN_RESET;
	c->c_setup_bad = 0;
	conn_deadline(c, STORE_RESET_MS);
	if (PQsendQuery(c->c_pg, "ROLLBACK") == 0 || conn_flush(c) == -1)
		conn_lost(c, "rollback send");
}

/* Push buffered output; wait for write-readiness while libpq has more. */
static int
conn_flush(struct store_conn *c)
{
	int	 rv;

	if ((rv = PQflush(c->c_pg)) == -1)
		return (-1);
	c->c_flushing = rv;
	if (rv == 1 && event_add(c->c_wev, NULL) == -1)
		return (-1);
	return (0);
}

static void
conn_deadline(struct store_conn *c, int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(c->c_timer, &tv);
}

/*
 * The backoff is over (DOWN), or a state took too long (anything else).
 * A statement past its deadline is cancelled first, so that the server
 * says what became of it; only a server that stays silent even then costs
 * the connection (and its request an unknown outcome).
 */
static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store_conn	*c = arg;

	(void)fd;
	(void)what;
	if (c->c_state == CONN_DOWN)
		conn_start(c);
	else if (c->c_state == CONN_BUSY && !c->c_cancelled) {
		conn_cancel(c);
		conn_deadline(c, STORE_CANCEL_MS);
	} else if (c->c_state != CONN_IDLE)
		conn_lost(c, "timed out");
}

static void *
conn_cancel_thread(void *arg)
{
	PGcancel	*pc = arg;
	char		 err[256];

	/* The outcome shows on the connection itself; err is not logged
	 * (libpq's text).  Blocks at most one connect to the server. */
	(void)PQcancel(pc, err, sizeof(err));
	PQfreeCancel(pc);
	return (NULL);
}

/*
 * Ask the server to cancel c's statement.  PQcancel() opens a connection
 * of its own and waits for it, so it runs on a detached thread; the
 * PGcancel object is a copy of what it needs and is freed there.  At most
 * one cancel per request.  If no thread can be made, the deadline drops
 * the connection instead.
 */
static void
conn_cancel(struct store_conn *c)
{
	PGcancel	*pc;
	pthread_t	 t;
	pthread_attr_t	 attr;

	if (c->c_cancelled || c->c_pg == NULL)
		return;
	c->c_cancelled = 1;
	if ((pc = PQgetCancel(c->c_pg)) == NULL)
		return;
	if (pthread_attr_init(&attr) != 0) {
		PQfreeCancel(pc);
		return;
	}
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_cancel_thread, pc) != 0) {
		log_warnx("%s: connection %d: no thread for the cancel",
		    __func__, c->c_id);
		PQfreeCancel(pc);
	}
	pthread_attr_destroy(&attr);
}

static void
conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store_conn	*c = arg;
	PGnotify		*nf;

	(void)fd;
	if ((what & EV_READ) && PQconsumeInput(c->c_pg) == 0) {
		conn_lost(c, "read");
		return;
	}
	if (c->c_flushing && conn_flush(c) == -1) {
		conn_lost(c, "write");
		return;
	}
	/* Nobody LISTENs, but never let notifications pile up. */
	while ((nf = PQnotifies(c->c_pg)) != NULL)
		PQfreemem(nf);
	if (PQstatus(c->c_pg) == CONNECTION_BAD) {
		conn_lost(c, "closed");
		return;
	}
	conn_collect(c);
}

/*
 * Take every complete result.  conn_result() may finish the request,
 * start the next one on this connection, or close it; the loop re-reads
 * the state each time and stops when nothing is expected.
 */
static void
conn_collect(struct store_conn *c)
{
	PGresult	*res;

	while (c->c_pg != NULL && (c->c_state == CONN_SETUP ||
	    c->c_state == CONN_BUSY || c->c_state == CONN_RESET)) {
		if (PQisBusy(c->c_pg))
			return;
		res = PQgetResult(c->c_pg);
		/* A dead connection yields NULLs forever: never spin on it. */
		if (res == NULL && PQstatus(c->c_pg) == CONNECTION_BAD) {
			conn_lost(c, "closed");
			return;
		}
		if (conn_result(c, res) == -1)
			return;
	}
}

/*
 * One PQgetResult() outcome (res may be NULL), taking ownership of res.
 * Pipelines deliver, per query slot, its results and then NULL; after the
 * last slot comes PGRES_PIPELINE_SYNC with no NULL after it.  Once a
 * statement fails, every later slot is PGRES_PIPELINE_ABORTED.
 * Returns -1 when the caller must stop reading.
 */
static int
conn_result(struct store_conn *c, PGresult *res)
{
	struct store_req	*r = c->c_req;
	ExecStatusType		 st;
	int			 i;

	if (c->c_state == CONN_SETUP || c->c_state == CONN_RESET) {
		if (res != NULL) {
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				log_warnx("%s: connection %d: sqlstate %s",
				    __func__, c->c_id, store_sqlstate(res));
				c->c_setup_bad = 1;
			}
			PQclear(res);
			return (0);
		}
		if (c->c_state == CONN_SETUP && !c->c_setup_bad)
			conn_up(c);
		else if (c->c_state == CONN_RESET && !c->c_setup_bad &&
		    PQtransactionStatus(c->c_pg) == PQTRANS_IDLE)
			conn_idle(c);
		else {
			conn_lost(c, "session setup or reset failed");
			return (-1);
		}
		return (0);
	}

	/* CONN_BUSY.  COPY would return its result forever: refuse it. */
	if (res != NULL && (PQresultStatus(res) == PGRES_COPY_IN ||
	    PQresultStatus(res) == PGRES_COPY_OUT ||
	    PQresultStatus(res) == PGRES_COPY_BOTH)) {
		PQclear(res);
		conn_lost(c, "COPY is not supported");
		return (-1);
	}
	if (!c->c_pipelined) {
		if (res == NULL) {
			conn_req_done(c);
			return (0);
		}
		req_note_error(r, res);
		if (r->r_results[0] == NULL)
			r->r_results[0] = res;
		else
			PQclear(res);
		return (0);
	}
	if (res == NULL) {
		/* Every slot of c_map ends with NULL; then only the Sync. */
		if (++c->c_slot > c->c_nslots) {
			conn_lost(c, "pipeline out of step");
			return (-1);
		}
		return (0);
	}
	st = PQresultStatus(res);
	if (st == PGRES_PIPELINE_SYNC) {
		PQclear(res);
		conn_req_done(c);
		return (0);
	}
	if (st == PGRES_PIPELINE_ABORTED) {
		PQclear(res);
		return (0);
	}
	i = c->c_slot < c->c_nslots ? c->c_map[c->c_slot] : SLOT_META;
	if (i <= SLOT_PREP(0)) {
		/* A Parse: ready for the next requests, or the error of
		 * this one (its execution is then aborted). */
		if (st == PGRES_COMMAND_OK)
			c->c_prep[SLOT_PREP(0) - i].p_ready = 1;
		else
			req_note_error(r, res);
		PQclear(res);
		return (0);
	}
	req_note_error(r, res);		/* BEGIN and COMMIT can fail too */
	if (i >= 0 && i < r->r_n && r->r_results[i] == NULL)
		r->r_results[i] = res;
	else
		PQclear(res);
	return (0);
}

/*
 * The request has all its results.  Put the connection back in order
 * (leave pipeline mode, roll back what the request left open) and hand it
 * the next waiter *before* the callback runs, so the callback cannot jump
 * the queue; then call back.
 */
static void
conn_req_done(struct store_conn *c)
{
	struct store_req	*r = c->c_req;
	enum store_status	 status = r->r_status;
	char			 sqlstate[6];

	c->c_req = NULL;
	r->r_conn = NULL;
	memcpy(sqlstate, r->r_sqlstate, sizeof(sqlstate));
	prep_settle(c, 0);
	/* Every result is in: the outcome is known whatever the
	 * connection does next. */
	if (PQpipelineStatus(c->c_pg) != PQ_PIPELINE_OFF &&
	    PQexitPipelineMode(c->c_pg) == 0)
		conn_lost(c, "pipeline exit");
	else if (PQstatus(c->c_pg) == CONNECTION_BAD)
		conn_lost(c, "closed");
	else if (strcmp(sqlstate, "0A000") == 0 ||
	    strcmp(sqlstate, "26000") == 0)
		/*
		 * "cached plan must not change result type" (a table changed
		 * under a prepared statement) or a statement this connection
		 * prepared is gone: a new session starts with none, and the
		 * request runs again below.
		 */
		conn_lost(c, "prepared statements outdated");
	else if (strcmp(sqlstate, "25006") == 0)
		/*
		 * A read-only server: after a failover the old primary may
		 * come back as a standby with our session still open.  Drop
		 * the connection so that the reconnect picks the new primary
		 * (target_session_attrs=read-write in a multi-host conninfo).
		 * The statement was refused, so nothing was written.
		 */
		conn_lost(c, "server is read-only");
	else if (PQtransactionStatus(c->c_pg) != PQTRANS_IDLE)
		conn_reset(c);
	else
		conn_idle(c);
	if (status == STORE_UNAVAILABLE && r->r_retries < STORE_RETRIES &&
	    r->r_cb != NULL && (strcmp(sqlstate, "40001") == 0 ||
	    strcmp(sqlstate, "40P01") == 0)) {
		req_retry(r);
		return;
	}
	/* A prepared statement outdated by a schema change (or gone) was
	 * refused before it ran, and the set is forgotten: run once more,
	 * parsed afresh, instead of failing the caller. */
	if (status == STORE_QUERY_ERROR && r->r_retries == 0 &&
	    r->r_cb != NULL && (strcmp(sqlstate, "0A000") == 0 ||
	    strcmp(sqlstate, "26000") == 0)) {
		req_retry(r);
		return;
	}
	req_finish(r, status, sqlstate);
}

/*
 * The server rolled r back for a reason a second try may not meet
 * (serialization failure, deadlock): run it again, ahead of the waiters.
 * Safe because a request is one whole transaction.
 */
static void
req_retry(struct store_req *r)
{
	struct store	*s = r->r_store;
	int		 i;

	r->r_retries++;
	r->r_sent = 0;
	r->r_status = STORE_OK;
	r->r_sqlstate[0] = '\0';
	for (i = 0; i < r->r_n; i++) {
		PQclear(r->r_results[i]);
		r->r_results[i] = NULL;
	}
	log_debug("%s: sqlstate 40001/40P01, retry %d", __func__,
	    r->r_retries);
	TAILQ_INSERT_HEAD(&s->s_waitq, r, r_wait);
	r->r_queued = 1;
	s->s_nwaiting++;
	evtimer_add(r->r_timer, &s->s_wait_tv);
	store_dispatch(s);
}

/* FNV-1a over a statement text: the prepared set's look-up key. */
static uint64_t
prep_hash(const char *sql)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *sql != '\0'; sql++)
		h = (h ^ (unsigned char)*sql) * 1099511628211ULL;
	return (h);
}

/* The entry of c for sql (ready or being prepared), or -1. */
static int
prep_find(const struct store_conn *c, const char *sql, uint64_t h)
{
	int	e;

	for (e = 0; e < c->c_nprep; e++)
		if (c->c_prep[e].p_hash == h &&
		    strcmp(c->c_prep[e].p_sql, sql) == 0)
			return (e);
	return (-1);
}

/* A new entry for sql, not yet prepared; -1 when the set is full. */
static int
prep_add(struct store_conn *c, const char *sql, uint64_t h)
{
	struct store_prep	*p;

	if (c->c_nprep == STORE_PREP_MAX)
		return (-1);
	p = &c->c_prep[c->c_nprep];
	if ((p->p_sql = strdup(sql)) == NULL)
		return (-1);
	p->p_hash = h;
	/* A fresh name per attempt: a Parse whose answer was lost may
	 * still exist on the server, and must not collide. */
	p->p_id = c->c_prep_seq++;
	p->p_ready = 0;
	return (c->c_nprep++);
}

static void
prep_name(const struct store_conn *c, int e, char *buf, size_t cap)
{
	snprintf(buf, cap, "mp%u", c->c_prep[e].p_id);
}

/*
 * After a request: entries whose Parse did not succeed are dropped (all
 * entries when clear is set).  Ready entries stay in place, so the
 * indexes the next request computes are its own.
 */
static void
prep_settle(struct store_conn *c, int clear)
{
	int	e, k = 0;

	for (e = 0; e < c->c_nprep; e++) {
		if (!clear && c->c_prep[e].p_ready) {
			c->c_prep[k++] = c->c_prep[e];
			continue;
		}
		free(c->c_prep[e].p_sql);
		c->c_prep[e].p_sql = NULL;
	}
	c->c_nprep = k;
}

/*
 * Send r on the idle connection c.  One statement goes alone (autocommit);
 * several go as one pipeline BEGIN, ..., COMMIT, Sync.  On failure the
 * connection is dropped and r is failed from its timer, never from here:
 * store_exec() promises not to call back, and a request that may have
 * partly reached the server must not be sent twice.
 */
static int
conn_send(struct store_conn *c, struct store_req *r)
{
	PGconn			*pg = c->c_pg;
	struct store_qstmt	*q;
	char			 name[16];
	int			 i, e, fresh, ok = 1, n = 0;

	c->c_req = r;
	r->r_conn = c;
	c->c_state = CONN_BUSY;
	c->c_slot = 0;
	c->c_cancelled = 0;
	free(c->c_map);
	c->c_nslots = 0;
	/* BEGIN, a Parse and an execution per statement, COMMIT. */
	if ((c->c_map = calloc((size_t)r->r_n * 2 + 2, sizeof(int))) == NULL)
		goto fail;
	/* From the first send on, bytes may reach the server. */
	r->r_sent = 1;
	q = &r->r_stmts[0];
	if (r->r_n == 1 && (e = prep_find(c, q->q_sql,
	    prep_hash(q->q_sql))) != -1 && c->c_prep[e].p_ready) {
		/* Prepared on this connection: execute it by name alone. */
		c->c_pipelined = 0;
		prep_name(c, e, name, sizeof(name));
		ok = PQsendQueryPrepared(pg, name, q->q_nparams,
		    (const char *const *)q->q_values, q->q_lengths,
		    q->q_formats, q->q_binary);
		goto sent;
	}
	/*
	 * Otherwise a pipeline: several statements in BEGIN ... COMMIT (one
	 * alone runs as the pipeline's implicit transaction), each new text
	 * parsed right before its first execution.
	 */
	c->c_pipelined = 1;
	ok = PQenterPipelineMode(pg);
	if (ok && r->r_n > 1) {
		ok = PQsendQueryParams(pg, "BEGIN", 0, NULL, NULL, NULL, NULL,
		    0);
		c->c_map[n++] = SLOT_META;
	}
	for (i = 0; ok && i < r->r_n; i++) {
		uint64_t h;

		q = &r->r_stmts[i];
		h = prep_hash(q->q_sql);
		fresh = 0;
		if ((e = prep_find(c, q->q_sql, h)) == -1 &&
		    (e = prep_add(c, q->q_sql, h)) != -1)
			fresh = 1;
		if (e != -1)
			prep_name(c, e, name, sizeof(name));
		if (fresh) {
			ok = PQsendPrepare(pg, name, q->q_sql, q->q_nparams,
			    NULL);
			c->c_map[n++] = SLOT_PREP(e);
		}
		if (ok && e != -1)
			ok = PQsendQueryPrepared(pg, name, q->q_nparams,
			    (const char *const *)q->q_values, q->q_lengths,
			    q->q_formats, q->q_binary);
		else if (ok)
			ok = PQsendQueryParams(pg, q->q_sql, q->q_nparams,
			    NULL, (const char *const *)q->q_values,
			    q->q_lengths, q->q_formats, q->q_binary);
		c->c_map[n++] = i;
	}
	if (ok && r->r_n > 1) {
		ok = PQsendQueryParams(pg, "COMMIT", 0, NULL, NULL, NULL,
		    NULL, 0);
		c->c_map[n++] = SLOT_META;
	}
	ok = ok && PQpipelineSync(pg);
	c->c_nslots = n;
 sent:
	if (!ok || conn_flush(c) == -1)
		goto fail;
	if (c->c_store->s_stmt_timeout_ms > 0)
		conn_deadline(c, c->c_store->s_stmt_timeout_ms * r->r_n +
		    STORE_BUSY_SLACK_MS);
	else
		evtimer_del(c->c_timer);
	return (0);
 fail:
	c->c_req = NULL;
	r->r_conn = NULL;
	conn_lost(c, "send");
	event_active(r->r_timer, EV_TIMEOUT, 1);
	return (-1);
}

/* Give idle connections to the oldest waiters. */
static void
store_dispatch(struct store *s)
{
	struct store_conn	*c;
	struct store_req	*r;

	while ((r = TAILQ_FIRST(&s->s_waitq)) != NULL &&
	    (c = store_idle_conn(s)) != NULL) {
		TAILQ_REMOVE(&s->s_waitq, r, r_wait);
		r->r_queued = 0;
		s->s_nwaiting--;
		evtimer_del(r->r_timer);
		(void)conn_send(c, r);
	}
}

static struct store_conn *
store_idle_conn(struct store *s)
{
	int	 i;

	for (i = 0; i < s->s_size; i++)
		if (s->s_conns[i].c_state == CONN_IDLE)
			return (&s->s_conns[i]);
	return (NULL);
}

/* Notices (RAISE NOTICE, warnings) can carry values: drop them. */
static void
store_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Requests. */

static int
qstmt_copy(struct store_qstmt *q, const struct store_stmt *st)
{
	const char	*v;
	int		 i, np = st->st_nparams, bin;
	size_t		 len;

	if (st->st_sql == NULL || np < 0 || np > STORE_MAX_PARAMS ||
	    (np > 0 && st->st_values == NULL))
		return (-1);
	q->q_nparams = np;
	q->q_binary = st->st_binary_result ? 1 : 0;
	if ((q->q_sql = strdup(st->st_sql)) == NULL)
		return (-1);
	if (np == 0)
		return (0);
	q->q_values = calloc(np, sizeof(*q->q_values));
	q->q_lengths = calloc(np, sizeof(*q->q_lengths));
	if (q->q_values == NULL || q->q_lengths == NULL)
		return (-1);
	if (st->st_formats != NULL) {
		if ((q->q_formats = calloc(np, sizeof(int))) == NULL)
			return (-1);
		memcpy(q->q_formats, st->st_formats, np * sizeof(int));
	}
	for (i = 0; i < np; i++) {
		if ((v = st->st_values[i]) == NULL)
			continue;
		bin = st->st_formats != NULL && st->st_formats[i] != 0;
		if (bin) {
			if (st->st_lengths == NULL || st->st_lengths[i] < 0)
				return (-1);
			len = st->st_lengths[i];
		} else
			len = strlen(v);
		/* NUL-terminated as well, for text; binary keeps its length. */
		if ((q->q_values[i] = malloc(len + 1)) == NULL)
			return (-1);
		memcpy(q->q_values[i], v, len);
		q->q_values[i][len] = '\0';
		q->q_lengths[i] = (int)len;
	}
	return (0);
}

/* Parameters may be ciphertext, hashes or lookup ids: wipe them. */
static void
qstmt_clear(struct store_qstmt *q)
{
	int	 i;

	if (q->q_values != NULL) {
		for (i = 0; i < q->q_nparams; i++) {
			if (q->q_values[i] == NULL)
				continue;
			explicit_bzero(q->q_values[i], q->q_lengths[i]);
			free(q->q_values[i]);
		}
	}
	free(q->q_values);
	free(q->q_lengths);
	free(q->q_formats);
	free(q->q_sql);
}

static struct store_req *
req_new(struct store *s, const struct store_stmt *stmts, int n, store_cb cb,
    void *arg)
{
	struct store_req	*r;
	int			 i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	r->r_store = s;
	r->r_cb = cb;
	r->r_arg = arg;
	r->r_n = n;
	TAILQ_INSERT_TAIL(&s->s_all, r, r_all);
	r->r_stmts = calloc(n, sizeof(*r->r_stmts));
	r->r_results = calloc(n, sizeof(*r->r_results));
	r->r_timer = evtimer_new(s->s_base, req_timer_cb, r);
	if (r->r_stmts == NULL || r->r_results == NULL || r->r_timer == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if (qstmt_copy(&r->r_stmts[i], &stmts[i]) == -1)
			goto fail;
	return (r);
 fail:
	req_free(r);
	return (NULL);
}

/* Free r and everything it owns; no callback.  r must not be queued. */
static void
req_free(struct store_req *r)
{
	struct store	*s;
	int		 i;

	if (r == NULL)
		return;
	s = r->r_store;
	if (r->r_queued) {
		TAILQ_REMOVE(&s->s_waitq, r, r_wait);
		s->s_nwaiting--;
	}
	TAILQ_REMOVE(&s->s_all, r, r_all);
	if (r->r_stmts != NULL) {
		for (i = 0; i < r->r_n; i++)
			qstmt_clear(&r->r_stmts[i]);
		free(r->r_stmts);
	}
	if (r->r_results != NULL) {
		for (i = 0; i < r->r_n; i++)
			PQclear(r->r_results[i]);
		free(r->r_results);
	}
	if (r->r_timer != NULL)
		event_free(r->r_timer);
	free(r);
}

/*
 * Call back (unless abandoned) and free r.  After a lost connection or a
 * refusal the partial results mean nothing, so the callback sees none.
 */
static void
req_finish(struct store_req *r, enum store_status status,
    const char *sqlstate)
{
	int	 i;

	if (status == STORE_UNAVAILABLE || status == STORE_UNKNOWN) {
		for (i = 0; i < r->r_n; i++) {
			PQclear(r->r_results[i]);
			r->r_results[i] = NULL;
		}
	}
	if (r->r_cb != NULL)
		r->r_cb(status, sqlstate, r->r_results, r->r_n, r->r_arg);
	req_free(r);
}

/*
 * Remember the first failure.  Operational refusals (store_transient())
 * count as STORE_UNAVAILABLE, not as a refusal of the statement; an error
 * libpq made up without a SQLSTATE (the answer broke off) as
 * STORE_UNKNOWN.
 */
static void
req_note_error(struct store_req *r, const PGresult *res)
{
	ExecStatusType	 st = PQresultStatus(res);
	const char	*code;

	if (r->r_status != STORE_OK ||
	    (st != PGRES_FATAL_ERROR && st != PGRES_BAD_RESPONSE))
		return;
	code = store_sqlstate(res);
	if (strlen(code) != 5) {
		/* libpq's own error (the connection broke mid-answer): what
		 * the server did is unknown. */
		r->r_status = STORE_UNKNOWN;
		return;
	}
	r->r_status = store_transient(code) ? STORE_UNAVAILABLE :
	    STORE_QUERY_ERROR;
	memcpy(r->r_sqlstate, code, sizeof(r->r_sqlstate));
}

int
store_transient(const char *code)
{
	static const char *const exact[] = {
		"25006", "42501", "57014", "57P01", "57P02", "57P03", "57P04",
		"57P05", "40001", "40P01", "55P03", "25P03",
	};
	size_t	 i;

	if (code == NULL || strlen(code) != 5)
		return (0);
	if ((strncmp(code, "08", 2) == 0 && strcmp(code, "08P01") != 0) ||
	    strncmp(code, "53", 2) == 0 || strncmp(code, "58", 2) == 0)
		return (1);
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(code, exact[i]) == 0)
			return (1);
	return (0);
}

/* The wait deadline passed, or conn_send() asked for a deferred failure. */
static void
req_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store_req	*r = arg;
	struct store		*s = r->r_store;

	(void)fd;
	(void)what;
	if (r->r_queued) {
		TAILQ_REMOVE(&s->s_waitq, r, r_wait);
		r->r_queued = 0;
		s->s_nwaiting--;
	}
	req_finish(r, r->r_sent ? STORE_UNKNOWN : STORE_UNAVAILABLE, "");
}
