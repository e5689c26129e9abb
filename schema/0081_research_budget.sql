-- 0081_research_budget.sql: a privacy budget that bounds something
-- (issue 18 part 2).
--
-- Until now the caller passed the budget (the daemon's research_budget,
-- or meldctl's --budget), it never renewed, and an export with epsilon 0
-- was free and unlimited unless research_require_noise was set.  Now the
-- database holds the policy:
--
--   stats.budget_policy  one row per researcher key ('user:<id>' for a
--                        staff researcher, 'cli:<actor>' for an operator
--                        of meldctl) plus the default row '*': epsilon
--                        per period, the period (calendar year by
--                        default, or quarter or month), and allow_exact
--                        -- whether exports without noise are allowed.
--                        The default row allows none: noise is required
--                        unless an administrator opts a researcher out.
--   stats.budget_spent   epsilon spent in the current period; the first
--                        debit of a new period starts it again from 0.
--   stats.budget_ledger  every export, with the period it was debited
--                        from and the epsilon left after it.
--
-- The period is computed from the database's current_date by the
-- functions login roles may call.  The internal debit takes the day as an
-- argument so that tests can move it across a period boundary; no login
-- role can call it, and the staff process's test clock (daemon/clock.c)
-- deliberately does not reach it: a moved clock must never renew a
-- budget.
--
-- Policies are set by meldctl stats budget (mp_admin): policy is not
-- statistics, and whoever holds mp_research (the operator's export
-- credential) cannot raise its own budget or opt itself out of noise.

SET LOCAL ROLE mp_owner;

CREATE TABLE stats.budget_policy (
	researcher	text PRIMARY KEY CHECK (researcher = '*' OR
	    researcher ~ '^(user:[0-9]{1,10}|cli:[A-Za-z0-9_.@-]{1,60})$'),
	budget		numeric NOT NULL CHECK (budget >= 0 AND budget <= 1000),
	period		text NOT NULL DEFAULT 'year'
	    CHECK (period IN ('year', 'quarter', 'month')),
	allow_exact	boolean NOT NULL DEFAULT false,
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
INSERT INTO stats.budget_policy (researcher, budget, period, allow_exact)
    VALUES ('*', 10, 'year', false);

-- Rows from before this migration counted the whole account life; they
-- carry on as this period's spending (nothing is forgiven at upgrade).
ALTER TABLE stats.budget_spent
    ADD COLUMN period_start date NOT NULL DEFAULT '-infinity';
UPDATE stats.budget_spent
    SET period_start = pg_catalog.date_trunc('year', current_date)::date;
ALTER TABLE stats.budget_spent ALTER COLUMN period_start DROP DEFAULT;

ALTER TABLE stats.budget_ledger ADD COLUMN period_start date,
    ADD COLUMN remaining numeric CHECK (remaining >= 0);

-- The old entry points took the budget from the caller.
DROP FUNCTION stats.research_export(text[], date, date, text, integer,
    numeric, numeric);
DROP FUNCTION stats.research_spent();
DROP FUNCTION stats.cli_export(text, text[], date, date, text, integer,
    numeric, numeric);
DROP FUNCTION stats.cli_spent(text);
DROP FUNCTION stats.budget_debit(text, text[], date, date, text, integer,
    numeric, numeric);

-- The policy that applies to a researcher key: its own row, else '*'.
CREATE FUNCTION stats.budget_effective(p_researcher text)
    RETURNS stats.budget_policy
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT p.* FROM stats.budget_policy p
	WHERE p.researcher IN (p_researcher, '*')
	ORDER BY p.researcher = '*' LIMIT 1
    $$;

-- First day of the period holding p_day, and the first day after it.
CREATE FUNCTION stats.budget_period_start(p_period text, p_day date)
    RETURNS date
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT pg_catalog.date_trunc(p_period, p_day)::date $$;

CREATE FUNCTION stats.budget_period_end(p_period text, p_day date)
    RETURNS date
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT (pg_catalog.date_trunc(p_period, p_day) + CASE p_period
	WHEN 'year' THEN interval '1 year'
	WHEN 'quarter' THEN interval '3 months'
	ELSE interval '1 month' END)::date $$;

-- Where a researcher stands on p_day: the policy, what is spent in the
-- period holding p_day (0 when the last debit was in an earlier period),
-- what is left, and the period's first day and the first day after it.
CREATE FUNCTION stats.budget_status(p_researcher text, p_day date)
    RETURNS TABLE (budget numeric, spent numeric, remaining numeric,
	period text, period_start date, period_end date, allow_exact boolean)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT p.budget, coalesce(s.spent, 0),
	    greatest(p.budget - coalesce(s.spent, 0), 0), p.period,
	    stats.budget_period_start(p.period, p_day),
	    stats.budget_period_end(p.period, p_day), p.allow_exact
	FROM stats.budget_effective(p_researcher) p
	LEFT JOIN stats.budget_spent s ON s.researcher = p_researcher
	    AND s.period_start = stats.budget_period_start(p.period, p_day)
    $$;

-- Debit p_epsilon from the researcher's budget for the period holding
-- p_day and record the export.  Refuses, recording nothing:
--   MP051  epsilon 0 (no noise) for a researcher not allowed exact counts;
--   MP050  spent + p_epsilon would exceed the period's budget.
-- The row lock on budget_spent serialises concurrent debits; a debit in
-- a later period than the row's starts it again from 0.  Returns what is
-- left in the period.
CREATE FUNCTION stats.budget_debit(p_researcher text, p_dims text[],
    p_from date, p_to date, p_format text, p_k integer, p_epsilon numeric,
    p_day date) RETURNS numeric
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	p	stats.budget_policy;
	v_start	date;
	v_spent	numeric;
BEGIN
	IF p_epsilon IS NULL OR p_epsilon < 0 OR p_k IS NULL OR p_k < 5 OR
	    p_day IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed export arguments';
	END IF;
	p := stats.budget_effective(p_researcher);
	IF p_epsilon = 0 AND NOT p.allow_exact THEN
		RAISE EXCEPTION USING ERRCODE = 'MP051',
		    MESSAGE = 'noise required: epsilon 0 is not allowed';
	END IF;
	v_start := stats.budget_period_start(p.period, p_day);
	INSERT INTO stats.budget_spent (researcher, spent, period_start)
	    VALUES (p_researcher, 0, v_start)
	    ON CONFLICT (researcher) DO NOTHING;
	-- A new period starts from 0; an older day (a clock moved back)
	-- does not reopen an old period: it is charged to the newest.
	UPDATE stats.budget_spent SET spent = 0, period_start = v_start
	    WHERE researcher = p_researcher AND period_start < v_start;
	UPDATE stats.budget_spent SET spent = spent + p_epsilon
	    WHERE researcher = p_researcher AND spent + p_epsilon <= p.budget
	    RETURNING spent, period_start INTO v_spent, v_start;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP050',
		    MESSAGE = 'privacy budget exhausted';
	END IF;
	INSERT INTO stats.budget_ledger (researcher, epsilon, budget,
	    grouping, period_from, period_to, format, k, period_start,
	    remaining)
	    VALUES (p_researcher, p_epsilon, p.budget,
	    array_to_string(p_dims, ','), p_from, p_to, p_format, p_k,
	    v_start, p.budget - v_spent);
	RETURN p.budget - v_spent;
END
$$;

-- The audit details of an export: parameters, and the epsilon left in
-- the period after it (the budget itself is in stats.budget_policy).
DROP FUNCTION stats.export_details(text[], date, date, text, integer,
    numeric, numeric);
CREATE FUNCTION stats.export_details(p_dims text[], p_from date,
    p_to date, p_format text, p_k integer, p_epsilon numeric,
    p_remaining numeric)
    RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT jsonb_build_object('group', to_jsonb(p_dims),
	'from', to_char(p_from, 'YYYY-MM'), 'to', to_char(p_to, 'YYYY-MM'),
	'format', p_format, 'k', p_k, 'epsilon', p_epsilon,
	'remaining', p_remaining) $$;

-- The staff process, for a researcher's live session.  Anyone else
-- (no session, or a handler, officer or admin) gets MP020.
CREATE FUNCTION stats.research_export(p_dims text[], p_from date,
    p_to date, p_format text, p_k integer, p_epsilon numeric)
    RETURNS TABLE (month text, quarter text, year text, category text,
	subtype text, province text, ground text, sector text, outcome text,
	n bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.session_user_id();
	v_left	numeric;
BEGIN
	IF v_uid IS NULL OR NOT EXISTS (SELECT 1 FROM casework.users u
	    WHERE u.id = v_uid AND u.kind = 'researcher') THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no live researcher session';
	END IF;
	v_left := stats.budget_debit('user:' || v_uid, p_dims, p_from, p_to,
	    p_format, p_k, p_epsilon, current_date);
	PERFORM audit.append('user:' || v_uid, 'stats.export', '',
	    stats.export_details(p_dims, p_from, p_to, p_format, p_k,
	    p_epsilon, v_left));
	RETURN QUERY SELECT * FROM stats.export_counts(p_dims, p_from, p_to);
END
$$;

-- The session's researcher's budget today (MP020 without a session).
CREATE FUNCTION stats.research_budget()
    RETURNS TABLE (budget numeric, spent numeric, remaining numeric,
	period text, period_start date, period_end date, allow_exact boolean)
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
	RETURN QUERY SELECT * FROM stats.budget_status('user:' || v_uid,
	    current_date);
END
$$;

-- meldctl stats export (role mp_research).  The operator names the actor
-- (like audit.admin_event); the budget is kept under 'cli:<actor>' and
-- the audit event is an admin event 'admin:<actor>'.
CREATE FUNCTION stats.cli_export(p_actor text, p_dims text[], p_from date,
    p_to date, p_format text, p_k integer, p_epsilon numeric)
    RETURNS TABLE (month text, quarter text, year text, category text,
	subtype text, province text, ground text, sector text, outcome text,
	n bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_left	numeric;
BEGIN
	IF p_actor IS NULL OR p_actor !~ '^[A-Za-z0-9_.@-]{1,60}$' THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed export arguments';
	END IF;
	v_left := stats.budget_debit('cli:' || p_actor, p_dims, p_from, p_to,
	    p_format, p_k, p_epsilon, current_date);
	PERFORM audit.admin_event(p_actor, 'stats.export', '',
	    stats.export_details(p_dims, p_from, p_to, p_format, p_k,
	    p_epsilon, v_left));
	RETURN QUERY SELECT * FROM stats.export_counts(p_dims, p_from, p_to);
END
$$;

CREATE FUNCTION stats.cli_budget(p_actor text)
    RETURNS TABLE (budget numeric, spent numeric, remaining numeric,
	period text, period_start date, period_end date, allow_exact boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT * FROM stats.budget_status('cli:' || p_actor,
	current_date) $$;

-- The key of a researcher named the way meldctl names it: a staff user of
-- kind researcher ('user:<id>'), an operator actor ('cli:<name>') or the
-- default ('*').  NULL when there is no such researcher.
CREATE FUNCTION stats.budget_key(p_kind text, p_name text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT CASE p_kind
	    WHEN 'default' THEN '*'
	    WHEN 'operator' THEN CASE WHEN p_name ~ '^[A-Za-z0-9_.@-]{1,60}$'
		THEN 'cli:' || p_name END
	    WHEN 'researcher' THEN (SELECT 'user:' || u.id
		FROM casework.users u WHERE u.username = p_name
		AND u.kind = 'researcher')
	    END
    $$;

-- meldctl stats budget --grant (mp_admin): set a researcher's policy.
-- NULL arguments keep the current value (or the default's, for a new
-- row).  Audited as admin:<actor> 'stats.budget'.
CREATE FUNCTION stats.budget_grant(p_actor text, p_kind text, p_name text,
    p_budget numeric, p_period text, p_allow_exact boolean) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_key	text := stats.budget_key(p_kind, p_name);
	p	stats.budget_policy;
BEGIN
	IF v_key IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP010',
		    MESSAGE = 'no such researcher';
	END IF;
	p := stats.budget_effective(v_key);
	INSERT INTO stats.budget_policy AS b (researcher, budget, period,
	    allow_exact)
	    VALUES (v_key, coalesce(p_budget, p.budget),
	    coalesce(p_period, p.period), coalesce(p_allow_exact,
	    CASE WHEN v_key = '*' THEN p.allow_exact ELSE false END))
	    ON CONFLICT (researcher) DO UPDATE SET
	    budget = coalesce(p_budget, b.budget),
	    period = coalesce(p_period, b.period),
	    allow_exact = coalesce(p_allow_exact, b.allow_exact),
	    updated_at = pg_catalog.now()
	    RETURNING * INTO p;
	PERFORM audit.admin_event(p_actor, 'stats.budget', v_key,
	    pg_catalog.jsonb_build_object('budget', p.budget, 'period',
	    p.period, 'allow_exact', p.allow_exact));
END
$$;

-- meldctl stats budget (mp_admin): every policy and every researcher who
-- has exported, with where each stands today.  Names, not only keys.
CREATE FUNCTION stats.budget_show()
    RETURNS TABLE (researcher text, name text, budget numeric,
	spent numeric, remaining numeric, period text, period_start date,
	period_end date, allow_exact boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT k.researcher, CASE
	    WHEN k.researcher = '*' THEN '(default)'
	    WHEN k.researcher LIKE 'cli:%' THEN substr(k.researcher, 5)
	    ELSE coalesce((SELECT u.username FROM casework.users u
		WHERE 'user:' || u.id = k.researcher), k.researcher) END,
	    s.budget, s.spent, s.remaining, s.period, s.period_start,
	    s.period_end, s.allow_exact
	FROM (SELECT p.researcher FROM stats.budget_policy p
	    UNION SELECT b.researcher FROM stats.budget_spent b) k
	CROSS JOIN LATERAL stats.budget_status(k.researcher, current_date) s
	ORDER BY k.researcher = '*' DESC, 2
    $$;

GRANT EXECUTE ON FUNCTION
    stats.research_export(text[], date, date, text, integer, numeric),
    stats.research_budget()
    TO mp_staff;
GRANT EXECUTE ON FUNCTION
    stats.cli_export(text, text[], date, date, text, integer, numeric),
    stats.cli_budget(text)
    TO mp_research;
-- USAGE on the schema lets mp_admin name these two functions; it has no
-- privilege on any table or view in it (no counts, no ledger).
GRANT USAGE ON SCHEMA stats TO mp_admin;
GRANT EXECUTE ON FUNCTION
    stats.budget_grant(text, text, text, numeric, text, boolean),
    stats.budget_show()
    TO mp_admin;
