/*
 * libFuzzer target for daemon/squery.c (staff query strings) and the
 * case list's filter checks as GET /v1/staff/cases runs them
 * (daemon/sparse.c sparse_case_list): whatever is accepted is a value
 * the SQL may take -- a queue id, a known state, a real date, a limit in
 * range, a cursor of a date and a uuid.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/staffcred.h"
#include "daemon/sparse.h"
#include "daemon/squery.h"

static void
check_list(const char *qs)
{
	struct sparse_list	 l;
	struct sparse_err	 e;
	unsigned char		 raw[16];

	memset(&e, 0, sizeof(e));
	if (sparse_case_list(qs, &l, &e) == -1) {
		if (e.e_status != 400 || e.e_code == NULL)
			__builtin_trap();
		return;
	}
	if (!sparse_is_dim(l.ls_queue) || l.ls_limit < 1 ||
	    l.ls_limit > SPARSE_LIST_MAX ||
	    (l.ls_from != NULL && !squery_date(l.ls_from)) ||
	    (l.ls_to != NULL && !squery_date(l.ls_to)) ||
	    (l.ls_prio != NULL && strlen(l.ls_prio) != 1) ||
	    (l.ls_subtype != NULL && !sparse_is_dim(l.ls_subtype)) ||
	    (l.ls_after && (!squery_date(l.ls_adate) ||
	    staffcred_uuid_parse(l.ls_aid, raw) == -1)))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const names[] = { "queue", "id", "after", NULL };
	char	*qs, out[64];

	if ((qs = malloc(len + 1)) == NULL)
		return (0);
	memcpy(qs, data, len);
	qs[len] = '\0';
	(void)squery_get(qs, "queue", out, sizeof(out));
	(void)squery_get(qs, "id", out, 2);
	(void)squery_check(qs, names);
	/* The case-list checks that run before any SQL: states and dates. */
	if (squery_get(qs, "state", out, sizeof(out)) == 1)
		(void)squery_word(out, (const char *const[]){ "new", "closed",
		    NULL });
	if (squery_get(qs, "from", out, sizeof(out)) == 1 &&
	    squery_date(out) && (strlen(out) != 10 || out[4] != '-'))
		__builtin_trap();
	check_list(qs);
	free(qs);
	return (0);
}
