/*
 * Tests for the audit log (schema/0003_audit.sql, 0070_audit_unchained.sql)
 * and its verifier (admin/audit.c, `meldctl audit verify`): appends take
 * no shared lock and stay pending until chained; chaining goes through
 * audit.chain_extend with links computed here under a test key exactly
 * as the staff process computes them (crypto/auditlog.c); every way to
 * change history is refused by the triggers; and a superuser who goes
 * around them (session_replication_role = replica) and recomputes the
 * links is caught -- without the key by the links, with the key (or by
 * deleting the newest events and rewriting the head) by the signed
 * checkpoints.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "admin/audit.h"
#include "admin/migrate.h"
#include "crypto/auditlog.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "tests/lib/testdb.h"

static char		*db;
static PGconn		*su;
static unsigned char	 key[32], sk[32], pk[32];
static char		 dir[512], keyf[600], pubf[600], cpf[600];

static void
setup(void)
{
	char	err[256];

	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	snprintf(dir, sizeof(dir), "%s/audit-%d", getenv("MELDPUNT_TEST_TMP"),
	    (int)getpid());
	cr_assert_eq(mkdir(dir, 0700), 0);
	snprintf(keyf, sizeof(keyf), "%s/audit-chain.key", dir);
	snprintf(pubf, sizeof(pubf), "%s/audit-checkpoint.pub", dir);
	snprintf(cpf, sizeof(cpf), "%s/checkpoints", dir);
	cr_assert_eq(secret_random(key, sizeof(key)), 0);
	cr_assert_eq(auditlog_ed25519_generate(sk, pk), 0);
	cr_assert_eq(keyfile_write(keyf, KEYFILE_AUDIT_CHAIN, KEYFILE_SECRET,
	    key, 32, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(keyfile_write(pubf, KEYFILE_AUDIT_CHECKPOINT,
	    KEYFILE_PUBLIC, pk, 32, err, sizeof(err)), 0, "%s", err);
	/* Five events, some with details and non-ASCII text. */
	cr_assert_eq(testdb_exec(su, "SELECT audit.append('admin:t', "
	    "'user.add', 'user:' || g, jsonb_build_object('n', g, 'who', "
	    "'Zoë Ünal')) FROM generate_series(1, 5) g", NULL), 0);
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(audit, .init = setup, .fini = teardown);

/* ------------------------------------------------------------ helpers */

/* What the staff process's chainer does, through the same functions,
 * as mp_staff.  Returns the new head position. */
static long long
chain_all(void)
{
	PGconn		*c;
	PGresult	*r;
	unsigned char	 prev[32], d[32], h[32];
	char		*ids, *hs, phex[65], pos_s[24], *v;
	const char	*p[4];
	long long	 pos, out;
	int		 i, n;

	cr_assert_not_null(c = testdb_connect(db, "mp_staff"));
	r = PQexec(c, "SELECT last_pos, encode(last_hash, 'hex') FROM "
	    "audit.chain_head()");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	pos = atoll(PQgetvalue(r, 0, 0));
	cr_assert_eq(secret_hex_decode(PQgetvalue(r, 0, 1), 64, prev, 32), 0);
	PQclear(r);
	secret_hex_encode(prev, 32, phex);
	snprintf(pos_s, sizeof(pos_s), "%lld", pos);
	r = PQexec(c, "SELECT id, encode(digest, 'hex') FROM "
	    "audit.chain_pending(1000)");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	n = PQntuples(r);
	cr_assert_not_null(ids = calloc(1, (size_t)n * 22 + 3));
	cr_assert_not_null(hs = calloc(1, (size_t)n * 66 + 3));
	strcat(ids, "{");
	strcat(hs, "{");
	for (i = 0; i < n; i++) {
		cr_assert_eq(secret_hex_decode(PQgetvalue(r, i, 1), 64, d, 32),
		    0);
		cr_assert_eq(auditlog_hash_v2(key, prev, pos + i + 1, d, h), 0);
		memcpy(prev, h, 32);
		if (i > 0) {
			strcat(ids, ",");
			strcat(hs, ",");
		}
		strcat(ids, PQgetvalue(r, i, 0));
		secret_hex_encode(h, 32, hs + strlen(hs));
	}
	strcat(ids, "}");
	strcat(hs, "}");
	PQclear(r);
	p[0] = pos_s;
	p[1] = phex;
	p[2] = ids;
	p[3] = hs;
	r = PQexecParams(c, "SELECT audit.chain_extend($1::bigint, "
	    "decode($2, 'hex'), $3::bigint[], (SELECT array_agg(decode(u.h, "
	    "'hex') ORDER BY u.n) FROM unnest($4::text[]) WITH ORDINALITY "
	    "AS u(h, n)))", 4, NULL, p, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s",
	    PQerrorMessage(c));
	v = PQgetvalue(r, 0, 0);
	out = atoll(v);
	PQclear(r);
	free(ids);
	free(hs);
	PQfinish(c);
	return (out);
}

/*
 * A superuser's rewrite: with triggers off, recompute every link from
 * position `from` on under k (the real key when it has leaked, another
 * when it has not) and point the head at the result.
 */
static void
rechain(const unsigned char k[32], long long from)
{
	PGresult		*r;
	struct auditlog_event	 ev;
	unsigned char		 prev[32], d[32], h[32];
	char			 ph[65], hh[65];
	long long		 pos = 0;
	int			 i;

	memset(prev, 0, sizeof(prev));
	cr_assert_eq(testdb_exec(su, "SET session_replication_role = replica",
	    NULL), 0);
	r = PQexec(su, "SELECT pos, id::text, to_char(at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor, action, object, "
	    "details::text, encode(hash, 'hex') FROM audit.events WHERE pos "
	    "IS NOT NULL ORDER BY pos");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	for (i = 0; i < PQntuples(r); i++) {
		pos = atoll(PQgetvalue(r, i, 0));
		if (pos < from) {
			cr_assert_eq(secret_hex_decode(PQgetvalue(r, i, 7), 64,
			    prev, 32), 0);
			continue;
		}
		ev.ae_id = PQgetvalue(r, i, 1);
		ev.ae_at = PQgetvalue(r, i, 2);
		ev.ae_actor = PQgetvalue(r, i, 3);
		ev.ae_action = PQgetvalue(r, i, 4);
		ev.ae_object = PQgetvalue(r, i, 5);
		ev.ae_details = PQgetvalue(r, i, 6);
		cr_assert_eq(auditlog_digest(&ev, d), 0);
		cr_assert_eq(auditlog_hash_v2(k, prev, pos, d, h), 0);
		secret_hex_encode(prev, 32, ph);
		secret_hex_encode(h, 32, hh);
		cr_assert_eq(testdb_execf(su, NULL, "UPDATE audit.events SET "
		    "prev_hash = decode('%s', 'hex'), hash = decode('%s', "
		    "'hex') WHERE pos = %lld", ph, hh, pos), 0);
		memcpy(prev, h, 32);
	}
	PQclear(r);
	secret_hex_encode(prev, 32, hh);
	cr_assert_eq(testdb_execf(su, NULL, "UPDATE audit.head SET last_pos = "
	    "%lld, last_hash = decode('%s', 'hex'); SET "
	    "session_replication_role = origin", pos, hh), 0);
}

/* Append a checkpoint of the current head, signed as the chainer does. */
static void
checkpoint_now(void)
{
	char		 line[AUDITLOG_CP_LINE_MAX], *v;
	unsigned char	 h[32];
	FILE		*fp;
	long long	 pos;

	pos = testdb_count(su, "SELECT last_pos FROM audit.head");
	cr_assert_not_null(v = testdb_value(su, "SELECT encode(last_hash, "
	    "'hex') FROM audit.head"));
	cr_assert_eq(secret_hex_decode(v, 64, h, 32), 0);
	free(v);
	cr_assert_eq(auditlog_cp_sign(sk, pos, h, time(NULL), line,
	    sizeof(line)), 0);
	cr_assert_not_null(fp = fopen(cpf, "a"));
	/* As journalctl prints it: a prefix before the tag. */
	fprintf(fp, "Dec 01 23:59:59 staff1 meldpuntd[42]: %s\n", line);
	fclose(fp);
}

static int
verify(int with_cp, struct audit_report *ar)
{
	struct audit_opts	ao = { keyf, with_cp ? cpf : NULL, pubf };

	return (audit_verify(su, &ao, ar));
}

static int
run_verify(const char *args, char *out, size_t outsz)
{
	const char	*build = getenv("MELDPUNT_BUILD");
	char		*cmd;
	FILE		*p;
	size_t		 n;
	int		 st;

	cr_assert(asprintf(&cmd, "%s/meldctl -d 'dbname=%s user=mp_admin' "
	    "audit verify --keys '%s' %s 2>&1", build ? build : "build", db,
	    dir, args) > 0);
	cr_assert_not_null(p = popen(cmd, "r"));
	n = fread(out, 1, outsz - 1, p);
	out[n] = '\0';
	st = pclose(p);
	free(cmd);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* ------------------------------------------------------------ tests */

Test(audit, appends_are_pending_until_chained)
{
	struct audit_report	ar;
	char			out[2048];

	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE pos IS NULL AND hash IS NULL"), 5);
	cr_assert_eq(verify(0, &ar), 0, "%s", ar.ar_reason);
	cr_expect_eq(ar.ar_events, 0);
	cr_expect_eq(ar.ar_pending, 5);
	cr_assert_eq(chain_all(), 5);
	cr_assert_eq(testdb_exec(su, "SELECT audit.admin_event('t', "
	    "'queue.add', 'queue:x', '{}')", NULL), 0);
	cr_assert_eq(verify(0, &ar), 0, "%s", ar.ar_reason);
	cr_expect_eq(ar.ar_events, 5);
	cr_expect_eq(ar.ar_pending, 1);
	checkpoint_now();
	cr_assert_eq(run_verify("--checkpoints", out, sizeof(out)), EX_USAGE,
	    "%s", out);
	cr_assert_eq(run_verify("", out, sizeof(out)), 0, "%s", out);
	cr_expect_not_null(strstr(out, "audit chain ok: 5 events chained and "
	    "verified; 1 pending"), "%s", out);
	cr_assert_eq(chain_all(), 6);
	{
		char	args[700];

		snprintf(args, sizeof(args), "--checkpoints '%s'", cpf);
		cr_assert_eq(run_verify(args, out, sizeof(out)), 0, "%s", out);
	}
	cr_expect_not_null(strstr(out, "checkpoints ok: 1 signed checkpoints "
	    "match; the newest"), "%s", out);
	cr_expect_not_null(strstr(out, "covers events 1..5; 1 chained events "
	    "are newer than it"), "%s", out);
}

Test(audit, appends_take_no_shared_lock)
{
	PGconn	*holder, *a;

	/* Another transaction holds the head (as a slow chainer would). */
	cr_assert_not_null(holder = testdb_connect(db, NULL));
	cr_assert_eq(testdb_exec(holder, "BEGIN; SELECT * FROM audit.head "
	    "FOR UPDATE", NULL), 0);
	cr_assert_not_null(a = testdb_connect(db, "mp_admin"));
	cr_assert_eq(testdb_exec(a, "SET lock_timeout = '2s'; BEGIN; "
	    "SELECT audit.admin_event('t', 'queue.add', 'queue:y', '{}'); "
	    "COMMIT", NULL), 0, "an append waited for the head lock");
	cr_assert_eq(testdb_exec(holder, "ROLLBACK", NULL), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE pos IS NULL"), 6);
	PQfinish(a);
	PQfinish(holder);
}

Test(audit, chain_extend_is_compare_and_set)
{
	PGconn	*s;

	cr_assert_eq(chain_all(), 5);
	cr_assert_not_null(s = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_exec(su, "SELECT audit.append('x', 'y', '', "
	    "'{}')", NULL), 0);
	/* A chainer that read an older head loses and changes nothing. */
	cr_expect_eq(testdb_count(s, "SELECT audit.chain_extend(0, "
	    "'\\x0000000000000000000000000000000000000000000000000000000000000000', "
	    "ARRAY[(SELECT max(id) FROM audit.events)], ARRAY[decode(repeat("
	    "'ab', 32), 'hex')])"), -1);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE pos IS NULL"), 1);
	/* An event that is already chained cannot be chained again. */
	cr_expect(testdb_fails_with(s, "SELECT audit.chain_extend(h.last_pos, "
	    "h.last_hash, ARRAY[1::bigint], "
	    "ARRAY[decode(repeat('ab', 32), 'hex')]) FROM audit.chain_head() h",
	    "MP005"));
	cr_expect(testdb_fails_with(s, "SELECT audit.chain_extend(h.last_pos, "
	    "h.last_hash, ARRAY[1], ARRAY['\\x00'::bytea]) FROM "
	    "audit.chain_head() h", "MP005"));
	PQfinish(s);
}

Test(audit, changes_refused_for_everyone)
{
	PGconn		*a;
	const char	*roles[] = { "mp_admin", "mp_staff", "mp_public",
			    "mp_research" };
	int		 i;

	cr_assert_eq(chain_all(), 5);
	cr_assert_eq(testdb_exec(su, "SELECT audit.append('x', 'y', '', "
	    "'{}')", NULL), 0);
	/* The owner and superuser hit the triggers, chained or pending. */
	cr_expect(testdb_fails_with(su, "UPDATE audit.events SET actor = 'x' "
	    "WHERE pos = 2", "MP030"));
	cr_expect(testdb_fails_with(su, "UPDATE audit.events SET actor = 'x' "
	    "WHERE pos IS NULL", "MP030"));
	cr_expect(testdb_fails_with(su, "UPDATE audit.events SET pos = 99, "
	    "prev_hash = hash, hash = hash, actor = 'x' WHERE pos = 5",
	    "MP030"));
	cr_expect(testdb_fails_with(su, "UPDATE audit.events SET pos = 99, "
	    "prev_hash = '\\x00', hash = '\\x00' WHERE pos IS NULL", "23514"));
	cr_expect(testdb_fails_with(su, "UPDATE audit.events SET pos = 7, "
	    "prev_hash = decode(repeat('00', 32), 'hex'), hash = decode("
	    "repeat('00', 32), 'hex'), details = '{\"a\": 1}' WHERE pos IS "
	    "NULL", "MP030"));
	cr_expect(testdb_fails_with(su, "DELETE FROM audit.events WHERE "
	    "pos = 2", "MP030"));
	cr_expect(testdb_fails_with(su, "DELETE FROM audit.events WHERE "
	    "pos IS NULL", "MP030"));
	cr_expect(testdb_fails_with(su, "TRUNCATE audit.events", "MP030"));
	cr_expect(testdb_fails_with(su, "DELETE FROM audit.head", "MP030"));
	cr_expect(testdb_fails_with(su, "SET ROLE mp_owner; UPDATE "
	    "audit.events SET actor = 'x'", "MP030"));
	testdb_exec(su, "RESET ROLE", NULL);
	/* Login roles have no privilege at all. */
	for (i = 0; i < 4; i++) {
		cr_assert_not_null(a = testdb_connect(db, roles[i]));
		cr_expect(testdb_fails_with(a, "UPDATE audit.events SET "
		    "actor = 'x'", "42501"), "%s", roles[i]);
		cr_expect(testdb_fails_with(a, "DELETE FROM audit.events",
		    "42501"), "%s", roles[i]);
		cr_expect(testdb_fails_with(a, "TRUNCATE audit.events",
		    "42501"), "%s", roles[i]);
		cr_expect(testdb_fails_with(a, "SELECT audit.append('x', 'y', "
		    "'', '{}')", "42501"), "%s", roles[i]);
		if (i != 1)
			cr_expect(testdb_fails_with(a, "SELECT * FROM "
			    "audit.chain_pending(10)", "42501"), "%s",
			    roles[i]);
		PQfinish(a);
	}
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events"), 6);
}

Test(audit, update_of_middle_event_rechained_without_key_detected)
{
	struct audit_report	ar;
	unsigned char		other[32];
	char			out[2048];

	cr_assert_eq(chain_all(), 5);
	cr_assert_eq(verify(0, &ar), 0, "%s", ar.ar_reason);
	cr_assert_eq(testdb_exec(su, "SET session_replication_role = replica;"
	    "UPDATE audit.events SET details = '{\"n\": 99}' WHERE pos = 3;"
	    "SET session_replication_role = origin", NULL), 0);
	/* The superuser recomputes every link after it with the published
	 * formula -- but not the key, which is not in the database. */
	cr_assert_eq(secret_random(other, sizeof(other)), 0);
	rechain(other, 3);
	cr_assert_eq(verify(0, &ar), 1);
	cr_expect_eq(ar.ar_bad_pos, 3);
	cr_expect_eq(ar.ar_events, 2);
	cr_assert_eq(run_verify("", out, sizeof(out)), EX_DATAERR, "%s", out);
	cr_expect_not_null(strstr(out, "broken at position 3"), "%s", out);
}

Test(audit, update_of_middle_event_rechained_with_key_caught_by_checkpoint)
{
	struct audit_report	ar;
	char			args[700], out[2048];

	cr_assert_eq(chain_all(), 5);
	checkpoint_now();
	cr_assert_eq(verify(1, &ar), 0, "%s", ar.ar_reason);
	cr_assert_eq(testdb_exec(su, "SET session_replication_role = replica;"
	    "UPDATE audit.events SET actor = 'admin:mallory' WHERE pos = 3;"
	    "SET session_replication_role = origin", NULL), 0);
	/* Even with the chain key (stolen from the staff host), the
	 * rewritten chain no longer ends where the signed checkpoint says. */
	rechain(key, 3);
	cr_assert_eq(verify(0, &ar), 0, "the key alone cannot see this");
	cr_assert_eq(verify(1, &ar), 1);
	cr_expect_eq(ar.ar_bad_pos, 5);
	snprintf(args, sizeof(args), "--checkpoints '%s'", cpf);
	cr_assert_eq(run_verify(args, out, sizeof(out)), EX_DATAERR, "%s",
	    out);
	cr_expect_not_null(strstr(out, "signed checkpoint"), "%s", out);
}

Test(audit, delete_of_newest_checkpointed_event_with_head_rewritten)
{
	struct audit_report	ar;
	char			args[700], out[2048];

	cr_assert_eq(chain_all(), 5);
	checkpoint_now();
	cr_assert_eq(testdb_exec(su, "SET session_replication_role = replica;"
	    "DELETE FROM audit.events WHERE pos = 5;"
	    "UPDATE audit.head SET last_pos = 4, last_hash = (SELECT hash "
	    "FROM audit.events WHERE pos = 4);"
	    "SET session_replication_role = origin", NULL), 0);
	/* Every remaining link is genuine: the key alone cannot tell. */
	cr_assert_eq(verify(0, &ar), 0, "%s", ar.ar_reason);
	cr_assert_eq(verify(1, &ar), 1);
	cr_expect_eq(ar.ar_bad_pos, 5);
	cr_expect_not_null(strstr(ar.ar_reason, "covers more events"), "%s",
	    ar.ar_reason);
	snprintf(args, sizeof(args), "--checkpoints '%s'", cpf);
	cr_assert_eq(run_verify(args, out, sizeof(out)), EX_DATAERR, "%s",
	    out);
}

Test(audit, delete_of_newest_event_without_head_rewrite)
{
	struct audit_report	ar;

	cr_assert_eq(chain_all(), 5);
	cr_assert_eq(testdb_exec(su, "SET session_replication_role = replica;"
	    "DELETE FROM audit.events WHERE pos = 5;"
	    "SET session_replication_role = origin", NULL), 0);
	cr_assert_eq(verify(0, &ar), 1);
	cr_expect_eq(ar.ar_bad_pos, 5);
}

Test(audit, reordering_detected)
{
	struct audit_report	ar;

	cr_assert_eq(chain_all(), 5);
	checkpoint_now();
	/* Swap the places of events 2 and 3 with their links. */
	cr_assert_eq(testdb_exec(su, "SET session_replication_role = replica;"
	    "UPDATE audit.events SET pos = pos + 1000 WHERE pos IN (2, 3);"
	    "UPDATE audit.events SET pos = 3 WHERE pos = 1002;"
	    "UPDATE audit.events SET pos = 2 WHERE pos = 1003;"
	    "SET session_replication_role = origin", NULL), 0);
	cr_assert_eq(verify(0, &ar), 1);
	cr_expect_eq(ar.ar_bad_pos, 2);
	/* Relinked without the key: the links give it away. */
	{
		unsigned char	other[32];

		cr_assert_eq(secret_random(other, sizeof(other)), 0);
		rechain(other, 2);
		cr_assert_eq(verify(0, &ar), 1);
		cr_expect_eq(ar.ar_bad_pos, 2);
	}
	/* Relinked with the key: the checkpoint gives it away. */
	rechain(key, 2);
	cr_assert_eq(verify(0, &ar), 0, "%s", ar.ar_reason);
	cr_assert_eq(verify(1, &ar), 1);
	cr_expect_eq(ar.ar_bad_pos, 5);
}

Test(audit, forged_or_foreign_checkpoint_refused)
{
	struct audit_report	ar;
	FILE			*fp;
	char			*s, *p;
	unsigned char		 sk2[32], pk2[32], h[32];
	char			 line[AUDITLOG_CP_LINE_MAX];

	cr_assert_eq(chain_all(), 5);
	checkpoint_now();
	cr_assert_eq(verify(1, &ar), 0, "%s", ar.ar_reason);
	/* A line signed with someone else's key. */
	cr_assert_eq(auditlog_ed25519_generate(sk2, pk2), 0);
	memset(h, 0x42, sizeof(h));
	cr_assert_eq(auditlog_cp_sign(sk2, 3, h, time(NULL), line,
	    sizeof(line)), 0);
	cr_assert_not_null(fp = fopen(cpf, "a"));
	fprintf(fp, "%s\n", line);
	fclose(fp);
	cr_assert_eq(verify(1, &ar), 1);
	cr_expect_not_null(strstr(ar.ar_reason, "signature invalid"));
	/* A genuine line with its count changed. */
	cr_assert_not_null(fp = fopen(cpf, "w"));
	fclose(fp);
	checkpoint_now();
	cr_assert_not_null(s = calloc(1, 4096));
	cr_assert_not_null(fp = fopen(cpf, "r"));
	cr_assert_not_null(fgets(s, 4096, fp));
	fclose(fp);
	cr_assert_not_null(p = strstr(s, "count=5 "));
	p[6] = '4';
	cr_assert_not_null(fp = fopen(cpf, "w"));
	fputs(s, fp);
	fclose(fp);
	free(s);
	cr_assert_eq(verify(1, &ar), 1);
}

Test(audit, verify_needs_the_key_once_events_are_chained)
{
	struct audit_report	ar;
	struct audit_opts	ao = { NULL, NULL, NULL };

	cr_assert_eq(audit_verify(su, &ao, &ar), 0, "%s", ar.ar_reason);
	cr_assert_eq(chain_all(), 5);
	cr_assert_eq(audit_verify(su, &ao, &ar), -1);
	cr_expect_not_null(strstr(ar.ar_reason, "audit chain key"));
}

Test(audit, staff_events_take_actor_from_session)
{
	PGconn	*s;
	char	 h[65], *actor;

	cr_assert_eq(testdb_seed_routing(su), 0);
	cr_assert_gt(testdb_add_user(su, "carla", "handler", "labour"), 0);
	cr_assert_not_null(s = testdb_connect(db, "mp_staff"));
	cr_expect(testdb_fails_with(s, "SELECT audit.staff_event('case.read', "
	    "'case:x', '{}')", "MP020"));
	cr_assert_eq(testdb_login(db, "carla", 7, h), 0);
	cr_assert_eq(testdb_set_session(s, h), 0);
	cr_assert_eq(testdb_exec(s, "SELECT audit.staff_event('case.read', "
	    "'case:x', '{}')", NULL), 0);
	actor = testdb_value(su, "SELECT actor FROM audit.events ORDER BY id "
	    "DESC LIMIT 1");
	cr_assert_not_null(actor);
	cr_expect_str_eq(actor, "user:1");
	free(actor);
	PQfinish(s);
}

/* A database as it was before 0070, with version-1 events; then 0070. */
static PGconn *
pre_0070(char **mdbp, char **dirp)
{
	char		*cmd;
	const char	*tmp = getenv("MELDPUNT_TEST_TMP");
	PGconn		*c;

	cr_assert_not_null(*mdbp = testdb_create_empty());
	cr_assert_not_null(c = testdb_connect(*mdbp, NULL));
	cr_assert(asprintf(dirp, "%s/schema-audit-%s", tmp ? tmp : "/tmp",
	    *mdbp) > 0);
	cr_assert(asprintf(&cmd, "rm -rf '%s' && cp -R '%s' '%s' && "
	    "for f in '%s'/[0-9][0-9][0-9][0-9]_*.sql; do "
	    "n=$(basename \"$f\" | cut -c1-4); "
	    "[ \"$n\" -lt 70 ] || rm \"$f\"; done", *dirp, testdb_schema_dir(),
	    *dirp, *dirp) > 0);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	cr_assert_eq(migrate_apply(c, *dirp, NULL, NULL), 0);
	cr_assert_eq(testdb_exec(c, "SELECT audit.append('admin:t', 'user.add', "
	    "'user:' || g, jsonb_build_object('n', g)) FROM generate_series(1, "
	    "4) g", NULL), 0);
	return (c);
}

Test(audit, migration_converts_an_intact_v1_chain)
{
	struct audit_report	 ar;
	PGconn			*c, *keep = su;
	char			*mdb, *sdir, *keepdb = db;

	c = pre_0070(&mdb, &sdir);
	cr_expect_eq(testdb_count(c, "SELECT count(*) FROM audit.events WHERE "
	    "hash IS NOT NULL"), 4);
	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, NULL), 0);
	cr_expect_eq(testdb_count(c, "SELECT count(*) FROM audit.events WHERE "
	    "pos IS NULL AND hash IS NULL"), 4);
	su = c;
	db = mdb;
	cr_assert_eq(verify(0, &ar), 0, "%s", ar.ar_reason);
	cr_expect_eq(ar.ar_pending, 4);
	cr_assert_eq(chain_all(), 4);
	cr_assert_eq(verify(0, &ar), 0, "%s", ar.ar_reason);
	cr_expect_eq(ar.ar_events, 4);
	/* Chained in the old order. */
	cr_expect_eq(testdb_count(c, "SELECT count(*) FROM audit.events "
	    "WHERE pos <> id"), 0);
	su = keep;
	db = keepdb;
	PQfinish(c);
	testdb_drop(mdb);
	free(mdb);
	free(sdir);
}

Test(audit, migration_refuses_a_broken_v1_chain)
{
	PGconn	*c;
	char	*mdb, *sdir;

	c = pre_0070(&mdb, &sdir);
	cr_assert_eq(testdb_exec(c, "SET session_replication_role = replica;"
	    "UPDATE audit.events SET actor = 'admin:mallory' WHERE id = 2;"
	    "SET session_replication_role = origin", NULL), 0);
	cr_expect_neq(migrate_apply(c, testdb_schema_dir(), NULL, NULL), 0);
	cr_expect_eq(testdb_count(c, "SELECT count(*) FROM "
	    "information_schema.columns WHERE table_schema = 'audit' AND "
	    "column_name = 'pos'"), 0);
	PQfinish(c);
	testdb_drop(mdb);
	free(mdb);
	free(sdir);
}
