/*
 * `meldctl retention` (issue 11, schema/0054_retention.sql): retention
 * profiles per category and state, and the run that purges what they make
 * due.  `retention run` lists the due cases per category and state
 * (counts, never ids), and -- unless --dry-run -- purges each through
 * casework.purge_case() (case key first, one transaction per case, audited
 * as case.purge) with a progress bar on a terminal.  Statistics counters
 * stay.  Run daily from deploy/meldpunt-retention.timer; the rows left in
 * backups become unreadable when `meldctl epoch rotate` has destroyed their
 * epochs (docs/schema.md "Retention").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/retention.h"
#include "admin/staffadm.h"

const char retention_usage[] = "retention run|profiles|set [...]";
const char retention_help[] =
    "  retention profiles\n"
    "      List the profiles: category (* = any), state, how long a case\n"
    "      is kept, counted from closed_on (received_on if never closed).\n"
    "  retention set CATEGORY|* STATE INTERVAL\n"
    "      Add or change a profile, e.g. `retention set * closed '2 years'`\n"
    "      or `retention set honour_violence unfounded '6 months'`.\n"
    "  retention set CATEGORY|* STATE none\n"
    "      Remove a profile (cases in that state are then kept).\n"
    "  retention run [--dry-run] [--today YYYY-MM-DD]\n"
    "      Purge every case a profile makes due (the most specific\n"
    "      profile wins): case key first, then its rows, one transaction\n"
    "      per case, audited as case.purge, with a progress bar; statistics\n"
    "      stay.  --dry-run prints the counts per category and state and\n"
    "      changes nothing.  The reporter's receipt of a purged case then\n"
    "      answers that the report was deleted.  Contact rows stay until\n"
    "      an officer purges them, unreadable without the case key.\n"
    "Exit codes: 0, 64 usage, 65 unknown category/state or bad interval,\n"
    "69 database unreachable.\n";

static int
profiles(PGconn *conn)
{
	PGresult	*r;
	int		 i;

	r = keys_exec(conn, "SELECT coalesce(category, '*'), state, "
	    "keep::text FROM casework.retention_profiles "
	    "ORDER BY category NULLS FIRST, state", 0, NULL);
	if (!keys_ok(r)) {
		PQclear(r);
		return (EX_UNAVAILABLE);
	}
	printf("%-24s %-14s %s\n", "category", "state", "kept for");
	for (i = 0; i < PQntuples(r); i++)
		printf("%-24s %-14s %s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
	PQclear(r);
	return (EX_OK);
}

static int
set(PGconn *conn, const char *cat, const char *state, const char *keep)
{
	const char	*p[3];
	PGresult	*r;
	int		 rc;

	p[0] = strcmp(cat, "*") == 0 ? NULL : cat;
	p[1] = state;
	p[2] = keep;
	if (strcmp(keep, "none") == 0)
		r = keys_exec(conn, "DELETE FROM casework.retention_profiles "
		    "WHERE category IS NOT DISTINCT FROM $1 AND state = $2", 2,
		    p);
	else
		r = keys_exec(conn, "INSERT INTO casework.retention_profiles "
		    "(category, state, keep) VALUES ($1, $2, $3::interval) "
		    "ON CONFLICT (category, state) DO UPDATE SET keep = "
		    "excluded.keep", 3, p);
	rc = keys_ok(r) ? EX_OK : EX_DATAERR;
	PQclear(r);
	if (rc == EX_OK && keys_audit(conn, "retention.set", state) == -1)
		rc = EX_UNAVAILABLE;
	if (rc == EX_OK)
		printf("retention profile %s %s: %s\n", cat, state, keep);
	return (rc);
}

static int
run(PGconn *conn, int dry, const char *today)
{
	PGresult	*r, *q;
	const char	*p[3];
	size_t		 n, i, purged = 0;
	int		 rc = EX_OK;

	p[0] = today;
	r = keys_exec(conn, "SELECT case_id, category, state FROM "
	    "casework.retention_due(coalesce($1::date, current_date))", 1, p);
	if (!keys_ok(r)) {
		PQclear(r);
		return (EX_UNAVAILABLE);
	}
	n = (size_t)PQntuples(r);
	q = keys_exec(conn, "SELECT category, state, count(*) FROM "
	    "casework.retention_due(coalesce($1::date, current_date)) "
	    "GROUP BY 1, 2 ORDER BY 1, 2", 1, p);
	if (keys_ok(q))
		for (i = 0; i < (size_t)PQntuples(q); i++)
			printf("due: %s %s: %s\n", PQgetvalue(q, i, 0),
			    PQgetvalue(q, i, 1), PQgetvalue(q, i, 2));
	PQclear(q);
	if (dry) {
		printf("dry run: %zu case%s would be purged\n", n,
		    n == 1 ? "" : "s");
		PQclear(r);
		return (EX_OK);
	}
	for (i = 0; i < n; i++) {
		p[0] = keys_actor();
		p[1] = PQgetvalue(r, (int)i, 0);
		p[2] = NULL;
		q = keys_exec(conn, "SELECT casework.purge_case($1, $2::uuid, "
		    "$3::bytea)", 3, p);
		if (!keys_ok(q)) {
			PQclear(q);
			fprintf(stderr, "\nmeldctl: retention run stopped after "
			    "%zu of %zu; run it again\n", i, n);
			rc = EX_UNAVAILABLE;
			break;
		}
		if (strcmp(PQgetvalue(q, 0, 0), "t") == 0)
			purged++;
		PQclear(q);
		keys_progress("purging cases", i + 1, n);
	}
	PQclear(r);
	printf("purged %zu case%s\n", purged, purged == 1 ? "" : "s");
	return (rc);
}

int
retention_cmd(struct meldctl_opts *o, int argc, char **argv)
{
	PGconn		*conn;
	const char	*today = NULL;
	int		 i, dry = 0, rc;

	if (argc < 2)
		goto usage;
	if (strcmp(argv[1], "run") == 0) {
		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--dry-run") == 0)
				dry = 1;
			else if (strcmp(argv[i], "--today") == 0 &&
			    i + 1 < argc)
				today = argv[++i];
			else
				goto usage;
		}
	} else if (strcmp(argv[1], "set") == 0) {
		if (argc != 5)
			goto usage;
	} else if (strcmp(argv[1], "profiles") != 0 || argc != 2)
		goto usage;
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	if (strcmp(argv[1], "run") == 0)
		rc = run(conn, dry, today);
	else if (strcmp(argv[1], "set") == 0)
		rc = set(conn, argv[2], argv[3], argv[4]);
	else
		rc = profiles(conn);
	PQfinish(conn);
	return (rc);
 usage:
	fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n%s", retention_usage,
	    retention_help);
	return (EX_USAGE);
}
