-- 0020_staff_clocks.sql: deadline clocks for the staff API and /metrics.
--
-- "Today" and "now" are parameters, not current_date/now(): the staff
-- process passes its own clock (daemon/clock.c), which tests may move
-- forward (docs/staff-api.md, "Test clock").  Only the evaluation of
-- deadlines depends on it; sessions, TOTP steps and every stored time
-- keep using the database's and the system's real clocks, so a moved
-- clock can at worst mislabel what is overdue.
--
-- A case is open while its state is new, acknowledged or in_progress.
-- Clocks of an open case (DESIGN section 6):
--   first_contact   the handler's own first contact (message or
--                   acknowledgement) is missing and ack_due has passed;
--   feedback        no outcome yet and feedback_due has passed;
--   first_response  urgent queue: no first contact and first_response_due
--                   has passed.

SET LOCAL ROLE mp_owner;

CREATE FUNCTION casework.clocks_overdue(p_state text, p_first_contact date,
    p_ack_due date, p_feedback_due date, p_first_response_due timestamptz,
    p_today date, p_now timestamptz) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT CASE WHEN p_state NOT IN ('new', 'acknowledged', 'in_progress')
	    THEN '{}'::text[] ELSE pg_catalog.array_remove(ARRAY[
	    CASE WHEN p_first_contact IS NULL AND p_ack_due < p_today
		THEN 'first_contact' END,
	    CASE WHEN p_feedback_due < p_today THEN 'feedback' END,
	    CASE WHEN p_first_contact IS NULL
		AND p_first_response_due < p_now THEN 'first_response' END],
	    NULL) END
    $$;

-- Overdue counts per queue and clock for GET /metrics.  /metrics has no
-- session (Prometheus scrapes it), so this runs as the owner; it returns
-- counts only, never a case.
CREATE FUNCTION casework.overdue_counts(p_today date, p_now timestamptz)
    RETURNS TABLE (queue text, clock text, n bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT q.name::text, k.clock, pg_catalog.count(c.id)
	FROM casework.queues q
	CROSS JOIN (VALUES ('first_contact'), ('feedback'),
	    ('first_response')) AS k(clock)
	LEFT JOIN casework.cases c ON c.queue_id = q.id
	    AND k.clock = ANY (casework.clocks_overdue(c.state,
		c.first_contact_on, c.ack_due, c.feedback_due,
		c.first_response_due, p_today, p_now))
	GROUP BY q.name, k.clock
	ORDER BY 1, 2
    $$;

-- Open cases per queue and state, for GET /metrics as well.
CREATE FUNCTION casework.state_counts()
    RETURNS TABLE (queue text, state text, n bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT q.name::text, c.state, pg_catalog.count(*)
	FROM casework.cases c JOIN casework.queues q ON q.id = c.queue_id
	GROUP BY q.name, c.state
	ORDER BY 1, 2
    $$;

GRANT EXECUTE ON FUNCTION
    casework.clocks_overdue(text, date, date, date, timestamptz, date,
	timestamptz),
    casework.overdue_counts(date, timestamptz),
    casework.state_counts()
    TO mp_staff;
