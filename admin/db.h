/*
 * Blocking libpq helpers for meldctl.  meldctl is a short-lived CLI, so
 * it uses libpq's synchronous calls; the daemon's asynchronous pool
 * (daemon/store.c) is deliberately not used here.  Results and connections
 * returned are owned by the caller (PQclear / PQfinish).
 */
#ifndef MELDPUNT_ADMIN_DB_H
#define MELDPUNT_ADMIN_DB_H

#include <stdio.h>
#include <libpq-fe.h>

/*
 * Connect with conninfo, else $MELDCTL_DB, else libpq's PG* defaults.
 * On failure print the connection error to err (it names host and
 * database, never a password) and return NULL.
 */
PGconn		*adb_connect(const char *conninfo, FILE *err);

/* The SQLSTATE of a result, or "" when there is none. */
const char	*adb_sqlstate(const PGresult *);

/*
 * Run a statement without parameters and expect success (command or
 * tuples).  Returns 0, or -1 with the SQLSTATE copied to state (6 bytes,
 * may be NULL).  For fixed SQL only: never pass text holding secrets.
 */
int		 adb_exec(PGconn *, const char *sql, char *state);

/*
 * Decode a bytea value in hex text form ("\x0a1b...") into buf of size
 * bufsz.  Returns the number of bytes, or -1 when malformed or too long.
 */
int		 adb_unhex(const char *text, unsigned char *buf, size_t bufsz);

#endif /* MELDPUNT_ADMIN_DB_H */
