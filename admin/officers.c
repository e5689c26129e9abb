/*
 * `meldctl officer grant USER --identity-key FILE --contact-link-key FILE`
 * and `meldctl officer revoke USER`:
 * give a privacy officer what she needs to read the contact details of an
 * approved identity-disclosure request (DESIGN.md section 4, "Identity
 * vault"): the identity private key and the contact-link key, each
 * HPKE-wrapped to her public key (docs/crypto.md section 9) and stored in
 * identity.officer_wraps.  Her staff session unwraps them at login into
 * locked memory.  A new grant replaces the officer's wraps.  The key
 * files are read, used and wiped; nothing of them is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/staffadm.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"

const char officers_usage[] = "officer grant|revoke USER [--identity-key FILE "
    "--contact-link-key FILE]";
const char officers_help[] =
    "  officer grant USER --identity-key FILE --contact-link-key FILE\n"
    "      Wrap the identity private key and the contact-link key to the\n"
    "      public key of USER (kind officer), so that her staff session\n"
    "      can read the contact details of approved disclosure requests.\n"
    "      Replaces earlier wraps.  Audited as officer.grant.\n"
    "  officer revoke USER\n"
    "      Delete USER's identity and contact-link wraps: her next login\n"
    "      opens no contact details.  A session she has open keeps the\n"
    "      keys until it ends; `meldctl user disable USER` ends it at once.\n"
    "      Audited as officer.revoke.\n"
    "Exit codes: 0, 64 usage, 65 no such officer or key not in the\n"
    "database, 69 database unreachable, 70 internal error, 78 key file.\n";

static int
usage(void)
{
	fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n%s", officers_usage,
	    officers_help);
	return (EX_USAGE);
}

/* Store one wrap of key32 for user uid. */
static int
store_wrap(PGconn *conn, const char *uid, const char *purpose,
    const char *ikid_hex, const struct hpke_key *pk, int link,
    const unsigned char ikid[16], const unsigned char okid[16],
    const unsigned char *key32)
{
	unsigned char	 enc[HPKE_MAX_ENC], wrapped[STAFFCRED_WRAPPED_LEN];
	size_t		 enclen;
	char		*e = NULL, *w = NULL;
	const char	*p[5];
	int		 rc = -1;

	if (staffcred_wrap_officer_key(pk, link, ikid, okid, key32, enc,
	    &enclen, wrapped) == -1 || (e = keys_hexlit(enc, enclen)) == NULL ||
	    (w = keys_hexlit(wrapped, sizeof(wrapped))) == NULL) {
		fprintf(stderr, "meldctl: wrapping failed\n");
		goto done;
	}
	p[0] = uid;
	p[1] = purpose;
	p[2] = ikid_hex;
	p[3] = e;
	p[4] = w;
	rc = keys_store(conn, "a wrap", "INSERT INTO identity.officer_wraps "
	    "(user_id, purpose, key_id, enc, wrapped) VALUES ($1::integer, $2, "
	    "$3, $4::bytea, $5::bytea)", 5, p);
 done:
	free(e);
	free(w);
	return (rc);
}

static int
grant(PGconn *conn, const char *user, const char *idpath,
    const char *linkpath)
{
	struct secret	*idk = NULL, *lk = NULL;
	struct hpke_key	*isk = NULL, *opk = NULL;
	unsigned char	 ikid[16], okid[16], *pub = NULL;
	char		 ikid_hex[33], uid[16], err[256], obj[160];
	const char	*p[1];
	PGresult	*res = NULL;
	size_t		 publen = 0;
	int		 rc = EX_SOFTWARE, ok;

	if ((idk = keyfile_read(idpath, KEYFILE_IDENTITY, KEYFILE_PRIVATE,
	    HPKE_PRIV_LEN, 1, err, sizeof(err))) == NULL ||
	    (lk = keyfile_read(linkpath, KEYFILE_CONTACT_LINK, KEYFILE_SECRET,
	    32, 1, err, sizeof(err))) == NULL) {
		fprintf(stderr, "meldctl: %s\n", err);
		rc = EX_CONFIG;
		goto done;
	}
	if ((isk = hpke_key_from_private(HPKE_KEM_P256_SHA256, idk->s_buf,
	    idk->s_len)) == NULL || staffcred_key_id(isk, ikid) == -1) {
		fprintf(stderr, "meldctl: the identity key is not usable\n");
		rc = EX_CONFIG;
		goto done;
	}
	secret_hex_encode(ikid, sizeof(ikid), ikid_hex);
	p[0] = ikid_hex;
	res = keys_exec(conn, "SELECT 1 FROM identity.keys WHERE key_id = $1",
	    1, p);
	ok = keys_ok(res) && PQntuples(res) == 1;
	PQclear(res);
	res = NULL;
	if (!ok) {
		fprintf(stderr, "meldctl: this identity key is not in the "
		    "database\n");
		rc = EX_DATAERR;
		goto done;
	}
	p[0] = user;
	res = keys_exec(conn, "SELECT id, public_key FROM casework.users "
	    "WHERE username = $1 AND kind = 'officer' AND public_key IS NOT "
	    "NULL", 1, p);
	if (!keys_ok(res) || PQntuples(res) != 1) {
		fprintf(stderr, "meldctl: no such officer\n");
		rc = EX_DATAERR;
		goto done;
	}
	snprintf(uid, sizeof(uid), "%s", PQgetvalue(res, 0, 0));
	if ((pub = keys_bytea(PQgetvalue(res, 0, 1), &publen)) == NULL ||
	    (opk = hpke_key_from_public(HPKE_KEM_P256_SHA256, pub,
	    publen)) == NULL || staffcred_key_id(opk, okid) == -1) {
		fprintf(stderr, "meldctl: the officer has no usable public "
		    "key\n");
		rc = EX_DATAERR;
		goto done;
	}
	PQclear(res);
	res = NULL;
	if (adb_exec(conn, "BEGIN", NULL) == -1)
		goto done;
	p[0] = uid;
	res = keys_exec(conn, "DELETE FROM identity.officer_wraps WHERE "
	    "user_id = $1::integer", 1, p);
	ok = keys_ok(res);
	PQclear(res);
	res = NULL;
	snprintf(obj, sizeof(obj), "user:%s", user);
	if (!ok || store_wrap(conn, uid, "identity", ikid_hex, opk, 0, ikid,
	    okid, idk->s_buf) == -1 || store_wrap(conn, uid, "contact_link",
	    ikid_hex, opk, 1, ikid, okid, lk->s_buf) == -1 ||
	    keys_audit(conn, "officer.grant", obj) == -1 ||
	    adb_exec(conn, "COMMIT", NULL) == -1)
		goto done;
	printf("officer %s: identity and contact-link keys granted\n", user);
	rc = EX_OK;
 done:
	PQclear(res);
	free(pub);
	hpke_key_free(isk);
	hpke_key_free(opk);
	secret_free(idk);
	secret_free(lk);
	return (rc);
}

/* Delete the officer's wraps; EX_DATAERR when she had none. */
static int
revoke(PGconn *conn, const char *user)
{
	const char	*p[1] = { user };
	char		 obj[160];
	PGresult	*res;
	int		 n;

	if (adb_exec(conn, "BEGIN", NULL) == -1)
		return (EX_SOFTWARE);
	res = keys_exec(conn, "DELETE FROM identity.officer_wraps w USING "
	    "casework.users u WHERE u.id = w.user_id AND u.username = $1", 1,
	    p);
	if (!keys_ok(res)) {
		fprintf(stderr, "meldctl: revoking failed (sqlstate %s)\n",
		    adb_sqlstate(res));
		PQclear(res);
		return (EX_SOFTWARE);
	}
	n = atoi(PQcmdTuples(res));
	PQclear(res);
	if (n == 0) {
		fprintf(stderr, "meldctl: %s holds no officer keys\n", user);
		return (EX_DATAERR);
	}
	snprintf(obj, sizeof(obj), "user:%s", user);
	if (keys_audit(conn, "officer.revoke", obj) == -1 ||
	    adb_exec(conn, "COMMIT", NULL) == -1)
		return (EX_SOFTWARE);
	printf("officer %s: identity and contact-link keys revoked (an open "
	    "session keeps them until it ends: `meldctl user disable %s` "
	    "ends it now)\n", user, user);
	return (EX_OK);
}

int
officers_cmd(struct meldctl_opts *o, int argc, char **argv)
{
	const char	*user = NULL, *idpath = NULL, *linkpath = NULL;
	PGconn		*conn;
	int		 i, rc;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		printf("usage: meldctl [-d CONNINFO] %s\n%s", officers_usage,
		    officers_help);
		return (EX_OK);
	}
	if (argc == 3 && strcmp(argv[1], "revoke") == 0) {
		if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
			return (EX_UNAVAILABLE);
		rc = revoke(conn, argv[2]);
		if (rc != EX_OK)
			(void)adb_exec(conn, "ROLLBACK", NULL);
		PQfinish(conn);
		return (rc);
	}
	if (argc < 3 || strcmp(argv[1], "grant") != 0)
		return (usage());
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--identity-key") == 0 && i + 1 < argc)
			idpath = argv[++i];
		else if (strcmp(argv[i], "--contact-link-key") == 0 &&
		    i + 1 < argc)
			linkpath = argv[++i];
		else if (argv[i][0] == '-' || user != NULL)
			return (usage());
		else
			user = argv[i];
	}
	if (user == NULL || idpath == NULL || linkpath == NULL)
		return (usage());
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	rc = grant(conn, user, idpath, linkpath);
	if (rc != EX_OK)
		(void)adb_exec(conn, "ROLLBACK", NULL);
	PQfinish(conn);
	return (rc);
}
