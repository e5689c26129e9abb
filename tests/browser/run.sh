#!/bin/sh
# Browser tests of the reference web client (web/): node's test runner
# drives Debian's headless chromium through playwright-core against real
# meldpuntd processes (tests/browser/lib/stack.mjs) and a real PostgreSQL.
#
#   tests/browser/run.sh [BUILD [TEST-FILE...]]
#
# Installs what is missing first: `npm ci` from the repository's
# package-lock.json, and, as root, the Debian packages chromium (and
# nodejs/npm if there is no node at all).  Uses the cluster of the
# calling tests/run.sh when PGHOST is set, else starts a throw-away one.
# Skips -- with a line saying so, never silently -- only when chromium
# cannot be installed.  Output is TAP; tests/run.sh adds its totals.
set -u
build=${1:-build}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- tests/browser/
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
chromium=${MELDPUNT_CHROMIUM:-/usr/bin/chromium}

as_root_install() {
	[ "$(id -u)" -eq 0 ] || return 1
	echo "meldpunt-browser: installing $*" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "$@" >/dev/null 2>&1 && return 0
	apt-get update -qq >/dev/null 2>&1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "$@" >/dev/null 2>&1
}

if [ ! -x "$chromium" ]; then
	as_root_install chromium || true
fi
if [ ! -x "$chromium" ]; then
	echo "meldpunt-browser: SKIPPED: chromium is not installed and cannot be" \
	    "(run: sudo apt-get install chromium)"
	exit 0
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	as_root_install nodejs npm || {
		echo "meldpunt-browser: node and npm are needed (apt-get install nodejs npm)" >&2
		exit 1
	}
fi

# npm ci when node_modules does not match the lock file.
if ! cmp -s "$top/package-lock.json" "$top/node_modules/.package-lock.json.ci" 2>/dev/null ||
    [ ! -f "$top/node_modules/playwright-core/package.json" ]; then
	(cd "$top" && npm ci --no-audit --no-fund --loglevel=error) >&2 || {
		echo "meldpunt-browser: npm ci failed" >&2
		exit 1
	}
	cp "$top/package-lock.json" "$top/node_modules/.package-lock.json.ci"
fi

tmp=$(mktemp -d /tmp/meldpunt-browser.XXXXXX)
chmod 0755 "$tmp"
own_cluster=0
cleanup() {
	[ $own_cluster -eq 1 ] && "$top/deploy/pgcluster.sh" stop "$tmp/pg" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
if [ -z "${PGHOST:-}" ]; then
	envs=$(MELDPUNT_PG_FSYNC=off "$top/deploy/pgcluster.sh" start "$tmp/pg") || exit 1
	eval "$envs"
	own_cluster=1
fi

export MELDPUNT_TOP="$top" MELDPUNT_BUILD="$build" MELDPUNT_TEST_TMP="$tmp"
export MELDPUNT_CHROMIUM="$chromium"
cd "$top"
# Bounded: each test by node (--test-timeout), the whole run by timeout(1),
# which signals the process group -- test files, their meldpuntd and
# chromium -- when it expires.  lib/stack.mjs kills its daemons on exit.
# 1200 s: the files run one after another, and on a shared two-core
# machine (load 30) the whole set took longer than the 600 s it had.
timeout -k 15 ${MELDPUNT_BROWSER_TIMEOUT:-1200} \
    node --test --test-reporter=tap --test-timeout=180000 "$@"
