/*
 * Per-test PostgreSQL databases and small SQL helpers for the Criterion
 * suites (see testdb.h).  Databases are migrated with migrate_apply(), the
 * code behind `meldctl migrate`, so tests exercise the shipped path.
 * Migrations of concurrently created databases are serialised with an
 * flock: the first migration touches cluster-global catalogs (roles), and
 * PostgreSQL reports concurrent updates of one shared catalog row as
 * errors rather than waiting.
 */
#include <sys/file.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/migrate.h"
#include "tests/lib/testdb.h"

static int	testdb_seq;

const char *
testdb_schema_dir(void)
{
	static char	 path[4096];
	const char	*top = getenv("MELDPUNT_TOP");

	if (top == NULL || *top == '\0')
		return ("schema");
	snprintf(path, sizeof(path), "%s/schema", top);
	return (path);
}

PGconn *
testdb_connect(const char *db, const char *role)
{
	const char	*keys[4], *vals[4];
	PGconn		*conn;
	int		 n = 0;

	if (db != NULL) {
		keys[n] = "dbname";
		vals[n++] = db;
	}
	if (role != NULL) {
		keys[n] = "user";
		vals[n++] = role;
	}
	keys[n] = "application_name";
	vals[n++] = "meldpunt-test";
	keys[n] = NULL;
	vals[n] = NULL;
	conn = PQconnectdbParams(keys, vals, 0);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "testdb: connect %s as %s: %s",
		    db ? db : "(default)", role ? role : "(superuser)",
		    conn ? PQerrorMessage(conn) : "out of memory\n");
		PQfinish(conn);
		return (NULL);
	}
	return (conn);
}

int
testdb_exec(PGconn *conn, const char *sql, char *state)
{
	PGresult	*res;
	const char	*s;
	int		 rc = 0;

	if (state != NULL)
		state[0] = '\0';
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = -1;
		s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state != NULL)
			snprintf(state, 6, "%s", s ? s : "");
	}
	PQclear(res);
	return (rc);
}

int
testdb_execf(PGconn *conn, char *state, const char *fmt, ...)
{
	va_list	 ap;
	char	*sql;
	int	 rc;

	va_start(ap, fmt);
	rc = vasprintf(&sql, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return (-1);
	rc = testdb_exec(conn, sql, state);
	free(sql);
	return (rc);
}

int
testdb_fails_with(PGconn *conn, const char *sql, const char *sqlstate)
{
	char	state[6];

	if (testdb_exec(conn, sql, state) == 0)
		return (0);
	return (strcmp(state, sqlstate) == 0);
}

char *
testdb_value(PGconn *conn, const char *sql)
{
	PGresult	*res;
	char		*v = NULL;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 &&
	    !PQgetisnull(res, 0, 0))
		v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (v);
}

long long
testdb_count(PGconn *conn, const char *sql)
{
	char		*v;
	long long	 n;

	if ((v = testdb_value(conn, sql)) == NULL)
		return (-1);
	n = strtoll(v, NULL, 10);
	free(v);
	return (n);
}

int
testdb_set_session(PGconn *conn, const char *hex)
{
	const char	*params[1] = { hex };
	PGresult	*res;
	int		 rc;

	res = PQexecParams(conn, "SELECT set_config('meldpunt.session', $1, "
	    "false)", 1, NULL, params, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;
	PQclear(res);
	return (rc);
}

static char *
create_db(int migrate)
{
	PGconn		*conn = NULL;
	char		*name = NULL, lockpath[4096];
	const char	*tmp = getenv("MELDPUNT_TEST_TMP");
	FILE		*msgs;
	char		*msgbuf = NULL;
	size_t		 msglen = 0;
	int		 fd = -1, rc;

	if (asprintf(&name, "mp_t_%d_%d", (int)getpid(), ++testdb_seq) < 0)
		return (NULL);
	if ((conn = testdb_connect(NULL, NULL)) == NULL)
		goto fail;
	if (testdb_execf(conn, NULL, "CREATE DATABASE %s", name) == -1) {
		fprintf(stderr, "testdb: CREATE DATABASE %s failed: %s",
		    name, PQerrorMessage(conn));
		goto fail;
	}
	PQfinish(conn);
	conn = NULL;
	if (!migrate)
		return (name);
	snprintf(lockpath, sizeof(lockpath), "%s/testdb.lock",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if ((fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    flock(fd, LOCK_EX) == -1)
		goto fail;
	if ((conn = testdb_connect(name, NULL)) == NULL)
		goto fail;
	/* Progress is noise in test output; show it only on failure. */
	if ((msgs = open_memstream(&msgbuf, &msglen)) == NULL)
		goto fail;
	rc = migrate_apply(conn, testdb_schema_dir(), msgs, NULL);
	fclose(msgs);
	if (rc != 0) {
		fprintf(stderr, "%stestdb: migrate_apply: exit %d\n", msgbuf,
		    rc);
		goto fail;
	}
	free(msgbuf);
	PQfinish(conn);
	close(fd);
	return (name);
 fail:
	free(msgbuf);
	PQfinish(conn);
	if (fd != -1)
		close(fd);
	if (name != NULL)
		testdb_drop(name);
	free(name);
	return (NULL);
}

char *
testdb_create(void)
{
	return (create_db(1));
}

char *
testdb_create_empty(void)
{
	return (create_db(0));
}

void
testdb_drop(const char *db)
{
	PGconn	*conn;

	if (db == NULL || (conn = testdb_connect(NULL, NULL)) == NULL)
		return;
	testdb_execf(conn, NULL, "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    db);
	PQfinish(conn);
}

int
testdb_seed_routing(PGconn *su)
{
	static const char seed[] =
	    "BEGIN;"
	    "INSERT INTO casework.recovery_keys (key_id, kem_id, kdf_id,"
	    " aead_id, public_key) VALUES ('k-recovery-1', 16, 1, 2,"
	    " sha256('recovery'::bytea));"
	    "INSERT INTO identity.keys (key_id, kem_id, kdf_id, aead_id,"
	    " public_key) VALUES ('k-identity-1', 16, 1, 2,"
	    " sha256('identity'::bytea));"
	    "INSERT INTO casework.queues (name, category,"
	    " first_response_interval) VALUES"
	    " ('labour', 'labour_discrimination', NULL),"
	    " ('obi', 'foreign_interference', NULL),"
	    " ('honour', 'honour_violence', NULL),"
	    " ('honour_urgent', 'honour_violence', '1 hour');"
	    "INSERT INTO casework.queue_keys (key_id, queue_id, kem_id, kdf_id,"
	    " aead_id, public_key)"
	    " SELECT 'k-' || name || '-1', id, 16, 1, 2,"
	    " sha256(convert_to(name, 'UTF8')) FROM casework.queues;"
	    "INSERT INTO casework.routing_rules (position, category, urgent,"
	    " queue_id) SELECT p, c, u, (SELECT id FROM casework.queues"
	    " WHERE name = q) FROM (VALUES"
	    " (10, 'honour_violence', true, 'honour_urgent'),"
	    " (100, 'labour_discrimination', NULL, 'labour'),"
	    " (110, 'foreign_interference', NULL, 'obi'),"
	    " (120, 'honour_violence', NULL, 'honour')) AS r(p, c, u, q);"
	    "COMMIT;";

	return (testdb_exec(su, seed, NULL));
}

static void
hex_of(const unsigned char *b, size_t n, char *out)
{
	size_t	i;

	out[0] = '\\';
	out[1] = 'x';
	for (i = 0; i < n; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", b[i]);
}

int
testdb_submit(const char *db, const char *category, const char *subtype,
    const char *province, const char *ground, int immediate_danger,
    const char *travel_date, const unsigned char lookup[16],
    const unsigned char verifier[32], char *state)
{
	static const char sql[] =
	    "WITH k AS (SELECT coalesce(array_agg(key_id), '{}') AS ids FROM"
	    "  intake.forms_keys($1) WHERE purpose IN ('queue', 'recovery')),"
	    " q AS (SELECT coalesce(array_agg(key_id), '{}') AS ids FROM intake.forms_keys($1)"
	    "  WHERE purpose = 'queue')"
	    " SELECT r.* FROM k, q, intake.submit_report($1, $2, $3, $4, '',"
	    "  $5::boolean, $6::date, 1::smallint, 16, 1, 2,"
	    "  substring(sha256(random()::text::bytea) FROM 1 FOR 12),"
	    "  sha256(random()::text::bytea) || '\\x00ff'::bytea,"
	    "  k.ids, array_fill(sha256('enc'::bytea), ARRAY[coalesce(cardinality(k.ids), 0)]),"
	    "  array_fill(sha256('dek'::bytea), ARRAY[coalesce(cardinality(k.ids), 0)]),"
	    "  q.ids, array_fill(sha256('tenc'::bytea), ARRAY[coalesce(cardinality(q.ids), 0)]),"
	    "  array_fill(sha256('tk'::bytea), ARRAY[coalesce(cardinality(q.ids), 0)]),"
	    "  $7::bytea, sha256('salt'::bytea), $8::bytea, 19456, 2, 1,"
	    "  sha256('tk-receipt'::bytea), NULL, NULL, NULL, NULL, NULL) r";
	const char	*params[8];
	char		 lhex[2 + 32 + 1], vhex[2 + 64 + 1];
	PGconn		*conn;
	PGresult	*res;
	const char	*s;
	int		 rc = -1;

	if (state != NULL)
		state[0] = '\0';
	hex_of(lookup, 16, lhex);
	hex_of(verifier, 32, vhex);
	params[0] = category;
	params[1] = subtype;
	params[2] = province;
	params[3] = ground;
	params[4] = immediate_danger ? "true" : "false";
	params[5] = travel_date;
	params[6] = lhex;
	params[7] = vhex;
	if ((conn = testdb_connect(db, "mp_public")) == NULL)
		return (-1);
	res = PQexecParams(conn, sql, 8, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		rc = 0;
	else if (state != NULL) {
		s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		snprintf(state, 6, "%s", s ? s : "");
	}
	PQclear(res);
	PQfinish(conn);
	return (rc);
}

int
testdb_add_user(PGconn *su, const char *username, const char *kind,
    const char *queue)
{
	const char	*params[3] = { username, kind, queue };
	PGresult	*res;
	int		 id = -1;

	res = PQexecParams(su, "WITH u AS (INSERT INTO casework.users"
	    " (username, kind, pw_salt, pw_m_kib, pw_t, pw_p, pw_verifier,"
	    "  totp_secret) VALUES ($1, $2, sha256('salt'::bytea), 19456, 2,"
	    "  1, sha256(convert_to('proof-' || $1, 'UTF8')),"
	    "  '\\x746f7470'::bytea) RETURNING id),"
	    " m AS (INSERT INTO casework.queue_members (queue_id, user_id)"
	    "  SELECT q.id, u.id FROM u, casework.queues q WHERE q.name = $3)"
	    " SELECT id FROM u", 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		id = atoi(PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "testdb_add_user: %s", PQerrorMessage(su));
	PQclear(res);
	return (id);
}

int
testdb_login(const char *db, const char *username, long long totp_step,
    char hex[65])
{
	const char	*params[3];
	char		 step[32], *h;
	PGconn		*conn;
	PGresult	*res;
	int		 rc = -1;

	if ((conn = testdb_connect(db, "mp_staff")) == NULL)
		return (-1);
	h = testdb_value(conn,
	    "SELECT encode(sha256(random()::text::bytea), 'hex')");
	if (h == NULL)
		goto done;
	snprintf(hex, 65, "%s", h);
	free(h);
	snprintf(step, sizeof(step), "%lld", totp_step);
	params[0] = username;
	params[1] = step;
	params[2] = hex;
	res = PQexecParams(conn, "SELECT casework.session_create($1,"
	    " convert_to('proof-' || $1, 'UTF8'), $2::bigint,"
	    " decode($3, 'hex'), '30 minutes', '8 hours')", 3, NULL, params,
	    NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK &&
	    strcmp(PQgetvalue(res, 0, 0), "ok") == 0)
		rc = 0;
	PQclear(res);
 done:
	PQfinish(conn);
	return (rc);
}
