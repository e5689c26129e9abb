/*
 * `meldctl user add|list|disable|reset-password|reset-totp`.
 *
 * A user row holds no password hash in the usual sense: meldctl computes
 * A = Argon2id(password, pw_salt) and stores SHA-256 of the proof derived
 * from A, and the new HPKE private key sealed under the key-sealing key
 * derived from A (crypto/staffcred.h, docs/schema.md "Staff login").  The
 * TOTP secret is sealed under the totp-seal key file, which only the
 * staff process and meldctl read.  The password (when generated) and the
 * TOTP secret are printed once, on stdout, for the administrator to hand
 * over; nothing else ever shows them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/qr.h"
#include "admin/staffadm.h"
#include "admin/vocab.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "crypto/totp.h"

#define PW_GEN_LEN	24
#define PW_MAX		1024

const char users_usage[] =
    "user add|list|disable|reset-password|reset-totp [OPTIONS] [NAME]";
const char users_help[] =
    "  user add [--kind handler|officer|researcher|admin] [--password-stdin]\n"
    "           [--qr] [--no-forced-change] --totp-seal-key FILE\n"
    "           [--argon2 M,T,P] NAME\n"
    "      Create a staff account with a new key pair and TOTP secret.\n"
    "      At her first sign-in the user must choose a new password and\n"
    "      enrol a new TOTP secret before anything else answers (both\n"
    "      went through the administrator's hands); --no-forced-change\n"
    "      leaves them as they are (automation and tests, not people).\n"
    "      Prints the password (when generated), the TOTP secret and the\n"
    "      otpauth:// URI once, and the URI as a QR code on a terminal\n"
    "      (--qr: also when stdout is not one).  Argon2id defaults:\n"
    "      19456,2,1 (KiB, passes, lanes); M must be at least 8192 and P\n"
    "      must be 1 (libsodium's Argon2id, the fast path, computes one\n"
    "      lane only).\n"
    "  user list\n"
    "  user disable NAME          ends every session of NAME at once\n"
    "  user reset-password [--password-stdin] [--argon2 M,T,P]\n"
    "           [--recovery-key FILE] [--no-forced-change] NAME\n"
    "      New password and new key pair (the old private key cannot be\n"
    "      opened without the old password).  With --recovery-key the\n"
    "      queue keys of NAME's queues are wrapped to the new key at once;\n"
    "      without it NAME's key wraps are removed and her memberships are\n"
    "      pending until a colleague in each queue signs in.\n"
    "  user reset-totp --totp-seal-key FILE [--qr] [--no-forced-change]\n"
    "           NAME\n"
    "      New TOTP secret; prints it, the otpauth:// URI and its QR code\n"
    "      once.  Both resets make the change due again at the next\n"
    "      sign-in, unless --no-forced-change.\n"
    "Exit codes: 0, 64 usage, 65 bad data (no such user...), 69 database\n"
    "unreachable, 70 internal error, 73 cannot create, 78 key file.\n";

struct uopts {
	const char		*u_kind;
	const char		*u_seal;
	const char		*u_recovery;
	int			 u_stdin;
	int			 u_qr;		/* QR code also off a tty */
	int			 u_keep;	/* --no-forced-change */
	struct secret_kdf	 u_kdf;
	const char		*u_name;
};

static int
usage(void)
{
	fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n%s", users_usage,
	    users_help);
	return (EX_USAGE);
}

static int
name_ok(const char *u)
{
	size_t	i, n = strlen(u);

	if (n == 0 || n > STAFFCRED_USER_MAX)
		return (0);
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)u[i]) ||
		    isdigit((unsigned char)u[i]) || (i > 0 && (u[i] == '.' ||
		    u[i] == '_' || u[i] == '-'))))
			return (0);
	return (1);
}

/* "M,T,P" into k; -1 when it is not three numbers. */
static int
parse_argon2(const char *s, struct secret_kdf *k)
{
	char	*end;

	k->k_m_kib = (uint32_t)strtoul(s, &end, 10);
	if (*end++ != ',')
		return (-1);
	k->k_t = (uint32_t)strtoul(end, &end, 10);
	if (*end++ != ',')
		return (-1);
	k->k_p = (uint32_t)strtoul(end, &end, 10);
	return (*end == '\0' ? 0 : -1);
}

static int
parse_opts(int argc, char **argv, struct uopts *u)
{
	static const char *const user_kinds[] = { "handler", "officer",
	    "researcher", "admin" };
	static const char *const user_options[] = { "--kind",
	    "--totp-seal-key", "--recovery-key", "--password-stdin",
	    "--argon2", "--qr", "--no-forced-change" };
	int		 i;
	char		 err[256];
	const char	*why;

	memset(u, 0, sizeof(*u));
	u->u_kind = "handler";
	secret_kdf_default(&u->u_kdf);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
			u->u_kind = argv[++i];
		else if (strcmp(argv[i], "--totp-seal-key") == 0 && i + 1 < argc)
			u->u_seal = argv[++i];
		else if (strcmp(argv[i], "--recovery-key") == 0 && i + 1 < argc)
			u->u_recovery = argv[++i];
		else if (strcmp(argv[i], "--password-stdin") == 0)
			u->u_stdin = 1;
		else if (strcmp(argv[i], "--qr") == 0)
			u->u_qr = 1;
		else if (strcmp(argv[i], "--no-forced-change") == 0)
			u->u_keep = 1;
		else if (strcmp(argv[i], "--argon2") == 0 && i + 1 < argc) {
			i++;
			if (parse_argon2(argv[i], &u->u_kdf) == -1) {
				fprintf(stderr, "meldctl: --argon2: expected "
				    "M,T,P (KiB, passes, lanes), e.g. "
				    "19456,2,1\n");
				return (-1);
			}
			if ((why = secret_kdf_config_error(&u->u_kdf)) !=
			    NULL) {
				fprintf(stderr, "meldctl: --argon2: %s\n", why);
				return (-1);
			}
		} else if (argv[i][0] == '-') {
			/* A misspelt or argument-less option, named. */
			if (vocab_check_choice("option", argv[i], user_options,
			    sizeof(user_options) / sizeof(user_options[0]), err,
			    sizeof(err)) == -1)
				fprintf(stderr, "meldctl: %s\n", err);
			else
				fprintf(stderr, "meldctl: %s needs a value\n",
				    argv[i]);
			return (-1);
		} else if (u->u_name != NULL) {
			fprintf(stderr, "meldctl: one user name only (\"%s\", "
			    "\"%s\")\n", u->u_name, argv[i]);
			return (-1);
		} else
			u->u_name = argv[i];
	}
	if (vocab_check_choice("--kind", u->u_kind, user_kinds,
	    sizeof(user_kinds) / sizeof(user_kinds[0]), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "meldctl: %s\n", err);
		return (-1);
	}
	if (u->u_name != NULL && !name_ok(u->u_name)) {
		fprintf(stderr, "meldctl: user names are 1-64 of [a-z0-9._-], "
		    "starting with a letter or digit\n");
		return (-1);
	}
	return (0);
}

/* The password from stdin (one line) or generated; *gen set if so. */
static char *
get_password(int from_stdin, int *gen)
{
	static const char	 alpha[] = "abcdefghijkmnpqrstuvwxyz23456789";
	unsigned char		 r[PW_GEN_LEN];
	char			*pw;
	size_t			 i, n;

	if ((pw = calloc(1, PW_MAX + 2)) == NULL)
		return (NULL);
	*gen = !from_stdin;
	if (from_stdin) {
		if (fgets(pw, PW_MAX + 2, stdin) == NULL)
			goto fail;
		n = strcspn(pw, "\r\n");
		pw[n] = '\0';
		if (n == 0 || n > PW_MAX)
			goto fail;
		return (pw);
	}
	if (secret_random(r, sizeof(r)) == -1)
		goto fail;
	for (i = 0; i < sizeof(r); i++)
		pw[i] = alpha[r[i] % 32];
	OPENSSL_cleanse(r, sizeof(r));
	return (pw);
 fail:
	fprintf(stderr, "meldctl: no password on stdin (1-1024 bytes)\n");
	OPENSSL_clear_free(pw, PW_MAX + 2);
	return (NULL);
}

/* Credentials of a user row: hex literals for text parameters. */
struct creds {
	char	*c_salt, *c_verifier, *c_pub, *c_sealed;
};

static void
creds_clear(struct creds *c)
{
	free(c->c_salt);
	free(c->c_verifier);
	free(c->c_pub);
	free(c->c_sealed);
	memset(c, 0, sizeof(*c));
}

/* Derive from the password and make a new key pair sealed under it. */
static int
creds_make(const struct uopts *u, const char *pw, struct creds *c)
{
	unsigned char	 salt[STAFFCRED_SALT_LEN], proof[32], kek[32];
	unsigned char	 ver[32], sk[HPKE_PRIV_LEN], pub[HPKE_MAX_PUB];
	unsigned char	*sealed = NULL;
	size_t		 sklen = sizeof(sk), publen = sizeof(pub), sealedlen;
	struct hpke_key	*key = NULL;
	int		 rc = -1;

	memset(c, 0, sizeof(*c));
	if (secret_random(salt, sizeof(salt)) == -1 ||
	    staffcred_derive(&u->u_kdf, pw, strlen(pw), salt, sizeof(salt),
	    proof, kek) == -1)
		goto done;
	SHA256(proof, sizeof(proof), ver);
	if ((key = hpke_key_new(HPKE_KEM_P256_SHA256)) == NULL ||
	    hpke_key_private(key, sk, &sklen) == -1 ||
	    hpke_key_public(key, pub, &publen) == -1 ||
	    staffcred_seal(kek, "key", u->u_name, sk, sklen, &sealed,
	    &sealedlen) == -1)
		goto done;
	if ((c->c_salt = keys_hexlit(salt, sizeof(salt))) == NULL ||
	    (c->c_verifier = keys_hexlit(ver, sizeof(ver))) == NULL ||
	    (c->c_pub = keys_hexlit(pub, publen)) == NULL ||
	    (c->c_sealed = keys_hexlit(sealed, sealedlen)) == NULL)
		goto done;
	rc = 0;
 done:
	OPENSSL_cleanse(proof, sizeof(proof));
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(sk, sizeof(sk));
	free(sealed);
	hpke_key_free(key);
	if (rc == -1)
		creds_clear(c);
	return (rc);
}

/* A new TOTP secret, sealed (hex literal) and in base32 for the user. */
static int
totp_make(const char *seal_path, const char *name, char **sealed_hex,
    char b32[TOTP_B32_LEN(TOTP_SECRET_LEN) + 1], char **uri)
{
	struct secret	*seal;
	unsigned char	 sec[TOTP_SECRET_LEN], *sealed = NULL;
	size_t		 sealedlen;
	char		 err[256];
	int		 rc = -1;

	*sealed_hex = *uri = NULL;
	if (seal_path == NULL) {
		fprintf(stderr, "meldctl: --totp-seal-key FILE is required\n");
		return (-1);
	}
	if ((seal = keyfile_read(seal_path, KEYFILE_TOTP_SEAL, KEYFILE_SECRET,
	    STAFFCRED_SEAL_KEY_LEN, 1, err, sizeof(err))) == NULL) {
		fprintf(stderr, "meldctl: %s\n", err);
		return (-1);
	}
	if (totp_secret_new(sec, sizeof(sec)) == -1 ||
	    staffcred_seal(seal->s_buf, "totp", name, sec, sizeof(sec),
	    &sealed, &sealedlen) == -1 ||
	    totp_base32_encode(sec, sizeof(sec), b32,
	    TOTP_B32_LEN(TOTP_SECRET_LEN) + 1) == -1 ||
	    (*uri = totp_uri("meldpunt", name, sec, sizeof(sec))) == NULL ||
	    (*sealed_hex = keys_hexlit(sealed, sealedlen)) == NULL)
		goto done;
	rc = 0;
 done:
	OPENSSL_cleanse(sec, sizeof(sec));
	free(sealed);
	secret_free(seal);
	return (rc);
}

/* The enrolment, once; the QR code on a terminal or with --qr. */
static void
print_totp(const char *b32, const char *uri, int qr)
{
	printf("totp-secret: %s\notpauth: %s\n", b32, uri);
	if (qr || isatty(STDOUT_FILENO)) {
		fflush(stdout);
		if (qr_print(stdout, uri) == -1)
			fprintf(stderr, "meldctl: the QR code could not be "
			    "drawn; use the secret or the URI\n");
	}
	printf("(shown once: scan the code, or enter the secret or the URI, in "
	    "an authenticator app)\n");
}

static int
user_add(PGconn *conn, struct uopts *u)
{
	struct creds	 c;
	char		*pw = NULL, *tsealed = NULL, *uri = NULL;
	char		 b32[TOTP_B32_LEN(TOTP_SECRET_LEN) + 1], m[16], t[16],
			 pp[16], obj[80];
	const char	*p[11];
	PGresult	*res;
	int		 gen, rc = EX_SOFTWARE;

	memset(&c, 0, sizeof(c));
	if ((pw = get_password(u->u_stdin, &gen)) == NULL)
		return (EX_DATAERR);
	if (totp_make(u->u_seal, u->u_name, &tsealed, b32, &uri) == -1) {
		rc = EX_CONFIG;
		goto done;
	}
	if (creds_make(u, pw, &c) == -1)
		goto done;
	snprintf(m, sizeof(m), "%u", u->u_kdf.k_m_kib);
	snprintf(t, sizeof(t), "%u", u->u_kdf.k_t);
	snprintf(pp, sizeof(pp), "%u", u->u_kdf.k_p);
	p[0] = u->u_name;
	p[1] = u->u_kind;
	p[2] = c.c_salt;
	p[3] = m;
	p[4] = t;
	p[5] = pp;
	p[6] = c.c_verifier;
	p[7] = c.c_pub;
	p[8] = c.c_sealed;
	p[9] = tsealed;
	/* Both went through the administrator's hands (schema 0251). */
	p[10] = u->u_keep ? "false" : "true";
	res = keys_exec(conn, "INSERT INTO casework.users (username, kind, "
	    "pw_salt, pw_m_kib, pw_t, pw_p, pw_verifier, kem_id, public_key, "
	    "sealed_private_key, totp_secret, pw_change_due, totp_enrol_due) "
	    "VALUES ($1, $2, $3::bytea, $4::integer, $5::integer, $6::integer, "
	    "$7::bytea, 16, $8::bytea, $9::bytea, $10::bytea, $11::boolean, "
	    "$11::boolean)", 11, p);
	if (!keys_ok(res)) {
		rc = strcmp(adb_sqlstate(res), "23505") == 0 ? EX_CANTCREAT :
		    EX_SOFTWARE;
		fprintf(stderr, "meldctl: cannot create the user%s "
		    "(sqlstate %s)\n", rc == EX_CANTCREAT ? ": it exists" : "",
		    adb_sqlstate(res));
		PQclear(res);
		goto done;
	}
	PQclear(res);
	snprintf(obj, sizeof(obj), "user:%s", u->u_name);
	if (keys_audit(conn, "user.add", obj) == -1)
		goto done;
	printf("user %s (%s) created\n", u->u_name, u->u_kind);
	if (gen)
		printf("password: %s\n", pw);
	print_totp(b32, uri, u->u_qr);
	rc = EX_OK;
 done:
	if (pw != NULL)
		OPENSSL_clear_free(pw, PW_MAX + 2);
	if (uri != NULL)
		OPENSSL_clear_free(uri, strlen(uri));
	OPENSSL_cleanse(b32, sizeof(b32));
	free(tsealed);
	creds_clear(&c);
	return (rc);
}

static int
user_list(PGconn *conn)
{
	PGresult	*res;
	int		 i;

	res = keys_exec(conn, "SELECT u.username, u.kind, u.disabled, "
	    "u.failures, coalesce((SELECT string_agg(q.name, ',' ORDER BY "
	    "q.name) FROM casework.queue_members m JOIN casework.queues q "
	    "ON q.id = m.queue_id WHERE m.user_id = u.id), '-') "
	    "FROM casework.users u ORDER BY u.username", 0, NULL);
	if (!keys_ok(res)) {
		fprintf(stderr, "meldctl: user list failed (sqlstate %s)\n",
		    adb_sqlstate(res));
		PQclear(res);
		return (EX_SOFTWARE);
	}
	printf("%-24s %-10s %-8s %-8s %s\n", "USER", "KIND", "STATUS",
	    "FAILURES", "QUEUES");
	for (i = 0; i < PQntuples(res); i++)
		printf("%-24s %-10s %-8s %-8s %s\n", PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1), strcmp(PQgetvalue(res, i, 2), "t") ==
		    0 ? "disabled" : "active", PQgetvalue(res, i, 3),
		    PQgetvalue(res, i, 4));
	PQclear(res);
	return (EX_OK);
}

/* UPDATE ... WHERE username = $1 expecting one row. */
static int
update_user(PGconn *conn, const char *sql, int n, const char *const *p,
    const char *action, const char *name)
{
	PGresult	*res;
	char		 obj[80];

	res = keys_exec(conn, sql, n, p);
	if (!keys_ok(res) || strcmp(PQcmdTuples(res), "1") != 0) {
		fprintf(stderr, "meldctl: %s (sqlstate %s)\n", keys_ok(res) ?
		    "no such user" : "update refused", adb_sqlstate(res));
		PQclear(res);
		return (EX_DATAERR);
	}
	PQclear(res);
	snprintf(obj, sizeof(obj), "user:%s", name);
	return (keys_audit(conn, action, obj) == 0 ? EX_OK : EX_SOFTWARE);
}

static int
user_reset_password(PGconn *conn, struct uopts *u)
{
	struct creds	 c;
	struct secret	*rec = NULL;
	char		*pw = NULL, m[16], t[16], pp[16];
	const char	*p[9];
	PGresult	*res;
	int		 gen, rc = EX_SOFTWARE, i;

	memset(&c, 0, sizeof(c));
	if (u->u_recovery != NULL && (rec = keys_recovery(u->u_recovery)) ==
	    NULL)
		return (EX_CONFIG);
	if ((pw = get_password(u->u_stdin, &gen)) == NULL) {
		rc = EX_DATAERR;
		goto done;
	}
	if (creds_make(u, pw, &c) == -1 || adb_exec(conn, "BEGIN", NULL) == -1)
		goto done;
	snprintf(m, sizeof(m), "%u", u->u_kdf.k_m_kib);
	snprintf(t, sizeof(t), "%u", u->u_kdf.k_t);
	snprintf(pp, sizeof(pp), "%u", u->u_kdf.k_p);
	p[0] = u->u_name;
	p[1] = c.c_salt;
	p[2] = m;
	p[3] = t;
	p[4] = pp;
	p[5] = c.c_verifier;
	p[6] = c.c_pub;
	p[7] = c.c_sealed;
	p[8] = u->u_keep ? "false" : "true";
	if ((rc = update_user(conn, "UPDATE casework.users SET pw_salt = "
	    "$2::bytea, pw_m_kib = $3::integer, pw_t = $4::integer, pw_p = "
	    "$5::integer, pw_verifier = $6::bytea, kem_id = 16, public_key = "
	    "$7::bytea, sealed_private_key = $8::bytea, failures = 0, "
	    "backoff_until = NULL, pw_change_due = $9::boolean "
	    "WHERE username = $1", 9, p,
	    "user.reset_password", u->u_name)) != EX_OK)
		goto done;
	rc = EX_SOFTWARE;
	/* Wraps to the old key are useless now. */
	res = keys_exec(conn, "DELETE FROM casework.queue_key_wraps w USING "
	    "casework.users u WHERE u.id = w.user_id AND u.username = $1", 1,
	    p);
	PQclear(res);
	if (rec != NULL) {
		res = keys_exec(conn, "SELECT m.queue_id, u.id FROM "
		    "casework.queue_members m JOIN casework.users u ON "
		    "u.id = m.user_id WHERE u.username = $1", 1, p);
		for (i = 0; keys_ok(res) && i < PQntuples(res); i++)
			if (keys_wrap_member(conn, atoi(PQgetvalue(res, i, 0)),
			    atoi(PQgetvalue(res, i, 1)), rec) == -1) {
				PQclear(res);
				goto done;
			}
		PQclear(res);
	}
	if (adb_exec(conn, "COMMIT", NULL) == -1)
		goto done;
	printf("user %s: new password and key pair%s\n", u->u_name,
	    rec != NULL ? ", queue keys re-wrapped" :
	    "; her queue keys are wrapped to it the next time a colleague in "
	    "each of her queues signs in");
	if (gen)
		printf("password: %s\n", pw);
	rc = EX_OK;
 done:
	if (pw != NULL)
		OPENSSL_clear_free(pw, PW_MAX + 2);
	secret_free(rec);
	creds_clear(&c);
	return (rc);
}

static int
user_reset_totp(PGconn *conn, struct uopts *u)
{
	char		*sealed = NULL, *uri = NULL;
	char		 b32[TOTP_B32_LEN(TOTP_SECRET_LEN) + 1];
	const char	*p[3];
	int		 rc;

	if (totp_make(u->u_seal, u->u_name, &sealed, b32, &uri) == -1)
		return (EX_CONFIG);
	p[0] = u->u_name;
	p[1] = sealed;
	p[2] = u->u_keep ? "false" : "true";
	rc = update_user(conn, "UPDATE casework.users SET totp_secret = "
	    "$2::bytea, totp_enrol_due = $3::boolean WHERE username = $1", 3,
	    p, "user.reset_totp", u->u_name);
	if (rc == EX_OK) {
		printf("user %s: new TOTP secret\n", u->u_name);
		print_totp(b32, uri, u->u_qr);
	}
	OPENSSL_cleanse(b32, sizeof(b32));
	OPENSSL_clear_free(uri, strlen(uri));
	free(sealed);
	return (rc);
}

int
users_cmd(struct meldctl_opts *o, int argc, char **argv)
{
	struct uopts	 u;
	PGconn		*conn;
	const char	*sub;
	const char	*p[1];
	int		 rc;

	if (argc < 2)
		return (usage());
	sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		printf("usage: meldctl [-d CONNINFO] %s\n%s", users_usage,
		    users_help);
		return (EX_OK);
	}
	if (parse_opts(argc, argv, &u) == -1)
		return (usage());
	if ((strcmp(sub, "list") == 0) != (u.u_name == NULL))
		return (usage());
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	if (strcmp(sub, "add") == 0)
		rc = user_add(conn, &u);
	else if (strcmp(sub, "list") == 0)
		rc = user_list(conn);
	else if (strcmp(sub, "disable") == 0) {
		p[0] = u.u_name;
		rc = update_user(conn, "UPDATE casework.users SET disabled = "
		    "true WHERE username = $1", 1, p, "user.disable", u.u_name);
		if (rc == EX_OK)
			printf("user %s disabled\n", u.u_name);
	} else if (strcmp(sub, "reset-password") == 0)
		rc = user_reset_password(conn, &u);
	else if (strcmp(sub, "reset-totp") == 0)
		rc = user_reset_totp(conn, &u);
	else
		rc = usage();
	PQfinish(conn);
	return (rc);
}
