#!/bin/sh
# A PostgreSQL 15 primary and hot standby managed by pg_auto_failover, all
# on loopback, in one directory: the monitor and two data nodes, each run
# by its own `pg_autoctl run` keeper.  Used by `make test-ha` and as the
# tested reference for deploy/README.md's two-host topology (there the
# three pieces run on three machines with the same commands).
#
#   pgha.sh start DIR [BASEPORT]  create once, then start; prints exports
#   pgha.sh stop DIR              stop keepers and PostgreSQL
#   pgha.sh state DIR             pg_autoctl show state
#   pgha.sh primary DIR           the port of the current primary
#   pgha.sh wait DIR SECS         wait until a primary and a secondary
#                                 report healthy (exit 1 on timeout)
#   pgha.sh kill-primary DIR      SIGKILL the primary's keeper and postmaster
#   pgha.sh conninfo DIR          multi-host libpq string, read-write target
#
# Ports: monitor BASEPORT, node1 BASEPORT+1, node2 BASEPORT+2 (default
# 25430).  Every server listens on 127.0.0.1 only, and its Unix socket is
# DIR/sock (mode 0700).  Authentication inside the test cluster is trust
# on loopback; deploy/README.md says what production uses instead (scram
# and TLS between hosts).  PostgreSQL refuses to run as root, so as root
# everything belongs to the `postgres` system user.
set -eu

cmd=${1:?usage: pgha.sh start|stop|state|primary|wait|kill-primary|conninfo DIR}
dir=${2:?usage: pgha.sh CMD DIR}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
command -v pg_autoctl >/dev/null 2>&1 || {
	echo "pgha: pg_autoctl missing (apt-get install pg-auto-failover-cli postgresql-15-auto-failover)" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
	owner=postgres
	as() { runuser -u postgres -- env XDG_CONFIG_HOME="$dir/xdg" \
	    XDG_DATA_HOME="$dir/xdg" PGHOST="$dir/sock" "$@"; }
else
	owner=$(id -un)
	as() { env XDG_CONFIG_HOME="$dir/xdg" XDG_DATA_HOME="$dir/xdg" \
	    PGHOST="$dir/sock" "$@"; }
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ "$owner" = postgres ] && chown postgres: "$dir"
if [ "$cmd" = start ]; then
	base=${3:-25430}
else
	base=$(cat "$dir/baseport" 2>/dev/null || echo 25430)
fi
mport=$base
monitor="postgres://autoctl_node@127.0.0.1:$mport/pg_auto_failover?sslmode=disable"

keeper() {	# keeper NAME: start `pg_autoctl run` for DIR/NAME if not running
	if pgrep -f "^[^ ]*pg_autoctl run --pgdata $dir/$1\$" >/dev/null 2>&1; then
		return 0
	fi
	# setsid: the keeper must outlive this script and not get the
	# caller's terminal signals; it is stopped by `pgha.sh stop`.
	as setsid "$(command -v pg_autoctl)" run --pgdata "$dir/$1" \
	    >>"$dir/$1.log" 2>&1 </dev/null &
}

# The clusters are made here first, with the socket directory in
# postgresql.auto.conf, and pg_autoctl adopts them.  `create monitor` has
# no --listen option and starts the monitor once with listen_addresses
# '*' while it installs its extension; `config set` then pins it to
# loopback for every later start.  make test-ha runs the whole topology
# in a network namespace of its own where it can (root), so even that
# first start reaches nothing but the namespace's loopback.
init_local() {	# init_local NAME PORT
	as "$PGBIN/initdb" -D "$dir/$1" -U "$owner" --auth-local=trust \
	    --auth-host=reject -E UTF8 --locale=C.UTF-8 >"$dir/$1.initdb.log" 2>&1
	# Local (socket) connections only; pg_autoctl appends the loopback
	# rules its monitor and replication need, and meldpunt's database
	# gets one line for the daemons' TCP connections (trust here, scram
	# in production: deploy/README.md).
	as sh -c "grep '^local' '$dir/$1/pg_hba.conf' >'$dir/$1/pg_hba.tmp' &&
	    echo 'host meldpunt all 127.0.0.1/32 trust' >>'$dir/$1/pg_hba.tmp' &&
	    mv '$dir/$1/pg_hba.tmp' '$dir/$1/pg_hba.conf'"
	as sh -c "printf \"listen_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n\" \
	    '$dir/sock' >>'$dir/$1/postgresql.auto.conf'"
}

node_port() { echo $((base + $1)); }

# Signal a keeper and everything it started.  `pg_autoctl run` forks
# helpers (one restarts PostgreSQL when it dies) that a signal to the
# parent alone leaves running; setsid made the keeper a process group of
# its own, so the whole group goes, as when its machine dies.
keeper_signal() {	# keeper_signal SIG NAME
	p=$(pgrep -f "^[^ ]*pg_autoctl run --pgdata $dir/$2\$" | head -n 1)
	[ -n "$p" ] || return 0
	g=$(ps -o pgid= -p "$p" | tr -d ' ')
	# pkill -g, not "kill -SIG -- -PGID": dash's kill (Debian's /bin/sh)
	# takes no "--" and refused that silently, so no keeper was ever
	# stopped and each test-ha run left its keepers running.
	[ -n "$g" ] && pkill -"$1" -g "$g" 2>/dev/null || true
}

case "$cmd" in
start)
	echo "$base" >"$dir/baseport"
	as mkdir -p "$dir/sock" "$dir/xdg"
	as chmod 0700 "$dir/sock"
	if [ ! -f "$dir/monitor/PG_VERSION" ]; then
		init_local monitor "$mport"
		as pg_autoctl create monitor --pgctl "$PGBIN/pg_ctl" \
		    --pgdata "$dir/monitor" --pgport "$mport" \
		    --hostname 127.0.0.1 --auth trust --no-ssl \
		    >"$dir/monitor.create.log" 2>&1 || {
			echo "pgha: monitor create failed, see $dir/monitor.create.log" >&2; exit 1; }
		as pg_autoctl config set --pgdata "$dir/monitor" \
		    postgresql.listen_addresses 127.0.0.1 >/dev/null
	fi
	keeper monitor
	for i in 1 2; do
		n=node$i
		if [ ! -f "$dir/$n/pg_autoctl.init" ] && [ ! -f "$dir/$n/PG_VERSION" ]; then
			[ $i -eq 1 ] && init_local $n "$(node_port 1)"
			# node2 is cloned from node1 (pg_basebackup), which
			# copies postgresql.auto.conf; its port is its own.
			as pg_autoctl create postgres --pgctl "$PGBIN/pg_ctl" \
			    --pgdata "$dir/$n" --pgport "$(node_port $i)" \
			    --pghost "$dir/sock" --listen 127.0.0.1 \
			    --hostname 127.0.0.1 --name "$n" --auth trust --no-ssl \
			    --dbname meldpunt --monitor "$monitor" \
			    >"$dir/$n.create.log" 2>&1 || {
				echo "pgha: $n create failed, see $dir/$n.create.log" >&2; exit 1; }
		fi
		keeper $n
		"$0" wait "$dir" 120 $i >/dev/null || {
			echo "pgha: $n did not become ready, see $dir/$n.log" >&2; exit 1; }
	done
	echo "export PGHA_CONNINFO='$("$0" conninfo "$dir")'"
	;;
stop)
	# The keepers first (else they restart PostgreSQL), then PostgreSQL.
	for n in node2 node1 monitor; do
		keeper_signal TERM $n
	done
	sleep 1
	for n in node2 node1 monitor; do
		keeper_signal KILL $n
		if [ -f "$dir/$n/PG_VERSION" ]; then
			as "$PGBIN/pg_ctl" -D "$dir/$n" -m fast -w -t 30 stop >/dev/null 2>&1 || true
		fi
		rm -f "$dir/$n.pid"
	done
	;;
state)
	as pg_autoctl show state --pgdata "$dir/monitor"
	;;
primary)
	as "$PGBIN/psql" -qAt -h 127.0.0.1 -p "$mport" -U autoctl_node pg_auto_failover -c \
	    "SELECT nodeport FROM pgautofailover.node WHERE reportedstate IN ('primary','wait_primary','single') AND goalstate = reportedstate ORDER BY nodeid LIMIT 1"
	;;
wait)
	secs=${3:-60}
	want=${4:-2}	# number of nodes that must be in a settled state
	i=0
	while [ "$i" -lt "$secs" ]; do
		n=$(as "$PGBIN/psql" -qAt -h 127.0.0.1 -p "$mport" -U autoctl_node pg_auto_failover -c \
		    "SELECT count(*) FILTER (WHERE reportedstate = goalstate AND reportedstate IN ('single','primary','wait_primary','secondary')),
		            count(*) FILTER (WHERE reportedstate = goalstate AND reportedstate IN ('single','primary','wait_primary'))
		       FROM pgautofailover.node" 2>/dev/null || echo "0|0")
		ok=${n%|*}; prim=${n#*|}
		if [ "$ok" -ge "$want" ] && [ "$prim" -eq 1 ]; then
			echo "pgha: $ok node(s) settled"; exit 0
		fi
		sleep 1; i=$((i + 1))
	done
	echo "pgha: not settled after ${secs}s" >&2
	exit 1
	;;
kill-primary)
	p=$("$0" primary "$dir")
	[ -n "$p" ] || { echo "pgha: no primary" >&2; exit 1; }
	n=node$((p - base))
	# The keeper first (else it restarts PostgreSQL at once), then the
	# postmaster: as if the machine had died.
	keeper_signal KILL $n
	pm=$(head -n 1 "$dir/$n/postmaster.pid" 2>/dev/null || true)
	[ -n "$pm" ] && kill -9 "$pm" 2>/dev/null || true
	echo "$n"
	;;
conninfo)
	# IP addresses only, so that libpq never resolves a name on the
	# daemon's event loop; read-write picks whichever node is primary.
	echo "host=127.0.0.1,127.0.0.1 port=$(node_port 1),$(node_port 2) dbname=meldpunt target_session_attrs=read-write connect_timeout=2"
	;;
*)
	echo "pgha: unknown command $cmd" >&2; exit 2
	;;
esac
