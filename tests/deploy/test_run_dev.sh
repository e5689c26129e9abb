#!/bin/sh
# `make run`'s script (deploy/run-dev.sh) in a var/ of its own, on free
# ports (PUBLIC_PORT=0 STAFF_PORT=0, never the fixed 8443/8444):
#   * the banner prints the URLs the daemons really listen on, and they
#     answer there;
#   * var/demo-logins.txt is mode 0600;
#   * one SIGTERM to the script, and one SIGINT to its process group (what
#     Ctrl-C sends), each stop both daemons and the PostgreSQL cluster
#     within a bounded time.
#
#   tests/deploy/test_run_dev.sh BUILD     exit 0 when everything held
set -u
build=${1:?usage: test_run_dev.sh BUILD}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
base=${MELDPUNT_TEST_TMP:-/tmp}
tmp=$(mktemp -d "$base/rundev.XXXXXX")
chmod 0755 "$tmp"
var="$tmp/var"
script_pid=""

say() { echo "run-dev: $*"; }
fail() { echo "run-dev: FAIL: $*"; [ -f "$tmp/out" ] && tail -n 30 "$tmp/out"; exit 1; }

# Anything of this instance still running (daemons, cluster), by the
# var/ path in its command line.
leftovers() {
	ps -eo pid=,args= | grep -F "$var" | grep -v grep
}
cleanup() {
	[ -n "$script_pid" ] && kill -TERM "$script_pid" 2>/dev/null
	sleep 1
	"$top/deploy/pgcluster.sh" stop "$var/pg" >/dev/null 2>&1
	for p in $(leftovers | awk '{print $1}'); do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# start: run-dev.sh in a session of its own; waits (bounded) for the
# banner and sets $pub and $staff to the URLs it prints.  A command
# started with & from a script ignores SIGINT, and a shell cannot trap a
# signal ignored on entry: env --default-signal gives it the disposition
# it has when typed at a terminal, so the SIGINT below is a real Ctrl-C.
start() {
	: >"$tmp/out"
	MELDPUNT_VAR="$var" PUBLIC_PORT=0 STAFF_PORT=0 \
	    setsid env --default-signal=INT sh "$top/deploy/run-dev.sh" \
	    "$build" >"$tmp/out" 2>&1 </dev/null &
	script_pid=$!
	i=0
	while ! grep -q '^  staff console  https://' "$tmp/out"; do
		i=$((i + 1))
		[ $i -lt 600 ] || fail "no banner within 120 s"
		kill -0 "$script_pid" 2>/dev/null || fail "run-dev.sh exited"
		sleep 0.2
	done
	pub=$(sed -n 's|^  reporter page  \(https://[^ ]*\)/ .*|\1|p' "$tmp/out")
	staff=$(sed -n 's|^  staff console  \(https://[^ ]*\)/ .*|\1|p' "$tmp/out")
	[ -n "$pub" ] && [ -n "$staff" ] || fail "no URLs in the banner"
	case "$pub$staff" in
	*:8443*|*:8444*|*:0/*|*:0) fail "banner shows configured, not real, ports: $pub $staff" ;;
	esac
}

# stop_with SIGNAL TARGET: send it once; everything must be gone in 30 s.
stop_with() {
	# /bin/kill: the shell's builtin may not take a negative pid (group).
	/bin/kill -s "$1" -- "$2" || fail "kill -s $1 $2"
	i=0
	while kill -0 "$script_pid" 2>/dev/null || [ -n "$(leftovers)" ]; do
		i=$((i + 1))
		[ $i -lt 150 ] || { leftovers; fail "still running 30 s after one SIG$1"; }
		sleep 0.2
	done
	wait "$script_pid" 2>/dev/null
	script_pid=""
	grep -q '^make run: stopped' "$tmp/out" || fail "no \"stopped\" line after SIG$1"
	say "one SIG$1 stopped the daemons and the cluster"
}

start
for u in "$pub/healthz" "$staff/healthz"; do
	code=$(curl -sk -o /dev/null -w '%{http_code}' "$u")
	[ "$code" = 200 ] || fail "$u answered $code"
done
say "the banner's URLs answer: $pub $staff"
mode=$(stat -c %a "$var/demo-logins.txt" 2>/dev/null) || fail "no demo-logins.txt"
[ "$mode" = 600 ] || fail "demo-logins.txt has mode $mode"
say "demo-logins.txt is 0600"
stop_with TERM "$script_pid"

# A second start reuses var/; Ctrl-C signals the whole process group.
start
stop_with INT "-$script_pid"
say "ok"
