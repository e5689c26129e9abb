-- 0303_stats_years.sql: every statistics export over 1,000,000 reports
-- under 200 ms (issue 19 part 3) -- the groupings with four or five of
-- subtype, province, ground, sector and outcome too.
--
-- 0083's roll-up sets hold at most three of those five dimensions, at
-- month grain; a grouping with four or five read stats.counters: at
-- 1,000,000 reports `year,subtype,province,ground,sector` grouped 377,690
-- cells in ~430 ms (docs/benchmarks.md §4).  Such fine groupings are asked
-- by year, so six more sets keep the counts at YEAR grain (bit 32 of
-- dims; the row's month is 1 January): one per choice of four of the five
-- dimensions, and all five.  They answer an export whose grouping has no
-- month or quarter and whose period covers whole calendar years (from a
-- January to a December); anything else reads the counters as before.
-- The cost: the roll-up trigger writes 32 rows per counter change instead
-- of 26, in the same single statement (0290).
--
-- tests/schema/test_rollup.c compares every grouping, period and set with
-- the counters.

SET LOCAL ROLE mp_owner;

ALTER TABLE stats.rollup_sets DROP CONSTRAINT rollup_sets_dims_check;
ALTER TABLE stats.rollup_sets ADD CONSTRAINT rollup_sets_dims_check
    CHECK (dims BETWEEN 0 AND 63);
-- Bits: 1 subtype, 2 province, 4 ground, 8 sector, 16 outcome; 32 year.
INSERT INTO stats.rollup_sets SELECT 32 | d FROM generate_series(0, 31) d
    WHERE (d & 1) + (d >> 1 & 1) + (d >> 2 & 1) + (d >> 3 & 1) +
    (d >> 4 & 1) >= 4;

-- 0290's trigger, with the month of a year set folded to its year.
CREATE OR REPLACE FUNCTION stats.rollup_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO stats.rollup AS r (dims, month, category, subtype,
		    province, ground, sector, outcome, n)
		SELECT s.dims, CASE WHEN s.dims & 32 <> 0 THEN
		    pg_catalog.date_trunc('year', d.month)::date ELSE d.month END,
		    d.category,
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
		SELECT s.dims, CASE WHEN s.dims & 32 <> 0 THEN
		    pg_catalog.date_trunc('year', d.month)::date ELSE d.month END,
		    d.category,
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
		SELECT s.dims, CASE WHEN s.dims & 32 <> 0 THEN
		    pg_catalog.date_trunc('year', d.month)::date ELSE d.month END,
		    d.category,
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

-- The new sets from the counters as they are.
INSERT INTO stats.rollup (dims, month, category, subtype, province, ground,
    sector, outcome, n)
SELECT s.dims, date_trunc('year', c.month)::date, c.category,
    CASE WHEN s.dims & 1 <> 0 THEN c.subtype ELSE '' END,
    CASE WHEN s.dims & 2 <> 0 THEN c.province ELSE '' END,
    CASE WHEN s.dims & 4 <> 0 THEN c.ground ELSE '' END,
    CASE WHEN s.dims & 8 <> 0 THEN c.sector ELSE '' END,
    CASE WHEN s.dims & 16 <> 0 THEN c.outcome ELSE '' END,
    sum(c.n)
FROM stats.counters c CROSS JOIN stats.rollup_sets s
WHERE s.dims & 32 <> 0
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(c.n) <> 0;

-- The set that holds grouping p_dims over [p_from, p_to], or NULL (use
-- the counters): a month-grain set of 0083, else a year-grain set when
-- the grouping has no month or quarter and the period is whole years.
CREATE FUNCTION stats.export_set(p_dims text[], p_from date, p_to date)
    RETURNS smallint
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT coalesce(stats.export_set(p_dims), (
	    SELECT s.dims FROM stats.rollup_sets s
	    WHERE NOT ('month' = ANY (p_dims)) AND NOT ('quarter' = ANY (p_dims))
	    AND extract(month FROM p_from) = 1 AND extract(month FROM p_to) = 12
	    AND s.dims = 32 | (CASE WHEN 'subtype' = ANY (p_dims) THEN 1 ELSE 0 END
		| CASE WHEN 'province' = ANY (p_dims) THEN 2 ELSE 0 END
		| CASE WHEN 'ground' = ANY (p_dims) THEN 4 ELSE 0 END
		| CASE WHEN 'sector' = ANY (p_dims) THEN 8 ELSE 0 END
		| CASE WHEN 'outcome' = ANY (p_dims) THEN 16 ELSE 0 END)))
    $$;

CREATE OR REPLACE FUNCTION stats.export_counts(p_dims text[], p_from date,
    p_to date)
    RETURNS TABLE (month text, quarter text, year text, category text,
	subtype text, province text, ground text, sector text, outcome text,
	n bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT * FROM stats.export_counts_from(p_dims, p_from, p_to,
	stats.export_set(p_dims, p_from, p_to)) $$;
