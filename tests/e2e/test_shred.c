/*
 * Acceptance test of issue 11 part 1: crypto-shredding that outlives
 * backups (schema/0050_case_keys.sql, crypto/casekey.c, admin/epoch.c,
 * admin/purge.c).  Two reports go in through the real public daemon; a
 * handler reads one through the staff daemon (so the layered format is
 * the one the daemons use).  Then, as an attacker with the operator's
 * backups would: pg_dump of the database and a copy of the data
 * directory, `meldctl case purge` of case A, restore the dump into a
 * fresh database and try to open A and the live case B offline with
 * EVERY private key that still exists: the recovery key, every queue key
 * (opened from the dump's recovery wraps; a handler's password only ever
 * yields these same queue keys) and every epoch key file in the epoch
 * directory.
 *
 *   - before the epoch moves on, A still opens from the old dump (so the
 *     test can fail: the rows and keys are really there);
 *   - after `meldctl epoch rotate --backup-window 0` (the backup window
 *     has passed), A opens neither from the dump nor from the data-file
 *     copy, which still holds its case-key wrap, while B from the same
 *     old dump opens with its case-key row from the live database and
 *     the current epoch key.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "admin/init.h"
#include "crypto/casekey.h"
#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/treporter.h"
#include "tests/lib/tstack.h"

#define SH_A		"{\"narrative\":\"SHRED-A purged report\"}"
#define SH_B		"{\"narrative\":\"SHRED-B live report\"}"
#define SH_PASSWORD	"correct horse battery staple"
#define MAX_KEYS	32

static struct tstack	T;

TestSuite(shred, .init = NULL, .timeout = 240);

/* Every private key an attacker could hold besides the epoch keys. */
struct keyring {
	struct hpke_key	*k[MAX_KEYS];
	unsigned char	 id[MAX_KEYS][16];
	size_t		 n;
};

static void
ring_add(struct keyring *r, struct hpke_key *k)
{
	cr_assert_lt(r->n, MAX_KEYS);
	cr_assert_eq(envelope_key_id(k, r->id[r->n]), 0);
	r->k[r->n++] = k;
}

/* The recovery key file, and every queue key of the dump through it. */
static void
ring_load(struct keyring *r, PGconn *dump)
{
	struct secret	*s;
	struct hpke_key	*rk, *qk;
	unsigned char	 qkid[16], rkid[16], scalar[32];
	unsigned char	*enc, *wr;
	size_t		 enclen, wrlen;
	char		 path[1024], err[512];
	PGresult	*res;
	int		 i;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/%s", T.keys, INIT_F_RECOVERY);
	cr_assert_not_null(s = keyfile_read(path, KEYFILE_RECOVERY,
	    KEYFILE_PRIVATE, 32, 0, err, sizeof(err)), "%s", err);
	cr_assert_not_null(rk = hpke_key_from_private(HPKE_KEM_P256_SHA256,
	    s->s_buf, s->s_len));
	secret_free(s);
	ring_add(r, rk);
	res = PQexec(dump, "SELECT key_id, recovery_key_id, recovery_enc, "
	    "recovery_wrapped FROM casework.queue_keys");
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	cr_assert_gt(PQntuples(res), 0);
	for (i = 0; i < PQntuples(res); i++) {
		cr_assert_eq(staffcred_key_id_parse(PQgetvalue(res, i, 0),
		    qkid), 0);
		cr_assert_eq(staffcred_key_id_parse(PQgetvalue(res, i, 1),
		    rkid), 0);
		cr_assert_not_null(enc = PQunescapeBytea((const unsigned char *)
		    PQgetvalue(res, i, 2), &enclen));
		cr_assert_not_null(wr = PQunescapeBytea((const unsigned char *)
		    PQgetvalue(res, i, 3), &wrlen));
		cr_assert_eq(staffcred_unwrap_queue_key(rk, qkid, rkid, enc,
		    enclen, wr, wrlen, scalar), 0);
		cr_assert_not_null(qk = hpke_key_from_private(
		    HPKE_KEM_P256_SHA256, scalar, sizeof(scalar)));
		ring_add(r, qk);
		PQfreemem(enc);
		PQfreemem(wr);
	}
	OPENSSL_cleanse(scalar, sizeof(scalar));
	PQclear(res);
}

static void
ring_free(struct keyring *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++)
		hpke_key_free(r->k[i]);
	r->n = 0;
}

/* Every epoch private key whose file is still in the epoch directory. */
static size_t
epoch_keys(uint32_t *epochs, struct hpke_key **keys, size_t max)
{
	char		 dir[1024], err[512];
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0;
	unsigned int	 e;

	snprintf(dir, sizeof(dir), "%s/epoch", T.keys);
	cr_assert_not_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL && n < max) {
		if (sscanf(de->d_name, "epoch-%u.key", &e) != 1)
			continue;
		cr_assert_not_null(keys[n] = casekey_epoch_load(dir, e, err,
		    sizeof(err)), "%s", err);
		epochs[n++] = e;
	}
	closedir(d);
	return (n);
}

static unsigned char *
val(PGresult *r, int row, int col, size_t *len)
{
	return (PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col),
	    len));
}

/*
 * Try to open case `id` with the envelope and DEK wraps from `content`
 * and the case-key row from `keys`, with every key of the ring and every
 * epoch key present; also as if there were no outer layer.  1 when the
 * plaintext comes out (and contains `want`), else 0.
 */
static int
try_open(PGconn *content, PGconn *keys, const char *id,
    const struct keyring *ring, const char *want)
{
	struct hpke_key	*ek[16];
	uint32_t	 en[16];
	unsigned char	 cid[16], ck[CASEKEY_LEN], dek[ENVELOPE_DEK_LEN];
	unsigned char	*nonce, *ct, *cenc = NULL, *cwr = NULL, *wenc, *wdek;
	size_t		 nlen, ctlen, cenclen = 0, cwrlen = 0, wenclen, wdeklen;
	size_t		 ne, i, k;
	const char	*p[1] = { id };
	PGresult	*env, *wr, *kr;
	int		 w, have_ck = 0, opened = 0, layered;
	uint32_t	 epoch = 0;

	cr_assert_eq(staffcred_uuid_parse(id, cid), 0);
	env = PQexecParams(content, "SELECT version, category, nonce, "
	    "ciphertext FROM intake.envelopes WHERE case_id = $1::uuid", 1,
	    NULL, p, NULL, NULL, 0);
	wr = PQexecParams(content, "SELECT key_id, enc, wrapped_dek FROM "
	    "intake.wraps WHERE case_id = $1::uuid", 1, NULL, p, NULL, NULL, 0);
	kr = PQexecParams(keys, "SELECT epoch, enc, wrapped FROM "
	    "casework.case_keys WHERE case_id = $1::uuid", 1, NULL, p, NULL,
	    NULL, 0);
	cr_assert_eq(PQresultStatus(env), PGRES_TUPLES_OK);
	cr_assert_eq(PQresultStatus(wr), PGRES_TUPLES_OK);
	cr_assert_eq(PQresultStatus(kr), PGRES_TUPLES_OK);
	if (PQntuples(env) != 1)
		goto done;
	nonce = val(env, 0, 2, &nlen);
	ct = val(env, 0, 3, &ctlen);
	if (PQntuples(kr) == 1) {
		epoch = (uint32_t)strtoul(PQgetvalue(kr, 0, 0), NULL, 10);
		cenc = val(kr, 0, 1, &cenclen);
		cwr = val(kr, 0, 2, &cwrlen);
	}
	ne = epoch_keys(en, ek, 16);
	/* The row names its epoch, but an attacker tries every key. */
	for (i = 0; i < ne && cwr != NULL && !have_ck; i++)
		have_ck = casekey_unwrap(ek[i], epoch, cid, cenc, cenclen,
		    cwr, cwrlen, ck) == 0;
	for (w = 0; w < PQntuples(wr) && !opened; w++) {
		for (layered = 0; layered <= have_ck && !opened; layered++) {
			struct envelope	*e;
			unsigned char	 kid[16];
			uint8_t		*pt = NULL;
			size_t		 ptlen;

			wenc = val(wr, w, 1, &wenclen);
			wdek = val(wr, w, 2, &wdeklen);
			cr_assert_eq(staffcred_key_id_parse(PQgetvalue(wr, w,
			    0), kid), 0);
			if (layered && casekey_strip(ck, cid, CASEKEY_L_DEK,
			    PQgetvalue(wr, w, 0), wdek, &wdeklen) == -1)
				wdeklen = 0;
			e = envelope_new(1, &hpke_suite_default,
			    PQgetvalue(env, 0, 1), nonce, nlen, ct,
			    ENVELOPE_COMMIT_LEN, ct + ENVELOPE_COMMIT_LEN,
			    ctlen - ENVELOPE_COMMIT_LEN);
			cr_assert_not_null(e);
			if (wdeklen == ENVELOPE_WRAPPED_LEN &&
			    envelope_add_wrap(e, kid, sizeof(kid), wenc,
			    wenclen, wdek, wdeklen) == 0)
				for (k = 0; k < ring->n && !opened; k++)
					if (envelope_unwrap(e, kid, ring->k[k],
					    dek) == 0 && envelope_decrypt(e,
					    dek, &pt, &ptlen) == 0) {
						opened = memmem(pt, ptlen, want,
						    strlen(want)) != NULL;
						OPENSSL_clear_free(pt, ptlen);
					}
			envelope_free(e);
			PQfreemem(wenc);
			PQfreemem(wdek);
		}
	}
	for (i = 0; i < ne; i++)
		hpke_key_free(ek[i]);
	PQfreemem(nonce);
	PQfreemem(ct);
	if (cenc != NULL)
		PQfreemem(cenc);
	if (cwr != NULL)
		PQfreemem(cwr);
 done:
	PQclear(env);
	PQclear(wr);
	PQclear(kr);
	return (opened);
}

/* The case id of the only case in `category`. */
static void
case_of(PGconn *c, const char *category, char out[37])
{
	const char	*p[1] = { category };
	PGresult	*r;

	r = PQexecParams(c, "SELECT id FROM casework.cases WHERE category = $1",
	    1, NULL, p, NULL, NULL, 0);
	cr_assert_eq(PQntuples(r), 1);
	snprintf(out, 37, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
sh(const char *fmt, ...)
{
	char	 cmd[2048];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Restore the dump file into a fresh empty database; returns its name. */
static char *
restore(const char *dump)
{
	char	*db;

	cr_assert_not_null(db = testdb_create_empty());
	/* pg_restore warns about the pre-existing schema public; fine. */
	sh("pg_restore -d '%s' '%s' >/dev/null 2>&1; true", db, dump);
	return (db);
}

static void
submit_two(char *ida, char *idb, PGconn *su)
{
	json_t	*forms;
	char	*ra = NULL, *rb = NULL, *reply = NULL;
	int	 st;

	cr_assert_not_null(forms = trep_forms(T.pub.port, "en"));
	st = trep_submit_sealed(T.pub.port, forms, "labour_discrimination",
	    "recruitment", "{\"ground\":\"religion\"}", SH_A, &ra, &reply);
	cr_assert_eq(st, 201, "%d %s", st, reply);
	free(reply);
	st = trep_submit_sealed(T.pub.port, forms, "foreign_interference",
	    "diaspora_tax", NULL, SH_B, &rb, &reply);
	cr_assert_eq(st, 201, "%d %s", st, reply);
	free(reply);
	json_decref(forms);
	free(ra);
	free(rb);
	case_of(su, "labour_discrimination", ida);
	case_of(su, "foreign_interference", idb);
	cr_assert_eq(testdb_count(su, "SELECT count(*) FROM casework.case_keys "
	    "WHERE epoch = 1"), 2, "every new case has a case key");
}

/* The staff daemon opens the layered case for a queue member. */
static void
staff_reads(const char *id)
{
	struct tstack_user	 u;
	char			 code[8], path[128];
	json_t			*j = NULL;

	tstack_add_user(&T, &u, "hanna", "handler", SH_PASSWORD, "labour");
	tstack_code(&u, time(NULL), code);
	cr_assert_eq(tstack_login(&T, &u, SH_PASSWORD, code), 201);
	snprintf(path, sizeof(path), "/v1/staff/case?id=%s", id);
	cr_assert_eq(tstack_req(&T, 1, "GET", path, u.token, NULL, &j), 200);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "content"), "narrative")), "SHRED-A purged report");
	json_decref(j);
}

Test(shred, purged_case_unreadable_from_old_backup_after_the_window)
{
	struct keyring	 ring;
	PGconn		*su, *old, *old2;
	char		 ida[37], idb[37], dump[1024], copy[1024], *odb, *odb2;
	char		*datadir, *out;
	unsigned char	*awrap;
	size_t		 awraplen;
	PGresult	*r;
	const char	*p[1];

	tstack_start(&T, NULL);
	cr_assert_not_null(su = testdb_connect(T.db, NULL));
	submit_two(ida, idb, su);
	staff_reads(ida);

	/* The operator's backups: a dump and a copy of the data files
	 * (taken while the server runs, after a CHECKPOINT, as a careless
	 * file-level backup would). */
	snprintf(dump, sizeof(dump), "%s/backup.dump", T.dir);
	snprintf(copy, sizeof(copy), "%s/datacopy", T.dir);
	sh("pg_dump -Fc -f '%s' '%s'", dump, T.db);
	cr_assert_eq(testdb_exec(su, "CHECKPOINT", NULL), 0);
	/* This database's files and the WAL: other tests create and drop
	 * databases of the shared cluster meanwhile. */
	cr_assert_not_null(datadir = testdb_value(su,
	    "SELECT current_setting('data_directory') || '/base/' || oid "
	    "FROM pg_database WHERE datname = current_database()"));
	cr_assert_eq(mkdir(copy, 0700), 0);
	/* A WAL segment recycled during the copy is not an error. */
	sh("cp -R '%s' '%s/../../pg_wal' '%s/' 2>/dev/null; test -d '%s/pg_wal'",
	    datadir, datadir, copy, copy);
	p[0] = ida;
	r = PQexecParams(su, "SELECT wrapped FROM casework.case_keys WHERE "
	    "case_id = $1::uuid", 1, NULL, p, NULL, NULL, 0);
	cr_assert_eq(PQntuples(r), 1);
	awrap = val(r, 0, 0, &awraplen);
	PQclear(r);

	/* Purge A with the real command. */
	out = tstack_meldctl(&T, NULL, 0, "case purge %s", ida);
	cr_assert_not_null(strstr(out, "purged 1 case"), "%s", out);
	cr_assert_null(strstr(out, ida), "ids are never printed");
	free(out);
	cr_assert_eq(testdb_count(su, "SELECT count(*) FROM casework.case_keys"),
	    1);

	/* Without advancing the epoch, the old dump still opens A: the
	 * window has not passed, and this test can fail. */
	odb = restore(dump);
	cr_assert_not_null(old = testdb_connect(odb, NULL));
	ring_load(&ring, old);
	cr_assert_eq(try_open(old, old, ida, &ring, "SHRED-A"), 1,
	    "before the window the old dump opens the purged case");
	cr_assert_eq(try_open(old, old, idb, &ring, "SHRED-B"), 1);

	/* The backup window passes: a new epoch, epoch 1 destroyed. */
	out = tstack_meldctl(&T, NULL, 0, "epoch rotate --epoch-dir '%s/epoch' "
	    "--backup-window 0", T.keys);
	cr_assert_not_null(strstr(out, "epoch 1 destroyed"), "%s", out);
	free(out);
	{
		char	 f[1024];

		snprintf(f, sizeof(f), "%s/epoch/epoch-1.key", T.keys);
		cr_assert_neq(access(f, F_OK), 0, "epoch-1.key destroyed");
		snprintf(f, sizeof(f), "%s/epoch/epoch-2.key", T.keys);
		cr_assert_eq(access(f, F_OK), 0, "epoch-2.key written");
	}
	cr_assert_eq(testdb_count(su, "SELECT count(*) FROM casework.case_keys "
	    "WHERE epoch = 2"), 1, "the live case key was re-wrapped");

	/* Now: the old dump with every key that exists cannot open A ... */
	cr_assert_eq(try_open(old, old, ida, &ring, "SHRED-A"), 0,
	    "the purged case opened from the old dump");
	cr_assert_eq(try_open(old, su, ida, &ring, "SHRED-A"), 0);
	/* ... nor a second restore of the same dump ... */
	odb2 = restore(dump);
	cr_assert_not_null(old2 = testdb_connect(odb2, NULL));
	cr_assert_eq(try_open(old2, old2, ida, &ring, "SHRED-A"), 0);
	/* ... the data-file copy holds A's case-key wrap, which only the
	 * destroyed epoch key opened (the same bytes try_open used) ... */
	cr_assert(tstack_dir_contains(copy, awrap, awraplen),
	    "the copied data files contain A's wrapped case key");
	/* ... while the live case B from the same old dump opens with its
	 * case key from the live database and the current epoch key. */
	cr_assert_eq(try_open(old, old, idb, &ring, "SHRED-B"), 0,
	    "the dump's own row for B is under the destroyed epoch");
	cr_assert_eq(try_open(old, su, idb, &ring, "SHRED-B"), 1,
	    "the live case does not open with the current epoch key");
	PQfreemem(awrap);
	ring_free(&ring);
	PQfinish(old);
	PQfinish(old2);
	PQfinish(su);
	testdb_drop(odb);
	testdb_drop(odb2);
	free(odb);
	free(odb2);
	free(datadir);
	sh("rm -rf '%s' '%s'", copy, dump);
	tstack_stop(&T);
}
