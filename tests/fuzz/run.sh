#!/bin/sh
# `make fuzz`: build every tests/fuzz/fuzz_<name>.c with clang's libFuzzer
# and ASan+UBSan, then run each for FUZZ_SECONDS (default 30) on a copy of
# its seed corpus (tests/fuzz/corpus/<name>/).  Crashes are kept in
# tests/fuzz/artifacts/.  Fuzz targets link only the parser modules they
# name in their FUZZ_SOURCES line below, never the whole daemon.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${FUZZ_SECONDS:-30}
out=build/fuzz
mkdir -p "$out" tests/fuzz/artifacts
libs=$(pkg-config --cflags --libs libcrypto jansson libargon2 libsodium)

sources_for() {
	case "$1" in
	http)		echo "daemon/http_parse.c" ;;
	config)		echo "daemon/config.c daemon/log.c forms/trust.c forms/i18n.c crypto/*.c" ;;
	disclosure)	echo "stats/*.c forms/*.c $(pkg-config --cflags --libs libpng)" ;;
	proxyproto)	echo "daemon/proxyproto.c" ;;
	reportreq)	echo "daemon/reportreq.c daemon/pubkeys.c forms/forms.c forms/i18n.c crypto/*.c $(pkg-config --cflags --libs libpq)" ;;
	content|inbox|lang)	echo "daemon/rparse.c forms/i18n.c crypto/secret.c crypto/argonmem.c" ;;
	bearer)		echo "daemon/rparse.c daemon/rsession.c forms/i18n.c crypto/secret.c crypto/argonmem.c" ;;
	squery|sbody)	echo "daemon/sparse.c daemon/squery.c stats/*.c forms/*.c crypto/*.c $(pkg-config --cflags --libs libpng)" ;;
	httpconn)	echo "daemon/http_parse.c daemon/proxyproto.c daemon/log.c $(pkg-config --cflags --libs libevent libevent_openssl libevent_pthreads libssl)" ;;
	pow)		echo "daemon/pow.c daemon/ratelimit.c crypto/*.c" ;;
	webpath)	echo "daemon/http.c daemon/http_parse.c daemon/proxyproto.c daemon/log.c $(pkg-config --cflags --libs libevent libevent_openssl libevent_pthreads libssl)" ;;
	*)		echo "crypto/*.c" ;;
	esac
}

rc=0
for f in tests/fuzz/fuzz_*.c; do
	name=$(basename "$f" .c); name=${name#fuzz_}
	echo "== fuzz $name (${secs}s)"
	# shellcheck disable=SC2046
	if ! clang -g -O1 -std=c11 -D_GNU_SOURCE -I. \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o "$out/fuzz_$name" "$f" $(sources_for "$name") $libs -lpthread
	then
		echo "fuzz $name: BUILD FAILED"; rc=1; continue
	fi
	corpus="$out/corpus-$name"
	mkdir -p "$corpus"
	[ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
	"$out/fuzz_$name" -max_total_time="$secs" -max_len=16384 \
	    -artifact_prefix=tests/fuzz/artifacts/ "$corpus" >"$out/fuzz_$name.log" 2>&1 || {
		echo "fuzz $name: FAILED, see $out/fuzz_$name.log"; rc=1; continue; }
	# Executions and coverage (edges "cov", features "ft") at the end.
	grep -E '^#[0-9]+[[:space:]]+DONE' "$out/fuzz_$name.log" | tail -n 1
	tail -n 1 "$out/fuzz_$name.log"
done
exit $rc
