/*
 * meldctl init (see init.h).  Order matters for a run that stops half
 * way: key files are written first (never overwritten), then every
 * database change happens in one transaction; a second run finds the
 * files, reuses them and completes the database.  The recovery private
 * key is written once, with a warning that it belongs off this machine;
 * later runs need only its public half (from the database or
 * recovery.pub).  Queue private keys are never written to a file.
 *
 * Every key is one small function listed in init_file_keys[] (files
 * alone) or init_db_keys[] (files whose public half goes into the
 * database, inside the transaction).  Each creates or checks its file
 * and records, with init_advise(), who must own it and its mode; the
 * advice is printed at the end of every run.  A new key is a new
 * function and a new row.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
#include "admin/retention.h"
#include "crypto/auditlog.h"
#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/manifest.h"
#include "crypto/secret.h"

#define QKEY_INFO	"meldpunt-queue-key-wrap"

struct init_queue {
	const char	*q_name;
	const char	*q_category;
	const char	*q_first_response;	/* NULL: not urgent */
};

/* One queue per category, and the urgent honour-violence queue. */
static const struct init_queue queues[] = {
	{ "labour", "labour_discrimination", NULL },
	{ "obi", "foreign_interference", NULL },
	{ "honour", "honour_violence", NULL },
	{ "honour_urgent", "honour_violence", "1 hour" },
};

/* First match wins (DESIGN §6): urgent honour violence, then defaults. */
static const struct {
	int		 position;
	const char	*category;
	const char	*urgent;	/* "true" or NULL (any) */
	const char	*queue;
} rules[] = {
	{ 10, "honour_violence", "true", "honour_urgent" },
	{ 100, "labour_discrimination", NULL, "labour" },
	{ 110, "foreign_interference", NULL, "obi" },
	{ 120, "honour_violence", NULL, "honour" },
};

#define INIT_MAX_ADVICE	16

/* Who must own a key file and its mode, printed at the end. */
struct init_advice {
	const char	*ia_file;
	const char	*ia_reader;	/* which process or person reads it */
	const char	*ia_owner;	/* system user, or NULL: off the machine */
	const char	*ia_mode;
};

struct init_ctx {
	PGconn		*ic_conn;
	const char	*ic_dir;
	FILE		*ic_out;
	FILE		*ic_err;
	int		 ic_changes;
	struct hpke_key	*ic_recovery;	/* public */
	char		 ic_recovery_id[33];
	struct init_advice ic_advice[INIT_MAX_ADVICE];
	int		 ic_nadvice;
};

static void
init_advise(struct init_ctx *ic, const char *file, const char *reader,
    const char *owner, const char *mode)
{
	struct init_advice	*a;

	if (ic->ic_nadvice == INIT_MAX_ADVICE)
		return;
	a = &ic->ic_advice[ic->ic_nadvice++];
	a->ia_file = file;
	a->ia_reader = reader;
	a->ia_owner = owner;
	a->ia_mode = mode;
}

static void
init_path(const struct init_ctx *ic, const char *name, char *buf,
    size_t bufsz)
{
	snprintf(buf, bufsz, "%s/%s", ic->ic_dir, name);
}

static PGresult *
init_query(struct init_ctx *ic, const char *sql, int n, const char **v)
{
	PGresult	*res;

	res = PQexecParams(ic->ic_conn, sql, n, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		/* SQLSTATE only: the text can echo parameter values. */
		fprintf(ic->ic_err, "meldctl init: statement failed, "
		    "sqlstate %s\n", adb_sqlstate(res));
		PQclear(res);
		return (NULL);
	}
	return (res);
}

/* A 32-byte secret key file: read it, or create it. */
static int
init_secret_file(struct init_ctx *ic, const char *name, const char *kind)
{
	char		 path[1024], err[1200];
	unsigned char	 key[32];
	struct secret	*s;
	int		 rc;

	init_path(ic, name, path, sizeof(path));
	if (keyfile_exists(path) == 1) {
		if ((s = keyfile_read(path, kind, KEYFILE_SECRET, 32, 0, err,
		    sizeof(err))) == NULL) {
			fprintf(ic->ic_err, "meldctl init: %s\n", err);
			return (-1);
		}
		secret_free(s);
		return (0);
	}
	if (secret_random(key, sizeof(key)) == -1)
		return (-1);
	rc = keyfile_write(path, kind, KEYFILE_SECRET, key, sizeof(key), err,
	    sizeof(err));
	OPENSSL_cleanse(key, sizeof(key));
	if (rc == -1) {
		fprintf(ic->ic_err, "meldctl init: %s\n", err);
		return (-1);
	}
	fprintf(ic->ic_out, "created %s (%s key, mode 0600)\n", path, kind);
	ic->ic_changes++;
	return (0);
}

/* Generate a pair, write NAME.key (0600) and NAME.pub; returns the key. */
static struct hpke_key *
init_new_pair(struct init_ctx *ic, const char *kind, const char *fpriv,
    const char *fpub)
{
	struct hpke_key	*k;
	unsigned char	 sk[HPKE_PRIV_LEN], pk[HPKE_MAX_PUB];
	size_t		 sklen = sizeof(sk), pklen = sizeof(pk);
	char		 ppriv[1024], ppub[1024], err[1200];
	int		 rc;

	init_path(ic, fpriv, ppriv, sizeof(ppriv));
	init_path(ic, fpub, ppub, sizeof(ppub));
	if ((k = hpke_key_new(HPKE_KEM_P256_SHA256)) == NULL ||
	    hpke_key_private(k, sk, &sklen) == -1 ||
	    hpke_key_public(k, pk, &pklen) == -1) {
		hpke_key_free(k);
		return (NULL);
	}
	rc = keyfile_write(ppriv, kind, KEYFILE_PRIVATE, sk, sklen, err,
	    sizeof(err));
	OPENSSL_cleanse(sk, sizeof(sk));
	if (rc == -1 || keyfile_write(ppub, kind, KEYFILE_PUBLIC, pk, pklen,
	    err, sizeof(err)) == -1) {
		fprintf(ic->ic_err, "meldctl init: %s\n", err);
		hpke_key_free(k);
		return (NULL);
	}
	fprintf(ic->ic_out, "created %s (%s private key, mode 0600) and %s\n",
	    ppriv, kind, ppub);
	ic->ic_changes += 2;
	return (k);
}

/* The public key of a pair from NAME.pub, NULL when absent/bad. */
static struct hpke_key *
init_read_pub(struct init_ctx *ic, const char *kind, const char *fpub,
    int *exists)
{
	char		 path[1024], err[1200];
	struct secret	*s;
	struct hpke_key	*k;

	init_path(ic, fpub, path, sizeof(path));
	if ((*exists = keyfile_exists(path) == 1) == 0)
		return (NULL);
	if ((s = keyfile_read(path, kind, KEYFILE_PUBLIC, 0, 0, err,
	    sizeof(err))) == NULL) {
		fprintf(ic->ic_err, "meldctl init: %s\n", err);
		return (NULL);
	}
	k = hpke_key_from_public(HPKE_KEM_P256_SHA256, s->s_buf, s->s_len);
	secret_free(s);
	if (k == NULL)
		fprintf(ic->ic_err, "meldctl init: %s: not a P-256 public "
		    "key\n", path);
	return (k);
}

static int
init_key_hex(const struct hpke_key *k, char hex[33], char *pkhex,
    size_t pkhexsz)
{
	uint8_t		 id[ENVELOPE_KEYID_LEN], pk[HPKE_MAX_PUB];
	size_t		 pklen = sizeof(pk);

	if (envelope_key_id(k, id) == -1 ||
	    hpke_key_public(k, pk, &pklen) == -1 ||
	    (pkhex != NULL && pkhexsz < 2 * pklen + 1))
		return (-1);
	secret_hex_encode(id, sizeof(id), hex);
	if (pkhex != NULL)
		secret_hex_encode(pk, pklen, pkhex);
	return (0);
}

/*
 * A key pair whose public half lives in table (recovery or identity):
 * reuse the database's current key, else NAME.pub, else make a pair.
 */
static struct hpke_key *
init_pair(struct init_ctx *ic, const char *table, const char *kind,
    const char *fpriv, const char *fpub)
{
	char		 sql[256], hex[33], pkhex[2 * HPKE_MAX_PUB + 1];
	const char	*v[2];
	PGresult	*res;
	struct hpke_key	*k = NULL, *fk;
	unsigned char	 pk[HPKE_MAX_PUB];
	int		 exists, n;

	snprintf(sql, sizeof(sql), "SELECT encode(public_key, 'hex') FROM "
	    "%s WHERE current AND kem_id = 16", table);
	if ((res = init_query(ic, sql, 0, NULL)) == NULL)
		return (NULL);
	if (PQntuples(res) == 1) {
		n = (int)strlen(PQgetvalue(res, 0, 0)) / 2;
		if (n <= HPKE_MAX_PUB && secret_hex_decode(PQgetvalue(res, 0,
		    0), (size_t)n * 2, pk, (size_t)n) == 0)
			k = hpke_key_from_public(HPKE_KEM_P256_SHA256, pk,
			    (size_t)n);
		PQclear(res);
		if (k == NULL) {
			fprintf(ic->ic_err, "meldctl init: %s: current key "
			    "is not a P-256 key\n", table);
			return (NULL);
		}
		fk = init_read_pub(ic, kind, fpub, &exists);
		if (exists && (fk == NULL || init_key_hex(fk, hex, NULL, 0) ||
		    init_key_hex(k, pkhex, NULL, 0) || strcmp(hex, pkhex))) {
			fprintf(ic->ic_err, "meldctl init: %s/%s differs from "
			    "the current key in %s; refusing\n", ic->ic_dir,
			    fpub, table);
			hpke_key_free(fk);
			hpke_key_free(k);
			return (NULL);
		}
		hpke_key_free(fk);
		return (k);
	}
	PQclear(res);
	if ((k = init_read_pub(ic, kind, fpub, &exists)) == NULL) {
		if (exists)
			return (NULL);
		if ((k = init_new_pair(ic, kind, fpriv, fpub)) == NULL)
			return (NULL);
	}
	if (init_key_hex(k, hex, pkhex, sizeof(pkhex)) == -1)
		goto fail;
	v[0] = hex;
	v[1] = pkhex;
	snprintf(sql, sizeof(sql), "INSERT INTO %s (key_id, kem_id, kdf_id, "
	    "aead_id, public_key) VALUES ($1, 16, 1, 2, decode($2, 'hex'))",
	    table);
	if ((res = init_query(ic, sql, 2, v)) == NULL)
		goto fail;
	PQclear(res);
	fprintf(ic->ic_out, "stored the %s public key %s in %s\n", kind, hex,
	    table);
	ic->ic_changes++;
	return (k);
 fail:
	hpke_key_free(k);
	return (NULL);
}

/* A queue's key pair; the private scalar only wrapped to recovery. */
static int
init_queue_key(struct init_ctx *ic, const char *qid, const char *qname)
{
	struct hpke_key	*k;
	unsigned char	 sk[HPKE_PRIV_LEN], enc[HPKE_MAX_ENC];
	unsigned char	 wrapped[HPKE_PRIV_LEN + HPKE_TAG_LEN];
	unsigned char	 info[sizeof(QKEY_INFO) - 1 + 2 * ENVELOPE_KEYID_LEN];
	char		 hex[33], pkhex[2 * HPKE_MAX_PUB + 1];
	char		 ehex[2 * HPKE_MAX_ENC + 1], whex[2 * sizeof(wrapped) + 1];
	size_t		 sklen = sizeof(sk), enclen = sizeof(enc);
	const char	*v[6];
	PGresult	*res;
	int		 rc = -1;

	if ((k = hpke_key_new(HPKE_KEM_P256_SHA256)) == NULL ||
	    init_key_hex(k, hex, pkhex, sizeof(pkhex)) == -1 ||
	    hpke_key_private(k, sk, &sklen) == -1)
		goto done;
	memcpy(info, QKEY_INFO, sizeof(QKEY_INFO) - 1);
	if (secret_hex_decode(hex, 32, info + sizeof(QKEY_INFO) - 1, 16) ||
	    secret_hex_decode(ic->ic_recovery_id, 32,
	    info + sizeof(QKEY_INFO) - 1 + 16, 16) ||
	    hpke_seal(&hpke_suite_default, ic->ic_recovery, info,
	    sizeof(info), NULL, 0, sk, sklen, enc, &enclen, wrapped) == -1)
		goto done;
	secret_hex_encode(enc, enclen, ehex);
	secret_hex_encode(wrapped, sizeof(wrapped), whex);
	v[0] = hex;
	v[1] = qid;
	v[2] = pkhex;
	v[3] = ic->ic_recovery_id;
	v[4] = ehex;
	v[5] = whex;
	if ((res = init_query(ic, "INSERT INTO casework.queue_keys (key_id, "
	    "queue_id, kem_id, kdf_id, aead_id, public_key, recovery_key_id, "
	    "recovery_enc, recovery_wrapped) VALUES ($1, $2::integer, 16, 1, "
	    "2, decode($3, 'hex'), $4, decode($5, 'hex'), decode($6, 'hex'))",
	    6, v)) == NULL)
		goto done;
	PQclear(res);
	fprintf(ic->ic_out, "queue %s: key %s (private key stored only "
	    "wrapped to the recovery key)\n", qname, hex);
	ic->ic_changes++;
	rc = 0;
 done:
	OPENSSL_cleanse(sk, sizeof(sk));
	hpke_key_free(k);
	return (rc);
}

static int
init_queues(struct init_ctx *ic)
{
	const char	*v[3];
	PGresult	*res;
	size_t		 i;
	char		 qid[16];
	int		 haskey;

	for (i = 0; i < sizeof(queues) / sizeof(queues[0]); i++) {
		v[0] = queues[i].q_name;
		v[1] = queues[i].q_category;
		v[2] = queues[i].q_first_response;
		if ((res = init_query(ic, "SELECT q.id, EXISTS (SELECT 1 FROM "
		    "casework.queue_keys k WHERE k.queue_id = q.id AND "
		    "k.current) FROM casework.queues q WHERE q.name = $1", 1,
		    v)) == NULL)
			return (-1);
		if (PQntuples(res) == 0) {
			PQclear(res);
			if ((res = init_query(ic, "INSERT INTO casework.queues "
			    "(name, category, first_response_interval) VALUES "
			    "($1, $2, $3::interval) RETURNING id, false", 3,
			    v)) == NULL)
				return (-1);
			fprintf(ic->ic_out, "queue %s: created (%s%s)\n",
			    v[0], v[1], v[2] != NULL ? ", first response "
			    "within 1 hour" : "");
			ic->ic_changes++;
		}
		snprintf(qid, sizeof(qid), "%s", PQgetvalue(res, 0, 0));
		haskey = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
		PQclear(res);
		if (!haskey && init_queue_key(ic, qid, v[0]) == -1)
			return (-1);
	}
	return (0);
}

/* The default rules, only into an empty table (never over edits). */
static int
init_rules(struct init_ctx *ic)
{
	PGresult	*res;
	const char	*v[4];
	char		 pos[16];
	size_t		 i;
	int		 n;

	if ((res = init_query(ic, "SELECT count(*) FROM "
	    "casework.routing_rules", 0, NULL)) == NULL)
		return (-1);
	n = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (n > 0)
		return (0);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		snprintf(pos, sizeof(pos), "%d", rules[i].position);
		v[0] = pos;
		v[1] = rules[i].category;
		v[2] = rules[i].urgent;
		v[3] = rules[i].queue;
		if ((res = init_query(ic, "INSERT INTO casework.routing_rules "
		    "(position, category, urgent, queue_id) SELECT "
		    "$1::integer, $2, $3::boolean, id FROM casework.queues "
		    "WHERE name = $4", 4, v)) == NULL)
			return (-1);
		PQclear(res);
	}
	fprintf(ic->ic_out, "routing: urgent honour_violence (immediate "
	    "danger or travel within 14 days) -> honour_urgent; one "
	    "catch-all per category\n");
	ic->ic_changes++;
	return (0);
}

/* The receipt lookup key: without it a stolen database cannot even test
 * receipt guesses (docs/crypto.md §3). */
static int
init_key_receipt_lookup(struct init_ctx *ic)
{
	init_advise(ic, INIT_F_LOOKUP, "meldpuntd --role public",
	    INIT_USER_PUBLIC, "0400");
	return (init_secret_file(ic, INIT_F_LOOKUP, KEYFILE_RECEIPT_LOOKUP));
}

/* The contact-link HMAC key: the public process links contact details
 * to a case with it; officers get it wrapped (meldctl officer grant). */
static int
init_key_contact_link(struct init_ctx *ic)
{
	init_advise(ic, INIT_F_LINK, "meldpuntd --role public; meldctl "
	    "officer grant", INIT_USER_PUBLIC, "0400");
	return (init_secret_file(ic, INIT_F_LINK, KEYFILE_CONTACT_LINK));
}

/* Seals every staff user's TOTP secret; without it staff logins answer
 * 503 and `meldctl user add` cannot run. */
static int
init_key_totp_seal(struct init_ctx *ic)
{
	init_advise(ic, INIT_F_TOTP_SEAL, "meldpuntd --role staff; meldctl "
	    "user add|reset-totp (as root)", INIT_USER_STAFF, "0400");
	return (init_secret_file(ic, INIT_F_TOTP_SEAL, KEYFILE_TOTP_SEAL));
}

/*
 * The bearer token GET /metrics wants (metrics_token_file): one line of
 * 64 hex digits, not a key file, because the scraper reads it too.  An
 * existing file is kept (the daemon checks its form at start).
 */
static int
init_key_metrics_token(struct init_ctx *ic)
{
	char		 path[1024], line[2 * 32 + 2];
	unsigned char	 tok[32];
	int		 fd, rc = -1;

	init_advise(ic, INIT_F_METRICS, "meldpuntd --role staff and the "
	    "metrics scraper", INIT_USER_STAFF, "0400");
	init_path(ic, INIT_F_METRICS, path, sizeof(path));
	if (keyfile_exists(path) == 1)
		return (0);
	if (secret_random(tok, sizeof(tok)) == -1)
		return (-1);
	secret_hex_encode(tok, sizeof(tok), line);
	OPENSSL_cleanse(tok, sizeof(tok));
	line[64] = '\n';
	line[65] = '\0';
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		fprintf(ic->ic_err, "meldctl init: %s: %s\n", path,
		    strerror(errno));
		goto done;
	}
	if (write(fd, line, 65) != 65 || fsync(fd) == -1) {
		fprintf(ic->ic_err, "meldctl init: %s: %s\n", path,
		    strerror(errno));
		(void)close(fd);
		(void)unlink(path);
		goto done;
	}
	(void)close(fd);
	fprintf(ic->ic_out, "created %s (metrics bearer token, mode 0600)\n",
	    path);
	ic->ic_changes++;
	rc = 0;
 done:
	OPENSSL_cleanse(line, sizeof(line));
	return (rc);
}

/*
 * The offline manifest-signing pair (docs/crypto.md §10), once: kept
 * whenever its public half exists, because clients pin that half and a
 * new pair would make every installed web page and app refuse to seal.
 * The private half is needed only by `meldctl keys sign`.
 */
static int
init_manifest_key(struct init_ctx *ic)
{
	uint8_t		 sk[MANIFEST_SK_LEN], pk[MANIFEST_PK_LEN];
	char		 ppriv[1024], ppub[1024], err[1200];
	int		 rc = -1;

	init_advise(ic, INIT_F_MANIFEST, "meldctl keys sign, then nobody on "
	    "this machine: two offline copies", NULL, "0400");
	init_advise(ic, INIT_F_MANIFEST_PUB, "meldpuntd --role public "
	    "(manifest_public_key); published with the web page",
	    INIT_USER_PUBLIC, "0444");
	init_path(ic, INIT_F_MANIFEST, ppriv, sizeof(ppriv));
	init_path(ic, INIT_F_MANIFEST_PUB, ppub, sizeof(ppub));
	if (keyfile_exists(ppub) == 1)
		return (0);
	if (keyfile_exists(ppriv) == 1) {
		fprintf(ic->ic_err, "meldctl init: %s exists without %s; "
		    "refusing to replace the signing key\n", ppriv, ppub);
		return (-1);
	}
	if (manifest_keygen(sk, pk) == -1)
		return (-1);
	if (keyfile_write(ppriv, KEYFILE_MANIFEST_SIGNING, KEYFILE_PRIVATE, sk,
	    sizeof(sk), err, sizeof(err)) == -1 ||
	    keyfile_write(ppub, KEYFILE_MANIFEST_SIGNING, KEYFILE_PUBLIC, pk,
	    sizeof(pk), err, sizeof(err)) == -1) {
		fprintf(ic->ic_err, "meldctl init: %s\n", err);
		goto done;
	}
	fprintf(ic->ic_out, "created %s (manifest-signing private key, mode "
	    "0600) and %s\n"
	    "\n*** WARNING: %s is the OFFLINE MANIFEST-SIGNING KEY.\n"
	    "*** Whoever holds it can tell clients which keys to seal to. "
	    "Sign the\n*** first manifest now (meldctl keys sign "
	    "--signing-key %s),\n*** copy the file to offline storage, then "
	    "DELETE it from this machine.\n*** Publish %s with the web page "
	    "(deploy/README.md).\n\n", ppriv, ppub, ppriv, ppriv, ppub);
	ic->ic_changes += 2;
	rc = 0;
 done:
	OPENSSL_cleanse(sk, sizeof(sk));
	return (rc);
}

/*
 * The audit keys of the staff host (docs/crypto.md "Audit chain key and
 * checkpoints"): the chain key (secret) and the checkpoint signing pair
 * (Ed25519; the public half goes to whoever verifies checkpoints, e.g.
 * the second host that receives them).  Both stay outside the database.
 * An existing pair is kept: a new one would not verify old checkpoints.
 */
static int
init_audit_keys(struct init_ctx *ic)
{
	unsigned char	 sk[AUDITLOG_ED25519_LEN], pk[AUDITLOG_ED25519_LEN];
	char		 kpath[1024], ppath[1024], err[1200] = "";
	int		 rc = -1;

	init_advise(ic, AUDIT_F_CHAIN_KEY, "meldpuntd --role staff "
	    "(audit_chain_key); meldctl audit verify", INIT_USER_STAFF, "0400");
	init_advise(ic, AUDIT_F_CP_KEY, "meldpuntd --role staff "
	    "(audit_checkpoint_key)", INIT_USER_STAFF, "0400");
	init_advise(ic, AUDIT_F_CP_PUB, "whoever verifies checkpoints (copy "
	    "it to that host)", "root", "0644");
	if (init_secret_file(ic, AUDIT_F_CHAIN_KEY, KEYFILE_AUDIT_CHAIN) == -1)
		return (-1);
	init_path(ic, AUDIT_F_CP_KEY, kpath, sizeof(kpath));
	init_path(ic, AUDIT_F_CP_PUB, ppath, sizeof(ppath));
	if (keyfile_exists(kpath) == 1)
		return (0);
	if (auditlog_ed25519_generate(sk, pk) == -1 ||
	    keyfile_write(kpath, KEYFILE_AUDIT_CHECKPOINT, KEYFILE_PRIVATE, sk,
	    sizeof(sk), err, sizeof(err)) == -1 ||
	    keyfile_write(ppath, KEYFILE_AUDIT_CHECKPOINT, KEYFILE_PUBLIC, pk,
	    sizeof(pk), err, sizeof(err)) == -1) {
		fprintf(ic->ic_err, "meldctl init: audit checkpoint key: %s\n",
		    err);
		goto fail;
	}
	fprintf(ic->ic_out, "created %s (audit checkpoint signing key, mode "
	    "0600) and %s\n", kpath, ppath);
	ic->ic_changes++;
	rc = 0;
 fail:
	OPENSSL_cleanse(sk, sizeof(sk));
	return (rc);
}

/* The reporter-session key: seals reporter sessions; the same file on
 * every public process behind one balancer (docs/ha.md). */
static int
init_key_reporter_session(struct init_ctx *ic)
{
	init_advise(ic, INIT_F_RSESSION, "every meldpuntd --role public",
	    INIT_USER_PUBLIC, "0400");
	return (init_secret_file(ic, INIT_F_RSESSION, KEYFILE_RSESSION));
}

/* Key files that stand alone, in order; written before the database
 * transaction.  Add a key here as a function like the ones above. */
static int (*const init_file_keys[])(struct init_ctx *) = {
	init_key_receipt_lookup,
	init_key_contact_link,
	init_key_totp_seal,
	init_key_metrics_token,
	init_manifest_key,
	init_audit_keys,
	init_key_reporter_session,
	NULL
};

/* Files that exist alone, outside any transaction. */
static int
init_files(struct init_ctx *ic)
{
	struct stat	 st;
	char		 path[1024];
	PGresult	*res;
	int		 cases, i;

	if (mkdir(ic->ic_dir, 0700) == 0)
		fprintf(ic->ic_out, "created %s (mode 0700)\n", ic->ic_dir);
	else if (errno != EEXIST || stat(ic->ic_dir, &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		fprintf(ic->ic_err, "meldctl init: %s: not a directory\n",
		    ic->ic_dir);
		return (-1);
	}
	/* A new lookup key would lock every existing reporter out. */
	init_path(ic, INIT_F_LOOKUP, path, sizeof(path));
	if (keyfile_exists(path) == 0) {
		if ((res = init_query(ic, "SELECT count(*) FROM "
		    "casework.cases", 0, NULL)) == NULL)
			return (-1);
		cases = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
		if (cases > 0) {
			fprintf(ic->ic_err, "meldctl init: %s is missing but "
			    "the database holds reports; restore the key file "
			    "(a new key would invalidate every receipt)\n",
			    path);
			return (-1);
		}
	}
	for (i = 0; init_file_keys[i] != NULL; i++)
		if (init_file_keys[i](ic) == -1)
			return (-1);
	return (0);
}

/* The offline recovery key pair: every DEK and queue key is also
 * wrapped to it.  Its private file is written once, to be moved away. */
static int
init_key_recovery(struct init_ctx *ic)
{
	char		 rpriv[1024];
	int		 before = ic->ic_changes;

	init_advise(ic, INIT_F_RECOVERY, "nobody on this machine: two "
	    "offline copies, kept apart", NULL, "0400");
	init_advise(ic, INIT_F_RECOVERY_PUB, "meldctl init (public half)",
	    "root", "0644");
	if ((ic->ic_recovery = init_pair(ic, "casework.recovery_keys",
	    KEYFILE_RECOVERY, INIT_F_RECOVERY, INIT_F_RECOVERY_PUB)) == NULL ||
	    init_key_hex(ic->ic_recovery, ic->ic_recovery_id, NULL, 0) == -1)
		return (-1);
	init_path(ic, INIT_F_RECOVERY, rpriv, sizeof(rpriv));
	if (ic->ic_changes > before && keyfile_exists(rpriv) == 1)
		fprintf(ic->ic_out,
		    "\n*** WARNING: %s is the OFFLINE RECOVERY PRIVATE KEY.\n"
		    "*** It can open every report. Copy it to offline storage "
		    "(two copies,\n*** kept apart), then DELETE it from this "
		    "machine. meldctl asks for it\n*** only to add the first "
		    "member of a queue nobody holds the key of, or\n*** to "
		    "recover a queue.\n\n", rpriv);
	return (0);
}

/* The identity key pair: contact details are sealed to it; privacy
 * officers get its private half wrapped (meldctl officer grant). */
static int
init_key_identity(struct init_ctx *ic)
{
	struct hpke_key	*idk;

	init_advise(ic, INIT_F_IDENTITY, "meldctl officer grant (as root); "
	    "then offline", "root", "0400");
	init_advise(ic, INIT_F_IDENTITY_PUB, "meldctl init (public half)",
	    "root", "0644");
	if ((idk = init_pair(ic, "identity.keys", KEYFILE_IDENTITY,
	    INIT_F_IDENTITY, INIT_F_IDENTITY_PUB)) == NULL)
		return (-1);
	hpke_key_free(idk);
	return (0);
}

/* Key pairs whose public half the database holds, in order, inside the
 * transaction (the recovery key first: queue keys are wrapped to it). */
static int (*const init_db_keys[])(struct init_ctx *) = {
	init_key_recovery,
	init_key_identity,
	NULL
};

static int
init_db(struct init_ctx *ic)
{
	int	i;

	for (i = 0; init_db_keys[i] != NULL; i++)
		if (init_db_keys[i](ic) == -1)
			return (-1);
	if (init_queues(ic) == -1 || init_rules(ic) == -1)
		return (-1);
	return (0);
}

/*
 * The first retention epoch (issue 11): DIR/epoch/epoch-1.key and its
 * public half in the database, in a transaction of its own after the
 * rest (admin/epoch.c writes the file before that commit).
 */
static int
init_epoch(struct init_ctx *ic)
{
	char	 dir[1024];
	int	 rc;

	init_advise(ic, EPOCH_DIR_NAME "/", "meldpuntd --role staff "
	    "(epoch_key_dir); meldctl epoch rotate", INIT_USER_STAFF,
	    "0700 (files 0400)");
	init_path(ic, EPOCH_DIR_NAME, dir, sizeof(dir));
	if ((rc = epoch_ensure(ic->ic_conn, dir, ic->ic_out)) == -1) {
		fprintf(ic->ic_err, "meldctl init: cannot create the first "
		    "retention epoch\n");
		return (-1);
	}
	ic->ic_changes += rc;
	return (0);
}

/* Who must own which file: init cannot know the system users, so it
 * says what to run (deploy/README.md, "Keys"). */
static void
init_print_advice(const struct init_ctx *ic)
{
	const struct init_advice	*a;
	int				 i;

	fprintf(ic->ic_out, "\nkey files in %s -- owner and mode to set:\n"
	    "  %-20s chmod 0711  (each process reaches only its own files)\n",
	    ic->ic_dir, "(the directory)");
	for (i = 0; i < ic->ic_nadvice; i++) {
		a = &ic->ic_advice[i];
		if (a->ia_owner == NULL)
			fprintf(ic->ic_out, "  %-20s move OFF this machine (%s)\n",
			    a->ia_file, a->ia_reader);
		else
			fprintf(ic->ic_out, "  %-20s chown %s; chmod %s  "
			    "(read by %s)\n", a->ia_file, a->ia_owner,
			    a->ia_mode, a->ia_reader);
	}
	fprintf(ic->ic_out, "  then run `meldctl doctor --keys %s` to check "
	    "them\n", ic->ic_dir);
}

int
init_run(PGconn *conn, const char *dir, FILE *out, FILE *err,
    struct init_result *res)
{
	struct init_ctx	 ic;
	PGresult	*r;
	int		 rc = EX_SOFTWARE;

	memset(&ic, 0, sizeof(ic));
	ic.ic_conn = conn;
	ic.ic_dir = dir;
	ic.ic_out = out;
	ic.ic_err = err;
	if (init_files(&ic) == -1)
		return (EX_CANTCREAT);
	if (adb_exec(conn, "BEGIN", NULL) == -1)
		return (EX_UNAVAILABLE);
	if (init_db(&ic) == -1) {
		(void)adb_exec(conn, "ROLLBACK", NULL);
		goto done;
	}
	if (ic.ic_changes > 0 && (r = init_query(&ic, "SELECT "
	    "audit.admin_event('meldctl', 'system.init', '', '{}'::jsonb)", 0,
	    NULL)) != NULL)
		PQclear(r);
	if (adb_exec(conn, "COMMIT", NULL) == -1) {
		fprintf(err, "meldctl init: commit failed\n");
		goto done;
	}
	if (init_epoch(&ic) == -1)
		goto done;
	if (ic.ic_changes == 0)
		fprintf(out, "meldctl init: nothing to do: keys, queues and "
		    "routing rules are already in place\n");
	else
		fprintf(out, "meldctl init: done (%d changes)\n",
		    ic.ic_changes);
	init_print_advice(&ic);
	rc = 0;
 done:
	if (res != NULL)
		res->ir_changes = ic.ic_changes;
	hpke_key_free(ic.ic_recovery);
	return (rc);
}

int
init_command(struct meldctl_opts *o, int argc, char **argv)
{
	const char	*dir = INIT_KEYS_DIR;
	PGconn		*conn;
	int		 i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strncmp(argv[i], "--keys=", 7) == 0)
			dir = argv[i] + 7;
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			printf("usage: meldctl [-d CONNINFO] init [--keys DIR]\n");
			return (EX_OK);
		} else {
			fprintf(stderr, "usage: meldctl [-d CONNINFO] init "
			    "[--keys DIR]\n");
			return (EX_USAGE);
		}
	}
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	rc = init_run(conn, dir, stdout, stderr, NULL);
	PQfinish(conn);
	return (rc);
}
