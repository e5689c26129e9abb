-- 0301_session_plpgsql.sql: the functions every staff read calls, in
-- PL/pgSQL, so that their statements are planned once per connection.
--
-- casework.session_queues() is the InitPlan of every staff row-level
-- security policy (0006, 0040): one call per table a statement reads, a
-- dozen for a case open.  casework.session_case() and
-- casework.case_history() (0252, 0254) run in every case open too.  All
-- three were LANGUAGE sql with SECURITY DEFINER, which PostgreSQL cannot
-- inline and does not keep plans for across statements: each call parsed
-- and planned its query again, even inside the daemon's prepared
-- statements (daemon/store.c).  PL/pgSQL keeps the plan of a static
-- statement for the life of the connection.  Same queries, same results
-- (tests/schema/test_rls.c, tests/e2e and the console's history tests);
-- bench_staff's "PostgreSQL CPU ms/req" shows the difference
-- (docs/benchmarks.md §3b).

SET LOCAL ROLE mp_owner;

CREATE OR REPLACE FUNCTION casework.session_queues() RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_out	integer[];
BEGIN
	-- 0251: nothing until a forced password change or TOTP enrolment
	-- is done.
	SELECT coalesce(pg_catalog.array_agg(m.queue_id), '{}') INTO v_out
	    FROM casework.queue_members m JOIN casework.users u
	    ON u.id = m.user_id
	    WHERE m.user_id = casework.session_user_id()
	    AND NOT u.pw_change_due AND NOT u.totp_enrol_due;
	RETURN v_out;
END
$$;

CREATE OR REPLACE FUNCTION casework.session_case(p_case uuid)
    RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	RETURN EXISTS (SELECT 1 FROM casework.cases c
	    WHERE c.id = p_case
	    AND c.queue_id = ANY (casework.session_queues()));
END
$$;

-- 0254's text, unchanged, as one static RETURN QUERY.
CREATE OR REPLACE FUNCTION casework.case_history(p_case uuid)
    RETURNS TABLE (n bigint, at timestamptz, actor text, action text,
	details jsonb)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY SELECT e.id, e.at,
	    coalesce((SELECT u.username FROM casework.users u
		WHERE 'user:' || u.id = e.actor), e.actor),
	    e.action,
	    CASE e.action
	    WHEN 'case.transfer' THEN pg_catalog.jsonb_build_object(
		'from', (SELECT q.name FROM casework.queues q
		    WHERE q.id = (e.details ->> 'from')::integer),
		'to', (SELECT q.name FROM casework.queues q
		    WHERE q.id = (e.details ->> 'to')::integer))
	    WHEN 'case.transition' THEN pg_catalog.jsonb_build_object(
		'from', e.details -> 'from', 'to', e.details -> 'to')
	    WHEN 'identity.approve' THEN pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('reason_sealed',
		(SELECT pg_catalog.encode(r.decision_reason_sealed, 'hex')
		FROM identity.requests r WHERE r.case_id = p_case
		AND r.id = (e.details ->> 'request')::bigint)))
	    WHEN 'identity.refuse' THEN pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('reason_sealed',
		(SELECT pg_catalog.encode(r.decision_reason_sealed, 'hex')
		FROM identity.requests r WHERE r.case_id = p_case
		AND r.id = (e.details ->> 'request')::bigint)))
	    ELSE '{}'::jsonb END
	FROM audit.events e
	WHERE casework.session_case(p_case)
	AND e.object LIKE 'case:%' AND e.object = 'case:' || p_case
	AND e.action <> 'case.read'
	ORDER BY e.id;
END
$$;
