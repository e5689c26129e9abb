#!/bin/sh
# A private PostgreSQL 15 cluster in a directory, reachable only through a
# Unix socket in DIR/sock (no TCP listener).  Used by `make run` (DIR under
# var/) and by `make test` (a throw-away DIR under /tmp).
#
#   pgcluster.sh start DIR   initdb once, then start; prints shell exports
#   pgcluster.sh stop DIR    fast shutdown
#   pgcluster.sh env DIR     prints the exports without starting anything
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# `postgres` system user (runuser); otherwise to the calling user.  Local
# connections use trust authentication: the socket directory is mode 0700
# and owned by the cluster's user, so only that user (and root) reach it.
set -eu

cmd=${1:?usage: pgcluster.sh start|stop|env DIR}
dir=${2:?usage: pgcluster.sh start|stop|env DIR}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PGBIN/initdb" ] || { echo "pgcluster: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
	owner=postgres
	as() { runuser -u postgres -- "$@"; }
else
	owner=$(id -un)
	as() { "$@"; }
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
port=${MELDPUNT_PGPORT:-5432}

emit_env() {
	echo "export PGHOST='$dir/sock' PGPORT='$port' PGUSER='$owner' PGDATABASE=postgres"
}

case "$cmd" in
env)
	emit_env
	;;
start)
	if [ "$owner" = postgres ]; then
		chown postgres: "$dir"
		if ! as test -x "$dir"; then
			echo "pgcluster: user postgres cannot reach $dir (check the parents' permissions)" >&2
			exit 1
		fi
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as "$PGBIN/initdb" -D "$dir/data" -U "$owner" --auth-local=trust \
		    --auth-host=reject -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
			echo "pgcluster: initdb failed, see $dir/initdb.log" >&2; exit 1; }
	fi
	as mkdir -p "$dir/sock"
	as chmod 0700 "$dir/sock"
	if ! as "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
		    -o "-k '$dir/sock' -p $port -c listen_addresses='' -c fsync=${MELDPUNT_PG_FSYNC:-on}" \
		    start >/dev/null || { echo "pgcluster: start failed, see $dir/postgres.log" >&2; exit 1; }
	fi
	emit_env
	;;
stop)
	if [ -f "$dir/data/PG_VERSION" ]; then
		as "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
*)
	echo "pgcluster: unknown command $cmd" >&2
	exit 2
	;;
esac
