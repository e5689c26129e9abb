/*
 * meldctl doctor (see doctor.h).  Every check prints one line: "ok",
 * "WARN" (works, but look at it) or "FAIL" (broken or unsafe), and a
 * FAIL says what to run.  Nothing is changed and no key material is
 * printed: key files are compared with the database by their key ids.
 * The owners expected are the system users of deploy/README.md
 * (meldpunt-public, meldpunt-staff) unless told otherwise.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "admin/audit.h"
#include "admin/db.h"
#include "admin/doctor.h"
#include "admin/init.h"
#include "admin/meldctl.h"
#include "admin/migrate.h"
#include "admin/retention.h"
#include "crypto/auditlog.h"
#include "crypto/casekey.h"
#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/manifest.h"
#include "crypto/secret.h"

const char doctor_usage[] = "doctor [--keys DIR] [--epoch-dir DIR] "
    "[--config FILE] [--public-user USER] [--staff-user USER]";
const char doctor_help[] =
    "Check an installation and name what is wrong; changes nothing.\n"
    "  key files in DIR (default " INIT_KEYS_DIR "): each present and\n"
    "    well-formed, not group/world-accessible, owned by the user of the\n"
    "    process that reads it; recovery.key and manifest-signing.key NOT\n"
    "    on the machine;\n"
    "    recovery.pub and identity.pub equal to the database's keys;\n"
    "    audit-chain.key the key that chained the database's newest audit\n"
    "    event, audit-checkpoint.pub the public half of\n"
    "    audit-checkpoint.key; reporter-session.key (a warning when absent)\n"
    "  epoch keys in --epoch-dir DIR (default DIR/epoch; epoch_key_dir):\n"
    "    one epoch-<n>.key per epoch not yet destroyed, private, owned by\n"
    "    the staff user, its public half the database's; none left of a\n"
    "    destroyed epoch (crypto-shredding not done)\n"
    "  database: roles mp_public, mp_staff, mp_research, mp_admin can log\n"
    "    in and are neither superuser nor BYPASSRLS; migrations applied\n"
    "    (needs a superuser connection); every queue has a current key and\n"
    "    a member who holds it; every category has a catch-all rule\n"
    "  --config FILE  also run `meldpuntd -c FILE --role R --check` for\n"
    "                 both roles (meldpuntd next to meldctl, else $PATH)\n"
    "  --public-user, --staff-user  expected owners (default\n"
    "                 " INIT_USER_PUBLIC ", " INIT_USER_STAFF ")\n"
    "Exit codes: 0 consistent (warnings allowed), 78 a check failed,\n"
    "64 usage, 69 database unreachable.\n";

struct doctor {
	const struct doctor_opts *d_o;
	PGconn		*d_conn;
	FILE		*d_out;
	int		 d_fail;
	int		 d_warn;
};

static void
say(struct doctor *d, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(struct doctor *d, const char *level, const char *fmt, ...)
{
	va_list	ap;

	if (strcmp(level, "FAIL") == 0)
		d->d_fail++;
	else if (strcmp(level, "WARN") == 0)
		d->d_warn++;
	fprintf(d->d_out, "%-4s  ", level);
	va_start(ap, fmt);
	vfprintf(d->d_out, fmt, ap);
	va_end(ap);
	fputc('\n', d->d_out);
}

static void
path_of(const struct doctor *d, const char *name, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s/%s", d->d_o->do_keys, name);
}

/* The file's owner against the expected user; stat'ed by the caller. */
static void
check_owner(struct doctor *d, const char *name, const struct stat *st,
    const char *user)
{
	struct passwd	*pw;

	if (user == NULL)
		return;
	if ((pw = getpwnam(user)) == NULL) {
		say(d, "FAIL", "%s: system user %s does not exist (useradd -r "
		    "%s, or --%s-user NAME)", name, user, user,
		    strcmp(user, d->d_o->do_staff_user) == 0 ? "staff" :
		    "public");
		return;
	}
	if (st->st_uid != pw->pw_uid)
		say(d, "FAIL", "%s: owned by uid %u, not by %s (chown %s %s/%s)",
		    name, (unsigned)st->st_uid, user, user, d->d_o->do_keys,
		    name);
}

/*
 * A key file of kind/cls that must exist and be readable by owner only.
 * want: expected key length (0: any).  Returns the key (caller frees) or
 * NULL after saying why.
 */
static struct secret *
check_keyfile(struct doctor *d, const char *name, const char *kind,
    enum keyfile_class cls, size_t want, const char *user)
{
	char		 path[PATH_MAX], err[PATH_MAX + 200];
	struct stat	 st;
	struct secret	*s;

	path_of(d, name, path, sizeof(path));
	if (stat(path, &st) == -1) {
		say(d, "FAIL", "%s: %s (meldctl init --keys %s creates it)",
		    name, strerror(errno), d->d_o->do_keys);
		return (NULL);
	}
	if ((s = keyfile_read(path, kind, cls, want, 0, err,
	    sizeof(err))) == NULL) {
		say(d, "FAIL", "%s: %s", name, err);
		return (NULL);
	}
	check_owner(d, name, &st, user);
	return (s);
}

/* The key id (hex) of a P-256 public key, or -1. */
static int
key_id_hex(const unsigned char *pub, size_t len, char hex[33])
{
	struct hpke_key	*k;
	uint8_t		 id[ENVELOPE_KEYID_LEN];
	int		 rc = -1;

	if ((k = hpke_key_from_public(HPKE_KEM_P256_SHA256, pub, len)) != NULL &&
	    envelope_key_id(k, id) == 0) {
		secret_hex_encode(id, sizeof(id), hex);
		rc = 0;
	}
	hpke_key_free(k);
	return (rc);
}

/* The key id of the private key in s, or -1. */
static int
key_id_of_private(const struct secret *s, char hex[33])
{
	struct hpke_key	*k;
	unsigned char	 pub[HPKE_MAX_PUB];
	size_t		 len = sizeof(pub);
	int		 rc = -1;

	if ((k = hpke_key_from_private(HPKE_KEM_P256_SHA256, s->s_buf,
	    s->s_len)) != NULL && hpke_key_public(k, pub, &len) == 0)
		rc = key_id_hex(pub, len, hex);
	hpke_key_free(k);
	return (rc);
}

/* The current key id in table (recovery_keys, identity.keys), or "". */
static void
db_key_id(struct doctor *d, const char *table, char hex[33])
{
	char		 sql[160];
	PGresult	*res;

	hex[0] = '\0';
	snprintf(sql, sizeof(sql), "SELECT key_id FROM %s WHERE current",
	    table);
	res = PQexec(d->d_conn, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		snprintf(hex, 33, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* NAME.pub equal to the current row of table; NAME.key (if there) too. */
static void
check_pair(struct doctor *d, const char *table, const char *kind,
    const char *fpub, const char *fpriv, int priv_allowed)
{
	struct secret	*s;
	char		 dbid[33], fid[33], path[PATH_MAX];

	db_key_id(d, table, dbid);
	if (dbid[0] == '\0') {
		say(d, "FAIL", "%s: no current key in the database (meldctl "
		    "init)", table);
		return;
	}
	if ((s = check_keyfile(d, fpub, kind, KEYFILE_PUBLIC, 0, NULL)) !=
	    NULL) {
		if (key_id_hex(s->s_buf, s->s_len, fid) == -1 ||
		    strcmp(fid, dbid) != 0)
			say(d, "FAIL", "%s: does not match the current key in "
			    "%s (%s): wrong directory or a replaced key", fpub,
			    table, dbid);
		else
			say(d, "ok", "%s matches %s (%s)", fpub, table, dbid);
		secret_free(s);
	}
	path_of(d, fpriv, path, sizeof(path));
	if (keyfile_exists(path) != 1)
		return;
	if (!priv_allowed) {
		say(d, "FAIL", "%s: the OFFLINE recovery private key is on this "
		    "machine: copy it to offline storage, then delete it",
		    fpriv);
		return;
	}
	/* Read by meldctl, as whoever administers: no owner to expect. */
	if ((s = check_keyfile(d, fpriv, kind, KEYFILE_PRIVATE, HPKE_PRIV_LEN,
	    NULL)) == NULL)
		return;
	if (key_id_of_private(s, fid) == -1 || strcmp(fid, dbid) != 0)
		say(d, "FAIL", "%s: its public half is not the current key in "
		    "%s", fpriv, table);
	else
		say(d, "WARN", "%s is here: needed only for `meldctl officer "
		    "grant`; keep it offline otherwise", fpriv);
	secret_free(s);
}

/* metrics.token: one line of 32-256 token characters, private. */
static void
check_metrics_token(struct doctor *d)
{
	char		 path[PATH_MAX], buf[300];
	struct stat	 st;
	FILE		*fp;
	size_t		 n;

	path_of(d, INIT_F_METRICS, path, sizeof(path));
	if ((fp = fopen(path, "r")) == NULL) {
		say(d, "WARN", "%s: %s (GET /metrics stays off without it)",
		    INIT_F_METRICS, strerror(errno));
		return;
	}
	if (fstat(fileno(fp), &st) == -1 || (st.st_mode & 077) != 0)
		say(d, "FAIL", "%s: group- or world-accessible (chmod 0400)",
		    INIT_F_METRICS);
	if (fgets(buf, sizeof(buf), fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	buf[strcspn(buf, "\r\n")] = '\0';
	n = strlen(buf);
	if (n < 32 || n > 256)
		say(d, "FAIL", "%s: expected one line of 32 to 256 token "
		    "characters", INIT_F_METRICS);
	else
		check_owner(d, INIT_F_METRICS, &st, d->d_o->do_staff_user);
	secret_wipe(buf, sizeof(buf));
}

/* The manifest-signing pair: the public half pinned by the public
 * process, the private half offline (docs/crypto.md §10). */
static void
check_manifest_key(struct doctor *d)
{
	struct secret	*s;
	char		 path[PATH_MAX];

	if ((s = check_keyfile(d, INIT_F_MANIFEST_PUB,
	    KEYFILE_MANIFEST_SIGNING, KEYFILE_PUBLIC, MANIFEST_PK_LEN,
	    NULL)) != NULL)
		say(d, "ok", "%s", INIT_F_MANIFEST_PUB);
	secret_free(s);
	path_of(d, INIT_F_MANIFEST, path, sizeof(path));
	if (keyfile_exists(path) == 1)
		say(d, "FAIL", "%s: the OFFLINE manifest-signing key is on this "
		    "machine: sign (meldctl keys sign), copy it to offline "
		    "storage, then delete it", INIT_F_MANIFEST);
}

static void
check_keys(struct doctor *d)
{
	static const struct {
		const char	*name, *kind;
		int		 staff;
	} secrets[] = {
		{ INIT_F_LOOKUP, KEYFILE_RECEIPT_LOOKUP, 0 },
		{ INIT_F_LINK, KEYFILE_CONTACT_LINK, 0 },
		{ INIT_F_TOTP_SEAL, KEYFILE_TOTP_SEAL, 1 },
	};
	struct stat	 st;
	struct secret	*s;
	size_t		 i;
	int		 before;

	if (stat(d->d_o->do_keys, &st) == -1 || !S_ISDIR(st.st_mode)) {
		say(d, "FAIL", "%s: not a directory (meldctl init --keys %s)",
		    d->d_o->do_keys, d->d_o->do_keys);
		return;
	}
	if (st.st_mode & 022)
		say(d, "FAIL", "%s: writable by group or others (chmod 0755)",
		    d->d_o->do_keys);
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		before = d->d_fail;
		s = check_keyfile(d, secrets[i].name, secrets[i].kind,
		    KEYFILE_SECRET, 32, secrets[i].staff ?
		    d->d_o->do_staff_user : d->d_o->do_public_user);
		if (s != NULL && d->d_fail == before)
			say(d, "ok", "%s", secrets[i].name);
		secret_free(s);
	}
	check_metrics_token(d);
	check_pair(d, "casework.recovery_keys", KEYFILE_RECOVERY,
	    INIT_F_RECOVERY_PUB, INIT_F_RECOVERY, 0);
	check_pair(d, "identity.keys", KEYFILE_IDENTITY, INIT_F_IDENTITY_PUB,
	    INIT_F_IDENTITY, 1);
	check_manifest_key(d);
}

/* ------------------------------------------------------- epoch keys */

/* Is name "epoch-<n>.key"?  *e gets n. */
static int
epoch_file_name(const char *name, unsigned *e)
{
	char	 tail[8];

	return (sscanf(name, "epoch-%u%7s", e, tail) == 2 &&
	    strcmp(tail, ".key") == 0 && *e > 0);
}

/* One epoch's key file against its row; pubhex is the row's key. */
static void
check_epoch_file(struct doctor *d, const char *dir, unsigned e,
    const char *pubhex, int destroyed)
{
	char		 path[PATH_MAX], name[64], err[PATH_MAX + 200];
	char		 fid[33], dbid[33];
	unsigned char	 pub[HPKE_MAX_PUB];
	struct stat	 st;
	struct secret	*s;

	snprintf(name, sizeof(name), "epoch-%u.key", e);
	if (casekey_epoch_path(dir, e, path, sizeof(path)) == -1)
		return;
	if (destroyed) {
		if (keyfile_exists(path) == 1)
			say(d, "FAIL", "%s: epoch %u was destroyed but its key "
			    "file is still here, so its cases are not shredded: "
			    "delete it (and let backups older than the window "
			    "expire)", name, e);
		return;
	}
	if (stat(path, &st) == -1) {
		say(d, "FAIL", "%s: %s: the cases of epoch %u cannot be opened "
		    "(restore it from the key backup)", name, strerror(errno),
		    e);
		return;
	}
	if ((s = keyfile_read(path, CASEKEY_EPOCH_KIND, KEYFILE_PRIVATE, 0, 0,
	    err, sizeof(err))) == NULL) {
		say(d, "FAIL", "%s: %s", name, err);
		return;
	}
	check_owner(d, name, &st, d->d_o->do_staff_user);
	if (strlen(pubhex) != 2 * 65 ||
	    secret_hex_decode(pubhex, 2 * 65, pub, 65) != 0 ||
	    key_id_hex(pub, 65, dbid) == -1 ||
	    key_id_of_private(s, fid) == -1 || strcmp(fid, dbid) != 0)
		say(d, "FAIL", "%s: its public half is not the key of epoch %u "
		    "in casework.epochs: wrong directory or a replaced file",
		    name, e);
	else
		say(d, "ok", "%s matches casework.epochs", name);
	secret_free(s);
}

/* Files in dir that name no epoch of the database. */
static void
check_epoch_strays(struct doctor *d, const char *dir, const PGresult *res)
{
	DIR		*dp;
	struct dirent	*de;
	unsigned	 e;
	int		 i, known;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (!epoch_file_name(de->d_name, &e))
			continue;
		for (i = 0, known = 0; i < PQntuples(res) && !known; i++)
			known = strtoul(PQgetvalue(res, i, 0), NULL, 10) == e;
		if (!known)
			say(d, "WARN", "%s: no epoch %u in the database (another "
			    "installation's key, or the database was restored "
			    "from before it)", de->d_name, e);
	}
	closedir(dp);
}

/*
 * The retention-epoch key directory (docs/crypto.md §12): the staff
 * process opens a case key with the file of its epoch, and destroying
 * an epoch's file is what makes its purged cases unreadable.
 */
static void
check_epochs(struct doctor *d)
{
	char		 dir[PATH_MAX];
	struct stat	 st;
	PGresult	*res;
	int		 i;

	if (d->d_o->do_epoch_dir != NULL)
		snprintf(dir, sizeof(dir), "%s", d->d_o->do_epoch_dir);
	else
		path_of(d, EPOCH_DIR_NAME, dir, sizeof(dir));
	res = PQexec(d->d_conn, "SELECT epoch, encode(public_key, 'hex'), "
	    "destroyed_at IS NOT NULL FROM casework.epochs ORDER BY epoch");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		say(d, "FAIL", "casework.epochs: cannot read it (sqlstate %s)",
		    adb_sqlstate(res));
		PQclear(res);
		return;
	}
	if (PQntuples(res) == 0)
		say(d, "FAIL", "casework.epochs: no retention epoch: reports "
		    "get no case key (meldctl init, or meldctl epoch rotate)");
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		say(d, "FAIL", "%s: not a directory: no case can be opened "
		    "(epoch_key_dir; meldctl init creates it)", dir);
		PQclear(res);
		return;
	}
	if (st.st_mode & 077)
		say(d, "FAIL", "%s: accessible by group or others (chmod 0700)",
		    dir);
	check_owner(d, EPOCH_DIR_NAME "/", &st, d->d_o->do_staff_user);
	for (i = 0; i < PQntuples(res); i++)
		check_epoch_file(d, dir, (unsigned)strtoul(PQgetvalue(res, i, 0),
		    NULL, 10), PQgetvalue(res, i, 1),
		    strcmp(PQgetvalue(res, i, 2), "t") == 0);
	check_epoch_strays(d, dir, res);
	PQclear(res);
}

/* ------------------------------------------------------- audit keys */

/*
 * The chain key against the database: the newest chained event's link
 * must be HMAC(key, ...) of its stored content (docs/schema.md "Audit
 * hash chain").  A key that chained nothing yet cannot be compared.
 */
static void
check_chain_key(struct doctor *d, const struct secret *key)
{
	struct auditlog_event	 ev;
	unsigned char		 prev[32], hash[32], dg[32], h[32];
	PGresult		*res;

	res = PQexec(d->d_conn, "SELECT e.pos, e.id, to_char(e.at AT TIME "
	    "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), e.actor, "
	    "e.action, e.object, e.details::text, encode(e.prev_hash, 'hex'), "
	    "encode(e.hash, 'hex') FROM audit.head h JOIN audit.events e ON "
	    "e.pos = h.last_pos");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		say(d, "WARN", "%s: audit.events not readable here, not "
		    "compared (sqlstate %s)", AUDIT_F_CHAIN_KEY,
		    adb_sqlstate(res));
		goto done;
	}
	if (PQntuples(res) == 0) {
		say(d, "ok", "%s (nothing chained yet to compare with)",
		    AUDIT_F_CHAIN_KEY);
		goto done;
	}
	ev.ae_id = PQgetvalue(res, 0, 1);
	ev.ae_at = PQgetvalue(res, 0, 2);
	ev.ae_actor = PQgetvalue(res, 0, 3);
	ev.ae_action = PQgetvalue(res, 0, 4);
	ev.ae_object = PQgetvalue(res, 0, 5);
	ev.ae_details = PQgetvalue(res, 0, 6);
	if (secret_hex_decode(PQgetvalue(res, 0, 7), 64, prev, 32) != 0 ||
	    secret_hex_decode(PQgetvalue(res, 0, 8), 64, hash, 32) != 0 ||
	    auditlog_digest(&ev, dg) == -1 ||
	    auditlog_hash_v2(key->s_buf, prev, strtoll(PQgetvalue(res, 0, 0),
	    NULL, 10), dg, h) == -1 || CRYPTO_memcmp(h, hash, 32) != 0)
		say(d, "FAIL", "%s: the newest chained audit event (position "
		    "%s) does not verify under it: not the key that chains "
		    "this database (meldctl audit verify would fail; restore "
		    "the right file)", AUDIT_F_CHAIN_KEY, PQgetvalue(res, 0, 0));
	else
		say(d, "ok", "%s matches the audit chain (position %s)",
		    AUDIT_F_CHAIN_KEY, PQgetvalue(res, 0, 0));
 done:
	PQclear(res);
}

/* The chain key, the checkpoint pair, and the reporter-session key. */
static void
check_audit_keys(struct doctor *d)
{
	unsigned char	 pk[AUDITLOG_ED25519_LEN];
	char		 path[PATH_MAX];
	struct secret	*s, *p;
	int		 before;

	if ((s = check_keyfile(d, AUDIT_F_CHAIN_KEY, KEYFILE_AUDIT_CHAIN,
	    KEYFILE_SECRET, AUDITLOG_KEY_LEN, d->d_o->do_staff_user)) != NULL)
		check_chain_key(d, s);
	secret_free(s);
	s = check_keyfile(d, AUDIT_F_CP_KEY, KEYFILE_AUDIT_CHECKPOINT,
	    KEYFILE_PRIVATE, AUDITLOG_ED25519_LEN, d->d_o->do_staff_user);
	p = check_keyfile(d, AUDIT_F_CP_PUB, KEYFILE_AUDIT_CHECKPOINT,
	    KEYFILE_PUBLIC, AUDITLOG_ED25519_LEN, NULL);
	if (s != NULL && p != NULL) {
		if (auditlog_ed25519_public(s->s_buf, pk) == -1 ||
		    CRYPTO_memcmp(pk, p->s_buf, sizeof(pk)) != 0)
			say(d, "FAIL", "%s: not the public half of %s: "
			    "checkpoints signed now would not verify with it",
			    AUDIT_F_CP_PUB, AUDIT_F_CP_KEY);
		else
			say(d, "ok", "%s matches %s", AUDIT_F_CP_PUB,
			    AUDIT_F_CP_KEY);
	}
	OPENSSL_cleanse(pk, sizeof(pk));
	secret_free(s);
	secret_free(p);
	path_of(d, INIT_F_RSESSION, path, sizeof(path));
	if (keyfile_exists(path) != 1) {
		say(d, "WARN", "%s: absent: each public process draws its own "
		    "key, so reporter sessions end when it restarts and do not "
		    "move between processes (meldctl init creates it)",
		    INIT_F_RSESSION);
		return;
	}
	before = d->d_fail;
	s = check_keyfile(d, INIT_F_RSESSION, KEYFILE_RSESSION,
	    KEYFILE_SECRET, 32, d->d_o->do_public_user);
	if (s != NULL && d->d_fail == before)
		say(d, "ok", "%s", INIT_F_RSESSION);
	secret_free(s);
}

static void
check_roles(struct doctor *d)
{
	static const char *const roles[] = { "mp_public", "mp_staff",
	    "mp_research", "mp_admin" };
	const char	*p[1];
	PGresult	*res;
	size_t		 i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		p[0] = roles[i];
		res = PQexecParams(d->d_conn, "SELECT rolcanlogin, rolsuper, "
		    "rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = $1",
		    1, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK ||
		    PQntuples(res) != 1)
			say(d, "FAIL", "role %s: missing (meldctl migrate as a "
			    "superuser)", roles[i]);
		else if (strcmp(PQgetvalue(res, 0, 1), "t") == 0 ||
		    strcmp(PQgetvalue(res, 0, 2), "t") == 0)
			say(d, "FAIL", "role %s: SUPERUSER or BYPASSRLS; row-level "
			    "security would not hold (ALTER ROLE %s NOSUPERUSER "
			    "NOBYPASSRLS)", roles[i], roles[i]);
		else if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
			say(d, "FAIL", "role %s: cannot log in (ALTER ROLE %s "
			    "LOGIN)", roles[i], roles[i]);
		else
			say(d, "ok", "role %s", roles[i]);
		PQclear(res);
	}
}

/*
 * The daemons' roles run without JIT (schema 0302): with it, a case open at
 * 1,000,000 cases compiled for ~50 ms.  The migration sets it per role in
 * this database when it may (CREATEROLE) and only warns when it may not;
 * this says which role still has it on and what to run.  The value in
 * force: the role's setting in this database, else its setting in every
 * database, else the server's.
 */
static void
check_jit(struct doctor *d)
{
	static const char *const roles[] = { "mp_public", "mp_staff" };
	const char	*p[1];
	PGresult	*res;
	size_t		 i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		p[0] = roles[i];
		res = PQexecParams(d->d_conn, "SELECT coalesce((SELECT "
		    "pg_catalog.substr(c, 5) FROM pg_catalog.pg_db_role_setting "
		    "s JOIN pg_catalog.pg_roles r ON r.oid = s.setrole "
		    "CROSS JOIN pg_catalog.unnest(s.setconfig) c "
		    "WHERE r.rolname = $1 AND c LIKE 'jit=%' AND s.setdatabase "
		    "IN (0, (SELECT b.oid FROM pg_catalog.pg_database b WHERE "
		    "b.datname = pg_catalog.current_database())) "
		    "ORDER BY s.setdatabase DESC LIMIT 1), (SELECT s.boot_val "
		    "FROM pg_catalog.pg_settings s WHERE s.name = 'jit' AND "
		    "s.source = 'default'), pg_catalog.current_setting('jit'))",
		    1, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK ||
		    PQntuples(res) != 1)
			say(d, "WARN", "role %s: cannot read its jit setting",
			    roles[i]);
		else if (strcmp(PQgetvalue(res, 0, 0), "off") != 0)
			say(d, "WARN", "role %s: jit is on; staff reads slow down "
			    "by tens of ms at scale (as a superuser: ALTER ROLE "
			    "%s IN DATABASE <this database> SET jit = off)",
			    roles[i], roles[i]);
		else
			say(d, "ok", "role %s: jit off", roles[i]);
		PQclear(res);
	}
}

/* The highest NNNN_*.sql in dir, or -1. */
static int
schema_version(const char *dir)
{
	DIR		*dp;
	struct dirent	*de;
	int		 v, best = -1;
	size_t		 n;

	if ((dp = opendir(dir)) == NULL)
		return (-1);
	while ((de = readdir(dp)) != NULL) {
		n = strlen(de->d_name);
		if (n > 9 && strspn(de->d_name, "0123456789") == 4 &&
		    de->d_name[4] == '_' && strcmp(de->d_name + n - 4,
		    ".sql") == 0 && (v = atoi(de->d_name)) > best)
			best = v;
	}
	closedir(dp);
	return (best);
}

static void
check_migrations(struct doctor *d)
{
	PGresult	*res;
	int		 have, want;

	want = schema_version(d->d_o->do_schema);
	res = PQexec(d->d_conn, "SELECT coalesce(max(version), 0) FROM "
	    "meldpunt_meta.migrations");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		say(d, "WARN", "migrations: not checked (meldpunt_meta is "
		    "readable by a superuser only: meldctl -d \"...superuser\" "
		    "doctor)");
		PQclear(res);
		return;
	}
	have = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (want == -1)
		say(d, "WARN", "migrations: %s: no migration files to compare "
		    "with", d->d_o->do_schema);
	else if (have < want)
		say(d, "FAIL", "migrations: database at %04d, %s has %04d "
		    "(meldctl migrate)", have, d->d_o->do_schema, want);
	else if (have > want)
		say(d, "FAIL", "migrations: database at %04d is newer than %s "
		    "(%04d): install the matching release", have,
		    d->d_o->do_schema, want);
	else
		say(d, "ok", "migrations: database at %04d", have);
}

static void
check_queues(struct doctor *d)
{
	PGresult	*res;
	int		 i;

	res = PQexec(d->d_conn, "SELECT q.name, EXISTS (SELECT 1 FROM "
	    "casework.queue_keys k WHERE k.queue_id = q.id AND k.current), "
	    "EXISTS (SELECT 1 FROM casework.queue_keys k JOIN "
	    "casework.queue_key_wraps w ON w.key_id = k.key_id JOIN "
	    "casework.queue_members m ON m.queue_id = q.id AND m.user_id = "
	    "w.user_id JOIN casework.users u ON u.id = w.user_id WHERE "
	    "k.queue_id = q.id AND k.current AND NOT u.disabled) "
	    "FROM casework.queues q ORDER BY q.name");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		say(d, "FAIL", "queues: cannot read them (sqlstate %s; connect "
		    "as mp_admin)", adb_sqlstate(res));
		PQclear(res);
		return;
	}
	for (i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, 1), "t") != 0)
			say(d, "FAIL", "queue %s: no current key (meldctl key "
			    "rotate %s)", PQgetvalue(res, i, 0),
			    PQgetvalue(res, i, 0));
		else if (strcmp(PQgetvalue(res, i, 2), "t") != 0)
			say(d, "WARN", "queue %s: no active member holds its key; "
			    "its first member needs the recovery key",
			    PQgetvalue(res, i, 0));
		else
			say(d, "ok", "queue %s", PQgetvalue(res, i, 0));
	}
	PQclear(res);
	res = PQexec(d->d_conn, "SELECT * FROM casework.routing_check()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		say(d, "FAIL", "routing: check failed (sqlstate %s)",
		    adb_sqlstate(res));
	else if (PQntuples(res) > 0)
		for (i = 0; i < PQntuples(res); i++)
			say(d, "FAIL", "routing: %s (meldctl route load FILE)",
			    PQgetvalue(res, i, 0));
	else
		say(d, "ok", "routing: every category has a catch-all rule");
	PQclear(res);
}

/* `meldpuntd -c FILE --role ROLE --check`, its first line reported. */
static void
check_config(struct doctor *d, const char *role)
{
	char	 cmd[2 * PATH_MAX + 64], line[512];
	FILE	*fp;
	int	 st;

	if (strchr(d->d_o->do_config, '\'') != NULL ||
	    strchr(d->d_o->do_meldpuntd, '\'') != NULL) {
		say(d, "FAIL", "config: a path with a quote character");
		return;
	}
	snprintf(cmd, sizeof(cmd), "'%s' -c '%s' --role %s --check 2>&1",
	    d->d_o->do_meldpuntd, d->d_o->do_config, role);
	if ((fp = popen(cmd, "r")) == NULL) {
		say(d, "FAIL", "config: cannot run %s", d->d_o->do_meldpuntd);
		return;
	}
	if (fgets(line, sizeof(line), fp) == NULL)
		line[0] = '\0';
	while (fgetc(fp) != EOF)
		;
	st = pclose(fp);
	line[strcspn(line, "\n")] = '\0';
	if (st == 0)
		say(d, "ok", "config %s, role %s: %s", d->d_o->do_config, role,
		    line);
	else
		say(d, "FAIL", "config %s, role %s: %s", d->d_o->do_config,
		    role, line);
}

int
doctor_run(PGconn *conn, const struct doctor_opts *o, FILE *out)
{
	struct doctor	 d;

	memset(&d, 0, sizeof(d));
	d.d_o = o;
	d.d_conn = conn;
	d.d_out = out;
	if (o->do_config != NULL && o->do_meldpuntd != NULL) {
		check_config(&d, "public");
		check_config(&d, "staff");
	}
	check_keys(&d);
	check_audit_keys(&d);
	check_epochs(&d);
	check_roles(&d);
	check_jit(&d);
	check_migrations(&d);
	check_queues(&d);
	fprintf(out, "%d failed, %d warnings\n", d.d_fail, d.d_warn);
	return (d.d_fail);
}

/* meldpuntd installed next to this meldctl, else the one on $PATH. */
static void
sibling_meldpuntd(char *buf, size_t bufsz)
{
	char	self[PATH_MAX];
	ssize_t	n;
	char	*slash;

	snprintf(buf, bufsz, "meldpuntd");
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return;
	*slash = '\0';
	if (strlen(self) + sizeof("/meldpuntd") > bufsz)
		return;
	memcpy(buf, self, strlen(self));
	memcpy(buf + strlen(self), "/meldpuntd", sizeof("/meldpuntd"));
	if (access(buf, X_OK) == -1)
		snprintf(buf, bufsz, "meldpuntd");
}

int
doctor_command(struct meldctl_opts *mo, int argc, char **argv)
{
	struct doctor_opts	 o;
	char			 bin[PATH_MAX];
	PGconn			*conn;
	int			 i, n;

	memset(&o, 0, sizeof(o));
	o.do_keys = INIT_KEYS_DIR;
	o.do_schema = migrate_default_dir();
	o.do_public_user = INIT_USER_PUBLIC;
	o.do_staff_user = INIT_USER_STAFF;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc)
			o.do_keys = argv[++i];
		else if (strcmp(argv[i], "--epoch-dir") == 0 && i + 1 < argc)
			o.do_epoch_dir = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			o.do_config = argv[++i];
		else if (strcmp(argv[i], "--schema-dir") == 0 && i + 1 < argc)
			o.do_schema = argv[++i];
		else if (strcmp(argv[i], "--public-user") == 0 && i + 1 < argc)
			o.do_public_user = argv[++i];
		else if (strcmp(argv[i], "--staff-user") == 0 && i + 1 < argc)
			o.do_staff_user = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			printf("usage: meldctl [-d CONNINFO] %s\n\n%s",
			    doctor_usage, doctor_help);
			return (EX_OK);
		} else {
			fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n",
			    doctor_usage);
			return (EX_USAGE);
		}
	}
	sibling_meldpuntd(bin, sizeof(bin));
	o.do_meldpuntd = bin;
	if ((conn = adb_connect(mo->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	n = doctor_run(conn, &o, stdout);
	PQfinish(conn);
	return (n == 0 ? EX_OK : EX_CONFIG);
}
