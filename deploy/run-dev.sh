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
# Reporter side (issue 5): keys, default queues and routing rules, once;
# later runs find them and change nothing.  Development only: the
# recovery private key stays in var/keys, where production must not keep it.
"$build/meldctl" -d "dbname=meldpunt" init --keys "$var/keys"
# The key manifest (docs/crypto.md section 10), signed on every run so that
# a newer checkout's keys are covered.  Development only: the signing key
# stays in var/keys, where production must not keep it.
"$build/meldctl" -d "dbname=meldpunt" keys sign \
    --signing-key "$var/keys/manifest-signing.key"
# The page with its trust anchor (manifest-key.txt), fresh from web/.
deploy/install-web.sh "$top/web" "$var/web" "$var/keys/manifest-signing.pub"

if [ ! -f "$var/tls/key.pem" ]; then
	mkdir -p "$var/tls"
	chmod 0700 "$var/tls"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$var/tls/key.pem" -out "$var/tls/cert.pem" -days 365 \
	    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	    2>/dev/null
	chmod 0600 "$var/tls/key.pem"
fi

# Derived from the template every time, so a newer checkout's keys reach
# an older var/.
conf="$var/meldpuntd.conf"
sed -e "s|@VAR@|$var|g" -e "s|@PGHOST@|$PGHOST|g" \
    deploy/meldpuntd.conf.dev > "$conf"

# Staff side (issue 6): `meldctl init` above wrote the totp-seal key and
# the metrics token; once, a demo handler per default queue and a demo
# researcher.  DEVELOPMENT ONLY: their passwords
# and TOTP secrets are written in clear to var/demo-logins.txt.
if [ ! -f "$var/demo-logins.txt" ] && [ -f "$var/keys/recovery.key" ]; then
	demo="$var/demo-logins.txt.tmp"
	( umask 077
	  echo "  DEVELOPMENT ONLY -- demo staff logins (never use in production)"
	  for q in labour obi honour honour_urgent researcher; do
		u="demo_$q"; kind=handler
		[ "$q" = researcher ] && { u=demo_research; kind=researcher; }
		pw="demo-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
		out=$(printf '%s\n' "$pw" | "$build/meldctl" \
		    -d "dbname=meldpunt user=mp_admin" user add --kind "$kind" \
		    --password-stdin --argon2 8192,1,1 \
		    --totp-seal-key "$var/keys/totp-seal.key" "$u") || continue
		[ "$kind" = handler ] && "$build/meldctl" \
		    -d "dbname=meldpunt user=mp_admin" queue members add "$q" \
		    "$u" --recovery-key "$var/keys/recovery.key" >/dev/null
		echo "  $u ($kind) password: $pw  $(echo "$out" | grep '^totp-secret:')"
	  done ) > "$demo" && mv "$demo" "$var/demo-logins.txt"
fi

"$build/meldpuntd" -c "$conf" --role public &
pids="$pids $!"
"$build/meldpuntd" -c "$conf" --role staff &
pids="$pids $!"
sleep 1

cat <<MSG

  meldpunt development instance (Ctrl-C stops it)

  reporter page  https://127.0.0.1:8443/   (self-signed certificate: accept it once)
  reporter API   https://127.0.0.1:8443/v1/forms?lang=nl   (curl -k https://127.0.0.1:8443/healthz)
  staff console  https://127.0.0.1:8444/   (staff API on the same port)
  database       psql "host=$PGHOST dbname=meldpunt"
  configuration  $conf

MSG
if [ -f "$var/demo-logins.txt" ]; then
	cat "$var/demo-logins.txt"
fi
wait
