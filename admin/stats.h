/*
 * meldctl stats: statistics exports with the same disclosure control as
 * GET /v1/research/stats (stats/disclosure.c), as mp_research; and the
 * budget policies (stats budget), as mp_admin.  See docs/research.md.
 */
#ifndef MELDPUNT_ADMIN_STATS_H
#define MELDPUNT_ADMIN_STATS_H

#include <stdio.h>
#include <libpq-fe.h>

#include "stats/disclosure.h"

struct meldctl_opts;

#define STATS_CLI_K		DISCLOSURE_K_DEFAULT
#define STATS_CLI_EPSILON	1.0

struct stats_export_opts {
	struct disclosure_query	 se_q;
	int			 se_k;
	double			 se_epsilon;
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

/* meldctl stats annual: one year's figures (admin/annual.c). */
struct stats_annual_opts {
	int		 sa_year;
	int		 sa_k;
	double		 sa_epsilon;	/* per table; six tables are debited */
	enum i18n_lang	 sa_lang;	/* of the HTML page */
	const char	*sa_actor;
};

/*
 * Read the year's counters through stats.cli_annual (role mp_research:
 * budget policy and audit event), protect one table per measure and
 * write CSV to csv and, when html is not NULL, the one-page summary.
 * rng as for stats_export.  Returns a sysexits(3) code.
 */
int	stats_annual(PGconn *conn, const struct stats_annual_opts *o,
	    struct disclosure_rng *rng, FILE *csv, FILE *html, FILE *err);

/* A policy change by meldctl stats budget; NULL members stay as they are. */
struct stats_budget_opts {
	const char	*sb_actor;	/* audited as admin:<actor> */
	const char	*sb_kind;	/* researcher, operator or default */
	const char	*sb_name;	/* user name, actor name, or "*" */
	const char	*sb_budget;	/* epsilon per period, decimal text */
	const char	*sb_period;	/* year, quarter or month */
	const char	*sb_allow_exact; /* "true" / "false" */
};

/* Set one policy (role mp_admin); sysexits code, reason to err. */
int	stats_budget_grant(PGconn *conn, const struct stats_budget_opts *b,
	    FILE *err);
/* Print every policy and where each researcher stands (mp_admin). */
int	stats_budget_show(PGconn *conn, FILE *out, FILE *err);

/* `meldctl stats export|budget ...`. */
int	stats_command(struct meldctl_opts *mo, int argc, char **argv);

#endif /* MELDPUNT_ADMIN_STATS_H */
