/*
 * Start a real meldpuntd for end-to-end tests: writes a configuration and
 * a development certificate into a fresh directory under
 * $MELDPUNT_TEST_TMP, spawns $MELDPUNT_BUILD/meldpuntd with its stderr in
 * a log file, and waits for the "listening on" line to learn the port.
 */
#ifndef MELDPUNT_TDAEMON_H
#define MELDPUNT_TDAEMON_H

#include <sys/types.h>

struct tdaemon {
	pid_t	 pid;
	int	 port;
	char	 dir[512];	/* config, cert, key, log */
	char	 log[600];
};

/*
 * role: "public" or "staff".  database: a libpq conninfo (NULL: the test
 * cluster's postgres database as the superuser).  extra: more config
 * lines ("key = value\n..."), may be NULL.  Returns 0 or -1.
 */
int	 tdaemon_start(struct tdaemon *d, const char *role, const char *database,
	    const char *extra);
/* SIGTERM and wait; returns the exit status (or 128+signal), -1 on error. */
int	 tdaemon_stop(struct tdaemon *d);
/* Read the daemon's whole log (malloc'd, NUL-terminated) or NULL. */
char	*tdaemon_log(const struct tdaemon *d);
/* Write the dev certificate pair into dir (cert.pem, key.pem). */
int	 tdaemon_make_cert(const char *dir);
/* conninfo for the shared test cluster and dbname (static buffer). */
const char *tdaemon_conninfo(const char *dbname, const char *user);

#endif
