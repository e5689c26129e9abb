/*
 * libFuzzer target for every staff JSON body (daemon/sparse.c): login,
 * password change, key rotation, claim/release, transition, notes and messages,
 * transfer, referral, reclassify, identity request, decision and contact
 * purge.  The same bytes go through each parser; each must either refuse
 * them with a 400/404 naming a code (and keep nothing), or return members
 * that meet the checks the handler relies on before its SQL.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "crypto/staffcred.h"
#include "daemon/sparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_err(int rc, const struct sparse_err *e)
{
	if (rc != -1 || (e->e_status != 400 && e->e_status != 404) ||
	    e->e_code == NULL || e->e_message == NULL ||
	    (e->e_field[0] != '\0' && e->e_field[0] != '/'))
		__builtin_trap();
}

static void
check_case(const char *id)
{
	unsigned char	 raw[16];

	if (id == NULL || strlen(id) != 36 ||
	    staffcred_uuid_parse(id, raw) == -1)
		__builtin_trap();
}

static void
case_bodies(const uint8_t *data, size_t len)
{
	struct sparse_body	 b;
	struct sparse_err	 e;
	int			 k;

	for (k = SPARSE_CASE; k <= SPARSE_IDREQUEST; k++) {
		memset(&e, 0, sizeof(e));
		if (sparse_case_body(data, len, k, &b, &e) == -1) {
			check_err(-1, &e);
			if (b.sb_root != NULL)
				__builtin_trap();
			continue;
		}
		check_case(b.sb_case);
		switch (k) {
		case SPARSE_TRANSITION:
			if (!sparse_is_dim(b.sb_to) || b.sb_reason == NULL ||
			    strlen(b.sb_reason) - 1 >= SPARSE_REASON_MAX)
				__builtin_trap();
			break;
		case SPARSE_NOTE:
			if (b.sb_text == NULL ||
			    strlen(b.sb_text) - 1 >= SPARSE_TEXT_MAX)
				__builtin_trap();
			break;
		case SPARSE_TRANSFER:
			if (!sparse_is_dim(b.sb_queue))
				__builtin_trap();
			break;
		case SPARSE_REFERRAL:
			if (b.sb_org == NULL || b.sb_on == NULL ||
			    strlen(b.sb_on) != 10 ||
			    (b.sb_ref != NULL && b.sb_ref[0] == '\0'))
				__builtin_trap();
			break;
		case SPARSE_IDREQUEST:
			if (b.sb_reason == NULL ||
			    strlen(b.sb_reason) - 1 >= SPARSE_IDREASON_MAX)
				__builtin_trap();
			break;
		}
		sparse_body_clear(&b);
		if (b.sb_root != NULL || b.sb_case != NULL)
			__builtin_trap();
	}
}

static void
session_bodies(const uint8_t *data, size_t len)
{
	struct sparse_login	 l;
	struct sparse_password	 p;
	struct sparse_err	 e;

	memset(&e, 0, sizeof(e));
	if (sparse_login(data, len, &l, &e) == 0) {
		if (l.sl_pwlen == 0 || l.sl_pwlen > SPARSE_PW_MAX ||
		    strlen(l.sl_pw) != l.sl_pwlen || l.sl_user[0] == '\0')
			__builtin_trap();
		sparse_login_clear(&l);
	} else
		check_err(-1, &e);
	memset(&e, 0, sizeof(e));
	if (sparse_key_rotate(data, len, &l, &e) == 0) {
		if (l.sl_pwlen == 0 || l.sl_pwlen > SPARSE_PW_MAX ||
		    strlen(l.sl_pw) != l.sl_pwlen || l.sl_user[0] != '\0')
			__builtin_trap();
		sparse_login_clear(&l);
	} else
		check_err(-1, &e);
	memset(&e, 0, sizeof(e));
	if (sparse_password(data, len, "alice", &p, &e) == 0) {
		if (strcmp(p.sp_old, p.sp_new) == 0 ||
		    strlen(p.sp_new) > SPARSE_PW_MAX ||
		    strcasecmp(p.sp_new, "alice") == 0)
			__builtin_trap();
		sparse_password_clear(&p);
	} else
		check_err(-1, &e);
}

static void
other_bodies(const uint8_t *data, size_t len)
{
	struct sparse_reclassify r;
	struct sparse_decide	 d;
	struct sparse_err	 e;
	int			 i, any = 0, purge;

	memset(&e, 0, sizeof(e));
	if (sparse_reclassify(data, len, &r, &e) == 0) {
		check_case(r.sr_case);
		for (i = 0; i < SPARSE_NDIMS; i++) {
			any |= r.sr_given[i];
			if (r.sr_val[i][0] != '\0' &&
			    !sparse_is_dim(r.sr_val[i]))
				__builtin_trap();
		}
		if (!any || (r.sr_given[0] && r.sr_val[0][0] == '\0'))
			__builtin_trap();
	} else
		check_err(-1, &e);
	for (purge = 0; purge <= 1; purge++) {
		memset(&e, 0, sizeof(e));
		if (sparse_decide(data, len, purge, &d, &e) == 0) {
			if (d.d_id[0] < '1' || d.d_id[0] > '9' ||
			    strspn(d.d_id, "0123456789") != strlen(d.d_id))
				__builtin_trap();
		} else
			check_err(-1, &e);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	case_bodies(data, len);
	session_bodies(data, len);
	other_bodies(data, len);
	return (0);
}
