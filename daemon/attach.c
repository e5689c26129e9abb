/*
 * Attachments from the reporter (issue 17 item 3; docs/reporter-api.md
 * "Attachments", docs/crypto.md §14, schema/0190_attachments.sql).  The
 * page seals each file under the report's DEK in chunks of ATTACH_CHUNK
 * bytes, padded to a bucket, and after the submission uploads it under
 * the reporter's session (a receipt login):
 *
 *   POST /v1/reporter/attachments          {"file_id","chunks","meta"}
 *   PUT  /v1/reporter/attachments/chunk?upload=U&index=I   (the chunk)
 *   POST /v1/reporter/attachments/commit   {"upload"}
 *
 * Memory is bounded per connection whatever the file's size: a chunk is
 * one request body of exactly ATTACH_CHUNK_CT bytes (http.c holds one
 * request per connection and caps it at body_max), passed to PostgreSQL
 * as one binary parameter and stored as one row; nothing here
 * accumulates chunks.
 *
 * Binding: every statement names the receipt's lookup id and verifier
 * from the session token, and the SQL functions find the case from them,
 * so an upload id of another case is "no such upload" (404) -- a reporter
 * cannot attach to a case that is not theirs, even with its upload id.
 * Limits (files per case, bytes per file) are configuration, checked
 * here first and again in the database.  Nothing a reporter sent is
 * logged: the server cannot read it anyway, and ids stay out of logs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/attach.h"
#include "crypto/envelope.h"
#include "crypto/receipt.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "daemon/app.h"
#include "daemon/config.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/public_state.h"
#include "daemon/rparse.h"
#include "daemon/rsession.h"
#include "daemon/squery.h"
#include "daemon/store.h"

#define META_MIN	(1 + 12 + ENVELOPE_ITEM_BLOCK + 16)
#define META_MAX	4096
#define UUID_TEXT	36

enum attach_op { AT_BEGIN, AT_CHUNK, AT_COMMIT };

struct attach_job {
	struct http_request	*aj_req;
	enum i18n_lang		 aj_lang;
	enum attach_op		 aj_op;
	int			 aj_index;
};

/*
 * Are attachments on?  A chunk must fit in one request body, so a
 * body_max below ATTACH_CHUNK_CT switches them off as surely as
 * attach_max_files = 0.
 */
static int
attach_on(const struct config *c)
{
	return (c->c_attach_max_files > 0 &&
	    c->c_body_max >= ATTACH_CHUNK_CT);
}

/* The largest padded size a file may have, in chunks. */
static uint32_t
attach_max_chunks(const struct config *c)
{
	uint32_t	n = attach_bucket(c->c_attach_max_bytes);

	return (n != 0 ? n : ATTACH_MAX_CHUNKS);
}

/*
 * "attachments" of GET /v1/forms: what the page needs to seal and cut a
 * file the server will accept.
 */
json_t *
attach_forms_json(const struct config *c)
{
	json_t		*buckets;
	uint32_t	 max = attach_max_chunks(c);
	size_t		 i;

	if ((buckets = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < ATTACH_NBUCKETS && attach_buckets[i] <= max; i++)
		json_array_append_new(buckets,
		    json_integer(attach_buckets[i]));
	return (json_pack("{s:i,s:I,s:i,s:o}", "max_files", attach_on(c) ?
	    c->c_attach_max_files : 0, "max_bytes",
	    (json_int_t)c->c_attach_max_bytes, "chunk_size", ATTACH_CHUNK,
	    "buckets", buckets));
}

/* Session and switch checks common to the three routes; -1 after the
 * reply.  The caller wipes cred. */
static int
attach_auth(struct http_request *req, struct public_state *ps,
    struct rsession_cred *cred, unsigned char *sid_hash,
    enum i18n_lang *lang)
{
	*lang = public_lang(req);
	if (rsession_get(ps->ps_sessions, http_req_header(req,
	    "authorization"), time(NULL), cred, sid_hash) == -1) {
		public_error(req, 401, "unauthorized", NULL, *lang, 0);
		return (-1);
	}
	*lang = cred->rc_lang;
	if (!attach_on(ps->ps_app->a_conf)) {
		OPENSSL_cleanse(cred, sizeof(*cred));
		public_error(req, 403, "attachments_off", NULL, *lang, 0);
		return (-1);
	}
	return (0);
}

/* SQLSTATEs of schema/0190_attachments.sql as answers. */
static void
attach_refused(struct attach_job *aj, const char *sqlstate)
{
	static const struct {
		const char	*sqlstate;
		int		 status;
		const char	*code;
		const char	*field;
	} map[] = {
		{ "MP191", 413, "attachment_too_large", "/chunks" },
		{ "MP192", 422, "too_many_attachments", NULL },
		{ "MP193", 404, "no_such_upload", NULL },
		{ "MP194", 422, "invalid_field", "index" },
		{ "MP195", 409, "upload_incomplete", NULL },
		{ "23514", 422, "invalid_field", "/meta" },
	};
	size_t	i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(sqlstate, map[i].sqlstate) == 0) {
			public_error(aj->aj_req, map[i].status, map[i].code,
			    map[i].field, aj->aj_lang, 0);
			return;
		}
	log_warnx("%s: sqlstate %s", __func__, sqlstate);
	public_error(aj->aj_req, 500, "internal", NULL, aj->aj_lang, 0);
}

static void
attach_done(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct attach_job	*aj = arg;
	const char		*v;

	if (session_ended(st, sqlstate))
		public_error(aj->aj_req, 401, "unauthorized", NULL,
		    aj->aj_lang, 0);
	else if (st == STORE_QUERY_ERROR)
		attach_refused(aj, sqlstate);
	else if (st != STORE_OK || nres != 2 || PQntuples(res[1]) != 1)
		/* Every step may be repeated: a retry is the answer. */
		public_error(aj->aj_req, 503, "unavailable", NULL,
		    aj->aj_lang, 1);
	else {
		v = PQgetvalue(res[1], 0, 0);
		switch (aj->aj_op) {
		case AT_BEGIN:
			http_reply_json(aj->aj_req, 201, json_pack("{s:s,s:i}",
			    "upload", v, "chunk_size", ATTACH_CHUNK));
			break;
		case AT_CHUNK:
			http_reply_json(aj->aj_req, 200, json_pack("{s:i}",
			    "index", aj->aj_index));
			break;
		case AT_COMMIT:
			http_reply_json(aj->aj_req, 200, json_pack("{s:i}",
			    "n", atoi(v)));
			break;
		}
	}
	free(aj);
}

/*
 * Run the live-session check and sql with the receipt's credentials as
 * $1, $2 and the n further parameters (binary where formats says 1).
 */
static void
attach_exec(struct http_request *req, struct public_state *ps,
    const struct rsession_cred *cred, const unsigned char *sid_hash,
    enum i18n_lang lang, enum attach_op op, int index, const char *sql,
    const char *const *vals, const int *lens, const int *fmts, int n)
{
	struct session_params	 sp;
	struct store_stmt	 st[2];
	struct attach_job	*aj;
	const char		*v[8];
	int			 l[8], f[8], i;

	if ((aj = calloc(1, sizeof(*aj))) == NULL) {
		public_error(req, 503, "unavailable", NULL, lang, 1);
		return;
	}
	aj->aj_req = req;
	aj->aj_lang = lang;
	aj->aj_op = op;
	aj->aj_index = index;
	v[0] = (const char *)cred->rc_lookup;
	v[1] = (const char *)cred->rc_verifier;
	l[0] = RECEIPT_LOOKUP_LEN;
	l[1] = RECEIPT_VERIFIER_LEN;
	f[0] = f[1] = 1;
	for (i = 0; i < n && i < 6; i++) {
		v[2 + i] = vals[i];
		l[2 + i] = lens[i];
		f[2 + i] = fmts[i];
	}
	session_params(&sp, cred, sid_hash);
	session_live_stmt(&st[0], &sp);
	memset(&st[1], 0, sizeof(st[1]));
	st[1].st_sql = sql;
	st[1].st_nparams = 2 + n;
	st[1].st_values = v;
	st[1].st_lengths = l;
	st[1].st_formats = f;
	if (store_exec(ps->ps_app->a_store, st, 2, attach_done, aj) ==
	    NULL) {
		public_error(req, 503, "unavailable", NULL, lang, 1);
		free(aj);
	}
}

/* ---- POST /v1/reporter/attachments ------------------------------------ */

struct begin_body {
	unsigned char	*bb_file_id;
	size_t		 bb_file_idlen;
	unsigned char	*bb_meta;
	size_t		 bb_metalen;
	json_int_t	 bb_chunks;
};

static void
begin_body_clear(struct begin_body *b)
{
	OPENSSL_free(b->bb_file_id);
	OPENSSL_free(b->bb_meta);
	memset(b, 0, sizeof(*b));
}

/* A strict base64 member into *out; -1 when absent or malformed. */
static int
begin_b64(const json_t *v, unsigned char **out, size_t *len)
{
	const char	*s;

	if (!json_is_string(v))
		return (-1);
	s = json_string_value(v);
	return (secret_b64_decode(s, json_string_length(v), out, len));
}

/*
 * {"file_id": base64 of 16 bytes, "chunks": a bucket, "meta": base64 of
 * an item}, nothing else.  0, or -1 with e filled in.
 */
static int
begin_parse(const unsigned char *body, size_t len, struct begin_body *b,
    struct rparse_err *e)
{
	json_t		*root, *v;
	const char	*k;

	memset(b, 0, sizeof(*b));
	memset(e, 0, sizeof(*e));
	e->e_status = 400;
	e->e_code = "invalid_json";
	if ((root = json_loadb((const char *)body, len,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(root))
		goto fail;
	e->e_code = "unknown_field";
	json_object_foreach(root, k, v)
		if (strcmp(k, "file_id") != 0 && strcmp(k, "chunks") != 0 &&
		    strcmp(k, "meta") != 0) {
			/* The reporter's key is not echoed. */
			goto fail;
		}
	/* As rparse.c: a missing or malformed member is 400. */
	e->e_code = "missing_field";
	for (k = "file_id"; k != NULL; k = strcmp(k, "file_id") == 0 ?
	    "chunks" : strcmp(k, "chunks") == 0 ? "meta" : NULL)
		if (json_object_get(root, k) == NULL) {
			snprintf(e->e_field, sizeof(e->e_field), "/%s", k);
			goto fail;
		}
	e->e_code = "invalid_field";
	snprintf(e->e_field, sizeof(e->e_field), "/file_id");
	if (begin_b64(json_object_get(root, "file_id"), &b->bb_file_id,
	    &b->bb_file_idlen) == -1 || b->bb_file_idlen != ATTACH_FILE_ID_LEN)
		goto fail;
	snprintf(e->e_field, sizeof(e->e_field), "/meta");
	if (begin_b64(json_object_get(root, "meta"), &b->bb_meta,
	    &b->bb_metalen) == -1 || b->bb_metalen < META_MIN ||
	    b->bb_metalen > META_MAX || b->bb_meta[0] != 0x01)
		goto fail;
	snprintf(e->e_field, sizeof(e->e_field), "/chunks");
	if (!json_is_integer(v = json_object_get(root, "chunks")))
		goto fail;
	b->bb_chunks = json_integer_value(v);
	if (b->bb_chunks < 1 || b->bb_chunks > ATTACH_MAX_CHUNKS ||
	    !attach_is_bucket((uint32_t)b->bb_chunks)) {
		e->e_code = b->bb_chunks > ATTACH_MAX_CHUNKS ?
		    "attachment_too_large" : "invalid_bucket";
		e->e_status = b->bb_chunks > ATTACH_MAX_CHUNKS ? 413 : 422;
		goto fail;
	}
	json_decref(root);
	return (0);
 fail:
	json_decref(root);
	begin_body_clear(b);
	return (-1);
}

void
attach_begin(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct public_state	*ps = app->a_public;
	const struct config	*c = app->a_conf;
	struct rsession_cred	 cred;
	struct begin_body	 b;
	struct rparse_err	 e;
	unsigned char		 sid_hash[RSESSION_HASH_LEN];
	const unsigned char	*body;
	char			 chunks[16], maxf[16], maxc[16];
	const char		*v[5];
	int			 l[5], f[5] = { 1, 0, 1, 0, 0 };
	size_t			 len;
	enum i18n_lang		 lang;

	if (attach_auth(req, ps, &cred, sid_hash, &lang) == -1)
		return;
	body = http_req_body(req, &len);
	if (begin_parse(body, len, &b, &e) == -1) {
		OPENSSL_cleanse(&cred, sizeof(cred));
		public_error(req, e.e_status, e.e_code, e.e_field, lang, 0);
		return;
	}
	/* Said here so nothing is stored; the database checks it again. */
	if ((uint32_t)b.bb_chunks > attach_max_chunks(c)) {
		OPENSSL_cleanse(&cred, sizeof(cred));
		begin_body_clear(&b);
		public_error(req, 413, "attachment_too_large", "/chunks", lang,
		    0);
		return;
	}
	snprintf(chunks, sizeof(chunks), "%d", (int)b.bb_chunks);
	snprintf(maxf, sizeof(maxf), "%d", c->c_attach_max_files);
	snprintf(maxc, sizeof(maxc), "%u", attach_max_chunks(c));
	v[0] = (const char *)b.bb_file_id;
	l[0] = (int)b.bb_file_idlen;
	v[1] = chunks;
	l[1] = 0;
	v[2] = (const char *)b.bb_meta;
	l[2] = (int)b.bb_metalen;
	v[3] = maxf;
	v[4] = maxc;
	l[3] = l[4] = 0;
	attach_exec(req, ps, &cred, sid_hash, lang, AT_BEGIN, 0,
	    "SELECT casework.attach_begin($1, $2, $3, $4::integer, $5, "
	    "$6::integer, $7::integer)", v, l, f, 5);
	OPENSSL_cleanse(&cred, sizeof(cred));
	begin_body_clear(&b);
}

/* ---- PUT /v1/reporter/attachments/chunk?upload=U&index=I ------------- */

void
attach_chunk(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct public_state	*ps = app->a_public;
	struct rsession_cred	 cred;
	unsigned char		 sid_hash[RSESSION_HASH_LEN], raw[16];
	static const char *const names[] = { "upload", "index", NULL };
	const char		*qs = http_req_query(req), *v[3];
	const unsigned char	*body;
	char			 upload[UUID_TEXT + 2], index[8], *end;
	int			 l[3], f[3] = { 0, 0, 1 };
	long			 idx;
	size_t			 len;
	enum i18n_lang		 lang;

	if (attach_auth(req, ps, &cred, sid_hash, &lang) == -1)
		return;
	body = http_req_body(req, &len);
	if (squery_check(qs, names) == -1 || squery_get(qs, "upload",
	    upload, sizeof(upload)) != 1 || staffcred_uuid_parse(upload,
	    raw) == -1) {
		public_error(req, 400, "invalid_field", "upload", lang, 0);
		goto done;
	}
	if (squery_get(qs, "index", index, sizeof(index)) != 1 ||
	    (idx = strtol(index, &end, 10)) < 0 || *end != '\0' ||
	    index[0] == '\0' || idx >= ATTACH_MAX_CHUNKS) {
		public_error(req, 400, "invalid_field", "index", lang, 0);
		goto done;
	}
	if (len != ATTACH_CHUNK_CT) {
		public_error(req, len > ATTACH_CHUNK_CT ? 413 : 422,
		    len > ATTACH_CHUNK_CT ? "attachment_too_large" :
		    "invalid_bucket", NULL, lang, 0);
		goto done;
	}
	v[0] = upload;
	v[1] = index;
	v[2] = (const char *)body;
	l[0] = l[1] = 0;
	l[2] = (int)len;
	attach_exec(req, ps, &cred, sid_hash, lang, AT_CHUNK, (int)idx,
	    "SELECT casework.attach_chunk($1, $2, $3::uuid, $4::integer, $5)",
	    v, l, f, 3);
 done:
	OPENSSL_cleanse(&cred, sizeof(cred));
}

/* ---- POST /v1/reporter/attachments/commit ----------------------------- */

void
attach_commit(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct public_state	*ps = app->a_public;
	struct rsession_cred	 cred;
	struct rparse_err	 e;
	unsigned char		 sid_hash[RSESSION_HASH_LEN], raw[16];
	const unsigned char	*body;
	const char		*upload, *v[1];
	json_t			*root = NULL;
	int			 l[1] = { 0 }, f[1] = { 0 };
	size_t			 len;
	enum i18n_lang		 lang, ignored;

	if (attach_auth(req, ps, &cred, sid_hash, &lang) == -1)
		return;
	ignored = lang;
	body = http_req_body(req, &len);
	/* rparse.c: the pure part, fuzzed (tests/fuzz/fuzz_inbox.c). */
	if ((upload = rparse_inbox_body(body, len, "upload", UUID_TEXT,
	    &root, &ignored, &e)) == NULL) {
		public_error(req, e.e_status, e.e_code, e.e_field, lang, 0);
		goto done;
	}
	if (staffcred_uuid_parse(upload, raw) == -1) {
		public_error(req, 404, "no_such_upload", NULL, lang, 0);
		goto done;
	}
	v[0] = upload;
	attach_exec(req, ps, &cred, sid_hash, lang, AT_COMMIT, 0,
	    "SELECT casework.attach_commit($1, $2, $3::uuid)", v, l, f, 1);
 done:
	json_decref(root);
	OPENSSL_cleanse(&cred, sizeof(cred));
}
