-- 0090_submissions.sql: idempotent submission (issue 14).
--
-- A reporter's client sends a random submission id with each report
-- (header Idempotency-Key, docs/reporter-api.md).  When the outcome of a
-- submission is unknown to the client (its connection dropped, or the
-- daemon answered 503 outcome_unknown because a statement was in flight
-- when a deadline passed), it sends the same body with the same id again;
-- the daemon must then answer with the receipt of the report that was
-- stored, not store a second one.
--
-- One row per submission, written in the SAME statement (so the same
-- transaction) as the report by intake.submit_report.  It holds nothing a
-- database thief can use without the submission id, which never reaches
-- the database:
--   lookup  HKDF(id; salt = server key)             -- finds the row
--   check   HMAC(HKDF(id), SHA-256(body))          -- same body?
--   sealed  AES-256-GCM(HKDF(id, SHA-256(body)), receipt)
-- plus the answer's clear dates, so that the replay is the same answer.
-- Rows expire after the daemon's submission_keep_s and are deleted by the
-- daemon's periodic intake.submission_expire(); an expired row is never
-- returned.  A row does not name its case.
--
-- SQLSTATE MP090: the lookup id is taken by a committed submission (the
-- caller replays it or answers 409); the whole transaction rolls back, so
-- no second case is stored.

SET LOCAL ROLE mp_owner;

CREATE TABLE intake.submissions (
	lookup			bytea PRIMARY KEY
	    CHECK (octet_length(lookup) = 32),
	body_check		bytea NOT NULL CHECK (octet_length(body_check) = 32),
	sealed			bytea NOT NULL CHECK (octet_length(sealed) <= 256),
	urgent			boolean NOT NULL,
	received_on		date NOT NULL,
	ack_due			date,
	feedback_due		date,
	first_response_due	timestamptz,
	ack_text_key		text NOT NULL,
	expires_at		timestamptz NOT NULL
);
CREATE INDEX submissions_expires ON intake.submissions (expires_at);
REVOKE ALL ON intake.submissions FROM PUBLIC;

-- Called in the select list of the submission statement, after
-- intake.submit_report() produced its row: ON CONFLICT waits for a
-- concurrent submission with the same id to finish, and when that one
-- committed this one fails (MP090) and rolls back with everything it
-- stored.
CREATE FUNCTION intake.submission_put(p_lookup bytea, p_check bytea,
    p_sealed bytea, p_keep_s integer, p_urgent boolean, p_received_on date,
    p_ack_due date, p_feedback_due date, p_first_response_due timestamptz,
    p_ack_text_key text)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF p_lookup IS NULL OR octet_length(p_lookup) <> 32
	    OR p_check IS NULL OR octet_length(p_check) <> 32
	    OR p_sealed IS NULL OR octet_length(p_sealed) > 256
	    OR p_keep_s IS NULL OR p_keep_s NOT BETWEEN 60 AND 604800 THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed submission record';
	END IF;
	INSERT INTO intake.submissions (lookup, body_check, sealed, urgent,
	    received_on, ack_due, feedback_due, first_response_due,
	    ack_text_key, expires_at)
	    VALUES (p_lookup, p_check, p_sealed, p_urgent, p_received_on,
	    p_ack_due, p_feedback_due, p_first_response_due, p_ack_text_key,
	    now() + make_interval(secs => p_keep_s))
	    ON CONFLICT (lookup) DO NOTHING;
	IF NOT FOUND THEN
		-- An expired row may still sit there: replace it.
		DELETE FROM intake.submissions s
		    WHERE s.lookup = p_lookup AND s.expires_at <= now();
		IF NOT FOUND THEN
			RAISE EXCEPTION USING ERRCODE = 'MP090',
			    MESSAGE = 'submission id already used';
		END IF;
		INSERT INTO intake.submissions (lookup, body_check, sealed,
		    urgent, received_on, ack_due, feedback_due,
		    first_response_due, ack_text_key, expires_at)
		    VALUES (p_lookup, p_check, p_sealed, p_urgent,
		    p_received_on, p_ack_due, p_feedback_due,
		    p_first_response_due, p_ack_text_key,
		    now() + make_interval(secs => p_keep_s));
	END IF;
	RETURN true;
END
$$;

-- The record of a live submission, or no row.
CREATE FUNCTION intake.submission_get(p_lookup bytea)
    RETURNS TABLE (body_check bytea, sealed bytea, urgent boolean,
	received_on date, ack_due date, feedback_due date,
	first_response_due timestamptz, ack_text_key text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT s.body_check, s.sealed, s.urgent, s.received_on, s.ack_due,
	    s.feedback_due, s.first_response_due, s.ack_text_key
	FROM intake.submissions s
	WHERE s.lookup = p_lookup AND s.expires_at > now()
    $$;

-- Erase what has outlived its time; returns how many rows went.
CREATE FUNCTION intake.submission_expire()
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_n	integer;
BEGIN
	DELETE FROM intake.submissions s WHERE s.expires_at <= now();
	GET DIAGNOSTICS v_n = ROW_COUNT;
	RETURN v_n;
END
$$;

REVOKE ALL ON FUNCTION intake.submission_put(bytea, bytea, bytea, integer,
    boolean, date, date, date, timestamptz, text),
    intake.submission_get(bytea), intake.submission_expire() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION intake.submission_put(bytea, bytea, bytea, integer,
    boolean, date, date, date, timestamptz, text),
    intake.submission_get(bytea), intake.submission_expire() TO mp_public;
