/*
 * Staff free text sealed under the case key (see casetext.c and
 * docs/crypto.md §10): the write path for transition reasons, referrals and
 * identity-request reasons, and the helpers that open them on read.
 */
#ifndef MELDPUNT_CASETEXT_H
#define MELDPUNT_CASETEXT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/ssession.h"

struct app;

#define CASETEXT_MAXP		6
#define CASETEXT_LABEL_MAX	48
/* Passed as SQLSTATE when the case has no case key (stored before 0050
 * and not yet given one by `meldctl epoch rotate`), or it cannot be
 * opened (epoch key file missing): ssession_reply_error answers 409. */
#define CASETEXT_NO_KEY		"MP007"

/* ctx labels (docs/crypto.md §10); ctx = label || case id (16 bytes). */
#define CASETEXT_L_REASON	"meldpunt-transition-reason"
#define CASETEXT_L_ORG		"meldpunt-referral-organisation"
#define CASETEXT_L_REF		"meldpunt-referral-reference"
#define CASETEXT_L_IDREASON	"meldpunt-identity-request-reason"
#define CASETEXT_L_XFER		"meldpunt-transfer-reason"
#define CASETEXT_L_DECISION	"meldpunt-identity-decision-reason"

/*
 * Run sql (a string literal: it is not copied) with n parameters, v[0]
 * the case id; every v[i] with labels[i] != NULL is sealed under the case
 * key first and passed as binary bytea (a NULL v[i] stays NULL).  cb runs
 * exactly once: with the statement's result, or with STORE_QUERY_ERROR
 * and "MP020" (case not visible), CASETEXT_NO_KEY, or STORE_UNAVAILABLE.
 * Returns -1 (cb will not run) when nothing could be queued.
 */
int	 casetext_write(struct app *app, struct ssession *s, const char *sql,
	    int n, const char *const *v, const char *const *labels,
	    ssession_exec_cb cb, void *arg);

/*
 * The same, for a writer who reaches the case through something else
 * than row-level security on the case (an officer deciding an identity
 * request): key_sql (a literal) takes v[0] as its only parameter and
 * answers one row (epoch, enc, wrapped, case id); no row is MP020.
 */
int	 casetext_write_via(struct app *app, struct ssession *s,
	    const char *key_sql, const char *sql, int n, const char *const *v,
	    const char *const *labels, ssession_exec_cb cb, void *arg);

/* ctx = label || case id into ctx (CASETEXT_LABEL_MAX + 16); its length. */
size_t	 casetext_ctx(const char *label, const unsigned char *case_id,
	    unsigned char *ctx);
/* The case key of a case_keys row with the epoch key from dir; 0 / -1. */
int	 casetext_key(const char *dir, const unsigned char *case_id,
	    uint32_t epoch, const unsigned char *enc, size_t enclen,
	    const unsigned char *wrap, size_t wraplen, unsigned char *ck);
/* The text of a sealed item as a JSON string, or JSON null (no key,
 * damaged).  ck may be NULL. */
json_t	*casetext_open(const unsigned char *ck, const char *label,
	    const unsigned char *case_id, const unsigned char *item,
	    size_t len);

/* A JSON string of lowercase hex (SQL encode(x, 'hex')) decoded into a
 * malloc'd buffer, or NULL. */
unsigned char	*casetext_hex(const json_t *v, size_t *len);

#endif
