#!/bin/sh
# `make run`: a complete development instance under var/.
#
# Creates once, then reuses: a private PostgreSQL cluster (var/pg, Unix
# socket only), the database and roles with every migration applied, a
# development TLS certificate (var/tls), the daemon configuration
# (var/meldpuntd.conf) and the development keys (var/keys).  Starts
# meldpuntd for both roles in the foreground; Ctrl-C stops the daemons and
# the cluster.  Nothing here is fit for production: see deploy/README.md.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
var="$top/var"
mkdir -p "$var"
chmod 0755 "$var"

# The cluster runs as `postgres` when we are root: it must reach var/.
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$var"; then
	echo "make run: user postgres cannot reach $var; move the checkout" >&2
	echo "  somewhere every parent directory is world-searchable (o+x)." >&2
	exit 1
fi

eval "$(deploy/pgcluster.sh start "$var/pg")"
pids=""
cleanup() {
	trap - INT TERM EXIT
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	deploy/pgcluster.sh stop "$var/pg"
	echo "make run: stopped"
}
trap cleanup INT TERM EXIT

if ! psql -qtAc "SELECT 1 FROM pg_database WHERE datname = 'meldpunt'" | grep -q 1; then
	createdb meldpunt
fi
"$build/meldctl" -d "dbname=meldpunt" migrate --schema-dir "$top/schema"

if [ ! -f "$var/tls/key.pem" ]; then
	mkdir -p "$var/tls"
	chmod 0700 "$var/tls"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$var/tls/key.pem" -out "$var/tls/cert.pem" -days 365 \
	    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	    2>/dev/null
	chmod 0600 "$var/tls/key.pem"
fi

conf="$var/meldpuntd.conf"
if [ ! -f "$conf" ]; then
	sed -e "s|@VAR@|$var|g" -e "s|@PGHOST@|$PGHOST|g" \
	    deploy/meldpuntd.conf.dev > "$conf"
fi

"$build/meldpuntd" -c "$conf" --role public &
pids="$pids $!"
"$build/meldpuntd" -c "$conf" --role staff &
pids="$pids $!"
sleep 1

cat <<MSG

  meldpunt development instance (Ctrl-C stops it)

  reporter API   https://127.0.0.1:8443/   (try: curl -k https://127.0.0.1:8443/healthz)
  staff API      https://127.0.0.1:8444/
  database       psql "host=$PGHOST dbname=meldpunt"
  configuration  $conf

MSG
if [ -f "$var/demo-logins.txt" ]; then
	cat "$var/demo-logins.txt"
fi
wait
