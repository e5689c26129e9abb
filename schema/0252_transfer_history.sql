-- 0252_transfer_history.sql: a transfer is part of the case history with
-- its reason, and the case read shows the whole history -- who did what,
-- when (issue 13; docs/staff-api.md "Case history").
--
-- casework.transfers: one row per transfer, written in the transaction
-- that moves the case: from and to which queue, by whom, when, whom the
-- case was assigned to before (a transfer clears the assignment) and the
-- reason, sealed under the case key like every staff free text
-- (docs/crypto.md §12.1, label "meldpunt-transfer-reason"), so it never
-- reaches the database, its WAL or its dumps in clear and is shredded
-- with the case.  Rows go with the case (ON DELETE CASCADE).
--
-- casework.case_history(case): the audit events about the case
-- (object 'case:<id>'), which already record every claim, release,
-- transition, note, message, referral, reclassification and transfer with
-- the actor and the time, for a session that may see the case.  Reads
-- (case.read) are left out: every opening of the case would fill the
-- list.  Details are passed on only where they name states or queues.

SET LOCAL ROLE mp_owner;

CREATE TABLE casework.transfers (
	id		bigserial PRIMARY KEY,
	case_id		uuid NOT NULL REFERENCES casework.cases ON DELETE CASCADE,
	from_queue	integer NOT NULL REFERENCES casework.queues,
	to_queue	integer NOT NULL REFERENCES casework.queues,
	by_user		integer REFERENCES casework.users ON DELETE SET NULL,
	assigned_before	integer REFERENCES casework.users ON DELETE SET NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	reason_sealed	bytea CHECK (octet_length(reason_sealed) <= 4096)
);
CREATE INDEX transfers_case ON casework.transfers (case_id);
REVOKE ALL ON casework.transfers FROM PUBLIC;
ALTER TABLE casework.transfers ENABLE ROW LEVEL SECURITY;
-- Like the other child tables: visible with the case (0006, 0040).
CREATE POLICY staff_case ON casework.transfers FOR SELECT TO mp_staff
    USING (case_id IN (SELECT id FROM casework.cases));
GRANT SELECT ON casework.transfers TO mp_staff;

-- The case history looks events up by object; reads, the bulk of a
-- case's events, stay out of the index as they stay out of the history.
CREATE INDEX events_case_history ON audit.events (object, id)
    WHERE object LIKE 'case:%' AND action <> 'case.read';

-- The transfer of 0006 plus its row in casework.transfers.
CREATE FUNCTION casework.case_transfer(p_case uuid, p_queue integer,
    p_key_id text, p_dek_enc bytea, p_dek_wrapped bytea, p_tk_enc bytea,
    p_tk_wrapped bytea, p_reason_sealed bytea) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid		integer := casework.require_case(p_case);
	v_from		integer;
	v_assigned	integer;
BEGIN
	IF p_reason_sealed IS NOT NULL AND
	    NOT casework.sealed_ok(p_reason_sealed, 4096) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed sealed reason';
	END IF;
	SELECT queue_id, assigned_to INTO v_from, v_assigned
	    FROM casework.cases WHERE id = p_case FOR UPDATE;
	PERFORM casework.case_transfer(p_case, p_queue, p_key_id, p_dek_enc,
	    p_dek_wrapped, p_tk_enc, p_tk_wrapped);
	INSERT INTO casework.transfers (case_id, from_queue, to_queue,
	    by_user, assigned_before, reason_sealed)
	    VALUES (p_case, v_from, p_queue, v_uid, v_assigned,
	    p_reason_sealed);
END
$$;

CREATE FUNCTION casework.case_history(p_case uuid)
    RETURNS TABLE (n bigint, at timestamptz, actor text, action text,
	details jsonb)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT e.id, e.at,
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
	    ELSE '{}'::jsonb END
	FROM audit.events e
	WHERE casework.session_case(p_case)
	AND e.object LIKE 'case:%' AND e.object = 'case:' || p_case
	AND e.action <> 'case.read'
	ORDER BY e.id
    $$;

REVOKE ALL ON FUNCTION casework.case_transfer(uuid, integer, text, bytea,
    bytea, bytea, bytea, bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION casework.case_history(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION casework.case_transfer(uuid, integer, text, bytea,
    bytea, bytea, bytea, bytea) TO mp_staff;
GRANT EXECUTE ON FUNCTION casework.case_history(uuid) TO mp_staff;
-- Every transfer goes through the one that records it.
REVOKE EXECUTE ON FUNCTION casework.case_transfer(uuid, integer, text, bytea,
    bytea, bytea, bytea) FROM mp_staff;
