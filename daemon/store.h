/*
 * The PostgreSQL connection pool for meldpuntd, built on libpq's
 * asynchronous API: non-blocking connects, PQsendQueryParams, pipeline mode
 * for multi-statement transactions, results delivered on socket events.
 * No libpq call here ever blocks the loop.
 *
 * The pool has a bounded number of connections and a bounded wait queue
 * with a deadline; a request that cannot get a connection in time fails
 * with STORE_UNAVAILABLE (the HTTP layer answers 503).  Broken connections
 * are re-established in the background with backoff, so a PostgreSQL
 * restart heals itself.
 *
 * Never log parameter values or PQerrorMessage() text; SQLSTATE only.
 */
#ifndef MELDPUNT_STORE_H
#define MELDPUNT_STORE_H

#include <stddef.h>

#include <libpq-fe.h>

struct event_base;
struct store;
struct store_req;

/*
 * What a caller may tell its client.  STORE_UNAVAILABLE and
 * STORE_QUERY_ERROR both mean that nothing of the request took effect (it
 * never reached the server, or the server refused it and rolled back).
 * STORE_UNKNOWN means it was sent and then the answer was lost (the
 * connection broke, or a deadline passed): a COMMIT may have happened, so
 * the caller must never say "nothing was stored".
 */
enum store_status {
	STORE_OK = 0,		/* every statement succeeded */
	STORE_UNAVAILABLE,	/* not executed: no connection in time, or the
				 * server refused it for an operational reason
				 * (sqlstate says which, see store_transient) */
	STORE_QUERY_ERROR,	/* the server refused a statement; see sqlstate */
	STORE_UNKNOWN,		/* sent, outcome unknown */
};

/* One statement: text parameters unless formats say otherwise. */
struct store_stmt {
	const char		*st_sql;
	int			 st_nparams;
	const char *const	*st_values;
	const int		*st_lengths;	/* NULL: all text */
	const int		*st_formats;	/* NULL: all text */
	int			 st_binary_result;
};

/*
 * Completion callback, on the loop thread.  results[i] is the result of
 * stmts[i] (NULL when it did not run); all are borrowed and freed after the
 * callback returns.  sqlstate is set for STORE_QUERY_ERROR, else "".
 */
typedef void (*store_cb)(enum store_status status, const char *sqlstate,
    PGresult **results, int nresults, void *arg);

struct store_conf {
	const char	*sc_conninfo;	/* libpq connection string */
	int		 sc_size;	/* connections, >= 1 */
	int		 sc_wait_ms;	/* max wait for a free connection */
	int		 sc_max_waiters;/* wait-queue bound */
	int		 sc_stmt_timeout_ms; /* statement_timeout per connection */
};

/* Connections are opened in the background; returns NULL only on ENOMEM
 * or a syntactically invalid conninfo. */
struct store	*store_new(struct event_base *base, const struct store_conf *conf);
/*
 * Close every connection and free every pending request WITHOUT calling
 * its callback (callers are shutting down too).  Not from a callback.
 */
void		 store_free(struct store *s);

/*
 * Run stmts in order.  With n == 1 the statement runs on its own
 * (autocommit).  With n > 1 they run in one transaction (BEGIN ... COMMIT,
 * pipelined): all succeed or none.  The statements and their parameter
 * arrays are copied before return.  Returns a handle, or NULL when the
 * wait queue is full (answer 503 at once) or the arguments are invalid
 * or memory is short.  cb (may be NULL) runs exactly once, on the loop,
 * never from inside store_exec(); the handle is dead after it ran.
 * A binary parameter (st_formats[i] != 0) needs st_lengths[i].
 */
struct store_req *store_exec(struct store *s, const struct store_stmt *stmts,
		    int n, store_cb cb, void *arg);
/* Forget the callback of a pending request (e.g. the client went away);
 * the query still completes or is cancelled, but cb is never called. */
void		 store_abandon(struct store_req *r);
/*
 * The caller's deadline passed: a waiting request fails with
 * STORE_UNAVAILABLE (from the loop, not from here); for one in flight the
 * server is asked to cancel the statement (PQcancel, on a thread of its
 * own: it blocks), and the request completes as the server decides --
 * STORE_OK if it committed first, STORE_UNAVAILABLE with sqlstate 57014
 * if the cancel won, or later STORE_UNKNOWN.  The callback runs as usual.
 */
void		 store_cancel(struct store_req *r);
/* store_exec() of "SELECT 1": a database round trip for /readyz. */
struct store_req *store_ping(struct store *s, store_cb cb, void *arg);

int		 store_connected(const struct store *s);	/* live conns */
/*
 * Is sqlstate an operational refusal rather than a fault of the statement:
 * connection trouble (08), a read-only database (25006), a missing
 * privilege (42501), a statement timeout or cancel (57014), an operator
 * shutdown (57P0x), a serialization failure or deadlock (40001, 40P01),
 * a lock timeout (55P03), insufficient resources (53) or a system error
 * (58)?  Such errors end as STORE_UNAVAILABLE with the sqlstate kept: the
 * transaction rolled back, and a retry later may succeed.  Serialization
 * failures and deadlocks are first retried here, twice.
 */
int		 store_transient(const char *sqlstate);
const char	*store_sqlstate(const PGresult *res);	/* "" if none */
/*
 * A bytea column in text form ("\\x0a1b...") decoded into a new buffer
 * that the caller frees; *len is its length.  NULL (and *len 0) when the
 * value is NULL, malformed or memory is short.
 */
unsigned char	*store_bytea_dup(const PGresult *res, int row, int col,
		    size_t *len);

#endif
