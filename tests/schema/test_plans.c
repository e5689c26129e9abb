/*
 * Plan-shaping settings of the schema (0040, 0302) that no result shows,
 * only the time: bench_staff found a case open at 1,000,000 cases spending
 * 45-53 ms of its 60-80 ms in JIT compilation, because two child-table
 * policies in the "case_id IN (SELECT id FROM casework.cases)" form made
 * the planner cost the statement above jit_above_cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/lib/testdb.h"

static char	*db;
static PGconn	*su;

static void
setup(void)
{
	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(plans, .init = setup, .fini = teardown);

/* The daemons' roles run without JIT in this database. */
Test(plans, daemon_roles_run_without_jit)
{
	const char	*roles[] = { "mp_public", "mp_staff" };
	PGconn		*c;
	char		*v;
	size_t		 i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		cr_assert_not_null(c = testdb_connect(db, roles[i]));
		v = testdb_value(c, "SHOW jit");
		cr_assert_str_eq(v, "off", "%s: jit = %s", roles[i], v);
		free(v);
		PQfinish(c);
	}
}

/*
 * Every staff policy on a table with a case_id column is a correlated
 * EXISTS on casework.cases (one index probe per row), never the
 * uncorrelated IN form, which is planned as a scan of every visible case.
 */
Test(plans, child_policies_are_correlated)
{
	PGresult	*r;
	int		 i;

	r = PQexec(su, "SELECT p.schemaname || '.' || p.tablename, p.qual "
	    "FROM pg_catalog.pg_policies p JOIN information_schema.columns c "
	    "ON c.table_schema = p.schemaname AND c.table_name = p.tablename "
	    "AND c.column_name = 'case_id' WHERE 'mp_staff' = ANY (p.roles)");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	cr_assert_gt(PQntuples(r), 8, "expected the child tables' policies");
	for (i = 0; i < PQntuples(r); i++) {
		const char *q = PQgetvalue(r, i, 1);

		cr_expect(strstr(q, "IN ( SELECT") == NULL,
		    "%s: uncorrelated policy %s", PQgetvalue(r, i, 0), q);
		cr_expect(strstr(q, "EXISTS") != NULL, "%s: policy %s",
		    PQgetvalue(r, i, 0), q);
	}
	PQclear(r);
}
