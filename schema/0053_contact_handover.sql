-- 0053_contact_handover.sql: contact details unlinkable to their case
-- (issue 11 part 3; DESIGN.md section 10 "Linkability").
--
-- Contact rows used to be inserted in the transaction that stored the
-- case, so contacts.xmin = cases.xmin joined them exactly and dump order
-- zipped them.  Now the public process hands the contact over sealed (HPKE
-- to the current retention epoch's public key, docs/crypto.md section 12.3)
-- into identity.contact_pending, in the case's transaction; the bytes that
-- end up in identity.contacts exist in that row only inside the sealed
-- blob.  `meldctl contact flush` (staff side, it holds the epoch keys)
-- moves the pending contacts into identity.contacts only when at least K
-- are pending, all of them in ONE transaction, in a random order, and
-- deletes the pending rows in that same transaction: a crash loses nothing
-- and every contact row shares its xmin, position and commit with >= K
-- others.  Pending rows hold no time and no case id.

SET LOCAL ROLE mp_owner;

CREATE TABLE identity.contact_pending (
	id		bigserial PRIMARY KEY,
	epoch		integer NOT NULL REFERENCES casework.epochs,
	enc		bytea NOT NULL CHECK (octet_length(enc) = 65),
	sealed		bytea NOT NULL CHECK (octet_length(sealed) <= 17000)
);
CREATE INDEX contact_pending_epoch ON identity.contact_pending (epoch);
ALTER TABLE identity.contact_pending ENABLE ROW LEVEL SECURITY;

-- Public: in the submission's statement, after intake.case_key_store.
-- Only for a case this transaction inserted; marks it contact_given.
CREATE FUNCTION intake.contact_handover(p_case uuid, p_epoch integer,
    p_key_id text, p_enc bytea, p_sealed bytea) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF p_sealed IS NULL AND p_enc IS NULL THEN
		RETURN false;
	END IF;
	IF p_case IS NULL OR p_enc IS NULL OR p_sealed IS NULL
	    OR octet_length(p_enc) <> 65 OR octet_length(p_sealed) > 17000 THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed contact hand-over';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM identity.keys k
	    WHERE k.key_id = p_key_id AND k.current) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP003',
		    MESSAGE = 'contact sealed to an unknown or retired key';
	END IF;
	PERFORM 1 FROM casework.epochs e WHERE e.epoch = p_epoch
	    AND e.destroyed_at IS NULL
	    AND (e.current OR e.retired_at > pg_catalog.now() - interval '1 hour')
	    FOR SHARE;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP006',
		    MESSAGE = 'epoch key not current';
	END IF;
	UPDATE casework.cases c SET contact_given = true WHERE c.id = p_case
	    AND c.xmin OPERATOR(pg_catalog.=)
		pg_catalog.xid(pg_catalog.pg_current_xact_id());
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'case not stored by this transaction';
	END IF;
	INSERT INTO identity.contact_pending (epoch, enc, sealed)
	    VALUES (p_epoch, p_enc, p_sealed);
	RETURN true;
END
$$;

-- Admin (meldctl contact flush / epoch rotate): the pending rows.
CREATE FUNCTION identity.pending_list()
    RETURNS TABLE (id bigint, epoch integer, enc bytea, sealed bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT p.id, p.epoch, p.enc, p.sealed FROM identity.contact_pending p
	ORDER BY p.id
    $$;

-- One flush: the contacts in the order given (meldctl has shuffled them),
-- the pending rows they came from deleted, all in this one statement.
-- Refused unless every id is pending and there are at least p_min.
CREATE FUNCTION identity.pending_flush(p_actor text, p_min integer,
    p_ids bigint[], p_links bytea[], p_key_ids text[], p_encs bytea[],
    p_cts bytea[]) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_n	integer := coalesce(pg_catalog.cardinality(p_ids), 0);
	v_del	bigint;
BEGIN
	IF v_n < greatest(p_min, 1)
	    OR pg_catalog.cardinality(p_links) IS DISTINCT FROM v_n
	    OR pg_catalog.cardinality(p_key_ids) IS DISTINCT FROM v_n
	    OR pg_catalog.cardinality(p_encs) IS DISTINCT FROM v_n
	    OR pg_catalog.cardinality(p_cts) IS DISTINCT FROM v_n THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'flush arrays malformed or batch too small';
	END IF;
	DELETE FROM identity.contact_pending p WHERE p.id = ANY (p_ids);
	GET DIAGNOSTICS v_del = ROW_COUNT;
	IF v_del <> v_n THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'pending rows changed meanwhile';
	END IF;
	INSERT INTO identity.contacts (link, key_id, enc, ciphertext)
	    SELECT p_links[i], p_key_ids[i], p_encs[i], p_cts[i]
	    FROM pg_catalog.generate_series(1, v_n) i ORDER BY i;
	PERFORM audit.append('admin:' || p_actor, 'contact.flush', '',
	    pg_catalog.jsonb_build_object('n', v_n));
	RETURN v_n;
END
$$;

-- Rotation: a pending row re-sealed to a newer epoch (same row id).
CREATE FUNCTION identity.pending_reseal(p_id bigint, p_from integer,
    p_to integer, p_enc bytea, p_sealed bytea) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	UPDATE identity.contact_pending SET epoch = p_to, enc = p_enc,
	    sealed = p_sealed WHERE id = p_id AND epoch = p_from;
	RETURN FOUND;
END
$$;

-- epoch_destroy (0050) now also counts pending hand-overs under the epoch.
CREATE OR REPLACE FUNCTION casework.epoch_destroy(p_actor text,
    p_epoch integer) RETURNS bigint
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
	    WHERE k.epoch = p_epoch) + (SELECT count(*)
	    FROM identity.contact_pending p WHERE p.epoch = p_epoch);
END
$$;

-- Officers: the pending hand-overs, for an approved and notified request
-- whose contact has not been flushed yet (the staff process opens them
-- with the epoch key and finds the one with the request's link).
CREATE FUNCTION casework.identity_pending(p_request bigint)
    RETURNS TABLE (epoch integer, enc bytea, sealed bytea)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.identity_officer();
	v_case	uuid;
BEGIN
	SELECT r.case_id INTO v_case FROM identity.requests r
	    WHERE r.id = p_request AND r.status = 'approved'
	    AND r.reporter_notified_on IS NOT NULL;
	IF NOT FOUND OR v_uid IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP023',
		    MESSAGE = 'the request is not approved';
	END IF;
	PERFORM audit.append('user:' || v_uid, 'identity.contact_read',
	    'case:' || v_case, pg_catalog.jsonb_build_object('request',
	    p_request, 'pending', true));
	RETURN QUERY SELECT p.epoch, p.enc, p.sealed
	    FROM identity.contact_pending p ORDER BY p.id;
END
$$;

-- An officer deletes the (flushed) contact row of an approved request.
CREATE FUNCTION casework.identity_contact_purge(p_request bigint,
    p_link bytea) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.identity_officer();
	v_case	uuid;
BEGIN
	SELECT r.case_id INTO v_case FROM identity.requests r
	    WHERE r.id = p_request AND r.status = 'approved';
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP023',
		    MESSAGE = 'the request is not approved';
	END IF;
	DELETE FROM identity.contacts c WHERE c.link = p_link;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	PERFORM audit.append('user:' || v_uid, 'identity.contact_purge',
	    'case:' || v_case,
	    pg_catalog.jsonb_build_object('request', p_request));
	RETURN true;
END
$$;

GRANT EXECUTE ON FUNCTION
    intake.contact_handover(uuid, integer, text, bytea, bytea) TO mp_public;
GRANT USAGE ON SCHEMA identity TO mp_admin;
GRANT EXECUTE ON FUNCTION identity.pending_list(),
    identity.pending_flush(text, integer, bigint[], bytea[], text[], bytea[],
	bytea[]),
    identity.pending_reseal(bigint, integer, integer, bytea, bytea)
    TO mp_admin;
GRANT EXECUTE ON FUNCTION casework.identity_pending(bigint),
    casework.identity_contact_purge(bigint, bytea) TO mp_staff;
