/*
 * `meldctl epoch rotate|status` (docs/crypto.md §12, docs/schema.md
 * "Retention"): retention-epoch keys, the keys that make a purge hold in
 * every backup.  Each epoch is a P-256 key pair; its private half is a key
 * file `epoch-<n>.key` in the epoch directory of the staff side, its
 * public half is in casework.epochs, where the public process reads it to
 * wrap new case keys.  A rotation (daily, from the systemd timer):
 *
 *   1. makes epoch n+1: file first (fsync'd) inside the transaction that
 *      inserts the row, so a committed epoch always has its file;
 *   2. re-wraps every case key of an older epoch to n+1 (batches, with a
 *      progress bar), and gives cases stored before 0050 a case key;
 *   3. destroys epochs retired longer ago than the backup window: marks
 *      the row destroyed (after which no submission may name it), re-wraps
 *      any case key that still names it, then overwrites and unlinks the
 *      file.
 *
 * Once the file of every epoch a purged case's key was ever wrapped under
 * is gone, no copy of the database opens that case.  Nothing secret is
 * printed; case ids are not printed either (counts only).
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

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/retention.h"
#include "admin/staffadm.h"
#include "crypto/casekey.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"

#define BATCH		500
#define MAX_EPOCHS	4096	/* more than any backup window in days */

const char epoch_usage[] = "epoch rotate|status [--epoch-dir DIR] "
    "[--backup-window DAYS]";
const char epoch_help[] =
    "  epoch rotate [--epoch-dir DIR] [--backup-window DAYS]\n"
    "      Start a new retention epoch: write its private key file\n"
    "      epoch-<n>.key (mode 0600) to DIR and its public key to the\n"
    "      database, re-wrap every live case key to it, give cases stored\n"
    "      before migration 0050 a case key, re-seal pending contact\n"
    "      hand-overs to it, and destroy (overwrite and\n"
    "      delete) the key files of epochs retired more than DAYS ago\n"
    "      (default 30; 0 destroys every retired epoch now).  DAYS must\n"
    "      be at least the age of the oldest backup you keep: a backup\n"
    "      older than that can no longer be restored, and a purged case\n"
    "      can no longer be read from any backup.  Run daily\n"
    "      (deploy/meldpunt-epoch.timer).  Audited (epoch.create,\n"
    "      epoch.destroy).\n"
    "  epoch status [--epoch-dir DIR]\n"
    "      List the epochs, how many case keys each wraps, and whether\n"
    "      its key file is present.\n"
    "  DIR defaults to " EPOCH_DIR_DEFAULT ".\n"
    "Exit codes: 0, 64 usage, 65 a case key could not be opened (its epoch\n"
    "file is missing), 69 database unreachable, 70 internal error,\n"
    "73 cannot write the key file.\n";

/* Private epoch keys opened during one run, by epoch number. */
struct epoch_cache {
	uint32_t	 ec_epoch[MAX_EPOCHS];
	struct hpke_key	*ec_key[MAX_EPOCHS];
	size_t		 ec_n;
	const char	*ec_dir;
};

static void
cache_clear(struct epoch_cache *c)
{
	size_t	 i;

	for (i = 0; i < c->ec_n; i++)
		hpke_key_free(c->ec_key[i]);
	c->ec_n = 0;
}

static struct hpke_key *
cache_get(struct epoch_cache *c, uint32_t epoch)
{
	struct hpke_key	*k;
	char		 err[512];
	size_t		 i;

	for (i = 0; i < c->ec_n; i++)
		if (c->ec_epoch[i] == epoch)
			return (c->ec_key[i]);
	if (c->ec_n == MAX_EPOCHS) {
		fprintf(stderr, "meldctl: more than %d live epochs\n",
		    MAX_EPOCHS);
		return (NULL);
	}
	if ((k = casekey_epoch_load(c->ec_dir, epoch, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "meldctl: %s\n", err);
		return (NULL);
	}
	c->ec_epoch[c->ec_n] = epoch;
	c->ec_key[c->ec_n++] = k;
	return (k);
}

/* fsync the directory so a created or removed key file is durable. */
static void
sync_dir(const char *dir)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

int
epoch_create(PGconn *conn, const char *dir, uint32_t *epoch, FILE *out)
{
	struct hpke_key	*k = NULL;
	uint8_t		 sk[32], pk[65];
	size_t		 sklen = sizeof(sk), pklen = sizeof(pk);
	char		 path[4096], err[512], *hex = NULL;
	const char	*p[2];
	PGresult	*res = NULL;
	int		 rc = -1, made = 0;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "meldctl: %s: %s\n", dir, strerror(errno));
		return (-1);
	}
	if ((k = hpke_key_new(HPKE_KEM_P256_SHA256)) == NULL ||
	    hpke_key_private(k, sk, &sklen) == -1 ||
	    hpke_key_public(k, pk, &pklen) == -1 || pklen != sizeof(pk) ||
	    (hex = keys_hexlit(pk, pklen)) == NULL)
		goto done;
	if (adb_exec(conn, "BEGIN", NULL) == -1)
		goto done;
	p[0] = keys_actor();
	p[1] = hex;
	res = keys_exec(conn, "SELECT casework.epoch_add($1, $2::bytea)", 2,
	    p);
	if (!keys_ok(res) || PQntuples(res) != 1) {
		fprintf(stderr, "meldctl: cannot add the epoch (sqlstate %s)\n",
		    adb_sqlstate(res));
		goto rollback;
	}
	*epoch = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	/* The file before the commit: a current epoch always has its key. */
	if (casekey_epoch_path(dir, *epoch, path, sizeof(path)) == -1 ||
	    keyfile_write(path, CASEKEY_EPOCH_KIND, KEYFILE_PRIVATE, sk,
	    sklen, err, sizeof(err)) == -1) {
		fprintf(stderr, "meldctl: cannot write the epoch key file "
		    "(%s)\n", err);
		rc = -2;
		goto rollback;
	}
	made = 1;
	sync_dir(dir);
	if (adb_exec(conn, "COMMIT", NULL) == -1) {
		fprintf(stderr, "meldctl: commit failed; epoch not created\n");
		(void)unlink(path);
		goto done;
	}
	fprintf(out, "epoch %u created (key file epoch-%u.key)\n", *epoch,
	    *epoch);
	rc = 0;
	goto done;
 rollback:
	(void)adb_exec(conn, "ROLLBACK", NULL);
	if (made)
		(void)unlink(path);
 done:
	OPENSSL_cleanse(sk, sizeof(sk));
	PQclear(res);
	free(hex);
	hpke_key_free(k);
	return (rc);
}

/* Re-wrap one case key row (case id, epoch, enc, wrapped) to `to`. */
static int
rewrap_row(PGconn *conn, struct epoch_cache *c, const struct hpke_key *pk,
    uint32_t to, PGresult *r, int i)
{
	unsigned char	 cid[16], ck[CASEKEY_LEN], enc[HPKE_MAX_ENC];
	unsigned char	 wrapped[CASEKEY_WRAPPED_LEN], *oenc = NULL, *owr = NULL;
	size_t		 enclen = sizeof(enc), oenclen, owrlen;
	char		*e = NULL, *w = NULL, tos[16];
	const char	*p[5];
	struct hpke_key	*sk;
	uint32_t	 from = (uint32_t)strtoul(PQgetvalue(r, i, 1), NULL, 10);
	PGresult	*res;
	int		 rc = -1;

	if (staffcred_uuid_parse(PQgetvalue(r, i, 0), cid) == -1 ||
	    (sk = cache_get(c, from)) == NULL ||
	    (oenc = keys_bytea(PQgetvalue(r, i, 2), &oenclen)) == NULL ||
	    (owr = keys_bytea(PQgetvalue(r, i, 3), &owrlen)) == NULL ||
	    casekey_unwrap(sk, from, cid, oenc, oenclen, owr, owrlen,
	    ck) == -1 || casekey_wrap(pk, NULL, to, cid, ck, enc, &enclen,
	    wrapped) == -1 || (e = keys_hexlit(enc, enclen)) == NULL ||
	    (w = keys_hexlit(wrapped, sizeof(wrapped))) == NULL)
		goto done;
	snprintf(tos, sizeof(tos), "%u", to);
	p[0] = PQgetvalue(r, i, 0);
	p[1] = PQgetvalue(r, i, 1);
	p[2] = tos;
	p[3] = e;
	p[4] = w;
	res = keys_exec(conn, "SELECT casework.case_key_rewrap($1::uuid, "
	    "$2::integer, $3::integer, $4::bytea, $5::bytea)", 5, p);
	rc = keys_ok(res) ? 0 : -1;
	PQclear(res);
 done:
	OPENSSL_cleanse(ck, sizeof(ck));
	free(oenc);
	free(owr);
	free(e);
	free(w);
	return (rc);
}

/*
 * Re-wrap every case key of an epoch below `to` (or of exactly `only`
 * when it is not 0) to epoch `to`.  Keyset batches by case id; each row
 * commits on its own (autocommit), so an interrupted run loses nothing.
 * Returns the number of rows that could not be re-wrapped, or -1.
 */
static long
rewrap_all(PGconn *conn, struct epoch_cache *c, uint32_t to, uint32_t only)
{
	const struct hpke_key	*pk;
	PGresult		*res, *cnt;
	char			 tos[16], ons[16], last[40] = "";
	const char		*p[3];
	size_t			 total, done = 0;
	long			 failed = 0;
	int			 i, n;

	if ((pk = cache_get(c, to)) == NULL)
		return (-1);
	snprintf(tos, sizeof(tos), "%u", to);
	snprintf(ons, sizeof(ons), "%u", only);
	p[0] = tos;
	p[1] = ons;
	cnt = keys_exec(conn, "SELECT count(*) FROM casework.case_keys "
	    "WHERE CASE WHEN $2::integer = 0 THEN epoch < $1::integer "
	    "ELSE epoch = $2::integer END", 2, p);
	if (!keys_ok(cnt)) {
		PQclear(cnt);
		return (-1);
	}
	total = (size_t)strtoull(PQgetvalue(cnt, 0, 0), NULL, 10);
	PQclear(cnt);
	for (;;) {
		p[2] = last[0] != '\0' ? last : NULL;
		res = keys_exec(conn, "SELECT case_id, epoch, enc, wrapped "
		    "FROM casework.case_keys WHERE (CASE WHEN $2::integer = 0 "
		    "THEN epoch < $1::integer ELSE epoch = $2::integer END) "
		    "AND ($3::uuid IS NULL OR case_id > $3::uuid) "
		    "ORDER BY case_id LIMIT " EPOCH_STR(BATCH), 3, p);
		if (!keys_ok(res)) {
			PQclear(res);
			return (-1);
		}
		if ((n = PQntuples(res)) == 0) {
			PQclear(res);
			break;
		}
		for (i = 0; i < n; i++) {
			if (rewrap_row(conn, c, pk, to, res, i) == -1)
				failed++;
			done++;
			keys_progress("re-wrapping case keys", done,
			    total > done ? total : done);
		}
		snprintf(last, sizeof(last), "%s", PQgetvalue(res, n - 1, 0));
		PQclear(res);
	}
	return (failed);
}

/* A case key for one legacy case and the layers on its three wraps. */
static int
adopt_row(PGconn *conn, const struct hpke_key *pk, uint32_t to, PGresult *r,
    int i)
{
	unsigned char	 cid[16], ck[CASEKEY_LEN], enc[HPKE_MAX_ENC];
	unsigned char	 wrapped[CASEKEY_WRAPPED_LEN], *old[3] = { 0 };
	unsigned char	*lay[3] = { 0 };
	size_t		 enclen = sizeof(enc), len[3];
	char		*hex[5] = { 0 }, tos[16], label[CASEKEY_LABEL_MAX + 1];
	const char	*p[10];
	static const int cols[3] = { 2, 4, 6 }, kcols[3] = { 1, 3, 5 };
	PGresult	*res;
	int		 k, rc = -1;

	if (staffcred_uuid_parse(PQgetvalue(r, i, 0), cid) == -1 ||
	    secret_random(ck, sizeof(ck)) == -1 ||
	    casekey_wrap(pk, NULL, to, cid, ck, enc, &enclen, wrapped) == -1)
		goto done;
	for (k = 0; k < 3; k++) {
		if (PQgetisnull(r, i, cols[k]))
			continue;	/* a case without envelope */
		if ((old[k] = keys_bytea(PQgetvalue(r, i, cols[k]),
		    &len[k])) == NULL ||
		    (lay[k] = malloc(len[k] + CASEKEY_LAYER_OVERHEAD)) == NULL)
			goto done;
		snprintf(label, sizeof(label), "%s%s", k == 2 ? CASEKEY_L_TK :
		    CASEKEY_L_DEK, PQgetvalue(r, i, kcols[k]));
		if (casekey_layer_seal(ck, cid, label, old[k], len[k],
		    lay[k]) == -1 || (hex[2 + k] = keys_hexlit(lay[k],
		    len[k] + CASEKEY_LAYER_OVERHEAD)) == NULL)
			goto done;
	}
	if ((hex[0] = keys_hexlit(enc, enclen)) == NULL ||
	    (hex[1] = keys_hexlit(wrapped, sizeof(wrapped))) == NULL)
		goto done;
	snprintf(tos, sizeof(tos), "%u", to);
	p[0] = PQgetvalue(r, i, 0);
	p[1] = tos;
	p[2] = hex[0];
	p[3] = hex[1];
	for (k = 0; k < 3; k++) {
		p[4 + 2 * k] = PQgetisnull(r, i, cols[k]) ? NULL :
		    PQgetvalue(r, i, cols[k]);
		p[5 + 2 * k] = hex[2 + k];
	}
	res = keys_exec(conn, "SELECT casework.case_key_adopt($1::uuid, "
	    "$2::integer, $3::bytea, $4::bytea, $5::bytea, $6::bytea, "
	    "$7::bytea, $8::bytea, $9::bytea, $10::bytea)", 10, p);
	rc = keys_ok(res) && strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? 0 : -1;
	PQclear(res);
 done:
	OPENSSL_cleanse(ck, sizeof(ck));
	for (k = 0; k < 3; k++) {
		free(old[k]);
		free(lay[k]);
	}
	for (k = 0; k < 5; k++)
		free(hex[k]);
	return (rc);
}

/* Cases stored before 0050: give each a case key.  Returns failures. */
static long
adopt_all(PGconn *conn, struct epoch_cache *c, uint32_t to, FILE *out)
{
	const struct hpke_key	*pk;
	PGresult		*res;
	long			 failed = 0, done = 0;
	int			 i, n;

	if ((pk = cache_get(c, to)) == NULL)
		return (-1);
	for (;;) {
		/* Failed rows stay legacy; skip past them by offset. */
		char		 off[24];
		const char	*p[1] = { off };

		snprintf(off, sizeof(off), "%ld", failed);
		res = keys_exec(conn, "SELECT * FROM casework.case_key_legacy("
		    "$1::integer + " EPOCH_STR(BATCH) ") OFFSET $1::integer",
		    1, p);
		if (!keys_ok(res)) {
			PQclear(res);
			return (-1);
		}
		if ((n = PQntuples(res)) == 0) {
			PQclear(res);
			break;
		}
		for (i = 0; i < n; i++)
			if (adopt_row(conn, pk, to, res, i) == -1)
				failed++;
			else
				done++;
		PQclear(res);
	}
	if (done > 0 || failed > 0)
		fprintf(out, "cases stored before 0050 given a case key: %ld"
		    " (%ld failed, retried on the next run)\n", done, failed);
	return (failed);
}

/* Overwrite, fsync and unlink one epoch key file; 0 also when absent. */
static int
destroy_file(const char *dir, uint32_t epoch)
{
	char		 path[4096], zero[KEYFILE_MAX];
	struct stat	 st;
	int		 fd;

	if (casekey_epoch_path(dir, epoch, path, sizeof(path)) == -1)
		return (-1);
	if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? 0 : -1);
	/* Best effort: journaling and SSDs may keep old blocks. */
	memset(zero, 0, sizeof(zero));
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (size_t)st.st_size <= sizeof(zero))
		(void)!write(fd, zero, (size_t)st.st_size);
	(void)fsync(fd);
	close(fd);
	if (unlink(path) == -1)
		return (-1);
	sync_dir(dir);
	return (0);
}

/* Step 3: epochs retired more than `window` days ago. */
static int
destroy_old(PGconn *conn, struct epoch_cache *c, uint32_t current,
    int window, FILE *out)
{
	PGresult	*res, *d;
	char		 w[16];
	const char	*p[2];
	long		 left;
	int		 i, n, rc = 0;

	snprintf(w, sizeof(w), "%d", window);
	p[0] = w;
	res = keys_exec(conn, "SELECT epoch, destroyed_at IS NOT NULL "
	    "FROM casework.epochs WHERE NOT current AND (destroyed_at IS NOT "
	    "NULL OR retired_at + make_interval(days => $1::integer) <= now()) "
	    "ORDER BY epoch", 1, p);
	if (!keys_ok(res)) {
		PQclear(res);
		return (-1);
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		uint32_t e = (uint32_t)strtoul(PQgetvalue(res, i, 0), NULL, 10);

		if (strcmp(PQgetvalue(res, i, 1), "f") == 0) {
			p[0] = keys_actor();
			p[1] = PQgetvalue(res, i, 0);
			d = keys_exec(conn, "SELECT casework.epoch_destroy($1, "
			    "$2::integer)", 2, p);
			left = keys_ok(d) ? strtol(PQgetvalue(d, 0, 0), NULL,
			    10) : -1;
			PQclear(d);
			if (left < 0 || (left > 0 &&
			    (rewrap_all(conn, c, current, e) != 0 ||
			    contacts_reseal(conn, c->ec_dir, cache_get(c,
			    current), current, e) != 0))) {
				fprintf(stderr, "meldctl: epoch %u still wraps "
				    "case keys; its file is kept\n", e);
				rc = -1;
				continue;
			}
		}
		cache_clear(c);
		if (destroy_file(c->ec_dir, e) == -1) {
			fprintf(stderr, "meldctl: cannot delete the key file "
			    "of epoch %u: %s\n", e, strerror(errno));
			rc = -1;
		} else if (strcmp(PQgetvalue(res, i, 1), "f") == 0)
			fprintf(out, "epoch %u destroyed\n", e);
	}
	PQclear(res);
	return (rc);
}

int
epoch_ensure(PGconn *conn, const char *dir, FILE *out)
{
	PGresult	*res;
	uint32_t	 e;
	int		 have;

	res = keys_exec(conn, "SELECT count(*) FROM casework.epochs "
	    "WHERE current", 0, NULL);
	if (!keys_ok(res)) {
		PQclear(res);
		return (-1);
	}
	have = atoi(PQgetvalue(res, 0, 0)) > 0;
	PQclear(res);
	if (have)
		return (0);
	return (epoch_create(conn, dir, &e, out) == 0 ? 1 : -1);
}

int
epoch_rotate(PGconn *conn, const char *dir, int window, FILE *out)
{
	struct epoch_cache	 c;
	uint32_t		 to;
	long			 bad, legacy, pend = 0;
	int			 rc;

	memset(&c, 0, sizeof(c));
	c.ec_dir = dir;
	if ((rc = epoch_create(conn, dir, &to, out)) != 0)
		return (rc == -2 ? EX_CANTCREAT : EX_UNAVAILABLE);
	if ((bad = rewrap_all(conn, &c, to, 0)) < 0 ||
	    (pend = contacts_reseal(conn, dir, cache_get(&c, to), to, 0)) < 0 ||
	    (legacy = adopt_all(conn, &c, to, out)) < 0) {
		cache_clear(&c);
		fprintf(stderr, "meldctl: re-wrapping failed; run again\n");
		return (EX_UNAVAILABLE);
	}
	if (bad > 0)
		fprintf(stderr, "meldctl: %ld case keys could not be opened "
		    "(epoch key file missing?)\n", bad);
	if (pend > 0)
		fprintf(stderr, "meldctl: %ld pending contacts could not be "
		    "re-sealed (epoch key file missing?)\n", pend);
	bad += pend;
	rc = destroy_old(conn, &c, to, window, out);
	cache_clear(&c);
	if (bad > 0)
		return (EX_DATAERR);
	return (rc == 0 ? EX_OK : EX_UNAVAILABLE);
}

static int
epoch_status(PGconn *conn, const char *dir, FILE *out)
{
	PGresult	*res;
	char		 path[4096];
	int		 i;

	res = keys_exec(conn, "SELECT e.epoch, e.current, "
	    "coalesce(to_char(e.retired_at, 'YYYY-MM-DD HH24:MI'), '-'), "
	    "coalesce(to_char(e.destroyed_at, 'YYYY-MM-DD HH24:MI'), '-'), "
	    "(SELECT count(*) FROM casework.case_keys k WHERE k.epoch = "
	    "e.epoch), (SELECT count(*) FROM casework.cases c WHERE NOT "
	    "EXISTS (SELECT 1 FROM casework.case_keys k WHERE k.case_id = "
	    "c.id)) FROM casework.epochs e ORDER BY e.epoch", 0, NULL);
	if (!keys_ok(res)) {
		PQclear(res);
		return (EX_UNAVAILABLE);
	}
	fprintf(out, "epoch  current  retired           destroyed         "
	    "case-keys  file\n");
	for (i = 0; i < PQntuples(res); i++) {
		uint32_t e = (uint32_t)strtoul(PQgetvalue(res, i, 0), NULL, 10);

		(void)casekey_epoch_path(dir, e, path, sizeof(path));
		fprintf(out, "%-6u %-8s %-17s %-17s %-10s %s\n", e,
		    strcmp(PQgetvalue(res, i, 1), "t") == 0 ? "yes" : "no",
		    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		    PQgetvalue(res, i, 4), access(path, F_OK) == 0 ?
		    "present" : "absent");
	}
	if (PQntuples(res) > 0)
		fprintf(out, "cases without a case key (stored before 0050): "
		    "%s\n", PQgetvalue(res, 0, 5));
	PQclear(res);
	return (EX_OK);
}

int
epoch_cmd(struct meldctl_opts *o, int argc, char **argv)
{
	const char	*dir = EPOCH_DIR_DEFAULT;
	PGconn		*conn;
	char		*end;
	long		 window = 30;
	int		 i, rc, rotate;

	if (argc < 2 || (strcmp(argv[1], "rotate") != 0 &&
	    strcmp(argv[1], "status") != 0))
		goto usage;
	rotate = strcmp(argv[1], "rotate") == 0;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--epoch-dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (rotate && strcmp(argv[i], "--backup-window") == 0 &&
		    i + 1 < argc) {
			errno = 0;
			window = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || window < 0 ||
			    window > 3650)
				goto usage;
		} else
			goto usage;
	}
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	rc = rotate ? epoch_rotate(conn, dir, (int)window, stdout) :
	    epoch_status(conn, dir, stdout);
	PQfinish(conn);
	return (rc);
 usage:
	fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n%s", epoch_usage,
	    epoch_help);
	return (EX_USAGE);
}
