/*
 * Test databases for every suite that needs PostgreSQL.  tests/run.sh
 * starts a throw-away cluster and exports PG* (a superuser over a trusted
 * Unix socket); testdb_create() makes a fresh database in it, migrated
 * exactly as `meldctl migrate` would.  Criterion forks each test, so every
 * test creates (in .init or its body) and drops its own database and opens
 * its own connections after the fork.  Strings and connections returned
 * belong to the caller (free / PQfinish).
 */
#ifndef MELDPUNT_TESTS_TESTDB_H
#define MELDPUNT_TESTS_TESTDB_H

#include <stddef.h>
#include <libpq-fe.h>

/* $MELDPUNT_TOP/schema, else ./schema. */
const char	*testdb_schema_dir(void);

/* A new migrated database "mp_t_<pid>_<n>"; NULL on failure (printed). */
char		*testdb_create(void);

/* An empty database (no migrations), for migration tests. */
char		*testdb_create_empty(void);

/* DROP DATABASE ... WITH (FORCE); NULL does nothing. */
void		 testdb_drop(const char *db);

/* Connect to db as role (NULL: the PG* superuser); NULL on failure. */
PGconn		*testdb_connect(const char *db, const char *role);

/*
 * Run SQL (no parameters).  Returns 0 on success, else -1 with the
 * SQLSTATE in state (6 bytes; may be NULL).
 */
int		 testdb_exec(PGconn *, const char *sql, char *state);

/* printf-style testdb_exec. */
int		 testdb_execf(PGconn *, char *state, const char *fmt, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

/* 1 when sql fails with exactly sqlstate, else 0. */
int		 testdb_fails_with(PGconn *, const char *sql,
		    const char *sqlstate);

/* The first column of the first row as a new string; NULL on error/none. */
char		*testdb_value(PGconn *, const char *sql);

/* The first column of the first row as a number; -1 on error/none. */
long long	 testdb_count(PGconn *, const char *sql);

/* Set meldpunt.session for the rest of the session (not per transaction). */
int		 testdb_set_session(PGconn *, const char *hex_token_hash);

/*
 * Demo routing for SQL-level tests (superuser connection): queues
 * labour, obi, honour and honour_urgent (1-hour first response), one
 * current key each ("k-<queue>-1", random public bytes), recovery key
 * "k-recovery-1", identity key "k-identity-1", and rules: urgent
 * honour_violence -> honour_urgent, then one default per category.
 */
int		 testdb_seed_routing(PGconn *);

/*
 * Store one report through intake.submit_report as mp_public with random
 * opaque envelope bytes and wraps to every key the category lists
 * (forms_keys).  lookup (16 bytes) and verifier (32) identify the receipt.
 * travel_date may be NULL.  Returns 0, else -1 with state set.
 */
int		 testdb_submit(const char *db, const char *category,
		    const char *subtype, const char *province,
		    const char *ground, int immediate_danger,
		    const char *travel_date, const unsigned char lookup[16],
		    const unsigned char verifier[32], char *state);

/*
 * A staff user with a known password proof ("proof-<username>", whose
 * SHA-256 is stored), member of the named queue (NULL: none).  Returns
 * the user id or -1.
 */
int		 testdb_add_user(PGconn *, const char *username,
		    const char *kind, const char *queue);

/*
 * Create a live session for username as mp_staff (via session_create with
 * TOTP step totp_step) and write the hex token hash to hex (65 bytes).
 * Returns 0, or -1 (status other than 'ok').
 */
int		 testdb_login(const char *db, const char *username,
		    long long totp_step, char hex[65]);

#endif /* MELDPUNT_TESTS_TESTDB_H */
