/*
 * admin/doctor.c: `meldctl doctor` through the real binary against a real
 * database set up by the real `meldctl init`.  Each fault is made by hand
 * and must turn into exit 78 and a FAIL line that names the file, role or
 * user; with the fault undone the installation is consistent again.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/crypto.h>

#include "admin/audit.h"
#include "admin/init.h"
#include "crypto/auditlog.h"
#include "crypto/casekey.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"

static char	*DB;
static char	 DIR_[512], KEYS[600], ME[64], SCHEMA[600];

static void
dr_setup(void)
{
	struct passwd	*pw;

	cr_assert_not_null(DB = testdb_create());
	snprintf(DIR_, sizeof(DIR_), "%s/doctor-%d", getenv("MELDPUNT_TEST_TMP"),
	    (int)getpid());
	cr_assert_eq(mkdir(DIR_, 0700), 0);
	snprintf(KEYS, sizeof(KEYS), "%s/keys", DIR_);
	cr_assert_not_null(pw = getpwuid(getuid()));
	snprintf(ME, sizeof(ME), "%s", pw->pw_name);
	snprintf(SCHEMA, sizeof(SCHEMA), "%s", testdb_schema_dir());
}

static void
dr_teardown(void)
{
	testdb_drop(DB);
	free(DB);
}

TestSuite(doctor, .init = dr_setup, .fini = dr_teardown, .timeout = 120);

/* meldctl -d CONNINFO ARGS; *st gets the exit status; output returned. */
static char *
dr_run(const char *role, int *st, const char *fmt, ...)
{
	va_list	 ap;
	char	 args[2048], cmd[4096], *out;
	FILE	*fp;
	size_t	 len;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s/meldctl -d '%s' %s </dev/null 2>&1",
	    getenv("MELDPUNT_BUILD"), tdaemon_conninfo(DB, role), args);
	cr_assert_not_null(fp = popen(cmd, "r"));
	cr_assert_not_null(out = calloc(1, 65536));
	len = fread(out, 1, 65535, fp);
	out[len] = '\0';
	*st = pclose(fp);
	*st = WIFEXITED(*st) ? WEXITSTATUS(*st) : 128;
	return (out);
}

/* doctor as mp_admin with this test's users; returns the output. */
static char *
dr_doctor(int want, const char *extra)
{
	char	*out;
	int	 st;

	out = dr_run("mp_admin", &st, "doctor --keys '%s' --schema-dir '%s' "
	    "--public-user %s --staff-user %s %s", KEYS, SCHEMA, ME, ME,
	    extra != NULL ? extra : "");
	cr_assert_eq(st, want, "doctor exit %d:\n%s", st, out);
	return (out);
}

static void
dr_expect(const char *out, const char *line)
{
	cr_expect_not_null(strstr(out, line), "no \"%s\" in:\n%s", line, out);
}

Test(doctor, names_each_fault_and_passes_a_consistent_installation)
{
	char		 path[800], moved[800], err[256], *out;
	unsigned char	 pub[HPKE_MAX_PUB];
	size_t		 publen = sizeof(pub);
	struct hpke_key	*k;
	int		 st;

	out = dr_run("mp_admin", &st, "init --keys '%s'", KEYS);
	cr_assert_eq(st, 0, "%s", out);
	free(out);

	/* Fresh from init: the recovery private key is still here. */
	out = dr_doctor(78, NULL);
	dr_expect(out, "FAIL  recovery.key: the OFFLINE recovery private key "
	    "is on this machine");
	dr_expect(out, "ok    role mp_staff");
	dr_expect(out, "ok    totp-seal.key");
	dr_expect(out, "WARN  migrations: not checked");
	dr_expect(out, "WARN  queue labour: no active member holds its key");

	dr_expect(out, "FAIL  manifest-signing.key: the OFFLINE manifest-signing "
	    "key is on this machine");
	free(out);

	snprintf(path, sizeof(path), "%s/%s", KEYS, INIT_F_RECOVERY);
	snprintf(moved, sizeof(moved), "%s/offline.key", DIR_);
	cr_assert_eq(rename(path, moved), 0);
	snprintf(path, sizeof(path), "%s/%s", KEYS, INIT_F_MANIFEST);
	snprintf(moved, sizeof(moved), "%s/offline-manifest.key", DIR_);
	cr_assert_eq(rename(path, moved), 0);
	out = dr_doctor(0, NULL);
	dr_expect(out, "ok    manifest-signing.pub");
	dr_expect(out, "ok    recovery.pub matches casework.recovery_keys");
	dr_expect(out, "ok    identity.pub matches identity.keys");
	dr_expect(out, "ok    role mp_public: jit off");
	dr_expect(out, "ok    role mp_staff: jit off");
	dr_expect(out, "0 failed");
	free(out);

	/* JIT back on for the staff role in this database (0302 undone). */
	{
		PGconn	*su;

		cr_assert_not_null(su = testdb_connect(DB, NULL));
		cr_assert_eq(testdb_execf(su, NULL, "ALTER ROLE mp_staff IN "
		    "DATABASE \"%s\" SET jit = on", DB), 0);
		out = dr_doctor(0, NULL);
		dr_expect(out, "WARN  role mp_staff: jit is on");
		dr_expect(out, "ok    role mp_public: jit off");
		free(out);
		cr_assert_eq(testdb_execf(su, NULL, "ALTER ROLE mp_staff IN "
		    "DATABASE \"%s\" SET jit = off", DB), 0);
		PQfinish(su);
	}

	/* A group-readable secret. */
	snprintf(path, sizeof(path), "%s/%s", KEYS, INIT_F_TOTP_SEAL);
	cr_assert_eq(chmod(path, 0640), 0);
	out = dr_doctor(78, NULL);
	dr_expect(out, "FAIL  totp-seal.key: ");
	dr_expect(out, "group- or world-accessible");
	free(out);
	cr_assert_eq(chmod(path, 0600), 0);

	/* An owner that does not exist. */
	out = dr_doctor(78, "--staff-user meldpunt-nosuchuser");
	dr_expect(out, "FAIL  totp-seal.key: system user meldpunt-nosuchuser "
	    "does not exist");
	free(out);

	/* identity.pub of another key than the database's. */
	snprintf(path, sizeof(path), "%s/%s", KEYS, INIT_F_IDENTITY_PUB);
	cr_assert_eq(unlink(path), 0);
	cr_assert_not_null(k = hpke_key_new(HPKE_KEM_P256_SHA256));
	cr_assert_eq(hpke_key_public(k, pub, &publen), 0);
	hpke_key_free(k);
	cr_assert_eq(keyfile_write(path, KEYFILE_IDENTITY, KEYFILE_PUBLIC, pub,
	    publen, err, sizeof(err)), 0, "%s", err);
	out = dr_doctor(78, NULL);
	dr_expect(out, "FAIL  identity.pub: does not match the current key in "
	    "identity.keys");
	free(out);

	/* A superuser sees the migrations too. */
	out = dr_run(NULL, &st, "doctor --keys '%s' --schema-dir '%s' "
	    "--public-user %s --staff-user %s", KEYS, SCHEMA, ME, ME);
	dr_expect(out, "ok    migrations: database at ");
	free(out);
}

Test(doctor, runs_the_daemon_configuration_check)
{
	char	 conf[800], *out;
	FILE	*fp;
	int	 st;

	out = dr_run("mp_admin", &st, "init --keys '%s'", KEYS);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	snprintf(conf, sizeof(conf), "%s/meldpuntd.conf", DIR_);
	cr_assert_not_null(fp = fopen(conf, "w"));
	fputs("no_such_key = 1\n", fp);
	fclose(fp);
	out = dr_run("mp_admin", &st, "doctor --keys '%s' --public-user %s "
	    "--staff-user %s --config '%s'", KEYS, ME, ME, conf);
	cr_expect_eq(st, 78);
	dr_expect(out, "FAIL  config ");
	dr_expect(out, "role public: ");
	dr_expect(out, "no_such_key");
	free(out);
}

/* init, then the two offline keys moved away: a consistent installation. */
static void
dr_init_consistent(void)
{
	char	 path[800], moved[800], *out;
	int	 st;

	out = dr_run("mp_admin", &st, "init --keys '%s'", KEYS);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	snprintf(path, sizeof(path), "%s/%s", KEYS, INIT_F_RECOVERY);
	snprintf(moved, sizeof(moved), "%s/offline.key", DIR_);
	cr_assert_eq(rename(path, moved), 0);
	snprintf(path, sizeof(path), "%s/%s", KEYS, INIT_F_MANIFEST);
	snprintf(moved, sizeof(moved), "%s/offline-manifest.key", DIR_);
	cr_assert_eq(rename(path, moved), 0);
}

/* A fresh P-256 key pair: the private scalar and public key. */
static void
dr_p256(unsigned char *sk, size_t *sklen, unsigned char *pk, size_t *pklen)
{
	struct hpke_key	*k;

	cr_assert_not_null(k = hpke_key_new(HPKE_KEM_P256_SHA256));
	cr_assert_eq(hpke_key_private(k, sk, sklen), 0);
	cr_assert_eq(hpke_key_public(k, pk, pklen), 0);
	hpke_key_free(k);
}

/* Replace KEYS/name by a new file of kind/cls holding key. */
static void
dr_replace(const char *name, const char *kind, enum keyfile_class cls,
    const unsigned char *key, size_t len)
{
	char	 path[800], err[1200];

	snprintf(path, sizeof(path), "%s/%s", KEYS, name);
	(void)unlink(path);
	cr_assert_eq(keyfile_write(path, kind, cls, key, len, err,
	    sizeof(err)), 0, "%s", err);
}

Test(doctor, checks_epoch_key_files_against_the_database)
{
	unsigned char	 sk[HPKE_PRIV_LEN], pk[HPKE_MAX_PUB];
	size_t		 sklen = sizeof(sk), pklen = sizeof(pk);
	char		 path[800], moved[800], hex[2 * HPKE_MAX_PUB + 1], *out;
	PGconn		*su;

	dr_init_consistent();
	out = dr_doctor(0, NULL);
	dr_expect(out, "ok    epoch-1.key matches casework.epochs");
	free(out);

	/* Readable by others. */
	snprintf(path, sizeof(path), "%s/epoch/epoch-1.key", KEYS);
	cr_assert_eq(chmod(path, 0644), 0);
	out = dr_doctor(78, NULL);
	dr_expect(out, "FAIL  epoch-1.key: ");
	dr_expect(out, "group- or world-accessible");
	free(out);
	cr_assert_eq(chmod(path, 0600), 0);

	/* Missing: the cases of that epoch cannot be opened. */
	snprintf(moved, sizeof(moved), "%s/epoch-1.saved", DIR_);
	cr_assert_eq(rename(path, moved), 0);
	out = dr_doctor(78, NULL);
	dr_expect(out, "FAIL  epoch-1.key: No such file or directory: the "
	    "cases of epoch 1 cannot be opened");
	free(out);

	/* Another key under the right name. */
	dr_p256(sk, &sklen, pk, &pklen);
	dr_replace("epoch/epoch-1.key", CASEKEY_EPOCH_KIND, KEYFILE_PRIVATE, sk,
	    sklen);
	out = dr_doctor(78, NULL);
	dr_expect(out, "FAIL  epoch-1.key: its public half is not the key of "
	    "epoch 1 in casework.epochs");
	free(out);
	cr_assert_eq(rename(moved, path), 0);

	/* A destroyed epoch whose file is still here: not shredded. */
	cr_assert_not_null(su = testdb_connect(DB, NULL));
	secret_hex_encode(pk, pklen, hex);
	cr_assert_eq(testdb_execf(su, NULL, "INSERT INTO casework.epochs "
	    "(epoch, public_key, current, retired_at, destroyed_at) VALUES "
	    "(2, decode('%s', 'hex'), false, now(), now())", hex), 0);
	PQfinish(su);
	dr_replace("epoch/epoch-2.key", CASEKEY_EPOCH_KIND, KEYFILE_PRIVATE, sk,
	    sklen);
	out = dr_doctor(78, NULL);
	dr_expect(out, "FAIL  epoch-2.key: epoch 2 was destroyed but its key "
	    "file is still here");
	free(out);
	/* Of no epoch at all: named, but only a warning. */
	snprintf(moved, sizeof(moved), "%s/epoch/epoch-9.key", KEYS);
	snprintf(path, sizeof(path), "%s/epoch/epoch-2.key", KEYS);
	cr_assert_eq(rename(path, moved), 0);
	out = dr_doctor(0, NULL);
	dr_expect(out, "WARN  epoch-9.key: no epoch 9 in the database");
	free(out);
	OPENSSL_cleanse(sk, sizeof(sk));
}

/* Chain every pending event under key as the staff process does. */
static long long
dr_chain(const unsigned char *key)
{
	PGconn		*c;
	PGresult	*r;
	unsigned char	 prev[32], d[32], h[32];
	char		 ids[4096] = "{", hs[65536] = "{", phex[65], pos_s[24];
	const char	*p[4];
	long long	 pos;
	int		 i, n;

	cr_assert_not_null(c = testdb_connect(DB, "mp_staff"));
	r = PQexec(c, "SELECT last_pos, encode(last_hash, 'hex') FROM "
	    "audit.chain_head()");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	pos = atoll(PQgetvalue(r, 0, 0));
	cr_assert_eq(secret_hex_decode(PQgetvalue(r, 0, 1), 64, prev, 32), 0);
	PQclear(r);
	secret_hex_encode(prev, 32, phex);
	snprintf(pos_s, sizeof(pos_s), "%lld", pos);
	r = PQexec(c, "SELECT id, encode(digest, 'hex') FROM "
	    "audit.chain_pending(100)");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	cr_assert_gt(n = PQntuples(r), 0);
	for (i = 0; i < n; i++) {
		cr_assert_eq(secret_hex_decode(PQgetvalue(r, i, 1), 64, d, 32),
		    0);
		cr_assert_eq(auditlog_hash_v2(key, prev, pos + i + 1, d, h), 0);
		memcpy(prev, h, 32);
		strcat(ids, i > 0 ? "," : "");
		strcat(ids, PQgetvalue(r, i, 0));
		strcat(hs, i > 0 ? "," : "");
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
	pos = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return (pos);
}

Test(doctor, checks_audit_and_reporter_session_keys)
{
	unsigned char	 sk[32], pk[32], other[32];
	char		 path[800], err[1200], want[200], *out;
	struct secret	*key;

	dr_init_consistent();
	out = dr_doctor(0, NULL);
	dr_expect(out, "ok    audit-chain.key (nothing chained yet");
	dr_expect(out, "ok    audit-checkpoint.pub matches audit-checkpoint.key");
	dr_expect(out, "ok    reporter-session.key");
	free(out);

	/* Chained under the installation's key: it matches the database. */
	snprintf(path, sizeof(path), "%s/%s", KEYS, AUDIT_F_CHAIN_KEY);
	cr_assert_not_null(key = keyfile_read(path, KEYFILE_AUDIT_CHAIN,
	    KEYFILE_SECRET, 32, 0, err, sizeof(err)), "%s", err);
	snprintf(want, sizeof(want), "ok    audit-chain.key matches the audit "
	    "chain (position %lld)", dr_chain(key->s_buf));
	secret_free(key);
	out = dr_doctor(0, NULL);
	dr_expect(out, want);
	free(out);
	/* Another chain key (a lost file replaced by a new one). */
	cr_assert_eq(secret_random(other, sizeof(other)), 0);
	dr_replace(AUDIT_F_CHAIN_KEY, KEYFILE_AUDIT_CHAIN, KEYFILE_SECRET,
	    other, sizeof(other));
	out = dr_doctor(78, NULL);
	dr_expect(out, "FAIL  audit-chain.key: the newest chained audit event "
	    "(position ");
	free(out);

	/* A checkpoint public key of another pair. */
	cr_assert_eq(auditlog_ed25519_generate(sk, pk), 0);
	dr_replace(AUDIT_F_CP_PUB, KEYFILE_AUDIT_CHECKPOINT, KEYFILE_PUBLIC, pk,
	    sizeof(pk));
	out = dr_doctor(78, NULL);
	dr_expect(out, "FAIL  audit-checkpoint.pub: not the public half of "
	    "audit-checkpoint.key");
	free(out);

	/* The reporter-session key: readable by others, then absent. */
	snprintf(path, sizeof(path), "%s/%s", KEYS, INIT_F_RSESSION);
	cr_assert_eq(chmod(path, 0644), 0);
	out = dr_doctor(78, NULL);
	dr_expect(out, "FAIL  reporter-session.key: ");
	free(out);
	cr_assert_eq(unlink(path), 0);
	out = dr_doctor(78, NULL);
	dr_expect(out, "WARN  reporter-session.key: absent");
	free(out);
	OPENSSL_cleanse(sk, sizeof(sk));
}
