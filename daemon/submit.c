/*
 * POST /v1/reports: validate (reportreq.c), then on a worker thread seal
 * what the client sent in plaintext, draw the case id, the thread key and
 * the receipt and run Argon2id (never on the loop), then store everything
 * with ONE call of intake.submit_report() (one statement, so one
 * transaction with the statistics and the acknowledgement), and only
 * after the commit answer 201 with the receipt.  A duplicate lookup id
 * (23505) draws a fresh receipt and tries again.
 *
 * Known outcomes (issue 14).  With an Idempotency-Key the same statement
 * also writes the submission's record (idem.h, intake.submission_put); a
 * retry whose id is taken fails with MP090 and rolls back, and is then
 * answered from the record with the same receipt -- or 409 when its body
 * differs.  When the request deadline
 * passes with a statement in flight, the statement is cancelled and the
 * answer is only what is known: 503 "unavailable" (nothing stored) when
 * the statement never ran or the server refused it, 503
 * "outcome_unknown" (retry with the same id) when it may have committed.
 *
 * Layouts (docs/crypto.md §2, §7): the stored ciphertext is dek_commit ||
 * content ciphertext; the thread key is HPKE-wrapped to every queue key
 * the form lists for the category (the database keeps the routed one) and
 * sealed under the receipt's wrap key with the case id as associated
 * data; contact details are HPKE-sealed to the identity key with info
 * "meldpunt-contact" || key id and linked by HMAC-SHA256(contact-link
 * key, case id).
 *
 * Case key (docs/crypto.md §12): a random key per case, wrapped to the
 * current retention epoch's PUBLIC key (this process never holds an epoch
 * private key); the DEK wraps, the thread-key wraps and the contact
 * ciphertext get an outer AES-GCM layer under it before they are stored,
 * and intake.case_key_store() stores the wrapped case key in the same
 * statement (so in the same transaction) as intake.submit_report().
 *
 * Urgent consent (schema 0250, docs/crypto.md §12.4): with
 * contact_consent the contact is also sealed to every queue key of the
 * category (by the client, or here for plain details, info
 * "meldpunt-urgent-contact" || key id), layered under the case key with
 * label "urgent-contact:" || key id, and intake.urgent_contact_store()
 * keeps the routed urgent queue's copy in the same statement.
 *
 * Proof of work (powpub.h) is checked before the body is parsed.  The
 * solution is spent when the job is queued for its hash and given back
 * when admission refuses it or the pool drops it unhashed; a retry whose
 * solution is spent or expired is answered from its record only.
 *
 * Ownership: a submit_job owns its reportreq, a reference on the key
 * snapshot and copies of the two server keys, and wipes all of it in
 * submit_job_free().  Nothing a reporter sent is ever logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/casekey.h"
#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/receipt.h"
#include "crypto/secret.h"
#include "daemon/admit.h"
#include "daemon/app.h"
#include "forms/forms.h"
#include "daemon/config.h"
#include "daemon/http.h"
#include "daemon/idem.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/powpub.h"
#include "daemon/public_state.h"
#include "daemon/pubkeys.h"
#include "daemon/reportreq.h"
#include "daemon/store.h"

#define SUBMIT_ATTEMPTS		3
#define SUBMIT_NPARAMS		40
#define LAYERED_WRAP		(48 + CASEKEY_LAYER_OVERHEAD)
#define SUBMIT_IDEM_NPARAMS	4	/* lookup, check, sealed, keep */
/* After a cancel, how long the server may take to say what it did; well
 * inside HTTP_DEADLINE_GRACE_MS. */
#define SUBMIT_CANCEL_WAIT_MS	1000
#define CONTACT_INFO		"meldpunt-contact"
#define UCONTACT_INFO		"meldpunt-urgent-contact"
#define UCONTACT_LABEL		"urgent-contact:"	/* || key id hex */
#define TK_INFO			"meldpunt-thread-key-wrap"
#define TK_LEN			32

struct submit_tk {
	char		 t_hex[2 * ENVELOPE_KEYID_LEN + 1];
	uint8_t		 t_enc[HPKE_MAX_ENC];
	size_t		 t_enclen;
	uint8_t		 t_wrapped[TK_LEN + HPKE_TAG_LEN];
	uint8_t		 t_layered[LAYERED_WRAP];
};

/* A consent copy for one queue key (the client's, or sealed here). */
struct submit_ucopy {
	const struct pubkey	*u_key;
	uint8_t			 u_enc[HPKE_MAX_ENC];
	size_t			 u_enclen;
	const unsigned char	*u_ct;		/* rr's, or u_own */
	size_t			 u_ctlen;
	unsigned char		*u_own;		/* sealed here */
	unsigned char		*u_layered;	/* u_ct under the case key */
};

struct submit_job {
	struct public_state	*sj_ps;
	struct http_request	*sj_req;
	struct reportreq	*sj_rr;
	struct pubkeys		*sj_keys;
	enum i18n_lang		 sj_lang;
	struct event_base	*sj_base;
	struct store_req	*sj_sreq;	/* statement queued or in flight */
	struct event		*sj_wait;	/* after a cancel */
	int			 sj_has_idem;
	int			 sj_late;	/* deadline passed on a worker */
	struct idem		 sj_idem;
	int			 sj_attempts;
	int			 sj_failed;
	int			 sj_sealed;
	/* Proof of work (powpub.h): the solution spent for this job. */
	int			 sj_has_pow;
	int			 sj_record_only;	/* POWPUB_RECORD */
	struct pow_solution	 sj_pow;
	/* Copies, so a job outliving public_free() reads nothing freed. */
	unsigned char		 sj_lookup_key[RECEIPT_LOOKUP_KEY_LEN];
	unsigned char		 sj_link_key[32];
	struct secret_kdf	 sj_kdf;
	uint32_t		 sj_epoch;
	struct hpke_key		*sj_epoch_key;	/* a dup of ps_epoch_key */
	/* Built on the worker. */
	struct envelope		*sj_env;	/* server-sealed, else NULL */
	uint8_t			 sj_cenc[HPKE_MAX_ENC];
	size_t			 sj_cenclen;
	unsigned char		*sj_cct;
	size_t			 sj_cctlen;
	char			 sj_receipt[RECEIPT_DIGITS + 1];
	struct receipt_record	 sj_rec;
	uint8_t			 sj_case[16];
	uint8_t			 sj_tksealed[RECEIPT_WRAP_OVERHEAD + TK_LEN];
	size_t			 sj_tksealedlen;
	struct submit_tk	 sj_tk[ENVELOPE_MAX_WRAPS];
	size_t			 sj_ntk;
	uint8_t			 sj_link[32];
	/* Case key layer (fresh on every attempt: it binds the case id). */
	uint8_t			 sj_ckenc[HPKE_MAX_ENC];
	size_t			 sj_ckenclen;
	uint8_t			 sj_ckwrap[CASEKEY_WRAPPED_LEN];
	uint8_t			 sj_ldek[ENVELOPE_MAX_WRAPS][LAYERED_WRAP];
	unsigned char		*sj_lcct;	/* layered contact ct */
	size_t			 sj_lcctlen;
	/* The contact hand-over sealed to the epoch key (0053). */
	uint8_t			 sj_henc[HPKE_MAX_ENC];
	size_t			 sj_henclen;
	uint8_t			*sj_hsealed;
	size_t			 sj_hsealedlen;
	/* Consent copies (0250); sj_nuc is 0 without consent. */
	struct submit_ucopy	 sj_uc[ENVELOPE_MAX_WRAPS];
	size_t			 sj_nuc;
};

static void	submit_work(void *);
static void	submit_done(void *);

static void
submit_job_free(struct submit_job *sj)
{
	size_t	 i;

	if (sj == NULL)
		return;
	if (sj->sj_wait != NULL)
		event_free(sj->sj_wait);
	reportreq_free(sj->sj_rr);
	pubkeys_unref(sj->sj_keys);
	hpke_key_free(sj->sj_epoch_key);
	envelope_free(sj->sj_env);
	if (sj->sj_cct != NULL)
		OPENSSL_clear_free(sj->sj_cct, sj->sj_cctlen);
	free(sj->sj_lcct);
	idem_clear(&sj->sj_idem);
	free(sj->sj_hsealed);
	for (i = 0; i < sj->sj_nuc; i++) {
		free(sj->sj_uc[i].u_own);
		free(sj->sj_uc[i].u_layered);
	}
	OPENSSL_cleanse(sj, sizeof(*sj));
	free(sj);
}

static const struct envelope *
submit_envelope(const struct submit_job *sj)
{
	return (sj->sj_env != NULL ? sj->sj_env : sj->sj_rr->rr_env);
}

/* Plaintext mode: seal the content to every listed key, then wipe it. */
static int
submit_seal_content(struct submit_job *sj, const struct pubkeys_cat *kc)
{
	struct reportreq		*rr = sj->sj_rr;
	struct envelope_recipient	 rcpt[ENVELOPE_MAX_WRAPS];
	size_t				 i, n = 0;

	if (rr->rr_plain == NULL)
		return (0);
	for (i = 0; i < kc->kc_n && n < ENVELOPE_MAX_WRAPS; i++) {
		if (kc->kc_keys[i].pk_purpose == PUBKEY_IDENTITY)
			continue;
		memcpy(rcpt[n].r_key_id, kc->kc_keys[i].pk_id,
		    ENVELOPE_KEYID_LEN);
		rcpt[n++].r_key = kc->kc_keys[i].pk_key;
	}
	sj->sj_env = envelope_build(&hpke_suite_default, rr->rr_cat->c_id,
	    rcpt, n, rr->rr_plain, rr->rr_plainlen);
	OPENSSL_clear_free(rr->rr_plain, rr->rr_plainlen);
	rr->rr_plain = NULL;
	rr->rr_plainlen = 0;
	return (sj->sj_env == NULL ? -1 : 0);
}

/*
 * The consent copies: the client's, or -- for plain details, before
 * submit_seal_contact() wipes them -- sealed here to every queue key of
 * the category with info "meldpunt-urgent-contact" || key id.
 */
static int
submit_seal_ucopies(struct submit_job *sj, const struct pubkeys_cat *kc)
{
	struct reportreq	*rr = sj->sj_rr;
	struct submit_ucopy	*u;
	uint8_t			 info[sizeof(UCONTACT_INFO) - 1 +
				    ENVELOPE_KEYID_LEN];
	size_t			 i;

	if (!rr->rr_consent)
		return (0);
	for (i = 0; rr->rr_contact == RR_CONTACT_SEALED &&
	    i < rr->rr_nucopy; i++) {
		u = &sj->sj_uc[sj->sj_nuc++];
		u->u_key = rr->rr_ucopy[i].u_key;
		memcpy(u->u_enc, rr->rr_ucopy[i].u_enc, rr->rr_ucopy[i].u_enclen);
		u->u_enclen = rr->rr_ucopy[i].u_enclen;
		u->u_ct = rr->rr_ucopy[i].u_ct;
		u->u_ctlen = rr->rr_ucopy[i].u_ctlen;
	}
	for (i = 0; rr->rr_contact == RR_CONTACT_PLAIN && i < kc->kc_n &&
	    sj->sj_nuc < ENVELOPE_MAX_WRAPS; i++) {
		if (kc->kc_keys[i].pk_purpose != PUBKEY_QUEUE)
			continue;
		u = &sj->sj_uc[sj->sj_nuc++];
		u->u_key = &kc->kc_keys[i];
		memcpy(info, UCONTACT_INFO, sizeof(UCONTACT_INFO) - 1);
		memcpy(info + sizeof(UCONTACT_INFO) - 1, u->u_key->pk_id,
		    ENVELOPE_KEYID_LEN);
		u->u_ctlen = rr->rr_contact_plainlen + HPKE_TAG_LEN;
		u->u_enclen = sizeof(u->u_enc);	/* in: room, out: length */
		if ((u->u_own = malloc(u->u_ctlen)) == NULL ||
		    hpke_seal(&hpke_suite_default, u->u_key->pk_key, info,
		    sizeof(info), NULL, 0, rr->rr_contact_plain,
		    rr->rr_contact_plainlen, u->u_enc, &u->u_enclen,
		    u->u_own) == -1)
			return (-1);
		u->u_ct = u->u_own;
	}
	return (0);
}

/* The case-key layer on every consent copy (fresh per attempt). */
static int
submit_layer_ucopies(struct submit_job *sj, const uint8_t *ck)
{
	struct submit_ucopy	*u;
	char			 label[CASEKEY_LABEL_MAX + 1];
	size_t			 i;

	for (i = 0; i < sj->sj_nuc; i++) {
		u = &sj->sj_uc[i];
		free(u->u_layered);
		snprintf(label, sizeof(label), UCONTACT_LABEL "%s",
		    u->u_key->pk_hex);
		if ((u->u_layered = malloc(u->u_ctlen +
		    CASEKEY_LAYER_OVERHEAD)) == NULL ||
		    casekey_layer_seal(ck, sj->sj_case, label, u->u_ct,
		    u->u_ctlen, u->u_layered) == -1)
			return (-1);
	}
	return (0);
}

/* Plain contact details: HPKE to the identity key, then wipe them. */
static int
submit_seal_contact(struct submit_job *sj)
{
	struct reportreq	*rr = sj->sj_rr;
	const struct pubkey	*k = rr->rr_contact_key;
	uint8_t			 info[sizeof(CONTACT_INFO) - 1 +
				    ENVELOPE_KEYID_LEN];
	int			 rc;

	if (rr->rr_contact != RR_CONTACT_PLAIN)
		return (0);
	memcpy(info, CONTACT_INFO, sizeof(CONTACT_INFO) - 1);
	memcpy(info + sizeof(CONTACT_INFO) - 1, k->pk_id, ENVELOPE_KEYID_LEN);
	sj->sj_cctlen = rr->rr_contact_plainlen + HPKE_TAG_LEN;
	sj->sj_cenclen = sizeof(sj->sj_cenc);	/* in: room, out: length */
	if ((sj->sj_cct = OPENSSL_malloc(sj->sj_cctlen)) == NULL)
		return (-1);
	rc = hpke_seal(&hpke_suite_default, k->pk_key, info, sizeof(info),
	    NULL, 0, rr->rr_contact_plain, rr->rr_contact_plainlen,
	    sj->sj_cenc, &sj->sj_cenclen, sj->sj_cct);
	OPENSSL_clear_free(rr->rr_contact_plain, rr->rr_contact_plainlen);
	rr->rr_contact_plain = NULL;
	rr->rr_contact_plainlen = 0;
	return (rc);
}

/* The thread key HPKE-wrapped to every queue key of the category. */
static int
submit_wrap_tk(struct submit_job *sj, const struct pubkeys_cat *kc,
    const uint8_t *tk)
{
	uint8_t		 info[sizeof(TK_INFO) - 1 + ENVELOPE_KEYID_LEN + 16];
	struct submit_tk *t;
	size_t		 i;

	sj->sj_ntk = 0;
	for (i = 0; i < kc->kc_n && sj->sj_ntk < ENVELOPE_MAX_WRAPS; i++) {
		const struct pubkey	*k = &kc->kc_keys[i];

		if (k->pk_purpose != PUBKEY_QUEUE)
			continue;
		t = &sj->sj_tk[sj->sj_ntk++];
		memcpy(t->t_hex, k->pk_hex, sizeof(t->t_hex));
		t->t_enclen = sizeof(t->t_enc);	/* in: room, out: length */
		memcpy(info, TK_INFO, sizeof(TK_INFO) - 1);
		memcpy(info + sizeof(TK_INFO) - 1, k->pk_id,
		    ENVELOPE_KEYID_LEN);
		memcpy(info + sizeof(TK_INFO) - 1 + ENVELOPE_KEYID_LEN,
		    sj->sj_case, 16);
		if (hpke_seal(&hpke_suite_default, k->pk_key, info,
		    sizeof(info), NULL, 0, tk, TK_LEN, t->t_enc, &t->t_enclen,
		    t->t_wrapped) == -1)
			return (-1);
	}
	return (sj->sj_ntk > 0 ? 0 : -1);
}

/*
 * The contact row, sealed to the epoch public key for the hand-over
 * (0053): `meldctl contact flush` moves it into identity.contacts later,
 * in a shuffled batch of at least K, in a transaction of its own.
 */
static int
submit_handover(struct submit_job *sj, const struct hpke_key *pk)
{
	const struct reportreq	*rr = sj->sj_rr;
	struct casekey_contact	 c;
	uint8_t			*pt;
	size_t			 ptlen;
	int			 rc;

	memcpy(c.cc_link, sj->sj_link, sizeof(c.cc_link));
	memcpy(c.cc_key_id, rr->rr_contact_key->pk_id, sizeof(c.cc_key_id));
	c.cc_enc = rr->rr_contact == RR_CONTACT_SEALED ? rr->rr_contact_enc :
	    sj->sj_cenc;
	c.cc_enclen = rr->rr_contact == RR_CONTACT_SEALED ?
	    rr->rr_contact_enclen : sj->sj_cenclen;
	c.cc_ct = sj->sj_lcct;
	c.cc_ctlen = sj->sj_lcctlen;
	if ((pt = casekey_handover_build(&c, &ptlen)) == NULL)
		return (-1);
	free(sj->sj_hsealed);
	sj->sj_hsealedlen = ptlen + HPKE_TAG_LEN;
	sj->sj_henclen = sizeof(sj->sj_henc);
	rc = (sj->sj_hsealed = malloc(sj->sj_hsealedlen)) == NULL ? -1 :
	    casekey_handover_seal(pk, sj->sj_epoch, pt, ptlen, sj->sj_henc,
	    &sj->sj_henclen, sj->sj_hsealed);
	OPENSSL_clear_free(pt, ptlen);
	return (rc);
}

/*
 * The case key: wrapped to the epoch public key, then the outer layer on
 * every DEK wrap, thread-key wrap and the contact ciphertext.
 */
static int
submit_case_key(struct submit_job *sj)
{
	const struct envelope		*env = submit_envelope(sj);
	const struct envelope_wrap	*w;
	const struct reportreq		*rr = sj->sj_rr;
	const unsigned char		*ct;
	const struct hpke_key		*pk;
	uint8_t				 ck[CASEKEY_LEN];
	char				 label[CASEKEY_LABEL_MAX + 1], hex[33];
	size_t				 i, ctlen;
	int				 rc = -1;

	pk = sj->sj_epoch_key;
	if (secret_random(ck, sizeof(ck)) == -1)
		goto done;
	sj->sj_ckenclen = sizeof(sj->sj_ckenc);
	if (casekey_wrap(pk, NULL, sj->sj_epoch, sj->sj_case, ck,
	    sj->sj_ckenc, &sj->sj_ckenclen, sj->sj_ckwrap) == -1)
		goto done;
	for (i = 0; i < envelope_nwraps(env); i++) {
		w = envelope_wrap_at(env, i);
		secret_hex_encode(w->w_key_id, ENVELOPE_KEYID_LEN, hex);
		snprintf(label, sizeof(label), CASEKEY_L_DEK "%s", hex);
		if (casekey_layer_seal(ck, sj->sj_case, label, w->w_dek,
		    sizeof(w->w_dek), sj->sj_ldek[i]) == -1)
			goto done;
	}
	for (i = 0; i < sj->sj_ntk; i++) {
		snprintf(label, sizeof(label), CASEKEY_L_TK "%s",
		    sj->sj_tk[i].t_hex);
		if (casekey_layer_seal(ck, sj->sj_case, label,
		    sj->sj_tk[i].t_wrapped, sizeof(sj->sj_tk[i].t_wrapped),
		    sj->sj_tk[i].t_layered) == -1)
			goto done;
	}
	free(sj->sj_lcct);
	sj->sj_lcct = NULL;
	if (rr->rr_contact != RR_CONTACT_NONE) {
		ct = rr->rr_contact == RR_CONTACT_SEALED ? rr->rr_contact_ct :
		    sj->sj_cct;
		ctlen = rr->rr_contact == RR_CONTACT_SEALED ?
		    rr->rr_contact_ctlen : sj->sj_cctlen;
		sj->sj_lcctlen = ctlen + CASEKEY_LAYER_OVERHEAD;
		if ((sj->sj_lcct = malloc(sj->sj_lcctlen)) == NULL ||
		    casekey_layer_seal(ck, sj->sj_case, CASEKEY_L_CONTACT, ct,
		    ctlen, sj->sj_lcct) == -1 || submit_handover(sj, pk) == -1)
			goto done;
	}
	if (submit_layer_ucopies(sj, ck) == -1)
		goto done;
	rc = 0;
 done:
	OPENSSL_cleanse(ck, sizeof(ck));
	return (rc);
}

/*
 * Case id, thread key and its wraps, the receipt (Argon2id) and the
 * contact link: everything that must be fresh on a retry.
 */
static int
submit_credentials(struct submit_job *sj, const struct pubkeys_cat *kc)
{
	uint8_t		 tk[TK_LEN], wrapkey[RECEIPT_WRAP_KEY_LEN];
	unsigned int	 maclen = sizeof(sj->sj_link);
	int		 rc = -1;

	if (secret_random(sj->sj_case, sizeof(sj->sj_case)) == -1 ||
	    secret_random(tk, sizeof(tk)) == -1)
		goto done;
	/* An RFC 9562 version 4 UUID. */
	sj->sj_case[6] = (sj->sj_case[6] & 0x0f) | 0x40;
	sj->sj_case[8] = (sj->sj_case[8] & 0x3f) | 0x80;
	if (submit_wrap_tk(sj, kc, tk) == -1 ||
	    receipt_generate(sj->sj_receipt) == -1 ||
	    receipt_enroll(sj->sj_receipt, sj->sj_lookup_key, &sj->sj_kdf,
	    &sj->sj_rec, wrapkey) == -1)
		goto done;
	sj->sj_tksealedlen = sizeof(sj->sj_tksealed);
	if (receipt_wrap_thread_key(wrapkey, tk, sizeof(tk), sj->sj_case,
	    sizeof(sj->sj_case), sj->sj_tksealed, &sj->sj_tksealedlen) == -1)
		goto done;
	if (sj->sj_rr->rr_contact != RR_CONTACT_NONE &&
	    HMAC(EVP_sha256(), sj->sj_link_key, sizeof(sj->sj_link_key),
	    sj->sj_case, sizeof(sj->sj_case), sj->sj_link, &maclen) == NULL)
		goto done;
	if (submit_case_key(sj) == -1)
		goto done;
	rc = 0;
 done:
	OPENSSL_cleanse(tk, sizeof(tk));
	OPENSSL_cleanse(wrapkey, sizeof(wrapkey));
	return (rc);
}

/* On a worker thread. */
static void
submit_work(void *arg)
{
	struct submit_job		*sj = arg;
	const struct pubkeys_cat	*kc;

	kc = pubkeys_cat(sj->sj_keys, sj->sj_rr->rr_catidx);
	if (!sj->sj_sealed) {
		if (submit_seal_content(sj, kc) == -1 ||
		    submit_seal_ucopies(sj, kc) == -1 ||
		    submit_seal_contact(sj) == -1) {
			sj->sj_failed = 1;
			return;
		}
		sj->sj_sealed = 1;
	}
	sj->sj_failed = submit_credentials(sj, kc) == -1;
}

/* A growing string for array literals; -1 on memory shortage. */
struct sbuf {
	char	*b;
	size_t	 len, cap;
};

static int
sbuf_add(struct sbuf *s, const char *str, size_t n)
{
	char	*nb;

	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		if ((nb = realloc(s->b, s->cap)) == NULL)
			return (-1);
		s->b = nb;
	}
	memcpy(s->b + s->len, str, n);
	s->len += n;
	s->b[s->len] = '\0';
	return (0);
}

/* One element of a bytea[] literal: "\\x<hex>" */
static int
sbuf_bytea(struct sbuf *s, const uint8_t *b, size_t n)
{
	char	*hex;
	int	 rc;

	/* The consent copies (0250) are up to 16 KiB each. */
	if (n > 65536 || (hex = malloc(2 * n + 1)) == NULL)
		return (-1);
	secret_hex_encode(b, n, hex);
	rc = sbuf_add(s, "\"\\\\x", 4) == -1 ||
	    sbuf_add(s, hex, 2 * n) == -1 || sbuf_add(s, "\"", 1) == -1 ?
	    -1 : 0;
	free(hex);
	return (rc);
}

/* The three consent-copy arrays (key ids, encs, layered cts) for
 * intake.urgent_contact_store(); -1 on memory shortage. */
static int
submit_uarrays(const struct submit_job *sj, struct sbuf *a)
{
	const struct submit_ucopy *u;
	size_t			 i;
	int			 rc = 0, k;

	for (k = 0; k < 3; k++)
		rc |= sbuf_add(&a[k], "{", 1);
	for (i = 0; i < sj->sj_nuc; i++) {
		u = &sj->sj_uc[i];
		for (k = 0; i > 0 && k < 3; k++)
			rc |= sbuf_add(&a[k], ",", 1);
		rc |= sbuf_add(&a[0], "\"", 1);
		rc |= sbuf_add(&a[0], u->u_key->pk_hex, 32);
		rc |= sbuf_add(&a[0], "\"", 1);
		rc |= sbuf_bytea(&a[1], u->u_enc, u->u_enclen);
		rc |= sbuf_bytea(&a[2], u->u_layered,
		    u->u_ctlen + CASEKEY_LAYER_OVERHEAD);
	}
	for (k = 0; k < 3; k++)
		rc |= sbuf_add(&a[k], "}", 1);
	return (rc ? -1 : 0);
}

/* The six array parameters: DEK wraps and thread-key wraps. */
static int
submit_arrays(const struct submit_job *sj, struct sbuf *a)
{
	const struct envelope	*env = submit_envelope(sj);
	const struct envelope_wrap *w;
	char			 hex[2 * ENVELOPE_KEYID_LEN + 1];
	size_t			 i, n = envelope_nwraps(env);
	int			 rc = 0, k;

	for (k = 0; k < 6; k++)
		rc |= sbuf_add(&a[k], "{", 1);
	for (i = 0; i < n; i++) {
		w = envelope_wrap_at(env, i);
		secret_hex_encode(w->w_key_id, ENVELOPE_KEYID_LEN, hex);
		rc |= sbuf_add(&a[0], i ? ",\"" : "\"", i ? 2 : 1);
		rc |= sbuf_add(&a[0], hex, strlen(hex));
		rc |= sbuf_add(&a[0], "\"", 1);
		rc |= i ? sbuf_add(&a[1], ",", 1) | sbuf_add(&a[2], ",", 1) : 0;
		rc |= sbuf_bytea(&a[1], w->w_enc, w->w_enclen);
		rc |= sbuf_bytea(&a[2], sj->sj_ldek[i], LAYERED_WRAP);
	}
	for (i = 0; i < sj->sj_ntk; i++) {
		rc |= sbuf_add(&a[3], i ? ",\"" : "\"", i ? 2 : 1);
		rc |= sbuf_add(&a[3], sj->sj_tk[i].t_hex, 32);
		rc |= sbuf_add(&a[3], "\"", 1);
		rc |= i ? sbuf_add(&a[4], ",", 1) | sbuf_add(&a[5], ",", 1) : 0;
		rc |= sbuf_bytea(&a[4], sj->sj_tk[i].t_enc,
		    sj->sj_tk[i].t_enclen);
		rc |= sbuf_bytea(&a[5], sj->sj_tk[i].t_layered,
		    sizeof(sj->sj_tk[i].t_layered));
	}
	for (k = 0; k < 6; k++)
		rc |= sbuf_add(&a[k], "}", 1);
	return (rc ? -1 : 0);
}

static void	submit_stored(enum store_status, const char *, PGresult **,
		    int, void *);
static void	submit_lookup(struct submit_job *);

/*
 * One statement: the CTE calls a volatile function, so it is run once and
 * before the outer select list, whose case_key_store() then finds the
 * case row this transaction has just inserted.  The first-response
 * deadline is answered as stored: rounded up to the hour (0052).
 */
static const char submit_sql[] =
    "WITH s AS (SELECT * FROM intake.submit_report($1, $2, $3, $4, $5, $6, "
    "$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
    "$21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)) "
    "SELECT urgent, received_on, ack_due, feedback_due, "
    "to_char(to_timestamp(ceil(date_part('epoch', first_response_due) / "
    "3600) * 3600) AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ack_text_key, "
    "intake.case_key_store($31, $32, $33, $34), "
    "intake.contact_handover($31, $32, $35, $36, $37), "
    "intake.urgent_contact_store($31, $38, $39, $40) FROM s";

/*
 * With an Idempotency-Key: the same statement, and in its select list the
 * submission's record (0090_submissions.sql).  The report's own statement
 * is wrapped, not edited: its first six answer columns are named by
 * place, and every column of it is kept (a volatile one must run).
 */
static const char submit_idem_fmt[] =
    "SELECT r.*, intake.submission_put($%d, $%d, $%d, $%d, r.c0, r.c1, "
    "r.c2, r.c3, r.c4::timestamptz, r.c5) "
    "FROM (%s) r(c0, c1, c2, c3, c4, c5)";

static const char submit_get_sql[] =
    "SELECT body_check, sealed, urgent, received_on, ack_due, feedback_due, "
    "to_char(first_response_due AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ack_text_key "
    "FROM intake.submission_get($1)";

static void
submit_bin(const char **v, int *l, int *f, int i, const void *p, size_t n)
{
	v[i] = p;
	l[i] = (int)n;
	f[i] = 1;
}

/* Build the parameters and run the one statement. */
static int
submit_store(struct submit_job *sj)
{
	const struct envelope	*env = submit_envelope(sj);
	const struct reportreq	*rr = sj->sj_rr;
	const struct hpke_suite	*s = envelope_suite(env);
	struct store_stmt	 st;
	struct sbuf		 a[6], ua[3];
	const char		*v[SUBMIT_NPARAMS + SUBMIT_IDEM_NPARAMS];
	int			 l[SUBMIT_NPARAMS + SUBMIT_IDEM_NPARAMS],
				 f[SUBMIT_NPARAMS + SUBMIT_IDEM_NPARAMS], i,
				 rc = -1;
	char			 num[8][16], uuid[37], hex[33], keep[16];
	char			 sql[sizeof(submit_sql) + sizeof(submit_idem_fmt) +
				    16];
	unsigned char		 sealed[IDEM_SEALED_LEN];
	unsigned char		*ct = NULL;
	const uint8_t		*c;
	size_t			 ctlen;

	memset(a, 0, sizeof(a));
	memset(ua, 0, sizeof(ua));
	memset(v, 0, sizeof(v));
	memset(l, 0, sizeof(l));
	memset(f, 0, sizeof(f));
	c = envelope_ciphertext(env, &ctlen);
	if (submit_arrays(sj, a) == -1 ||
	    (ct = malloc(ENVELOPE_COMMIT_LEN + ctlen)) == NULL)
		goto done;
	/* docs/crypto.md §7: stored ciphertext = dek_commit || content. */
	memcpy(ct, envelope_commit(env), ENVELOPE_COMMIT_LEN);
	memcpy(ct + ENVELOPE_COMMIT_LEN, c, ctlen);
	snprintf(num[0], 16, "%u", envelope_version(env));
	snprintf(num[1], 16, "%u", s->kem);
	snprintf(num[2], 16, "%u", s->kdf);
	snprintf(num[3], 16, "%u", s->aead);
	snprintf(num[4], 16, "%u", sj->sj_rec.rr_kdf.k_m_kib);
	snprintf(num[5], 16, "%u", sj->sj_rec.rr_kdf.k_t);
	snprintf(num[6], 16, "%u", sj->sj_rec.rr_kdf.k_p);
	v[0] = rr->rr_cat->c_id;
	v[1] = rr->rr_subtype;
	v[2] = rr->rr_province;
	v[3] = rr->rr_ground;
	v[4] = rr->rr_sector;
	v[5] = rr->rr_danger ? "true" : "false";
	v[6] = rr->rr_travel[0] != '\0' ? rr->rr_travel : NULL;
	v[7] = num[0];
	v[8] = num[1];
	v[9] = num[2];
	v[10] = num[3];
	submit_bin(v, l, f, 11, envelope_nonce(env), ENVELOPE_NONCE_LEN);
	submit_bin(v, l, f, 12, ct, ENVELOPE_COMMIT_LEN + ctlen);
	for (i = 0; i < 6; i++)
		v[13 + i] = a[i].b;
	submit_bin(v, l, f, 19, sj->sj_rec.rr_lookup, RECEIPT_LOOKUP_LEN);
	submit_bin(v, l, f, 20, sj->sj_rec.rr_salt, RECEIPT_SALT_LEN);
	submit_bin(v, l, f, 21, sj->sj_rec.rr_verifier, RECEIPT_VERIFIER_LEN);
	v[22] = num[4];
	v[23] = num[5];
	v[24] = num[6];
	submit_bin(v, l, f, 25, sj->sj_tksealed, sj->sj_tksealedlen);
	/* Contact: never through submit_report (whose row would share this
	 * transaction), only the sealed hand-over, $35-$37. */
	if (rr->rr_contact != RR_CONTACT_NONE) {
		v[34] = rr->rr_contact_key->pk_hex;
		submit_bin(v, l, f, 35, sj->sj_henc, sj->sj_henclen);
		submit_bin(v, l, f, 36, sj->sj_hsealed, sj->sj_hsealedlen);
	}
	/* Consent copies, $38-$40 (all NULL without consent). */
	if (sj->sj_nuc > 0) {
		if (submit_uarrays(sj, ua) == -1)
			goto done;
		for (i = 0; i < 3; i++)
			v[37 + i] = ua[i].b;
	}
	secret_hex_encode(sj->sj_case, sizeof(sj->sj_case), hex);
	snprintf(uuid, sizeof(uuid), "%.8s-%.4s-%.4s-%.4s-%.12s", hex,
	    hex + 8, hex + 12, hex + 16, hex + 20);
	v[30] = uuid;
	snprintf(num[7], 16, "%u", sj->sj_epoch);
	v[31] = num[7];
	submit_bin(v, l, f, 32, sj->sj_ckenc, sj->sj_ckenclen);
	submit_bin(v, l, f, 33, sj->sj_ckwrap, sizeof(sj->sj_ckwrap));
	memset(&st, 0, sizeof(st));
	st.st_sql = submit_sql;
	st.st_nparams = SUBMIT_NPARAMS;
	if (sj->sj_has_idem) {
		if (idem_seal(&sj->sj_idem, sj->sj_receipt, sealed) == -1)
			goto done;
		i = SUBMIT_NPARAMS;
		submit_bin(v, l, f, i, sj->sj_idem.id_lookup, IDEM_LEN);
		submit_bin(v, l, f, i + 1, sj->sj_idem.id_check, IDEM_LEN);
		submit_bin(v, l, f, i + 2, sealed, sizeof(sealed));
		snprintf(keep, sizeof(keep), "%d",
		    sj->sj_ps->ps_app->a_conf->c_submission_keep_s);
		v[i + 3] = keep;
		snprintf(sql, sizeof(sql), submit_idem_fmt, i + 1, i + 2,
		    i + 3, i + 4, submit_sql);
		st.st_sql = sql;
		st.st_nparams = SUBMIT_NPARAMS + SUBMIT_IDEM_NPARAMS;
	}
	st.st_values = v;
	st.st_lengths = l;
	st.st_formats = f;
	if ((sj->sj_sreq = store_exec(sj->sj_ps->ps_app->a_store, &st, 1,
	    submit_stored, sj)) != NULL)
		rc = 0;
 done:
	OPENSSL_cleanse(sealed, sizeof(sealed));
	for (i = 0; i < 6; i++)
		free(a[i].b);
	for (i = 0; i < 3; i++)
		free(ua[i].b);
	free(ct);
	return (rc);
}

static void
submit_fail(struct submit_job *sj, int status, const char *code)
{
	public_error(sj->sj_req, status, code, NULL, sj->sj_lang, 1);
	submit_job_free(sj);
}

/* Nothing was hashed: the solution stays good for the retry. */
static void
submit_unspend(struct submit_job *sj)
{
	if (sj->sj_has_pow)
		pow_unspend(sj->sj_ps->ps_pow, &sj->sj_pow);
	sj->sj_has_pow = 0;
}

/* Dropped by the pool before the hash: answered busy, never hashed. */
static void
submit_dropped(void *arg)
{
	struct submit_job	*sj = arg;

	submit_unspend(sj);
	admit_busy(sj->sj_ps->ps_app, sj->sj_req, sj->sj_lang);
	submit_job_free(sj);
}

/*
 * Admitted by expected wait (admit.c), or answered 503 at once with a
 * Retry-After: never queued past what can finish before the deadline.
 */
static void
submit_queue(struct submit_job *sj)
{
	if (admit_kdf(sj->sj_ps->ps_app, sj->sj_req, sj->sj_lang, submit_work,
	    submit_done, submit_dropped, sj) == -1) {
		submit_unspend(sj);
		submit_job_free(sj);
	}
}

/* A store callback ran: the statement is no longer ours to cancel. */
static void
submit_settled(struct submit_job *sj)
{
	sj->sj_sreq = NULL;
	if (sj->sj_wait != NULL)
		evtimer_del(sj->sj_wait);
}

/* On the loop, after the worker. */
static void
submit_done(void *arg)
{
	struct submit_job	*sj = arg;

	if (sj->sj_late) {
		/* The deadline passed during the hash: nothing was sent,
		 * and nothing will be. */
		submit_fail(sj, 503, "unavailable");
		return;
	}
	if (sj->sj_failed) {
		log_warnx("%s: sealing or receipt enrolment failed", __func__);
		submit_fail(sj, 500, "internal");
		return;
	}
	if (submit_store(sj) == -1)
		submit_fail(sj, 503, "unavailable");
}

/* The answer's fields from res row 0, columns col .. col + 5. */
static json_t *
submit_reply(struct submit_job *sj, const PGresult *res, int col)
{
	char		 disp[RECEIPT_DISPLAY_LEN + 1];
	json_t		*j;
	const char	*tk = PQgetvalue(res, 0, col + 5);
	enum i18n_lang	 l = sj->sj_lang;
	int		 urgent = strcmp(PQgetvalue(res, 0, col), "t") == 0;

	if (receipt_format(sj->sj_receipt, disp) == -1)
		return (NULL);
	/* This answer is the acknowledgement of receipt (DESIGN §6; the
	 * case row stores it as acknowledged_on = received_on), so it says
	 * so with the same member the inbox uses; ack_due is the date a
	 * handler's own first look is due by. */
	j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:{s:s,s:s},s:s,s:s}",
	    "receipt", disp, "receipt_notice", i18n_msg("receipt.keep", l),
	    "received_on", PQgetvalue(res, 0, col + 1),
	    "acknowledged_on", PQgetvalue(res, 0, col + 1),
	    "ack_due", PQgetvalue(res, 0, col + 2),
	    "feedback_due", PQgetvalue(res, 0, col + 3),
	    "urgent", urgent,
	    "acknowledgement", "text_key", tk, "text",
	    i18n_msg(tk, l) != NULL ? i18n_msg(tk, l) :
	    i18n_msg("ack.received", l),
	    "lang", i18n_code(l), "dir", i18n_dir(l));
	secret_wipe(disp, sizeof(disp));
	if (j == NULL)
		return (NULL);
	if (!PQgetisnull(res, 0, col + 4)) {
		json_object_set_new(j, "first_response_due",
		    json_string(PQgetvalue(res, 0, col + 4)));
		json_object_set_new(j, "urgent_notice",
		    json_string(i18n_msg("urgent.received", l)));
	}
	/* DESIGN §6: tell the reporter at once to call 112. */
	if (sj->sj_rr->rr_cat->c_emergency && sj->sj_rr->rr_danger)
		json_object_set_new(j, "emergency",
		    json_string(forms_emergency(l)));
	return (j);
}

static void
submit_stored(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct submit_job	*sj = arg;
	json_t			*j;

	submit_settled(sj);
	if (st == STORE_UNKNOWN) {
		/* Sent, answer lost: it may have committed. */
		submit_fail(sj, 503, "outcome_unknown");
		return;
	}
	if (st == STORE_UNAVAILABLE) {
		/* Never ran, or refused and rolled back. */
		if (sqlstate[0] != '\0')
			log_warnx("%s: submit_report refused, sqlstate %s",
			    __func__, sqlstate);
		submit_fail(sj, 503, "unavailable");
		return;
	}
	if (st == STORE_QUERY_ERROR) {
		if (strcmp(sqlstate, "23505") == 0 &&
		    ++sj->sj_attempts < SUBMIT_ATTEMPTS) {
			/* A receipt (or case id) collided: draw again. */
			submit_queue(sj);
			return;
		}
		if (strcmp(sqlstate, "MP090") == 0 && sj->sj_has_idem) {
			/* The same id committed first (this one rolled
			 * back): answer from its record. */
			submit_lookup(sj);
			return;
		}
		if (strcmp(sqlstate, "MP003") == 0 ||
		    strcmp(sqlstate, "MP004") == 0) {
			/* A key retired after our snapshot: the client's
			 * wraps (MP003 may also be the contact's key). */
			public_refresh_soon(sj->sj_ps);
			public_error(sj->sj_req, 409, "unknown_key",
			    sj->sj_rr->rr_env != NULL && (strcmp(sqlstate,
			    "MP004") == 0 || sj->sj_rr->rr_contact ==
			    RR_CONTACT_NONE) ? "/envelope/wraps" : NULL,
			    sj->sj_lang, 1);
			submit_job_free(sj);
			return;
		}
		if (strcmp(sqlstate, "MP006") == 0) {
			/* A rotation retired our epoch key: reload it. */
			public_refresh_soon(sj->sj_ps);
			submit_fail(sj, 503, "unavailable");
			return;
		}
		log_warnx("%s: submit_report failed, sqlstate %s", __func__,
		    sqlstate);
		submit_fail(sj, 500, "internal");
		return;
	}
	if (nres != 1 || PQntuples(res[0]) != 1 ||
	    (j = submit_reply(sj, res[0], 0)) == NULL) {
		submit_fail(sj, 500, "internal");
		return;
	}
	http_reply_json(sj->sj_req, 201, j);
	submit_job_free(sj);
}

/* The record that made ours fail with MP090: replay it, or refuse
 * another body under the same id. */
static void
submit_looked_up(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct submit_job	*sj = arg;
	unsigned char		*check = NULL, *sealed = NULL;
	size_t			 checklen = 0, sealedlen = 0;
	json_t			*j;

	submit_settled(sj);
	if (st != STORE_OK || nres != 1) {
		/* A read: nothing of this request is stored. */
		if (sqlstate[0] != '\0')
			log_warnx("%s: submission_get refused, sqlstate %s",
			    __func__, sqlstate);
		submit_fail(sj, 503, "unavailable");
		return;
	}
	if (PQntuples(res[0]) == 0 && sj->sj_record_only) {
		/* Nothing stored under this key: new work, same key. */
		submit_fail(sj, 428, "pow_expired");
		return;
	}
	if (PQntuples(res[0]) == 0) {
		/* Taken a moment ago, expired now; ours rolled back. */
		submit_fail(sj, 503, "unavailable");
		return;
	}
	check = store_bytea_dup(res[0], 0, 0, &checklen);
	if (check == NULL || !idem_same_body(&sj->sj_idem, check, checklen)) {
		free(check);
		submit_fail(sj, 409, "submission_conflict");
		return;
	}
	free(check);
	sealed = store_bytea_dup(res[0], 0, 1, &sealedlen);
	if (sealed == NULL || idem_open(&sj->sj_idem, sealed, sealedlen,
	    sj->sj_receipt) == -1 || (j = submit_reply(sj, res[0], 2)) ==
	    NULL) {
		free(sealed);
		log_warnx("%s: a submission record does not open", __func__);
		submit_fail(sj, 500, "internal");
		return;
	}
	free(sealed);
	http_reply_json(sj->sj_req, 201, j);
	submit_job_free(sj);
}

static void
submit_lookup(struct submit_job *sj)
{
	const char		*v[1] = { (const char *)sj->sj_idem.id_lookup };
	int			 l[1] = { IDEM_LEN }, f[1] = { 1 };
	struct store_stmt	 st = { .st_sql = submit_get_sql,
	    .st_nparams = 1, .st_values = v, .st_lengths = l,
	    .st_formats = f };

	if ((sj->sj_sreq = store_exec(sj->sj_ps->ps_app->a_store, &st, 1,
	    submit_looked_up, sj)) == NULL)
		submit_fail(sj, 503, "unavailable");
}

/* The server had its time to answer the cancel: give up on knowing. */
static void
submit_wait_cb(evutil_socket_t fd, short what, void *arg)
{
	struct submit_job	*sj = arg;

	(void)fd;
	(void)what;
	store_abandon(sj->sj_sreq);
	sj->sj_sreq = NULL;
	submit_fail(sj, 503, "outcome_unknown");
}

/*
 * The request deadline passed.  A statement queued or in flight is
 * cancelled and its outcome awaited a moment; a job still with the
 * workers has sent nothing and never will, which is answered when it
 * comes back.
 */
static void
submit_deadline(struct http_request *req, void *arg)
{
	struct submit_job	*sj = arg;
	struct timeval		 tv = { SUBMIT_CANCEL_WAIT_MS / 1000,
	    (SUBMIT_CANCEL_WAIT_MS % 1000) * 1000 };

	if (sj->sj_sreq == NULL) {
		/*
		 * With the workers: the request must stay alive while the
		 * pool holds its job (it polls http_req_gone()), so the
		 * answer waits for the job -- dropped unrun (admission
		 * answers 503), or back from the hash, when submit_done()
		 * answers "unavailable" instead of storing.
		 */
		(void)req;
		sj->sj_late = 1;
		return;
	}
	if (sj->sj_wait == NULL && (sj->sj_wait = evtimer_new(sj->sj_base,
	    submit_wait_cb, sj)) == NULL) {
		store_abandon(sj->sj_sreq);
		sj->sj_sreq = NULL;
		submit_fail(sj, 503, "outcome_unknown");
		return;
	}
	store_cancel(sj->sj_sreq);
	evtimer_add(sj->sj_wait, &tv);
}

/* The Idempotency-Key, if any, into sj; -1 when malformed. */
static int
submit_idem(struct submit_job *sj, struct http_request *req,
    const unsigned char *body, size_t len)
{
	char		 id[IDEM_ID_MAX + 1];
	const char	*v;
	int		 n;

	if ((v = http_req_header(req, "idempotency-key")) == NULL)
		return (0);
	if (http_req_header_count(req, "idempotency-key") != 1 ||
	    (n = idem_parse_header(v, id)) == -1)
		return (-1);
	sj->sj_has_idem = 1;
	n = idem_derive(sj->sj_lookup_key, sizeof(sj->sj_lookup_key), id,
	    (size_t)n, body, len, &sj->sj_idem);
	secret_wipe(id, sizeof(id));
	return (n);
}

void
submit_handle(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct public_state	*ps = app->a_public;
	struct submit_job	*sj;
	struct reportreq	*rr;
	struct reportreq_error	 err;
	enum i18n_lang		 l = public_lang(req);
	const unsigned char	*body;
	size_t			 len;
	struct pow_solution	 sol;
	enum powpub_gate	 gate;
	int			 has_sol = 0;

	if (ps->ps_lookup_key == NULL) {
		public_error(req, 503, "not_configured", NULL, l, 60);
		return;
	}
	if (ps->ps_keys == NULL) {
		public_error(req, 503, "unavailable", NULL, l, 1);
		return;
	}
	if (ps->ps_epoch == 0) {
		public_error(req, 503, "not_configured", NULL, l, 60);
		return;
	}
	/* Before the body is even parsed: one HMAC and one SHA-256. */
	memset(&sol, 0, sizeof(sol));
	if ((gate = powpub_gate(ps, req, l, &sol, &has_sol)) ==
	    POWPUB_ANSWERED)
		return;
	body = http_req_body(req, &len);
	if (reportreq_parse(body, len, ps->ps_keys, &rr, &err, &l) == -1) {
		public_error_label(req, err.re_status, err.re_code,
		    err.re_field, err.re_label, l, 1);
		return;
	}
	if ((sj = calloc(1, sizeof(*sj))) == NULL) {
		reportreq_free(rr);
		public_error(req, 503, "unavailable", NULL, l, 1);
		return;
	}
	sj->sj_ps = ps;
	sj->sj_req = req;
	sj->sj_rr = rr;
	sj->sj_lang = l;
	sj->sj_base = app->a_base;
	sj->sj_keys = pubkeys_ref(ps->ps_keys);
	sj->sj_kdf = ps->ps_kdf;
	sj->sj_epoch = ps->ps_epoch;
	if ((sj->sj_epoch_key = hpke_key_dup(ps->ps_epoch_key)) == NULL) {
		submit_fail(sj, 503, "unavailable");
		return;
	}
	memcpy(sj->sj_lookup_key, ps->ps_lookup_key->s_buf,
	    sizeof(sj->sj_lookup_key));
	memcpy(sj->sj_link_key, ps->ps_link_key->s_buf,
	    sizeof(sj->sj_link_key));
	if (submit_idem(sj, req, body, len) == -1) {
		submit_fail(sj, 400, "invalid_idempotency_key");
		return;
	}
	http_req_on_deadline(req, submit_deadline, sj);
	if (gate == POWPUB_RECORD) {
		/* A retry with a used solution: its record or nothing. */
		sj->sj_record_only = 1;
		submit_lookup(sj);
		return;
	}
	if (has_sol) {
		if (pow_spend(ps->ps_pow, &sol, powpub_wall()) == -1) {
			/* The spent table is full: as a full queue. */
			submit_fail(sj, 503, "unavailable");
			return;
		}
		sj->sj_pow = sol;
		sj->sj_has_pow = 1;
	}
	/*
	 * A retry goes the whole way too, and learns from MP090 that its id
	 * is taken: one statement per new report, and a retry (rare) pays
	 * one Argon2id hash and a rolled-back transaction.
	 */
	submit_queue(sj);
}
