/*
 * daemon/squery.c: strict query strings (case ids, list filters).
 */
#include <string.h>

#include <criterion/criterion.h>

#include "daemon/squery.h"

Test(squery, finds_and_decodes)
{
	char	v[64];

	cr_assert_eq(squery_get("queue=qa&state=new", "state", v, sizeof(v)),
	    1);
	cr_assert_str_eq(v, "new");
	cr_assert_eq(squery_get("a=%41b+c", "a", v, sizeof(v)), 1);
	cr_assert_str_eq(v, "Ab c");
	cr_assert_eq(squery_get("a=1", "b", v, sizeof(v)), 0);
	cr_assert_eq(squery_get(NULL, "b", v, sizeof(v)), 0);
	cr_assert_eq(squery_get("a", "a", v, sizeof(v)), 1);
	cr_assert_str_eq(v, "");
}

Test(squery, refuses_malformed)
{
	char		 v[8];
	const char	*names[] = { "a", "b", NULL };

	cr_assert_eq(squery_get("a=1&a=2", "a", v, sizeof(v)), -1);
	cr_assert_eq(squery_get("a=%4", "a", v, sizeof(v)), -1);
	cr_assert_eq(squery_get("a=%zz", "a", v, sizeof(v)), -1);
	cr_assert_eq(squery_get("a=%00", "a", v, sizeof(v)), -1);
	cr_assert_eq(squery_get("a=%ff", "a", v, sizeof(v)), -1);
	cr_assert_eq(squery_get("&a=1", "a", v, sizeof(v)), -1);
	cr_assert_eq(squery_get("a=12345678", "a", v, sizeof(v)), -1);
	cr_assert_eq(squery_check("a=1&b=2", names), 0);
	cr_assert_eq(squery_check("a=1&c=2", names), -1);
	/* A malformed pair elsewhere spoils the whole query. */
	cr_assert_eq(squery_get("a=1&b=%g0", "a", v, sizeof(v)), -1);
}

/* Issue 14: dates are checked against the calendar before any SQL. */
Test(squery, calendar_dates)
{
	cr_assert(squery_date("2025-01-31"));
	cr_assert(squery_date("2024-02-29"));
	cr_assert(squery_date("2000-02-29"));
	cr_assert(!squery_date("2025-13-01"));
	cr_assert(!squery_date("2025-00-10"));
	cr_assert(!squery_date("2025-04-31"));
	cr_assert(!squery_date("2025-02-29"));
	cr_assert(!squery_date("1900-02-29"));
	cr_assert(!squery_date("2025-01-00"));
	cr_assert(!squery_date("0999-01-01"));
	cr_assert(!squery_date("2025-1-01"));
	cr_assert(!squery_date("2025-01-011"));
	cr_assert(!squery_date(""));
	cr_assert(squery_word("new", (const char *const[]){ "a", "new",
	    NULL }));
	cr_assert(!squery_word("New", (const char *const[]){ "new", NULL }));
}
