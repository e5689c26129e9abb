-- 0300_session_touch_shared.sql: concurrent requests of one staff session
-- no longer wait for each other.
--
-- Every staff request runs casework.session_touch() first, in the same
-- transaction as its statements (daemon/ssession.c).  Since 0006 it
-- UPDATEd the session's last_seen_at on every call, so the session row
-- stayed locked until the request committed -- WAL flush included -- and
-- every other request of the same session (a second tab, the console
-- loading a case's parts at once, eight clients of bench_staff) queued
-- behind it: the quiet run of 2 December showed eight clients of one
-- session at 1.5-1.8x one client's throughput with seven of the eight
-- backends in "Lock: transactionid" on that row (docs/benchmarks.md §3b).
--
-- Now the touch checks the session with a plain read and writes
-- last_seen_at only when the stored value is older than a step g =
-- least(30 seconds, idle_timeout / 30), and then only if no other
-- transaction holds the row (SKIP LOCKED: that one is writing the same
-- fact).  Nothing ever waits.  What changes: the idle timeout counts from
-- a last_seen_at up to g older than the last request, so a session may end
-- up to g earlier than idle_timeout after its last request (30 s of the
-- default 15 minutes; 1 s of a 30 s test timeout, which the console's
-- polling renews well within); never later.  Validity (absolute expiry,
-- idle timeout, disabled user) is checked exactly as before.
-- tests/schema/test_session.c shows both.

SET LOCAL ROLE mp_owner;

CREATE OR REPLACE FUNCTION casework.session_touch(p_token_hash bytea)
    RETURNS TABLE (user_id integer, username text, kind text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
	v_uid	integer;
	v_name	text;
	v_kind	text;
	v_seen	timestamptz;
	v_idle	interval;
BEGIN
	SELECT u.id, u.username, u.kind, s.last_seen_at, s.idle_timeout
	    INTO v_uid, v_name, v_kind, v_seen, v_idle
	    FROM casework.sessions s JOIN casework.users u ON u.id = s.user_id
	    WHERE s.token_hash = p_token_hash AND NOT u.disabled
	    AND s.expires_at > pg_catalog.now()
	    AND s.last_seen_at + s.idle_timeout > pg_catalog.now();
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF v_seen < pg_catalog.now() -
	    LEAST(interval '30 seconds', v_idle / 30) THEN
		UPDATE casework.sessions s SET last_seen_at = pg_catalog.now()
		    WHERE s.token_hash = p_token_hash AND s.ctid = (
			SELECT s2.ctid FROM casework.sessions s2
			WHERE s2.token_hash = p_token_hash
			FOR UPDATE SKIP LOCKED);
	END IF;
	RETURN QUERY SELECT v_uid, v_name, v_kind;
END
$$;
