#!/bin/sh
# Audited appends under concurrency (issue 19 part 1; docs/benchmarks.md
# "Staff side under concurrency").  One throw-away cluster with fsync on,
# the real schema, and two append functions side by side in the same run:
#
#   old  the body of 0003's audit.append: lock the one audit.head row,
#        chain, insert, update the head -- the lock is held to commit,
#        i.e. through the WAL flush;
#   new  0070's audit.append: one INSERT of a pending event.
#
# pgbench runs each as its own transaction (one fsync'd commit per event)
# from 1, 8 and 32 clients, 8 s per cell, over the cluster's Unix socket;
# the table shows transactions per second and the scaling over one client.
# Ratios measured in one run are what to compare: absolute figures depend
# on the disk and on what else runs.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
command -v pgbench >/dev/null || { echo "audit_append: no pgbench"; exit 1; }
tmp=$(mktemp -d /tmp/meldpunt-auditbench.XXXXXX)
chmod 0755 "$tmp"
cleanup() {
	"$top/deploy/pgcluster.sh" stop "$tmp/pg" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
envs=$(MELDPUNT_PG_FSYNC=on "$top/deploy/pgcluster.sh" start "$tmp/pg") || exit 1
eval "$envs"
createdb bench || exit 1
"$build/meldctl" -d dbname=bench migrate --schema-dir "$top/schema" \
    >/dev/null 2>&1 || { echo "audit_append: migrate failed"; exit 1; }
psql -qX -v ON_ERROR_STOP=1 -d bench >/dev/null <<'SQL' || exit 1
CREATE TABLE old_events (LIKE audit.events);
CREATE TABLE old_head (one boolean PRIMARY KEY, last_id bigint,
    last_hash bytea);
INSERT INTO old_head VALUES (true, 0, decode(repeat('00', 32), 'hex'));
CREATE FUNCTION old_append(p_actor text, p_action text, p_object text,
    p_details jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v_prev	bytea;
	v_id	bigint;
	v_at	timestamptz := clock_timestamp();
	v_hash	bytea;
BEGIN
	SELECT last_hash INTO STRICT v_prev FROM old_head FOR UPDATE;
	v_id := nextval('audit.events_id_seq');
	v_hash := sha256(v_prev || audit.canonical(v_id, v_at, p_actor,
	    p_action, p_object, p_details));
	INSERT INTO old_events (id, at, actor, action, object, details,
	    prev_hash, hash) VALUES (v_id, v_at, p_actor, p_action, p_object,
	    p_details, v_prev, v_hash);
	UPDATE old_head SET last_id = v_id, last_hash = v_hash;
	RETURN v_id;
END $$;
SQL
echo "SELECT old_append('user:1', 'case.read', 'case:x', '{}');" \
    > "$tmp/old.sql"
echo "SELECT audit.append('user:1', 'case.read', 'case:x', '{}');" \
    > "$tmp/new.sql"
echo "audit appends, one commit each, fsync on; load average before:" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| append | clients | tx/s | vs 1 client | latency avg ms |"
echo "|---|---:|---:|---:|---:|"
for f in old new; do
	one=
	for c in 1 8 32; do
		out=$(pgbench -n -c "$c" -j 2 -T 8 -f "$tmp/$f.sql" bench \
		    2>/dev/null)
		tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
		lat=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\).*/\1/p')
		[ -n "$tps" ] || { echo "audit_append: pgbench failed"; exit 1; }
		[ -n "$one" ] || one=$tps
		awk -v f="$f" -v c="$c" -v t="$tps" -v o="$one" -v l="$lat" \
		    'BEGIN { printf "| %s | %d | %.0f | %.2fx | %s |\n", f, c, t,
		    t / o, l }'
	done
done
