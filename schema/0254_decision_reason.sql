-- 0254_decision_reason.sql: a privacy officer gives a reason with her
-- decision on an identity request -- above all when she refuses it -- and
-- the handlers of the case see it in the case history (issue 13
-- "approve/refuse with reason"; docs/staff-api.md "Identity disclosure").
--
-- The reason is staff free text about the case, so it is sealed under the
-- case key like the request's own reason (docs/crypto.md §12.1, label
-- "meldpunt-identity-decision-reason") and shredded with the case.  The
-- officer's session reaches the case key through the request
-- (casework.identity_requests()), not through the case's queue.

SET LOCAL ROLE mp_owner;

ALTER TABLE identity.requests
    ADD COLUMN decision_reason_sealed bytea
	CHECK (octet_length(decision_reason_sealed) <= 9000);

-- identity_decide of 0042 with the sealed reason (NULL: none given).
CREATE FUNCTION casework.identity_decide(p_request bigint,
    p_approve boolean, p_reason bytea) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_out	text;
BEGIN
	IF NOT casework.sealed_ok(p_reason, 9000) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'reason not sealed';
	END IF;
	v_out := casework.identity_decide(p_request, p_approve);
	UPDATE identity.requests r SET decision_reason_sealed = p_reason
	    WHERE r.id = p_request;
	RETURN v_out;
END
$$;

-- 0252's history, with the sealed reason of each identity decision (the
-- staff process opens it with the case key of the reader's session).
CREATE OR REPLACE FUNCTION casework.case_history(p_case uuid)
    RETURNS TABLE (n bigint, at timestamptz, actor text, action text,
	details jsonb)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT e.id, e.at,
	    coalesce((SELECT u.username FROM casework.users u
		WHERE 'user:' || u.id = e.actor), e.actor),
	    e.action,
	    CASE e.action
	    WHEN 'case.transfer' THEN pg_catalog.jsonb_build_object(
		'from', (SELECT q.name FROM casework.queues q
		    WHERE q.id = (e.details ->> 'from')::integer),
		'to', (SELECT q.name FROM casework.queues q
		    WHERE q.id = (e.details ->> 'to')::integer))
	    WHEN 'case.transition' THEN pg_catalog.jsonb_build_object(
		'from', e.details -> 'from', 'to', e.details -> 'to')
	    WHEN 'identity.approve' THEN pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('reason_sealed',
		(SELECT pg_catalog.encode(r.decision_reason_sealed, 'hex')
		FROM identity.requests r WHERE r.case_id = p_case
		AND r.id = (e.details ->> 'request')::bigint)))
	    WHEN 'identity.refuse' THEN pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('reason_sealed',
		(SELECT pg_catalog.encode(r.decision_reason_sealed, 'hex')
		FROM identity.requests r WHERE r.case_id = p_case
		AND r.id = (e.details ->> 'request')::bigint)))
	    ELSE '{}'::jsonb END
	FROM audit.events e
	WHERE casework.session_case(p_case)
	AND e.object LIKE 'case:%' AND e.object = 'case:' || p_case
	AND e.action <> 'case.read'
	ORDER BY e.id
    $$;

REVOKE ALL ON FUNCTION casework.identity_decide(bigint, boolean, bytea)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION casework.identity_decide(bigint, boolean, bytea)
    TO mp_staff;
