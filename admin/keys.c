/*
 * `meldctl keys rotate QUEUE` (signing is in keysign.c) and the key helpers the other staff command
 * groups share (see staffadm.h).  Queue private keys exist in the clear
 * only inside this process, for the moment of a wrap: they are generated
 * here, or opened with the recovery private key the operator brings back
 * (docs/crypto.md §7), wrapped with HPKE to the recovery key and to each
 * member, and wiped.  Rotation makes a new current key; older keys and
 * their member wraps stay, so older reports remain readable until an
 * administrator retires them.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/staffadm.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"

const char keys_usage[] = "keys rotate QUEUE | keys sign --signing-key FILE "
    "[--valid-days N]";
const char keys_help[] =
    "keys rotate QUEUE\n"
    "  Give QUEUE a new current key pair.  The private key is wrapped to\n"
    "  the current recovery key and to every member's public key; the\n"
    "  previous keys and their wraps stay, so older reports remain\n"
    "  readable.  Needs no private key file.  Shows a progress bar on a\n"
    "  terminal.  A public daemon with manifest_public_key serves the new\n"
    "  key only once a manifest covering it is signed (keys sign); until\n"
    "  then its /v1/forms and /readyz answer 503.\n"
    "keys sign --signing-key FILE [--valid-days N]\n"
    "  Sign the key manifest (docs/crypto.md section 10): every current\n"
    "  public key a client may seal to (queue keys per category, the\n"
    "  recovery and the identity key) with its id, suite and first day,\n"
    "  the next version number, and an expiry N days ahead (default 365).\n"
    "  FILE is the OFFLINE manifest-signing private key meldctl init made\n"
    "  (manifest-signing.key): bring it back for this, then remove it\n"
    "  again.  Needed after init, after every keys rotate, after queues\n"
    "  or routing rules change which keys a category seals to, and\n"
    "  before the manifest expires.  (\"key\" is accepted for \"keys\".)\n";

/*
 * Who runs meldctl, for the audit chain: the sudo caller when run through
 * sudo, else the account of the real uid (getpwuid, so cron and systemd
 * jobs without $USER work), else "meldctl".  The administrator is trusted
 * to say who she is; this is a record, not an authentication.
 */
const char *
keys_actor(void)
{
	static char	 name[64];
	struct passwd	*pw;
	const char	*u;

	if ((u = getenv("SUDO_USER")) != NULL && *u != '\0' &&
	    strlen(u) < sizeof(name))
		return (u);
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name != NULL &&
	    *pw->pw_name != '\0' && strlen(pw->pw_name) < sizeof(name)) {
		snprintf(name, sizeof(name), "%s", pw->pw_name);
		return (name);
	}
	return ("meldctl");
}

PGresult *
keys_exec(PGconn *conn, const char *sql, int n, const char *const *params)
{
	return (PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0));
}

int
keys_ok(const PGresult *res)
{
	return (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK);
}

/*
 * Run a statement that stores something; on failure say what failed with
 * the SQLSTATE only (the parameters are key material).  0 or -1.
 */
int
keys_store(PGconn *conn, const char *what, const char *sql, int n,
    const char *const *params)
{
	PGresult	*res = keys_exec(conn, sql, n, params);
	int		 rc = keys_ok(res) ? 0 : -1;

	if (rc == -1)
		fprintf(stderr, "meldctl: storing %s failed (sqlstate %s)\n",
		    what, adb_sqlstate(res));
	PQclear(res);
	return (rc);
}

int
keys_audit(PGconn *conn, const char *action, const char *object)
{
	const char	*p[3] = { keys_actor(), action, object };
	PGresult	*res;
	int		 rc;

	res = keys_exec(conn, "SELECT audit.admin_event($1, $2, $3, '{}')",
	    3, p);
	rc = keys_ok(res) ? 0 : -1;
	if (rc == -1)
		fprintf(stderr, "meldctl: audit event refused (sqlstate %s)\n",
		    adb_sqlstate(res));
	PQclear(res);
	return (rc);
}

void
keys_progress(const char *what, size_t done, size_t total)
{
	size_t	width = 30, fill;

	if (total == 0 || !isatty(STDERR_FILENO))
		return;
	fill = done * width / total;
	fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu", what, (int)fill,
	    "##############################", (int)(width - fill), "", done,
	    total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

unsigned char *
keys_bytea(const char *text, size_t *len)
{
	unsigned char	*b;
	size_t		 n;

	if (text == NULL || text[0] != '\\' || text[1] != 'x' ||
	    (n = strlen(text + 2)) % 2 != 0 || (b = malloc(n / 2 + 1)) == NULL)
		return (NULL);
	if (secret_hex_decode(text + 2, n, b, n / 2) == -1) {
		free(b);
		return (NULL);
	}
	*len = n / 2;
	return (b);
}

char *
keys_hexlit(const unsigned char *b, size_t len)
{
	char	*s;

	if ((s = malloc(2 * len + 3)) == NULL)
		return (NULL);
	s[0] = '\\';
	s[1] = 'x';
	secret_hex_encode(b, len, s + 2);
	return (s);
}

struct secret *
keys_recovery(const char *path)
{
	struct secret	*k;
	char		 err[256];

	if (path == NULL) {
		fprintf(stderr, "meldctl: --recovery-key FILE is required\n");
		return (NULL);
	}
	if ((k = keyfile_read(path, KEYFILE_RECOVERY, KEYFILE_PRIVATE,
	    HPKE_PRIV_LEN, 1, err, sizeof(err))) == NULL)
		fprintf(stderr, "meldctl: %s\n", err);
	return (k);
}

/* Insert one wrap of scalar (queue key qkid) to the member's key. */
static int
wrap_to_member(PGconn *conn, const char *qkid_hex, const char *uid,
    const struct hpke_key *pk, const unsigned char *scalar)
{
	unsigned char	 qkid[16], rkid[16], enc[HPKE_MAX_ENC];
	unsigned char	 wrapped[STAFFCRED_WRAPPED_LEN];
	size_t		 enclen;
	char		*e = NULL, *w = NULL;
	const char	*p[4];
	PGresult	*res;
	int		 rc = -1;

	if (staffcred_key_id_parse(qkid_hex, qkid) == -1 ||
	    staffcred_key_id(pk, rkid) == -1 ||
	    staffcred_wrap_queue_key(pk, qkid, rkid, scalar, enc, &enclen,
	    wrapped) == -1 || (e = keys_hexlit(enc, enclen)) == NULL ||
	    (w = keys_hexlit(wrapped, sizeof(wrapped))) == NULL)
		goto done;
	p[0] = qkid_hex;
	p[1] = uid;
	p[2] = e;
	p[3] = w;
	/* mp_admin may insert and delete wraps, not update them. */
	res = keys_exec(conn, "DELETE FROM casework.queue_key_wraps WHERE "
	    "key_id = $1 AND user_id = $2::integer", 2, p);
	PQclear(res);
	rc = keys_store(conn, "a wrap", "INSERT INTO casework.queue_key_wraps "
	    "(key_id, user_id, enc, wrapped) VALUES ($1, $2::integer, "
	    "$3::bytea, $4::bytea)", 4, p);
 done:
	free(e);
	free(w);
	return (rc);
}

static struct hpke_key *
user_key(PGconn *conn, const char *uid)
{
	const char	*p[1] = { uid };
	PGresult	*res;
	unsigned char	*pub = NULL;
	size_t		 len = 0;
	struct hpke_key	*k = NULL;

	res = keys_exec(conn, "SELECT public_key FROM casework.users "
	    "WHERE id = $1::integer AND public_key IS NOT NULL", 1, p);
	if (keys_ok(res) && PQntuples(res) == 1 &&
	    (pub = keys_bytea(PQgetvalue(res, 0, 0), &len)) != NULL)
		k = hpke_key_from_public(HPKE_KEM_P256_SHA256, pub, len);
	PQclear(res);
	free(pub);
	if (k == NULL)
		fprintf(stderr, "meldctl: the user has no usable public key\n");
	return (k);
}

int
keys_wrap_member(PGconn *conn, int qid, int uid,
    const struct secret *recovery)
{
	char		 q[16], u[16];
	const char	*p[1] = { q };
	PGresult	*res = NULL;
	struct hpke_key	*pk = NULL, *rsk = NULL;
	unsigned char	 scalar[HPKE_PRIV_LEN], qkid[16], rkid[16];
	unsigned char	*enc = NULL, *wr = NULL;
	size_t		 enclen, wrlen;
	int		 i, n, rc = -1;

	snprintf(q, sizeof(q), "%d", qid);
	snprintf(u, sizeof(u), "%d", uid);
	if ((pk = user_key(conn, u)) == NULL)
		goto done;
	if ((rsk = hpke_key_from_private(HPKE_KEM_P256_SHA256,
	    recovery->s_buf, recovery->s_len)) == NULL) {
		fprintf(stderr, "meldctl: the recovery key is not usable\n");
		goto done;
	}
	res = keys_exec(conn, "SELECT key_id, recovery_key_id, recovery_enc, "
	    "recovery_wrapped FROM casework.queue_keys WHERE queue_id = "
	    "$1::integer ORDER BY created_on, key_id", 1, p);
	if (!keys_ok(res)) {
		fprintf(stderr, "meldctl: reading queue keys failed "
		    "(sqlstate %s)\n", adb_sqlstate(res));
		goto done;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		keys_progress("wrapping queue keys", (size_t)i, (size_t)n);
		free(enc);
		free(wr);
		enc = wr = NULL;
		if (staffcred_key_id_parse(PQgetvalue(res, i, 0), qkid) == -1 ||
		    staffcred_key_id_parse(PQgetvalue(res, i, 1), rkid) == -1 ||
		    (enc = keys_bytea(PQgetvalue(res, i, 2), &enclen)) == NULL ||
		    (wr = keys_bytea(PQgetvalue(res, i, 3), &wrlen)) == NULL ||
		    staffcred_unwrap_queue_key(rsk, qkid, rkid, enc, enclen, wr,
		    wrlen, scalar) == -1) {
			fprintf(stderr, "meldctl: queue key %d of %d does not "
			    "open with this recovery key\n", i + 1, n);
			goto done;
		}
		if (wrap_to_member(conn, PQgetvalue(res, i, 0), u, pk,
		    scalar) == -1)
			goto done;
		OPENSSL_cleanse(scalar, sizeof(scalar));
	}
	keys_progress("wrapping queue keys", (size_t)n, (size_t)n);
	rc = 0;
 done:
	OPENSSL_cleanse(scalar, sizeof(scalar));
	free(enc);
	free(wr);
	PQclear(res);
	hpke_key_free(pk);
	hpke_key_free(rsk);
	return (rc);
}

/* The current recovery key: its id (hex and raw) and public key. */
static struct hpke_key *
recovery_public(PGconn *conn, char rkidhex[33], unsigned char rkid[16])
{
	PGresult	*res;
	unsigned char	*pub = NULL;
	size_t		 len;
	struct hpke_key	*k = NULL;

	res = keys_exec(conn, "SELECT key_id, public_key FROM "
	    "casework.recovery_keys WHERE current", 0, NULL);
	if (keys_ok(res) && PQntuples(res) == 1) {
		snprintf(rkidhex, 33, "%s", PQgetvalue(res, 0, 0));
		if (staffcred_key_id_parse(rkidhex, rkid) == 0 &&
		    (pub = keys_bytea(PQgetvalue(res, 0, 1), &len)) != NULL)
			k = hpke_key_from_public(HPKE_KEM_P256_SHA256, pub,
			    len);
	}
	if (k == NULL)
		fprintf(stderr, "meldctl: no usable current recovery key "
		    "(run meldctl init first)\n");
	PQclear(res);
	free(pub);
	return (k);
}

/* Insert the new current key row, wrapped to the recovery key. */
static int
insert_queue_key(PGconn *conn, const char *q, const struct hpke_key *key,
    const char *kidhex, const unsigned char *scalar)
{
	PGresult	*res;
	const char	*p[6];
	unsigned char	 rkid[16], kid[16], enc[HPKE_MAX_ENC];
	unsigned char	 wrapped[STAFFCRED_WRAPPED_LEN], pub[HPKE_MAX_PUB];
	size_t		 enclen, publen = sizeof(pub);
	struct hpke_key	*rk;
	char		 rkidhex[33], *pubhex = NULL, *e = NULL, *w = NULL;
	int		 rc = -1;

	if ((rk = recovery_public(conn, rkidhex, rkid)) == NULL)
		return (-1);
	if (staffcred_key_id_parse(kidhex, kid) == -1 ||
	    hpke_key_public(key, pub, &publen) == -1 ||
	    staffcred_wrap_queue_key(rk, kid, rkid, scalar, enc, &enclen,
	    wrapped) == -1 || (pubhex = keys_hexlit(pub, publen)) == NULL ||
	    (e = keys_hexlit(enc, enclen)) == NULL ||
	    (w = keys_hexlit(wrapped, sizeof(wrapped))) == NULL)
		goto done;
	p[0] = q;
	res = keys_exec(conn, "UPDATE casework.queue_keys SET current = false "
	    "WHERE queue_id = $1::integer AND current", 1, p);
	rc = keys_ok(res) ? 0 : -1;
	PQclear(res);
	if (rc == -1)
		goto done;
	p[1] = kidhex;
	p[2] = pubhex;
	p[3] = rkidhex;
	p[4] = e;
	p[5] = w;
	res = keys_exec(conn, "INSERT INTO casework.queue_keys (key_id, "
	    "queue_id, kem_id, kdf_id, aead_id, public_key, current, "
	    "recovery_key_id, recovery_enc, recovery_wrapped) VALUES ($2, "
	    "$1::integer, 16, 1, 2, $3::bytea, true, $4, $5::bytea, $6::bytea)",
	    6, p);
	rc = keys_ok(res) ? 0 : -1;
	if (rc == -1)
		fprintf(stderr, "meldctl: storing the queue key failed "
		    "(sqlstate %s)\n", adb_sqlstate(res));
	PQclear(res);
 done:
	free(pubhex);
	free(e);
	free(w);
	hpke_key_free(rk);
	return (rc);
}

int
keys_new_queue_key(PGconn *conn, int qid)
{
	struct hpke_key	*key = NULL, *pk;
	unsigned char	 scalar[HPKE_PRIV_LEN], kid[16];
	size_t		 slen = sizeof(scalar);
	char		 q[16], kidhex[33];
	const char	*p[1] = { q };
	PGresult	*res = NULL;
	int		 i, n, rc = -1;

	snprintf(q, sizeof(q), "%d", qid);
	if ((key = hpke_key_new(HPKE_KEM_P256_SHA256)) == NULL ||
	    hpke_key_private(key, scalar, &slen) == -1 ||
	    staffcred_key_id(key, kid) == -1)
		goto done;
	staffcred_key_id_hex(kid, kidhex);
	if (insert_queue_key(conn, q, key, kidhex, scalar) == -1)
		goto done;
	res = keys_exec(conn, "SELECT m.user_id FROM casework.queue_members m "
	    "JOIN casework.users u ON u.id = m.user_id WHERE m.queue_id = "
	    "$1::integer AND u.public_key IS NOT NULL ORDER BY m.user_id", 1, p);
	if (!keys_ok(res))
		goto done;
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		keys_progress("wrapping to members", (size_t)i, (size_t)n);
		if ((pk = user_key(conn, PQgetvalue(res, i, 0))) == NULL)
			goto done;
		rc = wrap_to_member(conn, kidhex, PQgetvalue(res, i, 0), pk,
		    scalar);
		hpke_key_free(pk);
		if (rc == -1)
			goto done;
		rc = -1;
	}
	keys_progress("wrapping to members", (size_t)n, (size_t)n);
	rc = 0;
 done:
	OPENSSL_cleanse(scalar, sizeof(scalar));
	PQclear(res);
	hpke_key_free(key);
	return (rc);
}

static int
keys_rotate(struct meldctl_opts *o, const char *queue)
{
	PGconn		*conn;
	PGresult	*res;
	const char	*p[1] = { queue };
	char		 obj[128];
	int		 qid = -1, rc = EX_SOFTWARE;

	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	if (adb_exec(conn, "BEGIN", NULL) == -1)
		goto done;
	res = keys_exec(conn, "SELECT id FROM casework.queues WHERE name = $1 "
	    "FOR UPDATE", 1, p);
	if (keys_ok(res) && PQntuples(res) == 1)
		qid = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (qid == -1) {
		fprintf(stderr, "meldctl: no such queue\n");
		rc = EX_DATAERR;
		goto done;
	}
	snprintf(obj, sizeof(obj), "queue:%s", queue);
	if (keys_new_queue_key(conn, qid) == -1 ||
	    keys_audit(conn, "queue.key_rotate", obj) == -1 ||
	    adb_exec(conn, "COMMIT", NULL) == -1)
		goto done;
	printf("queue %s: new current key; now sign a new key manifest with "
	    "the offline key (meldctl keys sign --signing-key FILE)\n", queue);
	rc = EX_OK;
 done:
	PQfinish(conn);
	return (rc);
}

int
keys_cmd(struct meldctl_opts *o, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		printf("usage: meldctl [-d CONNINFO] %s\n\n%s", keys_usage,
		    keys_help);
		return (EX_OK);
	}
	if (argc == 3 && strcmp(argv[1], "rotate") == 0)
		return (keys_rotate(o, argv[2]));
	if (argc >= 2 && strcmp(argv[1], "sign") == 0)
		return (keysign_cmd(o, argc, argv));
	fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n", keys_usage);
	return (EX_USAGE);
}
