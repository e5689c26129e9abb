-- 0060_key_manifest.sql: the signed key manifest (issue 12, docs/crypto.md
-- §10).  `meldctl keys sign` (mp_admin) stores a manifest text and its
-- ECDSA P-256 signature made with the offline manifest-signing key; the
-- public process reads the newest one with intake.key_manifest() and
-- serves it with the forms.  The row protects nothing by itself: anyone
-- who can write here (mp_admin, a superuser) can also write keys.  What
-- protects the keys is the signature, checked by every client against a
-- signing public key that never comes from this database.  The table is
-- insert-only for mp_admin so that history stays visible, and versions
-- only grow, so an old manifest cannot be made the newest by re-storing.

SET LOCAL ROLE mp_owner;

CREATE TABLE casework.key_manifests (
	version		bigint PRIMARY KEY CHECK (version > 0),
	body		text NOT NULL CHECK (octet_length(body) <= 65536),
	signature	bytea NOT NULL CHECK (octet_length(signature) = 64),
	stored_at	timestamptz NOT NULL DEFAULT now(),
	-- The version column is the one inside the signed text.
	CHECK (substring(body FROM '^[^\n]*\nversion ([0-9]+)\n')::bigint =
	    version)
);

-- Versions grow: a new row must be above every row stored so far.
CREATE FUNCTION casework.key_manifest_grows() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM casework.key_manifests
	    WHERE version >= NEW.version) THEN
		RAISE EXCEPTION 'manifest version must grow'
		    USING ERRCODE = 'MP409';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER key_manifest_grows BEFORE INSERT ON casework.key_manifests
    FOR EACH ROW EXECUTE FUNCTION casework.key_manifest_grows();

-- Every key a client may be told to seal to, for signing: exactly the
-- rows intake.forms_keys() serves for each category, with the recovery
-- and identity keys once under category '*', and the day each key was
-- made (its "from" date in the manifest).
CREATE FUNCTION casework.manifest_keys()
    RETURNS TABLE (purpose text, category text, key_id text, kem_id integer,
	kdf_id integer, aead_id integer, public_key bytea, created_on date)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT DISTINCT f.purpose,
	    CASE WHEN f.purpose = 'queue' THEN c.id ELSE '*' END,
	    f.key_id, f.kem_id, f.kdf_id, f.aead_id, f.public_key,
	    COALESCE(q.created_on, r.created_on, i.created_on)
	FROM casework.categories c
	CROSS JOIN LATERAL intake.forms_keys(c.id) f
	LEFT JOIN casework.queue_keys q
	    ON f.purpose = 'queue' AND q.key_id = f.key_id
	LEFT JOIN casework.recovery_keys r
	    ON f.purpose = 'recovery' AND r.key_id = f.key_id
	LEFT JOIN identity.keys i
	    ON f.purpose = 'identity' AND i.key_id = f.key_id
	ORDER BY 1, 2, 3
    $$;

-- The newest manifest, for the public process.
CREATE FUNCTION intake.key_manifest()
    RETURNS TABLE (version bigint, body text, signature bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT m.version, m.body, m.signature FROM casework.key_manifests m
	ORDER BY m.version DESC LIMIT 1
    $$;

GRANT SELECT, INSERT ON casework.key_manifests TO mp_admin;
REVOKE ALL ON FUNCTION casework.manifest_keys(), intake.key_manifest()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION casework.manifest_keys() TO mp_admin;
GRANT EXECUTE ON FUNCTION intake.key_manifest() TO mp_public;
