-- 0042_identity_disclosure.sql: identity disclosure (DESIGN.md section 4,
-- "Identity vault"; EU directive 2019/1937 art. 16(3)).
--
-- A handler who can see a case records a request with a reason; a privacy
-- officer other than the requester approves or refuses it; approval puts a
-- system message ('identity.disclosure') into the case thread in the same
-- transaction, so the reporter is told before anyone can read the contact
-- details; only then may an officer fetch the sealed contact row.  The
-- officer's staff session opens it with the identity private key and
-- computes the link with the contact-link key, both wrapped to her public
-- key by `meldctl officer grant` (identity.officer_wraps; docs/crypto.md
-- section 9).  Every step is audited.  Handlers still see only
-- cases.contact_given.
--
-- The functions live in casework (mp_staff has no USAGE on identity) and
-- are SECURITY DEFINER with a pinned search_path; errors never echo a
-- parameter.  SQLSTATEs: MP020 no session / no such case or request (404),
-- MP022 not allowed for this user (403), MP023 request in the wrong state
-- (409), MP005 malformed arguments.

SET LOCAL ROLE mp_owner;

CREATE TABLE identity.requests (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id		uuid NOT NULL REFERENCES casework.cases ON DELETE CASCADE,
	requested_by	integer REFERENCES casework.users ON DELETE SET NULL,
	reason		text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
	requested_at	timestamptz NOT NULL DEFAULT now(),
	status		text NOT NULL DEFAULT 'pending'
	    CHECK (status IN ('pending', 'approved', 'refused')),
	decided_by	integer REFERENCES casework.users ON DELETE SET NULL,
	decided_at	timestamptz,
	reporter_notified_on date,
	CHECK ((status = 'pending') = (decided_at IS NULL)),
	CHECK (status <> 'approved' OR reporter_notified_on IS NOT NULL)
);
CREATE INDEX requests_case ON identity.requests (case_id);
CREATE INDEX requests_pending ON identity.requests (id)
    WHERE status = 'pending';

-- The identity private key and the contact-link key, HPKE-wrapped to an
-- officer's public key.  One of each per officer (a new grant replaces).
CREATE TABLE identity.officer_wraps (
	user_id		integer NOT NULL REFERENCES casework.users
	    ON DELETE CASCADE,
	purpose		text NOT NULL
	    CHECK (purpose IN ('identity', 'contact_link')),
	key_id		casework.keyid NOT NULL REFERENCES identity.keys,
	enc		bytea NOT NULL CHECK (octet_length(enc) <= 256),
	wrapped		bytea NOT NULL CHECK (octet_length(wrapped) = 48),
	PRIMARY KEY (user_id, purpose)
);

ALTER TABLE identity.requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE identity.officer_wraps ENABLE ROW LEVEL SECURITY;

-- meldctl officer grant: writes the wraps (delete + insert, as for
-- queue_key_wraps); no other login role touches either table directly.
GRANT SELECT, INSERT, DELETE ON identity.officer_wraps TO mp_admin;
CREATE POLICY admin_all ON identity.officer_wraps TO mp_admin
    USING (true) WITH CHECK (true);

-- The session user's kind, or NULL without a live session.
CREATE FUNCTION casework.identity_officer() RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.session_user_id();
	v_kind	text;
BEGIN
	IF v_uid IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no such case in this session';
	END IF;
	SELECT u.kind INTO v_kind FROM casework.users u WHERE u.id = v_uid;
	IF v_kind IS DISTINCT FROM 'officer' THEN
		RAISE EXCEPTION USING ERRCODE = 'MP022',
		    MESSAGE = 'privacy officers only';
	END IF;
	RETURN v_uid;
END
$$;

-- A handler (or officer) who can see the case asks for the reporter's
-- identity.  Returns the request id.
CREATE FUNCTION casework.identity_request(p_case uuid, p_reason text)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
	v_kind	text;
	v_given	boolean;
	v_id	bigint;
BEGIN
	SELECT u.kind INTO v_kind FROM casework.users u WHERE u.id = v_uid;
	IF v_kind NOT IN ('handler', 'officer') THEN
		RAISE EXCEPTION USING ERRCODE = 'MP022',
		    MESSAGE = 'case workers only';
	END IF;
	IF p_reason IS NULL OR length(btrim(p_reason)) = 0 OR
	    length(p_reason) > 2000 THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'a reason of 1 to 2000 characters is required';
	END IF;
	SELECT c.contact_given INTO v_given FROM casework.cases c
	    WHERE c.id = p_case;
	IF NOT coalesce(v_given, false) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP023',
		    MESSAGE = 'the reporter gave no contact details';
	END IF;
	INSERT INTO identity.requests (case_id, requested_by, reason)
	    VALUES (p_case, v_uid, p_reason) RETURNING id INTO v_id;
	PERFORM audit.append('user:' || v_uid, 'identity.request',
	    'case:' || p_case, pg_catalog.jsonb_build_object('request', v_id));
	RETURN v_id;
END
$$;

-- Officers: every request (the API lists the pending ones).
CREATE FUNCTION casework.identity_requests()
    RETURNS TABLE (id bigint, case_id uuid, requested_by text, reason text,
	requested_at timestamptz, status text, decided_by text,
	decided_at timestamptz, reporter_notified_on date)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	PERFORM casework.identity_officer();
	RETURN QUERY SELECT r.id, r.case_id, ru.username, r.reason,
	    r.requested_at, r.status, du.username, r.decided_at,
	    r.reporter_notified_on
	    FROM identity.requests r
	    LEFT JOIN casework.users ru ON ru.id = r.requested_by
	    LEFT JOIN casework.users du ON du.id = r.decided_by
	    ORDER BY r.id;
END
$$;

-- An officer approves or refuses a pending request that is not her own.
-- Approval first tells the reporter (a system message in the case thread,
-- rendered in the reporter's language by the inbox), in this transaction.
CREATE FUNCTION casework.identity_decide(p_request bigint, p_approve boolean)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.identity_officer();
	v_req	identity.requests%ROWTYPE;
	v_seq	integer;
	v_new	text;
BEGIN
	IF p_approve IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'approve must be true or false';
	END IF;
	SELECT * INTO v_req FROM identity.requests r WHERE r.id = p_request
	    FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no such request';
	END IF;
	IF v_req.requested_by = v_uid THEN
		RAISE EXCEPTION USING ERRCODE = 'MP022',
		    MESSAGE = 'an officer cannot decide her own request';
	END IF;
	IF v_req.status <> 'pending' THEN
		RAISE EXCEPTION USING ERRCODE = 'MP023',
		    MESSAGE = 'the request was already decided';
	END IF;
	v_new := CASE WHEN p_approve THEN 'approved' ELSE 'refused' END;
	IF p_approve THEN
		PERFORM 1 FROM casework.cases c WHERE c.id = v_req.case_id
		    FOR UPDATE;
		SELECT coalesce(max(m.seq), 0) + 1 INTO v_seq
		    FROM casework.messages m WHERE m.case_id = v_req.case_id;
		INSERT INTO casework.messages (case_id, seq, direction, sent_on,
		    text_key) VALUES (v_req.case_id, v_seq, 'system',
		    current_date, 'identity.disclosure');
	END IF;
	UPDATE identity.requests r SET status = v_new, decided_by = v_uid,
	    decided_at = pg_catalog.now(),
	    reporter_notified_on = CASE WHEN p_approve THEN current_date END
	    WHERE r.id = p_request;
	PERFORM audit.append('user:' || v_uid,
	    CASE WHEN p_approve THEN 'identity.approve'
	    ELSE 'identity.refuse' END, 'case:' || v_req.case_id,
	    pg_catalog.jsonb_build_object('request', p_request));
	RETURN v_new;
END
$$;

-- An officer fetches the sealed contact row of an approved request whose
-- reporter has been told.  p_link = HMAC-SHA256(contact-link key, case id),
-- computed by her session; the database cannot check it (it holds no key),
-- so the staff daemon computes it from the request's own case id.
CREATE FUNCTION casework.identity_contact(p_request bigint, p_link bytea)
    RETURNS TABLE (key_id text, enc bytea, ciphertext bytea)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.identity_officer();
	v_req	identity.requests%ROWTYPE;
BEGIN
	SELECT * INTO v_req FROM identity.requests r WHERE r.id = p_request;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no such request';
	END IF;
	IF v_req.status <> 'approved' OR v_req.reporter_notified_on IS NULL
	    THEN
		RAISE EXCEPTION USING ERRCODE = 'MP023',
		    MESSAGE = 'the request is not approved';
	END IF;
	IF p_link IS NULL OR octet_length(p_link) <> 32 OR NOT EXISTS (
	    SELECT 1 FROM identity.contacts c WHERE c.link = p_link) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no contact details for this request';
	END IF;
	PERFORM audit.append('user:' || v_uid, 'identity.contact_read',
	    'case:' || v_req.case_id,
	    pg_catalog.jsonb_build_object('request', p_request));
	RETURN QUERY SELECT c.key_id::text, c.enc, c.ciphertext
	    FROM identity.contacts c WHERE c.link = p_link;
END
$$;

-- The session user's own identity / contact-link wraps (officers only get
-- rows; anyone else gets none).  Read at login.
CREATE FUNCTION casework.identity_wraps()
    RETURNS TABLE (purpose text, key_id text, enc bytea, wrapped bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT w.purpose, w.key_id::text, w.enc, w.wrapped
	FROM identity.officer_wraps w JOIN casework.users u ON u.id = w.user_id
	WHERE w.user_id = casework.session_user_id() AND u.kind = 'officer'
	ORDER BY w.purpose
    $$;

-- identity_officer() is internal: granted to no login role.
GRANT EXECUTE ON FUNCTION casework.identity_request(uuid, text),
    casework.identity_requests(), casework.identity_decide(bigint, boolean),
    casework.identity_contact(bigint, bytea), casework.identity_wraps()
    TO mp_staff;
