/*
 * A staff user's own password change (POST /v1/staff/password, DESIGN §5
 * "own profile and key change") and the category-dependent checks of
 * POST /v1/staff/case/reclassify, end to end: the real `meldctl init`,
 * accounts made with the real meldctl, a public meldpuntd taking the
 * reports and a staff meldpuntd serving the handlers.
 *
 * The password change re-seals the same private key under the new
 * password: after it the old password is refused, the new one logs in,
 * and the handler still opens her case (her queue key wraps are the
 * ones made by `queue members add` before the change).  The user's other
 * sessions end; the one that changed the password goes on.
 *
 * Key rotation (POST /v1/staff/key/rotate) replaces the key pair: the
 * case still opens -- in the session that rotated and after a new login
 * -- and the old private key, opened here from the old sealed blob with
 * the password, opens neither the re-wrapped queue key nor a queue key
 * made after the rotation, which the new private key opens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tstack.h"

#define SP_CANARY	"CANARY-91b2-staff-profile"
#define SP_OLD		"old password, long enough"
#define SP_NEW		"a new password of 32 characters"
#define SP_USER		"alice.handler"

static struct tstack	S;

static void
sp_setup(void)
{
	tstack_start(&S, NULL);
}

static void
sp_teardown(void)
{
	tstack_stop(&S);
}

TestSuite(staff_profile, .init = sp_setup, .fini = sp_teardown,
    .timeout = 180);

/* Submit one plaintext report; returns nothing, asserts 201. */
static void
sp_submit(const char *body)
{
	cr_assert_eq(tstack_req(&S, 0, "POST", "/v1/reports", NULL, body,
	    NULL), 201, "%s", body);
}

/* The only case of a queue, as the handler lists it (caller frees). */
static char *
sp_only_case(const struct tstack_user *u, const char *queue)
{
	char	 path[128], *id;
	json_t	*j = NULL, *cases;

	snprintf(path, sizeof(path), "/v1/staff/cases?queue=%s", queue);
	cr_assert_eq(tstack_req(&S, 1, "GET", path, u->token, NULL, &j), 200);
	cases = json_object_get(j, "cases");
	cr_assert_eq(json_array_size(cases), 1);
	id = strdup(json_string_value(json_object_get(json_array_get(cases,
	    0), "id")));
	json_decref(j);
	return (id);
}

/* GET the case and check the decrypted narrative. */
static void
sp_reads(const struct tstack_user *u, const char *id)
{
	char	 path[640];
	json_t	*j = NULL;

	snprintf(path, sizeof(path), "/v1/staff/case?id=%s", id);
	cr_assert_eq(tstack_req(&S, 1, "GET", path, u->token, NULL, &j), 200);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "content"), "narrative")), "afgewezen " SP_CANARY);
	json_decref(j);
}

/* POST /v1/staff/password; returns the status, *code the error code. */
static int
sp_change(const struct tstack_user *u, const char *oldpw, const char *newpw,
    const char *totp, char *code, size_t codelen, char *field,
    size_t fieldlen)
{
	json_t	*b, *j = NULL, *e;
	char	*s;
	int	 st;

	b = json_pack("{s:s,s:s,s:s}", "old_password", oldpw, "new_password",
	    newpw, "totp", totp);
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	st = tstack_req(&S, 1, "POST", "/v1/staff/password", u->token, s, &j);
	free(s);
	e = json_object_get(j, "error");
	if (code != NULL)
		snprintf(code, codelen, "%s", e != NULL ? json_string_value(
		    json_object_get(e, "code")) : "");
	if (field != NULL)
		snprintf(field, fieldlen, "%s", e != NULL &&
		    json_object_get(e, "field") != NULL ? json_string_value(
		    json_object_get(e, "field")) : "");
	json_decref(j);
	return (st);
}

/*
 * Start at the beginning of a TOTP step with enough of it left: the test
 * uses steps S0-1 .. S0+2 and the server accepts one step either side.
 */
static time_t
sp_align(void)
{
	time_t	t = time(NULL);

	if (t % 30 > 15) {
		sleep((unsigned int)(31 - t % 30));
		t = time(NULL);
	}
	return (t - t % 30);
}

Test(staff_profile, password_change_reseals_the_key_and_ends_other_sessions)
{
	struct tstack_user	 a, b;
	char			 code[8], ecode[64], field[64], *id, *s;
	time_t			 t0;
	PGconn			*su;

	tstack_add_user(&S, &a, SP_USER, "handler", SP_OLD, "labour");
	sp_submit("{\"category\":\"labour_discrimination\",\"subtype\":"
	    "\"internship\",\"lang\":\"nl\",\"report\":{\"narrative\":"
	    "\"afgewezen " SP_CANARY "\"}}");
	t0 = sp_align();
	/* Two sessions of the same user: a (step S0-1) and b (S0). */
	tstack_code(&a, t0 - 30, code);
	cr_assert_eq(tstack_login(&S, &a, SP_OLD, code), 201);
	b = a;
	tstack_code(&b, t0, code);
	cr_assert_eq(tstack_login(&S, &b, SP_OLD, code), 201);
	cr_assert_str_neq(a.token, b.token);
	id = sp_only_case(&a, "labour");
	sp_reads(&a, id);

	/* Weak new passwords: 400 with a pointer, nothing counted. */
	tstack_code(&a, t0 + 30, code);
	cr_expect_eq(sp_change(&a, SP_OLD, "short pw", code, ecode,
	    sizeof(ecode), field, sizeof(field)), 400);
	cr_expect_str_eq(ecode, "weak_password");
	cr_expect_str_eq(field, "/new_password");
	cr_expect_eq(sp_change(&a, SP_OLD, "Alice.Handler", code, ecode,
	    sizeof(ecode), NULL, 0), 400);
	cr_expect_str_eq(ecode, "weak_password");
	cr_expect_eq(sp_change(&a, SP_OLD, SP_OLD, code, ecode,
	    sizeof(ecode), NULL, 0), 400);
	cr_expect_str_eq(ecode, "weak_password");
	cr_expect_eq(tstack_req(&S, 1, "POST", "/v1/staff/password", a.token,
	    "{\"old_password\":\"x\"}", NULL), 400);
	cr_expect_eq(tstack_req(&S, 1, "POST", "/v1/staff/password", NULL,
	    "{\"old_password\":\"x\",\"new_password\":\"" SP_NEW "\","
	    "\"totp\":\"123456\"}", NULL), 401);
	/* A wrong old password or code: 403, the same answer for both. */
	cr_expect_eq(sp_change(&a, "not the password", SP_NEW, code, ecode,
	    sizeof(ecode), NULL, 0), 403);
	cr_expect_str_eq(ecode, "credentials_refused");
	sleep(3);	/* the account backs off after a failure */
	cr_expect_eq(sp_change(&a, SP_OLD, SP_NEW, "000000", ecode,
	    sizeof(ecode), NULL, 0), 403);
	cr_expect_str_eq(ecode, "credentials_refused");
	sleep(5);
	cr_assert_not_null(su = testdb_connect(S.db, NULL));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'password.change'"), 0);

	/* The change: session b ends, a goes on and still reads the case. */
	cr_assert_eq(sp_change(&a, SP_OLD, SP_NEW, code, ecode, sizeof(ecode),
	    NULL, 0), 200, "%s", ecode);
	cr_expect_eq(tstack_req(&S, 1, "GET", "/v1/staff/me", b.token, NULL,
	    NULL), 401);
	cr_expect_eq(tstack_req(&S, 1, "GET", "/v1/staff/me", a.token, NULL,
	    NULL), 200);
	sp_reads(&a, id);
	/* The code's step is used now: the same code again is a replay. */
	cr_expect_eq(sp_change(&a, SP_NEW, "yet another password!", code,
	    ecode, sizeof(ecode), NULL, 0), 403);
	sleep(3);

	/* The old password is refused; the new one opens the same key. */
	tstack_code(&b, t0 + 60, code);
	cr_expect_eq(tstack_login(&S, &b, SP_OLD, code), 401);
	sleep(5);	/* two failures since the change: 4 s of backoff */
	while (time(NULL) < t0 + 30)	/* step S0+2 valid from S0+1 on */
		sleep(1);
	cr_assert_eq(tstack_login(&S, &b, SP_NEW, code), 201);
	sp_reads(&b, id);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'password.change' AND details->>'sessions_ended' "
	    "= '1'"), 1);
	cr_expect_eq(testdb_count(su, "SELECT count(DISTINCT public_key) FROM "
	    "casework.users"), 1, "the key pair is kept");
	PQfinish(su);
	s = tstack_meldctl(&S, NULL, 0, "audit verify");
	cr_expect_not_null(strstr(s, "audit chain ok"), "%s", s);
	free(s);

	tstack_stop(&S);
	s = tdaemon_log(&S.staff);
	cr_assert_not_null(s);
	cr_expect_null(strstr(s, SP_OLD), "old password in the log");
	cr_expect_null(strstr(s, SP_NEW), "new password in the log");
	cr_expect_null(strstr(s, SP_CANARY), "canary in the log");
	cr_expect_null(strstr(s, id), "case id in the log");
	free(s);
	free(id);
}

Test(staff_profile, reclassify_checks_values_against_the_case_category)
{
	struct tstack_user	 a, o;
	char			 code[8], body[768], *lid, *oid;
	json_t			*j = NULL, *e;

	tstack_add_user(&S, &a, "anna", "handler", SP_OLD, "labour");
	tstack_add_user(&S, &o, "omar", "handler", SP_OLD, "obi");
	sp_submit("{\"category\":\"labour_discrimination\",\"subtype\":"
	    "\"internship\",\"lang\":\"nl\",\"answers\":{\"province\":"
	    "\"utrecht\"},\"report\":{\"narrative\":\"x\"}}");
	sp_submit("{\"category\":\"foreign_interference\",\"subtype\":"
	    "\"intimidation\",\"lang\":\"nl\",\"answers\":{\"province\":"
	    "\"limburg\"},\"report\":{\"narrative\":\"y\"}}");
	tstack_code(&a, time(NULL), code);
	cr_assert_eq(tstack_login(&S, &a, SP_OLD, code), 201);
	tstack_code(&o, time(NULL), code);
	cr_assert_eq(tstack_login(&S, &o, SP_OLD, code), 201);
	lid = sp_only_case(&a, "labour");
	oid = sp_only_case(&o, "obi");

	/* Ground and sector are asked for labour discrimination only. */
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"ground\":\"origin\"}",
	    oid);
	cr_assert_eq(tstack_req(&S, 1, "POST", "/v1/staff/case/reclassify",
	    o.token, body, &j), 400);
	e = json_object_get(j, "error");
	cr_expect_str_eq(json_string_value(json_object_get(e, "code")),
	    "invalid_field");
	cr_expect_str_eq(json_string_value(json_object_get(e, "field")),
	    "/ground");
	json_decref(j);
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"subtype\":"
	    "\"recruitment\"}", oid);
	cr_expect_eq(tstack_req(&S, 1, "POST", "/v1/staff/case/reclassify",
	    o.token, body, NULL), 400);
	/* The same change on the labour case is fine. */
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"ground\":\"origin\","
	    "\"subtype\":\"recruitment\"}", lid);
	cr_expect_eq(tstack_req(&S, 1, "POST", "/v1/staff/case/reclassify",
	    a.token, body, NULL), 200);
	/* An OBI subtype and clearing the province on the OBI case. */
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"subtype\":"
	    "\"surveillance\",\"province\":null,\"ground\":null}", oid);
	cr_assert_eq(tstack_req(&S, 1, "POST", "/v1/staff/case/reclassify",
	    o.token, body, &j), 200);
	cr_expect_str_eq(json_string_value(json_object_get(j, "subtype")),
	    "surveillance");
	cr_expect(json_is_null(json_object_get(j, "province")));
	json_decref(j);
	/* Another queue's case does not exist for the handler. */
	cr_expect_eq(tstack_req(&S, 1, "POST", "/v1/staff/case/reclassify",
	    a.token, body, NULL), 404);

	/* The counters moved with the cases, in the same transactions. */
	{
		PGconn	*su;

		cr_assert_not_null(su = testdb_connect(S.db, NULL));
		cr_expect_eq(testdb_count(su, "SELECT coalesce(sum(n), 0) FROM "
		    "stats.counters WHERE category = 'foreign_interference' "
		    "AND subtype = 'surveillance' AND province = ''"), 1);
		cr_expect_eq(testdb_count(su, "SELECT coalesce(sum(n), 0) FROM "
		    "stats.counters WHERE subtype = 'intimidation'"), 0);
		cr_expect_eq(testdb_count(su, "SELECT coalesce(sum(n), 0) FROM "
		    "stats.counters WHERE category = 'labour_discrimination' "
		    "AND subtype = 'recruitment' AND ground = 'origin' AND "
		    "province = 'utrecht'"), 1);
		cr_expect_eq(testdb_count(su, "SELECT sum(n) FROM "
		    "stats.counters"), 2);
		PQfinish(su);
	}
	free(lid);
	free(oid);
}

/* The user's private key as the database holds it now, opened with the
 * password as the staff process does; *kid gets its key id. */
static struct hpke_key *
sp_private_key(PGconn *su, const char *user, const char *pw,
    unsigned char kid[STAFFCRED_KEYID_LEN])
{
	struct secret_kdf	 kdf;
	struct secret		*sk;
	struct hpke_key		*k;
	unsigned char		 salt[64], sealed[512], proof[32], kek[32];
	char			 sql[256], *v;
	size_t			 saltlen, sealedlen;

	snprintf(sql, sizeof(sql), "SELECT encode(pw_salt, 'hex') || ':' || "
	    "pw_m_kib || ':' || pw_t || ':' || pw_p || ':' || "
	    "encode(sealed_private_key, 'hex') FROM casework.users WHERE "
	    "username = '%s'", user);
	cr_assert_not_null(v = testdb_value(su, sql));
	saltlen = strcspn(v, ":") / 2;
	cr_assert_eq(secret_hex_decode(v, 2 * saltlen, salt, saltlen), 0);
	cr_assert_eq(sscanf(v + 2 * saltlen, ":%u:%u:%u:", &kdf.k_m_kib,
	    &kdf.k_t, &kdf.k_p), 3);
	sealedlen = strlen(strrchr(v, ':') + 1) / 2;
	cr_assert_leq(sealedlen, sizeof(sealed));
	cr_assert_eq(secret_hex_decode(strrchr(v, ':') + 1, 2 * sealedlen,
	    sealed, sealedlen), 0);
	free(v);
	cr_assert_eq(staffcred_derive(&kdf, pw, strlen(pw), salt, saltlen,
	    proof, kek), 0);
	cr_assert_eq(staffcred_open(kek, "key", user, sealed, sealedlen, &sk),
	    0);
	cr_assert_not_null(k = hpke_key_from_private(HPKE_KEM_P256_SHA256,
	    sk->s_buf, sk->s_len));
	cr_assert_eq(staffcred_key_id(k, kid), 0);
	secret_free(sk);
	OPENSSL_cleanse(kek, sizeof(kek));
	return (k);
}

/* Does k (key id kid) open the user's wrap of the queue's current key? */
static int
sp_opens_current(PGconn *su, const char *user, const char *queue,
    const struct hpke_key *k, const unsigned char kid[STAFFCRED_KEYID_LEN])
{
	unsigned char	 qkid[STAFFCRED_KEYID_LEN], enc[133], wr[48], sc[32];
	char		 sql[512], *v, *c1, *c2;
	size_t		 enclen;
	int		 rc;

	snprintf(sql, sizeof(sql), "SELECT k.key_id || ':' || encode(w.enc, "
	    "'hex') || ':' || encode(w.wrapped, 'hex') FROM "
	    "casework.queue_key_wraps w JOIN casework.queue_keys k ON "
	    "k.key_id = w.key_id AND k.current JOIN casework.queues q ON "
	    "q.id = k.queue_id JOIN casework.users u ON u.id = w.user_id "
	    "WHERE q.name = '%s' AND u.username = '%s'", queue, user);
	cr_assert_not_null(v = testdb_value(su, sql));
	cr_assert_not_null(c1 = strchr(v, ':'));
	cr_assert_not_null(c2 = strchr(c1 + 1, ':'));
	*c1 = *c2 = '\0';
	enclen = strlen(c1 + 1) / 2;
	cr_assert_eq(staffcred_key_id_parse(v, qkid), 0);
	cr_assert_eq(secret_hex_decode(c1 + 1, 2 * enclen, enc, enclen), 0);
	cr_assert_eq(secret_hex_decode(c2 + 1, 96, wr, 48), 0);
	free(v);
	rc = staffcred_unwrap_queue_key(k, qkid, kid, enc, enclen, wr, 48, sc);
	OPENSSL_cleanse(sc, sizeof(sc));
	return (rc == 0);
}

/* POST /v1/staff/key/rotate; returns the status, *j the body. */
static int
sp_rotate(const struct tstack_user *u, const char *pw, const char *totp,
    json_t **j)
{
	json_t	*b;
	char	*s;
	int	 st;

	b = json_pack("{s:s,s:s}", "password", pw, "totp", totp);
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	st = tstack_req(&S, 1, "POST", "/v1/staff/key/rotate", u->token, s, j);
	free(s);
	return (st);
}

Test(staff_profile, key_rotation_rewraps_every_held_key)
{
	struct tstack_user	 a, b, c;
	struct hpke_key		*oldk, *newk;
	unsigned char		 oldkid[STAFFCRED_KEYID_LEN];
	unsigned char		 newkid[STAFFCRED_KEYID_LEN];
	char			 code[8], hex[33], *id, *s;
	json_t			*j = NULL;
	time_t			 t0;
	PGconn			*su;

	tstack_add_user(&S, &a, SP_USER, "handler", SP_OLD, "labour");
	sp_submit("{\"category\":\"labour_discrimination\",\"subtype\":"
	    "\"internship\",\"lang\":\"nl\",\"report\":{\"narrative\":"
	    "\"afgewezen " SP_CANARY "\"}}");
	cr_assert_not_null(su = testdb_connect(S.db, NULL));
	oldk = sp_private_key(su, SP_USER, SP_OLD, oldkid);
	cr_assert(sp_opens_current(su, SP_USER, "labour", oldk, oldkid));
	t0 = sp_align();
	tstack_code(&a, t0 - 30, code);
	cr_assert_eq(tstack_login(&S, &a, SP_OLD, code), 201);
	b = a;
	tstack_code(&b, t0, code);
	cr_assert_eq(tstack_login(&S, &b, SP_OLD, code), 201);
	id = sp_only_case(&a, "labour");
	sp_reads(&a, id);

	/* Refused: no session, a malformed body, a wrong password. */
	tstack_code(&a, t0 + 30, code);
	cr_expect_eq(tstack_req(&S, 1, "POST", "/v1/staff/key/rotate", NULL,
	    "{\"password\":\"x\",\"totp\":\"123456\"}", NULL), 401);
	cr_expect_eq(tstack_req(&S, 1, "POST", "/v1/staff/key/rotate",
	    a.token, "{\"password\":\"x\"}", NULL), 400);
	cr_expect_eq(sp_rotate(&a, "not the password", code, NULL), 403);
	sleep(3);	/* the account backs off after a failure */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'key.rotate'"), 0);

	/* The rotation. */
	cr_assert_eq(sp_rotate(&a, SP_OLD, code, &j), 200);
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")),
	    "key_rotated");
	cr_expect_eq(json_integer_value(json_object_get(j, "queue_keys")), 1);
	cr_expect_eq(json_integer_value(json_object_get(j,
	    "other_sessions_ended")), 1);
	newk = sp_private_key(su, SP_USER, SP_OLD, newkid);
	staffcred_key_id_hex(newkid, hex);
	cr_expect_str_eq(json_string_value(json_object_get(j, "key_id")), hex);
	cr_expect_neq(memcmp(oldkid, newkid, sizeof(oldkid)), 0);
	json_decref(j);
	cr_expect_eq(tstack_req(&S, 1, "GET", "/v1/staff/me", b.token, NULL,
	    NULL), 401, "the other session ended");
	sp_reads(&a, id);
	/* The queue key's wrap: the new key opens it, the old one not. */
	cr_expect(sp_opens_current(su, SP_USER, "labour", newk, newkid));
	cr_expect(!sp_opens_current(su, SP_USER, "labour", oldk, oldkid));

	/* A queue key made after the rotation is wrapped to the new key. */
	s = tstack_meldctl(&S, NULL, 0, "keys rotate labour");
	free(s);
	cr_expect(sp_opens_current(su, SP_USER, "labour", newk, newkid));
	cr_expect(!sp_opens_current(su, SP_USER, "labour", oldk, oldkid),
	    "the old private key opens a wrap made after the rotation");

	/* A new login unwraps with the new key and reads the case. */
	while (time(NULL) < t0 + 30)	/* step S0+2 valid from S0+1 on */
		sleep(1);
	c = a;
	tstack_code(&c, t0 + 60, code);
	cr_assert_eq(tstack_login(&S, &c, SP_OLD, code), 201);
	sp_reads(&c, id);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'key.rotate' AND details->>'queue_keys' = '1'"),
	    1);
	hpke_key_free(oldk);
	hpke_key_free(newk);
	PQfinish(su);
	s = tstack_meldctl(&S, NULL, 0, "audit verify");
	cr_expect_not_null(strstr(s, "audit chain ok"), "%s", s);
	free(s);

	tstack_stop(&S);
	s = tdaemon_log(&S.staff);
	cr_assert_not_null(s);
	cr_expect_null(strstr(s, SP_OLD), "password in the log");
	cr_expect_null(strstr(s, hex), "key id in the log");
	free(s);
	free(id);
}
