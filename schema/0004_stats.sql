-- 0004_stats.sql: statistics counters and the researchers' views.
--
-- Counters change only inside the transaction that changes a case (submit,
-- reclassify, close, reopen), through the two functions below, which no
-- login role may call directly: a direct caller could inflate or drain any
-- cell.  Researchers see the view, never the table, so a later change to
-- the storage does not change what they may read.  Disclosure control
-- (small-cell and secondary suppression, noise) is applied by the export
-- code on top of these raw counts (DESIGN section 7).

SET LOCAL ROLE mp_owner;

-- Add p_delta to one cell; a cell never goes below zero (MP040).
CREATE FUNCTION stats.counter_add(p_month date, p_category text,
    p_subtype text, p_province text, p_ground text, p_sector text,
    p_outcome text, p_delta integer) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_month	date := pg_catalog.date_trunc('month', p_month)::date;
BEGIN
	IF p_delta > 0 THEN
		INSERT INTO stats.counters AS c (month, category, subtype,
		    province, ground, sector, outcome, n)
		    VALUES (v_month, p_category, coalesce(p_subtype, ''),
		    coalesce(p_province, ''), coalesce(p_ground, ''),
		    coalesce(p_sector, ''), coalesce(p_outcome, ''), p_delta)
		    ON CONFLICT (month, category, subtype, province, ground,
		    sector, outcome) DO UPDATE SET n = c.n + excluded.n;
	ELSIF p_delta < 0 THEN
		UPDATE stats.counters SET n = n + p_delta
		    WHERE month = v_month AND category = p_category
		    AND subtype = coalesce(p_subtype, '')
		    AND province = coalesce(p_province, '')
		    AND ground = coalesce(p_ground, '')
		    AND sector = coalesce(p_sector, '')
		    AND outcome = coalesce(p_outcome, '') AND n >= -p_delta;
		IF NOT FOUND THEN
			RAISE EXCEPTION USING ERRCODE = 'MP040',
			    MESSAGE = 'statistics counter would go below zero';
		END IF;
	END IF;
END
$$;

-- Move one report from one cell to another (reclassify, close, reopen).
CREATE FUNCTION stats.counter_move(p_month date,
    p_category text, p_subtype text, p_province text, p_ground text,
    p_sector text, p_outcome text,
    p_new_category text, p_new_subtype text, p_new_province text,
    p_new_ground text, p_new_sector text, p_new_outcome text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT stats.counter_add(p_month, p_category, p_subtype, p_province,
	    p_ground, p_sector, p_outcome, -1);
	SELECT stats.counter_add(p_month, p_new_category, p_new_subtype,
	    p_new_province, p_new_ground, p_new_sector, p_new_outcome, 1);
    $$;

-- Raw non-zero cells by month.  Quarter and year are derived columns so
-- exports can group by them without recomputing.
CREATE VIEW stats.counts AS
	SELECT month,
	    pg_catalog.date_trunc('quarter', month)::date AS quarter,
	    pg_catalog.date_trunc('year', month)::date AS year,
	    category, subtype, province, ground, sector, outcome, n
	FROM stats.counters WHERE n > 0;

GRANT USAGE ON SCHEMA stats TO mp_research;
GRANT SELECT ON stats.counts TO mp_research;
