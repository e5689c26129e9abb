-- 0052_coarse_times.sql: no exact times in reporter-side rows (issue 11
-- part 5).
--
-- cases.first_response_due of an urgent case was submission + 1 hour to
-- the microsecond, which gave away the exact submission time that
-- received_on (a date) hides.  The workflow needs the deadline to the hour,
-- so it is now stored rounded UP to the next full hour (UTC; never earlier
-- than the interval the queue promises), by a trigger on cases: whoever
-- writes it (intake.submit_report, a later migration, meldctl) cannot store
-- more precision, and a CHECK says so.  Existing rows are rounded here;
-- their exact values stay in dead tuples, WAL and backups until those age
-- out (deploy/README.md, "What PostgreSQL itself keeps").

SET LOCAL ROLE mp_owner;

-- Up to the next full hour since the epoch (so independent of TimeZone).
CREATE FUNCTION casework.hour_ceil(p timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
	SELECT pg_catalog.to_timestamp(pg_catalog.ceil(
	    pg_catalog.date_part('epoch', p) / 3600) * 3600)
    $$;

CREATE FUNCTION casework.coarse_times() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	NEW.first_response_due := casework.hour_ceil(NEW.first_response_due);
	RETURN NEW;
END
$$;

CREATE TRIGGER coarse_times BEFORE INSERT OR UPDATE OF first_response_due
    ON casework.cases FOR EACH ROW EXECUTE FUNCTION casework.coarse_times();

UPDATE casework.cases SET first_response_due = first_response_due
    WHERE first_response_due IS NOT NULL;

ALTER TABLE casework.cases ADD CONSTRAINT cases_due_to_the_hour
    CHECK (first_response_due = casework.hour_ceil(first_response_due));
