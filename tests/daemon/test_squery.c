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
