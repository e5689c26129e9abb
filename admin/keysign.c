/*
 * `meldctl keys sign --signing-key FILE`: sign the key manifest (docs/
 * crypto.md §10).  Reads every public key a client may be told to seal
 * to (casework.manifest_keys(): what intake.forms_keys() serves, per
 * category), writes them into the canonical manifest text with the next
 * version, signs it with the offline manifest-signing key the operator
 * brings back, checks the signature, and stores text and signature in
 * casework.key_manifests with an audit event, in one transaction.  The
 * signing key exists in the clear only inside this process and is wiped
 * after the one signature.  Run it after `meldctl init`, after every key
 * rotation and after any change of queues or routing rules that changes
 * which keys a category seals to; the public process refuses to serve
 * keys the newest manifest does not cover.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/crypto.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/staffadm.h"
#include "crypto/keyfile.h"
#include "crypto/manifest.h"
#include "crypto/secret.h"

#define KEYSIGN_DAYS_DEFAULT	365
#define KEYSIGN_DAYS_MAX	3660

struct keysign_opts {
	const char	*ko_key;	/* --signing-key */
	long		 ko_days;	/* --valid-days */
};

static int
keysign_args(int argc, char **argv, struct keysign_opts *ko)
{
	char	*end;
	int	 i;

	ko->ko_key = NULL;
	ko->ko_days = KEYSIGN_DAYS_DEFAULT;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--signing-key") == 0 && i + 1 < argc)
			ko->ko_key = argv[++i];
		else if (strcmp(argv[i], "--valid-days") == 0 && i + 1 < argc) {
			ko->ko_days = strtol(argv[++i], &end, 10);
			if (*end != '\0' || ko->ko_days < 1 ||
			    ko->ko_days > KEYSIGN_DAYS_MAX) {
				fprintf(stderr, "meldctl: --valid-days: 1 to "
				    "%d\n", KEYSIGN_DAYS_MAX);
				return (-1);
			}
		} else
			return (-1);
	}
	if (ko->ko_key == NULL) {
		fprintf(stderr, "meldctl: --signing-key FILE is required\n");
		return (-1);
	}
	return (0);
}

/* One row of casework.manifest_keys() into k. */
static int
keysign_row(const PGresult *res, int row, struct manifest_key *k)
{
	unsigned char	*pub;
	size_t		 len;

	memset(k, 0, sizeof(*k));
	snprintf(k->mk_purpose, sizeof(k->mk_purpose), "%s",
	    PQgetvalue(res, row, 0));
	snprintf(k->mk_category, sizeof(k->mk_category), "%s",
	    PQgetvalue(res, row, 1));
	snprintf(k->mk_id, sizeof(k->mk_id), "%s", PQgetvalue(res, row, 2));
	k->mk_kem = (uint16_t)atoi(PQgetvalue(res, row, 3));
	k->mk_kdf = (uint16_t)atoi(PQgetvalue(res, row, 4));
	k->mk_aead = (uint16_t)atoi(PQgetvalue(res, row, 5));
	snprintf(k->mk_from, sizeof(k->mk_from), "%s", PQgetvalue(res, row, 7));
	if ((pub = keys_bytea(PQgetvalue(res, row, 6), &len)) == NULL)
		return (-1);
	if (len > sizeof(k->mk_pub)) {
		free(pub);
		return (-1);
	}
	memcpy(k->mk_pub, pub, len);
	k->mk_publen = len;
	free(pub);
	return (0);
}

/* The manifest of the database's current keys, version next. */
static struct manifest *
keysign_collect(PGconn *conn, const uint8_t pk[MANIFEST_PK_LEN], long days)
{
	struct manifest	*m;
	PGresult	*res = NULL;
	int		 i, n;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (NULL);
	res = keys_exec(conn, "SELECT COALESCE(max(version), 0) + 1 FROM "
	    "casework.key_manifests", 0, NULL);
	if (!keys_ok(res) || PQntuples(res) != 1)
		goto fail;
	m->m_version = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	res = keys_exec(conn, "SELECT purpose, category, key_id, kem_id, "
	    "kdf_id, aead_id, public_key, created_on FROM "
	    "casework.manifest_keys()", 0, NULL);
	if (!keys_ok(res))
		goto fail;
	if ((n = PQntuples(res)) == 0 || n > MANIFEST_MAX_KEYS) {
		fprintf(stderr, "meldctl: %d keys to sign (run meldctl init "
		    "first)\n", n);
		goto fail;
	}
	if ((m->m_keys = calloc((size_t)n, sizeof(*m->m_keys))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if (keysign_row(res, i, &m->m_keys[m->m_nkeys++]) == -1)
			goto fail;
	PQclear(res);
	m->m_signed = time(NULL);
	m->m_expires = m->m_signed + (time_t)days * 86400;
	if (manifest_signer_id(pk, m->m_signer) == -1) {
		manifest_free(m);
		return (NULL);
	}
	return (m);
 fail:
	if (res != NULL && !keys_ok(res))
		fprintf(stderr, "meldctl: reading the keys failed (sqlstate "
		    "%s)\n", adb_sqlstate(res));
	PQclear(res);
	manifest_free(m);
	return (NULL);
}

/* Store text and signature with an audit event; 0 or -1. */
static int
keysign_store(PGconn *conn, const struct manifest *m, const char *text,
    const uint8_t sig[MANIFEST_SIG_LEN])
{
	char		 ver[32], obj[48], *sighex;
	const char	*p[3];
	int		 rc;

	if ((sighex = keys_hexlit(sig, MANIFEST_SIG_LEN)) == NULL)
		return (-1);
	snprintf(ver, sizeof(ver), "%llu", (unsigned long long)m->m_version);
	p[0] = ver;
	p[1] = text;
	p[2] = sighex;
	rc = keys_store(conn, "the manifest", "INSERT INTO "
	    "casework.key_manifests (version, body, signature) VALUES "
	    "($1::bigint, $2, $3::bytea)", 3, p);
	free(sighex);
	snprintf(obj, sizeof(obj), "manifest:%s", ver);
	if (rc == -1 || keys_audit(conn, "keys.manifest_sign", obj) == -1)
		return (-1);
	return (0);
}

static void
keysign_summary(const struct manifest *m)
{
	char	 exp[21];
	size_t	 i, q = 0;

	for (i = 0; i < m->m_nkeys; i++)
		if (strcmp(m->m_keys[i].mk_purpose, "queue") == 0)
			q++;
	manifest_time(m->m_expires, exp);
	printf("key manifest version %llu signed by %s: %zu keys (%zu queue "
	    "keys by category, recovery, identity), expires %s\n",
	    (unsigned long long)m->m_version, m->m_signer, m->m_nkeys, q,
	    exp);
}

int
keysign_cmd(struct meldctl_opts *o, int argc, char **argv)
{
	struct keysign_opts	 ko;
	struct secret		*sk = NULL;
	struct manifest		*m = NULL;
	PGconn			*conn = NULL;
	uint8_t			 pk[MANIFEST_PK_LEN], sig[MANIFEST_SIG_LEN];
	char			 err[256], *text = NULL;
	int			 rc = EX_SOFTWARE;

	if (keysign_args(argc, argv, &ko) == -1) {
		fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n",
		    keys_usage);
		return (EX_USAGE);
	}
	if ((sk = keyfile_read(ko.ko_key, KEYFILE_MANIFEST_SIGNING,
	    KEYFILE_PRIVATE, MANIFEST_SK_LEN, 1, err, sizeof(err))) == NULL) {
		fprintf(stderr, "meldctl: %s\n", err);
		return (EX_NOINPUT);
	}
	if (manifest_public(sk->s_buf, pk) == -1) {
		fprintf(stderr, "meldctl: %s: not a P-256 private key\n",
		    ko.ko_key);
		rc = EX_DATAERR;
		goto done;
	}
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL) {
		rc = EX_UNAVAILABLE;
		goto done;
	}
	if (adb_exec(conn, "BEGIN", NULL) == -1 ||
	    (m = keysign_collect(conn, pk, ko.ko_days)) == NULL ||
	    (text = manifest_text(m)) == NULL)
		goto done;
	/* Check what clients will check before anything is stored. */
	if (manifest_sign(sk->s_buf, text, strlen(text), sig) == -1 ||
	    manifest_verify(pk, text, strlen(text), sig) == -1) {
		fprintf(stderr, "meldctl: signing failed\n");
		goto done;
	}
	if (keysign_store(conn, m, text, sig) == -1 ||
	    adb_exec(conn, "COMMIT", NULL) == -1)
		goto done;
	keysign_summary(m);
	rc = EX_OK;
 done:
	secret_free(sk);
	OPENSSL_cleanse(sig, sizeof(sig));
	free(text);
	manifest_free(m);
	PQfinish(conn);
	return (rc);
}
