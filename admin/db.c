/*
 * Blocking libpq helpers shared by meldctl's command files and by the
 * tests (which link every admin object except meldctl.c).  Nothing here
 * prints statement errors: callers decide whether a message may be shown,
 * because PQerrorMessage() of a statement can echo values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin/db.h"

PGconn *
adb_connect(const char *conninfo, FILE *err)
{
	PGconn	*conn;

	if (conninfo == NULL)
		conninfo = getenv("MELDCTL_DB");
	if (conninfo == NULL)
		conninfo = "";
	conn = PQconnectdb(conninfo);
	if (conn == NULL)
		return (NULL);
	if (PQstatus(conn) != CONNECTION_OK) {
		/* Connection errors name host/socket and user, no secrets. */
		if (err != NULL)
			fprintf(err, "meldctl: cannot connect: %s",
			    PQerrorMessage(conn));
		PQfinish(conn);
		return (NULL);
	}
	return (conn);
}

const char *
adb_sqlstate(const PGresult *res)
{
	const char	*s;

	if (res == NULL)
		return ("");
	s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return (s != NULL ? s : "");
}

int
adb_exec(PGconn *conn, const char *sql, char *state)
{
	PGresult	*res;
	int		 rc = 0;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = -1;
		if (state != NULL)
			snprintf(state, 6, "%s", adb_sqlstate(res));
	}
	PQclear(res);
	return (rc);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
adb_unhex(const char *text, unsigned char *buf, size_t bufsz)
{
	size_t	 len, i;
	int	 hi, lo;

	if (text == NULL || text[0] != '\\' || text[1] != 'x')
		return (-1);
	text += 2;
	len = strlen(text);
	if (len % 2 != 0 || len / 2 > bufsz || len / 2 > (size_t)INT32_MAX)
		return (-1);
	for (i = 0; i < len / 2; i++) {
		if ((hi = hexval((unsigned char)text[2 * i])) == -1 ||
		    (lo = hexval((unsigned char)text[2 * i + 1])) == -1)
			return (-1);
		buf[i] = (unsigned char)(hi << 4 | lo);
	}
	return ((int)(len / 2));
}
