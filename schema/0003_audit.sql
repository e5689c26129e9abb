-- 0003_audit.sql: the append-only, hash-chained audit log.
--
-- hash(n) = SHA-256(prev_hash(n) || canonical(n)), prev_hash(n) = hash(n-1)
-- (32 zero bytes for the first event).  canonical() is specified byte for
-- byte in docs/schema.md; admin/audit.c recomputes it in C for `meldctl
-- audit verify`, so the two must change together (bump the "v1" tag).
-- Appends are serialised by the row lock on audit.head, held to commit.
-- No login role has UPDATE, DELETE or TRUNCATE on the tables, and triggers
-- refuse them even for the owner; only a superuser who disables the
-- triggers can rewrite history, and verify then names the first bad row.

SET LOCAL ROLE mp_owner;

-- Length-prefixed UTF-8: four bytes big-endian length, then the bytes.
-- The prefix makes the concatenation unambiguous.
CREATE FUNCTION audit.lp(p text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT pg_catalog.int4send(pg_catalog.octet_length(
	pg_catalog.convert_to(p, 'UTF8'))) || pg_catalog.convert_to(p, 'UTF8') $$;

CREATE FUNCTION audit.canonical(p_id bigint, p_at timestamptz, p_actor text,
    p_action text, p_object text, p_details jsonb) RETURNS bytea
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT pg_catalog.convert_to('meldpunt-audit-v1', 'UTF8')
	    || audit.lp(p_id::text)
	    || audit.lp(pg_catalog.to_char(p_at AT TIME ZONE 'UTC',
		'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
	    || audit.lp(p_actor) || audit.lp(p_action) || audit.lp(p_object)
	    || audit.lp(p_details::text)
    $$;

-- The one writer.  Not granted to any login role: the role-specific
-- wrappers below decide who the actor is.
CREATE FUNCTION audit.append(p_actor text, p_action text, p_object text,
    p_details jsonb) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_prev	bytea;
	v_id	bigint;
	v_at	timestamptz := pg_catalog.clock_timestamp();
	v_hash	bytea;
BEGIN
	SELECT last_hash INTO STRICT v_prev FROM audit.head FOR UPDATE;
	v_id := pg_catalog.nextval('audit.events_id_seq');
	v_hash := pg_catalog.sha256(v_prev || audit.canonical(v_id, v_at,
	    p_actor, p_action, coalesce(p_object, ''),
	    coalesce(p_details, '{}')));
	INSERT INTO audit.events (id, at, actor, action, object, details,
	    prev_hash, hash)
	    VALUES (v_id, v_at, p_actor, p_action, coalesce(p_object, ''),
	    coalesce(p_details, '{}'), v_prev, v_hash);
	UPDATE audit.head SET last_id = v_id, last_hash = v_hash;
	RETURN v_id;
END
$$;

CREATE FUNCTION audit.refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'MP030',
	    MESSAGE = 'audit events are append-only';
END
$$;

CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON audit.events
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON audit.events
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER head_no_delete BEFORE DELETE ON audit.head
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER head_no_truncate BEFORE TRUNCATE ON audit.head
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- meldctl (mp_admin) names its own actor, e.g. "meldctl:alice": the
-- administrator is trusted to say who runs the command.
CREATE FUNCTION audit.admin_event(p_actor text, p_action text, p_object text,
    p_details jsonb) RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT audit.append('admin:' || p_actor, p_action, p_object,
	p_details) $$;

-- mp_admin verifies the chain; it reads, and nothing else.
GRANT USAGE ON SCHEMA audit TO mp_admin;
GRANT SELECT ON audit.events, audit.head TO mp_admin;
GRANT EXECUTE ON FUNCTION audit.admin_event(text, text, text, jsonb)
    TO mp_admin;
