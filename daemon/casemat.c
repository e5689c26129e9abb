/*
 * A case's crypto material (see casemat.h): the query, its copy, and the
 * worker steps that open the case key, strip its layers and unwrap the
 * DEK and the thread key.  Moved out of cases.c unchanged so that the
 * attachment reads (attach_staff.c) open a DEK exactly as a case read
 * does.  Logs name the function only: never ids or keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/casekey.h"
#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"
#include "daemon/casemat.h"
#include "daemon/log.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

const char cmat_case_sql[] =
    "SELECT c.id, e.version, e.kem_id, e.kdf_id, e.aead_id, e.category, "
    "e.nonce, e.ciphertext, w.key_id, w.enc, w.wrapped_dek, "
    "c.thread_key_id, c.thread_key_enc, c.thread_key_wrapped, "
    "k.epoch, k.enc, k.wrapped "
    "FROM casework.cases c "
    "LEFT JOIN intake.envelopes e ON e.case_id = c.id "
    "LEFT JOIN intake.wraps w ON w.case_id = c.id AND w.kind = 'queue' "
    "LEFT JOIN casework.case_keys k ON k.case_id = c.id "
    "WHERE c.id = $1::uuid";

void
cmat_clear(struct cmat *m)
{
	free(m->m_nonce);
	free(m->m_ct);
	free(m->m_wenc);
	free(m->m_wdek);
	free(m->m_tenc);
	free(m->m_twrap);
	free(m->m_ck_enc);
	free(m->m_ck_wrap);
	secret_free(m->m_qkey);
	secret_free(m->m_tqkey);
	memset(m, 0, sizeof(*m));
}

/* Copy the case_sql row into m; 0 when the row exists. */
int
cmat_load(struct cmat *m, const PGresult *r, const struct ssession *s)
{
	if (PQntuples(r) != 1)
		return (-1);
	if (!PQgetisnull(r, 0, 1) && !PQgetisnull(r, 0, 8)) {
		m->m_have_env = 1;
		m->m_version = (unsigned int)atoi(PQgetvalue(r, 0, 1));
		m->m_suite.kem = (uint16_t)atoi(PQgetvalue(r, 0, 2));
		m->m_suite.kdf = (uint16_t)atoi(PQgetvalue(r, 0, 3));
		m->m_suite.aead = (uint16_t)atoi(PQgetvalue(r, 0, 4));
		snprintf(m->m_category, sizeof(m->m_category), "%s",
		    PQgetvalue(r, 0, 5));
		m->m_nonce = store_bytea_dup(r, 0, 6, &m->m_noncelen);
		m->m_ct = store_bytea_dup(r, 0, 7, &m->m_ctlen);
		snprintf(m->m_wkid, sizeof(m->m_wkid), "%s",
		    PQgetvalue(r, 0, 8));
		m->m_wenc = store_bytea_dup(r, 0, 9, &m->m_wenclen);
		m->m_wdek = store_bytea_dup(r, 0, 10, &m->m_wdeklen);
		m->m_qkey = ssession_queue_key(s, m->m_wkid);
	}
	snprintf(m->m_tkid, sizeof(m->m_tkid), "%s", PQgetvalue(r, 0, 11));
	m->m_tenc = store_bytea_dup(r, 0, 12, &m->m_tenclen);
	m->m_twrap = store_bytea_dup(r, 0, 13, &m->m_twraplen);
	m->m_tqkey = ssession_queue_key(s, m->m_tkid);
	if (!PQgetisnull(r, 0, 14)) {
		m->m_has_ck = 1;
		m->m_ck_epoch = (uint32_t)strtoul(PQgetvalue(r, 0, 14), NULL,
		    10);
		m->m_ck_enc = store_bytea_dup(r, 0, 15, &m->m_ck_enclen);
		m->m_ck_wrap = store_bytea_dup(r, 0, 16, &m->m_ck_wraplen);
	}
	return (0);
}

/*
 * Worker: open the case key (epoch key file) and strip the outer layer
 * from the DEK wrap and the thread-key wrap in place.  A case without a
 * case key (stored before 0050, not yet given one) is left as it is.  On
 * failure the wraps stay layered, so nothing below opens: the case reads
 * as undecryptable, and the log says why without naming the case.
 */
void
cmat_unlayer(struct cmat *m, const unsigned char *case_id, const char *dir,
    unsigned char *ck, int *has_ck)
{
	char	 err[256];

	*has_ck = 0;
	if (!m->m_has_ck)
		return;
	if (m->m_ck_enc == NULL || m->m_ck_wrap == NULL ||
	    casekey_open_dir(dir, m->m_ck_epoch, case_id, m->m_ck_enc,
	    m->m_ck_enclen, m->m_ck_wrap, m->m_ck_wraplen, ck, err,
	    sizeof(err)) == -1) {
		log_warnx("%s: case key unavailable (epoch %u): %s",
		    __func__, m->m_ck_epoch, err);
		return;
	}
	*has_ck = 1;
	if (m->m_have_env && casekey_strip(ck, case_id, CASEKEY_L_DEK,
	    m->m_wkid, m->m_wdek, &m->m_wdeklen) == -1)
		log_warnx("%s: DEK wrap layer does not open", __func__);
	if (casekey_strip(ck, case_id, CASEKEY_L_TK, m->m_tkid, m->m_twrap,
	    &m->m_twraplen) == -1)
		log_warnx("%s: thread-key wrap layer does not open", __func__);
}

struct hpke_key *
cmat_key_of(const struct secret *scalar)
{
	if (scalar == NULL)
		return (NULL);
	return (hpke_key_from_private(HPKE_KEM_P256_SHA256, scalar->s_buf,
	    scalar->s_len));
}

/* Worker: the envelope with its queue wrap and the DEK; -1 if either
 * cannot be had (no key in this session, damaged data). */
int
cmat_dek(const struct cmat *m, struct envelope **envp, unsigned char *dek)
{
	struct envelope	*env = NULL;
	struct hpke_key	*sk = NULL;
	unsigned char	 kid[STAFFCRED_KEYID_LEN];
	int		 rc = -1;

	*envp = NULL;
	if (!m->m_have_env || m->m_ct == NULL || m->m_nonce == NULL ||
	    m->m_ctlen < ENVELOPE_COMMIT_LEN ||
	    staffcred_key_id_parse(m->m_wkid, kid) == -1)
		return (-1);
	if ((env = envelope_new(m->m_version, &m->m_suite, m->m_category,
	    m->m_nonce, m->m_noncelen, m->m_ct, ENVELOPE_COMMIT_LEN,
	    m->m_ct + ENVELOPE_COMMIT_LEN, m->m_ctlen - ENVELOPE_COMMIT_LEN)) ==
	    NULL || envelope_add_wrap(env, kid, sizeof(kid), m->m_wenc,
	    m->m_wenclen, m->m_wdek, m->m_wdeklen) == -1)
		goto done;
	if ((sk = cmat_key_of(m->m_qkey)) == NULL ||
	    envelope_unwrap(env, kid, sk, dek) == -1)
		goto done;
	rc = 0;
 done:
	hpke_key_free(sk);
	if (rc == 0)
		*envp = env;
	else
		envelope_free(env);
	return (rc);
}

int
cmat_thread_key(const struct cmat *m, const unsigned char *case_id,
    unsigned char *tk)
{
	struct hpke_key	*sk;
	unsigned char	 kid[STAFFCRED_KEYID_LEN];
	int		 rc;

	if (staffcred_key_id_parse(m->m_tkid, kid) == -1 ||
	    (sk = cmat_key_of(m->m_tqkey)) == NULL)
		return (-1);
	rc = staffcred_unwrap_thread_key(sk, kid, case_id, m->m_tenc,
	    m->m_tenclen, m->m_twrap, m->m_twraplen, tk);
	hpke_key_free(sk);
	return (rc);
}
