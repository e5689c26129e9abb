-- 0051_sealed_staff_text.sql: staff free text sealed to the case (issue 11
-- part 4; docs/crypto.md section 10 "Sealed staff text").
--
-- Transition reasons, referral organisation and reference, and the reason
-- of an identity-disclosure request were stored in clear and so appeared
-- verbatim in pg_dump, the data files and WAL.  The staff process now seals
-- each under the case key (an envelope item, docs/crypto.md section 2.7,
-- with the case key as the key) and stores only the item; the old clear
-- columns keep '' for new rows.  Only enumerated codes (states, statuses)
-- stay in clear.  Being under the case key, the texts are shredded with
-- the case (0050).  The functions taking clear text are dropped, so no
-- caller can store it any more.  Rows written before this migration keep
-- their clear text until the case is purged.

SET LOCAL ROLE mp_owner;

ALTER TABLE casework.transitions
    ADD COLUMN reason_sealed bytea
	CHECK (octet_length(reason_sealed) <= 4096);
ALTER TABLE casework.referrals
    ADD COLUMN organisation_sealed bytea
	CHECK (octet_length(organisation_sealed) <= 4096),
    ADD COLUMN reference_sealed bytea
	CHECK (octet_length(reference_sealed) <= 4096),
    DROP CONSTRAINT referrals_organisation_check,
    ADD CONSTRAINT referrals_organisation_given
	CHECK (length(organisation) <= 200
	    AND (organisation <> '' OR organisation_sealed IS NOT NULL));
ALTER TABLE identity.requests
    ADD COLUMN reason_sealed bytea
	CHECK (octet_length(reason_sealed) <= 9000),
    DROP CONSTRAINT requests_reason_check,
    ADD CONSTRAINT requests_reason_given
	CHECK (length(reason) <= 2000
	    AND (reason <> '' OR reason_sealed IS NOT NULL));

-- A sealed item: version 1, nonce, at least one 256-byte padded block and
-- the tag (docs/crypto.md section 2.7).  NULL passes (no text).
CREATE FUNCTION casework.sealed_ok(p bytea, p_max integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT p IS NULL OR (octet_length(p) BETWEEN 1 + 12 + 256 + 16 AND p_max
	    AND pg_catalog.get_byte(p, 0) = 1)
    $$;

DROP FUNCTION casework.case_transition(uuid, text, text);
CREATE FUNCTION casework.case_transition(p_case uuid, p_to text,
    p_reason bytea) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
	c	casework.cases%ROWTYPE;
	v_out	text;
BEGIN
	IF NOT casework.sealed_ok(p_reason, 4096) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'reason not sealed';
	END IF;
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
	    reason, reason_sealed, by_user) VALUES (p_case, c.state, p_to,
	    '', p_reason, v_uid);
	PERFORM audit.append('user:' || v_uid, 'case.transition',
	    'case:' || p_case, pg_catalog.jsonb_build_object('from', c.state,
	    'to', p_to));
	RETURN p_to;
END
$$;

DROP FUNCTION casework.referral_add(uuid, text, date, text);
CREATE FUNCTION casework.referral_add(p_case uuid, p_organisation bytea,
    p_referred_on date, p_reference bytea) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
	v_id	bigint;
BEGIN
	IF p_organisation IS NULL OR NOT casework.sealed_ok(p_organisation,
	    4096) OR NOT casework.sealed_ok(p_reference, 4096) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'organisation or reference not sealed';
	END IF;
	INSERT INTO casework.referrals (case_id, organisation,
	    organisation_sealed, referred_on, reference, reference_sealed,
	    by_user) VALUES (p_case, '', p_organisation, p_referred_on, '',
	    p_reference, v_uid)
	    RETURNING id INTO v_id;
	PERFORM audit.append('user:' || v_uid, 'case.referral',
	    'case:' || p_case, '{}');
	RETURN v_id;
END
$$;

DROP FUNCTION casework.identity_request(uuid, text);
CREATE FUNCTION casework.identity_request(p_case uuid, p_reason bytea)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_uid	integer := casework.require_case(p_case);
	v_kind	text;
	v_given	boolean;
	v_id	bigint;
BEGIN
	SELECT u.kind INTO v_kind FROM casework.users u WHERE u.id = v_uid;
	IF v_kind NOT IN ('handler', 'officer') THEN
		RAISE EXCEPTION USING ERRCODE = 'MP022',
		    MESSAGE = 'case workers only';
	END IF;
	IF p_reason IS NULL OR NOT casework.sealed_ok(p_reason, 9000) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'a sealed reason is required';
	END IF;
	SELECT c.contact_given INTO v_given FROM casework.cases c
	    WHERE c.id = p_case;
	IF NOT coalesce(v_given, false) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP023',
		    MESSAGE = 'the reporter gave no contact details';
	END IF;
	INSERT INTO identity.requests (case_id, requested_by, reason,
	    reason_sealed) VALUES (p_case, v_uid, '', p_reason)
	    RETURNING id INTO v_id;
	PERFORM audit.append('user:' || v_uid, 'identity.request',
	    'case:' || p_case, pg_catalog.jsonb_build_object('request', v_id));
	RETURN v_id;
END
$$;

-- Officers: every request, with the sealed reason and the case key that
-- opens it (a clear reason only for rows from before 0051).
DROP FUNCTION casework.identity_requests();
CREATE FUNCTION casework.identity_requests()
    RETURNS TABLE (id bigint, case_id uuid, requested_by text, reason text,
	requested_at timestamptz, status text, decided_by text,
	decided_at timestamptz, reporter_notified_on date,
	reason_sealed bytea, ck_epoch integer, ck_enc bytea,
	ck_wrapped bytea)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	PERFORM casework.identity_officer();
	RETURN QUERY SELECT r.id, r.case_id, ru.username, r.reason,
	    r.requested_at, r.status, du.username, r.decided_at,
	    r.reporter_notified_on, r.reason_sealed, k.epoch, k.enc, k.wrapped
	    FROM identity.requests r
	    LEFT JOIN casework.users ru ON ru.id = r.requested_by
	    LEFT JOIN casework.users du ON du.id = r.decided_by
	    LEFT JOIN casework.case_keys k ON k.case_id = r.case_id
	    ORDER BY r.id;
END
$$;

GRANT EXECUTE ON FUNCTION casework.case_transition(uuid, text, bytea),
    casework.referral_add(uuid, bytea, date, bytea),
    casework.identity_request(uuid, bytea), casework.identity_requests()
    TO mp_staff;
