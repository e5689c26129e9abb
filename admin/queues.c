/*
 * `meldctl queue add|list|members add|remove`.  A queue is a deadline
 * profile and a key pair.  `queue add` makes the key pair and wraps its
 * private key to the current recovery key only.  `members add` records
 * the membership; while another active member holds the queue's key the
 * new member is "pending" and the next login of such a member wraps the
 * keys to her (schema 0100, daemon/keyshare.c).  Only a queue nobody
 * holds the key of needs the recovery private key (--recovery-key FILE),
 * which opens every key of the queue here and wraps each to the new
 * member (docs/crypto.md §7).  `members remove` deletes the member's
 * wraps; a member who has copied a key keeps it, so rotate the key
 * (`meldctl keys rotate`) to cut a leaver off from new reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/staffadm.h"
#include "admin/vocab.h"
#include "crypto/secret.h"

const char queues_usage[] = "queue add|list|members add|remove ...";
const char queues_help[] =
    "  queue add NAME --category CATEGORY [--ack INTERVAL] [--feedback\n"
    "            INTERVAL] [--first-response INTERVAL]\n"
    "      Create a queue with a new key pair wrapped to the recovery key.\n"
    "      Defaults: --ack '7 days', --feedback '3 months'; a\n"
    "      --first-response interval (e.g. '1 hour') makes the queue urgent.\n"
    "  queue list\n"
    "      Queues, current keys and members; a member marked * is pending.\n"
    "  queue members add QUEUE USER [--recovery-key FILE]\n"
    "      Make USER a member.  Without --recovery-key the membership is\n"
    "      pending: the next time a member of QUEUE signs in, the staff\n"
    "      process wraps the queue keys to USER (audited as\n"
    "      queue.member_wrap).  Refused when no active member holds the\n"
    "      key; then --recovery-key opens every key of QUEUE (current and\n"
    "      older) here and wraps each to USER's key at once.\n"
    "  queue members remove QUEUE USER\n"
    "      Delete USER's membership and key wraps.  To cut a leaver off\n"
    "      from new reports also run `meldctl keys rotate QUEUE`.\n"
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
	char		 obj[80], err[256];
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
	if (strlen(name) > 40 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_") != strlen(name) || *name == '\0') {
		fprintf(stderr, "meldctl: queue names are 1-40 of [a-z0-9_]: "
		    "\"%s\"\n", name);
		return (EX_DATAERR);
	}
	if (vocab_check_category(cat, err, sizeof(err)) == -1) {
		fprintf(stderr, "meldctl: --category: %s\n", err);
		return (EX_DATAERR);
	}
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
	    "u.username || CASE WHEN EXISTS (SELECT 1 FROM "
	    "casework.queue_keys k JOIN casework.queue_key_wraps w ON "
	    "w.key_id = k.key_id AND w.user_id = u.id WHERE k.queue_id = q.id "
	    "AND k.current) THEN '' ELSE '*' END, ',' ORDER BY u.username) FROM "
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
	printf("(* pending: waits for a member's login to get the queue "
	    "key)\n");
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

/*
 * Whether a membership may wait for a colleague's login (schema 0100):
 * the user has a key pair and some other active member of the queue
 * holds its current key.  p: queue id, user id.  EX_OK or the exit code
 * (message printed).
 */
static int
pending_ok(PGconn *conn, const char *const *p)
{
	PGresult	*res;
	int		 rc = EX_SOFTWARE;

	res = keys_exec(conn, "SELECT (SELECT public_key IS NOT NULL FROM "
	    "casework.users WHERE id = $2::integer), EXISTS (SELECT 1 FROM "
	    "casework.queue_keys k JOIN casework.queue_key_wraps w ON "
	    "w.key_id = k.key_id JOIN casework.queue_members m ON "
	    "m.queue_id = k.queue_id AND m.user_id = w.user_id JOIN "
	    "casework.users u ON u.id = w.user_id WHERE k.queue_id = "
	    "$1::integer AND k.current AND NOT u.disabled AND u.id <> "
	    "$2::integer)", 2, p);
	if (!keys_ok(res))
		fprintf(stderr, "meldctl: reading the queue's members failed "
		    "(sqlstate %s)\n", adb_sqlstate(res));
	else if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		fprintf(stderr, "meldctl: the user has no key pair\n");
		rc = EX_DATAERR;
	} else if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		fprintf(stderr, "meldctl: no active member of this queue holds "
		    "its key, so nobody can pass it on: bring the recovery "
		    "key (--recovery-key FILE)\n");
		rc = EX_CONFIG;
	} else
		rc = EX_OK;
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
	if (add && rec_path != NULL && (rec = keys_recovery(rec_path)) == NULL)
		return (EX_CONFIG);
	if (ids(conn, pos[1], pos[2], &qid, &uid) == -1) {
		rc = EX_DATAERR;
		goto done;
	}
	snprintf(q, sizeof(q), "%d", qid);
	snprintf(u, sizeof(u), "%d", uid);
	if (adb_exec(conn, "BEGIN", NULL) == -1)
		goto done;
	if (add && rec == NULL && (i = pending_ok(conn, p)) != EX_OK) {
		rc = i;
		goto done;
	}
	res = keys_exec(conn, add ? "INSERT INTO casework.queue_members "
	    "(queue_id, user_id) VALUES ($1::integer, $2::integer) "
	    "ON CONFLICT DO NOTHING" : "DELETE FROM casework.queue_members "
	    "WHERE queue_id = $1::integer AND user_id = $2::integer", 2, p);
	i = keys_ok(res);
	PQclear(res);
	if (!i)
		goto done;
	if (add) {
		if (rec != NULL && keys_wrap_member(conn, qid, uid, rec) == -1)
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
	if (add && rec == NULL)
		printf("queue %s: member %s added, pending: the queue keys are "
		    "wrapped to %s the next time a member of %s signs in\n",
		    pos[1], pos[2], pos[2], pos[1]);
	else
		printf("queue %s: member %s %s\n", pos[1], pos[2], add ?
		    "added" : "removed");
	if (!add)
		printf("(wraps deleted; if %s may have copied a key, run "
		    "`meldctl keys rotate %s`)\n", pos[2], pos[1]);
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
