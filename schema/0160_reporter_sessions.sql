-- 0160_reporter_sessions.sql: reporter sessions any public process can
-- serve.  The session itself is a token sealed under a key that the public
-- processes share (daemon/rsession.h); the database keeps only which
-- session is a receipt's live one, so that logout and a newer login end a
-- session on every process.
--
-- One row per receipt that has a live or recently expired session: the
-- SHA-256 of the session id (not the token, which cannot be rebuilt from
-- it) and the day after which the row is stale.  No time finer than a day
-- (DESIGN §1.2).  The row goes with its receipt when a case is purged.

SET LOCAL ROLE mp_owner;

CREATE TABLE casework.reporter_sessions (
	lookup_id	bytea PRIMARY KEY REFERENCES casework.receipts (lookup_id)
			    ON DELETE CASCADE,
	session_hash	bytea NOT NULL CHECK (octet_length(session_hash) = 32),
	stale_after	date NOT NULL
);
REVOKE ALL ON casework.reporter_sessions FROM PUBLIC;

-- Begin a session: only the holder of the receipt (lookup id and
-- verifier) can, and it replaces the receipt's previous session.  Token
-- lifetimes are at most a day (reporter_session_ttl_s), so rows older
-- than tomorrow are swept here.
CREATE FUNCTION casework.reporter_session_begin(p_lookup_id bytea,
    p_verifier bytea, p_session_hash bytea) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF casework.receipt_case(p_lookup_id, p_verifier) IS NULL THEN
		RAISE EXCEPTION 'no such receipt' USING ERRCODE = '28000';
	END IF;
	DELETE FROM casework.reporter_sessions
	    WHERE stale_after < current_date;
	INSERT INTO casework.reporter_sessions AS s
	    (lookup_id, session_hash, stale_after)
	    VALUES (p_lookup_id, p_session_hash, current_date + 1)
	    ON CONFLICT (lookup_id) DO UPDATE
	    SET session_hash = EXCLUDED.session_hash,
		stale_after = EXCLUDED.stale_after;
END
$$;

-- The first statement of every request made with a session: SQLSTATE
-- 28000 (and so an aborted transaction) unless it is still live.
CREATE FUNCTION casework.reporter_session_live(p_lookup_id bytea,
    p_verifier bytea, p_session_hash bytea) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM casework.reporter_sessions s
	    JOIN casework.receipts r USING (lookup_id)
	    WHERE s.lookup_id = p_lookup_id AND r.verifier = p_verifier
	    AND s.session_hash = p_session_hash) THEN
		RAISE EXCEPTION 'session ended' USING ERRCODE = '28000';
	END IF;
END
$$;

-- Logout: true when the live session ended, false when it was not live.
CREATE FUNCTION casework.reporter_session_end(p_lookup_id bytea,
    p_verifier bytea, p_session_hash bytea) RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	WITH gone AS (
		DELETE FROM casework.reporter_sessions s
		USING casework.receipts r
		WHERE s.lookup_id = p_lookup_id AND r.lookup_id = s.lookup_id
		AND r.verifier = p_verifier AND s.session_hash = p_session_hash
		RETURNING 1)
	SELECT EXISTS (SELECT 1 FROM gone)
    $$;

GRANT EXECUTE ON FUNCTION
    casework.reporter_session_begin(bytea, bytea, bytea),
    casework.reporter_session_live(bytea, bytea, bytea),
    casework.reporter_session_end(bytea, bytea, bytea)
    TO mp_public;
