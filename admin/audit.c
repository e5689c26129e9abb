/*
 * `meldctl audit verify` (see audit.h).  For the chained events, in
 * position order 1, 2, ...:
 *
 *   prev_hash(pos) = hash(pos - 1)         (32 zero bytes for pos 1)
 *   hash(pos)      = HMAC-SHA256(audit chain key, "meldpunt-audit-v2" ||
 *                    prev_hash(pos) || lp(pos) || SHA-256(canonical))
 *
 * with canonical() recomputed here from the stored fields (crypto/
 * auditlog.c), and audit.head must name the last position and its hash.
 * A superuser can rewrite rows, links and head, but not compute a link
 * without the key, which only the staff host holds.  What the key cannot
 * catch -- the newest chained events removed together with a head
 * rewritten to an earlier, genuine link -- the signed checkpoints do:
 * each names a position and the link there, signed with a key the
 * database never sees.  Pending (not yet chained) events are counted and
 * their age reported; nothing protects them until they are chained.
 *
 * Events are streamed in single-row mode in one REPEATABLE READ snapshot,
 * so memory does not grow with the log and a concurrent chainer cannot
 * make a consistent chain look broken.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "admin/audit.h"
#include "admin/db.h"
#include "admin/init.h"
#include "admin/meldctl.h"
#include "crypto/auditlog.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"

#define HEXLEN	(2 * AUDITLOG_HASH_LEN)

static const char events_sql[] =
    "SELECT pos, id, to_char(at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor, action, object, "
    "details::text, encode(prev_hash, 'hex'), encode(hash, 'hex') "
    "FROM audit.events WHERE pos IS NOT NULL ORDER BY pos";

/* The verified checkpoints, sorted by count. */
struct cplist {
	struct auditlog_cp	*c_v;
	size_t			 c_n;
	size_t			 c_next;	/* next one the walk meets */
};

struct walk {
	const unsigned char	*w_key;
	unsigned char		 w_prev[AUDITLOG_HASH_LEN];
	long long		 w_pos;		/* last position verified */
	struct cplist		*w_cps;
};

static void
set_reason(struct audit_report *ar, long long pos, long long id,
    const char *why)
{
	ar->ar_bad_pos = pos;
	ar->ar_bad_id = id;
	snprintf(ar->ar_reason, sizeof(ar->ar_reason), "%s", why);
}

static int
cp_cmp(const void *a, const void *b)
{
	const struct auditlog_cp *x = a, *y = b;

	return (x->cp_count < y->cp_count ? -1 : x->cp_count > y->cp_count);
}

/*
 * Read every checkpoint line of path (other lines, e.g. journal noise,
 * are skipped) and check its signature.  0, 1 (a line is malformed or
 * badly signed: the file was tampered with) or -1.
 */
static int
cp_load(const char *path, const unsigned char pk[32], struct cplist *cl,
    struct audit_report *ar)
{
	struct auditlog_cp	 cp, *v;
	FILE			*fp;
	char			 line[1024];
	long long		 lineno = 0;
	int			 r, rc = -1;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(ar->ar_reason, sizeof(ar->ar_reason),
		    "%s: %s", path, strerror(errno));
		return (-1);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if ((r = auditlog_cp_parse(line, &cp)) == 0)
			continue;
		if (r == -1 || auditlog_cp_verify(&cp, pk) == -1) {
			snprintf(ar->ar_reason, sizeof(ar->ar_reason),
			    "%s line %lld: checkpoint %s", path, lineno,
			    r == -1 ? "malformed" : "signature invalid (or "
			    "signed with another key)");
			rc = 1;
			goto done;
		}
		if ((v = reallocarray(cl->c_v, cl->c_n + 1,
		    sizeof(*v))) == NULL)
			goto done;
		cl->c_v = v;
		cl->c_v[cl->c_n++] = cp;
	}
	if (ferror(fp)) {
		snprintf(ar->ar_reason, sizeof(ar->ar_reason),
		    "%s: read error", path);
		goto done;
	}
	if (cl->c_n > 0)
		qsort(cl->c_v, cl->c_n, sizeof(*cl->c_v), cp_cmp);
	rc = 0;
 done:
	fclose(fp);
	return (rc);
}

/* Checkpoints at position pos (several processes may sign the same). */
static int
cp_check(struct cplist *cl, long long pos, const unsigned char h[32],
    struct audit_report *ar, long long id)
{
	while (cl != NULL && cl->c_next < cl->c_n &&
	    cl->c_v[cl->c_next].cp_count <= pos) {
		if (cl->c_v[cl->c_next].cp_count == pos &&
		    CRYPTO_memcmp(cl->c_v[cl->c_next].cp_head, h, 32) != 0) {
			set_reason(ar, pos, id, "the chain differs from a "
			    "signed checkpoint at this position (events "
			    "changed, removed or reordered up to here)");
			return (1);
		}
		cl->c_next++;
	}
	return (0);
}

/* One chained row: 0 verified, 1 broken, -1 error. */
static int
walk_row(struct walk *w, const PGresult *res, struct audit_report *ar)
{
	struct auditlog_event	 ev;
	unsigned char		 sprev[32], shash[32], d[32], h[32];
	long long		 pos, id;

	pos = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	if (w->w_key == NULL) {
		/* Only reached when audit.head says nothing is chained. */
		set_reason(ar, pos, id, "a chained event exists but audit.head "
		    "names none (head rewritten)");
		return (1);
	}
	if (pos != w->w_pos + 1) {
		set_reason(ar, w->w_pos + 1, 0, "this chain position is "
		    "missing (event removed or moved)");
		return (1);
	}
	if (secret_hex_decode(PQgetvalue(res, 0, 7), HEXLEN, sprev, 32) ||
	    secret_hex_decode(PQgetvalue(res, 0, 8), HEXLEN, shash, 32)) {
		set_reason(ar, pos, id, "malformed link column");
		return (1);
	}
	if (CRYPTO_memcmp(sprev, w->w_prev, 32) != 0) {
		set_reason(ar, pos, id, "prev_hash does not match the previous "
		    "event's link");
		return (1);
	}
	ev.ae_id = PQgetvalue(res, 0, 1);
	ev.ae_at = PQgetvalue(res, 0, 2);
	ev.ae_actor = PQgetvalue(res, 0, 3);
	ev.ae_action = PQgetvalue(res, 0, 4);
	ev.ae_object = PQgetvalue(res, 0, 5);
	ev.ae_details = PQgetvalue(res, 0, 6);
	if (auditlog_digest(&ev, d) == -1 ||
	    auditlog_hash_v2(w->w_key, w->w_prev, pos, d, h) == -1) {
		set_reason(ar, 0, 0, "link computation failed");
		return (-1);
	}
	if (CRYPTO_memcmp(h, shash, 32) != 0) {
		set_reason(ar, pos, id, "event content or position does not "
		    "match its link (event modified, moved or the link "
		    "forged without the key)");
		return (1);
	}
	if (cp_check(w->w_cps, pos, h, ar, id) != 0)
		return (1);
	memcpy(w->w_prev, h, 32);
	w->w_pos = pos;
	ar->ar_events++;
	return (0);
}

/* Stream the chained events through walk_row(). */
static int
walk_chain(PGconn *conn, struct walk *w, struct audit_report *ar)
{
	PGresult	*res;
	int		 rc = 0, r;

	if (!PQsendQuery(conn, events_sql) || !PQsetSingleRowMode(conn)) {
		set_reason(ar, 0, 0, "cannot query audit.events");
		return (-1);
	}
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
			if (rc == 0 && (r = walk_row(w, res, ar)) != 0)
				rc = r;
		} else if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			set_reason(ar, 0, 0, "reading audit.events failed");
			rc = -1;
		}
		PQclear(res);
	}
	return (rc);
}

/* audit.head against the walk, then the newest checkpoint's reach. */
static int
check_ends(PGconn *conn, struct walk *w, struct audit_report *ar)
{
	PGresult	*res;
	unsigned char	 h[32];
	long long	 hpos;
	int		 rc = -1;

	res = PQexec(conn, "SELECT last_pos, encode(last_hash, 'hex') "
	    "FROM audit.head");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		set_reason(ar, 0, 0, "cannot read audit.head");
		goto done;
	}
	hpos = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	rc = 1;
	if (secret_hex_decode(PQgetvalue(res, 0, 1), HEXLEN, h, 32) != 0)
		set_reason(ar, hpos, 0, "audit.head holds a malformed hash");
	else if (hpos != w->w_pos || CRYPTO_memcmp(h, w->w_prev, 32) != 0)
		set_reason(ar, hpos, 0, "audit.head does not match the last "
		    "chained event (events removed or head rewritten)");
	else if (w->w_cps != NULL && w->w_cps->c_n > 0 &&
	    w->w_cps->c_v[w->w_cps->c_n - 1].cp_count > w->w_pos)
		set_reason(ar, w->w_pos + 1, 0, "a signed checkpoint covers "
		    "more events than the chain holds (newest events removed "
		    "and the head rewritten)");
	else
		rc = 0;
 done:
	PQclear(res);
	return (rc);
}

static int
count_pending(PGconn *conn, struct audit_report *ar)
{
	PGresult	*res;
	int		 rc = -1;

	res = PQexec(conn, "SELECT count(*), coalesce(to_char(min(at) AT TIME "
	    "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
	    "FROM audit.events WHERE pos IS NULL");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		ar->ar_pending = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(ar->ar_oldest_pending, sizeof(ar->ar_oldest_pending),
		    "%s", PQgetvalue(res, 0, 1));
		rc = 0;
	} else
		set_reason(ar, 0, 0, "cannot count pending events");
	PQclear(res);
	return (rc);
}

/* Keys and checkpoints, before touching the database. */
static int
load_inputs(const struct audit_opts *ao, struct secret **key,
    struct cplist *cl, struct audit_report *ar)
{
	struct secret	*pk;
	char		 err[1200];
	int		 rc;

	if (ao->ao_key != NULL && (*key = keyfile_read(ao->ao_key,
	    KEYFILE_AUDIT_CHAIN, KEYFILE_SECRET, AUDITLOG_KEY_LEN, 0, err,
	    sizeof(err))) == NULL) {
		snprintf(ar->ar_reason, sizeof(ar->ar_reason), "%s", err);
		return (-1);
	}
	if (ao->ao_checkpoints == NULL)
		return (0);
	if (ao->ao_cp_pub == NULL || (pk = keyfile_read(ao->ao_cp_pub,
	    KEYFILE_AUDIT_CHECKPOINT, KEYFILE_PUBLIC, AUDITLOG_ED25519_LEN, 0,
	    err, sizeof(err))) == NULL) {
		snprintf(ar->ar_reason, sizeof(ar->ar_reason), "%s",
		    ao->ao_cp_pub == NULL ? "--checkpoints needs the "
		    "checkpoint public key" : err);
		return (-1);
	}
	rc = cp_load(ao->ao_checkpoints, pk->s_buf, cl, ar);
	secret_free(pk);
	if (rc != 0)
		return (rc);
	ar->ar_checkpoints = (long long)cl->c_n;
	if (cl->c_n > 0) {
		ar->ar_cp_count = cl->c_v[cl->c_n - 1].cp_count;
		snprintf(ar->ar_cp_at, sizeof(ar->ar_cp_at), "%s",
		    cl->c_v[cl->c_n - 1].cp_at);
	}
	return (0);
}

static long long
head_pos(PGconn *conn)
{
	PGresult	*res;
	long long	 pos = -1;

	res = PQexec(conn, "SELECT last_pos FROM audit.head");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		pos = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return (pos);
}

int
audit_verify(PGconn *conn, const struct audit_opts *ao,
    struct audit_report *ar)
{
	struct secret	*key = NULL;
	struct cplist	 cl;
	struct walk	 w;
	long long	 hpos;
	int		 rc;

	memset(ar, 0, sizeof(*ar));
	memset(&cl, 0, sizeof(cl));
	memset(&w, 0, sizeof(w));
	if ((rc = load_inputs(ao, &key, &cl, ar)) != 0)
		goto done;
	rc = -1;
	if (adb_exec(conn, "SET client_encoding = 'UTF8'", NULL) == -1 ||
	    adb_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	    NULL) == -1) {
		set_reason(ar, 0, 0, "cannot start a read-only snapshot");
		goto done;
	}
	if ((hpos = head_pos(conn)) < 0) {
		set_reason(ar, 0, 0, "cannot read audit.head");
		goto rollback;
	}
	if (key == NULL && (hpos > 0 || cl.c_n > 0)) {
		snprintf(ar->ar_reason, sizeof(ar->ar_reason), "%lld chained "
		    "events: their links need the audit chain key "
		    "(--key FILE or --keys DIR)", hpos);
		goto rollback;
	}
	w.w_key = key != NULL ? key->s_buf : NULL;
	w.w_cps = ao->ao_checkpoints != NULL ? &cl : NULL;
	if ((rc = walk_chain(conn, &w, ar)) == 0 &&
	    (rc = check_ends(conn, &w, ar)) == 0 &&
	    count_pending(conn, ar) == -1)
		rc = -1;
	if (rc == 0 && ar->ar_checkpoints > 0)
		ar->ar_after_cp = w.w_pos - ar->ar_cp_count;
 rollback:
	adb_exec(conn, "ROLLBACK", NULL);
 done:
	secret_free(key);
	free(cl.c_v);
	return (rc);
}

/* ------------------------------------------------------------ command */

static void
audit_usage(FILE *fp)
{
	fprintf(fp, "usage: meldctl [-d CONNINFO] audit verify [--keys DIR] "
	    "[--key FILE]\n\t[--checkpoints FILE [--checkpoint-pub FILE]]\n");
}

/* DIR/name when it exists, else NULL (buf holds the path). */
static const char *
audit_default(const char *dir, const char *name, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s/%s", dir, name);
	return (access(buf, F_OK) == 0 ? buf : NULL);
}

static int
audit_print(int rc, const struct audit_opts *ao, struct audit_report *ar)
{
	if (rc == -1) {
		fprintf(stderr, "meldctl: audit verify: %s\n", ar->ar_reason);
		return (EX_NOINPUT);
	}
	if (rc == 1) {
		printf("audit chain broken at position %lld", ar->ar_bad_pos);
		if (ar->ar_bad_id > 0)
			printf(" (event %lld)", ar->ar_bad_id);
		printf(": %s (%lld events before it verified)\n",
		    ar->ar_reason, ar->ar_events);
		return (EX_DATAERR);
	}
	printf("audit chain ok: %lld events chained and verified; %lld "
	    "pending (recorded, not chained yet", ar->ar_events,
	    ar->ar_pending);
	if (ar->ar_pending > 0)
		printf("; oldest %s", ar->ar_oldest_pending);
	printf(")\n");
	if (ao->ao_checkpoints == NULL)
		printf("no checkpoint file given: removal of the newest "
		    "events with a rewritten head is not ruled out\n");
	else if (ar->ar_checkpoints == 0)
		printf("checkpoints: none in %s; nothing is proven beyond the "
		    "chain itself\n", ao->ao_checkpoints);
	else
		printf("checkpoints ok: %lld signed checkpoints match; the "
		    "newest (signed %s) covers events 1..%lld; %lld chained "
		    "events are newer than it\n", ar->ar_checkpoints,
		    ar->ar_cp_at, ar->ar_cp_count, ar->ar_after_cp);
	return (EX_OK);
}

int
audit_command(struct meldctl_opts *o, int argc, char **argv)
{
	struct audit_opts	 ao;
	struct audit_report	 ar;
	PGconn			*conn;
	const char		*dir = INIT_KEYS_DIR;
	char			 kbuf[1024], pbuf[1024];
	int			 i, rc;

	memset(&ao, 0, sizeof(ao));
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		audit_usage(stdout);
		printf("(meldctl help audit explains the checks)\n");
		return (EX_OK);
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		audit_usage(stderr);
		return (EX_USAGE);
	}
	for (i = 2; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--keys") == 0)
			dir = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--key") == 0)
			ao.ao_key = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--checkpoints") == 0)
			ao.ao_checkpoints = argv[++i];
		else if (i + 1 < argc &&
		    strcmp(argv[i], "--checkpoint-pub") == 0)
			ao.ao_cp_pub = argv[++i];
		else {
			audit_usage(stderr);
			return (EX_USAGE);
		}
	}
	if (ao.ao_key == NULL)
		ao.ao_key = audit_default(dir, AUDIT_F_CHAIN_KEY, kbuf,
		    sizeof(kbuf));
	if (ao.ao_cp_pub == NULL && ao.ao_checkpoints != NULL)
		ao.ao_cp_pub = audit_default(dir, AUDIT_F_CP_PUB, pbuf,
		    sizeof(pbuf));
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	rc = audit_verify(conn, &ao, &ar);
	PQfinish(conn);
	return (audit_print(rc, &ao, &ar));
}
