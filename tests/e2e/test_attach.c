/*
 * Acceptance of issue 17 item 3 (daemon/attach.c, daemon/attach_staff.c,
 * schema/0190_attachments.sql, docs/crypto.md §14): against a real public
 * and staff meldpuntd over TLS and a real PostgreSQL,
 *
 *  - a file sealed here under the report's DEK (crypto/attach.h) and
 *    uploaded in chunks under the reporter's session comes back from the
 *    staff API byte-identical, with its sealed name and type, audited;
 *  - limits answer 413 / 422 with a clear error and store nothing;
 *  - one reporter cannot add chunks to, or commit, another case's upload;
 *  - an unfinished upload expires after its day;
 *  - a purge removes the attachment rows and chunks;
 *  - neither the file's bytes nor its name appear in a pg_dump, in the
 *    data directory or in a daemon log;
 *  - the public daemon's peak RSS grows by far less than the size of a
 *    64 MiB upload (bounded memory per connection).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/attach.h"
#include "crypto/envelope.h"
#include "crypto/secret.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/treporter.h"
#include "tests/lib/tstack.h"

#define PASSWORD	"correct horse battery staple"
#define C_NAME		"CANARY-9d1e-letter-from-employer.jpg"
#define C_BYTES		"CANARY-9d1e-file-bytes"
#define FILE_LEN	(300 * 1024)	/* two chunks */

static struct tstack	T;

TestSuite(attach, .timeout = 300);

/* A file sealed for upload: the metadata item and every chunk. */
struct sealed {
	uint8_t		 file_id[ATTACH_FILE_ID_LEN];
	uint32_t	 chunks;
	uint8_t		*meta;
	size_t		 metalen;
	uint8_t		*ct;		/* chunks * ATTACH_CHUNK_CT */
};

static void
seal_file(const uint8_t *dek, const uint8_t *file, size_t len,
    const char *name, const char *type, struct sealed *s)
{
	struct attach_key	 k;
	uint8_t			 ctx[ATTACH_META_CTX_LEN], *padded;
	char			*meta;
	uint32_t		 i;

	memset(s, 0, sizeof(*s));
	cr_assert_eq(RAND_bytes(s->file_id, sizeof(s->file_id)), 1);
	cr_assert_neq(s->chunks = attach_bucket(len), 0);
	cr_assert_not_null(padded = calloc(s->chunks, ATTACH_CHUNK));
	memcpy(padded, file, len);
	cr_assert_not_null(s->ct = malloc((size_t)s->chunks *
	    ATTACH_CHUNK_CT));
	cr_assert_eq(attach_key_derive(dek, s->file_id, s->chunks, &k), 0);
	for (i = 0; i < s->chunks; i++)
		cr_assert_eq(attach_chunk_seal(&k, i, padded +
		    (size_t)i * ATTACH_CHUNK, s->ct + (size_t)i *
		    ATTACH_CHUNK_CT), 0);
	attach_key_clear(&k);
	free(padded);
	cr_assert(asprintf(&meta, "{\"name\":\"%s\",\"type\":\"%s\","
	    "\"size\":%zu}", name, type, len) > 0);
	attach_meta_ctx(s->file_id, ctx);
	cr_assert_eq(envelope_item_seal(dek, ctx, sizeof(ctx),
	    (const uint8_t *)meta, strlen(meta), &s->meta, &s->metalen), 0);
	free(meta);
}

static void
sealed_clear(struct sealed *s)
{
	free(s->meta);
	free(s->ct);
}

/* POST /v1/reporter/attachments; the status, the upload id in up. */
static int
begin(const char *token, const struct sealed *s, uint32_t chunks,
    char up[64])
{
	char	*fid = NULL, *meta = NULL, *body;
	json_t	*out = NULL;
	int	 st;

	cr_assert_eq(secret_b64_encode(s->file_id, sizeof(s->file_id), &fid,
	    NULL), 0);
	cr_assert_eq(secret_b64_encode(s->meta, s->metalen, &meta, NULL), 0);
	cr_assert(asprintf(&body, "{\"file_id\":\"%s\",\"chunks\":%u,"
	    "\"meta\":\"%s\"}", fid, chunks, meta) > 0);
	st = tstack_req(&T, 0, "POST", "/v1/reporter/attachments", token,
	    body, &out);
	if (up != NULL)
		snprintf(up, 64, "%s", st == 201 ? json_string_value(
		    json_object_get(out, "upload")) : "");
	if (st != 201 && st != 401)
		cr_assert_not_null(json_object_get(json_object_get(out,
		    "error"), "message"), "a clear error for %d", st);
	json_decref(out);
	OPENSSL_free(fid);
	OPENSSL_free(meta);
	free(body);
	return (st);
}

/* PUT one chunk (len bytes) on c, kept alive; the status. */
static int
put_chunk(struct tcl_conn *c, const char *token, const char *up,
    uint32_t idx, const uint8_t *ct, size_t len)
{
	struct tcl_resp	 r;
	char		*head;
	int		 n, st;

	n = asprintf(&head, "PUT /v1/reporter/attachments/chunk?upload=%s&"
	    "index=%u HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
	    "%s\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: %zu\r\n\r\n", up, idx, token, len);
	cr_assert(n > 0);
	cr_assert_eq(tcl_write(c, head, (size_t)n), 0);
	free(head);
	cr_assert_eq(tcl_write(c, ct, len), 0);
	cr_assert_eq(tcl_read_resp(c, 30000, &r), 0);
	st = r.status;
	tcl_resp_clear(&r);
	return (st);
}

static int
put_one(const char *token, const char *up, uint32_t idx, const uint8_t *ct,
    size_t len)
{
	struct tcl_conn	*c;
	int		 st;

	cr_assert_not_null(c = tcl_connect(T.pub.port, 1));
	st = put_chunk(c, token, up, idx, ct, len);
	tcl_close(c);
	return (st);
}

static int
commit(const char *token, const char *up, json_t **out)
{
	char	 body[128];

	snprintf(body, sizeof(body), "{\"upload\":\"%s\"}", up);
	return (tstack_req(&T, 0, "POST", "/v1/reporter/attachments/commit",
	    token, body, out));
}

static long long
count(PGconn *su, const char *sql)
{
	return (testdb_count(su, sql));
}

/* GET a part from the staff API: the raw body (malloc'd) and length. */
static int
staff_part(const struct tstack_user *u, const char *id, int n, int part,
    char **body, size_t *len)
{
	struct tcl_resp	 r;
	char		 path[160], hdr[160];
	int		 st;

	snprintf(path, sizeof(path), "/v1/staff/case/attachment?id=%s&n=%d&"
	    "part=%d", id, n, part);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\n", u->token);
	cr_assert_eq(tcl_request(T.staff.port, "GET", path, hdr, NULL, &r), 0);
	st = r.status;
	*len = r.bodylen;
	cr_assert_not_null(*body = malloc(r.bodylen + 1));
	memcpy(*body, r.body, r.bodylen);
	tcl_resp_clear(&r);
	return (st);
}

static char *
submit(const json_t *forms, uint8_t *dek)
{
	char	*receipt = NULL;

	cr_assert_eq(trep_submit_dek(T.pub.port, forms,
	    "labour_discrimination", "recruitment", "{\"ground\":\"origin\"}",
	    "{\"narrative\":\"Afgewezen, zie de brief in de bijlage.\"}", dek,
	    &receipt, NULL), 201);
	return (receipt);
}

Test(attach, sealed_upload_limits_binding_purge_and_no_clear_bytes)
{
	struct tstack_user	 h;
	struct sealed		 s, big;
	uint8_t			 deka[32], dekb[32], *file, *got;
	char			*ra, *rb, *ta, *tb, up[64], up2[64], id[37];
	char			*part, dump[1024], *cmd, *datadir, *out, path[128];
	json_t			*forms, *j = NULL, *a;
	size_t			 i, plen, have = 0;
	PGconn			*su;
	int			 p;

	tstack_start_with(&T, "attach_max_files = 2\n"
	    "attach_max_bytes = 600000\n", NULL);
	cr_assert_not_null(su = testdb_connect(T.db, NULL));
	cr_assert_not_null(forms = trep_forms(T.pub.port, "en"));
	a = json_object_get(forms, "attachments");
	cr_assert_eq(json_integer_value(json_object_get(a, "max_files")), 2);
	cr_assert_eq(json_integer_value(json_object_get(a, "chunk_size")),
	    ATTACH_CHUNK);
	cr_assert_eq(json_array_size(json_object_get(a, "buckets")), 3,
	    "1, 2 and 4 chunks hold 600000 bytes");
	ra = submit(forms, deka);
	rb = submit(forms, dekb);
	json_decref(forms);
	cr_assert_not_null(ta = trep_login(T.pub.port, ra));
	cr_assert_not_null(tb = trep_login(T.pub.port, rb));

	/* The file: a canary in a photo-sized run of bytes. */
	cr_assert_not_null(file = malloc(FILE_LEN));
	for (i = 0; i < FILE_LEN; i++)
		file[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i + sizeof(C_BYTES) < FILE_LEN; i += 4096)
		memcpy(file + i, C_BYTES, sizeof(C_BYTES) - 1);
	seal_file(deka, file, FILE_LEN, C_NAME, "image/jpeg", &s);
	cr_assert_eq(s.chunks, 2);

	/* Limits: nothing is stored by a refused request. */
	cr_assert_eq(begin(ta, &s, 6, NULL), 413, "6 chunks > 600000 bytes");
	cr_assert_eq(begin(ta, &s, 3, NULL), 422, "3 is not a bucket");
	cr_assert_eq(begin(NULL, &s, 2, NULL), 401);
	cr_assert_eq(count(su, "SELECT count(*) FROM casework.attachments"),
	    0);
	cr_assert_eq(begin(ta, &s, 2, up), 201);
	cr_assert_eq(put_one(ta, up, 0, s.ct, ATTACH_CHUNK_CT - 1), 422);
	cr_assert_eq(put_one(ta, up, 0, s.ct, ATTACH_CHUNK_CT + 16), 413);
	cr_assert_eq(put_one(ta, up, 2, s.ct, ATTACH_CHUNK_CT), 422,
	    "index past the upload");
	cr_assert_eq(count(su, "SELECT count(*) FROM "
	    "casework.attachment_chunks"), 0);

	/* Binding: B can neither add to nor finish A's upload. */
	cr_assert_eq(put_one(tb, up, 0, s.ct, ATTACH_CHUNK_CT), 404);
	cr_assert_eq(commit(tb, up, NULL), 404);
	cr_assert_eq(count(su, "SELECT count(*) FROM "
	    "casework.attachment_chunks"), 0);

	/* A uploads; an incomplete commit is refused. */
	cr_assert_eq(put_one(ta, up, 0, s.ct, ATTACH_CHUNK_CT), 200);
	cr_assert_eq(commit(ta, up, NULL), 409);
	cr_assert_eq(put_one(ta, up, 1, s.ct + ATTACH_CHUNK_CT,
	    ATTACH_CHUNK_CT), 200);
	cr_assert_eq(put_one(tb, up, 1, s.ct, ATTACH_CHUNK_CT), 404);
	cr_assert_eq(commit(ta, up, &j), 200);
	cr_assert_eq(json_integer_value(json_object_get(j, "n")), 1);
	json_decref(j);
	cr_assert_eq(commit(ta, up, NULL), 200, "a repeated commit");
	/* Count limit: the second file may begin, a third may not. */
	seal_file(deka, file, 10, "b.txt", "text/plain", &big);
	cr_assert_eq(begin(ta, &big, 1, up2), 201);
	cr_assert_eq(begin(ta, &big, 1, NULL), 422, "max_files = 2");
	cr_assert_eq(count(su, "SELECT count(*) FROM casework.attachments"),
	    2);
	/* Expiry: a pending upload past its day is swept by the next begin,
	 * and it no longer counts or takes chunks. */
	cr_assert_eq(testdb_exec(su, "UPDATE casework.attachments SET "
	    "stale_after = current_date - 1 WHERE n IS NULL", NULL), 0);
	cr_assert_eq(put_one(ta, up2, 0, big.ct, ATTACH_CHUNK_CT), 404);
	cr_assert_eq(begin(ta, &big, 1, up2), 201, "the stale one is gone");
	cr_assert_eq(count(su, "SELECT count(*) FROM casework.attachments"),
	    2);

	/* The handler opens it: name, type, size, bytes identical. */
	tstack_add_user(&T, &h, "hanna", "handler", PASSWORD, "labour");
	{
		char	 code[8];

		tstack_code(&h, time(NULL), code);
		cr_assert_eq(tstack_login(&T, &h, PASSWORD, code), 201);
	}
	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/cases?queue=labour",
	    h.token, NULL, &j), 200);
	/* The first case is A's (two reports, both in labour). */
	for (i = 0; i < json_array_size(json_object_get(j, "cases")); i++) {
		snprintf(id, sizeof(id), "%s", json_string_value(
		    json_object_get(json_array_get(json_object_get(j,
		    "cases"), i), "id")));
		snprintf(path, sizeof(path),
		    "/v1/staff/case/attachments?id=%s", id);
		json_t *l = NULL;
		cr_assert_eq(tstack_req(&T, 1, "GET", path, h.token, NULL, &l),
		    200);
		have = json_array_size(json_object_get(l, "attachments"));
		if (have == 1) {
			a = json_array_get(json_object_get(l, "attachments"), 0);
			cr_assert_str_eq(json_string_value(json_object_get(a,
			    "name")), C_NAME);
			cr_assert_str_eq(json_string_value(json_object_get(a,
			    "type")), "image/jpeg");
			cr_assert_eq(json_integer_value(json_object_get(a,
			    "size")), FILE_LEN);
			cr_assert_eq(json_integer_value(json_object_get(a,
			    "parts")), 2);
			json_decref(l);
			break;
		}
		json_decref(l);
	}
	json_decref(j);
	cr_assert_eq(have, 1, "A's case lists its one committed file");
	cr_assert_not_null(got = malloc(FILE_LEN));
	for (p = 0, have = 0; p < 2; p++) {
		cr_assert_eq(staff_part(&h, id, 1, p, &part, &plen), 200);
		cr_assert_leq(have + plen, FILE_LEN);
		memcpy(got + have, part, plen);
		have += plen;
		free(part);
	}
	cr_assert_eq(have, FILE_LEN);
	cr_assert_eq(memcmp(got, file, FILE_LEN), 0, "byte-identical");
	cr_assert_eq(staff_part(&h, id, 1, 2, &part, &plen), 404);
	free(part);
	cr_assert_eq(count(su, "SELECT count(*) FROM audit.events WHERE "
	    "action = 'case.attachment'"), 2, "one audit event per part read");
	cr_assert_geq(count(su, "SELECT count(*) FROM audit.events WHERE "
	    "action = 'case.attachments'"), 1);

	/* No clear bytes or name: dump, data directory, logs. */
	snprintf(dump, sizeof(dump), "%s/attach.sql", T.dir);
	cr_assert(asprintf(&cmd, "pg_dump -f '%s' '%s'", dump, T.db) > 0);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	cr_assert(tstack_file_contains(dump, "attachment_chunks"),
	    "the dump is real");
	cr_assert_eq(testdb_exec(su, "CHECKPOINT", NULL), 0);
	cr_assert_not_null(datadir = testdb_value(su,
	    "SELECT current_setting('data_directory')"));
	cr_expect(!tstack_file_contains(dump, C_NAME));
	cr_expect(!tstack_file_contains(dump, C_BYTES));
	cr_expect(!tstack_file_contains(dump, "image/jpeg"));
	cr_expect(!tstack_dir_contains(datadir, C_NAME, strlen(C_NAME)));
	cr_expect(!tstack_dir_contains(datadir, C_BYTES, strlen(C_BYTES)));
	cr_expect(!tstack_file_contains(T.pub.log, C_NAME));
	cr_expect(!tstack_file_contains(T.staff.log, C_NAME));
	cr_expect(!tstack_file_contains(T.staff.log, C_BYTES));
	free(datadir);

	/* Purge: the rows and chunks go with the case. */
	out = tstack_meldctl(&T, NULL, 0, "case purge %s", id);
	free(out);
	cr_assert_eq(count(su, "SELECT count(*) FROM casework.attachments"),
	    0);
	cr_assert_eq(count(su, "SELECT count(*) FROM "
	    "casework.attachment_chunks"), 0);
	cr_assert_eq(put_one(ta, up2, 0, big.ct, ATTACH_CHUNK_CT), 401,
	    "the purged case's session is gone");

	sealed_clear(&s);
	sealed_clear(&big);
	free(file);
	free(got);
	free(ra);
	free(rb);
	free(ta);
	free(tb);
	PQfinish(su);
	tstack_stop(&T);
}

/* VmHWM (peak resident set) of a process, in KiB. */
static long
peak_kib(pid_t pid)
{
	char	 path[64], line[256];
	long	 kib = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	cr_assert_not_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return (kib);
}

Test(attach, upload_memory_is_bounded_per_connection)
{
	struct sealed		 s;
	struct tcl_conn		*c;
	uint8_t			 dek[32], *chunk;
	char			*r, *tok, up[64], *opts;
	const char		*o;
	json_t			*forms, *j = NULL;
	long			 before, after;
	uint32_t		 i;
	const uint32_t		 n = ATTACH_MAX_CHUNKS;	/* 64 MiB */

	/*
	 * AddressSanitizer (make asan) holds freed blocks in a quarantine of
	 * 256 MiB, which this test would measure as growth; the daemons of
	 * this test (children of this forked worker) run without it.  A
	 * build without the sanitizer ignores the variable.
	 */
	o = getenv("ASAN_OPTIONS");
	cr_assert(asprintf(&opts, "%s%squarantine_size_mb=0", o != NULL ? o :
	    "", o != NULL && *o != '\0' ? ":" : "") > 0);
	cr_assert_eq(setenv("ASAN_OPTIONS", opts, 1), 0);
	free(opts);
	tstack_start_with(&T, "attach_max_files = 1\n"
	    "attach_max_bytes = 67108864\n", NULL);
	cr_assert_not_null(forms = trep_forms(T.pub.port, "en"));
	r = submit(forms, dek);
	json_decref(forms);
	cr_assert_not_null(tok = trep_login(T.pub.port, r));
	seal_file(dek, (const uint8_t *)"x", 1, "big.bin",
	    "application/octet-stream", &s);
	cr_assert_eq(begin(tok, &s, n, up), 201);
	/* The server cannot tell sealed bytes from these. */
	cr_assert_not_null(chunk = malloc(ATTACH_CHUNK_CT));
	cr_assert_eq(RAND_bytes(chunk, ATTACH_CHUNK_CT), 1);
	cr_assert_not_null(c = tcl_connect(T.pub.port, 1));
	/* Warm up: pool connections, buffers, TLS records. */
	for (i = 0; i < 16; i++)
		cr_assert_eq(put_chunk(c, tok, up, i, chunk, ATTACH_CHUNK_CT),
		    200);
	before = peak_kib(T.pub.pid);
	for (; i < n; i++)
		cr_assert_eq(put_chunk(c, tok, up, i, chunk, ATTACH_CHUNK_CT),
		    200, "chunk %u", i);
	after = peak_kib(T.pub.pid);
	tcl_close(c);
	cr_assert_eq(commit(tok, up, &j), 200);
	json_decref(j);
	fprintf(stderr, "attach: 64 MiB in %u chunks; public VmHWM %ld KiB "
	    "before, %ld KiB after (+%ld KiB)\n", n - 16, before, after,
	    after - before);
	cr_assert_gt(before, 0);
	cr_assert_lt(after - before, 16 * 1024,
	    "peak RSS grew by %ld KiB for a 60 MiB upload", after - before);
	free(chunk);
	sealed_clear(&s);
	free(r);
	free(tok);
	tstack_stop(&T);
}
