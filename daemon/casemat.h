/*
 * A case's crypto material for the staff process: the row of
 * cmat_case_sql (envelope, queue wrap of the DEK, thread-key wrap, case
 * key) copied on the loop by cmat_load(), then on a worker the case-key
 * layers stripped (cmat_unlayer(), docs/crypto.md §12) and the DEK or the
 * thread key unwrapped with the session's queue key.  Shared by the case
 * reads and writes (cases.c) and the attachment reads (attach_staff.c).
 *
 * Ownership: a struct cmat owns its copies and the queue-key secrets;
 * cmat_clear() frees them.  Keys handed out are the caller's to wipe.
 */
#ifndef MELDPUNT_CASEMAT_H
#define MELDPUNT_CASEMAT_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"

#define CMAT_KID_HEX	(2 * STAFFCRED_KEYID_LEN + 1)

struct ssession;

/* The case's crypto material, copied out of a PGresult on the loop. */
struct cmat {
	int			 m_have_env;
	unsigned int		 m_version;
	struct hpke_suite	 m_suite;
	char			 m_category[ENVELOPE_CATEGORY_MAX + 1];
	unsigned char		*m_nonce;
	size_t			 m_noncelen;
	unsigned char		*m_ct;		/* commit || ciphertext */
	size_t			 m_ctlen;
	char			 m_wkid[CMAT_KID_HEX];
	unsigned char		*m_wenc, *m_wdek;
	size_t			 m_wenclen, m_wdeklen;
	char			 m_tkid[CMAT_KID_HEX];
	unsigned char		*m_tenc, *m_twrap;
	size_t			 m_tenclen, m_twraplen;
	int			 m_has_ck;	/* a case_keys row */
	uint32_t		 m_ck_epoch;
	unsigned char		*m_ck_enc, *m_ck_wrap;
	size_t			 m_ck_enclen, m_ck_wraplen;
	struct secret		*m_qkey;	/* for m_wkid */
	struct secret		*m_tqkey;	/* for m_tkid */
};

/* One parameter: the case id (text).  Columns as cmat_load() reads them. */
extern const char cmat_case_sql[];

void	cmat_clear(struct cmat *m);
/* Copy the cmat_case_sql row into m; 0 when the row exists. */
int	cmat_load(struct cmat *m, const PGresult *r, const struct ssession *s);
/* Worker: open the case key, strip the layers (see casemat.c). */
void	cmat_unlayer(struct cmat *m, const unsigned char *case_id,
	    const char *dir, unsigned char *ck, int *has_ck);
struct hpke_key *cmat_key_of(const struct secret *scalar);
/* Worker: the envelope and its DEK (32 bytes); -1 if not to be had. */
int	cmat_dek(const struct cmat *m, struct envelope **envp,
	    unsigned char *dek);
int	cmat_thread_key(const struct cmat *m, const unsigned char *case_id,
	    unsigned char *tk);

#endif /* MELDPUNT_CASEMAT_H */
