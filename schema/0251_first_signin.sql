-- 0251_first_signin.sql: the first sign-in replaces what the administrator
-- saw (issue 15 "first sign-in forces a password change", issue 13 "TOTP
-- enrolment with a QR code"; docs/staff-api.md "First sign-in").
--
-- `meldctl user add` prints (or is given) the password and prints the
-- TOTP secret: both pass through the administrator's hands and terminal.
-- Until the user has chosen her own password and enrolled a TOTP secret
-- that only her authenticator app holds, her session may do nothing but
-- those two steps.  The daemon answers every other staff endpoint 403
-- (daemon/ssession.c); here, as a second line, session_queues() is empty
-- for such a user, so that every row-level security policy on case data
-- hides every case from her session even if a statement reached the
-- database.
--
-- `meldctl user reset-password` sets pw_change_due and `user reset-totp`
-- totp_enrol_due again: the administrator saw the new one.

SET LOCAL ROLE mp_owner;

ALTER TABLE casework.users
    ADD COLUMN pw_change_due boolean NOT NULL DEFAULT false,
    ADD COLUMN totp_enrol_due boolean NOT NULL DEFAULT false;

-- The session's pending first-sign-in steps (no row without a session).
CREATE FUNCTION casework.session_setup()
    RETURNS TABLE (password boolean, totp boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT u.pw_change_due, u.totp_enrol_due FROM casework.users u
	WHERE u.id = casework.session_user_id()
    $$;

-- As in 0006, but no queue at all while a first-sign-in step is due.
CREATE OR REPLACE FUNCTION casework.session_queues() RETURNS integer[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT coalesce(pg_catalog.array_agg(m.queue_id), '{}')
	FROM casework.queue_members m JOIN casework.users u ON u.id = m.user_id
	WHERE m.user_id = casework.session_user_id()
	AND NOT u.pw_change_due AND NOT u.totp_enrol_due
    $$;

-- Enrol a new TOTP secret, sealed by the staff process under the
-- totp-seal key after the user showed a code of it (p_step, that code's
-- time step).  Only while enrolment is due: a stolen session cannot swap
-- the second factor of an account that has one of its own.  The last used
-- step becomes the larger of the two, so the confirming code cannot be
-- replayed at the next login.  Returns 'ok' or 'not_due'; no session:
-- MP020.
CREATE FUNCTION casework.totp_enrol(p_sealed bytea, p_step bigint)
    RETURNS text
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
	IF p_sealed IS NULL OR p_step IS NULL OR p_step < 0 OR
	    pg_catalog.octet_length(p_sealed) > 256 THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed enrolment arguments';
	END IF;
	UPDATE casework.users SET totp_secret = p_sealed,
	    totp_last_step = pg_catalog.int8larger(totp_last_step, p_step),
	    totp_enrol_due = false
	    WHERE id = v_uid AND totp_enrol_due;
	IF NOT FOUND THEN
		RETURN 'not_due';
	END IF;
	PERFORM audit.append('user:' || v_uid, 'totp.enrol', '', '{}');
	RETURN 'ok';
END
$$;

-- As in 0031, and the password change that was due is done.
CREATE OR REPLACE FUNCTION casework.password_change(p_old_proof bytea,
    p_totp_step bigint, p_salt bytea, p_m_kib integer, p_t integer,
    p_p integer, p_verifier bytea, p_sealed_private_key bytea)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.session_user_id();
	v_user	casework.users%ROWTYPE;
	v_status text;
	v_ended	integer;
BEGIN
	IF v_uid IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no live session';
	END IF;
	IF p_salt IS NULL OR p_verifier IS NULL OR p_m_kib IS NULL OR
	    p_t IS NULL OR p_p IS NULL OR p_m_kib > 4194304 OR p_t > 64 OR
	    p_p > 64 THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed password change arguments';
	END IF;
	SELECT * INTO v_user FROM casework.users u WHERE u.id = v_uid;
	v_status := casework.login_proof(v_user.username, p_old_proof);
	IF v_status <> 'ok' THEN
		RETURN v_status;
	END IF;
	IF p_totp_step IS NULL OR p_totp_step <= v_user.totp_last_step THEN
		PERFORM casework.login_failed(v_user.username);
		PERFORM audit.append('user:' || v_uid, 'login.totp_replay',
		    '', '{}');
		RETURN 'replay';
	END IF;
	IF (v_user.sealed_private_key IS NULL) <>
	    (p_sealed_private_key IS NULL) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed password change arguments';
	END IF;
	UPDATE casework.users SET pw_salt = p_salt, pw_m_kib = p_m_kib,
	    pw_t = p_t, pw_p = p_p, pw_verifier = p_verifier,
	    sealed_private_key = p_sealed_private_key,
	    totp_last_step = p_totp_step, failures = 0, backoff_until = NULL,
	    pw_change_due = false
	    WHERE id = v_uid;
	DELETE FROM casework.sessions s WHERE s.user_id = v_uid
	    AND s.token_hash <> pg_catalog.decode(pg_catalog.current_setting(
		'meldpunt.session'), 'hex');
	GET DIAGNOSTICS v_ended = ROW_COUNT;
	PERFORM audit.append('user:' || v_uid, 'password.change', '',
	    pg_catalog.jsonb_build_object('sessions_ended', v_ended));
	RETURN 'ok';
END
$$;

REVOKE ALL ON FUNCTION casework.session_setup() FROM PUBLIC;
REVOKE ALL ON FUNCTION casework.totp_enrol(bytea, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION casework.session_setup() TO mp_staff;
GRANT EXECUTE ON FUNCTION casework.totp_enrol(bytea, bigint) TO mp_staff;
