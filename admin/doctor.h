/*
 * `meldctl doctor`: check that an installation is consistent and name
 * what is wrong (issue 15).  Key files (present, well-formed, modes,
 * owners, the offline recovery key not on the machine, public halves
 * equal to the database's rows), database roles (login, no superuser,
 * no BYPASSRLS), migrations, queue keys and key holders, routing rules,
 * and with --config both daemons' own configuration check.  Read-only.
 */
#ifndef MELDPUNT_ADMIN_DOCTOR_H
#define MELDPUNT_ADMIN_DOCTOR_H

#include <stdio.h>
#include <libpq-fe.h>

struct doctor_opts {
	const char	*do_keys;	/* key directory (init --keys) */
	const char	*do_epoch_dir;	/* epoch keys; NULL: do_keys/epoch */
	const char	*do_config;	/* meldpuntd.conf, or NULL */
	const char	*do_schema;	/* migrations to compare with */
	const char	*do_public_user;	/* owner of the public keys */
	const char	*do_staff_user;		/* owner of the staff keys */
	const char	*do_meldpuntd;	/* binary for --config, or NULL */
};

/*
 * Run every check over conn (mp_admin or a superuser), one line each on
 * out ("ok", "WARN" or "FAIL" and what to do).  Returns the number of
 * failures (0: consistent), or -1 when the checks could not run.
 */
int	doctor_run(PGconn *conn, const struct doctor_opts *o, FILE *out);

struct meldctl_opts;
/* The `meldctl doctor` command (dispatch table in meldctl.c). */
int	doctor_command(struct meldctl_opts *, int, char **);
extern const char doctor_usage[], doctor_help[];

#endif /* MELDPUNT_ADMIN_DOCTOR_H */
