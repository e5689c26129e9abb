-- 0054_retention.sql: retention profiles (issue 11 part 2; EU directive
-- 2019/1937 art. 18, DESIGN.md section 1.5).
--
-- A profile says how long a case in a state is kept: per category (NULL =
-- any) and state, counted from the day it was closed (closed_on), or from
-- received_on for a case never closed.  The most specific profile wins (a
-- category's own over the catch-all).  `meldctl retention run` purges the
-- cases whose time has come through casework.purge_case (case key first,
-- 0050), one transaction per case; statistics counters stay.  A purged
-- case's receipt lookup id is kept as a tombstone (no case id, no time), so
-- the reporter who comes back gets a clear "deleted" answer instead of
-- "wrong code".

SET LOCAL ROLE mp_owner;

CREATE TABLE casework.retention_profiles (
	id		serial PRIMARY KEY,
	category	text REFERENCES casework.categories,
	state		text NOT NULL REFERENCES casework.states,
	keep		interval NOT NULL CHECK (keep >= interval '1 day'),
	UNIQUE NULLS NOT DISTINCT (category, state)
);
-- Defaults: closed cases two years after closing; nothing else expires
-- until an administrator says so (meldctl retention set).
INSERT INTO casework.retention_profiles (category, state, keep)
    VALUES (NULL, 'closed', interval '2 years');

CREATE TABLE casework.receipt_tombstones (
	lookup_id	bytea PRIMARY KEY CHECK (octet_length(lookup_id) = 16)
);
ALTER TABLE casework.receipt_tombstones ENABLE ROW LEVEL SECURITY;

-- Cases whose profile says they are due on p_today (admin).
CREATE FUNCTION casework.retention_due(p_today date)
    RETURNS TABLE (case_id uuid, category text, state text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT c.id, c.category, c.state FROM casework.cases c
	JOIN LATERAL (SELECT p.keep FROM casework.retention_profiles p
	    WHERE p.state = c.state AND (p.category = c.category OR
		p.category IS NULL)
	    ORDER BY p.category IS NULL LIMIT 1) p ON true
	WHERE coalesce(c.closed_on, c.received_on) + p.keep < p_today
	ORDER BY c.id
    $$;

-- The reporter's receipt of a purged case (public): true for a tombstone.
CREATE FUNCTION casework.receipt_purged(p_lookup_id bytea) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT EXISTS (SELECT 1 FROM casework.receipt_tombstones t
	    WHERE t.lookup_id = p_lookup_id)
    $$;

-- purge_case (0050) now leaves the receipt's tombstone.
CREATE OR REPLACE FUNCTION casework.purge_case(p_actor text, p_case uuid,
    p_contact_link bytea) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM casework.cases WHERE id = p_case) THEN
		RETURN false;
	END IF;
	DELETE FROM casework.case_keys WHERE case_id = p_case;
	DELETE FROM intake.wraps WHERE case_id = p_case;
	INSERT INTO casework.receipt_tombstones (lookup_id)
	    SELECT r.lookup_id FROM casework.receipts r WHERE r.case_id = p_case
	    ON CONFLICT DO NOTHING;
	DELETE FROM casework.receipts WHERE case_id = p_case;
	IF p_contact_link IS NOT NULL THEN
		DELETE FROM identity.contacts WHERE link = p_contact_link;
	END IF;
	DELETE FROM intake.envelopes WHERE case_id = p_case;
	DELETE FROM casework.messages WHERE case_id = p_case;
	DELETE FROM casework.notes WHERE case_id = p_case;
	DELETE FROM casework.referrals WHERE case_id = p_case;
	DELETE FROM casework.transitions WHERE case_id = p_case;
	DELETE FROM casework.cases WHERE id = p_case;
	PERFORM audit.append('admin:' || p_actor, 'case.purge',
	    'case:' || p_case, '{}');
	RETURN true;
END
$$;

CREATE POLICY admin_all ON casework.retention_profiles TO mp_admin
    USING (true) WITH CHECK (true);
ALTER TABLE casework.retention_profiles ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON casework.retention_profiles
    TO mp_admin;
GRANT USAGE ON SEQUENCE casework.retention_profiles_id_seq TO mp_admin;
GRANT EXECUTE ON FUNCTION casework.retention_due(date) TO mp_admin;
GRANT EXECUTE ON FUNCTION casework.receipt_purged(bytea) TO mp_public;
