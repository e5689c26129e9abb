#!/bin/sh
# Backup and restore as deploy/README.md "Backup and restore" describes it
# (issue 15): a physical backup of the cluster (pg_basebackup, WAL
# included) and a copy of the online key files (never the two offline
# keys); then the original cluster and keys are destroyed, the backup is
# restored into a fresh cluster directory and fresh key paths, and there
# a handler reads the case and the reporter's receipt still opens it.
#
#   tests/deploy/test_backup.sh BUILD     exit 0 when everything held
set -u
build=${1:?usage: test_backup.sh BUILD}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
base=${MELDPUNT_TEST_TMP:-/tmp}
tmp=$(mktemp -d "$base/backup.XXXXXX")
chmod 0755 "$tmp"
meldctl="$build/meldctl"
pids=""

say() { echo "backup: $*"; }
fail() { echo "backup: FAIL: $*"; exit 1; }
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	"$top/deploy/pgcluster.sh" stop "$tmp/src" >/dev/null 2>&1
	"$top/deploy/pgcluster.sh" stop "$tmp/restored" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj /CN=localhost \
    2>/dev/null || fail "openssl"
chmod 0600 "$tmp/key.pem"

# daemon ROLE KEYS LOG: start one in the background; the port on stdout
# once it listens.
daemon() {
	cat >"$tmp/$1.conf" <<EOF
listen = 127.0.0.1:0
tls_cert = $tmp/cert.pem
tls_key = $tmp/key.pem
database = "host=$PGHOST port=$PGPORT dbname=meldpunt user=mp_$1"
workers = 2
[public]
receipt_lookup_key = $2/receipt-lookup.key
contact_link_key = $2/contact-link.key
manifest_public_key = $2/manifest-signing.pub
receipt_argon2_m_kib = 8192
receipt_argon2_t = 1
[staff]
totp_seal_key = $2/totp-seal.key
epoch_key_dir = $2/epoch
EOF
	"$build/meldpuntd" -c "$tmp/$1.conf" --role "$1" >/dev/null 2>"$3" </dev/null &
	pids="$pids $!"
}
port_of() {	# LOG
	i=0
	while [ $i -lt 100 ]; do
		p=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\)/.*|\1|p' "$1" | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.2; i=$((i + 1))
	done
	cat "$1" >&2
	return 1
}
api() {	# METHOD PORT PATH [TOKEN] [BODY] -> body on stdout, status in $tmp/st
	m=$1 port=$2 path=$3 tok=${4:-} body=${5:-}
	set -- -sk -o "$tmp/body" -w '%{http_code}' -X "$m" \
	    -H 'Content-Type: application/json'
	[ -n "$tok" ] && set -- "$@" -H "Authorization: Bearer $tok"
	[ -n "$body" ] && set -- "$@" --data-binary "$body"
	# A submission solves its proof-of-work challenge (pow_required is
	# on by default) with the C solver, as any client must.
	if [ "$m $path" = "POST /v1/reports" ]; then
		pow=$(curl -sk "https://127.0.0.1:$port/v1/challenge" |
		    "$build/bench/powsolve") || fail "no proof of work"
		set -- "$@" -H "Meldpunt-PoW: $pow"
	fi
	curl "$@" "https://127.0.0.1:$port$path" >"$tmp/st"
	cat "$tmp/body"
}
stop_daemons() {
	for p in $pids; do kill -TERM "$p"; done
	for p in $pids; do wait "$p" || fail "a daemon exited non-zero"; done
	pids=""
}

# --- the installation that is backed up --------------------------------
eval "$(MELDPUNT_PG_FSYNC=off "$top/deploy/pgcluster.sh" start "$tmp/src")" ||
	fail "source cluster"
createdb meldpunt || fail createdb
"$meldctl" -d dbname=meldpunt migrate --schema-dir "$top/schema" >/dev/null ||
	fail migrate
keys="$tmp/etc-keys"
admin="dbname=meldpunt user=mp_admin"
"$meldctl" -d "$admin" init --keys "$keys" >/dev/null || fail init
"$meldctl" -d "$admin" keys sign --signing-key "$keys/manifest-signing.key" \
    >/dev/null || fail "keys sign"
printf '%s\n' "a handler's password" | "$meldctl" -d "$admin" user add \
    --no-forced-change --password-stdin --argon2 8192,1,1 --totp-seal-key "$keys/totp-seal.key" \
    anna >"$tmp/anna" || fail "user add"
"$meldctl" -d "$admin" queue members add labour anna \
    --recovery-key "$keys/recovery.key" >/dev/null || fail "members add"
mkdir -p "$tmp/offline"
mv "$keys/recovery.key" "$keys/manifest-signing.key" "$tmp/offline/"

daemon public "$keys" "$tmp/src-public.log"
pport=$(port_of "$tmp/src-public.log") || fail "public daemon"
i=0
until [ "$(api GET "$pport" '/v1/forms?lang=en' >/dev/null; cat "$tmp/st")" = 200 ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "forms never ready"; sleep 0.2
done
receipt=$(api POST "$pport" /v1/reports '' '{"category":"labour_discrimination","subtype":"internship","lang":"nl","report":{"narrative":"kept through a restore"}}' | jq -r .receipt)
[ "$(cat "$tmp/st")" = 201 ] || fail "report: $(cat "$tmp/body")"
stop_daemons

# --- backup: the cluster (physical, with its WAL) and the online keys ----
pg_basebackup -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -D "$tmp/backup/pg" \
    -Fp -X stream -c fast || fail pg_basebackup
# The retention-epoch keys apart from everything else (their copies
# follow the backup window, deploy/README.md).
mkdir -p "$tmp/backup/keys" "$tmp/backup-epochs"
cp -p "$keys"/*.key "$keys"/*.pub "$keys"/metrics.token "$tmp/backup/keys/" ||
	fail "copying the key files"
cp -pR "$keys/epoch" "$tmp/backup-epochs/" || fail "copying the epoch keys"
for f in recovery.key manifest-signing.key; do
	[ ! -e "$tmp/backup/keys/$f" ] || fail "$f is in the backup"
done
say "backed up: $(du -sk "$tmp/backup/pg" | cut -f1) KiB of cluster, $(ls "$tmp/backup/keys" | wc -l) key files, $(ls "$tmp/backup-epochs/epoch" | wc -l) epoch key(s)"

# --- disaster: the cluster and the key directory are gone ---------------
"$top/deploy/pgcluster.sh" stop "$tmp/src" >/dev/null
rm -rf "$tmp/src" "$keys"

# --- restore into a fresh cluster directory and a fresh key path --------
mkdir -p "$tmp/restored"
cp -a "$tmp/backup/pg" "$tmp/restored/data"
chmod 0700 "$tmp/restored/data"
[ "$(id -u)" -ne 0 ] || chown -R postgres: "$tmp/restored"
eval "$(MELDPUNT_PG_FSYNC=off "$top/deploy/pgcluster.sh" start "$tmp/restored")" ||
	fail "the restored cluster does not start"
keys2="$tmp/restored-keys"
mkdir -m 0711 "$keys2"
cp -p "$tmp/backup/keys"/* "$keys2/"
cp -pR "$tmp/backup-epochs/epoch" "$keys2/"
daemon public "$keys2" "$tmp/public.log"
daemon staff "$keys2" "$tmp/staff.log"
pport=$(port_of "$tmp/public.log") || fail "public daemon after restore"
sport=$(port_of "$tmp/staff.log") || fail "staff daemon after restore"

secret=$(sed -n 's/^totp-secret: //p' "$tmp/anna")
tok=$(api POST "$sport" /v1/staff/session '' "{\"username\":\"anna\",\"password\":\"a handler's password\",\"totp\":\"$(oathtool --totp -b "$secret")\"}" | jq -r .token)
[ "$(cat "$tmp/st")" = 201 ] || fail "login after restore: $(cat "$tmp/st")"
id=$(api GET "$sport" '/v1/staff/cases?queue=labour' "$tok" | jq -r '.cases[0].id')
text=$(api GET "$sport" "/v1/staff/case?id=$id" "$tok" | jq -r .content.narrative)
[ "$text" = "kept through a restore" ] || fail "the case does not open: $(cat "$tmp/body")"
say "a handler reads the case in the restored cluster"
api POST "$pport" /v1/reporter/session '' "{\"receipt\":\"$receipt\",\"lang\":\"en\"}" >/dev/null
[ "$(cat "$tmp/st")" = 200 ] || fail "the receipt does not open after restore: $(cat "$tmp/st")"
say "the reporter's receipt opens the restored case"
"$meldctl" -d "dbname=meldpunt user=mp_admin" doctor --keys "$keys2" \
    --public-user "$(id -un)" --staff-user "$(id -un)" >"$tmp/doctor" 2>&1 ||
	{ cat "$tmp/doctor"; fail "doctor after restore"; }
stop_daemons
say "ok"
