/*
 * Shared state of meldctl's command files: the parsed global options.
 * Each command group lives in its own file (migrate, audit, ...) and is
 * dispatched from the table in meldctl.c.
 */
#ifndef MELDPUNT_ADMIN_MELDCTL_H
#define MELDPUNT_ADMIN_MELDCTL_H

struct meldctl_opts {
	const char	*mo_conninfo;	/* -d, or NULL for MELDCTL_DB / PG* */
};

#endif /* MELDPUNT_ADMIN_MELDCTL_H */
