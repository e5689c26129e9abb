/*
 * `meldctl queue add|list|members add|remove`.  A queue is a deadline
 * profile and a key pair.  `queue add` makes the key pair and wraps its
 * private key to the current recovery key only; `members add` brings the
 * recovery private key back (--recovery-key FILE) to open every key of
 * the queue and wrap each to the new member's public key
 * (docs/crypto.md §7).  `members remove` deletes the member's wraps; a
 * member who has copied a key keeps it, so rotate the key
 * (`meldctl key rotate`) when someone leaves in anger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/staffadm.h"
#include "crypto/secret.h"

const char queues_usage[] = "queue add|list|members add|remove ...";
const char queues_help[] =
    "  queue add NAME --category CATEGORY [--ack INTERVAL] [--feedback\n"
    "            INTERVAL] [--first-response INTERVAL]\n"
    "      Create a queue with a new key pair wrapped to the recovery key.\n"
    "      Defaults: --ack '7 days', --feedback '3 months'; a\n"
    "      --first-response interval (e.g. '1 hour') makes the queue urgent.\n"
    "  queue list\n"
    "  queue members add QUEUE USER --recovery-key FILE\n"
    "      Wrap every key of QUEUE (current and older) to USER's key.\n"
    "  queue members remove QUEUE USER\n"
    "Exit codes: 0, 64 usage, 65 no such queue/user, 69 database\n"
    "unreachable, 70 internal error, 73 queue exists, 78 key file.\n";

static int
usage(void)
{
	fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n%s", queues_usage,
	    queues_help);
	return (EX_USAGE);
}

static int
queue_add(PGconn *conn, int argc, char **argv)
{
	const char	*name = NULL, *cat = NULL, *ack = "7 days",
			*fb = "3 months", *fr = NULL, *p[5];
	PGresult	*res;
	char		 obj[80];
	int		 i, qid;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--category") == 0 && i + 1 < argc)
			cat = argv[++i];
		else if (strcmp(argv[i], "--ack") == 0 && i + 1 < argc)
			ack = argv[++i];
		else if (strcmp(argv[i], "--feedback") == 0 && i + 1 < argc)
			fb = argv[++i];
		else if (strcmp(argv[i], "--first-response") == 0 &&
		    i + 1 < argc)
			fr = argv[++i];
		else if (argv[i][0] == '-' || name != NULL)
			return (usage());
		else
			name = argv[i];
	}
	if (name == NULL || cat == NULL)
		return (usage());
	if (adb_exec(conn, "BEGIN", NULL) == -1)
		return (EX_SOFTWARE);
	p[0] = name;
	p[1] = cat;
	p[2] = ack;
	p[3] = fb;
	p[4] = fr;
	res = keys_exec(conn, "INSERT INTO casework.queues (name, category, "
	    "ack_interval, feedback_interval, first_response_interval) "
	    "VALUES ($1, $2, $3::interval, $4::interval, $5::interval) "
	    "RETURNING id", 5, p);
	if (!keys_ok(res)) {
		fprintf(stderr, "meldctl: cannot create the queue (sqlstate "
		    "%s)\n", adb_sqlstate(res));
		i = strcmp(adb_sqlstate(res), "23505") == 0 ? EX_CANTCREAT :
		    EX_DATAERR;
		PQclear(res);
		return (i);
	}
	qid = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	snprintf(obj, sizeof(obj), "queue:%s", name);
	if (keys_new_queue_key(conn, qid) == -1 ||
	    keys_audit(conn, "queue.add", obj) == -1 ||
	    adb_exec(conn, "COMMIT", NULL) == -1)
		return (EX_SOFTWARE);
	printf("queue %s created\n", name);
	return (EX_OK);
}

static int
queue_list(PGconn *conn)
{
	PGresult	*res;
	int		 i;

	res = keys_exec(conn, "SELECT q.name, coalesce(q.category, '*'), "
	    "q.first_response_interval IS NOT NULL, coalesce((SELECT "
	    "k.key_id FROM casework.queue_keys k WHERE k.queue_id = q.id AND "
	    "k.current), '-'), (SELECT count(*) FROM casework.queue_keys k "
	    "WHERE k.queue_id = q.id), coalesce((SELECT string_agg("
	    "u.username, ',' ORDER BY u.username) FROM "
	    "casework.queue_members m JOIN casework.users u ON u.id = "
	    "m.user_id WHERE m.queue_id = q.id), '-') FROM casework.queues q "
	    "ORDER BY q.name", 0, NULL);
	if (!keys_ok(res)) {
		fprintf(stderr, "meldctl: queue list failed (sqlstate %s)\n",
		    adb_sqlstate(res));
		PQclear(res);
		return (EX_SOFTWARE);
	}
	printf("%-20s %-22s %-6s %-32s %-4s %s\n", "QUEUE", "CATEGORY",
	    "URGENT", "CURRENT KEY", "KEYS", "MEMBERS");
	for (i = 0; i < PQntuples(res); i++)
		printf("%-20s %-22s %-6s %-32s %-4s %s\n",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    strcmp(PQgetvalue(res, i, 2), "t") == 0 ? "yes" : "no",
		    PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
		    PQgetvalue(res, i, 5));
	PQclear(res);
	return (EX_OK);
}

/* Queue and user ids by name; -1 (message printed) when either is missing. */
static int
ids(PGconn *conn, const char *queue, const char *user, int *qid, int *uid)
{
	const char	*p[2] = { queue, user };
	PGresult	*res;
	int		 rc = -1;

	res = keys_exec(conn, "SELECT (SELECT id FROM casework.queues WHERE "
	    "name = $1), (SELECT id FROM casework.users WHERE username = $2)",
	    2, p);
	if (keys_ok(res) && !PQgetisnull(res, 0, 0) && !PQgetisnull(res, 0, 1)) {
		*qid = atoi(PQgetvalue(res, 0, 0));
		*uid = atoi(PQgetvalue(res, 0, 1));
		rc = 0;
	} else
		fprintf(stderr, "meldctl: no such queue or user\n");
	PQclear(res);
	return (rc);
}

static int
members(PGconn *conn, int argc, char **argv)
{
	const char	*rec_path = NULL, *pos[3] = { NULL, NULL, NULL };
	struct secret	*rec = NULL;
	char		 q[16], u[16], obj[160];
	const char	*p[2] = { q, u };
	PGresult	*res;
	int		 i, n = 0, qid, uid, add, rc = EX_SOFTWARE;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--recovery-key") == 0 && i + 1 < argc)
			rec_path = argv[++i];
		else if (argv[i][0] == '-' || n == 3)
			return (usage());
		else
			pos[n++] = argv[i];
	}
	if (n != 3 || (strcmp(pos[0], "add") != 0 &&
	    strcmp(pos[0], "remove") != 0))
		return (usage());
	add = strcmp(pos[0], "add") == 0;
	if (add && (rec = keys_recovery(rec_path)) == NULL)
		return (EX_CONFIG);
	if (ids(conn, pos[1], pos[2], &qid, &uid) == -1) {
		rc = EX_DATAERR;
		goto done;
	}
	snprintf(q, sizeof(q), "%d", qid);
	snprintf(u, sizeof(u), "%d", uid);
	if (adb_exec(conn, "BEGIN", NULL) == -1)
		goto done;
	res = keys_exec(conn, add ? "INSERT INTO casework.queue_members "
	    "(queue_id, user_id) VALUES ($1::integer, $2::integer) "
	    "ON CONFLICT DO NOTHING" : "DELETE FROM casework.queue_members "
	    "WHERE queue_id = $1::integer AND user_id = $2::integer", 2, p);
	i = keys_ok(res);
	PQclear(res);
	if (!i)
		goto done;
	if (add) {
		if (keys_wrap_member(conn, qid, uid, rec) == -1)
			goto done;
	} else {
		res = keys_exec(conn, "DELETE FROM casework.queue_key_wraps w "
		    "USING casework.queue_keys k WHERE k.key_id = w.key_id AND "
		    "k.queue_id = $1::integer AND w.user_id = $2::integer", 2, p);
		i = keys_ok(res);
		PQclear(res);
		if (!i)
			goto done;
	}
	snprintf(obj, sizeof(obj), "queue:%s user:%s", pos[1], pos[2]);
	if (keys_audit(conn, add ? "queue.member_add" : "queue.member_remove",
	    obj) == -1 || adb_exec(conn, "COMMIT", NULL) == -1)
		goto done;
	printf("queue %s: member %s %s\n", pos[1], pos[2], add ? "added" :
	    "removed");
	rc = EX_OK;
 done:
	secret_free(rec);
	return (rc);
}

int
queues_cmd(struct meldctl_opts *o, int argc, char **argv)
{
	PGconn	*conn;
	int	 rc;

	if (argc < 2)
		return (usage());
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: meldctl [-d CONNINFO] %s\n%s", queues_usage,
		    queues_help);
		return (EX_OK);
	}
	if (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "members") != 0)
		return (usage());
	if (strcmp(argv[1], "list") == 0 && argc != 2)
		return (usage());
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	if (strcmp(argv[1], "add") == 0)
		rc = queue_add(conn, argc, argv);
	else if (strcmp(argv[1], "list") == 0)
		rc = queue_list(conn);
	else
		rc = members(conn, argc, argv);
	PQfinish(conn);
	return (rc);
}
