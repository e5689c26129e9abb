/*
 * Tests for admin/migrate.c and `meldctl migrate`: a second run is a
 * no-op, a tampered applied file and a database newer than the files are
 * refused, a non-superuser is refused, and the binary's exit codes follow
 * sysexits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

#include "admin/migrate.h"
#include "tests/lib/testdb.h"

static char	*db;

static void
setup(void)
{
	db = testdb_create_empty();
	cr_assert_not_null(db);
}

static void
teardown(void)
{
	testdb_drop(db);
	free(db);
}

TestSuite(migrate, .init = setup, .fini = teardown);

/* A copy of the schema directory under MELDPUNT_TEST_TMP. */
static char *
copy_schema(void)
{
	char		*dir, *cmd;
	const char	*tmp = getenv("MELDPUNT_TEST_TMP");

	cr_assert(asprintf(&dir, "%s/schema-%s", tmp ? tmp : "/tmp", db) > 0);
	cr_assert(asprintf(&cmd, "rm -rf '%s' && cp -R '%s' '%s'", dir,
	    testdb_schema_dir(), dir) > 0);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	return (dir);
}

static int
run_meldctl(const char *args, char *out, size_t outsz)
{
	const char	*build = getenv("MELDPUNT_BUILD");
	char		*cmd;
	FILE		*p;
	size_t		 n;
	int		 st;

	cr_assert(asprintf(&cmd, "%s/meldctl -d 'dbname=%s' %s 2>&1",
	    build ? build : "build", db, args) > 0);
	cr_assert_not_null(p = popen(cmd, "r"));
	n = fread(out, 1, outsz - 1, p);
	out[n] = '\0';
	st = pclose(p);
	free(cmd);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

Test(migrate, second_run_is_noop)
{
	struct migrate_result	 r1, r2;
	PGconn			*c = testdb_connect(db, NULL);
	long long		 nmig;

	cr_assert_not_null(c);
	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, &r1), 0);
	cr_assert_gt(r1.mr_applied, 0);
	nmig = testdb_count(c, "SELECT count(*) FROM meldpunt_meta.migrations");
	cr_assert_eq(nmig, r1.mr_applied);
	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, &r2), 0);
	cr_assert_eq(r2.mr_applied, 0);
	cr_assert_eq(r2.mr_version, r1.mr_version);
	cr_assert_eq(testdb_count(c,
	    "SELECT count(*) FROM meldpunt_meta.migrations"), nmig);
	PQfinish(c);
}

Test(migrate, tampered_file_refused)
{
	PGconn	*c = testdb_connect(db, NULL);
	char	*dir, *path;
	FILE	*fp;

	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, NULL), 0);
	dir = copy_schema();
	cr_assert(asprintf(&path, "%s/0002_tables.sql", dir) > 0);
	cr_assert_not_null(fp = fopen(path, "a"));
	fputs("\n-- an innocent-looking edit\n", fp);
	fclose(fp);
	cr_assert_eq(migrate_apply(c, dir, NULL, NULL), EX_DATAERR);
	free(path);
	free(dir);
	PQfinish(c);
}

Test(migrate, tampered_file_named_by_binary)
{
	PGconn	*c = testdb_connect(db, NULL);
	char	*dir, *path, *args, out[4096];
	FILE	*fp;

	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, NULL), 0);
	dir = copy_schema();
	cr_assert(asprintf(&path, "%s/0003_audit.sql", dir) > 0);
	cr_assert_not_null(fp = fopen(path, "a"));
	fputs("SELECT 1;\n", fp);
	fclose(fp);
	cr_assert(asprintf(&args, "migrate --schema-dir '%s'", dir) > 0);
	cr_assert_eq(run_meldctl(args, out, sizeof(out)), EX_DATAERR, "%s",
	    out);
	cr_assert_not_null(strstr(out, "0003_audit.sql"), "%s", out);
	free(args);
	free(path);
	free(dir);
	PQfinish(c);
}

/*
 * A file numbered below the database's newest migration that was never
 * applied (two branches landed in the wrong order) is refused by name,
 * never skipped.
 */
Test(migrate, unapplied_older_file_refused)
{
	PGconn	*c = testdb_connect(db, NULL);
	char	*dir, *path, *args, out[4096];
	FILE	*fp;

	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, NULL), 0);
	dir = copy_schema();
	cr_assert(asprintf(&path, "%s/0009_late_branch.sql", dir) > 0);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("SELECT 1;\n", fp);
	fclose(fp);
	cr_assert(asprintf(&args, "migrate --schema-dir '%s'", dir) > 0);
	cr_assert_eq(run_meldctl(args, out, sizeof(out)), EX_DATAERR, "%s",
	    out);
	cr_assert_not_null(strstr(out, "0009_late_branch.sql"), "%s", out);
	cr_expect_eq(testdb_count(c, "SELECT count(*) FROM "
	    "meldpunt_meta.migrations WHERE version = 9"), 0);
	free(args);
	free(path);
	free(dir);
	PQfinish(c);
}

Test(migrate, newer_database_refused)
{
	PGconn	*c = testdb_connect(db, NULL);

	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, NULL), 0);
	cr_assert_eq(testdb_exec(c, "INSERT INTO meldpunt_meta.migrations "
	    "(version, name, sha256) VALUES (9999, '9999_future.sql', "
	    "'\\x00')", NULL), 0);
	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, NULL),
	    EX_DATAERR);
	PQfinish(c);
}

Test(migrate, failing_file_leaves_nothing)
{
	PGconn		*c = testdb_connect(db, NULL);
	char		*dir, *path;
	FILE		*fp;

	dir = copy_schema();
	cr_assert(asprintf(&path, "%s/9000_broken.sql", dir) > 0);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("CREATE TABLE public.half_done (x int);\nSELECT no_such();\n",
	    fp);
	fclose(fp);
	cr_assert_eq(migrate_apply(c, dir, NULL, NULL), EX_SOFTWARE);
	cr_assert_eq(testdb_count(c, "SELECT count(*) FROM pg_tables "
	    "WHERE tablename = 'half_done'"), 0);
	cr_assert_eq(testdb_count(c, "SELECT count(*) FROM "
	    "meldpunt_meta.migrations WHERE version = 9000"), 0);
	/* Everything before the broken file was applied and recorded. */
	cr_assert_gt(testdb_count(c, "SELECT count(*) FROM "
	    "meldpunt_meta.migrations"), 0);
	free(path);
	free(dir);
	PQfinish(c);
}

Test(migrate, non_superuser_refused)
{
	PGconn	*c = testdb_connect(db, NULL);
	PGconn	*a;

	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, NULL), 0);
	cr_assert_not_null(a = testdb_connect(db, "mp_admin"));
	cr_assert_eq(migrate_apply(a, testdb_schema_dir(), NULL, NULL),
	    EX_NOPERM);
	PQfinish(a);
	PQfinish(c);
}

Test(migrate, binary_twice_then_up_to_date)
{
	char	out[4096], *args;

	cr_assert(asprintf(&args, "migrate --schema-dir '%s'",
	    testdb_schema_dir()) > 0);
	cr_assert_eq(run_meldctl(args, out, sizeof(out)), 0, "%s", out);
	cr_assert_not_null(strstr(out, "applied 0001_roles.sql"), "%s", out);
	cr_assert_eq(run_meldctl(args, out, sizeof(out)), 0, "%s", out);
	cr_assert_not_null(strstr(out, "up to date"), "%s", out);
	cr_assert_null(strstr(out, "applied"), "%s", out);
	free(args);
}

Test(migrate, binary_usage_and_help)
{
	char	out[4096];

	cr_assert_eq(run_meldctl("--help", out, sizeof(out)), 0);
	cr_assert_not_null(strstr(out, "migrate"));
	cr_assert_eq(run_meldctl("help migrate", out, sizeof(out)), 0);
	cr_assert_not_null(strstr(out, "--schema-dir"));
	cr_assert_eq(run_meldctl("migrate --help", out, sizeof(out)), 0);
	cr_assert_not_null(strstr(out, "superuser"));
	cr_assert_eq(run_meldctl("no-such-command", out, sizeof(out)),
	    EX_USAGE);
	cr_assert_eq(run_meldctl("migrate --bogus", out, sizeof(out)),
	    EX_USAGE);
	cr_assert_eq(run_meldctl("migrate --schema-dir /nonexistent", out,
	    sizeof(out)), EX_NOINPUT);
}
