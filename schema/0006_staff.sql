-- 0006_staff.sql: staff login, sessions, row-level security and the staff
-- functions (mp_staff).
--
-- RLS is keyed on a secret.  Every staff transaction first runs
--   SELECT set_config('meldpunt.session', $1, true)
-- with $1 the lowercase hex SHA-256 of the caller's bearer token, passed
-- as a parameter (never spliced into the query text, which other mp_staff
-- backends can see in pg_stat_activity).  casework.session_user_id() turns
-- that into a user only when a live, unexpired session of a non-disabled
-- user has that hash; the policies admit a case only when that user is a
-- member of its queue.  A made-up or missing value yields NULL, and so no
-- rows.  mp_staff cannot read casework.sessions, nor the secret columns of
-- casework.users, so it cannot find a valid value to set.
--
-- Login never hands out something that can be attacked offline before the
-- password is proven: login_salt() gives salt and Argon2id parameters,
-- login_check() wants the proof derived from Argon2id's output before it
-- returns the sealed private key and TOTP secret, and session_create()
-- checks the proof again and refuses a TOTP step not above the last one
-- used (replay).  The TOTP code itself is checked by the staff process,
-- which alone can unseal the TOTP secret.

SET LOCAL ROLE mp_owner;

CREATE FUNCTION casework.session_user_id() RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_hex	text := pg_catalog.current_setting('meldpunt.session', true);
	v_uid	integer;
BEGIN
	IF v_hex IS NULL OR v_hex !~ '^[0-9a-f]{64}$' THEN
		RETURN NULL;
	END IF;
	SELECT s.user_id INTO v_uid
	    FROM casework.sessions s JOIN casework.users u ON u.id = s.user_id
	    WHERE s.token_hash = pg_catalog.decode(v_hex, 'hex')
	    AND s.expires_at > pg_catalog.now()
	    AND s.last_seen_at + s.idle_timeout > pg_catalog.now()
	    AND NOT u.disabled;
	RETURN v_uid;
END
$$;

-- Queues of the session's user; empty without a live session.  Used by the
-- policies as an InitPlan, so it runs once per statement, not per row.
CREATE FUNCTION casework.session_queues() RETURNS integer[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT coalesce(pg_catalog.array_agg(m.queue_id), '{}')
	FROM casework.queue_members m
	WHERE m.user_id = casework.session_user_id()
    $$;

-- True when the session's user may work on the case.  Internal helper for
-- the staff functions below (they bypass RLS, so they check explicitly).
CREATE FUNCTION casework.session_case(p_case uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT EXISTS (SELECT 1 FROM casework.cases c
	    WHERE c.id = p_case
	    AND c.queue_id = ANY (casework.session_queues()))
    $$;

-- Raise MP020 unless there is a session and it may see the case.  Both
-- "no such case" and "not yours" give the same error (issue 6: 404).
CREATE FUNCTION casework.require_case(p_case uuid) RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.session_user_id();
BEGIN
	IF v_uid IS NULL OR NOT casework.session_case(p_case) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no such case in this session';
	END IF;
	RETURN v_uid;
END
$$;

-- ---------------------------------------------------------------- login

CREATE FUNCTION casework.login_salt(p_username text)
    RETURNS TABLE (pw_salt bytea, pw_m_kib integer, pw_t integer,
	pw_p integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT u.pw_salt, u.pw_m_kib, u.pw_t, u.pw_p FROM casework.users u
	WHERE u.username = p_username
    $$;

-- Count a failure and set the backoff: 2^failures seconds, at most 15
-- minutes.  Also called by the daemon when the TOTP code was wrong.
CREATE FUNCTION casework.login_failed(p_username text) RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_until	timestamptz;
	v_uid	integer;
BEGIN
	UPDATE casework.users u SET failures = u.failures + 1,
	    backoff_until = pg_catalog.now() + pg_catalog.make_interval(
		secs => least(900, 2 ^ least(u.failures + 1, 10)))
	    WHERE u.username = p_username
	    RETURNING u.backoff_until, u.id INTO v_until, v_uid;
	IF v_uid IS NOT NULL THEN
		PERFORM audit.append('user:' || v_uid, 'login.failed', '',
		    '{}');
	END IF;
	RETURN v_until;
END
$$;

-- Internal: 'ok', 'denied' (unknown, disabled or wrong proof) or
-- 'backoff'.  A wrong proof is counted as a failure.
CREATE FUNCTION casework.login_proof(p_username text, p_proof bytea)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_user	casework.users%ROWTYPE;
BEGIN
	SELECT * INTO v_user FROM casework.users u
	    WHERE u.username = p_username FOR UPDATE;
	IF NOT FOUND OR v_user.disabled THEN
		RETURN 'denied';
	END IF;
	IF v_user.backoff_until > pg_catalog.now() THEN
		RETURN 'backoff';
	END IF;
	IF p_proof IS NULL
	    OR pg_catalog.sha256(p_proof) <> v_user.pw_verifier THEN
		PERFORM casework.login_failed(p_username);
		RETURN 'denied';
	END IF;
	RETURN 'ok';
END
$$;

-- Step two: after the password proof, the material to check the TOTP code
-- and to unseal the handler's private key.
CREATE FUNCTION casework.login_check(p_username text, p_proof bytea)
    RETURNS TABLE (status text, user_id integer, kind text,
	totp_secret bytea, totp_last_step bigint, kem_id integer,
	public_key bytea, sealed_private_key bytea)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
	v_status text := casework.login_proof(p_username, p_proof);
BEGIN
	IF v_status <> 'ok' THEN
		RETURN QUERY SELECT v_status, NULL::integer, NULL::text,
		    NULL::bytea, NULL::bigint, NULL::integer, NULL::bytea,
		    NULL::bytea;
		RETURN;
	END IF;
	RETURN QUERY SELECT v_status, u.id, u.kind, u.totp_secret,
	    u.totp_last_step, u.kem_id, u.public_key, u.sealed_private_key
	    FROM casework.users u WHERE u.username = p_username;
END
$$;

-- Step three: the TOTP code was right for p_totp_step.  Returns 'ok',
-- 'denied', 'backoff' or 'replay' (a step not above the last used one;
-- counted as a failure).  The token hash is SHA-256 of the 256-bit token.
CREATE FUNCTION casework.session_create(p_username text, p_proof bytea,
    p_totp_step bigint, p_token_hash bytea, p_idle interval,
    p_absolute interval) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_status text := casework.login_proof(p_username, p_proof);
	v_uid	integer;
	v_last	bigint;
BEGIN
	IF v_status <> 'ok' THEN
		RETURN v_status;
	END IF;
	IF p_idle IS NULL OR p_absolute IS NULL OR p_idle <= '0'
	    OR p_absolute <= '0' OR p_absolute > '24 hours' THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'session lifetimes missing or out of range';
	END IF;
	SELECT u.id, u.totp_last_step INTO v_uid, v_last
	    FROM casework.users u WHERE u.username = p_username;
	IF p_totp_step IS NULL OR p_totp_step <= v_last THEN
		PERFORM casework.login_failed(p_username);
		PERFORM audit.append('user:' || v_uid, 'login.totp_replay',
		    '', '{}');
		RETURN 'replay';
	END IF;
	UPDATE casework.users SET totp_last_step = p_totp_step, failures = 0,
	    backoff_until = NULL WHERE id = v_uid;
	DELETE FROM casework.sessions s WHERE s.user_id = v_uid
	    AND (s.expires_at <= pg_catalog.now()
	    OR s.last_seen_at + s.idle_timeout <= pg_catalog.now());
	INSERT INTO casework.sessions (token_hash, user_id, idle_timeout,
	    expires_at) VALUES (p_token_hash, v_uid, p_idle,
	    pg_catalog.now() + p_absolute);
	PERFORM audit.append('user:' || v_uid, 'login', '', '{}');
	RETURN 'ok';
END
$$;

-- Bearer check on each request: the user when the session is live (and
-- its idle clock restarted), else no row.
CREATE FUNCTION casework.session_touch(p_token_hash bytea)
    RETURNS TABLE (user_id integer, username text, kind text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY WITH t AS (UPDATE casework.sessions s
	    SET last_seen_at = pg_catalog.now()
	    FROM casework.users u
	    WHERE s.token_hash = p_token_hash AND u.id = s.user_id
	    AND NOT u.disabled AND s.expires_at > pg_catalog.now()
	    AND s.last_seen_at + s.idle_timeout > pg_catalog.now()
	    RETURNING u.id, u.username, u.kind) SELECT * FROM t;
END
$$;

CREATE FUNCTION casework.session_end(p_token_hash bytea) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer;
BEGIN
	DELETE FROM casework.sessions s WHERE s.token_hash = p_token_hash
	    RETURNING s.user_id INTO v_uid;
	IF v_uid IS NULL THEN
		RETURN false;
	END IF;
	PERFORM audit.append('user:' || v_uid, 'logout', '', '{}');
	RETURN true;
END
$$;

-- ---------------------------------------------------------------- cases

-- Staff audit events take the actor from the session, so a staff process
-- cannot write events in someone else's name.
CREATE FUNCTION audit.staff_event(p_action text, p_object text,
    p_details jsonb) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.session_user_id();
BEGIN
	IF v_uid IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no live session';
	END IF;
	RETURN audit.append('user:' || v_uid, p_action, p_object, p_details);
END
$$;

-- Claim (p_claim) or release a case.
CREATE FUNCTION casework.case_assign(p_case uuid, p_claim boolean)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
BEGIN
	UPDATE casework.cases SET assigned_to =
	    CASE WHEN p_claim THEN v_uid ELSE NULL END WHERE id = p_case;
	PERFORM audit.append('user:' || v_uid,
	    CASE WHEN p_claim THEN 'case.claim' ELSE 'case.release' END,
	    'case:' || p_case, '{}');
END
$$;

-- A state change along casework.state_transitions.  Entering 'closed'
-- moves the statistics cell to outcome = the state closed from; reopening
-- moves it back to no outcome.  Returns the new state.
CREATE FUNCTION casework.case_transition(p_case uuid, p_to text,
    p_reason text) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
	c	casework.cases%ROWTYPE;
	v_out	text;
BEGIN
	SELECT * INTO c FROM casework.cases WHERE id = p_case FOR UPDATE;
	IF NOT EXISTS (SELECT 1 FROM casework.state_transitions t
	    WHERE t.from_state = c.state AND t.to_state = p_to) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP021',
		    MESSAGE = 'transition not allowed from the current state';
	END IF;
	v_out := CASE WHEN p_to = 'closed' THEN c.state
	    WHEN c.state = 'closed' THEN '' ELSE c.outcome END;
	IF v_out <> c.outcome THEN
		PERFORM stats.counter_move(c.received_on, c.category,
		    c.subtype, c.province, c.ground, c.sector, c.outcome,
		    c.category, c.subtype, c.province, c.ground, c.sector,
		    v_out);
	END IF;
	UPDATE casework.cases SET state = p_to, outcome = v_out,
	    first_contact_on = CASE WHEN p_to = 'acknowledged'
		THEN coalesce(first_contact_on, current_date)
		ELSE first_contact_on END,
	    closed_on = CASE WHEN p_to = 'closed' THEN current_date END
	    WHERE id = p_case;
	INSERT INTO casework.transitions (case_id, from_state, to_state,
	    reason, by_user) VALUES (p_case, c.state, p_to,
	    coalesce(p_reason, ''), v_uid);
	PERFORM audit.append('user:' || v_uid, 'case.transition',
	    'case:' || p_case, pg_catalog.jsonb_build_object('from', c.state,
	    'to', p_to));
	RETURN p_to;
END
$$;

-- Correct the clear classification; the statistics move with it.
CREATE FUNCTION casework.case_reclassify(p_case uuid, p_subtype text,
    p_province text, p_ground text, p_sector text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
	c	casework.cases%ROWTYPE;
BEGIN
	SELECT * INTO c FROM casework.cases WHERE id = p_case FOR UPDATE;
	PERFORM stats.counter_move(c.received_on, c.category, c.subtype,
	    c.province, c.ground, c.sector, c.outcome, c.category,
	    coalesce(p_subtype, ''), coalesce(p_province, ''),
	    coalesce(p_ground, ''), coalesce(p_sector, ''), c.outcome);
	UPDATE casework.cases SET subtype = coalesce(p_subtype, ''),
	    province = coalesce(p_province, ''),
	    ground = coalesce(p_ground, ''), sector = coalesce(p_sector, '')
	    WHERE id = p_case;
	PERFORM audit.append('user:' || v_uid, 'case.reclassify',
	    'case:' || p_case, '{}');
END
$$;

-- Move a case to another queue.  The caller re-wrapped the DEK and the
-- thread key to the target queue's current key inside its session; the
-- old queue wrap is deleted (the recovery wrap stays).
CREATE FUNCTION casework.case_transfer(p_case uuid, p_queue integer,
    p_key_id text, p_dek_enc bytea, p_dek_wrapped bytea, p_tk_enc bytea,
    p_tk_wrapped bytea) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
	v_from	integer;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM casework.queue_keys k
	    WHERE k.queue_id = p_queue AND k.key_id = p_key_id
	    AND k.current) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP003',
		    MESSAGE = 'not the target queue''s current key';
	END IF;
	SELECT queue_id INTO v_from FROM casework.cases WHERE id = p_case
	    FOR UPDATE;
	DELETE FROM intake.wraps WHERE case_id = p_case AND kind = 'queue';
	INSERT INTO intake.wraps (case_id, key_id, kind, enc, wrapped_dek)
	    VALUES (p_case, p_key_id, 'queue', p_dek_enc, p_dek_wrapped);
	UPDATE casework.cases SET queue_id = p_queue, assigned_to = NULL,
	    thread_key_id = p_key_id, thread_key_enc = p_tk_enc,
	    thread_key_wrapped = p_tk_wrapped WHERE id = p_case;
	PERFORM audit.append('user:' || v_uid, 'case.transfer',
	    'case:' || p_case, pg_catalog.jsonb_build_object('from', v_from,
	    'to', p_queue));
END
$$;

-- Handler message to the reporter, sealed under the thread key.
CREATE FUNCTION casework.message_send(p_case uuid, p_body bytea)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
	v_seq	integer;
BEGIN
	PERFORM 1 FROM casework.cases WHERE id = p_case FOR UPDATE;
	SELECT coalesce(max(seq), 0) + 1 INTO v_seq FROM casework.messages
	    WHERE case_id = p_case;
	INSERT INTO casework.messages (case_id, seq, direction, sent_on,
	    author_id, body) VALUES (p_case, v_seq, 'handler', current_date,
	    v_uid, p_body);
	UPDATE casework.cases SET first_contact_on =
	    coalesce(first_contact_on, current_date) WHERE id = p_case;
	PERFORM audit.append('user:' || v_uid, 'message.send',
	    'case:' || p_case, '{}');
	RETURN v_seq;
END
$$;

CREATE FUNCTION casework.note_add(p_case uuid, p_body bytea) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
	v_id	bigint;
BEGIN
	INSERT INTO casework.notes (case_id, author_id, body)
	    VALUES (p_case, v_uid, p_body) RETURNING id INTO v_id;
	PERFORM audit.append('user:' || v_uid, 'note.add', 'case:' || p_case,
	    '{}');
	RETURN v_id;
END
$$;

CREATE FUNCTION casework.referral_add(p_case uuid, p_organisation text,
    p_referred_on date, p_reference text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
	v_id	bigint;
BEGIN
	INSERT INTO casework.referrals (case_id, organisation, referred_on,
	    reference, by_user) VALUES (p_case, p_organisation,
	    p_referred_on, coalesce(p_reference, ''), v_uid)
	    RETURNING id INTO v_id;
	PERFORM audit.append('user:' || v_uid, 'case.referral',
	    'case:' || p_case, '{}');
	RETURN v_id;
END
$$;

-- ---------------------------------------------------------------- RLS

ALTER TABLE casework.cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.transitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.referrals ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.queue_key_wraps ENABLE ROW LEVEL SECURITY;
ALTER TABLE intake.envelopes ENABLE ROW LEVEL SECURITY;
ALTER TABLE intake.wraps ENABLE ROW LEVEL SECURITY;
-- No login role has a grant on these; RLS without a policy is a second
-- wall should a grant ever be added by mistake.
ALTER TABLE casework.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.receipts ENABLE ROW LEVEL SECURITY;
ALTER TABLE identity.contacts ENABLE ROW LEVEL SECURITY;

CREATE POLICY staff_queue ON casework.cases FOR SELECT TO mp_staff
    USING (queue_id = ANY ((SELECT casework.session_queues())::integer[]));
-- Child tables follow the case: the subquery on cases is itself filtered
-- by the policy above.
CREATE POLICY staff_case ON casework.transitions FOR SELECT TO mp_staff
    USING (case_id IN (SELECT id FROM casework.cases));
CREATE POLICY staff_case ON casework.notes FOR SELECT TO mp_staff
    USING (case_id IN (SELECT id FROM casework.cases));
CREATE POLICY staff_case ON casework.messages FOR SELECT TO mp_staff
    USING (case_id IN (SELECT id FROM casework.cases));
CREATE POLICY staff_case ON casework.referrals FOR SELECT TO mp_staff
    USING (case_id IN (SELECT id FROM casework.cases));
CREATE POLICY staff_case ON intake.envelopes FOR SELECT TO mp_staff
    USING (case_id IN (SELECT id FROM casework.cases));
CREATE POLICY staff_case ON intake.wraps FOR SELECT TO mp_staff
    USING (case_id IN (SELECT id FROM casework.cases));
CREATE POLICY staff_own ON casework.queue_key_wraps FOR SELECT TO mp_staff
    USING (user_id = (SELECT casework.session_user_id()));

-- ---------------------------------------------------------------- grants

GRANT USAGE ON SCHEMA casework, intake, audit TO mp_staff;
-- Reference data, not secret.
GRANT SELECT ON casework.categories, casework.states,
    casework.state_transitions, casework.queues, casework.routing_rules,
    casework.queue_members TO mp_staff;
-- Public halves only; the recovery-wrapped private key stays out.
GRANT SELECT (key_id, queue_id, kem_id, kdf_id, aead_id, public_key,
    created_on, current) ON casework.queue_keys TO mp_staff;
-- Names and public keys of colleagues; never verifiers, sealed keys, TOTP.
GRANT SELECT (id, username, kind, kem_id, public_key, disabled)
    ON casework.users TO mp_staff;
-- Case data through RLS.  No grant covers casework.receipts (with a
-- receipt's lookup id and verifier anyone could act as the reporter).
GRANT SELECT ON casework.cases, casework.transitions, casework.notes,
    casework.messages, casework.referrals, casework.queue_key_wraps,
    intake.envelopes, intake.wraps TO mp_staff;
GRANT EXECUTE ON FUNCTION
    casework.session_user_id(), casework.session_queues(),
    casework.login_salt(text), casework.login_check(text, bytea),
    casework.login_failed(text),
    casework.session_create(text, bytea, bigint, bytea, interval, interval),
    casework.session_touch(bytea), casework.session_end(bytea),
    casework.case_assign(uuid, boolean),
    casework.case_transition(uuid, text, text),
    casework.case_reclassify(uuid, text, text, text, text),
    casework.case_transfer(uuid, integer, text, bytea, bytea, bytea, bytea),
    casework.message_send(uuid, bytea), casework.note_add(uuid, bytea),
    casework.referral_add(uuid, text, date, text),
    audit.staff_event(text, text, jsonb)
    TO mp_staff;
