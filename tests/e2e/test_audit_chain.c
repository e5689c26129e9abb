/*
 * End to end: the audit chainer of the staff process (daemon/auditchain.c,
 * schema/0070_audit_unchained.sql) with the keys `meldctl init` made.  A
 * case read produces its audit event while the chainer is held up (a
 * superuser transaction holds audit.head, as a stuck chainer would): the
 * read neither waits for the chain nor goes unrecorded.  Once the head is
 * free the event is chained and a signed checkpoint is appended to the
 * checkpoint file; `meldctl audit verify --checkpoints` passes, and fails
 * after the chained read event is changed as a superuser.  A second test
 * removes the newest chained events under a running chainer: it stops
 * with an alarm rather than chain on top of rewritten history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "admin/audit.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tstack.h"

#define AC_PASSWORD	"correct horse battery staple"

static struct tstack	T;
static PGconn		*su;
static char		 cpfile[800];

/* The stack, then the staff daemon again with the audit keys. */
static void
ac_setup(void)
{
	char	conf[4096];

	tstack_start(&T, NULL);
	cr_assert_not_null(su = testdb_connect(T.db, NULL));
	snprintf(cpfile, sizeof(cpfile), "%s/audit-checkpoints", T.dir);
	cr_assert_eq(tdaemon_stop(&T.staff), 0);
	T.staff_up = 0;
	snprintf(conf, sizeof(conf), "totp_seal_key = %s\n"
	    "audit_chain_key = %s/" AUDIT_F_CHAIN_KEY "\n"
	    "audit_checkpoint_key = %s/" AUDIT_F_CP_KEY "\n"
	    "audit_checkpoint_file = %s\n"
	    "audit_chain_interval_ms = 100\n"
	    "audit_checkpoint_events = 1000\n"
	    "audit_checkpoint_interval_s = 1\n", T.seal, T.keys, T.keys,
	    cpfile);
	cr_assert_eq(tdaemon_start(&T.staff, "staff", tdaemon_conninfo(T.db,
	    "mp_staff"), conf), 0, "staff meldpuntd did not start (%s)",
	    T.staff.log);
	T.staff_up = 1;
}

static void
ac_teardown(void)
{
	PQfinish(su);
	tstack_stop(&T);
}

TestSuite(auditchain, .init = ac_setup, .fini = ac_teardown, .timeout = 180);

/* Wait up to 15 s for no pending event; returns the pending count. */
static long long
wait_chained(void)
{
	long long	n = -1;
	int		i;

	for (i = 0; i < 150; i++) {
		n = testdb_count(su, "SELECT count(*) FROM audit.events "
		    "WHERE pos IS NULL");
		if (n == 0)
			break;
		usleep(100000);
	}
	return (n);
}

/* Wait up to 10 s for a checkpoint covering at least `pos` events. */
static int
wait_checkpoint(long long pos)
{
	char		 line[1024], *p;
	FILE		*fp;
	int		 i, ok = 0;

	for (i = 0; i < 100 && !ok; i++) {
		if ((fp = fopen(cpfile, "r")) != NULL) {
			while (fgets(line, sizeof(line), fp) != NULL)
				if ((p = strstr(line, "count=")) != NULL &&
				    atoll(p + 6) >= pos)
					ok = 1;
			fclose(fp);
		}
		if (!ok)
			usleep(100000);
	}
	return (ok);
}

static void
login(struct tstack_user *u)
{
	char	code[8];

	tstack_code(u, time(NULL), code);
	cr_assert_eq(tstack_login(&T, u, AC_PASSWORD, code), 201);
}

/* Submit one report, return its case id as the handler lists it. */
static void
one_case(struct tstack_user *h, char case_id[40])
{
	json_t	*j = NULL;
	int	 st;

	st = tstack_req(&T, 0, "POST", "/v1/reports", NULL,
	    "{\"category\":\"labour_discrimination\",\"subtype\":"
	    "\"recruitment\",\"lang\":\"nl\",\"answers\":{\"ground\":"
	    "\"origin\",\"province\":\"utrecht\"},\"report\":{\"narrative\":"
	    "\"afgewezen om mijn afkomst\"}}", &j);
	cr_assert_eq(st, 201, "submit: %d", st);
	json_decref(j);
	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/cases?queue=labour",
	    h->token, NULL, &j), 200);
	snprintf(case_id, 40, "%s", json_string_value(json_object_get(
	    json_array_get(json_object_get(j, "cases"), 0), "id")));
	json_decref(j);
	cr_assert_eq(strlen(case_id), 36);
}

static char *
verify_out(int want, int checkpoints)
{
	if (checkpoints)
		return (tstack_meldctl(&T, NULL, want, "audit verify --keys "
		    "'%s' --checkpoints '%s'", T.keys, cpfile));
	return (tstack_meldctl(&T, NULL, want, "audit verify --keys '%s'",
	    T.keys));
}

Test(auditchain, case_read_audited_while_chainer_held_then_chained)
{
	struct tstack_user	 h;
	PGconn			*holder;
	char			 case_id[40], path[128], *out, sql[256];
	struct timespec		 t0, t1;
	double			 ms;
	long long		 head;

	tstack_add_user(&T, &h, "hanna", "handler", AC_PASSWORD, "labour");
	login(&h);
	one_case(&h, case_id);
	cr_assert_eq(wait_chained(), 0, "the chainer never caught up");

	/* Hold the head: chain_extend now waits; a case read must not. */
	cr_assert_not_null(holder = testdb_connect(T.db, NULL));
	cr_assert_eq(testdb_exec(holder, "BEGIN; SELECT * FROM audit.head "
	    "FOR UPDATE", NULL), 0);
	usleep(300000);		/* a chain_extend is now blocked */
	snprintf(path, sizeof(path), "/v1/staff/case?id=%s", case_id);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(tstack_req(&T, 1, "GET", path, h.token, NULL, NULL),
	    200);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_expect_lt(ms, 2000.0, "the read took %.0f ms", ms);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit.events WHERE "
	    "action = 'case.read' AND object = 'case:%s' AND pos IS NULL",
	    case_id);
	cr_assert_eq(testdb_count(su, sql), 1, "the read is not recorded");
	out = verify_out(0, 0);
	cr_expect(strstr(out, "audit chain ok") != NULL, "%s", out);
	cr_expect(strstr(out, "0 pending") == NULL, "%s", out);
	free(out);

	/* Released: the event is chained and a checkpoint covers it. */
	cr_assert_eq(testdb_exec(holder, "ROLLBACK", NULL), 0);
	PQfinish(holder);
	cr_assert_eq(wait_chained(), 0, "not chained after release");
	snprintf(sql, sizeof(sql), "SELECT pos FROM audit.events WHERE "
	    "action = 'case.read' AND object = 'case:%s'", case_id);
	cr_assert_gt(testdb_count(su, sql), 0);
	head = testdb_count(su, "SELECT last_pos FROM audit.head");
	cr_assert(wait_checkpoint(head), "no checkpoint covers %lld", head);
	out = verify_out(0, 1);
	cr_expect(strstr(out, "audit chain ok") != NULL, "%s", out);
	cr_expect(strstr(out, "checkpoints ok") != NULL, "%s", out);
	free(out);

	/* A superuser changes the chained read: verify says so. */
	snprintf(sql, sizeof(sql), "SET session_replication_role = replica; "
	    "UPDATE audit.events SET actor = 'user:999' WHERE action = "
	    "'case.read' AND object = 'case:%s'; SET "
	    "session_replication_role = origin", case_id);
	cr_assert_eq(testdb_exec(su, sql, NULL), 0);
	out = verify_out(65, 0);
	cr_expect(strstr(out, "broken at position") != NULL, "%s", out);
	free(out);
	free(verify_out(65, 1));
}

Test(auditchain, head_moved_back_stops_the_chainer)
{
	char		*log;
	long long	 head;
	int		 i;

	cr_assert_eq(testdb_exec(su, "SELECT audit.append('x', 'y', '', "
	    "'{}') FROM generate_series(1, 3)", NULL), 0);
	cr_assert_eq(wait_chained(), 0);
	head = testdb_count(su, "SELECT last_pos FROM audit.head");
	cr_assert_gt(head, 1);
	cr_assert(wait_checkpoint(head), "no checkpoint covers %lld", head);
	/* Remove the newest chained event and point the head before it. */
	cr_assert_eq(testdb_execf(su, NULL, "SET session_replication_role = "
	    "replica; DELETE FROM audit.events WHERE pos = %lld; UPDATE "
	    "audit.head SET last_pos = %lld, last_hash = (SELECT hash FROM "
	    "audit.events WHERE pos = %lld); SET session_replication_role = "
	    "origin", head, head - 1, head - 1), 0);
	for (i = 0; i < 50; i++) {
		log = tdaemon_log(&T.staff);
		if (log != NULL && strstr(log, "ALARM audit") != NULL)
			break;
		free(log);
		log = NULL;
		usleep(100000);
	}
	cr_assert_not_null(log, "no alarm in the staff log");
	free(log);
	/* It chains nothing more, so the signed head still exposes it. */
	cr_assert_eq(testdb_exec(su, "SELECT audit.append('x', 'y', '', "
	    "'{}')", NULL), 0);
	usleep(500000);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE pos IS NULL"), 1);
	free(verify_out(65, 1));
}
