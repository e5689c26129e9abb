/*
 * meldctl stats: statistics exports with the same disclosure control as
 * GET /v1/research/stats (stats/disclosure.c).  meldctl connects as
 * mp_research for this command; see docs/research.md.
 */
#ifndef MELDPUNT_ADMIN_STATS_H
#define MELDPUNT_ADMIN_STATS_H

#include <stdio.h>
#include <libpq-fe.h>

#include "stats/disclosure.h"

struct meldctl_opts;

#define STATS_CLI_K		DISCLOSURE_K_DEFAULT
#define STATS_CLI_EPSILON	1.0
#define STATS_CLI_BUDGET	10.0

struct stats_export_opts {
	struct disclosure_query	 se_q;
	int			 se_k;
	double			 se_epsilon;
	double			 se_budget;
	const char		*se_actor;
};

/*
 * Run one export on conn (role mp_research): debit, audit and read in
 * one transaction, then protect and render to out.  The OS CSPRNG is
 * used unless rng is given (tests).  Returns a sysexits(3) code; the
 * reason goes to err (never a count or a server message).
 */
int	stats_export(PGconn *conn, const struct stats_export_opts *o,
	    struct disclosure_rng *rng, FILE *out, FILE *err);

/* `meldctl stats export ...`: option parsing, connect, stats_export. */
int	stats_command(struct meldctl_opts *mo, int argc, char **argv);

#endif /* MELDPUNT_ADMIN_STATS_H */
