-- 0030_research.sql: researchers' exports (issue 7): grouped counts for
-- the disclosure-control code, the per-researcher epsilon budget ledger,
-- and the audit event of every export -- in one function call, so that
-- no grouped count leaves the database without its budget debit and its
-- audit event committed in the same transaction.
--
-- Who calls what (docs/schema.md, "Research exports"):
--   mp_staff     stats.research_export / stats.research_spent, for a live
--                session of a user of kind 'researcher' (the staff process
--                serves GET /v1/research/stats);
--   mp_research  stats.cli_export / stats.cli_spent (meldctl stats export;
--                the actor is named by the operator, as with admin_event).
-- Both return grouped sums of stats.counters, never a per-report row.
-- Disclosure control (suppression, noise) is applied by the caller on
-- these sums (daemon/disclosure.c), because the DP noise needs a CSPRNG
-- and the suppression search is not something to write in PL/pgSQL.

SET LOCAL ROLE mp_owner;

-- Running total per researcher: the row that serialises concurrent
-- debits (UPDATE ... WHERE spent + eps <= budget takes its row lock and
-- re-checks the condition on the newest version).
CREATE TABLE stats.budget_spent (
	researcher	text PRIMARY KEY
	    CHECK (length(researcher) BETWEEN 1 AND 100),
	spent		numeric NOT NULL DEFAULT 0 CHECK (spent >= 0)
);

-- One row per export: who, when, epsilon spent, grouping, period and
-- parameters.  Exports without noise are recorded with epsilon 0.
CREATE TABLE stats.budget_ledger (
	id		bigserial PRIMARY KEY,
	researcher	text NOT NULL CHECK (length(researcher) BETWEEN 1 AND 100),
	at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	epsilon		numeric NOT NULL CHECK (epsilon >= 0),
	budget		numeric NOT NULL CHECK (budget >= 0),
	grouping	text NOT NULL CHECK (grouping ~ '^[a-z,]{1,120}$'),
	period_from	date NOT NULL,
	period_to	date NOT NULL,
	format		text NOT NULL CHECK (format IN ('csv', 'json', 'svg')),
	k		integer NOT NULL CHECK (k >= 5)
);
CREATE INDEX budget_ledger_researcher ON stats.budget_ledger (researcher, at);

-- Grouped sums over the period [p_from, p_to] (first days of months,
-- inclusive).  Columns not in p_dims are NULL.  Dynamic SQL is built only
-- from the fixed expressions below, never from the argument's text.
CREATE FUNCTION stats.export_counts(p_dims text[], p_from date, p_to date)
    RETURNS TABLE (month text, quarter text, year text, category text,
	subtype text, province text, ground text, sector text, outcome text,
	n bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_names	text[] := ARRAY['month', 'quarter', 'year', 'category',
	    'subtype', 'province', 'ground', 'sector', 'outcome'];
	-- Inner keys are cheap to hash (dates, not formatted text); the
	-- outer query formats each group once.
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
	RETURN QUERY EXECUTE 'SELECT ' || v_sel || 'g.n FROM (SELECT '
	    || v_in || 'sum(c.n)::bigint AS n FROM stats.counters c '
	    || 'WHERE c.month >= $1 AND c.month <= $2 AND c.n > 0 '
	    || 'GROUP BY ' || v_grp || ') g'
	    USING date_trunc('month', p_from)::date,
		date_trunc('month', p_to)::date;
END
$$;

-- Debit p_epsilon from the researcher's budget and record the export.
-- Refuses (MP050) when spent + p_epsilon would exceed p_budget; nothing
-- is recorded then.  Returns what is left.
CREATE FUNCTION stats.budget_debit(p_researcher text, p_dims text[],
    p_from date, p_to date, p_format text, p_k integer, p_epsilon numeric,
    p_budget numeric) RETURNS numeric
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_spent	numeric;
BEGIN
	IF p_epsilon IS NULL OR p_epsilon < 0 OR p_budget IS NULL OR
	    p_budget < 0 OR p_k IS NULL OR p_k < 5 THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed export arguments';
	END IF;
	INSERT INTO stats.budget_spent (researcher) VALUES (p_researcher)
	    ON CONFLICT (researcher) DO NOTHING;
	UPDATE stats.budget_spent SET spent = spent + p_epsilon
	    WHERE researcher = p_researcher AND spent + p_epsilon <= p_budget
	    RETURNING spent INTO v_spent;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP050',
		    MESSAGE = 'privacy budget exhausted';
	END IF;
	INSERT INTO stats.budget_ledger (researcher, epsilon, budget,
	    grouping, period_from, period_to, format, k)
	    VALUES (p_researcher, p_epsilon, p_budget,
	    array_to_string(p_dims, ','), p_from, p_to, p_format, p_k);
	RETURN p_budget - v_spent;
END
$$;

CREATE FUNCTION stats.export_details(p_dims text[], p_from date, p_to date,
    p_format text, p_k integer, p_epsilon numeric, p_budget numeric)
    RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT jsonb_build_object('group', to_jsonb(p_dims),
	'from', to_char(p_from, 'YYYY-MM'), 'to', to_char(p_to, 'YYYY-MM'),
	'format', p_format, 'k', p_k, 'epsilon', p_epsilon,
	'budget', p_budget) $$;

-- The staff process, for a researcher's live session.  Anyone else
-- (no session, or a handler, officer or admin) gets MP020.
CREATE FUNCTION stats.research_export(p_dims text[], p_from date,
    p_to date, p_format text, p_k integer, p_epsilon numeric,
    p_budget numeric)
    RETURNS TABLE (month text, quarter text, year text, category text,
	subtype text, province text, ground text, sector text, outcome text,
	n bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.session_user_id();
BEGIN
	IF v_uid IS NULL OR NOT EXISTS (SELECT 1 FROM casework.users u
	    WHERE u.id = v_uid AND u.kind = 'researcher') THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no live researcher session';
	END IF;
	PERFORM stats.budget_debit('user:' || v_uid, p_dims, p_from, p_to,
	    p_format, p_k, p_epsilon, p_budget);
	PERFORM audit.append('user:' || v_uid, 'stats.export', '',
	    stats.export_details(p_dims, p_from, p_to, p_format, p_k,
	    p_epsilon, p_budget));
	RETURN QUERY SELECT * FROM stats.export_counts(p_dims, p_from, p_to);
END
$$;

-- Epsilon spent so far by the session's researcher (0 when none yet).
CREATE FUNCTION stats.research_spent() RETURNS numeric
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.session_user_id();
BEGIN
	IF v_uid IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no live researcher session';
	END IF;
	RETURN coalesce((SELECT s.spent FROM stats.budget_spent s
	    WHERE s.researcher = 'user:' || v_uid), 0);
END
$$;

-- meldctl stats export (role mp_research).  The operator names the actor
-- (like audit.admin_event); the budget is kept under 'cli:<actor>' and
-- the audit event is an admin event 'admin:<actor>'.
CREATE FUNCTION stats.cli_export(p_actor text, p_dims text[], p_from date,
    p_to date, p_format text, p_k integer, p_epsilon numeric,
    p_budget numeric)
    RETURNS TABLE (month text, quarter text, year text, category text,
	subtype text, province text, ground text, sector text, outcome text,
	n bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF p_actor IS NULL OR p_actor !~ '^[A-Za-z0-9_.@-]{1,60}$' THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed export arguments';
	END IF;
	PERFORM stats.budget_debit('cli:' || p_actor, p_dims, p_from, p_to,
	    p_format, p_k, p_epsilon, p_budget);
	PERFORM audit.admin_event(p_actor, 'stats.export', '',
	    stats.export_details(p_dims, p_from, p_to, p_format, p_k,
	    p_epsilon, p_budget));
	RETURN QUERY SELECT * FROM stats.export_counts(p_dims, p_from, p_to);
END
$$;

CREATE FUNCTION stats.cli_spent(p_actor text) RETURNS numeric
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT coalesce((SELECT s.spent FROM stats.budget_spent s
	WHERE s.researcher = 'cli:' || p_actor), 0) $$;

GRANT EXECUTE ON FUNCTION
    stats.research_export(text[], date, date, text, integer, numeric,
	numeric),
    stats.research_spent()
    TO mp_staff;
GRANT USAGE ON SCHEMA stats TO mp_staff;
GRANT EXECUTE ON FUNCTION
    stats.cli_export(text, text[], date, date, text, integer, numeric,
	numeric),
    stats.cli_spent(text)
    TO mp_research;
