-- 0070_audit_unchained.sql: audit events without a global lock, chained
-- afterwards under a key the database does not hold (issues 19 and 12;
-- docs/schema.md "Audit chain", docs/crypto.md §10).
--
-- Until now every audit.append() locked the one row of audit.head until
-- commit, so every audited transaction of the whole staff side waited
-- for the previous one's commit (WAL flush included).  From here on:
--
--   * audit.append() only INSERTs the event with its sequence number;
--     pos, prev_hash and hash stay NULL ("pending").  No shared row is
--     locked, so audited reads run side by side.
--   * The chainer in the staff process (daemon/auditchain.c) reads the
--     pending events' digests in id order (audit.chain_pending), computes
--     hash(pos) = HMAC-SHA256(audit chain key, "meldpunt-audit-v2" ||
--     hash(pos-1) || lp(pos) || digest) in C (crypto/auditlog.c) and
--     stores them with audit.chain_extend, which
--     gives the events the next positions and moves audit.head.  The key
--     is a file on the staff host; the database, its backups and its
--     administrators never see it, so rewriting chained history means
--     recomputing MACs nobody here can compute.
--   * The chain order is pos, not id: a transaction that drew a lower id
--     but committed later is simply chained later.  No gap can appear.
--   * Several staff processes may run the chainer: chain_extend takes the
--     head row lock and extends only from the (pos, hash) its caller
--     read (compare and set), so at most one of two racing batches is
--     stored and the other is recomputed on the next tick.  The head lock
--     is now taken by the chainer alone, never by a request.
--
-- The events recorded before this migration carry version-1 links,
-- SHA-256(prev || canonical), which anyone can recompute.  The migration
-- checks that chain one last time (and refuses to run when it is broken:
-- verify it with the previous release and investigate first), then
-- clears the links: every existing event becomes pending and the chainer
-- links it under the key at its first run, in id order, so positions
-- equal the old order.  From then on there is one kind of link.
--
-- What the triggers still refuse, for everyone including the owner:
-- DELETE and TRUNCATE of events, and any UPDATE except the one chain_extend
-- makes: setting pos, prev_hash and hash of a pending event, once, with
-- its content unchanged.

SET LOCAL ROLE mp_owner;

-- No event may be appended while the existing ones get their positions.
LOCK TABLE audit.events, audit.head IN EXCLUSIVE MODE;

ALTER TABLE audit.events
    ALTER COLUMN prev_hash DROP NOT NULL,
    ALTER COLUMN hash DROP NOT NULL,
    ADD COLUMN pos bigint;

-- The last check of the version-1 chain (as 0003 and meldctl did it).
DO $$
DECLARE
	v_prev	bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
	v_last	bigint := 0;
	r	record;
BEGIN
	FOR r IN SELECT * FROM audit.events ORDER BY id LOOP
		IF r.prev_hash <> v_prev OR r.hash <> pg_catalog.sha256(v_prev
		    || audit.canonical(r.id, r.at, r.actor, r.action,
		    r.object, r.details)) THEN
			RAISE EXCEPTION USING ERRCODE = 'MP030',
			    MESSAGE = 'audit chain broken at event ' || r.id
			    || ': not converting it (see docs/schema.md)';
		END IF;
		v_prev := r.hash;
		v_last := r.id;
	END LOOP;
	IF NOT EXISTS (SELECT 1 FROM audit.head h WHERE h.last_id = v_last
	    AND h.last_hash = v_prev) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP030',
		    MESSAGE = 'audit.head does not match the last event: '
		    'not converting the chain (see docs/schema.md)';
	END IF;
END
$$;

ALTER TABLE audit.events DISABLE TRIGGER events_no_update;
UPDATE audit.events SET prev_hash = NULL, hash = NULL;
ALTER TABLE audit.events ENABLE TRIGGER events_no_update;

ALTER TABLE audit.events
    ADD CONSTRAINT events_pos_positive CHECK (pos > 0),
    ADD CONSTRAINT events_pos_unique UNIQUE (pos),
    ADD CONSTRAINT events_chained_together CHECK (
	(pos IS NULL) = (hash IS NULL) AND (pos IS NULL) = (prev_hash IS NULL));

-- The chainer's and verify's way to the pending events.
CREATE INDEX events_pending ON audit.events (id) WHERE pos IS NULL;

-- The head now names the last chained position; last_id the event there.
ALTER TABLE audit.head
    ADD COLUMN last_pos bigint NOT NULL DEFAULT 0 CHECK (last_pos >= 0);
UPDATE audit.head SET last_id = 0, last_pos = 0,
    last_hash = '\x0000000000000000000000000000000000000000000000000000000000000000';

-- ---------------------------------------------------------------- append

-- Same signature and result as in 0003: the new event's id.  The actor
-- is still decided by the role-specific wrappers (staff_event,
-- admin_event, the casework functions).
CREATE OR REPLACE FUNCTION audit.append(p_actor text, p_action text,
    p_object text, p_details jsonb) RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	INSERT INTO audit.events (at, actor, action, object, details)
	VALUES (pg_catalog.clock_timestamp(), p_actor, p_action,
	    coalesce(p_object, ''), coalesce(p_details, '{}'))
	RETURNING id
    $$;

-- ---------------------------------------------------------------- guard

CREATE FUNCTION audit.events_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.pos IS NULL AND NEW.pos IS NOT NULL
	    AND NEW.id = OLD.id AND NEW.at = OLD.at
	    AND NEW.actor = OLD.actor AND NEW.action = OLD.action
	    AND NEW.object = OLD.object AND NEW.details = OLD.details THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION USING ERRCODE = 'MP030',
	    MESSAGE = 'audit events are append-only';
END
$$;

DROP TRIGGER events_no_update ON audit.events;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON audit.events
    FOR EACH ROW EXECUTE FUNCTION audit.events_guard();

-- ---------------------------------------------------------------- chainer

-- The head the next batch extends.
CREATE FUNCTION audit.chain_head()
    RETURNS TABLE (last_pos bigint, last_hash bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT h.last_pos, h.last_hash FROM audit.head h $$;

-- Up to p_limit (at most 5000) pending events in id order, each as its
-- id and SHA-256(audit.canonical(...)): the digest the chain MAC covers
-- (docs/schema.md).  Digests only, so the staff role that chains learns
-- nothing about events other users or meldctl wrote.
CREATE FUNCTION audit.chain_pending(p_limit integer)
    RETURNS TABLE (id bigint, digest bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT e.id, pg_catalog.sha256(audit.canonical(e.id, e.at, e.actor,
	    e.action, e.object, e.details))
	FROM audit.events e
	WHERE e.pos IS NULL
	ORDER BY e.id
	LIMIT greatest(1, least(p_limit, 5000))
    $$;

-- Chain the events p_ids (in this order) behind the head (p_from_pos,
-- p_from_hash) with the links p_hashes.  Returns the new head position,
-- or -1 when the head is no longer where the caller read it (another
-- chainer was first; nothing is changed).  MP005 when the arrays are
-- malformed or an event is not pending any more.
CREATE FUNCTION audit.chain_extend(p_from_pos bigint, p_from_hash bytea,
    p_ids bigint[], p_hashes bytea[]) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_head	audit.head%ROWTYPE;
	v_n	integer := coalesce(pg_catalog.cardinality(p_ids), 0);
	v_done	bigint;
BEGIN
	IF v_n < 1 OR v_n > 5000
	    OR v_n <> coalesce(pg_catalog.cardinality(p_hashes), 0)
	    OR pg_catalog.array_position(p_hashes, NULL) IS NOT NULL
	    OR EXISTS (SELECT 1 FROM pg_catalog.unnest(p_hashes) h
		WHERE pg_catalog.octet_length(h) <> 32) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed chain batch';
	END IF;
	SELECT * INTO STRICT v_head FROM audit.head FOR UPDATE;
	IF v_head.last_pos <> p_from_pos OR v_head.last_hash <> p_from_hash
	    THEN
		RETURN -1;
	END IF;
	UPDATE audit.events e SET pos = p_from_pos + u.n,
	    prev_hash = CASE WHEN u.n = 1 THEN p_from_hash
		ELSE p_hashes[u.n - 1] END,
	    hash = u.h
	    FROM ROWS FROM (pg_catalog.unnest(p_ids),
		pg_catalog.unnest(p_hashes)) WITH ORDINALITY AS u(id, h, n)
	    WHERE e.id = u.id AND e.pos IS NULL;
	GET DIAGNOSTICS v_done = ROW_COUNT;
	IF v_done <> v_n THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'chain batch names an event that is not pending';
	END IF;
	UPDATE audit.head SET last_pos = p_from_pos + v_n,
	    last_hash = p_hashes[v_n], last_id = p_ids[v_n];
	RETURN p_from_pos + v_n;
END
$$;

-- The staff process runs the chainer.  mp_staff sees ids and digests of
-- pending events, never their content; a forged MAC it stored would make
-- verify fail, not pass (it cannot compute a valid one without the key).
GRANT EXECUTE ON FUNCTION audit.chain_head(), audit.chain_pending(integer),
    audit.chain_extend(bigint, bytea, bigint[], bytea[])
    TO mp_staff;
