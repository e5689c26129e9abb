-- 0082_annual_counters.sql: maintained counters for the yearly figures an
-- authority reports (issue 18 part 4): reports received per category,
-- acknowledged within 7 days, feedback within 3 months, referrals by
-- organisation type, closed by outcome.
--
-- stats.annual holds one row per (year, category, measure, level).  Like
-- stats.counters it changes only in the transaction that changes a case,
-- here through triggers on casework.cases and casework.referrals, so no
-- staff or admin function had to be redefined and none can skip it.  No
-- case id, no per-report row; purging a case leaves its counts.
--
--   received       year received; level ''.
--   acknowledged   year received; within_7_days | later (acknowledged_on
--                  minus received_on; the automatic acknowledgement in the
--                  reporter's inbox counts, DESIGN section 6).
--   first_contact  year received; within_7_days | later: the handler's
--                  own first contact (message or acknowledgement).
--   feedback       year received; within_3_months | later: the first time
--                  the case reached an outcome state (referred, resolved,
--                  unfounded, withdrawn), measured from acknowledgement;
--                  recorded in the new column cases.feedback_on.
--   referred       year of referred_on; level the organisation *type*
--                  (enumerated in casework.organisation_types), '' when
--                  not given.  Never the organisation's name: that is free
--                  text, may be sealed, and is no statistic.
--   closed         year of closed_on; level the outcome.  Reopening takes
--                  the case out of its closing year again, so the figure
--                  is "cases whose current closure fell in that year".
--
-- Rows for years before this migration are back-filled from the cases,
-- their transitions and referrals; feedback_on likewise.

SET LOCAL ROLE mp_owner;

CREATE TABLE casework.organisation_types (
	id		casework.dim PRIMARY KEY CHECK (id <> '')
);
INSERT INTO casework.organisation_types VALUES
    ('police'), ('public_prosecutor'), ('labour_inspectorate'),
    ('human_rights_institute'), ('antidiscrimination_service'),
    ('veilig_thuis'), ('municipality'), ('care_provider'), ('legal_aid'),
    ('trade_union'), ('other');
GRANT SELECT ON casework.organisation_types TO mp_staff;

ALTER TABLE casework.referrals ADD COLUMN org_type casework.dim
    REFERENCES casework.organisation_types;
ALTER TABLE casework.cases ADD COLUMN feedback_on date;

CREATE TABLE stats.annual (
	year		integer NOT NULL CHECK (year BETWEEN 1900 AND 9999),
	category	casework.dim NOT NULL,
	measure		text NOT NULL CHECK (measure IN ('received',
	    'acknowledged', 'first_contact', 'feedback', 'referred',
	    'closed')),
	level		casework.dim NOT NULL,
	n		bigint NOT NULL CHECK (n >= 0),
	PRIMARY KEY (year, category, measure, level)
);

-- Add p_delta to one cell; never below zero (MP040, as counter_add).
CREATE FUNCTION stats.annual_add(p_day date, p_category text,
    p_measure text, p_level text, p_delta integer) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_year	integer := pg_catalog.date_part('year', p_day)::integer;
BEGIN
	IF p_delta > 0 THEN
		INSERT INTO stats.annual AS a (year, category, measure, level, n)
		    VALUES (v_year, p_category, p_measure, p_level, p_delta)
		    ON CONFLICT (year, category, measure, level)
		    DO UPDATE SET n = a.n + excluded.n;
	ELSIF p_delta < 0 THEN
		UPDATE stats.annual SET n = n + p_delta
		    WHERE year = v_year AND category = p_category AND
		    measure = p_measure AND level = p_level AND n >= -p_delta;
		IF NOT FOUND THEN
			RAISE EXCEPTION USING ERRCODE = 'MP040',
			    MESSAGE = 'statistics counter would go below zero';
		END IF;
	END IF;
END
$$;

CREATE FUNCTION stats.annual_days(p_from date, p_to date, p_days integer)
    RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT CASE WHEN p_to <= p_from + p_days THEN 'within_7_days'
	ELSE 'later' END $$;

CREATE FUNCTION stats.annual_feedback(p_ack date, p_feedback date)
    RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT CASE WHEN p_feedback <= p_ack + interval '3 months'
	THEN 'within_3_months' ELSE 'later' END $$;

-- Before a state change: the first outcome state reached is feedback.
CREATE FUNCTION stats.annual_cases_before() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF NEW.feedback_on IS NULL AND NEW.state IN ('referred', 'resolved',
	    'unfounded', 'withdrawn') THEN
		NEW.feedback_on := current_date;
	END IF;
	RETURN NEW;
END
$$;

CREATE FUNCTION stats.annual_cases_after() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM stats.annual_add(NEW.received_on, NEW.category,
		    'received', '', 1);
	END IF;
	IF NEW.acknowledged_on IS NOT NULL AND (TG_OP = 'INSERT' OR
	    OLD.acknowledged_on IS NULL) THEN
		PERFORM stats.annual_add(NEW.received_on, NEW.category,
		    'acknowledged', stats.annual_days(NEW.received_on,
		    NEW.acknowledged_on, 7), 1);
	END IF;
	IF NEW.first_contact_on IS NOT NULL AND (TG_OP = 'INSERT' OR
	    OLD.first_contact_on IS NULL) THEN
		PERFORM stats.annual_add(NEW.received_on, NEW.category,
		    'first_contact', stats.annual_days(NEW.received_on,
		    NEW.first_contact_on, 7), 1);
	END IF;
	IF NEW.feedback_on IS NOT NULL AND (TG_OP = 'INSERT' OR
	    OLD.feedback_on IS NULL) THEN
		PERFORM stats.annual_add(NEW.received_on, NEW.category,
		    'feedback', stats.annual_feedback(coalesce(
		    NEW.acknowledged_on, NEW.received_on), NEW.feedback_on), 1);
	END IF;
	IF TG_OP = 'UPDATE' AND OLD.state = 'closed' AND
	    (NEW.state <> 'closed' OR NEW.closed_on IS DISTINCT FROM
	    OLD.closed_on OR NEW.outcome <> OLD.outcome) THEN
		PERFORM stats.annual_add(OLD.closed_on, OLD.category, 'closed',
		    OLD.outcome, -1);
	END IF;
	IF NEW.state = 'closed' AND NEW.closed_on IS NOT NULL AND
	    (TG_OP = 'INSERT' OR OLD.state <> 'closed' OR
	    NEW.closed_on IS DISTINCT FROM OLD.closed_on OR
	    NEW.outcome <> OLD.outcome) THEN
		PERFORM stats.annual_add(NEW.closed_on, NEW.category, 'closed',
		    NEW.outcome, 1);
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION stats.annual_referrals_after() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_cat	text;
BEGIN
	SELECT c.category INTO v_cat FROM casework.cases c
	    WHERE c.id = NEW.case_id;
	IF TG_OP = 'UPDATE' THEN
		PERFORM stats.annual_add(OLD.referred_on, v_cat, 'referred',
		    coalesce(OLD.org_type, ''), -1);
	END IF;
	PERFORM stats.annual_add(NEW.referred_on, v_cat, 'referred',
	    coalesce(NEW.org_type, ''), 1);
	RETURN NULL;
END
$$;

CREATE TRIGGER annual_before BEFORE UPDATE OF state ON casework.cases
    FOR EACH ROW EXECUTE FUNCTION stats.annual_cases_before();
CREATE TRIGGER annual_after AFTER INSERT OR UPDATE ON casework.cases
    FOR EACH ROW EXECUTE FUNCTION stats.annual_cases_after();
CREATE TRIGGER annual_referrals AFTER INSERT OR UPDATE OF org_type,
    referred_on ON casework.referrals
    FOR EACH ROW EXECUTE FUNCTION stats.annual_referrals_after();

-- Back-fill: feedback_on from the first transition into an outcome state,
-- then every counter from the rows as they are now.
UPDATE casework.cases c SET feedback_on = t.first_outcome
    FROM (SELECT case_id, min(at)::date AS first_outcome
	FROM casework.transitions WHERE to_state IN ('referred', 'resolved',
	'unfounded', 'withdrawn') GROUP BY case_id) t
    WHERE t.case_id = c.id AND c.feedback_on IS NULL;
DELETE FROM stats.annual;
INSERT INTO stats.annual (year, category, measure, level, n)
SELECT date_part('year', d)::integer, category, measure, level, count(*)
FROM (
	SELECT received_on AS d, category, 'received' AS measure, '' AS level
	    FROM casework.cases
	UNION ALL SELECT received_on, category, 'acknowledged',
	    stats.annual_days(received_on, acknowledged_on, 7)
	    FROM casework.cases WHERE acknowledged_on IS NOT NULL
	UNION ALL SELECT received_on, category, 'first_contact',
	    stats.annual_days(received_on, first_contact_on, 7)
	    FROM casework.cases WHERE first_contact_on IS NOT NULL
	UNION ALL SELECT received_on, category, 'feedback',
	    stats.annual_feedback(coalesce(acknowledged_on, received_on),
	    feedback_on)
	    FROM casework.cases WHERE feedback_on IS NOT NULL
	UNION ALL SELECT closed_on, category, 'closed', outcome
	    FROM casework.cases WHERE state = 'closed' AND closed_on IS NOT NULL
	UNION ALL SELECT r.referred_on, c.category, 'referred',
	    coalesce(r.org_type, '')
	    FROM casework.referrals r JOIN casework.cases c ON c.id = r.case_id
) x GROUP BY 1, 2, 3, 4;

-- Set the organisation type of a referral the session may see (the type
-- only; the organisation's name stays whatever referral_add stored).
CREATE FUNCTION casework.referral_classify(p_referral bigint,
    p_org_type text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_case	uuid;
	v_uid	integer;
BEGIN
	SELECT r.case_id INTO v_case FROM casework.referrals r
	    WHERE r.id = p_referral;
	v_uid := casework.require_case(v_case);
	IF NOT EXISTS (SELECT 1 FROM casework.organisation_types t
	    WHERE t.id = p_org_type) THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'unknown organisation type';
	END IF;
	UPDATE casework.referrals SET org_type = p_org_type
	    WHERE id = p_referral;
	PERFORM audit.append('user:' || v_uid, 'case.referral_type',
	    'case:' || v_case, pg_catalog.jsonb_build_object('type',
	    p_org_type));
	RETURN p_referral;
END
$$;

-- meldctl stats annual (mp_research): the counters of one year, through
-- the same budget policy and audit as an export (ledger grouping
-- 'annual', period the year; audit action stats.annual).
CREATE FUNCTION stats.cli_annual(p_actor text, p_year integer, p_k integer,
    p_epsilon numeric)
    RETURNS TABLE (category text, measure text, level text, n bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
	v_from	date;
	v_left	numeric;
BEGIN
	IF p_actor IS NULL OR p_actor !~ '^[A-Za-z0-9_.@-]{1,60}$' OR
	    p_year IS NULL OR p_year < 1900 OR p_year > 9999 THEN
		RAISE EXCEPTION USING ERRCODE = 'MP005',
		    MESSAGE = 'malformed export arguments';
	END IF;
	v_from := make_date(p_year, 1, 1);
	v_left := stats.budget_debit('cli:' || p_actor, '{annual}', v_from,
	    make_date(p_year, 12, 1), 'csv', p_k, p_epsilon, current_date);
	PERFORM audit.admin_event(p_actor, 'stats.annual', '',
	    pg_catalog.jsonb_build_object('year', p_year, 'k', p_k,
	    'epsilon', p_epsilon, 'remaining', v_left));
	RETURN QUERY SELECT a.category::text, a.measure, a.level::text, a.n
	    FROM stats.annual a WHERE a.year = p_year AND a.n > 0;
END
$$;

GRANT EXECUTE ON FUNCTION casework.referral_classify(bigint, text)
    TO mp_staff;
GRANT EXECUTE ON FUNCTION stats.cli_annual(text, integer, integer, numeric)
    TO mp_research;
