-- 0010_reporter_case_id.sql: casework.reporter_case() also returns the
-- case id.
--
-- The public process needs the case id after a receipt login: the
-- reporter's copy of the thread key is sealed with the case id as its
-- associated data, and every thread message with "meldpunt-thread" ||
-- case id as its context (docs/crypto.md section 7).  The id is no secret
-- from the public process (it draws it at submission) and the credential
-- (lookup id, verifier) still gates it.  Same arguments, so the grant
-- list of mp_public is unchanged; the new column is the last one.

SET LOCAL ROLE mp_owner;

DROP FUNCTION casework.reporter_case(bytea, bytea);

CREATE FUNCTION casework.reporter_case(p_lookup_id bytea, p_verifier bytea)
    RETURNS TABLE (state text, category text, urgent boolean,
	received_on date, ack_due date, acknowledged_on date,
	feedback_due date, first_response_due timestamptz,
	thread_key_sealed bytea, case_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT c.state, c.category::text, c.urgent, c.received_on, c.ack_due,
	    c.acknowledged_on, c.feedback_due, c.first_response_due,
	    r.thread_key_sealed, c.id
	FROM casework.receipts r JOIN casework.cases c ON c.id = r.case_id
	WHERE r.lookup_id = p_lookup_id AND r.verifier = p_verifier
    $$;

REVOKE ALL ON FUNCTION casework.reporter_case(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION casework.reporter_case(bytea, bytea) TO mp_public;
