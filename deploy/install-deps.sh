#!/bin/sh
# Install the Debian 12 packages meldpunt needs to build, test and run,
# but only those that are missing.  As root it runs apt-get itself; as
# another user it prints the one command to run and fails.
set -eu

PKGS="build-essential pkg-config libevent-dev libssl-dev libpq-dev
libargon2-dev libsodium-dev libjansson-dev libcriterion-dev postgresql-15
postgresql-client-15 openssl golang-github-cloudflare-circl-dev oathtool
argon2 clang libclang-rt-14-dev chromium libxml2-utils librsvg2-bin
libpng-dev pg-auto-failover-cli postgresql-15-auto-failover haproxy curl jq
libqrencode-dev msmtp qrencode fonts-sil-abyssinica fonts-wqy-microhei"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "meldpunt: missing Debian packages; run this once, then retry:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "meldpunt: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
