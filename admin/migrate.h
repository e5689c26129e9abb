/*
 * Forward-only schema migrations: schema/NNNN_name.sql applied in order,
 * each in its own transaction, recorded with its SHA-256 in
 * meldpunt_meta.migrations.  Used by `meldctl migrate` and by the tests'
 * testdb_create(), so that both build databases the same way.
 */
#ifndef MELDPUNT_ADMIN_MIGRATE_H
#define MELDPUNT_ADMIN_MIGRATE_H

#include <stdio.h>
#include <libpq-fe.h>

#ifndef MELDPUNT_SCHEMA_DIR
#define MELDPUNT_SCHEMA_DIR	"/usr/local/share/meldpunt/schema"
#endif

/* Outcome of a run, beyond the exit status. */
struct migrate_result {
	int	mr_applied;	/* files applied by this run */
	int	mr_version;	/* database version afterwards (0: none) */
};

/*
 * Apply every pending migration in dir over conn, which must be a
 * superuser connection (roles are created here).  Progress and refusals
 * go to msgs (NULL: silent).  Returns 0 or a sysexits(3) code:
 * EX_DATAERR for a changed, missing or newer-than-code migration,
 * EX_NOINPUT for an unreadable directory or file, EX_NOPERM when not a
 * superuser, EX_SOFTWARE when a migration's SQL fails, EX_UNAVAILABLE when
 * the server fails otherwise.  res may be NULL.
 */
int		 migrate_apply(PGconn *conn, const char *dir, FILE *msgs,
		    struct migrate_result *res);

/* ./schema when it is a directory, else MELDPUNT_SCHEMA_DIR. */
const char	*migrate_default_dir(void);

#endif /* MELDPUNT_ADMIN_MIGRATE_H */
