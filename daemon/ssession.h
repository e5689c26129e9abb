/*
 * Staff sessions: login with user name, password and TOTP code, bearer
 * tokens, and the keys a session holds.  Used by every staff endpoint
 * (cases.c) and by the research endpoints (research.c).  This header is a
 * stable API: change it only by adding.
 *
 * A session lives in two places: the database row (casework.sessions,
 * keyed by SHA-256 of the token; the authority on idle and absolute
 * expiry and on disabled users) and this process's memory, which holds
 * the handler's private key and the queue private keys unwrapped at login
 * in locked memory.  Logout, expiry, a dead database row or process exit
 * wipe the keys.  A daemon restart therefore ends every session.
 *
 * Ownership: sessions belong to this module.  A callback receives a
 * borrowed session that stays valid until the callback returns; keep it
 * longer only with ssession_ref()/ssession_unref().  Keys leave the
 * module only as copies (ssession_queue_key()) that the caller frees.
 */
#ifndef MELDPUNT_SSESSION_H
#define MELDPUNT_SSESSION_H

#include <stddef.h>

#include <libpq-fe.h>

struct app;
struct http_request;
struct secret;
struct ssession;
struct store_stmt;

/* User kinds, as a mask for ssession_require()/ssession_auth(). */
#define SSESSION_HANDLER	0x01
#define SSESSION_OFFICER	0x02
#define SSESSION_RESEARCHER	0x04
#define SSESSION_ADMIN		0x08
#define SSESSION_ANY		0x0f
/* Handlers and officers work on cases. */
#define SSESSION_CASEWORK	(SSESSION_HANDLER | SSESSION_OFFICER)
/*
 * Added to the mask by the few endpoints that answer while first sign-in
 * steps are due (password change, TOTP enrolment, logout).  Every other
 * endpoint answers such a session 403 password_change_required or
 * totp_enrolment_required (schema 0251, docs/staff-api.md "First
 * sign-in").
 */
#define SSESSION_SETUP		0x100
/* First sign-in steps, as returned by ssession_setup_due(). */
#define SSESSION_DUE_PASSWORD	0x01
#define SSESSION_DUE_TOTP	0x02
/* Wrong codes for one enrolment secret before it is dropped. */
#define SSESSION_ENROL_TRIES	5

/* Passed to an ssession_exec_cb instead of a store status: the session
 * ended meanwhile (the caller answers 401, e.g. ssession_reply_error). */
#define SSESSION_EXPIRED	16

typedef void (*ssession_cb)(struct http_request *req, struct ssession *s,
    void *arg);
typedef void (*ssession_exec_cb)(int status, const char *sqlstate,
    PGresult **res, int nres, void *arg);

/* Start-up (reads the totp-seal key file; fatalx on a bad one). */
void		 ssession_init(struct app *app);
/* Wipe and free every session. */
void		 ssession_free(void);

/*
 * Check the request's "Authorization: Bearer <64 hex>" against the
 * sessions in memory and the kinds mask.  On success return the session
 * (borrowed, valid until the handler returns or replies); otherwise reply
 * 401/403 and return NULL.  No database round trip: combine with
 * ssession_exec(), which re-checks the database row.
 */
struct ssession	*ssession_auth(struct http_request *req, int kinds);

/*
 * ssession_auth() plus a database round trip that confirms the session
 * row (and restarts its idle clock), then cb(req, s, arg) on the loop.
 * On any failure the request is answered (401, 403, 503) and cb is not
 * called.  For endpoints that need no query of their own first, e.g.
 * research.c.
 */
void		 ssession_require(struct http_request *req, int kinds,
		    ssession_cb cb, void *arg);

/*
 * Run stmts (at most 14) in one transaction that first sets
 * meldpunt.session to the session's token hash (as a parameter) and
 * touches the session row.  cb always runs exactly once: with STORE_OK
 * and the results of stmts only, a store error, or SSESSION_EXPIRED when
 * the row is gone (the in-memory session is then ended too).  Returns -1
 * when the request could not be queued (cb will not run).
 */
int		 ssession_exec(struct ssession *s,
		    const struct store_stmt *stmts, int n,
		    ssession_exec_cb cb, void *arg);

void		 ssession_ref(struct ssession *s);
void		 ssession_unref(struct ssession *s);

int		 ssession_user_id(const struct ssession *s);
const char	*ssession_username(const struct ssession *s);
const char	*ssession_kind(const struct ssession *s);
/* Lowercase hex SHA-256 of the token, for meldpunt.session. */
const char	*ssession_hash_hex(const struct ssession *s);
size_t		 ssession_nqueue_keys(const struct ssession *s);

/*
 * A copy of the 32-byte private scalar of queue key `key_id` (32 hex
 * digits) held by the session, in locked memory; NULL when the session
 * holds no such key or has ended.  The caller secret_free()s it.
 */
struct secret	*ssession_queue_key(const struct ssession *s,
		    const char *key_id);

/* The id (32 hex digits) of the i-th queue key s holds; NULL past the
 * last one or once s has ended.  Borrowed from s. */
const char	*ssession_queue_key_id(const struct ssession *s, size_t i);

/*
 * An officer's identity private scalar followed by the contact-link key
 * (64 bytes, a copy in locked memory; the caller secret_free()s it) and
 * the identity key id in ikid; NULL when the session holds none (not an
 * officer, no `meldctl officer grant`, or ended).
 */
struct secret	*ssession_identity_keys(const struct ssession *s,
		    unsigned char ikid[16]);

/*
 * Map a failed ssession_exec()/store status to a JSON error: 503 when
 * the database is unavailable, 401 for SSESSION_EXPIRED, 404 for MP020,
 * 409 for MP021, 400 for malformed arguments, else 500.
 */
void		 ssession_reply_error(struct http_request *req, int status,
		    const char *sqlstate);

/*
 * Answer what a staff request parser refused (daemon/sparse.h): the 4xx
 * with its code and message, and the member's JSON pointer when it names
 * one.
 */
struct sparse_err;
void		 ssession_reply_sparse(struct http_request *req,
		    const struct sparse_err *e);
/* The first sign-in steps still due (SSESSION_DUE_*; 0: none). */
int		 ssession_setup_due(const struct ssession *s);
/* Mark steps done, after the database recorded them. */
void		 ssession_setup_done(struct ssession *s, int steps);
/* The totp-seal key (borrowed; NULL when logins are not configured). */
const struct secret *ssession_totp_seal_key(void);
/*
 * The TOTP secret being enrolled in this session (senrol.c): _set takes
 * ownership of totp (NULL drops the pending one) and resets the count of
 * wrong codes; _get borrows it (NULL: none); _miss counts a wrong code
 * and returns 1 when that dropped the secret (SSESSION_ENROL_TRIES).  The
 * secret is wiped with the session.
 */
void		 ssession_enrol_set(struct ssession *s, struct secret *totp);
const struct secret *ssession_enrol_get(const struct ssession *s);
int		 ssession_enrol_miss(struct ssession *s);

/* Metrics: live sessions in memory. */
int		 ssession_count(void);

/* Route handlers: POST and DELETE /v1/staff/session, GET /v1/staff/me. */
void		 ssession_login(struct http_request *req, void *arg);
void		 ssession_logout(struct http_request *req, void *arg);
void		 ssession_me(struct http_request *req, void *arg);
/*
 * POST /v1/staff/password: the caller's own password change (old
 * password and a TOTP code required); the private key is re-sealed, the
 * key pair kept, and the user's other sessions end.
 */
void		 ssession_password(struct http_request *req, void *arg);
/*
 * POST /v1/staff/key/rotate: the caller's own new key pair (password and
 * a TOTP code required); every key the session holds is re-wrapped to
 * it in one transaction; the user's other sessions end.
 */
void		 ssession_key_rotate(struct http_request *req, void *arg);

#endif
