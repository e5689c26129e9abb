/*
 * Parsing and complete validation of a POST /v1/reports body (the
 * reporter API, docs/reporter-api.md): JSON shape and types with
 * duplicate and unknown members refused, the clear routing and
 * statistics fields against the form (forms/forms.h), and either a
 * client-sealed envelope (checked against the category's current keys:
 * one wrap per listed queue key plus the recovery wrap, nothing else) or
 * plaintext the server will seal.  Every refusal names its status, an
 * error code and a JSON pointer.  Pure: no I/O, no logging, no daemon
 * state, so it can be fuzzed on its own (tests/fuzz/fuzz_reportreq.c).
 *
 * Ownership: the body and the key snapshot are borrowed; the snapshot
 * must outlive the result (rr_contact_key points into it).  The result
 * is the caller's, released with reportreq_free(), which wipes every
 * plaintext it holds.
 */
#ifndef MELDPUNT_REPORTREQ_H
#define MELDPUNT_REPORTREQ_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/envelope.h"
#include "forms/forms.h"
#include "forms/i18n.h"
#include "daemon/pubkeys.h"

/* Contact details: at most this many bytes once padded and sealed. */
#define REPORTREQ_CONTACT_MAX	16384
#define REPORTREQ_CONTACT_BLOCK	256

struct reportreq_error {
	int		 re_status;	/* 400, 409, 413 or 422 */
	const char	*re_code;	/* invalid_json, invalid_field, ... */
	char		 re_field[96];	/* JSON pointer, "" for the root */
	/* The member's label as the reporter sees it, in the language of
	 * *lang (forms_field_label); NULL for a member without one. */
	const char	*re_label;
};

enum reportreq_contact {
	RR_CONTACT_NONE = 0,
	RR_CONTACT_SEALED,	/* sealed by the client */
	RR_CONTACT_PLAIN,	/* the server seals rr_contact_plain */
};

struct reportreq {
	int			 rr_lang_given;
	enum i18n_lang		 rr_lang;
	int			 rr_catidx;
	const struct forms_category *rr_cat;
	/* Clear fields; NULL when not given.  Static strings. */
	const char		*rr_subtype;
	const char		*rr_ground;
	const char		*rr_sector;
	const char		*rr_province;
	int			 rr_danger;
	char			 rr_travel[11];	/* "" or YYYY-MM-DD */
	/* Exactly one of: a client envelope, or padded-to-be content. */
	struct envelope		*rr_env;
	unsigned char		*rr_plain;
	size_t			 rr_plainlen;
	/* Contact details. */
	enum reportreq_contact	 rr_contact;
	const struct pubkey	*rr_contact_key;
	uint8_t			 rr_contact_enc[HPKE_MAX_ENC];
	size_t			 rr_contact_enclen;
	unsigned char		*rr_contact_ct;
	size_t			 rr_contact_ctlen;
	/* RR_CONTACT_PLAIN: I2OSP(len, 4) || JSON || zeros, 256-byte blocks */
	unsigned char		*rr_contact_plain;
	size_t			 rr_contact_plainlen;
	/*
	 * contact_consent: the urgent team may read the contact at once
	 * (docs/reporter-api.md, item 9).  Sealed contact: the client's copy
	 * per queue key of the category (urgent_contact); plain details:
	 * none here, the worker seals them (rr_nucopy stays 0).
	 */
	int			 rr_consent;
	struct reportreq_ucopy {
		const struct pubkey	*u_key;
		uint8_t			 u_enc[HPKE_MAX_ENC];
		size_t			 u_enclen;
		unsigned char		*u_ct;
		size_t			 u_ctlen;
	}			 rr_ucopy[ENVELOPE_MAX_WRAPS];
	size_t			 rr_nucopy;
};

/*
 * Parse body against keys (the current snapshot).  Returns 0 and *out,
 * or -1 with err filled; nothing is allocated on failure.  When the body
 * names a language, *lang receives it even on failure, so the refusal
 * can be worded in it.  Text that is not UTF-8 anywhere in the body is
 * 400 invalid_utf8 (jansson's own check; escaped lone surrogates and
 * \u0000 are 400 invalid_json).
 */
int	reportreq_parse(const unsigned char *body, size_t len,
	    const struct pubkeys *keys, struct reportreq **out,
	    struct reportreq_error *err, enum i18n_lang *lang);
void	reportreq_free(struct reportreq *);

/* "YYYY-MM-DD", a real calendar date from 2000 to 2100. */
int	reportreq_date_ok(const char *s);

#endif /* MELDPUNT_REPORTREQ_H */
