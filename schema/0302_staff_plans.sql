-- 0302_staff_plans.sql: the case open at 1,000,000 cases back under its
-- budget -- two child-table policies in the form 0040 chose, and no JIT
-- compilation for the daemons' roles.
--
-- 0250 (urgent_contacts) and 0252 (transfers) wrote their staff policies
-- as "case_id IN (SELECT id FROM casework.cases)", the form 0040 replaced
-- on every other child table.  PostgreSQL plans that as a materialised
-- scan of every case the session may see (943,661 estimated rows at
-- 1,000,000 cases); it is never executed for a single case, but its cost
-- estimate lifted the case-open statement above jit_above_cost (100,000),
-- and every case open then JIT-compiled 138 functions: 45-53 ms of LLVM
-- time for a statement that runs in under 1 ms (bench_staff's auto_explain,
-- 2 December: case open p50 60-80 ms at 1,000,000 cases, 7.9 ms at
-- 200,000, where the estimate stayed below the threshold).
--
-- 1. The two policies as correlated EXISTS, like 0040 and 0190.
-- 2. jit = off for mp_public and mp_staff in this database: their
--    statements are short lookups, where compiling never pays (the
--    statistics role keeps the server's default).  Role settings need
--    CREATEROLE; a migrator without it gets a WARNING saying what to set
--    instead (docs/architecture.md, "Database"), not a failed migration.
-- tests/schema/test_plans.c checks both.

SET LOCAL ROLE mp_owner;

ALTER POLICY staff_case ON casework.urgent_contacts
    USING (EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = urgent_contacts.case_id));
ALTER POLICY staff_case ON casework.transfers
    USING (EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = transfers.case_id));

RESET ROLE;

DO $jit$
DECLARE
	r	text;
BEGIN
	FOREACH r IN ARRAY ARRAY['mp_public', 'mp_staff'] LOOP
		EXECUTE pg_catalog.format(
		    'ALTER ROLE %I IN DATABASE %I SET jit = off', r,
		    pg_catalog.current_database());
	END LOOP;
EXCEPTION WHEN insufficient_privilege THEN
	RAISE WARNING 'jit stays on for mp_public and mp_staff: the migrating '
	    'role lacks CREATEROLE; set jit = off in postgresql.conf or run '
	    '"ALTER ROLE mp_staff IN DATABASE % SET jit = off" (and for '
	    'mp_public) as a superuser', pg_catalog.current_database();
END
$jit$;
