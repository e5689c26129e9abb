/*
 * `meldctl audit verify`: recompute the audit chain in C.  For event n,
 *   hash(n) = SHA-256(prev_hash(n) || "meldpunt-audit-v1" || lp(id) ||
 *             lp(at) || lp(actor) || lp(action) || lp(object) ||
 *             lp(details))
 * where lp(s) is the 4-byte big-endian length of s's UTF-8 bytes followed
 * by the bytes, id is decimal, at is UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ
 * and details is PostgreSQL's jsonb text form (deterministic for jsonb).
 * prev_hash(n) must equal hash(n-1), 32 zero bytes for the first event,
 * and audit.head must name the last event and its hash (so removing the
 * newest events is noticed too).  Events are streamed in single-row mode
 * so that memory does not grow with the log.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "admin/audit.h"
#include "admin/db.h"

#define AUDIT_TAG	"meldpunt-audit-v1"

static const char audit_sql[] =
    "SELECT id, to_char(at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor, action, object, "
    "details::text, prev_hash, hash FROM audit.events ORDER BY id";

static int
lp_update(EVP_MD_CTX *ctx, const char *s)
{
	size_t		len = strlen(s);
	unsigned char	be[4];

	if (len > UINT32_MAX)
		return (-1);
	be[0] = (unsigned char)(len >> 24);
	be[1] = (unsigned char)(len >> 16);
	be[2] = (unsigned char)(len >> 8);
	be[3] = (unsigned char)len;
	if (EVP_DigestUpdate(ctx, be, 4) != 1 ||
	    EVP_DigestUpdate(ctx, s, len) != 1)
		return (-1);
	return (0);
}

/* Hash of one row (columns as in audit_sql) chained to prev. */
static int
row_hash(const PGresult *res, const unsigned char prev[32],
    unsigned char out[32])
{
	EVP_MD_CTX	*ctx;
	int		 i, rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, prev, 32) != 1 ||
	    EVP_DigestUpdate(ctx, AUDIT_TAG, strlen(AUDIT_TAG)) != 1)
		goto done;
	for (i = 0; i <= 5; i++)
		if (lp_update(ctx, PQgetvalue(res, 0, i)) == -1)
			goto done;
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		goto done;
	rc = 0;
 done:
	EVP_MD_CTX_free(ctx);
	return (rc);
}

static void
set_reason(struct audit_report *ar, long long id, const char *why)
{
	ar->ar_bad_id = id;
	snprintf(ar->ar_reason, sizeof(ar->ar_reason), "%s", why);
}

/* Compare the head row with the last event seen.  Returns 0, 1 or -1. */
static int
check_head(PGconn *conn, struct audit_report *ar, long long last_id,
    const unsigned char last_hash[32])
{
	PGresult	*res;
	unsigned char	 h[32];
	long long	 hid;
	int		 rc = -1;

	res = PQexec(conn, "SELECT last_id, last_hash FROM audit.head");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		set_reason(ar, 0, "cannot read audit.head");
		goto done;
	}
	hid = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (adb_unhex(PQgetvalue(res, 0, 1), h, sizeof(h)) != 32) {
		set_reason(ar, hid, "audit.head holds a malformed hash");
		rc = 1;
	} else if (hid != last_id || CRYPTO_memcmp(h, last_hash, 32) != 0) {
		set_reason(ar, hid, "audit.head does not match the last "
		    "event (events removed or head rewritten)");
		rc = 1;
	} else
		rc = 0;
 done:
	PQclear(res);
	return (rc);
}

int
audit_verify(PGconn *conn, struct audit_report *ar)
{
	PGresult	*res;
	unsigned char	 prev[32], stored_prev[32], stored[32], calc[32];
	long long	 id = 0;
	int		 rc = 0, broken = 0;

	memset(ar, 0, sizeof(*ar));
	memset(prev, 0, sizeof(prev));
	if (adb_exec(conn, "SET bytea_output = hex", NULL) == -1 ||
	    adb_exec(conn, "SET client_encoding = 'UTF8'", NULL) == -1 ||
	    adb_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	    NULL) == -1) {
		set_reason(ar, 0, "cannot start a read-only snapshot");
		return (-1);
	}
	if (!PQsendQuery(conn, audit_sql) || !PQsetSingleRowMode(conn)) {
		set_reason(ar, 0, "cannot query audit.events");
		adb_exec(conn, "ROLLBACK", NULL);
		return (-1);
	}
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_SINGLE_TUPLE && !broken &&
		    rc == 0) {
			id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			if (adb_unhex(PQgetvalue(res, 0, 6), stored_prev,
			    32) != 32 || adb_unhex(PQgetvalue(res, 0, 7),
			    stored, 32) != 32) {
				set_reason(ar, id, "malformed hash column");
				broken = 1;
			} else if (CRYPTO_memcmp(stored_prev, prev, 32) != 0) {
				set_reason(ar, id, "prev_hash does not match "
				    "the previous event's hash");
				broken = 1;
			} else if (row_hash(res, prev, calc) == -1) {
				set_reason(ar, 0, "hash computation failed");
				rc = -1;
			} else if (CRYPTO_memcmp(calc, stored, 32) != 0) {
				set_reason(ar, id, "event content does not "
				    "match its hash (row modified)");
				broken = 1;
			} else {
				memcpy(prev, stored, 32);
				ar->ar_events++;
			}
		} else if (PQresultStatus(res) != PGRES_TUPLES_OK &&
		    PQresultStatus(res) != PGRES_SINGLE_TUPLE) {
			set_reason(ar, 0, "reading audit.events failed");
			rc = -1;
		}
		PQclear(res);
	}
	if (rc == 0 && !broken)
		rc = check_head(conn, ar, ar->ar_events > 0 ? id : 0, prev);
	else if (rc == 0)
		rc = 1;
	adb_exec(conn, "ROLLBACK", NULL);
	return (rc);
}
