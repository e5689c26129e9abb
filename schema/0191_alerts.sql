-- 0191_alerts.sql: content-free urgent alerts (issue 17 item 2;
-- daemon/alert.c, docs/staff-api.md "Urgent alerts").
--
-- When an urgent case arrives, or is still waiting for its first contact
-- when half of its first-response interval is left before the stored
-- (hour-rounded, 0052) deadline, the staff process tells the on-call
-- handlers: the console's live channel, a command hook, e-mail.  Nothing
-- of the case goes out -- a queue name, a count and the stored due hour.
--
-- How a staff process learns of a new urgent case: the public process
-- inserts it; the trigger below sends NOTIFY meldpunt_alert with the
-- queue id only (delivered at commit, to every staff process that
-- LISTENs).  A NOTIFY is lost while no staff process listens, so each
-- staff process also checks every alert_check_s and on every (re)connect;
-- the check is what decides, the notification only makes it prompt.
--
-- De-duplication is recorded in the database, not by an advisory lock:
-- casework.alerts holds one row per (case, condition) that has been
-- alerted.  casework.alert_claim() inserts the rows of every case that
-- meets a condition and has no row yet, ON CONFLICT DO NOTHING, and
-- returns only what it inserted, grouped by queue and condition.  Two
-- staff processes that check at once insert the same keys: the second
-- waits on the first's uncommitted row and then skips it, so exactly one
-- of them gets each case and sends the messages.  Rows are inserted in
-- key order, so two checks cannot deadlock on each other.  The claim
-- commits before the messages go out: a process killed in between loses
-- that alert's command and mail (at most once), never sends it twice;
-- the console channel reads the rows and so never misses one.
--
-- What a row holds: a random id, the case and the condition -- no time
-- (DESIGN §1.2: the due hour is already on the case) and no sequence
-- (case ids are random so that order does not leak).  A row goes with its
-- case (ON DELETE CASCADE: purge and retention cover it).  A handler
-- reads the rows of her own queues' cases only (the policy defers to
-- casework.cases's); the claim is SECURITY DEFINER because it runs
-- without a session.  Any mp_staff connection may call it: such a
-- connection could swallow alerts by claiming them, but it is the staff
-- process's own role and can read every queue's counts anyway.

SET LOCAL ROLE mp_owner;

CREATE TABLE casework.alerts (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	case_id		uuid NOT NULL REFERENCES casework.cases
			    ON DELETE CASCADE,
	kind		text NOT NULL CHECK (kind IN ('arrival',
			    'half_deadline')),
	UNIQUE (case_id, kind)
);
REVOKE ALL ON casework.alerts FROM PUBLIC;

-- The urgent cases still waiting for a first contact: few at any time,
-- so the check reads a small partial index, not the queues.
CREATE INDEX cases_urgent_waiting ON casework.cases (id)
    WHERE first_response_due IS NOT NULL AND first_contact_on IS NULL
    AND state IN ('new', 'acknowledged', 'in_progress');

-- Record and return the alerts due at p_now (the staff process's deadline
-- clock, daemon/clock.c): per queue and condition the number of cases
-- newly alerted and the earliest stored due time, as RFC 3339 UTC text.
-- 'half_deadline': now >= first_response_due - interval / 2.  The due
-- time is rounded up to the hour (0052), so this fires no earlier than
-- half the promised interval after submission and at the latest half an
-- interval before the stored deadline.
CREATE FUNCTION casework.alert_claim(p_now timestamptz)
    RETURNS TABLE (queue text, kind text, n bigint, due text)
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	WITH fresh AS (
		INSERT INTO casework.alerts AS a (case_id, kind)
		SELECT c.id, k.kind
		FROM casework.cases c
		JOIN casework.queues q ON q.id = c.queue_id
		CROSS JOIN (VALUES ('arrival'), ('half_deadline')) AS k(kind)
		WHERE c.first_response_due IS NOT NULL
		AND c.first_contact_on IS NULL
		AND c.state IN ('new', 'acknowledged', 'in_progress')
		AND (k.kind = 'arrival' OR p_now >= c.first_response_due
		    - coalesce(q.first_response_interval, '1 hour') / 2)
		-- Cases alerted already are skipped before the insert (a
		-- probe of the unique index), so a check of a queue full of
		-- waiting cases writes nothing.
		AND NOT EXISTS (SELECT 1 FROM casework.alerts x
		    WHERE x.case_id = c.id AND x.kind = k.kind)
		ORDER BY c.id, k.kind
		ON CONFLICT (case_id, kind) DO NOTHING
		RETURNING a.case_id, a.kind)
	SELECT q.name::text, f.kind, count(*),
	    to_char(min(c.first_response_due) AT TIME ZONE 'UTC',
		'YYYY-MM-DD"T"HH24:MI:SS"Z"')
	FROM fresh f
	JOIN casework.cases c ON c.id = f.case_id
	JOIN casework.queues q ON q.id = c.queue_id
	GROUP BY q.name, f.kind
	ORDER BY 1, 2
    $$;
REVOKE ALL ON FUNCTION casework.alert_claim(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION casework.alert_claim(timestamptz) TO mp_staff;

-- NOTIFY with the queue id only: no case id, no time beyond the moment.
CREATE FUNCTION casework.alert_notify() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	PERFORM pg_catalog.pg_notify('meldpunt_alert', NEW.queue_id::text);
	RETURN NULL;
END
$$;

CREATE TRIGGER alert_notify AFTER INSERT
    OR UPDATE OF queue_id, first_response_due ON casework.cases
    FOR EACH ROW WHEN (NEW.first_response_due IS NOT NULL)
    EXECUTE FUNCTION casework.alert_notify();

-- The console's live channel (GET /v1/staff/alerts) reads the rows of
-- the cases the session may see: the same queues as casework.cases.
ALTER TABLE casework.alerts ENABLE ROW LEVEL SECURITY;
CREATE POLICY staff_queue ON casework.alerts FOR SELECT TO mp_staff
    USING (EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = alerts.case_id));
GRANT SELECT ON casework.alerts TO mp_staff;
