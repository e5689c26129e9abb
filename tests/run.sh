#!/bin/sh
# Run every Criterion binary in BUILD/tests against a throw-away PostgreSQL
# cluster that this script starts and always stops.  Prints each binary's
# Synthesis line and a total; exits non-zero on any failure.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)

tmp=$(mktemp -d /tmp/meldpunt-test.XXXXXX)
chmod 0755 "$tmp"
cleanup() {
	"$top/deploy/pgcluster.sh" stop "$tmp/pg" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# fsync off: this cluster is thrown away; durability is tested elsewhere
# with a cluster of its own.
envs=$(MELDPUNT_PG_FSYNC=off "$top/deploy/pgcluster.sh" start "$tmp/pg") || exit 1
eval "$envs"
export MELDPUNT_TOP="$top" MELDPUNT_BUILD="$build" MELDPUNT_TEST_TMP="$tmp"
export MELDPUNT_PGCLUSTER="$top/deploy/pgcluster.sh"

tested=0 passed=0 failed=0 crashed=0 rc=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	echo "== $name"
	out="$tmp/$name.out"
	"$t" ${CRITERION_ARGS:-} >"$out" 2>&1
	trc=$?
	cat "$out"
	line=$(grep 'Synthesis:' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name: no Criterion summary (exit $trc)"
		rc=1; failed=$((failed + 1)); continue
	fi
	n() { echo "$line" | sed -n "s/.*$1: \([0-9]*\).*/\1/p"; }
	tested=$((tested + $(n Tested)))
	passed=$((passed + $(n Passing)))
	failed=$((failed + $(n Failing)))
	crashed=$((crashed + $(n Crashing)))
	[ $trc -eq 0 ] || rc=1
	# Criterion counts a test whose worker LeakSanitizer or UBSan
	# complained about as passed: the sanitizers' own lines decide.
	if grep -qE 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$out"; then
		echo "$name: sanitizer report above"
		rc=1; failed=$((failed + 1))
	fi
done

# Installation scripts (tests/deploy/test_*.sh): each is one test that
# exits 0 when everything it checks held.
for s in "$top"/tests/deploy/test_*.sh; do
	[ -f "$s" ] || continue
	name=$(basename "$s" .sh)
	echo "== deploy $name"
	out="$tmp/deploy-$name.out"
	sh "$s" "$build" >"$out" 2>&1
	src=$?
	cat "$out"
	tested=$((tested + 1))
	if [ $src -eq 0 ]; then
		passed=$((passed + 1))
	else
		echo "$name: FAILED (exit $src)"
		failed=$((failed + 1)); rc=1
	fi
done

# The reference web client in a real headless Chromium (tests/browser/):
# node's test runner prints TAP; its totals join the Criterion ones.  It
# skips only when chromium cannot be installed, and says so.
# MELDPUNT_SKIP_BROWSER=1 (make test-ha, which runs one Criterion test)
# leaves them out, saying so; MELDPUNT_BROWSER_FILES="a.test.mjs ..."
# runs only those files of tests/browser/ (.ci/run's sanitizer pass).
echo "== browser tests"
out="$tmp/browser.out"
if [ -n "${MELDPUNT_SKIP_BROWSER:-}" ]; then
	echo "meldpunt-browser: SKIPPED: MELDPUNT_SKIP_BROWSER is set" >"$out"
	brc=0
else
	set --
	for f in ${MELDPUNT_BROWSER_FILES:-}; do
		set -- "$@" "tests/browser/$f"
	done
	"$top/tests/browser/run.sh" "$build" "$@" >"$out" 2>&1
	brc=$?
fi
cat "$out"
if grep -q '^meldpunt-browser: SKIPPED' "$out"; then
	echo "browser tests: SKIPPED (see the line above)"
else
	tap() { sed -n "s/^# $1 \([0-9]*\)$/\1/p" "$out" | tail -n 1; }
	bt=$(tap tests) bp=$(tap pass) bf=$(tap fail)
	if [ -z "$bt" ] || [ -z "$bp" ] || [ -z "$bf" ]; then
		echo "browser tests: no summary (exit $brc)"
		rc=1; failed=$((failed + 1))
	else
		echo "browser tests: $bp passed, $bf failed"
		tested=$((tested + bt))
		passed=$((passed + bp))
		failed=$((failed + bf))
	fi
	[ $brc -eq 0 ] || rc=1
fi

[ $tested -gt 0 ] || rc=1
echo
echo "[====] Synthesis: Tested: $tested | Passing: $passed | Failing: $failed | Crashing: $crashed"
echo "meldpunt: $passed passed, $((failed + crashed)) failed"
exit $rc
