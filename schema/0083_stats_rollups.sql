-- 0083_stats_rollups.sql: statistics exports at 1,000,000 reports under
-- 200 ms (issue 19 part 3) through maintained roll-ups with a smaller key.
--
-- stats.counters has one row per combination of month and all six
-- classification dimensions: at 1,000,000 reports that is ~380,000 rows,
-- and every export scanned and grouped all of them for its period.  Most
-- groupings name few dimensions, so stats.rollup keeps the same counts
-- with the dimensions an export does not need folded to '': one "set" per
-- combination of at most three of subtype, province, ground, sector and
-- outcome (26 sets), always with month and category.  An export whose
-- grouping fits a set reads that set only -- hundreds to tens of
-- thousands of rows instead of all cells; a grouping with four or five of
-- those dimensions still reads stats.counters.
--
-- The roll-up changes in the statement that changes stats.counters
-- (statement triggers with transition tables, so the bulk back-fill and
-- a single counter_add alike cost one grouped upsert), hence in the same
-- transaction as the case change; its rows are locked in key order so
-- that two transactions cannot deadlock on them.  Nothing else writes
-- it.  stats.export_counts_raw is the old path, kept for the test that
-- compares both on the same counters.

SET LOCAL ROLE mp_owner;

-- Bits: 1 subtype, 2 province, 4 ground, 8 sector, 16 outcome.
CREATE TABLE stats.rollup_sets (
	dims		smallint PRIMARY KEY CHECK (dims BETWEEN 0 AND 31)
);
INSERT INTO stats.rollup_sets SELECT d FROM generate_series(0, 31) d
    WHERE (d & 1) + (d >> 1 & 1) + (d >> 2 & 1) + (d >> 3 & 1) +
    (d >> 4 & 1) <= 3;

CREATE TABLE stats.rollup (
	dims		smallint NOT NULL,
	month		date NOT NULL,
	category	casework.dim NOT NULL,
	subtype		casework.dim NOT NULL,
	province	casework.dim NOT NULL,
	ground		casework.dim NOT NULL,
	sector		casework.dim NOT NULL,
	outcome		casework.dim NOT NULL,
	-- No CHECK (n >= 0): an upsert checks the row it would insert, and
	-- a negative delta is inserted only in name (it always conflicts,
	-- since the cell it lowers exists).  tests/schema/test_rollup.c
	-- checks that no roll-up cell goes below zero.
	n		bigint NOT NULL,
	PRIMARY KEY (dims, month, category, subtype, province, ground, sector,
	    outcome)
);

-- Add what the statement changed in stats.counters to every set: the
-- rows inserted, the rows updated (new minus old) or deleted (minus old).
-- The transition tables new_rows / old_rows are the triggers' own.
CREATE FUNCTION stats.rollup_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_cols	text := 'month, category, subtype, province, ground, sector, '
	    'outcome';
	v_src	text;
BEGIN
	v_src := CASE TG_OP
	    WHEN 'INSERT' THEN 'SELECT ' || v_cols || ', n FROM new_rows'
	    WHEN 'UPDATE' THEN 'SELECT ' || v_cols || ', n FROM new_rows '
		'UNION ALL SELECT ' || v_cols || ', -n FROM old_rows'
	    ELSE 'SELECT ' || v_cols || ', -n FROM old_rows' END;
	-- Locked in key order (ORDER BY): no deadlock between two writers.
	EXECUTE 'INSERT INTO stats.rollup AS r (dims, ' || v_cols || ', n) '
	    'SELECT s.dims, d.month, d.category, '
	    'CASE WHEN s.dims & 1 <> 0 THEN d.subtype ELSE '''' END, '
	    'CASE WHEN s.dims & 2 <> 0 THEN d.province ELSE '''' END, '
	    'CASE WHEN s.dims & 4 <> 0 THEN d.ground ELSE '''' END, '
	    'CASE WHEN s.dims & 8 <> 0 THEN d.sector ELSE '''' END, '
	    'CASE WHEN s.dims & 16 <> 0 THEN d.outcome ELSE '''' END, '
	    'sum(d.n) FROM (' || v_src || ') d(' || v_cols || ', n) '
	    'CROSS JOIN stats.rollup_sets s GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 '
	    'HAVING sum(d.n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8 '
	    'ON CONFLICT (dims, ' || v_cols || ') DO UPDATE SET '
	    'n = r.n + excluded.n';
	RETURN NULL;
END
$$;

CREATE TRIGGER rollup_insert AFTER INSERT ON stats.counters
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats.rollup_apply();
CREATE TRIGGER rollup_update AFTER UPDATE ON stats.counters
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats.rollup_apply();
CREATE TRIGGER rollup_delete AFTER DELETE ON stats.counters
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats.rollup_apply();

-- Back-fill from the counters as they are.
INSERT INTO stats.rollup (dims, month, category, subtype, province, ground,
    sector, outcome, n)
SELECT s.dims, c.month, c.category,
    CASE WHEN s.dims & 1 <> 0 THEN c.subtype ELSE '' END,
    CASE WHEN s.dims & 2 <> 0 THEN c.province ELSE '' END,
    CASE WHEN s.dims & 4 <> 0 THEN c.ground ELSE '' END,
    CASE WHEN s.dims & 8 <> 0 THEN c.sector ELSE '' END,
    CASE WHEN s.dims & 16 <> 0 THEN c.outcome ELSE '' END, sum(c.n)
FROM stats.counters c CROSS JOIN stats.rollup_sets s
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

-- The roll-up set that holds grouping p_dims, or NULL (use counters).
CREATE FUNCTION stats.export_set(p_dims text[]) RETURNS smallint
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT s.dims FROM stats.rollup_sets s
	WHERE s.dims = (CASE WHEN 'subtype' = ANY (p_dims) THEN 1 ELSE 0 END
	    | CASE WHEN 'province' = ANY (p_dims) THEN 2 ELSE 0 END
	    | CASE WHEN 'ground' = ANY (p_dims) THEN 4 ELSE 0 END
	    | CASE WHEN 'sector' = ANY (p_dims) THEN 8 ELSE 0 END
	    | CASE WHEN 'outcome' = ANY (p_dims) THEN 16 ELSE 0 END)
    $$;

-- The grouped sums, from the source given (NULL = counters, else a set).
CREATE FUNCTION stats.export_counts_from(p_dims text[], p_from date,
    p_to date, p_set smallint)
    RETURNS TABLE (month text, quarter text, year text, category text,
	subtype text, province text, ground text, sector text, outcome text,
	n bigint)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_names	text[] := ARRAY['month', 'quarter', 'year', 'category',
	    'subtype', 'province', 'ground', 'sector', 'outcome'];
	v_inner	text[] := ARRAY['c.month', 'date_trunc(''quarter'', c.month)',
	    'date_trunc(''year'', c.month)', 'c.category', 'c.subtype',
	    'c.province', 'c.ground', 'c.sector', 'c.outcome'];
	v_outer	text[] := ARRAY['to_char(g.k1, ''YYYY-MM'')',
	    'to_char(g.k2, ''YYYY-"Q"Q'')', 'to_char(g.k3, ''YYYY'')',
	    'g.k4::text', 'g.k5::text', 'g.k6::text', 'g.k7::text',
	    'g.k8::text', 'g.k9::text'];
	v_in	text := '';
	v_sel	text := '';
	v_grp	text := '';
	v_src	text;
	i	integer;
BEGIN
	IF p_dims IS NULL OR cardinality(p_dims) = 0 OR
	    cardinality(p_dims) > 9 OR p_from IS NULL OR p_to IS NULL OR
	    p_from > p_to OR NOT (p_dims <@ v_names) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed export arguments';
	END IF;
	FOR i IN 1 .. 9 LOOP
		IF v_names[i] = ANY (p_dims) THEN
			v_in := v_in || v_inner[i] || ' AS k' || i || ', ';
			v_sel := v_sel || v_outer[i] || ', ';
			v_grp := v_grp || CASE WHEN v_grp = '' THEN '' ELSE ', '
			    END || i::text;
		ELSE
			v_in := v_in || 'NULL::text AS k' || i || ', ';
			v_sel := v_sel || 'NULL::text, ';
		END IF;
	END LOOP;
	-- The set number is an integer, never text from the caller.
	v_src := CASE WHEN p_set IS NULL THEN 'stats.counters c WHERE '
	    ELSE 'stats.rollup c WHERE c.dims = ' || p_set::integer || ' AND '
	    END;
	RETURN QUERY EXECUTE 'SELECT ' || v_sel || 'g.n FROM (SELECT '
	    || v_in || 'sum(c.n)::bigint AS n FROM ' || v_src
	    || 'c.month >= $1 AND c.month <= $2 AND c.n > 0 '
	    || 'GROUP BY ' || v_grp || ') g'
	    USING date_trunc('month', p_from)::date,
		date_trunc('month', p_to)::date;
END
$$;

-- What every export reads: the smallest roll-up that holds the grouping.
CREATE OR REPLACE FUNCTION stats.export_counts(p_dims text[], p_from date,
    p_to date)
    RETURNS TABLE (month text, quarter text, year text, category text,
	subtype text, province text, ground text, sector text, outcome text,
	n bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT * FROM stats.export_counts_from(p_dims, p_from, p_to,
	stats.export_set(p_dims)) $$;

-- The path before 0083, for the comparison test (owner only).
CREATE FUNCTION stats.export_counts_raw(p_dims text[], p_from date,
    p_to date)
    RETURNS TABLE (month text, quarter text, year text, category text,
	subtype text, province text, ground text, sector text, outcome text,
	n bigint)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT * FROM stats.export_counts_from(p_dims, p_from, p_to,
	NULL) $$;
