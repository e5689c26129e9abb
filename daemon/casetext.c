/*
 * Staff free text sealed to the case (issue 11; docs/crypto.md §10
 * "Sealed staff text", schema/0051_sealed_staff_text.sql).  Transition
 * reasons, referral organisation and reference and identity-request
 * reasons are envelope items (docs/crypto.md §2.7) under the CASE KEY, with
 * ctx = label || case id, so they never reach the database, its WAL or
 * its dumps in clear, and they are shredded with the case.  A write runs
 * in three steps: the case key row through the session (RLS: a case the
 * session cannot see is 404), the sealing on a worker (it reads the epoch
 * key file), then the caller's statement with the sealed bytes.  Reads
 * open the items on a worker (daemon/cases.c) or on the loop for the
 * officers' short request list (daemon/identity.c).
 *
 * Ownership: a ctjob holds copies of the parameters (plaintext wiped when
 * sealed) and a session reference; the caller's callback runs exactly
 * once and owns its argument.  Nothing of a text or an id is logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/casekey.h"
#include "crypto/envelope.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "daemon/app.h"
#include "daemon/casetext.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

struct ctjob {
	struct app		*t_app;
	struct ssession		*t_s;
	ssession_exec_cb	 t_cb;
	void			*t_arg;
	const char		*t_sql;
	int			 t_n;
	char			*t_v[CASETEXT_MAXP];	/* copies */
	const char		*t_label[CASETEXT_MAXP];
	uint8_t			*t_sealed[CASETEXT_MAXP];
	size_t			 t_sealedlen[CASETEXT_MAXP];
	unsigned char		 t_case[16];
	uint32_t		 t_epoch;
	unsigned char		*t_enc, *t_wrap;
	size_t			 t_enclen, t_wraplen;
	int			 t_ok;
	int			 t_case_in_row;	/* _via: the case id is column 3 */
};

static void
ctjob_free(struct ctjob *t)
{
	int	 i;

	if (t == NULL)
		return;
	for (i = 0; i < CASETEXT_MAXP; i++) {
		if (t->t_v[i] != NULL)
			OPENSSL_clear_free(t->t_v[i], strlen(t->t_v[i]));
		free(t->t_sealed[i]);
	}
	free(t->t_enc);
	free(t->t_wrap);
	if (t->t_s != NULL)
		ssession_unref(t->t_s);
	free(t);
}

/* Tell the caller and end: a store status, or a made-up SQLSTATE. */
static void
ctjob_end(struct ctjob *t, int st, const char *sqlstate)
{
	t->t_cb(st, sqlstate, NULL, 0, t->t_arg);
	ctjob_free(t);
}

size_t
casetext_ctx(const char *label, const unsigned char *case_id,
    unsigned char *ctx)
{
	size_t	 l = strlen(label);

	memcpy(ctx, label, l);
	memcpy(ctx + l, case_id, 16);
	return (l + 16);
}

int
casetext_key(const char *dir, const unsigned char *case_id, uint32_t epoch,
    const unsigned char *enc, size_t enclen, const unsigned char *wrap,
    size_t wraplen, unsigned char *ck)
{
	char	 err[256];

	if (casekey_open_dir(dir, epoch, case_id, enc, enclen, wrap, wraplen,
	    ck, err, sizeof(err)) == -1) {
		log_warnx("%s: case key unavailable (epoch %u): %s", __func__,
		    epoch, err);
		return (-1);
	}
	return (0);
}

json_t *
casetext_open(const unsigned char *ck, const char *label,
    const unsigned char *case_id, const unsigned char *item, size_t len)
{
	unsigned char	 ctx[CASETEXT_LABEL_MAX + 16];
	uint8_t		*pt = NULL;
	size_t		 ptlen = 0;
	json_t		*s;

	if (ck == NULL || strlen(label) > CASETEXT_LABEL_MAX ||
	    envelope_item_open(ck, ctx, casetext_ctx(label, case_id, ctx),
	    item, len, &pt, &ptlen) == -1)
		return (json_null());
	s = json_stringn((const char *)pt, ptlen);
	OPENSSL_clear_free(pt, ptlen);
	return (s != NULL ? s : json_null());
}

unsigned char *
casetext_hex(const json_t *v, size_t *len)
{
	unsigned char	*b;
	size_t		 n;

	if (!json_is_string(v) || (n = json_string_length(v)) % 2 != 0 ||
	    n == 0 || (b = malloc(n / 2)) == NULL)
		return (NULL);
	if (secret_hex_decode(json_string_value(v), n, b, n / 2) == -1) {
		free(b);
		return (NULL);
	}
	*len = n / 2;
	return (b);
}

/* Worker: open the case key, seal every text. */
static void
ct_work(void *arg)
{
	struct ctjob	*t = arg;
	unsigned char	 ck[CASEKEY_LEN], ctx[CASETEXT_LABEL_MAX + 16];
	int		 i;

	if (casetext_key(t->t_app->a_conf->c_epoch_key_dir, t->t_case,
	    t->t_epoch, t->t_enc, t->t_enclen, t->t_wrap, t->t_wraplen,
	    ck) == -1)
		return;
	for (i = 1; i < t->t_n; i++) {
		if (t->t_label[i] == NULL || t->t_v[i] == NULL)
			continue;
		if (envelope_item_seal(ck, ctx, casetext_ctx(t->t_label[i],
		    t->t_case, ctx), (const uint8_t *)t->t_v[i],
		    strlen(t->t_v[i]), &t->t_sealed[i], &t->t_sealedlen[i]) ==
		    -1)
			goto done;
		OPENSSL_clear_free(t->t_v[i], strlen(t->t_v[i]));
		t->t_v[i] = NULL;
	}
	t->t_ok = 1;
 done:
	OPENSSL_cleanse(ck, sizeof(ck));
}

/* Loop: the caller's statement with the sealed items. */
static void
ct_sealed(void *arg)
{
	struct ctjob		*t = arg;
	struct store_stmt	 st;
	const char		*v[CASETEXT_MAXP];
	int			 l[CASETEXT_MAXP], f[CASETEXT_MAXP], i;

	if (!t->t_ok) {
		ctjob_end(t, STORE_QUERY_ERROR, CASETEXT_NO_KEY);
		return;
	}
	memset(l, 0, sizeof(l));
	memset(f, 0, sizeof(f));
	for (i = 0; i < t->t_n; i++) {
		v[i] = t->t_v[i];
		if (t->t_sealed[i] != NULL) {
			v[i] = (const char *)t->t_sealed[i];
			l[i] = (int)t->t_sealedlen[i];
			f[i] = 1;
		}
	}
	memset(&st, 0, sizeof(st));
	st.st_sql = t->t_sql;
	st.st_nparams = t->t_n;
	st.st_values = v;
	st.st_lengths = l;
	st.st_formats = f;
	if (ssession_exec(t->t_s, &st, 1, t->t_cb, t->t_arg) == -1) {
		ctjob_end(t, STORE_UNAVAILABLE, "");
		return;
	}
	ctjob_free(t);
}

static void
ct_loaded(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct ctjob	*t = arg;
	PGresult	*r;

	if (st != STORE_OK || n != 1) {
		ctjob_end(t, st, sqlstate);
		return;
	}
	r = res[0];
	if (PQntuples(r) != 1) {
		ctjob_end(t, STORE_QUERY_ERROR, "MP020");	/* 404 */
		return;
	}
	if (PQgetisnull(r, 0, 0)) {
		ctjob_end(t, STORE_QUERY_ERROR, CASETEXT_NO_KEY);
		return;
	}
	if (t->t_case_in_row && (PQnfields(r) < 4 ||
	    staffcred_uuid_parse(PQgetvalue(r, 0, 3), t->t_case) == -1)) {
		ctjob_end(t, STORE_QUERY_ERROR, "MP020");
		return;
	}
	t->t_epoch = (uint32_t)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	if ((t->t_enc = store_bytea_dup(r, 0, 1, &t->t_enclen)) == NULL ||
	    (t->t_wrap = store_bytea_dup(r, 0, 2, &t->t_wraplen)) == NULL ||
	    pool_submit(t->t_app->a_pool, ct_work, ct_sealed, t) == -1)
		ctjob_end(t, STORE_UNAVAILABLE, "");
}

/* Both writers: copies of the parameters, then the key row by key_sql. */
static int
ct_start(struct app *app, struct ssession *s, const char *key_sql,
    int case_in_row, const char *sql, int n, const char *const *v,
    const char *const *labels, ssession_exec_cb cb, void *arg)
{
	struct ctjob		*t;
	struct store_stmt	 st;
	const char		*p[1];
	int			 i;

	if (n < 1 || n > CASETEXT_MAXP || (t = calloc(1, sizeof(*t))) == NULL)
		return (-1);
	t->t_app = app;
	t->t_s = s;
	ssession_ref(s);
	t->t_cb = cb;
	t->t_arg = arg;
	t->t_sql = sql;
	t->t_n = n;
	t->t_case_in_row = case_in_row;
	for (i = 0; i < n; i++) {
		t->t_label[i] = labels != NULL && i > 0 ? labels[i] : NULL;
		if (v[i] != NULL && (t->t_v[i] = strdup(v[i])) == NULL)
			goto fail;
	}
	if (!case_in_row && staffcred_uuid_parse(v[0], t->t_case) == -1)
		goto fail;
	p[0] = v[0];
	memset(&st, 0, sizeof(st));
	st.st_sql = key_sql;
	st.st_nparams = 1;
	st.st_values = p;
	if (ssession_exec(s, &st, 1, ct_loaded, t) == -1)
		goto fail;
	return (0);
 fail:
	ctjob_free(t);
	return (-1);
}

int
casetext_write(struct app *app, struct ssession *s, const char *sql,
    int n, const char *const *v, const char *const *labels,
    ssession_exec_cb cb, void *arg)
{
	return (ct_start(app, s, "SELECT k.epoch, k.enc, k.wrapped "
	    "FROM casework.cases c "
	    "LEFT JOIN casework.case_keys k ON k.case_id = c.id "
	    "WHERE c.id = $1::uuid", 0, sql, n, v, labels, cb, arg));
}

int
casetext_write_via(struct app *app, struct ssession *s, const char *key_sql,
    const char *sql, int n, const char *const *v, const char *const *labels,
    ssession_exec_cb cb, void *arg)
{
	return (ct_start(app, s, key_sql, 1, sql, n, v, labels, cb, arg));
}
