-- 0100_member_onboarding.sql: a new member of a queue gets the queue keys
-- from a colleague's staff session, not from the recovery key (issue 15).
--
-- `meldctl queue members add` without --recovery-key only records the
-- membership.  A member without a wrap of some key of her queue is
-- "pending" for that key.  When any member who holds that key signs in,
-- her staff process has the queue private key in memory; it asks
-- pending_wraps() whom to wrap it to, wraps it with HPKE to each pending
-- member's public key (as read here), and hands the wraps to
-- pending_wraps_store(), which checks everything again and audits each
-- wrap as queue.member_wrap.  The recovery key is needed only when no
-- member of the queue holds its keys any more.
--
-- What this does NOT protect against: whoever holds mp_admin can add a
-- member (or change a member's public key) and so obtain the queue keys
-- at the next member's login without the recovery key; the audit trail
-- (queue.member_add by the administrator, queue.member_wrap by the
-- member's session) is what shows it.  Before this migration the
-- recovery key was that gate, at the price of bringing it online for
-- every new hire.

SET LOCAL ROLE mp_owner;

-- Keys the session's user holds (a wrap to her) of queues she is still a
-- member of, paired with members of the same queue, active and with a
-- key pair, that lack a wrap of that key.  At most 64 rows per call: the
-- rest waits for the next login.
CREATE FUNCTION casework.pending_wraps()
    RETURNS TABLE (key_id text, user_id integer, public_key bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT k.key_id::text, m.user_id, u.public_key
	FROM casework.queue_key_wraps mine
	JOIN casework.queue_keys k ON k.key_id = mine.key_id
	JOIN casework.queue_members me ON me.queue_id = k.queue_id
	    AND me.user_id = mine.user_id
	JOIN casework.queue_members m ON m.queue_id = k.queue_id
	JOIN casework.users u ON u.id = m.user_id
	WHERE mine.user_id = casework.session_user_id()
	AND NOT u.disabled AND u.kem_id = 16 AND u.public_key IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM casework.queue_key_wraps w
	    WHERE w.key_id = k.key_id AND w.user_id = m.user_id)
	ORDER BY k.queue_id, m.user_id, k.key_id
	LIMIT 64
    $$;

-- Store wraps made by the session's user (arrays of equal length; hex
-- text for the bytes).  A row counts only when, at this moment, the
-- caller still holds the key and is a member of its queue, the target is
-- an active member of that queue without a wrap of it, and the target's
-- public key is the one the wrap was made to.  Anything else is skipped
-- (a race with `members remove` or `user reset-password`), not an error.
-- Returns the number of wraps stored.
CREATE FUNCTION casework.pending_wraps_store(p_key_ids text[],
    p_user_ids integer[], p_public_keys text[], p_enc text[],
    p_wrapped text[]) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.session_user_id();
	v_n	integer := coalesce(pg_catalog.array_length(p_key_ids, 1), 0);
	v_done	integer := 0;
	v_queue	text;
	v_user	text;
	v_enc	bytea;
	v_wr	bytea;
BEGIN
	IF v_uid IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP020',
		    MESSAGE = 'no live session';
	END IF;
	IF v_n > 64 OR coalesce(pg_catalog.array_length(p_user_ids, 1), 0)
	    <> v_n OR coalesce(pg_catalog.array_length(p_public_keys, 1), 0)
	    <> v_n OR coalesce(pg_catalog.array_length(p_enc, 1), 0) <> v_n
	    OR coalesce(pg_catalog.array_length(p_wrapped, 1), 0) <> v_n THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'pending wraps: arrays of different lengths';
	END IF;
	FOR i IN 1 .. v_n LOOP
		v_enc := pg_catalog.decode(p_enc[i], 'hex');
		v_wr := pg_catalog.decode(p_wrapped[i], 'hex');
		IF pg_catalog.octet_length(v_enc) NOT BETWEEN 32 AND 133
		    OR pg_catalog.octet_length(v_wr) <> 48 THEN
			RAISE EXCEPTION USING ERRCODE = 'MP005',
			    MESSAGE = 'pending wraps: malformed wrap';
		END IF;
		SELECT q.name, u.username INTO v_queue, v_user
		    FROM casework.queue_keys k
		    JOIN casework.queues q ON q.id = k.queue_id
		    JOIN casework.queue_key_wraps mine ON mine.key_id = k.key_id
			AND mine.user_id = v_uid
		    JOIN casework.queue_members me ON me.queue_id = k.queue_id
			AND me.user_id = v_uid
		    JOIN casework.queue_members m ON m.queue_id = k.queue_id
			AND m.user_id = p_user_ids[i]
		    JOIN casework.users u ON u.id = m.user_id
		    WHERE k.key_id = p_key_ids[i] AND NOT u.disabled
		    AND u.public_key = pg_catalog.decode(p_public_keys[i], 'hex');
		IF NOT FOUND THEN
			CONTINUE;
		END IF;
		INSERT INTO casework.queue_key_wraps (key_id, user_id, enc,
		    wrapped) VALUES (p_key_ids[i], p_user_ids[i], v_enc, v_wr)
		    ON CONFLICT DO NOTHING;
		IF FOUND THEN
			v_done := v_done + 1;
			PERFORM audit.append('user:' || v_uid,
			    'queue.member_wrap', 'queue:' || v_queue ||
			    ' user:' || v_user, pg_catalog.jsonb_build_object(
			    'key_id', p_key_ids[i]));
		END IF;
	END LOOP;
	RETURN v_done;
END
$$;

GRANT EXECUTE ON FUNCTION casework.pending_wraps(),
    casework.pending_wraps_store(text[], integer[], text[], text[], text[])
    TO mp_staff;
