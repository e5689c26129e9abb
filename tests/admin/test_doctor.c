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

#include "admin/init.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
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
	dr_expect(out, "0 failed");
	free(out);

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
