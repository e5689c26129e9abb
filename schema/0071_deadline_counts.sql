-- 0071_deadline_counts.sql: overdue counts from maintained counters
-- (issue 19 part 2; docs/benchmarks.md "Staff side under concurrency").
--
-- GET /v1/staff/queues and /metrics (casework.overdue_counts) counted the
-- overdue cases on every request: an index-only scan of every open case of
-- a queue (cases_open, 0040).  Overdue depends on the caller's clock
-- ("today" and "now" are parameters, daemon/clock.c), so a plain counter
-- per queue cannot hold it.  What can: for every open case and clock, a
-- counter keyed by the deadline, and per queue and clock a total:
--
--   overdue(queue, clock) = total(queue, clock)
--                           - (cases whose deadline is still ahead)
--
-- The cases whose deadline is ahead are the recent ones (ack 7 days,
-- feedback 3 months, first response an hour), so the read sums a bounded
-- number of counter rows -- one per queue and deadline day, and one per
-- pending first response -- however many cases the queue has ever had.
--
-- Clocks (0020; a case is open while new, acknowledged or in_progress):
--   first_contact   no first contact and ack_due < today
--   feedback        feedback_due < today
--   first_response  no first contact and first_response_due < now
--   any             any of the three: the case counts once (queues API)
-- Each open case adds one to
--   (first_contact, due_on = ack_due,       due_at = infinity) if no contact
--   (feedback,      due_on = feedback_due,  due_at = infinity)
--   (first_response, due_on = infinity,     due_at = first_response_due)
--                                            if no contact and it has one
--   (any, due_on = least(feedback_due, ack_due if no contact),
--         due_at = first_response_due if no contact, else infinity)
-- and "ahead" is due_on >= today AND due_at >= now: for "any" that is
-- exactly "not overdue on any clock" (0040's OVERDUE_COND negated).
--
-- Kept by a trigger on casework.cases as 0041 keeps queue_state_counts:
-- every change of a column a deadline depends on moves the case's rows;
-- all moves of one statement row are applied in key order (no lock-order
-- deadlock between two single-case transactions), a row that reaches
-- zero is deleted (the table holds only what is open), and a decrement
-- that finds nothing raises MP040 -- only possible after writes with
-- triggers disabled; the repair is the back-fill below.  Contention: a
-- submission updates its queue's four total rows and today's rows, held
-- to commit, as it already does the 'new' row of queue_state_counts.
--
-- Who sees what does not change: the tables carry 0041's policy (a
-- handler reads her own queues' rows only), mp_staff may only SELECT, and
-- overdue_counts() stays the SECURITY DEFINER aggregate /metrics uses.

SET LOCAL ROLE mp_owner;

CREATE TABLE casework.deadline_counts (
	queue_id	integer NOT NULL REFERENCES casework.queues
			    ON DELETE CASCADE,
	clock		text NOT NULL CHECK (clock IN ('any', 'first_contact',
			    'feedback', 'first_response')),
	due_on		date NOT NULL,
	due_at		timestamptz NOT NULL,
	n		bigint NOT NULL CHECK (n > 0),
	PRIMARY KEY (queue_id, clock, due_on, due_at)
);
-- first_response rows are found by due_at (their due_on is infinity).
CREATE INDEX deadline_counts_at ON casework.deadline_counts
    (queue_id, clock, due_at);

CREATE TABLE casework.deadline_totals (
	queue_id	integer NOT NULL REFERENCES casework.queues
			    ON DELETE CASCADE,
	clock		text NOT NULL CHECK (clock IN ('any', 'first_contact',
			    'feedback', 'first_response')),
	n		bigint NOT NULL CHECK (n >= 0),
	PRIMARY KEY (queue_id, clock)
);

-- The rows one case adds: none when it is not open.
CREATE FUNCTION casework.deadline_rows(p_queue integer, p_state text,
    p_first_contact date, p_ack_due date, p_feedback_due date,
    p_first_response_due timestamptz)
    RETURNS TABLE (queue_id integer, clock text, due_on date,
	due_at timestamptz)
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT p_queue, r.clock, r.due_on, r.due_at
	FROM (VALUES
	    ('first_contact', p_ack_due, 'infinity'::timestamptz,
		p_first_contact IS NULL),
	    ('feedback', p_feedback_due, 'infinity'::timestamptz, true),
	    ('first_response', 'infinity'::date, p_first_response_due,
		p_first_contact IS NULL AND p_first_response_due IS NOT NULL),
	    ('any', CASE WHEN p_first_contact IS NULL
		THEN least(p_feedback_due, p_ack_due) ELSE p_feedback_due END,
		CASE WHEN p_first_contact IS NULL
		THEN coalesce(p_first_response_due, 'infinity') ELSE
		'infinity' END, true)) AS r(clock, due_on, due_at, applies)
	WHERE r.applies
	AND p_state IN ('new', 'acknowledged', 'in_progress')
    $$;

-- Apply the moves of one case: (key, delta), summed per key, in key order.
CREATE FUNCTION casework.deadline_apply(p_moves jsonb) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	r	record;
BEGIN
	FOR r IN SELECT m.q, m.c, m.d_on, m.d_at, sum(m.delta) AS delta
	    FROM pg_catalog.jsonb_to_recordset(p_moves) AS m(q integer,
		c text, d_on date, d_at timestamptz, delta integer)
	    GROUP BY m.q, m.c, m.d_on, m.d_at
	    HAVING sum(m.delta) <> 0
	    ORDER BY m.q, m.c COLLATE "C", m.d_on, m.d_at LOOP
		IF r.delta > 0 THEN
			INSERT INTO casework.deadline_counts AS k
			    (queue_id, clock, due_on, due_at, n)
			    VALUES (r.q, r.c, r.d_on, r.d_at, r.delta)
			    ON CONFLICT (queue_id, clock, due_on, due_at)
			    DO UPDATE SET n = k.n + r.delta;
		ELSE
			-- The last one out deletes the row (n > 0 always).
			DELETE FROM casework.deadline_counts k
			    WHERE k.queue_id = r.q AND k.clock = r.c
			    AND k.due_on = r.d_on AND k.due_at = r.d_at
			    AND k.n + r.delta = 0;
			IF NOT FOUND THEN
				UPDATE casework.deadline_counts k
				    SET n = k.n + r.delta
				    WHERE k.queue_id = r.q AND k.clock = r.c
				    AND k.due_on = r.d_on AND k.due_at = r.d_at
				    AND k.n + r.delta > 0;
				IF NOT FOUND THEN
					RAISE EXCEPTION USING ERRCODE = 'MP040',
					    MESSAGE = 'deadline counter below zero';
				END IF;
			END IF;
		END IF;
	END LOOP;
	-- Totals after the day rows, in (queue, clock) order as well.
	FOR r IN SELECT m.q, m.c, sum(m.delta) AS delta
	    FROM pg_catalog.jsonb_to_recordset(p_moves) AS m(q integer,
		c text, delta integer)
	    GROUP BY m.q, m.c
	    HAVING sum(m.delta) <> 0
	    ORDER BY m.q, m.c COLLATE "C" LOOP
		IF r.delta > 0 THEN
			INSERT INTO casework.deadline_totals AS k
			    (queue_id, clock, n) VALUES (r.q, r.c, r.delta)
			    ON CONFLICT (queue_id, clock)
			    DO UPDATE SET n = k.n + r.delta;
		ELSE
			UPDATE casework.deadline_totals k SET n = k.n + r.delta
			    WHERE k.queue_id = r.q AND k.clock = r.c
			    AND k.n + r.delta >= 0;
			IF NOT FOUND THEN
				RAISE EXCEPTION USING ERRCODE = 'MP040',
				    MESSAGE = 'deadline total below zero';
			END IF;
		END IF;
	END LOOP;
END
$$;

CREATE FUNCTION casework.deadline_count_move() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_moves	jsonb := '[]';
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		v_moves := v_moves || coalesce((SELECT pg_catalog.jsonb_agg(
		    pg_catalog.jsonb_build_object('q', d.queue_id, 'c', d.clock,
		    'd_on', d.due_on, 'd_at', d.due_at, 'delta', -1))
		    FROM casework.deadline_rows(OLD.queue_id, OLD.state,
		    OLD.first_contact_on, OLD.ack_due, OLD.feedback_due,
		    OLD.first_response_due) d), '[]');
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		v_moves := v_moves || coalesce((SELECT pg_catalog.jsonb_agg(
		    pg_catalog.jsonb_build_object('q', d.queue_id, 'c', d.clock,
		    'd_on', d.due_on, 'd_at', d.due_at, 'delta', 1))
		    FROM casework.deadline_rows(NEW.queue_id, NEW.state,
		    NEW.first_contact_on, NEW.ack_due, NEW.feedback_due,
		    NEW.first_response_due) d), '[]');
	END IF;
	IF pg_catalog.jsonb_array_length(v_moves) > 0 THEN
		PERFORM casework.deadline_apply(v_moves);
	END IF;
	RETURN NULL;
END
$$;

-- ---------------------------------------------------------------- back-fill

-- As in 0041: no case may be written between the back-fill and the
-- trigger.
LOCK TABLE casework.cases IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO casework.deadline_counts (queue_id, clock, due_on, due_at, n)
    SELECT d.queue_id, d.clock, d.due_on, d.due_at, count(*)
    FROM casework.cases c
    CROSS JOIN LATERAL casework.deadline_rows(c.queue_id, c.state,
	c.first_contact_on, c.ack_due, c.feedback_due, c.first_response_due) d
    WHERE c.state IN ('new', 'acknowledged', 'in_progress')
    GROUP BY 1, 2, 3, 4;

INSERT INTO casework.deadline_totals (queue_id, clock, n)
    SELECT k.queue_id, k.clock, sum(k.n)
    FROM casework.deadline_counts k
    GROUP BY 1, 2;

CREATE TRIGGER deadline_count AFTER INSERT OR DELETE
    OR UPDATE OF queue_id, state, first_contact_on, ack_due, feedback_due,
	first_response_due ON casework.cases
    FOR EACH ROW EXECUTE FUNCTION casework.deadline_count_move();

-- ---------------------------------------------------------------- reads

ALTER TABLE casework.deadline_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.deadline_totals ENABLE ROW LEVEL SECURITY;
-- Exactly the policy staff_queue of casework.cases (0006) and 0041.
CREATE POLICY staff_queue ON casework.deadline_counts FOR SELECT
    TO mp_staff
    USING (queue_id = ANY ((SELECT casework.session_queues())::integer[]));
CREATE POLICY staff_queue ON casework.deadline_totals FOR SELECT
    TO mp_staff
    USING (queue_id = ANY ((SELECT casework.session_queues())::integer[]));
GRANT SELECT ON casework.deadline_counts, casework.deadline_totals
    TO mp_staff;

-- Overdue cases of one queue on one clock ('any': on any clock), at the
-- caller's today and now.  Reads the counters with the caller's rights
-- (a handler: her own queues only; another queue gives 0).
CREATE FUNCTION casework.deadline_overdue(p_queue integer, p_clock text,
    p_today date, p_now timestamptz) RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT coalesce((SELECT t.n FROM casework.deadline_totals t
		WHERE t.queue_id = p_queue AND t.clock = p_clock), 0)
	    - CASE WHEN p_clock = 'first_response' THEN
		coalesce((SELECT sum(k.n) FROM casework.deadline_counts k
		    WHERE k.queue_id = p_queue AND k.clock = p_clock
		    AND k.due_on = 'infinity' AND k.due_at >= p_now), 0)
	    ELSE
		coalesce((SELECT sum(k.n) FROM casework.deadline_counts k
		    WHERE k.queue_id = p_queue AND k.clock = p_clock
		    AND k.due_on >= p_today AND k.due_at >= p_now), 0)
	    END
    $$;

-- Same signature, result and meaning as in 0040; from the counters.
CREATE OR REPLACE FUNCTION casework.overdue_counts(p_today date,
    p_now timestamptz)
    RETURNS TABLE (queue text, clock text, n bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT q.name::text, k.clock,
	    casework.deadline_overdue(q.id, k.clock, p_today, p_now)
	FROM casework.queues q
	CROSS JOIN (VALUES ('first_contact'), ('feedback'),
	    ('first_response')) AS k(clock)
	ORDER BY 1, 2
    $$;

GRANT EXECUTE ON FUNCTION casework.deadline_overdue(integer, text, date,
    timestamptz) TO mp_staff;
