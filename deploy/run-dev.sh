#!/bin/sh
# `make run`: a complete development instance under var/.
#
# Creates once, then reuses: a private PostgreSQL cluster (var/pg, Unix
# socket only), the database and roles with every migration applied, a
# development TLS certificate (var/tls), the daemon configuration
# (var/meldpuntd.conf) and the development keys (var/keys).  Starts
# meldpuntd for both roles in the foreground; one Ctrl-C (SIGINT), SIGTERM
# or SIGHUP stops the daemons and the cluster (tests/deploy/test_run_dev.sh).
# Nothing here is fit for production: see deploy/README.md.
#
#   PUBLIC_PORT=8443 STAFF_PORT=8444   the ports (0: any free one); the
#                                      banner prints the real URLs
#   MELDPUNT_VAR=<checkout>/var        where everything is kept
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=$(cd "$build" && pwd)
var=${MELDPUNT_VAR:-$top/var}
public_port=${PUBLIC_PORT:-8443}
staff_port=${STAFF_PORT:-8444}
for p in "$public_port" "$staff_port"; do
	case "$p" in
	''|*[!0-9]*) echo "make run: PUBLIC_PORT/STAFF_PORT: not a port: $p" >&2
		exit 64 ;;
	esac
	[ "$p" -le 65535 ] || { echo "make run: port out of range: $p" >&2; exit 64; }
done
mkdir -p "$var"
var=$(cd "$var" && pwd)
chmod 0755 "$var"

# The cluster runs as `postgres` when we are root: it must reach var/.
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$var"; then
	echo "make run: user postgres cannot reach $var; move the checkout" >&2
	echo "  somewhere every parent directory is world-searchable (o+x)." >&2
	exit 1
fi

pids=""
# Runs once, on the first signal or on exit, whatever state start-up
# reached: the daemons first (they drain), then the cluster.  Further
# signals are ignored until it is done, so a second Ctrl-C cannot cut it
# short and leave PostgreSQL running.
cleanup() {
	trap '' INT TERM HUP
	trap - EXIT
	set +e
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	deploy/pgcluster.sh stop "$var/pg"
	echo "make run: stopped"
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 129' HUP
trap cleanup EXIT
eval "$(deploy/pgcluster.sh start "$var/pg")"

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
sed -e "s|@VAR@|$var|g" -e "s|@TOP@|$top|g" -e "s|@PGHOST@|$PGHOST|g" \
    -e "s|@PUBLIC_PORT@|$public_port|g" -e "s|@STAFF_PORT@|$staff_port|g" \
    deploy/meldpuntd.conf.dev > "$conf"

# Staff side (issue 6): `meldctl init` above wrote the totp-seal key and
# the metrics token; once, a demo handler per default queue and a demo
# researcher.  DEVELOPMENT ONLY: their passwords
# and TOTP secrets are written in clear to var/demo-logins.txt.
if [ ! -f "$var/demo-logins.txt" ] && [ -f "$var/keys/recovery.key" ]; then
	demo="$var/demo-logins.txt.tmp"
	# The redirect inside the umask: the file is created 0600.
	( umask 077
	  exec > "$demo"
	  echo "  DEVELOPMENT ONLY -- demo staff logins (never use in production)"
	  for q in labour obi honour honour_urgent researcher; do
		u="demo_$q"; kind=handler
		[ "$q" = researcher ] && { u=demo_research; kind=researcher; }
		pw="demo-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
		out=$(printf '%s\n' "$pw" | "$build/meldctl" \
		    -d "dbname=meldpunt user=mp_admin" user add --kind "$kind" \
		    --no-forced-change --password-stdin --argon2 8192,1,1 \
		    --totp-seal-key "$var/keys/totp-seal.key" "$u") || continue
		[ "$kind" = handler ] && "$build/meldctl" \
		    -d "dbname=meldpunt user=mp_admin" queue members add "$q" \
		    "$u" --recovery-key "$var/keys/recovery.key" >/dev/null
		echo "  $u ($kind) password: $pw  $(echo "$out" | grep '^totp-secret:')"
	  done ) && mv "$demo" "$var/demo-logins.txt"
fi
# An older var/ may hold the file with mode 0644.
[ ! -f "$var/demo-logins.txt" ] || chmod 0600 "$var/demo-logins.txt"

# Each daemon logs to var/log/ROLE.log, shown here by tail; the banner
# reads the real ports from the "listening on" lines.
mkdir -p "$var/log"
for role in public staff; do
	: > "$var/log/$role.log"
	"$build/meldpuntd" -c "$conf" --role "$role" 2>>"$var/log/$role.log" &
	pids="$pids $!"
done
tail -n +1 -f "$var/log/public.log" "$var/log/staff.log" &
pids="$pids $!"
url_of() {	# ROLE: https://127.0.0.1:PORT once it listens (at most 15 s)
	i=0
	while [ $i -lt 75 ]; do
		u=$(sed -n 's|.*listening on \(https://[^ ]*/\).*|\1|p' \
		    "$var/log/$1.log" | head -n 1)
		[ -n "$u" ] && { echo "${u%/}"; return 0; }
		sleep 0.2
		i=$((i + 1))
	done
	echo "make run: the $1 daemon did not start; see $var/log/$1.log" >&2
	return 1
}
pub=$(url_of public)
staff=$(url_of staff)

cat <<MSG

  meldpunt development instance (Ctrl-C stops it)

  reporter page  $pub/   (self-signed certificate: accept it once)
  reporter API   $pub/v1/forms?lang=nl   (curl -k $pub/healthz)
  staff console  $staff/   (staff API on the same port)
  database       psql "host=$PGHOST dbname=meldpunt"
  configuration  $conf
  logs           $var/log/public.log, $var/log/staff.log

MSG
if [ -f "$var/demo-logins.txt" ]; then
	cat "$var/demo-logins.txt"
fi
# wait returns when a trapped signal arrives; the trap then stops all.
wait
