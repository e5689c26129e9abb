/*
 * Attachments for handlers (docs/staff-api.md "Attachments"): the staff
 * process opens them server-side with the case's DEK, as it opens the
 * report itself (casemat.h), and hands out clear bytes one part at a
 * time:
 *
 *   GET /v1/staff/case/attachments?id=CASE        names, types, sizes
 *   GET /v1/staff/case/attachment?id=CASE&n=N&part=P   one part's bytes
 *
 * A part is one chunk (ATTACH_CHUNK bytes, the last one shorter), so a
 * request holds one chunk in memory whatever the file's size, and the
 * console joins the parts into the file.  Every list and every part is
 * audited in the transaction that reads it ("case.attachments",
 * "case.attachment" with the number and part); a case the caller cannot
 * see is neither read nor audited and answers 404.  Logs name the
 * function only: never ids, names or bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/attach.h"
#include "crypto/casekey.h"
#include "crypto/envelope.h"
#include "crypto/staffcred.h"
#include "daemon/app.h"
#include "daemon/attach_staff.h"
#include "daemon/casemat.h"
#include "daemon/config.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/rparse.h"
#include "daemon/squery.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

#define NAME_MAX_OUT	255	/* bytes of a file name shown */

/* One attachments row: n, file id, chunks, sealed metadata [, chunk]. */
struct arow {
	int		 r_n;
	unsigned char	*r_file_id;
	size_t		 r_file_idlen;
	int		 r_chunks;
	unsigned char	*r_meta, *r_ct;
	size_t		 r_metalen, r_ctlen;
};

struct ajob {
	struct app		*j_app;
	struct http_request	*j_req;
	struct ssession		*j_s;
	char			 j_case[40];
	unsigned char		 j_case_id[16];
	int			 j_part;	/* -1: the list */
	struct cmat		 j_m;
	struct arow		*j_rows;
	size_t			 j_nrows;
	/* worker output */
	int			 j_status;
	const char		*j_code;
	json_t			*j_out;
	unsigned char		*j_bytes;
	size_t			 j_nbytes;
	char			 j_type[128];
};

static void
ajob_free(struct ajob *j)
{
	size_t	i;

	if (j == NULL)
		return;
	for (i = 0; i < j->j_nrows; i++) {
		free(j->j_rows[i].r_file_id);
		free(j->j_rows[i].r_meta);
		free(j->j_rows[i].r_ct);
	}
	free(j->j_rows);
	cmat_clear(&j->j_m);
	json_decref(j->j_out);
	if (j->j_bytes != NULL)
		OPENSSL_clear_free(j->j_bytes, ATTACH_CHUNK);
	if (j->j_s != NULL)
		ssession_unref(j->j_s);
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
}

static int
arows_load(struct ajob *j, const PGresult *r)
{
	int	i, rows = PQntuples(r);

	if (rows == 0)
		return (0);
	if ((j->j_rows = calloc((size_t)rows, sizeof(*j->j_rows))) == NULL)
		return (-1);
	j->j_nrows = (size_t)rows;
	for (i = 0; i < rows; i++) {
		struct arow *a = &j->j_rows[i];

		a->r_n = atoi(PQgetvalue(r, i, 0));
		a->r_file_id = store_bytea_dup(r, i, 1, &a->r_file_idlen);
		a->r_chunks = atoi(PQgetvalue(r, i, 2));
		a->r_meta = store_bytea_dup(r, i, 3, &a->r_metalen);
		if (PQnfields(r) > 4)
			a->r_ct = store_bytea_dup(r, i, 4, &a->r_ctlen);
		if (a->r_file_id == NULL || a->r_meta == NULL ||
		    a->r_file_idlen != ATTACH_FILE_ID_LEN)
			return (-1);
	}
	return (0);
}

/*
 * Worker: the sealed metadata {"name","type","size"} of a row, checked:
 * a size that fits the padded chunks, strings of sane length.  NULL when
 * it does not open or is not that.
 */
static json_t *
meta_open(const unsigned char *dek, const struct arow *a)
{
	unsigned char	 ctx[ATTACH_META_CTX_LEN];
	uint8_t		*pt = NULL;
	size_t		 ptlen;
	json_t		*m;

	attach_meta_ctx(a->r_file_id, ctx);
	if (envelope_item_open(dek, ctx, sizeof(ctx), a->r_meta, a->r_metalen,
	    &pt, &ptlen) == -1)
		return (NULL);
	/* Reporter-controlled bytes: parsed in daemon/rparse.c, fuzzed. */
	m = rparse_attach_meta(pt, ptlen, NAME_MAX_OUT,
	    (json_int_t)a->r_chunks * ATTACH_CHUNK);
	OPENSSL_clear_free(pt, ptlen);
	return (m);
}

static json_int_t
meta_size(const json_t *m)
{
	return (json_integer_value(json_object_get(m, "size")));
}

/* Worker: the list, every name opened. */
static void
work_list(struct ajob *j, const unsigned char *dek)
{
	json_t	*arr = json_array(), *m, *o;
	size_t	 i;

	for (i = 0; i < j->j_nrows; i++) {
		const struct arow *a = &j->j_rows[i];

		o = json_pack("{s:i,s:i}", "n", a->r_n, "chunks", a->r_chunks);
		if ((m = dek != NULL ? meta_open(dek, a) : NULL) == NULL) {
			log_warnx("%s: attachment metadata could not be "
			    "decrypted", __func__);
			json_object_set_new(o, "error",
			    json_string("undecryptable"));
		} else {
			json_object_update(o, m);
			json_object_set_new(o, "parts", json_integer(
			    (meta_size(m) + ATTACH_CHUNK - 1) / ATTACH_CHUNK));
			json_decref(m);
		}
		json_array_append_new(arr, o);
	}
	j->j_out = json_pack("{s:o}", "attachments", arr);
	j->j_status = 200;
}

/* Worker: one part's clear bytes, the padding checked and dropped. */
static void
work_part(struct ajob *j, const unsigned char *dek)
{
	const struct arow	*a = &j->j_rows[0];
	struct attach_key	 k;
	json_t			*m = NULL;
	json_int_t		 size, from;
	size_t			 i, want;

	j->j_status = 409;
	j->j_code = "undecryptable";
	if (dek == NULL || (m = meta_open(dek, a)) == NULL)
		goto done;
	size = meta_size(m);
	from = (json_int_t)j->j_part * ATTACH_CHUNK;
	if (from >= size) {
		j->j_status = 404;
		j->j_code = "not_found";
		goto done;
	}
	want = (size_t)(size - from < ATTACH_CHUNK ? size - from :
	    ATTACH_CHUNK);
	if ((j->j_bytes = malloc(ATTACH_CHUNK)) == NULL) {
		j->j_status = 503;
		j->j_code = "unavailable";
		goto done;
	}
	if (attach_key_derive(dek, a->r_file_id, (uint32_t)a->r_chunks,
	    &k) == -1 || a->r_ct == NULL || attach_chunk_open(&k,
	    (uint32_t)j->j_part, a->r_ct, a->r_ctlen, j->j_bytes) == -1) {
		attach_key_clear(&k);
		log_warnx("%s: attachment part could not be decrypted",
		    __func__);
		goto done;
	}
	attach_key_clear(&k);
	for (i = want; i < ATTACH_CHUNK; i++)
		if (j->j_bytes[i] != 0)
			goto done;
	j->j_nbytes = want;
	snprintf(j->j_type, sizeof(j->j_type), "%s",
	    json_string_value(json_object_get(m, "type")));
	j->j_status = 200;
 done:
	json_decref(m);
}

static void
ajob_work(void *arg)
{
	struct ajob	*j = arg;
	struct envelope	*env = NULL;
	unsigned char	 ck[CASEKEY_LEN], dek[ENVELOPE_DEK_LEN];
	int		 has_ck, have_dek;

	cmat_unlayer(&j->j_m, j->j_case_id, j->j_app->a_conf->c_epoch_key_dir,
	    ck, &has_ck);
	OPENSSL_cleanse(ck, sizeof(ck));
	have_dek = cmat_dek(&j->j_m, &env, dek) == 0;
	if (j->j_part < 0)
		work_list(j, have_dek ? dek : NULL);
	else
		work_part(j, have_dek ? dek : NULL);
	OPENSSL_cleanse(dek, sizeof(dek));
	envelope_free(env);
}

static void
ajob_done(void *arg)
{
	struct ajob	*j = arg;

	if (j->j_status == 200 && j->j_part < 0) {
		http_reply_json(j->j_req, 200, j->j_out);
		j->j_out = NULL;
	} else if (j->j_status == 200) {
		/* Never rendered by the staff origin: a download only. */
		http_req_add_header(j->j_req, "Content-Disposition",
		    "attachment");
		http_req_add_header(j->j_req, "Cache-Control", "no-store");
		http_reply_raw(j->j_req, 200, "application/octet-stream",
		    j->j_bytes, j->j_nbytes, NULL);
	} else
		http_reply_error(j->j_req, j->j_status, j->j_code,
		    j->j_status == 404 ? "No such part." :
		    j->j_status == 503 ? "The service is busy." :
		    "The attachment could not be decrypted.");
	ajob_free(j);
}

static void
ajob_loaded(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct ajob	*j = arg;

	(void)n;
	if (st != STORE_OK) {
		ssession_reply_error(j->j_req, st, sqlstate);
		ajob_free(j);
	} else if (cmat_load(&j->j_m, res[0], j->j_s) == -1 ||
	    (j->j_part >= 0 && PQntuples(res[1]) != 1)) {
		http_reply_error(j->j_req, 404, "not_found", "No such case, "
		    "attachment or part.");
		ajob_free(j);
	} else if (arows_load(j, res[1]) == -1 ||
	    pool_submit(j->j_app->a_pool, ajob_work, ajob_done, j) == -1) {
		http_reply_error(j->j_req, 503, "unavailable",
		    "The service is busy; try again shortly.");
		ajob_free(j);
	}
}

/*
 * Parse ?id=CASE[&n=N&part=P] and start the job; with_part says which
 * route.  Numbers are checked here so no malformed value reaches
 * PostgreSQL's log.
 */
static void
attach_staff_start(struct http_request *req, void *arg, int with_part)
{
	static const char *const list_names[] = { "id", NULL };
	static const char *const part_names[] = { "id", "n", "part", NULL };
	struct ssession		*s;
	struct ajob		*j;
	struct store_stmt	 st[3];
	const char		*qs = http_req_query(req), *p1[1], *p3[3];
	char			 id[40], nbuf[8], pbuf[8], *e1 = NULL, *e2 = NULL;
	long			 nv = 0, pv = -1;

	if ((s = ssession_auth(req, SSESSION_CASEWORK)) == NULL)
		return;
	if (squery_check(qs, with_part ? part_names : list_names) == -1 ||
	    squery_get(qs, "id", id, sizeof(id)) != 1 || (with_part &&
	    (squery_get(qs, "n", nbuf, sizeof(nbuf)) != 1 ||
	    squery_get(qs, "part", pbuf, sizeof(pbuf)) != 1 ||
	    nbuf[0] == '\0' || pbuf[0] == '\0' ||
	    (nv = strtol(nbuf, &e1, 10)) < 1 || *e1 != '\0' || nv > 1000 ||
	    (pv = strtol(pbuf, &e2, 10)) < 0 || *e2 != '\0' ||
	    pv >= ATTACH_MAX_CHUNKS))) {
		http_reply_error(req, 400, "bad_request", with_part ?
		    "Expected ?id=CASE&n=N&part=P." : "Expected ?id=CASE.");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	j->j_app = arg;
	j->j_req = req;
	j->j_s = s;
	j->j_part = with_part ? (int)pv : -1;
	ssession_ref(s);
	if (staffcred_uuid_parse(id, j->j_case_id) == -1) {
		http_reply_error(req, 404, "not_found", "No such case.");
		ajob_free(j);
		return;
	}
	snprintf(j->j_case, sizeof(j->j_case), "%s", id);
	p1[0] = p3[0] = j->j_case;
	p3[1] = nbuf;
	p3[2] = pbuf;
	memset(st, 0, sizeof(st));
	st[0].st_sql = cmat_case_sql;
	st[0].st_nparams = 1;
	st[0].st_values = p1;
	if (with_part) {
		st[1].st_sql = "SELECT a.n, a.file_id, a.chunks, a.meta, k.ct "
		    "FROM casework.attachments a JOIN "
		    "casework.attachment_chunks k ON k.attachment_id = a.id "
		    "WHERE a.case_id = $1::uuid AND a.n = $2::integer "
		    "AND k.idx = $3::integer";
		st[2].st_sql = "SELECT audit.staff_event('case.attachment', "
		    "'case:' || a.case_id, jsonb_build_object('n', a.n, "
		    "'part', k.idx)) FROM casework.attachments a JOIN "
		    "casework.attachment_chunks k ON k.attachment_id = a.id "
		    "WHERE a.case_id = $1::uuid AND a.n = $2::integer "
		    "AND k.idx = $3::integer";
		st[1].st_nparams = st[2].st_nparams = 3;
		st[1].st_values = st[2].st_values = p3;
	} else {
		st[1].st_sql = "SELECT a.n, a.file_id, a.chunks, a.meta "
		    "FROM casework.attachments a WHERE a.case_id = $1::uuid "
		    "AND a.n IS NOT NULL ORDER BY a.n";
		st[2].st_sql = "SELECT audit.staff_event('case.attachments', "
		    "'case:' || c.id, '{}') FROM casework.cases c "
		    "WHERE c.id = $1::uuid";
		st[1].st_nparams = st[2].st_nparams = 1;
		st[1].st_values = st[2].st_values = p1;
	}
	if (ssession_exec(s, st, 3, ajob_loaded, j) == -1) {
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
		ajob_free(j);
	}
}

void
attach_staff_list(struct http_request *req, void *arg)
{
	attach_staff_start(req, arg, 0);
}

void
attach_staff_part(struct http_request *req, void *arg)
{
	attach_staff_start(req, arg, 1);
}
