-- 0041_queue_state_counts.sql: cases per queue and state kept in a
-- counter table (docs/benchmarks.md section 3, "Left to do" of 0040).
--
-- GET /v1/staff/queues and casework.state_counts() (for /metrics) counted
-- the cases of a queue per state on every request: an index-only scan of
-- every entry of cases_queue_state, 550,000 for a mature queue and
-- 1,000,000 for /metrics.  casework.queue_state_counts holds those counts,
-- kept by a trigger on casework.cases, so a read is a handful of rows.
--
-- Who sees what does not change:
--   * a handler read the counts through RLS on casework.cases (policy
--     staff_queue: her queues only).  The counter table has the same
--     policy, so she still sees her queues' counts and nothing else; a
--     made-up, missing or expired session sees no row.
--   * casework.state_counts() (SECURITY DEFINER, granted to mp_staff since
--     0020) returned every queue's counts to any mp_staff connection, for
--     /metrics, which has no session.  It still does, from the new table.
--   mp_staff gets SELECT on the table and nothing else; no login role may
--   write it.  The trigger function is granted to nobody.
--
-- The trigger (row-level, AFTER INSERT, UPDATE OF queue_id, state, DELETE)
-- moves one case per row: -1 on the old (queue, state), +1 on the new; a
-- transfer between queues and a state change are the same move.  n can
-- never go below zero: a CHECK says so, and a decrement of a row that is
-- missing or at zero raises MP040 (as stats.counter_add does) instead of
-- hiding the drift -- it can only happen when cases were written with
-- triggers disabled (session_replication_role = replica) and the counts
-- not repaired; the repair is the back-fill below.
--
-- Contention: every submission to a queue updates that queue's 'new' row
-- and holds its lock to commit, as it already does a row of
-- stats.counters, and a transition locks two rows of its queue.  At our
-- rates (submissions are bounded by Argon2id, tens per second at most)
-- that serialises only the few milliseconds between the trigger and the
-- commit.  The two rows of one move are locked in a fixed order
-- ((queue_id, state) ascending), so two single-case transactions cannot
-- deadlock on them.  Were it ever hot, the usual cure is several slots
-- per (queue, state) summed on read.

SET LOCAL ROLE mp_owner;

CREATE TABLE casework.queue_state_counts (
	queue_id	integer NOT NULL REFERENCES casework.queues
			    ON DELETE CASCADE,
	state		text NOT NULL REFERENCES casework.states,
	n		bigint NOT NULL DEFAULT 0 CHECK (n >= 0),
	PRIMARY KEY (queue_id, state)
);

CREATE FUNCTION casework.queue_state_count_move() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_oq	integer;
	v_os	text;
	v_nq	integer;
	v_ns	text;
	r	record;
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		v_oq := OLD.queue_id;
		v_os := OLD.state;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		v_nq := NEW.queue_id;
		v_ns := NEW.state;
	END IF;
	IF v_oq IS NOT DISTINCT FROM v_nq AND v_os IS NOT DISTINCT FROM v_ns
	    THEN
		RETURN NULL;
	END IF;
	-- Both rows in (queue_id, state) order: no lock-order deadlock.
	FOR r IN SELECT d.q, d.s, d.delta FROM (VALUES (v_oq, v_os, -1),
	    (v_nq, v_ns, 1)) AS d(q, s, delta) WHERE d.q IS NOT NULL
	    ORDER BY d.q, d.s COLLATE "C" LOOP
		IF r.delta > 0 THEN
			INSERT INTO casework.queue_state_counts AS k
			    (queue_id, state, n) VALUES (r.q, r.s, 1)
			    ON CONFLICT (queue_id, state)
			    DO UPDATE SET n = k.n + 1;
		ELSE
			UPDATE casework.queue_state_counts k SET n = k.n - 1
			    WHERE k.queue_id = r.q AND k.state = r.s
			    AND k.n > 0;
			IF NOT FOUND THEN
				RAISE EXCEPTION USING ERRCODE = 'MP040',
				    MESSAGE = 'queue state counter below zero';
			END IF;
		END IF;
	END LOOP;
	RETURN NULL;
END
$$;

-- No case may be written between the back-fill and the trigger: the lock
-- (the one CREATE TRIGGER takes anyway) waits for writers in flight and
-- holds new ones until this migration commits.
LOCK TABLE casework.cases IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO casework.queue_state_counts (queue_id, state, n)
    SELECT c.queue_id, c.state, count(*) FROM casework.cases c
    GROUP BY c.queue_id, c.state;

CREATE TRIGGER queue_state_count AFTER INSERT OR DELETE
    OR UPDATE OF queue_id, state ON casework.cases
    FOR EACH ROW EXECUTE FUNCTION casework.queue_state_count_move();

-- ---------------------------------------------------------------- reads

ALTER TABLE casework.queue_state_counts ENABLE ROW LEVEL SECURITY;
-- Exactly the policy staff_queue of casework.cases (0006).
CREATE POLICY staff_queue ON casework.queue_state_counts FOR SELECT
    TO mp_staff
    USING (queue_id = ANY ((SELECT casework.session_queues())::integer[]));
GRANT SELECT ON casework.queue_state_counts TO mp_staff;

-- Same signature, result and meaning as in 0020 (a row per queue and
-- state that has cases, all queues, for /metrics); read from the counters.
CREATE OR REPLACE FUNCTION casework.state_counts()
    RETURNS TABLE (queue text, state text, n bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT q.name::text, k.state, k.n
	FROM casework.queue_state_counts k
	JOIN casework.queues q ON q.id = k.queue_id
	WHERE k.n > 0
	ORDER BY 1, 2
    $$;
