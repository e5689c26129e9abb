/*
 * `meldctl migrate`: apply schema/NNNN_name.sql files in order.  Each file
 * runs in one transaction together with the row that records it, so a
 * failed file leaves nothing behind and a recorded file was applied
 * whole.  Applied files are compared by SHA-256 on every run: editing a
 * migration after it shipped is refused (write a new one instead), as is
 * a database that has migrations this code does not know (an older
 * meldctl against a newer database).  A session advisory lock keeps two
 * concurrent runs on one database from interleaving.
 *
 * Error text from a migration's own SQL is printed: schema DDL carries no
 * secrets and the operator needs the message to fix the file.  Nothing
 * else from the server is echoed.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/evp.h>

#include "admin/db.h"
#include "admin/migrate.h"

#define MIGRATE_LOCK_KEY	"7312650001"	/* arbitrary, fixed */
#define MIGRATE_MAX_FILES	1000
#define MIGRATE_MAX_SIZE	(4 * 1024 * 1024)

struct mfile {
	int	 mf_version;
	char	*mf_name;		/* "0001_roles.sql" */
	char	*mf_sql;		/* NUL-terminated contents */
	char	 mf_sha[65];		/* lowercase hex SHA-256 */
};

static void say(FILE *, const char *, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
say(FILE *msgs, const char *fmt, ...)
{
	va_list	ap;

	if (msgs == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(msgs, fmt, ap);
	va_end(ap);
}

static void
mfiles_free(struct mfile *f, int n)
{
	int	i;

	if (f == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(f[i].mf_name);
		free(f[i].mf_sql);
	}
	free(f);
}

/* NNNN_[a-z0-9_]+.sql; returns the version or -1. */
static int
parse_name(const char *name)
{
	size_t	 len = strlen(name), i;

	if (len < 10 || strcmp(name + len - 4, ".sql") != 0 || name[4] != '_')
		return (-1);
	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char)name[i]))
			return (-1);
	for (i = 5; i < len - 4; i++)
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]) && name[i] != '_')
			return (-1);
	return (atoi(name));
}

static int
read_file(const char *dir, struct mfile *f)
{
	char		 path[4096];
	FILE		*fp;
	long		 len;
	unsigned char	 md[32];
	int		 i;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, f->mf_name) >=
	    sizeof(path))
		return (-1);
	if ((fp = fopen(path, "rb")) == NULL)
		return (-1);
	if (fseek(fp, 0, SEEK_END) == -1 || (len = ftell(fp)) < 0 ||
	    len > MIGRATE_MAX_SIZE || fseek(fp, 0, SEEK_SET) == -1 ||
	    (f->mf_sql = malloc((size_t)len + 1)) == NULL ||
	    fread(f->mf_sql, 1, (size_t)len, fp) != (size_t)len) {
		fclose(fp);
		return (-1);
	}
	fclose(fp);
	f->mf_sql[len] = '\0';
	if (strlen(f->mf_sql) != (size_t)len)
		return (-1);		/* a NUL byte: not SQL text */
	if (EVP_Digest(f->mf_sql, (size_t)len, md, NULL, EVP_sha256(),
	    NULL) != 1)
		return (-1);
	for (i = 0; i < 32; i++)
		snprintf(f->mf_sha + 2 * i, 3, "%02x", md[i]);
	return (0);
}

static int
cmp_mfile(const void *a, const void *b)
{
	const struct mfile *x = a, *y = b;

	return (x->mf_version < y->mf_version ? -1 :
	    x->mf_version > y->mf_version);
}

/* Read and sort the directory's migrations.  Returns 0 or a sysexits code. */
static int
scan_dir(const char *dir, FILE *msgs, struct mfile **out, int *nout)
{
	DIR		*d;
	struct dirent	*de;
	struct mfile	*f = NULL;
	int		 n = 0, v, i, rc = EX_NOINPUT;

	if ((d = opendir(dir)) == NULL) {
		say(msgs, "meldctl: cannot open schema directory %s: %s\n",
		    dir, strerror(errno));
		return (EX_NOINPUT);
	}
	if ((f = calloc(MIGRATE_MAX_FILES, sizeof(*f))) == NULL)
		goto fail;
	while ((de = readdir(d)) != NULL) {
		if ((v = parse_name(de->d_name)) < 1)
			continue;
		if (n == MIGRATE_MAX_FILES)
			goto fail;
		f[n].mf_version = v;
		if ((f[n].mf_name = strdup(de->d_name)) == NULL)
			goto fail;
		n++;
		if (read_file(dir, &f[n - 1]) == -1) {
			say(msgs, "meldctl: cannot read %s/%s\n", dir,
			    de->d_name);
			goto fail;
		}
	}
	qsort(f, (size_t)n, sizeof(*f), cmp_mfile);
	for (i = 1; i < n; i++) {
		if (f[i].mf_version == f[i - 1].mf_version) {
			say(msgs, "meldctl: %s and %s share a version number\n",
			    f[i - 1].mf_name, f[i].mf_name);
			rc = EX_DATAERR;
			goto fail;
		}
	}
	if (n == 0) {
		say(msgs, "meldctl: no migrations in %s\n", dir);
		goto fail;
	}
	closedir(d);
	*out = f;
	*nout = n;
	return (0);
 fail:
	closedir(d);
	mfiles_free(f, n);
	return (rc);
}

/* client_min_messages: "already exists, skipping" is not news. */
static const char meta_sql[] =
    "BEGIN; SET LOCAL client_min_messages = warning;"
    "CREATE SCHEMA IF NOT EXISTS meldpunt_meta;"
    "REVOKE ALL ON SCHEMA meldpunt_meta FROM PUBLIC;"
    "CREATE TABLE IF NOT EXISTS meldpunt_meta.migrations ("
    "  version integer PRIMARY KEY,"
    "  name text NOT NULL,"
    "  sha256 bytea NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now());"
    "COMMIT;";

/*
 * Compare what the database has applied with the files.  Returns 0 and the
 * database version, or EX_DATAERR after naming the problem.
 */
static int
check_applied(PGconn *conn, struct mfile *f, int n, FILE *msgs, int *dbver)
{
	PGresult	*res;
	int		 i, j, v, rc = 0;
	const char	*name, *sha;
	char		 vbuf[16], mbuf[16];

	res = PQexec(conn, "SELECT version, name, encode(sha256, 'hex') "
	    "FROM meldpunt_meta.migrations ORDER BY version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		say(msgs, "meldctl: cannot read meldpunt_meta.migrations "
		    "(sqlstate %s)\n", adb_sqlstate(res));
		PQclear(res);
		return (EX_UNAVAILABLE);
	}
	*dbver = 0;
	for (i = 0; i < PQntuples(res) && rc == 0; i++) {
		v = atoi(PQgetvalue(res, i, 0));
		name = PQgetvalue(res, i, 1);
		sha = PQgetvalue(res, i, 2);
		*dbver = v;
		for (j = 0; j < n && f[j].mf_version != v; j++)
			;
		snprintf(vbuf, sizeof(vbuf), "%04d", v);
		snprintf(mbuf, sizeof(mbuf), "%04d", f[n - 1].mf_version);
		if (j == n && v > f[n - 1].mf_version) {
			say(msgs, "meldctl: the database has migration %s, "
			    "newer than the newest file here (%s); "
			    "refusing: use a newer meldctl\n", vbuf, mbuf);
			rc = EX_DATAERR;
		} else if (j == n) {
			say(msgs, "meldctl: applied migration %s (%s) is "
			    "missing from the schema directory; refusing\n",
			    vbuf, name);
			rc = EX_DATAERR;
		} else if (strcmp(f[j].mf_name, name) != 0 ||
		    strcmp(f[j].mf_sha, sha) != 0) {
			say(msgs, "meldctl: %s was changed after it was "
			    "applied (recorded as %s with another checksum); "
			    "refusing: add a new migration instead\n",
			    f[j].mf_name, name);
			rc = EX_DATAERR;
		}
	}
	/*
	 * A file older than the database's newest migration that was never
	 * applied (two branches numbered their files in the wrong order)
	 * would be skipped, and the database would differ from a fresh
	 * install: refuse, naming it.
	 */
	for (j = 0; j < n && rc == 0 && f[j].mf_version < *dbver; j++) {
		for (i = 0; i < PQntuples(res) &&
		    atoi(PQgetvalue(res, i, 0)) != f[j].mf_version; i++)
			;
		if (i == PQntuples(res)) {
			snprintf(vbuf, sizeof(vbuf), "%04d", *dbver);
			say(msgs, "meldctl: %s is older than the database's "
			    "newest migration (%s) but was never applied; "
			    "refusing: renumber it above %s\n", f[j].mf_name,
			    vbuf, vbuf);
			rc = EX_DATAERR;
		}
	}
	PQclear(res);
	return (rc);
}

/* One file and its record in one transaction. */
static int
apply_one(PGconn *conn, struct mfile *f, FILE *msgs)
{
	PGresult	*res;
	const char	*params[3];
	char		 vbuf[16];

	if (adb_exec(conn, "BEGIN", NULL) == -1)
		return (EX_UNAVAILABLE);
	res = PQexec(conn, f->mf_sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_EMPTY_QUERY) {
		/* Schema DDL carries no secrets: the full text helps. */
		say(msgs, "meldctl: %s failed: %s", f->mf_name,
		    PQresultErrorMessage(res));
		PQclear(res);
		adb_exec(conn, "ROLLBACK", NULL);
		return (EX_SOFTWARE);
	}
	PQclear(res);
	/* The file may have SET LOCAL ROLE mp_owner; record as ourselves. */
	snprintf(vbuf, sizeof(vbuf), "%d", f->mf_version);
	params[0] = vbuf;
	params[1] = f->mf_name;
	params[2] = f->mf_sha;
	if (adb_exec(conn, "RESET ROLE", NULL) == -1) {
		adb_exec(conn, "ROLLBACK", NULL);
		return (EX_UNAVAILABLE);
	}
	res = PQexecParams(conn, "INSERT INTO meldpunt_meta.migrations "
	    "(version, name, sha256) VALUES ($1, $2, decode($3, 'hex'))",
	    3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		say(msgs, "meldctl: cannot record %s (sqlstate %s)\n",
		    f->mf_name, adb_sqlstate(res));
		PQclear(res);
		adb_exec(conn, "ROLLBACK", NULL);
		return (EX_UNAVAILABLE);
	}
	PQclear(res);
	if (adb_exec(conn, "COMMIT", NULL) == -1) {
		say(msgs, "meldctl: commit of %s failed\n", f->mf_name);
		return (EX_UNAVAILABLE);
	}
	say(msgs, "applied %s\n", f->mf_name);
	return (0);
}

int
migrate_apply(PGconn *conn, const char *dir, FILE *msgs,
    struct migrate_result *res)
{
	struct mfile		*f = NULL;
	PGresult		*r;
	int			 n = 0, i, rc, dbver = 0, applied = 0, locked = 0;
	char			 vbuf[16];

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	r = PQexec(conn, "SELECT current_setting('is_superuser')");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		rc = EX_UNAVAILABLE;
		goto done;
	}
	if (strcmp(PQgetvalue(r, 0, 0), "on") != 0) {
		PQclear(r);
		say(msgs, "meldctl: migrate must run as a PostgreSQL "
		    "superuser (it creates roles)\n");
		rc = EX_NOPERM;
		goto done;
	}
	PQclear(r);
	if ((rc = scan_dir(dir, msgs, &f, &n)) != 0)
		goto done;
	if (adb_exec(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
	    NULL) == -1) {
		rc = EX_UNAVAILABLE;
		goto done;
	}
	locked = 1;
	if (adb_exec(conn, meta_sql, NULL) == -1) {
		adb_exec(conn, "ROLLBACK", NULL);
		say(msgs, "meldctl: cannot create meldpunt_meta\n");
		rc = EX_UNAVAILABLE;
		goto done;
	}
	if ((rc = check_applied(conn, f, n, msgs, &dbver)) != 0)
		goto done;
	for (i = 0; i < n; i++) {
		if (f[i].mf_version <= dbver)
			continue;
		if ((rc = apply_one(conn, &f[i], msgs)) != 0)
			goto done;
		dbver = f[i].mf_version;
		applied++;
	}
	if (applied == 0) {
		snprintf(vbuf, sizeof(vbuf), "%04d", dbver);
		say(msgs, "up to date (version %s)\n", vbuf);
	}
	rc = 0;
 done:
	if (locked)
		adb_exec(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY
		    ")", NULL);
	if (res != NULL) {
		res->mr_applied = applied;
		res->mr_version = dbver;
	}
	mfiles_free(f, n);
	return (rc);
}

const char *
migrate_default_dir(void)
{
	struct stat	st;

	if (stat("schema", &st) == 0 && S_ISDIR(st.st_mode))
		return ("schema");
	return (MELDPUNT_SCHEMA_DIR);
}
