#!/bin/sh
# `make bench`: run every benchmark binary in BUILD/bench; each prints its
# own table.  Benchmarks that need a database or a running daemon start
# their own (loopback only, bounded in time).
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
export MELDPUNT_TOP="$top" MELDPUNT_BUILD="$top/$build"
rc=0
for b in "$build"/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || rc=1
done
for s in "$top"/bench/*.sh; do
	[ "$(basename "$s")" = run.sh ] && continue
	[ -x "$s" ] || continue
	echo "== $(basename "$s")"
	"$s" "$build" || rc=1
done
exit $rc
