-- 0240_key_rotate.sql: a handler (or officer) replaces her own key pair
-- (issue 15, "a handler rotates their own key pair"; docs/staff-api.md
-- "Key rotation", docs/crypto.md section 7).
--
-- The staff process proves the password and a fresh TOTP step as for a
-- password change, draws a new P-256 pair, seals the private half under
-- the key derived from the same password (docs/crypto.md section 4), and
-- wraps to the new public key every queue private key (and, for an
-- officer, the identity and contact-link keys) that the session holds
-- since login.  This function swaps all of it in one transaction: the
-- new public key and sealed private key, every wrap to the old key
-- replaced, the user's other sessions ended, audited as key.rotate.
--
-- It refuses ('stale') unless the wraps given are exactly the wraps
-- stored for the user: a key wrapped to her after this session's login
-- (a colleague's pending wrap, `meldctl keys rotate`) is not held by the
-- session, and replacing the key pair without it would lose it.  The
-- caller signs in again and retries.
--
-- What this does NOT do: make data wrapped to the old key unreadable to
-- a copy of the old private key taken earlier.  The queue private keys
-- themselves are the same after the rotation; only their wraps change.
-- Someone who copied the old private key (or its password-sealed blob
-- and the password) and the old wraps can still open those queue keys;
-- `meldctl keys rotate QUEUE` makes reports arriving after it
-- unreadable to them.

SET LOCAL ROLE mp_owner;

-- Returns 'ok', 'denied' (wrong password), 'backoff', 'replay' (a TOTP
-- step not above the last one used; counted as a failure), or 'stale'.
-- Arrays of equal length; hex text for the bytes.  No session: MP020;
-- malformed arguments or a user without a key pair: MP005.
CREATE FUNCTION casework.key_rotate(p_proof bytea, p_totp_step bigint,
    p_public_key bytea, p_sealed_private_key bytea, p_key_ids text[],
    p_enc text[], p_wrapped text[], p_id_purposes text[], p_id_enc text[],
    p_id_wrapped text[])
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.session_user_id();
	v_user	casework.users%ROWTYPE;
	v_status text;
	v_n	integer := coalesce(pg_catalog.array_length(p_key_ids, 1), 0);
	v_ni	integer := coalesce(pg_catalog.array_length(p_id_purposes, 1),
		    0);
	v_ended	integer;
	v_enc	bytea;
	v_wr	bytea;
BEGIN
	IF v_uid IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no live session';
	END IF;
	IF p_public_key IS NULL OR pg_catalog.octet_length(p_public_key) <> 65
	    OR p_sealed_private_key IS NULL OR
	    pg_catalog.octet_length(p_sealed_private_key) > 1024 OR
	    coalesce(pg_catalog.array_length(p_enc, 1), 0) <> v_n OR
	    coalesce(pg_catalog.array_length(p_wrapped, 1), 0) <> v_n OR
	    coalesce(pg_catalog.array_length(p_id_enc, 1), 0) <> v_ni OR
	    coalesce(pg_catalog.array_length(p_id_wrapped, 1), 0) <> v_ni THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed key rotation arguments';
	END IF;
	SELECT * INTO v_user FROM casework.users u WHERE u.id = v_uid
	    FOR UPDATE;
	v_status := casework.login_proof(v_user.username, p_proof);
	IF v_status <> 'ok' THEN
		RETURN v_status;
	END IF;
	IF p_totp_step IS NULL OR p_totp_step <= v_user.totp_last_step THEN
		PERFORM casework.login_failed(v_user.username);
		PERFORM audit.append('user:' || v_uid, 'login.totp_replay',
		    '', '{}');
		RETURN 'replay';
	END IF;
	IF v_user.sealed_private_key IS NULL OR v_user.public_key IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'the user has no key pair to rotate';
	END IF;
	-- Exactly the stored wraps, each once: nothing may be left wrapped
	-- to the old key, nor lost.  New wraps wait until this commits (a
	-- colleague's pending_wraps_store that read the old public key just
	-- before could still store a wrap to it, which the new key cannot
	-- open: a narrow race, named in docs/staff-api.md).
	LOCK TABLE casework.queue_key_wraps IN SHARE ROW EXCLUSIVE MODE;
	IF (SELECT count(DISTINCT k) FROM pg_catalog.unnest(p_key_ids) k)
	    <> v_n OR v_n <> (SELECT count(*) FROM casework.queue_key_wraps w
	    WHERE w.user_id = v_uid) OR EXISTS (SELECT 1 FROM
	    pg_catalog.unnest(p_key_ids) k WHERE NOT EXISTS (SELECT 1 FROM
	    casework.queue_key_wraps w WHERE w.user_id = v_uid AND
	    w.key_id = k)) THEN
		RETURN 'stale';
	END IF;
	IF (SELECT count(DISTINCT p) FROM pg_catalog.unnest(p_id_purposes) p)
	    <> v_ni OR v_ni <> (SELECT count(*) FROM identity.officer_wraps o
	    WHERE o.user_id = v_uid) OR EXISTS (SELECT 1 FROM
	    pg_catalog.unnest(p_id_purposes) p WHERE NOT EXISTS (SELECT 1 FROM
	    identity.officer_wraps o WHERE o.user_id = v_uid AND
	    o.purpose = p)) THEN
		RETURN 'stale';
	END IF;
	FOR i IN 1 .. v_n LOOP
		v_enc := pg_catalog.decode(p_enc[i], 'hex');
		v_wr := pg_catalog.decode(p_wrapped[i], 'hex');
		IF pg_catalog.octet_length(v_enc) NOT BETWEEN 32 AND 133
		    OR pg_catalog.octet_length(v_wr) <> 48 THEN
			RAISE EXCEPTION USING ERRCODE = 'MP005',
			    MESSAGE = 'malformed key rotation arguments';
		END IF;
		UPDATE casework.queue_key_wraps SET enc = v_enc, wrapped = v_wr
		    WHERE user_id = v_uid AND key_id = p_key_ids[i];
	END LOOP;
	FOR i IN 1 .. v_ni LOOP
		v_enc := pg_catalog.decode(p_id_enc[i], 'hex');
		v_wr := pg_catalog.decode(p_id_wrapped[i], 'hex');
		IF pg_catalog.octet_length(v_enc) NOT BETWEEN 32 AND 133
		    OR pg_catalog.octet_length(v_wr) <> 48 THEN
			RAISE EXCEPTION USING ERRCODE = 'MP005',
			    MESSAGE = 'malformed key rotation arguments';
		END IF;
		UPDATE identity.officer_wraps SET enc = v_enc, wrapped = v_wr
		    WHERE user_id = v_uid AND purpose = p_id_purposes[i];
	END LOOP;
	UPDATE casework.users SET kem_id = 16, public_key = p_public_key,
	    sealed_private_key = p_sealed_private_key,
	    totp_last_step = p_totp_step, failures = 0, backoff_until = NULL
	    WHERE id = v_uid;
	DELETE FROM casework.sessions s WHERE s.user_id = v_uid
	    AND s.token_hash <> pg_catalog.decode(pg_catalog.current_setting(
		'meldpunt.session'), 'hex');
	GET DIAGNOSTICS v_ended = ROW_COUNT;
	PERFORM audit.append('user:' || v_uid, 'key.rotate', '',
	    pg_catalog.jsonb_build_object('queue_keys', v_n,
	    'identity_keys', v_ni, 'sessions_ended', v_ended));
	RETURN 'ok';
END
$$;

GRANT EXECUTE ON FUNCTION
    casework.key_rotate(bytea, bigint, bytea, bytea, text[], text[], text[],
	text[], text[], text[])
    TO mp_staff;
