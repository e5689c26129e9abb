-- 0290_rollup_static.sql: the statistics roll-up trigger (0083) in static
-- SQL, one statement per trigger event, instead of a statement text built
-- and EXECUTEd on every call.
--
-- Every submission, reclassification, closing and reopening changes a
-- counter, and each change fired stats.rollup_apply(), whose EXECUTE made
-- PostgreSQL parse, analyse and plan the 26-set upsert anew each time.
-- PL/pgSQL caches the plans of static statements per session, and static
-- statements can name a trigger's transition tables as well.  Measured
-- with pgbench (one client, stats.counter_add() in a loop, same cluster):
-- 1.56 ms per call with the EXECUTE, 1.27 ms static (docs/benchmarks.md §2).
-- Same rows, same order of locking (ORDER BY the key), same sums:
-- tests/schema/test_rollup.c compares every set with the counters.

SET LOCAL ROLE mp_owner;

CREATE OR REPLACE FUNCTION stats.rollup_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO stats.rollup AS r (dims, month, category, subtype,
		    province, ground, sector, outcome, n)
		SELECT s.dims, d.month, d.category,
		    CASE WHEN s.dims & 1 <> 0 THEN d.subtype ELSE '' END,
		    CASE WHEN s.dims & 2 <> 0 THEN d.province ELSE '' END,
		    CASE WHEN s.dims & 4 <> 0 THEN d.ground ELSE '' END,
		    CASE WHEN s.dims & 8 <> 0 THEN d.sector ELSE '' END,
		    CASE WHEN s.dims & 16 <> 0 THEN d.outcome ELSE '' END,
		    sum(d.n)
		FROM new_rows d CROSS JOIN stats.rollup_sets s
		GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(d.n) <> 0
		ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
		ON CONFLICT (dims, month, category, subtype, province, ground,
		    sector, outcome) DO UPDATE SET n = r.n + excluded.n;
	ELSIF TG_OP = 'UPDATE' THEN
		INSERT INTO stats.rollup AS r (dims, month, category, subtype,
		    province, ground, sector, outcome, n)
		SELECT s.dims, d.month, d.category,
		    CASE WHEN s.dims & 1 <> 0 THEN d.subtype ELSE '' END,
		    CASE WHEN s.dims & 2 <> 0 THEN d.province ELSE '' END,
		    CASE WHEN s.dims & 4 <> 0 THEN d.ground ELSE '' END,
		    CASE WHEN s.dims & 8 <> 0 THEN d.sector ELSE '' END,
		    CASE WHEN s.dims & 16 <> 0 THEN d.outcome ELSE '' END,
		    sum(d.n)
		FROM (SELECT month, category, subtype, province, ground,
			sector, outcome, n FROM new_rows
		    UNION ALL
		    SELECT month, category, subtype, province, ground,
			sector, outcome, -n FROM old_rows) d
		CROSS JOIN stats.rollup_sets s
		GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(d.n) <> 0
		ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
		ON CONFLICT (dims, month, category, subtype, province, ground,
		    sector, outcome) DO UPDATE SET n = r.n + excluded.n;
	ELSE
		INSERT INTO stats.rollup AS r (dims, month, category, subtype,
		    province, ground, sector, outcome, n)
		SELECT s.dims, d.month, d.category,
		    CASE WHEN s.dims & 1 <> 0 THEN d.subtype ELSE '' END,
		    CASE WHEN s.dims & 2 <> 0 THEN d.province ELSE '' END,
		    CASE WHEN s.dims & 4 <> 0 THEN d.ground ELSE '' END,
		    CASE WHEN s.dims & 8 <> 0 THEN d.sector ELSE '' END,
		    CASE WHEN s.dims & 16 <> 0 THEN d.outcome ELSE '' END,
		    -sum(d.n)
		FROM old_rows d CROSS JOIN stats.rollup_sets s
		GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(d.n) <> 0
		ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
		ON CONFLICT (dims, month, category, subtype, province, ground,
		    sector, outcome) DO UPDATE SET n = r.n + excluded.n;
	END IF;
	RETURN NULL;
END
$$;
