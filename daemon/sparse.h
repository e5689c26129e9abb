/*
 * Staff request parsing: every JSON body of the staff API (login, password
 * change, key rotation, claim and release, transition, notes, messages, transfer,
 * referral, reclassify, identity request, decision and contact purge) and
 * the case list's query string, as pure functions from bytes to a struct
 * or to the 4xx the handler answers.  Mirrors daemon/rparse.c for the
 * reporter side: the handlers in cases.c, ssession.c and identity.c call
 * these before any SQL, and tests/fuzz/fuzz_sbody.c and fuzz_squery.c
 * drive them with arbitrary bytes.  No logging, no I/O.
 *
 * A parsed body borrows its strings from the JSON document in sb_root;
 * sparse_body_clear() wipes every string member (passwords, note texts
 * and reasons are secrets or content) and releases it.
 */
#ifndef MELDPUNT_SPARSE_H
#define MELDPUNT_SPARSE_H

#include <stddef.h>

#include <jansson.h>

#include "crypto/staffcred.h"

#define SPARSE_TEXT_MAX		(64 * 1024)	/* notes and messages, bytes */
#define SPARSE_REASON_MAX	200	/* transition reasons, bytes */
#define SPARSE_IDREASON_MAX	2000	/* identity request reasons */
#define SPARSE_PW_MAX		1024	/* passwords, bytes */
#define SPARSE_PW_MIN_CHARS	12	/* new passwords, characters */
#define SPARSE_LIST_DEFAULT	50
#define SPARSE_LIST_MAX		200
#define SPARSE_NDIMS		4	/* reclassify: subtype, province,
					 * ground, sector */

/*
 * Why a request was refused: the status (400 or 404), the error code, a
 * static English message, and the JSON pointer of the member at fault
 * ("" when the reply names none: then it carries no "field").
 */
struct sparse_err {
	int		 e_status;
	const char	*e_code;
	const char	*e_message;
	char		 e_field[48];
};

/* The case bodies that differ only in their members. */
enum sparse_kind {
	SPARSE_CASE,		/* claim, release: {"case"} */
	SPARSE_TRANSITION,	/* {"case", "to", "reason"} */
	SPARSE_NOTE,		/* notes and messages: {"case", "text"} */
	SPARSE_TRANSFER,	/* {"case", "queue"} */
	SPARSE_REFERRAL,	/* {"case", "organisation", "referred_on",
				 * "reference"?, "organisation_type"?} */
	SPARSE_IDREQUEST,	/* {"case", "reason"} (other members ignored) */
};

struct sparse_body {
	json_t		*sb_root;	/* owns every string below */
	const char	*sb_case;	/* a well-formed case uuid */
	unsigned char	 sb_case_raw[16];
	const char	*sb_to;		/* transition: the state */
	const char	*sb_reason;	/* transition, identity request */
	const char	*sb_text;	/* note, message */
	const char	*sb_queue;	/* transfer */
	const char	*sb_org;	/* referral */
	const char	*sb_on;		/* referral: a real date */
	const char	*sb_ref;	/* referral: NULL when absent or "" */
	const char	*sb_type;	/* referral: NULL or a known type */
};

/*
 * Parse a case body of the given kind into b.  0, or -1 with b cleared
 * and e filled in: 400 for a body of the wrong shape, 404 not_found for a
 * case id that is not even a uuid (no such case), after the 400 checks.
 */
int	 sparse_case_body(const unsigned char *data, size_t len,
	    enum sparse_kind kind, struct sparse_body *b, struct sparse_err *e);
/* Wipe every string member of b's document and release it; b may be
 * cleared already. */
void	 sparse_body_clear(struct sparse_body *b);

/* POST /v1/staff/session. */
struct sparse_login {
	json_t		*sl_root;
	char		 sl_user[STAFFCRED_USER_MAX + 1];	/* "-" when malformed: refused later,
					 * like a wrong user name */
	const char	*sl_pw;		/* borrowed from sl_root */
	size_t		 sl_pwlen;
	char		 sl_code[16];
};
int	 sparse_login(const unsigned char *data, size_t len,
	    struct sparse_login *l, struct sparse_err *e);
void	 sparse_login_clear(struct sparse_login *l);
/* POST /v1/staff/key/rotate {"password", "totp"}: into l, sl_user "". */
int	 sparse_key_rotate(const unsigned char *data, size_t len,
	    struct sparse_login *l, struct sparse_err *e);

/* POST /v1/staff/password; user is the caller's name (the new password
 * must differ from it). */
struct sparse_password {
	json_t		*sp_root;
	const char	*sp_old, *sp_new;	/* borrowed from sp_root */
	char		 sp_code[16];
};
int	 sparse_password(const unsigned char *data, size_t len,
	    const char *user, struct sparse_password *p, struct sparse_err *e);
void	 sparse_password_clear(struct sparse_password *p);

/*
 * POST /v1/staff/case/reclassify.  Per dimension (sparse_dims order):
 * sr_given[i] 0 keeps the value, 1 sets sr_val[i] ("" clears it).  The
 * values are only well-formed ids here; the handler checks them against
 * the case's form.
 */
extern const char *const sparse_dims[SPARSE_NDIMS];
struct sparse_reclassify {
	char		 sr_case[37];
	int		 sr_given[SPARSE_NDIMS];
	char		 sr_val[SPARSE_NDIMS][48];
};
int	 sparse_reclassify(const unsigned char *data, size_t len,
	    struct sparse_reclassify *r, struct sparse_err *e);

/*
 * POST /v1/staff/identity/decide ({"request": id, "approve": bool}) and
 * contact/purge ({"request": id}): the request id as decimal digits into
 * d_id, approve into d_approve (decide only).
 */
struct sparse_decide {
	char		 d_id[24];
	int		 d_approve;
	/* decide: the optional "reason" (schema 0254); wipe after use */
	int		 d_has_reason;
	char		 d_reason[2001];
};
#define SPARSE_XFER_REASON_MAX	1000	/* bytes; sealed it fits 0252's 4096 */
int	 sparse_decide(const unsigned char *data, size_t len, int purge,
	    struct sparse_decide *d, struct sparse_err *e);

/* GET /v1/staff/cases: every filter checked before any SQL.  The
 * pointers point into the struct itself: do not copy it. */
struct sparse_list {
	char		 ls_queue[64];
	char		*ls_state, *ls_prio, *ls_from, *ls_to, *ls_overdue,
			*ls_subtype;	/* NULL or pointing into the arrays */
	char		 ls_statebuf[32], ls_priobuf[8], ls_frombuf[16],
			 ls_tobuf[16], ls_odbuf[8], ls_subbuf[48];
	int		 ls_limit;
	int		 ls_after;	/* a cursor was given: */
	char		 ls_adate[11];
	char		 ls_aid[37];
};
int	 sparse_case_list(const char *qs, struct sparse_list *l,
	    struct sparse_err *e);

/* Lower-case letters, digits and '_', 1..40: form ids, queue names. */
int	 sparse_is_dim(const char *v);

#endif /* MELDPUNT_SPARSE_H */
