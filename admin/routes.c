/*
 * `meldctl route list|load FILE`: the ordered routing rules (DESIGN
 * section 6).  load parses the whole file first (admin/routefile.c), then
 * replaces every rule in one transaction and commits only when each rule
 * names an existing queue and casework.routing_check() finds a catch-all
 * rule for every category; otherwise nothing changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/routefile.h"
#include "admin/staffadm.h"
#include "admin/vocab.h"

#define ROUTEFILE_BYTES	(256 * 1024)

const char routes_usage[] = "route list|load FILE";
const char routes_help[] =
    "  route list       print the rules in file format, in order\n"
    "  route load FILE  replace every rule with FILE's, atomically\n"
    "File: one rule per line, '#' comments:\n"
    "  POSITION CATEGORY SUBTYPE URGENT PROVINCE QUEUE\n"
    "  e.g. 10 honour_violence * yes * honour_urgent\n"
    "'*' matches anything; URGENT is yes, no or *; the lowest matching\n"
    "position wins; every category needs a rule with * for subtype,\n"
    "urgency and province.  Category, subtype and province must be\n"
    "values of the form (GET /v1/forms); an unknown one is refused with\n"
    "its line and the nearest valid value.  Exit codes: 0, 64 usage,\n"
    "65 bad file or\n"
    "rules, 66 cannot read FILE, 69 database unreachable.\n";

static int
route_list(PGconn *conn)
{
	PGresult	*res;
	int		 i;

	res = keys_exec(conn, "SELECT r.position, coalesce(r.category, '*'), "
	    "coalesce(nullif(r.subtype, ''), '*'), CASE WHEN r.urgent IS NULL "
	    "THEN '*' WHEN r.urgent THEN 'yes' ELSE 'no' END, "
	    "coalesce(nullif(r.province, ''), '*'), q.name "
	    "FROM casework.routing_rules r JOIN casework.queues q ON "
	    "q.id = r.queue_id ORDER BY r.position", 0, NULL);
	if (!keys_ok(res)) {
		fprintf(stderr, "meldctl: route list failed (sqlstate %s)\n",
		    adb_sqlstate(res));
		PQclear(res);
		return (EX_SOFTWARE);
	}
	printf("# POSITION CATEGORY SUBTYPE URGENT PROVINCE QUEUE\n");
	for (i = 0; i < PQntuples(res); i++)
		printf("%s %s %s %s %s %s\n", PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		    PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
		    PQgetvalue(res, i, 5));
	PQclear(res);
	return (EX_OK);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf;

	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	if ((buf = malloc(ROUTEFILE_BYTES + 1)) != NULL) {
		*len = fread(buf, 1, ROUTEFILE_BYTES + 1, fp);
		if (ferror(fp) || *len > ROUTEFILE_BYTES) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(fp);
	return (buf);
}

static int
insert_rule(PGconn *conn, const struct route_rule *r)
{
	char		 pos[16];
	const char	*p[6];
	PGresult	*res;
	int		 ok;

	snprintf(pos, sizeof(pos), "%d", r->rr_position);
	p[0] = pos;
	p[1] = r->rr_category[0] ? r->rr_category : NULL;
	p[2] = r->rr_subtype[0] ? r->rr_subtype : NULL;
	p[3] = r->rr_urgent < 0 ? NULL : r->rr_urgent ? "true" : "false";
	p[4] = r->rr_province[0] ? r->rr_province : NULL;
	p[5] = r->rr_queue;
	res = keys_exec(conn, "INSERT INTO casework.routing_rules (position, "
	    "category, subtype, urgent, province, queue_id) SELECT "
	    "$1::integer, $2, $3, $4::boolean, $5, q.id FROM casework.queues q "
	    "WHERE q.name = $6", 6, p);
	ok = keys_ok(res) && strcmp(PQcmdTuples(res), "1") == 0;
	if (!ok)
		fprintf(stderr, "meldctl: rule at position %d refused: %s\n",
		    r->rr_position, keys_ok(res) ? "no such queue" :
		    "unknown category or bad value");
	PQclear(res);
	return (ok ? 0 : -1);
}

static int
route_load(PGconn *conn, const char *path)
{
	struct route_rule	*rules = NULL;
	size_t			 n, i, len;
	char			*text, err[512], obj[32];
	PGresult		*res;
	int			 rc = EX_DATAERR;

	if ((text = slurp(path, &len)) == NULL) {
		fprintf(stderr, "meldctl: cannot read %s (at most %d bytes)\n",
		    path, ROUTEFILE_BYTES);
		return (EX_NOINPUT);
	}
	if (routefile_parse(text, len, &rules, &n, err, sizeof(err)) == -1) {
		fprintf(stderr, "meldctl: %s: %s\n", path, err);
		free(text);
		return (EX_DATAERR);
	}
	free(text);
	/* Every value must be one the form can produce: a typo would be a
	 * rule that never matches.  All bad lines are named at once. */
	for (i = 0, len = 0; i < n; i++)
		if (vocab_check_rule(&rules[i], err, sizeof(err)) == -1) {
			fprintf(stderr, "meldctl: %s: %s\n", path, err);
			len++;
		}
	if (len > 0) {
		fprintf(stderr, "meldctl: %s: nothing loaded\n", path);
		free(rules);
		return (EX_DATAERR);
	}
	if (adb_exec(conn, "BEGIN", NULL) == -1 ||
	    adb_exec(conn, "DELETE FROM casework.routing_rules", NULL) == -1) {
		rc = EX_SOFTWARE;
		goto done;
	}
	for (i = 0; i < n; i++) {
		keys_progress("loading rules", i, n);
		if (insert_rule(conn, &rules[i]) == -1)
			goto done;
	}
	keys_progress("loading rules", n, n);
	res = keys_exec(conn, "SELECT string_agg(c, ' ') FROM "
	    "casework.routing_check() c", 0, NULL);
	if (!keys_ok(res) || !PQgetisnull(res, 0, 0)) {
		fprintf(stderr, "meldctl: no catch-all rule for: %s\n",
		    keys_ok(res) ? PQgetvalue(res, 0, 0) : "?");
		PQclear(res);
		goto done;
	}
	PQclear(res);
	snprintf(obj, sizeof(obj), "rules:%zu", n);
	if (keys_audit(conn, "route.load", obj) == -1 ||
	    adb_exec(conn, "COMMIT", NULL) == -1) {
		rc = EX_SOFTWARE;
		goto done;
	}
	printf("%zu routing rules loaded\n", n);
	rc = EX_OK;
 done:
	if (rc != EX_OK)
		adb_exec(conn, "ROLLBACK", NULL);
	free(rules);
	return (rc);
}

int
routes_cmd(struct meldctl_opts *o, int argc, char **argv)
{
	PGconn	*conn;
	int	 rc;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		printf("usage: meldctl [-d CONNINFO] %s\n%s", routes_usage,
		    routes_help);
		return (EX_OK);
	}
	if (!(argc == 2 && strcmp(argv[1], "list") == 0) &&
	    !(argc == 3 && strcmp(argv[1], "load") == 0)) {
		fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n%s",
		    routes_usage, routes_help);
		return (EX_USAGE);
	}
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	rc = argc == 2 ? route_list(conn) : route_load(conn, argv[2]);
	PQfinish(conn);
	return (rc);
}
