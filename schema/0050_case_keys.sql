-- 0050_case_keys.sql: crypto-shredding that outlives backups (issue 11,
-- DESIGN.md section 10 "Deletion"; docs/crypto.md section 12).
--
-- Every case gets a random case key.  The server adds an outer AES-GCM
-- layer under it to the DEK wraps, the queue-wrapped thread key and the
-- contact ciphertext, and stores the case key only HPKE-wrapped to the
-- public half of the current retention epoch (casework.case_keys).  The
-- epochs' private halves are key files of the staff side, never in the
-- database.  Each day `meldctl epoch rotate` makes a new epoch, re-wraps
-- every live case key to it, and destroys the private keys of epochs
-- retired longer ago than the backup window.  A purge deletes the case's
-- case_keys row: once the epochs that wrapped it in older copies are
-- destroyed, no dump, base backup or WAL archive can open the case, with
-- every other key that still exists.
--
-- The public process adds a case key in the submission's own statement
-- (intake.case_key_store, after intake.submit_report, which is unchanged):
-- it wraps to the epoch PUBLIC key, so it never holds an epoch private key.
-- SQLSTATE MP006: the epoch named is not current (or was destroyed); the
-- daemon reloads the epoch key and the client retries.

SET LOCAL ROLE mp_owner;

-- Staff-side table: exact times are allowed (no reporter row).
CREATE TABLE casework.epochs (
	epoch		integer PRIMARY KEY CHECK (epoch > 0),
	kem_id		integer NOT NULL DEFAULT 16 CHECK (kem_id = 16),
	public_key	bytea NOT NULL CHECK (octet_length(public_key) = 65),
	created_at	timestamptz NOT NULL DEFAULT now(),
	current		boolean NOT NULL DEFAULT false,
	retired_at	timestamptz,
	destroyed_at	timestamptz,
	CHECK (NOT (current AND retired_at IS NOT NULL)),
	CHECK (destroyed_at IS NULL OR retired_at IS NOT NULL)
);
CREATE UNIQUE INDEX epochs_one_current ON casework.epochs (current)
    WHERE current;

CREATE TABLE casework.case_keys (
	case_id		uuid PRIMARY KEY
	    REFERENCES casework.cases ON DELETE CASCADE,
	epoch		integer NOT NULL REFERENCES casework.epochs,
	enc		bytea NOT NULL CHECK (octet_length(enc) = 65),
	wrapped		bytea NOT NULL CHECK (octet_length(wrapped) = 48)
);
CREATE INDEX case_keys_epoch ON casework.case_keys (epoch);

-- ---------------------------------------------------------------- public

-- The epoch new case keys are wrapped to; no row before `meldctl init`
-- (or `meldctl epoch rotate`) made one.
CREATE FUNCTION intake.epoch_current()
    RETURNS TABLE (epoch integer, public_key bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT e.epoch, e.public_key FROM casework.epochs e WHERE e.current
    $$;

-- The case key of a case this very transaction inserted (so the public
-- role can neither replace a key nor give a stranger's case one).  The
-- epoch must be current, or retired for under an hour and not destroyed
-- (a public process that has not yet reloaded after a rotation); the
-- share lock on the epoch row orders this insert against the rotation's
-- UPDATE of that row, so a destruction never misses a late row.
CREATE FUNCTION intake.case_key_store(p_case uuid, p_epoch integer,
    p_enc bytea, p_wrapped bytea) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF p_case IS NULL OR p_enc IS NULL OR p_wrapped IS NULL
	    OR octet_length(p_enc) <> 65 OR octet_length(p_wrapped) <> 48 THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed case key';
	END IF;
	PERFORM 1 FROM casework.epochs e WHERE e.epoch = p_epoch
	    AND e.destroyed_at IS NULL
	    AND (e.current OR e.retired_at > pg_catalog.now() - interval '1 hour')
	    FOR SHARE;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP006',
		    MESSAGE = 'epoch key not current';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM casework.cases c WHERE c.id = p_case
	    AND c.xmin OPERATOR(pg_catalog.=)
		pg_catalog.xid(pg_catalog.pg_current_xact_id())) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'case not stored by this transaction';
	END IF;
	INSERT INTO casework.case_keys (case_id, epoch, enc, wrapped)
	    VALUES (p_case, p_epoch, p_enc, p_wrapped);
	RETURN true;
END
$$;

-- ---------------------------------------------------------------- admin

-- A new current epoch (meldctl has already written its private key file);
-- the previous one is retired now.  Serialised by the table lock.
CREATE FUNCTION casework.epoch_add(p_actor text, p_public_key bytea)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_epoch	integer;
BEGIN
	LOCK TABLE casework.epochs IN SHARE ROW EXCLUSIVE MODE;
	UPDATE casework.epochs SET current = false,
	    retired_at = pg_catalog.now() WHERE current;
	SELECT coalesce(max(epoch), 0) + 1 INTO v_epoch FROM casework.epochs;
	INSERT INTO casework.epochs (epoch, public_key, current)
	    VALUES (v_epoch, p_public_key, true);
	PERFORM audit.append('admin:' || p_actor, 'epoch.create',
	    'epoch:' || v_epoch, '{}');
	RETURN v_epoch;
END
$$;

-- Mark a retired epoch destroyed (before its key file is deleted): the
-- row lock waits for submissions holding a share lock on it, and after
-- the commit no new case key can name it.  Returns how many case keys
-- still name it; the caller re-wraps those before deleting the file.
CREATE FUNCTION casework.epoch_destroy(p_actor text, p_epoch integer)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	UPDATE casework.epochs SET destroyed_at = pg_catalog.now()
	    WHERE epoch = p_epoch AND NOT current AND destroyed_at IS NULL;
	IF FOUND THEN
		PERFORM audit.append('admin:' || p_actor, 'epoch.destroy',
		    'epoch:' || p_epoch, '{}');
	END IF;
	RETURN (SELECT count(*) FROM casework.case_keys k
	    WHERE k.epoch = p_epoch);
END
$$;

-- Re-wrap one case key from an older epoch to the current one; false when
-- the row moved on meanwhile (purged, or re-wrapped by another run).
CREATE FUNCTION casework.case_key_rewrap(p_case uuid, p_from integer,
    p_to integer, p_enc bytea, p_wrapped bytea) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM casework.epochs e
	    WHERE e.epoch = p_to AND e.current) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP006',
		    MESSAGE = 'epoch key not current';
	END IF;
	UPDATE casework.case_keys SET epoch = p_to, enc = p_enc,
	    wrapped = p_wrapped WHERE case_id = p_case AND epoch = p_from;
	RETURN FOUND;
END
$$;

-- Cases stored before 0050 (no case key yet): what the first epoch run
-- needs to give them one.  Only ciphertext to queue and recovery keys.
CREATE FUNCTION casework.case_key_legacy(p_limit integer)
    RETURNS TABLE (case_id uuid, q_key_id text, q_wrapped bytea,
	r_key_id text, r_wrapped bytea, tk_key_id text, tk_wrapped bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT c.id, q.key_id::text, q.wrapped_dek, r.key_id::text,
	    r.wrapped_dek, c.thread_key_id::text, c.thread_key_wrapped
	FROM casework.cases c
	LEFT JOIN intake.wraps q ON q.case_id = c.id AND q.kind = 'queue'
	LEFT JOIN intake.wraps r ON r.case_id = c.id AND r.kind = 'recovery'
	WHERE NOT EXISTS (SELECT 1 FROM casework.case_keys k
	    WHERE k.case_id = c.id)
	ORDER BY c.id LIMIT p_limit
    $$;

-- Give a legacy case its case key and replace its wraps by the layered
-- ones, only if they are still the bytes meldctl read (a concurrent
-- transfer makes this return false; the next run tries again).
CREATE FUNCTION casework.case_key_adopt(p_case uuid, p_epoch integer,
    p_enc bytea, p_wrapped bytea, p_q_old bytea, p_q_new bytea,
    p_r_old bytea, p_r_new bytea, p_tk_old bytea, p_tk_new bytea)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	PERFORM 1 FROM casework.cases c WHERE c.id = p_case FOR UPDATE;
	IF NOT FOUND OR EXISTS (SELECT 1 FROM casework.case_keys k
	    WHERE k.case_id = p_case)
	    OR NOT EXISTS (SELECT 1 FROM casework.epochs e
		WHERE e.epoch = p_epoch AND e.current)
	    OR (SELECT c.thread_key_wrapped FROM casework.cases c
		WHERE c.id = p_case) IS DISTINCT FROM p_tk_old
	    OR (SELECT w.wrapped_dek FROM intake.wraps w WHERE w.case_id = p_case
		AND w.kind = 'queue') IS DISTINCT FROM p_q_old
	    OR (SELECT w.wrapped_dek FROM intake.wraps w WHERE w.case_id = p_case
		AND w.kind = 'recovery') IS DISTINCT FROM p_r_old THEN
		RETURN false;
	END IF;
	UPDATE intake.wraps SET wrapped_dek = p_q_new
	    WHERE case_id = p_case AND kind = 'queue';
	UPDATE intake.wraps SET wrapped_dek = p_r_new
	    WHERE case_id = p_case AND kind = 'recovery';
	UPDATE casework.cases SET thread_key_wrapped = p_tk_new
	    WHERE id = p_case;
	INSERT INTO casework.case_keys (case_id, epoch, enc, wrapped)
	    VALUES (p_case, p_epoch, p_enc, p_wrapped);
	RETURN true;
END
$$;

-- Retention (art. 18), now with the case key: it goes first, so that the
-- rows left in dead tuples, WAL and backups need a destroyed epoch key.
-- The contact row can only be found through the link HMAC (officers);
-- without it the row stays but its outer layer needs the deleted case key.
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

-- ---------------------------------------------------------------- officers

-- The case key of an approved, notified request's case, for the officer
-- who reads its contact (the contact ciphertext is layered under it).
CREATE FUNCTION casework.identity_case_key(p_request bigint)
    RETURNS TABLE (epoch integer, enc bytea, wrapped bytea)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.identity_officer();
BEGIN
	RETURN QUERY SELECT k.epoch, k.enc, k.wrapped
	    FROM identity.requests r
	    JOIN casework.case_keys k ON k.case_id = r.case_id
	    WHERE r.id = p_request AND r.status = 'approved'
	    AND r.reporter_notified_on IS NOT NULL AND v_uid IS NOT NULL;
END
$$;

-- ---------------------------------------------------------------- RLS, grants

ALTER TABLE casework.case_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.epochs ENABLE ROW LEVEL SECURITY;
CREATE POLICY staff_case ON casework.case_keys FOR SELECT TO mp_staff
    USING (EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = case_keys.case_id));
CREATE POLICY admin_all ON casework.case_keys FOR SELECT TO mp_admin
    USING (true);
CREATE POLICY admin_all ON casework.epochs FOR SELECT TO mp_admin
    USING (true);

GRANT SELECT ON casework.case_keys TO mp_staff;
GRANT EXECUTE ON FUNCTION casework.identity_case_key(bigint) TO mp_staff;
GRANT SELECT ON casework.case_keys, casework.epochs TO mp_admin;
GRANT EXECUTE ON FUNCTION intake.epoch_current(),
    intake.case_key_store(uuid, integer, bytea, bytea) TO mp_public;
GRANT EXECUTE ON FUNCTION casework.epoch_add(text, bytea),
    casework.epoch_destroy(text, integer),
    casework.case_key_rewrap(uuid, integer, integer, bytea, bytea),
    casework.case_key_legacy(integer),
    casework.case_key_adopt(uuid, integer, bytea, bytea, bytea, bytea,
	bytea, bytea, bytea, bytea) TO mp_admin;
