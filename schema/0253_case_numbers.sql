-- 0253_case_numbers.sql: a case number the reporter can read from the
-- inbox and a handler can find the case by, e.g. when the reporter phones
-- (issue 13 "find a case by its case number"; docs/staff-api.md "Case
-- numbers").
--
-- Eight characters from an alphabet without look-alikes
-- (23456789ABCDEFGHJKLMNPQRSTUVWXYZ: no 0/O, no 1/I), shown as two groups
-- of four: 40 random bits from the server's strong random source
-- (gen_random_uuid), drawn again on the rare clash, one per case.
--
-- What it is for and what not: it names a case to staff.  It is neither
-- the receipt (which proves the reporter and opens the inbox) nor the case
-- id (which staff API calls take), and neither can be derived from it.
-- Knowing it lets nobody act on the case: every reporter action needs the
-- receipt, every staff action a staff session that may see the case.  It
-- is not secret -- the reporter may read it out on the phone -- so it must
-- never be treated as proof that a caller is the reporter: a handler who
-- finds a case by a caller's number learns which case the caller means,
-- not who the caller is.  With 2^40 numbers and a million cases a guessed
-- number hits a case about once in a million tries, and a hit only tells a
-- handler's screen which case that is.

SET LOCAL ROLE mp_owner;

ALTER TABLE casework.cases ADD COLUMN case_number text
    CHECK (case_number ~ '^[2-9A-HJ-NP-Z]{8}$');

-- A number no case has yet.  Internal: only the trigger below calls it.
CREATE FUNCTION casework.case_number_new() RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_alpha	constant text := '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
	v_b	bytea;
	v_n	bigint;
	v_out	text;
BEGIN
	LOOP
		-- The first five bytes of a version 4 UUID are random.
		v_b := pg_catalog.uuid_send(pg_catalog.gen_random_uuid());
		v_n := (pg_catalog.get_byte(v_b, 0)::bigint << 32) |
		    (pg_catalog.get_byte(v_b, 1)::bigint << 24) |
		    (pg_catalog.get_byte(v_b, 2)::bigint << 16) |
		    (pg_catalog.get_byte(v_b, 3)::bigint << 8) |
		    pg_catalog.get_byte(v_b, 4)::bigint;
		v_out := '';
		FOR i IN 0..7 LOOP
			v_out := v_out || pg_catalog.substr(v_alpha,
			    ((v_n >> (35 - 5 * i)) & 31)::integer + 1, 1);
		END LOOP;
		EXIT WHEN NOT EXISTS (SELECT 1 FROM casework.cases c
		    WHERE c.case_number = v_out);
	END LOOP;
	RETURN v_out;
END
$$;

-- Unique, and the way both the clash check and the staff's search find a
-- number.
CREATE UNIQUE INDEX cases_case_number ON casework.cases (case_number);

-- Cases stored before this migration, one statement each, so that each
-- draw sees the numbers given before it.
DO $$
DECLARE
	r	record;
BEGIN
	FOR r IN SELECT id FROM casework.cases WHERE case_number IS NULL LOOP
		UPDATE casework.cases SET case_number =
		    casework.case_number_new() WHERE id = r.id;
	END LOOP;
END
$$;

ALTER TABLE casework.cases ALTER COLUMN case_number SET NOT NULL;

CREATE FUNCTION casework.case_number_assign() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	NEW.case_number := casework.case_number_new();
	RETURN NEW;
END
$$;

-- Whoever inserts a case (intake.submit_report, tests, tools) gets one.
CREATE TRIGGER case_number_assign BEFORE INSERT ON casework.cases
    FOR EACH ROW EXECUTE FUNCTION casework.case_number_assign();

-- The reporter's view of her case number: the same credential as
-- reporter_case() (lookup id and verifier); nothing without it.
CREATE FUNCTION casework.reporter_case_number(p_lookup_id bytea,
    p_verifier bytea) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT c.case_number
	FROM casework.receipts r JOIN casework.cases c ON c.id = r.case_id
	WHERE r.lookup_id = p_lookup_id AND r.verifier = p_verifier
    $$;

REVOKE ALL ON FUNCTION casework.case_number_new() FROM PUBLIC;
REVOKE ALL ON FUNCTION casework.case_number_assign() FROM PUBLIC;
REVOKE ALL ON FUNCTION casework.reporter_case_number(bytea, bytea)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION casework.reporter_case_number(bytea, bytea)
    TO mp_public;
