-- 0190_attachments.sql: files a reporter attaches to a report (issue 17
-- item 3; docs/crypto.md §14, docs/reporter-api.md "Attachments").
--
-- The browser seals each file under the report's DEK in chunks of 256 KiB
-- padded to a size bucket; the server never sees a byte, a name or a type
-- in clear.  An attachment is uploaded after the submission under the
-- reporter's session: every function here takes the receipt's lookup id
-- and verifier and finds the case from them, so an upload can only ever
-- belong to the case of the receipt that began it.
--
-- Rows are casework data: they go with their case (ON DELETE CASCADE from
-- casework.cases, so casework.purge_case and retention remove them without
-- a change), and a copy of them is shredded with the case key like every
-- item under the DEK (docs/crypto.md §12).  A pending upload carries the
-- day after which it is stale (no time finer than a day); every begin
-- sweeps stale ones.  Limits (files per case, chunks per file) come from
-- the public process's configuration as parameters.

SET LOCAL ROLE mp_owner;

CREATE TABLE casework.attachments (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	case_id		uuid NOT NULL REFERENCES casework.cases ON DELETE CASCADE,
	-- 1, 2, ... within the case once committed; NULL while pending.
	n		integer CHECK (n BETWEEN 1 AND 1000),
	file_id		bytea NOT NULL CHECK (octet_length(file_id) = 16),
	chunks		integer NOT NULL CHECK (chunks BETWEEN 1 AND 256),
	meta		bytea NOT NULL CHECK (casework.sealed_ok(meta, 4096)),
	stale_after	date,
	CHECK ((n IS NULL) = (stale_after IS NOT NULL)),
	UNIQUE (case_id, n)
);
CREATE INDEX attachments_case ON casework.attachments (case_id);
CREATE INDEX attachments_stale ON casework.attachments (stale_after)
    WHERE stale_after IS NOT NULL;

CREATE TABLE casework.attachment_chunks (
	attachment_id	uuid NOT NULL REFERENCES casework.attachments
			    ON DELETE CASCADE,
	idx		integer NOT NULL CHECK (idx >= 0 AND idx < 256),
	ct		bytea NOT NULL CHECK (octet_length(ct) = 262160),
	PRIMARY KEY (attachment_id, idx)
);
-- Ciphertext does not compress: store it out of line without trying.
ALTER TABLE casework.attachment_chunks ALTER COLUMN ct SET STORAGE EXTERNAL;
REVOKE ALL ON casework.attachments, casework.attachment_chunks FROM PUBLIC;

-- The receipt's case, or SQLSTATE 28000.
CREATE FUNCTION casework.attach_case(p_lookup_id bytea, p_verifier bytea)
    RETURNS uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_case	uuid := casework.receipt_case(p_lookup_id, p_verifier);
BEGIN
	IF v_case IS NULL THEN
		RAISE EXCEPTION 'no such receipt' USING ERRCODE = '28000';
	END IF;
	RETURN v_case;
END
$$;

-- Begin an upload of p_chunks chunks: MP191 when the file is larger than
-- p_max_chunks allows, MP192 when the case has p_max_files attachments
-- (committed or pending) already.  Concurrent begins of one case are
-- serialised so the count holds.
CREATE FUNCTION casework.attach_begin(p_lookup_id bytea, p_verifier bytea,
    p_file_id bytea, p_chunks integer, p_meta bytea, p_max_files integer,
    p_max_chunks integer) RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_case	uuid := casework.attach_case(p_lookup_id, p_verifier);
	v_id	uuid;
BEGIN
	DELETE FROM casework.attachments WHERE stale_after < current_date;
	IF p_chunks > p_max_chunks THEN
		RAISE EXCEPTION 'attachment too large' USING ERRCODE = 'MP191';
	END IF;
	PERFORM pg_advisory_xact_lock(190, hashtext(v_case::text));
	IF (SELECT count(*) FROM casework.attachments
	    WHERE case_id = v_case) >= p_max_files THEN
		RAISE EXCEPTION 'too many attachments' USING ERRCODE = 'MP192';
	END IF;
	INSERT INTO casework.attachments (case_id, file_id, chunks, meta,
	    stale_after)
	    VALUES (v_case, p_file_id, p_chunks, p_meta, current_date + 1)
	    RETURNING id INTO v_id;
	RETURN v_id;
END
$$;

-- Store chunk p_idx of a pending upload of the receipt's case (again:
-- a retry replaces it).  MP193: no such pending upload for this receipt;
-- MP194: the index is outside the upload.
CREATE FUNCTION casework.attach_chunk(p_lookup_id bytea, p_verifier bytea,
    p_upload uuid, p_idx integer, p_ct bytea) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_chunks	integer;
BEGIN
	SELECT a.chunks INTO v_chunks FROM casework.attachments a
	    WHERE a.id = p_upload
	    AND a.case_id = casework.attach_case(p_lookup_id, p_verifier)
	    AND a.stale_after >= current_date;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no such upload' USING ERRCODE = 'MP193';
	END IF;
	IF p_idx < 0 OR p_idx >= v_chunks THEN
		RAISE EXCEPTION 'no such chunk' USING ERRCODE = 'MP194';
	END IF;
	INSERT INTO casework.attachment_chunks (attachment_id, idx, ct)
	    VALUES (p_upload, p_idx, p_ct)
	    ON CONFLICT (attachment_id, idx) DO UPDATE SET ct = EXCLUDED.ct;
END
$$;

-- Finish an upload once every chunk is stored; its number in the case.
-- MP193: no such upload for this receipt; MP195: chunks are missing.  A
-- repeated commit answers the same number.
CREATE FUNCTION casework.attach_commit(p_lookup_id bytea, p_verifier bytea,
    p_upload uuid) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_case		uuid := casework.attach_case(p_lookup_id, p_verifier);
	v_chunks	integer;
	v_n		integer;
BEGIN
	PERFORM pg_advisory_xact_lock(190, hashtext(v_case::text));
	SELECT a.chunks, a.n INTO v_chunks, v_n FROM casework.attachments a
	    WHERE a.id = p_upload AND a.case_id = v_case
	    AND (a.n IS NOT NULL OR a.stale_after >= current_date);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no such upload' USING ERRCODE = 'MP193';
	END IF;
	IF v_n IS NOT NULL THEN
		RETURN v_n;
	END IF;
	IF (SELECT count(*) FROM casework.attachment_chunks
	    WHERE attachment_id = p_upload) <> v_chunks THEN
		RAISE EXCEPTION 'upload incomplete' USING ERRCODE = 'MP195';
	END IF;
	SELECT coalesce(max(n), 0) + 1 INTO v_n FROM casework.attachments
	    WHERE case_id = v_case;
	UPDATE casework.attachments SET n = v_n, stale_after = NULL
	    WHERE id = p_upload;
	RETURN v_n;
END
$$;

-- Staff read committed attachments of the cases they see: the EXISTS
-- form of 0040, filtered in turn by the policies on cases and on
-- attachments.
ALTER TABLE casework.attachments ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.attachment_chunks ENABLE ROW LEVEL SECURITY;
CREATE POLICY staff_case ON casework.attachments FOR SELECT TO mp_staff
    USING (n IS NOT NULL AND EXISTS (SELECT 1 FROM casework.cases c
	WHERE c.id = attachments.case_id));
CREATE POLICY staff_case ON casework.attachment_chunks FOR SELECT
    TO mp_staff
    USING (EXISTS (SELECT 1 FROM casework.attachments a
	WHERE a.id = attachment_chunks.attachment_id));
GRANT SELECT ON casework.attachments, casework.attachment_chunks
    TO mp_staff;
GRANT EXECUTE ON FUNCTION
    casework.attach_begin(bytea, bytea, bytea, integer, bytea, integer,
	integer),
    casework.attach_chunk(bytea, bytea, uuid, integer, bytea),
    casework.attach_commit(bytea, bytea, uuid)
    TO mp_public;
