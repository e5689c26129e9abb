/*
 * The signed key manifest end to end (issue 12, docs/crypto.md §10): the
 * real `meldctl init` and `meldctl keys sign`, a public meldpuntd that
 * pins manifest-signing.pub, and an mp_admin connection playing the
 * insider.  The served manifest verifies with the pinned key and covers
 * every served key; a key substituted in the database, a rotation not
 * yet signed, or a manifest signed by another key make the public
 * process serve no keys (forms and submissions 503) and /readyz say why,
 * until an operator signs a covering manifest with the right key.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "admin/init.h"
#include "crypto/keyfile.h"
#include "crypto/manifest.h"
#include "crypto/secret.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tstack.h"

static struct tstack	T;

static void
mf_setup(void)
{
	/* Re-read keys every second so that changes show quickly. */
	tstack_start_with(&T, "forms_refresh_s = 1\n", NULL);
}

static void
mf_teardown(void)
{
	tstack_stop(&T);
}

TestSuite(manifest_e2e, .init = mf_setup, .fini = mf_teardown,
    .timeout = 120);

/* GET path until it answers want (at most ~10 s); returns the body. */
static char *
wait_status(const char *path, int want)
{
	struct tcl_resp	 r;
	char		*body;
	int		 i, st = 0;

	for (i = 0; i < 100; i++) {
		cr_assert_eq(tcl_request(T.pub.port, "GET", path, NULL, NULL,
		    &r), 0);
		st = r.status;
		if (st == want) {
			body = strdup(r.body != NULL ? r.body : "");
			tcl_resp_clear(&r);
			return (body);
		}
		tcl_resp_clear(&r);
		usleep(100000);
	}
	cr_assert_fail("%s: status %d, want %d", path, st, want);
	return (NULL);
}

static void
pinned_key(uint8_t pk[MANIFEST_PK_LEN])
{
	char		 path[700], err[256];
	struct secret	*s;

	snprintf(path, sizeof(path), "%s/%s", T.keys, INIT_F_MANIFEST_PUB);
	cr_assert_not_null(s = keyfile_read(path, KEYFILE_MANIFEST_SIGNING,
	    KEYFILE_PUBLIC, MANIFEST_PK_LEN, 0, err, sizeof(err)), "%s", err);
	memcpy(pk, s->s_buf, MANIFEST_PK_LEN);
	secret_free(s);
}

/* One served key must be covered, byte for byte. */
static void
assert_covered(const struct manifest *m, json_t *key, const char *purpose,
    const char *cat)
{
	const char	*b64 = json_string_value(json_object_get(key,
			    "public_key"));
	json_t		*suite = json_object_get(key, "suite");
	unsigned char	*pub = NULL;
	size_t		 publen = 0;

	cr_assert_not_null(b64);
	cr_assert_eq(secret_b64_decode(b64, strlen(b64), &pub, &publen), 0);
	cr_assert_eq(manifest_covers(m, purpose, cat, json_string_value(
	    json_object_get(key, "key_id")),
	    (uint16_t)json_integer_value(json_object_get(suite, "kem")),
	    (uint16_t)json_integer_value(json_object_get(suite, "kdf")),
	    (uint16_t)json_integer_value(json_object_get(suite, "aead")),
	    pub, publen), 0, "%s key of %s not covered", purpose, cat);
	OPENSSL_free(pub);
}

/* The forms' manifest: verified with the pinned key; returns it parsed. */
static struct manifest *
served_manifest(json_t *forms)
{
	json_t		*km = json_object_get(forms, "key_manifest");
	const char	*text = json_string_value(json_object_get(km, "text"));
	const char	*sig = json_string_value(json_object_get(km,
			    "signature"));
	unsigned char	*s = NULL;
	size_t		 slen = 0;
	uint8_t		 pk[MANIFEST_PK_LEN];
	char		 err[128];
	struct manifest	*m;

	cr_assert_not_null(text, "forms without key_manifest.text");
	cr_assert_not_null(sig);
	cr_assert_eq(secret_b64_decode(sig, strlen(sig), &s, &slen), 0);
	cr_assert_eq(slen, MANIFEST_SIG_LEN);
	pinned_key(pk);
	cr_assert_eq(manifest_verify(pk, text, strlen(text), s), 0,
	    "served manifest does not verify with the pinned key");
	OPENSSL_free(s);
	cr_assert_not_null(m = manifest_parse(text, strlen(text), err,
	    sizeof(err)), "%s", err);
	cr_assert_eq((long long)m->m_version, json_integer_value(
	    json_object_get(km, "version")));
	return (m);
}

Test(manifest_e2e, init_signs_and_every_served_key_is_covered)
{
	char		 path[700], pub[700], moved[720];
	struct stat	 st;
	json_t		*forms = NULL, *cats, *c, *k;
	struct manifest	*m;
	size_t		 i, j, nqueue = 0;
	char		*b;

	snprintf(path, sizeof(path), "%s/%s", T.keys, INIT_F_MANIFEST);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "signing key mode %o",
	    st.st_mode & 0777);
	cr_assert_eq(tstack_req(&T, 0, "GET", "/v1/forms?lang=en", NULL, NULL,
	    &forms), 200);
	m = served_manifest(forms);
	cr_assert_eq(m->m_version, 1);
	cats = json_object_get(forms, "categories");
	cr_assert_gt(json_array_size(cats), 0);
	json_array_foreach(cats, i, c) {
		const char *cat = json_string_value(json_object_get(c, "id"));
		json_t *keys = json_object_get(c, "keys");

		json_array_foreach(json_object_get(keys, "queues"), j, k) {
			assert_covered(m, k, "queue", cat);
			nqueue++;
		}
		assert_covered(m, json_object_get(keys, "recovery"),
		    "recovery", cat);
		assert_covered(m, json_object_get(keys, "identity"),
		    "identity", cat);
	}
	/* Exactly the served keys: one line per queue key and category,
	 * plus recovery and identity once. */
	cr_assert_eq(m->m_nkeys, nqueue + 2);
	b = wait_status("/readyz", 200);
	free(b);
	manifest_free(m);
	json_decref(forms);
	/* init keeps the pair (clients pin its public half) ... */
	b = tstack_meldctl(&T, NULL, 0, "init --keys '%s'", T.keys);
	cr_assert_not_null(strstr(b, "nothing to do"), "%s", b);
	free(b);
	/* ... and never replaces a signing key whose public half is gone. */
	snprintf(pub, sizeof(pub), "%s/%s", T.keys, INIT_F_MANIFEST_PUB);
	snprintf(moved, sizeof(moved), "%s.moved", pub);
	cr_assert_eq(rename(pub, moved), 0);
	b = tstack_meldctl(&T, NULL, 73, "init --keys '%s'", T.keys);
	cr_assert_not_null(strstr(b, "refusing to replace"), "%s", b);
	free(b);
	cr_assert_eq(rename(moved, pub), 0);
}

/* A valid P-256 point that is not any of the service's keys, as hex. */
static void
attacker_key(char hex[2 * MANIFEST_PK_LEN + 1])
{
	uint8_t	 sk[MANIFEST_SK_LEN], pk[MANIFEST_PK_LEN];

	cr_assert_eq(manifest_keygen(sk, pk), 0);
	OPENSSL_cleanse(sk, sizeof(sk));
	secret_hex_encode(pk, sizeof(pk), hex);
}

Test(manifest_e2e, key_substituted_by_mp_admin_is_withheld)
{
	PGconn		*admin;
	char		 hex[2 * MANIFEST_PK_LEN + 1], *b, *out;
	json_t		*forms = NULL;
	struct manifest	*m;
	int		 st;

	cr_assert_not_null(admin = testdb_connect(T.db, "mp_admin"));
	attacker_key(hex);
	cr_assert_eq(testdb_execf(admin, NULL, "UPDATE casework.queue_keys "
	    "SET public_key = '\\x%s' WHERE current AND queue_id = (SELECT "
	    "id FROM casework.queues WHERE name = 'labour')", hex), 0);
	b = wait_status("/v1/forms?lang=en", 503);
	free(b);
	b = wait_status("/readyz", 503);
	cr_assert_not_null(strstr(b, "keys_unverified"), "%s", b);
	cr_assert_not_null(strstr(b, "does not cover queue key"), "%s", b);
	cr_assert_not_null(strstr(b, "labour_discrimination"), "%s", b);
	cr_assert_not_null(strstr(b, "meldctl keys sign"), "%s", b);
	free(b);
	st = tstack_req(&T, 0, "POST", "/v1/reports", NULL, "{}", NULL);
	cr_assert_eq(st, 503, "a submission while keys are withheld: %d", st);
	/* The table only grows: an old version cannot be stored again. */
	cr_assert(testdb_fails_with(admin, "INSERT INTO casework.key_manifests "
	    "(version, body, signature) SELECT version, body, signature FROM "
	    "casework.key_manifests WHERE version = 1", "23505") ||
	    testdb_fails_with(admin, "INSERT INTO casework.key_manifests "
	    "(version, body, signature) SELECT version, body, signature FROM "
	    "casework.key_manifests WHERE version = 1", "MP409"));
	cr_assert(testdb_fails_with(admin, "UPDATE casework.key_manifests SET "
	    "body = body", "42501"), "mp_admin must not update manifests");
	/* Only the operator's offline key makes the key servable again. */
	out = tstack_meldctl(&T, NULL, 0, "keys sign --signing-key '%s/%s'",
	    T.keys, INIT_F_MANIFEST);
	cr_assert_not_null(strstr(out, "version 2"), "%s", out);
	free(out);
	b = wait_status("/v1/forms?lang=en", 200);
	cr_assert_not_null(forms = json_loads(b, 0, NULL));
	m = served_manifest(forms);
	cr_assert_eq(m->m_version, 2);
	manifest_free(m);
	json_decref(forms);
	free(b);
	b = wait_status("/readyz", 200);
	free(b);
	PQfinish(admin);
}

Test(manifest_e2e, rotation_needs_a_manifest_signed_by_the_pinned_key)
{
	char		 path[700], err[256], *b;
	uint8_t		 sk[MANIFEST_SK_LEN], pk[MANIFEST_PK_LEN];

	free(tstack_meldctl(&T, NULL, 0, "keys rotate labour"));
	b = wait_status("/readyz", 503);
	cr_assert_not_null(strstr(b, "does not cover queue key"), "%s", b);
	free(b);
	/* Signed, but with a key the daemon does not pin. */
	cr_assert_eq(manifest_keygen(sk, pk), 0);
	snprintf(path, sizeof(path), "%s/other-signing.key", T.dir);
	cr_assert_eq(keyfile_write(path, KEYFILE_MANIFEST_SIGNING,
	    KEYFILE_PRIVATE, sk, sizeof(sk), err, sizeof(err)), 0, "%s", err);
	OPENSSL_cleanse(sk, sizeof(sk));
	free(tstack_meldctl(&T, NULL, 0, "keys sign --signing-key '%s'", path));
	b = wait_status("/readyz", 503);
	for (int i = 0; i < 50 && strstr(b, "signature does not verify") ==
	    NULL; i++) {
		free(b);
		usleep(100000);
		b = wait_status("/readyz", 503);
	}
	cr_assert_not_null(strstr(b, "signature does not verify"), "%s", b);
	free(b);
	b = wait_status("/v1/forms?lang=nl", 503);
	free(b);
	/* The right key: served again, the new queue key covered. */
	free(tstack_meldctl(&T, NULL, 0, "keys sign --signing-key '%s/%s'",
	    T.keys, INIT_F_MANIFEST));
	b = wait_status("/readyz", 200);
	free(b);
	b = wait_status("/v1/forms?lang=nl", 200);
	free(b);
	/* A missing or wrong signing key file is refused before signing. */
	free(tstack_meldctl(&T, NULL, 66, "keys sign --signing-key '%s/%s'",
	    T.keys, INIT_F_MANIFEST_PUB));
	free(tstack_meldctl(&T, NULL, 64, "keys sign"));
}

/* GET /v1/forms until its key_manifest has this version. */
static void
wait_version(long long version)
{
	json_t	*forms = NULL;
	int	 i;

	for (i = 0; i < 100; i++) {
		json_decref(forms);
		forms = NULL;
		if (tstack_req(&T, 0, "GET", "/v1/forms?lang=en", NULL, NULL,
		    &forms) == 200 && json_integer_value(json_object_get(
		    json_object_get(forms, "key_manifest"), "version")) ==
		    version)
			break;
		usleep(100000);
	}
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(forms,
	    "key_manifest"), "version")), version, "manifest %lld never "
	    "served", version);
	json_decref(forms);
}

/* Poll /readyz (503) until its body mentions what. */
static void
wait_unready_because(const char *what)
{
	char	*b = NULL;
	int	 i;

	for (i = 0; i < 100; i++) {
		free(b);
		b = wait_status("/readyz", 503);
		if (strstr(b, what) != NULL)
			break;
		usleep(100000);
	}
	cr_assert_not_null(strstr(b, what), "readyz: %s", b);
	free(b);
}

Test(manifest_e2e, rollback_to_an_older_manifest_is_refused)
{
	PGconn	*su;
	char	*b;

	free(tstack_meldctl(&T, NULL, 0, "keys sign --signing-key '%s/%s'",
	    T.keys, INIT_F_MANIFEST));
	wait_version(2);
	/* A superuser removes the newest manifest: version 1 is validly
	 * signed and covers the same keys, but is older than one the
	 * daemon has accepted. */
	cr_assert_not_null(su = testdb_connect(T.db, NULL));
	cr_assert_eq(testdb_exec(su, "DELETE FROM casework.key_manifests "
	    "WHERE version = 2", NULL), 0);
	wait_unready_because("older than one already accepted");
	b = wait_status("/v1/forms?lang=en", 503);
	free(b);
	/* No manifest at all: still nothing served. */
	cr_assert_eq(testdb_exec(su, "DELETE FROM casework.key_manifests",
	    NULL), 0);
	wait_unready_because("no key manifest has been signed");
	PQfinish(su);
}

Test(manifest_e2e, expired_manifest_is_refused)
{
	json_t		*forms = NULL, *km;
	struct manifest	*m;
	struct secret	*sk;
	char		 path[700], err[256], *text, hex[2 * MANIFEST_SIG_LEN + 1];
	const char	*served;
	uint8_t		 sig[MANIFEST_SIG_LEN];
	PGconn		*admin;

	cr_assert_eq(tstack_req(&T, 0, "GET", "/v1/forms?lang=en", NULL, NULL,
	    &forms), 200);
	km = json_object_get(forms, "key_manifest");
	served = json_string_value(json_object_get(km, "text"));
	cr_assert_not_null(m = manifest_parse(served, strlen(served), err,
	    sizeof(err)), "%s", err);
	/* The same keys, correctly signed by the pinned key, but expired. */
	m->m_version = 2;
	m->m_signed = time(NULL) - 2 * 86400;
	m->m_expires = time(NULL) - 86400;
	cr_assert_not_null(text = manifest_text(m));
	snprintf(path, sizeof(path), "%s/%s", T.keys, INIT_F_MANIFEST);
	cr_assert_not_null(sk = keyfile_read(path, KEYFILE_MANIFEST_SIGNING,
	    KEYFILE_PRIVATE, MANIFEST_SK_LEN, 0, err, sizeof(err)), "%s", err);
	cr_assert_eq(manifest_sign(sk->s_buf, text, strlen(text), sig), 0);
	secret_free(sk);
	secret_hex_encode(sig, sizeof(sig), hex);
	cr_assert_not_null(admin = testdb_connect(T.db, "mp_admin"));
	cr_assert_eq(testdb_execf(admin, NULL, "INSERT INTO "
	    "casework.key_manifests (version, body, signature) VALUES (2, "
	    "'%s', '\\x%s')", text, hex), 0);
	wait_unready_because("has expired");
	free(wait_status("/v1/forms?lang=en", 503));
	PQfinish(admin);
	free(text);
	manifest_free(m);
	json_decref(forms);
}

Test(manifest_e2e, unusable_manifest_public_key_stops_start_up)
{
	struct tdaemon	 d;
	char		 extra[2048], *log;

	/* The private file where the public one belongs: wrong class. */
	snprintf(extra, sizeof(extra), "manifest_public_key = %s/%s\n",
	    T.keys, INIT_F_MANIFEST);
	cr_assert_eq(tdaemon_start(&d, "public", tdaemon_conninfo(T.db,
	    "mp_public"), extra), -1);
	cr_assert_not_null(log = tdaemon_log(&d));
	cr_expect(strstr(log, "manifest_public_key") != NULL, "%s", log);
	free(log);
}
