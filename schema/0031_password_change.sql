-- 0031_password_change.sql: a logged-in staff user changes her own
-- password (DESIGN section 5, "own profile and key change";
-- docs/staff-api.md "Password change").
--
-- The staff process proves the old password the way login does (the
-- proof derived from Argon2id's output; the database keeps SHA-256 of
-- it), shows a fresh TOTP step, and hands over the new salt, verifier and
-- the same private key re-sealed under the key derived from the new
-- password.  The key pair does not change, so every queue key wrapped to
-- the user's public key stays valid.
--
-- Numbered 0031, not 0021: meldctl migrate applies only files above the
-- database's version, and databases at 0030 exist.

SET LOCAL ROLE mp_owner;

-- Returns 'ok', 'denied' (wrong old password), 'backoff' or 'replay' (a
-- TOTP step not above the last one used).  A wrong password or a replay
-- counts as a failure against the account, exactly as at login, so a
-- stolen session cannot be used to guess the password faster than the
-- login form allows.  On success the other sessions of the user end (the
-- caller's stays) and the change is audited.  No session: MP020.
CREATE FUNCTION casework.password_change(p_old_proof bytea,
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
	-- A user with a key pair keeps it (re-sealed); one without stays
	-- without.  Anything else would orphan the queue key wraps.
	IF (v_user.sealed_private_key IS NULL) <>
	    (p_sealed_private_key IS NULL) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed password change arguments';
	END IF;
	UPDATE casework.users SET pw_salt = p_salt, pw_m_kib = p_m_kib,
	    pw_t = p_t, pw_p = p_p, pw_verifier = p_verifier,
	    sealed_private_key = p_sealed_private_key,
	    totp_last_step = p_totp_step, failures = 0, backoff_until = NULL
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

GRANT EXECUTE ON FUNCTION
    casework.password_change(bytea, bigint, bytea, integer, integer,
	integer, bytea, bytea)
    TO mp_staff;
