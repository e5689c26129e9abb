/*
 * End-to-end tests of the staff side (issue 6): queues and users made
 * with the real meldctl binary, a real `meldpuntd --role staff` over TLS,
 * a real PostgreSQL.  Reports are sealed here with the crypto library and
 * stored through intake.submit_report as mp_public (what the public
 * process does); the reporter reads the handler's reply through the
 * reporter SQL functions with the receipt-side key.  TOTP codes are
 * computed by the test.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/receipt.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "crypto/totp.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"

#define CANARY		"CANARY-7f3e-staff-e2e"
#define PASSWORD	"correct horse battery staple"

struct env {
	char		*db;
	char		 dir[512];
	char		 rec[600], seal[600], clockf[600];
	char		 admin_ci[1024];
	struct tdaemon	 d;
	int		 up;
};

struct user {
	char		 name[32];
	unsigned char	 totp[TOTP_SECRET_LEN];
	char		 token[80];
};

/* ------------------------------------------------------------ helpers */

static char *
run(const char *cmd, const char *input, int *status)
{
	char	 path[700], full[4096], *out = NULL;
	FILE	*fp;
	size_t	 len = 0;
	int	 st;

	snprintf(path, sizeof(path), "%s/meldctl", getenv("MELDPUNT_BUILD"));
	if (input != NULL)
		snprintf(full, sizeof(full), "printf '%%s\\n' '%s' | %s %s",
		    input, path, cmd);
	else
		snprintf(full, sizeof(full), "%s %s </dev/null", path, cmd);
	fp = popen(full, "r");
	cr_assert_not_null(fp);
	out = calloc(1, 65536);
	len = fread(out, 1, 65535, fp);
	out[len] = '\0';
	st = pclose(fp);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	return (out);
}

static char *
mctl(struct env *e, const char *input, int want, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static char *
mctl(struct env *e, const char *input, int want, const char *fmt, ...)
{
	va_list	 ap;
	char	 args[2048], cmd[3200], *out;
	int	 st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "-d '%s' %s", e->admin_ci, args);
	out = run(cmd, input, &st);
	cr_assert_eq(st, want, "meldctl %s: exit %d, output: %s", args, st,
	    out);
	return (out);
}

static void
write_keys(struct env *e, PGconn *su)
{
	struct hpke_key	*rk;
	unsigned char	 sk[32], pub[65], kid[16], seal[32];
	size_t		 sklen = 32, publen = 65;
	char		 err[256], kidhex[33], sql[1024], pubhex[131];

	snprintf(e->rec, sizeof(e->rec), "%s/recovery.key", e->dir);
	snprintf(e->seal, sizeof(e->seal), "%s/totp-seal.key", e->dir);
	snprintf(e->clockf, sizeof(e->clockf), "%s/clock", e->dir);
	rk = hpke_key_new(HPKE_KEM_P256_SHA256);
	cr_assert_not_null(rk);
	cr_assert_eq(hpke_key_private(rk, sk, &sklen), 0);
	cr_assert_eq(hpke_key_public(rk, pub, &publen), 0);
	cr_assert_eq(staffcred_key_id(rk, kid), 0);
	cr_assert_eq(keyfile_write(e->rec, KEYFILE_RECOVERY, KEYFILE_PRIVATE,
	    sk, sklen, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(secret_random(seal, sizeof(seal)), 0);
	cr_assert_eq(keyfile_write(e->seal, KEYFILE_TOTP_SEAL, KEYFILE_SECRET,
	    seal, sizeof(seal), err, sizeof(err)), 0, "%s", err);
	staffcred_key_id_hex(kid, kidhex);
	secret_hex_encode(pub, publen, pubhex);
	snprintf(sql, sizeof(sql), "INSERT INTO casework.recovery_keys "
	    "(key_id, kem_id, kdf_id, aead_id, public_key) VALUES ('%s', 16, "
	    "1, 2, '\\x%s')", kidhex, pubhex);
	cr_assert_eq(testdb_exec(su, sql, NULL), 0);
	hpke_key_free(rk);
}

static void
add_user(struct env *e, struct user *u, const char *name, const char *kind)
{
	char	*out, *p;
	size_t	 n;

	snprintf(u->name, sizeof(u->name), "%s", name);
	out = mctl(e, PASSWORD, 0, "user add --kind %s --password-stdin "
	    "--argon2 8192,1,1 --totp-seal-key '%s' %s", kind, e->seal, name);
	p = strstr(out, "totp-secret: ");
	cr_assert_not_null(p, "%s", out);
	p += 13;
	p[strcspn(p, "\n")] = '\0';
	cr_assert_eq(totp_base32_decode(p, strlen(p), u->totp,
	    sizeof(u->totp), &n), 0);
	cr_assert_eq(n, TOTP_SECRET_LEN);
	free(out);
}

static void
setup(struct env *e, const char *extra_conf)
{
	PGconn	*su;
	char	 conf[2048], routes[700];
	FILE	*fp;

	memset(e, 0, sizeof(*e));
	e->db = testdb_create();
	cr_assert_not_null(e->db);
	snprintf(e->dir, sizeof(e->dir), "%s/staff-%d-%ld",
	    getenv("MELDPUNT_TEST_TMP"), (int)getpid(), (long)time(NULL));
	cr_assert_eq(mkdir(e->dir, 0700), 0);
	su = testdb_connect(e->db, NULL);
	cr_assert_not_null(su);
	write_keys(e, su);
	PQfinish(su);
	snprintf(e->admin_ci, sizeof(e->admin_ci), "%s",
	    tdaemon_conninfo(e->db, "mp_admin"));
	free(mctl(e, NULL, 0, "queue add qa --category labour_discrimination"));
	free(mctl(e, NULL, 0, "queue add qb --category labour_discrimination"));
	snprintf(routes, sizeof(routes), "%s/routes", e->dir);
	fp = fopen(routes, "w");
	cr_assert_not_null(fp);
	fprintf(fp, "# test routing\n100 labour_discrimination * * * qa\n"
	    "110 foreign_interference * * * qb\n120 honour_violence * * * qb\n");
	fclose(fp);
	free(mctl(e, NULL, 0, "route load '%s'", routes));
	snprintf(conf, sizeof(conf), "totp_seal_key = %s\n"
	    "insecure_test_clock_file = %s\n%s", e->seal, e->clockf,
	    extra_conf != NULL ? extra_conf : "");
	cr_assert_eq(tdaemon_start(&e->d, "staff",
	    tdaemon_conninfo(e->db, "mp_staff"), conf), 0,
	    "meldpuntd did not start (see %s)", e->d.log);
	e->up = 1;
}

static void
teardown(struct env *e)
{
	if (e->up)
		tdaemon_stop(&e->d);
	testdb_drop(e->db);
	free(e->db);
}

static int
req(struct env *e, const char *method, const char *path, const char *token,
    const char *body, json_t **out)
{
	struct tcl_resp	 r;
	char		 hdr[256];
	json_error_t	 jerr;
	int		 st;

	snprintf(hdr, sizeof(hdr), "%s%s%s%s", token ? "Authorization: "
	    "Bearer " : "", token ? token : "", token ? "\r\n" : "",
	    body ? "Content-Type: application/json\r\n" : "");
	cr_assert_eq(tcl_request(e->d.port, method, path, hdr, body, &r), 0);
	st = r.status;
	if (out != NULL)
		*out = json_loads(r.body, 0, &jerr);
	tcl_resp_clear(&r);
	return (st);
}

static int
login_code(struct env *e, struct user *u, const char *pw, const char *code,
    char **body)
{
	struct tcl_resp	 r;
	char		 b[512];
	json_t		*j;
	json_error_t	 jerr;
	int		 st;

	snprintf(b, sizeof(b), "{\"username\":\"%s\",\"password\":\"%s\","
	    "\"totp\":\"%s\"}", u->name, pw, code);
	cr_assert_eq(tcl_request(e->d.port, "POST", "/v1/staff/session",
	    "Content-Type: application/json\r\n", b, &r), 0);
	st = r.status;
	if (st == 201) {
		j = json_loads(r.body, 0, &jerr);
		cr_assert_not_null(j);
		snprintf(u->token, sizeof(u->token), "%s",
		    json_string_value(json_object_get(j, "token")));
		json_decref(j);
	}
	if (body != NULL)
		*body = strdup(r.body);
	tcl_resp_clear(&r);
	return (st);
}

static void
code_now(const struct user *u, char code[8])
{
	cr_assert_eq(totp_code(u->totp, sizeof(u->totp), time(NULL), 6, code),
	    0);
}

static void
login(struct env *e, struct user *u)
{
	char	code[8];

	code_now(u, code);
	cr_assert_eq(login_code(e, u, PASSWORD, code, NULL), 201);
}

/* A report sealed as a client would, stored as the public process does. */
struct report {
	char		 id[37];
	unsigned char	 id_raw[16];
	unsigned char	 lookup[16], verifier[32], wrapkey[32];
};

static void
submit(struct env *e, const char *text, struct report *rp)
{
	PGconn				*su, *pub;
	PGresult			*res;
	struct envelope			*env;
	struct envelope_recipient	 rc[2];
	struct hpke_key			*qk, *rk;
	unsigned char			*b, tk[32], tkenc[65], tkw[48], sealed[128];
	unsigned char			 ct[1200 + 32];
	const struct envelope_wrap	*w;
	size_t				 len, tkenclen, sealedlen = sizeof(sealed);
	const unsigned char		*c;
	char				 qkid[33], rkid[33], *v, pt[2048];
	const char			*p[16];
	char				 h[16][2200], arr[2][4500];
	int				 i;

	su = testdb_connect(e->db, NULL);
	cr_assert_not_null(su);
	res = PQexec(su, "SELECT k.key_id, k.public_key, r.key_id, "
	    "r.public_key, gen_random_uuid() FROM casework.queue_keys k "
	    "JOIN casework.queues q ON q.id = k.queue_id AND q.name = 'qa' "
	    "AND k.current, casework.recovery_keys r WHERE r.current");
	cr_assert_eq(PQntuples(res), 1);
	snprintf(qkid, sizeof(qkid), "%s", PQgetvalue(res, 0, 0));
	snprintf(rkid, sizeof(rkid), "%s", PQgetvalue(res, 0, 2));
	snprintf(rp->id, sizeof(rp->id), "%s", PQgetvalue(res, 0, 4));
	cr_assert_eq(staffcred_uuid_parse(rp->id, rp->id_raw), 0);
	v = PQgetvalue(res, 0, 1);
	b = calloc(1, 100);
	cr_assert_eq(secret_hex_decode(v + 2, strlen(v + 2), b, 65), 0);
	qk = hpke_key_from_public(HPKE_KEM_P256_SHA256, b, 65);
	v = PQgetvalue(res, 0, 3);
	cr_assert_eq(secret_hex_decode(v + 2, strlen(v + 2), b, 65), 0);
	rk = hpke_key_from_public(HPKE_KEM_P256_SHA256, b, 65);
	free(b);
	cr_assert(qk != NULL && rk != NULL);
	PQclear(res);
	PQfinish(su);

	rc[0].r_key = qk;
	rc[1].r_key = rk;
	cr_assert_eq(staffcred_key_id_parse(qkid, rc[0].r_key_id), 0);
	cr_assert_eq(staffcred_key_id_parse(rkid, rc[1].r_key_id), 0);
	snprintf(pt, sizeof(pt), "{\"narrative\":\"%s\"}", text);
	env = envelope_build(&hpke_suite_default, "labour_discrimination", rc,
	    2, (const uint8_t *)pt, strlen(pt));
	cr_assert_not_null(env);
	/* Thread key: wrapped to the queue key and under the receipt key. */
	cr_assert_eq(secret_random(tk, 32), 0);
	cr_assert_eq(staffcred_wrap_thread_key(qk, rc[0].r_key_id, rp->id_raw,
	    tk, tkenc, &tkenclen, tkw), 0);
	cr_assert_eq(secret_random(rp->lookup, 16), 0);
	cr_assert_eq(secret_random(rp->verifier, 32), 0);
	cr_assert_eq(secret_random(rp->wrapkey, 32), 0);
	cr_assert_eq(receipt_wrap_thread_key(rp->wrapkey, tk, 32, rp->id_raw,
	    16, sealed, &sealedlen), 0);

	c = envelope_ciphertext(env, &len);
	cr_assert(len <= 1200);
	memcpy(ct, envelope_commit(env), 32);
	memcpy(ct + 32, c, len);
#define HEX(i, buf, n) do { strcpy(h[i], "\\x"); \
	secret_hex_encode((buf), (n), h[i] + 2); p[i] = h[i]; } while (0)
	HEX(0, envelope_nonce(env), 12);
	HEX(1, ct, len + 32);
	snprintf(h[2], sizeof(h[2]), "{%s,%s}", qkid, rkid);
	p[2] = h[2];
	for (i = 0; i < 2; i++) {
		w = envelope_wrap_at(env, (size_t)(
		    envelope_find_wrap(env, rc[i].r_key_id)));
		strcpy(h[3 + i], "\\\\x");
		secret_hex_encode(w->w_enc, w->w_enclen, h[3 + i] + 3);
		strcpy(h[5 + i], "\\\\x");
		secret_hex_encode(w->w_dek, 48, h[5 + i] + 3);
	}
	snprintf(arr[0], sizeof(arr[0]), "{\"%s\",\"%s\"}", h[3], h[4]);
	snprintf(arr[1], sizeof(arr[1]), "{\"%s\",\"%s\"}", h[5], h[6]);
	p[3] = arr[0];
	p[4] = arr[1];
	snprintf(h[9], sizeof(h[9]), "{%s}", qkid);
	p[5] = h[9];
	strcpy(h[10], "{\"\\\\x");
	secret_hex_encode(tkenc, tkenclen, h[10] + 5);
	strcat(h[10], "\"}");
	p[6] = h[10];
	strcpy(h[11], "{\"\\\\x");
	secret_hex_encode(tkw, 48, h[11] + 5);
	strcat(h[11], "\"}");
	p[7] = h[11];
	HEX(13, rp->lookup, 16);
	HEX(14, rp->verifier, 32);
	HEX(12, sealed, sealedlen);
	p[8] = p[13];
	p[9] = p[14];
	p[10] = p[12];
	p[11] = rp->id;
	pub = testdb_connect(e->db, "mp_public");
	cr_assert_not_null(pub);
	res = PQexecParams(pub, "SELECT * FROM intake.submit_report("
	    "'labour_discrimination', '', '', '', '', false, NULL, "
	    "1::smallint, 16, 1, 2, $1::bytea, $2::bytea, $3::text[], "
	    "$4::bytea[], $5::bytea[], $6::text[], $7::bytea[], $8::bytea[], "
	    "$9::bytea, sha256('salt'::bytea), $10::bytea, 19456, 2, 1, "
	    "$11::bytea, NULL, NULL, NULL, NULL, $12::uuid)", 12, NULL, p,
	    NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "submit: %s",
	    PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(pub);
	envelope_free(env);
	hpke_key_free(qk);
	hpke_key_free(rk);
}

/* The reporter's view of handler message seq, decrypted. */
static char *
reporter_reads(struct env *e, const struct report *rp, int seq)
{
	PGconn		*pub;
	PGresult	*res;
	char		 lk[40], vf[70];
	const char	*p[2] = { lk, vf };
	unsigned char	 sealed[128], tk[64], *body, ctx[64];
	size_t		 sl, tkl = sizeof(tk), bl, ptl;
	uint8_t		*pt;
	char		*v, *out = NULL;
	int		 i;

	strcpy(lk, "\\x");
	secret_hex_encode(rp->lookup, 16, lk + 2);
	strcpy(vf, "\\x");
	secret_hex_encode(rp->verifier, 32, vf + 2);
	pub = testdb_connect(e->db, "mp_public");
	res = PQexecParams(pub, "SELECT thread_key_sealed FROM "
	    "casework.reporter_case($1::bytea, $2::bytea)", 2, NULL, p, NULL,
	    NULL, 0);
	cr_assert_eq(PQntuples(res), 1);
	v = PQgetvalue(res, 0, 0);
	sl = strlen(v + 2) / 2;
	cr_assert_eq(secret_hex_decode(v + 2, 2 * sl, sealed, sl), 0);
	cr_assert_eq(receipt_unwrap_thread_key(rp->wrapkey, sealed, sl,
	    rp->id_raw, 16, tk, &tkl), 0);
	PQclear(res);
	res = PQexecParams(pub, "SELECT seq, body FROM "
	    "casework.reporter_messages($1::bytea, $2::bytea) WHERE "
	    "direction = 'handler'", 2, NULL, p, NULL, NULL, 0);
	for (i = 0; i < PQntuples(res); i++) {
		if (atoi(PQgetvalue(res, i, 0)) != seq)
			continue;
		v = PQgetvalue(res, i, 1);
		bl = strlen(v + 2) / 2;
		body = malloc(bl);
		cr_assert_eq(secret_hex_decode(v + 2, 2 * bl, body, bl), 0);
		memcpy(ctx, "meldpunt-thread", 15);
		memcpy(ctx + 15, rp->id_raw, 16);
		cr_assert_eq(envelope_item_open(tk, ctx, 31, body, bl, &pt,
		    &ptl), 0);
		out = strndup((char *)pt, ptl);
		free(pt);
		free(body);
	}
	PQclear(res);
	PQfinish(pub);
	return (out);
}

static json_t *
get_case(struct env *e, struct user *u, const char *id, int want)
{
	char	 path[128];
	json_t	*j = NULL;
	int	 st;

	snprintf(path, sizeof(path), "/v1/staff/case?id=%s", id);
	st = req(e, "GET", path, u->token, NULL, &j);
	cr_assert_eq(st, want, "GET case as %s: %d", u->name, st);
	return (j);
}

/* ------------------------------------------------------------ tests */

Test(staff, handlers_read_reply_transfer_overdue, .timeout = 120)
{
	struct env	 e;
	struct user	 a, b;
	struct report	 r1, r2, r3;
	json_t		*j, *c;
	char		 body[512], path[256], *s, *log;
	FILE		*fp;
	int		 seq, st;
	long long	 reads;
	PGconn		*su;

	setup(&e, NULL);
	add_user(&e, &a, "alice", "handler");
	add_user(&e, &b, "bob", "handler");
	free(mctl(&e, NULL, 0, "queue members add qa alice --recovery-key "
	    "'%s'", e.rec));
	free(mctl(&e, NULL, 0, "queue members add qb bob --recovery-key '%s'",
	    e.rec));
	s = mctl(&e, NULL, 0, "queue list");
	cr_assert(strstr(s, "alice") != NULL && strstr(s, "bob") != NULL);
	free(s);
	submit(&e, "Ik werd afgewezen " CANARY, &r1);
	submit(&e, "tweede melding", &r2);
	submit(&e, "derde melding", &r3);
	login(&e, &a);
	login(&e, &b);

	/* Alice's queue: counts and a paged list. */
	cr_assert_eq(req(&e, "GET", "/v1/staff/queues", a.token, NULL, &j),
	    200);
	c = json_array_get(json_object_get(j, "queues"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(c, "name")), "qa");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(c,
	    "counts"), "new")), 3);
	json_decref(j);
	cr_assert_eq(req(&e, "GET", "/v1/staff/cases?queue=qa&limit=2",
	    a.token, NULL, &j), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 2);
	cr_assert(json_is_string(json_object_get(j, "next")));
	snprintf(path, sizeof(path), "/v1/staff/cases?queue=qa&limit=2&after=%s",
	    json_string_value(json_object_get(j, "next")));
	json_decref(j);
	cr_assert_eq(req(&e, "GET", path, a.token, NULL, &j), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 1);
	cr_assert(json_is_null(json_object_get(j, "next")));
	json_decref(j);
	cr_assert_eq(req(&e, "GET", "/v1/staff/cases?queue=qa", b.token, NULL,
	    NULL), 404);

	/* Alice reads exactly what was sealed; Bob sees nothing. */
	j = get_case(&e, &a, r1.id, 200);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "content"), "narrative")), "Ik werd afgewezen " CANARY);
	json_decref(j);
	json_decref(get_case(&e, &b, r1.id, 404));
	json_decref(get_case(&e, &b, "00000000-0000-4000-8000-000000000000",
	    404));

	/* Reply, note, claim, transition. */
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"text\":\"Dank u, wij "
	    "nemen contact op.\"}", r1.id);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/messages", a.token, body,
	    &j), 201);
	seq = (int)json_integer_value(json_object_get(j, "seq"));
	json_decref(j);
	s = reporter_reads(&e, &r1, seq);
	cr_assert_not_null(s);
	cr_assert_str_eq(s, "Dank u, wij nemen contact op.");
	free(s);
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"text\":\"intern "
	    CANARY "\"}", r1.id);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/notes", a.token, body,
	    NULL), 201);
	snprintf(body, sizeof(body), "{\"case\":\"%s\"}", r1.id);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/claim", a.token, body,
	    NULL), 200);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/claim", b.token, body,
	    NULL), 404);
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"to\":\"closed\","
	    "\"reason\":\"x\"}", r1.id);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/transition", a.token,
	    body, NULL), 409);
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"to\":\"acknowledged\","
	    "\"reason\":\"first look\"}", r1.id);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/transition", a.token,
	    body, NULL), 200);
	j = get_case(&e, &a, r1.id, 200);
	cr_assert_str_eq(json_string_value(json_object_get(j, "state")),
	    "acknowledged");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "notes"), 0), "text")), "intern " CANARY);
	json_decref(j);

	/* Transfer to Bob's queue: Bob reads it, Alice no longer. */
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"queue\":\"qb\"}",
	    r1.id);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/transfer", a.token, body,
	    NULL), 200);
	json_decref(get_case(&e, &a, r1.id, 404));
	j = get_case(&e, &b, r1.id, 200);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "content"), "narrative")), "Ik werd afgewezen " CANARY);
	c = json_object_get(j, "messages");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(c,
	    json_array_size(c) - 1), "text")), "Dank u, wij nemen contact op.");
	json_decref(j);

	/* Nothing overdue today; 100 days later the feedback clock is. */
	cr_assert_eq(req(&e, "GET", "/v1/staff/overdue", b.token, NULL, &j),
	    200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 0);
	json_decref(j);
	fp = fopen(e.clockf, "w");
	fprintf(fp, "%d\n", 100 * 86400);
	fclose(fp);
	sleep(1);
	cr_assert_eq(req(&e, "GET", "/v1/staff/overdue", b.token, NULL, &j),
	    200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 1);
	c = json_array_get(json_object_get(j, "cases"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(c, "id")), r1.id);
	json_decref(j);
	cr_assert_eq(req(&e, "GET", "/v1/staff/cases?queue=qb&overdue=true",
	    b.token, NULL, &j), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 1);
	json_decref(j);
	{
		struct tcl_resp r;

		cr_assert_eq(tcl_request(e.d.port, "GET", "/metrics", NULL,
		    NULL, &r), 0);
		cr_assert_eq(r.status, 200);
		cr_assert(strstr(r.body, "meldpunt_cases_overdue{queue=\"qb\","
		    "clock=\"feedback\"} 1\n") != NULL, "%s", r.body);
		cr_assert(strstr(r.body, "meldpunt_cases_overdue{queue=\"qa\","
		    "clock=\"first_contact\"} 2\n") != NULL, "%s", r.body);
		tcl_resp_clear(&r);
	}

	/* Logout ends the session. */
	cr_assert_eq(req(&e, "DELETE", "/v1/staff/session", b.token, NULL,
	    NULL), 200);
	cr_assert_eq(req(&e, "GET", "/v1/staff/queues", b.token, NULL, NULL),
	    401);

	/* Every read is in the chain, and the chain verifies. */
	su = testdb_connect(e.db, NULL);
	reads = testdb_count(su, "SELECT count(*) FROM audit.events WHERE "
	    "action = 'case.read'");
	cr_assert_eq(reads, 3, "case.read events: %lld", reads);
	PQfinish(su);
	s = mctl(&e, NULL, 0, "audit verify");
	cr_assert(strstr(s, "audit chain ok") != NULL, "%s", s);
	free(s);

	st = tdaemon_stop(&e.d);
	e.up = 0;
	cr_assert_eq(st, 0);
	log = tdaemon_log(&e.d);
	cr_assert_not_null(log);
	cr_assert(strstr(log, CANARY) == NULL, "canary in the log");
	cr_assert(strstr(log, a.token) == NULL, "token in the log");
	cr_assert(strstr(log, PASSWORD) == NULL, "password in the log");
	cr_assert(strstr(log, r1.id) == NULL, "case id in the log");
	free(log);
	teardown(&e);
}

Test(staff, login_refusals_look_alike_and_sessions_expire, .timeout = 120)
{
	struct env	 e;
	struct user	 u;
	char		 code[8], *ok = NULL, *replay = NULL, *badpw = NULL,
			*badcode = NULL, *unknown = NULL;
	struct user	 ghost;

	setup(&e, "session_idle_s = 3\n");
	add_user(&e, &u, "carol", "handler");
	code_now(&u, code);
	cr_assert_eq(login_code(&e, &u, PASSWORD, code, &ok), 201);
	cr_assert_eq(req(&e, "GET", "/v1/staff/me", u.token, NULL, NULL), 200);
	/* The same code again: a replayed TOTP step. */
	cr_assert_eq(login_code(&e, &u, PASSWORD, code, &replay), 401);
	sleep(3);	/* the account backs off after a failure */
	cr_assert_eq(login_code(&e, &u, "wrong password", code, &badpw), 401);
	sleep(5);
	cr_assert_eq(login_code(&e, &u, PASSWORD, "000000", &badcode), 401);
	snprintf(ghost.name, sizeof(ghost.name), "nobody");
	cr_assert_eq(login_code(&e, &ghost, PASSWORD, code, &unknown), 401);
	/* One answer whatever the factor. */
	cr_assert_str_eq(replay, badpw);
	cr_assert_str_eq(replay, badcode);
	cr_assert_str_eq(replay, unknown);
	cr_assert(strstr(replay, "login_failed") != NULL, "%s", replay);
	/* Idle for longer than session_idle_s: the session is gone. */
	cr_assert_eq(req(&e, "GET", "/v1/staff/me", u.token, NULL, NULL), 401);
	cr_assert_eq(req(&e, "GET", "/v1/staff/queues", "00", NULL, NULL), 401);
	cr_assert_eq(req(&e, "GET", "/v1/staff/queues", NULL, NULL, NULL), 401);
	free(ok);
	free(replay);
	free(badpw);
	free(badcode);
	free(unknown);
	teardown(&e);
}
