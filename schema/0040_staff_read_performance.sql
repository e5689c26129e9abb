-- 0040_staff_read_performance.sql: staff reads at 1,000,000 cases
-- (DESIGN section 8; measurements and plans in docs/benchmarks.md,
-- "Staff reads at scale").  Three changes, none of them to who may see
-- what:
--
-- 1. The child-table policies become a correlated EXISTS on casework.cases.
--    "case_id IN (SELECT id FROM casework.cases)" was planned as a SubPlan
--    that scans the (policy-filtered) cases until it meets the id: a
--    sequential scan of up to a million rows per child row.  The EXISTS
--    form is a probe of cases_pkey with the row's case_id.  The inner
--    casework.cases is still filtered by its own policy staff_queue, so a
--    child row is visible exactly when its case is, as before
--    (tests/schema/test_rls.c).
--
-- 2. cases_queue_recent serves the case list's order (received_on DESC,
--    id DESC within a queue) and its keyset cursor, so a page reads about
--    limit + 1 index entries instead of top-N sorting the whole queue.
--    daemon/cases.c writes the query so the index can be used (the queue
--    id as a scalar subquery, the cursor as a row comparison).
--
-- 3. Overdue counts.  Only an open case can be overdue, and closed cases
--    are the bulk of a mature queue; cases_open is a partial index on the
--    open ones carrying every column a deadline depends on, so counts are
--    index-only scans of the open cases.  casework.clocks_overdue loses
--    its SET search_path (which stopped PostgreSQL from inlining it into
--    the calling query: a function call and a GUC save/restore per row);
--    see its comment below for why that is safe.  overdue_counts (for
--    /metrics) counts open cases with plain comparisons.
--
-- The indexes are built with plain CREATE INDEX: migrations run in a
-- transaction, where CONCURRENTLY is not allowed, so writes to
-- casework.cases wait while they build (seconds per million cases).

SET LOCAL ROLE mp_owner;

-- ---------------------------------------------------------------- 1. RLS

-- The column is qualified with the policy's own table: casework.cases has
-- no case_id, but the qualification keeps it so should one ever be added.
ALTER POLICY staff_case ON casework.transitions
    USING (EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = transitions.case_id));
ALTER POLICY staff_case ON casework.notes
    USING (EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = notes.case_id));
ALTER POLICY staff_case ON casework.messages
    USING (EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = messages.case_id));
ALTER POLICY staff_case ON casework.referrals
    USING (EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = referrals.case_id));
ALTER POLICY staff_case ON intake.envelopes
    USING (EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = envelopes.case_id));
ALTER POLICY staff_case ON intake.wraps
    USING (EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = wraps.case_id));

-- ---------------------------------------------------------------- 2. list

CREATE INDEX cases_queue_recent ON casework.cases
    (queue_id, received_on DESC, id DESC);

-- ---------------------------------------------------------------- 3. clocks

-- The predicate is written exactly as the queries write "open"
-- (daemon/cases.c OPEN_STATES, overdue_counts below), so the planner can
-- prove that they imply it.
CREATE INDEX cases_open ON casework.cases (queue_id)
    INCLUDE (state, first_contact_on, ack_due, feedback_due,
	first_response_due)
    WHERE state IN ('new', 'acknowledged', 'in_progress');

-- Same arguments, result and meaning as in 0020; only the SET clause is
-- gone and every operator and type is schema-qualified.
--
-- Why no pinned search_path is safe here: the function is not SECURITY
-- DEFINER (it computes from its arguments alone and reads no table), so
-- it runs with the caller's rights and a caller's search_path can only
-- ever affect the caller.  Nothing in the body is looked up by name
-- through the search path: the comparisons are OPERATOR(pg_catalog.x),
-- the types and array_remove are pg_catalog's, and IS NULL, CASE and
-- ARRAY[] are syntax.  With no SET clause, no SECURITY DEFINER, LANGUAGE
-- sql and a single expression whose parts are all immutable, PostgreSQL
-- inlines the body into the calling query (it is still parsed with the
-- caller's search_path at that moment, which is why the qualification
-- matters).  test_privileges' definer_functions_pin_search_path still
-- holds: it concerns SECURITY DEFINER functions only.
CREATE OR REPLACE FUNCTION casework.clocks_overdue(p_state text,
    p_first_contact date, p_ack_due date, p_feedback_due date,
    p_first_response_due timestamptz, p_today date, p_now timestamptz)
    RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$
	SELECT CASE WHEN NOT (p_state OPERATOR(pg_catalog.=) ANY
	    ('{new,acknowledged,in_progress}'::pg_catalog.text[]))
	    THEN '{}'::pg_catalog.text[] ELSE pg_catalog.array_remove(ARRAY[
	    CASE WHEN p_first_contact IS NULL
		AND p_ack_due OPERATOR(pg_catalog.<) p_today
		THEN 'first_contact'::pg_catalog.text END,
	    CASE WHEN p_feedback_due OPERATOR(pg_catalog.<) p_today
		THEN 'feedback'::pg_catalog.text END,
	    CASE WHEN p_first_contact IS NULL
		AND p_first_response_due OPERATOR(pg_catalog.<) p_now
		THEN 'first_response'::pg_catalog.text END],
	    NULL::pg_catalog.text) END
    $$;

-- The clocks as in clocks_overdue, counted over the open cases only (an
-- index-only scan of cases_open) with one pass for all three clocks.
CREATE OR REPLACE FUNCTION casework.overdue_counts(p_today date,
    p_now timestamptz)
    RETURNS TABLE (queue text, clock text, n bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT q.name::text, k.clock, k.n
	FROM casework.queues q
	LEFT JOIN (SELECT c.queue_id,
		pg_catalog.count(*) FILTER (WHERE c.first_contact_on IS NULL
		    AND c.ack_due < p_today) AS first_contact,
		pg_catalog.count(*) FILTER (WHERE c.feedback_due < p_today)
		    AS feedback,
		pg_catalog.count(*) FILTER (WHERE c.first_contact_on IS NULL
		    AND c.first_response_due < p_now) AS first_response
	    FROM casework.cases c
	    WHERE c.state IN ('new', 'acknowledged', 'in_progress')
	    GROUP BY c.queue_id) o ON o.queue_id = q.id
	CROSS JOIN LATERAL (VALUES
	    ('first_contact', coalesce(o.first_contact, 0)),
	    ('feedback', coalesce(o.feedback, 0)),
	    ('first_response', coalesce(o.first_response, 0))) AS k(clock, n)
	ORDER BY 1, 2
    $$;
