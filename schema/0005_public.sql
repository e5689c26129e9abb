-- 0005_public.sql: everything the public listener (mp_public) may do.
--
-- mp_public has no table privilege at all; it has USAGE on the schemas
-- holding these functions and EXECUTE on exactly six of them.  Each is
-- SECURITY DEFINER (runs as mp_owner) with search_path pinned to
-- pg_catalog, pg_temp and every name schema-qualified, so a caller cannot
-- substitute objects.  Errors use SQLSTATEs of class MP (docs/schema.md)
-- and messages that never echo a parameter.  No function here writes an
-- audit event or anything else with a time: an audit row at submission
-- would store the exact submission time that DESIGN section 1 forbids.
--
-- The reporter's credential is (lookup_id, verifier) on every call; the
-- public process keeps reporter sessions in memory only.

SET LOCAL ROLE mp_owner;

-- Routing: first matching rule by position; NULL fields match anything.
CREATE FUNCTION casework.route(p_category text, p_subtype text,
    p_urgent boolean, p_province text) RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT r.queue_id FROM casework.routing_rules r
	WHERE (r.category IS NULL OR r.category = p_category)
	  AND (r.subtype IS NULL OR r.subtype = p_subtype)
	  AND (r.urgent IS NULL OR r.urgent = p_urgent)
	  AND (r.province IS NULL OR r.province = p_province)
	ORDER BY r.position LIMIT 1
    $$;

-- Store one report.  Arguments, in order (the daemon calls positionally):
--   clear fields: category, subtype, province, ground, sector,
--     immediate_danger, travel_date (kept only as "within 14 days")
--   envelope: version, kem_id, kdf_id, aead_id, nonce, ciphertext
--   DEK wraps to every listed key: key ids, encs, wrapped DEKs (parallel)
--   thread key HPKE-wrapped to every listed queue key: key ids, encs, wraps
--   receipt: lookup id, salt, verifier, Argon2id m (KiB), t, p, and the
--     thread key sealed under the receipt-derived key
--   contact (all NULL or all given): link HMAC, identity key id, enc, ct
--   case id: NULL to let the database draw one; the daemon passes its own
--     when it needs it for the contact link HMAC
-- Keeps only the routed queue's current-key wraps and the recovery wrap.
CREATE FUNCTION intake.submit_report(
    p_category text, p_subtype text, p_province text, p_ground text,
    p_sector text, p_immediate_danger boolean, p_travel_date date,
    p_env_version smallint, p_kem_id integer, p_kdf_id integer,
    p_aead_id integer, p_nonce bytea, p_ciphertext bytea,
    p_wrap_key_ids text[], p_wrap_encs bytea[], p_wrap_deks bytea[],
    p_tk_key_ids text[], p_tk_encs bytea[], p_tk_wraps bytea[],
    p_receipt_lookup bytea, p_receipt_salt bytea, p_receipt_verifier bytea,
    p_argon2_m_kib integer, p_argon2_t integer, p_argon2_p integer,
    p_thread_key_sealed bytea,
    p_contact_link bytea, p_contact_key_id text, p_contact_enc bytea,
    p_contact_ct bytea,
    p_case_id uuid)
    RETURNS TABLE (urgent boolean, received_on date, ack_due date,
	feedback_due date, first_response_due timestamptz, ack_text_key text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
	v_today		date := current_date;
	v_travel	boolean;
	v_signal	boolean;
	v_queue		casework.queues%ROWTYPE;
	v_qkey		text;
	v_rkey		text;
	v_qi		integer;
	v_ri		integer;
	v_ti		integer;
	v_n		integer;
	v_case		uuid := coalesce(p_case_id, pg_catalog.gen_random_uuid());
	v_ack_due	date;
	v_fb_due	date;
	v_fr_due	timestamptz;
BEGIN
	IF p_category IS NULL OR NOT EXISTS (SELECT 1
	    FROM casework.categories c WHERE c.id = p_category) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP001',
		    MESSAGE = 'unknown category';
	END IF;
	v_n := coalesce(pg_catalog.cardinality(p_wrap_key_ids), 0);
	IF v_n = 0 OR v_n > 32
	    OR pg_catalog.cardinality(p_wrap_encs) IS DISTINCT FROM v_n
	    OR pg_catalog.cardinality(p_wrap_deks) IS DISTINCT FROM v_n
	    OR pg_catalog.cardinality(p_tk_key_ids) > 32
	    OR pg_catalog.cardinality(p_tk_encs)
		IS DISTINCT FROM pg_catalog.cardinality(p_tk_key_ids)
	    OR pg_catalog.cardinality(p_tk_wraps)
		IS DISTINCT FROM pg_catalog.cardinality(p_tk_key_ids) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'wrap arrays missing or of unequal length';
	END IF;
	IF (p_contact_link IS NULL) <> (p_contact_ct IS NULL)
	    OR (p_contact_link IS NULL) <> (p_contact_enc IS NULL)
	    OR (p_contact_link IS NULL) <> (p_contact_key_id IS NULL) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'contact fields must be all given or all absent';
	END IF;
	-- Every listed key must be a current queue key or the current
	-- recovery key: a stale form is refused, not half-stored.
	IF EXISTS (SELECT 1 FROM pg_catalog.unnest(p_wrap_key_ids) k(id)
	    WHERE k.id IS NULL OR (NOT EXISTS (SELECT 1
		FROM casework.queue_keys q WHERE q.key_id = k.id AND q.current)
	    AND NOT EXISTS (SELECT 1 FROM casework.recovery_keys r
		WHERE r.key_id = k.id AND r.current))) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP003',
		    MESSAGE = 'a wrap names an unknown or retired key';
	END IF;

	v_travel := p_travel_date IS NOT NULL
	    AND p_travel_date BETWEEN v_today AND v_today + 14;
	v_signal := coalesce(p_immediate_danger, false) OR v_travel;
	SELECT * INTO v_queue FROM casework.queues q
	    WHERE q.id = casework.route(p_category, coalesce(p_subtype, ''),
	    v_signal, coalesce(p_province, ''));
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'MP002',
		    MESSAGE = 'no routing rule matches';
	END IF;
	SELECT q.key_id INTO v_qkey FROM casework.queue_keys q
	    WHERE q.queue_id = v_queue.id AND q.current;
	v_qi := pg_catalog.array_position(p_wrap_key_ids, v_qkey);
	v_ti := pg_catalog.array_position(p_tk_key_ids, v_qkey);
	IF v_qkey IS NULL OR v_qi IS NULL OR v_ti IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP003',
		    MESSAGE = 'no wrap for the routed queue''s current key';
	END IF;
	SELECT r.key_id INTO v_rkey FROM casework.recovery_keys r
	    WHERE r.current;
	v_ri := pg_catalog.array_position(p_wrap_key_ids, v_rkey);
	IF v_rkey IS NULL OR v_ri IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'MP004',
		    MESSAGE = 'no wrap for the recovery key';
	END IF;

	-- The automatic acknowledgement counts as acknowledgement (DESIGN
	-- section 6), so feedback is due from today; ack_due still tracks the
	-- handler's own first contact.
	v_ack_due := (v_today + v_queue.ack_interval)::date;
	v_fb_due := (v_today + v_queue.feedback_interval)::date;
	IF v_queue.first_response_interval IS NOT NULL THEN
		v_fr_due := pg_catalog.now() + v_queue.first_response_interval;
	END IF;

	INSERT INTO casework.cases (id, queue_id, category, subtype, province,
	    ground, sector, immediate_danger, travel_soon, urgent, priority,
	    received_on, ack_due, acknowledged_on, feedback_due,
	    first_response_due, contact_given, thread_key_id, thread_key_enc,
	    thread_key_wrapped)
	    VALUES (v_case, v_queue.id, p_category, coalesce(p_subtype, ''),
	    coalesce(p_province, ''), coalesce(p_ground, ''),
	    coalesce(p_sector, ''), coalesce(p_immediate_danger, false),
	    v_travel, v_fr_due IS NOT NULL,
	    CASE WHEN v_fr_due IS NOT NULL THEN 1 ELSE 3 END,
	    v_today, v_ack_due, v_today, v_fb_due, v_fr_due,
	    p_contact_link IS NOT NULL, v_qkey, p_tk_encs[v_ti],
	    p_tk_wraps[v_ti]);
	INSERT INTO casework.receipts (case_id, lookup_id, salt, verifier,
	    argon2_m_kib, argon2_t, argon2_p, thread_key_sealed)
	    VALUES (v_case, p_receipt_lookup, p_receipt_salt,
	    p_receipt_verifier, p_argon2_m_kib, p_argon2_t, p_argon2_p,
	    p_thread_key_sealed);
	INSERT INTO intake.envelopes (case_id, version, kem_id, kdf_id,
	    aead_id, category, nonce, ciphertext)
	    VALUES (v_case, p_env_version, p_kem_id, p_kdf_id, p_aead_id,
	    p_category, p_nonce, p_ciphertext);
	INSERT INTO intake.wraps (case_id, key_id, kind, enc, wrapped_dek)
	    VALUES (v_case, v_qkey, 'queue', p_wrap_encs[v_qi],
	    p_wrap_deks[v_qi]),
	    (v_case, v_rkey, 'recovery', p_wrap_encs[v_ri], p_wrap_deks[v_ri]);
	IF p_contact_link IS NOT NULL THEN
		IF NOT EXISTS (SELECT 1 FROM identity.keys k
		    WHERE k.key_id = p_contact_key_id AND k.current) THEN
			RAISE EXCEPTION USING ERRCODE = 'MP003',
			    MESSAGE = 'contact sealed to an unknown or retired key';
		END IF;
		INSERT INTO identity.contacts (link, key_id, enc, ciphertext)
		    VALUES (p_contact_link, p_contact_key_id, p_contact_enc,
		    p_contact_ct);
	END IF;
	INSERT INTO casework.messages (case_id, seq, direction, sent_on,
	    text_key) VALUES (v_case, 1, 'system', v_today, 'ack.received');
	PERFORM stats.counter_add(v_today, p_category, p_subtype, p_province,
	    p_ground, p_sector, '', 1);

	RETURN QUERY SELECT v_fr_due IS NOT NULL, v_today, v_ack_due,
	    v_fb_due, v_fr_due, 'ack.received'::text;
END
$$;

-- Salt and Argon2id parameters for a receipt's lookup id; no row when
-- unknown (the daemon then hashes against a dummy salt so that timing is
-- the same).
CREATE FUNCTION casework.receipt_salt(p_lookup_id bytea)
    RETURNS TABLE (salt bytea, argon2_m_kib integer, argon2_t integer,
	argon2_p integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT r.salt, r.argon2_m_kib, r.argon2_t, r.argon2_p
	FROM casework.receipts r WHERE r.lookup_id = p_lookup_id
    $$;

-- The case a receipt credential opens, or NULL.  Internal.
CREATE FUNCTION casework.receipt_case(p_lookup_id bytea, p_verifier bytea)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT r.case_id FROM casework.receipts r
	WHERE r.lookup_id = p_lookup_id AND r.verifier = p_verifier
    $$;

-- What the reporter may know about the case: state, clocks, and the thread
-- key sealed under their receipt.  No ids, no queue, no staff names.
CREATE FUNCTION casework.reporter_case(p_lookup_id bytea, p_verifier bytea)
    RETURNS TABLE (state text, category text, urgent boolean,
	received_on date, ack_due date, acknowledged_on date,
	feedback_due date, first_response_due timestamptz,
	thread_key_sealed bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT c.state, c.category::text, c.urgent, c.received_on, c.ack_due,
	    c.acknowledged_on, c.feedback_due, c.first_response_due,
	    r.thread_key_sealed
	FROM casework.receipts r JOIN casework.cases c ON c.id = r.case_id
	WHERE r.lookup_id = p_lookup_id AND r.verifier = p_verifier
    $$;

CREATE FUNCTION casework.reporter_messages(p_lookup_id bytea,
    p_verifier bytea)
    RETURNS TABLE (seq integer, direction text, sent_on date,
	text_key text, body bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT m.seq, m.direction, m.sent_on, m.text_key, m.body
	FROM casework.messages m
	WHERE m.case_id = casework.receipt_case(p_lookup_id, p_verifier)
	ORDER BY m.seq
    $$;

-- Append a reporter message (sealed under the thread key by the daemon).
-- Returns its sequence number, or NULL when the credential is wrong.  The
-- case row is locked so that concurrent appends get distinct numbers.
CREATE FUNCTION casework.reporter_add_message(p_lookup_id bytea,
    p_verifier bytea, p_body bytea) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_case	uuid := casework.receipt_case(p_lookup_id, p_verifier);
	v_seq	integer;
BEGIN
	IF v_case IS NULL THEN
		RETURN NULL;
	END IF;
	IF p_body IS NULL OR pg_catalog.octet_length(p_body) > 262144 THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'message body missing or too large';
	END IF;
	PERFORM 1 FROM casework.cases c WHERE c.id = v_case FOR UPDATE;
	SELECT coalesce(max(m.seq), 0) + 1 INTO v_seq
	    FROM casework.messages m WHERE m.case_id = v_case;
	IF v_seq > 1000 THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'thread is full';
	END IF;
	INSERT INTO casework.messages (case_id, seq, direction, sent_on, body)
	    VALUES (v_case, v_seq, 'reporter', current_date, p_body);
	RETURN v_seq;
END
$$;

-- Public keys a client seals to for a category: the current key of every
-- queue some rule can route this category to, the recovery key, and the
-- identity key for contact details.  Unknown category: no rows.
CREATE FUNCTION intake.forms_keys(p_category text)
    RETURNS TABLE (purpose text, queue_name text, key_id text,
	kem_id integer, kdf_id integer, aead_id integer, public_key bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT 'queue', q.name::text, k.key_id::text, k.kem_id, k.kdf_id,
	    k.aead_id, k.public_key
	FROM casework.queues q
	JOIN casework.queue_keys k ON k.queue_id = q.id AND k.current
	WHERE EXISTS (SELECT 1 FROM casework.categories c
		WHERE c.id = p_category)
	  AND q.id IN (SELECT r.queue_id FROM casework.routing_rules r
		WHERE r.category IS NULL OR r.category = p_category)
	UNION ALL
	SELECT 'recovery', NULL, r.key_id::text, r.kem_id, r.kdf_id,
	    r.aead_id, r.public_key
	FROM casework.recovery_keys r
	WHERE r.current AND EXISTS (SELECT 1 FROM casework.categories c
		WHERE c.id = p_category)
	UNION ALL
	SELECT 'identity', NULL, i.key_id::text, i.kem_id, i.kdf_id,
	    i.aead_id, i.public_key
	FROM identity.keys i
	WHERE i.current AND EXISTS (SELECT 1 FROM casework.categories c
		WHERE c.id = p_category)
	ORDER BY 1, 2, 3
    $$;

-- USAGE lets mp_public name the functions; it grants no table access.
GRANT USAGE ON SCHEMA intake, casework TO mp_public;
GRANT EXECUTE ON FUNCTION
    intake.submit_report(text, text, text, text, text, boolean, date,
	smallint, integer, integer, integer, bytea, bytea, text[], bytea[],
	bytea[], text[], bytea[], bytea[], bytea, bytea, bytea, integer,
	integer, integer, bytea, bytea, text, bytea, bytea, uuid),
    intake.forms_keys(text),
    casework.receipt_salt(bytea),
    casework.reporter_case(bytea, bytea),
    casework.reporter_messages(bytea, bytea),
    casework.reporter_add_message(bytea, bytea, bytea)
    TO mp_public;
