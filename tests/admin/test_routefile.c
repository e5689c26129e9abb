/*
 * admin/routefile.c: the routing-rule file of `meldctl route load`.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "admin/routefile.h"

static int
parse(const char *t, struct route_rule **r, size_t *n)
{
	char	err[128];

	return (routefile_parse(t, strlen(t), r, n, err, sizeof(err)));
}

Test(routefile, parses_rules_in_order)
{
	struct route_rule	*r;
	size_t			 n;

	cr_assert_eq(parse("# c\n\n10 honour_violence * yes * urgent\r\n"
	    "100\tlabour_discrimination  *  *  *  labour\n", &r, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(r[0].rr_position, 10);
	cr_assert_eq(r[0].rr_urgent, 1);
	cr_assert_str_eq(r[0].rr_subtype, "");
	cr_assert_str_eq(r[1].rr_queue, "labour");
	cr_assert_eq(r[1].rr_urgent, -1);
	free(r);
}

Test(routefile, refuses_bad_files)
{
	struct route_rule	*r;
	size_t			 n;
	char			 err[128];

	cr_assert_eq(parse("", &r, &n), -1);
	cr_assert_eq(parse("10 a b c d\n", &r, &n), -1);
	cr_assert_eq(parse("10 a * maybe * q\n", &r, &n), -1);
	cr_assert_eq(parse("0 a * * * q\n", &r, &n), -1);
	cr_assert_eq(parse("10 a * * * *\n", &r, &n), -1);
	cr_assert_eq(parse("10 A * * * q\n", &r, &n), -1);
	cr_assert_eq(parse("10 a * * * q\n10 b * * * q\n", &r, &n), -1);
	cr_assert_eq(parse("10 a * * * q extra\n", &r, &n), -1);
	cr_assert_eq(routefile_parse("10 a\0 * * * q\n", 14, &r, &n, err,
	    sizeof(err)), -1);
	cr_assert(strstr(err, "line 1") != NULL, "%s", err);
}
