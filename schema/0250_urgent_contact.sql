-- 0250_urgent_contact.sql: contact details the urgent team may read with
-- the reporter's explicit consent (issue 17 item 1; EU directive 2019/1937
-- art. 16(1); docs/crypto.md §12.4).
--
-- Contact details normally reach only privacy officers (the identity
-- vault, 0042/0053), after a recorded request, an approval and a message to
-- the reporter (art. 16(3)).  For an urgent report (honour-related violence
-- with immediate danger, or travel within 14 days) the reporter can
-- consent that the urgent team calls at once.  The client then seals a
-- second copy of the same padded contact to every queue key of the
-- category (the server keeps only the routed queue's, as with the DEK
-- wraps); the public process adds the case-key layer (label
-- "urgent-contact:" || key id) and stores it here, in the case's own
-- transaction: with consent the copy is linked to the case on purpose,
-- since the team working the case is who may read it.  The vault copy is
-- handed over unlinkably as before.
--
-- Reading is a function only: members of the urgent queue that holds the
-- case (casework.require_case), while that queue is urgent and the copy is
-- sealed to one of its keys.  Every read is audited (contact.urgent_read);
-- the first read puts a system message into the reporter's thread, so the
-- reporter sees in the inbox that (and on which day) the team read it.  The
-- consent itself is also a system message, written with the report.
-- Purge: the row goes with the case (ON DELETE CASCADE), and its outer
-- layer needs the case key that purge_case deletes first (0050).
--
-- SQLSTATE MP170: no consent copy this session may read (403).

SET LOCAL ROLE mp_owner;

-- Reporter-side: a day, never a time.
CREATE TABLE casework.urgent_contacts (
	case_id		uuid PRIMARY KEY
	    REFERENCES casework.cases ON DELETE CASCADE,
	key_id		casework.keyid NOT NULL REFERENCES casework.queue_keys,
	enc		bytea NOT NULL CHECK (octet_length(enc) = 65),
	-- HPKE ciphertext (256-byte blocks + 16) under the 29-byte layer
	ciphertext	bytea NOT NULL CHECK (octet_length(ciphertext)
	    BETWEEN 256 + 16 + 29 AND 16384 + 29),
	read_on		date
);
ALTER TABLE casework.urgent_contacts ENABLE ROW LEVEL SECURITY;

-- Public: in the submission's statement, after intake.submit_report.
-- p_key_ids/p_encs/p_cts: one consent copy per queue key the form lists
-- (all NULL: no consent).  Keeps the copy for the routed queue's current
-- key when that queue is urgent and returns true; a report routed to a
-- queue that is not urgent stores no copy (false): the consent was for
-- the urgent team only.
CREATE FUNCTION intake.urgent_contact_store(p_case uuid, p_key_ids text[],
    p_encs bytea[], p_cts bytea[]) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_n	integer := coalesce(pg_catalog.cardinality(p_key_ids), 0);
	v_case	casework.cases%ROWTYPE;
	v_i	integer;
BEGIN
	IF p_key_ids IS NULL AND p_encs IS NULL AND p_cts IS NULL THEN
		RETURN false;
	END IF;
	IF p_case IS NULL OR v_n = 0 OR v_n > 32
	    OR pg_catalog.cardinality(p_encs) IS DISTINCT FROM v_n
	    OR pg_catalog.cardinality(p_cts) IS DISTINCT FROM v_n THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'consent copies missing or of unequal length';
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.unnest(p_key_ids) k(id)
	    WHERE k.id IS NULL OR NOT EXISTS (SELECT 1
		FROM casework.queue_keys q WHERE q.key_id = k.id AND q.current))
	    THEN
		RAISE EXCEPTION USING ERRCODE = 'MP003',
		    MESSAGE = 'a consent copy names an unknown or retired key';
	END IF;
	SELECT * INTO v_case FROM casework.cases c WHERE c.id = p_case
	    AND c.xmin OPERATOR(pg_catalog.=)
		pg_catalog.xid(pg_catalog.pg_current_xact_id());
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'case not stored by this transaction';
	END IF;
	IF NOT v_case.urgent THEN
		RETURN false;
	END IF;
	-- thread_key_id is the routed queue's current key (submit_report).
	v_i := pg_catalog.array_position(p_key_ids, v_case.thread_key_id::text);
	IF v_i IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP003',
		    MESSAGE = 'no consent copy for the routed queue''s key';
	END IF;
	INSERT INTO casework.urgent_contacts (case_id, key_id, enc, ciphertext)
	    VALUES (p_case, p_key_ids[v_i], p_encs[v_i], p_cts[v_i]);
	INSERT INTO casework.messages (case_id, seq, direction, sent_on,
	    text_key)
	    SELECT p_case, coalesce(max(m.seq), 0) + 1, 'system',
	    current_date, 'contact.consent'
	    FROM casework.messages m WHERE m.case_id = p_case;
	RETURN true;
END
$$;

-- Staff: the consent copy of a case, for a member of the urgent queue that
-- holds it (MP020 for a case the session cannot see, MP170 when there is
-- no copy the session may read: no consent, or the case has left the
-- urgent queue).  Audited on every call; the first read tells the
-- reporter (system message contact.urgent_read) and keeps the day.
CREATE FUNCTION casework.urgent_contact_read(p_case uuid)
    RETURNS TABLE (key_id text, enc bytea, ciphertext bytea)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
	v_uid	integer := casework.require_case(p_case);
	v_row	casework.urgent_contacts%ROWTYPE;
BEGIN
	PERFORM 1 FROM casework.cases c WHERE c.id = p_case FOR UPDATE;
	SELECT u.* INTO v_row FROM casework.urgent_contacts u
	    JOIN casework.cases c ON c.id = u.case_id
	    JOIN casework.queues q ON q.id = c.queue_id
	    JOIN casework.queue_keys k ON k.key_id = u.key_id
		AND k.queue_id = c.queue_id
	    WHERE u.case_id = p_case
	    AND q.first_response_interval IS NOT NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP170',
		    MESSAGE = 'no contact details this session may read';
	END IF;
	PERFORM audit.append('user:' || v_uid, 'contact.urgent_read',
	    'case:' || p_case, pg_catalog.jsonb_build_object('first',
	    v_row.read_on IS NULL));
	IF v_row.read_on IS NULL THEN
		UPDATE casework.urgent_contacts u SET read_on = current_date
		    WHERE u.case_id = p_case;
		INSERT INTO casework.messages (case_id, seq, direction, sent_on,
		    text_key)
		    SELECT p_case, coalesce(max(m.seq), 0) + 1, 'system',
		    current_date, 'contact.urgent_read'
		    FROM casework.messages m WHERE m.case_id = p_case;
	END IF;
	RETURN QUERY SELECT v_row.key_id::text, v_row.enc, v_row.ciphertext;
END
$$;

-- The case view says whether there is a consent copy (case_id only; the
-- ciphertext is reachable through the audited function alone).
CREATE POLICY staff_case ON casework.urgent_contacts FOR SELECT TO mp_staff
    USING (case_id IN (SELECT id FROM casework.cases));
GRANT SELECT (case_id) ON casework.urgent_contacts TO mp_staff;
GRANT EXECUTE ON FUNCTION
    intake.urgent_contact_store(uuid, text[], bytea[], bytea[]) TO mp_public;
GRANT EXECUTE ON FUNCTION casework.urgent_contact_read(uuid) TO mp_staff;
