-- 0007_admin.sql: what meldctl (mp_admin) may do: users, queues, keys and
-- routing rules; retention; audit verification (granted in 0003).
--
-- mp_admin administers the structure, not the content: it reads no
-- envelope, note, message, receipt or contact, and sees of a case only the
-- columns retention needs.  It writes user rows (a new user's verifier and
-- sealed blobs are produced by meldctl) but cannot read the secret columns
-- back.  It has nothing in stats (DESIGN section 3).

SET LOCAL ROLE mp_owner;

-- Categories whose requests could find no queue: no rule with this
-- category (or NULL) and NULL subtype, urgency and province.  meldctl
-- route load refuses a rule set for which this returns rows.
CREATE FUNCTION casework.routing_check() RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT c.id::text FROM casework.categories c
	WHERE NOT EXISTS (SELECT 1 FROM casework.routing_rules r
	    WHERE (r.category IS NULL OR r.category = c.id)
	    AND r.subtype IS NULL AND r.urgent IS NULL AND r.province IS NULL)
	ORDER BY 1
    $$;

-- Retention (art. 18): destroy the case's keys first -- the DEK wraps and
-- the receipt-sealed thread key -- then its rows (the queue-wrapped thread
-- key goes with the case row).  Dead tuples, WAL and backups keep the old
-- rows until VACUUM and backup expiry; what makes them unreadable for good
-- is retiring and destroying the queue key that opened those wraps
-- (docs/schema.md, "Retention").  The contact
-- row can only be found through the link HMAC, which the caller computes
-- with the link key (officers) and passes, or NULL.  Statistics stay.
CREATE FUNCTION casework.purge_case(p_actor text, p_case uuid,
    p_contact_link bytea) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM casework.cases WHERE id = p_case) THEN
		RETURN false;
	END IF;
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

-- Cases: the retention columns only, through a policy that admits every
-- row (RLS is enabled on the table, so mp_admin needs a policy too).
CREATE POLICY admin_retention ON casework.cases FOR SELECT TO mp_admin
    USING (true);

GRANT USAGE ON SCHEMA casework, identity, intake TO mp_admin;
GRANT SELECT (id, queue_id, category, state, received_on, closed_on)
    ON casework.cases TO mp_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON casework.queues,
    casework.queue_members, casework.queue_keys, casework.routing_rules,
    casework.recovery_keys, identity.keys TO mp_admin;
GRANT SELECT ON casework.categories, casework.states TO mp_admin;
-- Wraps of queue private keys to members: written by `queue members add`;
-- readable so that meldctl can re-wrap for a new member when run with
-- the recovery key.
GRANT SELECT, INSERT, DELETE ON casework.queue_key_wraps TO mp_admin;
CREATE POLICY admin_all ON casework.queue_key_wraps TO mp_admin
    USING (true) WITH CHECK (true);
GRANT SELECT (id, username, kind, kem_id, public_key, failures,
    backoff_until, disabled, created_at) ON casework.users TO mp_admin;
GRANT INSERT, UPDATE ON casework.users TO mp_admin;
-- No grant on sessions: disabling a user (users.disabled) ends every one
-- of their sessions at once, because session_user_id() checks it.
GRANT USAGE ON SEQUENCE casework.queues_id_seq, casework.users_id_seq,
    casework.routing_rules_id_seq TO mp_admin;
GRANT EXECUTE ON FUNCTION casework.routing_check(),
    casework.purge_case(text, uuid, bytea) TO mp_admin;
