/*
 * Configuration: defaults, sections, and the one-line errors that name
 * the file, line and key.
 */
#include <sys/stat.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "daemon/config.h"
#include "tests/lib/tdaemon.h"

static char	 path[512];

static void
write_conf(const char *text)
{
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/conf-%d.conf",
	    getenv("MELDPUNT_TEST_TMP") ? getenv("MELDPUNT_TEST_TMP") : "/tmp",
	    (int)getpid());
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
load(enum config_role role, const char *text, struct config **out, char *err)
{
	struct config	*c = config_new(role);
	int		 rc;

	cr_assert_not_null(c);
	write_conf(text);
	rc = config_load(c, path, err, CONFIG_ERRLEN);
	unlink(path);
	*out = c;
	return (rc);
}

Test(config, defaults_are_safe)
{
	struct config	*c = config_new(ROLE_PUBLIC);

	cr_assert_str_eq(c->c_listen_host, "127.0.0.1");
	cr_assert(c->c_header_max > 0 && c->c_header_max <= 16384);
	cr_assert(c->c_body_max > 0 && c->c_body_max <= 4 * 1024 * 1024);
	cr_assert(c->c_request_timeout_ms > 0 && c->c_request_timeout_ms <= 30000);
	cr_assert(c->c_max_connections > 0);
	cr_assert(strstr(c->c_database, "mp_public") != NULL);
	config_free(c);
	c = config_new(ROLE_STAFF);
	cr_assert(strstr(c->c_database, "mp_staff") != NULL);
	cr_assert_neq(c->c_listen_port, 8443);
	config_free(c);
	config_free(NULL);
}

/*
 * The default worker count follows the CPUs the process may run on
 * (taskset, a cgroup cpuset), not the machine's: on one CPU of several,
 * one worker.  Criterion runs each test in its own process, so changing
 * this process's affinity touches nothing else.
 */
Test(config, default_workers_follow_the_affinity_mask)
{
	cpu_set_t	 all, one;
	struct config	*c;
	int		 cpu;

	cr_assert_eq(sched_getaffinity(0, sizeof(all), &all), 0);
	c = config_new(ROLE_PUBLIC);
	cr_assert_eq(c->c_workers, CPU_COUNT(&all) < 64 ?
	    CPU_COUNT(&all) : 2);
	config_free(c);
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &all); cpu++)
		;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	c = config_new(ROLE_PUBLIC);
	cr_assert_eq(c->c_workers, 1);
	config_free(c);
	cr_assert_eq(sched_setaffinity(0, sizeof(all), &all), 0);
}

Test(config, sections_override_for_their_role)
{
	struct config	*c;
	char		 err[CONFIG_ERRLEN];
	const char	*text = "# comment\nbody_max = 1000\nlisten = 127.0.0.1:1\n"
	    "[public]\nlisten = 127.0.0.1:2\n"
	    "[staff]\nlisten = [::1]:3\nbody_max = 2000\n"
	    "database = \"host=/x dbname=y user=z\"\n";

	cr_assert_eq(load(ROLE_PUBLIC, text, &c, err), 0, "%s", err);
	cr_assert_eq(c->c_listen_port, 2);
	cr_assert_eq(c->c_body_max, 1000);
	config_free(c);
	cr_assert_eq(load(ROLE_STAFF, text, &c, err), 0, "%s", err);
	cr_assert_eq(c->c_listen_port, 3);
	cr_assert_str_eq(c->c_listen_host, "::1");
	cr_assert_eq(c->c_body_max, 2000);
	cr_assert_str_eq(c->c_database, "host=/x dbname=y user=z");
	config_free(c);
}

struct badconf {
	const char	*text;
	const char	*want;	/* substring of the error line */
};

Test(config, errors_name_line_and_key)
{
	static const struct badconf cases[] = {
		{ "nosuchkey = 1\n", ":1: nosuchkey: unknown key" },
		{ "\n\nmax_connections = lots\n", ":3: max_connections: must be" },
		{ "max_connections = 0\n", "max_connections: must be an integer" },
		{ "body_max = 1e6\n", "body_max" },
		{ "workers = 99999\n", "workers" },
		{ "syslog = maybe\n", "syslog: must be yes or no" },
		{ "log_level = loud\n", "log_level" },
		{ "listen = localhost\n", "listen: expected" },
		{ "listen = 127.0.0.1:70000\n", "listen: port" },
		{ "listen = [::1:8443\n", "listen" },
		{ "just words\n", "expected key = value" },
		{ "[admin]\n", "unknown section" },
		{ "[staff\n", "bad section" },
		{ "[staff]\nbody_max = big\n", "body_max" },	/* other role too */
		{ "database = \"unterminated\n", "unterminated quote" },
		{ "tls_cert =\n", "tls_cert: must not be empty" },
	};
	struct config	*c;
	char		 err[CONFIG_ERRLEN];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(load(ROLE_PUBLIC, cases[i].text, &c, err), -1,
		    "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].want) != NULL,
		    "case %zu: \"%s\"", i, err);
		cr_assert(strchr(err, '\n') == NULL);
		config_free(c);
	}
}

Test(config, check_requires_private_key_mode_0600)
{
	struct config	*c = config_new(ROLE_PUBLIC);
	char		 dir[512], cert[600], key[600], err[CONFIG_ERRLEN];

	snprintf(dir, sizeof(dir), "%s/cfgkey-%d", getenv("MELDPUNT_TEST_TMP") ?
	    getenv("MELDPUNT_TEST_TMP") : "/tmp", (int)getpid());
	mkdir(dir, 0700);
	cr_assert_eq(tdaemon_make_cert(dir), 0);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	cr_assert_eq(config_check(c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "tls_cert") != NULL);
	c->c_tls_cert = strdup(cert);
	c->c_tls_key = strdup(key);
	cr_assert_eq(config_check(c, err, sizeof(err)), 0, "%s", err);
	chmod(key, 0640);
	cr_assert_eq(config_check(c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "tls_key") != NULL && strstr(err, "0600"), "%s", err);
	config_free(c);
}

/*
 * Receipt Argon2id parameters the fast path (libsodium) cannot compute
 * are refused before anything else is checked, in one line that says
 * which key and why; m = 128 MiB, t = 16 (GlobaLeaks' cost) is fine.
 */
Test(config, check_refuses_receipt_kdf_off_the_fast_path)
{
	struct config	*c = config_new(ROLE_PUBLIC);
	char		 err[CONFIG_ERRLEN];

	cr_assert_not_null(c);
	c->c_receipt_argon2_p = 2;
	cr_assert_eq(config_check(c, err, sizeof(err)), -1);
	cr_assert(strncmp(err, "receipt_argon2_p: ", 18) == 0, "%s", err);
	cr_assert(strstr(err, "must be 1") != NULL, "%s", err);
	cr_assert(strchr(err, '\n') == NULL);
	c->c_receipt_argon2_p = 1;
	c->c_receipt_argon2_m_kib = 131072;
	c->c_receipt_argon2_t = 16;
	cr_assert_eq(config_check(c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "tls_cert") != NULL, "%s", err);
	config_free(c);
}
