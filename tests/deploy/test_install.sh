#!/bin/sh
# A production-style installation, from the installed files only, as
# deploy/README.md describes it (issue 15):
#
#   make install PREFIX=<temp>; a PostgreSQL cluster with peer
#   authentication mapping one system user per role to its database role
#   (deploy/README.md step 3); meldctl migrate and meldctl init; key files
#   chowned as init advises; both daemons started from <temp>/sbin with
#   the installed example configuration adjusted, each as its own user;
#   meldctl doctor passes; a report comes in; a handler signs in; a second
#   member added WITHOUT the recovery key file on the machine reads the
#   case after the first member signed in once.
#
# System users: as root (CI) two throw-away users mpt-pub-<pid> and
# mpt-stf-<pid> are created and removed again; as another user, who cannot
# create users, both roles run as that user (the peer map then maps it to
# both roles) -- the same files, modes and commands otherwise.
#
#   tests/deploy/test_install.sh BUILD     exit 0 when everything held
set -u
build=${1:?usage: test_install.sh BUILD}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
base=${MELDPUNT_TEST_TMP:-/tmp}
tmp=$(mktemp -d "$base/install.XXXXXX")
chmod 0755 "$tmp"
prefix="$tmp/prefix"
keys="$tmp/etc/keys"
etc="$tmp/etc"
pg="$tmp/pg"
pids=""
users=""

say() { echo "install: $*"; }
fail() { echo "install: FAIL: $*"; exit 1; }

cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	"$top/deploy/pgcluster.sh" stop "$pg" >/dev/null 2>&1
	for u in $users; do userdel "$u" >/dev/null 2>&1; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

me=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
	pub_user="mpt-pub-$$" staff_user="mpt-stf-$$"
	for u in "$pub_user" "$staff_user"; do
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$u" || fail "useradd $u"
		users="$users $u"
	done
	# Called in a background subshell, which exec replaces: $! is then
	# the daemon itself (runuser would stay as its parent).
	exec_as() { u=$1; shift; exec setpriv --reuid "$u" \
	    --regid "$(id -g "$u")" --clear-groups -- "$@"; }
	admin_os=root
else
	pub_user=$me staff_user=$me
	exec_as() { shift; exec "$@"; }
	admin_os=$me
fi

# 1. Build and install.
make -s -C "$top" install BUILD="$build" PREFIX="$prefix" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "make install"; }
for f in sbin/meldpuntd sbin/meldctl share/meldpunt/schema/0001_roles.sql \
    share/meldpunt/meldpuntd.conf.example share/meldpunt/web/index.html \
    share/man/man8/meldctl.8; do
	[ -e "$prefix/$f" ] || fail "make install did not install $f"
done
meldctl="$prefix/sbin/meldctl"
meldpuntd="$prefix/sbin/meldpuntd"

# 3. PostgreSQL: peer authentication, one system user per role.
eval "$(MELDPUNT_PG_FSYNC=off "$top/deploy/pgcluster.sh" start "$pg")" ||
	fail "cluster"
pgowner=$PGUSER
cat >"$tmp/hba" <<EOF
local all all peer map=meldpunt
EOF
cat >"$tmp/ident" <<EOF
meldpunt $admin_os $pgowner
meldpunt $pgowner $pgowner
meldpunt $admin_os mp_admin
meldpunt $pub_user mp_public
meldpunt $staff_user mp_staff
EOF
if [ "$(id -u)" -eq 0 ]; then
	install -o postgres -m 0600 "$tmp/hba" "$pg/data/pg_hba.conf"
	install -o postgres -m 0600 "$tmp/ident" "$pg/data/pg_ident.conf"
	chmod 0755 "$pg" "$pg/sock"
else
	install -m 0600 "$tmp/hba" "$pg/data/pg_hba.conf"
	install -m 0600 "$tmp/ident" "$pg/data/pg_ident.conf"
fi
psql -qAtc "SELECT pg_reload_conf()" >/dev/null || fail "reload pg_hba"
sleep 1
createdb meldpunt || fail "createdb"
"$meldctl" -d "dbname=meldpunt" migrate \
    --schema-dir "$prefix/share/meldpunt/schema" || fail "meldctl migrate"
admin="host=$PGHOST port=$PGPORT dbname=meldpunt user=mp_admin"

# 4. Keys: meldctl init, then owners and modes as it advises.
mkdir -p "$etc"
"$meldctl" -d "$admin" init --keys "$keys" >"$tmp/init.out" ||
	{ cat "$tmp/init.out"; fail "meldctl init"; }
for f in receipt-lookup.key contact-link.key totp-seal.key metrics.token \
    identity.key identity.pub recovery.key recovery.pub manifest-signing.key \
    manifest-signing.pub audit-chain.key audit-checkpoint.key \
    audit-checkpoint.pub reporter-session.key; do
	[ -f "$keys/$f" ] || fail "meldctl init did not create $f"
	grep -q "^  $f " "$tmp/init.out" || fail "no owner/mode advice for $f"
done
chmod 0711 "$keys"
chown "$pub_user" "$keys/receipt-lookup.key" "$keys/contact-link.key" \
    "$keys/reporter-session.key"
chown "$staff_user" "$keys/totp-seal.key" "$keys/metrics.token" \
    "$keys/audit-chain.key" "$keys/audit-checkpoint.key"
chown -R "$staff_user" "$keys/epoch"
chmod 0400 "$keys/receipt-lookup.key" "$keys/contact-link.key" \
    "$keys/totp-seal.key" "$keys/metrics.token" "$keys/reporter-session.key" \
    "$keys/audit-chain.key" "$keys/audit-checkpoint.key"

# 5. TLS, one key per process (a key file must be its owner's alone).
for r in public staff; do
	mkdir -p "$etc/tls-$r"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$etc/tls-$r/key.pem" -out "$etc/tls-$r/cert.pem" \
	    -days 2 -subj /CN=localhost 2>/dev/null || fail "openssl"
	chmod 0600 "$etc/tls-$r/key.pem"
done
chown -R "$pub_user" "$etc/tls-public"
chown -R "$staff_user" "$etc/tls-staff"

# 6. The installed example configuration, adjusted.
conf="$etc/meldpuntd.conf"
sed -e "s|/etc/meldpunt/keys|$keys|g" \
    -e "s|host=/run/postgresql|host=$PGHOST port=$PGPORT|g" \
    -e "s|/usr/local/share/meldpunt|$prefix/share/meldpunt|g" \
    -e "s|^listen = 127.0.0.1:844[34]|listen = 127.0.0.1:0|" \
    -e "s|^\[public\]|[public]\ntls_cert = $etc/tls-public/cert.pem\ntls_key = $etc/tls-public/key.pem\nreceipt_argon2_m_kib = 8192\nreceipt_argon2_t = 1\nworkers = 2|" \
    -e "s|^\[staff\]|[staff]\ntls_cert = $etc/tls-staff/cert.pem\ntls_key = $etc/tls-staff/key.pem\nmetrics_token_file = $keys/metrics.token\nworkers = 2|" \
    "$prefix/share/meldpunt/meldpuntd.conf.example" >"$conf"
chmod 0644 "$conf"
grep -q "receipt_lookup_key = $keys/receipt-lookup.key" "$conf" ||
	fail "the example configuration no longer names the init key paths"

# The first member of a queue nobody holds the key of needs the recovery
# key once; then it leaves the machine.
printf '%s\n' "first member's password" | "$meldctl" -d "$admin" user add \
    --no-forced-change --password-stdin --argon2 8192,1,1 --totp-seal-key "$keys/totp-seal.key" \
    anna >"$tmp/anna" || fail "user add anna"
"$meldctl" -d "$admin" queue members add labour anna \
    --recovery-key "$keys/recovery.key" >/dev/null || fail "members add anna"
# The first key manifest, signed with the offline key, which leaves too.
"$meldctl" -d "$admin" keys sign --signing-key "$keys/manifest-signing.key" \
    >/dev/null || fail "meldctl keys sign"
mkdir -p "$tmp/offline"
mv "$keys/recovery.key" "$keys/manifest-signing.key" "$tmp/offline/" ||
	fail "moving the offline keys"

"$meldctl" -d "$admin" doctor --keys "$keys" --config "$conf" \
    --public-user "$pub_user" --staff-user "$staff_user" >"$tmp/doctor" 2>&1 ||
	{ cat "$tmp/doctor"; fail "meldctl doctor"; }
say "doctor: $(tail -n 1 "$tmp/doctor")"

# Both daemons from the installed binary, each as its user.
start() {	# ROLE USER: start in the background, pid added to $pids
	exec_as "$2" "$meldpuntd" -c "$conf" --role "$1" >/dev/null \
	    2>"$tmp/$1.log" </dev/null &
	pids="$pids $!"
}
port_of() {	# ROLE: the port from the "listening on" line, waiting for it
	i=0
	while [ $i -lt 100 ]; do
		p=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\)/.*|\1|p' \
		    "$tmp/$1.log" | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.2; i=$((i + 1))
	done
	cat "$tmp/$1.log" >&2
	return 1
}
start public "$pub_user"
start staff "$staff_user"
pport=$(port_of public) || fail "public meldpuntd did not start"
sport=$(port_of staff) || fail "staff meldpuntd did not start"
say "public on $pport, staff on $sport, as $pub_user and $staff_user"
set -- $pids
[ "$(ps -o uid= -p "$1" | tr -d ' ')" = "$(id -u "$pub_user")" ] ||
	fail "the public daemon does not run as $pub_user"
[ "$(ps -o uid= -p "$2" | tr -d ' ')" = "$(id -u "$staff_user")" ] ||
	fail "the staff daemon does not run as $staff_user"

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
i=0
until [ "$(api GET "$pport" '/v1/forms?lang=en' >/dev/null; cat "$tmp/st")" = 200 ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "forms never became ready"
	sleep 0.2
done

# A second member, added with the recovery key off the machine: pending.
printf '%s\n' "second member's password" | "$meldctl" -d "$admin" user add \
    --no-forced-change --password-stdin --argon2 8192,1,1 --totp-seal-key "$keys/totp-seal.key" \
    bram >"$tmp/bram" || fail "user add bram"
"$meldctl" -d "$admin" queue members add labour bram >"$tmp/pending" ||
	fail "members add bram without the recovery key"
grep -q pending "$tmp/pending" || fail "bram is not pending: $(cat "$tmp/pending")"

api POST "$pport" /v1/reports '' '{"category":"labour_discrimination","subtype":"internship","lang":"nl","report":{"narrative":"installed and read"}}' >/dev/null
[ "$(cat "$tmp/st")" = 201 ] || fail "report: $(cat "$tmp/st") $(cat "$tmp/body")"

login() {	# NAME PASSWORD -> token
	secret=$(sed -n 's/^totp-secret: //p' "$tmp/$1")
	code=$(oathtool --totp -b "$secret")
	api POST "$sport" /v1/staff/session '' "{\"username\":\"$1\",\"password\":\"$2\",\"totp\":\"$code\"}" |
	    jq -r .token
}
atok=$(login anna "first member's password")
[ "$(cat "$tmp/st")" = 201 ] || fail "anna's login: $(cat "$tmp/st") $(cat "$tmp/body")"
say "a handler signed in"
btok=$(login bram "second member's password")
[ "$(cat "$tmp/st")" = 201 ] || fail "bram's login: $(cat "$tmp/st")"
id=$(api GET "$sport" '/v1/staff/cases?queue=labour' "$btok" | jq -r '.cases[0].id')
[ "$(cat "$tmp/st")" = 200 ] || fail "bram's case list: $(cat "$tmp/st")"
text=$(api GET "$sport" "/v1/staff/case?id=$id" "$btok" | jq -r .content.narrative)
[ "$text" = "installed and read" ] ||
	fail "the second member cannot read the case: $(cat "$tmp/body")"
[ ! -e "$keys/recovery.key" ] || fail "the recovery key came back"
say "the second member reads the case without the recovery key"

for p in $pids; do kill -TERM "$p"; done
for p in $pids; do wait "$p" || fail "a daemon exited non-zero"; done
pids=""
say "ok"
